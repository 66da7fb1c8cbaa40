use super::*;
use crate::period::PeriodKind;
use crate::scheme::{IndicatorGroup, SchemeItem, default_bonus, default_grades};
use chrono::NaiveDate;
use proptest::prelude::*;

fn w(p: u32) -> Weight {
    Weight::percent(p).unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

fn scheme(items: &[(&str, u32)]) -> Scheme {
    Scheme {
        code: "t".into(),
        version: 1,
        name_zh: "测试".into(),
        name_en: "Test".into(),
        period: PeriodKind::Month,
        positions: vec![],
        raters: vec![],
        rater_mix: RaterMix::RatedIndicators,
        not_applicable: NotApplicable::Redistribute,
        composition: Composition::Weighted,
        annual: AnnualRule::MeanOfMonths,
        bonus_period: None,
        grades: default_grades(),
        bonus: default_bonus(),
        groups: vec![IndicatorGroup {
            code: "g".into(),
            name_zh: "组".into(),
            name_en: "Group".into(),
            weight: Weight::from_hundredths(items.iter().map(|(_, p)| p * 100).sum()).unwrap(),
            items: items
                .iter()
                .map(|(c, p)| SchemeItem {
                    indicator: c.to_string(),
                    weight: w(*p),
                })
                .collect(),
        }],
    }
}

fn input(scores: &[(&str, Option<f64>)]) -> ScorecardInput {
    let outcomes = scores
        .iter()
        .map(|(c, s)| {
            let o = match s {
                Some(s) => IndicatorOutcome::scored(*s, *s),
                None => IndicatorOutcome::not_applicable(NaReason::ZeroDenominator),
            };
            (c.to_string(), o)
        })
        .collect();
    ScorecardInput {
        outcomes,
        ..Default::default()
    }
}

// ---- rounding, grades, bonus ------------------------------------------------------------------

#[test]
fn scores_of_89_995_round_up_to_90_and_are_excellent() {
    assert_eq!(round2(89.995), 90.0);
    assert_eq!(to_hundredths(89.995), Some(9000));
    let grades = default_grades();
    let g = grade_of(&grades, 89.995).unwrap();
    assert_eq!((g.code.as_str(), g.name_zh.as_str()), ("excellent", "优秀"));
    assert_eq!(bonus_coefficient(&default_bonus(), 89.995), Some(1.5));
}

#[test]
fn scores_of_89_994_round_down_to_89_99_and_are_good() {
    assert_eq!(round2(89.994), 89.99);
    let grades = default_grades();
    let g = grade_of(&grades, 89.994).unwrap();
    assert_eq!((g.code.as_str(), g.name_zh.as_str()), ("good", "良好"));
    assert_eq!(bonus_coefficient(&default_bonus(), 89.994), Some(1.2));
}

#[test]
fn a_computed_sum_that_lands_a_hair_below_the_half_still_rounds_up() {
    // 0.1 + 0.2 style noise: 89.99 + 0.005 is 89.99499999999999 in binary arithmetic.
    let x = 89.99 + 0.005;
    assert!(x < 89.995);
    assert_eq!(round2(x), 90.0);
    assert_eq!(round2(1.005), 1.01);
    assert_eq!(round2(2.675), 2.68);
    assert_eq!(round2(-2.675), -2.68);
    assert_eq!(round2(87.1), 87.1);
    assert!(round2(f64::NAN).is_nan());
}

#[test]
fn each_grade_band_starts_exactly_on_its_edge() {
    let g = |s: f64| grade_of(&default_grades(), s).unwrap().code.clone();
    assert_eq!(g(100.0), "excellent");
    assert_eq!(g(90.0), "excellent");
    assert_eq!(g(89.99), "good");
    assert_eq!(g(80.0), "good");
    assert_eq!(g(79.99), "pass");
    assert_eq!(g(60.0), "pass");
    assert_eq!(g(59.99), "fail");
    assert_eq!(g(0.0), "fail");
    assert_eq!(g(114.0), "excellent");
}

#[test]
fn each_bonus_coefficient_starts_exactly_on_its_edge() {
    let b = |s: f64| bonus_coefficient(&default_bonus(), s).unwrap();
    assert_eq!(b(90.0), 1.5);
    assert_eq!(b(89.99), 1.2);
    assert_eq!(b(80.0), 1.2);
    assert_eq!(b(79.99), 1.0);
    assert_eq!(b(70.0), 1.0);
    assert_eq!(b(69.99), 0.8);
    assert_eq!(b(60.0), 0.8);
    assert_eq!(b(59.994), 0.5);
    assert_eq!(b(59.995), 0.8);
    assert_eq!(b(0.0), 0.5);
}

// ---- scorecards ---------------------------------------------------------------------------------

#[test]
fn a_full_scorecard_is_the_weighted_sum() {
    let s = scheme(&[("a", 50), ("b", 30), ("c", 20)]);
    let card = Scorecard::compute(
        &s,
        &input(&[("a", Some(100.0)), ("b", Some(80.0)), ("c", Some(50.0))]),
    );
    assert!(close(card.total.unwrap(), 50.0 + 24.0 + 10.0));
    assert_eq!(card.grade.unwrap().code, "good");
    assert_eq!(card.bonus_coefficient, Some(1.2));
    assert!(card.notes.is_empty());
    assert!(
        card.lines
            .iter()
            .all(|l| l.applicable && close(l.effective_weight, l.weight.as_percent()))
    );
}

#[test]
fn a_zero_denominator_spreads_its_weight_in_proportion() {
    let s = scheme(&[("a", 50), ("b", 30), ("c", 20)]);
    let card = Scorecard::compute(
        &s,
        &input(&[("a", Some(100.0)), ("b", Some(80.0)), ("c", None)]),
    );
    // a: 50/80 = 62.5 %, b: 30/80 = 37.5 %.
    assert!(close(card.lines[0].effective_weight, 62.5));
    assert!(close(card.lines[1].effective_weight, 37.5));
    assert_eq!(card.lines[2].effective_weight, 0.0);
    assert!(!card.lines[2].applicable);
    assert_eq!(card.lines[2].na_reason, Some(NaReason::ZeroDenominator));
    assert!(close(card.total.unwrap(), 62.5 + 30.0));
    assert_eq!(card.notes, vec![Note::Redistributed(vec!["c".into()])]);
}

#[test]
fn not_applicable_scores_full_or_zero_when_the_scheme_says_so() {
    let mut s = scheme(&[("a", 60), ("b", 40)]);
    let inp = input(&[("a", Some(80.0)), ("b", None)]);
    s.not_applicable = NotApplicable::Full;
    let full = Scorecard::compute(&s, &inp);
    assert!(close(full.total.unwrap(), 48.0 + 40.0));
    assert_eq!(full.lines[1].counted_score, Some(100.0));
    assert_eq!(full.lines[1].score, None);
    assert_eq!(full.notes, vec![Note::ScoredFull(vec!["b".into()])]);
    s.not_applicable = NotApplicable::Zero;
    let zero = Scorecard::compute(&s, &inp);
    assert!(close(zero.total.unwrap(), 48.0));
    assert!(close(zero.lines[1].effective_weight, 40.0));
}

#[test]
fn a_scorecard_with_every_indicator_not_applicable_has_no_total_and_says_so() {
    for policy in [
        NotApplicable::Redistribute,
        NotApplicable::Full,
        NotApplicable::Zero,
    ] {
        let mut s = scheme(&[("a", 60), ("b", 40)]);
        s.not_applicable = policy;
        let card = Scorecard::compute(&s, &input(&[("a", None), ("b", None)]));
        assert_eq!(card.total, None);
        assert_eq!(card.grade, None);
        assert_eq!(card.bonus_coefficient, None);
        assert_eq!(card.notes, vec![Note::AllNotApplicable]);
        assert!(card.notes[0].zh().contains("所有指标均不适用"));
    }
}

#[test]
fn an_indicator_without_an_outcome_is_shown_as_not_supplied() {
    let s = scheme(&[("a", 60), ("b", 40)]);
    let card = Scorecard::compute(&s, &input(&[("a", Some(70.0))]));
    assert_eq!(card.lines[1].na_reason, Some(NaReason::NotSupplied));
    assert!(close(card.total.unwrap(), 70.0));
}

#[test]
fn a_computed_outcome_explains_zero_denominators_and_missing_targets() {
    let rule = ScoringRule::Ratio { cap: 100.0 };
    let zero = Evaluation {
        value: None,
        numerator: Some(0.0),
        denominator: Some(0.0),
    };
    let o = IndicatorOutcome::computed(&zero, &rule, Direction::Higher, Some(100.0));
    assert_eq!(o.na, Some(NaReason::ZeroDenominator));
    assert_eq!(o.denominator, Some(0.0));
    let v = Evaluation {
        value: Some(95.0),
        numerator: Some(19.0),
        denominator: Some(20.0),
    };
    assert_eq!(
        IndicatorOutcome::computed(&v, &rule, Direction::Higher, None).na,
        Some(NaReason::NoTarget)
    );
    let o = IndicatorOutcome::computed(&v, &rule, Direction::Higher, Some(100.0));
    assert_eq!(
        (o.value, o.score, o.numerator),
        (Some(95.0), Some(95.0), Some(19.0))
    );
}

// ---- work × attendance (业务员) ------------------------------------------------------------------

fn sales_rep() -> Scheme {
    let mut s = scheme(&[("work", 100)]);
    s.composition = Composition::WorkAttendance {
        work: w(70),
        attendance: w(30),
        per_absent_day: 4.0,
    };
    s
}

#[test]
fn a_sales_rep_with_work_85_and_two_absences_one_a_half_day_scores_87_1() {
    let day = |d| NaiveDate::from_ymd_opt(2026, 10, d).unwrap();
    let records = [
        Attendance {
            id: 0,
            employee_id: 1,
            day: day(8),
            status: "absent".into(),
        },
        Attendance {
            id: 0,
            employee_id: 1,
            day: day(9),
            status: "half_absent".into(),
        },
        Attendance {
            id: 0,
            employee_id: 1,
            day: day(12),
            status: "present".into(),
        },
        Attendance {
            id: 0,
            employee_id: 1,
            day: day(13),
            status: "leave".into(),
        },
    ];
    let absent = absent_days(&records);
    assert_eq!(absent, 2);
    assert_eq!(attendance_score(absent, 4.0), 92.0);
    let mut inp = input(&[("work", Some(85.0))]);
    inp.absent_days = absent;
    let card = Scorecard::compute(&sales_rep(), &inp);
    // 85 × 0.7 + 92 × 0.3 = 59.5 + 27.6 = 87.1
    assert!(close(card.total.unwrap(), 87.1));
    assert_eq!(card.total_rounded, Some(87.1));
    assert_eq!(card.grade.unwrap().code, "good");
    assert_eq!(
        card.composition,
        CompositionDetail::WorkAttendance {
            work: Some(85.0),
            absent_days: 2,
            attendance: 92.0,
            work_weight: w(70),
            attendance_weight: w(30)
        }
    );
}

#[test]
fn attendance_stops_at_zero_after_25_absent_days() {
    assert_eq!(attendance_score(25, 4.0), 0.0);
    assert_eq!(attendance_score(31, 4.0), 0.0);
    assert_eq!(attendance_score(0, 4.0), 100.0);
    let mut inp = input(&[("work", Some(80.0))]);
    inp.absent_days = 30;
    assert!(close(
        Scorecard::compute(&sales_rep(), &inp).total.unwrap(),
        56.0
    ));
}

// ---- performance × behaviour (销售人员方案) ---------------------------------------------------------

fn behaviour_scheme() -> Scheme {
    let mut s = scheme(&[("perf", 100)]);
    s.composition = Composition::Behaviour { max_factor: 1.2 };
    s
}

#[test]
fn performance_is_multiplied_by_the_behaviour_factor() {
    let mut inp = input(&[("perf", Some(90.0))]);
    inp.behaviour = Some(Behaviour {
        factor: 1.2,
        serious_violation: false,
    });
    let card = Scorecard::compute(&behaviour_scheme(), &inp);
    assert!(close(card.total.unwrap(), 108.0));
    assert_eq!(card.grade.unwrap().code, "excellent");
    inp.behaviour = Some(Behaviour {
        factor: 0.8,
        serious_violation: false,
    });
    assert!(close(
        Scorecard::compute(&behaviour_scheme(), &inp).total.unwrap(),
        72.0
    ));
}

#[test]
fn a_serious_violation_sets_the_factor_and_the_month_to_zero() {
    let mut inp = input(&[("perf", Some(95.0))]);
    inp.behaviour = Some(Behaviour {
        factor: 1.2,
        serious_violation: true,
    });
    let card = Scorecard::compute(&behaviour_scheme(), &inp);
    assert_eq!(card.total, Some(0.0));
    assert_eq!(card.grade.unwrap().code, "fail");
    assert_eq!(card.notes, vec![Note::SeriousViolation]);
}

#[test]
fn without_a_behaviour_factor_there_is_no_total_and_an_out_of_range_one_is_clamped() {
    let inp = input(&[("perf", Some(95.0))]);
    let card = Scorecard::compute(&behaviour_scheme(), &inp);
    assert_eq!(card.total, None);
    assert_eq!(card.notes, vec![Note::BehaviourNotRated]);
    let mut inp = input(&[("perf", Some(50.0))]);
    inp.behaviour = Some(Behaviour {
        factor: 1.5,
        serious_violation: false,
    });
    let card = Scorecard::compute(&behaviour_scheme(), &inp);
    assert!(close(card.total.unwrap(), 60.0));
    assert_eq!(card.notes, vec![Note::FactorClamped]);
}

#[test]
fn behaviour_factors_name_their_level() {
    assert_eq!(behaviour_level(0.59), BehaviourLevel::Unsatisfactory);
    assert_eq!(behaviour_level(0.6), BehaviourLevel::Pass);
    assert_eq!(behaviour_level(0.8), BehaviourLevel::Good);
    assert_eq!(behaviour_level(1.0), BehaviourLevel::Excellent);
    assert_eq!(behaviour_level(1.2), BehaviourLevel::Outstanding);
}

// ---- raters ------------------------------------------------------------------------------------

fn telesales_raters() -> Vec<RaterWeight> {
    vec![
        RaterWeight {
            group: RaterGroup::Superior,
            weight: w(70),
        },
        RaterWeight {
            group: RaterGroup::Peers,
            weight: w(20),
        },
        RaterWeight {
            group: RaterGroup::Customers,
            weight: w(10),
        },
    ]
}

#[test]
fn telesales_superior_80_peers_90_and_70_and_no_customers_spreads_the_customers_weight() {
    let ratings = BTreeMap::from([
        (RaterGroup::Superior, vec![80.0]),
        (RaterGroup::Peers, vec![90.0, 70.0]),
    ]);
    let c = combine_raters(&telesales_raters(), &ratings);
    // Customers' 10 % goes to superior and peers as 70:20 → 77.78 % and 22.22 %;
    // 80 × 7/9 + mean(90, 70) × 2/9 = 80.
    assert!(close(c.score.unwrap(), 80.0));
    assert!(close(c.groups[0].effective_weight, 70.0 / 0.9));
    assert!(close(c.groups[1].effective_weight, 20.0 / 0.9));
    assert_eq!(c.groups[1].raters, 2);
    assert_eq!(c.groups[1].mean, Some(80.0));
    assert_eq!(
        (
            c.groups[2].raters,
            c.groups[2].mean,
            c.groups[2].effective_weight
        ),
        (0, None, 0.0)
    );
}

#[test]
fn telesales_superior_90_peers_75_and_customers_60_use_70_20_10() {
    let ratings = BTreeMap::from([
        (RaterGroup::Superior, vec![90.0]),
        (RaterGroup::Peers, vec![80.0, 70.0]),
        (RaterGroup::Customers, vec![50.0, 70.0]),
    ]);
    // 90 × 0.7 + 75 × 0.2 + 60 × 0.1 = 63 + 15 + 6 = 84
    assert!(close(
        combine_raters(&telesales_raters(), &ratings).score.unwrap(),
        84.0
    ));
    // Without customers: (90 × 70 + 75 × 20) / 90 = 86.67
    let ratings = BTreeMap::from([
        (RaterGroup::Superior, vec![90.0]),
        (RaterGroup::Peers, vec![80.0, 70.0]),
    ]);
    assert_eq!(
        round2(combine_raters(&telesales_raters(), &ratings).score.unwrap()),
        86.67
    );
}

#[test]
fn self_leader_and_superior_default_to_20_40_40_and_a_team_without_a_leader_redistributes() {
    let weights = vec![
        RaterWeight {
            group: RaterGroup::SelfReview,
            weight: w(20),
        },
        RaterWeight {
            group: RaterGroup::TeamLeader,
            weight: w(40),
        },
        RaterWeight {
            group: RaterGroup::Superior,
            weight: w(40),
        },
    ];
    let all = BTreeMap::from([
        (RaterGroup::SelfReview, vec![90.0]),
        (RaterGroup::TeamLeader, vec![80.0]),
        (RaterGroup::Superior, vec![70.0]),
    ]);
    assert!(close(
        combine_raters(&weights, &all).score.unwrap(),
        18.0 + 32.0 + 28.0
    ));
    let no_leader = BTreeMap::from([
        (RaterGroup::SelfReview, vec![90.0]),
        (RaterGroup::Superior, vec![70.0]),
    ]);
    // 90 × 20/60 + 70 × 40/60 = 76.67
    assert_eq!(
        round2(combine_raters(&weights, &no_leader).score.unwrap()),
        76.67
    );
}

#[test]
fn an_empty_rater_group_list_or_only_references_give_no_rating() {
    let c = combine_raters(&telesales_raters(), &BTreeMap::new());
    assert_eq!(c.score, None);
    assert_eq!(IndicatorOutcome::rated(&c).na, Some(NaReason::NoRatings));
    let refs = vec![
        RaterWeight {
            group: RaterGroup::Superior,
            weight: w(100),
        },
        RaterWeight {
            group: RaterGroup::Customers,
            weight: w(0),
        },
    ];
    let only_customers = BTreeMap::from([(RaterGroup::Customers, vec![95.0])]);
    let c = combine_raters(&refs, &only_customers);
    assert_eq!(c.score, None);
    assert_eq!(
        c.groups[1].mean,
        Some(95.0),
        "a reference group's ratings are still shown"
    );
    // Ratings of groups the scheme does not list are ignored.
    let stray = BTreeMap::from([
        (RaterGroup::Superior, vec![70.0]),
        (RaterGroup::Peers, vec![10.0]),
    ]);
    assert_eq!(combine_raters(&refs, &stray).score, Some(70.0));
}

// ---- annual --------------------------------------------------------------------------------------

#[test]
fn a_full_year_is_the_mean_of_twelve_months() {
    let months: Vec<Option<f64>> = (1..=12).map(|m| Some(f64::from(m) * 5.0 + 40.0)).collect();
    let a = annual_mean(&months);
    assert_eq!(a.months, 12);
    assert!(a.complete());
    assert!(close(a.score.unwrap(), 72.5));
}

#[test]
fn a_year_with_fewer_than_12_monthly_scores_is_the_mean_of_those_present() {
    // Hired in July: six months, one of them without a total.
    let months = [
        Some(80.0),
        Some(90.0),
        None,
        Some(70.0),
        Some(85.0),
        Some(75.0),
    ];
    let a = annual_mean(&months);
    assert_eq!(a.months, 5);
    assert!(!a.complete());
    assert!(close(a.score.unwrap(), 80.0));
    let s = annual_score(&scheme(&[("a", 100)]), &months, None, None);
    assert_eq!(s.total_rounded, Some(80.0));
    assert_eq!(s.grade.unwrap().code, "good");
    assert_eq!(annual_mean(&[]).score, None);
}

#[test]
fn telesales_annual_is_performance_70_attitude_20_ability_10() {
    let mut s = scheme(&[("a", 100)]);
    s.annual = AnnualRule::Parts {
        performance: w(70),
        attitude: w(20),
        ability: w(10),
        attitude_indicators: vec!["attitude".into()],
        ability_indicators: vec!["product_knowledge".into()],
    };
    let months = vec![Some(80.0); 12];
    let a = annual_score(&s, &months, Some(90.0), Some(70.0));
    assert!(close(a.total.unwrap(), 56.0 + 18.0 + 7.0));
    // No ability rating: its 10 % goes to performance and attitude as 70:20.
    let a = annual_score(&s, &months, Some(90.0), None);
    assert!(close(a.total.unwrap(), (80.0 * 70.0 + 90.0 * 20.0) / 90.0));
    assert!(close(a.effective_weights.unwrap()[2], 0.0));
}

fn part(total: Option<f64>, lines: &[(&str, f64)]) -> PartResult {
    PartResult {
        total,
        lines: lines
            .iter()
            .map(|(c, score)| {
                let l = PartLine {
                    value: Some(*score / 2.0),
                    score: Some(*score),
                };
                (c.to_string(), l)
            })
            .collect(),
    }
}

fn over(
    s: &Scheme,
    year: bool,
    expected: usize,
    parts: &[PartResult],
    rated: &[(&str, f64)],
) -> Scorecard {
    let rated: BTreeMap<String, f64> = rated.iter().map(|(c, x)| (c.to_string(), *x)).collect();
    Scorecard::over_periods(
        s,
        LongerInput {
            year,
            expected,
            parts,
            rated: &rated,
        },
    )
}

#[test]
fn a_year_of_twelve_stored_months_is_their_mean_not_a_rerun() {
    let s = scheme(&[("a", 60), ("b", 40)]);
    let parts: Vec<PartResult> = (1..=12)
        .map(|m| {
            part(
                Some(60.0 + f64::from(m)),
                &[("a", 50.0 + f64::from(m)), ("b", 80.0)],
            )
        })
        .collect();
    let card = over(&s, true, 12, &parts, &[]);
    // (61 + … + 72) / 12 = 66.5
    assert!(close(card.total.unwrap(), 66.5));
    assert_eq!(card.grade.as_ref().unwrap().code, "pass");
    assert_eq!(card.bonus_coefficient, Some(0.8));
    assert_eq!(
        card.notes[0],
        Note::MeanOfPeriods {
            present: 12,
            expected: 12
        }
    );
    // Lines show each indicator's mean for reading: a = mean(51..62) = 56.5, value half of it.
    assert!(close(card.lines[0].score.unwrap(), 56.5));
    assert!(close(card.lines[0].value.unwrap(), 28.25));
    assert!(close(card.lines[1].score.unwrap(), 80.0));
}

#[test]
fn a_year_of_five_stored_months_is_the_mean_of_five_and_says_so() {
    let s = scheme(&[("a", 100)]);
    let mut parts: Vec<PartResult> = [90.0, 80.0, 70.0, 85.0, 95.0]
        .iter()
        .map(|t| part(Some(*t), &[("a", *t)]))
        .collect();
    // A month stored without a total (e.g. behaviour not rated) does not count as a month.
    parts.push(part(None, &[]));
    let card = over(&s, true, 12, &parts, &[]);
    assert!(close(card.total.unwrap(), 84.0));
    assert_eq!(card.total_rounded, Some(84.0));
    assert_eq!(
        card.notes[0],
        Note::MeanOfPeriods {
            present: 5,
            expected: 12
        }
    );
    let CompositionDetail::OverPeriods {
        periods, expected, ..
    } = card.composition
    else {
        panic!("{:?}", card.composition)
    };
    assert_eq!((periods, expected), (5, 12));
    // Nothing stored: no total, and the card says why.
    let card = over(&s, true, 12, &[], &[]);
    assert_eq!(card.total, None);
    assert!(card.notes.contains(&Note::NoStoredPeriods));
}

#[test]
fn the_telesales_year_is_70_20_10_from_the_year_rating_and_the_monthly_ability() {
    let mut s = scheme(&[
        ("sales", 80),
        ("product_knowledge", 10),
        ("business_expansion", 10),
    ]);
    s.annual = AnnualRule::Parts {
        performance: w(70),
        attitude: w(20),
        ability: w(10),
        attitude_indicators: vec!["attitude".into()],
        ability_indicators: vec!["product_knowledge".into(), "business_expansion".into()],
    };
    let parts: Vec<PartResult> = [80.0, 90.0]
        .iter()
        .map(|t| {
            part(
                Some(*t),
                &[("product_knowledge", 60.0), ("business_expansion", 100.0)],
            )
        })
        .collect();
    // Attitude rated for the year; product knowledge rated for the year (70) wins over its
    // monthly mean (60); business expansion is the mean of its months (100).
    let card = over(
        &s,
        true,
        12,
        &parts,
        &[("attitude", 95.0), ("product_knowledge", 70.0)],
    );
    let expected = 85.0 * 0.7 + 95.0 * 0.2 + 85.0 * 0.1;
    assert!(close(card.total.unwrap(), expected), "{:?}", card.total);
    // A quarter is the mean of its months, whatever the annual rule.
    let card = over(&s, false, 3, &parts, &[("attitude", 95.0)]);
    assert!(close(card.total.unwrap(), 85.0));
}

// ---- whole-period rater mix (电话销售专员: 上级 70 + 同事 20 + 客户 10) ------------------------------

fn whole_period(items: &[(&str, u32)]) -> Scheme {
    let mut s = scheme(items);
    s.raters = vec![
        RaterWeight {
            group: RaterGroup::Superior,
            weight: w(70),
        },
        RaterWeight {
            group: RaterGroup::Peers,
            weight: w(20),
        },
        RaterWeight {
            group: RaterGroup::Customers,
            weight: w(10),
        },
    ];
    s.rater_mix = RaterMix::WholePeriod;
    s
}

#[test]
fn the_whole_period_mix_moves_thirty_percent_of_the_month() {
    let s = whole_period(&[("sales", 80), ("knowledge", 20)]);
    let mut i = input(&[("sales", Some(100.0)), ("knowledge", Some(50.0))]);
    // The card (the superior's part) is 90; peers rated 60 and 80, customers 40.
    i.group_ratings = BTreeMap::from([
        (RaterGroup::Peers, vec![60.0, 80.0]),
        (RaterGroup::Customers, vec![40.0]),
    ]);
    let card = Scorecard::compute(&s, &i);
    assert!(close(card.indicators_total.unwrap(), 90.0));
    assert!(close(
        card.total.unwrap(),
        90.0 * 0.7 + 70.0 * 0.2 + 40.0 * 0.1
    ));
    // Under the rated-indicators mix the groups' weights act inside the rated indicators'
    // outcomes (made by the store), so the month is the card.
    let mut r = s.clone();
    r.rater_mix = RaterMix::RatedIndicators;
    assert!(close(Scorecard::compute(&r, &i).total.unwrap(), 90.0));
}

#[test]
fn the_whole_period_mix_with_an_empty_customers_group_spreads_its_ten_percent() {
    let s = whole_period(&[("sales", 100)]);
    let mut i = input(&[("sales", Some(90.0))]);
    i.group_ratings = BTreeMap::from([(RaterGroup::Peers, vec![60.0])]);
    let card = Scorecard::compute(&s, &i);
    // 70 : 20 over 90 → 77.78 % and 22.22 %.
    assert!(close(
        card.total.unwrap(),
        (90.0 * 70.0 + 60.0 * 20.0) / 90.0
    ));
    let mix = card.rater_mix.as_ref().unwrap();
    let customers = mix
        .groups
        .iter()
        .find(|g| g.group == RaterGroup::Customers)
        .unwrap();
    assert_eq!((customers.raters, customers.effective_weight), (0, 0.0));
    // Nobody but the superior: the card is the month.
    let card = Scorecard::compute(&s, &input(&[("sales", Some(90.0))]));
    assert!(close(card.total.unwrap(), 90.0));
    // No card total (every indicator not applicable): no month, whatever the peers said.
    let mut i = input(&[("sales", None)]);
    i.group_ratings = BTreeMap::from([(RaterGroup::Peers, vec![60.0])]);
    assert_eq!(Scorecard::compute(&s, &i).total, None);
}

#[test]
fn a_whole_period_mix_without_a_superior_group_is_refused() {
    let mut s = whole_period(&[("sales", 100)]);
    s.raters.retain(|r| r.group != RaterGroup::Superior);
    s.raters[0].weight = w(80);
    s.raters[1].weight = w(20);
    let problems = s.problems(&|_| true, &|_| None);
    assert!(problems.iter().any(|p| p.at == "rater_mix"), "{problems:?}");
}

// ---- properties ----------------------------------------------------------------------------------

proptest! {
    #[test]
    fn redistribution_conserves_the_total_weight_and_the_proportions(
        parts in proptest::collection::vec((0u32..=40, any::<bool>()), 1..12)
    ) {
        let weights: Vec<Weight> = parts.iter().map(|(p, _)| w(*p)).collect();
        let present: Vec<bool> = parts.iter().map(|(_, b)| *b).collect();
        let total = Weight::sum(&weights) as f64 / 100.0;
        match redistribute(&weights, &present) {
            Some(eff) => {
                prop_assert!((eff.iter().sum::<f64>() - total).abs() < 1e-9);
                for (i, e) in eff.iter().enumerate() {
                    if !present[i] { prop_assert_eq!(*e, 0.0); }
                    // The proportion to every other present entry is kept.
                    for (j, f) in eff.iter().enumerate() {
                        if present[i] && present[j] {
                            let lhs = e * weights[j].as_percent();
                            let rhs = f * weights[i].as_percent();
                            prop_assert!((lhs - rhs).abs() < 1e-6);
                        }
                    }
                }
            }
            None => prop_assert!(parts.iter().all(|(p, b)| !*b || *p == 0)),
        }
    }

    #[test]
    fn a_scorecard_total_stays_within_the_scores_given(
        scores in proptest::collection::vec(proptest::option::of(0.0..120.0f64), 1..6)
    ) {
        let names = ["a", "b", "c", "d", "e", "f"];
        let weights = [30, 20, 20, 10, 10, 10];
        let n = scores.len();
        let mut items: Vec<(&str, u32)> = (0..n).map(|i| (names[i], weights[i])).collect();
        let spare: u32 = 100 - items.iter().map(|(_, p)| p).sum::<u32>();
        items[0].1 += spare;
        let s = scheme(&items);
        let pairs: Vec<(&str, Option<f64>)> = (0..n).map(|i| (names[i], scores[i])).collect();
        let card = Scorecard::compute(&s, &input(&pairs));
        let given: Vec<f64> = scores.iter().flatten().copied().collect();
        match card.total {
            Some(t) => {
                let lo = given.iter().copied().fold(f64::INFINITY, f64::min);
                let hi = given.iter().copied().fold(0.0, f64::max);
                prop_assert!(t >= lo - 1e-9 && t <= hi + 1e-9);
                let eff: f64 = card.lines.iter().map(|l| l.effective_weight).sum();
                prop_assert!((eff - 100.0).abs() < 1e-9);
            }
            None => prop_assert!(given.is_empty()),
        }
    }

    #[test]
    fn rounding_half_up_matches_decimal_rounding_of_three_decimal_values(k in 0i64..10_000_000) {
        // k / 1000 has an exact decimal form with three decimals; half-up on it is integer math.
        let x = k as f64 / 1000.0;
        let expected = (k + 5).div_euclid(10);
        prop_assert_eq!(to_hundredths(x), Some(expected));
        prop_assert_eq!(round2(round2(x)), round2(x));
    }
}
