//! Deterministic generation of kaohe's demo company and of synthetic data at any scale.
//!
//! Pure: [`Generator`] produces domain records and writes nothing; the storage crate inserts
//! them. The same [`GenConfig`] always yields byte-identical output (ChaCha8 streams, ids
//! assigned sequentially per record kind starting at 1, no hash-map iteration order anywhere).
//!
//! - [`Generator::org`]: the organisation, calendar, demo logins, budgets, the customer base
//!   that exists before the first generated day, credit assessments and the training plan.
//! - [`Generator::days`]: one [`DayBatch`] per calendar day from [`Generator::first_day`] to
//!   `end`, streamed: only state that later days need (open orders awaiting shipment, unpaid
//!   receivables, pending review steps, scheduled call-backs, customer lists) is kept.
//!
//! **Which batch a record is in.** A record is emitted in the batch of the day it comes into
//! existence, already in its state as of `end` (an order says `shipped` if it shipped by `end`;
//! a contract carries its signing time if it was signed by `end`). Its later steps — shipments,
//! contract and expense review steps, order events, receivables, payments, filed documents —
//! come in the batches of the days they happen. Within a batch, the fields of [`DayBatch`] are
//! listed in dependency order, and every id a record refers to was emitted in the same or an
//! earlier batch (or is in [`Org`]). Nothing happens after `end`: steps that would come later
//! are absent and "done" times that would be later are `None`; due times may lie after `end`.

#![warn(missing_docs)]

mod calendar;
mod clock;
mod org;
mod rng;
mod sim;
mod text;

pub use calendar::{demo_calendar, demo_holidays};

use chrono::{Datelike, NaiveDate};
use kaohe_domain::calendar::{Calendar, DayKind};
use kaohe_domain::org::{Assignment, Department, Employee, Level, Position, Team};
use kaohe_domain::records::{
    Attendance, Budget, Call, Complaint, Contract, ContractStep, CreditAssessment, Customer,
    Document, Expense, ExpenseStep, Meeting, MeetingDecision, Order, OrderCredit, OrderEvent,
    OrderLine, Payment, Receivable, Report, Shipment, TrainingCourse, TrainingNeed,
    TrainingSession, Visit,
};
use kaohe_domain::roles::Role;

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct GenConfig {
    /// Seed of every random choice; the same config always yields the same output.
    pub seed: u64,
    /// `None`: the demo company (about 80 people with a story). `Some(n)`: `n` synthetic people,
    /// mostly telesales and field reps in teams of 8, for load and scale tests.
    pub staff: Option<u32>,
    /// Months of records, the current (partial) month included; at least 1.
    pub months: u32,
    /// Calls per telesales specialist per working day (team leaders make half as many).
    pub calls_per_day: u32,
    /// "Today": the last day with records.
    pub end: NaiveDate,
    /// The company's time zone: office hours are local, timestamps UTC.
    pub tz: chrono_tz::Tz,
}

impl GenConfig {
    /// The demo company: 6 months ending `end`, 40 calls a day, Asia/Shanghai.
    pub fn demo(seed: u64, end: NaiveDate) -> Self {
        GenConfig {
            seed,
            staff: None,
            months: 6,
            calls_per_day: 40,
            end,
            tz: chrono_tz::Asia::Shanghai,
        }
    }
}

/// A login for trying kaohe out: one per role, password `kaohe-demo`.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoAccount {
    /// e.g. `rep`, `leader`, `manager`.
    pub username: String,
    /// Plain text (`kaohe-demo`); the storage crate hashes it.
    pub password: String,
    /// What the login may see and do.
    pub role: Role,
    /// The person the login acts as (`None` for the administrator).
    pub employee_id: Option<i64>,
    /// Shown on the login page, e.g. `王伟 (电话销售专员)`.
    pub display: String,
}

/// The organisation and everything that exists before the first generated day.
#[derive(Debug, Clone, PartialEq)]
pub struct Org {
    /// Departments; children name their parent.
    pub departments: Vec<Department>,
    /// Teams (小组), each with its leader.
    pub teams: Vec<Team>,
    /// Positions, each with the code of the scheme its holders are assessed by.
    pub positions: Vec<Position>,
    /// The 置业顾问 career ladder (SPEC §7).
    pub levels: Vec<Level>,
    /// Everyone ever employed in the range, leavers included; `id` = index + 1.
    pub employees: Vec<Employee>,
    /// Who sat where when; everyone has at least one, people who moved have several.
    pub assignments: Vec<Assignment>,
    /// Public holidays and make-up working days of the years covered (and the next one).
    pub holidays: Vec<(NaiveDate, DayKind, String)>,
    /// One demo login per role.
    pub accounts: Vec<DemoAccount>,
    /// Expense budgets per department, month and category for every month generated.
    pub budgets: Vec<Budget>,
    /// The customer base existing before the first generated day.
    pub customers: Vec<Customer>,
    /// Credit assessments of key and some general customers.
    pub credit: Vec<CreditAssessment>,
    /// The annual training plan(s) of the years covered.
    pub courses: Vec<TrainingCourse>,
    /// Training needs raised by staff and managers before the first day (培训需求调查).
    pub training_needs: Vec<TrainingNeed>,
    /// Sessions of the plan held before the first generated day, with their results.
    pub past_sessions: Vec<TrainingSession>,
}

/// Everything that happened on one calendar day. Fields are in dependency order: inserting
/// them top to bottom never refers to a record not yet inserted.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DayBatch {
    /// The local calendar day.
    pub day: NaiveDate,
    /// Customer archives created today (new leads, buyers, accounts won).
    pub customers: Vec<Customer>,
    /// Telesales calls and customer-service call-backs.
    pub calls: Vec<Call>,
    /// Cold, follow-up and invited visits.
    pub visits: Vec<Visit>,
    /// Orders received today, in their state as of `end`.
    pub orders: Vec<Order>,
    /// Lines of today's orders.
    pub order_lines: Vec<OrderLine>,
    /// Progress feedback and problems arising today (on any order).
    pub order_events: Vec<OrderEvent>,
    /// Who gets credit for today's orders (100 %, or split on shared deals).
    pub order_credits: Vec<OrderCredit>,
    /// Shipment plans drawn up today.
    pub shipments: Vec<Shipment>,
    /// Contracts drafted today, in their state as of `end`.
    pub contracts: Vec<Contract>,
    /// Contract steps taken today (drafting, review, signing, archiving).
    pub contract_steps: Vec<ContractStep>,
    /// Receivables arising today (on shipment or signing), instalments separately.
    pub receivables: Vec<Receivable>,
    /// Money received today.
    pub payments: Vec<Payment>,
    /// Complaints received today.
    pub complaints: Vec<Complaint>,
    /// Expense claims submitted today, in their state as of `end`.
    pub expenses: Vec<Expense>,
    /// Expense review and payout steps taken today.
    pub expense_steps: Vec<ExpenseStep>,
    /// One row per person employed, on working days only.
    pub attendance: Vec<Attendance>,
    /// Reports whose period ends today (daily, weekly, monthly, analysis, statistics).
    pub reports: Vec<Report>,
    /// Documents to file that arose today.
    pub documents: Vec<Document>,
    /// Team meetings held today.
    pub meetings: Vec<Meeting>,
    /// Decisions of today's meetings, with owners and due dates.
    pub meeting_decisions: Vec<MeetingDecision>,
    /// Training sessions held today, with attendance and exam scores.
    pub training_sessions: Vec<TrainingSession>,
}

impl DayBatch {
    /// How many records the batch holds, all kinds together.
    pub fn record_count(&self) -> usize {
        self.customers.len()
            + self.calls.len()
            + self.visits.len()
            + self.orders.len()
            + self.order_lines.len()
            + self.order_events.len()
            + self.order_credits.len()
            + self.shipments.len()
            + self.contracts.len()
            + self.contract_steps.len()
            + self.receivables.len()
            + self.payments.len()
            + self.complaints.len()
            + self.expenses.len()
            + self.expense_steps.len()
            + self.attendance.len()
            + self.reports.len()
            + self.documents.len()
            + self.meetings.len()
            + self.meeting_decisions.len()
            + self.training_sessions.len()
    }
}

/// The generator: builds the organisation up front, then streams the days.
pub struct Generator {
    cfg: GenConfig,
    org: Org,
    cal: Calendar,
    first: NaiveDate,
    /// Per-person facts the simulation needs that the domain does not hold (skill, scripts).
    cast: org::Cast,
}

impl Generator {
    /// Builds the organisation for `cfg` (cheap next to the days; nothing is generated yet).
    pub fn new(cfg: GenConfig) -> Self {
        let months = cfg.months.max(1);
        let cfg = GenConfig { months, ..cfg };
        let first = first_day_of(cfg.end, months);
        // The following year too: deadlines near the end of a range spill into it.
        let holidays = demo_holidays(first.year()..=cfg.end.year() + 1);
        let cal = Calendar::new(holidays.iter().map(|(d, k, _)| (*d, *k)));
        let (org, cast) = org::build(&cfg, first, &cal, holidays);
        Generator {
            cfg,
            org,
            cal,
            first,
            cast,
        }
    }

    /// The organisation and the records that exist before the first generated day.
    pub fn org(&self) -> &Org {
        &self.org
    }

    /// The working-day calendar the records follow (the same data as [`Org::holidays`]).
    pub fn calendar(&self) -> &Calendar {
        &self.cal
    }

    /// The configuration in force (`months` raised to at least 1).
    pub fn config(&self) -> &GenConfig {
        &self.cfg
    }

    /// The first generated day: the first of the month `months - 1` months before `end`'s.
    pub fn first_day(&self) -> NaiveDate {
        self.first
    }

    /// Number of calendar days from [`Generator::first_day`] to `end`, inclusive.
    pub fn day_count(&self) -> u32 {
        ((self.cfg.end - self.first).num_days() + 1) as u32
    }

    /// One batch per calendar day from [`Generator::first_day`] to `end` inclusive. Each call
    /// starts again from the first day and yields the same batches.
    pub fn days(&mut self) -> impl Iterator<Item = DayBatch> + '_ {
        sim::Sim::new(&self.cfg, &self.org, &self.cal, self.first, &self.cast)
    }
}

fn first_day_of(end: NaiveDate, months: u32) -> NaiveDate {
    let total = end.year() * 12 + end.month0() as i32 - (months as i32 - 1);
    NaiveDate::from_ymd_opt(total.div_euclid(12), total.rem_euclid(12) as u32 + 1, 1)
        .expect("a real month")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn six_months_ending_in_november_start_on_the_first_of_june() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        assert_eq!(first_day_of(d(2026, 11, 23), 6), d(2026, 6, 1));
        assert_eq!(first_day_of(d(2026, 2, 3), 3), d(2025, 12, 1));
        assert_eq!(first_day_of(d(2026, 1, 31), 1), d(2026, 1, 1));
    }
}
