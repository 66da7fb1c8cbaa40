//! What each role may do, as a matrix over the real server on every backend (SPEC §1):
//! - **data scope**: each demo account × people of its own, its team, its department, and
//!   other departments, through the person and scorecard APIs — own < team < department <
//!   all, worked out here from the organisation itself, not from kaohe's scope code;
//! - **record kinds**: each account × every record kind through `POST /api/records/{kind}`:
//!   a role that may not record a kind is refused (403) before any field is read, one that may
//!   gets the field errors of an empty record (422); nothing is written either way;
//! - **role pages**: the audit log, the boards, the cycle's opening.
//!
//! Plus the session attacks: a state change without the CSRF token, a planted session cookie
//! (session fixation), and repeated failed sign-ins (throttling).

mod support;

use kaohe_domain::import::spec::KINDS;
use kaohe_domain::roles::Role;
use kaohe_store::Viewer;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use support::{TestApp, spawn_demo};

/// The demo's accounts (password `kaohe-demo`) and their roles.
const ACCOUNTS: &[(&str, Role)] = &[
    ("rep", Role::Rep),
    ("clerk", Role::Clerk),
    ("service", Role::CustomerService),
    ("leader", Role::TeamLeader),
    ("manager", Role::Manager),
    ("hr", Role::Hr),
    ("finance", Role::Finance),
    ("committee", Role::Committee),
    ("admin", Role::Admin),
];

/// A person's place in the organisation.
#[derive(Debug, Clone, Copy)]
struct Place {
    team: Option<i64>,
    department: i64,
}

/// Who a role sees, from SPEC §1's table: the data scope of each role.
fn sees(role: Role, me: Option<i64>, target: i64, org: &Org) -> bool {
    let Some(me) = me else {
        return matches!(
            role,
            Role::Hr | Role::Finance | Role::Committee | Role::Admin
        );
    };
    let (mine, theirs) = (org.places[&me], org.places[&target]);
    match role {
        Role::Rep | Role::CustomerService => me == target,
        Role::TeamLeader => me == target || (mine.team.is_some() && mine.team == theirs.team),
        Role::Clerk | Role::Manager => org.under(mine.department).contains(&theirs.department),
        Role::Hr | Role::Finance | Role::Committee | Role::Admin => true,
    }
}

struct Org {
    places: BTreeMap<i64, Place>,
    parents: BTreeMap<i64, Option<i64>>,
}

impl Org {
    /// A department and every department below it.
    fn under(&self, root: i64) -> BTreeSet<i64> {
        let mut out = BTreeSet::from([root]);
        loop {
            let more: Vec<i64> = self
                .parents
                .iter()
                .filter(|(d, p)| !out.contains(*d) && p.is_some_and(|p| out.contains(&p)))
                .map(|(d, _)| *d)
                .collect();
            if more.is_empty() {
                return out;
            }
            out.extend(more);
        }
    }
}

async fn org(app: &TestApp) -> Org {
    let system = Viewer::system("security-matrix");
    let places = app
        .store
        .employees(&system)
        .await
        .unwrap()
        .into_iter()
        .map(|e| {
            (
                e.id,
                Place {
                    team: e.team_id,
                    department: e.department_id,
                },
            )
        })
        .collect();
    let parents = app
        .store
        .departments()
        .await
        .unwrap()
        .into_iter()
        .map(|d| (d.id, d.parent_id))
        .collect();
    Org { places, parents }
}

async fn get(client: &reqwest::Client, url: String) -> (u16, String) {
    let resp = client.get(url).send().await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

async fn csrf_of(app: &TestApp, client: &reqwest::Client) -> String {
    let (_, me) = get(client, app.url("/api/me")).await;
    let me: Value = serde_json::from_str(&me).unwrap();
    me["csrf_token"].as_str().unwrap().to_string()
}

/// The people each account is tested against: for every account with a person, that person,
/// a teammate, someone of the same department outside the team, and someone elsewhere.
fn targets(org: &Org, linked: &[Option<i64>]) -> BTreeSet<i64> {
    let mut out = BTreeSet::new();
    for me in linked.iter().flatten() {
        let mine = org.places[me];
        out.insert(*me);
        let pick = |f: &dyn Fn(&Place) -> bool| {
            org.places
                .iter()
                .find(|(id, p)| *id != me && f(p))
                .map(|(id, _)| *id)
        };
        out.extend(pick(&|p| mine.team.is_some() && p.team == mine.team));
        out.extend(pick(&|p| {
            p.department == mine.department && p.team != mine.team
        }));
        out.extend(pick(&|p| {
            !org.under(mine.department).contains(&p.department)
        }));
    }
    out
}

#[tokio::test]
async fn every_role_sees_and_records_exactly_what_spec_1_allows_on_every_backend() {
    for db in kaohe_testkit::every_backend().await {
        let backend = db.backend;
        let app = spawn_demo(db).await;
        let org = org(&app).await;
        let system = Viewer::system("security-matrix");
        let mut linked = Vec::new();
        for (username, role) in ACCOUNTS {
            let user = app.store.user_by_name(username).await.unwrap().unwrap();
            assert_eq!(user.role, role.as_str(), "{backend}: the demo's {username}");
            linked.push(user.employee_id);
        }
        let targets = targets(&org, &linked);
        assert!(
            targets.len() >= 8,
            "{backend}: too few people to tell scopes apart"
        );
        let names: BTreeMap<i64, String> = app
            .store
            .employees(&system)
            .await
            .unwrap()
            .into_iter()
            .map(|e| (e.id, e.name))
            .collect();
        let rows_before = app.store.count_rows("calls").await.unwrap();
        let mut checked = 0;
        for ((username, role), me) in ACCOUNTS.iter().zip(&linked) {
            let client = app.sign_in(username, "kaohe-demo").await;
            for &target in &targets {
                let visible = sees(*role, *me, target, &org);
                let (status, body) =
                    get(&client, app.url(&format!("/api/employees/{target}"))).await;
                if visible {
                    assert_eq!(
                        status, 200,
                        "{backend}: {username} should see person {target}"
                    );
                } else {
                    assert_eq!(
                        status, 404,
                        "{backend}: {username} must not see person {target}: {body}"
                    );
                    assert!(
                        !body.contains(&names[&target]),
                        "{backend}: {username}: {body}"
                    );
                }
                let (status, body) = get(
                    &client,
                    app.url(&format!("/api/scorecard?employee={target}&period=2026-10")),
                )
                .await;
                if visible {
                    assert!(
                        status == 200 || body.contains("no scorecard"),
                        "{backend}: {username} should see {target}'s scorecard: {status} {body}"
                    );
                } else {
                    assert!(
                        matches!(status, 403 | 404) && !body.contains("indicators"),
                        "{backend}: {username} must not see {target}'s scorecard: {status} {body}"
                    );
                }
                checked += 2;
            }

            // Every record kind: refused before reading (403) or read and found empty (422).
            let csrf = csrf_of(&app, &client).await;
            for spec in KINDS {
                let resp = client
                    .post(app.url(&format!("/api/records/{}", spec.kind)))
                    .header("x-csrf-token", &csrf)
                    .json(&json!({}))
                    .send()
                    .await
                    .unwrap();
                let status = resp.status().as_u16();
                let body = resp.text().await.unwrap();
                let expected = if role.may_write(spec.kind).is_ok() {
                    422
                } else {
                    403
                };
                assert_eq!(
                    status, expected,
                    "{backend}: {username} POST {}: {body}",
                    spec.kind
                );
                checked += 1;
            }

            // Role pages.
            let audit = matches!(role, Role::Hr | Role::Admin);
            let (status, _) = get(&client, app.url("/api/audit")).await;
            assert_eq!(
                status,
                if audit { 200 } else { 403 },
                "{backend}: {username} /api/audit"
            );
            let board = role.scope() != kaohe_domain::roles::Scope::Own;
            let (status, _) = get(&client, app.url("/board?period=2026-10")).await;
            assert_eq!(
                status,
                if board { 200 } else { 403 },
                "{backend}: {username} /board"
            );
            checked += 2;
        }
        // SPEC §1 in plain words, whatever the tables above say.
        for (role, kind, allowed) in [
            (Role::Rep, "calls", true),
            (Role::Rep, "attendance", false),
            (Role::Rep, "budgets", false),
            (Role::CustomerService, "complaints", true),
            (Role::Finance, "payments", true),
            (Role::Hr, "departments", true),
            (Role::Committee, "calls", false),
            (Role::Committee, "orders", false),
        ] {
            assert_eq!(role.may_write(kind).is_ok(), allowed, "{role:?} {kind}");
        }
        assert_eq!(
            app.store.count_rows("calls").await.unwrap(),
            rows_before,
            "{backend}: nothing was written"
        );
        eprintln!("{backend}: {checked} role × endpoint × data checks");
    }
}

#[tokio::test]
async fn csrf_session_fixation_and_sign_in_throttling_are_refused_on_every_backend() {
    for db in kaohe_testkit::every_backend().await {
        let backend = db.backend;
        let app = spawn_demo(db).await;

        // A state change with the session but without its CSRF token.
        let rep = app.sign_in("rep", "kaohe-demo").await;
        let resp = rep
            .post(app.url("/api/records/calls"))
            .json(&json!({"started_at": "2026-11-20 10:00"}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 403, "{backend}: no CSRF token");
        let resp = rep
            .post(app.url("/api/records/calls"))
            .header("x-csrf-token", "0".repeat(64))
            .json(&json!({"started_at": "2026-11-20 10:00"}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 403, "{backend}: a wrong CSRF token");

        // Session fixation: a session id planted before sign-in is never the one signed in.
        let planted = "a".repeat(64);
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let login = client.get(app.url("/login")).send().await.unwrap();
        let login_cookie = login
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with("kaohe_login_csrf="))
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string();
        let page = login.text().await.unwrap();
        let csrf = support::hidden_csrf(&page);
        let resp = client
            .post(app.url("/login"))
            .header("cookie", format!("{login_cookie}; kaohe_session={planted}"))
            .form(&[
                ("username", "rep"),
                ("password", "kaohe-demo"),
                ("csrf", &csrf),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 303, "{backend}");
        let issued = resp
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|c| c.strip_prefix("kaohe_session="))
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string();
        assert_ne!(
            issued, planted,
            "{backend}: the planted session id was kept"
        );
        let planted_me = client
            .get(app.url("/api/me"))
            .header("cookie", format!("kaohe_session={planted}"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            planted_me.status(),
            401,
            "{backend}: the planted id signs nobody in"
        );

        // Throttling: after repeated wrong passwords even the right one is refused for a while.
        let mut refused = 0;
        for attempt in 0..12 {
            let page = client.get(app.url("/login")).send().await.unwrap();
            let cookie = page
                .headers()
                .get_all("set-cookie")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .find(|c| c.starts_with("kaohe_login_csrf="))
                .unwrap()
                .split(';')
                .next()
                .unwrap()
                .to_string();
            let csrf = support::hidden_csrf(&page.text().await.unwrap());
            let password = if attempt < 10 {
                "wrong-password"
            } else {
                "kaohe-demo"
            };
            let resp = client
                .post(app.url("/login"))
                .header("cookie", cookie)
                .form(&[
                    ("username", "leader"),
                    ("password", password),
                    ("csrf", &csrf),
                ])
                .send()
                .await
                .unwrap();
            if attempt >= 10 {
                assert_ne!(
                    resp.status(),
                    303,
                    "{backend}: signed in right after 10 failures"
                );
                refused += 1;
            }
        }
        assert_eq!(refused, 2, "{backend}");
    }
}

#[tokio::test]
async fn uploads_and_request_bodies_are_bounded_in_size_on_every_backend() {
    for db in kaohe_testkit::every_backend().await {
        let backend = db.backend;
        let app = support::spawn_demo_with(db, |s| s.with_max_upload_bytes(64 << 10)).await;
        let rep = app.sign_in("rep", "kaohe-demo").await;
        let csrf = csrf_of(&app, &rep).await;
        let calls = app.store.count_rows("calls").await.unwrap();
        let mut file = String::from("工号,开始时间,方向,通话时长(秒),结果\n");
        while file.len() < 200 << 10 {
            file.push_str("HY10006,2026-11-20 09:00,呼出,60,接通\n");
        }
        let resp = rep
            .post(app.url("/api/import?kind=calls&name=big.csv"))
            .header("x-csrf-token", &csrf)
            .body(file)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 413, "{backend}");
        let body = resp.text().await.unwrap();
        assert!(
            body.contains("big.csv") && body.contains("64 KB"),
            "{backend}: {body}"
        );
        // A JSON body far beyond any record is refused before it is parsed.
        let huge = json!({ "notes": "长".repeat(3 << 20) });
        let resp = rep
            .post(app.url("/api/records/calls"))
            .header("x-csrf-token", &csrf)
            .json(&huge)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 413, "{backend}");
        assert_eq!(
            app.store.count_rows("calls").await.unwrap(),
            calls,
            "{backend}"
        );
    }
}
