//! Measures as conditional aggregates in SQL, for the roll-up builds.
//!
//! A measure's filter is a tree of fixed operations over catalogue fields (the domain checked
//! it). The subset translated here — comparisons of a field with a field or a constant, `in`,
//! null tests, yes/no fields, `and` / `or` / `not` — maps onto SQL with the same three-valued
//! logic the domain evaluator uses, every constant travelling as a bound parameter and every
//! field name coming from the catalogue, never from the formula text. Filters outside the
//! subset (date arithmetic, working days, text ordering whose collation differs between
//! backends) are not rolled up; evaluation computes them by streaming the records instead.

use crate::sql::Sql;
use crate::val::Val;
use kaohe_domain::catalogue::{FieldType, RecordKind};
use kaohe_domain::formula::{Aggregate, CmpOp, Filter, Literal, Measure, Operand};

/// The SQL expression of a catalogue field of `kind` read from the table aliased `t`: a stored
/// column, or a value derived from related records.
pub(crate) fn field_sql(kind: RecordKind, name: &str, ty: FieldType) -> String {
    let derived = match (kind, name) {
        (RecordKind::Orders, "repeat_customer") => Some(
            "EXISTS (SELECT 1 FROM orders o2 WHERE o2.customer_id = t.customer_id AND o2.day < t.day)"
                .to_string(),
        ),
        (RecordKind::Receivables, "paid_by_due_cents") => Some(
            "CAST(COALESCE((SELECT SUM(p.amount_cents) FROM payments p WHERE p.receivable_id = t.id \
             AND p.received_on <= t.due_on), 0) AS BIGINT)"
                .to_string(),
        ),
        (RecordKind::Receivables, "settled_on") => Some(
            "(SELECT MIN(p.received_on) FROM payments p WHERE p.receivable_id = t.id AND \
             (SELECT SUM(p2.amount_cents) FROM payments p2 WHERE p2.receivable_id = t.id \
             AND p2.received_on <= p.received_on) >= t.amount_cents)"
                .to_string(),
        ),
        _ => None,
    };
    let expr = derived.unwrap_or_else(|| format!("t.{name}"));
    // PostgreSQL keeps INTEGER columns as int4; read every whole number as BIGINT.
    match ty {
        FieldType::Int | FieldType::Money => format!("CAST({expr} AS BIGINT)"),
        _ => expr,
    }
}

/// Fields whose value depends on other records (see [`field_sql`]): a write to those other
/// records changes the measure, so the roll-up refresh follows the dependency.
pub(crate) fn derived_from(kind: RecordKind, name: &str) -> Option<RecordKind> {
    match (kind, name) {
        (RecordKind::Orders, "repeat_customer") => Some(RecordKind::Orders),
        (RecordKind::Receivables, "paid_by_due_cents" | "settled_on") => Some(RecordKind::Payments),
        _ => None,
    }
}

/// Whether the measure can be rolled up: its filter translates, and its aggregate (over the
/// field, if any) is a number SQL computes exactly as the domain does.
pub(crate) fn rollable(m: &Measure) -> bool {
    let field_ok = matches!(
        (m.aggregate, m.field_type),
        (Aggregate::Count, _)
            | (Aggregate::CountDistinct, Some(_))
            | (
                _,
                Some(FieldType::Int | FieldType::Money | FieldType::Float)
            )
    );
    // Buckets are kept per owner; a `handled` measure groups by the handler, so it is read
    // from the records (the clerk's few indicators, one scan per group).
    // Buckets hold a person's own records; a team's sum is made from its members' own values.
    field_ok
        && !m.window.handled
        && m.window.over == kaohe_domain::formula::Over::Own
        && m.filter.as_ref().is_none_or(supported)
}

fn supported(f: &Filter) -> bool {
    match f {
        Filter::Const(_) => true,
        Filter::And(a, b) | Filter::Or(a, b) => supported(a) && supported(b),
        Filter::Not(a) => supported(a),
        Filter::Compare { op, left, right } => {
            simple(left)
                && simple(right)
                && !(ordering(*op) && (is_text_or_bool(left) || is_text_or_bool(right)))
        }
        Filter::In { operand, list, .. } => {
            simple(operand) && list.iter().all(|l| !matches!(l, Literal::Null))
        }
        Filter::IsNull { operand, .. } => simple(operand),
        Filter::Truth(operand) => matches!(
            operand,
            Operand::Field {
                ty: FieldType::Bool,
                ..
            }
        ),
    }
}

fn simple(o: &Operand) -> bool {
    matches!(o, Operand::Field { .. } | Operand::Literal(_))
}

fn ordering(op: CmpOp) -> bool {
    !matches!(op, CmpOp::Eq | CmpOp::Ne)
}

fn is_text_or_bool(o: &Operand) -> bool {
    matches!(
        o,
        Operand::Field {
            ty: FieldType::Text | FieldType::Bool,
            ..
        } | Operand::Literal(Literal::Text(_) | Literal::Bool(_))
    )
}

/// Appends the SQL condition of `f` (which must be [`rollable`]) to `sql`.
pub(crate) fn push_filter(kind: RecordKind, f: &Filter, sql: &mut Sql) {
    match f {
        Filter::Const(b) => {
            sql.push(if *b { "(1 = 1)" } else { "(1 = 0)" });
        }
        Filter::And(a, b) | Filter::Or(a, b) => {
            let op = if matches!(f, Filter::And(..)) {
                " AND "
            } else {
                " OR "
            };
            sql.push("(");
            push_filter(kind, a, sql);
            sql.push(op);
            push_filter(kind, b, sql);
            sql.push(")");
        }
        Filter::Not(a) => {
            sql.push("(NOT ");
            push_filter(kind, a, sql);
            sql.push(")");
        }
        Filter::Compare { op, left, right } => {
            sql.push("(");
            push_operand(kind, left, sql);
            sql.push(match op {
                CmpOp::Eq => " = ",
                CmpOp::Ne => " <> ",
                CmpOp::Lt => " < ",
                CmpOp::Le => " <= ",
                CmpOp::Gt => " > ",
                CmpOp::Ge => " >= ",
            });
            push_operand(kind, right, sql);
            sql.push(")");
        }
        Filter::In {
            operand,
            list,
            negated,
        } => {
            sql.push("(");
            push_operand(kind, operand, sql);
            sql.push(if *negated { " NOT IN " } else { " IN " });
            sql.bind_list(list.iter().map(literal_val));
            sql.push(")");
        }
        Filter::IsNull { operand, negated } => {
            sql.push("(");
            push_operand(kind, operand, sql);
            sql.push(if *negated {
                " IS NOT NULL)"
            } else {
                " IS NULL)"
            });
        }
        Filter::Truth(operand) => {
            sql.push("(");
            push_operand(kind, operand, sql);
            sql.push(" = ").bind(true).push(")");
        }
    }
}

fn push_operand(kind: RecordKind, o: &Operand, sql: &mut Sql) {
    match o {
        Operand::Field { name, ty } => {
            sql.push(&field_sql(kind, name, *ty));
        }
        Operand::Literal(Literal::Null) => {
            sql.push("NULL");
        }
        Operand::Literal(l) => {
            sql.bind(literal_val(l));
        }
        _ => unreachable!("rollable() admits fields and constants only"),
    }
}

fn literal_val(l: &Literal) -> Val {
    match l {
        Literal::Null => Val::Text(None),
        Literal::Bool(b) => (*b).into(),
        Literal::Number(n) => (*n).into(),
        Literal::Text(s) => s.as_str().into(),
        Literal::Date(d) => (*d).into(),
        Literal::Timestamp(t) => (*t).into(),
    }
}

/// Appends the four aggregate columns of `m` — records counted (`n`), `total`, `lo`, `hi` —
/// to a select list. `share` is the SQL of the split-credit share in percent.
///
/// Only the columns the measure's value needs are computed (a sum's minimum and maximum are
/// NULL, and its `n` counts the records passing the filter): a field derived from other
/// records is a subquery, and SQLite evaluates it once per column that names it — four times
/// per receivable, 5 s of a month's build, for a sum that needs one.
pub(crate) fn push_aggregates(m: &Measure, share: &str, sql: &mut Sql) {
    let when = |sql: &mut Sql, extra: Option<&str>| {
        sql.push("CASE WHEN ");
        match &m.filter {
            Some(f) => push_filter(m.kind, f, sql),
            None => {
                sql.push("(1 = 1)");
            }
        }
        if let Some(extra) = extra {
            sql.push(" AND ").push(extra);
        }
        sql.push(" THEN ");
    };
    let Some((name, ty)) = m.field.zip(m.field_type) else {
        sql.push(", CAST(SUM(");
        when(sql, None);
        sql.push("1 ELSE 0 END) AS BIGINT), NULL, NULL, NULL");
        return;
    };
    let x = field_sql(m.kind, name, ty);
    if m.aggregate == Aggregate::CountDistinct {
        sql.push(", CAST(COUNT(DISTINCT ");
        when(sql, None);
        sql.push(&x).push(" END) AS BIGINT), NULL, NULL, NULL");
        return;
    }
    let sum = matches!(m.aggregate, Aggregate::Sum | Aggregate::CreditedSum);
    let not_null = format!("{x} IS NOT NULL");
    sql.push(", CAST(SUM(");
    when(sql, (!sum).then_some(not_null.as_str()));
    sql.push("1 ELSE 0 END) AS BIGINT)");
    let weighted = if m.aggregate == Aggregate::CreditedSum {
        format!("CAST({x} AS DOUBLE PRECISION) * ({share} / CAST(100 AS DOUBLE PRECISION))")
    } else {
        x.clone()
    };
    if matches!(m.aggregate, Aggregate::Min | Aggregate::Max) {
        sql.push(", NULL");
    } else {
        sql.push(", CAST(SUM(");
        when(sql, None);
        sql.push(&weighted).push(" END) AS DOUBLE PRECISION)");
    }
    for (agg, wanted) in [("MIN", Aggregate::Min), ("MAX", Aggregate::Max)] {
        if m.aggregate == wanted {
            sql.push(&format!(", CAST({agg}("));
            when(sql, None);
            sql.push(&x).push(" END) AS DOUBLE PRECISION)");
        } else {
            sql.push(", NULL");
        }
    }
}

/// One bucket: what a measure aggregated over one person's records of one month.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Bucket {
    /// Records counted: those passing the filter for `count` and sums, those with a value for
    /// `avg`, `min` and `max`, distinct values for `count_distinct`.
    pub n: i64,
    /// Sum of the values (credit-weighted for `credited_sum`).
    pub total: Option<f64>,
    /// Smallest value.
    pub lo: Option<f64>,
    /// Largest value.
    pub hi: Option<f64>,
}

impl Bucket {
    /// Adds another month's bucket (for quarters, years and cumulative windows; never for
    /// `count_distinct`, whose months do not add up).
    pub fn merge(&mut self, o: &Bucket) {
        self.n += o.n;
        self.total = add_opt(self.total, o.total, |a, b| a + b);
        self.lo = add_opt(self.lo, o.lo, f64::min);
        self.hi = add_opt(self.hi, o.hi, f64::max);
    }

    /// The measure's value from its bucket.
    pub fn value(&self, aggregate: Aggregate) -> Option<f64> {
        match aggregate {
            Aggregate::Count | Aggregate::CountDistinct => Some(self.n as f64),
            Aggregate::Sum | Aggregate::CreditedSum => Some(self.total.unwrap_or(0.0)),
            Aggregate::Avg => (self.n > 0).then(|| self.total.unwrap_or(0.0) / self.n as f64),
            Aggregate::Min => self.lo,
            Aggregate::Max => self.hi,
        }
    }

    /// Whether the bucket holds anything worth storing.
    pub fn is_empty(&self) -> bool {
        self.n == 0 && self.total.is_none_or(|t| t == 0.0)
    }
}

fn add_opt(a: Option<f64>, b: Option<f64>, f: fn(f64, f64) -> f64) -> Option<f64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(f(x, y)),
        (x, y) => x.or(y),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Formulas are data: a value that looks like SQL reaches the database as a bound
    /// parameter, never as text of the statement.
    #[test]
    fn values_in_formulas_are_bound_never_spliced_into_sql() {
        let payload = "x'; DROP TABLE calls; --";
        let f = kaohe_domain::formula::compile(&format!(
            "count(customers where name = \"{payload}\" or phone = \"1 OR 1=1\")"
        ))
        .unwrap();
        let m = &f.requests()[0].measure;
        let mut sql = Sql::new("SELECT 1");
        push_aggregates(m, "100", &mut sql);
        assert!(!sql.text().contains("DROP"), "{}", sql.text());
        assert!(!sql.text().contains("1=1"), "{}", sql.text());
        let bound: Vec<String> = sql.vals().iter().map(|v| format!("{v:?}")).collect();
        assert!(bound.iter().any(|v| v.contains(payload)), "{bound:?}");
    }
}
