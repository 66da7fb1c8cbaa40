//! The UI's words in Chinese (the default) and English. Templates read them as `tr.<key>`.

use std::collections::BTreeMap;

mod admin;
mod close;
mod steps;

/// A UI language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
    ("kind_departments", "部门", "Departments"),
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
    ("kind_behaviour", "行为系数", "Behaviour factors"),
    ("kind_calendar", "工作日历（节假日、调休）", "Working-day calendar"),
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
    ("login_refused", "登录失败：用户名或密码错误，或账号已锁定、已停用", "Sign-in failed: wrong username or password, or the account is locked or disabled"),
    ("login_busy", "同时登录的人太多，请几秒后再试", "Too many sign-ins at once; try again in a few seconds"),
    ("login_too_many", "此地址登录失败次数过多，请一分钟后再试", "Too many failed sign-ins from this address; try again in a minute"),
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
    ("appeal", "申诉", "Appeal"),
    ("appeals", "申诉", "Appeals"),
    ("no_appeals", "本期没有您可查看的申诉。", "No appeal of this period is yours to see."),
    ("no_appeal", "没有找到该申诉（或您无权查看）。", "No such appeal (or it is not yours to see)."),
    ("filed_on", "提出日期", "Filed on"),
    ("hr_answer_due", "人力资源答复截止", "HR answers by"),
    ("answered_on", "答复于", "answered on"),
    ("appealed_result", "申诉的考核结果", "Result appealed against"),
    ("version", "版本", "version"),
    ("current_result", "当前结果", "current result"),
    ("evidence_list", "证据", "Evidence"),
    ("rejection_reason", "不予受理的理由", "Reason for rejecting"),
    ("investigation", "调查记录", "Investigation"),
    ("proposal", "处理建议", "Proposal"),
    ("ruling", "裁决", "Ruling"),
    ("ruling_reason", "裁决理由", "Basis of the ruling"),
    ("upheld", "申诉成立", "Upheld"),
    ("dismissed", "申诉不成立", "Dismissed"),
    ("corrected_score", "更正后得分", "Corrected score"),
    ("compensation", "补偿", "Compensation"),
    ("compensation_yuan", "补偿金额（元）", "Compensation (yuan)"),
    ("compensation_note", "补偿说明", "What the compensation is"),
    ("accept_appeal", "受理申诉", "Accept the appeal"),
    ("reject_appeal", "不予受理", "Reject the appeal"),
    ("record_investigation", "提交调查结果", "Record the investigation"),
    ("uphold_appeal", "裁决：申诉成立", "Rule: uphold"),
    ("dismiss_appeal", "裁决：申诉不成立", "Rule: dismiss"),
    ("appeals_of_cycle", "本考核的申诉", "Appeals against this result"),
    ("open_cycles", "开启本期全员考核流程", "Open this period's cycles for everybody"),
    ("targets_hint", "留空则采用指标库的目标值。", "Leave a value empty to keep the library's target."),
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
    ("training", "培训", "Training"),
    ("plan_year", "年度", "Plan year"),
    ("plan_vs_done", "计划完成（已举办 / 计划课程）", "Plan vs done (held / planned courses)"),
    ("planned_on", "计划日期", "Planned"),
    ("course", "课程", "Course"),
    ("method", "培训方式", "Method"),
    ("method_internal", "内部培训", "internal"),
    ("method_external", "外部培训", "external"),
    ("method_online", "在线培训", "online"),
    ("sessions_held", "已举办场次", "Sessions held"),
    ("attendance", "出勤", "Attendance"),
    ("pass_rate", "考核通过率", "Pass rate"),
    ("before", "培训前", "Before"),
    ("after", "培训后", "After"),
    ("change", "变化", "Change"),
    ("not_held", "未举办", "not held"),
    ("effect_hint", "培训前后：学员在培训前后各三个月的相关指标得分（课程未关联指标时为考核总分）的平均值，仅计有已存评分卡的月份。", "Before / after: the trainees' mean score of the course's indicator (the scorecard total when the course names none) in the three months before and after, from stored scorecards only."),
    ("training_needs", "培训需求", "Training needs"),
    ("scorecard_total", "考核总分", "Scorecard total"),
    ("probation", "试用期转正", "Probation conversion"),
    ("probation_hint", "试用期满（默认入职起 3 个月）时，按试用期内月度考核平均分（合格线 60）和培训考核结果给出建议：达标转正；未达标延长试用一次（3 个月）；延长后仍未达标不予转正。与建议不同的决定须填写理由。", "When the probation ends (by default 3 months after hiring) the rule recommends from the mean monthly score during it (pass mark 60) and the training assessments: convert when both pass; otherwise extend once (3 months); still short after the extension, do not convert. A decision other than the recommendation needs a reason."),
    ("probation_ends", "试用期至", "Probation until"),
    ("probation_mean", "月度平均分", "Mean score"),
    ("recommendation", "建议", "Recommendation"),
    ("decided", "已决定", "Decided"),
    ("not_due", "未到期", "not due"),
    ("verdict_convert", "转正", "convert"),
    ("verdict_extend", "延长试用", "extend"),
    ("verdict_reject", "不予转正", "do not convert"),
    ("decide", "决定", "Decide"),
    ("decision_reason", "理由（与建议不同时必填）", "Reason (required when differing from the recommendation)"),
    ("nobody_on_probation", "目前没有试用期员工。", "Nobody is on probation."),
    ("none", "暂无。", "None."),
    ("kind_training_needs", "培训需求", "Training needs"),
    ("account", "我的账户", "My account"),
    ("lang_zh-CN", "简体中文", "简体中文 (Chinese)"),
    ("lang_en", "English（英文）", "English"),
    ("change_password", "修改密码", "Change password"),
    ("current_password", "当前密码", "Current password"),
    ("new_password", "新密码（至少8位）", "New password (8 characters or more)"),
    ("confirm_password", "再次输入新密码", "New password again"),
    ("password_mismatch", "两次输入的新密码不一致。", "The two new passwords differ."),
    ("password_refused", "密码未修改：", "Password not changed:"),
    ("saved_language", "界面语言已保存。", "Language saved."),
    ("saved_password", "密码已修改；其他设备上的登录已退出。", "Password changed; sign-ins on other devices have ended."),
    ("saved_revoked", "令牌已吊销。", "Token revoked."),
    ("api_tokens", "接口令牌", "API tokens"),
    ("api_tokens_hint", "供其他系统以本账户身份调用接口：请求头 Authorization: Bearer <令牌>，权限与数据范围同本账户。", "For other systems calling the API as this account: header Authorization: Bearer <token>, with this account's role and data scope."),
    ("token_name", "名称", "Name"),
    ("created_at", "创建时间", "Created"),
    ("create_token", "生成令牌", "Create token"),
    ("token_shown_once", "新令牌（只显示这一次，请立即保存）：", "New token (shown this once; store it now):"),
    ("token_live", "有效", "live"),
    ("token_revoked", "已吊销", "revoked"),
    ("revoke", "吊销", "Revoke"),
    ("kind_meeting_decisions", "会议决定", "Meeting decisions"),
    ("meetings", "会议", "Meetings"),
    ("weekly_meetings", "小组周例会", "Weekly team meetings"),
    ("from", "自", "From"),
    ("to", "至", "To"),
    ("missed", "未开周数", "Missed"),
    ("week_missed", "未召开", "missed"),
    ("week_held", "已召开", "held"),
    ("week_open", "本周", "this week"),
    ("week_not_owed", "假期", "holiday"),
    ("meeting_decisions", "会议决定", "Meeting decisions"),
    ("meeting_day", "会议日期", "Meeting"),
    ("decision", "决定事项", "Decision"),
    ("owner", "负责人", "Owner"),
    ("done_on", "完成日期", "Done"),
    ("credit", "客户信用", "Customer credit"),
    ("customer", "客户", "Customer"),
    ("credit_rating", "信用等级", "Rating"),
    ("credit_limit", "信用额度", "Limit"),
    ("outstanding", "未收应收款", "Outstanding"),
    ("review_on", "复评日期", "Review"),
    ("flags", "标记", "Flags"),
    ("review_due", "待复评", "review due"),
    ("over_limit", "超额度", "over limit"),
    ("under_watch", "重点关注", "under watch"),
    ("ageing", "应收账款账龄", "Receivables ageing"),
    ("ageing_largest_shown", "按欠款金额从大到小列出", "Largest balances first, showing"),
    ("credit_first_shown", "超限、观察和逾期复评的客户在前，列出", "Over limit, under watch and review due first, showing"),
    ("group_by", "按", "By"),
    ("rep", "业务员", "Rep"),
    ("as_of", "截至", "As of"),
    ("total", "合计", "Total"),
    ("credit_approve", "超额度审批", "Approve beyond the credit limit"),
    ("credit_approve_hint", "超出信用额度或重点关注客户的订单、合同须经理审批并写明理由后才能签订；审批记录进入审计日志。", "An order or contract beyond the customer's credit limit, or for a customer under watch, can only be signed after a manager's approval with a reason; approvals are audited."),
    ("approval_kind", "类型", "Kind"),
    ("order", "订单", "order"),
    ("contract", "合同", "contract"),
    ("ref_no", "订单/合同编号", "Order / contract number"),
    ("archive_no", "客户档案编号", "Customer archive number"),
    ("amount_yuan", "金额（元）", "Amount (yuan)"),
    ("approval_reason", "审批理由", "Reason"),
    ("approve", "批准", "Approve"),
    ("credit_approvals", "审批记录", "Approvals"),
    ("approved_at", "审批日期", "Approved"),
    ("approver", "审批人", "Approver"),
    ("behaviour", "行为系数", "Behaviour factor"),
    ("behaviour_hint", "0.6 合格，0.8 良好，1.0 优秀；高于 1.0 须填写突出表现。违法、严重违纪、工作事故或严重工作失误：填写严重违规，本月行为系数为 0。", "0.6 pass, 0.8 good, 1.0 excellent; above 1.0 needs the outstanding acts. Breaking the law, a serious violation, a work accident or a serious work error: enter the violation and the month counts 0."),
    ("behaviour_range", "允许范围", "Allowed range"),
    ("behaviour_acts", "突出表现", "Outstanding acts"),
    ("behaviour_violation", "严重违规", "Serious violation"),
    ("behaviour_save", "保存行为系数", "Save the behaviour factor"),
    ("behaviour_not_given", "尚未评定", "Not given yet"),
    ("behaviour_missing", "请填写行为系数", "enter the behaviour factor"),
    ("behaviour_not_a_number", "不是数字", "is not a number"),
    ("behaviour_unsatisfactory", "不合格", "unsatisfactory"),
    ("behaviour_pass", "合格", "pass"),
    ("behaviour_good", "良好", "good"),
    ("behaviour_excellent", "优秀", "excellent"),
    ("behaviour_outstanding", "突出", "outstanding"),
    ("rating_links", "客户评分链接", "Customer rating links"),
    ("rating_links_hint", "为被考核者名下的客户发出一次性评分链接；链接只在发出后显示这一次，请立即发给客户联系人。", "Issue a single-use rating link for one of this person's customers; the link is shown only this once after issuing: send it to the customer's contact now."),
    ("rating_links_only_rating", "只能在评分阶段发出客户评分链接。", "Customer rating links are issued while the cycle is rating."),
    ("link_customer", "客户（客户编号或档案号）", "Customer (id or archive number)"),
    ("link_contact_name", "联系人姓名", "Contact name"),
    ("link_contact", "联系电话或电子邮箱", "Phone or e-mail"),
    ("issue_link", "发出评分链接", "Issue rating link"),
    ("link_issued_once", "链接已发出。此链接只显示这一次：", "Link issued. It is shown only this once:"),
    ("link_issued_by", "发出人", "Issued by"),
    ("link_issued_at", "发出时间", "Issued"),
    ("link_expires_at", "有效期至", "Expires"),
    ("link_state", "状态", "State"),
    ("link_state_unused", "未使用", "unused"),
    ("link_state_used", "已使用", "used"),
    ("link_state_expired", "已过期", "expired"),
    ("link_state_revoked", "已撤销", "revoked"),
    ("revoke_link", "撤销", "Revoke"),
    ("no_links", "尚未发出客户评分链接。", "No customer rating links yet."),
    ("prefilled_from", "培训考核成绩预填（改动须填写备注理由）：", "Pre-filled from training (another value needs a reason in the comment):"),
    ("yes", "是", "yes"),
    ("no", "否", "no"),
    ("new_record", "新建", "New"),
    ("edit_record", "编辑", "Edit"),
    ("save", "保存", "Save"),
    ("saved", "已保存", "Saved"),
    ("required", "必填", "required"),
    ("day_of_hint", "留空则取「{}」的日期", "blank: the day of {}"),
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
    ("my_dashboard", "我的工作台", "My dashboard"),
    ("kpis_live", "本期指标（实时）", "This period's KPIs (live)"),
    ("score_today", "今日得分", "Score today"),
    ("grade_today", "按今日数据的等级", "Grade it would give today"),
    ("next_grade", "怎样达到下一等级", "To reach the next grade"),
    ("next_more", "再增加 {n}「{indicator}」即可达到{grade}（{total} 分）", "{n} more “{indicator}” reaches {grade} ({total})"),
    ("next_fewer", "减少 {n}「{indicator}」即可达到{grade}（{total} 分）", "{n} fewer “{indicator}” reaches {grade} ({total})"),
    ("top_grade", "已是最高等级，保持住！", "Already at the top grade: keep it up!"),
    ("no_single_step", "没有哪一项指标能单独达到下一等级，需要多项一起提升。", "No single indicator reaches the next grade alone; several must improve together."),
    ("trend_12", "近 12 期得分走势", "Score over the last 12 periods"),
    ("today_live", "今日", "today"),
    ("my_rank", "我的排名", "My rank"),
    ("rank_in_team", "组内", "In my team"),
    ("rank_in_department", "部门内", "In my department"),
    ("rank_of", "第 {rank} 名，共 {of} 人", "{rank} of {of}"),
    ("no_rank", "该期没有已评定的得分。", "No stored score for that period."),
    ("not_an_employee", "此账号不对应员工，没有个人考核数据。", "This account is not an employee: there is no personal scorecard."),
    ("boards", "看板", "Boards"),
    ("team_board", "团队看板", "Team board"),
    ("department_board", "部门看板", "Department board"),
    ("company_board", "全公司看板", "Company board"),
    ("leaderboard", "排行榜", "Leaderboard"),
    ("rank", "名次", "Rank"),
    ("showing_first", "共 {people} 人，显示前 {n} 名", "{people} people, the first {n} shown"),
    ("grade_distribution", "等级分布", "Grade distribution"),
    ("target_vs_actual", "目标与实际", "Target vs actual"),
    ("call_funnel", "电话漏斗", "Call funnel"),
    ("funnel_calls", "外呼", "Calls"),
    ("funnel_connected", "接通", "Connected"),
    ("funnel_callbacks", "回访", "Call-backs"),
    ("funnel_deals", "签约", "Deals"),
    ("award_candidates", "奖励候选", "Award candidates"),
    ("award", "奖项", "Award"),
    ("recipient", "获奖者", "Recipient"),
    ("amount", "金额", "Amount"),
    ("no_awards", "本期尚未计算奖励候选（「月度奖励」页或 kaohe awards compute）。", "No award candidates computed for this period yet (the Awards page, or kaohe awards compute)."),
    ("award_status_proposed", "待确认", "proposed"),
    ("award_status_confirmed", "已确认", "confirmed"),
    ("award_status_rejected", "已驳回", "rejected"),
    ("award_status_paid", "已发放", "paid"),
    ("no_data", "暂无数据", "No data yet"),
    ("show", "查看", "Show"),
    ("no_grade", "无等级", "no grade"),
    ("no_scorecards", "该期没有已评定的考核结果（kaohe evaluate）。", "No stored scorecards for this period (kaohe evaluate)."),
    ("people_n", "{n} 人", "{n} people"),    ("awards_title", "月度奖励", "Awards"),
    ("ladder_title", "职级晋降", "Career ladder"),
    ("compute_awards", "计算奖励候选", "Compute candidates"),
    ("compute_awards_hint", "按本月的业务记录与考核结果重新计算候选；已决定的奖励保持不变。", "Recomputed from the month's records and scorecards; decided awards stay as decided."),
    ("no_awards_month", "本月尚无奖励候选。", "No award candidates for this month yet."),
    ("awards_decide_hint", "经理或人力资源部确认后发放，财务发放后标记；驳回须写明理由。", "A manager or HR confirms before payout and finance marks it paid; a rejection needs a reason."),
    ("tier", "档次", "Tier"),
    ("prize", "奖品", "Prize"),
    ("tie_break", "并列处理", "Tie-break"),
    ("set_at_confirmation", "确认时设定", "set at confirmation"),
    ("confirm", "确认", "Confirm"),
    ("reject", "驳回", "Reject"),
    ("mark_paid", "标记已发放", "Mark paid"),
    ("reject_reason", "驳回理由", "Reason for rejecting"),
    ("amount_blank_rule", "金额（元，留空按规则）", "Amount (yuan, blank: the rule's)"),
    ("team_award", "团队", "team"),
    ("previous_month", "上月", "Previous month"),
    ("next_month", "下月", "Next month"),
    ("ladder_evaluate", "评估本月职级", "Evaluate the month"),
    ("ladder_evaluate_hint", "按已签合同评估职级体系中的每个人；建议由直属主管或经理决定。", "Evaluates everyone on the ladder from signed contracts; the supervisor or manager decides each recommendation."),
    ("current_level", "当前职级", "Current level"),
    ("ladder_promote", "晋升为{to}", "Promote to {to}"),
    ("ladder_demote", "降为{to}", "Demote to {to}"),
    ("ladder_dismiss", "建议劝退", "Dismissal recommended"),
    ("ladder_stay", "保持", "Stay"),
    ("ladder_months", "截至月末连续 {n} 个月无成交", "{n} months without a deal up to the month's end"),
    ("last_deal", "上次成交", "last deal"),
    ("no_deal_yet", "尚无成交", "no deal yet"),
    ("ladder_unsaved", "尚未保存：请先评估本月", "not saved yet: evaluate the month first"),
    ("ladder_summary", "{changes} 项建议，{pending} 项待决定", "{changes} recommendations, {pending} awaiting a decision"),
    ("ladder_status_recommended", "待决定", "awaiting decision"),
    ("ladder_status_confirmed", "已确认", "confirmed"),
    ("ladder_status_rejected", "未采纳", "rejected"),
    ("ladder_status_grace_granted", "已给予宽限期", "grace period granted"),
    ("grant_grace", "给予宽限期", "Grant grace period"),
    ("grace_until", "宽限至", "grace until"),
    ("level_history", "职级记录", "Level history"),
    ("valid_from", "起始日期", "From"),
    ("level_reason_placed", "定级", "placed"),
    ("level_reason_promoted", "晋升", "promoted"),
    ("level_reason_demoted", "降级", "demoted"),
    ("ladder_decisions", "职级建议与决定", "Recommendations and decisions"),
    ("nobody_on_ladder", "您的数据范围内没有人在职级体系中。", "Nobody in your scope is on the career ladder."),
    ("decided_on", "决定日期", "Decided on"),
    ("note", "备注", "Note"),
    ("level_note_assignments", "按任职记录", "from the assignments"),
];

/// Every (key, Chinese, English): the main table, then the administration screens'.
fn every() -> impl Iterator<Item = &'static (&'static str, &'static str, &'static str)> {
    STRINGS
        .iter()
        .chain(admin::STRINGS)
        .chain(steps::STRINGS)
        .chain(close::STRINGS)
}

/// All strings of one language, keyed for templates.
pub fn table(lang: Lang) -> BTreeMap<&'static str, &'static str> {
    every()
        .map(|(k, zh, en)| (*k, if lang == Lang::Zh { *zh } else { *en }))
        .collect()
}

/// One string.
pub fn t(lang: Lang, key: &str) -> &'static str {
    every()
        .find(|(k, ..)| *k == key)
        .map(|(_, zh, en)| if lang == Lang::Zh { *zh } else { *en })
        .unwrap_or("?")
}

/// `key`'s text with `{name}` placeholders filled in.
pub fn fill(lang: Lang, key: &str, args: &[(&str, &str)]) -> String {
    let mut out = t(lang, key).to_string();
    for (name, value) in args {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

/// Groups the integer digits of `digits` (`"1234567"` → `"1,234,567"`; ASCII digits only).
fn group(digits: &str) -> String {
    let parts: Vec<&str> = digits
        .as_bytes()
        .rchunks(3)
        .rev()
        .map(|c| std::str::from_utf8(c).unwrap_or(""))
        .collect();
    parts.join(",")
}

/// A number with `decimals` decimals and grouped thousands (both languages group by three
/// with commas in running text); a non-finite value is shown as "–".
pub fn number(value: f64, decimals: usize) -> String {
    if !value.is_finite() {
        return "–".into();
    }
    let text = format!("{:.*}", decimals, value.abs());
    let (int, frac) = text
        .split_once('.')
        .map_or((text.as_str(), None), |(i, f)| (i, Some(f)));
    let sign = if value < 0.0 && text.bytes().any(|b| b.is_ascii_digit() && b != b'0') {
        "-"
    } else {
        ""
    };
    match frac {
        Some(f) => format!("{sign}{}.{f}", group(int)),
        None => format!("{sign}{}", group(int)),
    }
}

/// Money from cents: `¥1,234.56`; in Chinese, amounts of ten thousand yuan and more in 万
/// (`¥123.46万`), as a Chinese sales team reads them.
pub fn money(lang: Lang, cents: f64) -> String {
    let yuan = cents / 100.0;
    if lang == Lang::Zh && yuan.abs() >= 10_000.0 {
        format!("¥{}万", number(yuan / 10_000.0, 2))
    } else {
        format!("¥{}", number(yuan, 2))
    }
}

/// A period for people: `2026年10月` / `Oct 2026` (quarters and years as written).
pub fn period(lang: Lang, p: kaohe_domain::period::Period) -> String {
    use kaohe_domain::period::Period;
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    match (p, lang) {
        (Period::Month { year, month }, Lang::Zh) => format!("{year}年{month}月"),
        (Period::Month { year, month }, Lang::En) => {
            format!("{} {year}", MONTHS[(month as usize + 11) % 12])
        }
        (Period::Quarter { year, quarter }, Lang::Zh) => format!("{year}年第{quarter}季度"),
        (Period::Quarter { year, quarter }, Lang::En) => format!("Q{quarter} {year}"),
        (Period::Year { year }, Lang::Zh) => format!("{year}年度"),
        (Period::Year { year }, Lang::En) => format!("Year {year}"),
    }
}

/// A short period label for chart axes: `10月` / `Oct` (with the year in January).
pub fn period_short(lang: Lang, p: kaohe_domain::period::Period) -> String {
    use kaohe_domain::period::Period;
    match p {
        Period::Month { year, month: 1 } => match lang {
            Lang::Zh => format!("{}年1月", year % 100),
            Lang::En => format!("Jan {}", year % 100),
        },
        Period::Month { .. } => {
            let full = period(lang, p);
            full.split(['年', ' '])
                .nth(if lang == Lang::Zh { 1 } else { 0 })
                .unwrap_or(&full)
                .to_string()
        }
        _ => p.to_string(),
    }
}

/// A date: `2026年10月5日` / `5 Oct 2026`.
pub fn date(lang: Lang, d: chrono::NaiveDate) -> String {
    match lang {
        Lang::Zh => d.format("%Y年%-m月%-d日").to_string(),
        Lang::En => d.format("%-d %b %Y").to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_money_and_dates_follow_the_locale() {
        use kaohe_domain::period::Period;
        assert_eq!(number(1234567.891, 2), "1,234,567.89");
        assert_eq!(number(-999.0, 0), "-999");
        assert_eq!(number(-0.001, 2), "0.00");
        assert_eq!(number(f64::NAN, 2), "–");
        assert_eq!(money(Lang::En, 123_456_789.0), "¥1,234,567.89");
        assert_eq!(money(Lang::Zh, 123_456_789.0), "¥123.46万");
        assert_eq!(money(Lang::Zh, 500_000.0), "¥5,000.00");
        let oct = Period::Month {
            year: 2026,
            month: 10,
        };
        assert_eq!(period(Lang::Zh, oct), "2026年10月");
        assert_eq!(period(Lang::En, oct), "Oct 2026");
        assert_eq!(period_short(Lang::Zh, oct), "10月");
        assert_eq!(period_short(Lang::En, oct), "Oct");
        let d = chrono::NaiveDate::from_ymd_opt(2026, 10, 5).unwrap();
        assert_eq!(date(Lang::Zh, d), "2026年10月5日");
        assert_eq!(date(Lang::En, d), "5 Oct 2026");
        assert_eq!(
            fill(Lang::En, "rank_of", &[("rank", "2"), ("of", "7")]),
            "2 of 7"
        );
    }

    #[test]
    fn every_key_is_unique_and_translated() {
        let mut seen = std::collections::HashSet::new();
        for (k, zh, en) in every() {
            assert!(seen.insert(k), "duplicate key {k}");
            assert!(!zh.is_empty() && !en.is_empty(), "{k} lacks a translation");
        }
        assert_eq!(t(Lang::Zh, "sign_in"), "登录");
        assert_eq!(Lang::from_tag("en-US"), Lang::En);
        assert_eq!(Lang::from_tag("zh-CN"), Lang::Zh);
    }
}
