//! What Leicestershire does after a refusal to assess. The pack describes **no Next Steps
//! meeting** (leicestershire.md L57), so this meeting is **illustrative**: who attends, the
//! venue and both working-day limits are this plugin's choices. Its agenda follows what the
//! pack does say: decisions whose rationale is clear (L1623), support "in the right
//! setting" early so needs do not escalate (L2257), SENIF for lower-level needs in early
//! years (L443), and the Year 7 placements still missing months into the year (L131–L141).

use sendpanel_plugin::prelude::*;

use crate::criteria::{checked_as_at, in_early_years};

/// Working days from the refusal within which the meeting is held (illustrative).
pub const WITHIN_WORKING_DAYS: u16 = 15;
/// Sooner for a child in Year 6, whose Year 7 place is being settled (illustrative).
pub const YEAR_6_WITHIN_WORKING_DAYS: u16 = 10;

pub fn plan(facts: &RequestFacts) -> Result<NextStepsPlan, PolicyError> {
    checked_as_at(facts)?;
    let year_6 = facts.nc_year == 6;

    let mut attendees = vec![
        Attendee::ParentOrYoungPerson,
        Attendee::SenCaseworker,
        Attendee::Senco,
    ];
    let involved = |who: Professional| facts.professionals.iter().any(|p| p.who == who);
    if involved(Professional::EducationalPsychologist) {
        attendees.push(Attendee::EducationalPsychologist);
    }
    if [
        Professional::Camhs,
        Professional::Paediatrician,
        Professional::SpeechAndLanguageTherapist,
        Professional::OccupationalTherapist,
        Professional::Physiotherapist,
    ]
    .into_iter()
    .any(involved)
    {
        attendees.push(Attendee::Health);
    }
    if [
        Professional::SocialCare,
        Professional::EarlyHelp,
        Professional::VirtualSchool,
    ]
    .into_iter()
    .any(involved)
    {
        attendees.push(Attendee::SocialCare);
    }
    attendees.push(Attendee::Sendiass);

    let mut agenda = vec![
        "This meeting is Leicestershire's illustrative next step: the council's published papers do not describe one, so it is offered here so that the reasons are clear and the support is agreed.".to_owned(),
        "Go through the reasons for not assessing, in plain words, and what evidence the panel weighed.".to_owned(),
        "Agree the SEN Support plan in your child's current setting: what will be done, by whom and by when, so that needs are met early and do not escalate.".to_owned(),
    ];
    if in_early_years(facts) {
        agenda.push(
            "Talk through the early years SEN Inclusion Fund (SENIF), which the setting can ask for to support lower-level or emerging needs.".to_owned(),
        );
    }
    if year_6 {
        agenda.push(
            "Plan the move to Year 7 with you and the secondary school, so that your child has a school place and support from the first day.".to_owned(),
        );
    }
    agenda.push(
        "Explain mediation and the right to appeal to the Tribunal, with the dates: the two-month deadline runs from the decision letter, and this meeting does not pause it.".to_owned(),
    );

    Ok(NextStepsPlan {
        meeting_required: true,
        within_working_days: if year_6 {
            YEAR_6_WITHIN_WORKING_DAYS
        } else {
            WITHIN_WORKING_DAYS
        },
        attendees,
        venue: Venue::Setting,
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
    fn involved_professionals_are_invited() {
        let facts = FactsBuilder::new(date(2025, 5, 6))
            .professional(
                Professional::EducationalPsychologist,
                date(2025, 1, 6),
                None,
                &["doc-ep"],
            )
            .professional(Professional::Camhs, date(2025, 1, 6), None, &["doc-camhs"])
            .build();
        let plan = plan(&facts).ok();
        let attendees = plan.map(|p| p.attendees).unwrap_or_default();
        assert!(attendees.contains(&Attendee::EducationalPsychologist));
        assert!(attendees.contains(&Attendee::Health));
        assert!(!attendees.contains(&Attendee::SocialCare));
        assert!(attendees.contains(&Attendee::Sendiass));
    }

    #[test]
    fn year_6_is_sooner_and_talks_about_year_7() {
        let facts = FactsBuilder::new(date(2025, 5, 6)).age(10, 8, 6).build();
        let plan = plan(&facts).ok();
        assert_eq!(
            plan.as_ref().map(|p| p.within_working_days),
            Some(YEAR_6_WITHIN_WORKING_DAYS)
        );
        assert!(
            plan.as_ref()
                .is_some_and(|p| p.agenda.iter().any(|a| a.contains("Year 7")))
        );
    }
}
