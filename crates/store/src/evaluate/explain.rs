//! `explain`: one indicator of one person's scorecard traced to its rule, its inputs and the
//! records behind them, and what would lift the total to the next grade ("what-if").

use super::measures::{self, RecordsBehind, Wanted};
use super::{
    EvalRequest, PeriodInputs, base_context, fill_prev_indicators, person_values, scorecard_input,
    wanted_measures,
};
use crate::{Result, Store, StoreError, Viewer};
use kaohe_domain::calendar::Calendar;
use kaohe_domain::composition::Scorecard;
use kaohe_domain::formula::{EvalContext, MeasureValues, PeriodOffset};
use kaohe_domain::library::Library;
use kaohe_domain::period::Period;
use kaohe_domain::scheme::Scheme;
use kaohe_domain::scoring::Direction;
use serde::Serialize;

/// Everything behind one indicator of one person's scorecard.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    pub period: String,
    pub employee_id: i64,
    pub employee_code: String,
    pub name: String,
    pub scheme: String,
    pub indicator: String,
    pub indicator_name_zh: String,
    pub indicator_name_en: String,
    /// The formula (computed) or "rated".
    pub rule: String,
    /// The scoring rule, as in the library file.
    pub scoring: String,
    pub target: Option<f64>,
    pub value: Option<f64>,
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
    pub score: Option<f64>,
    pub weight: f64,
    pub effective_weight: f64,
    pub applicable: bool,
    pub na_reason: Option<String>,
    pub total: Option<f64>,
    pub grade: Option<String>,
    /// The records behind each measure of the formula (this period).
    pub records: Vec<RecordsBehind>,
    /// What would lift the total to the next grade through this indicator.
    pub what_if: Option<WhatIf>,
}

/// The smallest change of this indicator's first measure that reaches the next grade.
#[derive(Debug, Clone, Serialize)]
pub struct WhatIf {
    pub next_grade: String,
    pub next_grade_min: f64,
    /// The measure changed (e.g. `count(calls where is_callback …)`).
    pub measure: String,
    /// How many more (positive) or fewer (negative) it takes; `None`: this indicator alone cannot.
    pub change: Option<i64>,
    /// The total it would give.
    pub total_after: Option<f64>,
}

/// The furthest a what-if searches (records, or cents for money measures).
const WHAT_IF_LIMIT: i64 = 1_000_000_000_000;

/// What scoring one person's card needs beyond the scheme: their measure values from the
/// roll-ups, the period's inputs, and the formula context (working days, previous values).
struct OnePerson {
    inputs: PeriodInputs,
    values: MeasureValues,
    ctx: EvalContext,
}

impl Store {
    /// One evaluation of `employee`'s measures from the roll-ups, for explain and next-grade.
    async fn one_person(
        &self,
        viewer: &Viewer,
        lib: &Library,
        scheme: &Scheme,
        cal: &Calendar,
        period: Period,
        employee: i64,
    ) -> Result<OnePerson> {
        let wanted = wanted_measures(lib, std::iter::once(scheme));
        let computed = measures::compute(
            self,
            viewer,
            &wanted,
            period,
            Some(employee),
            cal,
            measures::Source::Rollups,
        )
        .await?;
        let prev_codes = super::prev_refs(lib, scheme).collect();
        let mut inputs = self
            .period_inputs(period, Some(employee), &prev_codes)
            .await?;
        let group_refs = super::group_target_refs(lib, scheme).into_iter().collect();
        inputs.group_targets = self
            .group_targets(period, Some(employee), &group_refs)
            .await?;
        super::fill_absences(&wanted, &computed, std::iter::once(employee), &mut inputs);
        let wd = cal.working_days_between(period.start(), period.end_exclusive());
        let pwd = cal.working_days_between(period.prev().start(), period.prev().end_exclusive());
        let values = person_values(&wanted, &computed, employee);
        let mut ctx = base_context(&inputs, employee, wd, pwd);
        fill_prev_indicators(lib, scheme, &values, &mut ctx);
        Ok(OnePerson {
            inputs,
            values,
            ctx,
        })
    }
}

impl Store {
    /// Explains `indicator` on `employee`'s scorecard for `period` (computed fresh, not stored).
    pub async fn explain(
        &self,
        viewer: &Viewer,
        period: Period,
        employee: i64,
        indicator: &str,
        limit: usize,
    ) -> Result<Explanation> {
        let lib = self.library().await?.library;
        let cal = self.calendar(period.start()).await?;
        let req = EvalRequest {
            period,
            scheme: None,
            employee: Some(employee),
        };
        let mut people = self.people_to_evaluate(viewer, &req, &lib).await?;
        let (person, scheme) = people.pop().ok_or_else(|| StoreError::NotFound {
            entity: "scorecard",
            key: format!("{employee} {period}"),
        })?;
        let codes = super::scheme_indicator_codes(&scheme);
        if !codes.iter().any(|c| c == indicator) {
            return Err(StoreError::Invalid {
                field: "indicator".into(),
                message: format!(
                    "`{indicator}` is not on the {} scorecard (its indicators: {})",
                    scheme.code,
                    codes.join(", ")
                ),
            });
        }
        let ind = lib
            .indicator(indicator)
            .expect("scheme indicators exist in the library");
        let OnePerson {
            inputs,
            values,
            ctx,
        } = self
            .one_person(viewer, &lib, &scheme, &cal, period, employee)
            .await?;
        let card = Scorecard::compute(
            &scheme,
            &scorecard_input(&lib, &scheme, &values, ctx.clone(), &inputs, employee),
        );
        let line = card
            .lines
            .iter()
            .find(|l| l.indicator == indicator)
            .expect("the line of a scheme indicator");

        let mut records = Vec::new();
        let formula_measures: Vec<Wanted> = ind
            .formula()
            .map(|f| {
                f.measures()
                    .iter()
                    .map(|m| Wanted {
                        measure: m.clone(),
                        offset: PeriodOffset::Current,
                    })
                    .collect()
            })
            .unwrap_or_default();
        for w in &formula_measures {
            records.push(
                measures::records_behind(self, viewer, w, period, employee, &cal, limit).await?,
            );
        }
        let recompute = |v: &MeasureValues| {
            Scorecard::compute(
                &scheme,
                &scorecard_input(&lib, &scheme, v, ctx.clone(), &inputs, employee),
            )
        };
        let what_if = formula_measures.first().and_then(|w| {
            what_if(
                &card,
                &scheme,
                &formula_measures,
                w,
                ind.direction,
                recompute,
                &values,
            )
        });
        Ok(Explanation {
            period: period.to_string(),
            employee_id: employee,
            employee_code: person.code,
            name: person.name,
            scheme: scheme.code.clone(),
            indicator: indicator.to_string(),
            indicator_name_zh: ind.name_zh.clone(),
            indicator_name_en: ind.name_en.clone(),
            rule: ind
                .formula()
                .map_or_else(|| "rated".to_string(), |f| f.source().to_string()),
            scoring: ind
                .scoring()
                .map_or_else(|| "rated 0–100".to_string(), |s| format!("{s:?}")),
            target: inputs
                .targets
                .get(&employee)
                .and_then(|t| t.get(indicator).copied())
                .or(ind.target),
            value: line.value,
            numerator: line.numerator,
            denominator: line.denominator,
            score: line.score,
            weight: line.weight.as_percent(),
            effective_weight: line.effective_weight,
            applicable: line.applicable,
            na_reason: line.na_reason.map(|r| format!("{r:?}")),
            total: card.total_rounded,
            grade: card.grade.as_ref().map(|g| g.code.clone()),
            records,
            what_if,
        })
    }
}

/// Searches the smallest change of `w`'s value (the formula's first measure) that lifts the
/// card to the next grade. More of a higher-is-better numerator usually means more of its
/// denominator too (another on-time call-back is another call-back): when the second measure
/// reads the same records in the same window, it grows with the first. Fewer of a
/// lower-is-better numerator (errors, complaints) leaves the denominator as it is.
fn what_if(
    card: &Scorecard,
    scheme: &kaohe_domain::scheme::Scheme,
    formula_measures: &[Wanted],
    w: &Wanted,
    direction: Direction,
    recompute: impl Fn(&MeasureValues) -> Scorecard,
    values: &MeasureValues,
) -> Option<WhatIf> {
    let total = card.total_rounded?;
    let mut bands: Vec<_> = scheme.grades.iter().collect();
    bands.sort_by(|a, b| a.min.total_cmp(&b.min));
    let next = bands.into_iter().find(|g| g.min > total)?;
    let current = |key: &str| {
        values
            .get(key, PeriodOffset::Current)
            .flatten()
            .unwrap_or(0.0)
    };
    let step: i64 = if direction == Direction::Higher {
        1
    } else {
        -1
    };
    let companion = formula_measures
        .get(1)
        .filter(|d| {
            direction == Direction::Higher
                && d.measure.kind == w.measure.kind
                && d.measure.window == w.measure.window
        })
        .map(|d| d.measure.key());
    let lifted = |k: i64| -> Option<Option<f64>> {
        let changed = current(w.measure.key()) + (step * k) as f64;
        if changed < 0.0 {
            return None;
        }
        let mut v = values.clone();
        v.set(w.measure.key(), Some(changed));
        if let Some(d) = companion.filter(|d| *d != w.measure.key()) {
            v.set(d, Some(current(d) + k as f64));
        }
        let after = recompute(&v).total_rounded;
        after.filter(|t| *t >= next.min).map(Some)
    };
    // Scores are monotone in the measure: double until the grade is reached, then bisect.
    let mut hi = 1_i64;
    while hi <= WHAT_IF_LIMIT && lifted(hi).is_none() {
        hi *= 2;
    }
    let found = if hi > WHAT_IF_LIMIT {
        None
    } else {
        let mut lo = hi / 2;
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if lifted(mid).is_some() {
                hi = mid
            } else {
                lo = mid
            }
        }
        lifted(hi).map(|after| (step * hi, after))
    };
    Some(WhatIf {
        next_grade: next.code.clone(),
        next_grade_min: next.min,
        measure: w.measure.key().to_string(),
        change: found.map(|f| f.0),
        total_after: found.and_then(|f| f.1),
    })
}

/// One way to reach the next grade: change one indicator's first measure by `change`.
#[derive(Debug, Clone, Serialize)]
pub struct NextGradeStep {
    pub indicator: String,
    pub indicator_name_zh: String,
    pub indicator_name_en: String,
    #[serde(flatten)]
    pub what_if: WhatIf,
}

/// What today's live scorecard would need to reach the next grade, indicator by indicator.
#[derive(Debug, Clone, Serialize)]
pub struct NextGrade {
    pub total: Option<f64>,
    pub grade: Option<String>,
    /// Indicators that reach the next grade alone, the smallest change first.
    pub steps: Vec<NextGradeStep>,
    /// The target of each indicator of the scorecard that has one: the person's own for the
    /// period, else the library's.
    pub targets: std::collections::BTreeMap<String, f64>,
}

impl Store {
    /// The what-if of [`Store::explain`] for every computed indicator of `employee`'s
    /// scorecard at once (one evaluation from the roll-ups; no records are listed): the
    /// dashboard's "what it takes to reach the next grade". Empty steps at the top grade.
    pub async fn next_grade(
        &self,
        viewer: &Viewer,
        period: Period,
        employee: i64,
    ) -> Result<NextGrade> {
        let lib = self.library().await?.library;
        let cal = self.calendar(period.start()).await?;
        let req = EvalRequest {
            period,
            scheme: None,
            employee: Some(employee),
        };
        let mut people = self.people_to_evaluate(viewer, &req, &lib).await?;
        let Some((_, scheme)) = people.pop() else {
            return Err(StoreError::NotFound {
                entity: "scorecard",
                key: format!("{employee} {period}"),
            });
        };
        let OnePerson {
            inputs,
            values,
            ctx,
        } = self
            .one_person(viewer, &lib, &scheme, &cal, period, employee)
            .await?;
        let recompute = |v: &MeasureValues| {
            Scorecard::compute(
                &scheme,
                &scorecard_input(&lib, &scheme, v, ctx.clone(), &inputs, employee),
            )
        };
        let card = recompute(&values);
        let own = inputs.targets.get(&employee);
        let targets = super::scheme_indicator_codes(&scheme)
            .into_iter()
            .filter_map(|code| {
                let t = own
                    .and_then(|t| t.get(&code).copied())
                    .or_else(|| lib.indicator(&code).and_then(|i| i.target))?;
                Some((code, t))
            })
            .collect();
        let mut steps = Vec::new();
        for code in super::scheme_indicator_codes(&scheme) {
            let Some(ind) = lib.indicator(&code) else {
                continue;
            };
            let Some(formula) = ind.formula() else {
                continue;
            };
            let fm: Vec<Wanted> = formula
                .measures()
                .iter()
                .map(|m| Wanted {
                    measure: m.clone(),
                    offset: PeriodOffset::Current,
                })
                .collect();
            let Some(first) = fm.first() else {
                continue;
            };
            if let Some(w) = what_if(
                &card,
                &scheme,
                &fm,
                first,
                ind.direction,
                recompute,
                &values,
            )
            .filter(|w| w.change.is_some())
            {
                steps.push(NextGradeStep {
                    indicator: code.clone(),
                    indicator_name_zh: ind.name_zh.clone(),
                    indicator_name_en: ind.name_en.clone(),
                    what_if: w,
                });
            }
        }
        // The smallest effort first: fewest records (money measures count cents, so they
        // sort after counts of a handful of records, as they should).
        steps.sort_by_key(|s| s.what_if.change.map_or(i64::MAX, i64::abs));
        Ok(NextGrade {
            total: card.total_rounded,
            grade: card.grade.as_ref().map(|g| g.code.clone()),
            steps,
            targets,
        })
    }
}
