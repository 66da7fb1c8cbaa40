//! Bounds on what a person types into a record (docs/reliability.md, "Records: workflow
//! state and bounds"): the length of every text, the range of every amount of money and of
//! every date. One table for imports, forms, the JSON API and direct store writes, so a 200 MB
//! customer name, an award of ¥92 quadrillion or the year 9999 are refused at the door with
//! the field and the limit named, instead of breaking exports, sums or pages later.

use crate::import::cell::Cell;
use crate::import::spec::{Column, KindSpec, Ty};
use chrono::NaiveDate;

/// The largest amount of money one field takes: ¥1,000,000,000.00 (10^11 cents). Sums of
/// millions of such amounts still fit in 64 bits.
pub const MAX_CENTS: i64 = 100_000_000_000;

/// The largest magnitude of a typed indicator target (目标值): [`MAX_CENTS`], whether the
/// indicator counts cents, yuan or calls.
pub const MAX_TARGET: f64 = MAX_CENTS as f64;

/// The earliest date a record carries (hire dates of long-serving staff reach back decades).
pub const FIRST_DAY: NaiveDate = match NaiveDate::from_ymd_opt(1970, 1, 1) {
    Some(d) => d,
    None => panic!("a valid date"),
};

/// The latest date a record carries.
pub const LAST_DAY: NaiveDate = match NaiveDate::from_ymd_opt(2100, 12, 31) {
    Some(d) => d,
    None => panic!("a valid date"),
};

/// Codes, numbers and keys (档案编号, 订单编号, 工号 references, periods, phone numbers).
pub const CODE_CHARS: usize = 64;
/// Names and short labels (客户名称, 公司, 联系人, 产品, 课程名称, …).
pub const NAME_CHARS: usize = 200;
/// An address.
pub const ADDRESS_CHARS: usize = 500;
/// Free text: notes, descriptions, comments, needs, decisions, course contents.
pub const NOTE_CHARS: usize = 4_000;
/// Meeting minutes (会议纪要), the longest free text a record holds.
pub const MINUTES_CHARS: usize = 10_000;

/// The longest text (in characters) column `col` takes. Numbers, dates, choices and
/// references are short: [`CODE_CHARS`].
pub fn max_chars(col: &Column) -> usize {
    match col.ty {
        Ty::Text => match col.field {
            "archive_no" | "order_no" | "contract_no" | "code" | "phone" | "period"
            | "indicator_code" | "scheme_code" | "ladder" => CODE_CHARS,
            "address" | "email" => ADDRESS_CHARS,
            "minutes" => MINUTES_CHARS,
            "needs" | "notes" | "note" | "description" | "comment" | "content" | "text"
            | "topic" | "audience" | "promotion_standard" | "acts" | "violation" => NOTE_CHARS,
            _ => NAME_CHARS,
        },
        _ => CODE_CHARS,
    }
}

/// What is wrong with `text` typed into column `col`: too long. Checked before the text is
/// parsed, so no huge value is copied around.
pub fn check_text(col: &Column, text: &str) -> Result<(), String> {
    let max = max_chars(col);
    // A cheap byte test first: only a text of more bytes than the limit can be too long.
    if text.len() > max && text.chars().count() > max {
        return Err(format!(
            "is too long: {} characters, at most {max} (超过{max}个字符)",
            text.chars().count()
        ));
    }
    Ok(())
}

/// At most the first 50 characters of `text`, for an error report: a refused 200 MB cell must
/// not make a 200 MB report.
pub fn preview(text: &str) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(50) {
        Some((i, _)) => format!("{}…", &text[..i]).into(),
        None => text.into(),
    }
}

/// What is wrong with a parsed `cell` of column `col`: an amount or a date out of range.
pub fn check_cell(col: &Column, cell: &Cell) -> Result<(), String> {
    match (col.ty, cell) {
        (Ty::Money, Cell::Int(c)) => check_cents(*c),
        (Ty::Date, Cell::Date(d)) => check_day(*d),
        (Ty::Time, Cell::Time(t)) => check_day(t.date_naive()),
        (_, Cell::Text(t)) => check_text(col, t),
        _ => Ok(()),
    }
}

/// An amount of money within 0 ..= [`MAX_CENTS`].
pub fn check_cents(cents: i64) -> Result<(), String> {
    if (0..=MAX_CENTS).contains(&cents) {
        Ok(())
    } else {
        Err(format!(
            "must be between 0 and {} yuan (金额须在0至{}元之间), not {}",
            crate::Cents(MAX_CENTS),
            crate::Cents(MAX_CENTS),
            crate::Cents(cents)
        ))
    }
}

/// Why an amount too large to hold at all (beyond 64-bit cents) is refused.
pub fn too_large() -> String {
    format!(
        "is too large: at most {} yuan (金额过大，最多{}元)",
        crate::Cents(MAX_CENTS),
        crate::Cents(MAX_CENTS)
    )
}

/// A date within [`FIRST_DAY`] ..= [`LAST_DAY`].
pub fn check_day(day: NaiveDate) -> Result<(), String> {
    if (FIRST_DAY..=LAST_DAY).contains(&day) {
        Ok(())
    } else {
        Err(format!(
            "{day} is outside {FIRST_DAY} to {LAST_DAY} (日期须在{FIRST_DAY}至{LAST_DAY}之间)"
        ))
    }
}

/// Every bound a record's `cells` of `spec` break, as (column, reason).
pub fn violations<'a>(spec: &'a KindSpec, cells: &[Cell]) -> Vec<(&'a Column, String)> {
    spec.columns
        .iter()
        .zip(cells)
        .filter_map(|(col, cell)| check_cell(col, cell).err().map(|e| (col, e)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::spec::{CONTRACTS, CUSTOMERS, EXPENSES, KINDS};

    #[test]
    fn every_text_column_has_a_limit_and_names_longer_than_it_are_refused() {
        for spec in KINDS {
            for c in spec.columns.iter().filter(|c| c.ty == Ty::Text) {
                let max = max_chars(c);
                assert!((CODE_CHARS..=MINUTES_CHARS).contains(&max), "{}", c.field);
            }
        }
        let name = CUSTOMERS.column("name").unwrap().1;
        assert!(check_text(name, &"甲".repeat(NAME_CHARS)).is_ok());
        let e = check_text(name, &"甲".repeat(NAME_CHARS + 1)).unwrap_err();
        assert!(e.contains("at most 200"), "{e}");
    }

    #[test]
    fn money_from_zero_to_a_billion_yuan_is_taken_and_beyond_is_refused() {
        let amount = CONTRACTS.column("amount_cents").unwrap().1;
        assert!(check_cell(amount, &Cell::Int(0)).is_ok());
        assert!(check_cell(amount, &Cell::Int(MAX_CENTS)).is_ok());
        let e = check_cell(amount, &Cell::Int(MAX_CENTS + 1)).unwrap_err();
        assert!(e.contains("1000000000.00"), "{e}");
        assert!(check_cell(amount, &Cell::Int(i64::MAX)).is_err());
        assert!(check_cell(amount, &Cell::Int(-1)).is_err());
    }

    #[test]
    fn dates_from_1970_to_2100_are_taken_and_1900_and_9999_are_not() {
        let day = EXPENSES.column("day").unwrap().1;
        let d = |y, m, dd| Cell::Date(NaiveDate::from_ymd_opt(y, m, dd).unwrap());
        assert!(check_cell(day, &d(1970, 1, 1)).is_ok());
        assert!(check_cell(day, &d(2100, 12, 31)).is_ok());
        assert!(check_cell(day, &d(1969, 12, 31)).is_err());
        assert!(check_cell(day, &d(1900, 1, 1)).is_err());
        assert!(check_cell(day, &d(9999, 12, 31)).is_err());
        assert!(check_cell(day, &d(2101, 1, 1)).is_err());
    }
}
