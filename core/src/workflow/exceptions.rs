//! Claiming an exception to a time limit (SEND Regulations 2014 reg. 5(4), 8(2), 10(4),
//! 13(3)). The Regulations give no extension: the limit stops applying and the duty
//! falls back to "as soon as practicable". So a claim never moves a due date; it marks
//! the limit disapplied and keeps an evidence-backed record of why, which the family
//! was told of and reports are derived from.

use chrono::NaiveDate;
use serde::Deserialize;

use super::WorkflowError;
use crate::domain::{
    AdviceSource, CaseId, DeadlineException, DeadlineKind, DeadlineStatus, ExceptionId,
    ExceptionLimb, UserId,
};
use crate::events::{self, CaseEvent};
use crate::store::{AuthorityScope, Database, NewEvent};
use crate::time::Clock;

/// Reg. 5(4)(c), 8(2)(b) and 10(4)(d) need an absence of "a continuous period of not
/// less than 4 weeks", counted in whole days including the first and last.
const ABSENCE_DAYS: i64 = 28;

/// An exception as a caseworker claims it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimException {
    /// The limit to disapply.
    pub deadline: DeadlineKind,
    /// The reason, as the regulation for that limit lists it.
    pub limb: ExceptionLimb,
    /// What shows the limb applies, so the claim can be checked later.
    pub evidence: String,
    /// The first day the circumstance applied.
    pub applies_from: NaiveDate,
    /// The last day it applied (inclusive), when known.
    #[serde(default)]
    pub applies_to: Option<NaiveDate>,
    /// The day the family was told the limit no longer applies.
    pub family_told_on: NaiveDate,
    /// For `advice_due`, whose advice: several requests may run at once, and an
    /// exception (a missed appointment with the EP, say) applies to one of them only.
    #[serde(default)]
    pub subject: Option<AdviceSource>,
}

/// Checks the claim, then in one transaction records it, marks the limit disapplied
/// (its due date unchanged) and appends `ExceptionRecorded`. Refused, changing nothing,
/// when the regulation for that limit does not list the limb, when the limit is not
/// open on the case (a met or already-disapplied limit has nothing to disapply), when
/// the evidence is empty, when the dates do not hang together, or when the claimant is
/// not a user of the authority.
pub fn claim_exception(
    db: &Database,
    scope: &AuthorityScope,
    case_id: CaseId,
    command: &ClaimException,
    claimed_by: UserId,
    clock: &dyn Clock,
) -> Result<DeadlineException, WorkflowError> {
    super::on_case(db, scope, case_id, |tx, _case| {
        // The case must be the caller's before anything about it is said.

        let Some(citation) = command.limb.citation(command.deadline) else {
            let allowed: Vec<String> = ExceptionLimb::ALL
                .into_iter()
                .filter(|limb| limb.applies_to(command.deadline))
                .map(|limb| limb.to_string())
                .collect();
            let provision = match command.deadline {
                DeadlineKind::DecideWhetherToAssess => "SEND Regulations 2014 reg. 5(4)",
                DeadlineKind::AdviceDue => "SEND Regulations 2014 reg. 8(2)",
                DeadlineKind::DecideNotToIssue => "SEND Regulations 2014 reg. 10(4)",
                DeadlineKind::FinalPlan => "SEND Regulations 2014 reg. 13(3) and 10(4)",
                DeadlineKind::RepresentationsDue
                | DeadlineKind::AnnualReview
                | DeadlineKind::ReviewPapers
                | DeadlineKind::ReviewReport
                | DeadlineKind::ReviewDecision
                | DeadlineKind::AmendedPlan
                | DeadlineKind::PhaseTransfer
                | DeadlineKind::PlanTransfer
                | DeadlineKind::TransferNotice
                | DeadlineKind::Mediation
                | DeadlineKind::TribunalOrder => {
                    return Err(WorkflowError::invalid(
                        "limb",
                        format!(
                            "the Regulations provide no exceptions to {}; it cannot be disapplied",
                            command.deadline
                        ),
                    ));
                }
            };
            return Err(WorkflowError::invalid(
                "limb",
                format!(
                    "{} is not an exception to {} under {provision}, which lists only {}",
                    command.limb,
                    command.deadline,
                    allowed.join(", ")
                ),
            ));
        };
        let subject = match (command.deadline, command.subject) {
            (DeadlineKind::AdviceDue, None) => {
                return Err(WorkflowError::invalid(
                    "subject",
                    "must name whose advice the exception is for; each request for advice has its own limit",
                ));
            }
            (DeadlineKind::AdviceDue, Some(source)) => Some(source.to_string()),
            (_, Some(_)) => {
                return Err(WorkflowError::invalid(
                    "subject",
                    "applies only to advice_due: the other limits are one per case",
                ));
            }
            (_, None) => None,
        };
        let deadlines = tx.list_deadlines(scope, case_id)?;
        let of_kind: Vec<_> = deadlines
            .iter()
            .filter(|d| d.kind == command.deadline && (subject.is_none() || d.subject == subject))
            .collect();
        let Some(deadline) = of_kind.iter().find(|d| d.status == DeadlineStatus::Open) else {
            return Err(WorkflowError::invalid(
                "deadline",
                match of_kind.first() {
                    None => format!("the case has no {} limit to disapply", command.deadline),
                    Some(settled) => format!(
                        "the {} limit is already {}; only an open limit can be disapplied",
                        command.deadline, settled.status
                    ),
                },
            ));
        };
        let evidence = command.evidence.trim();
        if evidence.is_empty() {
            return Err(WorkflowError::invalid(
                "evidence",
                "must say what shows the exception applies, so the claim can be checked",
            ));
        }
        if let Some(to) = command.applies_to {
            if to < command.applies_from {
                return Err(WorkflowError::invalid(
                    "applies_to",
                    format!("cannot be before applies_from ({})", command.applies_from),
                ));
            }
            let days = (to - command.applies_from).num_days() + 1;
            if command.limb == ExceptionLimb::AbsenceFromArea && days < ABSENCE_DAYS {
                return Err(WorkflowError::invalid(
                    "applies_to",
                    format!(
                        "an absence from the area must last at least 4 continuous weeks ({citation}); {} to {to} is {days} days",
                        command.applies_from
                    ),
                ));
            }
        }
        let today = clock.today();
        if command.family_told_on > today {
            return Err(WorkflowError::invalid(
                "family_told_on",
                format!("cannot be in the future (today is {today})"),
            ));
        }
        if command.family_told_on < command.applies_from {
            return Err(WorkflowError::invalid(
                "family_told_on",
                format!(
                    "cannot be before the exception applied ({})",
                    command.applies_from
                ),
            ));
        }
        tx.get_user(scope, claimed_by).map_err(|_| {
            WorkflowError::invalid("claimed_by", "must be a user of this authority")
        })?;

        let now = clock.now();
        let exception = DeadlineException {
            id: ExceptionId::new(),
            authority_id: scope.authority().clone(),
            case_id,
            deadline_kind: command.deadline,
            limb: command.limb,
            evidence: evidence.to_owned(),
            applies_from: command.applies_from,
            applies_to: command.applies_to,
            claimed_by,
            claimed_at: now,
            family_told_on: command.family_told_on,
        };
        let due_on = deadline.due_on;
        tx.insert_exception(scope, &exception)?;
        // By id: only the one limit claimed, never its siblings of the same kind.
        let changed =
            tx.set_deadline_status_by_id(scope, deadline.id, DeadlineStatus::Disapplied)?;
        if changed == 0 {
            // Another writer settled the limit since it was read: refuse the whole claim.
            return Err(crate::store::StoreError::Conflict(format!(
                "the {} limit is no longer open",
                command.deadline
            ))
            .into());
        }
        tx.append_event(
            scope,
            NewEvent {
                case_id: Some(case_id),
                fact: CaseEvent::ExceptionRecorded(events::ExceptionRecorded {
                    exception: exception.id,
                    deadline: command.deadline,
                    subject,
                    due_on,
                    limb: command.limb,
                    citation: citation.to_owned(),
                    applies_from: command.applies_from,
                    applies_to: command.applies_to,
                    family_told_on: command.family_told_on,
                }),
                actor: Some(claimed_by),
                occurred_at: now,
            },
        )?;
        Ok(exception)
    })
}
