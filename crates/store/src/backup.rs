//! Consistent copies of a live database.

use crate::{Backend, Result, Store, StoreError};
use std::path::Path;

impl Store {
    /// Writes a consistent copy of a live SQLite database to `dest` (`VACUUM INTO` reads one
    /// snapshot while writers go on). PostgreSQL databases are backed up with `pg_dump`.
    pub async fn backup_to(&self, dest: &Path) -> Result<()> {
        let Backend::Sqlite { read, .. } = self.backend() else {
            return Err(StoreError::Invalid {
                field: "db".into(),
                message: "kaohe backup copies SQLite databases; back up PostgreSQL with pg_dump"
                    .into(),
            });
        };
        if dest.exists() {
            return Err(StoreError::Invalid {
                field: "output".into(),
                message: format!("{} already exists; choose a new file", dest.display()),
            });
        }
        let target = dest.to_str().ok_or_else(|| StoreError::Invalid {
            field: "output".into(),
            message: "the backup path must be valid UTF-8".into(),
        })?;
        sqlx::query("VACUUM INTO $1")
            .bind(target)
            .execute(read)
            .await
            .map_err(|e| StoreError::Invalid {
                field: "output".into(),
                message: format!("cannot write {}: {e}", dest.display()),
            })?;
        Ok(())
    }
}
