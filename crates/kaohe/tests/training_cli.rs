//! `kaohe training`, `kaohe meeting` and `kaohe credit` as a person runs them on a fresh
//! SQLite file: the plan imported with Chinese headers, a bad needs file refused naming the
//! row and field, the report as JSON, and clear one-line errors.

use std::process::{Command, Output, Stdio};

fn kaohe(db: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kaohe"));
    for var in ["KAOHE_DATABASE_URL", "KAOHE_CONFIG"] {
        cmd.env_remove(var);
    }
    cmd.env("KAOHE_LOG", "error")
        .arg("--db")
        .arg(db)
        .stdin(Stdio::null());
    cmd
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn the_training_plan_imports_reports_and_bad_files_name_row_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    assert!(kaohe(&db).arg("init").output().unwrap().status.success());
    let plan = dir.path().join("plan.csv");
    std::fs::write(
        &plan,
        "年度,课程名称,培训内容,培训方式,讲师,培训对象,计划日期,合格分数,关联指标,考核方式\n\
         2026,新产品知识培训,新品卖点,内部培训,销售总监,全体销售,2026-04-09,60,product_knowledge,笔试\n\
         2026,陌生拜访,拜访技巧,external,外聘讲师,field,2026-03-12,70,business_expansion,实操\n",
    )
    .unwrap();
    let out = kaohe(&db)
        .args(["import", "training_courses"])
        .arg(&plan)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let out = kaohe(&db)
        .args(["training", "report", "--year", "2026", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let titles: Vec<&str> = report
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["陌生拜访", "新产品知识培训"]);
    assert!(report[0]["sessions"] == 0);

    let needs = dir.path().join("needs.csv");
    std::fs::write(&needs, "工号,需求来源,培训需求\nE404,员工,谈判技巧\n").unwrap();
    let out = kaohe(&db)
        .args(["import", "training_needs"])
        .arg(&needs)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let t = text(&out);
    assert!(
        t.contains("工号") && t.contains("E404") && t.contains('2'),
        "{t}"
    );

    let out = kaohe(&db)
        .args(["credit", "ageing", "--by", "rep"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("31-60"));
    let out = kaohe(&db).args(["meeting", "remind"]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));

    // Unknown customers and amounts with a third decimal are one clear line each.
    let out = kaohe(&db)
        .args(["credit", "check", "--customer", "KH-404", "--amount", "1"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--customer: no customer") && !err.contains("panicked"),
        "{err}"
    );
    let out = kaohe(&db)
        .args(["credit", "ageing", "--as-of", "2026-13-01"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--as-of"));
}
