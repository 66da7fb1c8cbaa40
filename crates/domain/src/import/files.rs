//! CSV and xlsx, row by row. Readers take any `Read` (xlsx: `Read + Seek`) and writers any
//! `Write`; opening files is the caller's business.
//!
//! Both readers hold one row at a time and enforce [`ReadLimits`] while they read, so a hostile
//! file (a sheet declaring 16,384 × 1,048,576 cells, a zip bomb, a 2 GB field) is refused with
//! a message naming the cell, part or row and the limit, instead of exhausting memory. CSV is
//! read one record at a time. An xlsx workbook's parts are first inflated to nowhere with a
//! cap (the sizes a zip declares are not trusted), then its first sheet is streamed cell by
//! cell on a thread of its own and handed over row by row.

use super::cell::OutCell;
use calamine::{Data, DataRef, Dimensions, Reader as _, Xlsx};
use std::io::{Read, Seek, SeekFrom, Write};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

/// The rows of a record file, header row first.
pub trait RowSource {
    /// Reads the next row into `buf` (cleared first); `false` at the end of the file.
    fn next_row(&mut self, buf: &mut Vec<String>) -> Result<bool, String>;

    /// The file format (`csv`, `xlsx`): the same rows in another format are another file to
    /// the import's duplicate check.
    fn format(&self) -> &'static str {
        ""
    }

    /// The column (0-based) of the cell that made the last [`RowSource::next_row`] fail, when
    /// one cell did: the import names the column by its header.
    fn failed_column(&self) -> Option<u32> {
        None
    }
}

/// What a record file may hold; checked while reading, before anything is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadLimits {
    /// Rows, the header included (an xlsx sheet holds at most 1,048,576 anyway).
    pub max_rows: u64,
    /// Columns: the widest kind has a few dozen, so a cell beyond this is no record's.
    pub max_columns: u32,
    /// Characters in one cell (Excel's own limit is 32,767).
    pub max_cell_chars: usize,
    /// Cells of an xlsx sheet, empty ones included.
    pub max_cells: u64,
    /// Shared strings of an xlsx workbook (read whole by the xlsx reader).
    pub max_shared_strings: u64,
    /// Bytes an xlsx workbook's parts inflate to, together.
    pub max_unzipped_bytes: u64,
    /// Bytes of a CSV file.
    pub max_csv_bytes: u64,
}

impl Default for ReadLimits {
    fn default() -> Self {
        ReadLimits {
            max_rows: 20_000_000,
            max_columns: 256,
            max_cell_chars: 32_767,
            max_cells: 64_000_000,
            max_shared_strings: 10_000_000,
            max_unzipped_bytes: 1 << 30,
            max_csv_bytes: 4 << 30,
        }
    }
}

/// Most parts an xlsx workbook may have (a workbook of one sheet has about ten).
const MAX_ZIP_ENTRIES: usize = 10_000;

/// `AB12`: a 0-based (row, column) as a spreadsheet names it.
pub fn cell_ref(row: u32, col: u32) -> String {
    format!("{}{}", column_name(col), u64::from(row) + 1)
}

/// `A`, `Z`, `AA`, … `XFD`: a 0-based column's letters.
pub fn column_name(col: u32) -> String {
    let mut n = u64::from(col) + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let d = ((n - 1) % 26) as u8;
        letters.push(b'A' + d);
        n = (n - 1) / 26;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

/// A reader that refuses to hand out more than `max` bytes in all, and more than
/// `max_record` since the last [`Capped::mark`] (one CSV record, give or take the parser's
/// buffer): the CSV parser keeps a whole record in memory, so an endless field must stop here.
struct Capped<R> {
    inner: R,
    total: u64,
    since_mark: u64,
    max: u64,
    max_record: u64,
    /// Which cap was hit: the message for the reader's error.
    hit: Option<String>,
}

impl<R> Capped<R> {
    fn mark(&mut self) {
        self.since_mark = 0;
    }
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.total += n as u64;
        self.since_mark += n as u64;
        let hit = if self.total > self.max {
            Some(format!(
                "the file is larger than {} MB, the most a CSV file may have",
                self.max >> 20
            ))
        } else if self.since_mark > self.max_record {
            Some(format!(
                "a row is longer than {} MB (a field without its closing quote?)",
                self.max_record >> 20
            ))
        } else {
            None
        };
        if let Some(m) = hit {
            self.hit = Some(m.clone());
            return Err(std::io::Error::other(m));
        }
        Ok(n)
    }
}

/// A UTF-8 CSV file (a leading byte-order mark, as Excel writes it, is skipped).
///
/// A cell our own CSV export neutralised (`'=…`, see [`CsvWriter`]) reads back without the
/// quote, so an exported file imports as it was.
pub struct CsvRows<R: Read> {
    reader: csv::Reader<Capped<R>>,
    record: csv::StringRecord,
    limits: ReadLimits,
    rows: u64,
    failed_column: Option<u32>,
}

impl<R: Read> CsvRows<R> {
    /// Reads CSV from `r` with the default [`ReadLimits`]; rows may have different lengths
    /// (missing trailing cells are empty).
    pub fn new(r: R) -> Self {
        Self::with_limits(r, &ReadLimits::default())
    }

    /// Reads CSV from `r`, refusing what exceeds `limits`.
    pub fn with_limits(r: R, limits: &ReadLimits) -> Self {
        // A record holds at most every column at the longest cell (4 bytes a character).
        let max_record =
            (u64::from(limits.max_columns) * limits.max_cell_chars as u64 * 4).max(1 << 20);
        let capped = Capped {
            inner: r,
            total: 0,
            since_mark: 0,
            max: limits.max_csv_bytes,
            max_record,
            hit: None,
        };
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(capped);
        CsvRows {
            reader,
            record: csv::StringRecord::new(),
            limits: *limits,
            rows: 0,
            failed_column: None,
        }
    }

    /// The cell limits of row `row` (1-based), checked once it is read.
    fn check_row(&mut self, row: u64) -> Result<(), String> {
        if row > self.limits.max_rows {
            return Err(format!(
                "row {row}: the file has more than {} rows, the most an import may have",
                self.limits.max_rows
            ));
        }
        if let Some(extra) = self
            .record
            .iter()
            .skip(self.limits.max_columns as usize)
            .position(|c| !c.trim().is_empty())
        {
            let col = self.limits.max_columns + extra as u32;
            self.failed_column = Some(col);
            return Err(format!(
                "row {row}, column {}: a value beyond the {} columns a record file may have",
                column_name(col),
                self.limits.max_columns
            ));
        }
        for (i, cell) in self.record.iter().enumerate() {
            if cell.len() > self.limits.max_cell_chars
                && cell.chars().count() > self.limits.max_cell_chars
            {
                self.failed_column = Some(i as u32);
                return Err(format!(
                    "row {row}, column {}: the cell has more than {} characters",
                    column_name(i as u32),
                    self.limits.max_cell_chars
                ));
            }
        }
        Ok(())
    }
}

/// A cell without the `'` our CSV export put before a leading `=`, `+`, `-`, `@`, tab or
/// carriage return.
fn unneutralised(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) => rest,
        _ => cell,
    }
}

impl<R: Read> RowSource for CsvRows<R> {
    fn format(&self) -> &'static str {
        "csv"
    }

    fn failed_column(&self) -> Option<u32> {
        self.failed_column
    }

    fn next_row(&mut self, buf: &mut Vec<String>) -> Result<bool, String> {
        buf.clear();
        self.failed_column = None;
        self.reader.get_mut().mark();
        match self.reader.read_record(&mut self.record) {
            Ok(false) => Ok(false),
            Ok(true) => {
                self.rows += 1;
                self.check_row(self.rows)?;
                buf.extend(self.record.iter().map(|c| unneutralised(c).to_string()));
                Ok(true)
            }
            Err(e) => Err(match (e.kind(), &self.reader.get_ref().hit) {
                (_, Some(hit)) => format!("row {}: {hit}", self.rows + 1),
                (csv::ErrorKind::Utf8 { .. }, _) => {
                    "the file is not UTF-8 text (in Excel save it as \"CSV UTF-8\")".into()
                }
                _ => format!("unreadable CSV: {e}"),
            }),
        }
    }
}

/// What the sheet's thread hands over.
enum Msg {
    /// The workbook opened and its sheet's declared size is within the limits.
    Opened,
    Row(Vec<String>),
    /// This many empty rows.
    Blank(u32),
    Fail(String),
    /// Every row was sent.
    End,
}

/// The first sheet of an xlsx workbook, streamed: one row in memory at a time.
pub struct XlsxRows {
    rx: Receiver<Msg>,
    /// Empty rows still to hand out before the next message.
    blanks: u32,
    done: bool,
}

impl XlsxRows {
    /// Opens the workbook in `r` with the default [`ReadLimits`].
    pub fn new<R: Read + Seek + Send + 'static>(r: R) -> Result<Self, String> {
        Self::with_limits(r, &ReadLimits::default())
    }

    /// Opens the workbook in `r`: checks what its parts inflate to, opens it and reads its
    /// first sheet's declared size; the cells follow as rows are asked for.
    pub fn with_limits<R: Read + Seek + Send + 'static>(
        mut r: R,
        limits: &ReadLimits,
    ) -> Result<Self, String> {
        check_zip(&mut r, limits)?;
        let (tx, rx) = sync_channel(64);
        let limits = *limits;
        std::thread::Builder::new()
            .name("kaohe-xlsx".into())
            .spawn(move || {
                if let Err(e) = stream_sheet(r, &limits, &tx) {
                    let _ = tx.send(Msg::Fail(e));
                }
            })
            .map_err(|e| format!("cannot read the workbook: {e}"))?;
        match rx.recv() {
            Ok(Msg::Opened) => Ok(XlsxRows {
                rx,
                blanks: 0,
                done: false,
            }),
            Ok(Msg::Fail(e)) => Err(e),
            _ => Err("the workbook could not be read".into()),
        }
    }
}

/// Inflates every part of the zip in `r` to nowhere, counting: the parts together may inflate
/// to at most `limits.max_unzipped_bytes` and the shared strings count at most
/// `limits.max_shared_strings`. Leaves `r` at its start.
fn check_zip<R: Read + Seek>(r: &mut R, limits: &ReadLimits) -> Result<(), String> {
    let mut zip =
        zip::ZipArchive::new(&mut *r).map_err(|e| format!("not an xlsx workbook: {e}"))?;
    if zip.len() > MAX_ZIP_ENTRIES {
        return Err(format!(
            "not an xlsx workbook: it has {} parts, more than {MAX_ZIP_ENTRIES}",
            zip.len()
        ));
    }
    let mut left = limits.max_unzipped_bytes;
    for i in 0..zip.len() {
        let mut entry = zip
            .by_index(i)
            .map_err(|e| format!("not an xlsx workbook: part {i}: {e}"))?;
        let name = entry
            .name()
            .map_or_else(|_| format!("part {i}"), |n| n.to_string());
        let strings = name.to_ascii_lowercase().ends_with("sharedstrings.xml");
        let mut sink = Counter::new(strings);
        let n = std::io::copy(&mut (&mut entry).take(left + 1), &mut sink)
            .map_err(|e| format!("not an xlsx workbook: part {name}: {e}"))?;
        if n > left {
            return Err(format!(
                "the workbook's part {name} unpacks to more than {} MB, the most a workbook may \
                 unpack to (a zip bomb?)",
                limits.max_unzipped_bytes >> 20
            ));
        }
        left -= n;
        if sink.strings > limits.max_shared_strings {
            return Err(format!(
                "the workbook's part {name} has more than {} shared strings",
                limits.max_shared_strings
            ));
        }
    }
    drop(zip);
    r.seek(SeekFrom::Start(0))
        .map_err(|e| format!("cannot read the workbook again: {e}"))?;
    Ok(())
}

/// A sink that counts bytes and, in a shared-strings part, the `<si>` elements.
struct Counter {
    count_strings: bool,
    strings: u64,
    /// How much of `<si` the last bytes matched.
    matched: usize,
}

impl Counter {
    fn new(count_strings: bool) -> Self {
        Counter {
            count_strings,
            strings: 0,
            matched: 0,
        }
    }
}

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.count_strings {
            for &b in buf {
                self.matched = match (self.matched, b) {
                    (_, b'<') => 1,
                    (1, b's') => 2,
                    (2, b'i') => 3,
                    (3, b'>' | b' ' | b'/' | b'\t' | b'\r' | b'\n') => {
                        self.strings += 1;
                        0
                    }
                    _ => 0,
                };
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The declared size of the sheet (`<dimension ref="A1:XFD1048576"/>`) within the limits.
fn check_dimensions(d: Dimensions, limits: &ReadLimits) -> Result<(), String> {
    let (row, col) = d.end;
    if col >= limits.max_columns || u64::from(row) >= limits.max_rows {
        return Err(format!(
            "the sheet declares its cells to reach {} ({}:{}), beyond the {} columns and {} \
             rows a record file may have",
            cell_ref(row, col),
            cell_ref(d.start.0, d.start.1),
            cell_ref(row, col),
            limits.max_columns,
            limits.max_rows
        ));
    }
    Ok(())
}

/// Reads the first sheet of the workbook in `r` cell by cell and sends it row by row; an error
/// is the reason the sheet is refused.
fn stream_sheet<R: Read + Seek>(
    r: R,
    limits: &ReadLimits,
    tx: &SyncSender<Msg>,
) -> Result<(), String> {
    let mut book: Xlsx<R> = Xlsx::new(r).map_err(|e| format!("not an xlsx workbook: {e}"))?;
    let name = book
        .sheet_names()
        .first()
        .cloned()
        .ok_or("the workbook has no sheet")?;
    let mut cells = book
        .worksheet_cells_reader(&name)
        .map_err(|e| format!("unreadable sheet: {e}"))?;
    let dims = cells.dimensions();
    check_dimensions(dims, limits)?;
    // Columns count from the sheet's declared first column, as a whole-sheet read did.
    let first_col = dims.start.1;
    if tx.send(Msg::Opened).is_err() {
        return Ok(());
    }
    let mut row: Vec<String> = Vec::new();
    // The sheet row `row` holds; `None` until the first cell with a value.
    let mut at: Option<u32> = None;
    let mut seen = 0u64;
    while let Some(cell) = cells
        .next_cell()
        .map_err(|e| format!("unreadable sheet: {e}"))?
    {
        seen += 1;
        if seen > limits.max_cells {
            return Err(format!(
                "the sheet has more than {} cells, the most a record file may have",
                limits.max_cells
            ));
        }
        if matches!(cell.get_value(), DataRef::Empty) {
            continue;
        }
        let (r, c) = cell.get_position();
        let here = cell_ref(r, c);
        if c >= limits.max_columns || u64::from(r) >= limits.max_rows {
            return Err(format!(
                "cell {here} lies beyond the {} columns and {} rows a record file may have",
                limits.max_columns, limits.max_rows
            ));
        }
        if c < first_col {
            return Err(format!(
                "cell {here} lies left of the sheet's declared first column {}",
                column_name(first_col)
            ));
        }
        match at {
            None => at = Some(r),
            Some(cur) if r < cur => {
                return Err(format!(
                    "cell {here} comes after row {} in the sheet: rows out of order",
                    cur + 1
                ));
            }
            Some(cur) if r > cur => {
                if tx.send(Msg::Row(std::mem::take(&mut row))).is_err() {
                    return Ok(());
                }
                if r - cur > 1 && tx.send(Msg::Blank(r - cur - 1)).is_err() {
                    return Ok(());
                }
                at = Some(r);
            }
            Some(_) => {}
        }
        let text = cell_text(&Data::from(cell.get_value().clone()));
        if text.len() > limits.max_cell_chars && text.chars().count() > limits.max_cell_chars {
            return Err(format!(
                "cell {here} has more than {} characters",
                limits.max_cell_chars
            ));
        }
        let i = (c - first_col) as usize;
        if row.len() <= i {
            row.resize(i + 1, String::new());
        }
        row[i] = text;
    }
    if at.is_some() && tx.send(Msg::Row(row)).is_err() {
        return Ok(());
    }
    let _ = tx.send(Msg::End);
    Ok(())
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
    fn format(&self) -> &'static str {
        "xlsx"
    }

    fn next_row(&mut self, buf: &mut Vec<String>) -> Result<bool, String> {
        buf.clear();
        if self.blanks > 0 {
            self.blanks -= 1;
            return Ok(true);
        }
        if self.done {
            return Ok(false);
        }
        match self.rx.recv() {
            Ok(Msg::Row(row)) => {
                *buf = row;
                Ok(true)
            }
            Ok(Msg::Blank(n)) => {
                self.blanks = n - 1;
                Ok(true)
            }
            Ok(Msg::Fail(e)) => {
                self.done = true;
                Err(e)
            }
            Ok(Msg::End) => {
                self.done = true;
                Ok(false)
            }
            // The sheet's thread stopped without saying why.
            Ok(Msg::Opened) | Err(_) => {
                self.done = true;
                Err("the sheet could not be read to its end".into())
            }
        }
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

    /// Flushes everything written and hands back the destination (an in-memory file).
    pub fn into_inner(self) -> Result<W, String> {
        self.writer.into_inner().map_err(|e| e.to_string())
    }
}

/// What a text cell may start with that a spreadsheet would take for a formula.
const FORMULA_STARTS: &[char] = &['=', '+', '-', '@', '\t', '\r'];

/// A CSV cell a spreadsheet opens as text: a text cell starting like a formula (`=`, `+`, `-`,
/// `@`, tab, carriage return) gets a leading `'` (the OWASP rule against CSV injection, e.g. a
/// customer named `=HYPERLINK(…)`). Numbers stay as they are (`-12.50`); [`CsvRows`] drops
/// the `'` again, so an exported file imports as it was.
pub fn csv_cell(cell: &OutCell) -> std::borrow::Cow<'_, str> {
    match cell {
        OutCell::Text(s) if s.starts_with(FORMULA_STARTS) => format!("'{s}").into(),
        other => other.text().into(),
    }
}

impl<W: Write> TableWriter for CsvWriter<W> {
    fn write_row(&mut self, cells: &[OutCell]) -> Result<(), String> {
        for c in cells {
            self.writer
                .write_field(csv_cell(c).as_bytes())
                .map_err(|e| e.to_string())?;
        }
        // Ends the record the fields above began.
        self.writer
            .write_record(None::<&[u8]>)
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

    #[test]
    fn csv_text_cells_that_look_like_formulas_get_a_quote_and_read_back_without_it() {
        let hostile = [
            "=HYPERLINK(\"http://x\",\"y\")",
            "+1",
            "-x",
            "@SUM(1)",
            "\tx",
            "\rx",
        ];
        let mut bytes = Vec::new();
        let mut w = CsvWriter::new(&mut bytes).unwrap();
        for h in hostile {
            w.write_row(&[
                OutCell::Text(h.into()),
                OutCell::Number(-12.5, "-12.50".into()),
                OutCell::Text("a-b".into()),
            ])
            .unwrap();
        }
        w.finish().unwrap();
        let raw: Vec<csv::StringRecord> = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(&bytes[3..])
            .records()
            .map(Result::unwrap)
            .collect();
        for (r, h) in raw.iter().zip(hostile) {
            assert_eq!(&r[0], format!("'{h}"));
            assert_eq!(&r[1], "-12.50", "a number stays a number");
            assert_eq!(&r[2], "a-b");
        }
        let rows = all_rows(&mut CsvRows::new(&bytes[3..]));
        for (r, h) in rows.iter().zip(hostile) {
            assert_eq!(r[0], h);
            assert_eq!(r[1], "-12.50");
        }
    }

    #[test]
    fn cells_are_named_as_a_spreadsheet_names_them() {
        assert_eq!(cell_ref(0, 0), "A1");
        assert_eq!(cell_ref(9, 27), "AB10");
        assert_eq!(cell_ref(1_048_575, 16_383), "XFD1048576");
    }

    #[test]
    fn a_csv_beyond_the_limits_is_refused_naming_the_row() {
        let limits = ReadLimits {
            max_columns: 3,
            max_cell_chars: 5,
            max_rows: 2,
            ..ReadLimits::default()
        };
        let mut buf = Vec::new();
        let e = CsvRows::with_limits(&b"a,b,c,,d\n"[..], &limits)
            .next_row(&mut buf)
            .unwrap_err();
        assert!(
            e.contains("row 1, column E") && e.contains("3 columns"),
            "{e}"
        );
        let e = CsvRows::with_limits(&b"a,bbbbbb\n"[..], &limits)
            .next_row(&mut buf)
            .unwrap_err();
        assert!(
            e.contains("row 1, column B") && e.contains("5 characters"),
            "{e}"
        );
        let mut rows = CsvRows::with_limits(&b"a\nb\nc\n"[..], &limits);
        assert!(rows.next_row(&mut buf).unwrap() && rows.next_row(&mut buf).unwrap());
        let e = rows.next_row(&mut buf).unwrap_err();
        assert!(e.contains("row 3") && e.contains("2 rows"), "{e}");
        let small = ReadLimits {
            max_csv_bytes: 1 << 20,
            ..ReadLimits::default()
        };
        let big = vec![b'a'; 2 << 20];
        let e = CsvRows::with_limits(&big[..], &small)
            .next_row(&mut buf)
            .unwrap_err();
        assert!(e.contains("larger than 1 MB"), "{e}");
    }

    #[test]
    fn an_xlsx_streams_rows_with_gaps_and_refuses_a_cell_beyond_the_columns() {
        let mut w = XlsxWriter::new("s").unwrap();
        w.write_row(&[OutCell::Text("a".into()), OutCell::Text("b".into())])
            .unwrap();
        w.write_row(&[]).unwrap();
        w.write_row(&[OutCell::Empty, OutCell::Number(2.0, "2".into())])
            .unwrap();
        let bytes = w.finish().unwrap();
        let rows = all_rows(&mut XlsxRows::new(std::io::Cursor::new(bytes.clone())).unwrap());
        assert_eq!(rows, [vec!["a", "b"], vec![], vec!["", "2"]]);
        let narrow = ReadLimits {
            max_columns: 1,
            ..ReadLimits::default()
        };
        let e = XlsxRows::with_limits(std::io::Cursor::new(bytes), &narrow)
            .err()
            .unwrap();
        assert!(e.contains("B3") && e.contains("1 columns"), "{e}");
    }
}
