//! Loading generated data (the demo company, or synthetic data at scale) into a store, in one
//! transaction: an interrupted load leaves nothing behind.

use anyhow::{Context, Result};
use chrono::Datelike;
use indicatif::{ProgressBar, ProgressStyle};
use kaohe_domain::period::Period;
use kaohe_domain::records::{MeetingAttendee, TrainingResult, TrainingSession};
use kaohe_gen::{DayBatch, Generator, Org};
use kaohe_store::rows::{MeetingRow, SessionRow};
use kaohe_store::tx::ID_TABLES;
use kaohe_store::users::NewUser;
use kaohe_store::{Sql, Store, Tx};

/// What a load wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadSummary {
    pub people: usize,
    pub days: u32,
    pub records: u64,
}

/// A progress bar on stderr for `len` steps (hidden when stderr is not a terminal).
pub fn progress_bar(len: u64, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template("{msg:>12} [{bar:40}] {pos}/{len} {per_sec} eta {eta}")
            .expect("static template")
            .progress_chars("=> "),
    );
    bar.set_message(what.to_string());
    bar
}

/// Whether the database already holds people (then the demo is not loaded again).
pub async fn has_data(store: &Store) -> Result<bool> {
    Ok(store.count_rows("employees").await? > 0)
}

/// Writes the whole generated data set; with `accounts`, also creates the demo logins.
pub async fn load(
    store: &Store,
    generator: &mut Generator,
    bar: &ProgressBar,
    accounts: bool,
) -> Result<LoadSummary> {
    let mut tx = store.begin().await?;
    let org = generator.org().clone();
    let mut summary = LoadSummary {
        people: org.employees.len(),
        ..Default::default()
    };
    summary.records += insert_org(&mut tx, &org)
        .await
        .context("loading the organisation")?;
    bar.set_length(u64::from(generator.day_count()));
    for batch in generator.days() {
        summary.records += insert_day(&mut tx, &batch)
            .await
            .with_context(|| format!("loading {}", batch.day))?;
        summary.days += 1;
        bar.inc(1);
    }
    let months =
        Period::month_of(generator.first_day()).through(Period::month_of(generator.config().end));
    insert_targets(&mut tx, &months)
        .await
        .context("setting the monthly targets")?;
    let january = Period::Month {
        year: months[0].start().year(),
        month: 1,
    };
    insert_bonus_bases(&mut tx, january)
        .await
        .context("setting the bonus bases")?;
    tx.sync_id_sequences(ID_TABLES).await?;
    tx.commit().await.context("committing the generated data")?;
    let rollups = progress_bar(0, "building KPI roll-ups");
    store
        .prepare_rollups(None, &|done, total| {
            rollups.set_length(total as u64);
            rollups.set_position(done as u64);
        })
        .await
        .context("building the KPI roll-ups")?;
    rollups.finish_and_clear();
    if accounts {
        create_accounts(store, &org).await?;
    }
    bar.finish_and_clear();
    Ok(summary)
}

async fn insert_org(tx: &mut Tx, org: &Org) -> Result<u64> {
    let mut n = 0;
    // Departments, teams and people refer to each other in circles (parent department, team
    // leader, supervisor); insert first without those links, then set them.
    let flat_depts: Vec<_> = org
        .departments
        .iter()
        .map(|d| kaohe_domain::org::Department {
            parent_id: None,
            ..d.clone()
        })
        .collect();
    n += tx.insert_rows(&flat_depts).await?;
    for d in org.departments.iter().filter(|d| d.parent_id.is_some()) {
        let mut sql = Sql::new("UPDATE departments SET parent_id = ");
        sql.bind(d.parent_id).push(" WHERE id = ").bind(d.id);
        tx.run(&sql).await?;
    }
    n += tx.insert_rows(&org.positions).await?;
    n += tx.insert_rows(&org.levels).await?;
    let flat_people: Vec<_> = org
        .employees
        .iter()
        .map(|e| kaohe_domain::org::Employee {
            team_id: None,
            supervisor_id: None,
            ..e.clone()
        })
        .collect();
    n += tx.insert_rows(&flat_people).await?;
    n += tx.insert_rows(&org.teams).await?;
    for e in org
        .employees
        .iter()
        .filter(|e| e.team_id.is_some() || e.supervisor_id.is_some())
    {
        let mut sql = Sql::new("UPDATE employees SET team_id = ");
        sql.bind(e.team_id)
            .push(", supervisor_id = ")
            .bind(e.supervisor_id)
            .push(" WHERE id = ")
            .bind(e.id);
        tx.run(&sql).await?;
    }
    n += tx.insert_rows(&org.assignments).await?;
    for (day, kind, name) in &org.holidays {
        let mut sql = Sql::new("INSERT INTO holidays (day, kind, name) VALUES (");
        sql.bind(*day)
            .push(", ")
            .bind(kind.as_str())
            .push(", ")
            .bind(name.as_str())
            // The shipped schedule may have been loaded when the database was opened.
            .push(") ON CONFLICT (day) DO NOTHING");
        n += tx.run(&sql).await?;
    }
    n += tx.insert_rows(&org.budgets).await?;
    n += tx.insert_rows(&org.customers).await?;
    n += tx.insert_rows(&org.credit).await?;
    n += tx.insert_rows(&org.courses).await?;
    n += tx.insert_rows(&org.training_needs).await?;
    let sessions: Vec<_> = org.past_sessions.iter().map(SessionRow).collect();
    n += tx.insert_rows(&sessions).await?;
    n += tx.insert_rows(&session_results(&org.past_sessions)).await?;
    Ok(n)
}

async fn insert_day(tx: &mut Tx, b: &DayBatch) -> Result<u64> {
    let mut n = 0;
    n += tx.insert_rows(&b.customers).await?;
    n += tx.insert_rows(&b.calls).await?;
    n += tx.insert_rows(&b.visits).await?;
    n += tx.insert_rows(&b.orders).await?;
    n += tx.insert_rows(&b.order_lines).await?;
    n += tx.insert_rows(&b.order_events).await?;
    n += tx.insert_rows(&b.order_credits).await?;
    n += tx.insert_rows(&b.shipments).await?;
    n += tx.insert_rows(&b.contracts).await?;
    n += tx.insert_rows(&b.contract_steps).await?;
    n += tx.insert_rows(&b.receivables).await?;
    n += tx.insert_rows(&b.payments).await?;
    n += tx.insert_rows(&b.complaints).await?;
    n += tx.insert_rows(&b.expenses).await?;
    n += tx.insert_rows(&b.expense_steps).await?;
    n += tx.insert_rows(&b.attendance).await?;
    n += tx.insert_rows(&b.reports).await?;
    n += tx.insert_rows(&b.documents).await?;
    let meetings: Vec<_> = b.meetings.iter().map(MeetingRow).collect();
    n += tx.insert_rows(&meetings).await?;
    let attendees: Vec<_> = b
        .meetings
        .iter()
        .flat_map(|m| {
            m.attendees.iter().map(|e| MeetingAttendee {
                meeting_id: m.id,
                employee_id: *e,
            })
        })
        .collect();
    n += tx.insert_rows(&attendees).await?;
    n += tx.insert_rows(&b.meeting_decisions).await?;
    let sessions: Vec<_> = b.training_sessions.iter().map(SessionRow).collect();
    n += tx.insert_rows(&sessions).await?;
    n += tx
        .insert_rows(&session_results(&b.training_sessions))
        .await?;
    Ok(n)
}

/// The results of sessions, as their own rows.
fn session_results(sessions: &[TrainingSession]) -> Vec<TrainingResult> {
    sessions
        .iter()
        .flat_map(|s| {
            s.results.iter().map(|(e, attended, score)| TrainingResult {
                session_id: s.id,
                employee_id: *e,
                attended: *attended,
                score: *score,
            })
        })
        .collect()
}

/// Monthly targets (考核目标) as a manager would propose them from past results: each seller's
/// sales target is their average monthly sales over the generated months, rounded to 1,000
/// yuan; each consultant's signing target their average monthly signed contracts, rounded to
/// 10,000 yuan; each person's expense target is their average monthly expenses plus 10 %.
async fn insert_targets(tx: &mut Tx, months: &[Period]) -> Result<()> {
    let n = months.len().max(1) as f64;
    let sales: Vec<(i64, i64)> = tx
        .fetch_all(&Sql::new(
            "SELECT employee_id, CAST(SUM(amount_cents) AS BIGINT) FROM orders WHERE status <> 'cancelled' GROUP BY employee_id",
        ))
        .await?;
    let signed: Vec<(i64, i64)> = tx
        .fetch_all(&Sql::new(
            "SELECT employee_id, CAST(SUM(amount_cents) AS BIGINT) FROM contracts WHERE status IN ('signed', 'archived') GROUP BY employee_id",
        ))
        .await?;
    let expenses: Vec<(i64, i64)> = tx
        .fetch_all(&Sql::new("SELECT employee_id, CAST(SUM(amount_cents) AS BIGINT) FROM expenses GROUP BY employee_id"))
        .await?;
    let now = chrono::Utc::now();
    let per_month = |total: i64, round_to: f64, factor: f64| {
        ((total as f64 / n * factor / round_to).round() * round_to).max(round_to)
    };
    for period in months {
        let rows = sales
            .iter()
            .map(|(e, t)| (*e, "sales_amount", per_month(*t, 100_000.0, 1.0)))
            .chain(
                signed
                    .iter()
                    .map(|(e, t)| (*e, "signed_amount", per_month(*t, 1_000_000.0, 1.0))),
            )
            .chain(
                expenses
                    .iter()
                    .map(|(e, t)| (*e, "sales_expense", per_month(*t, 10_000.0, 1.1))),
            );
        for (employee, code, value) in rows {
            let mut sql = Sql::new(
                "INSERT INTO targets (period, employee_id, indicator_code, value, status, updated_at) VALUES (",
            );
            sql.bind(period.to_string())
                .push(", ")
                .bind(employee)
                .push(", ")
                .bind(code)
                .push(", ")
                .bind(value);
            sql.push(", 'approved', ").bind(now).push(")");
            tx.run(&sql).await?;
        }
    }
    Ok(())
}

/// The demo company's bonus bases (绩效奖金基数), from January of the first generated year: 2,000 yuan
/// for everyone, 3,000 for team leaders (paid quarterly), 5,000 for the sales manager and
/// director (paid at the year's end), as HR would set them on the bonus base page.
async fn insert_bonus_bases(tx: &mut Tx, from: Period) -> Result<()> {
    let rules = [
        ("company", "", 200_000_i64),
        ("position", "telesales_leader", 300_000),
        ("position", "sales_rep_leader", 300_000),
        ("position", "sales_manager", 500_000),
        ("position", "sales_director", 500_000),
    ];
    let now = chrono::Utc::now();
    for (scope, subject, cents) in rules {
        let mut sql = Sql::new(
            "INSERT INTO bonus_base_rules (scope, subject, effective_from, base_cents, note, set_by, set_at) VALUES (",
        );
        sql.bind(scope)
            .push(", ")
            .bind(subject)
            .push(", ")
            .bind(from.to_string())
            .push(", ")
            .bind(cents);
        sql.push(", '演示数据 / demo data', 'kaohe demo', ")
            .bind(now)
            .push(")");
        tx.run(&sql).await?;
    }
    Ok(())
}

/// Creates the demo logins that do not exist yet.
pub async fn create_accounts(store: &Store, org: &Org) -> Result<()> {
    for a in &org.accounts {
        if store.user_by_name(&a.username).await?.is_some() {
            continue;
        }
        let new = NewUser {
            username: &a.username,
            password: &a.password,
            role: a.role,
            employee_id: a.employee_id,
            display_name: &a.display,
        };
        store
            .create_user(&new)
            .await
            .with_context(|| format!("creating demo login {}", a.username))?;
    }
    Ok(())
}
