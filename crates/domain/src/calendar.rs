//! The working-day calendar: weekends, public holidays and make-up working days (调休).
//!
//! Chinese public holidays move weekends around: a Saturday may be a working day (调休上班)
//! and a Wednesday a holiday. Deadlines counted in "working days" (appeals: 3 working days)
//! and rates per working day (cold visits per day) both use this calendar.

use chrono::{Datelike, NaiveDate, Weekday};
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
}

/// A company calendar: Monday–Friday work, adjusted by configured days.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    overrides: BTreeMap<NaiveDate, DayKind>,
}

impl Calendar {
    /// A calendar with the given overrides.
    pub fn new(overrides: impl IntoIterator<Item = (NaiveDate, DayKind)>) -> Self {
        Calendar {
            overrides: overrides.into_iter().collect(),
        }
    }

    /// Whether people work on `day`.
    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        match self.overrides.get(&day) {
            Some(DayKind::Holiday) => false,
            Some(DayKind::Workday) => true,
            None => !matches!(day.weekday(), Weekday::Sat | Weekday::Sun),
        }
    }

    /// Working days in `[from, to)`.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        from.iter_days()
            .take_while(|d| *d < to)
            .filter(|d| self.is_working_day(*d))
            .count() as u32
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

    /// The configured overrides, in date order.
    pub fn overrides(&self) -> impl Iterator<Item = (NaiveDate, DayKind)> + '_ {
        self.overrides.iter().map(|(d, k)| (*d, *k))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
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
}
