//! The behaviour factor (行为系数) of a performance × behaviour scheme in the browser and the
//! JSON API: the form on the person's cycle page (`POST /cycle/{period}/{employee}/behaviour`)
//! and `GET` / `POST /api/cycle/behaviour`. The rules are the store's
//! ([`kaohe_store::Store::record_behaviour`]); a refusal is shown in the user's language.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::cycle::{Find, parse_period, render_cycle, this_month, who};
use crate::error::WebError;
use crate::extract::{JsonBody, Query};
use crate::i18n::{Lang, t};
use crate::openapi::{ErrorBody, RefusalBody};
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use kaohe_domain::composition::{BehaviourLevel, behaviour_level};
use kaohe_domain::cycle::Stage;
use kaohe_domain::period::Period;
use kaohe_domain::roles::Role;
use kaohe_store::cycle::{BehaviourInput, BehaviourRecord};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::HashMap;

/// The body of `POST /api/cycle/behaviour`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct BehaviourBody {
    /// `2026-10`.
    pub period: String,
    /// The person's database id.
    pub employee: i64,
    /// 0 to the scheme's maximum (1.2); 0 with a violation.
    pub factor: f64,
    /// The outstanding acts (突出表现); required above 1.0.
    #[serde(default)]
    pub acts: String,
    /// A serious violation (违法、严重违纪、工作事故或严重工作失误): the month counts 0.
    #[serde(default)]
    pub violation: String,
}

/// A stored behaviour factor (documentation of the answer's shape).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BehaviourAnswer {
    pub period: String,
    pub employee: i64,
    /// The scheme's highest factor (1.2).
    pub max_factor: f64,
    /// The stored factor, `null` when none was given yet: period, employee_id, factor,
    /// serious_violation, acts, violation, assessor_id, assessed_at.
    #[schema(value_type = Option<Object>)]
    pub stored: Option<Value>,
}

/// The level name of a factor in `lang` (SPEC §5).
fn level_name(factor: f64, lang: Lang) -> &'static str {
    let key = match behaviour_level(factor) {
        BehaviourLevel::Unsatisfactory => "behaviour_unsatisfactory",
        BehaviourLevel::Pass => "behaviour_pass",
        BehaviourLevel::Good => "behaviour_good",
        BehaviourLevel::Excellent => "behaviour_excellent",
        BehaviourLevel::Outstanding => "behaviour_outstanding",
    };
    t(lang, key)
}

/// What the cycle page shows of the behaviour factor: `None` when the person's scheme has
/// none; the stored value rounded and its level, and whether the viewer may give it now.
pub(crate) async fn section(
    state: &AppState,
    me: &CurrentUser,
    period: Period,
    employee: i64,
    stage: Stage,
) -> Result<Option<Value>, WebError> {
    let Some(max) = state.store.behaviour_max_factor(period, employee).await? else {
        return Ok(None);
    };
    let stored = state.store.behaviour(&me.viewer, period, employee).await?;
    let superior = match me.viewer.employee_id {
        Some(id) if id != employee => state.store.supervisor_chain(employee).await?.contains(&id),
        _ => false,
    };
    let may_give = me.viewer.employee_id.is_some_and(|id| id != employee)
        && (superior || me.viewer.role == Role::Hr)
        && matches!(stage, Stage::Open | Stage::Rating);
    let lang = me.lang;
    Ok(Some(json!({
        "max": crate::i18n::number(max, 1),
        "given": stored.as_ref().map(|b| json!({
            "factor": crate::i18n::number(b.factor, 2),
            "value": b.factor,
            "level": level_name(b.factor, lang),
            "serious_violation": b.serious_violation,
            "acts": b.acts,
            "violation": b.violation,
        })),
        "may_give": may_give,
    })))
}

type Fields = HashMap<String, String>;

fn text(f: &Fields, key: &str) -> String {
    f.get(key).map(|s| s.trim().to_string()).unwrap_or_default()
}

/// The form's fields as the store's input: an empty factor with a violation is 0 (the month
/// counts 0); otherwise the factor must be a number.
fn form_input(f: &Fields, lang: Lang) -> Result<BehaviourInput, WebError> {
    let (factor, acts, violation) = (text(f, "factor"), text(f, "acts"), text(f, "violation"));
    let factor = match factor.as_str() {
        "" if !violation.is_empty() => 0.0,
        "" => {
            return Err(WebError::Invalid {
                field: "factor".into(),
                message: t(lang, "behaviour_missing").into(),
            });
        }
        typed => typed.parse::<f64>().map_err(|_| WebError::Invalid {
            field: "factor".into(),
            message: format!("「{typed}」{}", t(lang, "behaviour_not_a_number")),
        })?,
    };
    Ok(BehaviourInput {
        factor,
        acts,
        violation,
    })
}

/// `POST /cycle/{period}/{employee}/behaviour`: the superior or HR gives the factor through
/// the cycle page's form (fields `factor`, `acts`, `violation`, the session's `csrf`); back
/// to the page on success, the page with the reason when refused.
pub async fn form(
    State(state): State<AppState>,
    me: CurrentUser,
    Path((period, employee)): Path<(String, i64)>,
    Form(f): Form<Fields>,
) -> Result<Response, WebError> {
    me.check_csrf(f.get("csrf").map(String::as_str))?;
    let period = parse_period(&period)?;
    state.store.cycle(&me.viewer, period, employee).await?;
    let saved = match form_input(&f, me.lang) {
        Ok(input) => state
            .store
            .record_behaviour(&me.viewer, period, employee, &input)
            .await
            .map_err(WebError::from),
        Err(e) => Err(e),
    };
    match saved {
        Ok(()) => Ok(Redirect::to(&format!("/cycle/{period}/{employee}")).into_response()),
        Err(e @ (WebError::Refused { .. } | WebError::Invalid { .. } | WebError::Forbidden(_))) => {
            let e = e.in_lang(me.lang);
            let html = render_cycle(&state, &me, period, employee, Some(e.message()), None).await?;
            Ok((e.status(), html).into_response())
        }
        Err(e) => Err(e),
    }
}

/// `GET /api/cycle/behaviour?period=P&employee=ID`: the person's stored behaviour factor.
#[utoipa::path(get, path = "/api/cycle/behaviour", tag = "cycle", params(Find),
    responses(
        (status = 200, description = "The stored factor (`stored` is null when none was given)", body = BehaviourAnswer),
        (status = 404, description = "No cycle of that person and period in scope", body = ErrorBody),
        (status = 422, description = "A malformed period, or the person's scheme has no behaviour factor", body = RefusalBody),
    ))]
pub async fn api_get(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(q): Query<Find>,
) -> Result<Json<Value>, WebError> {
    let period = match q.period.as_deref() {
        Some(p) => parse_period(p)?,
        None => this_month(state.today()),
    };
    let employee = who(&me, q.employee)?;
    let stored: Option<BehaviourRecord> = state
        .store
        .behaviour(&me.viewer, period, employee)
        .await
        .map_err(WebError::store(me.lang))?;
    let Some(max) = state.store.behaviour_max_factor(period, employee).await? else {
        return Err(no_behaviour(me.lang));
    };
    Ok(Json(json!({
        "period": period.to_string(),
        "employee": employee,
        "max_factor": max,
        "stored": stored,
    })))
}

/// 422 for a person whose scheme has no behaviour factor.
fn no_behaviour(lang: Lang) -> WebError {
    let refusal = kaohe_domain::cycle::Refusal::new(
        kaohe_domain::cycle::RefusalKind::Invalid,
        "该考核方案不使用行为系数（只有绩效 × 行为系数的方案才评定）",
        "this scheme has no behaviour factor (only performance × behaviour schemes have one)",
    );
    WebError::Refused {
        refusal: Box::new(refusal),
        lang,
    }
}

/// `POST /api/cycle/behaviour` with `X-CSRF-Token`: `{"period": "2026-10", "employee": 12,
/// "factor": 1.1, "acts": "…", "violation": ""}`; answers the stored value.
#[utoipa::path(post, path = "/api/cycle/behaviour", tag = "cycle",
    request_body(content = BehaviourBody, description = "The factor, the acts above 1.0, a violation (factor 0)"),
    responses(
        (status = 200, description = "Stored", body = BehaviourAnswer),
        (status = 403, description = "Not the person's superior or HR", body = RefusalBody),
        (status = 404, description = "No cycle of that person and period in scope", body = ErrorBody),
        (status = 409, description = "The cycle is past rating (consolidated, published, locked)", body = RefusalBody),
        (status = 422, description = "Out of range, above 1.0 without acts, a violation with a factor above 0, or no behaviour factor in the scheme", body = RefusalBody),
    ))]
pub async fn api_post(
    State(state): State<AppState>,
    me: CurrentUser,
    headers: HeaderMap,
    JsonBody(body): JsonBody<BehaviourBody>,
) -> Result<Json<Value>, WebError> {
    me.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))?;
    let period = parse_period(&body.period)?;
    let input = BehaviourInput {
        factor: body.factor,
        acts: body.acts,
        violation: body.violation,
    };
    let store = WebError::store(me.lang);
    state
        .store
        .record_behaviour(&me.viewer, period, body.employee, &input)
        .await
        .map_err(&store)?;
    let stored = state
        .store
        .behaviour(&me.viewer, period, body.employee)
        .await
        .map_err(&store)?;
    let max = state
        .store
        .behaviour_max_factor(period, body.employee)
        .await?;
    Ok(Json(json!({
        "period": period.to_string(),
        "employee": body.employee,
        "max_factor": max,
        "stored": stored,
    })))
}
