//! The audit log for HR (SPEC §1: every change to records, scores, schemes and decisions,
//! who, when, before, after): `/audit` and `GET /api/audit`, filtered by who, entity kind,
//! entity id, action and a date range, 50 entries a page, newest first, each change shown as
//! the fields that differ. The store refuses every role but HR and administrators; the log
//! is read-only here and append-only in the database.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::WebError;
use crate::extract::Query;
use crate::openapi::ErrorBody;
use axum::Json;
use axum::extract::State;
use axum::response::Html;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use kaohe_store::audit::{AuditQuery, AuditRecord};
use minijinja::context;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Entries on one page.
pub const PAGE_ENTRIES: i64 = 50;

/// `?actor=rep&entity=calls&entity_id=12&action=update&from=2026-11-01&to=2026-11-30&page=2`.
#[derive(Debug, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// The actor's username.
    pub actor: Option<String>,
    /// The entity kind (`calls`, `scorecards`, …).
    pub entity: Option<String>,
    /// The entity's id.
    pub entity_id: Option<String>,
    /// `create`, `update`, `delete`, `decide`, …
    pub action: Option<String>,
    /// First company-local day (inclusive).
    pub from: Option<String>,
    /// Last company-local day (inclusive).
    pub to: Option<String>,
    /// The page, from 1 (50 entries a page).
    pub page: Option<i64>,
}

/// One page of the audit log (documentation of its shape).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditPage {
    /// Newest first: id, at (company-local), actor, action, entity, entity_id, changes.
    #[schema(value_type = Vec<Object>)]
    pub entries: Vec<Value>,
    pub page: i64,
    pub has_next: bool,
}

/// One field that changed.
#[derive(Debug, Serialize, PartialEq)]
pub struct Change {
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// One entry as shown.
#[derive(Debug, Serialize)]
struct Entry {
    id: i64,
    /// Company-local time.
    at: String,
    actor: String,
    action: String,
    entity: String,
    entity_id: String,
    changes: Vec<Change>,
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// A value as compared: the stored row's text of a boolean (`0`, `t`) or an instant
/// (`2026-11-20 02:00:00+00`) reads the same as the record's `false` or RFC 3339 instant.
fn normal(v: &str) -> String {
    match v {
        "0" | "f" | "false" => return "false".into(),
        "1" | "t" | "true" => return "true".into(),
        _ => {}
    }
    let instant = DateTime::parse_from_rfc3339(v)
        .or_else(|_| DateTime::parse_from_str(v, "%Y-%m-%d %H:%M:%S%.f%#z"))
        .or_else(|_| DateTime::parse_from_str(v, "%Y-%m-%d %H:%M:%S%.f%:z"));
    match instant {
        Ok(t) => t.with_timezone(&Utc).to_rfc3339(),
        Err(_) => v.to_string(),
    }
}

/// The fields whose values differ between `before` and `after` (JSON objects as the store
/// writes them; a stored row's values are text, a record's typed, so values compare as
/// text). A side that is not an object is shown whole under the field `-`.
pub fn diff(before: Option<&str>, after: Option<&str>) -> Vec<Change> {
    let parse = |s: Option<&str>| s.and_then(|s| serde_json::from_str::<Value>(s).ok());
    let (b, a) = (parse(before), parse(after));
    let empty = serde_json::Map::new();
    let (bo, ao) = match (&b, &a) {
        (Some(Value::Object(b)), Some(Value::Object(a))) => (b, a),
        (Some(Value::Object(b)), None) => (b, &empty),
        (None, Some(Value::Object(a))) => (&empty, a),
        _ => {
            return vec![Change {
                field: "-".into(),
                before: before.map(str::to_string),
                after: after.map(str::to_string),
            }]
            .into_iter()
            .filter(|c| c.before.is_some() || c.after.is_some())
            .collect();
        }
    };
    let mut fields: Vec<&String> = bo.keys().chain(ao.keys()).collect();
    fields.sort();
    fields.dedup();
    fields
        .into_iter()
        .filter_map(|f| {
            let old = bo.get(f).and_then(text);
            let new = ao.get(f).and_then(text);
            (old.as_deref().map(normal) != new.as_deref().map(normal)).then(|| Change {
                field: f.clone(),
                before: old,
                after: new,
            })
        })
        .collect()
}

fn bad_date(field: &str, v: &str) -> WebError {
    WebError::Invalid {
        field: field.into(),
        message: format!("`{v}` is not a date such as 2026-11-01"),
    }
}

/// The start of company-local day `d`, in UTC.
fn start_of(state: &AppState, d: NaiveDate) -> DateTime<Utc> {
    let local = d.and_hms_opt(0, 0, 0).unwrap_or_default();
    state
        .zone
        .0
        .from_local_datetime(&local)
        .earliest()
        .map_or_else(|| Utc.from_utc_datetime(&local), |t| t.with_timezone(&Utc))
}

impl AuditParams {
    fn page(&self) -> i64 {
        self.page.unwrap_or(1).max(1)
    }

    fn to_store(&self, state: &AppState) -> Result<AuditQuery, WebError> {
        let day = |field: &str, v: &Option<String>| -> Result<Option<NaiveDate>, WebError> {
            match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                None => Ok(None),
                Some(s) => match s.parse() {
                    Ok(d) => crate::extract::plausible_day(field, d).map(Some),
                    Err(_) => Err(bad_date(field, s)),
                },
            }
        };
        let from = day("from", &self.from)?;
        let to = day("to", &self.to)?;
        // A page far beyond the log is empty, but one whose offset does not fit an i64 is
        // nonsense (and overflowed here): refuse it by name.
        let offset =
            (self.page() - 1)
                .checked_mul(PAGE_ENTRIES)
                .ok_or_else(|| WebError::BadQuery {
                    field: "page".into(),
                    message: format!("`{}` is too large a page number", self.page()),
                })?;
        Ok(AuditQuery {
            actor: self.actor.clone(),
            entity: self.entity.clone(),
            entity_id: self.entity_id.clone(),
            action: self.action.clone(),
            from: from.map(|d| start_of(state, d)),
            until: to.and_then(|d| d.succ_opt()).map(|d| start_of(state, d)),
            offset,
            limit: PAGE_ENTRIES + 1,
        })
    }

    /// The query string without `page`, for the pager's links.
    fn link(&self) -> String {
        let pairs = [
            ("actor", &self.actor),
            ("entity", &self.entity),
            ("entity_id", &self.entity_id),
            ("action", &self.action),
            ("from", &self.from),
            ("to", &self.to),
        ];
        pairs
            .iter()
            .filter_map(|(k, v)| {
                v.as_deref()
                    .filter(|v| !v.trim().is_empty())
                    .map(|v| format!("{k}={}", crate::records::encode(v)))
            })
            .collect::<Vec<_>>()
            .join("&")
    }
}

async fn read(
    state: &AppState,
    me: &CurrentUser,
    p: &AuditParams,
) -> Result<(Vec<Entry>, bool), WebError> {
    let q = p.to_store(state)?;
    let mut rows: Vec<AuditRecord> = state.store.audit_log(&me.viewer, &q).await?;
    let more = rows.len() as i64 > PAGE_ENTRIES;
    rows.truncate(PAGE_ENTRIES as usize);
    let entries = rows
        .into_iter()
        .map(|r| Entry {
            id: r.id,
            at: r
                .at
                .with_timezone(&state.zone.0)
                .format("%Y-%m-%d %H:%M:%S")
                .to_string(),
            changes: diff(r.before.as_deref(), r.after.as_deref()),
            actor: r.actor,
            action: r.action,
            entity: r.entity,
            entity_id: r.entity_id,
        })
        .collect();
    Ok((entries, more))
}

/// `GET /audit`: the log as a page (403 for roles that may not read it).
pub async fn page(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(p): Query<AuditParams>,
) -> Result<Html<String>, WebError> {
    let (entries, has_next) = read(&state, &me, &p).await?;
    let ctx = context! {
        entries,
        has_next,
        page => p.page(),
        link => p.link(),
        q => p,
    };
    crate::pages::render_page(&state, &me, "audit.html", ctx)
}

/// `GET /api/audit?…`: the same entries as JSON, each with its raw before/after and the
/// changed fields.
#[utoipa::path(get, path = "/api/audit", tag = "audit", params(AuditParams),
    responses(
        (status = 200, description = "One page of entries", body = AuditPage),
        (status = 403, description = "Only HR and administrators read the audit log", body = ErrorBody),
        (status = 422, description = "A malformed date", body = ErrorBody),
    ))]
pub async fn api(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(p): Query<AuditParams>,
) -> Result<Json<Value>, WebError> {
    let (entries, has_next) = read(&state, &me, &p).await?;
    Ok(Json(
        json!({ "entries": entries, "page": p.page(), "has_next": has_next }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_diff_lists_only_the_fields_that_changed_comparing_values_as_text() {
        let d = diff(
            Some(r#"{"id":"7","duration_s":"95","outcome":"connected","rings":null}"#),
            Some(r#"{"id":7,"duration_s":120,"outcome":"connected","rings":null}"#),
        );
        assert_eq!(
            d,
            [Change {
                field: "duration_s".into(),
                before: Some("95".into()),
                after: Some("120".into())
            }]
        );
        let same = diff(
            Some(r#"{"b":"0","t":"2026-11-20 02:00:00+00"}"#),
            Some(r#"{"b":false,"t":"2026-11-20T02:00:00Z"}"#),
        );
        assert_eq!(same, []);
        assert_eq!(diff(None, Some(r#"{"a":1}"#)).len(), 1);
        assert_eq!(diff(None, None), []);
        assert_eq!(diff(None, Some("3")).len(), 1);
    }
}
