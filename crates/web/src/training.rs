//! Training, team meetings and customer credit in the browser and the JSON API: the training
//! report (plan vs done, attendance, pass rates, indicator change), each team's weekly
//! meetings with the missed weeks flagged and the decisions with their owners, and customer
//! credit (statuses, receivables ageing, managers' approvals with the form that records one).
//! The store scopes every list to the viewer and refuses what the viewer may not do.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::WebError;
use crate::extract::{JsonBody, Query};
use crate::openapi::{ErrorBody, RefusalBody};
use crate::pages::{kept_view, render_page};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Form, Json};
use chrono::{Datelike, NaiveDate, TimeDelta};
use kaohe_domain::Cents;
use kaohe_domain::credit::{AgeBucket, CreditCheck};
use kaohe_domain::import::cell::parse_money;
use kaohe_domain::probation::Verdict;
use kaohe_domain::roles::Role;
use kaohe_domain::training::CourseReport;
use kaohe_store::Sql;
use kaohe_store::credit::{AgeingBy, AgeingRow, ApprovalInput, ApprovalKind, ApprovalRow};
use kaohe_store::meetings::{DecisionRow, TeamWeek};
use minijinja::context;
use serde::{Deserialize, Serialize};

fn invalid(field: &str, message: impl Into<String>) -> WebError {
    WebError::Invalid {
        field: field.into(),
        message: message.into(),
    }
}

/// `?year=2026`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct YearQuery {
    /// The plan year (default: this year).
    pub year: Option<i32>,
}

/// A course line as shown.
#[derive(Debug, Serialize)]
struct CourseLine {
    #[serde(flatten)]
    report: CourseReport,
    done: bool,
    attendance_pct: Option<String>,
    pass_rate_pct: Option<String>,
    before: Option<String>,
    after: Option<String>,
    change: Option<String>,
}

fn fmt1(v: Option<f64>) -> Option<String> {
    v.map(|v| format!("{v:.1}"))
}

/// `GET /api/training/report?year=`: the year's courses as JSON.
#[utoipa::path(get, path = "/api/training/report", tag = "training", params(YearQuery),
    responses(
        (status = 200, description = "Each course of the year: sessions, attendance, pass rate, the indicator before and after", body = Vec<Object>),
        (status = 422, description = "Not a plan year", body = ErrorBody),
    ))]
pub async fn report_api(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(q): Query<YearQuery>,
) -> Result<Json<Vec<CourseReport>>, WebError> {
    let year = q.year.unwrap_or_else(|| state.today().year());
    Ok(Json(state.store.training_report(&me.viewer, year).await?))
}

/// What the training page shows: the report, the needs and, for HR, managers, team leaders,
/// the committee and administrators, the people on probation with the conversion
/// recommendation (HR and managers get the form that decides).
async fn training_context(
    state: &AppState,
    me: &CurrentUser,
    year: i32,
    error: Option<String>,
) -> Result<minijinja::Value, WebError> {
    if !(2000..=2100).contains(&year) {
        return Err(invalid("year", format!("`{year}` is not a plan year")));
    }
    let courses: Vec<CourseLine> = state
        .store
        .training_report(&me.viewer, year)
        .await?
        .into_iter()
        .map(|r| CourseLine {
            done: r.done(),
            attendance_pct: fmt1(r.attendance_pct()),
            pass_rate_pct: fmt1(r.pass_rate_pct()),
            before: fmt1(r.before),
            after: fmt1(r.after),
            change: r.change().map(|c| format!("{c:+.1}")),
            report: r,
        })
        .collect();
    let planned = courses.len();
    let done = courses.iter().filter(|c| c.done).count();
    let needs = state.store.training_need_summary(&me.viewer).await?;
    let sees_probation = matches!(
        me.viewer.role,
        Role::Hr | Role::Manager | Role::TeamLeader | Role::Committee | Role::Admin
    );
    let zh = me.lang == crate::i18n::Lang::Zh;
    let probation: Vec<_> = if sees_probation {
        state
            .store
            .probation_inputs(&me.viewer, state.today())
            .await?
            .into_iter()
            .map(|p| {
                let a = &p.assessment;
                let recommendation = a.recommendation.map(|r| r.as_str());
                let basis = if zh { &a.basis_zh } else { &a.basis_en };
                context! {
                    employee_id => p.employee_id, code => p.code, name => p.name,
                    hired_on => p.hired_on, ends_on => a.ends_on, due => a.due,
                    mean => fmt1(a.mean), recommendation, basis, decided => p.decided,
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    let may_decide = matches!(me.viewer.role, Role::Hr | Role::Manager);
    Ok(
        context! { year, courses, planned, done, needs, sees_probation, probation, may_decide, error },
    )
}

/// `GET /training?year=`: the training report, what people asked to learn and the probation
/// conversions.
pub async fn page(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(q): Query<YearQuery>,
) -> Result<Html<String>, WebError> {
    let year = q.year.unwrap_or_else(|| state.today().year());
    let build = training_context(&state, &me, year, None);
    let ctx = kept_view(&state, &me, "training", year.to_string(), build).await?;
    render_page(&state, &me, "training.html", ctx)
}

/// A probation decision as the form submits it.
#[derive(Debug, Deserialize)]
pub struct ProbationForm {
    /// The person's database id.
    pub employee: i64,
    /// `convert`, `extend` or `reject`.
    pub decision: String,
    #[serde(default)]
    pub reason: String,
    /// The session's CSRF token.
    #[serde(default)]
    pub csrf: Option<String>,
}

/// `POST /training/probation`: HR or a manager decides a probation; back to the page, or the
/// page with the reason it was refused.
pub async fn probation_form(
    State(state): State<AppState>,
    me: CurrentUser,
    Form(f): Form<ProbationForm>,
) -> Result<Response, WebError> {
    me.check_csrf(f.csrf.as_deref())?;
    let decided = match Verdict::parse(&f.decision) {
        None => Err(invalid(
            "decision",
            format!("`{}` is not one of: convert, extend, reject", f.decision),
        )),
        Some(v) => state
            .store
            .decide_probation(&me.viewer, f.employee, v, &f.reason, state.today())
            .await
            .map(|_| ())
            .map_err(WebError::store(me.lang)),
    };
    match decided {
        Ok(()) => Ok(Redirect::to("/training#probation").into_response()),
        Err(
            e @ (WebError::Refused { .. }
            | WebError::Invalid { .. }
            | WebError::Forbidden(_)
            | WebError::NotFound(_)),
        ) => {
            let status = e.status();
            let year = state.today().year();
            let ctx = training_context(&state, &me, year, Some(e.message())).await?;
            Ok((status, render_page(&state, &me, "training.html", ctx)?).into_response())
        }
        Err(e) => Err(e),
    }
}

/// `?from=2026-09-01&to=2026-10-31` (default: the last eight weeks).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WeeksQuery {
    /// First day (default: seven weeks before `to`).
    pub from: Option<NaiveDate>,
    /// Last day (default: today).
    pub to: Option<NaiveDate>,
}

fn range(state: &AppState, q: &WeeksQuery) -> Result<(NaiveDate, NaiveDate), WebError> {
    let to = crate::extract::plausible_day("to", q.to.unwrap_or_else(|| state.today()))?;
    let from = match q.from {
        Some(d) => crate::extract::plausible_day("from", d)?,
        None => to - TimeDelta::days(7 * 7),
    };
    if from > to {
        return Err(invalid("from", format!("{from} is after {to}")));
    }
    if (to - from).num_days() > 366 {
        return Err(invalid("from", "at most one year at a time"));
    }
    Ok((from, to))
}

/// `GET /api/meetings/weeks?from=&to=`: each team's weeks (held, missed, open, not owed).
#[utoipa::path(get, path = "/api/meetings/weeks", tag = "training", params(WeeksQuery),
    responses(
        (status = 200, description = "Each team's weeks", body = Vec<Object>),
        (status = 422, description = "`from` after `to`, or more than a year", body = ErrorBody),
    ))]
pub async fn weeks_api(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(q): Query<WeeksQuery>,
) -> Result<Json<Vec<TeamWeek>>, WebError> {
    let (from, to) = range(&state, &q)?;
    let today = state.today();
    Ok(Json(
        state
            .store
            .meeting_weeks(&me.viewer, from, to, today)
            .await?,
    ))
}

/// `GET /api/meetings/decisions`: the decisions the viewer may see.
#[utoipa::path(get, path = "/api/meetings/decisions", tag = "training",
    responses((status = 200, description = "Meeting decisions with owners and due dates", body = Vec<Object>)))]
pub async fn decisions_api(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<Json<Vec<DecisionRow>>, WebError> {
    Ok(Json(
        state.store.meeting_decisions(&me.viewer, false).await?,
    ))
}

/// One team's row of the weeks grid.
#[derive(Debug, Serialize)]
struct TeamRow {
    code: String,
    name: String,
    weeks: Vec<(NaiveDate, &'static str)>,
    missed: usize,
}

/// `GET /meetings`: the weeks grid (missed weeks flagged) and the decisions.
pub async fn meetings_page(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(q): Query<WeeksQuery>,
) -> Result<Html<String>, WebError> {
    let (from, to) = range(&state, &q)?;
    let today = state.today();
    let weeks = state
        .store
        .meeting_weeks(&me.viewer, from, to, today)
        .await?;
    let mut teams: Vec<TeamRow> = Vec::new();
    for w in weeks {
        if teams.last().is_none_or(|t| t.code != w.team_code) {
            teams.push(TeamRow {
                code: w.team_code.clone(),
                name: w.team_name.clone(),
                weeks: Vec::new(),
                missed: 0,
            });
        }
        if let Some(t) = teams.last_mut() {
            t.missed += usize::from(w.status == kaohe_domain::meeting::WeekStatus::Missed);
            t.weeks.push((w.week, w.status.as_str()));
        }
    }
    let mondays: Vec<NaiveDate> = teams
        .first()
        .map(|t| t.weeks.iter().map(|w| w.0).collect())
        .unwrap_or_default();
    let decisions: Vec<_> = state
        .store
        .meeting_decisions(&me.viewer, false)
        .await?
        .into_iter()
        .map(|d| {
            let overdue = d.done_on.is_none() && d.due_on < today;
            context! { d, overdue }
        })
        .collect();
    render_page(
        &state,
        &me,
        "meetings.html",
        context! { teams, mondays, decisions, from, to },
    )
}

/// `?by=customer|rep&as_of=2026-10-31`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AgeingQuery {
    /// `customer` (default) or `rep`.
    pub by: Option<String>,
    /// The day asked (default: today).
    pub as_of: Option<NaiveDate>,
}

fn ageing_by(text: Option<&str>) -> Result<AgeingBy, WebError> {
    match text.unwrap_or("customer") {
        "customer" | "" => Ok(AgeingBy::Customer),
        "rep" => Ok(AgeingBy::Rep),
        other => Err(invalid(
            "by",
            format!("`{other}` is not one of: customer, rep"),
        )),
    }
}

/// `GET /api/credit/ageing?by=&as_of=`: receivables ageing per customer or rep.
#[utoipa::path(get, path = "/api/credit/ageing", tag = "training", params(AgeingQuery),
    responses(
        (status = 200, description = "Receivables per age bucket", body = Vec<Object>),
        (status = 422, description = "`by` is not customer or rep", body = ErrorBody),
    ))]
pub async fn ageing_api(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(q): Query<AgeingQuery>,
) -> Result<Json<Vec<AgeingRow>>, WebError> {
    let by = ageing_by(q.by.as_deref())?;
    let as_of = crate::extract::plausible_day("as_of", q.as_of.unwrap_or_else(|| state.today()))?;
    Ok(Json(state.store.ageing(&me.viewer, as_of, by).await?))
}

/// `?customer=KH-…&amount=1234.50`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CheckQuery {
    /// The customer's 客户档案编号.
    #[param(example = "KH-2024-000061")]
    pub customer: String,
    /// Yuan (`1234.50`).
    #[param(example = "1234.50")]
    pub amount: String,
}

async fn customer_id(state: &AppState, archive_no: &str) -> Result<i64, WebError> {
    let mut sql = Sql::new("SELECT id FROM customers WHERE archive_no = ");
    sql.bind(archive_no.trim());
    state
        .store
        .fetch_optional::<(i64,)>(&sql)
        .await?
        .map(|r| r.0)
        .ok_or_else(|| WebError::NotFound(format!("customer {archive_no} not found")))
}

fn amount(text: &str) -> Result<Cents, WebError> {
    parse_money(text).map_err(|m| invalid("amount", m))
}

/// `GET /api/credit/check?customer=&amount=`: whether the amount needs a manager's approval
/// (a form asks before saving an order or contract).
#[utoipa::path(get, path = "/api/credit/check", tag = "training", params(CheckQuery),
    responses(
        (status = 200, description = "The check: limit, outstanding, whether approval is needed", body = Object),
        (status = 404, description = "No such customer in scope", body = ErrorBody),
        (status = 422, description = "A malformed amount", body = ErrorBody),
    ))]
pub async fn check_api(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(q): Query<CheckQuery>,
) -> Result<Json<CreditCheck>, WebError> {
    let id = customer_id(&state, &q.customer).await?;
    let today = state.today();
    Ok(Json(
        state
            .store
            .credit_check(&me.viewer, id, amount(&q.amount)?, today)
            .await?,
    ))
}

/// An approval as a form or JSON body submits it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ApprovalForm {
    /// `order` or `contract`.
    pub kind: String,
    /// The order or contract number.
    pub ref_no: String,
    /// 客户档案编号.
    pub customer: String,
    /// Yuan.
    pub amount: String,
    /// Why the manager approves it.
    pub reason: String,
    /// The session's CSRF token (forms only; the API sends `x-csrf-token`).
    #[serde(default)]
    pub csrf: Option<String>,
}

async fn approve(state: &AppState, me: &CurrentUser, f: &ApprovalForm) -> Result<i64, WebError> {
    let kind = ApprovalKind::parse(&f.kind).ok_or_else(|| {
        invalid(
            "kind",
            format!("`{}` is not one of: order, contract", f.kind),
        )
    })?;
    let input = ApprovalInput {
        kind,
        customer_id: customer_id(state, &f.customer).await?,
        ref_no: f.ref_no.clone(),
        amount: amount(&f.amount)?,
        reason: f.reason.clone(),
    };
    state
        .store
        .approve_credit(&me.viewer, &input)
        .await
        .map_err(WebError::store(me.lang))
}

/// `{"id": id}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Created {
    /// The new row's id.
    pub id: i64,
}

/// `POST /api/credit/approvals`: a manager approves an order or contract beyond the limit.
#[utoipa::path(post, path = "/api/credit/approvals", tag = "training",
    request_body = ApprovalForm,
    responses(
        (status = 200, description = "Approved", body = Created),
        (status = 404, description = "No such customer in scope", body = ErrorBody),
        (status = 409, description = "Refused by the credit rules", body = RefusalBody),
        (status = 422, description = "A bad kind, amount or a missing reason", body = ErrorBody),
    ))]
pub async fn approve_api(
    State(state): State<AppState>,
    me: CurrentUser,
    headers: HeaderMap,
    JsonBody(f): JsonBody<ApprovalForm>,
) -> Result<Json<serde_json::Value>, WebError> {
    me.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))?;
    let id = approve(&state, &me, &f).await?;
    Ok(Json(serde_json::json!({ "id": id })))
}

/// `GET /api/credit/approvals`: the approvals the viewer may see.
#[utoipa::path(get, path = "/api/credit/approvals", tag = "training",
    responses((status = 200, description = "Managers' credit approvals", body = Vec<Object>)))]
pub async fn approvals_api(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<Json<Vec<ApprovalRow>>, WebError> {
    Ok(Json(state.store.credit_approvals(&me.viewer).await?))
}

/// What the credit page shows.
/// At most this many customers (or reps) in each list of the credit page.
const PAGE_ROWS: usize = 100;

async fn credit_context(
    state: &AppState,
    me: &CurrentUser,
    q: &AgeingQuery,
    error: Option<String>,
) -> Result<minijinja::Value, WebError> {
    let by = ageing_by(q.by.as_deref())?;
    let today = state.today();
    let as_of = crate::extract::plausible_day("as_of", q.as_of.unwrap_or(today))?;
    let (mut statuses, mut ageing, approvals) = tokio::try_join!(
        state.store.credit_statuses(&me.viewer, today),
        state.store.ageing(&me.viewer, as_of, by),
        state.store.credit_approvals(&me.viewer),
    )?;
    // The page lists what needs attention first and at most a screenful of it; the API and
    // its ageing endpoint give every row.
    let (statuses_all, ageing_all) = (statuses.len(), ageing.len());
    statuses.sort_by_key(|s| {
        let flagged = s.over_limit || s.watch || s.review_overdue;
        (!flagged, std::cmp::Reverse(s.outstanding.0))
    });
    statuses.truncate(PAGE_ROWS);
    ageing.sort_by_key(|r| std::cmp::Reverse(r.ageing.total().0));
    ageing.truncate(PAGE_ROWS);
    let ageing: Vec<_> = ageing
        .into_iter()
        .map(|r| {
            let cells: Vec<String> = AgeBucket::ALL
                .iter()
                .map(|b| r.ageing.get(*b).to_string())
                .collect();
            context! { code => r.code, name => r.name, cells, total => r.ageing.total().to_string() }
        })
        .collect();
    let zh = me.lang == crate::i18n::Lang::Zh;
    let buckets: Vec<&str> = AgeBucket::ALL
        .iter()
        .map(|b| if zh { b.label().0 } else { b.label().1 })
        .collect();
    let may_approve = matches!(
        me.viewer.role,
        kaohe_domain::roles::Role::Manager | kaohe_domain::roles::Role::Admin
    );
    Ok(context! {
        statuses, ageing, buckets, approvals, may_approve, error, statuses_all, ageing_all,
        by => if by == AgeingBy::Rep { "rep" } else { "customer" },
        as_of,
    })
}

/// `GET /credit?by=&as_of=`: credit statuses, ageing and approvals.
pub async fn credit_page(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(q): Query<AgeingQuery>,
) -> Result<Html<String>, WebError> {
    let params = format!("{:?} {:?}", q.by, q.as_of);
    let build = credit_context(&state, &me, &q, None);
    let ctx = kept_view(&state, &me, "credit", params, build).await?;
    render_page(&state, &me, "credit.html", ctx)
}

/// `POST /credit/approve`: the approval form; back to the page, or the page with the reason.
pub async fn approve_form(
    State(state): State<AppState>,
    me: CurrentUser,
    Form(f): Form<ApprovalForm>,
) -> Result<Response, WebError> {
    me.check_csrf(f.csrf.as_deref())?;
    match approve(&state, &me, &f).await {
        Ok(_) => Ok(Redirect::to("/credit").into_response()),
        Err(
            e @ (WebError::Refused { .. }
            | WebError::Invalid { .. }
            | WebError::Forbidden(_)
            | WebError::NotFound(_)),
        ) => {
            let status = e.status();
            let q = AgeingQuery {
                by: None,
                as_of: None,
            };
            let ctx = credit_context(&state, &me, &q, Some(e.message())).await?;
            Ok((status, render_page(&state, &me, "credit.html", ctx)?).into_response())
        }
        Err(e) => Err(e),
    }
}
