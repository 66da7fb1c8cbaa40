//! Faults of the machine heal without a restart: a full disk, a read-only database and a lost
//! PostgreSQL connection fail the writes of their moment with a clear 503 (never a 500), the
//! health check says what is wrong, and the next write succeeds once the fault is gone.
//!
//! The SQLite cases mount a small tmpfs of their own (the tests run as root, as scripts/test
//! does in CI); without the privilege they fail rather than skip.

mod support;

use reqwest::StatusCode;
use serde_json::{Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A tmpfs of `mb` megabytes mounted on a fresh directory, unmounted when dropped.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(mb: u32) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={mb}m"), "tmpfs"])
            .arg(dir.path())
            .output()
            .expect("running mount");
        assert!(
            out.status.success(),
            "mounting a {mb} MB tmpfs needs root (scripts/test runs as root): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        SmallDisk { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn remount(&self, mode: &str) {
        let out = Command::new("mount")
            .args(["-o", &format!("remount,{mode}")])
            .arg(self.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Writes a file until the disk is full; answers its path.
    fn fill(&self) -> PathBuf {
        let path = self.path().join("filler");
        let mut f = std::fs::File::create(&path).unwrap();
        let chunk = vec![0u8; 1 << 20];
        loop {
            match f.write_all(&chunk) {
                Ok(()) => {}
                Err(e) if e.raw_os_error() == Some(28) => break,
                Err(e) => panic!("filling the disk: {e}"),
            }
        }
        // The last partial megabyte: fill the disk to the byte.
        for size in [4096usize, 512, 1] {
            while f.write_all(&vec![0u8; size]).is_ok() {}
        }
        path
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

/// Empties the SQLite write-ahead log into the database and truncates it, so that the next
/// commit has to grow the log on disk.
async fn truncate_wal(db: &Path) {
    use sqlx::Connection;
    let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut c)
        .await
        .unwrap();
    c.close().await.unwrap();
}

/// A call of the rep's, as the JSON API takes it.
async fn call_of(app: &support::TestApp, me: &Value, minute: u32) -> Value {
    let code = app
        .store
        .employee(
            &kaohe_store::Viewer::system("t"),
            me["employee_id"].as_i64().unwrap(),
        )
        .await
        .unwrap()
        .code;
    json!({"employee_id": code, "started_at": format!("2026-11-20 10:{minute:02}"),
           "direction": "outbound", "duration_s": 30, "outcome": "connected"})
}

async fn record_call(
    app: &support::TestApp,
    rep: &reqwest::Client,
    csrf: &str,
    call: &Value,
) -> (StatusCode, Value) {
    let resp = rep
        .post(app.url("/api/records/calls"))
        .header("x-csrf-token", csrf)
        .json(call)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn health(app: &support::TestApp) -> (StatusCode, Value) {
    let resp = reqwest::get(app.url("/healthz")).await.unwrap();
    (resp.status(), resp.json().await.unwrap())
}

async fn signed_in_rep(app: &support::TestApp) -> (reqwest::Client, Value, String) {
    let rep = app.sign_in("rep", "kaohe-demo").await;
    let me = app.me(&rep).await;
    let csrf = me["csrf_token"].as_str().unwrap().to_string();
    (rep, me, csrf)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_fails_writes_with_503_and_writes_succeed_again_once_space_is_freed() {
    let disk = SmallDisk::mount(256);
    let file = disk.path().join("kaohe.db");
    let app = support::spawn_demo(kaohe_testkit::sqlite_at(&file)).await;
    let (rep, me, csrf) = signed_in_rep(&app).await;
    assert_eq!(health(&app).await.0, StatusCode::OK);

    let count = || async {
        app.store
            .fetch_i64(&kaohe_store::Sql::new("SELECT COUNT(*) FROM calls"))
            .await
            .unwrap()
    };
    let before = count().await;
    truncate_wal(&file).await;
    let filler = disk.fill();
    for minute in 0..3 {
        let (status, body) =
            record_call(&app, &rep, &csrf, &call_of(&app, &me, minute).await).await;
        assert_eq!(
            status,
            StatusCode::SERVICE_UNAVAILABLE,
            "write {minute} on a full disk: {body}"
        );
        let msg = body["error"].as_str().unwrap_or_default();
        assert!(
            msg.contains("disk is full") && msg.contains("nothing was saved"),
            "{msg}"
        );
    }
    let (status, body) = health(&app).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["reason"], "the database's disk is full", "{body}");

    std::fs::remove_file(filler).unwrap();
    let (status, body) = record_call(&app, &rep, &csrf, &call_of(&app, &me, 30).await).await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "the first write after freeing space: {body}"
    );
    let (status, body) = health(&app).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["write"], "ok", "{body}");
    // The calls refused on the full disk are not there; the one after is.
    assert_eq!(count().await, before + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_started_on_a_read_only_database_is_not_reported_healthy() {
    let disk = SmallDisk::mount(256);
    let file = disk.path().join("kaohe.db");
    let db = kaohe_testkit::sqlite_at(&file);
    // Made by another process, so that nothing of this one holds the file open.
    let init = Command::new(env!("CARGO_BIN_EXE_kaohe"))
        .args(["init", "--db"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        init.status.success(),
        "{}",
        String::from_utf8_lossy(&init.stderr)
    );
    disk.remount("ro");
    // Opening may refuse at once (the clearest answer); if it opens, it must not say healthy.
    match kaohe_store::Store::open_str(&db.url).await {
        Err(e) => {
            let msg = e.to_string();
            eprintln!("refused at open: {msg}");
            assert!(
                msg.contains("kaohe.db"),
                "the error names the database: {msg}"
            );
        }
        Ok(store) => {
            let generator =
                kaohe_gen::Generator::new(kaohe_gen::GenConfig::demo(1, support::test_today()));
            let app = support::spawn(db, store, generator, |s| s).await;
            let (status, body) = health(&app).await;
            eprintln!("opened; health: {status} {body}");
            assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
            assert_eq!(body["reason"], "the database is read-only", "{body}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_connections_killed_under_a_running_server_are_replaced_and_writes_go_on() {
    let Some(db) = kaohe_testkit::postgres().await else {
        return;
    };
    let name = db.url.rsplit('/').next().unwrap().to_string();
    let app = support::spawn_demo(db).await;
    let (rep, me, csrf) = signed_in_rep(&app).await;
    let (status, _) = record_call(&app, &rep, &csrf, &call_of(&app, &me, 1).await).await;
    assert_eq!(status, StatusCode::CREATED);

    use sqlx::Connection;
    let admin = std::env::var(kaohe_testkit::PG_ENV).unwrap();
    let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
    let killed: Vec<(bool,)> = sqlx::query_as(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
    )
    .bind(&name)
    .fetch_all(&mut conn)
    .await
    .unwrap();
    assert!(!killed.is_empty(), "the server had connections to kill");

    // Every write after the kill is either stored or refused with a clear 503, and within a
    // few attempts they are stored again.
    let mut stored = 0;
    for minute in 2..6 {
        let (status, body) =
            record_call(&app, &rep, &csrf, &call_of(&app, &me, minute).await).await;
        match status {
            StatusCode::CREATED => stored += 1,
            StatusCode::SERVICE_UNAVAILABLE => assert!(stored == 0, "{body}"),
            other => panic!("a write after the connections were killed: {other} {body}"),
        }
    }
    assert!(
        stored >= 3,
        "writes go on after the connections were replaced"
    );
    assert_eq!(health(&app).await.0, StatusCode::OK);
}
