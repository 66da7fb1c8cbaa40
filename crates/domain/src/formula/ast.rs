//! The checked formula: a tree of fixed operations over named measures. Nothing here can run
//! code or SQL; storage computes the [`Measure`]s and the evaluator combines them.
//!
//! The `Display` forms are canonical: the same meaning always prints the same text, and the
//! text parses back to the same tree. Measures are keyed by it.

use super::lexer::CmpOp;
use super::syntax::{Aggregate, DurationUnit};
use crate::catalogue::{FieldType, RecordKind};
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use std::fmt::{self, Write};

/// Which period a measure or value is read for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PeriodOffset {
    /// The period being assessed.
    Current,
    /// The period before it (inside `prev(…)`).
    Previous,
}

/// Whose records a measure adds up (SPEC §7a: team targets roll up).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Over {
    /// The person's own records.
    #[default]
    Own,
    /// `team`: the members of the teams the person leads.
    Team,
    /// `department`: everyone in the person's department and the departments below it.
    Department,
}

impl Over {
    /// The formula keyword (`team`, `department`); empty for the person's own records.
    pub fn keyword(self) -> &'static str {
        match self {
            Over::Own => "",
            Over::Team => "team",
            Over::Department => "department",
        }
    }
}

/// What a leader's formula reads of the results of the people they lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MemberStat {
    /// The mean of their period totals (`team_score()`).
    Mean,
    /// The percentage of them whose total reaches 60, rounded to 2 decimals
    /// (`team_pass_share()`).
    PassShare,
}

/// Which records of a person fall in the measured period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Window {
    /// The date or timestamp field (company-local day) that places a record in a period.
    pub field: &'static str,
    /// `false`: the field falls inside the period. `true` (`cumulative`): the field falls on or
    /// before the period's last day — everything to date, e.g. all customer archives held.
    pub cumulative: bool,
    /// `handled`: the records are credited to the person who handled them (the kind's
    /// handler field, the sales clerk), not to their owner.
    pub handled: bool,
    /// `team` / `department`: the sum over the people the person leads.
    pub over: Over,
}

/// One aggregate over one person's records of one kind in the period: the unit storage
/// computes, for every person at once.
#[derive(Debug, Clone, PartialEq)]
pub struct Measure {
    /// The record kind.
    pub kind: RecordKind,
    /// The aggregate.
    pub aggregate: Aggregate,
    /// The aggregated field (none for `count`).
    pub field: Option<&'static str>,
    /// Its type (none for `count`).
    pub field_type: Option<FieldType>,
    /// Which records are in the period.
    pub window: Window,
    /// Which of them count.
    pub filter: Option<Filter>,
    pub(crate) key: std::sync::Arc<str>,
}

impl Measure {
    /// The stable canonical text of the measure, e.g.
    /// `count(calls where is_callback and started_at <= callback_due_at)`. Two formulas that
    /// use the same measure get the same key, so storage computes it once.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// [`Measure::key`] shared, to key values by without copying the text.
    pub fn shared_key(&self) -> std::sync::Arc<str> {
        self.key.clone()
    }

    pub(crate) fn canonical(&self) -> String {
        let mut s = format!("{}({}", self.aggregate.as_str(), self.kind);
        if let Some(f) = self.field {
            let _ = write!(s, ".{f}");
        }
        if self.window.handled {
            s.push_str(" handled");
        }
        if self.window.over != Over::Own {
            let _ = write!(s, " {}", self.window.over.keyword());
        }
        if self.window.field != self.kind.def().period_field {
            let _ = write!(s, " dated {}", self.window.field);
        }
        if self.window.cumulative {
            s.push_str(" cumulative");
        }
        if let Some(f) = &self.filter {
            let _ = write!(s, " where {f}");
        }
        s.push(')');
        s
    }

    /// The same measure over the person's own records: what a `team` or `department` measure
    /// adds up over the people led.
    pub fn own(&self) -> Measure {
        let mut m = self.clone();
        m.window.over = Over::Own;
        m.key = m.canonical().into();
        m
    }

    /// The same measure over one period only, without `cumulative`: the unit that per-month
    /// roll-ups store. A cumulative measure is the sum of these over every period to date.
    pub fn per_period(&self) -> Measure {
        let mut m = self.clone();
        m.window.cumulative = false;
        m.key = m.canonical().into();
        m
    }

    /// The value over no records at all: 0 for counts and sums, none (not applicable) for
    /// averages, minima and maxima. Storage should return this for a person without records.
    pub fn empty_value(&self) -> Option<f64> {
        match self.aggregate {
            Aggregate::Count
            | Aggregate::CountDistinct
            | Aggregate::Sum
            | Aggregate::CreditedSum => Some(0.0),
            Aggregate::Avg | Aggregate::Min | Aggregate::Max => None,
        }
    }
}

impl fmt::Display for Measure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key)
    }
}

/// Arithmetic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArithOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
}

impl ArithOp {
    /// Canonical text.
    pub fn as_str(self) -> &'static str {
        match self {
            ArithOp::Add => "+",
            ArithOp::Sub => "-",
            ArithOp::Mul => "*",
            ArithOp::Div => "/",
        }
    }
}

/// An indicator-level expression: combines measures into the indicator's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A number.
    Const(f64),
    /// A measure (index into [`super::CompiledFormula::measures`]) for a period.
    Measure {
        /// Index into the formula's measures.
        index: usize,
        /// The period it is read for.
        offset: PeriodOffset,
    },
    /// `target()` (the indicator's own target for the person) or `target("code")`.
    Target(Option<String>),
    /// `team_target("code")` / `department_target("code")`: the sum of the targets of the
    /// people led.
    GroupTarget(Over, String),
    /// `team_score()`, `team_pass_share()`, `department_score()`,
    /// `department_pass_share()`: the results of the people led (the leader left out).
    MemberResults(Over, MemberStat),
    /// `prev(code)`: another indicator's value in the previous period.
    PrevIndicator(String),
    /// `working_days()`: working days in the period.
    WorkingDays(PeriodOffset),
    /// `-x`
    Neg(Box<Expr>),
    /// `a op b`
    Arith(ArithOp, Box<Expr>, Box<Expr>),
    /// `abs(x)`
    Abs(Box<Expr>),
    /// `min(a, b, …)`
    Min(Vec<Expr>),
    /// `max(a, b, …)`
    Max(Vec<Expr>),
    /// `if(condition, then, else)`
    If(Box<Cond>, Box<Expr>, Box<Expr>),
}

/// An indicator-level condition (the first argument of `if`).
#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    /// `true` / `false`.
    Const(bool),
    /// `a op b`
    Compare(CmpOp, Expr, Expr),
    /// `a and b`
    And(Box<Cond>, Box<Cond>),
    /// `a or b`
    Or(Box<Cond>, Box<Cond>),
    /// `not a`
    Not(Box<Cond>),
    /// `x is [not] null`: whether a value is not applicable (e.g. no previous period).
    IsNull {
        /// The value tested.
        expr: Expr,
        /// `is not null`.
        negated: bool,
    },
    /// `x [not] in (a, b, …)`
    In {
        /// The value tested.
        expr: Expr,
        /// The values it may equal.
        list: Vec<Expr>,
        /// `not in`.
        negated: bool,
    },
}

impl Expr {
    /// Calls `f` with this expression and every expression inside it.
    pub fn visit(&self, f: &mut dyn FnMut(&Expr)) {
        f(self);
        match self {
            Expr::Neg(x) | Expr::Abs(x) => x.visit(f),
            Expr::Arith(_, a, b) => {
                a.visit(f);
                b.visit(f);
            }
            Expr::Min(xs) | Expr::Max(xs) => xs.iter().for_each(|x| x.visit(f)),
            Expr::If(c, a, b) => {
                c.visit(f);
                a.visit(f);
                b.visit(f);
            }
            _ => {}
        }
    }
}

impl Cond {
    /// Calls `f` with every expression inside the condition.
    pub fn visit(&self, f: &mut dyn FnMut(&Expr)) {
        match self {
            Cond::Const(_) => {}
            Cond::Compare(_, a, b) => {
                a.visit(f);
                b.visit(f);
            }
            Cond::And(a, b) | Cond::Or(a, b) => {
                a.visit(f);
                b.visit(f);
            }
            Cond::Not(a) => a.visit(f),
            Cond::IsNull { expr, .. } => expr.visit(f),
            Cond::In { expr, list, .. } => {
                expr.visit(f);
                list.iter().for_each(|x| x.visit(f));
            }
        }
    }
}

/// A record-level filter (`where …`), evaluated per record with SQL's three-valued logic so
/// that a filter pushed down to SQL and one run in Rust agree: a comparison with a missing
/// value is unknown, and unknown records are not counted.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// `true` / `false`.
    Const(bool),
    /// `a and b`
    And(Box<Filter>, Box<Filter>),
    /// `a or b`
    Or(Box<Filter>, Box<Filter>),
    /// `not a`
    Not(Box<Filter>),
    /// `a op b` (`between` is written as two of these).
    Compare {
        /// The comparison.
        op: CmpOp,
        /// Left side.
        left: Operand,
        /// Right side.
        right: Operand,
    },
    /// `x [not] in (…)`
    In {
        /// The value tested.
        operand: Operand,
        /// The values it may equal.
        list: Vec<Literal>,
        /// `not in`.
        negated: bool,
    },
    /// `x is [not] null`
    IsNull {
        /// The value tested.
        operand: Operand,
        /// `is not null`.
        negated: bool,
    },
    /// A yes/no field used as a condition (`is_callback`).
    Truth(Operand),
}

impl Filter {
    /// Calls `f` with the name of every record field the filter reads, so storage selects
    /// only those columns.
    pub fn fields(&self, f: &mut dyn FnMut(&'static str)) {
        match self {
            Filter::Const(_) => {}
            Filter::And(a, b) | Filter::Or(a, b) => {
                a.fields(f);
                b.fields(f);
            }
            Filter::Not(a) => a.fields(f),
            Filter::Compare { left, right, .. } => {
                left.fields(f);
                right.fields(f);
            }
            Filter::In { operand, .. }
            | Filter::IsNull { operand, .. }
            | Filter::Truth(operand) => operand.fields(f),
        }
    }
}

impl Operand {
    /// Calls `f` with the name of every record field the operand reads.
    pub fn fields(&self, f: &mut dyn FnMut(&'static str)) {
        match self {
            Operand::Field { name, .. } => f(name),
            Operand::Literal(_) => {}
            Operand::Neg(a) | Operand::Shift { base: a, .. } => a.fields(f),
            Operand::Arith(_, a, b)
            | Operand::WorkingDays(a, b)
            | Operand::Hours(a, b)
            | Operand::Days(a, b) => {
                a.fields(f);
                b.fields(f);
            }
        }
    }
}

/// A record-level value.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// A field of the record.
    Field {
        /// Catalogue name.
        name: &'static str,
        /// Catalogue type.
        ty: FieldType,
    },
    /// A constant.
    Literal(Literal),
    /// `-x`
    Neg(Box<Operand>),
    /// Arithmetic on numbers.
    Arith(ArithOp, Box<Operand>, Box<Operand>),
    /// A date or timestamp moved by a duration (`due_at + 2 days`); `amount` may be negative.
    Shift {
        /// The date or timestamp moved.
        base: Box<Operand>,
        /// How many units (negative: earlier).
        amount: f64,
        /// Days, hours or minutes.
        unit: DurationUnit,
    },
    /// `working_days(a, b)`: working days after `a`'s day up to and including `b`'s day.
    WorkingDays(Box<Operand>, Box<Operand>),
    /// `hours(a, b)`: hours from `a` to `b`.
    Hours(Box<Operand>, Box<Operand>),
    /// `days(a, b)`: calendar days from `a` to `b`.
    Days(Box<Operand>, Box<Operand>),
}

/// A constant in a filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// A number.
    Number(f64),
    /// Text.
    Text(String),
    /// A date (written `"2026-10-01"` next to a date field).
    Date(NaiveDate),
    /// An instant (written `"2026-10-01T00:00:00Z"` next to a timestamp field).
    Timestamp(DateTime<Utc>),
}

/// Prints a number so that it reads back identically (`3`, `0.5`, `-2`).
pub(crate) fn fmt_number(v: f64) -> String {
    if v == v.trunc() && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Null => f.write_str("null"),
            Literal::Bool(b) => write!(f, "{b}"),
            Literal::Number(n) => f.write_str(&fmt_number(*n)),
            Literal::Text(s) => f.write_str(&quote(s)),
            Literal::Date(d) => write!(f, "\"{d}\""),
            Literal::Timestamp(t) => {
                write!(f, "\"{}\"", t.to_rfc3339_opts(SecondsFormat::AutoSi, true))
            }
        }
    }
}

// Canonical printing puts parentheses only where precedence or associativity needs them, so
// the canonical text nests no deeper than any text that parses to the same tree and always
// stays within the depth limit. Precedence: or 1, and 2, not 3, comparisons and other atoms 4;
// + − (and date shifts) 1, × ÷ 2, unary minus 3, atoms 4.

fn open(out: &mut String, need: bool) {
    if need {
        out.push('(');
    }
}

fn close(out: &mut String, need: bool) {
    if need {
        out.push(')');
    }
}

fn arith_prec(op: ArithOp) -> u8 {
    match op {
        ArithOp::Add | ArithOp::Sub => 1,
        ArithOp::Mul | ArithOp::Div => 2,
    }
}

fn operand_prec(o: &Operand) -> u8 {
    match o {
        Operand::Arith(op, ..) => arith_prec(*op),
        Operand::Shift { .. } => 1,
        Operand::Neg(_) => 3,
        Operand::Literal(Literal::Number(n)) if *n < 0.0 => 3,
        _ => 4,
    }
}

fn write_operand(o: &Operand, min: u8, out: &mut String) {
    let need = operand_prec(o) < min;
    open(out, need);
    match o {
        Operand::Field { name, .. } => out.push_str(name),
        Operand::Literal(l) => {
            let _ = write!(out, "{l}");
        }
        Operand::Neg(x) => {
            out.push('-');
            write_operand(x, 3, out);
        }
        Operand::Arith(op, a, b) => {
            let p = arith_prec(*op);
            write_operand(a, p, out);
            let _ = write!(out, " {} ", op.as_str());
            write_operand(b, p + 1, out);
        }
        Operand::Shift { base, amount, unit } => {
            write_operand(base, 1, out);
            let sign = if *amount < 0.0 { '-' } else { '+' };
            let _ = write!(
                out,
                " {sign} {} {}",
                fmt_number(amount.abs()),
                unit.as_str()
            );
        }
        Operand::WorkingDays(a, b) | Operand::Hours(a, b) | Operand::Days(a, b) => {
            let name = match o {
                Operand::WorkingDays(..) => "working_days",
                Operand::Hours(..) => "hours",
                _ => "days",
            };
            let _ = write!(out, "{name}({a}, {b})");
        }
    }
    close(out, need);
}

impl fmt::Display for Operand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        write_operand(self, 0, &mut out);
        f.write_str(&out)
    }
}

/// `x >= lo and x <= hi` is `x between lo and hi`.
fn as_between(f: &Filter) -> Option<(&Operand, &Operand, &Operand)> {
    let Filter::And(a, b) = f else { return None };
    match (&**a, &**b) {
        (
            Filter::Compare {
                op: CmpOp::Ge,
                left: x,
                right: lo,
            },
            Filter::Compare {
                op: CmpOp::Le,
                left: y,
                right: hi,
            },
        ) if x == y => Some((x, lo, hi)),
        _ => None,
    }
}

fn filter_prec(f: &Filter) -> u8 {
    match f {
        _ if as_between(f).is_some() => 4,
        Filter::Not(x) if as_between(x).is_some() => 4,
        Filter::Or(..) => 1,
        Filter::And(..) => 2,
        Filter::Not(_) => 3,
        _ => 4,
    }
}

fn write_filter(f: &Filter, min: u8, out: &mut String) {
    let need = filter_prec(f) < min;
    open(out, need);
    let between = |x: &Operand, lo: &Operand, hi: &Operand, not: &str, out: &mut String| {
        let _ = write!(out, "{x}{not} between {lo} and {hi}");
    };
    match f {
        _ if as_between(f).is_some() => {
            let (x, lo, hi) = as_between(f).expect("checked");
            between(x, lo, hi, "", out);
        }
        Filter::Not(inner) if as_between(inner).is_some() => {
            let (x, lo, hi) = as_between(inner).expect("checked");
            between(x, lo, hi, " not", out);
        }
        Filter::Const(b) => {
            let _ = write!(out, "{b}");
        }
        Filter::Or(a, b) => {
            write_filter(a, 1, out);
            out.push_str(" or ");
            write_filter(b, 2, out);
        }
        Filter::And(a, b) => {
            write_filter(a, 2, out);
            out.push_str(" and ");
            write_filter(b, 3, out);
        }
        Filter::Not(a) => {
            out.push_str("not ");
            write_filter(a, 3, out);
        }
        Filter::Compare { op, left, right } => {
            let _ = write!(out, "{left} {} {right}", op.as_str());
        }
        Filter::In {
            operand,
            list,
            negated,
        } => {
            let items: Vec<String> = list.iter().map(ToString::to_string).collect();
            let not = if *negated { " not" } else { "" };
            let _ = write!(out, "{operand}{not} in ({})", items.join(", "));
        }
        Filter::IsNull { operand, negated } => {
            let _ = write!(
                out,
                "{operand} is {}null",
                if *negated { "not " } else { "" }
            );
        }
        Filter::Truth(o) => {
            let _ = write!(out, "{o}");
        }
    }
    close(out, need);
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        write_filter(self, 0, &mut out);
        f.write_str(&out)
    }
}

fn expr_prec(e: &Expr) -> u8 {
    match e {
        Expr::Arith(op, ..) => arith_prec(*op),
        Expr::Neg(_) => 3,
        Expr::Const(v) if *v < 0.0 => 3,
        _ => 4,
    }
}

fn write_list(xs: &[Expr], measures: &[Measure], out: &mut String) {
    for (i, x) in xs.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_expr_at(x, 0, measures, out);
    }
}

/// Prints an expression canonically, measures by their keys.
pub(crate) fn write_expr(e: &Expr, measures: &[Measure], out: &mut String) {
    write_expr_at(e, 0, measures, out);
}

fn write_expr_at(e: &Expr, min: u8, measures: &[Measure], out: &mut String) {
    let need = expr_prec(e) < min;
    open(out, need);
    match e {
        Expr::Const(v) => out.push_str(&fmt_number(*v)),
        Expr::Measure { index, offset } => {
            let key = measures.get(*index).map_or("?", |m| m.key());
            match offset {
                PeriodOffset::Current => out.push_str(key),
                PeriodOffset::Previous => {
                    let _ = write!(out, "prev({key})");
                }
            }
        }
        Expr::Target(None) => out.push_str("target()"),
        Expr::Target(Some(code)) => {
            let _ = write!(out, "target({})", quote(code));
        }
        Expr::GroupTarget(over, code) => {
            let _ = write!(out, "{}_target({})", over.keyword(), quote(code));
        }
        Expr::MemberResults(over, stat) => {
            let what = match stat {
                MemberStat::Mean => "score",
                MemberStat::PassShare => "pass_share",
            };
            let _ = write!(out, "{}_{what}()", over.keyword());
        }
        Expr::PrevIndicator(code) => {
            let _ = write!(out, "prev({})", quote(code));
        }
        Expr::WorkingDays(PeriodOffset::Current) => out.push_str("working_days()"),
        Expr::WorkingDays(PeriodOffset::Previous) => out.push_str("prev(working_days())"),
        Expr::Neg(x) => {
            out.push('-');
            write_expr_at(x, 3, measures, out);
        }
        Expr::Arith(op, a, b) => {
            let p = arith_prec(*op);
            write_expr_at(a, p, measures, out);
            let _ = write!(out, " {} ", op.as_str());
            write_expr_at(b, p + 1, measures, out);
        }
        Expr::Abs(x) => {
            out.push_str("abs(");
            write_expr_at(x, 0, measures, out);
            out.push(')');
        }
        Expr::Min(xs) | Expr::Max(xs) => {
            out.push_str(if matches!(e, Expr::Min(_)) {
                "min("
            } else {
                "max("
            });
            write_list(xs, measures, out);
            out.push(')');
        }
        Expr::If(c, a, b) => {
            out.push_str("if(");
            write_cond(c, 0, measures, out);
            out.push_str(", ");
            write_expr_at(a, 0, measures, out);
            out.push_str(", ");
            write_expr_at(b, 0, measures, out);
            out.push(')');
        }
    }
    close(out, need);
}

fn cond_prec(c: &Cond) -> u8 {
    match c {
        Cond::Or(..) => 1,
        Cond::And(..) => 2,
        Cond::Not(_) => 3,
        _ => 4,
    }
}

fn write_cond(c: &Cond, min: u8, measures: &[Measure], out: &mut String) {
    let need = cond_prec(c) < min;
    open(out, need);
    match c {
        Cond::Const(b) => {
            let _ = write!(out, "{b}");
        }
        Cond::Compare(op, a, b) => {
            write_expr_at(a, 0, measures, out);
            let _ = write!(out, " {} ", op.as_str());
            write_expr_at(b, 0, measures, out);
        }
        Cond::Or(a, b) => {
            write_cond(a, 1, measures, out);
            out.push_str(" or ");
            write_cond(b, 2, measures, out);
        }
        Cond::And(a, b) => {
            write_cond(a, 2, measures, out);
            out.push_str(" and ");
            write_cond(b, 3, measures, out);
        }
        Cond::Not(a) => {
            out.push_str("not ");
            write_cond(a, 3, measures, out);
        }
        Cond::IsNull { expr, negated } => {
            write_expr_at(expr, 0, measures, out);
            out.push_str(if *negated { " is not null" } else { " is null" });
        }
        Cond::In {
            expr,
            list,
            negated,
        } => {
            write_expr_at(expr, 0, measures, out);
            out.push_str(if *negated { " not in (" } else { " in (" });
            write_list(list, measures, out);
            out.push(')');
        }
    }
    close(out, need);
}
