//! Phase transfers planned a year ahead: how many children with a plan move to their
//! next phase of education at the end of this school year and of the next, and by when
//! their plan must be reviewed and amended to name the new setting.
//!
//! The statutory dates are the clock's own phase-transfer limit (SEND Regulations 2014
//! reg 18, [`crate::clock::limits::PHASE_TRANSFER`]), the one the case's phase-transfer
//! step sets. A cohort is counted from the caseload itself (maintained
//! plans by national curriculum year group, [`crate::caseload::born_in_year_group`]),
//! and lists as the caseload filtered to it, so the page and the list never disagree.

use chrono::NaiveDate;
use serde::Serialize;

use crate::caseload::{CaseloadParams, born_in_year_group, school_year_start};
use crate::clock::TransferKind;
use crate::clock::limits;
use crate::domain::CaseStage;
use crate::services::{Actor, Services};
use crate::store::{AuthorityScope, CaseFilter, Database};
use crate::workflow::WorkflowError;

/// A move between phases of education that a plan must be ready for, or (Year 9) the
/// point from which every review prepares for adulthood.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, strum::Display, strum::EnumIter, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Transfer {
    /// Infant to junior school, at the end of Year 2 (where the area has infant schools).
    InfantToJunior,
    /// Primary to secondary school, at the end of Year 6.
    PrimaryToSecondary,
    /// Not a transfer: from Year 9 every review considers preparation for adulthood and
    /// independent living (reg 20(6)).
    PreparingForAdulthood,
    /// Secondary school to post-16 education or training, at the end of Year 11.
    SecondaryToPost16,
}

impl Transfer {
    /// The national curriculum year group the children are in during the school year
    /// that ends with the transfer.
    pub fn year_group(self) -> i32 {
        match self {
            Self::InfantToJunior => 2,
            Self::PrimaryToSecondary => 6,
            Self::PreparingForAdulthood => 9,
            Self::SecondaryToPost16 => 11,
        }
    }

    /// In words, for the page.
    pub fn title(self) -> &'static str {
        match self {
            Self::InfantToJunior => "Infant to junior (end of Year 2)",
            Self::PrimaryToSecondary => "Primary to secondary (end of Year 6)",
            Self::PreparingForAdulthood => "Preparing for adulthood (from Year 9)",
            Self::SecondaryToPost16 => "Secondary to post-16 (end of Year 11)",
        }
    }

    /// The last day by which the plan of a child transferring at the end of the school
    /// year ending in `transfer_year` must have been reviewed and amended, naming the
    /// new setting: the statutory table's phase-transfer limit
    /// ([`limits::PHASE_TRANSFER`], reg 18(1)). `None` for Year 9, which has no
    /// transfer.
    pub fn naming_deadline(self, transfer_year: i32) -> Option<NaiveDate> {
        let kind = match self {
            Self::InfantToJunior | Self::PrimaryToSecondary => TransferKind::School,
            Self::SecondaryToPost16 => TransferKind::Post16,
            Self::PreparingForAdulthood => return None,
        };
        limits::PHASE_TRANSFER.due_in_year(transfer_year, kind).ok()
    }

    /// The day a plan naming a post-16 placement that starts on `starts_on` had to be
    /// amended by (31 March of that year, reg. 18(1)(b)), when the placement was
    /// decided on `decided_on`, after it; `None` when it was on time or the setting
    /// is not a post-16 one.
    pub fn post16_named_late(
        setting: crate::domain::ProviderKind,
        starts_on: NaiveDate,
        decided_on: NaiveDate,
    ) -> Option<NaiveDate> {
        if setting != crate::domain::ProviderKind::Post16 {
            return None;
        }
        Self::SecondaryToPost16
            .naming_deadline(chrono::Datelike::year(&starts_on))
            .filter(|deadline| decided_on > *deadline)
    }

    /// The rule behind the date, as the page cites it.
    pub fn rule(self) -> &'static str {
        match self {
            Self::InfantToJunior | Self::PrimaryToSecondary => {
                "SEND Regulations 2014 reg 18(1)(a): reviewed and amended by 15 February of the year of transfer"
            }
            Self::SecondaryToPost16 => {
                "SEND Regulations 2014 reg 18(1)(b): reviewed and amended, naming the post-16 setting, by 31 March of the year of transfer"
            }
            Self::PreparingForAdulthood => {
                "SEND Regulations 2014 reg 20(6): from Year 9 every review considers preparation for adulthood"
            }
        }
    }
}

/// One cohort: the children with a maintained plan who make one transfer at the end of
/// one school year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Cohort {
    /// Which transfer.
    pub transfer: Transfer,
    /// The year group they are in now: the transfer's own this year, the one before it
    /// for next year's cohort.
    pub year_group_now: i32,
    /// The calendar year in whose summer they transfer.
    pub transfer_year: i32,
    /// When their plans must name the new setting (reg 18); `None` for Year 9.
    pub naming_deadline: Option<NaiveDate>,
    /// Whether that day has passed.
    pub deadline_passed: bool,
    /// How many children with a maintained plan are in it.
    pub plans: i64,
    /// The caseload filters that list them.
    pub list: CaseloadParams,
}

/// Each transfer's cohort this school year and next, for the scope's authority, as on
/// `today`.
pub fn cohorts(
    db: &Database,
    scope: &AuthorityScope,
    today: NaiveDate,
) -> Result<Vec<Cohort>, WorkflowError> {
    use strum::IntoEnumIterator;
    let start = school_year_start(today);
    let mut found = Vec::new();
    for transfer in Transfer::iter() {
        for years_ahead in 0..=1 {
            let year_group_now = transfer.year_group() - years_ahead;
            let transfer_year = start + 1 + years_ahead;
            let filter = CaseFilter {
                stage: Some(CaseStage::PlanIssued),
                born_between: Some(born_in_year_group(year_group_now, today)),
                ..CaseFilter::default()
            };
            let plans = db.read(|tx| tx.count_cases(scope, &filter))?;
            let naming_deadline = transfer.naming_deadline(transfer_year);
            found.push(Cohort {
                transfer,
                year_group_now,
                transfer_year,
                naming_deadline,
                deadline_passed: naming_deadline.is_some_and(|day| day < today),
                plans,
                list: CaseloadParams {
                    stage: Some(CaseStage::PlanIssued.to_string()),
                    year_group: Some(year_group_now.to_string()),
                    ..CaseloadParams::default()
                },
            });
        }
    }
    Ok(found)
}

/// [`cohorts`] for `actor`: refused for a role that may not open cases, as the caseload
/// is.
pub fn cohorts_for(services: &Services, actor: &Actor) -> Result<Vec<Cohort>, WorkflowError> {
    crate::access::refuse_unless_may_open(actor)?;
    cohorts(&services.db, &actor.scope, services.clock.today())
}

/// The last day of compulsory school age for someone born on `born`: the school
/// leaving date (the last Friday in June, Education (School Leaving Date) Order 1997)
/// of the school year in which they turn 16 (Education Act 1996 s.8(3)), their Year
/// 11. From the day after, they are a young person, not a child (Children and Families
/// Act 2014 s.83(2)). `None` only for a date beyond the calendar.
pub fn compulsory_school_age_ends(born: NaiveDate) -> Option<NaiveDate> {
    use chrono::Datelike;
    // The school year (September to August) of their birth starts their year group;
    // they turn 16 in the school year that begins 16 Septembers later.
    let cohort = if born.month() >= 9 {
        born.year()
    } else {
        born.year().checked_sub(1)?
    };
    let end_of_june = NaiveDate::from_ymd_opt(cohort.checked_add(17)?, 6, 30)?;
    let since_friday = (end_of_june.weekday().num_days_from_monday() + 7
        - chrono::Weekday::Fri.num_days_from_monday())
        % 7;
    end_of_june.checked_sub_days(chrono::Days::new(u64::from(since_friday)))
}

/// Whether someone born on `born` is over compulsory school age on `on` (a young
/// person, CFA s.83(2)): after their school leaving date
/// ([`compulsory_school_age_ends`]), so from the end of June of Year 11.
pub fn over_compulsory_school_age(born: NaiveDate, on: NaiveDate) -> bool {
    compulsory_school_age_ends(born).is_some_and(|last| on > last)
}

/// The first calendar year of the school year holding `today`, for a page's heading.
pub fn school_year(today: NaiveDate) -> String {
    let start = school_year_start(today);
    format!("{start}/{:02}", (start + 1).rem_euclid(100))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn naming_deadlines_follow_regulation_18() {
        assert_eq!(
            Transfer::PrimaryToSecondary.naming_deadline(2027),
            NaiveDate::from_ymd_opt(2027, 2, 15)
        );
        assert_eq!(
            Transfer::SecondaryToPost16.naming_deadline(2027),
            NaiveDate::from_ymd_opt(2027, 3, 31)
        );
        assert_eq!(Transfer::PreparingForAdulthood.naming_deadline(2027), None);
        assert_eq!(
            school_year(NaiveDate::from_ymd_opt(2026, 12, 6).unwrap_or_default()),
            "2026/27"
        );
        assert_eq!(
            school_year(NaiveDate::from_ymd_opt(2027, 8, 31).unwrap_or_default()),
            "2026/27"
        );
    }

    #[test]
    fn compulsory_school_age_ends_on_the_last_friday_in_june_of_year_11() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        // Born 14 March 2007 (Year 11 in 2022/23): the last Friday in June 2023 is the
        // 30th. Born 1 September 2006, the oldest of the same year group: the same day.
        assert_eq!(
            compulsory_school_age_ends(day(2007, 3, 14)),
            Some(day(2023, 6, 30))
        );
        assert_eq!(
            compulsory_school_age_ends(day(2006, 9, 1)),
            Some(day(2023, 6, 30))
        );
        // Born 31 August 2007, the youngest: 16 only after that day, and still the
        // same day (s.8(3)(a)). Born 1 September 2007: a year later, Friday 28 June 2024.
        assert_eq!(
            compulsory_school_age_ends(day(2007, 8, 31)),
            Some(day(2023, 6, 30))
        );
        assert_eq!(
            compulsory_school_age_ends(day(2007, 9, 1)),
            Some(day(2024, 6, 28))
        );
        // Born 14 March 2011 (Year 9 in 2024/25): Friday 25 June 2027.
        assert_eq!(
            compulsory_school_age_ends(day(2011, 3, 14)),
            Some(day(2027, 6, 25))
        );
        let born = day(2007, 3, 14);
        assert!(!over_compulsory_school_age(born, day(2023, 6, 30)));
        assert!(over_compulsory_school_age(born, day(2023, 7, 1)));
        assert!(over_compulsory_school_age(born, day(2024, 12, 2)));
        assert!(!over_compulsory_school_age(
            day(2011, 3, 14),
            day(2024, 12, 2)
        ));
    }
}
