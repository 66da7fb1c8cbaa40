//! Extractors for the JSON API whose refusals are the API's own error body (see
//! [`crate::error`]): axum's answer a malformed query string, path segment or JSON body with
//! `text/plain`, which an integration cannot tell from a proxy's page. These keep axum's status
//! (400, 415, 422, 413) and its message, which names the parameter or field and what is wrong
//! (`employee: invalid digit found in string`), and add which part of the request it was.

use crate::error::WebError;
use axum::body::Bytes;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use chrono::{Datelike, NaiveDate};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// `axum::extract::Query`, refused with the API's error body (`field` names the parameter).
/// A value with a NUL character (`%00`) is refused too: PostgreSQL cannot store one in text,
/// and no parameter of kaohe means one.
#[derive(Debug)]
pub struct Query<T>(pub T);

/// `axum::extract::Path`, refused with the API's error body (and, as for [`Query`], a
/// segment with a NUL character).
#[derive(Debug)]
pub struct Path<T>(pub T);

/// A JSON request body (`axum::Json` as an extractor), refused with the API's error body; a
/// string with a NUL character (`\u0000`) is refused naming its field.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

fn nul(field: &str, what: &str) -> WebError {
    WebError::Malformed {
        status: StatusCode::BAD_REQUEST,
        field: field.to_string(),
        message: format!("{field}: {what} contains a NUL character, which no text may hold"),
    }
}

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, WebError> {
        if let Some(q) = parts.uri.query() {
            for pair in q.split('&') {
                if pair.to_ascii_lowercase().contains("%00") {
                    let key = pair.split_once('=').map_or(pair, |(k, _)| k);
                    return Err(nul(key, "the query parameter"));
                }
            }
        }
        let axum::extract::Query(v) = axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map_err(WebError::from)?;
        Ok(Query(v))
    }
}

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, WebError> {
        if parts.uri.path().to_ascii_lowercase().contains("%00") {
            return Err(nul("path", "a path segment"));
        }
        let axum::extract::Path(v) = axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map_err(WebError::from)?;
        Ok(Path(v))
    }
}

/// Where in `v` a string holds a NUL character (`name`, `items[2]`), if anywhere.
fn nul_at(v: &Value, at: &str) -> Option<String> {
    match v {
        Value::String(s) if s.contains('\0') => Some(at.to_string()),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, x)| nul_at(x, &format!("{at}[{i}]"))),
        Value::Object(m) => m.iter().find_map(|(k, x)| {
            if k.contains('\0') {
                return Some(at.to_string());
            }
            let at = if at.is_empty() {
                k.clone()
            } else {
                format!("{at}.{k}")
            };
            nul_at(x, &at)
        }),
        _ => None,
    }
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = WebError;

    async fn from_request(req: Request, state: &S) -> Result<Self, WebError> {
        let json = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|v| v.trim().to_ascii_lowercase())
            .is_some_and(|v| v == "application/json" || v.ends_with("+json"));
        if !json {
            return Err(WebError::Malformed {
                status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
                field: "body".into(),
                message: "the body must be JSON (`Content-Type: application/json`)".into(),
            });
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| WebError::Malformed {
                status: e.status(),
                field: "body".into(),
                message: e.body_text(),
            })?;
        let axum::Json(v) = axum::Json::<T>::from_bytes(&bytes).map_err(WebError::from)?;
        // JSON can only spell a NUL character as an escape; look closer only then.
        let lower = bytes.to_ascii_lowercase();
        if lower.windows(6).any(|w| w == b"\\u0000") {
            let value: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            let at = nul_at(&value, "").unwrap_or_default();
            let at = if at.is_empty() {
                "body".to_string()
            } else {
                at
            };
            return Err(nul(&at, "the value"));
        }
        Ok(JsonBody(v))
    }
}

/// `d` if it is a plausible day of business (years 1000 to 9999, what a date input takes and
/// both databases store); otherwise a 400 naming `field`. A query date is parsed by chrono,
/// which accepts years up to ±262143: arithmetic on such a day overflows, and PostgreSQL
/// refuses it.
pub fn plausible_day(field: &str, d: NaiveDate) -> Result<NaiveDate, WebError> {
    if (1000..=9999).contains(&d.year()) {
        Ok(d)
    } else {
        Err(WebError::BadQuery {
            field: field.into(),
            message: format!("`{d}` is not a date between 1000-01-01 and 9999-12-31"),
        })
    }
}

/// `(field, message)` of an axum rejection text `"<what failed>: <field>: <why>"`: serde's
/// path to the bad value is the first segment after the prefix when there is one.
fn split(text: &str, prefix: &str, whole: &str) -> (String, String) {
    let detail = text
        .split_once(": ")
        .map_or(text, |(_, rest)| rest)
        .to_string();
    let field = detail
        .split_once(": ")
        .map(|(f, _)| f)
        .filter(|f| {
            !f.is_empty()
                && f.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '[' | ']'))
        })
        .map_or_else(|| whole.to_string(), str::to_string);
    (field, format!("{prefix}: {detail}"))
}

impl From<QueryRejection> for WebError {
    fn from(r: QueryRejection) -> Self {
        let (field, message) = split(&r.body_text(), "bad query string", "query");
        WebError::Malformed {
            status: r.status(),
            field,
            message,
        }
    }
}

impl From<PathRejection> for WebError {
    fn from(r: PathRejection) -> Self {
        WebError::Malformed {
            status: r.status(),
            field: "path".into(),
            message: r.body_text(),
        }
    }
}

impl From<JsonRejection> for WebError {
    fn from(r: JsonRejection) -> Self {
        let (field, message) = match &r {
            JsonRejection::JsonDataError(_) => {
                split(&r.body_text(), "the JSON body does not fit", "body")
            }
            _ => ("body".to_string(), r.body_text()),
        };
        WebError::Malformed {
            status: r.status(),
            field,
            message,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn a_rejection_names_the_field_when_serde_gave_its_path() {
        let (f, m) = split(
            "Failed to deserialize query string: employee: invalid digit found in string",
            "bad query string",
            "query",
        );
        assert_eq!(f, "employee");
        assert_eq!(
            m,
            "bad query string: employee: invalid digit found in string"
        );
        let (f, _) = split(
            "Failed to deserialize query string: missing field `customer`",
            "bad query string",
            "query",
        );
        assert_eq!(f, "query");
    }
}
