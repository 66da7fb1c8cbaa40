//! Customer rating links (客户评分链接) issued, listed and revoked by their users, on every
//! backend: the rep's superior issues one from the cycle page, HR from the JSON API and from
//! `kaohe cycle link issue`; the full link appears once and never in a list; a redeemed link is
//! listed as used and its rating counts in the evaluated card; a revoked link answers 410 at
//! `/rate`; an expired one is listed as expired; reps and peers are refused (403), a leader
//! outside the person's scope finds nothing (404); `cycle act` records no customer rating,
//! whatever group or hand-made token it is given; issuing and revoking are audited.

mod support;

use chrono::NaiveDate;
use kaohe_domain::cycle::{Action, Stage, Target};
use kaohe_domain::period::Period;
use kaohe_domain::roles::Role;
use kaohe_store::{Sql, Store, Viewer};
use serde_json::{Value, json};
use support::{TestApp, hidden_csrf, spawn_demo};

const OCT: &str = "2026-10";

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap()
}

fn oct() -> Period {
    Period::parse(OCT).unwrap()
}

async fn viewer(store: &Store, name: &str) -> Viewer {
    kaohe::cycle::viewer(store, name).await.unwrap()
}

/// Takes the rep's October cycle to rating (ratings open until 2099, so links redeemed at the
/// wall clock's time count) and has the superior rate every rated indicator 88. The rated
/// indicators.
async fn to_rating(store: &Store, rep: i64) -> Vec<String> {
    let hr = viewer(store, "hr").await;
    let leader = viewer(store, "leader").await;
    let me = viewer(store, "rep").await;
    let committee = viewer(store, "committee").await;
    store.open_cycles(&hr, oct()).await.unwrap();
    let state = store.cycle(&hr, oct(), rep).await.unwrap();
    let lib = store.library().await.unwrap();
    let scheme = lib.library.scheme(&state.setup().scheme_code).unwrap();
    let indicator = scheme.indicator_codes().next().unwrap().to_string();
    let steps = [
        (
            &leader,
            Action::ProposeTargets {
                targets: vec![Target {
                    indicator,
                    value: None,
                }],
                basis: "上期实绩".into(),
            },
            day(10, 1),
        ),
        (&me, Action::ConfirmTargets, day(10, 1)),
        (&hr, Action::ApproveTargetsHr, day(10, 2)),
        (&committee, Action::ApproveTargetsCommittee, day(10, 2)),
        (
            &me,
            Action::SubmitSelfReview {
                work_report: "十月工作总结".into(),
                self_evaluation: "完成主要工作".into(),
            },
            day(11, 2),
        ),
        (
            &hr,
            Action::ExtendRating {
                until: NaiveDate::from_ymd_opt(2099, 12, 31).unwrap(),
                reason: "客户评价".into(),
            },
            day(11, 3),
        ),
    ];
    for (who, action, on) in steps {
        store.act(who, oct(), rep, action, on).await.unwrap();
    }
    let state = store.cycle(&hr, oct(), rep).await.unwrap();
    assert_eq!(state.stage(), Stage::Rating);
    let rated = state.setup().rated_indicators.clone();
    assert!(!rated.is_empty(), "the rep's scheme has rated indicators");
    for code in &rated {
        let rate = Action::SubmitRating {
            group: kaohe_domain::scheme::RaterGroup::Superior,
            indicator: code.clone(),
            value: 88.0,
            comment: String::new(),
        };
        store
            .act(&leader, oct(), rep, rate, day(11, 5))
            .await
            .unwrap();
    }
    rated
}

/// The rep's customer records' archive numbers, oldest first.
async fn customers_of(store: &Store, rep: i64) -> Vec<String> {
    let mut sql = Sql::new("SELECT archive_no FROM customers WHERE owner_id = ");
    sql.bind(rep).push(" ORDER BY id");
    let rows: Vec<(String,)> = store.fetch_all(&sql).await.unwrap();
    assert!(rows.len() >= 2, "the demo rep has customers");
    rows.into_iter().map(|r| r.0).collect()
}

async fn count(store: &Store, query: &str) -> i64 {
    store.fetch_i64(&Sql::new(query)).await.unwrap()
}

/// The evaluated card's value of a rated indicator.
async fn card_total(store: &Store, rep: i64) -> f64 {
    let req = kaohe_store::evaluate::EvalRequest {
        period: oct(),
        scheme: None,
        employee: Some(rep),
    };
    let eval = store.evaluate(&Viewer::system("test"), &req).await.unwrap();
    let card = &eval.results[0].scorecard;
    card.total
        .unwrap_or_else(|| panic!("no total in {:?}", card.notes))
}

/// A signed-in client and its CSRF token.
async fn signed_in(app: &TestApp, name: &str, password: &str) -> (reqwest::Client, String) {
    let client = app.sign_in(name, password).await;
    let csrf = app.me(&client).await["csrf_token"]
        .as_str()
        .unwrap()
        .to_string();
    (client, csrf)
}

async fn post_json(
    app: &TestApp,
    client: &reqwest::Client,
    csrf: &str,
    path: &str,
    body: Value,
) -> (u16, Value) {
    let resp = client
        .post(app.url(path))
        .header("x-csrf-token", csrf)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn get(client: &reqwest::Client, url: String) -> (u16, String) {
    let resp = client.get(url).send().await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

/// The links of the rep's cycle through the API, as the given client sees them.
async fn listed(app: &TestApp, client: &reqwest::Client, rep: i64) -> Vec<Value> {
    let url = app.url(&format!("/api/cycle/links?period={OCT}&employee={rep}"));
    let (status, text) = get(client, url).await;
    assert_eq!(status, 200, "{text}");
    serde_json::from_str::<Value>(&text)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn state_of(links: &[Value], id: i64) -> String {
    links
        .iter()
        .find(|l| l["id"] == id)
        .unwrap_or_else(|| panic!("no link #{id} in {links:?}"))["state"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The secret at the end of a link.
fn secret_of(link: &str) -> String {
    link.rsplit("/rate/").next().unwrap().trim().to_string()
}

/// Runs the `kaohe` binary on the test database; (success, stdout, stderr).
fn kaohe_cli(db: &str, args: &[&str]) -> (bool, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kaohe"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env("KAOHE_LOG", "error")
        .env_remove("KAOHE_DATABASE_URL")
        .env_remove("KAOHE_CONFIG")
        .env_remove("KAOHE_BASE_URL")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).to_string();
    (out.status.success(), text(&out.stdout), text(&out.stderr))
}

/// A customer answers through the link's page: every rated indicator `value`.
async fn answer(app: &TestApp, secret: &str, rated: &[String], value: &str) -> u16 {
    let customer = app.client();
    let url = app.url(&format!("/rate/{secret}"));
    let (status, html) = get(&customer, url.clone()).await;
    assert_eq!(status, 200, "{html}");
    let csrf = hidden_csrf(&html);
    let names: Vec<String> = rated.iter().map(|c| format!("q_{c}")).collect();
    let mut form: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
    form.extend(names.iter().map(|n| (n.as_str(), value)));
    let resp = customer.post(url).form(&form).send().await.unwrap();
    resp.status().as_u16()
}

/// Makes an account of `role` for an employee; its password is `a-long-password-9`.
async fn account(store: &Store, username: &str, role: Role, employee: i64) {
    let new = kaohe_store::users::NewUser {
        username,
        password: "a-long-password-9",
        role,
        employee_id: Some(employee),
        display_name: username,
    };
    store.create_user(&new).await.unwrap();
}

#[tokio::test]
async fn rating_links_are_issued_listed_redeemed_and_revoked_by_their_users_only() {
    for db in kaohe_testkit::every_backend().await {
        let b = db.backend;
        let db_url = db.url.clone();
        let app = spawn_demo(db).await;
        let store = app.store.clone();
        let rep_id = viewer(&store, "rep").await.employee_id.unwrap();
        let sup = store.supervisor_chain(rep_id).await.unwrap()[0];
        let rated = to_rating(&store, rep_id).await;
        let customers = customers_of(&store, rep_id).await;

        // The leader issues from the cycle page: the full link is shown this once.
        let leader = app.sign_in("leader", "kaohe-demo").await;
        let page_url = app.url(&format!("/cycle/{OCT}/{rep_id}"));
        let (status, html) = get(&leader, page_url.clone()).await;
        assert_eq!(status, 200, "{b}: {html}");
        assert!(html.contains("class=\"rating-links\"") && html.contains("客户评分链接"));
        let csrf = hidden_csrf(&html);
        let form = [
            ("csrf", csrf.as_str()),
            ("customer", customers[0].as_str()),
            ("contact_name", "王经理"),
            ("contact", "138-0000-1234"),
        ];
        let issue_url = app.url(&format!("/cycle/{OCT}/{rep_id}/links"));
        let resp = leader.post(&issue_url).form(&form).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{b}");
        let html = resp.text().await.unwrap();
        let at = html
            .find("id=\"new-link\">")
            .expect("the new link is shown")
            + 14;
        // The page escapes `/` as `&#x2f;`; a browser shows the plain link.
        let web_link = html[at..].split('<').next().unwrap().replace("&#x2f;", "/");
        assert!(web_link.starts_with(&app.url("/rate/")), "{web_link}");
        let web_secret = secret_of(&web_link);
        let (_, again) = get(&leader, page_url.clone()).await;
        assert!(
            !again.contains(&web_secret),
            "{b}: the page shows the link once"
        );
        assert!(again.contains("data-state=\"unused\"") && again.contains("未使用"));

        // A bad contact is refused naming the field, in the leader's language.
        let bad = [
            ("csrf", csrf.as_str()),
            ("customer", customers[0].as_str()),
            ("contact_name", "王经理"),
            ("contact", "12345"),
        ];
        let resp = leader.post(&issue_url).form(&bad).send().await.unwrap();
        assert_eq!(resp.status(), 422, "{b}");
        assert!(resp.text().await.unwrap().contains("联系方式（contact）"));

        // HR issues through the API (by customer id), and is refused for a cycle that is not
        // rating and for someone else's customer.
        let (hr, hr_csrf) = signed_in(&app, "hr", "kaohe-demo").await;
        let mut sql = Sql::new("SELECT id FROM customers WHERE archive_no = ");
        sql.bind(customers[1].as_str());
        let second_id = store.fetch_i64(&sql).await.unwrap();
        let body = json!({ "period": OCT, "employee": rep_id, "customer": second_id.to_string(),
            "contact_name": "Ms Li", "contact": "li@example.com" });
        let (status, issued) = post_json(&app, &hr, &hr_csrf, "/api/cycle/links", body).await;
        assert_eq!(status, 201, "{b}: {issued}");
        let api_id = issued["id"].as_i64().unwrap();
        let api_link = issued["link"].as_str().unwrap().to_string();
        assert!(api_link.starts_with(&app.url("/rate/")), "{api_link}");
        let api_secret = secret_of(&api_link);
        let body = json!({ "period": OCT, "employee": sup, "customer": customers[0],
            "contact_name": "Ms Li", "contact": "li@example.com" });
        let (status, err) = post_json(&app, &hr, &hr_csrf, "/api/cycle/links", body).await;
        assert_eq!(
            status, 409,
            "{b}: the superior's cycle is not rating: {err}"
        );
        let body = json!({ "period": OCT, "employee": rep_id, "customer": "NO-SUCH-ARCHIVE",
            "contact_name": "Ms Li", "contact": "li@example.com" });
        let (status, err) = post_json(&app, &hr, &hr_csrf, "/api/cycle/links", body).await;
        assert_eq!(status, 422, "{b}: {err}");
        assert!(
            err["error"].as_str().unwrap().contains("客户（customer）"),
            "{err}"
        );

        // HR issues through the CLI; the link is printed once.
        let (ok, out, err) = kaohe_cli(
            &db_url,
            &[
                "cycle",
                "link",
                "issue",
                "--period",
                OCT,
                "--employee",
                &rep_id.to_string(),
                "--customer",
                &customers[0],
                "--contact-name",
                "张总",
                "--contact",
                "zhang@example.com",
                "--as",
                "hr",
                "--base-url",
                "https://kaohe.example.com/",
            ],
        );
        assert!(ok, "{b}: {err}");
        let cli_link = out
            .lines()
            .find(|l| l.starts_with("https://kaohe.example.com/rate/"))
            .unwrap_or_else(|| panic!("{out}"));
        let cli_secret = secret_of(cli_link);
        let cli_id: i64 = out
            .split("link #")
            .nth(1)
            .and_then(|s| s.split_whitespace().next())
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("{out}"));

        // The lists never show a secret.
        let links = listed(&app, &hr, rep_id).await;
        assert_eq!(links.len(), 3, "{b}: {links:?}");
        let text = serde_json::to_string(&links).unwrap();
        for s in [&web_secret, &api_secret, &cli_secret] {
            assert!(!text.contains(s.as_str()), "{b}: a list shows a secret");
        }
        assert!(links.iter().all(|l| l["state"] == "unused"), "{links:?}");
        let (ok, out, err) = kaohe_cli(
            &db_url,
            &[
                "cycle",
                "link",
                "list",
                "--period",
                OCT,
                "--employee",
                &rep_id.to_string(),
                "--as",
                "leader",
            ],
        );
        assert!(ok, "{b}: {err}");
        assert_eq!(out.lines().count(), 3, "{out}");
        assert!(
            !out.contains(&cli_secret) && out.contains("unused"),
            "{out}"
        );
        let web_id = links
            .iter()
            .find(|l| l["contact_name"] == "王经理")
            .unwrap()["id"]
            .as_i64()
            .unwrap();

        // The customer answers through the web link: used, and the customers group counts.
        // Telesales mixes whole periods (superior 70 + peers 20 + customers 10): the customers'
        // mean weighs on the month, not on the rated indicators.
        let before = card_total(&store, rep_id).await;
        assert_eq!(answer(&app, &web_secret, &rated, "40").await, 200, "{b}");
        assert_eq!(state_of(&listed(&app, &hr, rep_id).await, web_id), "used");
        let after = card_total(&store, rep_id).await;
        assert!(
            after < before,
            "{b}: a customer's 40 lowers the month ({before} → {after})"
        );
        let (status, _) = get(&app.client(), web_link.clone()).await;
        assert_eq!(status, 410, "{b}: a used link is gone");

        // Revoked through the API: 410 at /rate; revoking again or a used link is refused.
        let path = format!("/api/cycle/links/{api_id}/revoke");
        let (status, body) = post_json(&app, &hr, &hr_csrf, &path, json!({})).await;
        assert_eq!(status, 200, "{b}: {body}");
        assert_eq!(body["state"], "revoked");
        let (status, html) = get(&app.client(), api_link.clone()).await;
        assert_eq!(status, 410, "{b}");
        assert!(html.contains("撤销") && html.contains("revoked"), "{html}");
        let (status, _) = post_json(&app, &hr, &hr_csrf, &path, json!({})).await;
        assert_eq!(status, 409, "{b}");
        let path = format!("/api/cycle/links/{web_id}/revoke");
        let (status, _) = post_json(&app, &hr, &hr_csrf, &path, json!({})).await;
        assert_eq!(status, 409, "{b}: a used link stays used");

        // Revoked through the page's button and through the CLI.
        let (ok, _, err) = kaohe_cli(
            &db_url,
            &[
                "cycle",
                "link",
                "revoke",
                "--id",
                &cli_id.to_string(),
                "--as",
                "leader",
            ],
        );
        assert!(ok, "{b}: {err}");
        assert_eq!(
            state_of(&listed(&app, &hr, rep_id).await, cli_id),
            "revoked"
        );
        let (status, _) = get(&app.client(), app.url(&format!("/rate/{cli_secret}"))).await;
        assert_eq!(status, 410, "{b}");
        let body = json!({ "period": OCT, "employee": rep_id, "customer": customers[1],
            "contact_name": "赵经理", "contact": "+86 10 8888 8888" });
        let (status, issued) = post_json(&app, &hr, &hr_csrf, "/api/cycle/links", body).await;
        assert_eq!(status, 201, "{b}: {issued}");
        let fourth = issued["id"].as_i64().unwrap();
        let (_, html) = get(&leader, page_url.clone()).await;
        let csrf = hidden_csrf(&html);
        let revoke_url = app.url(&format!("/cycle/{OCT}/{rep_id}/links/{fourth}/revoke"));
        let resp = leader
            .post(revoke_url)
            .form(&[("csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 303, "{b}");
        let (_, html) = get(&leader, page_url.clone()).await;
        assert!(html.contains(&format!("data-link=\"{fourth}\" data-state=\"revoked\"")));
        assert!(html.contains("已撤销"), "{b}: the state is translated");

        // An expired link is listed as expired and answers 410.
        let body = json!({ "period": OCT, "employee": rep_id, "customer": customers[0],
            "contact_name": "钱经理", "contact": "qian@example.com" });
        let (_, issued) = post_json(&app, &hr, &hr_csrf, "/api/cycle/links", body).await;
        let fifth = issued["id"].as_i64().unwrap();
        let mut sql = Sql::new("UPDATE customer_tokens SET expires_at = ");
        sql.bind(chrono::Utc::now() - chrono::Duration::hours(1))
            .push(" WHERE id = ")
            .bind(fifth);
        store.execute(&sql).await.unwrap();
        assert_eq!(state_of(&listed(&app, &hr, rep_id).await, fifth), "expired");
        let (status, _) = get(&app.client(), issued["link"].as_str().unwrap().to_string()).await;
        assert_eq!(status, 410, "{b}");
        let (_, html) = get(&leader, page_url.clone()).await;
        assert!(html.contains("已过期"), "{b}");

        // A rep (the subject) and a peer cannot issue, list or revoke (403).
        let mut sql = Sql::new("SELECT MIN(id) FROM employees WHERE id <> ");
        sql.bind(rep_id).push(" AND supervisor_id = ").bind(sup);
        let peer_id = store.fetch_i64(&sql).await.unwrap();
        account(&store, "peer", Role::Rep, peer_id).await;
        let (rep, rep_csrf) = signed_in(&app, "rep", "kaohe-demo").await;
        let (peer, peer_csrf) = signed_in(&app, "peer", "a-long-password-9").await;
        for (client, csrf) in [(&rep, &rep_csrf), (&peer, &peer_csrf)] {
            let body = json!({ "period": OCT, "employee": rep_id, "customer": customers[0],
                "contact_name": "王经理", "contact": "13800001234" });
            let (status, err) = post_json(&app, client, csrf, "/api/cycle/links", body).await;
            assert_eq!(status, 403, "{b}: {err}");
            let url = app.url(&format!("/api/cycle/links?period={OCT}&employee={rep_id}"));
            assert_eq!(get(client, url).await.0, 403, "{b}");
            let path = format!("/api/cycle/links/{fifth}/revoke");
            assert_eq!(post_json(&app, client, csrf, &path, json!({})).await.0, 403);
        }
        let (_, html) = get(&rep, page_url.clone()).await;
        assert!(
            !html.contains("rating-links"),
            "{b}: the rep's page has no links section"
        );

        // A leader outside the rep's scope: the cycle and its links are not there (404).
        let mut sql = Sql::new(
            "SELECT MIN(e.id) FROM employees e WHERE e.team_id IS NOT NULL AND e.team_id <> (SELECT team_id FROM employees WHERE id = ",
        );
        sql.bind(rep_id).push(") AND e.id <> ").bind(sup);
        let stranger_id = store.fetch_i64(&sql).await.unwrap();
        account(&store, "leader2", Role::TeamLeader, stranger_id).await;
        let (other, other_csrf) = signed_in(&app, "leader2", "a-long-password-9").await;
        let body = json!({ "period": OCT, "employee": rep_id, "customer": customers[0],
            "contact_name": "王经理", "contact": "13800001234" });
        let (status, err) = post_json(&app, &other, &other_csrf, "/api/cycle/links", body).await;
        assert_eq!(status, 404, "{b}: {err}");
        let path = format!("/api/cycle/links/{fifth}/revoke");
        assert_eq!(
            post_json(&app, &other, &other_csrf, &path, json!({}))
                .await
                .0,
            404
        );
        assert!(listed(&app, &other, rep_id).await.is_empty(), "{b}");

        // `cycle act` records no customer rating: not as the customers group, not with a
        // hand-made token, not through the API or the page's form.
        let ratings =
            "SELECT CAST(COUNT(*) AS BIGINT) FROM ratings WHERE rater_group = 'customers'";
        let customer_ratings = count(&store, ratings).await;
        assert_eq!(
            customer_ratings,
            rated.len() as i64,
            "{b}: one link's answers"
        );
        let rep_arg = rep_id.to_string();
        let (ok, _, err) = kaohe_cli(
            &db_url,
            &[
                "cycle",
                "act",
                "--period",
                OCT,
                "--employee",
                &rep_arg,
                "--as",
                "leader",
                "submit_rating",
                "--group",
                "customers",
                "--indicator",
                &rated[0],
                "--value",
                "99",
            ],
        );
        assert!(!ok && err.contains("customer"), "{b}: {err}");
        let token = json!({ "token": { "subject_id": rep_id, "period": OCT, "customer_id": second_id,
            "redeemed_at": "2026-11-05T00:00:00Z" }, "indicator": rated[0], "value": 99 });
        for (who, action) in [
            ("hr", "record_customer_rating"),
            ("leader", "submit_rating"),
        ] {
            let (ok, _, err) = kaohe_cli(
                &db_url,
                &[
                    "cycle",
                    "act",
                    "--period",
                    OCT,
                    "--employee",
                    &rep_arg,
                    "--as",
                    who,
                    action,
                    "--group",
                    "customers",
                    "--data",
                    &token.to_string(),
                ],
            );
            assert!(!ok && err.contains("customer"), "{b}: {action}: {err}");
            assert!(!err.contains("panicked"), "{err}");
        }
        let (leader_api, leader_csrf) = signed_in(&app, "leader", "kaohe-demo").await;
        let rating_key = format!("rating_{}", rated[0]);
        let body = json!({ "period": OCT, "employee": rep_id, "action": "submit_rating",
            "group": "customers", rating_key.as_str(): "99" });
        let (status, err) =
            post_json(&app, &leader_api, &leader_csrf, "/api/cycle/act", body).await;
        assert_eq!(status, 403, "{b}: {err}");
        let mut body = token.clone();
        body["period"] = json!(OCT);
        body["employee"] = json!(rep_id);
        body["action"] = json!("record_customer_rating");
        let (status, err) = post_json(&app, &hr, &hr_csrf, "/api/cycle/act", body).await;
        assert_eq!(status, 422, "{b}: {err}");
        let (_, html) = get(&hr, page_url.clone()).await;
        let csrf = hidden_csrf(&html);
        let resp = hr
            .post(page_url.clone())
            .form(&[
                ("csrf", csrf.as_str()),
                ("action", "record_customer_rating"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 422, "{b}");
        assert_eq!(
            count(&store, ratings).await,
            customer_ratings,
            "{b}: nothing recorded"
        );

        // Issuing and revoking are audited.
        let issued = count(
            &store,
            "SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log WHERE entity = 'customer_link' AND action = 'create'",
        )
        .await;
        assert_eq!(issued, 5, "{b}");
        let revoked = count(
            &store,
            "SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log WHERE entity = 'customer_link' AND action = 'update' AND after LIKE '%revoked%'",
        )
        .await;
        assert_eq!(revoked, 3, "{b}");
    }
}
