use super::*;
use crate::calendar::{Calendar, DayKind};
use crate::scheme::RaterGroup;
use chrono::Duration;
use proptest::prelude::*;

fn d(m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, day).unwrap()
}

/// National Day 2026: Oct 1–7 off, Saturday Oct 10 a make-up working day.
fn cal() -> Calendar {
    let mut days: Vec<_> = (1..=7).map(|n| (d(10, n), DayKind::Holiday)).collect();
    days.push((d(10, 10), DayKind::Workday));
    Calendar::new(days)
}

const SUBJECT: EmployeeId = 1;

fn actor(role: Role, id: EmployeeId) -> Actor {
    Actor {
        role,
        employee_id: id,
        is_subject: id == SUBJECT,
        is_superior_of_subject: id == 2,
    }
}

fn subject() -> Actor {
    actor(Role::Rep, SUBJECT)
}
fn superior() -> Actor {
    actor(Role::Manager, 2)
}
fn hr() -> Actor {
    actor(Role::Hr, 3)
}
fn committee() -> Actor {
    actor(Role::Committee, 4)
}
fn peer() -> Actor {
    actor(Role::Rep, 5)
}
fn stranger() -> Actor {
    actor(Role::Rep, 6)
}

fn setup() -> CycleSetup {
    let mut s = CycleSetup::new(SUBJECT, Period::parse("2026-10").unwrap(), "telesales");
    s.rated_indicators = vec!["product_knowledge".into()];
    s.previous_shortfalls = vec!["回访不及时".into()];
    s
}

fn step(state: &CycleState, action: Action, who: Actor, on: NaiveDate) -> CycleState {
    match apply(state, action, &who, on, &Deadlines::default(), &cal()) {
        Ok(o) => o.state,
        Err(r) => panic!("refused: {r}"),
    }
}

fn refused(state: &CycleState, action: Action, who: Actor, on: NaiveDate) -> Refusal {
    apply(state, action, &who, on, &Deadlines::default(), &cal()).expect_err("should be refused")
}

fn result(score: f64, grade: &str) -> AssessmentResult {
    AssessmentResult {
        score,
        grade: grade.into(),
        coefficient: 1.0,
        lines: vec![ResultLine {
            indicator: "product_knowledge".into(),
            score: Some(score),
        }],
    }
}

fn propose() -> Action {
    Action::ProposeTargets {
        targets: vec![Target {
            indicator: "telesales_plan_completion".into(),
            value: Some(100.0),
        }],
        basis: "上期完成 96%".into(),
    }
}

fn rate(value: f64) -> Action {
    Action::SubmitRating {
        group: RaterGroup::Superior,
        indicator: "product_knowledge".into(),
        value,
        comment: String::new(),
    }
}

fn self_review() -> Action {
    Action::SubmitSelfReview {
        work_report: "完成 120 通电话".into(),
        self_evaluation: "良好".into(),
    }
}

/// Each stage reached the ordinary way.
fn at(stage: Stage) -> CycleState {
    let mut s = CycleState::new(setup());
    let path: Vec<(Action, Actor, NaiveDate, Stage)> = vec![
        (propose(), superior(), d(9, 28), Stage::TargetsProposed),
        (
            Action::ConfirmTargets,
            subject(),
            d(9, 29),
            Stage::TargetsConfirmed,
        ),
        (
            Action::ApproveTargetsHr,
            hr(),
            d(9, 30),
            Stage::TargetsReviewed,
        ),
        (
            Action::ApproveTargetsCommittee,
            committee(),
            d(9, 30),
            Stage::Open,
        ),
        (self_review(), subject(), d(11, 2), Stage::Rating),
        (rate(88.0), superior(), d(11, 5), Stage::Rating),
        (
            Action::Consolidate {
                result: result(88.0, "good"),
            },
            hr(),
            d(11, 9),
            Stage::Consolidated,
        ),
        (
            Action::ApproveResult,
            committee(),
            d(11, 12),
            Stage::Published,
        ),
        (
            Action::RecordInterview {
                strengths: vec!["态度积极".into()],
                shortfalls: vec!["新客户开发不足".into()],
                employee_comments: "同意".into(),
            },
            superior(),
            d(11, 13),
            Stage::Published,
        ),
        (Action::Lock, hr(), d(11, 16), Stage::Locked),
    ];
    if s.stage() == stage {
        return s;
    }
    for (action, who, on, to) in path {
        s = step(&s, action, who, on);
        assert_eq!(s.stage(), to);
        if to == stage && !(stage == Stage::Published && s.interview().is_none()) {
            return s;
        }
    }
    s
}

// ---- the whole path -------------------------------------------------------------------------

#[test]
fn the_ordinary_cycle_runs_from_drafting_to_locked_and_records_every_step() {
    let s = at(Stage::Locked);
    assert_eq!(s.stage(), Stage::Locked);
    let kinds: Vec<_> = s.history().iter().map(|t| t.action).collect();
    assert_eq!(kinds.first(), Some(&ActionKind::ProposeTargets));
    assert_eq!(kinds.last(), Some(&ActionKind::Lock));
    assert_eq!(s.history().len(), 10);
    assert!(s.history().iter().all(|t| !t.late));
    assert_eq!(s.results().len(), 1);
    assert_eq!(s.published_on(), Some(d(11, 12)));
}

#[test]
fn a_locked_cycle_allows_nothing_that_changes_it() {
    let s = at(Stage::Locked);
    for a in [subject(), superior(), hr(), committee(), peer()] {
        assert!(allowed_actions(&s, &a).is_empty(), "{a:?}");
    }
    let r = refused(
        &s,
        Action::Consolidate {
            result: result(99.0, "excellent"),
        },
        hr(),
        d(11, 20),
    );
    assert_eq!(r.kind, RefusalKind::WrongState);
}

// ---- targets ----------------------------------------------------------------------------------

#[test]
fn the_employee_disputes_targets_and_the_manager_proposes_again() {
    let s = at(Stage::TargetsProposed);
    let empty = refused(
        &s,
        Action::DisputeTargets { reason: " ".into() },
        subject(),
        d(9, 29),
    );
    assert_eq!(empty.kind, RefusalKind::Invalid);
    let s = step(
        &s,
        Action::DisputeTargets {
            reason: "目标过高".into(),
        },
        subject(),
        d(9, 29),
    );
    assert_eq!(s.stage(), Stage::TargetsReturned);
    assert_eq!(s.return_reason(), Some("目标过高"));
    assert_eq!(
        allowed_actions(&s, &superior()),
        vec![ActionKind::ProposeTargets, ActionKind::AssignRater]
    );
    let s = step(&s, propose(), superior(), d(9, 30));
    assert_eq!(s.stage(), Stage::TargetsProposed);
}

#[test]
fn hr_and_the_committee_can_return_targets_with_a_reason() {
    let s = at(Stage::TargetsConfirmed);
    let s2 = step(
        &s,
        Action::ReturnTargetsHr {
            reason: "缺少回款指标".into(),
        },
        hr(),
        d(9, 30),
    );
    assert_eq!(s2.stage(), Stage::TargetsReturned);
    let s = at(Stage::TargetsReviewed);
    let s3 = step(
        &s,
        Action::ReturnTargetsCommittee {
            reason: "偏低".into(),
        },
        committee(),
        d(9, 30),
    );
    assert_eq!(s3.stage(), Stage::TargetsReturned);
}

#[test]
fn targets_agreed_after_their_deadline_are_accepted_and_flagged_late() {
    // Working day 5 of October 2026 is Tuesday Oct 13 (Oct 1–7 off, Saturday Oct 10 worked).
    assert_eq!(
        Deadlines::default().targets_due(Period::parse("2026-10").unwrap(), &cal()),
        d(10, 13)
    );
    let s = at(Stage::TargetsProposed);
    let o = apply(
        &s,
        Action::ConfirmTargets,
        &subject(),
        d(10, 14),
        &Deadlines::default(),
        &cal(),
    )
    .unwrap();
    assert!(o.transition.late);
}

#[test]
fn each_target_step_refuses_the_wrong_role() {
    let cases = [
        (Stage::Drafting, propose(), subject()),
        (Stage::Drafting, propose(), hr()),
        (Stage::TargetsProposed, Action::ConfirmTargets, superior()),
        (
            Stage::TargetsProposed,
            Action::DisputeTargets { reason: "x".into() },
            hr(),
        ),
        (
            Stage::TargetsConfirmed,
            Action::ApproveTargetsHr,
            superior(),
        ),
        (
            Stage::TargetsConfirmed,
            Action::ReturnTargetsHr { reason: "x".into() },
            committee(),
        ),
        (
            Stage::TargetsReviewed,
            Action::ApproveTargetsCommittee,
            hr(),
        ),
        (
            Stage::TargetsReviewed,
            Action::ReturnTargetsCommittee { reason: "x".into() },
            subject(),
        ),
    ];
    for (stage, action, who) in cases {
        let r = refused(&at(stage), action.clone(), who, d(9, 30));
        assert_eq!(r.kind, RefusalKind::WrongRole, "{action:?} by {who:?}");
        assert!(r.zh.starts_with("只有") && r.en.starts_with("only"), "{r}");
    }
}

#[test]
fn each_later_step_refuses_the_wrong_role() {
    let interview = || Action::RecordInterview {
        strengths: vec![],
        shortfalls: vec![],
        employee_comments: "无".into(),
    };
    let plan = || Action::SetImprovementPlan {
        items: vec![PlanItemInput {
            item: "x".into(),
            owner_id: SUBJECT,
            due_on: d(12, 1),
        }],
    };
    let cases = [
        (
            Stage::Open,
            Action::CloseSelfReview { reason: "x".into() },
            superior(),
            d(11, 5),
        ),
        (Stage::Rating, rate(80.0), peer(), d(11, 5)),
        (
            Stage::Rating,
            Action::ExtendRating {
                until: d(11, 20),
                reason: "x".into(),
            },
            committee(),
            d(11, 5),
        ),
        (
            Stage::Rating,
            Action::Consolidate {
                result: result(80.0, "good"),
            },
            committee(),
            d(11, 10),
        ),
        (
            Stage::Consolidated,
            Action::ApproveResult,
            superior(),
            d(11, 12),
        ),
        (
            Stage::Consolidated,
            Action::ReturnResult { reason: "x".into() },
            hr(),
            d(11, 12),
        ),
        (Stage::Published, interview(), subject(), d(11, 13)),
        (Stage::Published, plan(), hr(), d(11, 13)),
        (Stage::Published, Action::Lock, superior(), d(11, 16)),
    ];
    for (stage, action, who, on) in cases {
        let r = refused(&at(stage), action.clone(), who, on);
        assert_eq!(r.kind, RefusalKind::WrongRole, "{action:?} by {who:?}");
    }
}

#[test]
fn each_later_step_refuses_the_wrong_stage() {
    let cases = [
        (Stage::TargetsReviewed, self_review(), subject()),
        (Stage::Open, rate(80.0), superior()),
        (
            Stage::Open,
            Action::Consolidate {
                result: result(80.0, "good"),
            },
            hr(),
        ),
        (Stage::Rating, Action::ApproveResult, committee()),
        (Stage::Consolidated, Action::Lock, hr()),
        (Stage::Published, Action::ApproveResult, committee()),
        (
            Stage::Published,
            Action::FollowUp {
                item: 0,
                note: "x".into(),
                done: true,
            },
            superior(),
        ),
    ];
    for (stage, action, who) in cases {
        let r = refused(&at(stage), action.clone(), who, d(11, 13));
        assert_eq!(r.kind, RefusalKind::WrongState, "{action:?} in {stage:?}");
    }
}

#[test]
fn hr_cannot_approve_targets_in_their_own_cycle() {
    let own_hr = Actor {
        role: Role::Hr,
        employee_id: SUBJECT,
        is_subject: true,
        is_superior_of_subject: false,
    };
    let r = refused(
        &at(Stage::TargetsConfirmed),
        Action::ApproveTargetsHr,
        own_hr,
        d(9, 30),
    );
    assert_eq!(r.kind, RefusalKind::WrongRole);
}

#[test]
fn a_step_in_the_wrong_stage_says_what_is_allowed_now() {
    let s = at(Stage::Drafting);
    let r = refused(&s, Action::ConfirmTargets, subject(), d(9, 29));
    assert_eq!(r.kind, RefusalKind::WrongState);
    assert!(r.zh.contains("待设定指标"), "{}", r.zh);
    assert!(r.en.contains("targets not set"), "{}", r.en);
    let r = refused(&s, Action::ConfirmTargets, superior(), d(9, 29));
    let allowed: Vec<_> = r.allowed_now.iter().map(|a| a.action).collect();
    assert_eq!(allowed, vec!["propose_targets", "assign_rater"]);
    assert!(r.to_string().contains("提出考核指标"));
}

// ---- self-review ----------------------------------------------------------------------------

#[test]
fn a_self_review_before_the_last_day_of_the_period_is_too_early() {
    let s = at(Stage::Open);
    assert_eq!(
        refused(&s, self_review(), subject(), d(10, 30)).kind,
        RefusalKind::TooEarly
    );
    assert_eq!(
        step(&s, self_review(), subject(), d(10, 31)).stage(),
        Stage::Rating
    );
}

#[test]
fn a_late_self_review_is_accepted_and_flagged_late() {
    // Working day 3 of November 2026 is Wednesday Nov 4.
    let s = at(Stage::Open);
    let on_time = apply(
        &s,
        self_review(),
        &subject(),
        d(11, 4),
        &Deadlines::default(),
        &cal(),
    )
    .unwrap();
    assert!(!on_time.transition.late);
    let late = apply(
        &s,
        self_review(),
        &subject(),
        d(11, 5),
        &Deadlines::default(),
        &cal(),
    )
    .unwrap();
    assert!(late.transition.late && late.state.self_review().unwrap().late);
}

#[test]
fn only_the_subject_submits_the_self_review() {
    let r = refused(&at(Stage::Open), self_review(), superior(), d(11, 2));
    assert_eq!(r.kind, RefusalKind::WrongRole);
    assert_eq!(
        r.allowed_now.iter().map(|a| a.action).collect::<Vec<_>>(),
        vec!["assign_rater"]
    );
}

#[test]
fn hr_closes_a_missing_self_review_only_after_its_deadline_and_it_may_still_come_late() {
    let s = at(Stage::Open);
    let close = || Action::CloseSelfReview {
        reason: "未按时提交".into(),
    };
    assert_eq!(
        refused(&s, close(), hr(), d(11, 4)).kind,
        RefusalKind::TooEarly
    );
    assert_eq!(
        refused(&s, close(), subject(), d(11, 5)).kind,
        RefusalKind::WrongRole
    );
    let s = step(&s, close(), hr(), d(11, 5));
    assert_eq!(s.stage(), Stage::Rating);
    assert!(allowed_actions(&s, &subject()).contains(&ActionKind::SubmitSelfReview));
    let s = step(&s, self_review(), subject(), d(11, 6));
    assert!(s.self_review().unwrap().late);
    assert!(!allowed_actions(&s, &subject()).contains(&ActionKind::SubmitSelfReview));
}

// ---- raters and ratings --------------------------------------------------------------------

fn assign(who: EmployeeId, group: RaterGroup) -> Action {
    Action::AssignRater {
        rater_id: who,
        group,
    }
}

fn peer_rating(value: f64) -> Action {
    Action::SubmitRating {
        group: RaterGroup::Peers,
        indicator: "product_knowledge".into(),
        value,
        comment: String::new(),
    }
}

#[test]
fn peers_are_assigned_not_self_chosen() {
    let s = at(Stage::Open);
    let r = refused(&s, assign(5, RaterGroup::Peers), subject(), d(10, 20));
    assert_eq!(r.kind, RefusalKind::WrongRole);
    let s = step(&s, assign(5, RaterGroup::Peers), hr(), d(10, 20));
    assert_eq!(s.raters().len(), 1);
    let dup = refused(&s, assign(5, RaterGroup::Peers), superior(), d(10, 21));
    assert_eq!(dup.kind, RefusalKind::Duplicate);
}

#[test]
fn the_subject_cannot_be_their_own_peer_rater() {
    let s = at(Stage::Open);
    let r = refused(&s, assign(SUBJECT, RaterGroup::Peers), hr(), d(10, 20));
    assert_eq!(r.kind, RefusalKind::Invalid);
    assert!(
        r.en.contains("cannot rate themself in the peers group"),
        "{}",
        r.en
    );
    // Nor rate in it when assigned by some other path.
    let s = step(
        &at(Stage::Rating),
        assign(5, RaterGroup::Peers),
        hr(),
        d(11, 3),
    );
    let r = refused(&s, peer_rating(90.0), subject(), d(11, 5));
    assert_eq!(r.kind, RefusalKind::WrongRole);
}

#[test]
fn customers_and_the_self_group_are_never_assigned() {
    let s = at(Stage::Open);
    assert_eq!(
        refused(&s, assign(7, RaterGroup::Customers), hr(), d(10, 20)).kind,
        RefusalKind::Invalid
    );
    assert_eq!(
        refused(&s, assign(7, RaterGroup::SelfReview), hr(), d(10, 20)).kind,
        RefusalKind::Invalid
    );
    assert_eq!(
        refused(&s, assign(7, RaterGroup::Superior), superior(), d(10, 20)).kind,
        RefusalKind::WrongRole
    );
}

#[test]
fn an_unassigned_employee_cannot_rate() {
    let s = at(Stage::Rating);
    let r = refused(&s, peer_rating(90.0), stranger(), d(11, 5));
    assert_eq!(r.kind, RefusalKind::WrongRole);
    let s = step(&s, assign(6, RaterGroup::Peers), hr(), d(11, 5));
    let s = step(&s, peer_rating(90.0), stranger(), d(11, 5));
    assert_eq!(s.ratings().len(), 1);
}

#[test]
fn a_second_rating_before_the_deadline_replaces_the_first() {
    let s = at(Stage::Rating);
    let s = step(&s, rate(70.0), superior(), d(11, 5));
    let s = step(&s, rate(75.0), superior(), d(11, 9));
    let mine: Vec<_> = s
        .ratings()
        .iter()
        .filter(|r| r.group == RaterGroup::Superior)
        .collect();
    assert_eq!(mine.len(), 1);
    assert_eq!((mine[0].value, mine[0].revisions), (75.0, 1));
}

#[test]
fn a_rating_after_the_deadline_is_refused_and_needs_hr() {
    // Working day 6 of November 2026 is Monday Nov 9.
    let s = at(Stage::Rating);
    let r = refused(&s, rate(60.0), superior(), d(11, 10));
    assert_eq!(r.kind, RefusalKind::PastDeadline);
    assert!(r.zh.contains("人力资源部") && r.en.contains("HR"));
    let ext = Action::ExtendRating {
        until: d(11, 11),
        reason: "出差".into(),
    };
    assert_eq!(
        refused(&s, ext.clone(), superior(), d(11, 10)).kind,
        RefusalKind::WrongRole
    );
    let s = step(&s, ext, hr(), d(11, 10));
    let s = step(&s, rate(60.0), superior(), d(11, 11));
    assert_eq!(s.ratings()[0].value, 60.0);
    assert_eq!(
        refused(&s, rate(61.0), superior(), d(11, 12)).kind,
        RefusalKind::PastDeadline
    );
}

#[test]
fn ratings_run_from_0_to_the_schemes_cap() {
    let s = at(Stage::Rating);
    for bad in [-1.0, 100.5, f64::NAN] {
        assert_eq!(
            refused(&s, rate(bad), superior(), d(11, 5)).kind,
            RefusalKind::Invalid
        );
    }
    step(&s, rate(0.0), superior(), d(11, 5));
    step(&s, rate(100.0), superior(), d(11, 5));
    let mut setup = setup();
    setup.rating_cap = 120.0;
    let mut s = CycleState::new(setup);
    s.stage = Stage::Rating;
    step(&s, rate(120.0), superior(), d(11, 5));
}

#[test]
fn an_indicator_that_is_not_rated_cannot_be_rated() {
    let r = refused(
        &at(Stage::Rating),
        Action::SubmitRating {
            group: RaterGroup::Superior,
            indicator: "order_entry_error_rate".into(),
            value: 90.0,
            comment: String::new(),
        },
        superior(),
        d(11, 5),
    );
    assert_eq!(r.kind, RefusalKind::Invalid);
}

#[test]
fn a_customer_rates_through_a_redeemed_token_once() {
    let s = at(Stage::Rating);
    let now = d(11, 5).and_hms_opt(3, 0, 0).unwrap().and_utc();
    let mut token =
        CustomerToken::issue("h", SUBJECT, s.setup().period, 42, now, Duration::days(7));
    let proof = token.redeem(now).unwrap();
    let action = Action::RecordCustomerRating {
        token: proof,
        indicator: "product_knowledge".into(),
        value: 95.0,
    };
    let s2 = step(&s, action, stranger(), d(11, 5));
    let r = s2
        .ratings()
        .iter()
        .find(|r| r.group == RaterGroup::Customers)
        .unwrap();
    assert_eq!(r.rater, RaterId::Customer(42));
    assert_eq!(token.redeem(now), Err(TokenStatus::Used));

    let mut other = CustomerToken::issue("h2", 99, s.setup().period, 42, now, Duration::days(7));
    let wrong = Action::RecordCustomerRating {
        token: other.redeem(now).unwrap(),
        indicator: "product_knowledge".into(),
        value: 95.0,
    };
    assert_eq!(
        refused(&s, wrong, stranger(), d(11, 5)).kind,
        RefusalKind::Invalid
    );
}

// ---- consolidation and approval ------------------------------------------------------------

#[test]
fn hr_cannot_consolidate_before_the_deadline_while_ratings_are_missing() {
    let s = step(
        &at(Stage::Rating),
        assign(5, RaterGroup::Peers),
        hr(),
        d(11, 3),
    );
    let consolidate = || Action::Consolidate {
        result: result(80.0, "good"),
    };
    assert_eq!(
        refused(&s, consolidate(), hr(), d(11, 6)).kind,
        RefusalKind::TooEarly
    );
    // Complete: consolidation may come early.
    let done = step(&s, peer_rating(80.0), peer(), d(11, 6));
    assert_eq!(
        step(&done, consolidate(), hr(), d(11, 6)).stage(),
        Stage::Consolidated
    );
    // Past the rating deadline: HR consolidates with what there is, on time for its own
    // deadline (working day 8, Nov 11) and late after it.
    let o = apply(
        &s,
        consolidate(),
        &hr(),
        d(11, 10),
        &Deadlines::default(),
        &cal(),
    )
    .unwrap();
    assert_eq!(o.state.stage(), Stage::Consolidated);
    assert!(!o.transition.late);
    let o = apply(
        &s,
        consolidate(),
        &hr(),
        d(11, 12),
        &Deadlines::default(),
        &cal(),
    )
    .unwrap();
    assert!(o.transition.late);
    assert_eq!(
        refused(&s, consolidate(), superior(), d(11, 10)).kind,
        RefusalKind::WrongRole
    );
}

#[test]
fn the_committee_returns_a_result_to_rating_or_publishes_it() {
    let s = at(Stage::Consolidated);
    assert_eq!(
        refused(&s, Action::ApproveResult, hr(), d(11, 12)).kind,
        RefusalKind::WrongRole
    );
    let back = step(
        &s,
        Action::ReturnResult {
            reason: "评分依据不足".into(),
        },
        committee(),
        d(11, 12),
    );
    assert_eq!(back.stage(), Stage::Rating);
    let again = step(
        &back,
        Action::Consolidate {
            result: result(82.0, "good"),
        },
        hr(),
        d(11, 13),
    );
    assert_eq!(again.results().len(), 2);
    assert_eq!(again.current_result().unwrap().version, 2);
}

// ---- feedback and locking -------------------------------------------------------------------

#[test]
fn locking_needs_the_feedback_interview() {
    let s = at(Stage::Consolidated);
    let s = step(&s, Action::ApproveResult, committee(), d(11, 12));
    assert_eq!(
        refused(&s, Action::Lock, hr(), d(11, 13)).kind,
        RefusalKind::TooEarly
    );
    let interview_by_hr = Action::RecordInterview {
        strengths: vec![],
        shortfalls: vec![],
        employee_comments: "无".into(),
    };
    assert_eq!(
        refused(&s, interview_by_hr, hr(), d(11, 13)).kind,
        RefusalKind::WrongRole
    );
}

fn published_with(grade: &str, shortfalls: Vec<String>) -> CycleState {
    let s = at(Stage::Rating);
    let s = step(
        &s,
        Action::Consolidate {
            result: result(55.0, grade),
        },
        hr(),
        d(11, 10),
    );
    let s = step(&s, Action::ApproveResult, committee(), d(11, 12));
    step(
        &s,
        Action::RecordInterview {
            strengths: vec![],
            shortfalls,
            employee_comments: "会改进".into(),
        },
        superior(),
        d(11, 13),
    )
}

#[test]
fn a_failed_grade_requires_an_improvement_plan_before_locking() {
    let s = published_with("fail", vec![]);
    assert!(s.plan_required());
    assert_eq!(
        refused(&s, Action::Lock, hr(), d(11, 16)).kind,
        RefusalKind::TooEarly
    );
    let plan = Action::SetImprovementPlan {
        items: vec![PlanItemInput {
            item: "每日回访 10 个客户".into(),
            owner_id: SUBJECT,
            due_on: d(12, 31),
        }],
    };
    let s = step(&s, plan, superior(), d(11, 16));
    let s = step(&s, Action::Lock, hr(), d(11, 16));
    assert_eq!(s.stage(), Stage::Locked);
    // The owner follows up after locking; the result stays as it was.
    let s2 = step(
        &s,
        Action::FollowUp {
            item: 0,
            note: "已完成一半".into(),
            done: false,
        },
        subject(),
        d(12, 1),
    );
    assert_eq!(s2.plan().unwrap().items[0].follow_ups.len(), 1);
    assert_eq!(s2.results(), s.results());
    let r = refused(
        &s,
        Action::FollowUp {
            item: 3,
            note: "x".into(),
            done: true,
        },
        superior(),
        d(12, 1),
    );
    assert_eq!(r.kind, RefusalKind::Invalid);
    assert_eq!(
        refused(
            &s,
            Action::FollowUp {
                item: 0,
                note: "x".into(),
                done: true
            },
            stranger(),
            d(12, 1)
        )
        .kind,
        RefusalKind::WrongRole
    );
}

#[test]
fn a_repeated_shortfall_requires_an_improvement_plan() {
    let s = published_with("pass", vec![" 回访不及时".into()]);
    assert!(s.plan_required());
    assert_eq!(
        refused(&s, Action::Lock, hr(), d(11, 16)).kind,
        RefusalKind::TooEarly
    );
    let s = published_with("pass", vec!["报表迟交".into()]);
    assert!(!s.plan_required());
    assert_eq!(
        step(&s, Action::Lock, hr(), d(11, 16)).stage(),
        Stage::Locked
    );
}

// ---- deadlines and dashboards ---------------------------------------------------------------

#[test]
fn overdue_counts_calendar_days_after_the_pending_steps_last_day() {
    let s = at(Stage::Open);
    let dl = Deadlines::default();
    assert_eq!(overdue(&s, d(11, 4), &dl, &cal()), None);
    let o = overdue(&s, d(11, 6), &dl, &cal()).unwrap();
    assert_eq!(
        (o.pending, o.due_on, o.days),
        (Pending::SelfReview, d(11, 4), 2)
    );
    assert_eq!(overdue(&at(Stage::Locked), d(12, 31), &dl, &cal()), None);
    // Rating with every rater done waits for HR's consolidation (working day 8 = Nov 11).
    let o = overdue(&at(Stage::Rating), d(11, 12), &dl, &cal()).unwrap();
    assert_eq!((o.pending, o.due_on), (Pending::Consolidation, d(11, 11)));
}

#[test]
fn the_self_review_deadline_moves_with_the_national_day_holiday() {
    // September's self-review: Oct 1–7 off, so working days 1–3 of October are Thu Oct 8,
    // Fri Oct 9 and the make-up Saturday Oct 10; ratings close on working day 6, Wed Oct 14.
    let sep = Period::parse("2026-09").unwrap();
    let dl = Deadlines::default();
    assert_eq!(dl.self_review_due(sep, &cal()), d(10, 10));
    assert_eq!(dl.rating_from(sep, &cal()), d(10, 12));
    assert_eq!(dl.rating_due(sep, &cal()), d(10, 14));
}

#[test]
fn each_action_names_who_may_take_it() {
    for k in ActionKind::ALL {
        let (zh, en) = k.performed_by();
        assert!(!zh.is_empty() && !en.is_empty(), "{k:?}");
    }
    assert_eq!(ActionKind::Lock.performed_by(), ("人力资源部", "HR"));
}

#[test]
fn peer_ratings_are_anonymous_to_the_subject_but_not_to_hr() {
    let s = step(
        &at(Stage::Rating),
        assign(5, RaterGroup::Peers),
        hr(),
        d(11, 3),
    );
    let s = step(&s, peer_rating(70.0), peer(), d(11, 5));
    let s = step(&s, rate(80.0), superior(), d(11, 5));
    let mine = ratings_visible_to(&s, &subject());
    assert_eq!(mine.len(), 2);
    let p = mine.iter().find(|r| r.group == RaterGroup::Peers).unwrap();
    assert_eq!(p.rater, None);
    let sup = mine
        .iter()
        .find(|r| r.group == RaterGroup::Superior)
        .unwrap();
    assert_eq!(sup.rater, Some(RaterId::Employee(2)));
    let all = ratings_visible_to(&s, &hr());
    assert!(all.iter().all(|r| r.rater.is_some()));
    assert_eq!(ratings_visible_to(&s, &peer()).len(), 1);
    assert_eq!(ratings_visible_to(&s, &stranger()).len(), 0);
}

#[test]
fn deadlines_are_configurable_per_scheme() {
    let dl = Deadlines {
        self_review_working_day: 5,
        ..Deadlines::default()
    };
    let s = at(Stage::Open);
    let o = apply(&s, self_review(), &subject(), d(11, 5), &dl, &cal()).unwrap();
    assert!(!o.transition.late);
    let parsed: Deadlines = toml::from_str("rating_working_day = 7").unwrap();
    assert_eq!(parsed.rating_working_day, 7);
    assert_eq!(parsed.self_review_working_day, 3);
}

// ---- no result changes after publication except by an upheld appeal -------------------------

fn menu() -> Vec<Action> {
    vec![
        propose(),
        Action::ConfirmTargets,
        Action::DisputeTargets {
            reason: "高".into(),
        },
        Action::ApproveTargetsHr,
        Action::ReturnTargetsHr { reason: "r".into() },
        Action::ApproveTargetsCommittee,
        Action::ReturnTargetsCommittee { reason: "r".into() },
        assign(5, RaterGroup::Peers),
        self_review(),
        Action::CloseSelfReview { reason: "r".into() },
        rate(77.0),
        peer_rating(66.0),
        Action::ExtendRating {
            until: d(12, 31),
            reason: "r".into(),
        },
        Action::Consolidate {
            result: result(50.0, "fail"),
        },
        Action::Consolidate {
            result: result(91.0, "excellent"),
        },
        Action::ApproveResult,
        Action::ReturnResult { reason: "r".into() },
        Action::RecordInterview {
            strengths: vec![],
            shortfalls: vec!["回访不及时".into()],
            employee_comments: "无".into(),
        },
        Action::SetImprovementPlan {
            items: vec![PlanItemInput {
                item: "x".into(),
                owner_id: SUBJECT,
                due_on: d(12, 1),
            }],
        },
        Action::FollowUp {
            item: 0,
            note: "n".into(),
            done: true,
        },
        Action::Lock,
    ]
}

fn actors() -> Vec<Actor> {
    vec![subject(), superior(), hr(), committee(), peer(), stranger()]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn no_sequence_of_actions_changes_a_published_result(
        start in 0usize..3,
        steps in proptest::collection::vec((0usize..21, 0usize..6, 0i64..3), 0..80),
    ) {
        let menu = menu();
        let actors = actors();
        // Start from scratch, from an open cycle or from a locked one, then act at random.
        let mut s = [at(Stage::Drafting), at(Stage::Open), at(Stage::Locked)][start].clone();
        let mut day = if start == 2 { d(11, 16) } else { d(9, 28) };
        let mut frozen: Option<Vec<ResultVersion>> = None;
        let mut was_locked = s.stage() == Stage::Locked;
        for (a, who, advance) in steps {
            day += Duration::days(advance);
            if matches!(s.stage(), Stage::Published | Stage::Locked) && frozen.is_none() {
                frozen = Some(s.results().to_vec());
            }
            if let Ok(o) = apply(&s, menu[a].clone(), &actors[who], day, &Deadlines::default(), &cal()) {
                s = o.state;
            }
            if let Some(f) = &frozen {
                prop_assert_eq!(f.as_slice(), s.results());
                prop_assert!(matches!(s.stage(), Stage::Published | Stage::Locked));
            }
            if was_locked {
                prop_assert_eq!(s.stage(), Stage::Locked);
            }
            was_locked |= s.stage() == Stage::Locked;
        }
    }
}

#[test]
fn a_target_beyond_the_bound_of_typed_amounts_is_refused_and_the_bound_is_taken() {
    let s = CycleState::new(setup());
    let with = |v: f64| Action::ProposeTargets {
        targets: vec![Target {
            indicator: "telesales_plan_completion".into(),
            value: Some(v),
        }],
        basis: String::new(),
    };
    let max = crate::rules::limits::MAX_TARGET;
    for bad in [max * 10.0, -max * 10.0, 1e300] {
        let r = refused(&s, with(bad), superior(), d(9, 28));
        assert_eq!(r.kind, RefusalKind::Invalid, "{bad}");
    }
    step(&s, with(max), superior(), d(9, 28));
}

#[test]
fn the_employee_acknowledges_the_interview_once_with_their_own_words() {
    let published = at(Stage::Published);
    let interview = Action::RecordInterview {
        strengths: vec!["回访及时".into()],
        shortfalls: vec![],
        employee_comments: "无".into(),
    };
    let ack = |words: &str| Action::AcknowledgeInterview {
        comments: words.into(),
    };
    let recorded = step(&published, interview, superior(), d(11, 20));
    // Only the employee, and not with empty words.
    let r = refused(&recorded, ack("同意"), superior(), d(11, 21));
    assert_eq!(r.kind, RefusalKind::WrongRole);
    let r = refused(&recorded, ack("  "), subject(), d(11, 21));
    assert!(r.zh.contains("本人意见"), "{r:?}");
    let done = step(&recorded, ack("已阅，同意"), subject(), d(11, 21));
    let a = done.interview().unwrap().acknowledgement.clone().unwrap();
    assert_eq!((a.comments.as_str(), a.on), ("已阅，同意", d(11, 21)));
    assert_eq!(done.stage(), Stage::Published, "the stage does not move");
    assert_eq!(done.current_result(), recorded.current_result());
    // Once only.
    let r = refused(&done, ack("再次"), subject(), d(11, 22));
    assert_eq!(r.kind, RefusalKind::WrongState);
}
