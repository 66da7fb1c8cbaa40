//! Single-record forms and the JSON record API over HTTP on the demo company, on every
//! backend: a valid form lands and is audited; each kind of bad input answers an error that
//! names its field and writes nothing; a rep cannot create for someone else nor edit another's
//! record; contract steps from the record's page.

mod support;

use kaohe_domain::records::{Call, Customer};
use kaohe_store::Viewer;
use kaohe_store::records::{CompanyZone, Filter, Op, Query};
use serde_json::{Value, json};
use support::{TestApp, hidden_csrf, spawn_demo};

const ZONE: CompanyZone = CompanyZone(chrono_tz::Asia::Shanghai);

async fn page(client: &reqwest::Client, url: String) -> (u16, String) {
    let resp = client.get(url).send().await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

async fn csrf_of(app: &TestApp, client: &reqwest::Client) -> String {
    let me: Value = client
        .get(app.url("/api/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    me["csrf_token"].as_str().unwrap().to_string()
}

/// Posts a JSON record; (status, body).
async fn send(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    csrf: &str,
    body: Value,
) -> (u16, Value) {
    let resp = client
        .request(method, url)
        .header("x-csrf-token", csrf)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

fn filter(field: &str, op: Op, value: &str) -> Query {
    Query {
        filters: vec![Filter {
            field: field.into(),
            op,
            value: value.into(),
        }],
        limit: Some(1),
        ..Query::default()
    }
}

#[tokio::test]
async fn record_forms_create_edit_refuse_and_audit_on_every_backend() {
    for db in kaohe_testkit::every_backend().await {
        let backend = db.backend;
        let app = spawn_demo(db).await;
        let system = Viewer::system("test");
        let rep = app.sign_in("rep", "kaohe-demo").await;
        let csrf = csrf_of(&app, &rep).await;
        let me: Value = rep
            .get(app.url("/api/me"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let my_id = me["employee_id"].as_i64().unwrap();
        let my_code = app.store.employee(&system, my_id).await.unwrap().code;

        // The new-call form is drawn from the column set, with the rep as the employee.
        let (status, html) = page(&rep, app.url("/records/calls/new")).await;
        assert_eq!(status, 200, "{backend}");
        assert!(html.contains("name=\"duration_s\""), "{backend}");
        assert!(
            html.contains(&format!("value=\"{my_code}\"")),
            "{backend}: the rep prefilled"
        );
        assert!(html.contains("通话时长(秒)"), "{backend}: Chinese labels");
        let form_csrf = hidden_csrf(&html);

        // A valid form lands and is audited as the rep's creation.
        let calls_before = app.store.count_rows("calls").await.unwrap();
        let resp = rep
            .post(app.url("/records/calls/new"))
            .form(&[
                ("csrf", form_csrf.as_str()),
                ("employee_id", my_code.as_str()),
                ("started_at", "2026-11-20T09:30"),
                ("direction", "outbound"),
                ("duration_s", "95"),
                ("outcome", "connected"),
                ("is_callback", "false"),
                ("rings", ""),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(
            resp.status(),
            303,
            "{backend}: {}",
            resp.text().await.unwrap()
        );
        let location = resp.headers()["location"].to_str().unwrap().to_string();
        let id: i64 = location
            .trim_start_matches("/records/calls/")
            .split('/')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(
            app.store.count_rows("calls").await.unwrap(),
            calls_before + 1
        );
        let audit = app.store.audit_entries(Some("calls"), 5).await.unwrap();
        let created = audit
            .iter()
            .find(|a| a.action == "create" && a.entity_id == id.to_string())
            .expect("the creation is audited");
        assert_eq!(created.actor, "rep", "{backend}");
        assert!(
            created
                .after
                .as_deref()
                .unwrap()
                .contains("\"duration_s\":95"),
            "{backend}"
        );
        let (status, html) = page(&rep, app.url(&location)).await;
        assert_eq!(status, 200, "{backend}");
        assert!(
            html.contains("已保存") && html.contains("value=\"95\""),
            "{backend}"
        );

        // Without the CSRF token nothing is written.
        let forged = rep
            .post(app.url("/records/calls/new"))
            .form(&[("employee_id", my_code.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status(), 403, "{backend}");

        // A bad form: each error next to its field, in Chinese, and nothing written.
        let resp = rep
            .post(app.url("/records/calls/new"))
            .form(&[
                ("csrf", form_csrf.as_str()),
                ("employee_id", my_code.as_str()),
                ("started_at", ""),
                ("direction", "sideways"),
                ("duration_s", "long"),
                ("outcome", "connected"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 422, "{backend}");
        let html = resp.text().await.unwrap();
        for (field, reason) in [
            ("started_at", "必填"),
            ("direction", "应为以下之一"),
            ("duration_s", "不是整数"),
        ] {
            let at = html
                .find(&format!("id=\"e-{field}\""))
                .unwrap_or_else(|| panic!("{backend}: no error next to {field}"));
            assert!(
                html[at..at + 200].contains(reason),
                "{backend}: {field}: {}",
                &html[at..at + 200]
            );
        }
        assert!(
            html.contains("value=\"long\""),
            "{backend}: the typed value is kept"
        );
        assert_eq!(
            app.store.count_rows("calls").await.unwrap(),
            calls_before + 1
        );

        // Each kind of bad input through the JSON API names its field and writes nothing.
        let good = json!({
            "employee_id": my_code, "started_at": "2026-11-20 10:00", "direction": "inbound",
            "duration_s": 30, "outcome": "connected", "rings": 2
        });
        let with = |k: &str, v: Value| {
            let mut b = good.clone();
            b[k] = v;
            b
        };
        let cases = [
            ("duration_s", with("duration_s", json!("long"))), // not a number
            ("started_at", with("started_at", json!(""))),     // missing
            ("direction", with("direction", json!("up"))),     // not a choice
            ("employee_id", with("employee_id", json!("E99999"))), // unknown reference
            ("duration_s", with("duration_s", json!(-5))),     // a rule of the record
            ("started_at", with("started_at", json!("2026-13-40"))), // not a date
            ("mood", with("mood", json!("good"))),             // no such field
        ];
        for (field, body) in cases {
            let (status, v) = send(
                &rep,
                reqwest::Method::POST,
                app.url("/api/records/calls"),
                &csrf,
                body,
            )
            .await;
            assert_eq!(status, 422, "{backend}: {field}: {v}");
            assert_eq!(v["field"], field, "{backend}: {v}");
            assert_eq!(v["errors"][0]["field"], field, "{backend}: {v}");
        }
        assert_eq!(
            app.store.count_rows("calls").await.unwrap(),
            calls_before + 1
        );
        let (status, v) = send(
            &rep,
            reqwest::Method::POST,
            app.url("/api/records/calls"),
            &csrf,
            good.clone(),
        )
        .await;
        assert_eq!(status, 201, "{backend}: {v}");

        // A duplicate business key names the key.
        let mine = app
            .store
            .list::<Customer>(&system, &filter("owner_id", Op::Eq, &my_code), &ZONE)
            .await
            .unwrap();
        let customer = &mine[0];
        let (status, v) = send(
            &rep,
            reqwest::Method::POST,
            app.url("/api/records/customers"),
            &csrf,
            json!({"archive_no": customer.archive_no, "name": "新客户甲", "class": "potential", "owner_id": my_code}),
        )
        .await;
        assert_eq!(
            (status, v["field"].as_str()),
            (422, Some("archive_no")),
            "{backend}: {v}"
        );

        // A rep cannot create a record for someone else …
        let other = app
            .store
            .list::<Call>(&system, &filter("employee_id", Op::Ne, &my_code), &ZONE)
            .await
            .unwrap()
            .remove(0);
        let other_code = app
            .store
            .employee(&system, other.employee_id)
            .await
            .unwrap()
            .code;
        let (status, v) = send(
            &rep,
            reqwest::Method::POST,
            app.url("/api/records/calls"),
            &csrf,
            with("employee_id", json!(other_code)),
        )
        .await;
        assert_eq!(
            (status, v["field"].as_str()),
            (422, Some("employee_id")),
            "{backend}: {v}"
        );

        // … nor open, edit or take over another's record: it is not there for them.
        let (status, _) = page(&rep, app.url(&format!("/records/calls/{}/edit", other.id))).await;
        assert_eq!(status, 404, "{backend}");
        let resp = rep
            .post(app.url(&format!("/records/calls/{}/edit", other.id)))
            .form(&[
                ("csrf", form_csrf.as_str()),
                ("employee_id", my_code.as_str()),
                ("started_at", "2026-11-20 11:00"),
                ("direction", "outbound"),
                ("duration_s", "1"),
                ("outcome", "connected"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 404, "{backend}");
        let (status, _) = send(
            &rep,
            reqwest::Method::PUT,
            app.url(&format!("/api/records/calls/{}", other.id)),
            &csrf,
            good.clone(),
        )
        .await;
        assert_eq!(status, 404, "{backend}");
        let just_other = Query {
            id: Some(other.id),
            ..Query::default()
        };
        let still = app
            .store
            .list::<Call>(&system, &just_other, &ZONE)
            .await
            .unwrap();
        assert_eq!(still[0].duration_s, other.duration_s, "{backend}");

        // The rep's own record is edited, audited with the before and the after.
        let (status, v) = send(
            &rep,
            reqwest::Method::PUT,
            app.url(&format!("/api/records/calls/{id}")),
            &csrf,
            with("duration_s", json!(120)),
        )
        .await;
        assert_eq!(
            (status, v["id"].as_i64()),
            (200, Some(id)),
            "{backend}: {v}"
        );
        let audit = app.store.audit_entries(Some("calls"), 5).await.unwrap();
        let updated = audit
            .iter()
            .find(|a| a.action == "update" && a.entity_id == id.to_string())
            .expect("the edit is audited");
        assert!(
            updated
                .before
                .as_deref()
                .unwrap()
                .contains("\"duration_s\":\"95\""),
            "{backend}: {updated:?}"
        );
        assert!(
            updated
                .after
                .as_deref()
                .unwrap()
                .contains("\"duration_s\":120"),
            "{backend}"
        );

        // A contract drafted by the rep; the manager reviews it from the contract's page.
        let (status, v) = send(
            &rep,
            reqwest::Method::POST,
            app.url("/api/records/contracts"),
            &csrf,
            json!({"contract_no": "HT-FORM-1", "customer_id": customer.archive_no, "employee_id": my_code,
                   "amount": "12345.60", "status": "drafted", "drafted_at": "2026-11-20 09:00",
                   "sign_due_at": "2026-11-27 18:00"}),
        )
        .await;
        assert_eq!(status, 201, "{backend}: {v}");
        let contract = v["id"].as_i64().unwrap();
        let manager = app.sign_in("manager", "kaohe-demo").await;
        let (status, html) = page(
            &manager,
            app.url(&format!("/records/contracts/{contract}/edit")),
        )
        .await;
        assert_eq!(status, 200, "{backend}");
        assert!(
            html.contains("审核通过") && html.contains("审核退回"),
            "{backend}: step buttons"
        );
        let m_csrf = hidden_csrf(&html);
        let step = |outcome: &'static str, comment: &'static str| {
            manager
                .post(app.url(&format!("/records/contracts/{contract}/step")))
                .form(&[
                    ("csrf", m_csrf.as_str()),
                    ("action", "review"),
                    ("outcome", outcome),
                    ("comment", comment),
                ])
                .send()
        };
        // A return without a comment is refused with the reason on the page.
        let resp = step("return", "").await.unwrap();
        assert_eq!(resp.status(), 303, "{backend}");
        let back = resp.headers()["location"].to_str().unwrap().to_string();
        let (_, html) = page(&manager, app.url(&back)).await;
        assert!(
            html.contains("role=\"alert\""),
            "{backend}: the refusal is shown"
        );
        let resp = step("pass", "").await.unwrap();
        assert_eq!(resp.status(), 303, "{backend}");
        let (_, html) = page(
            &manager,
            app.url(&format!("/records/contracts/{contract}/edit")),
        )
        .await;
        assert!(
            html.contains("value=\"in_review\" selected"),
            "{backend}: reviewed"
        );
        // A rep may not review: refused with the reason, the contract unchanged.
        let resp = rep
            .post(app.url(&format!("/records/contracts/{contract}/step")))
            .form(&[
                ("csrf", form_csrf.as_str()),
                ("action", "review"),
                ("outcome", "return"),
                ("comment", "x"),
            ])
            .send()
            .await
            .unwrap();
        let back = resp.headers()["location"].to_str().unwrap().to_string();
        assert!(back.contains("notice="), "{backend}: {back}");
        let (_, html) = page(
            &rep,
            app.url(&format!("/records/contracts/{contract}/edit")),
        )
        .await;
        assert!(
            html.contains("value=\"in_review\" selected"),
            "{backend}: still reviewed"
        );
    }
}

#[tokio::test]
async fn a_csv_export_streams_every_row_and_a_bad_filter_answers_before_the_file() {
    for db in kaohe_testkit::every_backend().await {
        let backend = db.backend;
        let app = spawn_demo(db).await;
        let admin = app.sign_in("admin", "kaohe-demo").await;
        let resp = admin
            .get(app.url("/records/calls/export?format=csv"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{backend}");
        // Streamed: the length is not known up front.
        assert!(resp.headers().get("content-length").is_none(), "{backend}");
        let body = resp.text().await.unwrap();
        let lines = body.trim_end().lines().count() as i64;
        let calls = app.store.count_rows("calls").await.unwrap();
        assert!(body.len() > 64 * 1024, "{backend}: several chunks");
        assert_eq!(lines, calls + 1, "{backend}: every call and the header");
        let resp = admin
            .get(app.url("/records/calls/export?format=csv&field=mood&value=1"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 422, "{backend}");
    }
}

/// Attendance is kept by leaders, clerks and HR (a rep does not record their own days); a wrong
/// day is corrected in place by its id, audited, and the corrected day is no duplicate of
/// itself while another person-day still is.
#[tokio::test]
async fn attendance_is_kept_by_leaders_and_corrected_by_its_id_on_every_backend() {
    for db in kaohe_testkit::every_backend().await {
        let backend = db.backend;
        let app = spawn_demo(db).await;
        let system = Viewer::system("test");
        let rep = app.sign_in("rep", "kaohe-demo").await;
        let rep_csrf = csrf_of(&app, &rep).await;
        let me: Value = rep
            .get(app.url("/api/me"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let rep_code = app
            .store
            .employee(&system, me["employee_id"].as_i64().unwrap())
            .await
            .unwrap()
            .code;
        let day = json!({"employee_id": rep_code, "day": "2026-11-21", "status": "absent"});

        // The rep may not record attendance: refused with the roles that do, nothing written.
        let before = app.store.count_rows("attendance").await.unwrap();
        let (status, v) = send(
            &rep,
            reqwest::Method::POST,
            app.url("/api/records/attendance"),
            &rep_csrf,
            day.clone(),
        )
        .await;
        assert_eq!(status, 403, "{backend}: {v}");
        assert!(v.to_string().contains("team_leader"), "{backend}: {v}");
        let (status, _) = page(&rep, app.url("/records/attendance/new")).await;
        assert_eq!(
            status, 403,
            "{backend}: no form for a kind the role does not record"
        );
        let (_, html) = page(&rep, app.url("/records/attendance")).await;
        assert!(
            !html.contains("/records/attendance/new"),
            "{backend}: no new-record link"
        );
        assert_eq!(app.store.count_rows("attendance").await.unwrap(), before);

        // The committee records no operational records at all.
        let committee = app.sign_in("committee", "kaohe-demo").await;
        let c_csrf = csrf_of(&app, &committee).await;
        let (status, v) = send(
            &committee,
            reqwest::Method::POST,
            app.url("/api/records/calls"),
            &c_csrf,
            json!({"employee_id": rep_code, "started_at": "2026-11-20 09:30", "direction": "outbound",
                   "duration_s": "60", "outcome": "connected", "is_callback": "false"}),
        )
        .await;
        assert_eq!(status, 403, "{backend}: {v}");

        // The leader records the day, then corrects it by its id.
        let leader = app.sign_in("leader", "kaohe-demo").await;
        let l_csrf = csrf_of(&app, &leader).await;
        let (status, v) = send(
            &leader,
            reqwest::Method::POST,
            app.url("/api/records/attendance"),
            &l_csrf,
            day.clone(),
        )
        .await;
        assert_eq!(status, 201, "{backend}: {v}");
        let id = v["id"].as_i64().unwrap();
        assert!(id > 0, "{backend}: attendance days have ids");
        // The same person-day again is a duplicate, named on its field.
        let (status, v) = send(
            &leader,
            reqwest::Method::POST,
            app.url("/api/records/attendance"),
            &l_csrf,
            day.clone(),
        )
        .await;
        assert_eq!(status, 422, "{backend}: {v}");
        assert_eq!(v["field"], "day", "{backend}: {v}");
        assert!(v.to_string().contains("考勤已存在"), "{backend}: {v}");
        let mut corrected = day.clone();
        corrected["status"] = json!("half_absent");
        let (status, v) = send(
            &leader,
            reqwest::Method::PUT,
            app.url(&format!("/api/records/attendance/{id}")),
            &l_csrf,
            corrected,
        )
        .await;
        assert_eq!(
            (status, v["id"].as_i64()),
            (200, Some(id)),
            "{backend}: {v}"
        );
        assert_eq!(
            app.store.count_rows("attendance").await.unwrap(),
            before + 1,
            "{backend}: corrected in place"
        );
        let (status, html) =
            page(&leader, app.url(&format!("/records/attendance/{id}/edit"))).await;
        assert_eq!(status, 200, "{backend}");
        assert!(html.contains("value=\"half_absent\" selected"), "{backend}");
        let audit = app
            .store
            .audit_entries(Some("attendance"), 5)
            .await
            .unwrap();
        let updated = audit
            .iter()
            .find(|a| a.action == "update" && a.entity_id == id.to_string())
            .expect("the correction is audited");
        assert_eq!(updated.actor, "leader", "{backend}");
        assert!(
            updated.before.as_deref().unwrap().contains("absent")
                && updated.after.as_deref().unwrap().contains("half_absent"),
            "{backend}: {updated:?}"
        );
    }
}
