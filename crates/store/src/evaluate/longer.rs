//! Quarters and years from the stored results of their months (SPEC §5a): a person whose
//! scheme is assessed monthly gets, for a quarter or a year, the scheme's annual rule over the
//! current (appeal-corrected) monthly scorecards — never the monthly card re-run over a year
//! of records against monthly targets.

use super::{Person, PersonResult, lines, only};
use crate::sql::Sql;
use crate::{Result, Store};
use kaohe_domain::composition::{LongerInput, PartLine, PartResult, Scorecard, combine_raters};
use kaohe_domain::period::{Period, PeriodKind};
use kaohe_domain::scheme::{AnnualRule, Scheme};
use std::collections::{BTreeMap, BTreeSet, HashMap};

impl Store {
    /// The results for `period` of `people`, whose schemes are assessed over shorter periods:
    /// one read of the stored cards of every shorter period inside it, one of the ratings
    /// given for `period` itself (the year's attitude).
    pub(super) async fn results_over_periods(
        &self,
        period: Period,
        employee: Option<i64>,
        people: &[(Person, Scheme)],
    ) -> Result<Vec<PersonResult>> {
        if people.is_empty() {
            return Ok(Vec::new());
        }
        let kinds: BTreeSet<PeriodKind> = people.iter().map(|(_, s)| s.period).collect();
        let codes: Vec<String> = kinds
            .iter()
            .flat_map(|k| period.parts(*k))
            .map(|p| p.to_string())
            .collect();
        let mut sql = Sql::new(
            "SELECT id, employee_id, period, total, lines FROM scorecards WHERE current = TRUE AND period IN ",
        );
        sql.bind_list(codes);
        only(&mut sql, "employee_id", employee);
        let assessed: BTreeSet<i64> = people.iter().map(|(p, _)| p.id).collect();
        let mut stored: HashMap<i64, Vec<(String, PartResult)>> = HashMap::new();
        let rows = self
            .fetch_all::<(i64, i64, String, Option<f64>, String)>(&sql)
            .await?;
        for (card, emp, part, total, text) in rows {
            if !assessed.contains(&emp) {
                continue;
            }
            let lines = lines::unpack(card, &text)?
                .into_iter()
                .map(|l| {
                    let line = PartLine {
                        value: l.value,
                        score: l.score,
                    };
                    (l.indicator_code, line)
                })
                .collect();
            stored
                .entry(emp)
                .or_default()
                .push((part, PartResult { total, lines }));
        }
        let ratings = self.period_ratings(period, employee).await?;
        let results = people
            .iter()
            .map(|(person, scheme)| {
                let parts: BTreeSet<String> = period
                    .parts(scheme.period)
                    .iter()
                    .map(|p| p.to_string())
                    .collect();
                let mine: Vec<PartResult> = stored
                    .get(&person.id)
                    .into_iter()
                    .flatten()
                    .filter(|(p, _)| parts.contains(p))
                    .map(|(_, r)| r.clone())
                    .collect();
                let rated: BTreeMap<String, f64> = annual_indicators(scheme)
                    .filter_map(|code| {
                        let given = ratings.get(&(person.id, code.clone()))?;
                        Some((code, combine_raters(&scheme.raters, given).score?))
                    })
                    .collect();
                let input = LongerInput {
                    year: period.kind() == PeriodKind::Year,
                    expected: parts.len(),
                    parts: &mine,
                    rated: &rated,
                };
                PersonResult {
                    employee_id: person.id,
                    employee_code: person.code.clone(),
                    name: person.name.clone(),
                    scorecard: Scorecard::over_periods(scheme, input),
                }
            })
            .collect();
        Ok(results)
    }
}

/// The indicators whose ratings for the year make up its attitude and ability parts.
fn annual_indicators(scheme: &Scheme) -> impl Iterator<Item = String> + '_ {
    let lists: [&[String]; 2] = match &scheme.annual {
        AnnualRule::MeanOfMonths => [&[], &[]],
        AnnualRule::Parts {
            attitude_indicators,
            ability_indicators,
            ..
        } => [attitude_indicators, ability_indicators],
    };
    lists.into_iter().flatten().cloned()
}
