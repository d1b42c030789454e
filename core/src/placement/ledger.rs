//! The funding ledger: for one authority and financial year, every band commitment by
//! setting and band, counted and costed the way councils report high-needs places to
//! their schools forum, and what the year's commitments cost month by month.
//!
//! Places are counted on 1 April and 1 September and funded for 5/12 and 7/12 of the
//! year (the academic year's places change in September, the financial year runs from
//! April); top-up follows the pupils on roll at the January census before the year
//! begins. That is how Torbay's special-school allocations for 2023/24 are built (seed
//! 001 L316-359: "Number of agreed Places Apr 23", "Sep 23", "Number of Pupils Jan
//! 23"), and `tests/funding_ledger.rs` reproduces its place and pupil totals from
//! commitments. Other elements paid per place (Teachers' Pay and Pensions, £660 a place
//! at L331) follow the places. Lump sums a council pays a school outright (outreach,
//! rent, Pupil Premium) are not commitments on a child's plan and are not here.
//!
//! A commitment runs from its first day until the day before the case's next
//! commitment begins, or its own last day if that is sooner. A placement runs until
//! the case's next placement begins.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, Months, NaiveDate, Weekday};
use serde::Serialize;

use crate::domain::{
    CaseId, EducationSetting, EducationSettingId, FundingCommitment, FundingModel, Placement,
    ProviderKind,
};
use crate::services::{Actor, Services};
use crate::store::StoreError;
use crate::workflow::WorkflowError;

/// A financial year, 1 April to 31 March, named by the year it starts in (2023 is
/// 2023/24), and written as councils write it: `2023/24`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, utoipa::ToSchema)]
#[schema(value_type = String, example = "2023/24")]
pub struct FinancialYear(i32);

impl Serialize for FinancialYear {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl FinancialYear {
    /// The year that starts on 1 April of `year`.
    pub fn starting(year: i32) -> Self {
        Self(year)
    }

    /// The financial year `day` falls in.
    pub fn of(day: NaiveDate) -> Self {
        Self(if day.month() >= 4 {
            day.year()
        } else {
            day.year() - 1
        })
    }

    /// Reads `2023/24` (or `2023-24`, or `2023`), as councils write it.
    pub fn parse(text: &str) -> Result<Self, WorkflowError> {
        let bad = || WorkflowError::Invalid {
            field: "year",
            rule: "must be a financial year such as 2023/24".to_owned(),
        };
        let text = text.trim();
        let (first, second) = match text.split_once(['/', '-']) {
            Some((a, b)) => (a, Some(b)),
            None => (text, None),
        };
        let start: i32 = first.parse().map_err(|_| bad())?;
        if !(2000..=2100).contains(&start) {
            return Err(bad());
        }
        if let Some(second) = second {
            let end: i32 = second.parse().map_err(|_| bad())?;
            if end != (start + 1) % 100 && end != start + 1 {
                return Err(bad());
            }
        }
        Ok(Self(start))
    }

    /// The year it starts in.
    pub fn start_year(self) -> i32 {
        self.0
    }

    /// 1 April.
    pub fn first_day(self) -> NaiveDate {
        day(self.0, 4, 1)
    }

    /// 31 March of the next year.
    pub fn last_day(self) -> NaiveDate {
        day(self.0 + 1, 3, 31)
    }

    /// The days places and pupils are counted on.
    pub fn count_days(self) -> CountDays {
        CountDays {
            april: self.first_day(),
            september: day(self.0, 9, 1),
            january: january_census(self.0),
        }
    }
}

impl std::fmt::Display for FinancialYear {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{:02}", self.0, (self.0 + 1) % 100)
    }
}

fn day(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or(NaiveDate::MIN)
}

/// The spring school census day: the third Thursday of January (DfE school census
/// guidance), whose pupils the year from the following April is topped up for.
fn january_census(year: i32) -> NaiveDate {
    NaiveDate::from_weekday_of_month_opt(year, 1, Weekday::Thu, 3).unwrap_or(NaiveDate::MIN)
}

/// The days a ledger counts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CountDays {
    /// Places from April: 1 April, funded for 5/12 of the year.
    pub april: NaiveDate,
    /// Places from September: 1 September, funded for 7/12.
    pub september: NaiveDate,
    /// Pupils at the January census before the year, topped up for the year.
    pub january: NaiveDate,
}

/// Places, pupils and money for one band at one setting, or a total of such rows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct LedgerFigures {
    /// Commitments running on 1 April.
    pub places_april: i64,
    /// Commitments running on 1 September.
    pub places_september: i64,
    /// Commitments running at the January census.
    pub pupils_january: i64,
    /// Place funding for the year, pence: 5/12 at April's count, 7/12 at September's.
    pub place_funding_pence: i64,
    /// Top-up for the year, pence: each January pupil's yearly top-up.
    pub pupil_funding_pence: i64,
    /// Other per-place elements for the year, pence, funded like places.
    pub other_funding_pence: i64,
    /// The three together.
    pub total_pence: i64,
}

impl LedgerFigures {
    fn add(&mut self, other: &LedgerFigures) {
        self.places_april += other.places_april;
        self.places_september += other.places_september;
        self.pupils_january += other.pupils_january;
        self.place_funding_pence += other.place_funding_pence;
        self.pupil_funding_pence += other.pupil_funding_pence;
        self.other_funding_pence += other.other_funding_pence;
        self.total_pence += other.total_pence;
    }
}

/// One band at one setting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct LedgerRow {
    /// The band's code.
    pub band_code: String,
    /// The band's title, from its latest commitment.
    pub band_title: String,
    /// Its figures.
    pub figures: LedgerFigures,
}

/// One setting's bands and their total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct LedgerSetting {
    /// The setting.
    #[schema(value_type = String)]
    pub setting_id: EducationSettingId,
    /// Its name in the register.
    pub name: String,
    /// Its kind.
    pub kind: ProviderKind,
    /// Whether it is in the authority's area.
    pub in_area: bool,
    /// One row per band, by code.
    pub rows: Vec<LedgerRow>,
    /// The setting's total.
    pub total: LedgerFigures,
}

/// What the year's commitments cost in one month: a twelfth of the yearly amount of
/// each commitment running on the month's first day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct MonthCost {
    /// The month's first day.
    pub month: NaiveDate,
    /// Pence.
    pub pence: i64,
    /// Whether the month has begun (spent) or is still to come (forecast, as the
    /// commitments stand today).
    pub begun: bool,
}

/// The year's placements by who pays and where: each placement running on a month's
/// first day counts a twelfth of its yearly shares for that month.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PlacementCosts {
    /// Cases with a placement running at some month's start.
    pub cases: i64,
    /// Cases whose placement health or social care pays a share of.
    pub joint_funded_cases: i64,
    /// Education's shares, pence for the year.
    pub education_pence: i64,
    /// Health's shares, pence for the year.
    pub health_pence: i64,
    /// Social care's shares, pence for the year.
    pub social_care_pence: i64,
    /// Cases placed in independent settings.
    pub independent_cases: i64,
    /// All shares of independent placements, pence for the year.
    pub independent_pence: i64,
    /// Cases placed outside the authority's area.
    pub out_of_area_cases: i64,
    /// All shares of out-of-area placements, pence for the year.
    pub out_of_area_pence: i64,
}

/// The ledger for one authority and financial year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FundingLedger {
    /// The year.
    pub year: FinancialYear,
    /// The funding model whose commitments it counts: an authority moving from one
    /// model to another sees a ledger for each.
    pub model: FundingModel,
    /// The days counted on.
    pub count_days: CountDays,
    /// Each setting with a commitment counted, by name.
    pub settings: Vec<LedgerSetting>,
    /// Every setting together.
    pub total: LedgerFigures,
    /// April to March.
    pub months: Vec<MonthCost>,
    /// Months begun, pence.
    pub spent_to_date_pence: i64,
    /// Months to come, pence, as the commitments stand.
    pub forecast_rest_of_year_pence: i64,
    /// Placements by who pays and where.
    pub placements: PlacementCosts,
}

/// `numerator / 12`, to the penny, half away from zero (amounts are never negative).
fn twelfths(numerator: i128) -> i64 {
    i64::try_from((numerator + 6).div_euclid(12)).unwrap_or(i64::MAX)
}

/// Each item's last day, given the case's items in the order they start: the day
/// before the next one starts, or its own end if sooner.
fn running_until<T>(
    items: &[T],
    starts: impl Fn(&T) -> NaiveDate,
    case_of: impl Fn(&T) -> CaseId,
    own_end: impl Fn(&T) -> Option<NaiveDate>,
) -> Vec<Option<NaiveDate>> {
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let next_start = items
                .get(i + 1)
                .filter(|next| case_of(next) == case_of(item))
                .map(|next| starts(next).pred_opt().unwrap_or(NaiveDate::MIN));
            match (own_end(item), next_start) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            }
        })
        .collect()
}

fn runs_on(starts: NaiveDate, until: Option<NaiveDate>, on: NaiveDate) -> bool {
    starts <= on && until.is_none_or(|end| on <= end)
}

/// The ledger of `year` on `model` from the authority's commitments and placements,
/// each sorted by case and then start (as the store reads them), with `today` dividing
/// the months spent from those forecast. Every commitment is given, whatever its model:
/// one on the other model still ends the one before it (a case's change-over).
pub fn build_ledger(
    year: FinancialYear,
    model: FundingModel,
    commitments: &[FundingCommitment],
    placements: &[Placement],
    settings: &[EducationSetting],
    today: NaiveDate,
) -> FundingLedger {
    let days = year.count_days();
    let months: Vec<NaiveDate> = (0..12).map(|m| year.first_day() + Months::new(m)).collect();
    let commitment_ends = running_until(commitments, |c| c.starts_on, |c| c.case_id, |c| c.ends_on);
    // (setting, band) -> (title, April, September, January, place and other numerators, top-up)
    #[derive(Default)]
    struct Tally {
        title: String,
        april: i64,
        september: i64,
        january: i64,
        place_twelfths: i128,
        other_twelfths: i128,
        top_up: i64,
    }
    let mut tallies: BTreeMap<(EducationSettingId, String), Tally> = BTreeMap::new();
    let mut month_twelfths = vec![0_i128; months.len()];
    for (commitment, until) in commitments
        .iter()
        .zip(&commitment_ends)
        .filter(|(c, _)| c.model == model)
    {
        let on = |d: NaiveDate| runs_on(commitment.starts_on, *until, d);
        for (sum, first) in month_twelfths.iter_mut().zip(&months) {
            if on(*first) {
                *sum += i128::from(commitment.yearly_total_pence());
            }
        }
        let (april, september, january) = (on(days.april), on(days.september), on(days.january));
        if !(april || september || january) {
            continue;
        }
        let weight = 5 * i128::from(april) + 7 * i128::from(september);
        let other: i64 = commitment
            .other_elements
            .iter()
            .map(|e| e.yearly_pence)
            .sum();
        let tally = tallies
            .entry((commitment.setting_id, commitment.band_code.clone()))
            .or_default();
        tally.title.clone_from(&commitment.band_title);
        tally.april += i64::from(april);
        tally.september += i64::from(september);
        tally.january += i64::from(january);
        tally.place_twelfths += weight * i128::from(commitment.place_funding_pence);
        tally.other_twelfths += weight * i128::from(other);
        if january {
            tally.top_up += commitment.top_up_pence;
        }
    }
    let by_id: HashMap<EducationSettingId, &EducationSetting> =
        settings.iter().map(|s| (s.id, s)).collect();
    let mut grouped: BTreeMap<EducationSettingId, Vec<LedgerRow>> = BTreeMap::new();
    for ((setting, band_code), tally) in tallies {
        let place = twelfths(tally.place_twelfths);
        let other = twelfths(tally.other_twelfths);
        grouped.entry(setting).or_default().push(LedgerRow {
            band_code,
            band_title: tally.title,
            figures: LedgerFigures {
                places_april: tally.april,
                places_september: tally.september,
                pupils_january: tally.january,
                place_funding_pence: place,
                pupil_funding_pence: tally.top_up,
                other_funding_pence: other,
                total_pence: place + tally.top_up + other,
            },
        });
    }
    let mut ledger_settings: Vec<LedgerSetting> = grouped
        .into_iter()
        .map(|(setting_id, rows)| {
            let mut total = LedgerFigures::default();
            rows.iter().for_each(|r| total.add(&r.figures));
            let known = by_id.get(&setting_id);
            LedgerSetting {
                setting_id,
                name: known.map_or_else(|| setting_id.to_string(), |s| s.name.clone()),
                kind: known.map_or(ProviderKind::Special, |s| s.kind),
                in_area: known.is_none_or(|s| s.in_area),
                rows,
                total,
            }
        })
        .collect();
    ledger_settings.sort_by(|a, b| a.name.cmp(&b.name).then(a.setting_id.cmp(&b.setting_id)));
    let mut total = LedgerFigures::default();
    ledger_settings.iter().for_each(|s| total.add(&s.total));
    let month_costs: Vec<MonthCost> = months
        .iter()
        .zip(month_twelfths)
        .map(|(month, sum)| MonthCost {
            month: *month,
            pence: twelfths(sum),
            begun: *month <= today,
        })
        .collect();
    let spent: i64 = month_costs
        .iter()
        .filter(|m| m.begun)
        .map(|m| m.pence)
        .sum();
    let forecast: i64 = month_costs
        .iter()
        .filter(|m| !m.begun)
        .map(|m| m.pence)
        .sum();
    FundingLedger {
        year,
        model,
        count_days: days,
        settings: ledger_settings,
        total,
        months: month_costs,
        spent_to_date_pence: spent,
        forecast_rest_of_year_pence: forecast,
        placements: placement_costs(placements, &by_id, &months),
    }
}

fn placement_costs(
    placements: &[Placement],
    settings: &HashMap<EducationSettingId, &EducationSetting>,
    months: &[NaiveDate],
) -> PlacementCosts {
    let ends = running_until(placements, |p| p.terms.starts_on, |p| p.case_id, |_| None);
    let mut costs = PlacementCosts::default();
    let (mut education, mut health, mut social, mut independent, mut away) =
        (0_i128, 0_i128, 0_i128, 0_i128, 0_i128);
    let mut cases: BTreeMap<CaseId, (bool, bool, bool)> = BTreeMap::new();
    for (placement, until) in placements.iter().zip(&ends) {
        let running = months
            .iter()
            .filter(|m| runs_on(placement.terms.starts_on, *until, **m))
            .count();
        if running == 0 {
            continue;
        }
        let running = i128::try_from(running).unwrap_or(0);
        let setting = settings.get(&placement.terms.setting_id);
        let is_independent = setting.is_some_and(|s| s.kind == ProviderKind::Independent);
        let is_away = setting.is_some_and(|s| !s.in_area);
        let all = i128::from(placement.terms.education_pence)
            + i128::from(placement.terms.health_pence)
            + i128::from(placement.terms.social_care_pence);
        education += running * i128::from(placement.terms.education_pence);
        health += running * i128::from(placement.terms.health_pence);
        social += running * i128::from(placement.terms.social_care_pence);
        if is_independent {
            independent += running * all;
        }
        if is_away {
            away += running * all;
        }
        let flags = cases.entry(placement.case_id).or_default();
        flags.0 |= placement.terms.health_pence > 0 || placement.terms.social_care_pence > 0;
        flags.1 |= is_independent;
        flags.2 |= is_away;
    }
    costs.cases = i64::try_from(cases.len()).unwrap_or(i64::MAX);
    let count = |f: fn(&(bool, bool, bool)) -> bool| {
        i64::try_from(cases.values().filter(|c| f(c)).count()).unwrap_or(i64::MAX)
    };
    costs.joint_funded_cases = count(|c| c.0);
    costs.independent_cases = count(|c| c.1);
    costs.out_of_area_cases = count(|c| c.2);
    costs.education_pence = twelfths(education);
    costs.health_pence = twelfths(health);
    costs.social_care_pence = twelfths(social);
    costs.independent_pence = twelfths(independent);
    costs.out_of_area_pence = twelfths(away);
    costs
}

/// The model a query names (`bands` or `hours`), or bands when it names none: refused,
/// naming the field `model`, when it names another.
pub fn model_named(text: Option<&str>) -> Result<FundingModel, WorkflowError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(FundingModel::Bands),
        Some(text) => text.parse().map_err(|_| WorkflowError::Invalid {
            field: "model",
            rule: "must be bands or hours".into(),
        }),
    }
}

/// The scope's ledger for `year`, for anyone who may open cases: it names settings
/// and bands, never a child.
pub fn ledger_for(
    services: &Services,
    actor: &Actor,
    year: FinancialYear,
    model: FundingModel,
) -> Result<FundingLedger, WorkflowError> {
    crate::access::refuse_unless_may_open(actor)?;
    let until = year.last_day();
    let (commitments, placements, settings) = services.db.read(|tx| {
        Ok::<_, StoreError>((
            tx.commitments_starting_by(&actor.scope, until)?,
            tx.placements_starting_by(&actor.scope, until)?,
            tx.list_education_settings(&actor.scope)?,
        ))
    })?;
    Ok(build_ledger(
        year,
        model,
        &commitments,
        &placements,
        &settings,
        services.clock.today(),
    ))
}

/// The ledger as a spreadsheet: one line per band at each setting, then each setting's
/// total and the grand total, amounts in pounds and pence.
pub fn ledger_csv(ledger: &FundingLedger) -> Result<Vec<u8>, crate::reports::csv::CsvError> {
    let money = |pence: i64| format!("{}.{:02}", pence / 100, pence % 100);
    let line = |setting: &str, band: &str, title: &str, f: &LedgerFigures| {
        vec![
            setting.to_owned(),
            band.to_owned(),
            title.to_owned(),
            f.places_april.to_string(),
            f.places_september.to_string(),
            f.pupils_january.to_string(),
            money(f.place_funding_pence),
            money(f.pupil_funding_pence),
            money(f.other_funding_pence),
            money(f.total_pence),
        ]
    };
    let mut rows = Vec::new();
    for setting in &ledger.settings {
        for row in &setting.rows {
            rows.push(line(
                &setting.name,
                &row.band_code,
                &row.band_title,
                &row.figures,
            ));
        }
        rows.push(line(&setting.name, "", "Total", &setting.total));
    }
    rows.push(line("All settings", "", "Total", &ledger.total));
    crate::reports::csv::write_table(
        &[
            "Setting",
            "Band",
            "Title",
            "Places from April",
            "Places from September",
            "Pupils in January",
            "Place funding (£)",
            "Top-up (£)",
            "Other per-place funding (£)",
            "Total (£)",
        ],
        rows,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn financial_years_are_read_as_councils_write_them() {
        assert_eq!(
            FinancialYear::parse("2023/24").ok(),
            Some(FinancialYear(2023))
        );
        assert_eq!(
            FinancialYear::parse("2023-2024").ok(),
            Some(FinancialYear(2023))
        );
        assert_eq!(FinancialYear::parse("2023").ok(), Some(FinancialYear(2023)));
        assert!(FinancialYear::parse("2023/25").is_err());
        assert!(FinancialYear::parse("next year").is_err());
        assert_eq!(FinancialYear(2023).to_string(), "2023/24");
        assert_eq!(FinancialYear::of(day(2024, 3, 31)), FinancialYear(2023));
        assert_eq!(FinancialYear::of(day(2024, 4, 1)), FinancialYear(2024));
    }

    #[test]
    fn the_january_census_is_the_third_thursday() {
        // 2023's spring census day was Thursday 19 January.
        assert_eq!(january_census(2023), day(2023, 1, 19));
        assert_eq!(january_census(2026), day(2026, 1, 15));
    }

    #[test]
    fn twelfths_round_to_the_penny() {
        // One place from April and two from September at £10,000: £15,833.33.
        assert_eq!(twelfths((5 + 14) * 1_000_000), 1_583_333);
        assert_eq!(twelfths(6), 1);
        assert_eq!(twelfths(5), 0);
    }
}
