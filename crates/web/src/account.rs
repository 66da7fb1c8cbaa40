//! One's own account: the interface language, the password, and API tokens for integrations
//! (`/account`, and `GET/POST /api/account/tokens`, `DELETE /api/account/tokens/{name}`).
//! A new token is shown once, on the answer that created it; only its hash is kept.

use crate::AppState;
use crate::auth::{CurrentUser, SESSION_COOKIE, set_cookie};
use crate::error::WebError;
use crate::extract::{JsonBody, Path};
use crate::i18n;
use crate::openapi::ErrorBody;
use axum::extract::{Query, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Form, Json};
use kaohe_store::StoreError;
use kaohe_store::users::{
    DEFAULT_TOKEN_DAYS, LANGUAGES, MAX_TOKEN_DAYS, SESSION_HOURS, TokenOptions,
};
use minijinja::context;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

/// What a form post on the account page answered, shown above the forms.
#[derive(Default)]
struct Outcome {
    notice: Option<String>,
    error: Option<String>,
    new_token: Option<String>,
}

async fn render(
    state: &AppState,
    me: &CurrentUser,
    outcome: Outcome,
) -> Result<Html<String>, WebError> {
    let tokens = state.store.api_tokens(me.user.id).await?;
    let zone = state.zone;
    let now = chrono::Utc::now();
    let at = |t: chrono::DateTime<chrono::Utc>| {
        t.with_timezone(&zone.0)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    };
    let tokens: Vec<_> = tokens
        .iter()
        .map(|t| {
            json!({
                "name": t.name,
                "created_at": at(t.created_at),
                "expires": at(t.expires()),
                "read_only": t.read_only,
                "revoked": t.revoked_at.is_some(),
                "expired": t.revoked_at.is_none() && !t.live(now),
            })
        })
        .collect();
    let page = context! {
        languages => LANGUAGES,
        default_token_days => DEFAULT_TOKEN_DAYS,
        max_token_days => MAX_TOKEN_DAYS,
        tokens,
        notice => outcome.notice,
        error => outcome.error,
        new_token => outcome.new_token,
    };
    crate::pages::render_page(state, me, "account.html", page)
}

/// `?saved=language|password|revoked` after a form that redirected.
#[derive(Debug, Deserialize)]
pub struct Saved {
    pub saved: Option<String>,
}

/// `GET /account`
pub async fn page(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(q): Query<Saved>,
) -> Result<Html<String>, WebError> {
    let key = match q.saved.as_deref() {
        Some("language") => Some("saved_language"),
        Some("password") => Some("saved_password"),
        Some("revoked") => Some("saved_revoked"),
        _ => None,
    };
    let notice = key.map(|k| i18n::t(me.lang, k).to_string());
    render(
        &state,
        &me,
        Outcome {
            notice,
            ..Outcome::default()
        },
    )
    .await
}

/// The language form.
#[derive(Debug, Deserialize)]
pub struct LanguageForm {
    pub csrf: String,
    pub language: String,
}

/// `POST /account/language`: the page answers in the new language at once.
pub async fn language(
    State(state): State<AppState>,
    me: CurrentUser,
    Form(f): Form<LanguageForm>,
) -> Result<Response, WebError> {
    me.check_csrf(Some(&f.csrf))?;
    state.store.set_language(me.user.id, &f.language).await?;
    Ok(Redirect::to("/account?saved=language").into_response())
}

/// The password form.
#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    pub csrf: String,
    pub current: String,
    pub new: String,
    pub confirm: String,
}

/// `POST /account/password`: every session of the account ends (a thief's too); this browser
/// gets a fresh one so that the person stays signed in.
pub async fn password(
    State(state): State<AppState>,
    me: CurrentUser,
    Form(f): Form<PasswordForm>,
) -> Result<Response, WebError> {
    me.check_csrf(Some(&f.csrf))?;
    let refused = |state: &AppState, me: &CurrentUser, key: &str, detail: String| {
        let error = format!("{} {detail}", i18n::t(me.lang, key));
        let (state, me) = (state.clone(), me.clone());
        async move {
            let html = render(
                &state,
                &me,
                Outcome {
                    error: Some(error),
                    ..Outcome::default()
                },
            )
            .await?;
            Ok::<Response, WebError>((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
    };
    if f.new != f.confirm {
        return refused(&state, &me, "password_mismatch", String::new()).await;
    }
    match state
        .store
        .change_password(&me.viewer, me.user.id, &f.current, &f.new)
        .await
    {
        Ok(()) => {}
        Err(StoreError::Invalid { message, .. }) => {
            return refused(&state, &me, "password_refused", message).await;
        }
        Err(e) => return Err(e.into()),
    }
    let session = state.store.create_session(me.user.id).await?;
    let cookie = set_cookie(
        SESSION_COOKIE,
        &session.token,
        SESSION_HOURS * 3600,
        state.secure_cookies,
    );
    let mut headers = HeaderMap::new();
    headers.insert(SET_COOKIE, cookie);
    Ok((headers, Redirect::to("/account?saved=password")).into_response())
}

/// The new-token and revoke forms.
#[derive(Debug, Deserialize)]
pub struct TokenForm {
    pub csrf: String,
    pub name: String,
    /// The new token's life in days (default [`DEFAULT_TOKEN_DAYS`]); empty means the default.
    #[serde(default)]
    pub days: Option<String>,
    /// `true` for a read-only token.
    #[serde(default)]
    pub read_only: Option<String>,
}

impl TokenForm {
    /// The options the form chose; a days field that is not a number is refused naming it.
    fn options(&self) -> Result<TokenOptions, StoreError> {
        let days = match self
            .days
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty())
        {
            None => DEFAULT_TOKEN_DAYS,
            Some(d) => d.parse().map_err(|_| StoreError::Invalid {
                field: "days".into(),
                message: format!("`{d}` is not a whole number of days"),
            })?,
        };
        let read_only = matches!(self.read_only.as_deref(), Some("true" | "on" | "1"));
        Ok(TokenOptions { days, read_only })
    }
}

/// `POST /account/tokens`: the page with the new token shown this once.
pub async fn create_token(
    State(state): State<AppState>,
    me: CurrentUser,
    Form(f): Form<TokenForm>,
) -> Result<Response, WebError> {
    me.check_csrf(Some(&f.csrf))?;
    let created = match f.options() {
        Ok(options) => {
            state
                .store
                .create_api_token_with(&me.viewer, me.user.id, &f.name, options)
                .await
        }
        Err(e) => Err(e),
    };
    let outcome = match created {
        Ok(token) => Outcome {
            new_token: Some(token),
            ..Outcome::default()
        },
        Err(StoreError::Invalid { message, .. }) => Outcome {
            error: Some(message),
            ..Outcome::default()
        },
        Err(e) => return Err(e.into()),
    };
    let status = if outcome.error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, render(&state, &me, outcome).await?).into_response())
}

/// `POST /account/tokens/revoke`
pub async fn revoke_token(
    State(state): State<AppState>,
    me: CurrentUser,
    Form(f): Form<TokenForm>,
) -> Result<Response, WebError> {
    me.check_csrf(Some(&f.csrf))?;
    state
        .store
        .revoke_api_token(&me.viewer, me.user.id, &f.name)
        .await?;
    Ok(Redirect::to("/account?saved=revoked").into_response())
}

/// One API token as listed (never the token itself).
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenRow {
    pub name: String,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339, or null while the token works.
    pub revoked_at: Option<String>,
    /// RFC 3339: when the token stops working.
    pub expires_at: String,
    /// Refused (403) on every request but GET and HEAD.
    pub read_only: bool,
}

/// The answer of creating a token: the token, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedToken {
    pub name: String,
    /// `kh_…`
    pub token: String,
}

/// `GET /api/account/tokens`: the account's tokens (names and dates, never the tokens).
#[utoipa::path(get, path = "/api/account/tokens", tag = "account",
    responses((status = 200, description = "The account's tokens, revoked ones included", body = Vec<TokenRow>)))]
pub async fn tokens_api(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<Response, WebError> {
    let rows: Vec<TokenRow> = state
        .store
        .api_tokens(me.user.id)
        .await?
        .iter()
        .map(|t| TokenRow {
            name: t.name.clone(),
            created_at: t.created_at.to_rfc3339(),
            revoked_at: t.revoked_at.map(|r| r.to_rfc3339()),
            expires_at: t.expires().to_rfc3339(),
            read_only: t.read_only,
        })
        .collect();
    Ok(Json(rows).into_response())
}

/// `POST /api/account/tokens` with `{"name": "…"}` (and `X-CSRF-Token` from a session):
/// `201 {"name", "token"}`, the token shown this once.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewToken {
    /// A name to tell the token by (unique among the account's live tokens).
    pub name: String,
    /// Its life in days, 1 to 366 (default 90).
    #[serde(default)]
    pub days: Option<i64>,
    /// A read-only token: refused (403) on every request but GET and HEAD.
    #[serde(default)]
    pub read_only: bool,
}

/// See [`NewToken`].
#[utoipa::path(post, path = "/api/account/tokens", tag = "account",
    request_body = NewToken,
    responses(
        (status = 201, description = "The new token, shown this once", body = CreatedToken),
        (status = 409, description = "A live token has that name", body = ErrorBody),
        (status = 422, description = "The name is empty or too long", body = ErrorBody),
    ))]
pub async fn create_token_api(
    State(state): State<AppState>,
    me: CurrentUser,
    headers: HeaderMap,
    JsonBody(body): JsonBody<NewToken>,
) -> Result<Response, WebError> {
    me.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))?;
    let options = TokenOptions {
        days: body.days.unwrap_or(DEFAULT_TOKEN_DAYS),
        read_only: body.read_only,
    };
    let token = state
        .store
        .create_api_token_with(&me.viewer, me.user.id, &body.name, options)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "name": body.name.trim(), "token": token })),
    )
        .into_response())
}

/// `DELETE /api/account/tokens/{name}`: 204, or 404 for no live token of that name.
#[utoipa::path(delete, path = "/api/account/tokens/{name}", tag = "account",
    params(("name" = String, Path, description = "The token's name")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 404, description = "No live token of that name", body = ErrorBody),
    ))]
pub async fn revoke_token_api(
    State(state): State<AppState>,
    me: CurrentUser,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Result<Response, WebError> {
    me.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))?;
    state
        .store
        .revoke_api_token(&me.viewer, me.user.id, &name)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
