//! Training, meetings and customer credit on SQLite and PostgreSQL: the training plan →
//! session → assessment → rating pre-fill path, the missed-meeting flag and overdue decisions
//! in the inbox, the credit-limit approval (refused without, accepted with, audited), the
//! ageing buckets at their boundaries, and bad input named by row and field.

use chrono::{FixedOffset, NaiveDate, TimeDelta, TimeZone, Utc};
use kaohe_domain::Cents;
use kaohe_domain::credit::AgeBucket;
use kaohe_domain::cycle::{Action, PlanItemInput, Stage, Target};
use kaohe_domain::import::ErrorReport;
use kaohe_domain::import::files::CsvRows;
use kaohe_domain::import::spec::{self, KindSpec};
use kaohe_domain::library::Library;
use kaohe_domain::org::{Department, Employee, Position, Team};
use kaohe_domain::period::Period;
use kaohe_domain::probation::{Outcome, Verdict};
use kaohe_domain::records::{
    Complaint, Contract, CreditAssessment, Customer, Meeting, MeetingDecision, Order, Payment,
    Receivable, TrainingCourse, TrainingResult, TrainingSession,
};
use kaohe_domain::roles::Role;
use kaohe_domain::rules::contract::ContractAction;
use kaohe_domain::scheme::RaterGroup;
use kaohe_store::credit::{AgeingBy, ApprovalInput, ApprovalKind};
use kaohe_store::evaluate::lines::pack_stored;
use kaohe_store::evaluate::{EvalRequest, StoredLine};
use kaohe_store::records::{ImportFailure, ImportOptions, ImportOutcome};
use kaohe_store::users::NewUser;
use kaohe_store::{Sql, Store, StoreError, Viewer};
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

[[schemes]]
code = "t"
version = 1
name_zh = "测试方案"
name_en = "Test scheme"
period = "month"
positions = ["tele"]
raters = [
  { group = "superior", weight = 70 },
  { group = "peers", weight = 30 },
]

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

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap()
}

fn oct() -> Period {
    Period::parse("2026-10").unwrap()
}

fn staff(id: i64, supervisor: Option<i64>, position: i64, team: Option<i64>) -> Employee {
    Employee {
        supervisor_id: supervisor,
        position_id: position,
        team_id: team,
        email: format!("p{id}@example.com"),
        ..employee(id, &format!("P{id}"))
    }
}

/// People: 1 the subject (a rep in team 1, assessed by scheme `t`), 2 their manager and the
/// team's leader's supervisor, 3 HR, 4 the committee, 5 a peer and team 1's leader.
struct T {
    store: Store,
    subject: Viewer,
    boss: Viewer,
    hr: Viewer,
    committee: Viewer,
    peer: Viewer,
}

async fn setup(store: Store) -> T {
    let lib = Library::from_toml(LIBRARY).expect("the test library is valid");
    store
        .save_library(&Viewer::system("test"), &lib)
        .await
        .unwrap();
    organisation(&store, "t", &[]).await;
    let mut tx = store.begin().await.unwrap();
    tx.insert_rows(&[Position {
        id: 2,
        code: "staff".into(),
        name: "职员".into(),
        name_en: "Staff".into(),
        scheme_code: None,
    }])
    .await
    .unwrap();
    tx.insert_rows(&[
        staff(4, None, 2, None),
        staff(2, Some(4), 2, None),
        staff(3, Some(4), 2, None),
    ])
    .await
    .unwrap();
    tx.insert_rows(&[Team {
        id: 1,
        department_id: 1,
        code: "T1".into(),
        name: "一组".into(),
        leader_id: Some(2),
    }])
    .await
    .unwrap();
    tx.insert_rows(&[staff(1, Some(2), 1, Some(1)), staff(5, Some(2), 2, Some(1))])
        .await
        .unwrap();
    tx.sync_id_sequences(&["positions", "employees", "teams"])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut viewers = Vec::new();
    for (name, role, emp) in [
        ("subject", Role::Rep, 1),
        ("boss", Role::Manager, 2),
        ("hr", Role::Hr, 3),
        ("committee", Role::Committee, 4),
        ("peer", Role::Rep, 5),
    ] {
        let new = NewUser {
            username: name,
            password: "password-1",
            role,
            employee_id: Some(emp),
            display_name: name,
        };
        let id = store.create_user(&new).await.unwrap();
        let user = store.user_by_id(id).await.unwrap().unwrap();
        viewers.push(store.viewer_for(&user).await.unwrap());
    }
    let mut v = viewers.into_iter();
    let mut next = || v.next().unwrap();
    T {
        store: store.clone(),
        subject: next(),
        boss: next(),
        hr: next(),
        committee: next(),
        peer: next(),
    }
}

impl T {
    async fn act(&self, who: &Viewer, action: Action, on: NaiveDate) -> Result<Stage, StoreError> {
        self.store
            .act(who, oct(), 1, action, on)
            .await
            .map(|t| t.to)
    }

    async fn count(&self, sql: &str) -> i64 {
        self.store.fetch_i64(&Sql::new(sql)).await.unwrap()
    }

    /// Open → targets agreed → a peer assigned → self-review (Nov 2) → rating.
    async fn to_rating(&self) {
        self.store.open_cycles(&self.hr, oct()).await.unwrap();
        let propose = Action::ProposeTargets {
            targets: vec![Target {
                indicator: "valid_complaints".into(),
                value: Some(0.0),
            }],
            basis: "plan".into(),
        };
        self.act(&self.boss, propose, day(10, 1)).await.unwrap();
        self.act(&self.subject, Action::ConfirmTargets, day(10, 1))
            .await
            .unwrap();
        self.act(&self.hr, Action::ApproveTargetsHr, day(10, 1))
            .await
            .unwrap();
        self.act(&self.committee, Action::ApproveTargetsCommittee, day(10, 1))
            .await
            .unwrap();
        let assign = Action::AssignRater {
            rater_id: 5,
            group: RaterGroup::Peers,
        };
        self.act(&self.hr, assign, day(10, 2)).await.unwrap();
        let review = Action::SubmitSelfReview {
            work_report: "report".into(),
            self_evaluation: "fine".into(),
        };
        assert_eq!(
            self.act(&self.subject, review, day(11, 2)).await.unwrap(),
            Stage::Rating
        );
    }

    fn rating(group: RaterGroup, value: f64, comment: &str) -> Action {
        Action::SubmitRating {
            group,
            indicator: "product_knowledge".into(),
            value,
            comment: comment.into(),
        }
    }
}

fn course(title: &str, indicator: &str, planned_on: NaiveDate) -> TrainingCourse {
    TrainingCourse {
        id: 0,
        year: 2026,
        title: title.into(),
        content: "新品功能与卖点".into(),
        method: "internal".into(),
        trainer: "销售总监".into(),
        audience: "all_sales".into(),
        planned_on,
        pass_mark: 60.0,
        indicator_code: indicator.into(),
        assessment: "exam".into(),
    }
}

#[tokio::test]
async fn a_training_exam_score_prefills_product_knowledge_and_another_rating_needs_a_reason() {
    for db in every_backend().await {
        let t = setup(db.open().await).await;
        // The plan: the product course (concerning product knowledge) and a second one that
        // is planned but never held.
        let product = t
            .store
            .create(
                &t.hr,
                &course("新产品知识培训", "product_knowledge", day(9, 10)),
            )
            .await
            .unwrap();
        t.store
            .create(&t.hr, &course("商务礼仪", "", day(12, 3)))
            .await
            .unwrap();
        // A rep may not write the company's plan.
        assert!(matches!(
            t.store
                .create(&t.subject, &course("x", "", day(12, 3)))
                .await,
            Err(StoreError::Forbidden(_) | StoreError::NotFound { .. })
        ));
        let session = t
            .store
            .create(
                &t.hr,
                &TrainingSession {
                    id: 0,
                    course_id: product,
                    held_on: day(9, 10),
                    results: vec![],
                },
            )
            .await
            .unwrap();
        // The subject scores 85 (passes); the peer attends and fails with 55.
        for (emp, attended, score) in [(1, true, Some(85.0)), (5, true, Some(55.0))] {
            t.store
                .create(
                    &t.hr,
                    &TrainingResult {
                        session_id: session,
                        employee_id: emp,
                        attended,
                        score,
                    },
                )
                .await
                .unwrap();
        }
        let pre = t.store.rating_prefills(oct(), 1).await.unwrap();
        assert_eq!(pre.len(), 1);
        assert_eq!(
            (pre[0].indicator.as_str(), pre[0].value, pre[0].passed),
            ("product_knowledge", 85.0, true)
        );

        t.to_rating().await;
        // Another value without a reason is refused, naming the pre-fill.
        let refused = t
            .act(
                &t.boss,
                T::rating(RaterGroup::Superior, 80.0, ""),
                day(11, 5),
            )
            .await
            .unwrap_err();
        match refused {
            StoreError::Refused(r) => {
                assert!(r.en.contains("pre-fills 85"), "{}", r.en);
                assert!(r.zh.contains("须填写理由"), "{}", r.zh);
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert_eq!(t.count("SELECT COUNT(*) FROM ratings").await, 0);
        // The pre-filled value as it is, or another one with a reason, land.
        t.act(
            &t.boss,
            T::rating(RaterGroup::Superior, 85.0, ""),
            day(11, 5),
        )
        .await
        .unwrap();
        t.act(
            &t.peer,
            T::rating(RaterGroup::Peers, 90.0, "现场讲解客户好评"),
            day(11, 5),
        )
        .await
        .unwrap();
        assert_eq!(
            t.count("SELECT COUNT(*) FROM ratings WHERE indicator_code = 'product_knowledge'")
                .await,
            2
        );

        // The report: one course done, one not; attendance 2/2, pass rate 1/2.
        let report = t.store.training_report(&t.hr, 2026).await.unwrap();
        assert_eq!(report.len(), 2);
        let done = &report[0];
        assert_eq!(
            (
                done.sessions,
                done.invited,
                done.attended,
                done.scored,
                done.passed
            ),
            (1, 2, 2, 2, 1)
        );
        assert_eq!(done.pass_rate_pct(), Some(50.0));
        assert!(!report[1].done());
        // A rep's report counts only themselves.
        let mine = t.store.training_report(&t.subject, 2026).await.unwrap();
        assert_eq!((mine[0].invited, mine[0].passed), (1, 1));

        // Probation conversion sees the failed course of the peer, who is on probation.
        t.store
            .execute(&Sql::new(
                "UPDATE employees SET status = 'probation' WHERE id = 5",
            ))
            .await
            .unwrap();
        let on_probation = t.store.probation_inputs(&t.hr, day(11, 1)).await.unwrap();
        assert_eq!(on_probation.len(), 1);
        let summary = on_probation[0].training.as_ref().unwrap();
        assert_eq!((summary.passed, summary.failed), (0, 1));
        assert!(
            summary.zh.contains("新产品知识培训 55 分（合格 60）未通过"),
            "{}",
            summary.zh
        );
        // The failed exam keeps them from conversion: an extension is recommended.
        let a = &on_probation[0].assessment;
        assert_eq!(a.recommendation, Some(Verdict::Extend));
        assert_eq!(a.courses_failed, ["新产品知识培训"]);
    }
}

/// Stores a current monthly scorecard for `employee` with `total` (what `kaohe evaluate`
/// writes, reduced to what the probation rule and the training report read).
async fn scorecard(store: &Store, employee: i64, period: &str, total: f64, lines: &[(&str, f64)]) {
    let lines: Vec<StoredLine> = lines
        .iter()
        .map(|(code, value)| StoredLine {
            scorecard_id: 0,
            indicator_code: code.to_string(),
            value: Some(*value),
            numerator: None,
            denominator: None,
            score: Some(*value),
            weight: 50.0,
            effective_weight: 50.0,
            applicable: true,
            ..StoredLine::default()
        })
        .collect();
    let mut sql = Sql::new(
        "INSERT INTO scorecards (period, employee_id, scheme_code, scheme_version, total, grade, lines, created_at) VALUES (",
    );
    sql.bind(period)
        .push(", ")
        .bind(employee)
        .push(", 't', 1, ")
        .bind(total)
        .push(", 'pass', ")
        .bind(pack_stored(&lines))
        .push(", ")
        .bind(Utc::now())
        .push(")");
    store.execute(&sql).await.unwrap();
}

#[tokio::test]
async fn probation_is_recommended_from_scores_and_training_and_a_decision_converts_audited() {
    for db in every_backend().await {
        let t = setup(db.open().await).await;
        // Person 1 (a rep, supervisor 2) and person 5 were hired on 2026-01-01 and are on
        // probation until 2026-03-31. Person 6 is in another department, out of the manager's
        // scope.
        let mut tx = t.store.begin().await.unwrap();
        tx.insert_rows(&[Department {
            id: 2,
            code: "KA".into(),
            name: "大客户部".into(),
            name_en: "Key accounts".into(),
            kind: "key_account".into(),
            parent_id: None,
        }])
        .await
        .unwrap();
        tx.insert_rows(&[Employee {
            department_id: 2,
            ..staff(6, Some(4), 2, None)
        }])
        .await
        .unwrap();
        tx.commit().await.unwrap();
        t.store
            .execute(&Sql::new(
                "UPDATE employees SET status = 'probation' WHERE id IN (1, 5, 6)",
            ))
            .await
            .unwrap();
        // Person 1: January 50, February 70, March 60: mean exactly the pass mark. Person 5:
        // 55 on average.
        for (p, total) in [("2026-01", 50.0), ("2026-02", 70.0), ("2026-03", 60.0)] {
            scorecard(&t.store, 1, p, total, &[]).await;
        }
        for (p, total) in [("2026-01", 50.0), ("2026-02", 60.0)] {
            scorecard(&t.store, 5, p, total, &[]).await;
        }
        let before = t.store.probation_inputs(&t.boss, day(3, 30)).await.unwrap();
        let codes: Vec<&str> = before.iter().map(|p| p.code.as_str()).collect();
        assert_eq!(
            codes,
            ["E001", "E005"],
            "the manager sees their department only"
        );
        assert!(before.iter().all(|p| p.assessment.recommendation.is_none()));
        let due = t.store.probation_inputs(&t.hr, day(3, 31)).await.unwrap();
        assert_eq!(due.len(), 3);
        let rec = |code: &str| {
            due.iter()
                .find(|p| p.code == code)
                .and_then(|p| p.assessment.recommendation)
        };
        assert_eq!(rec("E001"), Some(Verdict::Convert));
        assert_eq!(rec("E005"), Some(Verdict::Extend));
        // Person 6 has no scorecard at all: an extension too.
        assert_eq!(rec("E006"), Some(Verdict::Extend));

        // A rep can neither see nor decide.
        assert!(matches!(
            t.store.probation_inputs(&t.peer, day(3, 31)).await,
            Err(StoreError::Forbidden(_))
        ));
        match t
            .store
            .decide_probation(&t.peer, 5, Verdict::Extend, "", day(3, 31))
            .await
        {
            Err(StoreError::Refused(r)) => assert!(r.en.contains("only HR"), "{}", r.en),
            other => panic!("expected a refusal, got {other:?}"),
        }
        // The rep is not found in another's scope; the manager does not find person 6.
        assert!(matches!(
            t.store
                .decide_probation(&t.subject, 5, Verdict::Extend, "", day(3, 31))
                .await,
            Err(StoreError::NotFound { .. })
        ));
        assert!(matches!(
            t.store
                .decide_probation(&t.boss, 6, Verdict::Extend, "", day(3, 31))
                .await,
            Err(StoreError::NotFound { .. })
        ));
        // Overriding needs a reason.
        assert!(matches!(
            t.store
                .decide_probation(&t.boss, 5, Verdict::Convert, " ", day(3, 31))
                .await,
            Err(StoreError::Refused(_))
        ));
        assert_eq!(t.count("SELECT COUNT(*) FROM probation_decisions").await, 0);

        // The manager confirms person 1's conversion: regular from that day, audited.
        let out = t
            .store
            .decide_probation(&t.boss, 1, Verdict::Convert, "", day(3, 31))
            .await
            .unwrap();
        assert_eq!(out, Outcome::Converted { on: day(3, 31) });
        assert_eq!(
            t.count("SELECT COUNT(*) FROM employees WHERE id = 1 AND status = 'regular' AND regular_on IS NOT NULL")
                .await,
            1
        );
        assert_eq!(
            t.count("SELECT COUNT(*) FROM audit_log WHERE entity = 'probation' AND entity_id = '1' AND action = 'decide' AND after LIKE '%converted%'")
                .await,
            1
        );
        // Converted: no longer on probation, so no second decision.
        assert!(matches!(
            t.store
                .decide_probation(&t.boss, 1, Verdict::Convert, "", day(4, 1))
                .await,
            Err(StoreError::NotFound { .. })
        ));

        // HR extends person 5 (as recommended) once; the rule then waits for the new end.
        let out = t
            .store
            .decide_probation(&t.hr, 5, Verdict::Extend, "", day(3, 31))
            .await
            .unwrap();
        assert_eq!(out, Outcome::Extended { until: day(6, 30) });
        let again = t
            .store
            .decide_probation(&t.hr, 5, Verdict::Extend, "再观察", day(4, 1))
            .await
            .unwrap_err();
        assert!(
            matches!(again, StoreError::Refused(ref r) if r.en.contains("once only")),
            "{again:?}"
        );
        let now = t.store.probation_inputs(&t.hr, day(4, 1)).await.unwrap();
        let p5 = now.iter().find(|p| p.code == "E005").unwrap();
        assert_eq!(
            (p5.assessment.ends_on, p5.assessment.recommendation),
            (day(6, 30), None)
        );
        assert_eq!(
            p5.decided.as_ref().map(|d| d.decision.as_str()),
            Some("extend")
        );
        assert_eq!(now.len(), 2);
        // At the extension's end, still short: not converted, recorded with the basis.
        let out = t
            .store
            .decide_probation(&t.hr, 5, Verdict::Reject, "", day(6, 30))
            .await
            .unwrap();
        assert_eq!(out, Outcome::NotConverted { on: day(6, 30) });
        assert_eq!(
            t.count("SELECT COUNT(*) FROM probation_decisions WHERE employee_id = 5 AND decision = 'reject' AND recommended = 'reject' AND basis LIKE '%平均 55.00%'")
                .await,
            1
        );
        assert_eq!(
            t.count(
                "SELECT COUNT(*) FROM audit_log WHERE entity = 'probation' AND action = 'decide'"
            )
            .await,
            3
        );
    }
}

#[tokio::test]
async fn the_training_report_gives_each_courses_indicator_before_and_after_from_evaluated_scorecards()
 {
    for db in every_backend().await {
        let t = setup(db.open().await).await;
        let sys = Viewer::system("test");
        // A course on complaint handling, concerning `valid_complaints`, held on 15 September.
        let c = t
            .store
            .create(&t.hr, &course("投诉处理", "valid_complaints", day(9, 15)))
            .await
            .unwrap();
        let session = t
            .store
            .create(
                &t.hr,
                &TrainingSession {
                    id: 0,
                    course_id: c,
                    held_on: day(9, 15),
                    results: vec![],
                },
            )
            .await
            .unwrap();
        t.store
            .create(
                &t.hr,
                &TrainingResult {
                    session_id: session,
                    employee_id: 1,
                    attended: true,
                    score: Some(90.0),
                },
            )
            .await
            .unwrap();
        // Before: two valid complaints in July, none after; both months evaluated.
        for d in [day(7, 6), day(7, 20)] {
            let at = at(d);
            let complaint = Complaint {
                id: 0,
                customer_id: None,
                employee_id: 1,
                day: d,
                received_at: at,
                valid: true,
                due_at: at,
                resolved_at: Some(at),
                satisfaction: None,
                description: "发货延误".into(),
            };
            t.store.create(&sys, &complaint).await.unwrap();
        }
        for p in ["2026-07", "2026-10"] {
            let req = EvalRequest {
                period: Period::parse(p).unwrap(),
                scheme: None,
                employee: Some(1),
            };
            t.store.evaluate(&sys, &req).await.unwrap();
        }
        let report = t.store.training_report(&t.hr, 2026).await.unwrap();
        let r = &report[0];
        assert_eq!(r.indicator, "valid_complaints");
        assert_eq!(r.trainees.len(), 1, "{r:?}");
        let tr = &r.trainees[0];
        assert_eq!((tr.code.as_str(), tr.held_on), ("E001", Some(day(9, 15))));
        // 100 − 10 per valid complaint: 80 before, 100 after; the values are the counts.
        assert_eq!((tr.before, tr.after), (80.0, 100.0));
        assert_eq!((tr.before_value, tr.after_value), (Some(2.0), Some(0.0)));
        assert_eq!(
            (r.before, r.after, r.change()),
            (Some(80.0), Some(100.0), Some(20.0))
        );
        // The report counts only the people the viewer may see: the peer sees no change.
        let mine = t.store.training_report(&t.peer, 2026).await.unwrap();
        assert!(mine[0].trainees.is_empty() && mine[0].before.is_none());
    }
}

#[tokio::test]
async fn an_improvement_item_about_product_knowledge_becomes_a_training_need() {
    for db in every_backend().await {
        let t = setup(db.open().await).await;
        t.to_rating().await;
        t.act(
            &t.boss,
            T::rating(RaterGroup::Superior, 40.0, ""),
            day(11, 5),
        )
        .await
        .unwrap();
        t.act(&t.peer, T::rating(RaterGroup::Peers, 50.0, ""), day(11, 5))
            .await
            .unwrap();
        t.store
            .consolidate(&t.hr, oct(), 1, day(11, 10))
            .await
            .unwrap();
        t.act(&t.committee, Action::ApproveResult, day(11, 12))
            .await
            .unwrap();
        let plan = Action::SetImprovementPlan {
            items: vec![
                PlanItemInput {
                    item: "加强产品知识学习，参加新品培训".into(),
                    owner_id: 1,
                    due_on: day(12, 15),
                },
                PlanItemInput {
                    item: "按时提交周报".into(),
                    owner_id: 1,
                    due_on: day(12, 15),
                },
            ],
        };
        t.act(&t.boss, plan, day(11, 13)).await.unwrap();
        let needs = t.store.training_needs(&t.subject).await.unwrap();
        assert_eq!(needs.len(), 1, "{needs:?}");
        assert_eq!(needs[0].source, "improvement_plan");
        assert!(needs[0].topic.starts_with("产品知识"), "{}", needs[0].topic);
        // The peer sees none of it.
        assert!(t.store.training_needs(&t.peer).await.unwrap().is_empty());
    }
}

fn at(d: NaiveDate) -> chrono::DateTime<Utc> {
    Utc.from_utc_datetime(&d.and_hms_opt(1, 0, 0).unwrap())
}

#[tokio::test]
async fn a_team_that_missed_its_weekly_meeting_is_flagged_to_its_manager_and_overdue_decisions_to_their_owner()
 {
    for db in every_backend().await {
        let t = setup(db.open().await).await;
        // Team 1 (leader 2, whose supervisor is 4) meets on Tuesdays except in the week of
        // Oct 12; today is Wednesday Oct 28, so the week of Oct 26 is still open.
        let mut ids = Vec::new();
        for d in [day(9, 29), day(10, 6), day(10, 20)] {
            let m = Meeting {
                id: 0,
                team_id: 1,
                kind: "weekly".into(),
                day: d,
                held_at: at(d),
                minutes: "议题：回款".into(),
                attendees: vec![],
            };
            ids.push(t.store.create(&t.boss, &m).await.unwrap());
        }
        // An ad-hoc meeting does not stand in for the weekly one.
        let adhoc = Meeting {
            id: 0,
            team_id: 1,
            kind: "adhoc".into(),
            day: day(10, 14),
            held_at: at(day(10, 14)),
            minutes: String::new(),
            attendees: vec![],
        };
        t.store.create(&t.boss, &adhoc).await.unwrap();
        let today = day(10, 28);
        let weeks = t
            .store
            .meeting_weeks(&t.boss, day(9, 28), today, today)
            .await
            .unwrap();
        let status: Vec<(NaiveDate, &str)> =
            weeks.iter().map(|w| (w.week, w.status.as_str())).collect();
        assert_eq!(
            status,
            vec![
                (day(9, 28), "held"),
                (day(10, 5), "held"),
                (day(10, 12), "missed"),
                (day(10, 19), "held"),
                (day(10, 26), "open"),
            ]
        );
        // Decisions: one overdue (due Oct 20, open), one done, one not yet due.
        for (text, due, done) in [
            ("逾期应收逐一电话催收", day(10, 20), None),
            ("整理成交话术", day(10, 13), Some(day(10, 12))),
            ("更新客户档案", day(10, 30), None),
        ] {
            let d = MeetingDecision {
                id: 0,
                meeting_id: ids[2],
                text: text.into(),
                owner_id: 5,
                due_on: due,
                done_on: done,
            };
            t.store.create(&t.boss, &d).await.unwrap();
        }
        let done = t.store.remind_meetings(today).await.unwrap();
        assert_eq!((done.missed_meetings, done.overdue_decisions), (1, 1));
        // Idempotent: a second sweep adds nothing.
        let again = t.store.remind_meetings(today).await.unwrap();
        assert_eq!((again.missed_meetings, again.overdue_decisions), (0, 0));
        let committee = t.store.inbox(&t.committee).await.unwrap();
        assert_eq!(committee.len(), 1, "{committee:?}");
        assert_eq!(committee[0].kind, "missed_meeting");
        assert!(committee[0].subject.contains("2026-10-12"));
        let peer: Vec<_> = t
            .store
            .inbox(&t.peer)
            .await
            .unwrap()
            .into_iter()
            .filter(|i| i.kind == "overdue_decision")
            .collect();
        assert_eq!(peer.len(), 1);
        assert!(peer[0].subject.contains("逾期应收逐一电话催收"));
        assert_eq!(peer[0].due_on, Some(day(10, 20)));
        // Marked done, the decision's item closes at the next sweep.
        let mut open = t.store.meeting_decisions(&t.peer, true).await.unwrap();
        assert_eq!(open.len(), 2);
        open.retain(|d| d.due_on == day(10, 20));
        let d = MeetingDecision {
            id: open[0].id,
            meeting_id: ids[2],
            text: open[0].text.clone(),
            owner_id: 5,
            due_on: day(10, 20),
            done_on: Some(day(10, 29)),
        };
        t.store.update(&t.boss, &d).await.unwrap();
        t.store.remind_meetings(day(10, 29)).await.unwrap();
        assert!(
            t.store
                .inbox(&t.peer)
                .await
                .unwrap()
                .iter()
                .all(|i| i.kind != "overdue_decision")
        );
    }
}

fn customer(id: i64, owner: i64) -> Customer {
    let t = at(day(1, 5));
    Customer {
        handled_by: None,
        id,
        archive_no: format!("C{id:04}"),
        name: format!("客户{id}"),
        company: String::new(),
        contact: "王".into(),
        phone: "13800000000".into(),
        address: "上海".into(),
        industry: "零售".into(),
        needs: String::new(),
        source: "referral".into(),
        class: "general".into(),
        owner_id: owner,
        valid: true,
        special_archive: false,
        complete: true,
        created_at: t,
        updated_at: t,
        update_due_at: None,
        verified_at: None,
    }
}

fn order(no: &str, customer: i64, yuan: i64) -> Order {
    let t = at(day(10, 8));
    Order {
        handled_by: None,
        id: 0,
        order_no: no.into(),
        customer_id: customer,
        employee_id: 1,
        day: day(10, 8),
        received_at: t,
        entered_at: t,
        entry_due_at: t,
        amount_cents: Cents::yuan(yuan).0,
        entry_errors: 0,
        promised_delivery_on: day(10, 20),
        status: "open".into(),
        price_ratio_bp: 10_000,
    }
}

fn receivable(customer: i64, yuan: i64, due_on: NaiveDate) -> Receivable {
    Receivable {
        id: 0,
        customer_id: customer,
        employee_id: 1,
        contract_id: None,
        order_id: None,
        amount_cents: Cents::yuan(yuan).0,
        due_on,
        instalment: 1,
    }
}

async fn seed_credit(t: &T) {
    let sys = Viewer::system("test");
    let mut tx = t.store.begin().await.unwrap();
    tx.insert_rows(&[customer(1, 1), customer(2, 1)])
        .await
        .unwrap();
    tx.sync_id_sequences(&["customers"]).await.unwrap();
    tx.commit().await.unwrap();
    // Customer 1: limit 100,000, owes 60,000. Customer 2: under watch, limit 1,000,000.
    for (c, limit, watch) in [(1, 100_000, false), (2, 1_000_000, true)] {
        let a = CreditAssessment {
            id: 0,
            customer_id: c,
            rating: "B".into(),
            limit_cents: Cents::yuan(limit).0,
            assessed_on: day(6, 1),
            review_on: day(12, 31),
            assessor_id: 2,
            watch,
        };
        t.store.create(&sys, &a).await.unwrap();
    }
    t.store
        .create(&sys, &receivable(1, 60_000, day(9, 30)))
        .await
        .unwrap();
}

#[tokio::test]
async fn an_order_beyond_the_credit_limit_is_refused_without_a_managers_approval_and_accepted_with_one()
 {
    for db in every_backend().await {
        let t = setup(db.open().await).await;
        seed_credit(&t).await;
        // 60,000 owed + 40,000 = exactly the limit: fine.
        t.store
            .create(&t.subject, &order("SO-1", 1, 40_000))
            .await
            .unwrap();
        // Receivables, not open orders, make the exposure: 60,000 + 40,001 is beyond it.
        let refused = t
            .store
            .create(&t.subject, &order("SO-2", 1, 40_001))
            .await
            .unwrap_err();
        match &refused {
            StoreError::Refused(r) => {
                assert!(r.en.contains("SO-2"), "{}", r.en);
                assert!(
                    r.en.contains("beyond the credit limit 100000.00"),
                    "{}",
                    r.en
                );
                assert!(r.zh.contains("须经理审批"), "{}", r.zh);
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert_eq!(
            t.count("SELECT COUNT(*) FROM orders WHERE order_no = 'SO-2'")
                .await,
            0
        );
        let check = t
            .store
            .credit_check(&t.subject, 1, Cents::yuan(40_001), day(10, 8))
            .await
            .unwrap();
        assert!(check.needs_approval());
        let approval = |reason: &str, yuan: i64| ApprovalInput {
            kind: ApprovalKind::Order,
            customer_id: 1,
            ref_no: "SO-2".into(),
            amount: Cents::yuan(yuan),
            reason: reason.into(),
        };
        // A rep cannot approve; a manager must give a reason.
        assert!(matches!(
            t.store.approve_credit(&t.subject, &approval("ok", 1)).await,
            Err(StoreError::Forbidden(_))
        ));
        match t.store.approve_credit(&t.boss, &approval(" ", 1)).await {
            Err(StoreError::Invalid { field, .. }) => assert_eq!(field, "reason"),
            other => panic!("expected an invalid reason, got {other:?}"),
        }
        t.store
            .approve_credit(&t.boss, &approval("老客户，已提供担保函", 40_001))
            .await
            .unwrap();
        t.store
            .create(&t.subject, &order("SO-2", 1, 40_001))
            .await
            .unwrap();
        // The approval covers its amount, not more.
        let mut bigger = order("SO-3", 1, 40_005);
        assert!(matches!(
            t.store.create(&t.subject, &bigger).await,
            Err(StoreError::Refused(_))
        ));
        bigger.status = "cancelled".into();
        t.store.create(&t.subject, &bigger).await.unwrap();
        assert_eq!(
            t.count(
                "SELECT COUNT(*) FROM audit_log WHERE entity = 'credit_approvals' AND action = 'decide' AND after LIKE '%担保函%'"
            )
            .await,
            1
        );
        // A customer under watch needs approval for any amount; so does a contract.
        assert!(matches!(
            t.store.create(&t.subject, &order("SO-4", 2, 1)).await,
            Err(StoreError::Refused(_))
        ));
        let contract = Contract {
            handled_by: None,
            id: 0,
            contract_no: "HT-1".into(),
            customer_id: 2,
            order_id: None,
            employee_id: 1,
            amount_cents: 100,
            status: "signed".into(),
            drafted_at: at(day(10, 1)),
            sign_due_at: at(day(10, 9)),
            signed_at: Some(at(day(10, 8))),
            signed_day: Some(day(10, 8)),
            archived_at: None,
            review_passed_first: true,
        };
        // A contract is never created signed: signing is its step, which checks the credit
        // (see the next test).
        assert!(matches!(
            t.store.create(&t.subject, &contract).await,
            Err(StoreError::Invalid { field, .. }) if field == "status"
        ));
        t.store
            .approve_credit(
                &t.boss,
                &ApprovalInput {
                    kind: ApprovalKind::Contract,
                    customer_id: 2,
                    ref_no: "HT-1".into(),
                    amount: Cents(100),
                    reason: "预付款已到账".into(),
                },
            )
            .await
            .unwrap();
        let approvals = t.store.credit_approvals(&t.boss).await.unwrap();
        assert_eq!(approvals.len(), 2);
        assert!(approvals.iter().any(|a| a.flags == "watch"));
        assert!(approvals.iter().any(|a| a.flags == "over_limit"));
    }
}

#[tokio::test]
async fn signing_a_contract_for_a_customer_under_watch_through_its_step_needs_an_approval() {
    for db in every_backend().await {
        let t = setup(db.open().await).await;
        seed_credit(&t).await;
        let zone = FixedOffset::east_opt(8 * 3600).unwrap();
        // Drafted and reviewed: not signed yet, so no check.
        let contract = Contract {
            handled_by: None,
            id: 0,
            contract_no: "HT-9".into(),
            customer_id: 2,
            order_id: None,
            employee_id: 1,
            amount_cents: Cents::yuan(5_000).0,
            status: "drafted".into(),
            drafted_at: at(day(10, 1)),
            sign_due_at: at(day(10, 9)),
            signed_at: None,
            signed_day: None,
            archived_at: None,
            review_passed_first: true,
        };
        let id = t.store.create(&t.subject, &contract).await.unwrap();
        let review = ContractAction::Review {
            passed: true,
            comment: String::new(),
        };
        t.store
            .contract_step(&t.boss, id, &review, at(day(10, 2)), &zone)
            .await
            .unwrap();
        let sign = ContractAction::Sign;
        match t
            .store
            .contract_step(&t.subject, id, &sign, at(day(10, 3)), &zone)
            .await
        {
            Err(StoreError::Refused(r)) => assert!(r.en.contains("under watch"), "{}", r.en),
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert_eq!(
            t.count("SELECT COUNT(*) FROM contracts WHERE status = 'signed'")
                .await,
            0
        );
        let approval = ApprovalInput {
            kind: ApprovalKind::Contract,
            customer_id: 2,
            ref_no: "HT-9".into(),
            amount: Cents::yuan(5_000),
            reason: "总经理特批".into(),
        };
        t.store.approve_credit(&t.boss, &approval).await.unwrap();
        t.store
            .contract_step(&t.subject, id, &sign, at(day(10, 3)), &zone)
            .await
            .unwrap();
        assert_eq!(
            t.count("SELECT COUNT(*) FROM contracts WHERE status = 'signed'")
                .await,
            1
        );
    }
}

#[tokio::test]
async fn ageing_buckets_break_at_30_60_and_90_days_per_customer_and_per_rep() {
    for db in every_backend().await {
        let t = setup(db.open().await).await;
        let sys = Viewer::system("test");
        let mut tx = t.store.begin().await.unwrap();
        tx.insert_rows(&[customer(1, 1), customer(2, 5)])
            .await
            .unwrap();
        tx.sync_id_sequences(&["customers"]).await.unwrap();
        tx.commit().await.unwrap();
        let as_of = day(10, 31);
        let ago = |n: i64| as_of - TimeDelta::days(n);
        // Customer 1 (rep 1): 100 yuan due on each boundary day, and one not due yet.
        for n in [30, 31, 60, 61, 90, 91, -1] {
            t.store
                .create(&sys, &receivable(1, 100, ago(n)))
                .await
                .unwrap();
        }
        // Customer 2 (rep 5): 500 due 45 days ago, 200 paid by the day, 300 paid after it.
        let mut r = receivable(2, 500, ago(45));
        r.employee_id = 5;
        let rid = t.store.create(&sys, &r).await.unwrap();
        for (yuan, on) in [(200, ago(10)), (300, as_of + TimeDelta::days(1))] {
            let p = Payment {
                id: 0,
                receivable_id: rid,
                employee_id: 5,
                received_on: on,
                amount_cents: Cents::yuan(yuan).0,
            };
            t.store.create(&sys, &p).await.unwrap();
        }
        let rows = t
            .store
            .ageing(&t.hr, as_of, AgeingBy::Customer)
            .await
            .unwrap();
        assert_eq!(rows.len(), 2);
        let c1 = &rows[0].ageing;
        assert_eq!(rows[0].code, "C0001");
        for (b, yuan) in [
            (AgeBucket::NotDue, 100),
            (AgeBucket::Days0To30, 100),
            (AgeBucket::Days31To60, 200),
            (AgeBucket::Days61To90, 200),
            (AgeBucket::Over90, 100),
        ] {
            assert_eq!(c1.get(b), Cents::yuan(yuan), "{b:?}");
        }
        assert_eq!(c1.overdue(), Cents::yuan(600));
        assert_eq!(rows[1].ageing.get(AgeBucket::Days31To60), Cents::yuan(300));
        // Per rep, and within scope: rep 1 sees only their own.
        let reps = t.store.ageing(&t.hr, as_of, AgeingBy::Rep).await.unwrap();
        let codes: Vec<&str> = reps.iter().map(|r| r.code.as_str()).collect();
        assert_eq!(codes, ["E001", "E005"]);
        let mine = t
            .store
            .ageing(&t.subject, as_of, AgeingBy::Rep)
            .await
            .unwrap();
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0].ageing.total(), Cents::yuan(700));
    }
}

async fn import(
    store: &Store,
    spec: &'static KindSpec,
    csv: &str,
) -> Result<ImportOutcome, ImportFailure> {
    let zone = FixedOffset::east_opt(8 * 3600).unwrap();
    let opts = ImportOptions {
        file_name: "test.csv",
        sha256: Some(format!("{}", csv.len())),
        dry_run: false,
        zone: &zone,
        progress: &|_| {},
    };
    let mut rows = CsvRows::new(csv.as_bytes());
    store
        .import(&Viewer::system("t"), spec, &mut rows, &opts)
        .await
}

fn rejected(r: Result<ImportOutcome, ImportFailure>) -> ErrorReport {
    match r {
        Err(ImportFailure::Rejected(report)) => report,
        other => panic!("expected a rejected import, got {other:?}"),
    }
}

#[tokio::test]
async fn bad_training_needs_decisions_and_credit_rows_are_named_by_row_and_field() {
    for db in every_backend().await {
        let t = setup(db.open().await).await;
        let ok = "工号,需求来源,培训需求\nE001,员工,新产品功能与卖点\nE005,manager,谈判技巧\n";
        assert_eq!(
            import(&t.store, &spec::TRAINING_NEEDS, ok)
                .await
                .unwrap()
                .rows,
            2
        );
        let bad = "employee,source,topic\nE001,boss,x\nE009,staff,y\nE005,staff,\n";
        let report = rejected(import(&t.store, &spec::TRAINING_NEEDS, bad).await);
        let got: Vec<(u64, &str)> = report
            .errors
            .iter()
            .map(|e| (e.row, e.column.as_str()))
            .collect();
        assert_eq!(got, [(2, "source"), (3, "employee"), (4, "topic")]);
        let bad = "会议ID,决定事项,负责人工号,完成期限\n999,催收,E001,2026-10-20\n";
        let report = rejected(import(&t.store, &spec::MEETING_DECISIONS, bad).await);
        assert_eq!(report.errors[0].row, 2);
        assert_eq!(report.errors[0].column, "会议ID");
        let bad = "course_id,held_on\n1,2026-13-01\n";
        let report = rejected(import(&t.store, &spec::TRAINING_SESSIONS, bad).await);
        assert!(
            report
                .errors
                .iter()
                .any(|e| e.column == "held_on" || e.column == "course_id")
        );
        let bad = "年度,课程名称,培训方式,计划日期,合格分数,考核方式\n2026,产品,面授,2026-09-10,120,exam\n";
        let report = rejected(import(&t.store, &spec::TRAINING_COURSES, bad).await);
        let cols: Vec<&str> = report.errors.iter().map(|e| e.column.as_str()).collect();
        assert!(cols.contains(&"培训方式"), "{cols:?}");
        assert_eq!(t.count("SELECT COUNT(*) FROM training_courses").await, 0);
    }
}
