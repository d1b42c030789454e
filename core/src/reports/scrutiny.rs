//! The scrutiny table: one row per indicator in the shape a council's scrutiny committee
//! reads (Leicestershire's "CFS Overview & Scrutiny Dashboard", `leicestershire.md`
//! §2.3 and §6.3: indicator, latest value, period, previous value, direction of travel,
//! target, RAG, benchmark).
//!
//! - **Latest** is the chosen period; **previous** the period before it of the same
//!   length ([`Period::previous`]), its dates given with it.
//! - **Direction of travel** is up, down or the same, judged better or worse only where
//!   that is not a matter of opinion: a share within a statutory limit is better higher;
//!   any other indicator is judged only by the direction its target sets, and otherwise
//!   left unjudged (fewer requests or appeals is not by itself better).
//! - **RAG** against the authority's target ([`Target`], from its `authority.toml`):
//!   green on the right side of the target or on it; amber on the wrong side by no more
//!   than the target's `amber_within` (in the indicator's own unit: points for a share,
//!   requests a month, plans); red beyond; "N/A" with no target or nothing to count.
//!   Shares are compared as shown, in whole per cent; requests a month to one decimal.
//! - **England**: the DfE's national figure where the record cites one. None of these
//!   indicators has one in the record (`shared/domain/`), so each row says "Not in the
//!   record" rather than a figure from memory.

use chrono::NaiveDate;
use serde::Serialize;

use super::Timeliness;
use super::period::Period;

/// An indicator on the scrutiny table, as `authority.toml` names it in a target.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Serialize,
    strum::EnumString,
    strum::Display,
    strum::EnumIter,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Indicator {
    /// Requests for an EHC needs assessment received, a month on average.
    RequestsPerMonth,
    /// Decisions whether to assess made within 6 weeks (reg. 5(1)), per cent.
    DecisionsWithinSixWeeks,
    /// Final plans issued within 20 weeks (reg. 13(2)), per cent.
    FinalPlansWithinTwentyWeeks,
    /// The same leaving out plans an exception applied to (reg. 13(3)), per cent.
    FinalPlansWithinTwentyWeeksWithoutExceptions,
    /// Refusals to assess, of decided requests, per cent.
    RefusalRate,
    /// Plans maintained at the end of the period.
    PlansActive,
    /// Plans issued in the period.
    PlansIssued,
    /// Plans ceased in the period, by every route.
    PlansCeased,
    /// Appeals lodged with the Tribunal in the period.
    AppealsLodged,
    /// Mediations requested in the period.
    MediationsRequested,
}

/// What an indicator counts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Unit {
    /// Whole per cent, 0 to 100.
    Percent,
    /// Requests a month.
    PerMonth,
    /// A number of things.
    Count,
}

impl Indicator {
    /// Every indicator, in the order the table shows them.
    pub const ALL: [Self; 10] = [
        Self::RequestsPerMonth,
        Self::DecisionsWithinSixWeeks,
        Self::FinalPlansWithinTwentyWeeks,
        Self::FinalPlansWithinTwentyWeeksWithoutExceptions,
        Self::RefusalRate,
        Self::PlansActive,
        Self::PlansIssued,
        Self::PlansCeased,
        Self::AppealsLodged,
        Self::MediationsRequested,
    ];

    /// How the table names it.
    pub fn label(self) -> &'static str {
        match self {
            Self::RequestsPerMonth => "Requests for assessment received a month",
            Self::DecisionsWithinSixWeeks => "Decisions whether to assess within 6 weeks",
            Self::FinalPlansWithinTwentyWeeks => "Final plans issued within 20 weeks",
            Self::FinalPlansWithinTwentyWeeksWithoutExceptions => {
                "Final plans issued within 20 weeks, excluding exceptions"
            }
            Self::RefusalRate => "Refusal rate (of decided requests)",
            Self::PlansActive => "EHC plans maintained (at the end of the period)",
            Self::PlansIssued => "New EHC plans issued",
            Self::PlansCeased => "EHC plans ceased (including transfers out)",
            Self::AppealsLodged => "Appeals lodged with the Tribunal",
            Self::MediationsRequested => "Mediations requested",
        }
    }

    /// Its unit.
    pub fn unit(self) -> Unit {
        match self {
            Self::RequestsPerMonth => Unit::PerMonth,
            Self::DecisionsWithinSixWeeks
            | Self::FinalPlansWithinTwentyWeeks
            | Self::FinalPlansWithinTwentyWeeksWithoutExceptions
            | Self::RefusalRate => Unit::Percent,
            Self::PlansActive
            | Self::PlansIssued
            | Self::PlansCeased
            | Self::AppealsLodged
            | Self::MediationsRequested => Unit::Count,
        }
    }

    /// Which way is better without a target: only a share within a statutory limit.
    fn better_without_target(self) -> Option<Better> {
        match self {
            Self::DecisionsWithinSixWeeks
            | Self::FinalPlansWithinTwentyWeeks
            | Self::FinalPlansWithinTwentyWeeksWithoutExceptions => Some(Better::Higher),
            _ => None,
        }
    }
}

/// Which side of a target is met.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, strum::EnumString, strum::Display, strum::EnumIter,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum TargetDirection {
    /// Met at the target or above (`>`, as scrutiny papers write it).
    AtLeast,
    /// Met at the target or below (`<`).
    AtMost,
}

/// Which way an indicator is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Better {
    /// Higher is better.
    Higher,
    /// Lower is better.
    Lower,
}

/// An authority's target for an indicator, from `[[targets]]` in its `authority.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Target {
    /// The indicator.
    pub indicator: Indicator,
    /// The figure, in the indicator's unit (whole per cent for a share).
    pub value: u32,
    /// Whether it is met at or above, or at or below.
    pub direction: TargetDirection,
    /// How far on the wrong side is still amber, in the same unit.
    pub amber_within: u32,
    /// The first day it applies (a target that changes on a date, such as Torbay's
    /// 20 requests a month falling to 15 from July 2023); `None`: always.
    pub from: Option<NaiveDate>,
    /// Where it comes from: the council's paper and line, or why it is illustrative.
    pub source: String,
    /// Set by us to show the feature, not taken from the council's papers.
    pub illustrative: bool,
}

impl Target {
    /// "At least 90%", "At most 15 a month", "At most 1568", with "(illustrative)".
    pub fn text(&self) -> String {
        let side = match self.direction {
            TargetDirection::AtLeast => "At least",
            TargetDirection::AtMost => "At most",
        };
        let unit = match self.indicator.unit() {
            Unit::Percent => "%",
            Unit::PerMonth => " a month",
            Unit::Count => "",
        };
        let note = if self.illustrative {
            " (illustrative)"
        } else {
            ""
        };
        format!("{side} {}{unit}{note}", self.value)
    }

    fn better(&self) -> Better {
        match self.direction {
            TargetDirection::AtLeast => Better::Higher,
            TargetDirection::AtMost => Better::Lower,
        }
    }

    /// The RAG of a figure in tenths of the unit.
    fn rag(&self, tenths: u64) -> Rag {
        let target = u64::from(self.value) * 10;
        let band = u64::from(self.amber_within) * 10;
        let (met, near) = match self.direction {
            TargetDirection::AtLeast => (tenths >= target, tenths + band >= target),
            TargetDirection::AtMost => (tenths <= target, tenths <= target + band),
        };
        match (met, near) {
            (true, _) => Rag::Green,
            (false, true) => Rag::Amber,
            (false, false) => Rag::Red,
        }
    }
}

/// The target in force for `indicator` by `day`: the one with the latest `from` on or
/// before it.
pub fn target_for(targets: &[Target], indicator: Indicator, day: NaiveDate) -> Option<&Target> {
    targets
        .iter()
        .filter(|t| t.indicator == indicator && t.from.is_none_or(|from| from <= day))
        .max_by_key(|t| t.from)
}

/// An indicator's value for one period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Figure {
    /// A number of things.
    Count(usize),
    /// A share: how many of how many.
    Share(Timeliness),
    /// Requests a month: how many in how long, and the rate in tenths.
    PerMonth {
        /// Requests in the period.
        requests: usize,
        /// Requests a month, times ten, rounded half up.
        tenths: u64,
    },
}

impl Figure {
    /// The value in tenths of its unit, to compare; `None` when nothing was counted.
    pub fn tenths(&self) -> Option<u64> {
        match self {
            Self::Count(n) => u64::try_from(*n).ok().map(|n| n * 10),
            Self::Share(share) => share.percent().map(|p| u64::from(p) * 10),
            Self::PerMonth { tenths, .. } => Some(*tenths),
        }
    }

    /// As the table shows it: "12", "75% (3 of 4)", "17.5 (35 requests)"; "None to
    /// count" for a share of nothing.
    pub fn text(&self) -> String {
        match self {
            Self::Count(n) => n.to_string(),
            Self::Share(share) => match share.percent() {
                Some(p) => format!("{p}% ({} of {})", share.within_limit, share.total),
                None => "None to count".to_owned(),
            },
            Self::PerMonth { requests, tenths } => {
                format!("{}.{} ({requests} received)", tenths / 10, tenths % 10)
            }
        }
    }
}

/// Requests a month over a period, in tenths: over whole months when it is whole
/// months, else over its days with a month taken as 365/12 days.
pub fn per_month(requests: usize, period: &Period) -> Figure {
    let n = u64::try_from(requests).unwrap_or(u64::MAX / 8000);
    let tenths = match period.whole_months() {
        Some(months) => {
            let months = u64::from(months.max(1));
            (n * 20 + months) / (months * 2)
        }
        None => {
            let days = u64::try_from(period.days().max(1)).unwrap_or(1);
            (n * 3650 * 2 + 12 * days) / (24 * days)
        }
    };
    Figure::PerMonth { requests, tenths }
}

/// Which way an indicator moved since the previous period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Travel {
    /// Higher than before.
    Up,
    /// Lower.
    Down,
    /// The same.
    Same,
    /// One of the two periods had nothing to count.
    NotComparable,
}

/// Whether the move is for the better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Judgement {
    /// Better.
    Better,
    /// Worse.
    Worse,
    /// No move, or no way to judge one.
    NotJudged,
}

/// Red, amber, green against the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Rag {
    /// Target met.
    Green,
    /// Missed by no more than the amber band.
    Amber,
    /// Missed by more.
    Red,
    /// No target, or nothing to count.
    NotApplicable,
}

impl Rag {
    /// "Green", "Amber", "Red", "N/A".
    pub fn label(self) -> &'static str {
        match self {
            Self::Green => "Green",
            Self::Amber => "Amber",
            Self::Red => "Red",
            Self::NotApplicable => "N/A",
        }
    }
}

/// One row of the table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScrutinyRow {
    /// The indicator.
    pub indicator: Indicator,
    /// Its value in the period.
    pub latest: Figure,
    /// Its value in the period before.
    pub previous: Figure,
    /// Up, down or the same.
    pub travel: Travel,
    /// Better or worse.
    pub judgement: Judgement,
    /// The target in force at the end of the period.
    pub target: Option<Target>,
    /// The latest value against it.
    pub rag: Rag,
    /// England's figure, where the record cites the DfE's; none does yet.
    pub england: Option<&'static str>,
}

impl ScrutinyRow {
    /// Builds a row, working out the travel and the RAG.
    pub fn new(
        indicator: Indicator,
        latest: Figure,
        previous: Figure,
        target: Option<&Target>,
    ) -> Self {
        let (now, before) = (latest.tenths(), previous.tenths());
        let travel = match (now, before) {
            (Some(now), Some(before)) if now > before => Travel::Up,
            (Some(now), Some(before)) if now < before => Travel::Down,
            (Some(_), Some(_)) => Travel::Same,
            _ => Travel::NotComparable,
        };
        let better = target
            .map(Target::better)
            .or(indicator.better_without_target());
        let judgement = match (travel, better) {
            (Travel::Up, Some(Better::Higher)) | (Travel::Down, Some(Better::Lower)) => {
                Judgement::Better
            }
            (Travel::Up, Some(Better::Lower)) | (Travel::Down, Some(Better::Higher)) => {
                Judgement::Worse
            }
            _ => Judgement::NotJudged,
        };
        let rag = match (target, now) {
            (Some(target), Some(now)) => target.rag(now),
            _ => Rag::NotApplicable,
        };
        Self {
            indicator,
            latest,
            previous,
            travel,
            judgement,
            target: target.cloned(),
            rag,
            england: None,
        }
    }

    /// "Up (better)", "Down (worse)", "Up", "Same", "Not comparable".
    pub fn travel_text(&self) -> String {
        let way = match self.travel {
            Travel::Up => "Up",
            Travel::Down => "Down",
            Travel::Same => "Same",
            Travel::NotComparable => return "Not comparable".to_owned(),
        };
        match self.judgement {
            Judgement::Better => format!("{way} (better)"),
            Judgement::Worse => format!("{way} (worse)"),
            Judgement::NotJudged => way.to_owned(),
        }
    }

    /// The England column: the cited figure, or "Not in the record".
    pub fn england_text(&self) -> &'static str {
        self.england.unwrap_or("Not in the record")
    }
}

/// The scrutiny table for a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Scrutiny {
    /// The period the latest figures cover.
    pub period: Period,
    /// The period before it, of the same length.
    pub previous: Period,
    /// One row per indicator, in [`Indicator::ALL`]'s order.
    pub rows: Vec<ScrutinyRow>,
}

impl Scrutiny {
    /// The row of one indicator.
    pub fn row(&self, indicator: Indicator) -> Option<&ScrutinyRow> {
        self.rows.iter().find(|r| r.indicator == indicator)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn target(direction: TargetDirection, value: u32, amber_within: u32) -> Target {
        Target {
            indicator: Indicator::FinalPlansWithinTwentyWeeks,
            value,
            direction,
            amber_within,
            from: None,
            source: "test".into(),
            illustrative: true,
        }
    }

    fn share(within_limit: usize, total: usize) -> Figure {
        Figure::Share(Timeliness {
            total,
            within_limit,
        })
    }

    #[test]
    fn rag_is_green_on_or_past_the_target_amber_within_the_band_red_beyond() {
        let at_least = target(TargetDirection::AtLeast, 60, 5);
        let rag = |f: Figure| {
            ScrutinyRow::new(
                Indicator::FinalPlansWithinTwentyWeeks,
                f,
                f,
                Some(&at_least),
            )
            .rag
        };
        assert_eq!(rag(share(6, 10)), Rag::Green);
        assert_eq!(rag(share(11, 20)), Rag::Amber); // 55%: 5 points short
        assert_eq!(rag(share(54, 100)), Rag::Red);
        assert_eq!(rag(share(0, 0)), Rag::NotApplicable);
        let at_most = Target {
            indicator: Indicator::RequestsPerMonth,
            ..target(TargetDirection::AtMost, 15, 2)
        };
        assert_eq!(at_most.text(), "At most 15 a month (illustrative)");
        assert_eq!(at_most.rag(150), Rag::Green);
        assert_eq!(at_most.rag(170), Rag::Amber);
        assert_eq!(at_most.rag(171), Rag::Red);
    }

    #[test]
    fn travel_is_judged_by_the_target_or_by_a_statutory_limit_only() {
        let row = ScrutinyRow::new(
            Indicator::DecisionsWithinSixWeeks,
            share(9, 10),
            share(5, 10),
            None,
        );
        assert_eq!(row.travel_text(), "Up (better)");
        assert_eq!(row.rag, Rag::NotApplicable);
        assert_eq!(row.england_text(), "Not in the record");
        let requests = ScrutinyRow::new(
            Indicator::AppealsLodged,
            Figure::Count(3),
            Figure::Count(1),
            None,
        );
        assert_eq!(requests.travel_text(), "Up");
        let fewer = Target {
            indicator: Indicator::AppealsLodged,
            ..target(TargetDirection::AtMost, 2, 1)
        };
        let judged = ScrutinyRow::new(
            Indicator::AppealsLodged,
            Figure::Count(3),
            Figure::Count(1),
            Some(&fewer),
        );
        assert_eq!(judged.travel_text(), "Up (worse)");
        assert_eq!(judged.rag, Rag::Amber);
        let none = ScrutinyRow::new(Indicator::RefusalRate, share(0, 0), share(1, 2), None);
        assert_eq!(none.travel_text(), "Not comparable");
    }

    #[test]
    fn requests_a_month_over_months_or_days() {
        let day = |m, d| NaiveDate::from_ymd_opt(2024, m, d).unwrap();
        let quarter = Period::new(day(4, 1), day(6, 30)).unwrap();
        assert_eq!(per_month(50, &quarter).text(), "16.7 (50 received)");
        let days = Period::new(day(4, 1), day(4, 15)).unwrap();
        // 15 days is 15 / (365/12) = 0.49 of a month: 10 requests is 20.3 a month.
        assert_eq!(per_month(10, &days).tenths(), Some(203));
    }

    #[test]
    fn the_target_in_force_is_the_latest_begun() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let twenty = Target {
            indicator: Indicator::RequestsPerMonth,
            from: None,
            ..target(TargetDirection::AtMost, 20, 2)
        };
        let fifteen = Target {
            from: Some(day(2023, 7, 1)),
            value: 15,
            ..twenty.clone()
        };
        let targets = [fifteen, twenty];
        let value = |d| target_for(&targets, Indicator::RequestsPerMonth, d).map(|t| t.value);
        assert_eq!(value(day(2023, 6, 30)), Some(20));
        assert_eq!(value(day(2023, 7, 1)), Some(15));
        assert_eq!(
            target_for(&targets, Indicator::PlansActive, day(2023, 7, 1)),
            None
        );
    }
}
