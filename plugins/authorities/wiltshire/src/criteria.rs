//! Wiltshire's graduated-response criteria. The papers name the pieces (OPAL, the
//! ordinarily available provision, F002 L131; SEN Support, F002 L180; the Early Years
//! Inclusion Advisers, F002 L139–L145) but set no thresholds: every number here is
//! illustrative. Each criterion weighs evidence and says why in words a parent can read;
//! the recommendation follows from them but the panel decides.

use sendpanel_plugin::chrono::NaiveDate;
use sendpanel_plugin::dates::to_naive;
use sendpanel_plugin::money::format_pounds;
use sendpanel_plugin::prelude::*;

/// How far back reviewed cycles count (illustrative: the papers give no window).
pub const CYCLE_WINDOW_DAYS: i64 = 730;
/// Reviewed cycles of SEN Support that show the graduated response (illustrative).
pub const CYCLES_EXPECTED: usize = 2;
/// How recent specialist or EYIA involvement should be (illustrative).
pub const SPECIALIST_WINDOW_DAYS: i64 = 365;
/// An attainment gap worth telling the panel about, in months (illustrative).
pub const ATTAINMENT_GAP_MONTHS: i32 = 12;

pub fn advise(facts: &RequestFacts) -> Result<GraduatedResponseAdvice, PolicyError> {
    let as_at = checked_as_at(facts)?;

    let mut criteria = vec![
        needs_evidenced(facts),
        opal_and_sen_support(facts, as_at),
        progress_despite_support(facts, as_at),
        specialist_involvement(facts, as_at),
    ];
    let early_years = in_early_years(facts);
    if early_years {
        criteria.push(early_years_inclusion(facts, as_at));
    }

    let met = |id: &str| criteria.iter().any(|c| c.id == id && c.met);
    let severe = facts.needs.iter().any(|n| {
        matches!(n.level, NeedLevel::Severe | NeedLevel::Profound) && !n.evidence.is_empty()
    });
    let recommendation = if facts.needs.is_empty() {
        Recommendation::MoreInformationNeeded
    } else if severe {
        // s36(8) asks whether the child may have SEN and a plan may be necessary: an
        // evidenced severe or profound need answers that without waiting for cycles.
        Recommendation::Assess
    } else if early_years && !met("early-years-inclusion") {
        Recommendation::MoreInformationNeeded
    } else if met("needs-evidenced")
        && met("opal-and-sen-support")
        && met("progress-despite-support")
    {
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

/// Under 5, in an early years setting, or in Reception: the EYIAs' part of Wiltshire
/// (F002 L139: schools can have EYIA support for the first two terms of Reception).
pub(crate) fn in_early_years(facts: &RequestFacts) -> bool {
    facts.age_years < 5 || facts.nc_year <= 0 || facts.setting == SettingType::EarlyYears
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

fn needs_evidenced(facts: &RequestFacts) -> Criterion {
    let id = "needs-evidenced";
    let title = "Needs are described and evidenced";
    let strong: Vec<&Need> = facts
        .needs
        .iter()
        .filter(|n| {
            matches!(
                n.level,
                NeedLevel::Significant | NeedLevel::Severe | NeedLevel::Profound
            ) && !n.evidence.is_empty()
        })
        .collect();
    if strong.is_empty() {
        criterion_not_met(
            id,
            title,
            "The request does not yet include evidence of significant needs. Reports from the school or from professionals describing your child's needs would help the panel.".to_owned(),
            unique(facts.needs.iter().flat_map(|n| n.evidence.clone())),
        )
    } else {
        criterion_met(
            id,
            title,
            format!(
                "The request includes evidence of significant needs in {}.",
                plural(strong.len(), "area", "areas")
            ),
            unique(strong.iter().flat_map(|n| n.evidence.clone())),
        )
    }
}

fn recent_reviewed_cycles(facts: &RequestFacts, as_at: NaiveDate) -> Vec<&SupportCycle> {
    facts
        .support_cycles
        .iter()
        .filter(|c| {
            c.ended.and_then(to_naive).is_some_and(|ended| {
                ended <= as_at && (as_at - ended).num_days() <= CYCLE_WINDOW_DAYS
            })
        })
        .collect()
}

fn opal_and_sen_support(facts: &RequestFacts, as_at: NaiveDate) -> Criterion {
    let id = "opal-and-sen-support";
    let title = "Support beyond ordinarily available provision (OPAL) has been tried and reviewed";
    let cycles = recent_reviewed_cycles(facts, as_at);
    let evidence = unique(cycles.iter().flat_map(|c| c.evidence.clone()));
    let spent: Pence = cycles.iter().map(|c| c.cost).sum();
    if cycles.len() >= CYCLES_EXPECTED {
        criterion_met(
            id,
            title,
            format!(
                "Beyond what Wiltshire schools ordinarily provide for all learners (OPAL), the school has tried {} of SEN Support in the last two years and reviewed each one, costing {} in all.",
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
                "We could see {} of SEN Support in the last two years. As an illustrative guide Wiltshire looks for {CYCLES_EXPECTED}, so that the panel can see what the school has tried beyond its ordinarily available provision (OPAL) and how your child responded. This does not stop an assessment.",
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

fn progress_despite_support(facts: &RequestFacts, as_at: NaiveDate) -> Criterion {
    let id = "progress-despite-support";
    let title = "Progress has been limited despite that support";
    let cycles = recent_reviewed_cycles(facts, as_at);
    let limited: Vec<&&SupportCycle> = cycles
        .iter()
        .filter(|c| {
            matches!(
                c.outcome,
                CycleOutcome::LittleOrNoProgress | CycleOutcome::SomeProgress
            )
        })
        .collect();
    let widest_gap = facts
        .attainment
        .iter()
        .filter(|a| a.months_behind >= ATTAINMENT_GAP_MONTHS)
        .max_by_key(|a| a.months_behind);
    let gap = widest_gap
        .map(|a| {
            format!(
                " The latest figures also show your child about {} months behind in {}.",
                a.months_behind, a.subject
            )
        })
        .unwrap_or_default();
    if !cycles.is_empty() && limited.len() * 2 >= cycles.len() {
        criterion_met(
            id,
            title,
            format!(
                "The reviews show that your child has made little or only some progress even with the extra support.{gap}"
            ),
            unique(limited.iter().flat_map(|c| c.evidence.clone())),
        )
    } else if cycles.is_empty() {
        criterion_not_met(
            id,
            title,
            format!(
                "There are no reviewed cycles of support yet, so we cannot see how your child responded to it.{gap}"
            ),
            Vec::new(),
        )
    } else {
        criterion_not_met(
            id,
            title,
            format!(
                "The reviews show your child making good progress with the support the school already gives.{gap}"
            ),
            unique(cycles.iter().flat_map(|c| c.evidence.clone())),
        )
    }
}

fn recent(involvement: &Involvement, as_at: NaiveDate) -> bool {
    involvement
        .last_contact
        .or(Some(involvement.started))
        .and_then(to_naive)
        .is_some_and(|d| d <= as_at && (as_at - d).num_days() <= SPECIALIST_WINDOW_DAYS)
}

fn specialist_involvement(facts: &RequestFacts, as_at: NaiveDate) -> Criterion {
    let id = "specialist-involvement";
    let title = "Specialist advice has been sought";
    let recent: Vec<&Involvement> = facts
        .professionals
        .iter()
        .filter(|p| recent(p, as_at))
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

/// The EYIA team (F002 L139–L145). The contract has no EYIA professional: an involvement
/// recorded as a specialist teacher or "other" is read as theirs (illustrative).
fn early_years_inclusion(facts: &RequestFacts, as_at: NaiveDate) -> Criterion {
    let id = "early-years-inclusion";
    let title = "The Early Years Inclusion Advisers have been involved";
    let eyia: Vec<&Involvement> = facts
        .professionals
        .iter()
        .filter(|p| matches!(p.who, Professional::SpecialistTeacher | Professional::Other))
        .filter(|p| recent(p, as_at))
        .collect();
    if eyia.is_empty() {
        criterion_not_met(
            id,
            title,
            "Wiltshire's Early Years Inclusion Advisers support early years settings, and schools for a child's first two terms in Reception. We could not see their involvement in the last year, so we will ask them for their view before the panel meets. This does not stop an assessment.".to_owned(),
            Vec::new(),
        )
    } else {
        criterion_met(
            id,
            title,
            "An Early Years Inclusion Adviser or specialist teacher has worked with your child or their setting in the last year, so the panel can see what early years support has been tried.".to_owned(),
            unique(eyia.iter().flat_map(|p| p.evidence.clone())),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cycle_ending_before_it_starts_is_invalid() {
        let facts = FactsBuilder::new(date(2024, 10, 1))
            .need(
                AreaOfNeed::CognitionAndLearning,
                NeedLevel::Significant,
                &["doc-a"],
            )
            .cycle(
                AreaOfNeed::CognitionAndLearning,
                date(2024, 6, 1),
                Some(date(2024, 5, 1)),
                CycleOutcome::SomeProgress,
                100,
                &["doc-b"],
            )
            .build();
        assert!(matches!(advise(&facts), Err(PolicyError::InvalidFact(_))));
    }

    #[test]
    fn evidence_is_cited_once() {
        let facts = FactsBuilder::new(date(2024, 10, 1))
            .need(
                AreaOfNeed::CognitionAndLearning,
                NeedLevel::Significant,
                &["doc-a"],
            )
            .need(
                AreaOfNeed::CommunicationAndInteraction,
                NeedLevel::Significant,
                &["doc-a"],
            )
            .build();
        let advice = advise(&facts).ok();
        let needs = advice
            .as_ref()
            .and_then(|a| a.criteria.iter().find(|c| c.id == "needs-evidenced"));
        assert_eq!(
            needs.map(|c| c.evidence.clone()),
            Some(vec!["doc-a".to_owned()])
        );
    }

    #[test]
    fn reception_counts_as_early_years() {
        let facts = FactsBuilder::new(date(2024, 10, 1)).age(5, 1, 0).build();
        assert!(in_early_years(&facts));
        let facts = FactsBuilder::new(date(2024, 10, 1)).age(6, 1, 1).build();
        assert!(!in_early_years(&facts));
    }
}
