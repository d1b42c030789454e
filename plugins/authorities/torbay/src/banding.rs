//! Torbay's special-school tariff for 2023/24 (L316–359): £10,000 a place, a per-pupil
//! top-up above £10,000 by place type at each school, and £660 a place for Teachers' Pay
//! and Pensions. Places are funded in twelfths of the financial year (April places for
//! 5/12, September places for 7/12).

use sendpanel_plugin::money::{months_in_financial_year, pro_rata};
use sendpanel_plugin::prelude::*;

/// Funding for one special-school place for a whole year.
pub const PLACE_FUNDING: Pence = pounds(10_000);
/// Teachers' Pay and Pensions, previously a grant, per place (L331–357).
pub const TEACHERS_PAY_AND_PENSIONS: Pence = pounds(660);

/// One row of the 2023/24 table: a place type at a school.
#[derive(Debug, Clone, Copy)]
pub struct TariffRow {
    /// A short code, used in band codes (`TOR-CP-AUT`) and accepted as a place type.
    pub code: &'static str,
    /// The special school.
    pub school: &'static str,
    /// The place type as the paper names it.
    pub place_type: &'static str,
    /// The per-pupil top-up above £10,000 for a whole year.
    pub top_up: Pence,
    /// Commissioned places from April and from September, and the January pupil count,
    /// as the paper gives them; used to check the table reproduces.
    pub places_april: i64,
    pub places_september: i64,
    pub pupils_january: i64,
}

const fn row(
    code: &'static str,
    school: &'static str,
    place_type: &'static str,
    top_up_pounds: i64,
    places: (i64, i64, i64),
) -> TariffRow {
    TariffRow {
        code,
        school,
        place_type,
        top_up: pounds(top_up_pounds),
        places_april: places.0,
        places_september: places.1,
        pupils_january: places.2,
    }
}

/// The 2023/24 tariff, row by row as in the paper (L320–350).
pub const TARIFF_2023_24: [TariffRow; 16] = [
    row("CP-AUT", "Combe Pafford", "Autism", 8_757, (83, 92, 92)),
    row("CP-BESD1", "Combe Pafford", "BESD 1", 9_708, (19, 19, 16)),
    row("CP-SLD", "Combe Pafford", "SLD", 9_498, (5, 5, 2)),
    row("CP-HI", "Combe Pafford", "Hearing", 9_288, (1, 2, 1)),
    row("CP-MLD1", "Combe Pafford", "MLD 1", 940, (27, 17, 32)),
    row("CP-MLD2", "Combe Pafford", "MLD 2", 2_392, (42, 42, 34)),
    row("CP-MLD3", "Combe Pafford", "MLD 3", 4_330, (30, 30, 30)),
    row("CP-PD", "Combe Pafford", "PD", 8_757, (17, 17, 16)),
    row("CP-SPLD", "Combe Pafford", "SpecLD", 4_226, (3, 3, 4)),
    row("CP-SLCN", "Combe Pafford", "SLCN", 8_476, (37, 37, 41)),
    row("CP-VI", "Combe Pafford", "Visual", 14_556, (1, 1, 0)),
    row(
        "MC-PMLD",
        "Mayfield & Chestnut",
        "PMLD",
        17_538,
        (45, 45, 41),
    ),
    row(
        "MC-BESD1",
        "Mayfield & Chestnut",
        "BESD1 – Chestnut",
        15_423,
        (32, 32, 32),
    ),
    row(
        "MC-SLD",
        "Mayfield & Chestnut",
        "SLD",
        9_393,
        (186, 186, 188),
    ),
    row(
        "BB-SEMH",
        "Brunel & Burton",
        "Brunel – SEMH",
        18_075,
        (56, 55, 55),
    ),
    row(
        "BB-AP",
        "Brunel & Burton",
        "Burton – Alternative Provision",
        13_206,
        (55, 55, 46),
    ),
];

/// The financial year (starting 1 April) the tariff is for.
pub const TARIFF_YEAR: i32 = 2023;

/// The year in which the financial year containing `d` starts.
fn financial_year(d: Date) -> i32 {
    if d.month >= 4 { d.year } else { d.year - 1 }
}

/// Place funding for a financial year with `april` places from April and `september`
/// places from September: £10,000 × (april × 5/12 + september × 7/12), to the penny.
pub fn place_funding_for_year(april: i64, september: i64) -> Pence {
    pro_rata(PLACE_FUNDING, april * 5 + september * 7, 12)
}

/// Finds a row by place type as "School: Place type" or by its code.
fn find(place_type: &str) -> Option<&'static TariffRow> {
    let wanted = place_type.trim();
    TARIFF_2023_24.iter().find(|r| {
        r.code.eq_ignore_ascii_case(wanted)
            || format!("{}: {}", r.school, r.place_type).eq_ignore_ascii_case(wanted)
    })
}

pub fn band(request: &BandRequest) -> Result<BandAdvice, PolicyError> {
    if request.placement != SettingType::Special {
        return Err(PolicyError::NotCovered(
            "Torbay funds mainstream plans above £6,000 from the costed provision in each plan; only special-school places have a tariff".to_owned(),
        ));
    }
    let row = find(&request.place_type).ok_or_else(|| {
        PolicyError::NotCovered(format!(
            "no 2023/24 tariff for place type \"{}\"",
            request.place_type
        ))
    })?;
    // The tariff is for the financial year 2023/24 only: a placement in another year
    // needs that year's tariff, which this plugin does not have.
    let starts = request.period.map_or(request.facts.as_at, |p| p.starts);
    let year = financial_year(starts);
    if year != TARIFF_YEAR {
        return Err(PolicyError::NotCovered(format!(
            "this plugin holds Torbay's {TARIFF_YEAR}/{} tariff; the placement is in {year}/{}",
            (TARIFF_YEAR + 1) % 100,
            (year + 1) % 100
        )));
    }
    let months = match request.period {
        None => 12,
        Some(period) => {
            let (Some(from), Some(to)) = (to_naive(period.starts), to_naive(period.ends)) else {
                return Err(PolicyError::InvalidFact(
                    "the placement period has a date that is not in the calendar".to_owned(),
                ));
            };
            if to < from {
                return Err(PolicyError::InvalidFact(
                    "the placement period ends before it starts".to_owned(),
                ));
            }
            if financial_year(period.ends) != year {
                return Err(PolicyError::InvalidFact(
                    "a placement period must lie within one financial year (1 April to 31 March)"
                        .to_owned(),
                ));
            }
            months_in_financial_year(period.starts, period.ends)
        }
    };
    let share = |yearly: Pence| pro_rata(yearly, i64::from(months), 12);
    Ok(BandAdvice {
        band_code: format!("TOR-{}", row.code),
        band_title: format!("{}: {}", row.school, row.place_type),
        place_funding: PLACE_FUNDING,
        yearly_top_up: row.top_up,
        months_funded: months,
        elements: vec![
            FundingElement {
                name: "Place funding (£10,000 a place)".to_owned(),
                amount: share(PLACE_FUNDING),
            },
            FundingElement {
                name: format!("Top-up above £10,000: {}", row.place_type),
                amount: share(row.top_up),
            },
            FundingElement {
                name: "Teachers' Pay and Pensions (£660 a place)".to_owned(),
                amount: share(TEACHERS_PAY_AND_PENSIONS),
            },
        ],
        rule: format!(
            "Torbay special schools 2023/24 (L316–359): £10,000 place + {} top-up for {} at {}, {months}/12 of the year",
            sendpanel_plugin::money::format_pounds(row.top_up),
            row.place_type,
            row.school
        ),
    })
}

/// What a mainstream school meets from its own budget before the council tops up: the
/// first £6,000 of a plan's additional support (L204-205: "Funding below £6k allocated
/// through school formula elements", "Funding above £6k allocated as a top-up per
/// eligible pupil"; the "EHCP Above £6k" column at L273).
pub const MAINSTREAM_THRESHOLD: Pence = pounds(6_000);

/// Banding with the plan's costed provision (contract 1.1). A mainstream plan is topped
/// up by whatever its costed additional provision comes to above £6,000 a year, and by
/// nothing below it; any other placement is banded as [`band`] does, the costs unused.
pub fn costed(request: &CostedBandRequest) -> Result<BandAdvice, PolicyError> {
    let inner = &request.request;
    if inner.placement != SettingType::Mainstream {
        return band(inner);
    }
    let cost = request.provision.yearly_cost;
    if cost < 0 {
        return Err(PolicyError::InvalidFact(
            "the costed provision is a negative amount".to_owned(),
        ));
    }
    let months = match inner.period {
        None => 12,
        Some(period) => {
            let (Some(from), Some(to)) = (to_naive(period.starts), to_naive(period.ends)) else {
                return Err(PolicyError::InvalidFact(
                    "the placement period has a date that is not in the calendar".to_owned(),
                ));
            };
            if to < from || financial_year(period.ends) != financial_year(period.starts) {
                return Err(PolicyError::InvalidFact(
                    "a placement period must lie within one financial year (1 April to 31 March), ending after it starts"
                        .to_owned(),
                ));
            }
            months_in_financial_year(period.starts, period.ends)
        }
    };
    let top_up = (cost - MAINSTREAM_THRESHOLD).max(0);
    Ok(BandAdvice {
        band_code: "TOR-MS-6K".to_owned(),
        band_title: "Mainstream: costed provision above £6,000".to_owned(),
        place_funding: 0,
        yearly_top_up: top_up,
        months_funded: months,
        elements: vec![FundingElement {
            name: "Top-up above £6,000 of costed provision".to_owned(),
            amount: pro_rata(top_up, i64::from(months), 12),
        }],
        rule: format!(
            "Torbay mainstream (L204-205): the school meets the first £6,000 of the plan's costed provision ({}); the council tops up the rest, {months}/12 of the year",
            sendpanel_plugin::money::format_pounds(cost)
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (place £, pupil £) per row, as printed in the paper in whole pounds (L320–350).
    const PAPER: [(i64, i64); 16] = [
        (882_500, 805_644),
        (190_000, 155_328),
        (50_000, 18_996),
        (15_833, 9_288),
        (211_667, 30_080),
        (420_000, 81_328),
        (300_000, 129_900),
        (170_000, 140_112),
        (30_000, 16_904),
        (370_000, 347_516),
        (10_000, 0),
        (450_000, 719_058),
        (320_000, 493_536),
        (1_860_000, 1_765_884),
        (554_167, 994_125),
        (550_000, 607_476),
    ];

    #[test]
    fn reproduces_the_2023_24_table_row_by_row() {
        for (row, (place, pupil)) in TARIFF_2023_24.iter().zip(PAPER) {
            let funding = place_funding_for_year(row.places_april, row.places_september);
            // The paper prints whole pounds; the penny figure must round to it.
            assert_eq!(
                pro_rata(funding, 1, 100),
                place,
                "{} place funding",
                row.code
            );
            assert_eq!(
                row.pupils_january * row.top_up,
                pounds(pupil),
                "{} pupil funding",
                row.code
            );
        }
    }

    #[test]
    fn reproduces_the_paper_totals() {
        let place: Pence = TARIFF_2023_24
            .iter()
            .map(|r| place_funding_for_year(r.places_april, r.places_september))
            .sum();
        let pupil: Pence = TARIFF_2023_24
            .iter()
            .map(|r| r.pupils_january * r.top_up)
            .sum();
        // L358–359: place £6,384,167, pupil £6,315,175.
        assert_eq!(pro_rata(place, 1, 100), 6_384_167);
        assert_eq!(pupil, pounds(6_315_175));
    }

    #[test]
    fn a_september_place_is_seven_twelfths_and_sums_with_april() {
        // A place held April to August plus one from September: Hearing's 1 and 2 places.
        let request = |starts, ends| BandRequest {
            facts: FactsBuilder::new(date(2023, 9, 1)).build(),
            placement: SettingType::Special,
            place_type: "CP-HI".to_owned(),
            support_tenths_per_week: None,
            period: Some(PlacementPeriod { starts, ends }),
        };
        let spring = band(&request(date(2023, 4, 1), date(2023, 8, 31))).ok();
        let autumn = band(&request(date(2023, 9, 1), date(2024, 3, 31))).ok();
        let place = |a: &Option<BandAdvice>| {
            a.as_ref()
                .and_then(|a| a.elements.first())
                .map(|e| e.amount)
        };
        assert_eq!(place(&spring), Some(416_667));
        assert_eq!(place(&autumn), Some(583_333));
        // 1 place from April and 2 from September: £15,833 in the paper.
        assert_eq!(place_funding_for_year(1, 2), 1_583_333);
    }

    #[test]
    fn other_years_and_periods_across_march_are_refused() {
        let request = |as_at: Date, period: Option<PlacementPeriod>| BandRequest {
            facts: FactsBuilder::new(as_at).build(),
            placement: SettingType::Special,
            place_type: "CP-AUT".to_owned(),
            support_tenths_per_week: None,
            period,
        };
        assert!(matches!(
            band(&request(date(2025, 9, 1), None)),
            Err(PolicyError::NotCovered(_))
        ));
        // 31 March 2024 is still 2023/24.
        assert!(band(&request(date(2024, 3, 31), None)).is_ok());
        let across = PlacementPeriod {
            starts: date(2024, 1, 8),
            ends: date(2024, 7, 19),
        };
        assert!(matches!(
            band(&request(date(2024, 1, 8), Some(across))),
            Err(PolicyError::InvalidFact(_))
        ));
    }

    #[test]
    fn mainstream_and_unknown_place_types_are_not_covered() {
        let mut request = BandRequest {
            facts: FactsBuilder::new(date(2023, 9, 1)).build(),
            placement: SettingType::Mainstream,
            place_type: "CP-AUT".to_owned(),
            support_tenths_per_week: None,
            period: None,
        };
        assert!(matches!(band(&request), Err(PolicyError::NotCovered(_))));
        request.placement = SettingType::Special;
        request.place_type = "Nowhere: Autism".to_owned();
        assert!(matches!(band(&request), Err(PolicyError::NotCovered(_))));
        request.place_type = "Combe Pafford: Autism".to_owned();
        assert!(band(&request).is_ok());
    }
}
