//! Spawning the real application for tests: a fresh database per backend, the demo company
//! loaded through the same code as `kaohe demo`, and the server on a random loopback port.

#![allow(dead_code)]

use chrono::NaiveDate;
use kaohe_gen::{GenConfig, Generator};
use kaohe_store::Store;
use kaohe_testkit::TestDb;
use std::net::SocketAddr;

/// The fixed "today" of test data, so that tests do not depend on the calendar.
pub fn test_today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
}

/// A running kaohe.
pub struct TestApp {
    pub addr: SocketAddr,
    pub store: Store,
    pub generator: Generator,
    pub db: TestDb,
    /// The server's day of cycle steps (wall clock unless set).
    pub clock: kaohe_web::Clock,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl TestApp {
    /// `http://127.0.0.1:port` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// A client with its own cookie jar that does not follow redirects.
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    }

    /// `GET /api/me` of a signed-in `client`: the account, its person and its CSRF token.
    pub async fn me(&self, client: &reqwest::Client) -> serde_json::Value {
        client
            .get(self.url("/api/me"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Posts `fields` to `action` as the form on page `page` does, with that page's CSRF
    /// token: the status and the body.
    pub async fn post_page_form(
        &self,
        client: &reqwest::Client,
        page: &str,
        action: &str,
        fields: &[(&str, &str)],
    ) -> (u16, String) {
        let html = client
            .get(self.url(page))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf = hidden_csrf(&html);
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        let resp = client
            .post(self.url(action))
            .form(&all)
            .send()
            .await
            .unwrap();
        (resp.status().as_u16(), resp.text().await.unwrap())
    }

    /// `POST path` with a JSON body and the session's CSRF header: the status and the JSON.
    pub async fn post_json(
        &self,
        client: &reqwest::Client,
        path: &str,
        body: serde_json::Value,
    ) -> (u16, serde_json::Value) {
        let csrf = self.me(client).await["csrf_token"]
            .as_str()
            .unwrap()
            .to_string();
        let resp = client
            .post(self.url(path))
            .header("x-csrf-token", csrf)
            .json(&body)
            .send()
            .await
            .unwrap();
        (resp.status().as_u16(), resp.json().await.unwrap())
    }

    /// Signs in through the real form (fetching the form's CSRF cookie first).
    pub async fn sign_in(&self, username: &str, password: &str) -> reqwest::Client {
        let client = self.client();
        let page = client
            .get(self.url("/login"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf = hidden_csrf(&page);
        let resp = client
            .post(self.url("/login"))
            .form(&[
                ("username", username),
                ("password", password),
                ("csrf", csrf.as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 303, "sign-in as {username} should redirect");
        client
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// The value of the first `name="csrf"` hidden field of a page.
pub fn hidden_csrf(html: &str) -> String {
    let at = html
        .find("name=\"csrf\" value=\"")
        .expect("the page has a CSRF field")
        + 19;
    html[at..].split('"').next().unwrap().to_string()
}

/// Loads the demo company into `db` and serves it on a random port.
pub async fn spawn_demo(db: TestDb) -> TestApp {
    spawn_demo_with(db, |s| s).await
}

/// Like [`spawn_demo`], with the server's settings changed by `settings`.
pub async fn spawn_demo_with(
    db: TestDb,
    settings: impl FnOnce(kaohe_web::AppState) -> kaohe_web::AppState,
) -> TestApp {
    spawn_generated(db, GenConfig::demo(1, test_today()), settings).await
}

/// Like [`spawn_demo`] with one month of records and few calls a day: the same people and
/// logins, loaded in a fraction of the time, for tests that need the company but not its
/// history.
pub async fn spawn_small_demo(db: TestDb) -> TestApp {
    let cfg = GenConfig {
        months: 1,
        calls_per_day: 4,
        ..GenConfig::demo(1, test_today())
    };
    spawn_generated(db, cfg, |s| s).await
}

async fn spawn_generated(
    db: TestDb,
    cfg: GenConfig,
    settings: impl FnOnce(kaohe_web::AppState) -> kaohe_web::AppState,
) -> TestApp {
    let store = db.open().await;
    let mut generator = Generator::new(cfg);
    let bar = indicatif::ProgressBar::hidden();
    kaohe::load::load(&store, &mut generator, &bar, true)
        .await
        .expect("loading the demo company");
    spawn(db, store, generator, settings).await
}

pub async fn spawn(
    db: TestDb,
    store: Store,
    generator: Generator,
    settings: impl FnOnce(kaohe_web::AppState) -> kaohe_web::AppState,
) -> TestApp {
    let listener = kaohe_web::bind("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let state = settings(kaohe_web::AppState::new(store.clone(), "测试公司", false));
    let clock = state.clock.clone();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(kaohe_web::serve(listener, state, async move {
        let _ = rx.await;
    }));
    TestApp {
        addr,
        store,
        generator,
        db,
        clock,
        shutdown: Some(tx),
    }
}
