//! Training (培训, SPEC §3 and the seeds' 培训需求分析 / 培训计划 / 培训内容 / 培训方式 /
//! 培训效果评估): needs, the annual plan, sessions, the post-training assessment and its effect.
//!
//! Decisions:
//! - A result passes when its score reaches the course's pass mark (合格分数).
//! - A course may name the rated indicator it concerns (e.g. `product_knowledge`). The exam
//!   score of the latest session of such a course held in the assessed period or the three
//!   months before it **pre-fills** that indicator for the raters; a rater who gives another
//!   value must say why, so the training record and the rating never disagree silently.
//! - An improvement-plan item that names a rated indicator (by code or by its Chinese or
//!   English name) becomes a training need of the person, source `improvement_plan`.
//! - The effect of a course (培训效果评估) is the mean of the trainees' indicator scores in the
//!   months after the session minus the mean in the months before (three each by default).

use crate::cycle::{Refusal, RefusalKind};
use crate::period::Period;
use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// How many months before a period a session may pre-fill its ratings, and how many months
/// before and after a session its effect is measured over.
pub const WINDOW_MONTHS: u32 = 3;

/// Whether `score` passes a course with `pass_mark`.
pub fn passed(score: f64, pass_mark: f64) -> bool {
    score >= pass_mark
}

/// One scored result of a person, with what the store knows about its course.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoredResult {
    /// The course's title.
    pub course: String,
    /// The rated indicator the course concerns (empty: none).
    pub indicator: String,
    /// The session's day.
    pub held_on: NaiveDate,
    /// The exam or practical score, 0–100.
    pub score: f64,
    /// The course's pass mark.
    pub pass_mark: f64,
}

impl ScoredResult {
    /// Whether it passed.
    pub fn passed(&self) -> bool {
        passed(self.score, self.pass_mark)
    }
}

/// A value proposed to the raters of an indicator, with where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prefill {
    /// Indicator code.
    pub indicator: String,
    /// The proposed value (the exam score).
    pub value: f64,
    /// The course it came from.
    pub course: String,
    /// The session's day.
    pub held_on: NaiveDate,
    /// Whether the result passed.
    pub passed: bool,
}

/// The pre-filled value of `indicator` for `period`: the latest scored result of a course
/// concerning it, held in the period or the [`WINDOW_MONTHS`] months before.
pub fn prefill(period: Period, indicator: &str, results: &[ScoredResult]) -> Option<Prefill> {
    let from = period
        .start()
        .checked_sub_months(Months::new(WINDOW_MONTHS))
        .unwrap_or(period.start());
    results
        .iter()
        .filter(|r| r.indicator == indicator && r.held_on >= from && r.held_on <= period.end())
        .max_by_key(|r| r.held_on)
        .map(|r| Prefill {
            indicator: indicator.to_string(),
            value: r.score,
            course: r.course.clone(),
            held_on: r.held_on,
            passed: r.passed(),
        })
}

/// A rating that departs from the pre-filled training score needs a reason (调整理由).
pub fn check_adjustment(
    prefill: Option<&Prefill>,
    value: f64,
    comment: &str,
) -> Result<(), Refusal> {
    match prefill {
        Some(p) if (p.value - value).abs() > 1e-9 && comment.trim().is_empty() => {
            Err(Refusal::new(
                RefusalKind::Invalid,
                format!(
                    "培训考核成绩（{}，{}）预填为 {}，调整为 {} 须填写理由",
                    p.course, p.held_on, p.value, value
                ),
                format!(
                    "the training score ({}, {}) pre-fills {}; rating {} instead needs a reason (comment)",
                    p.course, p.held_on, p.value, value
                ),
            ))
        }
        _ => Ok(()),
    }
}

/// The rated indicator an improvement-plan item names, if any, among `(code, zh, en)`.
pub fn indicator_named<'a>(
    item: &str,
    indicators: &'a [(String, String, String)],
) -> Option<&'a str> {
    let lower = item.to_lowercase();
    indicators
        .iter()
        .find(|(code, zh, en)| {
            (!zh.is_empty() && item.contains(zh.as_str()))
                || (!en.is_empty() && lower.contains(&en.to_lowercase()))
                || (!code.is_empty() && lower.contains(&code.to_lowercase()))
        })
        .map(|(code, _, _)| code.as_str())
}

/// Plan against what happened, for one course.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CourseReport {
    /// Course id.
    pub course_id: i64,
    /// Title.
    pub title: String,
    /// internal / external / online.
    pub method: String,
    /// The planned day.
    pub planned_on: Option<NaiveDate>,
    /// Sessions held.
    pub sessions: u32,
    /// People invited (a result row).
    pub invited: u32,
    /// People who attended.
    pub attended: u32,
    /// Attendees with a score.
    pub scored: u32,
    /// Scores at or above the pass mark.
    pub passed: u32,
    /// Mean indicator score of the trainees before the session (`None`: no data).
    pub before: Option<f64>,
    /// Mean indicator score after.
    pub after: Option<f64>,
    /// The indicator the change is measured on (empty: the scorecard total).
    pub indicator: String,
    /// Each attendee with stored scorecards on both sides, the values behind `before` and
    /// `after`.
    pub trainees: Vec<TraineeChange>,
}

/// One attendee's indicator before and after a session of a course: the means over the
/// [`WINDOW_MONTHS`] months each side of the months with a current scorecard.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TraineeChange {
    /// The person.
    pub employee_id: i64,
    /// Their 工号.
    pub code: String,
    /// Their name.
    pub name: String,
    /// The session's day.
    pub held_on: Option<NaiveDate>,
    /// Mean indicator score (0–100) before.
    pub before: f64,
    /// Mean indicator score after.
    pub after: f64,
    /// Mean indicator value (the measured figure, e.g. a percentage or a rating) before.
    pub before_value: Option<f64>,
    /// Mean indicator value after.
    pub after_value: Option<f64>,
}

impl CourseReport {
    /// Whether the course was held at all (plan vs done).
    pub fn done(&self) -> bool {
        self.sessions > 0
    }

    /// Attended / invited, in percent.
    pub fn attendance_pct(&self) -> Option<f64> {
        pct(self.attended, self.invited)
    }

    /// Passed / scored, in percent.
    pub fn pass_rate_pct(&self) -> Option<f64> {
        pct(self.passed, self.scored)
    }

    /// After minus before.
    pub fn change(&self) -> Option<f64> {
        Some(self.after? - self.before?)
    }
}

fn pct(n: u32, d: u32) -> Option<f64> {
    (d > 0).then(|| f64::from(n) * 100.0 / f64::from(d))
}

/// The months before and after a session day over which its effect is measured.
pub fn effect_windows(held_on: NaiveDate) -> (Vec<Period>, Vec<Period>) {
    let month = Period::month_of(held_on);
    let mut before = Vec::new();
    let mut after = Vec::new();
    let (mut b, mut a) = (month, month);
    for _ in 0..WINDOW_MONTHS {
        b = b.prev();
        a = a.next();
        before.push(b);
        after.push(a);
    }
    (before, after)
}

/// The mean of some values (`None` when there are none).
pub fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn r(indicator: &str, held_on: NaiveDate, score: f64) -> ScoredResult {
        ScoredResult {
            course: "产品知识".into(),
            indicator: indicator.into(),
            held_on,
            score,
            pass_mark: 60.0,
        }
    }

    #[test]
    fn the_pass_mark_itself_passes() {
        assert!(passed(60.0, 60.0));
        assert!(!passed(59.5, 60.0));
    }

    #[test]
    fn the_latest_score_of_the_period_or_the_three_months_before_prefills() {
        let p = Period::parse("2026-10").unwrap();
        let results = [
            r("product_knowledge", d(2026, 6, 30), 99.0),
            r("product_knowledge", d(2026, 7, 9), 70.0),
            r("product_knowledge", d(2026, 9, 10), 82.5),
            r("initiative", d(2026, 10, 1), 50.0),
            r("product_knowledge", d(2026, 11, 1), 10.0),
        ];
        let f = prefill(p, "product_knowledge", &results).unwrap();
        assert_eq!((f.value, f.held_on, f.passed), (82.5, d(2026, 9, 10), true));
        assert!(prefill(p, "business_expansion", &results).is_none());
        let only_old = [r("product_knowledge", d(2026, 6, 30), 99.0)];
        assert!(prefill(p, "product_knowledge", &only_old).is_none());
    }

    #[test]
    fn a_rating_other_than_the_prefill_needs_a_reason() {
        let f = Prefill {
            indicator: "product_knowledge".into(),
            value: 82.5,
            course: "产品知识".into(),
            held_on: d(2026, 9, 10),
            passed: true,
        };
        assert!(check_adjustment(Some(&f), 82.5, "").is_ok());
        let refused = check_adjustment(Some(&f), 90.0, " ").unwrap_err();
        assert!(refused.en.contains("needs a reason"), "{}", refused.en);
        assert!(check_adjustment(Some(&f), 90.0, "客户现场表现突出").is_ok());
        assert!(check_adjustment(None, 90.0, "").is_ok());
    }

    #[test]
    fn an_improvement_item_naming_a_rated_indicator_is_a_training_need() {
        let rated = vec![
            (
                "product_knowledge".to_string(),
                "产品知识".to_string(),
                "Product knowledge".to_string(),
            ),
            (
                "initiative".to_string(),
                "工作主动性".to_string(),
                "Initiative".to_string(),
            ),
        ];
        assert_eq!(
            indicator_named("加强产品知识学习", &rated),
            Some("product_knowledge")
        );
        assert_eq!(
            indicator_named("improve product knowledge", &rated),
            Some("product_knowledge")
        );
        assert_eq!(indicator_named("按时提交周报", &rated), None);
    }

    #[test]
    fn the_effect_is_measured_over_three_months_each_side() {
        let (b, a) = effect_windows(d(2026, 1, 15));
        let s = |v: &[Period]| v.iter().map(|p| p.to_string()).collect::<Vec<_>>();
        assert_eq!(s(&b), ["2025-12", "2025-11", "2025-10"]);
        assert_eq!(s(&a), ["2026-02", "2026-03", "2026-04"]);
        let rep = CourseReport {
            invited: 4,
            attended: 3,
            scored: 3,
            passed: 2,
            before: Some(70.0),
            after: Some(75.5),
            ..CourseReport::default()
        };
        assert_eq!(rep.attendance_pct(), Some(75.0));
        assert!((rep.pass_rate_pct().unwrap() - 66.666).abs() < 0.01);
        assert_eq!(rep.change(), Some(5.5));
        assert_eq!(mean(&[]), None);
    }
}
