//! Disagreements with a decision: mediation (CFA s.53; SEND Regulations 2014 regs.
//! 32-42) and appeals to the First-tier Tribunal (SEND) (CFA s.51), with the steps the
//! Tribunal may order and the weeks reg. 44(2) gives the authority for each.
//!
//! The family's own limits (contacting a mediation adviser within 2 months, appealing
//! by the Tribunal rule 20 date) are theirs, not the authority's: they are recorded and
//! reported (was the appeal in time?) but never set as the authority's deadlines. The
//! authority's limits are holding mediation within 30 days (regs. 36-37) and carrying
//! out an order.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{CaseState, WorkflowError, not_future, open_limit, set_deadline};
use crate::clock::limits;
use crate::clock::{BankHolidays, ClockFacts};
use crate::domain::{CaseId, CaseStage, DeadlineKind, DeadlineStatus, DecisionId, Event, UserId};
use crate::events::{self, CaseEvent};
use crate::store::{AuthorityScope, Database, NewEvent, Tx};
use crate::time::Clock;

/// The family asked for mediation on a decision.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestMediation {
    /// The decision disputed: one recorded on this case.
    pub decision: DecisionId,
    /// The day the decision notice, with its mediation and appeal rights, was sent.
    pub notice_sent_on: NaiveDate,
    /// The day the authority was told the family wants mediation: the 30 days of regs.
    /// 36-37 start here.
    pub requested_on: NaiveDate,
}

/// How mediation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, strum::Display)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum MediationOutcome {
    /// Agreement reached (the authority must act on it, reg. 42).
    Agreement,
    /// Held, without agreement: the family may appeal.
    NoAgreement,
    /// The family withdrew before it was held.
    Withdrawn,
}

/// Mediation ended, as the caseworker records it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordMediationOutcome {
    /// The day it was held, or withdrawn.
    pub ended_on: NaiveDate,
    /// What came of it.
    pub outcome: MediationOutcome,
    /// The day the mediation certificate was issued, if it was: an appeal may then be
    /// made until a month after it, if that is later (Tribunal rule 20).
    #[serde(default)]
    pub certificate_issued_on: Option<NaiveDate>,
}

/// What concluding mediation recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediationConcluded {
    /// Whether it ended within the 30 days of regs. 36-37.
    pub within_thirty_days: bool,
    /// The family's last day to appeal, for the letter that confirms the outcome.
    pub appeal_by: NaiveDate,
}

/// The family appealed a decision to the First-tier Tribunal (SEND).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LodgeAppeal {
    /// The decision appealed: one recorded on this case.
    pub decision: DecisionId,
    /// The day its decision notice was sent.
    pub notice_sent_on: NaiveDate,
    /// The day the Tribunal received the appeal.
    pub lodged_on: NaiveDate,
    /// The day a mediation certificate was issued, if one was.
    #[serde(default)]
    pub mediation_certificate_issued_on: Option<NaiveDate>,
}

/// What lodging an appeal recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppealLodged {
    /// The family's last day to appeal (Tribunal rule 20).
    pub appeal_by: NaiveDate,
    /// Whether the appeal came by it (the Tribunal may still admit a late one).
    pub in_time: bool,
}

/// What the Tribunal ordered the authority to do (SEND Regulations 2014 reg. 43(2)),
/// each with the weeks reg. 44(2) allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, strum::Display)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum TribunalOrder {
    /// Assess: notify the family within 2 weeks; decide not to issue within 10 weeks,
    /// or issue the final plan within 14 weeks.
    Assess,
    /// Make and maintain a plan: draft within 5 weeks, final within 11 weeks.
    MakePlan,
    /// Reconsider (a case referred back): within 2 weeks.
    Reconsider,
    /// Amend the plan's provision: within 5 weeks.
    AmendProvision,
    /// Name another school or college, or type: within 2 weeks.
    ChangeSetting,
    /// Continue to maintain a plan the authority ceased: at once.
    ContinueToMaintain,
    /// Continue to maintain and amend: at once, and the amended plan within 5 weeks.
    ContinueAndAmend,
}

impl TribunalOrder {
    /// The steps the order requires, each with its weeks from the order (reg. 44(2)).
    fn steps(self) -> &'static [(&'static str, u64)] {
        match self {
            Self::Assess => &[
                ("notify_assessment", 2),
                ("decide_not_to_issue", 10),
                ("final_plan", 14),
            ],
            Self::MakePlan => &[("draft_plan", 5), ("final_plan", 11)],
            Self::Reconsider => &[("reconsider", 2)],
            Self::AmendProvision | Self::ContinueAndAmend => &[("amended_plan", 5)],
            Self::ChangeSetting => &[("amended_plan", 2)],
            Self::ContinueToMaintain => &[],
        }
    }
}

/// How the appeal ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, strum::Display)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum TribunalOutcome {
    /// The Tribunal upheld the authority's decision.
    Dismissed,
    /// The family withdrew the appeal.
    Withdrawn,
    /// The authority conceded before responding (reg. 45: an unopposed appeal).
    Conceded,
    /// The Tribunal ordered the authority to act; `order` says how.
    Ordered,
}

/// The Tribunal's decision, as the caseworker records it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordTribunalDecision {
    /// The day of the decision or order.
    pub decided_on: NaiveDate,
    /// How the appeal ended.
    pub outcome: TribunalOutcome,
    /// The order, when the outcome is `ordered`.
    #[serde(default)]
    pub order: Option<TribunalOrder>,
}

/// What recording the Tribunal's decision did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TribunalDecided {
    /// The case's stage afterwards (an order to assess starts the assessment; an order
    /// to continue a ceased plan restores it).
    pub stage: CaseStage,
    /// The steps the order set, with their last days.
    pub steps: Vec<(String, NaiveDate)>,
}

/// A step of an order carried out.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordOrderComplied {
    /// The step, as the order set it (e.g. `notify_assessment`).
    pub step: String,
    /// The day it was done.
    pub complied_on: NaiveDate,
}

/// The family's last day to appeal: 2 months from the notice, or 1 month from a
/// mediation certificate if later, moved off Christmas and August (Tribunal rule 20).
fn appeal_by(
    notice_sent_on: NaiveDate,
    certificate: Option<NaiveDate>,
    holidays: &BankHolidays,
) -> Result<NaiveDate, WorkflowError> {
    let facts = ClockFacts {
        decision_notice_sent: Some(notice_sent_on),
        mediation_certificate_issued: certificate,
        ..ClockFacts::default()
    };
    let dates = facts
        .deadlines(holidays)
        .map_err(|e| WorkflowError::invalid("notice_sent_on", e.to_string()))?;
    dates
        .get("appeal_by")
        .copied()
        .ok_or_else(|| WorkflowError::invalid("notice_sent_on", "the clock gave no appeal date"))
}

/// Checks that `decision` was recorded on this case.
fn decision_on_case(
    tx: &mut Tx<'_>,
    scope: &AuthorityScope,
    case: CaseId,
    decision: DecisionId,
) -> Result<crate::domain::Decision, WorkflowError> {
    tx.list_decisions(scope, case)?
        .into_iter()
        .find(|d| d.id == decision)
        .ok_or_else(|| WorkflowError::invalid("decision", "is not a decision on this case"))
}

/// Whether a mediation is open in a case's history (`events`, oldest first): requested
/// and not yet concluded. [`record_mediation_outcome`] runs only then and
/// [`request_mediation`] only otherwise, so the pages offer each form by this.
pub fn mediation_open(events: &[Event]) -> bool {
    CaseState::from_events(events).mediation_open()
}

/// Whether an appeal is pending in a case's history (`events`, oldest first): lodged
/// and the Tribunal's decision not yet recorded. [`record_tribunal_decision`] runs only
/// then and [`lodge_appeal`] only otherwise.
pub fn appeal_pending(events: &[Event]) -> bool {
    CaseState::from_events(events).appeal_pending()
}

/// Records a request for mediation and sets the authority's 30 days to hold it (regs.
/// 36-37). Refused, changing nothing, when the decision is not on this case, the dates
/// are out of order or in the future, or a mediation is already open.
pub fn request_mediation(
    db: &Database,
    scope: &AuthorityScope,
    case_id: CaseId,
    command: &RequestMediation,
    actor: UserId,
    holidays: &BankHolidays,
    clock: &dyn Clock,
) -> Result<NaiveDate, WorkflowError> {
    super::on_case(db, scope, case_id, |tx, _case| {
        let decision = decision_on_case(tx, scope, case_id, command.decision)?;
        not_future(command.requested_on, "requested_on", clock)?;
        if command.requested_on < command.notice_sent_on {
            return Err(WorkflowError::invalid(
                "requested_on",
                "cannot be before the decision notice was sent",
            ));
        }
        let state = CaseState::load(tx, scope, case_id)?;
        if state.mediation_open() {
            return Err(WorkflowError::invalid(
                "requested_on",
                "a mediation is already open on this case; record its outcome first",
            ));
        }
        let facts = ClockFacts {
            mediation_requested: Some(command.requested_on),
            decision_notice_sent: Some(command.notice_sent_on),
            ..ClockFacts::default()
        };
        let dates = facts
            .deadlines(holidays)
            .map_err(|e| WorkflowError::invalid("requested_on", e.to_string()))?;
        let mediation_by = dates
            .get("mediation_by")
            .copied()
            .ok_or_else(|| WorkflowError::invalid("requested_on", "the clock gave no date"))?;
        let deadline = open_limit(scope, case_id, DeadlineKind::Mediation, mediation_by, None);
        let now = clock.now();
        tx.append_event(
            scope,
            NewEvent {
                case_id: Some(case_id),
                fact: CaseEvent::MediationRequested(events::MediationRequested {
                    decision: decision.id,
                    decision_kind: decision.kind,
                    notice_sent_on: command.notice_sent_on,
                    requested_on: command.requested_on,
                    mediation_by,
                    mediation_contact_by: dates.get("mediation_contact_by").copied(),
                }),
                actor: Some(actor),
                occurred_at: now,
            },
        )?;
        set_deadline(tx, scope, &deadline, Some(actor), now)?;
        Ok(mediation_by)
    })
}

/// Records how mediation ended and marks the 30-day limit met; returns the family's
/// appeal date, a month after the certificate if that is later. Refused, changing
/// nothing, when no mediation is open, or the days are in the future or before the
/// request.
pub fn record_mediation_outcome(
    db: &Database,
    scope: &AuthorityScope,
    case_id: CaseId,
    command: &RecordMediationOutcome,
    actor: UserId,
    holidays: &BankHolidays,
    clock: &dyn Clock,
) -> Result<MediationConcluded, WorkflowError> {
    super::on_case(db, scope, case_id, |tx, _case| {
        not_future(command.ended_on, "ended_on", clock)?;
        if let Some(certificate) = command.certificate_issued_on {
            not_future(certificate, "certificate_issued_on", clock)?;
        }
        let state = CaseState::load(tx, scope, case_id)?;
        let Some(open) = state.open_mediation else {
            return Err(WorkflowError::invalid(
                "ended_on",
                "no mediation is open on this case",
            ));
        };
        let (requested_on, notice_sent_on, mediation_by) =
            (open.requested_on, open.notice_sent_on, open.mediation_by);
        if command.ended_on < requested_on {
            return Err(WorkflowError::invalid(
                "ended_on",
                format!("cannot be before mediation was requested ({requested_on})"),
            ));
        }
        let appeal_by = appeal_by(notice_sent_on, command.certificate_issued_on, holidays)?;
        let within_thirty_days = command.ended_on <= mediation_by;
        let now = clock.now();
        tx.set_deadline_status(scope, case_id, DeadlineKind::Mediation, DeadlineStatus::Met)?;
        tx.append_event(
            scope,
            NewEvent {
                case_id: Some(case_id),
                fact: CaseEvent::MediationConcluded(events::MediationConcluded {
                    ended_on: command.ended_on,
                    outcome: command.outcome,
                    certificate_issued_on: command.certificate_issued_on,
                    within_thirty_days,
                    appeal_by,
                }),
                actor: Some(actor),
                occurred_at: now,
            },
        )?;
        Ok(MediationConcluded {
            within_thirty_days,
            appeal_by,
        })
    })
}

/// Records an appeal lodged with the Tribunal, and whether it came by the family's last
/// day (2 months from the notice or 1 month from a certificate; Tribunal rule 20).
/// Refused, changing nothing, when the decision is not on this case, the dates are out
/// of order or in the future, or an appeal is already pending.
pub fn lodge_appeal(
    db: &Database,
    scope: &AuthorityScope,
    case_id: CaseId,
    command: &LodgeAppeal,
    actor: UserId,
    holidays: &BankHolidays,
    clock: &dyn Clock,
) -> Result<AppealLodged, WorkflowError> {
    super::on_case(db, scope, case_id, |tx, _case| {
        let decision = decision_on_case(tx, scope, case_id, command.decision)?;
        not_future(command.lodged_on, "lodged_on", clock)?;
        if command.lodged_on < command.notice_sent_on {
            return Err(WorkflowError::invalid(
                "lodged_on",
                "cannot be before the decision notice was sent",
            ));
        }
        if let Some(certificate) = command.mediation_certificate_issued_on
            && certificate < command.notice_sent_on
        {
            return Err(WorkflowError::invalid(
                "mediation_certificate_issued_on",
                "cannot be before the decision notice was sent",
            ));
        }
        let state = CaseState::load(tx, scope, case_id)?;
        if state.appeal_pending() {
            return Err(WorkflowError::invalid(
                "lodged_on",
                "an appeal is already pending on this case; record the Tribunal's decision first",
            ));
        }
        let appeal_by = appeal_by(
            command.notice_sent_on,
            command.mediation_certificate_issued_on,
            holidays,
        )?;
        let in_time = command.lodged_on <= appeal_by;
        let now = clock.now();
        tx.append_event(
            scope,
            NewEvent {
                case_id: Some(case_id),
                fact: CaseEvent::AppealLodged(events::AppealLodged {
                    decision: decision.id,
                    decision_kind: decision.kind,
                    notice_sent_on: command.notice_sent_on,
                    lodged_on: command.lodged_on,
                    mediation_certificate_issued_on: command.mediation_certificate_issued_on,
                    appeal_by,
                    in_time,
                }),
                actor: Some(actor),
                occurred_at: now,
            },
        )?;
        Ok(AppealLodged { appeal_by, in_time })
    })
}

/// Records the Tribunal's decision on the pending appeal. An order sets a deadline for
/// each step reg. 44(2) gives it, named by `subject`; an order to assess a refused
/// request moves the case to assessment, and an order to continue a ceased plan
/// restores it. Refused, changing nothing, when no appeal is pending, an `ordered`
/// outcome has no order (or another outcome has one), or the day is in the future or
/// before the appeal.
pub fn record_tribunal_decision(
    db: &Database,
    scope: &AuthorityScope,
    case_id: CaseId,
    command: &RecordTribunalDecision,
    actor: UserId,
    clock: &dyn Clock,
) -> Result<TribunalDecided, WorkflowError> {
    super::on_case(db, scope, case_id, |tx, case| {
        not_future(command.decided_on, "decided_on", clock)?;
        let order = match (command.outcome, command.order) {
            (TribunalOutcome::Ordered, Some(order)) => Some(order),
            (TribunalOutcome::Ordered, None) => {
                return Err(WorkflowError::invalid(
                    "order",
                    "is required when the Tribunal ordered the authority to act",
                ));
            }
            (_, Some(_)) => {
                return Err(WorkflowError::invalid(
                    "order",
                    "is given only when the outcome is `ordered`",
                ));
            }
            (_, None) => None,
        };
        let state = CaseState::load(tx, scope, case_id)?;
        let Some(appeal) = state.pending_appeal else {
            return Err(WorkflowError::invalid(
                "decided_on",
                "no appeal is pending on this case",
            ));
        };
        let lodged = appeal.lodged_on;
        if command.decided_on < lodged {
            return Err(WorkflowError::invalid(
                "decided_on",
                format!("cannot be before the appeal was lodged ({lodged})"),
            ));
        }
        let stage = match (order, case.stage) {
            (Some(TribunalOrder::Assess), CaseStage::AssessmentRefused) => CaseStage::Assessing,
            (
                Some(TribunalOrder::ContinueToMaintain | TribunalOrder::ContinueAndAmend),
                CaseStage::Ceased,
            ) => CaseStage::PlanIssued,
            (_, stage) => stage,
        };
        let mut steps = Vec::new();
        for (step, weeks) in order.map_or(&[][..], TribunalOrder::steps) {
            let due_on = limits::TRIBUNAL_ORDER
                .step_due(command.decided_on, *weeks)
                .map_err(|e| WorkflowError::invalid("decided_on", e.to_string()))?;
            steps.push(open_limit(
                scope,
                case_id,
                DeadlineKind::TribunalOrder,
                due_on,
                Some((*step).to_owned()),
            ));
        }
        let now = clock.now();
        tx.append_event(
            scope,
            NewEvent {
                case_id: Some(case_id),
                fact: CaseEvent::TribunalDecided(events::TribunalDecided {
                    decided_on: command.decided_on,
                    outcome: command.outcome,
                    order,
                    steps: steps
                        .iter()
                        .map(|d| events::OrderStep {
                            step: d.subject.clone(),
                            due_on: d.due_on,
                        })
                        .collect::<Vec<_>>(),
                }),
                actor: Some(actor),
                occurred_at: now,
            },
        )?;
        if stage != case.stage {
            tx.set_case_stage(scope, case_id, stage)?;
        }
        for deadline in &steps {
            set_deadline(tx, scope, deadline, Some(actor), now)?;
        }
        Ok(TribunalDecided {
            stage,
            steps: steps
                .into_iter()
                .map(|d| (d.subject.unwrap_or_default(), d.due_on))
                .collect(),
        })
    })
}

/// Records a step of a Tribunal order carried out and marks its limit met; returns
/// whether it was on time. Refused, changing nothing, when no open step has that name
/// (the message lists those open) or the day is in the future.
pub fn comply_with_order(
    db: &Database,
    scope: &AuthorityScope,
    case_id: CaseId,
    command: &RecordOrderComplied,
    actor: UserId,
    clock: &dyn Clock,
) -> Result<bool, WorkflowError> {
    super::on_case(db, scope, case_id, |tx, _case| {
        not_future(command.complied_on, "complied_on", clock)?;
        let open: Vec<_> = tx
            .list_deadlines(scope, case_id)?
            .into_iter()
            .filter(|d| d.kind == DeadlineKind::TribunalOrder && d.status == DeadlineStatus::Open)
            .collect();
        let Some(step) = open
            .iter()
            .find(|d| d.subject.as_deref() == Some(command.step.as_str()))
        else {
            let names: Vec<_> = open.iter().filter_map(|d| d.subject.as_deref()).collect();
            return Err(WorkflowError::invalid(
                "step",
                if names.is_empty() {
                    "no step of a Tribunal order is open on this case".to_owned()
                } else {
                    format!("must be one of the open steps: {}", names.join(", "))
                },
            ));
        };
        let on_time = command.complied_on <= step.due_on;
        let now = clock.now();
        tx.set_deadline_status_by_id(scope, step.id, DeadlineStatus::Met)?;
        tx.append_event(
            scope,
            NewEvent {
                case_id: Some(case_id),
                fact: CaseEvent::TribunalOrderComplied(events::TribunalOrderComplied {
                    step: command.step.clone(),
                    complied_on: command.complied_on,
                    due_on: step.due_on,
                    on_time,
                }),
                actor: Some(actor),
                occurred_at: now,
            },
        )?;
        Ok(on_time)
    })
}
