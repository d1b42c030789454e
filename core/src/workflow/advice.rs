//! Advice during an EHC needs assessment (SEND Regulations 2014 reg. 6(1), 8(1)). Each
//! request for advice runs its own 6-week limit from the day it was made, so several may
//! be open at once, even from the same source; advice arriving settles the oldest open
//! one for its source, leaving the others to run.

use chrono::NaiveDate;
use serde::Deserialize;

use super::execute::{CaseCommand, Context, limit_set, the, the_set_limit};
use super::{CaseState, WorkflowError};
use crate::clock::limits;
use crate::domain::{AdviceSource, CaseId, CaseStage, Deadline, DeadlineKind, UserId};
use crate::events::{self, CaseEvent};
use crate::store::{AuthorityScope, Database};
use crate::time::Clock;

/// A request for advice, as a caseworker records it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestAdvice {
    /// Whom the advice was asked of (reg. 6(1)).
    pub from: AdviceSource,
    /// The day it was asked: the 6 weeks of reg. 8(1) count from it.
    pub requested_on: NaiveDate,
}

/// Advice that arrived, as a caseworker records it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordAdviceReceived {
    /// Who gave it: settles the oldest open request to that source.
    pub from: AdviceSource,
    /// The day it arrived.
    pub received_on: NaiveDate,
}

/// What recording the advice settled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdviceReceived {
    /// The request's limit, now met.
    pub deadline: Deadline,
    /// Whether it came within the 6 weeks of reg. 8(1).
    pub within_six_weeks: bool,
}

impl CaseCommand for RequestAdvice {
    type Outcome = Deadline;
    const STEP: super::Step = super::Step::RequestAdvice;

    /// A request for advice while the case is assessed, on or after the day the
    /// assessment began: it starts its own 6-week limit (reg. 8(1)), named by its source
    /// so advice from that source settles this one and no other.
    fn decide(
        &self,
        state: &CaseState,
        ctx: &Context<'_>,
    ) -> Result<Vec<CaseEvent>, WorkflowError> {
        if state.stage() != CaseStage::Assessing {
            return Err(WorkflowError::WrongStage {
                case: ctx.case,
                stage: state.stage(),
                command: "a request for advice",
                allowed: "while the case is being assessed",
                last_change: None,
            });
        }
        if self.requested_on > ctx.today {
            return Err(WorkflowError::invalid(
                "requested_on",
                format!("cannot be in the future (today is {})", ctx.today),
            ));
        }
        if let Some(began) = state.assessment_began
            && self.requested_on < began
        {
            return Err(WorkflowError::invalid(
                "requested_on",
                format!("cannot be before the decision to assess ({began})"),
            ));
        }
        let due_on = limits::ADVICE_DUE
            .calendar_due(self.requested_on, None)
            .map_err(|e| WorkflowError::invalid("requested_on", e.to_string()))?;
        let limit = limit_set(DeadlineKind::AdviceDue, due_on, Some(self.from.to_string()));
        // The request names its own limit, so the advice that answers it settles it.
        let CaseEvent::DeadlineSet(events::DeadlineSet {
            deadline: Some(deadline),
            ..
        }) = &limit
        else {
            return Err(WorkflowError::invalid("command", "set a limit with no id"));
        };
        Ok(vec![
            CaseEvent::AdviceRequested(events::AdviceRequested {
                deadline: *deadline,
                from: self.from,
                requested_on: self.requested_on,
            }),
            limit,
        ])
    }

    fn outcome(
        &self,
        facts: &[CaseEvent],
        _after: &CaseState,
        ctx: &Context<'_>,
    ) -> Result<Deadline, WorkflowError> {
        the_set_limit(facts, DeadlineKind::AdviceDue, ctx)
    }
}

/// Records a request for advice and starts its own 6-week limit (reg. 8(1)), with an
/// `AdviceRequested` and a `DeadlineSet` event, in one transaction. Refused, changing
/// nothing, unless the case is being assessed, or when `requested_on` is in the future
/// or before the assessment began.
pub fn request_advice(
    db: &Database,
    scope: &AuthorityScope,
    case_id: CaseId,
    command: &RequestAdvice,
    actor: UserId,
    clock: &dyn Clock,
) -> Result<Deadline, WorkflowError> {
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

impl CaseCommand for RecordAdviceReceived {
    type Outcome = AdviceReceived;
    const STEP: super::Step = super::Step::AdviceReceived;

    /// Advice from a source settles the oldest open request to it (reg. 8(1)), on time
    /// or late. Advice may arrive after the case has moved on (late advice still settles
    /// its request), so the stage is not checked.
    fn decide(
        &self,
        state: &CaseState,
        ctx: &Context<'_>,
    ) -> Result<Vec<CaseEvent>, WorkflowError> {
        let subject = self.from.to_string();
        // Soonest due first, so it is the oldest request. A limit with no id is one the
        // deadlines table does not hold, so there is no request to settle.
        let Some((deadline, due_on)) = state
            .open_limit(DeadlineKind::AdviceDue, Some(&subject))
            .and_then(|limit| limit.id.map(|id| (id, limit.due_on)))
        else {
            return Err(WorkflowError::invalid(
                "from",
                format!("no request for advice from {subject} is open on this case"),
            ));
        };
        if self.received_on > ctx.today {
            return Err(WorkflowError::invalid(
                "received_on",
                format!("cannot be in the future (today is {})", ctx.today),
            ));
        }
        let requested_on = limits::ADVICE_DUE.anchor_of(due_on).unwrap_or(due_on);
        if self.received_on < requested_on {
            return Err(WorkflowError::invalid(
                "received_on",
                format!("cannot be before the advice was requested ({requested_on})"),
            ));
        }
        Ok(vec![CaseEvent::AdviceReceived(events::AdviceReceived {
            deadline,
            from: self.from,
            received_on: self.received_on,
            due_on,
            within_six_weeks: self.received_on <= due_on,
        })])
    }

    fn outcome(
        &self,
        facts: &[CaseEvent],
        after: &CaseState,
        ctx: &Context<'_>,
    ) -> Result<AdviceReceived, WorkflowError> {
        let received = the(facts, |f| match f {
            CaseEvent::AdviceReceived(r) => Some(r),
            _ => None,
        })?;
        let deadline = after
            .deadlines
            .iter()
            .find(|d| d.id == Some(received.deadline))
            .map(|d| d.to_deadline(&ctx.authority, ctx.case))
            .ok_or_else(|| {
                WorkflowError::invalid("from", "the request for advice is not on the case")
            })?;
        Ok(AdviceReceived {
            deadline,
            within_six_weeks: received.within_six_weeks,
        })
    }
}

/// Marks the oldest open advice limit for the source met and appends `AdviceReceived`,
/// in one transaction. Refused, changing nothing, when no request to that source is
/// open, or when `received_on` is in the future or before the request was made; if
/// another writer settled the request first, the whole step is refused as a conflict.
pub fn record_advice_received(
    db: &Database,
    scope: &AuthorityScope,
    case_id: CaseId,
    command: &RecordAdviceReceived,
    actor: UserId,
    clock: &dyn Clock,
) -> Result<AdviceReceived, WorkflowError> {
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
mod tests {
    //! Given the case's facts, when advice is asked for or arrives, then the facts
    //! recorded or the refusal: no database.
    use super::super::given::*;
    use super::*;
    use crate::domain::{
        DeadlineId, DeadlineStatus, DecisionId, DecisionKind, DecisionOutcome, EventKind,
    };

    /// A case whose assessment began on `on`.
    fn assessing_since(on: NaiveDate) -> Vec<CaseEvent> {
        vec![
            received(day(10, 2)),
            CaseEvent::DecisionRecorded(events::DecisionRecorded {
                decision: DecisionId::new(),
                kind: DecisionKind::Assess,
                outcome: DecisionOutcome::Agreed,
                decided_on: on,
                within_six_weeks: Some(true),
                within_sixteen_weeks: None,
                departure_reason: None,
                mediation_contact_by: None,
                appeal_by: None,
                reasons: Some("Needs may not be met without a plan.".into()),
                agenda_item: None,
            }),
        ]
    }

    /// `facts` and then what asking `from` on `on` records.
    fn asked(mut facts: Vec<CaseEvent>, from: AdviceSource, on: NaiveDate) -> Vec<CaseEvent> {
        let request = RequestAdvice {
            from,
            requested_on: on,
        };
        facts.extend(when(&facts, &request).unwrap_or_default());
        facts
    }

    fn limit_set_in(facts: &[CaseEvent]) -> Option<events::DeadlineSet> {
        facts.iter().find_map(|f| match f {
            CaseEvent::DeadlineSet(set) => Some(set.clone()),
            _ => None,
        })
    }

    fn advice_received_in(facts: &[CaseEvent]) -> Option<events::AdviceReceived> {
        facts.iter().find_map(|f| match f {
            CaseEvent::AdviceReceived(r) => Some(r.clone()),
            _ => None,
        })
    }

    fn open_advice_ids(facts: &[CaseEvent]) -> Vec<Option<DeadlineId>> {
        given(facts)
            .deadlines
            .iter()
            .filter(|d| d.kind == DeadlineKind::AdviceDue && d.status == DeadlineStatus::Open)
            .map(|d| d.id)
            .collect()
    }

    #[test]
    fn asking_for_advice_starts_its_own_six_weeks_named_by_the_source() {
        let facts = when(
            &assessing_since(day(10, 20)),
            &RequestAdvice {
                from: AdviceSource::EducationalPsychologist,
                requested_on: day(11, 1),
            },
        )
        .unwrap_or_default();
        assert_eq!(
            kinds(&facts),
            [EventKind::AdviceRequested, EventKind::DeadlineSet]
        );
        let set = limit_set_in(&facts);
        assert_eq!(set.as_ref().map(|s| s.kind), Some(DeadlineKind::AdviceDue));
        assert_eq!(set.as_ref().map(|s| s.due_on), Some(day(12, 13)));
        assert_eq!(
            set.as_ref().and_then(|s| s.subject.clone()),
            Some(AdviceSource::EducationalPsychologist.to_string())
        );
        let requested = facts.iter().find_map(|f| match f {
            CaseEvent::AdviceRequested(r) => Some(r.deadline),
            _ => None,
        });
        assert!(requested.is_some());
        assert_eq!(
            requested,
            set.and_then(|s| s.deadline),
            "the request names its limit"
        );
    }

    #[test]
    fn advice_cannot_be_asked_for_before_the_case_is_assessed() {
        let result = when(
            &[received(day(10, 2))],
            &RequestAdvice {
                from: AdviceSource::Health,
                requested_on: day(10, 10),
            },
        );
        assert!(matches!(result, Err(WorkflowError::WrongStage { .. })));
    }

    #[test]
    fn advice_asked_for_before_the_decision_to_assess_is_refused() {
        let request = RequestAdvice {
            from: AdviceSource::Health,
            requested_on: day(10, 19),
        };
        assert_eq!(
            refused_field(when(&assessing_since(day(10, 20)), &request)),
            "requested_on"
        );
    }

    #[test]
    fn advice_asked_for_tomorrow_is_refused() {
        let request = RequestAdvice {
            from: AdviceSource::Health,
            requested_on: day(12, 2),
        };
        assert_eq!(
            refused_field(when(&assessing_since(day(10, 20)), &request)),
            "requested_on"
        );
    }

    #[test]
    fn advice_arriving_settles_the_oldest_open_request_to_its_source_only() {
        let ep = AdviceSource::EducationalPsychologist;
        let facts = asked(assessing_since(day(10, 20)), ep, day(10, 23));
        let facts = asked(facts, AdviceSource::Health, day(10, 24));
        let facts = asked(facts, ep, day(11, 1));
        let open = open_advice_ids(&facts);
        let oldest = open.first().copied().flatten();

        let arrived = when(
            &facts,
            &RecordAdviceReceived {
                from: ep,
                received_on: day(11, 20),
            },
        )
        .unwrap_or_default();

        assert_eq!(kinds(&arrived), [EventKind::AdviceReceived]);
        let received = advice_received_in(&arrived);
        assert_eq!(received.as_ref().map(|r| Some(r.deadline)), Some(oldest));
        assert_eq!(received.as_ref().map(|r| r.due_on), Some(day(12, 4)));
        assert_eq!(received.map(|r| r.within_six_weeks), Some(true));
        let after: Vec<_> = facts.iter().chain(&arrived).cloned().collect();
        assert_eq!(
            open_advice_ids(&after).len(),
            2,
            "the other requests still run"
        );
        assert!(!open_advice_ids(&after).contains(&oldest));
    }

    #[test]
    fn advice_after_its_six_weeks_is_recorded_as_late_and_the_caller_sees_the_limit_met() {
        let facts = asked(
            assessing_since(day(9, 1)),
            AdviceSource::SocialCare,
            day(9, 4),
        );
        let command = RecordAdviceReceived {
            from: AdviceSource::SocialCare,
            received_on: day(10, 20),
        };
        let arrived = when(&facts, &command).unwrap_or_default();
        assert_eq!(
            advice_received_in(&arrived).map(|r| r.within_six_weeks),
            Some(false)
        );

        let ctx = context();
        let after = given(&facts.iter().chain(&arrived).cloned().collect::<Vec<_>>());
        let told = command.outcome(&arrived, &after, &ctx).ok();
        assert_eq!(
            told.as_ref().map(|t| t.deadline.status),
            Some(DeadlineStatus::Met)
        );
        assert_eq!(told.as_ref().map(|t| t.deadline.due_on), Some(day(10, 16)));
        assert_eq!(told.map(|t| t.within_six_weeks), Some(false));
    }

    #[test]
    fn late_advice_still_settles_its_request_after_the_case_has_moved_on() {
        let mut facts = asked(
            assessing_since(day(10, 20)),
            AdviceSource::Setting,
            day(10, 23),
        );
        facts.push(CaseEvent::DecisionRecorded(events::DecisionRecorded {
            decision: DecisionId::new(),
            kind: DecisionKind::Issue,
            outcome: DecisionOutcome::Agreed,
            decided_on: day(11, 10),
            within_six_weeks: None,
            within_sixteen_weeks: Some(true),
            departure_reason: None,
            mediation_contact_by: None,
            appeal_by: None,
            reasons: Some("A plan is necessary.".into()),
            agenda_item: None,
        }));
        let arrived = when(
            &facts,
            &RecordAdviceReceived {
                from: AdviceSource::Setting,
                received_on: day(11, 15),
            },
        );
        assert_eq!(
            kinds(&arrived.unwrap_or_default()),
            [EventKind::AdviceReceived]
        );
    }

    #[test]
    fn advice_from_a_source_nobody_asked_is_refused() {
        let facts = asked(
            assessing_since(day(10, 20)),
            AdviceSource::Health,
            day(10, 23),
        );
        let command = RecordAdviceReceived {
            from: AdviceSource::Parent,
            received_on: day(11, 1),
        };
        assert_eq!(refused_field(when(&facts, &command)), "from");
    }

    #[test]
    fn advice_recorded_as_arriving_before_it_was_asked_for_is_refused() {
        let facts = asked(
            assessing_since(day(10, 20)),
            AdviceSource::Health,
            day(10, 23),
        );
        let command = RecordAdviceReceived {
            from: AdviceSource::Health,
            received_on: day(10, 22),
        };
        assert_eq!(refused_field(when(&facts, &command)), "received_on");
    }
}
