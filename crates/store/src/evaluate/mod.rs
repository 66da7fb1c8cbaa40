//! Evaluation (考核计算): every person's scorecard for a period, set-based.
//!
//! 1. Who: the people employed in the period whose position names a scheme, within the
//!    viewer's scope.
//! 2. What: the distinct measures of every computed indicator of those schemes.
//! 3. One streamed scan per record-kind group computes all measures for everybody
//!    ([`measures::compute`]); ratings, targets, attendance and behaviour factors are read once.
//! 4. The pure domain turns each person's inputs into a [`Scorecard`].
//! 5. The scorecards are stored in one transaction, with the library version that made them.
//!    A closed or locked period is never re-evaluated: its results change only through an
//!    upheld appeal.

mod explain;
mod led;
pub mod lines;
mod longer;
pub mod measures;
mod preview;
mod save;

pub use explain::{Explanation, NextGrade, NextGradeStep, WhatIf};
pub use preview::FormulaPreview;

pub use save::{StoredLine, StoredScorecard};

use crate::sql::Sql;
use crate::{Result, Store, StoreError, Viewer};
use kaohe_domain::calendar::Calendar;
use kaohe_domain::composition::{
    Behaviour, IndicatorOutcome, NaReason, Scorecard, ScorecardInput, combine_raters,
};
use kaohe_domain::formula::{EvalContext, Measure, MeasureValues, Over, PeriodOffset};
use kaohe_domain::library::Library;
use kaohe_domain::period::Period;
use kaohe_domain::scheme::{RaterGroup, RaterMix, RaterWeight, Scheme, Weight};
pub use measures::Source;
use measures::Wanted;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// What to evaluate.
#[derive(Debug, Clone)]
pub struct EvalRequest {
    pub period: Period,
    /// Only people assessed by this scheme.
    pub scheme: Option<String>,
    /// Only this person.
    pub employee: Option<i64>,
}

/// A person to evaluate and the scheme that applies.
#[derive(Debug, Clone, sqlx::FromRow)]
struct Person {
    id: i64,
    code: String,
    name: String,
    position_code: String,
    scheme_code: Option<String>,
}

/// One person's result.
#[derive(Debug, Clone)]
pub struct PersonResult {
    pub employee_id: i64,
    pub employee_code: String,
    pub name: String,
    pub scorecard: Scorecard,
}

/// Everything an evaluation produced.
#[derive(Debug, Clone)]
pub struct Evaluation {
    pub period: Period,
    pub library_version: i64,
    pub working_days: u32,
    pub results: Vec<PersonResult>,
    /// Records read by the measure scans.
    pub rows_read: u64,
}

impl Store {
    /// Evaluates and stores the scorecards of `req` (see the module documentation).
    ///
    /// People whose cycle is consolidated, published or locked keep their stored scorecard:
    /// the committee approves exactly what HR consolidated, and afterwards only an upheld
    /// appeal changes it. Asked for one such person, evaluation is refused; asked for many,
    /// they are left out of the result.
    pub async fn evaluate(&self, viewer: &Viewer, req: &EvalRequest) -> Result<Evaluation> {
        Ok(self.evaluate_then(viewer, req, |_| ()).await?.0)
    }

    /// [`Store::evaluate`], running `prepare` over the computed scorecards on a thread of its
    /// own while they are being stored: a caller's output (the CLI's JSON of ten thousand
    /// cards) is ready when the commit is. What `prepare` made is returned only once the
    /// scorecards are stored.
    pub async fn evaluate_then<R: Send + 'static>(
        &self,
        viewer: &Viewer,
        req: &EvalRequest,
        prepare: impl FnOnce(&Evaluation) -> R + Send + 'static,
    ) -> Result<(Evaluation, R)> {
        self.refuse_if_closed(req.period).await?;
        let frozen = self.frozen_people(req.period).await?;
        if let Some(id) = req.employee.filter(|e| frozen.contains(e)) {
            return Err(StoreError::Invalid {
                field: "employee".into(),
                message: format!(
                    "the result of employee {id} for {} is consolidated or published; it changes only through the cycle or an upheld appeal (考核结果已汇总或公布)",
                    req.period
                ),
            });
        }
        let started = std::time::Instant::now();
        let mut evaluation = self.preview(viewer, req).await?;
        evaluation
            .results
            .retain(|r| !frozen.contains(&r.employee_id));
        let computed = started.elapsed();
        let evaluation = std::sync::Arc::new(evaluation);
        let prepared = tokio::task::spawn_blocking({
            let evaluation = evaluation.clone();
            move || prepare(&evaluation)
        });
        let saved = self.save_scorecards(viewer, &evaluation).await;
        let prepared = prepared.await;
        saved?;
        let prepared = match prepared {
            Ok(r) => r,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(_) => {
                return Err(StoreError::Invalid {
                    field: "evaluation".into(),
                    message: "kaohe was shutting down: the scorecards are stored, the output was not finished".into(),
                });
            }
        };
        tracing::debug!(
            people = evaluation.results.len(),
            compute_ms = computed.as_millis(),
            save_ms = (started.elapsed() - computed).as_millis(),
            "evaluated"
        );
        let evaluation = std::sync::Arc::into_inner(evaluation)
            .expect("the preparing thread has finished and dropped its reference");
        Ok((evaluation, prepared))
    }

    /// People whose scorecard of `period` is frozen by their cycle's stage.
    async fn frozen_people(&self, period: Period) -> Result<std::collections::HashSet<i64>> {
        let mut sql = Sql::new("SELECT employee_id FROM cycles WHERE state IN ");
        sql.bind_list(crate::cycle::FROZEN_STAGES)
            .push(" AND period = ")
            .bind(period.to_string());
        let rows: Vec<(i64,)> = self.fetch_all(&sql).await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// Computes the scorecards of `req` without storing them: the live view of an open
    /// period on a dashboard ("the score it would give today").
    pub async fn preview(&self, viewer: &Viewer, req: &EvalRequest) -> Result<Evaluation> {
        self.preview_from(viewer, req, Source::Rollups).await
    }

    /// [`Store::preview`] computing every measure from `source`: [`Source::Records`] bypasses
    /// the roll-ups, to check them.
    pub async fn preview_from(
        &self,
        viewer: &Viewer,
        req: &EvalRequest,
        source: Source,
    ) -> Result<Evaluation> {
        self.preview_as(viewer, req, source, true).await
    }

    /// Every card of `req` computed from the records of the whole period, whatever the
    /// scheme's own period (a monthly card over a quarter of records): not a result, but what
    /// checks the roll-ups' merge of months against the records.
    pub async fn preview_whole_period(
        &self,
        viewer: &Viewer,
        req: &EvalRequest,
        source: Source,
    ) -> Result<Evaluation> {
        self.preview_as(viewer, req, source, false).await
    }

    async fn preview_as(
        &self,
        viewer: &Viewer,
        req: &EvalRequest,
        source: Source,
        over_stored_periods: bool,
    ) -> Result<Evaluation> {
        let lib = self.library().await?;
        let cal = self.calendar(req.period.start()).await?;
        let people = self.people_to_evaluate(viewer, req, &lib.library).await?;
        if !over_stored_periods {
            let evaluation = self
                .compute_scorecards(viewer, req, &lib.library, &cal, people, source)
                .await?;
            return Ok(Evaluation {
                library_version: lib.version,
                ..evaluation
            });
        }
        // A scheme assessed monthly gets a quarter or a year from its stored months; one
        // assessed over a longer period than asked for has no card for it.
        let kind = req.period.kind();
        let (longer, own): (Vec<_>, Vec<_>) = people
            .into_iter()
            .filter(|(_, s)| s.period <= kind)
            .partition(|(_, s)| s.period < kind);
        let over = self.results_over_periods(req.period, req.employee, &longer);
        let mut evaluation = if own.is_empty() && !longer.is_empty() {
            let cal_days = cal.working_days_between(req.period.start(), req.period.end_exclusive());
            Evaluation {
                period: req.period,
                library_version: 0,
                working_days: cal_days,
                results: Vec::new(),
                rows_read: 0,
            }
        } else {
            self.compute_scorecards(viewer, req, &lib.library, &cal, own, source)
                .await?
        };
        evaluation.results.extend(over.await?);
        evaluation.results.sort_by_key(|r| r.employee_id);
        Ok(Evaluation {
            library_version: lib.version,
            ..evaluation
        })
    }

    async fn refuse_if_closed(&self, period: Period) -> Result<()> {
        let mut sql = Sql::new("SELECT status FROM periods WHERE code = ");
        sql.bind(period.to_string());
        match self.fetch_optional::<(String,)>(&sql).await? {
            Some((status,)) if status != "open" => Err(StoreError::Invalid {
                field: "period".into(),
                message: format!(
                    "{period} is {status}; its results change only through an upheld appeal (考核结果已锁定)"
                ),
            }),
            _ => Ok(()),
        }
    }

    async fn people_to_evaluate(
        &self,
        viewer: &Viewer,
        req: &EvalRequest,
        lib: &Library,
    ) -> Result<Vec<(Person, Scheme)>> {
        let mut sql = Sql::new(
            "SELECT e.id, e.code, e.name, p.code AS position_code, p.scheme_code FROM employees e \
             JOIN positions p ON p.id = e.position_id WHERE e.hired_on < ",
        );
        sql.bind(req.period.end_exclusive())
            .push(" AND (e.left_on IS NULL OR e.left_on >= ")
            .bind(req.period.start());
        sql.push(")");
        if let Some(id) = req.employee {
            sql.push(" AND e.id = ").bind(id);
        }
        viewer.restrict(&mut sql, "e.id");
        sql.push(" ORDER BY e.id");
        let people: Vec<Person> = self.fetch_all(&sql).await?;
        let mut out = Vec::new();
        for p in people {
            let scheme = p
                .scheme_code
                .as_deref()
                .and_then(|c| lib.scheme(c))
                .or_else(|| lib.scheme_for_position(&p.position_code));
            let Some(scheme) = scheme else { continue };
            if req.scheme.as_deref().is_some_and(|s| s != scheme.code) {
                continue;
            }
            out.push((p, scheme.clone()));
        }
        if let Some(code) = req
            .scheme
            .as_deref()
            .filter(|c| out.is_empty() && lib.scheme(c).is_none())
        {
            let known: Vec<_> = lib.schemes().iter().map(|s| s.code.as_str()).collect();
            return Err(StoreError::Invalid {
                field: "scheme".into(),
                message: format!("unknown scheme `{code}` (known: {})", known.join(", ")),
            });
        }
        Ok(out)
    }

    async fn compute_scorecards(
        &self,
        viewer: &Viewer,
        req: &EvalRequest,
        lib: &Library,
        cal: &Calendar,
        people: Vec<(Person, Scheme)>,
        source: Source,
    ) -> Result<Evaluation> {
        let started = std::time::Instant::now();
        let wanted = wanted_measures(lib, people.iter().map(|(_, s)| s));
        let schemes: BTreeMap<&str, &Scheme> =
            people.iter().map(|(_, s)| (s.code.as_str(), s)).collect();
        let prev_codes: BTreeSet<String> =
            schemes.values().flat_map(|s| prev_refs(lib, s)).collect();
        let group_refs: BTreeSet<(Over, String)> = schemes
            .values()
            .flat_map(|s| group_target_refs(lib, s))
            .collect();
        let (computed, mut inputs, group_targets) = futures_util::future::try_join3(
            measures::compute(self, viewer, &wanted, req.period, req.employee, cal, source),
            self.period_inputs(req.period, req.employee, &prev_codes),
            self.group_targets(req.period, req.employee, &group_refs),
        )
        .await?;
        inputs.group_targets = group_targets;
        fill_absences(
            &wanted,
            &computed,
            people.iter().map(|(p, _)| p.id),
            &mut inputs,
        );
        let read = started.elapsed();
        let working_days = cal.working_days_between(req.period.start(), req.period.end_exclusive());
        let prev_working_days =
            cal.working_days_between(req.period.prev().start(), req.period.prev().end_exclusive());
        let score = |(person, scheme): &(Person, Scheme), members: &MemberResults| {
            let values = person_values(&wanted, &computed, person.id);
            let mut ctx_base = base_context(&inputs, person.id, working_days, prev_working_days);
            ctx_base.member_results = members.clone();
            fill_prev_indicators(lib, scheme, &values, &mut ctx_base);
            let input = scorecard_input(lib, scheme, &values, ctx_base, &inputs, person.id);
            PersonResult {
                employee_id: person.id,
                employee_code: person.code.clone(),
                name: person.name.clone(),
                scorecard: Scorecard::compute(scheme, &input),
            }
        };
        let mut results = on_every_core(&people, |p| score(p, &MemberResults::new()));
        // Leaders whose cards read the results of the people they lead are scored again from
        // those results; a manager's department holds supervisors whose results hold their
        // members', so a few rounds settle it.
        let leaders: Vec<usize> = (0..people.len())
            .filter(|i| !member_scopes(lib, &people[*i].1).is_empty())
            .collect();
        if !leaders.is_empty() {
            let led = self.led().await?;
            let reading: Vec<(i64, Vec<Over>)> = leaders
                .iter()
                .map(|i| (people[*i].0.id, member_scopes(lib, &people[*i].1)))
                .collect();
            let mut totals = self
                .member_totals(viewer, req, source, &led, &reading)
                .await?;
            for _ in 0..4 {
                for r in &results {
                    match r.scorecard.total {
                        Some(t) => totals.insert(r.employee_id, t),
                        None => totals.remove(&r.employee_id),
                    };
                }
                let stats = led.member_results(&totals);
                let mut changed = false;
                for &i in &leaders {
                    let mine = stats.get(&people[i].0.id).cloned().unwrap_or_default();
                    let again = score(&people[i], &mine);
                    changed |= again.scorecard.total != results[i].scorecard.total;
                    results[i] = again;
                }
                if !changed {
                    break;
                }
            }
        }
        tracing::debug!(
            measures = wanted.len(),
            rows_read = computed.rows_read,
            read_ms = read.as_millis(),
            scoring_ms = (started.elapsed() - read).as_millis(),
            "scorecards computed"
        );
        Ok(Evaluation {
            period: req.period,
            library_version: 0,
            working_days,
            results,
            rows_read: computed.rows_read,
        })
    }

    /// Ratings, targets, behaviour factors and last period's stored values of the indicators
    /// `prev_codes` (those formulas reach with `prev(...)`), each read once and all at the same
    /// time (absences come with the measures: [`fill_absences`]).
    async fn period_inputs(
        &self,
        period: Period,
        employee: Option<i64>,
        prev_codes: &BTreeSet<String>,
    ) -> Result<PeriodInputs> {
        let (ratings, targets, behaviour, prev_values) = futures_util::future::try_join4(
            self.period_ratings(period, employee),
            self.period_targets(period, employee),
            self.period_behaviour(period, employee),
            self.prev_values(period, employee, prev_codes),
        )
        .await?;
        let mut group_ratings: HashMap<i64, BTreeMap<RaterGroup, Vec<f64>>> = HashMap::new();
        for ((emp, _), groups) in &ratings {
            let mine = group_ratings.entry(*emp).or_default();
            for (g, scores) in groups {
                mine.entry(*g).or_default().extend(scores);
            }
        }
        Ok(PeriodInputs {
            ratings,
            group_ratings,
            targets,
            prev_values,
            absent_days: HashMap::new(),
            behaviour,
            group_targets: HashMap::new(),
        })
    }

    async fn period_ratings(
        &self,
        period: Period,
        employee: Option<i64>,
    ) -> Result<HashMap<(i64, String), BTreeMap<RaterGroup, Vec<f64>>>> {
        let mut sql = Sql::new(
            "SELECT employee_id, indicator_code, rater_group, score FROM ratings WHERE period = ",
        );
        sql.bind(period.to_string());
        only(&mut sql, "employee_id", employee);
        let mut out: HashMap<_, BTreeMap<_, Vec<f64>>> = HashMap::new();
        for (emp, ind, group, score) in self.fetch_all::<(i64, String, String, f64)>(&sql).await? {
            if let Some(g) = RaterGroup::ALL.into_iter().find(|g| g.as_str() == group) {
                out.entry((emp, ind))
                    .or_default()
                    .entry(g)
                    .or_default()
                    .push(score);
            }
        }
        Ok(out)
    }

    async fn period_targets(
        &self,
        period: Period,
        employee: Option<i64>,
    ) -> Result<HashMap<i64, BTreeMap<String, f64>>> {
        let mut sql = Sql::new(
            "SELECT employee_id, indicator_code, value FROM targets WHERE status <> 'disputed' AND period = ",
        );
        sql.bind(period.to_string());
        only(&mut sql, "employee_id", employee);
        let mut out: HashMap<i64, BTreeMap<String, f64>> = HashMap::new();
        for (emp, ind, value) in self.fetch_all::<(i64, String, f64)>(&sql).await? {
            out.entry(emp).or_default().insert(ind, value);
        }
        Ok(out)
    }

    async fn period_behaviour(
        &self,
        period: Period,
        employee: Option<i64>,
    ) -> Result<HashMap<i64, Behaviour>> {
        let mut sql = Sql::new(
            "SELECT employee_id, factor, serious_violation FROM behaviour_assessments WHERE period = ",
        );
        sql.bind(period.to_string());
        only(&mut sql, "employee_id", employee);
        let rows = self.fetch_all::<(i64, f64, bool)>(&sql).await?;
        Ok(rows
            .into_iter()
            .map(|(emp, factor, serious_violation)| {
                let b = Behaviour {
                    factor,
                    serious_violation,
                };
                (emp, b)
            })
            .collect())
    }

    /// The sums of the targets of the people each person leads, for the `team_target` and
    /// `department_target` references `refs` (every member's targets are read, whoever is
    /// asked for).
    async fn group_targets(
        &self,
        period: Period,
        employee: Option<i64>,
        refs: &BTreeSet<(Over, String)>,
    ) -> Result<HashMap<i64, BTreeMap<(Over, String), f64>>> {
        let mut out: HashMap<i64, BTreeMap<(Over, String), f64>> = HashMap::new();
        if refs.is_empty() {
            return Ok(out);
        }
        let (targets, led) =
            futures_util::future::try_join(self.period_targets(period, None), self.led()).await?;
        for (over, code) in refs {
            let sums = led.sums(*over, |m| {
                targets
                    .get(&m)
                    .and_then(|t| t.get(code))
                    .copied()
                    .unwrap_or(0.0)
            });
            for (person, sum) in sums {
                if employee.is_none_or(|e| e == person) {
                    out.entry(person)
                        .or_default()
                        .insert((*over, code.clone()), sum);
                }
            }
        }
        Ok(out)
    }

    /// The totals of the people the `leaders` lead (each by the scopes its formulas read),
    /// when this evaluation scores only one person: their stored results, or — when one of
    /// them has none yet (a leader consolidated before the team) — everyone's live result, as
    /// the whole period's evaluation gives it.
    pub(super) async fn member_totals(
        &self,
        viewer: &Viewer,
        req: &EvalRequest,
        source: Source,
        led: &led::Led,
        leaders: &[(i64, Vec<Over>)],
    ) -> Result<HashMap<i64, f64>> {
        let stored = self.stored_totals(req.period).await?;
        if req.employee.is_none() {
            return Ok(stored);
        }
        let complete = leaders.iter().all(|(leader, scopes)| {
            led.people_led(*leader, scopes)
                .iter()
                .all(|m| stored.contains_key(m))
        });
        if complete {
            return Ok(stored);
        }
        let everyone = EvalRequest {
            employee: None,
            ..req.clone()
        };
        let live = Box::pin(self.preview_from(viewer, &everyone, source)).await?;
        Ok(live
            .results
            .iter()
            .filter_map(|r| Some((r.employee_id, r.scorecard.total?)))
            .collect())
    }

    /// Everyone's current stored total of `period`: the results of people led whom this
    /// evaluation does not score (one person's live card).
    async fn stored_totals(&self, period: Period) -> Result<HashMap<i64, f64>> {
        let mut sql = Sql::new(
            "SELECT employee_id, total FROM scorecards WHERE current = TRUE AND total IS NOT NULL AND period = ",
        );
        sql.bind(period.to_string());
        Ok(self
            .fetch_all::<(i64, f64)>(&sql)
            .await?
            .into_iter()
            .collect())
    }

    /// Last period's stored values of the indicators `codes`.
    async fn prev_values(
        &self,
        period: Period,
        employee: Option<i64>,
        codes: &BTreeSet<String>,
    ) -> Result<HashMap<i64, BTreeMap<String, f64>>> {
        let mut out: HashMap<i64, BTreeMap<String, f64>> = HashMap::new();
        if codes.is_empty() {
            return Ok(out);
        }
        let mut sql = Sql::new(
            "SELECT id, employee_id, lines FROM scorecards WHERE current = TRUE AND period = ",
        );
        sql.bind(period.prev().to_string());
        only(&mut sql, "employee_id", employee);
        for (card, emp, text) in self.fetch_all::<(i64, i64, String)>(&sql).await? {
            let values = lines::values(card, &text)?
                .into_iter()
                .filter(|(code, _)| codes.contains(code))
                .filter_map(|(code, value)| Some((code, value?)));
            out.entry(emp).or_default().extend(values);
        }
        Ok(out)
    }
}

/// Narrows a period-input query to one person when only one is evaluated (a live scorecard).
fn only(sql: &mut Sql, column: &str, employee: Option<i64>) {
    if let Some(e) = employee {
        sql.push(&format!(" AND {column} = ")).bind(e);
    }
}

#[derive(Debug, Default)]
struct PeriodInputs {
    ratings: HashMap<(i64, String), BTreeMap<RaterGroup, Vec<f64>>>,
    /// Every rating of a person by group, whatever the indicator (whole-period mix).
    group_ratings: HashMap<i64, BTreeMap<RaterGroup, Vec<f64>>>,
    targets: HashMap<i64, BTreeMap<String, f64>>,
    prev_values: HashMap<i64, BTreeMap<String, f64>>,
    absent_days: HashMap<i64, u32>,
    behaviour: HashMap<i64, Behaviour>,
    /// The targets of the people each person leads, summed (`team_target("code")`).
    group_targets: HashMap<i64, BTreeMap<(Over, String), f64>>,
}

/// `f` of every item, in order, spread over the machine's cores when there are enough items
/// to be worth a thread (the pure scoring of ten thousand people takes a few hundred ms).
fn on_every_core<'a, T: Sync, R: Send>(items: &'a [T], f: impl Fn(&'a T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if threads < 2 || items.len() < 512 {
        return items.iter().map(f).collect();
    }
    let f = &f;
    std::thread::scope(|s| {
        let parts: Vec<_> = items
            .chunks(items.len().div_ceil(threads))
            .map(|part| s.spawn(move || part.iter().map(f).collect::<Vec<R>>()))
            .collect();
        parts
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

/// One person's measure values, current and previous period.
fn person_values(wanted: &[Wanted], computed: &measures::Computed, employee: i64) -> MeasureValues {
    let mut values = MeasureValues::new();
    for (i, w) in wanted.iter().enumerate() {
        let v = computed.get(employee, i, w);
        match w.offset {
            PeriodOffset::Current => values.set(w.measure.shared_key(), v),
            PeriodOffset::Previous => values.set_previous(w.measure.shared_key(), v),
        };
    }
    values
}

/// `prev(indicator)` for indicators that last period's stored scorecard does not hold (it was
/// not on the person's scheme, or not evaluated): the indicator's formula over last period's
/// records. A stored value — possibly corrected by an upheld appeal — takes precedence.
fn fill_prev_indicators(
    lib: &Library,
    scheme: &Scheme,
    values: &MeasureValues,
    ctx: &mut EvalContext,
) {
    fill_prev_values_of(lib, prev_refs(lib, scheme), values, ctx);
}

/// The results of the people a person leads, as formulas read them.
type MemberResults = BTreeMap<(Over, kaohe_domain::formula::MemberStat), f64>;

/// Whose results the formulas of `scheme` read (empty: nobody's but the person's own).
fn member_scopes(lib: &Library, scheme: &Scheme) -> Vec<Over> {
    let mut out = Vec::new();
    for code in scheme_indicator_codes(scheme) {
        let scopes = lib
            .indicator(&code)
            .and_then(|i| i.formula())
            .map(|f| f.member_result_scopes())
            .unwrap_or_default();
        for over in scopes {
            if !out.contains(&over) {
                out.push(over);
            }
        }
    }
    out
}

/// The `team_target` / `department_target` references of the formulas of `scheme`.
pub(crate) fn group_target_refs(lib: &Library, scheme: &Scheme) -> Vec<(Over, String)> {
    scheme_indicator_codes(scheme)
        .into_iter()
        .flat_map(|code| {
            lib.indicator(&code)
                .and_then(|i| i.formula())
                .map(|f| f.group_target_refs())
                .unwrap_or_default()
        })
        .collect()
}

/// The indicators whose last-period value the formulas of `scheme` reach with `prev(...)`.
fn prev_refs<'a>(lib: &'a Library, scheme: &Scheme) -> impl Iterator<Item = String> + 'a {
    scheme_indicator_codes(scheme).into_iter().flat_map(|code| {
        lib.indicator(&code)
            .and_then(|i| i.formula())
            .map(|f| f.prev_indicator_refs())
            .unwrap_or_default()
    })
}

/// [`fill_prev_indicators`] for the `referenced` indicators (of one formula being previewed).
fn fill_prev_values_of(
    lib: &Library,
    referenced: impl IntoIterator<Item = String>,
    values: &MeasureValues,
    ctx: &mut EvalContext,
) {
    let previous = values.shifted_back();
    let prev_ctx = EvalContext {
        working_days: ctx.prev_working_days,
        ..EvalContext::default()
    };
    for code in referenced {
        if ctx.prev_indicators.contains_key(&code) {
            continue;
        }
        let value = lib
            .indicator(&code)
            .and_then(|i| i.formula())
            .and_then(|f| f.evaluate(&previous, &prev_ctx).value);
        if let Some(v) = value {
            ctx.prev_indicators.insert(code, v);
        }
    }
}

/// What every formula of one person sees besides its measures.
fn base_context(
    inputs: &PeriodInputs,
    employee: i64,
    working_days: u32,
    prev_working_days: u32,
) -> EvalContext {
    EvalContext {
        target: None,
        targets: inputs.targets.get(&employee).cloned().unwrap_or_default(),
        prev_indicators: inputs
            .prev_values
            .get(&employee)
            .cloned()
            .unwrap_or_default(),
        working_days: Some(f64::from(working_days)),
        prev_working_days: Some(f64::from(prev_working_days)),
        group_targets: inputs
            .group_targets
            .get(&employee)
            .cloned()
            .unwrap_or_default(),
        member_results: BTreeMap::new(),
    }
}

/// Absent and half-absent days of the period (缺勤, the attendance deduction's input): a
/// measure like any other, so that an evaluation reads it from the roll-ups with the rest.
const ABSENCES: &str = r#"count(attendance where status in ("absent", "half_absent"))"#;

fn absences() -> Wanted {
    let formula = kaohe_domain::formula::compile(ABSENCES).expect("the absence measure compiles");
    Wanted {
        measure: formula.requests()[0].measure.clone(),
        offset: PeriodOffset::Current,
    }
}

/// Sets the absent days of `people` from the absence measure of `wanted`.
fn fill_absences(
    wanted: &[Wanted],
    computed: &measures::Computed,
    people: impl Iterator<Item = i64>,
    inputs: &mut PeriodInputs,
) {
    let absences = absences();
    let Some(index) = wanted.iter().position(|w| {
        w.offset == PeriodOffset::Current && w.measure.key() == absences.measure.key()
    }) else {
        return;
    };
    for person in people {
        let days = computed.get(person, index, &wanted[index]).unwrap_or(0.0);
        if days > 0.0 {
            inputs.absent_days.insert(person, days as u32);
        }
    }
}

/// The distinct (measure, period) pairs of every computed indicator of every scheme of `lib`.
pub(crate) fn library_measures(lib: &Library) -> Vec<Wanted> {
    let mut out = wanted_measures(lib, lib.schemes().iter());
    // A team's or department's measure is made from its members' own values: those are
    // what the roll-ups keep.
    let bases: Vec<Wanted> = out
        .iter()
        .filter(|w| w.measure.window.over != kaohe_domain::formula::Over::Own)
        .map(|w| Wanted {
            measure: w.measure.own(),
            offset: w.offset,
        })
        .collect();
    out.extend(bases);
    out
}

/// The distinct (measure, period) pairs of every computed indicator of `schemes`.
fn wanted_measures<'a>(lib: &Library, schemes: impl Iterator<Item = &'a Scheme>) -> Vec<Wanted> {
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    let mut scheme_codes = std::collections::BTreeSet::new();
    for scheme in schemes {
        if !scheme_codes.insert(scheme.code.clone()) {
            continue;
        }
        for code in scheme_indicator_codes(scheme) {
            let Some(formula) = lib.indicator(&code).and_then(|i| i.formula()) else {
                continue;
            };
            let mut requests: Vec<(Measure, PeriodOffset)> = formula
                .requests()
                .iter()
                .map(|r| (r.measure.clone(), r.offset))
                .collect();
            // prev(indicator): that indicator's measures over the previous period.
            for referenced in formula.prev_indicator_refs() {
                if let Some(f) = lib.indicator(&referenced).and_then(|i| i.formula()) {
                    requests.extend(
                        f.requests()
                            .iter()
                            .filter(|r| r.offset == PeriodOffset::Current)
                            .map(|r| (r.measure.clone(), PeriodOffset::Previous)),
                    );
                }
            }
            for (measure, offset) in requests {
                if seen.insert((measure.key().to_string(), offset == PeriodOffset::Previous)) {
                    out.push(Wanted { measure, offset });
                }
            }
        }
    }
    let absences = absences();
    if seen.insert((absences.measure.key().to_string(), false)) {
        out.push(absences);
    }
    out
}

fn scheme_indicator_codes(scheme: &Scheme) -> Vec<String> {
    scheme
        .groups
        .iter()
        .flat_map(|g| g.items.iter().map(|i| i.indicator.clone()))
        .collect()
}

fn scorecard_input(
    lib: &Library,
    scheme: &Scheme,
    values: &MeasureValues,
    ctx_base: EvalContext,
    inputs: &PeriodInputs,
    employee: i64,
) -> ScorecardInput {
    let mut outcomes = BTreeMap::new();
    for code in scheme_indicator_codes(scheme) {
        let outcome = match lib.indicator(&code) {
            None => IndicatorOutcome::not_applicable(NaReason::NoValue),
            Some(ind) if ind.is_rated() => {
                let ratings = inputs
                    .ratings
                    .get(&(employee, code.clone()))
                    .cloned()
                    .unwrap_or_default();
                ind.rated_outcome(&combine_raters(indicator_raters(scheme), &ratings))
            }
            Some(ind) => {
                let personal = ctx_base.targets.get(&code).copied();
                let ctx = EvalContext {
                    target: personal.or(ind.target),
                    ..ctx_base.clone()
                };
                let eval = ind
                    .formula()
                    .map(|f| f.evaluate(values, &ctx))
                    .unwrap_or_default();
                ind.outcome(&eval, personal)
            }
        };
        outcomes.insert(code, outcome);
    }
    let group_ratings = match scheme.rater_mix {
        RaterMix::WholePeriod => inputs
            .group_ratings
            .get(&employee)
            .cloned()
            .unwrap_or_default(),
        RaterMix::RatedIndicators => BTreeMap::new(),
    };
    ScorecardInput {
        outcomes,
        absent_days: inputs.absent_days.get(&employee).copied().unwrap_or(0),
        behaviour: inputs.behaviour.get(&employee).copied(),
        group_ratings,
    }
}

/// Whose ratings a rated indicator's score is made of: every group of the scheme, or under a
/// whole-period mix the superior alone (the other groups weigh in on the whole period).
fn indicator_raters(scheme: &Scheme) -> &[RaterWeight] {
    const SUPERIOR: &[RaterWeight] = &[RaterWeight {
        group: RaterGroup::Superior,
        weight: Weight::FULL,
    }];
    match scheme.rater_mix {
        RaterMix::WholePeriod => SUPERIOR,
        RaterMix::RatedIndicators => &scheme.raters,
    }
}
