//! How each domain type maps to a table row, for bulk inserts. Column lists live here once;
//! [`crate::Tx::insert_rows`] turns them into multi-row `INSERT` statements with bound values.

use crate::val::Val;
use kaohe_domain::org::{Assignment, Department, Employee, Level, Position, Team};
use kaohe_domain::records::*;

/// A domain value that is stored as one row of one table.
pub trait Row {
    /// The table.
    const TABLE: &'static str;
    /// The columns, in the order [`Row::values`] pushes them.
    const COLUMNS: &'static [&'static str];
    /// Pushes this row's values, one per column.
    fn values(&self, out: &mut Vec<Val>);
}

/// A borrowed row is written like the row itself (so a batch of references needs no copies).
impl<R: Row> Row for &R {
    const TABLE: &'static str = R::TABLE;
    const COLUMNS: &'static [&'static str] = R::COLUMNS;
    fn values(&self, out: &mut Vec<Val>) {
        (*self).values(out)
    }
}

macro_rules! row {
    ($ty:ty, $table:literal, [$($col:ident),+ $(,)?]) => {
        impl Row for $ty {
            const TABLE: &'static str = $table;
            const COLUMNS: &'static [&'static str] = &[$(stringify!($col)),+];
            fn values(&self, out: &mut Vec<Val>) {
                $(out.push(Val::from(self.$col.clone()));)+
            }
        }
    };
}

row!(
    Department,
    "departments",
    [id, code, name, name_en, kind, parent_id]
);
row!(
    Position,
    "positions",
    [id, code, name, name_en, scheme_code]
);
row!(
    Level,
    "levels",
    [
        id,
        ladder,
        code,
        name,
        name_en,
        rank,
        base_salary_cents,
        months_without_deal,
        promotion_standard
    ]
);
row!(Team, "teams", [id, department_id, code, name, leader_id]);
row!(
    Assignment,
    "assignments",
    [
        employee_id,
        department_id,
        team_id,
        position_id,
        level_id,
        supervisor_id,
        valid_from,
        valid_to
    ]
);

impl Row for Employee {
    const TABLE: &'static str = "employees";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "code",
        "name",
        "phone",
        "email",
        "department_id",
        "team_id",
        "position_id",
        "level_id",
        "supervisor_id",
        "status",
        "hired_on",
        "regular_on",
        "left_on",
        "created_at",
        "updated_at",
    ];
    fn values(&self, out: &mut Vec<Val>) {
        let created = self.hired_on.and_hms_opt(1, 0, 0).map(|t| t.and_utc());
        out.extend([
            self.id.into(),
            (&self.code).into(),
            (&self.name).into(),
            (&self.phone).into(),
            (&self.email).into(),
            self.department_id.into(),
            self.team_id.into(),
            self.position_id.into(),
            self.level_id.into(),
            self.supervisor_id.into(),
            self.status.as_str().into(),
            self.hired_on.into(),
            self.regular_on.into(),
            self.left_on.into(),
            created.into(),
            created.into(),
        ]);
    }
}

row!(
    Customer,
    "customers",
    [
        id,
        archive_no,
        name,
        company,
        contact,
        phone,
        address,
        industry,
        needs,
        source,
        class,
        owner_id,
        handled_by,
        valid,
        special_archive,
        complete,
        created_at,
        updated_at,
        update_due_at,
        verified_at
    ]
);
row!(
    Call,
    "calls",
    [
        id,
        employee_id,
        customer_id,
        day,
        started_at,
        direction,
        duration_s,
        outcome,
        is_callback,
        callback_due_at,
        rings
    ]
);
row!(
    Visit,
    "visits",
    [
        id,
        employee_id,
        customer_id,
        day,
        visited_at,
        kind,
        invited,
        success,
        notes
    ]
);
row!(
    Order,
    "orders",
    [
        id,
        order_no,
        customer_id,
        employee_id,
        handled_by,
        day,
        received_at,
        entered_at,
        entry_due_at,
        amount_cents,
        entry_errors,
        promised_delivery_on,
        status,
        price_ratio_bp
    ]
);
row!(
    OrderLine,
    "order_lines",
    [
        id,
        order_id,
        product,
        product_group,
        quantity,
        unit_price_cents,
        amount_cents
    ]
);
row!(
    OrderEvent,
    "order_events",
    [id, order_id, employee_id, kind, due_at, done_at, note]
);
row!(
    OrderCredit,
    "order_credits",
    [order_id, employee_id, share_pct]
);
row!(
    Shipment,
    "shipments",
    [
        id,
        order_id,
        employee_id,
        day,
        plan_due_at,
        plan_created_at,
        planned_on,
        shipped_on,
        plan_accurate,
        info_accurate
    ]
);
row!(
    Contract,
    "contracts",
    [
        id,
        contract_no,
        customer_id,
        order_id,
        employee_id,
        handled_by,
        amount_cents,
        status,
        drafted_at,
        sign_due_at,
        signed_at,
        signed_day,
        archived_at,
        review_passed_first
    ]
);
row!(
    ContractStep,
    "contract_steps",
    [id, contract_id, step, outcome, actor_id, at, comment]
);
row!(
    Receivable,
    "receivables",
    [
        id,
        customer_id,
        employee_id,
        contract_id,
        order_id,
        amount_cents,
        due_on,
        instalment
    ]
);
row!(
    Payment,
    "payments",
    [id, receivable_id, employee_id, received_on, amount_cents]
);
row!(
    Complaint,
    "complaints",
    [
        id,
        customer_id,
        employee_id,
        day,
        received_at,
        valid,
        due_at,
        resolved_at,
        satisfaction,
        description
    ]
);
row!(
    Budget,
    "budgets",
    [department_id, period, category, amount_cents]
);
row!(
    Expense,
    "expenses",
    [
        id,
        employee_id,
        department_id,
        day,
        category,
        amount_cents,
        receipts,
        description,
        status,
        submitted_at,
        over_budget
    ]
);
row!(
    ExpenseStep,
    "expense_steps",
    [id, expense_id, step, outcome, actor_id, at, comment]
);
row!(Attendance, "attendance", [employee_id, day, status]);
row!(
    Report,
    "reports",
    [
        id,
        employee_id,
        kind,
        day,
        due_at,
        submitted_at,
        effective,
        accurate
    ]
);
row!(
    Document,
    "documents",
    [id, employee_id, kind, day, due_at, filed_at, complete]
);
row!(
    CreditAssessment,
    "credit_assessments",
    [
        id,
        customer_id,
        rating,
        limit_cents,
        assessed_on,
        review_on,
        assessor_id,
        watch
    ]
);
row!(
    TrainingCourse,
    "training_courses",
    [
        id,
        year,
        title,
        content,
        method,
        trainer,
        audience,
        planned_on,
        pass_mark,
        indicator_code,
        assessment
    ]
);
row!(
    MeetingDecision,
    "meeting_decisions",
    [id, meeting_id, text, owner_id, due_on, done_on]
);
row!(
    TrainingNeed,
    "training_needs",
    [id, employee_id, source, topic, created_at]
);

row!(
    Meeting,
    "meetings",
    [id, team_id, kind, day, held_at, minutes]
);
row!(
    TrainingSession,
    "training_sessions",
    [id, course_id, held_on]
);

/// A meeting's own row (attendees go to `meeting_attendance`).
pub struct MeetingRow<'a>(pub &'a Meeting);

impl Row for MeetingRow<'_> {
    const TABLE: &'static str = "meetings";
    const COLUMNS: &'static [&'static str] =
        &["id", "team_id", "kind", "day", "held_at", "minutes"];
    fn values(&self, out: &mut Vec<Val>) {
        let m = self.0;
        out.extend([
            m.id.into(),
            m.team_id.into(),
            (&m.kind).into(),
            m.day.into(),
            m.held_at.into(),
            (&m.minutes).into(),
        ]);
    }
}

row!(
    MeetingAttendee,
    "meeting_attendance",
    [meeting_id, employee_id]
);

/// A training session's own row (results go to `training_results`).
pub struct SessionRow<'a>(pub &'a TrainingSession);

impl Row for SessionRow<'_> {
    const TABLE: &'static str = "training_sessions";
    const COLUMNS: &'static [&'static str] = &["id", "course_id", "held_on"];
    fn values(&self, out: &mut Vec<Val>) {
        out.extend([
            self.0.id.into(),
            self.0.course_id.into(),
            self.0.held_on.into(),
        ]);
    }
}

row!(
    TrainingResult,
    "training_results",
    [session_id, employee_id, attended, score]
);
