//! CSV and xlsx, row by row. Readers take any `Read` (xlsx: `Read + Seek`) and writers any
//! `Write`; opening files is the caller's business.
//!
//! CSV is read one record at a time (a 10-million-row file needs no more memory than one row).
//! An xlsx sheet holds at most 1,048,576 rows by the format's own limit, and calamine reads the
//! first sheet whole.

use super::cell::OutCell;
use calamine::{Data, Reader as _, Xlsx};
use std::io::{Read, Seek, Write};

/// The rows of a record file, header row first.
pub trait RowSource {
    /// Reads the next row into `buf` (cleared first); `false` at the end of the file.
    fn next_row(&mut self, buf: &mut Vec<String>) -> Result<bool, String>;
}

/// A UTF-8 CSV file (a leading byte-order mark, as Excel writes it, is skipped).
pub struct CsvRows<R: Read> {
    reader: csv::Reader<R>,
    record: csv::StringRecord,
}

impl<R: Read> CsvRows<R> {
    /// Reads CSV from `r`; rows may have different lengths (missing trailing cells are empty).
    pub fn new(r: R) -> Self {
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(r);
        CsvRows {
            reader,
            record: csv::StringRecord::new(),
        }
    }
}

impl<R: Read> RowSource for CsvRows<R> {
    fn next_row(&mut self, buf: &mut Vec<String>) -> Result<bool, String> {
        buf.clear();
        match self.reader.read_record(&mut self.record) {
            Ok(false) => Ok(false),
            Ok(true) => {
                buf.extend(self.record.iter().map(str::to_string));
                Ok(true)
            }
            Err(e) => Err(match e.kind() {
                csv::ErrorKind::Utf8 { .. } => {
                    "the file is not UTF-8 text (in Excel save it as \"CSV UTF-8\")".into()
                }
                _ => format!("unreadable CSV: {e}"),
            }),
        }
    }
}

/// The first sheet of an xlsx workbook.
pub struct XlsxRows {
    range: calamine::Range<Data>,
    next: usize,
}

impl XlsxRows {
    /// Opens the workbook in `r` and reads its first sheet.
    pub fn new<R: Read + Seek>(r: R) -> Result<Self, String> {
        let mut book: Xlsx<R> = Xlsx::new(r).map_err(|e| format!("not an xlsx workbook: {e}"))?;
        let range = book
            .worksheet_range_at(0)
            .ok_or("the workbook has no sheet")?
            .map_err(|e| format!("unreadable sheet: {e}"))?;
        Ok(XlsxRows { range, next: 0 })
    }
}

/// The text of a spreadsheet cell as a person would type it: whole numbers without `.0`,
/// dates as their Excel serial number (which the date parser reads).
fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 9e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => dt.as_f64().to_string(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

impl RowSource for XlsxRows {
    fn next_row(&mut self, buf: &mut Vec<String>) -> Result<bool, String> {
        buf.clear();
        let Some(row) = self.range.rows().nth(self.next) else {
            return Ok(false);
        };
        self.next += 1;
        buf.extend(row.iter().map(cell_text));
        Ok(true)
    }
}

/// A table being written, one row at a time, header first.
pub trait TableWriter {
    fn write_row(&mut self, cells: &[OutCell]) -> Result<(), String>;
}

/// CSV in UTF-8 with a byte-order mark, so Excel shows Chinese correctly.
pub struct CsvWriter<W: Write> {
    writer: csv::Writer<W>,
}

impl<W: Write> CsvWriter<W> {
    /// Starts the file.
    pub fn new(mut w: W) -> Result<Self, String> {
        w.write_all("\u{feff}".as_bytes())
            .map_err(|e| e.to_string())?;
        Ok(CsvWriter {
            writer: csv::Writer::from_writer(w),
        })
    }

    /// Flushes everything written.
    pub fn finish(mut self) -> Result<(), String> {
        self.writer.flush().map_err(|e| e.to_string())
    }
}

impl<W: Write> TableWriter for CsvWriter<W> {
    fn write_row(&mut self, cells: &[OutCell]) -> Result<(), String> {
        self.writer
            .write_record(cells.iter().map(OutCell::text))
            .map_err(|e| e.to_string())
    }
}

/// The most rows an xlsx sheet can hold.
pub const XLSX_MAX_ROWS: u32 = 1_048_576;

/// One xlsx sheet; numbers as numbers, everything else as text.
pub struct XlsxWriter {
    sheet: rust_xlsxwriter::Worksheet,
    row: u32,
}

impl XlsxWriter {
    /// Starts a sheet named `name`.
    pub fn new(name: &str) -> Result<Self, String> {
        let mut sheet = rust_xlsxwriter::Worksheet::new();
        sheet.set_name(name).map_err(|e| e.to_string())?;
        sheet.set_freeze_panes(1, 0).map_err(|e| e.to_string())?;
        Ok(XlsxWriter { sheet, row: 0 })
    }

    /// The finished workbook's bytes.
    pub fn finish(self) -> Result<Vec<u8>, String> {
        let mut book = rust_xlsxwriter::Workbook::new();
        book.push_worksheet(self.sheet);
        book.save_to_buffer().map_err(|e| e.to_string())
    }
}

impl TableWriter for XlsxWriter {
    fn write_row(&mut self, cells: &[OutCell]) -> Result<(), String> {
        if self.row >= XLSX_MAX_ROWS {
            return Err(format!(
                "an xlsx sheet holds at most {XLSX_MAX_ROWS} rows; export to CSV instead"
            ));
        }
        for (c, cell) in cells.iter().enumerate() {
            let c = c as u16;
            let done = match cell {
                OutCell::Empty => continue,
                OutCell::Text(s) => self.sheet.write_string(self.row, c, s).map(|_| ()),
                OutCell::Number(n, _) => self.sheet.write_number(self.row, c, *n).map(|_| ()),
            };
            done.map_err(|e| e.to_string())?;
        }
        self.row += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_rows(src: &mut dyn RowSource) -> Vec<Vec<String>> {
        let mut out = Vec::new();
        let mut buf = Vec::new();
        while src.next_row(&mut buf).unwrap() {
            out.push(buf.clone());
        }
        out
    }

    #[test]
    fn a_csv_written_with_a_bom_reads_back_the_same_cells() {
        let mut bytes = Vec::new();
        let mut w = CsvWriter::new(&mut bytes).unwrap();
        w.write_row(&[
            OutCell::Text("工号".into()),
            OutCell::Text("金额(元)".into()),
        ])
        .unwrap();
        w.write_row(&[
            OutCell::Text("E001".into()),
            OutCell::Number(12.5, "12.50".into()),
        ])
        .unwrap();
        w.finish().unwrap();
        let rows = all_rows(&mut CsvRows::new(bytes.as_slice()));
        assert_eq!(rows[1], ["E001", "12.50"]);
        assert!(rows[0][0].ends_with("工号"));
    }

    #[test]
    fn a_csv_that_is_not_utf8_is_refused_with_advice() {
        let gbk = b"\xb9\xa4\xba\xc5\n1\n";
        let mut buf = Vec::new();
        let e = CsvRows::new(&gbk[..]).next_row(&mut buf).unwrap_err();
        assert!(e.contains("CSV UTF-8"), "{e}");
    }

    #[test]
    fn an_xlsx_written_here_reads_back_with_numbers_and_text() {
        let mut w = XlsxWriter::new("电话记录").unwrap();
        w.write_row(&[OutCell::Text("工号".into()), OutCell::Text("时长".into())])
            .unwrap();
        w.write_row(&[
            OutCell::Text("E001".into()),
            OutCell::Number(65.0, "65".into()),
        ])
        .unwrap();
        let bytes = w.finish().unwrap();
        let rows = all_rows(&mut XlsxRows::new(std::io::Cursor::new(bytes)).unwrap());
        assert_eq!(rows, [["工号", "时长"], ["E001", "65"]]);
    }
}
