//! The expense flow (销售费用): submitted → manager first review (approve / return) → finance
//! final review (approve / return) → paid. A return needs a comment; a returned claim may be
//! resubmitted. A claim is flagged over budget when it takes the department's spending in the
//! period and category past the budget.

use crate::money::Cents;

/// One step on an expense claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExpenseAction {
    /// The manager's first review (初审).
    ManagerReview { approved: bool, comment: String },
    /// Finance's final review (复审).
    FinanceReview { approved: bool, comment: String },
    /// Finance paid the claim.
    Pay,
    /// The claimant resubmits a returned claim.
    Resubmit,
}

/// Why an expense step was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExpenseFlowError {
    #[error("a return needs a comment saying why")]
    ReturnWithoutComment,
    #[error("{action} is not allowed when the claim is {status}")]
    OutOfOrder {
        status: String,
        action: &'static str,
    },
}

impl ExpenseAction {
    /// The `(step, outcome)` recorded in `expense_steps` (`None` for a resubmission).
    pub fn step_row(&self) -> Option<(&'static str, &'static str)> {
        match self {
            Self::ManagerReview { approved, .. } => Some(("manager_review", outcome(*approved))),
            Self::FinanceReview { approved, .. } => Some(("finance_review", outcome(*approved))),
            Self::Pay => Some(("payout", "paid")),
            Self::Resubmit => None,
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Self::ManagerReview { .. } => "the manager's review",
            Self::FinanceReview { .. } => "finance's review",
            Self::Pay => "payout",
            Self::Resubmit => "resubmission",
        }
    }
}

fn outcome(approved: bool) -> &'static str {
    if approved { "approved" } else { "returned" }
}

/// The status after `action` on a claim with stored `status`.
pub fn next_status(status: &str, action: &ExpenseAction) -> Result<&'static str, ExpenseFlowError> {
    let returned_without_comment = match action {
        ExpenseAction::ManagerReview { approved, comment }
        | ExpenseAction::FinanceReview { approved, comment } => {
            !approved && comment.trim().is_empty()
        }
        _ => false,
    };
    if returned_without_comment {
        return Err(ExpenseFlowError::ReturnWithoutComment);
    }
    use ExpenseAction::*;
    match (status, action) {
        ("submitted", ManagerReview { approved: true, .. }) => Ok("manager_approved"),
        (
            "submitted",
            ManagerReview {
                approved: false, ..
            },
        ) => Ok("manager_returned"),
        ("manager_approved", FinanceReview { approved: true, .. }) => Ok("finance_approved"),
        (
            "manager_approved",
            FinanceReview {
                approved: false, ..
            },
        ) => Ok("finance_returned"),
        ("finance_approved", Pay) => Ok("paid"),
        ("manager_returned" | "finance_returned", Resubmit) => Ok("submitted"),
        _ => Err(ExpenseFlowError::OutOfOrder {
            status: status.to_string(),
            action: action.name(),
        }),
    }
}

/// Whether a claim of `amount` is over budget, given the department's `budget` for the
/// period and category (`None`: no budget set, so nothing is over it) and what was already
/// claimed there (`spent_before`, returned claims excluded by the caller).
pub fn over_budget(budget: Option<Cents>, spent_before: Cents, amount: Cents) -> bool {
    // Saturating: sums of stored amounts can never wrap into "within budget".
    budget.is_some_and(|b| spent_before.0.saturating_add(amount.0) > b.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manager(approved: bool, comment: &str) -> ExpenseAction {
        ExpenseAction::ManagerReview {
            approved,
            comment: comment.into(),
        }
    }
    fn finance(approved: bool, comment: &str) -> ExpenseAction {
        ExpenseAction::FinanceReview {
            approved,
            comment: comment.into(),
        }
    }

    #[test]
    fn a_claim_goes_submitted_manager_finance_paid_in_that_order() {
        let s = next_status("submitted", &manager(true, "")).unwrap();
        let s = next_status(s, &finance(true, "")).unwrap();
        assert_eq!(next_status(s, &ExpenseAction::Pay).unwrap(), "paid");
    }

    #[test]
    fn finance_cannot_review_before_the_manager_and_nothing_is_paid_unapproved() {
        assert!(next_status("submitted", &finance(true, "")).is_err());
        assert!(next_status("manager_approved", &ExpenseAction::Pay).is_err());
        assert!(next_status("paid", &manager(true, "")).is_err());
    }

    #[test]
    fn a_return_needs_a_comment_and_can_be_resubmitted() {
        assert_eq!(
            next_status("submitted", &manager(false, " ")).unwrap_err(),
            ExpenseFlowError::ReturnWithoutComment
        );
        let s = next_status("manager_approved", &finance(false, "缺发票")).unwrap();
        assert_eq!(s, "finance_returned");
        assert_eq!(
            next_status(s, &ExpenseAction::Resubmit).unwrap(),
            "submitted"
        );
    }

    #[test]
    fn a_claim_reaching_the_budget_exactly_is_not_over_and_one_cent_more_is() {
        let budget = Some(Cents(10_000));
        assert!(!over_budget(budget, Cents(6_000), Cents(4_000)));
        assert!(over_budget(budget, Cents(6_000), Cents(4_001)));
        assert!(!over_budget(None, Cents(1_000_000), Cents(1)));
    }
}
