//! The assessment cycle (考核流程, SPEC §6) as an explicit state machine, one per person and
//! period:
//!
//! ```text
//! Drafting ─propose→ TargetsProposed ─confirm→ TargetsConfirmed ─HR→ TargetsReviewed ─committee→ Open
//!     ↑                 │ dispute                    │ return               │ return
//!     └── TargetsReturned ←──────────────────────────┴──────────────────────┘
//! Open ─self-review→ Rating ─HR consolidates→ Consolidated ─committee approves→ Published ─HR→ Locked
//!                      ↑                          │ committee returns
//!                      └──────────────────────────┘
//! ```
//!
//! [`apply`] is the only way a [`CycleState`] moves: it checks the stage, the actor's part in the
//! cycle and the deadlines, and answers with the new state and the [`Transition`] to audit, or a
//! [`Refusal`] that says why (in Chinese and English) and what the actor may do now
//! ([`allowed_actions`]).
//!
//! Once a result is published it never changes through an [`Action`]: the only way to a new
//! version is [`CycleState::apply_correction`], and a
//! [`ResultCorrection`](crate::appeal::ResultCorrection) can only be made by an upheld appeal
//! ([`crate::appeal`]).

#![warn(missing_docs)]
mod deadlines;
mod machine;
mod raters;
mod token;

#[cfg(test)]
mod tests;

pub use deadlines::{Deadlines, Overdue, Pending, overdue};
pub use machine::{Outcome, allowed_actions, apply};
pub use raters::{
    RaterAssignment, RaterId, Rating, RatingView, check_assignment, may_rate, ratings_visible_to,
};
pub use token::{
    CustomerToken, DEFAULT_TOKEN_VALIDITY_DAYS, MAX_CONTACT_NAME_CHARS, MAX_EMAIL_CHARS,
    RedeemedToken, TokenStatus, check_contact,
};

use crate::org::EmployeeId;
use crate::period::Period;
use crate::roles::Role;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;

// ---- who acts -----------------------------------------------------------------------------------

/// Who is acting, and how they stand to the person assessed (the subject, 被考核者). The
/// storage layer fills the relations from the organisation on the day of the action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// The actor's role.
    pub role: Role,
    /// The actor's employee id.
    pub employee_id: EmployeeId,
    /// The actor is the person assessed.
    pub is_subject: bool,
    /// The actor is the subject's superior (direct supervisor or in the supervisor chain).
    pub is_superior_of_subject: bool,
}

// ---- stages -------------------------------------------------------------------------------------

/// Where a cycle stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// No targets yet; the manager proposes them (考核指标设置).
    Drafting,
    /// The manager proposed targets; the employee confirms or disputes.
    TargetsProposed,
    /// The employee disputed, or HR / the committee returned the targets; the manager proposes
    /// again.
    TargetsReturned,
    /// The employee confirmed; HR reviews.
    TargetsConfirmed,
    /// HR approved; the committee approves.
    TargetsReviewed,
    /// Targets approved; records accumulate; after the period the employee submits the
    /// self-review (自评).
    Open,
    /// Raters score the rated indicators (评分).
    Rating,
    /// HR consolidated the result (汇总); the committee approves.
    Consolidated,
    /// The result is published (公布); feedback interview and improvement plan.
    Published,
    /// Closed (锁定): the result changes only through an upheld appeal.
    Locked,
}

impl Stage {
    /// Every stage, in cycle order.
    pub const ALL: [Stage; 10] = [
        Stage::Drafting,
        Stage::TargetsProposed,
        Stage::TargetsReturned,
        Stage::TargetsConfirmed,
        Stage::TargetsReviewed,
        Stage::Open,
        Stage::Rating,
        Stage::Consolidated,
        Stage::Published,
        Stage::Locked,
    ];

    /// Stable text form.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Drafting => "drafting",
            Stage::TargetsProposed => "targets_proposed",
            Stage::TargetsReturned => "targets_returned",
            Stage::TargetsConfirmed => "targets_confirmed",
            Stage::TargetsReviewed => "targets_reviewed",
            Stage::Open => "open",
            Stage::Rating => "rating",
            Stage::Consolidated => "consolidated",
            Stage::Published => "published",
            Stage::Locked => "locked",
        }
    }

    /// Chinese name.
    pub fn name_zh(self) -> &'static str {
        match self {
            Stage::Drafting => "待设定指标",
            Stage::TargetsProposed => "指标待员工确认",
            Stage::TargetsReturned => "指标已退回",
            Stage::TargetsConfirmed => "指标待人力资源审核",
            Stage::TargetsReviewed => "指标待考核领导小组审批",
            Stage::Open => "考核期进行中",
            Stage::Rating => "评分中",
            Stage::Consolidated => "结果待审批",
            Stage::Published => "已公布",
            Stage::Locked => "已锁定",
        }
    }

    /// English name.
    pub fn name_en(self) -> &'static str {
        match self {
            Stage::Drafting => "targets not set",
            Stage::TargetsProposed => "targets awaiting the employee",
            Stage::TargetsReturned => "targets returned",
            Stage::TargetsConfirmed => "targets awaiting HR review",
            Stage::TargetsReviewed => "targets awaiting committee approval",
            Stage::Open => "open",
            Stage::Rating => "rating",
            Stage::Consolidated => "result awaiting approval",
            Stage::Published => "published",
            Stage::Locked => "locked",
        }
    }
}

// ---- actions ------------------------------------------------------------------------------------

/// One indicator target proposed for the subject (目标值).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Target {
    /// Indicator code.
    pub indicator: String,
    /// The target value; `None` keeps the indicator's library target.
    pub value: Option<f64>,
}

/// An item of an improvement plan as the superior enters it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanItemInput {
    /// What is to improve.
    pub item: String,
    /// Who is responsible.
    pub owner_id: EmployeeId,
    /// By when.
    pub due_on: NaiveDate,
}

/// Something someone does to a cycle, with the data it carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// The superior proposes targets from last period's results and this period's plan.
    ProposeTargets {
        /// The targets.
        targets: Vec<Target>,
        /// Why these values (last period, plan).
        basis: String,
    },
    /// The subject confirms the targets (本人确认).
    ConfirmTargets,
    /// The subject disputes the targets.
    DisputeTargets {
        /// Why.
        reason: String,
    },
    /// HR approves the confirmed targets.
    ApproveTargetsHr,
    /// HR returns the targets to the superior.
    ReturnTargetsHr {
        /// Why.
        reason: String,
    },
    /// The committee approves the targets; the period opens.
    ApproveTargetsCommittee,
    /// The committee returns the targets to the superior.
    ReturnTargetsCommittee {
        /// Why.
        reason: String,
    },
    /// HR or the superior assigns a rater (peers are assigned, never self-chosen).
    AssignRater {
        /// Who rates.
        rater_id: EmployeeId,
        /// In which group.
        group: crate::scheme::RaterGroup,
    },
    /// The subject submits the work report and self-evaluation (工作总结与自评).
    SubmitSelfReview {
        /// The work report.
        work_report: String,
        /// The self-evaluation.
        self_evaluation: String,
    },
    /// HR moves on to rating without a self-review (after its deadline only).
    CloseSelfReview {
        /// Why.
        reason: String,
    },
    /// A rater scores a rated indicator.
    SubmitRating {
        /// The group the actor rates in.
        group: crate::scheme::RaterGroup,
        /// Indicator code.
        indicator: String,
        /// 0 to the scheme's cap (100 unless the scheme allows more).
        value: f64,
        /// Optional remark.
        comment: String,
    },
    /// A customer's answer through a redeemed single-use token.
    RecordCustomerRating {
        /// The redeemed token (proof the link was valid and is now used up).
        token: RedeemedToken,
        /// Indicator code.
        indicator: String,
        /// 0 to the scheme's cap.
        value: f64,
    },
    /// HR extends the rating deadline (late ratings need HR).
    ExtendRating {
        /// The new last day for ratings.
        until: NaiveDate,
        /// Why.
        reason: String,
    },
    /// HR consolidates: the engine's result (computed indicators filled, ratings combined).
    Consolidate {
        /// The result.
        result: AssessmentResult,
    },
    /// The committee approves the result; it is published.
    ApproveResult,
    /// The committee returns the result to HR (back to rating).
    ReturnResult {
        /// Why.
        reason: String,
    },
    /// The superior records the feedback interview (绩效面谈).
    RecordInterview {
        /// Strengths (成绩).
        strengths: Vec<String>,
        /// Shortfalls (不足), one per line; compared with last period's to find repeats.
        shortfalls: Vec<String>,
        /// The employee's comments, recorded in detail (被考核者意见).
        employee_comments: String,
    },
    /// The employee acknowledges the recorded feedback interview (签字确认), with their own
    /// comments (may be "无").
    AcknowledgeInterview {
        /// The employee's own words.
        comments: String,
    },
    /// The superior sets the improvement plan (绩效改进计划).
    SetImprovementPlan {
        /// The items.
        items: Vec<PlanItemInput>,
    },
    /// A follow-up on one plan item.
    FollowUp {
        /// Index of the item in the plan.
        item: usize,
        /// What was found.
        note: String,
        /// Whether the item is now done.
        done: bool,
    },
    /// HR locks the cycle.
    Lock,
}

/// The kinds of [`Action`], without their data: what menus and refusals list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    /// [`Action::ProposeTargets`].
    ProposeTargets,
    /// [`Action::ConfirmTargets`].
    ConfirmTargets,
    /// [`Action::DisputeTargets`].
    DisputeTargets,
    /// [`Action::ApproveTargetsHr`].
    ApproveTargetsHr,
    /// [`Action::ReturnTargetsHr`].
    ReturnTargetsHr,
    /// [`Action::ApproveTargetsCommittee`].
    ApproveTargetsCommittee,
    /// [`Action::ReturnTargetsCommittee`].
    ReturnTargetsCommittee,
    /// [`Action::AssignRater`].
    AssignRater,
    /// [`Action::SubmitSelfReview`].
    SubmitSelfReview,
    /// [`Action::CloseSelfReview`].
    CloseSelfReview,
    /// [`Action::SubmitRating`].
    SubmitRating,
    /// [`Action::RecordCustomerRating`].
    RecordCustomerRating,
    /// [`Action::ExtendRating`].
    ExtendRating,
    /// [`Action::Consolidate`].
    Consolidate,
    /// [`Action::ApproveResult`].
    ApproveResult,
    /// [`Action::ReturnResult`].
    ReturnResult,
    /// [`Action::RecordInterview`].
    RecordInterview,
    /// [`Action::AcknowledgeInterview`].
    AcknowledgeInterview,
    /// [`Action::SetImprovementPlan`].
    SetImprovementPlan,
    /// [`Action::FollowUp`].
    FollowUp,
    /// [`Action::Lock`].
    Lock,
}

impl Action {
    /// The action's kind.
    pub fn kind(&self) -> ActionKind {
        match self {
            Action::ProposeTargets { .. } => ActionKind::ProposeTargets,
            Action::ConfirmTargets => ActionKind::ConfirmTargets,
            Action::DisputeTargets { .. } => ActionKind::DisputeTargets,
            Action::ApproveTargetsHr => ActionKind::ApproveTargetsHr,
            Action::ReturnTargetsHr { .. } => ActionKind::ReturnTargetsHr,
            Action::ApproveTargetsCommittee => ActionKind::ApproveTargetsCommittee,
            Action::ReturnTargetsCommittee { .. } => ActionKind::ReturnTargetsCommittee,
            Action::AssignRater { .. } => ActionKind::AssignRater,
            Action::SubmitSelfReview { .. } => ActionKind::SubmitSelfReview,
            Action::CloseSelfReview { .. } => ActionKind::CloseSelfReview,
            Action::SubmitRating { .. } => ActionKind::SubmitRating,
            Action::RecordCustomerRating { .. } => ActionKind::RecordCustomerRating,
            Action::ExtendRating { .. } => ActionKind::ExtendRating,
            Action::Consolidate { .. } => ActionKind::Consolidate,
            Action::ApproveResult => ActionKind::ApproveResult,
            Action::ReturnResult { .. } => ActionKind::ReturnResult,
            Action::RecordInterview { .. } => ActionKind::RecordInterview,
            Action::AcknowledgeInterview { .. } => ActionKind::AcknowledgeInterview,
            Action::SetImprovementPlan { .. } => ActionKind::SetImprovementPlan,
            Action::FollowUp { .. } => ActionKind::FollowUp,
            Action::Lock => ActionKind::Lock,
        }
    }
}

impl ActionKind {
    /// Every kind, in cycle order.
    pub const ALL: [ActionKind; 21] = [
        ActionKind::ProposeTargets,
        ActionKind::ConfirmTargets,
        ActionKind::DisputeTargets,
        ActionKind::ApproveTargetsHr,
        ActionKind::ReturnTargetsHr,
        ActionKind::ApproveTargetsCommittee,
        ActionKind::ReturnTargetsCommittee,
        ActionKind::AssignRater,
        ActionKind::SubmitSelfReview,
        ActionKind::CloseSelfReview,
        ActionKind::SubmitRating,
        ActionKind::RecordCustomerRating,
        ActionKind::ExtendRating,
        ActionKind::Consolidate,
        ActionKind::ApproveResult,
        ActionKind::ReturnResult,
        ActionKind::RecordInterview,
        ActionKind::AcknowledgeInterview,
        ActionKind::SetImprovementPlan,
        ActionKind::FollowUp,
        ActionKind::Lock,
    ];

    /// Stable text form.
    pub fn as_str(self) -> &'static str {
        self.texts().0
    }

    /// Chinese name.
    pub fn name_zh(self) -> &'static str {
        self.texts().1
    }

    /// English name.
    pub fn name_en(self) -> &'static str {
        self.texts().2
    }

    fn texts(self) -> (&'static str, &'static str, &'static str) {
        match self {
            ActionKind::ProposeTargets => ("propose_targets", "提出考核指标", "propose targets"),
            ActionKind::ConfirmTargets => ("confirm_targets", "确认考核指标", "confirm targets"),
            ActionKind::DisputeTargets => ("dispute_targets", "对指标提出异议", "dispute targets"),
            ActionKind::ApproveTargetsHr => {
                ("approve_targets_hr", "审核通过指标", "approve targets (HR)")
            }
            ActionKind::ReturnTargetsHr => ("return_targets_hr", "退回指标", "return targets (HR)"),
            ActionKind::ApproveTargetsCommittee => (
                "approve_targets_committee",
                "审批通过指标",
                "approve targets (committee)",
            ),
            ActionKind::ReturnTargetsCommittee => (
                "return_targets_committee",
                "退回指标（领导小组）",
                "return targets (committee)",
            ),
            ActionKind::AssignRater => ("assign_rater", "指定评分人", "assign a rater"),
            ActionKind::SubmitSelfReview => (
                "submit_self_review",
                "提交工作总结与自评",
                "submit the self-review",
            ),
            ActionKind::CloseSelfReview => (
                "close_self_review",
                "结束自评（未交）",
                "close the self-review (none submitted)",
            ),
            ActionKind::SubmitRating => ("submit_rating", "评分", "submit a rating"),
            ActionKind::RecordCustomerRating => (
                "record_customer_rating",
                "记录客户评分",
                "record a customer rating",
            ),
            ActionKind::ExtendRating => (
                "extend_rating",
                "延长评分期限",
                "extend the rating deadline",
            ),
            ActionKind::Consolidate => ("consolidate", "汇总考核结果", "consolidate the result"),
            ActionKind::ApproveResult => ("approve_result", "审批考核结果", "approve the result"),
            ActionKind::ReturnResult => ("return_result", "退回考核结果", "return the result"),
            ActionKind::RecordInterview => (
                "record_interview",
                "记录绩效面谈",
                "record the feedback interview",
            ),
            ActionKind::AcknowledgeInterview => (
                "acknowledge_interview",
                "确认绩效面谈记录",
                "acknowledge the interview record",
            ),
            ActionKind::SetImprovementPlan => (
                "set_improvement_plan",
                "制定绩效改进计划",
                "set the improvement plan",
            ),
            ActionKind::FollowUp => (
                "follow_up",
                "跟进改进计划",
                "follow up the improvement plan",
            ),
            ActionKind::Lock => ("lock", "锁定考核结果", "lock the result"),
        }
    }
}

// ---- the cycle's data ---------------------------------------------------------------------------

/// What a cycle is set up with when it is created (from the scheme and last period).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CycleSetup {
    /// The person assessed.
    pub subject_id: EmployeeId,
    /// The period.
    pub period: Period,
    /// The scheme code (and so its deadlines).
    pub scheme_code: String,
    /// The rated indicators raters score; empty accepts any indicator code.
    pub rated_indicators: Vec<String>,
    /// The highest rating value (100 unless the scheme allows more, e.g. 120).
    pub rating_cap: f64,
    /// Grade codes that require an improvement plan (default `fail`).
    pub plan_required_grades: Vec<String>,
    /// Last period's interview shortfalls: a repeat requires an improvement plan.
    pub previous_shortfalls: Vec<String>,
}

impl CycleSetup {
    /// A setup with the defaults: ratings 0–100, a plan required for `fail`, no history.
    pub fn new(subject_id: EmployeeId, period: Period, scheme_code: impl Into<String>) -> Self {
        CycleSetup {
            subject_id,
            period,
            scheme_code: scheme_code.into(),
            rated_indicators: Vec::new(),
            rating_cap: 100.0,
            plan_required_grades: vec!["fail".to_string()],
            previous_shortfalls: Vec::new(),
        }
    }
}

/// The targets as proposed and agreed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetProposal {
    /// The targets.
    pub targets: Vec<Target>,
    /// Why these values.
    pub basis: String,
    /// Who proposed them.
    pub proposed_by: EmployeeId,
    /// When.
    pub proposed_on: NaiveDate,
}

/// The subject's work report and self-evaluation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelfReview {
    /// The work report.
    pub work_report: String,
    /// The self-evaluation.
    pub self_evaluation: String,
    /// When it was submitted.
    pub submitted_on: NaiveDate,
    /// Submitted after its deadline (accepted, but shown as late).
    pub late: bool,
}

/// One indicator line of a result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultLine {
    /// Indicator code.
    pub indicator: String,
    /// Its score; `None` when not applicable.
    pub score: Option<f64>,
}

/// A consolidated result: what the engine computed from records and ratings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssessmentResult {
    /// The period's score (full precision).
    pub score: f64,
    /// The grade code (`excellent`, `good`, `pass`, `fail`).
    pub grade: String,
    /// The bonus coefficient.
    pub coefficient: f64,
    /// The indicator lines.
    pub lines: Vec<ResultLine>,
}

/// Where a result version came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum VersionSource {
    /// HR's consolidation.
    Consolidation,
    /// An upheld appeal.
    Appeal {
        /// The appeal's id.
        appeal_id: i64,
    },
}

/// One version of a result; corrections add versions and keep the old ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultVersion {
    /// 1, 2, …
    pub version: u32,
    /// The result.
    pub result: AssessmentResult,
    /// When this version was made.
    pub made_on: NaiveDate,
    /// Where it came from.
    pub source: VersionSource,
}

/// The feedback interview (绩效面谈).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interview {
    /// Strengths.
    pub strengths: Vec<String>,
    /// Shortfalls.
    pub shortfalls: Vec<String>,
    /// The employee's comments.
    pub employee_comments: String,
    /// Who recorded it.
    pub recorded_by: EmployeeId,
    /// When.
    pub recorded_on: NaiveDate,
    /// The employee's acknowledgement (签字确认), once given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledgement: Option<Acknowledgement>,
}

/// The employee's acknowledgement of the interview record: their own words and the day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acknowledgement {
    /// The employee's own comments.
    pub comments: String,
    /// When.
    pub on: NaiveDate,
}

/// A follow-up on an improvement-plan item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUpNote {
    /// When.
    pub on: NaiveDate,
    /// By whom.
    pub by: EmployeeId,
    /// What was found.
    pub note: String,
}

/// One item of an improvement plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanItem {
    /// What is to improve.
    pub item: String,
    /// Who is responsible.
    pub owner_id: EmployeeId,
    /// By when.
    pub due_on: NaiveDate,
    /// Follow-ups, oldest first.
    pub follow_ups: Vec<FollowUpNote>,
    /// Whether it is done.
    pub done: bool,
}

/// The improvement plan (绩效改进计划).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImprovementPlan {
    /// The items.
    pub items: Vec<PlanItem>,
    /// Who set it.
    pub set_by: EmployeeId,
    /// When.
    pub set_on: NaiveDate,
}

/// One step taken, for the audit log and the cycle's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    /// The stage before.
    pub from: Stage,
    /// The stage after (equal to `from` for steps that stay, e.g. a rating).
    pub to: Stage,
    /// What was done.
    pub action: ActionKind,
    /// By whom.
    pub actor_id: EmployeeId,
    /// In which role.
    pub role: Role,
    /// On which (company-local) day.
    pub on: NaiveDate,
    /// Done after its deadline (accepted late, e.g. a late self-review).
    pub late: bool,
    /// A reason or remark, when the action carries one.
    pub note: String,
}

/// A person's assessment cycle for one period. Fields are read through accessors and changed
/// only by [`apply`] and [`CycleState::apply_correction`], so the rules cannot be bypassed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CycleState {
    setup: CycleSetup,
    stage: Stage,
    targets: Option<TargetProposal>,
    return_reason: Option<String>,
    self_review: Option<SelfReview>,
    raters: Vec<RaterAssignment>,
    ratings: Vec<Rating>,
    rating_extended_until: Option<NaiveDate>,
    results: Vec<ResultVersion>,
    published_on: Option<NaiveDate>,
    interview: Option<Interview>,
    plan: Option<ImprovementPlan>,
    history: Vec<Transition>,
}

impl CycleState {
    /// A new cycle, in [`Stage::Drafting`].
    pub fn new(setup: CycleSetup) -> Self {
        CycleState {
            setup,
            stage: Stage::Drafting,
            targets: None,
            return_reason: None,
            self_review: None,
            raters: Vec::new(),
            ratings: Vec::new(),
            rating_extended_until: None,
            results: Vec::new(),
            published_on: None,
            interview: None,
            plan: None,
            history: Vec::new(),
        }
    }

    /// How it was set up.
    pub fn setup(&self) -> &CycleSetup {
        &self.setup
    }
    /// The current stage.
    pub fn stage(&self) -> Stage {
        self.stage
    }
    /// The targets, once proposed.
    pub fn targets(&self) -> Option<&TargetProposal> {
        self.targets.as_ref()
    }
    /// Why the targets or the result were last returned or disputed.
    pub fn return_reason(&self) -> Option<&str> {
        self.return_reason.as_deref()
    }
    /// The self-review, once submitted.
    pub fn self_review(&self) -> Option<&SelfReview> {
        self.self_review.as_ref()
    }
    /// The assigned raters.
    pub fn raters(&self) -> &[RaterAssignment] {
        &self.raters
    }
    /// The ratings received (the latest per rater, group and indicator).
    pub fn ratings(&self) -> &[Rating] {
        &self.ratings
    }
    /// HR's extension of the rating deadline.
    pub fn rating_extended_until(&self) -> Option<NaiveDate> {
        self.rating_extended_until
    }
    /// Every result version, oldest first.
    pub fn results(&self) -> &[ResultVersion] {
        &self.results
    }
    /// The current result version.
    pub fn current_result(&self) -> Option<&ResultVersion> {
        self.results.last()
    }
    /// When the result was published.
    pub fn published_on(&self) -> Option<NaiveDate> {
        self.published_on
    }
    /// The feedback interview.
    pub fn interview(&self) -> Option<&Interview> {
        self.interview.as_ref()
    }
    /// The improvement plan.
    pub fn plan(&self) -> Option<&ImprovementPlan> {
        self.plan.as_ref()
    }
    /// Every step taken, oldest first.
    pub fn history(&self) -> &[Transition] {
        &self.history
    }

    /// Whether an improvement plan is required before locking: the grade is one of the setup's
    /// plan-required grades (default `fail`), or a shortfall of the interview repeats one of
    /// last period's (compared ignoring case and surrounding spaces).
    pub fn plan_required(&self) -> bool {
        let failed = self
            .current_result()
            .is_some_and(|r| self.setup.plan_required_grades.contains(&r.result.grade));
        let norm = |s: &str| s.trim().to_lowercase();
        let repeats = self.interview.as_ref().is_some_and(|i| {
            i.shortfalls.iter().any(|s| {
                self.setup
                    .previous_shortfalls
                    .iter()
                    .any(|p| norm(p) == norm(s) && !norm(s).is_empty())
            })
        });
        failed || repeats
    }

    /// Applies a correction made by an upheld appeal: a new result version, the old ones kept.
    /// The only way a published or locked result changes. The stage stays as it is.
    pub fn apply_correction(
        &self,
        correction: &crate::appeal::ResultCorrection,
    ) -> Result<CycleState, Refusal> {
        if correction.subject_id() != self.setup.subject_id
            || correction.period() != self.setup.period
        {
            return Err(Refusal::new(
                RefusalKind::Invalid,
                "更正不属于此考核",
                "the correction belongs to another cycle",
            ));
        }
        let current = self.current_result().map(|r| r.version);
        if !matches!(self.stage, Stage::Published | Stage::Locked)
            || current != Some(correction.from_version())
        {
            return Err(Refusal::new(
                RefusalKind::WrongState,
                "更正针对的结果版本已不是当前版本",
                "the correction was made against a result version that is no longer current",
            ));
        }
        let mut next = self.clone();
        next.results.push(ResultVersion {
            version: correction.from_version() + 1,
            result: correction.result().clone(),
            made_on: correction.decided_on(),
            source: VersionSource::Appeal {
                appeal_id: correction.appeal_id(),
            },
        });
        Ok(next)
    }
}

// ---- refusals -----------------------------------------------------------------------------------

/// Why something was refused, in kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefusalKind {
    /// Not this actor's part.
    WrongRole,
    /// Not in this stage.
    WrongState,
    /// Its deadline has passed.
    PastDeadline,
    /// Not yet possible (e.g. a self-review before the period ends).
    TooEarly,
    /// Done already (e.g. the same rater assigned twice).
    Duplicate,
    /// The data is not acceptable (an empty reason, a rating out of range).
    Invalid,
}

/// Something a refused actor may do instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Allowed {
    /// Stable action name.
    pub action: &'static str,
    /// Chinese name.
    pub zh: &'static str,
    /// English name.
    pub en: &'static str,
}

impl From<ActionKind> for Allowed {
    fn from(k: ActionKind) -> Self {
        Allowed {
            action: k.as_str(),
            zh: k.name_zh(),
            en: k.name_en(),
        }
    }
}

/// A refused step: why, in Chinese and English, and what is allowed now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refusal {
    /// In kind.
    pub kind: RefusalKind,
    /// Why, in Chinese.
    pub zh: String,
    /// Why, in English.
    pub en: String,
    /// What the actor may do now (empty when nothing).
    pub allowed_now: Vec<Allowed>,
}

impl Refusal {
    /// A refusal with nothing listed as allowed.
    pub fn new(kind: RefusalKind, zh: impl Into<String>, en: impl Into<String>) -> Self {
        Refusal {
            kind,
            zh: zh.into(),
            en: en.into(),
            allowed_now: Vec::new(),
        }
    }

    /// The same refusal listing what is allowed now.
    pub fn allowing(mut self, allowed: impl IntoIterator<Item = Allowed>) -> Self {
        self.allowed_now = allowed.into_iter().collect();
        self
    }

    /// An empty text refused: `what` names the field.
    pub(crate) fn empty(zh_what: &str, en_what: &str) -> Self {
        Refusal::new(
            RefusalKind::Invalid,
            format!("{zh_what}不能为空"),
            format!("{en_what} must not be empty"),
        )
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} / {}", self.zh, self.en)?;
        if !self.allowed_now.is_empty() {
            let zh: Vec<_> = self.allowed_now.iter().map(|a| a.zh).collect();
            let en: Vec<_> = self.allowed_now.iter().map(|a| a.en).collect();
            write!(
                f,
                "（现在可以：{}） (allowed now: {})",
                zh.join("、"),
                en.join(", ")
            )?;
        } else {
            f.write_str("（现在无可执行操作） (nothing is allowed now)")?;
        }
        Ok(())
    }
}

impl std::error::Error for Refusal {}
