//! Raters (考核主体): who may rate a person, in which group, and the ratings they give.
//!
//! Rules:
//! - **Self** (自评): only the subject, without assignment.
//! - **Superior** (直接上级): the subject's superior without assignment, or someone HR assigns
//!   (an acting superior).
//! - **Peers, team leader, related departments**: assigned by HR or the subject's superior.
//!   Peers are never self-chosen: the subject cannot assign anyone.
//! - **Customers**: never assigned; they answer through a single-use token
//!   ([`super::CustomerToken`]).
//! - Nobody rates themself outside the self group, and nobody is assigned twice to the same
//!   group of the same cycle.

use super::{Actor, CycleState, Refusal, RefusalKind};
use crate::org::EmployeeId;
use crate::records::CustomerId;
use crate::roles::Role;
use crate::scheme::RaterGroup;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// An assigned rater.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RaterAssignment {
    /// Who rates.
    pub rater_id: EmployeeId,
    /// In which group.
    pub group: RaterGroup,
    /// Who assigned them.
    pub assigned_by: EmployeeId,
    /// When.
    pub assigned_on: NaiveDate,
}

/// Who gave a rating.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum RaterId {
    /// An employee.
    Employee(EmployeeId),
    /// A customer (through a token).
    Customer(CustomerId),
}

/// One rating of one rated indicator. Peer and customer ratings are anonymous to the subject
/// ([`RaterGroup::anonymous`]); the rater is kept for HR.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rating {
    /// Who.
    pub rater: RaterId,
    /// In which group.
    pub group: RaterGroup,
    /// Indicator code.
    pub indicator: String,
    /// The value, 0 to the cap.
    pub value: f64,
    /// Optional remark.
    pub comment: String,
    /// When it was (last) submitted.
    pub submitted_on: NaiveDate,
    /// How many times it replaced an earlier submission (0 for the first).
    pub revisions: u32,
}

fn may_assign(by: &Actor) -> bool {
    !by.is_subject && (by.role == Role::Hr || by.is_superior_of_subject)
}

/// Whether `by` may assign `rater_id` to `group` for `subject_id`, given the assignments so
/// far.
pub fn check_assignment(
    existing: &[RaterAssignment],
    subject_id: EmployeeId,
    rater_id: EmployeeId,
    group: RaterGroup,
    by: &Actor,
) -> Result<(), Refusal> {
    if !may_assign(by) {
        return Err(Refusal::new(
            RefusalKind::WrongRole,
            "评分人由人力资源部或被考核者的上级指定，不能由本人选择",
            "raters are assigned by HR or the subject's superior, never chosen by the subject",
        ));
    }
    match group {
        RaterGroup::SelfReview => {
            return Err(Refusal::new(
                RefusalKind::Invalid,
                "自评由本人进行，无需指定",
                "the self group is the subject and needs no assignment",
            ));
        }
        RaterGroup::Customers => {
            return Err(Refusal::new(
                RefusalKind::Invalid,
                "客户通过一次性评分链接评分，不能指定为员工评分人",
                "customers rate through a single-use link and cannot be assigned as employees",
            ));
        }
        RaterGroup::Superior if by.role != Role::Hr => {
            return Err(Refusal::new(
                RefusalKind::WrongRole,
                "上级无需指定；代理上级由人力资源部指定",
                "the superior rates without assignment; only HR assigns an acting superior",
            ));
        }
        _ => {}
    }
    if rater_id == subject_id {
        return Err(Refusal::new(
            RefusalKind::Invalid,
            format!("被考核者不能在「{}」组给自己评分", group.name_zh()),
            format!(
                "the subject cannot rate themself in the {} group",
                group.as_str()
            ),
        ));
    }
    if existing
        .iter()
        .any(|a| a.rater_id == rater_id && a.group == group)
    {
        return Err(Refusal::new(
            RefusalKind::Duplicate,
            "该评分人已在此组",
            "this rater is already assigned to this group",
        ));
    }
    Ok(())
}

/// Whether `actor` may rate the subject in `group`.
pub fn may_rate(state: &CycleState, actor: &Actor, group: RaterGroup) -> Result<(), Refusal> {
    let assigned = state
        .raters()
        .iter()
        .any(|a| a.rater_id == actor.employee_id && a.group == group);
    let ok = match group {
        RaterGroup::SelfReview => actor.is_subject,
        RaterGroup::Customers => false,
        RaterGroup::Superior => !actor.is_subject && (actor.is_superior_of_subject || assigned),
        _ => !actor.is_subject && assigned,
    };
    if ok {
        return Ok(());
    }
    let (zh, en) = match group {
        RaterGroup::SelfReview => (
            "只有被考核者本人可以自评".to_string(),
            "only the subject rates in the self group".to_string(),
        ),
        RaterGroup::Customers => (
            "客户评分只能通过客户评分链接提交".to_string(),
            "customer ratings come only through a customer link".to_string(),
        ),
        _ if actor.is_subject => (
            format!("被考核者不能在「{}」组给自己评分", group.name_zh()),
            format!(
                "the subject cannot rate themself in the {} group",
                group.as_str()
            ),
        ),
        _ => (
            format!("你不是此人「{}」组的评分人", group.name_zh()),
            format!(
                "you are not a rater of this person in the {} group",
                group.as_str()
            ),
        ),
    };
    Err(Refusal::new(RefusalKind::WrongRole, zh, en))
}

/// Whether every assigned rater (and the superior and self groups the scheme rates with,
/// when someone rated in them) has rated every rated indicator. With no rated indicators
/// listed, one rating per assigned rater counts as complete.
pub(crate) fn ratings_complete(state: &CycleState) -> bool {
    let rated = &state.setup().rated_indicators;
    state.raters().iter().all(|a| {
        let mine = |ind: Option<&str>| {
            state.ratings().iter().any(|r| {
                r.rater == RaterId::Employee(a.rater_id)
                    && r.group == a.group
                    && ind.is_none_or(|i| r.indicator == i)
            })
        };
        if rated.is_empty() {
            mine(None)
        } else {
            rated.iter().all(|i| mine(Some(i)))
        }
    })
}

/// Records a rating in `ratings`: a second one by the same rater in the same group for the
/// same indicator **replaces** the first (its revision count goes up). The caller has already
/// checked the deadline, so replacing is only possible while ratings are open; after the
/// deadline every submission, first or second, needs HR's extension.
pub(crate) fn record(ratings: &mut Vec<Rating>, rating: Rating) {
    if let Some(old) = ratings.iter_mut().find(|r| {
        r.rater == rating.rater && r.group == rating.group && r.indicator == rating.indicator
    }) {
        let revisions = old.revisions + 1;
        *old = Rating {
            revisions,
            ..rating
        };
    } else {
        ratings.push(rating);
    }
}

/// A rating as one reader may see it: peer and customer raters are hidden from the subject
/// (SPEC §7a, confidential 360); HR and the committee see who rated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RatingView {
    /// Who rated; `None` when hidden from this reader.
    pub rater: Option<RaterId>,
    /// In which group.
    pub group: RaterGroup,
    /// Indicator code.
    pub indicator: String,
    /// The value.
    pub value: f64,
    /// The remark.
    pub comment: String,
}

/// The ratings `reader` may see: HR and the committee all of them with raters; the subject all
/// of them with anonymous groups' raters hidden; the superior those of non-anonymous groups
/// and their own; any other rater only their own.
pub fn ratings_visible_to(state: &CycleState, reader: &Actor) -> Vec<RatingView> {
    let oversight = matches!(reader.role, Role::Hr | Role::Committee) && !reader.is_subject;
    state
        .ratings()
        .iter()
        .filter_map(|r| {
            let own = r.rater == RaterId::Employee(reader.employee_id);
            let show_rater = oversight || own || !r.group.anonymous();
            let visible = oversight
                || own
                || reader.is_subject
                || (reader.is_superior_of_subject && !r.group.anonymous());
            visible.then(|| RatingView {
                rater: show_rater.then_some(r.rater),
                group: r.group,
                indicator: r.indicator.clone(),
                value: r.value,
                comment: r.comment.clone(),
            })
        })
        .collect()
}
