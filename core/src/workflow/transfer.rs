//! A plan that moves: to the next phase of education within the authority (SEND
//! Regulations 2014 reg. 18), or with the child to another authority's area (reg. 15).
//!
//! A phase transfer has a fixed date in the year of transfer (15 February, or 31 March
//! from secondary to post-16) and no exception. A move out runs the old authority's
//! limit for sending the plan; a plan transferred in is treated as this authority's own
//! from the day of transfer (reg. 15(3)), with a 6-week notice to the family (reg.
//! 15(4)) and a first review by the later of the plan's 12 months and 3 months from the
//! transfer (reg. 15(5)).

use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use super::intake::{Intake, ReceiveRequest, Received, check_request, write_intake};
use super::{WorkflowError, not_future, open_limit, set_deadline};
use crate::clock::limits;
use crate::clock::{BankHolidays, ClockFacts, TransferKind};
use crate::domain::{Case, CaseId, CaseStage, Deadline, DeadlineKind, DeadlineStatus, UserId};
use crate::events::{self, CaseEvent};
use crate::store::{AuthorityScope, Database, NewEvent, Tx};
use crate::time::Clock;

/// How far ahead a phase transfer may be planned: a plan can run to 25, so a child of
/// five may have transfers twenty years away, but no further.
const PLANNING_YEARS: i32 = 20;

/// A coming phase transfer, as a caseworker records it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanPhaseTransfer {
    /// The calendar year in which the child moves on (the September start's year).
    pub transfer_year: i32,
    /// Between school phases, or from secondary school to post-16.
    pub transfer_kind: TransferKind,
}

/// The plan amended for the transfer, naming the next setting.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompletePhaseTransfer {
    /// The day the amended plan naming the next setting was issued.
    pub amended_on: NaiveDate,
    /// The school or college the amended plan names.
    pub next_setting: String,
}

/// What completing a phase transfer recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhaseTransferCompleted {
    /// The Reg 18 date.
    pub due_on: NaiveDate,
    /// Whether the amended plan was issued by it.
    pub on_time: bool,
}

/// The authority learned the child is moving to another authority's area.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifyMoveOut {
    /// The authority the child is moving to, as letters name it.
    pub to_authority: String,
    /// The day this authority became aware of the move.
    pub aware_on: NaiveDate,
    /// The day of the move.
    pub moves_on: NaiveDate,
}

/// The plan sent to the new authority.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferPlanOut {
    /// The day the plan was transferred.
    pub transferred_on: NaiveDate,
}

/// What transferring the plan out recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanTransferredOut {
    /// The Reg 15(2) limit.
    pub due_on: NaiveDate,
    /// Whether the plan went by it.
    pub on_time: bool,
}

/// A plan another authority maintained, transferred to this one because the child
/// moved here (reg. 15). The original request comes with it: this authority now holds
/// the case as if it had made the plan (reg. 15(3)(a)).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiveTransferredPlan {
    /// The request that led to the plan, as the old authority recorded it.
    pub original_request: ReceiveRequest,
    /// The authority that maintained the plan.
    pub from_authority: String,
    /// The day of the transfer.
    pub transferred_on: NaiveDate,
    /// The day the old authority issued the plan.
    pub plan_issued_on: NaiveDate,
    /// The day of its last review decision, if it was reviewed.
    #[serde(default)]
    pub last_reviewed_on: Option<NaiveDate>,
}

/// The family told of the transfer (reg. 15(4)).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendTransferNotice {
    /// The day the notice was sent.
    pub sent_on: NaiveDate,
    /// Whether the authority proposes to make an EHC needs assessment (reg. 15(4)(b)).
    pub will_assess: bool,
}

fn require_plan(case: &Case, command: &'static str) -> Result<(), WorkflowError> {
    if case.stage == CaseStage::PlanIssued {
        Ok(())
    } else {
        Err(WorkflowError::WrongStage {
            case: case.id,
            stage: case.stage,
            command,
            allowed: "while a final plan is maintained",
            last_change: None,
        })
    }
}

fn named(value: &str, field: &'static str, what: &str) -> Result<String, WorkflowError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(WorkflowError::invalid(field, format!("must name {what}")));
    }
    Ok(trimmed.to_owned())
}

/// The case's open limit of `kind`, if any.
fn open_of(
    tx: &mut Tx<'_>,
    scope: &AuthorityScope,
    case: CaseId,
    kind: DeadlineKind,
) -> Result<Option<Deadline>, WorkflowError> {
    Ok(tx
        .list_deadlines(scope, case)?
        .into_iter()
        .find(|d| d.kind == kind && d.status == DeadlineStatus::Open))
}

/// Records a coming phase transfer and sets its Reg 18 date (15 February of the year
/// of transfer; 31 March for secondary to post-16). Refused, changing nothing, unless
/// the case holds a plan, when a transfer is already planned and not completed, or when
/// the year is before this one or more than 20 years ahead.
pub fn plan_phase_transfer(
    db: &Database,
    scope: &AuthorityScope,
    case_id: CaseId,
    command: &PlanPhaseTransfer,
    actor: UserId,
    holidays: &BankHolidays,
    clock: &dyn Clock,
) -> Result<Deadline, WorkflowError> {
    super::on_case(db, scope, case_id, |tx, case| {
        require_plan(&case, "planning a phase transfer")?;
        let this_year = clock.today().year();
        let latest = this_year + PLANNING_YEARS;
        if !(this_year..=latest).contains(&command.transfer_year) {
            return Err(WorkflowError::invalid(
                "transfer_year",
                format!("must be from {this_year} to {latest}"),
            ));
        }
        if let Some(open) = open_of(tx, scope, case_id, DeadlineKind::PhaseTransfer)? {
            return Err(WorkflowError::invalid(
                "transfer_year",
                format!(
                    "a phase transfer is already planned, due by {}; complete it first",
                    open.due_on
                ),
            ));
        }
        let facts = ClockFacts {
            transfer: Some((command.transfer_year, command.transfer_kind)),
            ..ClockFacts::default()
        };
        let dates = facts
            .deadlines(holidays)
            .map_err(|e| WorkflowError::invalid("transfer_year", e.to_string()))?;
        let due_on = *dates
            .get("phase_transfer_by")
            .ok_or_else(|| WorkflowError::invalid("transfer_year", "the clock gave no date"))?;
        let deadline = open_limit(scope, case_id, DeadlineKind::PhaseTransfer, due_on, None);
        let now = clock.now();
        tx.append_event(
            scope,
            NewEvent {
                case_id: Some(case_id),
                fact: CaseEvent::PhaseTransferPlanned(events::PhaseTransferPlanned {
                    transfer_year: command.transfer_year,
                    transfer_kind: command.transfer_kind,
                    due_on,
                }),
                actor: Some(actor),
                occurred_at: now,
            },
        )?;
        set_deadline(tx, scope, &deadline, Some(actor), now)?;
        Ok(deadline)
    })
}

/// Records the plan amended for a planned phase transfer, naming the next setting, and
/// marks the Reg 18 limit met (on time or late, as the dates say: Reg 18 has no
/// exception). Refused, changing nothing, when no transfer is planned, the day is in
/// the future, or no setting is named.
pub fn complete_phase_transfer(
    db: &Database,
    scope: &AuthorityScope,
    case_id: CaseId,
    command: &CompletePhaseTransfer,
    actor: UserId,
    clock: &dyn Clock,
) -> Result<PhaseTransferCompleted, WorkflowError> {
    super::on_case(db, scope, case_id, |tx, case| {
        require_plan(&case, "completing a phase transfer")?;
        not_future(command.amended_on, "amended_on", clock)?;
        let setting = named(
            &command.next_setting,
            "next_setting",
            "the next school or college",
        )?;
        let Some(open) = open_of(tx, scope, case_id, DeadlineKind::PhaseTransfer)? else {
            return Err(WorkflowError::invalid(
                "amended_on",
                "no phase transfer is planned on this case",
            ));
        };
        let on_time = command.amended_on <= open.due_on;
        let now = clock.now();
        tx.set_deadline_status_by_id(scope, open.id, DeadlineStatus::Met)?;
        tx.append_event(
            scope,
            NewEvent {
                case_id: Some(case_id),
                fact: CaseEvent::PhaseTransferCompleted(events::PhaseTransferCompleted {
                    amended_on: command.amended_on,
                    next_setting: setting,
                    due_on: open.due_on,
                    on_time,
                }),
                actor: Some(actor),
                occurred_at: now,
            },
        )?;
        Ok(PhaseTransferCompleted {
            due_on: open.due_on,
            on_time,
        })
    })
}

/// Records that the child is moving to another authority's area and sets the Reg 15(2)
/// limit: the day of the move when the authority knew at least 15 working days before
/// it, else the 15th working day beginning with the day it became aware (the later of
/// the two). Refused, changing nothing, unless the case holds a plan, when a move is
/// already recorded, or when the authority "became aware" in the future.
pub fn notify_move_out(
    db: &Database,
    scope: &AuthorityScope,
    case_id: CaseId,
    command: &NotifyMoveOut,
    actor: UserId,
    holidays: &BankHolidays,
    clock: &dyn Clock,
) -> Result<Deadline, WorkflowError> {
    super::on_case(db, scope, case_id, |tx, case| {
        require_plan(&case, "recording a move out of the area")?;
        not_future(command.aware_on, "aware_on", clock)?;
        let to = named(&command.to_authority, "to_authority", "the new authority")?;
        if let Some(open) = open_of(tx, scope, case_id, DeadlineKind::PlanTransfer)? {
            return Err(WorkflowError::invalid(
                "moves_on",
                format!(
                    "a move is already recorded; the plan is due to transfer by {}",
                    open.due_on
                ),
            ));
        }
        let due_on = limits::PLAN_TRANSFER
            .due(command.aware_on, Some(command.moves_on), holidays)
            .map_err(|e| WorkflowError::invalid("aware_on", e.to_string()))?;
        let deadline = open_limit(scope, case_id, DeadlineKind::PlanTransfer, due_on, None);
        let now = clock.now();
        tx.append_event(
            scope,
            NewEvent {
                case_id: Some(case_id),
                fact: CaseEvent::MoveOutNotified(events::MoveOutNotified {
                    to_authority: to,
                    aware_on: command.aware_on,
                    moves_on: command.moves_on,
                    due_on,
                }),
                actor: Some(actor),
                occurred_at: now,
            },
        )?;
        set_deadline(tx, scope, &deadline, Some(actor), now)?;
        Ok(deadline)
    })
}

/// Records the plan transferred to the new authority: marks the Reg 15(2) limit met and
/// closes this authority's case (the new authority maintains the plan from now, reg.
/// 15(3)). Refused, changing nothing, when no move is recorded or the day is in the
/// future.
pub fn transfer_plan_out(
    db: &Database,
    scope: &AuthorityScope,
    case_id: CaseId,
    command: &TransferPlanOut,
    actor: UserId,
    clock: &dyn Clock,
) -> Result<PlanTransferredOut, WorkflowError> {
    super::on_case(db, scope, case_id, |tx, case| {
        require_plan(&case, "transferring the plan out")?;
        not_future(command.transferred_on, "transferred_on", clock)?;
        let Some(open) = open_of(tx, scope, case_id, DeadlineKind::PlanTransfer)? else {
            return Err(WorkflowError::invalid(
                "transferred_on",
                "no move out of the area is recorded on this case",
            ));
        };
        let on_time = command.transferred_on <= open.due_on;
        let now = clock.now();
        tx.set_deadline_status_by_id(scope, open.id, DeadlineStatus::Met)?;
        tx.set_case_stage(scope, case_id, CaseStage::Closed)?;
        tx.append_event(
            scope,
            NewEvent {
                case_id: Some(case_id),
                fact: CaseEvent::PlanTransferredOut(events::PlanTransferredOut {
                    transferred_on: command.transferred_on,
                    due_on: open.due_on,
                    on_time,
                }),
                actor: Some(actor),
                occurred_at: now,
            },
        )?;
        Ok(PlanTransferredOut {
            due_on: open.due_on,
            on_time,
        })
    })
}

/// Opens a case for a plan transferred in (reg. 15), at `PlanIssued`, with the family's
/// notice due within 6 weeks of the transfer (reg. 15(4)) and the first review by the
/// later of the last day of the 12 months beginning with the plan's issue or last
/// review, and 3 months from the transfer (reg. 15(5)), in one transaction. The request
/// is checked as at intake. Refused, changing nothing, when the dates are out of order
/// (request, issue, last review, transfer) or the transfer is in the future.
pub fn receive_transferred_plan(
    db: &Database,
    scope: &AuthorityScope,
    command: &ReceiveTransferredPlan,
    actor: Option<UserId>,
    clock: &dyn Clock,
) -> Result<Received, WorkflowError> {
    not_future(command.transferred_on, "transferred_on", clock)?;
    let from = named(
        &command.from_authority,
        "from_authority",
        "the old authority",
    )?;
    super::intake::new_case(db, |tx| {
        let intake: Intake = check_request(tx, scope, &command.original_request, clock)?;
        if command.plan_issued_on < intake.request.received_on {
            return Err(WorkflowError::invalid(
                "plan_issued_on",
                "cannot be before the request was received",
            ));
        }
        if command.plan_issued_on > command.transferred_on {
            return Err(WorkflowError::invalid(
                "plan_issued_on",
                "cannot be after the transfer",
            ));
        }
        if let Some(reviewed) = command.last_reviewed_on
            && !(command.plan_issued_on..=command.transferred_on).contains(&reviewed)
        {
            return Err(WorkflowError::invalid(
                "last_reviewed_on",
                "must fall between the plan's issue and the transfer",
            ));
        }
        let bad =
            |e: crate::clock::ClockError| WorkflowError::invalid("transferred_on", e.to_string());
        let start = command.last_reviewed_on.unwrap_or(command.plan_issued_on);
        let review_by = limits::ANNUAL_REVIEW
            .calendar_due(start, Some(command.transferred_on))
            .map_err(bad)?;
        let notice_by = limits::TRANSFER_NOTICE
            .calendar_due(command.transferred_on, None)
            .map_err(bad)?;
        let now = intake.request.logged_at;
        let case = Case {
            id: CaseId::new(),
            authority_id: scope.authority().clone(),
            child_id: intake.child.id,
            request_id: intake.request.id,
            stage: CaseStage::PlanIssued,
            opened_at: now,
        };
        let deadlines = vec![
            open_limit(
                scope,
                case.id,
                DeadlineKind::TransferNotice,
                notice_by,
                None,
            ),
            open_limit(scope, case.id, DeadlineKind::AnnualReview, review_by, None),
        ];
        write_intake(tx, scope, &intake, &case, actor)?;
        tx.append_event(
            scope,
            NewEvent {
                case_id: Some(case.id),
                fact: CaseEvent::PlanTransferredIn(events::PlanTransferredIn {
                    from_authority: from.clone(),
                    transferred_on: command.transferred_on,
                    // The plan counts as made on its original day (reg. 15(3)(a)); the
                    // annual review reads it under the same key as a plan issued here.
                    issued_on: command.plan_issued_on,
                    last_reviewed_on: command.last_reviewed_on,
                    notice_by,
                    review_by,
                }),
                actor,
                occurred_at: now,
            },
        )?;
        for deadline in &deadlines {
            set_deadline(tx, scope, deadline, actor, now)?;
        }
        Ok(Received { case, deadlines })
    })
}

/// Records the Reg 15(4) notice to the family and marks its limit met. Refused, changing
/// nothing, when the case has no open notice limit (it was not transferred in, or the
/// notice was already sent) or the day is in the future.
pub fn send_transfer_notice(
    db: &Database,
    scope: &AuthorityScope,
    case_id: CaseId,
    command: &SendTransferNotice,
    actor: UserId,
    clock: &dyn Clock,
) -> Result<bool, WorkflowError> {
    super::on_case(db, scope, case_id, |tx, case| {
        require_plan(&case, "the notice of a transferred plan")?;
        not_future(command.sent_on, "sent_on", clock)?;
        let Some(open) = open_of(tx, scope, case_id, DeadlineKind::TransferNotice)? else {
            return Err(WorkflowError::invalid(
                "sent_on",
                "this case has no transferred plan awaiting its notice",
            ));
        };
        let on_time = command.sent_on <= open.due_on;
        let review_by = open_of(tx, scope, case_id, DeadlineKind::AnnualReview)?.map(|d| d.due_on);
        let now = clock.now();
        tx.set_deadline_status_by_id(scope, open.id, DeadlineStatus::Met)?;
        tx.append_event(
            scope,
            NewEvent {
                case_id: Some(case_id),
                fact: CaseEvent::TransferNoticeSent(events::TransferNoticeSent {
                    sent_on: command.sent_on,
                    will_assess: command.will_assess,
                    review_by,
                    due_on: open.due_on,
                    on_time,
                }),
                actor: Some(actor),
                occurred_at: now,
            },
        )?;
        Ok(on_time)
    })
}
