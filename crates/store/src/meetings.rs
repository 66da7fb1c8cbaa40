//! Team meetings in the database (会议, SPEC §3): which teams held their weekly meeting each
//! week, decisions with owners and due dates, and the reminders that make a missed meeting
//! visible to the team's manager and an overdue decision visible to its owner.
//!
//! Reminders are inbox items written by a sweep ([`Store::remind_meetings`], run by
//! `kaohe inbox`, `kaohe meeting remind` and the web inbox): a meeting that was not held
//! raises no event of its own, so something has to look. The sweep is idempotent: one item
//! per missed team-week and per overdue decision, ever; a decision marked done closes its
//! item.

use crate::cycle::reminders::notify;
use crate::sql::Sql;
use crate::{Result, Store, Viewer};
use chrono::{NaiveDate, TimeDelta};
use kaohe_domain::meeting::{self, WeekStatus};
use kaohe_domain::roles::Scope;
use serde::Serialize;

/// One team's week.
#[derive(Debug, Clone, Serialize)]
pub struct TeamWeek {
    pub team_id: i64,
    pub team_code: String,
    pub team_name: String,
    pub leader_id: Option<i64>,
    /// The week's Monday.
    pub week: NaiveDate,
    pub status: WeekStatus,
}

/// A meeting decision as listed.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct DecisionRow {
    pub id: i64,
    pub meeting_id: i64,
    pub team_code: String,
    pub meeting_day: NaiveDate,
    pub text: String,
    pub owner_id: i64,
    pub owner_code: String,
    pub owner_name: String,
    pub due_on: NaiveDate,
    pub done_on: Option<NaiveDate>,
}

/// What a reminder sweep added.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Reminded {
    /// Inbox items for missed weekly meetings.
    pub missed_meetings: u32,
    /// Inbox items for overdue decisions.
    pub overdue_decisions: u32,
}

/// How many weeks back the sweep looks for missed meetings: older misses were either
/// reminded already or predate kaohe.
const SWEEP_WEEKS: i64 = 4;

/// Appends the condition restricting teams aliased `t` to those the viewer may see: their
/// own team for reps and leaders, their departments' teams for managers, all for the rest.
fn restrict_teams(viewer: &Viewer, sql: &mut Sql) {
    match viewer.scope() {
        Scope::All => {}
        Scope::Department => {
            sql.push(" AND t.department_id IN ");
            sql.bind_list(viewer.department_ids.iter().copied());
        }
        Scope::Team | Scope::Own => {
            sql.push(" AND t.id = ").bind(viewer.team_id.unwrap_or(-1));
        }
    }
}

impl Store {
    /// Every team the viewer may see, week by week from the week of `from` to that of `to`:
    /// held, missed, open or not owed, seen on `today`.
    pub async fn meeting_weeks(
        &self,
        viewer: &Viewer,
        from: NaiveDate,
        to: NaiveDate,
        today: NaiveDate,
    ) -> Result<Vec<TeamWeek>> {
        let mut sql = Sql::new("SELECT t.id, t.code, t.name, t.leader_id FROM teams t WHERE 1 = 1");
        restrict_teams(viewer, &mut sql);
        sql.push(" ORDER BY t.code");
        let teams: Vec<(i64, String, String, Option<i64>)> = self.fetch_all(&sql).await?;
        let mut sql =
            Sql::new("SELECT team_id, day FROM meetings WHERE kind = 'weekly' AND day >= ");
        sql.bind(meeting::week_of(from))
            .push(" AND day <= ")
            .bind(to + TimeDelta::days(6));
        let held: Vec<(i64, NaiveDate)> = self.fetch_all(&sql).await?;
        let cal = self.calendar(today).await?;
        let mut out = Vec::new();
        for (id, code, name, leader) in teams {
            let days: Vec<NaiveDate> = held.iter().filter(|h| h.0 == id).map(|h| h.1).collect();
            for (week, status) in meeting::weeks(from, to, &days, &cal, today) {
                out.push(TeamWeek {
                    team_id: id,
                    team_code: code.clone(),
                    team_name: name.clone(),
                    leader_id: leader,
                    week,
                    status,
                });
            }
        }
        Ok(out)
    }

    /// The decisions the viewer may see (their own as owner, their team's, department's or
    /// all by scope), open ones first by due date.
    pub async fn meeting_decisions(
        &self,
        viewer: &Viewer,
        open_only: bool,
    ) -> Result<Vec<DecisionRow>> {
        let mut sql = Sql::new(
            "SELECT d.id, d.meeting_id, t.code AS team_code, m.day AS meeting_day, d.text, d.owner_id, e.code AS owner_code, e.name AS owner_name, d.due_on, d.done_on \
             FROM meeting_decisions d JOIN meetings m ON m.id = d.meeting_id JOIN teams t ON t.id = m.team_id \
             JOIN employees e ON e.id = d.owner_id WHERE 1 = 1",
        );
        if open_only {
            sql.push(" AND d.done_on IS NULL");
        }
        viewer.restrict(&mut sql, "d.owner_id");
        sql.push(" ORDER BY CASE WHEN d.done_on IS NULL THEN 0 ELSE 1 END, d.due_on, d.id");
        self.fetch_all(&sql).await
    }

    /// The reminder sweep on `today` (see the module documentation).
    pub async fn remind_meetings(&self, today: NaiveDate) -> Result<Reminded> {
        let from = meeting::week_of(today) - TimeDelta::days(7 * SWEEP_WEEKS);
        let weeks = self
            .meeting_weeks(&Viewer::system("reminders"), from, today, today)
            .await?;
        let mut tx = self.begin().await?;
        let mut done = Reminded::default();
        for w in weeks.iter().filter(|w| w.status == WeekStatus::Missed) {
            // The team's manager: the leader's supervisor, else the leader.
            let Some(leader) = w.leader_id else { continue };
            let mut sql = Sql::new("SELECT supervisor_id FROM employees WHERE id = ");
            sql.bind(leader);
            let sup: Vec<(Option<i64>,)> = tx.fetch_all(&sql).await?;
            let manager = sup.first().and_then(|s| s.0).unwrap_or(leader);
            let link = format!("/meetings?team={}&week={}", w.team_code, w.week);
            if has_item(&mut tx, manager, &link).await? {
                continue;
            }
            let subject = format!(
                "{}（{}）{} 当周未召开周例会 / team {} ({}) missed its weekly meeting in the week of {}",
                w.team_name, w.team_code, w.week, w.team_name, w.team_code, w.week
            );
            notify(
                &mut tx,
                manager,
                "missed_meeting",
                &subject,
                &link,
                Some(w.week + TimeDelta::days(6)),
                None,
            )
            .await?;
            done.missed_meetings += 1;
        }
        // Done decisions close their items in one statement; only open, overdue ones are
        // looked at one by one (the sweep runs on every inbox view).
        let mut close = Sql::new("UPDATE inbox SET done_at = ");
        close
            .bind(chrono::Utc::now())
            .push(
                " WHERE done_at IS NULL AND kind = 'overdue_decision' AND link IN \
                 (SELECT '/meetings/decisions/' || CAST(id AS TEXT) FROM meeting_decisions WHERE done_on IS NOT NULL)",
            );
        tx.run(&close).await?;
        let mut sql = Sql::new(
            "SELECT id, owner_id, text, due_on FROM meeting_decisions WHERE done_on IS NULL AND due_on < ",
        );
        sql.bind(today);
        let decisions: Vec<(i64, i64, String, NaiveDate)> = tx.fetch_all(&sql).await?;
        for (id, owner, text, due_on) in decisions {
            let link = format!("/meetings/decisions/{id}");
            if has_item(&mut tx, owner, &link).await? {
                continue;
            }
            let subject = format!("会议决定逾期未完成：{text} / overdue meeting decision: {text}");
            notify(
                &mut tx,
                owner,
                "overdue_decision",
                &subject,
                &link,
                Some(due_on),
                None,
            )
            .await?;
            done.overdue_decisions += 1;
        }
        tx.commit().await?;
        Ok(done)
    }
}

/// Whether `employee` ever had an inbox item pointing at `link`.
async fn has_item(tx: &mut crate::Tx, employee: i64, link: &str) -> Result<bool> {
    let mut sql = Sql::new("SELECT id FROM inbox WHERE employee_id = ");
    sql.bind(employee).push(" AND link = ").bind(link);
    let rows: Vec<(i64,)> = tx.fetch_all(&sql).await?;
    Ok(!rows.is_empty())
}
