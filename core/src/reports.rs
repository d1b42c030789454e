//! The figures an authority watches and reports (the SEN2 return asks for most of
//! them): requests received per month, decisions to assess within 6 weeks, final plans
//! within 20 weeks with and without the cases an exception applies to, the refusal rate
//! over decided requests with those still pending shown apart, next-steps outcomes, and
//! mediations and appeals. Computed from the record, never typed in.

use std::collections::BTreeMap;

use chrono::Datelike;
use serde::Serialize;

use crate::domain::{CaseStage, DeadlineKind, DeadlineStatus, DecisionKind, DecisionOutcome};
use crate::events::CaseEvent;
use crate::store::{AuthorityScope, Database, StoreError};

/// How many of some steps there were, and how many came within their limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Timeliness {
    /// Steps taken.
    pub total: usize,
    /// Of those, taken within the statutory limit.
    pub within_limit: usize,
}

impl Timeliness {
    /// The share within the limit, in whole per cent (rounded half up); `None` when
    /// nothing was counted (0% would be a claim the record cannot support).
    pub fn percent(&self) -> Option<u32> {
        if self.total == 0 {
            return None;
        }
        let scaled = (self.within_limit * 200 + self.total) / (self.total * 2);
        u32::try_from(scaled).ok()
    }
}

/// The decisions whether to assess.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct AssessmentOutcomes {
    /// Agreed to assess.
    pub agreed: usize,
    /// Refused.
    pub refused: usize,
    /// Requests not yet decided: shown apart, never counted as either.
    pub pending: usize,
}

impl AssessmentOutcomes {
    /// Refusals as a share of decided requests, in whole per cent; `None` before any
    /// decision.
    pub fn refusal_percent(&self) -> Option<u32> {
        Timeliness {
            total: self.agreed + self.refused,
            within_limit: self.refused,
        }
        .percent()
    }
}

/// A month's requests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonthCount {
    /// `YYYY-MM`.
    pub month: String,
    /// Requests received in it.
    pub requests: usize,
}

/// The authority's dashboard.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Dashboard {
    /// Requests received, by month, oldest first.
    pub requests_per_month: Vec<MonthCount>,
    /// Decisions whether to assess, and how many within 6 weeks (Reg 5(1)).
    pub decisions_to_assess: Timeliness,
    /// Final plans issued, and how many within 20 weeks (Reg 13(2)).
    pub final_plans: Timeliness,
    /// The same, leaving out plans whose 20-week limit an exception disapplied (Reg
    /// 13(3)), as SEN2 reports timeliness.
    pub final_plans_without_exceptions: Timeliness,
    /// Assess, refuse, or not yet decided.
    pub assessment_outcomes: AssessmentOutcomes,
    /// What next-steps meetings after a refusal led to, by outcome.
    pub next_steps_outcomes: BTreeMap<String, usize>,
    /// Mediations requested.
    pub mediations_requested: usize,
    /// Mediations ended, by outcome.
    pub mediation_outcomes: BTreeMap<String, usize>,
    /// Appeals lodged with the Tribunal, and how many by the family's last day.
    pub appeals: Timeliness,
    /// Appeals decided, by outcome.
    pub tribunal_outcomes: BTreeMap<String, usize>,
}

/// The scope's dashboard, from its requests, cases, decisions, deadlines and events.
pub fn dashboard(db: &Database, scope: &AuthorityScope) -> Result<Dashboard, StoreError> {
    db.read(|tx| {
        let mut board = Dashboard::default();
        let mut months: BTreeMap<String, usize> = BTreeMap::new();
        for request in tx.list_requests(scope)? {
            let month = format!(
                "{:04}-{:02}",
                request.received_on.year(),
                request.received_on.month()
            );
            *months.entry(month).or_default() += 1;
        }
        board.requests_per_month = months
            .into_iter()
            .map(|(month, requests)| MonthCount { month, requests })
            .collect();

        let mut disapplied_final_plan = Vec::new();
        for case in tx.list_cases(scope)? {
            if matches!(
                case.stage,
                CaseStage::RequestReceived | CaseStage::AwaitingAssessmentDecision
            ) {
                board.assessment_outcomes.pending += 1;
            }
            for decision in tx.list_decisions(scope, case.id)? {
                if decision.kind == DecisionKind::Assess {
                    match decision.outcome {
                        DecisionOutcome::Agreed => board.assessment_outcomes.agreed += 1,
                        DecisionOutcome::Refused => board.assessment_outcomes.refused += 1,
                        DecisionOutcome::Deferred => {}
                    }
                }
            }
            if tx.list_deadlines(scope, case.id)?.iter().any(|d| {
                d.kind == DeadlineKind::FinalPlan && d.status == DeadlineStatus::Disapplied
            }) {
                disapplied_final_plan.push(case.id);
            }
        }

        for event in tx.list_events(scope, None)? {
            match &event.fact {
                CaseEvent::DecisionRecorded(decided) if decided.kind == DecisionKind::Assess => {
                    board.decisions_to_assess.total += 1;
                    if decided.within_six_weeks == Some(true) {
                        board.decisions_to_assess.within_limit += 1;
                    }
                }
                CaseEvent::FinalPlanIssued(issued) => {
                    let on_time = issued.within_twenty_weeks;
                    board.final_plans.total += 1;
                    board.final_plans.within_limit += usize::from(on_time);
                    let excepted = event
                        .case_id
                        .is_some_and(|case| disapplied_final_plan.contains(&case));
                    if !excepted {
                        board.final_plans_without_exceptions.total += 1;
                        board.final_plans_without_exceptions.within_limit += usize::from(on_time);
                    }
                }
                CaseEvent::NextStepsOutcomeRecorded(met) => {
                    *board
                        .next_steps_outcomes
                        .entry(met.outcome.to_string())
                        .or_default() += 1;
                }
                CaseEvent::MediationRequested(_) => board.mediations_requested += 1,
                CaseEvent::MediationConcluded(ended) => {
                    *board
                        .mediation_outcomes
                        .entry(ended.outcome.to_string())
                        .or_default() += 1;
                }
                CaseEvent::AppealLodged(appeal) => {
                    board.appeals.total += 1;
                    board.appeals.within_limit += usize::from(appeal.in_time);
                }
                CaseEvent::TribunalDecided(decided) => {
                    *board
                        .tribunal_outcomes
                        .entry(decided.outcome.to_string())
                        .or_default() += 1;
                }
                // Nothing else is counted on the dashboard; listed so a new kind of
                // event is placed here on purpose.
                CaseEvent::DecisionRecorded(_)
                | CaseEvent::AuthorityRegistered(_)
                | CaseEvent::UserAdded(_)
                | CaseEvent::AccountChanged(_)
                | CaseEvent::EvidenceAdded(_)
                | CaseEvent::AdviceLinkSent(_)
                | CaseEvent::AdviceChased(_)
                | CaseEvent::AdviceLinkRevoked(_)
                | CaseEvent::RequestReceived(_)
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
                | CaseEvent::ReviewDecisionRecorded(_)
                | CaseEvent::PhaseTransferPlanned(_)
                | CaseEvent::PhaseTransferCompleted(_)
                | CaseEvent::MoveOutNotified(_)
                | CaseEvent::PlanTransferredOut(_)
                | CaseEvent::PlanTransferredIn(_)
                | CaseEvent::TransferNoticeSent(_)
                | CaseEvent::TribunalOrderComplied(_)
                | CaseEvent::SittingScheduled(_)
                | CaseEvent::PapersOpened(_)
                | CaseEvent::ConflictDeclared(_)
                | CaseEvent::AgendaItemClosed(_)
                | CaseEvent::NextStepsMeetingArranged(_) => {}
            }
        }
        Ok(board)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_round_half_up_and_are_absent_without_a_count() {
        let share = |within_limit, total| {
            Timeliness {
                total,
                within_limit,
            }
            .percent()
        };
        assert_eq!(share(0, 0), None);
        assert_eq!(share(1, 3), Some(33));
        assert_eq!(share(2, 3), Some(67));
        assert_eq!(share(1, 8), Some(13)); // 12.5 rounds up
        assert_eq!(share(5, 5), Some(100));
        let outcomes = AssessmentOutcomes {
            agreed: 3,
            refused: 1,
            pending: 10,
        };
        // Pending requests are not in the denominator.
        assert_eq!(outcomes.refusal_percent(), Some(25));
    }
}
