//! The administration screens over HTTP on the demo company, on every backend: only HR and
//! administrators reach them (every other role gets 403 on each page, form and endpoint, from
//! the store); a holiday added by HR changes the working days on a rep's dashboard at once;
//! the formula check answers the position of an error at the formula's boundaries; the preview
//! of an indicator's formula gives its scorecard value; an invalid formula saves nothing; and
//! accounts are added and passwords reset, audited, with the administrator role kept to
//! administrators.

mod support;

use kaohe_store::Viewer;
use serde_json::{Value, json};
use support::{TestApp, spawn_demo, test_today};

const PASSWORD: &str = "kaohe-demo";

async fn me(app: &TestApp, c: &reqwest::Client) -> Value {
    c.get(app.url("/api/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn csrf(app: &TestApp, c: &reqwest::Client) -> String {
    me(app, c).await["csrf_token"].as_str().unwrap().to_string()
}

async fn post_json(
    app: &TestApp,
    c: &reqwest::Client,
    token: &str,
    path: &str,
    body: Value,
) -> (u16, Value) {
    let r = c
        .post(app.url(path))
        .header("x-csrf-token", token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn post_form(
    app: &TestApp,
    c: &reqwest::Client,
    path: &str,
    form: &[(&str, &str)],
) -> (u16, String) {
    let r = c.post(app.url(path)).form(form).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.text().await.unwrap())
}

async fn get(app: &TestApp, c: &reqwest::Client, path: &str) -> (u16, String) {
    let r = c.get(app.url(path)).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.text().await.unwrap())
}

/// The number in `data-working-days="N"` of a page.
fn working_days(html: &str) -> u32 {
    let at = html
        .find("data-working-days=\"")
        .expect("the page shows working days")
        + 19;
    html[at..].split('"').next().unwrap().parse().unwrap()
}

async fn audit_count(app: &TestApp, entity: &str) -> usize {
    app.store
        .audit_entries(Some(entity), 1000)
        .await
        .unwrap()
        .len()
}

#[tokio::test]
async fn only_hr_and_administrators_reach_the_administration_on_every_backend() {
    for db in kaohe_testkit::every_backend().await {
        let backend = db.backend;
        let app = spawn_demo(db).await;
        for role in ["rep", "leader", "manager", "finance", "committee"] {
            let c = app.sign_in(role, PASSWORD).await;
            let token = csrf(&app, &c).await;
            for path in [
                "/admin",
                "/admin/org",
                "/admin/users",
                "/admin/calendar",
                "/admin/calendar?year=2026",
                "/admin/library",
                "/admin/library/callback_count",
                "/api/rollups",
            ] {
                let (status, _) = get(&app, &c, path).await;
                assert_eq!(status, 403, "{backend}: {role} GET {path}");
            }
            let forms: [(&str, Vec<(&str, &str)>); 6] = [
                (
                    "/admin/library/schemes/telesales_specialist",
                    vec![("weight.callback_count", "10")],
                ),
                (
                    "/admin/users",
                    vec![
                        ("username", "intruder"),
                        ("role", "rep"),
                        ("password", "long-enough-1"),
                    ],
                ),
                (
                    "/admin/users/password",
                    vec![("username", "admin"), ("password", "long-enough-1")],
                ),
                (
                    "/admin/calendar",
                    vec![("day", "2026-11-25"), ("kind", "holiday"), ("name", "x")],
                ),
                ("/admin/calendar/remove", vec![("day", "2026-10-01")]),
                (
                    "/admin/library/callback_count",
                    vec![("formula", "count(calls)")],
                ),
            ];
            for (path, fields) in forms {
                let mut fields = fields.clone();
                fields.push(("csrf", token.as_str()));
                let (status, _) = post_form(&app, &c, path, &fields).await;
                assert_eq!(status, 403, "{backend}: {role} POST {path}");
            }
            let (status, _) = post_json(
                &app,
                &c,
                &token,
                "/api/formula/check",
                json!({"formula": "count(calls)"}),
            )
            .await;
            assert_eq!(status, 403, "{backend}: {role} formula check");
            let (status, _) = post_json(
                &app,
                &c,
                &token,
                "/api/formula/preview",
                json!({"formula": "count(calls)", "employee": 1, "period": "2026-10"}),
            )
            .await;
            assert_eq!(status, 403, "{backend}: {role} formula preview");
            let (_, dash) = get(&app, &c, "/").await;
            assert!(
                !dash.contains("href=\"/admin\""),
                "{backend}: no administration link for {role}"
            );
        }
        // Nothing the refused requests asked for happened.
        assert!(app.store.user_by_name("intruder").await.unwrap().is_none());
        assert_eq!(audit_count(&app, "holidays").await, 0, "{backend}");

        for role in ["hr", "admin"] {
            let c = app.sign_in(role, PASSWORD).await;
            let (_, dash) = get(&app, &c, "/").await;
            assert!(dash.contains("href=\"/admin\""), "{backend}: {role} nav");
            for path in [
                "/admin",
                "/admin/org",
                "/admin/users",
                "/admin/calendar",
                "/admin/library",
                "/admin/library/callback_count",
            ] {
                let (status, body) = get(&app, &c, path).await;
                assert_eq!(status, 200, "{backend}: {role} GET {path}: {body}");
            }
            let (status, _) = get(&app, &c, "/admin/library/no_such_indicator").await;
            assert_eq!(status, 404, "{backend}");
        }
        // Without the CSRF token, even HR changes nothing.
        let hr = app.sign_in("hr", PASSWORD).await;
        let (status, _) = post_json(
            &app,
            &hr,
            "wrong",
            "/api/formula/check",
            json!({"formula": "count(calls)"}),
        )
        .await;
        assert_eq!(status, 403, "{backend}: CSRF");
    }
}

#[tokio::test]
async fn a_holiday_added_by_hr_changes_the_dashboards_working_days_on_every_backend() {
    for db in kaohe_testkit::every_backend().await {
        let backend = db.backend;
        let app = spawn_demo(db).await;
        app.clock.set(Some(test_today()));
        let rep = app.sign_in("rep", PASSWORD).await;
        let (_, dash) = get(&app, &rep, "/").await;
        let before = working_days(&dash);
        assert!(before > 15, "{backend}: November has {before} working days");

        let hr = app.sign_in("hr", PASSWORD).await;
        let token = csrf(&app, &hr).await;
        let add = |day: &'static str, kind: &'static str, name: &'static str| {
            let (app, hr, token) = (&app, &hr, token.clone());
            async move {
                post_form(
                    app,
                    hr,
                    "/admin/calendar",
                    &[
                        ("csrf", token.as_str()),
                        ("day", day),
                        ("kind", kind),
                        ("name", name),
                    ],
                )
                .await
            }
        };
        // Wednesday 25 November becomes a holiday.
        let (status, _) = add("2026-11-25", "holiday", "公司庆典").await;
        assert_eq!(status, 303, "{backend}");
        let (_, dash) = get(&app, &rep, "/").await;
        assert_eq!(working_days(&dash), before - 1, "{backend}: at once");
        let (_, page) = get(&app, &hr, "/admin/calendar?year=2026").await;
        assert!(
            page.contains("data-day=\"2026-11-25\"") && page.contains("公司庆典"),
            "{backend}"
        );
        assert_eq!(audit_count(&app, "holidays").await, 1, "{backend}: audited");

        // Errors name the field, and change nothing.
        let cases = [
            ("2026-13-01", "holiday", "", 422, "day"),
            ("2026-11-26", "workday", "", 422, "day"),
            ("2026-11-25", "holiday", "", 409, "day"),
            ("2026-11-27", "vacation", "", 422, "kind"),
        ];
        for (day, kind, name, want, field) in cases {
            let (status, page) = add(day, kind, name).await;
            assert_eq!(status, want, "{backend}: {day} {kind}");
            assert!(
                page.contains(&format!("data-field=\"{field}\"")),
                "{backend}: {day} {kind} names {field}"
            );
        }
        let long = "节".repeat(101);
        let (status, page) = post_form(
            &app,
            &hr,
            "/admin/calendar",
            &[
                ("csrf", token.as_str()),
                ("day", "2026-11-27"),
                ("kind", "holiday"),
                ("name", long.as_str()),
            ],
        )
        .await;
        assert_eq!(status, 422, "{backend}");
        assert!(page.contains("data-field=\"name\""), "{backend}");
        let (_, dash) = get(&app, &rep, "/").await;
        assert_eq!(working_days(&dash), before - 1, "{backend}: nothing else");

        // Saturday 28 November becomes a make-up working day; then both are removed.
        let (status, _) = add("2026-11-28", "workday", "调休").await;
        assert_eq!(status, 303, "{backend}");
        let (_, dash) = get(&app, &rep, "/").await;
        assert_eq!(working_days(&dash), before, "{backend}");
        for day in ["2026-11-25", "2026-11-28"] {
            let (status, _) = post_form(
                &app,
                &hr,
                "/admin/calendar/remove",
                &[("csrf", token.as_str()), ("day", day)],
            )
            .await;
            assert_eq!(status, 303, "{backend}: remove {day}");
        }
        let (_, dash) = get(&app, &rep, "/").await;
        assert_eq!(working_days(&dash), before, "{backend}");
        let (status, _) = post_form(
            &app,
            &hr,
            "/admin/calendar/remove",
            &[("csrf", token.as_str()), ("day", "2026-11-25")],
        )
        .await;
        assert_eq!(status, 404, "{backend}: removing a day not configured");
        assert_eq!(audit_count(&app, "holidays").await, 4, "{backend}");
    }
}

/// The check's answer for `formula` as HR sees it.
async fn check(app: &TestApp, c: &reqwest::Client, token: &str, formula: &str) -> Value {
    let (status, body) = post_json(
        app,
        c,
        token,
        "/api/formula/check",
        json!({ "formula": formula }),
    )
    .await;
    assert_eq!(status, 200, "{formula}: {body}");
    body
}

#[tokio::test]
async fn the_formula_check_places_errors_and_the_preview_matches_the_scorecard_on_every_backend() {
    for db in kaohe_testkit::every_backend().await {
        let backend = db.backend;
        let app = spawn_demo(db).await;
        let hr = app.sign_in("hr", PASSWORD).await;
        let token = csrf(&app, &hr).await;

        let ok = check(&app, &hr, &token, "count(calls where is_callback)").await;
        assert_eq!(ok["ok"], true, "{backend}: {ok}");

        // Empty: at the very start.
        for empty in ["", "   "] {
            let e = check(&app, &hr, &token, empty).await;
            assert_eq!(e["ok"], false, "{backend}");
            assert_eq!(
                (e["line"].as_u64(), e["column"].as_u64()),
                (Some(1), Some(1))
            );
            assert!(e["message"].as_str().unwrap().contains("公式为空"), "{e}");
        }
        // An unknown field: its own span, named in the user's language, with the caret.
        let src = "count(calls where is_callbak)";
        let e = check(&app, &hr, &token, src).await;
        assert_eq!(e["ok"], false);
        assert_eq!(e["line"], 1);
        assert_eq!(e["column"], 19, "{backend}: {e}");
        assert_eq!(
            (e["start"].as_u64(), e["end"].as_u64()),
            (Some(18), Some(28))
        );
        assert!(
            e["message"]
                .as_str()
                .unwrap()
                .contains("未知字段 `is_callbak`"),
            "{e}"
        );
        assert!(
            e["message_en"].as_str().unwrap().contains("is_callback"),
            "a suggestion: {e}"
        );
        let caret = e["caret"].as_str().unwrap();
        assert!(
            caret.contains(src) && caret.ends_with("^^^^^^^^^^"),
            "{caret}"
        );
        // Trailing garbage after a complete formula, on the second line.
        let e = check(&app, &hr, &token, "count(calls)\n  + 1 1").await;
        assert_eq!(e["ok"], false);
        assert_eq!(
            (e["line"].as_u64(), e["column"].as_u64()),
            (Some(2), Some(7)),
            "{e}"
        );
        assert_eq!(e["start"], 19, "{e}");
        // In English for an English reader.
        let sql = kaohe_store::Sql::new("UPDATE users SET language = 'en' WHERE username = 'hr'");
        app.store.execute(&sql).await.unwrap();
        let e = check(&app, &hr, &token, src).await;
        assert!(
            e["message"].as_str().unwrap().starts_with("unknown field"),
            "{e}"
        );

        // The preview of each computed indicator on the rep's card equals the line's value.
        let rep = app.sign_in("rep", PASSWORD).await;
        let rep_id = me(&app, &rep).await["employee_id"].as_i64().unwrap();
        let code = app
            .store
            .employee(&Viewer::system("t"), rep_id)
            .await
            .unwrap()
            .code;
        let lib = app.store.library().await.unwrap().library;
        let card: Value = hr
            .get(app.url(&format!("/api/scorecard?period=2026-10&employee={rep_id}")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let mut compared = 0;
        for line in card["scorecard"]["lines"].as_array().unwrap() {
            let ind = line["code"].as_str().unwrap();
            let Some(formula) = lib.indicator(ind).and_then(|i| i.formula()) else {
                continue;
            };
            let employee = if compared % 2 == 0 {
                json!(code)
            } else {
                json!(rep_id)
            };
            let (status, p) = post_json(
                &app,
                &hr,
                &token,
                "/api/formula/preview",
                json!({"formula": formula.source(), "employee": employee, "period": "2026-10", "indicator": ind}),
            )
            .await;
            assert_eq!(status, 200, "{backend}: {ind}: {p}");
            match (line["value"].as_f64(), p["value"].as_f64()) {
                (Some(a), Some(b)) => assert!((a - b).abs() < 1e-9, "{backend}: {ind}: {a} vs {b}"),
                (a, b) => assert_eq!(a, b, "{backend}: {ind}"),
            }
            compared += 1;
        }
        assert!(
            compared >= 3,
            "{backend}: {compared} computed indicators compared"
        );
        let (status, e) = post_json(
            &app,
            &hr,
            &token,
            "/api/formula/preview",
            json!({"formula": "count(calls where", "employee": code, "period": "2026-10"}),
        )
        .await;
        assert_eq!((status, e["field"].as_str()), (422, Some("formula")), "{e}");
        let (status, e) = post_json(
            &app,
            &hr,
            &token,
            "/api/formula/preview",
            json!({"formula": "count(calls)", "employee": code, "period": "2026-13"}),
        )
        .await;
        assert_eq!((status, e["field"].as_str()), (422, Some("period")), "{e}");
        let (status, _) = post_json(
            &app,
            &hr,
            &token,
            "/api/formula/preview",
            json!({"formula": "count(calls)", "employee": "NO-SUCH", "period": "2026-10"}),
        )
        .await;
        assert_eq!(status, 404, "{backend}");
    }
}

#[tokio::test]
async fn an_invalid_formula_saves_nothing_and_a_valid_one_is_a_new_audited_version_on_every_backend()
 {
    for db in kaohe_testkit::every_backend().await {
        let backend = db.backend;
        let app = spawn_demo(db).await;
        let hr = app.sign_in("hr", PASSWORD).await;
        let token = csrf(&app, &hr).await;
        let version = app.store.library().await.unwrap().version;
        let audited = audit_count(&app, "library").await;
        let path = "/admin/library/callback_count";
        for bad in ["count(calls where", "", "count(calls where is_callbak)"] {
            let (status, page) = post_form(
                &app,
                &hr,
                path,
                &[("csrf", token.as_str()), ("formula", bad)],
            )
            .await;
            assert_eq!(status, 422, "{backend}: {bad:?}");
            assert!(page.contains("公式未保存"), "{backend}: the error is shown");
            assert_eq!(
                app.store.library().await.unwrap().version,
                version,
                "{backend}"
            );
        }
        assert_eq!(audit_count(&app, "library").await, audited, "{backend}");
        // The same formula again is no new version either.
        let current = "count(calls where is_callback)";
        let (status, _) = post_form(
            &app,
            &hr,
            path,
            &[("csrf", token.as_str()), ("formula", current)],
        )
        .await;
        assert_eq!(status, 303, "{backend}");
        assert_eq!(
            app.store.library().await.unwrap().version,
            version,
            "{backend}"
        );

        let changed = "count(calls where is_callback and duration_s > 0)";
        let (status, _) = post_form(
            &app,
            &hr,
            path,
            &[("csrf", token.as_str()), ("formula", changed)],
        )
        .await;
        assert_eq!(status, 303, "{backend}");
        let lib = app.store.library().await.unwrap();
        assert_eq!(lib.version, version + 1, "{backend}");
        let source = lib
            .library
            .indicator("callback_count")
            .unwrap()
            .formula()
            .unwrap()
            .source()
            .to_string();
        assert_eq!(source, changed, "{backend}");
        let entries = app
            .store
            .audit_entries(Some("indicators"), 10)
            .await
            .unwrap();
        let entry = entries.first().expect("the change is audited");
        assert_eq!(
            (entry.actor.as_str(), entry.entity_id.as_str()),
            ("hr", "callback_count")
        );
        assert!(
            entry.before.as_deref().unwrap().contains(current),
            "{backend}"
        );
        assert!(
            entry.after.as_deref().unwrap().contains("duration_s"),
            "{backend}"
        );
        // The new measure's roll-ups are built in the background; the page follows the
        // build through GET /api/rollups until it ends.
        let mut builds = Value::Null;
        for _ in 0..300 {
            let (status, body) = get(&app, &hr, "/api/rollups").await;
            assert_eq!(status, 200, "{backend}: {body}");
            builds = serde_json::from_str(&body).unwrap();
            if builds["pending"] == 0 && builds["running"] == false && builds["total"] != 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(builds["pending"], 0, "{backend}: {builds}");
        assert_eq!(builds["measures"], 1, "{backend}: {builds}");
        assert!(
            builds["total"].as_u64().unwrap() > 0 && builds["done"] == builds["total"],
            "{backend}: {builds}"
        );
        assert!(
            builds["error"].is_null() && builds["finished_at"].is_string(),
            "{backend}: {builds}"
        );
        let (_, page) = get(&app, &hr, &format!("{path}?saved={}", version + 1)).await;
        assert!(
            page.contains("duration_s &gt; 0") || page.contains("duration_s > 0"),
            "{backend}"
        );
        // A rated indicator has no formula to change.
        let rated = lib
            .library
            .indicators()
            .iter()
            .find(|i| i.is_rated())
            .unwrap()
            .code
            .clone();
        let (status, _) = post_form(
            &app,
            &hr,
            &format!("/admin/library/{rated}"),
            &[("csrf", token.as_str()), ("formula", "count(calls)")],
        )
        .await;
        assert_eq!(status, 422, "{backend}: {rated}");
    }
}

#[tokio::test]
async fn accounts_are_added_and_reset_by_hr_and_administrators_audited_on_every_backend() {
    for db in kaohe_testkit::every_backend().await {
        let backend = db.backend;
        let app = spawn_demo(db).await;
        let hr = app.sign_in("hr", PASSWORD).await;
        let token = csrf(&app, &hr).await;
        let rep = app.sign_in("rep", PASSWORD).await;
        let rep_id = me(&app, &rep).await["employee_id"].as_i64().unwrap();
        let code = app
            .store
            .employee(&Viewer::system("t"), rep_id)
            .await
            .unwrap()
            .code;
        let add = |username: &'static str,
                   role: &'static str,
                   employee: String,
                   password: &'static str| {
            let (app, hr, token) = (&app, &hr, token.clone());
            async move {
                post_form(
                    app,
                    hr,
                    "/admin/users",
                    &[
                        ("csrf", token.as_str()),
                        ("username", username),
                        ("display_name", ""),
                        ("employee", employee.as_str()),
                        ("role", role),
                        ("password", password),
                    ],
                )
                .await
            }
        };
        let (status, _) = add("rep2", "rep", code.clone(), "a-new-password").await;
        assert_eq!(status, 303, "{backend}");
        let user = app.store.user_by_name("rep2").await.unwrap().unwrap();
        assert_eq!(
            (user.role.as_str(), user.employee_id),
            ("rep", Some(rep_id))
        );
        assert!(
            !user.display_name.is_empty(),
            "{backend}: named after the person"
        );
        app.sign_in("rep2", "a-new-password").await;
        let entries = app.store.audit_entries(Some("users"), 10).await.unwrap();
        assert!(
            entries.iter().any(|e| e.action == "create"
                && e.entity_id == "rep2"
                && !e.after.as_deref().unwrap_or("").contains("password")),
            "{backend}: audited without the password"
        );
        let (_, page) = get(&app, &hr, "/admin/users").await;
        assert!(page.contains("data-username=\"rep2\""), "{backend}");

        // Refusals name the field; HR grants no administrator role.
        let cases = [
            (
                "rep2",
                "rep",
                code.clone(),
                "a-new-password",
                409,
                "username",
            ),
            (
                "rep3",
                "rep",
                "NO-SUCH".to_string(),
                "a-new-password",
                422,
                "employee",
            ),
            ("rep3", "rep", String::new(), "short", 422, "password"),
            ("rep3", "boss", String::new(), "a-new-password", 422, "role"),
        ];
        for (username, role, employee, password, want, field) in cases {
            let (status, page) = add(username, role, employee, password).await;
            assert_eq!(status, want, "{backend}: {username} {role}");
            assert!(
                page.contains(&format!("data-field=\"{field}\"")),
                "{backend}: {field}: {page}"
            );
        }
        let (status, _) = add("root2", "admin", String::new(), "a-new-password").await;
        assert_eq!(status, 403, "{backend}: HR grants no administrator role");
        assert!(app.store.user_by_name("rep3").await.unwrap().is_none());
        assert!(app.store.user_by_name("root2").await.unwrap().is_none());

        // Resets: HR resets a rep's, not an administrator's; the administrator resets anyone's.
        let reset =
            |c: reqwest::Client, token: String, username: &'static str, password: &'static str| {
                let app = &app;
                async move {
                    post_form(
                        app,
                        &c,
                        "/admin/users/password",
                        &[
                            ("csrf", token.as_str()),
                            ("username", username),
                            ("password", password),
                        ],
                    )
                    .await
                    .0
                }
            };
        assert_eq!(
            reset(hr.clone(), token.clone(), "rep2", "reset-by-hr-1").await,
            303
        );
        app.sign_in("rep2", "reset-by-hr-1").await;
        assert_eq!(
            reset(hr.clone(), token.clone(), "admin", "taken-over-1").await,
            403,
            "{backend}"
        );
        let admin = app.sign_in("admin", PASSWORD).await;
        let admin_token = csrf(&app, &admin).await;
        assert_eq!(
            reset(admin.clone(), admin_token.clone(), "rep2", "reset-by-admin").await,
            303
        );
        app.sign_in("rep2", "reset-by-admin").await;
        let (status, _) = post_form(
            &app,
            &admin,
            "/admin/users",
            &[
                ("csrf", admin_token.as_str()),
                ("username", "root2"),
                ("employee", ""),
                ("role", "admin"),
                ("password", "a-new-password"),
            ],
        )
        .await;
        assert_eq!(status, 303, "{backend}: an administrator grants it");
    }
}

#[tokio::test]
async fn scheme_weights_must_sum_to_100_and_make_a_new_version_of_the_scheme_on_every_backend() {
    for db in kaohe_testkit::every_backend().await {
        let backend = db.backend;
        let app = spawn_demo(db).await;
        let lib = app.store.library().await.unwrap();
        let scheme = lib
            .library
            .schemes()
            .iter()
            .find(|s| s.groups.iter().flat_map(|g| &g.items).count() >= 2)
            .unwrap()
            .clone();
        let items: Vec<(String, f64)> = scheme
            .groups
            .iter()
            .flat_map(|g| &g.items)
            .map(|i| (i.indicator.clone(), i.weight.as_percent()))
            .collect();
        let second = items
            .iter()
            .position(|(_, w)| *w >= 1.0)
            .filter(|p| *p > 0)
            .unwrap_or(1);
        let path = format!("/admin/library/schemes/{}", scheme.code);
        let post = |c: reqwest::Client, token: String, change: Vec<(usize, String)>| {
            let (app, items, path) = (&app, &items, &path);
            async move {
                let mut fields: Vec<(String, String)> = vec![("csrf".into(), token)];
                for (i, (code, w)) in items.iter().enumerate() {
                    let value = change
                        .iter()
                        .find(|(j, _)| *j == i)
                        .map_or_else(|| w.to_string(), |(_, v)| v.clone());
                    fields.push((format!("weight.{code}"), value));
                }
                let refs: Vec<(&str, &str)> = fields
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                post_form(app, &c, path, &refs).await
            }
        };
        let rep = app.sign_in("rep", PASSWORD).await;
        let rep_token = csrf(&app, &rep).await;
        let (status, _) = post(rep, rep_token, vec![]).await;
        assert_eq!(status, 403, "{backend}: a rep");

        let hr = app.sign_in("hr", PASSWORD).await;
        let token = csrf(&app, &hr).await;
        let first = items[0].1;
        let (status, page) = post(
            hr.clone(),
            token.clone(),
            vec![(0, (first + 5.0).to_string())],
        )
        .await;
        assert_eq!(status, 422, "{backend}: 105%");
        assert!(
            page.contains("data-field=\"weights\"") && page.contains("105%"),
            "{backend}"
        );
        let (status, page) = post(hr.clone(), token.clone(), vec![(0, "ten".into())]).await;
        assert_eq!(status, 422, "{backend}");
        let field = format!("data-field=\"weight.{}\"", items[0].0);
        assert!(page.contains(&field), "{backend}: {field}");
        assert_eq!(
            app.store.library().await.unwrap().version,
            lib.version,
            "{backend}: nothing saved"
        );

        // One point moves from one indicator to another: a new version of the scheme.
        let moved = vec![
            (0, (first + 1.0).to_string()),
            (second, (items[second].1 - 1.0).to_string()),
        ];
        let (status, _) = post(hr.clone(), token.clone(), moved).await;
        assert_eq!(status, 303, "{backend}");
        let after = app.store.library().await.unwrap();
        assert_eq!(after.version, lib.version + 1, "{backend}");
        let s = after.library.scheme(&scheme.code).unwrap();
        assert_eq!(s.version, scheme.version + 1, "{backend}");
        let w = s
            .groups
            .iter()
            .flat_map(|g| &g.items)
            .next()
            .unwrap()
            .weight
            .as_percent();
        assert!((w - (first + 1.0)).abs() < 1e-9, "{backend}: {w}");
        let entries = app.store.audit_entries(Some("schemes"), 5).await.unwrap();
        assert_eq!(
            entries.first().map(|e| e.entity_id.as_str()),
            Some(scheme.code.as_str())
        );
        let (status, page) = get(&app, &hr, "/admin/library").await;
        assert_eq!(status, 200);
        assert!(
            page.contains(&format!("v{}", scheme.version + 1)),
            "{backend}"
        );
    }
}
