//! `kaohe import` and `kaohe export`: record files in and out, with a progress bar.

use crate::config::Config;
use crate::load;
use anyhow::{Context, Result, bail};
use clap::Args;
use kaohe_domain::Period;
use kaohe_domain::import::LocalZone;
use kaohe_domain::import::files::{
    CsvRows, CsvWriter, RowSource, TableWriter, XlsxRows, XlsxWriter,
};
use kaohe_domain::import::spec::{self, KindSpec};
use kaohe_store::records::{ImportFailure, ImportOptions, Query};
use kaohe_store::{Store, Viewer};
use sha2::{Digest, Sha256};
use std::io::{BufReader, BufWriter, Read};
use std::path::{Path, PathBuf};

/// `kaohe import KIND FILE`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Record kind: teams, employees, customers, credit, calls, visits, orders, order_lines,
    /// order_events, order_credits, shipments, contracts, contract_steps, receivables, payments,
    /// complaints, budgets, expenses, expense_steps, attendance, reports, documents, meetings,
    /// meeting_attendance, training_courses, training_sessions, training_results; and
    /// behaviour (behaviour factors of the cycle, imported through its rule)
    pub kind: String,
    /// A .csv (UTF-8) or .xlsx file
    pub file: PathBuf,
    /// Check every row and report, but write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Import on behalf of this user (their data scope applies); default: the system
    #[arg(long = "as", value_name = "USER")]
    pub as_user: Option<String>,
    /// Print the outcome or the error report as JSON on stdout
    #[arg(long)]
    pub json: bool,
    /// Language of the error report: zh or en (default: the configured language)
    #[arg(long)]
    pub lang: Option<String>,
}

/// `kaohe export KIND -o FILE`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Record kind (as for import)
    pub kind: String,
    /// File to write: .csv or .xlsx
    #[arg(long, short)]
    pub output: PathBuf,
    /// Only records of this period (2026-10, 2026-Q4, 2026)
    #[arg(long)]
    pub period: Option<String>,
    /// Export as this user sees the data (their data scope); default: the system
    #[arg(long = "as", value_name = "USER")]
    pub as_user: Option<String>,
    /// Header and label language: zh (default) or en
    #[arg(long, default_value = "zh")]
    pub lang: String,
    /// With `scoretable`: the person (database id or employee number 工号)
    #[arg(long)]
    pub employee: Option<String>,
}

pub use kaohe_store::records::CompanyZone;

/// The viewer whose scope applies: a named user's, or the system's.
async fn viewer(store: &Store, user: Option<&str>, command: &str) -> Result<Viewer> {
    match user {
        None => Ok(Viewer::system(command)),
        Some(name) => {
            let user = store
                .user_by_name(name)
                .await?
                .with_context(|| format!("--as: no user `{name}`"))?;
            Ok(store.viewer_for(&user).await?)
        }
    }
}

/// A file's format, from its extension.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Format {
    Csv,
    Xlsx,
}

pub(crate) fn format_of(path: &Path) -> Result<Format> {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("csv") => Ok(Format::Csv),
        Some("xlsx") => Ok(Format::Xlsx),
        _ => bail!(
            "{}: the file name must end in .csv or .xlsx",
            path.display()
        ),
    }
}

/// SHA-256 of the file and its number of lines (an estimate of its rows for the progress bar),
/// in one streaming pass.
fn fingerprint(path: &Path) -> Result<(String, u64)> {
    let mut f =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut lines = 0u64;
    loop {
        let n = f
            .read(&mut buf)
            .with_context(|| format!("cannot read {}", path.display()))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        lines += buf[..n].iter().filter(|b| **b == b'\n').count() as u64;
    }
    Ok((hex::encode(hasher.finalize()), lines))
}

/// Runs `kaohe import`.
pub async fn import(store: &Store, cfg: &Config, a: &ImportArgs) -> Result<()> {
    let spec = spec::import_kind(&a.kind).map_err(anyhow::Error::msg)?;
    let zh = match a.lang.as_deref().unwrap_or(&cfg.language) {
        "zh" | "zh-CN" => true,
        "en" => false,
        other => bail!("--lang: expected zh or en, not `{other}`"),
    };
    let format = format_of(&a.file)?;
    let (sha256, lines) = fingerprint(&a.file)?;
    let file = std::fs::File::open(&a.file)
        .with_context(|| format!("cannot open {}", a.file.display()))?;
    // The same limits as a web upload: a hostile workbook is refused, not read into memory.
    let limits = &cfg.read_limits;
    let mut source: Box<dyn RowSource + Send> = match format {
        Format::Csv => Box::new(CsvRows::with_limits(
            BufReader::with_capacity(1 << 20, file),
            limits,
        )),
        Format::Xlsx => Box::new(
            XlsxRows::with_limits(BufReader::new(file), limits)
                .map_err(|e| anyhow::anyhow!("{}: {e}; nothing was imported", a.file.display()))?,
        ),
    };
    let viewer = viewer(store, a.as_user.as_deref(), "kaohe import").await?;
    let bar = load::progress_bar(lines.saturating_sub(1), "rows");
    let progress = |rows: u64| bar.set_position(rows);
    let name = a.file.display().to_string();
    let zone = CompanyZone(cfg.time_zone);
    let opts = ImportOptions {
        file_name: &name,
        sha256: Some(sha256),
        dry_run: a.dry_run,
        zone: &zone,
        progress: &progress,
    };
    let started = std::time::Instant::now();
    let outcome = store.import(&viewer, spec, source.as_mut(), &opts).await;
    bar.finish_and_clear();
    match outcome {
        Ok(o) => {
            let secs = started.elapsed().as_secs_f64();
            if a.json {
                println!(
                    "{}",
                    serde_json::json!({ "kind": spec.kind, "rows": o.rows, "dry_run": o.dry_run, "seconds": secs })
                );
            } else {
                let verb = if o.dry_run {
                    "checked (dry run, nothing written)"
                } else {
                    "imported"
                };
                println!(
                    "kaohe: {verb} {} {} rows from {name} in {secs:.1} s ({:.0} rows/s)",
                    o.rows,
                    spec.kind,
                    o.rows as f64 / secs.max(1e-9)
                );
            }
            Ok(())
        }
        Err(ImportFailure::Rejected(report)) => {
            if a.json {
                let shown = if zh { report.to_zh() } else { report.clone() };
                println!("{}", serde_json::to_string_pretty(&shown)?);
            } else {
                eprint!("{}", report.render(zh));
            }
            bail!("{name}: import refused ({} errors)", report.total)
        }
        Err(ImportFailure::Store(e)) => Err(e).with_context(|| format!("importing {name}")),
    }
}

/// Runs `kaohe export`.
pub async fn export(store: &Store, cfg: &Config, a: &ExportArgs) -> Result<()> {
    if a.kind == "scoretable" {
        return export_scoretable(store, a).await;
    }
    let spec = spec::kind(&a.kind).map_err(anyhow::Error::msg)?;
    let format = format_of(&a.output)?;
    let zh = match a.lang.as_str() {
        "zh" | "zh-CN" => true,
        "en" => false,
        other => bail!("--lang: expected zh or en, not `{other}`"),
    };
    let period = a.period.as_deref().map(Period::parse).transpose()?;
    let viewer = viewer(store, a.as_user.as_deref(), "kaohe export").await?;
    let query = Query {
        period,
        ..Query::default()
    };
    let zone = CompanyZone(cfg.time_zone);
    let target = a.output.display().to_string();
    let n = match format {
        Format::Csv => {
            let file = std::fs::File::create(&a.output)
                .with_context(|| format!("cannot create {target}"))?;
            let mut w = CsvWriter::new(BufWriter::new(file)).map_err(anyhow::Error::msg)?;
            let n = write_table(store, &viewer, spec, &query, &zone, zh, &target, &mut w).await?;
            w.finish().map_err(anyhow::Error::msg)?;
            n
        }
        Format::Xlsx => {
            let mut w = XlsxWriter::new(spec.zh).map_err(anyhow::Error::msg)?;
            let n = write_table(store, &viewer, spec, &query, &zone, zh, &target, &mut w).await?;
            let bytes = w.finish().map_err(anyhow::Error::msg)?;
            std::fs::write(&a.output, bytes).with_context(|| format!("cannot write {target}"))?;
            n
        }
    };
    println!("kaohe: exported {n} {} rows to {target}", spec.kind);
    Ok(())
}

/// Writes the header and every row the viewer may see.
#[allow(clippy::too_many_arguments)]
pub async fn write_table(
    store: &Store,
    viewer: &Viewer,
    spec: &'static KindSpec,
    query: &Query,
    zone: &(dyn LocalZone + Sync),
    zh: bool,
    target: &str,
    w: &mut (dyn TableWriter + Send),
) -> Result<u64> {
    Ok(store
        .export_table(viewer, spec, query, zone, zh, target, w)
        .await?)
}

/// `kaohe export scoretable --employee … --period … -o FILE.xlsx`
async fn export_scoretable(store: &Store, a: &ExportArgs) -> Result<()> {
    let employee = crate::scoretable::require_employee(a.employee.as_deref())?;
    let Some(period) = a.period.as_deref() else {
        bail!("kaohe export scoretable needs --period")
    };
    let period = Period::parse(period).map_err(|e| anyhow::anyhow!("--period: {e}"))?;
    if format_of(&a.output)? != Format::Xlsx {
        bail!(
            "{}: the score table is written as .xlsx",
            a.output.display()
        );
    }
    let id = crate::assess::employee_id(store, employee).await?;
    let viewer = viewer(store, a.as_user.as_deref(), "kaohe export").await?;
    crate::scoretable::export(store, &viewer, id, period, &a.output).await?;
    println!("kaohe: wrote {}", a.output.display());
    Ok(())
}
