//! What Wiltshire does after a refusal to assess. Its papers describe **no Next Steps
//! meeting** (wiltshire-and-national.md L36–L38: "Next Steps" there means other things), so
//! this plan does not require one and its agenda says so. What it lists instead comes from
//! the papers where they speak: decisions children and families understand (F002 L53),
//! recorded rationale (F002 L114–L117), OPAL and SEN Support (F002 L131, L180), the Early
//! Years Inclusion Advisers (F002 L139–L145) and the s19 Group (F000 L132). Offering a
//! meeting on request is illustrative.

use sendpanel_plugin::prelude::*;

use crate::criteria::{checked_as_at, in_early_years};

/// No meeting, so no working-day limit.
pub const WITHIN_WORKING_DAYS: u16 = 0;
/// Below this attendance a child may not be getting full-time education: persistent
/// absence is missing 10% or more of sessions (the national measure; illustrative here).
pub const LOW_ATTENDANCE_PERCENT: u8 = 90;

pub fn plan(facts: &RequestFacts) -> Result<NextStepsPlan, PolicyError> {
    checked_as_at(facts)?;
    let mut agenda = vec![
        "No Next Steps meeting is arranged automatically: Wiltshire's published papers do not describe one after a decision not to assess. You can ask your SEND caseworker to talk the decision through with you.".to_owned(),
        "The decision letter gives the reasons in plain words, so that you and your child can understand why the decision was made.".to_owned(),
        "The school reviews its SEN Support plan with you: what it provides beyond Wiltshire's Ordinarily Available Provision for all Learners (OPAL), who does what, and by when.".to_owned(),
    ];
    if in_early_years(facts) {
        agenda.push(
            "Wiltshire's Early Years Inclusion Advisers can support your child's setting, and the school for your child's first two terms in Reception.".to_owned(),
        );
    }
    if facts
        .attendance_percent
        .is_some_and(|p| p < LOW_ATTENDANCE_PERCENT)
    {
        agenda.push(
            "Your child's attendance is low. The case can go to Wiltshire's s19 Group, which decides whether the council must arrange education for a child who cannot attend school full time (Education Act 1996, section 19).".to_owned(),
        );
    }
    agenda.push(
        "Mediation and your right to appeal to the Tribunal, with the dates: the two-month deadline runs from the decision letter and does not wait for any conversation with the council.".to_owned(),
    );
    Ok(NextStepsPlan {
        meeting_required: false,
        within_working_days: WITHIN_WORKING_DAYS,
        attendees: Vec::new(),
        venue: Venue::FamilyChoice,
        agenda,
        outcomes_recorded: vec![
            MeetingOutcome::MovedToAssessment,
            MeetingOutcome::MediationOrFurtherContact,
            MeetingOutcome::NoFurtherAction,
            MeetingOutcome::Section19Action,
            MeetingOutcome::NewRequestPending,
            MeetingOutcome::AppealPending,
        ],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn low_attendance_adds_the_s19_group() {
        let facts = FactsBuilder::new(date(2024, 10, 1)).attendance(72).build();
        let plan = plan(&facts).ok();
        assert!(plan.as_ref().is_some_and(|p| !p.meeting_required));
        assert!(
            plan.as_ref()
                .is_some_and(|p| p.agenda.iter().any(|a| a.contains("s19 Group")))
        );
        let facts = FactsBuilder::new(date(2024, 10, 1)).attendance(96).build();
        assert!(
            super::plan(&facts)
                .ok()
                .is_some_and(|p| !p.agenda.iter().any(|a| a.contains("s19 Group")))
        );
    }

    #[test]
    fn the_agenda_is_never_blank() {
        let plan = plan(&FactsBuilder::new(date(2024, 10, 1)).build()).ok();
        assert!(
            plan.is_some_and(
                |p| !p.agenda.is_empty() && p.agenda.iter().all(|a| !a.trim().is_empty())
            )
        );
    }
}
