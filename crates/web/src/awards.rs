//! Monthly awards (月度奖励, SPEC §7) in the browser and the JSON API: the month's candidates
//! and decisions in the viewer's data scope, with the rule, the recipient, the tier, the basis
//! and any tie-break shown; the button that computes the candidates (HR, managers,
//! administrators), the confirm / reject forms (managers and HR) and the payout mark (finance).
//! The store checks roles (SPEC §1) and scopes; this layer checks the CSRF token and that a
//! rejection names its reason.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::WebError;
use crate::extract::{JsonBody, Path, Query};
use crate::i18n::{self, Lang};
use crate::openapi::{ErrorBody, RefusalBody};
use crate::pages::render_page;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Form, Json};
use kaohe_domain::awards::AwardRule;
use kaohe_domain::import::cell::parse_money;
use kaohe_domain::money::Cents;
use kaohe_domain::period::Period;
use kaohe_domain::roles::Role;
use kaohe_store::awards::{AwardDecision, AwardRow};
use minijinja::context;
use serde::Deserialize;

/// `?period=2026-10`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodQuery {
    /// The month, `YYYY-MM` (pages: default last month).
    #[param(example = "2026-10")]
    pub period: Option<String>,
}

/// A decision: `confirm` or `reject` (with `reason`); on the ladder also `grace`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct DecisionForm {
    /// `confirm`, `reject` or (ladder only) `grace`.
    pub decision: String,
    /// Why, required for `reject`.
    #[serde(default)]
    pub reason: String,
    /// Awards only: the amount in cents to pay on `confirm`, overriding the rule's (required
    /// when the rule sets none).
    #[serde(default)]
    pub amount_cents: Option<i64>,
}

/// `{"period": "2026-10"}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ComputeForm {
    /// The month, `YYYY-MM`.
    pub period: String,
}

pub(crate) fn invalid(field: &str, message: impl Into<String>) -> WebError {
    WebError::Invalid {
        field: field.into(),
        message: message.into(),
    }
}

/// A month, `YYYY-MM`; anything else names the field.
pub(crate) fn month(text: &str) -> Result<Period, WebError> {
    match Period::parse(text.trim()) {
        Ok(p @ Period::Month { .. }) => Ok(p),
        Ok(_) => Err(invalid("period", "a month is needed, YYYY-MM")),
        Err(e) => Err(invalid("period", e.to_string())),
    }
}

/// The month asked for, or last month (the last closed one) when none is.
pub(crate) fn month_or_last(state: &AppState, text: Option<&str>) -> Result<Period, WebError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => month(t),
        None => Ok(Period::month_of(state.today()).prev()),
    }
}

/// The reason of a rejection, trimmed; an empty one names the field.
pub(crate) fn rejection_reason(text: &str) -> Result<String, WebError> {
    let r = text.trim();
    if r.is_empty() {
        return Err(invalid("reason", "a rejection needs a reason"));
    }
    Ok(r.to_string())
}

/// `"中文 / English"` in the reader's language.
pub(crate) fn in_lang(lang: Lang, both: &str) -> String {
    match both.split_once(" / ") {
        Some((zh, en)) => if lang == Lang::Zh { zh } else { en }.to_string(),
        None => both.to_string(),
    }
}

fn may_compute(me: &CurrentUser) -> bool {
    matches!(me.viewer.role, Role::Hr | Role::Manager | Role::Admin)
}

fn may_decide(me: &CurrentUser) -> bool {
    matches!(me.viewer.role, Role::Hr | Role::Manager)
}

fn may_pay(me: &CurrentUser) -> bool {
    matches!(me.viewer.role, Role::Finance | Role::Admin)
}

async fn decide(
    state: &AppState,
    me: &CurrentUser,
    id: i64,
    decision: &str,
    reason: &str,
    amount: Option<Cents>,
) -> Result<(), WebError> {
    let store = &state.store;
    let decision = match decision {
        "confirm" => AwardDecision::Confirm { amount },
        "reject" => AwardDecision::Reject {
            reason: rejection_reason(reason)?,
        },
        other => {
            return Err(invalid(
                "decision",
                format!("`{other}` is not one of: confirm, reject"),
            ));
        }
    };
    store
        .decide_award(&me.viewer, id, decision, state.today())
        .await
        .map_err(WebError::store(me.lang))
}

/// `GET /api/awards?period=`: the month's award candidates and decisions in the viewer's scope.
#[utoipa::path(get, path = "/api/awards", tag = "awards", params(PeriodQuery),
    responses(
        (status = 200, description = "Award rows: rule, recipient, tier, basis, tie-break, status, amount", body = Vec<Object>),
        (status = 422, description = "A bad period", body = ErrorBody),
    ))]
pub async fn awards_api(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(q): Query<PeriodQuery>,
) -> Result<Json<Vec<AwardRow>>, WebError> {
    let period = month_or_last(&state, q.period.as_deref())?;
    let rows = state.store.awards_in_scope(&me.viewer, period).await?;
    Ok(Json(rows.into_iter().map(|(row, _)| row).collect()))
}

/// `POST /api/awards/compute`: computes the month's candidates (HR, a manager or an
/// administrator); decided rows are kept as decided.
#[utoipa::path(post, path = "/api/awards/compute", tag = "awards",
    request_body = ComputeForm,
    responses(
        (status = 200, description = "The month's award rows in the viewer's scope", body = Vec<Object>),
        (status = 403, description = "The role may not compute awards", body = ErrorBody),
        (status = 422, description = "A bad period", body = ErrorBody),
    ))]
pub async fn compute_api(
    State(state): State<AppState>,
    me: CurrentUser,
    headers: HeaderMap,
    JsonBody(f): JsonBody<ComputeForm>,
) -> Result<Json<Vec<AwardRow>>, WebError> {
    me.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))?;
    let period = month(&f.period)?;
    let (store, viewer) = (state.store.clone(), me.viewer.clone());
    state
        .run_heavy(me.user.id, async move {
            store.compute_awards(&viewer, period).await
        })
        .await?
        .map_err(WebError::store(me.lang))?;
    let rows = state.store.awards_in_scope(&me.viewer, period).await?;
    Ok(Json(rows.into_iter().map(|(row, _)| row).collect()))
}

/// `POST /api/awards/{id}/decision`: a manager or HR confirms (optionally with the amount) or
/// rejects (reason required) a proposed award within their scope.
#[utoipa::path(post, path = "/api/awards/{id}/decision", tag = "awards",
    params(("id" = i64, Path, description = "The award row's id")),
    request_body = DecisionForm,
    responses(
        (status = 200, description = "Decided; the row as it is now", body = Object),
        (status = 403, description = "The role may not decide (or it is one's own award)", body = ErrorBody),
        (status = 404, description = "No such award in scope", body = ErrorBody),
        (status = 409, description = "Already decided", body = RefusalBody),
        (status = 422, description = "A bad decision, a missing reason or amount", body = ErrorBody),
    ))]
pub async fn award_decision_api(
    State(state): State<AppState>,
    me: CurrentUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
    JsonBody(f): JsonBody<DecisionForm>,
) -> Result<Json<AwardRow>, WebError> {
    me.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))?;
    let amount = f.amount_cents.map(Cents);
    decide(&state, &me, id, &f.decision, &f.reason, amount).await?;
    Ok(Json(state.store.award(&me.viewer, id).await?))
}

/// `POST /api/awards/{id}/paid`: finance records that a confirmed award was paid.
#[utoipa::path(post, path = "/api/awards/{id}/paid", tag = "awards",
    params(("id" = i64, Path, description = "The award row's id")),
    responses(
        (status = 200, description = "Marked paid; the row as it is now", body = Object),
        (status = 403, description = "Only finance (or an administrator) records payouts", body = ErrorBody),
        (status = 404, description = "No such award in scope", body = ErrorBody),
        (status = 409, description = "Not confirmed", body = RefusalBody),
    ))]
pub async fn paid_api(
    State(state): State<AppState>,
    me: CurrentUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Json<AwardRow>, WebError> {
    me.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))?;
    state
        .store
        .mark_award_paid(&me.viewer, id)
        .await
        .map_err(WebError::store(me.lang))?;
    Ok(Json(state.store.award(&me.viewer, id).await?))
}

/// What the awards page shows.
async fn awards_context(
    state: &AppState,
    me: &CurrentUser,
    period: Period,
    error: Option<String>,
) -> Result<minijinja::Value, WebError> {
    let lang = me.lang;
    let rows = state.store.awards_in_scope(&me.viewer, period).await?;
    let book = state.store.award_book().await?;
    let own = me.viewer.employee_id;
    let awards: Vec<minijinja::Value> = rows
        .into_iter()
        .map(|(a, who)| {
            let def = book.awards().iter().find(|r| r.code == a.rule_code);
            let rule = def.map_or(a.rule_code.clone(), |r| match lang {
                Lang::Zh => r.name_zh.clone(),
                Lang::En => r.name_en.clone(),
            });
            // The tier by its name in the rules (表现突出), its code when the rules changed.
            let tier = a.tier.as_deref().map(|code| {
                let named = def.and_then(|d| match &d.rule {
                    AwardRule::Tiers { tiers } => tiers.iter().find(|t| t.code == code),
                    _ => None,
                });
                named.map_or(code.to_string(), |t| match lang {
                    Lang::Zh => t.name_zh.clone(),
                    Lang::En => t.name_en.clone(),
                })
            });
            // An amount of 0 on a proposal means the rule leaves it to the confirmation.
            let amount = (a.amount_cents > 0 || a.status != "proposed")
                .then(|| i18n::money(lang, a.amount_cents as f64));
            let mine = a.employee_id.is_some() && a.employee_id == own;
            context! {
                id => a.id, rule, code => a.rule_code, recipient => who,
                team => a.team_id.is_some(), tier, prize => a.prize,
                basis => in_lang(lang, &a.basis),
                tie_break => (!a.tie_break.is_empty()).then(|| in_lang(lang, &a.tie_break)),
                amount, status => a.status,
                status_name => i18n::t(lang, &format!("award_status_{}", a.status)),
                reason => a.reason,
                decidable => a.status == "proposed" && may_decide(me) && !mine,
                payable => a.status == "confirmed" && may_pay(me),
            }
        })
        .collect();
    Ok(context! {
        period => period.to_string(),
        period_name => i18n::period(lang, period),
        prev => period.prev().to_string(),
        next => period.next().to_string(),
        awards,
        may_compute => may_compute(me),
        error,
    })
}

/// `GET /awards?period=`: the month's candidates and decisions, with the forms the viewer's
/// role may use.
pub async fn page(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(q): Query<PeriodQuery>,
) -> Result<Html<String>, WebError> {
    let period = month_or_last(&state, q.period.as_deref())?;
    let ctx = awards_context(&state, &me, period, None).await?;
    render_page(&state, &me, "awards.html", ctx)
}

/// The forms of the awards page: compute (period only) or decide on one award.
#[derive(Debug, Deserialize)]
pub struct AwardForm {
    pub period: String,
    /// The award row (decisions only).
    #[serde(default)]
    pub id: Option<i64>,
    /// `confirm`, `reject` or `paid`.
    #[serde(default)]
    pub decision: String,
    #[serde(default)]
    pub reason: String,
    /// Yuan; blank keeps the rule's amount.
    #[serde(default)]
    pub amount: String,
    /// The session's CSRF token.
    #[serde(default)]
    pub csrf: Option<String>,
}

/// Back to the page on success; the page with the reason (and its status) on a refusal.
async fn after_form(
    state: &AppState,
    me: &CurrentUser,
    period: Period,
    done: Result<(), WebError>,
    anchor: &str,
) -> Result<Response, WebError> {
    match done {
        Ok(()) => Ok(Redirect::to(&format!("/awards?period={period}{anchor}")).into_response()),
        Err(
            e @ (WebError::Refused { .. }
            | WebError::Invalid { .. }
            | WebError::Forbidden(_)
            | WebError::NotFound(_)),
        ) => {
            let status = e.status();
            let ctx = awards_context(state, me, period, Some(e.message())).await?;
            Ok((status, render_page(state, me, "awards.html", ctx)?).into_response())
        }
        Err(e) => Err(e),
    }
}

/// `POST /awards/compute`: the compute button.
pub async fn compute_form(
    State(state): State<AppState>,
    me: CurrentUser,
    Form(f): Form<AwardForm>,
) -> Result<Response, WebError> {
    me.check_csrf(f.csrf.as_deref())?;
    let period = month(&f.period)?;
    let (store, viewer) = (state.store.clone(), me.viewer.clone());
    let done = state
        .run_heavy(me.user.id, async move {
            store.compute_awards(&viewer, period).await
        })
        .await?
        .map(|_| ())
        .map_err(WebError::store(me.lang));
    after_form(&state, &me, period, done, "").await
}

/// `POST /awards/decide`: confirm, reject or mark paid one award.
pub async fn decide_form(
    State(state): State<AppState>,
    me: CurrentUser,
    Form(f): Form<AwardForm>,
) -> Result<Response, WebError> {
    me.check_csrf(f.csrf.as_deref())?;
    let period = month(&f.period)?;
    let id = f.id.ok_or_else(|| invalid("id", "which award?"))?;
    let done = async {
        if f.decision == "paid" {
            return state
                .store
                .mark_award_paid(&me.viewer, id)
                .await
                .map_err(WebError::store(me.lang));
        }
        let amount = match f.amount.trim() {
            "" => None,
            t => Some(parse_money(t).map_err(|m| invalid("amount", m))?),
        };
        decide(&state, &me, id, &f.decision, &f.reason, amount).await
    }
    .await;
    after_form(&state, &me, period, done, &format!("#award-{id}")).await
}
