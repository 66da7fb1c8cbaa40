//! A file's header row mapped onto a kind's columns, and one file row parsed into typed cells.

use super::cell::{self, Cell, LocalZone};
use super::report::ErrorReport;
use super::spec::{Absent, Column, KindSpec, Ty};
use crate::rules::limits;
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;

/// Where each of a kind's columns is in a file.
#[derive(Debug, Clone)]
pub struct HeaderMap {
    pub spec: &'static KindSpec,
    /// For each column of the kind, its position in the file's rows.
    positions: Vec<Option<usize>>,
    headers: Vec<String>,
}

fn header_matches(col: &Column, header: &str) -> bool {
    let h = header.trim().trim_start_matches('\u{feff}');
    h == col.zh || h.eq_ignore_ascii_case(col.en) || h.eq_ignore_ascii_case(col.field)
}

impl HeaderMap {
    /// Maps a header row (in Chinese, English or field names, in any order). Unknown and
    /// repeated headers and missing required columns are errors of row 1.
    pub fn new(
        spec: &'static KindSpec,
        headers: &[String],
        report: &mut ErrorReport,
    ) -> Option<Self> {
        let errors_before = report.total;
        let mut positions = vec![None; spec.columns.len()];
        for (pos, h) in headers.iter().enumerate() {
            match spec.columns.iter().position(|c| header_matches(c, h)) {
                Some(i) if positions[i].is_some() => {
                    report.push(1, h, h, "this column appears twice")
                }
                Some(i) => positions[i] = Some(pos),
                None if h.trim().is_empty() => {}
                None => report.push(
                    1,
                    h,
                    h,
                    format!(
                        "unknown column for {} (see docs/import-formats.md)",
                        spec.kind
                    ),
                ),
            }
        }
        for (c, p) in spec.columns.iter().zip(&positions) {
            if p.is_none() && c.absent == Absent::Required && !c.export_only {
                report.push(
                    1,
                    c.zh,
                    "",
                    format!("required column missing ({} / {})", c.zh, c.en),
                );
            }
        }
        (report.total == errors_before).then(|| HeaderMap {
            spec,
            positions,
            headers: headers.to_vec(),
        })
    }

    /// The file's header of column `i` of the kind (its Chinese header when the file lacks it).
    pub fn header(&self, i: usize) -> &str {
        self.positions[i].map_or(self.spec.columns[i].zh, |p| self.headers[p].as_str())
    }

    /// The text of column `i` in a file row.
    pub fn text<'r>(&self, row: &'r [String], i: usize) -> &'r str {
        self.positions[i]
            .and_then(|p| row.get(p))
            .map_or("", |s| s.as_str())
    }

    /// Parses one file row (`row_no` as a spreadsheet numbers it) into one cell per column of
    /// the kind, defaults applied; references stay business keys ([`Cell::Text`]) for the store
    /// to resolve. Errors go to `report`; `None` when the row has any.
    pub fn parse(
        &self,
        row_no: u64,
        row: &[String],
        zone: &dyn LocalZone,
        now: DateTime<Utc>,
        report: &mut ErrorReport,
    ) -> Option<Vec<Cell>> {
        let errors_before = report.total;
        let cells = self.parse_all(row_no, row, zone, now, report);
        (report.total == errors_before).then_some(cells)
    }

    /// Like [`HeaderMap::parse`], but returns the cells even when some were refused (those are
    /// [`Cell::Null`]), so the caller can still check the rest of the row (its references).
    pub fn parse_all(
        &self,
        row_no: u64,
        row: &[String],
        zone: &dyn LocalZone,
        now: DateTime<Utc>,
        report: &mut ErrorReport,
    ) -> Vec<Cell> {
        let mut cells = Vec::with_capacity(self.spec.columns.len());
        let mut refused = Vec::new();
        for (i, col) in self.spec.columns.iter().enumerate() {
            let text = self.text(row, i);
            let parsed = if col.export_only {
                Ok(Cell::Null)
            } else {
                // The length first: a 200 MB cell is refused before it is copied anywhere.
                limits::check_text(col, text)
                    .and_then(|()| cell::parse(col, text, zone))
                    .and_then(|c| limits::check_cell(col, &c).map(|()| c))
            };
            match parsed {
                Ok(c) => cells.push(c),
                Err(reason) => {
                    report.push(row_no, self.header(i), &limits::preview(text), reason);
                    cells.push(Cell::Null);
                    refused.push(i);
                }
            }
        }
        for (i, col) in self.spec.columns.iter().enumerate() {
            if cells[i] == Cell::Null && !refused.contains(&i) {
                cells[i] = match col.absent {
                    Absent::Required => {
                        report.push(row_no, self.header(i), "", "is required");
                        Cell::Null
                    }
                    Absent::Null => Cell::Null,
                    Absent::Text(t) => Cell::Text(t.to_string()),
                    Absent::Bool(b) => Cell::Bool(b),
                    Absent::Int(v) => Cell::Int(v),
                    Absent::Now => Cell::Time(now),
                    Absent::DayOf(field) => match self.spec.column(field).map(|(j, _)| &cells[j]) {
                        Some(Cell::Time(t)) => Cell::Date(zone.to_local(*t).date()),
                        _ => Cell::Null,
                    },
                };
            }
        }
        cells
    }
}

/// Builds the record of `spec` from its cells (references already resolved to ids).
/// A failure here is a bug in a column set, not bad input: every cell was typed already.
pub fn to_record<T: DeserializeOwned>(spec: &KindSpec, cells: &[Cell]) -> Result<T, String> {
    let mut map = serde_json::Map::with_capacity(cells.len());
    for (col, c) in spec.columns.iter().zip(cells) {
        let v = match c {
            Cell::Null => serde_json::Value::Null,
            Cell::Text(s) => serde_json::Value::String(s.clone()),
            Cell::Int(v) => (*v).into(),
            Cell::Float(v) => (*v).into(),
            Cell::Bool(b) => (*b).into(),
            Cell::Date(d) => d.to_string().into(),
            Cell::Time(t) => t.to_rfc3339().into(),
        };
        let v = if col.ty == Ty::Id && v.is_null() {
            0.into()
        } else {
            v
        };
        map.insert(col.field.to_string(), v);
    }
    serde_json::from_value(serde_json::Value::Object(map))
        .map_err(|e| format!("{}: {e}", spec.kind))
}

/// The cells of a record, in column order (the inverse of [`to_record`]; references stay ids).
pub fn to_cells<T: serde::Serialize>(spec: &KindSpec, record: &T) -> Vec<Cell> {
    let v = serde_json::to_value(record).unwrap_or_default();
    spec.columns
        .iter()
        .map(|col| json_cell(col, v.get(col.field).unwrap_or(&serde_json::Value::Null)))
        .collect()
}

fn json_cell(col: &Column, v: &serde_json::Value) -> Cell {
    use serde_json::Value as J;
    match (v, col.ty) {
        (J::Null, _) => Cell::Null,
        (J::Bool(b), _) => Cell::Bool(*b),
        (J::Number(n), Ty::Float) => Cell::Float(n.as_f64().unwrap_or_default()),
        (J::Number(n), _) => n
            .as_i64()
            .map_or(Cell::Float(n.as_f64().unwrap_or_default()), Cell::Int),
        (J::String(s), Ty::Date) => s.parse().map_or(Cell::Null, Cell::Date),
        (J::String(s), Ty::Time) => DateTime::parse_from_rfc3339(s)
            .map_or(Cell::Null, |t| Cell::Time(t.with_timezone(&Utc))),
        (J::String(s), _) => Cell::Text(s.clone()),
        _ => Cell::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::spec::CALLS;
    use crate::records::Call;
    use chrono::{FixedOffset, TimeZone};

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn chinese_and_english_headers_map_to_the_same_columns_in_any_order() {
        let mut r = ErrorReport::new("f");
        let zh = HeaderMap::new(
            &CALLS,
            &strings(&["开始时间", "工号", "方向", "通话时长(秒)", "结果"]),
            &mut r,
        )
        .unwrap();
        let en = HeaderMap::new(
            &CALLS,
            &strings(&[
                "employee",
                "started_at",
                "direction",
                "duration_s",
                "outcome",
            ]),
            &mut r,
        )
        .unwrap();
        assert_eq!(zh.positions[1], Some(1));
        assert_eq!(en.positions[1], Some(0));
        assert!(r.is_empty());
    }

    #[test]
    fn an_unknown_header_and_a_missing_required_column_are_errors_of_row_1() {
        let mut r = ErrorReport::new("f");
        assert!(
            HeaderMap::new(
                &CALLS,
                &strings(&["工号", "开始时间", "方向", "结果", "心情"]),
                &mut r
            )
            .is_none()
        );
        let reasons: Vec<_> = r
            .errors
            .iter()
            .map(|e| (e.row, e.column.as_str()))
            .collect();
        assert_eq!(reasons, [(1, "心情"), (1, "通话时长(秒)")]);
    }

    #[test]
    fn a_row_becomes_a_call_with_its_day_derived_from_the_local_start_time() {
        let zone = FixedOffset::east_opt(8 * 3600).unwrap();
        let now = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
        let mut r = ErrorReport::new("f");
        let map = HeaderMap::new(
            &CALLS,
            &strings(&[
                "工号",
                "开始时间",
                "方向",
                "通话时长(秒)",
                "结果",
                "是否回访",
            ]),
            &mut r,
        )
        .unwrap();
        let mut cells = map
            .parse(
                2,
                &strings(&["E001", "2026/10/9 07:10", "呼出", "65", "接通", "否"]),
                &zone,
                now,
                &mut r,
            )
            .unwrap();
        assert_eq!(cells[1], Cell::Text("E001".into()));
        cells[1] = Cell::Int(7);
        let call: Call = to_record(&CALLS, &cells).unwrap();
        assert_eq!(call.day.to_string(), "2026-10-09");
        assert_eq!(
            call.started_at,
            Utc.with_ymd_and_hms(2026, 10, 8, 23, 10, 0).unwrap()
        );
        assert_eq!(
            (call.employee_id, call.duration_s, call.is_callback),
            (7, 65, false)
        );
        assert_eq!(to_cells(&CALLS, &call), cells);
    }

    #[test]
    fn every_bad_cell_of_a_row_is_reported_with_its_column_and_value() {
        let zone = FixedOffset::east_opt(8 * 3600).unwrap();
        let mut r = ErrorReport::new("f");
        let map = HeaderMap::new(
            &CALLS,
            &strings(&["工号", "开始时间", "方向", "通话时长(秒)", "结果"]),
            &mut r,
        )
        .unwrap();
        let row = strings(&["", "2026-13-01", "呼出", "long", "接通"]);
        assert!(map.parse(7, &row, &zone, Utc::now(), &mut r).is_none());
        let got: Vec<_> = r
            .errors
            .iter()
            .map(|e| (e.row, e.column.as_str(), e.value.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (7, "开始时间", "2026-13-01"),
                (7, "通话时长(秒)", "long"),
                (7, "工号", "")
            ]
        );
    }
}
