//! Monthly awards and career-ladder decisions over HTTP (JSON API and pages) on the demo company
//! with October's cycles opened and evaluated, on every backend: a rep neither computes nor
//! decides and sees only their own awards; a manager decides awards within their department
//! and gets "not found" outside it; HR rejects only with a reason; finance marks a confirmed
//! award paid; every decision is in the audit log; a ladder recommendation is decided by the
//! person's own director, and a manager of another department is refused without seeing it.

mod support;

use kaohe_domain::period::Period;
use kaohe_domain::roles::Role;
use kaohe_store::{Sql, Store, Viewer};
use serde_json::{Value, json};
use support::{TestApp, hidden_csrf, spawn_demo, test_today};

const OCT: &str = "2026-10";

async fn get(client: &reqwest::Client, url: String) -> (u16, String) {
    let resp = client.get(url).send().await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

async fn get_json(client: &reqwest::Client, url: String) -> Value {
    let (status, body) = get(client, url).await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

/// The session's CSRF token (from the sign-out form every page carries).
async fn csrf(client: &reqwest::Client, app: &TestApp) -> String {
    let (status, body) = get(client, app.url("/awards")).await;
    assert_eq!(status, 200, "{body}");
    hidden_csrf(&body)
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

async fn post_form(
    client: &reqwest::Client,
    url: String,
    form: &[(&str, &str)],
) -> (u16, String, Option<String>) {
    let resp = client.post(url).form(form).send().await.unwrap();
    let status = resp.status().as_u16();
    let location = resp
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    (status, resp.text().await.unwrap(), location)
}

fn rows(v: &Value) -> &Vec<Value> {
    v.as_array().unwrap()
}

fn find(v: &Value, id: i64) -> &Value {
    rows(v)
        .iter()
        .find(|r| r["id"].as_i64() == Some(id))
        .unwrap_or_else(|| panic!("award {id} in {v}"))
}

async fn audit_count(store: &Store, action: &str, entity: &str, id: i64) -> i64 {
    let mut sql = Sql::new("SELECT COUNT(*) FROM audit_log WHERE action = ");
    sql.bind(action)
        .push(" AND entity = ")
        .bind(entity)
        .push(" AND entity_id = ")
        .bind(id.to_string());
    store.fetch_i64(&sql).await.unwrap()
}

async fn employee_of(store: &Store, username: &str) -> i64 {
    let mut sql = Sql::new("SELECT employee_id FROM users WHERE username = ");
    sql.bind(username);
    store.fetch_i64(&sql).await.unwrap()
}

/// October's cycles opened and evaluated: the month has award candidates.
async fn october(app: &TestApp) {
    app.clock.set(Some(test_today()));
    let hr = kaohe::cycle::viewer(&app.store, "hr").await.unwrap();
    let oct = Period::parse(OCT).unwrap();
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
}

#[tokio::test]
async fn awards_follow_roles_and_scopes_over_the_api_and_the_page() {
    for db in kaohe_testkit::every_backend().await {
        let backend = db.backend;
        let app = spawn_demo(db).await;
        october(&app).await;
        let rep = app.sign_in("rep", "kaohe-demo").await;
        let hr = app.sign_in("hr", "kaohe-demo").await;
        let finance = app.sign_in("finance", "kaohe-demo").await;
        let manager = app.sign_in("manager", "kaohe-demo").await;
        let rep_csrf = csrf(&rep, &app).await;
        let hr_csrf = csrf(&hr, &app).await;
        let finance_csrf = csrf(&finance, &app).await;
        let manager_csrf = csrf(&manager, &app).await;
        let list = || app.url(&format!("/api/awards?period={OCT}"));
        let decide = |id: i64| app.url(&format!("/api/awards/{id}/decision"));
        let paid = |id: i64| app.url(&format!("/api/awards/{id}/paid"));

        // A rep may not compute the candidates; HR may.
        let period = json!({ "period": OCT });
        let compute = app.url("/api/awards/compute");
        let (status, body) = post(&rep, compute.clone(), &rep_csrf, period.clone()).await;
        assert_eq!(status, 403, "{backend}: {body}");
        let (status, body) = post(&hr, compute, &hr_csrf, period).await;
        assert_eq!(status, 200, "{backend}: {body}");
        let (status, body) = get(&hr, app.url("/api/awards?period=2026-13")).await;
        assert_eq!(status, 422, "{body}");
        assert!(body.contains("period"), "{body}");

        // The rep sees their own awards only; HR everybody's; the manager their department's.
        let all = get_json(&hr, list()).await;
        assert!(rows(&all).len() > 5, "{backend}: {all}");
        let rep_emp = employee_of(&app.store, "rep").await;
        let mine = get_json(&rep, list()).await;
        assert!(!rows(&mine).is_empty(), "the demo rep has an award: {all}");
        for row in rows(&mine) {
            assert_eq!(row["employee_id"].as_i64(), Some(rep_emp), "{row}");
        }
        let theirs = get_json(&manager, list()).await;
        let in_scope: Vec<i64> = rows(&theirs)
            .iter()
            .map(|r| r["id"].as_i64().unwrap())
            .collect();
        assert!(!in_scope.is_empty() && in_scope.len() < rows(&all).len());
        let manager_emp = employee_of(&app.store, "manager").await;
        let inside: Vec<i64> = rows(&theirs)
            .iter()
            .filter(|r| r["employee_id"].as_i64().is_some_and(|e| e != manager_emp))
            .map(|r| r["id"].as_i64().unwrap())
            .collect();
        let outside: Vec<&Value> = rows(&all)
            .iter()
            .filter(|r| !in_scope.contains(&r["id"].as_i64().unwrap()))
            .collect();
        assert!(inside.len() >= 3 && !outside.is_empty());
        let (first, second, third) = (inside[0], inside[1], inside[2]);

        // The rep cannot decide, not even their own award; nothing goes without the CSRF token.
        let own = rows(&mine)[0]["id"].as_i64().unwrap();
        for id in [own, first] {
            let (status, body) = post(
                &rep,
                decide(id),
                &rep_csrf,
                json!({ "decision": "confirm" }),
            )
            .await;
            assert_eq!(status, 403, "{backend}: {body}");
        }
        let no_csrf = manager
            .post(decide(first))
            .json(&json!({ "decision": "confirm" }))
            .send()
            .await
            .unwrap();
        assert_eq!(no_csrf.status(), 403);

        // Outside the manager's department: not found, nothing of the award shown, and it
        // stays proposed.
        let other = outside[0]["id"].as_i64().unwrap();
        let (status, body) = post(
            &manager,
            decide(other),
            &manager_csrf,
            json!({ "decision": "confirm" }),
        )
        .await;
        assert_eq!(status, 404, "{backend}: {body}");
        assert!(!body.contains(outside[0]["basis"].as_str().unwrap()));
        assert_eq!(
            find(&get_json(&hr, list()).await, other)["status"],
            "proposed"
        );

        // Within it: the manager confirms; finance (not the manager) marks it paid.
        let (status, body) = post(
            &manager,
            decide(first),
            &manager_csrf,
            json!({ "decision": "confirm", "amount_cents": 50_000 }),
        )
        .await;
        assert_eq!(status, 200, "{backend}: {body}");
        let row: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            (row["status"].as_str(), row["amount_cents"].as_i64()),
            (Some("confirmed"), Some(50_000))
        );
        let (status, _) = post(&manager, paid(first), &manager_csrf, json!({})).await;
        assert_eq!(status, 403);
        let (status, body) = post(&finance, paid(second), &finance_csrf, json!({})).await;
        assert_eq!(status, 409, "a proposed award is not paid: {body}");
        let (status, body) = post(&finance, paid(first), &finance_csrf, json!({})).await;
        assert_eq!(status, 200, "{backend}: {body}");
        assert_eq!(find(&get_json(&hr, list()).await, first)["status"], "paid");
        let (status, _) = post(
            &manager,
            decide(first),
            &manager_csrf,
            json!({ "decision": "reject", "reason": "late" }),
        )
        .await;
        assert_eq!(status, 409, "decided once");

        // A rejection without a reason names the field; with one it is kept.
        let (status, body) = post(
            &hr,
            decide(second),
            &hr_csrf,
            json!({ "decision": "reject", "reason": "  " }),
        )
        .await;
        assert_eq!(status, 422);
        let err: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(err["field"], "reason", "{body}");
        let (status, body) = post(
            &hr,
            decide(second),
            &hr_csrf,
            json!({ "decision": "reject", "reason": "已另行奖励" }),
        )
        .await;
        assert_eq!(status, 200, "{backend}: {body}");
        let now = get_json(&hr, list()).await;
        assert_eq!(find(&now, second)["status"], "rejected");
        assert_eq!(find(&now, second)["reason"], "已另行奖励");

        // Every decision is in the audit log.
        assert_eq!(audit_count(&app.store, "decide", "award", first).await, 1);
        assert_eq!(audit_count(&app.store, "update", "award", first).await, 1);
        assert_eq!(audit_count(&app.store, "decide", "award", second).await, 1);
        assert_eq!(audit_count(&app.store, "decide", "award", other).await, 0);

        // The page: HR has the compute button and the decision forms, the rep neither; a
        // rejection typed without a reason is shown on the page, then a confirmation goes back.
        let page = app.url(&format!("/awards?period={OCT}"));
        let (status, html) = get(&hr, page.clone()).await;
        assert_eq!(status, 200);
        assert!(
            html.contains("action=\"/awards/compute\"")
                && html.contains("action=\"/awards/decide\"")
        );
        assert!(html.contains(&format!("id=\"award-{third}\"")));
        let (status, html) = get(&rep, page.clone()).await;
        assert_eq!(status, 200);
        assert!(
            !html.contains("action=\"/awards/compute\"")
                && !html.contains("action=\"/awards/decide\"")
        );
        assert!(html.contains(&format!("id=\"award-{own}\"")));
        let third_s = third.to_string();
        let (status, html, _) = post_form(
            &hr,
            app.url("/awards/decide"),
            &[
                ("csrf", &hr_csrf),
                ("period", OCT),
                ("id", &third_s),
                ("decision", "reject"),
                ("reason", ""),
            ],
        )
        .await;
        assert_eq!(status, 422);
        assert!(
            html.contains("class=\"notice error\"") && html.contains("reason"),
            "{html}"
        );
        let (status, _, location) = post_form(
            &hr,
            app.url("/awards/decide"),
            &[
                ("csrf", &hr_csrf),
                ("period", OCT),
                ("id", &third_s),
                ("decision", "confirm"),
                ("amount", ""),
            ],
        )
        .await;
        assert_eq!(status, 303);
        assert_eq!(
            location.as_deref(),
            Some(format!("/awards?period={OCT}#award-{third}").as_str())
        );
        assert_eq!(
            find(&get_json(&hr, list()).await, third)["status"],
            "confirmed"
        );
        let (status, _, _) = post_form(
            &rep,
            app.url("/awards/compute"),
            &[("csrf", &rep_csrf), ("period", OCT)],
        )
        .await;
        assert_eq!(status, 403);
    }
}

#[tokio::test]
async fn ladder_decisions_are_made_within_scope_and_kept_in_the_history() {
    for db in kaohe_testkit::every_backend().await {
        let backend = db.backend;
        let app = spawn_demo(db).await;
        app.clock.set(Some(test_today()));
        let rep = app.sign_in("rep", "kaohe-demo").await;
        let hr = app.sign_in("hr", "kaohe-demo").await;
        let manager = app.sign_in("manager", "kaohe-demo").await;
        let rep_csrf = csrf(&rep, &app).await;
        let hr_csrf = csrf(&hr, &app).await;
        let manager_csrf = csrf(&manager, &app).await;
        let list = || app.url(&format!("/api/ladder?period={OCT}"));

        // HR evaluates the month (a rep may not); everybody on the ladder is listed to HR,
        // with a stored recommendation for those the rules name.
        let evaluate = app.url("/api/ladder/evaluate");
        let period = json!({ "period": OCT });
        let (status, _) = post(&rep, evaluate.clone(), &rep_csrf, period.clone()).await;
        assert_eq!(status, 403);
        let (status, body) = post(&hr, evaluate, &hr_csrf, period).await;
        assert_eq!(status, 200, "{backend}: {body}");
        let every = get_json(&hr, list()).await;
        let stored: Vec<&Value> = rows(&every)
            .iter()
            .filter(|l| !l["stored"].is_null())
            .collect();
        assert!(stored.len() >= 2, "{every}");
        assert!(
            rows(&every).iter().any(|l| l["live"].is_null()),
            "someone stays"
        );
        let promoted = stored
            .iter()
            .find(|l| l["stored"]["kind"] == "promote")
            .expect("a promotion in the demo's October");
        let (id, person) = (
            promoted["stored"]["id"].as_i64().unwrap(),
            promoted["employee_id"].as_i64().unwrap(),
        );
        let demoted = stored
            .iter()
            .find(|l| l["stored"]["kind"] == "demote")
            .expect("a demotion in the demo's October");
        let demote_id = demoted["stored"]["id"].as_i64().unwrap();

        // The demo manager runs another department: nothing of the ladder is theirs, and a
        // decision on it is not found and changes nothing.
        assert!(rows(&get_json(&manager, list()).await).is_empty());
        let decide = |id: i64| app.url(&format!("/api/ladder/{id}/decision"));
        let (status, body) = post(
            &manager,
            decide(id),
            &manager_csrf,
            json!({ "decision": "confirm" }),
        )
        .await;
        assert_eq!(status, 404, "{backend}: {body}");
        assert!(!body.contains(promoted["name"].as_str().unwrap()));
        let (status, _) = post(
            &rep,
            decide(id),
            &rep_csrf,
            json!({ "decision": "confirm" }),
        )
        .await;
        assert!(status == 403 || status == 404, "{status}");
        let (status, _) = get(&manager, app.url(&format!("/ladder/{person}"))).await;
        assert_eq!(status, 404);
        let (status, _) = get(&rep, app.url(&format!("/api/ladder/history/{person}"))).await;
        assert_eq!(status, 404);
        let now = get_json(&hr, list()).await;
        let line = rows(&now)
            .iter()
            .find(|l| l["employee_id"].as_i64() == Some(person))
            .unwrap();
        assert_eq!(line["stored"]["status"], "recommended");

        // The person's director (a manager of their department) decides: a rejection needs a
        // reason; the promotion is confirmed and enters the level history.
        let director = {
            let mut sql = Sql::new(
                "SELECT s.supervisor_id FROM employees e JOIN employees s ON s.id = e.supervisor_id WHERE e.id = ",
            );
            sql.bind(person);
            app.store.fetch_i64(&sql).await.unwrap()
        };
        app.store
            .create_user(&kaohe_store::users::NewUser {
                username: "director",
                password: "kaohe-demo",
                role: Role::Manager,
                employee_id: Some(director),
                display_name: "直销部经理",
            })
            .await
            .unwrap();
        let boss = app.sign_in("director", "kaohe-demo").await;
        let boss_csrf = csrf(&boss, &app).await;
        assert_eq!(
            rows(&get_json(&boss, list()).await).len(),
            rows(&every).len()
        );
        let (status, body) = post(
            &boss,
            decide(demote_id),
            &boss_csrf,
            json!({ "decision": "reject", "reason": "" }),
        )
        .await;
        assert_eq!(status, 422);
        assert!(body.contains("reason"), "{body}");
        let (status, body) = post(
            &boss,
            decide(demote_id),
            &boss_csrf,
            json!({ "decision": "reject", "reason": "大单在谈" }),
        )
        .await;
        assert_eq!(status, 200, "{backend}: {body}");
        let (status, body) = post(
            &boss,
            decide(id),
            &boss_csrf,
            json!({ "decision": "confirm" }),
        )
        .await;
        assert_eq!(status, 200, "{backend}: {body}");
        let (status, _) = post(
            &boss,
            decide(id),
            &boss_csrf,
            json!({ "decision": "confirm" }),
        )
        .await;
        assert_eq!(status, 409, "decided once");
        assert_eq!(
            audit_count(&app.store, "decide", "ladder_decision", id).await,
            1
        );
        assert_eq!(
            audit_count(&app.store, "decide", "ladder_decision", demote_id).await,
            1
        );
        let history = get_json(&boss, app.url(&format!("/api/ladder/history/{person}"))).await;
        let levels = history["levels"].as_array().unwrap();
        assert_eq!(levels.last().unwrap()["reason"], "promoted", "{history}");
        assert_eq!(history["decisions"][0]["status"], "confirmed", "{history}");

        // The pages: the month with its recommendations and the person's history.
        let (status, html) = get(&boss, app.url(&format!("/ladder?period={OCT}"))).await;
        assert_eq!(status, 200);
        assert!(
            html.contains("action=\"/ladder/decide\""),
            "the director decides the rest"
        );
        assert!(html.contains("大单在谈"));
        let (status, html) = get(&boss, app.url(&format!("/ladder/{person}"))).await;
        assert_eq!(status, 200);
        assert!(html.contains("晋升"), "{html}");
        let (status, html) = get(&hr, app.url(&format!("/ladder?period={OCT}"))).await;
        assert_eq!(status, 200);
        assert!(
            html.contains("action=\"/ladder/evaluate\"")
                && !html.contains("action=\"/ladder/decide\"")
        );
    }
}
