//! Given facts, when a command, then facts or an error: the shared parts of the
//! workflow's decision tests, which run every command's `decide` with no database.
#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)] // test helpers: a failed expectation is the test failing

use chrono::{NaiveDate, TimeZone, Utc};

use super::{CaseCommand, CaseState, Context, WorkflowError};
use crate::clock::BankHolidays;
use crate::domain::{AuthorityId, CaseId, ChildId, RequestId, RequestedBy, UserId};
use crate::events::{self, CaseEvent};

/// A day in the autumn term of 2023, when these tests' cases run.
pub(crate) fn day(month: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2023, month, d).unwrap_or_default()
}

/// The day the tests' clock reads.
pub(crate) fn today() -> NaiveDate {
    day(12, 1)
}

/// The bank holidays the tests count with (England and Wales, as shipped).
pub(crate) fn holidays() -> &'static BankHolidays {
    static HOLIDAYS: std::sync::OnceLock<BankHolidays> = std::sync::OnceLock::new();
    HOLIDAYS.get_or_init(BankHolidays::england_and_wales)
}

/// A context for one case, acted on by one user on [`today`].
pub(crate) fn context() -> Context<'static> {
    Context {
        authority: AuthorityId::parse("torbay").unwrap_or_else(|_| unreachable!()),
        case: CaseId::new(),
        actor: Some(UserId::new()),
        now: Utc.from_utc_datetime(&today().and_hms_opt(10, 0, 0).unwrap_or_default()),
        today: today(),
        holidays: holidays(),
        at: None,
        recommendation: None,
    }
}

/// The request received on `on`: every case's first fact.
pub(crate) fn received(on: NaiveDate) -> CaseEvent {
    CaseEvent::RequestReceived(events::RequestReceived {
        request: RequestId::new(),
        child: ChildId::new(),
        received_on: on,
        requested_by: RequestedBy::Parent,
    })
}

/// The state `facts` fold to.
pub(crate) fn given(facts: &[CaseEvent]) -> CaseState {
    let mut state = CaseState::default();
    for fact in facts {
        let _ = state.apply(fact);
    }
    state
}

/// What `command` decides on the state `facts` fold to.
pub(crate) fn when<C: CaseCommand>(
    facts: &[CaseEvent],
    command: &C,
) -> Result<Vec<CaseEvent>, WorkflowError> {
    command.decide(&given(facts), &context())
}

/// The kinds of `facts`, in order: what most "then" lines compare.
pub(crate) fn kinds(facts: &[CaseEvent]) -> Vec<crate::domain::EventKind> {
    facts.iter().map(CaseEvent::kind).collect()
}

/// The field and rule of an invalid-input refusal, panicking with the result otherwise.
pub(crate) fn refused_field<T: std::fmt::Debug>(result: Result<T, WorkflowError>) -> &'static str {
    match result {
        Err(WorkflowError::Invalid { field, .. }) => field,
        other => panic!("expected an invalid-input refusal, got {other:?}"),
    }
}
