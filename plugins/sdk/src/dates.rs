//! Calendar dates and working days, because local deadlines ("a meeting within 10
//! working days") are counted in working days and plugins have no clock of their own.

use chrono::{Datelike, Days, NaiveDate, Weekday};

use crate::types::Date;

/// A WIT date from its parts; for builders and test vectors.
pub fn date(year: i32, month: u8, day: u8) -> Date {
    Date { year, month, day }
}

/// The WIT date as a chrono date, or `None` when it names no day (30 February).
pub fn to_naive(d: Date) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(d.year, u32::from(d.month), u32::from(d.day))
}

/// A chrono date as a WIT date.
pub fn from_naive(d: NaiveDate) -> Date {
    // Month and day always fit in a u8.
    Date {
        year: d.year(),
        month: u8::try_from(d.month()).unwrap_or(1),
        day: u8::try_from(d.day()).unwrap_or(1),
    }
}

// The same file the host counts statutory working days with.
const ENGLAND_AND_WALES: &str = include_str!("../../../config/bank-holidays/england-and-wales.txt");

/// Working-day arithmetic over a list of bank holidays.
#[derive(Debug, Clone)]
pub struct WorkingDays {
    holidays: Vec<NaiveDate>,
}

impl WorkingDays {
    /// England and Wales, from the list shipped with this crate (2018 to 2032; later
    /// years count weekends only until the list is extended).
    pub fn england_and_wales() -> Self {
        let holidays = ENGLAND_AND_WALES
            .lines()
            .filter(|line| !line.starts_with('#'))
            .filter_map(|line| line.get(..10))
            .filter_map(|day| NaiveDate::parse_from_str(day, "%Y-%m-%d").ok())
            .collect();
        Self { holidays }
    }

    /// An authority's own list (e.g. with local closure days).
    pub fn with_holidays(mut holidays: Vec<NaiveDate>) -> Self {
        holidays.sort_unstable();
        Self { holidays }
    }

    /// Monday to Friday and not a bank holiday.
    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        !matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
            && self.holidays.binary_search(&day).is_err()
    }

    /// The date `n` working days after `start` (the start day itself is not counted);
    /// `None` past the end of the calendar.
    pub fn add(&self, start: NaiveDate, n: u32) -> Option<NaiveDate> {
        let mut day = start;
        let mut left = n;
        while left > 0 {
            day = day.checked_add_days(Days::new(1))?;
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        Some(day)
    }

    /// Working days after `from` up to and including `to`; 0 when `to` is not later.
    pub fn between(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        from.iter_days()
            .skip(1)
            .take_while(|d| *d <= to)
            .filter(|d| self.is_working_day(*d))
            .fold(0, |n, _| n + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    #[test]
    fn skips_weekends_and_easter() {
        let wd = WorkingDays::england_and_wales();
        // Thursday 28 March 2024; Good Friday 29th and Easter Monday 1 April are holidays.
        assert_eq!(wd.add(d(2024, 3, 28), 1), Some(d(2024, 4, 2)));
        assert_eq!(wd.add(d(2024, 3, 28), 10), Some(d(2024, 4, 15)));
        assert_eq!(wd.add(NaiveDate::MAX, 1), None);
        assert_eq!(wd.between(d(2024, 3, 28), d(2024, 4, 15)), 10);
    }

    #[test]
    fn christmas_substitute_days_are_holidays() {
        let wd = WorkingDays::england_and_wales();
        // Christmas 2022 fell on a Sunday: Tuesday 27th was the substitute day.
        assert!(!wd.is_working_day(d(2022, 12, 27)));
        assert_eq!(wd.add(d(2022, 12, 23), 1), Some(d(2022, 12, 28)));
    }

    #[test]
    fn impossible_dates_are_none() {
        assert!(to_naive(date(2023, 2, 29)).is_none());
        assert_eq!(to_naive(date(2024, 2, 29)), Some(d(2024, 2, 29)));
    }
}
