//! Team meetings (会议, SPEC §3): the seeds require every team to hold at least one weekly
//! meeting (周例会) a week; decisions taken there have an owner and a due date.
//!
//! A week is Monday to Sunday. A week owes a meeting only when it has a working day (a whole
//! week of national holiday owes none) and only once it is over, so the current week is never
//! reported missed before its Sunday.

use crate::calendar::Calendar;
use crate::records::MeetingDecision;
use chrono::{Datelike, NaiveDate, TimeDelta};
use serde::{Deserialize, Serialize};

/// The Monday of `day`'s week.
pub fn week_of(day: NaiveDate) -> NaiveDate {
    day - TimeDelta::days(i64::from(day.weekday().num_days_from_monday()))
}

/// What became of one team's week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WeekStatus {
    /// At least one weekly meeting was held.
    Held,
    /// The week is over, had working days, and no weekly meeting was held (未召开周例会).
    Missed,
    /// The week is not over yet and nothing was held so far.
    Open,
    /// No working day that week: no meeting owed.
    NotOwed,
}

impl WeekStatus {
    /// The status's code.
    pub fn as_str(self) -> &'static str {
        match self {
            WeekStatus::Held => "held",
            WeekStatus::Missed => "missed",
            WeekStatus::Open => "open",
            WeekStatus::NotOwed => "not_owed",
        }
    }
}

/// The status of every week from the week of `from` to the week of `to`, given the days on
/// which the team held weekly meetings, seen on `today`.
pub fn weeks(
    from: NaiveDate,
    to: NaiveDate,
    weekly_meeting_days: &[NaiveDate],
    cal: &Calendar,
    today: NaiveDate,
) -> Vec<(NaiveDate, WeekStatus)> {
    let mut out = Vec::new();
    let mut monday = week_of(from);
    while monday <= to {
        let sunday = monday + TimeDelta::days(6);
        let held = weekly_meeting_days
            .iter()
            .any(|d| *d >= monday && *d <= sunday);
        let owed = (0..7).any(|i| cal.is_working_day(monday + TimeDelta::days(i)));
        let status = if held {
            WeekStatus::Held
        } else if !owed {
            WeekStatus::NotOwed
        } else if sunday < today {
            WeekStatus::Missed
        } else {
            WeekStatus::Open
        };
        out.push((monday, status));
        monday += TimeDelta::days(7);
    }
    out
}

/// Whether a decision is overdue on `today`: not done and past its due date.
pub fn is_overdue(d: &MeetingDecision, today: NaiveDate) -> bool {
    d.done_on.is_none() && d.due_on < today
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::DayKind;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap()
    }

    #[test]
    fn a_week_without_a_weekly_meeting_is_missed_once_it_is_over() {
        let cal = Calendar::default();
        // Mondays: 2026-10-12, 10-19, 10-26.
        let w = weeks(d(10, 12), d(10, 28), &[d(10, 13)], &cal, d(10, 28));
        assert_eq!(
            w,
            vec![
                (d(10, 12), WeekStatus::Held),
                (d(10, 19), WeekStatus::Missed),
                (d(10, 26), WeekStatus::Open),
            ]
        );
    }

    #[test]
    fn a_week_of_holidays_owes_no_meeting() {
        let cal = Calendar::new((1..=7).map(|i| (d(10, i), DayKind::Holiday)));
        // 2026-09-28 is a Monday; 10-05 .. 10-11 has 10-05..10-07 as holidays only.
        let w = weeks(d(9, 28), d(10, 4), &[], &cal, d(11, 1));
        assert_eq!(w[0], (d(9, 28), WeekStatus::Missed), "Mon–Wed are working");
        let cal = Calendar::new((0..7).map(|i| (d(10, 5) + TimeDelta::days(i), DayKind::Holiday)));
        let w = weeks(d(10, 5), d(10, 5), &[], &cal, d(11, 1));
        assert_eq!(w, vec![(d(10, 5), WeekStatus::NotOwed)]);
    }

    #[test]
    fn a_decision_is_overdue_the_day_after_it_was_due() {
        let mut dec = MeetingDecision {
            id: 1,
            meeting_id: 1,
            text: "整理客户名单".into(),
            owner_id: 3,
            due_on: d(10, 20),
            done_on: None,
        };
        assert!(!is_overdue(&dec, d(10, 20)));
        assert!(is_overdue(&dec, d(10, 21)));
        dec.done_on = Some(d(10, 22));
        assert!(!is_overdue(&dec, d(10, 23)));
    }
}
