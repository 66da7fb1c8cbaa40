//! Appeals (申诉, SPEC §6) in the browser: the list of a period's appeals within the viewer's
//! data scope, one appeal with what has happened to it, and the forms of the steps that follow
//! the filing (which the cycle page takes): HR accepts or rejects (with a reason) and records
//! the investigation, the committee upholds (a corrected score, compensation) or dismisses.
//! The domain decides who may take which step; a refusal is shown with its reason in the
//! user's language. An appeal of a person outside the viewer's scope answers 404.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::WebError;
use crate::i18n::{self, Lang};
use crate::pages::render_page;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::Datelike;
use kaohe_domain::appeal::{Appeal, AppealStage, Ruling};
use kaohe_domain::period::Period;
use kaohe_domain::roles::Role;
use kaohe_store::cycle::{Correction, compensation};
use minijinja::context;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;

fn stage_name(stage: AppealStage, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => stage.name_zh(),
        Lang::En => stage.name_en(),
    }
}

/// `?period=2026-10` (default: last month, whose results are the ones appealed now).
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    pub period: Option<String>,
}

fn parse_period(text: &str) -> Result<Period, WebError> {
    Period::parse(text).map_err(|e| WebError::Invalid {
        field: "period".into(),
        message: e.to_string(),
    })
}

fn last_month(state: &AppState) -> Period {
    let first = state.today().with_day(1).expect("the first of the month");
    let prev = first.pred_opt().expect("a day before the first");
    Period::Month {
        year: prev.year(),
        month: prev.month(),
    }
}

/// `GET /appeals?period=P`: the period's appeals the viewer may see.
pub async fn list(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(q): Query<ListQuery>,
) -> Result<Html<String>, WebError> {
    let period = match q.period.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => parse_period(p)?,
        None => last_month(&state),
    };
    let rows = state.store.appeals(&me.viewer, period).await?;
    let mut items = Vec::new();
    for r in rows {
        let person = state.store.employee(&me.viewer, r.employee_id).await?;
        let stage = state.store.appeal(r.id).await?.stage;
        items.push(json!({
            "id": r.id, "name": person.name, "code": person.code,
            "filed_on": r.filed_at.with_timezone(&state.zone.0).date_naive(),
            "hr_due_on": r.hr_due_on, "stage": r.status,
            "stage_name": stage_name(stage, me.lang),
        }));
    }
    let ctx = context! { period => period.to_string(), items };
    render_page(&state, &me, "appeals.html", ctx)
}

/// The appeal if its person is in the viewer's scope, else "not found" (ids are not probed).
async fn visible(state: &AppState, me: &CurrentUser, id: i64) -> Result<Appeal, WebError> {
    let appeal = state.store.appeal(id).await?;
    state
        .store
        .cycle(&me.viewer, appeal.period, appeal.subject_id)
        .await?;
    Ok(appeal)
}

async fn render(
    state: &AppState,
    me: &CurrentUser,
    id: i64,
    error: Option<String>,
) -> Result<Html<String>, WebError> {
    let a = visible(state, me, id).await?;
    let lang = me.lang;
    let person = state.store.employee(&me.viewer, a.subject_id).await?;
    let cycle = state
        .store
        .cycle(&me.viewer, a.period, a.subject_id)
        .await?;
    let result = cycle
        .current_result()
        .map(|r| json!({ "version": r.version, "score": r.result.score, "grade": r.result.grade }));
    let ruling = a.ruling.as_ref().map(|(r, on)| match r {
        Ruling::Upheld {
            result,
            compensation,
            reason,
        } => json!({
            "upheld": true, "on": on, "reason": reason, "score": result.score,
            "grade": result.grade,
            "compensation": compensation.as_ref().map(|c| json!({
                "yuan": c.amount.0 as f64 / 100.0, "description": c.description,
            })),
        }),
        Ruling::Dismissed { reason } => json!({ "upheld": false, "on": on, "reason": reason }),
    });
    // Which forms to offer: the domain still decides when one is submitted.
    let role = me.viewer.role;
    let forms: Vec<&str> = match (a.stage, role) {
        (AppealStage::Filed, Role::Hr) => vec!["accept", "reject"],
        (AppealStage::Accepted, Role::Hr) => vec!["investigate"],
        (AppealStage::Proposed, Role::Committee) => vec!["uphold", "dismiss"],
        _ => Vec::new(),
    };
    let page = context! {
        id, period => a.period.to_string(), employee => a.subject_id,
        name => person.name, code => person.code,
        stage => stage_code(a.stage), stage_name => stage_name(a.stage, lang),
        filed_on => a.filed_on, hr_due => a.hr_due, hr_answered_on => a.hr_answered_on,
        hr_late => a.hr_late, reason => a.reason, evidence => a.evidence,
        against_version => a.against_version, result,
        rejection_reason => a.rejection_reason, investigation => a.investigation,
        ruling, forms, error,
    };
    render_page(state, me, "appeal.html", page)
}

fn stage_code(stage: AppealStage) -> Value {
    serde_json::to_value(stage).unwrap_or(Value::Null)
}

/// `GET /appeals/{id}`: one appeal and the steps the viewer may take on it.
pub async fn page(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    match render(&state, &me, id, None).await {
        Ok(html) => Ok(html.into_response()),
        Err(WebError::NotFound(_)) => {
            let ctx = context! {
                message => i18n::t(me.lang, "no_appeal"),
                period => last_month(&state).to_string(),
                items => Vec::<Value>::new(),
            };
            let html = render_page(&state, &me, "appeals.html", ctx)?;
            Ok((StatusCode::NOT_FOUND, html).into_response())
        }
        Err(e) => Err(e),
    }
}

type Fields = HashMap<String, String>;

fn field(f: &Fields, key: &str) -> String {
    f.get(key).map(|s| s.trim().to_string()).unwrap_or_default()
}

/// A number field, or an "invalid" error naming it.
fn number(f: &Fields, key: &str) -> Result<Option<f64>, WebError> {
    let text = field(f, key);
    if text.is_empty() {
        return Ok(None);
    }
    text.parse::<f64>()
        .map(Some)
        .map_err(|_| WebError::Invalid {
            field: key.into(),
            message: format!("`{text}` is not a number"),
        })
}

async fn take(state: &AppState, me: &CurrentUser, id: i64, f: &Fields) -> Result<(), WebError> {
    let store = &state.store;
    let v = &me.viewer;
    let today = state.today();
    let reason = field(f, "reason");
    match field(f, "action").as_str() {
        "accept" => store.accept_appeal(v, id, today).await?,
        "reject" => store.reject_appeal(v, id, &reason, today).await?,
        "investigate" => {
            let (notes, proposal) = (field(f, "notes"), field(f, "proposal"));
            store
                .investigate_appeal(v, id, &notes, &proposal, today)
                .await?;
        }
        "uphold" => {
            let Some(score) = number(f, "score")? else {
                return Err(WebError::Invalid {
                    field: "score".into(),
                    message: "enter the corrected score".into(),
                });
            };
            let yuan = number(f, "compensation")?.unwrap_or(0.0);
            let note = field(f, "compensation_note");
            let paid = yuan != 0.0 || !note.is_empty();
            let correction = Correction {
                score,
                lines: Vec::new(),
                compensation: paid.then(|| compensation(yuan.round() as i64, &note)),
            };
            store
                .rule_appeal(v, id, Some(correction), &reason, today)
                .await?;
        }
        "dismiss" => store.rule_appeal(v, id, None, &reason, today).await?,
        other => {
            return Err(WebError::Invalid {
                field: "action".into(),
                message: format!("unknown step `{other}`"),
            });
        }
    }
    Ok(())
}

/// `POST /appeals/{id}`: a step through a form (field `action`, the session's `csrf`); back
/// to the appeal on success, the appeal with the reason when refused.
pub async fn form(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<Fields>,
) -> Result<Response, WebError> {
    me.check_csrf(f.get("csrf").map(String::as_str))?;
    visible(&state, &me, id).await?;
    match take(&state, &me, id, &f).await {
        Ok(()) => Ok(Redirect::to(&format!("/appeals/{id}")).into_response()),
        Err(
            e @ (WebError::Refused { .. }
            | WebError::Invalid { .. }
            | WebError::Forbidden(_)
            | WebError::Conflict { .. }),
        ) => {
            let e = e.in_lang(me.lang);
            let html = render(&state, &me, id, Some(e.message())).await?;
            Ok((e.status(), html).into_response())
        }
        Err(e) => Err(e),
    }
}
