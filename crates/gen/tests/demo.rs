//! Properties of the demo company (seed 1, 6 months ending 2026-11-23) and of synthetic runs.

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, TimeZone, Timelike, Utc};
use kaohe_domain::calendar::Calendar;
use kaohe_domain::org::EmploymentStatus;
use kaohe_domain::period::Period;
use kaohe_domain::roles::ALL_ROLES;
use kaohe_gen::{DayBatch, GenConfig, Generator, Org};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{DefaultHasher, Hasher};
use std::sync::OnceLock;

fn end() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
}

struct Run {
    cfg: GenConfig,
    org: Org,
    cal: Calendar,
    first: NaiveDate,
    batches: Vec<DayBatch>,
}

fn run(cfg: GenConfig) -> Run {
    let mut g = Generator::new(cfg.clone());
    let batches: Vec<DayBatch> = g.days().collect();
    Run {
        cfg,
        org: g.org().clone(),
        cal: g.calendar().clone(),
        first: g.first_day(),
        batches,
    }
}

fn demo() -> &'static Run {
    static DEMO: OnceLock<Run> = OnceLock::new();
    DEMO.get_or_init(|| run(GenConfig::demo(1, end())))
}

fn synthetic() -> &'static Run {
    static SYN: OnceLock<Run> = OnceLock::new();
    SYN.get_or_init(|| {
        run(GenConfig {
            seed: 9,
            staff: Some(300),
            months: 2,
            calls_per_day: 30,
            end: end(),
            tz: chrono_tz::Asia::Shanghai,
        })
    })
}

/// Feeds `Debug` output into a hasher without building one giant string.
struct HashWriter(DefaultHasher);
impl std::fmt::Write for HashWriter {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.write(s.as_bytes());
        Ok(())
    }
}

fn fingerprint(cfg: &GenConfig) -> (u64, usize) {
    use std::fmt::Write;
    let mut g = Generator::new(cfg.clone());
    let mut h = HashWriter(DefaultHasher::new());
    write!(h, "{:?}", g.org()).unwrap();
    let mut n = 0;
    for b in g.days() {
        n += b.record_count();
        write!(h, "{b:?}").unwrap();
    }
    (h.0.finish(), n)
}

#[test]
fn the_same_config_yields_byte_identical_output() {
    let cfg = GenConfig::demo(1, end());
    let a = fingerprint(&cfg);
    assert_eq!(a, fingerprint(&cfg));
    assert_ne!(
        a.0,
        fingerprint(&GenConfig {
            seed: 2,
            ..cfg.clone()
        })
        .0,
        "another seed gives other data"
    );
    let syn = GenConfig {
        seed: 3,
        staff: Some(120),
        months: 1,
        calls_per_day: 20,
        ..cfg
    };
    assert_eq!(fingerprint(&syn), fingerprint(&syn));
}

#[test]
fn calling_days_twice_replays_the_same_batches() {
    let mut g = Generator::new(GenConfig {
        months: 1,
        ..GenConfig::demo(5, end())
    });
    let a: Vec<DayBatch> = g.days().collect();
    let b: Vec<DayBatch> = g.days().collect();
    assert_eq!(a, b);
}

#[test]
fn one_batch_per_day_from_the_first_of_june_to_end() {
    let r = demo();
    assert_eq!(r.first, NaiveDate::from_ymd_opt(2026, 6, 1).unwrap());
    assert_eq!(r.batches.len(), 176);
    for (i, b) in r.batches.iter().enumerate() {
        assert_eq!(b.day, r.first + TimeDelta::days(i as i64));
    }
    assert_eq!(r.batches.last().unwrap().day, end());
}

#[test]
fn the_demo_has_a_login_for_every_role_and_about_80_people() {
    let org = &demo().org;
    assert!(
        (75..=85).contains(&org.employees.len()),
        "{} people",
        org.employees.len()
    );
    for role in ALL_ROLES {
        let acc: Vec<_> = org.accounts.iter().filter(|a| a.role == role).collect();
        assert_eq!(acc.len(), 1, "{role:?}");
        assert_eq!(acc[0].password, "kaohe-demo");
        assert_eq!(
            acc[0].employee_id.is_none(),
            role == kaohe_domain::roles::Role::Admin,
            "{role:?}"
        );
        if let Some(e) = acc[0].employee_id {
            assert_ne!(org.employees[e as usize - 1].status, EmploymentStatus::Left);
        }
    }
    let rep = org.accounts.iter().find(|a| a.username == "rep").unwrap();
    assert_eq!(rep.display, "王伟 (电话销售专员)");
    let names: HashSet<_> = org.employees.iter().map(|e| &e.name).collect();
    assert_eq!(
        names.len(),
        org.employees.len(),
        "demo names are distinguishable"
    );
    for u in [
        "rep",
        "clerk",
        "service",
        "leader",
        "manager",
        "hr",
        "finance",
        "committee",
        "admin",
    ] {
        assert!(org.accounts.iter().any(|a| a.username == u), "{u}");
    }
}

#[test]
fn the_demo_organisation_has_its_departments_ladder_and_story() {
    let org = &demo().org;
    for d in [
        "销售部",
        "电话销售部",
        "直销部",
        "销售内勤部",
        "客服部",
        "人力资源部",
        "财务部",
    ] {
        assert!(org.departments.iter().any(|x| x.name == d), "{d}");
    }
    // Every scheme a position names is one of the default library's schemes, and each
    // default scheme applies to someone — but the generic performance × behaviour scheme
    // (销售人员方案, sellers of orders: the demo's sellers each have their own position's scheme)
    // and the regional manager's (the demo company has no regions).
    let not_in_demo = ["sales_performance_behaviour", "regional_manager"];
    let library = kaohe_domain::defaults::library();
    for p in &org.positions {
        if let Some(code) = &p.scheme_code {
            assert!(
                library.scheme(code).is_some(),
                "{}: unknown scheme {code}",
                p.code
            );
        }
    }
    for s in library
        .schemes()
        .iter()
        .filter(|s| !not_in_demo.contains(&s.code.as_str()))
    {
        assert!(
            org.positions
                .iter()
                .any(|p| p.scheme_code.as_deref() == Some(s.code.as_str())),
            "{}",
            s.code
        );
    }
    let thresholds: Vec<_> = org.levels.iter().map(|l| l.months_without_deal).collect();
    assert_eq!(thresholds, [Some(6), Some(6), Some(3), Some(1)]);
    assert_eq!(org.levels[0].base_salary_cents, 120_000);
    let tel_specialists = org.employees.iter().filter(|e| e.position_id == 6).count();
    assert!((18..=24).contains(&tel_specialists));
    let status = |s| org.employees.iter().filter(|e| e.status == s).count();
    assert!(status(EmploymentStatus::Probation) >= 1);
    assert!((1..=2).contains(&status(EmploymentStatus::Left)));
    // Somebody changed team in the middle of a month.
    let mut per_person: BTreeMap<i64, Vec<_>> = BTreeMap::new();
    for a in &org.assignments {
        per_person.entry(a.employee_id).or_default().push(a);
    }
    assert!(per_person.len() == org.employees.len());
    assert!(
        per_person
            .values()
            .any(|v| v.len() == 2 && v[0].team_id != v[1].team_id && v[1].valid_from.day() > 1)
    );
    // Supervisor chain ends at the GM from everyone.
    for e in &org.employees {
        let mut cur = e.supervisor_id;
        let mut steps = 0;
        while let Some(s) = cur {
            cur = org.employees[s as usize - 1].supervisor_id;
            steps += 1;
            assert!(steps < 10);
        }
    }
    for t in &org.teams {
        assert!(t.leader_id.is_some(), "{}", t.name);
    }
    // Budgets per department, month and category cover all six months.
    let periods: HashSet<_> = org.budgets.iter().map(|b| b.period.as_str()).collect();
    assert_eq!(periods.len(), 6);
    assert!(org.courses.len() == 12 && org.courses.iter().all(|c| c.year == 2026));
}

fn totals(batches: &[DayBatch]) -> BTreeMap<&'static str, usize> {
    let mut t = BTreeMap::new();
    for b in batches {
        let kinds: [(&str, usize); 21] = [
            ("customers", b.customers.len()),
            ("calls", b.calls.len()),
            ("visits", b.visits.len()),
            ("orders", b.orders.len()),
            ("order_lines", b.order_lines.len()),
            ("order_events", b.order_events.len()),
            ("order_credits", b.order_credits.len()),
            ("shipments", b.shipments.len()),
            ("contracts", b.contracts.len()),
            ("contract_steps", b.contract_steps.len()),
            ("receivables", b.receivables.len()),
            ("payments", b.payments.len()),
            ("complaints", b.complaints.len()),
            ("expenses", b.expenses.len()),
            ("expense_steps", b.expense_steps.len()),
            ("attendance", b.attendance.len()),
            ("reports", b.reports.len()),
            ("documents", b.documents.len()),
            ("meetings", b.meetings.len()),
            ("meeting_decisions", b.meeting_decisions.len()),
            ("training_sessions", b.training_sessions.len()),
        ];
        for (k, n) in kinds {
            *t.entry(k).or_default() += n;
        }
        assert_eq!(
            kinds.iter().map(|(_, n)| n).sum::<usize>(),
            b.record_count()
        );
    }
    t
}

#[test]
fn every_record_kind_is_generated() {
    let r = demo();
    for (kind, n) in totals(&r.batches) {
        assert!(n > 0, "no {kind}");
    }
    assert!(!r.org.customers.is_empty() && !r.org.credit.is_empty());
    assert!(!r.org.training_needs.is_empty() && !r.org.past_sessions.is_empty());
    for (kind, n) in totals(&synthetic().batches) {
        assert!(
            n > 0 || kind == "training_sessions" || kind == "contracts" || kind == "contract_steps",
            "synthetic: no {kind}"
        );
    }
}

/// The instant after which nothing may have happened: local midnight after `end`.
fn horizon(r: &Run) -> DateTime<Utc> {
    let next = r.cfg.end + TimeDelta::days(1);
    r.cfg
        .tz
        .from_local_datetime(&next.and_hms_opt(0, 0, 0).unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

fn check_nothing_after_end(r: &Run) {
    let h = horizon(r);
    let end = r.cfg.end;
    let local = |t: DateTime<Utc>| t.with_timezone(&r.cfg.tz).date_naive();
    let ok = |t: DateTime<Utc>, what: &str| assert!(t < h, "{what} at {t} is after end");
    for c in &r.org.customers {
        assert!(local(c.created_at) < r.first);
        ok(c.updated_at, "customer update");
    }
    for b in &r.batches {
        assert!(b.day <= end);
        for c in &b.customers {
            assert_eq!(local(c.created_at), b.day);
            ok(c.updated_at, "customer update");
            c.verified_at
                .into_iter()
                .for_each(|t| ok(t, "verification"));
        }
        b.calls
            .iter()
            .for_each(|c| assert!(c.day == b.day && local(c.started_at) == b.day));
        b.visits
            .iter()
            .for_each(|v| assert!(v.day == b.day && local(v.visited_at) == b.day));
        for o in &b.orders {
            assert!(o.day == b.day && local(o.received_at) == b.day);
            ok(o.entered_at, "order entry");
        }
        b.order_events.iter().for_each(|e| {
            e.done_at.into_iter().for_each(|t| ok(t, "order event"));
        });
        for s in &b.shipments {
            assert!(s.day == b.day && local(s.plan_created_at) == b.day);
            assert!(s.shipped_on.is_none_or(|d| d <= end));
        }
        for c in &b.contracts {
            assert_eq!(local(c.drafted_at), b.day);
            c.signed_at.into_iter().for_each(|t| ok(t, "signing"));
            c.archived_at.into_iter().for_each(|t| ok(t, "archiving"));
            assert_eq!(c.signed_at.map(local), c.signed_day);
        }
        b.contract_steps
            .iter()
            .for_each(|s| assert_eq!(local(s.at), b.day));
        b.payments
            .iter()
            .for_each(|p| assert_eq!(p.received_on, b.day));
        for c in &b.complaints {
            assert!(c.day == b.day && local(c.received_at) == b.day);
            c.resolved_at
                .into_iter()
                .for_each(|t| ok(t, "complaint resolution"));
        }
        b.expenses
            .iter()
            .for_each(|e| assert!(e.day == b.day && local(e.submitted_at) == b.day));
        b.expense_steps
            .iter()
            .for_each(|s| assert_eq!(local(s.at), b.day));
        b.attendance.iter().for_each(|a| assert_eq!(a.day, b.day));
        for x in &b.reports {
            assert_eq!(x.day, b.day);
            x.submitted_at.into_iter().for_each(|t| ok(t, "report"));
        }
        for d in &b.documents {
            assert_eq!(d.day, b.day);
            d.filed_at.into_iter().for_each(|t| ok(t, "filing"));
        }
        b.meetings
            .iter()
            .for_each(|m| assert!(m.day == b.day && local(m.held_at) == b.day));
        b.training_sessions
            .iter()
            .for_each(|s| assert_eq!(s.held_on, b.day));
    }
}

#[test]
fn nothing_happens_after_end_and_records_sit_in_their_days_batch() {
    check_nothing_after_end(demo());
    check_nothing_after_end(synthetic());
}

fn check_ids(r: &Run) {
    fn seq<T>(items: impl Iterator<Item = T>, id: impl Fn(&T) -> i64, what: &str) {
        for (i, x) in items.enumerate() {
            assert_eq!(id(&x), i as i64 + 1, "{what} ids are sequential from 1");
        }
    }
    let bs = &r.batches;
    seq(r.org.employees.iter(), |e| e.id, "employee");
    seq(r.org.departments.iter(), |e| e.id, "department");
    seq(r.org.teams.iter(), |e| e.id, "team");
    seq(r.org.credit.iter(), |e| e.id, "credit");
    seq(r.org.courses.iter(), |e| e.id, "course");
    seq(
        r.org
            .customers
            .iter()
            .chain(bs.iter().flat_map(|b| &b.customers)),
        |c| c.id,
        "customer",
    );
    seq(bs.iter().flat_map(|b| &b.calls), |x| x.id, "call");
    seq(bs.iter().flat_map(|b| &b.visits), |x| x.id, "visit");
    seq(bs.iter().flat_map(|b| &b.orders), |x| x.id, "order");
    seq(
        bs.iter().flat_map(|b| &b.order_lines),
        |x| x.id,
        "order line",
    );
    seq(
        bs.iter().flat_map(|b| &b.order_events),
        |x| x.id,
        "order event",
    );
    seq(bs.iter().flat_map(|b| &b.shipments), |x| x.id, "shipment");
    seq(bs.iter().flat_map(|b| &b.contracts), |x| x.id, "contract");
    seq(
        bs.iter().flat_map(|b| &b.contract_steps),
        |x| x.id,
        "contract step",
    );
    seq(
        bs.iter().flat_map(|b| &b.receivables),
        |x| x.id,
        "receivable",
    );
    seq(bs.iter().flat_map(|b| &b.payments), |x| x.id, "payment");
    seq(bs.iter().flat_map(|b| &b.complaints), |x| x.id, "complaint");
    seq(bs.iter().flat_map(|b| &b.expenses), |x| x.id, "expense");
    seq(
        bs.iter().flat_map(|b| &b.expense_steps),
        |x| x.id,
        "expense step",
    );
    seq(bs.iter().flat_map(|b| &b.reports), |x| x.id, "report");
    seq(bs.iter().flat_map(|b| &b.documents), |x| x.id, "document");
    seq(bs.iter().flat_map(|b| &b.meetings), |x| x.id, "meeting");
    seq(
        r.org
            .past_sessions
            .iter()
            .chain(bs.iter().flat_map(|b| &b.training_sessions)),
        |x| x.id,
        "training session",
    );

    let unique = |items: Vec<&String>, what: &str| {
        let n = items.len();
        assert_eq!(
            items.into_iter().collect::<HashSet<_>>().len(),
            n,
            "{what} numbers are unique"
        );
    };
    unique(
        r.org
            .customers
            .iter()
            .chain(bs.iter().flat_map(|b| &b.customers))
            .map(|c| &c.archive_no)
            .collect(),
        "archive",
    );
    unique(
        bs.iter()
            .flat_map(|b| &b.orders)
            .map(|o| &o.order_no)
            .collect(),
        "order",
    );
    unique(
        bs.iter()
            .flat_map(|b| &b.contracts)
            .map(|c| &c.contract_no)
            .collect(),
        "contract",
    );
    unique(
        r.org.employees.iter().map(|e| &e.code).collect(),
        "employee",
    );
    let att: HashSet<_> = bs
        .iter()
        .flat_map(|b| &b.attendance)
        .map(|a| (a.employee_id, a.day))
        .collect();
    assert_eq!(
        att.len(),
        bs.iter().map(|b| b.attendance.len()).sum::<usize>(),
        "one attendance per person and day"
    );
}

#[test]
fn ids_are_sequential_per_kind_and_numbers_unique() {
    check_ids(demo());
    check_ids(synthetic());
    let o = &demo()
        .batches
        .iter()
        .flat_map(|b| &b.orders)
        .next()
        .unwrap()
        .order_no;
    assert!(o.starts_with("SO2026060") && o.len() == 14, "{o}");
    let c = &demo().org.customers[122];
    assert_eq!(&c.archive_no[..3], "KH-");
    assert!(c.archive_no.ends_with("-000123"));
}

fn check_references(r: &Run) {
    let org = &r.org;
    let emp = |id: i64| {
        assert!(
            id >= 1 && id as usize <= org.employees.len(),
            "employee {id}"
        )
    };
    let dept = |id: i64| {
        assert!(
            id >= 1 && id as usize <= org.departments.len(),
            "department {id}"
        )
    };
    for e in &org.employees {
        dept(e.department_id);
        e.supervisor_id.into_iter().for_each(emp);
        assert!(
            e.team_id
                .is_none_or(|t| org.teams.iter().any(|x| x.id == t))
        );
        assert!(org.positions.iter().any(|p| p.id == e.position_id));
        assert!(
            e.level_id
                .is_none_or(|l| org.levels.iter().any(|x| x.id == l))
        );
    }
    org.assignments.iter().for_each(|a| emp(a.employee_id));
    org.teams.iter().for_each(|t| {
        dept(t.department_id);
        t.leader_id.into_iter().for_each(emp);
    });
    org.budgets.iter().for_each(|b| dept(b.department_id));
    org.accounts.iter().for_each(|a| {
        a.employee_id.into_iter().for_each(emp);
    });
    let mut customers: HashSet<i64> = org.customers.iter().map(|c| c.id).collect();
    org.customers.iter().for_each(|c| emp(c.owner_id));
    for c in &org.credit {
        assert!(customers.contains(&c.customer_id));
        emp(c.assessor_id);
    }
    let (mut orders, mut contracts, mut receivables) =
        (HashSet::new(), HashSet::new(), HashSet::new());
    let courses: HashSet<i64> = org.courses.iter().map(|c| c.id).collect();
    for b in &r.batches {
        for c in &b.customers {
            emp(c.owner_id);
            customers.insert(c.id);
        }
        let cust = |id: i64| assert!(customers.contains(&id), "customer {id} on {}", b.day);
        for c in &b.calls {
            emp(c.employee_id);
            c.customer_id.into_iter().for_each(cust);
        }
        for v in &b.visits {
            emp(v.employee_id);
            v.customer_id.into_iter().for_each(cust);
        }
        for o in &b.orders {
            emp(o.employee_id);
            cust(o.customer_id);
            orders.insert(o.id);
            assert_eq!(
                o.amount_cents,
                b.order_lines
                    .iter()
                    .filter(|l| l.order_id == o.id)
                    .map(|l| l.amount_cents)
                    .sum::<i64>(),
                "an order's amount is the sum of its lines"
            );
        }
        let order = |id: i64| assert!(orders.contains(&id), "order {id} on {}", b.day);
        b.order_lines.iter().for_each(|l| order(l.order_id));
        for e in &b.order_events {
            order(e.order_id);
            emp(e.employee_id);
        }
        for c in &b.order_credits {
            order(c.order_id);
            emp(c.employee_id);
        }
        for s in &b.shipments {
            order(s.order_id);
            emp(s.employee_id);
        }
        for c in &b.contracts {
            cust(c.customer_id);
            c.order_id.into_iter().for_each(order);
            emp(c.employee_id);
            contracts.insert(c.id);
        }
        for s in &b.contract_steps {
            assert!(contracts.contains(&s.contract_id));
            s.actor_id.into_iter().for_each(emp);
        }
        for x in &b.receivables {
            cust(x.customer_id);
            emp(x.employee_id);
            x.order_id.into_iter().for_each(order);
            assert!(x.contract_id.is_none_or(|c| contracts.contains(&c)));
            receivables.insert(x.id);
        }
        for p in &b.payments {
            assert!(receivables.contains(&p.receivable_id));
            emp(p.employee_id);
        }
        for c in &b.complaints {
            emp(c.employee_id);
            c.customer_id.into_iter().for_each(cust);
        }
        let expenses: HashSet<i64> = b.expenses.iter().map(|e| e.id).collect();
        for e in &b.expenses {
            emp(e.employee_id);
            dept(e.department_id);
        }
        let max_expense = r
            .batches
            .iter()
            .take_while(|x| x.day <= b.day)
            .flat_map(|x| &x.expenses)
            .map(|e| e.id)
            .max();
        for s in &b.expense_steps {
            assert!(
                expenses.contains(&s.expense_id) || max_expense.is_some_and(|m| s.expense_id <= m)
            );
            emp(s.actor_id);
        }
        b.attendance.iter().for_each(|a| emp(a.employee_id));
        b.reports.iter().for_each(|x| emp(x.employee_id));
        b.documents.iter().for_each(|x| emp(x.employee_id));
        for m in &b.meetings {
            assert!(org.teams.iter().any(|t| t.id == m.team_id));
            m.attendees.iter().copied().for_each(emp);
        }
        for s in &b.training_sessions {
            assert!(courses.contains(&s.course_id));
            s.results.iter().for_each(|(e, _, _)| emp(*e));
        }
    }
}

#[test]
fn every_reference_points_to_a_record_already_emitted() {
    check_references(demo());
    check_references(synthetic());
}

fn check_attendance(r: &Run) {
    let org = &r.org;
    for b in &r.batches {
        if !r.cal.is_working_day(b.day) {
            assert!(
                b.attendance.is_empty()
                    && b.calls.is_empty()
                    && b.visits.is_empty()
                    && b.orders.is_empty(),
                "{} is quiet",
                b.day
            );
            continue;
        }
        let employed = org
            .employees
            .iter()
            .filter(|e| e.hired_on <= b.day && e.left_on.is_none_or(|l| b.day < l))
            .count();
        assert_eq!(
            b.attendance.len(),
            employed,
            "everyone employed on {} has attendance",
            b.day
        );
    }
    // Nobody works before joining or after leaving.
    for e in &org.employees {
        let out = |d: NaiveDate| d < e.hired_on || e.left_on.is_some_and(|l| d >= l);
        for b in &r.batches {
            assert!(!b.calls.iter().any(|c| c.employee_id == e.id && out(c.day)));
            assert!(!b.visits.iter().any(|c| c.employee_id == e.id && out(c.day)));
            assert!(
                !b.attendance
                    .iter()
                    .any(|c| c.employee_id == e.id && out(c.day))
            );
        }
    }
}

#[test]
fn attendance_is_kept_on_working_days_only_for_people_employed() {
    check_attendance(demo());
    check_attendance(synthetic());
    let statuses: HashSet<_> = demo()
        .batches
        .iter()
        .flat_map(|b| &b.attendance)
        .map(|a| a.status.as_str())
        .collect();
    assert_eq!(
        statuses,
        HashSet::from(["present", "absent", "half_absent", "leave"])
    );
}

/// Signed contract amounts per (consultant, month).
fn signed_by_month(r: &Run) -> HashMap<(i64, Period), i64> {
    let consultants: HashSet<i64> = r
        .org
        .employees
        .iter()
        .filter(|e| e.level_id.is_some())
        .map(|e| e.id)
        .collect();
    let mut m = HashMap::new();
    for c in r.batches.iter().flat_map(|b| &b.contracts) {
        if let Some(d) = c.signed_day
            && consultants.contains(&c.employee_id)
        {
            *m.entry((c.employee_id, Period::month_of(d))).or_default() += c.amount_cents;
        }
    }
    m
}

#[test]
fn a_consultant_is_monthly_champion_material() {
    let r = demo();
    let signed = signed_by_month(r);
    let current = Period::month_of(end());
    let complete: Vec<Period> = (1..=5)
        .map(|k| (0..k).fold(current, |p, _| p.prev()))
        .collect();
    let five_million = 5_000_000 * 100;
    let eight_million = 8_000_000 * 100;
    for month in &complete {
        let best = signed
            .iter()
            .filter(|((_, m), _)| m == month)
            .map(|(_, v)| *v)
            .max()
            .unwrap_or(0);
        assert!(best >= five_million, "{month}: champion signed only {best}");
    }
    assert!(
        signed.values().any(|v| *v >= eight_million),
        "some month reaches 8,000,000"
    );
    // Invited visits: someone reaches 12 groups in a month.
    let mut invited: HashMap<(i64, Period), usize> = HashMap::new();
    for v in r
        .batches
        .iter()
        .flat_map(|b| &b.visits)
        .filter(|v| v.invited)
    {
        *invited
            .entry((v.employee_id, Period::month_of(v.day)))
            .or_default() += 1;
    }
    assert!(invited.values().any(|n| *n >= 12));
}

#[test]
fn someone_on_the_ladder_has_gone_past_their_months_without_a_deal() {
    let r = demo();
    let signed = signed_by_month(r);
    let current = Period::month_of(end());
    let mut past = vec![];
    for e in r
        .org
        .employees
        .iter()
        .filter(|e| e.status != EmploymentStatus::Left)
    {
        let Some(level) = e.level_id else { continue };
        let k = r.org.levels[level as usize - 1]
            .months_without_deal
            .unwrap();
        let mut month = current;
        let dry = (0..k).all(|_| {
            month = month.prev();
            month.start() >= r.first
                && e.hired_on < month.start()
                && !signed.contains_key(&(e.id, month))
        });
        if dry {
            past.push((e.name.clone(), k));
        }
    }
    assert!(past.iter().any(|(_, k)| *k >= 3), "{past:?}");
    assert!(past.iter().any(|(_, k)| *k == 1), "{past:?}");
}

#[test]
fn the_demo_tells_its_stories() {
    let r = demo();
    let all = |f: fn(&DayBatch) -> usize| r.batches.iter().map(f).sum::<usize>();
    // Calls: outcomes mix, late call-backs, inbound rings.
    let calls: Vec<_> = r.batches.iter().flat_map(|b| &b.calls).collect();
    let outcomes: HashSet<_> = calls.iter().map(|c| c.outcome.as_str()).collect();
    assert_eq!(outcomes.len(), 5, "{outcomes:?}");
    let late_callbacks = calls
        .iter()
        .filter(|c| c.is_callback && c.callback_due_at.is_some_and(|d| c.started_at > d))
        .count();
    let callbacks = calls.iter().filter(|c| c.is_callback).count();
    assert!(
        late_callbacks > 0 && late_callbacks * 5 < callbacks,
        "{late_callbacks} of {callbacks} late"
    );
    assert!(
        calls
            .iter()
            .all(|c| (c.direction == "inbound") == c.rings.is_some())
    );
    // Visits: cold visits about 3–4 a day for an average field rep.
    let cold = all(|b| b.visits.iter().filter(|v| v.kind == "cold").count());
    assert!(cold > 5000, "{cold}");
    // Orders: entry errors, problems opened and resolved, cancellations, split credit.
    let orders: Vec<_> = r.batches.iter().flat_map(|b| &b.orders).collect();
    assert!(orders.iter().any(|o| o.entry_errors > 0));
    assert!(orders.iter().filter(|o| o.entry_errors > 0).count() * 20 < orders.len());
    for s in ["open", "shipped", "completed", "cancelled"] {
        assert!(orders.iter().any(|o| o.status == s), "order status {s}");
    }
    let events: Vec<_> = r.batches.iter().flat_map(|b| &b.order_events).collect();
    assert!(
        events
            .iter()
            .any(|e| e.kind == "problem" && e.done_at.is_some())
    );
    assert!(
        events
            .iter()
            .any(|e| e.done_at.is_some_and(|d| d > e.due_at))
    );
    assert!(
        r.batches
            .iter()
            .flat_map(|b| &b.order_credits)
            .any(|c| c.share_pct < 100.0)
    );
    // Contracts: a few returned at review; all statuses of a life cycle.
    let contracts: Vec<_> = r.batches.iter().flat_map(|b| &b.contracts).collect();
    assert!(contracts.iter().any(|c| !c.review_passed_first));
    assert!(contracts.iter().filter(|c| !c.review_passed_first).count() * 5 < contracts.len());
    assert!(
        r.batches
            .iter()
            .flat_map(|b| &b.contract_steps)
            .any(|s| s.outcome == "returned" && !s.comment.is_empty())
    );
    // Money: overdue receivables and an instalment plan.
    let paid: HashSet<i64> = r
        .batches
        .iter()
        .flat_map(|b| &b.payments)
        .map(|p| p.receivable_id)
        .collect();
    let rec: Vec<_> = r.batches.iter().flat_map(|b| &b.receivables).collect();
    assert!(
        rec.iter()
            .any(|x| x.due_on < end() && !paid.contains(&x.id)),
        "something is overdue"
    );
    assert!(rec.iter().any(|x| x.instalment >= 2));
    // One customer over its credit limit, one under watch.
    let mut ordered: HashMap<i64, i64> = HashMap::new();
    for o in &orders {
        *ordered.entry(o.customer_id).or_default() += o.amount_cents;
    }
    assert!(r.org.credit.iter().any(|c| {
        ordered
            .get(&c.customer_id)
            .is_some_and(|a| *a > c.limit_cents)
    }));
    assert!(r.org.credit.iter().any(|c| c.watch));
    // Complaints: some valid, a few resolved late.
    let complaints: Vec<_> = r.batches.iter().flat_map(|b| &b.complaints).collect();
    assert!(complaints.iter().any(|c| c.valid) && complaints.iter().any(|c| !c.valid));
    assert!(
        complaints
            .iter()
            .any(|c| c.resolved_at.is_some_and(|t| t > c.due_at))
    );
    // Expenses: returned with a comment, over budget, paid.
    let steps: Vec<_> = r.batches.iter().flat_map(|b| &b.expense_steps).collect();
    assert!(
        steps
            .iter()
            .any(|s| s.outcome == "returned" && !s.comment.is_empty())
    );
    assert!(
        steps
            .iter()
            .filter(|s| s.outcome == "returned")
            .all(|s| !s.comment.is_empty())
    );
    let expenses: Vec<_> = r.batches.iter().flat_map(|b| &b.expenses).collect();
    assert!(expenses.iter().any(|e| e.over_budget));
    assert!(expenses.iter().any(|e| e.status == "paid"));
    assert!(expenses.iter().any(|e| e.description.contains("重新提交")));
    // Reports: mostly on time, a few late, some rated ineffective.
    let reports: Vec<_> = r.batches.iter().flat_map(|b| &b.reports).collect();
    let late = reports
        .iter()
        .filter(|x| x.submitted_at.is_some_and(|s| s > x.due_at))
        .count();
    assert!(late > 0 && late * 5 < reports.len());
    assert!(reports.iter().any(|x| x.effective == Some(false)));
    for k in ["daily", "weekly", "monthly", "analysis", "statistics"] {
        assert!(reports.iter().any(|x| x.kind == k), "{k} reports");
    }
    // Weekly meetings: most weeks, a few missed.
    let teams = r.org.teams.len();
    let weekly = all(|b| b.meetings.iter().filter(|m| m.kind == "weekly").count());
    assert!(
        weekly < teams * 26 && weekly > teams * 20,
        "{weekly} weekly meetings for {teams} teams"
    );
    // People work in office hours: events are done, papers filed and reports submitted by day.
    let local_secs = |t: DateTime<Utc>| {
        t.with_timezone(&r.cfg.tz)
            .time()
            .num_seconds_from_midnight()
    };
    let office = |t: &DateTime<Utc>| (8 * 3600..21 * 3600).contains(&local_secs(*t));
    let done: Vec<_> = events.iter().filter_map(|e| e.done_at.as_ref()).collect();
    assert!(done.iter().filter(|t| office(t)).count() * 100 >= done.len() * 95);
    let filed: Vec<_> = r
        .batches
        .iter()
        .flat_map(|b| &b.documents)
        .filter_map(|d| d.filed_at.as_ref())
        .collect();
    assert!(filed.iter().filter(|t| office(t)).count() * 100 >= filed.len() * 95);
    assert!(
        r.batches
            .iter()
            .flat_map(|b| &b.calls)
            .all(|c| office(&c.started_at))
    );
    // Training: sessions with exam scores.
    assert!(
        r.batches
            .iter()
            .flat_map(|b| &b.training_sessions)
            .flat_map(|s| &s.results)
            .any(|(_, a, s)| *a && s.is_some())
    );
    // Good and weak performers differ consistently: the best telesales sells much more than the weakest.
    let mut sold: HashMap<i64, i64> = HashMap::new();
    for o in &orders {
        *sold.entry(o.employee_id).or_default() += o.amount_cents;
    }
    let tel: Vec<i64> = r
        .org
        .employees
        .iter()
        .filter(|e| e.position_id == 6 && e.left_on.is_none() && e.hired_on < r.first)
        .map(|e| sold.get(&e.id).copied().unwrap_or(0))
        .collect();
    let (lo, hi) = (tel.iter().min().unwrap(), tel.iter().max().unwrap());
    assert!(*hi > 2 * *lo, "best {hi} vs weakest {lo}");
}

#[test]
fn synthetic_scale_is_mostly_telesales_making_their_calls() {
    let r = synthetic();
    assert_eq!(r.org.employees.len(), 300);
    assert!(r.org.accounts.len() == 9);
    let tele = r
        .org
        .employees
        .iter()
        .filter(|e| e.position_id == 6)
        .count();
    assert!(tele > 150, "{tele} telesales");
    let team_sizes: HashMap<i64, usize> =
        r.org
            .employees
            .iter()
            .filter_map(|e| e.team_id)
            .fold(HashMap::new(), |mut m, t| {
                *m.entry(t).or_default() += 1;
                m
            });
    assert!(team_sizes.values().all(|n| *n <= 8));
    let working: Vec<_> = r
        .batches
        .iter()
        .filter(|b| r.cal.is_working_day(b.day))
        .collect();
    let calls: usize = working.iter().map(|b| b.calls.len()).sum();
    let per = calls as f64 / working.len() as f64 / tele as f64;
    assert!(
        (25.0..40.0).contains(&per),
        "{per:.1} calls per telesales per working day (30 asked)"
    );
    let orders: usize = r.batches.iter().map(|b| b.orders.len()).sum();
    let ratio = orders as f64 / calls as f64;
    assert!(
        (0.03..0.08).contains(&ratio),
        "orders are {ratio:.3} of calls"
    );
}

#[test]
fn tiny_and_odd_configurations_do_not_panic() {
    for n in [1, 2, 5, 9, 13, 41] {
        let cfg = GenConfig {
            seed: n as u64,
            staff: Some(n),
            months: 1,
            calls_per_day: 5,
            end: end(),
            tz: chrono_tz::Asia::Shanghai,
        };
        let r = run(cfg);
        assert_eq!(r.org.employees.len(), n as usize);
        check_ids(&r);
        check_references(&r);
        check_nothing_after_end(&r);
    }
    // Zero months is treated as one; another time zone shifts UTC but not local days.
    let r = run(GenConfig {
        months: 0,
        tz: chrono_tz::Europe::Berlin,
        ..GenConfig::demo(1, NaiveDate::from_ymd_opt(2026, 3, 29).unwrap())
    });
    assert_eq!(r.first, NaiveDate::from_ymd_opt(2026, 3, 1).unwrap());
    check_nothing_after_end(&r);
    check_references(&r);
}
