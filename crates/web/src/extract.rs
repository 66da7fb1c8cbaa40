//! Extractors for the JSON API whose refusals are the API's own error body (see
//! [`crate::error`]): axum's answer a malformed query string, path segment or JSON body with
//! `text/plain`, which an integration cannot tell from a proxy's page. These keep axum's status
//! (400, 415, 422, 413) and its message, which names the parameter or field and what is wrong
//! (`employee: invalid digit found in string`), and add which part of the request it was.

use crate::error::WebError;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts};

/// `axum::extract::Query`, refused with the API's error body (`field` names the parameter).
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(WebError))]
pub struct Query<T>(pub T);

/// `axum::extract::Path`, refused with the API's error body.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(WebError))]
pub struct Path<T>(pub T);

/// A JSON request body (`axum::Json` as an extractor), refused with the API's error body.
#[derive(Debug, FromRequest)]
#[from_request(via(axum::Json), rejection(WebError))]
pub struct JsonBody<T>(pub T);

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
