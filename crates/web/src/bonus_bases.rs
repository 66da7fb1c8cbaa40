//! Bonus bases (绩效奖金基数) in the web and the API: HR's page `/admin/bonus-bases` lists the
//! rules in force and their history and sets one (a refused rule shows the page again with
//! what was typed and why), and `GET`/`POST /api/bonus-bases` read and set them for an
//! integrator. Both go through [`kaohe_store::Store::set_bonus_bases`].

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::WebError;
use crate::extract::JsonBody;
use crate::i18n::{self, Lang};
use crate::openapi::ErrorBody;
use crate::pages::render_page;
use axum::Json;
use axum::extract::{Form, Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use kaohe_domain::bonus_base::{BaseRule, BaseScope};
use kaohe_domain::import::cell::parse_money;
use kaohe_domain::period::Period;
use kaohe_store::bonus_bases::StoredBaseRule;
use minijinja::context;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// `?saved=1` after a rule was set.
#[derive(Debug, Deserialize)]
pub struct SavedQuery {
    pub saved: Option<String>,
}

/// The set-a-base form (amount in yuan).
#[derive(Debug, Deserialize, Serialize)]
pub struct BaseForm {
    #[serde(skip_serializing)]
    pub csrf: String,
    pub scope: String,
    #[serde(default)]
    pub subject: String,
    pub from: String,
    pub amount: String,
    #[serde(default)]
    pub note: String,
}

fn scope_name(lang: Lang, scope: BaseScope) -> &'static str {
    match lang {
        Lang::Zh => scope.zh(),
        Lang::En => match scope {
            BaseScope::Company => "Company",
            BaseScope::Position => "Position",
            BaseScope::Level => "Level",
            BaseScope::Person => "Person",
        },
    }
}

fn row(lang: Lang, r: &StoredBaseRule) -> Value {
    json!({
        "scope": r.rule.scope.as_str(),
        "scope_name": scope_name(lang, r.rule.scope),
        "subject": r.rule.subject,
        "from": r.rule.from.to_string(),
        "from_name": i18n::period(lang, r.rule.from),
        "base": r.rule.base.to_string(),
        "note": r.note,
        "set_by": r.set_by,
        "set_at": i18n::date(lang, r.set_at.date_naive()),
    })
}

async fn render(
    state: &AppState,
    me: &CurrentUser,
    notice: bool,
    error: Option<String>,
    values: Option<Value>,
) -> Result<Html<String>, WebError> {
    let rules = state.store.bonus_base_rules(&me.viewer).await?;
    let lang = me.lang;
    let rules: Vec<Value> = rules.iter().map(|r| row(lang, r)).collect();
    let scopes: Vec<Value> = BaseScope::ALL
        .iter()
        .map(|s| json!({ "code": s.as_str(), "name": scope_name(lang, *s) }))
        .collect();
    let ctx = context! {
        rules, scopes,
        this_month => crate::cycle::this_month(state.today()).to_string(),
        notice => notice.then(|| i18n::t(lang, "bonus_base_saved")),
        error, values,
    };
    render_page(state, me, "bonus_bases.html", ctx)
}

/// `GET /admin/bonus-bases`: the rules set, most general first (HR and administrators).
pub async fn page(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(q): Query<SavedQuery>,
) -> Result<Html<String>, WebError> {
    kaohe_store::admin::require_admin(&me.viewer, "bonus bases")?;
    render(&state, &me, q.saved.is_some(), None, None).await
}

fn rule_of(scope: &str, subject: &str, from: &str, amount: &str) -> Result<BaseRule, WebError> {
    let bad = |field: &str, message: String| WebError::Invalid {
        field: field.into(),
        message,
    };
    Ok(BaseRule {
        scope: BaseScope::parse(scope).map_err(|e| bad("scope", e))?,
        subject: subject.trim().to_string(),
        from: Period::parse(from.trim()).map_err(|e| bad("from", e.to_string()))?,
        base: parse_money(amount).map_err(|e| bad("amount", e))?,
    })
}

/// `POST /admin/bonus-bases`: sets one rule (audited); a refused one shows the page again with
/// the reason and what was typed (422).
pub async fn set_form(
    State(state): State<AppState>,
    me: CurrentUser,
    Form(f): Form<BaseForm>,
) -> Result<Response, WebError> {
    me.check_csrf(Some(&f.csrf))?;
    kaohe_store::admin::require_admin(&me.viewer, "bonus bases")?;
    let values = serde_json::to_value(&f).unwrap_or_default();
    let result = match rule_of(&f.scope, &f.subject, &f.from, &f.amount) {
        Ok(rule) => state
            .store
            .set_bonus_bases(&me.viewer, &[rule], &f.note)
            .await
            .map_err(WebError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(Redirect::to("/admin/bonus-bases?saved=1").into_response()),
        Err(e @ WebError::Invalid { .. }) => {
            let page = render(&state, &me, false, Some(e.message()), Some(values)).await?;
            Ok((e.status(), page).into_response())
        }
        Err(e) => Err(e),
    }
}

/// One rule as the API takes and gives it.
#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
pub struct BaseRuleBody {
    /// `company`, `position`, `level` or `person`.
    pub scope: String,
    /// The position or level code or the employee number; empty for the company.
    #[serde(default)]
    pub subject: String,
    /// The first month, `2026-10`.
    pub from: String,
    /// The base in yuan as text with at most 2 decimals, `"3000"` or `"2500.50"`.
    pub amount: String,
}

/// `{"rules": [...], "note": "…"}`: every rule is checked and the set is all or nothing.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SetBasesRequest {
    pub rules: Vec<BaseRuleBody>,
    #[serde(default)]
    pub note: String,
}

/// `GET /api/bonus-bases`: every rule (HR, finance or an administrator).
#[utoipa::path(get, path = "/api/bonus-bases", tag = "bonus",
    responses(
        (status = 200, description = "The rules: scope, subject, from, amount (yuan), note, set_by, set_at", body = Object),
        (status = 403, description = "Not HR, finance or an administrator", body = ErrorBody),
    ))]
pub async fn list_api(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<Json<Value>, WebError> {
    let rules = state.store.bonus_base_rules(&me.viewer).await?;
    let rules: Vec<Value> = rules
        .iter()
        .map(|r| {
            json!({
                "scope": r.rule.scope.as_str(),
                "subject": r.rule.subject,
                "from": r.rule.from.to_string(),
                "amount": r.rule.base.to_string(),
                "note": r.note,
                "set_by": r.set_by,
                "set_at": r.set_at,
            })
        })
        .collect();
    Ok(Json(json!({ "rules": rules })))
}

/// `POST /api/bonus-bases`: sets the rules, all or nothing (HR or an administrator; the
/// session's CSRF token in `X-CSRF-Token`, or a token).
#[utoipa::path(post, path = "/api/bonus-bases", tag = "bonus",
    request_body = SetBasesRequest,
    responses(
        (status = 200, description = "How many rules were set", body = Object),
        (status = 403, description = "Not HR or an administrator", body = ErrorBody),
        (status = 422, description = "Every problem, by rule number; nothing set", body = ErrorBody),
    ))]
pub async fn set_api(
    State(state): State<AppState>,
    me: CurrentUser,
    headers: HeaderMap,
    JsonBody(req): JsonBody<SetBasesRequest>,
) -> Result<Json<Value>, WebError> {
    me.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))?;
    let mut rules = Vec::with_capacity(req.rules.len());
    let mut numbers = Vec::with_capacity(req.rules.len());
    let mut problems = Vec::new();
    for (i, r) in req.rules.iter().enumerate() {
        match rule_of(&r.scope, &r.subject, &r.from, &r.amount) {
            Ok(rule) => {
                rules.push(rule);
                numbers.push(i);
            }
            Err(e) => problems.push((i, e.message())),
        }
    }
    if !problems.is_empty() {
        // The rules that parsed are checked too, so that every problem is named at once.
        for (j, p) in state.store.bonus_base_problems(&rules).await? {
            problems.push((numbers[j], p));
        }
        problems.sort_by_key(|(i, _)| *i);
        let problems: Vec<String> = problems
            .into_iter()
            .map(|(i, p)| format!("rule {}: {p}", i + 1))
            .collect();
        return Err(WebError::Invalid {
            field: "rules".into(),
            message: problems.join("; "),
        });
    }
    let n = state
        .store
        .set_bonus_bases(&me.viewer, &rules, &req.note)
        .await?;
    Ok(Json(json!({ "set": n })))
}
