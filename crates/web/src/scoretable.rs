//! The official score table (考核评分表) as a print-friendly page, mirroring the xlsx of
//! `kaohe export scoretable`: header (person, department, position, period, scheme), one row
//! per indicator with weight, scoring standard, value, score and weighted score, the totals,
//! the grade, and the signature lines of the person and the rater with dates; A4 print CSS.
//!
//! The stored scorecard of the period is shown when there is one (what was approved); before
//! the period is evaluated, the live score of today, marked as such.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::WebError;
use crate::i18n::Lang;
use crate::scorecard::{CardView, LineView, ScorecardQuery};
use axum::extract::{Query, State};
use axum::response::Html;
use chrono::Utc;
use kaohe_domain::library::Library;
use kaohe_domain::period::Period;
use kaohe_store::evaluate::StoredScorecard;
use serde::{Deserialize, Serialize};

/// One indicator row of the table.
#[derive(Debug, Serialize)]
struct TableRow {
    n: usize,
    name: String,
    weight: f64,
    standard: String,
    value: Option<f64>,
    score: Option<f64>,
    weighted: f64,
    applicable: bool,
}

fn rows(card: &CardView, library: &Library, lang: Lang) -> Vec<TableRow> {
    card.lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let indicator = library.indicator(&l.code);
            let standard = indicator.map_or(String::new(), |ind| {
                let (target, text) = match lang {
                    Lang::Zh => ("目标", &ind.definition_zh),
                    Lang::En => ("Target", &ind.definition_en),
                };
                match ind.target {
                    Some(t) => format!("{target} {t}; {text}"),
                    None => text.clone(),
                }
            });
            TableRow {
                n: i + 1,
                name: l.name.clone(),
                weight: l.effective_weight,
                standard,
                value: l.value,
                score: l.score,
                weighted: l.score.map_or(0.0, |s| s * l.effective_weight / 100.0),
                applicable: l.applicable,
            }
        })
        .collect()
}

/// The stored scorecard as the page's card.
fn stored_card(c: StoredScorecard, library: &Library, lang: Lang) -> CardView {
    let detail: serde_json::Value = serde_json::from_str(&c.detail).unwrap_or_default();
    let name_of = |code: &str| {
        library
            .indicator(code)
            .map_or(code.to_string(), |i| match lang {
                Lang::Zh => i.name_zh.clone(),
                Lang::En => i.name_en.clone(),
            })
    };
    let lines = c
        .lines
        .iter()
        .map(|l| LineView {
            code: l.indicator_code.clone(),
            name: name_of(&l.indicator_code),
            value: l.value,
            score: l.score,
            weight: l.weight,
            effective_weight: l.effective_weight,
            applicable: l.applicable,
        })
        .collect();
    CardView {
        period: c.period,
        live: false,
        employee_id: c.employee_id,
        employee_code: c.employee_code,
        name: c.name,
        scheme: c.scheme_code,
        total: detail["total_rounded"].as_f64().or(c.total),
        grade_name: c.grade.as_deref().map(|g| grade_name(g, lang).to_string()),
        grade: c.grade,
        bonus_coefficient: c.bonus_coefficient,
        lines,
        published: None,
    }
}

fn grade_name(code: &str, lang: Lang) -> &str {
    match (code, lang) {
        ("excellent", Lang::Zh) => "优秀",
        ("good", Lang::Zh) => "良好",
        ("pass", Lang::Zh) => "合格",
        ("fail", Lang::Zh) => "不合格",
        (other, _) => other,
    }
}

/// `GET /scoretable?employee=6&period=2026-10` (both optional: myself, this month).
pub async fn page(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(q): Query<ScorecardQuery>,
) -> Result<Html<String>, WebError> {
    let period = match &q.period {
        Some(p) => Period::parse(p).map_err(|e| WebError::Invalid {
            field: "period".into(),
            message: e.to_string(),
        })?,
        None => Period::month_of(Utc::now().date_naive()),
    };
    let employee = q
        .employee
        .or(me.viewer.employee_id)
        .ok_or_else(|| WebError::Invalid {
            field: "employee".into(),
            message: "this account is not a person; name one with ?employee=".into(),
        })?;
    // Scope first: a person outside the viewer's scope is "not found".
    let person = state.store.employee(&me.viewer, employee).await?;
    let library = state.store.library().await?.library;
    let stored = state
        .store
        .scorecards(&me.viewer, &period.to_string(), Some(employee))
        .await?
        .into_iter()
        .next();
    let card = match stored {
        Some(c) => Some(stored_card(c, &library, me.lang)),
        None => {
            let q = ScorecardQuery {
                period: Some(period.to_string()),
                employee: Some(employee),
            };
            crate::scorecard::load(&state, &me, &q).await?
        }
    };
    let scheme = card.as_ref().map(|c| {
        library
            .scheme(&c.scheme)
            .map_or(c.scheme.clone(), |s| match me.lang {
                Lang::Zh => s.name_zh.clone(),
                Lang::En => s.name_en.clone(),
            })
    });
    let table = card.as_ref().map(|c| rows(c, &library, me.lang));
    let ctx = minijinja::context! { person, period => period.to_string(), card, scheme, table };
    crate::pages::render_page(&state, &me, "scoretable.html", ctx)
}

/// `?period=2026-10` and one of `employee`, `team` or `department` (the department and the
/// departments below it).
#[derive(Debug, Deserialize)]
pub struct DownloadQuery {
    pub period: Option<String>,
    pub employee: Option<i64>,
    pub team: Option<i64>,
    pub department: Option<i64>,
}

/// The people a download covers, within the viewer's scope (the store's scoped reads): one
/// person (404 outside the scope), or the members of a team or department the viewer sees.
async fn covered(
    state: &AppState,
    me: &CurrentUser,
    q: &DownloadQuery,
) -> Result<(Vec<kaohe_store::org::EmployeeView>, String), WebError> {
    let store = &state.store;
    if let Some(id) = q.employee.or(match (q.team, q.department) {
        (None, None) => me.viewer.employee_id,
        _ => None,
    }) {
        let person = store.employee(&me.viewer, id).await?;
        let name = person.code.clone();
        return Ok((vec![person], name));
    }
    let everyone = store.employees(&me.viewer).await?;
    let (members, name): (Vec<_>, String) = match (q.team, q.department) {
        (Some(t), _) => (
            everyone
                .into_iter()
                .filter(|e| e.team_id == Some(t))
                .collect(),
            format!("team-{t}"),
        ),
        (None, Some(d)) => {
            let subtree = store.department_subtree(d).await?;
            (
                everyone
                    .into_iter()
                    .filter(|e| subtree.contains(&e.department_id))
                    .collect(),
                format!("department-{d}"),
            )
        }
        (None, None) => {
            return Err(WebError::Invalid {
                field: "employee".into(),
                message:
                    "this account is not a person; name one with ?employee=, ?team= or ?department="
                        .into(),
            });
        }
    };
    if members.is_empty() {
        return Err(WebError::NotFound(format!(
            "{name}: nobody in your data scope"
        )));
    }
    Ok((members, name))
}

/// `GET /scoretable.xlsx?period=…&employee=…` (or `team=`, `department=`): the score table
/// as a workbook, one sheet per person with a stored scorecard of the period, within the
/// viewer's data scope (audited as an export, like `kaohe export scoretable`).
pub async fn download(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(q): Query<DownloadQuery>,
) -> Result<axum::response::Response, WebError> {
    use axum::response::IntoResponse;
    let period = match &q.period {
        Some(p) => Period::parse(p).map_err(|e| WebError::Invalid {
            field: "period".into(),
            message: e.to_string(),
        })?,
        None => Period::month_of(Utc::now().date_naive()),
    };
    let (people, name) = covered(&state, &me, &q).await?;
    let mut cards: std::collections::BTreeMap<i64, StoredScorecard> = state
        .store
        .scorecards(&me.viewer, &period.to_string(), None)
        .await?
        .into_iter()
        .map(|c| (c.employee_id, c))
        .collect();
    let sheets: Vec<_> = people
        .into_iter()
        .filter_map(|p| cards.remove(&p.id).map(|c| (p, c)))
        .collect();
    if sheets.is_empty() {
        return Err(WebError::NotFound(format!(
            "{name}: no stored scorecard for {period}: evaluate the period first (本期尚未计算)"
        )));
    }
    let library = state.store.library().await?.library;
    let bytes = kaohe_store::export::team_workbook(&sheets, &library)
        .map_err(|e| WebError::Internal(format!("writing the workbook: {e}")))?;
    let entry = kaohe_store::audit::AuditEntry {
        action: "export",
        entity: "scoretable",
        entity_id: format!("{name}:{period}"),
        before: None,
        after: Some(serde_json::json!({ "sheets": sheets.len(), "via": "web" })),
    };
    state.store.audit(&me.viewer, entry).await?;
    let file = format!("attachment; filename=\"scoretable-{name}-{period}.xlsx\"");
    let mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, mime.to_string()),
            (axum::http::header::CONTENT_DISPOSITION, file),
        ],
        bytes,
    )
        .into_response())
}
