//! The catalogue of what a formula may aggregate: record kinds (SPEC §3) and their fields,
//! named exactly like the struct fields in [`crate::records`].
//!
//! A formula never sees a table or a column, only these names; storage maps them to SQL.
//! Each kind says
//! - which field is the **responsible person** (the grouping key: every measure is computed
//!   per person, so the field itself is not usable inside a formula);
//! - which date places a record **in a period** (a formula may pick another date field with
//!   `dated <field>`, or count everything up to the period's end with `cumulative`).
//!
//! A few fields are **derived**: they are not stored on the record struct but computed by
//! storage from related records, because the seeds' indicators need them (marked below).

use crate::records::{
    Attendance, Call, Complaint, Contract, Customer, Document, Expense, Order, OrderEvent, Payment,
    Receivable, Report, Shipment, Visit,
};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The type of a record field, as the formula language sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    /// A whole number (counts, ids, basis points).
    Int,
    /// A fractional number.
    Float,
    /// Money in integer cents (分).
    Money,
    /// Yes / no.
    Bool,
    /// Free or coded text (`status`, `kind`, …): compared for equality only.
    Text,
    /// A company-local calendar date.
    Date,
    /// An instant (UTC).
    Timestamp,
}

impl FieldType {
    /// Stable English name, used in messages.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::Int => "int",
            FieldType::Float => "float",
            FieldType::Money => "money",
            FieldType::Bool => "bool",
            FieldType::Text => "text",
            FieldType::Date => "date",
            FieldType::Timestamp => "timestamp",
        }
    }

    /// Chinese name, used in messages.
    pub fn name_zh(self) -> &'static str {
        match self {
            FieldType::Int => "整数",
            FieldType::Float => "小数",
            FieldType::Money => "金额",
            FieldType::Bool => "布尔",
            FieldType::Text => "文本",
            FieldType::Date => "日期",
            FieldType::Timestamp => "时间",
        }
    }

    /// Whether values of this type are numbers (may be summed, averaged, ordered).
    pub fn is_numeric(self) -> bool {
        matches!(self, FieldType::Int | FieldType::Float | FieldType::Money)
    }
}

/// One field of a record kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldDef {
    /// Field name, exactly the struct field's name.
    pub name: &'static str,
    /// Its type.
    pub ty: FieldType,
    /// Whether the value may be missing (`Option` in the struct); `is null` tests it.
    pub nullable: bool,
    /// Computed by storage from related records rather than read from the struct.
    pub derived: bool,
}

const fn f(name: &'static str, ty: FieldType) -> FieldDef {
    FieldDef {
        name,
        ty,
        nullable: false,
        derived: false,
    }
}

const fn opt(name: &'static str, ty: FieldType) -> FieldDef {
    FieldDef {
        name,
        ty,
        nullable: true,
        derived: false,
    }
}

const fn derived(name: &'static str, ty: FieldType, nullable: bool) -> FieldDef {
    FieldDef {
        name,
        ty,
        nullable,
        derived: true,
    }
}

use FieldType::{Bool, Date, Int, Money, Text, Timestamp};

/// A record kind formulas may aggregate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// 客户档案 ([`Customer`]).
    Customers,
    /// 电话 ([`Call`]).
    Calls,
    /// 拜访 ([`Visit`]).
    Visits,
    /// 订单 ([`Order`]).
    Orders,
    /// 订单进度反馈 / 问题 ([`OrderEvent`]).
    OrderEvents,
    /// 发货 ([`Shipment`]).
    Shipments,
    /// 合同 ([`Contract`]).
    Contracts,
    /// 应收款 ([`Receivable`]).
    Receivables,
    /// 回款 ([`Payment`]).
    Payments,
    /// 投诉 ([`Complaint`]).
    Complaints,
    /// 销售费用 ([`Expense`]).
    Expenses,
    /// 考勤 ([`Attendance`]).
    Attendance,
    /// 报告 ([`Report`]).
    Reports,
    /// 文档 ([`Document`]).
    Documents,
}

/// The definition of a record kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindDef {
    /// The kind.
    pub kind: RecordKind,
    /// Name used in formulas (`orders`).
    pub name: &'static str,
    /// Chinese name.
    pub name_zh: &'static str,
    /// The responsible person's field (grouping key; not usable in formulas).
    pub employee_field: &'static str,
    /// The field naming who handled the record beside its owner (the sales clerk, SPEC §5a),
    /// the grouping key of a `handled` measure; `None` for kinds without one.
    pub handler_field: Option<&'static str>,
    /// The date or timestamp that places a record in a period unless a formula says otherwise.
    pub period_field: &'static str,
    /// Whether `credited_sum` is defined (shared deals credited by `order_credits.share_pct`).
    pub split_credit: bool,
    /// The fields formulas may use.
    pub fields: &'static [FieldDef],
}

const CUSTOMERS: KindDef = KindDef {
    kind: RecordKind::Customers,
    name: "customers",
    name_zh: "客户档案",
    employee_field: "owner_id",
    handler_field: Some("handled_by"),
    period_field: "created_at",
    split_credit: false,
    fields: &[
        f("id", Int),
        f("archive_no", Text),
        f("name", Text),
        f("company", Text),
        f("contact", Text),
        f("phone", Text),
        f("address", Text),
        f("industry", Text),
        f("needs", Text),
        f("source", Text),
        f("class", Text),
        f("valid", Bool),
        f("special_archive", Bool),
        f("complete", Bool),
        f("created_at", Timestamp),
        f("updated_at", Timestamp),
        opt("update_due_at", Timestamp),
        opt("verified_at", Timestamp),
    ],
};

const CALLS: KindDef = KindDef {
    kind: RecordKind::Calls,
    name: "calls",
    name_zh: "电话",
    employee_field: "employee_id",
    handler_field: None,
    period_field: "day",
    split_credit: false,
    fields: &[
        f("id", Int),
        opt("customer_id", Int),
        f("day", Date),
        f("started_at", Timestamp),
        f("direction", Text),
        f("duration_s", Int),
        f("outcome", Text),
        f("is_callback", Bool),
        opt("callback_due_at", Timestamp),
        opt("rings", Int),
    ],
};

const VISITS: KindDef = KindDef {
    kind: RecordKind::Visits,
    name: "visits",
    name_zh: "拜访",
    employee_field: "employee_id",
    handler_field: None,
    period_field: "day",
    split_credit: false,
    fields: &[
        f("id", Int),
        opt("customer_id", Int),
        f("day", Date),
        f("visited_at", Timestamp),
        f("kind", Text),
        f("invited", Bool),
        f("success", Bool),
        f("notes", Text),
    ],
};

const ORDERS: KindDef = KindDef {
    kind: RecordKind::Orders,
    name: "orders",
    name_zh: "订单",
    employee_field: "employee_id",
    handler_field: Some("handled_by"),
    period_field: "day",
    split_credit: true,
    fields: &[
        f("id", Int),
        f("order_no", Text),
        f("customer_id", Int),
        f("day", Date),
        f("received_at", Timestamp),
        f("entered_at", Timestamp),
        f("entry_due_at", Timestamp),
        f("amount_cents", Money),
        f("entry_errors", Int),
        f("promised_delivery_on", Date),
        f("status", Text),
        f("price_ratio_bp", Int),
        // Derived: the customer had an order on an earlier day (any employee). Old-customer
        // retention (老顾客保持率) needs it and no single order row knows it.
        derived("repeat_customer", Bool, false),
    ],
};

const ORDER_EVENTS: KindDef = KindDef {
    kind: RecordKind::OrderEvents,
    name: "order_events",
    name_zh: "订单事件",
    employee_field: "employee_id",
    handler_field: None,
    period_field: "due_at",
    split_credit: false,
    fields: &[
        f("id", Int),
        f("order_id", Int),
        f("kind", Text),
        f("due_at", Timestamp),
        opt("done_at", Timestamp),
        f("note", Text),
    ],
};

const SHIPMENTS: KindDef = KindDef {
    kind: RecordKind::Shipments,
    name: "shipments",
    name_zh: "发货",
    employee_field: "employee_id",
    handler_field: None,
    period_field: "day",
    split_credit: false,
    fields: &[
        f("id", Int),
        f("order_id", Int),
        f("day", Date),
        f("plan_due_at", Timestamp),
        f("plan_created_at", Timestamp),
        f("planned_on", Date),
        opt("shipped_on", Date),
        f("plan_accurate", Bool),
        f("info_accurate", Bool),
    ],
};

const CONTRACTS: KindDef = KindDef {
    kind: RecordKind::Contracts,
    name: "contracts",
    name_zh: "合同",
    employee_field: "employee_id",
    handler_field: Some("handled_by"),
    period_field: "drafted_at",
    split_credit: false,
    fields: &[
        f("id", Int),
        f("contract_no", Text),
        f("customer_id", Int),
        opt("order_id", Int),
        f("amount_cents", Money),
        f("status", Text),
        f("drafted_at", Timestamp),
        f("sign_due_at", Timestamp),
        opt("signed_at", Timestamp),
        opt("signed_day", Date),
        opt("archived_at", Timestamp),
        f("review_passed_first", Bool),
    ],
};

const RECEIVABLES: KindDef = KindDef {
    kind: RecordKind::Receivables,
    name: "receivables",
    name_zh: "应收款",
    employee_field: "employee_id",
    handler_field: None,
    period_field: "due_on",
    split_credit: false,
    fields: &[
        f("id", Int),
        f("customer_id", Int),
        opt("contract_id", Int),
        opt("order_id", Int),
        f("amount_cents", Money),
        f("due_on", Date),
        f("instalment", Int),
        // Derived from payments: collection timeliness (回款及时率) compares money received by
        // the due date with money due, which no receivable row holds by itself.
        derived("paid_by_due_cents", Money, false),
        derived("settled_on", Date, true),
    ],
};

const PAYMENTS: KindDef = KindDef {
    kind: RecordKind::Payments,
    name: "payments",
    name_zh: "回款",
    employee_field: "employee_id",
    handler_field: None,
    period_field: "received_on",
    split_credit: false,
    fields: &[
        f("id", Int),
        f("receivable_id", Int),
        f("received_on", Date),
        f("amount_cents", Money),
    ],
};

const COMPLAINTS: KindDef = KindDef {
    kind: RecordKind::Complaints,
    name: "complaints",
    name_zh: "投诉",
    employee_field: "employee_id",
    handler_field: None,
    period_field: "day",
    split_credit: false,
    fields: &[
        f("id", Int),
        opt("customer_id", Int),
        f("day", Date),
        f("received_at", Timestamp),
        f("valid", Bool),
        f("due_at", Timestamp),
        opt("resolved_at", Timestamp),
        opt("satisfaction", Int),
        f("description", Text),
    ],
};

const EXPENSES: KindDef = KindDef {
    kind: RecordKind::Expenses,
    name: "expenses",
    name_zh: "销售费用",
    employee_field: "employee_id",
    handler_field: None,
    period_field: "day",
    split_credit: false,
    fields: &[
        f("id", Int),
        f("department_id", Int),
        f("day", Date),
        f("category", Text),
        f("amount_cents", Money),
        f("receipts", Int),
        f("description", Text),
        f("status", Text),
        f("submitted_at", Timestamp),
        f("over_budget", Bool),
    ],
};

const ATTENDANCE: KindDef = KindDef {
    kind: RecordKind::Attendance,
    name: "attendance",
    name_zh: "考勤",
    employee_field: "employee_id",
    handler_field: None,
    period_field: "day",
    split_credit: false,
    fields: &[f("day", Date), f("status", Text)],
};

const REPORTS: KindDef = KindDef {
    kind: RecordKind::Reports,
    name: "reports",
    name_zh: "报告",
    employee_field: "employee_id",
    handler_field: None,
    period_field: "day",
    split_credit: false,
    fields: &[
        f("id", Int),
        f("kind", Text),
        f("day", Date),
        f("due_at", Timestamp),
        opt("submitted_at", Timestamp),
        opt("effective", Bool),
        opt("accurate", Bool),
    ],
};

const DOCUMENTS: KindDef = KindDef {
    kind: RecordKind::Documents,
    name: "documents",
    name_zh: "文档",
    employee_field: "employee_id",
    handler_field: None,
    period_field: "day",
    split_credit: false,
    fields: &[
        f("id", Int),
        f("kind", Text),
        f("day", Date),
        f("due_at", Timestamp),
        opt("filed_at", Timestamp),
        f("complete", Bool),
    ],
};

/// Every kind's definition, in catalogue order.
pub const KINDS: [&KindDef; 14] = [
    &CUSTOMERS,
    &CALLS,
    &VISITS,
    &ORDERS,
    &ORDER_EVENTS,
    &SHIPMENTS,
    &CONTRACTS,
    &RECEIVABLES,
    &PAYMENTS,
    &COMPLAINTS,
    &EXPENSES,
    &ATTENDANCE,
    &REPORTS,
    &DOCUMENTS,
];

impl RecordKind {
    /// Every kind, in catalogue order.
    pub const ALL: [RecordKind; 14] = [
        RecordKind::Customers,
        RecordKind::Calls,
        RecordKind::Visits,
        RecordKind::Orders,
        RecordKind::OrderEvents,
        RecordKind::Shipments,
        RecordKind::Contracts,
        RecordKind::Receivables,
        RecordKind::Payments,
        RecordKind::Complaints,
        RecordKind::Expenses,
        RecordKind::Attendance,
        RecordKind::Reports,
        RecordKind::Documents,
    ];

    /// The kind's definition.
    pub fn def(self) -> &'static KindDef {
        KINDS[self as usize]
    }

    /// Name used in formulas.
    pub fn as_str(self) -> &'static str {
        self.def().name
    }

    /// Looks a kind up by its formula name.
    pub fn parse(name: &str) -> Option<RecordKind> {
        KINDS.iter().find(|k| k.name == name).map(|k| k.kind)
    }

    /// A field usable in formulas (the responsible person's field is not one).
    pub fn field(self, name: &str) -> Option<&'static FieldDef> {
        self.def().fields.iter().find(|f| f.name == name)
    }

    /// The fields usable in formulas.
    pub fn fields(self) -> &'static [FieldDef] {
        self.def().fields
    }
}

impl fmt::Display for RecordKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A field value read from a record while a filter runs.
///
/// Money and ids are `Int` (cents, ids); the catalogue's [`FieldType`] says which is which.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Missing (`None` in the struct, or no such field).
    Null,
    /// Yes / no.
    Bool(bool),
    /// Whole number, cents or id.
    Int(i64),
    /// Fractional number.
    Float(f64),
    /// Text.
    Text(String),
    /// Company-local date.
    Date(NaiveDate),
    /// Instant.
    Timestamp(DateTime<Utc>),
}

impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}
impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}
impl From<i32> for Value {
    fn from(v: i32) -> Self {
        Value::Int(i64::from(v))
    }
}
impl From<f64> for Value {
    fn from(v: f64) -> Self {
        Value::Float(v)
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_string())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}
impl From<NaiveDate> for Value {
    fn from(v: NaiveDate) -> Self {
        Value::Date(v)
    }
}
impl From<DateTime<Utc>> for Value {
    fn from(v: DateTime<Utc>) -> Self {
        Value::Timestamp(v)
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

/// Read access to one record's fields by catalogue name, so a filter can run on any row
/// representation (a struct, a database row, a CSV line).
pub trait FieldAccess {
    /// The value of field `name`; [`Value::Null`] when missing or unknown.
    fn field(&self, name: &str) -> Value;
}

/// A record plus the derived fields storage computed for it (e.g. an [`Order`] with
/// `repeat_customer`). Derived values win over the record's own fields.
pub struct WithDerived<'a, R: ?Sized> {
    /// The record.
    pub record: &'a R,
    /// Derived fields by name.
    pub derived: &'a [(&'a str, Value)],
}

impl<R: FieldAccess + ?Sized> FieldAccess for WithDerived<'_, R> {
    fn field(&self, name: &str) -> Value {
        match self.derived.iter().find(|(n, _)| *n == name) {
            Some((_, v)) => v.clone(),
            None => self.record.field(name),
        }
    }
}

impl FieldAccess for [(&str, Value)] {
    fn field(&self, name: &str) -> Value {
        self.iter()
            .find(|(n, _)| *n == name)
            .map_or(Value::Null, |(_, v)| v.clone())
    }
}

impl FieldAccess for Vec<(&str, Value)> {
    fn field(&self, name: &str) -> Value {
        self.as_slice().field(name)
    }
}

impl FieldAccess for std::collections::BTreeMap<String, Value> {
    fn field(&self, name: &str) -> Value {
        self.get(name).cloned().unwrap_or(Value::Null)
    }
}

impl FieldAccess for std::collections::HashMap<String, Value> {
    fn field(&self, name: &str) -> Value {
        self.get(name).cloned().unwrap_or(Value::Null)
    }
}

/// Implements [`FieldAccess`] for a record struct by listing its catalogue fields; derived
/// fields are absent (Null) and come from [`WithDerived`].
macro_rules! field_access {
    ($ty:ty { $($name:ident),* $(,)? }) => {
        impl FieldAccess for $ty {
            fn field(&self, name: &str) -> Value {
                match name {
                    $(stringify!($name) => Value::from(self.$name.clone()),)*
                    _ => Value::Null,
                }
            }
        }
    };
}

field_access!(Customer {
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
    valid,
    special_archive,
    complete,
    created_at,
    updated_at,
    update_due_at,
    verified_at,
});
field_access!(Call {
    id,
    customer_id,
    day,
    started_at,
    direction,
    duration_s,
    outcome,
    is_callback,
    callback_due_at,
    rings,
});
field_access!(Visit {
    id,
    customer_id,
    day,
    visited_at,
    kind,
    invited,
    success,
    notes
});
field_access!(Order {
    id,
    order_no,
    customer_id,
    day,
    received_at,
    entered_at,
    entry_due_at,
    amount_cents,
    entry_errors,
    promised_delivery_on,
    status,
    price_ratio_bp,
});
field_access!(OrderEvent {
    id,
    order_id,
    kind,
    due_at,
    done_at,
    note
});
field_access!(Shipment {
    id,
    order_id,
    day,
    plan_due_at,
    plan_created_at,
    planned_on,
    shipped_on,
    plan_accurate,
    info_accurate,
});
field_access!(Contract {
    id,
    contract_no,
    customer_id,
    order_id,
    amount_cents,
    status,
    drafted_at,
    sign_due_at,
    signed_at,
    signed_day,
    archived_at,
    review_passed_first,
});
field_access!(Receivable {
    id,
    customer_id,
    contract_id,
    order_id,
    amount_cents,
    due_on,
    instalment
});
field_access!(Payment {
    id,
    receivable_id,
    received_on,
    amount_cents
});
field_access!(Complaint {
    id,
    customer_id,
    day,
    received_at,
    valid,
    due_at,
    resolved_at,
    satisfaction,
    description,
});
field_access!(Expense {
    id,
    department_id,
    day,
    category,
    amount_cents,
    receipts,
    description,
    status,
    submitted_at,
    over_budget,
});
field_access!(Attendance { day, status });
field_access!(Report {
    id,
    kind,
    day,
    due_at,
    submitted_at,
    effective,
    accurate
});
field_access!(Document {
    id,
    kind,
    day,
    due_at,
    filed_at,
    complete
});

/// Whether a value fits a field type (used by tests and importers to check rows).
pub fn value_fits(ty: FieldType, v: &Value) -> bool {
    matches!(
        (ty, v),
        (_, Value::Null)
            | (FieldType::Int | FieldType::Money, Value::Int(_))
            | (FieldType::Float, Value::Float(_) | Value::Int(_))
            | (FieldType::Bool, Value::Bool(_))
            | (FieldType::Text, Value::Text(_))
            | (FieldType::Date, Value::Date(_))
            | (FieldType::Timestamp, Value::Timestamp(_))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_lists_the_fourteen_kinds_in_order() {
        for (i, k) in RecordKind::ALL.iter().enumerate() {
            assert_eq!(KINDS[i].kind, *k);
            assert_eq!(RecordKind::parse(k.as_str()), Some(*k));
        }
        assert_eq!(RecordKind::parse("order"), None);
    }

    #[test]
    fn every_period_field_is_a_date_or_timestamp_of_its_kind() {
        for k in KINDS {
            let p = k.kind.field(k.period_field).expect("period field exists");
            assert!(
                matches!(p.ty, FieldType::Date | FieldType::Timestamp),
                "{}",
                k.name
            );
            assert!(
                k.kind.field(k.employee_field).is_none(),
                "{}: grouping key hidden",
                k.name
            );
        }
    }

    #[test]
    fn only_orders_have_split_credit() {
        let credited: Vec<_> = KINDS
            .iter()
            .filter(|k| k.split_credit)
            .map(|k| k.name)
            .collect();
        assert_eq!(credited, ["orders"]);
    }

    fn t(h: u32) -> DateTime<Utc> {
        NaiveDate::from_ymd_opt(2026, 10, 8)
            .unwrap()
            .and_hms_opt(h, 0, 0)
            .unwrap()
            .and_utc()
    }

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 10, 8).unwrap()
    }

    /// One sample of each record, so the struct impls can be checked against the catalogue.
    fn samples() -> Vec<(RecordKind, Box<dyn FieldAccess>)> {
        vec![
            (
                RecordKind::Customers,
                Box::new(Customer {
                    handled_by: None,
                    id: 1,
                    archive_no: "A1".into(),
                    name: "n".into(),
                    company: "c".into(),
                    contact: "c".into(),
                    phone: "p".into(),
                    address: "a".into(),
                    industry: "i".into(),
                    needs: "n".into(),
                    source: "s".into(),
                    class: "key".into(),
                    owner_id: 7,
                    valid: true,
                    special_archive: true,
                    complete: true,
                    created_at: t(1),
                    updated_at: t(2),
                    update_due_at: Some(t(3)),
                    verified_at: Some(t(4)),
                }),
            ),
            (
                RecordKind::Calls,
                Box::new(Call {
                    id: 1,
                    employee_id: 7,
                    customer_id: Some(1),
                    day: day(),
                    started_at: t(1),
                    direction: "inbound".into(),
                    duration_s: 60,
                    outcome: "connected".into(),
                    is_callback: true,
                    callback_due_at: Some(t(2)),
                    rings: Some(2),
                }),
            ),
            (
                RecordKind::Visits,
                Box::new(Visit {
                    id: 1,
                    employee_id: 7,
                    customer_id: Some(1),
                    day: day(),
                    visited_at: t(1),
                    kind: "cold".into(),
                    invited: false,
                    success: true,
                    notes: String::new(),
                }),
            ),
            (
                RecordKind::Orders,
                Box::new(Order {
                    handled_by: None,
                    id: 1,
                    order_no: "O1".into(),
                    customer_id: 1,
                    employee_id: 7,
                    day: day(),
                    received_at: t(1),
                    entered_at: t(2),
                    entry_due_at: t(3),
                    amount_cents: 100,
                    entry_errors: 0,
                    promised_delivery_on: day(),
                    status: "open".into(),
                    price_ratio_bp: 10000,
                }),
            ),
            (
                RecordKind::OrderEvents,
                Box::new(OrderEvent {
                    id: 1,
                    order_id: 1,
                    employee_id: 7,
                    kind: "problem".into(),
                    due_at: t(1),
                    done_at: Some(t(2)),
                    note: String::new(),
                }),
            ),
            (
                RecordKind::Shipments,
                Box::new(Shipment {
                    id: 1,
                    order_id: 1,
                    employee_id: 7,
                    day: day(),
                    plan_due_at: t(1),
                    plan_created_at: t(1),
                    planned_on: day(),
                    shipped_on: Some(day()),
                    plan_accurate: true,
                    info_accurate: true,
                }),
            ),
            (
                RecordKind::Contracts,
                Box::new(Contract {
                    handled_by: None,
                    id: 1,
                    contract_no: "C1".into(),
                    customer_id: 1,
                    order_id: Some(1),
                    employee_id: 7,
                    amount_cents: 5,
                    status: "signed".into(),
                    drafted_at: t(1),
                    sign_due_at: t(2),
                    signed_at: Some(t(2)),
                    signed_day: Some(day()),
                    archived_at: Some(t(3)),
                    review_passed_first: true,
                }),
            ),
            (
                RecordKind::Receivables,
                Box::new(Receivable {
                    id: 1,
                    customer_id: 1,
                    employee_id: 7,
                    contract_id: Some(1),
                    order_id: Some(1),
                    amount_cents: 5,
                    due_on: day(),
                    instalment: 1,
                }),
            ),
            (
                RecordKind::Payments,
                Box::new(Payment {
                    id: 1,
                    receivable_id: 1,
                    employee_id: 7,
                    received_on: day(),
                    amount_cents: 5,
                }),
            ),
            (
                RecordKind::Complaints,
                Box::new(Complaint {
                    id: 1,
                    customer_id: Some(1),
                    employee_id: 7,
                    day: day(),
                    received_at: t(1),
                    valid: true,
                    due_at: t(2),
                    resolved_at: Some(t(2)),
                    satisfaction: Some(4),
                    description: String::new(),
                }),
            ),
            (
                RecordKind::Expenses,
                Box::new(Expense {
                    id: 1,
                    employee_id: 7,
                    department_id: 1,
                    day: day(),
                    category: "travel".into(),
                    amount_cents: 5,
                    receipts: 1,
                    description: String::new(),
                    status: "paid".into(),
                    submitted_at: t(1),
                    over_budget: false,
                }),
            ),
            (
                RecordKind::Attendance,
                Box::new(Attendance {
                    id: 0,
                    employee_id: 7,
                    day: day(),
                    status: "present".into(),
                }),
            ),
            (
                RecordKind::Reports,
                Box::new(Report {
                    id: 1,
                    employee_id: 7,
                    kind: "weekly".into(),
                    day: day(),
                    due_at: t(1),
                    submitted_at: Some(t(1)),
                    effective: Some(true),
                    accurate: Some(true),
                }),
            ),
            (
                RecordKind::Documents,
                Box::new(Document {
                    id: 1,
                    employee_id: 7,
                    kind: "contract".into(),
                    day: day(),
                    due_at: t(1),
                    filed_at: Some(t(1)),
                    complete: true,
                }),
            ),
        ]
    }

    #[test]
    fn every_stored_field_is_read_from_its_struct_with_the_catalogue_type() {
        let samples = samples();
        assert_eq!(samples.len(), RecordKind::ALL.len());
        for (kind, row) in samples {
            for field in kind.fields() {
                let v = row.field(field.name);
                if field.derived {
                    assert_eq!(v, Value::Null, "{kind}.{} is derived", field.name);
                } else {
                    assert_ne!(
                        v,
                        Value::Null,
                        "{kind}.{} must be read from the struct",
                        field.name
                    );
                    assert!(value_fits(field.ty, &v), "{kind}.{}: {v:?}", field.name);
                }
            }
            let employee = row.field(kind.def().employee_field);
            assert_eq!(
                employee,
                Value::Null,
                "{kind}: the grouping key is not a formula field"
            );
        }
    }

    #[test]
    fn derived_values_come_from_the_wrapper() {
        let o = &samples()[3].1;
        let derived = [("repeat_customer", Value::Bool(true))];
        let row = WithDerived {
            record: o.as_ref(),
            derived: &derived,
        };
        assert_eq!(row.field("repeat_customer"), Value::Bool(true));
        assert_eq!(row.field("amount_cents"), Value::Int(100));
    }
}
