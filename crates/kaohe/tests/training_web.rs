//! Training, meetings and customer credit on the demo company over HTTP, on every backend:
//! the year's plan against what was held, the missed weekly meetings flagged to the manager,
//! a customer over its limit flagged before signing, the approval form's rules, and the
//! receivables ageing.

mod support;

use serde_json::Value;
use support::{hidden_csrf, spawn_demo, test_today};

async fn json(client: &reqwest::Client, url: String) -> Value {
    let resp = client.get(url).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

async fn page(client: &reqwest::Client, url: String) -> String {
    let resp = client.get(url).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    resp.text().await.unwrap()
}

#[tokio::test]
async fn the_demo_company_shows_its_training_plan_missed_meetings_and_credit_flags() {
    for db in kaohe_testkit::every_backend().await {
        let app = spawn_demo(db).await;
        app.clock.set(Some(test_today()));
        let today = test_today().to_string();
        let manager = app.sign_in("manager", "kaohe-demo").await;

        // A year's plan: every course planned before today was held, with scores.
        let report = json(&manager, app.url("/api/training/report?year=2026")).await;
        let courses = report.as_array().unwrap();
        assert_eq!(courses.len(), 12);
        for c in courses {
            let held = c["sessions"].as_u64().unwrap() > 0;
            let past = c["planned_on"].as_str().unwrap() < today.as_str();
            assert_eq!(held, past, "{c}");
        }
        assert!(
            courses
                .iter()
                .any(|c| c["scored"].as_u64() > c["passed"].as_u64())
        );
        let html = page(&manager, app.url("/training?year=2026")).await;
        assert!(html.contains("新产品知识培训") && html.contains("未举办"));

        // The career ladder shows passed and failed training with its recommendations.
        let month = kaohe_domain::period::Period::parse("2026-10").unwrap();
        let recs = app
            .store
            .evaluate_ladder(&kaohe_store::Viewer::system("test"), month)
            .await
            .unwrap();
        assert!(
            recs.iter()
                .any(|r| r.basis.contains("培训：") && r.basis.contains("training: ")),
            "{recs:?}"
        );

        // Weekly meetings: some missed, flagged on the page and in the manager's inbox.
        let weeks = json(&manager, app.url("/api/meetings/weeks")).await;
        assert!(
            weeks
                .as_array()
                .unwrap()
                .iter()
                .any(|w| w["status"] == "missed")
        );
        let html = page(&manager, app.url("/meetings")).await;
        assert!(html.contains("data-status=\"missed\""));
        let inbox = json(&manager, app.url("/api/inbox")).await;
        assert!(
            inbox
                .as_array()
                .unwrap()
                .iter()
                .any(|i| i["kind"] == "missed_meeting"),
            "{inbox}"
        );
        let decisions = json(&manager, app.url("/api/meetings/decisions")).await;
        assert!(!decisions.as_array().unwrap().is_empty());

        // Credit: a customer of the manager's department owes more than its limit; any new
        // order for it is flagged before signing.
        let html = page(&manager, app.url("/credit")).await;
        let csrf = hidden_csrf(&html);
        let sql = kaohe_store::Sql::new(
            "SELECT c.archive_no FROM customers c JOIN employees e ON e.id = c.owner_id \
             JOIN credit_assessments a ON a.customer_id = c.id \
             WHERE e.department_id IN (SELECT department_id FROM employees e2 JOIN users u ON u.employee_id = e2.id WHERE u.username = 'manager') \
             AND a.watch = FALSE ORDER BY a.limit_cents LIMIT 1",
        );
        let (archive,): (String,) = app.store.fetch_optional(&sql).await.unwrap().unwrap();
        let check = json(
            &manager,
            app.url(&format!(
                "/api/credit/check?customer={archive}&amount=99999999"
            )),
        )
        .await;
        assert_eq!(check["flags"][0], "over_limit", "{check}");
        let bad = manager
            .get(app.url(&format!(
                "/api/credit/check?customer={archive}&amount=1.234"
            )))
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status(), 422);
        assert!(bad.text().await.unwrap().contains("amount"));

        // Approvals: the session's CSRF token, a manager, and a reason.
        let body = serde_json::json!({
            "kind": "order", "ref_no": "SO-DEMO-1", "customer": archive,
            "amount": "99999999", "reason": "预付款已到账"
        });
        let no_csrf = manager
            .post(app.url("/api/credit/approvals"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(no_csrf.status(), 403);
        let mut no_reason = body.clone();
        no_reason["reason"] = Value::from(" ");
        let resp = manager
            .post(app.url("/api/credit/approvals"))
            .header("x-csrf-token", &csrf)
            .json(&no_reason)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 422);
        let resp = manager
            .post(app.url("/api/credit/approvals"))
            .header("x-csrf-token", &csrf)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let html = page(&manager, app.url("/credit")).await;
        assert!(html.contains("SO-DEMO-1") && html.contains("预付款已到账"));
        let rep = app.sign_in("rep", "kaohe-demo").await;
        let rep_page = page(&rep, app.url("/credit")).await;
        assert!(!rep_page.contains("/credit/approve"), "reps get no form");
        let form = rep
            .post(app.url("/credit/approve"))
            .form(&[
                ("csrf", hidden_csrf(&rep_page).as_str()),
                ("kind", "order"),
                ("ref_no", "SO-DEMO-2"),
                ("customer", archive.as_str()),
                ("amount", "1"),
                ("reason", "想要"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(form.status(), 403);

        // Ageing: per rep, every bucket present; the page in both languages.
        let rows = json(&manager, app.url("/api/credit/ageing?by=rep")).await;
        let rows = rows.as_array().unwrap();
        assert!(!rows.is_empty());
        assert_eq!(rows[0]["ageing"]["buckets"].as_array().unwrap().len(), 5);
        let html = page(&manager, app.url("/credit?by=rep")).await;
        assert!(html.contains("31–60天"));
        let bad = manager
            .get(app.url("/api/credit/ageing?by=team"))
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status(), 422);

        // Probation conversion: the demo has a new hire whose 3 months are over, awaiting the
        // decision; HR sees the recommendation with its basis and decides it on the page.
        let hr = app.sign_in("hr", "kaohe-demo").await;
        let due: Vec<_> = app
            .store
            .probation_inputs(&kaohe_store::Viewer::system("test"), test_today())
            .await
            .unwrap()
            .into_iter()
            .filter(|p| p.assessment.due)
            .collect();
        assert_eq!(due.len(), 1, "{due:?}");
        let rec = due[0].assessment.recommendation.expect("a recommendation");
        let html = page(&hr, app.url("/training")).await;
        assert!(html.contains("id=\"probation\"") && html.contains(&due[0].code));
        assert!(
            html.contains("action=\"/training/probation\""),
            "HR gets the form"
        );
        let rep_page = page(&rep, app.url("/training")).await;
        assert!(
            !rep_page.contains("id=\"probation\""),
            "reps see no probation"
        );
        let id = due[0].employee_id.to_string();
        let decide = |csrf: String, decision: &'static str, reason: &'static str| {
            let id = id.clone();
            let hr = hr.clone();
            let url = app.url("/training/probation");
            async move {
                hr.post(url)
                    .form(&[
                        ("csrf", csrf.as_str()),
                        ("employee", id.as_str()),
                        ("decision", decision),
                        ("reason", reason),
                    ])
                    .send()
                    .await
                    .unwrap()
            }
        };
        // Without a CSRF token: refused, nothing decided.
        let resp = decide(String::new(), rec.as_str(), "").await;
        assert_eq!(resp.status(), 403);
        let resp = decide(hidden_csrf(&html), rec.as_str(), "").await;
        assert_eq!(resp.status(), 303, "back to the page");
        let decided = app
            .store
            .fetch_i64(&kaohe_store::Sql::new(
                "SELECT COUNT(*) FROM audit_log WHERE entity = 'probation' AND action = 'decide'",
            ))
            .await
            .unwrap();
        assert_eq!(decided, 1);
    }
}
