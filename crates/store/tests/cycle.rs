//! The assessment cycle in the database, on SQLite and PostgreSQL: every transition and
//! refusal, working-day deadlines, concurrent and repeated ratings, customer links, appeals
//! and the locked-period guard, and the career ladder at its thresholds. Expected values are
//! worked out by hand in the comments.

use chrono::{NaiveDate, TimeZone, Utc};
use kaohe_domain::bonus_base::{BaseRule, BaseScope};
use kaohe_domain::cycle::{Action, CycleState, PlanItemInput, Refusal, RefusalKind, Stage, Target};
use kaohe_domain::ladder::Decision;
use kaohe_domain::library::Library;
use kaohe_domain::money::Cents;
use kaohe_domain::org::{Employee, Level, Position};
use kaohe_domain::period::Period;
use kaohe_domain::roles::Role;
use kaohe_domain::scheme::RaterGroup;
use kaohe_store::cycle::{Correction, compensation};
use kaohe_store::evaluate::EvalRequest;
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

/// The people: 1 the subject (assessed by scheme `t`), 2 their manager, 3 HR, 4 the
/// committee, 5 and 6 colleagues. Only person 1 holds a position with a scheme.
struct T {
    store: Store,
    subject: Viewer,
    boss: Viewer,
    hr: Viewer,
    committee: Viewer,
    peer: Viewer,
    other: Viewer,
}

fn staff(id: i64, supervisor: Option<i64>, position: i64) -> Employee {
    Employee {
        supervisor_id: supervisor,
        position_id: position,
        email: format!("p{id}@example.com"),
        ..employee(id, &format!("P{id}"))
    }
}

async fn setup(store: Store) -> T {
    setup_with(store, LIBRARY).await
}

async fn setup_with(store: Store, library: &str) -> T {
    let lib = Library::from_toml(library).expect("the test library is valid");
    store
        .save_library(&Viewer::system("test"), &lib)
        .await
        .unwrap();
    let people = [
        staff(4, None, 2),
        staff(2, Some(4), 2),
        staff(3, Some(4), 2),
        staff(1, Some(2), 1),
        staff(5, Some(2), 2),
        staff(6, Some(2), 2),
    ];
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
    tx.insert_rows(&people).await.unwrap();
    tx.sync_id_sequences(&["positions", "employees"])
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
        ("other", Role::Rep, 6),
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
        other: next(),
    }
}

/// HR sets a bonus base from January.
async fn set_base(t: &T, scope: BaseScope, subject: &str, yuan: i64) {
    let rule = BaseRule {
        scope,
        subject: subject.into(),
        from: Period::parse("2026-01").unwrap(),
        base: Cents::yuan(yuan),
    };
    t.store
        .set_bonus_bases(&t.hr, &[rule], "test")
        .await
        .unwrap();
}

impl T {
    async fn act(&self, who: &Viewer, action: Action, on: NaiveDate) -> Result<Stage, StoreError> {
        self.store
            .act(who, oct(), 1, action, on)
            .await
            .map(|t| t.to)
    }

    async fn state(&self) -> CycleState {
        self.store.cycle(&self.hr, oct(), 1).await.unwrap()
    }

    async fn count(&self, sql: &str) -> i64 {
        self.store.fetch_i64(&Sql::new(sql)).await.unwrap()
    }

    /// Open → targets agreed (Oct 1) → a peer assigned → self-review (Nov 2) → rating.
    async fn to_rating(&self) {
        self.store.open_cycles(&self.hr, oct()).await.unwrap();
        let propose = Action::ProposeTargets {
            targets: vec![Target {
                indicator: "valid_complaints".into(),
                value: Some(0.0),
            }],
            basis: "plan".into(),
        };
        assert_eq!(
            self.act(&self.boss, propose, day(10, 1)).await.unwrap(),
            Stage::TargetsProposed
        );
        let steps = [
            (
                &self.subject,
                Action::ConfirmTargets,
                Stage::TargetsConfirmed,
            ),
            (&self.hr, Action::ApproveTargetsHr, Stage::TargetsReviewed),
            (
                &self.committee,
                Action::ApproveTargetsCommittee,
                Stage::Open,
            ),
        ];
        for (who, a, want) in steps {
            assert_eq!(self.act(who, a, day(10, 1)).await.unwrap(), want);
        }
        let assign = Action::AssignRater {
            rater_id: 5,
            group: RaterGroup::Peers,
        };
        assert_eq!(
            self.act(&self.hr, assign, day(10, 2)).await.unwrap(),
            Stage::Open
        );
        let review = Action::SubmitSelfReview {
            work_report: "report".into(),
            self_evaluation: "fine".into(),
        };
        assert_eq!(
            self.act(&self.subject, review, day(11, 2)).await.unwrap(),
            Stage::Rating
        );
    }

    async fn rate(
        &self,
        who: &Viewer,
        group: RaterGroup,
        value: f64,
        on: NaiveDate,
    ) -> Result<Stage, StoreError> {
        let a = Action::SubmitRating {
            group,
            indicator: "product_knowledge".into(),
            value,
            comment: String::new(),
        };
        self.act(who, a, on).await
    }

    /// Ratings 80 (superior) and 90 (peer), consolidation (Nov 10), approval (Nov 12).
    async fn to_published(&self) {
        self.to_rating().await;
        self.rate(&self.boss, RaterGroup::Superior, 80.0, day(11, 5))
            .await
            .unwrap();
        self.rate(&self.peer, RaterGroup::Peers, 90.0, day(11, 5))
            .await
            .unwrap();
        let t = self
            .store
            .consolidate(&self.hr, oct(), 1, day(11, 10))
            .await
            .unwrap();
        assert_eq!(t.to, Stage::Consolidated);
        assert_eq!(
            self.act(&self.committee, Action::ApproveResult, day(11, 12))
                .await
                .unwrap(),
            Stage::Published
        );
    }

    async fn to_locked(&self) {
        self.to_published().await;
        let interview = Action::RecordInterview {
            strengths: vec!["good".into()],
            shortfalls: vec![],
            employee_comments: "无".into(),
        };
        self.act(&self.boss, interview, day(11, 16)).await.unwrap();
        assert_eq!(
            self.act(&self.hr, Action::Lock, day(11, 16)).await.unwrap(),
            Stage::Locked
        );
    }
}

fn refusal(r: Result<Stage, StoreError>) -> Refusal {
    match r {
        Err(StoreError::Refused(r)) => *r,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn allowed(r: &Refusal) -> Vec<&str> {
    r.allowed_now.iter().map(|a| a.action).collect()
}

#[tokio::test]
async fn every_transition_is_written_with_its_event_audit_entry_and_reminders() {
    for db in every_backend().await {
        let t = setup(db.open().await).await;
        let o = t.store.open_cycles(&t.hr, oct()).await.unwrap();
        assert_eq!((o.created, o.existing), (1, 0), "{}", db.backend);
        let again = t.store.open_cycles(&t.hr, oct()).await.unwrap();
        assert_eq!(
            (again.created, again.existing),
            (0, 1),
            "opening is idempotent"
        );
        // The manager is reminded to propose targets by the 5th working day of October:
        // Thu 1, Fri 2, Mon 5, Tue 6, Wed 7.
        let inbox = t.store.inbox(&t.boss).await.unwrap();
        assert_eq!(inbox.len(), 1);
        assert_eq!(
            (inbox[0].kind.as_str(), inbox[0].due_on),
            ("propose_targets", Some(day(10, 7)))
        );
        t.to_locked().await;
        // 4 target steps + 1 assignment + self-review + 2 ratings + consolidation + approval
        // + interview + lock = 12 events, each with its audit entry.
        assert_eq!(
            t.count("SELECT CAST(COUNT(*) AS BIGINT) FROM cycle_events")
                .await,
            12
        );
        assert_eq!(
            t.count("SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log WHERE entity = 'cycle'")
                .await,
            12
        );
        let state = t.state().await;
        assert_eq!(state.stage(), Stage::Locked);
        assert_eq!(state.history().len(), 12);
        // 0 complaints → 100; ratings 0.7 × 80 + 0.3 × 90 = 83; total 0.5 × 100 + 0.5 × 83.
        let r = state.current_result().unwrap();
        assert!((r.result.score - 91.5).abs() < 1e-9, "{}", r.result.score);
        assert_eq!(
            (r.result.grade.as_str(), r.result.coefficient),
            ("excellent", 1.5)
        );
        assert_eq!(
            t.store.period_status(oct()).await.unwrap().as_deref(),
            Some("locked")
        );
        // Projections: the agreed target, both ratings, the self-review, the interview.
        assert_eq!(
            t.count("SELECT CAST(COUNT(*) AS BIGINT) FROM targets WHERE status = 'approved'")
                .await,
            1
        );
        assert_eq!(
            t.count("SELECT CAST(COUNT(*) AS BIGINT) FROM ratings")
                .await,
            2
        );
        assert_eq!(
            t.count("SELECT CAST(COUNT(*) AS BIGINT) FROM self_reviews")
                .await,
            1
        );
        assert_eq!(
            t.count("SELECT CAST(COUNT(*) AS BIGINT) FROM feedback_interviews")
                .await,
            1
        );
        // Nothing is left to do once locked; every reminder went to the outbox.
        for v in [&t.subject, &t.boss, &t.hr, &t.committee, &t.peer] {
            assert!(t.store.inbox(v).await.unwrap().is_empty(), "{}", v.username);
        }
        let inbox_rows = t.count("SELECT CAST(COUNT(*) AS BIGINT) FROM inbox").await;
        let out = t.store.outbox_pending(1000).await.unwrap();
        assert_eq!(out.len() as i64, inbox_rows);
        assert!(
            out.iter()
                .any(|m| m.recipient == "p1@example.com" && m.subject.contains("自评"))
        );
        assert!(t.store.mark_sent(out[0].id).await.unwrap());
        assert!(!t.store.mark_sent(out[0].id).await.unwrap(), "sent once");
        assert_eq!(
            t.store.outbox_pending(1000).await.unwrap().len(),
            out.len() - 1
        );
    }
}

#[tokio::test]
async fn the_return_paths_extension_plan_and_follow_up_are_transitions_too() {
    for db in every_backend().await {
        let t = setup(db.open().await).await;
        t.store.open_cycles(&t.hr, oct()).await.unwrap();
        let propose = || Action::ProposeTargets {
            targets: vec![Target {
                indicator: "valid_complaints".into(),
                value: Some(0.0),
            }],
            basis: "plan".into(),
        };
        let d = day(10, 1);
        let reason = || "too high".to_string();
        t.act(&t.boss, propose(), d).await.unwrap();
        let r = t
            .act(&t.subject, Action::DisputeTargets { reason: reason() }, d)
            .await;
        assert_eq!(r.unwrap(), Stage::TargetsReturned);
        assert_eq!(
            t.count("SELECT CAST(COUNT(*) AS BIGINT) FROM targets WHERE status = 'disputed'")
                .await,
            1
        );
        t.act(&t.boss, propose(), d).await.unwrap();
        t.act(&t.subject, Action::ConfirmTargets, d).await.unwrap();
        let r = t
            .act(&t.hr, Action::ReturnTargetsHr { reason: reason() }, d)
            .await;
        assert_eq!(r.unwrap(), Stage::TargetsReturned);
        t.act(&t.boss, propose(), d).await.unwrap();
        t.act(&t.subject, Action::ConfirmTargets, d).await.unwrap();
        t.act(&t.hr, Action::ApproveTargetsHr, d).await.unwrap();
        let r = t
            .act(
                &t.committee,
                Action::ReturnTargetsCommittee { reason: reason() },
                d,
            )
            .await;
        assert_eq!(r.unwrap(), Stage::TargetsReturned);
        t.act(&t.boss, propose(), d).await.unwrap();
        t.act(&t.subject, Action::ConfirmTargets, d).await.unwrap();
        t.act(&t.hr, Action::ApproveTargetsHr, d).await.unwrap();
        t.act(&t.committee, Action::ApproveTargetsCommittee, d)
            .await
            .unwrap();
        // No self-review by its last day (Nov 4): HR moves on to rating on Nov 5.
        let close = Action::CloseSelfReview {
            reason: "no report".into(),
        };
        assert_eq!(
            t.act(&t.hr, close, day(11, 5)).await.unwrap(),
            Stage::Rating
        );
        let extend = Action::ExtendRating {
            until: day(11, 12),
            reason: "boss travelling".into(),
        };
        assert_eq!(
            t.act(&t.hr, extend, day(11, 6)).await.unwrap(),
            Stage::Rating
        );
        // The rating deadline was Nov 9; the extension lets the superior rate on Nov 11.
        t.rate(&t.boss, RaterGroup::Superior, 50.0, day(11, 11))
            .await
            .unwrap();
        t.store
            .consolidate(&t.hr, oct(), 1, day(11, 13))
            .await
            .unwrap();
        let back = Action::ReturnResult {
            reason: "check the rating".into(),
        };
        assert_eq!(
            t.act(&t.committee, back, day(11, 13)).await.unwrap(),
            Stage::Rating
        );
        t.rate(&t.boss, RaterGroup::Superior, 55.0, day(11, 12))
            .await
            .unwrap();
        t.store
            .consolidate(&t.hr, oct(), 1, day(11, 13))
            .await
            .unwrap();
        // Only the superior rated: their group carries all the rating weight.
        // 0.5 × 100 + 0.5 × 55 = 77.5 → pass; version 2 of the result.
        let s = t.state().await;
        assert_eq!(s.results().len(), 2);
        assert!((s.current_result().unwrap().result.score - 77.5).abs() < 1e-9);
        t.act(&t.committee, Action::ApproveResult, day(11, 13))
            .await
            .unwrap();
        let interview = Action::RecordInterview {
            strengths: vec![],
            shortfalls: vec!["late reports".into()],
            employee_comments: "agreed".into(),
        };
        t.act(&t.boss, interview, day(11, 16)).await.unwrap();
        let plan = Action::SetImprovementPlan {
            items: vec![PlanItemInput {
                item: "weekly report on time".into(),
                owner_id: 1,
                due_on: day(12, 31),
            }],
        };
        t.act(&t.boss, plan, day(11, 16)).await.unwrap();
        t.act(&t.hr, Action::Lock, day(11, 16)).await.unwrap();
        let follow = Action::FollowUp {
            item: 0,
            note: "two reports on time".into(),
            done: true,
        };
        assert_eq!(
            t.act(&t.subject, follow, day(12, 1)).await.unwrap(),
            Stage::Locked
        );
        let (status, notes): (String, String) = t
            .store
            .fetch_optional(&Sql::new("SELECT status, follow_up FROM improvement_items"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(status, "done", "{}", db.backend);
        assert!(notes.contains("two reports on time"));
        let late: Vec<(String, bool)> = t
            .store
            .fetch_all(&Sql::new(
                "SELECT action, late FROM cycle_events WHERE late = TRUE ORDER BY id",
            ))
            .await
            .unwrap();
        // Approved on Nov 13 (due the 10th working day, Nov 13): on time. The second
        // consolidation on Nov 13 is after HR's own deadline (Nov 11): late, and so was the first.
        assert_eq!(
            late.iter().map(|(a, _)| a.as_str()).collect::<Vec<_>>(),
            vec!["consolidate", "consolidate"]
        );
    }
}

#[tokio::test]
async fn wrong_roles_wrong_states_and_past_deadlines_are_refused_and_leave_nothing() {
    for db in every_backend().await {
        let t = setup(db.open().await).await;
        t.store.open_cycles(&t.hr, oct()).await.unwrap();
        // Wrong state: HR cannot lock a cycle whose targets are not set; told what it may do.
        let r = refusal(t.act(&t.hr, Action::Lock, day(10, 1)).await);
        assert_eq!(r.kind, RefusalKind::WrongState);
        assert!(r.en.contains("targets not set"), "{}", r.en);
        assert_eq!(allowed(&r), vec!["assign_rater"]);
        // Wrong role: a colleague is not the subject's superior.
        let propose = Action::ProposeTargets {
            targets: vec![Target {
                indicator: "valid_complaints".into(),
                value: None,
            }],
            basis: String::new(),
        };
        let r = refusal(t.act(&t.other, propose.clone(), day(10, 1)).await);
        assert_eq!(r.kind, RefusalKind::WrongRole);
        assert!(r.en.contains("only the subject's superior"), "{}", r.en);
        assert!(allowed(&r).is_empty());
        t.act(&t.boss, propose, day(10, 1)).await.unwrap();
        // The subject cannot approve as HR, and is told they may confirm or dispute.
        let r = refusal(
            t.act(&t.subject, Action::ApproveTargetsHr, day(10, 1))
                .await,
        );
        assert_eq!(r.kind, RefusalKind::WrongState);
        assert_eq!(allowed(&r), vec!["confirm_targets", "dispute_targets"]);
        t.act(&t.subject, Action::ConfirmTargets, day(10, 1))
            .await
            .unwrap();
        let r = refusal(
            t.act(&t.subject, Action::ApproveTargetsHr, day(10, 1))
                .await,
        );
        assert_eq!(r.kind, RefusalKind::WrongRole);
        assert!(r.zh.contains("人力资源部"), "{}", r.zh);
        // HR cannot approve for the committee; the committee cannot return without a reason.
        let r = refusal(
            t.act(&t.hr, Action::ApproveTargetsCommittee, day(10, 1))
                .await,
        );
        assert_eq!(r.kind, RefusalKind::WrongState);
        assert_eq!(
            allowed(&r),
            vec!["approve_targets_hr", "return_targets_hr", "assign_rater"]
        );
        t.act(&t.hr, Action::ApproveTargetsHr, day(10, 1))
            .await
            .unwrap();
        let r = refusal(
            t.act(&t.hr, Action::ApproveTargetsCommittee, day(10, 1))
                .await,
        );
        assert_eq!(r.kind, RefusalKind::WrongRole);
        let r = refusal(
            t.act(
                &t.committee,
                Action::ReturnTargetsCommittee { reason: " ".into() },
                day(10, 1),
            )
            .await,
        );
        assert_eq!(r.kind, RefusalKind::Invalid);
        t.act(&t.committee, Action::ApproveTargetsCommittee, day(10, 1))
            .await
            .unwrap();
        // The subject cannot choose their own peers; a self-review before the period ends is
        // too early.
        let assign = Action::AssignRater {
            rater_id: 6,
            group: RaterGroup::Peers,
        };
        let r = refusal(t.act(&t.subject, assign, day(10, 2)).await);
        assert_eq!(r.kind, RefusalKind::WrongRole);
        let review = Action::SubmitSelfReview {
            work_report: "r".into(),
            self_evaluation: "e".into(),
        };
        let r = refusal(t.act(&t.subject, review.clone(), day(10, 20)).await);
        assert_eq!(r.kind, RefusalKind::TooEarly);
        // HR may not close the self-review on its last day (Nov 4), only after.
        let close = Action::CloseSelfReview { reason: "x".into() };
        let r = refusal(t.act(&t.hr, close, day(11, 4)).await);
        assert_eq!(r.kind, RefusalKind::TooEarly);
        t.act(&t.subject, review, day(11, 2)).await.unwrap();
        // Past deadline: ratings close on the 6th working day of November (Mon Nov 9).
        let r = refusal(
            t.rate(&t.boss, RaterGroup::Superior, 80.0, day(11, 10))
                .await,
        );
        assert_eq!(r.kind, RefusalKind::PastDeadline);
        assert!(r.en.contains("2026-11-09"), "{}", r.en);
        // A colleague who was not assigned cannot rate as a peer; nobody rates out of range.
        let r = refusal(t.rate(&t.other, RaterGroup::Peers, 80.0, day(11, 5)).await);
        assert_eq!(r.kind, RefusalKind::WrongRole);
        let r = refusal(
            t.rate(&t.boss, RaterGroup::Superior, 101.0, day(11, 5))
                .await,
        );
        assert_eq!(r.kind, RefusalKind::Invalid);
        // Consolidation by the committee is refused; the committee may not publish in rating.
        let r = t
            .store
            .consolidate(&t.committee, oct(), 1, day(11, 10))
            .await;
        assert_eq!(refusal(r.map(|t| t.to)).kind, RefusalKind::WrongRole);
        let r = refusal(
            t.act(&t.committee, Action::ApproveResult, day(11, 10))
                .await,
        );
        assert_eq!(r.kind, RefusalKind::WrongState);
        // A typed-in result is not accepted: consolidation takes the engine's scorecard.
        let typed = Action::Consolidate {
            result: kaohe_domain::cycle::AssessmentResult {
                score: 100.0,
                grade: "excellent".into(),
                coefficient: 1.5,
                lines: vec![],
            },
        };
        assert!(matches!(
            t.act(&t.hr, typed, day(11, 10)).await,
            Err(StoreError::Invalid { .. })
        ));
        // An account without an employee takes no steps.
        let r = t
            .store
            .act(&Viewer::system("x"), oct(), 1, Action::Lock, day(11, 10))
            .await;
        assert!(matches!(r, Err(StoreError::Forbidden(_))));
        // None of the refusals left an event: 4 target steps and the self-review only.
        assert_eq!(
            t.count("SELECT CAST(COUNT(*) AS BIGINT) FROM cycle_events")
                .await,
            5
        );
        assert_eq!(
            t.count("SELECT CAST(COUNT(*) AS BIGINT) FROM ratings")
                .await,
            0
        );
    }
}

#[tokio::test]
async fn deadlines_count_working_days_across_weekends_holidays_and_make_up_days() {
    for db in every_backend().await {
        let t = setup(db.open().await).await;
        // National Day: Thu Oct 1 to Wed Oct 7 off (spanning the weekend of Oct 3–4);
        // Saturday Oct 10 is a make-up working day (调休上班).
        let mut sql = Sql::new("INSERT INTO holidays (day, kind) VALUES ");
        for d in 1..=7 {
            sql.push("(").bind(day(10, d)).push(", 'holiday'), ");
        }
        sql.push("(").bind(day(10, 10)).push(", 'workday')");
        t.store.execute(&sql).await.unwrap();
        let sep = Period::parse("2026-09").unwrap();
        t.store.open_cycles(&t.hr, sep).await.unwrap();
        // Targets of September: 5th working day of September (Tue 1 … Mon 7).
        let inbox = t.store.inbox(&t.boss).await.unwrap();
        assert_eq!(inbox[0].due_on, Some(day(9, 7)), "{}", db.backend);
        for (who, action) in [
            (
                &t.boss,
                Action::ProposeTargets {
                    targets: vec![Target {
                        indicator: "valid_complaints".into(),
                        value: None,
                    }],
                    basis: String::new(),
                },
            ),
            (&t.subject, Action::ConfirmTargets),
            (&t.hr, Action::ApproveTargetsHr),
            (&t.committee, Action::ApproveTargetsCommittee),
        ] {
            t.store.act(who, sep, 1, action, day(9, 1)).await.unwrap();
        }
        // Self-review by the 3rd working day of October: Thu 8, Fri 9, Sat 10 (make-up day).
        let inbox = t.store.inbox(&t.subject).await.unwrap();
        assert_eq!(
            (inbox[0].kind.as_str(), inbox[0].due_on),
            ("self_review", Some(day(10, 10)))
        );
        assert!(
            t.store
                .overdue(&t.hr, sep, day(10, 10))
                .await
                .unwrap()
                .is_empty()
        );
        let late = t.store.overdue(&t.hr, sep, day(10, 12)).await.unwrap();
        assert_eq!(late.len(), 1);
        assert_eq!((late[0].due_on, late[0].days), (day(10, 10), 2));
        // The subject sees their own overdue step; a colleague sees nothing of it.
        assert_eq!(
            t.store
                .overdue(&t.subject, sep, day(10, 12))
                .await
                .unwrap()
                .len(),
            1
        );
        assert!(
            t.store
                .overdue(&t.other, sep, day(10, 12))
                .await
                .unwrap()
                .is_empty()
        );
        let review = Action::SubmitSelfReview {
            work_report: "r".into(),
            self_evaluation: "e".into(),
        };
        let tr = t
            .store
            .act(&t.subject, sep, 1, review, day(10, 12))
            .await
            .unwrap();
        assert!(
            tr.late,
            "handed in after its last day, accepted and flagged late"
        );
        // Ratings by the 6th working day: Mon 12, Tue 13, Wed 14; HR's consolidation by the
        // 8th: Thu 15, Fri 16.
        let boss = t.store.inbox(&t.boss).await.unwrap();
        assert_eq!(
            (boss[0].kind.as_str(), boss[0].due_on),
            ("rate", Some(day(10, 14)))
        );
        let hr = t.store.inbox(&t.hr).await.unwrap();
        assert_eq!(
            (hr[0].kind.as_str(), hr[0].due_on),
            ("consolidate", Some(day(10, 16)))
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_raters_submitting_at_the_same_moment_both_land() {
    for db in every_backend().await {
        let t = setup(db.open().await).await;
        t.to_rating().await;
        let rate = |v: Viewer, group: RaterGroup, value: f64| {
            let store = t.store.clone();
            tokio::spawn(async move {
                let a = Action::SubmitRating {
                    group,
                    indicator: "product_knowledge".into(),
                    value,
                    comment: String::new(),
                };
                store.act(&v, oct(), 1, a, day(11, 5)).await
            })
        };
        let a = rate(t.boss.clone(), RaterGroup::Superior, 80.0);
        let b = rate(t.peer.clone(), RaterGroup::Peers, 90.0);
        let (a, b) = (a.await.unwrap(), b.await.unwrap());
        assert!(a.is_ok() && b.is_ok(), "{}: {a:?} {b:?}", db.backend);
        let rows: Vec<(Option<i64>, String, f64)> = t
            .store
            .fetch_all(&Sql::new(
                "SELECT rater_id, rater_group, score FROM ratings ORDER BY rater_id",
            ))
            .await
            .unwrap();
        assert_eq!(
            rows,
            vec![
                (Some(2), "superior".into(), 80.0),
                (Some(5), "peers".into(), 90.0)
            ]
        );
        assert_eq!(
            t.state().await.ratings().len(),
            2,
            "both in the cycle's state too"
        );
    }
}

#[tokio::test]
async fn a_second_submission_replaces_the_first_until_the_deadline_then_needs_hr() {
    for db in every_backend().await {
        let t = setup(db.open().await).await;
        t.to_rating().await;
        t.rate(&t.boss, RaterGroup::Superior, 80.0, day(11, 5))
            .await
            .unwrap();
        t.rate(&t.boss, RaterGroup::Superior, 85.0, day(11, 6))
            .await
            .unwrap();
        let rows: Vec<(f64, i32)> = t
            .store
            .fetch_all(&Sql::new("SELECT score, revisions FROM ratings"))
            .await
            .unwrap();
        assert_eq!(rows, vec![(85.0, 1)], "{}", db.backend);
        // Both submissions are in the audit log.
        let audit = t.store.audit_entries(Some("cycle"), 10).await.unwrap();
        let ratings: Vec<_> = audit
            .iter()
            .filter(|a| {
                a.after
                    .as_deref()
                    .is_some_and(|x| x.contains("submit_rating"))
            })
            .collect();
        assert_eq!(ratings.len(), 2);
        // After the deadline (Nov 9) the rater is refused until HR extends it.
        let r = refusal(
            t.rate(&t.boss, RaterGroup::Superior, 90.0, day(11, 10))
                .await,
        );
        assert_eq!(r.kind, RefusalKind::PastDeadline);
        let extend = Action::ExtendRating {
            until: day(11, 11),
            reason: "late".into(),
        };
        t.act(&t.hr, extend, day(11, 10)).await.unwrap();
        t.rate(&t.boss, RaterGroup::Superior, 90.0, day(11, 11))
            .await
            .unwrap();
        let rows: Vec<(f64, i32)> = t
            .store
            .fetch_all(&Sql::new("SELECT score, revisions FROM ratings"))
            .await
            .unwrap();
        assert_eq!(rows, vec![(90.0, 2)]);
    }
}

#[tokio::test]
async fn a_customer_link_rates_once_expires_and_is_stored_only_as_a_hash() {
    for db in every_backend().await {
        let t = setup(db.open().await).await;
        let mut sql = Sql::new(
            "INSERT INTO customers (archive_no, name, class, owner_id, created_at, updated_at) VALUES ('C1', 'ACME', 'key', 1, ",
        );
        sql.bind(Utc::now()).push(", ").bind(Utc::now()).push(")");
        t.store.execute(&sql).await.unwrap();
        let customer = t
            .count("SELECT CAST(MAX(id) AS BIGINT) FROM customers")
            .await;
        let customer_no = customer.to_string();
        let new_link = kaohe_store::cycle::NewLink {
            customer: &customer_no,
            contact_name: "王经理",
            contact: "wang@example.com",
        };
        t.to_rating().await;
        let now = Utc.with_ymd_and_hms(2026, 11, 4, 2, 0, 0).unwrap();
        // The subject cannot issue a link about themself.
        let r = t
            .store
            .issue_rating_link(&t.subject, oct(), 1, &new_link, now)
            .await;
        assert!(matches!(r, Err(StoreError::Refused(_))));
        let link = t
            .store
            .issue_rating_link(&t.hr, oct(), 1, &new_link, now)
            .await
            .unwrap();
        let stored: Vec<(String,)> = t
            .store
            .fetch_all(&Sql::new("SELECT secret_hash FROM customer_tokens"))
            .await
            .unwrap();
        assert_eq!(stored.len(), 1);
        assert_ne!(stored[0].0, link.secret, "only the hash is kept");
        let answers = vec![("product_knowledge".to_string(), 75.0)];
        let done = t
            .store
            .redeem_customer_token(&link.secret, &answers, now)
            .await
            .unwrap();
        assert_eq!(done.len(), 1, "{}", db.backend);
        let again = t
            .store
            .redeem_customer_token(&link.secret, &answers, now)
            .await;
        let r = match again {
            Err(StoreError::Refused(r)) => r,
            other => panic!("{other:?}"),
        };
        assert!(r.en.contains("used already"), "{}", r.en);
        let rows: Vec<(Option<i64>, Option<i64>, String, f64)> = t
            .store
            .fetch_all(&Sql::new(
                "SELECT rater_id, customer_id, rater_group, score FROM ratings",
            ))
            .await
            .unwrap();
        assert_eq!(rows, vec![(None, Some(customer), "customers".into(), 75.0)]);
        // A link opened after 14 days has expired and records nothing.
        let late = t
            .store
            .issue_rating_link(&t.boss, oct(), 1, &new_link, now)
            .await
            .unwrap();
        let r = t
            .store
            .redeem_customer_token(&late.secret, &answers, now + chrono::Duration::days(14))
            .await;
        assert!(
            matches!(r, Err(StoreError::Refused(ref x)) if x.en.contains("expired")),
            "{r:?}"
        );
        assert!(
            t.store
                .redeem_customer_token("forged", &answers, now)
                .await
                .is_err()
        );
        assert_eq!(
            t.count("SELECT CAST(COUNT(*) AS BIGINT) FROM ratings")
                .await,
            1
        );
    }
}

#[tokio::test]
async fn a_locked_result_changes_only_through_an_upheld_appeal_and_keeps_its_history() {
    for db in every_backend().await {
        let t = setup(db.open().await).await;
        t.to_locked().await;
        let backend = db.backend;
        // Evaluation is refused for the locked period.
        let req = EvalRequest {
            period: oct(),
            scheme: None,
            employee: None,
        };
        let e = t.store.evaluate(&Viewer::system("t"), &req).await;
        assert!(
            matches!(&e, Err(StoreError::Invalid { message, .. }) if message.contains("locked")),
            "{e:?}"
        );
        // Direct writes are refused by the database itself, whatever interface sends them.
        for sql in [
            "UPDATE scorecards SET total = 100",
            "UPDATE scorecards SET current = FALSE",
            "DELETE FROM scorecards",
            "UPDATE scorecards SET lines = '[]'",
            "UPDATE scorecards SET lines = '[]', current = FALSE",
            "INSERT INTO scorecards (period, employee_id, scheme_code, scheme_version, version, total, created_at) \
             VALUES ('2026-10', 1, 't', 1, 2, 100, CURRENT_TIMESTAMP)",
            "UPDATE periods SET status = 'open'",
        ] {
            let r = t.store.execute(&Sql::new(sql)).await;
            assert!(r.is_err(), "{backend}: `{sql}` was accepted");
        }
        // Filing after the window (published Nov 12, 7 days → last day Nov 19) is refused.
        let r = t
            .store
            .file_appeal(&t.subject, oct(), "wrong", &[], day(11, 20))
            .await;
        assert_eq!(
            refusal(r.map(|_| Stage::Locked)).kind,
            RefusalKind::PastDeadline
        );
        // Only the subject appeals.
        let r = t
            .store
            .file_appeal(&t.boss, oct(), "wrong", &[], day(11, 17))
            .await;
        assert!(r.is_err());
        let files = vec!["ratings-sheet.pdf".to_string()];
        let id = t
            .store
            .file_appeal(
                &t.subject,
                oct(),
                "the peer rating was for another person",
                &files,
                day(11, 17),
            )
            .await
            .unwrap();
        // HR must answer within 3 working days: Wed 18, Thu 19, Fri 20.
        let a = t.store.appeal(id).await.unwrap();
        assert_eq!(a.hr_due, day(11, 20));
        assert_eq!(
            t.store.inbox(&t.hr).await.unwrap()[0].due_on,
            Some(day(11, 20))
        );
        let r = t
            .store
            .file_appeal(&t.subject, oct(), "again", &[], day(11, 17))
            .await;
        assert_eq!(
            refusal(r.map(|_| Stage::Locked)).kind,
            RefusalKind::Duplicate
        );
        // Only HR accepts; only the committee rules.
        assert!(
            t.store
                .accept_appeal(&t.committee, id, day(11, 18))
                .await
                .is_err()
        );
        t.store.accept_appeal(&t.hr, id, day(11, 18)).await.unwrap();
        t.store
            .investigate_appeal(
                &t.hr,
                id,
                "peer rated the wrong person",
                "raise knowledge to 95",
                day(11, 19),
            )
            .await
            .unwrap();
        assert!(
            t.store
                .rule_appeal(&t.hr, id, None, "x", day(11, 20))
                .await
                .is_err()
        );
        let fix = Correction {
            // 0.5 × 100 + 0.5 × 95 = 97.5.
            score: 97.5,
            lines: vec![("product_knowledge".into(), Some(95.0))],
            compensation: Some(compensation(300, "bonus difference")),
        };
        t.store
            .rule_appeal(
                &t.committee,
                id,
                Some(fix),
                "upheld: rating error",
                day(11, 20),
            )
            .await
            .unwrap();
        let versions = t.store.scorecard_versions(&t.hr, oct(), 1).await.unwrap();
        assert_eq!(versions.len(), 2, "{backend}");
        assert_eq!(
            (versions[0].0, versions[0].1, versions[0].3),
            (1, Some(91.5), false)
        );
        assert_eq!(
            (versions[1].0, versions[1].1, versions[1].3),
            (2, Some(97.5), true)
        );
        assert!(versions[1].4.starts_with(&format!("appeal {id}")));
        let cards: Vec<(i32, i64, String)> = t
            .store
            .fetch_all(&Sql::new(
                "SELECT version, id, lines FROM scorecards WHERE period = '2026-10' AND employee_id = 1 ORDER BY version",
            ))
            .await
            .unwrap();
        let lines: Vec<(i32, Option<f64>)> = cards
            .iter()
            .map(|(version, id, text)| {
                let lines = kaohe_store::evaluate::lines::unpack(*id, text).unwrap();
                let l = lines
                    .iter()
                    .find(|l| l.indicator_code == "product_knowledge");
                (*version, l.and_then(|l| l.score))
            })
            .collect();
        assert_eq!(lines, vec![(1, Some(83.0)), (2, Some(95.0))]);
        let state = t.state().await;
        assert_eq!(state.stage(), Stage::Locked);
        assert_eq!(state.results().len(), 2);
        assert_eq!(state.current_result().unwrap().result.grade, "excellent");
        let rows = t.store.appeals(&t.hr, oct()).await.unwrap();
        assert_eq!(rows[0].status, "upheld");
        assert_eq!(rows[0].evidence, "ratings-sheet.pdf");
        assert_eq!(rows[0].compensation_cents, 30_000);
        assert!(rows[0].corrected_scorecard_id.is_some());
        let audited = t
            .count("SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log WHERE entity = 'appeal'")
            .await;
        assert_eq!(audited, 4, "filed, accepted, investigated, ruled");
        // The current scorecard the web reads is the new version.
        let cards = t.store.scorecards(&t.hr, "2026-10", Some(1)).await.unwrap();
        assert_eq!((cards[0].version, cards[0].total), (2, Some(97.5)));
        // The bonus follows the corrected version: base 3,000 yuan × 1.5 = 4,500 yuan. Without
        // a base it is refused, naming the person.
        let e = t.store.compute_bonuses(&t.hr, oct()).await.unwrap_err();
        assert!(e.to_string().contains("P1（E001）"), "{backend}: {e}");
        set_base(&t, BaseScope::Person, "E001", 3000).await;
        assert!(
            t.store.compute_bonuses(&t.subject, oct()).await.is_err(),
            "not for a rep"
        );
        let b = t.store.compute_bonuses(&t.hr, oct()).await.unwrap();
        assert_eq!(
            (b[0].bonus.0, b[0].result_version, b[0].coefficient),
            (450_000, 2, 1.5)
        );
    }
}

/// Scheme `t` paid quarterly (the supervisor's quarterly reward, seed 003): the month pays
/// nothing itself; the quarter pays from its stored result once its months are published, and
/// follows an upheld appeal against one of them.
#[tokio::test]
async fn a_quarterly_reward_is_paid_from_the_quarter_and_follows_an_upheld_appeal() {
    let quarterly = LIBRARY.replace(
        "positions = [\"tele\"]",
        "positions = [\"tele\"]\nbonus_period = \"quarter\"",
    );
    let q4 = Period::parse("2026-Q4").unwrap();
    let year = Period::parse("2026").unwrap();
    for db in every_backend().await {
        let backend = db.backend;
        let t = setup_with(db.open().await, &quarterly).await;
        t.to_locked().await;
        assert!(
            t.store
                .compute_bonuses(&t.hr, oct())
                .await
                .unwrap()
                .is_empty(),
            "{backend}: a quarterly scheme pays nothing for the month"
        );
        for p in [q4, year] {
            let req = EvalRequest {
                period: p,
                scheme: None,
                employee: None,
            };
            t.store.evaluate(&Viewer::system("t"), &req).await.unwrap();
        }
        set_base(&t, BaseScope::Company, "", 2000).await;
        // October alone is recorded: the quarter is its 91.5 (excellent, 1.5 × 2,000 yuan).
        let b = t.store.compute_bonuses(&t.hr, q4).await.unwrap();
        assert_eq!(b.len(), 1, "{backend}");
        assert_eq!(
            (
                b[0].score,
                b[0].grade.as_str(),
                b[0].coefficient,
                b[0].bonus.0
            ),
            (91.5, "excellent", 1.5, 300_000),
            "{backend}"
        );
        assert_eq!(b[0].result_version, 1);
        assert!(
            t.store
                .compute_bonuses(&t.hr, year)
                .await
                .unwrap()
                .is_empty()
        );
        // An upheld appeal against October: knowledge 70 → 0.5 × 100 + 0.5 × 70 = 85.
        let id = t
            .store
            .file_appeal(
                &t.subject,
                oct(),
                "the peer rated another person",
                &[],
                day(11, 17),
            )
            .await
            .unwrap();
        t.store.accept_appeal(&t.hr, id, day(11, 18)).await.unwrap();
        t.store
            .investigate_appeal(&t.hr, id, "checked", "knowledge 70", day(11, 19))
            .await
            .unwrap();
        let fix = Correction {
            score: 85.0,
            lines: vec![("product_knowledge".into(), Some(70.0))],
            compensation: None,
        };
        t.store
            .rule_appeal(&t.committee, id, Some(fix), "upheld", day(11, 20))
            .await
            .unwrap();
        for p in [q4, year] {
            let v = t.store.scorecard_versions(&t.hr, p, 1).await.unwrap();
            assert_eq!(v.len(), 2, "{backend} {p}: {v:?}");
            assert_eq!(
                (v[0].0, v[0].1, v[0].3),
                (1, Some(91.5), false),
                "{backend} {p}"
            );
            assert_eq!(
                (v[1].0, v[1].1, v[1].3),
                (2, Some(85.0), true),
                "{backend} {p}"
            );
            assert!(
                v[1].4.starts_with(&format!("appeal {id} on 2026-10")),
                "{backend} {p}: {}",
                v[1].4
            );
        }
        let audited = t
            .count("SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log WHERE entity = 'scorecards' AND entity_id = '2026-Q4/1'")
            .await;
        assert_eq!(audited, 1, "{backend}");
        // good, 1.2 × 2,000 yuan, from the quarter's second version.
        let b = t.store.compute_bonuses(&t.hr, q4).await.unwrap();
        assert_eq!(
            (
                b[0].score,
                b[0].grade.as_str(),
                b[0].coefficient,
                b[0].bonus.0,
                b[0].result_version
            ),
            (85.0, "good", 1.2, 240_000, 2),
            "{backend}"
        );
        // November opened and not yet published: the quarter's bonus waits, naming who.
        t.store
            .open_cycles(&t.hr, Period::parse("2026-11").unwrap())
            .await
            .unwrap();
        let e = t.store.compute_bonuses(&t.hr, q4).await.unwrap_err();
        assert!(e.to_string().contains("P1 2026-11"), "{backend}: {e}");
    }
}

#[tokio::test]
async fn an_appeal_rejected_or_dismissed_changes_nothing() {
    for db in every_backend().await {
        let t = setup(db.open().await).await;
        t.to_published().await;
        let id = t
            .store
            .file_appeal(&t.subject, oct(), "too low", &[], day(11, 13))
            .await
            .unwrap();
        // A rejection needs a reason.
        let r = t.store.reject_appeal(&t.hr, id, "  ", day(11, 16)).await;
        assert!(matches!(r, Err(StoreError::Refused(ref x)) if x.kind == RefusalKind::Invalid));
        t.store
            .reject_appeal(&t.hr, id, "no factual basis (无客观事实依据)", day(11, 16))
            .await
            .unwrap();
        let rows = t.store.appeals(&t.hr, oct()).await.unwrap();
        assert_eq!(
            (rows[0].status.as_str(), rows[0].hr_reason.as_str()),
            ("rejected", "no factual basis (无客观事实依据)")
        );
        // A rejected appeal cannot be accepted afterwards.
        assert!(t.store.accept_appeal(&t.hr, id, day(11, 16)).await.is_err());
        // A new appeal, accepted, investigated and dismissed.
        let id2 = t
            .store
            .file_appeal(&t.subject, oct(), "still too low", &[], day(11, 16))
            .await
            .unwrap();
        t.store
            .accept_appeal(&t.hr, id2, day(11, 16))
            .await
            .unwrap();
        t.store
            .investigate_appeal(&t.hr, id2, "ratings checked", "dismiss", day(11, 17))
            .await
            .unwrap();
        t.store
            .rule_appeal(&t.committee, id2, None, "ratings stand", day(11, 18))
            .await
            .unwrap();
        assert_eq!(
            t.store.appeals(&t.hr, oct()).await.unwrap()[1].status,
            "dismissed",
            "{}",
            db.backend
        );
        let versions = t.store.scorecard_versions(&t.hr, oct(), 1).await.unwrap();
        assert_eq!(versions.len(), 1);
        assert_eq!(t.state().await.results().len(), 1);
    }
}

fn level(id: i64, code: &str, months: i32) -> Level {
    Level {
        id,
        ladder: "property_consultant".into(),
        code: code.into(),
        name: code.into(),
        name_en: code.into(),
        rank: id as i32,
        base_salary_cents: 120_000,
        months_without_deal: Some(months),
        promotion_standard: String::new(),
    }
}

/// A contract of `yuan` signed on `on` by `employee`.
async fn deal(store: &Store, n: i64, employee: i64, on: NaiveDate, yuan: i64) {
    let at = on.and_hms_opt(3, 0, 0).unwrap().and_utc();
    let mut sql = Sql::new(
        "INSERT INTO contracts (contract_no, customer_id, employee_id, amount_cents, status, drafted_at, sign_due_at, signed_at, signed_day) VALUES (",
    );
    sql.bind(format!("K{n}"))
        .push(", 1, ")
        .bind(employee)
        .push(", ")
        .bind(yuan * 100)
        .push(", 'signed', ")
        .bind(at)
        .push(", ")
        .bind(at)
        .push(", ")
        .bind(at)
        .push(", ")
        .bind(on)
        .push(")");
    store.execute(&sql).await.unwrap();
}

#[tokio::test]
async fn the_ladder_recommends_exactly_at_its_thresholds_and_a_manager_decides() {
    for db in every_backend().await {
        let t = setup(db.open().await).await;
        let s = &t.store;
        let mut tx = s.begin().await.unwrap();
        tx.insert_rows(&[
            level(1, "trainee", 6),
            level(2, "consultant", 6),
            level(3, "senior", 3),
            level(4, "principal", 1),
        ])
        .await
        .unwrap();
        tx.sync_id_sequences(&["levels"]).await.unwrap();
        tx.commit().await.unwrap();
        // People 5 (trainee), 6 (consultant), 1 (senior), all since 2026-01-01 (hired then).
        for (emp, lvl) in [(5, 1), (6, 2), (1, 3)] {
            let mut sql = Sql::new("UPDATE employees SET level_id = ");
            sql.bind(lvl).push(" WHERE id = ").bind(emp);
            s.execute(&sql).await.unwrap();
        }
        let mut sql = Sql::new(
            "INSERT INTO customers (archive_no, name, class, owner_id, created_at, updated_at) VALUES ('C1', 'ACME', 'key', 1, ",
        );
        sql.bind(Utc::now()).push(", ").bind(Utc::now()).push(")");
        s.execute(&sql).await.unwrap();
        // Consultant: last deal 2026-03-10 → April … August is 5 months, September the 6th.
        deal(s, 1, 6, day(3, 10), 100_000).await;
        // Senior: deals on 2026-04-15 and 2026-06-20 → May is 1 month without; after the
        // June deal July and August are 2, September the 3rd.
        deal(s, 2, 1, day(6, 20), 100_000).await;
        deal(s, 3, 1, day(4, 15), 100_000).await;
        // Trainee: no deal since hired on 2026-01-01 → May is the 5th month, June the 6th.
        let may = Period::parse("2026-05").unwrap();
        let june = Period::parse("2026-06").unwrap();
        let aug = Period::parse("2026-08").unwrap();
        let sep = Period::parse("2026-09").unwrap();
        assert!(
            s.evaluate_ladder(&t.hr, may).await.unwrap().is_empty(),
            "{}",
            db.backend
        );
        let r = s.evaluate_ladder(&t.hr, june).await.unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!((r[0].employee_id, r[0].kind.as_str()), (5, "dismiss"));
        // August: the consultant's 5th and the senior's 2nd month — below their thresholds.
        let r = s.evaluate_ladder(&t.hr, aug).await.unwrap();
        let got: Vec<_> = r.iter().map(|x| (x.employee_id, x.kind.as_str())).collect();
        assert_eq!(got, vec![(5, "dismiss")]);
        let r = s.evaluate_ladder(&t.hr, sep).await.unwrap();
        let got: Vec<_> = r.iter().map(|x| (x.employee_id, x.kind.as_str())).collect();
        // The trainee's dismissal is recommended again each month until decided.
        assert_eq!(got, vec![(1, "demote"), (5, "dismiss"), (6, "demote")]);
        // Only a manager (or the superior) decides; a rejection needs a reason.
        let senior = r.iter().find(|x| x.employee_id == 1).unwrap().id;
        assert!(
            s.decide_ladder(&t.hr, senior, Decision::Confirm, day(10, 1))
                .await
                .is_err()
        );
        let empty = Decision::Reject { reason: " ".into() };
        assert!(
            s.decide_ladder(&t.boss, senior, empty, day(10, 1))
                .await
                .is_err()
        );
        // A manager of another department: the senior is outside their data scope, so the
        // recommendation is not found for them and stays undecided.
        let elsewhere = Viewer {
            department_ids: vec![9_999],
            team_id: None,
            ..t.boss.clone()
        };
        let outside = s
            .decide_ladder(&elsewhere, senior, Decision::Confirm, day(10, 1))
            .await;
        assert!(
            matches!(outside, Err(StoreError::NotFound { .. })),
            "{outside:?}"
        );
        let why = Decision::Reject {
            reason: "big deal pending".into(),
        };
        s.decide_ladder(&t.boss, senior, why, day(10, 1))
            .await
            .unwrap();
        // The consultant's demotion confirmed: level history and the current level move.
        let consultant = r.iter().find(|x| x.employee_id == 6).unwrap().id;
        s.decide_ladder(&t.boss, consultant, Decision::Confirm, day(10, 1))
            .await
            .unwrap();
        let h = s.level_history(&t.hr, 6).await.unwrap();
        let got: Vec<_> = h
            .iter()
            .map(|x| (x.level.as_str(), x.valid_from, x.reason.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("consultant", day(1, 1), "placed"),
                ("trainee", day(10, 1), "demoted")
            ]
        );
        let lvl = t
            .count("SELECT CAST(level_id AS BIGINT) FROM employees WHERE id = 6")
            .await;
        assert_eq!(lvl, 1);
        // The trainee gets the one-time 15-day grace period instead of dismissal.
        let trainee = r.iter().find(|x| x.employee_id == 5).unwrap().id;
        s.decide_ladder(&t.boss, trainee, Decision::GrantGrace, day(10, 1))
            .await
            .unwrap();
        let rows = s.ladder_decisions(sep).await.unwrap();
        let t5 = rows.iter().find(|x| x.employee_id == 5).unwrap();
        assert_eq!(
            (t5.status.as_str(), t5.grace_until),
            ("grace_granted", Some(day(10, 16)))
        );
        let r1 = rows.iter().find(|x| x.employee_id == 1).unwrap();
        assert_eq!(
            (r1.status.as_str(), r1.reason.as_str()),
            ("rejected", "big deal pending")
        );
        // Decided once: a second decision is refused.
        assert!(
            s.decide_ladder(&t.boss, trainee, Decision::Confirm, day(10, 2))
                .await
                .is_err()
        );
        // The grace ran to Oct 16 without a deal: October's evaluation recommends dismissal
        // again, now without a second grace.
        let oct_rows = s.evaluate_ladder(&t.hr, oct()).await.unwrap();
        let t5 = oct_rows.iter().find(|x| x.employee_id == 5).unwrap();
        assert!(t5.basis.contains("grace period ended"), "{}", t5.basis);
        assert!(
            t5.recommendation.contains("\"grace_days\":null"),
            "{}",
            t5.recommendation
        );
        let audited = t
            .count(
                "SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log WHERE entity = 'ladder_decision'",
            )
            .await;
        assert_eq!(audited, 3);
    }
}

#[tokio::test]
async fn awards_come_from_the_records_with_their_tie_break_shown_then_a_manager_decides() {
    for db in every_backend().await {
        let t = setup(db.open().await).await;
        // Person 5 is assessed too this time.
        t.store
            .execute(&Sql::new(
                "UPDATE employees SET position_id = 1 WHERE id = 5",
            ))
            .await
            .unwrap();
        t.store.open_cycles(&t.hr, oct()).await.unwrap();
        let mut sql = Sql::new(
            "INSERT INTO customers (archive_no, name, class, owner_id, created_at, updated_at) VALUES ('C1', 'ACME', 'key', 1, ",
        );
        sql.bind(Utc::now()).push(", ").bind(Utc::now()).push(")");
        t.store.execute(&sql).await.unwrap();
        // Person 1: 2,000,000 on Oct 5 and 3,000,000 on Oct 12; person 5: 5,000,000 on Oct 10.
        // Both signed 5,000,000 (the champion's minimum): person 5 reached it first and wins,
        // the tie shown; person 1 signed the month's first contract.
        deal(&t.store, 1, 1, day(10, 5), 2_000_000).await;
        deal(&t.store, 2, 1, day(10, 12), 3_000_000).await;
        deal(&t.store, 3, 5, day(10, 10), 5_000_000).await;
        let rows = t.store.compute_awards(&t.hr, oct()).await.unwrap();
        let got: Vec<_> = rows
            .iter()
            .map(|a| (a.rule_code.as_str(), a.employee_id, a.amount_cents))
            .collect();
        assert_eq!(
            got,
            vec![
                ("first_deal", Some(1), 10_000),
                ("sales_champion", Some(5), 100_000)
            ],
            "{}",
            db.backend
        );
        let champion = &rows[1];
        assert!(
            champion.tie_break.contains("reaching the amount first"),
            "{}",
            champion.tie_break
        );
        assert!(rows[0].tie_break.is_empty());
        // A rep cannot confirm; a rejection needs a reason.
        let confirm = kaohe_store::awards::AwardDecision::Confirm { amount: None };
        let r = t
            .store
            .decide_award(&t.subject, champion.id, confirm.clone(), day(11, 2))
            .await;
        assert!(matches!(r, Err(StoreError::Refused(ref x)) if x.kind == RefusalKind::WrongRole));
        // A manager of another department: the award is outside their data scope, so it is
        // not found for them and stays proposed.
        let elsewhere = Viewer {
            department_ids: vec![9_999],
            team_id: None,
            ..t.boss.clone()
        };
        let r = t
            .store
            .decide_award(&elsewhere, champion.id, confirm.clone(), day(11, 2))
            .await;
        assert!(matches!(r, Err(StoreError::NotFound { .. })), "{r:?}");
        let no_reason = kaohe_store::awards::AwardDecision::Reject {
            reason: String::new(),
        };
        assert!(
            t.store
                .decide_award(&t.boss, rows[0].id, no_reason, day(11, 2))
                .await
                .is_err()
        );
        t.store
            .decide_award(&t.boss, champion.id, confirm.clone(), day(11, 2))
            .await
            .unwrap();
        let reject = kaohe_store::awards::AwardDecision::Reject {
            reason: "disputed contract".into(),
        };
        t.store
            .decide_award(&t.boss, rows[0].id, reject, day(11, 2))
            .await
            .unwrap();
        assert!(
            t.store
                .decide_award(&t.boss, champion.id, confirm, day(11, 2))
                .await
                .is_err(),
            "decided once"
        );
        // Finance pays; recomputing keeps the decided awards and adds nothing twice.
        let finance = Viewer {
            role: Role::Finance,
            ..t.hr.clone()
        };
        assert!(
            t.store.mark_award_paid(&t.hr, champion.id).await.is_err(),
            "finance pays"
        );
        t.store
            .mark_award_paid(&finance, champion.id)
            .await
            .unwrap();
        assert!(
            t.store.mark_award_paid(&finance, rows[0].id).await.is_err(),
            "a rejected award is not paid"
        );
        let again = t.store.compute_awards(&t.hr, oct()).await.unwrap();
        let got: Vec<_> = again
            .iter()
            .map(|a| (a.rule_code.as_str(), a.status.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![("first_deal", "rejected"), ("sales_champion", "paid")]
        );
        // Payroll: the paid award (no result is published yet, so no bonus).
        let pay = t.store.payroll(&finance, oct()).await.unwrap();
        assert_eq!(pay.len(), 1);
        assert_eq!(
            (pay[0].item.as_str(), pay[0].amount.0),
            ("sales_champion", 100_000)
        );
        assert_eq!(pay[0].employee_no, "E005");
    }
}
