//! The indicator library and schemes in the database: one TOML document per version, and the
//! company calendar (holidays, make-up days, time zone) that evaluation counts working days in.

use crate::sql::Sql;
use crate::{Result, Store, StoreError, Viewer};
use chrono::{FixedOffset, NaiveDate, Utc};
use kaohe_domain::calendar::{Calendar, DayKind};
use kaohe_domain::library::Library;
use std::sync::Arc;

/// A stored library version.
#[derive(Debug, Clone)]
pub struct LibraryVersion {
    pub version: i64,
    pub library: Arc<Library>,
}

impl Store {
    /// The current library; the shipped defaults are installed as version 1 the first time.
    pub async fn library(&self) -> Result<LibraryVersion> {
        let latest = Sql::new("SELECT MAX(version) FROM library_versions");
        let Some((Some(version),)) = self.fetch_optional::<(Option<i64>,)>(&latest).await? else {
            let library = kaohe_domain::defaults::library();
            let version = self
                .save_library(&Viewer::system("kaohe init"), &library)
                .await?;
            return Ok(self.cache_library(version, library));
        };
        // Parsing and checking every formula costs milliseconds; a dashboard asks on every
        // request, so the parsed library is kept until a new version is saved.
        if let Some(hit) = self
            .library_cache
            .read()
            .expect("cache lock")
            .as_ref()
            .filter(|c| c.version == version)
        {
            return Ok(hit.clone());
        }
        let mut sql = Sql::new("SELECT definition FROM library_versions WHERE version = ");
        sql.bind(version);
        let (text,): (String,) =
            self.fetch_optional(&sql)
                .await?
                .ok_or_else(|| StoreError::NotFound {
                    entity: "library version",
                    key: version.to_string(),
                })?;
        let library = Library::from_toml(&text).map_err(|e| StoreError::Invalid {
            field: format!("library version {version}"),
            message: e.to_string(),
        })?;
        Ok(self.cache_library(version, library))
    }

    fn cache_library(&self, version: i64, library: Library) -> LibraryVersion {
        let entry = LibraryVersion {
            version,
            library: Arc::new(library),
        };
        *self.library_cache.write().expect("cache lock") = Some(entry.clone());
        entry
    }

    /// Stores `library` as a new version (audited) and returns its number. HR and
    /// administrators only (SPEC §1: HR keeps the schemes and the indicator library).
    pub async fn save_library(&self, viewer: &Viewer, library: &Library) -> Result<i64> {
        self.save_library_audited(viewer, library, None).await
    }

    /// [`Store::save_library`] with a second audit entry saying what changed (a formula's
    /// before and after), written in the same transaction.
    pub(crate) async fn save_library_audited(
        &self,
        viewer: &Viewer,
        library: &Library,
        detail: Option<crate::audit::AuditEntry<'_>>,
    ) -> Result<i64> {
        crate::admin::require_admin(viewer, "changing the indicator library")?;
        let text = library.to_toml();
        let mut tx = self.begin().await?;
        let latest: Vec<(Option<i64>,)> = tx
            .fetch_all(&Sql::new("SELECT MAX(version) FROM library_versions"))
            .await?;
        let version = latest.first().and_then(|r| r.0).unwrap_or(0) + 1;
        let mut sql = Sql::new(
            "INSERT INTO library_versions (version, definition, actor, created_at) VALUES (",
        );
        sql.bind(version)
            .push(", ")
            .bind(text.as_str())
            .push(", ")
            .bind(viewer.username.as_str());
        sql.push(", ").bind(Utc::now()).push(")");
        tx.run(&sql).await?;
        let codes: Vec<_> = library
            .schemes()
            .iter()
            .map(|s| format!("{}@{}", s.code, s.version))
            .collect();
        let entry = crate::audit::AuditEntry {
            action: "update",
            entity: "library",
            entity_id: version.to_string(),
            before: None,
            after: Some(
                serde_json::json!({ "indicators": library.indicators().len(), "schemes": codes }),
            ),
        };
        tx.audit(viewer, entry).await?;
        if let Some(detail) = detail {
            tx.audit(viewer, detail).await?;
        }
        // The new library's measures that no roll-up answers yet are built in the background
        // (`crate::rollup::builds`); until then readers compute them from the records.
        let new_measures = tx
            .register_pending_measures(&crate::rollup::wanted_by(library)?)
            .await?;
        tx.commit().await?;
        if new_measures > 0 {
            self.wake_rollup_builder();
        }
        Ok(version)
    }

    /// The company calendar: holidays and make-up days from the database, in the company's
    /// time zone (its UTC offset on `on`).
    pub async fn calendar(&self, on: NaiveDate) -> Result<Calendar> {
        let rows: Vec<(NaiveDate, String)> = self
            .fetch_all(&Sql::new("SELECT day, kind FROM holidays"))
            .await?;
        let days = rows.into_iter().map(|(d, k)| {
            (
                d,
                if k == "workday" {
                    DayKind::Workday
                } else {
                    DayKind::Holiday
                },
            )
        });
        let tz_name = self
            .setting("time_zone")
            .await?
            .unwrap_or_else(|| "Asia/Shanghai".into());
        Ok(Calendar::new(days).with_utc_offset(utc_offset(&tz_name, on)))
    }
}

/// The UTC offset of an IANA time zone on a day (DST zones differ by season).
pub fn utc_offset(tz_name: &str, on: NaiveDate) -> FixedOffset {
    use chrono::{Offset, TimeZone};
    let tz: chrono_tz::Tz = tz_name.parse().unwrap_or(chrono_tz::Asia::Shanghai);
    let noon = on.and_hms_opt(12, 0, 0).expect("noon exists");
    tz.offset_from_utc_datetime(&noon).fix()
}
