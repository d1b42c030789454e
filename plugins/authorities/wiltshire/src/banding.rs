//! Wiltshire's banding model: "one banding system for all children/young people with SEN
//! using 7 banding points" (Wiltshire SEN Banding Thresholds 2016; practice-and-peers.md
//! L412–L414). The seven points are the council's own. **Every amount below, and which
//! setting takes which point, is illustrative**: Wiltshire's papers hold no tariff
//! (wiltshire-and-national.md L338). In 2016 element 1 was £4,000 and element 2 £6,000, both
//! in the school's delegated budget, so a mainstream band pays only the top-up; special and
//! resourced places also carry the national £10,000 place funding (practice-and-peers.md
//! L404–L409). Places are funded in twelfths of the financial year.

use std::ops::RangeInclusive;

use sendpanel_plugin::chrono::{Datelike, NaiveDate};
use sendpanel_plugin::money::{format_pounds, months_in_financial_year, pro_rata};
use sendpanel_plugin::prelude::*;

/// Place funding for a special-school or resourced place, a whole year.
pub const PLACE_FUNDING: Pence = pounds(10_000);
/// Element 2, the school's notional SEN budget, in 2016 (practice-and-peers.md L413).
pub const ELEMENT_2_2016: Pence = pounds(6_000);

/// One of Wiltshire's seven banding points and its yearly top-up (element 3).
#[derive(Debug, Clone, Copy)]
pub struct BandPoint {
    pub code: &'static str,
    pub title: &'static str,
    /// Illustrative: the papers give no amounts.
    pub top_up: Pence,
}

const fn point(code: &'static str, title: &'static str, top_up_pounds: i64) -> BandPoint {
    BandPoint {
        code,
        title,
        top_up: pounds(top_up_pounds),
    }
}

/// The seven points in order (names from the 2016 thresholds; amounts illustrative).
pub const BAND_POINTS: [BandPoint; 7] = [
    point("WIL-0", "Band zero", 0),
    point("WIL-L1", "Lower band one", 2_000),
    point("WIL-U1", "Upper band one", 4_000),
    point("WIL-L2", "Lower band two", 6_500),
    point("WIL-U2", "Upper band two", 9_000),
    point("WIL-3", "Band three", 13_500),
    point("WIL-4", "Band four", 19_000),
];

/// The points each setting has a rate for, as indexes into [`BAND_POINTS`]. The 2016
/// document maps bands to settings; this split (mainstream band zero to upper band two,
/// resource bases lower band one to band three, special schools lower band one to band
/// four) is illustrative.
fn points_for(setting: SettingType) -> Result<RangeInclusive<usize>, PolicyError> {
    let not_covered = |why: &str| Err(PolicyError::NotCovered(why.to_owned()));
    match setting {
        SettingType::Mainstream => Ok(0..=4),
        SettingType::ResourcedProvision => Ok(1..=5),
        SettingType::Special => Ok(1..=6),
        SettingType::EarlyYears => not_covered(
            "Wiltshire funds early years settings through Inclusion Support Funding (ISF), run by the Early Years Inclusion Adviser team; its amounts are not in the papers, so there is no band tariff here",
        ),
        SettingType::Independent => not_covered(
            "independent special school places are commissioned one placement at a time; Wiltshire's banding points give them no tariff",
        ),
        SettingType::Post16 => not_covered(
            "Wiltshire's papers give no post-16 tariff; its banding points cover schools",
        ),
        SettingType::ElectiveHomeEducation => {
            not_covered("elective home education is not a funded placement, so it has no band")
        }
    }
}

fn setting_name(setting: SettingType) -> &'static str {
    match setting {
        SettingType::EarlyYears => "an early years setting",
        SettingType::Mainstream => "a mainstream school",
        SettingType::ResourcedProvision => "a resource base",
        SettingType::Special => "a special school",
        SettingType::Independent => "an independent school",
        SettingType::Post16 => "a post-16 setting",
        SettingType::ElectiveHomeEducation => "elective home education",
    }
}

/// What the request's place type asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Choice {
    /// Work out the best-fit point from the evidenced needs.
    BestFit,
    /// A point the panel has already agreed, by index.
    Named(usize),
}

/// Reads "Lower band two", "lower 2", "WIL-L2", "Band 3" or "3"; empty or "best fit" asks
/// for the best fit from the needs.
fn choice(place_type: &str) -> Result<Choice, PolicyError> {
    let mut key = String::new();
    let mut words = Vec::new();
    for word in place_type
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        words.push(word.to_ascii_lowercase());
    }
    if words.is_empty() || words == ["best", "fit"] {
        return Ok(Choice::BestFit);
    }
    for word in &words {
        let part = match word.as_str() {
            "wil" | "band" | "wiltshire" => "",
            "zero" => "0",
            "one" => "1",
            "two" => "2",
            "three" => "3",
            "four" => "4",
            "lower" => "l",
            "upper" => "u",
            other => other,
        };
        key.push_str(part);
    }
    let index = match key.as_str() {
        "0" => Some(0),
        "l1" => Some(1),
        "u1" => Some(2),
        "l2" => Some(3),
        "u2" => Some(4),
        "3" => Some(5),
        "4" => Some(6),
        _ => None,
    };
    index.map(Choice::Named).ok_or_else(|| {
        PolicyError::NotCovered(format!(
            "Wiltshire has no banding point called \"{}\"; the points are band zero, lower and upper band one, lower and upper band two, band three and band four",
            place_type.trim()
        ))
    })
}

fn level_rank(level: NeedLevel) -> u8 {
    match level {
        NeedLevel::Universal => 0,
        NeedLevel::Emerging => 1,
        NeedLevel::Moderate => 2,
        NeedLevel::Significant => 3,
        NeedLevel::Severe => 4,
        NeedLevel::Profound => 5,
    }
}

/// The best-fit point from the evidenced needs (illustrative, in the spirit of the 2016
/// thresholds' one grid per area of need): the highest evidenced level sets the band;
/// within bands one and two, a need reaching the band in two or more areas lifts it from
/// lower to upper. Returns the index and a plain account of why.
fn best_fit(facts: &RequestFacts) -> Option<(usize, String)> {
    let evidenced: Vec<&Need> = facts
        .needs
        .iter()
        .filter(|n| !n.evidence.is_empty())
        .collect();
    let top = evidenced
        .iter()
        .map(|n| n.level)
        .max_by_key(|l| level_rank(*l))?;
    let mut areas: Vec<AreaOfNeed> = Vec::new();
    for need in evidenced.iter().filter(|n| n.level == top) {
        if !areas.contains(&need.area) {
            areas.push(need.area);
        }
    }
    let wide = areas.len() >= 2;
    let index = match top {
        NeedLevel::Universal => 0,
        NeedLevel::Emerging if wide => 2,
        NeedLevel::Emerging => 1,
        NeedLevel::Moderate => 2,
        NeedLevel::Significant if wide => 4,
        NeedLevel::Significant => 3,
        NeedLevel::Severe => 5,
        NeedLevel::Profound => 6,
    };
    let level = match top {
        NeedLevel::Universal => "universal",
        NeedLevel::Emerging => "emerging",
        NeedLevel::Moderate => "moderate",
        NeedLevel::Significant => "significant",
        NeedLevel::Severe => "severe",
        NeedLevel::Profound => "profound",
    };
    let why = format!(
        "best fit of the evidenced needs: {level} in {} area{}",
        areas.len(),
        if wide { "s" } else { "" }
    );
    Some((index, why))
}

/// 1 April to 31 March: the year a date's financial year starts in.
fn financial_year(day: NaiveDate) -> i32 {
    if day.month() >= 4 {
        day.year()
    } else {
        day.year() - 1
    }
}

/// Twelfths of the financial year the period covers; 12 with no period. A period must
/// sit inside one financial year, since each year has its own tariff. The SDK counts
/// months but does not check the year boundary, so this crate does.
pub(crate) fn months_funded(period: Option<PlacementPeriod>) -> Result<u8, PolicyError> {
    let Some(period) = period else {
        return Ok(12);
    };
    let invalid = |what: &str| PolicyError::InvalidFact(what.to_owned());
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
    Ok(months_in_financial_year(period.starts, period.ends))
}

pub fn band(request: &BandRequest) -> Result<BandAdvice, PolicyError> {
    let range = points_for(request.placement)?;
    let (index, how) = match choice(&request.place_type)? {
        Choice::Named(index) => (index, "the point the panel named".to_owned()),
        Choice::BestFit => best_fit(&request.facts).ok_or_else(|| {
            PolicyError::MissingFact(
                "evidenced needs, to find the best-fit banding point (or name the point the panel agreed as the place type)".to_owned(),
            )
        })?,
    };
    let point = BAND_POINTS
        .get(index)
        .ok_or_else(|| PolicyError::NotCovered("no such banding point".to_owned()))?;
    if !range.contains(&index) {
        return Err(PolicyError::NotCovered(format!(
            "{} ({how}) has no illustrative rate in {}; the panel considers whether another setting fits",
            point.title,
            setting_name(request.placement)
        )));
    }
    let months = months_funded(request.period)?;
    let share = |yearly: Pence| pro_rata(yearly, i64::from(months), 12);
    let place_funding = match request.placement {
        SettingType::ResourcedProvision | SettingType::Special => PLACE_FUNDING,
        _ => 0,
    };
    let mut elements = Vec::new();
    if place_funding > 0 {
        elements.push(FundingElement {
            name: "Place funding (£10,000 a place)".to_owned(),
            amount: share(place_funding),
        });
    }
    elements.push(FundingElement {
        name: if point.top_up == 0 {
            "No top-up: needs met from the school's delegated budget (elements 1 and 2)".to_owned()
        } else {
            format!("Top-up (element 3): {} (illustrative amount)", point.title)
        },
        amount: share(point.top_up),
    });
    let delegated = if place_funding == 0 {
        format!(
            "; the first {} of extra support (element 2 in 2016) comes from the school's own budget",
            format_pounds(ELEMENT_2_2016)
        )
    } else {
        format!(" + {} place funding", format_pounds(place_funding))
    };
    Ok(BandAdvice {
        band_code: point.code.to_owned(),
        band_title: format!("{} in {}", point.title, setting_name(request.placement)),
        place_funding,
        yearly_top_up: point.top_up,
        months_funded: months,
        elements,
        rule: format!(
            "Wiltshire's seven banding points (SEN Banding Thresholds 2016, practice-and-peers.md L412-L414): {} ({how}); top-up {} a year is ILLUSTRATIVE, as Wiltshire's papers give no tariff (wiltshire-and-national.md L338){delegated}; {months}/12 of the financial year",
            point.title,
            format_pounds(point.top_up),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(
        placement: SettingType,
        place_type: &str,
        period: Option<(Date, Date)>,
    ) -> BandRequest {
        BandRequest {
            facts: FactsBuilder::new(date(2024, 9, 2))
                .need(
                    AreaOfNeed::CognitionAndLearning,
                    NeedLevel::Significant,
                    &["doc-ep"],
                )
                .build(),
            placement,
            place_type: place_type.to_owned(),
            support_tenths_per_week: None,
            period: period.map(|(starts, ends)| PlacementPeriod { starts, ends }),
        }
    }

    fn total(advice: &BandAdvice) -> Pence {
        advice.elements.iter().map(|e| e.amount).sum()
    }

    #[test]
    fn the_points_rise_and_are_never_negative() {
        let mut last = -1;
        for point in BAND_POINTS {
            assert!(point.top_up > last, "{} does not rise", point.code);
            last = point.top_up;
        }
        assert_eq!(BAND_POINTS.first().map(|p| p.top_up), Some(0));
    }

    #[test]
    fn a_special_place_for_a_whole_year_is_place_plus_top_up() {
        let advice = band(&request(SettingType::Special, "Band three", None)).ok();
        let advice = advice.as_ref();
        assert_eq!(advice.map(|a| a.band_code.as_str()), Some("WIL-3"));
        assert_eq!(advice.map(|a| a.months_funded), Some(12));
        assert_eq!(advice.map(total), Some(pounds(10_000 + 13_500)));
    }

    #[test]
    fn a_september_mainstream_band_is_seven_twelfths_of_the_top_up_only() {
        let advice = band(&request(
            SettingType::Mainstream,
            "Lower band two",
            Some((date(2024, 9, 1), date(2025, 3, 31))),
        ))
        .ok();
        let advice = advice.as_ref();
        assert_eq!(advice.map(|a| a.place_funding), Some(0));
        assert_eq!(advice.map(|a| a.months_funded), Some(7));
        // £6,500 × 7/12 = £3,791.666…, rounded half away from zero to the penny.
        assert_eq!(advice.map(total), Some(379_167));
    }

    #[test]
    fn april_to_august_and_september_to_march_make_a_whole_year() {
        let spring = band(&request(
            SettingType::ResourcedProvision,
            "WIL-U2",
            Some((date(2024, 4, 1), date(2024, 8, 31))),
        ))
        .ok();
        let autumn = band(&request(
            SettingType::ResourcedProvision,
            "WIL-U2",
            Some((date(2024, 9, 1), date(2025, 3, 31))),
        ))
        .ok();
        // Place: 416,667 + 583,333; top-up: 375,000 + 525,000.
        assert_eq!(spring.as_ref().map(total), Some(416_667 + 375_000));
        assert_eq!(autumn.as_ref().map(total), Some(583_333 + 525_000));
        assert_eq!(
            spring.as_ref().map(total).unwrap_or(0) + autumn.as_ref().map(total).unwrap_or(0),
            PLACE_FUNDING + pounds(9_000)
        );
    }

    #[test]
    fn band_zero_in_mainstream_pays_nothing_and_says_why() {
        let advice = band(&request(SettingType::Mainstream, "band 0", None)).ok();
        let advice = advice.as_ref();
        assert_eq!(advice.map(total), Some(0));
        assert!(advice.is_some_and(|a| a.elements.iter().all(|e| e.amount >= 0)));
    }

    #[test]
    fn best_fit_lifts_to_upper_when_two_areas_reach_the_band() {
        let one = FactsBuilder::new(date(2024, 9, 2))
            .need(
                AreaOfNeed::CognitionAndLearning,
                NeedLevel::Significant,
                &["a"],
            )
            .need(AreaOfNeed::SensoryAndPhysical, NeedLevel::Moderate, &["b"])
            .build();
        let two = FactsBuilder::new(date(2024, 9, 2))
            .need(
                AreaOfNeed::CognitionAndLearning,
                NeedLevel::Significant,
                &["a"],
            )
            .need(
                AreaOfNeed::SocialEmotionalAndMentalHealth,
                NeedLevel::Significant,
                &["b"],
            )
            .build();
        // A need with no evidence does not count.
        let unevidenced = FactsBuilder::new(date(2024, 9, 2))
            .need(AreaOfNeed::CognitionAndLearning, NeedLevel::Profound, &[])
            .build();
        assert_eq!(best_fit(&one).map(|b| b.0), Some(3));
        assert_eq!(best_fit(&two).map(|b| b.0), Some(4));
        assert_eq!(best_fit(&unevidenced).map(|b| b.0), None);
    }

    #[test]
    fn place_types_read_the_way_people_write_them() {
        assert_eq!(choice("Lower band two").ok(), Some(Choice::Named(3)));
        assert_eq!(choice("upper 1").ok(), Some(Choice::Named(2)));
        assert_eq!(choice("WIL-4").ok(), Some(Choice::Named(6)));
        assert_eq!(choice(" ").ok(), Some(Choice::BestFit));
        assert_eq!(choice("Best fit").ok(), Some(Choice::BestFit));
        assert!(matches!(choice("Band 9"), Err(PolicyError::NotCovered(_))));
    }

    #[test]
    fn settings_and_periods_outside_the_tariff_are_declined() {
        let early = request(SettingType::EarlyYears, "Lower band one", None);
        assert!(matches!(band(&early), Err(PolicyError::NotCovered(_))));
        let too_high = request(SettingType::Mainstream, "Band three", None);
        assert!(matches!(band(&too_high), Err(PolicyError::NotCovered(_))));
        let across = request(
            SettingType::Special,
            "Band three",
            Some((date(2025, 1, 6), date(2025, 7, 18))),
        );
        assert!(matches!(band(&across), Err(PolicyError::InvalidFact(_))));
        let backwards = request(
            SettingType::Special,
            "Band three",
            Some((date(2024, 12, 1), date(2024, 9, 1))),
        );
        assert!(matches!(band(&backwards), Err(PolicyError::InvalidFact(_))));
    }
}
