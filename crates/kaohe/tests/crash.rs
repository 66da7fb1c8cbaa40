//! Crash safety of the real binary on SQLite (the embedded default, where kaohe itself holds
//! the database): API writes streamed from several clients while the server is killed with
//! SIGKILL at random moments, and an import killed midway. After every kill the database
//! passes SQLite's integrity check, every acknowledged write is there exactly once with its
//! audit entry and its roll-up marks settled, and nothing of a killed import is left.
//!
//! The test command runs `KILLS` (default 10) kills; `KAOHE_CRASH_KILLS=50` is the documented
//! long run (docs/reliability.md).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const WRITERS: usize = 3;

fn kaohe(db: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kaohe"));
    for var in [
        "KAOHE_DATABASE_URL",
        "KAOHE_CONFIG",
        "KAOHE_PORT",
        "KAOHE_BIND",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("KAOHE_LOG", "error").arg("--db").arg(db);
    cmd
}

fn ok(cmd: &mut Command) -> String {
    let out = cmd.stdin(Stdio::null()).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// One value of an SQL query, through the sqlite3 CLI (independent of kaohe's own code).
fn sql(db: &Path, query: &str) -> String {
    let out = Command::new("sqlite3").arg(db).arg(query).output().unwrap();
    assert!(
        out.status.success(),
        "{query}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A small company with an admin account and its API token.
fn company(dir: &Path) -> (PathBuf, String, String) {
    let db = dir.join("k.db");
    ok(kaohe(&db).args([
        "gen",
        "--staff",
        "12",
        "--months",
        "1",
        "--calls-per-day",
        "5",
        "--end",
        "2026-11-20",
    ]));
    ok(kaohe(&db)
        .args(["user", "add", "--username", "crash", "--role", "admin"])
        .env("KAOHE_PASSWORD", "crash-test-pw"));
    let token = ok(kaohe(&db).args(["user", "token", "--username", "crash", "--name", "crash"]));
    let employee = sql(
        &db,
        "SELECT code FROM employees WHERE status <> 'left' ORDER BY id LIMIT 1",
    );
    (db, token, employee)
}

fn serve(db: &Path) -> (Child, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = kaohe(db)
        .args(["serve", "--port", &port.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.contains("listening"), "{line}");
    (child, port)
}

/// A pseudo-random number (no dependency for it; the seed is printed on failure).
fn next(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

/// Streams call records until the server dies; returns those acknowledged: marker → id.
async fn stream_calls(
    port: u16,
    token: String,
    employee: String,
    first_marker: u64,
    acked: Arc<Mutex<BTreeMap<u64, i64>>>,
) -> u64 {
    let client = reqwest::Client::new();
    let mut marker = first_marker;
    loop {
        // The marker is the duration, unique per write across the whole test.
        let body = serde_json::json!({
            "employee_id": employee,
            "started_at": format!("2026-11-{:02} 10:{:02}", 1 + marker % 20, marker % 60),
            "direction": "outbound",
            "duration_s": marker,
            "outcome": "connected",
        });
        let sent = client
            .post(format!("http://127.0.0.1:{port}/api/records/calls"))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await;
        let Ok(resp) = sent else { return marker };
        let status = resp.status();
        let Ok(v) = resp.json::<serde_json::Value>().await else {
            return marker;
        };
        assert_eq!(status, 201, "{v}");
        let id = v["id"].as_i64().expect("the new id");
        acked.lock().unwrap().insert(marker, id);
        marker += WRITERS as u64;
    }
}

/// What must hold after every kill.
fn check_after_kill(db: &Path, acked: &BTreeMap<u64, i64>, base: i64) {
    assert_eq!(sql(db, "PRAGMA integrity_check"), "ok");
    assert_eq!(sql(db, "PRAGMA foreign_key_check"), "");
    let present: BTreeMap<u64, i64> = sql(
        db,
        &format!("SELECT duration_s, id FROM calls WHERE id > {base} ORDER BY duration_s"),
    )
    .lines()
    .map(|l| {
        let (d, id) = l.split_once('|').unwrap();
        (d.parse().unwrap(), id.parse().unwrap())
    })
    .collect();
    for (marker, id) in acked {
        assert_eq!(
            present.get(marker),
            Some(id),
            "acknowledged write {marker} (id {id}) is lost"
        );
    }
    let rows: i64 = sql(db, &format!("SELECT COUNT(*) FROM calls WHERE id > {base}"))
        .parse()
        .unwrap();
    assert_eq!(rows as usize, present.len(), "a write was applied twice");
    // A record without its audit entry, or roll-up marks left behind, would be half a write.
    let unaudited = sql(
        db,
        &format!(
            "SELECT COUNT(*) FROM calls c WHERE c.id > {base} AND NOT EXISTS \
             (SELECT 1 FROM audit_log a WHERE a.entity = 'calls' AND a.action = 'create' \
              AND a.entity_id = CAST(c.id AS TEXT))"
        ),
    );
    assert_eq!(unaudited, "0", "records without their audit entry");
    assert_eq!(sql(db, "SELECT COUNT(*) FROM rollup_dirty"), "0");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_sigkill_and_a_killed_import_leaves_nothing() {
    let kills: u64 = std::env::var("KAOHE_CRASH_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let dir = tempfile::tempdir().unwrap();
    let (db, token, employee) = company(dir.path());
    let base: i64 = sql(&db, "SELECT COALESCE(MAX(id), 0) FROM calls")
        .parse()
        .unwrap();
    let acked = Arc::new(Mutex::new(BTreeMap::new()));
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64 ^ u64::from(std::process::id());
    let started = Instant::now();
    let mut next_marker = 1u64;
    for kill in 0..kills {
        let (mut child, port) = serve(&db);
        let writers: Vec<_> = (0..WRITERS as u64)
            .map(|w| {
                tokio::spawn(stream_calls(
                    port,
                    token.clone(),
                    employee.clone(),
                    next_marker + w,
                    acked.clone(),
                ))
            })
            .collect();
        let after = Duration::from_millis(100 + next(&mut seed) % 900);
        tokio::time::sleep(after).await;
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let mut last = next_marker;
        for w in writers {
            last = last.max(w.await.unwrap());
        }
        next_marker = last + WRITERS as u64;
        let acked = acked.lock().unwrap().clone();
        check_after_kill(&db, &acked, base);
        eprintln!(
            "kill {}/{kills} after {after:?}: {} writes acknowledged so far",
            kill + 1,
            acked.len()
        );
    }
    let acked = acked.lock().unwrap().len();
    assert!(
        acked as u64 >= kills,
        "the writers got too few writes through ({acked}) to prove anything"
    );
    eprintln!(
        "{kills} kills, {acked} acknowledged writes, all present once, in {:?}",
        started.elapsed()
    );

    // An import killed midway: nothing of it is present.
    let calls_before = sql(&db, "SELECT COUNT(*) FROM calls");
    let batches_before = sql(&db, "SELECT COUNT(*) FROM import_batches");
    let file = dir.path().join("calls.csv");
    let mut csv = String::from("工号,开始时间,方向,通话时长(秒),结果\n");
    for i in 0..300_000 {
        csv.push_str(&format!(
            "{employee},2026-11-{:02} 09:{:02}:{:02},呼出,{},接通\n",
            1 + i % 20,
            i % 60,
            (i / 60) % 60,
            i % 900
        ));
    }
    std::fs::write(&file, csv).unwrap();
    let mut import = kaohe(&db)
        .args(["import", "calls"])
        .arg(&file)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Killed once it is under way (the file read and checked, batches written), well before
    // it can finish: 300,000 rows take the debug build far longer than this.
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        import.try_wait().unwrap().is_none(),
        "the import finished before it could be killed"
    );
    import.kill().unwrap();
    import.wait().unwrap();
    assert_eq!(sql(&db, "PRAGMA integrity_check"), "ok");
    assert_eq!(sql(&db, "SELECT COUNT(*) FROM calls"), calls_before);
    assert_eq!(
        sql(&db, "SELECT COUNT(*) FROM import_batches"),
        batches_before
    );
}

/// `kaohe backup` of the live database while clients write: each copy passes the integrity
/// check, holds every write acknowledged before it started, and no half of any write; and
/// kaohe runs on it as restored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backups_taken_under_write_load_restore_to_a_consistent_state() {
    let dir = tempfile::tempdir().unwrap();
    let (db, token, employee) = company(dir.path());
    let base: i64 = sql(&db, "SELECT COALESCE(MAX(id), 0) FROM calls")
        .parse()
        .unwrap();
    let acked = Arc::new(Mutex::new(BTreeMap::new()));
    let (mut child, port) = serve(&db);
    let writers: Vec<_> = (0..WRITERS as u64)
        .map(|w| {
            tokio::spawn(stream_calls(
                port,
                token.clone(),
                employee.clone(),
                1 + w,
                acked.clone(),
            ))
        })
        .collect();
    let mut copies = 0;
    for round in 0..5 {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let before = acked.lock().unwrap().clone();
        let copy = dir.path().join(format!("backup-{round}.db"));
        let out = kaohe(&db)
            .args(["backup", "-o"])
            .arg(&copy)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // Restored: the copy is a database of its own; kaohe opens and reads it.
        check_after_kill(&copy, &before, base);
        let restored = dir.path().join(format!("restored-{round}.db"));
        std::fs::copy(&copy, &restored).unwrap();
        ok(kaohe(&restored).args(["evaluate", "--period", "2026-11", "--format", "json"]));
        copies += 1;
        eprintln!(
            "backup {round}: {} writes acknowledged before it, all in it",
            before.len()
        );
    }
    child.kill().unwrap();
    child.wait().unwrap();
    for w in writers {
        w.await.unwrap();
    }
    let total = acked.lock().unwrap().len();
    assert!(total > 50, "too few writes under load: {total}");
    assert_eq!(copies, 5);
}

/// `kaohe backup` writes nothing to the live database, so another process's long write (here
/// the sqlite3 shell holding SQLite's write lock) neither holds it up nor is disturbed by it.
#[test]
fn a_backup_runs_while_another_process_holds_the_write_lock() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _, _) = company(dir.path());
    let mut shell = Command::new("sqlite3")
        .arg(&db)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = shell.stdin.take().unwrap();
    use std::io::Write;
    writeln!(
        input,
        "BEGIN IMMEDIATE; UPDATE settings SET value = value; SELECT 'locked';"
    )
    .unwrap();
    let mut line = String::new();
    BufReader::new(shell.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "locked");
    let started = Instant::now();
    let copy = dir.path().join("copy.db");
    ok(kaohe(&db).args(["backup", "-o"]).arg(&copy));
    // SQLite's busy timeout is 10 s: a backup that needed the lock would wait that long and fail.
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    writeln!(input, "COMMIT;").unwrap();
    drop(input);
    assert!(shell.wait().unwrap().success());
    assert_eq!(sql(&copy, "PRAGMA integrity_check"), "ok");
    assert_eq!(
        sql(&copy, "SELECT COUNT(*) FROM employees"),
        sql(&db, "SELECT COUNT(*) FROM employees")
    );
}
