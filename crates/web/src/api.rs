//! The JSON API (the same data the pages show, for integrations and tests). Every handler
//! passes the caller's [`kaohe_store::Viewer`] to the store, which applies the data scope.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::WebError;
use crate::extract::Path;
use crate::openapi::ErrorBody;
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

/// The answer of `GET /api/me` (documentation of its shape).
#[derive(Debug, Serialize, ToSchema)]
pub struct MeBody {
    pub username: String,
    pub display_name: String,
    /// `rep`, `team_leader`, `manager`, `hr`, `finance`, `committee`, `clerk`, `service`,
    /// `admin`.
    pub role: String,
    /// The data scope: `own`, `team`, `department` or `all`.
    #[schema(value_type = String)]
    pub scope: Value,
    /// The person this account is (none for an account that is nobody's).
    pub employee_id: Option<i64>,
    /// `zh-CN` or `en`.
    pub language: String,
    /// The session's CSRF token for state-changing requests; null for an API token.
    pub csrf_token: Option<String>,
}

/// `{"departments": [ … ]}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct DepartmentList {
    #[schema(value_type = Vec<Object>)]
    pub departments: Vec<Value>,
}

/// `{"teams": [ … ]}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct TeamList {
    #[schema(value_type = Vec<Object>)]
    pub teams: Vec<Value>,
}

/// `{"employees": [ … ]}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct EmployeeList {
    #[schema(value_type = Vec<Object>)]
    pub employees: Vec<Value>,
}

/// `{"employee": { … }}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct OneEmployee {
    #[schema(value_type = Object)]
    pub employee: Value,
}

/// One kind's record count.
#[derive(Debug, Serialize, ToSchema)]
pub struct KindCount {
    /// The record kind (`calls`, …).
    pub kind: String,
    pub count: i64,
}

/// `{"records": [{"kind", "count"}, …], "backend": "sqlite"}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Stats {
    /// Record counts per kind within the caller's scope.
    pub records: Vec<KindCount>,
    /// `sqlite` or `postgres`.
    pub backend: String,
}

/// `GET /api/me`
#[utoipa::path(get, path = "/api/me", tag = "account",
    responses((status = 200, description = "Who is signed in", body = MeBody)))]
pub async fn me(me: CurrentUser) -> Json<Value> {
    Json(json!({
        "username": me.user.username,
        "display_name": me.user.display_name,
        "role": me.viewer.role.as_str(),
        "scope": me.viewer.scope(),
        "employee_id": me.viewer.employee_id,
        "language": me.lang.tag(),
        // A token-authenticated client needs none (and a session's is not its to see).
        "csrf_token": (!me.by_api_token).then_some(&me.csrf),
    }))
}

/// `GET /api/departments`
#[utoipa::path(get, path = "/api/departments", tag = "organisation",
    responses((status = 200, description = "Every department", body = DepartmentList)))]
pub async fn departments(
    State(state): State<AppState>,
    _me: CurrentUser,
) -> Result<Json<Value>, WebError> {
    Ok(Json(
        json!({ "departments": state.store.departments().await? }),
    ))
}

/// `GET /api/teams`
#[utoipa::path(get, path = "/api/teams", tag = "organisation",
    responses((status = 200, description = "Every team", body = TeamList)))]
pub async fn teams(
    State(state): State<AppState>,
    _me: CurrentUser,
) -> Result<Json<Value>, WebError> {
    Ok(Json(json!({ "teams": state.store.teams().await? })))
}

/// `GET /api/employees`: the people within the caller's scope.
#[utoipa::path(get, path = "/api/employees", tag = "organisation",
    responses((status = 200, description = "The people within the caller's scope", body = EmployeeList)))]
pub async fn employees(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<Json<Value>, WebError> {
    Ok(Json(
        json!({ "employees": state.store.employees(&me.viewer).await? }),
    ))
}

/// `GET /api/employees/{id}`: 404 when outside the caller's scope.
#[utoipa::path(get, path = "/api/employees/{id}", tag = "organisation",
    params(("id" = i64, Path, description = "The person's database id")),
    responses(
        (status = 200, description = "The person", body = OneEmployee),
        (status = 404, description = "No such person within the caller's scope", body = ErrorBody),
    ))]
pub async fn employee(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<Value>, WebError> {
    Ok(Json(
        json!({ "employee": state.store.employee(&me.viewer, id).await? }),
    ))
}

/// `GET /api/stats`: record counts within the caller's scope.
#[utoipa::path(get, path = "/api/stats", tag = "organisation",
    responses((status = 200, description = "Record counts within the caller's scope", body = Stats)))]
pub async fn stats(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<Json<Value>, WebError> {
    Ok(Json(
        json!({ "records": state.store.record_counts(&me.viewer).await?, "backend": state.store.backend_name() }),
    ))
}
