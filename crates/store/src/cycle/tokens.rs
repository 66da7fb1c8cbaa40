//! Customer ratings through single-use, expiring links (客户评分链接). The secret goes into the
//! link once and is never stored: the table keeps its SHA-256. Using a link marks it used in
//! the same transaction as the ratings it carries, so a link answers exactly once even when
//! opened twice at the same moment.
//!
//! HR or the subject's superior issues a link for one of the subject's customer records, with
//! whom it goes to (a contact name and a phone or e-mail), while the cycle is rating; they list
//! a period's links with their state (unused, used, expired, revoked) and revoke unused ones.
//! A revoked link answers like a used one. Issuing and revoking are audited.

use super::{CycleRow, lock_cycle, refuse};
use crate::sql::Sql;
use crate::users::{random_token, token_hash};
use crate::{Result, Store, StoreError, Tx, Viewer};
use chrono::{DateTime, Duration, Utc};
use kaohe_domain::cycle::{
    Action, Actor, CustomerToken, DEFAULT_TOKEN_VALIDITY_DAYS, RefusalKind, Stage, TokenStatus,
    Transition, apply, check_contact,
};
use kaohe_domain::period::Period;
use kaohe_domain::roles::Role;

/// A freshly issued link: the secret is shown once, here.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    /// The link's id, to list and revoke it by.
    pub id: i64,
    pub secret: String,
    pub expires_at: DateTime<Utc>,
}

/// What a rating link is issued for: one of the subject's customers and whom it is sent to.
#[derive(Debug, Clone, Copy)]
pub struct NewLink<'a> {
    /// The customer record: its database id or its archive number (档案号).
    pub customer: &'a str,
    /// The person at the customer who answers.
    pub contact_name: &'a str,
    /// Their phone number or e-mail address.
    pub contact: &'a str,
}

/// A rating link as listed: never its secret.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RatingLink {
    pub id: i64,
    pub period: String,
    pub employee_id: i64,
    pub employee_code: String,
    pub employee_name: String,
    pub customer_id: i64,
    pub customer_archive_no: String,
    pub customer_name: String,
    pub contact_name: String,
    pub contact: String,
    /// `unused`, `used`, `expired` or `revoked` ([`TokenStatus::list_state`]).
    pub state: &'static str,
    /// The username of whoever issued it.
    pub issued_by: String,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_by: String,
}

#[derive(sqlx::FromRow)]
struct TokenRow {
    cycle_id: i64,
    customer_id: i64,
    issued_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    used_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct LinkRow {
    id: i64,
    period: String,
    employee_id: i64,
    employee_code: String,
    employee_name: String,
    customer_id: i64,
    customer_archive_no: String,
    customer_name: String,
    contact_name: String,
    contact: String,
    issued_by: String,
    issued_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    used_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
    revoked_by: String,
}

impl LinkRow {
    fn listed(self, now: DateTime<Utc>) -> RatingLink {
        let status = link_status(
            self.issued_at,
            self.expires_at,
            self.used_at,
            self.revoked_at,
            now,
        );
        RatingLink {
            id: self.id,
            period: self.period,
            employee_id: self.employee_id,
            employee_code: self.employee_code,
            employee_name: self.employee_name,
            customer_id: self.customer_id,
            customer_archive_no: self.customer_archive_no,
            customer_name: self.customer_name,
            contact_name: self.contact_name,
            contact: self.contact,
            state: status.list_state(),
            issued_by: self.issued_by,
            issued_at: self.issued_at,
            expires_at: self.expires_at,
            used_at: self.used_at,
            revoked_at: self.revoked_at,
            revoked_by: self.revoked_by,
        }
    }
}

/// A link's status by the domain's rules (the subject and period do not matter for it).
fn link_status(
    issued_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    used_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> TokenStatus {
    let token = CustomerToken {
        secret_hash: String::new(),
        subject_id: 0,
        period: Period::Month {
            year: 2000,
            month: 1,
        },
        customer_id: 0,
        issued_at,
        expires_at,
        used_at,
        revoked_at,
    };
    token.status(now)
}

const LINK_LIST: &str = "SELECT t.id, c.period, c.employee_id, e.code AS employee_code, e.name AS employee_name, \
     t.customer_id, cu.archive_no AS customer_archive_no, cu.name AS customer_name, t.contact_name, t.contact, \
     t.issued_by, t.issued_at, t.expires_at, t.used_at, t.revoked_at, t.revoked_by \
     FROM customer_tokens t JOIN cycles c ON c.id = t.cycle_id JOIN employees e ON e.id = c.employee_id \
     JOIN customers cu ON cu.id = t.customer_id WHERE 1 = 1";

/// The roles that issue and manage links at all; whether the viewer is HR or the subject's
/// superior is checked per cycle.
const LINK_ROLES: [Role; 3] = [Role::Hr, Role::TeamLeader, Role::Manager];

fn wrong_role() -> StoreError {
    refuse(
        RefusalKind::WrongRole,
        "客户评分链接由人力资源部或被考核者的上级发出和管理",
        "customer rating links are issued and managed by HR or the subject's superior",
    )
}

/// Refuses viewers whose role never handles links (before any scope check, so a rep learns
/// nothing about other people's cycles).
fn may_handle_links(viewer: &Viewer) -> Result<()> {
    if LINK_ROLES.contains(&viewer.role) {
        Ok(())
    } else {
        Err(wrong_role())
    }
}

impl Store {
    /// Issues a customer's rating link for a person's cycle, valid for
    /// [`DEFAULT_TOKEN_VALIDITY_DAYS`] days from `now`: HR or the person's superior, within
    /// their data scope (else not found), while the cycle is rating, for one of the person's
    /// customer records, with whom it is sent to. The secret is returned once; only its hash
    /// is kept. Audited.
    pub async fn issue_rating_link(
        &self,
        viewer: &Viewer,
        period: Period,
        employee: i64,
        link: &NewLink<'_>,
        now: DateTime<Utc>,
    ) -> Result<IssuedToken> {
        may_handle_links(viewer)?;
        let state = self.cycle(viewer, period, employee).await?;
        self.check_link_actor(viewer, employee).await?;
        if state.stage() != Stage::Rating {
            let s = state.stage();
            return Err(refuse(
                RefusalKind::WrongState,
                format!(
                    "客户评分链接只能在评分阶段发出（当前阶段为「{}」）",
                    s.name_zh()
                ),
                format!(
                    "customer rating links are issued while the cycle is rating (it is {})",
                    s.name_en()
                ),
            ));
        }
        let (contact_name, contact) =
            check_contact(link.contact_name, link.contact).map_err(StoreError::from)?;
        let customer_id = self.subject_customer(employee, link.customer).await?;
        let row = self.cycle_row(period, employee).await?;
        let secret = random_token();
        let expires_at = now + Duration::days(DEFAULT_TOKEN_VALIDITY_DAYS);
        let mut tx = self.begin().await?;
        let mut sql = Sql::new(
            "INSERT INTO customer_tokens (secret_hash, cycle_id, customer_id, contact_name, contact, \
             issued_by_user_id, issued_by, issued_at, expires_at) VALUES (",
        );
        sql.bind(token_hash(&secret))
            .push(", ")
            .bind(row.id)
            .push(", ")
            .bind(customer_id)
            .push(", ")
            .bind(contact_name.as_str())
            .push(", ")
            .bind(contact.as_str());
        sql.push(", ")
            .bind(viewer.user_id)
            .push(", ")
            .bind(viewer.username.as_str())
            .push(", ")
            .bind(now)
            .push(", ")
            .bind(expires_at)
            .push(") RETURNING id");
        let ids: Vec<(i64,)> = tx.fetch_all(&sql).await?;
        let id = ids.first().map(|r| r.0).unwrap_or_default();
        tx.audit(
            viewer,
            crate::audit::AuditEntry {
                action: "create",
                entity: "customer_link",
                entity_id: id.to_string(),
                before: None,
                after: Some(serde_json::json!({
                    "cycle_id": row.id, "period": period.to_string(), "employee_id": employee,
                    "customer_id": customer_id, "contact_name": contact_name,
                    "expires_at": expires_at,
                })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(IssuedToken {
            id,
            secret,
            expires_at,
        })
    }

    /// HR, or the subject's superior, and never the subject: who issues and revokes a link.
    async fn check_link_actor(&self, viewer: &Viewer, employee: i64) -> Result<()> {
        let actor = self.actor_for(viewer, employee).await?;
        if actor.is_subject || !(actor.role == Role::Hr || actor.is_superior_of_subject) {
            return Err(wrong_role());
        }
        Ok(())
    }

    /// One of the subject's customer records by database id or archive number (an archive
    /// number wins when both match different records).
    async fn subject_customer(&self, employee: i64, customer: &str) -> Result<i64> {
        let text = customer.trim();
        if text.is_empty() {
            return Err(refuse(
                RefusalKind::Invalid,
                "客户（customer）不能为空",
                "customer must not be empty",
            ));
        }
        let mut sql = Sql::new("SELECT id FROM customers WHERE owner_id = ");
        sql.bind(employee)
            .push(" AND (archive_no = ")
            .bind(text)
            .push(" OR id = ")
            .bind(text.parse::<i64>().unwrap_or(-1))
            .push(") ORDER BY CASE WHEN archive_no = ")
            .bind(text)
            .push(" THEN 0 ELSE 1 END LIMIT 1");
        match self.fetch_optional::<(i64,)>(&sql).await? {
            Some((id,)) => Ok(id),
            None => {
                let shown: String = text.chars().take(40).collect();
                Err(refuse(
                    RefusalKind::Invalid,
                    format!(
                        "客户（customer）「{shown}」不是被考核者名下的客户档案（按客户编号或档案号查找）"
                    ),
                    format!(
                        "customer `{shown}` is not a customer record of the person assessed (looked up by id or archive number)"
                    ),
                ))
            }
        }
    }

    /// The rating links of a period (one person's when `employee` is given) within the
    /// viewer's data scope, newest first, with their state at `now`. HR and leaders only.
    pub async fn rating_links(
        &self,
        viewer: &Viewer,
        period: Period,
        employee: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<Vec<RatingLink>> {
        may_handle_links(viewer)?;
        let mut sql = Sql::new(LINK_LIST);
        sql.push(" AND c.period = ").bind(period.to_string());
        if let Some(e) = employee {
            sql.push(" AND c.employee_id = ").bind(e);
        }
        viewer.restrict(&mut sql, "c.employee_id");
        sql.push(" ORDER BY t.issued_at DESC, t.id DESC");
        let rows: Vec<LinkRow> = self.fetch_all(&sql).await?;
        Ok(rows.into_iter().map(|r| r.listed(now)).collect())
    }

    /// Up to `limit` of the subject's customer records a link may be issued for (id, archive
    /// number, name), within the viewer's scope, for the issuing form to offer.
    pub async fn link_customers(
        &self,
        viewer: &Viewer,
        employee: i64,
        limit: i64,
    ) -> Result<Vec<(i64, String, String)>> {
        may_handle_links(viewer)?;
        let mut sql = Sql::new("SELECT id, archive_no, name FROM customers WHERE owner_id = ");
        sql.bind(employee);
        viewer.restrict(&mut sql, "owner_id");
        sql.push(" ORDER BY archive_no LIMIT ").bind(limit);
        self.fetch_all(&sql).await
    }

    /// One link by id within the viewer's data scope.
    async fn rating_link(
        &self,
        viewer: &Viewer,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<RatingLink> {
        let mut sql = Sql::new(LINK_LIST);
        sql.push(" AND t.id = ").bind(id);
        viewer.restrict(&mut sql, "c.employee_id");
        let row: Option<LinkRow> = self.fetch_optional(&sql).await?;
        row.map(|r| r.listed(now))
            .ok_or_else(|| StoreError::NotFound {
                entity: "customer link",
                key: id.to_string(),
            })
    }

    /// Revokes an unused link (HR or the subject's superior, within scope): from now on it
    /// answers like a used one. A used or already revoked link is refused. Audited.
    pub async fn revoke_rating_link(
        &self,
        viewer: &Viewer,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<RatingLink> {
        may_handle_links(viewer)?;
        let before = self.rating_link(viewer, id, now).await?;
        self.check_link_actor(viewer, before.employee_id).await?;
        let mut tx = self.begin().await?;
        let mut sql = Sql::new("UPDATE customer_tokens SET revoked_at = ");
        sql.bind(now)
            .push(", revoked_by = ")
            .bind(viewer.username.as_str())
            .push(" WHERE used_at IS NULL AND revoked_at IS NULL AND id = ")
            .bind(id);
        if tx.run(&sql).await? != 1 {
            return Err(refuse(
                RefusalKind::WrongState,
                "只能撤销未使用的链接：此链接已使用或已撤销",
                "only an unused link can be revoked: this one was used or revoked already",
            ));
        }
        tx.audit(
            viewer,
            crate::audit::AuditEntry {
                action: "update",
                entity: "customer_link",
                entity_id: id.to_string(),
                before: Some(serde_json::json!({ "state": before.state })),
                after: Some(serde_json::json!({ "state": "revoked", "revoked_at": now })),
            },
        )
        .await?;
        tx.commit().await?;
        self.rating_link(viewer, id, now).await
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
            revoked_at: t.revoked_at,
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
            .push(" WHERE used_at IS NULL AND revoked_at IS NULL AND secret_hash = ")
            .bind(hash);
        if tx.run(&used).await? != 1 {
            return Err(refuse(
                RefusalKind::Invalid,
                "链接已使用或已撤销，每个链接只能评分一次",
                "the link was used or revoked already; each link rates once",
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
        "SELECT cycle_id, customer_id, issued_at, expires_at, used_at, revoked_at FROM customer_tokens WHERE secret_hash = ",
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
            "SELECT t.cycle_id, t.customer_id, t.issued_at, t.expires_at, t.used_at, t.revoked_at FROM customer_tokens t WHERE t.secret_hash = ",
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
            revoked_at: t.revoked_at,
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
