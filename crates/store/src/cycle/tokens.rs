//! Customer ratings through single-use, expiring links (客户评分链接). The secret goes into the
//! link once and is never stored: the table keeps its SHA-256. Using a link marks it used in
//! the same transaction as the ratings it carries, so a link answers exactly once even when
//! opened twice at the same moment.

use super::{CycleRow, lock_cycle, refuse};
use crate::sql::Sql;
use crate::users::{random_token, token_hash};
use crate::{Result, Store, StoreError, Tx, Viewer};
use chrono::{DateTime, Duration, Utc};
use kaohe_domain::cycle::{
    Action, Actor, CustomerToken, DEFAULT_TOKEN_VALIDITY_DAYS, RefusalKind, TokenStatus,
    Transition, apply,
};
use kaohe_domain::period::Period;
use kaohe_domain::roles::Role;

/// A freshly issued link: the secret is shown once, here.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub secret: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct TokenRow {
    cycle_id: i64,
    customer_id: i64,
    issued_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    used_at: Option<DateTime<Utc>>,
}

impl Store {
    /// Issues a customer's rating link for a person's cycle (HR or the person's superior),
    /// valid for [`DEFAULT_TOKEN_VALIDITY_DAYS`] days from `now`.
    pub async fn issue_customer_token(
        &self,
        viewer: &Viewer,
        period: Period,
        employee: i64,
        customer_id: i64,
        now: DateTime<Utc>,
    ) -> Result<IssuedToken> {
        let actor = self.actor_for(viewer, employee).await?;
        if actor.is_subject || !(actor.role == Role::Hr || actor.is_superior_of_subject) {
            return Err(refuse(
                RefusalKind::WrongRole,
                "客户评分链接由人力资源部或被考核者的上级发出",
                "customer links are issued by HR or the subject's superior",
            ));
        }
        let row = self.cycle_row(period, employee).await?;
        let secret = random_token();
        let expires_at = now + Duration::days(DEFAULT_TOKEN_VALIDITY_DAYS);
        let mut tx = self.begin().await?;
        let mut sql = Sql::new(
            "INSERT INTO customer_tokens (secret_hash, cycle_id, customer_id, issued_at, expires_at) VALUES (",
        );
        sql.bind(token_hash(&secret))
            .push(", ")
            .bind(row.id)
            .push(", ")
            .bind(customer_id)
            .push(", ")
            .bind(now)
            .push(", ")
            .bind(expires_at)
            .push(")");
        tx.run(&sql).await?;
        tx.audit(
            viewer,
            crate::audit::AuditEntry {
                action: "create",
                entity: "customer_token",
                entity_id: row.id.to_string(),
                before: None,
                after: Some(
                    serde_json::json!({ "customer_id": customer_id, "expires_at": expires_at }),
                ),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(IssuedToken { secret, expires_at })
    }

    /// A customer answers through a link: every `(indicator, value)` is recorded as a customer
    /// rating and the link is used up. Expired, used or unknown links are refused with a
    /// message for the customer, and nothing is recorded.
    pub async fn redeem_customer_token(
        &self,
        secret: &str,
        answers: &[(String, f64)],
        now: DateTime<Utc>,
    ) -> Result<Vec<Transition>> {
        let hash = token_hash(secret);
        let cal = self.calendar(now.date_naive()).await?;
        let today = cal.local_date(now);
        let mut tx = self.begin().await?;
        let t = lock_token(&mut tx, &hash).await?;
        let (period, employee, scheme): (String, i64, String) = {
            let mut sql =
                Sql::new("SELECT period, employee_id, scheme_code FROM cycles WHERE id = ");
            sql.bind(t.cycle_id);
            let rows: Vec<(String, i64, String)> = tx.fetch_all(&sql).await?;
            rows.into_iter().next().ok_or_else(unknown_link)?
        };
        let period = Period::parse(&period).map_err(|e| StoreError::Invalid {
            field: "period".into(),
            message: e.to_string(),
        })?;
        let mut token = CustomerToken {
            secret_hash: hash.clone(),
            subject_id: employee,
            period,
            customer_id: t.customer_id,
            issued_at: t.issued_at,
            expires_at: t.expires_at,
            used_at: t.used_at,
        };
        let redeemed = token
            .redeem(now)
            .map_err(|s| refuse(RefusalKind::Invalid, s.zh(), s.en()))?;
        if answers.is_empty() {
            return Err(refuse(RefusalKind::Invalid, "没有评分", "no answers given"));
        }
        let deadlines = self.deadlines(&scheme).await?;
        let row: CycleRow = lock_cycle(&mut tx, period, employee).await?;
        // A customer has no account: the step is recorded under the customer, not a person.
        let actor = Actor {
            role: Role::Rep,
            employee_id: 0,
            is_subject: false,
            is_superior_of_subject: false,
        };
        let viewer = Viewer::system(&format!("customer:{}", t.customer_id));
        let mut state = row.state()?;
        let mut done = Vec::new();
        for (indicator, value) in answers {
            let action = Action::RecordCustomerRating {
                token: redeemed.clone(),
                indicator: indicator.clone(),
                value: *value,
            };
            let outcome = apply(&state, action, &actor, today, &deadlines, &cal)?;
            self.write_step(&mut tx, &viewer, &row, &state, &outcome, &deadlines, &cal)
                .await?;
            state = outcome.state;
            done.push(outcome.transition);
        }
        let mut used = Sql::new("UPDATE customer_tokens SET used_at = ");
        used.bind(now)
            .push(" WHERE used_at IS NULL AND secret_hash = ")
            .bind(hash);
        if tx.run(&used).await? != 1 {
            return Err(refuse(
                RefusalKind::Invalid,
                "链接已使用，每个链接只能评分一次",
                "the link was used already; each link rates once",
            ));
        }
        tx.commit().await?;
        Ok(done)
    }
}

fn unknown_link() -> StoreError {
    refuse(RefusalKind::Invalid, "链接无效", "the link is not valid")
}

async fn lock_token(tx: &mut Tx, hash: &str) -> Result<TokenRow> {
    let mut sql = Sql::new(
        "SELECT cycle_id, customer_id, issued_at, expires_at, used_at FROM customer_tokens WHERE secret_hash = ",
    );
    sql.bind(hash);
    if matches!(tx, Tx::Postgres(_)) {
        sql.push(" FOR UPDATE");
    }
    let rows: Vec<TokenRow> = tx.fetch_all(&sql).await?;
    rows.into_iter().next().ok_or_else(unknown_link)
}

/// One question of a customer's rating page: a rated indicator.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LinkQuestion {
    pub indicator: String,
    pub name_zh: String,
    pub name_en: String,
}

/// What a customer's link may show: the rated person's name and the questions, nothing else.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CustomerLink {
    pub person: String,
    /// The highest value an answer may take.
    pub cap: f64,
    pub questions: Vec<LinkQuestion>,
}

impl Store {
    /// Looks a link up without using it: its page, or why it cannot be used (`None` when no
    /// such link exists).
    pub async fn customer_link(
        &self,
        secret: &str,
        now: DateTime<Utc>,
    ) -> Result<std::result::Result<CustomerLink, Option<TokenStatus>>> {
        let mut sql = Sql::new(
            "SELECT t.cycle_id, t.customer_id, t.issued_at, t.expires_at, t.used_at FROM customer_tokens t WHERE t.secret_hash = ",
        );
        sql.bind(token_hash(secret));
        let Some(t): Option<TokenRow> = self.fetch_optional(&sql).await? else {
            return Ok(Err(None));
        };
        let mut c = Sql::new(
            "SELECT c.id, c.employee_id, c.scheme_code, c.snapshot FROM cycles c WHERE c.id = ",
        );
        c.bind(t.cycle_id);
        let Some(row): Option<CycleRow> = self.fetch_optional(&c).await? else {
            return Ok(Err(None));
        };
        let state = row.state()?;
        let token = CustomerToken {
            secret_hash: String::new(),
            subject_id: row.employee_id,
            period: state.setup().period,
            customer_id: t.customer_id,
            issued_at: t.issued_at,
            expires_at: t.expires_at,
            used_at: t.used_at,
        };
        match token.status(now) {
            TokenStatus::Valid => {}
            other => return Ok(Err(Some(other))),
        }
        let mut n = Sql::new("SELECT name FROM employees WHERE id = ");
        n.bind(row.employee_id);
        let (person,): (String,) = self.fetch_optional(&n).await?.ok_or_else(unknown_link)?;
        let lib = self.library().await?;
        let questions = state
            .setup()
            .rated_indicators
            .iter()
            .map(|code| {
                let ind = lib.library.indicator(code);
                LinkQuestion {
                    indicator: code.clone(),
                    name_zh: ind.map_or(code.clone(), |i| i.name_zh.clone()),
                    name_en: ind.map_or(code.clone(), |i| i.name_en.clone()),
                }
            })
            .collect();
        Ok(Ok(CustomerLink {
            person,
            cap: state.setup().rating_cap,
            questions,
        }))
    }
}
