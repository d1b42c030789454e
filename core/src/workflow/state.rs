//! A case as its event log tells it: [`CaseState`] is a pure fold of the case's typed
//! events, with no I/O, so the facts a command decides on (when assessment began, when
//! the plan was issued, whether a mediation is open or an appeal pending) are worked
//! out in one place, the same way every time, and can be tested without a database.
//!
//! Commands read it inside their own transaction, after taking the case
//! ([`super::on_case`]), so it is never stale. The stage it folds to is the stage the
//! commands store on the case; the end-to-end tests check the two agree after every
//! journey.

use chrono::NaiveDate;

use crate::domain::{CaseId, CaseStage, DecisionKind, DecisionOutcome, Event, ReviewDecision};
use crate::events::{self, CaseEvent};
use crate::store::{AuthorityScope, StoreError, Tx};

use super::{NextStepsOutcome, TribunalOrder};

/// What a case's events say about it now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseState {
    /// The stage the events put it at; `None` before the request is received.
    pub stage: Option<CaseStage>,
    /// The day the request was received (reg. 5(1) counts from it).
    pub received_on: Option<NaiveDate>,
    /// The day the case entered assessment: the decision to assess, a next-steps
    /// meeting that moved it there, or a Tribunal order to assess.
    pub assessment_began: Option<NaiveDate>,
    /// The day of the latest decision recorded (whether to assess or to issue), as
    /// decided rather than as recorded.
    pub last_decided_on: Option<NaiveDate>,
    /// The day the authority decided to issue a plan.
    pub decided_to_issue_on: Option<NaiveDate>,
    /// The day the plan was made: issued here, or (for a plan transferred in) its
    /// original day, reg. 15(3)(a).
    pub plan_issued_on: Option<NaiveDate>,
    /// The mediation requested and not yet concluded, if any.
    pub open_mediation: Option<events::MediationRequested>,
    /// The appeal lodged and not yet decided, if any.
    pub pending_appeal: Option<events::AppealLodged>,
    /// How many events have been folded: the case's last sequence number.
    pub version: u64,
}

impl CaseState {
    /// Folds `events`, oldest first.
    pub fn from_events<'a>(events: impl IntoIterator<Item = &'a Event>) -> Self {
        let mut state = Self::default();
        for event in events {
            state.apply(&event.fact);
        }
        state
    }

    /// The case's state from its log, read through `tx` (inside the command's
    /// transaction, so it is the state the command commits against).
    pub fn load(tx: &mut Tx<'_>, scope: &AuthorityScope, case: CaseId) -> Result<Self, StoreError> {
        Ok(Self::from_events(&tx.list_events(scope, Some(case))?))
    }

    /// Whether a mediation is open: requested and not yet concluded.
    pub fn mediation_open(&self) -> bool {
        self.open_mediation.is_some()
    }

    /// Whether an appeal is pending: lodged and not yet decided by the Tribunal.
    pub fn appeal_pending(&self) -> bool {
        self.pending_appeal.is_some()
    }

    /// One event more. Every kind is listed: a new kind must say here whether it
    /// changes the case.
    pub fn apply(&mut self, fact: &CaseEvent) {
        self.version += 1;
        match fact {
            CaseEvent::RequestReceived(received) => {
                self.stage = Some(CaseStage::RequestReceived);
                self.received_on = Some(received.received_on);
            }
            CaseEvent::DecisionRecorded(decided) => {
                self.last_decided_on = Some(decided.decided_on);
                match (decided.kind, decided.outcome) {
                    (DecisionKind::Assess, DecisionOutcome::Agreed) => {
                        self.stage = Some(CaseStage::Assessing);
                        self.assessment_began = Some(decided.decided_on);
                    }
                    (DecisionKind::Assess, DecisionOutcome::Refused) => {
                        self.stage = Some(CaseStage::AssessmentRefused);
                    }
                    (DecisionKind::Issue, DecisionOutcome::Agreed) => {
                        self.stage = Some(CaseStage::DraftPlan);
                        self.decided_to_issue_on = Some(decided.decided_on);
                    }
                    (DecisionKind::Issue, DecisionOutcome::Refused) => {
                        self.stage = Some(CaseStage::NotToIssue);
                    }
                    // Deferred, and kinds with no stage of their own.
                    _ => {}
                }
            }
            CaseEvent::NextStepsOutcomeRecorded(met) => {
                if met.outcome == NextStepsOutcome::MovedToAssessment {
                    self.stage = Some(CaseStage::Assessing);
                    self.assessment_began = Some(met.met_on);
                } else {
                    self.stage = Some(CaseStage::AssessmentRefused);
                }
            }
            CaseEvent::FinalPlanIssued(issued) => {
                self.stage = Some(CaseStage::PlanIssued);
                self.plan_issued_on = Some(issued.issued_on);
            }
            CaseEvent::PlanTransferredIn(transferred) => {
                self.stage = Some(CaseStage::PlanIssued);
                self.received_on = self.received_on.or(Some(transferred.transferred_on));
                self.plan_issued_on = Some(transferred.issued_on);
            }
            CaseEvent::ReviewDecisionRecorded(review) => {
                self.stage = Some(match review.choice {
                    ReviewDecision::Cease => CaseStage::Ceased,
                    ReviewDecision::Maintain | ReviewDecision::Amend => CaseStage::PlanIssued,
                });
            }
            CaseEvent::PlanTransferredOut(_) => self.stage = Some(CaseStage::Closed),
            CaseEvent::MediationRequested(requested) => {
                self.open_mediation = Some(requested.clone());
            }
            CaseEvent::MediationConcluded(_) => self.open_mediation = None,
            CaseEvent::AppealLodged(lodged) => self.pending_appeal = Some(lodged.clone()),
            CaseEvent::TribunalDecided(decided) => {
                self.pending_appeal = None;
                self.stage = match (decided.order, self.stage) {
                    (Some(TribunalOrder::Assess), Some(CaseStage::AssessmentRefused)) => {
                        self.assessment_began = Some(decided.decided_on);
                        Some(CaseStage::Assessing)
                    }
                    (
                        Some(TribunalOrder::ContinueToMaintain | TribunalOrder::ContinueAndAmend),
                        Some(CaseStage::Ceased),
                    ) => Some(CaseStage::PlanIssued),
                    (_, stage) => stage,
                };
            }
            // Facts that leave the stage and the dates above as they were.
            CaseEvent::AuthorityRegistered(_)
            | CaseEvent::UserAdded(_)
            | CaseEvent::DeadlineSet(_)
            | CaseEvent::AgendaItemAdded(_)
            | CaseEvent::VoteCast(_)
            | CaseEvent::DocumentStored(_)
            | CaseEvent::AdviceRecorded(_)
            | CaseEvent::ExceptionRecorded(_)
            | CaseEvent::AdviceRequested(_)
            | CaseEvent::AdviceReceived(_)
            | CaseEvent::DraftPlanServed(_)
            | CaseEvent::ReviewMeetingScheduled(_)
            | CaseEvent::PhaseTransferPlanned(_)
            | CaseEvent::PhaseTransferCompleted(_)
            | CaseEvent::MoveOutNotified(_)
            | CaseEvent::TransferNoticeSent(_)
            | CaseEvent::TribunalOrderComplied(_)
            | CaseEvent::SittingScheduled(_)
            | CaseEvent::PapersOpened(_)
            | CaseEvent::ConflictDeclared(_)
            | CaseEvent::AgendaItemClosed(_)
            | CaseEvent::NextStepsMeetingArranged(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    //! Given events, when folded, then the state: no database.
    use super::*;
    use crate::domain::{ChildId, DecisionId, RequestId, RequestedBy};

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2023, 10, d).unwrap_or_default()
    }

    fn received() -> CaseEvent {
        CaseEvent::RequestReceived(events::RequestReceived {
            request: RequestId::new(),
            child: ChildId::new(),
            received_on: day(2),
            requested_by: RequestedBy::Parent,
        })
    }

    fn decided(kind: DecisionKind, outcome: DecisionOutcome, on: NaiveDate) -> CaseEvent {
        CaseEvent::DecisionRecorded(events::DecisionRecorded {
            decision: DecisionId::new(),
            kind,
            outcome,
            decided_on: on,
            within_six_weeks: None,
            within_sixteen_weeks: None,
            departure_reason: None,
            mediation_contact_by: None,
            appeal_by: None,
        })
    }

    fn fold(facts: &[CaseEvent]) -> CaseState {
        let mut state = CaseState::default();
        for fact in facts {
            state.apply(fact);
        }
        state
    }

    #[test]
    fn nothing_folded_is_no_case() {
        assert_eq!(fold(&[]).stage, None);
    }

    #[test]
    fn a_decision_to_assess_starts_the_assessment_on_the_day_decided() {
        let state = fold(&[
            received(),
            decided(DecisionKind::Assess, DecisionOutcome::Agreed, day(20)),
        ]);
        assert_eq!(state.stage, Some(CaseStage::Assessing));
        assert_eq!(state.assessment_began, Some(day(20)));
        assert_eq!(state.received_on, Some(day(2)));
        assert_eq!(state.version, 2);
    }

    #[test]
    fn a_refusal_then_a_next_steps_meeting_that_moves_to_assessment() {
        let state = fold(&[
            received(),
            decided(DecisionKind::Assess, DecisionOutcome::Refused, day(20)),
            CaseEvent::NextStepsOutcomeRecorded(events::NextStepsOutcomeRecorded {
                met_on: day(27),
                outcome: NextStepsOutcome::MovedToAssessment,
                notes: "Agreed to assess.".into(),
            }),
        ]);
        assert_eq!(state.stage, Some(CaseStage::Assessing));
        assert_eq!(state.assessment_began, Some(day(27)));
        assert_eq!(state.last_decided_on, Some(day(20)));
    }

    #[test]
    fn an_appeal_is_pending_until_the_tribunal_decides_and_an_order_to_assess_moves_the_case() {
        let decision = DecisionId::new();
        let lodged = CaseEvent::AppealLodged(events::AppealLodged {
            decision,
            decision_kind: DecisionKind::Assess,
            notice_sent_on: day(20),
            lodged_on: day(25),
            mediation_certificate_issued_on: None,
            appeal_by: day(30),
            in_time: true,
        });
        let mut state = fold(&[
            received(),
            decided(DecisionKind::Assess, DecisionOutcome::Refused, day(20)),
            lodged,
        ]);
        assert!(state.appeal_pending());
        state.apply(&CaseEvent::TribunalDecided(events::TribunalDecided {
            decided_on: day(30),
            outcome: super::super::TribunalOutcome::Ordered,
            order: Some(TribunalOrder::Assess),
            steps: Vec::new(),
        }));
        assert!(!state.appeal_pending());
        assert_eq!(state.stage, Some(CaseStage::Assessing));
        assert_eq!(state.assessment_began, Some(day(30)));
    }

    #[test]
    fn ceasing_and_a_plan_transferred_out_end_the_plan() {
        let review = |choice| {
            CaseEvent::ReviewDecisionRecorded(events::ReviewDecisionRecorded {
                decision: DecisionId::new(),
                kind: DecisionKind::AnnualReview,
                outcome: DecisionOutcome::Agreed,
                choice,
                decided_on: day(30),
                within_four_weeks: true,
                next_review_by: None,
                amended_plan_by: None,
                mediation_contact_by: None,
                appeal_by: None,
            })
        };
        let issued = CaseEvent::FinalPlanIssued(events::FinalPlanIssued {
            issued_on: day(10),
            due_on: None,
            within_twenty_weeks: true,
        });
        assert_eq!(
            fold(&[received(), issued.clone(), review(ReviewDecision::Cease)]).stage,
            Some(CaseStage::Ceased)
        );
        let kept = fold(&[received(), issued, review(ReviewDecision::Maintain)]);
        assert_eq!(kept.stage, Some(CaseStage::PlanIssued));
        assert_eq!(kept.plan_issued_on, Some(day(10)));
    }
}
