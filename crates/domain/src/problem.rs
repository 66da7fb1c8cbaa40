//! A problem found while validating configuration (a scheme, an indicator, a library file):
//! where it is and what is wrong, in Chinese and English. Validation collects all of them so
//! HR can fix a file in one go.

use std::fmt;

/// One validation problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where: a path such as `schemes[sales_clerk].groups[order_processing]`.
    pub at: String,
    /// What, in Chinese.
    pub zh: String,
    /// What, in English.
    pub en: String,
}

impl Problem {
    /// A problem at `at`.
    pub fn new(at: impl Into<String>, zh: impl Into<String>, en: impl Into<String>) -> Self {
        Problem {
            at: at.into(),
            zh: zh.into(),
            en: en.into(),
        }
    }

    /// The same problem under a parent path (`indicators[x]` + `scoring` → `indicators[x].scoring`).
    pub fn under(mut self, parent: &str) -> Self {
        self.at = match (parent.is_empty(), self.at.is_empty()) {
            (true, _) => self.at,
            (false, true) => parent.to_string(),
            (false, false) => format!("{parent}.{}", self.at),
        };
        self
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.at.is_empty() {
            write!(f, "{} / {}", self.zh, self.en)
        } else {
            write!(f, "{}: {} / {}", self.at, self.zh, self.en)
        }
    }
}
