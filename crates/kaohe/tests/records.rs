//! `kaohe export` and `kaohe import` as a person runs them, on SQLite and PostgreSQL: the files
//! read back (CSV and xlsx) with the expected cells, an export imported into a fresh database
//! gives the same rows, and a rep's export holds only the rep's rows.

use kaohe_domain::import::files::{CsvRows, RowSource, XlsxRows};
use kaohe_testkit::{TestDb, every_backend};
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn kaohe(db: &TestDb, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kaohe"))
        .env_remove("KAOHE_DATABASE_URL")
        .env_remove("KAOHE_CONFIG")
        .env("KAOHE_LOG", "error")
        .env("KAOHE_PASSWORD", "secret-pass-1")
        .arg("--db")
        .arg(&db.url)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn read_all(src: &mut dyn RowSource) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut buf = Vec::new();
    while src.next_row(&mut buf).unwrap() {
        rows.push(buf.clone());
    }
    rows
}

fn csv(path: &Path) -> Vec<Vec<String>> {
    read_all(&mut CsvRows::new(std::fs::File::open(path).unwrap()))
}

fn xlsx(path: &Path) -> Vec<Vec<String>> {
    read_all(&mut XlsxRows::new(std::fs::File::open(path).unwrap()).unwrap())
}

/// Every row without its first (ID) cell.
fn without_ids(rows: &[Vec<String>]) -> Vec<Vec<String>> {
    rows.iter().map(|r| r[1..].to_vec()).collect()
}

const GEN: &[&str] = &[
    "gen",
    "--staff",
    "20",
    "--months",
    "1",
    "--calls-per-day",
    "2",
    "--end",
    "2026-10-31",
];

#[tokio::test]
async fn exports_read_back_round_trip_into_a_fresh_database_and_respect_scopes() {
    let dir = tempfile::tempdir().unwrap();
    let file = |name: &str| dir.path().join(name);
    let path = |name: &str| file(name).to_string_lossy().into_owned();
    for (source, fresh) in every_backend().await.into_iter().zip(every_backend().await) {
        let backend = source.backend;
        ok(kaohe(&source, GEN));
        ok(kaohe(
            &source,
            &[
                "export",
                "calls",
                "--period",
                "2026-10",
                "-o",
                &path("calls.csv"),
            ],
        ));
        ok(kaohe(
            &source,
            &[
                "export",
                "calls",
                "--period",
                "2026-10",
                "-o",
                &path("calls.xlsx"),
            ],
        ));
        let from_csv = csv(&file("calls.csv"));
        let from_xlsx = xlsx(&file("calls.xlsx"));
        assert!(
            from_csv[0][0].ends_with("ID") && from_csv[0][1] == "工号",
            "{backend}: {:?}",
            from_csv[0]
        );
        assert!(from_csv.len() > 10, "{backend}");
        assert_eq!(from_xlsx.len(), from_csv.len(), "{backend}");
        assert_eq!(from_xlsx[1][1], from_csv[1][1], "{backend}");
        assert_eq!(from_xlsx[1][4], from_csv[1][4], "{backend}: the start time");
        assert!(
            ["呼入", "呼出"].contains(&from_csv[1][5].as_str()),
            "{backend}: {:?}",
            from_csv[1]
        );

        // The same company, generated afresh, without its calls: the export brings them back.
        ok(kaohe(&fresh, GEN));
        let store = fresh.open().await;
        store
            .execute(&kaohe_store::Sql::new("DELETE FROM calls"))
            .await
            .unwrap();
        ok(kaohe(&fresh, &["import", "calls", &path("calls.csv")]));
        ok(kaohe(
            &fresh,
            &[
                "export",
                "calls",
                "--period",
                "2026-10",
                "-o",
                &path("again.csv"),
            ],
        ));
        assert_eq!(
            without_ids(&csv(&file("again.csv"))),
            without_ids(&from_csv),
            "{backend}: CSV round trip"
        );
        store
            .execute(&kaohe_store::Sql::new("DELETE FROM calls"))
            .await
            .unwrap();
        ok(kaohe(&fresh, &["import", "calls", &path("calls.xlsx")]));
        ok(kaohe(
            &fresh,
            &[
                "export",
                "calls",
                "--period",
                "2026-10",
                "-o",
                &path("again.csv"),
            ],
        ));
        assert_eq!(
            without_ids(&csv(&file("again.csv"))),
            without_ids(&from_csv),
            "{backend}: xlsx round trip"
        );
        store.close().await;

        // A rep's export holds the rep's rows only.
        let code = from_csv[1][1].clone();
        ok(kaohe(
            &source,
            &[
                "user",
                "add",
                "--username",
                "rep-x",
                "--role",
                "rep",
                "--employee",
                &code,
            ],
        ));
        ok(kaohe(
            &source,
            &[
                "export",
                "calls",
                "--as",
                "rep-x",
                "--lang",
                "en",
                "-o",
                &path("mine.csv"),
            ],
        ));
        let mine = csv(&file("mine.csv"));
        assert_eq!(mine[0][1], "employee");
        assert!(
            mine.len() > 1 && mine[1..].iter().all(|r| r[1] == code),
            "{backend}"
        );
    }
}

#[tokio::test]
async fn a_refused_import_prints_every_error_with_row_and_column_and_json_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "工号,开始时间,方向,通话时长(秒),结果\nNOBODY,2026-10-08 09:00,呼出,abc,接通\n",
    )
    .unwrap();
    let bad = bad.to_string_lossy().into_owned();
    for db in every_backend().await {
        ok(kaohe(&db, GEN));
        // In the configured language (zh-CN by default), every reason in Chinese …
        let out = kaohe(&db, &["import", "calls", &bad]);
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("第 2 行，列 通话时长(秒)，内容 `abc`：不是整数"),
            "{err}"
        );
        assert!(
            err.contains("第 2 行，列 工号，内容 `NOBODY`：员工（工号） 不存在"),
            "{err}"
        );
        let out = kaohe(&db, &["import", "calls", &bad, "--json"]);
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(report["errors"][0]["reason"], "不是整数");
        // … and in English on request.
        let out = kaohe(&db, &["import", "calls", &bad, "--lang", "en"]);
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("row 2, column 通话时长(秒), value `abc`: not a whole number"),
            "{err}"
        );
        assert!(
            err.contains("row 2, column 工号, value `NOBODY`: unknown employee"),
            "{err}"
        );
        let out = kaohe(&db, &["import", "calls", &bad, "--json", "--lang", "en"]);
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(report["total"], 2);
        assert_eq!(report["errors"][0]["row"], 2);
    }
}
