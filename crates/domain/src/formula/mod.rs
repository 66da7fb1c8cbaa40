//! The formula language of computed indicators (SPEC §4).
//!
//! A formula combines **measures** — aggregates over one person's records in the period — into
//! the indicator's value:
//!
//! ```text
//! count(calls where is_callback and started_at <= callback_due_at)
//!     / count(calls where is_callback) * 100
//! ```
//!
//! - Measures: `count(kind)`, `count(kind where …)`, `sum(kind.field where …)`, `avg`, `min`,
//!   `max`, `count_distinct(kind.field …)`, and `credited_sum(orders.amount_cents …)` (shared
//!   orders credited by `order_credits.share_pct`). After the kind: `dated <field>` picks the
//!   date that places records in the period (default: the kind's, see [`crate::catalogue`]),
//!   `cumulative` takes everything up to the period's end.
//! - Filters (`where`) look at one record: `= != < <= > >=`, `and or not`, `in (…)`,
//!   `between … and …`, `is [not] null`, text / number / `true` / `false` literals, dates as
//!   text next to a date field (`day >= "2026-10-01"`), `due_at + 2 days` (days, hours,
//!   minutes), `working_days(a, b)`, `hours(a, b)`, `days(a, b)`.
//! - The indicator level: `+ - * /`, parentheses, numbers, `min(a, b, …)`, `max(a, b, …)`,
//!   `abs(x)`, `if(condition, a, b)`, `target()`, `target("code")`, `prev(expression)`,
//!   `prev(code)`, `working_days()`.
//!
//! A formula is data: [`compile`] checks it against the catalogue and produces a
//! [`CompiledFormula`], a tree of fixed operations. Storage computes its [`Measure`]s for every
//! person in one pass (each has a canonical [`Measure::key`]); [`Filter::eval`] lets a
//! streaming evaluator apply a filter in Rust; [`CompiledFormula::evaluate`] combines a
//! person's measure values. Anything that is not applicable (a zero denominator, an average
//! of nothing, a missing target) makes the value `None`, never an error or a panic.
//!
//! Limits: at most [`MAX_CHARS`] characters and [`MAX_DEPTH`] levels of nesting.

mod ast;
mod check;
mod error;
mod eval;
mod lexer;
mod syntax;

pub use ast::{
    ArithOp, Cond, Expr, Filter, Literal, Measure, MemberStat, Operand, Over, PeriodOffset, Window,
};
pub use error::{ErrorKind, FormulaError, NameHint, Span, TypeName, closest};
pub use eval::{EvalContext, Evaluation, MeasureValues};
pub use lexer::CmpOp;
pub use syntax::{Aggregate, DurationUnit};

use std::fmt;

/// The longest formula accepted, in characters.
pub const MAX_CHARS: usize = 4_000;
/// The deepest nesting accepted (parentheses, calls, operators).
pub const MAX_DEPTH: usize = 64;

/// A measure needed for a period: what storage must compute for a formula.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeasureRequest<'a> {
    /// The measure.
    pub measure: &'a Measure,
    /// For the current period or the previous one.
    pub offset: PeriodOffset,
}

/// A parsed and type-checked formula.
#[derive(Debug, Clone)]
pub struct CompiledFormula {
    source: String,
    expr: Expr,
    measures: Vec<Measure>,
    requests: Vec<(usize, PeriodOffset)>,
    indicator_refs: Vec<String>,
    uses_prev: bool,
}

/// Another name for [`CompiledFormula`]: a formula that is known to be valid.
pub type Formula = CompiledFormula;

/// Parses and checks a formula.
pub fn compile(source: &str) -> Result<CompiledFormula, FormulaError> {
    CompiledFormula::parse(source)
}

impl CompiledFormula {
    /// Parses and checks a formula against the catalogue.
    pub fn parse(source: &str) -> Result<Self, FormulaError> {
        let tree = syntax::parse(source)?;
        let checked = check::check(source, &tree)?;
        Ok(CompiledFormula {
            source: source.to_string(),
            expr: checked.expr,
            measures: checked.measures,
            requests: checked.requests,
            indicator_refs: checked.indicator_refs,
            uses_prev: checked.uses_prev,
        })
    }

    /// The text as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The checked expression.
    pub fn expr(&self) -> &Expr {
        &self.expr
    }

    /// The distinct measures the formula reads (whatever the period).
    pub fn measures(&self) -> &[Measure] {
        &self.measures
    }

    /// The distinct (measure, period) pairs storage must compute.
    pub fn requests(&self) -> Vec<MeasureRequest<'_>> {
        self.requests
            .iter()
            .map(|&(i, offset)| MeasureRequest {
                measure: &self.measures[i],
                offset,
            })
            .collect()
    }

    /// Whether any value of the previous period is needed.
    pub fn needs_previous_period(&self) -> bool {
        self.uses_prev
    }

    /// Codes of other indicators named in `target("code")` or `prev(code)`.
    pub fn indicator_refs(&self) -> &[String] {
        &self.indicator_refs
    }

    /// Codes of the indicators named in `prev(code)`: their value over the previous period.
    pub fn prev_indicator_refs(&self) -> Vec<String> {
        let mut out = Vec::new();
        self.expr.visit(&mut |e| {
            if let Expr::PrevIndicator(code) = e
                && !out.contains(code)
            {
                out.push(code.clone());
            }
        });
        out
    }

    /// The targets of the people led that the formula reads (`team_target("code")`,
    /// `department_target("code")`).
    pub fn group_target_refs(&self) -> Vec<(Over, String)> {
        let mut out = Vec::new();
        self.expr.visit(&mut |e| {
            if let Expr::GroupTarget(over, code) = e {
                let r = (*over, code.clone());
                if !out.contains(&r) {
                    out.push(r);
                }
            }
        });
        out
    }

    /// Whether the formula reads the results of the people led (`team_score()`, …): such an
    /// indicator is scored after those people's own results.
    pub fn reads_member_results(&self) -> bool {
        !self.member_result_scopes().is_empty()
    }

    /// Whose results the formula reads (`team` for `team_score()`, `department` for
    /// `department_pass_share()`), each once.
    pub fn member_result_scopes(&self) -> Vec<Over> {
        let mut out = Vec::new();
        self.expr.visit(&mut |e| {
            if let Expr::MemberResults(over, _) = e
                && !out.contains(over)
            {
                out.push(*over);
            }
        });
        out
    }

    /// The canonical text: same meaning, same text.
    pub fn canonical(&self) -> String {
        let mut out = String::new();
        ast::write_expr(&self.expr, &self.measures, &mut out);
        out
    }

    /// The requested measures `values` lacks (storage can assert this is empty).
    pub fn missing_measures(&self, values: &MeasureValues) -> Vec<MeasureRequest<'_>> {
        self.requests()
            .into_iter()
            .filter(|r| values.get(r.measure.key(), r.offset).is_none())
            .collect()
    }

    /// The formula's value for one person. A zero denominator, a missing measure or target,
    /// or a non-finite result gives `value: None` (not applicable). When the formula is
    /// `a / b`, `a / b * k` or `k * (a / b)`, `a` and `b` are reported too.
    pub fn evaluate(&self, values: &MeasureValues, ctx: &EvalContext) -> Evaluation {
        let env = eval::Env {
            measures: &self.measures,
            values,
            ctx,
        };
        let (numerator, denominator) = match eval::ratio_parts(&self.expr) {
            Some((a, b)) => (a.eval(&env), b.eval(&env)),
            None => (None, None),
        };
        Evaluation {
            value: self.expr.eval(&env),
            numerator,
            denominator,
        }
    }
}

impl PartialEq for CompiledFormula {
    /// Two formulas are equal when their canonical texts are.
    fn eq(&self, other: &Self) -> bool {
        self.canonical() == other.canonical()
    }
}

impl fmt::Display for CompiledFormula {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

impl std::str::FromStr for CompiledFormula {
    type Err = FormulaError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests;
