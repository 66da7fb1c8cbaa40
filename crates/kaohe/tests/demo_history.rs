//! The demo starts with history: after the load `kaohe demo` makes (the company, then every
//! whole month before the current one driven through the cycle), the last full month's board
//! shows a grade distribution, a leaderboard and awards, and its ladder has decisions, for
//! every demo login that has a board, over HTTP as that login; the `service` login is assessed
//! by a scheme; the current month stays open. Awards go to sellers and the career ladder holds
//! property consultants only, so the `clerk` login (the sales office) sees neither and the
//! telesales `leader` and `manager` see no ladder line: those are left out, by name. On every
//! backend: `kaohe demo --db postgres://…` builds the same history.

mod support;

use kaohe_gen::{GenConfig, Generator};
use kaohe_store::Viewer;
use serde_json::Value;
use support::test_today;

const PASSWORD: &str = "kaohe-demo";

#[tokio::test]
async fn the_demo_starts_with_a_whole_assessed_history_for_every_board_login_on_every_backend() {
    for db in kaohe_testkit::every_backend().await {
        demo_history_on(db).await;
    }
}

async fn demo_history_on(db: kaohe_testkit::TestDb) {
    let backend = db.backend;
    let store = db.open().await;
    store.install_default_calendar().await.unwrap();
    let mut generator = Generator::new(GenConfig::demo(1, test_today()));
    let bar = indicatif::ProgressBar::hidden();
    kaohe::load::load(&store, &mut generator, &bar, true)
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let h = kaohe::demo_cycle::give_history(&store, &generator, test_today(), &|_| {})
        .await
        .unwrap();
    eprintln!(
        "{backend}: history in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let months: Vec<&str> = h.months.iter().map(|m| m.period.as_str()).collect();
    assert_eq!(months.last(), Some(&"2026-10"), "{months:?}");
    assert!(months.len() >= 4, "{months:?}");
    for m in &h.months {
        assert_eq!(m.locked, m.cycles, "{}: every cycle locked", m.period);
        assert!(m.awards_confirmed > 0 && m.bonuses > 0, "{m:?}");
    }
    assert!(h.upheld > 0 && h.dismissed > 0 && h.rejected > 0, "{h:?}");
    let system = Viewer::system("test");
    let current = kaohe_domain::period::Period::month_of(test_today());
    assert!(
        store.cycles(&system, current).await.unwrap().is_empty(),
        "the current month stays open"
    );

    let app = support::spawn(db, store, generator, |s| s).await;
    app.clock.set(Some(test_today()));
    let mut with_board = Vec::new();
    let mut missing: Vec<String> = Vec::new();
    for account in &app.generator.org().accounts {
        let who = account.username.as_str();
        let c = app.sign_in(who, PASSWORD).await;
        let r = c
            .get(app.url("/board?period=2026-10"))
            .send()
            .await
            .unwrap();
        if r.status() == 403 {
            continue;
        }
        assert_eq!(r.status(), 200, "{who}");
        with_board.push(who.to_string());
        let html = r.text().await.unwrap();
        // The grade distribution is drawn (the empty chart says there are no scorecards), the
        // leaderboard has graded rows, the awards are listed, the ladder has decisions.
        let graded = ["grade-excellent", "grade-good", "grade-pass", "grade-fail"]
            .iter()
            .any(|g| html.contains(g));
        if !graded {
            missing.push(format!("{who}: leaderboard"));
        }
        if !html.contains("<svg class=\"chart bars\"") || !html.contains("<rect class=\"bar") {
            missing.push(format!("{who}: grade distribution"));
        }
        // Awards go to sellers and the ladder holds property consultants only: the clerk's
        // department (sales office) has neither, and the telesales leader's and manager's
        // scope nobody on the ladder (see the module documentation).
        let sells = who != "clerk";
        let on_ladder = !["clerk", "leader", "manager"].contains(&who);
        if sells && html.contains("本期尚未计算奖励候选") {
            missing.push(format!("{who}: awards on the board"));
        }
        let ladder: Vec<Value> = c
            .get(app.url("/api/ladder?period=2026-10"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let decided = ladder
            .iter()
            .filter(|l| {
                l["stored"]["status"]
                    .as_str()
                    .is_some_and(|s| s != "recommended")
            })
            .count();
        if on_ladder && decided == 0 {
            missing.push(format!("{who}: ladder decisions ({} lines)", ladder.len()));
        }
        let awards: Value = c
            .get(app.url("/api/awards?period=2026-10"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if sells && awards.as_array().is_none_or(|a| a.is_empty()) {
            missing.push(format!("{who}: awards"));
        }
    }
    assert!(
        missing.is_empty(),
        "{backend}: {missing:?} (boards: {with_board:?})"
    );
    assert!(
        ["leader", "manager", "hr", "admin"]
            .iter()
            .all(|w| with_board.iter().any(|b| b == w)),
        "{with_board:?}"
    );

    // The service login is assessed: its cycle of the last month is locked with a result.
    let service = app.sign_in("service", PASSWORD).await;
    let me = app.me(&service).await;
    let id = me["employee_id"]
        .as_i64()
        .unwrap_or_else(|| panic!("service has a person: {me}"));
    let state = app
        .store
        .cycle(&Viewer::system("test"), "2026-10".parse().unwrap(), id)
        .await
        .unwrap();
    assert!(state.current_result().is_some(), "service has a result");
    // And the rep has an appeal of the last month.
    let rep = app.sign_in("rep", PASSWORD).await;
    let page = rep
        .get(app.url("/appeals?period=2026-10"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("/appeals/"), "the rep's appeal is listed");
}
