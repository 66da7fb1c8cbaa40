//! The shipped schemes of the roles seed 004 assesses beyond the sellers (SPEC §5a): a property
//! consultant on signed contracts with no orders at all, a customer service agent on callbacks
//! and ratings, a regional manager on daily work and attendance. Their records go through the
//! real import (contracts signed through their steps); the cards are worked out by hand in the
//! comments and compared with kaohe's on a real SQLite file and a real PostgreSQL database.

use chrono::Utc;
use kaohe_domain::composition::Scorecard;
use kaohe_domain::import::spec;
use kaohe_domain::org::{Employee, Position};
use kaohe_domain::period::Period;
use kaohe_store::evaluate::EvalRequest;
use kaohe_store::{Sql, Store, Viewer};
use kaohe_testkit::every_backend;
use kaohe_testkit::fixtures::{department, employee, import_csv};

/// E001 consultant, E002 service agent, E003 regional manager, E009 their superior.
async fn company(store: &Store) {
    store
        .save_library(&Viewer::system("test"), &kaohe_domain::defaults::library())
        .await
        .unwrap();
    let position = |id: i64, code: &str, scheme: Option<&str>| Position {
        id,
        code: code.into(),
        name: code.into(),
        name_en: code.into(),
        scheme_code: scheme.map(str::to_string),
    };
    let positions = [
        position(1, "property_consultant", Some("property_consultant")),
        position(2, "customer_service", Some("customer_service")),
        position(3, "regional_manager", Some("regional_manager")),
        position(4, "gm", None),
    ];
    let person = |id: i64, name: &str, position_id: i64| Employee {
        position_id,
        supervisor_id: (id != 9).then_some(9),
        ..employee(id, name)
    };
    let people = [
        person(9, "总经理", 4),
        person(1, "顾问甲", 1),
        person(2, "客服乙", 2),
        person(3, "区域丙", 3),
    ];
    let mut tx = store.begin().await.unwrap();
    tx.insert_rows(&[department()]).await.unwrap();
    tx.insert_rows(&positions).await.unwrap();
    tx.insert_rows(&people).await.unwrap();
    tx.sync_id_sequences(&["departments", "positions", "employees"])
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

async fn run(store: &Store, sql: Sql) {
    let mut tx = store.begin().await.unwrap();
    tx.run(&sql).await.unwrap();
    tx.commit().await.unwrap();
}

/// A superior's rating of `indicator` for October.
async fn rate(store: &Store, employee: i64, indicator: &str, score: f64) {
    let mut sql = Sql::new(
        "INSERT INTO ratings (period, employee_id, rater_id, rater_group, indicator_code, score, submitted_at) VALUES ('2026-10', ",
    );
    sql.bind(employee)
        .push(", 9, 'superior', ")
        .bind(indicator)
        .push(", ")
        .bind(score)
        .push(", ")
        .bind(Utc::now())
        .push(")");
    run(store, sql).await;
}

const CUSTOMERS: &str = "\
客户档案编号,客户名称,联系人,电话,地址,行业,需求,客户分类,负责人工号,建档时间
KH-1,甲公司,张三,13800000001,北京路1号,地产,改善住房,general,E001,2026-08-05 10:00
KH-2,乙公司,李四,13800000002,上海路2号,地产,投资,general,E001,2026-08-06 10:00
";

/// HT-1 (700,000) signed Oct 10 and HT-2 (500,000) signed Oct 20 then archived count; HT-3
/// (900,000) is still a draft and HT-4 (300,000) was signed in September.
const CONTRACTS: &str = "\
合同编号,客户档案编号,工号,签约金额(元),草拟时间,签约截止时间
HT-1,KH-1,E001,700000,2026-10-02 09:00,2026-10-31 18:00
HT-2,KH-2,E001,500000,2026-10-12 09:00,2026-10-31 18:00
HT-3,KH-1,E001,900000,2026-10-20 09:00,2026-11-30 18:00
HT-4,KH-2,E001,300000,2026-09-20 09:00,2026-09-30 18:00
";

const CONTRACT_STEPS: &str = "\
合同编号,环节,结果,时间
HT-1,review,passed,2026-10-09 10:00
HT-1,signed,done,2026-10-10 15:00
HT-2,review,passed,2026-10-19 10:00
HT-2,signed,done,2026-10-20 15:00
HT-2,archived,done,2026-10-25 10:00
HT-4,review,passed,2026-09-27 10:00
HT-4,signed,done,2026-09-28 10:00
";

fn visits() -> String {
    // 9 customer groups invited to visit in October, 2 visits not invited, 1 invited in
    // September.
    let mut csv = String::from("工号,拜访时间,拜访类型,邀约到访\n");
    for d in 1..=11 {
        let invited = if d <= 9 { "是" } else { "否" };
        csv.push_str(&format!(
            "E001,2026-10-{:02} 10:00,follow_up,{invited}\n",
            d + 5
        ));
    }
    csv.push_str("E001,2026-09-20 10:00,follow_up,是\n");
    csv
}

fn calls() -> String {
    // 48 callbacks, outbound: the first 45 before their deadline, the last 3 after; 30
    // answered, 18 not. Two more outbound calls, not callbacks, both answered.
    let mut csv = String::from("工号,开始时间,方向,通话时长(秒),结果,是否回访,回访截止时间\n");
    for i in 0..48 {
        let day = 5 + i / 4;
        let due_hour = if i < 45 { 18 } else { 9 };
        let outcome = if i < 30 { "connected" } else { "no_answer" };
        csv.push_str(&format!(
            "E002,2026-10-{day:02} 10:{:02},outbound,60,{outcome},是,2026-10-{day:02} {due_hour:02}:00\n",
            i % 60
        ));
    }
    for d in [20, 21] {
        csv.push_str(&format!(
            "E002,2026-10-{d} 11:00,outbound,90,connected,否,\n"
        ));
    }
    csv
}

/// The monthly report, due Oct 31 and handed in on Oct 30; two days absent, the rest present.
const REPORTS: &str = "\
工号,报告类型,截止时间,提交时间
E003,monthly,2026-10-31 18:00,2026-10-30 17:00
";

fn attendance() -> String {
    let mut csv = String::from("工号,日期,考勤状态\n");
    for d in 8..=31 {
        let status = if d == 13 || d == 14 {
            "absent"
        } else {
            "present"
        };
        csv.push_str(&format!("E003,2026-10-{d:02},{status}\n"));
    }
    csv
}

fn card(cards: &[kaohe_store::evaluate::PersonResult], id: i64) -> &Scorecard {
    &cards
        .iter()
        .find(|r| r.employee_id == id)
        .unwrap()
        .scorecard
}

fn score(c: &Scorecard, code: &str) -> Option<f64> {
    c.lines.iter().find(|l| l.indicator == code).unwrap().score
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-9)
}

#[tokio::test]
async fn consultants_service_agents_and_regional_managers_score_on_their_own_work() {
    for db in every_backend().await {
        let store = db.open().await;
        let b = db.backend;
        company(&store).await;
        import_csv(&store, &spec::CUSTOMERS, CUSTOMERS).await;
        import_csv(&store, &spec::CONTRACTS, CONTRACTS).await;
        import_csv(&store, &spec::CONTRACT_STEPS, CONTRACT_STEPS).await;
        import_csv(&store, &spec::VISITS, &visits()).await;
        import_csv(&store, &spec::CALLS, &calls()).await;
        import_csv(&store, &spec::REPORTS, REPORTS).await;
        import_csv(&store, &spec::ATTENDANCE, &attendance()).await;
        // The consultant's signing target, 1,500,000 yuan; the superior's behaviour factor 0.9.
        let mut target = Sql::new(
            "INSERT INTO targets (period, employee_id, indicator_code, value, status, updated_at) VALUES ('2026-10', 1, 'signed_amount', 150000000, 'approved', ",
        );
        target.bind(Utc::now()).push(")");
        run(&store, target).await;
        let mut factor = Sql::new(
            "INSERT INTO behaviour_assessments (period, employee_id, factor, serious_violation, note, assessor_id, assessed_at) VALUES ('2026-10', 1, 0.9, FALSE, '', 9, ",
        );
        factor.bind(Utc::now()).push(")");
        run(&store, factor).await;
        rate(&store, 2, "service_attitude", 85.0).await;
        rate(&store, 2, "learning", 90.0).await;
        for (code, value) in [
            ("monthly_report_quality", 80.0),
            ("weekly_report_review", 90.0),
            ("region_training", 100.0),
            ("region_management", 70.0),
        ] {
            rate(&store, 3, code, value).await;
        }
        let no_orders: i64 = store
            .fetch_i64(&Sql::new("SELECT CAST(COUNT(*) AS BIGINT) FROM orders"))
            .await
            .unwrap();
        assert_eq!(no_orders, 0, "the consultant has contracts, no orders");

        let req = EvalRequest {
            period: Period::parse("2026-10").unwrap(),
            scheme: None,
            employee: None,
        };
        let e = store.evaluate(&Viewer::system("test"), &req).await.unwrap();
        let cards = &e.results;

        // Consultant: signed 700,000 + 500,000 of a 1,500,000 target = 80 % → 80 points;
        // 9 invited visits of 12 → 75. (80 × 80 + 20 × 75) / 100 = 79, × 0.9 = 71.1.
        let c = card(cards, 1);
        assert_eq!(c.scheme, "property_consultant", "{b}");
        assert!(
            close(score(c, "signed_sales_completion"), 80.0),
            "{b}: {c:?}"
        );
        assert!(close(score(c, "invited_visits"), 75.0), "{b}: {c:?}");
        assert!(close(c.total, 79.0 * 0.9), "{b}: {:?}", c.total);

        // Service agent: 48 callbacks of 60 → 80; 45 of 48 in time = 93.75 % of a 95 %
        // target → 98.68…; 32 of 50 outbound answered = 64 % of 60 % → 106.67; ratings 85
        // and 90. Weights 20, 20, 20, 30, 10.
        let c = card(cards, 2);
        assert_eq!(c.scheme, "customer_service", "{b}");
        let timeliness = 45.0 / 48.0 * 100.0 / 95.0 * 100.0;
        let connect = 32.0 / 50.0 * 100.0 / 60.0 * 100.0;
        assert!(close(score(c, "callback_count"), 80.0), "{b}: {c:?}");
        assert!(
            close(score(c, "callback_timeliness"), timeliness),
            "{b}: {c:?}"
        );
        assert!(close(score(c, "connect_rate"), connect), "{b}: {c:?}");
        let total =
            (20.0 * 80.0 + 20.0 * timeliness + 20.0 * connect + 30.0 * 85.0 + 10.0 * 90.0) / 100.0;
        assert!(close(c.total, total), "{b}: {:?} ≠ {total}", c.total);

        // Regional manager: daily work (60 × 80 + 10 × 90 + 10 × 100 + 10 × 100 (report on
        // time) + 10 × 70) / 100 = 84; attendance 100 − 2 days × 4 = 92; 70 % × 84 + 30 % ×
        // 92 = 86.4.
        let c = card(cards, 3);
        assert_eq!(c.scheme, "regional_manager", "{b}");
        assert!(
            close(score(c, "monthly_report_on_time"), 100.0),
            "{b}: {c:?}"
        );
        assert!(
            close(c.total, 0.7 * 84.0 + 0.3 * 92.0),
            "{b}: {:?}",
            c.total
        );
    }
}
