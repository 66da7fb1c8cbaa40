//! Web import jobs kept in the database, on every backend: a finished job's outcome is found
//! again by a server that never ran it (a reload after a restart), and a job that was running
//! when its server stopped reads as interrupted, not lost.

mod support;

use serde_json::Value;
use std::time::Duration;
use support::spawn_demo;

/// Serves `store` again on a new port, as a restarted server would; its address.
async fn restart(
    store: &kaohe_store::Store,
) -> (std::net::SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let listener = kaohe_web::bind("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let state = kaohe_web::AppState::new(store.clone(), "测试公司", false);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(kaohe_web::serve(listener, state, async move {
        let _ = rx.await;
    }));
    // `serve` marks earlier jobs before it answers; wait until it answers.
    for _ in 0..100 {
        if reqwest::get(format!("http://{addr}/healthz")).await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    (addr, tx)
}

#[tokio::test]
async fn import_jobs_survive_a_restart_and_a_running_one_reads_as_interrupted() {
    for db in kaohe_testkit::every_backend().await {
        let backend = db.backend;
        let app = spawn_demo(db).await;
        let rep = app.sign_in("rep", "kaohe-demo").await;
        let me: Value = rep
            .get(app.url("/api/me"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let csrf = me["csrf_token"].as_str().unwrap().to_string();

        // A rejected file, finished on the first server.
        let resp = rep
            .post(app.url("/api/import?kind=calls&name=bad.csv"))
            .header("x-csrf-token", &csrf)
            .body("工号,开始时间,方向,通话时长(秒),结果\nE99999,2026-11-20 09:00,呼出,long,接通\n")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{backend}");
        let id = resp.json::<Value>().await.unwrap()["job"].as_i64().unwrap();
        let mut job = Value::Null;
        for _ in 0..400 {
            job = rep
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
        assert_eq!(job["state"], "rejected", "{backend}: {job}");

        // A job that was running when its server stopped.
        let user = app.store.user_by_name("rep").await.unwrap().unwrap();
        let stuck = app
            .store
            .start_import_job(user.id, "calls", "big.csv", 1000)
            .await
            .unwrap();

        let (addr, _stop) = restart(&app.store).await;
        let url = |id: i64| format!("http://{addr}/api/import/{id}");
        let again: Value = rep.get(url(id)).send().await.unwrap().json().await.unwrap();
        assert_eq!(again["state"], "rejected", "{backend}: {again}");
        assert_eq!(
            again["report"]["total"], job["report"]["total"],
            "{backend}"
        );
        assert_eq!(
            again["report"]["errors"][0]["column"], job["report"]["errors"][0]["column"],
            "{backend}"
        );
        let lost: Value = rep
            .get(url(stuck))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(lost["state"], "interrupted", "{backend}: {lost}");
        assert!(
            lost["error"]
                .as_str()
                .unwrap()
                .contains("nothing of it was written"),
            "{backend}"
        );

        // Only whoever started a job sees it.
        let other = app.sign_in("leader", "kaohe-demo").await;
        let status = other.get(url(id)).send().await.unwrap().status();
        assert_eq!(status, 404, "{backend}");
    }
}
