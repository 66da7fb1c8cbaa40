//! The assessment cycle through the browser routes, on every backend: the employee confirms
//! the targets through the form and the item leaves the inbox; refused steps answer 409 / 403
//! with the domain's reason in the user's language; the leader rates through the form; a rep
//! cannot open another person's cycle (404); a customer's link rates once and then answers 410.

mod support;

use chrono::{NaiveDate, Utc};
use kaohe_domain::cycle::{Action, Stage, Target};
use kaohe_domain::period::Period;
use kaohe_store::{Store, Viewer};
use serde_json::Value;
use support::{TestApp, hidden_csrf, spawn_demo};

const OCT: &str = "2026-10";

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap()
}

fn oct() -> Period {
    Period::parse(OCT).unwrap()
}

async fn json(client: &reqwest::Client, url: String) -> Value {
    client.get(url).send().await.unwrap().json().await.unwrap()
}

async fn page(client: &reqwest::Client, url: String) -> (u16, String) {
    let resp = client.get(url).send().await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

/// Posts a cycle form with the page's CSRF token; the status and body.
async fn step(
    app: &TestApp,
    client: &reqwest::Client,
    employee: i64,
    fields: &[(&str, &str)],
) -> (u16, String) {
    let url = app.url(&format!("/cycle/{OCT}/{employee}"));
    let (status, html) = page(client, url.clone()).await;
    assert_eq!(status, 200, "{html}");
    let csrf = hidden_csrf(&html);
    let mut form: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
    form.extend_from_slice(fields);
    let resp = client.post(url).form(&form).send().await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

async fn viewer(store: &Store, name: &str) -> Viewer {
    kaohe::cycle::viewer(store, name).await.unwrap()
}

/// Opens October's cycles and has the rep's superior propose a target.
async fn open_and_propose(store: &Store, rep: i64) -> i64 {
    let hr = viewer(store, "hr").await;
    store.open_cycles(&hr, oct()).await.unwrap();
    let sup = store.supervisor_chain(rep).await.unwrap()[0];
    let state = store.cycle(&hr, oct(), rep).await.unwrap();
    let lib = store.library().await.unwrap();
    let scheme = lib.library.scheme(&state.setup().scheme_code).unwrap();
    let indicator = scheme.indicator_codes().next().unwrap().to_string();
    let superior = Viewer {
        user_id: None,
        username: "test:superior".into(),
        role: kaohe_domain::roles::Role::TeamLeader,
        employee_id: Some(sup),
        team_id: None,
        department_ids: Vec::new(),
    };
    let propose = Action::ProposeTargets {
        targets: vec![Target {
            indicator,
            value: None,
        }],
        basis: "上期实绩".into(),
    };
    store
        .act(&superior, oct(), rep, propose, day(10, 1))
        .await
        .unwrap();
    sup
}

/// HR and the committee approve the targets; the rep submits the self-review through the
/// form after the month.
async fn to_rating(app: &TestApp, rep_client: &reqwest::Client, rep: i64) {
    let store = &app.store;
    let hr = viewer(store, "hr").await;
    let committee = viewer(store, "committee").await;
    store
        .act(&hr, oct(), rep, Action::ApproveTargetsHr, day(10, 2))
        .await
        .unwrap();
    store
        .act(
            &committee,
            oct(),
            rep,
            Action::ApproveTargetsCommittee,
            day(10, 2),
        )
        .await
        .unwrap();
    app.clock.set(Some(day(11, 2)));
    let (status, _) = step(
        app,
        rep_client,
        rep,
        &[
            ("action", "submit_self_review"),
            ("work_report", "十月工作总结"),
            ("self_evaluation", "完成主要工作"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let state = store.cycle(&hr, oct(), rep).await.unwrap();
    assert_eq!(state.stage(), Stage::Rating);
}

#[tokio::test]
async fn the_cycle_runs_through_inbox_forms_refusals_scope_and_a_customer_link() {
    for db in kaohe_testkit::every_backend().await {
        let backend = db.backend;
        let app = spawn_demo(db).await;
        app.clock.set(Some(day(10, 1)));
        let rep = app.sign_in("rep", "kaohe-demo").await;
        let me = json(&rep, app.url("/api/me")).await;
        let rep_id = me["employee_id"].as_i64().unwrap();
        let sup = open_and_propose(&app.store, rep_id).await;

        // The inbox lists the confirmation, linked to the cycle page.
        let inbox = json(&rep, app.url("/api/inbox")).await;
        let link = format!("/cycle/{OCT}/{rep_id}");
        let confirm = inbox
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["kind"] == "confirm_targets")
            .unwrap_or_else(|| panic!("{backend:?}: no confirmation in {inbox}"));
        assert_eq!(confirm["link"], link.as_str());
        let (status, html) = page(&rep, app.url("/inbox")).await;
        assert_eq!(status, 200);
        assert!(
            html.contains("data-kind=\"confirm_targets\"") && html.contains("class=\"badge\""),
            "{html}"
        );

        // Confirm through the form; the item leaves the inbox.
        let (status, _) = step(&app, &rep, rep_id, &[("action", "confirm_targets")]).await;
        assert_eq!(status, 303, "{backend:?}");
        let inbox = json(&rep, app.url("/api/inbox")).await;
        assert!(
            inbox
                .as_array()
                .unwrap()
                .iter()
                .all(|i| i["kind"] != "confirm_targets"),
            "{backend:?}: {inbox}"
        );
        let (_, html) = page(&rep, app.url(&link)).await;
        assert!(html.contains("指标待人力资源审核"), "{html}");
        assert!(html.contains("确认考核指标"), "the history shows the step");

        // Refused: confirming again is the wrong state (409), HR's approval the wrong role (403).
        let (status, html) = step(&app, &rep, rep_id, &[("action", "confirm_targets")]).await;
        assert_eq!(status, 409, "{backend:?}: {html}");
        assert!(html.contains("class=\"error\""), "{html}");
        let body = approve_as_rep(&app, &rep, rep_id, 403).await;
        assert_eq!(body["error"], body["zh"], "zh-CN is the rep's language");
        assert!(body["allowed_now"].is_array(), "{body}");
        assert_ne!(body["zh"], body["en"]);
        let mut en =
            kaohe_store::Sql::new("UPDATE users SET language = 'en' WHERE username = 'rep'");
        en.push("");
        app.store.execute(&en).await.unwrap();
        let body = approve_as_rep(&app, &rep, rep_id, 403).await;
        assert_eq!(body["error"], body["en"], "now in English");
        let (status, html) = step(&app, &rep, rep_id, &[("action", "confirm_targets")]).await;
        assert_eq!(status, 409);
        assert!(
            html.contains("class=\"error\"") && html.contains("lang=\"en\""),
            "{html}"
        );

        // A rep cannot open someone else's cycle.
        let (status, _) = page(&rep, app.url(&format!("/cycle/{OCT}/{sup}"))).await;
        assert_eq!(status, 404, "{backend:?}");
        let other = json(
            &rep,
            app.url(&format!("/api/cycle?period={OCT}&employee={sup}")),
        )
        .await;
        assert!(other["error"].is_string(), "{other}");

        to_rating(&app, &rep, rep_id).await;
        rate_as_leader(&app, rep_id, sup).await;
        customer_link(&app, rep_id).await;
        let (_, html) = page(&rep, app.url("/")).await;
        assert!(
            html.contains("My pending steps") && !html.contains("overdue-steps"),
            "{html}"
        );
        publish_and_appeal(&app, &rep, rep_id).await;
    }
}

/// The rep tries HR's approval through the JSON API; the refusal's body.
async fn approve_as_rep(app: &TestApp, rep: &reqwest::Client, rep_id: i64, want: u16) -> Value {
    let link = format!("/cycle/{OCT}/{rep_id}");
    let csrf = hidden_csrf(&page(rep, app.url(&link)).await.1);
    let resp = rep
        .post(app.url("/api/cycle/act"))
        .header("x-csrf-token", &csrf)
        .json(&serde_json::json!({ "period": OCT, "employee": rep_id, "action": "approve_targets_hr" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), want);
    resp.json().await.unwrap()
}

/// The rep's superior signs in and rates every rated indicator through the form.
async fn rate_as_leader(app: &TestApp, rep_id: i64, sup: i64) {
    let leader = app.sign_in("leader", "kaohe-demo").await;
    let me = json(&leader, app.url("/api/me")).await;
    assert_eq!(
        me["employee_id"].as_i64(),
        Some(sup),
        "the demo leader leads the rep"
    );
    app.clock.set(Some(day(11, 5)));
    let hr = viewer(&app.store, "hr").await;
    let rated = app
        .store
        .cycle(&hr, oct(), rep_id)
        .await
        .unwrap()
        .setup()
        .rated_indicators
        .clone();
    assert!(!rated.is_empty(), "the rep's scheme has rated indicators");
    let names: Vec<String> = rated.iter().map(|c| format!("rating_{c}")).collect();
    let mut fields: Vec<(&str, &str)> = vec![("action", "submit_rating"), ("group", "superior")];
    fields.extend(names.iter().map(|n| (n.as_str(), "88")));
    let (status, html) = step(app, &leader, rep_id, &fields).await;
    assert_eq!(status, 303, "{html}");
    let state = app.store.cycle(&hr, oct(), rep_id).await.unwrap();
    let mine = state
        .ratings()
        .iter()
        .filter(|r| r.group == kaohe_domain::scheme::RaterGroup::Superior && r.value == 88.0)
        .count();
    assert_eq!(mine, rated.len());
    // Overdue steps are on the leader's board; pending steps on everybody's dashboard.
    let (status, html) = page(&leader, app.url("/board")).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("class=\"overdue-steps\"") && html.contains("逾期步骤"),
        "{html}"
    );
    let (status, html) = page(&leader, app.url("/")).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("我的待办"),
        "everybody sees their pending steps"
    );
}

/// HR keeps ratings open, issues a customer link; the customer answers once, then 410.
async fn customer_link(app: &TestApp, rep_id: i64) {
    let store = &app.store;
    let hr = viewer(store, "hr").await;
    let extend = Action::ExtendRating {
        until: NaiveDate::from_ymd_opt(2099, 12, 31).unwrap(),
        reason: "客户评价".into(),
    };
    store
        .act(&hr, oct(), rep_id, extend, day(11, 5))
        .await
        .unwrap();
    let mut sql = kaohe_store::Sql::new("SELECT MIN(id) FROM customers WHERE owner_id = ");
    sql.bind(rep_id);
    let customer = store.fetch_i64(&sql).await.unwrap().to_string();
    let link = kaohe_store::cycle::NewLink {
        customer: &customer,
        contact_name: "王经理",
        contact: "13800001234",
    };
    let issued = store
        .issue_rating_link(&hr, oct(), rep_id, &link, Utc::now())
        .await
        .unwrap();
    let rated = store
        .cycle(&hr, oct(), rep_id)
        .await
        .unwrap()
        .setup()
        .rated_indicators
        .clone();
    let stranger = app.client();
    let url = app.url(&format!("/rate/{}", issued.secret));
    let (status, html) = page(&stranger, url.clone()).await;
    assert_eq!(status, 200, "{html}");
    assert!(
        !html.contains("测试公司"),
        "the link shows nothing of the company"
    );
    let csrf = hidden_csrf(&html);
    let names: Vec<String> = rated.iter().map(|c| format!("q_{c}")).collect();
    let mut form: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
    form.extend(names.iter().map(|n| (n.as_str(), "90")));
    let resp = stranger.post(url.clone()).form(&form).send().await.unwrap();
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
    let resp = stranger.post(url.clone()).form(&form).send().await.unwrap();
    assert_eq!(resp.status(), 410);
    let html = resp.text().await.unwrap();
    assert!(
        html.contains("链接已使用") && html.contains("used already"),
        "{html}"
    );
    let (status, _) = page(&stranger, url).await;
    assert_eq!(status, 410);
    let (status, _) = page(&stranger, app.url("/rate/not-a-link")).await;
    assert_eq!(status, 410);
}

/// HR consolidates and the committee approves through the forms; the rep appeals.
async fn publish_and_appeal(app: &TestApp, rep: &reqwest::Client, rep_id: i64) {
    app.clock.set(Some(day(11, 10)));
    let hr = app.sign_in("hr", "kaohe-demo").await;
    let (status, html) = step(app, &hr, rep_id, &[("action", "consolidate")]).await;
    assert_eq!(status, 303, "{html}");
    let committee = app.sign_in("committee", "kaohe-demo").await;
    let (status, html) = step(app, &committee, rep_id, &[("action", "approve_result")]).await;
    assert_eq!(status, 303, "{html}");
    let (status, html) = step(
        app,
        rep,
        rep_id,
        &[
            ("action", "appeal"),
            ("reason", "客户评分有误"),
            ("evidence", "回访记录"),
        ],
    )
    .await;
    assert_eq!(status, 303, "{html}");
    let hr_viewer = viewer(&app.store, "hr").await;
    let appeals = app.store.appeals(&hr_viewer, oct()).await.unwrap();
    assert_eq!(appeals.len(), 1);
}
