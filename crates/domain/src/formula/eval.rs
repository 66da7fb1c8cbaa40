//! Evaluation: filters on one record at a time, expressions on a person's measure values.

use super::ast::{ArithOp, Cond, Expr, Filter, Literal, MemberStat, Operand, Over, PeriodOffset};
use crate::calendar::Calendar;
use crate::catalogue::{FieldAccess, Value};
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::sync::Arc;

impl Filter {
    /// Whether the record counts: the filter is true for it. A filter that is unknown for the
    /// record (it compares a missing value) does not count it, as in SQL.
    pub fn eval(&self, row: &dyn FieldAccess, cal: &Calendar) -> bool {
        self.eval3(row, cal) == Some(true)
    }

    /// Three-valued evaluation: `None` is SQL's unknown.
    pub fn eval3(&self, row: &dyn FieldAccess, cal: &Calendar) -> Option<bool> {
        match self {
            Filter::Const(b) => Some(*b),
            Filter::And(a, b) => match (a.eval3(row, cal), b.eval3(row, cal)) {
                (Some(false), _) | (_, Some(false)) => Some(false),
                (Some(true), Some(true)) => Some(true),
                _ => None,
            },
            Filter::Or(a, b) => match (a.eval3(row, cal), b.eval3(row, cal)) {
                (Some(true), _) | (_, Some(true)) => Some(true),
                (Some(false), Some(false)) => Some(false),
                _ => None,
            },
            Filter::Not(a) => a.eval3(row, cal).map(|b| !b),
            Filter::Compare { op, left, right } => {
                compare(&left.eval(row, cal), &right.eval(row, cal)).map(|o| op.holds(o))
            }
            Filter::In {
                operand,
                list,
                negated,
            } => {
                let v = operand.eval(row, cal);
                if v == Value::Null {
                    return None;
                }
                let found = list
                    .iter()
                    .any(|l| compare(&v, &l.value()) == Some(Ordering::Equal));
                Some(found != *negated)
            }
            Filter::IsNull { operand, negated } => {
                Some((operand.eval(row, cal) == Value::Null) != *negated)
            }
            Filter::Truth(o) => match o.eval(row, cal) {
                Value::Bool(b) => Some(b),
                _ => None,
            },
        }
    }
}

impl Literal {
    /// The literal as a record value.
    pub fn value(&self) -> Value {
        match self {
            Literal::Null => Value::Null,
            Literal::Bool(b) => Value::Bool(*b),
            Literal::Number(n) => Value::Float(*n),
            Literal::Text(s) => Value::Text(s.clone()),
            Literal::Date(d) => Value::Date(*d),
            Literal::Timestamp(t) => Value::Timestamp(*t),
        }
    }
}

fn num(v: &Value) -> Option<f64> {
    match v {
        Value::Int(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        _ => None,
    }
}

/// Orders two values of the same type; `None` when either is missing or they do not compare.
fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Some(x.cmp(y)),
        (Value::Text(x), Value::Text(y)) => Some(x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        (Value::Date(x), Value::Date(y)) => Some(x.cmp(y)),
        (Value::Timestamp(x), Value::Timestamp(y)) => Some(x.cmp(y)),
        _ => num(a)?.partial_cmp(&num(b)?),
    }
}

impl Operand {
    /// The operand's value for one record ([`Value::Null`] when missing or out of range).
    pub fn eval(&self, row: &dyn FieldAccess, cal: &Calendar) -> Value {
        match self {
            Operand::Field { name, .. } => row.field(name),
            Operand::Literal(l) => l.value(),
            Operand::Neg(x) => match x.eval(row, cal) {
                Value::Int(i) => i.checked_neg().map_or(Value::Null, Value::Int),
                Value::Float(f) => Value::Float(-f),
                _ => Value::Null,
            },
            Operand::Arith(op, a, b) => {
                let (Some(x), Some(y)) = (num(&a.eval(row, cal)), num(&b.eval(row, cal))) else {
                    return Value::Null;
                };
                finite(arith(*op, x, y))
            }
            Operand::Shift { base, amount, unit } => {
                shift(base.eval(row, cal), *amount * unit.seconds())
            }
            Operand::WorkingDays(a, b) => match (a.eval(row, cal), b.eval(row, cal)) {
                (Value::Date(x), Value::Date(y)) => Value::Int(cal.working_days_elapsed(x, y)),
                (Value::Timestamp(x), Value::Timestamp(y)) => {
                    Value::Int(cal.working_days_elapsed(cal.local_date(x), cal.local_date(y)))
                }
                _ => Value::Null,
            },
            Operand::Hours(a, b) => match (a.eval(row, cal), b.eval(row, cal)) {
                (Value::Timestamp(x), Value::Timestamp(y)) => {
                    Value::Float((y - x).num_seconds() as f64 / 3600.0)
                }
                _ => Value::Null,
            },
            Operand::Days(a, b) => match (a.eval(row, cal), b.eval(row, cal)) {
                (Value::Date(x), Value::Date(y)) => Value::Int((y - x).num_days()),
                (Value::Timestamp(x), Value::Timestamp(y)) => {
                    Value::Float((y - x).num_seconds() as f64 / 86_400.0)
                }
                _ => Value::Null,
            },
        }
    }
}

fn arith(op: ArithOp, x: f64, y: f64) -> Option<f64> {
    match op {
        ArithOp::Add => Some(x + y),
        ArithOp::Sub => Some(x - y),
        ArithOp::Mul => Some(x * y),
        ArithOp::Div if y == 0.0 => None,
        ArithOp::Div => Some(x / y),
    }
}

fn finite(v: Option<f64>) -> Value {
    v.filter(|v| v.is_finite())
        .map_or(Value::Null, Value::Float)
}

/// Moves a date by whole days or an instant by seconds; out of range → Null.
fn shift(base: Value, seconds: f64) -> Value {
    match base {
        Value::Timestamp(t) => {
            chrono::Duration::try_milliseconds((seconds * 1000.0).round() as i64)
                .and_then(|d| t.checked_add_signed(d))
                .map_or(Value::Null, Value::Timestamp)
        }
        Value::Date(d) => chrono::Duration::try_days((seconds / 86_400.0).round() as i64)
            .and_then(|delta| d.checked_add_signed(delta))
            .map_or(Value::Null, Value::Date),
        _ => Value::Null,
    }
}

/// A person's measure values for one evaluation, keyed by [`super::Measure::key`] and period.
///
/// A measure over no records should be given its [`super::Measure::empty_value`]: 0 for
/// counts and sums, none for averages, minima and maxima.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MeasureValues {
    /// By key (shared with the measure, so that setting a value copies no text): the value
    /// in the current and in the previous period, each `None` when not given.
    values: BTreeMap<Arc<str>, [Option<Option<f64>>; 2]>,
}

/// Where a period's value sits in a [`MeasureValues`] slot.
fn slot(offset: PeriodOffset) -> usize {
    match offset {
        PeriodOffset::Current => 0,
        PeriodOffset::Previous => 1,
    }
}

impl MeasureValues {
    /// No values yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a measure's value in the current period.
    pub fn set(&mut self, key: impl Into<Arc<str>>, value: Option<f64>) -> &mut Self {
        self.put(key.into(), PeriodOffset::Current, value)
    }

    /// Sets a measure's value in the previous period (for `prev(…)`).
    pub fn set_previous(&mut self, key: impl Into<Arc<str>>, value: Option<f64>) -> &mut Self {
        self.put(key.into(), PeriodOffset::Previous, value)
    }

    fn put(&mut self, key: Arc<str>, offset: PeriodOffset, value: Option<f64>) -> &mut Self {
        self.values.entry(key).or_default()[slot(offset)] = Some(value);
        self
    }

    /// The previous period's values as if they were the current ones: evaluating an
    /// indicator's formula over them gives its value last period (for `prev(indicator)`).
    pub fn shifted_back(&self) -> MeasureValues {
        MeasureValues {
            values: self
                .values
                .iter()
                .filter_map(|(k, [_, previous])| previous.map(|v| (k.clone(), [Some(v), None])))
                .collect(),
        }
    }

    /// A measure's value: `None` when not given, `Some(None)` when given as not applicable.
    pub fn get(&self, key: &str, offset: PeriodOffset) -> Option<Option<f64>> {
        self.values.get(key).and_then(|s| s[slot(offset)])
    }
}

/// Everything besides measures that an indicator formula may read for one person.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EvalContext {
    /// The person's target for the indicator being evaluated (`target()`).
    pub target: Option<f64>,
    /// The person's targets for other indicators by code (`target("code")`).
    pub targets: BTreeMap<String, f64>,
    /// The sums of the targets of the people the person leads (`team_target("code")`,
    /// `department_target("code")`).
    pub group_targets: BTreeMap<(Over, String), f64>,
    /// The results of the people the person leads (`team_score()`, `team_pass_share()`, …).
    pub member_results: BTreeMap<(Over, MemberStat), f64>,
    /// Other indicators' values in the previous period by code (`prev(code)`).
    pub prev_indicators: BTreeMap<String, f64>,
    /// Working days in the period (`working_days()`).
    pub working_days: Option<f64>,
    /// Working days in the previous period (`prev(working_days())`).
    pub prev_working_days: Option<f64>,
}

/// An indicator's value with the parts of a ratio, for explanation.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Evaluation {
    /// The value; `None` means not applicable (a zero denominator, a missing input).
    pub value: Option<f64>,
    /// The numerator when the formula is `a / b` or `a / b * k`.
    pub numerator: Option<f64>,
    /// The denominator when the formula is `a / b` or `a / b * k`.
    pub denominator: Option<f64>,
}

pub(crate) struct Env<'a> {
    pub measures: &'a [super::ast::Measure],
    pub values: &'a MeasureValues,
    pub ctx: &'a EvalContext,
}

impl Expr {
    pub(crate) fn eval(&self, env: &Env) -> Option<f64> {
        let v = match self {
            Expr::Const(v) => Some(*v),
            Expr::Measure { index, offset } => {
                let key = env.measures.get(*index)?.key();
                env.values.get(key, *offset).flatten()
            }
            Expr::Target(None) => env.ctx.target,
            Expr::Target(Some(code)) => env.ctx.targets.get(code).copied(),
            Expr::MemberResults(over, stat) => env.ctx.member_results.get(&(*over, *stat)).copied(),
            Expr::GroupTarget(over, code) => {
                env.ctx.group_targets.get(&(*over, code.clone())).copied()
            }
            Expr::PrevIndicator(code) => env.ctx.prev_indicators.get(code).copied(),
            Expr::WorkingDays(PeriodOffset::Current) => env.ctx.working_days,
            Expr::WorkingDays(PeriodOffset::Previous) => env.ctx.prev_working_days,
            Expr::Neg(x) => x.eval(env).map(|v| -v),
            Expr::Arith(op, a, b) => arith(*op, a.eval(env)?, b.eval(env)?),
            Expr::Abs(x) => x.eval(env).map(f64::abs),
            Expr::Min(xs) => fold(xs, env, f64::min),
            Expr::Max(xs) => fold(xs, env, f64::max),
            Expr::If(c, a, b) => {
                if c.eval(env)? {
                    a.eval(env)
                } else {
                    b.eval(env)
                }
            }
        };
        v.filter(|v| v.is_finite())
    }
}

fn fold(xs: &[Expr], env: &Env, f: fn(f64, f64) -> f64) -> Option<f64> {
    let mut acc: Option<f64> = None;
    for x in xs {
        let v = x.eval(env)?;
        acc = Some(acc.map_or(v, |a| f(a, v)));
    }
    acc
}

impl Cond {
    fn eval(&self, env: &Env) -> Option<bool> {
        match self {
            Cond::Const(b) => Some(*b),
            Cond::Compare(op, a, b) => a.eval(env)?.partial_cmp(&b.eval(env)?).map(|o| op.holds(o)),
            Cond::And(a, b) => Some(a.eval(env)? && b.eval(env)?),
            Cond::Or(a, b) => Some(a.eval(env)? || b.eval(env)?),
            Cond::Not(a) => a.eval(env).map(|b| !b),
            Cond::IsNull { expr, negated } => Some(expr.eval(env).is_none() != *negated),
            Cond::In {
                expr,
                list,
                negated,
            } => {
                let x = expr.eval(env)?;
                let mut found = false;
                for item in list {
                    found |= item.eval(env)? == x;
                }
                Some(found != *negated)
            }
        }
    }
}

/// The ratio parts of a top-level `a / b`, `a / b * k` or `k * (a / b)`.
pub(crate) fn ratio_parts(e: &Expr) -> Option<(&Expr, &Expr)> {
    match e {
        Expr::Arith(ArithOp::Div, a, b) => Some((a, b)),
        Expr::Arith(ArithOp::Mul, x, k) | Expr::Arith(ArithOp::Mul, k, x)
            if matches!(**k, Expr::Const(_)) =>
        {
            match &**x {
                Expr::Arith(ArithOp::Div, a, b) => Some((a, b)),
                _ => None,
            }
        }
        _ => None,
    }
}
