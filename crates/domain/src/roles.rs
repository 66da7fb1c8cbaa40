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
}
