//! The decision whether to assess (CFA s.36(8); Reg 5). A named person decides, with
//! reasons; refusing needs reasons the family can read (s.36(5)), and departing from
//! the plugin's advice needs a reason of its own.

use chrono::NaiveDate;
use serde::Deserialize;

use super::intake::statutory_deadline;
use super::{WorkflowError, set_deadline};
use crate::clock::BankHolidays;
use crate::domain::{
    Case, CaseId, CaseStage, DeadlineKind, DeadlineStatus, Decision, DecisionId, DecisionKind,
    DecisionOutcome, Reasons, UserId,
};
use crate::events::{self, CaseEvent};
use crate::store::{AuthorityScope, Database, NewEvent, Tx};
use crate::time::Clock;

/// Assess, or refuse to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, strum::Display)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum AssessDecision {
    /// Carry out an EHC needs assessment.
    Assess,
    /// Refuse; the family is told why, with mediation and appeal rights.
    Refuse,
}

/// The decision as the chair (or the officer with delegated power) records it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecideWhetherToAssess {
    /// Assess or refuse.
    pub decision: AssessDecision,
    /// Why, in words the family can read.
    pub reasons: String,
    /// Why the decision differs from the policy plugin's recommendation, when it does.
    #[serde(default)]
    pub departure_reason: Option<String>,
    /// Who decided: a user of the authority.
    pub decided_by: UserId,
    /// The day of the decision.
    pub decided_on: NaiveDate,
}

/// What the decision did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decided {
    /// The recorded decision.
    pub decision: Decision,
    /// The case's new stage.
    pub stage: CaseStage,
    /// Whether it was made within the 6 weeks of Reg 5(1).
    pub within_six_weeks: bool,
    /// On refusal: the last day to contact a mediation adviser (Reg 33) and to appeal
    /// (Tribunal rule 20), for the decision letter.
    pub family_deadlines: Option<(NaiveDate, NaiveDate)>,
}

/// The latest graduated-response recommendation on the case, if the plugin gave one,
/// read in the command's transaction.
fn recommendation(
    tx: &mut Tx<'_>,
    scope: &AuthorityScope,
    case: CaseId,
) -> Result<Option<String>, WorkflowError> {
    let advice = tx.advice_for_case(scope, &case)?;
    Ok(advice
        .iter()
        .rev()
        .filter(|a| a.call == "graduated-response" && a.outcome == "advice")
        .find_map(|a| {
            let output: serde_json::Value = serde_json::from_str(a.output_json.as_deref()?).ok()?;
            output
                .pointer("/Ok/recommendation")
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
        }))
}

/// Records the decision, moves the case, settles the 6-week deadline and, on "assess",
/// sets the 16- and 20-week ones, in one transaction that reads the case first: of
/// two decisions sent at once, one stands and the other is refused with the change
/// that beat it.
pub fn decide_whether_to_assess(
    db: &Database,
    scope: &AuthorityScope,
    case_id: CaseId,
    command: &DecideWhetherToAssess,
    holidays: &BankHolidays,
    clock: &dyn Clock,
) -> Result<Decided, WorkflowError> {
    super::on_case(db, scope, case_id, |tx, case| {
        decide_whether_to_assess_in(tx, scope, &case, command, holidays, clock, None)
    })
}

/// [`decide_whether_to_assess`] inside a transaction that has locked the case; at a
/// panel sitting, the decision closes the agenda item `at` names, in the same
/// transaction, and records the item on the decision.
pub(crate) fn decide_whether_to_assess_in(
    tx: &mut Tx<'_>,
    scope: &AuthorityScope,
    case: &Case,
    command: &DecideWhetherToAssess,
    holidays: &BankHolidays,
    clock: &dyn Clock,
    at: Option<&super::AtPanel>,
) -> Result<Decided, WorkflowError> {
    let case_id = case.id;
    if !matches!(
        case.stage,
        CaseStage::RequestReceived | CaseStage::AwaitingAssessmentDecision
    ) {
        return Err(WorkflowError::WrongStage {
            case: case_id,
            stage: case.stage,
            command: "the decision whether to assess",
            allowed: "after a request is received and before it is decided",
            last_change: None,
        });
    }
    let request = tx.get_request(scope, case.request_id)?;
    // The decider must be one of this authority's users.
    tx.get_user(scope, command.decided_by)
        .map_err(|_| WorkflowError::invalid("decided_by", "must be a user of this authority"))?;
    if command.decided_on > clock.today() {
        return Err(WorkflowError::invalid(
            "decided_on",
            "cannot be in the future",
        ));
    }
    if command.decided_on < request.received_on {
        return Err(WorkflowError::invalid(
            "decided_on",
            format!(
                "cannot be before the request was received ({})",
                request.received_on
            ),
        ));
    }
    let reasons = Reasons::parse(&command.reasons)?;
    let departs = match (
        recommendation(tx, scope, case_id)?.as_deref(),
        command.decision,
    ) {
        (Some("DoNotAssess"), AssessDecision::Assess) => Some("do not assess"),
        (Some("Assess"), AssessDecision::Refuse) => Some("assess"),
        _ => None,
    };
    let departure = match (departs, command.departure_reason.as_deref().map(str::trim)) {
        (Some(advised), None | Some("")) => {
            return Err(WorkflowError::invalid(
                "departure_reason",
                format!("the policy advice was to {advised}; say why the decision departs from it"),
            ));
        }
        (_, Some(text)) if !text.is_empty() => Some(text.to_owned()),
        _ => None,
    };

    let due = tx
        .list_deadlines(scope, case_id)?
        .into_iter()
        .find(|d| d.kind == DeadlineKind::DecideWhetherToAssess)
        .map(|d| d.due_on);
    let within_six_weeks = due.is_none_or(|due| command.decided_on <= due);
    let (outcome, stage) = match command.decision {
        AssessDecision::Assess => (DecisionOutcome::Agreed, CaseStage::Assessing),
        AssessDecision::Refuse => (DecisionOutcome::Refused, CaseStage::AssessmentRefused),
    };
    let family_deadlines = match command.decision {
        AssessDecision::Assess => None,
        AssessDecision::Refuse => Some(super::family_deadlines(command.decided_on, holidays)?),
    };
    let now = clock.now();
    let decision = Decision {
        id: DecisionId::new(),
        authority_id: scope.authority().clone(),
        case_id,
        agenda_item_id: at.map(|a| a.item),
        kind: DecisionKind::Assess,
        outcome,
        reasons,
        decided_by: command.decided_by,
        decided_at: now,
        choice: None,
    };
    let later = match command.decision {
        AssessDecision::Assess => vec![
            statutory_deadline(
                scope,
                case_id,
                DeadlineKind::DecideNotToIssue,
                request.received_on,
            )?,
            statutory_deadline(scope, case_id, DeadlineKind::FinalPlan, request.received_on)?,
        ],
        AssessDecision::Refuse => Vec::new(),
    };
    tx.insert_decision(scope, &decision)?;
    super::close_at_panel(tx, scope, case_id, at, decision.id, command.decided_by, now)?;
    tx.set_case_stage(scope, case_id, stage)?;
    tx.set_deadline_status(
        scope,
        case_id,
        DeadlineKind::DecideWhetherToAssess,
        DeadlineStatus::Met,
    )?;
    tx.append_event(
        scope,
        NewEvent {
            case_id: Some(case_id),
            fact: CaseEvent::DecisionRecorded(events::DecisionRecorded {
                decision: decision.id,
                kind: decision.kind,
                outcome: decision.outcome,
                decided_on: command.decided_on,
                within_six_weeks: Some(within_six_weeks),
                within_sixteen_weeks: None,
                departure_reason: departure,
                mediation_contact_by: family_deadlines.map(|d| d.0),
                appeal_by: family_deadlines.map(|d| d.1),
            }),
            actor: Some(command.decided_by),
            occurred_at: now,
        },
    )?;
    for deadline in &later {
        set_deadline(tx, scope, deadline, Some(command.decided_by), now)?;
    }
    Ok(Decided {
        decision,
        stage,
        within_six_weeks,
        family_deadlines,
    })
}
