//! Monthly awards (月度奖励, SPEC §7): facts gathered from the month's records and scorecards,
//! candidates computed by the domain's rules (with their deterministic, shown tie-breaks),
//! confirmed or rejected by a manager, paid and marked by finance.
//!
//! Facts, per person with a cycle in the month:
//! - signed amount, its instant and the first deal: contracts whose signing day is in the
//!   month (the signing instant for "reached" and "first");
//! - invited visits: visits of the month marked invited;
//! - score and previous score: the current stored scorecard of the month and the one before;
//! - sales target met: a `sales_amount` target for the month and the scorecard's sales at or
//!   above it (its `sales_amount` line, or `sales_plan_completion` at least 100 %).
//!
//! A team met its target when its members' `sales_amount` values sum to at least their
//! targets (team targets roll up, SPEC §7a).

use crate::audit::AuditEntry;
use crate::cycle::require_role;
use crate::sql::Sql;
use crate::{Result, Store, StoreError, Viewer};
use chrono::{DateTime, NaiveDate, Utc};
use kaohe_domain::awards::{
    AwardBook, AwardCandidate, AwardFacts, ConfirmedAward, PersonFacts, Recipient, TeamFacts,
};
use kaohe_domain::cycle::RefusalKind;
use kaohe_domain::money::Cents;
use kaohe_domain::period::Period;
use kaohe_domain::roles::{Role, Scope};
use serde::Serialize;
use std::collections::BTreeMap;

/// An award row as stored.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AwardRow {
    pub id: i64,
    pub period: String,
    pub rule_code: String,
    pub employee_id: Option<i64>,
    pub team_id: Option<i64>,
    pub amount_cents: i64,
    pub tier: Option<String>,
    pub prize: Option<String>,
    /// Why, in Chinese and English.
    pub basis: String,
    /// How a tie was broken (empty when there was none).
    pub tie_break: String,
    /// `proposed`, `confirmed`, `rejected`, `paid`.
    pub status: String,
    pub reason: String,
}

/// A manager's decision on a candidate.
#[derive(Debug, Clone, PartialEq)]
pub enum AwardDecision {
    /// Pay it; the amount overrides (or sets, when the rule names none) the candidate's.
    Confirm { amount: Option<Cents> },
    /// Do not pay it; the reason is required.
    Reject { reason: String },
}

const AWARD_COLUMNS: &str = "id, period, rule_code, employee_id, team_id, amount_cents, tier, prize, basis, tie_break, status, reason";

impl Store {
    /// The award rules: the `awards` setting (TOML) or the shipped defaults.
    pub async fn award_book(&self) -> Result<AwardBook> {
        match self.setting("awards").await? {
            Some(t) => AwardBook::from_toml("awards", &t).map_err(|e| StoreError::Invalid {
                field: "awards".into(),
                message: e.to_string(),
            }),
            None => Ok(AwardBook::defaults()),
        }
    }

    /// The facts the awards of `period` are computed from (see the module documentation).
    pub async fn award_facts(&self, period: Period) -> Result<AwardFacts> {
        let code = period.to_string();
        let mut sql = Sql::new(
            "SELECT e.id, e.code, e.name, e.team_id FROM cycles c JOIN employees e ON e.id = c.employee_id WHERE c.period = ",
        );
        sql.bind(code.as_str()).push(" ORDER BY e.id");
        let people: Vec<(i64, String, String, Option<i64>)> = self.fetch_all(&sql).await?;
        let mut sql = Sql::new(
            "SELECT employee_id, CAST(SUM(amount_cents) AS BIGINT), MAX(signed_at), MIN(signed_at) FROM contracts \
             WHERE signed_day >= ",
        );
        sql.bind(period.start())
            .push(" AND signed_day < ")
            .bind(period.end_exclusive())
            .push(" GROUP BY employee_id");
        type Signed = (i64, i64, Option<DateTime<Utc>>, Option<DateTime<Utc>>);
        let signed: BTreeMap<i64, Signed> = self
            .fetch_all::<Signed>(&sql)
            .await?
            .into_iter()
            .map(|r| (r.0, r))
            .collect();
        let mut sql = Sql::new(
            "SELECT employee_id, CAST(COUNT(*) AS BIGINT), MAX(visited_at) FROM visits WHERE invited = TRUE AND day >= ",
        );
        sql.bind(period.start())
            .push(" AND day < ")
            .bind(period.end_exclusive())
            .push(" GROUP BY employee_id");
        let visits: BTreeMap<i64, (i64, Option<DateTime<Utc>>)> = self
            .fetch_all::<(i64, i64, Option<DateTime<Utc>>)>(&sql)
            .await?
            .into_iter()
            .map(|(e, n, at)| (e, (n, at)))
            .collect();
        let scores = self.current_totals(period).await?;
        let previous = self.current_totals(period.prev()).await?;
        let sales = self.sales_against_target(period).await?;
        let mut facts = AwardFacts {
            period,
            people: Vec::new(),
            teams: Vec::new(),
            nominations: Vec::new(),
        };
        let mut teams: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
        for (id, no, name, team) in people {
            let s = signed.get(&id);
            let v = visits.get(&id);
            if let Some(t) = team {
                teams.entry(t).or_default().push(id);
            }
            facts.people.push(PersonFacts {
                employee_id: id,
                employee_no: no,
                name,
                team_id: team,
                signed_amount: Cents(s.map_or(0, |s| s.1)),
                signed_amount_reached_at: s.and_then(|s| s.2),
                first_deal_at: s.and_then(|s| s.3),
                invited_visits: v.map_or(0, |v| u32::try_from(v.0).unwrap_or(u32::MAX)),
                invited_visits_reached_at: v.and_then(|v| v.1),
                score: scores.get(&id).copied().flatten(),
                previous_score: previous.get(&id).copied().flatten(),
                sales_target_met: sales.get(&id).is_some_and(|x| x.2),
            });
        }
        let names: BTreeMap<i64, String> = self
            .fetch_all::<(i64, String)>(&Sql::new("SELECT id, name FROM teams"))
            .await?
            .into_iter()
            .collect();
        for (team, members) in teams {
            let with_target: Vec<&(f64, f64, bool)> =
                members.iter().filter_map(|m| sales.get(m)).collect();
            let value: f64 = with_target.iter().map(|x| x.0).sum();
            let target: f64 = with_target.iter().map(|x| x.1).sum();
            facts.teams.push(TeamFacts {
                team_id: team,
                name: names.get(&team).cloned().unwrap_or_default(),
                members,
                target_met: !with_target.is_empty() && value >= target,
            });
        }
        Ok(facts)
    }

    /// Current scorecard totals of a period by person.
    async fn current_totals(&self, period: Period) -> Result<BTreeMap<i64, Option<f64>>> {
        let mut sql = Sql::new(
            "SELECT employee_id, total FROM scorecards WHERE current = TRUE AND period = ",
        );
        sql.bind(period.to_string());
        Ok(self
            .fetch_all::<(i64, Option<f64>)>(&sql)
            .await?
            .into_iter()
            .collect())
    }

    /// `(sales, target, met)` of everyone with a sales target in the period: the sales from
    /// their scorecard's `sales_amount` line, or from `sales_plan_completion` (percent of the
    /// target) when the scheme scores completion instead.
    async fn sales_against_target(
        &self,
        period: Period,
    ) -> Result<BTreeMap<i64, (f64, f64, bool)>> {
        let mut sql = Sql::new(
            "SELECT s.id, s.employee_id, s.lines, t.value FROM scorecards s \
             JOIN targets t ON t.employee_id = s.employee_id AND t.period = s.period AND t.indicator_code = 'sales_amount' \
             WHERE s.current = TRUE AND t.status <> 'disputed' AND t.value > 0 AND s.period = ",
        );
        sql.bind(period.to_string());
        let mut out = BTreeMap::new();
        for (card, e, text, t) in self.fetch_all::<(i64, i64, String, f64)>(&sql).await? {
            let lines = crate::evaluate::lines::unpack(card, &text)?;
            let value = |code: &str| {
                lines
                    .iter()
                    .find(|l| l.indicator_code == code)
                    .and_then(|l| l.value)
            };
            // A `sales_amount` line, when present, wins over `sales_plan_completion`.
            let row = match (value("sales_amount"), value("sales_plan_completion")) {
                (Some(v), _) => (v, t, v >= t),
                (None, Some(v)) => (v * t / 100.0, t, v >= 100.0),
                (None, None) => continue,
            };
            out.insert(e, row);
        }
        Ok(out)
    }

    /// Computes the award candidates of a period (HR, a manager or an administrator) and
    /// stores them as proposed, replacing earlier undecided ones; decided awards stay.
    pub async fn compute_awards(&self, viewer: &Viewer, period: Period) -> Result<Vec<AwardRow>> {
        require_role(
            viewer,
            &[Role::Hr, Role::Manager, Role::Admin],
            "compute awards",
        )?;
        let book = self.award_book().await?;
        let facts = self.award_facts(period).await?;
        let candidates = book.candidates(&facts);
        let code = period.to_string();
        let mut tx = self.begin().await?;
        let mut del = Sql::new("DELETE FROM awards WHERE status = 'proposed' AND period = ");
        del.bind(code.as_str());
        tx.run(&del).await?;
        let mut q = Sql::new("SELECT rule_code, employee_id, team_id FROM awards WHERE period = ");
        q.bind(code.as_str());
        let decided: Vec<(String, Option<i64>, Option<i64>)> = tx.fetch_all(&q).await?;
        let now = Utc::now();
        for c in &candidates {
            let (emp, team) = match c.recipient {
                Recipient::Person(id) => (Some(id), None),
                Recipient::Team(id) => (None, Some(id)),
            };
            if decided.contains(&(c.award.clone(), emp, team)) {
                continue;
            }
            let tie = c
                .tie_break
                .as_ref()
                .map_or(String::new(), |t| format!("{} / {}", t.zh, t.en));
            let mut sql = Sql::new(
                "INSERT INTO awards (period, rule_code, employee_id, team_id, amount_cents, basis, status, created_at, tier, prize, tie_break, candidate) VALUES (",
            );
            sql.bind(code.as_str())
                .push(", ")
                .bind(c.award.as_str())
                .push(", ")
                .bind(emp)
                .push(", ")
                .bind(team);
            sql.push(", ")
                .bind(c.amount.map_or(0, |a| a.0))
                .push(", ")
                .bind(format!("{} / {}", c.basis_zh, c.basis_en))
                .push(", 'proposed', ")
                .bind(now);
            sql.push(", ")
                .bind(c.tier.clone())
                .push(", ")
                .bind(c.prize.clone())
                .push(", ")
                .bind(tie)
                .push(", ")
                .bind(serde_json::to_string(c).expect("a candidate serialises"))
                .push(")");
            tx.run(&sql).await?;
        }
        tx.audit(
            viewer,
            AuditEntry {
                action: "create",
                entity: "awards",
                entity_id: code.clone(),
                before: None,
                after: Some(serde_json::json!({ "candidates": candidates.len() })),
            },
        )
        .await?;
        tx.commit().await?;
        self.awards(period).await
    }

    /// Every award row of a period, in computation order.
    pub async fn awards(&self, period: Period) -> Result<Vec<AwardRow>> {
        let mut sql = Sql::new(&format!(
            "SELECT {AWARD_COLUMNS} FROM awards WHERE period = "
        ));
        sql.bind(period.to_string()).push(" ORDER BY id");
        self.fetch_all(&sql).await
    }

    /// One award row in the viewer's scope (not found otherwise).
    pub async fn award(&self, viewer: &Viewer, id: i64) -> Result<AwardRow> {
        self.award_in_scope(viewer, id).await?;
        let mut sql = Sql::new(&format!("SELECT {AWARD_COLUMNS} FROM awards WHERE id = "));
        sql.bind(id);
        self.fetch_optional(&sql)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                entity: "award",
                key: id.to_string(),
            })
    }

    /// A manager (or HR) confirms or rejects a proposed award.
    pub async fn decide_award(
        &self,
        viewer: &Viewer,
        id: i64,
        decision: AwardDecision,
        today: NaiveDate,
    ) -> Result<()> {
        // The role first, as the domain words it, so a rep learns nothing about the id; then
        // the scope (a manager decides only within their department).
        if !matches!(viewer.role, Role::Hr | Role::Manager) {
            return Err(crate::cycle::refuse(
                RefusalKind::WrongRole,
                "只有销售主管/经理或人力资源部可以确认奖励",
                "only a sales manager or HR confirms awards",
            ));
        }
        self.award_in_scope(viewer, id).await?;
        let (status, candidate) = self.award_candidate(id).await?;
        if status != "proposed" {
            return Err(crate::cycle::refuse_now(
                format!("此奖励已{status}，不能再决定"),
                format!("this award is {status} already"),
            ));
        }
        let by = viewer.employee_id.unwrap_or(0);
        let (new_status, amount, reason) = match decision {
            AwardDecision::Confirm { amount } => {
                let c = candidate.confirm(viewer.role, by, amount, today)?;
                ("confirmed", c.amount.0, String::new())
            }
            AwardDecision::Reject { reason } => {
                let r = candidate.reject(viewer.role, by, reason, today)?;
                ("rejected", candidate.amount.map_or(0, |a| a.0), r.reason)
            }
        };
        let mut tx = self.begin().await?;
        let mut sql = Sql::new("UPDATE awards SET status = ");
        sql.bind(new_status)
            .push(", amount_cents = ")
            .bind(amount)
            .push(", reason = ")
            .bind(reason.as_str());
        sql.push(", confirmed_by = ")
            .bind(viewer.user_id)
            .push(", decided_at = ")
            .bind(Utc::now())
            .push(" WHERE status = 'proposed' AND id = ")
            .bind(id);
        tx.run(&sql).await?;
        tx.audit(
            viewer,
            AuditEntry {
                action: "decide",
                entity: "award",
                entity_id: id.to_string(),
                before: Some(serde_json::json!({ "status": "proposed" })),
                after: Some(serde_json::json!({ "status": new_status, "amount_cents": amount, "reason": reason })),
            },
        )
        .await?;
        tx.commit().await
    }

    /// Finance records that a confirmed award was paid.
    pub async fn mark_award_paid(&self, viewer: &Viewer, id: i64) -> Result<()> {
        require_role(
            viewer,
            &[Role::Finance, Role::Admin],
            "record award payouts",
        )?;
        self.award_in_scope(viewer, id).await?;
        let mut tx = self.begin().await?;
        let mut sql = Sql::new("UPDATE awards SET status = 'paid', paid_at = ");
        sql.bind(Utc::now())
            .push(" WHERE status = 'confirmed' AND id = ")
            .bind(id);
        if tx.run(&sql).await? != 1 {
            return Err(crate::cycle::refuse_now(
                "只有已确认的奖励可以发放",
                "only a confirmed award can be paid",
            ));
        }
        tx.audit(
            viewer,
            AuditEntry {
                action: "update",
                entity: "award",
                entity_id: id.to_string(),
                before: Some(serde_json::json!({ "status": "confirmed" })),
                after: Some(serde_json::json!({ "status": "paid" })),
            },
        )
        .await?;
        tx.commit().await
    }

    /// Whether the award's person (or team) is in the viewer's data scope (SPEC §1): a
    /// manager decides only within their department; anything else is "not found", as on
    /// reads, so ids cannot be probed.
    async fn award_in_scope(&self, viewer: &Viewer, id: i64) -> Result<()> {
        let not_found = || StoreError::NotFound {
            entity: "award",
            key: id.to_string(),
        };
        let mut sql = Sql::new("SELECT employee_id, team_id FROM awards WHERE id = ");
        sql.bind(id);
        let (employee, team): (Option<i64>, Option<i64>) =
            self.fetch_optional(&sql).await?.ok_or_else(not_found)?;
        let seen = match (employee, team) {
            (Some(e), _) => {
                let mut sql = Sql::new("SELECT id FROM employees WHERE id = ");
                sql.bind(e);
                viewer.restrict(&mut sql, "id");
                self.fetch_optional::<(i64,)>(&sql).await?.is_some()
            }
            (None, Some(t)) => match viewer.scope() {
                Scope::All => true,
                Scope::Own => false,
                Scope::Team => viewer.team_id == Some(t),
                Scope::Department => {
                    let mut sql = Sql::new("SELECT department_id FROM teams WHERE id = ");
                    sql.bind(t);
                    self.fetch_optional::<(i64,)>(&sql)
                        .await?
                        .is_some_and(|(d,)| viewer.department_ids.contains(&d))
                }
            },
            (None, None) => false,
        };
        if seen { Ok(()) } else { Err(not_found()) }
    }

    async fn award_candidate(&self, id: i64) -> Result<(String, AwardCandidate)> {
        let mut sql = Sql::new("SELECT status, candidate FROM awards WHERE id = ");
        sql.bind(id);
        let (status, text): (String, String) =
            self.fetch_optional(&sql)
                .await?
                .ok_or_else(|| StoreError::NotFound {
                    entity: "award",
                    key: id.to_string(),
                })?;
        let c = serde_json::from_str(&text).map_err(|e| StoreError::Invalid {
            field: format!("award {id}"),
            message: e.to_string(),
        })?;
        Ok((status, c))
    }

    /// Confirmed and paid awards of a period, for payroll.
    pub(crate) async fn confirmed_awards(&self, period: Period) -> Result<Vec<ConfirmedAward>> {
        let mut sql = Sql::new(
            "SELECT candidate, amount_cents, decided_at FROM awards WHERE status IN ('confirmed', 'paid') AND period = ",
        );
        sql.bind(period.to_string()).push(" ORDER BY id");
        let rows: Vec<(String, i64, Option<DateTime<Utc>>)> = self.fetch_all(&sql).await?;
        rows.into_iter()
            .map(|(text, amount, at)| {
                let candidate: AwardCandidate =
                    serde_json::from_str(&text).map_err(|e| StoreError::Invalid {
                        field: "award".into(),
                        message: e.to_string(),
                    })?;
                Ok(ConfirmedAward {
                    candidate,
                    amount: Cents(amount),
                    confirmed_by: 0,
                    confirmed_on: at.map_or(period.end(), |a| a.date_naive()),
                })
            })
            .collect()
    }
}
