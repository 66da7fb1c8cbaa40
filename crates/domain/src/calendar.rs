//! The working-day calendar: weekends, public holidays and make-up working days (调休).
//!
//! Chinese public holidays move weekends around: a Saturday may be a working day (调休上班)
//! and a Wednesday a holiday. Deadlines counted in "working days" (appeals: 3 working days)
//! and rates per working day (cold visits per day) both use this calendar.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Utc, Weekday};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a configured day is, overriding the weekday rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// A public holiday (法定节假日): no work even on a weekday.
    Holiday,
    /// A make-up working day (调休上班): work even on a weekend.
    Workday,
}

impl DayKind {
    /// Stable text form.
    pub fn as_str(self) -> &'static str {
        match self {
            DayKind::Holiday => "holiday",
            DayKind::Workday => "workday",
        }
    }

    /// Reads a kind as files and forms give it: `holiday` / `休息日` or `workday` / `工作日`
    /// (the Chinese labels of [`crate::rules::enums::DAY_KINDS`]).
    pub fn parse(text: &str) -> Option<DayKind> {
        match crate::rules::enums::code_of(crate::rules::enums::DAY_KINDS, text)? {
            "holiday" => Some(DayKind::Holiday),
            "workday" => Some(DayKind::Workday),
            _ => None,
        }
    }
}

/// One configured day: its date, kind and name (元旦, 国庆节调休上班, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarEntry {
    pub day: NaiveDate,
    pub kind: DayKind,
    pub name: String,
}

/// The shipped public-holiday schedule (`crates/domain/defaults/calendar.toml`).
pub const DEFAULT_CALENDAR_TOML: &str = include_str!("../defaults/calendar.toml");

/// One holiday of the shipped schedule: its days off and make-up working days.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ShippedHoliday {
    name: String,
    /// First and last day off, inclusive.
    off: [NaiveDate; 2],
    work: Vec<NaiveDate>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ShippedCalendar {
    holiday: Vec<ShippedHoliday>,
}

/// Parses a schedule in the shipped format into days, by date: every day of each holiday's
/// range as a holiday, each make-up day as a working day named `<holiday>调休上班`.
pub fn parse_schedule(text: &str) -> Result<Vec<CalendarEntry>, String> {
    let shipped: ShippedCalendar = toml::from_str(text).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for h in shipped.holiday {
        let [first, last] = h.off;
        if last < first {
            return Err(format!("{}: the last day off is before the first", h.name));
        }
        out.extend(
            first
                .iter_days()
                .take_while(|d| *d <= last)
                .map(|day| CalendarEntry {
                    day,
                    kind: DayKind::Holiday,
                    name: h.name.clone(),
                }),
        );
        for day in h.work {
            if !is_weekend(day) {
                return Err(format!(
                    "{}: make-up day {day} is not a weekend day",
                    h.name
                ));
            }
            out.push(CalendarEntry {
                day,
                kind: DayKind::Workday,
                name: format!("{}调休上班", h.name),
            });
        }
    }
    out.sort_by_key(|e| e.day);
    if let Some(w) = out.windows(2).find(|w| w[0].day == w[1].day) {
        return Err(format!("{} is listed twice", w[0].day));
    }
    Ok(out)
}

/// The shipped schedule (mainland China's official public holidays; see the file for the
/// notices it follows). The test below guarantees it parses, so this does not fail.
pub fn default_schedule() -> Vec<CalendarEntry> {
    parse_schedule(DEFAULT_CALENDAR_TOML)
        .unwrap_or_else(|e| panic!("the shipped calendar is invalid: {e}"))
}

/// A company calendar: Monday–Friday work, adjusted by configured days.
///
/// It also knows the company's offset from UTC, because records keep instants in UTC while
/// "which day" (and so "how many working days") is a company-local question.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    overrides: BTreeMap<NaiveDate, DayKind>,
    /// Seconds east of UTC; 0 (UTC) unless set with [`Calendar::with_utc_offset`].
    utc_offset_s: i32,
}

impl Calendar {
    /// A calendar with the given overrides.
    pub fn new(overrides: impl IntoIterator<Item = (NaiveDate, DayKind)>) -> Self {
        Calendar {
            overrides: overrides.into_iter().collect(),
            utc_offset_s: 0,
        }
    }

    /// The same calendar in a company whose local time is `offset` from UTC
    /// (China: `FixedOffset::east_opt(8 * 3600)`).
    pub fn with_utc_offset(mut self, offset: FixedOffset) -> Self {
        self.utc_offset_s = offset.local_minus_utc();
        self
    }

    /// The company's offset from UTC.
    pub fn utc_offset(&self) -> FixedOffset {
        FixedOffset::east_opt(self.utc_offset_s)
            .unwrap_or(FixedOffset::east_opt(0).expect("0 is valid"))
    }

    /// The company-local calendar date of an instant.
    pub fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.utc_offset()).date_naive()
    }

    /// Working days after `from` up to and including `to`: how many working days something
    /// took. Same day → 0; received Friday, done Monday → 1. Negative when `to` is before `from`.
    pub fn working_days_elapsed(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        let (a, b, sign) = if to >= from {
            (from, to, 1)
        } else {
            (to, from, -1)
        };
        let (Some(a1), Some(b1)) = (a.succ_opt(), b.succ_opt()) else {
            return 0;
        };
        sign * i64::from(self.working_days_between(a1, b1))
    }

    /// Whether people work on `day`.
    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        match self.overrides.get(&day) {
            Some(DayKind::Holiday) => false,
            Some(DayKind::Workday) => true,
            None => !is_weekend(day),
        }
    }

    /// Working days in `[from, to)`.
    ///
    /// Counted by whole weeks plus the configured days in range, not day by day, because
    /// formulas call it once per record (`working_days(received_at, entered_at)`).
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        if to <= from {
            return 0;
        }
        let days = (to - from).num_days();
        let mut count = days / 7 * 5;
        let tail_start = from + chrono::Duration::days(days / 7 * 7);
        count += tail_start
            .iter_days()
            .take_while(|d| *d < to)
            .filter(|d| !is_weekend(*d))
            .count() as i64;
        for (day, kind) in self.overrides.range(from..to) {
            match (kind, is_weekend(*day)) {
                (DayKind::Holiday, false) => count -= 1,
                (DayKind::Workday, true) => count += 1,
                _ => {}
            }
        }
        u32::try_from(count).unwrap_or(u32::MAX)
    }

    /// The date `n` working days after `from` (not counting `from` itself).
    /// `add_working_days(fri, 1)` is the next Monday when the weekend is free.
    pub fn add_working_days(&self, from: NaiveDate, n: u32) -> NaiveDate {
        let mut day = from;
        let mut left = n;
        while left > 0 {
            day = day
                .succ_opt()
                .expect("calendar dates stay far from the end of time");
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }

    /// The years from `from` to `to` (inclusive) in which no day is configured: working-day
    /// counts there follow the weekday rule alone, so a deadline computed over them ignores
    /// public holidays nobody entered (HR is warned).
    pub fn years_without_entries(&self, from: NaiveDate, to: NaiveDate) -> Vec<i32> {
        (from.year()..=to.year())
            .filter(|y| {
                let (Some(a), Some(b)) = (
                    NaiveDate::from_ymd_opt(*y, 1, 1),
                    NaiveDate::from_ymd_opt(*y + 1, 1, 1),
                ) else {
                    return false;
                };
                self.overrides.range(a..b).next().is_none()
            })
            .collect()
    }

    /// The configured overrides, in date order.
    pub fn overrides(&self) -> impl Iterator<Item = (NaiveDate, DayKind)> + '_ {
        self.overrides.iter().map(|(d, k)| (*d, *k))
    }
}

fn is_weekend(day: NaiveDate) -> bool {
    matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_shipped_2026_schedule_parses_and_follows_the_notice() {
        let days = default_schedule();
        let cal = Calendar::new(days.iter().map(|e| (e.day, e.kind)));
        // 春节: 2月15日至23日 off, 2月14日 and 2月28日 (Saturdays) worked.
        assert!(!cal.is_working_day(d(2026, 2, 16)));
        assert!(cal.is_working_day(d(2026, 2, 14)));
        assert!(cal.is_working_day(d(2026, 2, 28)));
        assert!(cal.is_working_day(d(2026, 1, 4)));
        assert!(!cal.is_working_day(d(2026, 5, 5)));
        assert!(cal.is_working_day(d(2026, 9, 20)));
        let holidays = days.iter().filter(|e| e.kind == DayKind::Holiday).count();
        let workdays = days.iter().filter(|e| e.kind == DayKind::Workday).count();
        assert_eq!((holidays, workdays), (3 + 9 + 3 + 5 + 3 + 3 + 7, 6));
        assert_eq!(
            cal.years_without_entries(d(2026, 12, 1), d(2027, 1, 10)),
            vec![2027]
        );
    }

    #[test]
    fn a_schedule_with_a_weekday_make_up_day_or_a_day_twice_is_refused() {
        let bad = "[[holiday]]\nname = \"x\"\noff = [\"2026-10-01\", \"2026-10-02\"]\nwork = [\"2026-10-05\"]\n";
        assert!(parse_schedule(bad).unwrap_err().contains("not a weekend"));
        let twice = "[[holiday]]\nname = \"x\"\noff = [\"2026-10-01\", \"2026-10-02\"]\nwork = []\n[[holiday]]\nname = \"y\"\noff = [\"2026-10-02\", \"2026-10-02\"]\nwork = []\n";
        assert!(parse_schedule(twice).unwrap_err().contains("twice"));
        assert_eq!(DayKind::parse("休息日"), Some(DayKind::Holiday));
        assert_eq!(DayKind::parse("workday"), Some(DayKind::Workday));
        assert_eq!(DayKind::parse("周末"), None);
    }

    #[test]
    fn three_working_days_after_a_friday_is_wednesday() {
        let cal = Calendar::default();
        assert_eq!(cal.add_working_days(d(2026, 11, 20), 3), d(2026, 11, 25));
    }

    #[test]
    fn a_holiday_spanning_a_weekend_is_skipped_and_a_make_up_saturday_counts() {
        // National Day 2026: Oct 1–7 off, Sat Oct 10 a make-up working day.
        let mut days: Vec<_> = (1..=7)
            .map(|n| (d(2026, 10, n), DayKind::Holiday))
            .collect();
        days.push((d(2026, 10, 10), DayKind::Workday));
        let cal = Calendar::new(days);
        assert_eq!(cal.add_working_days(d(2026, 9, 30), 1), d(2026, 10, 8));
        assert!(cal.is_working_day(d(2026, 10, 10)));
        assert_eq!(cal.working_days_between(d(2026, 10, 1), d(2026, 11, 1)), 18);
    }

    #[test]
    fn counting_by_weeks_agrees_with_counting_day_by_day() {
        let mut days: Vec<_> = (1..=7)
            .map(|n| (d(2026, 10, n), DayKind::Holiday))
            .collect();
        days.push((d(2026, 10, 10), DayKind::Workday));
        days.push((d(2026, 10, 11), DayKind::Holiday));
        let cal = Calendar::new(days);
        let start = d(2026, 9, 1);
        for a in 0..70 {
            for len in 0..60 {
                let from = start + chrono::Duration::days(a);
                let to = from + chrono::Duration::days(len);
                let slow = from
                    .iter_days()
                    .take_while(|x| *x < to)
                    .filter(|x| cal.is_working_day(*x));
                assert_eq!(
                    cal.working_days_between(from, to),
                    slow.count() as u32,
                    "{from}..{to}"
                );
            }
        }
    }

    #[test]
    fn elapsed_working_days_count_the_end_day_not_the_start_day() {
        let cal = Calendar::default();
        // Fri 2026-11-20 → Mon 2026-11-23 took one working day; same day took none.
        assert_eq!(
            cal.working_days_elapsed(d(2026, 11, 20), d(2026, 11, 23)),
            1
        );
        assert_eq!(
            cal.working_days_elapsed(d(2026, 11, 20), d(2026, 11, 20)),
            0
        );
        assert_eq!(
            cal.working_days_elapsed(d(2026, 11, 23), d(2026, 11, 20)),
            -1
        );
    }

    #[test]
    fn a_late_evening_utc_instant_is_the_next_local_day_in_china() {
        let cal = Calendar::default().with_utc_offset(FixedOffset::east_opt(8 * 3600).unwrap());
        let at = d(2026, 10, 8).and_hms_opt(17, 30, 0).unwrap().and_utc();
        assert_eq!(cal.local_date(at), d(2026, 10, 9));
        assert_eq!(Calendar::default().local_date(at), d(2026, 10, 8));
    }
}
