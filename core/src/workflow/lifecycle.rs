//! A case's life around the statutory steps: a request withdrawn by the family, a
//! refusal or a decision not to issue that stood once the appeal window passed (the
//! case closes, and reopens if a late appeal or mediation arrives), the officer a case
//! is allocated to, notes of contact, and corrections to a child's details.
//!
//! Each command takes the case (or the child) first and decides on what it read in its
//! own transaction, so two people acting at once never both act on the same state.

use chrono::NaiveDate;
use serde::Deserialize;

use super::execute::{CaseCommand, Context, record};
use super::{CaseState, WorkflowError, on_case};
use crate::domain::{
    AuthorityReference, CaseId, CaseNote, CaseNoteId, CaseStage, ChildCorrection,
    ChildCorrectionId, ChildField, ChildId, ClosedReason, EthnicityCode, EventKind, NhsNumber,
    NoteKind, PersonName, Postcode, Sex, Upn, UserId, UserRole, text,
};
use crate::events::{self, CaseEvent};
use crate::services::{Actor, Services};
use crate::store::{AuthorityScope, Database, NewEvent, StoreError};
use crate::time::Clock;

/// Stages at which a family may still withdraw its request: before a final plan. Once
/// the plan is issued there is no request left to withdraw (a plan ceases instead).
pub const WITHDRAWABLE: [CaseStage; 5] = [
    CaseStage::RequestReceived,
    CaseStage::AwaitingAssessmentDecision,
    CaseStage::Assessing,
    CaseStage::AwaitingIssueDecision,
    CaseStage::DraftPlan,
];

/// Stages a case closes from when the decision stands: a refusal to assess, and a
/// decision not to issue a plan, both carrying appeal rights (CFA s.51).
pub const CLOSE_WHEN_WINDOW_PASSES: [CaseStage; 2] =
    [CaseStage::AssessmentRefused, CaseStage::NotToIssue];

/// The family's (or young person's) withdrawal of the request.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawRequest {
    /// The day they withdrew it.
    pub withdrawn_on: NaiveDate,
    /// Their reason, as they gave it.
    pub reason: String,
}

impl CaseCommand for WithdrawRequest {
    type Outcome = CaseStage;
    const STEP: super::Step = super::Step::WithdrawRequest;

    /// Closes the case from any stage before a final plan, on a day not in the future
    /// and not before the request arrived. The open limits stay as they were: the
    /// record shows what was due when the family withdrew.
    fn decide(
        &self,
        state: &CaseState,
        ctx: &Context<'_>,
    ) -> Result<Vec<CaseEvent>, WorkflowError> {
        let from = state.stage();
        if !WITHDRAWABLE.contains(&from) {
            return Err(WorkflowError::WrongStage {
                case: ctx.case,
                stage: from,
                command: "withdraw the request",
                allowed: "before a final plan is issued",
                last_change: None,
            });
        }
        super::not_after_today(self.withdrawn_on, "withdrawn_on", ctx)?;
        if let Some(received) = state.received_on
            && self.withdrawn_on < received
        {
            return Err(WorkflowError::invalid(
                "withdrawn_on",
                format!("cannot be before the request was received ({received})"),
            ));
        }
        let reason = self.reason.trim();
        if reason.is_empty() || reason.chars().count() > 1000 {
            return Err(WorkflowError::invalid(
                "reason",
                "must give the family's reason, in 1 to 1000 characters",
            ));
        }
        text::free_text("reason", reason)?;
        Ok(vec![CaseEvent::RequestWithdrawn(
            events::RequestWithdrawn {
                withdrawn_on: self.withdrawn_on,
                reason: reason.to_owned(),
                from,
            },
        )])
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

/// Records the family's withdrawal of the request and closes the case.
pub fn withdraw_request(
    db: &Database,
    scope: &AuthorityScope,
    case_id: CaseId,
    command: &WithdrawRequest,
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

/// The fact that closes a case whose decision stood, if it should close today: at a
/// refusal or a decision not to issue, no mediation open, no appeal pending, and the
/// family's last day to appeal (or the later day a mediation certificate gave) passed.
/// A case whose decision carried no appeal date is left open: the record cannot say
/// when its window ends.
pub fn closing(state: &CaseState, today: NaiveDate) -> Option<CaseEvent> {
    let from = state.stage();
    let window_passed = state.appeal_window_ends.is_some_and(|last| last < today);
    (CLOSE_WHEN_WINDOW_PASSES.contains(&from)
        && window_passed
        && !state.mediation_open()
        && !state.appeal_pending())
    .then_some(CaseEvent::CaseClosed(events::CaseClosed {
        reason: ClosedReason::AppealWindowPassed,
        closed_on: today,
        from,
    }))
}

/// The fact that reopens a case closed because its decision stood, when an appeal or
/// a request for mediation arrives for it after all (the Tribunal may accept an appeal
/// late). `None` for any other case.
pub fn reopening(state: &CaseState, because: EventKind) -> Option<CaseEvent> {
    let to = state.reopens_to?;
    (state.stage() == CaseStage::Closed).then_some(CaseEvent::CaseReopened(events::CaseReopened {
        to,
        because,
    }))
}

/// Closes every case of the scope whose decision stood past its appeal window
/// ([`closing`]), each in its own transaction that takes the case and decides on what
/// it reads, so a run beside another (or beside an appeal being recorded) closes each
/// case once and never one that has just had an appeal. Returns the cases closed.
pub fn close_cases_past_appeal_window(
    db: &Database,
    scope: &AuthorityScope,
    clock: &dyn Clock,
) -> Result<Vec<CaseId>, WorkflowError> {
    let candidates = db.read(|tx| tx.cases_at(scope, &CLOSE_WHEN_WINDOW_PASSES))?;
    let mut closed = Vec::new();
    for case_id in candidates {
        let did_close = on_case(db, scope, case_id, |tx, case| {
            let state = CaseState::load(tx, scope, case.id)?;
            let Some(fact) = closing(&state, clock.today()) else {
                return Ok(false);
            };
            tx.note_last_sequence(case.id, state.last_sequence);
            let ctx = Context::new(scope, case.id, None, super::calendar_only(), clock);
            record(tx, scope, state, &[fact], &ctx)?;
            Ok(true)
        })?;
        if did_close {
            closed.push(case_id);
        }
    }
    Ok(closed)
}

/// Runs [`close_cases_past_appeal_window`] for each authority every `every`, inside
/// `serve`: a case closes within the hour after its window passes, and a restart, or
/// a second server doing the same, closes nothing twice (each case is taken first).
pub fn spawn_closing(
    db: Database,
    scopes: Vec<AuthorityScope>,
    every: std::time::Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(every);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            let (db, scopes) = (db.clone(), scopes.clone());
            let round = tokio::task::spawn_blocking(move || {
                for scope in &scopes {
                    match close_cases_past_appeal_window(&db, scope, &crate::time::SystemClock) {
                        Ok(closed) if !closed.is_empty() => {
                            tracing::info!(authority = %scope.authority(), closed = closed.len(), "cases closed after their appeal window");
                        }
                        Ok(_) => {}
                        Err(error) => {
                            tracing::error!(authority = %scope.authority(), %error, "closing cases failed this round");
                        }
                    }
                }
            })
            .await;
            if let Err(error) = round {
                tracing::error!(%error, "the closing round stopped");
            }
        }
    })
}

/// Allocating a case to an officer, as a caseworker or manager asks for it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AllocateCase {
    /// The officer to allocate it to; `None` to leave the case unallocated.
    #[schema(value_type = Option<String>)]
    pub officer: Option<UserId>,
    /// The officer the person allocating saw on the case. When another allocation came
    /// first, this no longer matches and nothing changes: they are told who it is now.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub expected_officer: Option<UserId>,
    /// Why, if they say (a reallocation's reason is worth keeping).
    #[serde(default)]
    pub reason: Option<String>,
}

/// Who may hold a caseload: caseworkers and admins (who often manage the team).
pub const OFFICER_ROLES: [UserRole; 2] = [UserRole::Caseworker, UserRole::Admin];

/// Allocates a case, or takes its officer off it, with a `CaseAllocated` event holding
/// the officer before and after: the event log is the allocation's history. Refused,
/// changing nothing, when the officer is not an enabled caseworker or admin of this
/// authority, when the case already has that officer, or when the officer the caller
/// saw is no longer the case's (another allocation came first: a conflict).
pub fn allocate_case(
    db: &Database,
    scope: &AuthorityScope,
    case_id: CaseId,
    command: &AllocateCase,
    actor: UserId,
    clock: &dyn Clock,
) -> Result<Option<UserId>, WorkflowError> {
    let reason = command
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(|r| text::free_text("reason", r).map(str::to_owned))
        .transpose()?;
    on_case(db, scope, case_id, |tx, case| {
        if case.officer_id != command.expected_officer {
            return Err(StoreError::Conflict(format!(
                "the case was allocated by someone else meanwhile (it is now {}); nothing was changed",
                case.officer_id
                    .map_or_else(|| "unallocated".to_owned(), |o| o.to_string())
            ))
            .into());
        }
        if case.officer_id == command.officer {
            return Err(WorkflowError::invalid(
                "officer",
                "the case is already allocated to this officer",
            ));
        }
        if let Some(officer) = command.officer {
            let account = tx.get_account(scope, officer).map_err(|_| {
                WorkflowError::invalid("officer", "must be a user of this authority")
            })?;
            if !OFFICER_ROLES.contains(&account.user.role) || !account.is_enabled() {
                return Err(WorkflowError::invalid(
                    "officer",
                    "must be an enabled caseworker or admin",
                ));
            }
        }
        tx.set_case_officer(scope, case.id, command.officer)?;
        tx.append_event(
            scope,
            NewEvent {
                case_id: Some(case.id),
                fact: CaseEvent::CaseAllocated(events::CaseAllocated {
                    officer: command.officer,
                    previous: case.officer_id,
                    reason: reason.clone(),
                }),
                actor: Some(actor),
                occurred_at: clock.now(),
            },
        )?;
        Ok(command.officer)
    })
}

/// A note of contact, as a caseworker writes it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCaseNote {
    /// How the contact happened.
    pub kind: NoteKind,
    /// With whom.
    pub with_whom: String,
    /// The day it happened.
    pub occurred_on: NaiveDate,
    /// What was said or agreed.
    pub summary: String,
}

/// Adds a note of contact to a case, with a `CaseNoteRecorded` event, in one
/// transaction that takes the case. Refused, changing nothing, when the day is in the
/// future or before the request, or a field is empty or too long.
pub fn add_case_note(
    db: &Database,
    scope: &AuthorityScope,
    case_id: CaseId,
    command: &NewCaseNote,
    actor: UserId,
    clock: &dyn Clock,
) -> Result<CaseNote, WorkflowError> {
    let with_whom = text::one_line("with_whom", command.with_whom.trim())?;
    if with_whom.is_empty() || with_whom.chars().count() > 200 {
        return Err(WorkflowError::invalid(
            "with_whom",
            "must say who the contact was with, in 1 to 200 characters",
        ));
    }
    let summary = text::free_text("summary", command.summary.trim())?;
    if summary.is_empty() || summary.chars().count() > 4000 {
        return Err(WorkflowError::invalid(
            "summary",
            "must say what was said or agreed, in 1 to 4000 characters",
        ));
    }
    super::not_future(command.occurred_on, "occurred_on", clock)?;
    on_case(db, scope, case_id, |tx, case| {
        let request = tx.get_request(scope, case.request_id)?;
        if command.occurred_on < request.received_on - chrono::Days::new(366) {
            return Err(WorkflowError::invalid(
                "occurred_on",
                "is more than a year before the request was received",
            ));
        }
        let note = CaseNote {
            id: CaseNoteId::new(),
            authority_id: scope.authority().clone(),
            case_id: case.id,
            kind: command.kind,
            with_whom: with_whom.to_owned(),
            occurred_on: command.occurred_on,
            summary: summary.to_owned(),
            recorded_by: actor,
            recorded_at: clock.now(),
        };
        tx.insert_case_note(scope, &note)?;
        tx.append_event(
            scope,
            NewEvent {
                case_id: Some(case.id),
                fact: CaseEvent::CaseNoteRecorded(events::CaseNoteRecorded {
                    note: note.id,
                    occurred_on: note.occurred_on,
                }),
                actor: Some(actor),
                occurred_at: note.recorded_at,
            },
        )?;
        Ok(note)
    })
}

/// A correction to one of a child's details.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectChild {
    /// Which detail.
    pub field: ChildField,
    /// The value the person correcting saw: when someone else corrected it meanwhile,
    /// this no longer matches and nothing changes.
    #[serde(default)]
    pub expected: Option<String>,
    /// The corrected value; empty or absent clears an optional detail.
    #[serde(default)]
    pub value: Option<String>,
    /// Why: "birth certificate seen", "UPN mistyped at intake".
    pub reason: String,
}

/// Corrects one of a child's details, keeping the value it replaces, who changed it and
/// why, with a `ChildDetailsCorrected` event on each of the child's cases, in one
/// transaction that takes the child. Refused, changing nothing, when the value breaks
/// its rule (a UPN's check letter, an NHS number's check digit), a required detail
/// would be cleared, the value is unchanged, another child holds the UPN or reference,
/// or the value seen is no longer the child's (a conflict).
pub fn correct_child(
    db: &Database,
    scope: &AuthorityScope,
    child_id: ChildId,
    command: &CorrectChild,
    actor: UserId,
    clock: &dyn Clock,
) -> Result<ChildCorrection, WorkflowError> {
    let reason = text::free_text("reason", command.reason.trim())?;
    if reason.is_empty() || reason.chars().count() > 1000 {
        return Err(WorkflowError::invalid(
            "reason",
            "must say why the detail is corrected, in 1 to 1000 characters",
        ));
    }
    let value = command
        .value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty());
    db.write_with(|tx| {
        let mut child = tx.lock_child(scope, child_id)?;
        let old = field_value(&child, command.field);
        if old.as_deref()
            != command
                .expected
                .as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
        {
            return Err(StoreError::Conflict(format!(
                "the {} was changed by someone else meanwhile; nothing was changed",
                command.field.to_string().replace('_', " ")
            ))
            .into());
        }
        set_field(&mut child, command.field, value, clock.today())?;
        let new = field_value(&child, command.field);
        if new == old {
            return Err(WorkflowError::invalid(
                "value",
                "is the same as the value recorded",
            ));
        }
        if command.field == ChildField::Upn
            && let Some(upn) = &child.upn
            && tx
                .find_child_by_upn(scope, upn)?
                .is_some_and(|c| c.id != child.id)
        {
            return Err(WorkflowError::invalid(
                "value",
                "is the UPN of another child",
            ));
        }
        if command.field == ChildField::AuthorityReference
            && let Some(reference) = &child.authority_reference
            && tx
                .find_child_by_reference(scope, reference)?
                .is_some_and(|c| c.id != child.id)
        {
            return Err(WorkflowError::invalid(
                "value",
                "is the reference of another child",
            ));
        }
        tx.update_child(scope, &child)?;
        let correction = ChildCorrection {
            id: ChildCorrectionId::new(),
            authority_id: scope.authority().clone(),
            child_id: child.id,
            field: command.field,
            old_value: old,
            new_value: new,
            reason: reason.to_owned(),
            corrected_by: actor,
            corrected_at: clock.now(),
        };
        tx.insert_child_correction(scope, &correction)?;
        for case in tx.cases_of_child(scope, child.id)? {
            tx.append_event(
                scope,
                NewEvent {
                    case_id: Some(case),
                    fact: CaseEvent::ChildDetailsCorrected(events::ChildDetailsCorrected {
                        child: child.id,
                        correction: correction.id,
                        field: command.field.to_string(),
                    }),
                    actor: Some(actor),
                    occurred_at: correction.corrected_at,
                },
            )?;
        }
        Ok(correction)
    })
}

/// A child's detail as text, as the corrections keep it.
pub fn field_value(child: &crate::domain::Child, field: ChildField) -> Option<String> {
    match field {
        ChildField::GivenName => Some(child.given_name.to_string()),
        ChildField::FamilyName => Some(child.family_name.to_string()),
        ChildField::DateOfBirth => Some(child.date_of_birth.to_string()),
        ChildField::Upn => child.upn.as_ref().map(ToString::to_string),
        ChildField::NhsNumber => child.nhs_number.as_ref().map(|n| n.as_str().to_owned()),
        ChildField::AuthorityReference => {
            child.authority_reference.as_ref().map(ToString::to_string)
        }
        ChildField::Sex => child.sex.map(|s| s.to_string()),
        ChildField::Ethnicity => child.ethnicity.as_ref().map(|e| e.as_str().to_owned()),
        ChildField::Postcode => child.postcode.as_ref().map(|p| p.as_str().to_owned()),
    }
}

/// Sets one detail from its text, by the detail's own rule.
fn set_field(
    child: &mut crate::domain::Child,
    field: ChildField,
    value: Option<&str>,
    today: NaiveDate,
) -> Result<(), WorkflowError> {
    let required = || WorkflowError::invalid("value", "cannot be cleared: the record needs it");
    match field {
        ChildField::GivenName => {
            child.given_name = PersonName::parse("value", value.ok_or_else(required)?)?;
        }
        ChildField::FamilyName => {
            child.family_name = PersonName::parse("value", value.ok_or_else(required)?)?;
        }
        ChildField::DateOfBirth => {
            let day = value.ok_or_else(required)?;
            let born = NaiveDate::parse_from_str(day, "%Y-%m-%d")
                .map_err(|_| WorkflowError::invalid("value", "must be a date, YYYY-MM-DD"))?;
            if born > today {
                return Err(WorkflowError::invalid("value", "cannot be in the future"));
            }
            child.date_of_birth = born;
        }
        ChildField::Upn => child.upn = value.map(Upn::parse).transpose()?,
        ChildField::NhsNumber => child.nhs_number = value.map(NhsNumber::parse).transpose()?,
        ChildField::AuthorityReference => {
            child.authority_reference = value.map(AuthorityReference::parse).transpose()?;
        }
        ChildField::Sex => {
            child.sex = value
                .map(|v| {
                    v.parse::<Sex>()
                        .map_err(|_| WorkflowError::invalid("value", "must be M, F or U"))
                })
                .transpose()?;
        }
        ChildField::Ethnicity => child.ethnicity = value.map(EthnicityCode::parse).transpose()?,
        ChildField::Postcode => child.postcode = value.map(Postcode::parse).transpose()?,
    }
    if child.upn.is_none() && child.authority_reference.is_none() {
        return Err(WorkflowError::invalid(
            "value",
            "a child without a UPN needs an authority reference; give one first",
        ));
    }
    Ok(())
}

/// Who may allocate cases, write notes and correct a child's details: the people who
/// run the casework (caseworkers and admins), as for the catalogue's casework steps.
pub const CASEWORK: [UserRole; 2] = [UserRole::Caseworker, UserRole::Admin];

fn refuse_unless_casework(actor: &Actor, doing: &'static str) -> Result<(), WorkflowError> {
    if CASEWORK.contains(&actor.role) {
        Ok(())
    } else {
        Err(WorkflowError::NotAllowed {
            role: actor.role,
            doing,
        })
    }
}

impl Services {
    /// Whether `actor` may do casework on `case`: refused for a role outside
    /// [`CASEWORK`], `NotFound` for another authority's case. A form that cannot be read
    /// is answered only after this, so it tells nobody that a case exists.
    pub fn may_work_on(&self, actor: &Actor, case: CaseId) -> Result<(), WorkflowError> {
        refuse_unless_casework(actor, "work on cases")?;
        self.db.read(|tx| tx.get_case(&actor.scope, case))?;
        Ok(())
    }

    /// [`allocate_case`] for `actor`: refused for a role outside [`CASEWORK`].
    pub fn allocate(
        &self,
        actor: &Actor,
        case: CaseId,
        command: &AllocateCase,
    ) -> Result<Option<UserId>, WorkflowError> {
        refuse_unless_casework(actor, "allocate cases")?;
        allocate_case(
            &self.db,
            &actor.scope,
            case,
            command,
            actor.user,
            self.clock.as_ref(),
        )
    }

    /// [`add_case_note`] for `actor`: refused for a role outside [`CASEWORK`].
    pub fn add_note(
        &self,
        actor: &Actor,
        case: CaseId,
        command: &NewCaseNote,
    ) -> Result<CaseNote, WorkflowError> {
        refuse_unless_casework(actor, "write case notes")?;
        add_case_note(
            &self.db,
            &actor.scope,
            case,
            command,
            actor.user,
            self.clock.as_ref(),
        )
    }

    /// [`correct_child`] for `actor`: refused for a role outside [`CASEWORK`].
    pub fn correct_child(
        &self,
        actor: &Actor,
        child: ChildId,
        command: &CorrectChild,
    ) -> Result<ChildCorrection, WorkflowError> {
        refuse_unless_casework(actor, "correct a child's details")?;
        correct_child(
            &self.db,
            &actor.scope,
            child,
            command,
            actor.user,
            self.clock.as_ref(),
        )
    }

    /// The enabled officers a case can be allocated to, by name.
    pub fn officers(&self, actor: &Actor) -> Result<Vec<crate::domain::User>, WorkflowError> {
        let accounts = self.db.read(|tx| tx.list_accounts(&actor.scope))?;
        Ok(officers_among(accounts))
    }
}

/// The accounts that may hold cases (enabled caseworkers and admins), by name.
pub(crate) fn officers_among(accounts: Vec<crate::domain::Account>) -> Vec<crate::domain::User> {
    let mut officers: Vec<crate::domain::User> = accounts
        .into_iter()
        .filter(|a| a.is_enabled() && OFFICER_ROLES.contains(&a.user.role))
        .map(|a| a.user)
        .collect();
    officers.sort_by(|a, b| a.display_name.cmp(&b.display_name));
    officers
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{DecisionId, DecisionKind, DecisionOutcome, RequestId, RequestedBy};

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap_or_default()
    }

    fn refused_with_window(appeal_by: NaiveDate) -> CaseState {
        let mut state = CaseState::default();
        for fact in [
            CaseEvent::RequestReceived(events::RequestReceived {
                request: RequestId::new(),
                child: ChildId::new(),
                received_on: day(1, 5),
                requested_by: RequestedBy::Parent,
            }),
            CaseEvent::DecisionRecorded(events::DecisionRecorded {
                decision: DecisionId::new(),
                kind: DecisionKind::Assess,
                outcome: DecisionOutcome::Refused,
                decided_on: day(2, 10),
                within_six_weeks: Some(true),
                within_sixteen_weeks: None,
                departure_reason: None,
                mediation_contact_by: Some(appeal_by),
                appeal_by: Some(appeal_by),
                reasons: None,
                agenda_item: None,
            }),
        ] {
            let _ = state.apply(&fact);
        }
        state
    }

    #[test]
    fn a_refusal_closes_only_after_its_last_day_to_appeal() {
        let state = refused_with_window(day(4, 10));
        assert_eq!(
            closing(&state, day(4, 10)),
            None,
            "the last day itself is open"
        );
        let Some(CaseEvent::CaseClosed(closed)) = closing(&state, day(4, 11)) else {
            panic!("closes the day after");
        };
        assert_eq!(closed.from, CaseStage::AssessmentRefused);
        assert_eq!(closed.reason, ClosedReason::AppealWindowPassed);
    }

    #[test]
    fn a_closed_refusal_reopens_at_its_stage_and_a_withdrawal_never_does() {
        let mut state = refused_with_window(day(4, 10));
        let closed = closing(&state, day(5, 1)).unwrap_or_else(|| panic!("closes"));
        let _ = state.apply(&closed);
        assert_eq!(state.stage(), CaseStage::Closed);
        let Some(reopened) = reopening(&state, EventKind::AppealLodged) else {
            panic!("reopens");
        };
        let _ = state.apply(&reopened);
        assert_eq!(state.stage(), CaseStage::AssessmentRefused);
        assert_eq!(reopening(&state, EventKind::AppealLodged), None);

        let mut withdrawn = refused_with_window(day(4, 10));
        let _ = withdrawn.apply(&CaseEvent::RequestWithdrawn(events::RequestWithdrawn {
            withdrawn_on: day(3, 1),
            reason: "moved school".into(),
            from: CaseStage::AssessmentRefused,
        }));
        assert_eq!(reopening(&withdrawn, EventKind::AppealLodged), None);
    }
}
