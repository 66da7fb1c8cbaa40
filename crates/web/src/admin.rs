//! Administration for HR and administrators (SPEC §1, §2, §4, §5): `/admin` and its screens —
//! the organisation, the accounts, the calendar (holidays and make-up working days), the
//! indicator library and schemes, and a formula editor that checks the formula as it is typed
//! (`POST /api/formula/check`) and shows its value for a chosen person and period
//! (`POST /api/formula/preview`). The store refuses every other role (403) and audits every
//! change; these handlers only read forms and render.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::WebError;
use crate::extract::{JsonBody, Path, Query};
use crate::i18n::{self, Lang};
use crate::openapi::ErrorBody;
use crate::pages::render_page;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Form, Json};
use chrono::{Datelike, NaiveDate};
use kaohe_domain::calendar::DayKind;
use kaohe_domain::formula::{CompiledFormula, FormulaError};
use kaohe_domain::import::files::{CsvWriter, XlsxWriter};
use kaohe_domain::indicator::Indicator;
use kaohe_domain::library::Library;
use kaohe_domain::period::Period;
use kaohe_domain::roles::{ALL_ROLES, Role};
use kaohe_domain::scheme::Weight;
use kaohe_domain::scoring::{Direction, ScoringRule};
use kaohe_store::admin::require_admin;
use kaohe_store::{StoreError, Viewer};
use minijinja::context;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

fn check(viewer: &Viewer, what: &str) -> Result<(), WebError> {
    require_admin(viewer, what).map_err(WebError::from)
}

/// `GET /admin`: the administration screens.
pub async fn index(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<Html<String>, WebError> {
    check(&me.viewer, "administration")?;
    let lib = state.store.library().await?;
    let ctx = context! {
        library_version => lib.version,
        indicators => lib.library.indicators().len(),
        schemes => lib.library.schemes().len(),
    };
    render_page(&state, &me, "admin.html", ctx)
}

// ---- organisation -------------------------------------------------------------------------------

/// `GET /admin/org`: departments → teams → people, with links to the forms that move a person
/// (team, supervisor, position, status) or change a team's leader.
pub async fn org_page(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<Html<String>, WebError> {
    let org = state.store.organisation(&me.viewer).await?;
    let lang = me.lang;
    let names: std::collections::HashMap<i64, &str> =
        org.people.iter().map(|e| (e.id, e.name.as_str())).collect();
    let person = |e: &kaohe_store::org::EmployeeView| {
        json!({
            "id": e.id, "code": e.code, "name": e.name, "position": e.position,
            "supervisor": e.supervisor_id.and_then(|s| names.get(&s).copied()),
            "status": i18n::t(lang, &format!("status_{}", e.status)),
            "status_code": e.status,
        })
    };
    let departments: Vec<Value> = org
        .departments
        .iter()
        .map(|d| {
            let teams: Vec<Value> = org
                .teams
                .iter()
                .filter(|t| t.department_id == d.id)
                .map(|t| {
                    let people: Vec<Value> = org
                        .people
                        .iter()
                        .filter(|e| e.team_id == Some(t.id))
                        .map(&person)
                        .collect();
                    json!({ "id": t.id, "code": t.code, "name": t.name, "leader": t.leader_name, "people": people })
                })
                .collect();
            let unteamed: Vec<Value> = org
                .people
                .iter()
                .filter(|e| e.department_id == d.id && e.team_id.is_none())
                .map(&person)
                .collect();
            json!({
                "id": d.id, "code": d.code,
                "name": if lang == Lang::Zh { &d.name } else { &d.name_en },
                "headcount": d.headcount, "teams": teams, "unteamed": unteamed,
            })
        })
        .collect();
    render_page(&state, &me, "admin_org.html", context! { departments })
}

// ---- accounts ------------------------------------------------------------------------------------

/// What a form post on the accounts page answered.
#[derive(Default)]
struct Outcome {
    notice: Option<String>,
    error: Option<String>,
    field: Option<String>,
    values: Option<Value>,
}

async fn render_users(
    state: &AppState,
    me: &CurrentUser,
    outcome: Outcome,
) -> Result<Html<String>, WebError> {
    let accounts = state.store.accounts(&me.viewer).await?;
    let now = chrono::Utc::now();
    let lang = me.lang;
    let accounts: Vec<Value> = accounts
        .iter()
        .map(|a| {
            let role = a.role.parse::<Role>().ok();
            json!({
                "username": a.username, "display_name": a.display_name,
                "role": role.map_or(a.role.clone(), |r| role_name(lang, r).to_string()),
                "language": i18n::t(lang, &format!("lang_{}", a.language)),
                "person": a.employee_code.as_ref().map(|c| format!("{c} {}", a.employee_name.as_deref().unwrap_or(""))),
                "active": a.active,
                "locked": a.locked_until.is_some_and(|u| u > now),
                "tokens_link": format!("/admin/users/{}/tokens", percent_encode(&a.username)),
            })
        })
        .collect();
    let people = state.store.employees(&me.viewer).await?;
    let people: Vec<Value> = people
        .iter()
        .filter(|e| e.status != "left")
        .map(|e| json!({ "code": e.code, "name": e.name }))
        .collect();
    let roles: Vec<Value> = ALL_ROLES
        .iter()
        // Only an administrator grants the roles that approve, pay or administer.
        .filter(|r| {
            !matches!(r, Role::Admin | Role::Committee | Role::Finance)
                || me.viewer.role == Role::Admin
        })
        .map(|r| json!({ "code": r.as_str(), "name": role_name(lang, *r) }))
        .collect();
    let ctx = context! {
        accounts, people, roles,
        is_admin => me.viewer.role == Role::Admin,
        notice => outcome.notice,
        error => outcome.error,
        field => outcome.field,
        values => outcome.values,
    };
    render_page(state, me, "admin_users.html", ctx)
}

fn role_name(lang: Lang, r: Role) -> &'static str {
    match lang {
        Lang::Zh => r.name_zh(),
        Lang::En => r.as_str(),
    }
}

/// `?saved=user|password`.
#[derive(Debug, Deserialize)]
pub struct Saved {
    pub saved: Option<String>,
}

/// `GET /admin/users`
pub async fn users_page(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(q): Query<Saved>,
) -> Result<Html<String>, WebError> {
    let notice = match q.saved.as_deref() {
        Some("user") => Some(i18n::t(me.lang, "admin_user_added").to_string()),
        Some("password") => Some(i18n::t(me.lang, "admin_password_reset").to_string()),
        Some("disabled") => Some(i18n::t(me.lang, "admin_account_disabled").to_string()),
        Some("enabled") => Some(i18n::t(me.lang, "admin_account_enabled").to_string()),
        _ => None,
    };
    let outcome = Outcome {
        notice,
        ..Outcome::default()
    };
    render_users(&state, &me, outcome).await
}

/// The new-account form.
#[derive(Debug, Deserialize, Serialize)]
pub struct NewUserForm {
    #[serde(skip_serializing)]
    pub csrf: String,
    pub username: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub employee: String,
    pub role: String,
    #[serde(skip_serializing)]
    pub password: String,
}

/// A refused form: the page again (422 or 403) with the error above the form, naming the
/// field, and what was typed kept (never a password).
async fn refused_users(
    state: &AppState,
    me: &CurrentUser,
    e: WebError,
    values: Value,
) -> Result<Response, WebError> {
    let (status, field) = match &e {
        WebError::Invalid { field, .. } | WebError::Conflict { field, .. } => {
            (e.status(), Some(field.clone()))
        }
        WebError::Forbidden(_) | WebError::NotFound(_) => (e.status(), None),
        _ => return Err(e),
    };
    let outcome = Outcome {
        error: Some(e.message()),
        field,
        values: Some(values),
        ..Outcome::default()
    };
    Ok((status, render_users(state, me, outcome).await?).into_response())
}

/// `POST /admin/users`: adds an account (audited), then the list again.
pub async fn create_user(
    State(state): State<AppState>,
    me: CurrentUser,
    Form(f): Form<NewUserForm>,
) -> Result<Response, WebError> {
    me.check_csrf(Some(&f.csrf))?;
    let values = serde_json::to_value(&f).unwrap_or_default();
    let role = match f.role.parse::<Role>() {
        Ok(r) => r,
        Err(m) => {
            let e = WebError::Invalid {
                field: "role".into(),
                message: m,
            };
            return refused_users(&state, &me, e, values).await;
        }
    };
    let employee = Some(f.employee.split_whitespace().next().unwrap_or(""));
    match state
        .store
        .add_account(
            &me.viewer,
            &f.username,
            &f.password,
            role,
            employee,
            &f.display_name,
        )
        .await
    {
        Ok(_) => Ok(Redirect::to("/admin/users?saved=user").into_response()),
        Err(e) => refused_users(&state, &me, e.into(), values).await,
    }
}

/// The password-reset form.
#[derive(Debug, Deserialize)]
pub struct ResetForm {
    pub csrf: String,
    pub username: String,
    pub password: String,
}

/// `POST /admin/users/password`: sets a new password (audited); the account's sessions end.
pub async fn reset_password(
    State(state): State<AppState>,
    me: CurrentUser,
    Form(f): Form<ResetForm>,
) -> Result<Response, WebError> {
    me.check_csrf(Some(&f.csrf))?;
    match state
        .store
        .reset_account_password(&me.viewer, &f.username, &f.password)
        .await
    {
        Ok(()) => Ok(Redirect::to("/admin/users?saved=password").into_response()),
        Err(e) => refused_users(&state, &me, e.into(), json!({ "reset": f.username })).await,
    }
}

/// The disable / enable form.
#[derive(Debug, Deserialize)]
pub struct ActiveForm {
    pub csrf: String,
    pub username: String,
    /// `true` enables, `false` disables.
    pub active: bool,
}

/// `POST /admin/users/active`: disables (sessions end, tokens revoked at once) or enables an
/// account; audited. HR cannot for administrators, the committee or finance.
pub async fn set_active(
    State(state): State<AppState>,
    me: CurrentUser,
    Form(f): Form<ActiveForm>,
) -> Result<Response, WebError> {
    me.check_csrf(Some(&f.csrf))?;
    match state
        .store
        .set_account_active(&me.viewer, &f.username, f.active)
        .await
    {
        Ok(()) => {
            let saved = if f.active { "enabled" } else { "disabled" };
            Ok(Redirect::to(&format!("/admin/users?saved={saved}")).into_response())
        }
        Err(e) => refused_users(&state, &me, e.into(), json!({})).await,
    }
}

/// `GET /admin/users/{username}/tokens`: an account's API tokens, to revoke any of them
/// (administrators only: the store refuses HR).
pub async fn tokens_page(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(username): Path<String>,
    Query(q): Query<Saved>,
) -> Result<Html<String>, WebError> {
    let tokens = state.store.api_tokens_of(&me.viewer, &username).await?;
    let now = chrono::Utc::now();
    let zone = state.zone.0;
    let at = |t: chrono::DateTime<chrono::Utc>| {
        t.with_timezone(&zone).format("%Y-%m-%d %H:%M").to_string()
    };
    let tokens: Vec<Value> = tokens
        .iter()
        .map(|t| {
            json!({
                "name": t.name, "created_at": at(t.created_at), "expires": at(t.expires()),
                "read_only": t.read_only, "revoked": t.revoked_at.is_some(),
                "expired": t.revoked_at.is_none() && !t.live(now),
            })
        })
        .collect();
    let notice = (q.saved.as_deref() == Some("revoked"))
        .then(|| i18n::t(me.lang, "admin_token_revoked").to_string());
    let ctx = context! { username, tokens, notice };
    render_page(&state, &me, "admin_tokens.html", ctx)
}

/// The revoke form of the tokens page.
#[derive(Debug, Deserialize)]
pub struct RevokeForm {
    pub csrf: String,
    pub username: String,
    pub name: String,
}

/// `POST /admin/users/tokens/revoke`: an administrator revokes anybody's token; audited.
pub async fn revoke_token(
    State(state): State<AppState>,
    me: CurrentUser,
    Form(f): Form<RevokeForm>,
) -> Result<Response, WebError> {
    me.check_csrf(Some(&f.csrf))?;
    state
        .store
        .revoke_api_token_of(&me.viewer, &f.username, &f.name)
        .await?;
    let back = format!(
        "/admin/users/{}/tokens?saved=revoked",
        percent_encode(&f.username)
    );
    Ok(Redirect::to(&back).into_response())
}

/// Percent-encodes a path segment (user names may hold any character).
fn percent_encode(segment: &str) -> String {
    segment
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

// ---- calendar -----------------------------------------------------------------------------------

/// `?year=2026&saved=1`.
#[derive(Debug, Deserialize)]
pub struct YearQuery {
    pub year: Option<i32>,
    pub saved: Option<String>,
}

async fn render_calendar(
    state: &AppState,
    me: &CurrentUser,
    year: i32,
    outcome: Outcome,
) -> Result<Html<String>, WebError> {
    let days = state.store.calendar_days(&me.viewer, year).await?;
    let lang = me.lang;
    let start = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default();
    let cal = state.store.calendar(start).await?;
    let months: Vec<Value> = (1..=12u32)
        .map(|m| {
            let p = Period::Month { year, month: m };
            let list = |kind: &str| -> Vec<Value> {
                days.iter()
                    .filter(|d| d.day.month() == m && d.kind == kind)
                    .map(|d| {
                        json!({
                            "day": d.day.to_string(),
                            "shown": i18n::date(lang, d.day),
                            "weekday": weekday(lang, d.day),
                            "name": d.name,
                        })
                    })
                    .collect()
            };
            json!({
                "name": i18n::period(lang, p),
                "working_days": cal.working_days_between(p.start(), p.end_exclusive()),
                "holidays": list("holiday"),
                "workdays": list("workday"),
            })
        })
        .collect();
    let total: u32 = cal.working_days_between(
        start,
        NaiveDate::from_ymd_opt(year + 1, 1, 1).unwrap_or_default(),
    );
    // The year shown and this year: a deadline counted over a year without any configured
    // day ignores its public holidays, which HR should know before it matters.
    let this_year = state.today().year();
    let mut gaps = cal.years_without_entries(start, start);
    let today_start = NaiveDate::from_ymd_opt(this_year, 1, 1).unwrap_or_default();
    gaps.extend(cal.years_without_entries(today_start, today_start));
    gaps.sort_unstable();
    gaps.dedup();
    let warnings: Vec<String> = gaps
        .iter()
        .map(|y| i18n::t(lang, "calendar_year_empty").replace("{year}", &y.to_string()))
        .collect();
    let ctx = context! {
        year, months, total, warnings,
        prev_year => year - 1,
        next_year => year + 1,
        notice => outcome.notice,
        error => outcome.error,
        field => outcome.field,
        values => outcome.values,
    };
    render_page(state, me, "admin_calendar.html", ctx)
}

fn weekday(lang: Lang, d: NaiveDate) -> &'static str {
    const ZH: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];
    const EN: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    let i = d.weekday().num_days_from_monday() as usize;
    if lang == Lang::Zh { ZH[i] } else { EN[i] }
}

/// `GET /admin/calendar?year=`: the year's holidays and make-up working days by month, with
/// each month's working days.
pub async fn calendar_page(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(q): Query<YearQuery>,
) -> Result<Html<String>, WebError> {
    let year = q.year.unwrap_or_else(|| state.today().year());
    let notice = q
        .saved
        .is_some()
        .then(|| i18n::t(me.lang, "admin_calendar_saved").to_string());
    let outcome = Outcome {
        notice,
        ..Outcome::default()
    };
    render_calendar(&state, &me, year, outcome).await
}

/// The add-a-day form.
#[derive(Debug, Deserialize, Serialize)]
pub struct DayForm {
    #[serde(skip_serializing)]
    pub csrf: String,
    pub day: String,
    pub kind: String,
    #[serde(default)]
    pub name: String,
}

fn parse_day(text: &str) -> Result<NaiveDate, WebError> {
    text.trim().parse().map_err(|_| WebError::Invalid {
        field: "day".into(),
        message: format!("`{text}` is not a date such as 2026-10-01"),
    })
}

async fn refused_calendar(
    state: &AppState,
    me: &CurrentUser,
    year: i32,
    e: WebError,
    values: Value,
) -> Result<Response, WebError> {
    let field = match &e {
        WebError::Invalid { field, .. } | WebError::Conflict { field, .. } => Some(field.clone()),
        WebError::NotFound(_) => None,
        _ => return Err(e),
    };
    let outcome = Outcome {
        error: Some(e.message()),
        field,
        values: Some(values),
        ..Outcome::default()
    };
    let status = e.status();
    Ok((status, render_calendar(state, me, year, outcome).await?).into_response())
}

/// `POST /admin/calendar`: adds a holiday or a make-up working day (audited); a refused day
/// shows the page again with the error next to its field (422, 409 for a day already there).
pub async fn add_day(
    State(state): State<AppState>,
    me: CurrentUser,
    Form(f): Form<DayForm>,
) -> Result<Response, WebError> {
    me.check_csrf(Some(&f.csrf))?;
    check(&me.viewer, "the calendar")?;
    let values = serde_json::to_value(&f).unwrap_or_default();
    let this_year = state.today().year();
    let day = match parse_day(&f.day) {
        Ok(d) => d,
        Err(e) => return refused_calendar(&state, &me, this_year, e, values).await,
    };
    let year = if (1990..=2100).contains(&day.year()) {
        day.year()
    } else {
        this_year
    };
    let kind = match f.kind.as_str() {
        "holiday" => DayKind::Holiday,
        "workday" => DayKind::Workday,
        other => {
            let e = WebError::Invalid {
                field: "kind".into(),
                message: format!("`{other}` is not one of: holiday, workday"),
            };
            return refused_calendar(&state, &me, year, e, values).await;
        }
    };
    match state
        .store
        .add_calendar_day(&me.viewer, day, kind, &f.name)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/admin/calendar?year={year}&saved=1")).into_response()),
        Err(e) => refused_calendar(&state, &me, year, e.into(), values).await,
    }
}

/// The remove-a-day form.
#[derive(Debug, Deserialize)]
pub struct RemoveDayForm {
    pub csrf: String,
    pub day: String,
}

/// `POST /admin/calendar/remove`: the day follows the weekday rule again (audited).
pub async fn remove_day(
    State(state): State<AppState>,
    me: CurrentUser,
    Form(f): Form<RemoveDayForm>,
) -> Result<Response, WebError> {
    me.check_csrf(Some(&f.csrf))?;
    check(&me.viewer, "the calendar")?;
    let this_year = state.today().year();
    let day = match parse_day(&f.day) {
        Ok(d) => d,
        Err(e) => return refused_calendar(&state, &me, this_year, e, Value::Null).await,
    };
    match state.store.remove_calendar_day(&me.viewer, day).await {
        Ok(()) => Ok(
            Redirect::to(&format!("/admin/calendar?year={}&saved=1", day.year())).into_response(),
        ),
        Err(e) => refused_calendar(&state, &me, day.year(), e.into(), Value::Null).await,
    }
}

/// `?year=2026&format=csv|xlsx`.
#[derive(Debug, Deserialize)]
pub struct CalendarExportQuery {
    pub year: Option<i32>,
    pub format: Option<String>,
}

/// `GET /admin/calendar/export?year=&format=csv|xlsx`: the configured days (of a year, or
/// all) as a file an import reads back: 日期, 类型, 名称 (English headers and codes in English).
pub async fn export_calendar(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(q): Query<CalendarExportQuery>,
) -> Result<Response, WebError> {
    check(&me.viewer, "the calendar")?;
    let xlsx = match q.format.as_deref().unwrap_or("csv") {
        "csv" => false,
        "xlsx" => true,
        other => {
            return Err(WebError::Invalid {
                field: "format".into(),
                message: format!("`{other}`: expected csv or xlsx"),
            });
        }
    };
    let zh = me.lang == Lang::Zh;
    let to_web = |m: String| WebError::Internal(format!("writing the calendar: {m}"));
    let bytes = if xlsx {
        let mut w = XlsxWriter::new("工作日历").map_err(to_web)?;
        state
            .store
            .export_calendar(&me.viewer, q.year, zh, &mut w)
            .await?;
        w.finish().map_err(to_web)?
    } else {
        let mut w = CsvWriter::new(Vec::new()).map_err(to_web)?;
        state
            .store
            .export_calendar(&me.viewer, q.year, zh, &mut w)
            .await?;
        w.into_inner().map_err(to_web)?
    };
    let name = match q.year {
        Some(y) => format!("calendar-{y}.{}", if xlsx { "xlsx" } else { "csv" }),
        None => format!("calendar.{}", if xlsx { "xlsx" } else { "csv" }),
    };
    let content_type = if xlsx {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    } else {
        "text/csv; charset=utf-8"
    };
    let headers = [
        (header::CONTENT_TYPE, content_type.to_string()),
        (
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ),
    ];
    Ok((headers, bytes).into_response())
}

/// `?year=2026`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CalendarQuery {
    /// Only the days of this year (1990 to 2100); default every configured day.
    pub year: Option<i32>,
}

/// `GET /api/calendar?year=`: the configured days with their kind and name, by date, and the
/// years asked about that have none (deadlines there ignore public holidays).
#[utoipa::path(get, path = "/api/calendar", tag = "calendar", params(CalendarQuery),
    responses(
        (status = 200, description = "`{\"days\": [{\"day\", \"kind\": \"holiday\"|\"workday\", \"name\"}], \"years_without_entries\": [2027]}`", body = Object),
        (status = 403, description = "Not HR or an administrator", body = ErrorBody),
        (status = 422, description = "A year outside 1990 to 2100", body = ErrorBody),
    ))]
pub async fn calendar_api(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(q): Query<CalendarQuery>,
) -> Result<Json<Value>, WebError> {
    let days = state.store.calendar_entries(&me.viewer, q.year).await?;
    let year = q.year.unwrap_or_else(|| state.today().year());
    let gaps = match NaiveDate::from_ymd_opt(year, 1, 1) {
        Some(d) => state.store.calendar_gaps(d, d).await?,
        None => Vec::new(),
    };
    Ok(Json(json!({ "days": days, "years_without_entries": gaps })))
}

/// A day to configure (`POST /api/calendar`).
#[derive(Debug, Deserialize, ToSchema)]
pub struct DayInput {
    /// The date, `2026-10-01`.
    pub day: String,
    /// `holiday` (休息日) or `workday` (工作日, a Saturday or Sunday worked).
    pub kind: String,
    /// Its name (元旦, 国庆节调休上班, …), at most 100 characters.
    #[serde(default)]
    pub name: String,
}

/// `POST /api/calendar`: configures a holiday or a make-up working day (audited).
#[utoipa::path(post, path = "/api/calendar", tag = "calendar",
    request_body = DayInput,
    responses(
        (status = 200, description = "`{\"day\": \"2026-10-01\", \"kind\": \"holiday\"}`", body = Object),
        (status = 403, description = "Not HR or an administrator", body = ErrorBody),
        (status = 409, description = "The day is configured already (remove it first)", body = ErrorBody),
        (status = 422, description = "A bad date, kind or name; a make-up day that is no weekend day", body = ErrorBody),
    ))]
pub async fn add_day_api(
    State(state): State<AppState>,
    me: CurrentUser,
    headers: HeaderMap,
    JsonBody(f): JsonBody<DayInput>,
) -> Result<Json<Value>, WebError> {
    me.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))?;
    check(&me.viewer, "the calendar")?;
    let day = parse_day(&f.day)?;
    let kind = DayKind::parse(&f.kind).ok_or_else(|| WebError::Invalid {
        field: "kind".into(),
        message: format!(
            "`{}` is not one of: holiday (休息日), workday (工作日)",
            f.kind
        ),
    })?;
    state
        .store
        .add_calendar_day(&me.viewer, day, kind, &f.name)
        .await?;
    Ok(Json(json!({ "day": day, "kind": kind.as_str() })))
}

/// `DELETE /api/calendar/{day}`: the day follows the weekday rule again (audited).
#[utoipa::path(delete, path = "/api/calendar/{day}", tag = "calendar",
    params(("day" = String, Path, description = "The date, 2026-10-01")),
    responses(
        (status = 200, description = "`{\"removed\": \"2026-10-01\"}`", body = Object),
        (status = 403, description = "Not HR or an administrator", body = ErrorBody),
        (status = 404, description = "The day is not configured", body = ErrorBody),
        (status = 422, description = "Not a date", body = ErrorBody),
    ))]
pub async fn remove_day_api(
    State(state): State<AppState>,
    me: CurrentUser,
    headers: HeaderMap,
    Path(day): Path<String>,
) -> Result<Json<Value>, WebError> {
    me.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))?;
    check(&me.viewer, "the calendar")?;
    let day = parse_day(&day)?;
    state.store.remove_calendar_day(&me.viewer, day).await?;
    Ok(Json(json!({ "removed": day })))
}

/// HR's and administrators' warnings about the years from `from` to `to` that have no
/// configured day: deadlines there are counted over weekdays alone. Nothing for other roles
/// (they cannot change the calendar).
pub async fn calendar_warnings(
    state: &AppState,
    me: &CurrentUser,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<String>, WebError> {
    if !kaohe_store::admin::may_administer(&me.viewer) {
        return Ok(Vec::new());
    }
    let gaps = state.store.calendar_gaps(from, to).await?;
    Ok(gaps
        .iter()
        .map(|y| i18n::t(me.lang, "calendar_year_empty").replace("{year}", &y.to_string()))
        .collect())
}

// ---- library ------------------------------------------------------------------------------------

fn num(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A scoring rule in a line, as an HR officer reads it.
pub fn rule_text(lang: Lang, rule: &ScoringRule, direction: Direction) -> String {
    let zh = lang == Lang::Zh;
    let cmp = if direction == Direction::Higher {
        "≥"
    } else {
        "≤"
    };
    match rule {
        ScoringRule::Ratio { cap } if zh => format!("完成率（上限 {}）", num(*cap)),
        ScoringRule::Ratio { cap } => format!("ratio to target (cap {})", num(*cap)),
        ScoringRule::Bands { bands, otherwise } => {
            let parts: Vec<String> = bands
                .iter()
                .map(|b| format!("{cmp}{} → {}", num(b.threshold), num(b.score)))
                .collect();
            let rest = if zh { "否则" } else { "else" };
            format!("{}; {rest} {}", parts.join(", "), num(*otherwise))
        }
        ScoringRule::Deduction {
            full,
            per_occurrence,
        } if zh => format!("{} 分，每次扣 {} 分", num(*full), num(*per_occurrence)),
        ScoringRule::Deduction {
            full,
            per_occurrence,
        } => format!(
            "{} minus {} per occurrence",
            num(*full),
            num(*per_occurrence)
        ),
        ScoringRule::PassFail if zh => "达标 100，否则 0".into(),
        ScoringRule::PassFail => "target met 100, else 0".into(),
        ScoringRule::Linear { floor, cap } if zh => {
            format!(
                "线性：{} 得 0 分至目标 100 分（上限 {}）",
                num(*floor),
                num(*cap)
            )
        }
        ScoringRule::Linear { floor, cap } => {
            format!(
                "linear from {} (0) to the target (100), cap {}",
                num(*floor),
                num(*cap)
            )
        }
    }
}

fn indicator_row(lang: Lang, i: &Indicator) -> Value {
    let zh = lang == Lang::Zh;
    json!({
        "code": i.code,
        "name": if zh { &i.name_zh } else { &i.name_en },
        "computed": !i.is_rated(),
        "formula": i.formula().map(|f| f.source().to_string()),
        "rule": i.scoring().map_or_else(
            || i18n::t(lang, "admin_rated_rule").to_string(),
            |r| rule_text(lang, r, i.direction),
        ),
        "target": i.target.map(num),
        "unit": i.unit.as_str(),
        "period": format!("{:?}", i.period).to_lowercase(),
        "direction": i.direction.as_str(),
        "definition": if zh { &i.definition_zh } else { &i.definition_en },
    })
}

fn scheme_rows(lang: Lang, lib: &Library) -> Vec<Value> {
    let zh = lang == Lang::Zh;
    lib.schemes()
        .iter()
        .map(|s| {
            let groups: Vec<Value> = s
                .groups
                .iter()
                .map(|g| {
                    let items: Vec<Value> = g
                        .items
                        .iter()
                        .map(|it| {
                            let name = lib.indicator(&it.indicator).map_or(it.indicator.clone(), |i| {
                                if zh { i.name_zh.clone() } else { i.name_en.clone() }
                            });
                            json!({ "code": it.indicator, "name": name, "weight": it.weight.to_string(), "percent": num(it.weight.as_percent()) })
                        })
                        .collect();
                    json!({
                        "name": if zh { &g.name_zh } else { &g.name_en },
                        "weight": g.weight.to_string(),
                        "items": items,
                    })
                })
                .collect();
            let sum = Weight::sum(s.groups.iter().flat_map(|g| g.items.iter().map(|i| &i.weight)));
            json!({
                "code": s.code, "version": s.version,
                "name": if zh { &s.name_zh } else { &s.name_en },
                "positions": s.positions.join(", "),
                "groups": groups,
                "sum": kaohe_domain::scheme::fmt_hundredths(sum),
                "sum_ok": sum == 10_000,
            })
        })
        .collect()
}

async fn render_library(
    state: &AppState,
    me: &CurrentUser,
    outcome: Outcome,
) -> Result<Html<String>, WebError> {
    check(&me.viewer, "the indicator library")?;
    let lib = state.store.library().await?;
    let indicators: Vec<Value> = lib
        .library
        .indicators()
        .iter()
        .map(|i| indicator_row(me.lang, i))
        .collect();
    let schemes = scheme_rows(me.lang, &lib.library);
    let rollups = rollup_builds(state).await?;
    let ctx = context! {
        indicators, schemes, rollups,
        version => lib.version,
        notice => outcome.notice,
        error => outcome.error,
        field => outcome.field,
        values => outcome.values,
    };
    render_page(state, me, "admin_library.html", ctx)
}

/// The roll-ups of measures a library change brought: how far their background build is.
#[derive(Debug, Serialize, ToSchema)]
pub struct RollupBuilds {
    /// Whether this server is building some now.
    pub running: bool,
    /// Measures registered and not built yet (until built, scorecards compute them from the
    /// records: the same values, only slower).
    pub pending: usize,
    /// Measures in the current or last build.
    pub measures: usize,
    /// (record group, month) reads done of `total`.
    pub done: usize,
    /// (record group, month) reads the build needs.
    pub total: usize,
    /// When the last build ended (RFC 3339).
    pub finished_at: Option<String>,
    /// Why the last build failed, if it did.
    pub error: Option<String>,
}

async fn rollup_builds(state: &AppState) -> Result<RollupBuilds, WebError> {
    let status = state.store.rollup_build_status();
    Ok(RollupBuilds {
        running: status.running,
        pending: state.store.pending_rollups().await?,
        measures: status.measures,
        done: status.done,
        total: status.total,
        finished_at: status.finished_at.map(|t| t.to_rfc3339()),
        error: status.error,
    })
}

/// `GET /api/rollups`: how far the build of new measures' roll-ups is (HR and
/// administrators, who change the library).
#[utoipa::path(get, path = "/api/rollups", tag = "library",
    responses(
        (status = 200, description = "The build's progress", body = RollupBuilds),
        (status = 403, description = "Only HR and administrators change the library", body = ErrorBody),
    ))]
pub async fn rollups_api(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<Json<RollupBuilds>, WebError> {
    check(&me.viewer, "the indicator library")?;
    Ok(Json(rollup_builds(&state).await?))
}

/// `GET /admin/library`: the indicators (code, name, kind, formula, rule) and the schemes with
/// their weights (which sum to 100), each scheme's weights editable.
pub async fn library_page(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(q): Query<Saved>,
) -> Result<Html<String>, WebError> {
    let notice = q
        .saved
        .as_ref()
        .map(|v| i18n::fill(me.lang, "admin_weights_saved", &[("version", v.as_str())]));
    let outcome = Outcome {
        notice,
        ..Outcome::default()
    };
    render_library(&state, &me, outcome).await
}

/// `POST /admin/library/schemes/{code}`: fields `csrf` and `weight.<indicator>` (percent).
/// The weights become a new version of the scheme (audited, before and after); weights that
/// do not sum to exactly 100% save nothing: the page again (422) naming the field.
pub async fn save_weights(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(code): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let csrf = fields
        .iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.as_str());
    me.check_csrf(csrf)?;
    let typed: serde_json::Map<String, Value> = fields
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("weight.")
                .map(|i| (format!("{code}.{i}"), json!(v)))
        })
        .collect();
    let mut weights = Vec::new();
    let mut refused = None;
    for (k, v) in &fields {
        let Some(indicator) = k.strip_prefix("weight.") else {
            continue;
        };
        match v.trim().parse::<f64>() {
            Ok(w) => weights.push((indicator.to_string(), w)),
            Err(_) => {
                refused = Some(WebError::Invalid {
                    field: k.clone(),
                    message: format!("`{v}` is not a percentage such as 12.5"),
                });
                break;
            }
        }
    }
    let e = match refused {
        Some(e) => e,
        None => match state
            .store
            .set_scheme_weights(&me.viewer, &code, &weights)
            .await
        {
            Ok(version) => {
                let to = format!(
                    "/admin/library?saved={version}#scheme-{}",
                    crate::records::encode(&code)
                );
                return Ok(Redirect::to(&to).into_response());
            }
            Err(e) => WebError::from(e),
        },
    };
    let field = match &e {
        WebError::Invalid { field, .. } => Some(field.clone()),
        _ => return Err(e),
    };
    let outcome = Outcome {
        error: Some(format!(
            "{} {}",
            i18n::t(me.lang, "admin_weights_not_saved"),
            e.message()
        )),
        field,
        values: Some(Value::Object(typed)),
        ..Outcome::default()
    };
    let html = render_library(&state, &me, outcome).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
}

async fn render_formula(
    state: &AppState,
    me: &CurrentUser,
    code: &str,
    typed: Option<&str>,
    outcome: Outcome,
) -> Result<Html<String>, WebError> {
    check(&me.viewer, "the indicator library")?;
    let lib = state.store.library().await?;
    let Some(ind) = lib.library.indicator(code) else {
        return Err(WebError::NotFound(format!("indicator {code} not found")));
    };
    let people = state.store.employees(&me.viewer).await?;
    // The first person whose scheme counts this indicator is previewed first.
    let counts = |e: &kaohe_store::org::EmployeeView| {
        e.scheme_code
            .as_deref()
            .and_then(|c| lib.library.scheme(c))
            .or_else(|| lib.library.scheme_for_position(&e.position_code))
            .is_some_and(|s| s.indicator_codes().any(|c| c == code))
    };
    let chosen = people
        .iter()
        .find(|e| e.status != "left" && counts(e))
        .or(people.first())
        .map(|e| e.code.clone());
    let people: Vec<Value> = people
        .iter()
        .map(|e| json!({ "code": e.code, "name": e.name, "position": e.position }))
        .collect();
    let formula = typed
        .map(str::to_string)
        .or_else(|| ind.formula().map(|f| f.source().to_string()));
    let ctx = context! {
        indicator => indicator_row(me.lang, ind),
        formula,
        people,
        chosen,
        period => Period::month_of(state.today()).to_string(),
        version => lib.version,
        notice => outcome.notice,
        error => outcome.error,
        rollups => rollup_builds(state).await?,
    };
    render_page(state, me, "admin_formula.html", ctx)
}

/// `GET /admin/library/{code}`: the formula editor of one indicator.
pub async fn formula_page(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(code): Path<String>,
    Query(q): Query<Saved>,
) -> Result<Html<String>, WebError> {
    let notice = q
        .saved
        .as_ref()
        .map(|v| i18n::fill(me.lang, "admin_formula_saved", &[("version", v.as_str())]));
    let outcome = Outcome {
        notice,
        ..Outcome::default()
    };
    render_formula(&state, &me, &code, None, outcome).await
}

/// The formula form.
#[derive(Debug, Deserialize)]
pub struct FormulaForm {
    pub csrf: String,
    pub formula: String,
}

/// `POST /admin/library/{code}`: saves the formula as a new library version (audited, with
/// the formula before and after). An invalid formula saves nothing: the editor again (422)
/// with the error's position and the text as typed.
pub async fn save_formula(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(code): Path<String>,
    Form(f): Form<FormulaForm>,
) -> Result<Response, WebError> {
    me.check_csrf(Some(&f.csrf))?;
    match state
        .store
        .set_indicator_formula(&me.viewer, &code, &f.formula)
        .await
    {
        Ok(version) => {
            let to = format!(
                "/admin/library/{}?saved={version}",
                crate::records::encode(&code)
            );
            Ok(Redirect::to(&to).into_response())
        }
        Err(StoreError::Invalid { message, .. }) => {
            let error = format!("{} {message}", i18n::t(me.lang, "admin_formula_not_saved"));
            let outcome = Outcome {
                error: Some(error),
                ..Outcome::default()
            };
            let html = render_formula(&state, &me, &code, Some(&f.formula), outcome).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

// ---- the formula API ----------------------------------------------------------------------------

/// `{"formula": "count(calls where is_callback) / count(calls) * 100"}`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct FormulaText {
    /// The formula as typed (at most 4,000 characters).
    pub formula: String,
}

/// Whether a formula is valid and, when it is not, where and why.
#[derive(Debug, Serialize, ToSchema)]
pub struct FormulaCheck {
    /// Whether the formula is valid.
    pub ok: bool,
    /// The canonical text of a valid formula (same meaning, same text).
    pub canonical: Option<String>,
    /// The measures a valid formula reads.
    pub measures: Vec<String>,
    /// 1-based line of the error.
    pub line: Option<usize>,
    /// 1-based column (in characters) of the error.
    pub column: Option<usize>,
    /// The error's span in characters from the start of the formula (`start` inclusive,
    /// `end` exclusive), for highlighting.
    pub start: Option<usize>,
    pub end: Option<usize>,
    /// The error in the caller's language.
    pub message: Option<String>,
    pub message_zh: Option<String>,
    pub message_en: Option<String>,
    /// The offending line and a caret line under the error (`1 | …` / `  |    ^^^`).
    pub caret: Option<String>,
}

fn chars_before(source: &str, byte: usize) -> usize {
    let mut b = byte.min(source.len());
    while !source.is_char_boundary(b) {
        b -= 1;
    }
    source[..b].chars().count()
}

/// The answer about a refused formula.
pub fn error_answer(lang: Lang, source: &str, e: &FormulaError) -> FormulaCheck {
    let rendered = e.render(source);
    let lines: Vec<&str> = rendered.lines().collect();
    let caret = lines[lines.len().saturating_sub(2)..].join("\n");
    FormulaCheck {
        ok: false,
        canonical: None,
        measures: Vec::new(),
        line: Some(e.line),
        column: Some(e.column),
        start: Some(chars_before(source, e.span.start)),
        end: Some(chars_before(source, e.span.end)),
        message: Some(match lang {
            Lang::Zh => e.message_zh(),
            Lang::En => e.message_en(),
        }),
        message_zh: Some(e.message_zh()),
        message_en: Some(e.message_en()),
        caret: Some(caret),
    }
}

fn csrf_header(headers: &HeaderMap) -> Option<&str> {
    headers.get("x-csrf-token").and_then(|v| v.to_str().ok())
}

/// `POST /api/formula/check`: checks a formula as it is typed. Always 200 for a formula that
/// was read: `ok`, or the error with its line, column, span, caret and message.
#[utoipa::path(post, path = "/api/formula/check", tag = "library",
    request_body = FormulaText,
    responses(
        (status = 200, description = "Valid, or the error with its position", body = FormulaCheck),
        (status = 403, description = "Only HR and administrators edit formulas", body = ErrorBody),
        (status = 422, description = "A body that is not `{\"formula\": text}` (the field named)", body = ErrorBody),
    ))]
pub async fn check_api(
    me: CurrentUser,
    headers: HeaderMap,
    JsonBody(body): JsonBody<FormulaText>,
) -> Result<Json<FormulaCheck>, WebError> {
    me.check_csrf(csrf_header(&headers))?;
    check(&me.viewer, "the formula editor")?;
    Ok(Json(match CompiledFormula::parse(&body.formula) {
        Ok(f) => FormulaCheck {
            ok: true,
            canonical: Some(f.canonical()),
            measures: f.measures().iter().map(|m| m.key().to_string()).collect(),
            line: None,
            column: None,
            start: None,
            end: None,
            message: None,
            message_zh: None,
            message_en: None,
            caret: None,
        },
        Err(e) => error_answer(me.lang, &body.formula, &e),
    }))
}

/// A person: their 工号 (`"E001"`) or database id (`6`).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum PersonRef {
    Id(i64),
    Code(String),
}

/// `{"formula", "employee", "period", "indicator"}`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PreviewRequest {
    /// The formula as typed.
    pub formula: String,
    /// The person: 工号 (`"E001"`) or database id.
    #[schema(value_type = String, example = "E001")]
    pub employee: PersonRef,
    /// `2026-10`, `2026-Q4` or `2026`.
    pub period: String,
    /// The indicator whose target `target()` reads (optional).
    pub indicator: Option<String>,
}

/// The formula's value for the person and period.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewAnswer {
    pub period: String,
    pub employee_id: i64,
    pub employee_code: String,
    pub name: String,
    /// Null: not applicable (a zero denominator, a missing target).
    pub value: Option<f64>,
    /// The parts of `a / b` (or `a / b * k`), when the formula has that form.
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
    /// The target `target()` reads.
    pub target: Option<f64>,
    /// Working days of the period (`working_days()`).
    pub working_days: u32,
}

/// `POST /api/formula/preview`: the value of a formula (saved or not) for one person and
/// period, computed as their scorecard line would be. An invalid formula is 422 naming the
/// field `formula` with the error's position.
#[utoipa::path(post, path = "/api/formula/preview", tag = "library",
    request_body = PreviewRequest,
    responses(
        (status = 200, description = "The value, with numerator and denominator of a ratio", body = PreviewAnswer),
        (status = 403, description = "Only HR and administrators edit formulas", body = ErrorBody),
        (status = 404, description = "No such person in the caller's scope", body = ErrorBody),
        (status = 422, description = "An invalid formula, period or indicator", body = ErrorBody),
    ))]
pub async fn preview_api(
    State(state): State<AppState>,
    me: CurrentUser,
    headers: HeaderMap,
    JsonBody(body): JsonBody<PreviewRequest>,
) -> Result<Json<PreviewAnswer>, WebError> {
    me.check_csrf(csrf_header(&headers))?;
    check(&me.viewer, "the formula preview")?;
    let formula = CompiledFormula::parse(&body.formula).map_err(|e| {
        let message = match me.lang {
            Lang::Zh => e.message_zh(),
            Lang::En => e.message_en(),
        };
        WebError::Invalid {
            field: "formula".into(),
            message: format!("{}:{}: {message}", e.line, e.column),
        }
    })?;
    let period = Period::parse(body.period.trim()).map_err(|e| WebError::Invalid {
        field: "period".into(),
        message: e.to_string(),
    })?;
    let employee = match &body.employee {
        PersonRef::Id(id) => *id,
        PersonRef::Code(code) => {
            let code = code.split_whitespace().next().unwrap_or("");
            state.store.employee_by_code(&me.viewer, code).await?.id
        }
    };
    // A preview evaluates the formula over a month of records.
    let (store, viewer, indicator) = (state.store.clone(), me.viewer.clone(), body.indicator);
    let p = state
        .run_heavy(me.user.id, async move {
            store
                .preview_formula(&viewer, &formula, indicator.as_deref(), period, employee)
                .await
        })
        .await??;
    Ok(Json(PreviewAnswer {
        period: p.period,
        employee_id: p.employee_id,
        employee_code: p.employee_code,
        name: p.name,
        value: p.value,
        numerator: p.numerator,
        denominator: p.denominator,
        target: p.target,
        working_days: p.working_days,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_answer_counts_characters_and_carries_the_caret() {
        let src = "count(calls where 状态 = 1) +";
        let e = CompiledFormula::parse(src).unwrap_err();
        let a = error_answer(Lang::En, src, &e);
        assert!(!a.ok);
        assert!(a.end.unwrap() <= src.chars().count(), "{a:?}");
        let caret = a.caret.unwrap();
        assert_eq!(caret.lines().count(), 2, "{caret}");
        assert!(caret.ends_with('^'), "{caret}");
    }

    #[test]
    fn rules_read_as_a_line_in_both_languages() {
        let r = ScoringRule::Deduction {
            full: 100.0,
            per_occurrence: 10.0,
        };
        assert_eq!(
            rule_text(Lang::En, &r, Direction::Lower),
            "100 minus 10 per occurrence"
        );
        assert_eq!(
            rule_text(Lang::Zh, &r, Direction::Lower),
            "100 分，每次扣 10 分"
        );
    }
}
