//! The append-only audit log: who did what, when, with the before and the after. The database
//! itself refuses UPDATE and DELETE on the table (triggers in the migrations).

use crate::sql::Sql;
use crate::{Result, Store, Tx, Viewer};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// One audit entry to write.
#[derive(Debug, Clone)]
pub struct AuditEntry<'a> {
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// One audit entry as read back.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AuditRecord {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

fn insert_sql(viewer: &Viewer, e: &AuditEntry<'_>) -> Sql {
    let mut sql = Sql::new(
        "INSERT INTO audit_log (at, actor, action, entity, entity_id, before, after) VALUES (",
    );
    sql.bind(Utc::now())
        .push(", ")
        .bind(viewer.username.as_str())
        .push(", ")
        .bind(e.action);
    sql.push(", ")
        .bind(e.entity)
        .push(", ")
        .bind(e.entity_id.as_str())
        .push(", ");
    sql.bind(e.before.as_ref().map(|v| v.to_string()))
        .push(", ")
        .bind(e.after.as_ref().map(|v| v.to_string()));
    sql.push(")");
    sql
}

impl Tx {
    /// Appends an audit entry inside the transaction that makes the change, so the change and
    /// its record commit or vanish together.
    pub async fn audit(&mut self, viewer: &Viewer, entry: AuditEntry<'_>) -> Result<()> {
        self.run(&insert_sql(viewer, &entry)).await?;
        Ok(())
    }
}

impl Store {
    /// Appends an audit entry on its own (for events that change nothing else, e.g. exports).
    pub async fn audit(&self, viewer: &Viewer, entry: AuditEntry<'_>) -> Result<()> {
        self.execute(&insert_sql(viewer, &entry)).await?;
        Ok(())
    }

    /// The newest audit entries, optionally for one entity type.
    pub async fn audit_entries(
        &self,
        entity: Option<&str>,
        limit: i64,
    ) -> Result<Vec<AuditRecord>> {
        let mut sql = Sql::new(
            "SELECT id, at, actor, action, entity, entity_id, before, after FROM audit_log WHERE 1=1",
        );
        if let Some(e) = entity {
            sql.push(" AND entity = ").bind(e);
        }
        sql.push(" ORDER BY id DESC LIMIT ").bind(limit);
        self.fetch_all(&sql).await
    }
}
