//! The audit log viewer over HTTP on the demo company, on every backend: only HR and
//! administrators read it (every other role gets 403, from the store), its filters narrow
//! by who, entity, id, action and date, it pages, and nothing in the interface changes it.

mod support;

use chrono::{Duration, Utc};
use serde_json::{Value, json};
use support::spawn_demo;

#[tokio::test]
async fn only_hr_and_admin_read_the_audit_log_and_its_filters_work_on_every_backend() {
    for db in kaohe_testkit::every_backend().await {
        let backend = db.backend;
        let app = spawn_demo(db).await;

        for role in [
            "rep",
            "leader",
            "manager",
            "finance",
            "committee",
            "clerk",
            "service",
        ] {
            let c = app.sign_in(role, "kaohe-demo").await;
            for path in ["/api/audit", "/audit", "/api/audit?actor=rep"] {
                let status = c.get(app.url(path)).send().await.unwrap().status();
                assert_eq!(status, 403, "{backend}: {role} {path}");
            }
        }

        // A change to audit: the rep records a call, then edits it.
        let rep = app.sign_in("rep", "kaohe-demo").await;
        let me: Value = rep
            .get(app.url("/api/me"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let csrf = me["csrf_token"].as_str().unwrap().to_string();
        let code = app
            .store
            .employee(
                &kaohe_store::Viewer::system("t"),
                me["employee_id"].as_i64().unwrap(),
            )
            .await
            .unwrap()
            .code;
        let call = json!({"employee_id": code, "started_at": "2026-11-20 10:00", "direction": "outbound",
                          "duration_s": 30, "outcome": "connected"});
        let created: Value = rep
            .post(app.url("/api/records/calls"))
            .header("x-csrf-token", &csrf)
            .json(&call)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = created["id"].as_i64().unwrap();
        let mut edited = call.clone();
        edited["duration_s"] = json!(45);
        let status = rep
            .put(app.url(&format!("/api/records/calls/{id}")))
            .header("x-csrf-token", &csrf)
            .json(&edited)
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 200, "{backend}");

        for role in ["hr", "admin"] {
            let c = app.sign_in(role, "kaohe-demo").await;
            let get = |q: String| {
                let c = c.clone();
                let url = app.url(&format!("/api/audit?{q}"));
                async move {
                    let resp = c.get(url).send().await.unwrap();
                    assert_eq!(resp.status(), 200, "{q}");
                    resp.json::<Value>().await.unwrap()
                }
            };
            let v = get(format!("actor=rep&entity=calls&entity_id={id}")).await;
            let entries = v["entries"].as_array().unwrap();
            let actions: Vec<&str> = entries
                .iter()
                .map(|e| e["action"].as_str().unwrap())
                .collect();
            assert_eq!(
                actions,
                ["update", "create"],
                "{backend}: {role}: newest first: {v}"
            );
            let change = &entries[0]["changes"];
            assert_eq!(
                change,
                &json!([{"field": "duration_s", "before": "30", "after": "45"}]),
                "{backend}: the edit as a diff"
            );
            let v = get(format!("entity=calls&entity_id={id}&action=create")).await;
            assert_eq!(v["entries"].as_array().unwrap().len(), 1, "{backend}");
            let v = get("actor=nobody-at-all".into()).await;
            assert!(v["entries"].as_array().unwrap().is_empty(), "{backend}");
            let today = Utc::now().date_naive();
            let tomorrow = today + Duration::days(2);
            let v = get(format!("entity=calls&entity_id={id}&from={tomorrow}")).await;
            assert!(
                v["entries"].as_array().unwrap().is_empty(),
                "{backend}: from"
            );
            let yesterday = today - Duration::days(1);
            let v = get(format!(
                "entity=calls&entity_id={id}&from={yesterday}&to={tomorrow}"
            ))
            .await;
            assert_eq!(
                v["entries"].as_array().unwrap().len(),
                2,
                "{backend}: range"
            );
            let v = get(format!("entity=calls&entity_id={id}&to={yesterday}")).await;
            assert!(v["entries"].as_array().unwrap().is_empty(), "{backend}: to");
            let resp = c
                .get(app.url("/api/audit?from=yesterday"))
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 422, "{backend}: a bad date names the field");
            assert_eq!(resp.json::<Value>().await.unwrap()["field"], "from");

            // Pages of 50, newest first, without overlap.
            let p1 = get("page=1".into()).await;
            let p2 = get("page=2".into()).await;
            let ids = |v: &Value| -> Vec<i64> {
                v["entries"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| e["id"].as_i64().unwrap())
                    .collect()
            };
            if p1["has_next"] == true {
                assert_eq!(ids(&p1).len(), 50, "{backend}");
                assert!(
                    ids(&p2).iter().all(|i| *i < *ids(&p1).last().unwrap()),
                    "{backend}"
                );
            }

            let (status, html) = {
                let resp = c
                    .get(app.url(&format!("/audit?entity=calls&entity_id={id}")))
                    .send()
                    .await
                    .unwrap();
                (resp.status(), resp.text().await.unwrap())
            };
            assert_eq!(status, 200, "{backend}");
            assert!(
                html.contains("审计日志")
                    && html.contains("<del>30</del>")
                    && html.contains("<ins>45</ins>"),
                "{backend}"
            );

            // No interface changes the log.
            for method in [
                reqwest::Method::POST,
                reqwest::Method::PUT,
                reqwest::Method::DELETE,
            ] {
                let resp = c
                    .request(method.clone(), app.url("/api/audit"))
                    .header("x-csrf-token", "x")
                    .send()
                    .await
                    .unwrap();
                assert_eq!(resp.status(), 405, "{backend}: {method}");
            }
        }
    }
}
