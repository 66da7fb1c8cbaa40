//! Money is kept in integer cents (分) everywhere; floats never hold money.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An amount of money in cents (1 yuan = 100 cents).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Cents(pub i64);

impl Cents {
    /// Whole yuan to cents.
    pub const fn yuan(y: i64) -> Self {
        Cents(y * 100)
    }

    /// The amount in yuan as a float, for display and ratios only.
    pub fn as_yuan_f64(self) -> f64 {
        self.0 as f64 / 100.0
    }
}

impl fmt::Display for Cents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cents_display_keeps_two_decimals_and_sign() {
        assert_eq!(Cents(123456).to_string(), "1234.56");
        assert_eq!(Cents(-5).to_string(), "-0.05");
        assert_eq!(Cents::yuan(1000).to_string(), "1000.00");
    }
}
