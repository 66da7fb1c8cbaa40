//! The closed value lists of the record kinds, the same as the schema's `CHECK (… IN …)`
//! lists, each code with the Chinese label people see and may type instead of the code.

/// A closed list of `(code, 中文)` pairs.
pub type Choices = &'static [(&'static str, &'static str)];

/// Customer class (客户分类).
pub const CUSTOMER_CLASSES: Choices =
    &[("key", "重点"), ("general", "一般"), ("potential", "潜在")];
/// Department kind (部门类型, SPEC §2).
pub const DEPARTMENT_KINDS: Choices = &[
    ("market", "市场部"),
    ("sales", "销售部"),
    ("key_account", "大客户部"),
    ("direct", "直销部"),
    ("telesales", "电话销售部"),
    ("online", "网络销售部"),
    ("regional", "区域销售部"),
    ("branch", "分公司"),
    ("office", "销售内勤"),
    ("after_sales", "售后服务"),
    ("hr", "人力资源"),
    ("finance", "财务"),
    ("management", "管理层"),
];
/// Kind of a configured calendar day: a public holiday (休息日) or a make-up working day
/// (调休上班, 工作日).
pub const DAY_KINDS: Choices = &[("holiday", "休息日"), ("workday", "工作日")];
/// Call direction.
pub const CALL_DIRECTIONS: Choices = &[("inbound", "呼入"), ("outbound", "呼出")];
/// Call outcome.
pub const CALL_OUTCOMES: Choices = &[
    ("connected", "接通"),
    ("no_answer", "未接"),
    ("refused", "拒绝"),
    ("callback_scheduled", "约定回访"),
    ("deal", "成交"),
];
/// Visit kind: cold visit (陌生拜访) or follow-up.
pub const VISIT_KINDS: Choices = &[("cold", "陌生拜访"), ("follow_up", "跟进拜访")];
/// Order status.
pub const ORDER_STATUSES: Choices = &[
    ("open", "进行中"),
    ("shipped", "已发货"),
    ("completed", "已完成"),
    ("cancelled", "已取消"),
];
/// Contract status.
pub const CONTRACT_STATUSES: Choices = &[
    ("drafted", "草拟"),
    ("in_review", "审核中"),
    ("returned", "退回"),
    ("signed", "已签约"),
    ("archived", "已归档"),
];
/// Expense category (费用类别).
pub const EXPENSE_CATEGORIES: Choices = &[
    ("commission", "提成"),
    ("training", "培训费"),
    ("promotion", "促销费"),
    ("advertising", "广告费"),
    ("pr", "公关费"),
    ("travel", "差旅费"),
    ("entertainment", "招待费"),
    ("communication", "通讯费"),
    ("after_sales", "售后服务费"),
];
/// Expense status along its review flow.
pub const EXPENSE_STATUSES: Choices = &[
    ("submitted", "已提交"),
    ("manager_approved", "经理已批"),
    ("manager_returned", "经理退回"),
    ("finance_approved", "财务已批"),
    ("finance_returned", "财务退回"),
    ("paid", "已支付"),
];
/// Attendance status of one day (考勤).
pub const ATTENDANCE_STATUSES: Choices = &[
    ("present", "出勤"),
    ("absent", "缺勤"),
    ("half_absent", "半天缺勤"),
    ("leave", "请假"),
];
/// Report kind (日报 / 周报 / 月报 / 分析报告 / 统计).
pub const REPORT_KINDS: Choices = &[
    ("daily", "日报"),
    ("weekly", "周报"),
    ("monthly", "月报"),
    ("analysis", "分析报告"),
    ("statistics", "统计"),
];
/// Credit rating (信用等级).
pub const CREDIT_RATINGS: Choices = &[("A", "A"), ("B", "B"), ("C", "C"), ("D", "D")];
/// Employment status (试用 / 正式 / 离职).
pub const EMPLOYMENT_STATUSES: Choices =
    &[("probation", "试用"), ("regular", "正式"), ("left", "离职")];
/// Order event kind: progress feedback (进度反馈) owed to the customer, or a problem.
pub const ORDER_EVENT_KINDS: Choices = &[("progress_feedback", "进度反馈"), ("problem", "问题")];
/// The steps of a contract's life.
pub const CONTRACT_STEPS: Choices = &[
    ("drafted", "草拟"),
    ("review", "审核"),
    ("signed", "签约"),
    ("archived", "归档"),
];
/// The outcome of a contract step (a review passes or is returned; other steps are done).
pub const CONTRACT_STEP_OUTCOMES: Choices =
    &[("done", "完成"), ("passed", "通过"), ("returned", "退回")];
/// The steps of an expense claim's review.
pub const EXPENSE_STEPS: Choices = &[
    ("manager_review", "经理初审"),
    ("finance_review", "财务复审"),
    ("payout", "付款"),
];
/// The outcome of an expense step.
pub const EXPENSE_STEP_OUTCOMES: Choices = &[
    ("approved", "批准"),
    ("returned", "退回"),
    ("paid", "已付款"),
];
/// Meeting kind: the weekly team meeting (周例会) or an ad-hoc one.
pub const MEETING_KINDS: Choices = &[("weekly", "周例会"), ("adhoc", "临时会议")];
/// How a training course is given.
pub const TRAINING_METHODS: Choices = &[
    ("internal", "内部培训"),
    ("external", "外部培训"),
    ("online", "在线培训"),
];
/// How a course is assessed afterwards.
pub const TRAINING_ASSESSMENTS: Choices = &[("exam", "笔试"), ("practical", "实操")];
/// Who raised a training need.
pub const TRAINING_NEED_SOURCES: Choices = &[
    ("staff", "员工"),
    ("manager", "管理者"),
    ("improvement_plan", "改进计划"),
];

/// Finds the code for `text`, given as the code or its Chinese label (case-insensitive code).
pub fn code_of(choices: Choices, text: &str) -> Option<&'static str> {
    let t = text.trim();
    choices
        .iter()
        .find(|(code, zh)| code.eq_ignore_ascii_case(t) || *zh == t)
        .map(|(code, _)| *code)
}

/// The Chinese label of `code` (the code itself when it is not in the list).
pub fn label_of(choices: Choices, code: &str) -> &str {
    choices
        .iter()
        .find(|(c, _)| *c == code)
        .map_or(code, |(_, zh)| zh)
}

/// Whether `code` is one of the codes.
pub fn is_code(choices: Choices, code: &str) -> bool {
    choices.iter().any(|(c, _)| *c == code)
}

/// The codes, comma-separated, for error messages.
pub fn codes(choices: Choices) -> String {
    choices
        .iter()
        .map(|(c, _)| *c)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_choice_is_accepted_by_code_or_chinese_label_and_nothing_else() {
        assert_eq!(code_of(CALL_OUTCOMES, "deal"), Some("deal"));
        assert_eq!(code_of(CALL_OUTCOMES, "成交"), Some("deal"));
        assert_eq!(code_of(CALL_OUTCOMES, " No_Answer "), Some("no_answer"));
        assert_eq!(code_of(CALL_OUTCOMES, "maybe"), None);
        assert_eq!(label_of(EXPENSE_CATEGORIES, "pr"), "公关费");
    }
}
