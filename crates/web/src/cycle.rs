//! The assessment cycle in the browser (SPEC §6): the inbox of pending steps, one person's cycle
//! page with the steps the viewer may take now, and the forms and JSON API that take them.
//! Every step goes through [`kaohe_store::Store::act`] (or consolidation and appeals), so the
//! domain decides; a refusal is shown with its reason in the user's language (409 / 403 / 422).
//! A person outside the viewer's data scope answers 404.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::WebError;
use crate::extract::{JsonBody, Query};
use crate::i18n::Lang;
use crate::openapi::{ErrorBody, RefusalBody};
use crate::pages::render_page;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Form, Json};
use chrono::{Datelike, NaiveDate};
use kaohe_domain::cycle::{Action, ActionKind, CycleState, Stage, Transition};
use kaohe_domain::period::Period;
use kaohe_domain::roles::Role;
use kaohe_domain::scheme::RaterGroup;
use kaohe_store::StoreError;
use kaohe_store::cycle::InboxItem;
use minijinja::context;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::HashMap;

/// An inbox item as shown: its subject in the viewer's language and whether it is overdue.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InboxEntry {
    /// The item: id, kind, subject, period, employee, due date, … (flattened in).
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub item: InboxItem,
    /// The subject in the viewer's language.
    pub title: String,
    /// Past its due date.
    pub overdue: bool,
    /// Where the item leads: its page, at the form of its step.
    pub href: String,
}

/// Picks one language out of a stored "中文 / English" text.
fn in_lang(text: &str, lang: Lang) -> String {
    match (text.split_once(" / "), lang) {
        (Some((zh, _)), Lang::Zh) => zh.to_string(),
        (Some((_, en)), Lang::En) => en.to_string(),
        (None, _) => text.to_string(),
    }
}

/// The viewer's open inbox items as shown.
pub async fn entries(state: &AppState, me: &CurrentUser) -> Result<Vec<InboxEntry>, WebError> {
    let today = state.today();
    // Missed meetings and overdue decisions raise no event of their own: look first (an
    // idempotent sweep, see `kaohe_store::meetings`).
    state.store.remind_meetings(today).await?;
    listed(state, me).await
}

/// The viewer's open inbox items as shown, without the reminder sweep: a read only, for the
/// dashboards, which must stay cheap (the sweep writes; the inbox page and `kaohe inbox` run it).
pub async fn listed(state: &AppState, me: &CurrentUser) -> Result<Vec<InboxEntry>, WebError> {
    let today = state.today();
    let items = state.store.inbox(&me.viewer).await?;
    Ok(items
        .into_iter()
        .map(|item| InboxEntry {
            title: in_lang(&item.subject, me.lang),
            overdue: item.due_on.is_some_and(|d| d < today),
            href: crate::cycle_forms::inbox_href(&item.link, &item.kind),
            item,
        })
        .collect())
}

/// `GET /inbox`: the signed-in person's open steps, soonest due first.
pub async fn inbox_page(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<Html<String>, WebError> {
    let items = entries(&state, &me).await?;
    // Steps fall due within about six weeks; HR hears of a year they reach without a calendar.
    let today = state.today();
    let calendar_warnings =
        crate::admin::calendar_warnings(&state, &me, today, today + chrono::Duration::days(45))
            .await?;
    render_page(
        &state,
        &me,
        "inbox.html",
        context! { items, calendar_warnings },
    )
}

/// `GET /api/inbox`: the same as JSON.
#[utoipa::path(get, path = "/api/inbox", tag = "cycle",
    responses((status = 200, description = "The caller's open steps, soonest due first", body = Vec<InboxEntry>)))]
pub async fn inbox_api(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<Json<Vec<InboxEntry>>, WebError> {
    Ok(Json(entries(&state, &me).await?))
}

/// `?period=2026-10&employee=12` (both optional: this month, oneself).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Find {
    /// `2026-10` (default: this month).
    #[param(example = "2026-10")]
    pub period: Option<String>,
    /// The person's database id (default: the caller).
    #[param(example = 6)]
    pub employee: Option<i64>,
}

/// A person's cycle (documentation of `GET /api/cycle`'s shape).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CycleBody {
    pub period: String,
    pub employee: i64,
    /// The stage's code (`targets_proposed`, `rating`, `published`, …).
    #[schema(value_type = String)]
    pub stage: Value,
    /// Each step taken: on, late, note, action, to, role, who.
    #[schema(value_type = Vec<Object>)]
    pub history: Vec<Value>,
    /// The step codes the caller may take now.
    #[schema(value_type = Vec<String>)]
    pub allowed_now: Vec<Value>,
}

/// The body of `POST /api/cycle/act` (documentation: the handler reads any field).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ActBody {
    /// `2026-10`.
    pub period: String,
    /// The person's database id (default: the caller).
    pub employee: Option<i64>,
    /// The step: `propose_targets`, `confirm_targets`, `dispute_targets`,
    /// `approve_targets_hr`, `return_targets_hr`, `approve_targets_committee`,
    /// `return_targets_committee`, `submit_self_review`, `close_self_review`,
    /// `submit_rating`, `assign_rater`, `extend_rating`, `consolidate`, `approve_result`,
    /// `return_result`, `record_interview`, `set_improvement_plan`, `follow_up`, `lock`, `appeal`.
    pub action: String,
    /// A reason (returns, disputes, appeals).
    pub reason: Option<String>,
    /// `submit_self_review`.
    pub work_report: Option<String>,
    /// `submit_self_review`.
    pub self_evaluation: Option<String>,
    /// `submit_rating`: the rater group (`superior`, `peer`, …); ratings as `rating_<indicator>`.
    pub group: Option<String>,
    /// `appeal`: one piece of evidence a line.
    pub evidence: Option<String>,
    /// `assign_rater`: the rater's database id (with `group` `peers` or `related_departments`).
    pub rater: Option<String>,
    /// `extend_rating`: the new last day for ratings, `2026-11-08` (with `reason`).
    pub until: Option<String>,
    /// `record_interview`: one strength a line.
    pub strengths: Option<String>,
    /// `record_interview`: one shortfall a line.
    pub shortfalls: Option<String>,
    /// `record_interview`: the employee's comments (required; "无" when none).
    pub employee_comments: Option<String>,
    /// `set_improvement_plan`: how many rows follow, each as `item_N`, `owner_N` (the
    /// person's or the superior's id) and `due_N` (a date), N from 1.
    pub rows: Option<String>,
    /// `follow_up`: the plan item's index, from 0.
    pub item: Option<String>,
    /// `follow_up`: what was found.
    pub note: Option<String>,
    /// `follow_up`: any non-empty value marks the item done.
    pub done: Option<String>,
}

/// What a step did: the transitions, or `{"appeal": id}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum DoneBody {
    /// The cycle transitions taken.
    Steps(Vec<Value>),
    /// An appeal filed.
    Appeal { appeal: i64 },
}

pub(crate) fn parse_period(text: &str) -> Result<Period, WebError> {
    Period::parse(text).map_err(|e| WebError::Invalid {
        field: "period".into(),
        message: e.to_string(),
    })
}

pub(crate) fn this_month(day: NaiveDate) -> Period {
    Period::Month {
        year: day.year(),
        month: day.month(),
    }
}

pub(crate) fn who(me: &CurrentUser, employee: Option<i64>) -> Result<i64, WebError> {
    employee
        .or(me.viewer.employee_id)
        .ok_or_else(|| WebError::NotFound("this account belongs to no employee".into()))
}

/// `GET /cycle?period=P&employee=ID`: redirects to the cycle page.
pub async fn find(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(q): Query<Find>,
) -> Result<Redirect, WebError> {
    let period = match q.period.as_deref().filter(|p| !p.is_empty()) {
        Some(p) => parse_period(p)?,
        None => this_month(state.today()),
    };
    let employee = who(&me, q.employee)?;
    Ok(Redirect::to(&format!("/cycle/{period}/{employee}")))
}

/// What the cycle page shows.
struct View {
    name: String,
    code: String,
    cycle: CycleState,
    allowed: Vec<ActionKind>,
    groups: Vec<RaterGroup>,
    /// The viewer is in the person's supervisor chain.
    superior: bool,
}

async fn allowed(
    state: &AppState,
    me: &CurrentUser,
    period: Period,
    employee: i64,
) -> Result<Vec<ActionKind>, WebError> {
    match state.store.allowed_now(&me.viewer, period, employee).await {
        Ok(a) => Ok(a),
        Err(StoreError::Forbidden(_)) => Ok(Vec::new()),
        Err(e) => Err(e.into()),
    }
}

/// The groups the viewer rates the person in.
fn rating_groups(cycle: &CycleState, me: &CurrentUser, superior: bool) -> Vec<RaterGroup> {
    let Some(id) = me.viewer.employee_id else {
        return Vec::new();
    };
    let mut groups: Vec<RaterGroup> = Vec::new();
    if id == cycle.setup().subject_id {
        groups.push(RaterGroup::SelfReview);
    } else if superior {
        groups.push(RaterGroup::Superior);
    }
    for a in cycle.raters() {
        if a.rater_id == id && !groups.contains(&a.group) {
            groups.push(a.group);
        }
    }
    groups
}

async fn load(
    state: &AppState,
    me: &CurrentUser,
    period: Period,
    employee: i64,
) -> Result<View, WebError> {
    let cycle = state.store.cycle(&me.viewer, period, employee).await?;
    let person = state.store.employee(&me.viewer, employee).await?;
    let allowed = allowed(state, me, period, employee).await?;
    let superior = state
        .store
        .supervisor_chain(employee)
        .await?
        .contains(&me.viewer.employee_id.unwrap_or(-1));
    let groups = rating_groups(&cycle, me, superior);
    Ok(View {
        name: person.name,
        code: person.code,
        cycle,
        allowed,
        groups,
        superior,
    })
}

fn stage_name(stage: Stage, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => stage.name_zh(),
        Lang::En => stage.name_en(),
    }
}

fn action_name(a: ActionKind, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => a.name_zh(),
        Lang::En => a.name_en(),
    }
}

fn role_name(r: Role, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => r.name_zh(),
        Lang::En => r.as_str(),
    }
}

/// Who took a step, by name; raters stay anonymous (peer and customer ratings are anonymous
/// to the person rated, SPEC §5).
async fn actor_names(
    state: &AppState,
    cycle: &CycleState,
) -> Result<HashMap<i64, String>, WebError> {
    let system = kaohe_store::Viewer::system("cycle page");
    let mut names = HashMap::new();
    for t in cycle.history() {
        let rating = matches!(
            t.action,
            ActionKind::SubmitRating | ActionKind::RecordCustomerRating
        );
        if rating || names.contains_key(&t.actor_id) {
            continue;
        }
        match state.store.employee(&system, t.actor_id).await {
            Ok(e) => {
                names.insert(t.actor_id, e.name);
            }
            Err(StoreError::NotFound { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(names)
}

fn history(cycle: &CycleState, names: &HashMap<i64, String>, lang: Lang) -> Vec<Value> {
    cycle
        .history()
        .iter()
        .map(|t| {
            json!({
                "on": t.on, "late": t.late, "note": t.note,
                "action": action_name(t.action, lang),
                "to": stage_name(t.to, lang),
                "role": role_name(t.role, lang),
                "who": names.get(&t.actor_id),
            })
        })
        .collect()
}

fn indicator_names(
    codes: &[String],
    lib: &kaohe_domain::library::Library,
    lang: Lang,
) -> Vec<Value> {
    codes
        .iter()
        .map(|code| {
            let name = lib.indicator(code).map_or(code.clone(), |i| match lang {
                Lang::Zh => i.name_zh.clone(),
                Lang::En => i.name_en.clone(),
            });
            json!({ "code": code, "name": name })
        })
        .collect()
}

/// The indicator codes of the cycle's scheme, in the scheme's order.
fn scheme_codes(lib: &kaohe_domain::library::Library, cycle: &CycleState) -> Vec<String> {
    lib.scheme(&cycle.setup().scheme_code)
        .map(|s| s.indicator_codes().map(str::to_string).collect())
        .unwrap_or_default()
}

/// The superior's proposal of a form: every indicator of the scheme, with the value typed
/// as `value_<indicator>` (empty keeps the library's target), and the basis.
async fn proposal(
    state: &AppState,
    me: &CurrentUser,
    period: Period,
    employee: i64,
    f: &Fields,
) -> Result<Action, WebError> {
    let cycle = state.store.cycle(&me.viewer, period, employee).await?;
    let lib = state.store.library().await?;
    let mut targets = Vec::new();
    for code in scheme_codes(&lib.library, &cycle) {
        let key = format!("value_{code}");
        let text = field(f, &key);
        let value = if text.is_empty() {
            None
        } else {
            Some(text.parse::<f64>().map_err(|_| WebError::Invalid {
                field: key.clone(),
                message: format!("`{text}` is not a number"),
            })?)
        };
        targets.push(kaohe_domain::cycle::Target {
            indicator: code,
            value,
        });
    }
    Ok(Action::ProposeTargets {
        targets,
        basis: field(f, "basis"),
    })
}

/// The person's cycle page; `error` says why a form was refused, `new_link` is a customer
/// rating link just issued, shown this once.
pub(crate) async fn render_cycle(
    state: &AppState,
    me: &CurrentUser,
    period: Period,
    employee: i64,
    error: Option<String>,
    new_link: Option<String>,
) -> Result<Html<String>, WebError> {
    render_typed(state, me, period, employee, error, new_link, None).await
}

/// The effective target of each indicator: the cycle's own value, else the person's target
/// of the period (imported), else the library's default (flagged, so the page can say where
/// it came from).
fn target_of(
    cycle: &CycleState,
    stored: &HashMap<String, f64>,
    lib: &kaohe_domain::library::Library,
    code: &str,
) -> (Option<f64>, bool) {
    let own = cycle
        .targets()
        .and_then(|t| t.targets.iter().find(|x| x.indicator == code))
        .and_then(|x| x.value)
        .or_else(|| stored.get(code).copied());
    match own {
        Some(v) => (Some(v), false),
        None => (lib.indicator(code).and_then(|i| i.target), true),
    }
}

/// A number as people write it: `100`, not `100.0`.
fn whole(x: f64) -> Value {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        json!(x as i64)
    } else {
        json!(x)
    }
}

/// The rating form's rows: each rated indicator with its scale, its target, and the value to
/// show in the input (what was typed into a refused form, else what the viewer gave already,
/// else a training score's pre-fill).
fn rating_rows(
    v: &View,
    lib: &kaohe_domain::library::Library,
    lang: Lang,
    me: &CurrentUser,
    typed: Option<&Fields>,
    prefills: &[kaohe_domain::training::Prefill],
    stored: &HashMap<String, f64>,
) -> Vec<Value> {
    let mine = me
        .viewer
        .employee_id
        .map(kaohe_domain::cycle::RaterId::Employee);
    let typed = typed.filter(|f| field(f, "action") == "submit_rating");
    let group = typed
        .map(|f| field(f, "group"))
        .or_else(|| v.groups.first().map(|g| g.as_str().to_string()));
    let mut rows = indicator_names(&v.cycle.setup().rated_indicators, lib, lang);
    for r in &mut rows {
        let code = r["code"].as_str().unwrap_or_default().to_string();
        r["min"] = json!(0);
        r["max"] = whole(v.cycle.setup().rating_cap);
        let (target, default) = target_of(&v.cycle, stored, lib, &code);
        r["target"] = json!(target);
        r["target_default"] = json!(default && target.is_some());
        if let Some(p) = prefills.iter().find(|p| p.indicator == code) {
            r["value"] = whole(p.value);
            r["prefill_from"] = json!(format!("{} {}", p.course, p.held_on));
        }
        let given = v.cycle.ratings().iter().find(|x| {
            Some(x.rater) == mine
                && x.indicator == code
                && group.as_deref() == Some(x.group.as_str())
        });
        if let Some(g) = given {
            r["value"] = whole(g.value);
            r["given"] = json!(true);
        }
        if let Some(f) = typed {
            r["value"] = json!(field(f, &format!("rating_{code}")));
        }
    }
    rows
}

/// The cycle page with what was typed into a refused form (`typed`) kept in that form.
pub(crate) async fn render_typed(
    state: &AppState,
    me: &CurrentUser,
    period: Period,
    employee: i64,
    error: Option<String>,
    new_link: Option<String>,
    typed: Option<&Fields>,
) -> Result<Html<String>, WebError> {
    let v = load(state, me, period, employee).await?;
    let lang = me.lang;
    let lib = state.store.library().await?;
    let allowed: Vec<Value> = v
        .allowed
        .iter()
        .map(|a| json!({ "code": a.as_str(), "name": action_name(*a, lang) }))
        .collect();
    let codes: Vec<&str> = v.allowed.iter().map(|a| a.as_str()).collect();
    let groups: Vec<Value> = v
        .groups
        .iter()
        .map(|g| json!({ "code": g.as_str(), "name": if lang == Lang::Zh { g.name_zh() } else { g.as_str() } }))
        .collect();
    let stage = v.cycle.stage();
    let stored = state
        .store
        .person_targets(&me.viewer, period, employee)
        .await?;
    let targets = v.cycle.targets().map(|t| {
        let codes: Vec<String> = t.targets.iter().map(|x| x.indicator.clone()).collect();
        let names = indicator_names(&codes, &lib.library, lang);
        let values: Vec<(Option<f64>, bool)> = codes
            .iter()
            .map(|c| target_of(&v.cycle, &stored, &lib.library, c))
            .collect();
        let (values, defaults): (Vec<Option<f64>>, Vec<bool>) = values
            .into_iter()
            .map(|(v, d)| (v, d && v.is_some()))
            .unzip();
        json!({ "basis": t.basis, "names": names, "values": values, "defaults": defaults })
    });
    let is_subject = me.viewer.employee_id == Some(employee);
    let names = actor_names(state, &v.cycle).await?;
    // A training exam score pre-fills the indicator it concerns; the form shows where from.
    let prefills = state.store.rating_prefills(period, employee).await?;
    let rated = rating_rows(&v, &lib.library, lang, me, typed, &prefills, &stored);
    let steps = crate::cycle_forms::section(
        state,
        me,
        crate::cycle_forms::Section {
            period,
            employee,
            cycle: &v.cycle,
            allowed: &v.allowed,
            superior: v.superior,
            typed,
        },
    )
    .await?;
    // A refused form shows its reason in place; other refusals at the top of the page.
    let failed = typed.map(|f| field(f, "action")).unwrap_or_default();
    let inline_error = error.is_some()
        && codes.contains(&failed.as_str())
        && crate::cycle_forms::INLINE_FORMS.contains(&failed.as_str());
    let appeals: Vec<Value> = state
        .store
        .appeals(&me.viewer, period)
        .await?
        .into_iter()
        .filter(|a| a.employee_id == employee)
        .map(|a| json!({ "id": a.id, "status": a.status, "filed_at": a.filed_at.date_naive() }))
        .collect();
    // The scheme's indicators with their library targets, for the superior's proposal.
    let proposable: Vec<Value> = if codes.contains(&"propose_targets") {
        // Last period's stored values beside each target, the basis a leader proposes from.
        let last_card = state
            .store
            .scorecards(&me.viewer, &period.prev().to_string(), Some(employee))
            .await?;
        let last = |code: &str| {
            last_card
                .first()?
                .lines
                .iter()
                .find(|l| l.indicator_code == code)?
                .value
                .map(|v| format!("{:.2}", kaohe_domain::composition::round2(v)))
        };
        scheme_codes(&lib.library, &v.cycle)
            .iter()
            .map(|code| {
                let i = lib.library.indicator(code);
                json!({
                    "last": last(code),
                    "code": code,
                    "name": i.map_or(code.clone(), |i| match lang {
                        Lang::Zh => i.name_zh.clone(),
                        Lang::En => i.name_en.clone(),
                    }),
                    "target": i.and_then(|i| i.target),
                })
            })
            .collect()
    } else {
        Vec::new()
    };
    // Customer rating links: HR's and the superior's section of the page.
    let may_links = crate::links::may_manage(me, employee, v.superior);
    let (links, link_customers) = if may_links {
        let links = crate::links::page_links(state, me, period, employee).await?;
        let customers: Vec<Value> = state
            .store
            .link_customers(&me.viewer, employee, 500)
            .await?
            .into_iter()
            .map(|(id, no, name)| json!({ "id": id, "archive_no": no, "name": name }))
            .collect();
        (Some(links), customers)
    } else {
        (None, Vec::new())
    };
    let behaviour = crate::behaviour::section(state, me, period, employee, stage).await?;
    // The cycle's steps fall due in the period and the month after it.
    let calendar_warnings =
        crate::admin::calendar_warnings(state, me, period.start(), period.next().end()).await?;
    let page = context! {
        calendar_warnings,
        links, link_customers, new_link,
        may_issue_links => may_links && stage == Stage::Rating,
        proposable, behaviour,
        period => period.to_string(), employee, name => v.name, code => v.code,
        stage => stage.as_str(), stage_name => stage_name(stage, lang),
        history => history(&v.cycle, &names, lang), allowed, codes, groups, targets,
        rated, steps, failed, inline_error,
        self_review => v.cycle.self_review(),
        result => v.cycle.current_result().map(|r| &r.result),
        may_appeal => is_subject && matches!(stage, Stage::Published | Stage::Locked),
        appeals,
        error,
    };
    render_page(state, me, "cycle.html", page)
}

/// `GET /cycle/{period}/{employee}`: the person's cycle.
pub async fn page(
    State(state): State<AppState>,
    me: CurrentUser,
    Path((period, employee)): Path<(String, i64)>,
) -> Result<Response, WebError> {
    let period = parse_period(&period)?;
    match render_cycle(&state, &me, period, employee, None, None).await {
        Ok(html) => Ok(html.into_response()),
        Err(WebError::NotFound(_)) => {
            let may_open = matches!(me.viewer.role, Role::Hr | Role::Admin);
            let ctx = context! {
                message => crate::i18n::t(me.lang, "no_cycle"), period => period.to_string(),
                employee, may_open,
            };
            let html = render_page(&state, &me, "notice.html", ctx)?;
            Ok((axum::http::StatusCode::NOT_FOUND, html).into_response())
        }
        Err(e) => Err(e),
    }
}

type Fields = HashMap<String, String>;

fn field(f: &Fields, key: &str) -> String {
    f.get(key).map(|s| s.trim().to_string()).unwrap_or_default()
}

/// The step a form or API call names, for the steps that carry only text.
fn simple_action(name: &str, f: &Fields) -> Result<Action, WebError> {
    let reason = || field(f, "reason");
    Ok(match name {
        "confirm_targets" => Action::ConfirmTargets,
        "dispute_targets" => Action::DisputeTargets { reason: reason() },
        "approve_targets_hr" => Action::ApproveTargetsHr,
        "return_targets_hr" => Action::ReturnTargetsHr { reason: reason() },
        "approve_targets_committee" => Action::ApproveTargetsCommittee,
        "return_targets_committee" => Action::ReturnTargetsCommittee { reason: reason() },
        "submit_self_review" => Action::SubmitSelfReview {
            work_report: field(f, "work_report"),
            self_evaluation: field(f, "self_evaluation"),
        },
        "close_self_review" => Action::CloseSelfReview { reason: reason() },
        "approve_result" => Action::ApproveResult,
        "return_result" => Action::ReturnResult { reason: reason() },
        "lock" => Action::Lock,
        other => {
            return Err(WebError::Invalid {
                field: "action".into(),
                message: format!("unknown or unsupported step `{other}`"),
            });
        }
    })
}

fn rater_group(code: &str) -> Result<RaterGroup, WebError> {
    RaterGroup::ALL
        .into_iter()
        .find(|g| g.as_str() == code)
        .ok_or_else(|| WebError::Invalid {
            field: "group".into(),
            message: format!("unknown rater group `{code}`"),
        })
}

/// The ratings of a form: every `rating_<indicator>` with a value.
fn ratings(f: &Fields) -> Result<Vec<(String, f64)>, WebError> {
    let mut out = Vec::new();
    for (k, v) in f {
        let Some(code) = k.strip_prefix("rating_") else {
            continue;
        };
        if v.trim().is_empty() {
            continue;
        }
        let value = v.trim().parse::<f64>().map_err(|_| WebError::Invalid {
            field: k.clone(),
            message: format!("`{v}` is not a number"),
        })?;
        out.push((code.to_string(), value));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// What a step did.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum Done {
    /// Cycle transitions.
    Steps(Vec<Transition>),
    /// An appeal filed.
    Appeal { appeal: i64 },
}

async fn rate(
    state: &AppState,
    me: &CurrentUser,
    period: Period,
    employee: i64,
    f: &Fields,
) -> Result<Done, WebError> {
    let group = rater_group(&field(f, "group"))?;
    let answers = ratings(f)?;
    if answers.is_empty() {
        return Err(WebError::Invalid {
            field: "rating".into(),
            message: "enter at least one rating".into(),
        });
    }
    // One form, one decision: every value is checked before any is stored.
    let actions = answers
        .into_iter()
        .map(|(indicator, value)| Action::SubmitRating {
            group,
            indicator,
            value,
            comment: field(f, "comment"),
        })
        .collect();
    let done = state
        .store
        .act_all(&me.viewer, period, employee, actions, state.today())
        .await?;
    Ok(Done::Steps(done))
}

async fn appeal(
    state: &AppState,
    me: &CurrentUser,
    period: Period,
    employee: i64,
    f: &Fields,
) -> Result<Done, WebError> {
    if me.viewer.employee_id != Some(employee) {
        return Err(WebError::Forbidden(
            "only the person assessed may appeal".into(),
        ));
    }
    let evidence: Vec<String> = field(f, "evidence")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    let id = state
        .store
        .file_appeal(
            &me.viewer,
            period,
            &field(f, "reason"),
            &evidence,
            state.today(),
        )
        .await?;
    Ok(Done::Appeal { appeal: id })
}

/// Takes the step named by `f["action"]`.
async fn take(
    state: &AppState,
    me: &CurrentUser,
    period: Period,
    employee: i64,
    f: &Fields,
) -> Result<Done, WebError> {
    let today = state.today();
    let v = &me.viewer;
    if let Some(action) = crate::cycle_forms::action(state, me, period, employee, f).await? {
        let done = state.store.act(v, period, employee, action, today).await?;
        return Ok(Done::Steps(vec![done]));
    }
    let done = match field(f, "action").as_str() {
        "submit_rating" => return rate(state, me, period, employee, f).await,
        "appeal" => return appeal(state, me, period, employee, f).await,
        "consolidate" => state.store.consolidate(v, period, employee, today).await?,
        "propose_targets" => {
            let action = proposal(state, me, period, employee, f).await?;
            state.store.act(v, period, employee, action, today).await?
        }
        name => {
            let action = simple_action(name, f)?;
            state.store.act(v, period, employee, action, today).await?
        }
    };
    Ok(Done::Steps(vec![done]))
}

/// `POST /cycle/{period}/{employee}`: a step through a form (field `action`, the session's
/// `csrf`); back to the page on success, the page with the reason when refused.
pub async fn form(
    State(state): State<AppState>,
    me: CurrentUser,
    Path((period, employee)): Path<(String, i64)>,
    Form(f): Form<Fields>,
) -> Result<Response, WebError> {
    me.check_csrf(f.get("csrf").map(String::as_str))?;
    let period = parse_period(&period)?;
    state.store.cycle(&me.viewer, period, employee).await?;
    // "Add a row" of the plan form takes no step: the page again, one row more, kept typed.
    if f.contains_key("add_row") {
        let html = render_typed(&state, &me, period, employee, None, None, Some(&f)).await?;
        return Ok(html.into_response());
    }
    match take(&state, &me, period, employee, &f).await {
        // A filed appeal continues on its own page, where HR answers it.
        Ok(Done::Appeal { appeal }) => {
            Ok(Redirect::to(&format!("/appeals/{appeal}")).into_response())
        }
        Ok(Done::Steps(_)) => {
            Ok(Redirect::to(&format!("/cycle/{period}/{employee}")).into_response())
        }
        Err(
            e @ (WebError::Refused { .. }
            | WebError::Invalid { .. }
            | WebError::Forbidden(_)
            | WebError::Conflict { .. }),
        ) => {
            let e = e.in_lang(me.lang);
            let html = render_typed(
                &state,
                &me,
                period,
                employee,
                Some(e.message()),
                None,
                Some(&f),
            )
            .await?;
            Ok((e.status(), html).into_response())
        }
        Err(e) => Err(e),
    }
}

/// `GET /api/cycle?period=P&employee=ID`: the stage, history and what the caller may do now.
#[utoipa::path(get, path = "/api/cycle", tag = "cycle", params(Find),
    responses(
        (status = 200, description = "The cycle", body = CycleBody),
        (status = 404, description = "No cycle of that person and period in scope", body = ErrorBody),
        (status = 422, description = "A malformed period", body = ErrorBody),
    ))]
pub async fn api_state(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(q): Query<Find>,
) -> Result<Json<Value>, WebError> {
    let period = match q.period.as_deref() {
        Some(p) => parse_period(p)?,
        None => this_month(state.today()),
    };
    let employee = who(&me, q.employee)?;
    let v = load(&state, &me, period, employee).await?;
    Ok(Json(json!({
        "period": period.to_string(),
        "employee": employee,
        "stage": v.cycle.stage(),
        "history": history(&v.cycle, &actor_names(&state, &v.cycle).await?, me.lang),
        "allowed_now": v.allowed,
    })))
}

/// `POST /api/cycle/act` with `X-CSRF-Token`: `{"period": "2026-10", "employee": 12,
/// "action": "confirm_targets"}`, plus the step's fields (`reason`, `work_report`,
/// `self_evaluation`, `group` and `rating_<indicator>`, `evidence`, and those of the later
/// steps, see [`ActBody`]). Actions: those of the cycle page, `submit_rating` (all of a
/// submission's ratings are stored or none), `consolidate` and `appeal`.
#[utoipa::path(post, path = "/api/cycle/act", tag = "cycle",
    request_body(content = ActBody, description = "The step and its fields; ratings as `rating_<indicator>`: number"),
    responses(
        (status = 200, description = "The step was taken", body = DoneBody),
        (status = 404, description = "No cycle of that person and period in scope", body = ErrorBody),
        (status = 409, description = "The cycle's state does not allow it now", body = RefusalBody),
        (status = 422, description = "A bad field, or the rules refused the data", body = ErrorBody),
    ))]
pub async fn api_act(
    State(state): State<AppState>,
    me: CurrentUser,
    headers: HeaderMap,
    JsonBody(body): JsonBody<HashMap<String, Value>>,
) -> Result<Json<Done>, WebError> {
    me.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))?;
    let f: Fields = body
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                v.as_str().map_or_else(|| v.to_string(), str::to_string),
            )
        })
        .collect();
    let period = parse_period(&field(&f, "period"))?;
    let employee = who(&me, field(&f, "employee").parse().ok())?;
    state.store.cycle(&me.viewer, period, employee).await?;
    let done = take(&state, &me, period, employee, &f)
        .await
        .map_err(|e| e.in_lang(me.lang))?;
    Ok(Json(done))
}

/// The form of `POST /cycle/open`.
#[derive(Debug, Deserialize)]
pub struct OpenForm {
    pub csrf: String,
    pub period: String,
    /// The person whose cycle to show afterwards (else one's own).
    pub employee: Option<i64>,
}

/// `POST /cycle/open`: HR opens the period's cycles for everybody a scheme assesses
/// (idempotent), then shows the person's cycle.
pub async fn open(
    State(state): State<AppState>,
    me: CurrentUser,
    Form(f): Form<OpenForm>,
) -> Result<Redirect, WebError> {
    me.check_csrf(Some(&f.csrf))?;
    let period = parse_period(f.period.trim())?;
    state.store.open_cycles(&me.viewer, period).await?;
    let to = match f.employee.or(me.viewer.employee_id) {
        Some(e) => format!("/cycle/{period}/{e}"),
        None => "/inbox".to_string(),
    };
    Ok(Redirect::to(&to))
}
