//! How a case command runs: decide on the case's state, then record what was decided.
//!
//! Each command is a [`CaseCommand`]: its `decide` is a pure function of the case's
//! [`CaseState`] and a [`Context`] (today, the bank holidays, who acts), returning the
//! facts to record or the reason for refusing, with no I/O, so it is tested with no
//! database (given facts, when a command, then facts or an error). [`execute`] runs it
//! inside the write transaction that has taken the case: it loads the state, decides,
//! and [`record`]s each fact, which folds it into the state, changes the read tables
//! (stage, limits, decisions, exceptions, the agenda) exactly as the fold says, and
//! appends it to the log, where the observers (letters, the outbox) see it in the same
//! transaction.

use chrono::{DateTime, NaiveDate, Utc};

use super::{CaseState, WorkflowError};
use crate::clock::BankHolidays;
use crate::domain::{
    AgendaItemStatus, AuthorityId, Case, CaseId, ClosedReason, DeadlineException, DeadlineStatus,
    Decision, DecisionKind, Reasons, UserId,
};
use crate::events::{self, CaseEvent, ItemClosing};
use crate::store::{AuthorityScope, NewEvent, StoreError, Tx};
use crate::time::Clock;

/// What a command may know beyond the case's own facts, fixed before it decides.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    /// The authority the case belongs to.
    pub authority: AuthorityId,
    /// The case.
    pub case: CaseId,
    /// Who acts: recorded as each fact's actor.
    pub actor: Option<UserId>,
    /// The moment of recording.
    pub now: DateTime<Utc>,
    /// Today, in the authority's calendar: nothing can be recorded as done after it.
    pub today: NaiveDate,
    /// England's bank holidays, for limits counted in working days.
    pub holidays: &'a BankHolidays,
    /// The agenda item a decision closes, when made at a panel sitting.
    pub at: Option<&'a super::AtPanel>,
    /// The latest graduated-response recommendation of the authority's policy plugin
    /// (`Assess` or `DoNotAssess`), for commands that ask for it: a decision that
    /// departs from it needs a reason.
    pub recommendation: Option<String>,
}

impl<'a> Context<'a> {
    /// A context for `case`, acted on by `actor` now.
    pub fn new(
        scope: &AuthorityScope,
        case: CaseId,
        actor: Option<UserId>,
        holidays: &'a BankHolidays,
        clock: &dyn Clock,
    ) -> Self {
        Self {
            authority: scope.authority().clone(),
            case,
            actor,
            now: clock.now(),
            today: clock.today(),
            holidays,
            at: None,
            recommendation: None,
        }
    }

    /// The same context, for a decision made at a panel sitting.
    pub fn at_panel(mut self, at: Option<&'a super::AtPanel>) -> Self {
        self.at = at;
        self
    }
}

/// One command on one case.
pub trait CaseCommand {
    /// What the caller is told the command did.
    type Outcome;

    /// The command's entry in the catalogue of steps: who may give it, and where it
    /// applies.
    const STEP: super::Step;

    /// Who the facts are recorded as done by, when `caller` gives the command: the
    /// caller, save for a decision, which is recorded as the decider's (an admin may
    /// record a decision the chair made).
    fn acting(&self, caller: UserId) -> UserId {
        caller
    }

    /// Users the command names (field, user), each of whom must be a user of the
    /// authority: checked inside the transaction, after deciding.
    fn named_users(&self) -> Vec<(&'static str, UserId)> {
        Vec::new()
    }

    /// Whether `decide` weighs the policy plugin's graduated-response advice
    /// ([`Context::recommendation`]).
    fn weighs_advice(&self) -> bool {
        false
    }

    /// Decides on `state`: the facts to record, or why not. Pure.
    fn decide(&self, state: &CaseState, ctx: &Context<'_>)
    -> Result<Vec<CaseEvent>, WorkflowError>;

    /// What to tell the caller, from the facts recorded and the state after them.
    fn outcome(
        &self,
        facts: &[CaseEvent],
        after: &CaseState,
        ctx: &Context<'_>,
    ) -> Result<Self::Outcome, WorkflowError>;
}

/// Runs `command` on `case` inside `tx`, which has taken the case: loads its state,
/// decides, checks the users it names and records the facts.
pub(crate) fn execute<C: CaseCommand>(
    tx: &mut Tx<'_>,
    scope: &AuthorityScope,
    case: &Case,
    command: &C,
    mut ctx: Context<'_>,
) -> Result<C::Outcome, WorkflowError> {
    let before = CaseState::load(tx, scope, case.id)?;
    // The case is taken, so no other writer appends to its stream until this commits.
    tx.note_last_sequence(case.id, before.last_sequence);
    if command.weighs_advice() {
        ctx.recommendation = recommendation(tx, scope, case.id)?;
    }
    let facts = command.decide(&before, &ctx)?;
    for (field, user) in command.named_users() {
        tx.get_user(scope, user)
            .map_err(|_| WorkflowError::invalid(field, "must be a user of this authority"))?;
    }
    let after = record(tx, scope, before, &facts, &ctx)?;
    command.outcome(&facts, &after, &ctx)
}

/// The latest graduated-response recommendation on the case, if the plugin gave one.
fn recommendation(
    tx: &mut Tx<'_>,
    scope: &AuthorityScope,
    case: CaseId,
) -> Result<Option<String>, StoreError> {
    let advice = tx.advice_for_case(scope, &case)?;
    Ok(advice
        .iter()
        .rev()
        .filter(|a| a.call == "graduated-response" && a.outcome == "advice")
        .find_map(|a| {
            #[derive(serde::Deserialize)]
            struct Answer {
                #[serde(rename = "Ok")]
                ok: Recommended,
            }
            #[derive(serde::Deserialize)]
            struct Recommended {
                recommendation: String,
            }
            serde_json::from_str::<Answer>(a.output_json.as_deref()?)
                .ok()
                .map(|answer| answer.ok.recommendation)
        }))
}

/// Records `facts` on the case: each is folded into the state, projected into the read
/// tables and appended to the log, in order, so an observer that reads a table sees it
/// as of its fact. Returns the state after them.
pub(crate) fn record(
    tx: &mut Tx<'_>,
    scope: &AuthorityScope,
    mut state: CaseState,
    facts: &[CaseEvent],
    ctx: &Context<'_>,
) -> Result<CaseState, WorkflowError> {
    for fact in facts {
        let stage_before = state.stage;
        let settled = state.apply(fact);
        project(tx, scope, fact, ctx)?;
        for limit in settled {
            let Some(id) = limit.limit.id else {
                // A limit from an old log that the deadlines table has no row for
                // ([`CaseState::load`] fills every id it can): there is no row to settle.
                tracing::warn!(case_id = %ctx.case, kind = %limit.limit.kind, "limit settled with no row in the deadlines table");
                continue;
            };
            let changed = tx.set_deadline_status_by_id(scope, ctx.case, id, limit.status)?;
            if changed == 0 {
                // The fold and the table disagree: another writer settled it first.
                return Err(StoreError::Conflict(format!(
                    "the {} limit is no longer open",
                    limit.limit.kind
                ))
                .into());
            }
        }
        if let Some(stage) = state.stage
            && state.stage != stage_before
        {
            tx.set_case_stage(scope, ctx.case, stage)?;
        }
        tx.append_event(
            scope,
            NewEvent {
                case_id: Some(ctx.case),
                fact: fact.clone(),
                actor: ctx.actor,
                occurred_at: ctx.now,
            },
        )?;
    }
    Ok(state)
}

/// The rows a fact adds to the read tables beyond the stage and the limits it settles.
fn project(
    tx: &mut Tx<'_>,
    scope: &AuthorityScope,
    fact: &CaseEvent,
    ctx: &Context<'_>,
) -> Result<(), WorkflowError> {
    match fact {
        CaseEvent::DeadlineSet(set) => {
            if let Some(deadline) = the_limit(std::slice::from_ref(fact), set.kind, ctx) {
                tx.insert_deadline(scope, &deadline)?;
            }
        }
        CaseEvent::DecisionRecorded(_) | CaseEvent::ReviewDecisionRecorded(_) => {
            if let Some(decision) = decision_of(fact, ctx)? {
                tx.insert_decision(scope, &decision)?;
            }
        }
        CaseEvent::ExceptionRecorded(claimed) => {
            tx.insert_exception(
                scope,
                &DeadlineException {
                    id: claimed.exception,
                    authority_id: ctx.authority.clone(),
                    case_id: ctx.case,
                    deadline_kind: claimed.deadline,
                    limb: claimed.limb,
                    evidence: claimed.evidence.clone().unwrap_or_default(),
                    applies_from: claimed.applies_from,
                    applies_to: claimed.applies_to,
                    claimed_by: ctx.actor.ok_or_else(|| {
                        WorkflowError::invalid("claimed_by", "an exception needs who claimed it")
                    })?,
                    claimed_at: ctx.now,
                    family_told_on: claimed.family_told_on,
                },
            )?;
        }
        CaseEvent::AgendaItemClosed(closed) => {
            let status = match closed.status {
                ItemClosing::Decided => AgendaItemStatus::Decided,
                ItemClosing::Deferred => AgendaItemStatus::Deferred,
            };
            tx.close_agenda_item(scope, closed.item, status)?;
        }
        CaseEvent::RequestWithdrawn(withdrawn) => {
            tx.set_case_closure(
                scope,
                ctx.case,
                Some((withdrawn.withdrawn_on, ClosedReason::Withdrawn, None)),
            )?;
        }
        CaseEvent::CaseClosed(closed) => {
            tx.set_case_closure(
                scope,
                ctx.case,
                Some((closed.closed_on, closed.reason, Some(closed.from))),
            )?;
        }
        CaseEvent::CaseReopened(_) => tx.set_case_closure(scope, ctx.case, None)?,
        // Facts held only in the log (and the stage and limits above).
        _ => {}
    }
    Ok(())
}

/// The decision row a decision fact makes, as the decisions table and the caller see
/// it. `None` for any other fact.
pub(crate) fn decision_of(
    fact: &CaseEvent,
    ctx: &Context<'_>,
) -> Result<Option<Decision>, WorkflowError> {
    let (id, kind, outcome, reasons, agenda_item, choice) = match fact {
        CaseEvent::DecisionRecorded(d) => (
            d.decision,
            d.kind,
            d.outcome,
            &d.reasons,
            d.agenda_item,
            None,
        ),
        CaseEvent::ReviewDecisionRecorded(d) => (
            d.decision,
            DecisionKind::AnnualReview,
            d.outcome,
            &d.reasons,
            d.agenda_item,
            Some(d.choice),
        ),
        _ => return Ok(None),
    };
    Ok(Some(Decision {
        id,
        authority_id: ctx.authority.clone(),
        case_id: ctx.case,
        agenda_item_id: agenda_item,
        kind,
        outcome,
        reasons: Reasons::parse(reasons.as_deref().unwrap_or_default())?,
        decided_by: ctx
            .actor
            .ok_or_else(|| WorkflowError::invalid("decided_by", "a decision needs who decided"))?,
        decided_at: ctx.now,
        choice,
    }))
}

/// The first fact `pick` accepts among `facts` (`pick` returns the variant's struct):
/// what a command's outcome is read from. A command whose decision always records
/// that fact never sees the error.
pub(crate) fn the<'f, T>(
    facts: &'f [CaseEvent],
    pick: impl Fn(&'f CaseEvent) -> Option<&'f T>,
) -> Result<&'f T, WorkflowError> {
    facts
        .iter()
        .find_map(pick)
        .ok_or_else(|| WorkflowError::invalid("command", "recorded none of the facts it decides"))
}

/// The decision row among `facts`, as the caller is told it.
pub(crate) fn the_decision(
    facts: &[CaseEvent],
    ctx: &Context<'_>,
) -> Result<Decision, WorkflowError> {
    for fact in facts {
        if let Some(decision) = decision_of(fact, ctx)? {
            return Ok(decision);
        }
    }
    Err(WorkflowError::invalid("command", "recorded no decision"))
}

/// The limit set among `facts` of `kind`, as the domain's deadline.
pub(crate) fn the_limit(
    facts: &[CaseEvent],
    kind: crate::domain::DeadlineKind,
    ctx: &Context<'_>,
) -> Option<crate::domain::Deadline> {
    facts.iter().find_map(|fact| match fact {
        CaseEvent::DeadlineSet(set) if set.kind == kind => Some(crate::domain::Deadline {
            id: set.deadline.unwrap_or_default(),
            authority_id: ctx.authority.clone(),
            case_id: ctx.case,
            kind: set.kind,
            due_on: set.due_on,
            status: DeadlineStatus::Open,
            subject: set.subject.clone(),
        }),
        _ => None,
    })
}

/// The limit of `kind` that a command always sets, among its `facts`: what its caller is
/// told. A command that sets it never sees the error.
pub(crate) fn the_set_limit(
    facts: &[CaseEvent],
    kind: crate::domain::DeadlineKind,
    ctx: &Context<'_>,
) -> Result<crate::domain::Deadline, WorkflowError> {
    the_limit(facts, kind, ctx)
        .ok_or_else(|| WorkflowError::invalid("command", format!("recorded no {kind} limit")))
}

/// A new open limit as a fact: every command that starts a clock sets it this way, with
/// a fresh id and the rule behind it, so none forgets either.
pub(crate) fn limit_set(
    kind: crate::domain::DeadlineKind,
    due_on: NaiveDate,
    subject: Option<String>,
) -> CaseEvent {
    CaseEvent::DeadlineSet(events::DeadlineSet {
        kind,
        subject,
        due_on,
        rule: kind.rule().to_owned(),
        deadline: Some(crate::domain::DeadlineId::new()),
    })
}
