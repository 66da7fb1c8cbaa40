//! `kaohe calendar`: the working-day calendar (public holidays and make-up working days) listed,
//! changed, imported and exported, as the calendar page and `/api/calendar` do; and the
//! warning printed where deadlines are computed over a year nobody configured.

use crate::config::Config;
use crate::records::{Format, ImportArgs, format_of};
use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use clap::Subcommand;
use kaohe_domain::calendar::DayKind;
use kaohe_domain::import::files::{CsvWriter, XlsxWriter};
use kaohe_domain::period::Period;
use kaohe_store::{Store, Viewer};
use std::io::BufWriter;
use std::path::PathBuf;

/// Calendar commands.
#[derive(Debug, Subcommand)]
pub enum CalendarCommand {
    /// List the configured days (holidays and make-up working days), of one year or all
    List {
        /// Only this year
        #[arg(long)]
        year: Option<i32>,
    },
    /// Configure a day: a public holiday (休息日) or a make-up working day (工作日, a weekend day)
    Add {
        /// The date, YYYY-MM-DD
        #[arg(long)]
        day: String,
        /// holiday (休息日) or workday (工作日)
        #[arg(long)]
        kind: String,
        /// Its name (元旦, 国庆节调休上班, …)
        #[arg(long, default_value = "")]
        name: String,
    },
    /// Remove a configured day (it follows the weekday rule again)
    Remove {
        /// The date, YYYY-MM-DD
        #[arg(long)]
        day: String,
    },
    /// Import days from a CSV or xlsx file (日期, 类型, 名称), all or nothing; a day configured
    /// already takes the file's kind and name
    Import {
        /// A .csv (UTF-8) or .xlsx file
        file: PathBuf,
        /// Check every row and report, but write nothing
        #[arg(long)]
        dry_run: bool,
        /// Print the outcome or the error report as JSON on stdout
        #[arg(long)]
        json: bool,
        /// Language of the error report: zh or en (default: the configured language)
        #[arg(long)]
        lang: Option<String>,
    },
    /// Export the configured days to a .csv or .xlsx file (the columns an import reads)
    Export {
        /// File to write: .csv or .xlsx
        #[arg(long, short)]
        output: PathBuf,
        /// Only this year
        #[arg(long)]
        year: Option<i32>,
        /// Header and label language: zh (default) or en
        #[arg(long, default_value = "zh")]
        lang: String,
    },
}

fn parse_day(text: &str) -> Result<NaiveDate> {
    text.trim()
        .parse()
        .with_context(|| format!("--day: `{text}` is not a date such as 2026-10-01"))
}

/// Runs a calendar command as the system (the CLI is the operator's).
pub async fn calendar(store: &Store, cfg: &Config, cmd: &CalendarCommand) -> Result<()> {
    let system = Viewer::system("kaohe calendar");
    match cmd {
        CalendarCommand::List { year } => {
            for d in store.calendar_entries(&system, *year).await? {
                println!("{}  {:<8} {}", d.day, d.kind, d.name);
            }
            if let Some(y) = year {
                warn_years(
                    &store
                        .calendar_gaps(year_start(*y)?, year_start(*y)?)
                        .await?,
                );
            }
        }
        CalendarCommand::Add { day, kind, name } => {
            let day = parse_day(day)?;
            let Some(k) = DayKind::parse(kind) else {
                bail!("--kind: `{kind}` is not one of: holiday (休息日), workday (工作日)");
            };
            store.add_calendar_day(&system, day, k, name).await?;
            println!("kaohe: {day} is now a {}", k.as_str());
        }
        CalendarCommand::Remove { day } => {
            let day = parse_day(day)?;
            store.remove_calendar_day(&system, day).await?;
            println!("kaohe: {day} removed; it follows the weekday rule again");
        }
        CalendarCommand::Import {
            file,
            dry_run,
            json,
            lang,
        } => {
            let args = ImportArgs {
                kind: "calendar".into(),
                file: file.clone(),
                dry_run: *dry_run,
                as_user: None,
                json: *json,
                lang: lang.clone(),
            };
            crate::records::import(store, cfg, &args).await?;
        }
        CalendarCommand::Export { output, year, lang } => {
            export(store, &system, output, *year, lang).await?;
        }
    }
    Ok(())
}

fn year_start(year: i32) -> Result<NaiveDate> {
    NaiveDate::from_ymd_opt(year, 1, 1).with_context(|| format!("--year: {year} is not a year"))
}

async fn export(
    store: &Store,
    viewer: &Viewer,
    output: &std::path::Path,
    year: Option<i32>,
    lang: &str,
) -> Result<()> {
    let zh = match lang {
        "zh" | "zh-CN" => true,
        "en" => false,
        other => bail!("--lang: expected zh or en, not `{other}`"),
    };
    let target = output.display().to_string();
    let n = match format_of(output)? {
        Format::Csv => {
            let file =
                std::fs::File::create(output).with_context(|| format!("cannot create {target}"))?;
            let mut w = CsvWriter::new(BufWriter::new(file)).map_err(anyhow::Error::msg)?;
            let n = store.export_calendar(viewer, year, zh, &mut w).await?;
            w.finish().map_err(anyhow::Error::msg)?;
            n
        }
        Format::Xlsx => {
            let mut w = XlsxWriter::new("工作日历").map_err(anyhow::Error::msg)?;
            let n = store.export_calendar(viewer, year, zh, &mut w).await?;
            let bytes = w.finish().map_err(anyhow::Error::msg)?;
            std::fs::write(output, bytes).with_context(|| format!("cannot write {target}"))?;
            n
        }
    };
    println!("kaohe: exported {n} calendar days to {target}");
    Ok(())
}

/// Prints a warning for each year a deadline of `period` may fall in (the period and the
/// month after it, where its steps are due) that has no configured day.
pub async fn warn_calendar_gaps(store: &Store, period: Period) -> Result<()> {
    let to = period.next().end();
    warn_years(&store.calendar_gaps(period.start(), to).await?);
    Ok(())
}

fn warn_years(years: &[i32]) {
    for y in years {
        eprintln!(
            "kaohe: warning: no public holidays or make-up working days are configured for {y}; \
             working-day deadlines there count Monday to Friday only \
             (`kaohe calendar import FILE`, `kaohe calendar add`, or /admin/calendar) / \
             {y} 年未配置节假日和调休，工作日期限只按周一至周五计算"
        );
    }
}
