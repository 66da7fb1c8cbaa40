//! Builds the organisation: the demo company with its story, or `n` synthetic people.

use crate::clock::{self, hm};
use crate::rng::Rng;
use crate::text;
use crate::{DemoAccount, GenConfig, Org};
use chrono::{DateTime, Datelike, Months, NaiveDate, TimeDelta, Utc};
use kaohe_domain::Cents;
use kaohe_domain::calendar::{Calendar, DayKind};
use kaohe_domain::org::{
    Assignment, Department, Employee, EmployeeId, EmploymentStatus, Level, Position, Team,
};
use kaohe_domain::period::Period;
use kaohe_domain::records::{
    Budget, CreditAssessment, Customer, CustomerId, TrainingCourse, TrainingNeed, TrainingSession,
};
use kaohe_domain::roles::Role;
use std::collections::{BTreeMap, HashSet};

/// What a person does all day; decides which records they produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// GM and sales director: approvals, PR, monthly reports.
    Exec,
    /// Head of a sales department.
    Manager,
    Telesales,
    FieldRep,
    /// 销售主管 of the property team: reviews contracts, leads meetings.
    PropertyLead,
    /// 置业顾问 on the career ladder.
    Consultant,
    Clerk,
    Service,
    Hr,
    Finance,
    Assistant,
}

impl Kind {
    /// Whether the person sells (writes daily reports, owns customers, gets complaints).
    pub(crate) fn sells(self) -> bool {
        matches!(
            self,
            Kind::Telesales | Kind::FieldRep | Kind::Consultant | Kind::PropertyLead
        )
    }
}

/// Scripted behaviour of a demo property consultant, so that the awards and the career ladder
/// have cases to decide every time (SPEC §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Script {
    /// Monthly champion: ≥ 5,000,000 signed every complete month, ≥ 8,000,000 in some.
    Star,
    /// No signed contract in the last `n` complete months.
    Drought(u32),
    /// Never signs in the generated range.
    NoDeals,
}

/// Simulation facts about one employee that the domain does not hold.
#[derive(Debug, Clone)]
pub(crate) struct Actor {
    pub kind: Kind,
    /// Leads a team (小组).
    pub leader: bool,
    /// Persistent ability 0..1: good performers stay good, so KPIs differ consistently.
    pub skill: f64,
    /// The clerk who processes this person's orders, shipments and documents.
    pub clerk: Option<EmployeeId>,
    /// First review of this person's expense claims.
    pub approver: EmployeeId,
    /// Reviews this person's contracts.
    pub reviewer: EmployeeId,
    pub script: Option<Script>,
}

/// An order the demo places on a given day, to put one customer over its credit limit.
#[derive(Debug, Clone)]
pub(crate) struct ScriptedOrder {
    pub day: NaiveDate,
    pub employee: EmployeeId,
    pub customer: CustomerId,
    pub amount_yuan: i64,
}

/// Everything the simulation needs beyond [`Org`].
#[derive(Debug, Clone, Default)]
pub(crate) struct Cast {
    /// Parallel to `Org::employees` (index = id − 1).
    pub actors: Vec<Actor>,
    /// Finance staff reviewing and paying out expenses.
    pub finance: Vec<EmployeeId>,
    pub clerks: Vec<EmployeeId>,
    pub service: Vec<EmployeeId>,
    pub orders: Vec<ScriptedOrder>,
    /// Customers under credit watch: they pay late.
    pub watch: HashSet<CustomerId>,
}

// Position ids, in the order `positions()` lists them.
const P_GM: i64 = 1;
const P_DIRECTOR: i64 = 2;
const P_ASSISTANT: i64 = 3;
const P_SALES_MANAGER: i64 = 4;
const P_TEL_LEADER: i64 = 5;
const P_TEL: i64 = 6;
const P_REP_LEADER: i64 = 7;
const P_REP: i64 = 8;
const P_PROP_LEAD: i64 = 9;
const P_CONSULTANT: i64 = 10;
const P_CLERK_LEAD: i64 = 11;
const P_CLERK: i64 = 12;
const P_CS_LEAD: i64 = 13;
const P_CS: i64 = 14;
const P_HR_MANAGER: i64 = 15;
const P_HR: i64 = 16;
const P_FIN_MANAGER: i64 = 17;
const P_ACCOUNTANT: i64 = 18;
const P_CASHIER: i64 = 19;

fn positions() -> Vec<Position> {
    let p = |id, code: &str, name: &str, en: &str, scheme: Option<&str>| Position {
        id,
        code: code.into(),
        name: name.into(),
        name_en: en.into(),
        scheme_code: scheme.map(Into::into),
    };
    vec![
        p(P_GM, "gm", "总经理", "General Manager", None),
        p(
            P_DIRECTOR,
            "sales_director",
            "销售总监",
            "Sales Director",
            Some("sales_manager"),
        ),
        p(
            P_ASSISTANT,
            "assistant",
            "总经理助理",
            "Assistant to the GM",
            None,
        ),
        p(
            P_SALES_MANAGER,
            "sales_manager",
            "销售经理",
            "Sales Manager",
            Some("sales_manager"),
        ),
        p(
            P_TEL_LEADER,
            "telesales_leader",
            "电话销售组长",
            "Telesales Team Leader",
            Some("sales_supervisor"),
        ),
        p(
            P_TEL,
            "telesales",
            "电话销售专员",
            "Telesales Specialist",
            Some("telesales_specialist"),
        ),
        p(
            P_REP_LEADER,
            "sales_rep_leader",
            "业务组长",
            "Sales Team Leader",
            Some("sales_supervisor"),
        ),
        p(
            P_REP,
            "sales_rep",
            "业务员",
            "Sales Representative",
            Some("sales_rep"),
        ),
        p(
            P_PROP_LEAD,
            "property_supervisor",
            "销售主管",
            "Property Sales Supervisor",
            Some("property_consultant"),
        ),
        p(
            P_CONSULTANT,
            "property_consultant",
            "置业顾问",
            "Property Consultant",
            Some("property_consultant"),
        ),
        p(
            P_CLERK_LEAD,
            "clerk_supervisor",
            "内勤主管",
            "Sales Office Supervisor",
            Some("sales_clerk"),
        ),
        p(
            P_CLERK,
            "sales_clerk",
            "销售内勤",
            "Sales Clerk",
            Some("sales_clerk"),
        ),
        p(
            P_CS_LEAD,
            "cs_supervisor",
            "客服主管",
            "Customer Service Supervisor",
            Some("customer_service"),
        ),
        p(
            P_CS,
            "customer_service",
            "客服专员",
            "Customer Service Specialist",
            Some("customer_service"),
        ),
        p(
            P_HR_MANAGER,
            "hr_manager",
            "人力资源经理",
            "HR Manager",
            None,
        ),
        p(P_HR, "hr_specialist", "人力资源专员", "HR Specialist", None),
        p(
            P_FIN_MANAGER,
            "finance_manager",
            "财务经理",
            "Finance Manager",
            None,
        ),
        p(P_ACCOUNTANT, "accountant", "会计", "Accountant", None),
        p(P_CASHIER, "cashier", "出纳", "Cashier", None),
    ]
}

fn kind_of(position: i64) -> (Kind, bool) {
    match position {
        P_GM | P_DIRECTOR => (Kind::Exec, false),
        P_ASSISTANT => (Kind::Assistant, false),
        P_SALES_MANAGER => (Kind::Manager, false),
        P_TEL_LEADER => (Kind::Telesales, true),
        P_TEL => (Kind::Telesales, false),
        P_REP_LEADER => (Kind::FieldRep, true),
        P_REP => (Kind::FieldRep, false),
        P_PROP_LEAD => (Kind::PropertyLead, true),
        P_CONSULTANT => (Kind::Consultant, false),
        P_CLERK_LEAD | P_CLERK => (Kind::Clerk, false),
        P_CS_LEAD | P_CS => (Kind::Service, false),
        P_HR_MANAGER | P_HR => (Kind::Hr, false),
        _ => (Kind::Finance, false),
    }
}

// Ladder level ids.
const L_TRAINEE: i64 = 1;
const L_CONSULTANT: i64 = 2;
const L_SENIOR: i64 = 3;
const L_PRINCIPAL: i64 = 4;

/// The 置业顾问 ladder of SPEC §7. The seeds give the trainee's base salary (1,200 yuan) and the
/// months-without-deal rule; the other salaries and the promotion standards are our defaults.
fn levels() -> Vec<Level> {
    let l =
        |id, code: &str, name: &str, en: &str, salary: i64, months: i32, standard: &str| Level {
            id,
            ladder: "property_consultant".into(),
            code: code.into(),
            name: name.into(),
            name_en: en.into(),
            rank: id as i32,
            base_salary_cents: salary * 100,
            months_without_deal: Some(months),
            promotion_standard: standard.into(),
        };
    vec![
        l(
            L_TRAINEE,
            "trainee",
            "见习置业顾问",
            "Trainee Property Consultant",
            1_200,
            6,
            "入职满3个月且累计签约1套及以上，转为置业顾问",
        ),
        l(
            L_CONSULTANT,
            "consultant",
            "置业顾问",
            "Property Consultant",
            1_800,
            6,
            "连续3个月月均签约金额不低于300万元，晋升高级置业顾问",
        ),
        l(
            L_SENIOR,
            "senior",
            "高级置业顾问",
            "Senior Property Consultant",
            2_500,
            3,
            "连续3个月月均签约金额不低于500万元，晋升资深置业顾问",
        ),
        l(
            L_PRINCIPAL,
            "principal",
            "资深置业顾问",
            "Principal Property Consultant",
            3_500,
            1,
            "最高职级；每月至少签约1单方可保级",
        ),
    ]
}

/// When someone joined (and maybe left).
#[derive(Clone, Copy)]
enum Tenure {
    /// Joined years ago.
    Veteran,
    /// Joined on this day: on probation for 3 months.
    HiredOn(NaiveDate),
    /// A veteran who leaves on this day.
    Leaves(NaiveDate),
    /// Joined on this day and still on probation at the end even when its 3 months are over:
    /// the conversion (转正) waits for HR's or the manager's decision, so the demo has one.
    AwaitingConversion(NaiveDate),
}

/// The end of a generated person's probation: 3 months after hiring.
fn probation_end(hired_on: NaiveDate) -> NaiveDate {
    hired_on
        .checked_add_months(Months::new(3))
        .expect("dates stay small")
}

/// Whether a generated person is still a new hire (a `new_hires` course's audience) on `day`:
/// within their 3 months, whether or not the conversion has been decided yet.
pub(crate) fn new_hire_on(e: &Employee, day: NaiveDate) -> bool {
    day < probation_end(e.hired_on)
}

struct Builder<'a> {
    rng: Rng,
    first: NaiveDate,
    end: NaiveDate,
    cal: &'a Calendar,
    tz: chrono_tz::Tz,
    org: Org,
    cast: Cast,
    names: HashSet<String>,
    unique_names: bool,
}

impl Builder<'_> {
    fn dept(&mut self, code: &str, name: &str, en: &str, kind: &str, parent: Option<i64>) -> i64 {
        let id = self.org.departments.len() as i64 + 1;
        self.org.departments.push(Department {
            id,
            code: code.into(),
            name: name.into(),
            name_en: en.into(),
            kind: kind.into(),
            parent_id: parent,
        });
        id
    }

    fn team(&mut self, dept: i64, code: String, name: String) -> i64 {
        let id = self.org.teams.len() as i64 + 1;
        self.org.teams.push(Team {
            id,
            department_id: dept,
            code,
            name,
            leader_id: None,
        });
        id
    }

    fn name(&mut self, fixed: Option<&str>) -> String {
        if let Some(n) = fixed {
            self.names.insert(n.to_string());
            return n.to_string();
        }
        loop {
            let n = text::person(&mut self.rng);
            // The demo wants every colleague distinguishable; at scale duplicates are realistic.
            if !self.unique_names || self.names.insert(n.clone()) {
                return n;
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn hire(
        &mut self,
        fixed_name: Option<&str>,
        dept: i64,
        team: Option<i64>,
        position: i64,
        level: Option<i64>,
        supervisor: Option<EmployeeId>,
        tenure: Tenure,
        skill: Option<f64>,
    ) -> EmployeeId {
        let id = self.org.employees.len() as i64 + 1;
        let name = self.name(fixed_name);
        let veteran_hire =
            |rng: &mut Rng, first: NaiveDate| first - TimeDelta::days(rng.range(200, 2200));
        let (hired_on, left_on) = match tenure {
            Tenure::Veteran => (veteran_hire(&mut self.rng, self.first), None),
            Tenure::HiredOn(d) | Tenure::AwaitingConversion(d) => (d, None),
            Tenure::Leaves(d) => (veteran_hire(&mut self.rng, self.first), Some(d)),
        };
        let hired_on = next_working(self.cal, hired_on);
        let probation_end = probation_end(hired_on);
        let awaiting = matches!(tenure, Tenure::AwaitingConversion(_));
        let regular_on = (probation_end <= self.end && !awaiting).then_some(probation_end);
        let status = match (left_on, regular_on) {
            (Some(_), _) => EmploymentStatus::Left,
            (None, Some(_)) => EmploymentStatus::Regular,
            (None, None) => EmploymentStatus::Probation,
        };
        let code = format!("HY{:05}", 10_000 + id);
        self.org.employees.push(Employee {
            id,
            code: code.clone(),
            name,
            phone: text::mobile(&mut self.rng),
            email: format!("{}@demo.kaohe.example", code.to_lowercase()),
            department_id: dept,
            team_id: team,
            position_id: position,
            level_id: level,
            supervisor_id: supervisor,
            status,
            hired_on,
            regular_on,
            left_on,
        });
        self.org.assignments.push(Assignment {
            employee_id: id,
            department_id: dept,
            team_id: team,
            position_id: position,
            level_id: level,
            supervisor_id: supervisor,
            valid_from: hired_on,
            valid_to: left_on,
        });
        let (kind, leader) = kind_of(position);
        let skill = skill.unwrap_or_else(|| (0.55 + 0.2 * self.rng.normal()).clamp(0.08, 0.97));
        self.cast.actors.push(Actor {
            kind,
            leader,
            skill,
            clerk: None,
            approver: supervisor.unwrap_or(id),
            reviewer: supervisor.unwrap_or(id),
            script: None,
        });
        if leader && let Some(t) = team {
            self.org.teams[t as usize - 1].leader_id = Some(id);
        }
        id
    }

    /// Ends the person's current assignment on `on` and opens one with `change` applied.
    fn reassign(&mut self, id: EmployeeId, on: NaiveDate, change: impl FnOnce(&mut Assignment)) {
        let idx = self
            .org
            .assignments
            .iter()
            .rposition(|a| a.employee_id == id)
            .expect("hired");
        let mut next = self.org.assignments[idx].clone();
        self.org.assignments[idx].valid_to = Some(on);
        next.valid_from = on;
        change(&mut next);
        let e = &mut self.org.employees[id as usize - 1];
        (
            e.department_id,
            e.team_id,
            e.position_id,
            e.level_id,
            e.supervisor_id,
        ) = (
            next.department_id,
            next.team_id,
            next.position_id,
            next.level_id,
            next.supervisor_id,
        );
        self.org.assignments.push(next);
    }

    fn date_at(&self, fraction: f64) -> NaiveDate {
        let span = (self.end - self.first).num_days() as f64;
        next_working(
            self.cal,
            self.first + TimeDelta::days((span * fraction) as i64),
        )
    }
}

/// `d` if people work that day, else the next working day.
pub(crate) fn next_working(cal: &Calendar, d: NaiveDate) -> NaiveDate {
    if cal.is_working_day(d) {
        d
    } else {
        cal.add_working_days(d, 1)
    }
}

/// Builds the organisation, the pre-existing customers and credit, courses, budgets, logins.
pub(crate) fn build(
    cfg: &GenConfig,
    first: NaiveDate,
    cal: &Calendar,
    holidays: Vec<(NaiveDate, DayKind, String)>,
) -> (Org, Cast) {
    let mut b = Builder {
        rng: Rng::new(cfg.seed, 0),
        first,
        end: cfg.end,
        cal,
        tz: cfg.tz,
        org: Org {
            departments: vec![],
            teams: vec![],
            positions: positions(),
            levels: levels(),
            employees: vec![],
            assignments: vec![],
            holidays,
            accounts: vec![],
            budgets: vec![],
            customers: vec![],
            credit: vec![],
            courses: vec![],
            training_needs: vec![],
            past_sessions: vec![],
        },
        cast: Cast::default(),
        names: HashSet::new(),
        unique_names: cfg.staff.is_none(),
    };
    match cfg.staff {
        None => demo_people(&mut b),
        Some(n) => synthetic_people(&mut b, n.max(1)),
    }
    wire(&mut b);
    customers(&mut b, cfg.staff.is_none());
    credit(&mut b, cfg.staff.is_none());
    courses(&mut b);
    training_needs(&mut b);
    past_training(&mut b, cfg.seed);
    budgets(&mut b);
    accounts(&mut b);
    (b.org, b.cast)
}

/// The demo company, about 80 people (SPEC §2 and the brief's story).
fn demo_people(b: &mut Builder) {
    use Tenure::*;
    let hq = b.dept("HQ", "销售部", "Sales Headquarters", "management", None);
    let gm = b.hire(
        Some("周建国"),
        hq,
        None,
        P_GM,
        None,
        None,
        Veteran,
        Some(0.75),
    );
    let dir = b.hire(
        Some("陈志强"),
        hq,
        None,
        P_DIRECTOR,
        None,
        Some(gm),
        Veteran,
        Some(0.8),
    );
    b.hire(None, hq, None, P_ASSISTANT, None, Some(gm), Veteran, None);

    // Telesales: 3 teams of a leader and 7 specialists.
    let tel = b.dept("TEL", "电话销售部", "Telesales", "telesales", Some(hq));
    let tel_mgr = b.hire(
        Some("刘洋"),
        tel,
        None,
        P_SALES_MANAGER,
        None,
        Some(dir),
        Veteran,
        Some(0.75),
    );
    let leave1 = b.date_at(0.4);
    let replace1 = b.date_at(0.47);
    let late_hire = next_working(b.cal, b.end - TimeDelta::days(30));
    let converted = b.first - TimeDelta::days(50);
    for (t, tname) in ["电话一组", "电话二组", "电话三组"].into_iter().enumerate() {
        let team = b.team(tel, format!("TEL-{}", t + 1), tname.into());
        let lead = b.hire(
            None,
            tel,
            Some(team),
            P_TEL_LEADER,
            None,
            Some(tel_mgr),
            Veteran,
            Some(0.7),
        );
        for m in 0..7 {
            let (name, skill, tenure) = match (t, m) {
                (0, 0) => (Some("王伟"), Some(0.8), Veteran),
                (0, 2) => (None, Some(0.93), Veteran),
                (0, 6) => (None, None, HiredOn(converted)),
                (1, 5) => (None, Some(0.15), Veteran),
                (2, 6) => (None, Some(0.3), Leaves(leave1)),
                _ => (None, None, Veteran),
            };
            b.hire(
                name,
                tel,
                Some(team),
                P_TEL,
                None,
                Some(lead),
                tenure,
                skill,
            );
        }
        match t {
            1 => b.hire(
                None,
                tel,
                Some(team),
                P_TEL,
                None,
                Some(lead),
                HiredOn(late_hire),
                Some(0.45),
            ),
            2 => b.hire(
                None,
                tel,
                Some(team),
                P_TEL,
                None,
                Some(lead),
                AwaitingConversion(replace1),
                Some(0.55),
            ),
            _ => 0,
        };
    }

    // Field sales: 3 groups (小组) of a leader and 5 业务员, plus the property team.
    let dir_dept = b.dept("DIR", "直销部", "Direct Sales", "direct", Some(hq));
    let dir_mgr = b.hire(
        None,
        dir_dept,
        None,
        P_SALES_MANAGER,
        None,
        Some(dir),
        Veteran,
        Some(0.7),
    );
    let leave2 = b.date_at(0.7);
    let mut field_teams = vec![];
    let mut mover = 0;
    for (t, tname) in ["直销一组", "直销二组", "直销三组"].into_iter().enumerate() {
        let team = b.team(dir_dept, format!("DIR-{}", t + 1), tname.into());
        let lead = b.hire(
            None,
            dir_dept,
            Some(team),
            P_REP_LEADER,
            None,
            Some(dir_mgr),
            Veteran,
            Some(0.72),
        );
        field_teams.push((team, lead));
        for m in 0..5 {
            let (skill, tenure) = match (t, m) {
                (0, 1) => (Some(0.9), Veteran),
                (2, 2) => (Some(0.2), Veteran),
                (2, 4) => (None, Leaves(leave2)),
                _ => (None, Veteran),
            };
            let e = b.hire(
                None,
                dir_dept,
                Some(team),
                P_REP,
                None,
                Some(lead),
                tenure,
                skill,
            );
            if (t, m) == (0, 4) {
                mover = e;
            }
        }
    }
    // One rep moves from 直销一组 to 直销二组 in the middle of last month.
    let last_month = Period::month_of(b.end).prev();
    let move_on = next_working(b.cal, last_month.start() + TimeDelta::days(14))
        .max(b.date_at(0.5).min(b.end));
    let move_on = if last_month.start() >= b.first {
        next_working(b.cal, last_month.start() + TimeDelta::days(14))
    } else {
        move_on
    };
    let (t2, l2) = field_teams[1];
    b.reassign(mover, move_on, |a| {
        a.team_id = Some(t2);
        a.supervisor_id = Some(l2);
    });

    let prop = b.team(dir_dept, "DIR-P".into(), "置业顾问组".into());
    let prop_lead = b.hire(
        None,
        dir_dept,
        Some(prop),
        P_PROP_LEAD,
        None,
        Some(dir_mgr),
        Veteran,
        Some(0.75),
    );
    let trainee_new = next_working(b.cal, b.end - TimeDelta::days(55));
    let trainee_converted = b.first - TimeDelta::days(60);
    let roster: [(i64, Option<Script>, Tenure, f64); 10] = [
        (L_PRINCIPAL, Some(Script::Star), Veteran, 0.95),
        (L_PRINCIPAL, Some(Script::Drought(1)), Veteran, 0.6),
        (L_SENIOR, Some(Script::Drought(3)), Veteran, 0.45),
        (L_SENIOR, None, Veteran, 0.7),
        (L_CONSULTANT, None, Veteran, 0.8),
        (L_CONSULTANT, None, Veteran, 0.55),
        (L_CONSULTANT, None, Veteran, 0.5),
        (
            L_TRAINEE,
            Some(Script::NoDeals),
            HiredOn(b.first - TimeDelta::days(240)),
            0.2,
        ),
        (L_TRAINEE, None, HiredOn(trainee_new), 0.5),
        (L_TRAINEE, None, HiredOn(trainee_converted), 0.6),
    ];
    for (i, (level, script, tenure, skill)) in roster.into_iter().enumerate() {
        let e = b.hire(
            None,
            dir_dept,
            Some(prop),
            P_CONSULTANT,
            Some(level),
            Some(prop_lead),
            tenure,
            Some(skill),
        );
        b.cast.actors[e as usize - 1].script = script;
        // A good 置业顾问 is promoted to 高级置业顾问 at the start of the third month.
        if i == 4
            && let Some(m3) = month_start(b.first, 2).filter(|d| *d <= b.end)
        {
            b.reassign(e, m3, |a| a.level_id = Some(L_SENIOR));
        }
    }

    let off = b.dept("OFF", "销售内勤部", "Sales Office", "office", Some(hq));
    let off_lead = b.hire(
        None,
        off,
        None,
        P_CLERK_LEAD,
        None,
        Some(dir),
        Veteran,
        Some(0.8),
    );
    for i in 0..5 {
        b.hire(
            None,
            off,
            None,
            P_CLERK,
            None,
            Some(off_lead),
            Veteran,
            (i == 3).then_some(0.3),
        );
    }
    let cs = b.dept("CS", "客服部", "Customer Service", "after_sales", None);
    let cs_lead = b.hire(
        None,
        cs,
        None,
        P_CS_LEAD,
        None,
        Some(gm),
        Veteran,
        Some(0.75),
    );
    for _ in 0..5 {
        b.hire(None, cs, None, P_CS, None, Some(cs_lead), Veteran, None);
    }
    let hr = b.dept("HR", "人力资源部", "Human Resources", "hr", None);
    let hr_mgr = b.hire(
        Some("孙丽"),
        hr,
        None,
        P_HR_MANAGER,
        None,
        Some(gm),
        Veteran,
        Some(0.8),
    );
    for _ in 0..2 {
        b.hire(None, hr, None, P_HR, None, Some(hr_mgr), Veteran, None);
    }
    let fin = b.dept("FIN", "财务部", "Finance", "finance", None);
    let fin_mgr = b.hire(
        Some("赵敏"),
        fin,
        None,
        P_FIN_MANAGER,
        None,
        Some(gm),
        Veteran,
        Some(0.8),
    );
    b.hire(
        None,
        fin,
        None,
        P_ACCOUNTANT,
        None,
        Some(fin_mgr),
        Veteran,
        None,
    );
    b.hire(
        None,
        fin,
        None,
        P_ACCOUNTANT,
        None,
        Some(fin_mgr),
        Veteran,
        None,
    );
    b.hire(
        None,
        fin,
        None,
        P_CASHIER,
        None,
        Some(fin_mgr),
        Veteran,
        None,
    );
}

/// The first day of the `k`-th month of the range (0 = the first month).
fn month_start(first: NaiveDate, k: u32) -> Option<NaiveDate> {
    first.checked_add_months(Months::new(k))
}

/// `n` people, no story: mostly telesales and field reps in teams of 8 (a leader and 7).
fn synthetic_people(b: &mut Builder, n: u32) {
    let n = n as usize;
    let hq = b.dept("HQ", "销售部", "Sales Headquarters", "management", None);
    let gm = b.hire(None, hq, None, P_GM, None, None, Tenure::Veteran, None);
    let top = if n >= 2 {
        b.hire(
            None,
            hq,
            None,
            P_DIRECTOR,
            None,
            Some(gm),
            Tenure::Veteran,
            None,
        )
    } else {
        gm
    };
    let mut left = n.saturating_sub(2);
    let mut take = |want: usize| {
        let t = want.min(left);
        left -= t;
        t
    };
    let hr_n = take(if n >= 12 { (n / 150).max(1) } else { 0 });
    let fin_n = take(if n >= 12 { (n / 150).max(1) } else { 0 });
    let clerk_n = take(if n >= 8 { (n * 3 / 100).max(1) } else { 0 });
    let cs_n = take(if n >= 10 { (n * 2 / 100).max(1) } else { 0 });
    let sales = take(usize::MAX);
    let prop_n = if sales >= 40 { sales * 3 / 92 } else { 0 };
    let field_n = if sales >= 10 { sales * 14 / 92 } else { 0 };
    let tel_n = sales - prop_n - field_n;

    // Some recent hires on probation and a few leavers, as in any real company.
    let span = (b.end - b.first).num_days().max(1);
    let tenure = |b: &mut Builder| {
        let r = b.rng.f64();
        if r < 0.03 {
            let d = b.end - TimeDelta::days(b.rng.range(0, 85));
            Tenure::HiredOn(d)
        } else if r < 0.04 {
            Tenure::Leaves(next_working(
                b.cal,
                b.first + TimeDelta::days(b.rng.range(1, span)),
            ))
        } else {
            Tenure::Veteran
        }
    };

    let support = |b: &mut Builder,
                   count: usize,
                   code: &str,
                   name: &str,
                   en: &str,
                   kind: &str,
                   head: i64,
                   staff: &[i64]| {
        if count == 0 {
            return;
        }
        let d = b.dept(code, name, en, kind, None);
        let h = b.hire(None, d, None, head, None, Some(gm), Tenure::Veteran, None);
        for i in 1..count {
            let t = tenure(b);
            b.hire(
                None,
                d,
                None,
                staff[i % staff.len()],
                None,
                Some(h),
                t,
                None,
            );
        }
    };
    support(
        b,
        hr_n,
        "HR",
        "人力资源部",
        "Human Resources",
        "hr",
        P_HR_MANAGER,
        &[P_HR],
    );
    support(
        b,
        fin_n,
        "FIN",
        "财务部",
        "Finance",
        "finance",
        P_FIN_MANAGER,
        &[P_ACCOUNTANT, P_CASHIER],
    );
    support(
        b,
        clerk_n,
        "OFF",
        "销售内勤部",
        "Sales Office",
        "office",
        P_CLERK_LEAD,
        &[P_CLERK],
    );
    support(
        b,
        cs_n,
        "CS",
        "客服部",
        "Customer Service",
        "after_sales",
        P_CS_LEAD,
        &[P_CS],
    );

    // Sales departments of at most 30 teams each.
    const PER_DEPT: usize = 1 + 30 * 8;
    let units: [(usize, &str, &str, &str, &str, i64, i64); 3] = [
        (
            tel_n,
            "TEL",
            "电话销售",
            "Telesales",
            "telesales",
            P_TEL_LEADER,
            P_TEL,
        ),
        (
            field_n,
            "DIR",
            "直销",
            "Direct Sales",
            "direct",
            P_REP_LEADER,
            P_REP,
        ),
        (
            prop_n,
            "PRO",
            "置业",
            "Property Sales",
            "direct",
            P_PROP_LEAD,
            P_CONSULTANT,
        ),
    ];
    for (count, code, name, en, kind, lead_pos, member_pos) in units {
        let mut remaining = count;
        let mut dno = 0;
        while remaining > 0 {
            dno += 1;
            let here = remaining.min(PER_DEPT);
            remaining -= here;
            let d = b.dept(
                &format!("{code}{dno:02}"),
                &format!("{name}{}部", cn_number(dno)),
                &format!("{en} {dno}"),
                kind,
                Some(hq),
            );
            let mgr = b.hire(
                None,
                d,
                None,
                P_SALES_MANAGER,
                None,
                Some(top),
                Tenure::Veteran,
                None,
            );
            let mut members = here - 1;
            let mut tno = 0;
            while members > 0 {
                tno += 1;
                let size = members.min(8);
                members -= size;
                let team = b.team(
                    d,
                    format!("{code}{dno:02}-{tno:02}"),
                    format!("{name}{}部{tno}组", cn_number(dno)),
                );
                let lead = b.hire(
                    None,
                    d,
                    Some(team),
                    lead_pos,
                    None,
                    Some(mgr),
                    Tenure::Veteran,
                    None,
                );
                for _ in 1..size {
                    let level = (member_pos == P_CONSULTANT).then(|| 1 + b.rng.below(4) as i64);
                    let t = tenure(b);
                    b.hire(None, d, Some(team), member_pos, level, Some(lead), t, None);
                }
            }
        }
    }
}

fn cn_number(n: usize) -> String {
    const D: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        0..=9 => D[n].into(),
        10 => "十".into(),
        11..=19 => format!("十{}", D[n % 10]),
        20..=99 => format!(
            "{}十{}",
            D[n / 10],
            if n.is_multiple_of(10) { "" } else { D[n % 10] }
        ),
        _ => n.to_string(),
    }
}

/// Fills in who approves, reviews and processes whose work.
fn wire(b: &mut Builder) {
    let emps = &b.org.employees;
    let mut heads: BTreeMap<i64, EmployeeId> = BTreeMap::new();
    for e in emps {
        // The first person hired into a department with no supervisor there heads it.
        let sup_in_dept = e
            .supervisor_id
            .is_some_and(|s| emps[s as usize - 1].department_id == e.department_id);
        if !sup_in_dept {
            heads.entry(e.department_id).or_insert(e.id);
        }
    }
    let of_kind = |k: Kind| -> Vec<EmployeeId> {
        emps.iter()
            .filter(|e| b.cast.actors[e.id as usize - 1].kind == k)
            .map(|e| e.id)
            .collect()
    };
    let clerks = of_kind(Kind::Clerk);
    let finance = of_kind(Kind::Finance);
    let service = of_kind(Kind::Service);
    for e in emps {
        let a = &mut b.cast.actors[e.id as usize - 1];
        let head = heads[&e.department_id];
        a.approver = if head == e.id {
            e.supervisor_id.unwrap_or(e.id)
        } else {
            head
        };
        a.reviewer = a.approver;
        if a.kind == Kind::Consultant {
            // The property supervisor reviews consultants' contracts first.
            a.reviewer = e.supervisor_id.unwrap_or(head);
        }
        if !clerks.is_empty() {
            let slot = e.team_id.unwrap_or(e.department_id) as usize;
            a.clerk = Some(clerks[slot % clerks.len()]);
        }
    }
    b.cast.clerks = clerks;
    b.cast.finance = finance;
    b.cast.service = service;
}

/// A customer archive created at `created_at`, in its state as of `horizon` (the end of `end`).
#[allow(clippy::too_many_arguments)]
pub(crate) fn customer(
    rng: &mut Rng,
    id: CustomerId,
    owner: EmployeeId,
    created_at: DateTime<Utc>,
    created_year: i32,
    individual: bool,
    source: &str,
    class: Option<&str>,
    horizon: DateTime<Utc>,
) -> Customer {
    let class = class.unwrap_or_else(|| {
        let r = rng.f64();
        if individual {
            if r < 0.5 { "general" } else { "potential" }
        } else if r < 0.1 {
            "key"
        } else if r < 0.55 {
            "general"
        } else {
            "potential"
        }
    });
    let (name, company, contact, industry) = if individual {
        let n = text::person(rng);
        (n.clone(), String::new(), n, "个人购房")
    } else {
        let (short, full, ind) = text::company(rng);
        (short, full, text::person(rng), ind)
    };
    let complete = !rng.chance(0.035);
    let address = if complete || rng.chance(0.5) {
        text::address(rng)
    } else {
        String::new()
    };
    let needs = if individual {
        "改善型住房".to_string()
    } else {
        text::needs(rng).to_string()
    };
    // Archives are refreshed monthly; `update_due_at` is the latest refresh deadline reached.
    let month = TimeDelta::days(30);
    let (updated_at, update_due_at) = if created_at + month > horizon {
        (created_at, created_at + month)
    } else {
        let cycles = ((horizon - created_at).num_seconds() / month.num_seconds()) as i32;
        let due = created_at + month * cycles;
        let updated = if rng.chance(0.93) {
            (due - TimeDelta::seconds(rng.range(0, 9 * 86_400))).max(created_at)
        } else {
            (due + TimeDelta::seconds(rng.range(86_400, 10 * 86_400)))
                .min(horizon - TimeDelta::seconds(3600))
        };
        (updated.max(created_at), due)
    };
    let verified = created_at + TimeDelta::seconds(rng.range(2 * 3600, 3 * 86_400));
    let verified_at = (verified < horizon && !rng.chance(0.03)).then_some(verified);
    Customer {
        handled_by: None,
        id,
        archive_no: format!("KH-{created_year}-{id:06}"),
        name,
        company,
        contact,
        phone: text::mobile(rng),
        address,
        industry: industry.into(),
        needs,
        source: source.into(),
        class: class.into(),
        owner_id: owner,
        valid: !rng.chance(0.025),
        special_archive: class == "key" && !rng.chance(0.05),
        complete,
        created_at,
        updated_at,
        update_due_at: Some(update_due_at),
        verified_at,
    }
}

/// The customer base before the first day: each seller's book, built up over two years.
fn customers(b: &mut Builder, demo: bool) {
    let horizon = clock::day_start_utc(b.tz, b.end + TimeDelta::days(1));
    for i in 0..b.org.employees.len() {
        let e = &b.org.employees[i];
        let (owner, hired) = (e.id, e.hired_on);
        let kind = b.cast.actors[i].kind;
        let count = match (demo, kind) {
            (true, Kind::Telesales) => 60,
            (true, Kind::FieldRep) => 50,
            (true, Kind::Consultant) => 20,
            (false, k) if k.sells() && k != Kind::PropertyLead => 8,
            _ => 0,
        };
        // People hired during the range start with an empty book.
        if hired >= b.first {
            continue;
        }
        let oldest = (b.first - hired).num_days().clamp(1, 730);
        for _ in 0..count {
            let day = b.first - TimeDelta::days(b.rng.range(1, oldest));
            let at = clock::at(b.tz, day, b.rng.range(hm(9, 0), hm(18, 0)));
            let id = b.org.customers.len() as i64 + 1;
            let individual = kind == Kind::Consultant;
            let src = if kind == Kind::Telesales {
                text::SOURCES_PHONE
            } else {
                text::SOURCES_VISIT
            };
            let src = if individual {
                "到访登记"
            } else {
                b.rng.pick(src)
            };
            let mut c = customer(
                &mut b.rng,
                id,
                owner,
                at,
                day.year(),
                individual,
                src,
                None,
                horizon,
            );
            // The seller's sales clerk keeps the archive (SPEC §5a: who did the work).
            c.handled_by = b.cast.actors[i].clerk.filter(|k| *k != owner);
            b.org.customers.push(c);
        }
    }
}

/// Credit assessments of key customers and some general ones; in the demo one customer is
/// driven over its limit (a scripted order) and one is under watch.
fn credit(b: &mut Builder, demo: bool) {
    let assessor = b.cast.finance.first().copied().unwrap_or(1);
    for i in 0..b.org.customers.len() {
        let c = &b.org.customers[i];
        let key = c.class == "key";
        if !(key || (c.class == "general" && b.rng.chance(0.25))) || !c.valid {
            continue;
        }
        let customer_id = c.id;
        let r = b.rng.f64();
        let rating = if r < 0.4 {
            "A"
        } else if r < 0.8 {
            "B"
        } else if r < 0.95 {
            "C"
        } else {
            "D"
        };
        let limit_yuan = if key {
            b.rng.range(300, 2000) * 1000
        } else {
            b.rng.range(50, 300) * 1000
        };
        let assessed_on = b.first - TimeDelta::days(b.rng.range(10, 300));
        // Only the worst-rated are watched: the demo's watch list should stay short.
        let watch = rating == "D";
        b.org.credit.push(CreditAssessment {
            id: b.org.credit.len() as i64 + 1,
            customer_id,
            rating: rating.into(),
            limit_cents: limit_yuan * 100,
            assessed_on,
            review_on: assessed_on + TimeDelta::days(365),
            assessor_id: assessor,
            watch,
        });
        if watch {
            b.cast.watch.insert(customer_id);
        }
    }
    if !demo {
        return;
    }
    // The script: a key customer of a strong field rep gets a small limit and then a big
    // order in the second month; another key customer is put under watch and pays late.
    let field_rep = |b: &Builder, skip: usize| {
        b.org
            .employees
            .iter()
            .filter(|e| {
                b.cast.actors[e.id as usize - 1].kind == Kind::FieldRep && e.left_on.is_none()
            })
            .nth(skip)
            .map(|e| e.id)
    };
    let key_customer_of = |b: &Builder, owner: EmployeeId| {
        b.org
            .credit
            .iter()
            .position(|a| b.org.customers[a.customer_id as usize - 1].owner_id == owner)
    };
    if let Some(rep) = field_rep(b, 2)
        && let Some(ci) = key_customer_of(b, rep)
    {
        let a = &mut b.org.credit[ci];
        (a.rating, a.limit_cents, a.watch) = ("B".into(), Cents::yuan(80_000).0, false);
        let customer = a.customer_id;
        b.cast.watch.remove(&customer);
        let day = month_start(b.first, 1).map(|d| next_working(b.cal, d + TimeDelta::days(9)));
        if let Some(day) = day.filter(|d| *d <= b.end) {
            b.cast.orders.push(ScriptedOrder {
                day,
                employee: rep,
                customer,
                amount_yuan: 150_000,
            });
        }
    }
    if let Some(rep) = field_rep(b, 6)
        && let Some(ci) = key_customer_of(b, rep)
    {
        let a = &mut b.org.credit[ci];
        (a.rating, a.watch) = ("C".into(), true);
        b.cast.watch.insert(a.customer_id);
    }
}

/// Annual training plans for every year the range touches: one course a month.
fn courses(b: &mut Builder) {
    const PLAN: [(&str, &str, &str, &str); 12] = [
        (
            "年度销售目标分解与计划",
            "解读年度销售政策，分解个人与小组目标",
            "internal",
            "all_sales",
        ),
        (
            "电话销售技巧与话术",
            "开场白、需求挖掘、异议处理与促成",
            "internal",
            "telesales",
        ),
        (
            "陌生拜访与客户开发",
            "拜访准备、约见技巧与客户筛选",
            "external",
            "field",
        ),
        (
            "新产品知识培训",
            "智能门锁、净水、新风新品功能与卖点",
            "internal",
            "all_sales",
        ),
        (
            "客户关系管理与回访",
            "客户分级、回访节奏与档案维护",
            "online",
            "all_sales",
        ),
        (
            "合同与回款风险管理",
            "合同条款审核要点、信用额度与逾期催收",
            "internal",
            "all_sales",
        ),
        (
            "房地产销售案场实务",
            "案场接待流程、样板间讲解与逼定技巧",
            "internal",
            "property",
        ),
        (
            "商务礼仪与沟通",
            "商务着装、电话礼仪与跨部门沟通",
            "external",
            "all",
        ),
        (
            "销售数据统计与分析报表",
            "日报统计口径、周分析报告写作",
            "online",
            "clerk",
        ),
        (
            "投诉处理与客户满意",
            "投诉受理、升级与回访闭环",
            "internal",
            "service",
        ),
        (
            "谈判技巧与价格保持",
            "让步策略、守价与价值销售",
            "external",
            "all_sales",
        ),
        (
            "新员工入职培训",
            "公司制度、产品与系统操作",
            "internal",
            "new_hires",
        ),
    ];
    let trainers = ["销售总监", "培训讲师（外聘）", "在线学习平台", "人力资源部"];
    for year in b.first.year()..=b.end.year() {
        for (m, (title, content, method, audience)) in PLAN.iter().enumerate() {
            // Second Thursday of the month, moved to a working day.
            let d1 = NaiveDate::from_ymd_opt(year, m as u32 + 1, 1).expect("a real month");
            let to_thu = (3 + 7 - d1.weekday().num_days_from_monday() as i64) % 7;
            let planned_on = next_working(b.cal, d1 + TimeDelta::days(to_thu + 7));
            let trainer = match *method {
                "external" => trainers[1],
                "online" => trainers[2],
                _ if *audience == "new_hires" => trainers[3],
                _ => trainers[0],
            };
            // The product course's exam pre-fills the rated product knowledge (产品知识); the
            // field course is assessed on a practical visit and concerns business expansion.
            let (indicator_code, assessment) = match *title {
                "新产品知识培训" => ("product_knowledge", "exam"),
                "陌生拜访与客户开发" => ("business_expansion", "practical"),
                "房地产销售案场实务" | "电话销售技巧与话术" => ("", "practical"),
                _ => ("", "exam"),
            };
            b.org.courses.push(TrainingCourse {
                id: b.org.courses.len() as i64 + 1,
                year,
                title: (*title).into(),
                content: (*content).into(),
                method: (*method).into(),
                trainer: trainer.into(),
                audience: (*audience).into(),
                planned_on,
                pass_mark: 60.0,
                indicator_code: indicator_code.into(),
                assessment: assessment.into(),
            });
        }
    }
}

/// The training-needs survey (培训需求调查) before the first day: the weaker sellers ask for
/// product knowledge or selling skills themselves, their managers name it for some others.
/// Chosen from skill and id rather than the random stream, so the rest of the company stays
/// as it was.
fn training_needs(b: &mut Builder) {
    const TOPICS: [(&str, &str); 4] = [
        ("staff", "新产品功能与卖点"),
        ("manager", "产品知识：新品参数与竞品对比"),
        ("staff", "电话异议处理话术"),
        ("manager", "大客户谈判与守价"),
    ];
    let asked_on = b.first - TimeDelta::days(20);
    for e in &b.org.employees {
        let a = &b.cast.actors[e.id as usize - 1];
        if !a.kind.sells() || e.left_on.is_some_and(|l| l < b.first) || a.skill > 0.55 {
            continue;
        }
        let (source, topic) = TOPICS[e.id as usize % TOPICS.len()];
        b.org.training_needs.push(TrainingNeed {
            id: b.org.training_needs.len() as i64 + 1,
            employee_id: e.id,
            source: source.into(),
            topic: topic.into(),
            created_at: clock::at(b.tz, asked_on, hm(10, 0) + 60 * (e.id % 50)),
        });
    }
}

/// The sessions of this year's plan held before the first generated day, so that the demo
/// shows a whole year's plan against what was done. From a stream of their own, so the rest
/// of the company stays as it was.
fn past_training(b: &mut Builder, seed: u64) {
    let mut rng = Rng::new(seed, 9);
    let year_start = NaiveDate::from_ymd_opt(b.first.year(), 1, 1).unwrap_or(b.first);
    for course in b
        .org
        .courses
        .iter()
        .filter(|c| c.planned_on >= year_start && c.planned_on < b.first)
    {
        let day = course.planned_on;
        let mut results = Vec::new();
        for e in &b.org.employees {
            let employed = e.hired_on <= day && e.left_on.is_none_or(|l| l > day);
            let a = &b.cast.actors[e.id as usize - 1];
            let audience = match course.audience.as_str() {
                "all_sales" => a.kind.sells(),
                "telesales" => a.kind == Kind::Telesales,
                "field" => a.kind == Kind::FieldRep,
                "property" => matches!(a.kind, Kind::Consultant | Kind::PropertyLead),
                "clerk" => a.kind == Kind::Clerk,
                "service" => a.kind == Kind::Service,
                "new_hires" => new_hire_on(e, day),
                _ => true,
            };
            if !employed || !audience {
                continue;
            }
            let attended = !rng.chance(0.07);
            let score = attended.then(|| {
                let s = 50.0 + 45.0 * a.skill + 8.0 * rng.normal();
                (s.clamp(30.0, 100.0) * 2.0).round() / 2.0
            });
            results.push((e.id, attended, score));
        }
        if !results.is_empty() {
            let id = b.org.past_sessions.len() as i64 + 1;
            b.org.past_sessions.push(TrainingSession {
                id,
                course_id: course.id,
                held_on: day,
                results,
            });
        }
    }
}

/// How often a kind of person claims an expense: (category, claims per working day, yuan low, high).
pub(crate) fn expense_rates(kind: Kind) -> &'static [(&'static str, f64, i64, i64)] {
    match kind {
        Kind::FieldRep => &[
            ("travel", 0.3, 40, 600),
            ("entertainment", 0.06, 200, 2_500),
        ],
        Kind::Consultant => &[
            ("promotion", 0.04, 200, 2_000),
            ("entertainment", 0.04, 200, 1_500),
        ],
        Kind::Manager => &[
            ("advertising", 0.04, 3_000, 40_000),
            ("pr", 0.04, 1_000, 15_000),
            ("commission", 0.04, 2_000, 30_000),
            ("promotion", 0.05, 1_000, 10_000),
            ("entertainment", 0.08, 500, 5_000),
        ],
        Kind::Exec => &[
            ("pr", 0.05, 2_000, 20_000),
            ("entertainment", 0.08, 500, 6_000),
        ],
        Kind::Service => &[("after_sales", 0.12, 100, 3_000)],
        Kind::Hr => &[("training", 0.04, 2_000, 20_000)],
        Kind::PropertyLead => &[("promotion", 0.08, 500, 8_000)],
        _ => &[],
    }
}

/// Claims made once a month on the first working day: (category, yuan low, high).
pub(crate) fn monthly_expenses(kind: Kind) -> &'static [(&'static str, i64, i64)] {
    match kind {
        Kind::Telesales | Kind::Service | Kind::Clerk => &[("communication", 80, 300)],
        Kind::FieldRep | Kind::Consultant => &[("communication", 150, 500)],
        _ => &[],
    }
}

/// Budgets per department, month and category: the expected spend times a factor between
/// 0.85 and 1.5, so that most hold and a few run over (SPEC §3: over-budget flagged).
fn budgets(b: &mut Builder) {
    let mut month = Period::month_of(b.first);
    while month.start() <= b.end {
        let working =
            b.cal
                .working_days_between(month.start(), month.end_exclusive()) as f64;
        let mut expected: BTreeMap<(i64, &str), f64> = BTreeMap::new();
        for (e, a) in b.org.employees.iter().zip(&b.cast.actors) {
            let active = e.hired_on <= month.end() && e.left_on.is_none_or(|l| l > month.start());
            if !active {
                continue;
            }
            for (cat, rate, lo, hi) in expense_rates(a.kind) {
                *expected.entry((e.department_id, cat)).or_default() +=
                    rate * working * (lo + hi) as f64 / 2.0;
            }
            for (cat, lo, hi) in monthly_expenses(a.kind) {
                *expected.entry((e.department_id, cat)).or_default() += (lo + hi) as f64 / 2.0;
            }
        }
        for ((dept, cat), yuan) in expected {
            let factor = 0.85 + 0.65 * b.rng.f64();
            let rounded = ((yuan * factor / 1000.0).ceil() as i64).max(1) * 1000;
            b.org.budgets.push(Budget {
                department_id: dept,
                period: month.to_string(),
                category: cat.into(),
                amount_cents: rounded * 100,
            });
        }
        month = month.next();
    }
}

/// One login per role, linked to a fitting person; password `kaohe-demo`.
fn accounts(b: &mut Builder) {
    let emps = &b.org.employees;
    let actors = &b.cast.actors;
    let find = |pred: &dyn Fn(&Employee, &Actor) -> bool| {
        emps.iter()
            .zip(actors)
            .find(|(e, a)| e.status != EmploymentStatus::Left && pred(e, a))
            .map(|(e, _)| e.id)
    };
    let rep = find(&|_, a| a.kind == Kind::Telesales && !a.leader)
        .or_else(|| find(&|_, a| a.kind.sells() && !a.leader));
    let leader = rep
        .and_then(|r| emps[r as usize - 1].supervisor_id)
        .filter(|s| actors[*s as usize - 1].leader)
        .or_else(|| find(&|_, a| a.leader));
    let manager = leader
        .and_then(|l| emps[l as usize - 1].supervisor_id)
        .or_else(|| find(&|_, a| a.kind == Kind::Manager));
    let pos = |id: i64| emps[id as usize - 1].position_id;
    let head = |k: Kind| {
        find(&|e, a| {
            a.kind == k
                && e.supervisor_id
                    .is_none_or(|s| actors[s as usize - 1].kind != k)
        })
    };
    let list: [(&str, Role, Option<EmployeeId>); 9] = [
        ("rep", Role::Rep, rep),
        (
            "clerk",
            Role::Clerk,
            find(&|e, a| a.kind == Kind::Clerk && pos(e.id) == P_CLERK).or(head(Kind::Clerk)),
        ),
        (
            "service",
            Role::CustomerService,
            find(&|e, a| a.kind == Kind::Service && pos(e.id) == P_CS).or(head(Kind::Service)),
        ),
        ("leader", Role::TeamLeader, leader),
        ("manager", Role::Manager, manager),
        ("hr", Role::Hr, head(Kind::Hr)),
        ("finance", Role::Finance, head(Kind::Finance)),
        ("committee", Role::Committee, Some(1)),
        ("admin", Role::Admin, None),
    ];
    for (username, role, employee_id) in list {
        let display = match employee_id {
            Some(id) => {
                let e = &emps[id as usize - 1];
                let p = &b.org.positions[e.position_id as usize - 1];
                format!("{} ({})", e.name, p.name)
            }
            None if role == Role::Admin => "系统管理员".to_string(),
            None => format!("{} (未关联员工)", role.name_zh()),
        };
        b.org.accounts.push(DemoAccount {
            username: username.into(),
            password: "kaohe-demo".into(),
            role,
            employee_id,
            display,
        });
    }
}
