//! Write transactions over either backend, with bulk inserts of [`Row`] values.

use crate::error::StoreError;
use crate::rows::Row;
use crate::val::{Val, push_pg, push_sqlite};
use crate::{Backend, Result};
use sqlx::{Postgres, QueryBuilder, Sqlite, Transaction};

/// An open write transaction. Dropped without [`Tx::commit`], it rolls back: nothing
/// half-written ever becomes visible.
pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// SQLite allows 32,766 bound values per statement, PostgreSQL 65,535; stay well below both.
const MAX_VALUES_PER_STATEMENT: usize = 30_000;
const MAX_ROWS_PER_STATEMENT: usize = 1_000;

/// What a commit changed, for the cached reads ([`crate::generation`]).
#[derive(Clone, Copy)]
enum Effect {
    Shared,
    Records,
    Import,
    Bookkeeping,
}

/// An import that changes the records of more people than this marks them as changed in bulk
/// ([`crate::generation::people_changed_in_bulk`]); a smaller one (a rep's own file, a team's)
/// as changed at once, like a form.
const IMPORT_IN_BULK_ABOVE: usize = 50;

impl Tx {
    pub(crate) async fn begin(backend: &Backend) -> Result<Self> {
        Ok(match backend {
            // IMMEDIATE takes the write lock up front. A deferred transaction that read first
            // could not take it after another process (a CLI import, a backup) had committed
            // meanwhile: SQLite answers "database is locked" at once, without waiting.
            Backend::Sqlite { write, .. } => Tx::Sqlite(write.begin_with("BEGIN IMMEDIATE").await?),
            Backend::Postgres(pool) => Tx::Postgres(
                pool.begin()
                    .await
                    .map_err(|e| crate::db::pg_error(pool, e))?,
            ),
        })
    }

    /// Commits the transaction, after refreshing the KPI roll-ups its record writes touched
    /// (so records and roll-ups commit together or not at all). Every cached read is stale
    /// afterwards ([`crate::generation`]).
    pub async fn commit(self) -> Result<()> {
        self.finish(Effect::Shared).await
    }

    /// [`Tx::commit`] for a transaction that wrote operational records and nothing shared:
    /// only the cached reads of the people whose roll-ups changed become stale.
    pub async fn commit_records(self) -> Result<()> {
        self.finish(Effect::Records).await
    }

    /// [`Tx::commit_records`] for an import: when it changed the records of many people, their
    /// cached reads may be served while they are rebuilt in the background.
    pub async fn commit_import(self) -> Result<()> {
        self.finish(Effect::Import).await
    }

    /// [`Tx::commit`] for bookkeeping that no cached read shows (the log of import jobs):
    /// cached reads stay current.
    pub async fn commit_bookkeeping(self) -> Result<()> {
        self.finish(Effect::Bookkeeping).await
    }

    async fn finish(mut self, effect: Effect) -> Result<()> {
        let touched = self.refresh_rollups().await?;
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
        }
        match (effect, touched) {
            (Effect::Records, Some(people)) if !people.is_empty() => {
                crate::generation::people_changed(people);
            }
            (Effect::Import, Some(people)) if people.len() > IMPORT_IN_BULK_ABOVE => {
                crate::generation::people_changed_in_bulk(people);
            }
            (Effect::Import, Some(people)) if !people.is_empty() => {
                crate::generation::people_changed(people);
            }
            // Whole months recomputed: records only, but of anybody.
            (Effect::Import, None) => crate::generation::everyone_changed_in_bulk(),
            (Effect::Bookkeeping, Some(people)) if people.is_empty() => {}
            _ => crate::generation::everything_changed(),
        }
        Ok(())
    }

    /// Inserts many rows of one table with multi-row `INSERT`s.
    pub async fn insert_rows<R: Row>(&mut self, rows: &[R]) -> Result<u64> {
        self.insert_rows_keeping(rows, R::COLUMNS.len()).await
    }

    /// Inserts new rows letting the database assign their ids: the `id` column, when the
    /// row type has one first, is left out.
    pub async fn insert_new_rows<R: Row>(&mut self, rows: &[R]) -> Result<u64> {
        if R::COLUMNS.first() == Some(&"id") {
            self.insert_rows_keeping(rows, R::COLUMNS.len() - 1).await
        } else {
            self.insert_rows(rows).await
        }
    }

    /// Inserts the last `kept` columns of each row.
    async fn insert_rows_keeping<R: Row>(&mut self, rows: &[R], kept: usize) -> Result<u64> {
        let columns = &R::COLUMNS[R::COLUMNS.len() - kept..];
        let per_statement = (MAX_VALUES_PER_STATEMENT / kept).clamp(1, MAX_ROWS_PER_STATEMENT);
        let mut inserted = 0;
        let mut values = Vec::with_capacity(per_statement * kept);
        let mut one = Vec::with_capacity(R::COLUMNS.len());
        for chunk in rows.chunks(per_statement) {
            values.clear();
            for row in chunk {
                one.clear();
                row.values(&mut one);
                values.extend(one.drain(R::COLUMNS.len() - kept..));
            }
            inserted += self.insert_values(R::TABLE, columns, &mut values).await?;
        }
        Ok(inserted)
    }

    /// Inserts `values` (a whole number of rows of `columns`) into `table`.
    async fn insert_values(
        &mut self,
        table: &str,
        columns: &[&str],
        values: &mut Vec<Val>,
    ) -> Result<u64> {
        let head = format!("INSERT INTO {table} ({}) ", columns.join(", "));
        let n = columns.len();
        let rows = 0..values.len() / n;
        // The values move into the statement row by row, none copied.
        let mut values = values.drain(..);
        let done = match self {
            Tx::Sqlite(t) => {
                let mut qb = QueryBuilder::<Sqlite>::new(head);
                qb.push_values(rows, |mut b, _| {
                    values.by_ref().take(n).for_each(|v| push_sqlite(&mut b, v))
                });
                qb.build()
                    .execute(&mut **t)
                    .await
                    .map(|d| d.rows_affected())
            }
            Tx::Postgres(t) => {
                let mut qb = QueryBuilder::<Postgres>::new(head);
                qb.push_values(rows, |mut b, _| {
                    values.by_ref().take(n).for_each(|v| push_pg(&mut b, v))
                });
                qb.build()
                    .execute(&mut **t)
                    .await
                    .map(|d| d.rows_affected())
            }
        };
        done.map_err(StoreError::from_write)
    }

    /// After rows were inserted with explicit ids, moves PostgreSQL's identity sequences past
    /// the highest id so that later inserts without an id do not collide. (SQLite needs nothing.)
    pub async fn sync_id_sequences(&mut self, tables: &[&str]) -> Result<()> {
        if let Tx::Postgres(t) = self {
            for table in tables {
                let sql = format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
                );
                sqlx::query(&sql).execute(&mut **t).await?;
            }
        }
        Ok(())
    }

    /// Runs one statement with bound values.
    pub async fn execute(&mut self, sql: &str, vals: Vec<Val>) -> Result<u64> {
        let done = match self {
            Tx::Sqlite(t) => crate::val::bind_all!(sqlx::query(sql), vals)
                .execute(&mut **t)
                .await
                .map(|d| d.rows_affected()),
            Tx::Postgres(t) => crate::val::bind_all!(sqlx::query(sql), vals)
                .execute(&mut **t)
                .await
                .map(|d| d.rows_affected()),
        };
        done.map_err(StoreError::from_write)
    }
}

/// Every table that has an `id` identity column, for [`Tx::sync_id_sequences`].
pub const ID_TABLES: &[&str] = &[
    "departments",
    "positions",
    "levels",
    "employees",
    "teams",
    "assignments",
    "attendance",
    "users",
    "customers",
    "calls",
    "visits",
    "orders",
    "order_lines",
    "order_events",
    "shipments",
    "contracts",
    "contract_steps",
    "receivables",
    "payments",
    "complaints",
    "expenses",
    "expense_steps",
    "reports",
    "documents",
    "credit_assessments",
    "meetings",
    "meeting_decisions",
    "training_courses",
    "training_sessions",
    "training_needs",
    "targets",
    "scorecards",
    "ratings",
    "cycles",
    "cycle_events",
    "improvement_items",
    "appeals",
    "awards",
    "ladder_decisions",
    "level_history",
    "rollup_measures",
    "inbox",
    "outbox",
    "audit_log",
];
