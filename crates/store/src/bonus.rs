//! Performance bonuses (绩效奖金 = base × coefficient, SPEC §5/§7) per person and period, from
//! the published result of each cycle or, for a scheme paid quarterly or yearly, from the
//! quarter's or year's stored result; and the payroll rows finance pays from.

use crate::audit::AuditEntry;
use crate::cycle::require_role;
use crate::sql::Sql;
use crate::{Result, Store, StoreError, Viewer};
use chrono::Utc;
use kaohe_domain::awards::ConfirmedAward;
use kaohe_domain::bonus::{BonusLine, Payee, PayrollRow, payroll_rows, performance_bonus};
use kaohe_domain::cycle::{CycleState, Stage};
use kaohe_domain::library::Library;
use kaohe_domain::money::Cents;
use kaohe_domain::period::Period;
use kaohe_domain::roles::Role;
use std::collections::BTreeMap;

impl Store {
    /// Computes every performance bonus of a period (HR, finance or an administrator) and
    /// stores them, replacing earlier computations: a result corrected by an appeal gives its
    /// new amount and version. Each person is paid from the result of their scheme's bonus
    /// period only: a month's from the current result of each published or locked cycle of
    /// the month; a quarter's or a year's (the supervisor's quarterly reward, the manager's
    /// year-end bonus) from the stored result of that quarter or year, once every month in it
    /// is published. A person with a month still open is refused by name.
    pub async fn compute_bonuses(&self, viewer: &Viewer, period: Period) -> Result<Vec<BonusLine>> {
        require_role(
            viewer,
            &[Role::Hr, Role::Finance, Role::Admin],
            "compute bonuses",
        )?;
        let lib = self.library().await?.library;
        let mut lines = self.bonuses_from_cycles(period, &lib).await?;
        lines.extend(self.bonuses_from_longer(period, &lib).await?);
        lines.sort_by(|a, b| a.payee.employee_no.cmp(&b.payee.employee_no));
        let mut tx = self.begin().await?;
        let now = Utc::now();
        for l in &lines {
            let mut sql = Sql::new(
                "INSERT INTO bonuses (period, employee_id, base_cents, coefficient, amount_cents, status, result_version, score, grade, computed_at) VALUES (",
            );
            sql.bind(period.to_string())
                .push(", ")
                .bind(l.payee.employee_id)
                .push(", ")
                .bind(l.base.0)
                .push(", ")
                .bind(l.coefficient);
            sql.push(", ")
                .bind(l.bonus.0)
                .push(", 'computed', ")
                .bind(i64::from(l.result_version))
                .push(", ")
                .bind(l.score)
                .push(", ")
                .bind(l.grade.as_str());
            sql.push(", ").bind(now).push(
                ") ON CONFLICT (period, employee_id) DO UPDATE SET base_cents = excluded.base_cents, \
                 coefficient = excluded.coefficient, amount_cents = excluded.amount_cents, status = 'computed', \
                 result_version = excluded.result_version, score = excluded.score, grade = excluded.grade, \
                 computed_at = excluded.computed_at",
            );
            tx.run(&sql).await?;
        }
        let total: i64 = lines.iter().map(|l| l.bonus.0).sum();
        tx.audit(
            viewer,
            AuditEntry {
                action: "update",
                entity: "bonuses",
                entity_id: period.to_string(),
                before: None,
                after: Some(serde_json::json!({ "people": lines.len(), "total_cents": total })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(lines)
    }

    /// The bonuses paid from the published or locked cycles of `period` itself.
    async fn bonuses_from_cycles(&self, period: Period, lib: &Library) -> Result<Vec<BonusLine>> {
        let mut sql = Sql::new(
            "SELECT c.employee_id, e.code, e.name, c.scheme_code, c.snapshot FROM cycles c \
             JOIN employees e ON e.id = c.employee_id \
             WHERE c.state IN ('published', 'locked') AND c.period = ",
        );
        sql.bind(period.to_string()).push(" ORDER BY e.code");
        type CycleRow = (i64, String, String, String, String);
        let rows: Vec<CycleRow> = self.fetch_all(&sql).await?;
        let paid: Vec<&CycleRow> = rows
            .iter()
            // A scheme paid over a longer period is paid from that period's result.
            .filter(|r| lib.scheme(&r.3).is_none_or(|s| s.pays_bonus_for(period)))
            .collect();
        let ids: Vec<i64> = paid.iter().map(|r| r.0).collect();
        let bases = self.bases_in_force(period, &ids).await?;
        let mut lines = Vec::new();
        for (id, code, name, _, snapshot) in paid {
            let id = *id;
            let state: CycleState =
                serde_json::from_str(snapshot).map_err(|e| StoreError::Invalid {
                    field: format!("cycle of employee {id}"),
                    message: e.to_string(),
                })?;
            debug_assert!(matches!(state.stage(), Stage::Published | Stage::Locked));
            let Some(result) = state.current_result() else {
                continue;
            };
            let payee = Payee {
                employee_id: id,
                employee_no: code.clone(),
                name: name.clone(),
            };
            lines.extend(BonusLine::from_result(payee, period, result, bases[&id]));
        }
        Ok(lines)
    }

    /// The bonuses paid from the stored quarter or year results of schemes assessed over
    /// shorter periods whose bonus period is `period`'s kind. Refused, naming the people and
    /// months, while a month inside with a cycle is not yet published.
    async fn bonuses_from_longer(&self, period: Period, lib: &Library) -> Result<Vec<BonusLine>> {
        let schemes: Vec<&str> = lib
            .schemes()
            .iter()
            .filter(|s| s.period < period.kind() && s.pays_bonus_for(period))
            .map(|s| s.code.as_str())
            .collect();
        if schemes.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new(
            "SELECT s.employee_id, e.code, e.name, s.version, s.total, s.grade, s.bonus_coefficient \
             FROM scorecards s JOIN employees e ON e.id = s.employee_id \
             WHERE s.current = TRUE AND s.total IS NOT NULL AND s.period = ",
        );
        sql.bind(period.to_string())
            .push(" AND s.scheme_code IN ")
            .bind_list(schemes.iter().map(|s| s.to_string()))
            .push(" ORDER BY e.code");
        type CardRow = (i64, String, String, i32, f64, Option<String>, Option<f64>);
        let cards: Vec<CardRow> = self.fetch_all(&sql).await?;
        if cards.is_empty() {
            return Ok(Vec::new());
        }
        let mut open = Sql::new(
            "SELECT e.name, c.period FROM cycles c JOIN employees e ON e.id = c.employee_id \
             WHERE c.state NOT IN ('published', 'locked') AND c.period IN ",
        );
        open.bind_list(period.months().iter().map(|m| m.to_string()))
            .push(" AND c.employee_id IN ")
            .bind_list(cards.iter().map(|c| c.0))
            .push(" ORDER BY c.period, e.code");
        let unpublished: Vec<(String, String)> = self.fetch_all(&open).await?;
        if !unpublished.is_empty() {
            let shown: Vec<String> = unpublished
                .iter()
                .take(10)
                .map(|(name, month)| format!("{name} {month}"))
                .collect();
            let more = unpublished.len().saturating_sub(shown.len());
            let more = if more > 0 {
                format!(" (+{more})")
            } else {
                String::new()
            };
            return Err(StoreError::Invalid {
                field: "period".into(),
                message: format!(
                    "{period} 的奖金要等其中各月结果发布后才能计算，尚未发布：{}{more} / \
                     the bonus of {period} waits for its months to be published; not yet: {}{more}",
                    shown.join("、"),
                    shown.join(", "),
                ),
            });
        }
        let ids: Vec<i64> = cards.iter().map(|c| c.0).collect();
        let bases = self.bases_in_force(period, &ids).await?;
        let mut lines = Vec::new();
        for (id, code, name, version, total, grade, coefficient) in cards {
            let (Some(grade), Some(coefficient)) = (grade, coefficient) else {
                continue;
            };
            let base = bases[&id];
            let Some(bonus) = performance_bonus(base, coefficient) else {
                continue;
            };
            lines.push(BonusLine {
                payee: Payee {
                    employee_id: id,
                    employee_no: code,
                    name,
                },
                period,
                result_version: u32::try_from(version).unwrap_or(0),
                score: kaohe_domain::composition::round2(total),
                grade,
                coefficient,
                base,
                bonus,
            });
        }
        Ok(lines)
    }

    /// The stored bonuses of a period.
    pub async fn bonuses(&self, viewer: &Viewer, period: Period) -> Result<Vec<BonusLine>> {
        let mut sql = Sql::new(
            "SELECT b.employee_id, e.code, e.name, b.result_version, b.score, b.grade, b.coefficient, b.base_cents, b.amount_cents \
             FROM bonuses b JOIN employees e ON e.id = b.employee_id WHERE b.period = ",
        );
        sql.bind(period.to_string());
        viewer.restrict(&mut sql, "b.employee_id");
        sql.push(" ORDER BY e.code");
        type Row = (i64, String, String, i32, Option<f64>, String, f64, i64, i64);
        let rows: Vec<Row> = self.fetch_all(&sql).await?;
        Ok(rows
            .into_iter()
            .map(
                |(id, code, name, v, score, grade, coef, base, amount)| BonusLine {
                    payee: Payee {
                        employee_id: id,
                        employee_no: code,
                        name,
                    },
                    period,
                    result_version: u32::try_from(v).unwrap_or(0),
                    score: score.unwrap_or(0.0),
                    grade,
                    coefficient: coef,
                    base: Cents(base),
                    bonus: Cents(amount),
                },
            )
            .collect())
    }

    /// The payroll rows of a period (HR, finance or an administrator): every stored
    /// performance bonus, then every confirmed or paid award, audited as an export.
    pub async fn payroll(&self, viewer: &Viewer, period: Period) -> Result<Vec<PayrollRow>> {
        require_role(
            viewer,
            &[Role::Hr, Role::Finance, Role::Admin],
            "export payroll",
        )?;
        let bonuses = self.bonuses(viewer, period).await?;
        let awards: Vec<ConfirmedAward> = self.confirmed_awards(period).await?;
        let mut sql = Sql::new("SELECT id, code, name FROM employees");
        sql.push(" ORDER BY id");
        let people: BTreeMap<i64, Payee> = self
            .fetch_all::<(i64, String, String)>(&sql)
            .await?
            .into_iter()
            .map(|(id, no, name)| {
                (
                    id,
                    Payee {
                        employee_id: id,
                        employee_no: no,
                        name,
                    },
                )
            })
            .collect();
        let rows = payroll_rows(period, &bonuses, &awards, &people);
        self.audit(
            viewer,
            AuditEntry {
                action: "export",
                entity: "payroll",
                entity_id: period.to_string(),
                before: None,
                after: Some(serde_json::json!({ "rows": rows.len() })),
            },
        )
        .await?;
        Ok(rows)
    }
}
