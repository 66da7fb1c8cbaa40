//! Reading the organisation: departments, teams, people — narrowed to the viewer's scope.

use crate::sql::Sql;
use crate::{Result, Store, StoreError, Viewer};
use chrono::NaiveDate;
use serde::Serialize;

/// A department as listed.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct DepartmentView {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub kind: String,
    pub parent_id: Option<i64>,
    pub headcount: i64,
}

/// A team as listed.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct TeamView {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub department_id: i64,
    pub leader_id: Option<i64>,
    pub leader_name: Option<String>,
    pub members: i64,
}

/// A person as listed.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct EmployeeView {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub department_id: i64,
    pub department: String,
    pub team_id: Option<i64>,
    pub team: Option<String>,
    pub position: String,
    pub position_code: String,
    pub scheme_code: Option<String>,
    pub level: Option<String>,
    pub supervisor_id: Option<i64>,
    pub status: String,
    pub hired_on: NaiveDate,
}

const EMPLOYEE_SELECT: &str = "SELECT e.id, e.code, e.name, e.department_id, d.name AS department, e.team_id, \
     t.name AS team, p.name AS position, p.code AS position_code, p.scheme_code, l.name AS level, e.supervisor_id, \
     e.status, e.hired_on FROM employees e JOIN departments d ON d.id = e.department_id \
     JOIN positions p ON p.id = e.position_id LEFT JOIN teams t ON t.id = e.team_id \
     LEFT JOIN levels l ON l.id = e.level_id WHERE 1=1";

impl Store {
    /// Every department with its current headcount (people who have not left).
    pub async fn departments(&self) -> Result<Vec<DepartmentView>> {
        let sql = Sql::new(
            "SELECT d.id, d.code, d.name, d.name_en, d.kind, d.parent_id, \
             (SELECT COUNT(*) FROM employees e WHERE e.department_id = d.id AND e.status <> 'left') AS headcount \
             FROM departments d ORDER BY d.id",
        );
        self.fetch_all(&sql).await
    }

    /// Every team with its leader and member count.
    pub async fn teams(&self) -> Result<Vec<TeamView>> {
        let sql = Sql::new(
            "SELECT t.id, t.code, t.name, t.department_id, t.leader_id, l.name AS leader_name, \
             (SELECT COUNT(*) FROM employees e WHERE e.team_id = t.id AND e.status <> 'left') AS members \
             FROM teams t LEFT JOIN employees l ON l.id = t.leader_id ORDER BY t.id",
        );
        self.fetch_all(&sql).await
    }

    /// The people the viewer may see.
    pub async fn employees(&self, viewer: &Viewer) -> Result<Vec<EmployeeView>> {
        let mut sql = Sql::new(EMPLOYEE_SELECT);
        viewer.restrict(&mut sql, "e.id");
        sql.push(" ORDER BY e.id");
        self.fetch_all(&sql).await
    }

    /// One person, if the viewer may see them; otherwise `NotFound` (never a hint that the id exists).
    pub async fn employee(&self, viewer: &Viewer, id: i64) -> Result<EmployeeView> {
        let mut sql = Sql::new(EMPLOYEE_SELECT);
        sql.push(" AND e.id = ").bind(id);
        viewer.restrict(&mut sql, "e.id");
        self.fetch_optional(&sql)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                entity: "employee",
                key: id.to_string(),
            })
    }

    /// One person by 工号, if the viewer may see them; otherwise `NotFound`.
    pub async fn employee_by_code(&self, viewer: &Viewer, code: &str) -> Result<EmployeeView> {
        let mut sql = Sql::new(EMPLOYEE_SELECT);
        sql.push(" AND e.code = ").bind(code);
        viewer.restrict(&mut sql, "e.id");
        self.fetch_optional(&sql)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                entity: "employee",
                key: code.to_string(),
            })
    }

    /// The department ids at and below `root` (a manager's department scope).
    pub async fn department_subtree(&self, root: i64) -> Result<Vec<i64>> {
        let all: Vec<(i64, Option<i64>)> = self
            .fetch_all(&Sql::new("SELECT id, parent_id FROM departments"))
            .await?;
        let mut out = vec![root];
        let mut i = 0;
        while i < out.len() {
            let parent = out[i];
            out.extend(
                all.iter()
                    .filter(|(_, p)| *p == Some(parent))
                    .map(|(id, _)| *id),
            );
            i += 1;
        }
        Ok(out)
    }
}
