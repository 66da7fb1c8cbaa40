//! Finance's page of a month (issue 22): every performance bonus and confirmed award per
//! person with its status, totals per department, the payroll export as CSV and xlsx (the
//! same rows and files as `kaohe bonus export`), and marking rows paid in bulk (audited).
//! Finance and administrators use it; HR reads it. Money is shown in yuan with 2 decimals.
//!
//! Commission (提成) has no amount anywhere in the store yet: the table keeps a hidden
//! placeholder column for it, so that adding it later changes no layout.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::awards::month;
use crate::error::WebError;
use crate::extract::Path;
use crate::i18n::{self, Lang};
use crate::openapi::ErrorBody;
use crate::pages::render_page;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{Html, IntoResponse, Response};
use axum::{Form, Json};
use kaohe_domain::period::Period;
use kaohe_domain::roles::Role;
use kaohe_store::awards::AwardRow;
use kaohe_store::finance::FinanceBonus;
use minijinja::context;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Yuan with 2 decimals and thousands separators, never cents: `¥12,345.60`.
pub fn yuan(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    let whole = i18n::number((abs / 100) as f64, 0);
    format!("{sign}¥{whole}.{:02}", abs % 100)
}

/// One department's sums, in cents.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct DepartmentTotal {
    pub department: String,
    pub bonus_cents: i64,
    pub award_cents: i64,
    pub total_cents: i64,
}

/// Finance's view of a month.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FinanceView {
    pub period: String,
    #[schema(value_type = Vec<Object>)]
    pub bonuses: Vec<FinanceBonus>,
    /// Confirmed and paid awards in the viewer's scope, with the department they count to
    /// and the recipient's name.
    #[schema(value_type = Vec<Object>)]
    pub awards: Vec<(AwardRow, String, Option<String>)>,
    pub departments: Vec<DepartmentTotal>,
    pub bonus_cents: i64,
    pub award_cents: i64,
    pub total_cents: i64,
}

/// Reads the month: the store refuses roles other than finance, administrators and HR.
async fn load(state: &AppState, me: &CurrentUser, period: Period) -> Result<FinanceView, WebError> {
    let store = &state.store;
    let bonuses = store
        .finance_bonuses(&me.viewer, period)
        .await
        .map_err(WebError::store(me.lang))?;
    let people: BTreeMap<i64, String> = store
        .employees(&me.viewer)
        .await?
        .into_iter()
        .map(|e| (e.id, e.department))
        .collect();
    let teams: BTreeMap<i64, i64> = store
        .teams()
        .await?
        .into_iter()
        .map(|t| (t.id, t.department_id))
        .collect();
    let dept_names: BTreeMap<i64, String> = store
        .departments()
        .await?
        .into_iter()
        .map(|d| (d.id, d.name))
        .collect();
    let awards: Vec<(AwardRow, String, Option<String>)> = store
        .awards_in_scope(&me.viewer, period)
        .await?
        .into_iter()
        .filter(|(a, _)| matches!(a.status.as_str(), "confirmed" | "paid"))
        .map(|(a, who)| {
            let dept = match (a.employee_id, a.team_id) {
                (Some(e), _) => people.get(&e).cloned(),
                (None, Some(t)) => teams.get(&t).and_then(|d| dept_names.get(d)).cloned(),
                _ => None,
            };
            (a, dept.unwrap_or_default(), who)
        })
        .collect();
    let mut by_dept: BTreeMap<String, DepartmentTotal> = BTreeMap::new();
    for b in &bonuses {
        let t = by_dept
            .entry(b.department.clone())
            .or_insert_with(|| DepartmentTotal {
                department: b.department.clone(),
                ..Default::default()
            });
        t.bonus_cents += b.amount_cents;
        t.total_cents += b.amount_cents;
    }
    for (a, d, _) in &awards {
        let t = by_dept.entry(d.clone()).or_insert_with(|| DepartmentTotal {
            department: d.clone(),
            ..Default::default()
        });
        t.award_cents += a.amount_cents;
        t.total_cents += a.amount_cents;
    }
    let bonus_cents = bonuses.iter().map(|b| b.amount_cents).sum();
    let award_cents = awards.iter().map(|(a, ..)| a.amount_cents).sum();
    Ok(FinanceView {
        period: period.to_string(),
        bonuses,
        awards,
        departments: by_dept.into_values().collect(),
        bonus_cents,
        award_cents,
        total_cents: bonus_cents + award_cents,
    })
}

fn may_pay(me: &CurrentUser) -> bool {
    matches!(me.viewer.role, Role::Finance | Role::Admin)
}

fn status_name(lang: Lang, status: &str) -> &'static str {
    i18n::t(lang, &format!("finance_status_{status}"))
}

/// What the page shows of `view`.
fn page_context(
    me: &CurrentUser,
    period: Period,
    view: &FinanceView,
    lib: &kaohe_domain::library::Library,
    book: &kaohe_domain::awards::AwardBook,
) -> minijinja::Value {
    let lang = me.lang;
    let payer = may_pay(me);
    let bonuses: Vec<minijinja::Value> = view
        .bonuses
        .iter()
        .map(|b| {
            context! {
                id => b.employee_id, code => b.employee_code, name => b.name,
                department => b.department,
                score => b.score.map(|s| i18n::number(s, 2)),
                grade => crate::boards::grade_name(lib, lang, &b.grade),
                coefficient => i18n::number(b.coefficient, 2),
                base => yuan(b.base_cents), amount => yuan(b.amount_cents),
                status => b.status, status_name => status_name(lang, &b.status),
                payable => payer && b.status != "paid",
            }
        })
        .collect();
    let awards: Vec<minijinja::Value> = view
        .awards
        .iter()
        .map(|(a, dept, who)| {
            let rule = book.awards().iter().find(|r| r.code == a.rule_code).map_or(
                a.rule_code.clone(),
                |r| match lang {
                    Lang::Zh => r.name_zh.clone(),
                    Lang::En => r.name_en.clone(),
                },
            );
            context! {
                id => a.id, rule, department => dept, amount => yuan(a.amount_cents),
                recipient => who, team => a.team_id.is_some(),
                status => a.status, status_name => status_name(lang, &a.status),
                payable => payer && a.status == "confirmed",
            }
        })
        .collect();
    let departments: Vec<minijinja::Value> = view
        .departments
        .iter()
        .map(|d| {
            context! {
                name => d.department, bonus => yuan(d.bonus_cents), award => yuan(d.award_cents),
                total => yuan(d.total_cents),
            }
        })
        .collect();
    context! {
        period => period.to_string(),
        period_name => i18n::period(lang, period),
        prev => period.prev().to_string(),
        next => period.next().to_string(),
        bonuses, awards, departments,
        bonus_total => yuan(view.bonus_cents), award_total => yuan(view.award_cents),
        grand_total => yuan(view.total_cents),
        may_pay => payer,
    }
}

async fn render(
    state: &AppState,
    me: &CurrentUser,
    period: Period,
    notice: Option<String>,
) -> Result<Html<String>, WebError> {
    let view = load(state, me, period).await?;
    let lib = state.store.library().await?;
    let book = state.store.award_book().await?;
    let ctx = page_context(me, period, &view, &lib.library, &book);
    render_page(state, me, "finance.html", context! { notice, ..ctx })
}

/// `GET /finance/{period}`: the month's bonuses, awards, totals, downloads and paid marks.
pub async fn page(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(period): Path<String>,
) -> Result<Html<String>, WebError> {
    let period = month(&period)?;
    render(&state, &me, period, None).await
}

/// `GET /finance`: last month's page.
pub async fn index(State(state): State<AppState>) -> axum::response::Redirect {
    let p = Period::month_of(state.today()).prev();
    axum::response::Redirect::to(&format!("/finance/{p}"))
}

/// A file download with its name.
fn download(bytes: Vec<u8>, mime: &'static str, name: &str) -> Response {
    let disposition = format!("attachment; filename=\"{name}\"");
    (
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response()
}

/// `GET /finance/{period}/payroll.csv` and `.xlsx`: the payroll rows (audited as an export).
pub async fn payroll(
    State(state): State<AppState>,
    me: CurrentUser,
    Path((period, file)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let period = month(&period)?;
    let rows = state
        .store
        .payroll(&me.viewer, period)
        .await
        .map_err(WebError::store(me.lang))?;
    let name = format!("payroll-{period}");
    match file.as_str() {
        "payroll.csv" => {
            let bytes = kaohe_store::export::payroll_csv(&rows)
                .map_err(|e| WebError::Internal(e.to_string()))?;
            Ok(download(
                bytes,
                "text/csv; charset=utf-8",
                &format!("{name}.csv"),
            ))
        }
        "payroll.xlsx" => {
            let bytes = kaohe_store::export::payroll_xlsx(&rows)
                .map_err(|e| WebError::Internal(e.to_string()))?;
            let mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
            Ok(download(bytes, mime, &format!("{name}.xlsx")))
        }
        other => Err(WebError::NotFound(format!(
            "{other}: the payroll downloads are payroll.csv and payroll.xlsx"
        ))),
    }
}

/// What [`mark_paid`] did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PaidOutcome {
    /// Employee ids whose bonus is paid now.
    pub bonuses_paid: Vec<i64>,
    /// Award ids paid now.
    pub awards_paid: Vec<i64>,
    /// What was not marked, and why.
    pub refused: Vec<String>,
}

/// Marks the chosen bonuses (by employee id) and awards (by id) paid.
async fn mark_paid(
    state: &AppState,
    me: &CurrentUser,
    period: Period,
    bonuses: &[i64],
    awards: &[i64],
) -> Result<PaidOutcome, WebError> {
    let store = &state.store;
    let marked = store
        .mark_bonuses_paid(&me.viewer, period, bonuses)
        .await
        .map_err(WebError::store(me.lang))?;
    let mut refused: Vec<String> = marked
        .already
        .iter()
        .map(|id| format!("bonus of employee {id}: paid already (已发放)"))
        .chain(
            marked
                .unknown
                .iter()
                .map(|id| format!("employee {id}: no bonus of {period} (无本期奖金)")),
        )
        .collect();
    let mut awards_paid = Vec::new();
    for &id in awards {
        match store.mark_award_paid(&me.viewer, id).await {
            Ok(()) => awards_paid.push(id),
            Err(e) => refused.push(format!(
                "award {id}: {}",
                WebError::from(e).in_lang(me.lang).message()
            )),
        }
    }
    Ok(PaidOutcome {
        bonuses_paid: marked.paid,
        awards_paid,
        refused,
    })
}

/// `POST /finance/{period}/paid`: the checked rows (`bonus=<employee id>`, `award=<id>`,
/// repeated) marked paid; the page again with what was done.
pub async fn paid_form(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(period): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Html<String>, WebError> {
    let csrf = fields
        .iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.as_str());
    me.check_csrf(csrf)?;
    let period = month(&period)?;
    let ids = |key: &str| -> Result<Vec<i64>, WebError> {
        fields
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| {
                v.trim().parse::<i64>().map_err(|_| WebError::Invalid {
                    field: key.into(),
                    message: format!("`{v}` is not a row id"),
                })
            })
            .collect()
    };
    let (bonuses, awards) = (ids("bonus")?, ids("award")?);
    if bonuses.is_empty() && awards.is_empty() {
        return Err(WebError::Invalid {
            field: "bonus".into(),
            message: "tick the rows that were paid (请勾选已发放的行)".into(),
        });
    }
    let done = mark_paid(&state, &me, period, &bonuses, &awards).await?;
    let notice = i18n::fill(
        me.lang,
        "finance_marked_paid",
        &[(
            "n",
            &(done.bonuses_paid.len() + done.awards_paid.len()).to_string(),
        )],
    );
    let notice = std::iter::once(notice)
        .chain(done.refused)
        .collect::<Vec<_>>()
        .join(" · ");
    render(&state, &me, period, Some(notice)).await
}

/// `{"bonuses": [employee ids], "awards": [award ids]}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PaidBody {
    #[serde(default)]
    pub bonuses: Vec<i64>,
    #[serde(default)]
    pub awards: Vec<i64>,
}

/// `GET /api/finance/{period}`: the month's bonuses, awards and totals per department (cents).
#[utoipa::path(get, path = "/api/finance/{period}", tag = "awards",
    params(("period" = String, Path, description = "The month, `YYYY-MM`")),
    responses(
        (status = 200, description = "Bonuses, confirmed and paid awards, totals per department, in cents", body = FinanceView),
        (status = 403, description = "Not finance, HR or an administrator", body = ErrorBody),
    ))]
pub async fn api(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(period): Path<String>,
) -> Result<Json<FinanceView>, WebError> {
    let period = month(&period)?;
    Ok(Json(load(&state, &me, period).await?))
}

/// `POST /api/finance/{period}/paid`: marks bonuses (by employee id) and awards paid
/// (finance or an administrator; audited).
#[utoipa::path(post, path = "/api/finance/{period}/paid", tag = "awards",
    params(("period" = String, Path, description = "The month, `YYYY-MM`")),
    request_body = PaidBody,
    responses(
        (status = 200, description = "What was marked paid and what was not (why)", body = PaidOutcome),
        (status = 403, description = "Not finance or an administrator", body = ErrorBody),
    ))]
pub async fn paid_api(
    State(state): State<AppState>,
    me: CurrentUser,
    headers: HeaderMap,
    Path(period): Path<String>,
    crate::extract::JsonBody(body): crate::extract::JsonBody<PaidBody>,
) -> Result<Json<PaidOutcome>, WebError> {
    me.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))?;
    let period = month(&period)?;
    Ok(Json(
        mark_paid(&state, &me, period, &body.bonuses, &body.awards).await?,
    ))
}
