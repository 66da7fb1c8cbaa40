//! Drives one month of the demo company through the whole assessment cycle, deterministically,
//! through the same store API as the web and the CLI: targets proposed from the month's
//! stored targets and agreed, raters assigned, self-reviews, ratings and behaviour factors
//! from a fixed formula, HR's consolidation, the committee's approval, interviews (and
//! improvement plans where required), locking; then awards (all confirmed), bonuses and the
//! career ladder (promotions and demotions confirmed, a dismissal given its grace period when
//! it may have one).
//!
//! Each person's cycle is moved from whatever stage it is in, so running it twice finishes
//! what the first run left and changes nothing once the month is locked.

use anyhow::{Context, Result, anyhow};
use chrono::Datelike;
use kaohe_domain::composition::to_hundredths;
use kaohe_domain::cycle::{Action, CycleState, PlanItemInput, Stage, Target};
use kaohe_domain::ladder::{Decision, RecommendationKind};
use kaohe_domain::money::Cents;
use kaohe_domain::period::Period;
use kaohe_domain::roles::Role;
use kaohe_domain::scheme::{Composition, RaterGroup, Scheme};
use kaohe_store::awards::AwardDecision;
use kaohe_store::evaluate::EvalRequest;
use kaohe_store::{Sql, Store, Viewer};
use serde::Serialize;

/// What a drive did.
#[derive(Debug, Clone, Serialize)]
pub struct DriveReport {
    pub period: String,
    pub cycles: usize,
    pub locked: usize,
    pub period_status: Option<String>,
    pub ratings: i64,
    pub awards_confirmed: usize,
    pub bonuses: usize,
    pub bonus_total_cents: i64,
    pub ladder_decisions: usize,
}

/// The demo's rating of `indicator` (its index among the rated ones) by `group`: 70 to 100,
/// fixed per person, indicator and group, so tests can recompute every score by hand.
pub fn demo_rating(employee: i64, indicator_index: usize, group: RaterGroup) -> f64 {
    let g = RaterGroup::ALL
        .iter()
        .position(|x| *x == group)
        .unwrap_or(0) as i64;
    70.0 + ((employee * 7 + indicator_index as i64 * 13 + g * 3) % 31) as f64
}

/// The demo's behaviour factor of a person: 0.8, 0.9, 1.0 or 1.1 by employee id.
pub fn demo_behaviour(employee: i64) -> f64 {
    [0.8, 0.9, 1.0, 1.1][(employee % 4) as usize]
}

/// The amount a manager sets for an award whose rule names none (激流永进): 500 yuan.
pub const SET_AWARD_YUAN: i64 = 500;

fn person(role: Role, id: i64) -> Viewer {
    Viewer {
        user_id: None,
        username: format!("demo:{id}"),
        role,
        employee_id: Some(id),
        team_id: None,
        department_ids: Vec::new(),
    }
}

/// [`person`] with the data scope the role gives them (their team and department subtree):
/// the store checks it where a decision concerns someone else (the ladder).
async fn person_in_scope(store: &Store, role: Role, id: i64) -> Result<Viewer> {
    let mut viewer = person(role, id);
    let mut sql = Sql::new("SELECT team_id, department_id FROM employees WHERE id = ");
    sql.bind(id);
    if let Some((team, dept)) = store.fetch_optional::<(Option<i64>, i64)>(&sql).await? {
        viewer.team_id = team;
        viewer.department_ids = store.department_subtree(dept).await?;
    }
    Ok(viewer)
}

struct Ctx {
    period: Period,
    /// Each assessed person's direct superior, looked up once per month: choosing a peer
    /// compares everybody's superiors, which asked the database n² times.
    superiors: std::collections::HashMap<i64, i64>,
    hr: Viewer,
    committee: Viewer,
    deadlines: kaohe_domain::cycle::Deadlines,
    cal: kaohe_domain::calendar::Calendar,
}

/// Drives `period` (see the module documentation). Needs the demo logins `hr` and
/// `committee`.
pub async fn drive(store: &Store, period: Period) -> Result<DriveReport> {
    let hr = crate::cycle::viewer(store, "hr").await?;
    let committee = crate::cycle::viewer(store, "committee").await?;
    let system = Viewer::system("kaohe demo");
    // Last month's scorecards, so "most improved" has something to compare with.
    if store.period_status(period.prev()).await?.as_deref() != Some("locked") {
        let req = EvalRequest {
            period: period.prev(),
            scheme: None,
            employee: None,
        };
        store.evaluate(&system, &req).await?;
    }
    store.open_cycles(&hr, period).await?;
    let lib = store.library().await?;
    let cycles = store.cycles(&system, period).await?;
    let superiors = superiors_of(store, &cycles).await?;
    for c in &cycles {
        let scheme = lib
            .library
            .scheme(&c.scheme_code)
            .with_context(|| format!("scheme {}", c.scheme_code))?
            .clone();
        let ctx = Ctx {
            period,
            superiors: superiors.clone(),
            hr: hr.clone(),
            committee: committee.clone(),
            deadlines: store.deadlines(&c.scheme_code).await?,
            cal: store.calendar(period.start()).await?,
        };
        drive_one(store, &ctx, c.employee_id, &scheme, &cycles, Stage::Locked)
            .await
            .with_context(|| format!("driving {} ({})", c.name, c.employee_code))?;
    }
    finish(store, period, &hr, cycles.len()).await
}

/// Awards, bonuses and the ladder once the month is locked.
async fn finish(store: &Store, period: Period, hr: &Viewer, n: usize) -> Result<DriveReport> {
    let system = Viewer::system("kaohe demo");
    let today = period.end_exclusive();
    let mut confirmed = 0;
    for a in store.compute_awards(hr, period).await? {
        if a.status != "proposed" {
            continue;
        }
        let amount = (a.amount_cents == 0).then(|| Cents::yuan(SET_AWARD_YUAN));
        store
            .decide_award(hr, a.id, AwardDecision::Confirm { amount }, today)
            .await?;
        confirmed += 1;
    }
    let bonuses = store.compute_bonuses(hr, period).await?;
    let mut decided = 0;
    for r in store.evaluate_ladder(hr, period).await? {
        if r.status != "recommended" {
            continue;
        }
        let chain = store.supervisor_chain(r.employee_id).await?;
        let Some(sup) = chain.first() else { continue };
        let grace = matches!(
            r.recommendation()?.kind,
            RecommendationKind::Dismiss {
                grace_days: Some(_)
            }
        );
        let decision = if grace {
            Decision::GrantGrace
        } else {
            Decision::Confirm
        };
        let supervisor = person_in_scope(store, Role::Manager, *sup).await?;
        match store
            .decide_ladder(&supervisor, r.id, decision, today)
            .await
        {
            Ok(_) => decided += 1,
            // Someone dismissed in an earlier month is recommended again; there is nothing
            // left to decide about them (the demo drives several months in a row).
            Err(kaohe_store::StoreError::Refused(refusal))
                if refusal.kind == kaohe_domain::cycle::RefusalKind::WrongState => {}
            Err(e) => return Err(e.into()),
        }
    }
    let locked = store
        .cycles(&system, period)
        .await?
        .iter()
        .filter(|c| c.state == "locked")
        .count();
    let mut q = Sql::new("SELECT CAST(COUNT(*) AS BIGINT) FROM ratings WHERE period = ");
    q.bind(period.to_string());
    Ok(DriveReport {
        period: period.to_string(),
        cycles: n,
        locked,
        period_status: store.period_status(period).await?,
        ratings: store.fetch_i64(&q).await?,
        awards_confirmed: confirmed,
        bonuses: bonuses.len(),
        bonus_total_cents: bonuses.iter().map(|b| b.bonus.0).sum(),
        ladder_decisions: decided,
    })
}

/// Drives one person's cycle of `period` (opened already) as [`drive`] does, until it reaches
/// `until`: a test or a demonstration of one step can stop before it (say, at
/// [`Stage::Rating`] to give the behaviour factor by hand) and go on afterwards.
pub async fn drive_person(store: &Store, period: Period, id: i64, until: Stage) -> Result<()> {
    let system = Viewer::system("kaohe demo");
    let cycles = store.cycles(&system, period).await?;
    let code = &cycles
        .iter()
        .find(|c| c.employee_id == id)
        .ok_or_else(|| anyhow!("no cycle of employee {id} in {period}"))?
        .scheme_code;
    let scheme = store
        .library()
        .await?
        .library
        .scheme(code)
        .with_context(|| format!("scheme {code}"))?
        .clone();
    let ctx = Ctx {
        period,
        superiors: superiors_of(store, &cycles).await?,
        hr: crate::cycle::viewer(store, "hr").await?,
        committee: crate::cycle::viewer(store, "committee").await?,
        deadlines: store.deadlines(code).await?,
        cal: store.calendar(period.start()).await?,
    };
    drive_one(store, &ctx, id, &scheme, &cycles, until).await
}

async fn drive_one(
    store: &Store,
    ctx: &Ctx,
    id: i64,
    scheme: &Scheme,
    everyone: &[kaohe_store::cycle::CycleSummary],
    until: Stage,
) -> Result<()> {
    let system = Viewer::system("kaohe demo");
    let p = ctx.period;
    let (d, cal) = (&ctx.deadlines, &ctx.cal);
    let sup = *store
        .supervisor_chain(id)
        .await?
        .first()
        .ok_or_else(|| anyhow!("has no supervisor to propose targets"))?;
    let superior = person(Role::Manager, sup);
    let me = person(Role::Rep, id);
    for _ in 0..20 {
        let state = store.cycle(&system, p, id).await?;
        if state.stage() == until {
            return Ok(());
        }
        let (who, action, day) = match state.stage() {
            Stage::Drafting | Stage::TargetsReturned => (
                &superior,
                propose(store, p, id, scheme).await?,
                d.targets_due(p, cal),
            ),
            Stage::TargetsProposed => (&me, Action::ConfirmTargets, d.targets_due(p, cal)),
            Stage::TargetsConfirmed => (&ctx.hr, Action::ApproveTargetsHr, d.targets_due(p, cal)),
            Stage::TargetsReviewed => (
                &ctx.committee,
                Action::ApproveTargetsCommittee,
                d.targets_due(p, cal),
            ),
            Stage::Open => {
                assign_raters(store, ctx, id, sup, scheme, &state, everyone).await?;
                let a = Action::SubmitSelfReview {
                    work_report: format!("{p} 工作总结"),
                    self_evaluation: "完成本月主要工作".into(),
                };
                (&me, a, d.self_review_due(p, cal))
            }
            Stage::Rating => {
                rate(store, ctx, id, sup, scheme, &state).await?;
                store
                    .consolidate(&ctx.hr, p, id, d.consolidation_due(p, cal))
                    .await?;
                continue;
            }
            Stage::Consolidated => (
                &ctx.committee,
                Action::ApproveResult,
                d.committee_due(p, cal),
            ),
            Stage::Published if state.interview().is_none() => (
                &superior,
                Action::RecordInterview {
                    strengths: vec!["按时完成月度工作".into()],
                    shortfalls: vec!["客户跟进不够及时".into()],
                    employee_comments: "无".into(),
                },
                d.feedback_due(p, cal),
            ),
            Stage::Published if state.plan_required() && state.plan().is_none() => (
                &superior,
                Action::SetImprovementPlan {
                    items: vec![PlanItemInput {
                        item: "提高客户跟进及时率".into(),
                        owner_id: id,
                        due_on: d.feedback_due(p, cal) + chrono::Duration::days(30),
                    }],
                },
                d.feedback_due(p, cal),
            ),
            Stage::Published => (&ctx.hr, Action::Lock, d.feedback_due(p, cal)),
            Stage::Locked => return Ok(()),
        };
        store.act(who, p, id, action, day).await?;
    }
    Err(anyhow!("the cycle did not finish"))
}

/// Targets from the month's stored targets (as a manager would propose them from past
/// results); a target a formula of the scheme needs (`target("…")`) and the person has none
/// of — a newcomer without past results — is planned at [`PLAN_FOR_NEWCOMERS`].
async fn propose(store: &Store, p: Period, id: i64, scheme: &Scheme) -> Result<Action> {
    let mut sql = Sql::new("SELECT indicator_code, value FROM targets WHERE period = ");
    sql.bind(p.to_string())
        .push(" AND employee_id = ")
        .bind(id)
        .push(" ORDER BY indicator_code");
    let rows: Vec<(String, f64)> = store.fetch_all(&sql).await?;
    let mut targets: Vec<Target> = rows
        .into_iter()
        .map(|(indicator, value)| Target {
            indicator,
            value: Some(value),
        })
        .collect();
    let lib = store.library().await?;
    for code in scheme.indicator_codes() {
        let Some(f) = lib.library.indicator(code).and_then(|i| i.formula()) else {
            continue;
        };
        for needed in target_refs(f.source()) {
            if !targets.iter().any(|t| t.indicator == needed) {
                targets.push(Target {
                    indicator: needed,
                    value: Some(PLAN_FOR_NEWCOMERS),
                });
            }
        }
    }
    if targets.is_empty() {
        let first = scheme
            .indicator_codes()
            .next()
            .unwrap_or("none")
            .to_string();
        targets.push(Target {
            indicator: first,
            value: None,
        });
    }
    Ok(Action::ProposeTargets {
        targets,
        basis: "上期实绩与本期计划 / last period's results and this period's plan".into(),
    })
}

/// The plan for a target someone has no past results for: 1,000 yuan in cents, the smallest
/// target the demo derives from past results.
pub const PLAN_FOR_NEWCOMERS: f64 = 100_000.0;

/// The codes a formula names in `target("…")`.
fn target_refs(source: &str) -> Vec<String> {
    source
        .split("target(\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_string)
        .collect()
}

/// HR assigns the scheme's assigned groups: the supervisor as team leader, the next colleague
/// with the same supervisor as peer, the HR person for related departments.
#[allow(clippy::too_many_arguments)]
async fn assign_raters(
    store: &Store,
    ctx: &Ctx,
    id: i64,
    sup: i64,
    scheme: &Scheme,
    state: &CycleState,
    everyone: &[kaohe_store::cycle::CycleSummary],
) -> Result<()> {
    for g in scheme.raters.iter().map(|r| r.group) {
        let rater = match g {
            RaterGroup::TeamLeader => Some(sup),
            RaterGroup::Peers => peer(&ctx.superiors, id, sup, everyone),
            RaterGroup::RelatedDepartments => ctx.hr.employee_id,
            _ => None,
        };
        let Some(rater) = rater.filter(|r| *r != id) else {
            continue;
        };
        if state
            .raters()
            .iter()
            .any(|a| a.rater_id == rater && a.group == g)
        {
            continue;
        }
        let a = Action::AssignRater {
            rater_id: rater,
            group: g,
        };
        store
            .act(&ctx.hr, ctx.period, id, a, ctx.period.end())
            .await?;
    }
    Ok(())
}

fn peer(
    superiors: &std::collections::HashMap<i64, i64>,
    id: i64,
    sup: i64,
    everyone: &[kaohe_store::cycle::CycleSummary],
) -> Option<i64> {
    let same: Vec<i64> = everyone
        .iter()
        .map(|c| c.employee_id)
        .filter(|e| *e != id && superiors.get(e) == Some(&sup))
        .collect();
    same.iter()
        .copied()
        .find(|x| *x > id)
        .or_else(|| same.first().copied())
}

/// The direct superior of everybody with a cycle.
async fn superiors_of(
    store: &Store,
    cycles: &[kaohe_store::cycle::CycleSummary],
) -> Result<std::collections::HashMap<i64, i64>> {
    let mut out = std::collections::HashMap::new();
    for c in cycles {
        if let Some(sup) = store.supervisor_chain(c.employee_id).await?.first() {
            out.insert(c.employee_id, *sup);
        }
    }
    Ok(out)
}

/// Every rater rates every rated indicator; customers answer through a link; the superior
/// gives the behaviour factor of a performance × behaviour scheme.
async fn rate(
    store: &Store,
    ctx: &Ctx,
    id: i64,
    sup: i64,
    scheme: &Scheme,
    state: &CycleState,
) -> Result<()> {
    let p = ctx.period;
    let day = ctx.deadlines.rating_from(p, &ctx.cal);
    let rated = state.setup().rated_indicators.clone();
    for g in scheme.raters.iter().map(|r| r.group) {
        let raters: Vec<(Viewer, i64)> = match g {
            RaterGroup::Superior => vec![(person(Role::Manager, sup), sup)],
            RaterGroup::SelfReview => vec![(person(Role::Rep, id), id)],
            RaterGroup::Customers => {
                customer_rating(store, ctx, id, &rated).await?;
                continue;
            }
            _ => state
                .raters()
                .iter()
                .filter(|a| a.group == g)
                .map(|a| (person(Role::Rep, a.rater_id), a.rater_id))
                .collect(),
        };
        for (v, rater) in raters {
            for (i, ind) in rated.iter().enumerate() {
                let done = state.ratings().iter().any(|r| {
                    r.group == g
                        && &r.indicator == ind
                        && r.rater == kaohe_domain::cycle::RaterId::Employee(rater)
                });
                if done {
                    continue;
                }
                // A training score pre-fills its indicator; the demo raters accept it.
                let value = match store.rating_prefill(p, id, ind).await? {
                    Some(f) => f.value,
                    None => demo_rating(id, i, g),
                };
                let a = Action::SubmitRating {
                    group: g,
                    indicator: ind.clone(),
                    value,
                    comment: String::new(),
                };
                store.act(&v, p, id, a, day).await?;
            }
        }
    }
    // A factor someone entered already stands; the demo gives only the missing ones.
    let superior = person(Role::Manager, sup);
    let given = store.behaviour(&superior, p, id).await?.is_some();
    if matches!(scheme.composition, Composition::Behaviour { .. }) && !given {
        let input = kaohe_store::cycle::BehaviourInput {
            factor: demo_behaviour(id),
            acts: if demo_behaviour(id) > 1.0 {
                "协助同事完成大客户签约 / helped a colleague close a key account".into()
            } else {
                String::new()
            },
            violation: String::new(),
        };
        store.record_behaviour(&superior, p, id, &input).await?;
    }
    Ok(())
}

/// The person's first customer answers every rated indicator through a link.
async fn customer_rating(store: &Store, ctx: &Ctx, id: i64, rated: &[String]) -> Result<()> {
    let mut sql = Sql::new("SELECT archive_no FROM customers WHERE owner_id = ");
    sql.bind(id).push(" ORDER BY id LIMIT 1");
    let Some((customer,)) = store.fetch_optional::<(String,)>(&sql).await? else {
        return Ok(());
    };
    let day = ctx.deadlines.rating_from(ctx.period, &ctx.cal);
    let now = day.and_hms_opt(2, 0, 0).expect("a time").and_utc();
    // Issued and redeemed like any link: HR issues it, the customer answers through it.
    let link = kaohe_store::cycle::NewLink {
        customer: &customer,
        contact_name: "客户联系人",
        contact: "400-000-0000",
    };
    let token = store
        .issue_rating_link(&ctx.hr, ctx.period, id, &link, now)
        .await?;
    let answers: Vec<(String, f64)> = rated
        .iter()
        .enumerate()
        .map(|(i, ind)| (ind.clone(), demo_rating(id, i, RaterGroup::Customers)))
        .collect();
    store
        .redeem_customer_token(&token.secret, &answers, now)
        .await?;
    Ok(())
}

/// The score shown for a total (2 decimals), for reports.
pub fn shown(total: f64) -> Option<f64> {
    to_hundredths(total).map(|h| h as f64 / 100.0)
}

/// What the demo's history did: one report per month driven, and the appeals of each.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryReport {
    pub months: Vec<DriveReport>,
    /// Appeals filed over all months; of them upheld, dismissed and rejected by HR.
    pub appeals: usize,
    pub upheld: usize,
    pub dismissed: usize,
    pub rejected: usize,
}

/// The months `kaohe demo` drives: every whole month of records (from the first one that
/// starts on or after `first_day`) before the month of `today`, oldest first. The current
/// month stays open.
pub fn history_months(first_day: chrono::NaiveDate, today: chrono::NaiveDate) -> Vec<Period> {
    let mut first = Period::month_of(first_day);
    if first.start() < first_day {
        first = first.next();
    }
    let current = Period::month_of(today);
    let mut out = Vec::new();
    let mut p = first;
    while p.start() < current.start() {
        out.push(p);
        p = p.next();
    }
    out
}

/// Gives the demo company its history: each of [`history_months`] driven through the whole
/// cycle ([`drive`]: ratings, interviews, awards, bonuses, the ladder), then a few appeals of
/// each month decided (one upheld with a corrected score, one dismissed by the committee, one
/// rejected by HR) and the month's bonuses computed again from the corrected results.
/// `progress` hears each month as it starts.
pub async fn history(
    store: &Store,
    months: &[Period],
    demo_rep: Option<i64>,
    progress: &dyn Fn(Period),
) -> Result<HistoryReport> {
    let mut report = HistoryReport {
        months: Vec::new(),
        appeals: 0,
        upheld: 0,
        dismissed: 0,
        rejected: 0,
    };
    store.bulk_commits(true).await?;
    let driven = drive_months(store, months, demo_rep, progress, &mut report).await;
    store.bulk_commits(false).await?;
    driven?;
    Ok(report)
}

/// Gives the demo company generated by `generator` its history up to `today` (the month of
/// `today` stays open): [`history`] over [`history_months`], the `rep` login's person
/// appealing in the last month.
pub async fn give_history(
    store: &Store,
    generator: &kaohe_gen::Generator,
    today: chrono::NaiveDate,
    progress: &dyn Fn(Period),
) -> Result<HistoryReport> {
    let months = history_months(generator.first_day(), today);
    let rep = generator
        .org()
        .accounts
        .iter()
        .find(|a| a.username == "rep")
        .and_then(|a| a.employee_id);
    history(store, &months, rep, progress).await
}

async fn drive_months(
    store: &Store,
    months: &[Period],
    demo_rep: Option<i64>,
    progress: &dyn Fn(Period),
    report: &mut HistoryReport,
) -> Result<()> {
    for (i, p) in months.iter().enumerate() {
        progress(*p);
        report.months.push(drive(store, *p).await?);
        // The demo login `rep` appeals in the last month, so its appeals page has one.
        let rep = demo_rep.filter(|_| i + 1 == months.len());
        appeals(store, *p, rep, report)
            .await
            .with_context(|| format!("appeals of {p}"))?;
    }
    Ok(())
}

/// Files and decides the month's demo appeals: people chosen by a fixed rule (and `rep`).
async fn appeals(
    store: &Store,
    period: Period,
    rep: Option<i64>,
    report: &mut HistoryReport,
) -> Result<()> {
    let system = Viewer::system("kaohe demo");
    let hr = crate::cycle::viewer(store, "hr").await?;
    let committee = crate::cycle::viewer(store, "committee").await?;
    let month = i64::from(period.start().month0());
    let mut chosen: Vec<i64> = store
        .cycles(&system, period)
        .await?
        .iter()
        .filter(|c| c.state == "locked")
        .map(|c| c.employee_id)
        .filter(|id| (id + month) % 23 == 0)
        .take(3)
        .collect();
    if let Some(r) = rep.filter(|r| !chosen.contains(r)) {
        chosen.insert(0, r);
    }
    for (k, id) in chosen.into_iter().enumerate() {
        let state = store.cycle(&system, period, id).await?;
        let (Some(published), Some(current)) = (state.published_on(), state.current_result())
        else {
            continue;
        };
        let score = current.result.score;
        let day = published + chrono::Duration::days(1);
        let me = person(Role::Rep, id);
        let reason =
            "客户回访记录未计入本月指标，请复核 / call-backs missing from this month's figures";
        let appeal = store
            .file_appeal(&me, period, reason, &["回访记录截图.png".to_string()], day)
            .await?;
        report.appeals += 1;
        if k % 3 == 2 {
            let why = "所述记录已计入，结果无误 / the records are counted; the result stands";
            store.reject_appeal(&hr, appeal, why, day).await?;
            report.rejected += 1;
            continue;
        }
        store.accept_appeal(&hr, appeal, day).await?;
        let notes = "核对了回访记录与系统数据 / checked the call-back records against the system";
        let upheld = k % 3 == 0;
        let proposal = if upheld {
            "部分记录漏计，建议加 3 分 / some records were missed; add 3 points"
        } else {
            "记录完整，建议维持原结果 / the records are complete; keep the result"
        };
        store
            .investigate_appeal(&hr, appeal, notes, proposal, day)
            .await?;
        let correction = upheld.then(|| kaohe_store::cycle::Correction {
            score: (score + 3.0).min(score.max(100.0)),
            lines: Vec::new(),
            compensation: None,
        });
        store
            .rule_appeal(&committee, appeal, correction, proposal, day)
            .await?;
        if upheld {
            report.upheld += 1;
        } else {
            report.dismissed += 1;
        }
    }
    // A result corrected by an appeal pays its new bonus.
    store.compute_bonuses(&hr, period).await?;
    Ok(())
}
