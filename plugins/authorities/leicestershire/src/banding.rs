//! Leicestershire's EHCP funding. Mainstream top-up is the council's own model: "based on
//! hours of provision" (L117), with a 3.3% rise in the mainstream rate for 2025/26 (L119).
//! The hours come only from the band request's typed `support-tenths-per-week` field
//! (tenths of an hour a week), never from the free-text place type.
//! The banded model that will replace it is being "co-produced with schools" and has no
//! published bands (L117), so a request for a band is declined, not invented. **The 2024/25
//! hourly rate and the resource base and special school top-ups are illustrative**: the
//! pack gives no rates, and the £8,000 for 32 hours in a public question (L107) was neither
//! confirmed nor denied (L111). Resource bases are where "funding is higher" (L115); they and
//! special schools carry the national £10,000 place funding (practice-and-peers.md
//! L404–L409). Places are funded in twelfths of the financial year.

use sendpanel_plugin::chrono::{Datelike, NaiveDate};
use sendpanel_plugin::money::{format_pounds, months_in_financial_year, pro_rata};
use sendpanel_plugin::prelude::*;

/// Place funding for a resource base or special-school place, a whole year.
pub const PLACE_FUNDING: Pence = pounds(10_000);
/// The mainstream EHCP rate in 2024/25 for each hour of support a week, for a year.
/// Illustrative: the papers give no rate.
pub const HOURLY_RATE_2024_25: Pence = pounds(410);
/// The 2025/26 MTFS rise in the mainstream rate, in thousandths: +3.3% (L119).
pub const UPLIFT_2025_26_PER_THOUSAND: i64 = 1_033;
/// Full-time classroom support, in hours a week (the unit used at L107).
pub const FULL_TIME_HOURS: i64 = 32;

/// The mainstream rate per weekly hour for the financial year starting in April of
/// `financial_year`; `None` for years whose rate the papers do not set.
pub fn hourly_rate_for(financial_year: i32) -> Option<Pence> {
    match financial_year {
        2024 => Some(HOURLY_RATE_2024_25),
        2025 => Some(pro_rata(
            HOURLY_RATE_2024_25,
            UPLIFT_2025_26_PER_THOUSAND,
            1_000,
        )),
        _ => None,
    }
}

/// The yearly top-up for `tenths` tenths of an hour a week at `rate`, to the penny.
pub fn mainstream_top_up(rate: Pence, tenths: i64) -> Pence {
    pro_rata(rate, tenths, 10)
}

/// A resource base or special-school place type and its yearly top-up.
#[derive(Debug, Clone, Copy)]
pub struct SpecialistRow {
    pub code: &'static str,
    pub setting: SettingType,
    pub title: &'static str,
    /// Illustrative: the papers give no amounts.
    pub top_up: Pence,
}

const fn row(
    code: &'static str,
    setting: SettingType,
    title: &'static str,
    top_up_pounds: i64,
) -> SpecialistRow {
    SpecialistRow {
        code,
        setting,
        title,
        top_up: pounds(top_up_pounds),
    }
}

/// Resource bases sit in primary and secondary schools and four at special schools (L125).
pub const SPECIALIST_TARIFF: [SpecialistRow; 4] = [
    row(
        "LEI-RB-PRI",
        SettingType::ResourcedProvision,
        "Resource base in a primary school",
        8_500,
    ),
    row(
        "LEI-RB-SEC",
        SettingType::ResourcedProvision,
        "Resource base in a secondary school",
        9_500,
    ),
    row(
        "LEI-RB-SPS",
        SettingType::ResourcedProvision,
        "Resource base at a special school",
        11_000,
    ),
    row("LEI-SPS", SettingType::Special, "Special school", 12_500),
];

/// 1 April to 31 March: the year a date's financial year starts in.
fn financial_year(day: NaiveDate) -> i32 {
    if day.month() >= 4 {
        day.year()
    } else {
        day.year() - 1
    }
}

fn year_name(financial_year: i32) -> String {
    format!(
        "{financial_year}/{:02}",
        (financial_year + 1).rem_euclid(100)
    )
}

/// The financial year asked about (the period's start, else the advice date) and the
/// twelfths of it the period covers. A period must sit inside one financial year, since
/// each year has its own rate; the SDK counts months but does not check the boundary.
fn year_and_months(request: &BandRequest) -> Result<(i32, u8), PolicyError> {
    let invalid = |what: &str| PolicyError::InvalidFact(what.to_owned());
    let Some(period) = request.period else {
        let as_at =
            to_naive(request.facts.as_at).ok_or_else(|| invalid("as-at is not a calendar date"))?;
        return Ok((financial_year(as_at), 12));
    };
    let starts = to_naive(period.starts)
        .ok_or_else(|| invalid("the placement period starts on no calendar date"))?;
    let ends = to_naive(period.ends)
        .ok_or_else(|| invalid("the placement period ends on no calendar date"))?;
    if ends < starts {
        return Err(invalid("the placement period ends before it starts"));
    }
    if financial_year(starts) != financial_year(ends) {
        return Err(invalid(
            "the placement period crosses 31 March; ask for each financial year separately",
        ));
    }
    Ok((
        financial_year(starts),
        months_in_financial_year(period.starts, period.ends),
    ))
}

/// Does the place type ask for a band of the new model?
fn asks_for_band(place_type: &str) -> bool {
    place_type
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|w| w.eq_ignore_ascii_case("band") || w.eq_ignore_ascii_case("banded"))
}

/// The hours of support a week in tenths, from the typed field of the request; the place
/// type is never read for hours.
fn support_tenths(request: &BandRequest) -> Result<i64, PolicyError> {
    let tenths = request.support_tenths_per_week.ok_or_else(|| {
        PolicyError::MissingFact(
            "the hours of support a week, given in support-tenths-per-week as tenths of an hour (150 for 15 hours): Leicestershire funds mainstream EHCPs by hours of provision".to_owned(),
        )
    })?;
    let tenths = i64::from(tenths);
    if tenths == 0 || tenths > FULL_TIME_HOURS * 10 {
        return Err(PolicyError::InvalidFact(format!(
            "support-tenths-per-week is {tenths} ({} hours a week); it must be more than 0 and at most {} ({FULL_TIME_HOURS} hours, full time)",
            hours_words(tenths),
            FULL_TIME_HOURS * 10
        )));
    }
    Ok(tenths)
}

fn hours_words(tenths: i64) -> String {
    if tenths % 10 == 0 {
        format!("{}", tenths / 10)
    } else {
        format!("{}.{}", tenths / 10, tenths % 10)
    }
}

pub fn band(request: &BandRequest) -> Result<BandAdvice, PolicyError> {
    if asks_for_band(&request.place_type) {
        return Err(PolicyError::NotCovered(
            "Leicestershire's banded model for EHCP funding is still being developed with schools and its bands are not published; until it is, mainstream EHCPs are funded by hours of provision".to_owned(),
        ));
    }
    let not_covered = |why: &str| Err(PolicyError::NotCovered(why.to_owned()));
    match request.placement {
        SettingType::Mainstream => mainstream(request),
        SettingType::ResourcedProvision | SettingType::Special => specialist(request),
        SettingType::Independent => not_covered(
            "private (independent) SEND places are used when needs cannot be met in any other provision, or on parental preference backed by a tribunal, and are commissioned one by one under contract; there is no tariff",
        ),
        SettingType::EarlyYears => not_covered(
            "early years SEN funding in Leicestershire is the SEN Inclusion Fund (SENIF) for lower-level or emerging needs and the Disability Access Fund (£938 a child in 2025/26); neither is an EHCP top-up tariff",
        ),
        SettingType::Post16 => {
            not_covered("the council's papers give no post-16 EHCP funding rate")
        }
        SettingType::ElectiveHomeEducation => {
            not_covered("elective home education is not a funded placement")
        }
    }
}

fn mainstream(request: &BandRequest) -> Result<BandAdvice, PolicyError> {
    let tenths = support_tenths(request)?;
    let (year, months) = year_and_months(request)?;
    let rate = hourly_rate_for(year).ok_or_else(|| {
        PolicyError::NotCovered(format!(
            "no mainstream EHCP rate for {}: this policy carries 2024/25 and 2025/26, and each year's rate is set in the council's budget",
            year_name(year)
        ))
    })?;
    let top_up = mainstream_top_up(rate, tenths);
    let hours = hours_words(tenths);
    let rate_words = if year == 2025 {
        format!(
            "the 2025/26 rate, which is the 2024/25 rate of {} (ILLUSTRATIVE: the papers give no rate) plus the 3.3% MTFS rise (L119)",
            format_pounds(HOURLY_RATE_2024_25)
        )
    } else {
        "the 2024/25 rate (ILLUSTRATIVE: the papers give no rate)".to_owned()
    };
    Ok(BandAdvice {
        band_code: format!("LEI-HRS-{hours}"),
        band_title: format!("Mainstream EHCP top-up: {hours} hours a week"),
        place_funding: 0,
        yearly_top_up: top_up,
        months_funded: months,
        elements: vec![FundingElement {
            name: format!(
                "Element 3 top-up: {hours} hours a week at {} a year for each weekly hour (illustrative rate)",
                format_pounds(rate)
            ),
            amount: pro_rata(top_up, i64::from(months), 12),
        }],
        rule: format!(
            "Leicestershire funds mainstream EHCPs by hours of provision (seed 003 L117): {hours} hours × {} a year, {rate_words}; no place funding in mainstream; {months}/12 of {}",
            format_pounds(rate),
            year_name(year)
        ),
    })
}

fn specialist(request: &BandRequest) -> Result<BandAdvice, PolicyError> {
    let wanted = request.place_type.trim();
    let row = SPECIALIST_TARIFF
        .iter()
        .find(|r| r.code.eq_ignore_ascii_case(wanted) || r.title.eq_ignore_ascii_case(wanted))
        .ok_or_else(|| {
            PolicyError::NotCovered(format!(
                "no Leicestershire place type \"{wanted}\"; the place types are: {}",
                SPECIALIST_TARIFF
                    .iter()
                    .map(|r| r.title)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?;
    if row.setting != request.placement {
        return Err(PolicyError::NotCovered(format!(
            "\"{}\" is not a place type for this kind of placement",
            row.title
        )));
    }
    let (year, months) = year_and_months(request)?;
    if hourly_rate_for(year).is_none() {
        return Err(PolicyError::NotCovered(format!(
            "no rates for {}: this policy carries 2024/25 and 2025/26",
            year_name(year)
        )));
    }
    let share = |yearly: Pence| pro_rata(yearly, i64::from(months), 12);
    Ok(BandAdvice {
        band_code: row.code.to_owned(),
        band_title: row.title.to_owned(),
        place_funding: PLACE_FUNDING,
        yearly_top_up: row.top_up,
        months_funded: months,
        elements: vec![
            FundingElement {
                name: "Place funding (£10,000 a place)".to_owned(),
                amount: share(PLACE_FUNDING),
            },
            FundingElement {
                name: format!("Top-up (element 3): {} (illustrative amount)", row.title),
                amount: share(row.top_up),
            },
        ],
        rule: format!(
            "Leicestershire invests in resource bases and special schools, where funding is higher (seed 003 L113-L115, L125): £10,000 place funding + {} top-up for {} (ILLUSTRATIVE: the papers give no rate); {months}/12 of {}",
            format_pounds(row.top_up),
            row.title.to_lowercase(),
            year_name(year)
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A request for `place_type`. Hours are written the friendly way, "15 hours" or
    /// "12.5 hours", and go into the typed field; the place type sent is then
    /// "Mainstream", so nothing could read hours from it.
    fn request(
        placement: SettingType,
        place_type: &str,
        as_at: Date,
        period: Option<(Date, Date)>,
    ) -> BandRequest {
        let tenths = place_type.strip_suffix(" hours").and_then(|n| {
            let (whole, tenth) = n.split_once('.').unwrap_or((n, "0"));
            Some(whole.parse::<u16>().ok()? * 10 + tenth.parse::<u16>().ok()?)
        });
        BandRequest {
            facts: FactsBuilder::new(as_at).build(),
            placement,
            place_type: if tenths.is_some() {
                "Mainstream".to_owned()
            } else {
                place_type.to_owned()
            },
            support_tenths_per_week: tenths,
            period: period.map(|(starts, ends)| PlacementPeriod { starts, ends }),
        }
    }

    fn with_tenths(tenths: Option<u16>, place_type: &str) -> BandRequest {
        BandRequest {
            support_tenths_per_week: tenths,
            place_type: place_type.to_owned(),
            ..request(SettingType::Mainstream, "", date(2025, 5, 6), None)
        }
    }

    fn total(advice: &BandAdvice) -> Pence {
        advice.elements.iter().map(|e| e.amount).sum()
    }

    #[test]
    fn the_2025_26_rate_is_the_2024_25_rate_plus_3_3_per_cent_to_the_penny() {
        assert_eq!(hourly_rate_for(2024), Some(41_000));
        // £410 × 1.033 = £423.53 exactly.
        assert_eq!(hourly_rate_for(2025), Some(42_353));
        assert_eq!(hourly_rate_for(2023), None);
        assert_eq!(hourly_rate_for(2026), None);
    }

    #[test]
    fn hours_multiply_the_rate_and_half_hours_round_to_the_penny() {
        assert_eq!(mainstream_top_up(42_353, 150), 635_295);
        assert_eq!(mainstream_top_up(42_353, 320), 1_355_296);
        // 12.5 × £423.53 = £5,294.125: half a penny rounds away from zero.
        assert_eq!(mainstream_top_up(42_353, 125), 529_413);
    }

    #[test]
    fn reads_hours_only_from_the_typed_field() {
        let top_up = |tenths, place_type| {
            band(&with_tenths(tenths, place_type)).map(|a| (a.band_code, a.yearly_top_up))
        };
        assert_eq!(
            top_up(Some(150), "Mainstream").ok(),
            Some(("LEI-HRS-15".to_owned(), 635_295))
        );
        // Half hours: 12.5 × £423.53 = £5,294.125, rounded away from zero.
        assert_eq!(
            top_up(Some(125), "Mainstream").ok(),
            Some(("LEI-HRS-12.5".to_owned(), 529_413))
        );
        assert_eq!(
            top_up(Some(320), "Mainstream").ok(),
            Some(("LEI-HRS-32".to_owned(), 1_355_296))
        );
        for invalid in [0, 321, u16::MAX] {
            assert!(
                matches!(
                    top_up(Some(invalid), "Mainstream"),
                    Err(PolicyError::InvalidFact(_))
                ),
                "{invalid}"
            );
        }
        // Hours written in the place type are not read: the typed field is missing.
        assert!(matches!(
            top_up(None, "15 hours"),
            Err(PolicyError::MissingFact(_))
        ));
        // And the typed field wins over hours in the place type.
        assert_eq!(
            top_up(Some(100), "15 hours").ok().map(|(_, t)| t),
            Some(423_530)
        );
    }

    #[test]
    fn a_mainstream_year_uses_the_rate_of_the_year_asked() {
        let this_year = band(&request(
            SettingType::Mainstream,
            "15 hours",
            date(2025, 5, 6),
            None,
        ))
        .ok();
        assert_eq!(this_year.as_ref().map(total), Some(635_295));
        assert_eq!(this_year.as_ref().map(|a| a.place_funding), Some(0));
        let last_year = band(&request(
            SettingType::Mainstream,
            "15 hours",
            date(2025, 5, 6),
            Some((date(2025, 1, 6), date(2025, 3, 31))),
        ))
        .ok();
        // 15 × £410 = £6,150 a year; January to March is 3/12: £1,537.50.
        assert_eq!(last_year.as_ref().map(|a| a.yearly_top_up), Some(615_000));
        assert_eq!(last_year.as_ref().map(total), Some(153_750));
        let next_year = band(&request(
            SettingType::Mainstream,
            "15 hours",
            date(2026, 4, 7),
            None,
        ));
        assert!(matches!(next_year, Err(PolicyError::NotCovered(_))));
    }

    #[test]
    fn april_and_september_places_add_up_to_a_whole_year() {
        let part = |starts, ends| {
            band(&request(
                SettingType::ResourcedProvision,
                "LEI-RB-SEC",
                date(2025, 5, 6),
                Some((starts, ends)),
            ))
            .ok()
            .as_ref()
            .map(total)
        };
        let spring = part(date(2025, 4, 1), date(2025, 8, 31));
        let autumn = part(date(2025, 9, 1), date(2026, 3, 31));
        // Place 416,667 + 583,333; top-up 395,833 + 554,167.
        assert_eq!(spring, Some(416_667 + 395_833));
        assert_eq!(autumn, Some(583_333 + 554_167));
        assert_eq!(
            spring.unwrap_or(0) + autumn.unwrap_or(0),
            PLACE_FUNDING + pounds(9_500)
        );
    }

    #[test]
    fn bands_private_places_and_mismatched_place_types_are_declined() {
        let at = date(2025, 5, 6);
        for (placement, place_type) in [
            (SettingType::Mainstream, "Band 2"),
            (SettingType::Special, "banded model: band C"),
            (SettingType::Independent, "LEI-SPS"),
            (SettingType::EarlyYears, "15 hours"),
            (SettingType::Special, "LEI-RB-PRI"),
            (SettingType::ResourcedProvision, "Nowhere"),
        ] {
            assert!(
                matches!(
                    band(&request(placement, place_type, at, None)),
                    Err(PolicyError::NotCovered(_))
                ),
                "{place_type}"
            );
        }
        assert!(matches!(
            band(&request(SettingType::Mainstream, "", at, None)),
            Err(PolicyError::MissingFact(_))
        ));
    }
}
