//! Evaluation on a real SQLite file and a real PostgreSQL database, checked against values
//! computed by hand.

use chrono::{NaiveDate, TimeZone, Utc};
use kaohe_domain::library::Library;
use kaohe_domain::org::{Employee, EmploymentStatus};
use kaohe_domain::period::Period;
use kaohe_domain::records::{Call, Complaint};
use kaohe_domain::roles::Role;
use kaohe_store::evaluate::EvalRequest;
use kaohe_store::{Sql, Store, Viewer};
use kaohe_testkit::every_backend;
use kaohe_testkit::fixtures::{employee, organisation};

const LIBRARY: &str = r#"
[[indicators]]
code = "callback_timeliness"
name_zh = "回访及时率"
name_en = "Call-back timeliness"
category = "telesales"
definition_zh = "按时回访 / 全部回访"
definition_en = "On-time call-backs / all call-backs"
source = "telesales"
period = "month"
direction = "higher"
unit = "percent"
target = 95
formula = "count(calls where is_callback and started_at <= callback_due_at) / count(calls where is_callback) * 100"
scoring = { rule = "ratio" }

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

[[schemes]]
code = "t"
version = 3
name_zh = "测试方案"
name_en = "Test scheme"
period = "month"
positions = ["tele"]
raters = [
  { group = "superior", weight = 70 },
  { group = "peers", weight = 20 },
  { group = "customers", weight = 10 },
]

[[schemes.groups]]
code = "g"
name_zh = "全部"
name_en = "All"
weight = 100
items = [
  { indicator = "callback_timeliness", weight = 50 },
  { indicator = "valid_complaints", weight = 30 },
  { indicator = "product_knowledge", weight = 20 },
]
"#;

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap()
}

fn person(id: i64, left_on: Option<NaiveDate>) -> Employee {
    let status = if left_on.is_some() {
        EmploymentStatus::Left
    } else {
        EmploymentStatus::Regular
    };
    Employee {
        left_on,
        status,
        ..employee(id, &format!("P{id}"))
    }
}

/// A call-back on 2026-`m`-`d` at 10:00 Beijing time, due at 12:00, made `late_h` hours late.
fn callback(id: i64, employee: i64, m: u32, d: u32, late_h: i64) -> Call {
    let due = Utc.with_ymd_and_hms(2026, m, d, 4, 0, 0).unwrap();
    Call {
        id,
        employee_id: employee,
        customer_id: None,
        day: day(m, d),
        started_at: due + chrono::Duration::hours(late_h) - chrono::Duration::hours(2),
        direction: "outbound".into(),
        duration_s: 60,
        outcome: "connected".into(),
        is_callback: true,
        callback_due_at: Some(due),
        rings: None,
    }
}

fn complaint(id: i64, employee: i64, valid: bool) -> Complaint {
    let at = Utc.with_ymd_and_hms(2026, 10, 9, 2, 0, 0).unwrap();
    Complaint {
        id,
        customer_id: None,
        employee_id: employee,
        day: day(10, 9),
        received_at: at,
        valid,
        due_at: at,
        resolved_at: None,
        satisfaction: None,
        description: String::new(),
    }
}

async fn seed(store: &Store) {
    let lib = Library::from_toml(LIBRARY).expect("the test library is valid");
    store
        .save_library(&Viewer::system("test"), &lib)
        .await
        .unwrap();
    organisation(
        store,
        "t",
        &[
            person(1, None),
            person(2, None),
            person(3, Some(day(9, 15))),
        ],
    )
    .await;
    let mut tx = store.begin().await.unwrap();
    // Person 1: four call-backs in October, one of them late; one in September (other period).
    let calls = [
        callback(1, 1, 10, 8, 0),
        callback(2, 1, 10, 9, 0),
        callback(3, 1, 10, 12, 0),
        callback(4, 1, 10, 13, 3),
        callback(5, 1, 9, 30, 5),
    ];
    tx.insert_rows(&calls).await.unwrap();
    tx.insert_rows(&[
        complaint(1, 1, true),
        complaint(2, 1, true),
        complaint(3, 1, false),
    ])
    .await
    .unwrap();
    for (rater, group, score) in [
        (2, "superior", 80.0),
        (2, "peers", 90.0),
        (3, "peers", 100.0),
    ] {
        let mut sql = Sql::new(
            "INSERT INTO ratings (period, employee_id, rater_id, rater_group, indicator_code, score, submitted_at) VALUES (",
        );
        sql.bind("2026-10")
            .push(", ")
            .bind(1_i64)
            .push(", ")
            .bind(rater as i64)
            .push(", ")
            .bind(group);
        sql.push(", ")
            .bind("product_knowledge")
            .push(", ")
            .bind(score)
            .push(", ")
            .bind(Utc::now())
            .push(")");
        tx.run(&sql).await.unwrap();
    }
    tx.commit().await.unwrap();
}

fn october() -> EvalRequest {
    EvalRequest {
        period: Period::parse("2026-10").unwrap(),
        scheme: None,
        employee: None,
    }
}

#[tokio::test]
async fn a_period_is_evaluated_as_computed_by_hand_on_every_backend() {
    for db in every_backend().await {
        let store = db.open().await;
        seed(&store).await;
        let e = store
            .evaluate(&Viewer::system("test"), &october())
            .await
            .unwrap();
        let b = db.backend;
        // Person 3 left in September: not assessed in October.
        let ids: Vec<_> = e.results.iter().map(|r| r.employee_id).collect();
        assert_eq!(ids, [1, 2], "{b}");

        let p1 = &e.results[0].scorecard;
        let line = |code: &str| p1.lines.iter().find(|l| l.indicator == code).unwrap();
        // 3 of 4 October call-backs on time = 75 %; ratio to the target 95.
        let timeliness = line("callback_timeliness");
        assert_eq!(
            (timeliness.numerator, timeliness.denominator),
            (Some(3.0), Some(4.0)),
            "{b}"
        );
        assert!(
            (timeliness.score.unwrap() - 75.0 / 95.0 * 100.0).abs() < 1e-9,
            "{b}"
        );
        // Two valid complaints: 100 − 2 × 10.
        assert_eq!(line("valid_complaints").score, Some(80.0), "{b}");
        // Superior 80 (70 %), peers mean 95 (20 %), no customers: their 10 % spread over the others.
        let rated = 80.0 * 70.0 / 90.0 + 95.0 * 20.0 / 90.0;
        assert!(
            (line("product_knowledge").score.unwrap() - rated).abs() < 1e-9,
            "{b}"
        );
        let total = 0.5 * (75.0 / 95.0 * 100.0) + 0.3 * 80.0 + 0.2 * rated;
        assert!(
            (p1.total.unwrap() - total).abs() < 1e-9,
            "{b}: {:?}",
            p1.total
        );
        assert_eq!(p1.total_rounded, Some(80.14));
        assert_eq!(p1.grade.as_ref().unwrap().code, "good");
        assert_eq!(p1.bonus_coefficient, Some(1.2));

        // Person 2: no call-backs (N/A), no ratings (N/A): all weight goes to complaints, 0 → 100.
        let p2 = &e.results[1].scorecard;
        let applicable: Vec<_> = p2
            .lines
            .iter()
            .filter(|l| l.applicable)
            .map(|l| l.indicator.as_str())
            .collect();
        assert_eq!(applicable, ["valid_complaints"], "{b}");
        assert_eq!(p2.total_rounded, Some(100.0));
        let complaints = p2
            .lines
            .iter()
            .find(|l| l.indicator == "valid_complaints")
            .unwrap();
        assert!((complaints.effective_weight - 100.0).abs() < 1e-9);

        // Stored and read back, with the scheme's own version.
        let stored = store
            .scorecards(&Viewer::system("t"), "2026-10", None)
            .await
            .unwrap();
        assert_eq!(stored.len(), 2);
        assert_eq!(
            (stored[0].scheme_code.as_str(), stored[0].scheme_version),
            ("t", 3)
        );
        assert_eq!(stored[0].lines.len(), 3);
        assert!((stored[0].total.unwrap() - total).abs() < 1e-9);
    }
}

#[tokio::test]
async fn re_evaluating_an_open_period_replaces_and_a_locked_period_is_refused() {
    for db in every_backend().await {
        let store = db.open().await;
        seed(&store).await;
        let who = Viewer::system("test");
        store.evaluate(&who, &october()).await.unwrap();
        store.evaluate(&who, &october()).await.unwrap();
        assert_eq!(
            store.count_rows("scorecards").await.unwrap(),
            2,
            "{}",
            db.backend
        );
        let mut lock =
            Sql::new("INSERT INTO periods (code, kind, starts_on, ends_on, status) VALUES (");
        lock.bind("2026-10")
            .push(", 'month', ")
            .bind(day(10, 1))
            .push(", ")
            .bind(day(10, 31))
            .push(", 'locked')");
        store.execute(&lock).await.unwrap();
        let err = store
            .evaluate(&who, &october())
            .await
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("2026-10 is locked") && err.contains("upheld appeal"),
            "{err}"
        );
    }
}

#[tokio::test]
async fn a_rep_evaluates_and_reads_only_their_own_scorecard() {
    let db = kaohe_testkit::sqlite();
    let store = db.open().await;
    seed(&store).await;
    let rep = Viewer {
        user_id: None,
        username: "p2".into(),
        role: Role::Rep,
        employee_id: Some(2),
        team_id: None,
        department_ids: vec![1],
    };
    let e = store.evaluate(&rep, &october()).await.unwrap();
    assert_eq!(
        e.results.iter().map(|r| r.employee_id).collect::<Vec<_>>(),
        [2]
    );
    store
        .evaluate(&Viewer::system("hr"), &october())
        .await
        .unwrap();
    let mine = store.scorecards(&rep, "2026-10", None).await.unwrap();
    assert_eq!(mine.len(), 1);
    assert!(
        store
            .scorecards(&rep, "2026-10", Some(1))
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn an_unknown_scheme_is_named_with_the_known_ones() {
    let db = kaohe_testkit::sqlite();
    let store = db.open().await;
    seed(&store).await;
    let req = EvalRequest {
        scheme: Some("nope".into()),
        ..october()
    };
    let err = store
        .evaluate(&Viewer::system("t"), &req)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("unknown scheme `nope`") && err.contains("known: t"),
        "{err}"
    );
}

#[tokio::test]
async fn explain_traces_an_indicator_to_its_records_and_the_next_grade() {
    for db in every_backend().await {
        let store = db.open().await;
        seed(&store).await;
        let oct = Period::parse("2026-10").unwrap();
        let x = store
            .explain(&Viewer::system("t"), oct, 1, "callback_timeliness", 2)
            .await
            .unwrap();
        let b = db.backend;
        assert_eq!((x.numerator, x.denominator), (Some(3.0), Some(4.0)), "{b}");
        assert_eq!(x.records.len(), 2);
        assert_eq!(
            (x.records[0].count, x.records[1].count),
            (3, 4),
            "{b}: on-time and all call-backs"
        );
        assert_eq!(x.records[1].sample.len(), 2, "{b}: the first 2 listed");
        assert_eq!(x.total, Some(80.14));
        // By hand: (3+k)/(4+k) on time must score ≥ 98.67 for the total to reach 90: k = 12.
        let w = x.what_if.expect("a next grade exists");
        assert_eq!(
            (w.next_grade.as_str(), w.change, w.total_after),
            ("excellent", Some(12), Some(90.01)),
            "{b}"
        );

        let err = store
            .explain(&Viewer::system("t"), oct, 1, "sales_amount", 5)
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("not on the t scorecard"), "{err}");
        let rep = Viewer {
            user_id: None,
            username: "p2".into(),
            role: Role::Rep,
            employee_id: Some(2),
            team_id: None,
            department_ids: vec![1],
        };
        let hidden = store
            .explain(&rep, oct, 1, "callback_timeliness", 5)
            .await
            .unwrap_err();
        assert!(
            matches!(hidden, kaohe_store::StoreError::NotFound { .. }),
            "{b}: a rep cannot explain a colleague"
        );
    }
}

const COMPLAINT_CHANGE: &str = r#"
[[indicators]]
code = "complaint_change"
name_zh = "有效投诉变化"
name_en = "Change in valid complaints"
category = "service"
definition_zh = "本期有效投诉减上期"
definition_en = "Valid complaints this period less last period's"
source = "customer_service"
period = "month"
direction = "lower"
unit = "count"
target = 0
formula = "count(complaints where valid) - prev(valid_complaints)"
scoring = { rule = "deduction", per_occurrence = 10 }
"#;

/// `prev(indicator)` takes last period's value from the stored scorecard when it holds one
/// (an upheld appeal may have corrected it), else from the formula over last period's records.
#[tokio::test]
async fn prev_of_an_indicator_reads_the_stored_value_of_last_period_first_on_every_backend() {
    for db in every_backend().await {
        let store = db.open().await;
        seed(&store).await;
        let text = LIBRARY.replace(
            r#"  { indicator = "product_knowledge", weight = 20 },"#,
            "  { indicator = \"product_knowledge\", weight = 10 },\n  { indicator = \"complaint_change\", weight = 10 },",
        ) + COMPLAINT_CHANGE;
        let lib = Library::from_toml(&text).expect("the test library is valid");
        let system = Viewer::system("test");
        store.save_library(&system, &lib).await.unwrap();
        let change = |e: &kaohe_store::evaluate::Evaluation, emp: i64| {
            e.results
                .iter()
                .find(|r| r.employee_id == emp)
                .and_then(|r| {
                    r.scorecard
                        .lines
                        .iter()
                        .find(|l| l.indicator == "complaint_change")
                })
                .and_then(|l| l.value)
        };
        // September stored for person 1 only: no valid complaints then.
        let september = EvalRequest {
            period: Period::parse("2026-09").unwrap(),
            scheme: None,
            employee: Some(1),
        };
        store.evaluate(&system, &september).await.unwrap();
        let e = store.evaluate(&system, &october()).await.unwrap();
        let b = db.backend;
        assert_eq!(
            change(&e, 1),
            Some(2.0),
            "{b}: 2 valid complaints, none stored before"
        );
        assert_eq!(
            change(&e, 2),
            Some(0.0),
            "{b}: nothing stored, nothing in the records"
        );

        // Last period's stored value, as an upheld appeal would have corrected it, wins over
        // the records.
        let card = store
            .scorecards(&system, "2026-09", Some(1))
            .await
            .unwrap()
            .remove(0);
        let mut lines = card.lines.clone();
        for l in lines
            .iter_mut()
            .filter(|l| l.indicator_code == "valid_complaints")
        {
            l.value = Some(5.0);
        }
        let mut sql = Sql::new("UPDATE scorecards SET lines = ");
        sql.bind(kaohe_store::evaluate::lines::pack_stored(&lines))
            .push(" WHERE id = ")
            .bind(card.id);
        store.execute(&sql).await.unwrap();
        let e = store.evaluate(&system, &october()).await.unwrap();
        assert_eq!(change(&e, 1), Some(-3.0), "{b}: 2 now less the stored 5");
        assert_eq!(change(&e, 2), Some(0.0), "{b}");
    }
}
