//! Scorecards on the web: the live score of an open period (computed on each request from
//! the records, never stored) and the published result of a published or locked cycle (its
//! current result version, never recomputed).

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::WebError;
use crate::extract::Query;
use crate::i18n::Lang;
use crate::openapi::ErrorBody;
use axum::Json;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use chrono::Utc;
use kaohe_domain::period::Period;
use kaohe_store::evaluate::EvalRequest;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

/// `?period=2026-10&employee=6` (both optional: this month, myself).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScorecardQuery {
    /// `2026-10`, `2026-Q4` or `2026` (default: this month).
    #[param(example = "2026-10")]
    pub period: Option<String>,
    /// The person's database id (default: the caller).
    #[param(example = 6)]
    pub employee: Option<i64>,
}

/// One indicator line as shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct LineView {
    pub code: String,
    pub name: String,
    pub value: Option<f64>,
    pub score: Option<f64>,
    pub weight: f64,
    pub effective_weight: f64,
    pub applicable: bool,
}

/// A scorecard as shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct CardView {
    pub period: String,
    pub live: bool,
    pub employee_id: i64,
    pub employee_code: String,
    pub name: String,
    pub scheme: String,
    pub total: Option<f64>,
    pub grade: Option<String>,
    pub grade_name: Option<String>,
    pub bonus_coefficient: Option<f64>,
    pub lines: Vec<LineView>,
    /// The published (or locked) result version shown instead of a live evaluation.
    pub published: Option<PublishedView>,
}

/// Which published result a card shows.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublishedView {
    /// The result version (1, then one more per upheld appeal).
    pub version: u32,
    /// `published` or `locked`.
    pub stage: String,
    /// When the version was made.
    pub made_on: chrono::NaiveDate,
}

/// The card of a published or locked cycle: its current result version (scores, total,
/// grade), with the values and weights of the scorecard HR consolidated. `None` while the
/// cycle is not published (or the person has no cycle that period): the card is live then.
async fn published_card(
    state: &AppState,
    me: &CurrentUser,
    period: Period,
    employee: i64,
    lib: &kaohe_domain::library::Library,
) -> Result<Option<CardView>, WebError> {
    use kaohe_domain::cycle::Stage;
    let cycle = match state.store.cycle(&me.viewer, period, employee).await {
        Ok(c) => c,
        Err(kaohe_store::StoreError::NotFound { .. }) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let stage = cycle.stage();
    let Some(version) = cycle.current_result() else {
        return Ok(None);
    };
    if !matches!(stage, Stage::Published | Stage::Locked) {
        return Ok(None);
    }
    let stored = state
        .store
        .scorecards(&me.viewer, &period.to_string(), Some(employee))
        .await?
        .into_iter()
        .next();
    let person = state.store.employee(&me.viewer, employee).await?;
    let r = &version.result;
    let score_of = |code: &str| {
        r.lines
            .iter()
            .find(|l| l.indicator == code)
            .and_then(|l| l.score)
    };
    let lines = match &stored {
        Some(c) => c
            .lines
            .iter()
            .map(|l| LineView {
                code: l.indicator_code.clone(),
                name: indicator_name(lib, me.lang, &l.indicator_code),
                value: l.value,
                score: score_of(&l.indicator_code),
                weight: l.weight,
                effective_weight: l.effective_weight,
                applicable: l.applicable,
            })
            .collect(),
        None => r
            .lines
            .iter()
            .map(|l| LineView {
                code: l.indicator.clone(),
                name: indicator_name(lib, me.lang, &l.indicator),
                value: None,
                score: l.score,
                weight: 0.0,
                effective_weight: 0.0,
                applicable: l.score.is_some(),
            })
            .collect(),
    };
    Ok(Some(CardView {
        period: period.to_string(),
        live: false,
        employee_id: employee,
        employee_code: person.code,
        name: person.name,
        scheme: cycle.setup().scheme_code.clone(),
        total: Some((r.score * 100.0).round() / 100.0),
        grade_name: Some(grade_name(lib, me.lang, &r.grade)),
        grade: Some(r.grade.clone()),
        bonus_coefficient: Some(r.coefficient),
        lines,
        published: Some(PublishedView {
            version: version.version,
            stage: stage.as_str().to_string(),
            made_on: version.made_on,
        }),
    }))
}

fn indicator_name(lib: &kaohe_domain::library::Library, lang: Lang, code: &str) -> String {
    lib.indicator(code)
        .map_or(code.to_string(), |i| match lang {
            Lang::Zh => i.name_zh.clone(),
            Lang::En => i.name_en.clone(),
        })
}

/// A grade's name from the schemes' bands (grades are data, not code).
fn grade_name(lib: &kaohe_domain::library::Library, lang: Lang, code: &str) -> String {
    lib.schemes()
        .iter()
        .flat_map(|s| s.grades.iter())
        .find(|g| g.code == code)
        .map_or(code.to_string(), |g| match lang {
            Lang::Zh => g.name_zh.clone(),
            Lang::En => g.name_en.clone(),
        })
}

pub(crate) async fn load(
    state: &AppState,
    me: &CurrentUser,
    q: &ScorecardQuery,
) -> Result<Option<CardView>, WebError> {
    let period = match &q.period {
        Some(p) => Period::parse(p).map_err(|e| WebError::Invalid {
            field: "period".into(),
            message: e.to_string(),
        })?,
        None => Period::month_of(Utc::now().date_naive()),
    };
    let Some(employee) = q.employee.or(me.viewer.employee_id) else {
        return Ok(None);
    };
    // The scope check comes first: a person outside the viewer's scope is "not found".
    state.store.employee(&me.viewer, employee).await?;
    let lib = state.store.library().await?.library;
    // A published result is what counts: never recompute it live.
    if let Some(card) = published_card(state, me, period, employee, &lib).await? {
        return Ok(Some(card));
    }
    let req = EvalRequest {
        period,
        scheme: None,
        employee: Some(employee),
    };
    let e = state.store.preview(&me.viewer, &req).await?;
    let Some(r) = e.results.into_iter().next() else {
        return Ok(None);
    };
    let c = r.scorecard;
    let name_of = |code: &str| {
        lib.indicator(code).map_or(code.to_string(), |i| {
            if me.lang == Lang::Zh {
                i.name_zh.clone()
            } else {
                i.name_en.clone()
            }
        })
    };
    let lines = c
        .lines
        .iter()
        .map(|l| LineView {
            code: l.indicator.clone(),
            name: name_of(&l.indicator),
            value: l.value,
            score: l.counted_score.or(l.score),
            weight: l.weight.as_percent(),
            effective_weight: l.effective_weight,
            applicable: l.applicable,
        })
        .collect();
    Ok(Some(CardView {
        period: period.to_string(),
        live: true,
        employee_id: r.employee_id,
        employee_code: r.employee_code,
        name: r.name,
        scheme: c.scheme.clone(),
        total: c.total_rounded,
        grade: c.grade.as_ref().map(|g| g.code.clone()),
        grade_name: c.grade.as_ref().map(|g| {
            if me.lang == Lang::Zh {
                g.name_zh.clone()
            } else {
                g.name_en.clone()
            }
        }),
        bonus_coefficient: c.bonus_coefficient,
        lines,
        published: None,
    }))
}

/// `{"scorecard": { … }}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScorecardBody {
    pub scorecard: CardView,
}

/// `{"explanation": { … }}`: the rule, inputs, records and the what-if to the next grade.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExplanationBody {
    #[schema(value_type = Object)]
    pub explanation: serde_json::Value,
}

/// `GET /api/scorecard`: the live scorecard (JSON); once the person's cycle of the period is
/// published or locked, its published result version (`published`, `live: false`).
#[utoipa::path(get, path = "/api/scorecard", tag = "scorecards", params(ScorecardQuery),
    responses(
        (status = 200, description = "The live scorecard, or the published result of a published or locked cycle", body = ScorecardBody),
        (status = 404, description = "No such person in scope, or no scheme assesses them", body = ErrorBody),
        (status = 422, description = "A malformed period", body = ErrorBody),
    ))]
pub async fn api(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(q): Query<ScorecardQuery>,
) -> Result<Response, WebError> {
    match load(&state, &me, &q).await? {
        Some(card) => Ok(Json(json!({ "scorecard": card })).into_response()),
        None => Err(WebError::NotFound(
            "no scorecard: the person has no scheme for the period".into(),
        )),
    }
}

/// `GET /scorecard`: the scorecard page: live while the period is open, the published result
/// version once the person's cycle is published or locked.
pub async fn page(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(q): Query<ScorecardQuery>,
) -> Result<Html<String>, WebError> {
    let card = load(&state, &me, &q).await?;
    crate::pages::render_page(&state, &me, "scorecard.html", minijinja::context! { card })
}

/// `?period=2026-10&employee=6&indicator=callback_count`
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExplainQuery {
    /// `2026-10`, `2026-Q4` or `2026`.
    #[param(example = "2026-10")]
    pub period: String,
    /// The person's database id (default: the caller).
    #[param(example = 6)]
    pub employee: Option<i64>,
    /// The indicator's code (`callback_count`).
    #[param(example = "callback_count")]
    pub indicator: String,
    /// How many contributing records to list (default 20, at most 200).
    pub limit: Option<usize>,
}

/// `GET /api/explain`: one indicator traced to its rule, inputs and records (drill-down),
/// with what would reach the next grade. Scope-checked like every read.
#[utoipa::path(get, path = "/api/explain", tag = "scorecards", params(ExplainQuery),
    responses(
        (status = 200, description = "The indicator explained", body = ExplanationBody),
        (status = 404, description = "No such person in scope, or no such indicator in their scheme", body = ErrorBody),
        (status = 422, description = "A malformed period, or no person named", body = ErrorBody),
    ))]
pub async fn explain(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(q): Query<ExplainQuery>,
) -> Result<Response, WebError> {
    let period = Period::parse(&q.period).map_err(|e| WebError::Invalid {
        field: "period".into(),
        message: e.to_string(),
    })?;
    let employee = q
        .employee
        .or(me.viewer.employee_id)
        .ok_or_else(|| WebError::Invalid {
            field: "employee".into(),
            message: "this account is not a person; name one with ?employee=".into(),
        })?;
    let limit = q.limit.unwrap_or(20).min(200);
    // A year's explanation reads a year of records: one of the person's expensive requests.
    let (store, viewer) = (state.store.clone(), me.viewer.clone());
    let x = state
        .run_heavy(me.user.id, async move {
            store
                .explain(&viewer, period, employee, &q.indicator, limit)
                .await
        })
        .await??;
    Ok(Json(json!({ "explanation": x })).into_response())
}
