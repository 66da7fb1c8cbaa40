//! Workflow state only through steps, and bounds on what a person types, over the real server
//! on every backend (issue 27).
//!
//! - Every state column of every kind (enumerated from the column sets, so a new one is
//!   covered) is refused through every write path: the record form (new and edit), `POST
//!   /api/records/{kind}`, `PUT /api/records/{kind}/{id}`, a CSV import over HTTP and the
//!   store import the `kaohe import` command runs.
//! - The rep's four attacks: a claim created `finance_approved`, a contract created signed,
//!   his own reviewed contract signed by editing, his archived contract's amount raised.
//! - Step histories set the state, written by administrators only.
//! - A 200 KB name, an amount beyond ¥1,000,000,000 (and beyond 64 bits), an award of
//!   ¥92,233,720,368,547,758.07, and the dates 1900-01-01 and 9999-12-31 are refused naming
//!   the field; the bounds themselves are taken.

mod support;

use kaohe_domain::import::files::CsvRows;
use kaohe_domain::import::spec::{self, Column, KindSpec, Ty};
use kaohe_domain::import::{Absent, Cell};
use kaohe_domain::org::Employee;
use kaohe_domain::records::{Contract, Customer, Expense};
use kaohe_domain::rules::workflow::start_cell;
use kaohe_store::records::{CompanyZone, Filter, ImportFailure, ImportOptions, Op, Query};
use kaohe_store::{Sql, Store, Viewer};
use serde_json::Value;
use std::time::Duration;
use support::{TestApp, hidden_csrf, spawn_demo};

const ZONE: CompanyZone = CompanyZone(chrono_tz::Asia::Shanghai);

/// Who types, and what their records refer to.
struct Rep {
    client: reqwest::Client,
    csrf: String,
    code: String,
    customer: String,
    department: String,
}

fn filter(field: &str, value: &str) -> Query {
    Query {
        filters: vec![Filter {
            field: field.into(),
            op: Op::Eq,
            value: value.into(),
        }],
        limit: Some(1),
        ..Query::default()
    }
}

async fn rep(app: &TestApp) -> Rep {
    let client = app.sign_in("rep", "kaohe-demo").await;
    let me = app.me(&client).await;
    let system = Viewer::system("test");
    let id = me["employee_id"].as_i64().unwrap();
    let code = app.store.employee(&system, id).await.unwrap().code;
    let person = &app
        .store
        .list::<Employee>(&system, &filter("code", &code), &ZONE)
        .await
        .unwrap()[0];
    let department = app
        .store
        .departments()
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.id == person.department_id)
        .unwrap()
        .code;
    let customer = app
        .store
        .list::<Customer>(&system, &filter("owner_id", &code), &ZONE)
        .await
        .unwrap()[0]
        .archive_no
        .clone();
    Rep {
        client,
        csrf: me["csrf_token"].as_str().unwrap().to_string(),
        code,
        customer,
        department,
    }
}

/// A valid new record of a kind with workflow state, as the rep types it (field, text).
/// Every kind with state columns needs one here: a new kind fails the matrix until it has.
fn base(kind: &str, r: &Rep, n: usize) -> Vec<(&'static str, String)> {
    match kind {
        "contracts" => vec![
            ("contract_no", format!("HT-STATE-{n}")),
            ("customer_id", r.customer.clone()),
            ("employee_id", r.code.clone()),
            ("amount_cents", "1000".into()),
            ("drafted_at", "2026-11-20 09:00".into()),
            ("sign_due_at", "2026-11-27 18:00".into()),
        ],
        "expenses" => vec![
            ("employee_id", r.code.clone()),
            ("department_id", r.department.clone()),
            ("category", "travel".into()),
            ("amount_cents", format!("{}", 100 + n)),
            ("receipts", "1".into()),
            ("submitted_at", "2026-11-20 09:00".into()),
        ],
        other => panic!("no base record for {other}: add one to the state-field matrix"),
    }
}

/// A value of step column `col` other than the one a new record starts with.
fn other_value(col: &Column) -> String {
    match (col.ty, start_cell(col)) {
        (Ty::Choice(choices), start) => choices
            .iter()
            .rev()
            .map(|(code, _)| code.to_string())
            .find(|c| Cell::Text(c.clone()) != start)
            .unwrap(),
        (Ty::Time, _) => "2026-11-21 10:00".into(),
        (Ty::Date, _) => "2026-11-21".into(),
        (Ty::Bool, Cell::Bool(b)) => (!b).to_string(),
        (ty, _) => panic!("no other value for a step column of type {ty:?}"),
    }
}

fn json_of(fields: &[(&str, String)]) -> Value {
    Value::Object(
        fields
            .iter()
            .map(|(f, v)| (f.to_string(), Value::String(v.clone())))
            .collect(),
    )
}

/// A CSV file of `fields` under the columns' Chinese headers.
fn csv_of(spec: &KindSpec, fields: &[(&str, String)]) -> String {
    let header: Vec<&str> = fields
        .iter()
        .map(|(f, _)| spec.column(f).unwrap().1.zh)
        .collect();
    let row: Vec<&str> = fields.iter().map(|(_, v)| v.as_str()).collect();
    format!("{}\n{}\n", header.join(","), row.join(","))
}

async fn send(r: &Rep, method: reqwest::Method, url: String, body: &Value) -> (u16, Value) {
    let resp = r
        .client
        .request(method, url)
        .header("x-csrf-token", &r.csrf)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// Whether a JSON refusal names `field` (as its field or one of its errors').
fn names(v: &Value, field: &str) -> bool {
    v["field"] == field
        || v["errors"]
            .as_array()
            .is_some_and(|e| e.iter().any(|e| e["field"] == field))
}

/// Posts the record form; (status, page).
async fn post_form(app: &TestApp, r: &Rep, path: &str, fields: &[(&str, String)]) -> (u16, String) {
    let page = r.client.get(app.url(path)).send().await.unwrap();
    let csrf = hidden_csrf(&page.text().await.unwrap());
    let mut form: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
    form.extend(fields.iter().map(|(f, v)| (*f, v.as_str())));
    let resp = r
        .client
        .post(app.url(path))
        .form(&form)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

/// Imports `csv` over HTTP as the rep and waits for the job; the finished job.
async fn http_import(app: &TestApp, r: &Rep, kind: &str, csv: String) -> Value {
    let resp = r
        .client
        .post(app.url(&format!("/api/import?kind={kind}&name=state.csv")))
        .header("x-csrf-token", &r.csrf)
        .body(csv)
        .send()
        .await
        .unwrap();
    // Refused before a job starts (a role that may not import the kind, a file beyond the
    // reader's limits): the answer stands for the job.
    let status = resp.status().as_u16();
    if status != 200 {
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        return serde_json::json!({ "state": "refused", "status": status, "answer": body });
    }
    let id = resp.json::<Value>().await.unwrap()["job"].as_i64().unwrap();
    for _ in 0..400 {
        let job: Value = r
            .client
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
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("import job {id} did not finish");
}

/// The store import `kaohe import` runs, as `viewer`.
async fn store_import(
    store: &Store,
    viewer: &Viewer,
    spec: &'static KindSpec,
    csv: &str,
) -> Result<kaohe_store::records::ImportOutcome, ImportFailure> {
    let opts = ImportOptions {
        file_name: "state.csv",
        sha256: None,
        dry_run: false,
        zone: &ZONE,
        progress: &|_| {},
    };
    store
        .import(viewer, spec, &mut CsvRows::new(csv.as_bytes()), &opts)
        .await
}

fn report_names(job_or_report: &Value, header: &str) -> bool {
    job_or_report["errors"]
        .as_array()
        .is_some_and(|e| e.iter().any(|e| e["column"] == header && e["row"] == 2))
}

async fn count(store: &Store, table: &str) -> i64 {
    store.count_rows(table).await.unwrap()
}

async fn status_of(store: &Store, table: &str, id: i64) -> String {
    let mut sql = Sql::new(&format!("SELECT status FROM {table} WHERE id = "));
    sql.bind(id);
    let rows: Vec<(String,)> = store.fetch_all(&sql).await.unwrap();
    rows[0].0.clone()
}

#[tokio::test]
async fn every_state_column_of_every_kind_is_refused_through_every_write_path() {
    for db in kaohe_testkit::every_backend().await {
        let backend = db.backend;
        let app = spawn_demo(db).await;
        let r = rep(&app).await;
        let admin = Viewer::system("test");
        let mut n = 0;
        let kinds: Vec<&'static KindSpec> = spec::KINDS
            .iter()
            .copied()
            .filter(|s| s.step_columns().next().is_some())
            .collect();
        assert!(kinds.len() >= 2, "contracts and expenses have steps");
        for spec in kinds {
            let kind = spec.kind;
            // One open record of the kind, to edit.
            n += 1;
            let (status, v) = send(
                &r,
                reqwest::Method::POST,
                app.url(&format!("/api/records/{kind}")),
                &json_of(&base(kind, &r, n)),
            )
            .await;
            assert_eq!(status, 201, "{backend} {kind}: {v}");
            let stored = v["id"].as_i64().unwrap();
            for (_, col) in spec.step_columns() {
                let at = format!("{backend} {kind}.{}", col.field);
                let before = count(&app.store, spec.table).await;
                n += 1;
                let mut fields = base(kind, &r, n);
                fields.push((col.field, other_value(col)));

                // POST /api/records/{kind}
                let url = app.url(&format!("/api/records/{kind}"));
                let (status, v) = send(&r, reqwest::Method::POST, url, &json_of(&fields)).await;
                assert_eq!(status, 422, "{at}: API create: {v}");
                assert!(names(&v, col.field), "{at}: API create: {v}");

                // The new-record form.
                let path = format!("/records/{kind}/new");
                let (status, html) = post_form(&app, &r, &path, &fields).await;
                assert_eq!(status, 422, "{at}: form create");
                assert!(
                    html.contains(&format!("id=\"e-{}\"", col.field)),
                    "{at}: form create names the field"
                );

                // A CSV import over HTTP, and the store import of `kaohe import`.
                let csv = csv_of(spec, &fields);
                let job = http_import(&app, &r, kind, csv.clone()).await;
                assert_eq!(job["state"], "rejected", "{at}: {job}");
                assert!(report_names(&job["report"], col.zh), "{at}: {job}");
                match store_import(&app.store, &admin, spec, &csv).await {
                    Err(ImportFailure::Rejected(report)) => {
                        let report = serde_json::to_value(&report).unwrap();
                        assert!(report_names(&report, col.zh), "{at}: {report}");
                    }
                    other => panic!("{at}: store import: {other:?}"),
                }

                // PUT /api/records/{kind}/{id} and the edit form, on the open record.
                let mut edit = base(kind, &r, 1);
                if kind == "contracts" {
                    edit[0].1 = "HT-STATE-1".into();
                }
                if kind == "expenses" {
                    edit[3].1 = format!("{}", 100 + stored);
                }
                edit.push((col.field, other_value(col)));
                let url = app.url(&format!("/api/records/{kind}/{stored}"));
                let (status, v) = send(&r, reqwest::Method::PUT, url, &json_of(&edit)).await;
                assert_eq!(status, 422, "{at}: API update: {v}");
                assert!(names(&v, col.field), "{at}: API update: {v}");
                let path = format!("/records/{kind}/{stored}/edit");
                let (status, html) = post_form(&app, &r, &path, &edit).await;
                assert_eq!(status, 422, "{at}: form update");
                assert!(
                    html.contains(&format!("id=\"e-{}\"", col.field)),
                    "{at}: form update names the field"
                );

                assert_eq!(count(&app.store, spec.table).await, before, "{at}");
                let (i, _) = spec.column("status").unwrap();
                let start = start_cell(&spec.columns[i]);
                assert_eq!(
                    Cell::Text(status_of(&app.store, spec.table, stored).await),
                    start,
                    "{at}: the stored record is unchanged"
                );
            }
        }
    }
}

/// The rep's four attacks of issue 27, each refused naming the status, nothing changed.
#[tokio::test]
async fn a_rep_cannot_skip_reviews_by_typing_the_status() {
    for db in kaohe_testkit::every_backend().await {
        let backend = db.backend;
        let app = spawn_demo(db).await;
        let r = rep(&app).await;
        let post = |kind: &str| app.url(&format!("/api/records/{kind}"));

        // 1. His own ¥49,999 claim, already approved by finance.
        let claims = count(&app.store, "expenses").await;
        let mut claim = base("expenses", &r, 1);
        claim[3].1 = "49999".into();
        claim.push(("status", "finance_approved".into()));
        let (status, v) = send(
            &r,
            reqwest::Method::POST,
            post("expenses"),
            &json_of(&claim),
        )
        .await;
        assert_eq!(status, 422, "{backend}: {v}");
        assert!(names(&v, "status"), "{backend}: {v}");
        assert_eq!(count(&app.store, "expenses").await, claims);

        // 2. A ¥99,999,999 contract, already signed.
        let mut big = base("contracts", &r, 1);
        big[3].1 = "99999999".into();
        big.push(("status", "signed".into()));
        big.push(("signed_at", "2026-11-20 10:00".into()));
        let (status, v) = send(&r, reqwest::Method::POST, post("contracts"), &json_of(&big)).await;
        assert_eq!(status, 422, "{backend}: {v}");
        assert!(names(&v, "status"), "{backend}: {v}");

        // 3. His own contract, reviewed by the manager, signed by editing its status.
        let drafted = base("contracts", &r, 2);
        let (status, v) = send(
            &r,
            reqwest::Method::POST,
            post("contracts"),
            &json_of(&drafted),
        )
        .await;
        assert_eq!(status, 201, "{backend}: {v}");
        let id = v["id"].as_i64().unwrap();
        let manager = app.sign_in("manager", "kaohe-demo").await;
        let step = |client: &reqwest::Client, csrf: String, action: &'static str| {
            let form = vec![
                ("csrf", csrf),
                ("action", action.to_string()),
                ("outcome", "pass".to_string()),
                ("comment", String::new()),
            ];
            client
                .post(app.url(&format!("/records/contracts/{id}/step")))
                .form(&form)
                .send()
        };
        let page = |client: &reqwest::Client| {
            client
                .get(app.url(&format!("/records/contracts/{id}/edit")))
                .send()
        };
        let m_csrf = hidden_csrf(&page(&manager).await.unwrap().text().await.unwrap());
        step(&manager, m_csrf.clone(), "review").await.unwrap();
        assert_eq!(status_of(&app.store, "contracts", id).await, "in_review");
        let mut signed = drafted.clone();
        signed.push(("status", "signed".into()));
        signed.push(("signed_at", "2026-11-21 10:00".into()));
        let url = app.url(&format!("/api/records/contracts/{id}"));
        let (status, v) = send(&r, reqwest::Method::PUT, url.clone(), &json_of(&signed)).await;
        assert_eq!(status, 422, "{backend}: {v}");
        assert!(names(&v, "status"), "{backend}: {v}");
        assert_eq!(status_of(&app.store, "contracts", id).await, "in_review");

        // 4. The same contract signed and archived through its steps; its amount raised
        // tenfold by editing, through the API and the form.
        let r_csrf = hidden_csrf(&page(&r.client).await.unwrap().text().await.unwrap());
        step(&r.client, r_csrf, "sign").await.unwrap();
        step(&manager, m_csrf, "archive").await.unwrap();
        assert_eq!(status_of(&app.store, "contracts", id).await, "archived");
        let mut tenfold = drafted.clone();
        tenfold[3].1 = "10000".into();
        let (status, v) = send(&r, reqwest::Method::PUT, url, &json_of(&tenfold)).await;
        assert_eq!(status, 422, "{backend}: {v}");
        assert!(names(&v, "status"), "{backend}: {v}");
        let path = format!("/records/contracts/{id}/edit");
        let (status, html) = post_form(&app, &r, &path, &tenfold).await;
        assert_eq!(status, 422, "{backend}");
        assert!(html.contains("id=\"e-status\""), "{backend}");
        let mut sql = Sql::new("SELECT amount_cents FROM contracts WHERE id = ");
        sql.bind(id);
        assert_eq!(
            app.store.fetch_i64(&sql).await.unwrap(),
            100_000,
            "{backend}"
        );

        // An open record is still edited as before, keeping its state.
        let mut fixed = base("contracts", &r, 3);
        let (status, v) = send(
            &r,
            reqwest::Method::POST,
            post("contracts"),
            &json_of(&fixed),
        )
        .await;
        assert_eq!(status, 201, "{backend}: {v}");
        let open = v["id"].as_i64().unwrap();
        fixed[3].1 = "2000".into();
        let path = format!("/records/contracts/{open}/edit");
        let (status, _) = post_form(&app, &r, &path, &fixed).await;
        assert_eq!(status, 303, "{backend}: an open contract is edited");
        assert_eq!(status_of(&app.store, "contracts", open).await, "drafted");
    }
}

/// A step history sets the state of its record, replayed through the flow rules; only
/// administrators write histories.
#[tokio::test]
async fn step_histories_set_the_state_and_only_administrators_write_them() {
    for db in kaohe_testkit::every_backend().await {
        let backend = db.backend;
        let app = spawn_demo(db).await;
        let r = rep(&app).await;
        let drafted = base("contracts", &r, 7);
        let (status, v) = send(
            &r,
            reqwest::Method::POST,
            app.url("/api/records/contracts"),
            &json_of(&drafted),
        )
        .await;
        assert_eq!(status, 201, "{backend}: {v}");
        let id = v["id"].as_i64().unwrap();
        let history = "合同编号,环节,结果,时间,意见\n\
             HT-STATE-7,审核,退回,2026-11-20 10:00,金额有误\n\
             HT-STATE-7,审核,通过,2026-11-20 11:00,\n\
             HT-STATE-7,签约,完成,2026-11-21 15:30,\n"
            .to_string();
        // The rep may not write a history (his review would be his own).
        let job = http_import(&app, &r, "contract_steps", history.clone()).await;
        assert_ne!(job["state"], "done", "{backend}: {job}");
        assert_eq!(status_of(&app.store, "contracts", id).await, "drafted");
        // An administrator imports it: the contract is signed, at the signing step's time.
        store_import(
            &app.store,
            &Viewer::system("test"),
            &spec::CONTRACT_STEPS,
            &history,
        )
        .await
        .unwrap();
        let k = &app
            .store
            .list::<Contract>(
                &Viewer::system("test"),
                &filter("contract_no", "HT-STATE-7"),
                &ZONE,
            )
            .await
            .unwrap()[0];
        assert_eq!(k.status, "signed", "{backend}");
        assert!(!k.review_passed_first, "{backend}");
        assert_eq!(k.signed_day.unwrap().to_string(), "2026-11-21", "{backend}");
        // A history out of order (archived before signed) is refused, naming the contract.
        let bad = "合同编号,环节,结果,时间,意见\nHT-STATE-1,归档,完成,2026-11-22 10:00,\n";
        n_contract(&app, &r, 1).await;
        match store_import(
            &app.store,
            &Viewer::system("test"),
            &spec::CONTRACT_STEPS,
            bad,
        )
        .await
        {
            Err(ImportFailure::Store(e)) => {
                assert!(e.to_string().contains("contract"), "{backend}: {e}")
            }
            other => panic!("{backend}: {other:?}"),
        }
        // An expense history: approved twice and paid.
        let claim = base("expenses", &r, 7);
        let (status, v) = send(
            &r,
            reqwest::Method::POST,
            app.url("/api/records/expenses"),
            &json_of(&claim),
        )
        .await;
        assert_eq!(status, 201, "{backend}: {v}");
        let cid = v["id"].as_i64().unwrap();
        let manager = employee_code(&app, "manager").await;
        let finance = employee_code(&app, "finance").await;
        let steps = format!(
            "费用ID,环节,结果,审批人工号,时间,意见\n\
             {cid},经理初审,批准,{manager},2026-11-20 10:00,\n\
             {cid},财务复审,批准,{finance},2026-11-20 11:00,\n\
             {cid},付款,已付款,{finance},2026-11-20 12:00,\n"
        );
        store_import(
            &app.store,
            &Viewer::system("test"),
            &spec::EXPENSE_STEPS,
            &steps,
        )
        .await
        .unwrap();
        assert_eq!(
            status_of(&app.store, "expenses", cid).await,
            "paid",
            "{backend}"
        );
        let claims = app
            .store
            .list::<Expense>(
                &Viewer::system("test"),
                &Query {
                    id: Some(cid),
                    ..Query::default()
                },
                &ZONE,
            )
            .await
            .unwrap();
        assert_eq!(claims[0].status, "paid");
    }
}

async fn n_contract(app: &TestApp, r: &Rep, n: usize) {
    let (status, v) = send(
        r,
        reqwest::Method::POST,
        app.url("/api/records/contracts"),
        &json_of(&base("contracts", r, n)),
    )
    .await;
    assert_eq!(status, 201, "{v}");
}

async fn employee_code(app: &TestApp, username: &str) -> String {
    let mut sql = Sql::new(
        "SELECT e.code FROM users u JOIN employees e ON e.id = u.employee_id WHERE u.username = ",
    );
    sql.bind(username);
    let rows: Vec<(String,)> = app.store.fetch_all(&sql).await.unwrap();
    rows[0].0.clone()
}

/// A 200 KB customer name, refused at import (row and column), in the form and the API.
#[tokio::test]
async fn a_200_kb_name_is_refused_naming_the_field_everywhere() {
    for db in kaohe_testkit::every_backend().await {
        let backend = db.backend;
        let app = spawn_demo(db).await;
        let r = rep(&app).await;
        let huge = "名".repeat(200 * 1024 / 3);
        let before = count(&app.store, "customers").await;
        let fields = vec![
            ("archive_no", "KH-HUGE-1".to_string()),
            ("name", huge.clone()),
            ("class", "general".into()),
            ("owner_id", r.code.clone()),
        ];
        let (status, v) = send(
            &r,
            reqwest::Method::POST,
            app.url("/api/records/customers"),
            &json_of(&fields),
        )
        .await;
        assert_eq!(status, 422, "{backend}");
        assert!(names(&v, "name"), "{backend}");
        let reason = v["errors"][0]["reason"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(reason.contains("200"), "{backend}: {reason}");
        assert!(
            v.to_string().len() < 2_000,
            "{backend}: the refusal does not echo 200 KB"
        );

        let (status, html) = post_form(&app, &r, "/records/customers/new", &fields).await;
        assert_eq!(status, 422, "{backend}");
        assert!(html.contains("id=\"e-name\""), "{backend}");

        let csv = csv_of(&spec::CUSTOMERS, &fields);
        let job = http_import(&app, &r, "customers", csv.clone()).await;
        assert_eq!(job["state"], "rejected", "{backend}");
        assert!(report_names(&job["report"], "客户名称"), "{backend}: {job}");
        assert!(
            job.to_string().len() < 4_000,
            "{backend}: the report stays small"
        );
        match store_import(&app.store, &Viewer::system("test"), &spec::CUSTOMERS, &csv).await {
            Err(ImportFailure::Rejected(report)) => {
                let e = &report.errors[0];
                assert_eq!((e.row, e.column.as_str()), (2, "客户名称"), "{backend}");
                // 200 KB passes the file reader's own cell limit before the field's.
                assert!(e.reason.contains("32767"), "{backend}: {}", e.reason);
            }
            other => panic!("{backend}: {other:?}"),
        }
        // One character over the field's limit: the field's rule names its limit.
        let mut over = fields.clone();
        over[1].1 = "名".repeat(201);
        let csv = csv_of(&spec::CUSTOMERS, &over);
        match store_import(&app.store, &Viewer::system("test"), &spec::CUSTOMERS, &csv).await {
            Err(ImportFailure::Rejected(report)) => {
                let e = &report.errors[0];
                assert_eq!((e.row, e.column.as_str()), (2, "客户名称"), "{backend}");
                assert!(e.reason.contains("at most 200"), "{backend}: {}", e.reason);
            }
            other => panic!("{backend}: {other:?}"),
        }
        assert_eq!(count(&app.store, "customers").await, before);
        // The longest name that is allowed is taken.
        let mut fine = fields.clone();
        fine[1].1 = "名".repeat(200);
        let (status, v) = send(
            &r,
            reqwest::Method::POST,
            app.url("/api/records/customers"),
            &json_of(&fine),
        )
        .await;
        assert_eq!(status, 201, "{backend}: {v}");
    }
}

/// Amounts beyond ¥1,000,000,000, beyond 64 bits, and dates outside 1970–2100: 422 naming
/// the field; the bounds themselves are taken.
#[tokio::test]
async fn amounts_and_dates_out_of_range_answer_422_naming_the_field() {
    for db in kaohe_testkit::every_backend().await {
        let backend = db.backend;
        let app = spawn_demo(db).await;
        let r = rep(&app).await;
        let post = app.url("/api/records/expenses");
        let mut n = 10;
        let mut claim = |amount: &str, day: Option<&str>| {
            n += 1;
            let mut c = base("expenses", &r, n);
            c[3].1 = amount.to_string();
            if let Some(d) = day {
                c.push(("day", d.to_string()));
            }
            json_of(&c)
        };
        for (amount, day, field) in [
            ("92233720368547758.07", None, "amount_cents"),
            ("92233720368547758.08", None, "amount_cents"),
            ("99999999999999999999999", None, "amount_cents"),
            ("1000000000.01", None, "amount_cents"),
            ("100", Some("1900-01-01"), "day"),
            ("100", Some("9999-12-31"), "day"),
            ("100", Some("1969-12-31"), "day"),
            ("100", Some("2101-01-01"), "day"),
        ] {
            let (status, v) =
                send(&r, reqwest::Method::POST, post.clone(), &claim(amount, day)).await;
            assert_eq!(status, 422, "{backend}: {amount} {day:?}: {v}");
            assert!(names(&v, field), "{backend}: {amount} {day:?}: {v}");
        }
        for (amount, day) in [
            ("1000000000.00", None),
            ("100", Some("1970-01-01")),
            ("100", Some("2100-12-31")),
        ] {
            let (status, v) =
                send(&r, reqwest::Method::POST, post.clone(), &claim(amount, day)).await;
            assert_eq!(status, 201, "{backend}: {amount} {day:?}: {v}");
        }
        // An instant in the year 9999.
        let mut late = base("expenses", &r, 99);
        late[5].1 = "9999-12-31 10:00".into();
        let (status, v) = send(&r, reqwest::Method::POST, post.clone(), &json_of(&late)).await;
        assert_eq!(status, 422, "{backend}: {v}");
        assert!(names(&v, "submitted_at"), "{backend}: {v}");

        // The store refuses the same for a caller that skips the forms.
        let system = Viewer::system("test");
        let mut direct = app
            .store
            .list::<Expense>(&system, &filter("employee_id", &r.code), &ZONE)
            .await
            .unwrap()[0]
            .clone();
        direct.id = 0;
        direct.status = "submitted".into();
        direct.amount_cents = i64::MAX;
        match app.store.create(&system, &direct).await {
            Err(kaohe_store::StoreError::Invalid { field, .. }) => {
                assert_eq!(field, "amount_cents", "{backend}")
            }
            other => panic!("{backend}: {other:?}"),
        }
    }
}

/// Columns whose start value the matrix relies on read as documented.
#[test]
fn the_start_states_are_drafted_and_submitted() {
    let status = |s: &KindSpec| s.column("status").unwrap().1.absent;
    assert_eq!(status(&spec::CONTRACTS), Absent::Text("drafted"));
    assert_eq!(status(&spec::EXPENSES), Absent::Text("submitted"));
}

/// An award of ¥92,233,720,368,547,758.07 (the largest 64-bit amount) is refused with 422
/// through the API and the page, and by the store; nothing reaches payroll.
#[tokio::test]
async fn an_award_beyond_a_billion_yuan_is_refused_on_the_web_and_in_the_store() {
    use kaohe_domain::period::Period;
    use kaohe_store::awards::AwardDecision;
    for db in kaohe_testkit::every_backend().await {
        let backend = db.backend;
        let app = spawn_demo(db).await;
        app.clock.set(Some(support::test_today()));
        let hr = kaohe::cycle::viewer(&app.store, "hr").await.unwrap();
        let oct = Period::parse("2026-10").unwrap();
        app.store.open_cycles(&hr, oct).await.unwrap();
        let req = kaohe_store::evaluate::EvalRequest {
            period: oct,
            scheme: None,
            employee: None,
        };
        app.store
            .evaluate(&Viewer::system("test"), &req)
            .await
            .unwrap();
        app.store.compute_awards(&hr, oct).await.unwrap();
        let manager = app.sign_in("manager", "kaohe-demo").await;
        let me = app.me(&manager).await;
        let csrf = me["csrf_token"].as_str().unwrap().to_string();
        let own = me["employee_id"].as_i64();
        let list: Value = manager
            .get(app.url("/api/awards?period=2026-10"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = list
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["status"] == "proposed" && a["employee_id"].as_i64() != own)
            .expect("an award the manager decides")["id"]
            .as_i64()
            .unwrap();
        let resp = manager
            .post(app.url(&format!("/api/awards/{id}/decision")))
            .header("x-csrf-token", &csrf)
            .json(&serde_json::json!({ "decision": "confirm", "amount_cents": i64::MAX }))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 422, "{backend}");
        let body = resp.text().await.unwrap();
        assert!(body.contains("1000000000.00"), "{backend}: {body}");
        let page = manager.get(app.url("/awards")).send().await.unwrap();
        let form_csrf = hidden_csrf(&page.text().await.unwrap());
        let resp = manager
            .post(app.url("/awards/decide"))
            .form(&[
                ("csrf", form_csrf.as_str()),
                ("period", "2026-10"),
                ("id", &id.to_string()),
                ("decision", "confirm"),
                ("amount", "92,233,720,368,547,758.07"),
                ("reason", ""),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 422, "{backend}: the page refuses too");
        let boss = kaohe::cycle::viewer(&app.store, "manager").await.unwrap();
        let decided = app
            .store
            .decide_award(
                &boss,
                id,
                AwardDecision::Confirm {
                    amount: Some(kaohe_domain::Cents(i64::MAX)),
                },
                support::test_today(),
            )
            .await;
        match decided {
            Err(kaohe_store::StoreError::Refused(r)) => {
                assert!(r.en.contains("at most"), "{backend}: {}", r.en)
            }
            other => panic!("{backend}: {other:?}"),
        }
        let mut sql = Sql::new("SELECT status FROM awards WHERE id = ");
        sql.bind(id);
        let rows: Vec<(String,)> = app.store.fetch_all(&sql).await.unwrap();
        assert_eq!(rows[0].0, "proposed", "{backend}");
        // The bound itself is taken.
        app.store
            .decide_award(
                &boss,
                id,
                AwardDecision::Confirm {
                    amount: Some(kaohe_domain::Cents(kaohe_domain::rules::limits::MAX_CENTS)),
                },
                support::test_today(),
            )
            .await
            .unwrap();
    }
}
