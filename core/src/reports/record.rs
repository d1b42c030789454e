//! What every report reads, in one transaction: the scope's requests, cases, children's
//! dates of birth, the cases whose 20-week limit an exception disapplied, and the event
//! log. The reports are worked out from it without the database, so the dashboard, the
//! scrutiny table and the plan report agree with one another.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;

use crate::domain::{
    CaseId, CaseStage, ClosedReason, DeadlineKind, DeadlineStatus, Event, ReviewDecision,
};
use crate::events::CaseEvent;
use crate::store::{AuthorityScope, StoreError, Tx};
use crate::workflow::TribunalOrder;

/// One case, as the reports need it.
#[derive(Debug, Clone)]
pub(super) struct CaseFacts {
    /// Its stage now.
    pub stage: CaseStage,
    /// The day its request was received.
    pub received_on: Option<NaiveDate>,
    /// The child's date of birth.
    pub born_on: Option<NaiveDate>,
    /// Whether an exception disapplied its final plan's 20-week limit.
    pub final_plan_disapplied: bool,
}

/// Everything the reports read.
#[derive(Debug, Clone, Default)]
pub(super) struct Record {
    /// Days requests were received, oldest first.
    pub requests_received: Vec<NaiveDate>,
    /// Every case.
    pub cases: BTreeMap<CaseId, CaseFacts>,
    /// The log, in the order it was written.
    pub events: Vec<Event>,
}

impl Record {
    /// Reads the scope's record.
    pub fn load(tx: &mut Tx<'_>, scope: &AuthorityScope) -> Result<Self, StoreError> {
        let requests = tx.list_requests(scope)?;
        let born: BTreeMap<_, _> = tx
            .list_children(scope)?
            .into_iter()
            .map(|child| (child.id, child.date_of_birth))
            .collect();
        let mut cases = BTreeMap::new();
        for case in tx.list_cases(scope)? {
            let final_plan_disapplied = tx.list_deadlines(scope, case.id)?.iter().any(|d| {
                d.kind == DeadlineKind::FinalPlan && d.status == DeadlineStatus::Disapplied
            });
            let received_on = requests
                .iter()
                .find(|r| r.id == case.request_id)
                .map(|r| r.received_on);
            cases.insert(
                case.id,
                CaseFacts {
                    stage: case.stage,
                    received_on,
                    born_on: born.get(&case.child_id).copied(),
                    final_plan_disapplied,
                },
            );
        }
        Ok(Self {
            requests_received: requests.iter().map(|r| r.received_on).collect(),
            cases,
            events: tx.list_events(scope, None)?,
        })
    }

    /// Each case's plans, from the events that start and end one.
    pub fn plan_spells(&self) -> Vec<PlanSpell> {
        let mut open: BTreeMap<CaseId, usize> = BTreeMap::new();
        let mut spells: Vec<PlanSpell> = Vec::new();
        for event in &self.events {
            let Some(case) = event.case_id else { continue };
            let current = open.get(&case).copied();
            let start = match &event.fact {
                CaseEvent::FinalPlanIssued(e) => Some((e.issued_on, PlanStart::Issued)),
                CaseEvent::PlanTransferredIn(e) => {
                    Some((e.transferred_on, PlanStart::TransferredIn))
                }
                CaseEvent::PlanImported(e) => Some((e.plan_issued_on, PlanStart::Imported)),
                _ => None,
            };
            if let Some((on, how)) = start {
                // A plan already maintained stays the one plan (an amended plan, say).
                if current.is_none() {
                    open.insert(case, spells.len());
                    spells.push(PlanSpell {
                        case,
                        started_on: on,
                        how,
                        ended: None,
                        born_on: self.cases.get(&case).and_then(|c| c.born_on),
                    });
                }
                continue;
            }
            let end = match &event.fact {
                CaseEvent::ReviewDecisionRecorded(e) if e.choice == ReviewDecision::Cease => {
                    Some((e.decided_on, CeaseRoute::CeasedAtReview))
                }
                CaseEvent::PlanTransferredOut(e) => {
                    Some((e.transferred_on, CeaseRoute::TransferredOut))
                }
                CaseEvent::CaseClosed(e) => match e.reason {
                    ClosedReason::Ceased => Some((e.closed_on, CeaseRoute::ClosedAsCeased)),
                    ClosedReason::TransferredOut => Some((e.closed_on, CeaseRoute::TransferredOut)),
                    ClosedReason::Withdrawn | ClosedReason::AppealWindowPassed => None,
                },
                _ => None,
            };
            if let Some((on, route)) = end {
                if let Some(spell) = current.and_then(|i| spells.get_mut(i)) {
                    spell.ended = Some((on, route));
                    open.remove(&case);
                }
                continue;
            }
            // The Tribunal ordering a ceased plan kept: it never ceased.
            if let CaseEvent::TribunalDecided(e) = &event.fact
                && matches!(
                    e.order,
                    Some(TribunalOrder::ContinueToMaintain | TribunalOrder::ContinueAndAmend)
                )
                && current.is_none()
                && let Some((index, spell)) = spells
                    .iter_mut()
                    .enumerate()
                    .rev()
                    .find(|(_, s)| s.case == case)
                && matches!(spell.ended, Some((_, CeaseRoute::CeasedAtReview)))
            {
                spell.ended = None;
                open.insert(case, index);
            }
        }
        spells
    }

    /// The cases whose plan the events say an exception excepted from the 20 weeks.
    pub fn disapplied(&self) -> BTreeSet<CaseId> {
        self.cases
            .iter()
            .filter(|(_, c)| c.final_plan_disapplied)
            .map(|(id, _)| *id)
            .collect()
    }
}

/// How a plan came to be maintained by the authority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PlanStart {
    /// Issued here after an assessment.
    Issued,
    /// Transferred in from another authority.
    TransferredIn,
    /// Maintained before the authority used this service, and imported.
    Imported,
}

/// How a plan stopped being maintained by the authority: the route the record shows.
/// The SEN2 cease reasons (needs met, maximum age, employment, ...) are not recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, strum::EnumIter)]
#[serde(rename_all = "snake_case")]
pub enum CeaseRoute {
    /// A decision at review to cease to maintain it (CFA 2014 s.45), unless the
    /// Tribunal later ordered it kept.
    CeasedAtReview,
    /// Transferred to another authority (SEN2 cease reason 5).
    TransferredOut,
    /// The case closed as ceased without a cease decision in the record.
    ClosedAsCeased,
}

impl CeaseRoute {
    /// How a person names it.
    pub fn label(self) -> &'static str {
        match self {
            Self::CeasedAtReview => "Ceased after a review decision (CFA 2014 s.45)",
            Self::TransferredOut => "Transferred to another authority",
            Self::ClosedAsCeased => "Case closed as ceased (no cease decision in the record)",
        }
    }
}

/// One plan's time with the authority.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct PlanSpell {
    /// Its case.
    pub case: CaseId,
    /// The day it began to be maintained here.
    pub started_on: NaiveDate,
    /// How.
    pub how: PlanStart,
    /// The day it stopped, and how; `None` while maintained.
    pub ended: Option<(NaiveDate, CeaseRoute)>,
    /// The child's date of birth.
    pub born_on: Option<NaiveDate>,
}

impl PlanSpell {
    /// Maintained at the end of `day`.
    pub fn active_on(&self, day: NaiveDate) -> bool {
        self.started_on <= day && self.ended.is_none_or(|(ended, _)| ended > day)
    }
}
