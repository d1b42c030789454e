//! The period a report covers: two days, both counted (`?from=2024-04-01&to=2025-03-31`),
//! or a preset worked out from today: this month, this quarter, this financial year
//! (April to March) or this academic year (September to August).
//!
//! A period of whole calendar months is compared with the same number of months before
//! it (a quarter with the quarter before, as Leicestershire's scrutiny dashboard does);
//! any other period with the same number of days before it.

use chrono::{Datelike, Months, NaiveDate};
use serde::Serialize;

/// The longest period a report covers: longer than a plan can last (birth to 25).
pub const MAX_YEARS: u32 = 30;

/// Two days, `from` on or before `to`, both in the period, at most [`MAX_YEARS`] apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    /// The first day.
    pub from: NaiveDate,
    /// The last day.
    pub to: NaiveDate,
}

/// A period that cannot be used, naming the field at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    /// Not a date in the form the query takes.
    #[error("{field}: enter a date as YYYY-MM-DD, for example 2026-04-01")]
    NotADate {
        /// `from` or `to`.
        field: &'static str,
    },
    /// One end given without the other.
    #[error("{field}: give both the first and the last day of the period")]
    Missing {
        /// The end left out.
        field: &'static str,
    },
    /// The last day comes before the first.
    #[error("to: the last day ({to}) must be on or after the first day ({from})")]
    EndsBeforeStart {
        /// The first day given.
        from: NaiveDate,
        /// The last day given.
        to: NaiveDate,
    },
    /// Longer than any report needs (and than a plan can last).
    #[error("to: a period can be at most {MAX_YEARS} years long")]
    TooLong,
    /// A preset we do not have.
    #[error(
        "period: `{given}` is not a period; use this_month, this_quarter, financial_year or academic_year"
    )]
    UnknownPreset {
        /// What was asked for.
        given: String,
    },
}

impl PeriodError {
    /// The query field at fault.
    pub fn field(&self) -> &'static str {
        match self {
            Self::NotADate { field } | Self::Missing { field } => field,
            Self::EndsBeforeStart { .. } | Self::TooLong => "to",
            Self::UnknownPreset { .. } => "period",
        }
    }
}

/// A period worked out from today.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, strum::EnumString, strum::Display, strum::EnumIter,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Preset {
    /// The calendar month holding today.
    ThisMonth,
    /// The quarter holding today (April-June is quarter 1 of the financial year).
    ThisQuarter,
    /// The financial year holding today: 1 April to 31 March.
    FinancialYear,
    /// The academic year holding today: 1 September to 31 August.
    AcademicYear,
}

impl Preset {
    /// How a person names it.
    pub fn label(self) -> &'static str {
        match self {
            Self::ThisMonth => "This month",
            Self::ThisQuarter => "This quarter",
            Self::FinancialYear => "This financial year",
            Self::AcademicYear => "This academic year",
        }
    }

    /// The whole period holding `today`.
    pub fn period(self, today: NaiveDate) -> Period {
        let (start_month, length) = match self {
            Self::ThisMonth => (today.month(), 1),
            Self::ThisQuarter => (today.month() - (today.month() - 1) % 3, 3),
            Self::FinancialYear => (4, 12),
            Self::AcademicYear => (9, 12),
        };
        let year = if today.month() >= start_month {
            today.year()
        } else {
            today.year() - 1
        };
        let from = NaiveDate::from_ymd_opt(year, start_month, 1).unwrap_or(today);
        Period::months_from(from, length)
    }
}

impl Period {
    /// A period from two days, refusing one that ends before it starts.
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Self, PeriodError> {
        if to < from {
            return Err(PeriodError::EndsBeforeStart { from, to });
        }
        if from
            .checked_add_months(Months::new(MAX_YEARS * 12))
            .is_none_or(|limit| to >= limit)
        {
            return Err(PeriodError::TooLong);
        }
        Ok(Self { from, to })
    }

    /// The period a query asks for: `from` and `to` (`YYYY-MM-DD`), or a `period`
    /// preset worked out from `today`; `None` when it asks for none (every record).
    /// Blank values count as not given.
    pub fn from_query(
        from: Option<&str>,
        to: Option<&str>,
        preset: Option<&str>,
        today: NaiveDate,
    ) -> Result<Option<Self>, PeriodError> {
        fn given(v: Option<&str>) -> Option<&str> {
            v.map(str::trim).filter(|v| !v.is_empty())
        }
        let day = |field: &'static str, v: &str| {
            NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| PeriodError::NotADate { field })
        };
        match (given(from), given(to)) {
            (Some(from), Some(to)) => Self::new(day("from", from)?, day("to", to)?).map(Some),
            (Some(from), None) => {
                day("from", from)?;
                Err(PeriodError::Missing { field: "to" })
            }
            (None, Some(to)) => {
                day("to", to)?;
                Err(PeriodError::Missing { field: "from" })
            }
            (None, None) => match given(preset) {
                None => Ok(None),
                Some(name) => name
                    .parse::<Preset>()
                    .map(|p| Some(p.period(today)))
                    .map_err(|_| PeriodError::UnknownPreset {
                        given: name.chars().take(40).collect(),
                    }),
            },
        }
    }

    /// `length` whole months from the first of a month.
    fn months_from(from: NaiveDate, length: u32) -> Self {
        let to = from
            .checked_add_months(Months::new(length))
            .and_then(|next| next.pred_opt())
            .unwrap_or(from);
        Self { from, to }
    }

    /// Whether `day` falls in it.
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.from <= day && day <= self.to
    }

    /// Days in it, both ends counted.
    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }

    /// Whole calendar months in it, when it is exactly that (starts on a first, ends on
    /// a last day).
    pub fn whole_months(&self) -> Option<u32> {
        let ends_a_month = self.to.succ_opt().is_none_or(|next| next.day() == 1);
        if self.from.day() != 1 || !ends_a_month {
            return None;
        }
        let months = (self.to.year() - self.from.year()) * 12 + self.to.month0() as i32
            - self.from.month0() as i32
            + 1;
        u32::try_from(months).ok()
    }

    /// The period before it of the same length: as many whole months when it is whole
    /// months, else as many days.
    pub fn previous(&self) -> Self {
        if let Some(months) = self.whole_months()
            && let Some(from) = self.from.checked_sub_months(Months::new(months))
        {
            return Self::months_from(from, months);
        }
        let days = chrono::Duration::days(self.days());
        Self {
            from: self.from - days,
            to: self.to - days,
        }
    }

    /// Its name as a scrutiny report gives it: "November 2026", "Q3 2026/27",
    /// "2026/27" (a financial year), "Academic year 2026/27", or the two days.
    pub fn name(&self) -> String {
        let fy = |year: i32| format!("{}/{:02}", year, (year + 1).rem_euclid(100));
        match (self.whole_months(), self.from.month()) {
            (Some(1), _) => self.from.format("%B %Y").to_string(),
            (Some(3), month) if (month - 1) % 3 == 0 => {
                let quarter = ((month + 8) % 12) / 3 + 1;
                let year = if month >= 4 {
                    self.from.year()
                } else {
                    self.from.year() - 1
                };
                format!("Q{quarter} {}", fy(year))
            }
            (Some(12), 4) => fy(self.from.year()),
            (Some(12), 9) => format!("Academic year {}", fy(self.from.year())),
            _ => self.span(),
        }
    }

    /// "1 April 2026 to 31 March 2027".
    pub fn span(&self) -> String {
        format!(
            "{} to {}",
            self.from.format("%-d %B %Y"),
            self.to.format("%-d %B %Y")
        )
    }

    /// The query that asks for it: `from=2026-04-01&to=2027-03-31`.
    pub fn query(&self) -> String {
        format!("from={}&to={}", self.from, self.to)
    }

    /// The months it touches, as `YYYY-MM`, oldest first.
    pub fn months(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut month = NaiveDate::from_ymd_opt(self.from.year(), self.from.month(), 1);
        while let Some(first) = month.filter(|m| *m <= self.to) {
            out.push(first.format("%Y-%m").to_string());
            month = first.checked_add_months(Months::new(1));
        }
        out
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn presets_hold_today() {
        let today = day(2026, 12, 6);
        let p = |preset: Preset| {
            let period = preset.period(today);
            (period.from, period.to, period.name())
        };
        assert_eq!(
            p(Preset::ThisMonth),
            (day(2026, 12, 1), day(2026, 12, 31), "December 2026".into())
        );
        assert_eq!(
            p(Preset::ThisQuarter),
            (day(2026, 10, 1), day(2026, 12, 31), "Q3 2026/27".into())
        );
        assert_eq!(
            p(Preset::FinancialYear),
            (day(2026, 4, 1), day(2027, 3, 31), "2026/27".into())
        );
        assert_eq!(
            p(Preset::AcademicYear),
            (
                day(2026, 9, 1),
                day(2027, 8, 31),
                "Academic year 2026/27".into()
            )
        );
        let march = day(2027, 3, 2);
        assert_eq!(Preset::FinancialYear.period(march).from, day(2026, 4, 1));
        assert_eq!(Preset::ThisQuarter.period(march).name(), "Q4 2026/27");
        assert_eq!(Preset::AcademicYear.period(march).from, day(2026, 9, 1));
    }

    #[test]
    fn the_previous_period_has_the_same_length() {
        let quarter = Period::new(day(2024, 10, 1), day(2024, 12, 31)).unwrap();
        assert_eq!(
            quarter.previous(),
            Period::new(day(2024, 7, 1), day(2024, 9, 30)).unwrap()
        );
        let february = Period::new(day(2024, 3, 1), day(2024, 3, 31)).unwrap();
        assert_eq!(
            february.previous(),
            Period::new(day(2024, 2, 1), day(2024, 2, 29)).unwrap()
        );
        let ten_days = Period::new(day(2024, 3, 5), day(2024, 3, 14)).unwrap();
        assert_eq!(
            ten_days.previous(),
            Period::new(day(2024, 2, 24), day(2024, 3, 4)).unwrap()
        );
        assert_eq!(ten_days.months(), ["2024-03"]);
        assert_eq!(quarter.months(), ["2024-10", "2024-11", "2024-12"]);
        assert_eq!(ten_days.name(), "5 March 2024 to 14 March 2024");
    }

    #[test]
    fn a_bad_query_names_its_field() {
        let today = day(2026, 12, 6);
        let q = |from, to, preset| Period::from_query(from, to, preset, today);
        assert_eq!(q(None, None, None), Ok(None));
        assert_eq!(q(Some(""), Some(" "), None), Ok(None));
        assert_eq!(
            q(Some("2024-04-01"), Some("2025-03-31"), None),
            Ok(Some(
                Period::new(day(2024, 4, 1), day(2025, 3, 31)).unwrap()
            ))
        );
        let field = |r: Result<Option<Period>, PeriodError>| r.unwrap_err().field();
        assert_eq!(field(q(Some("1/4/2024"), Some("2025-03-31"), None)), "from");
        assert_eq!(field(q(Some("2024-04-01"), Some("2025-02-30"), None)), "to");
        assert_eq!(field(q(Some("2024-04-01"), None, None)), "to");
        assert_eq!(field(q(None, Some("2024-04-01"), None)), "from");
        let backwards = q(Some("2025-04-01"), Some("2024-03-31"), None).unwrap_err();
        assert_eq!(backwards.field(), "to");
        assert!(backwards.to_string().contains("must be on or after"));
        assert_eq!(field(q(None, None, Some("fortnight"))), "period");
        let long = q(Some("0001-01-01"), Some("9999-12-31"), None).unwrap_err();
        assert_eq!(long, PeriodError::TooLong);
        assert_eq!(
            long.to_string(),
            "to: a period can be at most 30 years long"
        );
        assert!(q(Some("2000-01-01"), Some("2029-12-31"), None).is_ok());
        assert_eq!(
            q(None, None, Some("this_quarter")),
            Ok(Some(Preset::ThisQuarter.period(today)))
        );
    }
}
