//! A customer's rating link (客户评分链接), reachable without an account: `GET /rate/{token}`
//! shows the person's name and the questions (the rated indicators) and nothing else;
//! `POST /rate/{token}` records the answers through
//! [`kaohe_store::Store::redeem_customer_token`], once. A used, expired or unknown link answers
//! 410 Gone with a page in Chinese and English. The link itself is the secret; the form is
//! guarded by a double-submit cookie like the sign-in form.

use crate::AppState;
use crate::auth::{constant_time_eq, cookie, set_cookie};
use crate::error::WebError;
use crate::i18n::{self, Lang};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use chrono::Utc;
use kaohe_domain::cycle::TokenStatus;
use kaohe_store::cycle::CustomerLink;
use minijinja::context;
use std::collections::HashMap;

/// The rating form's double-submit cookie.
pub const RATE_CSRF_COOKIE: &str = "kaohe_rate_csrf";

fn render(state: &AppState, name: &str, ctx: minijinja::Value) -> Result<Html<String>, WebError> {
    let tmpl = state
        .templates
        .get_template(name)
        .map_err(|e| WebError::Internal(e.to_string()))?;
    tmpl.render(ctx)
        .map(Html)
        .map_err(|e| WebError::Internal(format!("template {name}: {e:#}")))
}

/// The 410 page: why the link cannot be used, in both languages.
fn gone(state: &AppState, status: Option<TokenStatus>) -> Result<Response, WebError> {
    let (zh, en) = match status {
        Some(s) => (s.zh(), s.en()),
        None => ("链接无效", "the link is not valid"),
    };
    let ctx = context! {
        zh => i18n::table(Lang::Zh), en => i18n::table(Lang::En),
        why_zh => zh, why_en => en, lang => "zh-CN",
    };
    Ok((StatusCode::GONE, render(state, "rate_gone.html", ctx)?).into_response())
}

fn form_page(
    state: &AppState,
    lang: Lang,
    link: &CustomerLink,
    error: Option<String>,
) -> Result<Response, WebError> {
    let csrf = kaohe_store::users::random_token();
    let ctx = context! {
        tr => i18n::table(lang), lang => lang.tag(),
        person => &link.person, cap => link.cap, questions => &link.questions,
        zh => lang == Lang::Zh, csrf, error,
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let mut resp = (status, render(state, "rate.html", ctx)?).into_response();
    resp.headers_mut().append(
        SET_COOKIE,
        set_cookie(RATE_CSRF_COOKIE, &csrf, 3600, state.secure_cookies),
    );
    Ok(resp)
}

/// `?lang=en` switches the page to English.
#[derive(Debug, serde::Deserialize)]
pub struct LangQuery {
    pub lang: Option<String>,
}

fn lang_of(state: &AppState, tag: Option<&str>) -> Lang {
    tag.filter(|t| !t.is_empty())
        .map_or(state.default_lang, Lang::from_tag)
}

/// `GET /rate/{token}`
pub async fn page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(q): Query<LangQuery>,
) -> Result<Response, WebError> {
    match state.store.customer_link(&token, Utc::now()).await? {
        Ok(link) => form_page(&state, lang_of(&state, q.lang.as_deref()), &link, None),
        Err(status) => gone(&state, status),
    }
}

/// The answers: `q_<indicator>` per question.
fn answers(f: &HashMap<String, String>) -> Result<Vec<(String, f64)>, String> {
    let mut out = Vec::new();
    for (k, v) in f {
        let Some(code) = k.strip_prefix("q_") else {
            continue;
        };
        let v = v.trim();
        if v.is_empty() {
            continue;
        }
        let value = v.parse::<f64>().map_err(|_| format!("`{v}`?"))?;
        out.push((code.to_string(), value));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// `POST /rate/{token}`
pub async fn submit(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    let lang = lang_of(&state, f.get("lang").map(String::as_str));
    let link = match state.store.customer_link(&token, Utc::now()).await? {
        Ok(link) => link,
        Err(status) => return gone(&state, status),
    };
    let presented = f.get("csrf").map(String::as_str).unwrap_or("");
    let expected = cookie(&headers, RATE_CSRF_COOKIE).unwrap_or("");
    if expected.is_empty() || !constant_time_eq(expected.as_bytes(), presented.as_bytes()) {
        let msg = i18n::t(lang, "csrf_failed").to_string();
        return form_page(&state, lang, &link, Some(msg));
    }
    let given = match answers(&f) {
        Ok(a) => a,
        Err(bad) => return form_page(&state, lang, &link, Some(bad)),
    };
    match state
        .store
        .redeem_customer_token(&token, &given, Utc::now())
        .await
    {
        Ok(_) => thanks(&state, lang),
        Err(e) => {
            if let Err(status) = state.store.customer_link(&token, Utc::now()).await? {
                return gone(&state, status);
            }
            let e = WebError::from(e).in_lang(lang);
            match e {
                WebError::Internal(_) => Err(e),
                other => form_page(&state, lang, &link, Some(other.message())),
            }
        }
    }
}

fn thanks(state: &AppState, lang: Lang) -> Result<Response, WebError> {
    let ctx = context! {
        tr => i18n::table(lang), lang => lang.tag(),
    };
    Ok(render(state, "rate_done.html", ctx)?.into_response())
}
