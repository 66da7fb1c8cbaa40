//! Projections of a cycle's state into the tables evaluation, reports and the web read:
//! targets, ratings, the self-review, the feedback interview and the improvement plan. Written
//! in the transaction of the step that changed them.

use super::CycleRow;
use crate::sql::Sql;
use crate::{Result, Tx};
use chrono::Utc;
use kaohe_domain::cycle::{ActionKind, CycleState, Outcome, RaterId, Rating};

/// Writes what `outcome` changed.
pub(super) async fn write(
    tx: &mut Tx,
    row: &CycleRow,
    before: &CycleState,
    outcome: &Outcome,
) -> Result<()> {
    let state = &outcome.state;
    let period = state.setup().period.to_string();
    use ActionKind::*;
    match outcome.transition.action {
        ProposeTargets => targets(tx, &period, row.employee_id, state).await,
        ConfirmTargets => target_status(tx, &period, row.employee_id, "confirmed").await,
        DisputeTargets | ReturnTargetsHr | ReturnTargetsCommittee => {
            target_status(tx, &period, row.employee_id, "disputed").await
        }
        ApproveTargetsHr => target_status(tx, &period, row.employee_id, "reviewed").await,
        ApproveTargetsCommittee => target_status(tx, &period, row.employee_id, "approved").await,
        SubmitRating | RecordCustomerRating => {
            ratings(tx, &period, row.employee_id, before, state).await
        }
        SubmitSelfReview => self_review(tx, row.id, state).await,
        RecordInterview => interview(tx, row.id, state).await,
        SetImprovementPlan | FollowUp => plan(tx, row.id, state).await,
        Consolidate => super::publish::link_scorecard(tx, row.id, &period, row.employee_id).await,
        // A returned result is re-evaluated before the next consolidation, which replaces the
        // scorecard: the cycle lets go of it first.
        ReturnResult => {
            let mut sql = Sql::new("UPDATE cycles SET scorecard_id = NULL WHERE id = ");
            sql.bind(row.id);
            tx.run(&sql).await.map(|_| ())
        }
        _ => Ok(()),
    }
}

async fn targets(tx: &mut Tx, period: &str, employee: i64, state: &CycleState) -> Result<()> {
    let Some(p) = state.targets() else {
        return Ok(());
    };
    for t in &p.targets {
        let Some(value) = t.value else { continue };
        let mut sql = Sql::new(
            "INSERT INTO targets (period, employee_id, indicator_code, value, status, proposed_by, updated_at) VALUES (",
        );
        sql.bind(period)
            .push(", ")
            .bind(employee)
            .push(", ")
            .bind(t.indicator.as_str())
            .push(", ")
            .bind(value);
        sql.push(", 'proposed', ")
            .bind(p.proposed_by)
            .push(", ")
            .bind(Utc::now());
        sql.push(
            ") ON CONFLICT (period, employee_id, indicator_code) DO UPDATE SET value = excluded.value, \
             status = 'proposed', proposed_by = excluded.proposed_by, updated_at = excluded.updated_at",
        );
        tx.run(&sql).await?;
    }
    Ok(())
}

async fn target_status(tx: &mut Tx, period: &str, employee: i64, status: &str) -> Result<()> {
    let mut sql = Sql::new("UPDATE targets SET status = ");
    sql.bind(status)
        .push(", updated_at = ")
        .bind(Utc::now())
        .push(" WHERE period = ")
        .bind(period);
    sql.push(" AND employee_id = ").bind(employee);
    tx.run(&sql).await?;
    Ok(())
}

/// Writes the ratings that are new or changed since `before`.
async fn ratings(
    tx: &mut Tx,
    period: &str,
    employee: i64,
    before: &CycleState,
    state: &CycleState,
) -> Result<()> {
    for r in state.ratings() {
        if before.ratings().contains(r) {
            continue;
        }
        upsert_rating(tx, period, employee, r).await?;
    }
    Ok(())
}

async fn upsert_rating(tx: &mut Tx, period: &str, employee: i64, r: &Rating) -> Result<()> {
    let (rater, customer) = match r.rater {
        RaterId::Employee(id) => (Some(id), None),
        RaterId::Customer(id) => (None, Some(id)),
    };
    let mut sql = Sql::new(
        "INSERT INTO ratings (period, employee_id, rater_id, rater_group, indicator_code, score, comment, submitted_at, customer_id, revisions) VALUES (",
    );
    sql.bind(period)
        .push(", ")
        .bind(employee)
        .push(", ")
        .bind(rater)
        .push(", ")
        .bind(r.group.as_str());
    sql.push(", ")
        .bind(r.indicator.as_str())
        .push(", ")
        .bind(r.value)
        .push(", ")
        .bind(r.comment.as_str());
    sql.push(", ")
        .bind(Utc::now())
        .push(", ")
        .bind(customer)
        .push(", ")
        .bind(i64::from(r.revisions));
    sql.push(
        ") ON CONFLICT (period, employee_id, rater_id, rater_group, indicator_code) DO UPDATE SET \
         score = excluded.score, comment = excluded.comment, submitted_at = excluded.submitted_at, \
         revisions = excluded.revisions",
    );
    tx.run(&sql).await?;
    Ok(())
}

async fn self_review(tx: &mut Tx, cycle_id: i64, state: &CycleState) -> Result<()> {
    let Some(s) = state.self_review() else {
        return Ok(());
    };
    let mut sql = Sql::new(
        "INSERT INTO self_reviews (cycle_id, work_report, self_evaluation, late, submitted_at) VALUES (",
    );
    sql.bind(cycle_id)
        .push(", ")
        .bind(s.work_report.as_str())
        .push(", ")
        .bind(s.self_evaluation.as_str());
    sql.push(", ")
        .bind(s.late)
        .push(", ")
        .bind(Utc::now())
        .push(")");
    tx.run(&sql).await?;
    Ok(())
}

async fn interview(tx: &mut Tx, cycle_id: i64, state: &CycleState) -> Result<()> {
    let Some(i) = state.interview() else {
        return Ok(());
    };
    let mut del = Sql::new("DELETE FROM feedback_interviews WHERE cycle_id = ");
    del.bind(cycle_id);
    tx.run(&del).await?;
    let mut sql = Sql::new(
        "INSERT INTO feedback_interviews (cycle_id, interviewer_id, held_on, strengths, shortfalls, employee_comments) VALUES (",
    );
    sql.bind(cycle_id)
        .push(", ")
        .bind(i.recorded_by)
        .push(", ")
        .bind(i.recorded_on);
    sql.push(", ")
        .bind(i.strengths.join("\n"))
        .push(", ")
        .bind(i.shortfalls.join("\n"))
        .push(", ")
        .bind(i.employee_comments.as_str())
        .push(")");
    tx.run(&sql).await?;
    Ok(())
}

/// Rewrites the plan's items (a follow-up changes one item's status and notes).
async fn plan(tx: &mut Tx, cycle_id: i64, state: &CycleState) -> Result<()> {
    let Some(p) = state.plan() else {
        return Ok(());
    };
    let mut del = Sql::new("DELETE FROM improvement_items WHERE cycle_id = ");
    del.bind(cycle_id);
    tx.run(&del).await?;
    for item in &p.items {
        let notes: Vec<_> = item
            .follow_ups
            .iter()
            .map(|f| format!("{}: {}", f.on, f.note))
            .collect();
        let mut sql = Sql::new(
            "INSERT INTO improvement_items (cycle_id, item, owner_id, due_on, status, follow_up) VALUES (",
        );
        sql.bind(cycle_id)
            .push(", ")
            .bind(item.item.as_str())
            .push(", ")
            .bind(item.owner_id)
            .push(", ")
            .bind(item.due_on);
        sql.push(", ")
            .bind(if item.done { "done" } else { "open" })
            .push(", ")
            .bind(notes.join("\n"))
            .push(")");
        tx.run(&sql).await?;
    }
    Ok(())
}
