//! Torbay's Next Steps meeting, offered after every refusal to assess since September
//! 2022 (L123, L487, L558–560). The limit of 20 working days and the attendee rules are
//! illustrative: the papers say who is involved in general terms only.

use sendpanel_plugin::prelude::*;

/// Working days from the refusal within which the meeting is held (illustrative).
pub const WITHIN_WORKING_DAYS: u16 = 20;

pub fn plan(facts: &RequestFacts) -> NextStepsPlan {
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
    ]
    .into_iter()
    .any(involved)
    {
        attendees.push(Attendee::Health);
    }
    if [Professional::SocialCare, Professional::EarlyHelp]
        .into_iter()
        .any(involved)
    {
        attendees.push(Attendee::SocialCare);
    }
    attendees.push(Attendee::Sendiass);
    NextStepsPlan {
        meeting_required: true,
        within_working_days: WITHIN_WORKING_DAYS,
        attendees,
        venue: Venue::FamilyChoice,
        agenda: vec![
            "Explain the panel's reasons for not assessing, in plain words".to_owned(),
            "Look at the SEN support plan and what the graduated response has tried".to_owned(),
            "Agree a plan of support without an EHC plan, and who does what by when".to_owned(),
            "Explain mediation and the right to appeal, with the dates".to_owned(),
        ],
        outcomes_recorded: vec![
            MeetingOutcome::MovedToAssessment,
            MeetingOutcome::MediationOrFurtherContact,
            MeetingOutcome::NoFurtherAction,
            MeetingOutcome::Section19Action,
            MeetingOutcome::NewRequestPending,
            MeetingOutcome::AppealPending,
        ],
    }
}
