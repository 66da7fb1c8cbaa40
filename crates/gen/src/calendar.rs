//! The Chinese public-holiday calendar (法定节假日 and 调休) used by the demo company.

use chrono::NaiveDate;
use kaohe_domain::calendar::{Calendar, DayKind};

/// One year's arrangement: (holiday name, first day off, last day off, make-up working days).
type Arrangement = (&'static str, (u32, u32), (u32, u32), &'static [(u32, u32)]);

/// 2025, as announced by the State Council (国办发明电〔2024〕12号).
const Y2025: &[Arrangement] = &[
    ("元旦", (1, 1), (1, 1), &[]),
    ("春节", (1, 28), (2, 4), &[(1, 26), (2, 8)]),
    ("清明节", (4, 4), (4, 6), &[]),
    ("劳动节", (5, 1), (5, 5), &[(4, 27)]),
    ("端午节", (5, 31), (6, 2), &[]),
    ("国庆节、中秋节", (10, 1), (10, 8), &[(9, 28), (10, 11)]),
];

/// 2026, as announced by the State Council on 2025-11-04.
const Y2026: &[Arrangement] = &[
    ("元旦", (1, 1), (1, 3), &[(1, 4)]),
    ("春节", (2, 15), (2, 23), &[(2, 14), (2, 28)]),
    ("清明节", (4, 4), (4, 6), &[]),
    ("劳动节", (5, 1), (5, 5), &[(5, 9)]),
    ("端午节", (6, 19), (6, 21), &[]),
    ("中秋节", (9, 25), (9, 27), &[]),
    ("国庆节", (10, 1), (10, 7), &[(9, 20), (10, 10)]),
];

/// 2027 is not announced yet (it is published each November). This is a provisional
/// arrangement following the usual pattern around the lunar dates (春节 6 Feb, 端午 9 Jun,
/// 中秋 15 Sep), so that deadlines near the end of a 2026 range land on believable days.
/// Companies replace it with the official list once published.
const Y2027: &[Arrangement] = &[
    ("元旦", (1, 1), (1, 3), &[]),
    ("春节", (2, 5), (2, 12), &[(2, 20)]),
    ("清明节", (4, 3), (4, 5), &[]),
    ("劳动节", (5, 1), (5, 5), &[(4, 25), (5, 8)]),
    ("端午节", (6, 9), (6, 9), &[]),
    ("中秋节", (9, 15), (9, 15), &[]),
    ("国庆节", (10, 1), (10, 7), &[(9, 26), (10, 9)]),
];

fn arrangement(year: i32) -> &'static [Arrangement] {
    match year {
        2025 => Y2025,
        2026 => Y2026,
        2027 => Y2027,
        _ => &[],
    }
}

/// The public holidays and make-up working days of the given years, with their names
/// (make-up days are named after the holiday they belong to, e.g. `国庆节调休上班`).
/// Years other than 2025–2027 contribute nothing (plain Monday–Friday weeks).
pub fn demo_holidays(years: impl IntoIterator<Item = i32>) -> Vec<(NaiveDate, DayKind, String)> {
    let mut out = Vec::new();
    for year in years {
        for (name, from, to, workdays) in arrangement(year) {
            let d = |(m, day): (u32, u32)| {
                NaiveDate::from_ymd_opt(year, m, day).expect("holiday table holds real dates")
            };
            let (first, last) = (d(*from), d(*to));
            out.extend(
                first
                    .iter_days()
                    .take_while(|x| *x <= last)
                    .map(|x| (x, DayKind::Holiday, name.to_string())),
            );
            out.extend(
                workdays
                    .iter()
                    .map(|w| (d(*w), DayKind::Workday, format!("{name}调休上班"))),
            );
        }
    }
    out.sort_by_key(|(d, _, _)| *d);
    out
}

/// The working-day calendar of the given years: Chinese public holidays (元旦, 春节, 清明,
/// 劳动节, 端午, 中秋, 国庆) and their make-up working days (调休), for 2025–2027.
pub fn demo_calendar(years: impl IntoIterator<Item = i32>) -> Calendar {
    Calendar::new(demo_holidays(years).into_iter().map(|(d, k, _)| (d, k)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn national_day_2026_is_off_and_its_make_up_days_work() {
        let cal = demo_calendar(2026..=2026);
        assert!((1..=7).all(|n| !cal.is_working_day(d(2026, 10, n))));
        assert!(
            cal.is_working_day(d(2026, 9, 20)),
            "Sunday 20 Sep is a make-up day"
        );
        assert!(
            cal.is_working_day(d(2026, 10, 10)),
            "Saturday 10 Oct is a make-up day"
        );
        assert_eq!(cal.working_days_between(d(2026, 10, 1), d(2026, 11, 1)), 18);
    }

    #[test]
    fn spring_festival_2026_spans_nine_days_between_two_working_saturdays() {
        let cal = demo_calendar([2026]);
        assert!(cal.is_working_day(d(2026, 2, 14)));
        assert!((15..=23).all(|n| !cal.is_working_day(d(2026, 2, n))));
        assert!(cal.is_working_day(d(2026, 2, 28)));
        assert!(
            !cal.is_working_day(d(2026, 6, 19)),
            "端午 2026 is a Friday off"
        );
    }

    #[test]
    fn every_year_has_all_seven_festivals_and_unknown_years_are_plain() {
        for y in 2025..=2027 {
            let names: Vec<_> = demo_holidays([y]).into_iter().map(|(_, _, n)| n).collect();
            for f in ["元旦", "春节", "清明", "劳动节", "端午", "中秋", "国庆"] {
                assert!(names.iter().any(|n| n.contains(f)), "{y} lacks {f}");
            }
        }
        assert!(demo_holidays([2030]).is_empty());
        assert_eq!(
            demo_calendar(2025..=2027).overrides().count(),
            demo_holidays(2025..=2027).len()
        );
    }
}
