//! Probation conversion (转正, SPEC §2 employment status and §6 "other cycles"): at the end of a
//! new hire's probation (试用期) the rule recommends converting them to regular staff (转正),
//! extending the probation once (延长试用) or not converting them (不予转正), from their monthly
//! scorecards during the probation and their training assessments; a manager or HR confirms
//! the recommendation or overrides it with a reason.
//!
//! The seeds name the conversion assessment (销售人员转正考核方案, seed 004 ch. 21.1.1) but give
//! no figures, so these defaults ([`Policy::default`], all settings) are ours:
//!
//! - **Length**: 3 months from the hiring day; the probation's last day is the day before the
//!   same date three months on (hired 2026-01-15 → last day 2026-04-14).
//! - **Due**: a recommendation is made from the probation's last day on; before it the figures
//!   so far are shown and nothing is recommended.
//! - **Scores**: the mean of the current monthly scorecard totals of the months the probation
//!   overlaps (up to its last day) must reach the pass mark, 60 — the lower bound of the 合格
//!   grade (SPEC §5): exactly 60 converts.
//! - **Training**: every course the person was enrolled in (has a result for one of its
//!   sessions) counts by its latest result: below the course's own pass mark is failed, absent
//!   is missed; both block conversion. A result without a score yet blocks nothing.
//! - **Extension**: once, by 3 months (3 + 3 = 6, the legal maximum probation in the PRC Labour
//!   Contract Law art. 19), counted from the original last day. A shortfall — scores under the
//!   mark, a failed or missed course, or no scorecard at all — recommends the extension while
//!   none was granted, and not converting once it was. After an extension with still no
//!   scorecard nothing is recommended: the months must be evaluated first.
//! - **Deciding**: HR or a sales manager, never the person themselves. Deciding otherwise
//!   than recommended (including before the probation is due, e.g. 提前转正) needs a reason.

#![warn(missing_docs)]
use crate::cycle::{Actor, Refusal, RefusalKind};
use crate::org::EmployeeId;
use crate::period::{Period, PeriodKind};
use crate::roles::Role;
use crate::training;
use chrono::{Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The probation rule's settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Policy {
    /// Probation length in months (setting `probation_months`, default 3).
    pub months: u32,
    /// How far the one extension reaches, in months (setting `probation_extension_months`,
    /// default 3).
    pub extension_months: u32,
    /// The mean monthly score needed (setting `probation_pass_mark`, default 60).
    pub pass_mark: f64,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            months: 3,
            extension_months: 3,
            pass_mark: 60.0,
        }
    }
}

/// What the rule recommends or a decider decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// 转正: becomes regular staff.
    Convert,
    /// 延长试用: the probation is extended (once).
    Extend,
    /// 不予转正: not converted (HR carries out what follows).
    Reject,
}

impl Verdict {
    /// Every verdict.
    pub const ALL: [Verdict; 3] = [Verdict::Convert, Verdict::Extend, Verdict::Reject];

    /// Stable name (`convert`, `extend`, `reject`).
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Convert => "convert",
            Verdict::Extend => "extend",
            Verdict::Reject => "reject",
        }
    }

    /// From the stable name.
    pub fn parse(text: &str) -> Option<Verdict> {
        Verdict::ALL.into_iter().find(|v| v.as_str() == text.trim())
    }

    /// Chinese name.
    pub fn name_zh(self) -> &'static str {
        match self {
            Verdict::Convert => "转正",
            Verdict::Extend => "延长试用",
            Verdict::Reject => "不予转正",
        }
    }

    /// English name.
    pub fn name_en(self) -> &'static str {
        match self {
            Verdict::Convert => "convert to regular",
            Verdict::Extend => "extend the probation",
            Verdict::Reject => "do not convert",
        }
    }
}

/// A month's current scorecard total.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MonthScore {
    /// The month.
    pub period: Period,
    /// The scorecard total, 0–100 (or up to a cap).
    pub total: f64,
}

/// One training result of a course the person was enrolled in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CourseResult {
    /// The course's title.
    pub course: String,
    /// The session's day.
    pub held_on: NaiveDate,
    /// Whether they attended.
    pub attended: bool,
    /// The exam or practical score, when given.
    pub score: Option<f64>,
    /// The course's pass mark.
    pub pass_mark: f64,
}

/// What the rule is given about one person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Case {
    /// The person.
    pub employee_id: EmployeeId,
    /// The hiring day.
    pub hired_on: NaiveDate,
    /// The last day of the extended probation, when an extension was granted.
    pub extended_until: Option<NaiveDate>,
    /// Monthly scorecard totals (any months; the rule picks the probation's).
    pub scores: Vec<MonthScore>,
    /// Training results (any; the latest per course counts).
    pub courses: Vec<CourseResult>,
}

/// The rule's answer for one person on one day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    /// The person.
    pub employee_id: EmployeeId,
    /// The hiring day.
    pub hired_on: NaiveDate,
    /// The probation's last day (the extension's when one was granted).
    pub ends_on: NaiveDate,
    /// Whether the one extension was granted.
    pub extended: bool,
    /// Whether the probation has reached its last day.
    pub due: bool,
    /// The monthly scores counted.
    pub months: Vec<MonthScore>,
    /// Their mean.
    pub mean: Option<f64>,
    /// Courses whose latest result passed.
    pub courses_passed: Vec<String>,
    /// Courses whose latest result failed or was missed.
    pub courses_failed: Vec<String>,
    /// The recommendation (`None`: not due yet, or nothing to go on).
    pub recommendation: Option<Verdict>,
    /// Why, in Chinese.
    pub basis_zh: String,
    /// Why, in English.
    pub basis_en: String,
}

/// What a decision does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// Regular staff from `on`.
    Converted {
        /// The conversion day.
        on: NaiveDate,
    },
    /// The probation now ends on `until`.
    Extended {
        /// The new last day.
        until: NaiveDate,
    },
    /// Not converted, decided on `on`.
    NotConverted {
        /// The decision day.
        on: NaiveDate,
    },
}

impl Policy {
    /// Whether the settings make sense: at least a month, at most six months in all, a pass
    /// mark between 0 and 100.
    pub fn problems(&self) -> Option<String> {
        if self.months == 0 {
            Some("probation_months must be at least 1".into())
        } else if self.months + self.extension_months > 6 {
            Some("probation_months + probation_extension_months must not exceed 6".into())
        } else if !(0.0..=100.0).contains(&self.pass_mark) {
            Some("probation_pass_mark must be between 0 and 100".into())
        } else {
            None
        }
    }

    fn last_day(hired_on: NaiveDate, months: u32) -> NaiveDate {
        hired_on
            .checked_add_months(Months::new(months))
            .and_then(|d| d.checked_sub_days(Days::new(1)))
            .unwrap_or(hired_on)
    }

    /// The probation's last day without an extension.
    pub fn ends_on(&self, hired_on: NaiveDate) -> NaiveDate {
        Self::last_day(hired_on, self.months)
    }

    /// The last day of the extended probation.
    pub fn extended_until(&self, hired_on: NaiveDate) -> NaiveDate {
        Self::last_day(hired_on, self.months + self.extension_months)
    }

    /// Assesses one person on `today` (see the module documentation).
    pub fn assess(&self, case: &Case, today: NaiveDate) -> Assessment {
        let ends_on = case
            .extended_until
            .unwrap_or_else(|| self.ends_on(case.hired_on));
        let extended = case.extended_until.is_some();
        let due = today >= ends_on;
        let mut months: Vec<MonthScore> = case
            .scores
            .iter()
            .filter(|m| {
                m.period.kind() == PeriodKind::Month
                    && m.period.end() >= case.hired_on
                    && m.period.start() <= ends_on
                    && m.total.is_finite()
            })
            .copied()
            .collect();
        months.sort_by_key(|m| m.period);
        months.dedup_by_key(|m| m.period);
        let totals: Vec<f64> = months.iter().map(|m| m.total).collect();
        let mean = training::mean(&totals);

        // The latest result per course decides (a retake replaces a failure).
        let mut latest: BTreeMap<&str, &CourseResult> = BTreeMap::new();
        for r in &case.courses {
            if latest
                .get(r.course.as_str())
                .is_none_or(|l| l.held_on <= r.held_on)
            {
                latest.insert(r.course.as_str(), r);
            }
        }
        let (mut courses_passed, mut courses_failed) = (Vec::new(), Vec::new());
        let (mut train_zh, mut train_en) = (Vec::new(), Vec::new());
        for r in latest.values() {
            match (r.attended, r.score) {
                (false, _) => {
                    courses_failed.push(r.course.clone());
                    train_zh.push(format!("{} 缺考", r.course));
                    train_en.push(format!("{} missed", r.course));
                }
                (true, Some(s)) if training::passed(s, r.pass_mark) => {
                    courses_passed.push(r.course.clone());
                    train_zh.push(format!("{} {s} 分（合格 {}）通过", r.course, r.pass_mark));
                    train_en.push(format!(
                        "{} {s} (pass mark {}) passed",
                        r.course, r.pass_mark
                    ));
                }
                (true, Some(s)) => {
                    courses_failed.push(r.course.clone());
                    train_zh.push(format!("{} {s} 分（合格 {}）未通过", r.course, r.pass_mark));
                    train_en.push(format!(
                        "{} {s} (pass mark {}) failed",
                        r.course, r.pass_mark
                    ));
                }
                (true, None) => {
                    train_zh.push(format!("{} 待评分", r.course));
                    train_en.push(format!("{} not scored yet", r.course));
                }
            }
        }

        let mut zh = vec![if extended {
            format!("入职 {}，延长试用至 {ends_on}", case.hired_on)
        } else {
            format!("入职 {}，试用期至 {ends_on}", case.hired_on)
        }];
        let mut en = vec![if extended {
            format!("hired {}, probation extended to {ends_on}", case.hired_on)
        } else {
            format!("hired {}, probation until {ends_on}", case.hired_on)
        }];
        let list = |sep: &str| {
            months
                .iter()
                .map(|m| format!("{} {:.2}", m.period, m.total))
                .collect::<Vec<_>>()
                .join(sep)
        };
        match mean {
            Some(avg) => {
                zh.push(format!(
                    "月度得分 {}，平均 {avg:.2}（合格线 {}）",
                    list("、"),
                    self.pass_mark
                ));
                en.push(format!(
                    "monthly scores {}, mean {avg:.2} (pass mark {})",
                    list(", "),
                    self.pass_mark
                ));
            }
            None => {
                zh.push("试用期内尚无考核结果".into());
                en.push("no scorecard during the probation yet".into());
            }
        }
        if train_zh.is_empty() {
            zh.push("培训：暂无".into());
            en.push("training: none".into());
        } else {
            zh.push(format!("培训：{}", train_zh.join("、")));
            en.push(format!("training: {}", train_en.join(", ")));
        }

        let short = mean.is_none_or(|m| m < self.pass_mark) || !courses_failed.is_empty();
        let recommendation = if !due {
            zh.push("尚未到期".into());
            en.push("not due yet".into());
            None
        } else if !short {
            Some(Verdict::Convert)
        } else if !extended {
            Some(Verdict::Extend)
        } else if mean.is_none() {
            zh.push("延长期满仍无考核结果，请先完成月度考核".into());
            en.push("the extension ended without a scorecard: evaluate the months first".into());
            None
        } else {
            Some(Verdict::Reject)
        };
        if let Some(v) = recommendation {
            zh.push(format!("建议{}", v.name_zh()));
            en.push(format!("recommended: {}", v.name_en()));
        }
        Assessment {
            employee_id: case.employee_id,
            hired_on: case.hired_on,
            ends_on,
            extended,
            due,
            months,
            mean,
            courses_passed,
            courses_failed,
            recommendation,
            basis_zh: zh.join("；"),
            basis_en: en.join("; "),
        }
    }

    /// A manager or HR decides on an assessment: confirms its recommendation, or decides
    /// otherwise with a reason. The extension is granted once only.
    pub fn decide(
        &self,
        assessment: &Assessment,
        decision: Verdict,
        reason: &str,
        actor: &Actor,
        today: NaiveDate,
    ) -> Result<Outcome, Refusal> {
        if actor.is_subject || !matches!(actor.role, Role::Hr | Role::Manager) {
            return Err(Refusal::new(
                RefusalKind::WrongRole,
                "只有人力资源部或销售主管/经理可以决定转正",
                "only HR or a sales supervisor or manager decides on probation conversion",
            ));
        }
        if decision == Verdict::Extend && assessment.extended {
            return Err(Refusal::new(
                RefusalKind::Duplicate,
                "试用期只能延长一次",
                "the probation is extended once only",
            ));
        }
        if assessment.recommendation != Some(decision) && reason.trim().is_empty() {
            let (zh, en) = match assessment.recommendation {
                Some(r) => (
                    format!(
                        "建议为「{}」，决定「{}」须填写理由",
                        r.name_zh(),
                        decision.name_zh()
                    ),
                    format!(
                        "the recommendation is to {}; deciding to {} needs a reason",
                        r.name_en(),
                        decision.name_en()
                    ),
                ),
                None => (
                    format!(
                        "尚无建议（{}），决定「{}」须填写理由",
                        assessment.basis_zh,
                        decision.name_zh()
                    ),
                    format!(
                        "there is no recommendation ({}); deciding to {} needs a reason",
                        assessment.basis_en,
                        decision.name_en()
                    ),
                ),
            };
            return Err(Refusal::new(RefusalKind::Invalid, zh, en));
        }
        Ok(match decision {
            Verdict::Convert => Outcome::Converted { on: today },
            Verdict::Extend => Outcome::Extended {
                until: self.extended_until(assessment.hired_on),
            },
            Verdict::Reject => Outcome::NotConverted { on: today },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }
    fn score(p: &str, total: f64) -> MonthScore {
        MonthScore {
            period: Period::parse(p).unwrap(),
            total,
        }
    }
    fn course(title: &str, held_on: NaiveDate, attended: bool, score: Option<f64>) -> CourseResult {
        CourseResult {
            course: title.into(),
            held_on,
            attended,
            score,
            pass_mark: 60.0,
        }
    }
    /// Hired 2026-01-15: the probation's last day is 2026-04-14.
    fn case(scores: Vec<MonthScore>, courses: Vec<CourseResult>) -> Case {
        Case {
            employee_id: 1,
            hired_on: d(2026, 1, 15),
            extended_until: None,
            scores,
            courses,
        }
    }
    fn good() -> Vec<MonthScore> {
        vec![
            score("2026-01", 70.0),
            score("2026-02", 80.0),
            score("2026-03", 75.0),
        ]
    }
    fn manager() -> Actor {
        Actor {
            role: Role::Manager,
            employee_id: 2,
            is_subject: false,
            is_superior_of_subject: true,
        }
    }
    fn rec(c: &Case, today: NaiveDate) -> Option<Verdict> {
        Policy::default().assess(c, today).recommendation
    }

    #[test]
    fn the_probation_ends_the_day_before_the_same_date_three_months_on() {
        let p = Policy::default();
        assert_eq!(p.ends_on(d(2026, 1, 15)), d(2026, 4, 14));
        assert_eq!(p.ends_on(d(2026, 1, 1)), d(2026, 3, 31));
        // Month ends clamp: hired on 30 November, the probation ends on 27 February.
        assert_eq!(p.ends_on(d(2025, 11, 30)), d(2026, 2, 27));
        assert_eq!(p.extended_until(d(2026, 1, 15)), d(2026, 7, 14));
        assert!(p.problems().is_none());
        let too_long = Policy {
            months: 4,
            ..Policy::default()
        };
        assert!(too_long.problems().unwrap().contains("exceed 6"));
    }

    #[test]
    fn nothing_is_recommended_before_the_last_day_and_conversion_on_it() {
        let c = case(good(), vec![]);
        let before = Policy::default().assess(&c, d(2026, 4, 13));
        assert_eq!((before.due, before.recommendation), (false, None));
        assert!(before.basis_zh.contains("尚未到期"), "{}", before.basis_zh);
        assert_eq!(rec(&c, d(2026, 4, 14)), Some(Verdict::Convert));
        assert_eq!(rec(&c, d(2026, 6, 1)), Some(Verdict::Convert));
    }

    #[test]
    fn a_mean_exactly_at_the_pass_mark_converts_and_just_below_extends() {
        let at = case(vec![score("2026-01", 50.0), score("2026-02", 70.0)], vec![]);
        let a = Policy::default().assess(&at, d(2026, 4, 14));
        assert_eq!(a.mean, Some(60.0));
        assert_eq!(a.recommendation, Some(Verdict::Convert));
        assert!(
            a.basis_zh.contains("平均 60.00（合格线 60）"),
            "{}",
            a.basis_zh
        );
        assert!(
            a.basis_en.contains("recommended: convert"),
            "{}",
            a.basis_en
        );
        let below = case(
            vec![score("2026-01", 50.0), score("2026-02", 69.98)],
            vec![],
        );
        assert_eq!(rec(&below, d(2026, 4, 14)), Some(Verdict::Extend));
    }

    #[test]
    fn only_the_months_the_probation_overlaps_count() {
        // December (before hiring), May (after the last day) and a quarter are ignored.
        let c = case(
            vec![
                score("2025-12", 0.0),
                score("2026-04", 60.0),
                score("2026-05", 0.0),
                score("2026-Q1", 0.0),
            ],
            vec![],
        );
        let a = Policy::default().assess(&c, d(2026, 6, 1));
        assert_eq!(a.months.len(), 1);
        assert_eq!(a.recommendation, Some(Verdict::Convert));
    }

    #[test]
    fn no_scorecards_yet_extend_and_after_the_extension_nothing_is_recommended() {
        let c = case(vec![], vec![]);
        let a = Policy::default().assess(&c, d(2026, 4, 14));
        assert_eq!(a.recommendation, Some(Verdict::Extend));
        assert!(a.basis_en.contains("no scorecard"), "{}", a.basis_en);
        let extended = Case {
            extended_until: Some(d(2026, 7, 14)),
            ..c
        };
        let a = Policy::default().assess(&extended, d(2026, 7, 14));
        assert_eq!(a.recommendation, None);
        assert!(
            a.basis_en.contains("evaluate the months first"),
            "{}",
            a.basis_en
        );
    }

    #[test]
    fn a_failed_or_missed_exam_extends_and_a_passed_retake_converts() {
        let failed = vec![course("产品知识", d(2026, 2, 10), true, Some(59.5))];
        let a = Policy::default().assess(&case(good(), failed.clone()), d(2026, 4, 14));
        assert_eq!(a.recommendation, Some(Verdict::Extend));
        assert_eq!(a.courses_failed, ["产品知识"]);
        assert!(
            a.basis_zh.contains("产品知识 59.5 分（合格 60）未通过"),
            "{}",
            a.basis_zh
        );
        let missed = vec![course("销售技巧", d(2026, 2, 10), false, None)];
        assert_eq!(
            rec(&case(good(), missed), d(2026, 4, 14)),
            Some(Verdict::Extend)
        );
        // Exactly the course's pass mark passes; a retake replaces the failure.
        let mut retaken = failed;
        retaken.push(course("产品知识", d(2026, 3, 10), true, Some(60.0)));
        let a = Policy::default().assess(&case(good(), retaken), d(2026, 4, 14));
        assert_eq!(a.recommendation, Some(Verdict::Convert));
        assert_eq!(a.courses_passed, ["产品知识"]);
        // Attended but not scored yet blocks nothing.
        let pending = vec![course("礼仪", d(2026, 4, 1), true, None)];
        assert_eq!(
            rec(&case(good(), pending), d(2026, 4, 14)),
            Some(Verdict::Convert)
        );
    }

    #[test]
    fn a_shortfall_after_the_extension_recommends_not_converting() {
        let c = Case {
            extended_until: Some(d(2026, 7, 14)),
            ..case(vec![score("2026-02", 40.0), score("2026-06", 50.0)], vec![])
        };
        let a = Policy::default().assess(&c, d(2026, 7, 13));
        assert_eq!((a.due, a.recommendation), (false, None));
        let a = Policy::default().assess(&c, d(2026, 7, 14));
        assert_eq!(a.months.len(), 2);
        assert_eq!(a.recommendation, Some(Verdict::Reject));
        assert!(
            a.basis_zh.contains("延长试用至 2026-07-14"),
            "{}",
            a.basis_zh
        );
    }

    #[test]
    fn a_decision_confirms_or_overrides_with_a_reason_and_extends_once() {
        let p = Policy::default();
        let today = d(2026, 4, 15);
        let a = p.assess(&case(good(), vec![]), today);
        assert_eq!(
            p.decide(&a, Verdict::Convert, "", &manager(), today),
            Ok(Outcome::Converted { on: today })
        );
        let e = p
            .decide(&a, Verdict::Extend, " ", &manager(), today)
            .unwrap_err();
        assert_eq!(e.kind, RefusalKind::Invalid);
        assert!(e.en.contains("needs a reason"), "{}", e.en);
        assert_eq!(
            p.decide(&a, Verdict::Extend, "客户投诉待查", &manager(), today),
            Ok(Outcome::Extended {
                until: d(2026, 7, 14)
            })
        );
        // Early conversion (提前转正) is an override: it needs a reason.
        let early = p.assess(&case(good(), vec![]), d(2026, 3, 1));
        assert!(
            p.decide(&early, Verdict::Convert, "", &manager(), d(2026, 3, 1))
                .is_err()
        );
        assert!(
            p.decide(
                &early,
                Verdict::Convert,
                "业绩突出，提前转正",
                &manager(),
                d(2026, 3, 1)
            )
            .is_ok()
        );
        // Once extended, never again.
        let extended = Case {
            extended_until: Some(d(2026, 7, 14)),
            ..case(vec![score("2026-02", 40.0)], vec![])
        };
        let a = p.assess(&extended, d(2026, 7, 14));
        let e = p
            .decide(
                &a,
                Verdict::Extend,
                "再给一次机会",
                &manager(),
                d(2026, 7, 14),
            )
            .unwrap_err();
        assert_eq!(e.kind, RefusalKind::Duplicate);
        assert_eq!(
            p.decide(&a, Verdict::Reject, "", &manager(), d(2026, 7, 14)),
            Ok(Outcome::NotConverted { on: d(2026, 7, 14) })
        );
    }

    #[test]
    fn only_hr_or_a_manager_decides_and_never_about_themselves() {
        let p = Policy::default();
        let a = p.assess(&case(good(), vec![]), d(2026, 4, 15));
        for role in [Role::Rep, Role::TeamLeader, Role::Finance, Role::Committee] {
            let actor = Actor { role, ..manager() };
            let e = p
                .decide(&a, Verdict::Convert, "", &actor, d(2026, 4, 15))
                .unwrap_err();
            assert_eq!(e.kind, RefusalKind::WrongRole, "{role:?}");
        }
        let hr = Actor {
            role: Role::Hr,
            is_superior_of_subject: false,
            ..manager()
        };
        assert!(
            p.decide(&a, Verdict::Convert, "", &hr, d(2026, 4, 15))
                .is_ok()
        );
        let me = Actor {
            role: Role::Hr,
            is_subject: true,
            ..manager()
        };
        assert!(
            p.decide(&a, Verdict::Convert, "", &me, d(2026, 4, 15))
                .is_err()
        );
    }

    #[test]
    fn verdicts_round_trip_their_names() {
        for v in Verdict::ALL {
            assert_eq!(Verdict::parse(v.as_str()), Some(v));
        }
        assert_eq!(Verdict::parse("maybe"), None);
    }
}
