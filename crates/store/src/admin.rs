//! Administration (SPEC §1, §2, §4, §5): the accounts, the company calendar and the indicator
//! library, changed by HR and administrators only. Every function here takes the acting
//! [`Viewer`] and refuses other roles itself, so no handler can forget the check; every change
//! is audited in the transaction that makes it, and its commit moves the store's generation
//! (cached dashboards are rebuilt).
//!
//! Who may do what:
//! - HR and administrators: read the organisation and the accounts, add accounts, reset
//!   passwords, keep the calendar (holidays, make-up working days), change formulas.
//! - Only an administrator grants the administrator role or resets an administrator's
//!   password: HR cannot make itself (or anybody) an administrator.
//! - Only an administrator grants the committee and finance roles, resets, disables or enables
//!   their accounts: whoever consolidates results (HR) cannot act as whoever approves them.

use crate::audit::AuditEntry;
use crate::sql::Sql;
use crate::users::NewUser;
use crate::{Result, Store, StoreError, Viewer};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use kaohe_domain::calendar::DayKind;
use kaohe_domain::formula::CompiledFormula;
use kaohe_domain::indicator::IndicatorKind;
use kaohe_domain::library::Library;
use kaohe_domain::roles::Role;
use kaohe_domain::scheme::{Scheme, Weight, fmt_hundredths};
use serde::Serialize;

/// Whether `viewer` may use the administration screens: HR and administrators.
pub fn may_administer(viewer: &Viewer) -> bool {
    matches!(viewer.role, Role::Hr | Role::Admin)
}

/// Refuses every role but HR and administrators, naming what was asked.
pub fn require_admin(viewer: &Viewer, what: &str) -> Result<()> {
    if may_administer(viewer) {
        Ok(())
    } else {
        Err(StoreError::Forbidden(format!(
            "{what} is for HR and administrators, not the role {}",
            viewer.role.as_str()
        )))
    }
}

fn invalid(field: &str, message: impl Into<String>) -> StoreError {
    StoreError::Invalid {
        field: field.into(),
        message: message.into(),
    }
}

/// One configured day of the calendar.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct CalendarDay {
    pub day: NaiveDate,
    /// `holiday` or `workday` (a make-up working day, 调休上班).
    pub kind: String,
    pub name: String,
}

/// An account as the administration lists it (never the password hash).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AccountRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub language: String,
    pub active: bool,
    pub locked_until: Option<DateTime<Utc>>,
    pub employee_id: Option<i64>,
    pub employee_code: Option<String>,
    pub employee_name: Option<String>,
}

/// The organisation as the administration shows it: every department, team and person.
#[derive(Debug, Clone)]
pub struct Organisation {
    pub departments: Vec<crate::org::DepartmentView>,
    pub teams: Vec<crate::org::TeamView>,
    pub people: Vec<crate::org::EmployeeView>,
}

/// The longest holiday name accepted, in characters.
pub const MAX_DAY_NAME: usize = 100;

impl Store {
    /// Every department, team and person (HR and administrators).
    pub async fn organisation(&self, viewer: &Viewer) -> Result<Organisation> {
        require_admin(viewer, "the organisation")?;
        Ok(Organisation {
            departments: self.departments().await?,
            teams: self.teams().await?,
            people: self.employees(viewer).await?,
        })
    }

    /// The configured days of `year` (holidays and make-up working days), by date.
    pub async fn calendar_days(&self, viewer: &Viewer, year: i32) -> Result<Vec<CalendarDay>> {
        require_admin(viewer, "the calendar")?;
        let (from, to) = year_bounds(year)?;
        let mut sql = Sql::new("SELECT day, kind, name FROM holidays WHERE day >= ");
        sql.bind(from)
            .push(" AND day < ")
            .bind(to)
            .push(" ORDER BY day");
        self.fetch_all(&sql).await
    }

    /// Adds a holiday or a make-up working day. A make-up working day is a Saturday or a
    /// Sunday (a weekday already is one); a day already configured is refused naming it.
    /// Audited; the commit moves the generation, so working-day counts are recomputed.
    pub async fn add_calendar_day(
        &self,
        viewer: &Viewer,
        day: NaiveDate,
        kind: DayKind,
        name: &str,
    ) -> Result<()> {
        require_admin(viewer, "the calendar")?;
        year_bounds(day.year())?;
        let name = name.trim();
        crate::calendar::check_day(day, kind, name).map_err(|(f, m)| invalid(f, m))?;
        let mut tx = self.begin().await?;
        let mut existing = Sql::new("SELECT kind FROM holidays WHERE day = ");
        existing.bind(day);
        let found: Vec<(String,)> = tx.fetch_all(&existing).await?;
        if let Some((k,)) = found.first() {
            return Err(StoreError::Conflict {
                field: "day".into(),
                message: format!("{day} is already in the calendar as a {k}; remove it first"),
            });
        }
        let mut sql = Sql::new("INSERT INTO holidays (day, kind, name) VALUES (");
        sql.bind(day)
            .push(", ")
            .bind(kind.as_str())
            .push(", ")
            .bind(name)
            .push(")");
        tx.run(&sql).await?;
        let entry = AuditEntry {
            action: "create",
            entity: "holidays",
            entity_id: day.to_string(),
            before: None,
            after: Some(serde_json::json!({ "day": day, "kind": kind.as_str(), "name": name })),
        };
        tx.audit(viewer, entry).await?;
        tx.commit().await
    }

    /// Removes a configured day (it follows the weekday rule again); audited.
    pub async fn remove_calendar_day(&self, viewer: &Viewer, day: NaiveDate) -> Result<()> {
        require_admin(viewer, "the calendar")?;
        let mut tx = self.begin().await?;
        let mut existing = Sql::new("SELECT day, kind, name FROM holidays WHERE day = ");
        existing.bind(day);
        let found: Vec<CalendarDay> = tx.fetch_all(&existing).await?;
        let Some(before) = found.into_iter().next() else {
            return Err(StoreError::NotFound {
                entity: "calendar day",
                key: day.to_string(),
            });
        };
        let mut sql = Sql::new("DELETE FROM holidays WHERE day = ");
        sql.bind(day);
        tx.run(&sql).await?;
        let entry = AuditEntry {
            action: "delete",
            entity: "holidays",
            entity_id: day.to_string(),
            before: Some(serde_json::to_value(&before).unwrap_or_default()),
            after: None,
        };
        tx.audit(viewer, entry).await?;
        tx.commit().await
    }

    /// Every account with the person it belongs to.
    pub async fn accounts(&self, viewer: &Viewer) -> Result<Vec<AccountRow>> {
        require_admin(viewer, "the accounts")?;
        self.fetch_all(&Sql::new(
            "SELECT u.id, u.username, u.display_name, u.role, u.language, u.active, u.locked_until, \
             u.employee_id, e.code AS employee_code, e.name AS employee_name \
             FROM users u LEFT JOIN employees e ON e.id = u.employee_id ORDER BY u.id",
        ))
        .await
    }

    /// Adds an account on behalf of `viewer` (HR or an administrator; only an administrator
    /// grants the administrator role), linked to a person given by 工号 when `employee_code`
    /// is not empty. Audited without the password.
    pub async fn add_account(
        &self,
        viewer: &Viewer,
        username: &str,
        password: &str,
        role: Role,
        employee_code: Option<&str>,
        display_name: &str,
    ) -> Result<i64> {
        require_admin(viewer, "adding accounts")?;
        if role == Role::Admin && viewer.role != Role::Admin {
            return Err(StoreError::Forbidden(
                "only an administrator grants the administrator role".into(),
            ));
        }
        // HR consolidates results: it may not give itself (or a stand-in) the roles that
        // approve them or pay them (see `crate::users::check_separation`).
        if matches!(role, Role::Committee | Role::Finance) && viewer.role != Role::Admin {
            return Err(StoreError::Forbidden(format!(
                "only an administrator grants the role {}",
                role.as_str()
            )));
        }
        let employee = match employee_code.map(str::trim).filter(|c| !c.is_empty()) {
            None => None,
            Some(code) => {
                let mut sql = Sql::new("SELECT id, name FROM employees WHERE code = ");
                sql.bind(code);
                let found: Option<(i64, String)> = self.fetch_optional(&sql).await?;
                Some(found.ok_or_else(|| {
                    invalid("employee", format!("no person has the 工号 `{code}`"))
                })?)
            }
        };
        let display = match (display_name.trim(), &employee) {
            ("", Some((_, name))) => name.clone(),
            (d, _) => d.to_string(),
        };
        let new = NewUser {
            username,
            password,
            role,
            employee_id: employee.as_ref().map(|e| e.0),
            display_name: &display,
        };
        let after = serde_json::json!({
            "username": username.trim(),
            "role": role.as_str(),
            "employee_id": new.employee_id,
            "display_name": display,
        });
        let entry = AuditEntry {
            action: "create",
            entity: "users",
            entity_id: username.trim().to_string(),
            before: None,
            after: Some(after),
        };
        self.create_user_audited(&new, Some((viewer, entry))).await
    }

    /// An administrator's or HR's reset of another account's password ([`Store::reset_password`])
    /// that also refuses HR resetting an administrator's: that would hand HR the account.
    pub async fn reset_account_password(
        &self,
        viewer: &Viewer,
        username: &str,
        new: &str,
    ) -> Result<()> {
        require_admin(viewer, "resetting passwords")?;
        let user = self
            .user_by_name(username)
            .await?
            .ok_or(StoreError::NotFound {
                entity: "user",
                key: username.into(),
            })?;
        if user.role == Role::Admin.as_str() && viewer.role != Role::Admin {
            return Err(StoreError::Forbidden(
                "only an administrator resets an administrator's password".into(),
            ));
        }
        self.reset_password(viewer, username, new).await
    }

    /// Replaces the formula of computed indicator `code` and saves the library as a new
    /// version; returns the version (the current one when the formula means the same as
    /// before: nothing is saved). An invalid formula, or a library it would break, is refused
    /// with the position of the error and nothing is saved.
    pub async fn set_indicator_formula(
        &self,
        viewer: &Viewer,
        code: &str,
        source: &str,
    ) -> Result<i64> {
        require_admin(viewer, "changing the indicator library")?;
        let current = self.library().await?;
        let lib = &current.library;
        let Some(indicator) = lib.indicator(code) else {
            return Err(StoreError::NotFound {
                entity: "indicator",
                key: code.into(),
            });
        };
        let Some(old) = indicator.formula() else {
            return Err(invalid(
                "formula",
                format!("`{code}` is rated by people and has no formula"),
            ));
        };
        let formula = CompiledFormula::parse(source).map_err(|e| {
            invalid(
                "formula",
                format!(
                    "{}:{}: {} / {}",
                    e.line,
                    e.column,
                    e.message_zh(),
                    e.message_en()
                ),
            )
        })?;
        if formula.source() == old.source() {
            return Ok(current.version);
        }
        let before = old.source().to_string();
        let indicators = lib
            .indicators()
            .iter()
            .map(|i| {
                let mut i = i.clone();
                if i.code == code
                    && let IndicatorKind::Computed { formula: f, .. } = &mut i.kind
                {
                    *f = formula.clone();
                }
                i
            })
            .collect();
        let changed = Library::new(indicators, lib.schemes().to_vec()).map_err(|e| {
            let problems: Vec<String> = e.problems.iter().map(|p| p.problem.to_string()).collect();
            invalid("formula", problems.join("; "))
        })?;
        let detail = AuditEntry {
            action: "update",
            entity: "indicators",
            entity_id: code.to_string(),
            before: Some(serde_json::json!({ "formula": before })),
            after: Some(serde_json::json!({ "formula": formula.source() })),
        };
        self.save_library_audited(viewer, &changed, Some(detail))
            .await
    }
}

impl Store {
    /// Sets the weights of scheme `code`'s indicators (percentages by indicator code) as a new
    /// version of the scheme, each group weighing the sum of its indicators; returns the
    /// library version (the current one when nothing changed). Refused, with nothing saved,
    /// unless every indicator has a weight and they sum to exactly 100% (SPEC §5).
    pub async fn set_scheme_weights(
        &self,
        viewer: &Viewer,
        code: &str,
        weights: &[(String, f64)],
    ) -> Result<i64> {
        require_admin(viewer, "changing the schemes")?;
        let current = self.library().await?;
        let lib = &current.library;
        let Some(scheme) = lib.scheme(code) else {
            return Err(StoreError::NotFound {
                entity: "scheme",
                key: code.into(),
            });
        };
        let mut next = scheme.clone();
        next.version += 1;
        let mut total: u64 = 0;
        for group in &mut next.groups {
            let mut sum: u32 = 0;
            for item in &mut group.items {
                let field = format!("weight.{}", item.indicator);
                let Some((_, w)) = weights.iter().find(|(c, _)| *c == item.indicator) else {
                    return Err(invalid(&field, "a weight is missing"));
                };
                item.weight =
                    Weight::from_percent(*w).map_err(|e| invalid(&field, e.to_string()))?;
                sum += item.weight.hundredths();
            }
            group.weight = Weight::from_hundredths(sum).ok_or_else(|| {
                invalid(
                    "weights",
                    format!("the group {} weighs more than 100%", group.code),
                )
            })?;
            total += u64::from(sum);
        }
        if total != 10_000 {
            return Err(invalid(
                "weights",
                format!(
                    "the weights sum to {}; they must sum to exactly 100% / 权重之和为 {}，必须恰好为 100%",
                    fmt_hundredths(total),
                    fmt_hundredths(total)
                ),
            ));
        }
        if next.groups == scheme.groups {
            return Ok(current.version);
        }
        let shares = |s: &Scheme| -> serde_json::Value {
            s.groups
                .iter()
                .flat_map(|g| g.items.iter())
                .map(|i| {
                    (
                        i.indicator.clone(),
                        serde_json::json!(i.weight.as_percent()),
                    )
                })
                .collect::<serde_json::Map<_, _>>()
                .into()
        };
        let detail = AuditEntry {
            action: "update",
            entity: "schemes",
            entity_id: code.to_string(),
            before: Some(
                serde_json::json!({ "version": scheme.version, "weights": shares(scheme) }),
            ),
            after: Some(serde_json::json!({ "version": next.version, "weights": shares(&next) })),
        };
        let mut schemes = lib.schemes().to_vec();
        schemes.push(next);
        let changed = Library::new(lib.indicators().to_vec(), schemes).map_err(|e| {
            let problems: Vec<String> = e.problems.iter().map(|p| p.problem.to_string()).collect();
            invalid("weights", problems.join("; "))
        })?;
        self.save_library_audited(viewer, &changed, Some(detail))
            .await
    }
}

/// The first day of `year` and of the year after; years far from now are refused by name.
fn year_bounds(year: i32) -> Result<(NaiveDate, NaiveDate)> {
    let bounds = (1990..=2100)
        .contains(&year)
        .then(|| {
            Some((
                NaiveDate::from_ymd_opt(year, 1, 1)?,
                NaiveDate::from_ymd_opt(year + 1, 1, 1)?,
            ))
        })
        .flatten();
    bounds.ok_or_else(|| invalid("year", format!("{year} is not a year from 1990 to 2100")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn viewer(role: Role) -> Viewer {
        Viewer {
            user_id: Some(1),
            username: "u".into(),
            role,
            employee_id: None,
            team_id: None,
            department_ids: Vec::new(),
        }
    }

    #[test]
    fn only_hr_and_administrators_administer() {
        for role in kaohe_domain::roles::ALL_ROLES {
            let allowed = require_admin(&viewer(role), "x").is_ok();
            assert_eq!(allowed, matches!(role, Role::Hr | Role::Admin), "{role:?}");
        }
    }

    #[test]
    fn a_year_far_from_now_is_refused_by_name() {
        assert!(year_bounds(2026).is_ok());
        let e = year_bounds(20260).unwrap_err().to_string();
        assert!(e.starts_with("year:"), "{e}");
    }
}
