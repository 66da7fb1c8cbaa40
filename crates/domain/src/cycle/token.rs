//! Customer raters answer through a single-use, expiring link (客户评分链接). The storage layer
//! makes the random secret and keeps only its hash; these are the rules, as pure functions.

use crate::org::EmployeeId;
use crate::period::Period;
use crate::records::CustomerId;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// How long a customer link is valid unless configured otherwise: two weeks covers the rating
/// window with a weekend or holiday in between.
pub const DEFAULT_TOKEN_VALIDITY_DAYS: i64 = 14;

/// A customer's rating link: issued, expires, used once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerToken {
    /// Hash of the secret in the link (the secret itself is never stored).
    pub secret_hash: String,
    /// The person the customer rates.
    pub subject_id: EmployeeId,
    /// The period rated.
    pub period: Period,
    /// The customer.
    pub customer_id: CustomerId,
    /// When it was issued.
    pub issued_at: DateTime<Utc>,
    /// Valid strictly before this instant.
    pub expires_at: DateTime<Utc>,
    /// When it was used; a used token is never valid again.
    pub used_at: Option<DateTime<Utc>>,
}

/// What a token is at an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenStatus {
    /// It may be used.
    Valid,
    /// The instant is before it was issued (clock skew or a forged time).
    NotYetValid,
    /// It has expired.
    Expired,
    /// It was used already.
    Used,
}

impl TokenStatus {
    /// Chinese text for the customer.
    pub fn zh(self) -> &'static str {
        match self {
            TokenStatus::Valid => "链接有效",
            TokenStatus::NotYetValid => "链接尚未生效",
            TokenStatus::Expired => "链接已过期",
            TokenStatus::Used => "链接已使用，每个链接只能评分一次",
        }
    }

    /// English text for the customer.
    pub fn en(self) -> &'static str {
        match self {
            TokenStatus::Valid => "the link is valid",
            TokenStatus::NotYetValid => "the link is not valid yet",
            TokenStatus::Expired => "the link has expired",
            TokenStatus::Used => "the link was used already; each link rates once",
        }
    }
}

/// Proof that a token was valid and has now been used. Only [`CustomerToken::redeem`] makes
/// one, so a customer rating cannot be recorded without passing the token rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedeemedToken {
    subject_id: EmployeeId,
    period: Period,
    customer_id: CustomerId,
    redeemed_at: DateTime<Utc>,
}

impl RedeemedToken {
    /// The person rated.
    pub fn subject_id(&self) -> EmployeeId {
        self.subject_id
    }
    /// The period rated.
    pub fn period(&self) -> Period {
        self.period
    }
    /// The customer.
    pub fn customer_id(&self) -> CustomerId {
        self.customer_id
    }
    /// When it was used.
    pub fn redeemed_at(&self) -> DateTime<Utc> {
        self.redeemed_at
    }
}

impl CustomerToken {
    /// A new token valid for `valid_for` from `issued_at` (at least one minute, so a link
    /// cannot be born expired).
    pub fn issue(
        secret_hash: impl Into<String>,
        subject_id: EmployeeId,
        period: Period,
        customer_id: CustomerId,
        issued_at: DateTime<Utc>,
        valid_for: Duration,
    ) -> Self {
        CustomerToken {
            secret_hash: secret_hash.into(),
            subject_id,
            period,
            customer_id,
            issued_at,
            expires_at: issued_at + valid_for.max(Duration::minutes(1)),
            used_at: None,
        }
    }

    /// The token's status at `now`. Used wins over expired: the customer answered.
    pub fn status(&self, now: DateTime<Utc>) -> TokenStatus {
        if self.used_at.is_some() {
            TokenStatus::Used
        } else if now < self.issued_at {
            TokenStatus::NotYetValid
        } else if now >= self.expires_at {
            TokenStatus::Expired
        } else {
            TokenStatus::Valid
        }
    }

    /// Uses the token at `now`: marks it used and returns the proof, or says why not. The
    /// storage layer saves the used mark in the same transaction as the rating.
    pub fn redeem(&mut self, now: DateTime<Utc>) -> Result<RedeemedToken, TokenStatus> {
        match self.status(now) {
            TokenStatus::Valid => {
                self.used_at = Some(now);
                Ok(RedeemedToken {
                    subject_id: self.subject_id,
                    period: self.period,
                    customer_id: self.customer_id,
                    redeemed_at: now,
                })
            }
            other => Err(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(day: u32, h: u32) -> DateTime<Utc> {
        chrono::NaiveDate::from_ymd_opt(2026, 11, day)
            .unwrap()
            .and_hms_opt(h, 0, 0)
            .unwrap()
            .and_utc()
    }

    fn token() -> CustomerToken {
        CustomerToken::issue(
            "h",
            7,
            Period::parse("2026-10").unwrap(),
            42,
            at(3, 9),
            Duration::days(DEFAULT_TOKEN_VALIDITY_DAYS),
        )
    }

    #[test]
    fn a_customer_token_is_used_once() {
        let mut t = token();
        let proof = t.redeem(at(4, 10)).unwrap();
        assert_eq!((proof.subject_id(), proof.customer_id()), (7, 42));
        assert_eq!(t.redeem(at(4, 11)), Err(TokenStatus::Used));
    }

    #[test]
    fn a_customer_token_expires_at_its_expiry_instant() {
        let mut t = token();
        assert_eq!(t.status(at(17, 8)), TokenStatus::Valid);
        assert_eq!(t.status(at(17, 9)), TokenStatus::Expired);
        assert_eq!(t.redeem(at(18, 9)), Err(TokenStatus::Expired));
        assert_eq!(t.used_at, None);
    }

    #[test]
    fn a_customer_token_is_not_valid_before_it_was_issued() {
        assert_eq!(token().status(at(3, 8)), TokenStatus::NotYetValid);
    }

    #[test]
    fn a_token_cannot_be_issued_already_expired() {
        let t = CustomerToken::issue(
            "h",
            1,
            Period::parse("2026-10").unwrap(),
            1,
            at(3, 9),
            Duration::zero(),
        );
        assert_eq!(t.status(at(3, 9)), TokenStatus::Valid);
    }
}
