//! The indicator library and schemes as one validated whole (指标库 + 考核方案), read from and
//! written to TOML.
//!
//! A library file has `[[indicators]]` and `[[schemes]]` tables; several files (the shipped
//! `indicators.toml` and `schemes.toml`) are read as one. Loading reports **every** problem it
//! finds, each with the file, the line of the item it concerns, the item's path and a message
//! in Chinese and English; malformed TOML is reported at its exact line and column.

use crate::formula::{CompiledFormula, Measure, closest};
use crate::indicator::{Anchor, Indicator, IndicatorKind, Unit};
use crate::period::PeriodKind;
use crate::problem::Problem;
use crate::scheme::Scheme;
use crate::scoring::{Direction, ScoringRule};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use toml::Spanned;

/// A validated set of indicators and schemes.
#[derive(Debug, Clone, PartialEq)]
pub struct Library {
    indicators: Vec<Indicator>,
    schemes: Vec<Scheme>,
}

/// One problem found while loading a library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibraryProblem {
    /// The file (as named by the caller).
    pub file: String,
    /// 1-based line of the problem or of the item it concerns.
    pub line: Option<usize>,
    /// 1-based column, when known exactly (malformed TOML).
    pub column: Option<usize>,
    /// Where and what.
    pub problem: Problem,
}

impl fmt::Display for LibraryProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
        }
        if let Some(c) = self.column {
            write!(f, ":{c}")?;
        }
        write!(f, ": {}", self.problem)
    }
}

/// A library that could not be loaded: every problem found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibraryError {
    /// The problems, in file order.
    pub problems: Vec<LibraryProblem>,
}

impl fmt::Display for LibraryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "指标库有 {} 个问题 / the library has {} problem(s):",
            self.problems.len(),
            self.problems.len()
        )?;
        for p in &self.problems {
            writeln!(f, "  {p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for LibraryError {}

// ---- the file form ---------------------------------------------------------------------------

/// An indicator as written in a file: one table for both kinds, told apart by `formula`
/// (computed) or `anchors` (rated).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIndicator {
    code: String,
    name_zh: String,
    name_en: String,
    category: String,
    definition_zh: String,
    definition_en: String,
    source: String,
    period: PeriodKind,
    direction: Direction,
    unit: Unit,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    target: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    formula: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    scoring: Option<ScoringRule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    anchors: Option<Vec<Anchor>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DocIn {
    #[serde(default)]
    indicators: Vec<Spanned<toml::Value>>,
    #[serde(default)]
    schemes: Vec<Spanned<toml::Value>>,
}

#[derive(Serialize)]
struct DocOut<'a> {
    indicators: Vec<RawIndicator>,
    schemes: &'a [Scheme],
}

impl From<&Indicator> for RawIndicator {
    fn from(i: &Indicator) -> Self {
        let (formula, scoring, anchors) = match &i.kind {
            IndicatorKind::Computed { formula, scoring } => (
                Some(formula.source().to_string()),
                Some(scoring.clone()),
                None,
            ),
            IndicatorKind::Rated { anchors } => (None, None, Some(anchors.clone())),
        };
        RawIndicator {
            code: i.code.clone(),
            name_zh: i.name_zh.clone(),
            name_en: i.name_en.clone(),
            category: i.category.clone(),
            definition_zh: i.definition_zh.clone(),
            definition_en: i.definition_en.clone(),
            source: i.source.clone(),
            period: i.period,
            direction: i.direction,
            unit: i.unit,
            target: i.target,
            formula,
            scoring,
            anchors,
        }
    }
}

/// Turns a raw indicator into a checked one, or the problems that prevent it.
fn indicator_from_raw(raw: RawIndicator) -> Result<Indicator, Vec<Problem>> {
    let mut problems = Vec::new();
    let kind = match (raw.formula, raw.scoring, raw.anchors) {
        (Some(src), Some(scoring), None) => match CompiledFormula::parse(&src) {
            Ok(formula) => Some(IndicatorKind::Computed { formula, scoring }),
            Err(e) => {
                problems.push(Problem::new(
                    "formula",
                    format!("公式第 {} 行第 {} 列：{}", e.line, e.column, e.message_zh()),
                    format!(
                        "formula {}:{}: {}\n{}",
                        e.line,
                        e.column,
                        e.message_en(),
                        e.render(&src)
                    ),
                ));
                None
            }
        },
        (Some(_), None, None) => {
            problems.push(Problem::new(
                "scoring",
                "计算指标需要评分规则 scoring",
                "a computed indicator needs a `scoring` rule",
            ));
            None
        }
        (None, None, Some(anchors)) => Some(IndicatorKind::Rated { anchors }),
        (None, Some(_), Some(_)) => {
            problems.push(Problem::new(
                "scoring",
                "评分指标按评分人打分计分，不能有 scoring",
                "a rated indicator is scored by its raters and takes no `scoring`",
            ));
            None
        }
        (None, _, None) => {
            problems.push(Problem::new(
                "",
                "指标需要公式 formula（计算指标）或评分说明 anchors（评分指标）",
                "an indicator needs a `formula` (computed) or `anchors` (rated)",
            ));
            None
        }
        (Some(_), _, Some(_)) => {
            problems.push(Problem::new(
                "",
                "指标不能同时有公式 formula 和评分说明 anchors",
                "an indicator cannot have both a `formula` and `anchors`",
            ));
            None
        }
    };
    let Some(kind) = kind else {
        return Err(problems);
    };
    let indicator = Indicator {
        code: raw.code,
        name_zh: raw.name_zh,
        name_en: raw.name_en,
        category: raw.category,
        definition_zh: raw.definition_zh,
        definition_en: raw.definition_en,
        source: raw.source,
        period: raw.period,
        direction: raw.direction,
        unit: raw.unit,
        target: raw.target,
        kind,
    };
    problems.extend(indicator.problems());
    if problems.is_empty() {
        Ok(indicator)
    } else {
        Err(problems)
    }
}

/// 1-based line and column of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

fn item_code(v: &toml::Value) -> String {
    v.get("code")
        .and_then(toml::Value::as_str)
        .unwrap_or("?")
        .to_string()
}

/// Reads items of one file; problems are collected with the file's positions.
struct Reader<'a> {
    file: &'a str,
    text: &'a str,
    problems: Vec<LibraryProblem>,
    /// Codes of indicators that could not be read: already reported, so schemes naming them
    /// are not told they are unknown as well.
    broken: BTreeSet<String>,
}

impl Reader<'_> {
    fn push(&mut self, offset: Option<usize>, exact: bool, problem: Problem) {
        let pos = offset.map(|o| line_col(self.text, o));
        self.problems.push(LibraryProblem {
            file: self.file.to_string(),
            line: pos.map(|p| p.0),
            column: if exact { pos.map(|p| p.1) } else { None },
            problem,
        });
    }

    fn document(&mut self) -> Option<DocIn> {
        match toml::from_str::<DocIn>(self.text) {
            Ok(doc) => Some(doc),
            Err(e) => {
                let msg = e.message().trim().to_string();
                let offset = e.span().map(|s| s.start);
                self.push(
                    offset,
                    true,
                    Problem::new(
                        "",
                        format!("TOML 格式错误：{msg}"),
                        format!("malformed TOML: {msg}"),
                    ),
                );
                None
            }
        }
    }

    fn indicator(&mut self, item: Spanned<toml::Value>) -> Option<(Indicator, usize)> {
        let start = item.span().start;
        let value = item.into_inner();
        let code = item_code(&value);
        let at = format!("indicators[{code}]");
        self.broken.insert(code);
        match value.try_into::<RawIndicator>() {
            Ok(raw) => match indicator_from_raw(raw) {
                Ok(ind) => {
                    self.broken.remove(&ind.code);
                    Some((ind, start))
                }
                Err(ps) => {
                    for p in ps {
                        self.push(Some(start), false, p.under(&at));
                    }
                    None
                }
            },
            Err(e) => {
                let msg = e.message().trim().to_string();
                self.push(Some(start), false, Problem::new(at, msg.clone(), msg));
                None
            }
        }
    }

    fn scheme(&mut self, item: Spanned<toml::Value>) -> Option<(Scheme, usize)> {
        let start = item.span().start;
        let value = item.into_inner();
        let at = format!("schemes[{}]", item_code(&value));
        match value.try_into::<Scheme>() {
            Ok(s) => Some((s, start)),
            Err(e) => {
                let msg = e.message().trim().to_string();
                self.push(Some(start), false, Problem::new(at, msg.clone(), msg));
                None
            }
        }
    }
}

/// Where an item was read from, to place cross-reference problems.
#[derive(Clone)]
struct Origin {
    file: String,
    line: usize,
}

impl Library {
    /// A library from checked parts, refused with every problem when they do not fit together.
    pub fn new(indicators: Vec<Indicator>, schemes: Vec<Scheme>) -> Result<Library, LibraryError> {
        let lib = Library {
            indicators,
            schemes,
        };
        let problems = lib.problems(&BTreeMap::new(), &BTreeMap::new(), &BTreeSet::new());
        if problems.is_empty() {
            Ok(lib)
        } else {
            Err(LibraryError { problems })
        }
    }

    /// Reads a library from one TOML text (named `library.toml` in problems).
    pub fn from_toml(text: &str) -> Result<Library, LibraryError> {
        Self::from_toml_files(&[("library.toml", text)])
    }

    /// Reads a library from several TOML files taken together (e.g. `indicators.toml` and
    /// `schemes.toml`), reporting every problem in every file.
    pub fn from_toml_files(files: &[(&str, &str)]) -> Result<Library, LibraryError> {
        let mut problems = Vec::new();
        let mut indicators = Vec::new();
        let mut schemes = Vec::new();
        let mut ind_origin = BTreeMap::new();
        let mut scheme_origin = BTreeMap::new();
        let mut broken = BTreeSet::new();
        for (file, text) in files {
            let mut r = Reader {
                file,
                text,
                problems: Vec::new(),
                broken: BTreeSet::new(),
            };
            if let Some(doc) = r.document() {
                for item in doc.indicators {
                    if let Some((ind, start)) = r.indicator(item) {
                        let origin = Origin {
                            file: file.to_string(),
                            line: line_col(text, start).0,
                        };
                        ind_origin.entry(ind.code.clone()).or_insert(origin);
                        indicators.push(ind);
                    }
                }
                for item in doc.schemes {
                    if let Some((s, start)) = r.scheme(item) {
                        let origin = Origin {
                            file: file.to_string(),
                            line: line_col(text, start).0,
                        };
                        scheme_origin.entry(s.code.clone()).or_insert(origin);
                        schemes.push(s);
                    }
                }
            }
            problems.extend(r.problems);
            broken.extend(r.broken);
        }
        let lib = Library {
            indicators,
            schemes,
        };
        problems.extend(lib.problems(&ind_origin, &scheme_origin, &broken));
        if problems.is_empty() {
            Ok(lib)
        } else {
            Err(LibraryError { problems })
        }
    }

    /// Writes the library as one TOML document that [`Library::from_toml`] reads back equal.
    pub fn to_toml(&self) -> String {
        let doc = DocOut {
            indicators: self.indicators.iter().map(RawIndicator::from).collect(),
            schemes: &self.schemes,
        };
        toml::to_string_pretty(&doc)
            .expect("a library always serialises: it holds only TOML-able data")
    }

    /// Every indicator.
    pub fn indicators(&self) -> &[Indicator] {
        &self.indicators
    }

    /// Every scheme.
    pub fn schemes(&self) -> &[Scheme] {
        &self.schemes
    }

    /// An indicator by code.
    pub fn indicator(&self, code: &str) -> Option<&Indicator> {
        self.indicators.iter().find(|i| i.code == code)
    }

    /// The latest version of a scheme by code.
    pub fn scheme(&self, code: &str) -> Option<&Scheme> {
        self.schemes
            .iter()
            .filter(|s| s.code == code)
            .max_by_key(|s| s.version)
    }

    /// The latest version of the scheme that applies to a position.
    pub fn scheme_for_position(&self, position: &str) -> Option<&Scheme> {
        self.schemes
            .iter()
            .filter(|s| s.positions.iter().any(|p| p == position))
            .max_by_key(|s| s.version)
    }

    /// The distinct measures of every computed indicator (by key), so storage can compute all
    /// of them for everyone in one pass.
    pub fn measures(&self) -> Vec<&Measure> {
        let mut seen = BTreeSet::new();
        self.indicators
            .iter()
            .filter_map(Indicator::formula)
            .flat_map(|f| f.measures())
            .filter(|m| seen.insert(m.key()))
            .collect()
    }

    fn problems(
        &self,
        ind_origin: &BTreeMap<String, Origin>,
        scheme_origin: &BTreeMap<String, Origin>,
        broken: &BTreeSet<String>,
    ) -> Vec<LibraryProblem> {
        let at = |origin: Option<&Origin>, problem: Problem| LibraryProblem {
            file: origin.map_or_else(|| "library".to_string(), |o| o.file.clone()),
            line: origin.map(|o| o.line),
            column: None,
            problem,
        };
        let mut out = Vec::new();
        let codes: BTreeSet<&str> = self.indicators.iter().map(|i| i.code.as_str()).collect();
        let mut seen = BTreeSet::new();
        for ind in &self.indicators {
            let origin = ind_origin.get(&ind.code);
            let path = format!("indicators[{}]", ind.code);
            if !seen.insert(ind.code.as_str()) {
                out.push(at(
                    origin,
                    Problem::new(
                        &path,
                        format!("指标代码 `{}` 重复", ind.code),
                        format!("duplicate indicator code `{}`", ind.code),
                    ),
                ));
            }
            for r in ind
                .formula()
                .map(|f| f.indicator_refs())
                .unwrap_or_default()
            {
                if !codes.contains(r.as_str()) && !broken.contains(r) {
                    let hint = closest(r, codes.iter().copied());
                    let (hz, he) = hint.map_or((String::new(), String::new()), |h| {
                        (
                            format!("；是否想用 `{h}`？"),
                            format!("; did you mean `{h}`?"),
                        )
                    });
                    out.push(at(
                        origin,
                        Problem::new(
                            format!("{path}.formula"),
                            format!("公式引用了未知指标 `{r}`{hz}"),
                            format!("the formula names an unknown indicator `{r}`{he}"),
                        ),
                    ));
                }
            }
        }
        let known = |c: &str| codes.contains(c) || broken.contains(c);
        let suggest = |c: &str| closest(c, codes.iter().copied());
        let mut versions = BTreeSet::new();
        let mut position_owner: BTreeMap<&str, &str> = BTreeMap::new();
        for s in &self.schemes {
            let origin = scheme_origin.get(&s.code);
            let path = format!("schemes[{}]", s.code);
            for p in s.problems(&known, &suggest) {
                out.push(at(origin, p.under(&path)));
            }
            if !versions.insert((s.code.as_str(), s.version)) {
                out.push(at(
                    origin,
                    Problem::new(
                        &path,
                        format!("方案 `{}` 第 {} 版重复", s.code, s.version),
                        format!("scheme `{}` version {} appears twice", s.code, s.version),
                    ),
                ));
            }
            let rated: Vec<&str> = s
                .indicator_codes()
                .filter(|c| self.indicator(c).is_some_and(Indicator::is_rated))
                .collect();
            if !rated.is_empty()
                && s.raters
                    .iter()
                    .all(|r| r.weight == crate::scheme::Weight::ZERO)
            {
                out.push(at(
                    origin,
                    Problem::new(
                        format!("{path}.raters"),
                        format!(
                            "方案含评分指标（{}），但没有有权重的评分主体",
                            rated.join("、")
                        ),
                        format!(
                            "the scheme has rated indicators ({}) but no weighted rater group",
                            rated.join(", ")
                        ),
                    ),
                ));
            }
            for pos in &s.positions {
                match position_owner.insert(pos, &s.code) {
                    Some(other) if other != s.code => out.push(at(
                        origin,
                        Problem::new(
                            format!("{path}.positions"),
                            format!("岗位 `{pos}` 同时属于方案 `{other}` 和 `{}`", s.code),
                            format!(
                                "position `{pos}` belongs to both `{other}` and `{}`",
                                s.code
                            ),
                        ),
                    )),
                    _ => {}
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: &str = r#"
[[indicators]]
code = "order_entry_error_rate"
name_zh = "订单录入错误率"
name_en = "Order entry error rate"
category = "order_processing"
definition_zh = "有录入错误的订单占订单总数的百分比"
definition_en = "Orders with entry errors as a percentage of all orders"
source = "sales"
period = "month"
direction = "lower"
unit = "percent"
target = 1
formula = "count(orders where entry_errors > 0) / count(orders) * 100"
scoring = { rule = "linear", floor = 5 }

[[indicators]]
code = "teamwork"
name_zh = "团队协作"
name_en = "Teamwork"
category = "attitude"
definition_zh = "与同事协作配合、信息共享"
definition_en = "Working with colleagues and sharing information"
source = "hr"
period = "month"
direction = "higher"
unit = "points"
anchors = [
  { min = 90, zh = "主动协作", en = "Seeks out collaboration" },
  { min = 0, zh = "很少协作", en = "Rarely collaborates" },
]

[[schemes]]
code = "s"
version = 1
name_zh = "方案"
name_en = "Scheme"
period = "month"
positions = ["clerk"]
raters = [{ group = "superior", weight = 100 }]

[[schemes.groups]]
code = "g"
name_zh = "组"
name_en = "Group"
weight = 100
items = [
  { indicator = "order_entry_error_rate", weight = 60 },
  { indicator = "teamwork", weight = 40 },
]
"#;

    #[test]
    fn a_library_loads_and_round_trips_through_toml() {
        let lib = Library::from_toml(ONE).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(lib.indicators().len(), 2);
        assert!(lib.indicator("teamwork").unwrap().is_rated());
        assert_eq!(lib.scheme_for_position("clerk").unwrap().code, "s");
        assert_eq!(lib.measures().len(), 2);
        let text = lib.to_toml();
        let back = Library::from_toml(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(back, lib);
    }

    #[test]
    fn malformed_toml_is_reported_at_its_line_and_column() {
        let bad = "[[indicators]]\ncode = \"x\"\nname_zh = \"未闭合\n";
        let e = Library::from_toml_files(&[("indicators.toml", bad)]).unwrap_err();
        assert_eq!(e.problems.len(), 1);
        let p = &e.problems[0];
        assert_eq!((p.file.as_str(), p.line), ("indicators.toml", Some(3)));
        assert!(p.column.is_some());
        assert!(p.to_string().starts_with("indicators.toml:3:"), "{p}");
        assert!(p.problem.zh.starts_with("TOML 格式错误"), "{p}");
    }

    #[test]
    fn every_problem_in_every_item_is_reported() {
        let broken = ONE
            .replace("entry_errors > 0", "entry_erors > 0")
            .replace(
                "{ min = 90, zh = \"主动协作\"",
                "{ min = 190, zh = \"主动协作\"",
            )
            .replace("weight = 60", "weight = 65")
            .replace("unit = \"points\"", "unit = \"points\"\ncolour = \"red\"");
        let e = Library::from_toml_files(&[("lib.toml", &broken)]).unwrap_err();
        let text = e.to_string();
        assert!(text.contains("lib.toml:2: indicators[order_entry_error_rate].formula: 公式第 1 行第 20 列：未知字段 `entry_erors`"), "{text}");
        assert!(text.contains("did you mean `entry_errors`?"), "{text}");
        assert!(
            text.contains("indicators[teamwork]: unknown field `colour`"),
            "{text}"
        );
        assert!(
            text.contains("lib.toml:34: schemes[s].groups[g]: 组内指标权重之和为 105%"),
            "{text}"
        );
        // An unreadable indicator is reported once, not again as unknown to the scheme.
        assert!(!text.contains("unknown indicator"), "{text}");
        assert_eq!(e.problems.len(), 3, "{text}");
    }

    #[test]
    fn a_formula_naming_an_unknown_indicator_is_refused() {
        let t = ONE.replace(
            "count(orders) * 100",
            "count(orders) * 100 - prev(order_entry_eror_rate)",
        );
        let e = Library::from_toml(&t).unwrap_err();
        assert!(
            e.to_string().contains(
                "unknown indicator `order_entry_eror_rate`; did you mean `order_entry_error_rate`?"
            ),
            "{e}"
        );
    }

    #[test]
    fn an_indicator_needs_exactly_one_of_formula_and_anchors() {
        let t = ONE.replace("scoring = { rule = \"linear\", floor = 5 }\n", "");
        let e = Library::from_toml(&t).unwrap_err();
        assert!(
            e.to_string()
                .contains("a computed indicator needs a `scoring` rule"),
            "{e}"
        );
    }

    #[test]
    fn rated_indicators_need_a_weighted_rater_group() {
        let t = ONE.replace("raters = [{ group = \"superior\", weight = 100 }]", "");
        let e = Library::from_toml(&t).unwrap_err();
        assert!(
            e.to_string()
                .contains("rated indicators (teamwork) but no weighted rater group"),
            "{e}"
        );
    }
}
