//! Company settings kept in the database (name, time zone, language).

use crate::sql::Sql;
use crate::{Result, Store};

impl Store {
    /// Reads a setting.
    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        let mut sql = Sql::new("SELECT value FROM settings WHERE key = ");
        sql.bind(key);
        Ok(self.fetch_optional::<(String,)>(&sql).await?.map(|r| r.0))
    }

    /// Writes a setting.
    pub async fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        // Every CLI command records the settings it runs with; an unchanged value is not
        // written, so a read-only command (backup, export) never takes SQLite's write lock
        // from a running server.
        if self.setting(key).await?.as_deref() == Some(value) {
            return Ok(());
        }
        let mut sql = Sql::new("INSERT INTO settings (key, value) VALUES (");
        sql.bind(key)
            .push(", ")
            .bind(value)
            .push(") ON CONFLICT (key) DO UPDATE SET value = excluded.value");
        self.execute(&sql).await?;
        Ok(())
    }
}
