//! Finance's view of a period (SPEC §7, issue 22): every performance bonus and award with the
//! person's department and its payout status, and marking them paid. Amounts stay in cents
//! here; the pages show yuan.
//!
//! Commission (提成) is not a concept of the store: no record or setting holds a commission
//! amount, so finance's rows carry none (the page keeps a hidden placeholder column).

use crate::audit::AuditEntry;
use crate::cycle::require_role;
use crate::sql::Sql;
use crate::{Result, Store, Viewer};
use chrono::Utc;
use kaohe_domain::period::Period;
use kaohe_domain::roles::Role;
use serde::Serialize;

/// The roles that read finance's page and export payroll.
pub const FINANCE_READERS: [Role; 3] = [Role::Finance, Role::Admin, Role::Hr];
/// The roles that record payouts.
pub const FINANCE_PAYERS: [Role; 2] = [Role::Finance, Role::Admin];

/// One stored performance bonus as finance reads it.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct FinanceBonus {
    pub employee_id: i64,
    pub employee_code: String,
    pub name: String,
    pub department_id: i64,
    pub department: String,
    pub score: Option<f64>,
    pub grade: String,
    pub coefficient: f64,
    pub base_cents: i64,
    pub amount_cents: i64,
    /// `computed`, `approved` (confirmed) or `paid`.
    pub status: String,
    pub result_version: i32,
}

/// What [`Store::mark_bonuses_paid`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MarkedPaid {
    /// Employee ids whose bonus is paid now.
    pub paid: Vec<i64>,
    /// Employee ids already paid (left as they are).
    pub already: Vec<i64>,
    /// Employee ids with no bonus of the period in the viewer's scope.
    pub unknown: Vec<i64>,
}

impl Store {
    /// The stored performance bonuses of a period with each person's department, in
    /// department then employee-number order (finance, administrators and HR, within scope).
    pub async fn finance_bonuses(
        &self,
        viewer: &Viewer,
        period: Period,
    ) -> Result<Vec<FinanceBonus>> {
        require_role(viewer, &FINANCE_READERS, "read the period's bonuses")?;
        let mut sql = Sql::new(
            "SELECT b.employee_id, e.code AS employee_code, e.name, e.department_id, d.name AS department, \
             b.score, b.grade, b.coefficient, b.base_cents, b.amount_cents, b.status, b.result_version \
             FROM bonuses b JOIN employees e ON e.id = b.employee_id JOIN departments d ON d.id = e.department_id \
             WHERE b.period = ",
        );
        sql.bind(period.to_string());
        viewer.restrict(&mut sql, "b.employee_id");
        sql.push(" ORDER BY d.name, e.code");
        self.fetch_all(&sql).await
    }

    /// Finance records that the bonuses of `employees` for `period` were paid: one
    /// transaction, one audit entry per bonus marked. Bonuses paid already are left as they
    /// are and reported; ids without a bonus in scope are reported, not failed on.
    pub async fn mark_bonuses_paid(
        &self,
        viewer: &Viewer,
        period: Period,
        employees: &[i64],
    ) -> Result<MarkedPaid> {
        require_role(viewer, &FINANCE_PAYERS, "record bonus payouts")?;
        let known: std::collections::BTreeMap<i64, String> = self
            .finance_bonuses(viewer, period)
            .await?
            .into_iter()
            .map(|b| (b.employee_id, b.status))
            .collect();
        let mut out = MarkedPaid {
            paid: Vec::new(),
            already: Vec::new(),
            unknown: Vec::new(),
        };
        let mut tx = self.begin().await?;
        for &id in employees {
            match known.get(&id).map(String::as_str) {
                None => out.unknown.push(id),
                Some("paid") => out.already.push(id),
                Some(before) => {
                    let mut sql = Sql::new("UPDATE bonuses SET status = 'paid' WHERE period = ");
                    sql.bind(period.to_string())
                        .push(" AND status <> 'paid' AND employee_id = ")
                        .bind(id);
                    tx.run(&sql).await?;
                    tx.audit(
                        viewer,
                        AuditEntry {
                            action: "update",
                            entity: "bonus",
                            entity_id: format!("{period}:{id}"),
                            before: Some(serde_json::json!({ "status": before })),
                            after: Some(serde_json::json!({ "status": "paid", "at": Utc::now() })),
                        },
                    )
                    .await?;
                    out.paid.push(id);
                }
            }
        }
        tx.commit().await?;
        Ok(out)
    }
}
