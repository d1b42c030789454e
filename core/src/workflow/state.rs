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

use crate::domain::{
    AuthorityId, CaseId, CaseStage, Deadline, DeadlineId, DeadlineKind, DeadlineStatus, DecisionId,
    DecisionKind, DecisionOutcome, Event, ReviewDecision,
};
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
    /// Every limit set on the case, in the order set, with where it stands.
    pub deadlines: Vec<LimitState>,
    /// Every decision recorded on the case, oldest first.
    pub decisions: Vec<DecisionState>,
    /// The family's last day to appeal the latest decision carrying appeal rights, or
    /// the later day a mediation certificate gave (Tribunal rule 20).
    pub appeal_window_ends: Option<NaiveDate>,
    /// While the case is closed because a decision stood: the stage a late appeal or
    /// mediation reopens it at.
    pub reopens_to: Option<CaseStage>,
    /// How many events have been folded.
    pub version: u64,
    /// The last sequence number in the case's stream as loaded ([`CaseState::load`]):
    /// the next fact appended takes the one after.
    pub last_sequence: i64,
}

/// One limit on the case, as its events tell it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitState {
    /// Its id: from the `DeadlineSet` fact, or (for logs written before facts carried
    /// it) from the deadlines table, filled in by [`CaseState::load`].
    pub id: Option<DeadlineId>,
    /// Which limit.
    pub kind: DeadlineKind,
    /// Which of several of its kind (an advice source, an order's step).
    pub subject: Option<String>,
    /// Its last day.
    pub due_on: NaiveDate,
    /// Open, met or disapplied.
    pub status: DeadlineStatus,
}

impl LimitState {
    /// As the domain's deadline of `case` in `authority`.
    pub fn to_deadline(&self, authority: &AuthorityId, case: CaseId) -> Deadline {
        Deadline {
            id: self.id.unwrap_or_default(),
            authority_id: authority.clone(),
            case_id: case,
            kind: self.kind,
            due_on: self.due_on,
            status: self.status,
            subject: self.subject.clone(),
        }
    }

    fn is_open(&self) -> bool {
        self.status == DeadlineStatus::Open
    }
}

/// One decision on the case, as its events tell it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionState {
    /// The decision.
    pub id: DecisionId,
    /// Which decision.
    pub kind: DecisionKind,
    /// Agreed or refused.
    pub outcome: DecisionOutcome,
    /// The day decided.
    pub decided_on: NaiveDate,
}

/// A limit a fact settles: which one, and how. [`CaseState::apply`] returns these so
/// the read tables change exactly as the fold does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settled {
    /// The limit, as it stood before.
    pub limit: LimitState,
    /// Met or disapplied.
    pub status: DeadlineStatus,
}

/// Which open limits a fact settles: the one rule, used by the fold and so by the
/// read tables.
enum Settles<'a> {
    /// Every open limit of these kinds.
    AllOpenOf(&'static [DeadlineKind]),
    /// One limit: by id where known, else the soonest due open one of its kind and
    /// subject.
    One {
        id: Option<DeadlineId>,
        kind: DeadlineKind,
        subject: Option<&'a str>,
    },
}

impl CaseState {
    /// Folds `events`, oldest first.
    pub fn from_events<'a>(events: impl IntoIterator<Item = &'a Event>) -> Self {
        let mut state = Self::default();
        for event in events {
            let _ = state.apply(&event.fact);
        }
        state
    }

    /// The case's state from its log, read through `tx` (inside the command's
    /// transaction, so it is the state the command commits against). One query, and a
    /// second only for a log written before limits carried their ids.
    pub fn load(tx: &mut Tx<'_>, scope: &AuthorityScope, case: CaseId) -> Result<Self, StoreError> {
        let events = tx.list_events(scope, Some(case))?;
        let mut state = Self::from_events(&events);
        state.last_sequence = events.last().and_then(|e| e.case_sequence).unwrap_or(0);
        if state.deadlines.iter().any(|d| d.id.is_none()) {
            state.fill_ids(&tx.list_deadlines(scope, case)?);
        }
        Ok(state)
    }

    /// The stage, or `RequestReceived` before the first fact (a command is only ever run
    /// on a case that exists, whose first fact set its stage).
    pub fn stage(&self) -> CaseStage {
        self.stage.unwrap_or(CaseStage::RequestReceived)
    }

    /// The soonest-due limit of `kind` in any status, if one was set.
    pub fn limit(&self, kind: DeadlineKind) -> Option<&LimitState> {
        self.deadlines
            .iter()
            .filter(|d| d.kind == kind)
            .min_by_key(|d| d.due_on)
    }

    /// The soonest-due open limit of `kind` (and `subject`, where given).
    pub fn open_limit(&self, kind: DeadlineKind, subject: Option<&str>) -> Option<&LimitState> {
        self.deadlines
            .iter()
            .filter(|d| {
                d.kind == kind
                    && d.is_open()
                    && (subject.is_none() || d.subject.as_deref() == subject)
            })
            .min_by_key(|d| d.due_on)
    }

    /// The decision `id`, if it was recorded on this case.
    pub fn decision(&self, id: DecisionId) -> Option<&DecisionState> {
        self.decisions.iter().find(|d| d.id == id)
    }

    /// Gives limits set by logs that predate ids in `DeadlineSet` the ids the deadlines
    /// table holds for them: the n-th such limit of a kind and subject is the n-th row
    /// of that kind and subject, in the order set.
    fn fill_ids(&mut self, rows: &[Deadline]) {
        let mut taken: Vec<DeadlineId> = self.deadlines.iter().filter_map(|d| d.id).collect();
        for limit in self.deadlines.iter_mut().filter(|d| d.id.is_none()) {
            if let Some(row) = rows.iter().find(|row| {
                row.kind == limit.kind
                    && row.subject == limit.subject
                    && row.due_on == limit.due_on
                    && !taken.contains(&row.id)
            }) {
                limit.id = Some(row.id);
                limit.status = row.status;
                taken.push(row.id);
            }
        }
    }

    /// Settles what `rule` names, returning what changed.
    fn settle(&mut self, rule: Settles<'_>, status: DeadlineStatus) -> Vec<Settled> {
        let mut settled = Vec::new();
        let mut mark = |limit: &mut LimitState| {
            settled.push(Settled {
                limit: limit.clone(),
                status,
            });
            limit.status = status;
        };
        match rule {
            Settles::AllOpenOf(kinds) => {
                for limit in self
                    .deadlines
                    .iter_mut()
                    .filter(|d| d.is_open() && kinds.contains(&d.kind))
                {
                    mark(limit);
                }
            }
            Settles::One { id, kind, subject } => {
                let by_id = id.and_then(|id| {
                    self.deadlines
                        .iter()
                        .position(|d| d.is_open() && d.id == Some(id))
                });
                let index = by_id.or_else(|| {
                    self.deadlines
                        .iter()
                        .enumerate()
                        .filter(|(_, d)| {
                            d.is_open() && d.kind == kind && d.subject.as_deref() == subject
                        })
                        .min_by_key(|(_, d)| d.due_on)
                        .map(|(i, _)| i)
                });
                if let Some(limit) = index.and_then(|i| self.deadlines.get_mut(i)) {
                    mark(limit);
                }
            }
        }
        settled
    }

    /// Whether a mediation is open: requested and not yet concluded.
    pub fn mediation_open(&self) -> bool {
        self.open_mediation.is_some()
    }

    /// Whether an appeal is pending: lodged and not yet decided by the Tribunal.
    pub fn appeal_pending(&self) -> bool {
        self.pending_appeal.is_some()
    }

    /// One event more, returning the limits it settled. Every kind is listed: a new
    /// kind must say here whether it changes the case.
    pub fn apply(&mut self, fact: &CaseEvent) -> Vec<Settled> {
        self.version += 1;
        let settled = self.settle_for(fact);
        self.fold(fact);
        settled
    }

    /// The limits `fact` settles (SEND Regulations 2014 as cited on each kind): a
    /// decision meets the limit it was due by, advice received meets its own request's
    /// limit, an exception disapplies the one limit claimed.
    fn settle_for(&mut self, fact: &CaseEvent) -> Vec<Settled> {
        use DeadlineKind as K;
        let met = DeadlineStatus::Met;
        match fact {
            CaseEvent::DecisionRecorded(decided) => match (decided.kind, decided.outcome) {
                (DecisionKind::Assess, _) => {
                    self.settle(Settles::AllOpenOf(&[K::DecideWhetherToAssess]), met)
                }
                // Not issuing ends the duty to issue a final plan (reg. 13(2)).
                (DecisionKind::Issue, DecisionOutcome::Refused) => self.settle(
                    Settles::AllOpenOf(&[K::DecideNotToIssue, K::FinalPlan]),
                    met,
                ),
                (DecisionKind::Issue, _) => {
                    self.settle(Settles::AllOpenOf(&[K::DecideNotToIssue]), met)
                }
                _ => Vec::new(),
            },
            CaseEvent::AdviceReceived(received) => {
                let subject = received.from.to_string();
                self.settle(
                    Settles::One {
                        id: Some(received.deadline),
                        kind: K::AdviceDue,
                        subject: Some(&subject),
                    },
                    met,
                )
            }
            CaseEvent::ExceptionRecorded(exception) => self.settle(
                Settles::One {
                    id: exception.deadline_id,
                    kind: exception.deadline,
                    subject: exception.subject.as_deref(),
                },
                DeadlineStatus::Disapplied,
            ),
            CaseEvent::FinalPlanIssued(_) => self.settle(
                Settles::AllOpenOf(&[K::FinalPlan, K::RepresentationsDue]),
                met,
            ),
            CaseEvent::ReviewDecisionRecorded(_) => self.settle(
                Settles::AllOpenOf(&[
                    K::ReviewDecision,
                    K::ReviewPapers,
                    K::ReviewReport,
                    K::AnnualReview,
                ]),
                met,
            ),
            CaseEvent::MediationConcluded(_) => {
                self.settle(Settles::AllOpenOf(&[K::Mediation]), met)
            }
            CaseEvent::TribunalOrderComplied(complied) => self.settle(
                Settles::One {
                    id: None,
                    kind: K::TribunalOrder,
                    subject: Some(&complied.step),
                },
                met,
            ),
            CaseEvent::PhaseTransferCompleted(_) => self.settle(
                Settles::One {
                    id: None,
                    kind: K::PhaseTransfer,
                    subject: None,
                },
                met,
            ),
            CaseEvent::PlanTransferredOut(_) => self.settle(
                Settles::One {
                    id: None,
                    kind: K::PlanTransfer,
                    subject: None,
                },
                met,
            ),
            CaseEvent::TransferNoticeSent(_) => self.settle(
                Settles::One {
                    id: None,
                    kind: K::TransferNotice,
                    subject: None,
                },
                met,
            ),
            _ => Vec::new(),
        }
    }

    /// The fold proper: what `fact` says about the case beyond the limits it settles.
    fn fold(&mut self, fact: &CaseEvent) {
        match fact {
            CaseEvent::RequestReceived(received) => {
                self.stage = Some(CaseStage::RequestReceived);
                self.received_on = Some(received.received_on);
            }
            CaseEvent::DecisionRecorded(decided) => {
                self.decisions.push(DecisionState {
                    id: decided.decision,
                    kind: decided.kind,
                    outcome: decided.outcome,
                    decided_on: decided.decided_on,
                });
                self.last_decided_on = Some(decided.decided_on);
                if decided.appeal_by.is_some() {
                    self.appeal_window_ends = decided.appeal_by;
                }
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
                self.decisions.push(DecisionState {
                    id: review.decision,
                    kind: review.kind,
                    outcome: review.outcome,
                    decided_on: review.decided_on,
                });
                self.stage = Some(match review.choice {
                    ReviewDecision::Cease => CaseStage::Ceased,
                    ReviewDecision::Maintain | ReviewDecision::Amend => CaseStage::PlanIssued,
                });
            }
            CaseEvent::PlanTransferredOut(_) => self.stage = Some(CaseStage::Closed),
            CaseEvent::RequestWithdrawn(_) => {
                self.stage = Some(CaseStage::Closed);
                self.reopens_to = None;
            }
            CaseEvent::CaseClosed(closed) => {
                self.stage = Some(CaseStage::Closed);
                self.reopens_to = Some(closed.from);
            }
            CaseEvent::CaseReopened(reopened) => {
                self.stage = Some(reopened.to);
                self.reopens_to = None;
            }
            CaseEvent::PlanImported(imported) => {
                self.stage = Some(CaseStage::PlanIssued);
                self.plan_issued_on = Some(imported.plan_issued_on);
            }
            CaseEvent::MediationRequested(requested) => {
                self.open_mediation = Some(requested.clone());
            }
            CaseEvent::MediationConcluded(concluded) => {
                self.open_mediation = None;
                self.appeal_window_ends = self.appeal_window_ends.max(Some(concluded.appeal_by));
            }
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
            CaseEvent::DeadlineSet(set) => self.deadlines.push(LimitState {
                id: set.deadline,
                kind: set.kind,
                subject: set.subject.clone(),
                due_on: set.due_on,
                status: DeadlineStatus::Open,
            }),
            // Facts that leave the stage and the dates above as they were.
            CaseEvent::AuthorityRegistered(_)
            | CaseEvent::UserAdded(_)
            | CaseEvent::AccountChanged(_)
            | CaseEvent::EvidenceAdded(_)
            | CaseEvent::AdviceLinkSent(_)
            | CaseEvent::AdviceChased(_)
            | CaseEvent::AdviceLinkRevoked(_)
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
            | CaseEvent::NextStepsMeetingArranged(_)
            | CaseEvent::CaseAllocated(_)
            | CaseEvent::ChildDetailsCorrected(_)
            | CaseEvent::CaseNoteRecorded(_)
            | CaseEvent::PlacementDecided(_)
            | CaseEvent::FundingCommitted(_)
            | CaseEvent::RequestImported(_) => {}
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
            reasons: None,
            agenda_item: None,
        })
    }

    fn fold(facts: &[CaseEvent]) -> CaseState {
        let mut state = CaseState::default();
        for fact in facts {
            let _ = state.apply(fact);
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
                reasons: None,
                agenda_item: None,
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
