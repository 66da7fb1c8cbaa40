//! The organisation (SPEC §2): departments, teams (小组), positions, career levels, people,
//! and the assignments that say who sat where on which day.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Identifies a person (员工).
pub type EmployeeId = i64;

/// A department (部门).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Department {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub name_en: String,
    /// market, sales, key_account, direct, telesales, online, regional, branch, office,
    /// after_sales, hr, finance, management.
    pub kind: String,
    pub parent_id: Option<i64>,
}

/// A team / group (小组): one leader, several members.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Team {
    pub id: i64,
    pub department_id: i64,
    pub code: String,
    pub name: String,
    pub leader_id: Option<EmployeeId>,
}

/// A position (岗位); its scheme says how holders are assessed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Position {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub name_en: String,
    /// Code of the assessment scheme (考核方案) that applies, if any.
    pub scheme_code: Option<String>,
}

/// A level on a career ladder (职级), e.g. 见习置业顾问 → 资深置业顾问.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Level {
    pub id: i64,
    pub ladder: String,
    pub code: String,
    pub name: String,
    pub name_en: String,
    /// Position on the ladder, 1 = lowest.
    pub rank: i32,
    pub base_salary_cents: i64,
    /// Months without a deal before the ladder recommends a demotion (or dismissal at rank 1).
    pub months_without_deal: Option<i32>,
    /// The promotion standard, in words (data, not code).
    pub promotion_standard: String,
}

/// Employment status (SPEC §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmploymentStatus {
    /// 试用
    Probation,
    /// 正式
    Regular,
    /// 离职
    Left,
}

impl EmploymentStatus {
    /// Stable text form.
    pub fn as_str(self) -> &'static str {
        match self {
            EmploymentStatus::Probation => "probation",
            EmploymentStatus::Regular => "regular",
            EmploymentStatus::Left => "left",
        }
    }
}

/// A person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Employee {
    pub id: EmployeeId,
    /// Employee number (工号), unique.
    pub code: String,
    pub name: String,
    pub phone: String,
    pub email: String,
    pub department_id: i64,
    pub team_id: Option<i64>,
    pub position_id: i64,
    pub level_id: Option<i64>,
    pub supervisor_id: Option<EmployeeId>,
    pub status: EmploymentStatus,
    pub hired_on: NaiveDate,
    pub regular_on: Option<NaiveDate>,
    pub left_on: Option<NaiveDate>,
}

/// Where a person sat from `valid_from` until `valid_to` (exclusive; open when `None`).
/// A period's scorecard uses the assignment in force on each record's date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assignment {
    pub employee_id: EmployeeId,
    pub department_id: i64,
    pub team_id: Option<i64>,
    pub position_id: i64,
    pub level_id: Option<i64>,
    pub supervisor_id: Option<EmployeeId>,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
}

impl Assignment {
    /// Whether this assignment is in force on `day`.
    pub fn covers(&self, day: NaiveDate) -> bool {
        day >= self.valid_from && self.valid_to.is_none_or(|end| day < end)
    }
}

/// Picks the assignment in force on `day` among one person's assignments.
pub fn assignment_on(assignments: &[Assignment], day: NaiveDate) -> Option<&Assignment> {
    assignments.iter().find(|a| a.covers(day))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(from: (i32, u32, u32), to: Option<(i32, u32, u32)>, team: i64) -> Assignment {
        let d = |(y, m, dd): (i32, u32, u32)| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        Assignment {
            employee_id: 1,
            department_id: 1,
            team_id: Some(team),
            position_id: 1,
            level_id: None,
            supervisor_id: None,
            valid_from: d(from),
            valid_to: to.map(d),
        }
    }

    #[test]
    fn a_move_mid_month_assigns_each_day_to_the_team_in_force() {
        let history = [
            a((2026, 1, 1), Some((2026, 10, 15)), 1),
            a((2026, 10, 15), None, 2),
        ];
        let on = |day| assignment_on(&history, NaiveDate::from_ymd_opt(2026, 10, day).unwrap());
        assert_eq!(on(14).unwrap().team_id, Some(1));
        assert_eq!(on(15).unwrap().team_id, Some(2));
    }
}
