use super::*;
use crate::composition::{
    IndicatorOutcome, NaReason, Note, Scorecard, ScorecardInput, combine_raters, round2,
};
use crate::formula::{EvalContext, MeasureValues};
use crate::indicator::IndicatorKind;
use crate::scheme::{Composition, RaterGroup, Weight};
use std::collections::BTreeMap;

/// SPEC §4's default indicators and the codes that implement them.
const SPEC_INDICATORS: [(&str, &str, Option<f64>); 41] = [
    (
        "customer archive completeness",
        "archive_completeness",
        Some(100.0),
    ),
    (
        "archive update timeliness",
        "archive_update_timeliness",
        Some(95.0),
    ),
    ("archive validity", "archive_validity", Some(98.0)),
    (
        "key-customer archive timeliness",
        "key_archive_timeliness",
        Some(100.0),
    ),
    (
        "order receipt timeliness",
        "order_receipt_timeliness",
        Some(100.0),
    ),
    (
        "order entry error rate",
        "order_entry_error_rate",
        Some(1.0),
    ),
    (
        "order progress-feedback timeliness",
        "order_feedback_timeliness",
        Some(98.0),
    ),
    (
        "order problem resolution rate",
        "order_problem_resolution",
        Some(95.0),
    ),
    (
        "shipment plan timeliness",
        "shipment_plan_timeliness",
        Some(95.0),
    ),
    (
        "shipment plan accuracy",
        "shipment_plan_accuracy",
        Some(98.0),
    ),
    ("on-time shipment rate", "on_time_shipment", Some(98.0)),
    (
        "shipment information accuracy",
        "shipment_info_accuracy",
        Some(100.0),
    ),
    (
        "daily statistics timeliness",
        "statistics_timeliness",
        Some(100.0),
    ),
    ("statistics accuracy", "statistics_accuracy", Some(99.0)),
    (
        "weekly analysis report timeliness",
        "analysis_report_timeliness",
        Some(95.0),
    ),
    (
        "analysis report effectiveness",
        "analysis_report_effectiveness",
        Some(85.0),
    ),
    (
        "contract signing timeliness",
        "contract_signing_timeliness",
        Some(95.0),
    ),
    (
        "contract review pass rate",
        "contract_review_pass_rate",
        Some(98.0),
    ),
    (
        "document filing timeliness",
        "document_filing_timeliness",
        Some(95.0),
    ),
    ("document completeness", "document_completeness", Some(98.0)),
    (
        "sales plan completion",
        "sales_plan_completion",
        Some(100.0),
    ),
    ("sales growth", "sales_growth", Some(10.0)),
    ("price retention", "price_retention", Some(98.0)),
    ("sales expense control", "expense_control", Some(100.0)),
    ("receivables recovery", "receivables_recovery", Some(95.0)),
    ("visit success", "visit_success_rate", Some(30.0)),
    ("complaint rate", "complaint_rate", Some(1.0)),
    ("new-customer rate", "new_customer_rate", Some(10.0)),
    (
        "old-customer retention",
        "old_customer_retention",
        Some(80.0),
    ),
    (
        "cold visits per day [3–4]",
        "cold_visits_per_day",
        Some(3.0),
    ),
    ("new customers developed", "new_customers", Some(10.0)),
    ("call answer rate", "call_answer_rate", Some(95.0)),
    ("call-back rate", "callback_rate", Some(95.0)),
    ("connect rate", "connect_rate", Some(60.0)),
    ("collection timeliness", "collection_timeliness", Some(95.0)),
    (
        "X timeliness = on time / all × 100",
        "report_timeliness",
        Some(95.0),
    ),
    ("product knowledge (rated)", "product_knowledge", None),
    ("business expansion (rated)", "business_expansion", None),
    ("initiative (rated)", "initiative", None),
    ("attitude (rated)", "attitude", None),
    ("teamwork (rated)", "teamwork", None),
];

#[test]
fn the_defaults_load_validate_and_every_formula_type_checks() {
    let lib = load().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(lib.schemes().len(), 9);
    assert!(lib.indicators().len() >= SPEC_INDICATORS.len());
    for ind in lib.indicators() {
        assert!(
            ind.problems().is_empty(),
            "{}: {:?}",
            ind.code,
            ind.problems()
        );
        if let IndicatorKind::Computed { formula, .. } = &ind.kind {
            // Compiling again from the source proves the stored text is what type-checked.
            let again = crate::formula::compile(formula.source()).unwrap();
            assert_eq!(&again, formula, "{}", ind.code);
            // Every computed indicator reads records, or the results of the people led.
            assert!(
                !formula.measures().is_empty() || formula.reads_member_results(),
                "{} reads no records",
                ind.code
            );
        }
    }
    // Storage computes each distinct measure once for everyone.
    assert!(
        lib.measures().len()
            < lib
                .indicators()
                .iter()
                .filter_map(|i| i.formula())
                .map(|f| f.measures().len())
                .sum()
    );
}

#[test]
fn every_default_indicator_of_spec_4_is_in_the_library_with_its_target() {
    let lib = library();
    for (what, code, target) in SPEC_INDICATORS {
        let ind = lib
            .indicator(code)
            .unwrap_or_else(|| panic!("{what}: `{code}` missing"));
        assert_eq!(ind.target, target, "{what}");
        assert_eq!(
            ind.is_rated(),
            target.is_none() && code != "sales_amount",
            "{what}"
        );
    }
}

#[test]
fn the_defaults_round_trip_through_toml() {
    let lib = library();
    let text = lib.to_toml();
    let back = Library::from_toml(&text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(back, lib);
}

/// (group, weight %, [(indicator, weight %)]) of a scheme.
type Weights = Vec<(String, u32, Vec<(String, u32)>)>;
/// The same, as written in a test.
type WeightsLit<'a> = &'a [(&'a str, u32, &'a [(&'a str, u32)])];

fn weights(lib: &Library, scheme: &str) -> Weights {
    let s = lib.scheme(scheme).unwrap();
    s.groups
        .iter()
        .map(|g| {
            let items = g
                .items
                .iter()
                .map(|i| (i.indicator.clone(), i.weight.hundredths() / 100))
                .collect();
            (g.code.clone(), g.weight.hundredths() / 100, items)
        })
        .collect()
}

fn owned(groups: WeightsLit) -> Weights {
    groups
        .iter()
        .map(|(g, w, items)| {
            (
                g.to_string(),
                *w,
                items.iter().map(|(c, w)| (c.to_string(), *w)).collect(),
            )
        })
        .collect()
}

#[test]
fn the_sales_clerk_scheme_has_the_seed_weights() {
    let lib = library();
    assert_eq!(
        weights(&lib, "sales_clerk"),
        owned(&[
            (
                "customer_information",
                20,
                &[
                    ("archive_completeness", 10),
                    ("archive_update_timeliness", 10)
                ]
            ),
            (
                "order_processing",
                30,
                &[
                    ("order_receipt_timeliness", 10),
                    ("order_entry_error_rate", 5),
                    ("order_feedback_timeliness", 10),
                    ("order_problem_resolution", 5),
                ]
            ),
            (
                "shipment",
                20,
                &[
                    ("shipment_plan_timeliness", 10),
                    ("shipment_plan_accuracy", 5),
                    ("on_time_shipment", 5)
                ]
            ),
            (
                "statistics",
                15,
                &[
                    ("statistics_timeliness", 10),
                    ("analysis_report_effectiveness", 5)
                ]
            ),
            (
                "documents",
                15,
                &[
                    ("contract_signing_timeliness", 10),
                    ("document_filing_timeliness", 5)
                ]
            ),
            // What the related departments rate; it counts through their share of the month.
            ("cooperation", 0, &[("cooperation", 0)]),
        ])
    );
    let s = lib.scheme("sales_clerk").unwrap();
    let raters: Vec<_> = s
        .raters
        .iter()
        .map(|r| (r.group, r.weight.hundredths()))
        .collect();
    assert_eq!(
        raters,
        [
            (RaterGroup::Superior, 8_000),
            (RaterGroup::RelatedDepartments, 2_000),
            (RaterGroup::Customers, 0)
        ]
    );
}

#[test]
fn the_telesales_scheme_has_the_seed_weights_and_rater_split() {
    let lib = library();
    let flat: Vec<(String, u32)> = weights(&lib, "telesales_specialist")
        .into_iter()
        .flat_map(|g| g.2)
        .collect();
    let expect = [
        ("sales_plan_completion", 20),
        ("new_customers", 10),
        ("callback_count", 10),
        ("valid_complaints", 10),
        ("collection_timeliness", 15),
        ("expense_control", 10),
        ("product_knowledge", 10),
        ("business_expansion", 10),
        ("initiative", 5),
    ];
    assert_eq!(flat, expect.map(|(c, w)| (c.to_string(), w)));
    let s = lib.scheme("telesales_specialist").unwrap();
    let raters: Vec<_> = s
        .raters
        .iter()
        .map(|r| (r.group, r.weight.hundredths() / 100))
        .collect();
    assert_eq!(
        raters,
        [
            (RaterGroup::Superior, 70),
            (RaterGroup::Peers, 20),
            (RaterGroup::Customers, 10)
        ]
    );
    assert!(
        matches!(&s.annual, crate::scheme::AnnualRule::Parts { performance, attitude, ability, .. }
        if (performance.hundredths(), attitude.hundredths(), ability.hundredths()) == (7000, 2000, 1000))
    );
}

#[test]
fn the_sales_rep_and_behaviour_schemes_compose_as_the_seeds_say() {
    let lib = library();
    let rep = lib.scheme_for_position("sales_rep").unwrap();
    assert_eq!(
        rep.composition,
        Composition::WorkAttendance {
            work: Weight::percent(70).unwrap(),
            attendance: Weight::percent(30).unwrap(),
            per_absent_day: 4.0
        }
    );
    let raters: Vec<_> = rep
        .raters
        .iter()
        .map(|r| (r.group, r.weight.hundredths() / 100))
        .collect();
    assert_eq!(
        raters,
        [
            (RaterGroup::SelfReview, 20),
            (RaterGroup::TeamLeader, 40),
            (RaterGroup::Superior, 40)
        ]
    );
    let b = lib.scheme_for_position("sales_staff").unwrap();
    assert_eq!(b.composition, Composition::Behaviour { max_factor: 1.2 });
}

/// Evaluates an indicator from measure values given in the order of its formula's measures.
fn computed(
    lib: &Library,
    code: &str,
    measures: &[f64],
    ctx: &EvalContext,
    target: Option<f64>,
) -> IndicatorOutcome {
    let ind = lib.indicator(code).unwrap();
    let f = ind.formula().unwrap();
    assert_eq!(
        f.measures().len(),
        measures.len(),
        "{code}: {:?}",
        f.measures().iter().map(|m| m.key()).collect::<Vec<_>>()
    );
    let mut v = MeasureValues::new();
    for (m, x) in f.measures().iter().zip(measures) {
        v.set(m.key(), Some(*x));
    }
    assert!(f.missing_measures(&v).is_empty(), "{code}");
    ind.outcome(&f.evaluate(&v, ctx), target)
}

#[test]
fn a_telesales_month_with_no_receivables_due_is_scored_end_to_end() {
    let lib = library();
    let scheme = lib.scheme("telesales_specialist").unwrap();
    let mut ctx = EvalContext::default();
    ctx.targets.insert("sales_amount".into(), 10_000_000.0);
    ctx.targets.insert("sales_expense".into(), 10_000.0);
    let mut outcomes = BTreeMap::new();
    // 90,000 yuan sold against a plan of 100,000: 90 % → 90.
    outcomes.insert(
        "sales_plan_completion".into(),
        computed(&lib, "sales_plan_completion", &[9_000_000.0], &ctx, None),
    );
    // 12 new customers against 10: 120 % → capped at 120.
    outcomes.insert(
        "new_customers".into(),
        computed(&lib, "new_customers", &[12.0], &ctx, None),
    );
    // 54 call-backs against 60 → 90.
    outcomes.insert(
        "callback_count".into(),
        computed(&lib, "callback_count", &[54.0], &ctx, None),
    );
    // One valid complaint: 100 − 10 → 90.
    outcomes.insert(
        "valid_complaints".into(),
        computed(&lib, "valid_complaints", &[1.0], &ctx, None),
    );
    // Nothing was due: 0 / 0 → not applicable, its 15 % is spread over the rest.
    outcomes.insert(
        "collection_timeliness".into(),
        computed(&lib, "collection_timeliness", &[0.0, 0.0], &ctx, None),
    );
    // Spent 80 % of the budget (lower is better): 100 / 80 × 100 = 125 → capped at 100.
    outcomes.insert(
        "expense_control".into(),
        computed(&lib, "expense_control", &[8_000.0], &ctx, None),
    );
    let rate = |pairs: &[(RaterGroup, &[f64])]| {
        let ratings: BTreeMap<RaterGroup, Vec<f64>> =
            pairs.iter().map(|(g, r)| (*g, r.to_vec())).collect();
        IndicatorOutcome::rated(&combine_raters(&scheme.raters, &ratings))
    };
    // Superior 80, peers 90 and 70, no customers: 80.
    outcomes.insert(
        "product_knowledge".into(),
        rate(&[
            (RaterGroup::Superior, &[80.0]),
            (RaterGroup::Peers, &[90.0, 70.0]),
        ]),
    );
    // Superior 70, peer 80: (70 × 70 + 80 × 20) / 90 = 72.22…
    outcomes.insert(
        "business_expansion".into(),
        rate(&[
            (RaterGroup::Superior, &[70.0]),
            (RaterGroup::Peers, &[80.0]),
        ]),
    );
    // Superior 90, customer 100, no peers: (90 × 70 + 100 × 10) / 80 = 91.25.
    outcomes.insert(
        "initiative".into(),
        rate(&[
            (RaterGroup::Superior, &[90.0]),
            (RaterGroup::Customers, &[100.0]),
        ]),
    );

    let card = Scorecard::compute(
        scheme,
        &ScorecardInput {
            outcomes,
            ..Default::default()
        },
    );
    let line = |code: &str| card.lines.iter().find(|l| l.indicator == code).unwrap();
    assert_eq!(line("sales_plan_completion").score, Some(90.0));
    assert_eq!(line("sales_plan_completion").numerator, Some(9_000_000.0));
    assert_eq!(line("new_customers").score, Some(120.0));
    assert_eq!(line("valid_complaints").score, Some(90.0));
    assert_eq!(
        line("collection_timeliness").na_reason,
        Some(NaReason::ZeroDenominator)
    );
    assert_eq!(line("expense_control").score, Some(100.0));
    assert_eq!(round2(line("business_expansion").score.unwrap()), 72.22);
    assert_eq!(line("initiative").score, Some(91.25));
    // Applicable weights: 100 − 15 = 85. Weighted: 90×20 + 120×10 + 90×10 + 90×10 + 100×10
    // + 80×10 + 72.22…×10 + 91.25×5 = 7778.47…; ÷ 85 = 91.51 → excellent, coefficient 1.5.
    assert_eq!(card.total_rounded, Some(91.51));
    assert!((line("sales_plan_completion").effective_weight - 20.0 / 0.85).abs() < 1e-9);
    assert_eq!(card.grade.as_ref().unwrap().name_zh, "优秀");
    assert_eq!(card.bonus_coefficient, Some(1.5));
    assert_eq!(
        card.notes,
        vec![Note::Redistributed(vec!["collection_timeliness".into()])]
    );
}

#[test]
fn a_sales_rep_month_combines_work_and_attendance() {
    let lib = library();
    let scheme = lib.scheme("sales_rep").unwrap();
    // Every work indicator at 85 (as the SPEC's example), two absent days with a half day.
    let outcomes = scheme
        .indicator_codes()
        .map(|c| (c.to_string(), IndicatorOutcome::scored(85.0, 85.0)))
        .collect();
    let card = Scorecard::compute(
        scheme,
        &ScorecardInput {
            outcomes,
            absent_days: 2,
            ..Default::default()
        },
    );
    assert_eq!(card.total_rounded, Some(87.1));
}

#[test]
fn growth_without_a_previous_period_is_not_applicable() {
    let lib = library();
    let ctx = EvalContext::default();
    let o = computed(&lib, "sales_growth", &[1_000.0], &ctx, None);
    assert_eq!(o.na, Some(NaReason::NoValue));
    let mut ctx = EvalContext::default();
    ctx.prev_indicators.insert("sales_amount".into(), 1_000.0);
    // 1,100 after 1,000: +10 % is the target → 100.
    let o = computed(&lib, "sales_growth", &[1_100.0], &ctx, None);
    assert!((o.value.unwrap() - 10.0).abs() < 1e-9);
    assert!((o.score.unwrap() - 100.0).abs() < 1e-9);
}

#[test]
fn cold_visits_are_banded_per_working_day() {
    let lib = library();
    let ctx = EvalContext {
        working_days: Some(22.0),
        ..Default::default()
    };
    assert_eq!(
        computed(&lib, "cold_visits_per_day", &[66.0], &ctx, None).score,
        Some(100.0)
    );
    assert_eq!(
        computed(&lib, "cold_visits_per_day", &[55.0], &ctx, None).score,
        Some(80.0)
    );
    assert_eq!(
        computed(&lib, "cold_visits_per_day", &[40.0], &ctx, None).score,
        Some(0.0)
    );
}

#[test]
fn the_sales_amount_needs_a_personal_target() {
    let lib = library();
    let ctx = EvalContext::default();
    assert_eq!(
        computed(&lib, "sales_amount", &[5.0], &ctx, None).na,
        Some(NaReason::NoTarget)
    );
    assert_eq!(
        computed(&lib, "sales_amount", &[5.0], &ctx, Some(10.0)).score,
        Some(50.0)
    );
}
