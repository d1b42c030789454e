//! Money in whole pence, because tariffs must reproduce to the penny and floating point
//! cannot promise that.

use crate::types::Date;

/// Whole pence, as the contract carries them.
pub type Pence = i64;

/// Pounds as pence: `pounds(10_000)` is £10,000.
pub const fn pounds(pounds: i64) -> Pence {
    pounds * 100
}

/// `amount × numerator / denominator`, rounded half away from zero to the penny, as
/// councils' finance tables round (Torbay's £15,833 for 19/12 places of £10,000).
/// A zero denominator gives zero rather than a trap.
pub fn pro_rata(amount: Pence, numerator: i64, denominator: i64) -> Pence {
    if denominator == 0 {
        return 0;
    }
    let product = i128::from(amount) * i128::from(numerator);
    let den = i128::from(denominator);
    let half = den / 2;
    let rounded = if product >= 0 {
        (product + half) / den
    } else {
        (product - half) / den
    };
    i64::try_from(rounded).unwrap_or(if rounded > 0 { i64::MAX } else { i64::MIN })
}

/// Calendar months of an English financial year (1 April to 31 March) that a placement
/// touches, counting a month when any day of it is inside the period. Councils fund
/// places in twelfths: a place from September is 7/12 of a year.
pub fn months_in_financial_year(starts: Date, ends: Date) -> u8 {
    let index = |d: Date| i32::from(d.month) + 12 * d.year;
    let first = index(starts);
    let last = index(ends);
    if last < first {
        return 0;
    }
    u8::try_from((last - first + 1).min(12)).unwrap_or(12)
}

/// `£1,234.56` for a parent-readable reason.
pub fn format_pounds(amount: Pence) -> String {
    let sign = if amount < 0 { "-" } else { "" };
    let abs = amount.unsigned_abs();
    let pounds = abs / 100;
    let pence = abs % 100;
    let digits = pounds.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    if pence == 0 {
        format!("{sign}£{grouped}")
    } else {
        format!("{sign}£{grouped}.{pence:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dates::date;

    #[test]
    fn pro_rata_rounds_half_away_from_zero() {
        assert_eq!(pro_rata(pounds(10_000), 19, 12), 1_583_333);
        assert_eq!(pro_rata(150, 1, 4), 38);
        assert_eq!(pro_rata(-150, 1, 4), -38);
        assert_eq!(pro_rata(100, 1, 0), 0);
    }

    #[test]
    fn september_to_march_is_seven_twelfths() {
        assert_eq!(
            months_in_financial_year(date(2023, 9, 1), date(2024, 3, 31)),
            7
        );
        assert_eq!(
            months_in_financial_year(date(2023, 4, 1), date(2023, 8, 31)),
            5
        );
        assert_eq!(
            months_in_financial_year(date(2023, 4, 1), date(2025, 3, 31)),
            12
        );
        assert_eq!(
            months_in_financial_year(date(2023, 5, 1), date(2023, 4, 1)),
            0
        );
    }

    #[test]
    fn formats_pounds_for_parents() {
        assert_eq!(format_pounds(pounds(14_556)), "£14,556");
        assert_eq!(format_pounds(1_583_333), "£15,833.33");
        assert_eq!(format_pounds(-5), "-£0.05");
    }
}
