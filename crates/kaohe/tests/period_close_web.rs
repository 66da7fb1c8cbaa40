//! Closing a month in the browser (issue 22), on every backend: the close page counts the
//! cycles per stage as the store does; HR previews and consolidates in bulk with the one
//! exception listed and the rest done, and running it again skips those done; the committee
//! approves (and so publishes) in bulk; HR locks in bulk with the people lacking an interview
//! refused and listed; each step is audited per person; a wrong role is refused (403) for the
//! page and every step, on the forms and the JSON API; the CLI's `--all` runs the same step.

mod support;

use chrono::NaiveDate;
use kaohe_domain::cycle::{Action, PlanItemInput, Stage};
use kaohe_domain::period::Period;
use kaohe_domain::roles::Role;
use kaohe_store::{Sql, Store, Viewer};
use serde_json::Value;
use support::{TestApp, hidden_csrf, spawn_small_demo};

const OCT: &str = "2026-10";

fn oct() -> Period {
    Period::parse(OCT).unwrap()
}

async fn viewer(store: &Store, name: &str) -> Viewer {
    kaohe::cycle::viewer(store, name).await.unwrap()
}

/// A person acting as who they are (the demo driver's way), for the superior's steps.
fn person(role: Role, id: i64) -> Viewer {
    Viewer {
        user_id: None,
        username: format!("test:{id}"),
        role,
        employee_id: Some(id),
        team_id: None,
        department_ids: Vec::new(),
    }
}

async fn stage(store: &Store, id: i64) -> Stage {
    store
        .cycle(&Viewer::system("test"), oct(), id)
        .await
        .unwrap()
        .stage()
}

/// The days of October's steps: ratings open, the committee's last day, the interview's.
async fn days(store: &Store, scheme: &str) -> (NaiveDate, NaiveDate, NaiveDate) {
    let d = store.deadlines(scheme).await.unwrap();
    let cal = store.calendar(oct().start()).await.unwrap();
    (
        d.rating_from(oct(), &cal),
        d.committee_due(oct(), &cal),
        d.feedback_due(oct(), &cal),
    )
}

/// Six people of one scheme: five rated and consolidated by the demo driver, then returned by
/// the committee (so they are rating again with every rating in), and one only brought to
/// rating without a behaviour factor (its card can have no total: the exception).
async fn six_in_rating(store: &Store) -> (Vec<i64>, i64, String) {
    let hr = viewer(store, "hr").await;
    store.open_cycles(&hr, oct()).await.unwrap();
    let all = store.cycles(&Viewer::system("test"), oct()).await.unwrap();
    let scheme = "property_consultant".to_string();
    let ids: Vec<i64> = all
        .iter()
        .filter(|c| c.scheme_code == scheme)
        .map(|c| c.employee_id)
        .take(6)
        .collect();
    assert_eq!(ids.len(), 6);
    let committee = viewer(store, "committee").await;
    let (_, committee_due, _) = days(store, &scheme).await;
    for &id in &ids[..5] {
        kaohe::demo_cycle::drive_person(store, oct(), id, Stage::Consolidated)
            .await
            .unwrap();
        let back = Action::ReturnResult {
            reason: "请复核 / please check".into(),
        };
        store
            .act(&committee, oct(), id, back, committee_due)
            .await
            .unwrap();
    }
    kaohe::demo_cycle::drive_person(store, oct(), ids[5], Stage::Rating)
        .await
        .unwrap();
    (ids[..5].to_vec(), ids[5], scheme)
}

async fn get(client: &reqwest::Client, url: String) -> (u16, String) {
    let resp = client.get(url).send().await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

/// Posts a close-page form with the page's CSRF token: status and body.
async fn post(app: &TestApp, client: &reqwest::Client, action: &str) -> (u16, String) {
    let (_, html) = get(client, app.url("/account")).await;
    let csrf = hidden_csrf(&html);
    let url = app.url(&format!("/periods/{OCT}/{action}"));
    let resp = client
        .post(url)
        .form(&[("csrf", csrf)])
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

/// `POST /api/periods/2026-10/{step}` with the session's CSRF header: status and JSON.
async fn api(app: &TestApp, client: &reqwest::Client, step: &str) -> (u16, Value) {
    let csrf = app.me(client).await["csrf_token"]
        .as_str()
        .unwrap()
        .to_string();
    let resp = client
        .post(app.url(&format!("/api/periods/{OCT}/{step}")))
        .header("x-csrf-token", csrf)
        .send()
        .await
        .unwrap();
    (
        resp.status().as_u16(),
        resp.json().await.unwrap_or(Value::Null),
    )
}

/// The number in `<span class="{class}">N</span>` of a page.
fn count(html: &str, class: &str) -> usize {
    let mark = format!("class=\"{class}\">");
    let at = html
        .find(&mark)
        .unwrap_or_else(|| panic!("no {class} in {html}"))
        + mark.len();
    html[at..]
        .split('<')
        .next()
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// The employee ids of the rows of the table with class `class` (after `after`).
fn rows_of(html: &str, after: &str, class: &str) -> Vec<i64> {
    let Some(start) = html.find(after) else {
        return Vec::new();
    };
    let rest = &html[start..];
    let Some(t) = rest.find(&format!("<table class=\"records {class}\"")) else {
        return Vec::new();
    };
    let table = &rest[t..rest[t..].find("</table>").map_or(rest.len(), |e| t + e)];
    table
        .split("<tr data-employee=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap().parse().unwrap())
        .collect()
}

/// How many audit entries of `entity` name `what` in their `after`.
async fn audited(store: &Store, entity: &str, what: &str) -> i64 {
    let mut sql = Sql::new("SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log WHERE entity = ");
    sql.bind(entity)
        .push(" AND after LIKE ")
        .bind(format!("%{what}%"));
    store.fetch_i64(&sql).await.unwrap()
}

/// The superior records the feedback interview (and the plan when one is required).
async fn interview(store: &Store, id: i64, day: NaiveDate) {
    let sup = store.supervisor_chain(id).await.unwrap()[0];
    let superior = person(Role::Manager, sup);
    let a = Action::RecordInterview {
        strengths: vec!["按时完成".into()],
        shortfalls: vec!["跟进不及时".into()],
        employee_comments: "无".into(),
    };
    store.act(&superior, oct(), id, a, day).await.unwrap();
    let state = store.cycle(&Viewer::system("t"), oct(), id).await.unwrap();
    if state.plan_required() {
        let plan = Action::SetImprovementPlan {
            items: vec![PlanItemInput {
                item: "提高跟进及时率".into(),
                owner_id: id,
                due_on: day + chrono::Duration::days(30),
            }],
        };
        store.act(&superior, oct(), id, plan, day).await.unwrap();
    }
}

#[tokio::test]
async fn hr_closes_a_month_in_bulk_with_exceptions_listed_and_steps_restartable() {
    for db in kaohe_testkit::every_backend().await {
        let b = db.backend;
        let app = spawn_small_demo(db).await;
        let store = app.store.clone();
        let (ready, late, scheme) = six_in_rating(&store).await;
        let (rating_from, committee_due, feedback_due) = days(&store, &scheme).await;
        // The day ratings open.
        app.clock.set(Some(rating_from));
        let hr = app.sign_in("hr", "kaohe-demo").await;
        let committee = app.sign_in("committee", "kaohe-demo").await;
        let rep = app.sign_in("rep", "kaohe-demo").await;

        // The page's counts per stage are the store's.
        let (status, html) = get(&hr, app.url(&format!("/periods/{OCT}"))).await;
        assert_eq!(status, 200, "{b}: {html}");
        let cycles = store.cycles(&Viewer::system("t"), oct()).await.unwrap();
        for s in Stage::ALL {
            let n = cycles.iter().filter(|c| c.state == s.as_str()).count();
            let row = format!(
                "<tr data-stage=\"{}\"><td>{}</td><td class=\"num stage-count\">{n}</td>",
                s.as_str(),
                s.name_zh()
            );
            assert!(html.contains(&row), "{b}: {row} in the page");
        }
        let (status, j) = get(&hr, app.url(&format!("/api/periods/{OCT}"))).await;
        assert_eq!(status, 200, "{b}: {j}");
        let j: Value = serde_json::from_str(&j).unwrap();
        let rating = j["stages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["stage"] == "rating")
            .unwrap()["count"]
            .as_u64();
        assert_eq!(rating, Some(6), "{b}: {j}");
        assert!(html.contains("/periods"), "{b}: the nav links the page");

        // The preview: the five with their stored total and grade; the exception and why.
        let (status, html) = get(&hr, app.url(&format!("/periods/{OCT}/consolidate"))).await;
        assert_eq!(status, 200, "{b}: {html}");
        assert_eq!(rows_of(&html, "id=\"preview\"", "ready"), ready, "{b}");
        assert_eq!(
            rows_of(&html, "id=\"preview\"", "refused"),
            vec![late],
            "{b}"
        );
        let why = html
            .split("class=\"why\">")
            .nth(1)
            .unwrap_or("")
            .split('<')
            .next()
            .unwrap();
        assert!(why.contains("尚未计算"), "{b}: the reason is shown: {why}");
        assert_eq!(
            stage(&store, ready[0]).await,
            Stage::Rating,
            "{b}: a preview writes nothing"
        );

        // Consolidate: five done, the exception refused and listed.
        let (status, html) = post(&app, &hr, "consolidate").await;
        assert_eq!(status, 200, "{b}: {html}");
        assert_eq!(count(&html, "done-count"), 5, "{b}");
        assert_eq!(count(&html, "refused-count"), 1, "{b}");
        assert_eq!(
            rows_of(&html, "id=\"outcome\"", "refused"),
            vec![late],
            "{b}"
        );
        let why = html
            .split("class=\"why\">")
            .nth(1)
            .unwrap_or("")
            .split('<')
            .next()
            .unwrap();
        assert!(why.contains("没有总分"), "{b}: why: {why}");
        for &id in &ready {
            assert_eq!(stage(&store, id).await, Stage::Consolidated, "{b}: {id}");
        }
        assert_eq!(stage(&store, late).await, Stage::Rating, "{b}");
        // Audited per person as the single step is (the demo driver consolidated them once).
        assert_eq!(
            audited(&store, "cycle", "\"action\":\"consolidate\"").await,
            10,
            "{b}: two consolidations of five people"
        );

        // Again (the API this time): the five are skipped, nothing is done twice.
        let (status, j) = api(&app, &hr, "consolidate").await;
        assert_eq!(status, 200, "{b}: {j}");
        assert_eq!(j["done"].as_array().unwrap().len(), 0, "{b}: {j}");
        assert_eq!(j["skipped"].as_array().unwrap().len(), 5, "{b}: {j}");
        assert_eq!(j["refused"][0]["employee_id"], late, "{b}: {j}");
        assert!(
            j["refused"][0]["zh"].as_str().unwrap().contains("总分"),
            "{b}: {j}"
        );
        assert_eq!(
            audited(&store, "cycle", "\"action\":\"consolidate\"").await,
            10,
            "{b}"
        );

        // Wrong roles: the page, each form and each API step.
        assert_eq!(
            get(&rep, app.url(&format!("/periods/{OCT}"))).await.0,
            403,
            "{b}"
        );
        assert_eq!(get(&rep, app.url("/periods")).await.0, 403, "{b}");
        for step in ["consolidate", "approve", "lock"] {
            assert_eq!(post(&app, &rep, step).await.0, 403, "{b}: rep {step}");
            assert_eq!(api(&app, &rep, step).await.0, 403, "{b}: rep API {step}");
        }
        assert_eq!(post(&app, &committee, "consolidate").await.0, 403, "{b}");
        assert_eq!(post(&app, &committee, "lock").await.0, 403, "{b}");
        assert_eq!(post(&app, &hr, "approve").await.0, 403, "{b}");
        assert_eq!(api(&app, &hr, "approve").await.0, 403, "{b}");
        assert_eq!(post(&app, &rep, "evaluate").await.0, 403, "{b}");

        // The committee approves in bulk: approval publishes.
        app.clock.set(Some(committee_due));
        let (status, html) = post(&app, &committee, "approve").await;
        assert_eq!(status, 200, "{b}: {html}");
        assert_eq!(count(&html, "done-count"), 5, "{b}");
        assert_eq!(count(&html, "refused-count"), 0, "{b}");
        for &id in &ready {
            assert_eq!(
                stage(&store, id).await,
                Stage::Published,
                "{b}: {id} published"
            );
        }
        let (_, again) = api(&app, &committee, "approve").await;
        assert_eq!(
            again["skipped"].as_array().unwrap().len(),
            5,
            "{b}: {again}"
        );

        // HR locks in bulk: those without an interview are refused and listed.
        for &id in &ready[..4] {
            interview(&store, id, feedback_due).await;
        }
        app.clock.set(Some(feedback_due));
        let (status, html) = post(&app, &hr, "lock").await;
        assert_eq!(status, 200, "{b}: {html}");
        assert_eq!(count(&html, "done-count"), 4, "{b}");
        assert_eq!(
            rows_of(&html, "id=\"outcome\"", "refused"),
            vec![ready[4]],
            "{b}"
        );
        assert!(html.contains("尚未记录绩效面谈"), "{b}");
        for &id in &ready[..4] {
            assert_eq!(stage(&store, id).await, Stage::Locked, "{b}: {id} locked");
        }
        assert_eq!(stage(&store, ready[4]).await, Stage::Published, "{b}");

        // The CLI runs the same step: the last one locks once interviewed.
        interview(&store, ready[4], feedback_due).await;
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_kaohe"))
            .env_remove("KAOHE_DATABASE_URL")
            .env_remove("KAOHE_CONFIG")
            .env("KAOHE_LOG", "error")
            .args([
                "--db",
                &app.db.url,
                "cycle",
                "lock-all",
                "--period",
                OCT,
                "--as",
                "hr",
            ])
            .args(["--today", &feedback_due.to_string()])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(
            out.status.success(),
            "{b}: {text} {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(text.contains("lock: 1 done, 4 done before"), "{b}: {text}");
        assert_eq!(stage(&store, ready[4]).await, Stage::Locked, "{b}");
    }
}

#[tokio::test]
async fn hr_evaluates_the_month_from_the_page_with_its_progress_polled() {
    for db in kaohe_testkit::every_backend().await {
        let b = db.backend;
        let app = spawn_small_demo(db).await;
        let hr = app.sign_in("hr", "kaohe-demo").await;
        // The form starts the job and shows the page with its progress bar.
        let (_, html) = get(&hr, app.url(&format!("/periods/{OCT}"))).await;
        let csrf = hidden_csrf(&html);
        let resp = hr
            .post(app.url(&format!("/periods/{OCT}/evaluate")))
            .form(&[("csrf", csrf)])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 303, "{b}");
        let to = resp.headers()["location"].to_str().unwrap().to_string();
        assert!(to.starts_with(&format!("/periods/{OCT}?job=")), "{b}: {to}");
        let job: i64 = to
            .split("job=")
            .nth(1)
            .unwrap()
            .split('#')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let (status, html) = get(&hr, app.url(&to)).await;
        assert_eq!(status, 200, "{b}");
        assert!(html.contains("<progress id=\"evaluate-bar\""), "{b}");
        // The API's progress until done: every scheme evaluated, the cards stored.
        let mut last = Value::Null;
        for _ in 0..600 {
            let (status, j) = get(&hr, app.url(&format!("/api/evaluations/{job}"))).await;
            assert_eq!(status, 200, "{b}: {j}");
            last = serde_json::from_str(&j).unwrap();
            if last["state"] != "running" {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(last["state"], "done", "{b}: {last}");
        assert_eq!(last["done"], last["total"], "{b}: {last}");
        let stored = app
            .store
            .scorecards(&Viewer::system("t"), OCT, None)
            .await
            .unwrap()
            .len();
        assert!(stored > 0, "{b}");
        assert_eq!(
            last["scorecards"].as_u64(),
            Some(stored as u64),
            "{b}: {last}"
        );
        // Another person's job is not theirs to read; a rep may not start one.
        let rep = app.sign_in("rep", "kaohe-demo").await;
        assert_eq!(
            get(&rep, app.url(&format!("/api/evaluations/{job}")))
                .await
                .0,
            404,
            "{b}"
        );
        assert_eq!(api(&app, &rep, "evaluate").await.0, 403, "{b}");
    }
}
