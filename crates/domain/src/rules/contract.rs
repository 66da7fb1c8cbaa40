//! The contract flow (合同): drafted → legal/manager review (passed or returned) → signed →
//! archived, each step with its time. A contract is signed only after a passed review.
//!
//! The stored status list (`drafted, in_review, returned, signed, archived`) names the stage:
//! `in_review` is a contract whose latest review passed and which awaits signature (the
//! generator and the schema use it so); a returned contract goes back to review.

use chrono::{DateTime, Utc};
use std::fmt;

/// Where a contract stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContractStage {
    /// 草拟: written, not reviewed yet.
    Drafted,
    /// 审核退回: the latest review returned it.
    Returned,
    /// 审核通过: the latest review passed; it may be signed (stored as `in_review`).
    ReviewPassed,
    /// 已签约.
    Signed,
    /// 已归档.
    Archived,
}

/// One step a person takes on a contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContractAction {
    /// Legal / manager review; a return needs a comment saying what to fix.
    Review { passed: bool, comment: String },
    /// Both parties signed.
    Sign,
    /// Filed in the archive.
    Archive,
}

/// Why a contract step was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContractFlowError {
    #[error("a contract is signed only after a passed review (it is {0})")]
    SignBeforePassedReview(ContractStage),
    #[error("{action} is not allowed when the contract is {stage}")]
    OutOfOrder {
        stage: ContractStage,
        action: &'static str,
    },
    #[error("a returned review needs a comment")]
    ReturnWithoutComment,
    #[error("a step cannot be earlier than the previous step ({previous})")]
    BeforePreviousStep { previous: DateTime<Utc> },
}

impl ContractStage {
    /// Reads a stored status.
    pub fn from_status(status: &str) -> Option<Self> {
        Some(match status {
            "drafted" => Self::Drafted,
            "returned" => Self::Returned,
            "in_review" => Self::ReviewPassed,
            "signed" => Self::Signed,
            "archived" => Self::Archived,
            _ => return None,
        })
    }

    /// The stored status of this stage.
    pub fn status(self) -> &'static str {
        match self {
            Self::Drafted => "drafted",
            Self::Returned => "returned",
            Self::ReviewPassed => "in_review",
            Self::Signed => "signed",
            Self::Archived => "archived",
        }
    }

    /// The step name and outcome recorded in `contract_steps` for `action`.
    pub fn step_row(action: &ContractAction) -> (&'static str, &'static str) {
        match action {
            ContractAction::Review { passed: true, .. } => ("review", "passed"),
            ContractAction::Review { passed: false, .. } => ("review", "returned"),
            ContractAction::Sign => ("signed", "done"),
            ContractAction::Archive => ("archived", "done"),
        }
    }

    /// The stage after `action` taken at `at`, the previous step having been at `previous`.
    pub fn apply(
        self,
        action: &ContractAction,
        at: DateTime<Utc>,
        previous: DateTime<Utc>,
    ) -> Result<Self, ContractFlowError> {
        if at < previous {
            return Err(ContractFlowError::BeforePreviousStep { previous });
        }
        use ContractStage::*;
        match (self, action) {
            (Drafted | Returned, ContractAction::Review { passed: true, .. }) => Ok(ReviewPassed),
            (
                Drafted | Returned,
                ContractAction::Review {
                    passed: false,
                    comment,
                },
            ) => {
                if comment.trim().is_empty() {
                    Err(ContractFlowError::ReturnWithoutComment)
                } else {
                    Ok(Returned)
                }
            }
            (ReviewPassed, ContractAction::Sign) => Ok(Signed),
            (Drafted | Returned, ContractAction::Sign) => {
                Err(ContractFlowError::SignBeforePassedReview(self))
            }
            (Signed, ContractAction::Archive) => Ok(Archived),
            (stage, action) => Err(ContractFlowError::OutOfOrder {
                stage,
                action: match action {
                    ContractAction::Review { .. } => "review",
                    ContractAction::Sign => "signing",
                    ContractAction::Archive => "archiving",
                },
            }),
        }
    }
}

impl fmt::Display for ContractStage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Drafted => "drafted (草拟)",
            Self::Returned => "returned by review (审核退回)",
            Self::ReviewPassed => "reviewed, awaiting signature (审核通过)",
            Self::Signed => "signed (已签约)",
            Self::Archived => "archived (已归档)",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 10, 8, h, 0, 0).unwrap()
    }
    fn review(passed: bool, comment: &str) -> ContractAction {
        ContractAction::Review {
            passed,
            comment: comment.into(),
        }
    }

    #[test]
    fn signing_a_drafted_contract_before_a_passed_review_is_refused() {
        let e = ContractStage::Drafted
            .apply(&ContractAction::Sign, t(3), t(2))
            .unwrap_err();
        assert!(matches!(e, ContractFlowError::SignBeforePassedReview(_)));
        let e = ContractStage::Returned
            .apply(&ContractAction::Sign, t(3), t(2))
            .unwrap_err();
        assert!(e.to_string().contains("only after a passed review"), "{e}");
    }

    #[test]
    fn the_full_flow_drafted_returned_passed_signed_archived_is_accepted() {
        let s = ContractStage::Drafted;
        let s = s.apply(&review(false, "金额有误"), t(2), t(1)).unwrap();
        assert_eq!(s, ContractStage::Returned);
        let s = s.apply(&review(true, ""), t(3), t(2)).unwrap();
        assert_eq!(s.status(), "in_review");
        let s = s.apply(&ContractAction::Sign, t(4), t(3)).unwrap();
        let s = s.apply(&ContractAction::Archive, t(4), t(4)).unwrap();
        assert_eq!(s, ContractStage::Archived);
    }

    #[test]
    fn a_review_return_without_a_comment_is_refused() {
        let e = ContractStage::Drafted
            .apply(&review(false, "  "), t(2), t(1))
            .unwrap_err();
        assert_eq!(e, ContractFlowError::ReturnWithoutComment);
    }

    #[test]
    fn archiving_before_signing_and_steps_back_in_time_are_refused() {
        assert!(
            ContractStage::ReviewPassed
                .apply(&ContractAction::Archive, t(3), t(2))
                .is_err()
        );
        let e = ContractStage::ReviewPassed
            .apply(&ContractAction::Sign, t(1), t(2))
            .unwrap_err();
        assert!(matches!(e, ContractFlowError::BeforePreviousStep { .. }));
    }

    #[test]
    fn every_stored_status_round_trips_through_its_stage() {
        for s in ["drafted", "returned", "in_review", "signed", "archived"] {
            assert_eq!(ContractStage::from_status(s).unwrap().status(), s);
        }
        assert!(ContractStage::from_status("lost").is_none());
    }
}
