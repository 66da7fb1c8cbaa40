//! Customer rating links (客户评分链接) on the person's cycle page and in the JSON API. HR or
//! the subject's superior issues a link for one of the subject's customers while the cycle is
//! rating, with whom it goes to; the full link is shown this once (built from the request's
//! `Host`, as no base URL is configured) and never again: the list shows each link's customer,
//! contact, state (unused, used, expired, revoked), issuer and dates, with a revoke button for
//! unused ones. The store decides who may do what ([`kaohe_store::Store::issue_rating_link`]);
//! a person outside the caller's data scope answers 404.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::cycle::render_cycle;
use crate::error::WebError;
use crate::extract::{JsonBody, Query};
use crate::i18n::{self, Lang};
use crate::openapi::{ErrorBody, RefusalBody};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use chrono::{DateTime, Utc};
use kaohe_domain::period::Period;
use kaohe_domain::roles::Role;
use kaohe_store::cycle::{NewLink, RatingLink};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::HashMap;

fn parse_period(text: &str) -> Result<Period, WebError> {
    Period::parse(text.trim()).map_err(|e| WebError::Invalid {
        field: "period".into(),
        message: e.to_string(),
    })
}

/// Whether the page offers the links section: HR, or a leader who is the subject's superior,
/// and never the subject (the store checks again on every write).
pub(crate) fn may_manage(me: &CurrentUser, employee: i64, superior: bool) -> bool {
    let leader = matches!(me.viewer.role, Role::TeamLeader | Role::Manager) && superior;
    me.viewer.employee_id != Some(employee) && (me.viewer.role == Role::Hr || leader)
}

/// The link's absolute address: the request's `Host` (when it looks like a host name), over
/// https when cookies are marked secure; else the path alone.
pub(crate) fn absolute(state: &AppState, headers: &HeaderMap, secret: &str) -> String {
    let path = format!("/rate/{secret}");
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.len() <= 255
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        });
    match host {
        Some(h) => {
            let scheme = if state.secure_cookies {
                "https"
            } else {
                "http"
            };
            format!("{scheme}://{h}{path}")
        }
        None => path,
    }
}

fn state_name(state: &str, lang: Lang) -> &'static str {
    i18n::t(lang, &format!("link_state_{state}"))
}

/// The links of a person's cycle as the page shows them (local times, translated states).
pub(crate) async fn page_links(
    state: &AppState,
    me: &CurrentUser,
    period: Period,
    employee: i64,
) -> Result<Vec<Value>, WebError> {
    let zone = state.zone.0;
    let at = |t: DateTime<Utc>| t.with_timezone(&zone).format("%Y-%m-%d %H:%M").to_string();
    let links = state
        .store
        .rating_links(&me.viewer, period, Some(employee), Utc::now())
        .await?;
    Ok(links
        .iter()
        .map(|l| {
            json!({
                "id": l.id, "customer": format!("{} · {}", l.customer_archive_no, l.customer_name),
                "contact_name": l.contact_name, "contact": l.contact,
                "state": l.state, "state_name": state_name(l.state, me.lang),
                "issued_by": l.issued_by, "issued_at": at(l.issued_at), "expires_at": at(l.expires_at),
                "used_at": l.used_at.map(at), "revoked_at": l.revoked_at.map(at),
            })
        })
        .collect())
}

type Fields = HashMap<String, String>;

fn field<'a>(f: &'a Fields, key: &str) -> &'a str {
    f.get(key).map_or("", |s| s.trim())
}

/// `POST /cycle/{period}/{employee}/links`: issues a link through the page's form (`customer`,
/// `contact_name`, `contact`, `csrf`); the page with the full link shown this once, or with the
/// reason it was refused.
pub async fn issue_form(
    State(state): State<AppState>,
    me: CurrentUser,
    headers: HeaderMap,
    Path((period, employee)): Path<(String, i64)>,
    Form(f): Form<Fields>,
) -> Result<Response, WebError> {
    me.check_csrf(f.get("csrf").map(String::as_str))?;
    let period = parse_period(&period)?;
    let link = NewLink {
        customer: field(&f, "customer"),
        contact_name: field(&f, "contact_name"),
        contact: field(&f, "contact"),
    };
    let issued = state
        .store
        .issue_rating_link(&me.viewer, period, employee, &link, Utc::now())
        .await;
    match issued {
        Ok(t) => {
            let url = absolute(&state, &headers, &t.secret);
            let html = render_cycle(&state, &me, period, employee, None, Some(url)).await?;
            Ok(html.into_response())
        }
        Err(e) => refused(&state, &me, period, employee, e.into()).await,
    }
}

/// The cycle page with why a form was refused, or the error itself when it is not a refusal.
async fn refused(
    state: &AppState,
    me: &CurrentUser,
    period: Period,
    employee: i64,
    e: WebError,
) -> Result<Response, WebError> {
    match e {
        e @ (WebError::Refused { .. }
        | WebError::Invalid { .. }
        | WebError::Forbidden(_)
        | WebError::Conflict { .. }) => {
            let e = e.in_lang(me.lang);
            let html = render_cycle(state, me, period, employee, Some(e.message()), None).await?;
            Ok((e.status(), html).into_response())
        }
        e => Err(e),
    }
}

/// The revoke button's form.
#[derive(Debug, Deserialize)]
pub struct RevokeForm {
    pub csrf: String,
}

/// `POST /cycle/{period}/{employee}/links/{id}/revoke`: revokes an unused link; back to the
/// page, or the page with the reason it was refused.
pub async fn revoke_form(
    State(state): State<AppState>,
    me: CurrentUser,
    Path((period, employee, id)): Path<(String, i64, i64)>,
    Form(f): Form<RevokeForm>,
) -> Result<Response, WebError> {
    me.check_csrf(Some(&f.csrf))?;
    let period = parse_period(&period)?;
    match state
        .store
        .revoke_rating_link(&me.viewer, id, Utc::now())
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/cycle/{period}/{employee}")).into_response()),
        Err(e) => refused(&state, &me, period, employee, e.into()).await,
    }
}

// ---- JSON API -----------------------------------------------------------------------------------

/// One rating link as listed (never its secret).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LinkBody {
    pub id: i64,
    /// `2026-10`.
    pub period: String,
    /// The person rated (database id).
    pub employee_id: i64,
    /// Their employee number (工号).
    pub employee_code: String,
    pub employee_name: String,
    pub customer_id: i64,
    pub customer_archive_no: String,
    pub customer_name: String,
    /// Whom the link was sent to.
    pub contact_name: String,
    /// Their phone number or e-mail address.
    pub contact: String,
    /// `unused`, `used`, `expired` or `revoked`.
    pub state: String,
    /// The state in the caller's language.
    pub state_name: String,
    /// The username of whoever issued it.
    pub issued_by: String,
    /// RFC 3339.
    pub issued_at: String,
    /// RFC 3339: the link answers 410 from then on.
    pub expires_at: String,
    /// RFC 3339, when the customer answered.
    pub used_at: Option<String>,
    /// RFC 3339, when it was revoked.
    pub revoked_at: Option<String>,
    /// The username of whoever revoked it (empty while not revoked).
    pub revoked_by: String,
}

impl LinkBody {
    fn of(l: RatingLink, lang: Lang) -> Self {
        LinkBody {
            id: l.id,
            period: l.period,
            employee_id: l.employee_id,
            employee_code: l.employee_code,
            employee_name: l.employee_name,
            customer_id: l.customer_id,
            customer_archive_no: l.customer_archive_no,
            customer_name: l.customer_name,
            contact_name: l.contact_name,
            contact: l.contact,
            state: l.state.to_string(),
            state_name: state_name(l.state, lang).to_string(),
            issued_by: l.issued_by,
            issued_at: l.issued_at.to_rfc3339(),
            expires_at: l.expires_at.to_rfc3339(),
            used_at: l.used_at.map(|t| t.to_rfc3339()),
            revoked_at: l.revoked_at.map(|t| t.to_rfc3339()),
            revoked_by: l.revoked_by,
        }
    }
}

/// `?period=2026-10&employee=12` (the person is optional: the whole period in scope).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LinkQuery {
    /// `2026-10`.
    #[param(example = "2026-10")]
    pub period: String,
    /// The person's database id (default: everybody in the caller's scope).
    #[param(example = 6)]
    pub employee: Option<i64>,
}

/// `GET /api/cycle/links?period=P[&employee=ID]`: the period's rating links in the caller's
/// scope with their state, newest first (HR and leaders).
#[utoipa::path(get, path = "/api/cycle/links", tag = "cycle", params(LinkQuery),
    responses(
        (status = 200, description = "The links, never their secrets", body = Vec<LinkBody>),
        (status = 403, description = "The caller's role does not handle customer links", body = RefusalBody),
        (status = 422, description = "A malformed period", body = ErrorBody),
    ))]
pub async fn list_api(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(q): Query<LinkQuery>,
) -> Result<Json<Vec<LinkBody>>, WebError> {
    let period = parse_period(&q.period)?;
    let links = state
        .store
        .rating_links(&me.viewer, period, q.employee, Utc::now())
        .await
        .map_err(|e| WebError::from(e).in_lang(me.lang))?;
    Ok(Json(
        links
            .into_iter()
            .map(|l| LinkBody::of(l, me.lang))
            .collect(),
    ))
}

/// The body of `POST /api/cycle/links`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct IssueBody {
    /// `2026-10`.
    pub period: String,
    /// The person rated (database id).
    pub employee: i64,
    /// One of the person's customer records: its database id or archive number (档案号).
    pub customer: String,
    /// Whom the link is sent to.
    pub contact_name: String,
    /// Their phone number (7 to 20 digits) or e-mail address.
    pub contact: String,
}

/// The answer of issuing: the full link, shown this once.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IssuedBody {
    /// The link's id, to list and revoke it by.
    pub id: i64,
    /// The full link to send to the customer (`http(s)://host/rate/…`); never shown again.
    pub link: String,
    /// RFC 3339.
    pub expires_at: String,
}

/// `POST /api/cycle/links` with `X-CSRF-Token` (sessions): HR or the subject's superior issues
/// a customer's rating link while the cycle is rating; `201` with the link, shown this once.
#[utoipa::path(post, path = "/api/cycle/links", tag = "cycle",
    request_body = IssueBody,
    responses(
        (status = 201, description = "The link, shown this once", body = IssuedBody),
        (status = 403, description = "Not HR nor the subject's superior", body = RefusalBody),
        (status = 404, description = "No cycle of that person and period in scope", body = ErrorBody),
        (status = 409, description = "The cycle is not rating", body = RefusalBody),
        (status = 422, description = "Not the person's customer, or a bad contact name or contact", body = RefusalBody),
    ))]
pub async fn issue_api(
    State(state): State<AppState>,
    me: CurrentUser,
    headers: HeaderMap,
    JsonBody(body): JsonBody<IssueBody>,
) -> Result<Response, WebError> {
    me.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))?;
    let period = parse_period(&body.period)?;
    let link = NewLink {
        customer: &body.customer,
        contact_name: &body.contact_name,
        contact: &body.contact,
    };
    let t = state
        .store
        .issue_rating_link(&me.viewer, period, body.employee, &link, Utc::now())
        .await
        .map_err(|e| WebError::from(e).in_lang(me.lang))?;
    let out = IssuedBody {
        id: t.id,
        link: absolute(&state, &headers, &t.secret),
        expires_at: t.expires_at.to_rfc3339(),
    };
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

/// `POST /api/cycle/links/{id}/revoke` with `X-CSRF-Token` (sessions): revokes an unused link;
/// the link as listed now. It answers 410 at `/rate` from then on.
#[utoipa::path(post, path = "/api/cycle/links/{id}/revoke", tag = "cycle",
    params(("id" = i64, Path, description = "The link's id")),
    responses(
        (status = 200, description = "Revoked", body = LinkBody),
        (status = 403, description = "Not HR nor the subject's superior", body = RefusalBody),
        (status = 404, description = "No such link in scope", body = ErrorBody),
        (status = 409, description = "The link was used or revoked already", body = RefusalBody),
    ))]
pub async fn revoke_api(
    State(state): State<AppState>,
    me: CurrentUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Json<LinkBody>, WebError> {
    me.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))?;
    let l = state
        .store
        .revoke_rating_link(&me.viewer, id, Utc::now())
        .await
        .map_err(|e| WebError::from(e).in_lang(me.lang))?;
    Ok(Json(LinkBody::of(l, me.lang)))
}
