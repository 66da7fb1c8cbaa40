//! Record counts per kind, for the CLI summary, the dashboard and health checks.

use crate::sql::Sql;
use crate::{Result, Store, Viewer};
use serde::Serialize;

/// Tables of operational records with their responsible-employee column.
pub const RECORD_TABLES: &[(&str, &str)] = &[
    ("customers", "owner_id"),
    ("calls", "employee_id"),
    ("visits", "employee_id"),
    ("orders", "employee_id"),
    ("shipments", "employee_id"),
    ("contracts", "employee_id"),
    ("receivables", "employee_id"),
    ("payments", "employee_id"),
    ("complaints", "employee_id"),
    ("expenses", "employee_id"),
    ("attendance", "employee_id"),
    ("reports", "employee_id"),
    ("documents", "employee_id"),
];

/// How many records of one kind the viewer can see.
#[derive(Debug, Clone, Serialize)]
pub struct KindCount {
    pub kind: &'static str,
    pub count: i64,
}

impl Store {
    /// Counts of every record kind within the viewer's scope.
    pub async fn record_counts(&self, viewer: &Viewer) -> Result<Vec<KindCount>> {
        let mut out = Vec::with_capacity(RECORD_TABLES.len());
        for (table, col) in RECORD_TABLES {
            let mut sql = Sql::new(&format!("SELECT COUNT(*) FROM {table} WHERE 1=1"));
            viewer.restrict(&mut sql, col);
            out.push(KindCount {
                kind: table,
                count: self.fetch_i64(&sql).await?,
            });
        }
        Ok(out)
    }

    /// Number of rows in any table (for tests and the CLI); `table` must be a known table name.
    pub async fn count_rows(&self, table: &str) -> Result<i64> {
        if !table.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
            return Err(crate::StoreError::Invalid {
                field: "table".into(),
                message: format!("bad table name `{table}`"),
            });
        }
        self.fetch_i64(&Sql::new(&format!("SELECT COUNT(*) FROM {table}")))
            .await
    }
}
