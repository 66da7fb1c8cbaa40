//! Opening a database: where it is, which backend, how it is tuned, and its migrations.

use crate::error::StoreError;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, PgPool, SqlitePool};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

/// Where the data lives, parsed from `--db` / `KAOHE_DATABASE_URL`: a file path, a
/// `sqlite://` URL or a `postgres://` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbLocation {
    /// An embedded SQLite database file.
    Sqlite(PathBuf),
    /// A PostgreSQL server (the URL as given).
    Postgres(String),
}

impl DbLocation {
    /// Parses a location. Anything that is not a URL is a file path.
    pub fn parse(text: &str) -> Result<Self, StoreError> {
        let bad = |reason: &str| StoreError::BadLocation {
            location: text.into(),
            reason: reason.into(),
        };
        let t = text.trim();
        if t.is_empty() {
            return Err(bad("empty"));
        }
        if t.starts_with("postgres://") || t.starts_with("postgresql://") {
            PgConnectOptions::from_str(t)
                .map_err(|e| bad(&format!("not a valid PostgreSQL URL ({e})")))?;
            return Ok(DbLocation::Postgres(t.to_string()));
        }
        if let Some(rest) = t.strip_prefix("sqlite:") {
            let path = rest.trim_start_matches("//");
            let path = path.split('?').next().unwrap_or(path);
            if path.is_empty() || path == ":memory:" {
                return Err(bad(
                    "kaohe needs a database file, not an in-memory database",
                ));
            }
            return Ok(DbLocation::Sqlite(PathBuf::from(path)));
        }
        if let Some((scheme, _)) = t.split_once("://") {
            return Err(bad(&format!(
                "unsupported scheme `{scheme}` (use a file path, sqlite:// or postgres://)"
            )));
        }
        Ok(DbLocation::Sqlite(PathBuf::from(t)))
    }

    /// A printable form with any password removed.
    pub fn redacted(&self) -> String {
        match self {
            DbLocation::Sqlite(p) => p.display().to_string(),
            DbLocation::Postgres(url) => redact_password(url),
        }
    }
}

fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    match rest.split_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{scheme}://{user}@{host}")
        }
        None => url.to_string(),
    }
}

/// The connection pools of an open database.
#[derive(Debug, Clone)]
pub enum Backend {
    /// SQLite: one writer connection (writes are serialised anyway; one connection avoids
    /// lock upgrades failing under WAL) and several readers.
    Sqlite {
        write: SqlitePool,
        read: SqlitePool,
        path: PathBuf,
    },
    /// PostgreSQL: one pool.
    Postgres(PgPool),
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static PG_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// Opens (creating if needed) and migrates a database.
pub async fn open(location: &DbLocation) -> Result<Backend, StoreError> {
    let backend = match location {
        DbLocation::Sqlite(path) => open_sqlite(path).await?,
        DbLocation::Postgres(url) => open_pg(url, location).await?,
    };
    migrate(&backend, location).await?;
    Ok(backend)
}

/// Opens (creating if needed) a database migrated no further than `last` (its number): the
/// state an older kaohe left, for tests of the upgrade to the later migrations.
#[doc(hidden)]
pub async fn open_until(location: &DbLocation, last: i64) -> Result<Backend, StoreError> {
    let backend = match location {
        DbLocation::Sqlite(path) => open_sqlite(path).await?,
        DbLocation::Postgres(url) => open_pg(url, location).await?,
    };
    let until = |all: &sqlx::migrate::Migrator| sqlx::migrate::Migrator {
        migrations: all
            .iter()
            .filter(|m| m.version <= last)
            .cloned()
            .collect::<Vec<_>>()
            .into(),
        ignore_missing: false,
        locking: true,
        no_tx: false,
    };
    let result = match &backend {
        Backend::Sqlite { write, .. } => until(&SQLITE_MIGRATIONS).run(write).await,
        Backend::Postgres(pool) => until(&PG_MIGRATIONS).run(pool).await,
    };
    result.map_err(|e| StoreError::Migrate {
        location: location.redacted(),
        reason: migrate_reason(&e),
    })?;
    Ok(backend)
}

async fn open_sqlite(path: &Path) -> Result<Backend, StoreError> {
    let location = path.display().to_string();
    if let Some(dir) = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty() && !d.is_dir())
    {
        let reason = format!("directory {} does not exist", dir.display());
        return Err(StoreError::Open { location, reason });
    }
    // synchronous=FULL: a commit is on disk before it is acknowledged, so neither a killed
    // process nor a power cut loses an acknowledged write.
    let opts = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10))
        .pragma("cache_size", "-65536")
        .pragma("temp_store", "memory")
        // Rows travel from SQLite's worker thread in batches of this size: the default (50)
        // costs a thread hand-over per 50 rows, which dominated reading roll-ups at scale.
        .row_buffer_size(1024)
        // A scan of a month of records is expected to take seconds at scale: log it as
        // information (visible with KAOHE_LOG=info), not as a warning on every evaluation.
        .log_slow_statements(log::LevelFilter::Info, Duration::from_secs(2));
    let open_err = |e: sqlx::Error| StoreError::Open {
        location: location.clone(),
        reason: sqlite_reason(&e),
    };
    let write = SqlitePoolOptions::new()
        .max_connections(1)
        .after_release(|conn, _| Box::pin(async move { Ok(sqlite_is_clean(conn).await) }))
        .connect_with(opts.clone())
        .await
        .map_err(open_err)?;
    let read = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(opts.read_only(true).create_if_missing(false))
        .await
        .map_err(open_err)?;
    Ok(Backend::Sqlite {
        write,
        read,
        path: path.to_path_buf(),
    })
}

/// Whether the writer connection came back ready for the next transaction. After a failed
/// commit (a full disk, an I/O error) SQLite has already rolled the transaction back itself, so
/// the rollback sqlx sends on drop fails and sqlx still counts the transaction as open: every
/// later `BEGIN` on that connection was refused ("begin_with at non-zero transaction depth")
/// until the process restarted. Such a connection is closed instead; the pool opens a new one.
/// The ping runs behind the queued rollback, so the count it reads is final.
async fn sqlite_is_clean(conn: &mut sqlx::SqliteConnection) -> bool {
    use sqlx::Connection;
    let clean = conn.ping().await.is_ok() && !conn.is_in_transaction();
    if !clean {
        tracing::warn!("the database writer was left inside a failed transaction; reconnecting");
    }
    clean
}

fn sqlite_reason(e: &sqlx::Error) -> String {
    let text = e.to_string();
    if text.contains("file is not a database") {
        "the file is not a SQLite database or is corrupt".into()
    } else if text.contains("unable to open database file") || text.contains("readonly") {
        "the file cannot be created or written (check the path and its permissions)".into()
    } else {
        text
    }
}

async fn open_pg(url: &str, location: &DbLocation) -> Result<Backend, StoreError> {
    let opts = PgConnectOptions::from_str(url)
        .map_err(|e| StoreError::BadLocation {
            location: location.redacted(),
            reason: e.to_string(),
        })?
        .log_slow_statements(log::LevelFilter::Info, Duration::from_secs(2));
    let pool = PgPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(Duration::from_secs(10))
        // A connection returned inside a transaction (its rollback failed) is closed, not reused.
        .after_release(|conn, _| {
            use sqlx::Connection;
            Box::pin(async move { Ok(!conn.is_in_transaction()) })
        })
        .connect_with(opts)
        .await
        .map_err(|e| StoreError::Open {
            location: location.redacted(),
            reason: e.to_string(),
        })?;
    Ok(Backend::Postgres(pool))
}

/// An error of PostgreSQL's `pool` as the store reports it. The pool waits up to its acquire
/// timeout for a connection; when it timed out with room left in the pool, the wait was for a
/// new connection that the server did not accept (it is down, or starting up after a crash),
/// not for one of ours to come free. That is a broken connection
/// ([`crate::WriteFault::Unreachable`], 503 "the connection to the database broke"), not a
/// busy database ("busy with a long write", which sent people to wait for an import that was
/// not there).
pub fn pg_error(pool: &PgPool, e: sqlx::Error) -> sqlx::Error {
    let room_left = pool.size() < pool.options().get_max_connections();
    match e {
        sqlx::Error::PoolTimedOut if room_left => sqlx::Error::Io(std::io::Error::new(
            std::io::ErrorKind::ConnectionRefused,
            "PostgreSQL accepted no connection within the pool's acquire timeout",
        )),
        other => other,
    }
}

async fn migrate(backend: &Backend, location: &DbLocation) -> Result<(), StoreError> {
    let result = match backend {
        Backend::Sqlite { write, .. } => SQLITE_MIGRATIONS.run(write).await,
        Backend::Postgres(pool) => PG_MIGRATIONS.run(pool).await,
    };
    result.map_err(|e| StoreError::Migrate {
        location: location.redacted(),
        reason: migrate_reason(&e),
    })
}

fn migrate_reason(e: &sqlx::migrate::MigrateError) -> String {
    use sqlx::migrate::MigrateError as M;
    match e {
        M::VersionMissing(v) => format!(
            "the database has migration {v} applied that this kaohe does not know; it was created by a newer kaohe (upgrade kaohe)"
        ),
        M::VersionMismatch(v) => format!(
            "migration {v} was changed after it was applied; the database does not match this kaohe"
        ),
        M::Execute(inner) if inner.to_string().contains("file is not a database") => {
            "the file is not a SQLite database or is corrupt".into()
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_pool_timeout_with_room_left_in_the_pool_is_a_broken_connection_not_a_busy_database()
    {
        // No server is asked: a lazy pool opens nothing until it is used.
        let pool = PgPoolOptions::new()
            .max_connections(2)
            .connect_lazy("postgres://kaohe@127.0.0.1:1/none")
            .unwrap();
        let e = StoreError::Database(pg_error(&pool, sqlx::Error::PoolTimedOut));
        assert_eq!(e.write_fault(), Some(crate::WriteFault::Unreachable));
        assert!(!e.is_busy());
        let other = pg_error(&pool, sqlx::Error::RowNotFound);
        assert!(matches!(other, sqlx::Error::RowNotFound));
    }

    #[test]
    fn a_plain_path_is_a_sqlite_file() {
        assert_eq!(
            DbLocation::parse("./kaohe-demo.db").unwrap(),
            DbLocation::Sqlite("./kaohe-demo.db".into())
        );
        assert_eq!(
            DbLocation::parse("sqlite:///tmp/x.db").unwrap(),
            DbLocation::Sqlite("/tmp/x.db".into())
        );
        assert_eq!(
            DbLocation::parse("sqlite://data/x.db?mode=rwc").unwrap(),
            DbLocation::Sqlite("data/x.db".into())
        );
    }

    #[test]
    fn a_postgres_url_is_kept_and_its_password_hidden_when_printed() {
        let loc = DbLocation::parse("postgres://kaohe:secret@127.0.0.1:5432/kaohe").unwrap();
        assert_eq!(loc.redacted(), "postgres://kaohe@127.0.0.1:5432/kaohe");
    }

    #[test]
    fn unknown_schemes_and_memory_databases_are_refused_with_a_reason() {
        let e = DbLocation::parse("mysql://x@y/z").unwrap_err().to_string();
        assert!(e.contains("unsupported scheme `mysql`"), "{e}");
        assert!(DbLocation::parse("sqlite::memory:").is_err());
        assert!(DbLocation::parse("").is_err());
        assert!(DbLocation::parse("postgres://host:notaport/db").is_err());
    }
}
