//! Fresh databases for tests: a new SQLite file in a temporary directory, and a new database
//! on the throwaway PostgreSQL cluster that `scripts/test` starts (its URL in
//! `KAOHE_TEST_POSTGRES_URL`). Each test gets its own, so tests never see each other's rows.

#[cfg(feature = "browser")]
pub mod browser;

use kaohe_store::Store;
use rand::Rng;
use sqlx::Connection;
use std::path::PathBuf;

/// The variable holding the admin URL of the test PostgreSQL cluster.
pub const PG_ENV: &str = "KAOHE_TEST_POSTGRES_URL";
/// Set to `1` to run without PostgreSQL (then PostgreSQL tests are reported as skipped).
pub const SKIP_PG_ENV: &str = "KAOHE_TEST_SKIP_POSTGRES";

/// A database made for one test. Keeps its temporary directory alive.
pub struct TestDb {
    /// The location text accepted by `--db`.
    pub url: String,
    /// `"sqlite"` or `"postgres"`.
    pub backend: &'static str,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    /// Opens (and migrates) the database.
    pub async fn open(&self) -> Store {
        Store::open_str(&self.url)
            .await
            .unwrap_or_else(|e| panic!("opening {}: {e}", self.url))
    }

    /// The SQLite file, when this is SQLite.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        (self.backend == "sqlite").then(|| PathBuf::from(&self.url))
    }
}

/// A new, empty SQLite database file.
pub fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().expect("temporary directory");
    let url = dir
        .path()
        .join("kaohe-test.db")
        .to_string_lossy()
        .into_owned();
    TestDb {
        url,
        backend: "sqlite",
        _dir: Some(dir),
    }
}

/// A SQLite database file at `path` (in a directory the test made, such as a small
/// filesystem of its own); the test removes it.
pub fn sqlite_at(path: &std::path::Path) -> TestDb {
    TestDb {
        url: path.to_string_lossy().into_owned(),
        backend: "sqlite",
        _dir: None,
    }
}

/// A new, empty PostgreSQL database on the test cluster; `None` only when PostgreSQL tests
/// are explicitly skipped. Without the cluster and without the skip flag, the test fails:
/// a PostgreSQL test must never pass by not running.
pub async fn postgres() -> Option<TestDb> {
    let admin = match std::env::var(PG_ENV) {
        Ok(u) => u,
        Err(_) if std::env::var(SKIP_PG_ENV).as_deref() == Ok("1") => {
            eprintln!("PostgreSQL test skipped ({SKIP_PG_ENV}=1)");
            return None;
        }
        Err(_) => panic!(
            "{PG_ENV} is not set: run the tests with scripts/test, which starts PostgreSQL (or set {SKIP_PG_ENV}=1)"
        ),
    };
    Some(postgres_on(&admin).await)
}

/// A new, empty PostgreSQL database on the cluster of `admin` (an admin URL naming a
/// database), such as a throwaway cluster a test started for itself.
pub async fn postgres_on(admin: &str) -> TestDb {
    let name = format!("kaohe_t_{:016x}", rand::thread_rng().r#gen::<u64>());
    let mut conn = sqlx::PgConnection::connect(admin)
        .await
        .expect("connecting to the test PostgreSQL cluster");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .expect("creating a test database");
    conn.close().await.ok();
    let base = admin
        .rsplit_once('/')
        .map(|(b, _)| b)
        .expect("the admin URL names a database");
    TestDb {
        url: format!("{base}/{name}"),
        backend: "postgres",
        _dir: None,
    }
}

/// One fresh database per backend: SQLite, then PostgreSQL (unless skipped).
pub async fn every_backend() -> Vec<TestDb> {
    let mut out = vec![sqlite()];
    out.extend(postgres().await);
    out
}

/// Small organisations for tests: one department (id 1), one position (id 1) and people.
pub mod fixtures {
    use chrono::NaiveDate;
    use kaohe_domain::org::{Department, Employee, EmploymentStatus, Position};
    use kaohe_store::Store;

    /// Department 1.
    pub fn department() -> Department {
        Department {
            id: 1,
            code: "TS".into(),
            name: "电话销售部".into(),
            name_en: "Telesales".into(),
            kind: "telesales".into(),
            parent_id: None,
        }
    }

    /// Position 1, assessed by `scheme`.
    pub fn position(code: &str, scheme: &str) -> Position {
        Position {
            id: 1,
            code: code.into(),
            name: "电话销售专员".into(),
            name_en: "Telesales specialist".into(),
            scheme_code: Some(scheme.into()),
        }
    }

    /// A regular employee of department 1 and position 1, hired 2026-01-01, numbered `E<id>`.
    pub fn employee(id: i64, name: &str) -> Employee {
        Employee {
            id,
            code: format!("E{id:03}"),
            name: name.into(),
            phone: String::new(),
            email: String::new(),
            department_id: 1,
            team_id: None,
            position_id: 1,
            level_id: None,
            supervisor_id: None,
            status: EmploymentStatus::Regular,
            hired_on: NaiveDate::from_ymd_opt(2026, 1, 1).expect("a date"),
            regular_on: None,
            left_on: None,
        }
    }

    /// Imports `csv` as records of `spec` as the system, through the store's import (the
    /// path `kaohe import` and the web upload take), in the company's UTC+8; panics with the
    /// report when the file is refused.
    pub async fn import_csv(
        store: &Store,
        spec: &'static kaohe_domain::import::spec::KindSpec,
        csv: &str,
    ) {
        let zone = chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8");
        let opts = kaohe_store::records::ImportOptions {
            file_name: "test.csv",
            sha256: None,
            dry_run: false,
            zone: &zone,
            progress: &|_| {},
        };
        let mut rows = kaohe_domain::import::files::CsvRows::new(csv.as_bytes());
        let viewer = kaohe_store::Viewer::system("test");
        if let Err(e) = store.import(&viewer, spec, &mut rows, &opts).await {
            panic!("{}: {e:?}", spec.kind);
        }
    }

    /// Inserts department 1, position 1 (with `scheme`) and `people`, in one transaction.
    pub async fn organisation(store: &Store, scheme: &str, people: &[Employee]) {
        let mut tx = store.begin().await.expect("a transaction");
        tx.insert_rows(&[department()]).await.expect("department");
        tx.insert_rows(&[position("tele", scheme)])
            .await
            .expect("position");
        tx.insert_rows(people).await.expect("people");
        tx.sync_id_sequences(&["departments", "positions", "employees"])
            .await
            .expect("sequences");
        tx.commit().await.expect("commit");
    }
}
