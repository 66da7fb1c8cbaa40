//! End to end in a real headless Chromium (driven by chromedriver over loopback) against the
//! real server on a real SQLite demo database: a rep's new call moves the live numbers of the
//! dashboard and the scorecard; one person's cycle is walked through the forms by HR, the
//! leader, the rep and the committee from the opening of the period up to the published result
//! and the rep's appeal, which HR and the committee then decide; a rep who edits URLs to reach
//! another person's scorecard, cycle or JSON is refused and never sees that person's data.
//! Along the way the main screens are saved as PNGs under `target/screenshots/` in zh-CN and
//! en, at desktop and phone sizes.

mod support;

use chrono::{Duration as Days, NaiveDate, Utc};
use kaohe_domain::cycle::Stage;
use kaohe_domain::period::Period;
use kaohe_store::{Sql, Store, Viewer};
use kaohe_testkit::browser::{Browser, DESKTOP, Driver, PHONE, screenshot_dir};
use support::{TestApp, spawn_demo};

const PASSWORD: &str = "kaohe-demo";
const OCT: &str = "2026-10";

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap()
}

fn oct() -> Period {
    Period::parse(OCT).unwrap()
}

async fn viewer(store: &Store, name: &str) -> Viewer {
    kaohe::cycle::viewer(store, name).await.unwrap()
}

/// The employee id and 工号 of a demo login.
async fn person(store: &Store, username: &str) -> (i64, String, String) {
    let v = viewer(store, username).await;
    let id = v.employee_id.expect("a person's login");
    let e = store.employee(&v, id).await.unwrap();
    (id, e.code, e.name)
}

/// Sets a user's UI language (there is no preference page yet; the language is the user's).
async fn set_language(store: &Store, username: &str, tag: &str) {
    let mut sql = Sql::new("UPDATE users SET language = ");
    sql.bind(tag).push(" WHERE username = ").bind(username);
    store.execute(&sql).await.unwrap();
}

/// Signs in through the sign-in form and waits for the dashboard.
async fn sign_in(app: &TestApp, b: &Browser, username: &str) {
    b.goto(&app.url("/login")).await;
    b.fill("input[name=username]", username).await;
    b.fill("input[name=password]", PASSWORD).await;
    b.click_and_wait("form[action='/login'] button").await;
    b.find("header.top").await;
    assert!(
        b.url().await.ends_with('/'),
        "{username} lands on the dashboard, not {}",
        b.url().await
    );
}

/// Signs out through the header's button.
async fn sign_out(b: &Browser) {
    b.click_and_wait("form[action='/logout'] button").await;
    b.find("form[action='/login']").await;
}

/// Saves `name-{zh,en}-{desktop,phone}.png` of `path` as `username` sees it; `at` scrolls an
/// element into view first. The user's language is zh-CN again afterwards.
async fn screens(app: &TestApp, b: &Browser, username: &str, name: &str, path: &str, at: &str) {
    let dir = screenshot_dir();
    for (lang, tag) in [("zh", "zh-CN"), ("en", "en")] {
        set_language(&app.store, username, tag).await;
        for (size, dims) in [("desktop", DESKTOP), ("phone", PHONE)] {
            b.resize(dims).await;
            b.goto(&app.url(path)).await;
            let html_lang = b.eval("return document.documentElement.lang").await;
            assert_eq!(html_lang, tag, "{path} is in {tag}");
            if !at.is_empty() {
                b.find(at).await;
                b.eval(&format!(
                    "document.querySelector({at:?}).scrollIntoView({{block: 'start'}}); return null"
                ))
                .await;
            }
            overflow_check(b, path, size).await;
            b.screenshot(&dir, &format!("{name}-{lang}-{size}")).await;
        }
    }
    set_language(&app.store, username, "zh-CN").await;
    b.resize(DESKTOP).await;
}

/// The page does not scroll sideways as a whole at phone width (wide tables scroll inside
/// their own section instead).
async fn overflow_check(b: &Browser, path: &str, size: &str) {
    let wide = b
        .eval("return document.documentElement.scrollWidth - window.innerWidth")
        .await;
    assert!(
        wide.as_i64().unwrap_or(0) <= 1,
        "{path} at {size} is {wide} px wider than the window"
    );
}

/// The number in the text of `css` (`"1,234"` → 1234.0).
async fn number(b: &Browser, css: &str) -> f64 {
    let text = b.text(css).await;
    text.trim()
        .replace(',', "")
        .parse()
        .unwrap_or_else(|_| panic!("`{css}` holds `{text}`, not a number"))
}

/// The HTTP status of a GET from inside the page (the browser's own session cookie).
async fn status_of(b: &Browser, path: &str) -> i64 {
    let v = b
        .eval(&format!(
            "return fetch({path:?}, {{credentials: 'same-origin'}}).then(r => r.status)"
        ))
        .await;
    v.as_i64()
        .unwrap_or_else(|| panic!("no status for {path}: {v}"))
}

/// The body of a GET from inside the page.
async fn body_of(b: &Browser, path: &str) -> String {
    let v = b
        .eval(&format!(
            "return fetch({path:?}, {{credentials: 'same-origin'}}).then(r => r.text())"
        ))
        .await;
    v.as_str().unwrap_or_default().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_entered_in_the_browser_moves_the_live_dashboard_and_scorecard() {
    let driver = Driver::start();
    let app = spawn_demo(kaohe_testkit::sqlite()).await;
    let b = driver.session(DESKTOP).await;
    let dir = screenshot_dir();

    // The sign-in page in both languages and sizes (nobody is signed in yet).
    for (lang, size, dims) in [
        ("zh", "desktop", DESKTOP),
        ("zh", "phone", PHONE),
        ("en", "desktop", DESKTOP),
        ("en", "phone", PHONE),
    ] {
        b.resize(dims).await;
        let tag = if lang == "zh" { "zh-CN" } else { "en" };
        b.goto(&app.url(&format!("/login?lang={tag}"))).await;
        b.find("input[name=username]").await;
        overflow_check(&b, "/login", size).await;
        b.screenshot(&dir, &format!("login-{lang}-{size}")).await;
    }
    b.resize(DESKTOP).await;

    sign_in(&app, &b, "rep").await;
    let (_, code, _) = person(&app.store, "rep").await;
    // The call is made a minute ago in the company's time zone; its month is the live period.
    let now = Utc::now().with_timezone(&chrono_tz::Asia::Shanghai) - Days::minutes(1);
    let period = Period::month_of(now.date_naive());
    let card = format!("/scorecard?period={period}");
    // Stored results of the five months before: the dashboard's trend and rank read them,
    // the leader's board lists last month's.
    let mut stored = period;
    for _ in 0..5 {
        stored = stored.prev();
        let req = kaohe_store::evaluate::EvalRequest {
            period: stored,
            scheme: None,
            employee: None,
        };
        app.store
            .evaluate(&Viewer::system("test"), &req)
            .await
            .unwrap();
    }
    let dash_callbacks = "li.kpi[data-code=callback_count] .v";
    let callbacks = "tr[data-indicator=callback_count] td:nth-child(2)";

    b.goto(&app.url("/")).await;
    let dash_before = number(&b, dash_callbacks).await;
    b.goto(&app.url(&card)).await;
    let value_before = number(&b, callbacks).await;
    let total_before = b.text(".total .n").await;

    // The rep types the call into the new-call form, reached from the list of calls. The
    // form starts with the rep's own 工号; the rep fills in when, which way, how long, the
    // outcome and that it was a call-back, and leaves the day to follow from the start.
    b.goto(&app.url("/records/calls")).await;
    b.click_and_wait("a[href='/records/calls/new']").await;
    assert_eq!(
        b.find("#f-employee_id")
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some(code.as_str()),
        "the form starts with the rep's own 工号"
    );
    assert!(
        !b.exists("label[for=f-employee_id] small").await,
        "工号 is not repeated after its label"
    );
    assert_eq!(
        b.text("label[for=f-day] small").await,
        "留空则取「开始时间」的日期",
        "the form says the day may be left to follow from the start"
    );
    // A date-time input takes keystrokes in the browser's own locale's order, so the start
    // and the due time are set the way the picker sets them (value, then `input`/`change`).
    let set_time = |id: &str, at: chrono::DateTime<chrono_tz::Tz>| {
        format!(
            "const e = document.getElementById({id:?}); e.value = {:?}; \
             e.dispatchEvent(new Event('input', {{bubbles: true}})); \
             e.dispatchEvent(new Event('change', {{bubbles: true}})); return e.value",
            at.format("%Y-%m-%dT%H:%M").to_string()
        )
    };
    let started = b.eval(&set_time("f-started_at", now)).await;
    assert!(
        started.as_str().is_some_and(|v| !v.is_empty()),
        "start time set: {started}"
    );
    b.find("#f-direction")
        .await
        .select_by_value("outbound")
        .await
        .unwrap();
    b.fill("#f-duration_s", "240").await;
    b.find("#f-outcome")
        .await
        .select_by_value("connected")
        .await
        .unwrap();
    // 是否回访 = 是, chosen by its label as the rep sees it.
    b.find("#f-is_callback")
        .await
        .select_by_label("是")
        .await
        .unwrap();
    b.eval(&set_time("f-callback_due_at", now + Days::days(1)))
        .await;
    b.click_and_wait("form.record-form > button").await;
    assert!(
        !b.exists(".field-error").await && !b.exists("p.error").await,
        "the form was refused: {}",
        b.source().await
    );
    assert!(b.exists("p.ok").await, "the page says the call is saved");
    assert!(
        b.url().await.contains("/records/calls/"),
        "on the new call's page, not {}",
        b.url().await
    );
    assert_eq!(
        b.find("#f-is_callback")
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("true"),
        "stored as a call-back"
    );

    // The dashboard's and the live scorecard's call-backs went up by one.
    b.goto(&app.url("/")).await;
    assert_eq!(number(&b, dash_callbacks).await, dash_before + 1.0);
    b.goto(&app.url(&card)).await;
    assert_eq!(number(&b, callbacks).await, value_before + 1.0);
    b.find(".live").await;
    let total_after = b.text(".total .n").await;
    eprintln!("live total {total_before} -> {total_after}");

    screens(&app, &b, "rep", "dashboard", "/", "").await;
    screens(&app, &b, "rep", "scorecard", &card, "").await;
    screens(&app, &b, "rep", "records", "/records/calls", "").await;
    screens(&app, &b, "rep", "record-form", "/records/calls/new", "").await;

    // The leader's board of last month: leaderboard, charts, awards, overdue steps.
    sign_out(&b).await;
    sign_in(&app, &b, "leader").await;
    let board = format!("/board?period={}", period.prev());
    b.goto(&app.url(&board)).await;
    assert!(b.exists("svg.chart.bars").await && b.exists("svg.chart.funnel").await);
    assert!(
        b.exists("section.leaderboard tbody tr").await,
        "{}",
        b.source().await
    );
    screens(&app, &b, "leader", "board", &board, "").await;
    screens(&app, &b, "leader", "leader-dashboard", "/", "").await;
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_file_chosen_in_the_browser_is_imported_by_the_import_page() {
    let driver = Driver::start();
    let app = spawn_demo(kaohe_testkit::sqlite()).await;
    let b = driver.session(DESKTOP).await;
    sign_in(&app, &b, "rep").await;
    let (_, code, _) = person(&app.store, "rep").await;
    let now = Utc::now().with_timezone(&chrono_tz::Asia::Shanghai) - Days::minutes(1);
    let calls_before = app.store.count_rows("calls").await.unwrap();

    // The file chosen in the browser, uploaded by the page's own script, the progress polled
    // until the rows are in.
    let csv = tempfile::NamedTempFile::with_suffix(".csv").unwrap();
    let started = now.format("%Y-%m-%d %H:%M");
    let due = (now + Days::days(1)).format("%Y-%m-%d %H:%M");
    std::fs::write(
        csv.path(),
        format!(
            "工号,开始时间,方向,通话时长(秒),结果,是否回访,回访截止时间\n{code},{started},呼出,240,接通,是,{due}\n"
        ),
    )
    .unwrap();
    b.goto(&app.url("/import?kind=calls")).await;
    let kind = b.find("#import-form select[name=kind]").await;
    assert_eq!(
        kind.prop("value").await.unwrap().as_deref(),
        Some("calls"),
        "the import page opens on the kind asked for"
    );
    b.find("#import-form input[type=file]")
        .await
        .send_keys(&csv.path().display().to_string())
        .await
        .unwrap();
    b.click("#import-form button").await;
    let client = &b.client;
    // Finished when the title is one of the page's end states (done, rejected, failed).
    let ended = "const box = document.getElementById('import-status'); \
                 const t = document.getElementById('import-title').textContent; \
                 return [box.dataset.done, box.dataset.rejected, box.dataset.failed].includes(t)";
    b.wait_until("the import to finish", || async {
        client
            .execute(ended, Vec::new())
            .await
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(false)
    })
    .await;
    assert_eq!(
        b.text("#import-title").await,
        "导入完成",
        "the import is done: {}",
        b.text("#import-message").await
    );
    let count = b.text("#import-count").await;
    assert!(
        count.ends_with(": 1"),
        "one row imported, the page says `{count}` ({})",
        b.text("#import-message").await
    );

    assert_eq!(
        app.store.count_rows("calls").await.unwrap(),
        calls_before + 1
    );
    b.close().await;
}

/// Submits the cycle page's form for `action` and waits for the page it leads to.
async fn take_step(b: &Browser, action: &str) {
    let form = format!("form.step:has(input[name=action][value={action}])");
    b.click_and_wait(&format!("{form} button")).await;
    assert!(
        !b.exists("p.error").await,
        "{action} was refused: {}",
        b.text("p.error").await
    );
}

/// The stage shown on the cycle page.
async fn stage(b: &Browser) -> String {
    b.find(".stage")
        .await
        .attr("data-stage")
        .await
        .unwrap()
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_cycle_is_walked_in_the_browser_from_targets_to_an_answered_appeal() {
    let driver = Driver::start();
    let app = spawn_demo(kaohe_testkit::sqlite()).await;
    let (rep_id, _, _) = person(&app.store, "rep").await;
    app.clock.set(Some(day(10, 1)));
    let b = driver.session(DESKTOP).await;
    let link = format!("/cycle/{OCT}/{rep_id}");

    // HR opens the period's cycles from the rep's cycle page, which has none yet.
    sign_in(&app, &b, "hr").await;
    b.goto(&app.url(&link)).await;
    b.click_and_wait("form.open-cycles button").await;
    assert_eq!(stage(&b).await, Stage::Drafting.as_str());
    sign_out(&b).await;

    // The leader proposes the targets: one value typed, the others kept from the library.
    sign_in(&app, &b, "leader").await;
    b.goto(&app.url(&link)).await;
    let propose = "form.step:has(input[name=action][value=propose_targets])";
    b.find(&format!("{propose} input[name^=value_]"))
        .await
        .send_keys("50")
        .await
        .unwrap();
    b.fill(&format!("{propose} input[name=basis]"), "上期实绩")
        .await;
    take_step(&b, "propose_targets").await;
    assert_eq!(stage(&b).await, Stage::TargetsProposed.as_str());
    let hr = viewer(&app.store, "hr").await;
    let proposed = app.store.cycle(&hr, oct(), rep_id).await.unwrap();
    let targets = &proposed.targets().expect("targets").targets;
    assert_eq!(targets[0].value, Some(50.0));
    assert!(targets.len() > 1 && targets[1..].iter().all(|t| t.value.is_none()));
    sign_out(&b).await;

    // The rep confirms the targets from the inbox.
    sign_in(&app, &b, "rep").await;
    screens(&app, &b, "rep", "inbox", "/inbox", "").await;
    b.goto(&app.url("/inbox")).await;
    b.click_and_wait(&format!("a[href='{link}#step-confirm_targets']"))
        .await;
    assert_eq!(stage(&b).await, Stage::TargetsProposed.as_str());
    screens(&app, &b, "rep", "cycle", &link, "").await;
    b.goto(&app.url(&link)).await;
    take_step(&b, "confirm_targets").await;
    assert_eq!(stage(&b).await, Stage::TargetsConfirmed.as_str());
    sign_out(&b).await;

    // HR and the committee approve the targets.
    for (who, action) in [
        ("hr", "approve_targets_hr"),
        ("committee", "approve_targets_committee"),
    ] {
        sign_in(&app, &b, who).await;
        b.goto(&app.url(&link)).await;
        take_step(&b, action).await;
        sign_out(&b).await;
    }

    // After the month the rep writes the self-review.
    app.clock.set(Some(day(11, 2)));
    sign_in(&app, &b, "rep").await;
    b.goto(&app.url(&link)).await;
    b.fill("textarea[name=work_report]", "十月完成回访 60 次")
        .await;
    b.fill("textarea[name=self_evaluation]", "完成主要工作")
        .await;
    take_step(&b, "submit_self_review").await;
    assert_eq!(stage(&b).await, Stage::Rating.as_str());
    sign_out(&b).await;

    // 2. The leader rates every rated indicator through the rating form.
    app.clock.set(Some(day(11, 5)));
    sign_in(&app, &b, "leader").await;
    let rating = "form.step:has(input[name=action][value=submit_rating])";
    screens(&app, &b, "leader", "rating-form", &link, rating).await;
    b.goto(&app.url(&link)).await;
    b.find(&format!("{rating} select[name=group]"))
        .await
        .select_by_value("superior")
        .await
        .unwrap();
    let inputs = b.all(&format!("{rating} input[name^=rating_]")).await;
    assert!(!inputs.is_empty(), "the rating form lists the indicators");
    for input in &inputs {
        input.send_keys("88").await.unwrap();
    }
    b.fill(&format!("{rating} input[name=comment]"), "沟通积极")
        .await;
    take_step(&b, "submit_rating").await;
    let rated = app.store.cycle(&hr, oct(), rep_id).await.unwrap();
    let by_leader = rated
        .ratings()
        .iter()
        .filter(|r| r.group == kaohe_domain::scheme::RaterGroup::Superior && r.value == 88.0)
        .count();
    assert_eq!(
        by_leader,
        inputs.len(),
        "every rating the leader typed is stored"
    );
    sign_out(&b).await;

    // 3. HR consolidates; 4. the committee approves and the result is published.
    app.clock.set(Some(day(11, 10)));
    sign_in(&app, &b, "hr").await;
    b.goto(&app.url(&link)).await;
    take_step(&b, "consolidate").await;
    assert_eq!(stage(&b).await, Stage::Consolidated.as_str());
    sign_out(&b).await;
    sign_in(&app, &b, "committee").await;
    b.goto(&app.url(&link)).await;
    take_step(&b, "approve_result").await;
    assert_eq!(stage(&b).await, Stage::Published.as_str());
    sign_out(&b).await;

    // 5. The rep sees the published result and appeals against it.
    sign_in(&app, &b, "rep").await;
    b.goto(&app.url(&link)).await;
    let appeal = "form.step:has(input[name=action][value=appeal])";
    screens(&app, &b, "rep", "cycle-published", &link, appeal).await;
    b.goto(&app.url(&link)).await;
    b.fill(&format!("{appeal} textarea[name=reason]"), "客户评分有误")
        .await;
    b.fill(
        &format!("{appeal} textarea[name=evidence]"),
        "回访记录.xlsx",
    )
    .await;
    take_step(&b, "appeal").await;
    let appeals = app.store.appeals(&hr, oct()).await.unwrap();
    assert_eq!(appeals.len(), 1, "the appeal is filed");
    assert_eq!(appeals[0].reason, "客户评分有误");
    assert_eq!(appeals[0].evidence, "回访记录.xlsx");
    let id = appeals[0].id;
    let page = format!("/appeals/{id}");
    assert!(
        b.url().await.ends_with(&page),
        "filing leads to the appeal's page, not {}",
        b.url().await
    );
    assert_eq!(stage(&b).await, "filed");
    assert!(
        !b.exists("form.step").await,
        "the rep has no step to take on it"
    );
    // Posting HR's step anyway (with the rep's own CSRF token) is refused by the domain.
    let script = format!(
        "const t = document.querySelector('input[name=csrf]').value; \
         return fetch('{page}', {{method: 'POST', credentials: 'same-origin', \
           headers: {{'content-type': 'application/x-www-form-urlencoded'}}, \
           body: new URLSearchParams({{csrf: t, action: 'accept'}})}}) \
         .then(async r => [r.status, await r.text()])"
    );
    let answer = b.eval(&script).await;
    assert_eq!(answer[0], 403, "{answer}");
    assert!(
        answer[1]
            .as_str()
            .unwrap_or_default()
            .contains("class=\"error\""),
        "the refusal is shown on the page: {answer}"
    );
    sign_out(&b).await;

    // HR accepts it from the inbox and records the investigation; the committee upholds it
    // with a corrected score, which becomes the current result (a new version).
    sign_in(&app, &b, "hr").await;
    b.goto(&app.url("/inbox")).await;
    b.click_and_wait(&format!("a[href='{page}']")).await;
    screens(&app, &b, "hr", "appeal", &page, "").await;
    b.goto(&app.url(&page)).await;
    take_step(&b, "accept").await;
    assert_eq!(stage(&b).await, "accepted");
    b.fill("textarea[name=notes]", "核对回访记录，客户评分录入有误")
        .await;
    b.fill("textarea[name=proposal]", "更正为 92 分").await;
    take_step(&b, "investigate").await;
    assert_eq!(stage(&b).await, "proposed");
    sign_out(&b).await;
    sign_in(&app, &b, "committee").await;
    b.goto(&app.url(&page)).await;
    let uphold = "form.step:has(input[name=action][value=uphold])";
    b.fill(&format!("{uphold} input[name=score]"), "92").await;
    b.fill(&format!("{uphold} textarea[name=reason]"), "调查属实")
        .await;
    take_step(&b, "uphold").await;
    assert_eq!(stage(&b).await, "upheld");
    let corrected = app.store.cycle(&hr, oct(), rep_id).await.unwrap();
    let now = corrected.current_result().expect("a result");
    assert_eq!(
        now.result.score, 92.0,
        "the upheld correction is the result"
    );
    let versions = app
        .store
        .scorecard_versions(&hr, oct(), rep_id)
        .await
        .unwrap();
    assert_eq!(
        versions.len(),
        2,
        "the appealed version is kept: {versions:?}"
    );
    sign_out(&b).await;

    // The rep finds the ruling in the period's list of appeals; someone outside the rep's
    // scope gets "not found" for the same appeal and sees nothing of it.
    sign_in(&app, &b, "rep").await;
    b.goto(&app.url(&format!("/appeals?period={OCT}"))).await;
    b.click_and_wait(&format!("ul.appeals a[href='{page}']"))
        .await;
    assert_eq!(stage(&b).await, "upheld");
    assert!(b.text("dl.facts").await.contains("92.00"));
    sign_out(&b).await;
    sign_in(&app, &b, "service").await;
    assert_eq!(status_of(&b, &page).await, 404);
    b.goto(&app.url(&page)).await;
    assert!(!b.source().await.contains("客户评分有误"));
    b.goto(&app.url(&format!("/appeals?period={OCT}"))).await;
    assert!(
        !b.exists("ul.appeals li").await,
        "no appeal of another person is listed"
    );
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rep_who_edits_urls_to_another_person_is_refused_and_sees_nothing_of_theirs() {
    let driver = Driver::start();
    let app = spawn_demo(kaohe_testkit::sqlite()).await;
    let hr = viewer(&app.store, "hr").await;
    app.store.open_cycles(&hr, oct()).await.unwrap();
    let (rep_id, _, _) = person(&app.store, "rep").await;
    // Another person outside the rep's scope: a teammate with a cycle of their own.
    let other: i64 = {
        let mut sql = Sql::new(
            "SELECT MIN(c.employee_id) FROM cycles c JOIN employees e ON e.id = c.employee_id \
             WHERE e.team_id = (SELECT team_id FROM employees WHERE id = ",
        );
        sql.bind(rep_id).push(") AND c.period = ").bind(OCT);
        sql.push(" AND c.employee_id <> ").bind(rep_id);
        app.store.fetch_i64(&sql).await.unwrap()
    };
    let o = app.store.employee(&hr, other).await.unwrap();
    let b = driver.session(DESKTOP).await;
    sign_in(&app, &b, "rep").await;

    // The rep's own pages work.
    b.goto(&app.url("/scorecard")).await;
    b.find("table.card").await;
    assert_eq!(status_of(&b, &format!("/cycle/{OCT}/{rep_id}")).await, 200);

    for path in [
        format!("/scorecard?employee={other}"),
        format!("/scorecard?employee={other}&period={OCT}"),
        format!("/cycle/{OCT}/{other}"),
        format!("/cycle?period={OCT}&employee={other}"),
        format!("/scoretable?employee={other}&period={OCT}"),
        format!("/api/scorecard?employee={other}"),
        format!("/api/employees/{other}"),
        format!("/api/cycle?period={OCT}&employee={other}"),
        format!("/api/explain?period={OCT}&employee={other}&indicator=callback_count"),
    ] {
        let status = status_of(&b, &path).await;
        assert!(
            status == 403 || status == 404,
            "{path} answers {status} to the rep"
        );
        // The same URL typed into the address bar: the page shows nothing of the person.
        b.goto(&app.url(&path)).await;
        let html = b.source().await;
        let body = body_of(&b, &path).await;
        for leak in [&o.name, &o.code] {
            assert!(
                !html.contains(leak.as_str()) && !body.contains(leak.as_str()),
                "{path} shows {leak} to the rep: {html}"
            );
        }
    }

    // A step on the other person's cycle through the JSON API, with the rep's own CSRF token.
    b.goto(&app.url("/")).await;
    let script = format!(
        "const t = document.querySelector('input[name=csrf]').value; \
         return fetch('/api/cycle/act', {{method: 'POST', credentials: 'same-origin', \
           headers: {{'content-type': 'application/json', 'x-csrf-token': t}}, \
           body: JSON.stringify({{period: '{OCT}', employee: {other}, action: 'confirm_targets'}})}}) \
         .then(async r => [r.status, await r.text()])"
    );
    let answer = b.eval(&script).await;
    let status = answer[0].as_i64().unwrap_or_default();
    let body = answer[1].as_str().unwrap_or_default();
    assert!(
        status == 403 || status == 404,
        "acting on another cycle answers {status}: {body}"
    );
    assert!(!body.contains(o.name.as_str()) && !body.contains(o.code.as_str()));
    b.close().await;
}

/// Waits until the formula editor's status has `class` (`ok` or `error`) and returns its text.
async fn formula_status(b: &Browser, class: &str) -> String {
    let css = format!("#formula-status.{class}");
    b.wait_until(&format!("the formula status `{class}`"), || async {
        b.exists(&css).await
    })
    .await;
    b.text(&css).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_sees_a_formula_error_as_they_type_and_the_preview_once_it_is_fixed() {
    let driver = Driver::start();
    let app = spawn_demo(kaohe_testkit::sqlite()).await;
    let (rep_id, code, _) = person(&app.store, "rep").await;
    let req = kaohe_store::evaluate::EvalRequest {
        period: oct(),
        scheme: None,
        employee: Some(rep_id),
    };
    let card = app
        .store
        .preview(&Viewer::system("test"), &req)
        .await
        .unwrap();
    let line_value = card.results[0]
        .scorecard
        .lines
        .iter()
        .find(|l| l.indicator == "callback_count")
        .and_then(|l| l.value)
        .expect("the rep's card counts call-backs");
    let b = driver.session(DESKTOP).await;
    let dir = screenshot_dir();
    sign_in(&app, &b, "admin").await;
    // From the header to the editor of one indicator.
    b.click_and_wait("header.top a[href='/admin']").await;
    b.click_and_wait("a[href='/admin/library']").await;
    b.click_and_wait("a[href='/admin/library/callback_count']")
        .await;
    let page = b.url().await;
    // The saved formula is checked when the page opens.
    formula_status(&b, "ok").await;

    for (lang, tag) in [("zh", "zh-CN"), ("en", "en")] {
        set_language(&app.store, "admin", tag).await;
        b.resize(DESKTOP).await;
        b.goto(&page).await;
        formula_status(&b, "ok").await;
        b.fill("#preview-employee", &code).await;
        b.fill("#preview-period", OCT).await;
        // A typo in a field name: the position and the message appear without submitting.
        b.fill("#formula", "count(calls where is_callbak)").await;
        let status = formula_status(&b, "error").await;
        assert!(status.starts_with("1:19 "), "{lang}: {status}");
        let message = if lang == "zh" {
            "未知字段"
        } else {
            "unknown field"
        };
        assert!(status.contains(message), "{lang}: {status}");
        let caret = b.text("#formula-caret").await;
        assert!(caret.contains("^^^^^^^^^^"), "{lang}: {caret}");
        assert_eq!(b.url().await, page, "nothing was submitted");
        b.screenshot(&dir, &format!("admin-formula-error-{lang}-desktop"))
            .await;
        // Fixed: the check passes and the preview shows the value of the rep's October line.
        b.fill("#formula", "count(calls where is_callback)").await;
        formula_status(&b, "ok").await;
        b.wait_until("the preview", || async {
            b.exists("#preview[data-state=done]").await
        })
        .await;
        let shown = number(&b, "#preview-value").await;
        assert!(
            (shown - line_value).abs() < 0.01,
            "{lang}: preview {shown}, scorecard {line_value}"
        );
        assert!(!b.exists("#formula-caret:not([hidden])").await);
        // The formula, its check and the preview in one view.
        b.eval("document.querySelector('#formula').scrollIntoView({block: 'start'}); return null")
            .await;
        b.screenshot(&dir, &format!("admin-formula-{lang}-desktop"))
            .await;
        b.resize(PHONE).await;
        overflow_check(&b, &page, "phone").await;
        b.screenshot(&dir, &format!("admin-formula-{lang}-phone"))
            .await;
    }
    set_language(&app.store, "admin", "zh-CN").await;
    // Nothing typed was saved.
    let lib = app.store.library().await.unwrap();
    let saved = lib.library.indicator("callback_count").unwrap();
    assert_eq!(
        saved.formula().unwrap().source(),
        "count(calls where is_callback)"
    );
    // Saved: the new measure's roll-ups are built in the background and the page follows the
    // build until it says they are built.
    b.resize(DESKTOP).await;
    b.goto(&page).await;
    formula_status(&b, "ok").await;
    b.fill(
        "#formula",
        "count(calls where is_callback and duration_s > 0)",
    )
    .await;
    formula_status(&b, "ok").await;
    b.click_and_wait("#formula-form button").await;
    b.wait_until("the roll-ups built", || async {
        b.exists("#rollups[data-state=ready]").await
    })
    .await;
    assert_eq!(app.store.pending_rollups().await.unwrap(), 0);
    b.screenshot(&dir, "admin-formula-rollups-built-zh-desktop")
        .await;
    b.close().await;
}

/// The `data-status` of the row of `css`.
async fn row_status(b: &Browser, css: &str) -> String {
    b.find(css)
        .await
        .attr("data-status")
        .await
        .unwrap()
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn awards_and_ladder_recommendations_are_decided_in_the_browser() {
    let driver = Driver::start();
    let app = spawn_demo(kaohe_testkit::sqlite()).await;
    app.clock.set(Some(day(11, 23)));
    // October assessed: cycles opened and scorecards stored, so the month has candidates.
    let hr = viewer(&app.store, "hr").await;
    app.store.open_cycles(&hr, oct()).await.unwrap();
    let req = kaohe_store::evaluate::EvalRequest {
        period: oct(),
        scheme: None,
        employee: None,
    };
    app.store
        .evaluate(&Viewer::system("test"), &req)
        .await
        .unwrap();
    let b = driver.session(DESKTOP).await;
    let awards = format!("/awards?period={OCT}");
    let ladder = format!("/ladder?period={OCT}");

    // HR computes the candidates from the page, then confirms one.
    sign_in(&app, &b, "hr").await;
    b.goto(&app.url(&awards)).await;
    assert!(!b.exists("table.awards").await, "nothing computed yet");
    b.click_and_wait("form.compute button").await;
    let proposed = b.all("table.awards tr[data-status=proposed]").await;
    assert!(
        proposed.len() > 5,
        "candidates listed: {}",
        b.source().await
    );
    assert!(
        b.text("table.awards").await.contains("月度销售冠军"),
        "the rule's name is shown"
    );
    let id = proposed[0].attr("data-id").await.unwrap().unwrap();
    let second = proposed[1].attr("data-id").await.unwrap().unwrap();
    b.click_and_wait(&format!("#award-{id} form.confirm button"))
        .await;
    assert!(!b.exists(".notice.error").await, "{}", b.source().await);
    assert_eq!(row_status(&b, &format!("#award-{id}")).await, "confirmed");
    let stored = app.store.awards(oct()).await.unwrap();
    let row = stored.iter().find(|a| a.id.to_string() == id).unwrap();
    assert_eq!(row.status, "confirmed");
    // A rejection without a reason is refused on the page, naming the reason.
    b.click_and_wait(&format!("#award-{second} form.reject button"))
        .await;
    assert!(
        b.text(".notice.error").await.contains("reason"),
        "{}",
        b.source().await
    );
    assert_eq!(
        row_status(&b, &format!("#award-{second}")).await,
        "proposed"
    );
    screens(&app, &b, "hr", "awards", &awards, "").await;

    // HR evaluates the ladder; the director of the property consultants decides.
    b.goto(&app.url(&ladder)).await;
    b.click_and_wait("form.evaluate button").await;
    assert!(
        b.exists("table.ladder tr[data-kind=promote][data-id]")
            .await
    );
    assert!(
        !b.exists("form.decide").await,
        "HR does not decide the ladder"
    );
    sign_out(&b).await;
    let person: i64 = {
        let mut sql = Sql::new("SELECT MIN(employee_id) FROM ladder_decisions WHERE period = ");
        sql.bind(OCT);
        app.store.fetch_i64(&sql).await.unwrap()
    };
    let director = {
        let mut sql = Sql::new(
            "SELECT s.supervisor_id FROM employees e JOIN employees s ON s.id = e.supervisor_id WHERE e.id = ",
        );
        sql.bind(person);
        app.store.fetch_i64(&sql).await.unwrap()
    };
    app.store
        .create_user(&kaohe_store::users::NewUser {
            username: "director",
            password: PASSWORD,
            role: kaohe_domain::roles::Role::Manager,
            employee_id: Some(director),
            display_name: "直销部经理",
        })
        .await
        .unwrap();
    sign_in(&app, &b, "director").await;
    b.goto(&app.url(&ladder)).await;
    b.click_and_wait("tr[data-kind=promote] form.confirm button")
        .await;
    assert!(!b.exists(".notice.error").await, "{}", b.source().await);
    let promoted = b.find("tr[data-kind=promote]").await;
    assert!(promoted.text().await.unwrap().contains("已确认"));
    screens(&app, &b, "director", "ladder", &ladder, "").await;
    b.click_and_wait("tr[data-kind=promote] a").await;
    assert!(b.text("table.levels").await.contains("晋升"));
    screens(
        &app,
        &b,
        "director",
        "ladder-person",
        &b.url().await.replace(&app.url(""), ""),
        "",
    )
    .await;
    b.close().await;
}

/// A behaviour factor, a customer rating link and a leader's team card, through the pages:
/// HR gives a consultant's factor (1.3 refused on the form, 1.1 with its acts kept), issues a
/// rep's customer link (shown once) and revokes it (the link then answers 410), and the team
/// leader's own card reads the team's results.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_behaviour_factor_a_customer_link_and_a_team_card_are_handled_in_the_browser() {
    let driver = Driver::start();
    let app = spawn_demo(kaohe_testkit::sqlite()).await;
    let hr = viewer(&app.store, "hr").await;
    app.store.open_cycles(&hr, oct()).await.unwrap();
    let cycles = app
        .store
        .cycles(&Viewer::system("test"), oct())
        .await
        .unwrap();
    let consultant = cycles
        .iter()
        .find(|c| c.scheme_code == "property_consultant")
        .expect("the demo has consultants")
        .employee_id;
    let (rep_id, _, _) = person(&app.store, "rep").await;
    for id in [consultant, rep_id] {
        kaohe::demo_cycle::drive_person(&app.store, oct(), id, Stage::Rating)
            .await
            .unwrap();
    }
    app.clock.set(Some(day(11, 3)));
    let b = driver.session(DESKTOP).await;
    sign_in(&app, &b, "hr").await;

    // The behaviour factor: 1.3 is refused on the page and stores nothing; 1.1 with the acts.
    let page = format!("/cycle/{OCT}/{consultant}");
    b.goto(&app.url(&page)).await;
    let form = "form.behaviour-form";
    b.fill(&format!("{form} input[name=factor]"), "1.3").await;
    b.fill(&format!("{form} textarea[name=acts]"), "本月签约额第一")
        .await;
    // The browser itself refuses 1.3 (the field's max); without that check (an old browser, a
    // hand-made request) the server refuses it and says why.
    let valid = b
        .eval("return document.querySelector('form.behaviour-form input[name=factor]').checkValidity()")
        .await;
    assert_eq!(
        valid,
        serde_json::Value::Bool(false),
        "1.3 is above the field's max"
    );
    b.eval("document.querySelector('form.behaviour-form input[name=factor]').removeAttribute('max'); return null")
        .await;
    b.click_and_wait(&format!("{form} button")).await;
    let refused = b.source().await;
    assert!(
        refused.contains("行为系数 1.3 超出允许范围 0–1.2"),
        "the refusal is on the page"
    );
    let stored = app.store.behaviour(&hr, oct(), consultant).await.unwrap();
    assert!(
        stored.is_none(),
        "a refused factor stores nothing: {stored:?}"
    );
    b.goto(&app.url(&page)).await;
    b.fill(&format!("{form} input[name=factor]"), "1.1").await;
    b.fill(&format!("{form} textarea[name=acts]"), "本月签约额第一")
        .await;
    b.click_and_wait(&format!("{form} button")).await;
    b.goto(&app.url(&page)).await;
    let given = b
        .find("[data-factor]")
        .await
        .attr("data-factor")
        .await
        .unwrap();
    assert_eq!(given.as_deref(), Some("1.1"));
    screens(
        &app,
        &b,
        "hr",
        "behaviour-factor",
        &page,
        "section.behaviour",
    )
    .await;

    // A customer's rating link for the rep: shown once, listed unused, then revoked.
    let page = format!("/cycle/{OCT}/{rep_id}");
    b.goto(&app.url(&page)).await;
    let customer = b
        .eval("return document.querySelector('#link-customers option').value")
        .await;
    let links = "section.rating-links form.step";
    b.fill(
        &format!("{links} input[name=customer]"),
        customer.as_str().expect("the rep has customers"),
    )
    .await;
    b.fill(&format!("{links} input[name=contact_name]"), "张经理")
        .await;
    b.fill(&format!("{links} input[name=contact]"), "13800000000")
        .await;
    b.click_and_wait(&format!("{links} button")).await;
    let url = b.text("#new-link").await;
    assert!(url.contains("/rate/"), "the new link is shown: {url}");
    let path = &url[url.find("/rate/").unwrap()..];
    assert_eq!(status_of(&b, path).await, 200, "an unused link opens");
    assert_eq!(
        b.find("tr[data-link]")
            .await
            .attr("data-state")
            .await
            .unwrap()
            .as_deref(),
        Some("unused")
    );
    screens(&app, &b, "hr", "rating-link", &page, "section.rating-links").await;
    b.goto(&app.url(&page)).await;
    assert!(
        !b.exists("#new-link").await,
        "the link is shown once, not on the next visit"
    );
    b.click_and_wait("tr[data-link] form.inline button").await;
    assert_eq!(
        b.find("tr[data-link]")
            .await
            .attr("data-state")
            .await
            .unwrap()
            .as_deref(),
        Some("revoked")
    );
    assert_eq!(status_of(&b, path).await, 410, "a revoked link is gone");
    sign_out(&b).await;

    // The team leader's own card: the team's completion read from the members' records.
    sign_in(&app, &b, "leader").await;
    let card = format!("/scorecard?period={OCT}");
    b.goto(&app.url(&card)).await;
    let team = b
        .text("tr[data-indicator=team_sales_completion] td.num")
        .await;
    assert!(
        team.trim().parse::<f64>().is_ok(),
        "the team's completion has a value: {team}"
    );
    assert!(b.source().await.contains("下属业绩"));
    screens(&app, &b, "leader", "team-card", &card, "table.card").await;
    b.close().await;
}
