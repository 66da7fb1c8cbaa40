//! Several steps of one cycle taken together, and the people a rater may be chosen from.
//!
//! A rating form carries one value per rated indicator; each is a step of its own in the
//! domain, but the form is one decision of the rater: [`Store::act_all`] applies them all in
//! one transaction, so one refused value stores none of the others.

use super::lock_cycle;
use crate::sql::Sql;
use crate::{Result, Store, StoreError, Viewer};
use chrono::NaiveDate;
use kaohe_domain::cycle::{Action, ActionKind, Outcome, Transition, apply};
use kaohe_domain::period::Period;
use serde::Serialize;

/// Someone who may be assigned as a rater, as a select list shows them.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct RaterCandidate {
    /// The person's database id (what the form sends).
    pub id: i64,
    /// 工号.
    pub code: String,
    /// Name.
    pub name: String,
    /// Their department's name.
    pub department: String,
}

/// The people a rater of a person may be chosen from.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RaterCandidates {
    /// The person's team (their department when they are in no team), without them and
    /// their superiors.
    pub peers: Vec<RaterCandidate>,
    /// People of the other departments (related departments' raters).
    pub others: Vec<RaterCandidate>,
}

/// The most people a select list offers: a company's other departments fit many times over.
const MAX_CANDIDATES: i64 = 1000;

impl Store {
    /// Takes several steps of one person's cycle in one transaction: every step is checked and
    /// applied in order to the locked cycle, and only when all are accepted is anything
    /// written. The first refusal answers and nothing is stored.
    pub async fn act_all(
        &self,
        viewer: &Viewer,
        period: Period,
        employee: i64,
        actions: Vec<Action>,
        today: NaiveDate,
    ) -> Result<Vec<Transition>> {
        for action in &actions {
            self.check_action(viewer, period, employee, action).await?;
        }
        let actor = self.actor_for(viewer, employee).await?;
        let scheme = self.cycle_row(period, employee).await?.scheme_code;
        let deadlines = self.deadlines(&scheme).await?;
        let cal = self.calendar(today).await?;
        let mut tx = self.begin().await?;
        let row = lock_cycle(&mut tx, period, employee).await?;
        let first = row.state()?;
        let mut outcomes = Vec::with_capacity(actions.len());
        for action in actions {
            let before = outcomes.last().map_or(&first, |o: &Outcome| &o.state);
            outcomes.push(apply(before, action, &actor, today, &deadlines, &cal)?);
        }
        let mut before = &first;
        for outcome in &outcomes {
            self.write_step(&mut tx, viewer, &row, before, outcome, &deadlines, &cal)
                .await?;
            before = &outcome.state;
        }
        tx.commit().await?;
        Ok(outcomes.into_iter().map(|o| o.transition).collect())
    }

    /// A person's targets of a period as the evaluation reads them (proposed or imported, not
    /// disputed), by indicator code; within the viewer's scope.
    pub async fn person_targets(
        &self,
        viewer: &Viewer,
        period: Period,
        employee: i64,
    ) -> Result<std::collections::HashMap<String, f64>> {
        let mut sql = Sql::new(
            "SELECT indicator_code, value FROM targets WHERE status <> 'disputed' AND period = ",
        );
        sql.bind(period.to_string())
            .push(" AND employee_id = ")
            .bind(employee);
        viewer.restrict(&mut sql, "employee_id");
        let rows: Vec<(String, f64)> = self.fetch_all(&sql).await?;
        Ok(rows.into_iter().collect())
    }

    /// The people the viewer may assign as raters of `employee`: only for someone who may
    /// assign raters in that cycle now (HR or the person's superior), otherwise `Forbidden`.
    pub async fn rater_candidates(
        &self,
        viewer: &Viewer,
        period: Period,
        employee: i64,
    ) -> Result<RaterCandidates> {
        let allowed = self.allowed_now(viewer, period, employee).await?;
        if !allowed.contains(&ActionKind::AssignRater) {
            return Err(StoreError::Forbidden(
                "raters are assigned by HR or the person's superior while the cycle allows it"
                    .into(),
            ));
        }
        let mut sql = Sql::new("SELECT team_id, department_id FROM employees WHERE id = ");
        sql.bind(employee);
        let Some((team, department)) = self.fetch_optional::<(Option<i64>, i64)>(&sql).await?
        else {
            return Ok(RaterCandidates::default());
        };
        let select = "SELECT e.id, e.code, e.name, d.name AS department FROM employees e \
             JOIN departments d ON d.id = e.department_id WHERE e.status <> 'left' AND e.id <> ";
        let mut peers = Sql::new(select);
        peers.bind(employee);
        match team {
            Some(t) => peers.push(" AND e.team_id = ").bind(t),
            None => peers.push(" AND e.department_id = ").bind(department),
        };
        // The person's superiors rate as superiors, not as peers.
        let chain = self.supervisor_chain(employee).await?;
        if !chain.is_empty() {
            peers.push(" AND e.id NOT IN ").bind_list(chain);
        }
        peers.push(&format!(" ORDER BY e.code LIMIT {MAX_CANDIDATES}"));
        let mut others = Sql::new(select);
        others
            .bind(employee)
            .push(" AND e.department_id <> ")
            .bind(department)
            .push(&format!(" ORDER BY d.id, e.code LIMIT {MAX_CANDIDATES}"));
        Ok(RaterCandidates {
            peers: self.fetch_all(&peers).await?,
            others: self.fetch_all(&others).await?,
        })
    }
}
