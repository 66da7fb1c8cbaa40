//! The UI's words in Chinese (the default) and English. Templates read them as `tr.<key>`.

use std::collections::BTreeMap;

/// A UI language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    /// Parses a stored language tag; anything unknown falls back to Chinese, the default.
    pub fn from_tag(tag: &str) -> Self {
        if tag.starts_with("en") {
            Lang::En
        } else {
            Lang::Zh
        }
    }

    /// The BCP 47 tag.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }
}

/// (key, Chinese, English)
#[rustfmt::skip]
const STRINGS: &[(&str, &str, &str)] = &[
    ("app_name", "考核", "kaohe"),
    ("tagline", "销售绩效考核系统", "sales performance management"),
    ("sign_in", "登录", "Sign in"),
    ("sign_out", "退出", "Sign out"),
    ("username", "用户名", "Username"),
    ("password", "密码", "Password"),
    ("dashboard", "工作台", "Dashboard"),
    ("departments", "部门", "Departments"),
    ("teams", "小组", "Teams"),
    ("people", "人员", "People"),
    ("headcount", "人数", "Headcount"),
    ("leader", "组长", "Leader"),
    ("members", "成员", "Members"),
    ("records", "业务记录", "Records"),
    ("count", "数量", "Count"),
    ("role", "角色", "Role"),
    ("scope", "数据范围", "Data scope"),
    ("scope_own", "本人", "own"),
    ("scope_team", "本组", "team"),
    ("scope_department", "本部门", "department"),
    ("scope_all", "全公司", "all"),
    ("name", "姓名", "Name"),
    ("code", "工号", "No."),
    ("department", "部门", "Department"),
    ("team", "小组", "Team"),
    ("position", "岗位", "Position"),
    ("level", "职级", "Level"),
    ("status", "状态", "Status"),
    ("hired_on", "入职日期", "Hired"),
    ("language", "语言", "Language"),
    ("kind_customers", "客户档案", "Customers"),
    ("kind_calls", "电话", "Calls"),
    ("kind_visits", "拜访", "Visits"),
    ("kind_orders", "订单", "Orders"),
    ("kind_shipments", "发货", "Shipments"),
    ("kind_contracts", "合同", "Contracts"),
    ("kind_receivables", "应收款", "Receivables"),
    ("kind_payments", "回款", "Payments"),
    ("kind_complaints", "投诉", "Complaints"),
    ("kind_expenses", "销售费用", "Expenses"),
    ("kind_attendance", "考勤", "Attendance"),
    ("kind_reports", "报告", "Reports"),
    ("kind_documents", "文档", "Documents"),
    ("kind_credit", "信用评估", "Credit assessments"),
    ("kind_employees", "员工", "People"),
    ("kind_teams", "小组", "Teams"),
    ("kind_positions", "岗位", "Positions"),
    ("kind_levels", "职级", "Levels"),
    ("kind_assignments", "任职记录", "Assignments"),
    ("kind_order_lines", "订单明细", "Order lines"),
    ("kind_order_events", "订单进度与问题", "Order progress and problems"),
    ("kind_order_credits", "业绩分成", "Split credit"),
    ("kind_contract_steps", "合同流转记录", "Contract steps"),
    ("kind_expense_steps", "费用审批记录", "Expense steps"),
    ("kind_budgets", "费用预算", "Budgets"),
    ("kind_meetings", "会议", "Meetings"),
    ("kind_meeting_attendance", "会议出席", "Meeting attendance"),
    ("kind_training_courses", "培训计划", "Training plan"),
    ("kind_training_sessions", "培训场次", "Training sessions"),
    ("kind_training_results", "培训考核成绩", "Training results"),
    ("record_kind", "记录类型", "Record kind"),
    ("period", "期间", "Period"),
    ("filter", "筛选", "Filter"),
    ("column", "列", "Column"),
    ("compare", "条件", "Condition"),
    ("op_eq", "等于", "equals"),
    ("op_ne", "不等于", "is not"),
    ("op_contains", "包含", "contains"),
    ("op_ge", "不小于", "at least"),
    ("op_le", "不大于", "at most"),
    ("filter_value", "值", "Value"),
    ("export_csv", "导出 CSV", "Export CSV"),
    ("export_xlsx", "导出 Excel", "Export Excel"),
    ("prev_page", "上一页", "Previous"),
    ("next_page", "下一页", "Next"),
    ("page_n", "第 {n} 页", "Page {n}"),
    ("no_records", "没有符合条件的记录。", "No records match."),
    ("import", "导入", "Import"),
    ("import_title", "导入记录", "Import records"),
    ("file", "文件", "File"),
    ("import_start", "开始导入", "Start import"),
    ("import_hint", "CSV（UTF-8）或 Excel（.xlsx）文件，表头可用中文或英文。全部行通过校验才会写入：有一行出错则不写入任何数据。", "A CSV (UTF-8) or Excel (.xlsx) file with Chinese or English headers. Rows are written only if every row passes: one bad row and nothing is written."),
    ("import_running", "正在导入…", "Importing…"),
    ("import_done", "导入完成", "Imported"),
    ("import_rejected", "文件有错误，未写入任何数据", "The file has errors; nothing was written"),
    ("import_failed", "导入失败", "The import failed"),
    ("import_interrupted", "导入被中断（服务器重启），未写入任何数据，请重新导入", "The import was interrupted (the server restarted); nothing was written, import the file again"),
    ("rows_read", "已读取行数", "Rows read"),
    ("rows_imported", "已导入行数", "Rows imported"),
    ("errors_total", "错误总数", "Errors in all"),
    ("row", "行", "Row"),
    ("cell_value", "内容", "Value"),
    ("reason", "原因", "Reason"),
    ("score_table", "考核评分表", "Score table"),
    ("seq", "序号", "No."),
    ("standard", "评分标准", "Scoring standard"),
    ("weighted_score", "加权得分", "Weighted"),
    ("total_score", "总分", "Total"),
    ("grade", "等级", "Grade"),
    ("scheme", "考核方案", "Scheme"),
    ("person_signature", "被考核人签字", "Signature of the person assessed"),
    ("rater_signature", "考核人签字", "Signature of the rater"),
    ("date", "日期", "Date"),
    ("print", "打印", "Print"),
    ("live_note", "本期尚未评定，显示截至今日的实时得分。", "Not evaluated yet: the live score as of today."),
    ("status_probation", "试用", "probation"),
    ("status_regular", "正式", "regular"),
    ("status_left", "离职", "left"),
    ("login_failed", "用户名或密码错误", "Wrong username or password"),
    ("login_locked", "登录失败次数过多，请稍后再试", "Too many failed sign-ins; try again later"),
    ("csrf_failed", "页面已过期，请刷新后重试", "The form has expired; reload and try again"),
    ("scorecard", "考核评分表", "Scorecard"),
    ("my_scorecard", "我的考核", "My scorecard"),
    ("live", "实时", "live"),
    ("indicator", "指标", "Indicator"),
    ("value", "实际值", "Value"),
    ("score", "得分", "Score"),
    ("weight", "权重", "Weight"),
    ("not_applicable", "不适用", "N/A"),
    ("bonus_coefficient", "奖金系数", "Bonus coefficient"),
    ("no_scorecard", "本期没有适用的考核方案。", "No scheme applies to this person for the period."),
    ("inbox", "待办", "Inbox"),
    ("inbox_empty", "没有待办事项。", "Nothing awaits you."),
    ("my_cycle", "我的考核流程", "My cycle"),
    ("due", "截止", "due"),
    ("overdue", "已逾期", "overdue"),
    ("cycle", "考核流程", "Assessment cycle"),
    ("stage", "阶段", "Stage"),
    ("targets", "考核指标", "Targets"),
    ("target", "目标值", "Target"),
    ("basis", "依据", "Basis"),
    ("self_review", "工作总结与自评", "Self-review"),
    ("work_report", "工作总结", "Work report"),
    ("self_evaluation", "自我评价", "Self-evaluation"),
    ("allowed_now", "现在可以办理", "What you can do now"),
    ("nothing_to_do", "当前没有需要您办理的步骤。", "No step of this cycle is yours now."),
    ("rater_group", "评分组", "Rater group"),
    ("comment", "备注", "Comment"),
    ("appeal_reason", "申诉理由", "Reason for the appeal"),
    ("evidence", "证据（每行一项）", "Evidence (one per line)"),
    ("file_appeal", "提出申诉", "File an appeal"),
    ("history", "流转记录", "History"),
    ("step", "步骤", "Step"),
    ("late", "逾期", "late"),
    ("customer_rating", "客户评价", "Customer rating"),
    ("rate_person", "被评价人", "Person rated"),
    ("rate_hint", "请为以下各项打分", "Please score each question"),
    ("submit", "提交", "Submit"),
    ("link_gone", "链接不可用", "This link cannot be used"),
    ("link_gone_hint", "如需重新评价，请联系发送链接的人。", "If you wish to rate again, ask whoever sent you the link."),
    ("rate_thanks", "感谢您的评价", "Thank you"),
    ("rate_recorded", "您的评价已记录。此链接已失效。", "Your answers are recorded. The link is now used up."),
    ("overdue_steps", "逾期步骤", "Overdue steps"),
    ("no_overdue", "没有逾期的步骤。", "No step is overdue."),
    ("my_pending", "我的待办", "My pending steps"),
    ("days_late", "逾期天数", "Days late"),
    ("no_cycle", "没有找到该期间的考核流程（或您无权查看）。", "No assessment cycle found for this period (or it is not yours to see)."),
    ("all_inbox", "全部待办", "All pending steps"),
    ("yes", "是", "yes"),
    ("no", "否", "no"),
    ("new_record", "新建", "New"),
    ("edit_record", "编辑", "Edit"),
    ("save", "保存", "Save"),
    ("saved", "已保存", "Saved"),
    ("required", "必填", "required"),
    ("back_to_list", "返回列表", "Back to the list"),
    ("add_order_line", "添加订单明细", "Add an order line"),
    ("steps_title", "审批步骤", "Steps"),
    ("step_done", "已办理", "Step recorded"),
    ("step_review_pass", "审核通过", "Review: pass"),
    ("step_review_return", "审核退回", "Review: return"),
    ("step_sign", "签订", "Sign"),
    ("step_archive", "归档", "Archive"),
    ("step_manager_review", "经理初审", "Manager review"),
    ("step_finance_review", "财务复审", "Finance review"),
    ("step_approve", "同意", "Approve"),
    ("step_return", "退回", "Return"),
    ("step_pay", "付款", "Pay"),
    ("step_resubmit", "重新提交", "Resubmit"),
    ("audit_log", "审计日志", "Audit log"),
    ("audit_hint", "记录、评分、方案与决定的每一次变更（只读）。", "Every change to records, scores, schemes and decisions (read-only)."),
    ("audit_actor", "操作人", "Who"),
    ("audit_entity", "对象类型", "Entity"),
    ("audit_entity_id", "对象编号", "Entity id"),
    ("audit_action", "操作", "Action"),
    ("audit_from", "开始日期", "From"),
    ("audit_to", "结束日期", "To"),
    ("audit_at", "时间", "When"),
    ("audit_changes", "变更（前 → 后）", "Changes (before → after)"),
    ("audit_action_create", "新建", "create"),
    ("audit_action_update", "修改", "update"),
    ("audit_action_import", "导入", "import"),
    ("audit_action_export", "导出", "export"),
    ("audit_action_decide", "审批", "decide"),
    ("demo_logins", "演示账号（密码 kaohe-demo）", "Demo logins (password kaohe-demo)"),
];

/// All strings of one language, keyed for templates.
pub fn table(lang: Lang) -> BTreeMap<&'static str, &'static str> {
    STRINGS
        .iter()
        .map(|(k, zh, en)| (*k, if lang == Lang::Zh { *zh } else { *en }))
        .collect()
}

/// One string.
pub fn t(lang: Lang, key: &str) -> &'static str {
    STRINGS
        .iter()
        .find(|(k, ..)| *k == key)
        .map(|(_, zh, en)| if lang == Lang::Zh { *zh } else { *en })
        .unwrap_or("?")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_unique_and_translated() {
        let mut seen = std::collections::HashSet::new();
        for (k, zh, en) in STRINGS {
            assert!(seen.insert(k), "duplicate key {k}");
            assert!(!zh.is_empty() && !en.is_empty(), "{k} lacks a translation");
        }
        assert_eq!(t(Lang::Zh, "sign_in"), "登录");
        assert_eq!(Lang::from_tag("en-US"), Lang::En);
        assert_eq!(Lang::from_tag("zh-CN"), Lang::Zh);
    }
}
