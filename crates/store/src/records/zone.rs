//! The company time zone as the [`LocalZone`] of record files and forms.

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use kaohe_domain::import::LocalZone;

/// The company time zone (`time_zone` in the configuration, default Asia/Shanghai): local
/// times in files and forms are read and written in it.
#[derive(Debug, Clone, Copy)]
pub struct CompanyZone(pub chrono_tz::Tz);

impl LocalZone for CompanyZone {
    fn to_utc(&self, local: NaiveDateTime) -> Option<DateTime<Utc>> {
        self.0
            .from_local_datetime(&local)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
    }
    fn to_local(&self, at: DateTime<Utc>) -> NaiveDateTime {
        at.with_timezone(&self.0).naive_local()
    }
}
