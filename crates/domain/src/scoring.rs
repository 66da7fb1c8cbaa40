//! Scoring rules (评分标准, SPEC §4): an indicator's value → a score from 0 up to the rule's cap
//! (100, or e.g. 120 where over-achievement is rewarded).
//!
//! Rules are data, written in TOML as an inline table tagged by `rule`:
//!
//! ```toml
//! scoring = { rule = "ratio", cap = 120 }
//! scoring = { rule = "bands", bands = [{ threshold = 100, score = 100 }, { threshold = 95, score = 90 }], otherwise = 0 }
//! scoring = { rule = "deduction", per_occurrence = 10 }
//! scoring = { rule = "pass_fail" }
//! scoring = { rule = "linear", floor = 0 }
//! ```

use crate::problem::Problem;
use serde::{Deserialize, Serialize};

/// Whether a higher or a lower value is better (指标方向).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// More is better (completion rates, amounts).
    Higher,
    /// Less is better (error rates, complaints, expenses).
    Lower,
}

impl Direction {
    /// Stable text form.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Higher => "higher",
            Direction::Lower => "lower",
        }
    }
}

/// One band: a value reaching `threshold` scores `score`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Band {
    /// Higher-better: value ≥ threshold. Lower-better: value ≤ threshold.
    pub threshold: f64,
    /// The score of the band.
    pub score: f64,
}

fn hundred() -> f64 {
    100.0
}

fn is_hundred(v: &f64) -> bool {
    *v == 100.0
}

fn is_zero(v: &f64) -> bool {
    *v == 0.0
}

/// How a value becomes a score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case", deny_unknown_fields)]
pub enum ScoringRule {
    /// Ratio to target (完成率): higher-better `min(cap, value / target × 100)`, lower-better
    /// `min(cap, target / value × 100)` with a value of 0 (or less) scoring the cap.
    Ratio {
        /// The highest score (≥ 100).
        #[serde(default = "hundred", skip_serializing_if = "is_hundred")]
        cap: f64,
    },
    /// Ordered thresholds: the first band the value reaches gives the score, else `otherwise`.
    /// Higher-better bands are listed from the highest threshold down, lower-better from the
    /// lowest up.
    Bands {
        /// The bands, best first.
        bands: Vec<Band>,
        /// The score when no band is reached.
        #[serde(default, skip_serializing_if = "is_zero")]
        otherwise: f64,
    },
    /// Full marks minus `per_occurrence` for each occurrence (the value counts them), floor 0
    /// (扣分制: e.g. −10 per valid complaint).
    Deduction {
        /// The score with no occurrence.
        #[serde(default = "hundred", skip_serializing_if = "is_hundred")]
        full: f64,
        /// Points off per occurrence.
        per_occurrence: f64,
    },
    /// Target met → 100, else 0 (higher-better: value ≥ target; lower-better: value ≤ target).
    PassFail,
    /// Linear from `floor` (score 0) to the target (score 100), continuing up to the cap.
    /// Lower-better indicators have a floor above the target (e.g. 5 % errors → 0, 1 % → 100).
    Linear {
        /// The value that scores 0.
        floor: f64,
        /// The highest score (≥ 100).
        #[serde(default = "hundred", skip_serializing_if = "is_hundred")]
        cap: f64,
    },
}

/// Why a value could not be scored.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
pub enum ScoreError {
    /// The rule needs a target and none is set.
    #[error("no target is set / 未设定目标值")]
    NoTarget,
    /// A ratio to a target of zero or less means nothing.
    #[error("the target must be above zero / 目标值必须大于 0")]
    TargetNotPositive,
    /// The floor equals the target: no line between them.
    #[error("the floor equals the target / 下限等于目标值")]
    FloorIsTarget,
    /// NaN or infinite.
    #[error("the value is not a finite number / 数值无效")]
    NotFinite,
}

/// The largest cap a rule may set: generous, but keeps a typo (1200) from passing.
pub const MAX_CAP: f64 = 200.0;

fn problem(zh: String, en: String) -> Problem {
    Problem::new("", zh, en)
}

impl ScoringRule {
    /// The highest score the rule can give.
    pub fn cap(&self) -> f64 {
        match self {
            ScoringRule::Ratio { cap } | ScoringRule::Linear { cap, .. } => *cap,
            ScoringRule::Bands { bands, otherwise } => {
                bands.iter().map(|b| b.score).fold(*otherwise, f64::max)
            }
            ScoringRule::Deduction { full, .. } => *full,
            ScoringRule::PassFail => 100.0,
        }
    }

    /// Whether the rule needs a target to score.
    pub fn needs_target(&self) -> bool {
        matches!(
            self,
            ScoringRule::Ratio { .. } | ScoringRule::PassFail | ScoringRule::Linear { .. }
        )
    }

    /// Scores `value` against `target`, within `0..=cap`.
    pub fn score(
        &self,
        direction: Direction,
        value: f64,
        target: Option<f64>,
    ) -> Result<f64, ScoreError> {
        if !value.is_finite() {
            return Err(ScoreError::NotFinite);
        }
        let target = || target.filter(|t| t.is_finite()).ok_or(ScoreError::NoTarget);
        let s = match self {
            ScoringRule::Ratio { cap } => ratio(direction, value, target()?, *cap)?,
            ScoringRule::Bands { bands, otherwise } => {
                bands_score(direction, value, bands, *otherwise)
            }
            ScoringRule::Deduction {
                full,
                per_occurrence,
            } => (full - per_occurrence * value.max(0.0)).max(0.0),
            ScoringRule::PassFail => {
                let t = target()?;
                let met = match direction {
                    Direction::Higher => value >= t,
                    Direction::Lower => value <= t,
                };
                if met { 100.0 } else { 0.0 }
            }
            ScoringRule::Linear { floor, cap } => {
                let t = target()?;
                if t == *floor {
                    return Err(ScoreError::FloorIsTarget);
                }
                ((value - floor) / (t - floor) * 100.0).clamp(0.0, *cap)
            }
        };
        Ok(s.clamp(0.0, self.cap().max(0.0)))
    }

    /// Problems with the rule's settings for an indicator of `direction`; empty when fine.
    pub fn problems(&self, direction: Direction, target: Option<f64>) -> Vec<Problem> {
        let mut out = Vec::new();
        let cap_ok = |cap: f64, out: &mut Vec<Problem>| {
            if !(100.0..=MAX_CAP).contains(&cap) {
                out.push(problem(
                    format!("封顶分 {cap} 须在 100 到 {MAX_CAP} 之间"),
                    format!("the cap {cap} must be between 100 and {MAX_CAP}"),
                ));
            }
        };
        match self {
            ScoringRule::Ratio { cap } => {
                cap_ok(*cap, &mut out);
                if target.is_some_and(|t| t <= 0.0) {
                    out.push(problem(
                        "按目标比例评分时目标值必须大于 0".into(),
                        "a ratio-to-target rule needs a target above 0".into(),
                    ));
                }
            }
            ScoringRule::Bands { bands, otherwise } => {
                band_problems(direction, bands, *otherwise, &mut out)
            }
            ScoringRule::Deduction {
                full,
                per_occurrence,
            } => {
                if !(*full > 0.0 && *full <= MAX_CAP) {
                    out.push(problem(
                        format!("满分 {full} 须大于 0 且不超过 {MAX_CAP}"),
                        format!("full marks {full} must be above 0 and at most {MAX_CAP}"),
                    ));
                }
                if !(per_occurrence.is_finite() && *per_occurrence > 0.0) {
                    out.push(problem(
                        format!("每次扣分 {per_occurrence} 须大于 0"),
                        format!("the deduction per occurrence {per_occurrence} must be above 0"),
                    ));
                }
                if direction == Direction::Higher {
                    out.push(problem(
                        "扣分制用于越低越好的指标（次数）".into(),
                        "a deduction rule is for lower-is-better indicators (occurrences)".into(),
                    ));
                }
            }
            ScoringRule::PassFail => {}
            ScoringRule::Linear { floor, cap } => {
                cap_ok(*cap, &mut out);
                let wrong_side = match (direction, target) {
                    (Direction::Higher, Some(t)) => *floor >= t,
                    (Direction::Lower, Some(t)) => *floor <= t,
                    (_, None) => false,
                };
                if !floor.is_finite() || wrong_side {
                    out.push(problem(
                        format!("下限 {floor} 须在目标值较差的一侧（越高越好：低于目标；越低越好：高于目标）"),
                        format!("the floor {floor} must lie on the worse side of the target (below it when higher is better, above it when lower is better)"),
                    ));
                }
            }
        }
        out
    }
}

fn ratio(direction: Direction, value: f64, target: f64, cap: f64) -> Result<f64, ScoreError> {
    if target <= 0.0 {
        return Err(ScoreError::TargetNotPositive);
    }
    Ok(match direction {
        Direction::Higher => (value / target * 100.0).clamp(0.0, cap),
        // Nothing at all (no errors, no cost) is the best possible result: the cap.
        Direction::Lower if value <= 0.0 => cap,
        Direction::Lower => (target / value * 100.0).min(cap),
    })
}

fn bands_score(direction: Direction, value: f64, bands: &[Band], otherwise: f64) -> f64 {
    let reached = |b: &&Band| match direction {
        Direction::Higher => value >= b.threshold,
        Direction::Lower => value <= b.threshold,
    };
    bands.iter().find(reached).map_or(otherwise, |b| b.score)
}

fn band_problems(direction: Direction, bands: &[Band], otherwise: f64, out: &mut Vec<Problem>) {
    if bands.is_empty() {
        out.push(problem(
            "分档规则至少需要一档".into(),
            "a bands rule needs at least one band".into(),
        ));
    }
    for pair in bands.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let ordered = match direction {
            Direction::Higher => a.threshold > b.threshold,
            Direction::Lower => a.threshold < b.threshold,
        };
        if !ordered {
            let (zh, en) = match direction {
                Direction::Higher => ("从高到低", "from the highest down"),
                Direction::Lower => ("从低到高", "from the lowest up"),
            };
            out.push(problem(
                format!(
                    "分档阈值须{zh}严格排列：{} 之后是 {}",
                    a.threshold, b.threshold
                ),
                format!(
                    "band thresholds must be strictly ordered {en}: {} is followed by {}",
                    a.threshold, b.threshold
                ),
            ));
        }
        if b.score > a.score {
            out.push(problem(
                format!("较差一档的分数 {} 高于较好一档的 {}", b.score, a.score),
                format!(
                    "a worse band scores {} but a better one only {}",
                    b.score, a.score
                ),
            ));
        }
    }
    for s in bands.iter().map(|b| b.score).chain([otherwise]) {
        if !(0.0..=MAX_CAP).contains(&s) {
            out.push(problem(
                format!("分数 {s} 须在 0 到 {MAX_CAP} 之间"),
                format!("the score {s} must be between 0 and {MAX_CAP}"),
            ));
        }
    }
    if bands.last().is_some_and(|b| otherwise > b.score) {
        out.push(problem(
            "未达任何一档的分数高于最低一档".into(),
            "the score below every band is higher than the lowest band's".into(),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Direction::{Higher, Lower};
    use proptest::prelude::*;

    fn bands() -> ScoringRule {
        // SPEC §4: ≥100 → 100, ≥95 → 90, ≥90 → 80, else 0.
        ScoringRule::Bands {
            bands: vec![
                Band {
                    threshold: 100.0,
                    score: 100.0,
                },
                Band {
                    threshold: 95.0,
                    score: 90.0,
                },
                Band {
                    threshold: 90.0,
                    score: 80.0,
                },
            ],
            otherwise: 0.0,
        }
    }

    #[test]
    fn ratio_to_target_is_capped() {
        let r = ScoringRule::Ratio { cap: 120.0 };
        assert_eq!(r.score(Higher, 90.0, Some(100.0)), Ok(90.0));
        assert_eq!(r.score(Higher, 150.0, Some(100.0)), Ok(120.0));
        assert_eq!(r.score(Higher, -5.0, Some(100.0)), Ok(0.0));
        assert_eq!(
            ScoringRule::Ratio { cap: 100.0 }.score(Higher, 130.0, Some(100.0)),
            Ok(100.0)
        );
    }

    #[test]
    fn lower_is_better_ratio_inverts_and_a_value_of_zero_scores_the_cap() {
        let r = ScoringRule::Ratio { cap: 120.0 };
        assert_eq!(r.score(Lower, 2.0, Some(1.0)), Ok(50.0));
        assert_eq!(r.score(Lower, 1.0, Some(1.0)), Ok(100.0));
        assert_eq!(r.score(Lower, 0.0, Some(1.0)), Ok(120.0));
        assert_eq!(r.score(Lower, 0.5, Some(1.0)), Ok(120.0));
    }

    #[test]
    fn a_ratio_without_a_positive_target_cannot_be_scored() {
        let r = ScoringRule::Ratio { cap: 100.0 };
        assert_eq!(r.score(Higher, 5.0, None), Err(ScoreError::NoTarget));
        assert_eq!(
            r.score(Higher, 5.0, Some(0.0)),
            Err(ScoreError::TargetNotPositive)
        );
        assert_eq!(
            r.score(Higher, f64::NAN, Some(1.0)),
            Err(ScoreError::NotFinite)
        );
    }

    #[test]
    fn a_value_exactly_on_a_band_edge_belongs_to_that_band() {
        let r = bands();
        assert_eq!(r.score(Higher, 100.0, None), Ok(100.0));
        assert_eq!(r.score(Higher, 99.999, None), Ok(90.0));
        assert_eq!(r.score(Higher, 95.0, None), Ok(90.0));
        assert_eq!(r.score(Higher, 90.0, None), Ok(80.0));
        assert_eq!(r.score(Higher, 89.99, None), Ok(0.0));
    }

    #[test]
    fn lower_is_better_bands_are_reached_from_below() {
        let r = ScoringRule::Bands {
            bands: vec![
                Band {
                    threshold: 1.0,
                    score: 100.0,
                },
                Band {
                    threshold: 2.0,
                    score: 60.0,
                },
            ],
            otherwise: 0.0,
        };
        assert_eq!(r.score(Lower, 1.0, None), Ok(100.0));
        assert_eq!(r.score(Lower, 1.5, None), Ok(60.0));
        assert_eq!(r.score(Lower, 2.01, None), Ok(0.0));
        assert!(r.problems(Lower, None).is_empty());
        assert!(!r.problems(Higher, None).is_empty());
    }

    #[test]
    fn deduction_takes_ten_per_valid_complaint_and_stops_at_zero() {
        let r = ScoringRule::Deduction {
            full: 100.0,
            per_occurrence: 10.0,
        };
        assert_eq!(r.score(Lower, 0.0, None), Ok(100.0));
        assert_eq!(r.score(Lower, 3.0, None), Ok(70.0));
        assert_eq!(r.score(Lower, 10.0, None), Ok(0.0));
        assert_eq!(r.score(Lower, 12.0, None), Ok(0.0));
    }

    #[test]
    fn pass_fail_counts_meeting_the_target_exactly_as_a_pass() {
        let r = ScoringRule::PassFail;
        assert_eq!(r.score(Higher, 100.0, Some(100.0)), Ok(100.0));
        assert_eq!(r.score(Higher, 99.9, Some(100.0)), Ok(0.0));
        assert_eq!(r.score(Lower, 1.0, Some(1.0)), Ok(100.0));
        assert_eq!(r.score(Lower, 1.01, Some(1.0)), Ok(0.0));
    }

    #[test]
    fn linear_runs_from_the_floor_to_the_target_and_on_to_the_cap() {
        let r = ScoringRule::Linear {
            floor: 50.0,
            cap: 110.0,
        };
        assert_eq!(r.score(Higher, 50.0, Some(100.0)), Ok(0.0));
        assert_eq!(r.score(Higher, 75.0, Some(100.0)), Ok(50.0));
        assert_eq!(r.score(Higher, 100.0, Some(100.0)), Ok(100.0));
        assert_eq!(r.score(Higher, 200.0, Some(100.0)), Ok(110.0));
        assert_eq!(r.score(Higher, 10.0, Some(100.0)), Ok(0.0));
        // Lower is better: 5 % errors score 0, 1 % scores 100.
        let l = ScoringRule::Linear {
            floor: 5.0,
            cap: 100.0,
        };
        assert_eq!(l.score(Lower, 3.0, Some(1.0)), Ok(50.0));
        assert_eq!(l.score(Lower, 0.0, Some(1.0)), Ok(100.0));
        assert_eq!(
            l.score(Lower, 1.0, Some(5.0)),
            Err(ScoreError::FloorIsTarget)
        );
    }

    #[test]
    fn rule_settings_are_checked() {
        assert_eq!(
            ScoringRule::Ratio { cap: 90.0 }
                .problems(Higher, None)
                .len(),
            1
        );
        assert_eq!(
            ScoringRule::Ratio { cap: 120.0 }
                .problems(Higher, Some(0.0))
                .len(),
            1
        );
        let unordered = ScoringRule::Bands {
            bands: vec![
                Band {
                    threshold: 90.0,
                    score: 80.0,
                },
                Band {
                    threshold: 95.0,
                    score: 90.0,
                },
            ],
            otherwise: 0.0,
        };
        assert_eq!(unordered.problems(Higher, None).len(), 2);
        let empty = ScoringRule::Bands {
            bands: vec![],
            otherwise: 0.0,
        };
        assert_eq!(empty.problems(Higher, None).len(), 1);
        let d = ScoringRule::Deduction {
            full: 100.0,
            per_occurrence: 0.0,
        };
        assert_eq!(d.problems(Higher, None).len(), 2);
        assert_eq!(
            ScoringRule::Linear {
                floor: 100.0,
                cap: 100.0
            }
            .problems(Higher, Some(90.0))
            .len(),
            1
        );
        assert!(bands().problems(Higher, None).is_empty());
    }

    #[test]
    fn rules_read_and_write_as_tagged_tables() {
        #[derive(Serialize, Deserialize, PartialEq, Debug)]
        struct W {
            scoring: ScoringRule,
        }
        let text = "scoring = { rule = \"ratio\", cap = 120 }";
        let w: W = toml::from_str(text).unwrap();
        assert_eq!(w.scoring, ScoringRule::Ratio { cap: 120.0 });
        let w: W = toml::from_str("scoring = { rule = \"pass_fail\" }").unwrap();
        assert_eq!(w.scoring, ScoringRule::PassFail);
        let w: W = toml::from_str("[scoring]\nrule = \"deduction\"\nper_occurrence = 10").unwrap();
        assert_eq!(
            w.scoring,
            ScoringRule::Deduction {
                full: 100.0,
                per_occurrence: 10.0
            }
        );
        let back: W = toml::from_str(&toml::to_string(&W { scoring: bands() }).unwrap()).unwrap();
        assert_eq!(back.scoring, bands());
        assert!(toml::from_str::<W>("scoring = { rule = \"ratio\", cpa = 120 }").is_err());
        assert!(toml::from_str::<W>("scoring = { rule = \"guess\" }").is_err());
    }

    fn any_rule() -> impl Strategy<Value = ScoringRule> {
        prop_oneof![
            (100.0..150.0f64).prop_map(|cap| ScoringRule::Ratio { cap }),
            Just(bands()),
            (1.0..30.0f64).prop_map(|p| ScoringRule::Deduction {
                full: 100.0,
                per_occurrence: p
            }),
            Just(ScoringRule::PassFail),
            (-50.0..50.0f64, 100.0..150.0f64)
                .prop_map(|(floor, cap)| ScoringRule::Linear { floor, cap }),
        ]
    }

    proptest! {
        #[test]
        fn scores_stay_within_zero_and_the_cap(
            rule in any_rule(),
            value in -1e6..1e6f64,
            target in 60.0..1e4f64,
            lower in any::<bool>(),
        ) {
            let dir = if lower { Lower } else { Higher };
            if let Ok(s) = rule.score(dir, value, Some(target)) {
                prop_assert!((0.0..=rule.cap()).contains(&s), "{s} for {rule:?}");
            }
        }

        #[test]
        fn scores_are_monotone_in_the_value(
            rule in any_rule(),
            a in -1e4..1e4f64,
            b in -1e4..1e4f64,
            target in 60.0..1e3f64,
        ) {
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            // Deduction counts occurrences: it is lower-is-better by nature.
            let dirs: &[Direction] = if matches!(rule, ScoringRule::Deduction { .. }) { &[Lower] } else { &[Higher, Lower] };
            for &dir in dirs {
                let linear_floor_ok = match (&rule, dir) {
                    (ScoringRule::Linear { floor, .. }, Higher) => *floor < target,
                    (ScoringRule::Linear { floor, .. }, Lower) => *floor > target,
                    _ => true,
                };
                let bands_ok = !(matches!(rule, ScoringRule::Bands { .. }) && dir == Lower);
                if !linear_floor_ok || !bands_ok {
                    continue;
                }
                let (slo, shi) = (rule.score(dir, lo, Some(target)).unwrap(), rule.score(dir, hi, Some(target)).unwrap());
                match dir {
                    Higher => prop_assert!(slo <= shi, "{rule:?}: {lo}→{slo}, {hi}→{shi}"),
                    Lower => prop_assert!(slo >= shi, "{rule:?}: {lo}→{slo}, {hi}→{shi}"),
                }
            }
        }
    }
}
