//! Appeals (申诉, SPEC §6; seed 004 第16–19条).
//!
//! ```text
//! filed ─HR accepts→ accepted ─HR investigates and proposes→ proposed ─committee→ upheld | dismissed
//!   └─HR rejects (reason required)→ rejected
//! ```
//!
//! Decisions:
//! - The employee files within [`AppealRules::window_days`] **calendar** days after the
//!   result is published (default 7; the publication day is day 0, the last day is included).
//!   Calendar days because the employee counts from the notice, and a week is a week.
//! - HR answers (accepts or rejects) within [`AppealRules::hr_working_days`] **working** days
//!   after filing (default 3, seed 第17条): weekends and holidays skipped, 调休 make-up days
//!   counted; see [`hr_due`]. A late answer is still accepted (the appeal must not die of HR's
//!   delay) and recorded as late; dashboards show it overdue until then.
//! - A rejection needs a reason (the seed: no objective factual basis, 无客观事实依据).
//! - An upheld appeal yields a [`ResultCorrection`]: the only value that can change a
//!   published or locked result ([`CycleState::apply_correction`]), because nothing outside
//!   this module can construct one.
//! - One appeal concerns one result version; the storage layer keeps at most one open appeal
//!   per cycle.

#![warn(missing_docs)]
use crate::calendar::Calendar;
use crate::cycle::{Actor, AssessmentResult, CycleState, Refusal, RefusalKind, Stage};
use crate::money::Cents;
use crate::org::EmployeeId;
use crate::period::Period;
use crate::roles::Role;
use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

/// The configurable appeal rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AppealRules {
    /// Calendar days after publication within which an appeal may be filed (7).
    pub window_days: u32,
    /// Working days HR has to accept or reject (3).
    pub hr_working_days: u32,
}

impl Default for AppealRules {
    fn default() -> Self {
        AppealRules {
            window_days: 7,
            hr_working_days: 3,
        }
    }
}

impl AppealRules {
    /// The last day an appeal against a result published on `published_on` may be filed.
    pub fn last_filing_day(&self, published_on: NaiveDate) -> NaiveDate {
        published_on + Duration::days(i64::from(self.window_days))
    }

    /// The last day for HR's answer to an appeal filed on `filed_on`.
    pub fn hr_due(&self, filed_on: NaiveDate, cal: &Calendar) -> NaiveDate {
        cal.add_working_days(filed_on, self.hr_working_days)
    }
}

/// The last day for HR's answer with the default 3 working days: the third working day after
/// the filing day (the filing day itself never counts, even when it is a working day).
pub fn hr_due(filed_on: NaiveDate, cal: &Calendar) -> NaiveDate {
    AppealRules::default().hr_due(filed_on, cal)
}

/// Where an appeal stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppealStage {
    /// Filed; HR accepts or rejects.
    Filed,
    /// HR refused it (受理被拒).
    Rejected,
    /// HR accepted it and investigates (受理).
    Accepted,
    /// HR investigated and proposed; the committee rules.
    Proposed,
    /// The committee upheld it: the result was corrected.
    Upheld,
    /// The committee dismissed it.
    Dismissed,
}

impl AppealStage {
    /// Chinese name.
    pub fn name_zh(self) -> &'static str {
        match self {
            AppealStage::Filed => "待受理",
            AppealStage::Rejected => "不予受理",
            AppealStage::Accepted => "已受理，调查中",
            AppealStage::Proposed => "待考核领导小组裁决",
            AppealStage::Upheld => "申诉成立",
            AppealStage::Dismissed => "申诉不成立",
        }
    }

    /// English name.
    pub fn name_en(self) -> &'static str {
        match self {
            AppealStage::Filed => "filed",
            AppealStage::Rejected => "rejected",
            AppealStage::Accepted => "accepted, under investigation",
            AppealStage::Proposed => "awaiting the committee's ruling",
            AppealStage::Upheld => "upheld",
            AppealStage::Dismissed => "dismissed",
        }
    }
}

/// Compensation for a loss caused by an incorrect assessment (seed 第19条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Compensation {
    /// Money, in cents (0 when the compensation is not money).
    pub amount: Cents,
    /// What it is.
    pub description: String,
}

/// HR's investigation and proposal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Investigation {
    /// What HR found.
    pub notes: String,
    /// What HR proposes.
    pub proposal: String,
    /// When.
    pub on: NaiveDate,
}

/// The committee's decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Ruling {
    /// The appeal is upheld: the corrected result and any compensation.
    Upheld {
        /// The corrected result.
        result: AssessmentResult,
        /// Compensation, if any.
        compensation: Option<Compensation>,
        /// The basis of the ruling.
        reason: String,
    },
    /// The appeal is dismissed.
    Dismissed {
        /// The basis of the ruling.
        reason: String,
    },
}

/// An appeal against one result version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Appeal {
    /// Id (from storage).
    pub id: i64,
    /// The appellant (the subject of the cycle).
    pub subject_id: EmployeeId,
    /// The period.
    pub period: Period,
    /// The result version appealed against.
    pub against_version: u32,
    /// When it was filed.
    pub filed_on: NaiveDate,
    /// Why (申诉理由).
    pub reason: String,
    /// Evidence (references to files or records).
    pub evidence: Vec<String>,
    /// Where it stands.
    pub stage: AppealStage,
    /// HR's last day to answer.
    pub hr_due: NaiveDate,
    /// When HR answered.
    pub hr_answered_on: Option<NaiveDate>,
    /// HR answered after `hr_due`.
    pub hr_late: bool,
    /// Why HR rejected it.
    pub rejection_reason: Option<String>,
    /// HR's investigation.
    pub investigation: Option<Investigation>,
    /// The committee's ruling and its day.
    pub ruling: Option<(Ruling, NaiveDate)>,
}

/// A corrected result made by an upheld appeal. Only [`Appeal::rule`] constructs one; the old
/// version stays in the cycle and the new one is added by [`CycleState::apply_correction`].
///
/// Its fields are private, so no other code can make one:
///
/// ```compile_fail
/// use kaohe_domain::appeal::ResultCorrection;
/// let forged = ResultCorrection { appeal_id: 1 };
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResultCorrection {
    appeal_id: i64,
    subject_id: EmployeeId,
    period: Period,
    from_version: u32,
    result: AssessmentResult,
    compensation: Option<Compensation>,
    decided_on: NaiveDate,
}

impl ResultCorrection {
    /// The appeal that made it.
    pub fn appeal_id(&self) -> i64 {
        self.appeal_id
    }
    /// The person.
    pub fn subject_id(&self) -> EmployeeId {
        self.subject_id
    }
    /// The period.
    pub fn period(&self) -> Period {
        self.period
    }
    /// The version it corrects.
    pub fn from_version(&self) -> u32 {
        self.from_version
    }
    /// The corrected result.
    pub fn result(&self) -> &AssessmentResult {
        &self.result
    }
    /// Compensation for the loss, to be paid by HR / finance.
    pub fn compensation(&self) -> Option<&Compensation> {
        self.compensation.as_ref()
    }
    /// When the committee ruled.
    pub fn decided_on(&self) -> NaiveDate {
        self.decided_on
    }
}

fn wrong_stage(appeal: &Appeal, zh: &str, en: &str) -> Refusal {
    Refusal::new(
        RefusalKind::WrongState,
        format!("申诉当前为「{}」，不能{zh}", appeal.stage.name_zh()),
        format!("the appeal is {}; cannot {en}", appeal.stage.name_en()),
    )
}

fn only(role: Role, actor: &Actor, zh: &str, en: &str) -> Result<(), Refusal> {
    if actor.role == role && !actor.is_subject {
        Ok(())
    } else {
        let (who_zh, who_en) = match role {
            Role::Hr => ("人力资源部", "HR"),
            _ => ("考核领导小组", "the assessment committee"),
        };
        Err(Refusal::new(
            RefusalKind::WrongRole,
            format!("只有{who_zh}可以{zh}"),
            format!("only {who_en} may {en}"),
        ))
    }
}

fn non_empty(text: &str, zh: &str, en: &str) -> Result<(), Refusal> {
    if text.trim().is_empty() {
        Err(Refusal::empty(zh, en))
    } else {
        Ok(())
    }
}

impl Appeal {
    /// The subject files an appeal against the current result of `cycle`.
    #[allow(clippy::too_many_arguments)]
    pub fn file(
        id: i64,
        cycle: &CycleState,
        actor: &Actor,
        reason: String,
        evidence: Vec<String>,
        today: NaiveDate,
        rules: &AppealRules,
        cal: &Calendar,
    ) -> Result<Appeal, Refusal> {
        if !actor.is_subject {
            return Err(Refusal::new(
                RefusalKind::WrongRole,
                "只有被考核者本人可以申诉",
                "only the person assessed may appeal",
            ));
        }
        let (Some(published), Some(current)) = (cycle.published_on(), cycle.current_result())
        else {
            return Err(Refusal::new(
                RefusalKind::WrongState,
                "考核结果尚未公布，不能申诉",
                "the result is not published yet",
            ));
        };
        if !matches!(cycle.stage(), Stage::Published | Stage::Locked) {
            return Err(Refusal::new(
                RefusalKind::WrongState,
                "考核结果尚未公布，不能申诉",
                "the result is not published yet",
            ));
        }
        let last = rules.last_filing_day(published);
        if today > last {
            return Err(Refusal::new(
                RefusalKind::PastDeadline,
                format!(
                    "申诉期限为公布后 {} 天，已于 {last} 截止",
                    rules.window_days
                ),
                format!(
                    "appeals close {} days after publication; the last day was {last}",
                    rules.window_days
                ),
            ));
        }
        non_empty(&reason, "申诉理由", "the reason")?;
        Ok(Appeal {
            id,
            subject_id: cycle.setup().subject_id,
            period: cycle.setup().period,
            against_version: current.version,
            filed_on: today,
            reason,
            evidence,
            stage: AppealStage::Filed,
            hr_due: rules.hr_due(today, cal),
            hr_answered_on: None,
            hr_late: false,
            rejection_reason: None,
            investigation: None,
            ruling: None,
        })
    }

    /// Calendar days HR's answer is overdue on `today`; `None` when answered or not yet due.
    pub fn hr_overdue(&self, today: NaiveDate) -> Option<i64> {
        let days = (today - self.hr_due).num_days();
        (self.stage == AppealStage::Filed && days > 0).then_some(days)
    }

    fn answer(
        &self,
        actor: &Actor,
        today: NaiveDate,
        zh: &str,
        en: &str,
    ) -> Result<Appeal, Refusal> {
        only(Role::Hr, actor, zh, en)?;
        if self.stage != AppealStage::Filed {
            return Err(wrong_stage(self, zh, en));
        }
        let mut next = self.clone();
        next.hr_answered_on = Some(today);
        next.hr_late = today > self.hr_due;
        Ok(next)
    }

    /// HR accepts the appeal (受理).
    pub fn accept(&self, actor: &Actor, today: NaiveDate) -> Result<Appeal, Refusal> {
        let mut next = self.answer(actor, today, "受理申诉", "accept the appeal")?;
        next.stage = AppealStage::Accepted;
        Ok(next)
    }

    /// HR rejects the appeal; the reason is required.
    pub fn reject(
        &self,
        actor: &Actor,
        reason: String,
        today: NaiveDate,
    ) -> Result<Appeal, Refusal> {
        let mut next = self.answer(actor, today, "不予受理", "reject the appeal")?;
        non_empty(&reason, "不予受理的理由", "the reason for rejecting")?;
        next.stage = AppealStage::Rejected;
        next.rejection_reason = Some(reason);
        Ok(next)
    }

    /// HR records the investigation and proposal; the appeal goes to the committee.
    pub fn investigate(
        &self,
        actor: &Actor,
        notes: String,
        proposal: String,
        today: NaiveDate,
    ) -> Result<Appeal, Refusal> {
        only(Role::Hr, actor, "提交调查结果", "record the investigation")?;
        if self.stage != AppealStage::Accepted {
            return Err(wrong_stage(
                self,
                "提交调查结果",
                "record the investigation",
            ));
        }
        non_empty(&notes, "调查记录", "the investigation notes")?;
        non_empty(&proposal, "处理建议", "the proposal")?;
        let mut next = self.clone();
        next.investigation = Some(Investigation {
            notes,
            proposal,
            on: today,
        });
        next.stage = AppealStage::Proposed;
        Ok(next)
    }

    /// The committee rules. Upheld → the correction to apply to `cycle` (a new result version)
    /// and the compensation; dismissed → nothing changes.
    pub fn rule(
        &self,
        actor: &Actor,
        ruling: Ruling,
        cycle: &CycleState,
        today: NaiveDate,
    ) -> Result<(Appeal, Option<ResultCorrection>), Refusal> {
        only(Role::Committee, actor, "裁决申诉", "rule on the appeal")?;
        if self.stage != AppealStage::Proposed {
            return Err(wrong_stage(self, "裁决申诉", "rule on the appeal"));
        }
        let (Ruling::Upheld { reason, .. } | Ruling::Dismissed { reason }) = &ruling;
        non_empty(reason, "裁决理由", "the basis of the ruling")?;
        let mut next = self.clone();
        let correction = match &ruling {
            Ruling::Upheld {
                result,
                compensation,
                ..
            } => {
                if cycle.setup().subject_id != self.subject_id
                    || cycle.setup().period != self.period
                {
                    return Err(Refusal::new(
                        RefusalKind::Invalid,
                        "申诉与此考核不符",
                        "the appeal belongs to another cycle",
                    ));
                }
                if cycle.current_result().map(|r| r.version) != Some(self.against_version) {
                    return Err(Refusal::new(
                        RefusalKind::WrongState,
                        "申诉针对的结果版本已被更正",
                        "the result version appealed against has been corrected since",
                    ));
                }
                if !result.score.is_finite() || result.score < 0.0 {
                    return Err(Refusal::new(
                        RefusalKind::Invalid,
                        "更正后的得分不是有效数字",
                        "the corrected score is not a valid number",
                    ));
                }
                next.stage = AppealStage::Upheld;
                Some(ResultCorrection {
                    appeal_id: self.id,
                    subject_id: self.subject_id,
                    period: self.period,
                    from_version: self.against_version,
                    result: result.clone(),
                    compensation: compensation.clone(),
                    decided_on: today,
                })
            }
            Ruling::Dismissed { .. } => {
                next.stage = AppealStage::Dismissed;
                None
            }
        };
        next.ruling = Some((ruling, today));
        Ok((next, correction))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::DayKind;
    use crate::cycle::{Action, CycleSetup, Deadlines, ResultLine, VersionSource, apply};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn who(role: Role, id: EmployeeId) -> Actor {
        Actor {
            role,
            employee_id: id,
            is_subject: id == 1,
            is_superior_of_subject: id == 2,
        }
    }

    fn result(score: f64, grade: &str) -> AssessmentResult {
        AssessmentResult {
            score,
            grade: grade.into(),
            coefficient: 1.0,
            lines: vec![ResultLine {
                indicator: "x".into(),
                score: Some(score),
            }],
        }
    }

    /// A cycle for 2026-10 published on Nov 12.
    fn published() -> CycleState {
        let cal = Calendar::default();
        let mut s = CycleState::new(CycleSetup::new(1, Period::parse("2026-10").unwrap(), "s"));
        let steps = [
            (
                Action::ProposeTargets {
                    targets: vec![crate::cycle::Target {
                        indicator: "x".into(),
                        value: None,
                    }],
                    basis: String::new(),
                },
                who(Role::Manager, 2),
                d(2026, 9, 28),
            ),
            (Action::ConfirmTargets, who(Role::Rep, 1), d(2026, 9, 28)),
            (Action::ApproveTargetsHr, who(Role::Hr, 3), d(2026, 9, 28)),
            (
                Action::ApproveTargetsCommittee,
                who(Role::Committee, 4),
                d(2026, 9, 28),
            ),
            (
                Action::SubmitSelfReview {
                    work_report: "r".into(),
                    self_evaluation: "e".into(),
                },
                who(Role::Rep, 1),
                d(2026, 11, 2),
            ),
            (
                Action::Consolidate {
                    result: result(58.0, "fail"),
                },
                who(Role::Hr, 3),
                d(2026, 11, 10),
            ),
            (
                Action::ApproveResult,
                who(Role::Committee, 4),
                d(2026, 11, 12),
            ),
        ];
        for (a, actor, on) in steps {
            s = apply(&s, a, &actor, on, &Deadlines::default(), &cal)
                .unwrap()
                .state;
        }
        assert_eq!(s.stage(), Stage::Published);
        s
    }

    /// The published cycle, with its interview and plan, locked on Nov 16.
    fn locked() -> CycleState {
        let cal = Calendar::default();
        let mut s = published();
        let steps = [
            (
                Action::RecordInterview {
                    strengths: vec![],
                    shortfalls: vec![],
                    employee_comments: "不同意".into(),
                },
                who(Role::Manager, 2),
                d(2026, 11, 13),
            ),
            (
                Action::SetImprovementPlan {
                    items: vec![crate::cycle::PlanItemInput {
                        item: "i".into(),
                        owner_id: 1,
                        due_on: d(2026, 12, 31),
                    }],
                },
                who(Role::Manager, 2),
                d(2026, 11, 13),
            ),
            (Action::Lock, who(Role::Hr, 3), d(2026, 11, 16)),
        ];
        for (a, actor, on) in steps {
            s = apply(&s, a, &actor, on, &Deadlines::default(), &cal)
                .unwrap()
                .state;
        }
        assert_eq!(s.stage(), Stage::Locked);
        s
    }

    fn filed(on: NaiveDate) -> Result<Appeal, Refusal> {
        Appeal::file(
            9,
            &locked(),
            &who(Role::Rep, 1),
            "客户投诉已被证实无效".into(),
            vec!["complaint#17".into()],
            on,
            &AppealRules::default(),
            &Calendar::default(),
        )
    }

    // ---- working days ----------------------------------------------------------------------

    #[test]
    fn hr_has_three_working_days_skipping_the_weekend() {
        let cal = Calendar::default();
        // Filed Friday → Mon, Tue, Wed.
        assert_eq!(hr_due(d(2026, 11, 20), &cal), d(2026, 11, 25));
        // Filed on a Saturday: the weekend does not count, the filing day never does.
        assert_eq!(hr_due(d(2026, 11, 21), &cal), d(2026, 11, 25));
        // Filed Monday → Thursday.
        assert_eq!(hr_due(d(2026, 11, 23), &cal), d(2026, 11, 26));
    }

    #[test]
    fn a_holiday_spanning_a_weekend_is_skipped() {
        // Christmas Friday and the following Monday configured as holidays around the weekend.
        let cal = Calendar::new([
            (d(2026, 12, 25), DayKind::Holiday),
            (d(2026, 12, 28), DayKind::Holiday),
        ]);
        assert_eq!(hr_due(d(2026, 12, 24), &cal), d(2026, 12, 31));
    }

    #[test]
    fn a_make_up_working_day_counts_towards_hrs_three_days() {
        // National Day 2026: Oct 1–7 off, Saturday Oct 10 worked (调休).
        let mut days: Vec<_> = (1..=7)
            .map(|n| (d(2026, 10, n), DayKind::Holiday))
            .collect();
        days.push((d(2026, 10, 10), DayKind::Workday));
        let cal = Calendar::new(days);
        assert_eq!(hr_due(d(2026, 9, 30), &cal), d(2026, 10, 10));
        assert_eq!(hr_due(d(2026, 9, 29), &cal), d(2026, 10, 9));
        // Without the make-up day the third working day would be Monday Oct 12.
        let no_make_up = Calendar::new((1..=7).map(|n| (d(2026, 10, n), DayKind::Holiday)));
        assert_eq!(hr_due(d(2026, 9, 30), &no_make_up), d(2026, 10, 12));
    }

    // ---- filing ------------------------------------------------------------------------------

    #[test]
    fn an_appeal_is_filed_within_seven_calendar_days_of_publication() {
        // Published Nov 12: Nov 19 is the last day.
        let a = filed(d(2026, 11, 19)).unwrap();
        assert_eq!((a.stage, a.against_version), (AppealStage::Filed, 1));
        assert_eq!(a.hr_due, d(2026, 11, 24));
        let late = filed(d(2026, 11, 20)).unwrap_err();
        assert_eq!(late.kind, RefusalKind::PastDeadline);
        assert!(late.zh.contains("2026-11-19"), "{}", late.zh);
    }

    #[test]
    fn only_the_subject_appeals_and_only_a_published_result() {
        let cycle = locked();
        let rules = AppealRules::default();
        let cal = Calendar::default();
        let r = Appeal::file(
            9,
            &cycle,
            &who(Role::Manager, 2),
            "x".into(),
            vec![],
            d(2026, 11, 13),
            &rules,
            &cal,
        );
        assert_eq!(r.unwrap_err().kind, RefusalKind::WrongRole);
        let fresh = CycleState::new(CycleSetup::new(1, Period::parse("2026-10").unwrap(), "s"));
        let r = Appeal::file(
            9,
            &fresh,
            &who(Role::Rep, 1),
            "x".into(),
            vec![],
            d(2026, 11, 13),
            &rules,
            &cal,
        );
        assert_eq!(r.unwrap_err().kind, RefusalKind::WrongState);
        let r = Appeal::file(
            9,
            &cycle,
            &who(Role::Rep, 1),
            " ".into(),
            vec![],
            d(2026, 11, 13),
            &rules,
            &cal,
        );
        assert_eq!(r.unwrap_err().kind, RefusalKind::Invalid);
    }

    // ---- HR's answer -------------------------------------------------------------------------

    #[test]
    fn a_rejection_without_a_reason_is_refused() {
        let a = filed(d(2026, 11, 13)).unwrap();
        let hr = who(Role::Hr, 3);
        assert_eq!(
            a.reject(&hr, "  ".into(), d(2026, 11, 16))
                .unwrap_err()
                .kind,
            RefusalKind::Invalid
        );
        let r = a
            .reject(&hr, "无客观事实依据".into(), d(2026, 11, 16))
            .unwrap();
        assert_eq!(r.stage, AppealStage::Rejected);
        assert_eq!(r.rejection_reason.as_deref(), Some("无客观事实依据"));
        assert!(!r.hr_late);
        // Rejected is final.
        assert_eq!(
            r.accept(&hr, d(2026, 11, 16)).unwrap_err().kind,
            RefusalKind::WrongState
        );
    }

    #[test]
    fn a_late_hr_answer_is_accepted_and_recorded_late() {
        // Filed Friday Nov 13, due Wednesday Nov 18.
        let a = filed(d(2026, 11, 13)).unwrap();
        assert_eq!(a.hr_due, d(2026, 11, 18));
        assert_eq!(a.hr_overdue(d(2026, 11, 18)), None);
        assert_eq!(a.hr_overdue(d(2026, 11, 20)), Some(2));
        let accepted = a.accept(&who(Role::Hr, 3), d(2026, 11, 20)).unwrap();
        assert!(accepted.hr_late);
        assert_eq!(accepted.hr_overdue(d(2026, 11, 30)), None);
    }

    #[test]
    fn only_hr_answers_and_only_the_committee_rules() {
        let a = filed(d(2026, 11, 13)).unwrap();
        let r = a
            .accept(&who(Role::Committee, 4), d(2026, 11, 16))
            .unwrap_err();
        assert_eq!(r.kind, RefusalKind::WrongRole);
        let a = a.accept(&who(Role::Hr, 3), d(2026, 11, 16)).unwrap();
        let a = a
            .investigate(
                &who(Role::Hr, 3),
                "投诉无效".into(),
                "更正为 72 分".into(),
                d(2026, 11, 18),
            )
            .unwrap();
        let ruling = Ruling::Dismissed { reason: "r".into() };
        let r = a
            .rule(&who(Role::Hr, 3), ruling, &locked(), d(2026, 11, 20))
            .unwrap_err();
        assert_eq!(r.kind, RefusalKind::WrongRole);
    }

    // ---- ruling ------------------------------------------------------------------------------

    fn proposed() -> Appeal {
        let hr = who(Role::Hr, 3);
        filed(d(2026, 11, 13))
            .unwrap()
            .accept(&hr, d(2026, 11, 16))
            .unwrap()
            .investigate(
                &hr,
                "投诉经核实无效".into(),
                "扣分撤销，更正为 72 分".into(),
                d(2026, 11, 18),
            )
            .unwrap()
    }

    #[test]
    fn an_upheld_appeal_adds_a_result_version_and_keeps_the_old_one() {
        let cycle = locked();
        let upheld = Ruling::Upheld {
            result: result(72.0, "pass"),
            compensation: Some(Compensation {
                amount: Cents::yuan(300),
                description: "补发绩效奖金".into(),
            }),
            reason: "投诉无效".into(),
        };
        let (appeal, correction) = proposed()
            .rule(&who(Role::Committee, 4), upheld, &cycle, d(2026, 11, 20))
            .unwrap();
        assert_eq!(appeal.stage, AppealStage::Upheld);
        let correction = correction.unwrap();
        assert_eq!(correction.compensation().unwrap().amount, Cents(30_000));
        let corrected = cycle.apply_correction(&correction).unwrap();
        assert_eq!(corrected.stage(), Stage::Locked);
        assert_eq!(corrected.results().len(), 2);
        assert_eq!(corrected.results()[0], cycle.results()[0]);
        let v2 = corrected.current_result().unwrap();
        assert_eq!((v2.version, v2.result.score), (2, 72.0));
        assert_eq!(v2.source, VersionSource::Appeal { appeal_id: 9 });
        // The same correction cannot be applied twice.
        assert_eq!(
            corrected.apply_correction(&correction).unwrap_err().kind,
            RefusalKind::WrongState
        );
    }

    #[test]
    fn a_dismissed_appeal_changes_nothing() {
        let cycle = locked();
        let ruling = Ruling::Dismissed {
            reason: "评分有据".into(),
        };
        let (appeal, correction) = proposed()
            .rule(&who(Role::Committee, 4), ruling, &cycle, d(2026, 11, 20))
            .unwrap();
        assert_eq!(appeal.stage, AppealStage::Dismissed);
        assert!(correction.is_none());
        let no_reason = Ruling::Dismissed {
            reason: String::new(),
        };
        assert_eq!(
            proposed()
                .rule(&who(Role::Committee, 4), no_reason, &cycle, d(2026, 11, 20))
                .unwrap_err()
                .kind,
            RefusalKind::Invalid
        );
    }

    #[test]
    fn a_correction_for_another_cycle_is_refused() {
        let cycle = locked();
        let upheld = Ruling::Upheld {
            result: result(72.0, "pass"),
            compensation: None,
            reason: "r".into(),
        };
        let (_, correction) = proposed()
            .rule(&who(Role::Committee, 4), upheld, &cycle, d(2026, 11, 20))
            .unwrap();
        let other = CycleState::new(CycleSetup::new(8, Period::parse("2026-10").unwrap(), "s"));
        assert_eq!(
            other
                .apply_correction(&correction.unwrap())
                .unwrap_err()
                .kind,
            RefusalKind::Invalid
        );
    }

    #[test]
    fn an_appeal_against_a_published_result_before_locking_is_corrected_the_same_way() {
        let cal = Calendar::default();
        let s = published();
        assert_eq!(s.stage(), Stage::Published);
        let hr = who(Role::Hr, 3);
        let appeal = Appeal::file(
            5,
            &s,
            &who(Role::Rep, 1),
            "r".into(),
            vec![],
            d(2026, 11, 12),
            &AppealRules::default(),
            &cal,
        )
        .unwrap()
        .accept(&hr, d(2026, 11, 13))
        .unwrap()
        .investigate(&hr, "n".into(), "p".into(), d(2026, 11, 13))
        .unwrap();
        let upheld = Ruling::Upheld {
            result: result(61.0, "pass"),
            compensation: None,
            reason: "r".into(),
        };
        let (_, c) = appeal
            .rule(&who(Role::Committee, 4), upheld, &s, d(2026, 11, 14))
            .unwrap();
        let corrected = s.apply_correction(&c.unwrap()).unwrap();
        assert_eq!(corrected.stage(), Stage::Published);
        assert_eq!(corrected.current_result().unwrap().result.grade, "pass");
        // The corrected grade no longer requires a plan.
        assert!(!corrected.plan_required());
    }
}
