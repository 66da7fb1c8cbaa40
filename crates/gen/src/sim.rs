//! The day-by-day simulation: turns the organisation into operational records.
//!
//! Every life cycle (order → shipment → receivable → payments, contract → review → signing →
//! archiving, expense → reviews → payout) is decided when it starts; the parent record is
//! emitted at once in its state as of `end`, the later steps are queued for the days they
//! happen. The queue is the only state that grows with time, and only as far as later days
//! need it.

use crate::clock::{self, Secs, hm};
use crate::org::{self, Cast, Kind, Script};
use crate::rng::Rng;
use crate::text;
use crate::{DayBatch, GenConfig, Org};
use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};
use chrono_tz::Tz;
use kaohe_domain::Cents;
use kaohe_domain::calendar::Calendar;
use kaohe_domain::org::EmployeeId;
use kaohe_domain::period::Period;
use kaohe_domain::records::{
    Attendance, Call, Complaint, Contract, ContractStep, CustomerId, Document, Expense,
    ExpenseStep, Meeting, MeetingDecision, Order, OrderCredit, OrderEvent, OrderLine, Payment,
    Receivable, Report, Shipment, TrainingSession, Visit,
};
use std::collections::{HashMap, VecDeque};

/// Attendance of the day, per person.
const OFF: u8 = 0;
const PRESENT: u8 = 1;
const HALF: u8 = 2;
const ABSENT: u8 = 3;
const LEAVE: u8 = 4;

/// Office windows for calls: 09:00–12:00 and 13:30–18:00 (27,000 seconds).
const MORNING: Secs = 3 * 3600;
const CALL_WINDOW: Secs = MORNING + 4 * 3600 + 1800;

/// Sequential ids per record kind, starting at 1.
#[derive(Default)]
struct Ids {
    customer: i64,
    call: i64,
    visit: i64,
    order: i64,
    line: i64,
    event: i64,
    shipment: i64,
    contract: i64,
    step: i64,
    receivable: i64,
    payment: i64,
    complaint: i64,
    expense: i64,
    expense_step: i64,
    report: i64,
    document: i64,
    meeting: i64,
    decision: i64,
    session: i64,
}

fn next(counter: &mut i64) -> i64 {
    *counter += 1;
    *counter
}

/// A step of some life cycle, waiting for its day. Ids are given on emission, so that ids
/// grow with the day a record appears in.
enum Pending {
    Shipment(Shipment),
    Event(OrderEvent),
    Step(ContractStep),
    ExpenseStep(ExpenseStep),
    Document(Document),
    /// A receivable and the (day index, amount) of the payments it will receive by `end`.
    Receivable(Receivable, [Option<(i64, i64)>; 2]),
    Payment(Payment),
    /// A returned expense claim, submitted again with the missing papers.
    Resubmit {
        person: usize,
        category: &'static str,
        cents: i64,
    },
}

/// A contract step: (day, step, outcome, actor, when, comment).
type StepPlan = (
    NaiveDate,
    &'static str,
    &'static str,
    EmployeeId,
    DateTime<Utc>,
    String,
);

/// An expense review step: (step, actor, chance of a return, return comments, status if
/// approved, status if returned).
type Review = (
    &'static str,
    EmployeeId,
    f64,
    &'static [&'static str],
    &'static str,
    &'static str,
);

/// What a property consultant's month holds (planned at the start of the month).
enum Plan {
    Invited,
    Draft { cents: i64 },
}

/// How big an order is.
#[derive(Clone, Copy)]
enum Scale {
    Tele,
    Field,
    Fixed(i64),
}

/// Facts about the current day.
#[derive(Default, Clone, Copy)]
struct Flags {
    week_first: bool,
    week_last: bool,
    month_first: bool,
    month_last: bool,
}

/// The simulation; an iterator of [`DayBatch`].
pub(crate) struct Sim<'a> {
    cfg: &'a GenConfig,
    org: &'a Org,
    cal: &'a Calendar,
    cast: &'a Cast,
    tz: Tz,
    first: NaiveDate,
    count: i64,
    next_day: i64,
    rng: Rng,
    ids: Ids,
    /// Local midnight after `end`: nothing may happen at or after it.
    horizon: DateTime<Utc>,
    /// Day index each person is first and last active (exclusive).
    hired: Vec<i64>,
    left: Vec<i64>,
    /// Valid customers each person owns.
    pools: Vec<Vec<CustomerId>>,
    /// Call-backs owed: (day index due, local seconds due, customer).
    callbacks: Vec<VecDeque<(i64, Secs, CustomerId)>>,
    plans: Vec<VecDeque<(i64, Plan)>>,
    pending: Vec<Vec<Pending>>,
    status: Vec<u8>,
    leave_until: Vec<i64>,
    budget: HashMap<(i64, String), i64>,
    spent: HashMap<(i64, String), i64>,
    team_sellers: HashMap<i64, Vec<EmployeeId>>,
    team_assignments: HashMap<i64, Vec<usize>>,
    /// Per day index from the first day to well past `end`: working day?, local midnight in UTC.
    /// Deadlines are computed millions of times; a table beats a time-zone and holiday lookup.
    work: Vec<bool>,
    mids: Vec<DateTime<Utc>>,
    /// Exact starts of local days (they differ from `mids` only on DST-change days).
    starts: Vec<DateTime<Utc>>,
    // The current day.
    day: NaiveDate,
    idx: i64,
    mid: DateTime<Utc>,
    day_code: String,
    order_seq: u32,
    next_wd: NaiveDate,
    times: Vec<Secs>,
}

impl<'a> Sim<'a> {
    pub(crate) fn new(
        cfg: &'a GenConfig,
        org: &'a Org,
        cal: &'a Calendar,
        first: NaiveDate,
        cast: &'a Cast,
    ) -> Self {
        let n = org.employees.len();
        let count = (cfg.end - first).num_days() + 1;
        let idx = |d: NaiveDate| (d - first).num_days();
        let mut pools = vec![Vec::new(); n];
        for c in org.customers.iter().filter(|c| c.valid) {
            pools[c.owner_id as usize - 1].push(c.id);
        }
        let mut team_sellers: HashMap<i64, Vec<EmployeeId>> = HashMap::new();
        for e in &org.employees {
            if let Some(t) = e.team_id
                && cast.actors[e.id as usize - 1].kind.sells()
                && e.left_on.is_none()
            {
                team_sellers.entry(t).or_default().push(e.id);
            }
        }
        let mut team_assignments: HashMap<i64, Vec<usize>> = HashMap::new();
        for (i, a) in org.assignments.iter().enumerate() {
            if let Some(t) = a.team_id {
                team_assignments.entry(t).or_default().push(i);
            }
        }
        // Deadlines reach at most a few months past `end` (instalments, late payments).
        let table: Vec<NaiveDate> = (0..count + 400)
            .map(|i| first + TimeDelta::days(i))
            .collect();
        Sim {
            work: table.iter().map(|d| cal.is_working_day(*d)).collect(),
            mids: table
                .iter()
                .map(|d| clock::midnight_utc(cfg.tz, *d))
                .collect(),
            starts: table
                .iter()
                .map(|d| clock::day_start_utc(cfg.tz, *d))
                .collect(),
            cfg,
            org,
            cal,
            cast,
            tz: cfg.tz,
            first,
            count,
            next_day: 0,
            rng: Rng::new(cfg.seed, 1),
            ids: Ids {
                customer: org.customers.len() as i64,
                session: org.past_sessions.len() as i64,
                ..Ids::default()
            },
            horizon: clock::day_start_utc(cfg.tz, cfg.end + TimeDelta::days(1)),
            hired: org.employees.iter().map(|e| idx(e.hired_on)).collect(),
            left: org
                .employees
                .iter()
                .map(|e| e.left_on.map_or(i64::MAX, idx))
                .collect(),
            pools,
            callbacks: (0..n).map(|_| VecDeque::new()).collect(),
            plans: (0..n).map(|_| VecDeque::new()).collect(),
            pending: (0..count).map(|_| Vec::new()).collect(),
            status: vec![OFF; n],
            leave_until: vec![-1; n],
            budget: HashMap::new(),
            spent: HashMap::new(),
            team_sellers,
            team_assignments,
            day: first,
            idx: 0,
            mid: clock::midnight_utc(cfg.tz, first),
            day_code: String::new(),
            order_seq: 0,
            next_wd: first,
            times: Vec::new(),
        }
    }

    fn date(&self, idx: i64) -> NaiveDate {
        self.first + TimeDelta::days(idx)
    }

    fn idx_of(&self, d: NaiveDate) -> i64 {
        (d - self.first).num_days()
    }

    fn is_work(&self, idx: i64) -> bool {
        match self.work.get(idx as usize) {
            Some(w) if idx >= 0 => *w,
            _ => self.cal.is_working_day(self.date(idx)),
        }
    }

    /// Local midnight of day `idx`, in UTC.
    fn midnight(&self, idx: i64) -> DateTime<Utc> {
        match self.mids.get(idx as usize) {
            Some(m) if idx >= 0 => *m,
            _ => clock::midnight_utc(self.tz, self.date(idx)),
        }
    }

    /// The date `n` working days after `d` (`Calendar::add_working_days`, from the table).
    fn wd(&self, d: NaiveDate, n: u32) -> NaiveDate {
        let mut i = self.idx_of(d);
        let mut left = n;
        while left > 0 {
            i += 1;
            if self.is_work(i) {
                left -= 1;
            }
        }
        self.date(i)
    }

    /// `d` if it is a working day, else the next one.
    fn nwd(&self, d: NaiveDate) -> NaiveDate {
        if self.is_work(self.idx_of(d)) {
            d
        } else {
            self.wd(d, 1)
        }
    }

    fn at(&self, d: NaiveDate, secs: Secs) -> DateTime<Utc> {
        self.midnight(self.idx_of(d)) + TimeDelta::seconds(secs)
    }

    /// A random local time between `lo` and `hi` on `d`.
    fn at_in(&mut self, d: NaiveDate, lo: Secs, hi: Secs) -> DateTime<Utc> {
        let secs = self.rng.range(lo, hi);
        self.at(d, secs)
    }

    /// The local date of `t`, which lies on or after the current day.
    fn local_day(&self, t: DateTime<Utc>) -> NaiveDate {
        self.date(self.local_idx(t))
    }

    /// The day index of `t`, which lies on or after the current day.
    fn local_idx(&self, t: DateTime<Utc>) -> i64 {
        let start = |i: i64| match self.starts.get(i as usize) {
            Some(s) => *s,
            None => clock::day_start_utc(self.tz, self.date(i)),
        };
        let mut i = self.idx;
        while start(i + 1) <= t {
            i += 1;
        }
        i
    }

    /// A random moment between `from` and `to` inside office hours (09:00–18:30) of a working
    /// day when there is one: people file, resolve and submit at work, not at 3 a.m.
    fn office_time(&mut self, from: DateTime<Utc>, to: DateTime<Utc>) -> DateTime<Utc> {
        if to <= from {
            return from;
        }
        let (d0, d1) = (self.local_idx(from), self.local_idx(to));
        for _ in 0..4 {
            let k = self.rng.range(d0, d1);
            if !self.is_work(k) && d1 > d0 {
                continue;
            }
            let lo = from.max(self.midnight(k) + TimeDelta::seconds(hm(9, 0)));
            let hi = to.min(self.midnight(k) + TimeDelta::seconds(hm(18, 30)));
            if lo < hi {
                return lo + TimeDelta::seconds(self.rng.range(0, (hi - lo).num_seconds()));
            }
        }
        from + TimeDelta::seconds(self.rng.range(0, (to - from).num_seconds()))
    }

    /// `Some(t)` if `t` happened by the end of `end`.
    fn by_end(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        (t < self.horizon).then_some(t)
    }

    fn active(&self, p: usize) -> bool {
        self.hired[p] <= self.idx && self.idx < self.left[p]
    }

    fn at_work(&self, p: usize) -> bool {
        matches!(self.status[p], PRESENT | HALF)
    }

    /// Queues `item` for day `idx`; steps after `end` simply have not happened yet.
    fn later(&mut self, idx: i64, item: Pending) {
        debug_assert!(
            idx >= self.idx,
            "a step cannot happen before the day that queues it"
        );
        if idx < self.count {
            self.pending[idx.max(self.idx) as usize].push(item);
        }
    }

    fn run_day(&mut self, i: i64) -> DayBatch {
        let d = self.date(i);
        self.day = d;
        self.idx = i;
        self.mid = clock::midnight_utc(self.tz, d);
        self.day_code = d.format("%Y%m%d").to_string();
        self.order_seq = 0;
        self.next_wd = self.wd(d, 1);
        let mut b = DayBatch {
            day: d,
            ..DayBatch::default()
        };
        if i == 0 || d.day() == 1 {
            self.start_month(d);
        }
        if self.cal.is_working_day(d) {
            self.working_day(&mut b);
        }
        loop {
            let items = std::mem::take(&mut self.pending[i as usize]);
            if items.is_empty() {
                break;
            }
            for item in items {
                self.emit(&mut b, item);
            }
        }
        self.pending[i as usize] = Vec::new();
        b
    }

    fn emit(&mut self, b: &mut DayBatch, item: Pending) {
        match item {
            Pending::Shipment(mut s) => {
                s.id = next(&mut self.ids.shipment);
                b.shipments.push(s);
            }
            Pending::Event(mut e) => {
                e.id = next(&mut self.ids.event);
                b.order_events.push(e);
            }
            Pending::Step(mut s) => {
                s.id = next(&mut self.ids.step);
                b.contract_steps.push(s);
            }
            Pending::ExpenseStep(mut s) => {
                s.id = next(&mut self.ids.expense_step);
                b.expense_steps.push(s);
            }
            Pending::Document(mut d) => {
                d.id = next(&mut self.ids.document);
                b.documents.push(d);
            }
            Pending::Receivable(mut r, pays) => {
                r.id = next(&mut self.ids.receivable);
                for (day, cents) in pays.into_iter().flatten() {
                    let p = Payment {
                        id: 0,
                        receivable_id: r.id,
                        employee_id: r.employee_id,
                        received_on: self.date(day),
                        amount_cents: cents,
                    };
                    self.later(day, Pending::Payment(p));
                }
                b.receivables.push(r);
            }
            Pending::Payment(mut p) => {
                p.id = next(&mut self.ids.payment);
                b.payments.push(p);
            }
            Pending::Resubmit {
                person,
                category,
                cents,
            } => {
                if self.active(person) {
                    self.expense(b, person, category, cents, true);
                }
            }
        }
    }

    /// Budgets of the month, and each property consultant's plan for it.
    fn start_month(&mut self, d: NaiveDate) {
        let month = Period::month_of(d);
        let period = month.to_string();
        self.budget = self
            .org
            .budgets
            .iter()
            .filter(|b| b.period == period)
            .map(|b| ((b.department_id, b.category.clone()), b.amount_cents))
            .collect();
        self.spent.clear();
        let cal = self.cal;
        let days: Vec<NaiveDate> = month
            .start()
            .iter_days()
            .take_while(|x| *x <= month.end())
            .filter(|x| cal.is_working_day(*x))
            .collect();
        if days.is_empty() {
            return;
        }
        let end_month = Period::month_of(self.cfg.end);
        let complete = month < end_month;
        // How many complete months lie between this month and the current one (1 = last month).
        let months_back = {
            let (a, b) = (month.start(), end_month.start());
            (b.year() - a.year()) * 12 + b.month() as i32 - a.month() as i32
        };
        let range_month = {
            let f = self.first;
            (d.year() - f.year()) * 12 + d.month() as i32 - f.month() as i32
        };
        for p in 0..self.org.employees.len() {
            let a = &self.cast.actors[p];
            if a.kind != Kind::Consultant {
                continue;
            }
            let level = self.org.employees[p].level_id.unwrap_or(1);
            let skill = a.skill;
            let script = a.script;
            let mut deals: Vec<i64> = Vec::new();
            let mut early = 0.6;
            // Millions of yuan → cents, rounded to whole thousands of yuan as prices are.
            let million = |m: f64| (m * 1000.0).round() as i64 * 100_000;
            match script {
                Some(Script::Star) => {
                    early = 0.4;
                    if !complete {
                        deals.push(million(2.0 + self.rng.f64()));
                    } else if range_month % 3 == 1 {
                        // A record month: ≥ 8,000,000 signed.
                        for base in [3.0, 2.7, 2.7] {
                            deals.push(million(base + 0.4 * self.rng.f64()));
                        }
                    } else {
                        for base in [2.6, 2.5] {
                            deals.push(million(base + 0.5 * self.rng.f64()));
                        }
                    }
                }
                Some(Script::NoDeals) => {}
                Some(Script::Drought(n)) if complete && months_back <= n as i32 => {}
                _ => {
                    let lambda = [0.35, 0.7, 1.1, 1.6][(level.clamp(1, 4) - 1) as usize]
                        * (0.6 + 0.8 * skill);
                    let count =
                        lambda.floor() as usize + usize::from(self.rng.chance(lambda.fract()));
                    for _ in 0..count {
                        deals.push(self.rng.range(1_600, 4_600) * 100_000);
                    }
                }
            }
            let mut items: Vec<(i64, Plan)> = Vec::new();
            let early_days = ((days.len() as f64 * early).ceil() as usize).max(1);
            for cents in deals {
                let day = days[self.rng.below(early_days as u32) as usize];
                items.push((self.idx_of(day), Plan::Draft { cents }));
            }
            let invited = match script {
                Some(Script::Star) => 13 + self.rng.below(4) as usize,
                _ => ((3.0 + 9.0 * skill) * (0.7 + 0.5 * self.rng.f64())).round() as usize,
            };
            for _ in 0..invited {
                let day = days[self.rng.below(days.len() as u32) as usize];
                items.push((self.idx_of(day), Plan::Invited));
            }
            items.sort_by_key(|(i, _)| *i);
            self.plans[p] = items.into_iter().filter(|(i, _)| *i >= self.idx).collect();
        }
    }

    fn flags(&self) -> Flags {
        let d = self.day;
        let mut prev = d.pred_opt().expect("far from the start of time");
        while !self.cal.is_working_day(prev) {
            prev = prev.pred_opt().expect("far from the start of time");
        }
        let next = self.next_wd;
        Flags {
            week_first: prev.iso_week() != d.iso_week(),
            week_last: next.iso_week() != d.iso_week(),
            month_first: prev.month() != d.month(),
            month_last: next.month() != d.month(),
        }
    }

    fn working_day(&mut self, b: &mut DayBatch) {
        let flags = self.flags();
        let n = self.org.employees.len();
        self.attendance(b);
        let tele = self
            .cast
            .actors
            .iter()
            .filter(|a| a.kind == Kind::Telesales)
            .count();
        b.calls
            .reserve(tele * self.cfg.calls_per_day as usize + tele);
        for s in &self.cast.orders {
            if s.day == self.day {
                let p = s.employee as usize - 1;
                self.order(b, p, s.customer, hm(10, 30), Scale::Fixed(s.amount_yuan));
            }
        }
        for p in 0..n {
            if self.status[p] == OFF {
                continue;
            }
            let half = self.status[p] == HALF;
            if self.at_work(p) {
                match self.cast.actors[p].kind {
                    Kind::Telesales => self.telesales(b, p, half),
                    Kind::FieldRep => self.field(b, p, half),
                    Kind::Consultant => self.consultant(b, p, half),
                    Kind::Service => self.service(b, p, half),
                    _ => {}
                }
                self.expenses(b, p, half, flags.month_first);
                self.complaints(b, p);
            }
            self.reports(b, p, flags);
        }
        self.meetings(b, flags);
        self.training(b);
    }

    fn attendance(&mut self, b: &mut DayBatch) {
        let i = self.idx;
        for p in 0..self.org.employees.len() {
            if !self.active(p) {
                self.status[p] = OFF;
                continue;
            }
            let weak = 1.0 - self.cast.actors[p].skill;
            let st = if self.leave_until[p] >= i {
                LEAVE
            } else {
                let r = self.rng.f64();
                let (absent, half) = (0.002 + 0.008 * weak, 0.003 + 0.007 * weak);
                if r < 0.012 {
                    // Leave of one to four calendar days.
                    self.leave_until[p] = i + i64::from(self.rng.below(4));
                    LEAVE
                } else if r < 0.012 + absent {
                    ABSENT
                } else if r < 0.012 + absent + half {
                    HALF
                } else {
                    PRESENT
                }
            };
            self.status[p] = st;
            let status = match st {
                PRESENT => "present",
                HALF => "half_absent",
                ABSENT => "absent",
                _ => "leave",
            };
            b.attendance.push(Attendance {
                id: 0,
                employee_id: p as i64 + 1,
                day: self.day,
                status: status.into(),
            });
        }
    }

    fn new_customer(
        &mut self,
        b: &mut DayBatch,
        p: usize,
        secs: Secs,
        individual: bool,
        source: &str,
        class: Option<&str>,
    ) -> CustomerId {
        let id = next(&mut self.ids.customer);
        let created = self.mid + TimeDelta::seconds(secs);
        let mut c = org::customer(
            &mut self.rng,
            id,
            p as i64 + 1,
            created,
            self.day.year(),
            individual,
            source,
            class,
            self.horizon,
        );
        // The seller's sales clerk keeps the archive (SPEC §5a: who did the work).
        c.handled_by = self.cast.actors[p].clerk.filter(|k| *k != c.owner_id);
        if c.valid {
            self.pools[p].push(id);
        }
        b.customers.push(c);
        id
    }

    fn own_customer(&mut self, p: usize) -> Option<CustomerId> {
        let pool = &self.pools[p];
        if pool.is_empty() {
            None
        } else {
            Some(pool[self.rng.below(pool.len() as u32) as usize])
        }
    }

    /// A telesales specialist's day: owed call-backs first, then outbound and inbound calls.
    fn telesales(&mut self, b: &mut DayBatch, p: usize, half: bool) {
        let a = &self.cast.actors[p];
        let (skill, leader) = (a.skill, a.leader);
        let mut factor = (0.85 + 0.3 * skill) * (0.9 + 0.2 * self.rng.f64());
        if leader {
            factor *= 0.5;
        }
        if half {
            factor *= 0.5;
        }
        let n = (f64::from(self.cfg.calls_per_day) * factor).round() as usize;
        let mut done = 0;
        while done < n
            && let Some(&(due_idx, due_secs, customer)) = self.callbacks[p].front()
            && due_idx <= self.idx
        {
            self.callbacks[p].pop_front();
            self.callback_call(b, p, skill, due_idx, due_secs, customer);
            done += 1;
        }
        let mut times = std::mem::take(&mut self.times);
        times.clear();
        for _ in done..n {
            let t = Secs::from(self.rng.below(CALL_WINDOW as u32));
            times.push(if t < MORNING {
                hm(9, 0) + t
            } else {
                hm(13, 30) + t - MORNING
            });
        }
        times.sort_unstable();
        let p_deal = 0.02 + 0.06 * skill;
        for &secs in &times {
            self.call(b, p, skill, p_deal, secs);
        }
        self.times = times;
    }

    fn callback_call(
        &mut self,
        b: &mut DayBatch,
        p: usize,
        skill: f64,
        due_idx: i64,
        due_secs: Secs,
        customer: CustomerId,
    ) {
        let overdue = due_idx < self.idx;
        let late = overdue || self.rng.chance(0.03 + 0.2 * (1.0 - skill));
        let due_at = if overdue {
            self.at(self.date(due_idx), due_secs)
        } else {
            self.mid + TimeDelta::seconds(due_secs)
        };
        let secs = if overdue {
            self.rng.range(hm(9, 0), hm(17, 30))
        } else if late {
            self.rng
                .range(due_secs + 600, (due_secs + 600).max(hm(18, 30)))
        } else {
            self.rng.range(hm(9, 0), due_secs.max(hm(9, 0)))
        };
        let r = self.rng.f64();
        let (outcome, duration) = if r < 0.08 + 0.12 * skill {
            ("deal", self.rng.range(240, 1200))
        } else if r < 0.75 {
            ("connected", self.rng.range(40, 420))
        } else if r < 0.9 {
            ("no_answer", 0)
        } else {
            ("refused", self.rng.range(5, 40))
        };
        b.calls.push(Call {
            id: next(&mut self.ids.call),
            employee_id: p as i64 + 1,
            customer_id: Some(customer),
            day: self.day,
            started_at: self.mid + TimeDelta::seconds(secs),
            direction: "outbound".into(),
            duration_s: duration as i32,
            outcome: outcome.into(),
            is_callback: true,
            callback_due_at: Some(due_at),
            rings: None,
        });
        if outcome == "deal" {
            self.order(b, p, customer, secs + duration, Scale::Tele);
        }
    }

    /// One ordinary call: the hot path of the whole generator at scale.
    fn call(&mut self, b: &mut DayBatch, p: usize, skill: f64, p_deal: f64, secs: Secs) {
        let inbound = self.rng.chance(0.12);
        let mut rings = None;
        let mut customer;
        let outcome;
        if inbound {
            let missed = self.rng.chance(0.03 + 0.07 * (1.0 - skill));
            rings = Some(if missed {
                8 + self.rng.below(5)
            } else {
                1 + self.rng.below(if skill > 0.6 { 3 } else { 6 })
            } as i32);
            customer = if self.rng.chance(0.6) {
                self.own_customer(p)
            } else {
                None
            };
            let r = self.rng.f64();
            outcome = if missed {
                "no_answer"
            } else if r < p_deal * 1.3 {
                "deal"
            } else if r < p_deal * 1.3 + 0.06 {
                "callback_scheduled"
            } else {
                "connected"
            };
        } else {
            // Most calls work the person's own book; the rest go to a cold list.
            customer = if self.rng.chance(0.8) {
                self.own_customer(p)
            } else {
                None
            };
            let r = self.rng.f64();
            let no_answer = 0.30 - 0.08 * skill;
            let refused = no_answer + 0.12 - 0.05 * skill;
            let callback = refused + 0.08;
            outcome = if r < no_answer {
                "no_answer"
            } else if r < refused {
                "refused"
            } else if r < callback {
                "callback_scheduled"
            } else if r < callback + p_deal {
                "deal"
            } else {
                "connected"
            };
        }
        let duration = match outcome {
            "no_answer" => 0,
            "refused" => self.rng.range(5, 40),
            "connected" => self.rng.range(40, 420),
            "callback_scheduled" => self.rng.range(60, 300),
            _ => self.rng.range(240, 1200),
        };
        // A stranger who buys, asks to be called back, or sounds interested gets an archive.
        if customer.is_none()
            && (outcome == "deal"
                || outcome == "callback_scheduled"
                || (outcome == "connected" && self.rng.chance(0.03)))
        {
            let src = if inbound {
                "来电咨询"
            } else {
                "电话开发"
            };
            let class = if outcome == "deal" {
                "general"
            } else {
                "potential"
            };
            customer = Some(self.new_customer(b, p, secs, false, src, Some(class)));
        }
        if outcome == "callback_scheduled"
            && let Some(c) = customer
        {
            let due = self.rng.range(hm(9, 30), hm(17, 30));
            let due_idx = self.idx_of(self.next_wd);
            self.callbacks[p].push_back((due_idx, due, c));
        }
        b.calls.push(Call {
            id: next(&mut self.ids.call),
            employee_id: p as i64 + 1,
            customer_id: customer,
            day: self.day,
            started_at: self.mid + TimeDelta::seconds(secs),
            direction: if inbound { "inbound" } else { "outbound" }.into(),
            duration_s: duration as i32,
            outcome: outcome.into(),
            is_callback: false,
            callback_due_at: None,
            rings,
        });
        if outcome == "deal"
            && let Some(c) = customer
        {
            self.order(b, p, c, secs + duration, Scale::Tele);
        }
    }

    /// A field rep's day: 陌生拜访 (3–4 for an average rep) and follow-ups.
    fn field(&mut self, b: &mut DayBatch, p: usize, half: bool) {
        let a = &self.cast.actors[p];
        let (skill, leader) = (a.skill, a.leader);
        let mut cold = 2.0 + 2.5 * skill + self.rng.f64() - 0.5;
        if leader {
            cold *= 0.6;
        }
        let mut follow = f64::from(self.rng.below(3));
        if half {
            cold *= 0.5;
            follow *= 0.5;
        }
        let (mut cold, follow) = (cold.round().max(0.0) as u32, follow.round() as u32);
        let total = cold + follow;
        let mut times: Vec<Secs> = (0..total)
            .map(|_| hm(9, 30) + Secs::from(self.rng.below(8 * 3600)))
            .collect();
        times.sort_unstable();
        for (j, secs) in times.into_iter().enumerate() {
            let is_cold = self.rng.below(total - j as u32) < cold || self.pools[p].is_empty();
            let (customer, success, notes) = if is_cold {
                cold = cold.saturating_sub(1);
                let success = self.rng.chance(0.12 + 0.25 * skill);
                let c = success.then(|| {
                    self.new_customer(b, p, secs + 1800, false, "陌生拜访", Some("potential"))
                });
                (c, success, *self.rng.pick(text::COLD_NOTES))
            } else {
                (
                    self.own_customer(p),
                    self.rng.chance(0.3 + 0.3 * skill),
                    *self.rng.pick(text::FOLLOW_NOTES),
                )
            };
            b.visits.push(Visit {
                id: next(&mut self.ids.visit),
                employee_id: p as i64 + 1,
                customer_id: customer,
                day: self.day,
                visited_at: self.mid + TimeDelta::seconds(secs),
                kind: if is_cold { "cold" } else { "follow_up" }.into(),
                invited: false,
                success,
                notes: notes.into(),
            });
            if !is_cold
                && success
                && self.rng.chance(0.35)
                && let Some(c) = customer
            {
                self.order(b, p, c, secs + 3600, Scale::Field);
            }
        }
    }

    /// A property consultant's day: the month's plan (invited visits, contracts) and follow-ups.
    fn consultant(&mut self, b: &mut DayBatch, p: usize, half: bool) {
        let skill = self.cast.actors[p].skill;
        while let Some((day, _)) = self.plans[p].front()
            && *day <= self.idx
        {
            let (_, item) = self.plans[p].pop_front().expect("front exists");
            let secs = self.rng.range(hm(10, 0), hm(16, 30));
            match item {
                Plan::Invited => {
                    let customer = match self.own_customer(p) {
                        Some(c) if self.rng.chance(0.3) => c,
                        _ => self.new_customer(b, p, secs, true, "到访登记", None),
                    };
                    b.visits.push(Visit {
                        id: next(&mut self.ids.visit),
                        employee_id: p as i64 + 1,
                        customer_id: Some(customer),
                        day: self.day,
                        visited_at: self.mid + TimeDelta::seconds(secs),
                        kind: "follow_up".into(),
                        invited: true,
                        success: self.rng.chance(0.4 + 0.4 * skill),
                        notes: format!(
                            "{}：{}",
                            self.rng.pick(text::PROJECTS),
                            self.rng.pick(text::INVITED_NOTES)
                        ),
                    });
                }
                Plan::Draft { cents } => {
                    let customer = match self.pools[p].last() {
                        Some(c) if self.rng.chance(0.7) => *c,
                        _ => {
                            self.new_customer(b, p, secs - 3600, true, "到访登记", Some("general"))
                        }
                    };
                    self.contract(b, p, customer, None, cents, secs);
                }
            }
        }
        if !half && self.rng.chance(0.5) {
            let secs = self.rng.range(hm(9, 30), hm(17, 0));
            let customer = self.own_customer(p);
            b.visits.push(Visit {
                id: next(&mut self.ids.visit),
                employee_id: p as i64 + 1,
                customer_id: customer,
                day: self.day,
                visited_at: self.mid + TimeDelta::seconds(secs),
                kind: "follow_up".into(),
                invited: false,
                success: self.rng.chance(0.3 + 0.3 * skill),
                notes: (*self.rng.pick(text::INVITED_NOTES)).into(),
            });
        }
    }

    /// Customer service: after-sales call-backs (回访) to customers.
    fn service(&mut self, b: &mut DayBatch, p: usize, half: bool) {
        let skill = self.cast.actors[p].skill;
        let n = (8 + self.rng.below(8)) / if half { 2 } else { 1 };
        for _ in 0..n {
            let secs = self.rng.range(hm(9, 0), hm(17, 30));
            let due = if self.rng.chance(0.85 + 0.12 * skill) {
                secs + self.rng.range(600, 3 * 3600)
            } else {
                secs - self.rng.range(600, 4 * 3600)
            };
            let r = self.rng.f64();
            let (outcome, duration) = if r < 0.8 {
                ("connected", self.rng.range(60, 300))
            } else if r < 0.95 {
                ("no_answer", 0)
            } else {
                ("refused", self.rng.range(5, 30))
            };
            let customer = 1 + i64::from(self.rng.below(self.ids.customer as u32));
            b.calls.push(Call {
                id: next(&mut self.ids.call),
                employee_id: p as i64 + 1,
                customer_id: Some(customer),
                day: self.day,
                started_at: self.mid + TimeDelta::seconds(secs),
                direction: "outbound".into(),
                duration_s: duration as i32,
                outcome: outcome.into(),
                is_callback: true,
                callback_due_at: Some(self.mid + TimeDelta::seconds(due)),
                rings: None,
            });
        }
    }

    /// An order with its whole life: entry, progress feedback, problems, shipment, contract
    /// (large field orders), receivables and payments, filed documents.
    fn order(
        &mut self,
        b: &mut DayBatch,
        p: usize,
        customer: CustomerId,
        secs: Secs,
        scale: Scale,
    ) {
        let cast = self.cast;
        let a = &cast.actors[p];
        let skill = a.skill;
        let emp = p as i64 + 1;
        let clerk = a.clerk.unwrap_or(emp);
        let clerk_skill = cast.actors[clerk as usize - 1].skill;
        let secs = secs.min(hm(20, 0));
        self.order_seq += 1;
        let id = next(&mut self.ids.order);
        let order_no = format!("SO{}{:04}", self.day_code, self.order_seq);
        // Weaker sellers give away more on price (price retention KPI).
        let ratio_bp = match scale {
            Scale::Fixed(_) => 10_000,
            _ => 10_000 - 50 * self.rng.below((1.0 + 30.0 * (1.0 - skill)) as u32) as i32,
        };
        let mut amount = 0;
        let lines = match scale {
            Scale::Tele => 1 + self.rng.below(2),
            Scale::Field => 1 + self.rng.below(4),
            Scale::Fixed(_) => 1,
        };
        for _ in 0..lines {
            let (product, group, list, qty) = match scale {
                Scale::Tele => {
                    let (n, g, l) = *self.rng.pick(&text::PRODUCTS[..8]);
                    (n, g, l, 1 + self.rng.below(3) as i64)
                }
                Scale::Field => {
                    let (n, g, l) = *self.rng.pick(text::PRODUCTS);
                    (n, g, l, 2 + self.rng.below(29) as i64)
                }
                Scale::Fixed(yuan) => {
                    let (n, g, l) = text::PRODUCTS[9];
                    (n, g, l, (yuan + l - 1) / l)
                }
            };
            let unit = list * 100 * i64::from(ratio_bp) / 10_000;
            amount += unit * qty;
            b.order_lines.push(OrderLine {
                id: next(&mut self.ids.line),
                order_id: id,
                product: product.into(),
                product_group: group.into(),
                quantity: qty as i32,
                unit_price_cents: unit,
                amount_cents: unit * qty,
            });
        }
        let received_at = self.mid + TimeDelta::seconds(secs);
        let entry_due_at = received_at + TimeDelta::hours(2);
        let entered = if self.rng.chance(0.9 + 0.09 * clerk_skill) {
            received_at + TimeDelta::seconds(self.rng.range(300, 6000))
        } else {
            received_at + TimeDelta::seconds(self.rng.range(7500, 6 * 3600))
        };
        let entered_at = entered.min(self.horizon - TimeDelta::seconds(1));
        let entry_errors = if self.rng.chance(0.005 + 0.035 * (1.0 - clerk_skill)) {
            1 + i32::from(self.rng.chance(0.2))
        } else {
            0
        };
        let n = 3 + self.rng.below(5);
        let promised = self.wd(self.day, n);
        let cancelled = !matches!(scale, Scale::Fixed(_)) && self.rng.chance(0.015);

        // Split credit on a few shared deals (SPEC §7a).
        let team = self.org.employees[p].team_id;
        let partner = match team.and_then(|t| self.team_sellers.get(&t)) {
            Some(m) if m.len() > 1 && self.rng.chance(0.08) => {
                let k = self.rng.below(m.len() as u32) as usize;
                Some(if m[k] == emp {
                    m[(k + 1) % m.len()]
                } else {
                    m[k]
                })
            }
            _ => None,
        };
        match partner {
            Some(other) => {
                let share = if self.rng.chance(0.5) { 60.0 } else { 50.0 };
                b.order_credits.push(OrderCredit {
                    order_id: id,
                    employee_id: emp,
                    share_pct: share,
                });
                b.order_credits.push(OrderCredit {
                    order_id: id,
                    employee_id: other,
                    share_pct: 100.0 - share,
                });
            }
            None => b.order_credits.push(OrderCredit {
                order_id: id,
                employee_id: emp,
                share_pct: 100.0,
            }),
        }

        // Progress feedback on receipt, due by noon of the next working day.
        let due = self.at(self.next_wd, hm(12, 0));
        self.order_event(
            clerk,
            clerk_skill,
            id,
            "progress_feedback",
            received_at,
            due,
            text::PROGRESS_NOTES,
        );
        // The clerk files the order papers within two working days.
        let doc_due = self.at(self.wd(self.day, 2), hm(18, 0));
        self.document(clerk, clerk_skill, "order", self.idx, received_at, doc_due);

        // Large field orders go through a contract.
        let contract_id = (matches!(scale, Scale::Field | Scale::Fixed(_))
            && amount >= Cents::yuan(50_000).0)
            .then(|| self.contract(b, p, customer, Some(id), amount, secs + 1800));

        let mut status = if cancelled { "cancelled" } else { "open" };
        if !cancelled {
            if self.rng.chance(0.06) {
                let n = 1 + self.rng.below(3);
                let opened = self.wd(self.day, n);
                let opened_at = self.at_in(opened, hm(9, 0), hm(17, 0));
                let due = self.at(self.wd(opened, 2), hm(18, 0));
                self.order_event(
                    clerk,
                    clerk_skill,
                    id,
                    "problem",
                    opened_at,
                    due,
                    text::PROBLEM_NOTES,
                );
            }
            // The shipment plan is due by noon of the next working day.
            let plan_due_at = self.at(self.next_wd, hm(12, 0));
            let plan_created_at = if self.rng.chance(0.9 + 0.08 * clerk_skill) {
                self.office_time(
                    received_at + TimeDelta::minutes(30),
                    plan_due_at - TimeDelta::minutes(10),
                )
            } else {
                self.office_time(
                    plan_due_at + TimeDelta::hours(1),
                    plan_due_at + TimeDelta::hours(20),
                )
            };
            let plan_day = self.local_day(plan_created_at);
            let mut planned_on = promised.pred_opt().expect("far from the start of time");
            while !self.is_work(self.idx_of(planned_on)) {
                planned_on = planned_on.pred_opt().expect("far from the start of time");
            }
            let planned_on = planned_on.max(plan_day);
            let shipped = if self.rng.chance(0.93 + 0.06 * clerk_skill) {
                planned_on
            } else {
                let n = 1 + self.rng.below(3);
                self.wd(planned_on, n)
            };
            let shipped_on = (shipped <= self.cfg.end).then_some(shipped);
            if plan_day <= self.cfg.end {
                let s = Shipment {
                    id: 0,
                    order_id: id,
                    employee_id: clerk,
                    day: plan_day,
                    plan_due_at,
                    plan_created_at,
                    planned_on,
                    shipped_on,
                    plan_accurate: self.rng.chance(0.97 + 0.03 * clerk_skill),
                    info_accurate: self.rng.chance(0.985 + 0.015 * clerk_skill),
                };
                self.later(self.idx_of(plan_day), Pending::Shipment(s));
            }
            if let Some(s) = shipped_on {
                status = "shipped";
                let notify = self.rng.range(hm(9, 30), hm(17, 0));
                let due = self.at(self.wd(s, 1), hm(12, 0));
                self.order_event(
                    clerk,
                    clerk_skill,
                    id,
                    "progress_feedback",
                    self.at(s, notify),
                    due,
                    text::PROGRESS_NOTES,
                );
                let days = if matches!(scale, Scale::Tele) { 30 } else { 45 };
                let parts: &[(i64, i64)] = if amount >= Cents::yuan(200_000).0 {
                    &[(30, 15), (40, 45), (30, 75)]
                } else {
                    &[(100, days)]
                };
                if self.receivables(Some(id), contract_id, customer, emp, amount, s, parts) {
                    status = "completed";
                }
            }
        }
        b.orders.push(Order {
            id,
            order_no,
            customer_id: customer,
            employee_id: emp,
            handled_by: (clerk != emp).then_some(clerk),
            day: self.day,
            received_at,
            entered_at,
            entry_due_at,
            amount_cents: amount,
            entry_errors,
            promised_delivery_on: promised,
            status: status.into(),
            price_ratio_bp: ratio_bp,
        });
    }

    #[allow(clippy::too_many_arguments)]
    fn order_event(
        &mut self,
        clerk: EmployeeId,
        skill: f64,
        order_id: i64,
        kind: &str,
        opened_at: DateTime<Utc>,
        due_at: DateTime<Utc>,
        notes: &[&str],
    ) {
        let r = self.rng.f64();
        let done = if r < 0.9 + 0.08 * skill {
            Some(self.office_time(
                opened_at + TimeDelta::minutes(5),
                due_at - TimeDelta::minutes(5),
            ))
        } else if r < 0.985 {
            Some(self.office_time(
                due_at + TimeDelta::minutes(30),
                due_at + TimeDelta::hours(30),
            ))
        } else {
            None
        };
        let e = OrderEvent {
            id: 0,
            order_id,
            employee_id: clerk,
            kind: kind.into(),
            due_at,
            done_at: done.and_then(|t| self.by_end(t)),
            note: (*self.rng.pick(notes)).into(),
        };
        let day = self.idx_of(self.local_day(opened_at));
        self.later(day, Pending::Event(e));
    }

    fn document(
        &mut self,
        clerk: EmployeeId,
        skill: f64,
        kind: &str,
        day: i64,
        from: DateTime<Utc>,
        due_at: DateTime<Utc>,
    ) {
        let filed = if self.rng.chance(0.9 + 0.08 * skill) {
            self.office_time(
                from + TimeDelta::minutes(30),
                due_at - TimeDelta::minutes(10),
            )
        } else {
            self.office_time(due_at + TimeDelta::hours(1), due_at + TimeDelta::days(3))
        };
        let d = Document {
            id: 0,
            employee_id: clerk,
            kind: kind.into(),
            day: self.date(day),
            due_at,
            filed_at: self.by_end(filed),
            complete: self.rng.chance(0.96 + 0.04 * skill),
        };
        self.later(day, Pending::Document(d));
    }

    /// Receivables from `start` (shipment or signing) in instalments `(percent, due after days)`,
    /// with their payments. Returns whether everything was paid by `end`.
    #[allow(clippy::too_many_arguments)]
    fn receivables(
        &mut self,
        order_id: Option<i64>,
        contract_id: Option<i64>,
        customer: CustomerId,
        emp: EmployeeId,
        amount: i64,
        start: NaiveDate,
        parts: &[(i64, i64)],
    ) -> bool {
        let watch = self.cast.watch.contains(&customer);
        let (late_p, unpaid_p) = if watch { (0.7, 0.15) } else { (0.18, 0.06) };
        let end = self.cfg.end;
        let mut all_paid = true;
        let mut rest = amount;
        for (k, (pct, days)) in parts.iter().enumerate() {
            let cents = if k + 1 == parts.len() {
                rest
            } else {
                amount * pct / 100
            };
            rest -= cents;
            let due_on = start + TimeDelta::days(*days);
            let r = self.rng.f64();
            let mut pays = Vec::new();
            if r >= unpaid_p {
                let day = if r < unpaid_p + late_p {
                    due_on + TimeDelta::days(self.rng.range(1, 45))
                } else {
                    due_on - TimeDelta::days(self.rng.range(0, (*days).min(20)))
                };
                let day = self.nwd(day);
                if self.rng.chance(0.05) {
                    let first = cents * 6 / 10;
                    let gap = TimeDelta::days(self.rng.range(5, 30));
                    let second_day = self.nwd(day + gap);
                    pays.push((day, first));
                    pays.push((second_day, cents - first));
                } else {
                    pays.push((day, cents));
                }
            }
            all_paid &= !pays.is_empty() && pays.iter().all(|(d, _)| *d <= end);
            let mut due_pays = [None; 2];
            for (slot, (d, c)) in due_pays
                .iter_mut()
                .zip(pays.into_iter().filter(|(d, _)| *d <= end))
            {
                *slot = Some((self.idx_of(d), c));
            }
            let r = Receivable {
                id: 0,
                customer_id: customer,
                employee_id: emp,
                contract_id,
                order_id,
                amount_cents: cents,
                due_on,
                instalment: k as i32 + 1,
            };
            self.later(self.idx_of(start), Pending::Receivable(r, due_pays));
        }
        all_paid
    }

    /// A contract drafted now: review (sometimes returned first), signing, archiving.
    /// Property contracts bring their own instalment plan; order contracts are paid via the order.
    fn contract(
        &mut self,
        b: &mut DayBatch,
        p: usize,
        customer: CustomerId,
        order_id: Option<i64>,
        cents: i64,
        secs: Secs,
    ) -> i64 {
        let cast = self.cast;
        let a = &cast.actors[p];
        let emp = p as i64 + 1;
        let skill = a.skill;
        let clerk = a.clerk.unwrap_or(emp);
        let clerk_skill = cast.actors[clerk as usize - 1].skill;
        let reviewer = a.reviewer;
        let id = next(&mut self.ids.contract);
        let secs = secs.clamp(hm(9, 0), hm(18, 0));
        let drafted_at = self.mid + TimeDelta::seconds(secs);
        // Order contracts are drafted by the sales office, property contracts by the consultant.
        let drafter = if order_id.is_some() { clerk } else { emp };
        let mut steps: Vec<StepPlan> = Vec::new();
        steps.push((
            self.day,
            "drafted",
            "done",
            drafter,
            drafted_at,
            String::new(),
        ));
        let r1 = self.wd(self.day, 1);
        let t1 = self.at_in(r1, hm(9, 30), hm(16, 0));
        let returned = self.rng.chance(0.03 + 0.1 * (1.0 - skill));
        let (pass_day, pass_at) = if returned {
            steps.push((
                r1,
                "review",
                "returned",
                reviewer,
                t1,
                (*self.rng.pick(text::CONTRACT_RETURNS)).into(),
            ));
            let r2 = self.wd(r1, 1);
            (r2, self.at_in(r2, hm(9, 30), hm(16, 0)))
        } else {
            (r1, t1)
        };
        steps.push((
            pass_day,
            "review",
            "passed",
            reviewer,
            pass_at,
            String::new(),
        ));
        let n = 1 + self.rng.below(2);
        let mut sign_day = self.wd(pass_day, n);
        if self.rng.chance(0.03 + 0.1 * (1.0 - skill)) {
            let n = 2 + self.rng.below(3);
            sign_day = self.wd(sign_day, n);
        }
        let signed_at = self.at_in(sign_day, hm(10, 0), hm(17, 0));
        steps.push((sign_day, "signed", "done", emp, signed_at, String::new()));
        let n = 1 + self.rng.below(if clerk_skill > 0.5 { 2 } else { 5 });
        let archive_day = self.wd(sign_day, n);
        let archived_at = self.at_in(archive_day, hm(9, 30), hm(17, 30));
        steps.push((
            archive_day,
            "archived",
            "done",
            clerk,
            archived_at,
            String::new(),
        ));
        let sign_due_at = self.at(self.wd(self.day, 3), hm(18, 0));

        let mut status = "drafted";
        for (_, step, outcome, _, at, _) in &steps {
            if *at < self.horizon {
                status = match (*step, *outcome) {
                    ("review", "returned") => "returned",
                    ("review", _) => "in_review",
                    ("signed", _) => "signed",
                    ("archived", _) => "archived",
                    _ => "in_review",
                };
            }
        }
        // Drafted with the review still to come counts as in review once submitted; only a
        // contract drafted on the very last day may still sit in `drafted`.
        if status == "in_review" && t1 >= self.horizon {
            status = "drafted";
        }
        for (day, step, outcome, actor, at, comment) in steps {
            if at < self.horizon {
                let s = ContractStep {
                    id: 0,
                    contract_id: id,
                    step: step.into(),
                    outcome: outcome.into(),
                    actor_id: Some(actor),
                    at,
                    comment,
                };
                self.later(self.idx_of(day), Pending::Step(s));
            }
        }
        let signed = self.by_end(signed_at);
        if signed.is_some() {
            let due = self.at(self.wd(sign_day, 3), hm(18, 0));
            self.document(
                clerk,
                clerk_skill,
                "contract",
                self.idx_of(sign_day),
                signed_at,
                due,
            );
            if order_id.is_none() {
                // Property: 30% down payment within a week, the rest (mortgage) in two months.
                self.receivables(
                    None,
                    Some(id),
                    customer,
                    emp,
                    cents,
                    sign_day,
                    &[(30, 7), (70, 60)],
                );
            }
        }
        b.contracts.push(Contract {
            id,
            contract_no: format!("HT-{}-{:06}", self.day.year(), id),
            customer_id: customer,
            order_id,
            employee_id: emp,
            handled_by: (drafter != emp).then_some(drafter),
            amount_cents: cents,
            status: status.into(),
            drafted_at,
            sign_due_at,
            signed_at: signed,
            signed_day: signed.map(|_| sign_day),
            archived_at: self.by_end(archived_at),
            review_passed_first: !returned,
        });
        id
    }

    fn expenses(&mut self, b: &mut DayBatch, p: usize, half: bool, month_first: bool) {
        let kind = self.cast.actors[p].kind;
        let scale = if half { 0.5 } else { 1.0 };
        for &(cat, rate, lo, hi) in org::expense_rates(kind) {
            if self.rng.chance(rate * scale) {
                let cents = self.rng.range(lo, hi) * 100 + i64::from(self.rng.below(100));
                self.expense(b, p, cat, cents, false);
            }
        }
        if month_first {
            for &(cat, lo, hi) in org::monthly_expenses(kind) {
                let cents = self.rng.range(lo, hi) * 100 + i64::from(self.rng.below(100));
                self.expense(b, p, cat, cents, false);
            }
        }
    }

    /// An expense claim and its flow: manager review → finance review → payout, each step
    /// approving or returning with a comment; over-budget claims are flagged (SPEC §3).
    fn expense(
        &mut self,
        b: &mut DayBatch,
        p: usize,
        category: &'static str,
        cents: i64,
        resubmitted: bool,
    ) {
        let cast = self.cast;
        let a = &cast.actors[p];
        let emp = p as i64 + 1;
        let dept = self.org.employees[p].department_id;
        let id = next(&mut self.ids.expense);
        let submitted_at = self.mid + TimeDelta::seconds(self.rng.range(hm(10, 0), hm(18, 0)));
        let key = (dept, category.to_string());
        let spent = self.spent.entry(key.clone()).or_insert(0);
        *spent += cents;
        let over_budget = self.budget.get(&key).is_some_and(|limit| *spent > *limit);
        let mut status = "submitted";
        let mut day = self.day;
        let mut returned_on = None;
        let (fin_reviewer, cashier) = match (cast.finance.first(), cast.finance.last()) {
            (Some(f), Some(c)) => (*f, *c),
            _ => (a.approver, a.approver),
        };
        let return_p = 0.03 + if over_budget { 0.15 } else { 0.0 } + 0.05 * (1.0 - a.skill)
            - if resubmitted { 0.04 } else { 0.0 };
        let flow: [Review; 3] = [
            (
                "manager_review",
                a.approver,
                return_p,
                text::MANAGER_RETURNS,
                "manager_approved",
                "manager_returned",
            ),
            (
                "finance_review",
                fin_reviewer,
                0.04,
                text::FINANCE_RETURNS,
                "finance_approved",
                "finance_returned",
            ),
            ("payout", cashier, 0.0, &[], "paid", "paid"),
        ];
        for (step, actor, ret_p, comments, ok, back) in flow {
            let n = 1 + self.rng.below(3);
            day = self.wd(day, n);
            let at = self.at_in(day, hm(9, 0), hm(17, 30));
            if at >= self.horizon {
                break;
            }
            let returned = self.rng.chance(ret_p);
            let (outcome, comment) = match (step, returned) {
                ("payout", _) => ("paid", String::new()),
                (_, true) => ("returned", (*self.rng.pick(comments)).to_string()),
                _ => ("approved", String::new()),
            };
            let s = ExpenseStep {
                id: 0,
                expense_id: id,
                step: step.into(),
                outcome: outcome.into(),
                actor_id: actor,
                at,
                comment,
            };
            self.later(self.idx_of(day), Pending::ExpenseStep(s));
            status = if returned { back } else { ok };
            if returned {
                returned_on = Some(day);
                break;
            }
        }
        if let Some(r) = returned_on
            && !resubmitted
            && self.rng.chance(0.6)
        {
            let n = 1 + self.rng.below(3);
            let again = self.wd(r, n);
            self.later(
                self.idx_of(again),
                Pending::Resubmit {
                    person: p,
                    category,
                    cents,
                },
            );
        }
        let what = match category {
            "travel" => "差旅费：外出拜访客户交通及住宿",
            "entertainment" => "业务招待费：客户洽谈餐费",
            "communication" => "通讯费：本月手机话费",
            "advertising" => "广告费：线上推广投放",
            "pr" => "公关费：合作方节日拜访",
            "commission" => "佣金：渠道合作方介绍成交",
            "promotion" => "促销费：活动物料与礼品",
            "training" => "培训费：外部课程报名",
            _ => "售后服务费：上门维修配件",
        };
        b.expenses.push(Expense {
            id,
            employee_id: emp,
            department_id: dept,
            day: self.day,
            category: category.into(),
            amount_cents: cents,
            receipts: 1 + self.rng.below(4) as i32,
            description: if resubmitted {
                format!("{what}（补充材料后重新提交）")
            } else {
                what.to_string()
            },
            status: status.into(),
            submitted_at,
            over_budget,
        });
    }

    /// Complaints about sellers, received by customer service; weaker sellers draw more.
    fn complaints(&mut self, b: &mut DayBatch, p: usize) {
        let a = &self.cast.actors[p];
        if !a.kind.sells() {
            return;
        }
        let weak = 1.0 - a.skill;
        if !self.rng.chance(0.006 + 0.02 * weak) {
            return;
        }
        let customer = self.own_customer(p);
        let received_at = self.mid + TimeDelta::seconds(self.rng.range(hm(9, 0), hm(18, 0)));
        let secs_of_day = (received_at - self.mid).num_seconds();
        let due_at = self.at(self.wd(self.day, 2), secs_of_day);
        let r = self.rng.f64();
        let resolved = if r < 0.85 {
            Some(self.office_time(received_at + TimeDelta::hours(1), due_at))
        } else if r < 0.95 {
            Some(self.office_time(due_at + TimeDelta::hours(2), due_at + TimeDelta::days(3)))
        } else {
            None
        };
        let resolved_at = resolved.and_then(|t| self.by_end(t));
        let satisfaction = resolved_at.map(|t| {
            if t <= due_at {
                3 + self.rng.below(3) as i32
            } else {
                1 + self.rng.below(3) as i32
            }
        });
        b.complaints.push(Complaint {
            id: next(&mut self.ids.complaint),
            customer_id: customer,
            employee_id: p as i64 + 1,
            day: self.day,
            received_at,
            valid: self.rng.chance(0.4 + 0.4 * weak),
            due_at,
            resolved_at,
            satisfaction,
            description: (*self.rng.pick(text::COMPLAINTS)).into(),
        });
    }

    fn reports(&mut self, b: &mut DayBatch, p: usize, f: Flags) {
        let a = &self.cast.actors[p];
        let (kind, skill) = (a.kind, a.skill);
        let emp = p as i64 + 1;
        let working = self.at_work(p);
        if working && kind.sells() {
            let due = self.mid + TimeDelta::seconds(hm(20, 0));
            self.report(b, emp, "daily", skill, due, false, false);
        }
        if working && kind == Kind::Clerk {
            let due = self.mid + TimeDelta::seconds(hm(18, 30));
            self.report(b, emp, "statistics", skill, due, false, true);
        }
        if f.week_last {
            let due = self.at(self.next_wd, hm(12, 0));
            if kind.sells() || matches!(kind, Kind::Manager | Kind::Service) {
                self.report(b, emp, "weekly", skill, due, true, false);
            }
            if kind == Kind::Clerk {
                self.report(b, emp, "analysis", skill, due, true, false);
            }
        }
        if f.month_last && kind != Kind::Exec {
            let due = self.at(self.wd(self.day, 3), hm(18, 0));
            self.report(b, emp, "monthly", skill, due, true, false);
            if kind == Kind::Manager {
                self.report(b, emp, "analysis", skill, due, true, false);
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn report(
        &mut self,
        b: &mut DayBatch,
        emp: EmployeeId,
        kind: &str,
        skill: f64,
        due_at: DateTime<Utc>,
        rated: bool,
        checked: bool,
    ) {
        let r = self.rng.f64();
        let on_time = 0.86 + 0.12 * skill;
        let submitted = if r < on_time {
            Some(due_at - TimeDelta::seconds(self.rng.range(600, 4 * 3600)))
        } else if r < 0.995 {
            Some(self.office_time(
                due_at + TimeDelta::minutes(30),
                due_at + TimeDelta::hours(30),
            ))
        } else {
            None
        };
        let submitted_at = submitted.and_then(|t| self.by_end(t));
        let effective = match submitted_at {
            Some(t) if rated && t + TimeDelta::days(2) < self.horizon => {
                Some(self.rng.chance(0.72 + 0.25 * skill))
            }
            _ => None,
        };
        let accurate = match submitted_at {
            Some(_) if checked => Some(self.rng.chance(0.97 + 0.03 * skill)),
            _ => None,
        };
        b.reports.push(Report {
            id: next(&mut self.ids.report),
            employee_id: emp,
            kind: kind.into(),
            day: self.day,
            due_at,
            submitted_at,
            effective,
            accurate,
        });
    }

    /// Weekly team meetings on the first working day of the week (a few weeks are missed),
    /// and now and then an ad-hoc one.
    fn meetings(&mut self, b: &mut DayBatch, f: Flags) {
        let org = self.org;
        for team in &org.teams {
            let weekly = f.week_first && self.rng.chance(0.93);
            let adhoc = self.rng.chance(0.02);
            for (kind, held) in [("weekly", weekly), ("adhoc", adhoc)] {
                if !held {
                    continue;
                }
                let attendees: Vec<EmployeeId> =
                    self.team_assignments
                        .get(&team.id)
                        .map_or_else(Vec::new, |list| {
                            list.iter()
                                .map(|i| &org.assignments[*i])
                                .filter(|a| {
                                    a.covers(self.day) && self.at_work(a.employee_id as usize - 1)
                                })
                                .map(|a| a.employee_id)
                                .collect()
                        });
                if attendees.is_empty() {
                    continue;
                }
                let secs = if kind == "weekly" {
                    hm(9, 0)
                } else {
                    self.rng.range(hm(14, 0), hm(16, 30))
                };
                let owner = team
                    .leader_id
                    .map_or_else(String::new, |l| org.employees[l as usize - 1].name.clone());
                let topic = self.rng.pick(text::MEETING_TOPICS);
                let decision = self.rng.pick(text::MEETING_DECISIONS);
                let minutes = format!("议题：{topic}。决定：{decision}（负责人：{owner}）");
                let meeting_id = next(&mut self.ids.meeting);
                // The decision of a weekly meeting, due a week later and owned by the leader.
                // Done the day before it is due, except every seventh; derived from the id so
                // the random stream stays as it was.
                if let (Some(leader), "weekly") = (team.leader_id, kind) {
                    let due_on = self.day + TimeDelta::days(7);
                    let done_on = if meeting_id % 7 == 3 {
                        // Late: done four days after the due date, and not at all yet when
                        // that falls in the last three weeks (the demo's overdue decisions).
                        Some(due_on + TimeDelta::days(4))
                            .filter(|d| *d <= self.cfg.end - TimeDelta::days(21))
                    } else {
                        Some(due_on - TimeDelta::days(1))
                    }
                    .filter(|d| *d <= self.cfg.end);
                    b.meeting_decisions.push(MeetingDecision {
                        id: next(&mut self.ids.decision),
                        meeting_id,
                        text: (*decision).to_string(),
                        owner_id: leader,
                        due_on,
                        done_on,
                    });
                }
                b.meetings.push(Meeting {
                    id: meeting_id,
                    team_id: team.id,
                    kind: kind.into(),
                    day: self.day,
                    held_at: self.mid + TimeDelta::seconds(secs),
                    minutes,
                    attendees,
                });
            }
        }
    }

    /// Training sessions of the plan held today, with attendance and exam scores.
    fn training(&mut self, b: &mut DayBatch) {
        let org = self.org;
        for course in org.courses.iter().filter(|c| c.planned_on == self.day) {
            let mut results = Vec::new();
            for (p, e) in org.employees.iter().enumerate() {
                if self.status[p] == OFF {
                    continue;
                }
                let a = &self.cast.actors[p];
                let audience = match course.audience.as_str() {
                    "all_sales" => a.kind.sells(),
                    "telesales" => a.kind == Kind::Telesales,
                    "field" => a.kind == Kind::FieldRep,
                    "property" => matches!(a.kind, Kind::Consultant | Kind::PropertyLead),
                    "clerk" => a.kind == Kind::Clerk,
                    "service" => a.kind == Kind::Service,
                    "new_hires" => org::new_hire_on(e, self.day),
                    _ => true,
                };
                if !audience {
                    continue;
                }
                let attended = self.at_work(p) && !self.rng.chance(0.05);
                let score = attended.then(|| {
                    let s = 50.0 + 45.0 * a.skill + 8.0 * self.rng.normal();
                    (s.clamp(30.0, 100.0) * 2.0).round() / 2.0
                });
                results.push((e.id, attended, score));
            }
            if !results.is_empty() {
                b.training_sessions.push(TrainingSession {
                    id: next(&mut self.ids.session),
                    course_id: course.id,
                    held_on: self.day,
                    results,
                });
            }
        }
    }
}

impl Iterator for Sim<'_> {
    type Item = DayBatch;

    fn next(&mut self) -> Option<DayBatch> {
        if self.next_day >= self.count {
            return None;
        }
        let i = self.next_day;
        self.next_day += 1;
        Some(self.run_day(i))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = (self.count - self.next_day).max(0) as usize;
        (left, Some(left))
    }
}
