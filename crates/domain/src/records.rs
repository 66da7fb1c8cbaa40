//! The operational records of SPEC §3 — what KPIs are computed from.
//!
//! Every record names the responsible employee. Instants are UTC (`DateTime<Utc>`); `day` is
//! the company-local calendar date of the record (the company time zone decides which day a
//! late-evening call belongs to), kept so that per-day and per-period scans need no time-zone
//! arithmetic in the database.

use crate::org::EmployeeId;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// Identifies a customer (客户).
pub type CustomerId = i64;

/// A customer archive (客户档案).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    pub id: CustomerId,
    /// Archive number (档案编号), unique.
    pub archive_no: String,
    pub name: String,
    pub company: String,
    pub contact: String,
    pub phone: String,
    pub address: String,
    pub industry: String,
    pub needs: String,
    pub source: String,
    /// key / general / potential (重点 / 一般 / 潜在).
    pub class: String,
    pub owner_id: EmployeeId,
    /// The sales clerk (销售内勤) who handled it (received, entered, followed up, filed), when
    /// not the owner: the clerk's indicators read the records they handled (SPEC §5a).
    #[serde(default)]
    pub handled_by: Option<EmployeeId>,
    pub valid: bool,
    /// Key customers have a special archive (专档).
    pub special_archive: bool,
    /// Whether every required field of the archive is filled.
    pub complete: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When the archive should have been updated at the latest.
    pub update_due_at: Option<DateTime<Utc>>,
    pub verified_at: Option<DateTime<Utc>>,
}

/// A telephone call (电话销售).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Call {
    pub id: i64,
    pub employee_id: EmployeeId,
    pub customer_id: Option<CustomerId>,
    pub day: NaiveDate,
    pub started_at: DateTime<Utc>,
    /// inbound / outbound.
    pub direction: String,
    pub duration_s: i32,
    /// connected, no_answer, refused, callback_scheduled, deal.
    pub outcome: String,
    /// A call-back (回访) owed to the customer.
    pub is_callback: bool,
    pub callback_due_at: Option<DateTime<Utc>>,
    /// Rings before an inbound call was answered.
    pub rings: Option<i32>,
}

/// A visit (拜访).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Visit {
    pub id: i64,
    pub employee_id: EmployeeId,
    pub customer_id: Option<CustomerId>,
    pub day: NaiveDate,
    pub visited_at: DateTime<Utc>,
    /// cold (陌生拜访) or follow_up.
    pub kind: String,
    /// The customer came on invitation (邀约到访).
    pub invited: bool,
    /// The visit produced a next step or a deal.
    pub success: bool,
    pub notes: String,
}

/// An order (订单).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Order {
    pub id: i64,
    /// Order number, unique.
    pub order_no: String,
    pub customer_id: CustomerId,
    pub employee_id: EmployeeId,
    /// The sales clerk (销售内勤) who handled it (received, entered, followed up, filed), when
    /// not the owner: the clerk's indicators read the records they handled (SPEC §5a).
    #[serde(default)]
    pub handled_by: Option<EmployeeId>,
    pub day: NaiveDate,
    pub received_at: DateTime<Utc>,
    pub entered_at: DateTime<Utc>,
    /// When entry was due (receipt timeliness).
    pub entry_due_at: DateTime<Utc>,
    pub amount_cents: i64,
    /// Entry errors found later.
    pub entry_errors: i32,
    pub promised_delivery_on: NaiveDate,
    /// open, shipped, completed, cancelled.
    pub status: String,
    /// Unit price relative to the list price, in basis points (10000 = list price).
    pub price_ratio_bp: i32,
}

/// One line of an order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderLine {
    pub id: i64,
    pub order_id: i64,
    pub product: String,
    pub product_group: String,
    pub quantity: i32,
    pub unit_price_cents: i64,
    pub amount_cents: i64,
}

/// A progress-feedback event or a problem on an order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderEvent {
    pub id: i64,
    pub order_id: i64,
    pub employee_id: EmployeeId,
    /// progress_feedback / problem.
    pub kind: String,
    pub due_at: DateTime<Utc>,
    pub done_at: Option<DateTime<Utc>>,
    pub note: String,
}

/// Split credit on a shared deal: each person's contribution in percent (sums to 100).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderCredit {
    pub order_id: i64,
    pub employee_id: EmployeeId,
    pub share_pct: f64,
}

/// A shipment plan and its execution (发货).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shipment {
    pub id: i64,
    pub order_id: i64,
    pub employee_id: EmployeeId,
    pub day: NaiveDate,
    pub plan_due_at: DateTime<Utc>,
    pub plan_created_at: DateTime<Utc>,
    pub planned_on: NaiveDate,
    pub shipped_on: Option<NaiveDate>,
    /// The plan matched what was ordered (quantity and specification).
    pub plan_accurate: bool,
    /// The shipping information (address, consignee, documents) was right.
    pub info_accurate: bool,
}

/// A contract (合同): drafted → reviewed (passed / returned) → signed → archived.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contract {
    pub id: i64,
    pub contract_no: String,
    pub customer_id: CustomerId,
    pub order_id: Option<i64>,
    pub employee_id: EmployeeId,
    /// The sales clerk (销售内勤) who handled it (received, entered, followed up, filed), when
    /// not the owner: the clerk's indicators read the records they handled (SPEC §5a).
    #[serde(default)]
    pub handled_by: Option<EmployeeId>,
    pub amount_cents: i64,
    /// drafted, in_review, returned, signed, archived.
    pub status: String,
    pub drafted_at: DateTime<Utc>,
    pub sign_due_at: DateTime<Utc>,
    pub signed_at: Option<DateTime<Utc>>,
    pub signed_day: Option<NaiveDate>,
    pub archived_at: Option<DateTime<Utc>>,
    /// Passed review at the first attempt.
    pub review_passed_first: bool,
}

/// One step in a contract's life.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContractStep {
    pub id: i64,
    pub contract_id: i64,
    /// drafted, review, signed, archived.
    pub step: String,
    /// done, passed, returned.
    pub outcome: String,
    pub actor_id: Option<EmployeeId>,
    pub at: DateTime<Utc>,
    pub comment: String,
}

/// Money a customer owes (应收款).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Receivable {
    pub id: i64,
    pub customer_id: CustomerId,
    pub employee_id: EmployeeId,
    pub contract_id: Option<i64>,
    pub order_id: Option<i64>,
    pub amount_cents: i64,
    pub due_on: NaiveDate,
    /// Instalment number within a plan (1 when paid in one go).
    pub instalment: i32,
}

/// Money received against a receivable (回款).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Payment {
    pub id: i64,
    pub receivable_id: i64,
    pub employee_id: EmployeeId,
    pub received_on: NaiveDate,
    pub amount_cents: i64,
}

/// A customer complaint (投诉).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Complaint {
    pub id: i64,
    pub customer_id: Option<CustomerId>,
    pub employee_id: EmployeeId,
    pub day: NaiveDate,
    pub received_at: DateTime<Utc>,
    pub valid: bool,
    pub due_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    /// Customer satisfaction 1–5 after resolution.
    pub satisfaction: Option<i32>,
    pub description: String,
}

/// An expense claim (销售费用).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Expense {
    pub id: i64,
    pub employee_id: EmployeeId,
    pub department_id: i64,
    pub day: NaiveDate,
    /// commission, training, promotion, advertising, pr, travel, entertainment,
    /// communication, after_sales.
    pub category: String,
    pub amount_cents: i64,
    pub receipts: i32,
    pub description: String,
    /// submitted, manager_approved, manager_returned, finance_approved, finance_returned, paid.
    pub status: String,
    pub submitted_at: DateTime<Utc>,
    pub over_budget: bool,
}

/// One review step of an expense claim, with a comment (required on a return).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExpenseStep {
    pub id: i64,
    pub expense_id: i64,
    /// manager_review, finance_review, payout.
    pub step: String,
    /// approved, returned, paid.
    pub outcome: String,
    pub actor_id: EmployeeId,
    pub at: DateTime<Utc>,
    pub comment: String,
}

/// An expense budget per department, period and category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Budget {
    pub department_id: i64,
    pub period: String,
    pub category: String,
    pub amount_cents: i64,
}

/// One person's attendance on one day (考勤).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attendance {
    /// 0 for a new day; a stored day is corrected (edited) by its id.
    pub id: i64,
    pub employee_id: EmployeeId,
    pub day: NaiveDate,
    /// present, absent, half_absent, leave.
    pub status: String,
}

impl Attendance {
    /// SPEC §3: a half-day absence counts as a whole day.
    pub fn absent_days(&self) -> u32 {
        u32::from(matches!(self.status.as_str(), "absent" | "half_absent"))
    }
}

/// A report (日报 / 周报 / 月报 / 分析报告 / 统计).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub id: i64,
    pub employee_id: EmployeeId,
    /// daily, weekly, monthly, analysis, statistics.
    pub kind: String,
    pub day: NaiveDate,
    pub due_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    /// Rated effective by the superior (analysis reports); `None` until rated.
    pub effective: Option<bool>,
    /// Figures found correct when checked (statistics); `None` until checked.
    pub accurate: Option<bool>,
}

/// A document to file (文档).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    pub id: i64,
    pub employee_id: EmployeeId,
    pub kind: String,
    pub day: NaiveDate,
    pub due_at: DateTime<Utc>,
    pub filed_at: Option<DateTime<Utc>>,
    pub complete: bool,
}

/// A credit assessment of a customer (信用评估).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreditAssessment {
    pub id: i64,
    pub customer_id: CustomerId,
    /// A, B, C, D.
    pub rating: String,
    pub limit_cents: i64,
    pub assessed_on: NaiveDate,
    pub review_on: NaiveDate,
    pub assessor_id: EmployeeId,
    /// Customer under watch: orders need a manager's approval.
    pub watch: bool,
}

/// A team meeting (会议).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Meeting {
    pub id: i64,
    pub team_id: i64,
    /// weekly / adhoc.
    pub kind: String,
    pub day: NaiveDate,
    pub held_at: DateTime<Utc>,
    pub minutes: String,
    /// Kept in `meeting_attendance`; files give them as their own kind.
    #[serde(default)]
    pub attendees: Vec<EmployeeId>,
}

/// One person who attended a meeting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeetingAttendee {
    pub meeting_id: i64,
    pub employee_id: EmployeeId,
}

/// A training course in the annual plan (培训计划).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingCourse {
    pub id: i64,
    pub year: i32,
    pub title: String,
    pub content: String,
    /// internal / external / online.
    pub method: String,
    pub trainer: String,
    pub audience: String,
    pub planned_on: NaiveDate,
    pub pass_mark: f64,
    /// The rated indicator the course concerns (e.g. `product_knowledge`), whose rating its
    /// score pre-fills; empty when none.
    #[serde(default)]
    pub indicator_code: String,
    /// How the course is assessed afterwards: exam / practical (笔试 / 实操).
    #[serde(default = "exam")]
    pub assessment: String,
}

fn exam() -> String {
    "exam".into()
}

/// A held training session with attendance and post-training scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingSession {
    pub id: i64,
    pub course_id: i64,
    pub held_on: NaiveDate,
    /// (employee, attended, exam score); kept in `training_results`, files give them as
    /// their own kind.
    #[serde(default)]
    pub results: Vec<(EmployeeId, bool, Option<f64>)>,
}

/// One person's attendance and post-training score (0–100) in a training session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingResult {
    pub session_id: i64,
    pub employee_id: EmployeeId,
    pub attended: bool,
    pub score: Option<f64>,
}

/// A decision taken at a meeting (会议决定), with its owner and due date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeetingDecision {
    pub id: i64,
    pub meeting_id: i64,
    /// What was decided.
    pub text: String,
    /// Who carries it out (负责人).
    pub owner_id: EmployeeId,
    pub due_on: NaiveDate,
    /// When it was done; `None` while open.
    pub done_on: Option<NaiveDate>,
}

/// A training need (培训需求), raised by the person, their manager or an improvement plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingNeed {
    pub id: i64,
    pub employee_id: EmployeeId,
    /// staff / manager / improvement_plan.
    pub source: String,
    /// What should be learnt.
    pub topic: String,
    pub created_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_half_day_absence_counts_as_a_whole_day() {
        let day = NaiveDate::from_ymd_opt(2026, 10, 8).unwrap();
        let a = |s: &str| Attendance {
            id: 0,
            employee_id: 1,
            day,
            status: s.into(),
        };
        assert_eq!(a("half_absent").absent_days(), 1);
        assert_eq!(a("absent").absent_days(), 1);
        assert_eq!(a("leave").absent_days(), 0);
        assert_eq!(a("present").absent_days(), 0);
    }
}
