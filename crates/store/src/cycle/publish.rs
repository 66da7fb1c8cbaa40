//! Consolidation, publication and locking: HR consolidates the scorecard the engine stored,
//! the committee's approval publishes it, and the period locks when its last cycle locks.

use super::refuse;
use crate::audit::AuditEntry;
use crate::evaluate::{EvalRequest, StoredScorecard};
use crate::sql::Sql;
use crate::{Result, Store, Tx, Viewer};
use chrono::{NaiveDate, Utc};
use kaohe_domain::cycle::{
    Action, ActionKind, AssessmentResult, RefusalKind, ResultLine, Stage, Transition,
    allowed_actions, apply,
};
use kaohe_domain::period::Period;

/// The stages from which a person's stored scorecard is frozen against re-evaluation.
pub(crate) const FROZEN_STAGES: [&str; 3] = ["consolidated", "published", "locked"];

/// The domain result of a stored scorecard; refused when it has no total or grade.
pub fn result_of(card: &StoredScorecard) -> Result<AssessmentResult> {
    let (Some(score), Some(grade)) = (card.total, card.grade.clone()) else {
        return Err(refuse(
            RefusalKind::Invalid,
            format!(
                "{}（{}）的考核表没有总分，不能汇总（缺少评分或行为系数？）",
                card.name, card.employee_code
            ),
            format!(
                "the scorecard of {} ({}) has no total and cannot be consolidated (ratings or the behaviour factor missing?)",
                card.name, card.employee_code
            ),
        ));
    };
    Ok(AssessmentResult {
        score,
        grade,
        coefficient: card.bonus_coefficient.unwrap_or(0.0),
        lines: card
            .lines
            .iter()
            .map(|l| ResultLine {
                indicator: l.indicator_code.clone(),
                score: l.score,
            })
            .collect(),
    })
}

impl Store {
    /// HR consolidates a person's result: the person is evaluated now (the engine fills the
    /// computed indicators and combines the ratings) and the stored scorecard becomes the
    /// cycle's result. From then on the person is not re-evaluated.
    pub async fn consolidate(
        &self,
        viewer: &Viewer,
        period: Period,
        employee: i64,
        today: NaiveDate,
    ) -> Result<Transition> {
        let actor = self.actor_for(viewer, employee).await?;
        let state = self.cycle_row(period, employee).await?.state()?;
        let may = state.stage() == Stage::Rating
            && allowed_actions(&state, &actor).contains(&ActionKind::Consolidate);
        let result = if may {
            let req = EvalRequest {
                period,
                scheme: None,
                employee: Some(employee),
            };
            self.evaluate(viewer, &req).await?;
            let cards = self
                .scorecards(viewer, &period.to_string(), Some(employee))
                .await?;
            let card = cards.first().ok_or_else(|| {
                refuse(
                    RefusalKind::Invalid,
                    "此人没有考核表",
                    "this person has no scorecard",
                )
            })?;
            result_of(card)?
        } else {
            // The domain refuses below with the reason and what is allowed now.
            AssessmentResult {
                score: 0.0,
                grade: String::new(),
                coefficient: 0.0,
                lines: Vec::new(),
            }
        };
        self.step(viewer, period, employee, today, |s, d, cal| {
            apply(s, Action::Consolidate { result }, &actor, today, d, cal)
        })
        .await
    }

    /// The status of a period: `open`, `closed` or `locked` (`None` when it has no row yet).
    pub async fn period_status(&self, period: Period) -> Result<Option<String>> {
        let mut sql = Sql::new("SELECT status FROM periods WHERE code = ");
        sql.bind(period.to_string());
        Ok(self.fetch_optional::<(String,)>(&sql).await?.map(|r| r.0))
    }
}

/// Points the cycle at the scorecard it consolidated (inside the step's transaction).
pub(crate) async fn link_scorecard(
    tx: &mut Tx,
    cycle_id: i64,
    period: &str,
    employee: i64,
) -> Result<()> {
    let mut sql = Sql::new(
        "UPDATE cycles SET scorecard_id = (SELECT id FROM scorecards WHERE current = TRUE AND period = ",
    );
    sql.bind(period)
        .push(" AND employee_id = ")
        .bind(employee)
        .push(") WHERE id = ")
        .bind(cycle_id);
    tx.run(&sql).await?;
    Ok(())
}

/// Locks the period once none of its cycles is unlocked (audited).
pub(crate) async fn lock_period_when_done(
    tx: &mut Tx,
    viewer: &Viewer,
    period: Period,
) -> Result<()> {
    let code = period.to_string();
    let mut sql = Sql::new(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM cycles WHERE state <> 'locked' AND period = ",
    );
    sql.bind(code.as_str());
    let left: Vec<(i64,)> = tx.fetch_all(&sql).await?;
    if left.first().map_or(0, |r| r.0) > 0 {
        return Ok(());
    }
    let mut up = Sql::new("UPDATE periods SET status = 'locked', closed_at = ");
    up.bind(Utc::now())
        .push(" WHERE status <> 'locked' AND code = ")
        .bind(code.as_str());
    if tx.run(&up).await? == 1 {
        tx.audit(
            viewer,
            AuditEntry {
                action: "update",
                entity: "period",
                entity_id: code,
                before: Some(serde_json::json!({ "status": "open" })),
                after: Some(serde_json::json!({ "status": "locked" })),
            },
        )
        .await?;
    }
    Ok(())
}
