//! Typed list filters: (field, operator, value), the field checked against the kind's column
//! set and the value parsed with the column's type, compiled to fixed SQL with bound values.
//! Nothing a caller passes becomes SQL text.

use super::cells;
use crate::sql::Sql;
use crate::{Result, StoreError, Viewer};
use kaohe_domain::Period;
use kaohe_domain::import::cell::parse;
use kaohe_domain::import::{Cell, Column, KindSpec, LocalZone, Ty};
use serde::Serialize;

/// A comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// Text contains the value (text columns only).
    Contains,
}

impl Op {
    fn sql(self) -> &'static str {
        match self {
            Op::Eq => " = ",
            Op::Ne => " <> ",
            Op::Lt => " < ",
            Op::Le => " <= ",
            Op::Gt => " > ",
            Op::Ge => " >= ",
            Op::Contains => " LIKE ",
        }
    }
}

/// One condition: `field` (the field name, or its English or Chinese header) `op` `value`
/// (as a person types it: a date, 是/否, a 工号 for an employee column, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Filter {
    pub field: String,
    pub op: Op,
    pub value: String,
}

/// What to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    pub filters: Vec<Filter>,
    /// Only records whose day falls in this period.
    pub period: Option<Period>,
    pub limit: Option<i64>,
    pub offset: i64,
    /// Only the record with this id (a form opening one record).
    pub id: Option<i64>,
}

impl Query {
    /// A short description for the audit log.
    pub fn describe(&self) -> serde_json::Value {
        serde_json::json!({
            "period": self.period.map(|p| p.to_string()),
            "filters": self.filters,
        })
    }
}

fn invalid(field: &str, message: String) -> StoreError {
    StoreError::Invalid {
        field: field.to_string(),
        message,
    }
}

fn find_column<'a>(spec: &'a KindSpec, name: &str) -> Result<&'a Column> {
    spec.columns
        .iter()
        .find(|c| c.field == name || c.en.eq_ignore_ascii_case(name) || c.zh == name)
        .ok_or_else(|| {
            let names: Vec<_> = spec.columns.iter().map(|c| c.en).collect();
            invalid(
                name,
                format!(
                    "no such column of {} (columns: {})",
                    spec.kind,
                    names.join(", ")
                ),
            )
        })
}

/// `SELECT` of `spec`'s columns in order, narrowed to the viewer's scope and `query`. In
/// exports, references are selected as their business keys.
pub(super) fn select(
    spec: &KindSpec,
    viewer: &Viewer,
    query: &Query,
    zone: &dyn LocalZone,
    export: bool,
) -> Result<Sql> {
    select_within(spec, viewer, query, zone, export, None)
}

/// How many of a table's first rows (in id order) a page of a team's or a department's list
/// looks through before sorting the scope's rows ([`select_within`]); `None` when the page is
/// found as fast without (one's own rows have their index, everybody's need no test).
pub(super) fn id_window(spec: &KindSpec, viewer: &Viewer, query: &Query) -> Option<i64> {
    use kaohe_domain::roles::Scope;
    let limit = query.limit?;
    let wide = matches!(viewer.scope(), Scope::Team | Scope::Department);
    (wide && spec.has_id() && spec.owner_expr().is_some())
        .then(|| ID_WINDOW_PER_ROW * (query.offset + limit))
}

/// A page asks the window for this many table rows per row it shows: a scope holding at
/// least one row in forty finds its page in the window.
const ID_WINDOW_PER_ROW: i64 = 40;

/// [`select`], narrowed to the table's first `window` ids when given. Through the owner's index
/// a database reads and sorts every row of a department to show its first page (97,000 calls
/// for a manager of the demo); walking the ids instead stops after the page, but reads the
/// whole table when the scope holds few rows. The window bounds that walk: a full page out of
/// it is exactly the page (every row beyond it has a larger id); a short one means the scope
/// is sparse there, and the caller asks again without the window, through the index.
pub(super) fn select_within(
    spec: &KindSpec,
    viewer: &Viewer,
    query: &Query,
    zone: &dyn LocalZone,
    export: bool,
    window: Option<i64>,
) -> Result<Sql> {
    let mut sql = Sql::new("SELECT ");
    for (i, c) in spec.columns.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        match c.ty {
            Ty::Ref(kind) if export && kind.table_and_key().1 != "id" => {
                let (table, key) = kind.table_and_key();
                sql.push(&format!(
                    "(SELECT r.{key} FROM {table} r WHERE r.id = t.{})",
                    c.field
                ));
            }
            _ => {
                sql.push("t.").push(c.field);
            }
        }
    }
    sql.push(&format!(" FROM {} t WHERE 1=1", spec.table));
    // In the window the owner term is kept off the owner's index (SQLite's unary `+`, which
    // PostgreSQL accepts too), so that the ids are walked in order.
    scope_on(spec, viewer, &mut sql, window.is_some());
    if let Some(rows) = window {
        sql.push(&format!(
            " AND t.id <= (SELECT MAX(w.id) FROM (SELECT id FROM {} ORDER BY id LIMIT ",
            spec.table
        ));
        sql.bind(rows).push(") w)");
    }
    if let Some(id) = query.id.filter(|_| spec.has_id()) {
        sql.push(" AND t.id = ").bind(id);
    }
    for f in &query.filters {
        condition(spec, f, zone, &mut sql)?;
    }
    if let Some(p) = query.period {
        let day = spec.day.ok_or_else(|| {
            invalid(
                "period",
                format!("{} have no date to filter a period on", spec.kind),
            )
        })?;
        sql.push(&format!(" AND t.{day} >= ")).bind(p.start());
        sql.push(&format!(" AND t.{day} < "))
            .bind(p.end_exclusive());
    }
    // Kinds without ids are keyed by their first two columns (工号 and 日期, …).
    sql.push(&if spec.has_id() {
        " ORDER BY t.id".to_string()
    } else {
        let key: Vec<_> = spec
            .columns
            .iter()
            .take(2)
            .map(|c| format!("t.{}", c.field))
            .collect();
        format!(" ORDER BY {}", key.join(", "))
    });
    if let Some(limit) = query.limit {
        sql.push(" LIMIT ")
            .bind(limit)
            .push(" OFFSET ")
            .bind(query.offset);
    }
    Ok(sql)
}

/// Narrows to the viewer's data scope on the kind's responsible employee (its own column or
/// its parent's). Records that belong to nobody are for company-wide roles only.
pub(super) fn scope(spec: &KindSpec, viewer: &Viewer, sql: &mut Sql) {
    scope_on(spec, viewer, sql, false)
}

/// [`scope`], with the owner term kept off the owner's index when `unindexed`.
fn scope_on(spec: &KindSpec, viewer: &Viewer, sql: &mut Sql, unindexed: bool) {
    match spec.owner_expr() {
        Some(owner) if unindexed => viewer.restrict(sql, &format!("+{owner}")),
        Some(owner) => viewer.restrict(sql, &owner),
        None if viewer.scope() == kaohe_domain::roles::Scope::All => {}
        None => {
            sql.push(" AND 1 = 0");
        }
    }
}

fn condition(spec: &KindSpec, f: &Filter, zone: &dyn LocalZone, sql: &mut Sql) -> Result<()> {
    let col = find_column(spec, &f.field)?;
    let cell = parse(col, &f.value, zone).map_err(|m| invalid(&f.field, m))?;
    let column = format!("t.{}", col.field);
    if cell == Cell::Null {
        let test = match f.op {
            Op::Eq => " IS NULL",
            Op::Ne => " IS NOT NULL",
            _ => {
                return Err(invalid(
                    &f.field,
                    "an empty value can only be compared with = or <>".into(),
                ));
            }
        };
        sql.push(" AND ").push(&column).push(test);
        return Ok(());
    }
    match (col.ty, f.op) {
        (Ty::Text, Op::Contains) => {
            let Cell::Text(t) = &cell else {
                unreachable!("text columns parse to text")
            };
            let escaped = t
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            sql.push(" AND ")
                .push(&column)
                .push(" LIKE ")
                .bind(format!("%{escaped}%"))
                .push(" ESCAPE '\\'");
        }
        (_, Op::Contains) => {
            return Err(invalid(
                &f.field,
                "`contains` applies to text columns only".into(),
            ));
        }
        (Ty::Ref(kind), op) if kind.table_and_key().1 != "id" => {
            let (table, key) = kind.table_and_key();
            let Cell::Text(k) = &cell else {
                unreachable!("references parse to text")
            };
            sql.push(" AND ").push(&column).push(op.sql());
            sql.push(&format!("(SELECT r.id FROM {table} r WHERE r.{key} = "))
                .bind(k.as_str())
                .push(")");
        }
        (Ty::Ref(_), op) => {
            let Cell::Text(k) = &cell else {
                unreachable!("references parse to text")
            };
            let id: i64 = k
                .parse()
                .map_err(|_| invalid(&f.field, format!("`{k}` is not an id")))?;
            sql.push(" AND ").push(&column).push(op.sql()).bind(id);
        }
        (ty, op) => {
            sql.push(" AND ")
                .push(&column)
                .push(op.sql())
                .bind(cells::val(ty, &cell));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::FixedOffset;
    use kaohe_domain::import::spec::CALLS;

    fn f(field: &str, op: Op, value: &str) -> Filter {
        Filter {
            field: field.into(),
            op,
            value: value.into(),
        }
    }

    #[test]
    fn a_filter_on_an_unknown_column_is_refused_naming_the_columns() {
        let zone = FixedOffset::east_opt(8 * 3600).unwrap();
        let q = Query {
            filters: vec![f("1=1; DROP TABLE calls", Op::Eq, "x")],
            ..Query::default()
        };
        let e = select(&CALLS, &Viewer::system("t"), &q, &zone, false)
            .unwrap_err()
            .to_string();
        assert!(e.contains("no such column of calls"), "{e}");
    }

    #[test]
    fn values_are_bound_and_references_compare_by_business_key() {
        let zone = FixedOffset::east_opt(8 * 3600).unwrap();
        let q = Query {
            filters: vec![
                f("工号", Op::Eq, "E001"),
                f("duration_s", Op::Ge, "60"),
                f("outcome", Op::Eq, "成交"),
            ],
            period: Some(Period::parse("2026-10").unwrap()),
            ..Query::default()
        };
        let sql = select(&CALLS, &Viewer::system("t"), &q, &zone, false).unwrap();
        assert!(
            sql.text()
                .contains("t.employee_id = (SELECT r.id FROM employees r WHERE r.code = $1)"),
            "{}",
            sql.text()
        );
        assert!(
            sql.text()
                .contains("t.duration_s >= $2 AND t.outcome = $3 AND t.day >= $4 AND t.day < $5"),
            "{}",
            sql.text()
        );
        let bad = Query {
            filters: vec![f("duration_s", Op::Contains, "6")],
            ..Query::default()
        };
        assert!(select(&CALLS, &Viewer::system("t"), &bad, &zone, false).is_err());
    }
}
