//! The cycle's later steps through their web forms, on every backend (kaohe issue 22): the
//! leader assigns a peer from the team and someone of another department; HR extends the
//! rating deadline; a rating form with one value out of range stores none; the form shows the
//! scale, the targets and the values given; the leader records the interview and sets the
//! improvement plan (a refused form comes back with what was typed and stores nothing) and
//! follows it up; each form is refused for the wrong role; the inbox leads to the form; the
//! locked period's scorecard shows the published result, not a live one.

mod support;

use chrono::NaiveDate;
use kaohe_domain::cycle::{Action, Stage, Target};
use kaohe_domain::period::Period;
use kaohe_domain::roles::Role;
use kaohe_domain::scheme::RaterGroup;
use kaohe_store::{Store, Viewer};
use serde_json::Value;
use support::{TestApp, hidden_csrf, spawn_demo};

const OCT: &str = "2026-10";

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap()
}

fn oct() -> Period {
    Period::parse(OCT).unwrap()
}

async fn page(client: &reqwest::Client, url: String) -> (u16, String) {
    let resp = client.get(url).send().await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

/// Posts a cycle form with the page's CSRF token; the status and body.
async fn step(
    app: &TestApp,
    client: &reqwest::Client,
    employee: i64,
    fields: &[(&str, &str)],
) -> (u16, String) {
    let url = app.url(&format!("/cycle/{OCT}/{employee}"));
    let (status, html) = page(client, url.clone()).await;
    assert_eq!(status, 200, "{html}");
    let csrf = hidden_csrf(&html);
    let mut form: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
    form.extend_from_slice(fields);
    let resp = client.post(url).form(&form).send().await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

async fn viewer(store: &Store, name: &str) -> Viewer {
    kaohe::cycle::viewer(store, name).await.unwrap()
}

/// A viewer for a person without a login (a peer rater).
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

/// Takes the rep's cycle to rating: October opened, targets proposed by the leader,
/// confirmed, approved, and the self-review handed in on 2 November.
async fn to_rating(app: &TestApp, rep: i64, sup: i64) {
    let store = &app.store;
    let hr = viewer(store, "hr").await;
    let committee = viewer(store, "committee").await;
    let leader = viewer(store, "leader").await;
    assert_eq!(
        leader.employee_id,
        Some(sup),
        "the demo leader leads the rep"
    );
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
    let steps = [
        (
            &leader,
            Action::ProposeTargets {
                targets,
                basis: "上期实绩".into(),
            },
        ),
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
    assert_eq!(
        store.cycle(&hr, oct(), rep).await.unwrap().stage(),
        Stage::Rating
    );
}

/// The first option's value of the select list after `marker`.
fn first_option(html: &str, marker: &str) -> i64 {
    let at = html
        .find(marker)
        .unwrap_or_else(|| panic!("no {marker} in {html}"));
    let rest = &html[at..];
    let v = rest.find("<option value=\"").expect("an option") + 15;
    rest[v..].split('"').next().unwrap().parse().unwrap()
}

#[tokio::test]
async fn the_later_steps_are_taken_through_their_forms_by_the_right_role() {
    for db in kaohe_testkit::every_backend().await {
        let backend = db.backend;
        let app = spawn_demo(db).await;
        app.clock.set(Some(day(11, 3)));
        let rep = app.sign_in("rep", "kaohe-demo").await;
        let rep_id = app.me(&rep).await["employee_id"].as_i64().unwrap();
        let sup = app.store.supervisor_chain(rep_id).await.unwrap()[0];
        to_rating(&app, rep_id, sup).await;
        let leader = app.sign_in("leader", "kaohe-demo").await;
        let hr = app.sign_in("hr", "kaohe-demo").await;

        let peer = assign_raters(&app, &rep, &leader, rep_id).await;
        extend(&app, &hr, &leader, rep_id).await;
        rate_all_or_nothing(&app, &leader, rep_id, peer).await;

        // HR consolidates after the (extended) deadline; the committee publishes.
        app.clock.set(Some(day(11, 10)));
        let (status, html) = step(&app, &hr, rep_id, &[("action", "consolidate")]).await;
        assert_eq!(status, 303, "{backend:?}: {html}");
        let committee = app.sign_in("committee", "kaohe-demo").await;
        let (status, html) = step(&app, &committee, rep_id, &[("action", "approve_result")]).await;
        assert_eq!(status, 303, "{backend:?}: {html}");

        inbox_leads_to_the_form(&app, &leader).await;
        interview(&app, &rep, &leader, rep_id).await;
        plan(&app, &rep, &leader, rep_id, sup).await;
        let finance = app.sign_in("finance", "kaohe-demo").await;
        follow_up(&app, &finance, &leader, rep_id).await;
        published_scorecard(&app, &rep, &hr, rep_id).await;
    }
}

/// The leader assigns a peer from the team and a rater of another department from the lists;
/// the rep sees no such form and is refused; someone not offered is refused.
async fn assign_raters(
    app: &TestApp,
    rep: &reqwest::Client,
    leader: &reqwest::Client,
    rep_id: i64,
) -> i64 {
    let hr = viewer(&app.store, "hr").await;
    let link = app.url(&format!("/cycle/{OCT}/{rep_id}"));
    let (_, html) = page(rep, link.clone()).await;
    assert!(!html.contains("id=\"step-assign_rater\""), "{html}");
    let (_, html) = page(leader, link.clone()).await;
    assert!(html.contains("id=\"step-assign_rater\""), "{html}");
    assert!(
        html.contains("href=\"#rating-links\""),
        "the customers' links: {html}"
    );
    let peer = first_option(&html, "class=\"assign-peer\"");
    let other = first_option(&html, "class=\"assign-related\"");
    let peer_s = peer.to_string();
    let other_s = other.to_string();
    let me = rep_id.to_string();

    // Wrong role: the rep cannot choose their own raters.
    let fields = [
        ("action", "assign_rater"),
        ("group", "peers"),
        ("rater", peer_s.as_str()),
    ];
    let (status, html) = step(app, rep, rep_id, &fields).await;
    assert_eq!(status, 403, "{html}");
    assert!(html.contains("class=\"error\""), "{html}");
    // Not on the list: the rep themself, or someone of another department as a peer.
    for rater in [me.as_str(), other_s.as_str()] {
        let fields = [
            ("action", "assign_rater"),
            ("group", "peers"),
            ("rater", rater),
        ];
        let (status, html) = step(app, leader, rep_id, &fields).await;
        assert_eq!(status, 422, "{html}");
        assert!(html.contains("不在可选名单中"), "{html}");
    }
    assert!(
        app.store
            .cycle(&hr, oct(), rep_id)
            .await
            .unwrap()
            .raters()
            .is_empty()
    );

    let fields = [
        ("action", "assign_rater"),
        ("group", "peers"),
        ("rater", peer_s.as_str()),
    ];
    let (status, html) = step(app, leader, rep_id, &fields).await;
    assert_eq!(status, 303, "{html}");
    let fields = [
        ("action", "assign_rater"),
        ("group", "related_departments"),
        ("rater", other_s.as_str()),
    ];
    let (status, html) = step(app, leader, rep_id, &fields).await;
    assert_eq!(status, 303, "{html}");
    let state = app.store.cycle(&hr, oct(), rep_id).await.unwrap();
    let got: Vec<(i64, RaterGroup)> = state
        .raters()
        .iter()
        .map(|r| (r.rater_id, r.group))
        .collect();
    assert_eq!(
        got,
        vec![
            (peer, RaterGroup::Peers),
            (other, RaterGroup::RelatedDepartments)
        ]
    );
    let (_, html) = page(leader, link.clone()).await;
    assert!(
        html.contains("data-group=\"peers\"")
            && html.contains("data-group=\"related_departments\""),
        "the assignments are listed: {html}"
    );
    let (_, html) = page(rep, link).await;
    assert!(
        !html.contains("data-group=\"peers\""),
        "peers rate anonymously"
    );
    peer
}

/// HR extends the rating deadline; without a reason it is refused with the date kept; the
/// leader may not extend it.
async fn extend(app: &TestApp, hr: &reqwest::Client, leader: &reqwest::Client, rep_id: i64) {
    let hr_v = viewer(&app.store, "hr").await;
    let (_, html) = page(leader, app.url(&format!("/cycle/{OCT}/{rep_id}"))).await;
    assert!(!html.contains("id=\"step-extend_rating\""));
    let fields = [
        ("action", "extend_rating"),
        ("until", "2026-11-08"),
        ("reason", "客户评价"),
    ];
    let (status, _) = step(app, leader, rep_id, &fields).await;
    assert_eq!(status, 403);
    let fields = [
        ("action", "extend_rating"),
        ("until", "2026-11-08"),
        ("reason", ""),
    ];
    let (status, html) = step(app, hr, rep_id, &fields).await;
    assert_eq!(status, 422, "{html}");
    assert!(
        html.contains("value=\"2026-11-08\""),
        "the date typed is kept: {html}"
    );
    let state = app.store.cycle(&hr_v, oct(), rep_id).await.unwrap();
    assert_eq!(state.rating_extended_until(), None);
    let fields = [
        ("action", "extend_rating"),
        ("until", "2026-11-08"),
        ("reason", "客户评价"),
    ];
    let (status, html) = step(app, hr, rep_id, &fields).await;
    assert_eq!(status, 303, "{html}");
    let state = app.store.cycle(&hr_v, oct(), rep_id).await.unwrap();
    assert_eq!(state.rating_extended_until(), Some(day(11, 8)));
}

/// One value of 150 among the leader's ratings stores none; the form shows the scale, targets
/// and, once accepted, the values given. The assigned peer rates too.
async fn rate_all_or_nothing(app: &TestApp, leader: &reqwest::Client, rep_id: i64, peer: i64) {
    let hr = viewer(&app.store, "hr").await;
    let state = app.store.cycle(&hr, oct(), rep_id).await.unwrap();
    let rated = state.setup().rated_indicators.clone();
    assert!(
        rated.len() >= 2,
        "the rep's scheme rates several indicators: {rated:?}"
    );
    let names: Vec<String> = rated.iter().map(|c| format!("rating_{c}")).collect();
    let mut fields: Vec<(&str, &str)> = vec![("action", "submit_rating"), ("group", "superior")];
    fields.extend(
        names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.as_str(), if i == 1 { "150" } else { "88" })),
    );
    let (status, html) = step(app, leader, rep_id, &fields).await;
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("评分须在 0 到 100 之间"), "{html}");
    assert!(
        html.contains("value=\"150\""),
        "the values typed are kept: {html}"
    );
    let state = app.store.cycle(&hr, oct(), rep_id).await.unwrap();
    assert!(
        state.ratings().is_empty(),
        "nothing stored: {:?}",
        state.ratings()
    );

    let (_, html) = page(leader, app.url(&format!("/cycle/{OCT}/{rep_id}"))).await;
    assert!(
        html.contains("data-min=\"0\" data-max=\"100\""),
        "the scale: {html}"
    );
    assert!(html.contains("0–100"), "{html}");
    // The targets read the library's where the leader kept them, not "—".
    let targets = &html[..html.find("id=\"step-").unwrap()];
    assert!(targets.contains("（指标库默认）"), "{targets}");
    for (_, v) in fields.iter_mut().skip(2) {
        *v = "88";
    }
    let (status, html) = step(app, leader, rep_id, &fields).await;
    assert_eq!(status, 303, "{html}");
    let state = app.store.cycle(&hr, oct(), rep_id).await.unwrap();
    assert_eq!(state.ratings().len(), rated.len());
    let (_, html) = page(leader, app.url(&format!("/cycle/{OCT}/{rep_id}"))).await;
    let form = &html[html
        .find("id=\"step-submit_rating\"")
        .expect("the rating form")..];
    let form = &form[..form.find("</form>").unwrap()];
    assert_eq!(form.matches("value=\"88\"").count(), rated.len(), "{form}");
    assert!(form.contains("class=\"hint given\""), "{form}");

    for indicator in &rated {
        let rating = Action::SubmitRating {
            group: RaterGroup::Peers,
            indicator: indicator.clone(),
            value: 80.0,
            comment: String::new(),
        };
        app.store
            .act(&person(peer), oct(), rep_id, rating, day(11, 5))
            .await
            .unwrap();
    }
}

/// The leader's 待办 for the interview leads to the interview's form.
async fn inbox_leads_to_the_form(app: &TestApp, leader: &reqwest::Client) {
    let (status, html) = page(leader, app.url("/inbox")).await;
    assert_eq!(status, 200);
    assert!(html.contains("#step-record_interview\""), "{html}");
    let items: Value = leader
        .get(app.url("/api/inbox"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let interview = items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "interview")
        .unwrap_or_else(|| panic!("no interview in {items}"));
    assert!(
        interview["href"]
            .as_str()
            .unwrap()
            .ends_with("#step-record_interview")
    );
}

/// Without the employee's comments the interview is refused, what was typed kept and nothing
/// stored; the rep cannot record it; the leader records it.
async fn interview(app: &TestApp, rep: &reqwest::Client, leader: &reqwest::Client, rep_id: i64) {
    let hr = viewer(&app.store, "hr").await;
    let (_, html) = page(leader, app.url(&format!("/cycle/{OCT}/{rep_id}"))).await;
    assert!(html.contains("id=\"step-record_interview\""), "{html}");
    let (_, html) = page(rep, app.url(&format!("/cycle/{OCT}/{rep_id}"))).await;
    assert!(!html.contains("id=\"step-record_interview\""));
    let mut fields = vec![
        ("action", "record_interview"),
        ("strengths", "回访及时\n新客户开发超额"),
        ("shortfalls", "报价单差错"),
        ("employee_comments", ""),
    ];
    let (status, html) = step(app, leader, rep_id, &fields).await;
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("被考核者意见"), "the reason: {html}");
    assert!(
        html.contains("回访及时\n新客户开发超额</textarea>")
            && html.contains("报价单差错</textarea>"),
        "what was typed is kept: {html}"
    );
    let form = &html[html.find("id=\"step-record_interview\"").unwrap()..];
    assert!(
        form.contains("class=\"error\""),
        "the reason is on the form"
    );
    assert!(
        app.store
            .cycle(&hr, oct(), rep_id)
            .await
            .unwrap()
            .interview()
            .is_none()
    );
    fields[3] = ("employee_comments", "同意，下月改进报价核对");
    let (status, _) = step(app, rep, rep_id, &fields).await;
    assert_eq!(status, 403);
    let (status, html) = step(app, leader, rep_id, &fields).await;
    assert_eq!(status, 303, "{html}");
    let state = app.store.cycle(&hr, oct(), rep_id).await.unwrap();
    let i = state.interview().expect("recorded");
    assert_eq!(i.strengths, vec!["回访及时", "新客户开发超额"]);
    assert_eq!(i.employee_comments, "同意，下月改进报价核对");
    let (_, html) = page(rep, app.url(&format!("/cycle/{OCT}/{rep_id}"))).await;
    assert!(
        html.contains("class=\"employee-comments\""),
        "the rep reads it"
    );
    acknowledge(app, rep, leader, rep_id).await;
}

/// The rep acknowledges the record with their own words: empty words are refused on the form
/// and store nothing; the leader has no such form; once given, the form is gone.
async fn acknowledge(app: &TestApp, rep: &reqwest::Client, leader: &reqwest::Client, rep_id: i64) {
    let hr = viewer(&app.store, "hr").await;
    let url = app.url(&format!("/cycle/{OCT}/{rep_id}"));
    let (_, html) = page(rep, url.clone()).await;
    assert!(html.contains("id=\"step-acknowledge_interview\""), "{html}");
    assert!(html.contains("class=\"not-acknowledged\""));
    let (_, html) = page(leader, url.clone()).await;
    assert!(!html.contains("id=\"step-acknowledge_interview\""));
    let (status, html) = step(
        app,
        rep,
        rep_id,
        &[("action", "acknowledge_interview"), ("comments", " ")],
    )
    .await;
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("本人意见"), "the reason: {html}");
    let acknowledged = |state: &kaohe_domain::cycle::CycleState| {
        state.interview().and_then(|i| i.acknowledgement.clone())
    };
    assert!(acknowledged(&app.store.cycle(&hr, oct(), rep_id).await.unwrap()).is_none());
    let words = [
        ("action", "acknowledge_interview"),
        ("comments", "已阅，同意面谈记录"),
    ];
    let (status, _) = step(app, leader, rep_id, &words).await;
    assert_eq!(status, 403, "only the rep acknowledges");
    let (status, html) = step(app, rep, rep_id, &words).await;
    assert_eq!(status, 303, "{html}");
    let given = acknowledged(&app.store.cycle(&hr, oct(), rep_id).await.unwrap()).expect("given");
    assert_eq!(given.comments, "已阅，同意面谈记录");
    let (_, html) = page(rep, url).await;
    assert!(html.contains("class=\"acknowledged\"") && html.contains("已阅，同意面谈记录"));
    assert!(
        !html.contains("id=\"step-acknowledge_interview\""),
        "once only"
    );
}

/// "Add a row" gives a fourth row and keeps what was typed; a row without its date is refused
/// with the rows kept and no plan stored; the rep cannot set it; the leader sets two items.
async fn plan(
    app: &TestApp,
    rep: &reqwest::Client,
    leader: &reqwest::Client,
    rep_id: i64,
    sup: i64,
) {
    let hr = viewer(&app.store, "hr").await;
    let (rep_s, sup_s) = (rep_id.to_string(), sup.to_string());
    let mut fields = vec![
        ("action", "set_improvement_plan"),
        ("rows", "3"),
        ("item_1", "报价单双人复核"),
        ("owner_1", rep_s.as_str()),
        ("due_1", "2026-12-15"),
        ("item_2", "每周抽查报价"),
        ("owner_2", sup_s.as_str()),
        ("due_2", ""),
    ];
    let mut more = fields.clone();
    more.push(("add_row", "1"));
    let (status, html) = step(app, leader, rep_id, &more).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("name=\"item_4\""), "a fourth row: {html}");
    assert!(html.contains("value=\"报价单双人复核\""), "kept: {html}");
    let (status, html) = step(app, leader, rep_id, &fields).await;
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("value=\"每周抽查报价\"") && html.contains("value=\"2026-12-15\""));
    assert!(
        app.store
            .cycle(&hr, oct(), rep_id)
            .await
            .unwrap()
            .plan()
            .is_none()
    );
    fields[7] = ("due_2", "2026-12-31");
    let (status, _) = step(app, rep, rep_id, &fields).await;
    assert_eq!(status, 403);
    let (status, html) = step(app, leader, rep_id, &fields).await;
    assert_eq!(status, 303, "{html}");
    let state = app.store.cycle(&hr, oct(), rep_id).await.unwrap();
    let items = &state.plan().expect("set").items;
    assert_eq!(items.len(), 2);
    assert_eq!((items[0].owner_id, items[1].owner_id), (rep_id, sup));
    assert_eq!(items[1].due_on, day(12, 31));
}

/// The leader follows up the first item; finance, neither superior nor HR nor an owner, is
/// refused.
async fn follow_up(
    app: &TestApp,
    finance: &reqwest::Client,
    leader: &reqwest::Client,
    rep_id: i64,
) {
    let hr = viewer(&app.store, "hr").await;
    let fields = [
        ("action", "follow_up"),
        ("item", "0"),
        ("note", "已建立复核表"),
        ("done", "1"),
    ];
    let (status, _) = step(app, finance, rep_id, &fields).await;
    assert_eq!(status, 403);
    let (status, html) = step(app, leader, rep_id, &fields).await;
    assert_eq!(status, 303, "{html}");
    let state = app.store.cycle(&hr, oct(), rep_id).await.unwrap();
    let item = &state.plan().unwrap().items[0];
    assert!(item.done && item.follow_ups.len() == 1);
    let (_, html) = page(leader, app.url(&format!("/cycle/{OCT}/{rep_id}"))).await;
    assert!(html.contains("已建立复核表"), "{html}");
}

/// The published period's scorecard shows the published version; once HR locks, the locked
/// one; never the live recomputation.
async fn published_scorecard(
    app: &TestApp,
    rep: &reqwest::Client,
    hr: &reqwest::Client,
    rep_id: i64,
) {
    let url = app.url(&format!("/scorecard?period={OCT}"));
    let (status, html) = page(rep, url.clone()).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("class=\"published\" data-stage=\"published\" data-version=\"1\"")
            && html.contains("已发布"),
        "{html}"
    );
    assert!(!html.contains("class=\"live\""), "{html}");
    app.clock.set(Some(day(11, 12)));
    let (status, html) = step(app, hr, rep_id, &[("action", "lock")]).await;
    assert_eq!(status, 303, "{html}");
    let (_, html) = page(rep, url).await;
    assert!(
        html.contains("data-stage=\"locked\" data-version=\"1\"") && html.contains("已锁定"),
        "{html}"
    );
    assert!(
        !html.contains("class=\"live\"") && !html.contains("实时"),
        "{html}"
    );
    let hr_v = viewer(&app.store, "hr").await;
    let state = app.store.cycle(&hr_v, oct(), rep_id).await.unwrap();
    let total = state.current_result().unwrap().result.score;
    assert!(
        html.contains(&format!("{total:.2}")),
        "the published total: {html}"
    );
}

/// The leader proposes targets with last period's stored results beside each one (issue 22:
/// "propose in a table with last period's results beside").
#[tokio::test]
async fn the_target_proposal_shows_last_periods_results_beside_each_target() {
    for db in kaohe_testkit::every_backend().await {
        let backend = db.backend;
        let app = spawn_demo(db).await;
        app.clock.set(Some(day(10, 1)));
        let system = Viewer::system("test");
        let sep = Period::parse("2026-09").unwrap();
        let req = kaohe_store::evaluate::EvalRequest {
            period: sep,
            scheme: None,
            employee: None,
        };
        app.store.evaluate(&system, &req).await.unwrap();
        app.store
            .open_cycles(&viewer(&app.store, "hr").await, oct())
            .await
            .unwrap();
        let leader = app.sign_in("leader", "kaohe-demo").await;
        let rep = app.sign_in("rep", "kaohe-demo").await;
        let rep_id = app.me(&rep).await["employee_id"].as_i64().unwrap();
        let (status, html) = page(&leader, app.url(&format!("/cycle/{OCT}/{rep_id}"))).await;
        assert_eq!(status, 200, "{backend:?}");
        let card = app
            .store
            .scorecards(&system, "2026-09", Some(rep_id))
            .await
            .unwrap();
        let shown: Vec<(String, f64)> = card[0]
            .lines
            .iter()
            .filter_map(|l| Some((l.indicator_code.clone(), l.value?)))
            .collect();
        assert!(!shown.is_empty(), "{backend:?}: September has values");
        let mut checked = 0;
        for (code, value) in shown {
            let input = format!("name=\"value_{code}\"");
            let Some(at) = html.find(&input) else {
                continue; // a rated indicator has no target to propose
            };
            let label_end = html[at..].find("</label>").unwrap() + at;
            let want = format!("上期实绩 {:.2}", kaohe_domain::composition::round2(value));
            assert!(
                html[at..label_end].contains(&want),
                "{backend:?}: {code} lacks `{want}`: {}",
                &html[at..label_end]
            );
            checked += 1;
        }
        assert!(
            checked > 0,
            "{backend:?}: no target shows last period's value"
        );
    }
}
