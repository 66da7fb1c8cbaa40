//! Local office time → UTC.

use chrono::{DateTime, NaiveDate, Offset, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;

/// Seconds after local midnight.
pub(crate) type Secs = i64;

/// `h:m` local as seconds after midnight.
pub(crate) const fn hm(h: i64, m: i64) -> Secs {
    h * 3600 + m * 60
}

/// The UTC instant of local midnight on `day`, for adding office-hour seconds to.
///
/// The offset is taken at local noon: daylight-saving changes happen at night, so every office
/// hour of a day shares the noon offset (Asia/Shanghai has no DST at all; other zones work too).
pub(crate) fn midnight_utc(tz: Tz, day: NaiveDate) -> DateTime<Utc> {
    let noon = day.and_hms_opt(12, 0, 0).expect("noon exists");
    let offset = match tz.from_local_datetime(&noon).earliest() {
        Some(t) => t.offset().fix().local_minus_utc(),
        None => 0,
    };
    let naive =
        day.and_hms_opt(0, 0, 0).expect("midnight exists") - TimeDelta::seconds(i64::from(offset));
    Utc.from_utc_datetime(&naive)
}

/// The exact UTC instant a local day begins (the first instant whose local date is `day`):
/// the boundary between day batches, which differs from [`midnight_utc`] on DST-change days.
pub(crate) fn day_start_utc(tz: Tz, day: NaiveDate) -> DateTime<Utc> {
    // Where midnight itself is skipped by a DST jump, the day starts at the first hour that exists.
    (0..4)
        .find_map(|h| {
            tz.from_local_datetime(&day.and_hms_opt(h, 0, 0).expect("valid hour"))
                .earliest()
        })
        .map_or_else(|| midnight_utc(tz, day), |t| t.with_timezone(&Utc))
}

/// Local `secs` after midnight of `day`, in UTC.
pub(crate) fn at(tz: Tz, day: NaiveDate, secs: Secs) -> DateTime<Utc> {
    midnight_utc(tz, day) + TimeDelta::seconds(secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nine_in_shanghai_is_one_utc() {
        let day = NaiveDate::from_ymd_opt(2026, 10, 8).unwrap();
        let t = at(chrono_tz::Asia::Shanghai, day, hm(9, 0));
        assert_eq!(t.to_rfc3339(), "2026-10-08T01:00:00+00:00");
        // Berlin in summer is UTC+2, in winter UTC+1.
        let s = at(
            chrono_tz::Europe::Berlin,
            NaiveDate::from_ymd_opt(2026, 7, 1).unwrap(),
            hm(9, 0),
        );
        assert_eq!(s.to_rfc3339(), "2026-07-01T07:00:00+00:00");
        // On the spring-forward day Berlin's day begins at UTC+1, its office hours run at UTC+2.
        let dst = NaiveDate::from_ymd_opt(2026, 3, 29).unwrap();
        assert_eq!(
            day_start_utc(chrono_tz::Europe::Berlin, dst).to_rfc3339(),
            "2026-03-28T23:00:00+00:00"
        );
        assert_eq!(
            at(chrono_tz::Europe::Berlin, dst, hm(9, 0)).to_rfc3339(),
            "2026-03-29T07:00:00+00:00"
        );
    }
}
