//! The `kaohe` binary as a person runs it: help, clear one-line errors, the demo, shutdown.

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn kaohe() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kaohe"));
    for var in [
        "KAOHE_DATABASE_URL",
        "KAOHE_CONFIG",
        "KAOHE_PORT",
        "KAOHE_BIND",
        "KAOHE_COMPANY_NAME",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("KAOHE_LOG", "error");
    cmd
}

fn run(cmd: &mut Command) -> Output {
    cmd.stdin(Stdio::null()).output().unwrap()
}

/// A failed command prints exactly one line, starting `error:`, and no backtrace.
fn assert_one_line_error(out: &Output, needle: &str) {
    assert!(!out.status.success(), "should fail");
    let err = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<_> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one line expected, got:\n{err}");
    assert!(
        lines[0].starts_with("error: ") && lines[0].contains(needle),
        "{err}"
    );
    assert!(!err.contains("panicked") && !err.contains("backtrace"));
}

#[test]
fn every_command_has_help() {
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["demo", "--help"],
        vec!["init", "--help"],
        vec!["gen", "--help"],
        vec!["user", "--help"],
        vec!["user", "add", "--help"],
        vec!["backup", "--help"],
    ] {
        let out = run(kaohe().args(&args));
        assert!(out.status.success(), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Usage:"),
            "{args:?}"
        );
    }
}

#[test]
fn bad_database_locations_are_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    assert_one_line_error(
        &run(kaohe().args(["--db", "mysql://u@h/d", "init"])),
        "unsupported scheme `mysql`",
    );
    let missing = dir.path().join("no/such/dir/k.db");
    assert_one_line_error(
        &run(kaohe().arg("--db").arg(&missing).arg("init")),
        "does not exist",
    );
    let corrupt = dir.path().join("corrupt.db");
    std::fs::write(&corrupt, vec![7u8; 4096]).unwrap();
    assert_one_line_error(
        &run(kaohe().arg("--db").arg(&corrupt).arg("init")),
        "not a SQLite database or is corrupt",
    );
    let unreachable = "postgres://kaohe@127.0.0.1:1/kaohe?connect_timeout=2";
    assert_one_line_error(
        &run(kaohe().args(["--db", unreachable, "init"])),
        "cannot open database",
    );
}

#[test]
fn a_database_from_a_newer_kaohe_is_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db");
    assert!(
        run(kaohe().arg("--db").arg(&db).arg("init"))
            .status
            .success()
    );
    let conn = Command::new("sqlite3")
        .arg(&db)
        .arg("INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, execution_time) VALUES (99990101000000, 'future', CURRENT_TIMESTAMP, 1, x'00', 0);")
        .output()
        .unwrap();
    assert!(
        conn.status.success(),
        "{}",
        String::from_utf8_lossy(&conn.stderr)
    );
    assert_one_line_error(
        &run(kaohe().arg("--db").arg(&db).arg("init")),
        "created by a newer kaohe",
    );
}

#[test]
fn a_bad_config_file_names_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("kaohe.toml");
    std::fs::write(&cfg, "company_name = \"X\"\nport = \"eighty\"\n").unwrap();
    let out = run(kaohe()
        .arg("--config")
        .arg(&cfg)
        .arg("--db")
        .arg(dir.path().join("k.db"))
        .arg("init"));
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("kaohe.toml") && err.contains("line 2"),
        "{err}"
    );
    let out = run(kaohe()
        .args(["--time-zone", "Nowhere/City", "--db"])
        .arg(dir.path().join("k.db"))
        .arg("init"));
    assert_one_line_error(&out, "invalid time zone `Nowhere/City`");
}

#[test]
fn a_port_in_use_is_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = run(kaohe()
        .arg("--db")
        .arg(dir.path().join("k.db"))
        .args(["serve", "--port", &port]));
    assert_one_line_error(&out, &format!("port {port} on 127.0.0.1 is already in use"));
}

#[test]
fn demo_creates_the_company_once_and_reuses_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let first = run(kaohe().arg("--db").arg(&db).args(["demo", "--no-serve"]));
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let out = String::from_utf8_lossy(&first.stdout).to_string();
    assert!(out.contains("creating the demo company"), "{out}");
    for role in [
        "rep",
        "clerk",
        "customer_service",
        "team_leader",
        "manager",
        "hr",
        "finance",
        "committee",
        "admin",
    ] {
        assert!(
            out.lines()
                .any(|l| l.split_whitespace().nth(1) == Some(role)),
            "login for {role} listed:\n{out}"
        );
    }
    assert!(out.contains("http://127.0.0.1:8080") && out.contains("kaohe-demo"));
    let second = run(kaohe().arg("--db").arg(&db).args(["demo", "--no-serve"]));
    assert!(second.status.success());
    assert!(String::from_utf8_lossy(&second.stdout).contains("reusing the demo data"));

    // user add: a new account for an existing employee; a wrong role is one clear line.
    let added = run(kaohe()
        .arg("--db")
        .arg(&db)
        .args(["user", "add", "--username", "zhang", "--role", "hr"])
        .env("KAOHE_PASSWORD", "a-long-password"));
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let bad = run(kaohe().arg("--db").arg(&db).args([
        "user",
        "add",
        "--username",
        "li",
        "--role",
        "boss",
        "--password",
        "a-long-password",
    ]));
    assert_one_line_error(&bad, "unknown role `boss`");

    // An administrator's reset, and an API token printed once on stdout.
    let reset = run(kaohe()
        .arg("--db")
        .arg(&db)
        .args(["user", "reset-password", "--username", "zhang"])
        .env("KAOHE_PASSWORD", "another-long-one"));
    assert!(
        reset.status.success(),
        "{}",
        String::from_utf8_lossy(&reset.stderr)
    );
    let short = run(kaohe()
        .arg("--db")
        .arg(&db)
        .args(["user", "reset-password", "--username", "zhang"])
        .env("KAOHE_PASSWORD", "short"));
    assert_one_line_error(&short, "at least 8 characters");
    let nobody = run(kaohe().arg("--db").arg(&db).args([
        "user",
        "token",
        "--username",
        "nobody",
        "--name",
        "x",
    ]));
    assert_one_line_error(&nobody, "no account `nobody`");
    let token = run(kaohe().arg("--db").arg(&db).args([
        "user",
        "token",
        "--username",
        "zhang",
        "--name",
        "BI",
    ]));
    assert!(
        token.status.success(),
        "{}",
        String::from_utf8_lossy(&token.stderr)
    );
    let printed = String::from_utf8_lossy(&token.stdout).trim().to_string();
    assert!(
        printed.starts_with("kh_") && printed.len() > 40,
        "{printed}"
    );

    // backup: a consistent copy that opens and holds the same people.
    let copy = dir.path().join("copy.db");
    assert!(
        run(kaohe()
            .arg("--db")
            .arg(&db)
            .arg("backup")
            .arg("-o")
            .arg(&copy))
        .status
        .success()
    );
    let count = |p: &std::path::Path| {
        let o = Command::new("sqlite3")
            .arg(p)
            .arg("SELECT COUNT(*) FROM employees")
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout).trim().to_string()
    };
    assert_eq!(count(&db), count(&copy));
}

#[test]
fn serve_answers_health_checks_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = kaohe()
        .arg("--db")
        .arg(dir.path().join("k.db"))
        .args(["serve", "--port", &port.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(
        line.contains(&format!("listening on http://127.0.0.1:{port}")),
        "{line}"
    );
    let health = http_get(port, "/healthz");
    assert!(
        health.starts_with("HTTP/1.1 200") && health.contains("\"ok\""),
        "{health}"
    );
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "exit after SIGTERM: {status:?}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "kaohe did not stop after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn http_get(port: u16, path: &str) -> String {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn gen_is_deterministic_for_a_seed_and_refuses_a_database_that_holds_data() {
    let dir = tempfile::tempdir().unwrap();
    let counts = |db: &std::path::Path| {
        let o = Command::new("sqlite3")
            .arg(db)
            .arg("SELECT (SELECT COUNT(*) FROM employees), (SELECT COUNT(*) FROM calls), (SELECT SUM(duration_s) FROM calls), (SELECT SUM(amount_cents) FROM orders)")
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout).trim().to_string()
    };
    let args = [
        "gen",
        "--staff",
        "40",
        "--months",
        "2",
        "--calls-per-day",
        "10",
        "--seed",
        "7",
        "--end",
        "2026-10-31",
    ];
    let (a, b) = (dir.path().join("a.db"), dir.path().join("b.db"));
    for db in [&a, &b] {
        let out = run(kaohe().arg("--db").arg(db).args(args));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("records/s"));
    }
    let ca = counts(&a);
    assert_eq!(ca, counts(&b), "same seed, same data");
    let people: i64 = ca.split('|').next().unwrap().parse().unwrap();
    assert!(people >= 40, "{ca}");
    assert_one_line_error(
        &run(kaohe().arg("--db").arg(&a).args(args)),
        "already holds data",
    );
}
