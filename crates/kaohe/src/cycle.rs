//! `kaohe cycle`, `kaohe inbox`, `kaohe appeal`, `kaohe awards`, `kaohe bonus` and `kaohe
//! ladder`: the assessment cycle and what follows from it, from the command line. Every step
//! is taken as a signed-in user (`--as USER`), so the same role and data-scope rules apply as
//! on the web.

use crate::assess::employee_id;
use anyhow::{Context, Result, anyhow, bail};
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use kaohe_domain::cycle::Action;
use kaohe_domain::ladder::Decision;
use kaohe_domain::money::Cents;
use kaohe_domain::period::Period;
use kaohe_store::awards::AwardDecision;
use kaohe_store::cycle::{BulkStep, Correction};
use kaohe_store::{Store, Viewer};
use serde_json::{Map, Value, json};
use std::path::{Path, PathBuf};

/// `kaohe cycle …`
#[derive(Debug, Subcommand)]
pub enum CycleCommand {
    /// Open the cycles of a period for everybody assessed by a scheme (idempotent)
    Open {
        #[arg(long)]
        period: String,
        /// Act as this user (HR or admin); default: the system
        #[arg(long = "as", value_name = "USER")]
        as_user: Option<String>,
    },
    /// Show the cycles of a period, or one person's cycle in detail
    Status {
        #[arg(long)]
        period: String,
        /// Database id or employee number (工号)
        #[arg(long)]
        employee: Option<String>,
        /// Show as this user (their data scope); default: everything
        #[arg(long = "as", value_name = "USER")]
        as_user: Option<String>,
    },
    /// Take one step in a person's cycle as a user
    Act(Box<ActArgs>),
    /// HR consolidates a person's result (evaluates them and takes the stored scorecard), or
    /// with --all everybody in rating: one transaction each, refusals listed, those done
    /// before skipped
    Consolidate {
        #[arg(long)]
        period: String,
        /// Database id or employee number (工号); or --all
        #[arg(long, required_unless_present = "all", conflicts_with = "all")]
        employee: Option<String>,
        /// Everybody whose cycle of the period is rating
        #[arg(long)]
        all: bool,
        #[arg(long = "as", value_name = "USER")]
        as_user: String,
        /// The company-local day of the step (default: today)
        #[arg(long)]
        today: Option<NaiveDate>,
    },
    /// The committee approves (and so publishes) every consolidated result of a period: one
    /// transaction each, refusals listed, those done before skipped (one person: `act
    /// approve_result`)
    ApproveAll {
        #[arg(long)]
        period: String,
        #[arg(long = "as", value_name = "USER")]
        as_user: String,
        #[arg(long)]
        today: Option<NaiveDate>,
    },
    /// HR locks every published cycle of a period whose interview is recorded: one
    /// transaction each, refusals listed, those done before skipped (one person: `act lock`)
    LockAll {
        #[arg(long)]
        period: String,
        #[arg(long = "as", value_name = "USER")]
        as_user: String,
        #[arg(long)]
        today: Option<NaiveDate>,
    },
    /// The superior or HR gives a person's behaviour factor (行为系数) of a performance ×
    /// behaviour scheme: 0 to the scheme's maximum (1.2); above 1.0 with the acts that justify
    /// it; a serious violation makes it 0 (give --factor 0 with --violation)
    Behaviour {
        #[arg(long)]
        period: String,
        /// Database id or employee number (工号) of the person assessed
        #[arg(long)]
        employee: String,
        /// The superior or HR giving it
        #[arg(long = "as", value_name = "USER")]
        as_user: String,
        /// The factor, e.g. 0.9
        #[arg(long, allow_negative_numbers = true)]
        factor: f64,
        /// The outstanding acts (突出表现) that justify a factor above 1.0
        #[arg(long, default_value = "")]
        acts: String,
        /// A serious violation (违法、严重违纪、工作事故或严重工作失误): the month counts 0
        #[arg(long, default_value = "")]
        violation: String,
    },
    /// List the overdue steps of a period
    Overdue {
        #[arg(long)]
        period: String,
        #[arg(long)]
        today: Option<NaiveDate>,
    },
    /// Customer rating links (客户评分链接): issue one (shown once), list them, revoke one
    Link {
        #[command(subcommand)]
        command: LinkCommand,
    },
    /// Drive a month of the demo company through the whole cycle (ratings, behaviour factors,
    /// consolidation, approval, interviews, locking), then awards, bonuses and the ladder
    Demo {
        #[arg(long)]
        period: String,
    },
}

/// `kaohe cycle link …`: HR or the person's superior, within their data scope.
#[derive(Debug, Subcommand)]
pub enum LinkCommand {
    /// Issue a customer's single-use rating link while the cycle is rating; the link is
    /// printed this once (only its hash is kept)
    Issue {
        #[arg(long)]
        period: String,
        /// Database id or employee number (工号) of the person rated
        #[arg(long)]
        employee: String,
        /// One of the person's customer records: database id or archive number (档案号)
        #[arg(long)]
        customer: String,
        /// Whom the link is sent to
        #[arg(long)]
        contact_name: String,
        /// Their phone number (7–20 digits) or e-mail address
        #[arg(long)]
        contact: String,
        #[arg(long = "as", value_name = "USER")]
        as_user: String,
        /// The server's address customers reach, e.g. https://kaohe.example.com (without it
        /// the link is printed as a path to put after that address)
        #[arg(long, env = "KAOHE_BASE_URL", value_name = "URL")]
        base_url: Option<String>,
    },
    /// List a period's links with their state (unused, used, expired, revoked), never the
    /// links themselves
    List {
        #[arg(long)]
        period: String,
        /// Only this person's (database id or employee number)
        #[arg(long)]
        employee: Option<String>,
        #[arg(long = "as", value_name = "USER")]
        as_user: String,
    },
    /// Revoke an unused link: from now on it answers like a used one
    Revoke {
        #[arg(long)]
        id: i64,
        #[arg(long = "as", value_name = "USER")]
        as_user: String,
    },
}

/// One step.
#[derive(Debug, Args)]
pub struct ActArgs {
    #[arg(long)]
    pub period: String,
    /// Database id or employee number (工号) of the person assessed
    #[arg(long)]
    pub employee: String,
    /// The user taking the step
    #[arg(long = "as", value_name = "USER")]
    pub as_user: String,
    /// The action: propose_targets, confirm_targets, dispute_targets, approve_targets_hr,
    /// return_targets_hr, approve_targets_committee, return_targets_committee, assign_rater,
    /// submit_self_review, close_self_review, submit_rating, extend_rating, approve_result,
    /// return_result, record_interview, acknowledge_interview, set_improvement_plan,
    /// follow_up, lock
    pub action: String,
    /// Why (dispute, return, extension, closing the self-review)
    #[arg(long)]
    pub reason: Option<String>,
    /// Indicator code (submit_rating)
    #[arg(long)]
    pub indicator: Option<String>,
    /// Rating value (submit_rating)
    #[arg(long)]
    pub value: Option<f64>,
    /// Rater group: superior, peers, related_departments, self, team_leader (customers rate
    /// only through their link: `kaohe cycle link issue`)
    #[arg(long)]
    pub group: Option<String>,
    /// Remark (submit_rating)
    #[arg(long)]
    pub comment: Option<String>,
    /// The rater to assign (assign_rater): database id or employee number
    #[arg(long)]
    pub rater: Option<String>,
    /// New last day for ratings (extend_rating)
    #[arg(long)]
    pub until: Option<NaiveDate>,
    /// Work report (submit_self_review)
    #[arg(long)]
    pub work_report: Option<String>,
    /// Self-evaluation (submit_self_review)
    #[arg(long)]
    pub self_evaluation: Option<String>,
    /// The employee's comments (record_interview; the employee's own for
    /// acknowledge_interview)
    #[arg(long)]
    pub comments: Option<String>,
    /// A strength (record_interview; repeat for more)
    #[arg(long)]
    pub strength: Vec<String>,
    /// A shortfall (record_interview; repeat for more)
    #[arg(long)]
    pub shortfall: Vec<String>,
    /// Further fields as a JSON object, e.g. '{"targets":[{"indicator":"sales_amount","value":500000}],"basis":"plan"}'
    #[arg(long)]
    pub data: Option<String>,
    /// The company-local day of the step (default: today)
    #[arg(long)]
    pub today: Option<NaiveDate>,
}

/// `kaohe appeal …`
#[derive(Debug, Subcommand)]
pub enum AppealCommand {
    /// File an appeal against your published result
    File {
        #[arg(long)]
        period: String,
        #[arg(long = "as", value_name = "USER")]
        as_user: String,
        #[arg(long)]
        reason: String,
        /// An attachment (file name or path; repeat for more)
        #[arg(long)]
        attachment: Vec<String>,
        #[arg(long)]
        today: Option<NaiveDate>,
    },
    /// HR accepts an appeal
    Accept {
        id: i64,
        #[arg(long = "as", value_name = "USER")]
        as_user: String,
        #[arg(long)]
        today: Option<NaiveDate>,
    },
    /// HR rejects an appeal (reason required)
    Reject {
        id: i64,
        #[arg(long = "as", value_name = "USER")]
        as_user: String,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        today: Option<NaiveDate>,
    },
    /// HR records the investigation and proposal
    Investigate {
        id: i64,
        #[arg(long = "as", value_name = "USER")]
        as_user: String,
        #[arg(long)]
        notes: String,
        #[arg(long)]
        proposal: String,
        #[arg(long)]
        today: Option<NaiveDate>,
    },
    /// The committee rules: --score upholds with the corrected score, without it dismisses
    Rule {
        id: i64,
        #[arg(long = "as", value_name = "USER")]
        as_user: String,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        score: Option<f64>,
        /// Compensation in yuan (with --score)
        #[arg(long)]
        compensation: Option<i64>,
        #[arg(long)]
        today: Option<NaiveDate>,
    },
}

/// `kaohe awards …`
#[derive(Debug, Subcommand)]
pub enum AwardsCommand {
    /// Compute the award candidates of a month (with the tie-breaks shown)
    Compute {
        #[arg(long)]
        period: String,
        #[arg(long = "as", value_name = "USER")]
        as_user: Option<String>,
    },
    /// Confirm a candidate (a manager or HR)
    Confirm {
        id: i64,
        #[arg(long = "as", value_name = "USER")]
        as_user: String,
        /// Amount in yuan (overrides; required when the rule sets none)
        #[arg(long)]
        amount: Option<i64>,
        #[arg(long)]
        today: Option<NaiveDate>,
    },
    /// Reject a candidate with a reason
    Reject {
        id: i64,
        #[arg(long = "as", value_name = "USER")]
        as_user: String,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        today: Option<NaiveDate>,
    },
}

/// `kaohe bonus …`
#[derive(Debug, Subcommand)]
pub enum BonusCommand {
    /// Compute the performance bonuses of a period and export payroll rows (bonuses and
    /// confirmed awards) to a CSV or xlsx file
    Export {
        #[arg(long)]
        period: String,
        /// Output file: .csv or .xlsx
        #[arg(long, short)]
        output: PathBuf,
        #[arg(long = "as", value_name = "USER")]
        as_user: Option<String>,
    },
    /// Set a bonus base (绩效奖金基数) from a month on: for the company, a position, a level or
    /// one person (HR or an administrator)
    SetBase {
        /// company, position, level or person (公司/岗位/职级/个人)
        #[arg(long)]
        scope: String,
        /// The position or level code or the employee number (工号); none for the company
        #[arg(long, default_value = "")]
        subject: String,
        /// The first month it applies to, e.g. 2026-10
        #[arg(long)]
        from: String,
        /// The base in yuan, e.g. 3000 or 2500.50
        #[arg(long)]
        amount: String,
        /// Why (kept with the rule)
        #[arg(long, default_value = "")]
        note: String,
        #[arg(long = "as", value_name = "USER")]
        as_user: Option<String>,
    },
    /// List the bonus bases set (HR, finance or an administrator)
    Bases {
        #[arg(long = "as", value_name = "USER")]
        as_user: Option<String>,
    },
}

/// `kaohe ladder …`
#[derive(Debug, Subcommand)]
pub enum LadderCommand {
    /// Evaluate the career ladder for a month (recommendations)
    Evaluate {
        #[arg(long)]
        period: String,
        #[arg(long = "as", value_name = "USER")]
        as_user: Option<String>,
    },
    /// Decide on a recommendation: confirm, reject (with --reason) or grace
    Decide {
        id: i64,
        /// confirm, reject or grace
        decision: String,
        #[arg(long = "as", value_name = "USER")]
        as_user: String,
        #[arg(long)]
        reason: Option<String>,
        #[arg(long)]
        today: Option<NaiveDate>,
    },
}

fn period(text: &str) -> Result<Period> {
    Period::parse(text).map_err(|e| anyhow::anyhow!("--period: {e}"))
}

/// The viewer for `--as USER`.
pub async fn viewer(store: &Store, username: &str) -> Result<Viewer> {
    let user = store
        .user_by_name(username)
        .await?
        .with_context(|| format!("--as: no user `{username}`"))?;
    if !user.active {
        bail!("--as: user `{username}` is not active");
    }
    Ok(store.viewer_for(&user).await?)
}

async fn viewer_or_system(store: &Store, user: Option<&str>) -> Result<Viewer> {
    match user {
        Some(u) => viewer(store, u).await,
        None => Ok(Viewer::system("kaohe cli")),
    }
}

/// Runs `kaohe cycle …`.
pub async fn cycle(store: &Store, cmd: &CycleCommand, today: NaiveDate) -> Result<()> {
    // Deadlines of these commands are counted in working days: say so when a year they
    // reach has no calendar at all.
    let deadlines_of = match cmd {
        CycleCommand::Open { period: p, .. }
        | CycleCommand::Status { period: p, .. }
        | CycleCommand::Overdue { period: p, .. }
        | CycleCommand::Demo { period: p } => Some(p.as_str()),
        CycleCommand::Act(a) => Some(a.period.as_str()),
        _ => None,
    };
    if let Some(p) = deadlines_of.and_then(|p| Period::parse(p).ok()) {
        crate::calendar::warn_calendar_gaps(store, p).await?;
    }
    match cmd {
        CycleCommand::Open { period: p, as_user } => {
            let v = viewer_or_system(store, as_user.as_deref()).await?;
            let o = store.open_cycles(&v, period(p)?).await?;
            println!(
                "kaohe: {p}: {} cycles opened, {} existed already",
                o.created, o.existing
            );
        }
        CycleCommand::Status {
            period: p,
            employee,
            as_user,
        } => {
            let v = viewer_or_system(store, as_user.as_deref()).await?;
            status(store, &v, period(p)?, employee.as_deref()).await?;
        }
        CycleCommand::Act(a) => act(store, a, today).await?,
        CycleCommand::Consolidate {
            period: p,
            employee: Some(employee),
            all: false,
            as_user,
            today: t,
        } => {
            let v = viewer(store, as_user).await?;
            let id = employee_id(store, employee).await?;
            let t = store
                .consolidate(&v, period(p)?, id, t.unwrap_or(today))
                .await?;
            println!("kaohe: {} → {}", t.from.as_str(), t.to.as_str());
        }
        CycleCommand::Consolidate {
            period: p,
            as_user,
            today: t,
            ..
        } => bulk(store, p, as_user, BulkStep::Consolidate, t.unwrap_or(today)).await?,
        CycleCommand::ApproveAll {
            period: p,
            as_user,
            today: t,
        } => bulk(store, p, as_user, BulkStep::Approve, t.unwrap_or(today)).await?,
        CycleCommand::LockAll {
            period: p,
            as_user,
            today: t,
        } => bulk(store, p, as_user, BulkStep::Lock, t.unwrap_or(today)).await?,
        CycleCommand::Behaviour {
            period: p,
            employee,
            as_user,
            factor,
            acts,
            violation,
        } => {
            let v = viewer(store, as_user).await?;
            let id = employee_id(store, employee).await?;
            let input = kaohe_store::cycle::BehaviourInput {
                factor: *factor,
                acts: acts.clone(),
                violation: violation.clone(),
            };
            store.record_behaviour(&v, period(p)?, id, &input).await?;
            println!("kaohe: behaviour factor of {employee} for {p}: {factor}");
        }
        CycleCommand::Overdue {
            period: p,
            today: t,
        } => {
            let v = Viewer::system("kaohe cli");
            for o in store.overdue(&v, period(p)?, t.unwrap_or(today)).await? {
                println!(
                    "{:<8} {:<10} {:<28} due {} ({} days overdue)",
                    o.employee_code,
                    o.name,
                    o.pending.name_en(),
                    o.due_on,
                    o.days
                );
            }
        }
        CycleCommand::Link { command } => link(store, command).await?,
        CycleCommand::Demo { period: p } => {
            let r = crate::demo_cycle::drive(store, period(p)?).await?;
            println!("{}", serde_json::to_string_pretty(&r)?);
        }
    }
    Ok(())
}

/// The printed link: the base URL (when given) followed by the link's path.
fn link_url(base: Option<&str>, secret: &str) -> String {
    let base = base.map(|b| b.trim().trim_end_matches('/')).unwrap_or("");
    format!("{base}/rate/{secret}")
}

/// Runs `kaohe cycle link …`.
async fn link(store: &Store, cmd: &LinkCommand) -> Result<()> {
    let now = chrono::Utc::now();
    match cmd {
        LinkCommand::Issue {
            period: p,
            employee,
            customer,
            contact_name,
            contact,
            as_user,
            base_url,
        } => {
            let v = viewer(store, as_user).await?;
            let id = employee_id(store, employee).await?;
            let new = kaohe_store::cycle::NewLink {
                customer,
                contact_name,
                contact,
            };
            let t = store
                .issue_rating_link(&v, period(p)?, id, &new, now)
                .await?;
            println!(
                "kaohe: link #{} issued, valid until {} (UTC); it is shown this once:",
                t.id,
                t.expires_at.format("%Y-%m-%d %H:%M")
            );
            println!("{}", link_url(base_url.as_deref(), &t.secret));
            if base_url.is_none() {
                println!("kaohe: put the server's address (--base-url) before the path above");
            }
        }
        LinkCommand::List {
            period: p,
            employee,
            as_user,
        } => {
            let v = viewer(store, as_user).await?;
            let id = match employee {
                Some(e) => Some(employee_id(store, e).await?),
                None => None,
            };
            let links = store.rating_links(&v, period(p)?, id, now).await?;
            if links.is_empty() {
                println!("kaohe: no customer rating links for {p}");
            }
            for l in links {
                println!(
                    "#{:<5} {:<8} {:<10} {:<12} {:<16} {:<20} {:<8} by {} at {}",
                    l.id,
                    l.employee_code,
                    l.employee_name,
                    l.customer_archive_no,
                    l.contact_name,
                    l.contact,
                    l.state,
                    l.issued_by,
                    l.issued_at.format("%Y-%m-%d %H:%M")
                );
            }
        }
        LinkCommand::Revoke { id, as_user } => {
            let v = viewer(store, as_user).await?;
            store.revoke_rating_link(&v, *id, now).await?;
            println!("kaohe: link #{id} revoked");
        }
    }
    Ok(())
}

async fn status(store: &Store, v: &Viewer, p: Period, employee: Option<&str>) -> Result<()> {
    if let Some(e) = employee {
        let id = employee_id(store, e).await?;
        let state = store.cycle(v, p, id).await?;
        println!("{}", serde_json::to_string_pretty(&state)?);
        return Ok(());
    }
    let rows = store.cycles(v, p).await?;
    if rows.is_empty() {
        println!("kaohe: no cycles for {p} (open them with `kaohe cycle open --period {p}`)");
    }
    for c in rows {
        let due = c.due_on.map_or(String::from("-"), |d| d.to_string());
        println!(
            "{:<8} {:<10} {:<28} {:<18} due {due}",
            c.employee_code, c.name, c.scheme_code, c.state
        );
    }
    Ok(())
}

/// Builds the domain action from the command line.
async fn action(store: &Store, a: &ActArgs) -> Result<Action> {
    let mut m: Map<String, Value> = match &a.data {
        Some(text) => match serde_json::from_str(text).context("--data: not JSON")? {
            Value::Object(m) => m,
            _ => bail!("--data must be a JSON object"),
        },
        None => Map::new(),
    };
    m.insert("action".into(), json!(a.action));
    let mut set = |k: &str, v: Option<Value>| {
        if let Some(v) = v {
            m.insert(k.into(), v);
        }
    };
    set("reason", a.reason.clone().map(Value::from));
    set("indicator", a.indicator.clone().map(Value::from));
    set("value", a.value.map(Value::from));
    set("group", a.group.clone().map(Value::from));
    set("until", a.until.map(|d| json!(d)));
    set("work_report", a.work_report.clone().map(Value::from));
    set(
        "self_evaluation",
        a.self_evaluation.clone().map(Value::from),
    );
    let comments_key = if a.action == "acknowledge_interview" {
        "comments"
    } else {
        "employee_comments"
    };
    set(comments_key, a.comments.clone().map(Value::from));
    if a.action == "submit_rating" {
        m.entry("comment")
            .or_insert(json!(a.comment.clone().unwrap_or_default()));
    }
    if a.action == "record_interview" {
        m.entry("strengths").or_insert(json!(a.strength));
        m.entry("shortfalls").or_insert(json!(a.shortfall));
    }
    if let Some(r) = &a.rater {
        m.insert("rater_id".into(), json!(employee_id(store, r).await?));
    }
    serde_json::from_value(Value::Object(m)).map_err(|e| {
        anyhow::anyhow!(
            "`{}` is not a valid step ({e}); see `kaohe cycle act --help`",
            a.action
        )
    })
}

/// A bulk step of a whole period (`consolidate --all`, `approve-all`, `lock-all`): what was
/// done, skipped and waiting, and every refusal with its reason.
async fn bulk(
    store: &Store,
    p: &str,
    as_user: &str,
    step: BulkStep,
    today: NaiveDate,
) -> Result<()> {
    let v = viewer(store, as_user).await?;
    let o = store.bulk_step(&v, period(p)?, step, today).await?;
    println!(
        "kaohe: {p}: {}: {} done, {} done before (skipped), {} not there yet, {} refused",
        step.as_str(),
        o.done.len(),
        o.skipped.len(),
        o.waiting.len(),
        o.refused.len()
    );
    for r in &o.refused {
        println!(
            "  refused: {} {} ({}): {} / {}",
            r.person.employee_code, r.person.name, r.person.stage, r.zh, r.en
        );
    }
    Ok(())
}

async fn act(store: &Store, a: &ActArgs, today: NaiveDate) -> Result<()> {
    let v = viewer(store, &a.as_user).await?;
    let id = employee_id(store, &a.employee).await?;
    let action = action(store, a).await?;
    let t = store
        .act(&v, period(&a.period)?, id, action, a.today.unwrap_or(today))
        .await?;
    let late = if t.late { " (late)" } else { "" };
    println!(
        "kaohe: {} by {}: {} → {}{late}",
        t.action.as_str(),
        a.as_user,
        t.from.as_str(),
        t.to.as_str()
    );
    Ok(())
}

/// Runs `kaohe inbox --as USER`.
pub async fn inbox(store: &Store, user: &str) -> Result<()> {
    let v = viewer(store, user).await?;
    let items = store.inbox(&v).await?;
    if items.is_empty() {
        println!("kaohe: nothing to do");
    }
    for i in items {
        let due = i.due_on.map_or(String::from("-"), |d| d.to_string());
        println!("{due:<10} {:<16} {}  {}", i.kind, i.subject, i.link);
    }
    Ok(())
}

/// Runs `kaohe appeal …`.
pub async fn appeal(store: &Store, cmd: &AppealCommand, today: NaiveDate) -> Result<()> {
    match cmd {
        AppealCommand::File {
            period: p,
            as_user,
            reason,
            attachment,
            today: t,
        } => {
            let v = viewer(store, as_user).await?;
            let id = store
                .file_appeal(&v, period(p)?, reason, attachment, t.unwrap_or(today))
                .await?;
            println!("kaohe: appeal #{id} filed");
        }
        AppealCommand::Accept {
            id,
            as_user,
            today: t,
        } => {
            let v = viewer(store, as_user).await?;
            store.accept_appeal(&v, *id, t.unwrap_or(today)).await?;
            println!("kaohe: appeal #{id} accepted");
        }
        AppealCommand::Reject {
            id,
            as_user,
            reason,
            today: t,
        } => {
            let v = viewer(store, as_user).await?;
            store
                .reject_appeal(&v, *id, reason, t.unwrap_or(today))
                .await?;
            println!("kaohe: appeal #{id} rejected");
        }
        AppealCommand::Investigate {
            id,
            as_user,
            notes,
            proposal,
            today: t,
        } => {
            let v = viewer(store, as_user).await?;
            store
                .investigate_appeal(&v, *id, notes, proposal, t.unwrap_or(today))
                .await?;
            println!("kaohe: appeal #{id} investigated; the committee rules next");
        }
        AppealCommand::Rule {
            id,
            as_user,
            reason,
            score,
            compensation,
            today: t,
        } => {
            let v = viewer(store, as_user).await?;
            let correction = score.map(|s| Correction {
                score: s,
                lines: Vec::new(),
                compensation: compensation.map(|y| kaohe_store::cycle::compensation(y, reason)),
            });
            let upheld = correction.is_some();
            store
                .rule_appeal(&v, *id, correction, reason, t.unwrap_or(today))
                .await?;
            println!(
                "kaohe: appeal #{id} {}",
                if upheld { "upheld" } else { "dismissed" }
            );
        }
    }
    Ok(())
}

/// Runs `kaohe awards …`.
pub async fn awards(store: &Store, cmd: &AwardsCommand, today: NaiveDate) -> Result<()> {
    match cmd {
        AwardsCommand::Compute { period: p, as_user } => {
            let v = viewer_or_system(store, as_user.as_deref()).await?;
            for a in store.compute_awards(&v, period(p)?).await? {
                let who = a.employee_id.map_or_else(
                    || format!("team {}", a.team_id.unwrap_or(0)),
                    |e| format!("employee {e}"),
                );
                println!(
                    "#{:<5} {:<20} {:<14} {:>10} {:<10} {}{}",
                    a.id,
                    a.rule_code,
                    who,
                    Cents(a.amount_cents).to_string(),
                    a.status,
                    a.basis,
                    if a.tie_break.is_empty() {
                        String::new()
                    } else {
                        format!(" [tie: {}]", a.tie_break)
                    }
                );
            }
        }
        AwardsCommand::Confirm {
            id,
            as_user,
            amount,
            today: t,
        } => {
            let v = viewer(store, as_user).await?;
            let d = AwardDecision::Confirm {
                amount: amount.map(Cents::yuan),
            };
            store.decide_award(&v, *id, d, t.unwrap_or(today)).await?;
            println!("kaohe: award #{id} confirmed");
        }
        AwardsCommand::Reject {
            id,
            as_user,
            reason,
            today: t,
        } => {
            let v = viewer(store, as_user).await?;
            let d = AwardDecision::Reject {
                reason: reason.clone(),
            };
            store.decide_award(&v, *id, d, t.unwrap_or(today)).await?;
            println!("kaohe: award #{id} rejected");
        }
    }
    Ok(())
}

/// Runs `kaohe bonus …`.
pub async fn bonus(store: &Store, cmd: &BonusCommand) -> Result<()> {
    let (p, output, as_user) = match cmd {
        BonusCommand::Export {
            period,
            output,
            as_user,
        } => (period, output, as_user),
        BonusCommand::SetBase {
            scope,
            subject,
            from,
            amount,
            note,
            as_user,
        } => {
            let v = viewer_or_system(store, as_user.as_deref()).await?;
            let rule = kaohe_domain::bonus_base::BaseRule {
                scope: kaohe_domain::bonus_base::BaseScope::parse(scope)
                    .map_err(|e| anyhow!("--scope: {e}"))?,
                subject: subject.clone(),
                from: period(from).context("--from")?,
                base: kaohe_domain::import::cell::parse_money(amount)
                    .map_err(|e| anyhow!("--amount: {e}"))?,
            };
            store.set_bonus_bases(&v, &[rule], note).await?;
            println!("kaohe: bonus base set");
            return Ok(());
        }
        BonusCommand::Bases { as_user } => {
            let v = viewer_or_system(store, as_user.as_deref()).await?;
            println!(
                "{:<9} {:<20} {:<8} {:>12}  {:<12} note",
                "scope", "subject", "from", "base (yuan)", "set by"
            );
            for r in store.bonus_base_rules(&v).await? {
                println!(
                    "{:<9} {:<20} {:<8} {:>12}  {:<12} {}",
                    r.rule.scope.as_str(),
                    r.rule.subject,
                    r.rule.from,
                    r.rule.base,
                    r.set_by,
                    r.note
                );
            }
            return Ok(());
        }
    };
    let v = viewer_or_system(store, as_user.as_deref()).await?;
    let p = period(p)?;
    let lines = store.compute_bonuses(&v, p).await?;
    let rows = store.payroll(&v, p).await?;
    write_payroll(output, &rows)?;
    println!(
        "kaohe: {} bonuses, {} payroll rows written to {}",
        lines.len(),
        rows.len(),
        output.display()
    );
    Ok(())
}

/// Writes payroll rows as CSV or xlsx (by the file's extension), through the store's export
/// (the same files the finance page downloads).
pub fn write_payroll(path: &Path, rows: &[kaohe_domain::bonus::PayrollRow]) -> Result<()> {
    use kaohe_store::export::{payroll_csv, payroll_xlsx};
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let bytes = match ext.as_str() {
        "csv" => payroll_csv(rows)?,
        "xlsx" => payroll_xlsx(rows)?,
        other => bail!("-o: unknown file type `.{other}` (use .csv or .xlsx)"),
    };
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

/// Runs `kaohe ladder …`.
pub async fn ladder(store: &Store, cmd: &LadderCommand, today: NaiveDate) -> Result<()> {
    match cmd {
        LadderCommand::Evaluate { period: p, as_user } => {
            let v = viewer_or_system(store, as_user.as_deref()).await?;
            for r in store.evaluate_ladder(&v, period(p)?).await? {
                println!(
                    "#{:<5} employee {:<6} {:<8} {:<12} {}",
                    r.id, r.employee_id, r.kind, r.status, r.basis
                );
            }
        }
        LadderCommand::Decide {
            id,
            decision,
            as_user,
            reason,
            today: t,
        } => {
            let v = viewer(store, as_user).await?;
            let d = match decision.as_str() {
                "confirm" => Decision::Confirm,
                "grace" => Decision::GrantGrace,
                "reject" => Decision::Reject {
                    reason: reason.clone().unwrap_or_default(),
                },
                other => bail!("unknown decision `{other}` (confirm, reject or grace)"),
            };
            store.decide_ladder(&v, *id, d, t.unwrap_or(today)).await?;
            println!("kaohe: ladder recommendation #{id}: {decision}");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payroll_csv_neutralises_formulas_in_text_and_keeps_the_amount_a_number() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("payroll.csv");
        let row = kaohe_domain::bonus::PayrollRow {
            employee_no: "E001".into(),
            name: "=HYPERLINK(\"http://x\",\"y\")".into(),
            period: "2026-10".into(),
            item: "performance_bonus".into(),
            item_zh: "绩效奖金".into(),
            amount: kaohe_domain::Cents(123_450),
            basis: "@SUM(1)".into(),
        };
        write_payroll(&path, &[row]).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let line = text.lines().nth(1).unwrap();
        assert!(line.contains("\"'=HYPERLINK("), "{line}");
        assert!(line.contains(",'@SUM(1)"), "{line}");
        assert!(line.contains(",1234.50,"), "{line}");
    }
}
