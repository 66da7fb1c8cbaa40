//! Customer raters answer through a single-use, expiring link (客户评分链接). The storage layer
//! makes the random secret and keeps only its hash; these are the rules, as pure functions.

use super::{Refusal, RefusalKind};
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
    /// When its issuer revoked it (unused links only); a revoked token is never valid again.
    #[serde(default)]
    pub revoked_at: Option<DateTime<Utc>>,
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
    /// Its issuer revoked it before it was used.
    Revoked,
}

impl TokenStatus {
    /// Chinese text for the customer.
    pub fn zh(self) -> &'static str {
        match self {
            TokenStatus::Valid => "链接有效",
            TokenStatus::NotYetValid => "链接尚未生效",
            TokenStatus::Expired => "链接已过期",
            TokenStatus::Used => "链接已使用，每个链接只能评分一次",
            TokenStatus::Revoked => "链接已被发出人撤销",
        }
    }

    /// English text for the customer.
    pub fn en(self) -> &'static str {
        match self {
            TokenStatus::Valid => "the link is valid",
            TokenStatus::NotYetValid => "the link is not valid yet",
            TokenStatus::Expired => "the link has expired",
            TokenStatus::Used => "the link was used already; each link rates once",
            TokenStatus::Revoked => "the link was revoked by whoever issued it",
        }
    }

    /// The state a link is listed with: `unused`, `used`, `expired` or `revoked` (a link not
    /// yet valid because of clock skew is listed as unused).
    pub fn list_state(self) -> &'static str {
        match self {
            TokenStatus::Valid | TokenStatus::NotYetValid => "unused",
            TokenStatus::Used => "used",
            TokenStatus::Expired => "expired",
            TokenStatus::Revoked => "revoked",
        }
    }
}

/// Proof that a token was valid and has now been used. Only [`CustomerToken::redeem`] makes
/// one, so a customer rating cannot be recorded without passing the token rules. It cannot be
/// read from data either (its `Deserialize` always refuses): a hand-made "redeemed token" in a
/// step's JSON is refused wherever the step comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RedeemedToken {
    subject_id: EmployeeId,
    period: Period,
    customer_id: CustomerId,
    redeemed_at: DateTime<Utc>,
}

impl<'de> Deserialize<'de> for RedeemedToken {
    fn deserialize<D: serde::Deserializer<'de>>(_: D) -> Result<Self, D::Error> {
        Err(serde::de::Error::custom(
            "客户评分只能通过客户评分链接提交 / a customer rating comes only through a customer's rating link",
        ))
    }
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
            revoked_at: None,
        }
    }

    /// The token's status at `now`. Used wins over revoked and expired: the customer answered;
    /// revoked wins over expired: someone decided.
    pub fn status(&self, now: DateTime<Utc>) -> TokenStatus {
        if self.used_at.is_some() {
            TokenStatus::Used
        } else if self.revoked_at.is_some() {
            TokenStatus::Revoked
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

/// The longest contact name a link accepts, in characters.
pub const MAX_CONTACT_NAME_CHARS: usize = 60;
/// The longest e-mail address a link accepts, in characters (RFC 5321's limit).
pub const MAX_EMAIL_CHARS: usize = 254;

fn invalid(zh: String, en: String) -> Refusal {
    Refusal::new(RefusalKind::Invalid, zh, en)
}

/// Checks whom a link is sent to: a contact name (1 to [`MAX_CONTACT_NAME_CHARS`] characters)
/// and a contact, either a phone number (7 to 20 digits, written as on customer records) or an
/// e-mail address (at most [`MAX_EMAIL_CHARS`] characters). Returns both trimmed, or a refusal
/// naming the field (`contact_name`, `contact`) and what is wrong, in Chinese and English.
pub fn check_contact(name: &str, contact: &str) -> Result<(String, String), Refusal> {
    let name = name.trim();
    let contact = contact.trim();
    if name.is_empty() {
        return Err(Refusal::empty("联系人姓名（contact_name）", "contact_name"));
    }
    let n = name.chars().count();
    if n > MAX_CONTACT_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(invalid(
            format!(
                "联系人姓名（contact_name）须为 1 到 {MAX_CONTACT_NAME_CHARS} 个字符，不含控制字符（现为 {n} 个）"
            ),
            format!(
                "contact_name must be 1 to {MAX_CONTACT_NAME_CHARS} characters without control characters (it has {n})"
            ),
        ));
    }
    if contact.is_empty() {
        return Err(Refusal::empty("联系方式（contact）", "contact"));
    }
    if contact.contains('@') {
        check_email(contact)?;
    } else {
        check_phone(contact)?;
    }
    Ok((name.to_string(), contact.to_string()))
}

fn check_email(text: &str) -> Result<(), Refusal> {
    let n = text.chars().count();
    let (local, domain) = text.split_once('@').unwrap_or(("", ""));
    let ok = n <= MAX_EMAIL_CHARS
        && !local.is_empty()
        && local.chars().count() <= 64
        && !domain.contains('@')
        && domain.contains('.')
        && domain.split('.').all(|label| !label.is_empty())
        && !text.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(())
    } else {
        Err(invalid(
            format!(
                "联系方式（contact）「{}」不是有效的电子邮箱（如 name@example.com，最多 {MAX_EMAIL_CHARS} 个字符）",
                preview(text)
            ),
            format!(
                "contact `{}` is not an e-mail address (like name@example.com, at most {MAX_EMAIL_CHARS} characters)",
                preview(text)
            ),
        ))
    }
}

fn check_phone(text: &str) -> Result<(), Refusal> {
    let digits = text.chars().filter(char::is_ascii_digit).count();
    let phone_chars = |c: char| c.is_ascii_digit() || " -+()转".contains(c);
    if (7..=20).contains(&digits) && text.chars().all(phone_chars) {
        Ok(())
    } else {
        Err(invalid(
            format!(
                "联系方式（contact）「{}」既不是电话号码（7 到 20 位数字）也不是电子邮箱",
                preview(text)
            ),
            format!(
                "contact `{}` is neither a phone number (7 to 20 digits) nor an e-mail address",
                preview(text)
            ),
        ))
    }
}

/// At most 40 characters of what was typed, for a message.
fn preview(text: &str) -> String {
    let mut out: String = text.chars().take(40).collect();
    if text.chars().count() > 40 {
        out.push('…');
    }
    out
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

    #[test]
    fn a_contact_is_a_phone_number_or_an_e_mail_address() {
        assert!(check_contact(" 王经理 ", "138-0000-1234").is_ok());
        assert!(check_contact("Ms Li", "li@example.com").is_ok());
        let en = |n: &str, c: &str| check_contact(n, c).unwrap_err().en;
        assert!(en("", "li@example.com").contains("contact_name"));
        assert!(en(&"x".repeat(61), "li@example.com").contains("contact_name"));
        assert!(en("Li", "").contains("contact"));
        assert!(en("Li", "12345").contains("phone number"));
        assert!(en("Li", "li@example").contains("e-mail"));
        assert!(en("Li", &format!("{}@example.com", "a".repeat(250))).contains("e-mail"));
    }

    #[test]
    fn a_hand_made_redeemed_token_cannot_be_read_from_data() {
        let json = r#"{"subject_id":1,"period":"2026-10","customer_id":1,"redeemed_at":"2026-11-01T00:00:00Z"}"#;
        let err = serde_json::from_str::<RedeemedToken>(json).unwrap_err();
        assert!(err.to_string().contains("customer's rating link"), "{err}");
    }

    #[test]
    fn a_revoked_token_is_not_valid() {
        let mut t = token();
        t.revoked_at = Some(at(4, 9));
        assert_eq!(t.status(at(4, 10)), TokenStatus::Revoked);
        assert_eq!(t.redeem(at(4, 10)), Err(TokenStatus::Revoked));
        assert_eq!(TokenStatus::Revoked.list_state(), "revoked");
    }
}
