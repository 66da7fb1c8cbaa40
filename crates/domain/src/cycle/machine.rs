//! The transitions: which stage allows which action, who may take it, and what it does.
//!
//! Decisions on deadlines (SPEC §6 leaves them open):
//! - **Targets** agreed after their deadline are accepted and the transition is flagged late:
//!   refusing would leave the person without targets.
//! - **Self-review** is accepted from the last day of the period (before that the period is
//!   still running) and after its deadline too, flagged late. After the deadline HR may move
//!   on to rating without it ([`Action::CloseSelfReview`]); the employee may still hand it in
//!   late while the ratings run.
//! - **Ratings** after the (possibly extended) rating deadline are refused: a late rating needs
//!   HR, who extends the deadline with a reason ([`Action::ExtendRating`]). Before the deadline
//!   a rater's second submission for the same indicator replaces the first (counted as a
//!   revision); after it nothing is accepted, so a rating cannot be changed once the window
//!   closes.
//! - **Consolidation** before the rating deadline is refused while ratings are missing, so HR
//!   cannot cut raters short; after the deadline HR consolidates with what there is.
//! - **Approval, interview, locking** after their deadlines are accepted and flagged late; the
//!   dashboard shows them as overdue ([`super::overdue`]) until done.
//! - When the committee returns a result, the cycle goes back to rating; HR extends the
//!   rating deadline if raters must rate again, then consolidates anew (a new result version).
//! - Nobody takes an HR, committee, superior or rater step in their own cycle.

use super::deadlines::Deadlines;
use super::raters::{self, RaterId, Rating};
use super::{
    Acknowledgement, Action, ActionKind, Actor, Allowed, CycleState, ImprovementPlan, Interview,
    PlanItem, Refusal, RefusalKind, ResultVersion, SelfReview, Stage, TargetProposal, Transition,
    VersionSource,
};
use crate::calendar::Calendar;
use crate::roles::Role;
use chrono::NaiveDate;

/// The new state and the step to audit.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The cycle after the step.
    pub state: CycleState,
    /// The step.
    pub transition: Transition,
}

/// Who may take an action, for refusals.
fn who(kind: ActionKind) -> (&'static str, &'static str) {
    use ActionKind::*;
    match kind {
        ProposeTargets | RecordInterview | SetImprovementPlan => {
            ("被考核者的上级", "the subject's superior")
        }
        ConfirmTargets | DisputeTargets | SubmitSelfReview | AcknowledgeInterview => {
            ("被考核者本人", "the subject")
        }
        ApproveTargetsHr | ReturnTargetsHr | CloseSelfReview | ExtendRating | Consolidate
        | Lock => ("人力资源部", "HR"),
        ApproveTargetsCommittee | ReturnTargetsCommittee | ApproveResult | ReturnResult => {
            ("考核领导小组", "the assessment committee")
        }
        AssignRater => ("人力资源部或被考核者的上级", "HR or the subject's superior"),
        SubmitRating => (
            "被指定的评分人、上级或本人（自评）",
            "an assigned rater, the superior or the subject (self)",
        ),
        RecordCustomerRating => ("持有效客户评分链接的客户", "a customer with a valid link"),
        FollowUp => (
            "上级、人力资源部或改进项负责人",
            "the superior, HR or the item's owner",
        ),
    }
}

impl ActionKind {
    /// Who may take the action, in Chinese and English (for menus, help and refusals).
    pub fn performed_by(self) -> (&'static str, &'static str) {
        who(self)
    }
}

/// Whether the actor has the part an action needs (data-dependent checks come later).
fn permitted(kind: ActionKind, a: &Actor, state: &CycleState) -> bool {
    use ActionKind::*;
    let superior = a.is_superior_of_subject && !a.is_subject;
    let hr = a.role == Role::Hr && !a.is_subject;
    let committee = a.role == Role::Committee && !a.is_subject;
    match kind {
        ProposeTargets | RecordInterview | SetImprovementPlan => superior,
        ConfirmTargets | DisputeTargets | SubmitSelfReview | AcknowledgeInterview => a.is_subject,
        ApproveTargetsHr | ReturnTargetsHr | CloseSelfReview | ExtendRating | Consolidate
        | Lock => hr,
        ApproveTargetsCommittee | ReturnTargetsCommittee | ApproveResult | ReturnResult => {
            committee
        }
        AssignRater => superior || hr,
        SubmitRating => {
            a.is_subject || superior || state.raters().iter().any(|r| r.rater_id == a.employee_id)
        }
        RecordCustomerRating => true,
        FollowUp => {
            superior
                || hr
                || state
                    .plan()
                    .is_some_and(|p| p.items.iter().any(|i| i.owner_id == a.employee_id))
        }
    }
}

/// Whether the stage allows an action at all.
fn stage_allows(kind: ActionKind, state: &CycleState) -> bool {
    use ActionKind::*;
    use Stage::*;
    let s = state.stage();
    match kind {
        ProposeTargets => matches!(s, Drafting | TargetsProposed | TargetsReturned),
        ConfirmTargets | DisputeTargets => s == TargetsProposed,
        ApproveTargetsHr | ReturnTargetsHr => s == TargetsConfirmed,
        ApproveTargetsCommittee | ReturnTargetsCommittee => s == TargetsReviewed,
        AssignRater => s <= Rating,
        SubmitSelfReview => s == Open || (s == Rating && state.self_review().is_none()),
        CloseSelfReview => s == Open,
        SubmitRating | RecordCustomerRating | ExtendRating | Consolidate => s == Rating,
        ApproveResult | ReturnResult => s == Consolidated,
        RecordInterview | SetImprovementPlan | Lock => s == Published,
        FollowUp => matches!(s, Published | Locked) && state.plan().is_some(),
        AcknowledgeInterview => {
            s == Published
                && state
                    .interview()
                    .is_some_and(|i| i.acknowledgement.is_none())
        }
    }
}

/// What `actor` may do in the cycle now, judged by stage and part (deadlines and the data an
/// action carries may still refuse it). Customer ratings are not listed: they come through a
/// token, not an account.
pub fn allowed_actions(state: &CycleState, actor: &Actor) -> Vec<ActionKind> {
    ActionKind::ALL
        .into_iter()
        .filter(|k| *k != ActionKind::RecordCustomerRating)
        .filter(|k| stage_allows(*k, state) && permitted(*k, actor, state))
        .collect()
}

fn allowed_now(state: &CycleState, actor: &Actor) -> Vec<Allowed> {
    allowed_actions(state, actor)
        .into_iter()
        .map(Allowed::from)
        .collect()
}

fn non_empty(text: &str, zh: &str, en: &str) -> Result<(), Refusal> {
    if text.trim().is_empty() {
        Err(Refusal::empty(zh, en))
    } else {
        Ok(())
    }
}

fn check_value(value: f64, cap: f64) -> Result<(), Refusal> {
    if value.is_finite() && (0.0..=cap).contains(&value) {
        Ok(())
    } else {
        Err(Refusal::new(
            RefusalKind::Invalid,
            format!("评分须在 0 到 {cap} 之间"),
            format!("a rating must be between 0 and {cap}"),
        ))
    }
}

fn check_indicator(state: &CycleState, indicator: &str) -> Result<(), Refusal> {
    let rated = &state.setup().rated_indicators;
    if rated.is_empty() || rated.iter().any(|i| i == indicator) {
        Ok(())
    } else {
        Err(Refusal::new(
            RefusalKind::Invalid,
            format!("「{indicator}」不是此方案的评分指标"),
            format!("`{indicator}` is not a rated indicator of this scheme"),
        ))
    }
}

/// Applies `action` by `actor` on `today` (company-local date) to `state`.
///
/// Returns the new state and the transition to audit, or a refusal naming why and what the
/// actor may do now. `state` itself is never changed, so a refused step leaves nothing behind.
pub fn apply(
    state: &CycleState,
    action: Action,
    actor: &Actor,
    today: NaiveDate,
    deadlines: &Deadlines,
    cal: &Calendar,
) -> Result<Outcome, Refusal> {
    let kind = action.kind();
    if !stage_allows(kind, state) {
        let s = state.stage();
        return Err(Refusal::new(
            RefusalKind::WrongState,
            format!("当前阶段为「{}」，不能{}", s.name_zh(), kind.name_zh()),
            format!(
                "the cycle is {}; cannot {} now",
                s.name_en(),
                kind.name_en()
            ),
        )
        .allowing(allowed_now(state, actor)));
    }
    if !permitted(kind, actor, state) {
        let (zh, en) = who(kind);
        return Err(Refusal::new(
            RefusalKind::WrongRole,
            format!("只有{zh}可以{}", kind.name_zh()),
            format!("only {en} may {}", kind.name_en()),
        )
        .allowing(allowed_now(state, actor)));
    }

    let period = state.setup().period;
    let late = deadlines
        .pending(state, cal)
        .is_some_and(|(_, due)| today > due);
    let mut next = state.clone();
    let mut note = String::new();
    let mut flagged_late = false;
    let to = match action {
        Action::ProposeTargets { targets, basis } => {
            if targets.is_empty() {
                return Err(Refusal::empty("考核指标", "the targets"));
            }
            if let Some(t) = targets
                .iter()
                .find(|t| t.value.is_some_and(|v| !v.is_finite()))
            {
                return Err(Refusal::new(
                    RefusalKind::Invalid,
                    format!("「{}」的目标值不是有效数字", t.indicator),
                    format!("the target of `{}` is not a number", t.indicator),
                ));
            }
            // A target is typed by a person: bounded like every typed amount (a money target
            // in cents of ¥1,000,000,000, or as many calls), so no score overflows on it.
            let max = crate::rules::limits::MAX_TARGET;
            if let Some(t) = targets
                .iter()
                .find(|t| t.value.is_some_and(|v| v.abs() > max))
            {
                return Err(Refusal::new(
                    RefusalKind::Invalid,
                    format!("「{}」的目标值超出范围（绝对值最多{max}）", t.indicator),
                    format!("the target of `{}` is beyond ±{max}", t.indicator),
                ));
            }
            next.targets = Some(TargetProposal {
                targets,
                basis,
                proposed_by: actor.employee_id,
                proposed_on: today,
            });
            flagged_late = late;
            Stage::TargetsProposed
        }
        Action::ConfirmTargets => {
            next.return_reason = None;
            flagged_late = late;
            Stage::TargetsConfirmed
        }
        Action::DisputeTargets { reason }
        | Action::ReturnTargetsHr { reason }
        | Action::ReturnTargetsCommittee { reason } => {
            non_empty(&reason, "理由", "the reason")?;
            next.return_reason = Some(reason.clone());
            note = reason;
            Stage::TargetsReturned
        }
        Action::ApproveTargetsHr => {
            flagged_late = late;
            Stage::TargetsReviewed
        }
        Action::ApproveTargetsCommittee => {
            flagged_late = late;
            Stage::Open
        }
        Action::AssignRater { rater_id, group } => {
            raters::check_assignment(
                state.raters(),
                state.setup().subject_id,
                rater_id,
                group,
                actor,
            )?;
            next.raters.push(raters::RaterAssignment {
                rater_id,
                group,
                assigned_by: actor.employee_id,
                assigned_on: today,
            });
            state.stage()
        }
        Action::SubmitSelfReview {
            work_report,
            self_evaluation,
        } => {
            if today < period.end() {
                return Err(Refusal::new(
                    RefusalKind::TooEarly,
                    format!("考核期尚未结束，自评从 {} 起提交", period.end()),
                    format!(
                        "the period is still running; the self-review opens on {}",
                        period.end()
                    ),
                ));
            }
            non_empty(&work_report, "工作总结", "the work report")?;
            non_empty(&self_evaluation, "自评", "the self-evaluation")?;
            let is_late = today > deadlines.self_review_due(period, cal);
            next.self_review = Some(SelfReview {
                work_report,
                self_evaluation,
                submitted_on: today,
                late: is_late,
            });
            flagged_late = is_late;
            Stage::Rating
        }
        Action::CloseSelfReview { reason } => {
            let due = deadlines.self_review_due(period, cal);
            if today <= due {
                return Err(Refusal::new(
                    RefusalKind::TooEarly,
                    format!("自评截止日为 {due}，截止后才能结束自评"),
                    format!("the self-review is due on {due}; it can be closed only after that"),
                ));
            }
            non_empty(&reason, "理由", "the reason")?;
            note = reason;
            Stage::Rating
        }
        Action::SubmitRating {
            group,
            indicator,
            value,
            comment,
        } => {
            raters::may_rate(state, actor, group)?;
            rating_open(state, actor, today, deadlines, cal)?;
            check_indicator(state, &indicator)?;
            check_value(value, state.setup().rating_cap)?;
            raters::record(
                &mut next.ratings,
                Rating {
                    rater: RaterId::Employee(actor.employee_id),
                    group,
                    indicator,
                    value,
                    comment,
                    submitted_on: today,
                    revisions: 0,
                },
            );
            Stage::Rating
        }
        Action::RecordCustomerRating {
            token,
            indicator,
            value,
        } => {
            if token.subject_id() != state.setup().subject_id || token.period() != period {
                return Err(Refusal::new(
                    RefusalKind::Invalid,
                    "此评分链接不属于这位员工的本期考核",
                    "this link belongs to another person or period",
                ));
            }
            rating_open(state, actor, today, deadlines, cal)?;
            check_indicator(state, &indicator)?;
            check_value(value, state.setup().rating_cap)?;
            raters::record(
                &mut next.ratings,
                Rating {
                    rater: RaterId::Customer(token.customer_id()),
                    group: crate::scheme::RaterGroup::Customers,
                    indicator,
                    value,
                    comment: String::new(),
                    submitted_on: today,
                    revisions: 0,
                },
            );
            Stage::Rating
        }
        Action::ExtendRating { until, reason } => {
            non_empty(&reason, "理由", "the reason")?;
            if until < today {
                return Err(Refusal::new(
                    RefusalKind::Invalid,
                    "延长后的期限不能早于今天",
                    "the extended deadline cannot be before today",
                ));
            }
            next.rating_extended_until = Some(until);
            note = reason;
            Stage::Rating
        }
        Action::Consolidate { result } => {
            let due = deadlines.effective_rating_due(state, cal);
            if today <= due && !raters::ratings_complete(state) {
                return Err(Refusal::new(
                    RefusalKind::TooEarly,
                    format!("仍有评分人未评分，评分截止日为 {due}"),
                    format!("ratings are missing and raters have until {due}"),
                )
                .allowing(allowed_now(state, actor)));
            }
            if !result.score.is_finite() || result.score < 0.0 {
                return Err(Refusal::new(
                    RefusalKind::Invalid,
                    "考核得分不是有效数字",
                    "the score is not a valid number",
                ));
            }
            non_empty(&result.grade, "等级", "the grade")?;
            let version = state.results().last().map_or(1, |r| r.version + 1);
            next.results.push(ResultVersion {
                version,
                result,
                made_on: today,
                source: VersionSource::Consolidation,
            });
            // Judged against HR's own deadline, not the raters' one the cycle waited for.
            flagged_late = today > deadlines.consolidation_due(period, cal);
            Stage::Consolidated
        }
        Action::ApproveResult => {
            next.published_on = Some(today);
            flagged_late = late;
            Stage::Published
        }
        Action::ReturnResult { reason } => {
            non_empty(&reason, "理由", "the reason")?;
            next.return_reason = Some(reason.clone());
            note = reason;
            Stage::Rating
        }
        Action::RecordInterview {
            strengths,
            shortfalls,
            employee_comments,
        } => {
            non_empty(
                &employee_comments,
                "被考核者意见（无意见请写「无」）",
                "the employee's comments (write \"none\" when there are none)",
            )?;
            next.interview = Some(Interview {
                strengths,
                shortfalls,
                employee_comments,
                recorded_by: actor.employee_id,
                recorded_on: today,
                acknowledgement: None,
            });
            flagged_late = late;
            Stage::Published
        }
        Action::AcknowledgeInterview { comments } => {
            non_empty(
                &comments,
                "本人意见（无意见请写「无」）",
                "your comments (write \"none\" when there are none)",
            )?;
            let stage = next.stage;
            if let Some(i) = next.interview.as_mut() {
                i.acknowledgement = Some(Acknowledgement {
                    comments,
                    on: today,
                });
            }
            stage
        }
        Action::SetImprovementPlan { items } => {
            if items.is_empty() || items.iter().any(|i| i.item.trim().is_empty()) {
                return Err(Refusal::empty("改进项", "every plan item"));
            }
            next.plan = Some(ImprovementPlan {
                items: items
                    .into_iter()
                    .map(|i| PlanItem {
                        item: i.item,
                        owner_id: i.owner_id,
                        due_on: i.due_on,
                        follow_ups: Vec::new(),
                        done: false,
                    })
                    .collect(),
                set_by: actor.employee_id,
                set_on: today,
            });
            Stage::Published
        }
        Action::FollowUp {
            item,
            note: text,
            done,
        } => {
            non_empty(&text, "跟进记录", "the follow-up note")?;
            let plan = next.plan.as_mut().expect("stage_allows checked the plan");
            let Some(entry) = plan.items.get_mut(item) else {
                return Err(Refusal::new(
                    RefusalKind::Invalid,
                    format!("改进计划没有第 {} 项", item + 1),
                    format!("the plan has no item {}", item + 1),
                ));
            };
            entry.follow_ups.push(super::FollowUpNote {
                on: today,
                by: actor.employee_id,
                note: text.clone(),
            });
            entry.done = done;
            note = text;
            state.stage()
        }
        Action::Lock => {
            if state.interview().is_none() {
                return Err(Refusal::new(
                    RefusalKind::TooEarly,
                    "尚未记录绩效面谈，不能锁定",
                    "the feedback interview is not recorded yet",
                )
                .allowing(allowed_now(state, actor)));
            }
            if state.plan_required() && state.plan().is_none() {
                return Err(Refusal::new(
                    RefusalKind::TooEarly,
                    "考核不合格或问题重复出现，须先制定绩效改进计划",
                    "an improvement plan is required (failed grade or a repeated shortfall)",
                )
                .allowing(allowed_now(state, actor)));
            }
            flagged_late = late;
            Stage::Locked
        }
    };
    next.stage = to;
    let transition = Transition {
        from: state.stage(),
        to,
        action: kind,
        actor_id: actor.employee_id,
        role: actor.role,
        on: today,
        late: flagged_late,
        note,
    };
    next.history.push(transition.clone());
    Ok(Outcome {
        state: next,
        transition,
    })
}

/// Ratings are open until the effective rating deadline; after it they need HR's extension.
fn rating_open(
    state: &CycleState,
    actor: &Actor,
    today: NaiveDate,
    deadlines: &Deadlines,
    cal: &Calendar,
) -> Result<(), Refusal> {
    let due = deadlines.effective_rating_due(state, cal);
    if today > due {
        return Err(Refusal::new(
            RefusalKind::PastDeadline,
            format!("评分截止日 {due} 已过；逾期评分须由人力资源部延长期限"),
            format!("ratings closed on {due}; a late rating needs HR to extend the deadline"),
        )
        .allowing(allowed_now(state, actor)));
    }
    Ok(())
}
