//! The working-day calendar as data, on every backend: the shipped 2026 schedule on a fresh
//! database and an HR edit that survives a restart; CSV and xlsx imports that export back
//! equal; bad rows refused naming row and column, with nothing written; `kaohe calendar
//! list|add|remove|import|export` and its warning for a year without any day; and
//! `/api/calendar` with and without the CSRF token.

mod support;

use kaohe_domain::calendar::DayKind;
use kaohe_domain::import::LocalZone;
use kaohe_domain::import::cell::OutCell;
use kaohe_domain::import::files::{
    CsvRows, CsvWriter, RowSource, TableWriter, XlsxRows, XlsxWriter,
};
use kaohe_domain::import::spec::CALENDAR;
use kaohe_store::records::{CompanyZone, ImportFailure, ImportOptions};
use kaohe_store::{Store, Viewer};
use serde_json::{Value, json};
use std::process::{Command, Output, Stdio};

const PASSWORD: &str = "kaohe-demo";

fn hr() -> Viewer {
    Viewer::system("calendar test")
}

async fn import(
    store: &Store,
    name: &str,
    source: &mut (dyn RowSource + Send),
) -> Result<u64, ImportFailure> {
    let zone = CompanyZone(chrono_tz::Asia::Shanghai);
    let opts = ImportOptions {
        file_name: name,
        sha256: None,
        dry_run: false,
        zone: &zone as &dyn LocalZone,
        progress: &|_| {},
    };
    store
        .import(&hr(), &CALENDAR, source, &opts)
        .await
        .map(|o| o.rows)
}

async fn export_csv(store: &Store, year: i32) -> String {
    let mut w = CsvWriter::new(Vec::new()).unwrap();
    store
        .export_calendar(&hr(), Some(year), true, &mut w)
        .await
        .unwrap();
    String::from_utf8(w.into_inner().unwrap()).unwrap()
}

/// Every row of a source, as text.
fn rows_of(source: &mut dyn RowSource) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut buf = Vec::new();
    while source.next_row(&mut buf).unwrap() {
        out.push(buf.iter().map(|c| c.trim().to_string()).collect());
    }
    out
}

async fn days_of(store: &Store, year: i32) -> Vec<(String, String, String)> {
    store
        .calendar_entries(&hr(), Some(year))
        .await
        .unwrap()
        .into_iter()
        .map(|d| (d.day.to_string(), d.kind, d.name))
        .collect()
}

const CSV_2030: &str = "日期,类型,名称\n2030-01-01,休息日,元旦\n2030/2/2,工作日,春节调休上班\n2030-10-01,holiday,国庆节\n2030-10-12,workday,国庆节调休上班\n";

#[tokio::test]
async fn the_calendar_imports_exports_and_keeps_hr_edits_on_every_backend() {
    for db in kaohe_testkit::every_backend().await {
        let backend = db.backend;
        let store = db.open().await;

        // A fresh database gets the shipped 2026 schedule, once.
        assert_eq!(
            store.install_default_calendar().await.unwrap(),
            39,
            "{backend}"
        );
        let y2026 = days_of(&store, 2026).await;
        assert_eq!(y2026.len(), 39, "{backend}");
        assert!(y2026.contains(&("2026-10-01".into(), "holiday".into(), "国庆节".into())));
        assert!(y2026.contains(&("2026-02-28".into(), "workday".into(), "春节调休上班".into())));
        let first = store
            .audit_entries(Some("holidays"), 1000)
            .await
            .unwrap()
            .len();
        assert_eq!(first, 39, "{backend}: each default day audited");

        // HR removes a day and adds one; a restart does not put the default back.
        store
            .remove_calendar_day(&hr(), chrono::NaiveDate::from_ymd_opt(2026, 10, 7).unwrap())
            .await
            .unwrap();
        let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
        store
            .add_calendar_day(&hr(), day, DayKind::Holiday, "公司年会")
            .await
            .unwrap();
        store.close().await;
        let store = db.open().await;
        assert_eq!(
            store.install_default_calendar().await.unwrap(),
            0,
            "{backend}"
        );
        let after = days_of(&store, 2026).await;
        assert_eq!(after.len(), 39, "{backend}: one removed, one added");
        assert!(!after.iter().any(|d| d.0 == "2026-10-07"), "{backend}");
        assert!(
            after
                .iter()
                .any(|d| d.0 == "2026-12-31" && d.2 == "公司年会")
        );

        // CSV in, CSV out: the same days, Chinese labels and normalised dates.
        let mut src = CsvRows::new(CSV_2030.as_bytes());
        assert_eq!(
            import(&store, "2030.csv", &mut src).await.unwrap(),
            4,
            "{backend}"
        );
        let out = export_csv(&store, 2030).await;
        let expected = "\u{feff}日期,类型,名称\n2030-01-01,休息日,元旦\n2030-02-02,工作日,春节调休上班\n2030-10-01,休息日,国庆节\n2030-10-12,工作日,国庆节调休上班\n";
        assert_eq!(out, expected, "{backend}");
        // The exported file imports again unchanged, and so does a row that renames a day.
        let mut again = CsvRows::new(out.as_bytes());
        assert_eq!(import(&store, "again.csv", &mut again).await.unwrap(), 4);
        assert_eq!(export_csv(&store, 2030).await, expected, "{backend}");

        // xlsx in, xlsx out.
        let mut w = XlsxWriter::new("工作日历").unwrap();
        for row in [
            ["date", "kind", "name"],
            ["2031-01-01", "休息日", "元旦"],
            ["2031-01-04", "工作日", "元旦调休上班"],
        ] {
            let cells: Vec<OutCell> = row.iter().map(|c| OutCell::Text((*c).into())).collect();
            w.write_row(&cells).unwrap();
        }
        let bytes = w.finish().unwrap();
        let mut src = XlsxRows::new(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(
            import(&store, "2031.xlsx", &mut src).await.unwrap(),
            2,
            "{backend}"
        );
        let mut w = XlsxWriter::new("工作日历").unwrap();
        store
            .export_calendar(&hr(), Some(2031), false, &mut w)
            .await
            .unwrap();
        let mut back = XlsxRows::new(std::io::Cursor::new(w.finish().unwrap())).unwrap();
        assert_eq!(
            rows_of(&mut back),
            vec![
                vec!["date", "kind", "name"],
                vec!["2031-01-01", "holiday", "元旦"],
                vec!["2031-01-04", "workday", "元旦调休上班"],
            ],
            "{backend}"
        );

        // Bad rows: every one named by row and column, and nothing written.
        let audits = store
            .audit_entries(Some("holidays"), 1000)
            .await
            .unwrap()
            .len();
        let bad = "日期,类型,名称\n2032-01-01,休息日,元旦\n2032-13-01,休息日,坏日期\n2032-05-01,周末,坏类型\n2032-05-05,工作日,周三调休\n2032-01-01,休息日,重复\n";
        let mut src = CsvRows::new(bad.as_bytes());
        let Err(ImportFailure::Rejected(report)) = import(&store, "bad.csv", &mut src).await else {
            panic!("{backend}: the bad file was accepted");
        };
        let at: Vec<(u64, &str)> = report
            .errors
            .iter()
            .map(|e| (e.row, e.column.as_str()))
            .collect();
        assert_eq!(
            at,
            vec![(3, "日期"), (4, "类型"), (5, "日期"), (6, "日期")],
            "{backend}: {report:?}"
        );
        assert!(report.errors[1].reason.contains("holiday"), "{report:?}");
        assert!(
            report.errors[2].reason.contains("Saturday or Sunday"),
            "{report:?}"
        );
        assert!(report.errors[3].reason.contains("row 2"), "{report:?}");
        assert!(
            days_of(&store, 2032).await.is_empty(),
            "{backend}: nothing written"
        );
        let now = store
            .audit_entries(Some("holidays"), 1000)
            .await
            .unwrap()
            .len();
        assert_eq!(now, audits, "{backend}");
        // Another role may not import the calendar at all.
        let rep = Viewer {
            role: kaohe_domain::roles::Role::Rep,
            ..hr()
        };
        let zone = CompanyZone(chrono_tz::Asia::Shanghai);
        let opts = ImportOptions {
            file_name: "x.csv",
            sha256: None,
            dry_run: false,
            zone: &zone,
            progress: &|_| {},
        };
        let mut src = CsvRows::new(CSV_2030.as_bytes());
        assert!(
            store
                .import(&rep, &CALENDAR, &mut src, &opts)
                .await
                .is_err(),
            "{backend}"
        );
        // A year without any day is reported as a gap.
        let from = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let to = chrono::NaiveDate::from_ymd_opt(2027, 1, 31).unwrap();
        assert_eq!(store.calendar_gaps(from, to).await.unwrap(), vec![2027]);
    }
}

fn kaohe() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kaohe"));
    for var in [
        "KAOHE_DATABASE_URL",
        "KAOHE_CONFIG",
        "KAOHE_PORT",
        "KAOHE_BIND",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("KAOHE_LOG", "error");
    cmd
}

fn run(db: &str, args: &[&str]) -> Output {
    kaohe()
        .arg("--db")
        .arg(db)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn kaohe_calendar_lists_adds_removes_imports_and_exports_on_every_backend() {
    for db in kaohe_testkit::every_backend().await {
        let (backend, url) = (db.backend, db.url.as_str());
        let dir = tempfile::tempdir().unwrap();
        ok(&run(url, &["init"]));
        let list = ok(&run(url, &["calendar", "list", "--year", "2026"]));
        assert_eq!(list.lines().count(), 39, "{backend}: {list}");
        assert!(
            list.contains("2026-10-01  holiday  国庆节"),
            "{backend}: {list}"
        );

        ok(&run(url, &["calendar", "remove", "--day", "2026-10-07"]));
        ok(&run(
            url,
            &[
                "calendar",
                "add",
                "--day",
                "2026-11-28",
                "--kind",
                "工作日",
                "--name",
                "调休",
            ],
        ));
        // A weekday is no make-up day; an unknown kind and a day twice are refused.
        let weekday = run(
            url,
            &[
                "calendar",
                "add",
                "--day",
                "2026-11-25",
                "--kind",
                "workday",
            ],
        );
        assert!(!weekday.status.success(), "{backend}");
        assert!(String::from_utf8_lossy(&weekday.stderr).contains("day"));
        let unknown = run(
            url,
            &["calendar", "add", "--day", "2026-11-29", "--kind", "周末"],
        );
        assert!(String::from_utf8_lossy(&unknown.stderr).contains("--kind"));
        let twice = run(
            url,
            &[
                "calendar",
                "add",
                "--day",
                "2026-11-28",
                "--kind",
                "workday",
            ],
        );
        assert!(String::from_utf8_lossy(&twice.stderr).contains("already"));

        // Opening again (a restart) keeps the edits.
        ok(&run(url, &["init"]));
        let list = ok(&run(url, &["calendar", "list", "--year", "2026"]));
        assert!(!list.contains("2026-10-07"), "{backend}");
        assert!(list.contains("2026-11-28  workday  调休"), "{backend}");

        // Export, import into 2033 after a rename, read back.
        let csv = dir.path().join("cal.csv");
        std::fs::write(
            &csv,
            "date,kind,name\n2033-01-01,休息日,元旦\n2033-01-08,工作日,调休\n",
        )
        .unwrap();
        ok(&run(url, &["calendar", "import", csv.to_str().unwrap()]));
        let out = dir.path().join("out.xlsx");
        ok(&run(
            url,
            &[
                "calendar",
                "export",
                "-o",
                out.to_str().unwrap(),
                "--year",
                "2033",
            ],
        ));
        let mut back = XlsxRows::new(std::fs::File::open(&out).unwrap()).unwrap();
        assert_eq!(
            rows_of(&mut back),
            vec![
                vec!["日期", "类型", "名称"],
                vec!["2033-01-01", "休息日", "元旦"],
                vec!["2033-01-08", "工作日", "调休"],
            ]
        );
        // The generic import takes the kind too; a bad row names its row and writes nothing.
        let bad = dir.path().join("bad.csv");
        std::fs::write(
            &bad,
            "日期,类型,名称\n2034-01-01,休息日,元旦\n2034-02-30,休息日,x\n",
        )
        .unwrap();
        let refused = run(
            url,
            &["import", "calendar", bad.to_str().unwrap(), "--lang", "en"],
        );
        assert!(!refused.status.success(), "{backend}");
        let err = String::from_utf8_lossy(&refused.stderr);
        assert!(
            err.contains('3') && err.contains("日期"),
            "{backend}: {err}"
        );
        let list = ok(&run(url, &["calendar", "list", "--year", "2034"]));
        assert!(list.is_empty(), "{backend}: {list}");

        // A year without any day: the warning where deadlines are computed.
        let status = run(url, &["cycle", "status", "--period", "2027-03"]);
        let err = String::from_utf8_lossy(&status.stderr);
        assert!(
            err.contains("warning") && err.contains("2027"),
            "{backend}: {err}"
        );
        let status = run(url, &["cycle", "status", "--period", "2026-03"]);
        let err = String::from_utf8_lossy(&status.stderr);
        assert!(!err.contains("warning"), "{backend}: {err}");
    }
}

async fn get(app: &support::TestApp, c: &reqwest::Client, path: &str) -> (u16, Value) {
    let r = c.get(app.url(path)).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_calendar_api_needs_the_csrf_token_and_names_bad_fields_on_every_backend() {
    for db in kaohe_testkit::every_backend().await {
        let backend = db.backend;
        let app = support::spawn_small_demo(db).await;
        let hr = app.sign_in("hr", PASSWORD).await;
        let token = app.me(&hr).await["csrf_token"]
            .as_str()
            .unwrap()
            .to_string();
        let (status, body) = get(&app, &hr, "/api/calendar?year=2026").await;
        assert_eq!(status, 200, "{backend}");
        let before = body["days"].as_array().unwrap().len();
        assert!(before > 30, "{backend}: {body}");

        let day = json!({ "day": "2026-12-30", "kind": "休息日", "name": "年终盘点" });
        let post = |body: Value, csrf: Option<String>| {
            let mut r = hr.post(app.url("/api/calendar")).json(&body);
            if let Some(t) = csrf {
                r = r.header("x-csrf-token", t);
            }
            async move {
                let r = r.send().await.unwrap();
                let s = r.status().as_u16();
                (s, r.json::<Value>().await.unwrap_or(Value::Null))
            }
        };
        assert_eq!(post(day.clone(), None).await.0, 403, "{backend}: no CSRF");
        let (status, _) = post(day.clone(), Some(token.clone())).await;
        assert_eq!(status, 200, "{backend}");
        assert_eq!(post(day, Some(token.clone())).await.0, 409, "{backend}");
        let (status, body) = post(
            json!({ "day": "2026-12-31", "kind": "周末" }),
            Some(token.clone()),
        )
        .await;
        assert_eq!(
            (status, body["field"].as_str()),
            (422, Some("kind")),
            "{backend}"
        );
        let (status, body) = post(
            json!({ "day": "2026-02-30", "kind": "holiday" }),
            Some(token.clone()),
        )
        .await;
        assert_eq!(
            (status, body["field"].as_str()),
            (422, Some("day")),
            "{backend}"
        );
        let (_, body) = get(&app, &hr, "/api/calendar?year=2026").await;
        assert_eq!(
            body["days"].as_array().unwrap().len(),
            before + 1,
            "{backend}"
        );

        let delete = |csrf: Option<String>| {
            let mut r = hr.delete(app.url("/api/calendar/2026-12-30"));
            if let Some(t) = csrf {
                r = r.header("x-csrf-token", t);
            }
            async move { r.send().await.unwrap().status().as_u16() }
        };
        assert_eq!(delete(None).await, 403, "{backend}: no CSRF");
        assert_eq!(delete(Some(token.clone())).await, 200, "{backend}");
        assert_eq!(delete(Some(token.clone())).await, 404, "{backend}");

        // A year without any day is warned about, in the API and on the page.
        let (_, body) = get(&app, &hr, "/api/calendar?year=2030").await;
        assert_eq!(body["years_without_entries"], json!([2030]), "{backend}");
        let page = hr
            .get(app.url("/admin/calendar?year=2030"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("calendar-gap"), "{backend}");
        let csv = hr
            .get(app.url("/admin/calendar/export?year=2026&format=csv"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(csv.contains("2026-10-01,休息日,国庆节"), "{backend}: {csv}");

        // The import page's upload takes the calendar too (a background job).
        let resp = hr
            .post(app.url("/api/import?kind=calendar&name=cal.csv"))
            .header("x-csrf-token", &token)
            .body("日期,类型,名称\n2035-01-01,休息日,元旦\n")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{backend}");
        let id = resp.json::<Value>().await.unwrap()["job"].as_i64().unwrap();
        let mut job = Value::Null;
        for _ in 0..400 {
            job = get(&app, &hr, &format!("/api/import/{id}")).await.1;
            if job["state"] != "running" {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(job["state"], "done", "{backend}: {job}");
        let (_, body) = get(&app, &hr, "/api/calendar?year=2035").await;
        assert_eq!(body["days"][0]["name"], "元旦", "{backend}: {body}");

        // HR's inbox warns when the weeks ahead reach a year without any day.
        app.clock.set(chrono::NaiveDate::from_ymd_opt(2029, 12, 10));
        let inbox = hr
            .get(app.url("/inbox"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            inbox.contains("calendar-gap") && inbox.contains("2030"),
            "{backend}"
        );
        app.clock.set(None);

        // Other roles: 403 everywhere.
        let rep = app.sign_in("rep", PASSWORD).await;
        assert_eq!(get(&app, &rep, "/api/calendar").await.0, 403, "{backend}");
    }
}
