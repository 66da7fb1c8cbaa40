//! The `kaohe` command line.

use crate::config::{Config, FileConfig, Overrides};
use crate::load;
use anyhow::{Context, Result, bail};
use chrono::{NaiveDate, Utc};
use clap::{Args, Parser, Subcommand};
use kaohe_domain::roles::Role;
use kaohe_gen::{GenConfig, Generator};
use kaohe_store::users::NewUser;
use kaohe_store::{Sql, Store};
use std::path::PathBuf;

/// kaohe (考核): sales performance management — records, KPI scorecards, the assessment cycle,
/// bonuses, awards and the career ladder, in one binary.
#[derive(Debug, Parser)]
#[command(name = "kaohe", version, propagate_version = true)]
pub struct Cli {
    /// Database: a file path, a sqlite:// URL or a postgres:// URL
    #[arg(long, global = true, env = "KAOHE_DATABASE_URL", value_name = "DB")]
    pub db: Option<String>,
    /// Configuration file (default: ./kaohe.toml when it exists)
    #[arg(long, global = true, env = "KAOHE_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Company name shown in the UI and reports
    #[arg(long, global = true, env = "KAOHE_COMPANY_NAME", value_name = "NAME")]
    pub company_name: Option<String>,
    /// Company time zone, an IANA name (default Asia/Shanghai)
    #[arg(long, global = true, env = "KAOHE_TIME_ZONE", value_name = "TZ")]
    pub time_zone: Option<String>,
    /// Default UI language: zh-CN or en
    #[arg(long, global = true, env = "KAOHE_LANGUAGE", value_name = "LANG")]
    pub language: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server
    Serve(ServeArgs),
    /// Create (once) a demo company in ./kaohe-demo.db and run the web server on it
    Demo(DemoArgs),
    /// Create the database schema (applied migrations) and the company settings
    Init,
    /// Generate synthetic data at any scale (deterministic for a given --seed)
    Gen(GenArgs),
    /// Manage user accounts
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Write a consistent copy of a live SQLite database
    Backup(BackupArgs),
    /// Import records from a CSV or xlsx file, all or nothing (columns: docs/import-formats.md)
    Import(crate::records::ImportArgs),
    /// Export records to a CSV or xlsx file (format from the extension), within a user's data scope
    Export(crate::records::ExportArgs),
    /// Evaluate and store the scorecards of a period
    Evaluate(EvaluateArgs),
    /// Explain one indicator of a scorecard: rule, inputs, records behind it, what would raise it
    Explain(ExplainArgs),
    /// The indicator library and schemes (export to / import from a TOML file)
    Scheme {
        #[command(subcommand)]
        command: SchemeCommand,
    },
    /// The per-person, per-month KPI roll-ups that evaluation reads
    Rollup {
        #[command(subcommand)]
        command: RollupCommand,
    },
    /// The assessment cycle: open, status, act, consolidate, overdue, demo
    Cycle {
        #[command(subcommand)]
        command: crate::cycle::CycleCommand,
    },
    /// A user's open to-do items (inbox)
    Inbox {
        /// The user
        #[arg(long = "as", value_name = "USER")]
        as_user: String,
    },
    /// Appeals against published results: file, accept, reject, investigate, rule
    Appeal {
        #[command(subcommand)]
        command: crate::cycle::AppealCommand,
    },
    /// Monthly awards: compute candidates, confirm or reject them
    Awards {
        #[command(subcommand)]
        command: crate::cycle::AwardsCommand,
    },
    /// Performance bonuses: compute and export payroll (CSV or xlsx)
    Bonus {
        #[command(subcommand)]
        command: crate::cycle::BonusCommand,
    },
    /// The career ladder: evaluate a month, decide on recommendations
    Ladder {
        #[command(subcommand)]
        command: crate::cycle::LadderCommand,
    },
    /// Training (培训): the plan against what was held, needs, rating pre-fills
    Training {
        #[command(subcommand)]
        command: crate::training::TrainingCommand,
    },
    /// Team meetings (会议): weekly meetings held or missed, decisions, reminders
    Meeting {
        #[command(subcommand)]
        command: crate::training::MeetingCommand,
    },
    /// Customer credit (信用评估): statuses, checks, managers' approvals, receivables ageing
    Credit {
        #[command(subcommand)]
        command: crate::training::CreditCommand,
    },
    /// The working-day calendar (工作日历): public holidays and make-up working days (调休)
    Calendar {
        #[command(subcommand)]
        command: crate::calendar::CalendarCommand,
    },
}

/// Roll-up maintenance.
#[derive(Debug, Subcommand)]
pub enum RollupCommand {
    /// Recompute the roll-ups from the records: everything (e.g. after changing the time zone),
    /// or the months of one period (e.g. after correcting that month's records outside kaohe)
    Rebuild {
        /// Only the months of this period (2026-10, 2026-Q3, 2026); default: every month
        #[arg(long)]
        period: Option<String>,
    },
}

/// What to evaluate.
#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// The period, e.g. 2026-10
    #[arg(long)]
    pub period: String,
    /// Only people assessed by this scheme
    #[arg(long)]
    pub scheme: Option<String>,
    /// Only this person (database id or employee number 工号)
    #[arg(long)]
    pub employee: Option<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t = crate::assess::Format::Table)]
    pub format: crate::assess::Format,
}

/// What to explain.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The person (database id or employee number 工号)
    #[arg(long)]
    pub employee: String,
    /// The period, e.g. 2026-10
    #[arg(long)]
    pub period: String,
    /// The indicator code, e.g. callback_timeliness
    #[arg(long)]
    pub indicator: String,
    /// How many records to list per measure
    #[arg(long, default_value_t = 10)]
    pub limit: usize,
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
}

/// Library commands.
#[derive(Debug, Subcommand)]
pub enum SchemeCommand {
    /// Print (or write with -o) the current indicator library and schemes as TOML
    Export {
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Validate a TOML file and make it the current library (a bad file changes nothing)
    Import { file: PathBuf },
}

/// Where to listen.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Port to listen on (default 8080)
    #[arg(long, env = "KAOHE_PORT")]
    pub port: Option<u16>,
    /// Address to bind (default 127.0.0.1; 0.0.0.0 for all interfaces)
    #[arg(long, env = "KAOHE_BIND")]
    pub bind: Option<String>,
}

/// The demo.
#[derive(Debug, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub serve: ServeArgs,
    /// Seed of the demo company
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Months of records ending today
    #[arg(long, default_value_t = 6)]
    pub months: u32,
    /// Create the data and exit without serving
    #[arg(long)]
    pub no_serve: bool,
}

/// Synthetic data.
#[derive(Debug, Args)]
pub struct GenArgs {
    /// Number of staff (omit for the ~80-person demo company)
    #[arg(long)]
    pub staff: Option<u32>,
    /// Months of records ending at --end
    #[arg(long, default_value_t = 3)]
    pub months: u32,
    /// Calls per telesales person per working day
    #[arg(long, default_value_t = 40)]
    pub calls_per_day: u32,
    /// Seed: the same seed always gives the same data
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Last day with records, YYYY-MM-DD (default: today in the company time zone)
    #[arg(long)]
    pub end: Option<NaiveDate>,
    /// Also create the demo logins (password kaohe-demo)
    #[arg(long)]
    pub accounts: bool,
}

/// Account commands.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add an account
    Add(UserAddArgs),
    /// List accounts
    List,
    /// Set a new password for an account (an administrator's reset); ends its sessions
    ResetPassword(UserResetArgs),
    /// Create an API token for an integration acting as an account; printed once
    Token(UserTokenArgs),
    /// Disable an account: it cannot sign in, its sessions end and its API tokens are revoked
    Disable(UserNameArgs),
    /// Enable a disabled account again
    Enable(UserNameArgs),
    /// List an account's API tokens (names, expiry, scope; never the tokens)
    Tokens(UserNameArgs),
    /// Revoke one of an account's API tokens by its name
    RevokeToken(UserRevokeArgs),
}

/// An account by its login name.
#[derive(Debug, Args)]
pub struct UserNameArgs {
    /// Login name
    #[arg(long)]
    pub username: String,
}

/// A token to revoke.
#[derive(Debug, Args)]
pub struct UserRevokeArgs {
    /// Login name of the token's account
    #[arg(long)]
    pub username: String,
    /// The token's name
    #[arg(long)]
    pub name: String,
}

/// A password reset.
#[derive(Debug, Args)]
pub struct UserResetArgs {
    /// Login name
    #[arg(long)]
    pub username: String,
    /// The new password (at least 8 characters); prefer the KAOHE_PASSWORD variable
    #[arg(long, env = "KAOHE_PASSWORD", hide_env_values = true)]
    pub password: String,
}

/// A new API token.
#[derive(Debug, Args)]
pub struct UserTokenArgs {
    /// Login name of the account the token acts as (its role and data scope)
    #[arg(long)]
    pub username: String,
    /// A name for the token, unique among the account's live tokens (e.g. "CRM sync")
    #[arg(long)]
    pub name: String,
    /// Days the token works, 1 to 366
    #[arg(long, default_value_t = kaohe_store::users::DEFAULT_TOKEN_DAYS)]
    pub days: i64,
    /// A read-only token: refused on every request but GET and HEAD
    #[arg(long)]
    pub read_only: bool,
}

/// A new account.
#[derive(Debug, Args)]
pub struct UserAddArgs {
    /// Login name
    #[arg(long)]
    pub username: String,
    /// Role: rep, clerk, customer_service, team_leader, manager, hr, finance, committee, admin
    #[arg(long)]
    pub role: String,
    /// Password (at least 8 characters); prefer the KAOHE_PASSWORD variable over the flag
    #[arg(long, env = "KAOHE_PASSWORD", hide_env_values = true)]
    pub password: String,
    /// The employee number (工号) the account belongs to
    #[arg(long)]
    pub employee: Option<String>,
    /// Name shown in the UI
    #[arg(long, default_value = "")]
    pub display_name: String,
}

/// Backup target.
#[derive(Debug, Args)]
pub struct BackupArgs {
    /// File to write (must not exist)
    #[arg(long, short)]
    pub output: PathBuf,
}

impl Cli {
    fn config(&self, port: Option<u16>, bind: Option<String>, default_db: &str) -> Result<Config> {
        let file = FileConfig::discover(self.config.as_deref())?;
        let over = Overrides {
            company_name: self.company_name.clone(),
            time_zone: self.time_zone.clone(),
            language: self.language.clone(),
            bind,
            port,
            database_url: self.db.clone(),
        };
        Config::resolve(over, file, default_db)
    }
}

/// Default database of every command but `demo`.
pub const DEFAULT_DB: &str = "./kaohe.db";
/// Setting that marks a demo database: the logins shown on its sign-in page.
const DEMO_HINT_SETTING: &str = "demo_hint";

/// Default database of `demo`.
pub const DEMO_DB: &str = "./kaohe-demo.db";

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> Result<()> {
    match &cli.command {
        Command::Serve(a) => {
            let cfg = cli.config(a.port, a.bind.clone(), DEFAULT_DB)?;
            let store = open(&cfg).await?;
            serve(store, &cfg).await
        }
        Command::Demo(a) => demo(&cli, a).await,
        Command::Init => {
            let cfg = cli.config(None, None, DEFAULT_DB)?;
            let store = open(&cfg).await?;
            let lib = store.library().await?;
            println!(
                "kaohe: database {} ({}) is ready; library version {} ({} indicators, {} schemes)",
                store.location().redacted(),
                store.backend_name(),
                lib.version,
                lib.library.indicators().len(),
                lib.library.schemes().len()
            );
            Ok(())
        }
        Command::Evaluate(a) => {
            let cfg = cli.config(None, None, DEFAULT_DB)?;
            let store = open(&cfg).await?;
            let employee = a.employee.as_deref();
            crate::assess::evaluate(&store, &a.period, a.scheme.clone(), employee, a.format).await
        }
        Command::Explain(a) => {
            let cfg = cli.config(None, None, DEFAULT_DB)?;
            let store = open(&cfg).await?;
            crate::assess::explain(
                &store,
                &a.employee,
                &a.period,
                &a.indicator,
                a.limit,
                a.json,
            )
            .await
        }
        Command::Scheme { command } => {
            let cfg = cli.config(None, None, DEFAULT_DB)?;
            let store = open(&cfg).await?;
            match command {
                SchemeCommand::Export { output } => {
                    crate::assess::export_library(&store, output.as_deref()).await
                }
                SchemeCommand::Import { file } => crate::assess::import_library(&store, file).await,
            }
        }
        Command::Gen(a) => generate(&cli, a).await,
        Command::Cycle { command } => {
            let cfg = cli.config(None, None, DEFAULT_DB)?;
            crate::cycle::cycle(&open(&cfg).await?, command, today(&cfg)).await
        }
        Command::Inbox { as_user } => {
            let cfg = cli.config(None, None, DEFAULT_DB)?;
            let store = open(&cfg).await?;
            // Missed meetings and overdue decisions raise no event: look before listing.
            store.remind_meetings(today(&cfg)).await?;
            crate::cycle::inbox(&store, as_user).await
        }
        Command::Training { command } => {
            let cfg = cli.config(None, None, DEFAULT_DB)?;
            crate::training::training(&open(&cfg).await?, command, today(&cfg)).await
        }
        Command::Meeting { command } => {
            let cfg = cli.config(None, None, DEFAULT_DB)?;
            crate::training::meeting(&open(&cfg).await?, command, today(&cfg)).await
        }
        Command::Credit { command } => {
            let cfg = cli.config(None, None, DEFAULT_DB)?;
            crate::training::credit(&open(&cfg).await?, command, today(&cfg)).await
        }
        Command::Calendar { command } => {
            let cfg = cli.config(None, None, DEFAULT_DB)?;
            crate::calendar::calendar(&open(&cfg).await?, &cfg, command).await
        }
        Command::Appeal { command } => {
            let cfg = cli.config(None, None, DEFAULT_DB)?;
            crate::cycle::appeal(&open(&cfg).await?, command, today(&cfg)).await
        }
        Command::Awards { command } => {
            let cfg = cli.config(None, None, DEFAULT_DB)?;
            crate::cycle::awards(&open(&cfg).await?, command, today(&cfg)).await
        }
        Command::Bonus { command } => {
            let cfg = cli.config(None, None, DEFAULT_DB)?;
            crate::cycle::bonus(&open(&cfg).await?, command).await
        }
        Command::Ladder { command } => {
            let cfg = cli.config(None, None, DEFAULT_DB)?;
            crate::cycle::ladder(&open(&cfg).await?, command, today(&cfg)).await
        }
        Command::Import(a) => {
            let cfg = cli.config(None, None, DEFAULT_DB)?;
            crate::records::import(&open(&cfg).await?, &cfg, a).await
        }
        Command::Export(a) => {
            let cfg = cli.config(None, None, DEFAULT_DB)?;
            crate::records::export(&open(&cfg).await?, &cfg, a).await
        }
        Command::User { command } => user(&cli, command).await,
        Command::Rollup {
            command: RollupCommand::Rebuild { period },
        } => {
            let period = period
                .as_deref()
                .map(kaohe_domain::period::Period::parse)
                .transpose()
                .map_err(|e| anyhow::anyhow!("--period: {e}"))?;
            let cfg = cli.config(None, None, DEFAULT_DB)?;
            let store = open(&cfg).await?;
            let started = std::time::Instant::now();
            let bar = crate::load::progress_bar(0, "rebuilding KPI roll-ups");
            let report = store
                .prepare_rollups(period, &|done, total| {
                    bar.set_length(total as u64);
                    bar.set_position(done as u64);
                })
                .await?;
            bar.finish_and_clear();
            println!(
                "rebuilt {} measures: {} queries, {} buckets in {:.2} s",
                report.measures,
                report.queries,
                report.buckets,
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Backup(a) => {
            let cfg = cli.config(None, None, DEFAULT_DB)?;
            let store = open(&cfg).await?;
            let bar = indicatif::ProgressBar::new_spinner()
                .with_message(format!("backing up to {}", a.output.display()));
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            store.backup_to(&a.output).await?;
            bar.finish_and_clear();
            println!("kaohe: wrote {}", a.output.display());
            Ok(())
        }
    }
}

/// Opens the store and records the company settings in it.
async fn open(cfg: &Config) -> Result<Store> {
    let store = Store::open_str(&cfg.database_url).await?;
    store.set_setting("company_name", &cfg.company_name).await?;
    store.set_setting("time_zone", cfg.time_zone.name()).await?;
    store.set_setting("language", &cfg.language).await?;
    // A fresh database starts with the shipped public-holiday schedule; a year is offered
    // once, so an HR edit is never overwritten.
    store.install_default_calendar().await?;
    Ok(store)
}

fn today(cfg: &Config) -> NaiveDate {
    Utc::now().with_timezone(&cfg.time_zone).date_naive()
}

async fn demo(cli: &Cli, a: &DemoArgs) -> Result<()> {
    let cfg = cli.config(a.serve.port, a.serve.bind.clone(), DEMO_DB)?;
    let store = open(&cfg).await?;
    let mut generator = Generator::new(GenConfig {
        months: a.months,
        ..GenConfig::demo(a.seed, today(&cfg))
    });
    if load::has_data(&store).await? {
        println!(
            "kaohe: reusing the demo data in {}",
            store.location().redacted()
        );
        load::create_accounts(&store, generator.org()).await?;
    } else {
        println!(
            "kaohe: creating the demo company in {} ...",
            store.location().redacted()
        );
        let bar = load::progress_bar(u64::from(generator.day_count()), "days");
        let s = load::load(&store, &mut generator, &bar, true).await?;
        println!(
            "kaohe: {} people, {} days, {} records",
            s.people, s.days, s.records
        );
        demo_history(&store, &generator, today(&cfg)).await?;
    }
    let usernames: Vec<_> = generator
        .org()
        .accounts
        .iter()
        .map(|a| a.username.as_str())
        .collect();
    store
        .set_setting(DEMO_HINT_SETTING, &usernames.join(" · "))
        .await?;
    print_logins(&cfg, &generator);
    if a.no_serve {
        return Ok(());
    }
    serve(store, &cfg).await
}

/// Gives a new demo company its history (see [`crate::demo_cycle::give_history`]).
async fn demo_history(store: &Store, generator: &Generator, today: NaiveDate) -> Result<()> {
    let started = std::time::Instant::now();
    let h = crate::demo_cycle::give_history(store, generator, today, &|p| {
        println!("kaohe: {p}: assessment cycle, awards, bonuses, ladder ...");
    })
    .await
    .context("driving the demo's past months through the cycle")?;
    println!(
        "kaohe: {} months assessed, {} appeals ({} upheld) in {:.1} s",
        h.months.len(),
        h.appeals,
        h.upheld,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn print_logins(cfg: &Config, generator: &Generator) {
    println!();
    println!("  kaohe is running at http://{}", cfg.addr);
    println!("  demo logins (password: kaohe-demo):");
    for acc in &generator.org().accounts {
        println!(
            "    {:<18} {:<18} {}",
            acc.username,
            acc.role.as_str(),
            acc.display
        );
    }
    println!();
}

async fn generate(cli: &Cli, a: &GenArgs) -> Result<()> {
    let cfg = cli.config(None, None, DEFAULT_DB)?;
    let store = open(&cfg).await?;
    if load::has_data(&store).await? {
        bail!(
            "{} already holds data; generate into a new database (--db)",
            store.location().redacted()
        );
    }
    let end = a.end.unwrap_or_else(|| today(&cfg));
    let gen_cfg = GenConfig {
        seed: a.seed,
        staff: a.staff,
        months: a.months,
        calls_per_day: a.calls_per_day,
        end,
        tz: cfg.time_zone,
    };
    let mut generator = Generator::new(gen_cfg);
    let bar = load::progress_bar(u64::from(generator.day_count()), "days");
    let started = std::time::Instant::now();
    let s = load::load(&store, &mut generator, &bar, a.accounts).await?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "kaohe: generated {} people, {} days, {} records in {:.1} s ({:.0} records/s)",
        s.people,
        s.days,
        s.records,
        secs,
        s.records as f64 / secs.max(1e-9)
    );
    Ok(())
}

async fn user(cli: &Cli, command: &UserCommand) -> Result<()> {
    let cfg = cli.config(None, None, DEFAULT_DB)?;
    let store = open(&cfg).await?;
    match command {
        UserCommand::Add(a) => {
            let role: Role = a
                .role
                .parse()
                .map_err(|m: String| anyhow::anyhow!("--role: {m}"))?;
            let employee_id = match &a.employee {
                Some(code) => {
                    let mut sql = Sql::new("SELECT id FROM employees WHERE code = ");
                    sql.bind(code.as_str());
                    let row: Option<(i64,)> = store.fetch_optional(&sql).await?;
                    Some(
                        row.with_context(|| {
                            format!("--employee: no employee with number `{code}`")
                        })?
                        .0,
                    )
                }
                None => None,
            };
            let new = NewUser {
                username: &a.username,
                password: &a.password,
                role,
                employee_id,
                display_name: &a.display_name,
            };
            let id = store.create_user(&new).await?;
            println!(
                "kaohe: created user {} (id {id}, role {})",
                a.username,
                role.as_str()
            );
        }
        UserCommand::ResetPassword(a) => {
            let admin = kaohe_store::Viewer::system("cli");
            store
                .reset_password(&admin, &a.username, &a.password)
                .await?;
            println!(
                "kaohe: password of {} reset; its sessions ended",
                a.username
            );
        }
        UserCommand::Token(a) => {
            let user = store
                .user_by_name(&a.username)
                .await?
                .with_context(|| format!("--username: no account `{}`", a.username))?;
            let admin = kaohe_store::Viewer::system("cli");
            let options = kaohe_store::users::TokenOptions {
                days: a.days,
                read_only: a.read_only,
            };
            let token = store
                .create_api_token_with(&admin, user.id, &a.name, options)
                .await?;
            eprintln!(
                "kaohe: API token `{}` for {} (shown once; send it as `Authorization: Bearer …`):",
                a.name.trim(),
                a.username
            );
            println!("{token}");
        }
        UserCommand::Disable(a) | UserCommand::Enable(a) => {
            let active = matches!(command, UserCommand::Enable(_));
            let admin = kaohe_store::Viewer::system("cli");
            store
                .set_account_active(&admin, &a.username, active)
                .await?;
            if active {
                println!("kaohe: account {} enabled", a.username);
            } else {
                println!(
                    "kaohe: account {} disabled; its sessions ended and its API tokens are revoked",
                    a.username
                );
            }
        }
        UserCommand::Tokens(a) => {
            let admin = kaohe_store::Viewer::system("cli");
            let now = chrono::Utc::now();
            for t in store.api_tokens_of(&admin, &a.username).await? {
                let state = match (t.revoked_at, t.live(now)) {
                    (Some(_), _) => "revoked",
                    (None, true) => "live",
                    (None, false) => "expired",
                };
                let scope = if t.read_only {
                    "read-only"
                } else {
                    "read-write"
                };
                println!(
                    "{:<30} {:<8} {:<10} created {}  expires {}",
                    t.name,
                    state,
                    scope,
                    t.created_at.format("%Y-%m-%d %H:%M"),
                    t.expires().format("%Y-%m-%d %H:%M")
                );
            }
        }
        UserCommand::RevokeToken(a) => {
            let admin = kaohe_store::Viewer::system("cli");
            store
                .revoke_api_token_of(&admin, &a.username, &a.name)
                .await?;
            println!("kaohe: token `{}` of {} revoked", a.name, a.username);
        }
        UserCommand::List => {
            for u in store.users().await? {
                let state = if u.active { "active" } else { "disabled" };
                println!(
                    "{:<6} {:<20} {:<18} {:<9} {}",
                    u.id, u.username, u.role, state, u.display_name
                );
            }
        }
    }
    Ok(())
}

/// Serves until SIGTERM or Ctrl-C, finishing in-flight requests.
async fn serve(store: Store, cfg: &Config) -> Result<()> {
    let listener = kaohe_web::bind(cfg.addr)
        .await
        .map_err(anyhow::Error::msg)?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, backend = store.backend_name(), "kaohe listening");
    println!("kaohe: listening on http://{addr}");
    let demo_hint = store.setting(DEMO_HINT_SETTING).await?;
    let mut limits = cfg.server_limits;
    // The descriptor limit, not the connection cap, would otherwise turn clients away: keep
    // room for the database, the log and uploads.
    if let Some(files) = kaohe_web::server::raise_open_files_limit() {
        let room = (files.saturating_sub(128) as usize).max(16);
        if room < limits.max_connections {
            tracing::warn!(
                files,
                room,
                "max_connections lowered to the open-files limit"
            );
            limits.max_connections = room;
        }
    }
    let state = kaohe_web::AppState::new(store.clone(), &cfg.company_name, cfg.secure_cookies)
        .with_language(&cfg.language)
        .with_time_zone(cfg.time_zone)
        .with_demo_hint(demo_hint)
        .with_server_limits(limits)
        .with_heavy_per_user(cfg.heavy_requests_per_user)
        .with_upload_limits(kaohe_web::import::UploadLimits {
            bulk: cfg.max_upload_bytes,
            personal: cfg.max_personal_upload_bytes,
            by_kind: std::sync::Arc::new(cfg.max_upload_bytes_by_kind.clone()),
        })
        .with_read_limits(cfg.read_limits)
        .with_sign_in_limit(cfg.sign_ins_per_minute);
    kaohe_web::serve(listener, state, shutdown_signal()).await?;
    store.close().await;
    tracing::info!("kaohe stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutdown requested; finishing in-flight requests");
}
