//! Quarters and years from the stored results of their months (SPEC §5a): a person whose
//! scheme is assessed monthly gets, for a quarter or a year, the scheme's annual rule over the
//! current (appeal-corrected) monthly scorecards — never the monthly card re-run over a year
//! of records against monthly targets.

use super::save::CardRow;
use super::{EvalRequest, Person, PersonResult, lines, only};
use crate::audit::AuditEntry;
use crate::sql::Sql;
use crate::{Result, Store, Viewer};
use chrono::Utc;
use kaohe_domain::composition::{LongerInput, PartLine, PartResult, Scorecard, combine_raters};
use kaohe_domain::period::{Period, PeriodKind};
use kaohe_domain::scheme::{AnnualRule, Scheme};
use std::collections::{BTreeMap, BTreeSet, HashMap};

impl Store {
    /// Makes the stored quarter and year results that contain `part` again for one person
    /// whose result of `part` changed (an upheld appeal): each gets a new version from the
    /// current months, the old one kept, `why` as its reason, audited under `viewer`. Periods
    /// never evaluated for the person, and a scheme assessed over the longer period itself,
    /// are left alone. Returns the periods made again.
    pub(crate) async fn rederive_enclosing(
        &self,
        viewer: &Viewer,
        employee: i64,
        part: Period,
        why: &str,
    ) -> Result<Vec<Period>> {
        let mut done = Vec::new();
        let lib = self.library().await?;
        for period in part.enclosing() {
            let mut q = Sql::new(
                "SELECT id, version, scheme_code FROM scorecards WHERE current = TRUE AND period = ",
            );
            q.bind(period.to_string())
                .push(" AND employee_id = ")
                .bind(employee);
            let Some((old_id, version, scheme)) =
                self.fetch_optional::<(i64, i32, String)>(&q).await?
            else {
                continue;
            };
            if lib
                .library
                .scheme(&scheme)
                .is_none_or(|s| s.period >= period.kind())
            {
                continue;
            }
            let req = EvalRequest {
                period,
                scheme: None,
                employee: Some(employee),
            };
            let evaluation = self.preview(&Viewer::system("appeal"), &req).await?;
            let Some(result) = evaluation
                .results
                .iter()
                .find(|r| r.employee_id == employee)
            else {
                continue;
            };
            let code = period.to_string();
            let row = CardRow::new(&code, result, &evaluation, Utc::now()).after(version);
            let mut tx = self.begin().await?;
            tx.insert_rows(std::slice::from_ref(&row)).await?;
            let mut reason = Sql::new("UPDATE scorecards SET reason = ");
            reason
                .bind(why)
                .push(" WHERE period = ")
                .bind(code.as_str())
                .push(" AND employee_id = ")
                .bind(employee)
                .push(" AND version = ")
                .bind(version + 1);
            tx.run(&reason).await?;
            let mut off = Sql::new("UPDATE scorecards SET current = FALSE WHERE id = ");
            off.bind(old_id);
            tx.run(&off).await?;
            let entry = AuditEntry {
                action: "update",
                entity: "scorecards",
                entity_id: format!("{code}/{employee}"),
                before: Some(serde_json::json!({ "version": version })),
                after: Some(serde_json::json!({
                    "version": version + 1,
                    "total": result.scorecard.total,
                    "reason": why,
                })),
            };
            tx.audit(viewer, entry).await?;
            tx.commit().await?;
            done.push(period);
        }
        Ok(done)
    }

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
