//! Indicators (指标, SPEC §4): what is measured, how it is scored. **Computed** indicators have
//! a formula and a scoring rule; **rated** ones are scored by people on 0–100 with written
//! anchors per band (评分标准).

use crate::composition::{IndicatorOutcome, RaterCombination};
use crate::formula::{CompiledFormula, Evaluation};
use crate::period::PeriodKind;
use crate::problem::Problem;
use crate::scoring::{Direction, ScoringRule};
use serde::{Deserialize, Serialize};

/// What an indicator's value is counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// A percentage (the value 95 means 95 %).
    Percent,
    /// A number of things.
    Count,
    /// Money in cents (分), shown as yuan.
    Amount,
    /// A number per working day.
    PerDay,
    /// Days.
    Days,
    /// Points on a 0–100 scale (rated indicators).
    Points,
}

impl Unit {
    /// Stable text form.
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Percent => "percent",
            Unit::Count => "count",
            Unit::Amount => "amount",
            Unit::PerDay => "per_day",
            Unit::Days => "days",
            Unit::Points => "points",
        }
    }
}

/// A written anchor for a band of a rated indicator: what a score from `min` up means.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Anchor {
    /// Lower bound of the band (the band runs to the next anchor's bound).
    pub min: f64,
    /// What it means, in Chinese.
    pub zh: String,
    /// What it means, in English.
    pub en: String,
}

/// How an indicator gets its score.
#[derive(Debug, Clone, PartialEq)]
pub enum IndicatorKind {
    /// From records, through a formula and a scoring rule.
    Computed {
        /// The checked formula.
        formula: CompiledFormula,
        /// The scoring rule.
        scoring: ScoringRule,
    },
    /// By raters, on 0–100, guided by anchors (best band first).
    Rated {
        /// The anchors.
        anchors: Vec<Anchor>,
    },
}

/// An indicator of the library.
#[derive(Debug, Clone, PartialEq)]
pub struct Indicator {
    /// Stable code (`order_entry_error_rate`).
    pub code: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Category code (`order_processing`).
    pub category: String,
    /// Definition in Chinese.
    pub definition_zh: String,
    /// Definition in English.
    pub definition_en: String,
    /// Data source: the department whose records it reads (数据来源).
    pub source: String,
    /// The period it is naturally measured over.
    pub period: PeriodKind,
    /// Whether higher or lower is better.
    pub direction: Direction,
    /// The unit of the value.
    pub unit: Unit,
    /// Default target; a person's own target (考核目标) overrides it.
    pub target: Option<f64>,
    /// Computed or rated.
    pub kind: IndicatorKind,
}

impl Indicator {
    /// The formula of a computed indicator.
    pub fn formula(&self) -> Option<&CompiledFormula> {
        match &self.kind {
            IndicatorKind::Computed { formula, .. } => Some(formula),
            IndicatorKind::Rated { .. } => None,
        }
    }

    /// The scoring rule of a computed indicator.
    pub fn scoring(&self) -> Option<&ScoringRule> {
        match &self.kind {
            IndicatorKind::Computed { scoring, .. } => Some(scoring),
            IndicatorKind::Rated { .. } => None,
        }
    }

    /// Whether people rate it.
    pub fn is_rated(&self) -> bool {
        matches!(self.kind, IndicatorKind::Rated { .. })
    }

    /// A computed indicator's outcome for a person: the evaluation scored against the
    /// person's target, or the indicator's default target. A rated indicator has no formula:
    /// use [`Indicator::rated_outcome`].
    pub fn outcome(&self, eval: &Evaluation, personal_target: Option<f64>) -> IndicatorOutcome {
        match &self.kind {
            IndicatorKind::Computed { scoring, .. } => IndicatorOutcome::computed(
                eval,
                scoring,
                self.direction,
                personal_target.or(self.target),
            ),
            IndicatorKind::Rated { .. } => IndicatorOutcome::scored_or_na(eval.value),
        }
    }

    /// A rated indicator's outcome from its raters' combined rating.
    pub fn rated_outcome(&self, combination: &RaterCombination) -> IndicatorOutcome {
        IndicatorOutcome::rated(combination)
    }

    /// The anchor describing a rating (the best band whose bound it reaches).
    pub fn anchor_for(&self, rating: f64) -> Option<&Anchor> {
        match &self.kind {
            IndicatorKind::Rated { anchors } => anchors.iter().find(|a| rating >= a.min),
            IndicatorKind::Computed { .. } => None,
        }
    }

    /// Problems with the indicator's own settings (not cross-references).
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        if self.code.is_empty()
            || !self
                .code
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            out.push(Problem::new(
                "code",
                format!("指标代码 `{}` 须由小写字母、数字和下划线组成", self.code),
                format!(
                    "indicator code `{}` must be lowercase letters, digits and underscores",
                    self.code
                ),
            ));
        }
        if self.name_zh.trim().is_empty() || self.name_en.trim().is_empty() {
            out.push(Problem::new(
                "name",
                "指标需要中文名和英文名",
                "an indicator needs a Chinese and an English name",
            ));
        }
        if self.target.is_some_and(|t| !t.is_finite()) {
            out.push(Problem::new(
                "target",
                "目标值无效",
                "the target is not a number",
            ));
        }
        match &self.kind {
            IndicatorKind::Computed { scoring, .. } => {
                out.extend(
                    scoring
                        .problems(self.direction, self.target)
                        .into_iter()
                        .map(|p| p.under("scoring")),
                );
            }
            IndicatorKind::Rated { anchors } => anchor_problems(anchors, &mut out),
        }
        out
    }
}

fn anchor_problems(anchors: &[Anchor], out: &mut Vec<Problem>) {
    if anchors.is_empty() {
        out.push(Problem::new(
            "anchors",
            "评分指标需要各档的评分说明",
            "a rated indicator needs anchors for its bands",
        ));
        return;
    }
    let ordered = anchors.windows(2).all(|w| w[0].min > w[1].min);
    let in_range = anchors.iter().all(|a| (0.0..=100.0).contains(&a.min));
    if !ordered || !in_range || anchors.last().is_some_and(|a| a.min != 0.0) {
        out.push(Problem::new(
            "anchors",
            "各档下限须在 0 到 100 之间、从高到低排列，最低一档从 0 开始",
            "anchor bounds must lie in 0–100, fall from the best band down, and the last must start at 0",
        ));
    }
    if anchors
        .iter()
        .any(|a| a.zh.trim().is_empty() || a.en.trim().is_empty())
    {
        out.push(Problem::new(
            "anchors",
            "每档都需要中英文说明",
            "every anchor needs Chinese and English text",
        ));
    }
}

impl IndicatorOutcome {
    /// Scored with the value itself (clamped to 0–100) when there is one.
    fn scored_or_na(value: Option<f64>) -> Self {
        match value {
            Some(v) => IndicatorOutcome::scored(v, v.clamp(0.0, 100.0)),
            None => IndicatorOutcome::not_applicable(crate::composition::NaReason::NoRatings),
        }
    }
}
