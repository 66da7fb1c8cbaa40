//! Reminders (SPEC §6 "overdue steps are visible and reminded"): an inbox item for everybody
//! who must act next in a cycle, with its due date from the deadlines and the company
//! calendar, an outbox message per new item that an e-mail or IM integration drains, and the
//! overdue steps of a period.

use crate::sql::Sql;
use crate::{Result, Store, Tx, Viewer};
use chrono::{DateTime, NaiveDate, Utc};
use kaohe_domain::calendar::Calendar;
use kaohe_domain::cycle::{CycleState, Deadlines, Pending, RaterId, Stage, overdue};
use kaohe_domain::period::Period;
use serde::Serialize;

/// An open inbox item.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct InboxItem {
    pub id: i64,
    pub employee_id: i64,
    /// What to do: `propose_targets`, `confirm_targets`, `review_targets`, `approve_targets`,
    /// `self_review`, `rate`, `consolidate`, `approve_result`, `interview`, `lock`,
    /// `appeal_answer`, `appeal_ruling`.
    pub kind: String,
    pub subject: String,
    pub link: String,
    pub cycle_id: Option<i64>,
    pub due_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
}

/// A message waiting for an integration to send it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct OutboxMessage {
    pub id: i64,
    /// `email` (the only channel kaohe writes so far).
    pub channel: String,
    /// An e-mail address, or `employee:<工号>` when the person has none on file.
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

/// A cycle step past its last day.
#[derive(Debug, Clone, Serialize)]
pub struct OverdueStep {
    pub cycle_id: i64,
    pub employee_id: i64,
    pub employee_code: String,
    pub name: String,
    pub stage: Stage,
    pub pending: Pending,
    pub due_on: NaiveDate,
    /// Calendar days past the last day.
    pub days: i64,
}

/// (who, kind, due, zh, en) of one wanted item.
type Wanted = (i64, &'static str, NaiveDate, &'static str, &'static str);

/// The people who must act next in `state`, with the kind of step and its last day.
fn wanted(
    state: &CycleState,
    d: &Deadlines,
    cal: &Calendar,
    supervisor: Option<i64>,
    hr: &[i64],
    committee: &[i64],
) -> Vec<Wanted> {
    let p = state.setup().period;
    let subject = state.setup().subject_id;
    let mut out: Vec<Wanted> = Vec::new();
    let mut each = |who: &[i64], kind, due, zh, en| {
        for w in who.iter().filter(|w| **w != subject) {
            out.push((*w, kind, due, zh, en));
        }
    };
    let sup: Vec<i64> = supervisor.into_iter().collect();
    let targets = d.targets_due(p, cal);
    match state.stage() {
        Stage::Drafting | Stage::TargetsReturned => each(
            &sup,
            "propose_targets",
            targets,
            "提出考核指标",
            "propose targets",
        ),
        Stage::TargetsProposed => out.push((
            subject,
            "confirm_targets",
            targets,
            "确认考核指标",
            "confirm your targets",
        )),
        Stage::TargetsConfirmed => each(
            hr,
            "review_targets",
            targets,
            "审核考核指标",
            "review targets",
        ),
        Stage::TargetsReviewed => each(
            committee,
            "approve_targets",
            targets,
            "审批考核指标",
            "approve targets",
        ),
        Stage::Open => out.push((
            subject,
            "self_review",
            d.self_review_due(p, cal),
            "提交工作总结与自评",
            "submit your self-review",
        )),
        Stage::Rating => {
            let due = d.effective_rating_due(state, cal);
            let mut raters: Vec<i64> = state.raters().iter().map(|a| a.rater_id).collect();
            raters.extend(sup.iter().copied());
            raters.sort_unstable();
            raters.dedup();
            let rated = &state.setup().rated_indicators;
            let pending: Vec<i64> = raters
                .into_iter()
                .filter(|r| {
                    !rated.is_empty()
                        && !rated.iter().all(|i| {
                            state
                                .ratings()
                                .iter()
                                .any(|x| x.rater == RaterId::Employee(*r) && &x.indicator == i)
                        })
                })
                .collect();
            each(&pending, "rate", due, "评分", "rate");
            each(
                hr,
                "consolidate",
                d.consolidation_due(p, cal),
                "汇总考核结果",
                "consolidate the result",
            );
        }
        Stage::Consolidated => each(
            committee,
            "approve_result",
            d.committee_due(p, cal),
            "审批考核结果",
            "approve the result",
        ),
        Stage::Published => {
            let due = d.feedback_due(p, cal);
            if state.interview().is_none() {
                each(
                    &sup,
                    "interview",
                    due,
                    "绩效面谈",
                    "hold the feedback interview",
                );
            }
            each(hr, "lock", due, "锁定考核结果", "lock the result");
        }
        Stage::Locked => {}
    }
    out
}

/// Employees linked to an active account of `role`.
pub(crate) async fn people_in_role(tx: &mut Tx, role: &str) -> Result<Vec<i64>> {
    let mut sql = Sql::new(
        "SELECT DISTINCT employee_id FROM users WHERE active = TRUE AND employee_id IS NOT NULL AND role = ",
    );
    sql.bind(role).push(" ORDER BY employee_id");
    let rows: Vec<(i64,)> = tx.fetch_all(&sql).await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Brings the cycle's open inbox items in line with who must act now: items nobody needs any
/// more are marked done, new ones are added (each with an outbox message), and due dates
/// follow deadline extensions.
pub(crate) async fn sync(
    tx: &mut Tx,
    cycle_id: i64,
    state: &CycleState,
    deadlines: &Deadlines,
    cal: &Calendar,
) -> Result<()> {
    let subject = state.setup().subject_id;
    let mut sql = Sql::new("SELECT code, name, supervisor_id FROM employees WHERE id = ");
    sql.bind(subject);
    let people: Vec<(String, String, Option<i64>)> = tx.fetch_all(&sql).await?;
    let Some((code, name, supervisor)) = people.into_iter().next() else {
        return Ok(());
    };
    let hr = people_in_role(tx, "hr").await?;
    let committee = people_in_role(tx, "committee").await?;
    let want = wanted(state, deadlines, cal, supervisor, &hr, &committee);
    let mut open_sql =
        Sql::new("SELECT id, employee_id, kind FROM inbox WHERE done_at IS NULL AND cycle_id = ");
    open_sql.bind(cycle_id);
    let open: Vec<(i64, i64, String)> = tx.fetch_all(&open_sql).await?;
    let now = Utc::now();
    for (id, who, kind) in &open {
        let keep = want.iter().find(|w| w.0 == *who && w.1 == kind);
        let mut sql = Sql::new("UPDATE inbox SET ");
        match keep {
            Some(w) => sql.push("due_on = ").bind(w.2),
            None => sql.push("done_at = ").bind(now),
        };
        sql.push(" WHERE id = ").bind(*id);
        tx.run(&sql).await?;
    }
    let period = state.setup().period;
    let link = format!("/cycle/{period}/{subject}");
    for (who, kind, due, zh, en) in want {
        if open.iter().any(|o| o.1 == who && o.2 == kind) {
            continue;
        }
        let subject_text =
            format!("{zh}：{name}（{code}）{period} / {en}: {name} ({code}) {period}");
        notify(
            tx,
            who,
            kind,
            &subject_text,
            &link,
            Some(due),
            Some(cycle_id),
        )
        .await?;
    }
    Ok(())
}

/// Adds an inbox item and its outbox message.
pub(crate) async fn notify(
    tx: &mut Tx,
    employee: i64,
    kind: &str,
    subject: &str,
    link: &str,
    due: Option<NaiveDate>,
    cycle_id: Option<i64>,
) -> Result<()> {
    let now = Utc::now();
    let mut sql = Sql::new(
        "INSERT INTO inbox (employee_id, kind, subject, link, cycle_id, due_on, created_at) VALUES (",
    );
    sql.bind(employee)
        .push(", ")
        .bind(kind)
        .push(", ")
        .bind(subject)
        .push(", ")
        .bind(link);
    sql.push(", ")
        .bind(cycle_id)
        .push(", ")
        .bind(due)
        .push(", ")
        .bind(now)
        .push(")");
    tx.run(&sql).await?;
    let mut q = Sql::new("SELECT code, email FROM employees WHERE id = ");
    q.bind(employee);
    let rows: Vec<(String, String)> = tx.fetch_all(&q).await?;
    let recipient = match rows.first() {
        Some((_, email)) if !email.trim().is_empty() => email.clone(),
        Some((code, _)) => format!("employee:{code}"),
        None => format!("employee-id:{employee}"),
    };
    let due_text = due.map_or(String::new(), |d| format!("\n截止日期 / due: {d}"));
    let body = format!("{subject}{due_text}\n{link}");
    let mut out = Sql::new(
        "INSERT INTO outbox (channel, recipient, subject, body, created_at) VALUES ('email', ",
    );
    out.bind(recipient)
        .push(", ")
        .bind(subject)
        .push(", ")
        .bind(body)
        .push(", ")
        .bind(now)
        .push(")");
    tx.run(&out).await?;
    Ok(())
}

/// Marks done the open items pointing at `link` (e.g. an appeal once answered).
pub(crate) async fn close_link(tx: &mut Tx, link: &str) -> Result<()> {
    let mut sql = Sql::new("UPDATE inbox SET done_at = ");
    sql.bind(Utc::now())
        .push(" WHERE done_at IS NULL AND link = ")
        .bind(link);
    tx.run(&sql).await?;
    Ok(())
}

impl Store {
    /// The viewer's open inbox items, soonest due first.
    pub async fn inbox(&self, viewer: &Viewer) -> Result<Vec<InboxItem>> {
        let Some(me) = viewer.employee_id else {
            return Ok(Vec::new());
        };
        let mut sql = Sql::new(
            "SELECT id, employee_id, kind, subject, link, cycle_id, due_on, created_at FROM inbox \
             WHERE done_at IS NULL AND employee_id = ",
        );
        sql.bind(me)
            .push(" ORDER BY CASE WHEN due_on IS NULL THEN 1 ELSE 0 END, due_on, id");
        self.fetch_all(&sql).await
    }

    /// How many open inbox items the viewer has (the header's badge).
    pub async fn inbox_count(&self, viewer: &Viewer) -> Result<i64> {
        let Some(me) = viewer.employee_id else {
            return Ok(0);
        };
        let mut sql = Sql::new(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM inbox WHERE done_at IS NULL AND employee_id = ",
        );
        sql.bind(me);
        self.fetch_i64(&sql).await
    }

    /// Outbox messages not sent yet, oldest first.
    pub async fn outbox_pending(&self, limit: i64) -> Result<Vec<OutboxMessage>> {
        let mut sql = Sql::new(
            "SELECT id, channel, recipient, subject, body, created_at FROM outbox WHERE sent_at IS NULL ORDER BY id LIMIT ",
        );
        sql.bind(limit);
        self.fetch_all(&sql).await
    }

    /// Marks an outbox message sent (an integration calls this after delivering it). Returns
    /// whether it was pending.
    pub async fn mark_sent(&self, id: i64) -> Result<bool> {
        let mut sql = Sql::new("UPDATE outbox SET sent_at = ");
        sql.bind(Utc::now())
            .push(" WHERE sent_at IS NULL AND id = ")
            .bind(id);
        Ok(self.execute(&sql).await? == 1)
    }

    /// The overdue steps of a period on `today`, within the viewer's scope.
    pub async fn overdue(
        &self,
        viewer: &Viewer,
        period: Period,
        today: NaiveDate,
    ) -> Result<Vec<OverdueStep>> {
        let mut sql = Sql::new(
            "SELECT c.id, c.employee_id, e.code, e.name, c.scheme_code, c.snapshot FROM cycles c \
             JOIN employees e ON e.id = c.employee_id WHERE c.state <> 'locked' AND c.period = ",
        );
        sql.bind(period.to_string());
        viewer.restrict(&mut sql, "c.employee_id");
        sql.push(" ORDER BY c.employee_id");
        let rows: Vec<(i64, i64, String, String, String, String)> = self.fetch_all(&sql).await?;
        let cal = self.calendar(today).await?;
        let mut out = Vec::new();
        // One read of a scheme's deadlines, not one per person (a board lists everybody's).
        let mut deadlines_of = std::collections::HashMap::new();
        for (cycle_id, employee_id, code, name, scheme, snapshot) in rows {
            let state: CycleState =
                serde_json::from_str(&snapshot).map_err(|e| crate::StoreError::Invalid {
                    field: format!("cycle {cycle_id}"),
                    message: e.to_string(),
                })?;
            let deadlines = match deadlines_of.get(&scheme) {
                Some(d) => d,
                None => {
                    let d = self.deadlines(&scheme).await?;
                    deadlines_of.entry(scheme.clone()).or_insert(d)
                }
            };
            if let Some(o) = overdue(&state, today, deadlines, &cal) {
                out.push(OverdueStep {
                    cycle_id,
                    employee_id,
                    employee_code: code,
                    name,
                    stage: state.stage(),
                    pending: o.pending,
                    due_on: o.due_on,
                    days: o.days,
                });
            }
        }
        Ok(out)
    }
}
