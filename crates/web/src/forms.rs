//! Single-record forms and the JSON record API (SPEC §3): `/records/{kind}/new`,
//! `/records/{kind}/{id}/edit`, `POST /api/records/{kind}` and `PUT /api/records/{kind}/{id}`.
//!
//! A form is drawn from the kind's column set (`kaohe_domain::import::spec`), the same one
//! description that drives imports, exports and list filters, and a submitted form is saved by
//! [`kaohe_store::Store::save_fields`], which reads it exactly as one import row: the same
//! parsing, rules, references within the viewer's data scope and duplicate checks. Every
//! error names its field and is shown next to it; nothing is written unless all pass.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::WebError;
use crate::extract::{JsonBody, Path as ApiPath};
use crate::i18n::{self, Lang};
use crate::openapi::{ErrorBody, RecordErrors};
use crate::records::{kind_label, kind_spec};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Form, Json};
use chrono::Utc;
use kaohe_domain::import::cell;
use kaohe_domain::import::spec::{Absent, Column, KindSpec, Ty};
use kaohe_domain::import::{Cell, ErrorReport, RefKind};
use kaohe_domain::roles::Role;
use kaohe_domain::rules::contract::ContractAction;
use kaohe_domain::rules::expense::ExpenseAction;
use kaohe_store::records::{FormFailure, Query as StoreQuery};
use minijinja::context;
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};

/// Form fields as posted (`csrf` plus one entry per column).
pub type Fields = HashMap<String, String>;

/// One input of a form.
#[derive(Debug, Serialize)]
struct Input {
    field: &'static str,
    label: String,
    /// `text`, `number`, `decimal`, `date`, `datetime-local`, `select`, `readonly`.
    input: &'static str,
    value: String,
    /// (value, label) of a select.
    options: Vec<(String, String)>,
    required: bool,
    /// What a reference expects (a 工号, a 客户档案编号, …).
    hint: String,
    error: Option<String>,
    /// Workflow state, shown but not typed: only the record's steps change it.
    locked: bool,
}

/// The language's name of a choice: its Chinese label, or its code in English.
fn choice_label(lang: Lang, code: &str, zh: &str) -> String {
    match lang {
        Lang::Zh => zh.to_string(),
        Lang::En => code.replace('_', " "),
    }
}

fn hint(lang: Lang, kind: RefKind) -> String {
    let noun = kind.noun();
    match lang {
        // "employee (工号)" → "工号"
        Lang::Zh => noun
            .split_once('(')
            .map_or(noun, |(_, k)| k.trim_end_matches(')'))
            .to_string(),
        Lang::En => noun.to_string(),
    }
}

/// A column's name for people: its Chinese header, or in English its field made readable
/// (`started_at` → "Started at", `duration_s` → "Duration (s)", `customer_id` → "Customer").
pub(crate) fn column_label(lang: Lang, c: &Column) -> String {
    if lang == Lang::Zh {
        return c.zh.to_string();
    }
    let field = c.en;
    let (stem, unit) = [
        ("_id", ""),
        ("_s", " (s)"),
        ("_cents", " (¥)"),
        ("_pct", " (%)"),
    ]
    .iter()
    .find_map(|(suffix, unit)| field.strip_suffix(suffix).map(|s| (s, *unit)))
    .unwrap_or((field, ""));
    let unit = if c.ty == Ty::Money { " (¥)" } else { unit };
    let words = stem.replace('_', " ");
    let mut chars = words.chars();
    let first = chars.next().map(|f| f.to_uppercase().collect::<String>());
    format!("{}{}{unit}", first.unwrap_or_default(), chars.as_str())
}

/// What a field's label adds: what a reference expects, unless the label already says it
/// (`工号` needs no `工号` after it), or for a day that follows from a time that it may be left
/// blank (`日期`: 留空则取「开始时间」的日期), so a rep does not type the day twice.
fn field_hint(spec: &KindSpec, c: &Column, lang: Lang) -> String {
    let label = column_label(lang, c);
    match (c.ty, c.absent) {
        (Ty::Ref(kind), _) => Some(hint(lang, kind)).filter(|h| *h != label),
        (_, Absent::DayOf(from)) => spec
            .columns
            .iter()
            .find(|s| s.field == from)
            .map(|s| i18n::t(lang, "day_of_hint").replace("{}", &column_label(lang, s))),
        _ => None,
    }
    .unwrap_or_default()
}

/// The form's value of a stored cell: what the same column reads back (dates as
/// `2026-10-08`, instants as the local `2026-10-08T09:30` a date-time input takes, choices
/// as codes, booleans as `true`/`false`).
fn form_value(state: &AppState, col: &Column, c: &Cell) -> String {
    match (c, col.ty) {
        (Cell::Time(t), _) => {
            use kaohe_domain::import::LocalZone;
            state.zone.to_local(*t).format("%Y-%m-%dT%H:%M").to_string()
        }
        (Cell::Bool(b), _) => b.to_string(),
        _ => cell::format(col, c, &state.zone, false).text().to_string(),
    }
}

/// The inputs of `spec`'s form with `values` (field → text) and `errors` (field → reason).
fn inputs(
    spec: &'static KindSpec,
    lang: Lang,
    values: &BTreeMap<String, String>,
    errors: &BTreeMap<String, String>,
    editing: bool,
) -> Vec<Input> {
    let yes_no = |lang: Lang| {
        vec![
            ("".to_string(), "—".to_string()),
            ("true".to_string(), i18n::t(lang, "yes").to_string()),
            ("false".to_string(), i18n::t(lang, "no").to_string()),
        ]
    };
    spec.columns
        .iter()
        .filter(|c| !c.export_only || (editing && c.ty != Ty::Id))
        .map(|c| {
            let (input, options) = match c.ty {
                _ if c.export_only => ("readonly", Vec::new()),
                Ty::Int => ("number", Vec::new()),
                Ty::Float | Ty::Money => ("decimal", Vec::new()),
                Ty::Date => ("date", Vec::new()),
                Ty::Time => ("datetime-local", Vec::new()),
                Ty::Bool => ("select", yes_no(lang)),
                Ty::Choice(choices) => {
                    let mut o = vec![("".to_string(), "—".to_string())];
                    o.extend(
                        choices
                            .iter()
                            .map(|(code, zh)| (code.to_string(), choice_label(lang, code, zh))),
                    );
                    ("select", o)
                }
                Ty::Id | Ty::Text | Ty::Ref(_) => ("text", Vec::new()),
            };
            Input {
                field: c.field,
                label: column_label(lang, c),
                input,
                value: values.get(c.field).cloned().unwrap_or_default(),
                options,
                required: c.absent == Absent::Required,
                hint: field_hint(spec, c, lang),
                error: errors.get(c.field).cloned(),
                locked: c.by_steps,
            }
        })
        .collect()
}

/// The field values a new record's form starts with: the signed-in person as the
/// responsible employee, and whatever the link gives (`?order_id=SO-1` from an order's page).
async fn new_values(
    state: &AppState,
    me: &CurrentUser,
    spec: &'static KindSpec,
    given: &Fields,
) -> BTreeMap<String, String> {
    let mut values = BTreeMap::new();
    if let Some(id) = me.viewer.employee_id
        && let Ok(e) = state.store.employee(&me.viewer, id).await
    {
        // A clerk records what they handle for the rep who owns it: they are the handler,
        // the owner is the rep they name.
        let clerk =
            me.viewer.role == Role::Clerk && spec.columns.iter().any(|c| c.field == "handled_by");
        for c in spec.columns {
            let mine = if clerk {
                c.field == "handled_by"
            } else {
                c.field == spec.owner
            };
            if c.ty == Ty::Ref(RefKind::Employee) && mine {
                values.insert(c.field.to_string(), e.code.clone());
            }
        }
    }
    for c in spec.columns {
        if let Some(v) = given.get(c.field) {
            values.insert(c.field.to_string(), v.clone());
        }
        // Workflow state shows where a new record starts (locked: only steps move it).
        if let (true, Absent::Text(start)) = (c.by_steps, c.absent) {
            values.insert(c.field.to_string(), start.to_string());
        }
    }
    values
}

/// The stored record's values, if the viewer can see it ("not found" otherwise).
async fn stored_values(
    state: &AppState,
    me: &CurrentUser,
    spec: &'static KindSpec,
    id: i64,
) -> Result<BTreeMap<String, String>, WebError> {
    let query = StoreQuery {
        id: Some(id),
        limit: Some(1),
        ..StoreQuery::default()
    };
    let rows = state
        .store
        .list_cells(&me.viewer, spec, &query, &state.zone)
        .await?;
    let cells = rows
        .into_iter()
        .next()
        .filter(|_| spec.has_id())
        .ok_or_else(|| WebError::NotFound(format!("{} {id} not found", spec.table)))?;
    Ok(spec
        .columns
        .iter()
        .zip(&cells)
        .map(|(c, v)| (c.field.to_string(), form_value(state, c, v)))
        .collect())
}

/// The posted fields of the kind's columns (a form's own `csrf` is not one).
fn column_fields(spec: &KindSpec, f: &Fields) -> Vec<(String, String)> {
    spec.columns
        .iter()
        .filter(|c| !c.export_only)
        .filter_map(|c| f.get(c.field).map(|v| (c.field.to_string(), v.clone())))
        .collect()
}

/// An import reason in the reader's language.
fn reason(lang: Lang, r: &str) -> String {
    match lang {
        Lang::Zh => kaohe_domain::import::zh::reason_zh(r),
        Lang::En => r.to_string(),
    }
}

/// Errors by field, and those naming no field, in the reader's language.
fn by_field(report: &ErrorReport, lang: Lang) -> (BTreeMap<String, String>, Vec<String>) {
    let mut fields = BTreeMap::new();
    let mut general = Vec::new();
    for e in &report.errors {
        let text = reason(lang, &e.reason);
        if e.column.is_empty() {
            general.push(text);
        } else {
            fields
                .entry(e.column.clone())
                .and_modify(|t: &mut String| {
                    t.push_str("; ");
                    t.push_str(&text);
                })
                .or_insert(text);
        }
    }
    (fields, general)
}

/// What a page shows about a record besides its fields.
#[derive(Default)]
struct Extra {
    errors: BTreeMap<String, String>,
    notice: Option<String>,
    saved: bool,
}

async fn render_form(
    state: &AppState,
    me: &CurrentUser,
    spec: &'static KindSpec,
    id: Option<i64>,
    values: &BTreeMap<String, String>,
    extra: Extra,
) -> Result<Html<String>, WebError> {
    let steps = match (spec.kind, id) {
        ("contracts", Some(_)) => "contract",
        ("expenses", Some(_)) => "expense",
        _ => "",
    };
    // An order's lines are records of their own, added from the order's page.
    let lines_link = match (spec.kind, values.get("order_no")) {
        ("orders", Some(no)) if id.is_some() => Some(format!(
            "/records/order_lines/new?order_id={}",
            crate::records::encode(no)
        )),
        _ => None,
    };
    let action = match id {
        Some(id) => format!("/records/{}/{id}/edit", spec.kind),
        None => format!("/records/{}/new", spec.kind),
    };
    let ctx = context! {
        kind => spec.kind,
        kind_label => kind_label(me.lang, spec.kind),
        id,
        action,
        inputs => inputs(spec, me.lang, values, &extra.errors, id.is_some()),
        notice => extra.notice,
        saved => extra.saved,
        steps,
        lines_link,
    };
    crate::pages::render_page(state, me, "record_form.html", ctx)
}

/// `GET /records/{kind}/new`: an empty form (fields may be given in the query).
pub async fn new_page(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(kind): Path<String>,
    Query(given): Query<Fields>,
) -> Result<Html<String>, WebError> {
    let spec = kind_spec(&kind)?;
    // A role that does not record this kind is told so before it types anything.
    me.viewer
        .role
        .may_write(spec.kind)
        .map_err(WebError::Forbidden)?;
    let values = new_values(&state, &me, spec, &given).await;
    render_form(&state, &me, spec, None, &values, Extra::default()).await
}

/// `GET /records/{kind}/{id}/edit`: the stored record in a form (404 outside the scope).
pub async fn edit_page(
    State(state): State<AppState>,
    me: CurrentUser,
    Path((kind, id)): Path<(String, i64)>,
    Query(q): Query<Fields>,
) -> Result<Html<String>, WebError> {
    let spec = kind_spec(&kind)?;
    let values = stored_values(&state, &me, spec, id).await?;
    let extra = Extra {
        saved: q.contains_key("saved"),
        notice: q.get("notice").cloned(),
        ..Extra::default()
    };
    render_form(&state, &me, spec, Some(id), &values, extra).await
}

/// Saves a posted form; on success to the record's page, otherwise the form again with each
/// error next to its field (422) and nothing written.
async fn save_form(
    state: AppState,
    me: CurrentUser,
    spec: &'static KindSpec,
    id: Option<i64>,
    f: Fields,
) -> Result<Response, WebError> {
    me.check_csrf(f.get("csrf").map(String::as_str))?;
    let fields = column_fields(spec, &f);
    let outcome = state
        .store
        .save_fields(&me.viewer, spec, id, &fields, &state.zone)
        .await;
    let values: BTreeMap<String, String> = fields.into_iter().collect();
    let extra = match outcome {
        Ok(new_id) if spec.has_id() => {
            return Ok(
                Redirect::to(&format!("/records/{}/{new_id}/edit?saved=1", spec.kind))
                    .into_response(),
            );
        }
        Ok(_) => return Ok(Redirect::to(&format!("/records/{}", spec.kind)).into_response()),
        Err(FormFailure::Rejected(report)) => {
            let (errors, general) = by_field(&report, me.lang);
            Extra {
                errors,
                notice: (!general.is_empty()).then(|| general.join("; ")),
                saved: false,
            }
        }
        Err(FormFailure::Store(e)) => match WebError::from(e) {
            WebError::Invalid { field, message } | WebError::Conflict { field, message } => Extra {
                errors: [(field, reason(me.lang, &message))].into(),
                ..Extra::default()
            },
            WebError::Forbidden(m) => Extra {
                notice: Some(m),
                ..Extra::default()
            },
            other => return Err(other),
        },
    };
    let html = render_form(&state, &me, spec, id, &values, extra).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
}

/// `POST /records/{kind}/new`.
pub async fn create(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(kind): Path<String>,
    Form(f): Form<Fields>,
) -> Result<Response, WebError> {
    let spec = kind_spec(&kind)?;
    save_form(state, me, spec, None, f).await
}

/// `POST /records/{kind}/{id}/edit`.
pub async fn update(
    State(state): State<AppState>,
    me: CurrentUser,
    Path((kind, id)): Path<(String, i64)>,
    Form(f): Form<Fields>,
) -> Result<Response, WebError> {
    let spec = kind_spec(&kind)?;
    save_form(state, me, spec, Some(id), f).await
}

/// The step of a contract (`review` with `outcome` pass/return, `sign`, `archive`).
pub fn contract_action(
    action: &str,
    pass: bool,
    comment: String,
) -> Result<ContractAction, WebError> {
    Ok(match action {
        "review" => ContractAction::Review {
            passed: pass,
            comment,
        },
        "sign" => ContractAction::Sign,
        "archive" => ContractAction::Archive,
        other => return Err(unknown_step(other, "review, sign, archive")),
    })
}

/// The step of an expense claim (`manager_review` / `finance_review` with approve or
/// return, `pay`, `resubmit`).
pub fn expense_action(
    action: &str,
    approve: bool,
    comment: String,
) -> Result<ExpenseAction, WebError> {
    Ok(match action {
        "manager_review" => ExpenseAction::ManagerReview {
            approved: approve,
            comment,
        },
        "finance_review" => ExpenseAction::FinanceReview {
            approved: approve,
            comment,
        },
        "pay" => ExpenseAction::Pay,
        "resubmit" => ExpenseAction::Resubmit,
        other => {
            return Err(unknown_step(
                other,
                "manager_review, finance_review, pay, resubmit",
            ));
        }
    })
}

fn unknown_step(action: &str, known: &str) -> WebError {
    WebError::Invalid {
        field: "action".into(),
        message: format!("unknown step `{action}` (expected one of: {known})"),
    }
}

/// `POST /records/{kind}/{id}/step`: a contract or expense step from the record's page
/// (fields `action`, `outcome` = `pass` | `return`, `comment`), through the same store flow
/// as the step API; back to the page with the outcome or the reason it was refused.
pub async fn step(
    State(state): State<AppState>,
    me: CurrentUser,
    Path((kind, id)): Path<(String, i64)>,
    Form(f): Form<Fields>,
) -> Result<Response, WebError> {
    me.check_csrf(f.get("csrf").map(String::as_str))?;
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let pass = get("outcome") != "return";
    let done = match kind.as_str() {
        "contracts" => {
            let action = contract_action(&get("action"), pass, get("comment"))?;
            state
                .store
                .contract_step(&me.viewer, id, &action, Utc::now(), &state.zone)
                .await
        }
        "expenses" => {
            let action = expense_action(&get("action"), pass, get("comment"))?;
            state
                .store
                .expense_step(&me.viewer, id, &action, Utc::now())
                .await
        }
        _ => return Err(WebError::NotFound(format!("{kind} have no steps"))),
    };
    let notice = match done {
        Ok(_) => i18n::t(me.lang, "step_done").to_string(),
        Err(e) => match WebError::store(me.lang)(e) {
            e @ WebError::NotFound(_) => return Err(e),
            WebError::Internal(m) => return Err(WebError::Internal(m)),
            e => e.message(),
        },
    };
    Ok(Redirect::to(&format!(
        "/records/{kind}/{id}/edit?notice={}",
        crate::records::encode(&notice)
    ))
    .into_response())
}

/// A JSON value as the text a form would post (`12.5`, `true`, `E001`).
fn json_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The JSON body's fields by field name; a key may also be the column's English or Chinese
/// header (`amount` or `签约金额(元)` for `amount_cents`, as in files).
fn json_fields(
    spec: &KindSpec,
    body: &serde_json::Map<String, Value>,
) -> Result<Vec<(String, String)>, (String, String, String)> {
    let mut out = Vec::new();
    for (k, v) in body {
        let col = spec
            .columns
            .iter()
            .find(|c| c.field == k || c.zh == k || c.en.eq_ignore_ascii_case(k));
        match col {
            Some(c) if c.export_only => {}
            Some(c) => out.push((c.field.to_string(), json_text(v))),
            None => {
                return Err((
                    k.to_string(),
                    json_text(v),
                    format!("unknown field of {}", spec.kind),
                ));
            }
        }
    }
    Ok(out)
}

/// What the `{kind}` of the record API may be.
const KIND_DOC: &str = "The record kind, as on the command line (`calls`, `orders`, …)";

/// The record API's body.
const RECORD_DOC: &str = "The record as a JSON object of field: value, the fields of the \
    kind's import columns (docs/import-formats.md), values as a form takes them (text, \
    numbers, booleans)";

/// A record saved.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Saved {
    /// The record's id.
    pub id: i64,
    /// The record kind.
    pub kind: String,
}

fn rejected_json(errors: &[(String, String, String)]) -> Response {
    let first = errors
        .first()
        .map(|(f, _, r)| format!("{f}: {r}"))
        .unwrap_or_default();
    let list: Vec<Value> = errors
        .iter()
        .map(|(f, v, r)| json!({ "field": f, "value": v, "reason": r }))
        .collect();
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        Json(
            json!({ "error": first, "field": errors.first().map(|e| e.0.clone()), "errors": list }),
        ),
    )
        .into_response()
}

async fn save_json(
    state: AppState,
    me: CurrentUser,
    headers: HeaderMap,
    kind: String,
    id: Option<i64>,
    body: Value,
) -> Result<Response, WebError> {
    me.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))?;
    let spec = kind_spec(&kind)?;
    let Value::Object(body) = body else {
        return Ok(rejected_json(&[(
            String::new(),
            String::new(),
            "expected a JSON object of field: value".into(),
        )]));
    };
    let fields = match json_fields(spec, &body) {
        Ok(f) => f,
        Err(e) => return Ok(rejected_json(&[e])),
    };
    match state
        .store
        .save_fields(&me.viewer, spec, id, &fields, &state.zone)
        .await
    {
        Ok(new_id) => {
            let status = if id.is_some() {
                StatusCode::OK
            } else {
                StatusCode::CREATED
            };
            Ok((status, Json(json!({ "id": new_id, "kind": spec.kind }))).into_response())
        }
        Err(FormFailure::Rejected(report)) => {
            let errors: Vec<(String, String, String)> = report
                .errors
                .iter()
                .map(|e| {
                    (
                        e.column.clone(),
                        e.value.clone(),
                        reason(me.lang, &e.reason),
                    )
                })
                .collect();
            Ok(rejected_json(&errors))
        }
        Err(FormFailure::Store(e)) => Err(WebError::from(e)),
    }
}

/// `POST /api/records/{kind}` with `X-CSRF-Token`: `{"employee_id": "E001", "day":
/// "2026-10-08", …}` (values as a form takes them); 201 with the new id, or 422 with every
/// error naming its field.
#[utoipa::path(post, path = "/api/records/{kind}", tag = "records",
    params(("kind" = String, Path, description = KIND_DOC)),
    request_body(content = Object, description = RECORD_DOC),
    responses(
        (status = 201, description = "Saved", body = Saved),
        (status = 404, description = "No such record kind", body = ErrorBody),
        (status = 409, description = "A duplicate business number", body = ErrorBody),
        (status = 422, description = "Refused: every error names its field", body = RecordErrors),
    ))]
pub async fn api_create(
    State(state): State<AppState>,
    me: CurrentUser,
    headers: HeaderMap,
    ApiPath(kind): ApiPath<String>,
    JsonBody(body): JsonBody<Value>,
) -> Result<Response, WebError> {
    save_json(state, me, headers, kind, None, body).await
}

/// `PUT /api/records/{kind}/{id}` with `X-CSRF-Token`: the whole record, as for creating.
#[utoipa::path(put, path = "/api/records/{kind}/{id}", tag = "records",
    params(
        ("kind" = String, Path, description = KIND_DOC),
        ("id" = i64, Path, description = "The record's id"),
    ),
    request_body(content = Object, description = RECORD_DOC),
    responses(
        (status = 200, description = "Saved", body = Saved),
        (status = 404, description = "No such record kind, or no such record in scope", body = ErrorBody),
        (status = 409, description = "A duplicate business number", body = ErrorBody),
        (status = 422, description = "Refused: every error names its field", body = RecordErrors),
    ))]
pub async fn api_update(
    State(state): State<AppState>,
    me: CurrentUser,
    headers: HeaderMap,
    ApiPath((kind, id)): ApiPath<(String, i64)>,
    JsonBody(body): JsonBody<Value>,
) -> Result<Response, WebError> {
    save_json(state, me, headers, kind, Some(id), body).await
}

#[cfg(test)]
mod label_tests {
    use super::*;
    use kaohe_domain::import::spec::{CALLS, ORDERS};

    #[test]
    fn english_labels_read_as_words_with_their_unit() {
        let label =
            |spec: &KindSpec, field: &str| column_label(Lang::En, spec.column(field).unwrap().1);
        assert_eq!(label(&CALLS, "started_at"), "Started at");
        assert_eq!(label(&CALLS, "duration_s"), "Duration (s)");
        assert_eq!(label(&CALLS, "employee_id"), "Employee");
        assert_eq!(label(&ORDERS, "amount_cents"), "Amount (¥)");
        assert_eq!(
            column_label(Lang::Zh, CALLS.column("duration_s").unwrap().1),
            "通话时长(秒)"
        );
    }
}
