//! How scores combine (SPEC §5): weighted scorecards with not-applicable handling, rater
//! groups, work × attendance, performance × behaviour, annual scores, grades and bonus
//! coefficients.
//!
//! Everything is computed at full precision; [`round2`] (half-up, 2 decimals) is applied only
//! where a score is compared with a band or shown.

use crate::formula::Evaluation;
use crate::records::Attendance;
use crate::scheme::{
    AnnualRule, BonusBand, Composition, GradeBand, NotApplicable, RaterGroup, RaterMix,
    RaterWeight, Scheme, Weight,
};
use crate::scoring::{Direction, ScoreError, ScoringRule};
use std::collections::BTreeMap;

// ---- rounding ----------------------------------------------------------------------------------

/// A score in hundredths, rounded HALF-UP (ties away from zero) to 2 decimals; `None` for NaN,
/// infinities and magnitudes beyond 10¹².
///
/// Method: the binary value is first rounded **correctly to 8 decimals** (Rust's `{:.8}`
/// formatting is exact), then the decimal digits are rounded half-up at the third decimal.
/// The first step absorbs binary representation and arithmetic noise: `89.995` is stored as
/// 89.99499999999999744…, which prints as `89.99500000` and so rounds up to 90.00 (excellent),
/// while `89.994` prints as `89.99400000` and rounds down to 89.99 (good). The price is that a
/// value within 5·10⁻⁹ below a half is treated as the half — far below any meaningful score
/// difference.
pub fn to_hundredths(x: f64) -> Option<i64> {
    if !x.is_finite() || x.abs() >= 1e12 {
        return None;
    }
    let text = format!("{:.8}", x.abs());
    let (int, frac) = text.split_once('.')?;
    let digits = frac.as_bytes();
    let mut h = int.parse::<i64>().ok()? * 100
        + i64::from(digits[0] - b'0') * 10
        + i64::from(digits[1] - b'0');
    if digits[2] >= b'5' {
        h += 1;
    }
    Some(if x < 0.0 { -h } else { h })
}

/// Rounds to 2 decimals, half-up (see [`to_hundredths`] for the method); non-finite values are
/// returned unchanged.
pub fn round2(x: f64) -> f64 {
    to_hundredths(x).map_or(x, |h| h as f64 / 100.0)
}

/// Whether `score` reaches `bound` once both are rounded to 2 decimals.
fn reaches(score: f64, bound: f64) -> bool {
    match (to_hundredths(score), to_hundredths(bound)) {
        (Some(s), Some(b)) => s >= b,
        _ => score >= bound,
    }
}

/// The highest grade band (listed best first) whose lower bound the rounded score reaches.
pub fn grade_of(bands: &[GradeBand], score: f64) -> Option<&GradeBand> {
    bands.iter().find(|b| reaches(score, b.min))
}

/// The bonus coefficient of the highest band (listed best first) the rounded score reaches.
pub fn bonus_coefficient(bands: &[BonusBand], score: f64) -> Option<f64> {
    bands
        .iter()
        .find(|b| reaches(score, b.min))
        .map(|b| b.coefficient)
}

// ---- redistribution ------------------------------------------------------------------------------

/// Effective weights (percent) after spreading the weight of absent entries over the present
/// ones in proportion to their weights; absent entries get 0. The total is conserved (100 %
/// for a valid scheme). `None` when no present entry has any weight.
pub fn redistribute(weights: &[Weight], present: &[bool]) -> Option<Vec<f64>> {
    let total = Weight::sum(weights) as f64;
    let kept: u64 = weights
        .iter()
        .zip(present)
        .filter(|(_, p)| **p)
        .map(|(w, _)| u64::from(w.hundredths()))
        .sum();
    if kept == 0 {
        return None;
    }
    Some(
        weights
            .iter()
            .zip(present)
            .map(|(w, p)| {
                if *p {
                    f64::from(w.hundredths()) * total / kept as f64 / 100.0
                } else {
                    0.0
                }
            })
            .collect(),
    )
}

// ---- indicator outcomes --------------------------------------------------------------------------

/// Why an indicator is not applicable (不适用) for a person. Shown, never hidden.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NaReason {
    /// The formula divided by zero (e.g. no call-backs at all).
    ZeroDenominator,
    /// The formula had no value (an average of nothing, a missing previous period).
    NoValue,
    /// The scoring rule needs a target and none is set.
    NoTarget,
    /// The target cannot be used (zero or below for a ratio, equal to the floor).
    BadTarget,
    /// Nobody rated it.
    NoRatings,
    /// No outcome was supplied for the indicator.
    NotSupplied,
}

impl NaReason {
    /// Chinese text.
    pub fn zh(self) -> &'static str {
        match self {
            NaReason::ZeroDenominator => "分母为 0，不适用",
            NaReason::NoValue => "无数据，不适用",
            NaReason::NoTarget => "未设定目标值",
            NaReason::BadTarget => "目标值无法用于评分",
            NaReason::NoRatings => "无人评分",
            NaReason::NotSupplied => "未提供结果",
        }
    }

    /// English text.
    pub fn en(self) -> &'static str {
        match self {
            NaReason::ZeroDenominator => "not applicable: the denominator is 0",
            NaReason::NoValue => "not applicable: no data",
            NaReason::NoTarget => "no target is set",
            NaReason::BadTarget => "the target cannot be used for scoring",
            NaReason::NoRatings => "nobody rated it",
            NaReason::NotSupplied => "no result was supplied",
        }
    }
}

/// One indicator's result for one person: its value and score, or why it has none.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct IndicatorOutcome {
    /// The indicator's value.
    pub value: Option<f64>,
    /// Numerator of a ratio.
    pub numerator: Option<f64>,
    /// Denominator of a ratio.
    pub denominator: Option<f64>,
    /// The score; `None` when not applicable.
    pub score: Option<f64>,
    /// Why it is not applicable.
    pub na: Option<NaReason>,
}

impl IndicatorOutcome {
    /// A scored result.
    pub fn scored(value: f64, score: f64) -> Self {
        IndicatorOutcome {
            value: Some(value),
            score: Some(score),
            ..Default::default()
        }
    }

    /// A not-applicable result.
    pub fn not_applicable(reason: NaReason) -> Self {
        IndicatorOutcome {
            na: Some(reason),
            ..Default::default()
        }
    }

    /// A computed indicator's result: its formula's evaluation scored by its rule against the
    /// person's target.
    pub fn computed(
        eval: &Evaluation,
        rule: &ScoringRule,
        direction: Direction,
        target: Option<f64>,
    ) -> Self {
        let parts = IndicatorOutcome {
            value: eval.value,
            numerator: eval.numerator,
            denominator: eval.denominator,
            ..Default::default()
        };
        let Some(value) = eval.value else {
            let reason = if eval.denominator == Some(0.0) {
                NaReason::ZeroDenominator
            } else {
                NaReason::NoValue
            };
            return IndicatorOutcome {
                na: Some(reason),
                ..parts
            };
        };
        match rule.score(direction, value, target) {
            Ok(s) => IndicatorOutcome {
                score: Some(s),
                ..parts
            },
            Err(ScoreError::NoTarget) => IndicatorOutcome {
                na: Some(NaReason::NoTarget),
                ..parts
            },
            Err(ScoreError::NotFinite) => IndicatorOutcome {
                na: Some(NaReason::NoValue),
                ..parts
            },
            Err(_) => IndicatorOutcome {
                na: Some(NaReason::BadTarget),
                ..parts
            },
        }
    }

    /// A rated indicator's result: the raters' combined score (0–100).
    pub fn rated(combination: &RaterCombination) -> Self {
        match combination.score {
            Some(s) => IndicatorOutcome::scored(s, s.clamp(0.0, 100.0)),
            None => IndicatorOutcome::not_applicable(NaReason::NoRatings),
        }
    }

    /// Whether it has a score.
    pub fn applicable(&self) -> bool {
        self.score.is_some()
    }
}

// ---- raters -------------------------------------------------------------------------------------

/// One rater group's part in a combined rating.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RaterGroupScore {
    /// The group.
    pub group: RaterGroup,
    /// Its configured weight.
    pub weight: Weight,
    /// Its weight after groups with nobody were dropped (percent).
    pub effective_weight: f64,
    /// How many people rated.
    pub raters: usize,
    /// The mean of their ratings.
    pub mean: Option<f64>,
}

/// Ratings of several rater groups combined: each group's mean, weighted; a group with nobody
/// in it has its weight spread over the groups present.
#[derive(Debug, Clone, PartialEq)]
pub struct RaterCombination {
    /// The combined score; `None` when no weighted group rated.
    pub score: Option<f64>,
    /// Each configured group.
    pub groups: Vec<RaterGroupScore>,
}

/// Combines ratings by group (e.g. superior 70 % + mean of peers 20 % + mean of customers
/// 10 %). Ratings of groups the scheme does not list are ignored; a listed group with weight 0
/// is a reference: shown, not counted.
pub fn combine_raters(
    weights: &[RaterWeight],
    ratings: &BTreeMap<RaterGroup, Vec<f64>>,
) -> RaterCombination {
    let means: Vec<(usize, Option<f64>)> = weights
        .iter()
        .map(|w| {
            let rs: Vec<f64> = ratings
                .get(&w.group)
                .map(|v| v.iter().copied().filter(|x| x.is_finite()).collect())
                .unwrap_or_default();
            let mean = (!rs.is_empty()).then(|| rs.iter().sum::<f64>() / rs.len() as f64);
            (rs.len(), mean)
        })
        .collect();
    let present: Vec<bool> = means.iter().map(|(_, m)| m.is_some()).collect();
    let ws: Vec<Weight> = weights.iter().map(|w| w.weight).collect();
    let effective = redistribute(&ws, &present);
    let score = effective.as_ref().map(|eff| {
        eff.iter()
            .zip(&means)
            .map(|(e, (_, m))| e / 100.0 * m.unwrap_or(0.0))
            .sum()
    });
    let groups = weights
        .iter()
        .zip(&means)
        .enumerate()
        .map(|(i, (w, (n, m)))| RaterGroupScore {
            group: w.group,
            weight: w.weight,
            effective_weight: effective.as_ref().map_or(0.0, |e| e[i]),
            raters: *n,
            mean: *m,
        })
        .collect();
    RaterCombination { score, groups }
}

// ---- attendance and behaviour ------------------------------------------------------------------

/// Absent days in a set of attendance records; a half-day absence counts as a whole day.
pub fn absent_days(records: &[Attendance]) -> u32 {
    records.iter().map(Attendance::absent_days).sum()
}

/// The attendance score (出勤): 100 − `per_day` per absent day, floor 0.
pub fn attendance_score(absent_days: u32, per_day: f64) -> f64 {
    (100.0 - per_day * f64::from(absent_days)).max(0.0)
}

/// A month's behaviour assessment (行为考核).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Behaviour {
    /// The factor given, 0 to the scheme's maximum (1.2).
    pub factor: f64,
    /// Breaking the law, a serious violation of company rules or a work accident: the factor
    /// is 0 for the month whatever was given.
    pub serious_violation: bool,
}

/// The level a behaviour factor stands for (SPEC §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BehaviourLevel {
    /// Below 0.6.
    Unsatisfactory,
    /// 0.6 and above: 合格.
    Pass,
    /// 0.8 and above: 良好.
    Good,
    /// 1.0: 优秀.
    Excellent,
    /// Above 1.0: outstanding acts (突出表现).
    Outstanding,
}

/// The level of a behaviour factor.
pub fn behaviour_level(factor: f64) -> BehaviourLevel {
    match factor {
        f if f > 1.0 => BehaviourLevel::Outstanding,
        f if f >= 1.0 => BehaviourLevel::Excellent,
        f if f >= 0.8 => BehaviourLevel::Good,
        f if f >= 0.6 => BehaviourLevel::Pass,
        _ => BehaviourLevel::Unsatisfactory,
    }
}

// ---- scorecard ---------------------------------------------------------------------------------

/// One indicator line of a scorecard (考核评分表).
#[derive(Debug, Clone, PartialEq)]
pub struct ScorecardLine {
    /// The group's code.
    pub group: String,
    /// The indicator's code.
    pub indicator: String,
    /// Its value.
    pub value: Option<f64>,
    /// Numerator of a ratio.
    pub numerator: Option<f64>,
    /// Denominator of a ratio.
    pub denominator: Option<f64>,
    /// Its own score; `None` when not applicable.
    pub score: Option<f64>,
    /// The score counted in the total: its own, or full / zero marks for a not-applicable
    /// indicator under those policies.
    pub counted_score: Option<f64>,
    /// Weight as configured.
    pub weight: Weight,
    /// Weight after redistribution (percent).
    pub effective_weight: f64,
    /// Whether it had a score of its own.
    pub applicable: bool,
    /// Why not.
    pub na_reason: Option<NaReason>,
}

/// How the scorecard became the period's total.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CompositionDetail {
    /// The total is the weighted scorecard.
    Weighted,
    /// Work × weight + attendance × weight.
    WorkAttendance {
        /// The work score (the scorecard).
        work: Option<f64>,
        /// Absent days (half days counted as days).
        absent_days: u32,
        /// The attendance score.
        attendance: f64,
        /// Weight of work.
        work_weight: Weight,
        /// Weight of attendance.
        attendance_weight: Weight,
    },
    /// Performance × behaviour factor.
    Behaviour {
        /// The performance score (the scorecard).
        performance: Option<f64>,
        /// The factor applied (0 after a serious violation); `None` when not rated yet.
        factor: Option<f64>,
        /// Whether a serious violation zeroed it.
        serious_violation: bool,
    },
    /// A quarter or year made from the stored results of its months ([`longer`]).
    OverPeriods {
        /// The mean of the stored period totals.
        performance: Option<f64>,
        /// How many stored totals the mean is over.
        periods: usize,
        /// How many periods the longer one has.
        expected: usize,
        /// The year's attitude part (performance / attitude / ability rule).
        attitude: Option<f64>,
        /// The year's ability part.
        ability: Option<f64>,
        /// Effective weights (percent) of performance, attitude and ability.
        weights: Option<[f64; 3]>,
    },
}

/// Something the reader of a scorecard must be told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    /// Every indicator was not applicable: there is no total.
    AllNotApplicable,
    /// These indicators were not applicable; their weight went to the others.
    Redistributed(Vec<String>),
    /// These indicators were not applicable and scored full marks (scheme policy).
    ScoredFull(Vec<String>),
    /// These indicators were not applicable and scored zero (scheme policy).
    ScoredZero(Vec<String>),
    /// The behaviour factor has not been given yet: there is no total.
    BehaviourNotRated,
    /// A serious violation set the behaviour factor to 0.
    SeriousViolation,
    /// The behaviour factor given was outside 0 to the maximum and was clamped.
    FactorClamped,
    /// A longer period's score is the mean of `present` stored results of its `expected`
    /// shorter periods.
    MeanOfPeriods {
        /// Stored results with a total.
        present: usize,
        /// Shorter periods in the longer one.
        expected: usize,
    },
    /// No shorter period has a stored result: there is no total.
    NoStoredPeriods,
}

impl Note {
    /// Chinese text.
    pub fn zh(&self) -> String {
        match self {
            Note::AllNotApplicable => "所有指标均不适用，无总分".into(),
            Note::Redistributed(c) => {
                format!("不适用指标（{}）的权重已按比例分配给其他指标", c.join("、"))
            }
            Note::ScoredFull(c) => format!("不适用指标（{}）按方案计满分", c.join("、")),
            Note::ScoredZero(c) => format!("不适用指标（{}）按方案计 0 分", c.join("、")),
            Note::BehaviourNotRated => "尚未评定行为系数，无总分".into(),
            Note::SeriousViolation => "有严重违规，本月行为系数为 0".into(),
            Note::FactorClamped => "行为系数超出范围，已按上下限处理".into(),
            Note::MeanOfPeriods { present, expected } => {
                format!("按已存储的 {present} 期结果（共 {expected} 期）计算")
            }
            Note::NoStoredPeriods => "没有已存储的月度（季度）结果，无总分".into(),
        }
    }

    /// English text.
    pub fn en(&self) -> String {
        match self {
            Note::AllNotApplicable => "every indicator is not applicable: there is no total".into(),
            Note::Redistributed(c) => format!(
                "not applicable ({}): their weight was spread over the other indicators",
                c.join(", ")
            ),
            Note::ScoredFull(c) => format!(
                "not applicable ({}): scored full marks by the scheme's rule",
                c.join(", ")
            ),
            Note::ScoredZero(c) => format!(
                "not applicable ({}): scored zero by the scheme's rule",
                c.join(", ")
            ),
            Note::BehaviourNotRated => {
                "the behaviour factor is not given yet: there is no total".into()
            }
            Note::SeriousViolation => {
                "a serious violation set this month's behaviour factor to 0".into()
            }
            Note::FactorClamped => "the behaviour factor was out of range and was clamped".into(),
            Note::MeanOfPeriods { present, expected } => {
                format!("made from the {present} stored results of its {expected} shorter periods")
            }
            Note::NoStoredPeriods => {
                "no monthly (quarterly) result is stored: there is no total".into()
            }
        }
    }
}

/// Everything a scorecard is computed from besides the scheme.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScorecardInput {
    /// Each indicator's outcome by code.
    pub outcomes: BTreeMap<String, IndicatorOutcome>,
    /// Absent days in the period (work × attendance schemes).
    pub absent_days: u32,
    /// The behaviour assessment (performance × behaviour schemes).
    pub behaviour: Option<Behaviour>,
    /// Whole-period rater mix: every rating given by each group other than the superior, over
    /// whatever indicators they rated (their part is the mean).
    pub group_ratings: BTreeMap<RaterGroup, Vec<f64>>,
}

/// A person's scorecard for a period: every indicator line, the total, grade and bonus
/// coefficient, and the notes that explain them.
#[derive(Debug, Clone, PartialEq)]
pub struct Scorecard {
    /// Scheme code.
    pub scheme: String,
    /// Scheme version.
    pub version: u32,
    /// The indicator lines, in scheme order.
    pub lines: Vec<ScorecardLine>,
    /// The weighted indicators (full precision).
    pub indicators_total: Option<f64>,
    /// Whole-period rater mix: the scorecard as the superior's part and the other groups'
    /// means, weighted ([`RaterMix::WholePeriod`]); what composition then starts from.
    pub rater_mix: Option<RaterCombination>,
    /// How the total was made.
    pub composition: CompositionDetail,
    /// The period's score (full precision); `None` when there is none (see `notes`).
    pub total: Option<f64>,
    /// The total rounded half-up to 2 decimals (what is shown and graded).
    pub total_rounded: Option<f64>,
    /// The grade.
    pub grade: Option<GradeBand>,
    /// The bonus coefficient.
    pub bonus_coefficient: Option<f64>,
    /// Explanations.
    pub notes: Vec<Note>,
}

impl Scorecard {
    /// Computes a scorecard.
    pub fn compute(scheme: &Scheme, input: &ScorecardInput) -> Scorecard {
        let mut notes = Vec::new();
        let (lines, indicators_total) = weighted_lines(scheme, &input.outcomes, &mut notes);
        let rater_mix = whole_period_mix(scheme, indicators_total, input);
        let mixed = match &rater_mix {
            Some(mix) => mix.score,
            None => indicators_total,
        };
        let (composition, total) = compose(&scheme.composition, mixed, input, &mut notes);
        Scorecard {
            scheme: scheme.code.clone(),
            version: scheme.version,
            lines,
            indicators_total,
            rater_mix,
            composition,
            total,
            total_rounded: total.map(round2),
            grade: total.and_then(|t| grade_of(&scheme.grades, t)).cloned(),
            bonus_coefficient: total.and_then(|t| bonus_coefficient(&scheme.bonus, t)),
            notes,
        }
    }
}

/// The whole-period rater mix of a scheme that asks for it: the scorecard's total is the
/// superior's part (there is none without it), each other group's part the mean of its
/// ratings; a group with nobody in it has its weight spread over the others.
fn whole_period_mix(
    scheme: &Scheme,
    card: Option<f64>,
    input: &ScorecardInput,
) -> Option<RaterCombination> {
    if scheme.rater_mix != RaterMix::WholePeriod {
        return None;
    }
    let mut parts: BTreeMap<RaterGroup, Vec<f64>> = input
        .group_ratings
        .iter()
        .filter(|(g, _)| **g != RaterGroup::Superior)
        .map(|(g, rs)| (*g, rs.clone()))
        .collect();
    let Some(card) = card else {
        return Some(RaterCombination {
            score: None,
            groups: combine_raters(&scheme.raters, &parts).groups,
        });
    };
    parts.insert(RaterGroup::Superior, vec![card]);
    Some(combine_raters(&scheme.raters, &parts))
}

fn weighted_lines(
    scheme: &Scheme,
    outcomes: &BTreeMap<String, IndicatorOutcome>,
    notes: &mut Vec<Note>,
) -> (Vec<ScorecardLine>, Option<f64>) {
    let items: Vec<(&str, &str, Weight, IndicatorOutcome)> = scheme
        .groups
        .iter()
        .flat_map(|g| {
            g.items
                .iter()
                .map(move |i| (g.code.as_str(), i.indicator.as_str(), i.weight))
        })
        .map(|(g, code, w)| {
            let o = outcomes
                .get(code)
                .copied()
                .unwrap_or(IndicatorOutcome::not_applicable(NaReason::NotSupplied));
            (g, code, w, o)
        })
        .collect();
    let na: Vec<String> = items
        .iter()
        .filter(|i| !i.3.applicable())
        .map(|i| i.1.to_string())
        .collect();
    let all_na = na.len() == items.len();
    // Under the full / zero policies a not-applicable indicator keeps its weight with a fixed
    // score; under redistribution its weight moves to the others.
    let na_score = match scheme.not_applicable {
        NotApplicable::Redistribute => None,
        NotApplicable::Full => Some(100.0),
        NotApplicable::Zero => Some(0.0),
    };
    let counted: Vec<Option<f64>> = items.iter().map(|i| i.3.score.or(na_score)).collect();
    let weights: Vec<Weight> = items.iter().map(|i| i.2).collect();
    let present: Vec<bool> = counted.iter().map(Option::is_some).collect();
    let effective = if all_na {
        None
    } else {
        redistribute(&weights, &present)
    };
    let total = effective.as_ref().map(|eff| {
        eff.iter()
            .zip(&counted)
            .map(|(e, s)| e / 100.0 * s.unwrap_or(0.0))
            .sum::<f64>()
    });
    if all_na {
        notes.push(Note::AllNotApplicable);
    } else if !na.is_empty() {
        notes.push(match scheme.not_applicable {
            NotApplicable::Redistribute => Note::Redistributed(na),
            NotApplicable::Full => Note::ScoredFull(na),
            NotApplicable::Zero => Note::ScoredZero(na),
        });
    }
    let lines = items
        .iter()
        .enumerate()
        .map(|(i, (g, code, w, o))| ScorecardLine {
            group: g.to_string(),
            indicator: code.to_string(),
            value: o.value,
            numerator: o.numerator,
            denominator: o.denominator,
            score: o.score,
            counted_score: if all_na { None } else { counted[i] },
            weight: *w,
            effective_weight: effective.as_ref().map_or(0.0, |e| e[i]),
            applicable: o.applicable(),
            na_reason: o.na.or(if o.applicable() {
                None
            } else {
                Some(NaReason::NotSupplied)
            }),
        })
        .collect();
    (lines, total)
}

fn compose(
    rule: &Composition,
    indicators: Option<f64>,
    input: &ScorecardInput,
    notes: &mut Vec<Note>,
) -> (CompositionDetail, Option<f64>) {
    match rule {
        Composition::Weighted => (CompositionDetail::Weighted, indicators),
        Composition::WorkAttendance {
            work,
            attendance,
            per_absent_day,
        } => {
            let att = attendance_score(input.absent_days, *per_absent_day);
            let total = indicators.map(|w| w * work.as_fraction() + att * attendance.as_fraction());
            let detail = CompositionDetail::WorkAttendance {
                work: indicators,
                absent_days: input.absent_days,
                attendance: att,
                work_weight: *work,
                attendance_weight: *attendance,
            };
            (detail, total)
        }
        Composition::Behaviour { max_factor } => {
            let serious = input.behaviour.is_some_and(|b| b.serious_violation);
            let factor = input.behaviour.map(|b| {
                if b.serious_violation {
                    return 0.0;
                }
                let clamped = if b.factor.is_finite() {
                    b.factor.clamp(0.0, *max_factor)
                } else {
                    0.0
                };
                if clamped != b.factor {
                    notes.push(Note::FactorClamped);
                }
                clamped
            });
            if serious {
                notes.push(Note::SeriousViolation);
            }
            if factor.is_none() {
                notes.push(Note::BehaviourNotRated);
            }
            let total = indicators.zip(factor).map(|(p, f)| p * f);
            (
                CompositionDetail::Behaviour {
                    performance: indicators,
                    factor,
                    serious_violation: serious,
                },
                total,
            )
        }
    }
}

// ---- annual ------------------------------------------------------------------------------------

/// The mean of a year's monthly scores.
///
/// Decision (the seeds say "sum of the 12 monthly scores ÷ 12"): with fewer than 12 months —
/// a person hired mid-year, or months without a total — the mean is over the months present,
/// and the count is reported so the reader sees it. Dividing by 12 would penalise a July hire
/// by half for months they could not work.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AnnualMean {
    /// The mean; `None` with no month at all.
    pub score: Option<f64>,
    /// How many monthly scores it is the mean of.
    pub months: usize,
}

impl AnnualMean {
    /// Whether all 12 months are present.
    pub fn complete(&self) -> bool {
        self.months >= 12
    }
}

/// The mean of the monthly scores present (`None` entries are months without a total).
pub fn annual_mean(monthly: &[Option<f64>]) -> AnnualMean {
    let present: Vec<f64> = monthly
        .iter()
        .flatten()
        .copied()
        .filter(|x| x.is_finite())
        .collect();
    let score = (!present.is_empty()).then(|| present.iter().sum::<f64>() / present.len() as f64);
    AnnualMean {
        score,
        months: present.len(),
    }
}

/// A year's score with its parts.
#[derive(Debug, Clone, PartialEq)]
pub struct AnnualScore {
    /// The monthly mean (the performance part).
    pub performance: AnnualMean,
    /// Attitude (parts rule only).
    pub attitude: Option<f64>,
    /// Ability (parts rule only).
    pub ability: Option<f64>,
    /// Effective weights (percent) of performance, attitude, ability after redistribution
    /// (parts rule only).
    pub effective_weights: Option<[f64; 3]>,
    /// The year's score (full precision).
    pub total: Option<f64>,
    /// Rounded half-up to 2 decimals.
    pub total_rounded: Option<f64>,
    /// The grade.
    pub grade: Option<GradeBand>,
    /// The bonus coefficient.
    pub bonus_coefficient: Option<f64>,
}

/// A year's score under the scheme's annual rule. `attitude` and `ability` are the annual
/// ratings (means of the scheme's listed indicators), used by the parts rule; a missing part
/// has its weight spread over the others, like an empty rater group.
pub fn annual_score(
    scheme: &Scheme,
    monthly: &[Option<f64>],
    attitude: Option<f64>,
    ability: Option<f64>,
) -> AnnualScore {
    let performance = annual_mean(monthly);
    let (total, effective_weights, attitude, ability) = match &scheme.annual {
        AnnualRule::MeanOfMonths => (performance.score, None, None, None),
        AnnualRule::Parts {
            performance: wp,
            attitude: wt,
            ability: wa,
            ..
        } => {
            let parts = [performance.score, attitude, ability];
            let present = parts.map(|p| p.is_some());
            match redistribute(&[*wp, *wt, *wa], &present) {
                Some(eff) => {
                    let total = eff
                        .iter()
                        .zip(parts)
                        .map(|(e, p)| e / 100.0 * p.unwrap_or(0.0))
                        .sum();
                    (
                        Some(total),
                        Some([eff[0], eff[1], eff[2]]),
                        attitude,
                        ability,
                    )
                }
                None => (None, None, attitude, ability),
            }
        }
    };
    AnnualScore {
        performance,
        attitude,
        ability,
        effective_weights,
        total,
        total_rounded: total.map(round2),
        grade: total.and_then(|t| grade_of(&scheme.grades, t)).cloned(),
        bonus_coefficient: total.and_then(|t| bonus_coefficient(&scheme.bonus, t)),
    }
}

mod longer;
pub use longer::{LongerInput, PartLine, PartResult};

#[cfg(test)]
mod tests;
