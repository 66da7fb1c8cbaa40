//! The real server on a random port, over a fresh database per backend, checked through HTTP.

mod support;

use serde_json::Value;
use support::{hidden_csrf, spawn_demo};

async fn json(client: &reqwest::Client, url: String) -> (u16, Value) {
    let resp = client.get(url).send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_demo_company_is_served_over_http_on_every_backend() {
    for db in kaohe_testkit::every_backend().await {
        let backend = db.backend;
        let app = spawn_demo(db).await;
        let anon = app.client();

        let (status, health) = json(&anon, app.url("/healthz")).await;
        assert_eq!(
            (status, health["status"].as_str()),
            (200, Some("ok")),
            "{backend}"
        );
        assert_eq!(health["backend"], backend);

        // Strangers get neither data nor the dashboard.
        assert_eq!(
            json(&anon, app.url("/api/employees")).await.0,
            401,
            "{backend}"
        );
        let home = anon.get(app.url("/")).send().await.unwrap();
        assert_eq!(home.status(), 303);
        assert_eq!(home.headers()["location"], "/login");

        // HR sees the whole company: about 80 people and every record kind.
        let hr = app.sign_in("hr", "kaohe-demo").await;
        let (status, people) = json(&hr, app.url("/api/employees")).await;
        assert_eq!(status, 200);
        let people = people["employees"].as_array().unwrap().clone();
        assert!(
            (70..=100).contains(&people.len()),
            "{backend}: {} people",
            people.len()
        );
        let (_, stats) = json(&hr, app.url("/api/stats")).await;
        for kind in stats["records"].as_array().unwrap() {
            assert!(
                kind["count"].as_i64().unwrap() > 0,
                "{backend}: no {}",
                kind["kind"]
            );
        }
        let (_, depts) = json(&hr, app.url("/api/departments")).await;
        assert!(
            depts["departments"].as_array().unwrap().len() >= 6,
            "{backend}"
        );
        let page = hr
            .get(app.url("/"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("测试公司") && page.contains("我的工作台"),
            "{backend}: dashboard in Chinese"
        );

        // A rep sees only themself, and another person's id answers 404, never the data.
        let rep = app.sign_in("rep", "kaohe-demo").await;
        let (_, me) = json(&rep, app.url("/api/me")).await;
        let my_id = me["employee_id"]
            .as_i64()
            .expect("the rep login is a person");
        let (_, mine) = json(&rep, app.url("/api/employees")).await;
        let mine = mine["employees"].as_array().unwrap();
        assert_eq!(mine.len(), 1, "{backend}");
        assert_eq!(mine[0]["id"].as_i64(), Some(my_id));
        let other = people
            .iter()
            .map(|p| p["id"].as_i64().unwrap())
            .find(|id| *id != my_id)
            .unwrap();
        assert_eq!(
            json(&rep, app.url(&format!("/api/employees/{other}")))
                .await
                .0,
            404,
            "{backend}"
        );
        let (_, rep_stats) = json(&rep, app.url("/api/stats")).await;
        let count = |s: &Value, k: &str| {
            s["records"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["kind"] == k)
                .unwrap()["count"]
                .as_i64()
                .unwrap()
        };
        assert!(
            count(&rep_stats, "attendance") < count(&stats, "attendance"),
            "{backend}: scoped counts"
        );

        // The rep's live scorecard of a month; another person's is "not found", by id in the URL.
        let (status, card) = json(&rep, app.url("/api/scorecard?period=2026-10")).await;
        assert_eq!(status, 200, "{backend}: {card}");
        assert_eq!(card["scorecard"]["employee_id"].as_i64(), Some(my_id));
        assert!(card["scorecard"]["lines"].as_array().unwrap().len() >= 3);
        let url = app.url(&format!("/api/scorecard?period=2026-10&employee={other}"));
        assert_eq!(
            json(&rep, url).await.0,
            404,
            "{backend}: another person's scorecard"
        );
        let bad = json(&rep, app.url("/api/scorecard?period=2026-13")).await;
        assert_eq!(bad.0, 422, "{backend}");
        assert!(bad.1["error"].as_str().unwrap().contains("2026-13"));
        let page = rep
            .get(app.url("/scorecard?period=2026-10"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("考核评分表") && page.contains("data-indicator="),
            "{backend}"
        );

        // Drill-down: the records behind one of the rep's indicators, never a colleague's.
        let code = card["scorecard"]["lines"][1]["code"]
            .as_str()
            .unwrap()
            .to_string();
        let url = app.url(&format!(
            "/api/explain?period=2026-10&indicator={code}&limit=3"
        ));
        let (status, x) = json(&rep, url).await;
        assert_eq!(status, 200, "{backend}: {x}");
        assert!(
            x["explanation"]["records"]
                .as_array()
                .unwrap()
                .iter()
                .all(|r| r["sample"].as_array().unwrap().len() <= 3)
        );
        let url = app.url(&format!(
            "/api/explain?period=2026-10&indicator={code}&employee={other}"
        ));
        assert_eq!(
            json(&rep, url).await.0,
            404,
            "{backend}: a colleague's drill-down"
        );

        // A team leader sees the team, more than a rep and less than HR.
        let leader = app.sign_in("leader", "kaohe-demo").await;
        let (_, team) = json(&leader, app.url("/api/employees")).await;
        let n = team["employees"].as_array().unwrap().len();
        assert!(n > 1 && n < people.len(), "{backend}: leader sees {n}");
    }
}

#[tokio::test]
async fn sign_in_and_sign_out_are_protected_against_forgery() {
    let app = spawn_demo(kaohe_testkit::sqlite()).await;
    let client = app.client();
    // A sign-in form posted without the form's own token is refused.
    let resp = client
        .post(app.url("/login"))
        .form(&[
            ("username", "hr"),
            ("password", "kaohe-demo"),
            ("csrf", "forged"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    assert!(
        resp.headers()
            .get_all("set-cookie")
            .iter()
            .all(|c| !c.to_str().unwrap().starts_with("kaohe_session="))
    );

    // Wrong password: the page says so, in Chinese by default.
    let page = client
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = hidden_csrf(&page);
    let resp = client
        .post(app.url("/login"))
        .form(&[
            ("username", "hr"),
            ("password", "wrong-password"),
            ("csrf", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert!(resp.text().await.unwrap().contains("用户名或密码错误"));

    // Signed in, sign-out without the session's CSRF token is refused; with it, it works.
    let hr = app.sign_in("hr", "kaohe-demo").await;
    let resp = hr
        .post(app.url("/logout"))
        .form(&[("csrf", "nope")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    assert_eq!(
        json(&hr, app.url("/api/me")).await.0,
        200,
        "still signed in"
    );
    let page = hr
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = hidden_csrf(&page);
    let resp = hr
        .post(app.url("/logout"))
        .form(&[("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    assert_eq!(json(&hr, app.url("/api/me")).await.0, 401, "signed out");
}

#[tokio::test]
async fn cookies_are_http_only_and_same_site_and_every_response_has_a_request_id() {
    let app = spawn_demo(kaohe_testkit::sqlite()).await;
    let resp = app.client().get(app.url("/login")).send().await.unwrap();
    assert!(resp.headers().contains_key("x-request-id"));
    let cookie = resp.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let css = app
        .client()
        .get(app.url("/assets/app.css"))
        .send()
        .await
        .unwrap();
    assert_eq!(css.status(), 200);
    assert!(
        css.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
}
