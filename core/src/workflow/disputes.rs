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

use super::execute::{CaseCommand, Context, limit_set, the};
use super::{CaseState, WorkflowError};
use crate::clock::limits;
use crate::clock::{BankHolidays, ClockFacts};
use crate::domain::{CaseId, CaseStage, DeadlineKind, DeadlineStatus, DecisionId, Event, UserId};
use crate::events::{self, CaseEvent};
use crate::store::{AuthorityScope, Database};
use crate::time::Clock;

/// The family asked for mediation on a decision.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
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
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, strum::Display, utoipa::ToSchema,
)]
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
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
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
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
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
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, strum::Display, utoipa::ToSchema,
)]
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
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, strum::Display, utoipa::ToSchema,
)]
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
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
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
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
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

impl CaseCommand for RequestMediation {
    type Outcome = NaiveDate;
    const STEP: super::Step = super::Step::RequestMediation;

    /// A mediation on a decision of this case, requested after its notice and while no
    /// other is open: the authority must hold it within 30 days of being told (regs.
    /// 36-37), so that limit is set; the family's 2 months to contact an adviser (reg.
    /// 33) is recorded with it, never set as the authority's.
    fn decide(
        &self,
        state: &CaseState,
        ctx: &Context<'_>,
    ) -> Result<Vec<CaseEvent>, WorkflowError> {
        let decision = state
            .decision(self.decision)
            .ok_or_else(|| WorkflowError::invalid("decision", "is not a decision on this case"))?;
        super::not_after_today(self.requested_on, "requested_on", ctx)?;
        if self.requested_on < self.notice_sent_on {
            return Err(WorkflowError::invalid(
                "requested_on",
                "cannot be before the decision notice was sent",
            ));
        }
        if state.mediation_open() {
            return Err(WorkflowError::invalid(
                "requested_on",
                "a mediation is already open on this case; record its outcome first",
            ));
        }
        let dates = ClockFacts {
            mediation_requested: Some(self.requested_on),
            decision_notice_sent: Some(self.notice_sent_on),
            ..ClockFacts::default()
        }
        .deadlines(ctx.holidays)
        .map_err(|e| WorkflowError::invalid("requested_on", e.to_string()))?;
        let mediation_by = dates
            .get("mediation_by")
            .copied()
            .ok_or_else(|| WorkflowError::invalid("requested_on", "the clock gave no date"))?;
        let mut facts: Vec<CaseEvent> =
            super::lifecycle::reopening(state, crate::domain::EventKind::MediationRequested)
                .into_iter()
                .collect();
        facts.extend([
            CaseEvent::MediationRequested(events::MediationRequested {
                decision: decision.id,
                decision_kind: decision.kind,
                notice_sent_on: self.notice_sent_on,
                requested_on: self.requested_on,
                mediation_by,
                mediation_contact_by: dates.get("mediation_contact_by").copied(),
            }),
            limit_set(DeadlineKind::Mediation, mediation_by, None),
        ]);
        Ok(facts)
    }

    fn outcome(
        &self,
        facts: &[CaseEvent],
        _after: &CaseState,
        _ctx: &Context<'_>,
    ) -> Result<NaiveDate, WorkflowError> {
        let requested = the(facts, |f| match f {
            CaseEvent::MediationRequested(r) => Some(r),
            _ => None,
        })?;
        Ok(requested.mediation_by)
    }
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
    super::run_as(db, scope, case_id, command, actor, holidays, clock)
}

impl CaseCommand for RecordMediationOutcome {
    type Outcome = MediationConcluded;
    const STEP: super::Step = super::Step::RecordMediationOutcome;

    /// The open mediation's end: it meets the 30-day limit (regs. 36-37), on time or
    /// late as the days say, and gives the family's appeal date, a month after a
    /// certificate if that is later (Tribunal rule 20).
    fn decide(
        &self,
        state: &CaseState,
        ctx: &Context<'_>,
    ) -> Result<Vec<CaseEvent>, WorkflowError> {
        super::not_after_today(self.ended_on, "ended_on", ctx)?;
        if let Some(certificate) = self.certificate_issued_on {
            super::not_after_today(certificate, "certificate_issued_on", ctx)?;
        }
        let Some(open) = state.open_mediation.as_ref() else {
            return Err(WorkflowError::invalid(
                "ended_on",
                "no mediation is open on this case",
            ));
        };
        if self.ended_on < open.requested_on {
            return Err(WorkflowError::invalid(
                "ended_on",
                format!(
                    "cannot be before mediation was requested ({})",
                    open.requested_on
                ),
            ));
        }
        let appeal_by = appeal_by(
            open.notice_sent_on,
            self.certificate_issued_on,
            ctx.holidays,
        )?;
        Ok(vec![CaseEvent::MediationConcluded(
            events::MediationConcluded {
                ended_on: self.ended_on,
                outcome: self.outcome,
                certificate_issued_on: self.certificate_issued_on,
                within_thirty_days: self.ended_on <= open.mediation_by,
                appeal_by,
            },
        )])
    }

    fn outcome(
        &self,
        facts: &[CaseEvent],
        _after: &CaseState,
        _ctx: &Context<'_>,
    ) -> Result<MediationConcluded, WorkflowError> {
        let concluded = the(facts, |f| match f {
            CaseEvent::MediationConcluded(c) => Some(c),
            _ => None,
        })?;
        Ok(MediationConcluded {
            within_thirty_days: concluded.within_thirty_days,
            appeal_by: concluded.appeal_by,
        })
    }
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
    super::run_as(db, scope, case_id, command, actor, holidays, clock)
}

impl CaseCommand for LodgeAppeal {
    type Outcome = AppealLodged;
    const STEP: super::Step = super::Step::LodgeAppeal;

    /// An appeal on a decision of this case, lodged after its notice and while no other
    /// is pending, with whether it came by the family's last day (Tribunal rule 20). The
    /// authority sets no limit: the Tribunal's timetable is not the authority's.
    fn decide(
        &self,
        state: &CaseState,
        ctx: &Context<'_>,
    ) -> Result<Vec<CaseEvent>, WorkflowError> {
        let decision = state
            .decision(self.decision)
            .ok_or_else(|| WorkflowError::invalid("decision", "is not a decision on this case"))?;
        super::not_after_today(self.lodged_on, "lodged_on", ctx)?;
        if self.lodged_on < self.notice_sent_on {
            return Err(WorkflowError::invalid(
                "lodged_on",
                "cannot be before the decision notice was sent",
            ));
        }
        if let Some(certificate) = self.mediation_certificate_issued_on
            && certificate < self.notice_sent_on
        {
            return Err(WorkflowError::invalid(
                "mediation_certificate_issued_on",
                "cannot be before the decision notice was sent",
            ));
        }
        if state.appeal_pending() {
            return Err(WorkflowError::invalid(
                "lodged_on",
                "an appeal is already pending on this case; record the Tribunal's decision first",
            ));
        }
        let appeal_by = appeal_by(
            self.notice_sent_on,
            self.mediation_certificate_issued_on,
            ctx.holidays,
        )?;
        // A late appeal (the Tribunal may extend time) reopens a case closed when the
        // window passed.
        let mut facts: Vec<CaseEvent> =
            super::lifecycle::reopening(state, crate::domain::EventKind::AppealLodged)
                .into_iter()
                .collect();
        facts.push(CaseEvent::AppealLodged(events::AppealLodged {
            decision: decision.id,
            decision_kind: decision.kind,
            notice_sent_on: self.notice_sent_on,
            lodged_on: self.lodged_on,
            mediation_certificate_issued_on: self.mediation_certificate_issued_on,
            appeal_by,
            in_time: self.lodged_on <= appeal_by,
        }));
        Ok(facts)
    }

    fn outcome(
        &self,
        facts: &[CaseEvent],
        _after: &CaseState,
        _ctx: &Context<'_>,
    ) -> Result<AppealLodged, WorkflowError> {
        let lodged = the(facts, |f| match f {
            CaseEvent::AppealLodged(l) => Some(l),
            _ => None,
        })?;
        Ok(AppealLodged {
            appeal_by: lodged.appeal_by,
            in_time: lodged.in_time,
        })
    }
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
    super::run_as(db, scope, case_id, command, actor, holidays, clock)
}

impl CaseCommand for RecordTribunalDecision {
    type Outcome = TribunalDecided;
    const STEP: super::Step = super::Step::RecordTribunalDecision;

    /// The Tribunal's decision on the pending appeal. An order sets one limit per step,
    /// each the weeks reg. 44(2) gives it from the order, named by its step; the stage
    /// follows from the fact in the fold (an order to assess a refused request starts
    /// the assessment, an order to continue a ceased plan restores it).
    fn decide(
        &self,
        state: &CaseState,
        ctx: &Context<'_>,
    ) -> Result<Vec<CaseEvent>, WorkflowError> {
        super::not_after_today(self.decided_on, "decided_on", ctx)?;
        let order = match (self.outcome, self.order) {
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
        let Some(appeal) = state.pending_appeal.as_ref() else {
            return Err(WorkflowError::invalid(
                "decided_on",
                "no appeal is pending on this case",
            ));
        };
        if self.decided_on < appeal.lodged_on {
            return Err(WorkflowError::invalid(
                "decided_on",
                format!(
                    "cannot be before the appeal was lodged ({})",
                    appeal.lodged_on
                ),
            ));
        }
        let mut steps = Vec::new();
        for (step, weeks) in order.map_or(&[][..], TribunalOrder::steps) {
            let due_on = limits::TRIBUNAL_ORDER
                .step_due(self.decided_on, *weeks)
                .map_err(|e| WorkflowError::invalid("decided_on", e.to_string()))?;
            steps.push(((*step).to_owned(), due_on));
        }
        let mut facts = vec![CaseEvent::TribunalDecided(events::TribunalDecided {
            decided_on: self.decided_on,
            outcome: self.outcome,
            order,
            steps: steps
                .iter()
                .map(|(step, due_on)| events::OrderStep {
                    step: Some(step.clone()),
                    due_on: *due_on,
                })
                .collect(),
        })];
        facts.extend(
            steps
                .into_iter()
                .map(|(step, due_on)| limit_set(DeadlineKind::TribunalOrder, due_on, Some(step))),
        );
        Ok(facts)
    }

    fn outcome(
        &self,
        facts: &[CaseEvent],
        after: &CaseState,
        _ctx: &Context<'_>,
    ) -> Result<TribunalDecided, WorkflowError> {
        let decided = the(facts, |f| match f {
            CaseEvent::TribunalDecided(d) => Some(d),
            _ => None,
        })?;
        Ok(TribunalDecided {
            stage: after.stage(),
            steps: decided
                .steps
                .iter()
                .map(|s| (s.step.clone().unwrap_or_default(), s.due_on))
                .collect(),
        })
    }
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

impl CaseCommand for RecordOrderComplied {
    type Outcome = bool;
    const STEP: super::Step = super::Step::ComplyWithOrder;

    /// A step of an order carried out: it meets that step's open limit (the soonest
    /// due, if the step was ordered twice), on time or late as the days say (reg.
    /// 44(2)). A step not open is refused with the names of those that are, so the
    /// caseworker can pick one.
    fn decide(
        &self,
        state: &CaseState,
        ctx: &Context<'_>,
    ) -> Result<Vec<CaseEvent>, WorkflowError> {
        super::not_after_today(self.complied_on, "complied_on", ctx)?;
        let Some(step) = state.open_limit(DeadlineKind::TribunalOrder, Some(&self.step)) else {
            let mut open: Vec<_> = state
                .deadlines
                .iter()
                .filter(|d| {
                    d.kind == DeadlineKind::TribunalOrder && d.status == DeadlineStatus::Open
                })
                .collect();
            open.sort_by_key(|d| d.due_on);
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
        Ok(vec![CaseEvent::TribunalOrderComplied(
            events::TribunalOrderComplied {
                step: self.step.clone(),
                complied_on: self.complied_on,
                due_on: step.due_on,
                on_time: self.complied_on <= step.due_on,
            },
        )])
    }

    fn outcome(
        &self,
        facts: &[CaseEvent],
        _after: &CaseState,
        _ctx: &Context<'_>,
    ) -> Result<bool, WorkflowError> {
        let complied = the(facts, |f| match f {
            CaseEvent::TribunalOrderComplied(c) => Some(c),
            _ => None,
        })?;
        Ok(complied.on_time)
    }
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
    //! Given a case's facts, when a dispute is recorded, then the facts it adds: no
    //! database.
    use super::super::given::*;
    use super::*;
    use crate::domain::{DecisionOutcome, EventKind};

    /// The refusal the family disputes: decided, and its notice sent, on 7 September.
    fn refused(decision: DecisionId) -> CaseEvent {
        CaseEvent::DecisionRecorded(events::DecisionRecorded {
            decision,
            kind: crate::domain::DecisionKind::Assess,
            outcome: DecisionOutcome::Refused,
            decided_on: day(9, 7),
            within_six_weeks: Some(true),
            within_sixteen_weeks: None,
            departure_reason: None,
            mediation_contact_by: None,
            appeal_by: None,
            reasons: Some("The evidence shows needs met from the school's resources.".into()),
            agenda_item: None,
        })
    }

    /// A case whose request to assess was refused by `decision`.
    fn refusal(decision: DecisionId) -> Vec<CaseEvent> {
        vec![received(day(9, 1)), refused(decision)]
    }

    fn mediation(decision: DecisionId, requested_on: NaiveDate) -> RequestMediation {
        RequestMediation {
            decision,
            notice_sent_on: day(9, 7),
            requested_on,
        }
    }

    fn appeal(decision: DecisionId, lodged_on: NaiveDate) -> LodgeAppeal {
        LodgeAppeal {
            decision,
            notice_sent_on: day(9, 7),
            lodged_on,
            mediation_certificate_issued_on: None,
        }
    }

    /// `facts` and then what `command` decides on them.
    fn and_then<C: CaseCommand>(mut facts: Vec<CaseEvent>, command: &C) -> Vec<CaseEvent> {
        let more = when(&facts, command).unwrap();
        facts.extend(more);
        facts
    }

    /// A refused case with an appeal lodged on 1 November.
    fn appealed() -> Vec<CaseEvent> {
        let decision = DecisionId::new();
        and_then(refusal(decision), &appeal(decision, day(11, 1)))
    }

    fn ordered(order: TribunalOrder) -> RecordTribunalDecision {
        RecordTribunalDecision {
            decided_on: day(11, 20),
            outcome: TribunalOutcome::Ordered,
            order: Some(order),
        }
    }

    fn rule_of<T: std::fmt::Debug>(result: Result<T, WorkflowError>) -> String {
        match result {
            Err(WorkflowError::Invalid { rule, .. }) => rule,
            other => panic!("expected an invalid-input refusal, got {other:?}"),
        }
    }

    #[test]
    fn a_request_for_mediation_gives_the_authority_thirty_days_to_hold_it() {
        let decision = DecisionId::new();
        let facts = when(&refusal(decision), &mediation(decision, day(10, 16))).unwrap();
        assert_eq!(
            kinds(&facts),
            [EventKind::MediationRequested, EventKind::DeadlineSet]
        );
        let CaseEvent::MediationRequested(requested) = &facts[0] else {
            panic!("{facts:?}")
        };
        assert_eq!(requested.decision, decision);
        assert_eq!(requested.mediation_by, day(11, 15));
        assert_eq!(requested.mediation_contact_by, Some(day(11, 7)));
        let CaseEvent::DeadlineSet(set) = &facts[1] else {
            panic!("{facts:?}")
        };
        assert_eq!(set.kind, DeadlineKind::Mediation);
        assert_eq!(set.due_on, day(11, 15));
        assert!(set.deadline.is_some());
    }

    #[test]
    fn a_second_mediation_is_refused_while_one_is_open() {
        let decision = DecisionId::new();
        let open = and_then(refusal(decision), &mediation(decision, day(10, 16)));
        assert_eq!(
            refused_field(when(&open, &mediation(decision, day(10, 20)))),
            "requested_on"
        );
    }

    #[test]
    fn mediation_on_a_decision_of_another_case_is_refused() {
        let result = when(
            &refusal(DecisionId::new()),
            &mediation(DecisionId::new(), day(10, 16)),
        );
        assert_eq!(refused_field(result), "decision");
    }

    #[test]
    fn mediation_requested_before_the_decision_notice_is_refused() {
        let decision = DecisionId::new();
        let result = when(&refusal(decision), &mediation(decision, day(9, 6)));
        assert_eq!(refused_field(result), "requested_on");
    }

    #[test]
    fn concluding_mediation_meets_its_limit_and_gives_the_later_appeal_date() {
        let decision = DecisionId::new();
        let open = and_then(refusal(decision), &mediation(decision, day(10, 16)));
        let command = RecordMediationOutcome {
            ended_on: day(11, 10),
            outcome: MediationOutcome::NoAgreement,
            certificate_issued_on: Some(day(10, 30)),
        };
        let facts = when(&open, &command).unwrap();
        assert_eq!(kinds(&facts), [EventKind::MediationConcluded]);
        let CaseEvent::MediationConcluded(concluded) = &facts[0] else {
            panic!("{facts:?}")
        };
        assert!(concluded.within_thirty_days);
        // A month after the certificate is later than 2 months after the notice (7 Nov).
        assert_eq!(concluded.appeal_by, day(11, 30));
        let mut state = given(&open);
        let settled = state.apply(&facts[0]);
        assert_eq!(settled.len(), 1);
        assert_eq!(settled[0].limit.kind, DeadlineKind::Mediation);
        assert_eq!(settled[0].status, DeadlineStatus::Met);
        assert!(!state.mediation_open());
    }

    #[test]
    fn mediation_held_after_thirty_days_is_recorded_as_late() {
        let decision = DecisionId::new();
        let open = and_then(refusal(decision), &mediation(decision, day(10, 16)));
        let command = RecordMediationOutcome {
            ended_on: day(11, 16),
            outcome: MediationOutcome::Agreement,
            certificate_issued_on: None,
        };
        let facts = when(&open, &command).unwrap();
        let CaseEvent::MediationConcluded(concluded) = &facts[0] else {
            panic!("{facts:?}")
        };
        assert!(!concluded.within_thirty_days);
        assert_eq!(concluded.appeal_by, day(11, 7));
    }

    #[test]
    fn a_mediation_outcome_with_no_mediation_open_is_refused() {
        let command = RecordMediationOutcome {
            ended_on: day(11, 10),
            outcome: MediationOutcome::Withdrawn,
            certificate_issued_on: None,
        };
        assert_eq!(
            refused_field(when(&refusal(DecisionId::new()), &command)),
            "ended_on"
        );
    }

    #[test]
    fn a_mediation_certificate_dated_in_the_future_is_refused() {
        let decision = DecisionId::new();
        let open = and_then(refusal(decision), &mediation(decision, day(10, 16)));
        let command = RecordMediationOutcome {
            ended_on: day(11, 10),
            outcome: MediationOutcome::NoAgreement,
            certificate_issued_on: Some(day(12, 2)),
        };
        assert_eq!(
            refused_field(when(&open, &command)),
            "certificate_issued_on"
        );
    }

    #[test]
    fn an_appeal_by_the_family_s_last_day_is_in_time() {
        let decision = DecisionId::new();
        let facts = when(&refusal(decision), &appeal(decision, day(11, 1))).unwrap();
        assert_eq!(kinds(&facts), [EventKind::AppealLodged]);
        let CaseEvent::AppealLodged(lodged) = &facts[0] else {
            panic!("{facts:?}")
        };
        assert_eq!(lodged.decision, decision);
        assert_eq!(lodged.appeal_by, day(11, 7));
        assert!(lodged.in_time);
        assert!(given(&[refusal(decision), facts].concat()).appeal_pending());
    }

    #[test]
    fn an_appeal_after_the_family_s_last_day_is_recorded_as_late() {
        let decision = DecisionId::new();
        let facts = when(&refusal(decision), &appeal(decision, day(11, 20))).unwrap();
        let CaseEvent::AppealLodged(lodged) = &facts[0] else {
            panic!("{facts:?}")
        };
        assert!(!lodged.in_time);
    }

    #[test]
    fn a_second_appeal_is_refused_while_one_is_pending() {
        let decision = DecisionId::new();
        let pending = and_then(refusal(decision), &appeal(decision, day(11, 1)));
        assert_eq!(
            refused_field(when(&pending, &appeal(decision, day(11, 2)))),
            "lodged_on"
        );
    }

    #[test]
    fn a_mediation_certificate_before_the_notice_is_refused() {
        let decision = DecisionId::new();
        let command = LodgeAppeal {
            mediation_certificate_issued_on: Some(day(9, 6)),
            ..appeal(decision, day(11, 1))
        };
        assert_eq!(
            refused_field(when(&refusal(decision), &command)),
            "mediation_certificate_issued_on"
        );
    }

    #[test]
    fn an_order_to_assess_sets_each_step_s_limit_and_starts_the_assessment() {
        let appealed = appealed();
        let facts = when(&appealed, &ordered(TribunalOrder::Assess)).unwrap();
        assert_eq!(
            kinds(&facts),
            [
                EventKind::TribunalDecided,
                EventKind::DeadlineSet,
                EventKind::DeadlineSet,
                EventKind::DeadlineSet
            ]
        );
        let steps: Vec<_> = facts
            .iter()
            .filter_map(|f| match f {
                CaseEvent::DeadlineSet(set) => Some((set.kind, set.subject.clone(), set.due_on)),
                _ => None,
            })
            .collect();
        let order = DeadlineKind::TribunalOrder;
        assert_eq!(
            steps,
            [
                (order, Some("notify_assessment".to_owned()), day(12, 4)),
                (
                    order,
                    Some("decide_not_to_issue".to_owned()),
                    NaiveDate::from_ymd_opt(2024, 1, 29).unwrap()
                ),
                (
                    order,
                    Some("final_plan".to_owned()),
                    NaiveDate::from_ymd_opt(2024, 2, 26).unwrap()
                ),
            ]
        );
        let CaseEvent::TribunalDecided(decided) = &facts[0] else {
            panic!("{facts:?}")
        };
        assert_eq!(decided.steps.len(), 3);
        let after = given(&[appealed, facts.clone()].concat());
        assert_eq!(after.stage(), CaseStage::Assessing);
        assert!(!after.appeal_pending());
        let outcome = ordered(TribunalOrder::Assess)
            .outcome(&facts, &after, &context())
            .unwrap();
        assert_eq!(outcome.stage, CaseStage::Assessing);
        assert_eq!(
            outcome.steps[0],
            ("notify_assessment".to_owned(), day(12, 4))
        );
    }

    #[test]
    fn a_dismissed_appeal_leaves_the_refusal_standing() {
        let appealed = appealed();
        let command = RecordTribunalDecision {
            decided_on: day(11, 20),
            outcome: TribunalOutcome::Dismissed,
            order: None,
        };
        let facts = when(&appealed, &command).unwrap();
        assert_eq!(kinds(&facts), [EventKind::TribunalDecided]);
        assert_eq!(
            given(&[appealed, facts].concat()).stage(),
            CaseStage::AssessmentRefused
        );
    }

    #[test]
    fn a_tribunal_decision_with_no_appeal_pending_is_refused() {
        let result = when(&refusal(DecisionId::new()), &ordered(TribunalOrder::Assess));
        assert_eq!(refused_field(result), "decided_on");
    }

    #[test]
    fn an_order_needs_the_ordered_outcome_and_the_ordered_outcome_an_order() {
        let appealed = appealed();
        let no_order = RecordTribunalDecision {
            order: None,
            ..ordered(TribunalOrder::Assess)
        };
        assert_eq!(refused_field(when(&appealed, &no_order)), "order");
        let dismissed_with_order = RecordTribunalDecision {
            outcome: TribunalOutcome::Dismissed,
            ..ordered(TribunalOrder::Assess)
        };
        assert_eq!(
            refused_field(when(&appealed, &dismissed_with_order)),
            "order"
        );
    }

    #[test]
    fn complying_with_a_step_meets_its_limit_and_leaves_the_others_open() {
        let ordered_facts = and_then(appealed(), &ordered(TribunalOrder::Assess));
        let command = RecordOrderComplied {
            step: "notify_assessment".into(),
            complied_on: day(11, 30),
        };
        let facts = when(&ordered_facts, &command).unwrap();
        assert_eq!(kinds(&facts), [EventKind::TribunalOrderComplied]);
        let CaseEvent::TribunalOrderComplied(complied) = &facts[0] else {
            panic!("{facts:?}")
        };
        assert_eq!(complied.due_on, day(12, 4));
        assert!(complied.on_time);
        let mut state = given(&ordered_facts);
        let settled = state.apply(&facts[0]);
        assert_eq!(settled.len(), 1);
        assert_eq!(
            settled[0].limit.subject.as_deref(),
            Some("notify_assessment")
        );
        let open: Vec<_> = state
            .deadlines
            .iter()
            .filter(|d| d.status == DeadlineStatus::Open)
            .filter_map(|d| d.subject.as_deref())
            .collect();
        assert_eq!(open, ["decide_not_to_issue", "final_plan"]);
    }

    #[test]
    fn a_step_not_ordered_is_refused_naming_the_open_steps() {
        let ordered_facts = and_then(appealed(), &ordered(TribunalOrder::Assess));
        let command = RecordOrderComplied {
            step: "draft_plan".into(),
            complied_on: day(11, 30),
        };
        assert_eq!(
            rule_of(when(&ordered_facts, &command)),
            "must be one of the open steps: notify_assessment, decide_not_to_issue, final_plan"
        );
    }

    #[test]
    fn compliance_with_no_order_open_is_refused() {
        let command = RecordOrderComplied {
            step: "notify_assessment".into(),
            complied_on: day(11, 30),
        };
        let result = when(&appealed(), &command);
        assert_eq!(
            rule_of(result),
            "no step of a Tribunal order is open on this case"
        );
    }

    #[test]
    fn compliance_dated_in_the_future_is_refused() {
        let ordered_facts = and_then(appealed(), &ordered(TribunalOrder::Assess));
        let command = RecordOrderComplied {
            step: "notify_assessment".into(),
            complied_on: day(12, 2),
        };
        assert_eq!(refused_field(when(&ordered_facts, &command)), "complied_on");
    }
}
