//! Leicestershire's graduated-response criteria. The pack sets out an aim (needs
//! "identified as early as possible so that timely and appropriate support is provided in
//! the right setting, therefore reducing the risk of needs escalating", L2257) and the
//! early years route for lower-level needs (SENIF, L443; "high SEN levels", L460) but no
//! criteria or numbers: every threshold here is illustrative. Each criterion weighs
//! evidence and says why in words a parent can read; the panel decides.

use sendpanel_plugin::chrono::NaiveDate;
use sendpanel_plugin::dates::to_naive;
use sendpanel_plugin::money::format_pounds;
use sendpanel_plugin::prelude::*;

/// How far back reviewed cycles count (illustrative).
pub const CYCLE_WINDOW_DAYS: i64 = 730;
/// Reviewed cycles of SEN Support that show what has been tried (illustrative).
pub const CYCLES_EXPECTED: usize = 2;
/// How recent specialist involvement should be (illustrative).
pub const SPECIALIST_WINDOW_DAYS: i64 = 365;
/// An attainment gap that says support is not keeping up, in months (illustrative).
pub const ATTAINMENT_GAP_MONTHS: i32 = 24;
/// Below this, a child misses 10% or more of sessions: persistent absence (the national
/// measure the pack reports, L1686).
pub const PERSISTENT_ABSENCE_BELOW: u8 = 90;

pub fn advise(facts: &RequestFacts) -> Result<GraduatedResponseAdvice, PolicyError> {
    let as_at = checked_as_at(facts)?;

    let mut criteria = vec![
        needs_evidenced(facts),
        sen_support_reviewed(facts, as_at),
        support_not_enough(facts, as_at),
        specialist_advice(facts, as_at),
    ];
    if let Some(percent) = facts.attendance_percent {
        criteria.push(attendance(percent));
    }
    let early_years = in_early_years(facts);
    if early_years {
        criteria.push(early_years_senif(facts));
    }

    let met = |id: &str| criteria.iter().any(|c| c.id == id && c.met);
    let any_evidence = facts.needs.iter().any(|n| !n.evidence.is_empty());
    let severe = facts.needs.iter().any(|n| {
        matches!(n.level, NeedLevel::Severe | NeedLevel::Profound) && !n.evidence.is_empty()
    });
    let recommendation = if !any_evidence {
        Recommendation::MoreInformationNeeded
    } else if severe {
        // s36(8): an evidenced severe or profound need shows the child may have SEN and a
        // plan may be necessary, whatever support has been tried.
        Recommendation::Assess
    } else if early_years {
        if met("needs-evidenced")
            && met("early-years-senif")
            && (met("sen-support-reviewed") || met("specialist-advice"))
        {
            Recommendation::Assess
        } else {
            Recommendation::DoNotAssess
        }
    } else if met("needs-evidenced") && met("sen-support-reviewed") && met("support-not-enough") {
        Recommendation::Assess
    } else {
        Recommendation::DoNotAssess
    };
    Ok(GraduatedResponseAdvice {
        recommendation,
        criteria,
    })
}

/// The advice date, after checking that the facts can be right.
pub(crate) fn checked_as_at(facts: &RequestFacts) -> Result<NaiveDate, PolicyError> {
    let invalid = |what: &str| PolicyError::InvalidFact(what.to_owned());
    let as_at = to_naive(facts.as_at).ok_or_else(|| invalid("as-at is not a calendar date"))?;
    let received =
        to_naive(facts.received).ok_or_else(|| invalid("received is not a calendar date"))?;
    if received > as_at {
        return Err(invalid(
            "the request is received after the day the advice is for",
        ));
    }
    if !(-2..=14).contains(&facts.nc_year) {
        return Err(invalid("nc-year is outside -2 to 14"));
    }
    if facts.attendance_percent.is_some_and(|p| p > 100) {
        return Err(invalid("attendance is more than 100 per cent"));
    }
    for cycle in &facts.support_cycles {
        let started = to_naive(cycle.started)
            .ok_or_else(|| invalid("a support cycle starts on no calendar date"))?;
        if let Some(ended) = cycle.ended {
            let ended = to_naive(ended)
                .ok_or_else(|| invalid("a support cycle ends on no calendar date"))?;
            if ended < started {
                return Err(invalid("a support cycle ends before it starts"));
            }
        }
        if cycle.cost < 0 {
            return Err(invalid("a support cycle has a negative cost"));
        }
    }
    Ok(as_at)
}

/// Under 5 or in an early years setting: where SENIF applies (L443).
pub(crate) fn in_early_years(facts: &RequestFacts) -> bool {
    facts.age_years < 5 || facts.setting == SettingType::EarlyYears
}

/// Ids in first-seen order, each once.
fn unique(ids: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for id in ids {
        if !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}

fn beyond_emerging(level: NeedLevel) -> bool {
    matches!(
        level,
        NeedLevel::Moderate | NeedLevel::Significant | NeedLevel::Severe | NeedLevel::Profound
    )
}

fn needs_evidenced(facts: &RequestFacts) -> Criterion {
    let id = "needs-evidenced";
    let title = "Needs are described and evidenced";
    let evidenced: Vec<&Need> = facts
        .needs
        .iter()
        .filter(|n| beyond_emerging(n.level) && !n.evidence.is_empty())
        .collect();
    if evidenced.is_empty() {
        criterion_not_met(
            id,
            title,
            "The request does not yet include reports showing needs beyond an emerging level. Reports from the school or from professionals describing your child's needs would help the panel.".to_owned(),
            unique(facts.needs.iter().flat_map(|n| n.evidence.clone())),
        )
    } else {
        criterion_met(
            id,
            title,
            format!(
                "The request includes reports describing your child's needs in {}.",
                plural(evidenced.len(), "area", "areas")
            ),
            unique(evidenced.iter().flat_map(|n| n.evidence.clone())),
        )
    }
}

fn recent_reviewed_cycles(facts: &RequestFacts, as_at: NaiveDate) -> Vec<&SupportCycle> {
    let mut cycles: Vec<&SupportCycle> = facts
        .support_cycles
        .iter()
        .filter(|c| {
            c.ended.and_then(to_naive).is_some_and(|ended| {
                ended <= as_at && (as_at - ended).num_days() <= CYCLE_WINDOW_DAYS
            })
        })
        .collect();
    cycles.sort_by_key(|c| c.ended.and_then(to_naive));
    cycles
}

fn sen_support_reviewed(facts: &RequestFacts, as_at: NaiveDate) -> Criterion {
    let id = "sen-support-reviewed";
    let title = "SEN Support has been tried and reviewed (assess, plan, do, review)";
    let cycles = recent_reviewed_cycles(facts, as_at);
    let evidence = unique(cycles.iter().flat_map(|c| c.evidence.clone()));
    let spent: Pence = cycles.iter().map(|c| c.cost).sum();
    if cycles.len() >= CYCLES_EXPECTED {
        criterion_met(
            id,
            title,
            format!(
                "The school has tried {} of SEN Support in the last two years and reviewed each one, costing {} in all.",
                plural(cycles.len(), "cycle", "cycles"),
                format_pounds(spent)
            ),
            evidence,
        )
    } else {
        criterion_not_met(
            id,
            title,
            format!(
                "We could see {} of SEN Support in the last two years. As an illustrative guide Leicestershire looks for {CYCLES_EXPECTED}, so that the panel can see what has been tried and how your child responded. This does not stop an assessment.",
                plural(
                    cycles.len(),
                    "completed and reviewed cycle",
                    "completed and reviewed cycles"
                )
            ),
            evidence,
        )
    }
}

/// Support is not keeping up: the latest reviewed cycle brought little or no progress, or
/// the attainment gap is wide after support (the risk of "needs escalating", L2257).
fn support_not_enough(facts: &RequestFacts, as_at: NaiveDate) -> Criterion {
    let id = "support-not-enough";
    let title = "Needs are not being met by the support so far";
    let cycles = recent_reviewed_cycles(facts, as_at);
    let latest = cycles.last();
    let widest_gap = facts
        .attainment
        .iter()
        .filter(|a| a.months_behind >= ATTAINMENT_GAP_MONTHS)
        .max_by_key(|a| a.months_behind);
    let gap_words = widest_gap.map(|a| {
        format!(
            "your child is about {} months behind in {}",
            a.months_behind, a.subject
        )
    });
    match (latest, gap_words) {
        (None, _) => criterion_not_met(
            id,
            title,
            "There are no reviewed cycles of support yet, so we cannot see whether the support is meeting your child's needs.".to_owned(),
            Vec::new(),
        ),
        (Some(last), gap) if last.outcome == CycleOutcome::LittleOrNoProgress => criterion_met(
            id,
            title,
            match gap {
                Some(gap) => format!(
                    "The latest review shows little or no progress with the extra support, and {gap}. Leicestershire wants support in place early so that needs do not escalate."
                ),
                None => "The latest review shows little or no progress with the extra support. Leicestershire wants support in place early so that needs do not escalate.".to_owned(),
            },
            last.evidence.clone(),
        ),
        (Some(_), Some(gap)) => criterion_met(
            id,
            title,
            format!(
                "Even with the extra support, {gap}. Leicestershire wants support in place early so that needs do not escalate."
            ),
            unique(cycles.iter().flat_map(|c| c.evidence.clone())),
        ),
        (Some(last), None) => criterion_not_met(
            id,
            title,
            "The latest review shows your child making progress with the support the school gives, so the support seems to be helping.".to_owned(),
            last.evidence.clone(),
        ),
    }
}

fn specialist_advice(facts: &RequestFacts, as_at: NaiveDate) -> Criterion {
    let id = "specialist-advice";
    let title = "Specialist advice has been sought";
    let recent: Vec<&Involvement> = facts
        .professionals
        .iter()
        .filter(|p| {
            p.last_contact
                .or(Some(p.started))
                .and_then(to_naive)
                .is_some_and(|d| d <= as_at && (as_at - d).num_days() <= SPECIALIST_WINDOW_DAYS)
        })
        .collect();
    let evidence = unique(recent.iter().flat_map(|p| p.evidence.clone()));
    if recent.is_empty() {
        criterion_not_met(
            id,
            title,
            "No specialist (such as an educational psychologist or speech and language therapist) has seen your child in the last year. This does not stop an assessment; it means the panel has less to go on.".to_owned(),
            evidence,
        )
    } else {
        criterion_met(
            id,
            title,
            format!(
                "{} involved in the last year.",
                plural(recent.len(), "specialist has been", "specialists have been")
            ),
            evidence,
        )
    }
}

fn attendance(percent: u8) -> Criterion {
    let id = "attendance";
    let title = "Absence suggests needs are affecting access to education";
    if percent < PERSISTENT_ABSENCE_BELOW {
        criterion_met(
            id,
            title,
            format!(
                "Your child has attended {percent}% of sessions this year. Missing one session in ten or more is called persistent absence, and it can be a sign that needs are getting in the way of education."
            ),
            Vec::new(),
        )
    } else {
        criterion_not_met(
            id,
            title,
            format!(
                "Your child has attended {percent}% of sessions this year, so absence does not add to the picture here."
            ),
            Vec::new(),
        )
    }
}

/// SENIF is for "lower level or emerging" needs (L443); higher levels point beyond it.
fn early_years_senif(facts: &RequestFacts) -> Criterion {
    let id = "early-years-senif";
    let title = "Needs go beyond what the early years SEN Inclusion Fund is for";
    let high: Vec<&Need> = facts
        .needs
        .iter()
        .filter(|n| {
            matches!(
                n.level,
                NeedLevel::Significant | NeedLevel::Severe | NeedLevel::Profound
            ) && !n.evidence.is_empty()
        })
        .collect();
    if high.is_empty() {
        criterion_not_met(
            id,
            title,
            "The needs described are at the lower or emerging level that Leicestershire's early years SEN Inclusion Fund (SENIF) is meant for, and the setting can ask for it now. This does not stop an assessment; the panel weighs all the evidence.".to_owned(),
            unique(facts.needs.iter().flat_map(|n| n.evidence.clone())),
        )
    } else {
        criterion_met(
            id,
            title,
            "Reports describe needs at a higher level than the lower-level or emerging needs that the early years SEN Inclusion Fund (SENIF) is meant for.".to_owned(),
            unique(high.iter().flat_map(|n| n.evidence.clone())),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn criterion(facts: &RequestFacts, id: &str) -> Option<bool> {
        advise(facts)
            .ok()?
            .criteria
            .into_iter()
            .find(|c| c.id == id)
            .map(|c| c.met)
    }

    #[test]
    fn attendance_is_weighed_only_when_given() {
        let none = FactsBuilder::new(date(2025, 5, 6))
            .need(
                AreaOfNeed::CognitionAndLearning,
                NeedLevel::Moderate,
                &["a"],
            )
            .build();
        assert_eq!(criterion(&none, "attendance"), None);
        let low = FactsBuilder::new(date(2025, 5, 6))
            .need(
                AreaOfNeed::CognitionAndLearning,
                NeedLevel::Moderate,
                &["a"],
            )
            .attendance(84)
            .build();
        assert_eq!(criterion(&low, "attendance"), Some(true));
        let high = FactsBuilder::new(date(2025, 5, 6))
            .need(
                AreaOfNeed::CognitionAndLearning,
                NeedLevel::Moderate,
                &["a"],
            )
            .attendance(90)
            .build();
        assert_eq!(criterion(&high, "attendance"), Some(false));
    }

    #[test]
    fn a_wide_gap_after_support_counts_even_when_the_last_review_saw_some_progress() {
        let facts = FactsBuilder::new(date(2025, 5, 6))
            .need(
                AreaOfNeed::CognitionAndLearning,
                NeedLevel::Moderate,
                &["a"],
            )
            .cycle(
                AreaOfNeed::CognitionAndLearning,
                date(2024, 9, 4),
                Some(date(2025, 2, 14)),
                CycleOutcome::SomeProgress,
                pounds(1_500),
                &["b"],
            )
            .attainment("reading", 30)
            .build();
        assert_eq!(criterion(&facts, "support-not-enough"), Some(true));
    }

    #[test]
    fn impossible_attendance_is_invalid() {
        let mut facts = FactsBuilder::new(date(2025, 5, 6)).build();
        facts.attendance_percent = Some(140);
        assert!(matches!(advise(&facts), Err(PolicyError::InvalidFact(_))));
    }
}
