//! What the importer fuzz targets share: a file's rows taken through the domain half of an
//! import (header mapping, cell parsing, record building, rules), as `kaohe import` does before
//! it touches the database. References are "resolved" to a number derived from their text, so
//! record building and the rules see plausible ids instead of stopping at the first reference.

use chrono::{FixedOffset, TimeZone, Utc};
use kaohe_domain::import::files::RowSource;
use kaohe_domain::import::spec::KINDS;
use kaohe_domain::import::{Cell, ErrorReport, HeaderMap, ImportRecord, KindSpec, Ty, row};
use kaohe_domain::org::{Assignment, Department, Employee, Level, Position, Team};
use kaohe_domain::records::*;
use kaohe_domain::rules::Validate;

/// At most this many rows per input: the targets look for panics, not for slowness of size.
const MAX_ROWS: usize = 200;

/// The column set an input's first byte picks.
pub fn kind_of(selector: u8) -> &'static KindSpec {
    KINDS[selector as usize % KINDS.len()]
}

/// Reads every row of `source` as records of `spec`: the report may fill, nothing may panic.
pub fn import_rows(spec: &'static KindSpec, source: &mut dyn RowSource) {
    let mut report = ErrorReport::new("fuzz");
    let mut buf = Vec::new();
    let Ok(true) = source.next_row(&mut buf) else {
        return;
    };
    let Some(map) = HeaderMap::new(spec, &buf, &mut report) else {
        return;
    };
    let zone = FixedOffset::east_opt(8 * 3600).expect("UTC+8 exists");
    let now = Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap();
    for row_no in 2..MAX_ROWS as u64 + 2 {
        match source.next_row(&mut buf) {
            Ok(true) => {}
            Ok(false) | Err(_) => return,
        }
        let mut cells = map.parse_all(row_no, &buf, &zone, now, &mut report);
        for (cell, col) in cells.iter_mut().zip(spec.columns) {
            if let (Ty::Ref(_), Cell::Text(t)) = (col.ty, &*cell) {
                *cell = Cell::Int(t.bytes().map(i64::from).sum());
            }
        }
        build(spec, &cells);
    }
}

/// Builds the record of `spec` from `cells` and checks its rules, as the importer does.
fn build(spec: &KindSpec, cells: &[Cell]) {
    macro_rules! kinds {
        ($($ty:ty),* $(,)?) => {
            $(if spec.kind == <$ty as ImportRecord>::SPEC.kind {
                if let Ok(mut r) = row::to_record::<$ty>(spec, cells) {
                    r.complete_computed_fields();
                    let _ = r.violations();
                    let _ = row::to_cells(spec, &r);
                }
                return;
            })*
        };
    }
    kinds!(
        Customer, Call, Visit, Order, Shipment, Contract, Receivable, Payment, Complaint,
        Expense, Attendance, Report, Document, Employee, Team, Department, Position, Level,
        Assignment, OrderCredit, Budget, OrderEvent,
    );
}
