//! The forms of the cycle's later steps (kaohe issue 22): assigning raters, extending the
//! rating deadline, the feedback interview, the improvement plan and its follow-ups. This
//! module reads their fields into the domain's [`Action`]s (taken through the same
//! [`kaohe_store::Store::act`] as `kaohe cycle act`) and builds what the cycle page shows of
//! them. A refused form comes back with what was typed ([`typed`]), so nothing is lost.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::WebError;
use crate::i18n::{Lang, t};
use chrono::NaiveDate;
use kaohe_domain::cycle::{Action, ActionKind, CycleState, PlanItemInput};
use kaohe_domain::period::Period;
use kaohe_domain::roles::Role;
use kaohe_domain::scheme::RaterGroup;
use kaohe_store::StoreError;
use kaohe_store::cycle::{RaterCandidate, RaterCandidates};
use serde_json::{Value, json};
use std::collections::HashMap;

/// A form's fields.
pub(crate) type Fields = HashMap<String, String>;

/// Empty plan rows a new plan form offers; "add a row" adds one more.
const PLAN_ROWS: usize = 3;
/// The most rows a plan form takes (a plan is a handful of items, not a list to import).
const MAX_PLAN_ROWS: usize = 20;

/// The steps whose forms show a refusal in place, with what was typed.
pub(crate) const INLINE_FORMS: [&str; 9] = [
    "propose_targets",
    "submit_self_review",
    "submit_rating",
    "assign_rater",
    "extend_rating",
    "record_interview",
    "acknowledge_interview",
    "set_improvement_plan",
    "follow_up",
];

fn field(f: &Fields, key: &str) -> String {
    f.get(key).map(|s| s.trim().to_string()).unwrap_or_default()
}

fn invalid(field: impl Into<String>, lang: Lang, key: &str) -> WebError {
    WebError::Invalid {
        field: field.into(),
        message: t(lang, key).to_string(),
    }
}

/// The anchor of the cycle page's form for an inbox item's kind.
fn anchor(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "propose_targets" => "step-propose_targets",
        "confirm_targets" => "step-confirm_targets",
        "review_targets" => "step-approve_targets_hr",
        "approve_targets" => "step-approve_targets_committee",
        "self_review" => "step-submit_self_review",
        "rate" => "step-submit_rating",
        "consolidate" => "step-consolidate",
        "approve_result" => "step-approve_result",
        "interview" => "step-record_interview",
        "plan" | "improvement_plan" => "step-set_improvement_plan",
        "follow_up" => "step-follow_up",
        "lock" => "step-lock",
        _ => return None,
    })
}

/// Where an inbox item leads: its page, at the form of its step when it is a cycle step.
pub(crate) fn inbox_href(link: &str, kind: &str) -> String {
    match anchor(kind) {
        Some(a) if link.starts_with("/cycle/") && !link.contains('#') => format!("{link}#{a}"),
        _ => link.to_string(),
    }
}

/// The step a form of this module names, or `None` for the other steps.
pub(crate) async fn action(
    state: &AppState,
    me: &CurrentUser,
    period: Period,
    employee: i64,
    f: &Fields,
) -> Result<Option<Action>, WebError> {
    let lang = me.lang;
    let name = field(f, "action");
    let Some(kind) = KINDS.into_iter().find(|k| k.as_str() == name) else {
        return Ok(None);
    };
    // A step the viewer may not take now is refused by the domain, saying why (stage or role)
    // and what they may do, before its fields are read.
    let allowed = match state.store.allowed_now(&me.viewer, period, employee).await {
        Ok(a) => a,
        Err(StoreError::Forbidden(_)) => Vec::new(),
        Err(e) => return Err(e.into()),
    };
    if !allowed.contains(&kind) {
        return Ok(Some(placeholder(kind, employee, state.today())));
    }
    Ok(Some(match name.as_str() {
        "assign_rater" => assignment(state, me, period, employee, f).await?,
        "extend_rating" => Action::ExtendRating {
            until: date(f, "until", lang)?,
            reason: field(f, "reason"),
        },
        "record_interview" => Action::RecordInterview {
            strengths: lines(&field(f, "strengths")),
            shortfalls: lines(&field(f, "shortfalls")),
            employee_comments: field(f, "employee_comments"),
        },
        "acknowledge_interview" => Action::AcknowledgeInterview {
            comments: field(f, "comments"),
        },
        "set_improvement_plan" => Action::SetImprovementPlan {
            items: plan_items(me, employee, f)?,
        },
        "follow_up" => Action::FollowUp {
            item: field(f, "item")
                .parse()
                .map_err(|_| invalid("item", lang, "follow_up_item_missing"))?,
            note: field(f, "note"),
            done: f.get("done").is_some_and(|v| !v.is_empty()),
        },
        _ => return Ok(None),
    }))
}

/// The steps whose forms this module reads.
const KINDS: [ActionKind; 6] = [
    ActionKind::AssignRater,
    ActionKind::ExtendRating,
    ActionKind::RecordInterview,
    ActionKind::AcknowledgeInterview,
    ActionKind::SetImprovementPlan,
    ActionKind::FollowUp,
];

/// A step of `kind` without data, for the domain to refuse on stage or role.
fn placeholder(kind: ActionKind, employee: i64, today: NaiveDate) -> Action {
    match kind {
        ActionKind::AssignRater => Action::AssignRater {
            rater_id: employee,
            group: RaterGroup::Peers,
        },
        ActionKind::ExtendRating => Action::ExtendRating {
            until: today,
            reason: String::new(),
        },
        ActionKind::RecordInterview => Action::RecordInterview {
            strengths: Vec::new(),
            shortfalls: Vec::new(),
            employee_comments: String::new(),
        },
        ActionKind::SetImprovementPlan => Action::SetImprovementPlan { items: Vec::new() },
        ActionKind::AcknowledgeInterview => Action::AcknowledgeInterview {
            comments: String::new(),
        },
        _ => Action::FollowUp {
            item: 0,
            note: String::new(),
            done: false,
        },
    }
}

/// One text a line, blank lines dropped.
fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

fn date(f: &Fields, key: &str, lang: Lang) -> Result<NaiveDate, WebError> {
    let text = field(f, key);
    if text.is_empty() {
        return Err(invalid(key, lang, "date_missing"));
    }
    NaiveDate::parse_from_str(&text, "%Y-%m-%d").map_err(|_| WebError::Invalid {
        field: key.into(),
        message: format!("「{text}」{}", t(lang, "date_bad")),
    })
}

/// A rater chosen from the lists the form offers: peers from the person's team, related
/// departments' raters from the other departments. Someone who may not assign gets the
/// domain's refusal (with what they may do instead), not a list.
async fn assignment(
    state: &AppState,
    me: &CurrentUser,
    period: Period,
    employee: i64,
    f: &Fields,
) -> Result<Action, WebError> {
    let lang = me.lang;
    let group = match field(f, "group").as_str() {
        "peers" => RaterGroup::Peers,
        "related_departments" => RaterGroup::RelatedDepartments,
        _ => return Err(invalid("group", lang, "rater_group_bad")),
    };
    let rater_id: i64 = field(f, "rater")
        .parse()
        .map_err(|_| invalid("rater", lang, "rater_missing"))?;
    match state
        .store
        .rater_candidates(&me.viewer, period, employee)
        .await
    {
        Ok(c) => {
            let offered = match group {
                RaterGroup::Peers => &c.peers,
                _ => &c.others,
            };
            if !offered.iter().any(|p| p.id == rater_id) {
                return Err(invalid("rater", lang, "rater_not_offered"));
            }
        }
        // The domain refuses below, saying who may assign.
        Err(StoreError::Forbidden(_)) => {}
        Err(e) => return Err(e.into()),
    }
    Ok(Action::AssignRater { rater_id, group })
}

/// The rows of a plan form that were filled in, as plan items. A row is `item_N`, `owner_N`
/// and `due_N` (N from 1); a wholly empty row is skipped, a half-filled one names its field.
fn plan_items(me: &CurrentUser, employee: i64, f: &Fields) -> Result<Vec<PlanItemInput>, WebError> {
    let lang = me.lang;
    let owners = owner_ids(me, employee);
    let mut items = Vec::new();
    for n in 1..=plan_rows(f) {
        let (item, owner, due) = (
            field(f, &format!("item_{n}")),
            field(f, &format!("owner_{n}")),
            field(f, &format!("due_{n}")),
        );
        if item.is_empty() && due.is_empty() {
            continue;
        }
        if item.is_empty() {
            return Err(invalid(format!("item_{n}"), lang, "plan_item_missing"));
        }
        let owner_id = owner
            .parse::<i64>()
            .ok()
            .filter(|o| owners.contains(o))
            .ok_or_else(|| invalid(format!("owner_{n}"), lang, "plan_owner_bad"))?;
        let due_on = date(f, &format!("due_{n}"), lang)?;
        items.push(PlanItemInput {
            item,
            owner_id,
            due_on,
        });
    }
    Ok(items)
}

/// How many rows the plan form has (3 at first, one more for each "add a row").
pub(crate) fn plan_rows(f: &Fields) -> usize {
    let typed = field(f, "rows").parse::<usize>().unwrap_or(PLAN_ROWS);
    let more = usize::from(f.contains_key("add_row"));
    (typed + more).clamp(1, MAX_PLAN_ROWS)
}

/// Who may own a plan item: the person assessed and the superior setting the plan.
fn owner_ids(me: &CurrentUser, employee: i64) -> Vec<i64> {
    let mut ids = vec![employee];
    ids.extend(me.viewer.employee_id.filter(|id| *id != employee));
    ids
}

/// A person's name (with 工号) for the page; people are read as the system because a
/// rater or an item's owner may be outside the viewer's scope (a related department).
async fn names(state: &AppState, ids: &[i64]) -> Result<HashMap<i64, String>, WebError> {
    let system = kaohe_store::Viewer::system("cycle page");
    let mut out = HashMap::new();
    for id in ids {
        if out.contains_key(id) {
            continue;
        }
        match state.store.employee(&system, *id).await {
            Ok(e) => {
                out.insert(*id, format!("{} ({})", e.name, e.code));
            }
            Err(StoreError::NotFound { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(out)
}

/// What the page shows of the later steps and their forms.
pub(crate) struct Section<'a> {
    pub period: Period,
    pub employee: i64,
    pub cycle: &'a CycleState,
    pub allowed: &'a [ActionKind],
    pub superior: bool,
    pub typed: Option<&'a Fields>,
}

/// The page's context for the later steps: the current assignments (for those who assign
/// them: peers rate anonymously), the interview and plan as recorded, and each form the
/// viewer may use now with what was typed into it.
pub(crate) async fn section(
    state: &AppState,
    me: &CurrentUser,
    s: Section<'_>,
) -> Result<Value, WebError> {
    let lang = me.lang;
    let may = |k: ActionKind| s.allowed.contains(&k);
    let is_subject = me.viewer.employee_id == Some(s.employee);
    let sees_raters =
        !is_subject && (s.superior || matches!(me.viewer.role, Role::Hr | Role::Admin));
    let mut ids: Vec<i64> = s.cycle.raters().iter().map(|r| r.rater_id).collect();
    if let Some(p) = s.cycle.plan() {
        ids.extend(p.items.iter().map(|i| i.owner_id));
        ids.extend(
            p.items
                .iter()
                .flat_map(|i| i.follow_ups.iter().map(|f| f.by)),
        );
    }
    ids.extend(owner_ids(me, s.employee));
    let names = names(state, &ids).await?;
    let name = |id: i64| names.get(&id).cloned().unwrap_or_else(|| id.to_string());
    let group_name = |g: RaterGroup| match lang {
        Lang::Zh => g.name_zh(),
        Lang::En => g.as_str(),
    };
    let assignments: Option<Vec<Value>> = sees_raters.then(|| {
        s.cycle
            .raters()
            .iter()
            .map(|a| json!({ "name": name(a.rater_id), "group": group_name(a.group), "group_code": a.group.as_str(), "on": a.assigned_on }))
            .collect()
    });
    let candidates = if may(ActionKind::AssignRater) {
        Some(
            state
                .store
                .rater_candidates(&me.viewer, s.period, s.employee)
                .await
                .or_else(|e| match e {
                    StoreError::Forbidden(_) => Ok(RaterCandidates::default()),
                    e => Err(WebError::from(e)),
                })?,
        )
    } else {
        None
    };
    let interview = s.cycle.interview().map(|i| {
        json!({
            "strengths": i.strengths, "shortfalls": i.shortfalls,
            "employee_comments": i.employee_comments, "by": name(i.recorded_by), "on": i.recorded_on,
            "acknowledged": i.acknowledgement.as_ref().map(|a| json!({ "comments": a.comments, "on": a.on })),
        })
    });
    let plan = s.cycle.plan().map(|p| {
        let items: Vec<Value> = p
            .items
            .iter()
            .enumerate()
            .map(|(n, i)| {
                let notes: Vec<Value> = i
                    .follow_ups
                    .iter()
                    .map(|f| json!({ "on": f.on, "by": name(f.by), "note": f.note }))
                    .collect();
                json!({ "index": n, "no": n + 1, "item": i.item, "owner": name(i.owner_id),
                        "due_on": i.due_on, "done": i.done, "follow_ups": notes })
            })
            .collect();
        json!({ "items": items, "by": name(p.set_by), "on": p.set_on })
    });
    let owners: Vec<Value> = owner_ids(me, s.employee)
        .into_iter()
        .map(|id| json!({ "id": id, "name": name(id) }))
        .collect();
    let empty = Fields::new();
    let typed = s.typed.unwrap_or(&empty);
    let plan_form = may(ActionKind::SetImprovementPlan).then(|| plan_form(s.cycle, typed, owners));
    Ok(json!({
        "assignments": assignments,
        "candidates": candidates.map(|c| json!({ "peers": listed(&c.peers), "others": listed(&c.others) })),
        "extend": may(ActionKind::ExtendRating).then(|| json!({
            "min": state.today(),
            "until": s.cycle.rating_extended_until(),
        })),
        "interview": interview,
        "plan": plan,
        "plan_form": plan_form,
        "plan_required": s.cycle.plan_required(),
        "typed": typed,
    }))
}

fn listed(people: &[RaterCandidate]) -> Vec<Value> {
    people
        .iter()
        .map(|p| json!({ "id": p.id, "label": format!("{} ({}) · {}", p.name, p.code, p.department) }))
        .collect()
}

/// The plan form's rows: what was typed after a refusal or "add a row", else the plan as set
/// (a superior revising it), else empty rows.
fn plan_form(cycle: &CycleState, typed: &Fields, owners: Vec<Value>) -> Value {
    let rows: Vec<Value> = if typed.get("action").map(String::as_str)
        == Some("set_improvement_plan")
    {
        (1..=plan_rows(typed))
            .map(|n| {
                json!({
                    "no": n,
                    "item": field(typed, &format!("item_{n}")),
                    "owner": field(typed, &format!("owner_{n}")),
                    "due": field(typed, &format!("due_{n}")),
                })
            })
            .collect()
    } else {
        let set: Vec<Value> = cycle
            .plan()
            .map(|p| p.items.iter().collect::<Vec<_>>())
            .unwrap_or_default()
            .into_iter()
            .enumerate()
            .map(|(n, i)| json!({ "no": n + 1, "item": i.item, "owner": i.owner_id.to_string(), "due": i.due_on }))
            .collect();
        let filled = set.len();
        set.into_iter()
            .chain(
                (filled + 1..=filled.max(PLAN_ROWS - 1) + 1)
                    .map(|n| json!({ "no": n, "item": "", "owner": "", "due": "" })),
            )
            .collect()
    };
    json!({ "rows": rows, "count": rows.len(), "owners": owners, "max": MAX_PLAN_ROWS })
}
