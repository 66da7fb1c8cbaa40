//! One value of a record file, and how office files write values: dates as `2026-10-08`,
//! `2026/10/8`, `2026.10.8`, `2026年10月8日` or an Excel serial number, each with an optional
//! time; booleans as 是/否, true/false, 1/0, Y/N; money as yuan with up to two decimals.

use super::spec::{Column, Ty};
use crate::money::Cents;
use crate::rules::enums;
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

/// A typed value of one column.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Date(NaiveDate),
    Time(DateTime<Utc>),
}

/// The company time zone: files carry local times, records carry UTC instants.
pub trait LocalZone: Send + Sync {
    /// The instant of a local wall-clock time (`None` when the time does not exist locally).
    fn to_utc(&self, local: NaiveDateTime) -> Option<DateTime<Utc>>;
    /// The local wall-clock time of an instant.
    fn to_local(&self, at: DateTime<Utc>) -> NaiveDateTime;
}

impl LocalZone for FixedOffset {
    fn to_utc(&self, local: NaiveDateTime) -> Option<DateTime<Utc>> {
        self.from_local_datetime(&local)
            .single()
            .map(|t| t.with_timezone(&Utc))
    }
    fn to_local(&self, at: DateTime<Utc>) -> NaiveDateTime {
        at.with_timezone(self).naive_local()
    }
}

/// Parses the text of one cell for `col`; an empty cell is [`Cell::Null`].
pub fn parse(col: &Column, text: &str, zone: &dyn LocalZone) -> Result<Cell, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(Cell::Null);
    }
    match col.ty {
        Ty::Id | Ty::Text | Ty::Ref(_) => Ok(Cell::Text(t.to_string())),
        Ty::Int => parse_int(t).map(Cell::Int),
        Ty::Float => t
            .parse::<f64>()
            .map(Cell::Float)
            .map_err(|_| "not a number".to_string()),
        Ty::Money => parse_money(t).map(|c| Cell::Int(c.0)),
        Ty::Bool => parse_bool(t).map(Cell::Bool),
        Ty::Date => parse_date_time(t).map(|(d, _)| Cell::Date(d)),
        Ty::Time => {
            if let Ok(at) = DateTime::parse_from_rfc3339(t) {
                return Ok(Cell::Time(at.with_timezone(&Utc)));
            }
            let (d, time) = parse_date_time(t)?;
            let local = d.and_time(time.unwrap_or(NaiveTime::MIN));
            zone.to_utc(local)
                .map(Cell::Time)
                .ok_or_else(|| format!("{local} does not exist in the company time zone"))
        }
        Ty::Choice(choices) => enums::code_of(choices, t)
            .map(|c| Cell::Text(c.to_string()))
            .ok_or_else(|| format!("expected one of: {}", choice_list(choices))),
    }
}

fn choice_list(choices: enums::Choices) -> String {
    choices
        .iter()
        .map(|(c, zh)| {
            if c == zh {
                c.to_string()
            } else {
                format!("{c} ({zh})")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A whole number; `12.0` (how spreadsheets store integers) is accepted.
pub fn parse_int(t: &str) -> Result<i64, String> {
    let t = t.replace(',', "");
    if let Ok(v) = t.parse::<i64>() {
        return Ok(v);
    }
    match t.parse::<f64>() {
        Ok(f) if f.fract() == 0.0 && f.abs() < 9e15 => Ok(f as i64),
        _ => Err("not a whole number".into()),
    }
}

/// Yuan with at most two decimals (`1,234.56`, `¥1234.5`, `-3`) to cents, exactly.
pub fn parse_money(t: &str) -> Result<Cents, String> {
    let bad = || format!("not an amount of money (yuan with at most two decimals): `{t}`");
    let s: String = t
        .trim_start_matches(['¥', '￥'])
        .trim_end_matches('元')
        .chars()
        .filter(|c| *c != ',')
        .collect();
    let (neg, s) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.as_str()),
    };
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    // Spreadsheets may store 1234.5 as 1234.5000000001; only true zeros may follow the cents.
    let (cents_part, rest) = frac.split_at(frac.len().min(2));
    if rest.bytes().any(|b| b != b'0') {
        return Err(bad());
    }
    // Digits only by now: a number that does not fit is too large, not malformed.
    let too_large = crate::rules::limits::too_large;
    let yuan: i64 = whole.parse().map_err(|_| too_large())?;
    let cents: i64 = format!("{cents_part:0<2}").parse().map_err(|_| bad())?;
    let v = yuan
        .checked_mul(100)
        .and_then(|y| y.checked_add(cents))
        .ok_or_else(too_large)?;
    Ok(Cents(if neg { -v } else { v }))
}

/// 是/否, true/false, 1/0, Y/N, yes/no (any case).
pub fn parse_bool(t: &str) -> Result<bool, String> {
    match t.to_ascii_lowercase().as_str() {
        "是" | "true" | "1" | "y" | "yes" | "t" => Ok(true),
        "否" | "false" | "0" | "n" | "no" | "f" => Ok(false),
        _ => Err("expected 是/否, true/false, 1/0 or Y/N".into()),
    }
}

/// A date with an optional time of day, in the formats Chinese offices type and export.
pub fn parse_date_time(t: &str) -> Result<(NaiveDate, Option<NaiveTime>), String> {
    let bad =
        || "not a date (e.g. 2026-10-08, 2026/10/8, 2026年10月8日 or an Excel date)".to_string();
    if let Ok(serial) = t.parse::<f64>() {
        return excel_serial(serial).ok_or_else(bad);
    }
    let (date_text, time_text) = split_date_time(t);
    let date = parse_date(date_text).ok_or_else(bad)?;
    let time = match time_text {
        None => None,
        Some(tt) => Some(parse_time(tt).ok_or_else(|| format!("not a time of day: `{tt}`"))?),
    };
    Ok((date, time))
}

fn split_date_time(t: &str) -> (&str, Option<&str>) {
    if let Some(i) = t.find('日') {
        let rest = t[i + '日'.len_utf8()..].trim();
        return (
            &t[..i + '日'.len_utf8()],
            (!rest.is_empty()).then_some(rest),
        );
    }
    match t.split_once(['T', ' ']) {
        Some((d, rest)) if !rest.trim().is_empty() => (d, Some(rest.trim())),
        _ => (t, None),
    }
}

fn parse_date(t: &str) -> Option<NaiveDate> {
    let normalised: String = t
        .trim()
        .trim_end_matches('日')
        .chars()
        .map(|c| {
            if matches!(c, '/' | '.' | '年' | '月') {
                '-'
            } else {
                c
            }
        })
        .collect();
    let mut parts = normalised.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 {
        return None;
    }
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

fn parse_time(t: &str) -> Option<NaiveTime> {
    let t = t.trim_end_matches('Z');
    ["%H:%M:%S%.f", "%H:%M"]
        .iter()
        .find_map(|f| NaiveTime::parse_from_str(t, f).ok())
}

/// An Excel serial date (days since 1899-12-30, the fraction is the time of day).
/// Only 1950–2100 are taken as dates, so a stray number is not silently read as one.
pub fn excel_serial(serial: f64) -> Option<(NaiveDate, Option<NaiveTime>)> {
    if !(18_264.0..=73_051.0).contains(&serial) {
        return None;
    }
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30)?.and_time(NaiveTime::MIN);
    let millis = (serial * 86_400_000.0).round() as i64;
    let at = epoch + Duration::milliseconds(millis);
    let time = (serial.fract() != 0.0).then(|| at.time());
    Some((at.date(), time))
}

/// How a value is written to a file.
#[derive(Debug, Clone, PartialEq)]
pub enum OutCell {
    Empty,
    Text(String),
    /// Written as a number in xlsx (money in yuan, counts).
    Number(f64, String),
}

impl OutCell {
    /// The text form (CSV).
    pub fn text(&self) -> &str {
        match self {
            OutCell::Empty => "",
            OutCell::Text(s) | OutCell::Number(_, s) => s,
        }
    }
}

/// Formats `cell` of `col` for a file; `zh` writes Chinese labels and 是/否.
pub fn format(col: &Column, cell: &Cell, zone: &dyn LocalZone, zh: bool) -> OutCell {
    match (cell, col.ty) {
        (Cell::Null, _) => OutCell::Empty,
        (Cell::Int(v), Ty::Money) => OutCell::Number(*v as f64 / 100.0, Cents(*v).to_string()),
        (Cell::Int(v), _) => OutCell::Number(*v as f64, v.to_string()),
        (Cell::Float(v), _) => OutCell::Number(*v, v.to_string()),
        (Cell::Bool(b), _) => OutCell::Text(
            match (zh, b) {
                (true, true) => "是",
                (true, false) => "否",
                (false, true) => "true",
                (false, false) => "false",
            }
            .into(),
        ),
        (Cell::Date(d), _) => OutCell::Text(d.format("%Y-%m-%d").to_string()),
        (Cell::Time(t), _) => {
            OutCell::Text(zone.to_local(*t).format("%Y-%m-%d %H:%M:%S").to_string())
        }
        (Cell::Text(s), Ty::Choice(choices)) if zh => {
            OutCell::Text(enums::label_of(choices, s).to_string())
        }
        (Cell::Text(s), _) => OutCell::Text(s.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, dd: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, dd).unwrap()
    }

    #[test]
    fn every_common_chinese_office_date_format_reads_as_the_same_day() {
        for t in [
            "2026-10-08",
            "2026/10/8",
            "2026.10.8",
            "2026年10月8日",
            "46303",
        ] {
            assert_eq!(parse_date_time(t).unwrap(), (d(2026, 10, 8), None), "{t}");
        }
    }

    #[test]
    fn dates_with_times_keep_the_time_of_day() {
        let nine_thirty = NaiveTime::from_hms_opt(9, 30, 0);
        for t in [
            "2026-10-08 09:30",
            "2026/10/8 9:30:00",
            "2026年10月8日 09:30",
            "2026-10-08T09:30:00",
            "46303.3958333333",
        ] {
            let (day, time) = parse_date_time(t).unwrap();
            assert_eq!(day, d(2026, 10, 8), "{t}");
            assert_eq!(
                time.map(|x| x.format("%H:%M").to_string()),
                nine_thirty.map(|x| x.format("%H:%M").to_string()),
                "{t}"
            );
        }
    }

    #[test]
    fn impossible_dates_and_stray_numbers_are_refused() {
        for t in [
            "2026-02-30",
            "26-10-08",
            "2026-13-01",
            "12",
            "next week",
            "2026-10-08 25:00",
        ] {
            assert!(parse_date_time(t).is_err(), "{t}");
        }
    }

    #[test]
    fn every_accepted_boolean_spelling_reads_and_others_are_refused() {
        for t in ["是", "true", "TRUE", "1", "Y", "y", "yes"] {
            assert!(parse_bool(t).unwrap(), "{t}");
        }
        for t in ["否", "false", "0", "N", "no"] {
            assert!(!parse_bool(t).unwrap(), "{t}");
        }
        assert!(parse_bool("maybe").is_err());
    }

    #[test]
    fn money_keeps_exact_cents_and_refuses_a_third_decimal() {
        assert_eq!(parse_money("1,234.56").unwrap(), Cents(123_456));
        assert_eq!(parse_money("¥1234.5").unwrap(), Cents(123_450));
        assert_eq!(parse_money("88").unwrap(), Cents(8_800));
        assert_eq!(parse_money("-0.05").unwrap(), Cents(-5));
        assert_eq!(parse_money("1234.5000000").unwrap(), Cents(123_450));
        assert!(parse_money("1.234").is_err());
        assert!(parse_money("12a").is_err());
        assert!(parse_money(".5").is_err());
    }

    #[test]
    fn local_times_become_utc_in_the_company_zone() {
        let shanghai = FixedOffset::east_opt(8 * 3600).unwrap();
        let col = crate::import::spec::CALLS.column("started_at").unwrap().1;
        let cell = parse(col, "2026-10-08 09:30", &shanghai).unwrap();
        assert_eq!(
            cell,
            Cell::Time(Utc.with_ymd_and_hms(2026, 10, 8, 1, 30, 0).unwrap())
        );
        assert_eq!(
            format(col, &cell, &shanghai, true).text(),
            "2026-10-08 09:30:00"
        );
    }

    #[test]
    fn a_choice_is_exported_as_its_chinese_label_and_read_back_as_its_code() {
        let shanghai = FixedOffset::east_opt(8 * 3600).unwrap();
        let col = crate::import::spec::CALLS.column("outcome").unwrap().1;
        let out = format(col, &Cell::Text("deal".into()), &shanghai, true);
        assert_eq!(out.text(), "成交");
        assert_eq!(
            parse(col, "成交", &shanghai).unwrap(),
            Cell::Text("deal".into())
        );
        assert!(
            parse(col, "won", &shanghai)
                .unwrap_err()
                .contains("deal (成交)")
        );
    }
}
