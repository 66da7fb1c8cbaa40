use super::*;
use crate::calendar::{Calendar, DayKind};
use crate::catalogue::{RecordKind, Value};
use chrono::{DateTime, NaiveDate, Utc};
use proptest::prelude::*;

fn ok(src: &str) -> CompiledFormula {
    compile(src).unwrap_or_else(|e| panic!("{}", e.render(src)))
}

fn err(src: &str) -> FormulaError {
    match compile(src) {
        Ok(f) => panic!("`{src}` compiled to {}", f.canonical()),
        Err(e) => e,
    }
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn ts(y: i32, m: u32, day: u32, h: u32) -> DateTime<Utc> {
    d(y, m, day).and_hms_opt(h, 0, 0).unwrap().and_utc()
}

fn values(pairs: &[(&Measure, f64)]) -> MeasureValues {
    let mut v = MeasureValues::new();
    for (m, x) in pairs {
        v.set(m.key(), Some(*x));
    }
    v
}

// ---- the SPEC's examples --------------------------------------------------------------------

#[test]
fn the_order_entry_error_rate_of_the_spec_compiles_to_two_measures() {
    let f = ok("count(orders where entry_errors > 0) / count(orders) * 100");
    let keys: Vec<_> = f.measures().iter().map(Measure::key).collect();
    assert_eq!(
        keys,
        ["count(orders where entry_errors > 0)", "count(orders)"]
    );
    let v = values(&[(&f.measures()[0], 1.0), (&f.measures()[1], 200.0)]);
    let e = f.evaluate(&v, &EvalContext::default());
    assert_eq!(e.value, Some(0.5));
    assert_eq!((e.numerator, e.denominator), (Some(1.0), Some(200.0)));
}

#[test]
fn callback_timeliness_is_expressed_with_a_timestamp_comparison() {
    let f = ok(
        "count(calls where is_callback and started_at <= callback_due_at) \
                / count(calls where is_callback) * 100",
    );
    assert_eq!(
        f.measures()[0].key(),
        "count(calls where is_callback and started_at <= callback_due_at)"
    );
    let filter = f.measures()[0].filter.as_ref().unwrap();
    let cal = Calendar::default();
    let row = |due: Option<DateTime<Utc>>, at| -> Vec<(&str, Value)> {
        vec![
            ("is_callback", Value::Bool(true)),
            ("started_at", Value::Timestamp(at)),
            ("callback_due_at", due.into()),
        ]
    };
    assert!(filter.eval(&row(Some(ts(2026, 10, 8, 12)), ts(2026, 10, 8, 9)), &cal));
    assert!(!filter.eval(&row(Some(ts(2026, 10, 8, 12)), ts(2026, 10, 9, 9)), &cal));
    // No due time: unknown, so not counted as on time (SQL's three-valued logic).
    assert!(!filter.eval(&row(None, ts(2026, 10, 8, 9)), &cal));
}

// ---- measures and canonical keys -------------------------------------------------------------

#[test]
fn the_same_measure_written_twice_is_computed_once() {
    let f = ok("count(orders) + count( orders ) * 2 - COUNT(orders WHERE true) ");
    assert_eq!(f.measures().len(), 2);
    assert_eq!(f.requests().len(), 2);
}

#[test]
fn a_measure_key_parses_back_to_the_same_key() {
    let srcs = [
        "sum(orders.amount_cents where status not in (\"cancelled\", \"open\") and price_ratio_bp between 9000 and 11000)",
        "count(contracts dated sign_due_at where signed_at <= sign_due_at + 2 days)",
        "count(customers cumulative where not valid or update_due_at is null)",
        "count(orders where working_days(received_at, entered_at) <= 2)",
        "avg(complaints.satisfaction where hours(received_at, resolved_at) < 48.5 and day >= \"2026-10-01\")",
        "count(order_events where due_at >= \"2026-10-01T08:00:00Z\" and done_at - 30 minutes <= due_at)",
        "count(calls where rings is not null and -rings > -3)",
        "count_distinct(orders.customer_id where repeat_customer)",
        "credited_sum(orders.amount_cents where status != \"cancelled\")",
    ];
    for src in srcs {
        let f = ok(src);
        let key = f.measures()[0].key().to_string();
        let again = ok(&key);
        assert_eq!(again.measures()[0].key(), key, "{src}");
        assert_eq!(again.measures()[0], f.measures()[0], "{src}");
    }
}

#[test]
fn the_default_period_field_is_not_repeated_in_the_key() {
    let a = ok("count(calls dated day)");
    assert_eq!(a.measures()[0].key(), "count(calls)");
    let b = ok("count(contracts dated signed_day)");
    assert_eq!(b.measures()[0].key(), "count(contracts dated signed_day)");
    assert_eq!(
        b.measures()[0].window,
        Window {
            field: "signed_day",
            cumulative: false,
            handled: false,
            over: Over::Own,
        }
    );
}

#[test]
fn the_canonical_text_of_a_formula_parses_back_to_itself() {
    let srcs = [
        "(credited_sum(orders.amount_cents) - prev(sales_amount)) / prev(sales_amount) * 100",
        "if(prev(count(orders)) is null or prev(count(orders)) = 0, 0, count(orders) / prev(count(orders)))",
        "min(120, max(0, -count(visits) / working_days() + 2.5)) + abs(3 - target(\"x\"))",
        "count(visits where kind = \"cold\") / working_days() * target()",
        "if(count(orders) in (1, 2) and not (count(calls) >= 3), 1, 0)",
    ];
    for src in srcs {
        let f = ok(src);
        let again = ok(&f.canonical());
        assert_eq!(again.canonical(), f.canonical(), "{src}");
        assert_eq!(again, f);
    }
}

// ---- filters on records ----------------------------------------------------------------------

#[test]
fn a_filter_runs_on_a_record_struct() {
    let f = ok("count(orders where entry_errors > 0 and amount_cents >= 10000)");
    let filter = f.measures()[0].filter.as_ref().unwrap();
    let mut order = crate::records::Order {
        handled_by: None,
        id: 1,
        order_no: "O-1".into(),
        customer_id: 1,
        employee_id: 7,
        day: d(2026, 10, 8),
        received_at: ts(2026, 10, 8, 1),
        entered_at: ts(2026, 10, 8, 2),
        entry_due_at: ts(2026, 10, 8, 3),
        amount_cents: 10_000,
        entry_errors: 1,
        promised_delivery_on: d(2026, 10, 20),
        status: "open".into(),
        price_ratio_bp: 10_000,
    };
    assert!(filter.eval(&order, &Calendar::default()));
    order.entry_errors = 0;
    assert!(!filter.eval(&order, &Calendar::default()));
}

#[test]
fn entry_within_two_working_days_skips_the_weekend_and_holidays() {
    let f = ok("count(orders where working_days(received_at, entered_at) <= 2)");
    let filter = f.measures()[0].filter.as_ref().unwrap();
    // Friday 2026-09-25 received; Mon 28 and Tue 29 are working days, Wed 30 too; Oct 1–7 off.
    let holidays = (1..=7).map(|n| (d(2026, 10, n), DayKind::Holiday));
    let cal = Calendar::new(holidays);
    let row = |entered| {
        vec![
            ("received_at", Value::Timestamp(ts(2026, 9, 25, 3))),
            ("entered_at", Value::Timestamp(entered)),
        ]
    };
    assert!(filter.eval(&row(ts(2026, 9, 29, 3)), &cal));
    assert!(!filter.eval(&row(ts(2026, 9, 30, 3)), &cal));
    // Received on the last day before the holiday, entered the first day after: 1 working day.
    let row2 = vec![
        ("received_at", Value::Timestamp(ts(2026, 9, 30, 3))),
        ("entered_at", Value::Timestamp(ts(2026, 10, 8, 3))),
    ];
    assert!(filter.eval(&row2, &cal));
}

#[test]
fn done_within_two_days_of_the_due_time_counts_and_later_does_not() {
    let f = ok("count(order_events where done_at <= due_at + 2 days)");
    let filter = f.measures()[0].filter.as_ref().unwrap();
    let cal = Calendar::default();
    let row = |done| {
        vec![
            ("due_at", Value::Timestamp(ts(2026, 10, 8, 12))),
            ("done_at", Value::Timestamp(done)),
        ]
    };
    assert!(filter.eval(&row(ts(2026, 10, 10, 12)), &cal));
    assert!(!filter.eval(&row(ts(2026, 10, 10, 13)), &cal));
}

#[test]
fn hours_between_two_instants_are_fractional() {
    let f = ok("count(complaints where hours(received_at, resolved_at) <= 1.5)");
    let filter = f.measures()[0].filter.as_ref().unwrap();
    let start = ts(2026, 10, 8, 1);
    let row = |mins: i64| {
        vec![
            ("received_at", Value::Timestamp(start)),
            (
                "resolved_at",
                Value::Timestamp(start + chrono::Duration::minutes(mins)),
            ),
        ]
    };
    assert!(filter.eval(&row(90), &Calendar::default()));
    assert!(!filter.eval(&row(91), &Calendar::default()));
}

#[test]
fn not_of_an_unknown_comparison_is_still_unknown_so_the_record_is_left_out() {
    let f = ok("count(reports where not (submitted_at <= due_at))");
    let filter = f.measures()[0].filter.as_ref().unwrap();
    let row = vec![
        ("submitted_at", Value::Null),
        ("due_at", Value::Timestamp(ts(2026, 10, 8, 1))),
    ];
    assert_eq!(filter.eval3(&row, &Calendar::default()), None);
    assert!(!filter.eval(&row, &Calendar::default()));
    let g = ok("count(reports where submitted_at is null or not (submitted_at <= due_at))");
    assert!(
        g.measures()[0]
            .filter
            .as_ref()
            .unwrap()
            .eval(&row, &Calendar::default())
    );
}

#[test]
fn in_and_between_select_the_listed_values_and_the_closed_range() {
    let f = ok(
        "count(calls where outcome in (\"connected\", \"deal\") and duration_s between 10 and 20)",
    );
    let filter = f.measures()[0].filter.as_ref().unwrap();
    let cal = Calendar::default();
    let row = |o: &str, s: i64| vec![("outcome", Value::from(o)), ("duration_s", Value::Int(s))];
    assert!(filter.eval(&row("deal", 10), &cal));
    assert!(filter.eval(&row("connected", 20), &cal));
    assert!(!filter.eval(&row("connected", 21), &cal));
    assert!(!filter.eval(&row("refused", 15), &cal));
}

#[test]
fn a_text_next_to_a_date_field_is_a_date() {
    let f = ok("count(calls where day >= \"2026-10-05\")");
    let filter = f.measures()[0].filter.as_ref().unwrap();
    let row = |x| vec![("day", Value::Date(x))];
    assert!(filter.eval(&row(d(2026, 10, 5)), &Calendar::default()));
    assert!(!filter.eval(&row(d(2026, 10, 4)), &Calendar::default()));
    assert!(matches!(
        err("count(calls where day >= \"5 Oct\")").kind,
        ErrorKind::BadDate(_)
    ));
}

// ---- evaluation -------------------------------------------------------------------------------

#[test]
fn a_zero_denominator_is_not_applicable_and_still_reports_its_parts() {
    let f = ok("count(orders where entry_errors > 0) / count(orders) * 100");
    let v = values(&[(&f.measures()[0], 0.0), (&f.measures()[1], 0.0)]);
    let e = f.evaluate(&v, &EvalContext::default());
    assert_eq!(
        e,
        Evaluation {
            value: None,
            numerator: Some(0.0),
            denominator: Some(0.0)
        }
    );
}

#[test]
fn a_missing_measure_or_target_is_not_applicable() {
    let f = ok("count(orders) / target()");
    assert_eq!(
        f.evaluate(&MeasureValues::new(), &EvalContext::default())
            .value,
        None
    );
    assert_eq!(f.missing_measures(&MeasureValues::new()).len(), 1);
    let v = values(&[(&f.measures()[0], 30.0)]);
    assert_eq!(f.evaluate(&v, &EvalContext::default()).value, None);
    let ctx = EvalContext {
        target: Some(40.0),
        ..Default::default()
    };
    assert_eq!(f.evaluate(&v, &ctx).value, Some(0.75));
}

#[test]
fn growth_reads_the_previous_period() {
    let f = ok(
        "(sum(orders.amount_cents) - prev(sum(orders.amount_cents))) / prev(sum(orders.amount_cents)) * 100",
    );
    assert!(f.needs_previous_period());
    assert_eq!(f.measures().len(), 1);
    assert_eq!(f.requests().len(), 2);
    let key = f.measures()[0].key().to_string();
    let mut v = MeasureValues::new();
    v.set(key.as_str(), Some(110.0))
        .set_previous(key.as_str(), Some(100.0));
    let e = f.evaluate(&v, &EvalContext::default());
    assert!((e.value.unwrap() - 10.0).abs() < 1e-9);
    assert_eq!((e.numerator, e.denominator), (Some(10.0), Some(100.0)));
}

#[test]
fn prev_of_an_indicator_code_and_targets_of_other_indicators_come_from_the_context() {
    let f = ok(
        "credited_sum(orders.amount_cents) / target(\"sales_amount\") * 100 - prev(sales_growth)",
    );
    assert_eq!(f.indicator_refs(), ["sales_amount", "sales_growth"]);
    let mut ctx = EvalContext::default();
    ctx.targets.insert("sales_amount".into(), 200.0);
    ctx.prev_indicators.insert("sales_growth".into(), 5.0);
    let v = values(&[(&f.measures()[0], 100.0)]);
    assert_eq!(f.evaluate(&v, &ctx).value, Some(45.0));
}

#[test]
fn cold_visits_per_working_day_divides_by_the_periods_working_days() {
    let f = ok("count(visits where kind = \"cold\") / working_days()");
    let v = values(&[(&f.measures()[0], 66.0)]);
    let ctx = EvalContext {
        working_days: Some(22.0),
        ..Default::default()
    };
    assert_eq!(f.evaluate(&v, &ctx).value, Some(3.0));
}

#[test]
fn if_min_and_max_choose_values() {
    let f = ok("if(count(orders) > 10, min(count(orders), 20), max(1, 2, 3))");
    let m = &f.measures()[0];
    assert_eq!(
        f.evaluate(&values(&[(m, 30.0)]), &EvalContext::default())
            .value,
        Some(20.0)
    );
    assert_eq!(
        f.evaluate(&values(&[(m, 5.0)]), &EvalContext::default())
            .value,
        Some(3.0)
    );
}

#[test]
fn an_average_of_nothing_is_not_applicable() {
    let f = ok("avg(complaints.satisfaction)");
    assert_eq!(f.measures()[0].empty_value(), None);
    let mut v = MeasureValues::new();
    v.set(f.measures()[0].key(), f.measures()[0].empty_value());
    assert_eq!(f.evaluate(&v, &EvalContext::default()).value, None);
    assert!(f.missing_measures(&v).is_empty());
}

// ---- errors ------------------------------------------------------------------------------------

#[test]
fn an_unknown_field_is_named_with_the_closest_one_and_a_caret() {
    let src = "count(orders where amout > 0)";
    let e = err(src);
    assert_eq!(
        e.kind,
        ErrorKind::UnknownField {
            kind: RecordKind::Orders,
            name: "amout".into(),
            suggestion: Some("amount_cents".into())
        }
    );
    assert_eq!((e.line, e.column), (1, 20));
    let shown = e.render(src);
    assert!(shown.contains("未知字段 `amout`"), "{shown}");
    assert!(
        shown.contains("unknown field `amout` on orders; did you mean `amount_cents`?"),
        "{shown}"
    );
    assert!(
        shown.ends_with("1 | count(orders where amout > 0)\n  |                    ^^^^^\n"),
        "{shown}"
    );
}

#[test]
fn an_unknown_kind_suggests_the_closest_kind() {
    let e = err("count(order) / 2");
    assert_eq!(
        e.kind,
        ErrorKind::UnknownKind {
            name: "order".into(),
            suggestion: Some("orders".into())
        }
    );
    assert_eq!(e.column, 7);
    let e = err("count(widgets)");
    assert!(
        e.message_en().contains("known kinds: customers, calls"),
        "{}",
        e.message_en()
    );
}

#[test]
fn an_error_on_a_later_line_reports_that_line() {
    let src = "count(orders)\n  / count(orders where stauts = \"open\")";
    let e = err(src);
    assert_eq!((e.line, e.column), (2, 24));
    assert!(e.render(src).contains("2 |   / count(orders where stauts"));
    assert!(e.message_en().contains("did you mean `status`"));
}

#[test]
fn comparing_a_date_with_a_number_is_refused() {
    let e = err("count(calls where day > 5)");
    assert_eq!(
        e.kind,
        ErrorKind::NotComparable {
            op: ">",
            left: TypeName::Date,
            right: TypeName::Number
        }
    );
    assert!(
        e.message_zh().contains("不能用 `>` 比较日期与数字"),
        "{}",
        e.message_zh()
    );
    let e = err("count(shipments where shipped_on <= plan_due_at)");
    assert!(matches!(
        e.kind,
        ErrorKind::NotComparable {
            left: TypeName::Date,
            right: TypeName::Timestamp,
            ..
        }
    ));
}

#[test]
fn summing_a_text_field_is_refused() {
    let e = err("sum(customers.name)");
    assert_eq!(
        e.kind,
        ErrorKind::NotAggregable {
            aggregate: "sum",
            field: "name".into(),
            field_type: "text"
        }
    );
    assert_eq!(e.column, 15);
    assert!(matches!(
        err("avg(orders.day)").kind,
        ErrorKind::NotAggregable { .. }
    ));
    // Counting distinct values of any type is fine.
    ok("count_distinct(visits.kind)");
}

#[test]
fn an_aggregate_inside_a_filter_is_refused() {
    let e = err("count(orders where amount_cents > avg(orders.amount_cents))");
    assert_eq!(e.kind, ErrorKind::AggregateInFilter);
    assert_eq!(e.column, 35);
    assert_eq!(
        err("count(orders where count(calls) > 1)").kind,
        ErrorKind::AggregateInFilter
    );
}

#[test]
fn a_division_by_a_literal_zero_is_refused_in_both_contexts() {
    assert_eq!(err("count(orders) / 0").kind, ErrorKind::DivisionByZero);
    assert_eq!(
        err("count(orders) / (1 - 1.0)").kind,
        ErrorKind::DivisionByZero
    );
    assert_eq!(
        err("count(orders where entry_errors / 0 > 1)").kind,
        ErrorKind::DivisionByZero
    );
    // A measure may be zero: that is "not applicable" at evaluation, not an error.
    ok("count(orders) / count(calls)");
}

#[test]
fn the_responsible_person_is_not_a_formula_field() {
    let e = err("count(orders where employee_id = 3)");
    assert_eq!(
        e.kind,
        ErrorKind::GroupingKey {
            kind: RecordKind::Orders,
            name: "employee_id".into()
        }
    );
    assert!(matches!(
        err("count_distinct(customers.owner_id)").kind,
        ErrorKind::GroupingKey { .. }
    ));
}

#[test]
fn misuse_of_aggregates_is_explained() {
    assert!(matches!(
        err("sum(orders)").kind,
        ErrorKind::AggregateField {
            needs_field: true,
            ..
        }
    ));
    assert!(matches!(
        err("count(orders.amount_cents)").kind,
        ErrorKind::AggregateField {
            needs_field: false,
            ..
        }
    ));
    assert_eq!(
        err("credited_sum(calls.duration_s)").kind,
        ErrorKind::NoSplitCredit {
            kind: RecordKind::Calls
        }
    );
    assert!(matches!(
        err("count(orders dated status)").kind,
        ErrorKind::NotADateField { .. }
    ));
    assert!(matches!(
        err("count(orders dated nope)").kind,
        ErrorKind::UnknownField { .. }
    ));
}

#[test]
fn names_out_of_place_are_explained() {
    assert!(matches!(
        err("orders").kind,
        ErrorKind::UnknownName {
            hint: NameHint::Kind,
            ..
        }
    ));
    assert!(matches!(
        err("count(orders) / entry_errors").kind,
        ErrorKind::UnknownName {
            hint: NameHint::Field {
                kind: RecordKind::Orders
            },
            ..
        }
    ));
    assert!(
        matches!(err("cuont(orders)").kind, ErrorKind::UnknownFunction { suggestion: Some(ref s), .. } if s == "count")
    );
    assert_eq!(
        err("count(orders where target() > 1)").kind,
        ErrorKind::NotInFilter {
            name: "target".into()
        }
    );
    assert_eq!(
        err("working_days(1, 2)").kind,
        ErrorKind::OnlyInFilter {
            name: "working_days".into()
        }
    );
    assert_eq!(err("prev(prev(count(orders)))").kind, ErrorKind::NestedPrev);
    assert_eq!(err("prev(target())").kind, ErrorKind::TargetInPrev);
    assert!(matches!(err("min(1)").kind, ErrorKind::ArgCount { .. }));
    assert!(matches!(
        err("target(3)").kind,
        ErrorKind::ExpectedCode { .. }
    ));
}

#[test]
fn type_errors_in_filters_are_explained() {
    assert_eq!(
        err("count(calls where outcome)").kind,
        ErrorKind::ExpectedType {
            expected: TypeName::Bool,
            found: TypeName::Text
        }
    );
    assert_eq!(
        err("count(calls where outcome < \"b\")").kind,
        ErrorKind::Unordered { ty: TypeName::Text }
    );
    assert_eq!(
        err("count(calls where rings = null)").kind,
        ErrorKind::CompareWithNull
    );
    assert_eq!(
        err("count(calls where rings in (1, rings))").kind,
        ErrorKind::InNeedsLiterals
    );
    assert_eq!(
        err("count(shipments where shipped_on <= planned_on + 3 hours)").kind,
        ErrorKind::DateShift
    );
    ok("count(shipments where shipped_on <= planned_on + 3 days)");
    assert_eq!(
        err("count(calls where started_at + 2 > 1)").kind,
        ErrorKind::ExpectedType {
            expected: TypeName::Number,
            found: TypeName::Timestamp
        }
    );
    assert_eq!(
        err("count(orders) > 1").kind,
        ErrorKind::ExpectedType {
            expected: TypeName::Number,
            found: TypeName::Bool
        }
    );
    assert_eq!(
        err("\"x\"").kind,
        ErrorKind::ExpectedType {
            expected: TypeName::Number,
            found: TypeName::Text
        }
    );
}

#[test]
fn every_error_renders_a_caret_line() {
    for src in [
        "count(",
        "count(orders",
        "((1)",
        "1 +",
        "count(orders where)",
        "sum(orders.x)",
        "1 ## 2",
        "\"abc",
    ] {
        let e = err(src);
        let shown = e.render(src);
        assert!(
            shown.lines().last().unwrap().contains('^'),
            "{src}: {shown}"
        );
        assert!(
            shown.contains("错误：") && shown.contains("error: "),
            "{shown}"
        );
    }
}

// ---- never panic -------------------------------------------------------------------------------

const PIECES: [&str; 40] = [
    "count",
    "sum",
    "avg",
    "min",
    "max",
    "credited_sum",
    "count_distinct",
    "(",
    ")",
    ",",
    ".",
    "orders",
    "calls",
    "amount_cents",
    "day",
    "where",
    "and",
    "or",
    "not",
    "in",
    "between",
    "is",
    "null",
    "dated",
    "cumulative",
    "+",
    "-",
    "*",
    "/",
    "<=",
    "=",
    "!=",
    "0",
    "2.5",
    "\"x\"",
    "days",
    "prev",
    "target",
    "working_days",
    "if",
];

fn check_total(src: &str) {
    if let Err(e) = compile(src) {
        let _ = e.render(src);
        let _ = e.to_string();
    } else if let Ok(f) = compile(src) {
        let _ = f.evaluate(&MeasureValues::new(), &EvalContext::default());
        let again = compile(&f.canonical()).expect("the canonical text compiles");
        assert_eq!(again.canonical(), f.canonical());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn the_parser_never_panics_on_arbitrary_text(src in "\\PC{0,200}") {
        check_total(&src);
    }

    #[test]
    fn the_parser_never_panics_on_token_soup(words in proptest::collection::vec(0..PIECES.len(), 0..60)) {
        let src: Vec<&str> = words.iter().map(|i| PIECES[*i]).collect();
        check_total(&src.join(" "));
    }

    #[test]
    fn deep_or_long_input_is_refused_without_overflowing(n in 60usize..3000, which in 0..4) {
        let src = match which {
            0 => format!("{}1{}", "(".repeat(n), ")".repeat(n)),
            1 => format!("{}1", "not ".repeat(n)),
            2 => format!("count(orders where {} true)", "not ".repeat(n)),
            _ => format!("min({}1{})", "max(1, ".repeat(n), ")".repeat(n)),
        };
        check_total(&src);
    }
}

fn filter_text() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("entry_errors > 0".to_string()),
        Just("status = \"open\"".to_string()),
        Just("repeat_customer".to_string()),
        Just("amount_cents between -1 and 5".to_string()),
        Just("entered_at <= entry_due_at + 2 days - 3 hours".to_string()),
        Just("working_days(received_at, entered_at) <= 2".to_string()),
        Just("price_ratio_bp not in (1, -2)".to_string()),
        Just("promised_delivery_on is null".to_string()),
        Just("amount_cents - -entry_errors * 2 >= 3 / (4 - 1)".to_string()),
        Just("false".to_string()),
    ];
    leaf.prop_recursive(6, 40, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} and {b}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} or {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} or {b}")),
            inner.clone().prop_map(|a| format!("not ({a})")),
            inner.prop_map(|a| format!("not {a}")),
        ]
    })
}

fn expr_text() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        filter_text().prop_map(|f| format!("count(orders where {f})")),
        Just("sum(orders.amount_cents dated entered_at cumulative)".to_string()),
        Just("2.5".to_string()),
        Just("target()".to_string()),
        Just("working_days()".to_string()),
        Just("prev(sales_amount)".to_string()),
    ];
    leaf.prop_recursive(5, 30, 3, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} - {b}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} / ({b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} + {b}) * {a}")),
            inner.clone().prop_map(|a| format!("-({a})")),
            inner.clone().prop_map(|a| format!("abs({a})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("min({a}, {b}, 3)")),
            (inner.clone(), inner.clone())
                .prop_map(|(a, b)| format!("if({a} > {b} and not {a} in (1, 2), {a}, {b})")),
            inner.prop_map(|a| format!("prev({a})")),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn valid_formulas_print_canonically_and_parse_back_to_the_same_tree(src in expr_text()) {
        match compile(&src) {
            Ok(f) => {
                let again = compile(&f.canonical()).map_err(|e| TestCaseError::fail(e.render(&f.canonical())))?;
                prop_assert_eq!(again.canonical(), f.canonical());
                prop_assert_eq!(again.expr(), f.expr());
                for (a, b) in again.measures().iter().zip(f.measures()) {
                    prop_assert_eq!(a, b);
                    let k = compile(a.key()).map_err(|e| TestCaseError::fail(e.render(a.key())))?;
                    prop_assert_eq!(k.measures()[0].key(), a.key());
                }
            }
            // Generated text may nest prev(), divide by a constant 0 or exceed a limit; it must fail cleanly.
            Err(e) => prop_assert!(matches!(e.kind, ErrorKind::NestedPrev | ErrorKind::TargetInPrev | ErrorKind::DivisionByZero | ErrorKind::TooDeep { .. } | ErrorKind::TooLong { .. }), "{}", e.render(&src)),
        }
    }
}

/// Hostile formulas (issue 7): SQL fragments, huge and deeply nested texts are refused with a
/// positioned message, each in bounded time.
#[test]
fn injection_attempts_and_huge_or_deep_formulas_are_refused_quickly_with_a_position() {
    let deep = format!("{}1{}", "(".repeat(1_500), ")".repeat(1_500));
    let chain = vec!["1"; 1_900].join("+");
    let huge = "count(calls) + ".repeat(70_000) + "1";
    let calls_in = |n: usize| format!("{}count(calls){}", "max(".repeat(n), ", 1)".repeat(n));
    for src in [
        "count(calls); DROP TABLE calls; --",
        "count(calls where outcome = 'deal') -- ' OR 1=1",
        "count(calls where outcome = 'deal' /* */)",
        "count(calls where outcome = 'deal'); SELECT * FROM users",
        "sum(calls.duration_s); DELETE FROM audit_log",
        "count(users)",
        "count(calls where password_hash = 'x')",
        "count(calls where 1 = 1 or employee_id in (select id from users))",
        deep.as_str(),
        chain.as_str(),
        huge.as_str(),
        calls_in(200).as_str(),
    ] {
        let started = std::time::Instant::now();
        let e = err(src);
        let took = started.elapsed();
        assert!(
            took < std::time::Duration::from_millis(200),
            "{took:?} for a {}-character formula",
            src.len()
        );
        let shown = e.render(src);
        assert!(e.line >= 1 && shown.contains('^'), "no position: {shown}");
    }
    // Text that only looks like SQL is a string value, compared as a bound parameter.
    let f = ok("count(customers where name = \"x'; DROP TABLE calls; --\")");
    assert!(f.canonical().contains("DROP TABLE"), "kept as a value");
}

// ---- who did the work: handled, team, department ---------------------------------------------

#[test]
fn handled_team_and_department_measures_print_back_and_say_whose_records_they_read() {
    let f = ok("count(orders handled where entry_errors > 0) / count(orders handled) * 100");
    assert!(f.measures()[0].window.handled);
    assert_eq!(ok(&f.canonical()).canonical(), f.canonical());
    let t = ok(
        "credited_sum(orders.amount_cents team where status != \"cancelled\") / team_target(\"sales_amount\") * 100",
    );
    assert_eq!(t.measures()[0].window.over, Over::Team);
    assert_eq!(
        t.measures()[0].own().key(),
        "credited_sum(orders.amount_cents where status != \"cancelled\")"
    );
    assert_eq!(ok(&t.canonical()).canonical(), t.canonical());
    let d = ok("count(customers department) - department_target(\"new_customers\")");
    assert_eq!(d.measures()[0].window.over, Over::Department);
    assert!(
        d.canonical()
            .contains("department_target(\"new_customers\")")
    );
    // The team target is the sum of the members' targets the store supplies.
    let v = values(&[(&t.measures()[0], 300.0)]);
    let ctx = EvalContext {
        group_targets: [((Over::Team, "sales_amount".to_string()), 400.0)].into(),
        ..Default::default()
    };
    assert_eq!(t.evaluate(&v, &ctx).value, Some(75.0));
    assert_eq!(t.evaluate(&v, &EvalContext::default()).value, None);
}

#[test]
fn a_team_measure_must_add_up_and_handled_needs_a_handler() {
    let e = err("avg(orders.amount_cents team)");
    assert_eq!(e.kind, ErrorKind::GroupNeedsSum { aggregate: "avg" });
    assert_eq!(e.span.start, "avg(orders.amount_cents ".len());
    assert!(matches!(
        err("count(orders handled team)").kind,
        ErrorKind::GroupNeedsSum { .. }
    ));
    let e = err("count(calls handled)");
    assert_eq!(
        e.kind,
        ErrorKind::NoHandler {
            kind: RecordKind::Calls
        }
    );
    assert_eq!(e.span.start, "count(calls ".len());
}

#[test]
fn a_leaders_formula_reads_the_results_of_the_people_led() {
    let f = ok("team_score()");
    assert!(f.reads_member_results());
    assert!(!ok("count(orders team)").reads_member_results());
    let g = ok("department_pass_share() * 0.5 + team_pass_share() * 0.5");
    assert_eq!(ok(&g.canonical()).canonical(), g.canonical());
    let ctx = EvalContext {
        member_results: [
            ((Over::Department, MemberStat::PassShare), 80.0),
            ((Over::Team, MemberStat::PassShare), 60.0),
        ]
        .into(),
        ..Default::default()
    };
    assert_eq!(g.evaluate(&MeasureValues::new(), &ctx).value, Some(70.0));
    // Nobody led: not applicable.
    assert_eq!(f.evaluate(&MeasureValues::new(), &ctx).value, None);
    assert!(matches!(
        err("team_score(1)").kind,
        ErrorKind::ArgCount { .. }
    ));
}
