//! Customer credit (信用评估, SPEC §3): whether a new order or contract stays within the
//! customer's credit, and how old the money customers still owe is (应收账款账龄).
//!
//! A customer's exposure is what they owe now (receivables not yet paid) plus the new amount.
//! Beyond the limit of the customer's latest assessment, or for a customer under watch, the
//! order or contract needs a manager's approval with a reason before it is signed. A customer
//! never assessed has no limit: kaohe does not invent one.

use crate::Cents;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The customer's latest credit assessment, as far as the check needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditLine {
    /// The credit limit (信用额度).
    pub limit: Cents,
    /// Under watch (重点关注): every order needs approval.
    pub watch: bool,
    /// When the assessment is due for review (复评日期).
    pub review_on: NaiveDate,
}

/// Why an order or contract needs a manager's approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CreditFlag {
    /// Outstanding receivables plus the new amount exceed the limit (超出信用额度).
    OverLimit,
    /// The customer is under watch (重点关注客户).
    Watch,
}

impl CreditFlag {
    /// The flag's code.
    pub fn as_str(self) -> &'static str {
        match self {
            CreditFlag::OverLimit => "over_limit",
            CreditFlag::Watch => "watch",
        }
    }
}

/// The outcome of a credit check before signing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditCheck {
    /// The limit checked against (`None`: the customer was never assessed).
    pub limit: Option<Cents>,
    /// Receivables not yet paid.
    pub outstanding: Cents,
    /// The new amount.
    pub amount: Cents,
    /// Outstanding plus the new amount.
    pub exposure: Cents,
    /// Why approval is needed (empty: it is not).
    pub flags: Vec<CreditFlag>,
    /// The assessment is past its review date (shown, not blocking: the rating is stale).
    pub review_overdue: bool,
}

impl CreditCheck {
    /// Whether the order or contract needs a manager's approval before signing.
    pub fn needs_approval(&self) -> bool {
        !self.flags.is_empty()
    }

    /// Why, in Chinese and English, for a refusal or a warning.
    pub fn explain(&self) -> (String, String) {
        let mut zh = Vec::new();
        let mut en = Vec::new();
        for f in &self.flags {
            match f {
                CreditFlag::OverLimit => {
                    let limit = self.limit.unwrap_or_default();
                    zh.push(format!(
                        "未收应收款 {} 元加本次 {} 元共 {} 元，超出信用额度 {} 元",
                        self.outstanding, self.amount, self.exposure, limit
                    ));
                    en.push(format!(
                        "outstanding receivables {} plus this {} make {}, beyond the credit limit {}",
                        self.outstanding, self.amount, self.exposure, limit
                    ));
                }
                CreditFlag::Watch => {
                    zh.push("客户处于重点关注名单".to_string());
                    en.push("the customer is under watch".to_string());
                }
            }
        }
        (zh.join("；"), en.join("; "))
    }
}

/// Checks a new amount for a customer against their latest assessment on `today`.
pub fn check(
    line: Option<CreditLine>,
    outstanding: Cents,
    amount: Cents,
    today: NaiveDate,
) -> CreditCheck {
    let exposure = Cents(outstanding.0.saturating_add(amount.0));
    let mut flags = Vec::new();
    if let Some(l) = line {
        if exposure > l.limit {
            flags.push(CreditFlag::OverLimit);
        }
        if l.watch {
            flags.push(CreditFlag::Watch);
        }
    }
    CreditCheck {
        limit: line.map(|l| l.limit),
        outstanding,
        amount,
        exposure,
        flags,
        review_overdue: line.is_some_and(|l| l.review_on < today),
    }
}

/// A manager's reason for approving a flagged order or contract: required, and more than a
/// token word, because it is what an auditor reads later.
pub fn check_reason(reason: &str) -> Result<&str, String> {
    let r = reason.trim();
    if r.chars().count() < 2 {
        return Err("an approval beyond the credit limit needs a reason (审批理由)".into());
    }
    Ok(r)
}

/// The ageing buckets of receivables (账龄), by days past the due date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgeBucket {
    /// Not due yet (未到期).
    NotDue,
    /// 0–30 days past due, the due day itself counting as 0.
    Days0To30,
    /// 31–60 days.
    Days31To60,
    /// 61–90 days.
    Days61To90,
    /// More than 90 days.
    Over90,
}

impl AgeBucket {
    /// Every bucket, youngest first.
    pub const ALL: [AgeBucket; 5] = [
        AgeBucket::NotDue,
        AgeBucket::Days0To30,
        AgeBucket::Days31To60,
        AgeBucket::Days61To90,
        AgeBucket::Over90,
    ];

    /// The bucket of a receivable due on `due_on`, seen on `as_of`.
    pub fn of(due_on: NaiveDate, as_of: NaiveDate) -> Self {
        match (as_of - due_on).num_days() {
            d if d < 0 => AgeBucket::NotDue,
            0..=30 => AgeBucket::Days0To30,
            31..=60 => AgeBucket::Days31To60,
            61..=90 => AgeBucket::Days61To90,
            _ => AgeBucket::Over90,
        }
    }

    /// The earliest due date of each bucket but the oldest, youngest first, seen on `as_of`: a
    /// receivable falls in the first bucket whose date its due date reaches, else in
    /// [`AgeBucket::Over90`]. The same rule as [`AgeBucket::of`], as bounds a query can compare
    /// dates with.
    pub fn earliest_due(as_of: NaiveDate) -> [NaiveDate; 4] {
        [1, -30, -60, -90].map(|d| as_of + chrono::Duration::days(d))
    }

    /// The bucket's code.
    pub fn as_str(self) -> &'static str {
        match self {
            AgeBucket::NotDue => "not_due",
            AgeBucket::Days0To30 => "0-30",
            AgeBucket::Days31To60 => "31-60",
            AgeBucket::Days61To90 => "61-90",
            AgeBucket::Over90 => ">90",
        }
    }

    /// The bucket's heading (zh, en).
    pub fn label(self) -> (&'static str, &'static str) {
        match self {
            AgeBucket::NotDue => ("未到期", "not due"),
            AgeBucket::Days0To30 => ("0–30天", "0–30 days"),
            AgeBucket::Days31To60 => ("31–60天", "31–60 days"),
            AgeBucket::Days61To90 => ("61–90天", "61–90 days"),
            AgeBucket::Over90 => (">90天", ">90 days"),
        }
    }
}

/// One receivable's unpaid remainder on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unpaid {
    /// When it was due.
    pub due_on: NaiveDate,
    /// The amount still owed (amount minus payments received by then).
    pub owed: Cents,
}

/// What one customer or rep owes, per ageing bucket.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ageing {
    /// Owed per bucket, in [`AgeBucket::ALL`] order.
    pub buckets: [Cents; 5],
}

impl Ageing {
    /// Adds the unpaid remainder of one receivable (nothing when it is paid off).
    pub fn add(&mut self, u: Unpaid, as_of: NaiveDate) {
        if u.owed.0 <= 0 {
            return;
        }
        let i = AgeBucket::ALL
            .iter()
            .position(|b| *b == AgeBucket::of(u.due_on, as_of))
            .unwrap_or(0);
        self.buckets[i] = Cents(self.buckets[i].0 + u.owed.0);
    }

    /// What is owed in `bucket`.
    pub fn get(&self, bucket: AgeBucket) -> Cents {
        let i = AgeBucket::ALL
            .iter()
            .position(|b| *b == bucket)
            .unwrap_or(0);
        self.buckets[i]
    }

    /// Everything owed.
    pub fn total(&self) -> Cents {
        Cents(self.buckets.iter().map(|c| c.0).sum())
    }

    /// Everything past its due date.
    pub fn overdue(&self) -> Cents {
        Cents(self.total().0 - self.get(AgeBucket::NotDue).0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn line(limit: i64, watch: bool) -> Option<CreditLine> {
        Some(CreditLine {
            limit: Cents::yuan(limit),
            watch,
            review_on: d(2027, 1, 1),
        })
    }

    #[test]
    fn the_bucket_bounds_follow_the_bucket_rule_on_every_day_around_them() {
        let as_of = d(2026, 3, 1);
        let bounds = AgeBucket::earliest_due(as_of);
        for back in -40..200 {
            let due = as_of - chrono::Duration::days(back);
            let by_bounds = bounds
                .iter()
                .position(|b| due >= *b)
                .map_or(AgeBucket::Over90, |i| AgeBucket::ALL[i]);
            assert_eq!(by_bounds, AgeBucket::of(due, as_of), "{due}");
        }
        assert_eq!(AgeBucket::of(bounds[1], as_of), AgeBucket::Days0To30);
        assert_eq!(AgeBucket::of(bounds[3], as_of), AgeBucket::Days61To90);
        assert_eq!(
            AgeBucket::of(bounds[3] - chrono::Duration::days(1), as_of),
            AgeBucket::Over90
        );
    }

    #[test]
    fn an_order_within_the_limit_needs_no_approval() {
        let c = check(
            line(100_000, false),
            Cents::yuan(60_000),
            Cents::yuan(40_000),
            d(2026, 10, 8),
        );
        assert!(!c.needs_approval(), "exactly at the limit is within it");
        assert_eq!(c.exposure, Cents::yuan(100_000));
    }

    #[test]
    fn outstanding_plus_new_beyond_the_limit_is_flagged() {
        let c = check(
            line(100_000, false),
            Cents::yuan(60_000),
            Cents(4_000_001),
            d(2026, 10, 8),
        );
        assert_eq!(c.flags, vec![CreditFlag::OverLimit]);
        let (zh, en) = c.explain();
        assert!(zh.contains("超出信用额度 100000.00"), "{zh}");
        assert!(en.contains("beyond the credit limit"), "{en}");
    }

    #[test]
    fn a_customer_under_watch_needs_approval_for_any_amount() {
        let c = check(line(100_000, true), Cents(0), Cents(100), d(2026, 10, 8));
        assert_eq!(c.flags, vec![CreditFlag::Watch]);
    }

    #[test]
    fn a_customer_never_assessed_has_no_limit() {
        let c = check(None, Cents::yuan(1_000_000), Cents::yuan(1), d(2026, 10, 8));
        assert!(!c.needs_approval());
        assert_eq!(c.limit, None);
    }

    #[test]
    fn a_stale_assessment_is_shown_as_overdue_for_review() {
        let c = check(line(10, false), Cents(0), Cents(0), d(2027, 1, 2));
        assert!(c.review_overdue);
    }

    #[test]
    fn an_approval_without_a_reason_is_refused() {
        assert!(check_reason("  ").is_err());
        assert!(check_reason("老客户，已提供担保").is_ok());
    }

    #[test]
    fn ageing_buckets_break_at_30_60_and_90_days() {
        let due = d(2026, 6, 1);
        let at = |n: i64| due + chrono::TimeDelta::days(n);
        assert_eq!(AgeBucket::of(due, at(-1)), AgeBucket::NotDue);
        assert_eq!(AgeBucket::of(due, at(0)), AgeBucket::Days0To30);
        assert_eq!(AgeBucket::of(due, at(30)), AgeBucket::Days0To30);
        assert_eq!(AgeBucket::of(due, at(31)), AgeBucket::Days31To60);
        assert_eq!(AgeBucket::of(due, at(60)), AgeBucket::Days31To60);
        assert_eq!(AgeBucket::of(due, at(61)), AgeBucket::Days61To90);
        assert_eq!(AgeBucket::of(due, at(90)), AgeBucket::Days61To90);
        assert_eq!(AgeBucket::of(due, at(91)), AgeBucket::Over90);
    }

    #[test]
    fn paid_off_receivables_do_not_age() {
        let mut a = Ageing::default();
        let as_of = d(2026, 10, 1);
        a.add(
            Unpaid {
                due_on: d(2026, 1, 1),
                owed: Cents(0),
            },
            as_of,
        );
        a.add(
            Unpaid {
                due_on: d(2026, 9, 1),
                owed: Cents(500),
            },
            as_of,
        );
        assert_eq!(a.total(), Cents(500));
        assert_eq!(a.get(AgeBucket::Days0To30), Cents(500));
        assert_eq!(a.overdue(), Cents(500));
    }
}
