//! Bonus bases through every interface on the demo company, on every backend: HR's page sets
//! one (a refused one shows the page again with what was typed and sets nothing), the JSON API
//! sets and lists them all or nothing, `kaohe bonus set-base` and `kaohe bonus bases` do the
//! same from the command line, and a rep can do none of it.

mod support;

use serde_json::{Value, json};
use std::process::{Command, Stdio};
use support::{TestApp, spawn_demo};

/// Posts the page's form: status and body.
async fn form(app: &TestApp, client: &reqwest::Client, fields: &[(&str, &str)]) -> (u16, String) {
    let page = "/admin/bonus-bases";
    app.post_page_form(client, page, page, fields).await
}

async fn api_set(app: &TestApp, client: &reqwest::Client, body: Value) -> (u16, Value) {
    app.post_json(client, "/api/bonus-bases", body).await
}

async fn rules(app: &TestApp, client: &reqwest::Client) -> Vec<Value> {
    let v: Value = client
        .get(app.url("/api/bonus-bases"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["rules"].as_array().unwrap().clone()
}

fn kaohe(app: &TestApp, args: &[&str]) -> (bool, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kaohe"));
    for var in ["KAOHE_DATABASE_URL", "KAOHE_CONFIG"] {
        cmd.env_remove(var);
    }
    let out = cmd
        .env("KAOHE_LOG", "error")
        .arg("--db")
        .arg(&app.db.url)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[tokio::test]
async fn hr_sets_bonus_bases_on_the_page_the_api_and_the_command_line() {
    for db in kaohe_testkit::every_backend().await {
        let app = spawn_demo(db).await;
        let hr = app.sign_in("hr", "kaohe-demo").await;
        let b = app.db.backend;
        let before = rules(&app, &hr).await.len();
        assert!(before >= 1, "{b}: the demo sets its bases");

        // The page: a refused rule keeps what was typed and sets nothing.
        let (status, html) = form(
            &app,
            &hr,
            &[
                ("scope", "position"),
                ("subject", "no_such_post"),
                ("from", "2026-12"),
                ("amount", "3100"),
                ("note", "调薪"),
            ],
        )
        .await;
        assert_eq!(status, 422, "{b}: {html}");
        assert!(html.contains("unknown position code `no_such_post`"), "{b}");
        assert!(
            html.contains("value=\"no_such_post\"") && html.contains("value=\"3100\""),
            "{b}"
        );
        assert_eq!(rules(&app, &hr).await.len(), before, "{b}");
        let (status, _) = form(
            &app,
            &hr,
            &[
                ("scope", "position"),
                ("subject", "sales_rep"),
                ("from", "2026-12"),
                ("amount", "3100"),
                ("note", "调薪"),
            ],
        )
        .await;
        assert_eq!(status, 303, "{b}");
        let page = hr
            .get(app.url("/admin/bonus-bases?saved=1"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("data-subject=\"sales_rep\" data-from=\"2026-12\""),
            "{b}"
        );
        assert!(page.contains("3100.00") && page.contains("岗位"), "{b}");

        // The API: all or nothing, every problem by rule.
        let (status, body) = api_set(
            &app,
            &hr,
            json!({"rules": [
                {"scope": "level", "subject": "nope", "from": "2027-01", "amount": "3000"},
                {"scope": "company", "from": "2027-01", "amount": "2.345"},
                {"scope": "company", "from": "2027-01", "amount": "2300"}
            ]}),
        )
        .await;
        assert_eq!(status, 422, "{b}: {body}");
        let message = body["error"].as_str().unwrap_or_default();
        assert!(
            message.contains("rule 1: unknown level code `nope`")
                && message.contains("rule 2: amount"),
            "{b}: {body}"
        );
        let (status, body) = api_set(
            &app,
            &hr,
            json!({"rules": [{"scope": "company", "from": "2027-01", "amount": "2300"}], "note": "2027"}),
        )
        .await;
        assert_eq!(
            (status, body["set"].as_i64()),
            (200, Some(1)),
            "{b}: {body}"
        );
        assert_eq!(rules(&app, &hr).await.len(), before + 2, "{b}");

        // A rep: no page, no API.
        let rep = app.sign_in("rep", "kaohe-demo").await;
        let status = rep
            .get(app.url("/admin/bonus-bases"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        assert_eq!(status, 403, "{b}");
        let (status, _) = api_set(
            &app,
            &rep,
            json!({"rules": [{"scope": "company", "from": "2027-02", "amount": "99999"}]}),
        )
        .await;
        assert_eq!(status, 403, "{b}");

        // The command line, on the same database.
        let (ok, out) = kaohe(
            &app,
            &[
                "bonus",
                "set-base",
                "--scope",
                "个人",
                "--subject",
                "NOBODY",
                "--from",
                "2027-01",
                "--amount",
                "5000",
            ],
        );
        assert!(
            !ok && out.contains("unknown employee number `NOBODY`"),
            "{b}: {out}"
        );
        let (ok, out) = kaohe(
            &app,
            &[
                "bonus",
                "set-base",
                "--scope",
                "level",
                "--subject",
                "",
                "--from",
                "2027-01",
                "--amount",
                "5000",
            ],
        );
        assert!(!ok && out.contains("needs the level code"), "{b}: {out}");
        let (ok, out) = kaohe(
            &app,
            &[
                "bonus", "set-base", "--scope", "company", "--from", "2027-03", "--amount", "2400",
                "--as", "hr",
            ],
        );
        assert!(ok, "{b}: {out}");
        let (ok, out) = kaohe(&app, &["bonus", "bases"]);
        assert!(
            ok && out.contains("2027-03") && out.contains("2400.00"),
            "{b}: {out}"
        );
        assert_eq!(rules(&app, &hr).await.len(), before + 3, "{b}");
    }
}
