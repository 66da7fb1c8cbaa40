//! The official score table (考核评分表) of one person and period as an xlsx workbook: header,
//! one row per indicator with weight, scoring standard and score, totals, grade, and the
//! signature lines of the person and the rater, laid out for A4.

use anyhow::{Context, Result, bail};
use kaohe_domain::period::Period;
use kaohe_store::{Store, Viewer};
use std::path::Path;

/// Writes the score table of `employee` for `period` (its stored, current scorecard) to `output`.
pub async fn export(
    store: &Store,
    viewer: &Viewer,
    employee: i64,
    period: Period,
    output: &Path,
) -> Result<()> {
    let person = store.employee(viewer, employee).await?;
    let card = store
        .scorecards(viewer, &period.to_string(), Some(employee))
        .await?
        .into_iter()
        .next()
        .with_context(|| format!("no stored scorecard of {} for {period}: run `kaohe evaluate --period {period}` first", person.code))?;
    let library = store.library().await?.library;
    let bytes = kaohe_store::export::workbook(&person, &card, &library)
        .map_err(|e| anyhow::anyhow!("writing the workbook: {e}"))?;
    std::fs::write(output, bytes).with_context(|| format!("cannot write {}", output.display()))?;
    let entry = kaohe_store::audit::AuditEntry {
        action: "export",
        entity: "scoretable",
        entity_id: format!("{}:{period}", person.code),
        before: None,
        after: Some(serde_json::json!({ "file": output.display().to_string() })),
    };
    store.audit(viewer, entry).await?;
    Ok(())
}

/// Refuses a score-table export without the person to export.
pub fn require_employee(employee: Option<&str>) -> Result<&str> {
    match employee {
        Some(e) => Ok(e),
        None => bail!(
            "kaohe export scoretable needs --employee (database id or employee number 工号) and --period"
        ),
    }
}
