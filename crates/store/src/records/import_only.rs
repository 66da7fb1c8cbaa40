//! Reading the file of an import-only kind ([`kaohe_domain::import::spec::IMPORT_ONLY`]): its
//! header, then every row parsed into cells and turned into the kind's own row by `to_row`.
//! A bad cell or row goes to the report with its row number; the kind decides what to write.

use super::ImportOptions;
use chrono::Utc;
use kaohe_domain::import::files::RowSource;
use kaohe_domain::import::spec::KindSpec;
use kaohe_domain::import::{Cell, ErrorReport, HeaderMap};

/// Reads the header and every non-empty row of `source` as `spec`'s columns; `to_row` makes
/// each parsed row the kind's own (or reports it and gives `None`).
pub(crate) fn read_rows<R>(
    spec: &'static KindSpec,
    source: &mut (dyn RowSource + Send),
    opts: &ImportOptions<'_>,
    report: &mut ErrorReport,
    mut to_row: impl FnMut(&HeaderMap, u64, &[Cell], &mut ErrorReport) -> Option<R>,
) -> (Vec<R>, Option<HeaderMap>) {
    let mut buf = Vec::new();
    let map = match source.next_row(&mut buf) {
        Ok(true) => HeaderMap::new(spec, &buf, report),
        Ok(false) => {
            report.push(1, "", "", "the file is empty (no header row)");
            None
        }
        Err(e) => {
            report.push(1, "", "", e);
            None
        }
    };
    let Some(m) = map.as_ref() else {
        return (Vec::new(), map);
    };
    let (now, mut rows, mut no) = (Utc::now(), Vec::new(), 1u64);
    loop {
        match source.next_row(&mut buf) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                report.push(no + 1, "", "", e);
                break;
            }
        }
        no += 1;
        if buf.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let Some(cells) = m.parse(no, &buf, opts.zone, now, report) else {
            continue;
        };
        if let Some(row) = to_row(m, no, &cells, report) {
            rows.push(row);
        }
    }
    (rows, map)
}

/// The file's header of `field` (its Chinese header when the file has no header row).
pub(crate) fn header(spec: &KindSpec, map: &Option<HeaderMap>, field: &str) -> String {
    let i = spec.column(field).map_or(0, |(i, _)| i);
    map.as_ref().map_or_else(
        || spec.columns[i].zh.to_string(),
        |m| m.header(i).to_string(),
    )
}

/// The text of cell `i` (empty for a cell that is not text).
pub(crate) fn text(cells: &[Cell], i: usize) -> String {
    match &cells[i] {
        Cell::Text(t) => t.trim().to_string(),
        _ => String::new(),
    }
}
