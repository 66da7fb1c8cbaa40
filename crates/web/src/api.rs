//! The JSON API (the same data the pages show, for integrations and tests). Every handler
//! passes the caller's [`kaohe_store::Viewer`] to the store, which applies the data scope.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::WebError;
use axum::Json;
use axum::extract::{Path, State};
use serde_json::{Value, json};

/// `GET /api/me`
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
pub async fn departments(
    State(state): State<AppState>,
    _me: CurrentUser,
) -> Result<Json<Value>, WebError> {
    Ok(Json(
        json!({ "departments": state.store.departments().await? }),
    ))
}

/// `GET /api/teams`
pub async fn teams(
    State(state): State<AppState>,
    _me: CurrentUser,
) -> Result<Json<Value>, WebError> {
    Ok(Json(json!({ "teams": state.store.teams().await? })))
}

/// `GET /api/employees`: the people within the caller's scope.
pub async fn employees(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<Json<Value>, WebError> {
    Ok(Json(
        json!({ "employees": state.store.employees(&me.viewer).await? }),
    ))
}

/// `GET /api/employees/{id}`: 404 when outside the caller's scope.
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
pub async fn stats(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<Json<Value>, WebError> {
    Ok(Json(
        json!({ "records": state.store.record_counts(&me.viewer).await?, "backend": state.store.backend_name() }),
    ))
}
