//! Turns formula text into tokens.
//!
//! Full-width parentheses, commas and quotes typed with a Chinese input method (`（ ） ， “ ”`)
//! are read as their ASCII forms: HR should not get an error for a character that looks right.

use super::error::{ErrorKind, FormulaError, Span};

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CmpOp {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl CmpOp {
    /// Canonical text.
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "=",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }

    /// Whether the operator orders values (rather than testing equality).
    pub fn is_ordering(self) -> bool {
        !matches!(self, CmpOp::Eq | CmpOp::Ne)
    }

    /// Applies the operator to an ordering.
    pub fn holds(self, ord: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::*;
        match self {
            CmpOp::Eq => ord == Equal,
            CmpOp::Ne => ord != Equal,
            CmpOp::Lt => ord == Less,
            CmpOp::Le => ord != Greater,
            CmpOp::Gt => ord == Greater,
            CmpOp::Ge => ord != Less,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    Ident(String),
    Num(f64),
    Str(String),
    LParen,
    RParen,
    Comma,
    Dot,
    Plus,
    Minus,
    Star,
    Slash,
    Cmp(CmpOp),
    Eof,
}

impl Tok {
    /// How the token is named in "found …" messages.
    pub(crate) fn describe(&self) -> String {
        match self {
            Tok::Ident(s) => format!("`{s}`"),
            Tok::Num(n) => format!("`{n}`"),
            Tok::Str(s) => format!("\"{s}\""),
            Tok::LParen => "`(`".into(),
            Tok::RParen => "`)`".into(),
            Tok::Comma => "`,`".into(),
            Tok::Dot => "`.`".into(),
            Tok::Plus => "`+`".into(),
            Tok::Minus => "`-`".into(),
            Tok::Star => "`*`".into(),
            Tok::Slash => "`/`".into(),
            Tok::Cmp(op) => format!("`{}`", op.as_str()),
            Tok::Eof => "the end of the formula / 公式结尾".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub tok: Tok,
    pub span: Span,
}

pub(crate) fn lex(src: &str) -> Result<Vec<Token>, FormulaError> {
    let mut out = Vec::new();
    let mut chars = src.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let single = |tok| Some(tok);
        let simple = match c {
            '(' | '（' => single(Tok::LParen),
            ')' | '）' => single(Tok::RParen),
            ',' | '，' => single(Tok::Comma),
            '.' => single(Tok::Dot),
            '+' => single(Tok::Plus),
            '-' => single(Tok::Minus),
            '*' | '×' => single(Tok::Star),
            '/' | '÷' => single(Tok::Slash),
            '≤' => single(Tok::Cmp(CmpOp::Le)),
            '≥' => single(Tok::Cmp(CmpOp::Ge)),
            '≠' => single(Tok::Cmp(CmpOp::Ne)),
            _ => None,
        };
        if let Some(tok) = simple {
            chars.next();
            out.push(Token {
                tok,
                span: Span::new(start, start + c.len_utf8()),
            });
            continue;
        }
        let token = match c {
            '=' | '!' | '<' | '>' => lex_cmp(src, &mut chars)?,
            '"' | '\'' | '“' | '‘' => lex_string(src, &mut chars)?,
            '0'..='9' => lex_number(src, &mut chars)?,
            c if c.is_ascii_alphabetic() || c == '_' => lex_ident(src, &mut chars),
            other => {
                let span = Span::new(start, start + other.len_utf8());
                return Err(FormulaError::at(
                    ErrorKind::UnexpectedChar(other),
                    span,
                    src,
                ));
            }
        };
        out.push(token);
    }
    out.push(Token {
        tok: Tok::Eof,
        span: Span::new(src.len(), src.len()),
    });
    Ok(out)
}

type Chars<'a> = std::iter::Peekable<std::str::CharIndices<'a>>;

fn lex_cmp(src: &str, chars: &mut Chars) -> Result<Token, FormulaError> {
    let (start, c) = chars.next().expect("peeked");
    let next = chars.peek().map(|&(_, n)| n);
    let (op, two) = match (c, next) {
        ('=', Some('=')) => (CmpOp::Eq, true),
        ('=', _) => (CmpOp::Eq, false),
        ('!', Some('=')) => (CmpOp::Ne, true),
        ('<', Some('>')) => (CmpOp::Ne, true),
        ('<', Some('=')) => (CmpOp::Le, true),
        ('<', _) => (CmpOp::Lt, false),
        ('>', Some('=')) => (CmpOp::Ge, true),
        ('>', _) => (CmpOp::Gt, false),
        _ => {
            let span = Span::new(start, start + 1);
            return Err(FormulaError::at(ErrorKind::UnexpectedChar(c), span, src));
        }
    };
    if two {
        chars.next();
    }
    Ok(Token {
        tok: Tok::Cmp(op),
        span: Span::new(start, start + 1 + usize::from(two)),
    })
}

fn lex_string(src: &str, chars: &mut Chars) -> Result<Token, FormulaError> {
    let (start, open) = chars.next().expect("peeked");
    let close = match open {
        '“' => '”',
        '‘' => '’',
        c => c,
    };
    let mut text = String::new();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some((_, e)) => text.push(e),
                None => break,
            },
            c if c == close => {
                return Ok(Token {
                    tok: Tok::Str(text),
                    span: Span::new(start, i + c.len_utf8()),
                });
            }
            c => text.push(c),
        }
    }
    Err(FormulaError::at(
        ErrorKind::UnterminatedString,
        Span::new(start, src.len()),
        src,
    ))
}

fn lex_number(src: &str, chars: &mut Chars) -> Result<Token, FormulaError> {
    let start = chars.peek().expect("peeked").0;
    let mut end = start;
    let mut seen_dot = false;
    while let Some(&(i, c)) = chars.peek() {
        let take = c.is_ascii_digit()
            || c == '_'
            // A dot is part of the number only when a digit follows (`2.5`), so `x.5` stays odd
            // and `2.days` is not a thing anyone writes.
            || (c == '.' && !seen_dot && src[i + 1..].starts_with(|d: char| d.is_ascii_digit()));
        if !take {
            break;
        }
        seen_dot |= c == '.';
        end = i + c.len_utf8();
        chars.next();
    }
    let text = &src[start..end];
    let cleaned: String = text.chars().filter(|c| *c != '_').collect();
    let span = Span::new(start, end);
    match cleaned.parse::<f64>() {
        Ok(v) if v.is_finite() && !text.ends_with('_') => Ok(Token {
            tok: Tok::Num(v),
            span,
        }),
        _ => Err(FormulaError::at(
            ErrorKind::BadNumber(text.to_string()),
            span,
            src,
        )),
    }
}

fn lex_ident(src: &str, chars: &mut Chars) -> Token {
    let start = chars.peek().expect("peeked").0;
    let mut end = start;
    while let Some(&(i, c)) = chars.peek() {
        if !(c.is_ascii_alphanumeric() || c == '_') {
            break;
        }
        end = i + c.len_utf8();
        chars.next();
    }
    Token {
        tok: Tok::Ident(src[start..end].to_string()),
        span: Span::new(start, end),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<Tok> {
        lex(s).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn operators_and_full_width_punctuation_lex_as_ascii() {
        assert_eq!(
            toks("count（orders）<= 1_000.5，“a”"),
            vec![
                Tok::Ident("count".into()),
                Tok::LParen,
                Tok::Ident("orders".into()),
                Tok::RParen,
                Tok::Cmp(CmpOp::Le),
                Tok::Num(1000.5),
                Tok::Comma,
                Tok::Str("a".into()),
                Tok::Eof
            ]
        );
        assert_eq!(toks("a<>b")[1], Tok::Cmp(CmpOp::Ne));
    }

    #[test]
    fn an_unterminated_string_points_at_its_opening_quote() {
        let e = lex("x = \"abc").unwrap_err();
        assert_eq!(e.kind, ErrorKind::UnterminatedString);
        assert_eq!((e.line, e.column), (1, 5));
    }

    #[test]
    fn a_lone_bang_is_an_unexpected_character() {
        assert_eq!(
            lex("a ! b").unwrap_err().kind,
            ErrorKind::UnexpectedChar('!')
        );
        assert_eq!(
            lex("a # b").unwrap_err().kind,
            ErrorKind::UnexpectedChar('#')
        );
    }
}
