//! Web import jobs in the database: the state and outcome of an import started from the
//! browser, so that reloading the page finds it, and a server that stopped while an import ran
//! reports it as interrupted instead of forgetting it (its transaction never committed, so
//! nothing of it was written). Live progress (rows read) stays in the web process: on SQLite
//! the import holds the one writer, so progress could not be written while it runs anyway.

use crate::sql::Sql;
use crate::{Result, Store};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// One stored import job.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ImportJobRow {
    pub id: i64,
    pub user_id: i64,
    pub kind: String,
    pub file_name: String,
    /// `running`, `done`, `rejected`, `failed` or `interrupted`.
    pub state: String,
    pub rows_estimate: i64,
    pub rows_done: Option<i64>,
    /// The error report as JSON (a rejected file).
    pub report: Option<String>,
    pub error: Option<String>,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// Why an interrupted job stopped, as its error.
pub const INTERRUPTED: &str =
    "the server stopped during this import; nothing of it was written — import the file again";

impl Store {
    /// Records a job that starts now; returns its id.
    pub async fn start_import_job(
        &self,
        user_id: i64,
        kind: &str,
        file_name: &str,
        rows_estimate: i64,
    ) -> Result<i64> {
        let mut tx = self.begin().await?;
        let mut sql = Sql::new(
            "INSERT INTO import_jobs (user_id, kind, file_name, state, rows_estimate, started_at) VALUES (",
        );
        sql.bind(user_id)
            .push(", ")
            .bind(kind)
            .push(", ")
            .bind(file_name)
            .push(", 'running', ")
            .bind(rows_estimate)
            .push(", ")
            .bind(Utc::now())
            .push(")");
        tx.run(&sql).await?;
        let id = tx.last_insert_id().await?;
        tx.commit_bookkeeping().await?;
        Ok(id)
    }

    /// Records a running job's outcome (`done`, `rejected` or `failed`).
    pub async fn finish_import_job(
        &self,
        id: i64,
        state: &str,
        rows_done: Option<i64>,
        report: Option<String>,
        error: Option<String>,
    ) -> Result<()> {
        let mut sql = Sql::new("UPDATE import_jobs SET state = ");
        sql.bind(state)
            .push(", rows_done = ")
            .bind(rows_done)
            .push(", report = ")
            .bind(report)
            .push(", error = ")
            .bind(error)
            .push(", finished_at = ")
            .bind(Utc::now())
            .push(" WHERE id = ")
            .bind(id)
            .push(" AND state = 'running'");
        self.execute_bookkeeping(&sql).await?;
        Ok(())
    }

    /// The job `id` if `user_id` started it.
    pub async fn import_job(&self, id: i64, user_id: i64) -> Result<Option<ImportJobRow>> {
        let mut sql = Sql::new(
            "SELECT id, user_id, kind, file_name, state, rows_estimate, rows_done, report, error, started_at, finished_at FROM import_jobs WHERE id = ",
        );
        sql.bind(id).push(" AND user_id = ").bind(user_id);
        self.fetch_optional(&sql).await
    }

    /// Marks every job still `running` as `interrupted`: called when a server starts, when no
    /// import of an earlier process can still be running. Returns how many.
    pub async fn interrupt_running_import_jobs(&self) -> Result<u64> {
        let mut sql = Sql::new("UPDATE import_jobs SET state = 'interrupted', error = ");
        sql.bind(INTERRUPTED)
            .push(", finished_at = ")
            .bind(Utc::now())
            .push(" WHERE state = 'running'");
        self.execute(&sql).await
    }
}
