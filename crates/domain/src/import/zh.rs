//! The reasons of an import report (and of a form's field errors) in Chinese.
//!
//! Reasons are composed in English where they arise (the cell parsers, the records' rules,
//! the store's reference and duplicate checks); this table renders each known wording in
//! Chinese, keeping the values it quotes. One table, so a new reason is translated in one
//! place; an unknown wording is shown as it is rather than lost.

/// (English pattern, Chinese pattern): `{0}`, `{1}`, … stand for the quoted values and are
/// carried over. Longer, more specific patterns come first.
#[rustfmt::skip]
const REASONS: &[(&str, &str)] = &[
    ("is required", "必填"),
    ("this column appears twice", "该列出现了两次"),
    ("unknown column for {0} (see docs/import-formats.md)", "{0} 没有这一列（见 docs/import-formats.md）"),
    ("required column missing ({0} / {1})", "缺少必填列（{0} / {1}）"),
    ("the file is empty (no header row)", "文件为空（没有表头行）"),
    ("a value in column {0} has no header (the header row names {1} columns)", "第 {0} 列的值没有表头（表头行只有 {1} 列）"),
    ("the same rows (fingerprint {0}) were already imported as {1} by {2} from {3}; nothing was imported again", "相同的数据行（指纹 {0}）已由 {2} 从 {3} 作为 {1} 导入过，本次未重复导入"),
    ("not a whole number", "不是整数"),
    ("not a number", "不是数字"),
    ("not an amount of money (yuan with at most two decimals): `{0}`", "不是金额（以元为单位，最多两位小数）：`{0}`"),
    ("expected 是/否, true/false, 1/0 or Y/N", "应为 是/否、true/false、1/0 或 Y/N"),
    ("not a date (e.g. 2026-10-08, 2026/10/8, 2026年10月8日 or an Excel date)", "不是日期（例如 2026-10-08、2026/10/8、2026年10月8日 或 Excel 日期）"),
    ("not a time of day: `{0}`", "不是时刻：`{0}`"),
    ("{0} does not exist in the company time zone", "{0} 在公司时区中不存在"),
    ("expected one of: {0}", "应为以下之一：{0}"),
    ("`{0}` is not one of: {1}", "`{0}` 不在可选值中：{1}"),
    ("must be at least {0}, not {1}", "不能小于 {0}（实际为 {1}）"),
    ("must be 1 to 5, not {0}", "应为 1 到 5（实际为 {0}）"),
    ("must be 0 to 100, not {0}", "应为 0 到 100（实际为 {0}）"),
    ("{0} is before {1} ({2})", "{0} 早于 {1}（{2}）"),
    ("{0} is not after {1} ({2})", "{0} 不晚于 {1}（{2}）"),
    ("`{0}` is not a phone number (7–20 digits)", "`{0}` 不是电话号码（7–20 位数字）"),
    ("a call cannot last more than a day", "一次通话不能超过一天"),
    ("rings are counted for inbound calls only", "只有呼入电话记录响铃次数"),
    ("a call-back (回访) needs its due time", "回访需要填写应回访时间"),
    ("a signed contract needs its signing time", "已签订的合同需要签订时间"),
    ("an unsigned contract has no signing time (sign only after a passed review)", "未签订的合同不能有签订时间（审核通过后才能签订）"),
    ("an archived contract needs its archiving time", "已归档的合同需要归档时间"),
    ("a share is more than 0 and at most 100 percent, not {0}", "分成比例应大于 0 且不超过 100%（实际为 {0}）"),
    ("a {0} step ends {1}, not {2}", "{0} 步骤的结果应为 {1}，不能是 {2}"),
    ("a return needs a comment saying why", "退回需要填写原因"),
    ("`{0}` is not a month such as 2026-10 (budgets are monthly)", "`{0}` 不是月份（如 2026-10；预算按月编制）"),
    ("`{0}` is not a plan year", "`{0}` 不是计划年度"),
    ("someone who did not attend has no score", "未出席的人不能有成绩"),
    ("a person who left needs the leaving date", "离职人员需要填写离职日期"),
    ("this file (SHA-256 {0}) was already imported as {1} by {2} from {3}; nothing was imported again", "该文件（SHA-256 {0}）已由 {2} 从 {3} 作为 {1} 导入过，本次未重复导入"),
    ("duplicate in this file (first at row {0})", "与本文件第 {0} 行重复"),
    ("unknown {0} or outside your data scope", "{0} 不存在或不在您的数据范围内"),
    ("unknown {0}", "{0} 不存在"),
    ("this person's day is already in row {0}", "此人这一天已在第 {0} 行"),
    ("duplicate customer: same phone as row {0}", "客户重复：与第 {0} 行电话相同"),
    ("duplicate customer: same name and company as row {0}", "客户重复：与第 {0} 行名称和公司相同"),
    ("duplicate customer: same phone as archive {0}", "客户重复：与档案 {0} 电话相同"),
    ("duplicate customer: same name and company as archive {0}", "客户重复：与档案 {0} 名称和公司相同"),
    ("the same {0} as row {1}", "{0} 与第 {1} 行相同"),
    ("a {0} {1} is stored already", "相同 {1} 的{0}已存在"),
    ("the shares of this order add up to {0}%, more than 100%", "该订单的分成比例合计 {0}%，超过 100%"),
    ("attendance of this person on this day already exists", "此人这一天的考勤已存在"),
    ("{0} already exists (duplicate {1})", "{0}已存在（{1} 重复）"),
];

/// The nouns of references and kinds that reasons quote, in Chinese.
#[rustfmt::skip]
const NOUNS: &[(&str, &str)] = &[
    ("employee (工号)", "员工（工号）"),
    ("customer (客户档案编号)", "客户（客户档案编号）"),
    ("order (订单编号)", "订单（订单编号）"),
    ("contract (合同编号)", "合同（合同编号）"),
    ("receivable (应收款ID)", "应收款（应收款ID）"),
    ("department (部门编码)", "部门（部门编码）"),
    ("team (小组编码)", "小组（小组编码）"),
    ("position (岗位编码)", "岗位（岗位编码）"),
    ("level (职级编码)", "职级（职级编码）"),
    ("expense claim (费用ID)", "费用报销（费用ID）"),
    ("meeting (会议ID)", "会议（会议ID）"),
    ("training course (课程ID)", "培训课程（课程ID）"),
    ("training session (培训场次ID)", "培训场次（培训场次ID）"),
];

/// Matches `text` against `pattern` (literal text with `{n}` holes), returning the holes'
/// values in order of `n`.
fn matches(pattern: &str, text: &str) -> Option<Vec<String>> {
    // Split the pattern into literals and hole numbers.
    let mut literals = Vec::new();
    let mut holes = Vec::new();
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        let close = open + rest[open..].find('}')?;
        literals.push(&rest[..open]);
        holes.push(rest[open + 1..close].parse::<usize>().ok()?);
        rest = &rest[close + 1..];
    }
    literals.push(rest);
    let mut values = vec![String::new(); holes.len()];
    let mut t = text.strip_prefix(literals[0])?;
    for (i, hole) in holes.iter().enumerate() {
        let next = literals[i + 1];
        let end = if next.is_empty() {
            if i + 1 == holes.len() {
                t.len()
            } else {
                return None;
            }
        } else if i + 1 == holes.len() {
            // The last hole runs up to the pattern's closing literal.
            t.strip_suffix(next).map(str::len)?
        } else {
            t.find(next)?
        };
        values[*hole] = t[..end].to_string();
        t = &t[end..];
        t = t.strip_prefix(next)?;
    }
    (t.is_empty()).then_some(values)
}

fn fill(pattern: &str, values: &[String]) -> String {
    let mut out = pattern.to_string();
    for (i, v) in values.iter().enumerate() {
        let v = NOUNS
            .iter()
            .find(|(en, _)| en == v)
            .map_or(v.as_str(), |(_, zh)| zh);
        out = out.replace(&format!("{{{i}}}"), v);
    }
    out
}

/// `reason` in Chinese. A reason the store adds context to (`… (rows 2–9)`) keeps it; an
/// unknown wording is returned unchanged.
pub fn reason_zh(reason: &str) -> String {
    if let Some(zh) = REASONS
        .iter()
        .find_map(|(en, zh)| matches(en, reason).map(|v| fill(zh, &v)))
    {
        return zh;
    }
    // "… (rows 2–9)": the batch a funnel refused.
    if let Some((head, rows)) = reason.rsplit_once(" (rows ")
        && let Some(range) = rows.strip_suffix(')')
    {
        return format!("{}（第 {range} 行）", reason_zh(head));
    }
    reason.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_of_a_bad_cell_reads_in_chinese_with_its_values() {
        assert_eq!(reason_zh("is required"), "必填");
        assert_eq!(
            reason_zh("must be at least 0, not -5"),
            "不能小于 0（实际为 -5）"
        );
        assert_eq!(
            reason_zh("unknown employee (工号) or outside your data scope"),
            "员工（工号） 不存在或不在您的数据范围内"
        );
        assert_eq!(
            reason_zh("2026-10-01 is before received_at (2026-10-02)"),
            "2026-10-01 早于 received_at（2026-10-02）"
        );
        assert_eq!(
            reason_zh("expected one of: inbound (呼入), outbound (呼出)"),
            "应为以下之一：inbound (呼入), outbound (呼出)"
        );
        assert_eq!(
            reason_zh("a review step ends passed or returned, not done"),
            "review 步骤的结果应为 passed or returned，不能是 done"
        );
        assert_eq!(reason_zh("something new"), "something new");
    }

    #[test]
    fn every_pattern_matches_its_own_wording() {
        for (en, _) in REASONS {
            let sample: String = (0..4).fold(en.to_string(), |s, i| {
                s.replace(&format!("{{{i}}}"), &format!("V{i}"))
            });
            assert_ne!(reason_zh(&sample), sample, "{en}");
        }
    }
}
