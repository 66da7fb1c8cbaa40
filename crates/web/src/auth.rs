//! Sign-in, sessions in HttpOnly SameSite cookies, and CSRF checks.
//!
//! A session cookie carries a random token; the database keeps only its hash. Every
//! state-changing request must echo the session's CSRF token (form field `csrf` or header
//! `X-CSRF-Token`). The sign-in form itself is protected by a double-submit cookie.

use crate::AppState;
use crate::error::WebError;
use crate::i18n::Lang;
use axum::Form;
use axum::extract::{FromRequestParts, Query, State};
use axum::http::header::{AUTHORIZATION, COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use kaohe_store::Viewer;
use kaohe_store::users::{LoginError, User};
use serde::Deserialize;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "kaohe_session";
/// Name of the sign-in form's double-submit cookie.
pub const LOGIN_CSRF_COOKIE: &str = "kaohe_login_csrf";

/// The signed-in person making a request.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: User,
    pub viewer: Viewer,
    pub csrf: String,
    pub lang: Lang,
    /// Open inbox items (the header's badge).
    pub inbox_count: i64,
    token: String,
    /// Signed in by an API token (`Authorization: Bearer …`) rather than a session cookie.
    pub by_api_token: bool,
}

impl CurrentUser {
    /// Refuses the request unless it carries this session's CSRF token. A request
    /// authenticated by an API token needs none: a browser never attaches that header on its
    /// own, so a forged cross-site request cannot carry it.
    pub fn check_csrf(&self, presented: Option<&str>) -> Result<(), WebError> {
        if self.by_api_token {
            return Ok(());
        }
        match presented {
            Some(t) if constant_time_eq(t.as_bytes(), self.csrf.as_bytes()) => Ok(()),
            _ => Err(WebError::Csrf),
        }
    }
}

/// Compares two secrets in time independent of where they differ.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Reads one cookie from the request headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, `Secure` behind TLS.
pub(crate) fn set_cookie(name: &str, value: &str, max_age: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    ))
    .expect("cookie values are hex tokens")
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let bearer = parts
            .headers
            .get(AUTHORIZATION)
            .map(|v| v.to_str().ok().and_then(|v| v.strip_prefix("Bearer ")));
        // Cached by the token's hash: the raw secret is never kept as a key.
        let key = match bearer {
            Some(None) => return Err(WebError::Unauthenticated),
            Some(Some(t)) => format!("b{}", kaohe_store::users::token_hash(t.trim())),
            None => match cookie(&parts.headers, SESSION_COOKIE) {
                Some(t) => format!("c{}", kaohe_store::users::token_hash(t)),
                None => return Err(WebError::Unauthenticated),
            },
        };
        let (day, stamp) = (state.today(), kaohe_store::generation::stamp(None));
        let token = cookie(&parts.headers, SESSION_COOKIE)
            .filter(|_| bearer.is_none())
            .unwrap_or_default()
            .to_string();
        let identity = match state.identities.get(&key, stamp, day) {
            Some(identity) => identity,
            None => {
                let identity = identify(state, bearer.flatten(), &token).await?;
                state.identities.put(key, stamp, day, identity.clone());
                identity
            }
        };
        // A cached identity outlives no token: the expiry is checked on every request.
        if identity.expires_at.is_some_and(|at| at <= Utc::now()) {
            return Err(WebError::Unauthenticated);
        }
        // Every route that changes something takes another method than GET or HEAD: refusing
        // them here covers each of them, present and future.
        if identity.read_only && !matches!(parts.method, Method::GET | Method::HEAD) {
            return Err(WebError::Forbidden(
                "this API token is read-only: it may only read (GET)".into(),
            ));
        }
        Ok(CurrentUser {
            lang: Lang::from_tag(&identity.user.language),
            user: identity.user,
            viewer: identity.viewer,
            csrf: identity.csrf,
            inbox_count: identity.inbox_count,
            token,
            by_api_token: identity.by_api_token,
        })
    }
}

/// Who a request's session or API token signs in, with the data scope and the inbox badge.
#[derive(Clone)]
pub struct Identity {
    user: User,
    viewer: Viewer,
    csrf: String,
    inbox_count: i64,
    by_api_token: bool,
    /// A read-only API token: only `GET` and `HEAD` requests.
    read_only: bool,
    /// When the API token stops working (sessions: checked by the store).
    expires_at: Option<DateTime<Utc>>,
}

/// Reads the [`Identity`] of a bearer token, else of the session cookie `token`.
async fn identify(
    state: &AppState,
    bearer: Option<&str>,
    token: &str,
) -> Result<Identity, WebError> {
    let (user, csrf, by_api_token, read_only, expires_at) = match bearer {
        Some(presented) => {
            let found = state
                .store
                .api_token_user(presented.trim())
                .await?
                .ok_or(WebError::Unauthenticated)?;
            let expires = Some(found.expires_at);
            (found.user, String::new(), true, found.read_only, expires)
        }
        None => {
            let (user, csrf) = state
                .store
                .session(token)
                .await?
                .ok_or(WebError::Unauthenticated)?;
            (user, csrf, false, false, None)
        }
    };
    let viewer = state.store.viewer_for(&user).await?;
    let inbox_count = state.store.inbox_count(&viewer).await?;
    Ok(Identity {
        user,
        viewer,
        csrf,
        inbox_count,
        by_api_token,
        read_only,
        expires_at,
    })
}

/// The address a request came from (the TCP peer; `None` when the server was not started with
/// connection info, as in-process tests of the router are).
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        Ok(ClientIp(peer))
    }
}

/// Failed sign-ins allowed per address and minute, by default.
pub const SIGN_INS_PER_MINUTE: u32 = 10;

/// The per-address limit of sign-in tries: at most `per_minute` tries that did not succeed
/// from one address in a minute; beyond it the form answers 429 without checking a password.
/// A try counts when it starts (so parallel guesses count too) and is given back when it
/// succeeds.
pub struct SignInLimit {
    per_minute: u32,
    tries: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

/// Beyond this many addresses, those whose minute is over are forgotten.
const MAX_ADDRESSES: usize = 10_000;
const WINDOW: Duration = Duration::from_secs(60);

impl SignInLimit {
    /// A limit of `per_minute` failed tries per address (0: no limit).
    pub fn new(per_minute: u32) -> Self {
        SignInLimit {
            per_minute,
            tries: Mutex::new(HashMap::new()),
        }
    }

    /// Counts a try from `ip`; `Err(seconds to wait)` when the address has used its minute.
    fn begin(&self, ip: IpAddr) -> Result<(), u64> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let now = Instant::now();
        let mut tries = self.tries.lock().unwrap_or_else(|e| e.into_inner());
        if tries.len() >= MAX_ADDRESSES {
            tries.retain(|_, (start, _)| now.duration_since(*start) < WINDOW);
        }
        let entry = tries.entry(ip).or_insert((now, 0));
        if now.duration_since(entry.0) >= WINDOW {
            *entry = (now, 0);
        }
        if entry.1 >= self.per_minute {
            let left = WINDOW.saturating_sub(now.duration_since(entry.0));
            return Err(left.as_secs().max(1));
        }
        entry.1 += 1;
        Ok(())
    }

    /// Gives back the try of a sign-in that succeeded.
    fn succeeded(&self, ip: IpAddr) {
        let mut tries = self.tries.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(entry) = tries.get_mut(&ip) {
            entry.1 = entry.1.saturating_sub(1);
        }
    }
}

/// The sign-in form.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    pub username: String,
    pub password: String,
    pub csrf: String,
    /// The language the form was shown in, so that an error answers in it.
    pub lang: Option<String>,
}

/// The sign-in page's `?lang=en` switch.
#[derive(Debug, Deserialize)]
pub struct LangQuery {
    pub lang: Option<String>,
}

/// `GET /login`
pub async fn login_page(
    State(state): State<AppState>,
    Query(q): Query<LangQuery>,
) -> Result<Response, WebError> {
    let token = kaohe_store::users::random_token();
    let lang = q.lang.as_deref().map_or(state.default_lang, Lang::from_tag);
    let html = crate::pages::render_login(&state, lang, &token, None)?;
    let mut resp = html.into_response();
    resp.headers_mut().append(
        SET_COOKIE,
        set_cookie(LOGIN_CSRF_COOKIE, &token, 3600, state.secure_cookies),
    );
    Ok(resp)
}

/// `POST /login`
pub async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let limited = ip.map(|ip| (ip, state.sign_in_limit.begin(ip)));
    let outcome = match limited {
        Some((_, Err(wait))) => Err(LoginFailure::TooMany(wait)),
        _ => try_login(&state, &headers, &form).await,
    };
    let failure = match outcome {
        Ok(resp) => {
            if let Some((ip, _)) = limited {
                state.sign_in_limit.succeeded(ip);
            }
            return resp;
        }
        Err(LoginFailure::Internal(e)) => return e.into_response(),
        Err(f) => f,
    };
    // A locked, disabled or unknown account and a wrong password get one answer (ASVS V2.2):
    // the answer does not tell which names exist.
    let (status, key, retry) = match failure {
        LoginFailure::Csrf => (StatusCode::FORBIDDEN, "csrf_failed", None),
        LoginFailure::Busy => (StatusCode::SERVICE_UNAVAILABLE, "login_busy", Some(5)),
        LoginFailure::TooMany(wait) => {
            (StatusCode::TOO_MANY_REQUESTS, "login_too_many", Some(wait))
        }
        _ => (StatusCode::UNAUTHORIZED, "login_refused", None),
    };
    let lang = form
        .lang
        .as_deref()
        .map_or(state.default_lang, Lang::from_tag);
    let token = kaohe_store::users::random_token();
    match crate::pages::render_login(&state, lang, &token, Some(crate::i18n::t(lang, key))) {
        Ok(html) => {
            let mut resp = (status, html).into_response();
            let cookie = set_cookie(LOGIN_CSRF_COOKIE, &token, 3600, state.secure_cookies);
            resp.headers_mut().append(SET_COOKIE, cookie);
            if let Some(wait) = retry {
                resp.headers_mut()
                    .insert(axum::http::header::RETRY_AFTER, HeaderValue::from(wait));
            }
            resp
        }
        Err(e) => e.into_response(),
    }
}

/// Why a sign-in did not happen.
enum LoginFailure {
    Csrf,
    BadCredentials,
    Locked,
    /// Too many password checks wait: 503, try again in seconds.
    Busy,
    /// The address used its tries of the minute: 429, wait this many seconds.
    TooMany(u64),
    Internal(WebError),
}

impl From<kaohe_store::StoreError> for LoginFailure {
    fn from(e: kaohe_store::StoreError) -> Self {
        LoginFailure::Internal(e.into())
    }
}

async fn try_login(
    state: &AppState,
    headers: &HeaderMap,
    form: &LoginForm,
) -> Result<Response, LoginFailure> {
    let expected = cookie(headers, LOGIN_CSRF_COOKIE).ok_or(LoginFailure::Csrf)?;
    if !constant_time_eq(expected.as_bytes(), form.csrf.as_bytes()) {
        return Err(LoginFailure::Csrf);
    }
    let user = match state
        .store
        .authenticate(form.username.trim(), &form.password)
        .await?
    {
        Ok(u) => u,
        Err(LoginError::BadCredentials) => return Err(LoginFailure::BadCredentials),
        Err(LoginError::Locked(_)) => return Err(LoginFailure::Locked),
        Err(LoginError::Busy) => return Err(LoginFailure::Busy),
    };
    // A fresh token on every sign-in: a session id planted before sign-in is never promoted.
    if let Some(old) = cookie(headers, SESSION_COOKIE) {
        state.store.delete_session(old).await?;
    }
    let session = state.store.create_session(user.id).await?;
    let mut resp = Redirect::to("/").into_response();
    let max_age = kaohe_store::users::SESSION_HOURS * 3600;
    resp.headers_mut().append(
        SET_COOKIE,
        set_cookie(
            SESSION_COOKIE,
            &session.token,
            max_age,
            state.secure_cookies,
        ),
    );
    resp.headers_mut().append(
        SET_COOKIE,
        set_cookie(LOGIN_CSRF_COOKIE, "", 0, state.secure_cookies),
    );
    Ok(resp)
}

/// The sign-out form.
#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    pub csrf: String,
}

/// `POST /logout`
pub async fn logout(
    State(state): State<AppState>,
    me: CurrentUser,
    Form(form): Form<CsrfForm>,
) -> Result<Response, WebError> {
    me.check_csrf(Some(&form.csrf))?;
    state.store.delete_session(&me.token).await?;
    let mut resp = Redirect::to("/login").into_response();
    resp.headers_mut().append(
        SET_COOKIE,
        set_cookie(SESSION_COOKIE, "", 0, state.secure_cookies),
    );
    Ok(resp)
}
