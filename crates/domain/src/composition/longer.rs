//! A quarter's or a year's result from the stored results of its shorter periods (SPEC §5a):
//! the scheme's annual rule over what was recorded — the mean of the monthly scores, or
//! performance / attitude / ability — never the monthly card re-run over a year of records
//! against monthly targets.

use super::{
    CompositionDetail, NaReason, Note, Scorecard, ScorecardLine, annual_mean, annual_score,
    bonus_coefficient, grade_of, round2,
};
use crate::scheme::{AnnualRule, Scheme};
use std::collections::BTreeMap;

/// One indicator of a stored shorter-period result.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PartLine {
    /// Its value.
    pub value: Option<f64>,
    /// The score counted in that period's total.
    pub score: Option<f64>,
}

/// One stored result of a shorter period (a month of the year).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PartResult {
    /// The period's total; `None` when it had none.
    pub total: Option<f64>,
    /// Its indicator lines by code.
    pub lines: BTreeMap<String, PartLine>,
}

/// What a longer period's result is made from.
#[derive(Debug, Clone, Copy)]
pub struct LongerInput<'a> {
    /// Whether the longer period is a year: the scheme's annual rule applies. A quarter is
    /// the mean of its months.
    pub year: bool,
    /// How many shorter periods the longer one has (12 months, 3 months, 4 quarters).
    pub expected: usize,
    /// The stored results present.
    pub parts: &'a [PartResult],
    /// Ratings given for the longer period itself (the year's attitude), combined over the
    /// scheme's rater groups, by indicator code.
    pub rated: &'a BTreeMap<String, f64>,
}

impl Scorecard {
    /// The result of a longer period from its stored shorter ones. Each line shows an
    /// indicator's mean value and mean counted score over the periods that had one (for
    /// reading; the total comes from the period totals, not from the lines).
    pub fn over_periods(scheme: &Scheme, input: LongerInput) -> Scorecard {
        let totals: Vec<Option<f64>> = input.parts.iter().map(|p| p.total).collect();
        let mean = annual_mean(&totals);
        let (total, detail) = if input.year {
            let part = |codes: &[String]| indicator_part(codes, input);
            let (attitude, ability) = match &scheme.annual {
                AnnualRule::MeanOfMonths => (None, None),
                AnnualRule::Parts {
                    attitude_indicators,
                    ability_indicators,
                    ..
                } => (part(attitude_indicators), part(ability_indicators)),
            };
            let a = annual_score(scheme, &totals, attitude, ability);
            let detail = CompositionDetail::OverPeriods {
                performance: mean.score,
                periods: mean.months,
                expected: input.expected,
                attitude: a.attitude,
                ability: a.ability,
                weights: a.effective_weights,
            };
            (a.total, detail)
        } else {
            let detail = CompositionDetail::OverPeriods {
                performance: mean.score,
                periods: mean.months,
                expected: input.expected,
                attitude: None,
                ability: None,
                weights: None,
            };
            (mean.score, detail)
        };
        let mut notes = vec![Note::MeanOfPeriods {
            present: mean.months,
            expected: input.expected,
        }];
        if total.is_none() {
            notes.push(Note::NoStoredPeriods);
        }
        Scorecard {
            scheme: scheme.code.clone(),
            version: scheme.version,
            lines: mean_lines(scheme, input.parts),
            indicators_total: mean.score,
            rater_mix: None,
            composition: detail,
            total,
            total_rounded: total.map(round2),
            grade: total.and_then(|t| grade_of(&scheme.grades, t)).cloned(),
            bonus_coefficient: total.and_then(|t| bonus_coefficient(&scheme.bonus, t)),
            notes,
        }
    }
}

/// A part of the year (attitude, ability): the mean over its indicators of the year's own
/// combined rating, or, for an indicator not rated for the year, the mean of its monthly
/// scores. `None` when none of them has either.
fn indicator_part(codes: &[String], input: LongerInput) -> Option<f64> {
    let scores: Vec<f64> = codes
        .iter()
        .filter_map(|c| {
            input
                .rated
                .get(c)
                .copied()
                .or_else(|| mean(input.parts.iter().map(|p| p.lines.get(c)?.score)))
        })
        .collect();
    mean(scores.into_iter().map(Some))
}

fn mean(xs: impl Iterator<Item = Option<f64>>) -> Option<f64> {
    let present: Vec<f64> = xs.flatten().filter(|x| x.is_finite()).collect();
    (!present.is_empty()).then(|| present.iter().sum::<f64>() / present.len() as f64)
}

fn mean_lines(scheme: &Scheme, parts: &[PartResult]) -> Vec<ScorecardLine> {
    scheme
        .groups
        .iter()
        .flat_map(|g| g.items.iter().map(move |i| (g, i)))
        .map(|(g, item)| {
            let of = |f: fn(&PartLine) -> Option<f64>| {
                mean(
                    parts
                        .iter()
                        .map(|p| p.lines.get(&item.indicator).and_then(f)),
                )
            };
            let score = of(|l| l.score);
            ScorecardLine {
                group: g.code.clone(),
                indicator: item.indicator.clone(),
                value: of(|l| l.value),
                numerator: None,
                denominator: None,
                score,
                counted_score: score,
                weight: item.weight,
                effective_weight: item.weight.as_percent(),
                applicable: score.is_some(),
                na_reason: score.is_none().then_some(NaReason::NoValue),
            }
        })
        .collect()
}
