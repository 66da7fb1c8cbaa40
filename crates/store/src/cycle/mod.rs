//! The assessment cycle in the database (SPEC §6): one cycle per person and period.
//!
//! The pure rules live in [`kaohe_domain::cycle`]; this module loads a person's
//! [`CycleState`], lets the domain apply one step for the signed-in [`Viewer`], and writes the
//! outcome in **one transaction**: the new state, a `cycle_events` row, the audit entry, the
//! projections other readers use (targets, ratings, self-review, interview, improvement plan),
//! the inbox items of whoever must act next and an outbox message per new item.
//!
//! Decisions:
//! - The cycle row's `snapshot` (the domain state as JSON) is the truth a step is applied to;
//!   the other tables are projections of it, rewritten by the same transaction.
//! - A step first locks its cycle row (`FOR UPDATE` on PostgreSQL; SQLite has a single writer
//!   connection), so two raters submitting at the same moment are applied one after the
//!   other and both land.
//! - A rater submitting the same indicator twice **replaces** the first rating while ratings
//!   are open (the domain counts the revision and the audit log keeps both values); after the
//!   rating deadline every submission is refused until HR extends it.
//! - HR's consolidation takes the scorecard [`Store::evaluate`] stores for the person, never a
//!   typed-in score ([`Store::consolidate`]); from then on evaluation of that person is refused,
//!   so the committee approves and publishes exactly what HR consolidated.
//! - When the last cycle of a period is locked, the period is locked; the database then
//!   refuses every write to its scorecards except an upheld appeal's new version.

mod appeals;
mod behaviour;
mod behaviour_import;
mod bulk;
mod project;
mod publish;
pub(crate) mod reminders;
mod steps;
mod tokens;

pub use appeals::{AppealRow, Correction, compensation};
pub use behaviour::{BehaviourInput, BehaviourRecord, check_behaviour};
pub use bulk::{
    BulkOutcome, BulkPerson, BulkRefusal, BulkStep, ConsolidationPreview, MissingCard, PreviewLine,
    StageCount,
};
pub(crate) use publish::FROZEN_STAGES;
pub use publish::result_of;
pub use reminders::{InboxItem, OutboxMessage, OverdueStep};
pub use steps::{RaterCandidate, RaterCandidates};
pub use tokens::{CustomerLink, IssuedToken, LinkQuestion, NewLink, RatingLink};

use crate::audit::AuditEntry;
use crate::sql::Sql;
use crate::{Result, Store, StoreError, Tx, Viewer};
use chrono::{NaiveDate, Utc};
use kaohe_domain::calendar::Calendar;
use kaohe_domain::cycle::{
    Action, ActionKind, Actor, CycleSetup, CycleState, Deadlines, Outcome, Refusal, RefusalKind,
    Transition, allowed_actions, apply,
};
use kaohe_domain::library::Library;
use kaohe_domain::period::Period;
use kaohe_domain::roles::Role;
use serde::Serialize;

/// One cycle as listed for a period.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct CycleSummary {
    pub id: i64,
    pub employee_id: i64,
    pub employee_code: String,
    pub name: String,
    pub scheme_code: String,
    /// The stage ([`kaohe_domain::cycle::Stage::as_str`]).
    pub state: String,
    /// The last day of what the cycle waits for.
    pub due_on: Option<NaiveDate>,
    pub scorecard_id: Option<i64>,
}

/// What [`Store::open_cycles`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Opened {
    /// Cycles created now.
    pub created: usize,
    /// Cycles that existed already (opening is idempotent).
    pub existing: usize,
}

/// A cycle row as loaded for a step.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct CycleRow {
    pub id: i64,
    pub employee_id: i64,
    pub scheme_code: String,
    pub snapshot: String,
}

impl CycleRow {
    pub(crate) fn state(&self) -> Result<CycleState> {
        serde_json::from_str(&self.snapshot).map_err(|e| StoreError::Invalid {
            field: format!("cycle {}", self.id),
            message: format!("stored state is unreadable: {e}"),
        })
    }
}

fn to_json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("domain values serialise")
}

/// Refuses viewers whose role is not one of `roles`; `what` names the step in the message.
pub(crate) fn require_role(viewer: &Viewer, roles: &[Role], what: &str) -> Result<()> {
    if roles.contains(&viewer.role) {
        Ok(())
    } else {
        let names: Vec<_> = roles.iter().map(|r| r.as_str()).collect();
        Err(StoreError::Forbidden(format!(
            "only {} may {what}",
            names.join(" or ")
        )))
    }
}

impl Store {
    /// Opens the cycles of `period` for everybody employed in it whose position names a scheme
    /// (HR or an administrator). Idempotent: existing cycles are kept as they are.
    pub async fn open_cycles(&self, viewer: &Viewer, period: Period) -> Result<Opened> {
        require_role(viewer, &[Role::Hr, Role::Admin], "open assessment cycles")?;
        let lib = self.library().await?;
        let people = self.people_with_schemes(period, &lib.library).await?;
        let code = period.to_string();
        let now = Utc::now();
        let mut tx = self.begin().await?;
        ensure_period(&mut tx, period).await?;
        let mut created = 0;
        for (employee_id, scheme_code) in &people {
            let setup = self
                .setup_for(&lib.library, period, *employee_id, scheme_code)
                .await?;
            let state = CycleState::new(setup);
            let mut sql = Sql::new(
                "INSERT INTO cycles (period, employee_id, scheme_code, state, snapshot, updated_at) VALUES (",
            );
            sql.bind(code.as_str())
                .push(", ")
                .bind(*employee_id)
                .push(", ")
                .bind(scheme_code.as_str());
            sql.push(", 'drafting', ")
                .bind(to_json(&state))
                .push(", ")
                .bind(now);
            sql.push(") ON CONFLICT (period, employee_id) DO NOTHING");
            created += tx.run(&sql).await? as usize;
        }
        tx.audit(
            viewer,
            AuditEntry {
                action: "create",
                entity: "cycles",
                entity_id: code.clone(),
                before: None,
                after: Some(serde_json::json!({ "created": created, "people": people.len() })),
            },
        )
        .await?;
        let cal = self.calendar(period.start()).await?;
        for row in cycle_rows(&mut tx, &code, None).await? {
            let state = row.state()?;
            let deadlines = self.deadlines(&row.scheme_code).await?;
            reminders::sync(&mut tx, row.id, &state, &deadlines, &cal).await?;
        }
        tx.commit().await?;
        Ok(Opened {
            created,
            existing: people.len() - created,
        })
    }

    /// People employed in `period` and the scheme that assesses them.
    async fn people_with_schemes(
        &self,
        period: Period,
        lib: &Library,
    ) -> Result<Vec<(i64, String)>> {
        let mut sql = Sql::new(
            "SELECT e.id, p.code, p.scheme_code FROM employees e JOIN positions p ON p.id = e.position_id \
             WHERE e.hired_on < ",
        );
        sql.bind(period.end_exclusive())
            .push(" AND (e.left_on IS NULL OR e.left_on >= ")
            .bind(period.start())
            .push(") ORDER BY e.id");
        let rows: Vec<(i64, String, Option<String>)> = self.fetch_all(&sql).await?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, position, scheme)| {
                let s = scheme
                    .as_deref()
                    .and_then(|c| lib.scheme(c))
                    .or_else(|| lib.scheme_for_position(&position))?;
                Some((id, s.code.clone()))
            })
            .collect())
    }

    /// The setup of a new cycle: the scheme's rated indicators and last period's shortfalls.
    async fn setup_for(
        &self,
        lib: &Library,
        period: Period,
        employee_id: i64,
        scheme_code: &str,
    ) -> Result<CycleSetup> {
        let mut setup = CycleSetup::new(employee_id, period, scheme_code);
        if let Some(scheme) = lib.scheme(scheme_code) {
            setup.rated_indicators = scheme
                .indicator_codes()
                .filter(|c| lib.indicator(c).is_some_and(|i| i.is_rated()))
                .map(str::to_string)
                .collect();
        }
        let mut sql = Sql::new(
            "SELECT f.shortfalls FROM feedback_interviews f JOIN cycles c ON c.id = f.cycle_id WHERE c.period = ",
        );
        sql.bind(period.prev().to_string())
            .push(" AND c.employee_id = ")
            .bind(employee_id);
        if let Some((text,)) = self.fetch_optional::<(String,)>(&sql).await? {
            setup.previous_shortfalls = text.lines().map(str::to_string).collect();
        }
        Ok(setup)
    }

    /// The deadlines of a scheme: the `cycle_deadlines.<scheme>` setting (JSON of
    /// [`Deadlines`]) when set, else SPEC §6's defaults.
    pub async fn deadlines(&self, scheme_code: &str) -> Result<Deadlines> {
        match self
            .setting(&format!("cycle_deadlines.{scheme_code}"))
            .await?
        {
            Some(text) => serde_json::from_str(&text).map_err(|e| StoreError::Invalid {
                field: format!("cycle_deadlines.{scheme_code}"),
                message: e.to_string(),
            }),
            None => Ok(Deadlines::default()),
        }
    }

    /// The cycles of a period within the viewer's data scope.
    pub async fn cycles(&self, viewer: &Viewer, period: Period) -> Result<Vec<CycleSummary>> {
        let mut sql = Sql::new(
            "SELECT c.id, c.employee_id, e.code AS employee_code, e.name, c.scheme_code, c.state, c.due_on, c.scorecard_id \
             FROM cycles c JOIN employees e ON e.id = c.employee_id WHERE c.period = ",
        );
        sql.bind(period.to_string());
        viewer.restrict(&mut sql, "c.employee_id");
        sql.push(" ORDER BY c.employee_id");
        self.fetch_all(&sql).await
    }

    /// One person's cycle state (within the viewer's scope, or the viewer's own).
    pub async fn cycle(
        &self,
        viewer: &Viewer,
        period: Period,
        employee: i64,
    ) -> Result<CycleState> {
        let mut sql = Sql::new(
            "SELECT c.id, c.employee_id, c.scheme_code, c.snapshot FROM cycles c WHERE c.period = ",
        );
        sql.bind(period.to_string())
            .push(" AND c.employee_id = ")
            .bind(employee);
        viewer.restrict(&mut sql, "c.employee_id");
        let row: Option<CycleRow> = self.fetch_optional(&sql).await?;
        row.ok_or_else(|| not_found(period, employee))?.state()
    }

    /// What the viewer may do in a person's cycle now.
    pub async fn allowed_now(
        &self,
        viewer: &Viewer,
        period: Period,
        employee: i64,
    ) -> Result<Vec<ActionKind>> {
        let actor = self.actor_for(viewer, employee).await?;
        let row = self.cycle_row(period, employee).await?;
        Ok(allowed_actions(&row.state()?, &actor))
    }

    /// The domain's view of who the viewer is in `subject`'s cycle: their role, whether they
    /// are the subject, and whether they are in the subject's supervisor chain.
    pub async fn actor_for(&self, viewer: &Viewer, subject: i64) -> Result<Actor> {
        let Some(me) = viewer.employee_id else {
            return Err(StoreError::Forbidden(
                "this account belongs to no employee; cycle steps are taken by people".into(),
            ));
        };
        Ok(Actor {
            role: viewer.role,
            employee_id: me,
            is_subject: me == subject,
            is_superior_of_subject: self.supervisor_chain(subject).await?.contains(&me),
        })
    }

    /// The subject's supervisors, nearest first (cycles in bad data are cut off).
    pub async fn supervisor_chain(&self, subject: i64) -> Result<Vec<i64>> {
        let mut chain = Vec::new();
        let mut at = subject;
        for _ in 0..16 {
            let mut sql = Sql::new("SELECT supervisor_id FROM employees WHERE id = ");
            sql.bind(at);
            match self.fetch_optional::<(Option<i64>,)>(&sql).await? {
                Some((Some(s),)) if s != subject && !chain.contains(&s) => {
                    chain.push(s);
                    at = s;
                }
                _ => break,
            }
        }
        Ok(chain)
    }

    async fn cycle_row(&self, period: Period, employee: i64) -> Result<CycleRow> {
        let mut sql =
            Sql::new("SELECT id, employee_id, scheme_code, snapshot FROM cycles WHERE period = ");
        sql.bind(period.to_string())
            .push(" AND employee_id = ")
            .bind(employee);
        self.fetch_optional(&sql)
            .await?
            .ok_or_else(|| not_found(period, employee))
    }

    /// Takes one step in a person's cycle as the signed-in viewer, on the company-local day
    /// `today`. Refused steps change nothing and answer [`StoreError::Refused`] with the
    /// domain's reason and what the viewer may do now. HR's consolidation goes through
    /// [`Store::consolidate`].
    pub async fn act(
        &self,
        viewer: &Viewer,
        period: Period,
        employee: i64,
        action: Action,
        today: NaiveDate,
    ) -> Result<Transition> {
        self.check_action(viewer, period, employee, &action).await?;
        let actor = self.actor_for(viewer, employee).await?;
        self.step(viewer, period, employee, today, |state, deadlines, cal| {
            apply(state, action, &actor, today, deadlines, cal)
        })
        .await
    }

    /// The store's own checks of a step before the domain applies it: customer ratings and
    /// consolidation have their own ways in, a rating that differs from a training score needs
    /// a reason, and nobody approves a result they consolidated.
    async fn check_action(
        &self,
        viewer: &Viewer,
        period: Period,
        employee: i64,
        action: &Action,
    ) -> Result<()> {
        // A customer's rating is recorded only by redeeming their link
        // (`Store::redeem_customer_token`), never as a step someone takes.
        if action.kind() == ActionKind::RecordCustomerRating {
            return Err(refuse(
                RefusalKind::WrongRole,
                "客户评分只能由客户通过客户评分链接提交",
                "a customer rating is recorded only by the customer through their rating link",
            ));
        }
        if action.kind() == ActionKind::Consolidate {
            return Err(StoreError::Invalid {
                field: "action".into(),
                message: "consolidation takes the engine's stored scorecard: use `consolidate`"
                    .into(),
            });
        }
        // A training score pre-fills its indicator: another value needs a reason.
        if let Action::SubmitRating {
            indicator,
            value,
            comment,
            ..
        } = action
        {
            let prefill = self.rating_prefill(period, employee, indicator).await?;
            kaohe_domain::training::check_adjustment(prefill.as_ref(), *value, comment)
                .map_err(|r| StoreError::Refused(Box::new(r)))?;
        }
        if action.kind() == ActionKind::ApproveResult {
            self.refuse_approving_own_consolidation(viewer, period, employee)
                .await?;
        }
        Ok(())
    }

    /// Nobody approves a result they consolidated: not the same account, nor another account
    /// of the same person (one person holding an HR and a committee login).
    async fn refuse_approving_own_consolidation(
        &self,
        viewer: &Viewer,
        period: Period,
        employee: i64,
    ) -> Result<()> {
        let row = self.cycle_row(period, employee).await?;
        let mut sql = Sql::new(
            "SELECT ev.actor_user_id, u.employee_id FROM cycle_events ev \
             LEFT JOIN users u ON u.id = ev.actor_user_id WHERE ev.action = 'consolidate' AND ev.cycle_id = ",
        );
        sql.bind(row.id).push(" ORDER BY ev.id DESC LIMIT 1");
        let last: Option<(Option<i64>, Option<i64>)> = self.fetch_optional(&sql).await?;
        let Some((user, person)) = last else {
            return Ok(());
        };
        let same_account = user.is_some() && user == viewer.user_id;
        let same_person = person.is_some() && person == viewer.employee_id;
        if same_account || same_person {
            let refusal = Refusal::new(
                RefusalKind::WrongRole,
                "汇总此考核结果的人不能审批它：请由考核领导小组的另一位成员审批",
                "whoever consolidated this result cannot approve it: another member of the committee approves it",
            );
            return Err(StoreError::Refused(Box::new(refusal)));
        }
        Ok(())
    }

    /// Applies `f` to the locked cycle and writes the outcome (see the module documentation).
    pub(crate) async fn step<F>(
        &self,
        viewer: &Viewer,
        period: Period,
        employee: i64,
        today: NaiveDate,
        f: F,
    ) -> Result<Transition>
    where
        F: FnOnce(&CycleState, &Deadlines, &Calendar) -> Result<Outcome, Refusal>,
    {
        let scheme = self.cycle_row(period, employee).await?.scheme_code;
        let deadlines = self.deadlines(&scheme).await?;
        let cal = self.calendar(today).await?;
        let mut tx = self.begin().await?;
        let row = lock_cycle(&mut tx, period, employee).await?;
        let state = row.state()?;
        let outcome = f(&state, &deadlines, &cal)?;
        self.write_step(&mut tx, viewer, &row, &state, &outcome, &deadlines, &cal)
            .await?;
        tx.commit().await?;
        Ok(outcome.transition)
    }

    #[allow(clippy::too_many_arguments)]
    async fn write_step(
        &self,
        tx: &mut Tx,
        viewer: &Viewer,
        row: &CycleRow,
        before: &CycleState,
        outcome: &Outcome,
        deadlines: &Deadlines,
        cal: &Calendar,
    ) -> Result<()> {
        let t = &outcome.transition;
        save_state(tx, row.id, &outcome.state, deadlines, cal).await?;
        let mut ev = Sql::new(
            "INSERT INTO cycle_events (cycle_id, from_state, to_state, action, actor_user_id, actor, day, late, at, note, data) VALUES (",
        );
        ev.bind(row.id)
            .push(", ")
            .bind(t.from.as_str())
            .push(", ")
            .bind(t.to.as_str())
            .push(", ")
            .bind(t.action.as_str());
        ev.push(", ")
            .bind(viewer.user_id)
            .push(", ")
            .bind(viewer.username.as_str())
            .push(", ")
            .bind(t.on)
            .push(", ")
            .bind(t.late);
        ev.push(", ")
            .bind(Utc::now())
            .push(", ")
            .bind(t.note.as_str())
            .push(", ")
            .bind(to_json(t))
            .push(")");
        tx.run(&ev).await?;
        project::write(tx, row, before, outcome).await?;
        if t.action == ActionKind::SetImprovementPlan {
            let library = self.library().await?;
            crate::training::needs_from_plan(tx, &library.library, row.employee_id, &outcome.state)
                .await?;
        }
        tx.audit(
            viewer,
            AuditEntry {
                action: "update",
                entity: "cycle",
                entity_id: row.id.to_string(),
                before: Some(serde_json::json!({ "stage": t.from.as_str() })),
                after: Some(serde_json::to_value(t).expect("a transition serialises")),
            },
        )
        .await?;
        reminders::sync(tx, row.id, &outcome.state, deadlines, cal).await?;
        if t.action == ActionKind::Lock {
            publish::lock_period_when_done(tx, viewer, outcome.state.setup().period).await?;
        }
        Ok(())
    }
}

fn not_found(period: Period, employee: i64) -> StoreError {
    StoreError::NotFound {
        entity: "cycle",
        key: format!("{period} / employee {employee}"),
    }
}

/// Creates the period row when it does not exist (status open).
pub(crate) async fn ensure_period(tx: &mut Tx, period: Period) -> Result<()> {
    let mut sql = Sql::new("INSERT INTO periods (code, kind, starts_on, ends_on) VALUES (");
    sql.bind(period.to_string())
        .push(", ")
        .bind(period.kind().as_str())
        .push(", ")
        .bind(period.start())
        .push(", ")
        .bind(period.end());
    sql.push(") ON CONFLICT (code) DO NOTHING");
    tx.run(&sql).await?;
    Ok(())
}

/// Reads a cycle inside `tx`, locking its row against concurrent steps on PostgreSQL.
pub(crate) async fn lock_cycle(tx: &mut Tx, period: Period, employee: i64) -> Result<CycleRow> {
    let mut sql =
        Sql::new("SELECT id, employee_id, scheme_code, snapshot FROM cycles WHERE period = ");
    sql.bind(period.to_string())
        .push(" AND employee_id = ")
        .bind(employee);
    if matches!(tx, Tx::Postgres(_)) {
        sql.push(" FOR UPDATE");
    }
    let rows: Vec<CycleRow> = tx.fetch_all(&sql).await?;
    rows.into_iter()
        .next()
        .ok_or_else(|| not_found(period, employee))
}

/// Every cycle row of a period (optionally one person's), inside `tx`.
async fn cycle_rows(tx: &mut Tx, period: &str, employee: Option<i64>) -> Result<Vec<CycleRow>> {
    let mut sql =
        Sql::new("SELECT id, employee_id, scheme_code, snapshot FROM cycles WHERE period = ");
    sql.bind(period);
    if let Some(e) = employee {
        sql.push(" AND employee_id = ").bind(e);
    }
    sql.push(" ORDER BY employee_id");
    tx.fetch_all(&sql).await
}

/// Writes the new state, its stage and what it waits for.
pub(crate) async fn save_state(
    tx: &mut Tx,
    cycle_id: i64,
    state: &CycleState,
    deadlines: &Deadlines,
    cal: &Calendar,
) -> Result<()> {
    let due = deadlines.pending(state, cal).map(|(_, d)| d);
    let mut sql = Sql::new("UPDATE cycles SET state = ");
    sql.bind(state.stage().as_str())
        .push(", snapshot = ")
        .bind(to_json(state))
        .push(", due_on = ")
        .bind(due);
    sql.push(", updated_at = ")
        .bind(Utc::now())
        .push(" WHERE id = ")
        .bind(cycle_id);
    tx.run(&sql).await?;
    Ok(())
}

/// A refusal made by the store itself, in the domain's words.
pub(crate) fn refuse(
    kind: RefusalKind,
    zh: impl Into<String>,
    en: impl Into<String>,
) -> StoreError {
    Refusal::new(kind, zh, en).into()
}

/// A wrong-state refusal made by the store (a step already decided).
pub(crate) fn refuse_now(zh: impl Into<String>, en: impl Into<String>) -> StoreError {
    refuse(RefusalKind::WrongState, zh, en)
}
