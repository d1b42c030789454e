//! Money in whole pence.
//!
//! Banding tariffs, top-ups and SEN support costs are public money that must reproduce
//! to the penny in a tribunal bundle, so money is an integer count of pence; floating
//! point never touches it.

use std::fmt;

use serde::{Deserialize, Serialize};

/// An amount of money in pence (may be negative for adjustments).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Pence(i64);

impl Pence {
    /// Zero pence.
    pub const ZERO: Pence = Pence(0);

    /// An amount of pence.
    pub const fn new(pence: i64) -> Self {
        Self(pence)
    }

    /// Whole pounds, as tariffs are usually published.
    pub const fn from_pounds(pounds: i64) -> Self {
        Self(pounds * 100)
    }

    /// The amount in pence.
    pub const fn get(self) -> i64 {
        self.0
    }

    /// Adds without wrapping; `None` on overflow, which no real budget reaches.
    pub fn checked_add(self, other: Pence) -> Option<Pence> {
        self.0.checked_add(other.0).map(Pence)
    }
}

impl fmt::Display for Pence {
    /// Formats as pounds for letters and papers: `£10,000.00`, `-£12.50`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let pounds = (abs / 100).to_string();
        let mut grouped = String::with_capacity(pounds.len() + pounds.len() / 3);
        for (i, ch) in pounds.chars().enumerate() {
            if i > 0 && (pounds.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(ch);
        }
        write!(f, "{sign}£{grouped}.{:02}", abs % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_as_pounds_with_thousands_separators() {
        assert_eq!(Pence::from_pounds(10_000).to_string(), "£10,000.00");
        assert_eq!(Pence::new(123_456_789).to_string(), "£1,234,567.89");
        assert_eq!(Pence::new(5).to_string(), "£0.05");
        assert_eq!(Pence::new(-1250).to_string(), "-£12.50");
    }

    #[test]
    fn addition_reports_overflow() {
        assert_eq!(
            Pence::new(1).checked_add(Pence::new(2)),
            Some(Pence::new(3))
        );
        assert_eq!(Pence::new(i64::MAX).checked_add(Pence::new(1)), None);
    }
}
