//! The append-only audit log: who did what, when, with the before and the after. The database
//! itself refuses UPDATE and DELETE on the table (triggers in the migrations).

use crate::sql::Sql;
use crate::{Result, Store, StoreError, Tx, Viewer};
use chrono::{DateTime, Utc};
use kaohe_domain::roles::Role;
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

/// What to read of the audit log; every condition is optional.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// The acting username.
    pub actor: Option<String>,
    /// The entity kind (a table name: `calls`, `cycles`, …).
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    /// `create`, `update`, `import`, `export`, `decide`, …
    pub action: Option<String>,
    /// From this instant (inclusive).
    pub from: Option<DateTime<Utc>>,
    /// Up to this instant (exclusive).
    pub until: Option<DateTime<Utc>>,
    /// Newest first: skip this many entries.
    pub offset: i64,
    /// At most this many entries (at most 500).
    pub limit: i64,
}

/// Whether `viewer` may read the audit log: HR, which supervises records, scores and
/// decisions (SPEC §1, §7), and administrators. Nobody may change it (the database's
/// triggers refuse UPDATE and DELETE; no interface offers either).
pub fn may_read_audit(viewer: &Viewer) -> bool {
    matches!(viewer.role, Role::Hr | Role::Admin)
}

impl Store {
    /// Audit entries matching `q`, newest first; only for viewers who may read the log
    /// ([`may_read_audit`]), others are refused.
    pub async fn audit_log(&self, viewer: &Viewer, q: &AuditQuery) -> Result<Vec<AuditRecord>> {
        if !may_read_audit(viewer) {
            return Err(StoreError::Forbidden(format!(
                "the audit log is for HR and administrators, not the role {}",
                viewer.role.as_str()
            )));
        }
        let mut sql = Sql::new(
            "SELECT id, at, actor, action, entity, entity_id, before, after FROM audit_log WHERE 1=1",
        );
        let texts = [
            ("actor", &q.actor),
            ("entity", &q.entity),
            ("entity_id", &q.entity_id),
            ("action", &q.action),
        ];
        for (column, value) in texts {
            if let Some(v) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
                sql.push(&format!(" AND {column} = ")).bind(v);
            }
        }
        if let Some(from) = q.from {
            sql.push(" AND at >= ").bind(from);
        }
        if let Some(until) = q.until {
            sql.push(" AND at < ").bind(until);
        }
        sql.push(" ORDER BY id DESC LIMIT ")
            .bind(q.limit.clamp(1, 500))
            .push(" OFFSET ")
            .bind(q.offset.max(0));
        self.fetch_all(&sql).await
    }
}
