//! Monthly awards and career-ladder decisions in the JSON API: the month's award candidates and
//! decisions, and the ladder's recommendations, each in the viewer's data scope; a decision on
//! one. The store checks roles (SPEC §1) and scopes; this layer only checks the CSRF token and
//! that a rejection names its reason.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::WebError;
use crate::extract::{JsonBody, Path, Query};
use crate::openapi::{ErrorBody, RefusalBody};
use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use kaohe_domain::ladder::Decision;
use kaohe_domain::money::Cents;
use kaohe_domain::period::Period;
use kaohe_store::awards::{AwardDecision, AwardRow};
use kaohe_store::ladder::LadderRow;
use serde::Deserialize;

/// `?period=2026-10`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodQuery {
    /// The month, `YYYY-MM`.
    pub period: String,
}

/// A decision: `confirm`, `reject` (with `reason`), `paid` (awards) or `grace` (ladder).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct DecisionForm {
    /// `confirm`, `reject`, `paid` (awards only) or `grace` (ladder only).
    pub decision: String,
    /// Why, required for `reject`.
    #[serde(default)]
    pub reason: String,
    /// Awards only: the amount in cents to pay on `confirm`, overriding the rule's.
    #[serde(default)]
    pub amount_cents: Option<i64>,
}

fn invalid(field: &str, message: &str) -> WebError {
    WebError::Invalid {
        field: field.into(),
        message: message.into(),
    }
}

fn month(text: &str) -> Result<Period, WebError> {
    match Period::parse(text) {
        Ok(p @ Period::Month { .. }) => Ok(p),
        Ok(_) => Err(invalid("period", "a month is needed, YYYY-MM")),
        Err(e) => Err(invalid("period", &e.to_string())),
    }
}

fn reason(f: &DecisionForm) -> Result<String, WebError> {
    let r = f.reason.trim();
    if r.is_empty() {
        return Err(invalid("reason", "a rejection needs a reason"));
    }
    Ok(r.to_string())
}

/// `GET /api/awards?period=`: the month's award candidates and decisions in the viewer's scope.
#[utoipa::path(get, path = "/api/awards", tag = "awards", params(PeriodQuery),
    responses(
        (status = 200, description = "Award rows", body = Vec<Object>),
        (status = 422, description = "A bad period", body = ErrorBody),
    ))]
pub async fn awards_api(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(q): Query<PeriodQuery>,
) -> Result<Json<Vec<AwardRow>>, WebError> {
    let period = month(&q.period)?;
    let rows = state.store.awards_in_scope(&me.viewer, period).await?;
    Ok(Json(rows.into_iter().map(|(row, _)| row).collect()))
}

/// `POST /api/awards/{id}/decision`: confirm, reject (reason required) or mark paid.
#[utoipa::path(post, path = "/api/awards/{id}/decision", tag = "awards",
    params(("id" = i64, Path, description = "The award row's id")),
    request_body = DecisionForm,
    responses(
        (status = 200, description = "Decided; the row as it is now", body = Object),
        (status = 403, description = "The role may not decide", body = ErrorBody),
        (status = 404, description = "No such award in scope", body = ErrorBody),
        (status = 409, description = "Already decided", body = RefusalBody),
        (status = 422, description = "A bad decision or a missing reason", body = ErrorBody),
    ))]
pub async fn award_decision_api(
    State(state): State<AppState>,
    me: CurrentUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
    JsonBody(f): JsonBody<DecisionForm>,
) -> Result<Json<serde_json::Value>, WebError> {
    me.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))?;
    let today = state.today();
    let store = &state.store;
    match f.decision.as_str() {
        "confirm" => {
            let amount = f.amount_cents.map(Cents);
            store
                .decide_award(&me.viewer, id, AwardDecision::Confirm { amount }, today)
                .await
                .map_err(WebError::store(me.lang))?
        }
        "reject" => {
            let reason = reason(&f)?;
            store
                .decide_award(&me.viewer, id, AwardDecision::Reject { reason }, today)
                .await
                .map_err(WebError::store(me.lang))?
        }
        "paid" => store
            .mark_award_paid(&me.viewer, id)
            .await
            .map_err(WebError::store(me.lang))?,
        _ => return Err(invalid("decision", "confirm, reject or paid")),
    }
    Ok(Json(
        serde_json::json!({ "id": id, "decision": f.decision }),
    ))
}

/// `GET /api/ladder?period=`: the month's ladder recommendations in the viewer's scope.
#[utoipa::path(get, path = "/api/ladder", tag = "awards", params(PeriodQuery),
    responses(
        (status = 200, description = "Ladder recommendations and decisions", body = Vec<Object>),
        (status = 422, description = "A bad period", body = ErrorBody),
    ))]
pub async fn ladder_api(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(q): Query<PeriodQuery>,
) -> Result<Json<Vec<LadderRow>>, WebError> {
    let period = month(&q.period)?;
    Ok(Json(state.store.ladder_in_scope(&me.viewer, period).await?))
}

/// `POST /api/ladder/{id}/decision`: confirm, reject (reason required) or grant grace.
#[utoipa::path(post, path = "/api/ladder/{id}/decision", tag = "awards",
    params(("id" = i64, Path, description = "The recommendation's id")),
    request_body = DecisionForm,
    responses(
        (status = 200, description = "Decided", body = Object),
        (status = 403, description = "The role may not decide", body = ErrorBody),
        (status = 404, description = "No such recommendation in scope", body = ErrorBody),
        (status = 409, description = "Refused by the ladder rules", body = RefusalBody),
        (status = 422, description = "A bad decision or a missing reason", body = ErrorBody),
    ))]
pub async fn ladder_decision_api(
    State(state): State<AppState>,
    me: CurrentUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
    JsonBody(f): JsonBody<DecisionForm>,
) -> Result<Json<serde_json::Value>, WebError> {
    me.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))?;
    let decision = match f.decision.as_str() {
        "confirm" => Decision::Confirm,
        "reject" => Decision::Reject {
            reason: reason(&f)?,
        },
        "grace" => Decision::GrantGrace,
        _ => return Err(invalid("decision", "confirm, reject or grace")),
    };
    state
        .store
        .decide_ladder(&me.viewer, id, decision, state.today())
        .await
        .map_err(WebError::store(me.lang))?;
    Ok(Json(
        serde_json::json!({ "id": id, "decision": f.decision }),
    ))
}

/// `{"period": "2026-10"}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ComputeForm {
    /// The month, `YYYY-MM`.
    pub period: String,
}

/// `POST /api/awards/compute`: computes the month's candidates (HR, a manager or an
/// administrator); decided rows are kept as decided.
#[utoipa::path(post, path = "/api/awards/compute", tag = "awards",
    request_body = ComputeForm,
    responses(
        (status = 200, description = "The month's award rows", body = Vec<Object>),
        (status = 403, description = "The role may not compute awards", body = ErrorBody),
        (status = 422, description = "A bad period", body = ErrorBody),
    ))]
pub async fn compute_api(
    State(state): State<AppState>,
    me: CurrentUser,
    headers: HeaderMap,
    JsonBody(f): JsonBody<ComputeForm>,
) -> Result<Json<Vec<AwardRow>>, WebError> {
    me.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))?;
    let period = month(&f.period)?;
    state
        .store
        .compute_awards(&me.viewer, period)
        .await
        .map_err(WebError::store(me.lang))?;
    let rows = state.store.awards_in_scope(&me.viewer, period).await?;
    Ok(Json(rows.into_iter().map(|(row, _)| row).collect()))
}
