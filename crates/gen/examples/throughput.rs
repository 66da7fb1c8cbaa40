//! Measures generation speed and prints per-kind record counts.
//!
//! `cargo run --release -p kaohe-gen --example throughput -- [staff|demo] [months] [calls_per_day] [end]`
//! e.g. `-- 10000 3 50` (synthetic) or `-- demo 6 40 2026-11-23`.

use chrono::NaiveDate;
use kaohe_gen::{GenConfig, Generator};
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| args.get(i).map(String::as_str);
    let staff = match arg(0) {
        None | Some("demo") => None,
        Some(n) => Some(n.parse().expect("staff is a number or `demo`")),
    };
    let months = arg(1).map_or(6, |m| m.parse().expect("months is a number"));
    let calls_per_day = arg(2).map_or(40, |c| c.parse().expect("calls per day is a number"));
    let end = arg(3).map_or(NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(), |d| {
        d.parse().expect("end is YYYY-MM-DD")
    });
    let cfg = GenConfig {
        seed: 1,
        staff,
        months,
        calls_per_day,
        end,
        tz: chrono_tz::Asia::Shanghai,
    };

    let t0 = Instant::now();
    let mut generator = Generator::new(cfg);
    let org_time = t0.elapsed();
    let org = generator.org();
    println!(
        "org: {} employees, {} customers, {} budgets, {} credit, built in {:.2?}",
        org.employees.len(),
        org.customers.len(),
        org.budgets.len(),
        org.credit.len(),
        org_time
    );
    let mut counts = [0usize; 21];
    let mut max_batch = 0;
    let t1 = Instant::now();
    let mut drop_time = std::time::Duration::ZERO;
    for b in generator.days() {
        let lens = [
            b.customers.len(),
            b.calls.len(),
            b.visits.len(),
            b.orders.len(),
            b.order_lines.len(),
            b.order_events.len(),
            b.order_credits.len(),
            b.shipments.len(),
            b.contracts.len(),
            b.contract_steps.len(),
            b.receivables.len(),
            b.payments.len(),
            b.complaints.len(),
            b.expenses.len(),
            b.expense_steps.len(),
            b.attendance.len(),
            b.reports.len(),
            b.documents.len(),
            b.meetings.len(),
            b.meeting_decisions.len(),
            b.training_sessions.len(),
        ];
        for (c, l) in counts.iter_mut().zip(lens) {
            *c += l;
        }
        max_batch = max_batch.max(b.record_count());
        // Dropping a day frees millions of small strings: the consumer's cost, timed apart.
        let t = Instant::now();
        drop(b);
        drop_time += t.elapsed();
    }
    let secs = t1.elapsed().as_secs_f64();
    let names = [
        "customers",
        "calls",
        "visits",
        "orders",
        "order_lines",
        "order_events",
        "order_credits",
        "shipments",
        "contracts",
        "contract_steps",
        "receivables",
        "payments",
        "complaints",
        "expenses",
        "expense_steps",
        "attendance",
        "reports",
        "documents",
        "meetings",
        "meeting_decisions",
        "training_sessions",
    ];
    for (n, c) in names.iter().zip(counts) {
        println!("{n:>18} {c:>12}");
    }
    let total: usize = counts.iter().sum();
    let gen_secs = secs - drop_time.as_secs_f64();
    println!(
        "total {total} records in {secs:.2} s = {:.2} M records/s including dropping the batches \
         ({:.2} s of it); generation alone {:.2} M records/s (largest day {max_batch})",
        total as f64 / secs / 1e6,
        drop_time.as_secs_f64(),
        total as f64 / gen_secs / 1e6
    );
}
