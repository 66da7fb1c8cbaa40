//! Taking a step on a contract or an expense claim through the JSON API (the approvals of
//! SPEC §3): `POST /api/contracts/{id}/steps` and `POST /api/expenses/{id}/steps`, with the
//! session's CSRF token in `X-CSRF-Token`. The store checks the order, the comment on a return,
//! the actor's role and data scope, and audits; a refusal answers 422 (rule), 403 (role) or 404
//! (outside the scope) with the reason.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::WebError;
use crate::extract::{JsonBody, Path};
use crate::openapi::{ErrorBody, RefusalBody};
use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use chrono::Utc;
use kaohe_store::records::StepOutcome;
use serde::Deserialize;

/// `{"action": "review", "passed": false, "comment": "金额有误"}`; actions: `review`, `sign`,
/// `archive` (contracts) or `manager_review`, `finance_review`, `pay`, `resubmit` (expenses,
/// with `approved`).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct StepRequest {
    /// `review`, `sign`, `archive` (contracts); `manager_review`, `finance_review`, `pay`,
    /// `resubmit` (expenses).
    pub action: String,
    /// A contract review's outcome.
    #[serde(default)]
    pub passed: bool,
    /// An expense review's outcome.
    #[serde(default)]
    pub approved: bool,
    /// Required when returning.
    #[serde(default)]
    pub comment: String,
}

fn csrf(me: &CurrentUser, headers: &HeaderMap) -> Result<(), WebError> {
    me.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))
}

/// `POST /api/contracts/{id}/steps`.
#[utoipa::path(post, path = "/api/contracts/{id}/steps", tag = "records",
    params(("id" = i64, Path, description = "The contract's id")),
    request_body = StepRequest,
    responses(
        (status = 200, description = "The step taken and the new status", body = Object),
        (status = 404, description = "No such contract in scope", body = ErrorBody),
        (status = 409, description = "Not a step allowed in its status", body = RefusalBody),
        (status = 422, description = "An unknown action, or a return without a comment", body = ErrorBody),
    ))]
pub async fn contract(
    State(state): State<AppState>,
    me: CurrentUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
    JsonBody(req): JsonBody<StepRequest>,
) -> Result<Json<StepOutcome>, WebError> {
    csrf(&me, &headers)?;
    let action = crate::forms::contract_action(&req.action, req.passed, req.comment)?;
    let done = state
        .store
        .contract_step(&me.viewer, id, &action, Utc::now(), &state.zone)
        .await?;
    Ok(Json(done))
}

/// `POST /api/expenses/{id}/steps`.
#[utoipa::path(post, path = "/api/expenses/{id}/steps", tag = "records",
    params(("id" = i64, Path, description = "The expense claim's id")),
    request_body = StepRequest,
    responses(
        (status = 200, description = "The step taken and the new status", body = Object),
        (status = 404, description = "No such expense claim in scope", body = ErrorBody),
        (status = 409, description = "Not a step allowed in its status", body = RefusalBody),
        (status = 422, description = "An unknown action, or a return without a comment", body = ErrorBody),
    ))]
pub async fn expense(
    State(state): State<AppState>,
    me: CurrentUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
    JsonBody(req): JsonBody<StepRequest>,
) -> Result<Json<StepOutcome>, WebError> {
    csrf(&me, &headers)?;
    let action = crate::forms::expense_action(&req.action, req.approved, req.comment)?;
    let done = state
        .store
        .expense_step(&me.viewer, id, &action, Utc::now())
        .await?;
    Ok(Json(done))
}
