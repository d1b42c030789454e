//! Advice during an EHC needs assessment (SEND Regulations 2014 reg. 6(1), 8(1)). Each
//! request for advice runs its own 6-week limit from the day it was made, so several may
//! be open at once, even from the same source; advice arriving settles the oldest open
//! one for its source, leaving the others to run.

use chrono::NaiveDate;
use serde::Deserialize;

use super::{WorkflowError, set_deadline};
use crate::clock::limits;
use crate::domain::{
    AdviceSource, CaseId, CaseStage, Deadline, DeadlineId, DeadlineKind, DeadlineStatus, UserId,
};
use crate::events::{self, CaseEvent};
use crate::store::{AuthorityScope, Database, NewEvent, Tx};
use crate::time::Clock;

/// A request for advice, as a caseworker records it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestAdvice {
    /// Whom the advice was asked of (reg. 6(1)).
    pub from: AdviceSource,
    /// The day it was asked: the 6 weeks of reg. 8(1) count from it.
    pub requested_on: NaiveDate,
}

/// Advice that arrived, as a caseworker records it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordAdviceReceived {
    /// Who gave it: settles the oldest open request to that source.
    pub from: AdviceSource,
    /// The day it arrived.
    pub received_on: NaiveDate,
}

/// What recording the advice settled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdviceReceived {
    /// The request's limit, now met.
    pub deadline: Deadline,
    /// Whether it came within the 6 weeks of reg. 8(1).
    pub within_six_weeks: bool,
}

/// The day the case entered assessment, from its events (the day decided, not the day
/// recorded). `None` if the log names none.
pub(super) fn assessment_began(
    tx: &mut Tx<'_>,
    scope: &AuthorityScope,
    case: CaseId,
) -> Result<Option<NaiveDate>, WorkflowError> {
    Ok(super::CaseState::load(tx, scope, case)?.assessment_began)
}

/// Records a request for advice and starts its own 6-week limit (reg. 8(1)), with an
/// `AdviceRequested` and a `DeadlineSet` event, in one transaction. Refused, changing
/// nothing, unless the case is being assessed, or when `requested_on` is in the future
/// or before the assessment began.
pub fn request_advice(
    db: &Database,
    scope: &AuthorityScope,
    case_id: CaseId,
    command: &RequestAdvice,
    actor: UserId,
    clock: &dyn Clock,
) -> Result<Deadline, WorkflowError> {
    super::on_case(db, scope, case_id, |tx, case| {
        if case.stage != CaseStage::Assessing {
            return Err(WorkflowError::WrongStage {
                case: case_id,
                stage: case.stage,
                command: "a request for advice",
                allowed: "while the case is being assessed",
                last_change: None,
            });
        }
        let today = clock.today();
        if command.requested_on > today {
            return Err(WorkflowError::invalid(
                "requested_on",
                format!("cannot be in the future (today is {today})"),
            ));
        }
        if let Some(began) = assessment_began(tx, scope, case_id)?
            && command.requested_on < began
        {
            return Err(WorkflowError::invalid(
                "requested_on",
                format!("cannot be before the decision to assess ({began})"),
            ));
        }
        let deadline = Deadline {
            id: DeadlineId::new(),
            authority_id: scope.authority().clone(),
            case_id,
            kind: DeadlineKind::AdviceDue,
            due_on: limits::ADVICE_DUE
                .calendar_due(command.requested_on, None)
                .map_err(|e| WorkflowError::invalid("requested_on", e.to_string()))?,
            status: DeadlineStatus::Open,
            subject: Some(command.from.to_string()),
        };
        let now = clock.now();
        let event = |fact| NewEvent {
            case_id: Some(case_id),
            fact,
            actor: Some(actor),
            occurred_at: now,
        };
        tx.append_event(
            scope,
            event(CaseEvent::AdviceRequested(events::AdviceRequested {
                deadline: deadline.id,
                from: command.from,
                requested_on: command.requested_on,
            })),
        )?;
        set_deadline(tx, scope, &deadline, Some(actor), now)?;
        Ok(deadline)
    })
}

/// Marks the oldest open advice limit for the source met and appends `AdviceReceived`,
/// in one transaction. Advice may arrive after the case has moved on (late advice still
/// settles its request), so the stage is not checked; refused, changing nothing, when no
/// request to that source is open, or when `received_on` is in the future or before the
/// request was made.
pub fn record_advice_received(
    db: &Database,
    scope: &AuthorityScope,
    case_id: CaseId,
    command: &RecordAdviceReceived,
    actor: UserId,
    clock: &dyn Clock,
) -> Result<AdviceReceived, WorkflowError> {
    super::on_case(db, scope, case_id, |tx, _case| {
        // The case must be the caller's before anything about it is said.

        let subject = command.from.to_string();
        // Soonest due first, so the first open one is the oldest request.
        let Some(deadline) = tx.list_deadlines(scope, case_id)?.into_iter().find(|d| {
            d.kind == DeadlineKind::AdviceDue
                && d.status == DeadlineStatus::Open
                && d.subject.as_deref() == Some(subject.as_str())
        }) else {
            return Err(WorkflowError::invalid(
                "from",
                format!("no request for advice from {subject} is open on this case"),
            ));
        };
        let today = clock.today();
        if command.received_on > today {
            return Err(WorkflowError::invalid(
                "received_on",
                format!("cannot be in the future (today is {today})"),
            ));
        }
        let requested_on = limits::ADVICE_DUE
            .anchor_of(deadline.due_on)
            .unwrap_or(deadline.due_on);
        if command.received_on < requested_on {
            return Err(WorkflowError::invalid(
                "received_on",
                format!("cannot be before the advice was requested ({requested_on})"),
            ));
        }
        let within_six_weeks = command.received_on <= deadline.due_on;
        let now = clock.now();
        let changed = tx.set_deadline_status_by_id(scope, deadline.id, DeadlineStatus::Met)?;
        if changed == 0 {
            // Another writer settled the request since it was read: refuse the whole step.
            return Err(crate::store::StoreError::Conflict(format!(
                "the request for advice from {subject} is no longer open"
            ))
            .into());
        }
        tx.append_event(
            scope,
            NewEvent {
                case_id: Some(case_id),
                fact: CaseEvent::AdviceReceived(events::AdviceReceived {
                    deadline: deadline.id,
                    from: command.from,
                    received_on: command.received_on,
                    due_on: deadline.due_on,
                    within_six_weeks,
                }),
                actor: Some(actor),
                occurred_at: now,
            },
        )?;
        Ok(AdviceReceived {
            deadline: Deadline {
                status: DeadlineStatus::Met,
                ..deadline
            },
            within_six_weeks,
        })
    })
}
