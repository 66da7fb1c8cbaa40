//! One storage API for the operational records of SPEC §3 and for people and teams.
//!
//! - Every write of a kind goes through that kind's one funnel function on [`Tx`]
//!   (`write_calls`, `write_orders`, …): the data scope is checked there, rules are checked
//!   there, and later per-day roll-ups hook in there. New records (id 0) are inserted with
//!   multi-row `INSERT`s; records with an id replace the stored row, audited with before and
//!   after.
//! - [`Store::create`] / [`Store::update`] write one record and its audit entry in one
//!   transaction; [`Store::list`] reads with typed [`Filter`]s checked against the kind's
//!   columns; [`Store::export`] streams a kind's rows (business keys instead of ids) and
//!   audits the export; [`Store::import`] reads a file row by row, all-or-nothing.

mod cells;
mod children;
mod class;
mod filter;
mod import;
pub(crate) mod import_only;
mod steps;
mod write;
mod zone;

pub use class::CLASS_THRESHOLDS_SETTING;
pub use filter::{Filter, Op, Query};
pub use import::{FormFailure, ImportFailure, ImportOptions, ImportOutcome};
pub use steps::StepOutcome;
pub use write::StoredRecord;
pub use zone::CompanyZone;

use crate::{Result, Store, StoreError, Viewer};
use kaohe_domain::import::cell::{self, OutCell};
use kaohe_domain::import::files::TableWriter;
use kaohe_domain::import::{Cell, KindSpec, LocalZone, row};

impl Store {
    /// Creates one record on behalf of `viewer` and audits it; returns the new id (0 for
    /// kinds keyed by something else, such as split credit).
    pub async fn create<T: StoredRecord>(&self, viewer: &Viewer, record: &T) -> Result<i64> {
        let mut tx = self.begin().await?;
        T::write(&mut tx, viewer, std::slice::from_ref(record)).await?;
        let id = if T::SPEC.has_id() {
            tx.last_insert_id().await?
        } else {
            0
        };
        let mut after = serde_json::to_value(record).unwrap_or_default();
        if let Some(obj) = after.as_object_mut().filter(|_| id != 0) {
            obj.insert("id".into(), id.into());
        }
        tx.audit(
            viewer,
            write::entry("create", T::SPEC, id, None, Some(after)),
        )
        .await?;
        tx.commit_records().await?;
        Ok(id)
    }

    /// Replaces record `record.id` (which the viewer must be able to see) and audits the
    /// change with the before and after.
    pub async fn update<T: StoredRecord>(&self, viewer: &Viewer, record: &T) -> Result<()> {
        let mut tx = self.begin().await?;
        T::write(&mut tx, viewer, std::slice::from_ref(record)).await?;
        tx.commit_records().await
    }

    /// The records of a kind the viewer may see that match `query`, in id order.
    pub async fn list<T: StoredRecord>(
        &self,
        viewer: &Viewer,
        query: &Query,
        zone: &dyn LocalZone,
    ) -> Result<Vec<T>> {
        let rows = self.page_cells(viewer, T::SPEC, query, zone, false).await?;
        rows.iter()
            .map(|cells| {
                row::to_record(T::SPEC, cells).map_err(|m| StoreError::Invalid {
                    field: T::SPEC.kind.into(),
                    message: m,
                })
            })
            .collect()
    }

    /// Streams every row of `spec` the viewer may see that matches `query` to `sink`, with
    /// references as business keys (工号, 客户档案编号, …), and audits the export (who, what,
    /// how many rows): customer contacts and sales figures are confidential (SPEC §1).
    pub async fn export(
        &self,
        viewer: &Viewer,
        spec: &'static KindSpec,
        query: &Query,
        zone: &dyn LocalZone,
        target: &str,
        sink: &mut (dyn FnMut(&[Cell]) -> std::result::Result<(), String> + Send),
    ) -> Result<u64> {
        let sql = filter::select(spec, viewer, query, zone, true)?;
        let n = cells::stream_cells(self, spec, &sql, true, sink).await?;
        let after = serde_json::json!({
            "kind": spec.kind,
            "rows": n,
            "target": target,
            "filters": query.describe(),
        });
        self.audit(
            viewer,
            crate::audit::AuditEntry {
                action: "export",
                entity: spec.table,
                entity_id: String::new(),
                before: None,
                after: Some(after),
            },
        )
        .await?;
        Ok(n)
    }
}

impl Store {
    /// The rows of `spec` the viewer may see that match `query`, as cells with references as
    /// business keys (工号, 订单编号, …), for showing a list. Not audited: showing a page of a
    /// list the viewer may see is no export.
    pub async fn list_cells(
        &self,
        viewer: &Viewer,
        spec: &'static KindSpec,
        query: &Query,
        zone: &dyn LocalZone,
    ) -> Result<Vec<Vec<Cell>>> {
        self.page_cells(viewer, spec, query, zone, true).await
    }

    /// The rows of `spec` the viewer may see that match `query`: a page of a wide scope first
    /// within the table's first ids ([`filter::select_within`]), then, when that window holds
    /// less than the page, through the owner's index.
    async fn page_cells(
        &self,
        viewer: &Viewer,
        spec: &'static KindSpec,
        query: &Query,
        zone: &dyn LocalZone,
        export: bool,
    ) -> Result<Vec<Vec<Cell>>> {
        if let Some(window) = filter::id_window(spec, viewer, query) {
            let sql = filter::select_within(spec, viewer, query, zone, export, Some(window))?;
            let rows = cells::fetch_cells(self, spec, &sql, export).await?;
            if Some(rows.len() as i64) == query.limit {
                return Ok(rows);
            }
        }
        let sql = filter::select(spec, viewer, query, zone, export)?;
        cells::fetch_cells(self, spec, &sql, export).await
    }

    /// Writes the header (Chinese or English) and every row the viewer may see to `w` as
    /// a file exports them (Chinese labels and 是/否 when `zh`), through [`Store::export`] and
    /// so audited; returns how many rows.
    #[allow(clippy::too_many_arguments)]
    pub async fn export_table(
        &self,
        viewer: &Viewer,
        spec: &'static KindSpec,
        query: &Query,
        zone: &(dyn LocalZone + Sync),
        zh: bool,
        target: &str,
        w: &mut (dyn TableWriter + Send),
    ) -> Result<u64> {
        let header: Vec<OutCell> = spec
            .columns
            .iter()
            .map(|c| OutCell::Text((if zh { c.zh } else { c.en }).into()))
            .collect();
        w.write_row(&header).map_err(|m| StoreError::Invalid {
            field: "export".into(),
            message: m,
        })?;
        let mut sink = |cells: &[Cell]| {
            let out: Vec<OutCell> = spec
                .columns
                .iter()
                .zip(cells)
                .map(|(c, v)| cell::format(c, v, zone, zh))
                .collect();
            w.write_row(&out)
        };
        self.export(viewer, spec, query, zone, target, &mut sink)
            .await
    }
}

/// The record kinds by name, for callers that know a kind only at run time (the CLI):
/// calls `$body` with `$T` bound to the record type of `$spec`.
#[macro_export]
macro_rules! with_record_type {
    ($spec:expr, $T:ident => $body:expr) => {{
        use kaohe_domain::org::{Assignment, Department, Employee, Level, Position, Team};
        use kaohe_domain::records::*;
        match $spec.kind {
            "customers" => {
                type $T = Customer;
                $body
            }
            "calls" => {
                type $T = Call;
                $body
            }
            "visits" => {
                type $T = Visit;
                $body
            }
            "orders" => {
                type $T = Order;
                $body
            }
            "shipments" => {
                type $T = Shipment;
                $body
            }
            "contracts" => {
                type $T = Contract;
                $body
            }
            "receivables" => {
                type $T = Receivable;
                $body
            }
            "payments" => {
                type $T = Payment;
                $body
            }
            "complaints" => {
                type $T = Complaint;
                $body
            }
            "expenses" => {
                type $T = Expense;
                $body
            }
            "attendance" => {
                type $T = Attendance;
                $body
            }
            "reports" => {
                type $T = Report;
                $body
            }
            "documents" => {
                type $T = Document;
                $body
            }
            "credit" => {
                type $T = CreditAssessment;
                $body
            }
            "employees" => {
                type $T = Employee;
                $body
            }
            "teams" => {
                type $T = Team;
                $body
            }
            "departments" => {
                type $T = Department;
                $body
            }
            "positions" => {
                type $T = Position;
                $body
            }
            "levels" => {
                type $T = Level;
                $body
            }
            "assignments" => {
                type $T = Assignment;
                $body
            }
            "order_lines" => {
                type $T = OrderLine;
                $body
            }
            "order_events" => {
                type $T = OrderEvent;
                $body
            }
            "order_credits" => {
                type $T = OrderCredit;
                $body
            }
            "contract_steps" => {
                type $T = ContractStep;
                $body
            }
            "expense_steps" => {
                type $T = ExpenseStep;
                $body
            }
            "budgets" => {
                type $T = Budget;
                $body
            }
            "meetings" => {
                type $T = Meeting;
                $body
            }
            "meeting_attendance" => {
                type $T = MeetingAttendee;
                $body
            }
            "meeting_decisions" => {
                type $T = MeetingDecision;
                $body
            }
            "training_needs" => {
                type $T = TrainingNeed;
                $body
            }
            "training_courses" => {
                type $T = TrainingCourse;
                $body
            }
            "training_sessions" => {
                type $T = TrainingSession;
                $body
            }
            "training_results" => {
                type $T = TrainingResult;
                $body
            }
            other => unreachable!("record kind {other} has no record type"),
        }
    }};
}
