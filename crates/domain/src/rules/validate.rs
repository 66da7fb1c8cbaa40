//! What makes one record valid on its own: required fields, ranges, the closed value lists of
//! [`super::enums`] (the schema's CHECK lists) and the order of its own timestamps. Checks that
//! need other records (references, duplicates, budgets) are made by the importer and the store.

use super::enums::{self, Choices};
use crate::org::{Assignment, Department, Employee, EmploymentStatus, Level, Position, Team};
use crate::records::*;

/// One broken rule, naming the field (the struct field, which is also the column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub field: &'static str,
    pub message: String,
}

/// A record that can check itself.
pub trait Validate {
    /// Every rule the record breaks (empty when it is valid).
    fn violations(&self) -> Vec<Violation>;
}

/// Collects violations with short helpers, one per kind of rule.
#[derive(Default)]
struct Check(Vec<Violation>);

impl Check {
    fn fail(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.push(Violation {
            field,
            message: message.into(),
        });
    }
    fn required(&mut self, field: &'static str, v: &str) {
        if v.trim().is_empty() {
            self.fail(field, "is required");
        }
    }
    fn choice(&mut self, field: &'static str, v: &str, choices: Choices) {
        if !enums::is_code(choices, v) {
            self.fail(
                field,
                format!("`{v}` is not one of: {}", enums::codes(choices)),
            );
        }
    }
    fn at_least(&mut self, field: &'static str, v: i64, min: i64) {
        if v < min {
            self.fail(field, format!("must be at least {min}, not {v}"));
        }
    }
    fn not_before<T: PartialOrd + std::fmt::Display>(
        &mut self,
        field: &'static str,
        later: Option<T>,
        earlier_field: &str,
        earlier: T,
    ) {
        if let Some(l) = later.filter(|l| *l < earlier) {
            self.fail(field, format!("{l} is before {earlier_field} ({earlier})"));
        }
    }
}

impl Validate for Customer {
    fn violations(&self) -> Vec<Violation> {
        let mut c = Check::default();
        c.required("archive_no", &self.archive_no);
        c.required("name", &self.name);
        c.choice("class", &self.class, enums::CUSTOMER_CLASSES);
        let digits = self.phone.chars().filter(char::is_ascii_digit).count();
        let phone_chars = |ch: char| ch.is_ascii_digit() || " -+()转".contains(ch);
        if !self.phone.is_empty()
            && (!(7..=20).contains(&digits) || !self.phone.chars().all(phone_chars))
        {
            c.fail(
                "phone",
                format!("`{}` is not a phone number (7–20 digits)", self.phone),
            );
        }
        c.0
    }
}

impl Validate for Call {
    fn violations(&self) -> Vec<Violation> {
        let mut c = Check::default();
        c.choice("direction", &self.direction, enums::CALL_DIRECTIONS);
        c.choice("outcome", &self.outcome, enums::CALL_OUTCOMES);
        c.at_least("duration_s", self.duration_s.into(), 0);
        if self.duration_s > 86_400 {
            c.fail("duration_s", "a call cannot last more than a day");
        }
        if let Some(r) = self.rings {
            c.at_least("rings", r.into(), 0);
            if self.direction == "outbound" {
                c.fail("rings", "rings are counted for inbound calls only");
            }
        }
        if self.is_callback && self.callback_due_at.is_none() {
            c.fail("callback_due_at", "a call-back (回访) needs its due time");
        }
        c.0
    }
}

impl Validate for Visit {
    fn violations(&self) -> Vec<Violation> {
        let mut c = Check::default();
        c.choice("kind", &self.kind, enums::VISIT_KINDS);
        c.0
    }
}

impl Validate for Order {
    fn violations(&self) -> Vec<Violation> {
        let mut c = Check::default();
        c.required("order_no", &self.order_no);
        c.at_least("amount_cents", self.amount_cents, 0);
        c.at_least("entry_errors", self.entry_errors.into(), 0);
        c.at_least("price_ratio_bp", self.price_ratio_bp.into(), 1);
        c.choice("status", &self.status, enums::ORDER_STATUSES);
        c.not_before(
            "entered_at",
            Some(self.entered_at),
            "received_at",
            self.received_at,
        );
        c.0
    }
}

impl Validate for Shipment {
    fn violations(&self) -> Vec<Violation> {
        let mut c = Check::default();
        c.not_before("shipped_on", self.shipped_on, "the order day", self.day);
        c.0
    }
}

impl Validate for Contract {
    fn violations(&self) -> Vec<Violation> {
        let mut c = Check::default();
        c.required("contract_no", &self.contract_no);
        c.at_least("amount_cents", self.amount_cents, 0);
        c.choice("status", &self.status, enums::CONTRACT_STATUSES);
        let signed = matches!(self.status.as_str(), "signed" | "archived");
        if signed && self.signed_at.is_none() {
            c.fail("signed_at", "a signed contract needs its signing time");
        }
        if !signed && self.signed_at.is_some() {
            c.fail(
                "signed_at",
                "an unsigned contract has no signing time (sign only after a passed review)",
            );
        }
        if self.status == "archived" && self.archived_at.is_none() {
            c.fail(
                "archived_at",
                "an archived contract needs its archiving time",
            );
        }
        c.not_before("signed_at", self.signed_at, "drafted_at", self.drafted_at);
        if let Some(s) = self.signed_at {
            c.not_before("archived_at", self.archived_at, "signed_at", s);
        }
        c.0
    }
}

impl Validate for Receivable {
    fn violations(&self) -> Vec<Violation> {
        let mut c = Check::default();
        c.at_least("amount_cents", self.amount_cents, 0);
        c.at_least("instalment", self.instalment.into(), 1);
        c.0
    }
}

impl Validate for Payment {
    fn violations(&self) -> Vec<Violation> {
        let mut c = Check::default();
        c.at_least("amount_cents", self.amount_cents, 1);
        c.0
    }
}

impl Validate for Complaint {
    fn violations(&self) -> Vec<Violation> {
        let mut c = Check::default();
        if let Some(s) = self.satisfaction.filter(|s| !(1..=5).contains(s)) {
            c.fail("satisfaction", format!("must be 1 to 5, not {s}"));
        }
        c.not_before(
            "resolved_at",
            self.resolved_at,
            "received_at",
            self.received_at,
        );
        c.0
    }
}

impl Validate for Expense {
    fn violations(&self) -> Vec<Violation> {
        let mut c = Check::default();
        c.choice("category", &self.category, enums::EXPENSE_CATEGORIES);
        c.choice("status", &self.status, enums::EXPENSE_STATUSES);
        c.at_least("amount_cents", self.amount_cents, 1);
        c.at_least("receipts", self.receipts.into(), 0);
        c.0
    }
}

impl Validate for Attendance {
    fn violations(&self) -> Vec<Violation> {
        let mut c = Check::default();
        c.choice("status", &self.status, enums::ATTENDANCE_STATUSES);
        c.0
    }
}

impl Validate for Report {
    fn violations(&self) -> Vec<Violation> {
        let mut c = Check::default();
        c.choice("kind", &self.kind, enums::REPORT_KINDS);
        c.0
    }
}

impl Validate for Document {
    fn violations(&self) -> Vec<Violation> {
        let mut c = Check::default();
        c.required("kind", &self.kind);
        c.0
    }
}

impl Validate for CreditAssessment {
    fn violations(&self) -> Vec<Violation> {
        let mut c = Check::default();
        c.choice("rating", &self.rating, enums::CREDIT_RATINGS);
        c.at_least("limit_cents", self.limit_cents, 0);
        c.not_before(
            "review_on",
            Some(self.review_on),
            "assessed_on",
            self.assessed_on,
        );
        c.0
    }
}

impl Validate for OrderLine {
    fn violations(&self) -> Vec<Violation> {
        let mut c = Check::default();
        c.required("product", &self.product);
        c.at_least("quantity", self.quantity.into(), 1);
        c.at_least("unit_price_cents", self.unit_price_cents, 0);
        c.at_least("amount_cents", self.amount_cents, 0);
        c.0
    }
}

impl Validate for OrderEvent {
    fn violations(&self) -> Vec<Violation> {
        let mut c = Check::default();
        c.choice("kind", &self.kind, enums::ORDER_EVENT_KINDS);
        c.0
    }
}

impl Validate for OrderCredit {
    fn violations(&self) -> Vec<Violation> {
        let mut c = Check::default();
        if !(self.share_pct > 0.0 && self.share_pct <= 100.0) {
            c.fail(
                "share_pct",
                format!(
                    "a share is more than 0 and at most 100 percent, not {}",
                    self.share_pct
                ),
            );
        }
        c.0
    }
}

/// The outcomes each step may have, and the comment a return needs (SPEC §3: each step
/// approve / return with comment).
fn check_step(
    c: &mut Check,
    step: &str,
    outcome: &str,
    comment: &str,
    allowed: &[(&str, &[&str])],
) {
    if let Some((_, outcomes)) = allowed.iter().find(|(s, _)| *s == step)
        && !outcomes.contains(&outcome)
    {
        c.fail(
            "outcome",
            format!(
                "a {step} step ends {}, not {outcome}",
                outcomes.join(" or ")
            ),
        );
    }
    if outcome == "returned" && comment.trim().is_empty() {
        c.fail("comment", "a return needs a comment saying why");
    }
}

impl Validate for ContractStep {
    fn violations(&self) -> Vec<Violation> {
        let mut c = Check::default();
        c.choice("step", &self.step, enums::CONTRACT_STEPS);
        c.choice("outcome", &self.outcome, enums::CONTRACT_STEP_OUTCOMES);
        let allowed: &[(&str, &[&str])] = &[
            ("drafted", &["done"]),
            ("review", &["passed", "returned"]),
            ("signed", &["done"]),
            ("archived", &["done"]),
        ];
        check_step(&mut c, &self.step, &self.outcome, &self.comment, allowed);
        c.0
    }
}

impl Validate for ExpenseStep {
    fn violations(&self) -> Vec<Violation> {
        let mut c = Check::default();
        c.choice("step", &self.step, enums::EXPENSE_STEPS);
        c.choice("outcome", &self.outcome, enums::EXPENSE_STEP_OUTCOMES);
        let allowed: &[(&str, &[&str])] = &[
            ("manager_review", &["approved", "returned"]),
            ("finance_review", &["approved", "returned"]),
            ("payout", &["paid"]),
        ];
        check_step(&mut c, &self.step, &self.outcome, &self.comment, allowed);
        c.0
    }
}

impl Validate for Budget {
    fn violations(&self) -> Vec<Violation> {
        let mut c = Check::default();
        match crate::Period::parse(&self.period) {
            Ok(p) if p.kind() == crate::period::PeriodKind::Month => {}
            _ => c.fail(
                "period",
                format!(
                    "`{}` is not a month such as 2026-10 (budgets are monthly)",
                    self.period
                ),
            ),
        }
        c.choice("category", &self.category, enums::EXPENSE_CATEGORIES);
        c.at_least("amount_cents", self.amount_cents, 0);
        c.0
    }
}

impl Validate for Meeting {
    fn violations(&self) -> Vec<Violation> {
        let mut c = Check::default();
        c.choice("kind", &self.kind, enums::MEETING_KINDS);
        c.0
    }
}

impl Validate for MeetingAttendee {
    fn violations(&self) -> Vec<Violation> {
        Vec::new()
    }
}

impl Validate for TrainingCourse {
    fn violations(&self) -> Vec<Violation> {
        let mut c = Check::default();
        c.required("title", &self.title);
        c.choice("method", &self.method, enums::TRAINING_METHODS);
        c.choice("assessment", &self.assessment, enums::TRAINING_ASSESSMENTS);
        if !(2000..=2100).contains(&self.year) {
            c.fail("year", format!("`{}` is not a plan year", self.year));
        }
        if !(0.0..=100.0).contains(&self.pass_mark) {
            c.fail(
                "pass_mark",
                format!("must be 0 to 100, not {}", self.pass_mark),
            );
        }
        c.0
    }
}

impl Validate for MeetingDecision {
    fn violations(&self) -> Vec<Violation> {
        let mut c = Check::default();
        c.required("text", &self.text);
        c.0
    }
}

impl Validate for TrainingNeed {
    fn violations(&self) -> Vec<Violation> {
        let mut c = Check::default();
        c.choice("source", &self.source, enums::TRAINING_NEED_SOURCES);
        c.required("topic", &self.topic);
        c.0
    }
}

impl Validate for TrainingSession {
    fn violations(&self) -> Vec<Violation> {
        Vec::new()
    }
}

impl Validate for TrainingResult {
    fn violations(&self) -> Vec<Violation> {
        let mut c = Check::default();
        if let Some(s) = self.score {
            if !(0.0..=100.0).contains(&s) {
                c.fail("score", format!("must be 0 to 100, not {s}"));
            }
            if !self.attended {
                c.fail("score", "someone who did not attend has no score");
            }
        }
        c.0
    }
}

impl Validate for Employee {
    fn violations(&self) -> Vec<Violation> {
        let mut c = Check::default();
        c.required("code", &self.code);
        c.required("name", &self.name);
        if self.status == EmploymentStatus::Left && self.left_on.is_none() {
            c.fail("left_on", "a person who left needs the leaving date");
        }
        c.not_before("regular_on", self.regular_on, "hired_on", self.hired_on);
        c.not_before("left_on", self.left_on, "hired_on", self.hired_on);
        c.0
    }
}

impl Validate for Department {
    fn violations(&self) -> Vec<Violation> {
        let mut c = Check::default();
        c.required("code", &self.code);
        c.required("name", &self.name);
        if self.id != 0 && self.parent_id == Some(self.id) {
            c.fail("parent_id", "a department cannot be its own parent");
        }
        c.0
    }
}

impl Validate for Position {
    fn violations(&self) -> Vec<Violation> {
        let mut c = Check::default();
        c.required("code", &self.code);
        c.required("name", &self.name);
        c.0
    }
}

impl Validate for Level {
    fn violations(&self) -> Vec<Violation> {
        let mut c = Check::default();
        c.required("ladder", &self.ladder);
        c.required("code", &self.code);
        c.required("name", &self.name);
        c.at_least("rank", self.rank.into(), 1);
        c.at_least("base_salary_cents", self.base_salary_cents, 0);
        if let Some(m) = self.months_without_deal {
            c.at_least("months_without_deal", m.into(), 1);
        }
        c.0
    }
}

impl Validate for Assignment {
    fn violations(&self) -> Vec<Violation> {
        let mut c = Check::default();
        if let Some(to) = self.valid_to.filter(|to| *to <= self.valid_from) {
            c.fail(
                "valid_to",
                format!("{to} is not after valid_from ({})", self.valid_from),
            );
        }
        c.0
    }
}

impl Validate for Team {
    fn violations(&self) -> Vec<Violation> {
        let mut c = Check::default();
        c.required("code", &self.code);
        c.required("name", &self.name);
        c.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn call() -> Call {
        let at = Utc.with_ymd_and_hms(2026, 10, 8, 2, 0, 0).unwrap();
        Call {
            id: 0,
            employee_id: 1,
            customer_id: None,
            day: at.date_naive(),
            started_at: at,
            direction: "inbound".into(),
            duration_s: 0,
            outcome: "connected".into(),
            is_callback: false,
            callback_due_at: None,
            rings: Some(0),
        }
    }

    fn fields(v: Vec<Violation>) -> Vec<&'static str> {
        v.into_iter().map(|v| v.field).collect()
    }

    #[test]
    fn a_call_of_zero_seconds_is_valid_and_minus_one_second_is_not() {
        assert!(call().violations().is_empty());
        let c = Call {
            duration_s: -1,
            ..call()
        };
        assert_eq!(fields(c.violations()), ["duration_s"]);
        let c = Call {
            duration_s: 86_401,
            ..call()
        };
        assert_eq!(fields(c.violations()), ["duration_s"]);
    }

    #[test]
    fn an_outcome_outside_the_schema_list_is_refused_naming_the_choices() {
        let v = Call {
            outcome: "maybe".into(),
            ..call()
        }
        .violations();
        assert!(v[0].message.contains("connected, no_answer"), "{:?}", v);
    }

    #[test]
    fn a_call_back_without_a_due_time_is_refused() {
        let c = Call {
            is_callback: true,
            ..call()
        };
        assert_eq!(fields(c.violations()), ["callback_due_at"]);
    }

    #[test]
    fn rings_on_an_outbound_call_are_refused() {
        let c = Call {
            direction: "outbound".into(),
            ..call()
        };
        assert_eq!(fields(c.violations()), ["rings"]);
    }

    #[test]
    fn complaint_satisfaction_of_1_and_5_is_valid_and_0_and_6_are_not() {
        let at = Utc.with_ymd_and_hms(2026, 10, 8, 2, 0, 0).unwrap();
        let c = |s| Complaint {
            id: 0,
            customer_id: None,
            employee_id: 1,
            day: at.date_naive(),
            received_at: at,
            valid: true,
            due_at: at,
            resolved_at: None,
            satisfaction: Some(s),
            description: String::new(),
        };
        assert!(c(1).violations().is_empty() && c(5).violations().is_empty());
        assert_eq!(fields(c(0).violations()), ["satisfaction"]);
        assert_eq!(fields(c(6).violations()), ["satisfaction"]);
    }

    #[test]
    fn a_signed_contract_needs_a_signing_time_after_drafting() {
        let at = Utc.with_ymd_and_hms(2026, 10, 8, 2, 0, 0).unwrap();
        let k = Contract {
            handled_by: None,
            id: 0,
            contract_no: "HT-1".into(),
            customer_id: 1,
            order_id: None,
            employee_id: 1,
            amount_cents: 1,
            status: "signed".into(),
            drafted_at: at,
            sign_due_at: at,
            signed_at: None,
            signed_day: None,
            archived_at: None,
            review_passed_first: true,
        };
        assert_eq!(fields(k.violations()), ["signed_at"]);
        let early = Contract {
            signed_at: Some(at - chrono::Duration::hours(1)),
            ..k.clone()
        };
        assert_eq!(fields(early.violations()), ["signed_at"]);
        let drafted_with_signature = Contract {
            status: "drafted".into(),
            signed_at: Some(at),
            ..k
        };
        assert_eq!(fields(drafted_with_signature.violations()), ["signed_at"]);
    }

    #[test]
    fn a_returned_step_needs_a_comment_and_a_review_cannot_be_done() {
        let at = Utc.with_ymd_and_hms(2026, 10, 8, 2, 0, 0).unwrap();
        let step = |step: &str, outcome: &str, comment: &str| ContractStep {
            id: 0,
            contract_id: 1,
            step: step.into(),
            outcome: outcome.into(),
            actor_id: None,
            at,
            comment: comment.into(),
        };
        assert!(
            step("review", "returned", "金额有误")
                .violations()
                .is_empty()
        );
        assert_eq!(
            fields(step("review", "returned", "").violations()),
            ["comment"]
        );
        assert_eq!(fields(step("review", "done", "").violations()), ["outcome"]);
        assert_eq!(
            fields(step("signed", "passed", "").violations()),
            ["outcome"]
        );
    }

    #[test]
    fn a_budget_is_for_a_month() {
        let b = |period: &str| Budget {
            department_id: 1,
            period: period.into(),
            category: "travel".into(),
            amount_cents: 1,
        };
        assert!(b("2026-10").violations().is_empty());
        assert_eq!(fields(b("2026-Q4").violations()), ["period"]);
        assert_eq!(fields(b("October").violations()), ["period"]);
    }

    #[test]
    fn an_expense_of_zero_is_refused_and_one_cent_is_accepted() {
        let at = Utc.with_ymd_and_hms(2026, 10, 8, 2, 0, 0).unwrap();
        let e = |cents| Expense {
            id: 0,
            employee_id: 1,
            department_id: 1,
            day: at.date_naive(),
            category: "travel".into(),
            amount_cents: cents,
            receipts: 1,
            description: String::new(),
            status: "submitted".into(),
            submitted_at: at,
            over_budget: false,
        };
        assert_eq!(fields(e(0).violations()), ["amount_cents"]);
        assert!(e(1).violations().is_empty());
    }

    #[test]
    fn a_customer_phone_needs_seven_to_twenty_digits() {
        let at = Utc.with_ymd_and_hms(2026, 10, 8, 2, 0, 0).unwrap();
        let cust = |phone: &str| Customer {
            handled_by: None,
            id: 0,
            archive_no: "KH-1".into(),
            name: "甲".into(),
            company: String::new(),
            contact: String::new(),
            phone: phone.into(),
            address: String::new(),
            industry: String::new(),
            needs: String::new(),
            source: String::new(),
            class: "general".into(),
            owner_id: 1,
            valid: true,
            special_archive: false,
            complete: false,
            created_at: at,
            updated_at: at,
            update_due_at: None,
            verified_at: None,
        };
        assert!(cust("021-5555123").violations().is_empty());
        assert!(cust("").violations().is_empty());
        assert_eq!(fields(cust("123456").violations()), ["phone"]);
        assert_eq!(fields(cust("abc1234567").violations()), ["phone"]);
    }
}
