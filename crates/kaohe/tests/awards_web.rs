//! Monthly awards and career-ladder decisions over the JSON API on the demo company, on every
//! backend: a rep neither computes nor decides and sees only their own awards; HR confirms an
//! award and finance marks it paid; a rejection without a reason names the field; a manager
//! cannot decide on a ladder recommendation about someone outside their department.

mod support;

use serde_json::{Value, json};
use support::{hidden_csrf, spawn_demo, test_today};

async fn get_json(client: &reqwest::Client, url: String) -> Value {
    let resp = client.get(url).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

/// The session's CSRF token (from the sign-out form every page carries).
async fn csrf(client: &reqwest::Client, url: String) -> String {
    let resp = client.get(url).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    hidden_csrf(&resp.text().await.unwrap())
}

async fn post(client: &reqwest::Client, url: String, token: &str, body: Value) -> (u16, String) {
    let resp = client
        .post(url)
        .header("x-csrf-token", token)
        .json(&body)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

fn ids(rows: &Value) -> Vec<i64> {
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn awards_and_ladder_decisions_follow_roles_and_scopes() {
    for db in kaohe_testkit::every_backend().await {
        let app = spawn_demo(db).await;
        app.clock.set(Some(test_today()));
        let rep = app.sign_in("rep", "kaohe-demo").await;
        let hr = app.sign_in("hr", "kaohe-demo").await;
        let finance = app.sign_in("finance", "kaohe-demo").await;
        let manager = app.sign_in("manager", "kaohe-demo").await;
        let rep_csrf = csrf(&rep, app.url("/credit")).await;
        let hr_csrf = csrf(&hr, app.url("/credit")).await;
        let finance_csrf = csrf(&finance, app.url("/credit")).await;
        let manager_csrf = csrf(&manager, app.url("/credit")).await;
        let period = "2026-09";

        // A rep may not compute awards; HR may.
        let (status, _) = post(
            &rep,
            app.url("/api/awards/compute"),
            &rep_csrf,
            json!({ "period": period }),
        )
        .await;
        assert_eq!(status, 403);
        let (status, body) = post(
            &hr,
            app.url("/api/awards/compute"),
            &hr_csrf,
            json!({ "period": period }),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let bad = hr
            .get(app.url("/api/awards?period=2026-13"))
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status(), 422);

        // The rep sees only their own awards, HR everybody's.
        let all = get_json(&hr, app.url(&format!("/api/awards?period={period}"))).await;
        let all_rows = all.as_array().unwrap();
        assert!(!all_rows.is_empty(), "the demo month has candidates");
        let (rep_emp,): (i64,) = app
            .store
            .fetch_optional(&kaohe_store::Sql::new(
                "SELECT employee_id FROM users WHERE username = 'rep'",
            ))
            .await
            .unwrap()
            .unwrap();
        let mine = get_json(&rep, app.url(&format!("/api/awards?period={period}"))).await;
        for row in mine.as_array().unwrap() {
            assert_eq!(row["employee_id"].as_i64(), Some(rep_emp), "{row}");
        }
        assert!(mine.as_array().unwrap().len() < all_rows.len());

        // A person's proposed award (not HR's own): the rep may not decide it.
        let (hr_emp,): (i64,) = app
            .store
            .fetch_optional(&kaohe_store::Sql::new(
                "SELECT employee_id FROM users WHERE username = 'hr'",
            ))
            .await
            .unwrap()
            .unwrap();
        let proposed: Vec<&Value> = all_rows
            .iter()
            .filter(|r| {
                r["status"] == "proposed" && r["employee_id"].as_i64().is_some_and(|e| e != hr_emp)
            })
            .collect();
        assert!(proposed.len() >= 2, "{all}");
        let first = proposed[0]["id"].as_i64().unwrap();
        let second = proposed[1]["id"].as_i64().unwrap();
        let decide = |id: i64| app.url(&format!("/api/awards/{id}/decision"));
        let (status, _) = post(
            &rep,
            decide(first),
            &rep_csrf,
            json!({ "decision": "confirm" }),
        )
        .await;
        assert!(status == 403 || status == 404, "{status}");
        let no_csrf = hr
            .post(decide(first))
            .json(&json!({ "decision": "confirm" }))
            .send()
            .await
            .unwrap();
        assert_eq!(no_csrf.status(), 403);

        // HR confirms, finance marks paid (HR may not).
        let amount = json!({ "decision": "confirm", "amount_cents": 50_000 });
        let (status, body) = post(&hr, decide(first), &hr_csrf, amount).await;
        assert_eq!(status, 200, "{body}");
        let paid = json!({ "decision": "paid" });
        let (status, _) = post(&hr, decide(first), &hr_csrf, paid.clone()).await;
        assert_eq!(status, 403);
        let (status, body) = post(&finance, decide(first), &finance_csrf, paid).await;
        assert_eq!(status, 200, "{body}");
        let now = get_json(&hr, app.url(&format!("/api/awards?period={period}"))).await;
        let row = now
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"].as_i64() == Some(first))
            .unwrap();
        assert_eq!(row["status"], "paid", "{row}");

        // A rejection without a reason names the field; with one it is stored.
        let (status, body) = post(
            &hr,
            decide(second),
            &hr_csrf,
            json!({ "decision": "reject", "reason": "  " }),
        )
        .await;
        assert_eq!(status, 422);
        assert!(body.contains("reason"), "{body}");
        let (status, body) = post(
            &hr,
            decide(second),
            &hr_csrf,
            json!({ "decision": "reject", "reason": "已另行奖励" }),
        )
        .await;
        assert_eq!(status, 200, "{body}");

        // The ladder: HR sees every recommendation, the manager only their department's; a
        // decision on someone outside it is refused as not found and stays undecided.
        let month = kaohe_domain::period::Period::parse("2026-10").unwrap();
        app.store
            .evaluate_ladder(&kaohe_store::Viewer::system("test"), month)
            .await
            .unwrap();
        let every = get_json(&hr, app.url("/api/ladder?period=2026-10")).await;
        let theirs = ids(&get_json(&manager, app.url("/api/ladder?period=2026-10")).await);
        let outside: Vec<i64> = ids(&every)
            .into_iter()
            .filter(|id| !theirs.contains(id))
            .collect();
        assert!(!outside.is_empty(), "{every}");
        let ladder = |id: i64| app.url(&format!("/api/ladder/{id}/decision"));
        let (status, body) = post(
            &manager,
            ladder(outside[0]),
            &manager_csrf,
            json!({ "decision": "confirm" }),
        )
        .await;
        assert_eq!(status, 404, "{body}");
        let still = get_json(&hr, app.url("/api/ladder?period=2026-10")).await;
        let row = still
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"].as_i64() == Some(outside[0]))
            .unwrap();
        assert_eq!(row["status"], "recommended", "{row}");
        if let Some(inside) = theirs.first() {
            let (status, body) = post(
                &manager,
                ladder(*inside),
                &manager_csrf,
                json!({ "decision": "reject", "reason": "" }),
            )
            .await;
            assert_eq!(status, 422);
            assert!(body.contains("reason"), "{body}");
        }
        let (status, _) = post(
            &rep,
            ladder(outside[0]),
            &rep_csrf,
            json!({ "decision": "confirm" }),
        )
        .await;
        assert!(status == 403 || status == 404, "{status}");
    }
}
