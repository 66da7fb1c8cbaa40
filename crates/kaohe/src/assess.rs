//! `kaohe evaluate` and `kaohe scheme`: scorecards from the command line.

use anyhow::{Context, Result, bail};
use kaohe_domain::composition::CompositionDetail;
use kaohe_domain::library::Library;
use kaohe_domain::period::Period;
use kaohe_store::evaluate::{EvalRequest, Evaluation};
use kaohe_store::{Sql, Store, Viewer};
use serde_json::Value;
use std::path::Path;

/// Output formats of `kaohe evaluate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
}

/// Resolves `--employee`: a database id or an employee number (工号).
pub async fn employee_id(store: &Store, text: &str) -> Result<i64> {
    let mut sql = Sql::new("SELECT id FROM employees WHERE code = ");
    sql.bind(text);
    if let Some((id,)) = store.fetch_optional::<(i64,)>(&sql).await? {
        return Ok(id);
    }
    if let Ok(id) = text.parse::<i64>() {
        let mut sql = Sql::new("SELECT id FROM employees WHERE id = ");
        sql.bind(id);
        if store.fetch_optional::<(i64,)>(&sql).await?.is_some() {
            return Ok(id);
        }
    }
    bail!("--employee: no employee with id or number `{text}`")
}

/// Evaluates and prints.
pub async fn evaluate(
    store: &Store,
    period: &str,
    scheme: Option<String>,
    employee: Option<&str>,
    format: Format,
) -> Result<()> {
    let period = Period::parse(period).map_err(|e| anyhow::anyhow!("--period: {e}"))?;
    let employee = match employee {
        Some(e) => Some(employee_id(store, e).await?),
        None => None,
    };
    if employee.is_none() {
        // Everybody's evaluation reads the roll-ups; one person's reads few records either way.
        build_pending_rollups(store).await?;
    }
    let req = EvalRequest {
        period,
        scheme,
        employee,
    };
    let started = std::time::Instant::now();
    // The JSON of ten thousand cards is written while they are stored; printed once they are.
    let (e, json) = store
        .evaluate_then(&Viewer::system("kaohe evaluate"), &req, move |e| {
            (format == Format::Json).then(|| json_text(e))
        })
        .await?;
    let secs = started.elapsed().as_secs_f64();
    let output_started = std::time::Instant::now();
    match format {
        Format::Json => print_json(&json.unwrap_or_else(|| json_text(&e))?)?,
        Format::Csv => print_csv(&e)?,
        Format::Table => {
            print_table(&e);
            eprintln!(
                "kaohe: {} scorecards for {} in {secs:.2} s ({} records read, library version {})",
                e.results.len(),
                e.period,
                e.rows_read,
                e.library_version
            );
        }
    }
    tracing::debug!(
        ms = output_started.elapsed().as_millis(),
        "evaluation printed"
    );
    Ok(())
}

/// The JSON form of an evaluation (documented in the README), serialised straight from the
/// scorecards: at 10,000 people the document is tens of megabytes.
#[derive(serde::Serialize)]
pub struct EvaluationJson<'a> {
    period: String,
    library_version: i64,
    scorecards: Vec<CardJson<'a>>,
}

#[derive(serde::Serialize)]
struct CardJson<'a> {
    employee: String,
    employee_code: &'a str,
    name: &'a str,
    scheme: &'a str,
    total: Option<f64>,
    total_full_precision: Option<f64>,
    grade: Option<&'a str>,
    bonus_coefficient: Option<f64>,
    indicators: Vec<IndicatorJson<'a>>,
    notes: Vec<String>,
}

#[derive(serde::Serialize)]
struct IndicatorJson<'a> {
    code: &'a str,
    value: Option<f64>,
    score: Option<f64>,
    weight: f64,
    configured_weight: f64,
    applicable: bool,
    numerator: Option<f64>,
    denominator: Option<f64>,
}

impl<'a> EvaluationJson<'a> {
    /// The document of `e`.
    pub fn new(e: &'a Evaluation) -> Self {
        let scorecards = e
            .results
            .iter()
            .map(|r| {
                let c = &r.scorecard;
                CardJson {
                    employee: r.employee_id.to_string(),
                    employee_code: &r.employee_code,
                    name: &r.name,
                    scheme: &c.scheme,
                    total: c.total_rounded,
                    total_full_precision: c.total,
                    grade: c.grade.as_ref().map(|g| g.code.as_str()),
                    bonus_coefficient: c.bonus_coefficient,
                    indicators: c
                        .lines
                        .iter()
                        .map(|l| IndicatorJson {
                            code: &l.indicator,
                            value: l.value,
                            score: l.counted_score.or(l.score),
                            weight: l.effective_weight,
                            configured_weight: l.weight.as_percent(),
                            applicable: l.applicable,
                            numerator: l.numerator,
                            denominator: l.denominator,
                        })
                        .collect(),
                    notes: c.notes.iter().map(|n| n.en()).collect(),
                }
            })
            .collect();
        EvaluationJson {
            period: e.period.to_string(),
            library_version: e.library_version,
            scorecards,
        }
    }
}

/// The JSON form of an evaluation as a value (for tests comparing evaluations).
pub fn to_json(e: &Evaluation) -> Value {
    serde_json::to_value(EvaluationJson::new(e)).expect("plain data serialises")
}

/// Writes the JSON document of `e` to stdout, pretty-printed, through one buffer.
/// The `--format json` document of an evaluation, with its final newline.
fn json_text(e: &Evaluation) -> serde_json::Result<Vec<u8>> {
    let mut text = Vec::with_capacity(e.results.len() * 2048);
    serde_json::to_writer_pretty(&mut text, &EvaluationJson::new(e))?;
    text.push(b'\n');
    Ok(text)
}

fn print_json(text: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(text)?;
    out.flush()?;
    Ok(())
}

fn fmt2(v: Option<f64>) -> String {
    v.map_or_else(|| "N/A".to_string(), |x| format!("{x:.2}"))
}

fn print_table(e: &Evaluation) {
    println!(
        "{:<10} {:<8} {:<28} {:>8} {:<10} {:>5} {:>7}",
        "工号", "姓名", "scheme", "total", "grade", "coef", "periods"
    );
    for r in &e.results {
        let c = &r.scorecard;
        let grade = c
            .grade
            .as_ref()
            .map_or("N/A".to_string(), |g| format!("{} {}", g.code, g.name_zh));
        // A quarter's or year's result says how many stored months it is the mean of.
        let periods = match c.composition {
            CompositionDetail::OverPeriods {
                periods, expected, ..
            } => format!("{periods}/{expected}"),
            _ => "-".into(),
        };
        println!(
            "{:<10} {:<8} {:<28} {:>8} {:<10} {:>5} {:>7}",
            r.employee_code,
            r.name,
            c.scheme,
            fmt2(c.total_rounded),
            grade,
            c.bonus_coefficient
                .map_or("-".into(), |b| format!("{b:.1}")),
            periods
        );
    }
}

fn print_csv(e: &Evaluation) -> Result<()> {
    let mut w = csv::Writer::from_writer(std::io::stdout());
    w.write_record([
        "period",
        "employee",
        "employee_code",
        "name",
        "scheme",
        "indicator",
        "value",
        "score",
        "weight",
        "applicable",
        "total",
        "grade",
        "bonus_coefficient",
    ])?;
    for r in &e.results {
        let c = &r.scorecard;
        for l in &c.lines {
            w.write_record([
                e.period.to_string(),
                r.employee_id.to_string(),
                r.employee_code.clone(),
                r.name.clone(),
                c.scheme.clone(),
                l.indicator.clone(),
                l.value.map(|v| v.to_string()).unwrap_or_default(),
                l.counted_score
                    .or(l.score)
                    .map(|v| v.to_string())
                    .unwrap_or_default(),
                l.effective_weight.to_string(),
                l.applicable.to_string(),
                c.total_rounded.map(|v| v.to_string()).unwrap_or_default(),
                c.grade.as_ref().map(|g| g.code.clone()).unwrap_or_default(),
                c.bonus_coefficient
                    .map(|v| v.to_string())
                    .unwrap_or_default(),
            ])?;
        }
    }
    w.flush()?;
    Ok(())
}

/// `kaohe scheme export`: the current library as TOML.
pub async fn export_library(store: &Store, output: Option<&Path>) -> Result<()> {
    let lib = store.library().await?;
    let text = lib.library.to_toml();
    match output {
        Some(p) => {
            std::fs::write(p, text).with_context(|| format!("cannot write {}", p.display()))?
        }
        None => print!("{text}"),
    }
    Ok(())
}

/// `kaohe scheme import FILE`: validates the whole file; a bad file changes nothing.
pub async fn import_library(store: &Store, file: &Path) -> Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let name = file.display().to_string();
    let library = Library::from_toml_files(&[(name.as_str(), text.as_str())])
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let version = store
        .save_library(&Viewer::system("kaohe scheme import"), &library)
        .await?;
    println!(
        "kaohe: library version {version}: {} indicators, {} schemes",
        library.indicators().len(),
        library.schemes().len()
    );
    build_pending_rollups(store).await
}

/// Builds the roll-ups of measures a library change registered (a running server would build
/// them in the background), with a progress bar.
pub async fn build_pending_rollups(store: &Store) -> Result<()> {
    if store.pending_rollups().await? == 0 {
        return Ok(());
    }
    let bar = crate::load::progress_bar(0, "building the roll-ups of new measures");
    let report = store
        .build_pending_rollups(&|done, total| {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        })
        .await?;
    bar.finish_and_clear();
    eprintln!(
        "kaohe: roll-ups built for {} new measures ({} buckets)",
        report.measures, report.buckets
    );
    Ok(())
}

/// `kaohe explain`: prints one indicator's rule, inputs, records and what-if.
pub async fn explain(
    store: &Store,
    employee: &str,
    period: &str,
    indicator: &str,
    limit: usize,
    json: bool,
) -> Result<()> {
    let period = Period::parse(period).map_err(|e| anyhow::anyhow!("--period: {e}"))?;
    let id = employee_id(store, employee).await?;
    let x = store
        .explain(
            &Viewer::system("kaohe explain"),
            period,
            id,
            indicator,
            limit,
        )
        .await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&x)?);
        return Ok(());
    }
    println!(
        "{} {} ({}) · {} · {}",
        x.employee_code, x.name, x.employee_id, x.period, x.scheme
    );
    println!(
        "指标 indicator: {} {} / {}",
        x.indicator, x.indicator_name_zh, x.indicator_name_en
    );
    println!("公式 rule:      {}", x.rule);
    println!(
        "评分 scoring:   {}   目标 target: {}",
        x.scoring,
        fmt2(x.target)
    );
    println!(
        "值 value: {}   分子 numerator: {}   分母 denominator: {}",
        fmt2(x.value),
        fmt2(x.numerator),
        fmt2(x.denominator)
    );
    let na = x
        .na_reason
        .as_deref()
        .map(|r| format!(" (N/A: {r})"))
        .unwrap_or_default();
    println!(
        "得分 score: {}{na}   权重 weight: {:.2}% → {:.2}% after redistribution",
        fmt2(x.score),
        x.weight,
        x.effective_weight
    );
    println!(
        "总分 total: {}   等级 grade: {}",
        fmt2(x.total),
        x.grade.as_deref().unwrap_or("N/A")
    );
    for r in &x.records {
        println!();
        println!("{}: {} records", r.measure, r.count);
        for rec in &r.sample {
            let cells: Vec<_> = rec.iter().map(|(k, v)| format!("{k}={v}")).collect();
            println!("  {}", cells.join("  "));
        }
        if r.count as usize > r.sample.len() {
            println!("  … and {} more", r.count as usize - r.sample.len());
        }
    }
    if let Some(w) = &x.what_if {
        println!();
        match (w.change, w.total_after) {
            (Some(k), Some(t)) if k > 0 => {
                println!(
                    "要达到 {} (≥{}): {} more of {} → total {t:.2}",
                    w.next_grade, w.next_grade_min, k, w.measure
                )
            }
            (Some(k), Some(t)) => {
                println!(
                    "要达到 {} (≥{}): {} fewer of {} → total {t:.2}",
                    w.next_grade, w.next_grade_min, -k, w.measure
                )
            }
            _ => println!(
                "this indicator alone cannot lift the total to {} (≥{})",
                w.next_grade, w.next_grade_min
            ),
        }
    }
    Ok(())
}
