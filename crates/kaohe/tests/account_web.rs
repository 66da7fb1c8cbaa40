//! One's own account over HTTP on every backend: the language switch changes every page at
//! once; a password change needs the current password, ends other sessions and keeps this one;
//! API tokens act as their account (role and data scope included) without a CSRF token, are
//! shown once, and stop working when revoked; every step is audited.

mod support;

use reqwest::StatusCode;
use serde_json::{Value, json};
use support::{hidden_csrf, spawn_demo};

async fn text(client: &reqwest::Client, url: String) -> (StatusCode, String) {
    let resp = client.get(url).send().await.unwrap();
    (resp.status(), resp.text().await.unwrap())
}

/// The token printed in the page's `<code class="token">`.
fn shown_token(html: &str) -> String {
    let at = html
        .find("class=\"token\">")
        .expect("the new token is shown")
        + 14;
    html[at..].split('<').next().unwrap().to_string()
}

#[tokio::test]
async fn language_password_and_api_tokens_on_every_backend() {
    for db in kaohe_testkit::every_backend().await {
        let backend = db.backend;
        let app = spawn_demo(db).await;
        let rep = app.sign_in("rep", "kaohe-demo").await;

        // Language: Chinese by default, English once chosen, on every page.
        let (status, html) = text(&rep, app.url("/account")).await;
        assert_eq!(status, StatusCode::OK, "{backend}");
        assert!(html.contains("修改密码"), "{backend}");
        let csrf = hidden_csrf(&html);
        let resp = rep
            .post(app.url("/account/language"))
            .form(&[("csrf", csrf.as_str()), ("language", "en")])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{backend}");
        let (_, html) = text(&rep, app.url("/account?saved=language")).await;
        assert!(
            html.contains("Change password") && html.contains("Language saved."),
            "{backend}"
        );
        let (_, inbox) = text(&rep, app.url("/inbox")).await;
        assert!(
            inbox.contains("lang=\"en\""),
            "{backend}: other pages follow"
        );
        let resp = rep
            .post(app.url("/account/language"))
            .form(&[("csrf", csrf.as_str()), ("language", "fr")])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY, "{backend}");
        assert!(resp.text().await.unwrap().contains("unknown language `fr`"));
        // Without the CSRF token nothing changes.
        let resp = rep
            .post(app.url("/account/language"))
            .form(&[("csrf", "forged"), ("language", "zh-CN")])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{backend}");

        // Password: the current one must be right and the two new ones equal.
        let other_device = app.sign_in("rep", "kaohe-demo").await;
        let change = |current: &'static str, new: &'static str, confirm: &'static str| {
            rep.post(app.url("/account/password"))
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("current", current),
                    ("new", new),
                    ("confirm", confirm),
                ])
                .send()
        };
        let resp = change("wrong-password", "a-new-secret", "a-new-secret")
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY, "{backend}");
        assert!(
            resp.text()
                .await
                .unwrap()
                .contains("the current password is wrong")
        );
        let resp = change("kaohe-demo", "a-new-secret", "another-one")
            .await
            .unwrap();
        assert!(
            resp.text()
                .await
                .unwrap()
                .contains("The two new passwords differ.")
        );
        let resp = change("kaohe-demo", "short", "short").await.unwrap();
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY, "{backend}");
        let resp = change("kaohe-demo", "a-new-secret", "a-new-secret")
            .await
            .unwrap();
        let status = resp.status();
        let body = resp.text().await.unwrap();
        assert_eq!(status, StatusCode::SEE_OTHER, "{backend}: {body}");
        // This browser stays signed in; the other device is signed out; the old password fails.
        let (status, html) = text(&rep, app.url("/account?saved=password")).await;
        assert_eq!(status, StatusCode::OK, "{backend}");
        assert!(html.contains("Password changed"), "{backend}");
        let (status, _) = text(&other_device, app.url("/api/me")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{backend}");
        let again = app.sign_in("rep", "a-new-secret").await;
        assert_eq!(text(&again, app.url("/api/me")).await.0, StatusCode::OK);
        let html = text(&rep, app.url("/account")).await.1;
        let csrf = hidden_csrf(&html);

        // API tokens: shown once, act as the account without cookies or CSRF, scoped.
        let resp = rep
            .post(app.url("/account/tokens"))
            .form(&[("csrf", csrf.as_str()), ("name", "CRM sync")])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{backend}");
        let token = shown_token(&resp.text().await.unwrap());
        assert!(token.starts_with("kh_") && token.len() > 40, "{token}");
        let (_, html) = text(&rep, app.url("/account")).await;
        assert!(
            html.contains("CRM sync") && !html.contains(&token),
            "{backend}: listed, never shown again"
        );
        let bare = reqwest::Client::new();
        let me: Value = bare
            .get(app.url("/api/me"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(me["username"], "rep", "{backend}: {me}");
        let my_id = me["employee_id"].as_i64().unwrap();
        let other: Vec<(i64,)> = app
            .store
            .fetch_all(&kaohe_store::sql::Sql::new(
                "SELECT id FROM employees WHERE status <> 'left' ORDER BY id DESC LIMIT 1",
            ))
            .await
            .unwrap();
        let resp = bare
            .get(app.url(&format!(
                "/api/scorecard?period=2026-10&employee={}",
                other[0].0
            )))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(
            resp.status(),
            StatusCode::NOT_FOUND,
            "{backend}: the token has the rep's scope"
        );
        // A write needs no CSRF token with a bearer token.
        let code = app
            .store
            .employee(&kaohe_store::Viewer::system("t"), my_id)
            .await
            .unwrap()
            .code;
        let resp = bare
            .post(app.url("/api/records/calls"))
            .bearer_auth(&token)
            .json(&json!({"employee_id": code, "started_at": "2026-11-20 10:00", "direction": "outbound",
                          "duration_s": "30", "outcome": "connected", "is_callback": "false"}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::CREATED, "{backend}");
        // Wrong, malformed and revoked tokens are refused.
        for bad in ["kh_0000", "not-a-token"] {
            let resp = bare
                .get(app.url("/api/me"))
                .bearer_auth(bad)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "{backend}: {bad}");
        }
        let resp = bare
            .get(app.url("/api/me"))
            .header("authorization", "Basic cmVwOmthb2hl")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "{backend}");
        // Names are unique among live tokens.
        let resp = rep
            .post(app.url("/account/tokens"))
            .form(&[("csrf", csrf.as_str()), ("name", "CRM sync")])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY, "{backend}");
        let resp = rep
            .post(app.url("/account/tokens/revoke"))
            .form(&[("csrf", csrf.as_str()), ("name", "CRM sync")])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{backend}");
        let resp = bare
            .get(app.url("/api/me"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(
            resp.status(),
            StatusCode::UNAUTHORIZED,
            "{backend}: revoked"
        );

        // The JSON API: a token made with the session's CSRF header, then deleted.
        let api_csrf = me_csrf(&rep, &app.url("/api/me")).await;
        let resp = rep
            .post(app.url("/api/account/tokens"))
            .header("x-csrf-token", &api_csrf)
            .json(&json!({"name": "BI"}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::CREATED, "{backend}");
        let made: Value = resp.json().await.unwrap();
        let bi = made["token"].as_str().unwrap().to_string();
        let resp = bare
            .delete(app.url("/api/account/tokens/BI"))
            .bearer_auth(&bi)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::NO_CONTENT, "{backend}");
        let resp = bare
            .get(app.url("/api/me"))
            .bearer_auth(&bi)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "{backend}");

        // Audited: the password change and the tokens, never a hash or a token.
        let audit = app.store.audit_entries(None, 50).await.unwrap();
        let has = |action: &str, entity: &str, after: &str| {
            audit.iter().any(|a| {
                a.action == action
                    && a.entity == entity
                    && a.actor == "rep"
                    && a.after.as_deref().unwrap_or("").contains(after)
            })
        };
        assert!(has("update", "users", "changed by its owner"), "{backend}");
        assert!(has("create", "api_tokens", "CRM sync"), "{backend}");
        assert!(has("update", "api_tokens", "revoked"), "{backend}");
        assert!(
            !audit
                .iter()
                .any(|a| a.after.as_deref().unwrap_or("").contains("kh_")),
            "{backend}: no token in the log"
        );
    }
}

async fn me_csrf(client: &reqwest::Client, url: &str) -> String {
    let me: Value = client.get(url).send().await.unwrap().json().await.unwrap();
    me["csrf_token"].as_str().unwrap().to_string()
}
