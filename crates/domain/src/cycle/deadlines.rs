//! The cycle's deadlines, counted in working days of the company calendar, and how late a
//! cycle is for dashboards (逾期提醒).

use super::{CycleState, Stage};
use crate::calendar::Calendar;
use crate::period::Period;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// When each step is due, as "working day N" of a period. Configurable per scheme (the
/// storage keeps one per scheme code); [`Deadlines::default`] is SPEC §6.
///
/// Working day N of a period is the N-th day on or after its first day that the calendar
/// counts as working (weekends and holidays skipped, 调休 make-up days counted), so a month
/// starting with the National Day holiday pushes the self-review back accordingly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Deadlines {
    /// Targets agreed by working day N **of the period itself** (default 5): the seeds set
    /// targets "before the period"; a few days' grace covers the month's first week.
    pub targets_working_day: u32,
    /// Self-review by working day N of the next period (default 3).
    pub self_review_working_day: u32,
    /// Ratings from working day N of the next period (default 4). Informational: a rater may
    /// rate as soon as the cycle is in rating, earlier is never harmful.
    pub rating_from_working_day: u32,
    /// Ratings by working day N of the next period (default 6).
    pub rating_working_day: u32,
    /// HR consolidation by working day N of the next period (default 8).
    pub consolidation_working_day: u32,
    /// Committee approval by working day N of the next period (default 10).
    pub committee_working_day: u32,
    /// Feedback interview (and plan) recorded by working day N of the next period (default 15).
    pub feedback_working_day: u32,
}

impl Default for Deadlines {
    fn default() -> Self {
        Deadlines {
            targets_working_day: 5,
            self_review_working_day: 3,
            rating_from_working_day: 4,
            rating_working_day: 6,
            consolidation_working_day: 8,
            committee_working_day: 10,
            feedback_working_day: 15,
        }
    }
}

/// The N-th working day on or after `start` (N ≥ 1; 0 is read as 1).
pub(crate) fn nth_working_day(cal: &Calendar, start: NaiveDate, n: u32) -> NaiveDate {
    let before = start
        .pred_opt()
        .expect("periods start long after the beginning of time");
    cal.add_working_days(before, n.max(1))
}

impl Deadlines {
    /// Last day for agreeing the targets of `period`.
    pub fn targets_due(&self, period: Period, cal: &Calendar) -> NaiveDate {
        nth_working_day(cal, period.start(), self.targets_working_day)
    }

    /// Last day for the self-review of `period`.
    pub fn self_review_due(&self, period: Period, cal: &Calendar) -> NaiveDate {
        nth_working_day(cal, period.end_exclusive(), self.self_review_working_day)
    }

    /// First day of the rating window of `period` (informational).
    pub fn rating_from(&self, period: Period, cal: &Calendar) -> NaiveDate {
        nth_working_day(cal, period.end_exclusive(), self.rating_from_working_day)
    }

    /// Last day for ratings of `period` (before any HR extension).
    pub fn rating_due(&self, period: Period, cal: &Calendar) -> NaiveDate {
        nth_working_day(cal, period.end_exclusive(), self.rating_working_day)
    }

    /// Last day for HR's consolidation.
    pub fn consolidation_due(&self, period: Period, cal: &Calendar) -> NaiveDate {
        nth_working_day(cal, period.end_exclusive(), self.consolidation_working_day)
    }

    /// Last day for the committee's approval.
    pub fn committee_due(&self, period: Period, cal: &Calendar) -> NaiveDate {
        nth_working_day(cal, period.end_exclusive(), self.committee_working_day)
    }

    /// Last day for the feedback interview and improvement plan.
    pub fn feedback_due(&self, period: Period, cal: &Calendar) -> NaiveDate {
        nth_working_day(cal, period.end_exclusive(), self.feedback_working_day)
    }

    /// The effective last day for ratings of a cycle: HR's extension when later.
    pub fn effective_rating_due(&self, state: &CycleState, cal: &Calendar) -> NaiveDate {
        let due = self.rating_due(state.setup().period, cal);
        state.rating_extended_until().map_or(due, |x| x.max(due))
    }

    /// What the cycle is waiting for and by when; `None` when it waits for nothing (locked).
    ///
    /// In rating, the cycle waits for the ratings until every assigned rater has rated every
    /// rated indicator, then for HR's consolidation.
    pub fn pending(&self, state: &CycleState, cal: &Calendar) -> Option<(Pending, NaiveDate)> {
        let p = state.setup().period;
        Some(match state.stage() {
            Stage::Drafting
            | Stage::TargetsProposed
            | Stage::TargetsReturned
            | Stage::TargetsConfirmed
            | Stage::TargetsReviewed => (Pending::Targets, self.targets_due(p, cal)),
            Stage::Open => (Pending::SelfReview, self.self_review_due(p, cal)),
            Stage::Rating if !super::raters::ratings_complete(state) => {
                (Pending::Ratings, self.effective_rating_due(state, cal))
            }
            Stage::Rating => (Pending::Consolidation, self.consolidation_due(p, cal)),
            Stage::Consolidated => (Pending::Approval, self.committee_due(p, cal)),
            Stage::Published => (Pending::Feedback, self.feedback_due(p, cal)),
            Stage::Locked => return None,
        })
    }
}

/// What a cycle is waiting for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pending {
    /// Targets to be agreed.
    Targets,
    /// The self-review.
    SelfReview,
    /// Ratings.
    Ratings,
    /// HR's consolidation.
    Consolidation,
    /// The committee's approval.
    Approval,
    /// The feedback interview, improvement plan and locking.
    Feedback,
}

impl Pending {
    /// Chinese name.
    pub fn name_zh(self) -> &'static str {
        match self {
            Pending::Targets => "设定考核指标",
            Pending::SelfReview => "提交自评",
            Pending::Ratings => "评分",
            Pending::Consolidation => "人力资源汇总",
            Pending::Approval => "考核领导小组审批",
            Pending::Feedback => "绩效面谈与锁定",
        }
    }

    /// English name.
    pub fn name_en(self) -> &'static str {
        match self {
            Pending::Targets => "agree targets",
            Pending::SelfReview => "submit the self-review",
            Pending::Ratings => "ratings",
            Pending::Consolidation => "HR consolidation",
            Pending::Approval => "committee approval",
            Pending::Feedback => "feedback interview and locking",
        }
    }
}

/// An overdue step, for dashboards and reminders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overdue {
    /// What is overdue.
    pub pending: Pending,
    /// Its last day.
    pub due_on: NaiveDate,
    /// Calendar days past the last day (≥ 1).
    pub days: i64,
}

/// How late the cycle is on `today`: `None` when nothing is overdue. Days are calendar days
/// after the last day (the day itself is still on time), because reminders speak in days.
pub fn overdue(
    state: &CycleState,
    today: NaiveDate,
    deadlines: &Deadlines,
    cal: &Calendar,
) -> Option<Overdue> {
    let (pending, due_on) = deadlines.pending(state, cal)?;
    let days = (today - due_on).num_days();
    (days > 0).then_some(Overdue {
        pending,
        due_on,
        days,
    })
}
