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

use super::execute::{CaseCommand, Context, limit_set, the, the_set_limit};
use super::intake::{Intake, ReceiveRequest, Received, check_request, write_intake};
use super::not_after_today;
use super::{CaseState, WorkflowError, not_future, open_limit, set_deadline};
use crate::clock::limits;
use crate::clock::{BankHolidays, ClockFacts, TransferKind};
use crate::domain::{Case, CaseId, CaseStage, Deadline, DeadlineKind, UserId};
use crate::events::{self, CaseEvent};
use crate::store::{AuthorityScope, Database, NewEvent};
use crate::time::Clock;

/// How far ahead a phase transfer may be planned: a plan can run to 25, so a child of
/// five may have transfers twenty years away, but no further.
const PLANNING_YEARS: i32 = 20;

/// A coming phase transfer, as a caseworker records it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanPhaseTransfer {
    /// The calendar year in which the child moves on (the September start's year).
    pub transfer_year: i32,
    /// Between school phases, or from secondary school to post-16.
    pub transfer_kind: TransferKind,
}

/// The plan amended for the transfer, naming the next setting.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
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
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
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
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
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
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
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
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendTransferNotice {
    /// The day the notice was sent.
    pub sent_on: NaiveDate,
    /// Whether the authority proposes to make an EHC needs assessment (reg. 15(4)(b)).
    pub will_assess: bool,
}

/// Refuses a command that needs a maintained plan unless the case holds one: a plan
/// moves (reg. 15, 18) only while it is maintained.
fn require_plan(
    state: &CaseState,
    ctx: &Context<'_>,
    command: &'static str,
) -> Result<(), WorkflowError> {
    if state.stage() == CaseStage::PlanIssued {
        Ok(())
    } else {
        Err(WorkflowError::WrongStage {
            case: ctx.case,
            stage: state.stage(),
            command,
            allowed: "while a final plan is maintained",
            last_change: None,
        })
    }
}

fn named(value: &str, field: &'static str, what: &str) -> Result<String, WorkflowError> {
    let trimmed = crate::domain::text::one_line(field, value.trim())?;
    if trimmed.is_empty() {
        return Err(WorkflowError::invalid(field, format!("must name {what}")));
    }
    Ok(trimmed.to_owned())
}

impl CaseCommand for PlanPhaseTransfer {
    type Outcome = Deadline;
    const STEP: super::Step = super::Step::PlanPhaseTransfer;

    /// A coming phase transfer on a maintained plan, one at a time: it sets the Reg 18
    /// date (15 February of the year of transfer; 31 March for secondary to post-16),
    /// which has no exception.
    fn decide(
        &self,
        state: &CaseState,
        ctx: &Context<'_>,
    ) -> Result<Vec<CaseEvent>, WorkflowError> {
        require_plan(state, ctx, "planning a phase transfer")?;
        let this_year = ctx.today.year();
        let latest = this_year + PLANNING_YEARS;
        if !(this_year..=latest).contains(&self.transfer_year) {
            return Err(WorkflowError::invalid(
                "transfer_year",
                format!("must be from {this_year} to {latest}"),
            ));
        }
        if let Some(open) = state.open_limit(DeadlineKind::PhaseTransfer, None) {
            return Err(WorkflowError::invalid(
                "transfer_year",
                format!(
                    "a phase transfer is already planned, due by {}; complete it first",
                    open.due_on
                ),
            ));
        }
        let dates = ClockFacts {
            transfer: Some((self.transfer_year, self.transfer_kind)),
            ..ClockFacts::default()
        }
        .deadlines(ctx.holidays)
        .map_err(|e| WorkflowError::invalid("transfer_year", e.to_string()))?;
        let due_on = *dates
            .get("phase_transfer_by")
            .ok_or_else(|| WorkflowError::invalid("transfer_year", "the clock gave no date"))?;
        Ok(vec![
            CaseEvent::PhaseTransferPlanned(events::PhaseTransferPlanned {
                transfer_year: self.transfer_year,
                transfer_kind: self.transfer_kind,
                due_on,
            }),
            limit_set(DeadlineKind::PhaseTransfer, due_on, None),
        ])
    }

    fn outcome(
        &self,
        facts: &[CaseEvent],
        _after: &CaseState,
        ctx: &Context<'_>,
    ) -> Result<Deadline, WorkflowError> {
        the_set_limit(facts, DeadlineKind::PhaseTransfer, ctx)
    }
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
    super::run_as(db, scope, case_id, command, actor, holidays, clock)
}

impl CaseCommand for CompletePhaseTransfer {
    type Outcome = PhaseTransferCompleted;
    const STEP: super::Step = super::Step::CompletePhaseTransfer;

    /// The plan amended for the planned transfer, naming the next setting: it meets the
    /// Reg 18 limit, on time or late as the dates say (Reg 18 has no exception).
    fn decide(
        &self,
        state: &CaseState,
        ctx: &Context<'_>,
    ) -> Result<Vec<CaseEvent>, WorkflowError> {
        require_plan(state, ctx, "completing a phase transfer")?;
        not_after_today(self.amended_on, "amended_on", ctx)?;
        let setting = named(
            &self.next_setting,
            "next_setting",
            "the next school or college",
        )?;
        let Some(open) = state.open_limit(DeadlineKind::PhaseTransfer, None) else {
            return Err(WorkflowError::invalid(
                "amended_on",
                "no phase transfer is planned on this case",
            ));
        };
        Ok(vec![CaseEvent::PhaseTransferCompleted(
            events::PhaseTransferCompleted {
                amended_on: self.amended_on,
                next_setting: setting,
                due_on: open.due_on,
                on_time: self.amended_on <= open.due_on,
            },
        )])
    }

    fn outcome(
        &self,
        facts: &[CaseEvent],
        _after: &CaseState,
        _ctx: &Context<'_>,
    ) -> Result<PhaseTransferCompleted, WorkflowError> {
        let completed = the(facts, |f| match f {
            CaseEvent::PhaseTransferCompleted(c) => Some(c),
            _ => None,
        })?;
        Ok(PhaseTransferCompleted {
            due_on: completed.due_on,
            on_time: completed.on_time,
        })
    }
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

impl CaseCommand for NotifyMoveOut {
    type Outcome = Deadline;
    const STEP: super::Step = super::Step::NotifyMoveOut;

    /// A move out of the area, one at a time, on a maintained plan: it sets the Reg
    /// 15(2) limit for sending the plan, the later of the day of the move and the 15th
    /// working day beginning with the day the authority became aware.
    fn decide(
        &self,
        state: &CaseState,
        ctx: &Context<'_>,
    ) -> Result<Vec<CaseEvent>, WorkflowError> {
        require_plan(state, ctx, "recording a move out of the area")?;
        not_after_today(self.aware_on, "aware_on", ctx)?;
        let to = named(&self.to_authority, "to_authority", "the new authority")?;
        if let Some(open) = state.open_limit(DeadlineKind::PlanTransfer, None) {
            return Err(WorkflowError::invalid(
                "moves_on",
                format!(
                    "a move is already recorded; the plan is due to transfer by {}",
                    open.due_on
                ),
            ));
        }
        let due_on = limits::PLAN_TRANSFER
            .due(self.aware_on, Some(self.moves_on), ctx.holidays)
            .map_err(|e| WorkflowError::invalid("aware_on", e.to_string()))?;
        Ok(vec![
            CaseEvent::MoveOutNotified(events::MoveOutNotified {
                to_authority: to,
                aware_on: self.aware_on,
                moves_on: self.moves_on,
                due_on,
            }),
            limit_set(DeadlineKind::PlanTransfer, due_on, None),
        ])
    }

    fn outcome(
        &self,
        facts: &[CaseEvent],
        _after: &CaseState,
        ctx: &Context<'_>,
    ) -> Result<Deadline, WorkflowError> {
        the_set_limit(facts, DeadlineKind::PlanTransfer, ctx)
    }
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
    super::run_as(db, scope, case_id, command, actor, holidays, clock)
}

impl CaseCommand for TransferPlanOut {
    type Outcome = PlanTransferredOut;
    const STEP: super::Step = super::Step::TransferPlanOut;

    /// The plan sent to the new authority after a recorded move: it meets the Reg 15(2)
    /// limit, on time or late, and the fold closes this authority's case, because the
    /// new authority maintains the plan from now (reg. 15(3)).
    fn decide(
        &self,
        state: &CaseState,
        ctx: &Context<'_>,
    ) -> Result<Vec<CaseEvent>, WorkflowError> {
        require_plan(state, ctx, "transferring the plan out")?;
        not_after_today(self.transferred_on, "transferred_on", ctx)?;
        let Some(open) = state.open_limit(DeadlineKind::PlanTransfer, None) else {
            return Err(WorkflowError::invalid(
                "transferred_on",
                "no move out of the area is recorded on this case",
            ));
        };
        Ok(vec![CaseEvent::PlanTransferredOut(
            events::PlanTransferredOut {
                transferred_on: self.transferred_on,
                due_on: open.due_on,
                on_time: self.transferred_on <= open.due_on,
            },
        )])
    }

    fn outcome(
        &self,
        facts: &[CaseEvent],
        _after: &CaseState,
        _ctx: &Context<'_>,
    ) -> Result<PlanTransferredOut, WorkflowError> {
        let transferred = the(facts, |f| match f {
            CaseEvent::PlanTransferredOut(t) => Some(t),
            _ => None,
        })?;
        Ok(PlanTransferredOut {
            due_on: transferred.due_on,
            on_time: transferred.on_time,
        })
    }
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
        let case = Case::opened(
            scope.authority().clone(),
            intake.child.id,
            intake.request.id,
            CaseStage::PlanIssued,
            now,
        );
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

impl CaseCommand for SendTransferNotice {
    type Outcome = bool;
    const STEP: super::Step = super::Step::SendTransferNotice;

    /// The family's notice of a plan transferred in (reg. 15(4)): it meets the 6-week
    /// limit, on time or late, and tells them when the first review falls (reg. 15(5)).
    fn decide(
        &self,
        state: &CaseState,
        ctx: &Context<'_>,
    ) -> Result<Vec<CaseEvent>, WorkflowError> {
        require_plan(state, ctx, "the notice of a transferred plan")?;
        not_after_today(self.sent_on, "sent_on", ctx)?;
        let Some(open) = state.open_limit(DeadlineKind::TransferNotice, None) else {
            return Err(WorkflowError::invalid(
                "sent_on",
                "this case has no transferred plan awaiting its notice",
            ));
        };
        Ok(vec![CaseEvent::TransferNoticeSent(
            events::TransferNoticeSent {
                sent_on: self.sent_on,
                will_assess: self.will_assess,
                review_by: state
                    .open_limit(DeadlineKind::AnnualReview, None)
                    .map(|d| d.due_on),
                due_on: open.due_on,
                on_time: self.sent_on <= open.due_on,
            },
        )])
    }

    fn outcome(
        &self,
        facts: &[CaseEvent],
        _after: &CaseState,
        _ctx: &Context<'_>,
    ) -> Result<bool, WorkflowError> {
        let sent = the(facts, |f| match f {
            CaseEvent::TransferNoticeSent(s) => Some(s),
            _ => None,
        })?;
        Ok(sent.on_time)
    }
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
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)] // a failed expectation is the test failing
mod tests {
    //! Given a case's facts, when a plan moves, then the facts it adds: no database.
    use super::super::execute::limit_set;
    use super::super::given::*;
    use super::*;
    use crate::domain::{DeadlineStatus, EventKind};

    /// A case whose final plan was issued on 10 May.
    fn plan() -> Vec<CaseEvent> {
        vec![
            received(day(1, 9)),
            CaseEvent::FinalPlanIssued(events::FinalPlanIssued {
                issued_on: day(5, 10),
                due_on: None,
                within_twenty_weeks: true,
            }),
        ]
    }

    /// A plan transferred in on 2 October: the family's notice is due by 13 November,
    /// the first review by 29 February.
    fn transferred_in() -> Vec<CaseEvent> {
        let review_by = NaiveDate::from_ymd_opt(2024, 2, 29).unwrap();
        vec![
            received(day(1, 9)),
            CaseEvent::PlanTransferredIn(events::PlanTransferredIn {
                from_authority: "Devon County Council".into(),
                transferred_on: day(10, 2),
                issued_on: day(3, 1),
                last_reviewed_on: None,
                notice_by: day(11, 13),
                review_by,
            }),
            limit_set(DeadlineKind::TransferNotice, day(11, 13), None),
            limit_set(DeadlineKind::AnnualReview, review_by, None),
        ]
    }

    /// `facts` and then what `command` decides on them.
    fn and_then<C: CaseCommand>(mut facts: Vec<CaseEvent>, command: &C) -> Vec<CaseEvent> {
        let more = when(&facts, command).unwrap();
        facts.extend(more);
        facts
    }

    fn transfer_in(year: i32) -> PlanPhaseTransfer {
        PlanPhaseTransfer {
            transfer_year: year,
            transfer_kind: TransferKind::School,
        }
    }

    fn moving() -> NotifyMoveOut {
        NotifyMoveOut {
            to_authority: "  Cornwall Council ".into(),
            aware_on: day(11, 1),
            moves_on: day(11, 10),
        }
    }

    fn refused_for_stage<T: std::fmt::Debug>(result: Result<T, WorkflowError>) -> CaseStage {
        match result {
            Err(WorkflowError::WrongStage { stage, .. }) => stage,
            other => panic!("expected a refusal for the case's stage, got {other:?}"),
        }
    }

    #[test]
    fn a_phase_transfer_is_due_by_15_february_of_its_year() {
        let facts = when(&plan(), &transfer_in(2024)).unwrap();
        assert_eq!(
            kinds(&facts),
            [EventKind::PhaseTransferPlanned, EventKind::DeadlineSet]
        );
        let due = NaiveDate::from_ymd_opt(2024, 2, 15).unwrap();
        let CaseEvent::PhaseTransferPlanned(planned) = &facts[0] else {
            panic!("{facts:?}")
        };
        assert_eq!(planned.due_on, due);
        let deadline = transfer_in(2024)
            .outcome(&facts, &given(&facts), &context())
            .unwrap();
        assert_eq!(deadline.kind, DeadlineKind::PhaseTransfer);
        assert_eq!(deadline.due_on, due);
        assert_eq!(deadline.status, DeadlineStatus::Open);
    }

    #[test]
    fn a_transfer_to_post_16_is_due_by_31_march() {
        let command = PlanPhaseTransfer {
            transfer_kind: TransferKind::Post16,
            ..transfer_in(2024)
        };
        let facts = when(&plan(), &command).unwrap();
        let CaseEvent::DeadlineSet(set) = &facts[1] else {
            panic!("{facts:?}")
        };
        assert_eq!(set.due_on, NaiveDate::from_ymd_opt(2024, 3, 31).unwrap());
    }

    #[test]
    fn a_phase_transfer_needs_a_maintained_plan() {
        let result = when(&[received(day(9, 1))], &transfer_in(2024));
        assert_eq!(refused_for_stage(result), CaseStage::RequestReceived);
    }

    #[test]
    fn a_second_phase_transfer_is_refused_until_the_first_is_complete() {
        let planned = and_then(plan(), &transfer_in(2024));
        assert_eq!(
            refused_field(when(&planned, &transfer_in(2025))),
            "transfer_year"
        );
    }

    #[test]
    fn a_transfer_year_past_or_beyond_twenty_years_is_refused() {
        assert_eq!(
            refused_field(when(&plan(), &transfer_in(2022))),
            "transfer_year"
        );
        assert_eq!(
            refused_field(when(&plan(), &transfer_in(2044))),
            "transfer_year"
        );
        assert!(when(&plan(), &transfer_in(2043)).is_ok());
    }

    #[test]
    fn completing_a_phase_transfer_names_the_setting_and_meets_the_limit() {
        let planned = and_then(plan(), &transfer_in(2023));
        let command = CompletePhaseTransfer {
            amended_on: day(11, 30),
            next_setting: " Torquay Academy ".into(),
        };
        let facts = when(&planned, &command).unwrap();
        assert_eq!(kinds(&facts), [EventKind::PhaseTransferCompleted]);
        let CaseEvent::PhaseTransferCompleted(completed) = &facts[0] else {
            panic!("{facts:?}")
        };
        assert_eq!(completed.next_setting, "Torquay Academy");
        assert_eq!(completed.due_on, day(2, 15));
        assert!(!completed.on_time);
        let mut state = given(&planned);
        let settled = state.apply(&facts[0]);
        assert_eq!(settled.len(), 1);
        assert_eq!(settled[0].limit.kind, DeadlineKind::PhaseTransfer);
        assert_eq!(settled[0].status, DeadlineStatus::Met);
    }

    #[test]
    fn completing_a_phase_transfer_that_was_never_planned_is_refused() {
        let command = CompletePhaseTransfer {
            amended_on: day(11, 30),
            next_setting: "Torquay Academy".into(),
        };
        assert_eq!(refused_field(when(&plan(), &command)), "amended_on");
    }

    #[test]
    fn a_phase_transfer_naming_no_setting_is_refused() {
        let planned = and_then(plan(), &transfer_in(2024));
        let command = CompletePhaseTransfer {
            amended_on: day(11, 30),
            next_setting: "   ".into(),
        };
        assert_eq!(refused_field(when(&planned, &command)), "next_setting");
    }

    #[test]
    fn a_move_out_gives_fifteen_working_days_from_when_the_authority_knew() {
        let facts = when(&plan(), &moving()).unwrap();
        assert_eq!(
            kinds(&facts),
            [EventKind::MoveOutNotified, EventKind::DeadlineSet]
        );
        let CaseEvent::MoveOutNotified(notified) = &facts[0] else {
            panic!("{facts:?}")
        };
        assert_eq!(notified.to_authority, "Cornwall Council");
        assert_eq!(notified.due_on, day(11, 21));
        let CaseEvent::DeadlineSet(set) = &facts[1] else {
            panic!("{facts:?}")
        };
        assert_eq!(
            (set.kind, set.due_on),
            (DeadlineKind::PlanTransfer, day(11, 21))
        );
    }

    #[test]
    fn a_move_later_than_fifteen_working_days_is_due_on_the_day_of_the_move() {
        let command = NotifyMoveOut {
            moves_on: day(12, 20),
            ..moving()
        };
        let facts = when(&plan(), &command).unwrap();
        let CaseEvent::MoveOutNotified(notified) = &facts[0] else {
            panic!("{facts:?}")
        };
        assert_eq!(notified.due_on, day(12, 20));
    }

    #[test]
    fn a_second_move_is_refused_while_one_is_recorded() {
        let moved = and_then(plan(), &moving());
        assert_eq!(refused_field(when(&moved, &moving())), "moves_on");
    }

    #[test]
    fn a_move_to_an_unnamed_authority_is_refused() {
        let command = NotifyMoveOut {
            to_authority: " ".into(),
            ..moving()
        };
        assert_eq!(refused_field(when(&plan(), &command)), "to_authority");
    }

    #[test]
    fn transferring_the_plan_out_meets_the_limit_and_closes_the_case() {
        let moved = and_then(plan(), &moving());
        let command = TransferPlanOut {
            transferred_on: day(11, 20),
        };
        let facts = when(&moved, &command).unwrap();
        assert_eq!(kinds(&facts), [EventKind::PlanTransferredOut]);
        let CaseEvent::PlanTransferredOut(out) = &facts[0] else {
            panic!("{facts:?}")
        };
        assert_eq!(out.due_on, day(11, 21));
        assert!(out.on_time);
        let mut state = given(&moved);
        let settled = state.apply(&facts[0]);
        assert_eq!(settled.len(), 1);
        assert_eq!(settled[0].limit.kind, DeadlineKind::PlanTransfer);
        assert_eq!(state.stage(), CaseStage::Closed);
    }

    #[test]
    fn a_plan_already_transferred_out_cannot_be_transferred_again() {
        let moved = and_then(plan(), &moving());
        let command = TransferPlanOut {
            transferred_on: day(11, 20),
        };
        let closed = and_then(moved, &command);
        assert_eq!(
            refused_for_stage(when(&closed, &command)),
            CaseStage::Closed
        );
    }

    #[test]
    fn transferring_out_with_no_move_recorded_is_refused() {
        let command = TransferPlanOut {
            transferred_on: day(11, 20),
        };
        assert_eq!(refused_field(when(&plan(), &command)), "transferred_on");
    }

    #[test]
    fn a_transfer_out_dated_in_the_future_is_refused() {
        let moved = and_then(plan(), &moving());
        let command = TransferPlanOut {
            transferred_on: day(12, 2),
        };
        assert_eq!(refused_field(when(&moved, &command)), "transferred_on");
    }

    #[test]
    fn the_notice_of_a_transferred_plan_meets_its_limit_and_names_the_first_review() {
        let command = SendTransferNotice {
            sent_on: day(11, 14),
            will_assess: false,
        };
        let facts = when(&transferred_in(), &command).unwrap();
        assert_eq!(kinds(&facts), [EventKind::TransferNoticeSent]);
        let CaseEvent::TransferNoticeSent(sent) = &facts[0] else {
            panic!("{facts:?}")
        };
        assert_eq!(sent.due_on, day(11, 13));
        assert!(!sent.on_time);
        assert_eq!(sent.review_by, NaiveDate::from_ymd_opt(2024, 2, 29));
        let mut state = given(&transferred_in());
        let settled = state.apply(&facts[0]);
        assert_eq!(settled.len(), 1);
        assert_eq!(settled[0].limit.kind, DeadlineKind::TransferNotice);
    }

    #[test]
    fn a_transfer_notice_on_a_plan_made_here_is_refused() {
        let command = SendTransferNotice {
            sent_on: day(11, 14),
            will_assess: false,
        };
        assert_eq!(refused_field(when(&plan(), &command)), "sent_on");
        let sent = and_then(transferred_in(), &command);
        assert_eq!(refused_field(when(&sent, &command)), "sent_on");
    }

    #[test]
    fn a_transfer_notice_needs_a_maintained_plan() {
        let command = SendTransferNotice {
            sent_on: day(11, 14),
            will_assess: true,
        };
        let result = when(&[received(day(9, 1))], &command);
        assert_eq!(refused_for_stage(result), CaseStage::RequestReceived);
    }

    #[test]
    fn a_transfer_notice_dated_in_the_future_is_refused() {
        let command = SendTransferNotice {
            sent_on: day(12, 2),
            will_assess: false,
        };
        assert_eq!(refused_field(when(&transferred_in(), &command)), "sent_on");
    }
}
