//! After a refusal to assess: the next-steps meeting and what came of it. Torbay counts
//! these outcomes (its papers, L558-560); a meeting never moves the family's
//! mediation or appeal deadlines, which run from the decision notice.

use chrono::NaiveDate;
use serde::Deserialize;

use super::intake::statutory_deadline;
use super::{WorkflowError, set_deadline};
use crate::domain::{CaseId, CaseStage, DeadlineKind, UserId};
use crate::events::{self, CaseEvent};
use crate::store::{AuthorityScope, Database, NewEvent};
use crate::time::Clock;

/// What the meeting led to, as the authority records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, Deserialize, strum::Display)]
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
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordNextStepsOutcome {
    /// The day the meeting was held.
    pub met_on: NaiveDate,
    /// What it led to.
    pub outcome: NextStepsOutcome,
    /// A note of what was agreed, for the family and the file.
    pub notes: String,
}

/// Records the outcome; "moved to assessment" also moves the case and sets the 16- and
/// 20-week limits, which still count from the original request (Reg 10(1), 13(2)).
pub fn record_next_steps_outcome(
    db: &Database,
    scope: &AuthorityScope,
    case_id: CaseId,
    command: &RecordNextStepsOutcome,
    actor: UserId,
    clock: &dyn Clock,
) -> Result<CaseStage, WorkflowError> {
    super::on_case(db, scope, case_id, |tx, case| {
        if case.stage != CaseStage::AssessmentRefused {
            return Err(WorkflowError::WrongStage {
                case: case_id,
                stage: case.stage,
                command: "a next-steps outcome",
                allowed: "after a refusal to assess",
                last_change: None,
            });
        }
        if command.met_on > clock.today() {
            return Err(WorkflowError::invalid("met_on", "cannot be in the future"));
        }
        if command.notes.trim().is_empty() {
            return Err(WorkflowError::invalid("notes", "must say what was agreed"));
        }
        let request = tx.get_request(scope, case.request_id)?;
        // The day of the refusal as decided (the event keeps it; `decided_at` is when it
        // was recorded, which may be later).
        let refused_on = super::CaseState::load(tx, scope, case_id)?.last_decided_on;
        if refused_on.is_some_and(|day| command.met_on < day) {
            return Err(WorkflowError::invalid(
                "met_on",
                "cannot be before the refusal",
            ));
        }
        let stage = match command.outcome {
            NextStepsOutcome::MovedToAssessment => CaseStage::Assessing,
            _ => CaseStage::AssessmentRefused,
        };
        let later = match command.outcome {
            NextStepsOutcome::MovedToAssessment => vec![
                statutory_deadline(
                    scope,
                    case_id,
                    DeadlineKind::DecideNotToIssue,
                    request.received_on,
                )?,
                statutory_deadline(scope, case_id, DeadlineKind::FinalPlan, request.received_on)?,
            ],
            _ => Vec::new(),
        };
        let now = clock.now();
        tx.append_event(
            scope,
            NewEvent {
                case_id: Some(case_id),
                fact: CaseEvent::NextStepsOutcomeRecorded(events::NextStepsOutcomeRecorded {
                    met_on: command.met_on,
                    outcome: command.outcome,
                    notes: command.notes.trim().to_owned(),
                }),
                actor: Some(actor),
                occurred_at: now,
            },
        )?;
        if stage != case.stage {
            tx.set_case_stage(scope, case_id, stage)?;
        }
        for deadline in &later {
            set_deadline(tx, scope, deadline, Some(actor), now)?;
        }
        Ok(stage)
    })
}

/// A next-steps meeting arranged with the family after a refusal to assess.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArrangeNextStepsMeeting {
    /// The day of the meeting.
    pub meets_on: NaiveDate,
    /// When it starts (local time), for the family's calendar entry.
    pub starts_at: chrono::NaiveTime,
    /// Where (a room, the school, online).
    pub location: String,
    /// Who the family will meet, by name and role, as the invitation lists them.
    pub with: Vec<String>,
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
    super::on_case(db, scope, case_id, |tx, case| {
        if case.stage != CaseStage::AssessmentRefused {
            return Err(WorkflowError::WrongStage {
                case: case_id,
                stage: case.stage,
                command: "arranging a next-steps meeting",
                allowed: "after a refusal to assess",
                last_change: None,
            });
        }
        if command.meets_on < clock.today() {
            return Err(WorkflowError::invalid("meets_on", "cannot be in the past"));
        }
        let location = command.location.trim();
        if location.is_empty() {
            return Err(WorkflowError::invalid(
                "location",
                "must say where the family will meet",
            ));
        }
        let with: Vec<&str> = command
            .with
            .iter()
            .map(|w| w.trim())
            .filter(|w| !w.is_empty())
            .collect();
        if with.is_empty() {
            return Err(WorkflowError::invalid(
                "with",
                "must name who the family will meet",
            ));
        }
        let now = clock.now();
        tx.append_event(
            scope,
            NewEvent {
                case_id: Some(case_id),
                fact: CaseEvent::NextStepsMeetingArranged(events::NextStepsMeetingArranged {
                    meets_on: command.meets_on,
                    starts_at: command.starts_at,
                    location: location.to_owned(),
                    with: with.into_iter().map(str::to_owned).collect(),
                }),
                actor: Some(actor),
                occurred_at: now,
            },
        )?;
        Ok(())
    })
}
