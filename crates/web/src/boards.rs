//! The dashboards (SPEC §8, issue 6): `/`, a person's own dashboard, and `/board`, the
//! leaderboard and charts of everybody in the viewer's scope (a leader's team, a manager's
//! department, the whole company for HR and administrators).
//!
//! Both read only bounded, indexed data: the live scorecard of one person (from the
//! roll-ups), stored scorecards, roll-up buckets and stored award rows; the store narrows
//! every read to the viewer's scope ([`kaohe_store::Viewer`]). Charts are inline SVG drawn
//! here on the server ([`crate::charts`]).

use crate::auth::CurrentUser;
use crate::cache::Lookup;
use crate::charts::{self, Datum, Point, Progress};
use crate::error::WebError;
use crate::i18n::{self, Lang};
use crate::pages::render_page;
use crate::scorecard::{self, ScorecardQuery};
use crate::{AppState, DashboardKey};
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use kaohe_domain::indicator::Unit;
use kaohe_domain::library::Library;
use kaohe_domain::period::Period;
use kaohe_domain::roles::Scope;
use kaohe_domain::scoring::Direction;
use minijinja::context;
use serde::Deserialize;
use serde_json::{Value, json};

/// How many periods the personal trend shows (the last one is today's live score).
const TREND_POINTS: usize = 12;

/// How many ways to the next grade the personal dashboard lists.
const NEXT_STEPS: usize = 3;

/// `?period=2026-10` (optional).
#[derive(Debug, Deserialize)]
pub struct BoardQuery {
    pub period: Option<String>,
}

/// Parses a `period` query value; a malformed one is a 400 naming the parameter.
pub fn query_period(text: Option<&str>, default: Period) -> Result<Period, WebError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(default),
        Some(t) => Period::parse(t).map_err(|e| WebError::BadQuery {
            field: "period".into(),
            message: format!("`{t}` is not a period (write 2026-10, 2026-Q4 or 2026): {e}"),
        }),
    }
}

/// The month of `state`'s today.
fn this_month(state: &AppState) -> Period {
    Period::month_of(state.today())
}

/// A value in its indicator's unit, for the locale.
fn show_value(lang: Lang, unit: Option<Unit>, v: f64) -> String {
    match unit {
        Some(Unit::Amount) => i18n::money(lang, v),
        Some(Unit::Percent) => format!("{}%", i18n::number(v, 1)),
        Some(Unit::Count) if v.fract() == 0.0 => i18n::number(v, 0),
        _ => i18n::number(v, 2),
    }
}

fn indicator_name(lib: &Library, lang: Lang, code: &str) -> String {
    lib.indicator(code)
        .map_or(code.to_string(), |i| match lang {
            Lang::Zh => i.name_zh.clone(),
            Lang::En => i.name_en.clone(),
        })
}

/// A grade's name in `lang` from the schemes' bands (grades are data, not code).
pub(crate) fn grade_name(lib: &Library, lang: Lang, code: &str) -> String {
    lib.schemes()
        .iter()
        .flat_map(|s| s.grades.iter())
        .find(|g| g.code == code)
        .map_or(code.to_string(), |g| match lang {
            Lang::Zh => g.name_zh.clone(),
            Lang::En => g.name_en.clone(),
        })
}

/// `GET /`: the signed-in person's dashboard (the sign-in page for strangers).
pub async fn dashboard(
    State(state): State<AppState>,
    me: Result<CurrentUser, WebError>,
) -> Result<Response, WebError> {
    let me = match me {
        Ok(me) => me,
        Err(WebError::Unauthenticated) => return Ok(Redirect::to("/login").into_response()),
        Err(e) => return Err(e),
    };
    // Taken before anything is read: a write committed meanwhile leaves the page stale.
    let stamp = kaohe_store::generation::stamp(me.viewer.employee_id);
    let day = state.today();
    let key = (me.user.id, me.csrf.clone(), me.lang);
    match state.dashboards.lookup(&key, stamp, day) {
        Lookup::Fresh(page) => return Ok(Html(page).into_response()),
        Lookup::Stale(page) => {
            refresh_later(&state, &me, key, day);
            return Ok(Html(page).into_response());
        }
        Lookup::Miss => {}
    }
    let page = dashboard_page(&state, &me).await?;
    state.dashboards.put(key, stamp, day, page.clone());
    Ok(Html(page).into_response())
}

/// Rebuilds a dashboard outdated by a large import in the background, one at a time: an import
/// of everybody's calls then costs one core for a few seconds instead of every rep's next
/// request waiting behind the rebuild of every other rep's page.
fn refresh_later(state: &AppState, me: &CurrentUser, key: DashboardKey, day: NaiveDate) {
    static REBUILDING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);
    if !state.dashboards.begin_refresh(key.clone()) {
        return;
    }
    let (state, me) = (state.clone(), me.clone());
    tokio::spawn(async move {
        // Ends the claim however the task ends (a panic included), so the next stale read
        // can start another rebuild.
        let claim = RefreshClaim {
            state: state.clone(),
            key,
        };
        let Ok(_turn) = REBUILDING.acquire().await else {
            return;
        };
        let stamp = kaohe_store::generation::stamp(me.viewer.employee_id);
        match dashboard_page(&state, &me).await {
            Ok(page) => state.dashboards.put(claim.key.clone(), stamp, day, page),
            Err(e) => tracing::warn!(error = %e, "a dashboard could not be rebuilt"),
        }
    });
}

/// A background rebuild's claim on its key, given back when dropped.
struct RefreshClaim {
    state: AppState,
    key: DashboardKey,
}

impl Drop for RefreshClaim {
    fn drop(&mut self) {
        self.state.dashboards.end_refresh(&self.key);
    }
}

/// The dashboard's HTML, read and rendered afresh.
async fn dashboard_page(state: &AppState, me: &CurrentUser) -> Result<Bytes, WebError> {
    let lang = me.lang;
    let pending: Vec<Value> = crate::cycle::listed(state, me)
        .await?
        .into_iter()
        .map(|e| {
            json!({
                "link": e.item.link, "title": e.title, "overdue": e.overdue,
                "due_on": e.item.due_on.map(|d| i18n::date(lang, d)),
            })
        })
        .collect();
    let now = this_month(state);
    let board = board_link(me);
    // The month's working days in the company calendar (holidays and make-up days included).
    let working_days = state
        .store
        .calendar(now.start())
        .await?
        .working_days_between(now.start(), now.end_exclusive());
    let Some(employee) = me.viewer.employee_id else {
        let page = context! { pending, board, working_days, person => Value::Null, period_name => i18n::period(lang, now) };
        return Ok(render_page(state, me, "dashboard.html", page)?.0.into());
    };
    let lib = state.store.library().await?.library;

    // This period, live: the scorecard path of `/scorecard` and the what-ifs of `explain`;
    // the stored totals of the periods before (the trend) and the last closed period's rank.
    // Independent reads, run side by side on the store's read connections.
    let mut periods = Vec::with_capacity(TREND_POINTS);
    let mut p = now;
    for _ in 1..TREND_POINTS {
        p = p.prev();
        periods.push(p);
    }
    periods.reverse();
    let last = now.prev();
    let query = ScorecardQuery {
        period: Some(now.to_string()),
        employee: None,
    };
    let next = async {
        match state.store.next_grade(&me.viewer, now, employee).await {
            Ok(n) => Ok(Some(n)),
            Err(kaohe_store::StoreError::NotFound { .. }) => Ok(None),
            Err(e) => Err(WebError::from(e)),
        }
    };
    let history = async {
        Ok::<_, WebError>(
            state
                .store
                .score_history(&me.viewer, employee, &periods)
                .await?,
        )
    };
    let ranks = async { Ok::<_, WebError>(state.store.ranks(&me.viewer, employee, last).await?) };
    let (card, next, stored, ranks) =
        tokio::try_join!(scorecard::load(state, me, &query), next, history, ranks)?;
    let kpis: Vec<Value> = card
        .as_ref()
        .map(|c| {
            c.lines
                .iter()
                .map(|l| {
                    let ind = lib.indicator(&l.code);
                    let unit = ind.map(|i| i.unit);
                    let lower = ind.is_some_and(|i| i.direction == Direction::Lower);
                    let target = next.as_ref().and_then(|n| n.targets.get(&l.code)).copied();
                    let value = l.value.map(|v| show_value(lang, unit, v));
                    // How far along the target: the bar under the value (capped at 100 %);
                    // for a lower-is-better indicator, the target over the value.
                    let progress = match (l.value, target) {
                        (Some(v), Some(t)) if lower && v > 0.0 && t > 0.0 => {
                            Some((t / v * 100.0).clamp(0.0, 100.0))
                        }
                        (Some(_), Some(t)) if lower && t > 0.0 => Some(100.0),
                        (Some(v), Some(t)) if !lower && t > 0.0 => {
                            Some((v / t * 100.0).clamp(0.0, 100.0))
                        }
                        _ => None,
                    };
                    json!({
                        "name": l.name, "code": l.code, "value": value,
                        "target": target.map(|t| show_value(lang, unit, t)),
                        "progress": progress.map(|p| p.round()),
                        "score": l.score.map(|s| i18n::number(s, 1)),
                        "weight": i18n::number(l.effective_weight, 1),
                        "applicable": l.applicable,
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let next_text = next.as_ref().map(|n| next_grade_text(&lib, lang, n));

    // The trend: stored totals of the periods before, then today's live total.
    let mut points: Vec<Point> = periods
        .iter()
        .map(|p| {
            let value = stored.get(&p.to_string()).copied().flatten();
            Point {
                label: i18n::period_short(lang, *p),
                value,
                text: value.map_or_else(String::new, |v| i18n::number(v, 2)),
            }
        })
        .collect();
    let live_total = card.as_ref().and_then(|c| c.total);
    points.push(Point {
        label: i18n::t(lang, "today_live").to_string(),
        value: live_total,
        text: live_total.map_or_else(String::new, |v| i18n::number(v, 2)),
    });
    let trend = charts::trend(
        i18n::t(lang, "trend_12"),
        &points,
        100.0,
        i18n::t(lang, "no_data"),
    );

    let place = |p: Option<kaohe_store::boards::Place>| {
        p.map(|p| {
            i18n::fill(
                lang,
                "rank_of",
                &[("rank", &p.rank.to_string()), ("of", &p.of.to_string())],
            )
        })
    };
    let person = json!({
        "name": card.as_ref().map(|c| c.name.clone()),
        "has_card": card.is_some(),
        "total": live_total.map(|t| i18n::number(t, 2)),
        "total_value": live_total,
        "grade": card.as_ref().and_then(|c| c.grade_name.clone()),
        "grade_code": card.as_ref().and_then(|c| c.grade.clone()),
        "kpis": kpis,
        "next": next_text,
        "rank_period": i18n::period(lang, last),
        "rank_team": place(ranks.team),
        "rank_department": place(ranks.department),
    });
    let page = context! {
        pending, board, person, trend, working_days, period_name => i18n::period(lang, now),
    };
    Ok(render_page(state, me, "dashboard.html", page)?.0.into())
}

/// The sentences "what it takes to reach the next grade" for the dashboard.
fn next_grade_text(lib: &Library, lang: Lang, n: &kaohe_store::evaluate::NextGrade) -> Value {
    let top = n.total.is_some()
        && n.steps.is_empty()
        && n.grade.as_deref().is_some_and(|g| {
            // At the top band when no band of any scheme with this grade lies above it.
            !lib.schemes().iter().any(|s| {
                let mine = s.grades.iter().find(|b| b.code == g).map(|b| b.min);
                mine.is_some_and(|m| s.grades.iter().any(|b| b.min > m))
            })
        });
    let lines: Vec<String> = n
        .steps
        .iter()
        .take(NEXT_STEPS)
        .filter_map(|s| {
            let change = s.what_if.change?;
            // Money measures count cents: say it in yuan.
            let amount = if s.what_if.measure.contains("_cents") {
                i18n::money(lang, change.unsigned_abs() as f64)
            } else {
                i18n::number(change.unsigned_abs() as f64, 0)
            };
            let key = if change >= 0 {
                "next_more"
            } else {
                "next_fewer"
            };
            let name = match lang {
                Lang::Zh => &s.indicator_name_zh,
                Lang::En => &s.indicator_name_en,
            };
            Some(i18n::fill(
                lang,
                key,
                &[
                    ("n", &amount),
                    ("indicator", name),
                    ("grade", &grade_name(lib, lang, &s.what_if.next_grade)),
                    (
                        "total",
                        &s.what_if
                            .total_after
                            .map_or_else(String::new, |t| i18n::number(t, 2)),
                    ),
                ],
            ))
        })
        .collect();
    json!({ "top": top, "lines": lines })
}

/// The header link to the board for the roles that have one: (href, label key).
fn board_link(me: &CurrentUser) -> Option<Value> {
    let key = match me.viewer.scope() {
        Scope::Own => return None,
        Scope::Team => "team_board",
        Scope::Department => "department_board",
        Scope::All => "company_board",
    };
    Some(json!({ "href": "/board", "label": i18n::t(me.lang, key) }))
}

/// `GET /board?period=2026-10`: the leaderboard, grade distribution, targets against actuals,
/// call funnel, overdue steps and award candidates of everybody in the viewer's scope for a
/// period (default: last month, the last closed one). Not for the own-scope roles.
pub async fn board(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(q): Query<BoardQuery>,
) -> Result<Html<String>, WebError> {
    let period = query_period(q.period.as_deref(), this_month(&state).prev())?;
    let lang = me.lang;
    let Some(link) = board_link(&me) else {
        return Err(WebError::Forbidden(
            "the boards are for team leaders, managers, HR and administrators; your own dashboard is at /".into(),
        ));
    };
    // Kept between requests like the credit page: the board sums a team's or the company's
    // scorecards, roll-ups and awards on every view.
    let build = async {
        let lib = state.store.library().await?.library;
        let viewer = &me.viewer;
        let (leaders, grades, targets, funnel, awards) = tokio::try_join!(
            state.store.leaderboard(viewer, period),
            state.store.grade_counts(viewer, period),
            state.store.targets_against_actuals(viewer, period),
            state.store.call_funnel(viewer, period),
            state.store.awards_in_scope(viewer, period),
        )?;

        let rows: Vec<Value> = leaders
            .rows
            .iter()
            .map(|r| {
                json!({
                    "rank": r.rank, "code": r.employee_code, "name": r.name, "team": r.team,
                    "link": format!("/scorecard?period={period}&employee={}", r.employee_id),
                    "total": r.total.map(|t| i18n::number(t, 2)),
                    "grade": r.grade.as_deref().map(|g| grade_name(&lib, lang, g)),
                    "grade_code": r.grade,
                })
            })
            .collect();
        let showing = (leaders.people > rows.len() as i64).then(|| {
            i18n::fill(
                lang,
                "showing_first",
                &[
                    ("people", &leaders.people.to_string()),
                    ("n", &rows.len().to_string()),
                ],
            )
        });

        // Grade bars in the bands' order, best first, then cards without a grade.
        let mut bands: Vec<&kaohe_domain::scheme::GradeBand> =
            lib.schemes().iter().flat_map(|s| s.grades.iter()).collect();
        bands.sort_by(|a, b| b.min.total_cmp(&a.min));
        let mut order: Vec<String> = Vec::new();
        for b in bands {
            if !order.contains(&b.code) {
                order.push(b.code.clone());
            }
        }
        let count_of = |code: Option<&str>| {
            grades
                .iter()
                .filter(|(g, _)| g.as_deref() == code)
                .map(|(_, n)| *n)
                .sum::<i64>()
        };
        let mut grade_data: Vec<Datum> = order
            .iter()
            .map(|code| {
                let n = count_of(Some(code));
                Datum::new(grade_name(&lib, lang, code), n as f64, n.to_string())
            })
            .collect();
        // Grades no band names any more (an older library), and cards without a grade.
        for (g, n) in &grades {
            match g {
                Some(code) if !order.contains(code) => grade_data.push(Datum::new(
                    grade_name(&lib, lang, code),
                    *n as f64,
                    n.to_string(),
                )),
                None => grade_data.push(Datum::new(
                    i18n::t(lang, "no_grade"),
                    *n as f64,
                    n.to_string(),
                )),
                _ => {}
            }
        }
        let grade_chart = if grades.is_empty() {
            charts::bars(
                i18n::t(lang, "grade_distribution"),
                &[],
                i18n::t(lang, "no_scorecards"),
            )
        } else {
            charts::bars(
                i18n::t(lang, "grade_distribution"),
                &grade_data,
                i18n::t(lang, "no_data"),
            )
        };

        let progress: Vec<Progress> = targets
            .iter()
            .map(|t| {
                let unit = lib.indicator(&t.indicator).map(|i| i.unit);
                let actual = show_value(lang, unit, t.actual);
                Progress {
                    label: format!(
                        "{} ({})",
                        indicator_name(&lib, lang, &t.indicator),
                        i18n::fill(lang, "people_n", &[("n", &t.people.to_string())])
                    ),
                    actual: t.actual,
                    target: t.target,
                    text: match t.target {
                        Some(target) => format!("{actual} / {}", show_value(lang, unit, target)),
                        None => actual,
                    },
                }
            })
            .collect();
        let target_chart = charts::progress(
            i18n::t(lang, "target_vs_actual"),
            &progress,
            i18n::t(lang, "no_scorecards"),
        );

        let step = |key: &str, v: f64| Datum::new(i18n::t(lang, key), v, i18n::number(v, 0));
        let funnel_chart = charts::funnel(
            i18n::t(lang, "call_funnel"),
            &[
                step("funnel_calls", funnel.calls),
                step("funnel_connected", funnel.connected),
                step("funnel_callbacks", funnel.callbacks),
                step("funnel_deals", funnel.deals),
            ],
            i18n::t(lang, "no_data"),
        );

        // The award's name from the company's award rules (read only when there are awards).
        let book = if awards.is_empty() {
            None
        } else {
            Some(state.store.award_book().await?)
        };
        let award_name = |code: &str| {
            book.as_ref()
                .and_then(|b| b.awards().iter().find(|a| a.code == code))
                .map_or(code.to_string(), |a| match lang {
                    Lang::Zh => a.name_zh.clone(),
                    Lang::En => a.name_en.clone(),
                })
        };
        let awards: Vec<Value> = awards
        .iter()
        .map(|(a, who)| {
            let basis = a
                .basis
                .split_once(" / ")
                .map_or(
                    a.basis.as_str(),
                    |(zh, en)| if lang == Lang::Zh { zh } else { en },
                );
            json!({
                "rule": award_name(&a.rule_code), "recipient": who, "tier": a.tier, "basis": basis,
                "amount": i18n::money(lang, a.amount_cents as f64),
                "status": i18n::t(lang, &format!("award_status_{}", a.status)),
                "tie_break": a.tie_break,
            })
        })
        .collect();
        let overdue = crate::pages::overdue_steps(&state, &me).await?;

        let page = context! {
            board => link,
            period => period.to_string(),
            period_name => i18n::period(lang, period),
            rows, showing, people => leaders.people,
            grade_chart, target_chart, funnel_chart, awards, overdue,
        };
        Ok::<minijinja::Value, WebError>(page)
    };
    let page = crate::pages::kept_view(&state, &me, "board", period.to_string(), build).await?;
    render_page(&state, &me, "board.html", page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_period_is_a_400_naming_the_parameter() {
        let oct = Period::Month {
            year: 2026,
            month: 10,
        };
        assert_eq!(query_period(None, oct).unwrap(), oct);
        assert_eq!(query_period(Some(""), oct).unwrap(), oct);
        assert_eq!(query_period(Some("2026-09"), oct).unwrap(), oct.prev());
        let e = query_period(Some("2026-13"), oct).unwrap_err();
        assert_eq!(e.status(), axum::http::StatusCode::BAD_REQUEST);
        assert!(e.to_string().starts_with("period: `2026-13`"), "{e}");
    }
}
