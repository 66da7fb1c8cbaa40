//! The career ladder (职级晋降, SPEC §7) in the browser and the JSON API: everybody on the
//! ladder in the viewer's scope for a month with their level and what the rules recommend
//! (promote, demote, dismissal, or stay) and why, the stored recommendations with the forms
//! that decide them (confirm, reject with a reason, the one-time grace period), and each
//! person's level history. The store checks roles and scopes: a recommendation about someone
//! outside the viewer's scope is "not found".

use crate::AppState;
use crate::auth::CurrentUser;
use crate::awards::{
    ComputeForm, DecisionForm, PeriodQuery, in_lang, invalid, month, month_or_last,
    rejection_reason,
};
use crate::error::WebError;
use crate::extract::{JsonBody, Path, Query};
use crate::i18n::{self, Lang};
use crate::openapi::{ErrorBody, RefusalBody};
use crate::pages::render_page;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Form, Json};
use kaohe_domain::ladder::{Decision, Ladder, Recommendation, RecommendationKind};
use kaohe_domain::period::Period;
use kaohe_domain::roles::Role;
use kaohe_store::ladder::{LadderLine, LadderRow, LevelHistoryRow};
use minijinja::context;
use serde::{Deserialize, Serialize};

fn decision(f: &DecisionForm) -> Result<Decision, WebError> {
    match f.decision.as_str() {
        "confirm" => Ok(Decision::Confirm),
        "reject" => Ok(Decision::Reject {
            reason: rejection_reason(&f.reason)?,
        }),
        "grace" => Ok(Decision::GrantGrace),
        other => Err(invalid(
            "decision",
            format!("`{other}` is not one of: confirm, reject, grace"),
        )),
    }
}

/// `GET /api/ladder?period=`: everybody on the ladder in the viewer's scope for the month, with
/// the live evaluation and the stored recommendation (its `id` is what a decision names).
#[utoipa::path(get, path = "/api/ladder", tag = "awards", params(PeriodQuery),
    responses(
        (status = 200, description = "One line per person: level, months without a deal, the live recommendation, the stored one and its decision", body = Vec<Object>),
        (status = 422, description = "A bad period", body = ErrorBody),
    ))]
pub async fn ladder_api(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(q): Query<PeriodQuery>,
) -> Result<Json<Vec<LadderLine>>, WebError> {
    let period = month_or_last(&state, q.period.as_deref())?;
    Ok(Json(state.store.ladder_overview(&me.viewer, period).await?))
}

/// `POST /api/ladder/evaluate`: evaluates the month and stores the recommendations (HR, a
/// manager or an administrator); decided ones stay decided.
#[utoipa::path(post, path = "/api/ladder/evaluate", tag = "awards",
    request_body = ComputeForm,
    responses(
        (status = 200, description = "The month's lines in the viewer's scope", body = Vec<Object>),
        (status = 403, description = "The role may not evaluate the ladder", body = ErrorBody),
        (status = 422, description = "A bad period", body = ErrorBody),
    ))]
pub async fn evaluate_api(
    State(state): State<AppState>,
    me: CurrentUser,
    headers: HeaderMap,
    JsonBody(f): JsonBody<ComputeForm>,
) -> Result<Json<Vec<LadderLine>>, WebError> {
    me.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))?;
    let period = month(&f.period)?;
    let (store, viewer) = (state.store.clone(), me.viewer.clone());
    state
        .run_heavy(me.user.id, async move {
            store.evaluate_ladder(&viewer, period).await
        })
        .await?
        .map_err(WebError::store(me.lang))?;
    Ok(Json(state.store.ladder_overview(&me.viewer, period).await?))
}

/// `POST /api/ladder/{id}/decision`: the person's supervisor or manager confirms, rejects
/// (reason required) or, for a dismissal, grants the one-time grace period.
#[utoipa::path(post, path = "/api/ladder/{id}/decision", tag = "awards",
    params(("id" = i64, Path, description = "The stored recommendation's id")),
    request_body = DecisionForm,
    responses(
        (status = 200, description = "Decided; the person's recommendations and decisions", body = Vec<Object>),
        (status = 403, description = "The role may not decide", body = ErrorBody),
        (status = 404, description = "No such recommendation in scope", body = ErrorBody),
        (status = 409, description = "Refused by the ladder rules (already decided, level changed)", body = RefusalBody),
        (status = 422, description = "A bad decision or a missing reason", body = ErrorBody),
    ))]
pub async fn decision_api(
    State(state): State<AppState>,
    me: CurrentUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
    JsonBody(f): JsonBody<DecisionForm>,
) -> Result<Json<serde_json::Value>, WebError> {
    me.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))?;
    let d = decision(&f)?;
    state
        .store
        .decide_ladder(&me.viewer, id, d, state.today())
        .await
        .map_err(WebError::store(me.lang))?;
    Ok(Json(
        serde_json::json!({ "id": id, "decision": f.decision }),
    ))
}

/// A person's level history and ladder decisions.
#[derive(Debug, Serialize)]
pub struct PersonLadder {
    pub employee_id: i64,
    pub levels: Vec<LevelHistoryRow>,
    pub decisions: Vec<LadderRow>,
}

async fn person_ladder(
    state: &AppState,
    me: &CurrentUser,
    employee: i64,
) -> Result<(kaohe_store::org::EmployeeView, PersonLadder), WebError> {
    // Out of scope: not found, before anything of the person is read.
    let person = state.store.employee(&me.viewer, employee).await?;
    let levels = state.store.level_history(&me.viewer, employee).await?;
    let decisions = state.store.ladder_of_person(&me.viewer, employee).await?;
    Ok((
        person,
        PersonLadder {
            employee_id: employee,
            levels,
            decisions,
        },
    ))
}

/// `GET /api/ladder/history/{employee}`: a person's level history and ladder decisions.
#[utoipa::path(get, path = "/api/ladder/history/{employee}", tag = "awards",
    params(("employee" = i64, Path, description = "The person's database id")),
    responses(
        (status = 200, description = "Levels held (oldest first) and every recommendation and decision", body = Object),
        (status = 404, description = "No such person in scope", body = ErrorBody),
    ))]
pub async fn history_api(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(employee): Path<i64>,
) -> Result<Json<PersonLadder>, WebError> {
    Ok(Json(person_ladder(&state, &me, employee).await?.1))
}

fn level_name(ladder: &Ladder, lang: Lang, code: &str) -> String {
    ladder
        .levels
        .iter()
        .find(|l| l.code == code)
        .map_or(code.to_string(), |l| match lang {
            Lang::Zh => l.name_zh.clone(),
            Lang::En => l.name_en.clone(),
        })
}

/// "Promote to 高级置业顾问", "Dismissal recommended", …
fn kind_text(ladder: &Ladder, lang: Lang, kind: &RecommendationKind) -> (&'static str, String) {
    match kind {
        RecommendationKind::Promote { to } => (
            "promote",
            i18n::fill(
                lang,
                "ladder_promote",
                &[("to", &level_name(ladder, lang, to))],
            ),
        ),
        RecommendationKind::Demote { to } => (
            "demote",
            i18n::fill(
                lang,
                "ladder_demote",
                &[("to", &level_name(ladder, lang, to))],
            ),
        ),
        RecommendationKind::Dismiss { .. } => {
            ("dismiss", i18n::t(lang, "ladder_dismiss").to_string())
        }
    }
}

fn may_evaluate(me: &CurrentUser) -> bool {
    matches!(me.viewer.role, Role::Hr | Role::Manager | Role::Admin)
}

/// Managers and team leaders (as a person's supervisor) decide; the store has the last word.
fn may_decide(me: &CurrentUser) -> bool {
    matches!(me.viewer.role, Role::Manager | Role::TeamLeader)
}

async fn ladder_context(
    state: &AppState,
    me: &CurrentUser,
    period: Period,
    error: Option<String>,
) -> Result<minijinja::Value, WebError> {
    let lang = me.lang;
    let ladder = state.store.ladder().await?;
    let lines = state.store.ladder_overview(&me.viewer, period).await?;
    let zh = lang == Lang::Zh;
    let (mut pending, mut changes) = (0, 0);
    let rows: Vec<minijinja::Value> = lines
        .into_iter()
        .map(|l| {
            let stored: Option<Recommendation> =
                l.stored.as_ref().and_then(|s| s.recommendation().ok());
            let rec = stored.as_ref().or(l.live.as_ref());
            let (kind, what) = rec.map_or_else(
                || ("stay", i18n::t(lang, "ladder_stay").to_string()),
                |r| kind_text(&ladder, lang, &r.kind),
            );
            let last = l.last_deal.map_or_else(
                || i18n::t(lang, "no_deal_yet").to_string(),
                |d| format!("{} {}", i18n::t(lang, "last_deal"), i18n::date(lang, d)),
            );
            let months = i18n::fill(
                lang,
                "ladder_months",
                &[("n", &l.months_without_deal.to_string())],
            );
            let basis = match rec {
                Some(r) => {
                    if zh {
                        r.basis_zh.clone()
                    } else {
                        r.basis_en.clone()
                    }
                }
                None => months.clone(),
            };
            let status = l.stored.as_ref().map(|s| s.status.clone());
            let grace_allowed = matches!(
                rec.map(|r| &r.kind),
                Some(RecommendationKind::Dismiss {
                    grace_days: Some(_)
                })
            );
            let decidable = status.as_deref() == Some("recommended")
                && may_decide(me)
                && me.viewer.employee_id != Some(l.employee_id);
            pending += usize::from(status.as_deref() == Some("recommended"));
            changes += usize::from(kind != "stay");
            context! {
                employee_id => l.employee_id, code => l.code, name => l.name,
                level => l.level.as_deref().map(|c| level_name(&ladder, lang, c)),
                kind, what, basis, months, last,
                grace_running_until => l.grace_running_until.map(|d| i18n::date(lang, d)),
                id => l.stored.as_ref().map(|s| s.id),
                status_name => status.as_deref().map(|s| i18n::t(lang, &format!("ladder_status_{s}"))),
                status,
                unsaved => rec.is_some() && l.stored.is_none(),
                reason => l.stored.as_ref().map(|s| s.reason.clone()),
                decided_on => l.stored.as_ref().and_then(|s| s.decided_on).map(|d| i18n::date(lang, d)),
                grace_until => l.stored.as_ref().and_then(|s| s.grace_until).map(|d| i18n::date(lang, d)),
                decidable, grace_allowed,
            }
        })
        .collect();
    Ok(context! {
        period => period.to_string(),
        period_name => i18n::period(lang, period),
        prev => period.prev().to_string(),
        next => period.next().to_string(),
        ladder_name => if zh { ladder.name_zh.clone() } else { ladder.name_en.clone() },
        summary => i18n::fill(lang, "ladder_summary", &[("changes", &changes.to_string()), ("pending", &pending.to_string())]),
        rows,
        may_evaluate => may_evaluate(me),
        error,
    })
}

/// `GET /ladder?period=`: the month's ladder.
pub async fn page(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(q): Query<PeriodQuery>,
) -> Result<Html<String>, WebError> {
    let period = month_or_last(&state, q.period.as_deref())?;
    let ctx = ladder_context(&state, &me, period, None).await?;
    render_page(&state, &me, "ladder.html", ctx)
}

/// The forms of the ladder page: evaluate (period only) or decide one recommendation.
#[derive(Debug, Deserialize)]
pub struct LadderForm {
    pub period: String,
    #[serde(default)]
    pub id: Option<i64>,
    /// `confirm`, `reject` or `grace`.
    #[serde(default)]
    pub decision: String,
    #[serde(default)]
    pub reason: String,
    /// The session's CSRF token.
    #[serde(default)]
    pub csrf: Option<String>,
}

async fn after_form(
    state: &AppState,
    me: &CurrentUser,
    period: Period,
    done: Result<(), WebError>,
) -> Result<Response, WebError> {
    match done {
        Ok(()) => Ok(Redirect::to(&format!("/ladder?period={period}")).into_response()),
        Err(
            e @ (WebError::Refused { .. }
            | WebError::Invalid { .. }
            | WebError::Forbidden(_)
            | WebError::NotFound(_)),
        ) => {
            let status = e.status();
            let ctx = ladder_context(state, me, period, Some(e.message())).await?;
            Ok((status, render_page(state, me, "ladder.html", ctx)?).into_response())
        }
        Err(e) => Err(e),
    }
}

/// `POST /ladder/evaluate`: the evaluate button.
pub async fn evaluate_form(
    State(state): State<AppState>,
    me: CurrentUser,
    Form(f): Form<LadderForm>,
) -> Result<Response, WebError> {
    me.check_csrf(f.csrf.as_deref())?;
    let period = month(&f.period)?;
    let (store, viewer) = (state.store.clone(), me.viewer.clone());
    let done = state
        .run_heavy(me.user.id, async move {
            store.evaluate_ladder(&viewer, period).await
        })
        .await?
        .map(|_| ())
        .map_err(WebError::store(me.lang));
    after_form(&state, &me, period, done).await
}

/// `POST /ladder/decide`: confirm, reject or grant grace on one recommendation.
pub async fn decide_form(
    State(state): State<AppState>,
    me: CurrentUser,
    Form(f): Form<LadderForm>,
) -> Result<Response, WebError> {
    me.check_csrf(f.csrf.as_deref())?;
    let period = month(&f.period)?;
    let id = f.id.ok_or_else(|| invalid("id", "which recommendation?"))?;
    let form = DecisionForm {
        decision: f.decision.clone(),
        reason: f.reason.clone(),
        amount_cents: None,
    };
    let done = match decision(&form) {
        Ok(d) => state
            .store
            .decide_ladder(&me.viewer, id, d, state.today())
            .await
            .map_err(WebError::store(me.lang)),
        Err(e) => Err(e),
    };
    after_form(&state, &me, period, done).await
}

/// `GET /ladder/{employee}`: a person's level history and every recommendation about them.
pub async fn person_page(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(employee): Path<i64>,
) -> Result<Html<String>, WebError> {
    let lang = me.lang;
    let (person, data) = person_ladder(&state, &me, employee).await?;
    let ladder = state.store.ladder().await?;
    let levels: Vec<minijinja::Value> = data
        .levels
        .iter()
        .map(|h| {
            context! {
                level => level_name(&ladder, lang, &h.level),
                from => i18n::date(lang, h.valid_from),
                reason => i18n::t(lang, &format!("level_reason_{}", h.reason)),
                // Rows seeded from the assignments say so in the store's words.
                note => if h.note == "from assignments" {
                    i18n::t(lang, "level_note_assignments").to_string()
                } else {
                    in_lang(lang, &h.note)
                },
            }
        })
        .collect();
    let decisions: Vec<minijinja::Value> = data
        .decisions
        .iter()
        .map(|d| {
            let rec = d.recommendation().ok();
            let what = rec
                .as_ref()
                .map_or_else(|| d.kind.clone(), |r| kind_text(&ladder, lang, &r.kind).1);
            context! {
                period => d.period, what, basis => in_lang(lang, &d.basis),
                status => i18n::t(lang, &format!("ladder_status_{}", d.status)),
                reason => d.reason,
                decided_on => d.decided_on.map(|x| i18n::date(lang, x)),
                grace_until => d.grace_until.map(|x| i18n::date(lang, x)),
            }
        })
        .collect();
    render_page(
        &state,
        &me,
        "ladder_person.html",
        context! { person, levels, decisions },
    )
}
