//! Assessment periods. A monthly period is written `2026-10`, a quarter `2026-Q4`, a year `2026`.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::{fmt, str::FromStr};

/// How long a period lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodKind {
    /// 月度
    Month,
    /// 季度
    Quarter,
    /// 年度
    Year,
}

impl PeriodKind {
    /// The stable text form used in files and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            PeriodKind::Month => "month",
            PeriodKind::Quarter => "quarter",
            PeriodKind::Year => "year",
        }
    }
}

impl FromStr for PeriodKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "month" => Ok(Self::Month),
            "quarter" => Ok(Self::Quarter),
            "year" => Ok(Self::Year),
            other => Err(format!(
                "unknown period kind `{other}` (expected month, quarter or year)"
            )),
        }
    }
}

/// A valid assessment period. Construct with [`Period::parse`] or the helpers; it can only
/// hold a real month, quarter or year between 2000 and 2999.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Period {
    /// A calendar month.
    Month { year: i32, month: u32 },
    /// A calendar quarter (1..=4).
    Quarter { year: i32, quarter: u32 },
    /// A calendar year.
    Year { year: i32 },
}

/// Why a period text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid period `{text}`: {reason} (expected e.g. 2026-10, 2026-Q4 or 2026)")]
pub struct PeriodError {
    /// The text as given.
    pub text: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl Period {
    /// Parses `2026-10`, `2026-Q4` or `2026`.
    pub fn parse(text: &str) -> Result<Self, PeriodError> {
        let err = |reason| PeriodError {
            text: text.to_string(),
            reason,
        };
        let t = text.trim();
        let (year_s, rest) = match t.split_once('-') {
            Some((y, r)) => (y, Some(r)),
            None => (t, None),
        };
        if year_s.len() != 4 || !year_s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err("the year must have four digits"));
        }
        let year: i32 = year_s
            .parse()
            .map_err(|_| err("the year is not a number"))?;
        if !(2000..=2999).contains(&year) {
            return Err(err("the year must be between 2000 and 2999"));
        }
        match rest {
            None => Ok(Period::Year { year }),
            Some(r) if r.starts_with(['Q', 'q']) => {
                let q: u32 = r[1..]
                    .parse()
                    .map_err(|_| err("the quarter is not a number"))?;
                if (1..=4).contains(&q) {
                    Ok(Period::Quarter { year, quarter: q })
                } else {
                    Err(err("the quarter must be 1 to 4"))
                }
            }
            Some(r) => {
                if r.len() != 2 || !r.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(err("the month must have two digits"));
                }
                let month: u32 = r.parse().map_err(|_| err("the month is not a number"))?;
                if (1..=12).contains(&month) {
                    Ok(Period::Month { year, month })
                } else {
                    Err(err("the month must be 01 to 12"))
                }
            }
        }
    }

    /// The month containing `date`.
    pub fn month_of(date: NaiveDate) -> Self {
        Period::Month {
            year: date.year(),
            month: date.month(),
        }
    }

    /// What kind of period this is.
    pub fn kind(self) -> PeriodKind {
        match self {
            Period::Month { .. } => PeriodKind::Month,
            Period::Quarter { .. } => PeriodKind::Quarter,
            Period::Year { .. } => PeriodKind::Year,
        }
    }

    /// First day of the period.
    pub fn start(self) -> NaiveDate {
        let (y, m) = match self {
            Period::Month { year, month } => (year, month),
            Period::Quarter { year, quarter } => (year, (quarter - 1) * 3 + 1),
            Period::Year { year } => (year, 1),
        };
        NaiveDate::from_ymd_opt(y, m, 1).expect("a Period always holds a valid date")
    }

    /// The first day after the period (exclusive end).
    pub fn end_exclusive(self) -> NaiveDate {
        self.next().start()
    }

    /// Last day of the period (inclusive).
    pub fn end(self) -> NaiveDate {
        self.end_exclusive()
            .pred_opt()
            .expect("dates after 2000 have a predecessor")
    }

    /// Whether `date` falls inside the period.
    pub fn contains(self, date: NaiveDate) -> bool {
        date >= self.start() && date < self.end_exclusive()
    }

    /// The following period of the same kind.
    pub fn next(self) -> Self {
        match self {
            Period::Month { year, month: 12 } => Period::Month {
                year: year + 1,
                month: 1,
            },
            Period::Month { year, month } => Period::Month {
                year,
                month: month + 1,
            },
            Period::Quarter { year, quarter: 4 } => Period::Quarter {
                year: year + 1,
                quarter: 1,
            },
            Period::Quarter { year, quarter } => Period::Quarter {
                year,
                quarter: quarter + 1,
            },
            Period::Year { year } => Period::Year { year: year + 1 },
        }
    }

    /// The preceding period of the same kind.
    pub fn prev(self) -> Self {
        match self {
            Period::Month { year, month: 1 } => Period::Month {
                year: year - 1,
                month: 12,
            },
            Period::Month { year, month } => Period::Month {
                year,
                month: month - 1,
            },
            Period::Quarter { year, quarter: 1 } => Period::Quarter {
                year: year - 1,
                quarter: 4,
            },
            Period::Quarter { year, quarter } => Period::Quarter {
                year,
                quarter: quarter - 1,
            },
            Period::Year { year } => Period::Year { year: year - 1 },
        }
    }

    /// This period and every following one of the same kind up to `last`, inclusive (empty
    /// when `last` comes first).
    pub fn through(self, last: Period) -> Vec<Period> {
        let mut out = Vec::new();
        let mut p = self;
        while p <= last {
            out.push(p);
            p = p.next();
        }
        out
    }

    /// The periods of `kind` this period covers, in order: the months of a year, the quarters
    /// of a year, the months of a quarter, or the period itself when `kind` is its own. Empty
    /// when `kind` is longer than this period.
    pub fn parts(self, kind: PeriodKind) -> Vec<Period> {
        if kind > self.kind() {
            return Vec::new();
        }
        let first = self.start_of(kind);
        let mut out = Vec::new();
        let mut p = first;
        while p.start() < self.end_exclusive() {
            out.push(p);
            p = p.next();
        }
        out
    }

    /// The period of `kind` this one lies in (itself for its own kind); `None` for a shorter
    /// kind.
    pub fn within(self, kind: PeriodKind) -> Option<Period> {
        (kind >= self.kind()).then(|| self.start_of(kind))
    }

    /// The longer periods made from this one's result: a month's quarter and year, a
    /// quarter's year.
    pub fn enclosing(self) -> Vec<Period> {
        [PeriodKind::Quarter, PeriodKind::Year]
            .into_iter()
            .filter(|k| *k > self.kind())
            .map(|k| self.start_of(k))
            .collect()
    }

    fn start_of(self, kind: PeriodKind) -> Period {
        let start = self.start();
        match kind {
            PeriodKind::Month => Period::month_of(start),
            PeriodKind::Quarter => Period::Quarter {
                year: start.year(),
                quarter: start.month0() / 3 + 1,
            },
            PeriodKind::Year => Period::Year { year: start.year() },
        }
    }

    /// The months a period covers, in order.
    pub fn months(self) -> Vec<Period> {
        let mut out = Vec::new();
        let mut m = Period::month_of(self.start());
        while m.start() < self.end_exclusive() {
            out.push(m);
            m = m.next();
        }
        out
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Month { year, month } => write!(f, "{year:04}-{month:02}"),
            Period::Quarter { year, quarter } => write!(f, "{year:04}-Q{quarter}"),
            Period::Year { year } => write!(f, "{year:04}"),
        }
    }
}

impl FromStr for Period {
    type Err = PeriodError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Period::parse(s)
    }
}

impl Serialize for Period {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Period::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn a_month_lies_in_its_quarter_and_year() {
        let p = |t: &str| Period::parse(t).unwrap();
        assert_eq!(p("2026-10").enclosing(), [p("2026-Q4"), p("2026")]);
        assert_eq!(p("2026-03").enclosing(), [p("2026-Q1"), p("2026")]);
        assert_eq!(p("2026-04").enclosing(), [p("2026-Q2"), p("2026")]);
        assert_eq!(p("2026-Q3").enclosing(), [p("2026")]);
        assert!(p("2026").enclosing().is_empty());
        assert_eq!(p("2026-12").within(PeriodKind::Quarter), Some(p("2026-Q4")));
        assert_eq!(p("2026-12").within(PeriodKind::Month), Some(p("2026-12")));
        assert_eq!(p("2026").within(PeriodKind::Month), None);
    }

    #[test]
    fn the_parts_of_a_year_and_a_quarter() {
        let year = Period::parse("2026").unwrap();
        let months: Vec<String> = year
            .parts(PeriodKind::Month)
            .iter()
            .map(|p| p.to_string())
            .collect();
        assert_eq!(months.len(), 12);
        assert_eq!(
            (months[0].as_str(), months[11].as_str()),
            ("2026-01", "2026-12")
        );
        let quarters: Vec<String> = year
            .parts(PeriodKind::Quarter)
            .iter()
            .map(|p| p.to_string())
            .collect();
        assert_eq!(quarters, ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]);
        let q4 = Period::parse("2026-Q4").unwrap();
        let months: Vec<String> = q4
            .parts(PeriodKind::Month)
            .iter()
            .map(|p| p.to_string())
            .collect();
        assert_eq!(months, ["2026-10", "2026-11", "2026-12"]);
        assert_eq!(q4.parts(PeriodKind::Quarter), vec![q4]);
        assert!(q4.parts(PeriodKind::Year).is_empty());
    }

    #[test]
    fn a_month_parses_and_prints_back() {
        let p = Period::parse("2026-10").unwrap();
        assert_eq!(p.to_string(), "2026-10");
        assert_eq!(p.start(), d(2026, 10, 1));
        assert_eq!(p.end(), d(2026, 10, 31));
    }

    #[test]
    fn month_13_and_short_forms_are_refused() {
        for bad in [
            "2026-13",
            "2026-00",
            "2026-1",
            "26-10",
            "2026-Q5",
            "abcd",
            "2026-10-01",
        ] {
            assert!(Period::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn december_rolls_over_to_january() {
        let p = Period::parse("2026-12").unwrap();
        assert_eq!(p.next().to_string(), "2027-01");
        assert_eq!(Period::parse("2027-01").unwrap().prev(), p);
        assert_eq!(p.end(), d(2026, 12, 31));
    }

    #[test]
    fn a_quarter_covers_three_months_and_a_year_twelve() {
        let q = Period::parse("2026-Q4").unwrap();
        assert_eq!(q.months().len(), 3);
        assert_eq!(q.start(), d(2026, 10, 1));
        assert_eq!(Period::parse("2026").unwrap().months().len(), 12);
    }

    #[test]
    fn periods_through_a_later_one_include_both_ends_and_none_when_reversed() {
        let jun = Period::parse("2026-06").unwrap();
        let nov = Period::parse("2026-11").unwrap();
        let all: Vec<_> = jun.through(nov).iter().map(ToString::to_string).collect();
        assert_eq!(
            all,
            [
                "2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"
            ]
        );
        assert!(nov.through(jun).is_empty());
    }

    #[test]
    fn february_of_a_leap_year_ends_on_the_29th() {
        assert_eq!(Period::parse("2028-02").unwrap().end(), d(2028, 2, 29));
        assert!(!Period::parse("2026-02").unwrap().contains(d(2026, 3, 1)));
    }
}
