//! After a refusal to assess: the next-steps meeting and what came of it. Torbay counts
//! these outcomes (its papers, L558-560); a meeting never moves the family's
//! mediation or appeal deadlines, which run from the decision notice.

use chrono::NaiveDate;
use serde::Deserialize;

use super::execute::{CaseCommand, Context, limit_set};
use super::{CaseState, WorkflowError};
use crate::clock::limits;
use crate::domain::{CaseId, CaseStage, DeadlineKind, UserId};
use crate::events::{self, CaseEvent};
use crate::store::{AuthorityScope, Database};
use crate::time::Clock;

/// What the meeting led to, as the authority records it.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    serde::Serialize,
    Deserialize,
    strum::Display,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum NextStepsOutcome {
    /// The authority now agrees to assess: the case moves to assessment.
    MovedToAssessment,
    /// Awaiting a mediation application or further contact.
    MediationOrFurtherContact,
    /// Support agreed without an EHC plan; nothing further.
    NoFurtherAction,
    /// Action under Education Act 1996 s.19 (education otherwise than at school).
    Section19Action,
    /// A new request is expected.
    NewRequestPending,
    /// The family has appealed.
    AppealPending,
}

/// The meeting as the caseworker records it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordNextStepsOutcome {
    /// The day the meeting was held.
    pub met_on: NaiveDate,
    /// What it led to.
    pub outcome: NextStepsOutcome,
    /// A note of what was agreed, for the family and the file.
    pub notes: String,
}

/// A limit counted from the original request, as a fact: an assessment agreed at the
/// meeting still runs to the 16 and 20 weeks from the request (reg. 10(1), 13(2)).
fn from_request(kind: DeadlineKind, received_on: NaiveDate) -> Result<CaseEvent, WorkflowError> {
    let due_on = limits::of(kind)
        .calendar_due(received_on, None)
        .map_err(|e| WorkflowError::invalid("received_on", e.to_string()))?;
    Ok(limit_set(kind, due_on, None))
}

impl CaseCommand for RecordNextStepsOutcome {
    type Outcome = CaseStage;
    const STEP: super::Step = super::Step::NextStepsOutcome;

    /// What a meeting after a refusal led to, held on or after the refusal: "moved to
    /// assessment" moves the case and sets the 16- and 20-week limits from the original
    /// request (reg. 10(1), 13(2)); any other outcome leaves the case refused.
    fn decide(
        &self,
        state: &CaseState,
        ctx: &Context<'_>,
    ) -> Result<Vec<CaseEvent>, WorkflowError> {
        if state.stage() != CaseStage::AssessmentRefused {
            return Err(WorkflowError::WrongStage {
                case: ctx.case,
                stage: state.stage(),
                command: "a next-steps outcome",
                allowed: "after a refusal to assess",
                last_change: None,
            });
        }
        if self.met_on > ctx.today {
            return Err(WorkflowError::invalid("met_on", "cannot be in the future"));
        }
        if self.notes.trim().is_empty() {
            return Err(WorkflowError::invalid("notes", "must say what was agreed"));
        }
        crate::domain::text::free_text("notes", &self.notes)?;
        // The day of the refusal as decided (the fact keeps it; the decision's
        // `decided_at` is when it was recorded, which may be later).
        if state.last_decided_on.is_some_and(|day| self.met_on < day) {
            return Err(WorkflowError::invalid(
                "met_on",
                "cannot be before the refusal",
            ));
        }
        let mut facts = vec![CaseEvent::NextStepsOutcomeRecorded(
            events::NextStepsOutcomeRecorded {
                met_on: self.met_on,
                outcome: self.outcome,
                notes: self.notes.trim().to_owned(),
            },
        )];
        if self.outcome == NextStepsOutcome::MovedToAssessment {
            let received_on = state.received_on.ok_or_else(|| {
                WorkflowError::invalid("received_on", "the case has no request received")
            })?;
            facts.push(from_request(DeadlineKind::DecideNotToIssue, received_on)?);
            facts.push(from_request(DeadlineKind::FinalPlan, received_on)?);
        }
        Ok(facts)
    }

    fn outcome(
        &self,
        _facts: &[CaseEvent],
        after: &CaseState,
        _ctx: &Context<'_>,
    ) -> Result<CaseStage, WorkflowError> {
        Ok(after.stage())
    }
}

/// Records the outcome; "moved to assessment" also moves the case and sets the 16- and
/// 20-week limits, which still count from the original request (Reg 10(1), 13(2)).
/// Refused, changing nothing, unless the case was refused assessment, when the meeting
/// is in the future or before the refusal, or when the notes are empty.
pub fn record_next_steps_outcome(
    db: &Database,
    scope: &AuthorityScope,
    case_id: CaseId,
    command: &RecordNextStepsOutcome,
    actor: UserId,
    clock: &dyn Clock,
) -> Result<CaseStage, WorkflowError> {
    super::run_as(
        db,
        scope,
        case_id,
        command,
        actor,
        super::calendar_only(),
        clock,
    )
}

/// A next-steps meeting arranged with the family after a refusal to assess.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArrangeNextStepsMeeting {
    /// The day of the meeting.
    pub meets_on: NaiveDate,
    /// When it starts (local time), for the family's calendar entry.
    #[schema(value_type = String, pattern = "^[0-2][0-9]:[0-5][0-9]:[0-5][0-9](\\.[0-9]+)?$", examples("10:00:00"))]
    pub starts_at: chrono::NaiveTime,
    /// Where (a room, the school, online).
    pub location: String,
    /// Who the family will meet, by name and role, as the invitation lists them.
    pub with: Vec<String>,
}

impl CaseCommand for ArrangeNextStepsMeeting {
    type Outcome = ();
    const STEP: super::Step = super::Step::NextStepsMeeting;

    /// A meeting after a refusal to assess, today or later, with a place and the
    /// people the family will meet: the invitation lists them, so none may be missing.
    fn decide(
        &self,
        state: &CaseState,
        ctx: &Context<'_>,
    ) -> Result<Vec<CaseEvent>, WorkflowError> {
        if state.stage() != CaseStage::AssessmentRefused {
            return Err(WorkflowError::WrongStage {
                case: ctx.case,
                stage: state.stage(),
                command: "arranging a next-steps meeting",
                allowed: "after a refusal to assess",
                last_change: None,
            });
        }
        if self.meets_on < ctx.today {
            return Err(WorkflowError::invalid("meets_on", "cannot be in the past"));
        }
        let location = crate::domain::text::one_line("location", self.location.trim())?;
        if location.is_empty() {
            return Err(WorkflowError::invalid(
                "location",
                "must say where the family will meet",
            ));
        }
        let with: Vec<String> = self
            .with
            .iter()
            .map(|w| w.trim())
            .filter(|w| !w.is_empty())
            .map(|w| crate::domain::text::one_line("with", w).map(str::to_owned))
            .collect::<Result<_, _>>()?;
        if with.is_empty() {
            return Err(WorkflowError::invalid(
                "with",
                "must name who the family will meet",
            ));
        }
        Ok(vec![CaseEvent::NextStepsMeetingArranged(
            events::NextStepsMeetingArranged {
                meets_on: self.meets_on,
                starts_at: self.starts_at,
                location: location.to_owned(),
                with,
            },
        )])
    }

    fn outcome(
        &self,
        _facts: &[CaseEvent],
        _after: &CaseState,
        _ctx: &Context<'_>,
    ) -> Result<(), WorkflowError> {
        Ok(())
    }
}

/// Records the meeting with `NextStepsMeetingArranged`; the family's invitation (a
/// letter, and an e-mail with a calendar entry) is written in the same transaction by
/// the notifier. Refused, changing nothing, unless the case was refused assessment,
/// when the meeting is in the past, or when the place or the people are missing.
pub fn arrange_next_steps_meeting(
    db: &Database,
    scope: &AuthorityScope,
    case_id: CaseId,
    command: &ArrangeNextStepsMeeting,
    actor: UserId,
    clock: &dyn Clock,
) -> Result<(), WorkflowError> {
    super::run_as(
        db,
        scope,
        case_id,
        command,
        actor,
        super::calendar_only(),
        clock,
    )
}

#[cfg(test)]
mod tests {
    //! Given a refusal to assess, when a next-steps meeting is arranged or its outcome
    //! recorded, then the facts recorded or the refusal: no database.
    use chrono::NaiveTime;

    use super::super::given::*;
    use super::*;
    use crate::domain::{DecisionId, DecisionKind, DecisionOutcome, EventKind};

    fn decided(outcome: DecisionOutcome, on: NaiveDate) -> CaseEvent {
        CaseEvent::DecisionRecorded(events::DecisionRecorded {
            decision: DecisionId::new(),
            kind: DecisionKind::Assess,
            outcome,
            decided_on: on,
            within_six_weeks: Some(true),
            within_sixteen_weeks: None,
            departure_reason: None,
            mediation_contact_by: None,
            appeal_by: None,
            reasons: Some("Needs are met by the setting.".into()),
            agenda_item: None,
        })
    }

    /// A request received on 2 October and refused on 20 October.
    fn refused() -> Vec<CaseEvent> {
        vec![
            received(day(10, 2)),
            decided(DecisionOutcome::Refused, day(10, 20)),
        ]
    }

    fn met(outcome: NextStepsOutcome) -> RecordNextStepsOutcome {
        RecordNextStepsOutcome {
            met_on: day(11, 1),
            outcome,
            notes: "  Agreed to assess after new evidence.  ".into(),
        }
    }

    fn arrange() -> ArrangeNextStepsMeeting {
        ArrangeNextStepsMeeting {
            meets_on: day(12, 8),
            starts_at: NaiveTime::from_hms_opt(10, 30, 0).unwrap_or_default(),
            location: " Room 2, Town Hall ".into(),
            with: vec![" A. Smith, SEN officer ".into(), "   ".into()],
        }
    }

    fn set_of(facts: &[CaseEvent], kind: DeadlineKind) -> Option<NaiveDate> {
        facts.iter().find_map(|f| match f {
            CaseEvent::DeadlineSet(set) if set.kind == kind => Some(set.due_on),
            _ => None,
        })
    }

    #[test]
    fn a_meeting_that_moves_to_assessment_runs_the_sixteen_and_twenty_weeks_from_the_request() {
        let facts = when(&refused(), &met(NextStepsOutcome::MovedToAssessment)).unwrap_or_default();
        assert_eq!(
            kinds(&facts),
            [
                EventKind::NextStepsOutcomeRecorded,
                EventKind::DeadlineSet,
                EventKind::DeadlineSet
            ]
        );
        assert_eq!(
            set_of(&facts, DeadlineKind::DecideNotToIssue),
            NaiveDate::from_ymd_opt(2024, 1, 22)
        );
        assert_eq!(
            set_of(&facts, DeadlineKind::FinalPlan),
            NaiveDate::from_ymd_opt(2024, 2, 19)
        );
        let notes = facts.iter().find_map(|f| match f {
            CaseEvent::NextStepsOutcomeRecorded(m) => Some(m.notes.clone()),
            _ => None,
        });
        assert_eq!(
            notes.as_deref(),
            Some("Agreed to assess after new evidence.")
        );

        let after = given(&refused().into_iter().chain(facts).collect::<Vec<_>>());
        assert_eq!(after.stage(), CaseStage::Assessing);
        assert_eq!(after.assessment_began, Some(day(11, 1)));
    }

    #[test]
    fn any_other_outcome_leaves_the_case_refused_with_no_new_limits() {
        let facts = when(&refused(), &met(NextStepsOutcome::NoFurtherAction)).unwrap_or_default();
        assert_eq!(kinds(&facts), [EventKind::NextStepsOutcomeRecorded]);
        let after = given(&refused().into_iter().chain(facts).collect::<Vec<_>>());
        assert_eq!(after.stage(), CaseStage::AssessmentRefused);
    }

    #[test]
    fn a_next_steps_outcome_needs_a_refusal_to_assess() {
        let facts = [
            received(day(10, 2)),
            decided(DecisionOutcome::Agreed, day(10, 20)),
        ];
        let result = when(&facts, &met(NextStepsOutcome::NoFurtherAction));
        assert!(matches!(result, Err(WorkflowError::WrongStage { .. })));
    }

    #[test]
    fn a_next_steps_outcome_without_notes_is_refused() {
        let command = RecordNextStepsOutcome {
            notes: " ".into(),
            ..met(NextStepsOutcome::NoFurtherAction)
        };
        assert_eq!(refused_field(when(&refused(), &command)), "notes");
    }

    #[test]
    fn a_next_steps_meeting_held_before_the_refusal_is_refused() {
        let command = RecordNextStepsOutcome {
            met_on: day(10, 19),
            ..met(NextStepsOutcome::NoFurtherAction)
        };
        assert_eq!(refused_field(when(&refused(), &command)), "met_on");
    }

    #[test]
    fn arranging_a_meeting_invites_the_family_to_a_place_and_the_people_named() {
        let facts = when(&refused(), &arrange()).unwrap_or_default();
        assert_eq!(kinds(&facts), [EventKind::NextStepsMeetingArranged]);
        let arranged = facts.iter().find_map(|f| match f {
            CaseEvent::NextStepsMeetingArranged(m) => Some(m.clone()),
            _ => None,
        });
        assert_eq!(
            arranged.as_ref().map(|m| m.location.as_str()),
            Some("Room 2, Town Hall")
        );
        assert_eq!(
            arranged.map(|m| m.with),
            Some(vec!["A. Smith, SEN officer".to_owned()]),
            "names are trimmed and blank ones dropped"
        );
    }

    #[test]
    fn a_next_steps_meeting_needs_a_refusal_to_assess() {
        let result = when(&[received(day(10, 2))], &arrange());
        assert!(matches!(result, Err(WorkflowError::WrongStage { .. })));
    }

    #[test]
    fn a_next_steps_meeting_in_the_past_is_refused() {
        let command = ArrangeNextStepsMeeting {
            meets_on: day(11, 30),
            ..arrange()
        };
        assert_eq!(refused_field(when(&refused(), &command)), "meets_on");
    }

    #[test]
    fn a_next_steps_meeting_with_nobody_named_is_refused() {
        let command = ArrangeNextStepsMeeting {
            with: vec![" ".into()],
            ..arrange()
        };
        assert_eq!(refused_field(when(&refused(), &command)), "with");
    }
}
