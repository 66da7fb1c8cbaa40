//! The documented column set of every record kind (docs/import-formats.md renders the same
//! table). One [`KindSpec`] drives import, export and list filters, so the three never drift.

use crate::rules::enums::{self, Choices};

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Ty {
    /// The record's id: exported, ignored on import (the database assigns ids).
    Id,
    Text,
    /// An `INTEGER` (32-bit) column.
    Int,
    Float,
    /// Yuan with up to two decimals in files, integer cents in the record (`*_cents`).
    Money,
    Bool,
    Date,
    /// An instant: local time of the company in files, UTC in the record.
    Time,
    /// One of a closed list, given as the code or its Chinese label.
    Choice(Choices),
    /// Another record, given by its business key (工号, 客户档案编号, …).
    Ref(RefKind),
}

/// A record another one refers to, and the business key that names it in files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefKind {
    Employee,
    Customer,
    Order,
    Contract,
    /// Receivables have no business number: files give the receivable's id (its export's ID).
    Receivable,
    Department,
    Team,
    Position,
    Level,
    /// Expense claims have no number either: files give the claim's id.
    Expense,
    /// Meetings, training courses and sessions are named by their id too.
    Meeting,
    TrainingCourse,
    TrainingSession,
}

impl RefKind {
    /// The table and the key column that names its rows in files.
    pub fn table_and_key(self) -> (&'static str, &'static str) {
        match self {
            RefKind::Employee => ("employees", "code"),
            RefKind::Customer => ("customers", "archive_no"),
            RefKind::Order => ("orders", "order_no"),
            RefKind::Contract => ("contracts", "contract_no"),
            RefKind::Receivable => ("receivables", "id"),
            RefKind::Department => ("departments", "code"),
            RefKind::Team => ("teams", "code"),
            RefKind::Position => ("positions", "code"),
            RefKind::Level => ("levels", "code"),
            RefKind::Expense => ("expenses", "id"),
            RefKind::Meeting => ("meetings", "id"),
            RefKind::TrainingCourse => ("training_courses", "id"),
            RefKind::TrainingSession => ("training_sessions", "id"),
        }
    }

    /// How a person calls it, in error messages.
    pub fn noun(self) -> &'static str {
        match self {
            RefKind::Employee => "employee (工号)",
            RefKind::Customer => "customer (客户档案编号)",
            RefKind::Order => "order (订单编号)",
            RefKind::Contract => "contract (合同编号)",
            RefKind::Receivable => "receivable (应收款ID)",
            RefKind::Department => "department (部门编码)",
            RefKind::Team => "team (小组编码)",
            RefKind::Position => "position (岗位编码)",
            RefKind::Level => "level (职级编码)",
            RefKind::Expense => "expense claim (费用ID)",
            RefKind::Meeting => "meeting (会议ID)",
            RefKind::TrainingCourse => "training course (课程ID)",
            RefKind::TrainingSession => "training session (培训场次ID)",
        }
    }
}

/// What an import does when a column is missing from the file or a cell is empty.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Absent {
    /// The row is refused.
    Required,
    /// Stays empty (NULL).
    Null,
    Text(&'static str),
    Bool(bool),
    Int(i64),
    /// The time the import started.
    Now,
    /// The company-local date of this other (time) column.
    DayOf(&'static str),
}

/// One column of a record file.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Column {
    /// The record's field (and the table's column).
    pub field: &'static str,
    /// Chinese header (the default in exported files).
    pub zh: &'static str,
    /// English header.
    pub en: &'static str,
    pub ty: Ty,
    pub absent: Absent,
    /// Written by exports but never read by imports (ids, values kaohe computes).
    pub export_only: bool,
    /// Workflow state (a contract's status and signing time, a claim's status): set only by
    /// the kind's steps ([`KindSpec::open_states`]). A new record must leave it at its start
    /// value (`absent`), an edit must leave it as stored; forms, the API and imports that
    /// try otherwise are refused, naming the column.
    pub by_steps: bool,
}

/// Everything kaohe knows about one record kind's files and table.
#[derive(Debug, PartialEq)]
pub struct KindSpec {
    /// The kind's name on the command line (`kaohe import calls …`).
    pub kind: &'static str,
    /// Chinese name.
    pub zh: &'static str,
    pub table: &'static str,
    /// The column holding the responsible employee (data scopes narrow on it); empty when
    /// the records belong to nobody in particular (only company-wide roles see and write them)
    /// or to their parent's owner.
    pub owner: &'static str,
    /// The record this one belongs to (an order line to its order), whose responsible person
    /// is this record's too.
    pub parent: Option<Parent>,
    /// The business key that must be unique (order number, …), if the kind has one.
    pub key: Option<&'static str>,
    /// The date column periods filter on.
    pub day: Option<&'static str>,
    pub columns: &'static [Column],
}

/// A record another belongs to, for data scopes: an order line is seen by whoever sees its
/// order.
#[derive(Debug, PartialEq)]
pub struct Parent {
    /// The column of the child naming the parent (by id once resolved).
    pub column: &'static str,
    /// The parent's kind.
    pub spec: &'static KindSpec,
}

impl KindSpec {
    /// The SQL expression, over the kind's table aliased `t`, of the responsible employee
    /// (`None` when the records belong to nobody).
    pub fn owner_expr(&self) -> Option<String> {
        match &self.parent {
            Some(p) => p.spec.owner_expr().map(|o| {
                let inner = o.replacen("t.", "p.", 1);
                format!(
                    "(SELECT {inner} FROM {} p WHERE p.id = t.{})",
                    p.spec.table, p.column
                )
            }),
            None if self.owner.is_empty() => None,
            None => Some(format!("t.{}", self.owner)),
        }
    }

    /// The column of `field`.
    pub fn column(&self, field: &str) -> Option<(usize, &Column)> {
        self.columns
            .iter()
            .enumerate()
            .find(|(_, c)| c.field == field)
    }

    /// For a kind with a workflow ([`Column::by_steps`]): its state column and the states in
    /// which a record may still be edited through forms, the API and imports. Past them (a
    /// contract whose review passed, a signed or archived one; a claim a reviewer approved or
    /// paid) it changes only through its steps. `None` for kinds without steps.
    pub fn open_states(&self) -> Option<(&'static str, &'static [&'static str])> {
        match self.kind {
            "contracts" => Some(("status", &["drafted", "returned"])),
            "expenses" => Some((
                "status",
                &["submitted", "manager_returned", "finance_returned"],
            )),
            _ => None,
        }
    }

    /// The columns set only by the kind's steps.
    pub fn step_columns(&self) -> impl Iterator<Item = (usize, &Column)> {
        self.columns.iter().enumerate().filter(|(_, c)| c.by_steps)
    }

    /// Whether rows of this kind have an `id` column.
    pub fn has_id(&self) -> bool {
        self.columns.first().is_some_and(|c| c.ty == Ty::Id)
    }
}

const fn col(
    field: &'static str,
    zh: &'static str,
    en: &'static str,
    ty: Ty,
    absent: Absent,
) -> Column {
    Column {
        field,
        zh,
        en,
        ty,
        absent,
        export_only: false,
        by_steps: false,
    }
}

/// A column of workflow state, set only by the kind's steps (see [`Column::by_steps`]); a new
/// record starts with `start`.
const fn stepped(
    field: &'static str,
    zh: &'static str,
    en: &'static str,
    ty: Ty,
    start: Absent,
) -> Column {
    Column {
        by_steps: true,
        ..col(field, zh, en, ty, start)
    }
}

const fn computed(
    field: &'static str,
    zh: &'static str,
    en: &'static str,
    ty: Ty,
    absent: Absent,
) -> Column {
    Column {
        export_only: true,
        ..col(field, zh, en, ty, absent)
    }
}

use Absent::{DayOf, Null, Required};
const ID: Column = computed("id", "ID", "id", Ty::Id, Absent::Int(0));
const EMPLOYEE: Column = col(
    "employee_id",
    "工号",
    "employee",
    Ty::Ref(RefKind::Employee),
    Required,
);
/// The sales clerk who handled the record, beside its owner (SPEC §5a).
const HANDLED_BY: Column = col(
    "handled_by",
    "经办内勤工号",
    "handled_by",
    Ty::Ref(RefKind::Employee),
    Null,
);
const CUSTOMER: Column = col(
    "customer_id",
    "客户档案编号",
    "archive_no",
    Ty::Ref(RefKind::Customer),
    Required,
);
const CUSTOMER_OPT: Column = col(
    "customer_id",
    "客户档案编号",
    "archive_no",
    Ty::Ref(RefKind::Customer),
    Null,
);
const ORDER: Column = col(
    "order_id",
    "订单编号",
    "order_no",
    Ty::Ref(RefKind::Order),
    Required,
);
const TEXT: Absent = Absent::Text("");
const FALSE: Absent = Absent::Bool(false);
const TRUE: Absent = Absent::Bool(true);

/// 客户档案.
pub static CUSTOMERS: KindSpec = KindSpec {
    kind: "customers",
    zh: "客户档案",
    table: "customers",
    owner: "owner_id",
    parent: None,
    key: Some("archive_no"),
    day: None,
    columns: &[
        ID,
        col(
            "archive_no",
            "客户档案编号",
            "archive_no",
            Ty::Text,
            Required,
        ),
        col("name", "客户名称", "name", Ty::Text, Required),
        col("company", "公司", "company", Ty::Text, TEXT),
        col("contact", "联系人", "contact", Ty::Text, TEXT),
        col("phone", "电话", "phone", Ty::Text, TEXT),
        col("address", "地址", "address", Ty::Text, TEXT),
        col("industry", "行业", "industry", Ty::Text, TEXT),
        col("needs", "需求", "needs", Ty::Text, TEXT),
        col("source", "来源", "source", Ty::Text, TEXT),
        col(
            "class",
            "客户分类",
            "class",
            Ty::Choice(enums::CUSTOMER_CLASSES),
            Required,
        ),
        col(
            "owner_id",
            "负责人工号",
            "owner",
            Ty::Ref(RefKind::Employee),
            Required,
        ),
        HANDLED_BY,
        col("valid", "有效", "valid", Ty::Bool, TRUE),
        col(
            "special_archive",
            "专档",
            "special_archive",
            Ty::Bool,
            FALSE,
        ),
        computed("complete", "档案完整", "complete", Ty::Bool, FALSE),
        col(
            "created_at",
            "建档时间",
            "created_at",
            Ty::Time,
            Absent::Now,
        ),
        col(
            "updated_at",
            "更新时间",
            "updated_at",
            Ty::Time,
            Absent::Now,
        ),
        col(
            "update_due_at",
            "应更新时间",
            "update_due_at",
            Ty::Time,
            Null,
        ),
        col("verified_at", "核实时间", "verified_at", Ty::Time, Null),
    ],
};

/// 电话记录.
pub static CALLS: KindSpec = KindSpec {
    kind: "calls",
    zh: "电话记录",
    table: "calls",
    owner: "employee_id",
    parent: None,
    key: None,
    day: Some("day"),
    columns: &[
        ID,
        EMPLOYEE,
        CUSTOMER_OPT,
        col("day", "日期", "day", Ty::Date, DayOf("started_at")),
        col("started_at", "开始时间", "started_at", Ty::Time, Required),
        col(
            "direction",
            "方向",
            "direction",
            Ty::Choice(enums::CALL_DIRECTIONS),
            Required,
        ),
        col(
            "duration_s",
            "通话时长(秒)",
            "duration_s",
            Ty::Int,
            Required,
        ),
        col(
            "outcome",
            "结果",
            "outcome",
            Ty::Choice(enums::CALL_OUTCOMES),
            Required,
        ),
        col("is_callback", "是否回访", "is_callback", Ty::Bool, FALSE),
        col(
            "callback_due_at",
            "回访截止时间",
            "callback_due_at",
            Ty::Time,
            Null,
        ),
        col("rings", "响铃次数", "rings", Ty::Int, Null),
    ],
};

/// 拜访记录.
pub static VISITS: KindSpec = KindSpec {
    kind: "visits",
    zh: "拜访记录",
    table: "visits",
    owner: "employee_id",
    parent: None,
    key: None,
    day: Some("day"),
    columns: &[
        ID,
        EMPLOYEE,
        CUSTOMER_OPT,
        col("day", "日期", "day", Ty::Date, DayOf("visited_at")),
        col("visited_at", "拜访时间", "visited_at", Ty::Time, Required),
        col(
            "kind",
            "拜访类型",
            "kind",
            Ty::Choice(enums::VISIT_KINDS),
            Required,
        ),
        col("invited", "邀约到访", "invited", Ty::Bool, FALSE),
        col("success", "拜访成功", "success", Ty::Bool, FALSE),
        col("notes", "备注", "notes", Ty::Text, TEXT),
    ],
};

/// 订单.
pub static ORDERS: KindSpec = KindSpec {
    kind: "orders",
    zh: "订单",
    table: "orders",
    owner: "employee_id",
    parent: None,
    key: Some("order_no"),
    day: Some("day"),
    columns: &[
        ID,
        col("order_no", "订单编号", "order_no", Ty::Text, Required),
        CUSTOMER,
        EMPLOYEE,
        HANDLED_BY,
        col("day", "日期", "day", Ty::Date, DayOf("received_at")),
        col("received_at", "接单时间", "received_at", Ty::Time, Required),
        col("entered_at", "录入时间", "entered_at", Ty::Time, Required),
        col(
            "entry_due_at",
            "录入截止时间",
            "entry_due_at",
            Ty::Time,
            Required,
        ),
        col("amount_cents", "金额(元)", "amount", Ty::Money, Required),
        col(
            "entry_errors",
            "录入差错",
            "entry_errors",
            Ty::Int,
            Absent::Int(0),
        ),
        col(
            "promised_delivery_on",
            "承诺交期",
            "promised_delivery_on",
            Ty::Date,
            Required,
        ),
        col(
            "status",
            "状态",
            "status",
            Ty::Choice(enums::ORDER_STATUSES),
            Required,
        ),
        col(
            "price_ratio_bp",
            "价格比(基点)",
            "price_ratio_bp",
            Ty::Int,
            Absent::Int(10_000),
        ),
    ],
};

/// 发货.
pub static SHIPMENTS: KindSpec = KindSpec {
    kind: "shipments",
    zh: "发货",
    table: "shipments",
    owner: "employee_id",
    parent: None,
    key: None,
    day: Some("day"),
    columns: &[
        ID,
        col(
            "order_id",
            "订单编号",
            "order_no",
            Ty::Ref(RefKind::Order),
            Required,
        ),
        EMPLOYEE,
        col("day", "日期", "day", Ty::Date, DayOf("plan_created_at")),
        col(
            "plan_due_at",
            "计划截止时间",
            "plan_due_at",
            Ty::Time,
            Required,
        ),
        col(
            "plan_created_at",
            "计划制定时间",
            "plan_created_at",
            Ty::Time,
            Required,
        ),
        col("planned_on", "计划发货日", "planned_on", Ty::Date, Required),
        col("shipped_on", "实际发货日", "shipped_on", Ty::Date, Null),
        col("plan_accurate", "计划准确", "plan_accurate", Ty::Bool, TRUE),
        col("info_accurate", "信息准确", "info_accurate", Ty::Bool, TRUE),
    ],
};

/// 合同.
pub static CONTRACTS: KindSpec = KindSpec {
    kind: "contracts",
    zh: "合同",
    table: "contracts",
    owner: "employee_id",
    parent: None,
    key: Some("contract_no"),
    day: Some("signed_day"),
    columns: &[
        ID,
        col("contract_no", "合同编号", "contract_no", Ty::Text, Required),
        CUSTOMER,
        col(
            "order_id",
            "订单编号",
            "order_no",
            Ty::Ref(RefKind::Order),
            Null,
        ),
        EMPLOYEE,
        HANDLED_BY,
        col(
            "amount_cents",
            "签约金额(元)",
            "amount",
            Ty::Money,
            Required,
        ),
        stepped(
            "status",
            "状态",
            "status",
            Ty::Choice(enums::CONTRACT_STATUSES),
            Absent::Text("drafted"),
        ),
        col("drafted_at", "草拟时间", "drafted_at", Ty::Time, Required),
        col(
            "sign_due_at",
            "签约截止时间",
            "sign_due_at",
            Ty::Time,
            Required,
        ),
        stepped("signed_at", "签约时间", "signed_at", Ty::Time, Null),
        stepped(
            "signed_day",
            "签约日期",
            "signed_day",
            Ty::Date,
            DayOf("signed_at"),
        ),
        stepped("archived_at", "归档时间", "archived_at", Ty::Time, Null),
        stepped(
            "review_passed_first",
            "首次审核通过",
            "review_passed_first",
            Ty::Bool,
            TRUE,
        ),
    ],
};

/// 应收款.
pub static RECEIVABLES: KindSpec = KindSpec {
    kind: "receivables",
    zh: "应收款",
    table: "receivables",
    owner: "employee_id",
    parent: None,
    key: None,
    day: Some("due_on"),
    columns: &[
        ID,
        CUSTOMER,
        EMPLOYEE,
        col(
            "contract_id",
            "合同编号",
            "contract_no",
            Ty::Ref(RefKind::Contract),
            Null,
        ),
        col(
            "order_id",
            "订单编号",
            "order_no",
            Ty::Ref(RefKind::Order),
            Null,
        ),
        col(
            "amount_cents",
            "应收金额(元)",
            "amount",
            Ty::Money,
            Required,
        ),
        col("due_on", "到期日", "due_on", Ty::Date, Required),
        col("instalment", "期数", "instalment", Ty::Int, Absent::Int(1)),
    ],
};

/// 回款.
pub static PAYMENTS: KindSpec = KindSpec {
    kind: "payments",
    zh: "回款",
    table: "payments",
    owner: "employee_id",
    parent: None,
    key: None,
    day: Some("received_on"),
    columns: &[
        ID,
        col(
            "receivable_id",
            "应收款ID",
            "receivable_id",
            Ty::Ref(RefKind::Receivable),
            Required,
        ),
        EMPLOYEE,
        col("received_on", "回款日期", "received_on", Ty::Date, Required),
        col(
            "amount_cents",
            "回款金额(元)",
            "amount",
            Ty::Money,
            Required,
        ),
    ],
};

/// 投诉.
pub static COMPLAINTS: KindSpec = KindSpec {
    kind: "complaints",
    zh: "投诉",
    table: "complaints",
    owner: "employee_id",
    parent: None,
    key: None,
    day: Some("day"),
    columns: &[
        ID,
        CUSTOMER_OPT,
        EMPLOYEE,
        col("day", "日期", "day", Ty::Date, DayOf("received_at")),
        col("received_at", "受理时间", "received_at", Ty::Time, Required),
        col("valid", "有效投诉", "valid", Ty::Bool, Required),
        col("due_at", "处理截止时间", "due_at", Ty::Time, Required),
        col("resolved_at", "解决时间", "resolved_at", Ty::Time, Null),
        col("satisfaction", "满意度", "satisfaction", Ty::Int, Null),
        col("description", "描述", "description", Ty::Text, TEXT),
    ],
};

/// 销售费用.
pub static EXPENSES: KindSpec = KindSpec {
    kind: "expenses",
    zh: "销售费用",
    table: "expenses",
    owner: "employee_id",
    parent: None,
    key: None,
    day: Some("day"),
    columns: &[
        ID,
        EMPLOYEE,
        col(
            "department_id",
            "部门编码",
            "department",
            Ty::Ref(RefKind::Department),
            Required,
        ),
        col("day", "日期", "day", Ty::Date, DayOf("submitted_at")),
        col(
            "category",
            "费用类别",
            "category",
            Ty::Choice(enums::EXPENSE_CATEGORIES),
            Required,
        ),
        col("amount_cents", "金额(元)", "amount", Ty::Money, Required),
        col("receipts", "票据张数", "receipts", Ty::Int, Absent::Int(0)),
        col("description", "说明", "description", Ty::Text, TEXT),
        stepped(
            "status",
            "状态",
            "status",
            Ty::Choice(enums::EXPENSE_STATUSES),
            Absent::Text("submitted"),
        ),
        col(
            "submitted_at",
            "提交时间",
            "submitted_at",
            Ty::Time,
            Required,
        ),
        computed("over_budget", "超预算", "over_budget", Ty::Bool, FALSE),
    ],
};

/// 考勤.
pub static ATTENDANCE: KindSpec = KindSpec {
    kind: "attendance",
    zh: "考勤",
    table: "attendance",
    owner: "employee_id",
    parent: None,
    key: None,
    day: Some("day"),
    columns: &[
        ID,
        EMPLOYEE,
        col("day", "日期", "day", Ty::Date, Required),
        col(
            "status",
            "考勤状态",
            "status",
            Ty::Choice(enums::ATTENDANCE_STATUSES),
            Required,
        ),
    ],
};

/// 报告.
pub static REPORTS: KindSpec = KindSpec {
    kind: "reports",
    zh: "报告",
    table: "reports",
    owner: "employee_id",
    parent: None,
    key: None,
    day: Some("day"),
    columns: &[
        ID,
        EMPLOYEE,
        col(
            "kind",
            "报告类型",
            "kind",
            Ty::Choice(enums::REPORT_KINDS),
            Required,
        ),
        col("day", "日期", "day", Ty::Date, DayOf("due_at")),
        col("due_at", "截止时间", "due_at", Ty::Time, Required),
        col("submitted_at", "提交时间", "submitted_at", Ty::Time, Null),
        col("effective", "有效", "effective", Ty::Bool, Null),
        col("accurate", "准确", "accurate", Ty::Bool, Null),
    ],
};

/// 文档.
pub static DOCUMENTS: KindSpec = KindSpec {
    kind: "documents",
    zh: "文档",
    table: "documents",
    owner: "employee_id",
    parent: None,
    key: None,
    day: Some("day"),
    columns: &[
        ID,
        EMPLOYEE,
        col("kind", "文档类型", "kind", Ty::Text, Required),
        col("day", "日期", "day", Ty::Date, DayOf("due_at")),
        col("due_at", "截止时间", "due_at", Ty::Time, Required),
        col("filed_at", "归档时间", "filed_at", Ty::Time, Null),
        col("complete", "完整", "complete", Ty::Bool, TRUE),
    ],
};

/// 信用评估.
pub static CREDIT: KindSpec = KindSpec {
    kind: "credit",
    zh: "信用评估",
    table: "credit_assessments",
    owner: "assessor_id",
    parent: None,
    key: None,
    day: Some("assessed_on"),
    columns: &[
        ID,
        CUSTOMER,
        col(
            "rating",
            "信用等级",
            "rating",
            Ty::Choice(enums::CREDIT_RATINGS),
            Required,
        ),
        col("limit_cents", "信用额度(元)", "limit", Ty::Money, Required),
        col("assessed_on", "评估日期", "assessed_on", Ty::Date, Required),
        col("review_on", "复评日期", "review_on", Ty::Date, Required),
        col(
            "assessor_id",
            "评估人工号",
            "assessor",
            Ty::Ref(RefKind::Employee),
            Required,
        ),
        col("watch", "重点关注", "watch", Ty::Bool, FALSE),
    ],
};

/// 员工.
pub static EMPLOYEES: KindSpec = KindSpec {
    kind: "employees",
    zh: "员工",
    table: "employees",
    owner: "id",
    parent: None,
    key: Some("code"),
    day: None,
    columns: &[
        ID,
        col("code", "工号", "code", Ty::Text, Required),
        col("name", "姓名", "name", Ty::Text, Required),
        col("phone", "电话", "phone", Ty::Text, TEXT),
        col("email", "邮箱", "email", Ty::Text, TEXT),
        col(
            "department_id",
            "部门编码",
            "department",
            Ty::Ref(RefKind::Department),
            Required,
        ),
        col("team_id", "小组编码", "team", Ty::Ref(RefKind::Team), Null),
        col(
            "position_id",
            "岗位编码",
            "position",
            Ty::Ref(RefKind::Position),
            Required,
        ),
        col(
            "level_id",
            "职级编码",
            "level",
            Ty::Ref(RefKind::Level),
            Null,
        ),
        col(
            "supervisor_id",
            "上级工号",
            "supervisor",
            Ty::Ref(RefKind::Employee),
            Null,
        ),
        col(
            "status",
            "状态",
            "status",
            Ty::Choice(enums::EMPLOYMENT_STATUSES),
            Absent::Text("regular"),
        ),
        col("hired_on", "入职日期", "hired_on", Ty::Date, Required),
        col("regular_on", "转正日期", "regular_on", Ty::Date, Null),
        col("left_on", "离职日期", "left_on", Ty::Date, Null),
    ],
};

/// 小组.
pub static TEAMS: KindSpec = KindSpec {
    kind: "teams",
    zh: "小组",
    table: "teams",
    owner: "leader_id",
    parent: None,
    key: Some("code"),
    day: None,
    columns: &[
        ID,
        col(
            "department_id",
            "部门编码",
            "department",
            Ty::Ref(RefKind::Department),
            Required,
        ),
        col("code", "小组编码", "code", Ty::Text, Required),
        col("name", "小组名称", "name", Ty::Text, Required),
        col(
            "leader_id",
            "组长工号",
            "leader",
            Ty::Ref(RefKind::Employee),
            Null,
        ),
    ],
};

/// 订单明细.
pub static ORDER_LINES: KindSpec = KindSpec {
    kind: "order_lines",
    zh: "订单明细",
    table: "order_lines",
    owner: "",
    parent: Some(Parent {
        column: "order_id",
        spec: &ORDERS,
    }),
    key: None,
    day: None,
    columns: &[
        ID,
        ORDER,
        col("product", "产品", "product", Ty::Text, Required),
        col("product_group", "产品组", "product_group", Ty::Text, TEXT),
        col("quantity", "数量", "quantity", Ty::Int, Required),
        col(
            "unit_price_cents",
            "单价(元)",
            "unit_price",
            Ty::Money,
            Required,
        ),
        col("amount_cents", "金额(元)", "amount", Ty::Money, Required),
    ],
};

/// 订单进度反馈与问题.
pub static ORDER_EVENTS: KindSpec = KindSpec {
    kind: "order_events",
    zh: "订单进度反馈与问题",
    table: "order_events",
    owner: "employee_id",
    parent: None,
    key: None,
    day: None,
    columns: &[
        ID,
        ORDER,
        EMPLOYEE,
        col(
            "kind",
            "类型",
            "kind",
            Ty::Choice(enums::ORDER_EVENT_KINDS),
            Required,
        ),
        col("due_at", "截止时间", "due_at", Ty::Time, Required),
        col("done_at", "完成时间", "done_at", Ty::Time, Null),
        col("note", "说明", "note", Ty::Text, TEXT),
    ],
};

/// 订单业绩分成.
pub static ORDER_CREDITS: KindSpec = KindSpec {
    kind: "order_credits",
    zh: "订单业绩分成",
    table: "order_credits",
    owner: "employee_id",
    parent: None,
    key: None,
    day: None,
    columns: &[
        ORDER,
        EMPLOYEE,
        col("share_pct", "分成比例(%)", "share_pct", Ty::Float, Required),
    ],
};

/// 合同流转记录.
pub static CONTRACT_STEPS: KindSpec = KindSpec {
    kind: "contract_steps",
    zh: "合同流转记录",
    table: "contract_steps",
    owner: "",
    parent: Some(Parent {
        column: "contract_id",
        spec: &CONTRACTS,
    }),
    key: None,
    day: None,
    columns: &[
        ID,
        col(
            "contract_id",
            "合同编号",
            "contract_no",
            Ty::Ref(RefKind::Contract),
            Required,
        ),
        col(
            "step",
            "环节",
            "step",
            Ty::Choice(enums::CONTRACT_STEPS),
            Required,
        ),
        col(
            "outcome",
            "结果",
            "outcome",
            Ty::Choice(enums::CONTRACT_STEP_OUTCOMES),
            Absent::Text("done"),
        ),
        col(
            "actor_id",
            "经办人工号",
            "actor",
            Ty::Ref(RefKind::Employee),
            Null,
        ),
        col("at", "时间", "at", Ty::Time, Required),
        col("comment", "意见", "comment", Ty::Text, TEXT),
    ],
};

/// 费用审批记录.
pub static EXPENSE_STEPS: KindSpec = KindSpec {
    kind: "expense_steps",
    zh: "费用审批记录",
    table: "expense_steps",
    owner: "",
    parent: Some(Parent {
        column: "expense_id",
        spec: &EXPENSES,
    }),
    key: None,
    day: None,
    columns: &[
        ID,
        col(
            "expense_id",
            "费用ID",
            "expense_id",
            Ty::Ref(RefKind::Expense),
            Required,
        ),
        col(
            "step",
            "环节",
            "step",
            Ty::Choice(enums::EXPENSE_STEPS),
            Required,
        ),
        col(
            "outcome",
            "结果",
            "outcome",
            Ty::Choice(enums::EXPENSE_STEP_OUTCOMES),
            Required,
        ),
        col(
            "actor_id",
            "审批人工号",
            "actor",
            Ty::Ref(RefKind::Employee),
            Required,
        ),
        col("at", "时间", "at", Ty::Time, Required),
        col("comment", "意见", "comment", Ty::Text, TEXT),
    ],
};

/// 费用预算.
pub static BUDGETS: KindSpec = KindSpec {
    kind: "budgets",
    zh: "费用预算",
    table: "budgets",
    owner: "",
    parent: None,
    key: None,
    day: None,
    columns: &[
        col(
            "department_id",
            "部门编码",
            "department",
            Ty::Ref(RefKind::Department),
            Required,
        ),
        col("period", "期间", "period", Ty::Text, Required),
        col(
            "category",
            "费用类别",
            "category",
            Ty::Choice(enums::EXPENSE_CATEGORIES),
            Required,
        ),
        col(
            "amount_cents",
            "预算金额(元)",
            "amount",
            Ty::Money,
            Required,
        ),
    ],
};

/// 会议.
pub static MEETINGS: KindSpec = KindSpec {
    kind: "meetings",
    zh: "会议",
    table: "meetings",
    owner: "",
    parent: Some(Parent {
        column: "team_id",
        spec: &TEAMS,
    }),
    key: None,
    day: Some("day"),
    columns: &[
        ID,
        col(
            "team_id",
            "小组编码",
            "team",
            Ty::Ref(RefKind::Team),
            Required,
        ),
        col(
            "kind",
            "会议类型",
            "kind",
            Ty::Choice(enums::MEETING_KINDS),
            Required,
        ),
        col("day", "日期", "day", Ty::Date, DayOf("held_at")),
        col("held_at", "召开时间", "held_at", Ty::Time, Required),
        col("minutes", "会议纪要", "minutes", Ty::Text, TEXT),
    ],
};

/// 会议出席.
pub static MEETING_ATTENDANCE: KindSpec = KindSpec {
    kind: "meeting_attendance",
    zh: "会议出席",
    table: "meeting_attendance",
    owner: "employee_id",
    parent: None,
    key: None,
    day: None,
    columns: &[
        col(
            "meeting_id",
            "会议ID",
            "meeting_id",
            Ty::Ref(RefKind::Meeting),
            Required,
        ),
        EMPLOYEE,
    ],
};

/// 培训计划.
pub static TRAINING_COURSES: KindSpec = KindSpec {
    kind: "training_courses",
    zh: "培训计划",
    table: "training_courses",
    owner: "",
    parent: None,
    key: None,
    day: Some("planned_on"),
    columns: &[
        ID,
        col("year", "年度", "year", Ty::Int, Required),
        col("title", "课程名称", "title", Ty::Text, Required),
        col("content", "培训内容", "content", Ty::Text, TEXT),
        col(
            "method",
            "培训方式",
            "method",
            Ty::Choice(enums::TRAINING_METHODS),
            Required,
        ),
        col("trainer", "讲师", "trainer", Ty::Text, TEXT),
        col("audience", "培训对象", "audience", Ty::Text, TEXT),
        col("planned_on", "计划日期", "planned_on", Ty::Date, Required),
        col(
            "pass_mark",
            "合格分数",
            "pass_mark",
            Ty::Float,
            Absent::Int(60),
        ),
        col("indicator_code", "关联指标", "indicator", Ty::Text, TEXT),
        col(
            "assessment",
            "考核方式",
            "assessment",
            Ty::Choice(enums::TRAINING_ASSESSMENTS),
            Absent::Text("exam"),
        ),
    ],
};

/// 培训场次.
pub static TRAINING_SESSIONS: KindSpec = KindSpec {
    kind: "training_sessions",
    zh: "培训场次",
    table: "training_sessions",
    owner: "",
    parent: None,
    key: None,
    day: Some("held_on"),
    columns: &[
        ID,
        col(
            "course_id",
            "课程ID",
            "course_id",
            Ty::Ref(RefKind::TrainingCourse),
            Required,
        ),
        col("held_on", "培训日期", "held_on", Ty::Date, Required),
    ],
};

/// 培训考核成绩.
pub static TRAINING_RESULTS: KindSpec = KindSpec {
    kind: "training_results",
    zh: "培训考核成绩",
    table: "training_results",
    owner: "employee_id",
    parent: None,
    key: None,
    day: None,
    columns: &[
        col(
            "session_id",
            "培训场次ID",
            "session_id",
            Ty::Ref(RefKind::TrainingSession),
            Required,
        ),
        EMPLOYEE,
        col("attended", "出席", "attended", Ty::Bool, TRUE),
        col("score", "考核成绩", "score", Ty::Float, Null),
    ],
};

/// 会议决定.
pub static MEETING_DECISIONS: KindSpec = KindSpec {
    kind: "meeting_decisions",
    zh: "会议决定",
    table: "meeting_decisions",
    owner: "owner_id",
    parent: None,
    key: None,
    day: Some("due_on"),
    columns: &[
        ID,
        col(
            "meeting_id",
            "会议ID",
            "meeting_id",
            Ty::Ref(RefKind::Meeting),
            Required,
        ),
        col("text", "决定事项", "decision", Ty::Text, Required),
        col(
            "owner_id",
            "负责人工号",
            "owner",
            Ty::Ref(RefKind::Employee),
            Required,
        ),
        col("due_on", "完成期限", "due_on", Ty::Date, Required),
        col("done_on", "完成日期", "done_on", Ty::Date, Null),
    ],
};

/// 培训需求.
pub static TRAINING_NEEDS: KindSpec = KindSpec {
    kind: "training_needs",
    zh: "培训需求",
    table: "training_needs",
    owner: "employee_id",
    parent: None,
    key: None,
    day: None,
    columns: &[
        ID,
        EMPLOYEE,
        col(
            "source",
            "需求来源",
            "source",
            Ty::Choice(enums::TRAINING_NEED_SOURCES),
            Absent::Text("staff"),
        ),
        col("topic", "培训需求", "topic", Ty::Text, Required),
        col(
            "created_at",
            "提出时间",
            "created_at",
            Ty::Time,
            Absent::Now,
        ),
    ],
};

/// 部门. A parent department must exist before its children are imported (an earlier file, or
/// an earlier import of the same file's parents).
pub static DEPARTMENTS: KindSpec = KindSpec {
    kind: "departments",
    zh: "部门",
    table: "departments",
    owner: "",
    parent: None,
    key: Some("code"),
    day: None,
    columns: &[
        ID,
        col("code", "部门编码", "code", Ty::Text, Required),
        col("name", "部门名称", "name", Ty::Text, Required),
        col("name_en", "英文名称", "name_en", Ty::Text, TEXT),
        col(
            "kind",
            "部门类型",
            "kind",
            Ty::Choice(enums::DEPARTMENT_KINDS),
            Required,
        ),
        col(
            "parent_id",
            "上级部门编码",
            "parent",
            Ty::Ref(RefKind::Department),
            Null,
        ),
    ],
};

/// 岗位.
pub static POSITIONS: KindSpec = KindSpec {
    kind: "positions",
    zh: "岗位",
    table: "positions",
    owner: "",
    parent: None,
    key: Some("code"),
    day: None,
    columns: &[
        ID,
        col("code", "岗位编码", "code", Ty::Text, Required),
        col("name", "岗位名称", "name", Ty::Text, Required),
        col("name_en", "英文名称", "name_en", Ty::Text, TEXT),
        col("scheme_code", "考核方案编码", "scheme", Ty::Text, Null),
    ],
};

/// 职级.
pub static LEVELS: KindSpec = KindSpec {
    kind: "levels",
    zh: "职级",
    table: "levels",
    owner: "",
    parent: None,
    key: Some("code"),
    day: None,
    columns: &[
        ID,
        col("ladder", "职级序列", "ladder", Ty::Text, Required),
        col("code", "职级编码", "code", Ty::Text, Required),
        col("name", "职级名称", "name", Ty::Text, Required),
        col("name_en", "英文名称", "name_en", Ty::Text, TEXT),
        col("rank", "级别(1为最低)", "rank", Ty::Int, Required),
        col(
            "base_salary_cents",
            "底薪(元)",
            "base_salary",
            Ty::Money,
            Absent::Int(0),
        ),
        col(
            "months_without_deal",
            "无成交月数上限",
            "months_without_deal",
            Ty::Int,
            Null,
        ),
        col(
            "promotion_standard",
            "晋升标准",
            "promotion_standard",
            Ty::Text,
            TEXT,
        ),
    ],
};

/// 任职记录.
pub static ASSIGNMENTS: KindSpec = KindSpec {
    kind: "assignments",
    zh: "任职记录",
    table: "assignments",
    owner: "employee_id",
    parent: None,
    key: None,
    day: Some("valid_from"),
    columns: &[
        EMPLOYEE,
        col("valid_from", "生效日期", "valid_from", Ty::Date, Required),
        col(
            "department_id",
            "部门编码",
            "department",
            Ty::Ref(RefKind::Department),
            Required,
        ),
        col("team_id", "小组编码", "team", Ty::Ref(RefKind::Team), Null),
        col(
            "position_id",
            "岗位编码",
            "position",
            Ty::Ref(RefKind::Position),
            Required,
        ),
        col(
            "level_id",
            "职级编码",
            "level",
            Ty::Ref(RefKind::Level),
            Null,
        ),
        col(
            "supervisor_id",
            "上级工号",
            "supervisor",
            Ty::Ref(RefKind::Employee),
            Null,
        ),
        col("valid_to", "失效日期", "valid_to", Ty::Date, Null),
    ],
};

/// Every kind with files, in the order they are listed (and best imported: people before
/// their records, customers before orders, orders before shipments and contracts).
pub static KINDS: &[&KindSpec] = &[
    &DEPARTMENTS,
    &POSITIONS,
    &LEVELS,
    &TEAMS,
    &EMPLOYEES,
    &ASSIGNMENTS,
    &CUSTOMERS,
    &CREDIT,
    &CALLS,
    &VISITS,
    &ORDERS,
    &ORDER_LINES,
    &ORDER_EVENTS,
    &ORDER_CREDITS,
    &SHIPMENTS,
    &CONTRACTS,
    &CONTRACT_STEPS,
    &RECEIVABLES,
    &PAYMENTS,
    &COMPLAINTS,
    &BUDGETS,
    &EXPENSES,
    &EXPENSE_STEPS,
    &ATTENDANCE,
    &REPORTS,
    &DOCUMENTS,
    &MEETINGS,
    &MEETING_ATTENDANCE,
    &MEETING_DECISIONS,
    &TRAINING_NEEDS,
    &TRAINING_COURSES,
    &TRAINING_SESSIONS,
    &TRAINING_RESULTS,
];

/// A person's behaviour factor of a month (performance × behaviour schemes). Imported only
/// (the cycle page and `GET /api/cycle/behaviour` show it): each row goes through the cycle's
/// rule (the superior or HR, the cycle open or in rating, 0 to the scheme's maximum, acts
/// above 1.0, a violation makes it 0), not into the table as a plain record.
///
/// 行为系数（仅导入）.
pub static BEHAVIOUR: KindSpec = KindSpec {
    kind: "behaviour",
    zh: "行为系数",
    table: "behaviour_assessments",
    owner: "employee_id",
    parent: None,
    key: None,
    day: None,
    columns: &[
        col("period", "期间", "period", Ty::Text, Required),
        EMPLOYEE,
        col("factor", "行为系数", "factor", Ty::Float, Required),
        col("acts", "突出表现", "acts", Ty::Text, TEXT),
        col("violation", "严重违规", "violation", Ty::Text, TEXT),
    ],
};

/// The working-day calendar (工作日历): public holidays (休息日) and make-up working days
/// (工作日, 调休上班). Not a record kind: its rows go through the calendar's own rules (a make-up
/// day is a Saturday or Sunday, a name of at most 100 characters, a date once per file) and
/// replace the kind and name of a day already configured; HR and administrators only. Exported
/// with `kaohe calendar export` and from the calendar page.
pub static CALENDAR: KindSpec = KindSpec {
    kind: "calendar",
    zh: "工作日历",
    table: "holidays",
    owner: "",
    parent: None,
    key: Some("day"),
    day: Some("day"),
    columns: &[
        col("day", "日期", "date", Ty::Date, Required),
        col(
            "kind",
            "类型",
            "kind",
            Ty::Choice(enums::DAY_KINDS),
            Required,
        ),
        col("name", "名称", "name", Ty::Text, TEXT),
    ],
};

/// Bonus bases (绩效奖金基数) HR sets: for the company, a position, a level or one person, from
/// a month on. Imported only (the bonus base page lists them): the whole file is checked as the
/// page checks one rule, and written all or nothing.
///
/// 绩效奖金基数（仅导入）.
pub static BONUS_BASES: KindSpec = KindSpec {
    kind: "bonus_bases",
    zh: "绩效奖金基数",
    table: "bonus_base_rules",
    owner: "",
    parent: None,
    key: None,
    day: None,
    columns: &[
        col("scope", "适用范围", "scope", Ty::Text, Required),
        col("subject", "对象", "subject", Ty::Text, TEXT),
        col("effective_from", "生效月份", "from", Ty::Text, Required),
        col("base_cents", "基数(元)", "amount", Ty::Money, Required),
        col("note", "备注", "note", Ty::Text, TEXT),
    ],
};

/// Kinds that are imported but are no records of their own (no list, export or form): their
/// rows are steps of another workflow or settings with rules of their own.
pub static IMPORT_ONLY: &[&KindSpec] = &[&BEHAVIOUR, &CALENDAR, &BONUS_BASES];

/// The kind named `name` for an import: a record kind or an [`IMPORT_ONLY`] one.
pub fn import_kind(name: &str) -> Result<&'static KindSpec, String> {
    match IMPORT_ONLY.iter().copied().find(|k| k.kind == name) {
        Some(k) => Ok(k),
        None => kind(name).map_err(|e| {
            let extra: Vec<_> = IMPORT_ONLY.iter().map(|k| k.kind).collect();
            format!("{e}; imports also take: {}", extra.join(", "))
        }),
    }
}

/// The kind named `name` (as on the command line).
pub fn kind(name: &str) -> Result<&'static KindSpec, String> {
    KINDS
        .iter()
        .copied()
        .find(|k| k.kind == name)
        .ok_or_else(|| {
            let names: Vec<_> = KINDS.iter().map(|k| k.kind).collect();
            format!(
                "unknown record kind `{name}` (expected one of: {})",
                names.join(", ")
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_unique_headers_in_both_languages() {
        for k in KINDS {
            for (i, a) in k.columns.iter().enumerate() {
                for b in &k.columns[i + 1..] {
                    assert_ne!(a.zh, b.zh, "{}: {}", k.kind, a.zh);
                    assert_ne!(a.en, b.en, "{}: {}", k.kind, a.en);
                    assert_ne!(a.field, b.field, "{}: {}", k.kind, a.field);
                }
            }
        }
    }

    #[test]
    fn every_derived_day_names_a_time_column_of_the_same_kind() {
        for k in KINDS {
            for c in k.columns {
                if let Absent::DayOf(f) = c.absent {
                    assert_eq!(k.column(f).map(|(_, c)| c.ty), Some(Ty::Time), "{}", k.kind);
                }
            }
            assert!(
                k.owner.is_empty() || k.column(k.owner).is_some(),
                "{}",
                k.kind
            );
            if let Some(p) = &k.parent {
                assert!(k.column(p.column).is_some(), "{}", k.kind);
            }
        }
    }

    #[test]
    fn docs_import_formats_lists_every_column_of_every_kind() {
        let doc = include_str!("../../../../docs/import-formats.md");
        for k in KINDS.iter().chain(IMPORT_ONLY) {
            let section = doc
                .split(&format!("### `{}`", k.kind))
                .nth(1)
                .unwrap_or_else(|| {
                    panic!(
                        "{} is not documented (run scripts/gen-import-formats)",
                        k.kind
                    )
                });
            let section = section.split("### ").next().unwrap_or_default();
            for c in k.columns {
                let line = format!("| {} | {} | `{}` |", c.zh, c.en, c.field);
                assert!(
                    section.contains(&line),
                    "{}: {line} (run scripts/gen-import-formats)",
                    k.kind
                );
            }
        }
    }

    #[test]
    fn an_unknown_kind_lists_the_known_ones() {
        assert!(kind("calls").is_ok());
        assert!(kind("phonecalls").unwrap_err().contains("calls, visits"));
    }
}
