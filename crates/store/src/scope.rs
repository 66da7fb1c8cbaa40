//! Data scopes (SPEC §1): who may see whose records. Every query over people or their records
//! takes a [`Viewer`] and narrows itself here, below the HTTP layer, so no handler can forget.

use crate::sql::Sql;
use kaohe_domain::roles::{Role, Scope};

/// The person (or system) on whose behalf the store is asked.
#[derive(Debug, Clone, PartialEq)]
pub struct Viewer {
    /// The account, when a person signed in.
    pub user_id: Option<i64>,
    /// Who is acting, for the audit log.
    pub username: String,
    pub role: Role,
    /// The employee the account belongs to, if any.
    pub employee_id: Option<i64>,
    /// The viewer's team (team scope).
    pub team_id: Option<i64>,
    /// The viewer's department and every department below it (department scope).
    pub department_ids: Vec<i64>,
}

impl Viewer {
    /// The system itself (CLI maintenance, the generator): sees everything.
    pub fn system(actor: &str) -> Self {
        Viewer {
            user_id: None,
            username: actor.to_string(),
            role: Role::Admin,
            employee_id: None,
            team_id: None,
            department_ids: Vec::new(),
        }
    }

    /// The scope the viewer's role grants.
    pub fn scope(&self) -> Scope {
        self.role.scope()
    }

    /// Appends ` AND <condition>` restricting `employee_col` (a column holding an employee id)
    /// to the people this viewer may see. `employees_alias` names an `employees` row joined on
    /// that column, used for team and department checks.
    pub fn restrict(&self, sql: &mut Sql, employee_col: &str) {
        match self.scope() {
            Scope::All => {}
            Scope::Own => {
                sql.push(" AND ")
                    .push(employee_col)
                    .push(" = ")
                    .bind(self.employee_id.unwrap_or(-1));
            }
            Scope::Team => {
                sql.push(" AND (")
                    .push(employee_col)
                    .push(" = ")
                    .bind(self.employee_id.unwrap_or(-1));
                sql.push(" OR ")
                    .push(employee_col)
                    .push(" IN (SELECT id FROM employees WHERE team_id = ");
                sql.bind(self.team_id.unwrap_or(-1)).push("))");
            }
            Scope::Department => {
                sql.push(" AND (")
                    .push(employee_col)
                    .push(" = ")
                    .bind(self.employee_id.unwrap_or(-1));
                sql.push(" OR ")
                    .push(employee_col)
                    .push(" IN (SELECT id FROM employees WHERE department_id IN ");
                sql.bind_list(self.department_ids.iter().copied())
                    .push("))");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn viewer(role: Role) -> Viewer {
        Viewer {
            user_id: Some(1),
            username: "u".into(),
            role,
            employee_id: Some(7),
            team_id: Some(3),
            department_ids: vec![2, 5],
        }
    }

    #[test]
    fn a_rep_is_narrowed_to_own_rows_and_hr_is_not_narrowed() {
        let mut s = Sql::new("SELECT 1 FROM calls WHERE 1=1");
        viewer(Role::Rep).restrict(&mut s, "calls.employee_id");
        assert_eq!(
            s.text(),
            "SELECT 1 FROM calls WHERE 1=1 AND calls.employee_id = $1"
        );
        let mut s = Sql::new("SELECT 1 FROM calls WHERE 1=1");
        viewer(Role::Hr).restrict(&mut s, "calls.employee_id");
        assert_eq!(s.text(), "SELECT 1 FROM calls WHERE 1=1");
    }

    #[test]
    fn a_manager_sees_the_department_subtree() {
        let mut s = Sql::new("W 1=1");
        viewer(Role::Manager).restrict(&mut s, "e");
        assert!(
            s.text().contains("department_id IN ($2, $3)"),
            "{}",
            s.text()
        );
    }
}
