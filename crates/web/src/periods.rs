//! Closing a period in the browser (issue 22): `/periods` lists the recent months, and
//! `/periods/{period}` shows HR where every person's cycle stands (how many per stage, who is
//! overdue with the pending step and its last day, who has no scorecard and why) with one
//! button per step: evaluate the period (a background job with a progress bar), preview then
//! consolidate everybody whose ratings are in (HR), approve (and so publish) every consolidated
//! result (the committee), lock every published cycle (HR). The same steps are in the JSON API.
//!
//! The steps are the store's ([`kaohe_store::Store::bulk_step`]): one transaction per person,
//! restartable, audited, with each refusal listed (who, why) rather than failing the run.
//! Roles are the store's too; this layer only keeps the page from people who cannot use it.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::awards::month;
use crate::error::WebError;
use crate::extract::{Path, Query};
use crate::i18n::{self, Lang};
use crate::openapi::ErrorBody;
use crate::pages::render_page;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Form, Json};
use kaohe_domain::period::Period;
use kaohe_domain::roles::Role;
use kaohe_store::cycle::{BulkOutcome, BulkRefusal, BulkStep, ConsolidationPreview};
use kaohe_store::evaluate::EvalRequest;
use kaohe_store::{Store, Viewer};
use minijinja::context;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};

/// How many months `/periods` lists, this one first.
const RECENT_MONTHS: usize = 12;
/// How many evaluation jobs this process remembers.
const KEPT_JOBS: usize = 100;

/// The roles that see the close page: HR and administrators run it, the committee approves.
fn may_see(me: &CurrentUser) -> Result<(), WebError> {
    match me.viewer.role {
        Role::Hr | Role::Admin | Role::Committee => Ok(()),
        _ => Err(WebError::Forbidden(
            "only HR, the committee or an administrator closes periods (只有人力资源部、考核领导小组或系统管理员可以结算考核期)".into(),
        )),
    }
}

/// The roles that evaluate a period from the web.
fn may_evaluate(viewer: &Viewer) -> Result<(), WebError> {
    match viewer.role {
        Role::Hr | Role::Admin => Ok(()),
        _ => Err(WebError::Forbidden(
            "only HR or an administrator evaluates a period (只有人力资源部或系统管理员可以计算考核结果)".into(),
        )),
    }
}

// ---- evaluation jobs ---------------------------------------------------------------------------

/// Where an evaluation started from the web stands.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EvalJob {
    pub id: i64,
    #[serde(skip)]
    pub user_id: i64,
    pub period: String,
    /// `running`, `done` or `failed`.
    pub state: String,
    /// Schemes evaluated so far, of `total`.
    pub done: usize,
    pub total: usize,
    /// Scorecards stored so far.
    pub scorecards: usize,
    /// Why it failed.
    pub error: Option<String>,
}

/// The evaluations of this server process (a restarted server forgets them: evaluation
/// stores scheme by scheme, so running it again finishes the work).
#[derive(Debug, Default)]
pub struct EvalJobs {
    next: AtomicI64,
    jobs: Mutex<BTreeMap<i64, EvalJob>>,
}

impl EvalJobs {
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<i64, EvalJob>> {
        self.jobs.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn add(&self, user_id: i64, period: Period, total: usize) -> EvalJob {
        let job = EvalJob {
            id: self.next.fetch_add(1, Ordering::Relaxed) + 1,
            user_id,
            period: period.to_string(),
            state: "running".into(),
            done: 0,
            total,
            scorecards: 0,
            error: None,
        };
        let mut jobs = self.lock();
        jobs.insert(job.id, job.clone());
        while jobs.len() > KEPT_JOBS {
            jobs.pop_first();
        }
        job
    }

    fn update(&self, id: i64, f: impl FnOnce(&mut EvalJob)) {
        if let Some(j) = self.lock().get_mut(&id) {
            f(j);
        }
    }

    /// The job `id` if `user_id` started it.
    pub fn get(&self, id: i64, user_id: i64) -> Option<EvalJob> {
        self.lock()
            .get(&id)
            .filter(|j| j.user_id == user_id)
            .cloned()
    }
}

/// Evaluates `period` scheme by scheme (the progress a bar shows), as `viewer`.
async fn run_evaluation(
    store: Store,
    viewer: Viewer,
    period: Period,
    schemes: Vec<String>,
    jobs: std::sync::Arc<EvalJobs>,
    id: i64,
) {
    for scheme in schemes {
        let req = EvalRequest {
            period,
            scheme: Some(scheme),
            employee: None,
        };
        match store.evaluate(&viewer, &req).await {
            Ok(e) => jobs.update(id, |j| {
                j.done += 1;
                j.scorecards += e.results.len();
            }),
            Err(e) => {
                tracing::warn!(error = %e, %period, "evaluation from the web failed");
                let message = WebError::from(e).message();
                return jobs.update(id, |j| {
                    j.state = "failed".into();
                    j.error = Some(message);
                });
            }
        }
    }
    jobs.update(id, |j| j.state = "done".into());
}

/// Starts evaluating `period` in the background as one of the caller's expensive requests.
async fn start_evaluation(
    state: &AppState,
    me: &CurrentUser,
    period: Period,
) -> Result<EvalJob, WebError> {
    may_evaluate(&me.viewer)?;
    if state.store.period_status(period).await?.as_deref() == Some("locked") {
        return Err(WebError::Conflict {
            field: "period".into(),
            message: format!(
                "{period} is locked: its results change only through an upheld appeal (考核期已锁定)"
            ),
        });
    }
    let lib = state.store.library().await?;
    let schemes: Vec<String> = lib
        .library
        .schemes()
        .iter()
        .map(|s| s.code.clone())
        .collect();
    let permit = state.heavy.enter(me.user.id)?;
    let job = state.evaluations.add(me.user.id, period, schemes.len());
    let run = run_evaluation(
        state.store.clone(),
        me.viewer.clone(),
        period,
        schemes,
        state.evaluations.clone(),
        job.id,
    );
    // Not awaited: the page polls the job while it runs apart from everybody's requests.
    drop(tokio::spawn(crate::heavy::apart(async move {
        let _permit = permit;
        run.await
    })));
    Ok(job)
}

// ---- what the page shows -----------------------------------------------------------------------

fn stage_name(lang: Lang, stage: kaohe_domain::cycle::Stage) -> &'static str {
    match lang {
        Lang::Zh => stage.name_zh(),
        Lang::En => stage.name_en(),
    }
}

fn stage_name_of(lang: Lang, code: &str) -> String {
    kaohe_domain::cycle::Stage::ALL
        .into_iter()
        .find(|s| s.as_str() == code)
        .map_or(code.to_string(), |s| stage_name(lang, s).to_string())
}

fn in_lang(lang: Lang, zh: &str, en: &str) -> String {
    match lang {
        Lang::Zh => zh.to_string(),
        Lang::En => en.to_string(),
    }
}

fn person_view(lang: Lang, p: &kaohe_store::cycle::BulkPerson) -> minijinja::Value {
    context! {
        id => p.employee_id, code => p.employee_code, name => p.name,
        stage => stage_name_of(lang, &p.stage),
    }
}

fn refusal_view(lang: Lang, r: &BulkRefusal) -> minijinja::Value {
    context! {
        id => r.person.employee_id, code => r.person.employee_code, name => r.person.name,
        stage => stage_name_of(lang, &r.person.stage), reason => in_lang(lang, &r.zh, &r.en),
    }
}

fn outcome_view(lang: Lang, o: &BulkOutcome) -> minijinja::Value {
    let people = |v: &[kaohe_store::cycle::BulkPerson]| -> Vec<minijinja::Value> {
        v.iter().map(|p| person_view(lang, p)).collect()
    };
    context! {
        step => o.step.as_str(),
        step_name => i18n::t(lang, &format!("close_step_{}", o.step.as_str())),
        done => people(&o.done), skipped => people(&o.skipped), waiting => o.waiting.len(),
        refused => o.refused.iter().map(|r| refusal_view(lang, r)).collect::<Vec<_>>(),
    }
}

fn preview_view(
    lang: Lang,
    lib: &kaohe_domain::library::Library,
    p: &ConsolidationPreview,
) -> minijinja::Value {
    let grade = |g: &str| crate::boards::grade_name(lib, lang, g);
    let ready: Vec<minijinja::Value> = p
        .ready
        .iter()
        .map(|l| {
            context! {
                id => l.person.employee_id, code => l.person.employee_code, name => l.person.name,
                total => i18n::number(l.total, 2), grade => grade(&l.grade),
                coefficient => i18n::number(l.coefficient, 2),
            }
        })
        .collect();
    context! {
        ready, skipped => p.skipped.len(), waiting => p.waiting.len(),
        refused => p.refused.iter().map(|r| refusal_view(lang, r)).collect::<Vec<_>>(),
    }
}

/// The period's overview: status, stage counts, the overdue, the missing scorecards.
async fn overview(
    state: &AppState,
    me: &CurrentUser,
    period: Period,
) -> Result<minijinja::Value, WebError> {
    let lang = me.lang;
    let store = &state.store;
    let stages: Vec<minijinja::Value> = store
        .stage_counts(&me.viewer, period)
        .await?
        .into_iter()
        .map(|c| context! { code => c.stage.as_str(), name => stage_name(lang, c.stage), count => c.count })
        .collect();
    let total: usize = store.cycles(&me.viewer, period).await?.len();
    let overdue: Vec<minijinja::Value> = store
        .overdue(&me.viewer, period, state.today())
        .await?
        .into_iter()
        .map(|o| {
            let pending = match lang {
                Lang::Zh => o.pending.name_zh(),
                Lang::En => o.pending.name_en(),
            };
            context! {
                id => o.employee_id, code => o.employee_code, name => o.name,
                stage => stage_name(lang, o.stage), pending, due_on => i18n::date(lang, o.due_on),
                days => o.days,
            }
        })
        .collect();
    let missing: Vec<minijinja::Value> = store
        .missing_scorecards(&me.viewer, period)
        .await?
        .into_iter()
        .map(|m| context! { id => m.employee_id, code => m.employee_code, name => m.name, reason => in_lang(lang, &m.zh, &m.en) })
        .collect();
    let status = store
        .period_status(period)
        .await?
        .unwrap_or_else(|| "none".into());
    Ok(context! {
        period => period.to_string(),
        period_name => i18n::period(lang, period),
        prev => period.prev().to_string(),
        next => period.next().to_string(),
        status_name => i18n::t(lang, &format!("close_period_{status}")),
        status, stages, total, overdue, missing,
        may_hr => me.viewer.role == Role::Hr,
        may_evaluate => matches!(me.viewer.role, Role::Hr | Role::Admin),
        may_approve => me.viewer.role == Role::Committee,
    })
}

async fn render_period(
    state: &AppState,
    me: &CurrentUser,
    period: Period,
    extra: minijinja::Value,
) -> Result<Html<String>, WebError> {
    let base = overview(state, me, period).await?;
    let ctx = context! { ..extra, ..base };
    render_page(state, me, "period.html", ctx)
}

// ---- pages -------------------------------------------------------------------------------------

/// `GET /periods`: the recent months, this one first, with their status and cycle count.
pub async fn list(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<Html<String>, WebError> {
    may_see(&me)?;
    let mut p = Period::month_of(state.today());
    let mut months = Vec::new();
    for _ in 0..RECENT_MONTHS {
        let status = state
            .store
            .period_status(p)
            .await?
            .unwrap_or_else(|| "none".into());
        let cycles = state.store.cycles(&me.viewer, p).await?.len();
        months.push(context! {
            period => p.to_string(), name => i18n::period(me.lang, p), cycles,
            status_name => i18n::t(me.lang, &format!("close_period_{status}")), status,
        });
        p = p.prev();
    }
    render_page(&state, &me, "periods.html", context! { months })
}

/// `?job=3`: the evaluation whose progress the page shows.
#[derive(Debug, Deserialize)]
pub struct PeriodPageQuery {
    pub job: Option<i64>,
}

/// `GET /periods/{period}`: where every cycle of the month stands, and the steps' buttons.
pub async fn page(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(period): Path<String>,
    Query(q): Query<PeriodPageQuery>,
) -> Result<Html<String>, WebError> {
    may_see(&me)?;
    let period = month(&period)?;
    let job = q.job.and_then(|id| state.evaluations.get(id, me.user.id));
    render_period(&state, &me, period, context! { job }).await
}

/// `GET /periods/{period}/consolidate`: what a bulk consolidation would do (HR), with the
/// button that does it.
pub async fn preview_page(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(period): Path<String>,
) -> Result<Html<String>, WebError> {
    may_see(&me)?;
    let period = month(&period)?;
    let preview = state
        .store
        .consolidation_preview(&me.viewer, period, state.today())
        .await
        .map_err(WebError::store(me.lang))?;
    let lib = state.store.library().await?;
    let preview = preview_view(me.lang, &lib.library, &preview);
    render_period(&state, &me, period, context! { preview }).await
}

/// The forms of the close page: the CSRF token only.
#[derive(Debug, Deserialize)]
pub struct CloseForm {
    #[serde(default)]
    pub csrf: Option<String>,
}

/// `POST /periods/{period}/evaluate`: starts the evaluation and shows its progress.
pub async fn evaluate_form(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(period): Path<String>,
    Form(f): Form<CloseForm>,
) -> Result<Response, WebError> {
    me.check_csrf(f.csrf.as_deref())?;
    let period = month(&period)?;
    let job = start_evaluation(&state, &me, period).await?;
    Ok(Redirect::to(&format!("/periods/{period}?job={}#evaluate", job.id)).into_response())
}

/// A bulk step from the page's form: the page with what was done, skipped and refused.
async fn step_form(
    state: AppState,
    me: CurrentUser,
    period: String,
    csrf: Option<String>,
    step: BulkStep,
) -> Result<Html<String>, WebError> {
    me.check_csrf(csrf.as_deref())?;
    may_see(&me)?;
    let period = month(&period)?;
    let outcome = run_step(&state, &me, period, step).await?;
    let outcome = outcome_view(me.lang, &outcome);
    render_period(&state, &me, period, context! { outcome }).await
}

/// Runs a bulk step as one of the caller's expensive requests.
async fn run_step(
    state: &AppState,
    me: &CurrentUser,
    period: Period,
    step: BulkStep,
) -> Result<BulkOutcome, WebError> {
    let (store, viewer, today) = (state.store.clone(), me.viewer.clone(), state.today());
    state
        .run_heavy(me.user.id, async move {
            store.bulk_step(&viewer, period, step, today).await
        })
        .await?
        .map_err(WebError::store(me.lang))
}

/// `POST /periods/{period}/consolidate`: HR consolidates everybody whose ratings are in.
pub async fn consolidate_form(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(period): Path<String>,
    Form(f): Form<CloseForm>,
) -> Result<Html<String>, WebError> {
    step_form(state, me, period, f.csrf, BulkStep::Consolidate).await
}

/// `POST /periods/{period}/approve`: the committee approves (publishes) every consolidated result.
pub async fn approve_form(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(period): Path<String>,
    Form(f): Form<CloseForm>,
) -> Result<Html<String>, WebError> {
    step_form(state, me, period, f.csrf, BulkStep::Approve).await
}

/// `POST /periods/{period}/lock`: HR locks every published cycle whose interview is recorded.
pub async fn lock_form(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(period): Path<String>,
    Form(f): Form<CloseForm>,
) -> Result<Html<String>, WebError> {
    step_form(state, me, period, f.csrf, BulkStep::Lock).await
}

// ---- JSON API ----------------------------------------------------------------------------------

/// `GET /api/periods/{period}`: how many cycles per stage, the overdue, the missing scorecards.
#[utoipa::path(get, path = "/api/periods/{period}", tag = "cycle",
    params(("period" = String, Path, description = "The month, `YYYY-MM`")),
    responses(
        (status = 200, description = "Stage counts, overdue steps and people without a scorecard (and why)", body = Object),
        (status = 403, description = "Not HR, the committee or an administrator", body = ErrorBody),
        (status = 422, description = "A bad period", body = ErrorBody),
    ))]
pub async fn overview_api(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(period): Path<String>,
) -> Result<Json<serde_json::Value>, WebError> {
    may_see(&me)?;
    let period = month(&period)?;
    let store = &state.store;
    let stages = store.stage_counts(&me.viewer, period).await?;
    let overdue = store.overdue(&me.viewer, period, state.today()).await?;
    let missing = store.missing_scorecards(&me.viewer, period).await?;
    Ok(Json(serde_json::json!({
        "period": period.to_string(),
        "status": store.period_status(period).await?,
        "stages": stages,
        "overdue": overdue.iter().map(|o| serde_json::json!({
            "employee_id": o.employee_id, "employee_code": o.employee_code, "name": o.name,
            "stage": o.stage, "pending": o.pending.name_en(), "due_on": o.due_on, "days": o.days,
        })).collect::<Vec<_>>(),
        "missing": missing,
    })))
}

/// `POST /api/periods/{period}/evaluate`: starts evaluating the month (HR or an
/// administrator); poll `GET /api/evaluations/{id}`.
#[utoipa::path(post, path = "/api/periods/{period}/evaluate", tag = "cycle",
    params(("period" = String, Path, description = "The month, `YYYY-MM`")),
    responses(
        (status = 200, description = "The evaluation started", body = EvalJob),
        (status = 403, description = "Not HR or an administrator", body = ErrorBody),
        (status = 409, description = "The period is locked", body = ErrorBody),
        (status = 429, description = "Too many long requests running", body = ErrorBody),
    ))]
pub async fn evaluate_api(
    State(state): State<AppState>,
    me: CurrentUser,
    headers: HeaderMap,
    Path(period): Path<String>,
) -> Result<Json<EvalJob>, WebError> {
    me.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))?;
    let period = month(&period)?;
    Ok(Json(start_evaluation(&state, &me, period).await?))
}

/// `GET /api/evaluations/{id}`: an evaluation's progress (only to whoever started it).
#[utoipa::path(get, path = "/api/evaluations/{id}", tag = "cycle",
    params(("id" = i64, Path, description = "The evaluation job")),
    responses(
        (status = 200, description = "Schemes evaluated of all, scorecards stored, state", body = EvalJob),
        (status = 404, description = "No such evaluation started by the caller", body = ErrorBody),
    ))]
pub async fn evaluation_api(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<EvalJob>, WebError> {
    state
        .evaluations
        .get(id, me.user.id)
        .map(Json)
        .ok_or_else(|| WebError::NotFound(format!("evaluation {id} not found")))
}

/// `GET /api/periods/{period}/consolidate/preview`: per person the total and grade a bulk
/// consolidation would take, and who would be refused and why (HR; nothing is written).
#[utoipa::path(get, path = "/api/periods/{period}/consolidate/preview", tag = "cycle",
    params(("period" = String, Path, description = "The month, `YYYY-MM`")),
    responses(
        (status = 200, description = "ready (total, grade, coefficient), skipped, waiting, refused (who, why)", body = Object),
        (status = 403, description = "Not HR", body = ErrorBody),
    ))]
pub async fn preview_api(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(period): Path<String>,
) -> Result<Json<ConsolidationPreview>, WebError> {
    let period = month(&period)?;
    state
        .store
        .consolidation_preview(&me.viewer, period, state.today())
        .await
        .map(Json)
        .map_err(WebError::store(me.lang))
}

async fn step_api(
    state: AppState,
    me: CurrentUser,
    headers: HeaderMap,
    period: String,
    step: BulkStep,
) -> Result<Json<BulkOutcome>, WebError> {
    me.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))?;
    let period = month(&period)?;
    Ok(Json(run_step(&state, &me, period, step).await?))
}

/// `POST /api/periods/{period}/consolidate`: HR consolidates everybody whose ratings are in,
/// one transaction each; those consolidated before are skipped, refusals listed.
#[utoipa::path(post, path = "/api/periods/{period}/consolidate", tag = "cycle",
    params(("period" = String, Path, description = "The month, `YYYY-MM`")),
    responses(
        (status = 200, description = "done, skipped, waiting, refused (who, why in zh and en)", body = Object),
        (status = 403, description = "Not HR", body = ErrorBody),
    ))]
pub async fn consolidate_api(
    State(state): State<AppState>,
    me: CurrentUser,
    headers: HeaderMap,
    Path(period): Path<String>,
) -> Result<Json<BulkOutcome>, WebError> {
    step_api(state, me, headers, period, BulkStep::Consolidate).await
}

/// `POST /api/periods/{period}/approve`: the committee approves, and so publishes, every
/// consolidated result, one transaction each.
#[utoipa::path(post, path = "/api/periods/{period}/approve", tag = "cycle",
    params(("period" = String, Path, description = "The month, `YYYY-MM`")),
    responses(
        (status = 200, description = "done, skipped, waiting, refused (who, why in zh and en)", body = Object),
        (status = 403, description = "Not the committee", body = ErrorBody),
    ))]
pub async fn approve_api(
    State(state): State<AppState>,
    me: CurrentUser,
    headers: HeaderMap,
    Path(period): Path<String>,
) -> Result<Json<BulkOutcome>, WebError> {
    step_api(state, me, headers, period, BulkStep::Approve).await
}

/// `POST /api/periods/{period}/lock`: HR locks every published cycle whose interview is
/// recorded, one transaction each; the period locks with its last cycle.
#[utoipa::path(post, path = "/api/periods/{period}/lock", tag = "cycle",
    params(("period" = String, Path, description = "The month, `YYYY-MM`")),
    responses(
        (status = 200, description = "done, skipped, waiting, refused (who, why in zh and en)", body = Object),
        (status = 403, description = "Not HR", body = ErrorBody),
    ))]
pub async fn lock_api(
    State(state): State<AppState>,
    me: CurrentUser,
    headers: HeaderMap,
    Path(period): Path<String>,
) -> Result<Json<BulkOutcome>, WebError> {
    step_api(state, me, headers, period, BulkStep::Lock).await
}
