//! One error type for every handler; its `IntoResponse` decides the status in one place.
//! Internal errors are logged with the request id and never shown in detail to the client.

use crate::i18n::Lang;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kaohe_domain::cycle::{Refusal, RefusalKind};
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
    /// A malformed query-string value (400), naming the parameter.
    #[error("{field}: {message}")]
    BadQuery { field: String, message: String },
    /// A unique key or similar conflict.
    #[error("{field}: {message}")]
    Conflict { field: String, message: String },
    /// The domain refused a cycle step: why (zh / en), what is allowed now, and the language
    /// the person reads.
    #[error("{}", .refusal.en)]
    Refused { refusal: Box<Refusal>, lang: Lang },
    /// A request whose query string, path or JSON body could not be read at all (see
    /// [`crate::extract`]): axum's status (400, 413, 415, 422) and its message; also a method
    /// the path does not take (405).
    #[error("{message}")]
    Malformed {
        status: StatusCode,
        field: String,
        message: String,
    },
    /// The database could not take the request in time: on SQLite, one long write (a large
    /// import is one transaction) holds the only writer. 503 with `Retry-After`.
    #[error(
        "the database is busy with a long write (such as a large import); nothing was saved — try again in a moment"
    )]
    Busy,
    /// The database cannot write at all (a full disk, a read-only file, a broken connection):
    /// 503 with `Retry-After`; the next write succeeds once the fault is gone.
    #[error(
        "nothing was saved: {} — the administrator has to fix this; try again later",
        .0.describe()
    )]
    Unavailable(kaohe_store::WriteFault),
    /// The person already has as many expensive requests (exports, explanations, previews)
    /// running as one may: 429 with `Retry-After`.
    #[error(
        "you already have {running} exports or other long requests running; wait for one to finish"
    )]
    TooBusy { running: usize },
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
            StoreError::Refused(refusal) => WebError::Refused {
                refusal,
                lang: Lang::Zh,
            },
            e if e.is_busy() => WebError::Busy,
            other => match other.write_fault() {
                Some(fault) => {
                    tracing::error!(error = %other, "the database cannot write");
                    WebError::Unavailable(fault)
                }
                None => WebError::Internal(other.to_string()),
            },
        }
    }
}

impl WebError {
    /// The same error, with a refusal worded in `lang`.
    pub fn in_lang(self, lang: Lang) -> Self {
        match self {
            WebError::Refused { refusal, .. } => WebError::Refused { refusal, lang },
            other => other,
        }
    }

    /// Converts a store error for a person reading `lang`.
    pub fn store(lang: Lang) -> impl Fn(StoreError) -> WebError {
        move |e| WebError::from(e).in_lang(lang)
    }

    /// The message a person reads (a refusal in their language).
    pub fn message(&self) -> String {
        match self {
            WebError::Refused { refusal, lang } => refusal_text(refusal, *lang),
            other => other.to_string(),
        }
    }

    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            WebError::Unauthenticated => StatusCode::UNAUTHORIZED,
            WebError::Csrf | WebError::Forbidden(_) => StatusCode::FORBIDDEN,
            WebError::NotFound(_) => StatusCode::NOT_FOUND,
            WebError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            WebError::BadQuery { .. } => StatusCode::BAD_REQUEST,
            WebError::Conflict { .. } => StatusCode::CONFLICT,
            WebError::Refused { refusal, .. } => refusal_status(refusal.kind),
            WebError::Malformed { status, .. } => *status,
            WebError::Busy | WebError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            WebError::TooBusy { .. } => StatusCode::TOO_MANY_REQUESTS,
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
            WebError::Invalid { field, .. }
            | WebError::BadQuery { field, .. }
            | WebError::Conflict { field, .. }
            | WebError::Malformed { field, .. } => Some(field.clone()),
            _ => None,
        };
        let body = match &self {
            WebError::Refused { refusal, lang } => json!({
                "error": refusal_text(refusal, *lang),
                "kind": format!("{:?}", refusal.kind),
                "zh": refusal.zh,
                "en": refusal.en,
                "allowed_now": refusal.allowed_now,
            }),
            _ => json!({ "error": self.to_string(), "field": field }),
        };
        let retry_after = match self {
            WebError::Busy => Some("10"),
            WebError::Unavailable(_) => Some("30"),
            WebError::TooBusy { .. } => Some("5"),
            _ => None,
        };
        if let Some(after) = retry_after {
            let retry = [(axum::http::header::RETRY_AFTER, after)];
            return (status, retry, Json(body)).into_response();
        }
        (status, Json(body)).into_response()
    }
}

/// The answer to a method a path does not take (the router's `method_not_allowed_fallback`):
/// a 405 with the API's error body rather than an empty one.
pub async fn method_not_allowed(method: axum::http::Method, uri: axum::http::Uri) -> Response {
    WebError::Malformed {
        status: StatusCode::METHOD_NOT_ALLOWED,
        field: "method".into(),
        message: format!("{} does not take {method}", uri.path()),
    }
    .into_response()
}

/// The answer to a path no route serves: a 404 with the API's error body.
pub async fn no_route(uri: axum::http::Uri) -> Response {
    WebError::NotFound(format!("{} is not a page or API path of kaohe", uri.path())).into_response()
}

/// The answer to a handler that panicked (`CatchPanicLayer`): a logged 500 with the API's error
/// body, instead of a connection closed without an answer. A panic is a bug to fix; this only
/// keeps one request's bug from looking like a network failure.
pub fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let what = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("a panic");
    WebError::Internal(format!("handler panicked: {what}")).into_response()
}

/// A refused cycle step's status: 403 when it is not the actor's part, 422 for bad data, 409
/// when the cycle is not in a state that allows it (wrong stage, too early, too late, done).
pub fn refusal_status(kind: RefusalKind) -> StatusCode {
    match kind {
        RefusalKind::WrongRole => StatusCode::FORBIDDEN,
        RefusalKind::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
        RefusalKind::WrongState
        | RefusalKind::PastDeadline
        | RefusalKind::TooEarly
        | RefusalKind::Duplicate => StatusCode::CONFLICT,
    }
}

/// Why, in `lang`, followed by what is allowed now.
pub fn refusal_text(r: &Refusal, lang: Lang) -> String {
    let (why, names): (&str, Vec<&str>) = match lang {
        Lang::Zh => (&r.zh, r.allowed_now.iter().map(|a| a.zh).collect()),
        Lang::En => (&r.en, r.allowed_now.iter().map(|a| a.en).collect()),
    };
    if names.is_empty() {
        return why.to_string();
    }
    let why = why.trim_end_matches(['。', '.']);
    match lang {
        Lang::Zh => format!("{why}。现在可以：{}", names.join("、")),
        Lang::En => format!("{why}. Allowed now: {}", names.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(kind: RefusalKind) -> WebError {
        let r = Refusal::new(kind, "不是你的步骤", "not your step");
        WebError::from(StoreError::from(r))
    }

    #[test]
    fn refusals_answer_409_or_403_in_the_users_language() {
        assert_eq!(
            refused(RefusalKind::WrongState).status(),
            StatusCode::CONFLICT
        );
        assert_eq!(
            refused(RefusalKind::PastDeadline).status(),
            StatusCode::CONFLICT
        );
        assert_eq!(
            refused(RefusalKind::WrongRole).status(),
            StatusCode::FORBIDDEN
        );
        let e = refused(RefusalKind::WrongRole);
        assert_eq!(e.message(), "不是你的步骤");
        assert_eq!(e.in_lang(Lang::En).message(), "not your step");
    }
}
