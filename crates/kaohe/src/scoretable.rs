//! The official score table (考核评分表) of one person and period as an xlsx workbook: header,
//! one row per indicator with weight, scoring standard and score, totals, grade, and the
//! signature lines of the person and the rater, laid out for A4.

use anyhow::{Context, Result, bail};
use kaohe_domain::library::Library;
use kaohe_domain::period::Period;
use kaohe_store::evaluate::StoredScorecard;
use kaohe_store::org::EmployeeView;
use kaohe_store::{Store, Viewer};
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet};
use std::path::Path;

/// Writes the score table of `employee` for `period` (its stored, current scorecard) to `output`.
pub async fn export(
    store: &Store,
    viewer: &Viewer,
    employee: i64,
    period: Period,
    output: &Path,
) -> Result<()> {
    let person = store.employee(viewer, employee).await?;
    let card = store
        .scorecards(viewer, &period.to_string(), Some(employee))
        .await?
        .into_iter()
        .next()
        .with_context(|| format!("no stored scorecard of {} for {period}: run `kaohe evaluate --period {period}` first", person.code))?;
    let library = store.library().await?.library;
    let bytes = workbook(&person, &card, &library)
        .map_err(|e| anyhow::anyhow!("writing the workbook: {e}"))?;
    std::fs::write(output, bytes).with_context(|| format!("cannot write {}", output.display()))?;
    let entry = kaohe_store::audit::AuditEntry {
        action: "export",
        entity: "scoretable",
        entity_id: format!("{}:{period}", person.code),
        before: None,
        after: Some(serde_json::json!({ "file": output.display().to_string() })),
    };
    store.audit(viewer, entry).await?;
    Ok(())
}

const COLUMNS: [(&str, f64); 7] = [
    ("序号", 6.0),
    ("考核指标", 22.0),
    ("权重", 8.0),
    ("评分标准", 34.0),
    ("实际值", 11.0),
    ("得分", 9.0),
    ("加权得分", 10.0),
];

/// Builds the workbook in memory.
pub fn workbook(
    person: &EmployeeView,
    card: &StoredScorecard,
    library: &Library,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("考核评分表")?;
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
    book.save_to_buffer()
}

fn write_line(
    sheet: &mut Worksheet,
    row: u32,
    n: usize,
    line: &kaohe_store::evaluate::StoredLine,
    library: &Library,
    cell: &Format,
    number: &Format,
) -> Result<(), rust_xlsxwriter::XlsxError> {
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
) -> Result<(), rust_xlsxwriter::XlsxError> {
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

/// Refuses a score-table export without the person to export.
pub fn require_employee(employee: Option<&str>) -> Result<&str> {
    match employee {
        Some(e) => Ok(e),
        None => bail!(
            "kaohe export scoretable needs --employee (database id or employee number 工号) and --period"
        ),
    }
}
