//! Formula errors: where (line, column, span) and what, in Chinese and English.

use crate::catalogue::RecordKind;
use std::fmt;

/// A byte range in the formula source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end`.
    pub fn new(start: usize, end: usize) -> Self {
        Span {
            start,
            end: end.max(start),
        }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

/// The type of a value, as named in messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeName {
    /// A number (count, amount, ratio).
    Number,
    /// A condition / yes-no value.
    Bool,
    /// Text.
    Text,
    /// Calendar date.
    Date,
    /// Instant.
    Timestamp,
    /// A duration such as `2 days`.
    Duration,
    /// The `null` literal.
    Null,
}

impl TypeName {
    /// English name.
    pub fn en(self) -> &'static str {
        match self {
            TypeName::Number => "a number",
            TypeName::Bool => "a condition (yes/no)",
            TypeName::Text => "text",
            TypeName::Date => "a date",
            TypeName::Timestamp => "a timestamp",
            TypeName::Duration => "a duration",
            TypeName::Null => "null",
        }
    }

    /// Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            TypeName::Number => "数字",
            TypeName::Bool => "条件（是/否）",
            TypeName::Text => "文本",
            TypeName::Date => "日期",
            TypeName::Timestamp => "时间",
            TypeName::Duration => "时长",
            TypeName::Null => "空值 null",
        }
    }
}

/// What went wrong.
#[derive(Debug, Clone, PartialEq)]
pub enum ErrorKind {
    /// Nothing but blanks.
    Empty,
    /// Longer than the limit (in characters).
    TooLong { chars: usize, max: usize },
    /// Nested deeper than the limit.
    TooDeep { max: usize },
    /// A character that starts no token.
    UnexpectedChar(char),
    /// A string literal without its closing quote.
    UnterminatedString,
    /// A number that cannot be read.
    BadNumber(String),
    /// A token where another was expected.
    Unexpected {
        found: String,
        expected_en: &'static str,
        expected_zh: &'static str,
    },
    /// An opening parenthesis never closed (the span is the opening one).
    UnclosedParen,
    /// A closing parenthesis with no opening one.
    UnmatchedCloseParen,
    /// Input left after a complete formula.
    TrailingInput(String),
    /// `a < b < c`.
    ChainedComparison,
    /// Not a record kind.
    UnknownKind {
        name: String,
        suggestion: Option<String>,
    },
    /// Not a field of the kind.
    UnknownField {
        kind: RecordKind,
        name: String,
        suggestion: Option<String>,
    },
    /// Not a function.
    UnknownFunction {
        name: String,
        suggestion: Option<String>,
    },
    /// A bare name outside a filter that is neither a function call nor an indicator in `prev`.
    UnknownName { name: String, hint: NameHint },
    /// The responsible person's field: the grouping key, not usable in formulas.
    GroupingKey { kind: RecordKind, name: String },
    /// An aggregate over a field of the wrong type (`sum(customers.name)`).
    NotAggregable {
        aggregate: &'static str,
        field: String,
        field_type: &'static str,
    },
    /// An aggregate that needs a field got none, or one that takes none got one.
    AggregateField {
        aggregate: &'static str,
        needs_field: bool,
    },
    /// `credited_sum` on a kind without split credit.
    NoSplitCredit { kind: RecordKind },
    /// `handled` on a kind that does not record who handled it.
    NoHandler { kind: RecordKind },
    /// `team` / `department` with an aggregate that does not add up (an average, a minimum).
    GroupNeedsSum { aggregate: &'static str },
    /// `dated <field>` with a field that is not a date.
    NotADateField { field: String },
    /// Comparing values of types that do not compare.
    NotComparable {
        op: &'static str,
        left: TypeName,
        right: TypeName,
    },
    /// A value of the wrong type.
    ExpectedType { expected: TypeName, found: TypeName },
    /// `count(…)` (or another aggregate) inside `where`.
    AggregateInFilter,
    /// A function that only makes sense at the indicator level used inside `where`.
    NotInFilter { name: String },
    /// `working_days(a, b)` and friends outside `where`.
    OnlyInFilter { name: String },
    /// Division by a constant zero.
    DivisionByZero,
    /// Wrong number of arguments.
    ArgCount {
        function: String,
        expected: &'static str,
        found: usize,
    },
    /// `prev(prev(…))`.
    NestedPrev,
    /// `target()` inside `prev()`.
    TargetInPrev,
    /// A text that should be a date or timestamp and is not.
    BadDate(String),
    /// `x = null`.
    CompareWithNull,
    /// Ordering (`<`) text or yes/no values.
    Unordered { ty: TypeName },
    /// `in (…)` with something other than literal values.
    InNeedsLiterals,
    /// A date moved by a fraction of a day or by hours.
    DateShift,
    /// A function argument that must be a text literal (an indicator code).
    ExpectedCode { function: String },
}

/// Why a bare name is not understood.
#[derive(Debug, Clone, PartialEq)]
pub enum NameHint {
    /// It is a record kind: aggregate it.
    Kind,
    /// It is a field of some kind: use it inside `where` or as `kind.field`.
    Field { kind: RecordKind },
    /// Nothing close.
    Nothing,
}

/// A refused formula: what went wrong and where.
#[derive(Debug, Clone, PartialEq)]
pub struct FormulaError {
    /// What went wrong.
    pub kind: ErrorKind,
    /// Where, in bytes of the source.
    pub span: Span,
    /// 1-based line of the span's start.
    pub line: usize,
    /// 1-based column (in characters) of the span's start.
    pub column: usize,
}

fn quoted_suggestion_en(s: &Option<String>) -> String {
    s.as_ref()
        .map(|s| format!("; did you mean `{s}`?"))
        .unwrap_or_default()
}

fn quoted_suggestion_zh(s: &Option<String>) -> String {
    s.as_ref()
        .map(|s| format!("；是否想用 `{s}`？"))
        .unwrap_or_default()
}

impl FormulaError {
    /// An error at `span` of `source`; line and column are computed here.
    pub fn at(kind: ErrorKind, span: Span, source: &str) -> Self {
        let (line, column) = line_col(source, span.start);
        FormulaError {
            kind,
            span,
            line,
            column,
        }
    }

    /// The message in English.
    pub fn message_en(&self) -> String {
        use ErrorKind::*;
        match &self.kind {
            Empty => "the formula is empty".into(),
            TooLong { chars, max } => {
                format!("the formula is too long: {chars} characters (at most {max})")
            }
            TooDeep { max } => format!("the formula nests too deeply (at most {max} levels)"),
            UnexpectedChar(c) => format!("unexpected character `{c}`"),
            UnterminatedString => "unterminated text: the closing quote is missing".into(),
            BadNumber(s) => format!("`{s}` is not a valid number"),
            Unexpected {
                found, expected_en, ..
            } => format!("expected {expected_en}, found {found}"),
            UnclosedParen => "this `(` is never closed".into(),
            UnmatchedCloseParen => "this `)` has no matching `(`".into(),
            TrailingInput(s) => format!("unexpected {s} after the end of the formula"),
            ChainedComparison => "comparisons cannot be chained; join them with `and`".into(),
            UnknownKind { name, suggestion } => format!(
                "unknown record kind `{name}`{}",
                quoted_suggestion_en(suggestion)
                    .if_empty(|| format!("; known kinds: {}", kind_list()))
            ),
            UnknownField {
                kind,
                name,
                suggestion,
            } => {
                format!(
                    "unknown field `{name}` on {kind}{}",
                    quoted_suggestion_en(suggestion)
                )
            }
            UnknownFunction { name, suggestion } => {
                format!(
                    "unknown function `{name}`{}",
                    quoted_suggestion_en(suggestion)
                )
            }
            UnknownName { name, hint } => match hint {
                NameHint::Kind => {
                    format!("`{name}` is a record kind; aggregate it, e.g. `count({name})`")
                }
                NameHint::Field { kind } => format!(
                    "`{name}` is a field of {kind}; use it inside `where` or as `sum({kind}.{name})`"
                ),
                NameHint::Nothing => format!("unknown name `{name}`"),
            },
            GroupingKey { kind, name } => format!(
                "`{name}` is the responsible person of {kind}: measures are already per person, so it cannot be used in a formula"
            ),
            NotAggregable {
                aggregate,
                field,
                field_type,
            } => format!("`{aggregate}` needs a numeric field, but `{field}` is {field_type}"),
            AggregateField {
                aggregate,
                needs_field: true,
            } => {
                format!("`{aggregate}` needs a field: write `{aggregate}(kind.field)`")
            }
            AggregateField {
                aggregate,
                needs_field: false,
            } => format!(
                "`{aggregate}` counts records and takes no field: write `{aggregate}(kind where field is not null)`"
            ),
            NoSplitCredit { kind } => {
                format!("`credited_sum` needs split credit, which {kind} do not have (only orders)")
            }
            NoHandler { kind } => format!(
                "`handled` needs records that name who handled them; {kind} do not (customers, orders and contracts do)"
            ),
            GroupNeedsSum { aggregate } => format!(
                "`team` and `department` add up the people led: use count, sum or credited_sum, not {aggregate}, and not with `handled`"
            ),
            NotADateField { field } => {
                format!("`dated` needs a date or timestamp field, but `{field}` is not one")
            }
            NotComparable { op, left, right } => {
                format!(
                    "cannot compare {} with {} using `{op}`",
                    left.en(),
                    right.en()
                )
            }
            ExpectedType { expected, found } => {
                format!("expected {}, found {}", expected.en(), found.en())
            }
            AggregateInFilter => {
                "an aggregate cannot be used inside `where`: a filter looks at one record at a time"
                    .into()
            }
            NotInFilter { name } => {
                format!("`{name}()` is about the whole period and cannot be used inside `where`")
            }
            OnlyInFilter { name } => {
                format!("`{name}(a, b)` compares fields of one record; use it inside `where`")
            }
            DivisionByZero => "division by zero: the denominator is always 0".into(),
            ArgCount {
                function,
                expected,
                found,
            } => {
                format!("`{function}` takes {expected} argument(s), found {found}")
            }
            NestedPrev => "`prev` cannot be nested".into(),
            TargetInPrev => "`target` cannot be used inside `prev`".into(),
            BadDate(s) => {
                format!("`{s}` is not a date (YYYY-MM-DD) or timestamp (YYYY-MM-DDTHH:MM:SSZ)")
            }
            CompareWithNull => "compare with null using `is null` or `is not null`".into(),
            Unordered { ty } => format!("{} can only be compared with `=` or `!=`", ty.en()),
            InNeedsLiterals => "`in (…)` takes a list of literal values".into(),
            DateShift => "a date moves by whole days only (use a timestamp field for hours)".into(),
            ExpectedCode { function } => {
                format!("`{function}` takes an indicator code, e.g. {function}(\"sales_amount\")")
            }
        }
    }

    /// The message in Chinese.
    pub fn message_zh(&self) -> String {
        use ErrorKind::*;
        match &self.kind {
            Empty => "公式为空".into(),
            TooLong { chars, max } => format!("公式过长：{chars} 个字符（上限 {max}）"),
            TooDeep { max } => format!("公式嵌套过深（上限 {max} 层）"),
            UnexpectedChar(c) => format!("无法识别的字符 `{c}`"),
            UnterminatedString => "文本缺少结束引号".into(),
            BadNumber(s) => format!("`{s}` 不是有效的数字"),
            Unexpected {
                found, expected_zh, ..
            } => {
                format!("此处应为{expected_zh}，实际为 {found}")
            }
            UnclosedParen => "这个 `(` 没有对应的 `)`".into(),
            UnmatchedCloseParen => "这个 `)` 没有对应的 `(`".into(),
            TrailingInput(s) => format!("公式结束后还有多余内容：{s}"),
            ChainedComparison => "比较不能连写，请用 `and` 连接".into(),
            UnknownKind { name, suggestion } => format!(
                "未知记录类型 `{name}`{}",
                quoted_suggestion_zh(suggestion)
                    .if_empty(|| format!("；可用类型：{}", kind_list()))
            ),
            UnknownField {
                kind,
                name,
                suggestion,
            } => format!(
                "未知字段 `{name}`（{} {kind}）{}",
                kind.def().name_zh,
                quoted_suggestion_zh(suggestion)
            ),
            UnknownFunction { name, suggestion } => {
                format!("未知函数 `{name}`{}", quoted_suggestion_zh(suggestion))
            }
            UnknownName { name, hint } => match hint {
                NameHint::Kind => {
                    format!("`{name}` 是记录类型，需要聚合，例如 `count({name})`")
                }
                NameHint::Field { kind } => format!(
                    "`{name}` 是 {kind} 的字段，只能在 `where` 中使用，或写成 `sum({kind}.{name})`"
                ),
                NameHint::Nothing => format!("未知名称 `{name}`"),
            },
            GroupingKey { kind, name } => {
                format!("`{name}` 是 {kind} 的责任人字段：度量已按人汇总，公式中不能使用")
            }
            NotAggregable {
                aggregate,
                field,
                field_type,
            } => {
                format!("`{aggregate}` 需要数值字段，而 `{field}` 是{field_type}")
            }
            AggregateField {
                aggregate,
                needs_field: true,
            } => {
                format!("`{aggregate}` 需要字段，应写成 `{aggregate}(类型.字段)`")
            }
            AggregateField {
                aggregate,
                needs_field: false,
            } => format!(
                "`{aggregate}` 统计记录条数，不带字段；应写成 `{aggregate}(类型 where 字段 is not null)`"
            ),
            NoSplitCredit { kind } => {
                format!("`credited_sum` 需要分摊业绩，{kind} 没有分摊（仅订单 orders 有）")
            }
            NoHandler { kind } => {
                format!("`handled` 需要记录注明经办人，{kind} 没有（客户档案、订单、合同有）")
            }
            GroupNeedsSum { aggregate } => format!(
                "`team`、`department` 对所带人员求和：请用 count、sum 或 credited_sum，不能用 {aggregate}，也不能与 `handled` 同用"
            ),
            NotADateField { field } => format!("`dated` 需要日期或时间字段，`{field}` 不是"),
            NotComparable { op, left, right } => {
                format!("不能用 `{op}` 比较{}与{}", left.zh(), right.zh())
            }
            ExpectedType { expected, found } => {
                format!("此处应为{}，实际为{}", expected.zh(), found.zh())
            }
            AggregateInFilter => "`where` 条件中不能使用聚合：条件逐条判断记录".into(),
            NotInFilter { name } => format!("`{name}()` 针对整个考核期，不能用在 `where` 中"),
            OnlyInFilter { name } => {
                format!("`{name}(a, b)` 比较同一条记录的字段，只能用在 `where` 中")
            }
            DivisionByZero => "除数恒为 0".into(),
            ArgCount {
                function,
                expected,
                found,
            } => {
                format!("`{function}` 需要 {expected} 个参数，实际 {found} 个")
            }
            NestedPrev => "`prev` 不能嵌套".into(),
            TargetInPrev => "`prev` 中不能使用 `target`".into(),
            BadDate(s) => {
                format!("`{s}` 不是日期（YYYY-MM-DD）或时间（YYYY-MM-DDTHH:MM:SSZ）")
            }
            CompareWithNull => "与空值比较请用 `is null` 或 `is not null`".into(),
            Unordered { ty } => format!("{}只能用 `=` 或 `!=` 比较", ty.zh()),
            InNeedsLiterals => "`in (…)` 只接受常量列表".into(),
            DateShift => "日期只能按整天加减（按小时请用时间字段）".into(),
            ExpectedCode { function } => {
                format!("`{function}` 需要指标代码，例如 {function}(\"sales_amount\")")
            }
        }
    }

    /// The error shown under the offending line of `source`, with a caret under the span:
    ///
    /// ```text
    /// 错误：未知字段 `amout`（订单 orders）；是否想用 `amount_cents`？
    /// error: unknown field `amout` on orders; did you mean `amount_cents`?
    ///  --> 1:20
    ///   |
    /// 1 | count(orders where amout > 0)
    ///   |                    ^^^^^
    /// ```
    pub fn render(&self, source: &str) -> String {
        let line_text = source.lines().nth(self.line - 1).unwrap_or("");
        let line_start = line_start_of(source, self.span.start);
        let start = self
            .span
            .start
            .clamp(line_start, line_start + line_text.len());
        let end = self.span.end.clamp(start, line_start + line_text.len());
        let before = &line_text[..floor_char(line_text, start - line_start)];
        let inside = &line_text
            [floor_char(line_text, start - line_start)..floor_char(line_text, end - line_start)];
        let pad = " ".repeat(display_width(before));
        let carets = "^".repeat(display_width(inside).max(1));
        let gutter = " ".repeat(self.line.to_string().len());
        format!(
            "错误：{}\nerror: {}\n{gutter}--> {}:{}\n{gutter} |\n{} | {}\n{gutter} | {pad}{carets}\n",
            self.message_zh(),
            self.message_en(),
            self.line,
            self.column,
            self.line,
            line_text,
        )
    }
}

impl fmt::Display for FormulaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {} / {}",
            self.line,
            self.column,
            self.message_zh(),
            self.message_en()
        )
    }
}

impl std::error::Error for FormulaError {}

trait IfEmpty {
    fn if_empty(self, f: impl FnOnce() -> String) -> String;
}

impl IfEmpty for String {
    fn if_empty(self, f: impl FnOnce() -> String) -> String {
        if self.is_empty() { f() } else { self }
    }
}

fn kind_list() -> String {
    RecordKind::ALL
        .iter()
        .map(|k| k.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The largest char boundary ≤ `i` in `s`.
fn floor_char(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn line_start_of(source: &str, offset: usize) -> usize {
    let offset = floor_char(source, offset);
    source[..offset].rfind('\n').map_or(0, |i| i + 1)
}

/// 1-based line and character column of a byte offset.
pub(crate) fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char(source, offset);
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before[line_start_of(source, offset)..].chars().count() + 1;
    (line, column)
}

/// Terminal width of text: CJK and full-width characters take two columns, so the caret
/// lands under the right character in a Chinese formula.
fn display_width(s: &str) -> usize {
    s.chars().map(|c| if is_wide(c) { 2 } else { 1 }).sum()
}

fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF | 0xA000..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x20000..=0x3FFFD)
}

/// The candidate closest to `name`, if any is close enough to be a plausible typo:
/// a candidate that contains the name (or is contained by it) wins, else the smallest edit
/// distance within a third of the name's length (at least 2).
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let name_l = name.to_lowercase();
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = if name_l.len() >= 3 && (c.contains(name_l.as_str()) || name_l.contains(c)) {
            0
        } else {
            // A typo in the start of a longer name (`amout` for `amount_cents`) is matched
            // against the candidate's prefix of about the same length, at a cost of one.
            let n = name_l.chars().count();
            let prefix_d = (n.saturating_sub(1)..=n + 1)
                .filter(|len| *len > 0 && *len < c.chars().count())
                .map(|len| levenshtein(&name_l, &c.chars().take(len).collect::<String>()) + 1)
                .min()
                .unwrap_or(usize::MAX);
            levenshtein(&name_l, c).min(prefix_d)
        };
        if best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    let limit = (name.chars().count() / 3).max(2);
    best.filter(|(d, _)| *d <= limit)
        .map(|(_, c)| c.to_string())
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typo_suggests_the_closest_name() {
        assert_eq!(
            closest("amout", ["amount_cents", "status"]).as_deref(),
            Some("amount_cents")
        );
        assert_eq!(
            closest("stauts", ["amount_cents", "status"]).as_deref(),
            Some("status")
        );
        assert_eq!(closest("zzz", ["amount_cents", "status"]), None);
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let src = "count(订单)\n  sum(x)";
        assert_eq!(line_col(src, src.find('订').unwrap()), (1, 7));
        assert_eq!(line_col(src, src.find("sum").unwrap()), (2, 3));
    }

    #[test]
    fn the_caret_sits_under_the_span_even_after_chinese_text() {
        let src = "\"订单\" = amout";
        let start = src.find("amout").unwrap();
        let err = FormulaError::at(
            ErrorKind::UnknownFunction {
                name: "amout".into(),
                suggestion: None,
            },
            Span::new(start, start + 5),
            src,
        );
        let out = err.render(src);
        let caret_line = out.lines().last().unwrap();
        // `"订单" = ` is 9 columns wide (two wide characters).
        assert_eq!(caret_line, "  |          ^^^^^");
    }
}
