//! Faults of the machine heal without a restart: a full disk, a read-only database and a lost
//! PostgreSQL connection fail the writes of their moment with a clear 503 (never a 500), the
//! health check says what is wrong, and the next write succeeds once the fault is gone.
//!
//! The disk cases mount a small tmpfs of their own (the tests run as root, as scripts/test
//! does in CI); without the privilege they fail rather than skip. PostgreSQL's full disk runs
//! on a throwaway cluster of its own on such a tmpfs, never on the shared test cluster.

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

/// The repository's `scripts/pg-throwaway`.
fn pg_throwaway(cmd: &str, dir: &Path) -> std::process::Output {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/pg-throwaway");
    Command::new(script)
        .arg(cmd)
        .arg(dir)
        // fsync and synchronous commit on: an acknowledged write has to survive the crash.
        .env("PG_DURABLE", "1")
        .output()
        .expect("running scripts/pg-throwaway")
}

/// A PostgreSQL cluster of this test's own with its data and write-ahead log on a small tmpfs,
/// never the shared cluster of `KAOHE_TEST_POSTGRES_URL`: a full disk can make PostgreSQL
/// shut itself down. Stopped and unmounted when dropped, also when the test fails.
struct PgOnSmallDisk {
    dir: PathBuf,
    admin: String,
    /// Declared last: unmounted after `drop` has stopped the cluster.
    disk: SmallDisk,
}

impl PgOnSmallDisk {
    fn start(mb: u32) -> Self {
        let disk = SmallDisk::mount(mb);
        let dir = disk.path().join("pg");
        let out = pg_throwaway("start", &dir);
        let pg = PgOnSmallDisk {
            admin: String::from_utf8_lossy(&out.stdout).trim().to_string(),
            dir,
            disk,
        };
        assert!(
            out.status.success(),
            "starting PostgreSQL on a {mb} MB tmpfs: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        pg
    }

    /// What an operator does once space is back and PostgreSQL stayed down: `pg_ctl restart`.
    fn restart(&self) {
        let out = pg_throwaway("restart", &self.dir);
        assert!(
            out.status.success(),
            "restarting PostgreSQL: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// The last lines of PostgreSQL's log, for the report of a failed assertion.
    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    /// Whether the server refuses connections (its postmaster has exited) within `wait`; a
    /// server in crash recovery answers "starting up", which is not down.
    async fn is_down_within(&self, wait: std::time::Duration) -> bool {
        use sqlx::Connection;
        let until = std::time::Instant::now() + wait;
        while std::time::Instant::now() < until {
            match sqlx::PgConnection::connect(&self.admin).await {
                Err(sqlx::Error::Io(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                    return true;
                }
                Ok(c) => {
                    let _ = c.close().await;
                }
                Err(_) => {}
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        false
    }
}

impl Drop for PgOnSmallDisk {
    fn drop(&mut self) {
        let _ = pg_throwaway("stop", &self.dir);
    }
}

/// Makes PostgreSQL move its write-ahead log on to a new segment (`pg_switch_wal`): the next
/// record written has to go there. With `and_flush`, a checkpoint writes one at once and
/// waits for it on disk, so that the segment is made now (while there is space for it)
/// rather than by the WAL writer a moment later. `admin` was connected before the disk filled
/// up: on a full disk a new connection can fail ("could not write init file").
async fn switch_wal(admin: &mut sqlx::PgConnection, and_flush: bool) {
    sqlx::query("SELECT pg_switch_wal()")
        .execute(&mut *admin)
        .await
        .unwrap();
    if and_flush {
        sqlx::query("CHECKPOINT")
            .execute(&mut *admin)
            .await
            .unwrap();
    }
}

/// Drops the catalog cache file (`pg_internal.init`) of the database at `url`, as a VACUUM of
/// `pg_class` does: the next connection to it has to write the file anew.
async fn drop_catalog_cache_file(url: &str) {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    sqlx::query("VACUUM pg_class")
        .execute(&mut conn)
        .await
        .unwrap();
    let _ = conn.close().await;
}

/// One write through the JSON API: its status, body and `Retry-After`.
struct Attempt {
    status: StatusCode,
    body: Value,
    retry_after: Option<String>,
}

/// The `n`th call of the rep's: every `n` a different minute, so no two are the same call.
async fn call_no(
    app: &support::TestApp,
    rep: &reqwest::Client,
    csrf: &str,
    code: &str,
    n: u32,
) -> Attempt {
    let call = json!({"employee_id": code,
        "started_at": format!("2026-11-20 {:02}:{:02}", 8 + n / 60, n % 60),
        "direction": "outbound", "duration_s": 30, "outcome": "connected"});
    let resp = rep
        .post(app.url("/api/records/calls"))
        .header("x-csrf-token", csrf)
        .json(&call)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let retry_after = resp
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .map(|v| v.to_str().unwrap().to_string());
    let body = resp.json().await.unwrap_or(Value::Null);
    Attempt {
        status,
        body,
        retry_after,
    }
}

/// A refused write is a 503 saying that nothing was saved and when to try again.
fn assert_refused(a: &Attempt, what: &str) {
    assert_eq!(
        a.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{what}: {}",
        a.body
    );
    assert!(a.retry_after.is_some(), "{what}: a 503 says when to retry");
    let msg = a.body["error"].as_str().unwrap_or_default();
    assert!(msg.contains("nothing was saved"), "{what}: {msg}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_on_a_full_disk_refuses_writes_with_503_and_takes_them_again_once_space_is_freed()
{
    use sqlx::Connection;
    if std::env::var(kaohe_testkit::SKIP_PG_ENV).as_deref() == Ok("1") {
        eprintln!("PostgreSQL test skipped ({}=1)", kaohe_testkit::SKIP_PG_ENV);
        return;
    }
    let pg = PgOnSmallDisk::start(128);
    let app = support::spawn_small_demo(kaohe_testkit::postgres_on(&pg.admin).await).await;
    let (rep, me, csrf) = signed_in_rep(&app).await;
    let code = call_of(&app, &me, 0).await["employee_id"]
        .as_str()
        .unwrap()
        .to_string();
    let count = |table: &'static str| {
        let store = app.store.clone();
        async move {
            let sql = kaohe_store::Sql::new(&format!("SELECT COUNT(*) FROM {table}"));
            store.fetch_i64(&sql).await.unwrap()
        }
    };
    let (calls_before, audit_before) = (count("calls").await, count("audit_log").await);
    let mut stored = Vec::new();
    let mut n = 0;

    // 1. The disk fills while PostgreSQL runs: a write that fits into a page with room is
    // still stored, the first that has to grow a file is refused (SQLSTATE 53100), and
    // PostgreSQL stays up. A fresh segment of write-ahead log first, so that these writes do
    // not need another one (that is part 2).
    let mut admin = sqlx::PgConnection::connect(&pg.admin).await.unwrap();
    switch_wal(&mut admin, true).await;
    drop_catalog_cache_file(&app.db.url).await;
    let ballast = pg.disk.fill();
    let refused = loop {
        let a = call_no(&app, &rep, &csrf, &code, n).await;
        n += 1;
        match a.status {
            StatusCode::CREATED => stored.push(a.body["id"].as_i64().unwrap()),
            _ => break a,
        }
        assert!(n < 400, "400 calls written on a full disk");
    };
    assert_refused(&refused, "a write on a full disk");
    let msg = refused.body["error"].as_str().unwrap();
    assert!(msg.contains("disk is full"), "{msg}\n{}", pg.log_tail());
    let (status, body) = health(&app).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["reason"], "the database's disk is full", "{body}");
    let read = rep.get(app.url("/api/employees")).send().await.unwrap();
    assert_eq!(read.status(), StatusCode::OK, "reads go on on a full disk");

    // A connection opened on the full disk fails as it starts: PostgreSQL cannot write the
    // catalog cache file the VACUUM above dropped ("could not write init file", SQLSTATE
    // XX000). kaohe's connections are cut, so that its pool has to open new ones.
    let name = app.db.url.rsplit('/').next().unwrap();
    sqlx::query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1")
        .bind(name)
        .execute(&mut admin)
        .await
        .unwrap();
    let a = call_no(&app, &rep, &csrf, &code, n).await;
    n += 1;
    assert_refused(&a, "a write on a new connection on a full disk");
    let (status, body) = health(&app).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    let reasons = [
        "the database's storage failed (I/O error)",
        "the database's disk is full",
    ];
    assert!(
        reasons.contains(&body["reason"].as_str().unwrap()),
        "{body}"
    );

    std::fs::remove_file(&ballast).unwrap();
    let a = call_no(&app, &rep, &csrf, &code, n).await;
    n += 1;
    assert_eq!(
        a.status,
        StatusCode::CREATED,
        "once space is back: {}",
        a.body
    );
    stored.push(a.body["id"].as_i64().unwrap());
    let (status, body) = health(&app).await;
    assert_eq!(
        (status, &body["write"]),
        (StatusCode::OK, &json!("ok")),
        "{body}"
    );

    // 2. The disk fills again and the write-ahead log moves on to a new segment, which
    // PostgreSQL cannot create: the next write PANICs it (the write answers 503), and its
    // crash recovery cannot write either, so it shuts down and stays down.
    let ballast = pg.disk.fill();
    let crashed = loop {
        switch_wal(&mut admin, false).await;
        let a = call_no(&app, &rep, &csrf, &code, n).await;
        n += 1;
        match a.status {
            // The next segment was still in stock: switch once more.
            StatusCode::CREATED if n < 400 => stored.push(a.body["id"].as_i64().unwrap()),
            _ => break a,
        }
    };
    assert_refused(&crashed, "the write that meets the full write-ahead log");
    let msg = crashed.body["error"].as_str().unwrap();
    assert!(
        msg.contains("the connection to the database broke") || msg.contains("disk is full"),
        "{msg}"
    );
    assert!(
        pg.is_down_within(std::time::Duration::from_secs(10)).await,
        "PostgreSQL is expected to shut down when its crash recovery cannot write:\n{}",
        pg.log_tail()
    );
    eprintln!("PostgreSQL's log:\n{}", pg.log_tail());
    // Meanwhile a write and the health check say that the connection broke, after the pool's
    // acquire timeout of 10 s (the pool keeps trying in case the server is restarting).
    let (a, (status, body)) = tokio::join!(call_no(&app, &rep, &csrf, &code, n), health(&app));
    n += 1;
    assert_refused(&a, "a write while PostgreSQL is down");
    let msg = a.body["error"].as_str().unwrap();
    assert!(
        msg.contains("the connection to the database broke"),
        "{msg}"
    );
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(
        body["reason"], "the connection to the database broke",
        "{body}"
    );

    // The operator frees space and restarts PostgreSQL; kaohe is not restarted.
    std::fs::remove_file(&ballast).unwrap();
    pg.restart();
    let a = call_no(&app, &rep, &csrf, &code, n).await;
    assert_eq!(
        a.status,
        StatusCode::CREATED,
        "after PostgreSQL's restart: {}",
        a.body
    );
    stored.push(a.body["id"].as_i64().unwrap());
    let (status, body) = health(&app).await;
    assert_eq!(
        (status, &body["write"]),
        (StatusCode::OK, &json!("ok")),
        "{body}"
    );

    // 3. Nothing acknowledged was lost, nothing refused is there, not even in part.
    let mut ids = kaohe_store::Sql::new("SELECT COUNT(*) FROM calls WHERE id IN ");
    ids.bind_list(stored.iter().copied());
    assert_eq!(
        app.store.fetch_i64(&ids).await.unwrap(),
        stored.len() as i64
    );
    let added = stored.len() as i64;
    assert_eq!(count("calls").await, calls_before + added, "calls");
    assert_eq!(
        count("audit_log").await,
        audit_before + added,
        "audit entries"
    );
}
