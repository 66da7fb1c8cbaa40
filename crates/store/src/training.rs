//! Training in the database (培训, SPEC §3): the results that pre-fill rated indicators, the
//! needs improvement plans raise, what the career ladder is shown, and the training report
//! (plan vs done, attendance, pass rates, indicator change before and after each course).
//! The rules are [`kaohe_domain::training`].

use crate::audit::AuditEntry;
use crate::cycle::{refuse_now, require_role};
use crate::sql::Sql;
use crate::{Result, Store, StoreError, Tx, Viewer};
use chrono::{NaiveDate, Utc};
use kaohe_domain::cycle::CycleState;
use kaohe_domain::indicator::IndicatorKind;
use kaohe_domain::library::Library;
use kaohe_domain::period::Period;
use kaohe_domain::probation;
use kaohe_domain::roles::Role;
use kaohe_domain::training::{self, CourseReport, Prefill, ScoredResult};
use std::collections::{BTreeMap, HashMap, HashSet};

/// The columns of [`ScoredResult`] for one person, joined from results, sessions and courses.
const SCORED: &str = "SELECT c.title, c.indicator_code, s.held_on, r.score, c.pass_mark \
     FROM training_results r JOIN training_sessions s ON s.id = r.session_id \
     JOIN training_courses c ON c.id = s.course_id \
     WHERE r.attended = TRUE AND r.score IS NOT NULL AND r.employee_id = ";

fn scored(rows: Vec<(String, String, NaiveDate, f64, f64)>) -> Vec<ScoredResult> {
    rows.into_iter()
        .map(
            |(course, indicator, held_on, score, pass_mark)| ScoredResult {
                course,
                indicator,
                held_on,
                score,
                pass_mark,
            },
        )
        .collect()
}

impl Store {
    /// A person's scored training results, oldest first.
    pub async fn training_results_of(&self, employee: i64) -> Result<Vec<ScoredResult>> {
        let mut sql = Sql::new(SCORED);
        sql.bind(employee).push(" ORDER BY s.held_on, s.id");
        Ok(scored(self.fetch_all(&sql).await?))
    }

    /// The values training pre-fills for a person's raters in `period`, one per indicator a
    /// course concerns (see [`training::prefill`]).
    pub async fn rating_prefills(&self, period: Period, employee: i64) -> Result<Vec<Prefill>> {
        let results = self.training_results_of(employee).await?;
        let mut codes: Vec<&str> = results
            .iter()
            .map(|r| r.indicator.as_str())
            .filter(|c| !c.is_empty())
            .collect();
        codes.sort_unstable();
        codes.dedup();
        Ok(codes
            .into_iter()
            .filter_map(|c| training::prefill(period, c, &results))
            .collect())
    }

    /// The pre-fill of one indicator, if any.
    pub async fn rating_prefill(
        &self,
        period: Period,
        employee: i64,
        indicator: &str,
    ) -> Result<Option<Prefill>> {
        let results = self.training_results_of(employee).await?;
        Ok(training::prefill(period, indicator, &results))
    }

    /// Plan against what happened for every course of `year`, with attendance, pass rates and
    /// the trainees' indicator change (the course's indicator, or the scorecard total when the
    /// course names none), counting only the people the viewer may see.
    pub async fn training_report(&self, viewer: &Viewer, year: i32) -> Result<Vec<CourseReport>> {
        let mut sql = Sql::new(
            "SELECT id, title, method, planned_on, indicator_code, pass_mark FROM training_courses WHERE year = ",
        );
        sql.bind(year).push(" ORDER BY planned_on, id");
        let courses: Vec<(i64, String, String, NaiveDate, String, f64)> =
            self.fetch_all(&sql).await?;
        // Sessions belong to the company's plan; results to people, so only they are scoped.
        let mut sql = Sql::new(
            "SELECT s.course_id, s.id FROM training_sessions s \
             JOIN training_courses c ON c.id = s.course_id WHERE c.year = ",
        );
        sql.bind(year);
        let sessions: Vec<(i64, i64)> = self.fetch_all(&sql).await?;
        let mut sql = Sql::new(
            "SELECT s.course_id, s.held_on, r.employee_id, r.attended, r.score, e.code, e.name FROM training_results r \
             JOIN training_sessions s ON s.id = r.session_id \
             JOIN training_courses c ON c.id = s.course_id JOIN employees e ON e.id = r.employee_id WHERE c.year = ",
        );
        sql.bind(year);
        viewer.restrict(&mut sql, "r.employee_id");
        sql.push(" ORDER BY s.held_on, s.id, r.employee_id");
        type R = (i64, NaiveDate, i64, bool, Option<f64>, String, String);
        let rows: Vec<R> = self.fetch_all(&sql).await?;
        let held: Vec<NaiveDate> = rows.iter().map(|r| r.1).collect();
        let scores = self.monthly_scores(year, &held, &courses).await?;
        let mut out = Vec::new();
        for (id, title, method, planned_on, indicator, pass_mark) in courses {
            let mut rep = CourseReport {
                course_id: id,
                title,
                method,
                planned_on: Some(planned_on),
                indicator: indicator.clone(),
                ..CourseReport::default()
            };
            rep.sessions = sessions.iter().filter(|s| s.0 == id).count() as u32;
            for r in rows.iter().filter(|r| r.0 == id) {
                let emp = r.2;
                rep.invited += 1;
                if !r.3 {
                    continue;
                }
                rep.attended += 1;
                if let Some(s) = r.4 {
                    rep.scored += 1;
                    rep.passed += u32::from(training::passed(s, pass_mark));
                }
                // Paired: only trainees with values on both sides say anything about change.
                let (b, a) = training::effect_windows(r.1);
                let found = |months: &[Period]| -> Vec<(f64, Option<f64>)> {
                    months
                        .iter()
                        .filter_map(|m| scores.get(&(emp, m.to_string(), indicator.clone())))
                        .copied()
                        .collect()
                };
                let (fb, fa) = (found(&b), found(&a));
                let mean_of = |v: &[(f64, Option<f64>)], value: bool| {
                    let xs: Vec<f64> = if value {
                        v.iter().filter_map(|x| x.1).collect()
                    } else {
                        v.iter().map(|x| x.0).collect()
                    };
                    training::mean(&xs)
                };
                if let (Some(vb), Some(va)) = (mean_of(&fb, false), mean_of(&fa, false)) {
                    rep.trainees.push(training::TraineeChange {
                        employee_id: emp,
                        code: r.5.clone(),
                        name: r.6.clone(),
                        held_on: Some(r.1),
                        before: vb,
                        after: va,
                        before_value: mean_of(&fb, true),
                        after_value: mean_of(&fa, true),
                    });
                }
            }
            let before: Vec<f64> = rep.trainees.iter().map(|t| t.before).collect();
            let after: Vec<f64> = rep.trainees.iter().map(|t| t.after).collect();
            rep.before = training::mean(&before);
            rep.after = training::mean(&after);
            out.push(rep);
        }
        Ok(out)
    }

    /// Current scorecard (score, value) by (person, month, indicator code; empty for the
    /// total), for the people with a result in a course of `year` and the months within the
    /// effect windows of the sessions held on `sessions_on`.
    async fn monthly_scores(
        &self,
        year: i32,
        sessions_on: &[NaiveDate],
        courses: &[(i64, String, String, NaiveDate, String, f64)],
    ) -> Result<HashMap<(i64, String, String), (f64, Option<f64>)>> {
        let mut out = HashMap::new();
        let mut months: Vec<String> = sessions_on
            .iter()
            .flat_map(|d| {
                let (b, a) = training::effect_windows(*d);
                b.into_iter().chain(a)
            })
            .map(|p| p.to_string())
            .collect();
        months.sort_unstable();
        months.dedup();
        if months.is_empty() {
            return Ok(out);
        }
        let trainees = "SELECT r.employee_id FROM training_results r JOIN training_sessions ts ON ts.id = r.session_id \
             JOIN training_courses tc ON tc.id = ts.course_id WHERE tc.year = ";
        let mut sql = Sql::new(
            "SELECT id, employee_id, period, total, lines FROM scorecards WHERE current = TRUE AND period IN ",
        );
        sql.bind_list(months)
            .push(" AND employee_id IN (")
            .push(trainees)
            .bind(year)
            .push(")");
        let cards: Vec<(i64, i64, String, Option<f64>, String)> = self.fetch_all(&sql).await?;
        let codes: HashSet<&str> = courses
            .iter()
            .map(|c| c.4.as_str())
            .filter(|c| !c.is_empty())
            .collect();
        for (card, e, p, total, text) in cards {
            if let Some(t) = total {
                out.insert((e, p.clone(), String::new()), (t, Some(t)));
            }
            if codes.is_empty() {
                continue;
            }
            for l in crate::evaluate::lines::unpack(card, &text)? {
                if let Some(score) = l
                    .score
                    .filter(|_| codes.contains(l.indicator_code.as_str()))
                {
                    out.insert((e, p.clone(), l.indicator_code), (score, l.value));
                }
            }
        }
        Ok(out)
    }

    /// The training needs the viewer may see, newest first.
    pub async fn training_needs(&self, viewer: &Viewer) -> Result<Vec<NeedRow>> {
        let mut sql = Sql::new(
            "SELECT n.id, n.employee_id, e.code AS employee_code, e.name, n.source, n.topic, n.created_at FROM training_needs n \
             JOIN employees e ON e.id = n.employee_id WHERE 1 = 1",
        );
        viewer.restrict(&mut sql, "n.employee_id");
        sql.push(" ORDER BY n.created_at DESC, n.id DESC");
        self.fetch_all(&sql).await
    }

    /// How training needs group by topic, most asked first: the input to next year's plan
    /// (培训需求分析).
    pub async fn training_need_summary(&self, viewer: &Viewer) -> Result<Vec<(String, i64)>> {
        let needs = self.training_needs(viewer).await?;
        let mut by: BTreeMap<String, i64> = BTreeMap::new();
        for n in needs {
            *by.entry(n.topic).or_default() += 1;
        }
        let mut v: Vec<(String, i64)> = by.into_iter().collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        Ok(v)
    }
}

/// The person's training results up to `until` as one line each in Chinese and English (the
/// latest result per course: passed or failed, with score and pass mark), for the career
/// ladder's and probation conversion's recommendations; `None` when they have none.
pub(crate) async fn training_summary(
    tx: &mut Tx,
    employee: i64,
    until: NaiveDate,
) -> Result<Option<(String, String)>> {
    let mut sql = Sql::new(SCORED);
    sql.bind(employee)
        .push(" AND s.held_on <= ")
        .bind(until)
        .push(" ORDER BY s.held_on, s.id");
    let results = scored(tx.fetch_all(&sql).await?);
    Ok(summarize(&results).map(|s| (s.zh, s.en)))
}

/// What a person's training says for a decision: the latest result per course.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TrainingSummary {
    /// Courses whose latest result passed.
    pub passed: u32,
    /// Courses whose latest result failed.
    pub failed: u32,
    /// One line in Chinese: each course, score, pass mark, 通过 / 未通过.
    pub zh: String,
    /// The same in English.
    pub en: String,
}

fn summarize(results: &[ScoredResult]) -> Option<TrainingSummary> {
    let mut latest: BTreeMap<&str, &ScoredResult> = BTreeMap::new();
    for r in results {
        latest.insert(r.course.as_str(), r);
    }
    if latest.is_empty() {
        return None;
    }
    let (mut zh, mut en) = (Vec::new(), Vec::new());
    let (mut passed, mut failed) = (0, 0);
    for r in latest.values() {
        let (z, e) = if r.passed() {
            passed += 1;
            ("通过", "passed")
        } else {
            failed += 1;
            ("未通过", "failed")
        };
        zh.push(format!(
            "{} {} 分（合格 {}）{z}",
            r.course, r.score, r.pass_mark
        ));
        en.push(format!(
            "{} {} (pass mark {}) {e}",
            r.course, r.score, r.pass_mark
        ));
    }
    Some(TrainingSummary {
        passed,
        failed,
        zh: format!("培训：{}", zh.join("；")),
        en: format!("training: {}", en.join("; ")),
    })
}

/// A person on probation (试用): what their training says, what the conversion rule (转正,
/// [`kaohe_domain::probation`]) recommends today, and the latest decision taken.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ProbationInput {
    pub employee_id: i64,
    pub code: String,
    pub name: String,
    pub hired_on: NaiveDate,
    /// `None`: no scored training yet.
    pub training: Option<TrainingSummary>,
    /// The rule's assessment on the day asked.
    pub assessment: probation::Assessment,
    /// The latest decision, if any (an extension, or a decision not to convert).
    pub decided: Option<ProbationDecisionRow>,
}

/// A probation decision as stored.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct ProbationDecisionRow {
    pub id: i64,
    pub employee_id: i64,
    /// `convert`, `extend`, `reject`; `None` when nothing was recommended.
    pub recommended: Option<String>,
    /// `convert`, `extend`, `reject`.
    pub decision: String,
    pub basis: String,
    pub reason: String,
    pub ends_on: NaiveDate,
    pub extended_until: Option<NaiveDate>,
    pub decider: String,
    pub decided_on: NaiveDate,
}

const DECISION_COLUMNS: &str = "id, employee_id, recommended, decision, basis, reason, ends_on, extended_until, decider, decided_on";

impl Store {
    /// The probation rule's settings: `probation_months`, `probation_extension_months` and
    /// `probation_pass_mark`, each defaulting to [`probation::Policy::default`].
    pub async fn probation_policy(&self) -> Result<probation::Policy> {
        let mut p = probation::Policy::default();
        let invalid = |key: &str, text: &str| StoreError::Invalid {
            field: key.to_string(),
            message: format!("`{text}` is not a number"),
        };
        if let Some(t) = self.setting("probation_months").await? {
            p.months = t
                .trim()
                .parse()
                .map_err(|_| invalid("probation_months", &t))?;
        }
        if let Some(t) = self.setting("probation_extension_months").await? {
            p.extension_months = t
                .trim()
                .parse()
                .map_err(|_| invalid("probation_extension_months", &t))?;
        }
        if let Some(t) = self.setting("probation_pass_mark").await? {
            p.pass_mark = t
                .trim()
                .parse()
                .map_err(|_| invalid("probation_pass_mark", &t))?;
        }
        match p.problems() {
            Some(message) => Err(StoreError::Invalid {
                field: "probation".into(),
                message,
            }),
            None => Ok(p),
        }
    }

    /// What the conversion rule is given about one person: their monthly scorecard totals
    /// (current versions), every training result of theirs and the extension granted, if any.
    async fn probation_case(&self, employee: i64, hired_on: NaiveDate) -> Result<probation::Case> {
        let mut sql = Sql::new(
            "SELECT period, total FROM scorecards WHERE current = TRUE AND total IS NOT NULL AND employee_id = ",
        );
        sql.bind(employee);
        let scores = self
            .fetch_all::<(String, f64)>(&sql)
            .await?
            .into_iter()
            .filter_map(|(p, total)| {
                Some(probation::MonthScore {
                    period: Period::parse(&p).ok()?,
                    total,
                })
            })
            .collect();
        let mut sql = Sql::new(
            "SELECT c.title, s.held_on, r.attended, r.score, c.pass_mark FROM training_results r \
             JOIN training_sessions s ON s.id = r.session_id JOIN training_courses c ON c.id = s.course_id \
             WHERE r.employee_id = ",
        );
        sql.bind(employee).push(" ORDER BY s.held_on, s.id");
        let courses = self
            .fetch_all::<(String, NaiveDate, bool, Option<f64>, f64)>(&sql)
            .await?
            .into_iter()
            .map(
                |(course, held_on, attended, score, pass_mark)| probation::CourseResult {
                    course,
                    held_on,
                    attended,
                    score,
                    pass_mark,
                },
            )
            .collect();
        let mut sql = Sql::new(
            "SELECT extended_until FROM probation_decisions WHERE decision = 'extend' AND employee_id = ",
        );
        sql.bind(employee).push(" ORDER BY id DESC");
        let extended: Vec<(Option<NaiveDate>,)> = self.fetch_all(&sql).await?;
        Ok(probation::Case {
            employee_id: employee,
            hired_on,
            extended_until: extended.first().and_then(|r| r.0),
            scores,
            courses,
        })
    }

    /// Everybody on probation the viewer may see (HR, managers, team leaders, the committee
    /// and administrators), with their training results, what the conversion rule recommends
    /// on `today` and the latest decision.
    pub async fn probation_inputs(
        &self,
        viewer: &Viewer,
        today: NaiveDate,
    ) -> Result<Vec<ProbationInput>> {
        require_role(
            viewer,
            &[
                Role::Hr,
                Role::Manager,
                Role::TeamLeader,
                Role::Committee,
                Role::Admin,
            ],
            "see probation conversions",
        )?;
        let policy = self.probation_policy().await?;
        let mut sql = Sql::new(
            "SELECT e.id, e.code, e.name, e.hired_on FROM employees e WHERE e.status = 'probation'",
        );
        viewer.restrict(&mut sql, "e.id");
        sql.push(" ORDER BY e.hired_on, e.id");
        let people: Vec<(i64, String, String, NaiveDate)> = self.fetch_all(&sql).await?;
        let mut out = Vec::new();
        for (employee_id, code, name, hired_on) in people {
            let results = self.training_results_of(employee_id).await?;
            let case = self.probation_case(employee_id, hired_on).await?;
            let mut sql = Sql::new(&format!(
                "SELECT {DECISION_COLUMNS} FROM probation_decisions WHERE employee_id = "
            ));
            sql.bind(employee_id).push(" ORDER BY id DESC LIMIT 1");
            out.push(ProbationInput {
                employee_id,
                code,
                name,
                hired_on,
                training: summarize(&results),
                assessment: policy.assess(&case, today),
                decided: self.fetch_optional(&sql).await?,
            });
        }
        Ok(out)
    }

    /// HR or a manager decides on a person's probation: confirms the rule's recommendation or
    /// decides otherwise with a reason. A conversion makes the person regular staff from
    /// `today`; the decision, the status change and a `decide` audit entry commit together.
    /// A person outside the viewer's scope, or not on probation, is not found.
    pub async fn decide_probation(
        &self,
        viewer: &Viewer,
        employee: i64,
        decision: probation::Verdict,
        reason: &str,
        today: NaiveDate,
    ) -> Result<probation::Outcome> {
        let mut sql =
            Sql::new("SELECT e.hired_on FROM employees e WHERE e.status = 'probation' AND e.id = ");
        sql.bind(employee);
        viewer.restrict(&mut sql, "e.id");
        let (hired_on,): (NaiveDate,) =
            self.fetch_optional(&sql)
                .await?
                .ok_or_else(|| StoreError::NotFound {
                    entity: "person on probation",
                    key: employee.to_string(),
                })?;
        let actor = self.actor_for(viewer, employee).await?;
        let policy = self.probation_policy().await?;
        let case = self.probation_case(employee, hired_on).await?;
        let assessment = policy.assess(&case, today);
        let outcome = policy.decide(&assessment, decision, reason, &actor, today)?;
        let extended_until = match outcome {
            probation::Outcome::Extended { until } => Some(until),
            _ => None,
        };
        let mut tx = self.begin().await?;
        if let probation::Outcome::Converted { on } = outcome {
            let mut up = Sql::new("UPDATE employees SET status = 'regular', regular_on = ");
            up.bind(on)
                .push(", updated_at = ")
                .bind(Utc::now())
                .push(" WHERE status = 'probation' AND id = ")
                .bind(employee);
            // Someone else decided in between: nothing to convert any more.
            if tx.run(&up).await? != 1 {
                return Err(refuse_now(
                    "此人已不在试用期",
                    "the person is no longer on probation",
                ));
            }
        }
        let mut ins = Sql::new(
            "INSERT INTO probation_decisions (employee_id, recommended, decision, basis, reason, ends_on, extended_until, decided_by, decider, decided_on, created_at, assessment) VALUES (",
        );
        ins.bind(employee)
            .push(", ")
            .bind(assessment.recommendation.map(|v| v.as_str().to_string()))
            .push(", ")
            .bind(decision.as_str())
            .push(", ");
        ins.bind(format!("{} / {}", assessment.basis_zh, assessment.basis_en))
            .push(", ")
            .bind(reason.trim())
            .push(", ")
            .bind(assessment.ends_on)
            .push(", ")
            .bind(extended_until)
            .push(", ");
        ins.bind(viewer.user_id)
            .push(", ")
            .bind(viewer.username.as_str())
            .push(", ")
            .bind(today)
            .push(", ")
            .bind(Utc::now())
            .push(", ")
            .bind(serde_json::to_string(&assessment).expect("an assessment serialises"))
            .push(")");
        tx.run(&ins).await?;
        tx.audit(
            viewer,
            AuditEntry {
                action: "decide",
                entity: "probation",
                entity_id: employee.to_string(),
                before: Some(serde_json::json!({
                    "status": "probation",
                    "recommended": assessment.recommendation,
                    "basis": assessment.basis_zh,
                })),
                after: Some(serde_json::json!({
                    "decision": decision,
                    "reason": reason.trim(),
                    "outcome": outcome,
                })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(outcome)
    }
}

/// A training need as listed.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct NeedRow {
    pub id: i64,
    pub employee_id: i64,
    pub employee_code: String,
    pub name: String,
    pub source: String,
    pub topic: String,
    pub created_at: chrono::DateTime<Utc>,
}

/// The rated indicators of a library as (code, zh, en).
pub fn rated_indicators(library: &Library) -> Vec<(String, String, String)> {
    library
        .indicators()
        .iter()
        .filter(|i| matches!(i.kind, IndicatorKind::Rated { .. }))
        .map(|i| (i.code.clone(), i.name_zh.clone(), i.name_en.clone()))
        .collect()
}

/// Writes a training need (source `improvement_plan`) for every item of the person's
/// improvement plan that names a rated indicator, once per person and topic.
pub(crate) async fn needs_from_plan(
    tx: &mut Tx,
    library: &Library,
    employee: i64,
    state: &CycleState,
) -> Result<()> {
    let Some(plan) = state.plan() else {
        return Ok(());
    };
    let rated = rated_indicators(library);
    for item in &plan.items {
        let Some(code) = training::indicator_named(&item.item, &rated) else {
            continue;
        };
        let name = rated
            .iter()
            .find(|r| r.0 == code)
            .map_or(code.to_string(), |r| r.1.clone());
        let topic = format!("{name}：{}", item.item.trim());
        let mut sql = Sql::new("SELECT id FROM training_needs WHERE employee_id = ");
        sql.bind(employee)
            .push(" AND source = 'improvement_plan' AND topic = ")
            .bind(topic.as_str());
        let found: Vec<(i64,)> = tx.fetch_all(&sql).await?;
        if !found.is_empty() {
            continue;
        }
        let mut sql = Sql::new(
            "INSERT INTO training_needs (employee_id, source, topic, created_at) VALUES (",
        );
        sql.bind(employee)
            .push(", 'improvement_plan', ")
            .bind(topic.as_str())
            .push(", ")
            .bind(Utc::now())
            .push(")");
        tx.run(&sql).await?;
    }
    Ok(())
}
