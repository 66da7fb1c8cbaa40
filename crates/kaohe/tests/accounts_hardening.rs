//! Accounts hardened (issue 27), over HTTP on every backend: a person marked as left (离职)
//! loses their account at once (sign-in, session and token); a password change or reset, and
//! disabling, end sessions and revoke tokens; administrators (not HR) list and revoke anybody's
//! tokens; tokens expire, may be read-only and are counted; parallel wrong passwords are
//! checked at most [`MAX_FAILED_LOGINS`] times and the lock answers like a wrong password;
//! an address is limited; HR cannot reset the committee's or finance's accounts.

mod support;

use kaohe_store::sql::Sql;
use kaohe_store::users::{MAX_FAILED_LOGINS, MAX_LIVE_TOKENS, TokenOptions};
use reqwest::StatusCode;
use serde_json::json;
use std::net::SocketAddr;
use support::{TestApp, hidden_csrf, spawn_demo, spawn_demo_with};

/// A session's CSRF token, read from `/api/me`.
async fn csrf_of(app: &TestApp, client: &reqwest::Client) -> String {
    let me = app.me(client).await;
    me["csrf_token"].as_str().unwrap().to_string()
}

/// A token for account `username`, made by the account itself.
async fn token_for(app: &TestApp, username: &str, name: &str, options: TokenOptions) -> String {
    let user = app.store.user_by_name(username).await.unwrap().unwrap();
    let viewer = app.store.viewer_for(&user).await.unwrap();
    app.store
        .create_api_token_with(&viewer, user.id, name, options)
        .await
        .unwrap()
}

/// The status of `GET /api/me` with a bearer token.
async fn me_by_token(app: &TestApp, token: &str) -> StatusCode {
    reqwest::Client::new()
        .get(app.url("/api/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
}

/// The status of `GET /api/me` with a client's session.
async fn me_by_session(app: &TestApp, client: &reqwest::Client) -> StatusCode {
    client
        .get(app.url("/api/me"))
        .send()
        .await
        .unwrap()
        .status()
}

/// Tries to sign in through the form: the status and the error shown.
async fn try_sign_in(app: &TestApp, username: &str, password: &str) -> (StatusCode, String) {
    sign_in_at(app.addr, username.to_string(), password.to_string()).await
}

/// [`try_sign_in`] at the server on `addr`, owning what it needs (to run in a task).
async fn sign_in_at(addr: SocketAddr, username: String, password: String) -> (StatusCode, String) {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let url = |path: &str| format!("http://{addr}{path}");
    let page = client.get(url("/login")).send().await.unwrap();
    let csrf = hidden_csrf(&page.text().await.unwrap());
    let (username, password) = (username.as_str(), password.as_str());
    let resp = client
        .post(url("/login"))
        .form(&[
            ("username", username),
            ("password", password),
            ("csrf", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let html = resp.text().await.unwrap();
    let error = html
        .split("role=\"alert\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap_or_default()
        .to_string();
    (status, error)
}

#[tokio::test]
async fn a_leaver_marked_through_the_record_api_loses_sign_in_session_and_token_at_once() {
    for db in kaohe_testkit::every_backend().await {
        let backend = db.backend;
        let app = spawn_demo(db).await;
        let rep = app.sign_in("rep", "kaohe-demo").await;
        let token = token_for(&app, "rep", "crm", TokenOptions::default()).await;
        assert_eq!(me_by_session(&app, &rep).await, StatusCode::OK, "{backend}");
        assert_eq!(me_by_token(&app, &token).await, StatusCode::OK, "{backend}");

        // HR marks the rep as left through the record API, as an integration or form would.
        let user = app.store.user_by_name("rep").await.unwrap().unwrap();
        let emp = user.employee_id.unwrap();
        let mut sql = Sql::new(
            "SELECT e.code, e.name, d.code, p.code, CAST(e.hired_on AS TEXT) FROM employees e \
             JOIN departments d ON d.id = e.department_id JOIN positions p ON p.id = e.position_id \
             WHERE e.id = ",
        );
        sql.bind(emp);
        let (code, name, dept, pos, hired): (String, String, String, String, String) =
            app.store.fetch_optional(&sql).await.unwrap().unwrap();
        let hr = app.sign_in("hr", "kaohe-demo").await;
        let csrf = csrf_of(&app, &hr).await;
        let resp = hr
            .put(app.url(&format!("/api/records/employees/{emp}")))
            .header("x-csrf-token", csrf)
            .json(&json!({
                "code": code, "name": name, "department_id": dept, "position_id": pos,
                "hired_on": &hired[..10], "status": "left", "left_on": "2026-11-20",
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(
            resp.status(),
            StatusCode::OK,
            "{backend}: {:?}",
            resp.text().await
        );

        // At once: no cached identity outlives the leaving.
        assert_eq!(
            me_by_session(&app, &rep).await,
            StatusCode::UNAUTHORIZED,
            "{backend}: the session ended"
        );
        assert_eq!(
            me_by_token(&app, &token).await,
            StatusCode::UNAUTHORIZED,
            "{backend}: the token is revoked"
        );
        let (status, _) = try_sign_in(&app, "rep", "kaohe-demo").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{backend}: no sign-in");
        let after = app.store.user_by_name("rep").await.unwrap().unwrap();
        assert!(!after.active, "{backend}");
        let mut audit = Sql::new(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log WHERE entity = 'users' AND entity_id = 'rep' AND after LIKE '%离职%'",
        );
        audit.push("");
        assert_eq!(app.store.fetch_i64(&audit).await.unwrap(), 1, "{backend}");
    }
}

#[tokio::test]
async fn disabling_a_password_change_and_a_reset_end_sessions_and_revoke_tokens() {
    for db in kaohe_testkit::every_backend().await {
        let backend = db.backend;
        let app = spawn_demo(db).await;

        // The owner's change: other sessions end, tokens are revoked, this browser stays.
        let rep = app.sign_in("rep", "kaohe-demo").await;
        let other = app.sign_in("rep", "kaohe-demo").await;
        let token = token_for(&app, "rep", "crm", TokenOptions::default()).await;
        assert_eq!(me_by_token(&app, &token).await, StatusCode::OK, "{backend}");
        let page = rep.get(app.url("/account")).send().await.unwrap();
        let csrf = hidden_csrf(&page.text().await.unwrap());
        let resp = rep
            .post(app.url("/account/password"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("current", "kaohe-demo"),
                ("new", "new secret 1"),
                ("confirm", "new secret 1"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{backend}");
        assert_eq!(me_by_session(&app, &rep).await, StatusCode::OK, "{backend}");
        assert_eq!(
            me_by_session(&app, &other).await,
            StatusCode::UNAUTHORIZED,
            "{backend}"
        );
        assert_eq!(
            me_by_token(&app, &token).await,
            StatusCode::UNAUTHORIZED,
            "{backend}: a password change revokes tokens"
        );

        // An administrator's reset: every session ends, every token is revoked.
        let token = token_for(&app, "rep", "crm 2", TokenOptions::default()).await;
        assert_eq!(me_by_token(&app, &token).await, StatusCode::OK, "{backend}");
        let admin = app.sign_in("admin", "kaohe-demo").await;
        let page = admin.get(app.url("/admin/users")).send().await.unwrap();
        let csrf = hidden_csrf(&page.text().await.unwrap());
        let resp = admin
            .post(app.url("/admin/users/password"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("username", "rep"),
                ("password", "reset secret"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{backend}");
        assert_eq!(
            me_by_session(&app, &rep).await,
            StatusCode::UNAUTHORIZED,
            "{backend}"
        );
        assert_eq!(
            me_by_token(&app, &token).await,
            StatusCode::UNAUTHORIZED,
            "{backend}: a reset revokes tokens"
        );

        // Disabling: no sign-in, no session, no token; enabling lets the person in again.
        let rep = app.sign_in("rep", "reset secret").await;
        let token = token_for(&app, "rep", "crm 3", TokenOptions::default()).await;
        let form = |active: &'static str| {
            admin.post(app.url("/admin/users/active")).form(&[
                ("csrf", csrf.as_str()),
                ("username", "rep"),
                ("active", active),
            ])
        };
        let resp = form("false").send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{backend}");
        assert_eq!(me_by_session(&app, &rep).await, StatusCode::UNAUTHORIZED);
        assert_eq!(me_by_token(&app, &token).await, StatusCode::UNAUTHORIZED);
        let (status, disabled) = try_sign_in(&app, "rep", "reset secret").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{backend}");
        let (_, unknown) = try_sign_in(&app, "nobody", "reset secret").await;
        assert_eq!(
            disabled, unknown,
            "{backend}: a disabled account says no more"
        );
        assert_eq!(
            form("true").send().await.unwrap().status(),
            StatusCode::SEE_OTHER
        );
        app.sign_in("rep", "reset secret").await;
    }
}

#[tokio::test]
async fn administrators_list_and_revoke_anyones_tokens_and_hr_cannot() {
    for db in kaohe_testkit::every_backend().await {
        let backend = db.backend;
        let app = spawn_demo(db).await;
        let token = token_for(&app, "rep", "crm sync", TokenOptions::default()).await;
        let hr = app.sign_in("hr", "kaohe-demo").await;
        let resp = hr
            .get(app.url("/admin/users/rep/tokens"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{backend}");
        let csrf = csrf_of(&app, &hr).await;
        let resp = hr
            .post(app.url("/admin/users/tokens/revoke"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("username", "rep"),
                ("name", "crm sync"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{backend}");
        // Nor may HR make a token acting as somebody else.
        let hr_user = app.store.user_by_name("hr").await.unwrap().unwrap();
        let hr_viewer = app.store.viewer_for(&hr_user).await.unwrap();
        let rep_user = app.store.user_by_name("rep").await.unwrap().unwrap();
        assert!(matches!(
            app.store
                .create_api_token(&hr_viewer, rep_user.id, "impersonation")
                .await,
            Err(kaohe_store::StoreError::Forbidden(_))
        ));
        assert_eq!(me_by_token(&app, &token).await, StatusCode::OK, "{backend}");

        let admin = app.sign_in("admin", "kaohe-demo").await;
        let resp = admin
            .get(app.url("/admin/users/rep/tokens"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{backend}");
        let html = resp.text().await.unwrap();
        assert!(html.contains("data-token=\"crm sync\""), "{backend}");
        let csrf = hidden_csrf(&html);
        let resp = admin
            .post(app.url("/admin/users/tokens/revoke"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("username", "rep"),
                ("name", "crm sync"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{backend}");
        assert_eq!(
            me_by_token(&app, &token).await,
            StatusCode::UNAUTHORIZED,
            "{backend}"
        );
        let mut audit = Sql::new(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log WHERE entity = 'api_tokens' AND actor = 'admin' AND after LIKE '%revoked%'",
        );
        audit.push("");
        assert_eq!(app.store.fetch_i64(&audit).await.unwrap(), 1, "{backend}");
    }
}

#[tokio::test]
async fn tokens_expire_read_only_ones_only_read_and_an_account_holds_twenty() {
    for db in kaohe_testkit::every_backend().await {
        let backend = db.backend;
        let app = spawn_demo(db).await;

        // Expired: 401 (the expiry is moved into the past, as time would).
        let token = token_for(&app, "leader", "old", TokenOptions::default()).await;
        assert_eq!(me_by_token(&app, &token).await, StatusCode::OK, "{backend}");
        let mut past = Sql::new("UPDATE api_tokens SET expires_at = ");
        past.bind(chrono::Utc::now() - chrono::Duration::minutes(1))
            .push(" WHERE name = 'old'");
        app.store.execute(&past).await.unwrap();
        assert_eq!(
            me_by_token(&app, &token).await,
            StatusCode::UNAUTHORIZED,
            "{backend}: expired"
        );

        // Read-only: every GET works, no other method does.
        let ro = TokenOptions {
            days: 30,
            read_only: true,
        };
        let token = token_for(&app, "leader", "reader", ro).await;
        let client = reqwest::Client::new();
        for path in ["/api/me", "/api/employees", "/api/account/tokens"] {
            let resp = client
                .get(app.url(path))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), StatusCode::OK, "{backend}: GET {path}");
        }
        let writes = [
            client
                .post(app.url("/api/account/tokens"))
                .json(&json!({ "name": "x" })),
            client.post(app.url("/api/records/calls")).json(&json!({})),
            client.put(app.url("/api/records/calls/1")).json(&json!({})),
            client.delete(app.url("/api/account/tokens/reader")),
            client.post(app.url("/api/cycle/act")).json(&json!({})),
        ];
        for req in writes {
            let resp = req.bearer_auth(&token).send().await.unwrap();
            assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{backend}");
        }
        let listed: serde_json::Value = client
            .get(app.url("/api/account/tokens"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let reader = listed
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == "reader")
            .unwrap();
        assert_eq!(reader["read_only"], true, "{backend}");
        assert!(reader["expires_at"].as_str().is_some(), "{backend}");

        // Life: 1 to 366 days.
        let user = app.store.user_by_name("leader").await.unwrap().unwrap();
        let viewer = app.store.viewer_for(&user).await.unwrap();
        for days in [0, 367] {
            let options = TokenOptions {
                days,
                read_only: false,
            };
            assert!(matches!(
                app.store
                    .create_api_token_with(&viewer, user.id, "long", options)
                    .await,
                Err(kaohe_store::StoreError::Invalid { ref field, .. }) if field == "days"
            ));
        }

        // Count: the reader is live, the expired one is not; up to twenty live, then refused.
        for i in 1..MAX_LIVE_TOKENS {
            token_for(&app, "leader", &format!("t{i}"), TokenOptions::default()).await;
        }
        let err = app
            .store
            .create_api_token(&viewer, user.id, "one too many")
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("at most 20 live tokens"),
            "{backend}: {err}"
        );
        app.store
            .revoke_api_token(&viewer, user.id, "t1")
            .await
            .unwrap();
        token_for(&app, "leader", "t1 again", TokenOptions::default()).await;
    }
}

#[tokio::test]
async fn forty_parallel_wrong_passwords_are_checked_at_most_five_times_and_lock_like_a_wrong_password()
 {
    for db in kaohe_testkit::every_backend().await {
        let backend = db.backend;
        // No per-address limit here: the account's own lock is what is proven.
        let app = spawn_demo_with(db, |s| s.with_sign_in_limit(0)).await;
        let user = app.store.user_by_name("leader").await.unwrap().unwrap();
        let before = kaohe_store::users::testing::password_checks(user.id);
        let mut guesses = tokio::task::JoinSet::new();
        for i in 0..40 {
            let guess = format!("guess-{i}");
            guesses.spawn(sign_in_at(app.addr, "leader".into(), guess));
        }
        let answers = guesses.join_all().await;
        // A refusal is 401; on a loaded machine the bounded queue of password checks may
        // also answer 503 to some (by design: it never queues without bound). None gets in.
        assert!(
            answers
                .iter()
                .all(|(s, _)| *s == StatusCode::UNAUTHORIZED
                    || *s == StatusCode::SERVICE_UNAVAILABLE),
            "{backend}: {answers:?}"
        );
        assert!(
            answers.iter().any(|(s, _)| *s == StatusCode::UNAUTHORIZED),
            "{backend}: {answers:?}"
        );
        let checked = kaohe_store::users::testing::password_checks(user.id) - before;
        assert!(
            checked <= MAX_FAILED_LOGINS as u64,
            "{backend}: {checked} passwords checked before the lock"
        );
        let locked = app.store.user_by_name("leader").await.unwrap().unwrap();
        assert!(locked.locked_until.is_some(), "{backend}: locked");

        // Locked, even the right password is refused, in the words of a wrong password.
        let (status, locked_msg) = try_sign_in(&app, "leader", "kaohe-demo").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{backend}");
        let (status, unknown_msg) = try_sign_in(&app, "no-such-user", "kaohe-demo").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{backend}");
        let (_, wrong_msg) = try_sign_in(&app, "rep", "wrong password").await;
        assert!(!locked_msg.is_empty(), "{backend}");
        assert_eq!(locked_msg, unknown_msg, "{backend}");
        assert_eq!(locked_msg, wrong_msg, "{backend}");
    }
}

#[tokio::test]
async fn an_address_gets_ten_failed_sign_ins_a_minute() {
    let app = spawn_demo(kaohe_testkit::sqlite()).await;
    for i in 0..kaohe_web::auth::SIGN_INS_PER_MINUTE {
        let (status, _) = try_sign_in(&app, &format!("nobody{i}"), "wrong").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "try {i}");
    }
    let client = app.client();
    let page = client.get(app.url("/login")).send().await.unwrap();
    let csrf = hidden_csrf(&page.text().await.unwrap());
    let resp = client
        .post(app.url("/login"))
        .form(&[
            ("username", "rep"),
            ("password", "kaohe-demo"),
            ("csrf", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
}

#[tokio::test]
async fn hr_cannot_reset_or_disable_the_committee_or_finance_and_an_administrators_reset_is_told() {
    for db in kaohe_testkit::every_backend().await {
        let backend = db.backend;
        let app = spawn_demo(db).await;
        let hr = app.sign_in("hr", "kaohe-demo").await;
        let page = hr.get(app.url("/admin/users")).send().await.unwrap();
        let csrf = hidden_csrf(&page.text().await.unwrap());
        for target in ["committee", "finance"] {
            let resp = hr
                .post(app.url("/admin/users/password"))
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("username", target),
                    ("password", "taken over"),
                ])
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{backend}: {target}");
            let resp = hr
                .post(app.url("/admin/users/active"))
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("username", target),
                    ("active", "false"),
                ])
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{backend}: {target}");
            app.sign_in(target, "kaohe-demo").await;
        }
        // Nor may HR give anybody (itself included) those roles.
        for role in ["committee", "finance"] {
            let resp = hr
                .post(app.url("/admin/users"))
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("username", "stand-in"),
                    ("display_name", ""),
                    ("employee", ""),
                    ("role", role),
                    ("password", "a-long-password"),
                ])
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{backend}: {role}");
        }
        // HR still keeps ordinary accounts.
        let resp = hr
            .post(app.url("/admin/users/password"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("username", "rep"),
                ("password", "new for rep"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{backend}");

        // An administrator may: audited, and the person finds it in their inbox.
        let admin = app.sign_in("admin", "kaohe-demo").await;
        let page = admin.get(app.url("/admin/users")).send().await.unwrap();
        let csrf = hidden_csrf(&page.text().await.unwrap());
        let resp = admin
            .post(app.url("/admin/users/password"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("username", "committee"),
                ("password", "reset by admin"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{backend}");
        let committee = app.sign_in("committee", "reset by admin").await;
        let inbox = committee.get(app.url("/inbox")).send().await.unwrap();
        let inbox = inbox.text().await.unwrap();
        assert!(
            inbox.contains("data-kind=\"account\"") && inbox.contains("admin"),
            "{backend}: the person is told"
        );
        let mut audit = Sql::new(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log WHERE entity = 'users' AND entity_id = 'committee' AND actor = 'admin'",
        );
        audit.push("");
        assert_eq!(app.store.fetch_i64(&audit).await.unwrap(), 1, "{backend}");
    }
}

/// A day of 2026.
fn day(m: u32, d: u32) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, m, d).unwrap()
}

#[tokio::test]
async fn nobody_approves_a_result_they_consolidated_not_even_through_a_second_account() {
    use kaohe_domain::cycle::{Action, Stage, Target};
    use kaohe_domain::period::Period;
    use kaohe_domain::roles::Role;
    for db in kaohe_testkit::every_backend().await {
        let backend = db.backend;
        let app = spawn_demo(db).await;
        let store = &app.store;
        let oct = Period::parse("2026-10").unwrap();
        let viewer = |name: &'static str| kaohe::cycle::viewer(store, name);
        let (hr, committee, rep) = (
            viewer("hr").await.unwrap(),
            viewer("committee").await.unwrap(),
            viewer("rep").await.unwrap(),
        );
        let rep_id = rep.employee_id.unwrap();

        // Through the cycle to HR's consolidation.
        store.open_cycles(&hr, oct).await.unwrap();
        let sup = store.supervisor_chain(rep_id).await.unwrap()[0];
        let superior = kaohe_store::Viewer {
            user_id: None,
            username: "test:superior".into(),
            role: Role::TeamLeader,
            employee_id: Some(sup),
            team_id: None,
            department_ids: Vec::new(),
        };
        let state = store.cycle(&hr, oct, rep_id).await.unwrap();
        let lib = store.library().await.unwrap();
        let scheme = lib.library.scheme(&state.setup().scheme_code).unwrap();
        let indicator = scheme.indicator_codes().next().unwrap().to_string();
        let propose = Action::ProposeTargets {
            targets: vec![Target {
                indicator,
                value: None,
            }],
            basis: "上期实绩".into(),
        };
        let steps = [
            (&superior, propose, day(10, 1)),
            (&rep, Action::ConfirmTargets, day(10, 1)),
            (&hr, Action::ApproveTargetsHr, day(10, 2)),
            (&committee, Action::ApproveTargetsCommittee, day(10, 2)),
            (
                &rep,
                Action::SubmitSelfReview {
                    work_report: "十月工作总结".into(),
                    self_evaluation: "完成主要工作".into(),
                },
                day(11, 2),
            ),
        ];
        for (who, action, on) in steps {
            store.act(who, oct, rep_id, action, on).await.unwrap();
        }
        // After every deadline HR consolidates with what there is.
        store
            .consolidate(&hr, oct, rep_id, day(11, 30))
            .await
            .unwrap();
        let state = store.cycle(&hr, oct, rep_id).await.unwrap();
        assert_eq!(state.stage(), Stage::Consolidated, "{backend}");

        // The same person, through a committee login of their own: refused, nothing changes.
        let admin = kaohe_store::Viewer::system("test");
        let hr_user = store.user_by_name("hr").await.unwrap().unwrap();
        let mut code = Sql::new("SELECT code FROM employees WHERE id = ");
        code.bind(hr_user.employee_id.unwrap());
        let (hr_code,): (String,) = store.fetch_optional(&code).await.unwrap().unwrap();
        store
            .add_account(
                &admin,
                "hr-on-committee",
                "second login",
                Role::Committee,
                Some(&hr_code),
                "",
            )
            .await
            .unwrap();
        let twin = viewer("hr-on-committee").await.unwrap();
        let err = store
            .act(&twin, oct, rep_id, Action::ApproveResult, day(12, 1))
            .await
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("consolidated this result cannot approve it"),
            "{backend}: {err}"
        );
        let state = store.cycle(&hr, oct, rep_id).await.unwrap();
        assert_eq!(state.stage(), Stage::Consolidated, "{backend}");

        // Another member approves.
        store
            .act(&committee, oct, rep_id, Action::ApproveResult, day(12, 1))
            .await
            .unwrap();
    }
}

/// Runs the `kaohe` binary on the SQLite file `db`; (success, stdout, stderr).
fn kaohe_cli(db: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kaohe"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env("KAOHE_LOG", "error")
        .env("KAOHE_PASSWORD", "a-long-password")
        .env_remove("KAOHE_DATABASE_URL")
        .env_remove("KAOHE_CONFIG")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).to_string();
    (out.status.success(), text(&out.stdout), text(&out.stderr))
}

#[test]
fn the_cli_disables_enables_lists_and_revokes_tokens_of_an_account() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db");
    let ok = |args: &[&str]| {
        let (success, out, err) = kaohe_cli(&db, args);
        assert!(success, "{args:?}: {err}");
        out
    };
    ok(&["init"]);
    ok(&["user", "add", "--username", "wang", "--role", "rep"]);
    ok(&["user", "token", "--username", "wang", "--name", "BI"]);
    ok(&[
        "user",
        "token",
        "--username",
        "wang",
        "--name",
        "RO",
        "--read-only",
        "--days",
        "7",
    ]);
    let (success, _, err) = kaohe_cli(
        &db,
        &[
            "user",
            "token",
            "--username",
            "wang",
            "--name",
            "X",
            "--days",
            "400",
        ],
    );
    assert!(!success && err.contains("1 to 366 days"), "{err}");
    let listed = ok(&["user", "tokens", "--username", "wang"]);
    let line = |name: &str, listed: &str| {
        listed
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("{name} in {listed}"))
            .to_string()
    };
    assert!(line("BI", &listed).contains("live") && line("BI", &listed).contains("read-write"));
    assert!(line("RO", &listed).contains("read-only"), "{listed}");
    ok(&["user", "revoke-token", "--username", "wang", "--name", "BI"]);
    let listed = ok(&["user", "tokens", "--username", "wang"]);
    assert!(line("BI", &listed).contains("revoked"), "{listed}");
    let (success, _, err) = kaohe_cli(
        &db,
        &["user", "revoke-token", "--username", "wang", "--name", "BI"],
    );
    assert!(!success && err.contains("not found"), "{err}");

    ok(&["user", "disable", "--username", "wang"]);
    let users = ok(&["user", "list"]);
    let wang = users.lines().find(|l| l.contains("wang")).unwrap();
    assert!(wang.contains("disabled"), "{users}");
    let listed = ok(&["user", "tokens", "--username", "wang"]);
    assert!(
        line("RO", &listed).contains("revoked"),
        "disabling revokes: {listed}"
    );
    ok(&["user", "enable", "--username", "wang"]);
    let users = ok(&["user", "list"]);
    let wang = users.lines().find(|l| l.contains("wang")).unwrap();
    assert!(wang.contains("active"), "{users}");
}
