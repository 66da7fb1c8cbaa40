//! The dashboards over HTTP on the demo company, on every backend: a rep's own dashboard
//! (live KPIs against target, score and grade today, what reaches the next grade, the trend,
//! the rank) shows nobody else; a leader's board lists their team only, a manager's more; a
//! rep has no board; a malformed period is a 400.

mod support;

use kaohe_domain::period::Period;
use kaohe_store::evaluate::EvalRequest;
use kaohe_store::{Sql, Viewer};
use std::collections::BTreeSet;
use support::{spawn_demo, test_today};

async fn get(client: &reqwest::Client, url: String) -> (u16, String) {
    let resp = client.get(url).send().await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

/// The employee ids linked from a board's leaderboard.
fn linked_people(html: &str) -> BTreeSet<i64> {
    html.split("employee=")
        .skip(1)
        .filter_map(|s| {
            let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
        .collect()
}

#[tokio::test]
async fn a_rep_sees_their_own_dashboard_and_a_leader_the_board_of_their_team() {
    for db in kaohe_testkit::every_backend().await {
        let app = spawn_demo(db).await;
        app.clock.set(Some(test_today()));
        let system = Viewer::system("test");
        // Stored results of the months before: the trend and the ranks read them.
        for p in ["2026-09", "2026-10"] {
            let req = EvalRequest {
                period: Period::parse(p).unwrap(),
                scheme: None,
                employee: None,
            };
            app.store.evaluate(&system, &req).await.unwrap();
        }
        // Award candidates of October (as `kaohe awards compute` stores them: for the people
        // with a cycle).
        let oct = Period::parse("2026-10").unwrap();
        app.store.open_cycles(&system, oct).await.unwrap();
        let candidates = app.store.compute_awards(&system, oct).await.unwrap();
        let rep_v = kaohe::cycle::viewer(&app.store, "rep").await.unwrap();
        let rep_id = rep_v.employee_id.unwrap();
        let leader_v = kaohe::cycle::viewer(&app.store, "leader").await.unwrap();
        let team: BTreeSet<i64> = app
            .store
            .employees(&leader_v)
            .await
            .unwrap()
            .iter()
            .map(|e| e.id)
            .collect();
        let everybody = app.store.employees(&system).await.unwrap();
        let me = everybody.iter().find(|e| e.id == rep_id).unwrap();

        // The rep: own KPIs, today's score and grade, the next grade, trend and rank.
        let rep = app.sign_in("rep", "kaohe-demo").await;
        let (status, html) = get(&rep, app.url("/")).await;
        assert_eq!(status, 200, "{html}");
        for part in [
            "今日得分",
            "按今日数据的等级",
            "怎样达到下一等级",
            "近 12 期得分走势",
            "我的排名",
            "我的待办",
            "data-code=\"callback_count\"",
            "<svg class=\"chart trend\"",
            "rank-department",
        ] {
            assert!(
                html.contains(part),
                "the rep's dashboard lacks {part}: {html}"
            );
        }
        assert!(
            html.contains("class=\"next-steps\"")
                || html.contains("已是最高等级")
                || html.contains("没有哪一项指标能单独达到下一等级"),
            "{html}"
        );
        assert!(!html.contains("NaN"), "{html}");
        // Nobody else's name or number (SPEC §1: a rep sees their rank, not their peers).
        for other in everybody
            .iter()
            .filter(|e| e.id != rep_id && e.name != me.name)
        {
            assert!(
                !html.contains(other.code.as_str()),
                "the rep's dashboard shows {} {}",
                other.code,
                other.name
            );
        }
        assert!(!html.contains("class=\"leaderboard\""));
        // No board for a rep, and no header link to one.
        assert!(!html.contains("href=\"/board\""));
        let (status, _) = get(&rep, app.url("/board")).await;
        assert_eq!(status, 403);

        // The same dashboard in English.
        let mut sql = Sql::new("UPDATE users SET language = 'en' WHERE username = ");
        sql.bind("rep");
        app.store.execute(&sql).await.unwrap();
        let (_, html) = get(&rep, app.url("/")).await;
        for part in [
            "Score today",
            "To reach the next grade",
            "My rank",
            "Score over the last 12 periods",
        ] {
            assert!(html.contains(part), "the English dashboard lacks {part}");
        }

        // The leader: the board of their team only, with its charts.
        let leader = app.sign_in("leader", "kaohe-demo").await;
        let (_, home) = get(&leader, app.url("/")).await;
        assert!(home.contains("href=\"/board\"") && home.contains("团队看板"));
        let (status, html) = get(&leader, app.url("/board?period=2026-10")).await;
        assert_eq!(status, 200, "{html}");
        let listed = linked_people(&html);
        assert!(!listed.is_empty(), "{html}");
        assert!(
            listed.is_subset(&team),
            "{listed:?} beyond the team {team:?}"
        );
        for part in [
            "排行榜",
            "等级分布",
            "目标与实际",
            "电话漏斗",
            "奖励候选",
            "逾期步骤",
            "<svg class=\"chart bars\"",
            "<svg class=\"chart funnel\"",
            "<svg class=\"chart progress\"",
            "2026年10月",
        ] {
            assert!(html.contains(part), "the leader's board lacks {part}");
        }
        assert!(!html.contains("NaN"));
        // The team's award candidates, by name, and nobody else's.
        let book = app.store.award_book().await.unwrap();
        let mut shown = 0;
        for c in &candidates {
            let Some(who) = c.employee_id else { continue };
            let name = &book
                .awards()
                .iter()
                .find(|a| a.code == c.rule_code)
                .unwrap()
                .name_zh;
            let row = format!("<td>{name}");
            if team.contains(&who) {
                assert!(html.contains(&row), "the board lacks {name} of {who}");
                shown += 1;
            }
        }
        assert!(
            shown > 0 && !html.contains("本期尚未计算奖励候选"),
            "{candidates:?}"
        );
        // The manager's board covers the department: more people than the team.
        let manager = app.sign_in("manager", "kaohe-demo").await;
        let (status, html) = get(&manager, app.url("/board?period=2026-10")).await;
        assert_eq!(status, 200);
        assert!(html.contains("部门看板"));
        assert!(linked_people(&html).len() > listed.len(), "{html}");

        // The year: the mean of the stored months, on the board and in the score table.
        let year = EvalRequest {
            period: Period::parse("2026").unwrap(),
            scheme: None,
            employee: None,
        };
        app.store.evaluate(&system, &year).await.unwrap();
        let (status, html) = get(&leader, app.url("/board?period=2026")).await;
        assert_eq!(status, 200, "{html}");
        assert!(html.contains("2026年度"), "{html}");
        let yearly = linked_people(&html);
        assert!(
            !yearly.is_empty() && yearly.is_subset(&team),
            "{yearly:?} beyond the team {team:?}"
        );
        let member = *yearly.iter().next().unwrap();
        let cards = app
            .store
            .scorecards(&system, "2026", Some(member))
            .await
            .unwrap();
        // By hand: the mean of the member's stored monthly totals.
        let mut months = Vec::new();
        for p in Period::parse("2026").unwrap().months() {
            let stored = app
                .store
                .scorecards(&system, &p.to_string(), Some(member))
                .await
                .unwrap();
            months.extend(stored.iter().filter_map(|c| c.total));
        }
        assert!(!months.is_empty());
        let mean = months.iter().sum::<f64>() / months.len() as f64;
        let total = cards[0]
            .total
            .expect("a year with stored months has a total");
        assert!((total - mean).abs() < 1e-9, "{total} ≠ mean of {months:?}");
        let (status, html) = get(
            &leader,
            app.url(&format!("/scoretable?period=2026&employee={member}")),
        )
        .await;
        assert_eq!(status, 200, "{html}");
        assert!(
            html.contains(&format!("{:.2}", kaohe_domain::composition::round2(total))),
            "{total}: {html}"
        );

        // A malformed period is a 400 that names the parameter.
        for bad in ["2026-13", "abc", "2026-10-01"] {
            let resp = leader
                .get(app.url(&format!("/board?period={bad}")))
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 400, "{bad}");
            let body: serde_json::Value = resp.json().await.unwrap();
            assert_eq!(body["field"], "period", "{body}");
        }
    }
}

/// The number shown for a dashboard KPI (`data-code="…"` … `<b class="v">…</b>`).
fn kpi_value(html: &str, code: &str) -> String {
    let at = html
        .find(&format!("data-code=\"{code}\""))
        .unwrap_or_else(|| panic!("no KPI {code} on the dashboard"));
    let rest = &html[at..];
    let v = rest.find("class=\"v\">").expect("a value") + 10;
    rest[v..].split('<').next().unwrap().to_string()
}

/// Dashboards are kept between requests (crates/web/src/cache.rs) and must never show what
/// has changed since: the rep's own new call, a change to the shared indicator library, the
/// rep's language. A teammate's call leaves the rep's page as it was.
#[tokio::test]
async fn a_kept_dashboard_is_never_shown_after_what_it_shows_changed() {
    for db in kaohe_testkit::every_backend().await {
        let app = spawn_demo(db).await;
        app.clock.set(Some(test_today()));
        let rep = app.sign_in("rep", "kaohe-demo").await;
        let (_, first) = get(&rep, app.url("/")).await;
        let before: f64 = kpi_value(&first, "callback_count").parse().unwrap();
        let (_, again) = get(&rep, app.url("/")).await;
        assert_eq!(again, first, "nothing changed: the same page");

        // The rep enters a call-back through the API: the kept page is not served again.
        let csrf = support::hidden_csrf(&first);
        let rep_v = kaohe::cycle::viewer(&app.store, "rep").await.unwrap();
        let me = app
            .store
            .employee(&Viewer::system("test"), rep_v.employee_id.unwrap())
            .await
            .unwrap();
        let call = serde_json::json!({
            "employee_id": me.code, "started_at": "2026-11-20 10:00:00", "direction": "呼出",
            "duration_s": "60", "outcome": "接通", "is_callback": "是",
            "callback_due_at": "2026-11-21 10:00:00",
        });
        let resp = rep
            .post(app.url("/api/records/calls"))
            .header("X-CSRF-Token", &csrf)
            .json(&call)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());
        let (_, after) = get(&rep, app.url("/")).await;
        let now: f64 = kpi_value(&after, "callback_count").parse().unwrap();
        assert_eq!(now, before + 1.0, "the rep's own call shows at once");

        // A shared change: the indicator's name in the library.
        let system = Viewer::system("test");
        let lib = app.store.library().await.unwrap().library;
        let renamed = lib
            .to_toml()
            .replacen("\"电话回访次数\"", "\"电话回访（改）次数\"", 1);
        assert_ne!(
            renamed,
            lib.to_toml(),
            "the library names the call-back indicator"
        );
        let renamed = kaohe_domain::library::Library::from_toml(&renamed).unwrap();
        app.store.save_library(&system, &renamed).await.unwrap();
        let (_, after) = get(&rep, app.url("/")).await;
        assert!(
            after.contains("电话回访（改）次数"),
            "a library change shows at once"
        );

        // The rep's language: the same account's page in English.
        let resp = rep
            .post(app.url("/account/language"))
            .form(&[("language", "en"), ("csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert!(resp.status().is_success() || resp.status().is_redirection());
        let (_, english) = get(&rep, app.url("/")).await;
        assert!(
            english.contains("lang=\"en\""),
            "the page follows the new language"
        );
    }
}
