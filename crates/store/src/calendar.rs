//! The working-day calendar as data: every configured day listed, imported from and exported
//! to CSV or xlsx (kind `calendar`, [`CALENDAR`]), the shipped public-holiday schedule loaded
//! into a fresh database, and the years a deadline crosses without any configured day (HR is
//! warned: the weekday rule alone ignores public holidays nobody entered).
//!
//! An import is all or nothing: every row is checked by the same rules as the form
//! ([`check_day`]) and only a file without a refused row is written, in one transaction; a
//! row sets its day (a day configured already takes the row's kind and name), each change
//! audited.

use crate::admin::{CalendarDay, MAX_DAY_NAME, require_admin};
use crate::audit::AuditEntry;
use crate::records::{ImportFailure, ImportOptions, ImportOutcome};
use crate::sql::Sql;
use crate::{Result, Store, StoreError, Tx, Viewer};
use chrono::{Datelike, NaiveDate, Weekday};
use kaohe_domain::calendar::{CalendarEntry, DayKind, default_schedule};
use kaohe_domain::import::cell::{OutCell, format};
use kaohe_domain::import::files::{RowSource, TableWriter};
use kaohe_domain::import::spec::CALENDAR;
use kaohe_domain::import::{Cell, ErrorReport, HeaderMap};
use std::collections::{BTreeMap, HashMap};

/// The setting listing the years of the shipped schedule already offered to this database
/// (`2026,2027`): a year is loaded once, so a day HR removed is never put back.
const DEFAULTS_SETTING: &str = "calendar_defaults_loaded";

/// Why a day cannot be configured: the field at fault and what is wrong.
pub fn check_day(
    day: NaiveDate,
    kind: DayKind,
    name: &str,
) -> std::result::Result<(), (&'static str, String)> {
    if !(1990..=2100).contains(&day.year()) {
        return Err(("day", format!("{day} is not in the years 1990 to 2100")));
    }
    if name.trim().chars().count() > MAX_DAY_NAME {
        return Err(("name", format!("at most {MAX_DAY_NAME} characters")));
    }
    let weekend = matches!(day.weekday(), Weekday::Sat | Weekday::Sun);
    if kind == DayKind::Workday && !weekend {
        return Err((
            "day",
            format!(
                "{day} is a {:?}, already a working day: a make-up working day (调休上班, 工作日) is a Saturday or Sunday",
                day.weekday()
            ),
        ));
    }
    Ok(())
}

/// The kind stored in the table.
fn kind_of(text: &str) -> DayKind {
    if text == "workday" {
        DayKind::Workday
    } else {
        DayKind::Holiday
    }
}

impl Store {
    /// Every configured day, or those of `year`, by date (HR and administrators).
    pub async fn calendar_entries(
        &self,
        viewer: &Viewer,
        year: Option<i32>,
    ) -> Result<Vec<CalendarDay>> {
        require_admin(viewer, "the calendar")?;
        match year {
            Some(y) => self.calendar_days(viewer, y).await,
            None => {
                self.fetch_all(&Sql::new(
                    "SELECT day, kind, name FROM holidays ORDER BY day",
                ))
                .await
            }
        }
    }

    /// The years from `from` to `to` in which no day is configured: a working-day deadline
    /// computed there ignores any public holiday (see [`kaohe_domain::calendar::Calendar::years_without_entries`]).
    pub async fn calendar_gaps(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<i32>> {
        Ok(self.calendar(from).await?.years_without_entries(from, to))
    }

    /// Loads the shipped public-holiday schedule ([`default_schedule`]) into this database: each
    /// shipped year once, and only when no day of that year is configured (a year HR entered
    /// is theirs). Returns the days written. Reads only, when there is nothing to do (a
    /// read-only command never takes SQLite's write lock from a running server).
    pub async fn install_default_calendar(&self) -> Result<usize> {
        let mut by_year: BTreeMap<i32, Vec<CalendarEntry>> = BTreeMap::new();
        for e in default_schedule() {
            by_year.entry(e.day.year()).or_default().push(e);
        }
        let done = self.setting(DEFAULTS_SETTING).await?.unwrap_or_default();
        let offered: Vec<i32> = done
            .split(',')
            .filter_map(|y| y.trim().parse().ok())
            .collect();
        if by_year.keys().all(|y| offered.contains(y)) {
            return Ok(0);
        }
        let system = Viewer::system("kaohe init");
        let mut tx = self.begin().await?;
        let mut written = 0;
        for (year, days) in by_year.iter().filter(|(y, _)| !offered.contains(y)) {
            if year_has_days(&mut tx, *year).await? {
                continue;
            }
            for e in days {
                insert_day(&mut tx, &system, e.day, e.kind, &e.name, None).await?;
                written += 1;
            }
        }
        let mut years: Vec<i32> = offered;
        years.extend(by_year.keys().copied());
        years.sort_unstable();
        years.dedup();
        let list: Vec<String> = years.iter().map(i32::to_string).collect();
        let mut sql = Sql::new("INSERT INTO settings (key, value) VALUES (");
        sql.bind(DEFAULTS_SETTING)
            .push(", ")
            .bind(list.join(","))
            .push(") ON CONFLICT (key) DO UPDATE SET value = excluded.value");
        tx.run(&sql).await?;
        tx.commit().await?;
        Ok(written)
    }

    /// Imports a calendar file on behalf of `viewer` (see the module documentation).
    pub(crate) async fn import_calendar(
        &self,
        viewer: &Viewer,
        source: &mut (dyn RowSource + Send),
        opts: &ImportOptions<'_>,
    ) -> std::result::Result<ImportOutcome, ImportFailure> {
        Store::may_import(viewer, &CALENDAR)?;
        let mut report = ErrorReport::new(opts.file_name);
        let rows = read_rows(source, opts, &mut report);
        (opts.progress)(rows.len() as u64);
        if !report.is_empty() {
            return Err(ImportFailure::Rejected(report));
        }
        if !opts.dry_run {
            let mut tx = self.begin().await?;
            for e in &rows {
                set_day(&mut tx, viewer, e).await?;
            }
            tx.commit().await?;
        }
        Ok(ImportOutcome {
            rows: rows.len() as u64,
            dry_run: opts.dry_run,
        })
    }

    /// Writes the header and every configured day (of `year`, or all) to `w`: 日期, 类型, 名称
    /// (Chinese headers and labels with `zh`), the columns an import reads back. Returns the
    /// rows written.
    pub async fn export_calendar(
        &self,
        viewer: &Viewer,
        year: Option<i32>,
        zh: bool,
        w: &mut (dyn TableWriter + Send),
    ) -> Result<u64> {
        let days = self.calendar_entries(viewer, year).await?;
        let failed = |m: String| StoreError::Invalid {
            field: "export".into(),
            message: m,
        };
        let header: Vec<OutCell> = CALENDAR
            .columns
            .iter()
            .map(|c| OutCell::Text((if zh { c.zh } else { c.en }).into()))
            .collect();
        w.write_row(&header).map_err(failed)?;
        let zone = crate::records::CompanyZone(chrono_tz::Asia::Shanghai);
        for d in &days {
            let cells = [
                Cell::Date(d.day),
                Cell::Text(d.kind.clone()),
                Cell::Text(d.name.clone()),
            ];
            let out: Vec<OutCell> = CALENDAR
                .columns
                .iter()
                .zip(&cells)
                .map(|(c, v)| format(c, v, &zone, zh))
                .collect();
            w.write_row(&out).map_err(failed)?;
        }
        Ok(days.len() as u64)
    }
}

async fn year_has_days(tx: &mut Tx, year: i32) -> Result<bool> {
    let (Some(from), Some(to)) = (
        NaiveDate::from_ymd_opt(year, 1, 1),
        NaiveDate::from_ymd_opt(year + 1, 1, 1),
    ) else {
        return Ok(false);
    };
    let mut sql = Sql::new("SELECT day FROM holidays WHERE day >= ");
    sql.bind(from).push(" AND day < ").bind(to).push(" LIMIT 1");
    let found: Vec<(NaiveDate,)> = tx.fetch_all(&sql).await?;
    Ok(!found.is_empty())
}

/// Inserts a day (none is configured on it), audited as created.
async fn insert_day(
    tx: &mut Tx,
    viewer: &Viewer,
    day: NaiveDate,
    kind: DayKind,
    name: &str,
    before: Option<&CalendarDay>,
) -> Result<()> {
    let mut sql = Sql::new("INSERT INTO holidays (day, kind, name) VALUES (");
    sql.bind(day)
        .push(", ")
        .bind(kind.as_str())
        .push(", ")
        .bind(name)
        .push(")");
    tx.run(&sql).await?;
    let entry = AuditEntry {
        action: if before.is_some() { "update" } else { "create" },
        entity: "holidays",
        entity_id: day.to_string(),
        before: before.map(|b| serde_json::to_value(b).unwrap_or_default()),
        after: Some(serde_json::json!({ "day": day, "kind": kind.as_str(), "name": name })),
    };
    tx.audit(viewer, entry).await
}

/// Sets a day to the entry's kind and name: a day configured already is replaced (audited
/// with both), an unchanged one left alone.
async fn set_day(tx: &mut Tx, viewer: &Viewer, e: &CalendarEntry) -> Result<()> {
    let mut existing = Sql::new("SELECT day, kind, name FROM holidays WHERE day = ");
    existing.bind(e.day);
    let found: Vec<CalendarDay> = tx.fetch_all(&existing).await?;
    let before = found.into_iter().next();
    if let Some(b) = &before {
        if kind_of(&b.kind) == e.kind && b.name == e.name {
            return Ok(());
        }
        let mut del = Sql::new("DELETE FROM holidays WHERE day = ");
        del.bind(e.day);
        tx.run(&del).await?;
    }
    insert_day(tx, viewer, e.day, e.kind, &e.name, before.as_ref()).await
}

/// The file's header of column `i` (its Chinese header when the file has no header row).
fn header(map: &HeaderMap, i: usize) -> String {
    map.header(i).to_string()
}

/// Reads the header and every row; a bad cell, a rule broken or a date twice goes to `report`.
fn read_rows(
    source: &mut (dyn RowSource + Send),
    opts: &ImportOptions<'_>,
    report: &mut ErrorReport,
) -> Vec<CalendarEntry> {
    let mut seen: HashMap<NaiveDate, u64> = HashMap::new();
    let to_row = |m: &HeaderMap, no: u64, cells: &[Cell], report: &mut ErrorReport| {
        let Some(e) = to_entry(cells) else {
            report.push(no, &header(m, 0), "", "not a date such as 2026-10-01");
            return None;
        };
        if let Err((field, reason)) = check_day(e.day, e.kind, &e.name) {
            let i = CALENDAR.column(field).map_or(0, |(i, _)| i);
            let value = match field {
                "kind" => e.kind.as_str().to_string(),
                "name" => kaohe_domain::rules::limits::preview(&e.name).into_owned(),
                _ => e.day.to_string(),
            };
            report.push(no, &header(m, i), &value, reason);
            return None;
        }
        if let Some(first) = seen.insert(e.day, no) {
            let reason = format!("duplicate date in this file (first at row {first})");
            report.push(no, &header(m, 0), &e.day.to_string(), reason);
            return None;
        }
        Some(e)
    };
    crate::records::import_only::read_rows(&CALENDAR, source, opts, report, to_row).0
}

/// A parsed row's cells as an entry (the header map has checked every cell's type).
fn to_entry(cells: &[Cell]) -> Option<CalendarEntry> {
    let Cell::Date(day) = cells.first()? else {
        return None;
    };
    let kind = match cells.get(1)? {
        Cell::Text(t) => DayKind::parse(t)?,
        _ => return None,
    };
    let name = match cells.get(2) {
        Some(Cell::Text(t)) => t.trim().to_string(),
        _ => String::new(),
    };
    Some(CalendarEntry {
        day: *day,
        kind,
        name,
    })
}
