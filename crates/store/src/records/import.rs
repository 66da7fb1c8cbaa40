//! Importing a record file: all-or-nothing, streaming, with an error report.
//!
//! The file is read row by row; each row is parsed (domain), its references resolved to ids
//! within the viewer's data scope, its rules checked, and it joins a batch; a full batch is
//! checked against the database (duplicate business keys, attendance days, duplicate
//! customers) and written through the kind's funnel — all inside one transaction. After the
//! first error nothing more is written but every row is still checked, so the report lists
//! all errors (the first 100) and their count; then the transaction is rolled back.

use super::write::StoredRecord;
use crate::sql::Sql;
use crate::{Result, Store, StoreError, Tx, Viewer};
use chrono::{NaiveDate, Utc};
use kaohe_domain::import::files::RowSource;
use kaohe_domain::import::{
    Cell, Column, ErrorReport, HeaderMap, KindSpec, LocalZone, RefKind, Ty, row,
};
use kaohe_domain::rules::customer::CustomerIdentity;
use kaohe_domain::rules::workflow;
use sha2::{Digest, Sha256};
use std::collections::{BTreeSet, HashMap};

/// Adds a row to the fingerprint of a file's rows (which starts with the file's format): its
/// cells trimmed, without trailing empty cells, each with its length — so line endings, a
/// trailing newline or blank line, or a byte-order mark do not make the same rows a different
/// file.
fn rows_fingerprint(h: &mut Sha256, row: &[String]) {
    let used = row
        .iter()
        .rposition(|c| !c.trim().is_empty())
        .map_or(0, |i| i + 1);
    h.update((used as u64).to_le_bytes());
    for cell in &row[..used] {
        let cell = cell.trim();
        h.update((cell.len() as u64).to_le_bytes());
        h.update(cell.as_bytes());
    }
}

/// Rows checked against the database and written together.
const BATCH_ROWS: usize = 5_000;

/// How to import.
pub struct ImportOptions<'a> {
    /// The file as the user named it (for the report and the audit log).
    pub file_name: &'a str,
    /// SHA-256 of the file's bytes: a file of a kind without business keys (calls, visits, …)
    /// is refused when it was imported before.
    pub sha256: Option<String>,
    /// Check everything, write nothing.
    pub dry_run: bool,
    /// The company time zone of the file's local times.
    pub zone: &'a dyn LocalZone,
    /// Called with the number of rows read so far, after each batch.
    pub progress: &'a (dyn Fn(u64) + Sync),
}

/// A successful import.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ImportOutcome {
    /// Record rows in the file.
    pub rows: u64,
    /// Whether this was a dry run (nothing written).
    pub dry_run: bool,
}

/// Why nothing was imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportFailure {
    /// The file has errors; the report lists them.
    #[error("{0}")]
    Rejected(ErrorReport),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Store {
    /// Imports the rows of `source` as records of `spec` on behalf of `viewer`.
    pub async fn import(
        &self,
        viewer: &Viewer,
        spec: &'static KindSpec,
        source: &mut (dyn RowSource + Send),
        opts: &ImportOptions<'_>,
    ) -> std::result::Result<ImportOutcome, ImportFailure> {
        // Behaviour factors are steps of the cycle, checked by its rule, not plain records.
        if spec.kind == kaohe_domain::import::spec::BEHAVIOUR.kind {
            return self.import_behaviour(viewer, source, opts).await;
        }
        if spec.kind == kaohe_domain::import::spec::BONUS_BASES.kind {
            return self.import_bonus_bases(viewer, source, opts).await;
        }
        // Calendar days are settings with rules of their own, not records.
        if spec.kind == kaohe_domain::import::spec::CALENDAR.kind {
            return self.import_calendar(viewer, source, opts).await;
        }
        crate::with_record_type!(spec, T => Importer::<T>::run(self, viewer, source, opts).await)
    }
}

impl Store {
    /// Whether `viewer` may import records of `spec` at all: the role check [`Store::import`]
    /// makes before it reads a row, alone, so that a caller can refuse before it reads, let
    /// alone parses, an uploaded file.
    pub fn may_import(viewer: &Viewer, spec: &KindSpec) -> Result<()> {
        viewer
            .role
            .may_write(spec.kind)
            .map_err(StoreError::Forbidden)
    }
}

/// Why a form (or a JSON record) was not saved.
pub type FormFailure = ImportFailure;

impl Store {
    /// Saves one record typed into a form or sent as JSON: `fields` are (field name, text as
    /// a person types it) pairs of the kind's columns (`employee_id` → a 工号, `day` →
    /// `2026-10-08`, …). The record is read exactly as an import row is — the same parsing,
    /// references resolved within the viewer's scope, the kind's rules, duplicate keys — and
    /// each error names its field ([`ErrorReport`] with the field name as the column). `id`
    /// edits stored record `id` (which the viewer must see; another's is "not found"),
    /// otherwise a new record is created. Audited as `create` or `update`; returns the id.
    pub async fn save_fields(
        &self,
        viewer: &Viewer,
        spec: &'static KindSpec,
        id: Option<i64>,
        fields: &[(String, String)],
        zone: &dyn LocalZone,
    ) -> std::result::Result<i64, FormFailure> {
        crate::with_record_type!(spec, T => Importer::<T>::form(self, viewer, id, fields, zone).await)
    }
}

/// The field name of an error's column: forms name fields, while the import checks name
/// columns by their headers (Chinese in messages about stored duplicates).
fn field_of(spec: &KindSpec, column: &str) -> String {
    spec.columns
        .iter()
        .find(|c| c.field == column || c.zh == column || c.en.eq_ignore_ascii_case(column))
        .map_or_else(|| column.to_string(), |c| c.field.to_string())
}

/// Whether `spec` is a step history that sets the state of its parent (see
/// [`Tx::replay_histories`]).
fn has_history(spec: &KindSpec) -> bool {
    matches!(spec.kind, "contract_steps" | "expense_steps")
}

/// The columns that together identify a record of a kind without a single business key (its
/// table's primary key); attendance has its own check of (工号, 日期).
fn composite_key(spec: &KindSpec) -> Option<&'static [&'static str]> {
    match spec.kind {
        "order_credits" => Some(&["order_id", "employee_id"]),
        "budgets" => Some(&["department_id", "period", "category"]),
        "meeting_attendance" => Some(&["meeting_id", "employee_id"]),
        "training_results" => Some(&["session_id", "employee_id"]),
        "assignments" => Some(&["employee_id", "valid_from"]),
        _ => None,
    }
}

/// "(订单编号, 工号)": the Chinese headers of a key, for messages.
fn key_names(spec: &KindSpec, key: &[&str]) -> String {
    let names: Vec<&str> = key
        .iter()
        .filter_map(|f| spec.column(f).map(|(_, c)| c.zh))
        .collect();
    format!("({})", names.join(", "))
}

/// Business keys resolved to ids, remembered (hits and misses) for the whole file.
#[derive(Default)]
struct Resolver {
    known: HashMap<RefKind, HashMap<String, Option<i64>>>,
}

impl Resolver {
    async fn id(
        &mut self,
        slot: &mut Slot,
        viewer: &Viewer,
        kind: RefKind,
        key: &str,
        scoped_as: Option<&KindSpec>,
    ) -> Result<Option<i64>> {
        if let Some(hit) = self.known.get(&kind).and_then(|m| m.get(key)) {
            return Ok(*hit);
        }
        let (table, column) = kind.table_and_key();
        let mut sql = Sql::new(&format!("SELECT t.id FROM {table} t WHERE "));
        if column == "id" {
            sql.push("t.id = ").bind(key.parse::<i64>().unwrap_or(-1));
        } else {
            sql.push(&format!("t.{column} = ")).bind(key);
        }
        // People outside the viewer's scope do not exist for this import.
        if kind == RefKind::Employee {
            viewer.restrict(&mut sql, "t.id");
        }
        // Neither do parents (the order of an order line, …) the viewer may not see.
        if let Some(parent) = scoped_as {
            super::filter::scope(parent, viewer, &mut sql);
        }
        let found: Vec<(i64,)> = slot.tx().await?.fetch_all(&sql).await?;
        let id = found.first().map(|r| r.0);
        self.known
            .entry(kind)
            .or_default()
            .insert(key.to_string(), id);
        Ok(id)
    }
}

/// The import's transaction, or the task writing the last batch through it: the next batch
/// is read and checked while the database writes this one, so parsing (this thread) and
/// SQLite (its worker thread) run side by side.
enum Slot {
    Here(Tx),
    Writing(tokio::task::JoinHandle<(Tx, Result<u64>)>),
    Gone,
}

impl Slot {
    /// The transaction, once the batch being written (if any) is done; its error, if it failed.
    async fn tx(&mut self) -> Result<&mut Tx> {
        if matches!(self, Slot::Writing(_)) {
            let Slot::Writing(task) = std::mem::replace(self, Slot::Gone) else {
                unreachable!("matched above")
            };
            let (tx, written) = task.await.map_err(|e| {
                tracing::error!(error = %e, "an import batch's write task failed");
                StoreError::Database(sqlx::Error::WorkerCrashed)
            })?;
            *self = Slot::Here(tx);
            written?;
        }
        match self {
            Slot::Here(tx) => Ok(tx),
            _ => Err(StoreError::Database(sqlx::Error::WorkerCrashed)),
        }
    }

    /// Writes `records` in the background; `rows` names them in an error.
    async fn write<T: StoredRecord>(
        &mut self,
        viewer: &Viewer,
        records: Vec<T>,
        rows: String,
    ) -> Result<()> {
        self.tx().await?;
        let Slot::Here(mut tx) = std::mem::replace(self, Slot::Gone) else {
            unreachable!("tx() left the transaction here")
        };
        let viewer = viewer.clone();
        *self = Slot::Writing(tokio::spawn(async move {
            let written = T::write(&mut tx, &viewer, &records)
                .await
                .map_err(|e| match e {
                    StoreError::Invalid { field, message }
                    | StoreError::Conflict { field, message } => StoreError::Invalid {
                        field,
                        message: format!("{message} ({rows})"),
                    },
                    other => other,
                });
            (tx, written)
        }));
        Ok(())
    }

    /// The transaction back, every batch written.
    async fn into_tx(mut self) -> Result<Tx> {
        self.tx().await?;
        match self {
            Slot::Here(tx) => Ok(tx),
            _ => Err(StoreError::Database(sqlx::Error::WorkerCrashed)),
        }
    }
}

/// One record waiting in a batch: its row, its business key (if the kind has one), the record.
struct Pending<T> {
    row: u64,
    key: Option<String>,
    record: T,
}

struct Importer<'a, T> {
    viewer: &'a Viewer,
    spec: &'static KindSpec,
    opts: &'a ImportOptions<'a>,
    report: ErrorReport,
    resolver: Resolver,
    /// Business keys seen in this file → their row.
    keys: HashMap<String, u64>,
    /// Keys of kinds keyed by several columns seen in this file → their row.
    tuples: HashMap<Vec<String>, u64>,
    /// Split credit per order so far (stored shares plus this file's): order id → percent.
    shares: HashMap<i64, f64>,
    /// Attendance days seen in this file → their row.
    days: HashMap<(i64, NaiveDate), u64>,
    /// Customers seen in this file, for duplicate detection → their row.
    phones: HashMap<String, u64>,
    names: HashMap<(String, String), u64>,
    batch: Vec<Pending<T>>,
    /// A form editing stored record `id`: its own business key and identity are no duplicate.
    edit_id: Option<i64>,
    /// A form: checked records are kept here for the caller to write, instead of written.
    held: Option<Vec<T>>,
    /// A file: the fingerprint of its rows as read ([`rows_fingerprint`]), which a second
    /// import of the same rows finds in `import_batches`.
    rows_sha: Option<Sha256>,
    /// Step histories: the contracts or claims whose state they set, replayed once written.
    parents: BTreeSet<i64>,
    /// A form editing a record with workflow state: the stored record's cells.
    edit_stored: Option<Vec<Cell>>,
}

impl<'a, T: StoredRecord> Importer<'a, T> {
    async fn run(
        store: &Store,
        viewer: &'a Viewer,
        source: &mut (dyn RowSource + Send),
        opts: &'a ImportOptions<'a>,
    ) -> std::result::Result<ImportOutcome, ImportFailure> {
        let mut me: Importer<'a, T> = Importer {
            viewer,
            spec: T::SPEC,
            opts,
            report: ErrorReport::new(opts.file_name),
            resolver: Resolver::default(),
            keys: HashMap::new(),
            tuples: HashMap::new(),
            shares: HashMap::new(),
            days: HashMap::new(),
            phones: HashMap::new(),
            names: HashMap::new(),
            batch: Vec::with_capacity(BATCH_ROWS),
            edit_id: None,
            held: None,
            rows_sha: opts.sha256.is_some().then(Sha256::new),
            parents: BTreeSet::new(),
            edit_stored: None,
        };
        Store::may_import(viewer, T::SPEC)?;
        let mut tx = store.begin().await?;
        let file_sha = me.opts.sha256.clone();
        me.refuse_a_file_imported_before(&mut tx, file_sha.as_deref(), false)
            .await?;
        let mut slot = Slot::Here(tx);
        let rows = me.read_all(&mut slot, source).await?;
        let mut tx = slot.into_tx().await?;
        if !me.report.is_empty() {
            return Err(ImportFailure::Rejected(me.report));
        }
        // The same rows in another file (another line ending, a trailing blank line, xlsx
        // instead of CSV) are the same import.
        let rows_sha = me.rows_sha.take().map(|h| hex::encode(h.finalize()));
        me.refuse_a_file_imported_before(&mut tx, rows_sha.as_deref(), true)
            .await?;
        if opts.dry_run {
            return Ok(ImportOutcome {
                rows,
                dry_run: true,
            });
        }
        me.record_batch(&mut tx, rows, rows_sha).await?;
        tx.replay_histories(viewer, T::SPEC, &me.parents, opts.zone)
            .await?;
        tx.commit_import().await?;
        Ok(ImportOutcome {
            rows,
            dry_run: false,
        })
    }

    /// One record of a form; see [`Store::save_fields`].
    async fn form(
        store: &Store,
        viewer: &'a Viewer,
        id: Option<i64>,
        fields: &[(String, String)],
        zone: &'a dyn LocalZone,
    ) -> std::result::Result<i64, ImportFailure> {
        let spec = T::SPEC;
        // A role that may not record this kind is refused before any field is read.
        viewer
            .role
            .may_write(spec.kind)
            .map_err(StoreError::Forbidden)?;
        if id.is_some() && !spec.has_id() {
            return Err(StoreError::NotFound {
                entity: spec.table,
                key: "(records of this kind are not edited one by one)".into(),
            }
            .into());
        }
        let opts = ImportOptions {
            file_name: "form",
            sha256: None,
            dry_run: false,
            zone,
            progress: &|_| {},
        };
        let mut me: Importer<'_, T> = Importer {
            viewer,
            spec,
            opts: &opts,
            report: ErrorReport::new("form"),
            resolver: Resolver::default(),
            keys: HashMap::new(),
            tuples: HashMap::new(),
            shares: HashMap::new(),
            days: HashMap::new(),
            phones: HashMap::new(),
            names: HashMap::new(),
            batch: Vec::new(),
            edit_id: id,
            held: Some(Vec::new()),
            rows_sha: None,
            parents: BTreeSet::new(),
            edit_stored: None,
        };
        let tx = store.begin().await?;
        let mut slot = Slot::Here(tx);
        let tx = slot.tx().await?;
        // Another's record is "not found" before any field is looked at, as on reads.
        let before = match id {
            Some(id) => Some(tx.stored_json(viewer, spec, id).await?),
            None => None,
        };
        if let Some(id) = id.filter(|_| spec.step_columns().next().is_some()) {
            me.edit_stored = tx.stored_cells(spec, id).await?;
        }
        let headers: Vec<String> = fields.iter().map(|f| f.0.clone()).collect();
        let row: Vec<String> = fields.iter().map(|f| f.1.clone()).collect();
        if let Some(map) = HeaderMap::new(spec, &headers, &mut me.report) {
            me.read_row(&mut slot, &map, 2, &row, Utc::now()).await?;
            me.flush(&mut slot).await?;
        }
        let mut tx = slot.into_tx().await?;
        if !me.report.is_empty() {
            let mut report = me.report;
            for e in &mut report.errors {
                e.column = field_of(spec, &e.column);
            }
            return Err(ImportFailure::Rejected(report));
        }
        let records = me.held.unwrap_or_default();
        T::write(&mut tx, viewer, &records).await?;
        tx.replay_histories(viewer, spec, &me.parents, zone).await?;
        let id = match (id, before) {
            (Some(id), Some(_)) => id,
            _ => {
                let id = if spec.has_id() {
                    tx.last_insert_id().await?
                } else {
                    0
                };
                let mut after = records.first().and_then(|r| serde_json::to_value(r).ok());
                if let Some(obj) = after.as_mut().and_then(|a| a.as_object_mut()) {
                    obj.insert("id".into(), id.into());
                }
                let entry = super::write::entry("create", spec, id, None, after);
                tx.audit(viewer, entry).await?;
                id
            }
        };
        tx.commit_records().await?;
        Ok(id)
    }

    /// Kinds without a business key would double silently on a second import of the same
    /// file; `sha` says it is the same: the file's SHA-256 (as imports before the rows'
    /// fingerprint recorded it), or the fingerprint of its rows. Kinds with keys report
    /// duplicate rows.
    async fn refuse_a_file_imported_before(
        &mut self,
        tx: &mut Tx,
        sha: Option<&str>,
        rows_of_file: bool,
    ) -> std::result::Result<(), ImportFailure> {
        let Some(sha) = sha.filter(|_| self.spec.key.is_none()) else {
            return Ok(());
        };
        let mut sql = Sql::new("SELECT actor, file_name FROM import_batches WHERE kind = ");
        sql.bind(self.spec.kind).push(" AND sha256 = ").bind(sha);
        let before: Vec<(String, String)> = tx.fetch_all(&sql).await?;
        if let Some((actor, file)) = before.first() {
            let reason = if rows_of_file {
                format!(
                    "the same rows (fingerprint {sha}) were already imported as {} by {actor} from {file}; nothing was imported again",
                    self.spec.kind
                )
            } else {
                format!(
                    "this file (SHA-256 {sha}) was already imported as {} by {actor} from {file}; nothing was imported again",
                    self.spec.kind
                )
            };
            self.report.push(0, "", "", reason);
            return Err(ImportFailure::Rejected(std::mem::take(&mut self.report)));
        }
        Ok(())
    }

    async fn read_all(
        &mut self,
        slot: &mut Slot,
        source: &mut (dyn RowSource + Send),
    ) -> Result<u64> {
        let mut buf = Vec::new();
        let header_ok = source.next_row(&mut buf);
        let map = match header_ok {
            Ok(true) => HeaderMap::new(self.spec, &buf, &mut self.report),
            Ok(false) => {
                self.report
                    .push(1, "", "", "the file is empty (no header row)");
                None
            }
            Err(e) => {
                self.report.push(1, "", "", e);
                None
            }
        };
        let Some(map) = map else { return Ok(0) };
        let headers = buf.clone();
        if let Some(h) = self.rows_sha.as_mut() {
            h.update(source.format().as_bytes());
            let mut header = buf.clone();
            if let Some(first) = header.first_mut() {
                *first = first.trim_start_matches('\u{feff}').to_string();
            }
            rows_fingerprint(h, &header);
        }
        let now = Utc::now();
        let mut rows = 0u64;
        loop {
            match source.next_row(&mut buf) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    let column = source
                        .failed_column()
                        .and_then(|c| headers.get(c as usize))
                        .map_or("", |h| h.trim());
                    self.report.push(rows + 2, column, "", e);
                    break;
                }
            }
            rows += 1;
            if buf.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            if let Some(h) = self.rows_sha.as_mut() {
                rows_fingerprint(h, &buf);
            }
            self.cells_without_header(&headers, rows + 1, &buf);
            self.read_row(slot, &map, rows + 1, &buf, now).await?;
            if self.batch.len() >= BATCH_ROWS {
                self.flush(slot).await?;
                (self.opts.progress)(rows);
            }
        }
        self.flush(slot).await?;
        (self.opts.progress)(rows);
        Ok(rows)
    }

    /// A value in a column the header row does not name (beyond its last header, or under an
    /// empty one) would be dropped without a word: it is an error naming the row and column.
    fn cells_without_header(&mut self, headers: &[String], row_no: u64, text: &[String]) {
        for (i, cell) in text.iter().enumerate() {
            if !cell.trim().is_empty() && headers.get(i).is_none_or(|h| h.trim().is_empty()) {
                self.report.push(
                    row_no,
                    "",
                    cell,
                    format!(
                        "a value in column {} has no header (the header row names {} columns)",
                        kaohe_domain::import::files::column_name(i as u32),
                        headers.iter().filter(|h| !h.trim().is_empty()).count()
                    ),
                );
                return;
            }
        }
    }

    async fn read_row(
        &mut self,
        slot: &mut Slot,
        map: &HeaderMap,
        row_no: u64,
        text: &[String],
        now: chrono::DateTime<Utc>,
    ) -> Result<()> {
        let errors_before = self.report.total;
        let mut cells = map.parse_all(row_no, text, self.opts.zone, now, &mut self.report);
        if let (Some(id), true) = (self.edit_id, self.spec.has_id()) {
            cells[0] = Cell::Int(id);
        }
        if let Some(stored) = &self.edit_stored {
            // Workflow state left blank keeps what is stored (a form shows it locked); state
            // that is given must be what is stored, and a record past review is not edited.
            for (i, _) in self.spec.step_columns() {
                if map.text(text, i).trim().is_empty() {
                    cells[i] = stored[i].clone();
                }
            }
            for (col, reason) in workflow::edit_violations(self.spec, stored, &cells) {
                let i = self.spec.column(col.field).map_or(0, |(i, _)| i);
                self.report
                    .push(row_no, map.header(i), map.text(text, i), reason);
            }
        }
        // References are checked even in a row with other errors, so the report lists them all.
        let resolved = self.resolve(slot, map, row_no, &mut cells).await?;
        if !resolved || self.report.total > errors_before {
            return Ok(());
        }
        let mut record: T = row::to_record(self.spec, &cells).map_err(|m| StoreError::Invalid {
            field: self.spec.kind.into(),
            message: m,
        })?;
        record.complete_computed_fields();
        for v in record.violations() {
            let i = self.spec.column(v.field).map_or(0, |(i, _)| i);
            self.report
                .push(row_no, map.header(i), map.text(text, i), v.message);
        }
        // A new record starts in its kind's start state; only steps move it on.
        if self.edit_id.is_none() {
            for (col, reason) in workflow::start_violations(self.spec, &cells) {
                let i = self.spec.column(col.field).map_or(0, |(i, _)| i);
                self.report
                    .push(row_no, map.header(i), map.text(text, i), reason);
            }
        }
        if let Some(parent) = record.parent_id().filter(|_| has_history(self.spec)) {
            self.parents.insert(parent);
        }
        let key = self
            .spec
            .key
            .and_then(|k| self.spec.column(k))
            .map(|(i, _)| map.text(text, i).trim().to_string());
        if let Some(k) = &key {
            if let Some(first) = self.keys.get(k) {
                let i = self
                    .spec
                    .column(self.spec.key.unwrap_or_default())
                    .map_or(0, |(i, _)| i);
                self.report.push(
                    row_no,
                    map.header(i),
                    k,
                    format!("duplicate in this file (first at row {first})"),
                );
            } else {
                self.keys.insert(k.clone(), row_no);
            }
        }
        self.check_in_file_duplicates(map, row_no, text, &cells);
        self.check_in_file_tuples(map, row_no, text, &cells);
        if self.report.total == errors_before {
            self.batch.push(Pending {
                row: row_no,
                key,
                record,
            });
        }
        Ok(())
    }

    /// Replaces business keys with ids; reports unknown ones. `false` when any is unknown.
    async fn resolve(
        &mut self,
        slot: &mut Slot,
        map: &HeaderMap,
        row_no: u64,
        cells: &mut [Cell],
    ) -> Result<bool> {
        let mut ok = true;
        for (i, col) in self.spec.columns.iter().enumerate() {
            let (Ty::Ref(kind), Cell::Text(key)) = (col.ty, &cells[i]) else {
                continue;
            };
            let parent = self
                .spec
                .parent
                .as_ref()
                .filter(|p| p.column == col.field)
                .map(|p| p.spec);
            match self
                .resolver
                .id(slot, self.viewer, kind, key, parent)
                .await?
            {
                Some(id) => cells[i] = Cell::Int(id),
                None => {
                    let scope = if kind == RefKind::Employee || parent.is_some() {
                        " or outside your data scope"
                    } else {
                        ""
                    };
                    self.report.push(
                        row_no,
                        map.header(i),
                        key,
                        format!("unknown {}{scope}", kind.noun()),
                    );
                    ok = false;
                }
            }
        }
        Ok(ok)
    }

    /// Attendance days twice in the file, and customers that duplicate an earlier row.
    fn check_in_file_duplicates(
        &mut self,
        map: &HeaderMap,
        row_no: u64,
        text: &[String],
        cells: &[Cell],
    ) {
        let get = |f: &str| self.spec.column(f).map(|(i, _)| i);
        match self.spec.kind {
            "attendance" => {
                if let (Some(Cell::Int(e)), Some(Cell::Date(d))) = (
                    get("employee_id").map(|i| &cells[i]),
                    get("day").map(|i| &cells[i]),
                ) && let Some(first) = self.days.insert((*e, *d), row_no)
                {
                    let i = get("day").unwrap_or(0);
                    self.report.push(
                        row_no,
                        map.header(i),
                        map.text(text, i),
                        format!("this person's day is already in row {first}"),
                    );
                }
            }
            "customers" => {
                let field = |f: &str| get(f).map_or("", |i| map.text(text, i));
                let id = CustomerIdentity::of(field("name"), field("company"), field("phone"));
                let phone_col = get("phone").unwrap_or(0);
                let name_col = get("name").unwrap_or(0);
                if let Some(first) = (!id.phone.is_empty())
                    .then(|| self.phones.get(&id.phone))
                    .flatten()
                {
                    self.report.push(
                        row_no,
                        map.header(phone_col),
                        field("phone"),
                        format!("duplicate customer: same phone as row {first}"),
                    );
                } else if let Some(first) = (!id.name_company.0.is_empty())
                    .then(|| self.names.get(&id.name_company))
                    .flatten()
                {
                    self.report.push(
                        row_no,
                        map.header(name_col),
                        field("name"),
                        format!("duplicate customer: same name and company as row {first}"),
                    );
                }
                if !id.phone.is_empty() {
                    self.phones.entry(id.phone.clone()).or_insert(row_no);
                }
                self.names.entry(id.name_company).or_insert(row_no);
            }
            _ => {}
        }
    }

    /// A row of a kind keyed by several columns that repeats an earlier row's key.
    fn check_in_file_tuples(
        &mut self,
        map: &HeaderMap,
        row_no: u64,
        text: &[String],
        cells: &[Cell],
    ) {
        let Some(key) = composite_key(self.spec) else {
            return;
        };
        let idx: Vec<usize> = key
            .iter()
            .filter_map(|f| self.spec.column(f).map(|(i, _)| i))
            .collect();
        let tuple: Vec<String> = idx.iter().map(|i| format!("{:?}", cells[*i])).collect();
        if let Some(first) = self.tuples.get(&tuple) {
            let i = idx[0];
            let reason = format!("the same {} as row {first}", key_names(self.spec, key));
            self.report
                .push(row_no, map.header(i), map.text(text, i), reason);
        } else {
            self.tuples.insert(tuple, row_no);
        }
    }

    /// Rows of the batch whose several-column key is stored already.
    async fn check_existing_tuples(&mut self, tx: &mut Tx) -> Result<()> {
        let Some(key) = composite_key(self.spec) else {
            return Ok(());
        };
        let cols: Vec<(usize, &Column)> = key.iter().filter_map(|f| self.spec.column(f)).collect();
        let mut found = Vec::new();
        for p in &self.batch {
            let cells = row::to_cells(self.spec, &p.record);
            let mut sql = Sql::new(&format!("SELECT 1 FROM {} WHERE 1=1", self.spec.table));
            for (i, col) in &cols {
                sql.push(&format!(" AND {} = ", col.field))
                    .bind(super::cells::val(col.ty, &cells[*i]));
            }
            if !tx.fetch_all::<(i32,)>(&sql).await?.is_empty() {
                found.push(p.row);
            }
        }
        let first = cols.first().map_or("", |(_, c)| c.zh);
        let names = key_names(self.spec, key);
        for row in found {
            self.report.push(
                row,
                first,
                "",
                format!("a {} {names} is stored already", self.spec.zh),
            );
        }
        Ok(())
    }

    /// Split credit on a shared deal sums to 100 (SPEC §7a): a row that takes an order's shares,
    /// stored and earlier in the file, past 100 percent is refused. Shares may arrive in several
    /// files, so less than 100 is not an error.
    async fn check_credit_shares(&mut self, tx: &mut Tx) -> Result<()> {
        let cells: Vec<(u64, Vec<Cell>)> = self
            .batch
            .iter()
            .map(|p| (p.row, row::to_cells(self.spec, &p.record)))
            .collect();
        let unseen: Vec<i64> = cells
            .iter()
            .filter_map(|(_, c)| match c[0] {
                Cell::Int(order) if !self.shares.contains_key(&order) => Some(order),
                _ => None,
            })
            .collect();
        if !unseen.is_empty() {
            let mut sql =
                Sql::new("SELECT order_id, SUM(share_pct) FROM order_credits WHERE order_id IN ");
            sql.bind_list(unseen.iter().copied())
                .push(" GROUP BY order_id");
            let stored: Vec<(i64, f64)> = tx.fetch_all(&sql).await?;
            for order in unseen {
                let sum = stored.iter().find(|s| s.0 == order).map_or(0.0, |s| s.1);
                self.shares.insert(order, sum);
            }
        }
        for (row, c) in cells {
            let (Cell::Int(order), Cell::Float(share)) = (&c[0], &c[2]) else {
                continue;
            };
            let total = self.shares.entry(*order).or_default();
            *total += share;
            if *total > 100.0 + 1e-9 {
                let reason = format!("the shares of this order add up to {total}%, more than 100%");
                self.report
                    .push(row, "分成比例(%)", &share.to_string(), reason);
            }
        }
        Ok(())
    }

    /// Checks a batch against the database and, while the file has no error, writes it.
    async fn flush(&mut self, slot: &mut Slot) -> Result<()> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let tx = slot.tx().await?;
        self.check_existing_keys(tx).await?;
        match self.spec.kind {
            "attendance" => self.check_existing_days(tx).await?,
            "order_credits" => {
                self.check_existing_tuples(tx).await?;
                self.check_credit_shares(tx).await?;
            }
            _ if composite_key(self.spec).is_some() => self.check_existing_tuples(tx).await?,
            "customers" => self.check_existing_customers(tx).await?,
            _ => {}
        }
        let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH_ROWS));
        if let Some(held) = self.held.as_mut() {
            held.extend(batch.into_iter().map(|p| p.record));
            return Ok(());
        }
        if self.report.is_empty() && !self.opts.dry_run {
            let rows = format!("rows {}–{}", batch[0].row, batch[batch.len() - 1].row);
            let records: Vec<T> = batch.into_iter().map(|p| p.record).collect();
            slot.write(self.viewer, records, rows).await?;
        }
        Ok(())
    }

    async fn check_existing_keys(&mut self, tx: &mut Tx) -> Result<()> {
        let Some(key) = self.spec.key else {
            return Ok(());
        };
        let mut sql = Sql::new(&format!(
            "SELECT {key} FROM {} WHERE {key} IN ",
            self.spec.table
        ));
        sql.bind_list(self.batch.iter().filter_map(|p| p.key.clone()));
        if let Some(id) = self.edit_id {
            sql.push(" AND id <> ").bind(id);
        }
        let existing: Vec<(String,)> = tx.fetch_all(&sql).await?;
        let col = self.spec.column(key).map(|(_, c)| c.zh).unwrap_or(key);
        for p in &self.batch {
            if let Some(k) = p
                .key
                .as_deref()
                .filter(|k| existing.iter().any(|e| e.0 == *k))
            {
                self.report.push(
                    p.row,
                    col,
                    k,
                    format!("{} already exists (duplicate {key})", self.spec.zh),
                );
            }
        }
        Ok(())
    }

    async fn check_existing_days(&mut self, tx: &mut Tx) -> Result<()> {
        let cells: Vec<(u64, Vec<Cell>)> = self
            .batch
            .iter()
            .map(|p| (p.row, row::to_cells(self.spec, &p.record)))
            .collect();
        let at = |field: &str| self.spec.column(field).map_or(0, |(i, _)| i);
        let (person, day) = (at("employee_id"), at("day"));
        let keys: Vec<(u64, i64, NaiveDate)> = cells
            .iter()
            .filter_map(|(r, c)| match (&c[person], &c[day]) {
                (Cell::Int(e), Cell::Date(d)) => Some((*r, *e, *d)),
                _ => None,
            })
            .collect();
        let (Some(min), Some(max)) = (
            keys.iter().map(|k| k.2).min(),
            keys.iter().map(|k| k.2).max(),
        ) else {
            return Ok(());
        };
        let mut sql = Sql::new("SELECT employee_id, day FROM attendance WHERE day >= ");
        sql.bind(min)
            .push(" AND day <= ")
            .bind(max)
            .push(" AND employee_id IN ");
        sql.bind_list(keys.iter().map(|k| k.1));
        // A corrected day is no duplicate of itself.
        if let Some(id) = self.edit_id {
            sql.push(" AND id <> ").bind(id);
        }
        let existing: Vec<(i64, NaiveDate)> = tx.fetch_all(&sql).await?;
        for (row, e, d) in keys {
            if existing.contains(&(e, d)) {
                self.report.push(
                    row,
                    "日期",
                    &d.to_string(),
                    "attendance of this person on this day already exists",
                );
            }
        }
        Ok(())
    }

    async fn check_existing_customers(&mut self, tx: &mut Tx) -> Result<()> {
        let ids: Vec<(u64, CustomerIdentity, Vec<Cell>)> = self
            .batch
            .iter()
            .map(|p| {
                let c = row::to_cells(self.spec, &p.record);
                let text = |f: &str| match self.spec.column(f).map(|(i, _)| &c[i]) {
                    Some(Cell::Text(s)) => s.clone(),
                    _ => String::new(),
                };
                (
                    p.row,
                    CustomerIdentity::of(&text("name"), &text("company"), &text("phone")),
                    c,
                )
            })
            .collect();
        let column_texts = |field: &str| -> Vec<String> {
            let i = self.spec.column(field).map_or(0, |(i, _)| i);
            ids.iter()
                .filter_map(|(_, _, c)| match &c[i] {
                    Cell::Text(s) if !s.is_empty() => Some(s.clone()),
                    _ => None,
                })
                .collect()
        };
        // Phones compare by their digits, however they were written.
        // A form editing a stored customer is no duplicate of itself.
        let mut sql =
            Sql::new("SELECT archive_no, name, company, phone FROM customers WHERE id <> ");
        sql.bind(self.edit_id.unwrap_or(0)).push(
            " AND (REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(phone, '-', ''), ' ', ''), '(', ''), ')', ''), '+', '') IN ",
        );
        sql.bind_list(
            ids.iter()
                .map(|i| i.1.phone.clone())
                .filter(|p| !p.is_empty()),
        );
        sql.push(" OR name IN ")
            .bind_list(column_texts("name"))
            .push(")");
        let existing: Vec<(String, String, String, String)> = tx.fetch_all(&sql).await?;
        for (row, id, _) in &ids {
            for (archive, name, company, phone) in &existing {
                if let Some(reason) = id.duplicate_of(&CustomerIdentity::of(name, company, phone)) {
                    self.report.push(
                        *row,
                        "客户档案编号",
                        archive,
                        format!("duplicate customer: {reason} as archive {archive}"),
                    );
                    break;
                }
            }
        }
        Ok(())
    }

    /// Remembers the file by the fingerprint of its rows (so the same rows are not imported
    /// twice) and audits the import with the file's own SHA-256.
    async fn record_batch(
        &mut self,
        tx: &mut Tx,
        rows: u64,
        rows_sha: Option<String>,
    ) -> Result<()> {
        let sha = rows_sha.unwrap_or_default();
        if !sha.is_empty() {
            let mut sql = Sql::new(
                "INSERT INTO import_batches (kind, sha256, file_name, rows, actor, imported_at) VALUES (",
            );
            sql.bind(self.spec.kind)
                .push(", ")
                .bind(sha.as_str())
                .push(", ")
                .bind(self.opts.file_name);
            sql.push(", ")
                .bind(rows as i64)
                .push(", ")
                .bind(self.viewer.username.as_str())
                .push(", ")
                .bind(Utc::now())
                .push(")");
            tx.run(&sql).await?;
        }
        let file_sha = self.opts.sha256.clone().unwrap_or_default();
        let after = serde_json::json!({ "kind": self.spec.kind, "file": self.opts.file_name, "sha256": file_sha, "rows_sha256": sha, "rows": rows });
        tx.audit(
            self.viewer,
            crate::audit::AuditEntry {
                action: "import",
                entity: self.spec.table,
                entity_id: file_sha,
                before: None,
                after: Some(after),
            },
        )
        .await
    }
}
