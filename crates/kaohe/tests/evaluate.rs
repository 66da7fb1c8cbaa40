//! Evaluating the demo company: the same scorecards on SQLite and PostgreSQL, and the CLI's
//! output shapes.

mod support;

use kaohe_domain::period::Period;
use kaohe_gen::{GenConfig, Generator};
use kaohe_store::Viewer;
use kaohe_store::evaluate::EvalRequest;
use std::process::Command;

#[tokio::test]
async fn the_same_demo_evaluates_to_identical_scorecards_on_sqlite_and_postgres() {
    let mut outputs = Vec::new();
    for db in kaohe_testkit::every_backend().await {
        let store = db.open().await;
        let mut generator = Generator::new(GenConfig::demo(1, support::test_today()));
        kaohe::load::load(
            &store,
            &mut generator,
            &indicatif::ProgressBar::hidden(),
            false,
        )
        .await
        .unwrap();
        let req = EvalRequest {
            period: Period::parse("2026-10").unwrap(),
            scheme: None,
            employee: None,
        };
        let e = store.evaluate(&Viewer::system("test"), &req).await.unwrap();
        assert!(
            e.results.len() >= 50,
            "{}: {} scorecards",
            db.backend,
            e.results.len()
        );
        let graded = e
            .results
            .iter()
            .filter(|r| r.scorecard.grade.is_some())
            .count();
        assert!(graded >= 40, "{}: {graded} graded", db.backend);
        outputs.push((db.backend, kaohe::assess::to_json(&e)));
    }
    if let [(_, sqlite), (_, postgres)] = outputs.as_slice() {
        assert_eq!(sqlite, postgres, "SQLite and PostgreSQL disagree");
    }
}

fn kaohe() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kaohe"));
    cmd.env_remove("KAOHE_DATABASE_URL")
        .env("KAOHE_LOG", "error");
    cmd
}

#[test]
fn evaluate_prints_the_documented_json_and_schemes_round_trip_through_toml() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db");
    let generated = kaohe()
        .arg("--db")
        .arg(&db)
        .args([
            "gen",
            "--staff",
            "30",
            "--months",
            "2",
            "--end",
            "2026-10-31",
        ])
        .output()
        .unwrap();
    assert!(
        generated.status.success(),
        "{}",
        String::from_utf8_lossy(&generated.stderr)
    );
    let out = kaohe()
        .arg("--db")
        .arg(&db)
        .args(["evaluate", "--period", "2026-10", "--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["period"], "2026-10");
    let cards = v["scorecards"].as_array().unwrap();
    assert!(!cards.is_empty());
    for c in cards {
        assert!(c["employee"].is_string() && c["scheme"].is_string());
        assert!(
            ["excellent", "good", "pass", "fail"]
                .contains(&c["grade"].as_str().unwrap_or("excellent"))
        );
        let weights: f64 = c["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["weight"].as_f64().unwrap())
            .sum();
        if c["total"].is_number() {
            assert!(
                (weights - 100.0).abs() < 1e-6,
                "effective weights sum to 100: {weights}"
            );
        }
        for i in c["indicators"].as_array().unwrap() {
            assert!(i["code"].is_string() && i["applicable"].is_boolean());
        }
    }

    // Export the library, import it back: a new version with the same content.
    let toml_path = dir.path().join("library.toml");
    let exp = kaohe()
        .arg("--db")
        .arg(&db)
        .args(["scheme", "export", "-o"])
        .arg(&toml_path)
        .output()
        .unwrap();
    assert!(exp.status.success());
    let imp = kaohe()
        .arg("--db")
        .arg(&db)
        .args(["scheme", "import"])
        .arg(&toml_path)
        .output()
        .unwrap();
    assert!(
        imp.status.success(),
        "{}",
        String::from_utf8_lossy(&imp.stderr)
    );
    assert!(String::from_utf8_lossy(&imp.stdout).contains("library version 2"));

    // A broken file (weights no longer summing to 100, an unknown indicator) changes nothing
    // and names every problem.
    let text = std::fs::read_to_string(&toml_path).unwrap();
    let item = "indicator = \"archive_completeness\"\nweight = 10";
    assert!(
        text.contains(item),
        "the export lists the clerk scheme's first item"
    );
    let broken = text.replacen(item, "indicator = \"archive_completenes\"\nweight = 15", 1);
    std::fs::write(&toml_path, broken).unwrap();
    let bad = kaohe()
        .arg("--db")
        .arg(&db)
        .args(["scheme", "import"])
        .arg(&toml_path)
        .output()
        .unwrap();
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("archive_completenes"), "{err}");
    // The clerk's customer-information group weighs 20 %; its items now sum to 25 %.
    assert!(
        err.contains("25%") && err.contains("20%"),
        "names the weight sum: {err}"
    );
    let again = kaohe()
        .arg("--db")
        .arg(&db)
        .args(["scheme", "export"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&again.stdout) == text,
        "the bad import changed nothing"
    );
}

#[test]
fn the_official_score_table_is_an_xlsx_that_reads_back_with_the_stored_scores() {
    use calamine::{Data, Reader, Xlsx, open_workbook};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db");
    let args = [
        "gen",
        "--staff",
        "20",
        "--months",
        "1",
        "--end",
        "2026-10-31",
    ];
    assert!(
        kaohe()
            .arg("--db")
            .arg(&db)
            .args(args)
            .output()
            .unwrap()
            .status
            .success()
    );
    let xlsx = dir.path().join("table.xlsx");
    let export = |employee: &str| {
        kaohe()
            .arg("--db")
            .arg(&db)
            .args([
                "export",
                "scoretable",
                "--employee",
                employee,
                "--period",
                "2026-10",
                "-o",
            ])
            .arg(&xlsx)
            .output()
            .unwrap()
    };
    let out = kaohe()
        .arg("--db")
        .arg(&db)
        .args(["evaluate", "--period", "2026-10", "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let card = v["scorecards"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["total"].is_number())
        .expect("a graded card");
    let code = card["employee_code"].as_str().unwrap();
    let done = export(code);
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );

    let mut book: Xlsx<_> = open_workbook(&xlsx).unwrap();
    let sheet = book.worksheet_range("考核评分表").unwrap();
    let text = |r: u32, c: u32| {
        sheet
            .get_value((r, c))
            .map(|d| d.to_string())
            .unwrap_or_default()
    };
    assert_eq!(text(0, 0), "考核评分表");
    assert!(text(1, 1).contains(code));
    assert_eq!(text(7, 0), "序号");
    let lines = card["indicators"].as_array().unwrap().len() as u32;
    let total_row = 8 + lines;
    assert_eq!(text(total_row, 0), "总分");
    match sheet.get_value((total_row, 6)) {
        Some(Data::Float(t)) => assert!((t - card["total"].as_f64().unwrap()).abs() < 1e-9),
        other => panic!("total cell: {other:?}"),
    }
    assert!((0..sheet.height() as u32).any(|r| text(r, 0) == "被考核人签字："));

    let nobody = kaohe()
        .arg("--db")
        .arg(&db)
        .args(["export", "scoretable", "--period", "2026-10", "-o"])
        .arg(&xlsx)
        .output()
        .unwrap();
    assert!(!nobody.status.success());
    assert!(String::from_utf8_lossy(&nobody.stderr).contains("needs --employee"));
}
