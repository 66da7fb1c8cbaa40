//! Attendance (考勤): SPEC §3 and §5 — a half-day absence counts as a whole absent day.

use crate::records::Attendance;

/// Absent days among `days` (each half-day absence counts as one whole day; leave is not absence).
pub fn absent_days<'a>(days: impl IntoIterator<Item = &'a Attendance>) -> u32 {
    days.into_iter().map(Attendance::absent_days).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn day(d: u32, status: &str) -> Attendance {
        Attendance {
            id: 0,
            employee_id: 1,
            day: NaiveDate::from_ymd_opt(2026, 10, d).unwrap(),
            status: status.into(),
        }
    }

    #[test]
    fn two_half_day_absences_count_as_two_absent_days_not_one() {
        let month = [
            day(8, "half_absent"),
            day(9, "half_absent"),
            day(10, "present"),
        ];
        assert_eq!(absent_days(&month), 2);
    }

    #[test]
    fn leave_and_presence_are_not_absence() {
        assert_eq!(absent_days(&[day(8, "leave"), day(9, "present")]), 0);
        assert_eq!(absent_days(&[day(8, "absent")]), 1);
    }
}
