//! `kaohe training …`, `kaohe meeting …` and `kaohe credit …`: the reports and decisions of
//! training, team meetings and customer credit. Plans, sessions, results, meetings, decisions
//! and assessments themselves are records: `kaohe import` / `kaohe export` move them.

use crate::cycle::viewer;
use anyhow::{Context, Result, bail};
use chrono::{NaiveDate, TimeDelta};
use clap::{Subcommand, ValueEnum};
use kaohe_domain::Cents;
use kaohe_domain::credit::AgeBucket;
use kaohe_domain::import::cell::parse_money;
use kaohe_domain::period::Period;
use kaohe_domain::probation::{Outcome, Verdict};
use kaohe_store::credit::{AgeingBy, ApprovalInput, ApprovalKind};
use kaohe_store::{Sql, Store, Viewer};

/// Training reports.
#[derive(Debug, Subcommand)]
pub enum TrainingCommand {
    /// The year's plan against what was held: sessions, attendance, pass rate, indicator change
    Report {
        /// The plan year
        #[arg(long)]
        year: i32,
        /// Count only the people this user may see
        #[arg(long = "as", value_name = "USER")]
        as_user: Option<String>,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Training needs (培训需求), or with --summary the topics most asked for
    Needs {
        #[arg(long = "as", value_name = "USER")]
        as_user: Option<String>,
        /// Group by topic
        #[arg(long)]
        summary: bool,
    },
    /// People on probation (试用): scores, training and the conversion (转正) recommendation
    Probation {
        #[arg(long = "as", value_name = "USER")]
        as_user: Option<String>,
        /// The day to assess on (default today)
        #[arg(long)]
        today: Option<NaiveDate>,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// HR or a manager decides a probation: convert (转正), extend (延长试用, once) or reject
    /// (不予转正); deciding otherwise than recommended needs --reason
    Convert {
        /// The person (database id or 工号)
        #[arg(long)]
        employee: String,
        #[arg(long, value_enum)]
        decision: ProbationDecision,
        /// Why (required when the decision differs from the recommendation)
        #[arg(long)]
        reason: Option<String>,
        /// The deciding HR officer or manager
        #[arg(long = "as", value_name = "USER")]
        as_user: String,
        /// The decision day (default today)
        #[arg(long)]
        today: Option<NaiveDate>,
    },
    /// What training pre-fills for a person's raters in a period
    Prefill {
        /// The period, e.g. 2026-10
        #[arg(long)]
        period: String,
        /// The person (database id or 工号)
        #[arg(long)]
        employee: String,
    },
}

/// A probation decision.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ProbationDecision {
    /// 转正
    Convert,
    /// 延长试用
    Extend,
    /// 不予转正
    Reject,
}

impl From<ProbationDecision> for Verdict {
    fn from(d: ProbationDecision) -> Verdict {
        match d {
            ProbationDecision::Convert => Verdict::Convert,
            ProbationDecision::Extend => Verdict::Extend,
            ProbationDecision::Reject => Verdict::Reject,
        }
    }
}

/// Team meetings.
#[derive(Debug, Subcommand)]
pub enum MeetingCommand {
    /// Each team's weeks: held, missed, open (default: the last 8 weeks)
    Weeks {
        #[arg(long)]
        from: Option<NaiveDate>,
        #[arg(long)]
        to: Option<NaiveDate>,
        #[arg(long = "as", value_name = "USER")]
        as_user: Option<String>,
    },
    /// Meeting decisions with owners and due dates
    Decisions {
        #[arg(long = "as", value_name = "USER")]
        as_user: Option<String>,
        /// Open ones only
        #[arg(long)]
        open: bool,
    },
    /// Put missed weekly meetings in the managers' inboxes and overdue decisions in the owners'
    Remind,
}

/// How an ageing report groups.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum By {
    Customer,
    Rep,
}

/// Customer credit.
#[derive(Debug, Subcommand)]
pub enum CreditCommand {
    /// Assessed customers: rating, limit, what they owe, over the limit, review due
    List {
        #[arg(long = "as", value_name = "USER")]
        as_user: Option<String>,
    },
    /// Whether an amount more for a customer needs a manager's approval
    Check {
        /// 客户档案编号
        #[arg(long)]
        customer: String,
        /// Yuan
        #[arg(long)]
        amount: String,
        #[arg(long = "as", value_name = "USER")]
        as_user: Option<String>,
    },
    /// A manager approves an order or contract beyond the credit limit, with a reason
    Approve {
        /// 订单编号 of the order
        #[arg(
            long,
            conflicts_with = "contract_no",
            required_unless_present = "contract_no"
        )]
        order_no: Option<String>,
        /// 合同编号 of the contract
        #[arg(long)]
        contract_no: Option<String>,
        /// 客户档案编号
        #[arg(long)]
        customer: String,
        /// The amount approved, in yuan
        #[arg(long)]
        amount: String,
        /// Why (required)
        #[arg(long)]
        reason: String,
        /// The approving manager
        #[arg(long = "as", value_name = "USER")]
        as_user: String,
    },
    /// Approvals given so far
    Approvals {
        #[arg(long = "as", value_name = "USER")]
        as_user: Option<String>,
    },
    /// Receivables ageing (0–30, 31–60, 61–90, >90 days past due)
    Ageing {
        #[arg(long, value_enum, default_value_t = By::Customer)]
        by: By,
        /// The day to age on (default today)
        #[arg(long)]
        as_of: Option<NaiveDate>,
        #[arg(long = "as", value_name = "USER")]
        as_user: Option<String>,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
}

async fn viewer_or_system(store: &Store, user: Option<&str>) -> Result<Viewer> {
    match user {
        Some(u) => viewer(store, u).await,
        None => Ok(Viewer::system("kaohe cli")),
    }
}

fn pct(v: Option<f64>) -> String {
    v.map_or("-".into(), |p| format!("{p:.1}%"))
}

fn num(v: Option<f64>) -> String {
    v.map_or("-".into(), |p| format!("{p:.2}"))
}

/// Runs `kaohe training …`.
pub async fn training(store: &Store, cmd: &TrainingCommand, today: NaiveDate) -> Result<()> {
    match cmd {
        TrainingCommand::Report {
            year,
            as_user,
            json,
        } => {
            let v = viewer_or_system(store, as_user.as_deref()).await?;
            let rows = store.training_report(&v, *year).await?;
            if *json {
                println!("{}", serde_json::to_string_pretty(&rows)?);
                return Ok(());
            }
            println!(
                "{:<10} {:<24} {:<8} {:>4} {:>7} {:>7} {:>7} {:>8} {:>8} {:>7}  indicator",
                "planned",
                "course",
                "method",
                "held",
                "attend",
                "attend%",
                "pass%",
                "before",
                "after",
                "change"
            );
            for r in rows {
                println!(
                    "{:<10} {:<24} {:<8} {:>4} {:>7} {:>7} {:>7} {:>8} {:>8} {:>7}  {}",
                    r.planned_on.map_or(String::new(), |d| d.to_string()),
                    r.title,
                    r.method,
                    r.sessions,
                    format!("{}/{}", r.attended, r.invited),
                    pct(r.attendance_pct()),
                    pct(r.pass_rate_pct()),
                    num(r.before),
                    num(r.after),
                    num(r.change()),
                    if r.indicator.is_empty() {
                        "(total)"
                    } else {
                        r.indicator.as_str()
                    },
                );
                // Each attendee measured on both sides: score (value) before → after.
                for t in &r.trainees {
                    println!(
                        "{:>12}{} {:<8} {:>8} ({}) -> {:>8} ({})",
                        "",
                        t.code,
                        t.name,
                        num(Some(t.before)),
                        num(t.before_value),
                        num(Some(t.after)),
                        num(t.after_value),
                    );
                }
            }
        }
        TrainingCommand::Needs { as_user, summary } => {
            let v = viewer_or_system(store, as_user.as_deref()).await?;
            if *summary {
                for (topic, n) in store.training_need_summary(&v).await? {
                    println!("{n:>4}  {topic}");
                }
            } else {
                for n in store.training_needs(&v).await? {
                    println!(
                        "{} {:<8} {:<16} {}",
                        n.employee_code, n.name, n.source, n.topic
                    );
                }
            }
        }
        TrainingCommand::Probation {
            as_user,
            today: on,
            json,
        } => {
            let v = viewer_or_system(store, as_user.as_deref()).await?;
            let rows = store.probation_inputs(&v, on.unwrap_or(today)).await?;
            if *json {
                println!("{}", serde_json::to_string_pretty(&rows)?);
                return Ok(());
            }
            for p in rows {
                let a = &p.assessment;
                let rec = a.recommendation.map_or("-", |r| r.as_str());
                println!(
                    "{} {:<8} hired {} until {}  {:<8} {}",
                    p.code, p.name, p.hired_on, a.ends_on, rec, a.basis_zh
                );
                println!("{:>28}{}", "", a.basis_en);
                if let Some(d) = &p.decided {
                    println!(
                        "{:>28}decided {} on {} by {}{}",
                        "",
                        d.decision,
                        d.decided_on,
                        d.decider,
                        if d.reason.is_empty() {
                            String::new()
                        } else {
                            format!(": {}", d.reason)
                        }
                    );
                }
            }
        }
        TrainingCommand::Convert {
            employee,
            decision,
            reason,
            as_user,
            today: on,
        } => {
            let v = viewer(store, as_user).await?;
            let id = crate::assess::employee_id(store, employee).await?;
            let outcome = store
                .decide_probation(
                    &v,
                    id,
                    (*decision).into(),
                    reason.as_deref().unwrap_or(""),
                    on.unwrap_or(today),
                )
                .await?;
            let text = match outcome {
                Outcome::Converted { on } => format!("converted to regular staff from {on} (转正)"),
                Outcome::Extended { until } => format!("probation extended to {until} (延长试用)"),
                Outcome::NotConverted { on } => {
                    format!("not converted, decided on {on} (不予转正)")
                }
            };
            println!("kaohe: {employee}: {text}");
        }
        TrainingCommand::Prefill { period, employee } => {
            let p = Period::parse(period).map_err(|e| anyhow::anyhow!("--period: {e}"))?;
            let id = crate::assess::employee_id(store, employee).await?;
            let pre = store.rating_prefills(p, id).await?;
            if pre.is_empty() {
                println!("kaohe: no training result pre-fills a rating in {p}");
            }
            for f in pre {
                println!(
                    "{:<20} {:>6}  {} {} ({})",
                    f.indicator,
                    f.value,
                    f.course,
                    f.held_on,
                    if f.passed { "passed" } else { "failed" }
                );
            }
        }
    }
    Ok(())
}

/// Runs `kaohe meeting …`.
pub async fn meeting(store: &Store, cmd: &MeetingCommand, today: NaiveDate) -> Result<()> {
    match cmd {
        MeetingCommand::Weeks { from, to, as_user } => {
            let v = viewer_or_system(store, as_user.as_deref()).await?;
            let to = to.unwrap_or(today);
            let from = from.unwrap_or(to - TimeDelta::days(7 * 7));
            if from > to {
                bail!("--from {from} is after --to {to}");
            }
            let weeks = store.meeting_weeks(&v, from, to, today).await?;
            for w in weeks {
                println!(
                    "{:<8} {:<12} {}  {}",
                    w.team_code,
                    w.team_name,
                    w.week,
                    w.status.as_str()
                );
            }
        }
        MeetingCommand::Decisions { as_user, open } => {
            let v = viewer_or_system(store, as_user.as_deref()).await?;
            for d in store.meeting_decisions(&v, *open).await? {
                let state = match d.done_on {
                    Some(on) => format!("done {on}"),
                    None if d.due_on < today => "OVERDUE".into(),
                    None => "open".into(),
                };
                println!(
                    "{} {:<8} {} {:<8} due {} {:<12} {}",
                    d.meeting_day, d.team_code, d.owner_code, d.owner_name, d.due_on, state, d.text
                );
            }
        }
        MeetingCommand::Remind => {
            let r = store.remind_meetings(today).await?;
            println!(
                "kaohe: {} missed weekly meeting(s), {} overdue decision(s) put in inboxes",
                r.missed_meetings, r.overdue_decisions
            );
        }
    }
    Ok(())
}

async fn customer_id(store: &Store, archive_no: &str) -> Result<i64> {
    let mut sql = Sql::new("SELECT id FROM customers WHERE archive_no = ");
    sql.bind(archive_no.trim());
    store
        .fetch_optional::<(i64,)>(&sql)
        .await?
        .map(|r| r.0)
        .with_context(|| format!("--customer: no customer with archive number `{archive_no}`"))
}

fn money(flag: &str, text: &str) -> Result<Cents> {
    parse_money(text).map_err(|e| anyhow::anyhow!("{flag}: {e}"))
}

/// Runs `kaohe credit …`.
pub async fn credit(store: &Store, cmd: &CreditCommand, today: NaiveDate) -> Result<()> {
    match cmd {
        CreditCommand::List { as_user } => {
            let v = viewer_or_system(store, as_user.as_deref()).await?;
            for s in store.credit_statuses(&v, today).await? {
                let mut flags = Vec::new();
                if s.over_limit {
                    flags.push("OVER LIMIT");
                }
                if s.watch {
                    flags.push("watch");
                }
                if s.review_overdue {
                    flags.push("review due");
                }
                println!(
                    "{:<10} {:<16} {} limit {:>12} owes {:>12} review {}  {}",
                    s.archive_no,
                    s.name,
                    s.rating.unwrap_or_default(),
                    s.limit.unwrap_or_default(),
                    s.outstanding,
                    s.review_on.map_or(String::new(), |d| d.to_string()),
                    flags.join(", ")
                );
            }
        }
        CreditCommand::Check {
            customer,
            amount,
            as_user,
        } => {
            let v = viewer_or_system(store, as_user.as_deref()).await?;
            let id = customer_id(store, customer).await?;
            let c = store
                .credit_check(&v, id, money("--amount", amount)?, today)
                .await?;
            let (zh, en) = c.explain();
            if c.needs_approval() {
                println!("kaohe: needs a manager's approval: {en} / {zh}");
            } else {
                println!(
                    "kaohe: within credit (owes {}, with this {}, limit {})",
                    c.outstanding,
                    c.exposure,
                    c.limit.map_or("none".into(), |l| l.to_string())
                );
            }
        }
        CreditCommand::Approve {
            order_no,
            contract_no,
            customer,
            amount,
            reason,
            as_user,
        } => {
            let v = viewer(store, as_user).await?;
            let (kind, no) = match (order_no, contract_no) {
                (Some(o), _) => (ApprovalKind::Order, o.clone()),
                (None, Some(c)) => (ApprovalKind::Contract, c.clone()),
                (None, None) => bail!("give --order-no or --contract-no"),
            };
            let input = ApprovalInput {
                kind,
                customer_id: customer_id(store, customer).await?,
                ref_no: no.clone(),
                amount: money("--amount", amount)?,
                reason: reason.clone(),
            };
            let id = store.approve_credit(&v, &input).await?;
            println!("kaohe: approval #{id} recorded for {} {no}", kind.as_str());
        }
        CreditCommand::Approvals { as_user } => {
            let v = viewer_or_system(store, as_user.as_deref()).await?;
            for a in store.credit_approvals(&v).await? {
                println!(
                    "{} {:<8} {:<14} {:>12} {:<18} {}  {}",
                    a.approved_at.format("%Y-%m-%d"),
                    a.kind,
                    a.ref_no,
                    Cents(a.amount_cents),
                    a.flags,
                    a.approver,
                    a.reason
                );
            }
        }
        CreditCommand::Ageing {
            by,
            as_of,
            as_user,
            json,
        } => {
            let v = viewer_or_system(store, as_user.as_deref()).await?;
            let as_of = as_of.unwrap_or(today);
            let by = match by {
                By::Customer => AgeingBy::Customer,
                By::Rep => AgeingBy::Rep,
            };
            let rows = store.ageing(&v, as_of, by).await?;
            if *json {
                println!("{}", serde_json::to_string_pretty(&rows)?);
                return Ok(());
            }
            print!("{:<10} {:<12}", "code", "name");
            for b in AgeBucket::ALL {
                print!(" {:>12}", b.as_str());
            }
            println!(" {:>12}", "total");
            for r in rows {
                print!("{:<10} {:<12}", r.code, r.name);
                for b in AgeBucket::ALL {
                    print!(" {:>12}", r.ageing.get(b).to_string());
                }
                println!(" {:>12}", r.ageing.total().to_string());
            }
        }
    }
    Ok(())
}
