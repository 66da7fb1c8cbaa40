//! Files kaohe writes for people, shared by the web and the CLI: the official score table
//! (考核评分表) of one person or of a team (one sheet per person) as an xlsx workbook laid out
//! for A4 (header, one row per indicator with weight, scoring standard and score, totals,
//! grade, signature lines), and the payroll export (工资表明细) as CSV or xlsx.
//!
//! The caller reads what goes in through the viewer-scoped store functions; these only lay it
//! out, so a file never holds more than its reader may see.

use crate::evaluate::StoredScorecard;
use crate::org::EmployeeView;
use kaohe_domain::bonus::{PAYROLL_HEADER, PayrollRow};
use kaohe_domain::import::cell::OutCell;
use kaohe_domain::import::files::csv_cell;
use kaohe_domain::library::Library;
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

const COLUMNS: [(&str, f64); 7] = [
    ("序号", 6.0),
    ("考核指标", 22.0),
    ("权重", 8.0),
    ("评分标准", 34.0),
    ("实际值", 11.0),
    ("得分", 9.0),
    ("加权得分", 10.0),
];

/// Builds the score table of one person as a workbook in memory.
pub fn workbook(
    person: &EmployeeView,
    card: &StoredScorecard,
    library: &Library,
) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    add_sheet(&mut book, "考核评分表", person, card, library)?;
    book.save_to_buffer()
}

/// Builds one workbook of many people's score tables, one sheet each (named by employee
/// number and name), in the order given.
pub fn team_workbook(
    cards: &[(EmployeeView, StoredScorecard)],
    library: &Library,
) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    for (person, card) in cards {
        add_sheet(&mut book, &sheet_name(person), person, card, library)?;
    }
    book.save_to_buffer()
}

/// A sheet's name for a person: `工号 姓名`, without the characters Excel forbids in sheet
/// names, at most 31 characters.
pub fn sheet_name(person: &EmployeeView) -> String {
    format!("{} {}", person.code, person.name)
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\' | '\''))
        .take(31)
        .collect()
}

/// Adds the score table of one person as a sheet named `name`.
fn add_sheet(
    book: &mut Workbook,
    name: &str,
    person: &EmployeeView,
    card: &StoredScorecard,
    library: &Library,
) -> Result<(), XlsxError> {
    let sheet = book.add_worksheet();
    sheet.set_name(name)?;
    sheet
        .set_paper_size(9)
        .set_portrait()
        .set_print_fit_to_pages(1, 0);
    for (i, (_, width)) in COLUMNS.iter().enumerate() {
        sheet.set_column_width(i as u16, *width)?;
    }
    let title = Format::new()
        .set_bold()
        .set_font_size(16)
        .set_align(FormatAlign::Center);
    let cell = Format::new()
        .set_border(FormatBorder::Thin)
        .set_text_wrap()
        .set_align(FormatAlign::VerticalCenter);
    let head = cell
        .clone()
        .set_bold()
        .set_background_color("#E8EEF4")
        .set_align(FormatAlign::Center);
    let number = cell.clone().set_num_format("0.00");
    sheet.merge_range(0, 0, 0, 6, "考核评分表", &title)?;
    let scheme = library
        .scheme(&card.scheme_code)
        .map_or(card.scheme_code.clone(), |s| s.name_zh.clone());
    let info = [
        ("姓名", format!("{} ({})", person.name, person.code)),
        ("部门", person.department.clone()),
        ("岗位", person.position.clone()),
        ("考核期间", card.period.clone()),
        ("考核方案", scheme),
    ];
    for (i, (label, value)) in info.iter().enumerate() {
        let row = 1 + i as u32;
        sheet.write_string_with_format(row, 0, *label, &head)?;
        sheet.merge_range(row, 1, row, 6, value, &cell)?;
    }
    let first = 7;
    for (i, (label, _)) in COLUMNS.iter().enumerate() {
        sheet.write_string_with_format(first, i as u16, *label, &head)?;
    }
    let mut row = first + 1;
    for (n, line) in card.lines.iter().enumerate() {
        write_line(sheet, row, n + 1, line, library, &cell, &number)?;
        row += 1;
    }
    write_totals(sheet, row, card, &head, &cell, &number)?;
    let sign = row + 4;
    sheet.write_string(sign, 0, "被考核人签字：")?;
    sheet.write_string(sign, 3, "日期：")?;
    sheet.write_string(sign + 2, 0, "考核人签字：")?;
    sheet.write_string(sign + 2, 3, "日期：")?;
    Ok(())
}

fn write_line(
    sheet: &mut Worksheet,
    row: u32,
    n: usize,
    line: &crate::evaluate::StoredLine,
    library: &Library,
    cell: &Format,
    number: &Format,
) -> Result<(), XlsxError> {
    let indicator = library.indicator(&line.indicator_code);
    let name = indicator.map_or(line.indicator_code.clone(), |i| i.name_zh.clone());
    let standard = indicator.map_or(String::new(), |i| {
        let target = i.target.map(|t| format!("目标 {t}；")).unwrap_or_default();
        format!("{target}{}", i.definition_zh)
    });
    sheet.write_number_with_format(row, 0, n as f64, cell)?;
    sheet.write_string_with_format(row, 1, &name, cell)?;
    sheet.write_string_with_format(row, 2, format!("{:.2}%", line.effective_weight), cell)?;
    sheet.write_string_with_format(row, 3, &standard, cell)?;
    match line.value {
        Some(v) => sheet.write_number_with_format(row, 4, v, number)?,
        None => sheet.write_string_with_format(row, 4, "不适用", cell)?,
    };
    match line.score {
        Some(s) => sheet.write_number_with_format(row, 5, s, number)?,
        None => sheet.write_string_with_format(row, 5, "—", cell)?,
    };
    let weighted = line
        .score
        .map_or(0.0, |s| s * line.effective_weight / 100.0);
    sheet.write_number_with_format(row, 6, weighted, number)?;
    Ok(())
}

fn write_totals(
    sheet: &mut Worksheet,
    row: u32,
    card: &StoredScorecard,
    head: &Format,
    cell: &Format,
    number: &Format,
) -> Result<(), XlsxError> {
    let detail: serde_json::Value = serde_json::from_str(&card.detail).unwrap_or_default();
    let total = detail["total_rounded"].as_f64();
    sheet.merge_range(row, 0, row, 5, "总分", head)?;
    match total {
        Some(t) => sheet.write_number_with_format(row, 6, t, number)?,
        None => sheet.write_string_with_format(row, 6, "不适用", cell)?,
    };
    let grade = match card.grade.as_deref() {
        Some("excellent") => "优秀",
        Some("good") => "良好",
        Some("pass") => "合格",
        Some("fail") => "不合格",
        Some(other) => other,
        None => "—",
    };
    sheet.merge_range(row + 1, 0, row + 1, 5, "等级", head)?;
    sheet.write_string_with_format(row + 1, 6, grade, cell)?;
    sheet.merge_range(row + 2, 0, row + 2, 5, "奖金系数", head)?;
    match card.bonus_coefficient {
        Some(c) => sheet.write_number_with_format(row + 2, 6, c, number)?,
        None => sheet.write_string_with_format(row + 2, 6, "—", cell)?,
    };
    Ok(())
}

/// The payroll rows as CSV (UTF-8, header [`PAYROLL_HEADER`], amounts in yuan with 2
/// decimals). Names and bases are text a person typed: neutralised against spreadsheet
/// formulas like every CSV export; the amount stays a number.
pub fn payroll_csv(rows: &[PayrollRow]) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(PAYROLL_HEADER)?;
    for r in rows {
        w.write_record(r.fields().iter().enumerate().map(|(c, f)| {
            let cell = if c == 5 {
                OutCell::Number(0.0, f.clone())
            } else {
                OutCell::Text(f.clone())
            };
            csv_cell(&cell).into_owned()
        }))?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

/// The payroll rows as an xlsx workbook (sheet `payroll`, amounts as numbers in yuan so
/// payroll can sum them).
pub fn payroll_xlsx(rows: &[PayrollRow]) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("payroll")?;
    for (c, h) in PAYROLL_HEADER.iter().enumerate() {
        sheet.write_string(0, c as u16, *h)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        for (c, f) in r.fields().iter().enumerate() {
            if c == 5 {
                sheet.write_number(row, c as u16, r.amount.as_yuan_f64())?;
            } else {
                sheet.write_string(row, c as u16, f)?;
            }
        }
    }
    book.save_to_buffer()
}
