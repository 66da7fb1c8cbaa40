//! End to end in a real headless Chromium (kaohe issue 22): the leader assigns a peer rater
//! from the team's list, follows the 待办 of the feedback interview to its form and records
//! it, then sets an improvement plan with a row added through the form's own button. The
//! forms are saved as PNGs under `target/screenshots/` in zh-CN and en, desktop and phone.

mod support;

use chrono::NaiveDate;
use kaohe_domain::cycle::{Action, Stage, Target};
use kaohe_domain::period::Period;
use kaohe_domain::roles::Role;
use kaohe_domain::scheme::RaterGroup;
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

/// A viewer for a person without a login (the rep acting on their own cycle, a peer rating).
fn person(id: i64) -> Viewer {
    Viewer {
        user_id: None,
        username: format!("test:{id}"),
        role: Role::Rep,
        employee_id: Some(id),
        team_id: None,
        department_ids: Vec::new(),
    }
}

/// Sets a user's UI language.
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
}

/// Saves `name-{zh,en}-{desktop,phone}.png` of `path` scrolled to `at`, checking that the
/// page does not scroll sideways; the user's language is zh-CN again afterwards.
async fn screens(app: &TestApp, b: &Browser, username: &str, name: &str, path: &str, at: &str) {
    let dir = screenshot_dir();
    for (lang, tag) in [("zh", "zh-CN"), ("en", "en")] {
        set_language(&app.store, username, tag).await;
        for (size, dims) in [("desktop", DESKTOP), ("phone", PHONE)] {
            b.resize(dims).await;
            b.goto(&app.url(path)).await;
            b.find(at).await;
            b.eval(&format!(
                "document.querySelector({at:?}).scrollIntoView({{block: 'start'}}); return null"
            ))
            .await;
            let wide = b
                .eval("return document.documentElement.scrollWidth - window.innerWidth")
                .await;
            assert!(
                wide.as_i64().unwrap_or(0) <= 1,
                "{path} at {size} is {wide} px wider than the window"
            );
            b.screenshot(&dir, &format!("{name}-{lang}-{size}")).await;
        }
    }
    set_language(&app.store, username, "zh-CN").await;
    b.resize(DESKTOP).await;
}

/// Clicks `button` and waits for the page it leads to; the page shows no refusal.
async fn submit(b: &Browser, button: &str) {
    b.click_and_wait(button).await;
    assert!(
        !b.exists("p.error").await,
        "{button} was refused: {}",
        b.text("p.error").await
    );
}

/// Sets a date input the way its picker does (typing follows the browser's locale).
async fn set_date(b: &Browser, css: &str, date: &str) {
    b.eval(&format!(
        "const e = document.querySelector({css:?}); e.value = {date:?}; \
         e.dispatchEvent(new Event('change', {{bubbles: true}})); return null"
    ))
    .await;
}

/// The rep's cycle in rating: targets agreed, the self-review handed in on 2 November.
async fn to_rating(store: &Store, rep: i64) {
    let hr = viewer(store, "hr").await;
    let committee = viewer(store, "committee").await;
    let leader = viewer(store, "leader").await;
    store.open_cycles(&hr, oct()).await.unwrap();
    let state = store.cycle(&hr, oct(), rep).await.unwrap();
    let lib = store.library().await.unwrap();
    let scheme = lib.library.scheme(&state.setup().scheme_code).unwrap();
    let targets = scheme
        .indicator_codes()
        .map(|c| Target {
            indicator: c.to_string(),
            value: None,
        })
        .collect();
    let propose = Action::ProposeTargets {
        targets,
        basis: "上期实绩".into(),
    };
    let steps = [
        (&leader, propose),
        (&person(rep), Action::ConfirmTargets),
        (&hr, Action::ApproveTargetsHr),
        (&committee, Action::ApproveTargetsCommittee),
    ];
    for (who, action) in steps {
        store
            .act(who, oct(), rep, action, day(10, 1))
            .await
            .unwrap();
    }
    let review = Action::SubmitSelfReview {
        work_report: "十月工作总结".into(),
        self_evaluation: "完成主要工作".into(),
    };
    store
        .act(&person(rep), oct(), rep, review, day(11, 2))
        .await
        .unwrap();
}

/// The superior and the assigned peer rate every rated indicator; HR consolidates and the
/// committee publishes.
async fn rate_and_publish(app: &TestApp, rep: i64, peer: i64) {
    let store = &app.store;
    let hr = viewer(store, "hr").await;
    let leader = viewer(store, "leader").await;
    let rated = store
        .cycle(&hr, oct(), rep)
        .await
        .unwrap()
        .setup()
        .rated_indicators
        .clone();
    for (who, group) in [
        (&leader, RaterGroup::Superior),
        (&person(peer), RaterGroup::Peers),
    ] {
        let ratings = rated
            .iter()
            .map(|i| Action::SubmitRating {
                group,
                indicator: i.clone(),
                value: 85.0,
                comment: String::new(),
            })
            .collect();
        store
            .act_all(who, oct(), rep, ratings, day(11, 5))
            .await
            .unwrap();
    }
    app.clock.set(Some(day(11, 10)));
    store
        .consolidate(&hr, oct(), rep, day(11, 10))
        .await
        .unwrap();
    let committee = viewer(store, "committee").await;
    store
        .act(&committee, oct(), rep, Action::ApproveResult, day(11, 10))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leader_assigns_a_peer_records_the_interview_and_sets_a_plan_in_the_browser() {
    let driver = Driver::start();
    let app = spawn_demo(kaohe_testkit::sqlite()).await;
    let rep = viewer(&app.store, "rep").await.employee_id.unwrap();
    let hr = viewer(&app.store, "hr").await;
    to_rating(&app.store, rep).await;
    app.clock.set(Some(day(11, 3)));
    let b = driver.session(DESKTOP).await;
    let link = format!("/cycle/{OCT}/{rep}");

    // The leader picks a peer from the team's list.
    sign_in(&app, &b, "leader").await;
    screens(
        &app,
        &b,
        "leader",
        "assign-raters",
        &link,
        "#step-assign_rater",
    )
    .await;
    b.goto(&app.url(&link)).await;
    let peer_select = "form.assign-peer select[name=rater]";
    let options = b.all(&format!("{peer_select} option")).await;
    assert!(!options.is_empty(), "the team is offered");
    let chosen = options[0].attr("value").await.unwrap().unwrap();
    b.find(peer_select)
        .await
        .select_by_value(&chosen)
        .await
        .unwrap();
    submit(&b, "form.assign-peer button").await;
    let peer: i64 = chosen.parse().unwrap();
    let state = app.store.cycle(&hr, oct(), rep).await.unwrap();
    assert_eq!(state.raters()[0].rater_id, peer);
    assert_eq!(state.raters()[0].group, RaterGroup::Peers);
    assert!(b.exists("section.raters tr[data-group=peers]").await);

    rate_and_publish(&app, rep, peer).await;
    assert_eq!(
        app.store.cycle(&hr, oct(), rep).await.unwrap().stage(),
        Stage::Published
    );

    // The 待办 of the interview leads to its form, which the leader fills in.
    b.goto(&app.url("/inbox")).await;
    b.click_and_wait("li[data-kind=interview] a").await;
    assert!(
        b.url()
            .await
            .ends_with(&format!("{link}#step-record_interview")),
        "{}",
        b.url().await
    );
    screens(
        &app,
        &b,
        "leader",
        "interview-form",
        &link,
        "#step-record_interview",
    )
    .await;
    b.goto(&app.url(&link)).await;
    let form = "#step-record_interview";
    b.fill(&format!("{form} textarea[name=strengths]"), "回访及时")
        .await;
    b.fill(&format!("{form} textarea[name=shortfalls]"), "报价单差错")
        .await;
    b.fill(
        &format!("{form} textarea[name=employee_comments]"),
        "同意，下月改进",
    )
    .await;
    submit(&b, &format!("{form} button")).await;
    let state = app.store.cycle(&hr, oct(), rep).await.unwrap();
    let interview = state.interview().expect("the interview is recorded");
    assert_eq!(interview.shortfalls, vec!["报价单差错"]);
    assert!(b.exists("section.interview").await);

    // The plan: the first row typed, a fourth row added by the form's own button (no script),
    // then a second item and both dates; the plan is set.
    let form = "#step-set_improvement_plan";
    b.fill(&format!("{form} input[name=item_1]"), "报价单双人复核")
        .await;
    b.click_and_wait(&format!("{form} button[name=add_row]"))
        .await;
    assert!(b.exists(&format!("{form} input[name=item_4]")).await);
    assert_eq!(
        b.find(&format!("{form} input[name=item_1]"))
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("报价单双人复核"),
        "what was typed is kept"
    );
    b.fill(&format!("{form} input[name=item_4]"), "每周抽查报价")
        .await;
    set_date(&b, &format!("{form} input[name=due_1]"), "2026-12-15").await;
    set_date(&b, &format!("{form} input[name=due_4]"), "2026-12-31").await;
    screens_in_place(&b, "plan-form").await;
    submit(&b, &format!("{form} button:not([name])")).await;
    let state = app.store.cycle(&hr, oct(), rep).await.unwrap();
    let items = &state.plan().expect("the plan is set").items;
    assert_eq!(items.len(), 2);
    assert_eq!(items[1].item, "每周抽查报价");
    assert_eq!(items[1].due_on, day(12, 31));
    screens(&app, &b, "leader", "plan", &link, "section.plan").await;
    b.close().await;
}

/// A screenshot of the page as it is (a form being filled in), desktop size.
async fn screens_in_place(b: &Browser, name: &str) {
    b.eval(
        "document.querySelector('#step-set_improvement_plan').scrollIntoView({block: 'start'}); return null",
    )
    .await;
    b.screenshot(&screenshot_dir(), &format!("{name}-zh-desktop"))
        .await;
}
