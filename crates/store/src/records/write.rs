//! The one write function per record kind. Every record write — a form, an API call, an
//! import batch — goes through `Tx::write_<kind>`, so the data scope, the rules and (later)
//! the per-day roll-ups for KPIs live in one place per kind.

use super::cells;
use crate::audit::AuditEntry;
use crate::rows::Row;
use crate::sql::Sql;
use crate::val::Val;
use crate::{Result, StoreError, Tx, Viewer};
use kaohe_domain::Cents;
use kaohe_domain::Period;
use kaohe_domain::catalogue::RecordKind;
use kaohe_domain::import::spec::{Column, Ty};
use kaohe_domain::import::{Cell, ImportRecord, KindSpec, row};
use kaohe_domain::org::{Assignment, Department, Employee, Level, Position, Team};
use kaohe_domain::records::*;
use kaohe_domain::roles::Scope;
use kaohe_domain::rules::{expense, limits, workflow};
use std::collections::BTreeSet;

/// A record kind the store can write: its file columns and rules (domain) and its table row.
pub trait StoredRecord: ImportRecord + Row {
    /// The kind's one write function (`Tx::write_calls` for calls, …).
    fn write(
        tx: &mut Tx,
        viewer: &Viewer,
        records: &[Self],
    ) -> impl Future<Output = Result<u64>> + Send;
}

macro_rules! funnel {
    ($ty:ty, $fn:ident, $doc:literal) => {
        impl Tx {
            #[doc = $doc]
            pub async fn $fn(&mut self, viewer: &Viewer, records: &[$ty]) -> Result<u64> {
                self.write_records(viewer, records).await
            }
        }
        impl StoredRecord for $ty {
            fn write(
                tx: &mut Tx,
                viewer: &Viewer,
                records: &[Self],
            ) -> impl Future<Output = Result<u64>> + Send {
                tx.$fn(viewer, records)
            }
        }
    };
}

funnel!(Call, write_calls, "Writes calls (电话记录).");
funnel!(Visit, write_visits, "Writes visits (拜访).");
funnel!(Shipment, write_shipments, "Writes shipments (发货).");
funnel!(
    Receivable,
    write_receivables,
    "Writes receivables (应收款)."
);
funnel!(Payment, write_payments, "Writes payments received (回款).");
funnel!(Complaint, write_complaints, "Writes complaints (投诉).");
funnel!(
    Attendance,
    write_attendance,
    "Writes attendance days (考勤)."
);
funnel!(Report, write_reports, "Writes reports (报告).");
funnel!(Document, write_documents, "Writes documents (文档).");
funnel!(
    OrderLine,
    write_order_lines,
    "Writes order lines (订单明细)."
);
funnel!(
    OrderEvent,
    write_order_events,
    "Writes order progress feedback and problems (订单进度反馈与问题)."
);
funnel!(
    OrderCredit,
    write_order_credits,
    "Writes split credit on orders (订单业绩分成)."
);
funnel!(
    ContractStep,
    write_contract_steps,
    "Writes contract step histories (合同流转记录) as they happened elsewhere; a step taken now goes through `Tx::contract_step`."
);
funnel!(
    ExpenseStep,
    write_expense_steps,
    "Writes expense review histories (费用审批记录) as they happened elsewhere; a step taken now goes through `Tx::expense_step`."
);
funnel!(
    Budget,
    write_budgets,
    "Writes expense budgets (费用预算); company-wide roles only."
);
funnel!(Meeting, write_meetings, "Writes meetings (会议).");
funnel!(
    MeetingAttendee,
    write_meeting_attendance,
    "Writes who attended meetings (会议出席)."
);
funnel!(
    TrainingCourse,
    write_training_courses,
    "Writes the training plan (培训计划); company-wide roles only."
);
funnel!(
    TrainingSession,
    write_training_sessions,
    "Writes training sessions (培训场次); company-wide roles only."
);
funnel!(
    MeetingDecision,
    write_meeting_decisions,
    "Writes meeting decisions (会议决定) with their owners and due dates."
);
funnel!(
    TrainingNeed,
    write_training_needs,
    "Writes training needs (培训需求)."
);
funnel!(
    TrainingResult,
    write_training_results,
    "Writes training attendance and scores (培训考核成绩)."
);
impl StoredRecord for Customer {
    fn write(
        tx: &mut Tx,
        viewer: &Viewer,
        records: &[Self],
    ) -> impl Future<Output = Result<u64>> + Send {
        tx.write_customers(viewer, records)
    }
}
impl StoredRecord for Order {
    fn write(
        tx: &mut Tx,
        viewer: &Viewer,
        records: &[Self],
    ) -> impl Future<Output = Result<u64>> + Send {
        tx.write_orders(viewer, records)
    }
}
impl StoredRecord for Contract {
    fn write(
        tx: &mut Tx,
        viewer: &Viewer,
        records: &[Self],
    ) -> impl Future<Output = Result<u64>> + Send {
        tx.write_contracts(viewer, records)
    }
}
impl StoredRecord for Expense {
    fn write(
        tx: &mut Tx,
        viewer: &Viewer,
        records: &[Self],
    ) -> impl Future<Output = Result<u64>> + Send {
        tx.write_expenses(viewer, records)
    }
}
funnel!(
    CreditAssessment,
    write_credit,
    "Writes credit assessments (信用评估)."
);
impl Tx {
    /// Writes people (员工); HR and administrators only. A person marked as left (离职) loses
    /// their accounts in the same transaction: disabled, sessions ended, tokens revoked.
    pub async fn write_employees(&mut self, viewer: &Viewer, records: &[Employee]) -> Result<u64> {
        let n = self.write_records(viewer, records).await?;
        let leavers: Vec<i64> = records
            .iter()
            .filter(|e| e.status == kaohe_domain::org::EmploymentStatus::Left && e.id != 0)
            .map(|e| e.id)
            .collect();
        // People keep no roll-ups, so the commit of this write moves the global generation and
        // the web's cached identities of these accounts are dropped at once (the test
        // `a_leaver_marked_through_the_record_api_loses_sign_in_session_and_token_at_once`).
        self.disable_accounts_of_leavers(viewer, &leavers).await?;
        Ok(n)
    }
}
impl StoredRecord for Employee {
    fn write(
        tx: &mut Tx,
        viewer: &Viewer,
        records: &[Self],
    ) -> impl Future<Output = Result<u64>> + Send {
        tx.write_employees(viewer, records)
    }
}
funnel!(
    Team,
    write_teams,
    "Writes teams (小组); HR and administrators only."
);
funnel!(
    Department,
    write_departments,
    "Writes departments (部门); HR and administrators only."
);
funnel!(
    Position,
    write_positions,
    "Writes positions (岗位); HR and administrators only."
);
funnel!(
    Level,
    write_levels,
    "Writes career levels (职级); HR and administrators only."
);
funnel!(
    Assignment,
    write_assignments,
    "Writes assignments (任职记录); HR and administrators only."
);

impl Tx {
    /// Writes customer archives (客户档案), each with the class its purchases give it.
    pub async fn write_customers(&mut self, viewer: &Viewer, records: &[Customer]) -> Result<u64> {
        let mut classed = records.to_vec();
        self.assign_customer_classes(&mut classed).await?;
        self.write_records(viewer, &classed).await
    }

    /// Writes orders (订单) and re-derives the class of their customers. An order beyond its
    /// customer's credit, or for a customer under watch, is refused without a manager's
    /// approval (see [`crate::credit`]).
    pub async fn write_orders(&mut self, viewer: &Viewer, records: &[Order]) -> Result<u64> {
        // Bounds before any sum over the amounts.
        check_bounds(records)?;
        self.check_order_credit(records).await?;
        let n = self.write_records(viewer, records).await?;
        self.reclassify_customers(records.iter().map(|o| o.customer_id).collect())
            .await?;
        Ok(n)
    }

    /// Writes contracts (合同); a contract signed beyond its customer's credit needs a
    /// manager's approval (see [`crate::credit`]).
    pub async fn write_contracts(&mut self, viewer: &Viewer, records: &[Contract]) -> Result<u64> {
        check_bounds(records)?;
        check_start_states(records)?;
        self.check_contract_credit(records).await?;
        self.write_records(viewer, records).await
    }

    /// Writes expense claims (销售费用), flagging each that takes its department past the
    /// budget of its period and category.
    pub async fn write_expenses(&mut self, viewer: &Viewer, records: &[Expense]) -> Result<u64> {
        check_bounds(records)?;
        let mut flagged = records.to_vec();
        for i in 0..flagged.len() {
            let e = &flagged[i];
            let in_batch: i64 = flagged[..i]
                .iter()
                .filter(|p| {
                    (p.department_id, &p.category, Period::month_of(p.day))
                        == (e.department_id, &e.category, Period::month_of(e.day))
                })
                .fold(0, |sum, p| sum.saturating_add(p.amount_cents));
            let (budget, spent) = self.budget_and_spent(e).await?;
            flagged[i].over_budget = expense::over_budget(
                budget,
                Cents(spent.saturating_add(in_batch)),
                Cents(e.amount_cents),
            );
        }
        self.write_records(viewer, &flagged).await
    }

    /// The budget of the claim's department, month and category, and what was claimed there
    /// already (returned claims do not count).
    pub(super) async fn budget_and_spent(&mut self, e: &Expense) -> Result<(Option<Cents>, i64)> {
        let month = Period::month_of(e.day);
        let mut sql = Sql::new("SELECT amount_cents FROM budgets WHERE department_id = ");
        sql.bind(e.department_id)
            .push(" AND period = ")
            .bind(month.to_string())
            .push(" AND category = ")
            .bind(e.category.as_str());
        let budget: Vec<(i64,)> = self.fetch_all(&sql).await?;
        let mut sql = Sql::new(
            "SELECT CAST(COALESCE(SUM(amount_cents), 0) AS BIGINT) FROM expenses WHERE department_id = ",
        );
        sql.bind(e.department_id)
            .push(" AND category = ")
            .bind(e.category.as_str());
        sql.push(" AND day >= ")
            .bind(month.start())
            .push(" AND day < ")
            .bind(month.end_exclusive());
        sql.push(" AND status NOT IN ('manager_returned', 'finance_returned')");
        // A stored claim does not count against itself; a new one has nothing to exclude.
        if e.id != 0 {
            sql.push(" AND id <> ").bind(e.id);
        }
        let spent: Vec<(i64,)> = self.fetch_all(&sql).await?;
        Ok((
            budget.first().map(|b| Cents(b.0)),
            spent.first().map_or(0, |s| s.0),
        ))
    }

    /// The funnel's common part: scope, rules, then insert the new and replace the stored.
    async fn write_records<T: StoredRecord>(
        &mut self,
        viewer: &Viewer,
        records: &[T],
    ) -> Result<u64> {
        viewer
            .role
            .may_write(T::SPEC.kind)
            .map_err(StoreError::Forbidden)?;
        for r in records {
            if let Some(v) = r.violations().into_iter().next() {
                return Err(StoreError::Invalid {
                    field: v.field.into(),
                    message: v.message,
                });
            }
        }
        check_bounds(records)?;
        check_start_states(records)?;
        self.check_in_scope(viewer, records.iter().filter_map(ImportRecord::owner))
            .await?;
        self.check_parents_in_scope(viewer, records).await?;
        self.touch_records(records.iter()).await?;
        if records.iter().all(|r| r.record_id() == 0) {
            return self.insert_new_rows(records).await;
        }
        let (new, stored): (Vec<&T>, Vec<&T>) = records.iter().partition(|r| r.record_id() == 0);
        let mut n = self.insert_new_rows(&new).await?;
        for r in stored {
            n += self.replace(viewer, r).await?;
        }
        Ok(n)
    }

    /// Marks the KPI roll-up buckets the records fall in: their person and the month of every
    /// date and instant they carry (see `crate::rollup`).
    async fn touch_records<'a, T: StoredRecord>(
        &mut self,
        records: impl Iterator<Item = &'a T>,
    ) -> Result<()> {
        if T::SPEC.kind == "order_credits" {
            return self.touch_credited_orders(records).await;
        }
        let Some(kind) = RecordKind::parse(T::SPEC.kind) else {
            return Ok(());
        };
        // The stored values, not the cells of the import path: no serialisation per record.
        let mut months = BTreeSet::new();
        let mut vals = Vec::with_capacity(T::COLUMNS.len());
        for r in records {
            let Some(owner) = r.owner() else { continue };
            vals.clear();
            r.values(&mut vals);
            for v in &vals {
                match v {
                    Val::Date(Some(d)) => {
                        months.insert((owner, Period::month_of(*d)));
                    }
                    Val::Time(Some(t)) => {
                        for d in crate::rollup::local_days(t.date_naive()) {
                            months.insert((owner, Period::month_of(d)));
                        }
                    }
                    _ => {}
                }
            }
        }
        self.touch_rollup_months(kind, &months).await
    }

    /// Split credit changes the credited sums of its order's month for the order's owner and
    /// for the credited people.
    async fn touch_credited_orders<'a, T: StoredRecord>(
        &mut self,
        records: impl Iterator<Item = &'a T>,
    ) -> Result<()> {
        let order_col = T::SPEC.column("order_id").map(|(i, _)| i);
        let mut credited: Vec<(i64, i64)> = Vec::new();
        for r in records {
            let cells = row::to_cells(T::SPEC, r);
            if let (Some(Cell::Int(order)), Some(emp)) =
                (order_col.and_then(|i| cells.get(i)), r.owner())
            {
                credited.push((*order, emp));
            }
        }
        if credited.is_empty() {
            return Ok(());
        }
        let mut sql = Sql::new("SELECT id, employee_id, day FROM orders WHERE id IN ");
        sql.bind_list(credited.iter().map(|c| c.0));
        let orders: Vec<(i64, i64, chrono::NaiveDate)> = self.fetch_all(&sql).await?;
        let mut touched = BTreeSet::new();
        for (id, owner, day) in orders {
            touched.insert((owner, day));
            for (_, emp) in credited.iter().filter(|c| c.0 == id) {
                touched.insert((*emp, day));
            }
        }
        self.touch_rollups(RecordKind::Orders, &touched).await
    }

    /// Marks the roll-up buckets of stored record `id` of `spec`: called before and after an
    /// `UPDATE` that does not go through the funnel (a contract or expense step, a derived
    /// customer class), so the KPIs that read the changed fields follow.
    pub(super) async fn touch_stored_id(&mut self, spec: &KindSpec, id: i64) -> Result<()> {
        let mut sql = Sql::new(&format!(
            "SELECT {} FROM {} t WHERE t.id = ",
            json_columns(spec),
            spec.table
        ));
        sql.bind(id);
        let rows: Vec<(String,)> = self.fetch_all(&sql).await?;
        if let Some(v) = rows.first().and_then(|r| serde_json::from_str(&r.0).ok()) {
            self.touch_stored(spec, &v).await?;
        }
        Ok(())
    }

    /// Marks the buckets a stored record (as read for the audit log) falls in, before it
    /// changes: its old person and days may differ from the new ones.
    async fn touch_stored(&mut self, spec: &KindSpec, before: &serde_json::Value) -> Result<()> {
        let Some(kind) = RecordKind::parse(spec.kind) else {
            return Ok(());
        };
        let text = |field: &str| {
            before
                .get(field)
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        };
        let Some(owner) = text(spec.owner).and_then(|o| o.parse::<i64>().ok()) else {
            return Ok(());
        };
        let touched: BTreeSet<(i64, chrono::NaiveDate)> = spec
            .columns
            .iter()
            .filter(|c| matches!(c.ty, Ty::Date | Ty::Time))
            .filter_map(|c| text(c.field))
            .filter_map(|v| v.get(..10)?.parse().ok())
            .map(|d| (owner, d))
            .collect();
        self.touch_rollups(kind, &touched).await
    }

    /// Fails unless every employee in `owners` is within the viewer's data scope. Someone
    /// outside it is "not found", as on reads, so ids cannot be probed.
    pub(crate) async fn check_in_scope(
        &mut self,
        viewer: &Viewer,
        owners: impl Iterator<Item = i64>,
    ) -> Result<()> {
        if viewer.scope() == Scope::All {
            return Ok(());
        }
        let wanted: BTreeSet<i64> = owners.collect();
        if wanted.is_empty() {
            return Ok(());
        }
        let mut sql = Sql::new("SELECT e.id FROM employees e WHERE e.id IN ");
        sql.bind_list(wanted.iter().copied());
        viewer.restrict(&mut sql, "e.id");
        let seen: Vec<(i64,)> = self.fetch_all(&sql).await?;
        match wanted.iter().find(|id| !seen.iter().any(|s| s.0 == **id)) {
            Some(id) => Err(StoreError::NotFound {
                entity: "employee",
                key: id.to_string(),
            }),
            None => Ok(()),
        }
    }

    /// Replaces a stored record the viewer can see, auditing the before and the after.
    async fn replace<T: StoredRecord>(&mut self, viewer: &Viewer, record: &T) -> Result<u64> {
        let spec = T::SPEC;
        let id = record.record_id();
        let before = self.stored_json(viewer, spec, id).await?;
        let cells = row::to_cells(spec, record);
        if spec.step_columns().next().is_some() {
            let stored = self.stored_cells(spec, id).await?.unwrap_or_default();
            if let Some((col, message)) = workflow::edit_violations(spec, &stored, &cells)
                .into_iter()
                .next()
            {
                return Err(StoreError::Invalid {
                    field: col.field.into(),
                    message,
                });
            }
        }
        self.touch_stored(spec, &before).await?;
        let mut sql = Sql::new(&format!("UPDATE {} SET ", spec.table));
        for (i, (col, cell)) in spec.columns.iter().zip(&cells).enumerate().skip(1) {
            sql.push(if i > 1 { ", " } else { "" })
                .push(col.field)
                .push(" = ")
                .bind(cells::val(col.ty, cell));
        }
        sql.push(" WHERE id = ").bind(id);
        let n = self.run(&sql).await?;
        let after = serde_json::to_value(record).ok();
        self.audit(viewer, entry("update", spec, id, Some(before), after))
            .await?;
        Ok(n)
    }

    /// The stored record `id` of `spec` as JSON, if the viewer can see it.
    pub(super) async fn stored_json(
        &mut self,
        viewer: &Viewer,
        spec: &KindSpec,
        id: i64,
    ) -> Result<serde_json::Value> {
        let mut sql = Sql::new(&format!("SELECT t.id FROM {} t WHERE t.id = ", spec.table));
        sql.bind(id);
        super::filter::scope(spec, viewer, &mut sql);
        let found: Vec<(i64,)> = self.fetch_all(&sql).await?;
        if found.is_empty() {
            return Err(StoreError::NotFound {
                entity: spec.table,
                key: id.to_string(),
            });
        }
        let mut sql = Sql::new(&format!(
            "SELECT {} FROM {} t WHERE t.id = ",
            json_columns(spec),
            spec.table
        ));
        sql.bind(id);
        let rows: Vec<(String,)> = self.fetch_all(&sql).await?;
        Ok(rows
            .first()
            .and_then(|r| serde_json::from_str(&r.0).ok())
            .unwrap_or_default())
    }

    /// The id the database gave the row this transaction inserted last.
    pub(crate) async fn last_insert_id(&mut self) -> Result<i64> {
        let sql = Sql::new(match self {
            Tx::Sqlite(_) => "SELECT last_insert_rowid()",
            Tx::Postgres(_) => "SELECT lastval()",
        });
        let rows: Vec<(i64,)> = self.fetch_all(&sql).await?;
        Ok(rows.first().map_or(0, |r| r.0))
    }
}

/// Refuses a record with a text longer, an amount larger or a date further out than a person
/// may type ([`limits`]), naming the field: forms and imports check the same per cell, this
/// holds for every other caller of the funnel.
fn check_bounds<T: StoredRecord>(records: &[T]) -> Result<()> {
    let columns: Vec<Option<&Column>> = T::COLUMNS
        .iter()
        .map(|name| T::SPEC.column(name).map(|(_, c)| c))
        .collect();
    let mut vals = Vec::with_capacity(columns.len());
    for r in records {
        vals.clear();
        r.values(&mut vals);
        for (col, v) in columns.iter().zip(&vals) {
            let Some(col) = col else { continue };
            let checked = match v {
                Val::Text(Some(t)) => limits::check_text(col, t),
                Val::Int(Some(c)) if col.ty == Ty::Money => limits::check_cents(*c),
                Val::Date(Some(d)) => limits::check_day(*d),
                Val::Time(Some(t)) => limits::check_day(t.date_naive()),
                _ => Ok(()),
            };
            checked.map_err(|message| StoreError::Invalid {
                field: col.field.into(),
                message,
            })?;
        }
    }
    Ok(())
}

/// Refuses a new record that sets workflow state only steps set ([`workflow`]).
fn check_start_states<T: StoredRecord>(records: &[T]) -> Result<()> {
    if T::SPEC.step_columns().next().is_none() {
        return Ok(());
    }
    for r in records.iter().filter(|r| r.record_id() == 0) {
        let cells = row::to_cells(T::SPEC, r);
        if let Some((col, message)) = workflow::start_violations(T::SPEC, &cells)
            .into_iter()
            .next()
        {
            return Err(StoreError::Invalid {
                field: col.field.into(),
                message,
            });
        }
    }
    Ok(())
}

/// One JSON text of a stored row, for the audit log's "before": each column as text, which
/// reads the same on both backends.
fn json_columns(spec: &KindSpec) -> String {
    let parts: Vec<String> = spec
        .columns
        .iter()
        .map(|c| format!("'\"{0}\":' || COALESCE('\"' || REPLACE(CAST(t.{0} AS TEXT), '\"', '\\\"') || '\"', 'null')", c.field))
        .collect();
    format!("'{{' || {} || '}}'", parts.join(" || ',' || "))
}

/// An audit entry for one record of `spec`.
pub(super) fn entry(
    action: &'static str,
    spec: &'static KindSpec,
    id: i64,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> AuditEntry<'static> {
    AuditEntry {
        action,
        entity: spec.table,
        entity_id: id.to_string(),
        before,
        after,
    }
}
