//! The error report of an import: every error with its row, column, value and reason; the
//! first [`MAX_LISTED`] are kept, all are counted.

use serde::{Deserialize, Serialize};
use std::fmt;

/// How many errors a report lists (all are counted).
pub const MAX_LISTED: usize = 100;

/// One refused cell or row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportError {
    /// The row as a spreadsheet numbers it: the header is row 1, the first record row 2.
    pub row: u64,
    /// The column's header as written in the file (empty for a whole-row or file error).
    pub column: String,
    /// The cell's text as written in the file.
    pub value: String,
    pub reason: String,
}

/// Every error of one import.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorReport {
    /// The file, as named on the command line.
    pub file: String,
    /// The first [`MAX_LISTED`] errors, in file order.
    pub errors: Vec<ImportError>,
    /// How many errors there were in all.
    pub total: u64,
}

impl ErrorReport {
    /// An empty report for `file`.
    pub fn new(file: &str) -> Self {
        ErrorReport {
            file: file.to_string(),
            ..Default::default()
        }
    }

    /// Records one error.
    pub fn push(&mut self, row: u64, column: &str, value: &str, reason: impl Into<String>) {
        self.total += 1;
        if self.errors.len() < MAX_LISTED {
            self.errors.push(ImportError {
                row,
                column: column.to_string(),
                value: value.to_string(),
                reason: reason.into(),
            });
        }
    }

    /// Whether nothing was refused.
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }
}

impl ErrorReport {
    /// The same report with every reason in Chinese (see [`super::zh`]).
    pub fn to_zh(&self) -> ErrorReport {
        let mut r = self.clone();
        for e in &mut r.errors {
            e.reason = super::zh::reason_zh(&e.reason);
        }
        r
    }

    /// The report as text for a person: in Chinese (frame and reasons) when `zh`, else as
    /// [`fmt::Display`] writes it.
    pub fn render(&self, zh: bool) -> String {
        if !zh {
            return self.to_string();
        }
        let mut out = format!(
            "{}：共 {} 处错误，未导入任何数据{}\n",
            self.file,
            self.total,
            if self.total > self.errors.len() as u64 {
                format!("（仅列出前 {} 处）", self.errors.len())
            } else {
                String::new()
            }
        );
        for e in &self.errors {
            out.push_str(&if e.row == 0 {
                "  文件".to_string()
            } else {
                format!("  第 {} 行", e.row)
            });
            if !e.column.is_empty() {
                out.push_str(&format!("，列 {}", e.column));
            }
            if !e.value.is_empty() {
                out.push_str(&format!("，内容 `{}`", e.value));
            }
            out.push_str(&format!("：{}\n", super::zh::reason_zh(&e.reason)));
        }
        out
    }
}

impl fmt::Display for ErrorReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}: {} error{}; nothing was imported{}",
            self.file,
            self.total,
            if self.total == 1 { "" } else { "s" },
            if self.total > self.errors.len() as u64 {
                format!(" (the first {} are listed)", self.errors.len())
            } else {
                String::new()
            }
        )?;
        for e in &self.errors {
            if e.row == 0 {
                write!(f, "  file")?;
            } else {
                write!(f, "  row {}", e.row)?;
            }
            if !e.column.is_empty() {
                write!(f, ", column {}", e.column)?;
            }
            if !e.value.is_empty() {
                write!(f, ", value `{}`", e.value)?;
            }
            writeln!(f, ": {}", e.reason)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_lists_the_first_hundred_errors_and_counts_them_all() {
        let mut r = ErrorReport::new("calls.csv");
        for i in 0..250 {
            r.push(i + 2, "工号", "E9", "unknown employee");
        }
        assert_eq!((r.errors.len(), r.total), (100, 250));
        let text = r.to_string();
        assert!(
            text.starts_with(
                "calls.csv: 250 errors; nothing was imported (the first 100 are listed)"
            ),
            "{text}"
        );
        assert!(
            text.contains("  row 2, column 工号, value `E9`: unknown employee"),
            "{text}"
        );
        let zh = r.render(true);
        assert!(
            zh.starts_with("calls.csv：共 250 处错误，未导入任何数据（仅列出前 100 处）"),
            "{zh}"
        );
        assert!(
            zh.contains("  第 2 行，列 工号，内容 `E9`：employee 不存在"),
            "{zh}"
        );
    }
}
