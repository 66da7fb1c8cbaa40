//! Importing behaviour factors (kind `behaviour`, [`BEHAVIOUR`]): every row is checked by the
//! same rule as the form ([`Store::record_behaviour`]), and only a file without a refused row
//! is written, in one transaction. The report names each refused row, column and reason.

use super::behaviour::{Checked, write_behaviour};
use crate::records::import_only;
use crate::records::{ImportFailure, ImportOptions, ImportOutcome};
use crate::sql::Sql;
use crate::{Result, Store, StoreError, Viewer};
use kaohe_domain::import::files::RowSource;
use kaohe_domain::import::spec::BEHAVIOUR;
use kaohe_domain::import::{Cell, ErrorReport, HeaderMap};
use kaohe_domain::period::Period;
use std::collections::HashMap;

/// One parsed row: its number, the period, the person's 工号 and the input.
struct Row {
    no: u64,
    period: Period,
    code: String,
    input: super::BehaviourInput,
}

impl Store {
    /// Imports a behaviour file on behalf of `viewer` (see the module documentation).
    pub(crate) async fn import_behaviour(
        &self,
        viewer: &Viewer,
        source: &mut (dyn RowSource + Send),
        opts: &ImportOptions<'_>,
    ) -> std::result::Result<ImportOutcome, ImportFailure> {
        Store::may_import(viewer, &BEHAVIOUR)?;
        let mut report = ErrorReport::new(opts.file_name);
        let (rows, map) = import_only::read_rows(&BEHAVIOUR, source, opts, &mut report, to_row);
        let mut checked = Vec::with_capacity(rows.len());
        let mut seen: HashMap<(Period, i64), u64> = HashMap::new();
        for row in &rows {
            let Some(employee) = self.employee_of(viewer, &row.code).await? else {
                let reason = "unknown employee (工号) or outside your data scope";
                report.push(row.no, &header(&map, "employee_id"), &row.code, reason);
                continue;
            };
            if let Some(first) = seen.insert((row.period, employee), row.no) {
                let reason = format!("duplicate in this file (first at row {first})");
                report.push(row.no, &header(&map, "employee_id"), &row.code, reason);
                continue;
            }
            match self
                .check_behaviour_of(viewer, row.period, employee, &row.input)
                .await
            {
                Ok(c) => checked.push(c),
                Err((field, e)) => {
                    let reason = row_reason(e)?;
                    report.push(row.no, &header(&map, field), &value(row, field), reason);
                }
            }
        }
        (opts.progress)(rows.len() as u64);
        if !report.is_empty() {
            return Err(ImportFailure::Rejected(report));
        }
        if !opts.dry_run {
            self.write_checked(viewer, &checked).await?;
        }
        Ok(ImportOutcome {
            rows: rows.len() as u64,
            dry_run: opts.dry_run,
        })
    }

    /// Writes every checked row in one transaction.
    async fn write_checked(&self, viewer: &Viewer, checked: &[Checked]) -> Result<()> {
        let mut tx = self.begin().await?;
        for c in checked {
            write_behaviour(&mut tx, viewer, c).await?;
        }
        tx.commit().await
    }

    /// The person numbered `code`, if the viewer may name them: within their data scope, or
    /// someone they supervise.
    async fn employee_of(&self, viewer: &Viewer, code: &str) -> Result<Option<i64>> {
        let mut sql = Sql::new("SELECT id FROM employees WHERE code = ");
        sql.bind(code);
        let Some((id,)) = self.fetch_optional::<(i64,)>(&sql).await? else {
            return Ok(None);
        };
        let mut scoped = Sql::new("SELECT id FROM employees WHERE id = ");
        scoped.bind(id);
        viewer.restrict(&mut scoped, "id");
        if self.fetch_optional::<(i64,)>(&scoped).await?.is_some() {
            return Ok(Some(id));
        }
        let superior = match viewer.employee_id {
            Some(me) => self.supervisor_chain(id).await?.contains(&me),
            None => false,
        };
        Ok(superior.then_some(id))
    }
}

/// The reason a row was refused (in English, with the Chinese in brackets); a database failure
/// is no row's fault and ends the import.
fn row_reason(e: StoreError) -> Result<String> {
    match e {
        StoreError::Refused(r) => Ok(format!("{} ({})", r.en, r.zh)),
        StoreError::Forbidden(m) => Ok(m),
        e @ StoreError::NotFound { .. } => Ok(e.to_string()),
        other => Err(other),
    }
}

/// The file's header of `field` (its Chinese header when the file has no header row).
fn header(map: &Option<HeaderMap>, field: &str) -> String {
    import_only::header(&BEHAVIOUR, map, field)
}

/// The row's text of `field`, for the report.
fn value(row: &Row, field: &str) -> String {
    match field {
        "factor" => row.input.factor.to_string(),
        "acts" => kaohe_domain::rules::limits::preview(&row.input.acts).into_owned(),
        "violation" => kaohe_domain::rules::limits::preview(&row.input.violation).into_owned(),
        _ => row.code.clone(),
    }
}

/// A parsed row's cells as a [`Row`]; a period that is not a month such as 2026-10 is refused.
fn to_row(m: &HeaderMap, no: u64, cells: &[Cell], report: &mut ErrorReport) -> Option<Row> {
    let text = |i: usize| import_only::text(cells, i);
    let period_text = text(0);
    let period = match Period::parse(&period_text) {
        Ok(p @ Period::Month { .. }) => p,
        _ => {
            let reason = format!("`{period_text}` is not a month such as 2026-10");
            report.push(no, m.header(0), &period_text, reason);
            return None;
        }
    };
    let factor = match cells[2] {
        Cell::Float(f) => f,
        _ => f64::NAN,
    };
    Some(Row {
        no,
        period,
        code: text(1),
        input: super::BehaviourInput {
            factor,
            acts: text(3),
            violation: text(4),
        },
    })
}
