//! The parser: tokens → a syntax tree with spans, before names and types are checked.
//!
//! Grammar (lowest precedence first; keywords are case-insensitive):
//!
//! ```text
//! expr    := or
//! or      := and ("or" and)*
//! and     := not ("and" not)*
//! not     := "not" not | cmp
//! cmp     := add [ cmpop add
//!                | "is" ["not"] "null"
//!                | ["not"] "in" "(" expr ("," expr)* ")"
//!                | ["not"] "between" add "and" add ]
//! add     := mul (("+" | "-") mul)*
//! mul     := unary (("*" | "/") unary)*
//! unary   := "-" unary | "+" unary | primary
//! primary := number [unit] | string | "true" | "false" | "null"
//!          | name | name "(" [args] ")" | aggregate "(" measure ")" | "(" expr ")"
//! measure := kind ["." field] ["handled"] ["team" | "department"] ["dated" field] ["cumulative"] ["where" expr]
//! unit    := "day" | "days" | "hour" | "hours" | "minute" | "minutes"
//! ```
//!
//! Every nesting level (a parenthesis, a call, a unary operator, each binary operator in a
//! chain) counts towards the depth limit, so the syntax tree — and every recursive walk over
//! it — is bounded whatever the input.

use super::error::{ErrorKind, FormulaError, Span};
use super::lexer::{CmpOp, Tok, Token, lex};
use super::{MAX_CHARS, MAX_DEPTH};

/// An aggregate over records of one kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Aggregate {
    /// Number of records.
    Count,
    /// Sum of a numeric field.
    Sum,
    /// Mean of a numeric field.
    Avg,
    /// Smallest value of a numeric field.
    Min,
    /// Largest value of a numeric field.
    Max,
    /// Number of distinct values of a field.
    CountDistinct,
    /// Sum of a numeric field credited by split-credit shares (`order_credits.share_pct`).
    CreditedSum,
}

impl Aggregate {
    /// Formula name.
    pub fn as_str(self) -> &'static str {
        match self {
            Aggregate::Count => "count",
            Aggregate::Sum => "sum",
            Aggregate::Avg => "avg",
            Aggregate::Min => "min",
            Aggregate::Max => "max",
            Aggregate::CountDistinct => "count_distinct",
            Aggregate::CreditedSum => "credited_sum",
        }
    }

    pub(crate) fn parse(name: &str) -> Option<Aggregate> {
        Some(match name {
            "count" => Aggregate::Count,
            "sum" => Aggregate::Sum,
            "avg" => Aggregate::Avg,
            "min" => Aggregate::Min,
            "max" => Aggregate::Max,
            "count_distinct" => Aggregate::CountDistinct,
            "credited_sum" => Aggregate::CreditedSum,
            _ => return None,
        })
    }
}

/// A unit of a duration literal (`2 days`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DurationUnit {
    /// 24 hours (or one calendar day on a date).
    Days,
    /// 60 minutes.
    Hours,
    /// 60 seconds.
    Minutes,
}

impl DurationUnit {
    /// Canonical (plural) text.
    pub fn as_str(self) -> &'static str {
        match self {
            DurationUnit::Days => "days",
            DurationUnit::Hours => "hours",
            DurationUnit::Minutes => "minutes",
        }
    }

    /// Seconds in one unit.
    pub fn seconds(self) -> f64 {
        match self {
            DurationUnit::Days => 86_400.0,
            DurationUnit::Hours => 3_600.0,
            DurationUnit::Minutes => 60.0,
        }
    }

    fn parse(word: &str) -> Option<Self> {
        Some(match word.to_ascii_lowercase().as_str() {
            "day" | "days" => DurationUnit::Days,
            "hour" | "hours" => DurationUnit::Hours,
            "minute" | "minutes" => DurationUnit::Minutes,
            _ => return None,
        })
    }
}

/// A binary operator of the surface syntax.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Cmp(CmpOp),
    And,
    Or,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SExpr {
    pub node: Node,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    Num(f64),
    Str(String),
    Bool(bool),
    Null,
    Name(String),
    Neg(Box<SExpr>),
    Not(Box<SExpr>),
    Bin(BinOp, Box<SExpr>, Box<SExpr>),
    Duration(f64, DurationUnit),
    In {
        expr: Box<SExpr>,
        list: Vec<SExpr>,
        negated: bool,
    },
    Between {
        expr: Box<SExpr>,
        lo: Box<SExpr>,
        hi: Box<SExpr>,
        negated: bool,
    },
    IsNull {
        expr: Box<SExpr>,
        negated: bool,
    },
    Call {
        name: String,
        name_span: Span,
        args: Vec<SExpr>,
    },
    Measure(Box<SMeasure>),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SMeasure {
    pub aggregate: Aggregate,
    pub kind: (String, Span),
    pub field: Option<(String, Span)>,
    /// `handled`: the records a person handled, not the ones they own.
    pub handled: Option<Span>,
    /// `team` / `department`, where it stands.
    pub over: Option<(super::ast::Over, Span)>,
    pub dated: Option<(String, Span)>,
    pub cumulative: bool,
    pub filter: Option<SExpr>,
}

const KEYWORDS: [&str; 15] = [
    "and",
    "or",
    "not",
    "in",
    "between",
    "is",
    "null",
    "true",
    "false",
    "where",
    "dated",
    "cumulative",
    "handled",
    "team",
    "department",
];

fn is_keyword(s: &str) -> bool {
    KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(s))
}

/// Parses a whole formula.
pub(crate) fn parse(src: &str) -> Result<SExpr, FormulaError> {
    let chars = src.chars().count();
    if chars > MAX_CHARS {
        let start = src
            .char_indices()
            .nth(MAX_CHARS)
            .map_or(src.len(), |(i, _)| i);
        let kind = ErrorKind::TooLong {
            chars,
            max: MAX_CHARS,
        };
        return Err(FormulaError::at(kind, Span::new(start, src.len()), src));
    }
    let toks = lex(src)?;
    let mut p = Parser {
        src,
        toks,
        pos: 0,
        depth: 0,
    };
    if p.peek() == &Tok::Eof {
        return Err(p.err(ErrorKind::Empty, Span::new(0, src.len())));
    }
    let e = p.expr()?;
    match p.peek().clone() {
        Tok::Eof => Ok(e),
        Tok::RParen => Err(p.err(ErrorKind::UnmatchedCloseParen, p.span())),
        Tok::Cmp(_) => Err(p.err(ErrorKind::ChainedComparison, p.span())),
        t => Err(p.err(ErrorKind::TrailingInput(t.describe()), p.span())),
    }
}

struct Parser<'a> {
    src: &'a str,
    toks: Vec<Token>,
    pos: usize,
    depth: usize,
}

type R<T> = Result<T, FormulaError>;

impl Parser<'_> {
    fn peek(&self) -> &Tok {
        &self.toks[self.pos].tok
    }

    fn peek_at(&self, n: usize) -> &Tok {
        &self.toks[(self.pos + n).min(self.toks.len() - 1)].tok
    }

    fn span(&self) -> Span {
        self.toks[self.pos].span
    }

    fn prev_span(&self) -> Span {
        self.toks[self.pos.saturating_sub(1)].span
    }

    fn bump(&mut self) -> Token {
        let t = self.toks[self.pos].clone();
        if self.pos + 1 < self.toks.len() {
            self.pos += 1;
        }
        t
    }

    fn err(&self, kind: ErrorKind, span: Span) -> FormulaError {
        FormulaError::at(kind, span, self.src)
    }

    fn unexpected(&self, expected_en: &'static str, expected_zh: &'static str) -> FormulaError {
        let found = self.peek().describe();
        self.err(
            ErrorKind::Unexpected {
                found,
                expected_en,
                expected_zh,
            },
            self.span(),
        )
    }

    fn is_kw(&self, kw: &str) -> bool {
        matches!(self.peek(), Tok::Ident(s) if s.eq_ignore_ascii_case(kw))
    }

    fn eat_kw(&mut self, kw: &str) -> bool {
        let yes = self.is_kw(kw);
        if yes {
            self.bump();
        }
        yes
    }

    /// One level deeper; refused past the limit so recursion stays bounded.
    fn deeper(&mut self, at: Span) -> R<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.err(ErrorKind::TooDeep { max: MAX_DEPTH }, at));
        }
        Ok(())
    }

    fn expect_close(&mut self, open: Span) -> R<Span> {
        match self.peek() {
            Tok::RParen => Ok(self.bump().span),
            Tok::Eof => Err(self.err(ErrorKind::UnclosedParen, open)),
            Tok::Cmp(_) => Err(self.err(ErrorKind::ChainedComparison, self.span())),
            _ => Err(self.unexpected("`)`", "`)`")),
        }
    }

    fn expr(&mut self) -> R<SExpr> {
        self.or()
    }

    /// Parses `next (op next)*` left-associatively, one depth level per operator.
    fn chain(
        &mut self,
        next: fn(&mut Self) -> R<SExpr>,
        op: fn(&Self) -> Option<BinOp>,
    ) -> R<SExpr> {
        let saved = self.depth;
        let mut lhs = next(self)?;
        while let Some(o) = op(self) {
            let at = self.bump().span;
            self.deeper(at)?;
            let rhs = next(self)?;
            let span = lhs.span.to(rhs.span);
            lhs = SExpr {
                node: Node::Bin(o, Box::new(lhs), Box::new(rhs)),
                span,
            };
        }
        self.depth = saved;
        Ok(lhs)
    }

    fn or(&mut self) -> R<SExpr> {
        self.chain(Self::and, |p| p.is_kw("or").then_some(BinOp::Or))
    }

    fn and(&mut self) -> R<SExpr> {
        self.chain(Self::not, |p| p.is_kw("and").then_some(BinOp::And))
    }

    fn not(&mut self) -> R<SExpr> {
        if self.is_kw("not") {
            let start = self.bump().span;
            let saved = self.depth;
            self.deeper(start)?;
            let inner = self.not()?;
            self.depth = saved;
            let span = start.to(inner.span);
            return Ok(SExpr {
                node: Node::Not(Box::new(inner)),
                span,
            });
        }
        self.cmp()
    }

    fn cmp(&mut self) -> R<SExpr> {
        let lhs = self.add()?;
        let saved = self.depth;
        let out = self.cmp_tail(lhs)?;
        self.depth = saved;
        if matches!(out.node, Node::Bin(BinOp::Cmp(_), ..)) && matches!(self.peek(), Tok::Cmp(_)) {
            return Err(self.err(ErrorKind::ChainedComparison, self.span()));
        }
        Ok(out)
    }

    fn cmp_tail(&mut self, lhs: SExpr) -> R<SExpr> {
        if let Tok::Cmp(op) = *self.peek() {
            let at = self.bump().span;
            self.deeper(at)?;
            let rhs = self.add()?;
            let span = lhs.span.to(rhs.span);
            return Ok(SExpr {
                node: Node::Bin(BinOp::Cmp(op), Box::new(lhs), Box::new(rhs)),
                span,
            });
        }
        if self.is_kw("is") {
            let at = self.bump().span;
            self.deeper(at)?;
            let negated = self.eat_kw("not");
            if !self.eat_kw("null") {
                return Err(self.unexpected("`null` after `is`", "`is` 之后的 `null`"));
            }
            let span = lhs.span.to(self.prev_span());
            return Ok(SExpr {
                node: Node::IsNull {
                    expr: Box::new(lhs),
                    negated,
                },
                span,
            });
        }
        let negated = self.is_kw("not")
            && matches!(self.peek_at(1), Tok::Ident(s) if s.eq_ignore_ascii_case("in") || s.eq_ignore_ascii_case("between"));
        if negated {
            self.bump();
        }
        if self.is_kw("in") {
            let at = self.bump().span;
            self.deeper(at)?;
            return self.in_list(lhs, negated);
        }
        if self.is_kw("between") {
            let at = self.bump().span;
            self.deeper(at)?;
            let lo = self.add()?;
            if !self.eat_kw("and") {
                return Err(
                    self.unexpected("`and` in `between … and …`", "`between … and …` 中的 `and`")
                );
            }
            let hi = self.add()?;
            let span = lhs.span.to(hi.span);
            let node = Node::Between {
                expr: Box::new(lhs),
                lo: Box::new(lo),
                hi: Box::new(hi),
                negated,
            };
            return Ok(SExpr { node, span });
        }
        Ok(lhs)
    }

    fn in_list(&mut self, lhs: SExpr, negated: bool) -> R<SExpr> {
        if self.peek() != &Tok::LParen {
            return Err(self.unexpected("`(` after `in`", "`in` 之后的 `(`"));
        }
        let open = self.bump().span;
        let mut list = vec![self.add()?];
        while self.peek() == &Tok::Comma {
            self.bump();
            list.push(self.add()?);
        }
        let close = self.expect_close(open)?;
        let span = lhs.span.to(close);
        Ok(SExpr {
            node: Node::In {
                expr: Box::new(lhs),
                list,
                negated,
            },
            span,
        })
    }

    fn add(&mut self) -> R<SExpr> {
        self.chain(Self::mul, |p| match p.peek() {
            Tok::Plus => Some(BinOp::Add),
            Tok::Minus => Some(BinOp::Sub),
            _ => None,
        })
    }

    fn mul(&mut self) -> R<SExpr> {
        self.chain(Self::unary, |p| match p.peek() {
            Tok::Star => Some(BinOp::Mul),
            Tok::Slash => Some(BinOp::Div),
            _ => None,
        })
    }

    fn unary(&mut self) -> R<SExpr> {
        match self.peek() {
            Tok::Minus | Tok::Plus => {
                let neg = self.peek() == &Tok::Minus;
                let start = self.bump().span;
                let saved = self.depth;
                self.deeper(start)?;
                let inner = self.unary()?;
                self.depth = saved;
                let span = start.to(inner.span);
                if neg {
                    Ok(SExpr {
                        node: Node::Neg(Box::new(inner)),
                        span,
                    })
                } else {
                    Ok(inner)
                }
            }
            _ => self.primary(),
        }
    }

    fn primary(&mut self) -> R<SExpr> {
        let t = self.peek().clone();
        let span = self.span();
        match t {
            Tok::Num(v) => {
                self.bump();
                let unit = match self.peek() {
                    Tok::Ident(w) => DurationUnit::parse(w),
                    _ => None,
                };
                if let Some(unit) = unit {
                    let end = self.bump().span;
                    return Ok(SExpr {
                        node: Node::Duration(v, unit),
                        span: span.to(end),
                    });
                }
                Ok(SExpr {
                    node: Node::Num(v),
                    span,
                })
            }
            Tok::Str(s) => {
                self.bump();
                Ok(SExpr {
                    node: Node::Str(s),
                    span,
                })
            }
            Tok::LParen => {
                self.bump();
                let saved = self.depth;
                self.deeper(span)?;
                let inner = self.expr()?;
                self.depth = saved;
                let close = self.expect_close(span)?;
                Ok(SExpr {
                    node: inner.node,
                    span: span.to(close),
                })
            }
            Tok::Ident(name) => self.name(name, span),
            _ => Err(self.unexpected("a value", "一个值")),
        }
    }

    fn name(&mut self, name: String, span: Span) -> R<SExpr> {
        let lower = name.to_ascii_lowercase();
        let literal = match lower.as_str() {
            "true" => Some(Node::Bool(true)),
            "false" => Some(Node::Bool(false)),
            "null" => Some(Node::Null),
            _ => None,
        };
        if let Some(node) = literal {
            self.bump();
            return Ok(SExpr { node, span });
        }
        if is_keyword(&name) {
            return Err(self.unexpected("a value", "一个值"));
        }
        self.bump();
        if self.peek() != &Tok::LParen {
            return Ok(SExpr {
                node: Node::Name(name),
                span,
            });
        }
        // Function names, like keywords, do not care about case (`COUNT(orders)`).
        let name = lower;
        let open = self.bump().span;
        let saved = self.depth;
        self.deeper(open)?;
        let out = match Aggregate::parse(&name) {
            Some(agg) if self.starts_measure(agg) => self.measure(agg, span, open),
            _ => self.call(name, span, open),
        };
        self.depth = saved;
        out
    }

    /// `min(`/`max(` are aggregates only when a bare kind name follows (`min(orders.x)`),
    /// otherwise the numeric functions `min(a, b)`; the other aggregates always are.
    fn starts_measure(&self, agg: Aggregate) -> bool {
        match agg {
            Aggregate::Min | Aggregate::Max => matches!(
                (self.peek(), self.peek_at(1)),
                (Tok::Ident(s), next) if !is_keyword(s) && *next != Tok::LParen && *next != Tok::Comma
            ),
            _ => true,
        }
    }

    fn call(&mut self, name: String, name_span: Span, open: Span) -> R<SExpr> {
        let mut args = Vec::new();
        if self.peek() != &Tok::RParen {
            args.push(self.expr()?);
            while self.peek() == &Tok::Comma {
                self.bump();
                args.push(self.expr()?);
            }
        }
        let close = self.expect_close(open)?;
        Ok(SExpr {
            node: Node::Call {
                name,
                name_span,
                args,
            },
            span: name_span.to(close),
        })
    }

    fn ident(&mut self, en: &'static str, zh: &'static str) -> R<(String, Span)> {
        match self.peek().clone() {
            Tok::Ident(s) if !is_keyword(&s) => Ok((s, self.bump().span)),
            _ => Err(self.unexpected(en, zh)),
        }
    }

    fn measure(&mut self, aggregate: Aggregate, name_span: Span, open: Span) -> R<SExpr> {
        if self.peek() == &Tok::RParen || self.peek() == &Tok::Eof {
            return Err(
                self.unexpected("a record kind such as `orders`", "记录类型，例如 `orders`")
            );
        }
        let kind = self.ident("a record kind such as `orders`", "记录类型，例如 `orders`")?;
        let field = if self.peek() == &Tok::Dot {
            self.bump();
            Some(self.ident("a field name after `.`", "`.` 之后的字段名")?)
        } else {
            None
        };
        let handled_at = self.span();
        let handled = self.eat_kw("handled").then_some(handled_at);
        let over_at = self.span();
        let over = if self.eat_kw("team") {
            Some((super::ast::Over::Team, over_at))
        } else if self.eat_kw("department") {
            Some((super::ast::Over::Department, over_at))
        } else {
            None
        };
        let dated = if self.eat_kw("dated") {
            Some(self.ident("a date field after `dated`", "`dated` 之后的日期字段")?)
        } else {
            None
        };
        let cumulative = self.eat_kw("cumulative");
        let filter = if self.eat_kw("where") {
            Some(self.expr()?)
        } else {
            None
        };
        if !matches!(self.peek(), Tok::RParen | Tok::Eof) {
            return Err(self.unexpected(
                "`.field`, `handled`, `team`, `department`, `dated`, `cumulative`, `where` or `)`",
                "`.字段`、`handled`、`team`、`department`、`dated`、`cumulative`、`where` 或 `)`",
            ));
        }
        let close = self.expect_close(open)?;
        let m = SMeasure {
            aggregate,
            kind,
            field,
            handled,
            over,
            dated,
            cumulative,
            filter,
        };
        Ok(SExpr {
            node: Node::Measure(Box::new(m)),
            span: name_span.to(close),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(src: &str) -> FormulaError {
        parse(src).unwrap_err()
    }

    #[test]
    fn a_measure_with_field_date_and_filter_parses() {
        let e = parse(
            "sum(contracts.amount_cents dated signed_day cumulative where status = \"signed\")",
        )
        .unwrap();
        let Node::Measure(m) = e.node else {
            panic!("{e:?}")
        };
        assert_eq!(m.aggregate, Aggregate::Sum);
        assert_eq!(m.kind.0, "contracts");
        assert_eq!(m.field.unwrap().0, "amount_cents");
        assert_eq!(m.dated.unwrap().0, "signed_day");
        assert!(m.cumulative);
        assert!(m.filter.is_some());
    }

    #[test]
    fn min_of_two_values_is_a_function_and_min_of_a_kind_a_measure() {
        assert!(matches!(
            parse("min(1, 2)").unwrap().node,
            Node::Call { .. }
        ));
        assert!(matches!(
            parse("min(count(orders), 2)").unwrap().node,
            Node::Call { .. }
        ));
        assert!(matches!(
            parse("min(orders.amount_cents)").unwrap().node,
            Node::Measure(_)
        ));
    }

    #[test]
    fn an_unclosed_parenthesis_points_at_the_opening_one() {
        let e = err("(count(orders) / 2");
        assert_eq!(e.kind, ErrorKind::UnclosedParen);
        assert_eq!((e.line, e.column), (1, 1));
        let e = err("count(orders\n  where valid");
        assert_eq!(e.kind, ErrorKind::UnclosedParen);
        assert_eq!((e.line, e.column), (1, 6));
    }

    #[test]
    fn an_extra_closing_parenthesis_is_reported_where_it_stands() {
        let e = err("count(orders))");
        assert_eq!(e.kind, ErrorKind::UnmatchedCloseParen);
        assert_eq!(e.column, 14);
    }

    #[test]
    fn trailing_input_is_refused() {
        let e = err("count(orders) count(calls)");
        assert!(matches!(e.kind, ErrorKind::TrailingInput(_)), "{e:?}");
        assert_eq!(e.column, 15);
    }

    #[test]
    fn a_chained_comparison_is_refused() {
        assert_eq!(
            err("count(orders where 1 < 2 < 3)").kind,
            ErrorKind::ChainedComparison
        );
        assert_eq!(err("1 < 2 < 3").kind, ErrorKind::ChainedComparison);
    }

    #[test]
    fn a_formula_of_4001_characters_is_refused_and_4000_is_not_for_length() {
        let ok = format!("1{}", " ".repeat(3999));
        assert!(parse(&ok).is_ok());
        let long = format!("1{}", " ".repeat(4000));
        let e = err(&long);
        assert_eq!(
            e.kind,
            ErrorKind::TooLong {
                chars: 4001,
                max: 4000
            }
        );
        assert_eq!(e.column, 4001);
    }

    #[test]
    fn sixty_four_levels_of_parentheses_pass_and_sixty_five_do_not() {
        let nest = |n: usize| format!("{}1{}", "(".repeat(n), ")".repeat(n));
        assert!(parse(&nest(64)).is_ok());
        assert_eq!(err(&nest(65)).kind, ErrorKind::TooDeep { max: 64 });
        // Unary chains and long operator chains count too, so no input can recurse without bound.
        assert_eq!(err(&"-".repeat(2000)).kind, ErrorKind::TooDeep { max: 64 });
        assert_eq!(
            err(&vec!["1"; 1000].join("+")).kind,
            ErrorKind::TooDeep { max: 64 }
        );
    }

    #[test]
    fn an_empty_formula_is_refused() {
        assert_eq!(err("   \n ").kind, ErrorKind::Empty);
    }

    #[test]
    fn durations_follow_a_number() {
        let e = parse("done_at <= due_at + 2 days").unwrap();
        let Node::Bin(BinOp::Cmp(CmpOp::Le), _, rhs) = e.node else {
            panic!()
        };
        let Node::Bin(BinOp::Add, _, d) = rhs.node else {
            panic!()
        };
        assert_eq!(d.node, Node::Duration(2.0, DurationUnit::Days));
    }
}
