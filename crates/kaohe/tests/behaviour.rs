//! The behaviour factor (行为系数) of the performance × behaviour scheme, entered by its users on
//! every backend: the cycle page's form, the JSON API, `kaohe cycle behaviour` and the
//! `behaviour` import all go through one store rule (0 to the scheme's maximum 1.2, acts above
//! 1.0, a violation makes it 0, superior or HR only, open or rating only), and a consolidated
//! scorecard's total is the stored performance × the factor given.

mod support;

use kaohe_domain::cycle::Stage;
use kaohe_domain::period::Period;
use kaohe_domain::roles::Role;
use kaohe_store::cycle::BehaviourInput;
use kaohe_store::{Sql, Store, Viewer};
use serde_json::{Value, json};
use std::process::{Command, Output, Stdio};
use std::time::Duration;
use support::{TestApp, spawn_demo};

const OCT: &str = "2026-10";
const RANGE_13: &str = "行为系数 1.3 超出允许范围 0–1.2";
const RANGE_NEG: &str = "行为系数 -0.1 超出允许范围 0–1.2";

fn oct() -> Period {
    Period::parse(OCT).unwrap()
}

async fn viewer(store: &Store, name: &str) -> Viewer {
    kaohe::cycle::viewer(store, name).await.unwrap()
}

/// The people assessed by a performance × behaviour scheme in October (the property consultants), each driven to the
/// rating stage (targets agreed, raters assigned, self-review in).
async fn consultants_in_rating(store: &Store) -> Vec<i64> {
    store
        .open_cycles(&viewer(store, "hr").await, oct())
        .await
        .unwrap();
    let all = store.cycles(&Viewer::system("test"), oct()).await.unwrap();
    let ids: Vec<i64> = all
        .iter()
        .filter(|c| c.scheme_code == "property_consultant")
        .map(|c| c.employee_id)
        .take(6)
        .collect();
    assert_eq!(
        ids.len(),
        6,
        "the demo has six people on the behaviour scheme"
    );
    for id in &ids {
        kaohe::demo_cycle::drive_person(store, oct(), *id, Stage::Rating)
            .await
            .unwrap();
    }
    ids
}

fn code_of(id: i64) -> String {
    format!("{id}")
}

/// `kaohe` on the test's database.
fn kaohe(app: &TestApp) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kaohe"));
    for var in ["KAOHE_DATABASE_URL", "KAOHE_CONFIG"] {
        cmd.env_remove(var);
    }
    cmd.env("KAOHE_LOG", "error")
        .arg("--db")
        .arg(&app.db.url)
        .stdin(Stdio::null());
    cmd
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `kaohe cycle behaviour` as HR; the output.
fn cli_behaviour(app: &TestApp, employee: i64, factor: &str, extra: &[&str]) -> Output {
    let mut cmd = kaohe(app);
    cmd.args(["cycle", "behaviour", "--period", OCT, "--as", "hr"])
        .args(["--employee", &code_of(employee), "--factor", factor])
        .args(extra);
    cmd.output().unwrap()
}

/// Posts the cycle page's behaviour form with the page's CSRF token: status and body.
async fn form(
    app: &TestApp,
    client: &reqwest::Client,
    employee: i64,
    fields: &[(&str, &str)],
) -> (u16, String) {
    let page = format!("/cycle/{OCT}/{employee}");
    app.post_page_form(client, &page, &format!("{page}/behaviour"), fields)
        .await
}

/// `POST /api/cycle/behaviour`: status and JSON body.
async fn api(app: &TestApp, client: &reqwest::Client, body: Value) -> (u16, Value) {
    app.post_json(client, "/api/cycle/behaviour", body).await
}

/// The stored (factor, serious violation) of a person's October.
async fn stored(store: &Store, employee: i64) -> Option<(f64, bool)> {
    let mut sql = Sql::new(
        "SELECT factor, serious_violation FROM behaviour_assessments WHERE period = '2026-10' AND employee_id = ",
    );
    sql.bind(employee);
    store.fetch_optional(&sql).await.unwrap()
}

/// The consolidated scorecard of a person's October: (total, performance).
async fn consolidated(store: &Store, employee: i64) -> (f64, f64) {
    let mut sql = Sql::new(
        "SELECT s.total, s.detail FROM scorecards s JOIN cycles c ON c.scorecard_id = s.id \
         WHERE c.period = '2026-10' AND c.employee_id = ",
    );
    sql.bind(employee);
    let (total, detail): (Option<f64>, String) = store.fetch_optional(&sql).await.unwrap().unwrap();
    let detail: Value = serde_json::from_str(&detail).unwrap();
    let performance = detail["indicators_total"].as_f64().unwrap();
    (total.unwrap(), performance)
}

/// The employee number (工号) of a person.
async fn number(store: &Store, id: i64) -> String {
    let mut sql = Sql::new("SELECT code FROM employees WHERE id = ");
    sql.bind(id);
    let (code,): (String,) = store.fetch_optional(&sql).await.unwrap().unwrap();
    code
}

#[tokio::test]
async fn the_behaviour_factor_is_given_through_form_api_cli_and_import_and_multiplies_performance()
{
    for db in kaohe_testkit::every_backend().await {
        let b = db.backend;
        let app = spawn_demo(db).await;
        let store = app.store.clone();
        let people = consultants_in_rating(&store).await;
        let [a, p2, p3, p4, p5, p6] = people[..] else {
            unreachable!()
        };
        sell_in_october(&app, &people).await;
        let hr = app.sign_in("hr", "kaohe-demo").await;

        // The web form: out of range refused with the page's error, 1.0 accepted and shown.
        let (status, html) = form(&app, &hr, a, &[("factor", "1.3"), ("acts", "x")]).await;
        assert_eq!(status, 422, "{b}");
        assert!(
            html.contains("class=\"error\"") && html.contains(RANGE_13),
            "{b}: {html}"
        );
        let (status, html) = form(&app, &hr, a, &[("factor", "-0.1")]).await;
        assert_eq!(status, 422, "{b}");
        assert!(html.contains(RANGE_NEG), "{b}: {html}");
        let (status, html) = form(&app, &hr, a, &[("factor", "abc")]).await;
        assert_eq!(status, 422, "{b}");
        assert!(
            html.contains("不是数字") && !html.contains("{\""),
            "{b}: {html}"
        );
        let (status, _) = form(&app, &hr, a, &[("factor", "1.0")]).await;
        assert_eq!(status, 303, "{b}");
        assert_eq!(stored(&store, a).await, Some((1.0, false)), "{b}");
        let page = app.url(&format!("/cycle/{OCT}/{a}"));
        let html = hr.get(&page).send().await.unwrap().text().await.unwrap();
        assert!(html.contains(">1.00</strong> · 优秀"), "{b}: {html}");

        // The API: out of range and above 1.0 without acts refused; 1.2 with acts stored.
        let body = |factor: f64, acts: &str, violation: &str, who: i64| json!({ "period": OCT, "employee": who, "factor": factor, "acts": acts, "violation": violation });
        let (status, r) = api(&app, &hr, body(1.3, "签下大单", "", p2)).await;
        assert_eq!(status, 422, "{b}: {r}");
        assert_eq!(r["error"], RANGE_13, "{b}: {r}");
        let (status, r) = api(&app, &hr, body(-0.1, "", "", p2)).await;
        assert_eq!((status, r["error"].as_str()), (422, Some(RANGE_NEG)), "{b}");
        let (status, r) = api(&app, &hr, body(1.1, "", "", p2)).await;
        assert_eq!(status, 422, "{b}: {r}");
        assert!(
            r["error"].as_str().unwrap().contains("突出表现"),
            "{b}: {r}"
        );
        assert_eq!(stored(&store, p2).await, None, "{b}: nothing stored");
        let (status, r) = api(&app, &hr, body(1.2, "签下年度最大订单", "", p2)).await;
        assert_eq!(status, 200, "{b}: {r}");
        let got: Value = hr
            .get(app.url(&format!("/api/cycle/behaviour?period={OCT}&employee={p2}")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(got["stored"]["factor"], 1.2, "{b}: {got}");
        assert_eq!(got["stored"]["acts"], "签下年度最大订单", "{b}: {got}");
        assert_eq!(got["max_factor"], 1.2, "{b}: {got}");

        // A violation: with a factor above 0 refused; with 0 stored as a violation.
        let (status, r) = api(&app, &hr, body(0.8, "", "醉酒驾驶", p4)).await;
        assert_eq!(status, 422, "{b}: {r}");
        let (status, r) = api(&app, &hr, body(0.0, "", "醉酒驾驶", p4)).await;
        assert_eq!(status, 200, "{b}: {r}");
        assert_eq!(r["stored"]["serious_violation"], true, "{b}: {r}");
        assert_eq!(stored(&store, p4).await, Some((0.0, true)), "{b}");

        // The CLI: the same refusals with the same message; 0 accepted.
        for bad in ["1.3", "-0.1"] {
            let out = cli_behaviour(&app, p3, bad, &["--acts", "x"]);
            assert!(!out.status.success(), "{b}: {}", text(&out));
            let want = if bad == "1.3" { RANGE_13 } else { RANGE_NEG };
            assert!(text(&out).contains(want), "{b}: {}", text(&out));
        }
        let out = cli_behaviour(&app, p3, "0.5", &[]);
        assert!(out.status.success(), "{b}: {}", text(&out));
        let out = cli_behaviour(&app, p3, "0", &[]);
        assert!(out.status.success(), "{b}: {}", text(&out));
        assert_eq!(stored(&store, p3).await, Some((0.0, false)), "{b}");

        // A rep refused: the subject through the API, a peer through the store.
        store
            .create_user(&kaohe_store::users::NewUser {
                username: "consultant",
                password: "kaohe-demo",
                role: Role::Rep,
                employee_id: Some(a),
                display_name: "置业顾问",
            })
            .await
            .unwrap();
        let me = app.sign_in("consultant", "kaohe-demo").await;
        let (status, r) = api(&app, &me, body(1.0, "", "", a)).await;
        assert_eq!(status, 403, "{b}: {r}");
        let peer = Viewer {
            user_id: None,
            username: "test:peer".into(),
            role: Role::Rep,
            employee_id: Some(p2),
            team_id: None,
            department_ids: Vec::new(),
        };
        let input = BehaviourInput {
            factor: 1.0,
            ..Default::default()
        };
        let err = store.record_behaviour(&peer, oct(), a, &input).await;
        assert!(err.is_err(), "{b}: a peer gave a factor");

        // The audit log has each change with the values before and after.
        let mut sql = Sql::new(
            "SELECT action, before, after FROM audit_log WHERE entity = 'behaviour' AND entity_id = ",
        );
        sql.bind(format!("{OCT}/{p4}"));
        let entries: Vec<(String, Option<String>, Option<String>)> =
            store.fetch_all(&sql).await.unwrap();
        assert_eq!(entries.len(), 1, "{b}: {entries:?}");
        assert!(
            entries[0].1.is_none(),
            "{b}: nothing before the first factor"
        );
        assert!(
            entries[0]
                .2
                .as_deref()
                .unwrap()
                .contains("\"serious_violation\":true"),
            "{b}: {entries:?}"
        );

        let mut sql = Sql::new(
            "SELECT before, after FROM audit_log WHERE entity = 'behaviour' AND entity_id = ",
        );
        sql.bind(format!("{OCT}/{p3}")).push(" ORDER BY id");
        let changes: Vec<(Option<String>, Option<String>)> = store.fetch_all(&sql).await.unwrap();
        assert_eq!(changes.len(), 2, "{b}: {changes:?}");
        let before: Value = serde_json::from_str(changes[1].0.as_deref().unwrap()).unwrap();
        let after: Value = serde_json::from_str(changes[1].1.as_deref().unwrap()).unwrap();
        assert_eq!(
            (before["factor"].as_f64(), after["factor"].as_f64()),
            (Some(0.5), Some(0.0)),
            "{b}"
        );

        // The import: one bad row imports nothing and names its row and column; the fixed
        // file imports both.
        let (n5, n6) = (number(&store, p5).await, number(&store, p6).await);
        let bad = format!(
            "期间,工号,行为系数,突出表现,严重违规\n{OCT},{n5},0.9,,\n{OCT},{n6},1.5,带新人,\n"
        );
        let job = web_import(&app, &hr, &bad).await;
        assert_eq!(job["state"], "rejected", "{b}: {job}");
        let errors = job["report"]["errors"].as_array().unwrap();
        assert_eq!(errors.len(), 1, "{b}: {job}");
        assert_eq!(errors[0]["row"], 3, "{b}: {job}");
        assert_eq!(errors[0]["column"], "行为系数", "{b}: {job}");
        assert!(
            errors[0]["reason"].as_str().unwrap().contains("1.5"),
            "{b}: {job}"
        );
        assert_eq!(stored(&store, p5).await, None, "{b}: nothing imported");
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("behaviour.csv");
        std::fs::write(
            &good,
            format!(
                "period,employee,factor,acts,violation\n{OCT},{n5},0.9,,\n{OCT},{n6},1.1,带新人,\n"
            ),
        )
        .unwrap();
        let out = kaohe(&app)
            .args(["import", "behaviour", "--as", "hr"])
            .arg(&good)
            .output()
            .unwrap();
        assert!(out.status.success(), "{b}: {}", text(&out));
        assert_eq!(stored(&store, p5).await, Some((0.9, false)), "{b}");
        assert_eq!(stored(&store, p6).await, Some((1.1, false)), "{b}");

        // Consolidation: the total is the stored performance × the factor given.
        for (id, factor) in [(a, 1.0), (p2, 1.2), (p3, 0.0), (p4, 0.0), (p5, 0.9)] {
            kaohe::demo_cycle::drive_person(&store, oct(), id, Stage::Consolidated)
                .await
                .unwrap();
            let (total, performance) = consolidated(&store, id).await;
            assert!(performance > 0.0, "{b}: {id} has a performance score");
            assert!(
                (total - performance * factor).abs() < 1e-9,
                "{b}: {id}: {total} ≠ {performance} × {factor}"
            );
        }

        // Past rating the factor cannot change: consolidated (API, CLI), then published.
        let (status, r) = api(&app, &hr, body(0.9, "", "", a)).await;
        assert_eq!(status, 409, "{b}: {r}");
        let out = cli_behaviour(&app, a, "0.9", &[]);
        assert!(!out.status.success(), "{b}: {}", text(&out));
        kaohe::demo_cycle::drive_person(&store, oct(), a, Stage::Published)
            .await
            .unwrap();
        let (status, r) = api(&app, &hr, body(0.9, "", "", a)).await;
        assert_eq!(status, 409, "{b}: {r}");
        assert_eq!(stored(&store, a).await, Some((1.0, false)), "{b}");

        // A person on another scheme has no behaviour factor.
        let rep = app.me(&app.sign_in("rep", "kaohe-demo").await).await["employee_id"]
            .as_i64()
            .unwrap();
        let (status, r) = api(&app, &hr, body(1.0, "", "", rep)).await;
        assert_eq!(status, 422, "{b}: {r}");
        assert!(
            r["error"].as_str().unwrap().contains("不使用行为系数"),
            "{b}: {r}"
        );
    }
}

/// Each person brings a customer group to visit on invitation in October (邀约到访, imported
/// as a visit), so that their performance (the consultant's card: signed contracts and invited
/// visits) is above 0 and the factor visibly scales it.
async fn sell_in_october(app: &TestApp, people: &[i64]) {
    let mut csv = String::from("工号,拜访时间,拜访类型,邀约到访\n");
    for id in people {
        let code = number(&app.store, *id).await;
        csv.push_str(&format!("{code},2026-10-12 10:00,follow_up,是\n"));
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("visits.csv");
    std::fs::write(&file, csv).unwrap();
    let out = kaohe(app)
        .args(["import", "visits"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
}

/// Uploads a behaviour file through `POST /api/import` and waits for the job's outcome.
async fn web_import(app: &TestApp, client: &reqwest::Client, csv: &str) -> Value {
    let csrf = app.me(client).await["csrf_token"]
        .as_str()
        .unwrap()
        .to_string();
    let resp = client
        .post(app.url("/api/import?kind=behaviour&name=behaviour.csv"))
        .header("x-csrf-token", csrf)
        .body(csv.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let id = resp.json::<Value>().await.unwrap()["job"].as_i64().unwrap();
    let mut job = Value::Null;
    for _ in 0..400 {
        job = client
            .get(app.url(&format!("/api/import/{id}")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if job["state"] != "running" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    job
}
