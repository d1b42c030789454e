//! The draft and final EHC plan (SEND Regulations 2014 reg. 13; CFA s.44(1)). Serving
//! the draft gives the family at least 15 days, beginning with the day it was served,
//! to make representations and ask for a school (reg. 13(1)); the final plan is due
//! within 20 weeks of the request (reg. 13(2)), and each plan must then be reviewed
//! within every 12 months starting with its issue (CFA s.44(1)).

use chrono::NaiveDate;
use serde::Deserialize;

use super::{WorkflowError, set_deadline};
use crate::clock::limits;
use crate::domain::{
    CaseId, CaseStage, Deadline, DeadlineId, DeadlineKind, DeadlineStatus, UserId,
};
use crate::events::{self, CaseEvent};
use crate::store::{AuthorityScope, Database, NewEvent, Tx};
use crate::time::Clock;

/// The draft plan served on the family, as a caseworker records it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServeDraftPlan {
    /// The day the draft was served: day 1 of the 15 for representations.
    pub served_on: NaiveDate,
}

/// The final plan issued, as a caseworker records it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssueFinalPlan {
    /// The day the final plan was issued: the first of the 12 months before review.
    pub issued_on: NaiveDate,
}

/// What issuing the final plan did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FinalPlanIssued {
    /// The case's new stage, `PlanIssued`.
    pub stage: CaseStage,
    /// Whether it was issued within the 20 weeks of reg. 13(2). A late plan still
    /// settles the limit (the step was taken); this says whether it was on time.
    pub within_twenty_weeks: bool,
    /// The first annual review's limit (CFA s.44(1)).
    pub annual_review: Deadline,
}

/// The day the authority decided to issue, from the event log (the day decided, not
/// the day recorded).
fn decided_to_issue(
    tx: &mut Tx<'_>,
    scope: &AuthorityScope,
    case: CaseId,
) -> Result<Option<NaiveDate>, WorkflowError> {
    Ok(super::CaseState::load(tx, scope, case)?.decided_to_issue_on)
}

/// The representations limit already set on the case, if the draft was served.
fn representations(
    tx: &mut Tx<'_>,
    scope: &AuthorityScope,
    case: CaseId,
) -> Result<Option<Deadline>, WorkflowError> {
    Ok(tx
        .list_deadlines(scope, case)?
        .into_iter()
        .find(|d| d.kind == DeadlineKind::RepresentationsDue))
}

/// The day a draft was served, from its representations limit.
fn served_on(representations: &Deadline) -> Result<NaiveDate, WorkflowError> {
    limits::REPRESENTATIONS_DUE
        .anchor_of(representations.due_on)
        .map_err(|e| WorkflowError::invalid("served_on", e.to_string()))
}

/// Records the draft served: sets the representations limit, the last of 15 days
/// beginning with `served_on` (reg. 13(1)), with `DraftPlanServed` and `DeadlineSet`, in
/// one transaction. Refused, changing nothing, unless the case is at `DraftPlan`, when
/// the draft was already served, or when `served_on` is in the future or before the
/// decision to issue.
pub fn serve_draft_plan(
    db: &Database,
    scope: &AuthorityScope,
    case_id: CaseId,
    command: &ServeDraftPlan,
    actor: UserId,
    clock: &dyn Clock,
) -> Result<Deadline, WorkflowError> {
    super::on_case(db, scope, case_id, |tx, case| {
        if case.stage != CaseStage::DraftPlan {
            return Err(WorkflowError::WrongStage {
                case: case_id,
                stage: case.stage,
                command: "serving the draft plan",
                allowed: "after the decision to issue a plan and before the final plan",
                last_change: None,
            });
        }
        if let Some(existing) = representations(tx, scope, case_id)? {
            return Err(WorkflowError::invalid(
                "served_on",
                format!(
                    "the draft was already served on {}; representations are due by {}",
                    served_on(&existing)?,
                    existing.due_on
                ),
            ));
        }
        let today = clock.today();
        if command.served_on > today {
            return Err(WorkflowError::invalid(
                "served_on",
                format!("cannot be in the future (today is {today})"),
            ));
        }
        if let Some(decided) = decided_to_issue(tx, scope, case_id)?
            && command.served_on < decided
        {
            return Err(WorkflowError::invalid(
                "served_on",
                format!("cannot be before the decision to issue ({decided})"),
            ));
        }
        let deadline = Deadline {
            id: DeadlineId::new(),
            authority_id: scope.authority().clone(),
            case_id,
            kind: DeadlineKind::RepresentationsDue,
            due_on: limits::REPRESENTATIONS_DUE
                .calendar_due(command.served_on, None)
                .map_err(|e| WorkflowError::invalid("served_on", e.to_string()))?,
            status: DeadlineStatus::Open,
            subject: None,
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
            event(CaseEvent::DraftPlanServed(events::DraftPlanServed {
                served_on: command.served_on,
                representations_by: deadline.due_on,
            })),
        )?;
        set_deadline(tx, scope, &deadline, Some(actor), now)?;
        Ok(deadline)
    })
}

/// Records the final plan issued, in one transaction: marks the 20-week limit met (on
/// time or late, reported as `within_twenty_weeks`; a disapplied limit stays
/// disapplied) and the representations period settled, moves the case to `PlanIssued`
/// and sets the first annual review, the last day of the 12 months starting with
/// `issued_on` (CFA s.44(1)). The family may respond before their 15 days are up, so
/// the plan may be issued sooner; refused, changing nothing, unless the case is at
/// `DraftPlan` with the draft served, or when `issued_on` is in the future or before
/// the draft was served.
pub fn issue_final_plan(
    db: &Database,
    scope: &AuthorityScope,
    case_id: CaseId,
    command: &IssueFinalPlan,
    actor: UserId,
    clock: &dyn Clock,
) -> Result<FinalPlanIssued, WorkflowError> {
    super::on_case(db, scope, case_id, |tx, case| {
        if case.stage != CaseStage::DraftPlan {
            return Err(WorkflowError::WrongStage {
                case: case_id,
                stage: case.stage,
                command: "issuing the final plan",
                allowed: "once the draft plan has been served",
                last_change: None,
            });
        }
        let Some(draft) = representations(tx, scope, case_id)? else {
            return Err(WorkflowError::invalid(
                "issued_on",
                "the draft plan has not been served; the family must first have it and at least 15 days to respond (SEND Regulations 2014 reg. 13(1))",
            ));
        };
        let today = clock.today();
        if command.issued_on > today {
            return Err(WorkflowError::invalid(
                "issued_on",
                format!("cannot be in the future (today is {today})"),
            ));
        }
        let served = served_on(&draft)?;
        if command.issued_on < served {
            return Err(WorkflowError::invalid(
                "issued_on",
                format!("cannot be before the draft was served ({served})"),
            ));
        }
        let due = tx
            .list_deadlines(scope, case_id)?
            .into_iter()
            .find(|d| d.kind == DeadlineKind::FinalPlan)
            .map(|d| d.due_on);
        let within_twenty_weeks = due.is_none_or(|due| command.issued_on <= due);
        let annual_review = Deadline {
            id: DeadlineId::new(),
            authority_id: scope.authority().clone(),
            case_id,
            kind: DeadlineKind::AnnualReview,
            due_on: limits::ANNUAL_REVIEW
                .calendar_due(command.issued_on, None)
                .map_err(|e| WorkflowError::invalid("issued_on", e.to_string()))?,
            status: DeadlineStatus::Open,
            subject: None,
        };
        let stage = CaseStage::PlanIssued;
        let now = clock.now();
        tx.set_deadline_status(scope, case_id, DeadlineKind::FinalPlan, DeadlineStatus::Met)?;
        tx.set_deadline_status(
            scope,
            case_id,
            DeadlineKind::RepresentationsDue,
            DeadlineStatus::Met,
        )?;
        tx.set_case_stage(scope, case_id, stage)?;
        let event = |fact| NewEvent {
            case_id: Some(case_id),
            fact,
            actor: Some(actor),
            occurred_at: now,
        };
        tx.append_event(
            scope,
            event(CaseEvent::FinalPlanIssued(events::FinalPlanIssued {
                issued_on: command.issued_on,
                due_on: due,
                within_twenty_weeks,
            })),
        )?;
        set_deadline(tx, scope, &annual_review, Some(actor), now)?;
        Ok(FinalPlanIssued {
            stage,
            within_twenty_weeks,
            annual_review,
        })
    })
}
