//! The behaviour factor (行为系数) of the performance × behaviour scheme: given by the person's
//! superior (or HR) while the cycle is open or in rating, read by evaluation.

use super::refuse;
use crate::audit::AuditEntry;
use crate::sql::Sql;
use crate::{Result, Store, Viewer};
use chrono::Utc;
use kaohe_domain::cycle::{RefusalKind, Stage};
use kaohe_domain::period::Period;
use kaohe_domain::roles::Role;

impl Store {
    /// Records a person's behaviour factor for `period` (0 to the scheme's maximum; a serious
    /// violation sets the month to 0 in the engine). Only the superior or HR, and only before
    /// consolidation, so a published result cannot be changed this way.
    pub async fn record_behaviour(
        &self,
        viewer: &Viewer,
        period: Period,
        employee: i64,
        factor: f64,
        serious_violation: bool,
        note: &str,
    ) -> Result<()> {
        let actor = self.actor_for(viewer, employee).await?;
        if actor.is_subject || !(actor.is_superior_of_subject || actor.role == Role::Hr) {
            return Err(refuse(
                RefusalKind::WrongRole,
                "行为系数由被考核者的上级或人力资源部评定",
                "the behaviour factor is given by the subject's superior or HR",
            ));
        }
        if !factor.is_finite() || !(0.0..=2.0).contains(&factor) {
            return Err(refuse(
                RefusalKind::Invalid,
                "行为系数须在 0 到 2 之间",
                "the behaviour factor must be between 0 and 2",
            ));
        }
        let stage = self.cycle_row(period, employee).await?.state()?.stage();
        if !matches!(stage, Stage::Open | Stage::Rating) {
            return Err(refuse(
                RefusalKind::WrongState,
                format!("当前阶段为「{}」，不能评定行为系数", stage.name_zh()),
                format!(
                    "the cycle is {}; the behaviour factor cannot change now",
                    stage.name_en()
                ),
            ));
        }
        let mut tx = self.begin().await?;
        let mut sql = Sql::new(
            "INSERT INTO behaviour_assessments (period, employee_id, factor, serious_violation, note, assessor_id, assessed_at) VALUES (",
        );
        sql.bind(period.to_string())
            .push(", ")
            .bind(employee)
            .push(", ")
            .bind(factor)
            .push(", ")
            .bind(serious_violation);
        sql.push(", ")
            .bind(note)
            .push(", ")
            .bind(actor.employee_id)
            .push(", ")
            .bind(Utc::now());
        sql.push(
            ") ON CONFLICT (period, employee_id) DO UPDATE SET factor = excluded.factor, \
             serious_violation = excluded.serious_violation, note = excluded.note, \
             assessor_id = excluded.assessor_id, assessed_at = excluded.assessed_at",
        );
        tx.run(&sql).await?;
        tx.audit(
            viewer,
            AuditEntry {
                action: "update",
                entity: "behaviour",
                entity_id: format!("{period}/{employee}"),
                before: None,
                after: Some(
                    serde_json::json!({ "factor": factor, "serious_violation": serious_violation }),
                ),
            },
        )
        .await?;
        tx.commit().await
    }
}
