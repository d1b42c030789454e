//! The decision whether to issue an EHC plan after assessment (CFA s.37(1); SEND
//! Regulations 2014 reg. 10). A plan must be made where, after assessment, it is
//! necessary; a named person decides, with reasons. Deciding not to issue must be done
//! within 16 weeks of the request (reg. 10(1)) and ends the duty to issue a final plan
//! within 20 (reg. 13(2)): no plan follows, so that limit is settled with it.

use chrono::NaiveDate;
use serde::Deserialize;

use super::WorkflowError;
use super::advice::assessment_began;
use crate::clock::BankHolidays;
use crate::domain::{
    Case, CaseId, CaseStage, DeadlineKind, DeadlineStatus, Decision, DecisionId, DecisionKind,
    DecisionOutcome, Reasons, UserId,
};
use crate::events::{self, CaseEvent};
use crate::store::{AuthorityScope, Database, NewEvent, Tx};
use crate::time::Clock;

/// Issue a plan, or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, strum::Display)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum IssueDecision {
    /// A plan is necessary (CFA s.37(1)): the draft is prepared and served.
    Issue,
    /// A plan is not necessary; the family is told why, with mediation and appeal
    /// rights (reg. 10(2)).
    DoNotIssue,
}

/// The decision as the chair (or the officer with delegated power) records it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecideWhetherToIssue {
    /// Issue or not.
    pub decision: IssueDecision,
    /// Why, in words the family can read.
    pub reasons: String,
    /// Who decided: a user of the authority.
    pub decided_by: UserId,
    /// The day of the decision.
    pub decided_on: NaiveDate,
}

/// What the decision did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueDecided {
    /// The recorded decision.
    pub decision: Decision,
    /// The case's new stage: `DraftPlan` or `NotToIssue`.
    pub stage: CaseStage,
    /// Whether it was made within the 16 weeks of reg. 10(1).
    pub within_sixteen_weeks: bool,
    /// On "do not issue": the last day to contact a mediation adviser (reg. 33) and to
    /// appeal (Tribunal rule 20), for the decision letter.
    pub family_deadlines: Option<(NaiveDate, NaiveDate)>,
}

/// Records the decision, settles the 16-week limit and moves the case, in one
/// transaction: "issue" moves it to `DraftPlan`, where the draft is prepared and served
/// (reg. 13(1)); "do not issue" moves it to `NotToIssue` and marks the 20-week final
/// plan limit met, because a refusal to issue ends the duty to issue a plan within 20
/// weeks (reg. 13(2)). Refused, changing nothing, unless the case is being assessed,
/// when the reasons are empty, when `decided_on` is in the future or before the
/// assessment began, or when the decider is not a user of the authority (which role
/// may decide is the caller's check).
pub fn decide_whether_to_issue(
    db: &Database,
    scope: &AuthorityScope,
    case_id: CaseId,
    command: &DecideWhetherToIssue,
    holidays: &BankHolidays,
    clock: &dyn Clock,
) -> Result<IssueDecided, WorkflowError> {
    super::on_case(db, scope, case_id, |tx, case| {
        decide_whether_to_issue_in(tx, scope, &case, command, holidays, clock, None)
    })
}

/// [`decide_whether_to_issue`] inside a transaction that has locked the case; at a
/// panel sitting, the decision closes the agenda item `at` names, in the same
/// transaction, and records the item on the decision.
pub(crate) fn decide_whether_to_issue_in(
    tx: &mut Tx<'_>,
    scope: &AuthorityScope,
    case: &Case,
    command: &DecideWhetherToIssue,
    holidays: &BankHolidays,
    clock: &dyn Clock,
    at: Option<&super::AtPanel>,
) -> Result<IssueDecided, WorkflowError> {
    let case_id = case.id;
    if case.stage != CaseStage::Assessing {
        return Err(WorkflowError::WrongStage {
            case: case_id,
            stage: case.stage,
            command: "the decision whether to issue a plan",
            allowed: "while the case is being assessed",
            last_change: None,
        });
    }
    // The decider must be one of this authority's users.
    tx.get_user(scope, command.decided_by)
        .map_err(|_| WorkflowError::invalid("decided_by", "must be a user of this authority"))?;
    let today = clock.today();
    if command.decided_on > today {
        return Err(WorkflowError::invalid(
            "decided_on",
            format!("cannot be in the future (today is {today})"),
        ));
    }
    if let Some(began) = assessment_began(tx, scope, case_id)?
        && command.decided_on < began
    {
        return Err(WorkflowError::invalid(
            "decided_on",
            format!("cannot be before the decision to assess ({began})"),
        ));
    }
    let reasons = Reasons::parse(&command.reasons)?;

    let due = tx
        .list_deadlines(scope, case_id)?
        .into_iter()
        .find(|d| d.kind == DeadlineKind::DecideNotToIssue)
        .map(|d| d.due_on);
    let within_sixteen_weeks = due.is_none_or(|due| command.decided_on <= due);
    let (outcome, stage) = match command.decision {
        IssueDecision::Issue => (DecisionOutcome::Agreed, CaseStage::DraftPlan),
        IssueDecision::DoNotIssue => (DecisionOutcome::Refused, CaseStage::NotToIssue),
    };
    let family_deadlines = match command.decision {
        IssueDecision::Issue => None,
        IssueDecision::DoNotIssue => Some(super::family_deadlines(command.decided_on, holidays)?),
    };
    let now = clock.now();
    let decision = Decision {
        id: DecisionId::new(),
        authority_id: scope.authority().clone(),
        case_id,
        agenda_item_id: at.map(|a| a.item),
        kind: DecisionKind::Issue,
        outcome,
        reasons,
        decided_by: command.decided_by,
        decided_at: now,
        choice: None,
    };
    tx.insert_decision(scope, &decision)?;
    super::close_at_panel(tx, scope, case_id, at, decision.id, command.decided_by, now)?;
    tx.set_case_stage(scope, case_id, stage)?;
    tx.set_deadline_status(
        scope,
        case_id,
        DeadlineKind::DecideNotToIssue,
        DeadlineStatus::Met,
    )?;
    if command.decision == IssueDecision::DoNotIssue {
        tx.set_deadline_status(scope, case_id, DeadlineKind::FinalPlan, DeadlineStatus::Met)?;
    }
    tx.append_event(
        scope,
        NewEvent {
            case_id: Some(case_id),
            fact: CaseEvent::DecisionRecorded(events::DecisionRecorded {
                decision: decision.id,
                kind: decision.kind,
                outcome: decision.outcome,
                decided_on: command.decided_on,
                within_six_weeks: None,
                within_sixteen_weeks: Some(within_sixteen_weeks),
                departure_reason: None,
                mediation_contact_by: family_deadlines.map(|d| d.0),
                appeal_by: family_deadlines.map(|d| d.1),
            }),
            actor: Some(command.decided_by),
            occurred_at: now,
        },
    )?;
    Ok(IssueDecided {
        decision,
        stage,
        within_sixteen_weeks,
        family_deadlines,
    })
}
