//! The counting conventions the Regulations use, as pure functions on calendar dates.
//!
//! - "N weeks of X" ends on X + 7N days; "at least N weeks before X" on X - 7N days.
//! - "N days beginning with X" counts X as day 1, so it ends on X + N - 1.
//! - "N months after X" is the same day number N months later, or the last day of that
//!   month if it has no such day (31 August + 6 months is 28 or 29 February).
//! - "the period of 12 months starting with X" ends the day before the anniversary.

use chrono::{Days, Months, NaiveDate};

use super::ClockError;

fn overflow(what: &'static str) -> ClockError {
    ClockError::OutOfRange(what)
}

/// `date` + `n` days.
pub fn days_after(date: NaiveDate, n: u64) -> Result<NaiveDate, ClockError> {
    date.checked_add_days(Days::new(n)).ok_or(overflow("date"))
}

/// `date` - `n` days.
pub fn days_before(date: NaiveDate, n: u64) -> Result<NaiveDate, ClockError> {
    date.checked_sub_days(Days::new(n)).ok_or(overflow("date"))
}

/// "within N weeks of `date`": `date` + 7N days.
pub fn weeks_after(date: NaiveDate, n: u64) -> Result<NaiveDate, ClockError> {
    days_after(date, 7 * n)
}

/// "at least N weeks before `date`": `date` - 7N days.
pub fn weeks_before(date: NaiveDate, n: u64) -> Result<NaiveDate, ClockError> {
    days_before(date, 7 * n)
}

/// "N days beginning with `date`": the last of those days.
pub fn days_beginning_with(date: NaiveDate, n: u64) -> Result<NaiveDate, ClockError> {
    days_after(date, n.saturating_sub(1))
}

/// "N months after `date`": the same day number, or the month's last day.
pub fn months_after(date: NaiveDate, n: u32) -> Result<NaiveDate, ClockError> {
    date.checked_add_months(Months::new(n))
        .ok_or(overflow("date"))
}

/// The last day of "the period of N months starting with `date`".
pub fn months_starting_with(date: NaiveDate, n: u32) -> Result<NaiveDate, ClockError> {
    days_before(months_after(date, n)?, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    #[test]
    fn month_ends_clamp_to_the_last_day() {
        assert_eq!(months_after(d(2025, 8, 31), 6), Ok(d(2026, 2, 28)));
        assert_eq!(months_after(d(2023, 8, 31), 6), Ok(d(2024, 2, 29)));
        assert_eq!(months_after(d(2024, 1, 31), 1), Ok(d(2024, 2, 29)));
    }

    #[test]
    fn twelve_months_starting_with_ends_the_day_before_the_anniversary() {
        assert_eq!(months_starting_with(d(2024, 3, 1), 12), Ok(d(2025, 2, 28)));
        assert_eq!(months_starting_with(d(2024, 2, 29), 12), Ok(d(2025, 2, 27)));
        assert_eq!(months_starting_with(d(2025, 1, 1), 12), Ok(d(2025, 12, 31)));
    }

    #[test]
    fn days_beginning_with_counts_the_first_day() {
        assert_eq!(days_beginning_with(d(2025, 1, 1), 15), Ok(d(2025, 1, 15)));
        assert_eq!(days_beginning_with(d(2025, 1, 1), 1), Ok(d(2025, 1, 1)));
    }

    #[test]
    fn the_end_of_the_calendar_is_an_error_not_a_panic() {
        assert!(weeks_after(NaiveDate::MAX, 6).is_err());
        assert!(days_before(NaiveDate::MIN, 1).is_err());
    }
}
