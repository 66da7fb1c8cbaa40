//! Roles (SPEC §1) and the data scopes they grant: own < team < department < all.

use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// A user's role in kaohe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 销售代表 / 业务员 / 电话销售专员 / 置业顾问
    Rep,
    /// 销售内勤
    Clerk,
    /// 客服人员
    CustomerService,
    /// 组长
    TeamLeader,
    /// 销售主管 / 经理 / 总监
    Manager,
    /// 人力资源部
    Hr,
    /// 财务部
    Finance,
    /// 考核领导小组
    Committee,
    /// System administrator (deploys and configures kaohe).
    Admin,
}

/// Every role, in the order they are listed to people.
pub const ALL_ROLES: [Role; 9] = [
    Role::Rep,
    Role::Clerk,
    Role::CustomerService,
    Role::TeamLeader,
    Role::Manager,
    Role::Hr,
    Role::Finance,
    Role::Committee,
    Role::Admin,
];

/// How far a user's reads and writes reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Only the user's own records.
    Own,
    /// The user's team (小组).
    Team,
    /// The user's department.
    Department,
    /// The whole company.
    All,
}

impl Role {
    /// Stable text form used in the database, files and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Rep => "rep",
            Role::Clerk => "clerk",
            Role::CustomerService => "customer_service",
            Role::TeamLeader => "team_leader",
            Role::Manager => "manager",
            Role::Hr => "hr",
            Role::Finance => "finance",
            Role::Committee => "committee",
            Role::Admin => "admin",
        }
    }

    /// Chinese name of the role.
    pub fn name_zh(self) -> &'static str {
        match self {
            Role::Rep => "销售代表",
            Role::Clerk => "销售内勤",
            Role::CustomerService => "客服人员",
            Role::TeamLeader => "组长",
            Role::Manager => "销售主管",
            Role::Hr => "人力资源",
            Role::Finance => "财务",
            Role::Committee => "考核领导小组",
            Role::Admin => "系统管理员",
        }
    }

    /// The data scope the role grants (SPEC §1).
    pub fn scope(self) -> Scope {
        match self {
            Role::Rep | Role::CustomerService => Scope::Own,
            Role::TeamLeader => Scope::Team,
            Role::Clerk | Role::Manager => Scope::Department,
            Role::Hr | Role::Finance | Role::Committee | Role::Admin => Scope::All,
        }
    }
}

/// Which roles record each kind of record (SPEC §1: "records own work"; the clerk keeps
/// archives, orders, shipments, contracts and documents; customer service complaints and
/// call-backs; finance collections and budgets; HR the organisation and the training plan;
/// leaders their meetings). The data scope then narrows *whose* records a role may write; this
/// table says *which kinds* it writes at all. Administrators write every kind; the committee
/// rules on results and writes no operational records. Kinds not listed are written by
/// everyone but the committee.
const WRITERS: &[(&str, &[Role])] = {
    use Role::*;
    const SALES: &[Role] = &[Rep, Clerk, TeamLeader, Manager, Admin];
    const SERVICE: &[Role] = &[Rep, Clerk, CustomerService, TeamLeader, Manager, Admin];
    const MONEY: &[Role] = &[Rep, Clerk, TeamLeader, Manager, Finance, Admin];
    const PEOPLE: &[Role] = &[Hr, Admin];
    const LEADERS: &[Role] = &[TeamLeader, Manager, Hr, Admin];
    &[
        ("customers", SERVICE),
        ("calls", SERVICE),
        ("complaints", SERVICE),
        ("visits", SALES),
        ("orders", SALES),
        ("order_lines", SALES),
        ("order_events", SALES),
        ("order_credits", SALES),
        ("shipments", SALES),
        ("contracts", SALES),
        // Step histories set the state of their contract or claim (imported from another
        // system); a step taken now goes through the step itself, by the role whose step it is.
        ("contract_steps", &[Admin]),
        ("expense_steps", &[Admin]),
        ("receivables", MONEY),
        ("payments", MONEY),
        ("attendance", &[Clerk, TeamLeader, Manager, Hr, Admin]),
        ("credit", &[Manager, Finance, Admin]),
        ("budgets", &[Finance, Admin]),
        ("meetings", LEADERS),
        ("meeting_attendance", LEADERS),
        ("meeting_decisions", LEADERS),
        ("departments", PEOPLE),
        ("employees", PEOPLE),
        ("teams", PEOPLE),
        ("positions", PEOPLE),
        ("levels", PEOPLE),
        ("assignments", PEOPLE),
        ("training_courses", PEOPLE),
        ("training_sessions", PEOPLE),
        ("training_results", PEOPLE),
        // The working-day calendar (holidays, make-up days): HR and administrators.
        ("calendar", PEOPLE),
        // The behaviour factor: HR and the superiors (the store checks each row's person).
        ("behaviour", LEADERS),
        // Bonus bases: HR (the store checks each row as the page does).
        ("bonus_bases", PEOPLE),
    ]
};

impl Role {
    /// Whether the role records `kind` at all (see [`WRITERS`]); the refusal names the roles
    /// that do, in Chinese and English.
    pub fn may_write(self, kind: &str) -> Result<(), String> {
        let allowed: &[Role] = match WRITERS.iter().find(|(k, _)| *k == kind) {
            Some((_, roles)) => roles,
            None if self == Role::Committee => &[],
            None => return Ok(()),
        };
        if self == Role::Admin || allowed.contains(&self) {
            return Ok(());
        }
        let zh: Vec<&str> = allowed.iter().map(|r| r.name_zh()).collect();
        let en: Vec<&str> = allowed.iter().map(|r| r.as_str()).collect();
        Err(if allowed.is_empty() {
            format!(
                "{}不录入业务记录 / the {} role does not record {kind}",
                self.name_zh(),
                self.as_str()
            )
        } else {
            format!(
                "{}不能录入此类记录，由{}录入 / the {} role does not record {kind}; {} do",
                self.name_zh(),
                zh.join("、"),
                self.as_str(),
                en.join(", ")
            )
        })
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ALL_ROLES
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<_> = ALL_ROLES.iter().map(|r| r.as_str()).collect();
                format!("unknown role `{s}` (expected one of: {})", names.join(", "))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_are_ordered_own_team_department_all() {
        assert!(Scope::Own < Scope::Team && Scope::Team < Scope::Department);
        assert!(Scope::Department < Scope::All);
        assert_eq!(Role::Rep.scope(), Scope::Own);
        assert_eq!(Role::TeamLeader.scope(), Scope::Team);
        assert_eq!(Role::Hr.scope(), Scope::All);
    }

    #[test]
    fn every_role_round_trips_through_text() {
        for r in ALL_ROLES {
            assert_eq!(r.as_str().parse::<Role>().unwrap(), r);
        }
        assert!(
            "boss"
                .parse::<Role>()
                .unwrap_err()
                .contains("unknown role `boss`")
        );
    }

    #[test]
    fn each_kind_is_recorded_by_its_roles_only() {
        // Reps record their own work, not their own attendance nor the organisation.
        assert!(Role::Rep.may_write("calls").is_ok());
        assert!(Role::Rep.may_write("contracts").is_ok());
        assert!(Role::Rep.may_write("expenses").is_ok());
        let refusal = Role::Rep.may_write("attendance").unwrap_err();
        assert!(
            refusal.contains("attendance") && refusal.contains("team_leader"),
            "{refusal}"
        );
        assert!(refusal.contains("销售代表不能录入"), "{refusal}");
        assert!(Role::Rep.may_write("employees").is_err());
        assert!(Role::Rep.may_write("budgets").is_err());
        // Customer service: complaints and call-backs, not orders.
        assert!(Role::CustomerService.may_write("complaints").is_ok());
        assert!(Role::CustomerService.may_write("calls").is_ok());
        assert!(Role::CustomerService.may_write("orders").is_err());
        // Finance: collections and budgets, not calls.
        assert!(Role::Finance.may_write("payments").is_ok());
        assert!(Role::Finance.may_write("budgets").is_ok());
        assert!(Role::Finance.may_write("calls").is_err());
        // HR: organisation and training plan, not sales records.
        assert!(Role::Hr.may_write("employees").is_ok());
        assert!(Role::Hr.may_write("training_sessions").is_ok());
        assert!(Role::Hr.may_write("orders").is_err());
        // The committee writes nothing operational, even unlisted kinds.
        assert!(Role::Committee.may_write("calls").is_err());
        assert!(Role::Committee.may_write("expenses").is_err());
        assert!(Role::Committee.may_write("reports").is_err());
        // Administrators write everything; unlisted kinds are open to working roles.
        for (kind, _) in WRITERS {
            assert!(Role::Admin.may_write(kind).is_ok(), "{kind}");
        }
        assert!(Role::Rep.may_write("reports").is_ok());
        assert!(Role::Finance.may_write("expenses").is_ok());
    }
}
