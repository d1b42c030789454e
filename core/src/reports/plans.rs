//! The plan report: plans maintained at the start and end of each month and year, and
//! in between those issued, transferred in, imported and ceased (Torbay keeps this
//! ledger by hand, `torbay-pack-part1.md` §2.2), with the plans ceased by how they
//! ceased and by the child's age on the day.
//!
//! A plan is maintained from the day it was issued (`FinalPlanIssued`), transferred in
//! (`PlanTransferredIn`) or, for a plan made before the service, issued
//! (`PlanImported`); it ceases on the day of a decision at review to cease
//! (`ReviewDecisionRecorded`), unless the Tribunal later ordered it kept, of a transfer
//! to another authority (`PlanTransferredOut`), or of the case closing as ceased or
//! transferred (`CaseClosed`). "Ceased" counts every route, transfers out included, as
//! the SEN2 return's cease reasons do; the table by route tells them apart.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use super::period::Period;
use super::record::{CeaseRoute, PlanSpell, PlanStart, Record};

/// The child's age on the day the plan ceased, in the bands the SEN2 return uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, strum::EnumIter)]
#[serde(rename_all = "snake_case")]
pub enum AgeBand {
    /// Under 5.
    Under5,
    /// 5 to 10.
    From5To10,
    /// 11 to 15.
    From11To15,
    /// 16 to 19.
    From16To19,
    /// 20 to 25.
    From20To25,
    /// Over 25: a plan cannot be maintained past 25, so this flags a record to check.
    Over25,
}

impl AgeBand {
    /// The band of a whole-years age.
    pub fn of(years: u32) -> Self {
        match years {
            0..=4 => Self::Under5,
            5..=10 => Self::From5To10,
            11..=15 => Self::From11To15,
            16..=19 => Self::From16To19,
            20..=25 => Self::From20To25,
            _ => Self::Over25,
        }
    }

    /// How a person names it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Under5 => "0 to 4",
            Self::From5To10 => "5 to 10",
            Self::From11To15 => "11 to 15",
            Self::From16To19 => "16 to 19",
            Self::From20To25 => "20 to 25",
            Self::Over25 => "Over 25 (check the record)",
        }
    }
}

/// Whole years from `born_on` to `on`.
pub fn age_on(born_on: NaiveDate, on: NaiveDate) -> u32 {
    on.years_since(born_on).unwrap_or(0)
}

/// One row of the ledger: a month (`2024-01`) or a year (`2024`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LedgerRow {
    /// The month or year.
    pub label: String,
    /// The first day it covers.
    pub from: Option<NaiveDate>,
    /// The last day it covers.
    pub to: Option<NaiveDate>,
    /// Plans maintained at the end of the day before it began.
    pub opening: usize,
    /// Plans issued in it after an assessment.
    pub issued: usize,
    /// Plans transferred in.
    pub transferred_in: usize,
    /// Plans made before the service whose issue falls in it.
    pub imported: usize,
    /// Plans ceased, by every route.
    pub ceased: usize,
    /// Plans maintained at the end of its last day.
    pub closing: usize,
}

/// The plan report for a period.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PlanReport {
    /// Month by month, oldest first.
    pub months: Vec<LedgerRow>,
    /// Calendar year by calendar year (each cut to the period), oldest first.
    pub years: Vec<LedgerRow>,
    /// Plans ceased in the period, by route.
    pub ceased_by_route: BTreeMap<CeaseRoute, usize>,
    /// Plans ceased in the period, by the child's age that day; those whose child's
    /// date of birth is not in the record are counted in `ceased_age_unknown`.
    pub ceased_by_age: BTreeMap<AgeBand, usize>,
    /// Ceased plans with no date of birth to age them by.
    pub ceased_age_unknown: usize,
    /// Plans maintained at the end of the period.
    pub active_at_end: usize,
}

/// The ledger row for the days `from` to `to`.
fn ledger(spells: &[PlanSpell], label: String, from: NaiveDate, to: NaiveDate) -> LedgerRow {
    let within = |day: NaiveDate| from <= day && day <= to;
    let started = |how: PlanStart| {
        spells
            .iter()
            .filter(|s| s.how == how && within(s.started_on))
            .count()
    };
    LedgerRow {
        label,
        from: Some(from),
        to: Some(to),
        opening: from
            .pred_opt()
            .map_or(0, |eve| spells.iter().filter(|s| s.active_on(eve)).count()),
        issued: started(PlanStart::Issued),
        transferred_in: started(PlanStart::TransferredIn),
        imported: started(PlanStart::Imported),
        ceased: spells
            .iter()
            .filter(|s| s.ended.is_some_and(|(on, _)| within(on)))
            .count(),
        closing: spells.iter().filter(|s| s.active_on(to)).count(),
    }
}

/// The span a report over every record covers: the first day a plan started or
/// ended to the last.
fn whole_record(spells: &[PlanSpell]) -> Option<Period> {
    let days = spells
        .iter()
        .flat_map(|s| std::iter::once(s.started_on).chain(s.ended.map(|(on, _)| on)));
    let first = days.clone().min()?;
    let last = days.max()?;
    // Not `Period::new`: the record's own span is never refused as too long.
    Some(Period {
        from: first,
        to: last,
    })
}

/// The report over `period`, or over every plan in the record.
pub(super) fn plan_report(record: &Record, period: Option<&Period>) -> PlanReport {
    let spells = record.plan_spells();
    let Some(period) = period.copied().or_else(|| whole_record(&spells)) else {
        return PlanReport::default();
    };
    let clip = |from: NaiveDate, to: NaiveDate| (from.max(period.from), to.min(period.to));
    let mut months = Vec::new();
    for month in period.months() {
        let first = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d");
        let Ok(first) = first else { continue };
        let last = first
            .checked_add_months(chrono::Months::new(1))
            .and_then(|d| d.pred_opt())
            .unwrap_or(first);
        let (from, to) = clip(first, last);
        months.push(ledger(&spells, month, from, to));
    }
    let mut years = Vec::new();
    for year in period.from.year()..=period.to.year() {
        let (Some(first), Some(last)) = (
            NaiveDate::from_ymd_opt(year, 1, 1),
            NaiveDate::from_ymd_opt(year, 12, 31),
        ) else {
            continue;
        };
        let (from, to) = clip(first, last);
        years.push(ledger(&spells, year.to_string(), from, to));
    }
    let mut report = PlanReport {
        months,
        years,
        active_at_end: spells.iter().filter(|s| s.active_on(period.to)).count(),
        ..PlanReport::default()
    };
    for spell in &spells {
        let Some((on, route)) = spell.ended.filter(|(on, _)| period.contains(*on)) else {
            continue;
        };
        *report.ceased_by_route.entry(route).or_default() += 1;
        match spell.born_on {
            Some(born) => {
                *report
                    .ceased_by_age
                    .entry(AgeBand::of(age_on(born, on)))
                    .or_default() += 1
            }
            None => report.ceased_age_unknown += 1,
        }
    }
    report
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn ages_fall_in_the_sen2_bands() {
        let born = NaiveDate::from_ymd_opt(2010, 5, 20).unwrap();
        let on = |y, m, d| age_on(born, NaiveDate::from_ymd_opt(y, m, d).unwrap());
        assert_eq!(on(2026, 5, 19), 15);
        assert_eq!(on(2026, 5, 20), 16);
        assert_eq!(AgeBand::of(on(2026, 5, 19)), AgeBand::From11To15);
        assert_eq!(AgeBand::of(on(2026, 5, 20)), AgeBand::From16To19);
        assert_eq!(AgeBand::of(4), AgeBand::Under5);
        assert_eq!(AgeBand::of(5), AgeBand::From5To10);
        assert_eq!(AgeBand::of(25), AgeBand::From20To25);
        assert_eq!(AgeBand::of(26), AgeBand::Over25);
    }
}
