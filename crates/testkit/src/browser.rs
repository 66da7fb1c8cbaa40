//! A real headless Chromium for end-to-end tests, driven over WebDriver on loopback.
//!
//! [`Driver::start`] launches Debian's `chromedriver` on a free port of 127.0.0.1 in a process
//! group of its own; [`Driver::session`] opens a browser with a fresh profile directory at a
//! given window size. Dropping the driver kills its process group (the driver and the
//! browsers it started), so a failed test leaves nothing running. Every wait has a time-out.
//!
//! The browser and the driver are required, not optional: when one is missing the test fails
//! and says how to install them (`scripts/test` does it on a fresh machine).

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::net::{Ipv4Addr, SocketAddrV4, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The Chromium binary (overridable with `KAOHE_CHROMIUM`).
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// How long any one wait (driver start, page load, an element, a condition) may take.
pub const WAIT: Duration = Duration::from_secs(20);

/// The desktop window of screenshots.
pub const DESKTOP: (u32, u32) = (1280, 900);
/// The phone window of screenshots (an iPhone-sized viewport).
pub const PHONE: (u32, u32) = (375, 812);

const INSTALL: &str = "scripts/test installs them on Debian: \
                       apt-get install -y chromium chromium-driver fonts-noto-cjk";

fn chromium() -> PathBuf {
    std::env::var_os("KAOHE_CHROMIUM").map_or_else(|| PathBuf::from(CHROMIUM), PathBuf::from)
}

/// `name` on `PATH`, if it is there.
fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// A port nobody listens on right now (the driver binds it a moment later; a start that loses
/// the race is retried).
fn free_port() -> u16 {
    TcpListener::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

/// A running `chromedriver`, killed with its browsers on drop.
pub struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    /// Starts `chromedriver` on a free loopback port and waits until it accepts connections.
    ///
    /// # Panics
    /// When Chromium or chromedriver is not installed, or the driver does not come up.
    pub fn start() -> Driver {
        let browser = chromium();
        assert!(
            browser.is_file(),
            "Chromium is missing ({}): the browser tests need it. {INSTALL}",
            browser.display()
        );
        let driver = on_path("chromedriver")
            .unwrap_or_else(|| panic!("chromedriver is missing from PATH. {INSTALL}"));
        let mut last = String::new();
        for _ in 0..3 {
            let port = free_port();
            let mut child = Command::new(&driver)
                .arg(format!("--port={port}"))
                .arg("--allowed-ips=127.0.0.1")
                .arg("--log-level=WARNING")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                // A group of its own, so that drop can end the driver and every browser it
                // launched by the group's id, and nothing else.
                .process_group(0)
                .spawn()
                .unwrap_or_else(|e| panic!("starting {}: {e}", driver.display()));
            let deadline = Instant::now() + WAIT;
            loop {
                if TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_ok() {
                    return Driver { child, port };
                }
                if let Ok(Some(status)) = child.try_wait() {
                    last = format!("chromedriver exited with {status} on port {port}");
                    break;
                }
                if Instant::now() > deadline {
                    last = format!("chromedriver did not listen on port {port} within {WAIT:?}");
                    kill_group(&mut child);
                    break;
                }
                std::thread::sleep(Duration::from_millis(25));
            }
        }
        panic!("{last}");
    }

    /// The WebDriver URL.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// A new headless browser with a fresh profile and a `width`×`height` window.
    pub async fn session(&self, (width, height): (u32, u32)) -> Browser {
        let profile = tempfile::tempdir().expect("a profile directory");
        let args = vec![
            "--headless".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--no-first-run".into(),
            "--no-default-browser-check".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--disable-extensions".into(),
            "--hide-scrollbars".into(),
            format!("--user-data-dir={}", profile.path().display()),
            format!("--window-size={width},{height}"),
        ];
        let caps = json!({
            "browserName": "chrome",
            "pageLoadStrategy": "normal",
            "timeouts": { "pageLoad": WAIT.as_millis() as u64, "script": WAIT.as_millis() as u64, "implicit": 0 },
            "goog:chromeOptions": { "binary": chromium(), "args": args },
        });
        let Value::Object(caps) = caps else {
            unreachable!()
        };
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = tokio::time::timeout(
            WAIT,
            ClientBuilder::new(connector)
                .capabilities(caps)
                .connect(&self.url()),
        )
        .await
        .unwrap_or_else(|_| panic!("Chromium did not start within {WAIT:?}"))
        .unwrap_or_else(|e| panic!("opening a Chromium session: {e}"));
        let browser = Browser {
            client,
            _profile: profile,
        };
        browser.resize((width, height)).await;
        browser
    }
}

fn kill_group(child: &mut Child) {
    // `kill -KILL -- -PGID`: the driver's own group, started above.
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{}", child.id())])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    let _ = child.kill();
    let _ = child.wait();
}

impl Drop for Driver {
    fn drop(&mut self) {
        kill_group(&mut self.child);
    }
}

/// One browser session. Close it with [`Browser::close`]; the driver's drop ends it otherwise.
pub struct Browser {
    /// The WebDriver client, for anything the helpers below do not cover.
    pub client: Client,
    _profile: tempfile::TempDir,
}

/// Awaits one WebDriver command for at most [`WAIT`] and unwraps it, naming what was
/// attempted (a hung browser fails the test instead of stalling it).
async fn ok<T, E: std::fmt::Display>(
    command: impl std::future::Future<Output = Result<T, E>>,
    what: &str,
) -> T {
    match tokio::time::timeout(WAIT, command).await {
        Ok(r) => r.unwrap_or_else(|e| panic!("{what}: {e}")),
        Err(_) => panic!("{what}: no answer from the browser within {WAIT:?}"),
    }
}

impl Browser {
    /// Sets the viewport to `width`×`height` CSS pixels (the window is resized until the
    /// page's inner size is that, since the window's outer size includes nothing in headless
    /// mode on some versions and something on others).
    pub async fn resize(&self, (width, height): (u32, u32)) {
        ok(
            self.client.set_window_size(width, height),
            "resizing the window",
        )
        .await;
        let inner = self
            .eval("return [window.innerWidth, window.innerHeight]")
            .await;
        let (w, h) = (
            inner[0].as_i64().unwrap_or(width as i64),
            inner[1].as_i64().unwrap_or(height as i64),
        );
        if (w, h) != (width as i64, height as i64) {
            let fix_w = (2 * width as i64 - w).max(1) as u32;
            let fix_h = (2 * height as i64 - h).max(1) as u32;
            ok(
                self.client.set_window_size(fix_w, fix_h),
                "resizing the window",
            )
            .await;
        }
    }

    /// Runs `script` in the page and returns its value.
    pub async fn eval(&self, script: &str) -> Value {
        ok(self.client.execute(script, Vec::new()), script).await
    }

    /// Opens `url` and waits for the page to load.
    pub async fn goto(&self, url: &str) {
        ok(self.client.goto(url), &format!("opening {url}")).await;
    }

    /// The element matching `css`, waiting for it to appear.
    pub async fn find(&self, css: &str) -> Element {
        ok(
            self.client
                .wait()
                .at_most(WAIT)
                .every(Duration::from_millis(50))
                .for_element(Locator::Css(css)),
            &format!("waiting for `{css}` on {}", self.url().await),
        )
        .await
    }

    /// Whether an element matches `css` now (no waiting).
    pub async fn exists(&self, css: &str) -> bool {
        !self.all(css).await.is_empty()
    }

    /// Every element matching `css` now (no waiting).
    pub async fn all(&self, css: &str) -> Vec<Element> {
        ok(
            self.client.find_all(Locator::Css(css)),
            &format!("looking for `{css}`"),
        )
        .await
    }

    /// The text of the element matching `css`.
    pub async fn text(&self, css: &str) -> String {
        ok(self.find(css).await.text(), &format!("text of `{css}`")).await
    }

    /// Clears the field matching `css` and types `value` into it.
    pub async fn fill(&self, css: &str, value: &str) {
        let e = self.find(css).await;
        ok(e.clear(), &format!("clearing `{css}`")).await;
        ok(e.send_keys(value), &format!("typing into `{css}`")).await;
    }

    /// Clicks the element matching `css`.
    pub async fn click(&self, css: &str) {
        ok(self.find(css).await.click(), &format!("clicking `{css}`")).await;
    }

    /// Clicks the element matching `css` and waits until a new page has loaded.
    pub async fn click_and_wait(&self, css: &str) {
        let marker = self.mark_page().await;
        self.click(css).await;
        self.wait_for_new_page(&marker).await;
    }

    /// Tags the current document so that [`Browser::wait_for_new_page`] can tell it went.
    async fn mark_page(&self) -> String {
        let marker = format!("m{}", rand_id());
        self.eval(&format!("window.__kaoheMarker = '{marker}'; return null"))
            .await;
        marker
    }

    /// Waits until the document tagged `marker` is replaced and the new one has loaded.
    async fn wait_for_new_page(&self, marker: &str) {
        let script = format!(
            "return window.__kaoheMarker !== '{marker}' && document.readyState === 'complete'"
        );
        let (client, script) = (&self.client, &script);
        self.wait_until(&format!("a new page after {marker}"), move || async move {
            client
                .execute(script, Vec::new())
                .await
                .ok()
                .and_then(|v| v.as_bool())
                .unwrap_or(false)
        })
        .await;
    }

    /// Waits until `check` holds, at most [`WAIT`].
    pub async fn wait_until<F, Fut>(&self, what: &str, mut check: F)
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let deadline = tokio::time::Instant::now() + WAIT;
        // The deadline bounds each check too, so a hung browser cannot stall the loop.
        while !tokio::time::timeout_at(deadline, check())
            .await
            .unwrap_or(false)
        {
            assert!(
                tokio::time::Instant::now() < deadline,
                "waited {WAIT:?} for {what} on {}",
                self.url().await
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The current URL.
    pub async fn url(&self) -> String {
        match tokio::time::timeout(WAIT, self.client.current_url()).await {
            Ok(Ok(u)) => u.to_string(),
            Ok(Err(e)) => format!("(no URL: {e})"),
            Err(_) => "(no URL: the browser did not answer)".to_string(),
        }
    }

    /// The page's HTML as the browser has it now.
    pub async fn source(&self) -> String {
        ok(self.client.source(), "reading the page source").await
    }

    /// Saves a PNG of the viewport as `dir/name.png` and returns its path.
    pub async fn screenshot(&self, dir: &Path, name: &str) -> PathBuf {
        let png = ok(self.client.screenshot(), "taking a screenshot").await;
        assert!(
            png.starts_with(b"\x89PNG"),
            "the screenshot {name} is not a PNG"
        );
        std::fs::create_dir_all(dir).expect("the screenshot directory");
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
        path
    }

    /// Ends the session (the browser exits).
    pub async fn close(self) {
        let _ = tokio::time::timeout(WAIT, self.client.close()).await;
    }
}

fn rand_id() -> u64 {
    use rand::Rng;
    rand::thread_rng().r#gen()
}

/// `target/screenshots` of the workspace (`CARGO_TARGET_DIR/screenshots` when that is set).
pub fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"),
        PathBuf::from,
    );
    target.join("screenshots")
}
