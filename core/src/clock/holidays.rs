//! Working days: every day but Saturday, Sunday and the bank holidays of England and
//! Wales (SEND Regulations 2014 reg. 2, which also names Christmas Day and Good Friday,
//! both on the list). The list ships as `config/bank-holidays/england-and-wales.txt` so
//! an authority can update it when a new year is proclaimed, without a new release.

use std::collections::BTreeSet;
use std::path::Path;

use chrono::{Datelike, NaiveDate, Weekday};

use super::ClockError;
use super::calendar::days_after;

const ENGLAND_AND_WALES: &str = include_str!("../../../config/bank-holidays/england-and-wales.txt");

/// The bank holidays a working-day count skips.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankHolidays {
    days: BTreeSet<NaiveDate>,
}

impl BankHolidays {
    /// The list compiled into this binary.
    pub fn england_and_wales() -> Self {
        // The shipped file is checked by this module's tests, so it always parses.
        Self::parse(ENGLAND_AND_WALES, "built-in bank holidays").unwrap_or(Self {
            days: BTreeSet::new(),
        })
    }

    /// A list from a file with one `YYYY-MM-DD name` per line.
    pub fn from_file(path: &Path) -> Result<Self, ClockError> {
        let text = std::fs::read_to_string(path).map_err(|e| ClockError::Holidays {
            source_name: path.display().to_string(),
            line: 0,
            problem: e.to_string(),
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    fn parse(text: &str, source_name: &str) -> Result<Self, ClockError> {
        let mut days = BTreeSet::new();
        for (index, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let day = line.get(..10).unwrap_or(line);
            let date =
                NaiveDate::parse_from_str(day, "%Y-%m-%d").map_err(|_| ClockError::Holidays {
                    source_name: source_name.to_owned(),
                    line: index + 1,
                    problem: format!("`{day}` is not a date written YYYY-MM-DD"),
                })?;
            days.insert(date);
        }
        Ok(Self { days })
    }

    /// Monday to Friday, and not a bank holiday.
    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) && !self.days.contains(&day)
    }

    /// The `n`th working day after `date` (`date` itself is not counted).
    pub fn working_days_after(&self, date: NaiveDate, n: u32) -> Result<NaiveDate, ClockError> {
        let mut day = date;
        let mut left = n;
        while left > 0 {
            day = days_after(day, 1)?;
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        Ok(day)
    }

    /// The last of `n` working days beginning with `date`: `date` is the first of them
    /// when it is a working day ("within 15 working days beginning with the day on which
    /// it became aware", Reg 15(2)).
    pub fn working_days_beginning_with(
        &self,
        date: NaiveDate,
        n: u32,
    ) -> Result<NaiveDate, ClockError> {
        let counted_today = u32::from(self.is_working_day(date));
        self.working_days_after(date, n.saturating_sub(counted_today))
    }

    /// The first working day after `date`.
    pub fn first_working_day_after(&self, date: NaiveDate) -> Result<NaiveDate, ClockError> {
        self.working_days_after(date, 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn working_days_beginning_with_counts_a_working_day_itself() {
        let holidays = BankHolidays::england_and_wales();
        // Monday 3 March 2025: day 1 is that Monday, day 15 is Friday 21 March.
        assert_eq!(
            holidays.working_days_beginning_with(d(2025, 3, 3), 15).ok(),
            Some(d(2025, 3, 21))
        );
        // Saturday 1 March 2025: day 1 is Monday 3 March, so day 15 is again 21 March.
        assert_eq!(
            holidays.working_days_beginning_with(d(2025, 3, 1), 15).ok(),
            Some(d(2025, 3, 21))
        );
        // Thursday 17 April 2025: Good Friday and Easter Monday do not count; day 1 is
        // the 17th, day 2 Tuesday 22nd, day 3 Wednesday 23rd.
        assert_eq!(
            holidays.working_days_beginning_with(d(2025, 4, 17), 3).ok(),
            Some(d(2025, 4, 23))
        );
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    #[test]
    fn the_shipped_list_parses_and_knows_the_substitute_days() {
        let parsed = BankHolidays::parse(ENGLAND_AND_WALES, "shipped");
        assert!(parsed.is_ok(), "{parsed:?}");
        let holidays = BankHolidays::england_and_wales();
        // Christmas 2022 was a Sunday: Tuesday 27 December was the substitute day.
        assert!(!holidays.is_working_day(d(2022, 12, 27)));
        // The Coronation bank holiday, 8 May 2023.
        assert!(!holidays.is_working_day(d(2023, 5, 8)));
        assert!(holidays.is_working_day(d(2023, 5, 9)));
    }

    #[test]
    fn working_days_skip_weekends_and_easter() {
        let holidays = BankHolidays::england_and_wales();
        // Thursday 17 April 2025; Good Friday 18th and Easter Monday 21st.
        assert_eq!(
            holidays.working_days_after(d(2025, 4, 17), 3),
            Ok(d(2025, 4, 24))
        );
        assert_eq!(
            holidays.first_working_day_after(d(2025, 12, 24)),
            Ok(d(2025, 12, 29))
        );
    }

    #[test]
    fn a_bad_line_is_named() {
        let error = BankHolidays::parse("# header\n2025-13-01 Nonsense\n", "holidays.txt");
        assert_eq!(
            error.err().map(|e| e.to_string()),
            Some("holidays.txt: line 2: `2025-13-01` is not a date written YYYY-MM-DD".to_owned())
        );
    }
}
