//! Torbay's graduated-response criteria (L491, L570). Each criterion weighs evidence and
//! says why in words a parent can read; the recommendation follows from them but the
//! panel decides.

use sendpanel_plugin::chrono::NaiveDate;
use sendpanel_plugin::dates::to_naive;
use sendpanel_plugin::prelude::*;

/// How far back reviewed cycles count (illustrative: the papers give no window).
const CYCLE_WINDOW_DAYS: i64 = 730;
/// Reviewed cycles that show a robust graduated response (illustrative).
const CYCLES_EXPECTED: usize = 2;
/// How recent specialist involvement should be (illustrative).
const SPECIALIST_WINDOW_DAYS: i64 = 365;

pub fn advise(facts: &RequestFacts) -> Result<GraduatedResponseAdvice, PolicyError> {
    let as_at = to_naive(facts.as_at)
        .ok_or_else(|| PolicyError::InvalidFact("as-at is not a calendar date".to_owned()))?;
    for cycle in &facts.support_cycles {
        let started = to_naive(cycle.started).ok_or_else(|| {
            PolicyError::InvalidFact("a support cycle starts on no calendar date".to_owned())
        })?;
        if let Some(ended) = cycle.ended.and_then(to_naive)
            && ended < started
        {
            return Err(PolicyError::InvalidFact(
                "a support cycle ends before it starts".to_owned(),
            ));
        }
    }

    let needs = needs_evidenced(facts);
    let cycles = cycles_reviewed(facts, as_at);
    let progress = progress_limited(facts, as_at);
    let specialist = specialist_advice(facts, as_at);
    let mut criteria = vec![needs, cycles, progress, specialist];
    let under_five = facts.age_years < 5;
    if under_five {
        criteria.push(early_years_screening(facts));
    }

    let met = |id: &str| criteria.iter().any(|c| c.id == id && c.met);
    let profound = facts.needs.iter().any(|n| {
        matches!(n.level, NeedLevel::Severe | NeedLevel::Profound) && !n.evidence.is_empty()
    });
    let recommendation = if facts.needs.is_empty() || (under_five && !met("asq3-screening")) {
        Recommendation::MoreInformationNeeded
    } else if profound
        || (met("needs-evidenced") && met("cycles-reviewed") && met("progress-limited"))
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

fn needs_evidenced(facts: &RequestFacts) -> Criterion {
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
    let evidence: Vec<String> = strong.iter().flat_map(|n| n.evidence.clone()).collect();
    if strong.is_empty() {
        criterion_not_met(
            "needs-evidenced",
            title,
            "The request does not include evidence of significant needs. Reports from the school or from professionals describing your child's needs would help the panel.".to_owned(),
            facts.needs.iter().flat_map(|n| n.evidence.clone()).collect(),
        )
    } else {
        criterion_met(
            "needs-evidenced",
            title,
            format!(
                "The request includes evidence of significant needs in {} area{}.",
                strong.len(),
                if strong.len() == 1 { "" } else { "s" }
            ),
            evidence,
        )
    }
}

fn recent_reviewed_cycles(facts: &RequestFacts, as_at: NaiveDate) -> Vec<&SupportCycle> {
    facts
        .support_cycles
        .iter()
        .filter(|c| {
            c.ended.and_then(to_naive).is_some_and(|ended| {
                (as_at - ended).num_days() <= CYCLE_WINDOW_DAYS && ended <= as_at
            })
        })
        .collect()
}

fn cycles_reviewed(facts: &RequestFacts, as_at: NaiveDate) -> Criterion {
    let title = "SEN support has been tried and reviewed (assess, plan, do, review)";
    let cycles = recent_reviewed_cycles(facts, as_at);
    let evidence: Vec<String> = cycles.iter().flat_map(|c| c.evidence.clone()).collect();
    let spent: i64 = cycles.iter().map(|c| c.cost).sum();
    if cycles.len() >= CYCLES_EXPECTED {
        criterion_met(
            "cycles-reviewed",
            title,
            format!(
                "The school has tried {} cycles of extra support in the last two years and reviewed each one, costing {} in all.",
                cycles.len(),
                sendpanel_plugin::money::format_pounds(spent)
            ),
            evidence,
        )
    } else {
        criterion_not_met(
            "cycles-reviewed",
            title,
            format!(
                "We could see {} completed and reviewed cycle{} of extra support in the last two years. Torbay usually looks for at least {CYCLES_EXPECTED}, so that we know what has been tried and how your child responded.",
                cycles.len(),
                if cycles.len() == 1 { "" } else { "s" }
            ),
            evidence,
        )
    }
}

fn progress_limited(facts: &RequestFacts, as_at: NaiveDate) -> Criterion {
    let title = "Progress has been limited despite support";
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
    let evidence: Vec<String> = limited.iter().flat_map(|c| c.evidence.clone()).collect();
    if !cycles.is_empty() && limited.len() * 2 >= cycles.len() {
        criterion_met(
            "progress-limited",
            title,
            "The reviews show that your child has made little or only some progress even with the extra support.".to_owned(),
            evidence,
        )
    } else if cycles.is_empty() {
        criterion_not_met(
            "progress-limited",
            title,
            "There are no reviewed cycles of support yet, so we cannot see how your child responded to it.".to_owned(),
            Vec::new(),
        )
    } else {
        criterion_not_met(
            "progress-limited",
            title,
            "The reviews show your child making good progress with the support the school already gives.".to_owned(),
            cycles.iter().flat_map(|c| c.evidence.clone()).collect(),
        )
    }
}

fn specialist_advice(facts: &RequestFacts, as_at: NaiveDate) -> Criterion {
    let title = "Specialist advice has been sought";
    let recent: Vec<&Involvement> = facts
        .professionals
        .iter()
        .filter(|p| {
            let last = p.last_contact.or(Some(p.started)).and_then(to_naive);
            last.is_some_and(|d| d <= as_at && (as_at - d).num_days() <= SPECIALIST_WINDOW_DAYS)
        })
        .collect();
    let evidence: Vec<String> = recent.iter().flat_map(|p| p.evidence.clone()).collect();
    if recent.is_empty() {
        criterion_not_met(
            "specialist-advice",
            title,
            "No specialist (such as an educational psychologist or speech and language therapist) has seen your child in the last year. This does not stop an assessment; it means the panel has less to go on.".to_owned(),
            evidence,
        )
    } else {
        criterion_met(
            "specialist-advice",
            title,
            format!(
                "{} specialist{} involved in the last year.",
                recent.len(),
                if recent.len() == 1 {
                    " has been"
                } else {
                    "s have been"
                }
            ),
            evidence,
        )
    }
}

fn early_years_screening(facts: &RequestFacts) -> Criterion {
    let title = "Early years screening (ASQ-3) is included";
    if facts.developmental_screening.is_empty() {
        criterion_not_met(
            "asq3-screening",
            title,
            "Torbay includes ASQ-3 developmental screening in every request for a child under 5. We will ask the setting for it.".to_owned(),
            Vec::new(),
        )
    } else {
        let below = facts
            .developmental_screening
            .iter()
            .filter(|s| s.band == AsqBand::BelowCutoff)
            .count();
        criterion_met(
            "asq3-screening",
            title,
            format!(
                "ASQ-3 screening is included; {below} of {} areas are below the expected range.",
                facts.developmental_screening.len()
            ),
            Vec::new(),
        )
    }
}
