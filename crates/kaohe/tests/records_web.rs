//! Record screens over HTTP on the demo company, on every backend: the import page's upload
//! (a bad file answers the error report and writes nothing; a good one lands), exports that
//! hold only what the viewer may see, record lists, and the print-friendly score table.

mod support;

use kaohe_store::Viewer;
use serde_json::Value;
use std::time::Duration;
use support::{TestApp, hidden_csrf, spawn_demo};

async fn text(client: &reqwest::Client, url: String) -> (u16, String) {
    let resp = client.get(url).send().await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

/// Uploads `csv` as a calls file and waits for the import to finish; the job's JSON.
async fn upload(
    app: &TestApp,
    client: &reqwest::Client,
    csrf: &str,
    name: &str,
    csv: String,
) -> Value {
    let resp = client
        .post(app.url(&format!("/api/import?kind=calls&name={name}")))
        .header("x-csrf-token", csrf)
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let id = resp.json::<Value>().await.unwrap()["job"].as_u64().unwrap();
    for _ in 0..600 {
        let job: Value = client
            .get(app.url(&format!("/api/import/{id}")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if job["state"] != "running" {
            return job;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("import {id} did not finish");
}

/// The 工号 column of an exported calls CSV.
fn codes_in_export(csv_text: &str) -> Vec<String> {
    let mut r = csv::Reader::from_reader(csv_text.trim_start_matches('\u{feff}').as_bytes());
    let at = r
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "工号")
        .expect("a 工号 column");
    r.records()
        .map(|row| row.unwrap()[at].to_string())
        .collect()
}

#[tokio::test]
async fn records_import_export_and_the_score_table_work_through_the_browser_routes() {
    for db in kaohe_testkit::every_backend().await {
        let backend = db.backend;
        let app = spawn_demo(db).await;
        let rep = app.sign_in("rep", "kaohe-demo").await;
        let me: Value = rep
            .get(app.url("/api/me"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let my_id = me["employee_id"].as_i64().unwrap();
        let my_code = app
            .store
            .employee(&Viewer::system("test"), my_id)
            .await
            .unwrap()
            .code;
        let (status, page) = text(&rep, app.url("/import")).await;
        assert_eq!(status, 200, "{backend}");
        assert!(
            page.contains("开始导入"),
            "{backend}: the import page in Chinese"
        );
        let csrf = hidden_csrf(&page);

        // Without the CSRF token, nothing starts.
        let forged = rep
            .post(app.url("/api/import?kind=calls&name=x.csv"))
            .body("工号\n")
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status(), 403, "{backend}");

        // A bad file: the report names row, column, value and reason; nothing is written.
        let calls_before = app.store.count_rows("calls").await.unwrap();
        let bad = format!(
            "工号,开始时间,方向,通话时长(秒),结果\n\
             {my_code},2026-11-20 09:00,呼出,60,接通\n\
             {my_code},2026-11-20 09:10,呼出,long,接通\n\
             E99999,2026-11-20 09:20,呼出,30,接通\n"
        );
        let job = upload(&app, &rep, &csrf, "bad.csv", bad).await;
        assert_eq!(job["state"], "rejected", "{backend}: {job}");
        let errors = job["report"]["errors"].as_array().unwrap();
        assert_eq!(job["report"]["total"], 2, "{backend}: {job}");
        assert_eq!(
            (&errors[0]["row"], &errors[0]["column"], &errors[0]["value"]),
            (
                &Value::from(3),
                &Value::from("通话时长(秒)"),
                &Value::from("long")
            ),
            "{backend}"
        );
        // The rep reads Chinese: every reason is in Chinese.
        assert_eq!(errors[0]["reason"], "不是整数", "{backend}");
        assert!(
            errors[1]["reason"]
                .as_str()
                .unwrap()
                .contains("员工（工号） 不存在或不在您的数据范围内"),
            "{backend}: {job}"
        );
        assert_eq!(app.store.count_rows("calls").await.unwrap(), calls_before);

        // A good file lands, and only its uploader may follow it.
        let good = format!(
            "工号,开始时间,方向,通话时长(秒),结果\n\
             {my_code},2026-11-20 09:00,呼出,60,接通\n\
             {my_code},2026-11-20 09:10,呼出,75,成交\n"
        );
        let job = upload(&app, &rep, &csrf, "good.csv", good).await;
        assert_eq!(
            (job["state"].as_str(), job["rows"].as_u64()),
            (Some("done"), Some(2)),
            "{backend}: {job}"
        );
        assert_eq!(
            app.store.count_rows("calls").await.unwrap(),
            calls_before + 2
        );
        let hr = app.sign_in("hr", "kaohe-demo").await;
        let theirs = hr
            .get(app.url(&format!("/api/import/{}", job["id"])))
            .send()
            .await
            .unwrap();
        assert_eq!(theirs.status(), 404, "{backend}");

        // The rep's export holds the rep's calls only, whatever the filter asks for.
        let (status, mine) = text(&rep, app.url("/records/calls/export?format=csv")).await;
        assert_eq!(status, 200, "{backend}");
        let codes = codes_in_export(&mine);
        assert!(!codes.is_empty(), "{backend}");
        assert!(
            codes.iter().all(|c| *c == my_code),
            "{backend}: a rep exported others' calls"
        );
        let (_, everyone) = text(&hr, app.url("/records/calls/export?format=csv")).await;
        let other = codes_in_export(&everyone)
            .into_iter()
            .find(|c| *c != my_code)
            .expect("HR sees others' calls");
        let url = format!("/records/calls/export?format=csv&field=工号&op=eq&value={other}");
        let (_, filtered) = text(&rep, app.url(&url)).await;
        assert!(codes_in_export(&filtered).is_empty(), "{backend}");
        let xlsx = rep
            .get(app.url("/records/calls/export?format=xlsx"))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert!(xlsx.starts_with(b"PK"), "{backend}: an xlsx workbook");

        // The list page shows the rep's rows with paging and export links.
        let (status, list) = text(&rep, app.url("/records/calls?period=2026-11")).await;
        assert_eq!(status, 200, "{backend}");
        assert!(
            list.contains(&my_code) && list.contains("导出 Excel"),
            "{backend}"
        );
        assert_eq!(text(&rep, app.url("/records/nonsense")).await.0, 404);

        // The score table: one row per indicator, totals and both signature lines.
        let (status, table) = text(&rep, app.url("/scoretable?period=2026-10")).await;
        assert_eq!(status, 200, "{backend}: {table}");
        assert!(
            table.matches("class=\"indicator").count() >= 3,
            "{backend}: {table}"
        );
        assert!(
            table.contains("被考核人签字")
                && table.contains("考核人签字")
                && table.contains("总分")
        );
        let url = format!(
            "/scoretable?period=2026-10&employee={}",
            other_id(&app, my_id).await
        );
        assert_eq!(text(&rep, app.url(&url)).await.0, 404, "{backend}");

        expense_steps_through_the_api(&app, &rep, &csrf, backend).await;
    }
}

/// A claim in the manager's scope: the rep may not review it, the manager must comment a
/// return, and the step lands with the claim's new status.
async fn expense_steps_through_the_api(
    app: &TestApp,
    rep: &reqwest::Client,
    rep_csrf: &str,
    backend: &str,
) {
    use kaohe_domain::records::Expense;
    let user = app.store.user_by_name("manager").await.unwrap().unwrap();
    let viewer = app.store.viewer_for(&user).await.unwrap();
    // A claim of someone in the manager's department, submitted an hour ago.
    let people = app.store.employees(&viewer).await.unwrap();
    let claimant = people
        .iter()
        .find(|p| Some(p.id) != viewer.employee_id)
        .expect("someone in the manager's department");
    let at = chrono::Utc::now() - chrono::Duration::hours(1);
    let claim = Expense {
        id: 0,
        employee_id: claimant.id,
        department_id: claimant.department_id,
        day: at.date_naive(),
        category: "travel".into(),
        amount_cents: 10_000,
        receipts: 1,
        description: "出差".into(),
        status: "submitted".into(),
        submitted_at: at,
        over_budget: false,
    };
    let id = app
        .store
        .create(&Viewer::system("test"), &claim)
        .await
        .unwrap();
    let url = app.url(&format!("/api/expenses/{id}/steps"));
    let step = |client: &reqwest::Client, csrf: &str, body: Value| {
        client
            .post(url.clone())
            .header("x-csrf-token", csrf.to_string())
            .json(&body)
            .send()
    };
    let by_rep = step(
        rep,
        rep_csrf,
        serde_json::json!({"action": "manager_review", "approved": true}),
    )
    .await
    .unwrap();
    assert_eq!(by_rep.status(), 403, "{backend}");
    let manager = app.sign_in("manager", "kaohe-demo").await;
    let (_, page) = text(&manager, app.url("/import")).await;
    let csrf = hidden_csrf(&page);
    let forged = step(
        &manager,
        "forged",
        serde_json::json!({"action": "manager_review", "approved": true}),
    )
    .await
    .unwrap();
    assert_eq!(forged.status(), 403, "{backend}");
    let silent = step(
        &manager,
        &csrf,
        serde_json::json!({"action": "manager_review", "approved": false}),
    )
    .await
    .unwrap();
    assert_eq!(silent.status(), 422, "{backend}");
    let why: Value = silent.json().await.unwrap();
    assert!(
        why["error"].as_str().unwrap().contains("comment"),
        "{backend}: {why}"
    );
    let returned = step(
        &manager,
        &csrf,
        serde_json::json!({"action": "manager_review", "approved": false, "comment": "缺少发票"}),
    )
    .await
    .unwrap();
    assert_eq!(returned.status(), 200, "{backend}");
    let done: Value = returned.json().await.unwrap();
    assert_eq!(
        (done["before"].as_str(), done["after"].as_str()),
        (Some("submitted"), Some("manager_returned")),
        "{backend}"
    );

    // A contract of the same person: archiving before signing is refused, a review passes.
    let contract = kaohe_domain::records::Contract {
        handled_by: None,
        id: 0,
        contract_no: format!("HT-WEB-{backend}"),
        customer_id: first_customer(app).await,
        order_id: None,
        employee_id: claimant.id,
        amount_cents: 500_000,
        status: "drafted".into(),
        drafted_at: at,
        sign_due_at: at + chrono::Duration::days(7),
        signed_at: None,
        signed_day: None,
        archived_at: None,
        review_passed_first: true,
    };
    let id = app
        .store
        .create(&Viewer::system("test"), &contract)
        .await
        .unwrap();
    let url = app.url(&format!("/api/contracts/{id}/steps"));
    let post = |body: Value| {
        manager
            .post(url.clone())
            .header("x-csrf-token", csrf.clone())
            .json(&body)
            .send()
    };
    let early = post(serde_json::json!({"action": "archive"}))
        .await
        .unwrap();
    assert_eq!(early.status(), 422, "{backend}");
    let passed = post(serde_json::json!({"action": "review", "passed": true}))
        .await
        .unwrap();
    assert_eq!(passed.status(), 200, "{backend}");
    let done: Value = passed.json().await.unwrap();
    assert_eq!(done["after"], "in_review", "{backend}");
}

/// Any customer's id.
async fn first_customer(app: &TestApp) -> i64 {
    let sql = kaohe_store::Sql::new("SELECT MIN(id) FROM customers");
    app.store.fetch_i64(&sql).await.unwrap()
}

/// Someone other than `me`.
async fn other_id(app: &TestApp, me: i64) -> i64 {
    let people = app.store.employees(&Viewer::system("test")).await.unwrap();
    people.iter().find(|p| p.id != me).unwrap().id
}

/// A page of a team's or a department's list is found in a window of the table's first ids, or
/// through the owner's index when the scope holds few rows there: either way it is exactly that
/// slice of the whole list, for dense scopes (a sales department's calls), sparse ones (the
/// clerks' department has none), deep pages and a period filter.
#[tokio::test]
async fn a_page_of_a_wide_scopes_list_is_the_slice_of_its_whole_list() {
    use kaohe_store::records::Query;
    for db in kaohe_testkit::every_backend().await {
        let app = spawn_demo(db).await;
        let zone = kaohe_store::records::CompanyZone(chrono_tz::Asia::Shanghai);
        let october = kaohe_domain::period::Period::parse("2026-10").unwrap();
        for user in ["leader", "manager", "clerk", "hr"] {
            let viewer = kaohe::cycle::viewer(&app.store, user).await.unwrap();
            for kind in ["calls", "orders", "visits"] {
                let spec = kaohe_domain::import::spec::kind(kind).unwrap();
                for period in [None, Some(october)] {
                    let all = Query {
                        period,
                        ..Query::default()
                    };
                    let whole = app
                        .store
                        .list_cells(&viewer, spec, &all, &zone)
                        .await
                        .unwrap();
                    for offset in [0, 50, 2_000] {
                        let page = Query {
                            period,
                            limit: Some(51),
                            offset,
                            ..Query::default()
                        };
                        let got = app
                            .store
                            .list_cells(&viewer, spec, &page, &zone)
                            .await
                            .unwrap();
                        let from = (offset as usize).min(whole.len());
                        let to = (from + 51).min(whole.len());
                        assert_eq!(
                            got,
                            whole[from..to],
                            "{user} {kind} {period:?} offset {offset}"
                        );
                    }
                    if user == "manager" && kind == "calls" && period.is_none() {
                        assert!(whole.len() > 2_100, "a dense scope: {}", whole.len());
                    }
                }
            }
        }
    }
}
