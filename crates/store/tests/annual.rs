//! Quarters and years from the stored months (SPEC §5a), and the whole-period rater mix of the
//! telesales rule, on a real SQLite file and a real PostgreSQL database, checked against
//! values computed by hand from the records.

use chrono::{NaiveDate, TimeZone, Utc};
use kaohe_domain::composition::CompositionDetail;
use kaohe_domain::library::Library;
use kaohe_domain::org::{Employee, Position};
use kaohe_domain::period::Period;
use kaohe_domain::records::Complaint;
use kaohe_store::evaluate::{EvalRequest, Evaluation};
use kaohe_store::{Sql, Store, Viewer};
use kaohe_testkit::every_backend;
use kaohe_testkit::fixtures::{employee, organisation};

const LIBRARY: &str = r#"
[[indicators]]
code = "valid_complaints"
name_zh = "有效投诉"
name_en = "Valid complaints"
category = "service"
definition_zh = "每次扣 10 分"
definition_en = "10 points off each"
source = "customer_service"
period = "month"
direction = "lower"
unit = "count"
target = 0
formula = "count(complaints where valid)"
scoring = { rule = "deduction", per_occurrence = 10 }

[[indicators]]
code = "product_knowledge"
name_zh = "产品知识"
name_en = "Product knowledge"
category = "ability"
definition_zh = "评分"
definition_en = "Rated"
source = "hr"
period = "month"
direction = "higher"
unit = "points"
anchors = [{ min = 0, zh = "任意", en = "any" }]

[[indicators]]
code = "attitude"
name_zh = "工作态度"
name_en = "Attitude"
category = "attitude"
definition_zh = "主动性 50 + 纪律性 50"
definition_en = "Initiative 50 + discipline 50"
source = "hr"
period = "year"
direction = "higher"
unit = "points"
anchors = [{ min = 0, zh = "任意", en = "any" }]

[[schemes]]
code = "m"
version = 1
name_zh = "月度方案"
name_en = "Monthly scheme"
period = "month"
positions = ["rep"]

[[schemes.groups]]
code = "g"
name_zh = "全部"
name_en = "All"
weight = 100
items = [{ indicator = "valid_complaints", weight = 100 }]

[[schemes]]
code = "tele"
version = 1
name_zh = "电话销售"
name_en = "Telesales"
period = "month"
positions = ["telesales"]
raters = [
  { group = "superior", weight = 70 },
  { group = "peers", weight = 20 },
  { group = "customers", weight = 10 },
]
rater_mix = "whole_period"
annual = { rule = "parts", performance = 70, attitude = 20, ability = 10, attitude_indicators = ["attitude"], ability_indicators = ["product_knowledge"] }

[[schemes.groups]]
code = "g"
name_zh = "全部"
name_en = "All"
weight = 100
items = [
  { indicator = "valid_complaints", weight = 50 },
  { indicator = "product_knowledge", weight = 50 },
]
"#;

fn complaint(id: i64, employee: i64, month: u32) -> Complaint {
    let at = Utc.with_ymd_and_hms(2026, month, 9, 2, 0, 0).unwrap();
    Complaint {
        id,
        customer_id: None,
        employee_id: employee,
        day: NaiveDate::from_ymd_opt(2026, month, 9).unwrap(),
        received_at: at,
        valid: true,
        due_at: at,
        resolved_at: None,
        satisfaction: None,
        description: String::new(),
    }
}

/// Valid complaints of person 1 in month `m` (m mod 3: 90, 80, 100 points in turn) and of
/// person 2, hired in August (3 in August: 70 points; none after).
fn complaints_in(person: i64, m: u32) -> u32 {
    match person {
        1 => m % 3,
        2 if m == 8 => 3,
        _ => 0,
    }
}

async fn rate(store: &Store, period: &str, rater: i64, group: &str, indicator: &str, score: f64) {
    let mut sql = Sql::new(
        "INSERT INTO ratings (period, employee_id, rater_id, rater_group, indicator_code, score, submitted_at) VALUES (",
    );
    sql.bind(period)
        .push(", ")
        .bind(3_i64)
        .push(", ")
        .bind(rater);
    sql.push(", ").bind(group).push(", ").bind(indicator);
    sql.push(", ")
        .bind(score)
        .push(", ")
        .bind(Utc::now())
        .push(")");
    let mut tx = store.begin().await.unwrap();
    tx.run(&sql).await.unwrap();
    tx.commit().await.unwrap();
}

/// Person 1 and 2 on the monthly scheme, person 3 on telesales; the complaints; person 3's
/// October ratings (superior 80, peers 60 on product knowledge) and the year's attitude (90).
async fn seed(store: &Store) {
    let lib = Library::from_toml(LIBRARY).expect("the test library is valid");
    store
        .save_library(&Viewer::system("test"), &lib)
        .await
        .unwrap();
    let august = NaiveDate::from_ymd_opt(2026, 8, 1).unwrap();
    let people = [
        employee(1, "甲"),
        Employee {
            hired_on: august,
            ..employee(2, "乙")
        },
        Employee {
            position_id: 2,
            ..employee(3, "丙")
        },
    ];
    let mut tx = store.begin().await.unwrap();
    tx.insert_rows(&[Position {
        id: 2,
        code: "telesales".into(),
        name: "电话销售专员".into(),
        name_en: "Telesales".into(),
        scheme_code: Some("tele".into()),
    }])
    .await
    .unwrap();
    tx.commit().await.unwrap();
    organisation(store, "m", &people).await;
    let mut rows = Vec::new();
    for person in [1, 2] {
        for m in 1..=12 {
            for _ in 0..complaints_in(person, m) {
                rows.push(complaint(rows.len() as i64 + 1, person, m));
            }
        }
    }
    let mut tx = store.begin().await.unwrap();
    tx.insert_rows(&rows).await.unwrap();
    tx.commit().await.unwrap();
    rate(store, "2026-10", 1, "superior", "product_knowledge", 80.0).await;
    rate(store, "2026-10", 2, "peers", "product_knowledge", 60.0).await;
    rate(store, "2026", 1, "superior", "attitude", 90.0).await;
}

async fn evaluate(store: &Store, period: &str) -> Evaluation {
    let req = EvalRequest {
        period: Period::parse(period).unwrap(),
        scheme: None,
        employee: None,
    };
    store.evaluate(&Viewer::system("test"), &req).await.unwrap()
}

fn total(e: &Evaluation, employee: i64) -> Option<f64> {
    let r = e.results.iter().find(|r| r.employee_id == employee);
    r.and_then(|r| r.scorecard.total)
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-9)
}

#[tokio::test]
async fn a_year_is_its_schemes_annual_rule_over_the_stored_months_on_every_backend() {
    for db in every_backend().await {
        let store = db.open().await;
        seed(&store).await;
        let b = db.backend;
        let mut stored_1 = Vec::new();
        let mut stored_2 = Vec::new();
        let mut stored_3 = Vec::new();
        for m in 1..=12 {
            let e = evaluate(&store, &format!("2026-{m:02}")).await;
            // Each month as the records give it: 100 − 10 per valid complaint.
            let expected = 100.0 - 10.0 * f64::from(complaints_in(1, m));
            assert!(close(total(&e, 1), expected), "{b} month {m}");
            stored_1.push(total(&e, 1).unwrap());
            stored_2.extend(total(&e, 2));
            stored_3.push(total(&e, 3).unwrap());
        }
        // Person 2 was hired in August: five stored months.
        assert_eq!(stored_2.len(), 5, "{b}");

        // The whole-period mix in October: the card (superior part) is complaints 100 and
        // product knowledge as the superior rated it (80), so 90; peers 60; no customers:
        // 70 : 20 over 90.
        let october_3 = (90.0 * 70.0 + 60.0 * 20.0) / 90.0;
        assert!(close(Some(stored_3[9]), october_3), "{b}: {stored_3:?}");
        assert!(close(Some(stored_3[0]), 100.0), "{b}: {stored_3:?}");

        let year = evaluate(&store, "2026").await;
        // Person 1: the mean of twelve months (90, 80, 100 in turn) = 90 — not the card re-run
        // over the year's 12 complaints (0 points).
        assert!(close(total(&year, 1), 90.0), "{b}: {:?}", total(&year, 1));
        let mean1 = stored_1.iter().sum::<f64>() / 12.0;
        assert!(close(total(&year, 1), mean1), "{b}");
        // Person 2: the mean of the five months recorded (70, 100 × 4) = 94, and it says so.
        assert!(close(total(&year, 2), 94.0), "{b}: {:?}", total(&year, 2));
        let card2 = &year.results.iter().find(|r| r.employee_id == 2).unwrap();
        match card2.scorecard.composition {
            CompositionDetail::OverPeriods {
                periods, expected, ..
            } => assert_eq!((periods, expected), (5, 12), "{b}"),
            other => panic!("{b}: {other:?}"),
        }
        // Person 3: performance 70 % (the monthly mean), attitude 20 % (the year's rating,
        // 90), ability 10 % (product knowledge: no year rating, so the mean of its monthly
        // scores — October's 80, the superior's).
        let performance = stored_3.iter().sum::<f64>() / 12.0;
        let expected = performance * 0.7 + 90.0 * 0.2 + 80.0 * 0.1;
        assert!(
            close(total(&year, 3), expected),
            "{b}: {:?} ≠ {expected}",
            total(&year, 3)
        );

        // Stored as the year's result, with grade and coefficient.
        let cards = store
            .scorecards(&Viewer::system("t"), "2026", None)
            .await
            .unwrap();
        assert_eq!(cards.len(), 3, "{b}");
        assert_eq!(cards[1].grade.as_deref(), Some("excellent"), "{b}");

        // A quarter is the mean of its months: Q4 of person 1 is (90 + 80 + 100) / 3.
        let q4 = evaluate(&store, "2026-Q4").await;
        assert!(close(total(&q4, 1), 90.0), "{b}: {:?}", total(&q4, 1));
        // Person 2's Q3 holds August (70) and September (100).
        let q3 = evaluate(&store, "2026-Q3").await;
        assert!(close(total(&q3, 2), 85.0), "{b}: {:?}", total(&q3, 2));
    }
}

#[tokio::test]
async fn a_year_with_no_stored_month_has_no_total_and_says_why() {
    for db in every_backend().await {
        let store = db.open().await;
        seed(&store).await;
        let year = evaluate(&store, "2026").await;
        let card = &year.results[0].scorecard;
        assert_eq!(card.total, None, "{}", db.backend);
        assert!(
            card.notes.iter().any(|n| n.en().contains("no monthly")),
            "{}: {:?}",
            db.backend,
            card.notes
        );
    }
}
