//! The statutory journey as commands: each is validated, then applied in one
//! transaction that appends its events and moves the case, or refused with an error
//! naming the field and the rule, changing nothing.
//!
//! Plugin advice never moves a case: a named person decides, and may depart from the
//! advice only with a reason.
//!
//! This first step covers intake and the decision whether to assess (Reg 5, CFA
//! s.36(5), (8)), and exceptions that disapply a time limit without moving its date
//! (Reg 5(4), 8(2), 10(4), 13(3)); then advice during the assessment, each request on
//! its own 6-week clock (Reg 6(1), 8(1)), and the decision whether to issue a plan
//! (CFA s.37(1); Reg 10), the draft and final plan (Reg 13) and the first annual
//! review's limit (CFA s.44(1)); then annual reviews: the meeting's papers, report and
//! decision limits (Reg 20-21) and the decision to maintain, amend (Reg 22) or cease,
//! which starts the next 12 months (CFA s.44(1)).

mod advice;
mod assess;
mod disputes;
mod exceptions;
mod execute;
#[cfg(test)]
mod given;
mod intake;
mod issue;
pub mod lifecycle;
mod next_steps;
mod plan;
mod review;
mod state;
pub mod steps;
mod transfer;
mod views;

/// Re-exported so callers of the review command find its choices beside it.
pub use crate::domain::ReviewDecision;
pub use advice::{
    AdviceReceived, RecordAdviceReceived, RequestAdvice, record_advice_received, request_advice,
};
pub use assess::{AssessDecision, DecideWhetherToAssess, Decided, decide_whether_to_assess};
pub use disputes::{
    AppealLodged, LodgeAppeal, MediationConcluded, MediationOutcome, RecordMediationOutcome,
    RecordOrderComplied, RecordTribunalDecision, RequestMediation, TribunalDecided, TribunalOrder,
    TribunalOutcome, appeal_pending, comply_with_order, lodge_appeal, mediation_open,
    record_mediation_outcome, record_tribunal_decision, request_mediation,
};
pub use exceptions::{ClaimException, claim_exception};
pub(crate) use execute::execute;
pub use execute::{CaseCommand, Context};
pub(crate) use intake::generated_reference;
pub use intake::{ReceiveRequest, Received, receive_request};
pub use issue::{DecideWhetherToIssue, IssueDecided, IssueDecision, decide_whether_to_issue};
pub use lifecycle::{
    AllocateCase, CorrectChild, NewCaseNote, WithdrawRequest, add_case_note, allocate_case,
    close_cases_past_appeal_window, correct_child, withdraw_request,
};
pub use next_steps::{
    ArrangeNextStepsMeeting, NextStepsOutcome, RecordNextStepsOutcome, arrange_next_steps_meeting,
    record_next_steps_outcome,
};
pub use plan::{
    FinalPlanIssued, IssueFinalPlan, ServeDraftPlan, issue_final_plan, serve_draft_plan,
};
pub use review::{
    RecordReviewDecision, ReviewDecided, ReviewMeetingScheduled, ScheduleReviewMeeting,
    record_review_decision, schedule_review_meeting,
};
pub use state::{CaseState, DecisionState, LimitState, Settled};
pub use steps::Step;
pub use transfer::{
    CompletePhaseTransfer, NotifyMoveOut, PhaseTransferCompleted, PlanPhaseTransfer,
    PlanTransferredOut, ReceiveTransferredPlan, SendTransferNotice, TransferPlanOut,
    complete_phase_transfer, notify_move_out, plan_phase_transfer, receive_transferred_plan,
    send_transfer_notice, transfer_plan_out,
};
pub use views::{
    AT_RISK_DAYS, CaseView, CaseloadEntry, ChildDetail, ClosedView, DeadlineView, LetterView,
    OfficerRef, case_view, caseload,
};
pub(crate) use views::{gather_case, gather_letter};

use crate::domain::{CaseId, CaseStage, DomainError};
use crate::events::{self, CaseEvent};
use crate::store::StoreError;

/// Why a command was refused. Nothing was changed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WorkflowError {
    /// A field broke a rule.
    #[error("{field}: {rule}")]
    Invalid {
        /// The field, as the caller named it.
        field: &'static str,
        /// The rule, in plain English.
        rule: String,
    },
    /// The case is not at a stage where this command applies.
    #[error(
        "case {case} is at stage {stage}{}; {command} applies only {allowed}. Nothing was recorded",
        last_change.as_ref().map(|c| format!(" (last change: {c})")).unwrap_or_default()
    )]
    WrongStage {
        /// The case.
        case: CaseId,
        /// Where it is.
        stage: CaseStage,
        /// The command refused.
        command: &'static str,
        /// Where the command applies.
        allowed: &'static str,
        /// The last change recorded on the case, read in the refused command's own
        /// transaction: when two people act on one case at once, the one refused is
        /// told what the other did first.
        last_change: Option<LastChange>,
    },
    /// The actor's role may not give this command (the catalogue of steps says who
    /// may).
    #[error("a {} cannot {doing}", role.to_string().replace('_', " "))]
    NotAllowed {
        /// The actor's role.
        role: crate::domain::UserRole,
        /// What they tried, as the catalogue words it.
        doing: &'static str,
    },
    /// The store refused or failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The last thing recorded on a case: what a refused command's caller is told moved
/// the case on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastChange {
    /// What was recorded.
    pub kind: crate::domain::EventKind,
    /// When.
    pub at: chrono::DateTime<chrono::Utc>,
}

impl std::fmt::Display for LastChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} at {}",
            self.kind.to_string().replace('_', " "),
            self.at.format("%Y-%m-%d %H:%M:%S UTC")
        )
    }
}

/// Runs one command on one case: a single write transaction that first takes the case
/// ([`crate::store::Tx::lock_case`]), so everything `decide` reads through the `Tx` is
/// the state its writes commit against. Two commands on one case run one after the
/// other; the second sees what the first wrote, and is refused (changing nothing) if
/// that makes it no longer apply. A refusal for the case's stage names the last change
/// recorded on it, so the person refused learns what happened first.
pub(crate) fn on_case<T>(
    db: &crate::store::Database,
    scope: &crate::store::AuthorityScope,
    case_id: CaseId,
    decide: impl FnOnce(&mut crate::store::Tx<'_>, crate::domain::Case) -> Result<T, WorkflowError>,
) -> Result<T, WorkflowError> {
    let _span = tracing::info_span!("case_command", case_id = %case_id).entered();
    db.write_with(|tx| {
        let case = tx.lock_case(scope, case_id)?;
        in_case(tx, scope, case, decide)
    })
}

/// Runs `command` on a case as `actor`, for the embedded callers (the CLI, the
/// benchmarks, the tests) that hold a database and a scope rather than
/// [`crate::services::Services`]: the case is taken, the command decided on its state
/// and its facts recorded, in one transaction. No role check: the caller is trusted.
pub(crate) fn run_as<C: CaseCommand>(
    db: &crate::store::Database,
    scope: &crate::store::AuthorityScope,
    case_id: CaseId,
    command: &C,
    actor: crate::domain::UserId,
    holidays: &crate::clock::BankHolidays,
    clock: &dyn crate::time::Clock,
) -> Result<C::Outcome, WorkflowError> {
    on_case(db, scope, case_id, |tx, case| {
        let ctx = Context::new(scope, case.id, Some(command.acting(actor)), holidays, clock);
        execute(tx, scope, &case, command, ctx)
    })
}

/// [`on_case`] for a caller already inside a transaction that has locked the case (the
/// chair's close, which counts the votes in the same transaction as the decision).
pub(crate) fn in_case<T>(
    tx: &mut crate::store::Tx<'_>,
    scope: &crate::store::AuthorityScope,
    case: crate::domain::Case,
    decide: impl FnOnce(&mut crate::store::Tx<'_>, crate::domain::Case) -> Result<T, WorkflowError>,
) -> Result<T, WorkflowError> {
    let case_id = case.id;
    match decide(tx, case) {
        Err(WorkflowError::WrongStage {
            case,
            stage,
            command,
            allowed,
            last_change: None,
        }) => Err(WorkflowError::WrongStage {
            case,
            stage,
            command,
            allowed,
            last_change: last_change(tx, scope, case_id)?,
        }),
        other => other,
    }
}

/// The last change recorded on a case, read in the caller's transaction: what a
/// refusal for the case's stage names.
pub(crate) fn last_change(
    tx: &mut crate::store::Tx<'_>,
    scope: &crate::store::AuthorityScope,
    case: CaseId,
) -> Result<Option<LastChange>, StoreError> {
    Ok(tx.latest_case_event(scope, case)?.map(|event| LastChange {
        kind: event.kind(),
        at: event.occurred_at,
    }))
}

impl From<DomainError> for WorkflowError {
    fn from(error: DomainError) -> Self {
        match error {
            DomainError::Invalid { field, rule } => Self::Invalid { field, rule },
        }
    }
}

impl WorkflowError {
    fn invalid(field: &'static str, rule: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            rule: rule.into(),
        }
    }
}

/// A decision made at a panel sitting: the agenda item it closes and the panel's record
/// at closing (quorum and tally), kept in the `AgendaItemClosed` event. The item closes
/// in the same transaction as the decision, so neither exists without the other.
#[derive(Debug, Clone, PartialEq)]
pub struct AtPanel {
    /// The item the decision closes.
    pub item: crate::domain::AgendaItemId,
    /// What the panel's record says at closing.
    pub record: events::ClosingRecord,
}

/// The fact that closes the decision's agenda item, if it was made at a panel: recorded
/// just before the decision, in its transaction.
fn closing_at_panel(ctx: &Context<'_>, decision: crate::domain::DecisionId) -> Vec<CaseEvent> {
    ctx.at
        .map(|at| {
            CaseEvent::AgendaItemClosed(events::AgendaItemClosed {
                item: at.item,
                status: events::ItemClosing::Decided,
                decision: Some(decision),
                why: None,
                record: at.record.clone(),
            })
        })
        .into_iter()
        .collect()
}

/// The family's last days after a decision notice carrying appeal rights: to contact a
/// mediation adviser (Reg 33, 2 months) and to appeal (Tribunal rule 20), from the
/// statutory clock, so every decision letter states them alike.
fn family_deadlines(
    notice_sent_on: chrono::NaiveDate,
    holidays: &crate::clock::BankHolidays,
) -> Result<(chrono::NaiveDate, chrono::NaiveDate), WorkflowError> {
    let dates = crate::clock::ClockFacts {
        decision_notice_sent: Some(notice_sent_on),
        ..crate::clock::ClockFacts::default()
    }
    .deadlines(holidays)
    .map_err(|e| WorkflowError::invalid("decided_on", e.to_string()))?;
    match (dates.get("mediation_contact_by"), dates.get("appeal_by")) {
        (Some(mediation), Some(appeal)) => Ok((*mediation, *appeal)),
        _ => Err(WorkflowError::invalid(
            "decided_on",
            "the clock gave no mediation or appeal date",
        )),
    }
}

/// The bank holidays for a command whose public function is given none: England and
/// Wales as compiled in, parsed once. Only for commands that count calendar days (weeks,
/// months, days beginning with) and never working days, so the list can never change
/// one of their dates; a command that counts working days is given the authority's list.
fn calendar_only() -> &'static crate::clock::BankHolidays {
    static ENGLAND: std::sync::LazyLock<crate::clock::BankHolidays> =
        std::sync::LazyLock::new(crate::clock::BankHolidays::england_and_wales);
    &ENGLAND
}

/// Refuses a day after the context's today: what happened cannot be recorded before it
/// happens.
fn not_after_today(
    day: chrono::NaiveDate,
    field: &'static str,
    ctx: &Context<'_>,
) -> Result<(), WorkflowError> {
    if day > ctx.today {
        return Err(WorkflowError::invalid(
            field,
            format!("cannot be in the future (today is {})", ctx.today),
        ));
    }
    Ok(())
}

/// Refuses a day after today: what happened cannot be recorded before it happens.
fn not_future(
    day: chrono::NaiveDate,
    field: &'static str,
    clock: &dyn crate::time::Clock,
) -> Result<(), WorkflowError> {
    let today = clock.today();
    if day > today {
        return Err(WorkflowError::invalid(
            field,
            format!("cannot be in the future (today is {today})"),
        ));
    }
    Ok(())
}

/// A new open limit on a case: every command that starts a clock builds its deadline
/// this way, so none forgets the authority or the status.
pub(crate) fn open_limit(
    scope: &crate::store::AuthorityScope,
    case_id: CaseId,
    kind: crate::domain::DeadlineKind,
    due_on: chrono::NaiveDate,
    subject: Option<String>,
) -> crate::domain::Deadline {
    crate::domain::Deadline {
        id: crate::domain::DeadlineId::new(),
        authority_id: scope.authority().clone(),
        case_id,
        kind,
        due_on,
        status: crate::domain::DeadlineStatus::Open,
        subject,
    }
}

/// Sets a deadline on its case and logs it with the rule behind it, so every limit in
/// the history says where it came from. Runs inside the caller's transaction.
pub(crate) fn set_deadline(
    tx: &mut crate::store::Tx<'_>,
    scope: &crate::store::AuthorityScope,
    deadline: &crate::domain::Deadline,
    actor: Option<crate::domain::UserId>,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<(), StoreError> {
    tx.insert_deadline(scope, deadline)?;
    tx.append_event(scope, deadline_set(deadline, actor, at))?;
    Ok(())
}

/// The event that logs a deadline set, with the rule behind it.
pub(crate) fn deadline_set(
    deadline: &crate::domain::Deadline,
    actor: Option<crate::domain::UserId>,
    at: chrono::DateTime<chrono::Utc>,
) -> crate::store::NewEvent {
    crate::store::NewEvent {
        case_id: Some(deadline.case_id),
        fact: CaseEvent::DeadlineSet(events::DeadlineSet {
            kind: deadline.kind,
            subject: deadline.subject.clone(),
            due_on: deadline.due_on,
            rule: deadline.kind.rule().to_owned(),
            deadline: Some(deadline.id),
        }),
        actor,
        occurred_at: at,
    }
}

/// A panel's decision of a kind that moves no stage and sets no limit (a placement
/// named, or not, at the placement panel; a band confirmed, or not): closes the agenda item and records the
/// decision with its reasons, in the caller's transaction, which has taken the case.
/// Refused when `decided_on` is in the future or the reasons are empty.
pub(crate) fn record_panel_decision(
    tx: &mut crate::store::Tx<'_>,
    scope: &crate::store::AuthorityScope,
    case: &crate::domain::Case,
    decision: PanelDecision<'_>,
    ctx: &Context<'_>,
) -> Result<crate::domain::Decision, WorkflowError> {
    if decision.decided_on > ctx.today {
        return Err(WorkflowError::invalid(
            "decided_on",
            format!("cannot be in the future (today is {})", ctx.today),
        ));
    }
    let reasons = crate::domain::Reasons::parse(decision.reasons)?;
    let state = CaseState::load(tx, scope, case.id)?;
    tx.note_last_sequence(case.id, state.last_sequence);
    let id = crate::domain::DecisionId::new();
    let mut facts = closing_at_panel(ctx, id);
    facts.push(CaseEvent::DecisionRecorded(events::DecisionRecorded {
        decision: id,
        kind: decision.kind,
        outcome: decision.outcome,
        decided_on: decision.decided_on,
        within_six_weeks: None,
        within_sixteen_weeks: None,
        departure_reason: decision.departure_reason,
        mediation_contact_by: None,
        appeal_by: None,
        reasons: Some(reasons.as_str().to_owned()),
        agenda_item: ctx.at.map(|a| a.item),
    }));
    execute::record(tx, scope, state, &facts, ctx)?;
    execute::the_decision(&facts, ctx)
}

/// What [`record_panel_decision`] records.
pub(crate) struct PanelDecision<'a> {
    /// The kind: one with no stage of its own.
    pub kind: crate::domain::DecisionKind,
    /// Agreed or refused.
    pub outcome: crate::domain::DecisionOutcome,
    /// The chair's reasons.
    pub reasons: &'a str,
    /// Why the chair departed from the majority, when they did.
    pub departure_reason: Option<String>,
    /// The day decided.
    pub decided_on: chrono::NaiveDate,
}
