//! Name resolution and type checking: syntax tree → checked tree ([`super::ast`]).
//!
//! Two contexts: the **indicator level** (numbers combining measures) and the **record level**
//! inside `where` (one record's fields). Each refuses what belongs to the other, with a message
//! that says so.

use super::ast::{
    ArithOp, Cond, Expr, Filter, Literal, Measure, MemberStat, Operand, Over, PeriodOffset, Window,
};
use super::error::{ErrorKind, FormulaError, NameHint, Span, TypeName, closest};
use super::lexer::CmpOp;
use super::syntax::{Aggregate, BinOp, DurationUnit, Node, SExpr, SMeasure};
use crate::catalogue::{FieldType, KINDS, RecordKind};
use chrono::{DateTime, NaiveDate, Utc};

/// Functions usable at the indicator level, for suggestions.
const FUNCTIONS: [&str; 20] = [
    "count",
    "sum",
    "avg",
    "min",
    "max",
    "count_distinct",
    "credited_sum",
    "target",
    "team_target",
    "department_target",
    "team_score",
    "team_pass_share",
    "department_score",
    "department_pass_share",
    "prev",
    "working_days",
    "if",
    "hours",
    "days",
    "abs",
];

/// The checked parts of a formula.
pub(crate) struct Checked {
    pub expr: Expr,
    pub measures: Vec<Measure>,
    pub requests: Vec<(usize, PeriodOffset)>,
    pub indicator_refs: Vec<String>,
    pub uses_prev: bool,
}

pub(crate) fn check(src: &str, e: &SExpr) -> Result<Checked, FormulaError> {
    let mut c = Checker {
        src,
        measures: Vec::new(),
        requests: Vec::new(),
        refs: Vec::new(),
        in_prev: false,
        uses_prev: false,
    };
    let expr = c.expr(e)?;
    Ok(Checked {
        expr,
        measures: c.measures,
        requests: c.requests,
        indicator_refs: c.refs,
        uses_prev: c.uses_prev,
    })
}

/// The type of a record-level value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum T {
    Num,
    Bool,
    Text,
    Date,
    Timestamp,
    Null,
}

impl T {
    fn of(ty: FieldType) -> T {
        match ty {
            FieldType::Int | FieldType::Float | FieldType::Money => T::Num,
            FieldType::Bool => T::Bool,
            FieldType::Text => T::Text,
            FieldType::Date => T::Date,
            FieldType::Timestamp => T::Timestamp,
        }
    }

    fn name(self) -> TypeName {
        match self {
            T::Num => TypeName::Number,
            T::Bool => TypeName::Bool,
            T::Text => TypeName::Text,
            T::Date => TypeName::Date,
            T::Timestamp => TypeName::Timestamp,
            T::Null => TypeName::Null,
        }
    }
}

struct Checker<'s> {
    src: &'s str,
    measures: Vec<Measure>,
    requests: Vec<(usize, PeriodOffset)>,
    refs: Vec<String>,
    in_prev: bool,
    uses_prev: bool,
}

type R<T> = Result<T, FormulaError>;

fn is_duration(e: &SExpr) -> Option<(f64, DurationUnit)> {
    match &e.node {
        Node::Duration(v, u) => Some((*v, *u)),
        Node::Neg(x) => is_duration(x).map(|(v, u)| (-v, u)),
        _ => None,
    }
}

/// The value of an indicator-level expression without measures, if it has one.
fn constant(e: &Expr) -> Option<f64> {
    match e {
        Expr::Const(v) => Some(*v),
        Expr::Neg(x) => constant(x).map(|v| -v),
        Expr::Arith(op, a, b) => {
            let (a, b) = (constant(a)?, constant(b)?);
            match op {
                ArithOp::Add => Some(a + b),
                ArithOp::Sub => Some(a - b),
                ArithOp::Mul => Some(a * b),
                ArithOp::Div => (b != 0.0).then(|| a / b),
            }
        }
        _ => None,
    }
}

fn operand_constant(o: &Operand) -> Option<f64> {
    match o {
        Operand::Literal(Literal::Number(v)) => Some(*v),
        Operand::Neg(x) => operand_constant(x).map(|v| -v),
        Operand::Arith(op, a, b) => {
            let (a, b) = (operand_constant(a)?, operand_constant(b)?);
            match op {
                ArithOp::Add => Some(a + b),
                ArithOp::Sub => Some(a - b),
                ArithOp::Mul => Some(a * b),
                ArithOp::Div => (b != 0.0).then(|| a / b),
            }
        }
        _ => None,
    }
}

fn arith_op(op: BinOp) -> Option<ArithOp> {
    match op {
        BinOp::Add => Some(ArithOp::Add),
        BinOp::Sub => Some(ArithOp::Sub),
        BinOp::Mul => Some(ArithOp::Mul),
        BinOp::Div => Some(ArithOp::Div),
        _ => None,
    }
}

fn is_condition(n: &Node) -> bool {
    matches!(
        n,
        Node::Bin(BinOp::Cmp(_) | BinOp::And | BinOp::Or, ..)
            | Node::Not(_)
            | Node::In { .. }
            | Node::Between { .. }
            | Node::IsNull { .. }
    )
}

impl Checker<'_> {
    fn err(&self, kind: ErrorKind, span: Span) -> FormulaError {
        FormulaError::at(kind, span, self.src)
    }

    fn expected(&self, expected: TypeName, found: TypeName, span: Span) -> FormulaError {
        self.err(ErrorKind::ExpectedType { expected, found }, span)
    }

    fn offset(&self) -> PeriodOffset {
        if self.in_prev {
            PeriodOffset::Previous
        } else {
            PeriodOffset::Current
        }
    }

    // ---- indicator level -------------------------------------------------------------

    fn expr(&mut self, e: &SExpr) -> R<Expr> {
        match &e.node {
            Node::Num(v) => Ok(Expr::Const(*v)),
            Node::Str(_) => Err(self.expected(TypeName::Number, TypeName::Text, e.span)),
            Node::Bool(_) => Err(self.expected(TypeName::Number, TypeName::Bool, e.span)),
            Node::Null => Err(self.expected(TypeName::Number, TypeName::Null, e.span)),
            Node::Duration(..) => Err(self.expected(TypeName::Number, TypeName::Duration, e.span)),
            Node::Name(name) => Err(self.unknown_name(name, e.span)),
            Node::Neg(x) => Ok(match self.expr(x)? {
                Expr::Const(v) => Expr::Const(-v),
                other => Expr::Neg(Box::new(other)),
            }),
            Node::Bin(op, a, b) => match arith_op(*op) {
                Some(op) => {
                    let (l, r) = (self.expr(a)?, self.expr(b)?);
                    if op == ArithOp::Div && constant(&r) == Some(0.0) {
                        return Err(self.err(ErrorKind::DivisionByZero, b.span));
                    }
                    Ok(Expr::Arith(op, Box::new(l), Box::new(r)))
                }
                None => Err(self.expected(TypeName::Number, TypeName::Bool, e.span)),
            },
            n if is_condition(n) => Err(self.expected(TypeName::Number, TypeName::Bool, e.span)),
            Node::Measure(m) => self.measure_use(m, e.span),
            Node::Call {
                name,
                name_span,
                args,
            } => self.call(name, *name_span, args, e.span),
            _ => Err(self.expected(TypeName::Number, TypeName::Bool, e.span)),
        }
    }

    fn unknown_name(&self, name: &str, span: Span) -> FormulaError {
        let hint = if RecordKind::parse(name).is_some() {
            NameHint::Kind
        } else if let Some(k) = KINDS.iter().find(|k| k.kind.field(name).is_some()) {
            NameHint::Field { kind: k.kind }
        } else {
            NameHint::Nothing
        };
        self.err(
            ErrorKind::UnknownName {
                name: name.to_string(),
                hint,
            },
            span,
        )
    }

    fn arg_count(
        &self,
        name: &str,
        expected: &'static str,
        found: usize,
        span: Span,
    ) -> FormulaError {
        self.err(
            ErrorKind::ArgCount {
                function: name.to_string(),
                expected,
                found,
            },
            span,
        )
    }

    fn code_arg(&self, name: &str, arg: &SExpr) -> R<String> {
        match &arg.node {
            Node::Str(s) | Node::Name(s) if !s.is_empty() => Ok(s.clone()),
            _ => Err(self.err(
                ErrorKind::ExpectedCode {
                    function: name.to_string(),
                },
                arg.span,
            )),
        }
    }

    fn note_ref(&mut self, code: &str) {
        if !self.refs.iter().any(|r| r == code) {
            self.refs.push(code.to_string());
        }
    }

    fn call(&mut self, name: &str, name_span: Span, args: &[SExpr], span: Span) -> R<Expr> {
        match name {
            "target" => {
                if self.in_prev {
                    return Err(self.err(ErrorKind::TargetInPrev, span));
                }
                match args {
                    [] => Ok(Expr::Target(None)),
                    [code] => {
                        let code = self.code_arg(name, code)?;
                        self.note_ref(&code);
                        Ok(Expr::Target(Some(code)))
                    }
                    _ => Err(self.arg_count(name, "0 or 1", args.len(), span)),
                }
            }
            "team_target" | "department_target" => {
                if self.in_prev {
                    return Err(self.err(ErrorKind::TargetInPrev, span));
                }
                let over = if name == "team_target" {
                    Over::Team
                } else {
                    Over::Department
                };
                match args {
                    [code] => Ok(Expr::GroupTarget(over, self.code_arg(name, code)?)),
                    _ => Err(self.arg_count(name, "1", args.len(), span)),
                }
            }
            "team_score" | "team_pass_share" | "department_score" | "department_pass_share" => {
                if self.in_prev {
                    return Err(self.err(ErrorKind::TargetInPrev, span));
                }
                if !args.is_empty() {
                    return Err(self.arg_count(name, "0", args.len(), span));
                }
                let over = if name.starts_with("team") {
                    Over::Team
                } else {
                    Over::Department
                };
                let stat = if name.ends_with("score") {
                    MemberStat::Mean
                } else {
                    MemberStat::PassShare
                };
                Ok(Expr::MemberResults(over, stat))
            }
            "prev" => self.prev(args, span),
            "working_days" => match args.len() {
                0 => Ok(Expr::WorkingDays(self.offset())),
                2 => Err(self.err(ErrorKind::OnlyInFilter { name: name.into() }, span)),
                n => Err(self.arg_count(name, "0", n, span)),
            },
            "hours" | "days" => Err(self.err(ErrorKind::OnlyInFilter { name: name.into() }, span)),
            "min" | "max" => {
                if args.len() < 2 {
                    return Err(self.arg_count(name, "2 or more", args.len(), span));
                }
                let xs = args.iter().map(|a| self.expr(a)).collect::<R<Vec<_>>>()?;
                Ok(if name == "min" {
                    Expr::Min(xs)
                } else {
                    Expr::Max(xs)
                })
            }
            "abs" => match args {
                [x] => Ok(Expr::Abs(Box::new(self.expr(x)?))),
                _ => Err(self.arg_count(name, "1", args.len(), span)),
            },
            "if" => match args {
                [c, a, b] => Ok(Expr::If(
                    Box::new(self.cond(c)?),
                    Box::new(self.expr(a)?),
                    Box::new(self.expr(b)?),
                )),
                _ => Err(self.arg_count(name, "3", args.len(), span)),
            },
            _ => {
                let suggestion = closest(name, FUNCTIONS);
                let kind = ErrorKind::UnknownFunction {
                    name: name.to_string(),
                    suggestion,
                };
                Err(self.err(kind, name_span))
            }
        }
    }

    fn prev(&mut self, args: &[SExpr], span: Span) -> R<Expr> {
        let [arg] = args else {
            return Err(self.arg_count("prev", "1", args.len(), span));
        };
        if self.in_prev {
            return Err(self.err(ErrorKind::NestedPrev, span));
        }
        self.uses_prev = true;
        if let Node::Name(_) | Node::Str(_) = &arg.node {
            let code = self.code_arg("prev", arg)?;
            self.note_ref(&code);
            return Ok(Expr::PrevIndicator(code));
        }
        self.in_prev = true;
        let out = self.expr(arg);
        self.in_prev = false;
        out
    }

    fn cond(&mut self, e: &SExpr) -> R<Cond> {
        match &e.node {
            Node::Bool(b) => Ok(Cond::Const(*b)),
            Node::Bin(BinOp::Cmp(op), a, b) => Ok(Cond::Compare(*op, self.expr(a)?, self.expr(b)?)),
            Node::Bin(BinOp::And, a, b) => {
                Ok(Cond::And(Box::new(self.cond(a)?), Box::new(self.cond(b)?)))
            }
            Node::Bin(BinOp::Or, a, b) => {
                Ok(Cond::Or(Box::new(self.cond(a)?), Box::new(self.cond(b)?)))
            }
            Node::Not(a) => Ok(Cond::Not(Box::new(self.cond(a)?))),
            Node::Between {
                expr,
                lo,
                hi,
                negated,
            } => {
                let x = self.expr(expr)?;
                let both = Cond::And(
                    Box::new(Cond::Compare(CmpOp::Ge, x.clone(), self.expr(lo)?)),
                    Box::new(Cond::Compare(CmpOp::Le, x, self.expr(hi)?)),
                );
                Ok(if *negated {
                    Cond::Not(Box::new(both))
                } else {
                    both
                })
            }
            Node::IsNull { expr, negated } => Ok(Cond::IsNull {
                expr: self.expr(expr)?,
                negated: *negated,
            }),
            Node::In {
                expr,
                list,
                negated,
            } => Ok(Cond::In {
                expr: self.expr(expr)?,
                list: list.iter().map(|x| self.expr(x)).collect::<R<Vec<_>>>()?,
                negated: *negated,
            }),
            _ => {
                // Check it as a number first so a bad name inside gets its own message.
                self.expr(e)?;
                Err(self.expected(TypeName::Bool, TypeName::Number, e.span))
            }
        }
    }

    // ---- measures --------------------------------------------------------------------

    fn measure_use(&mut self, m: &SMeasure, span: Span) -> R<Expr> {
        let measure = self.measure(m, span)?;
        let index = match self.measures.iter().position(|x| x.key == measure.key) {
            Some(i) => i,
            None => {
                self.measures.push(measure);
                self.measures.len() - 1
            }
        };
        let offset = self.offset();
        if !self.requests.contains(&(index, offset)) {
            self.requests.push((index, offset));
        }
        Ok(Expr::Measure { index, offset })
    }

    fn kind(&self, (name, span): &(String, Span)) -> R<RecordKind> {
        RecordKind::parse(name).ok_or_else(|| {
            let suggestion = closest(name, KINDS.iter().map(|k| k.name));
            self.err(
                ErrorKind::UnknownKind {
                    name: name.clone(),
                    suggestion,
                },
                *span,
            )
        })
    }

    fn field(
        &self,
        kind: RecordKind,
        name: &str,
        span: Span,
    ) -> R<&'static crate::catalogue::FieldDef> {
        if name == kind.def().employee_field {
            return Err(self.err(
                ErrorKind::GroupingKey {
                    kind,
                    name: name.to_string(),
                },
                span,
            ));
        }
        kind.field(name).ok_or_else(|| {
            let suggestion = closest(name, kind.fields().iter().map(|f| f.name));
            self.err(
                ErrorKind::UnknownField {
                    kind,
                    name: name.to_string(),
                    suggestion,
                },
                span,
            )
        })
    }

    fn measure(&mut self, m: &SMeasure, span: Span) -> R<Measure> {
        let kind = self.kind(&m.kind)?;
        let agg = m.aggregate;
        let field = match &m.field {
            Some((name, fspan)) => Some((self.field(kind, name, *fspan)?, *fspan)),
            None => None,
        };
        match (agg, field) {
            (Aggregate::Count, Some((_, fspan))) => {
                let kind = ErrorKind::AggregateField {
                    aggregate: agg.as_str(),
                    needs_field: false,
                };
                return Err(self.err(kind, fspan));
            }
            (Aggregate::Count, None) => {}
            (_, None) => {
                let kind = ErrorKind::AggregateField {
                    aggregate: agg.as_str(),
                    needs_field: true,
                };
                return Err(self.err(kind, span));
            }
            (Aggregate::CountDistinct, Some(_)) => {}
            (_, Some((f, fspan))) if !f.ty.is_numeric() => {
                let kind = ErrorKind::NotAggregable {
                    aggregate: agg.as_str(),
                    field: f.name.to_string(),
                    field_type: f.ty.as_str(),
                };
                return Err(self.err(kind, fspan));
            }
            _ => {}
        }
        if agg == Aggregate::CreditedSum && !kind.def().split_credit {
            return Err(self.err(ErrorKind::NoSplitCredit { kind }, m.kind.1));
        }
        if let Some(at) = m.handled
            && kind.def().handler_field.is_none()
        {
            return Err(self.err(ErrorKind::NoHandler { kind }, at));
        }
        if let Some((_, at)) = m.over {
            let adds_up = matches!(
                agg,
                Aggregate::Count | Aggregate::Sum | Aggregate::CreditedSum
            );
            if !adds_up || m.handled.is_some() {
                let kind = ErrorKind::GroupNeedsSum {
                    aggregate: agg.as_str(),
                };
                return Err(self.err(kind, at));
            }
        }
        let window_field = match &m.dated {
            Some((name, dspan)) => {
                let f = self.field(kind, name, *dspan)?;
                if !matches!(f.ty, FieldType::Date | FieldType::Timestamp) {
                    return Err(self.err(
                        ErrorKind::NotADateField {
                            field: name.clone(),
                        },
                        *dspan,
                    ));
                }
                f.name
            }
            None => kind.def().period_field,
        };
        let filter = match &m.filter {
            Some(f) => Some(self.filter(f, kind)?),
            None => None,
        };
        let mut measure = Measure {
            kind,
            aggregate: agg,
            field: field.map(|(f, _)| f.name),
            field_type: field.map(|(f, _)| f.ty),
            window: Window {
                field: window_field,
                cumulative: m.cumulative,
                handled: m.handled.is_some(),
                over: m.over.map_or(Over::Own, |(o, _)| o),
            },
            filter,
            key: "".into(),
        };
        measure.key = measure.canonical().into();
        Ok(measure)
    }

    // ---- record level ----------------------------------------------------------------

    fn filter(&mut self, e: &SExpr, kind: RecordKind) -> R<Filter> {
        match &e.node {
            Node::Bool(b) => Ok(Filter::Const(*b)),
            Node::Bin(BinOp::And, a, b) => Ok(Filter::And(
                Box::new(self.filter(a, kind)?),
                Box::new(self.filter(b, kind)?),
            )),
            Node::Bin(BinOp::Or, a, b) => Ok(Filter::Or(
                Box::new(self.filter(a, kind)?),
                Box::new(self.filter(b, kind)?),
            )),
            Node::Not(a) => Ok(Filter::Not(Box::new(self.filter(a, kind)?))),
            Node::Bin(BinOp::Cmp(op), a, b) => self.compare(*op, a, b, kind),
            Node::Between {
                expr,
                lo,
                hi,
                negated,
            } => {
                let both = Filter::And(
                    Box::new(self.compare(CmpOp::Ge, expr, lo, kind)?),
                    Box::new(self.compare(CmpOp::Le, expr, hi, kind)?),
                );
                Ok(if *negated {
                    Filter::Not(Box::new(both))
                } else {
                    both
                })
            }
            Node::In {
                expr,
                list,
                negated,
            } => self.in_list(expr, list, *negated, kind),
            Node::IsNull { expr, negated } => {
                let (operand, _) = self.operand(expr, kind)?;
                Ok(Filter::IsNull {
                    operand,
                    negated: *negated,
                })
            }
            _ => {
                let (operand, t) = self.operand(e, kind)?;
                if t != T::Bool {
                    return Err(self.expected(TypeName::Bool, t.name(), e.span));
                }
                Ok(Filter::Truth(operand))
            }
        }
    }

    fn compare(&mut self, op: CmpOp, a: &SExpr, b: &SExpr, kind: RecordKind) -> R<Filter> {
        let (mut left, lt) = self.operand(a, kind)?;
        let (mut right, rt) = self.operand(b, kind)?;
        let span = a.span.to(b.span);
        let (lt, rt) = (
            self.coerce(&mut left, lt, rt, a.span)?,
            self.coerce(&mut right, rt, lt, b.span)?,
        );
        self.comparable(op, lt, rt, span)?;
        Ok(Filter::Compare { op, left, right })
    }

    /// A text literal next to a date or timestamp is read as one (`day >= "2026-10-01"`).
    fn coerce(&self, o: &mut Operand, t: T, other: T, span: Span) -> R<T> {
        let Operand::Literal(Literal::Text(s)) = o else {
            return Ok(t);
        };
        let parsed = match other {
            T::Date => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()
                .map(Literal::Date),
            T::Timestamp => DateTime::parse_from_rfc3339(s)
                .ok()
                .map(|d| Literal::Timestamp(d.with_timezone(&Utc))),
            _ => return Ok(t),
        };
        match parsed {
            Some(l) => {
                *o = Operand::Literal(l);
                Ok(other)
            }
            None => Err(self.err(ErrorKind::BadDate(s.clone()), span)),
        }
    }

    fn comparable(&self, op: CmpOp, lt: T, rt: T, span: Span) -> R<()> {
        if lt == T::Null || rt == T::Null {
            return Err(self.err(ErrorKind::CompareWithNull, span));
        }
        if lt != rt {
            let kind = ErrorKind::NotComparable {
                op: op.as_str(),
                left: lt.name(),
                right: rt.name(),
            };
            return Err(self.err(kind, span));
        }
        if op.is_ordering() && matches!(lt, T::Text | T::Bool) {
            return Err(self.err(ErrorKind::Unordered { ty: lt.name() }, span));
        }
        Ok(())
    }

    fn in_list(
        &mut self,
        expr: &SExpr,
        list: &[SExpr],
        negated: bool,
        kind: RecordKind,
    ) -> R<Filter> {
        let (operand, t) = self.operand(expr, kind)?;
        let mut items = Vec::with_capacity(list.len());
        for item in list {
            let (mut o, it) = self.operand(item, kind)?;
            if !matches!(o, Operand::Literal(_)) {
                if let Some(v) = operand_constant(&o) {
                    o = Operand::Literal(Literal::Number(v));
                } else {
                    return Err(self.err(ErrorKind::InNeedsLiterals, item.span));
                }
            }
            let it = self.coerce(&mut o, it, t, item.span)?;
            self.comparable(CmpOp::Eq, t, it, expr.span.to(item.span))?;
            if let Operand::Literal(l) = o {
                items.push(l);
            }
        }
        Ok(Filter::In {
            operand,
            list: items,
            negated,
        })
    }

    fn operand(&mut self, e: &SExpr, kind: RecordKind) -> R<(Operand, T)> {
        match &e.node {
            Node::Num(v) => Ok((Operand::Literal(Literal::Number(*v)), T::Num)),
            Node::Str(s) => Ok((Operand::Literal(Literal::Text(s.clone())), T::Text)),
            Node::Bool(b) => Ok((Operand::Literal(Literal::Bool(*b)), T::Bool)),
            Node::Null => Ok((Operand::Literal(Literal::Null), T::Null)),
            Node::Name(name) => {
                let f = self.field(kind, name, e.span)?;
                Ok((
                    Operand::Field {
                        name: f.name,
                        ty: f.ty,
                    },
                    T::of(f.ty),
                ))
            }
            Node::Neg(x) => {
                let (o, t) = self.operand(x, kind)?;
                if t != T::Num {
                    return Err(self.expected(TypeName::Number, t.name(), x.span));
                }
                Ok(match o {
                    Operand::Literal(Literal::Number(v)) => {
                        (Operand::Literal(Literal::Number(-v)), T::Num)
                    }
                    o => (Operand::Neg(Box::new(o)), T::Num),
                })
            }
            Node::Duration(..) => {
                Err(self.expected(TypeName::Timestamp, TypeName::Duration, e.span))
            }
            Node::Bin(op, a, b) => match arith_op(*op) {
                Some(op) => self.arith(op, a, b, kind, e.span),
                None => Err(self.err(
                    ErrorKind::ExpectedType {
                        expected: TypeName::Number,
                        found: TypeName::Bool,
                    },
                    e.span,
                )),
            },
            Node::Measure(_) => Err(self.err(ErrorKind::AggregateInFilter, e.span)),
            Node::Call {
                name,
                name_span,
                args,
            } => self.filter_call(name, *name_span, args, kind, e.span),
            _ => Err(self.expected(TypeName::Number, TypeName::Bool, e.span)),
        }
    }

    fn arith(
        &mut self,
        op: ArithOp,
        a: &SExpr,
        b: &SExpr,
        kind: RecordKind,
        span: Span,
    ) -> R<(Operand, T)> {
        // A duration moves a date or timestamp: `due_at + 2 days`, `2 days + due_at`, `due_at - 1 hour`.
        let shift = match (op, is_duration(a), is_duration(b)) {
            (ArithOp::Add | ArithOp::Sub, None, Some((v, u))) => {
                Some((a, if op == ArithOp::Sub { -v } else { v }, u))
            }
            (ArithOp::Add, Some((v, u)), None) => Some((b, v, u)),
            _ => None,
        };
        if let Some((base, amount, unit)) = shift {
            let (o, t) = self.operand(base, kind)?;
            let whole_days = unit == DurationUnit::Days && amount == amount.trunc();
            match t {
                T::Timestamp => {}
                T::Date if whole_days => {}
                T::Date => return Err(self.err(ErrorKind::DateShift, span)),
                other => return Err(self.expected(TypeName::Timestamp, other.name(), base.span)),
            }
            return Ok((
                Operand::Shift {
                    base: Box::new(o),
                    amount,
                    unit,
                },
                t,
            ));
        }
        let (l, lt) = self.operand(a, kind)?;
        let (r, rt) = self.operand(b, kind)?;
        for (t, s) in [(lt, a.span), (rt, b.span)] {
            if t != T::Num {
                return Err(self.expected(TypeName::Number, t.name(), s));
            }
        }
        if op == ArithOp::Div && operand_constant(&r) == Some(0.0) {
            return Err(self.err(ErrorKind::DivisionByZero, b.span));
        }
        Ok((Operand::Arith(op, Box::new(l), Box::new(r)), T::Num))
    }

    fn filter_call(
        &mut self,
        name: &str,
        name_span: Span,
        args: &[SExpr],
        kind: RecordKind,
        span: Span,
    ) -> R<(Operand, T)> {
        let allowed: &[T] = match name {
            "working_days" | "days" => &[T::Date, T::Timestamp],
            "hours" => &[T::Timestamp],
            "target" | "prev" | "if" | "min" | "max" | "abs" => {
                return Err(self.err(
                    ErrorKind::NotInFilter {
                        name: name.to_string(),
                    },
                    name_span,
                ));
            }
            _ => {
                let suggestion = closest(name, ["working_days", "hours", "days"]);
                let kind = ErrorKind::UnknownFunction {
                    name: name.to_string(),
                    suggestion,
                };
                return Err(self.err(kind, name_span));
            }
        };
        let [a, b] = args else {
            return Err(self.arg_count(name, "2", args.len(), span));
        };
        let (x, xt) = self.operand(a, kind)?;
        let (y, yt) = self.operand(b, kind)?;
        for (t, s) in [(xt, a.span), (yt, b.span)] {
            if !allowed.contains(&t) {
                let expected = if allowed.contains(&T::Date) {
                    TypeName::Date
                } else {
                    TypeName::Timestamp
                };
                return Err(self.expected(expected, t.name(), s));
            }
        }
        if xt != yt {
            let kind = ErrorKind::NotComparable {
                op: ",",
                left: xt.name(),
                right: yt.name(),
            };
            return Err(self.err(kind, span));
        }
        let (x, y) = (Box::new(x), Box::new(y));
        Ok(match name {
            "working_days" => (Operand::WorkingDays(x, y), T::Num),
            "hours" => (Operand::Hours(x, y), T::Num),
            _ => (Operand::Days(x, y), T::Num),
        })
    }
}
