//! One error type for every handler; its `IntoResponse` decides the status in one place.
//! Internal errors are logged with the request id and never shown in detail to the client.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kaohe_store::StoreError;
use serde_json::json;

/// What a handler can fail with.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// No valid session or token.
    #[error("sign in first")]
    Unauthenticated,
    /// The CSRF token is missing or wrong.
    #[error(
        "the form has expired or did not come from kaohe (CSRF check failed); reload the page and try again"
    )]
    Csrf,
    /// Role or data scope forbids it.
    #[error("{0}")]
    Forbidden(String),
    /// Nothing there (or not visible to this user).
    #[error("{0}")]
    NotFound(String),
    /// Bad input, naming the field.
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// A unique key or similar conflict.
    #[error("{field}: {message}")]
    Conflict { field: String, message: String },
    /// Anything else; the detail goes to the log only.
    #[error("internal error")]
    Internal(String),
}

impl From<StoreError> for WebError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound { entity, key } => {
                WebError::NotFound(format!("{entity} {key} not found"))
            }
            StoreError::Forbidden(m) => WebError::Forbidden(m),
            StoreError::Conflict { field, message } => WebError::Conflict { field, message },
            StoreError::Invalid { field, message } => WebError::Invalid { field, message },
            other => WebError::Internal(other.to_string()),
        }
    }
}

impl WebError {
    fn status(&self) -> StatusCode {
        match self {
            WebError::Unauthenticated => StatusCode::UNAUTHORIZED,
            WebError::Csrf | WebError::Forbidden(_) => StatusCode::FORBIDDEN,
            WebError::NotFound(_) => StatusCode::NOT_FOUND,
            WebError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            WebError::Conflict { .. } => StatusCode::CONFLICT,
            WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        if let WebError::Internal(detail) = &self {
            tracing::error!(error = %detail, "internal error");
        }
        let status = self.status();
        let field = match &self {
            WebError::Invalid { field, .. } | WebError::Conflict { field, .. } => {
                Some(field.clone())
            }
            _ => None,
        };
        (
            status,
            Json(json!({ "error": self.to_string(), "field": field })),
        )
            .into_response()
    }
}
