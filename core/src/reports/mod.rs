//! The figures an authority watches and reports (the SEN2 return asks for most of
//! them): requests received per month, decisions to assess within 6 weeks, final plans
//! within 20 weeks with and without the cases an exception applies to, the refusal rate
//! over decided requests with those still pending shown apart, next-steps outcomes, and
//! mediations and appeals. Computed from the record, never typed in.
//!
//! Each figure can be cut to a [`Period`]; the [`scrutiny`] table sets a period beside
//! the one before it against the authority's targets; the [`plans`] report counts plans
//! issued, ceased and maintained; [`csv`] writes any of their tables for a spreadsheet.

pub mod csv;
pub mod period;
pub mod plans;
mod record;
pub mod scrutiny;

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::domain::{CaseId, CaseStage, DecisionKind, DecisionOutcome};
use crate::events::CaseEvent;
use crate::store::{AuthorityScope, Database, StoreError};

pub use self::csv::csv_safe;
pub use period::{Period, PeriodError, Preset};
pub use plans::{AgeBand, LedgerRow, PlanReport};
pub use record::{CeaseRoute, PlanStart};
pub use scrutiny::{
    Figure, Indicator, Rag, Scrutiny, ScrutinyRow, Target, TargetDirection, Travel,
};

use record::Record;

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

/// The scope's dashboard over every record.
pub fn dashboard(db: &Database, scope: &AuthorityScope) -> Result<Dashboard, StoreError> {
    dashboard_for(db, scope, None)
}

/// The scope's dashboard over `period` (every record when `None`): each figure counts
/// what happened in it, by the day it happened (the day a request was received, a
/// decision made, a plan issued, an appeal lodged), and requests not yet decided are
/// those undecided at its end.
pub fn dashboard_for(
    db: &Database,
    scope: &AuthorityScope,
    period: Option<&Period>,
) -> Result<Dashboard, StoreError> {
    let record = db.read(|tx| Record::load(tx, scope))?;
    Ok(board(&record, period))
}

/// The plan report over `period` (every plan when `None`).
pub fn plan_report(
    db: &Database,
    scope: &AuthorityScope,
    period: Option<&Period>,
) -> Result<PlanReport, StoreError> {
    let record = db.read(|tx| Record::load(tx, scope))?;
    Ok(plans::plan_report(&record, period))
}

/// The scrutiny table for `period` against the authority's `targets`.
pub fn scrutiny(
    db: &Database,
    scope: &AuthorityScope,
    targets: &[Target],
    period: &Period,
) -> Result<Scrutiny, StoreError> {
    let record = db.read(|tx| Record::load(tx, scope))?;
    Ok(scrutiny_of(&record, targets, period))
}

/// Every report the dashboard page shows, read in one transaction so they agree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reports {
    /// The period chosen; `None`: every record.
    pub period: Option<Period>,
    /// The figures and their charts.
    pub dashboard: Dashboard,
    /// Plans issued, ceased and maintained.
    pub plans: PlanReport,
    /// The scrutiny table.
    pub scrutiny: Scrutiny,
}

/// Every report over `period`. The scrutiny table needs a period: with none chosen it
/// covers the last complete quarter before `today`, as a quarterly scrutiny report does.
pub fn reports(
    db: &Database,
    scope: &AuthorityScope,
    targets: &[Target],
    period: Option<&Period>,
    today: NaiveDate,
) -> Result<Reports, StoreError> {
    let record = db.read(|tx| Record::load(tx, scope))?;
    let scrutiny_period = period
        .copied()
        .unwrap_or_else(|| Preset::ThisQuarter.period(today).previous());
    Ok(Reports {
        period: period.copied(),
        dashboard: board(&record, period),
        plans: plans::plan_report(&record, period),
        scrutiny: scrutiny_of(&record, targets, &scrutiny_period),
    })
}

fn scrutiny_of(record: &Record, targets: &[Target], period: &Period) -> Scrutiny {
    let previous = period.previous();
    let latest = figures(record, period);
    let before = figures(record, &previous);
    Scrutiny {
        period: *period,
        previous,
        rows: Indicator::ALL
            .iter()
            .zip(latest.into_iter().zip(before))
            .map(|(&indicator, (latest, before))| {
                ScrutinyRow::new(
                    indicator,
                    latest,
                    before,
                    scrutiny::target_for(targets, indicator, period.to),
                )
            })
            .collect(),
    }
}

/// Each indicator's figure over `period`, in [`Indicator::ALL`]'s order.
fn figures(record: &Record, p: &Period) -> [Figure; 10] {
    let board = board(record, Some(p));
    let plans = plans::plan_report(record, Some(p));
    let requests = board.requests_per_month.iter().map(|m| m.requests).sum();
    let outcomes = board.assessment_outcomes;
    Indicator::ALL.map(|indicator| match indicator {
        Indicator::RequestsPerMonth => scrutiny::per_month(requests, p),
        Indicator::DecisionsWithinSixWeeks => Figure::Share(board.decisions_to_assess),
        Indicator::FinalPlansWithinTwentyWeeks => Figure::Share(board.final_plans),
        Indicator::FinalPlansWithinTwentyWeeksWithoutExceptions => {
            Figure::Share(board.final_plans_without_exceptions)
        }
        Indicator::RefusalRate => Figure::Share(Timeliness {
            total: outcomes.agreed + outcomes.refused,
            within_limit: outcomes.refused,
        }),
        Indicator::PlansActive => Figure::Count(plans.active_at_end),
        Indicator::PlansIssued => Figure::Count(board.final_plans.total),
        Indicator::PlansCeased => Figure::Count(plans.ceased_by_route.values().sum()),
        Indicator::AppealsLodged => Figure::Count(board.appeals.total),
        Indicator::MediationsRequested => Figure::Count(board.mediations_requested),
    })
}

/// The dashboard's figures from the record, over `period` or every record.
fn board(record: &Record, period: Option<&Period>) -> Dashboard {
    let within = |day: NaiveDate| period.is_none_or(|p| p.contains(day));
    let mut board = Dashboard::default();
    let mut months: BTreeMap<String, usize> = BTreeMap::new();
    for received in record.requests_received.iter().filter(|d| within(**d)) {
        let month = format!("{:04}-{:02}", received.year(), received.month());
        *months.entry(month).or_default() += 1;
    }
    board.requests_per_month = months
        .into_iter()
        .map(|(month, requests)| MonthCount { month, requests })
        .collect();

    let disapplied_final_plan = record.disapplied();
    // Per case: the first decision whether to assess that agreed or refused, the day
    // the case ended before one (withdrawn or closed), and whether it holds a plan
    // that came without one (imported or transferred in).
    let mut decided: BTreeMap<CaseId, NaiveDate> = BTreeMap::new();
    let mut ended: BTreeMap<CaseId, NaiveDate> = BTreeMap::new();
    let mut plan_without_request = std::collections::BTreeSet::new();

    for event in &record.events {
        match &event.fact {
            CaseEvent::DecisionRecorded(d) if d.kind == DecisionKind::Assess => {
                if let Some(case) = event.case_id
                    && d.outcome != DecisionOutcome::Deferred
                {
                    decided.entry(case).or_insert(d.decided_on);
                }
                if !within(d.decided_on) {
                    continue;
                }
                board.decisions_to_assess.total += 1;
                if d.within_six_weeks == Some(true) {
                    board.decisions_to_assess.within_limit += 1;
                }
                match d.outcome {
                    DecisionOutcome::Agreed => board.assessment_outcomes.agreed += 1,
                    DecisionOutcome::Refused => board.assessment_outcomes.refused += 1,
                    DecisionOutcome::Deferred => {}
                }
            }
            CaseEvent::FinalPlanIssued(issued) if within(issued.issued_on) => {
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
            CaseEvent::NextStepsOutcomeRecorded(met) if within(met.met_on) => {
                *board
                    .next_steps_outcomes
                    .entry(met.outcome.to_string())
                    .or_default() += 1;
            }
            CaseEvent::MediationRequested(asked) if within(asked.requested_on) => {
                board.mediations_requested += 1;
            }
            CaseEvent::MediationConcluded(done) if within(done.ended_on) => {
                *board
                    .mediation_outcomes
                    .entry(done.outcome.to_string())
                    .or_default() += 1;
            }
            CaseEvent::AppealLodged(appeal) if within(appeal.lodged_on) => {
                board.appeals.total += 1;
                board.appeals.within_limit += usize::from(appeal.in_time);
            }
            CaseEvent::TribunalDecided(decided) if within(decided.decided_on) => {
                *board
                    .tribunal_outcomes
                    .entry(decided.outcome.to_string())
                    .or_default() += 1;
            }
            CaseEvent::RequestWithdrawn(w) => {
                if let Some(case) = event.case_id {
                    ended.entry(case).or_insert(w.withdrawn_on);
                }
            }
            CaseEvent::CaseClosed(c) => {
                if let Some(case) = event.case_id {
                    ended.entry(case).or_insert(c.closed_on);
                }
            }
            CaseEvent::PlanImported(_) | CaseEvent::PlanTransferredIn(_) => {
                if let Some(case) = event.case_id {
                    plan_without_request.insert(case);
                }
            }
            // Counted only in their period (above), or not on the dashboard at all;
            // listed so a new kind of event is placed here on purpose.
            CaseEvent::DecisionRecorded(_)
            | CaseEvent::FinalPlanIssued(_)
            | CaseEvent::NextStepsOutcomeRecorded(_)
            | CaseEvent::MediationRequested(_)
            | CaseEvent::MediationConcluded(_)
            | CaseEvent::AppealLodged(_)
            | CaseEvent::TribunalDecided(_)
            | CaseEvent::AuthorityRegistered(_)
            | CaseEvent::UserAdded(_)
            | CaseEvent::AccountChanged(_)
            | CaseEvent::EvidenceAdded(_)
            | CaseEvent::AdviceLinkSent(_)
            | CaseEvent::AdviceChased(_)
            | CaseEvent::AdviceLinkRevoked(_)
            | CaseEvent::CaseAllocated(_)
            | CaseEvent::CaseReopened(_)
            | CaseEvent::ChildDetailsCorrected(_)
            | CaseEvent::CaseNoteRecorded(_)
            | CaseEvent::PlacementDecided(_)
            | CaseEvent::FundingCommitted(_)
            | CaseEvent::RequestImported(_)
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
            | CaseEvent::TransferNoticeSent(_)
            | CaseEvent::TribunalOrderComplied(_)
            | CaseEvent::SittingScheduled(_)
            | CaseEvent::PapersOpened(_)
            | CaseEvent::ConflictDeclared(_)
            | CaseEvent::AgendaItemClosed(_)
            | CaseEvent::NextStepsMeetingArranged(_) => {}
        }
    }

    board.assessment_outcomes.pending = match period {
        // Over every record: the requests waiting for a decision now.
        None => record
            .cases
            .values()
            .filter(|c| {
                matches!(
                    c.stage,
                    CaseStage::RequestReceived | CaseStage::AwaitingAssessmentDecision
                )
            })
            .count(),
        // Over a period: those received by its end and, at its end, neither decided
        // nor withdrawn or closed.
        Some(p) => record
            .cases
            .iter()
            .filter(|(id, c)| {
                c.received_on.is_some_and(|r| r <= p.to)
                    && !plan_without_request.contains(*id)
                    && decided.get(*id).is_none_or(|d| *d > p.to)
                    && ended.get(*id).is_none_or(|e| *e > p.to)
            })
            .count(),
    };
    board
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
