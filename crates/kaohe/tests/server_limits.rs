//! The limits a server needs against clients that hold it: a time limit on request headers
//! (slowloris) that also closes idle connections, a cap on open connections, a limit on the
//! expensive requests one person runs at once, and security headers on every response.

mod support;

use kaohe_web::server::ServerLimits;
use reqwest::StatusCode;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A server on an empty database with `limits`.
async fn spawn_limited(limits: ServerLimits) -> support::TestApp {
    let db = kaohe_testkit::sqlite();
    let store = db.open().await;
    let generator = kaohe_gen::Generator::new(kaohe_gen::GenConfig::demo(1, support::test_today()));
    support::spawn(db, store, generator, move |s| s.with_server_limits(limits)).await
}

/// Reads until the server closes the connection (or `within` passes); answers what was read
/// and whether it closed.
async fn read_until_closed(stream: &mut TcpStream, within: Duration) -> (Vec<u8>, bool) {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (got, true),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Err(_) => return (got, false),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_sends_its_headers_a_byte_at_a_time_is_cut_off_at_the_header_timeout() {
    let app = spawn_limited(ServerLimits {
        max_connections: 64,
        header_timeout: Duration::from_secs(1),
    })
    .await;
    let mut slow = TcpStream::connect(app.addr).await.unwrap();
    let started = Instant::now();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: kaohe\r\n")
        .await
        .unwrap();
    // One more header byte every 100 ms, for as long as the server takes it.
    let mut closed_at = None;
    for _ in 0..30 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if slow.write_all(b"X").await.is_err() {
            closed_at = Some(started.elapsed());
            break;
        }
        let mut probe = [0u8; 1];
        if let Ok(Ok(0)) =
            tokio::time::timeout(Duration::from_millis(1), slow.read(&mut probe)).await
        {
            closed_at = Some(started.elapsed());
            break;
        }
    }
    let closed_at = closed_at.expect("the server closed the slow connection within 3 s");
    assert!(
        closed_at >= Duration::from_millis(900) && closed_at < Duration::from_millis(2000),
        "closed after {closed_at:?}, the header timeout is 1 s"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_past_the_cap_are_refused_with_503_and_idle_ones_are_closed() {
    let app = spawn_limited(ServerLimits {
        max_connections: 8,
        header_timeout: Duration::from_secs(1),
    })
    .await;
    // Eight connections that never send anything fill the server.
    let mut idle = Vec::new();
    for _ in 0..8 {
        idle.push(TcpStream::connect(app.addr).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut ninth = TcpStream::connect(app.addr).await.unwrap();
    let (answer, closed) = read_until_closed(&mut ninth, Duration::from_millis(500)).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(closed, "the connection past the cap is closed at once");
    assert!(
        answer.starts_with("HTTP/1.1 503") && answer.contains("too many connections"),
        "{answer}"
    );
    // The idle ones are closed at the header timeout, and the server serves again.
    for mut c in idle {
        let (_, closed) = read_until_closed(&mut c, Duration::from_millis(2000)).await;
        assert!(
            closed,
            "an idle connection is closed after the header timeout"
        );
    }
    let resp = reqwest::get(app.url("/healthz")).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kept_alive_connection_left_idle_is_closed_at_the_header_timeout() {
    let app = spawn_limited(ServerLimits {
        max_connections: 64,
        header_timeout: Duration::from_secs(1),
    })
    .await;
    let mut c = TcpStream::connect(app.addr).await.unwrap();
    c.write_all(b"GET /healthz HTTP/1.1\r\nHost: kaohe\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 4096];
    let n = c.read(&mut buf).await.unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    let started = Instant::now();
    let (_, closed) = read_until_closed(&mut c, Duration::from_secs(3)).await;
    assert!(closed, "the idle kept-alive connection is closed");
    assert!(
        started.elapsed() < Duration::from_millis(2000),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_carries_the_security_headers() {
    let app = spawn_limited(ServerLimits::default()).await;
    for path in [
        "/login",
        "/healthz",
        "/assets/app.css",
        "/no-such-page",
        "/api/me",
    ] {
        let resp = reqwest::get(app.url(path)).await.unwrap();
        let h = resp.headers();
        let get = |name: &str| {
            h.get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string()
        };
        assert_eq!(get("x-frame-options"), "DENY", "{path}");
        assert_eq!(get("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(get("referrer-policy"), "no-referrer", "{path}");
        let csp = get("content-security-policy");
        assert!(
            csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"),
            "{path}: {csp}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_person_runs_at_most_their_share_of_exports_and_others_are_not_held_up() {
    let db = kaohe_testkit::sqlite();
    let app = support::spawn_demo_with(db, |s| s.with_heavy_per_user(1)).await;
    let hr = app.sign_in("hr", "kaohe-demo").await;
    // A streamed export whose body is not read keeps running: it holds hr's one share.
    let held = hr
        .get(app.url("/records/calls/export?format=csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(held.status(), StatusCode::OK);
    let second = hr
        .get(app.url("/records/calls/export?format=xlsx"))
        .send()
        .await
        .unwrap();
    assert_eq!(second.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(second.headers()["retry-after"], "5");
    let body: serde_json::Value = second.json().await.unwrap();
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("wait for one to finish"),
        "{body}"
    );
    let explain = hr
        .get(app.url("/api/explain?period=2026-10&indicator=call_count&employee=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(explain.status(), StatusCode::TOO_MANY_REQUESTS);
    // Somebody else exports meanwhile.
    let manager = app.sign_in("manager", "kaohe-demo").await;
    let theirs = manager
        .get(app.url("/records/customers/export?format=xlsx"))
        .send()
        .await
        .unwrap();
    assert_eq!(theirs.status(), StatusCode::OK);
    // Once the first export is read to its end, hr may start another.
    let bytes = held.bytes().await.unwrap();
    assert!(bytes.len() > 1000);
    let mut again = StatusCode::TOO_MANY_REQUESTS;
    for _ in 0..50 {
        again = hr
            .get(app.url("/records/customers/export?format=xlsx"))
            .send()
            .await
            .unwrap()
            .status();
        if again == StatusCode::OK {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(again, StatusCode::OK);
}
