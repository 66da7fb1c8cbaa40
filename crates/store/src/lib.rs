//! kaohe's storage: the schema and migrations for SQLite and PostgreSQL, bulk loading, the
//! queries the web layer and the CLI share, data scopes and the audit log.
//!
//! One API for both backends: each query is written once and dispatched to the backend's
//! pool by [`on_read!`] / [`on_write!`], so both run natively typed statements.

pub mod admin;
pub mod audit;
pub mod awards;
pub mod backup;
pub mod boards;
pub mod bonus;
pub mod bonus_bases;
pub mod calendar;
pub mod credit;
pub mod cycle;
pub mod db;
pub mod error;
pub mod evaluate;
pub mod export;
pub mod finance;
pub mod generation;
pub mod import_jobs;
pub mod ladder;
pub mod library;
pub mod meetings;
pub mod org;
pub mod records;
pub mod rollup;
pub mod rows;
pub mod scope;
pub mod settings;
pub mod sql;
pub mod stats;
pub mod training;
pub mod tx;
pub mod users;
pub mod val;

pub use db::{Backend, DbLocation};
pub use error::{StoreError, WriteFault};
pub use scope::Viewer;
pub use sql::Sql;
pub use tx::Tx;

use std::sync::{Arc, RwLock};

/// Result of a storage operation.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// An open kaohe database.
#[derive(Debug, Clone)]
pub struct Store {
    backend: Backend,
    location: DbLocation,
    library_cache: Arc<RwLock<Option<library::LibraryVersion>>>,
    builds: Arc<rollup::Builds>,
}

/// Runs `$body` (a `Result` of sqlx) with `$pool` bound to the backend's pool for reads; on
/// PostgreSQL its error passes through [`db::pg_error`].
#[macro_export]
macro_rules! on_read {
    ($store:expr, $pool:ident => $body:expr) => {
        match $store.backend() {
            $crate::Backend::Sqlite { read: $pool, .. } => $body,
            $crate::Backend::Postgres($pool) => ($body).map_err(|e| $crate::db::pg_error($pool, e)),
        }
    };
}

/// Runs `$body` (a `Result` of sqlx) with `$pool` bound to the backend's pool for writes; on
/// PostgreSQL its error passes through [`db::pg_error`].
#[macro_export]
macro_rules! on_write {
    ($store:expr, $pool:ident => $body:expr) => {
        match $store.backend() {
            $crate::Backend::Sqlite { write: $pool, .. } => $body,
            $crate::Backend::Postgres($pool) => ($body).map_err(|e| $crate::db::pg_error($pool, e)),
        }
    };
}

impl Store {
    /// Opens the database at `location`, creating and migrating it as needed.
    pub async fn open(location: &DbLocation) -> Result<Self> {
        let backend = db::open(location).await?;
        let store = Store {
            backend,
            location: location.clone(),
            library_cache: Arc::default(),
            builds: Arc::default(),
        };
        store.pack_pending_cards().await?;
        Ok(store)
    }

    /// [`Store::open`] migrating no further than migration `last`: the database an older
    /// kaohe left, for tests of the upgrade. Nothing but raw SQL should write to it.
    #[doc(hidden)]
    pub async fn open_until(location: &DbLocation, last: i64) -> Result<Self> {
        Ok(Store {
            backend: db::open_until(location, last).await?,
            location: location.clone(),
            library_cache: Arc::default(),
            builds: Arc::default(),
        })
    }

    /// Parses and opens `text` (a file path, `sqlite://` or `postgres://` URL).
    pub async fn open_str(text: &str) -> Result<Self> {
        Self::open(&DbLocation::parse(text)?).await
    }

    /// The backend's pools.
    pub fn backend(&self) -> &Backend {
        &self.backend
    }

    /// Where this database lives.
    pub fn location(&self) -> &DbLocation {
        &self.location
    }

    /// `"sqlite"` or `"postgres"`.
    pub fn backend_name(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite { .. } => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }

    /// Starts a write transaction.
    pub async fn begin(&self) -> Result<Tx> {
        Tx::begin(&self.backend).await
    }

    /// Checks that the database answers (for `/healthz`).
    pub async fn ping(&self) -> Result<()> {
        on_read!(self, pool => sqlx::query("SELECT 1").execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// Checks that the database takes a write (for `/healthz`): a one-row write of the time
    /// into `settings`, committed as bookkeeping, so that no cached read goes stale; on
    /// PostgreSQL also that the database can grow ([`Store::check_space`]). A database on a
    /// full disk, a read-only file or a broken connection fails it; [`StoreError::write_fault`]
    /// says which.
    pub async fn check_writable(&self) -> Result<()> {
        let now = chrono::Utc::now().to_rfc3339();
        let mut sql = Sql::new("INSERT INTO settings (key, value) VALUES ('health.written_at', ");
        sql.bind(now.as_str())
            .push(") ON CONFLICT (key) DO UPDATE SET value = excluded.value");
        self.execute_bookkeeping(&sql).await?;
        self.check_space().await
    }

    /// PostgreSQL: whether the database can take one more page on its disk. On a full disk
    /// PostgreSQL still writes a row into a page that has room (the upsert of
    /// [`Store::check_writable`] keeps succeeding) and refuses only a write that has to grow a
    /// file, so a fresh temporary table takes one row: its first page is new. Rolled back, so
    /// nothing stays. (SQLite appends the upsert to its write-ahead log, which fails on a full
    /// disk once the log has to grow.) Only a fault of the machine fails the check: a database
    /// that does not let kaohe make temporary tables is logged, not reported as unhealthy.
    async fn check_space(&self) -> Result<()> {
        let Backend::Postgres(pool) = &self.backend else {
            return Ok(());
        };
        let probe = async {
            let mut tx = pool.begin().await.map_err(|e| db::pg_error(pool, e))?;
            sqlx::query(
                "CREATE TEMPORARY TABLE kaohe_space_check (page_of INTEGER) ON COMMIT DROP",
            )
            .execute(&mut *tx)
            .await?;
            sqlx::query("INSERT INTO kaohe_space_check VALUES (1)")
                .execute(&mut *tx)
                .await?;
            tx.rollback().await?;
            Ok::<_, StoreError>(())
        };
        match probe.await {
            Err(e) if e.write_fault().is_none() && !e.is_busy() => {
                tracing::warn!(error = %e, "the health check could not test the free space");
                Ok(())
            }
            other => other,
        }
    }

    /// Closes all connections (checkpointing SQLite's WAL).
    pub async fn close(&self) {
        match &self.backend {
            Backend::Sqlite { write, read, .. } => {
                read.close().await;
                write.close().await;
            }
            Backend::Postgres(pool) => pool.close().await,
        }
    }
}
