//! What the record says for a census date: the authority's children, their requests and
//! cases, and each case's events folded to the census date, then built into the
//! return's modules.
//!
//! Every item comes from the event log ([`crate::events`]) and its fold
//! ([`CaseState`]): the request's day and source, the decision whether to assess (or a
//! next-steps meeting or Tribunal order that moved the case to assessment), the
//! decision whether to issue, the final plan (issued here, transferred in or imported),
//! a plan ceased at review or transferred out, mediations and appeals by the decision
//! they were about, exceptions on the 20-week limit, annual review meetings and
//! decisions, and phase transfers. A fact dated after the census date is left out, so
//! the return is the record as it stood that day even when made weeks later.
//!
//! **Which cases are in scope** (the 2023 technical specification's contents list:
//! active plans, recently ceased plans, work completed in the calendar year, ongoing
//! work at each stage; the exact bounds are our reading): a case whose request was
//! received on or before the census date, and which on that date has an active plan,
//! or is still ongoing (request, assessment or issuing stage), or had any dated step
//! (received, decided, plan made or ceased, withdrawn, mediation or appeal) between
//! 1 January of the year before the census and the census date.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};

use super::Codes;
use super::model::{
    ActivePlans, Assessment, NamedPlan, Person, PlanDetail, Requests, SenNeed, YesNo,
};
use crate::domain::{
    AssessmentRequest, Case, CaseStage, Child, DeadlineKind, DecisionKind, DecisionOutcome, Event,
    ReviewDecision,
};
use crate::events::CaseEvent;
use crate::store::{AuthorityScope, Database};
use crate::workflow::{CaseState, NextStepsOutcome};

/// The authority's record for the census.
#[derive(Debug, Clone)]
pub struct Record {
    /// The authority's DfE number.
    pub la_number: u16,
    /// Children with at least one case in scope, by name.
    pub children: Vec<ChildRecord>,
}

/// One child and their cases in scope.
#[derive(Debug, Clone)]
pub struct ChildRecord {
    /// The child as recorded.
    pub child: Child,
    /// Their cases in scope, oldest request first.
    pub cases: Vec<CaseRecord>,
}

/// One case in scope.
#[derive(Debug, Clone)]
pub struct CaseRecord {
    /// The case.
    pub case: Case,
    /// The request that opened it.
    pub request: AssessmentRequest,
    /// What its events say, to the census date.
    pub facts: Facts,
}

/// How the plan came to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanOrigin {
    /// Issued here after this request's assessment.
    Issued,
    /// Transferred in from another authority.
    TransferredIn,
    /// Imported from the authority's earlier system.
    Imported,
}

/// A case's facts on the census date.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// The stage the events put the case at on the census date.
    pub stage: Option<CaseStage>,
    /// The first decision whether to assess that was made (not deferred).
    pub assess_decision: Option<(DecisionOutcome, NaiveDate)>,
    /// The day assessment began (by decision, next-steps meeting or Tribunal order).
    pub assessment_began: Option<NaiveDate>,
    /// The decision not to issue, if made.
    pub not_to_issue_on: Option<NaiveDate>,
    /// The plan, its day and origin.
    pub plan: Option<(NaiveDate, PlanOrigin)>,
    /// The old authority of a plan transferred in, and the day.
    pub transferred_in: Option<(String, NaiveDate)>,
    /// The day a plan was ceased at review (the latest such decision).
    pub ceased_at_review_on: Option<NaiveDate>,
    /// The day the plan was transferred out.
    pub transferred_out_on: Option<NaiveDate>,
    /// The child's move out of the area was notified.
    pub moved_out: bool,
    /// The day the request was withdrawn.
    pub withdrawn_on: Option<NaiveDate>,
    /// Mediation asked for, by the kind of decision disputed.
    pub mediated: Vec<DecisionKind>,
    /// Appeals lodged, by the kind of decision appealed.
    pub appealed: Vec<DecisionKind>,
    /// An exception was recorded on the 20-week limit (reg. 13(3)).
    pub week20_exception: bool,
    /// The latest annual review meeting held on or before the census date.
    pub review_meeting_on: Option<NaiveDate>,
    /// The latest annual review decision, and its day.
    pub review_decision: Option<(ReviewDecision, NaiveDate)>,
    /// The last review an imported or transferred-in plan had before it came here.
    pub reviewed_before_on: Option<NaiveDate>,
    /// A phase transfer's reg. 18 day.
    pub phase_transfer_due_on: Option<NaiveDate>,
    /// The day the plan was amended for it.
    pub phase_transfer_done_on: Option<NaiveDate>,
    /// Every dated step, for the scope test.
    pub steps: Vec<NaiveDate>,
}

impl Facts {
    /// The plan was in force on the census date.
    pub fn plan_active(&self) -> bool {
        self.plan.is_some() && self.stage == Some(CaseStage::PlanIssued)
    }

    /// The day the plan ended, if it had by the census date.
    pub fn ceased_on(&self) -> Option<NaiveDate> {
        if self.plan.is_none() || self.stage == Some(CaseStage::PlanIssued) {
            return None;
        }
        self.transferred_out_on.or(self.ceased_at_review_on)
    }

    /// Still being worked on at the census date.
    pub fn ongoing(&self) -> bool {
        matches!(
            self.stage,
            Some(
                CaseStage::RequestReceived
                    | CaseStage::AwaitingAssessmentDecision
                    | CaseStage::Assessing
                    | CaseStage::AwaitingIssueDecision
                    | CaseStage::DraftPlan
            )
        )
    }
}

/// The day a fact happened, as the fact dates it; the day it was recorded for a fact
/// that carries no day of its own.
fn fact_day(event: &Event) -> NaiveDate {
    use CaseEvent as E;
    match &event.fact {
        E::RequestReceived(f) => f.received_on,
        E::DecisionRecorded(f) => f.decided_on,
        E::NextStepsOutcomeRecorded(f) => f.met_on,
        E::ExceptionRecorded(f) => f.family_told_on,
        E::DraftPlanServed(f) => f.served_on,
        E::FinalPlanIssued(f) => f.issued_on,
        E::ReviewMeetingScheduled(f) => f.meeting_on,
        E::ReviewDecisionRecorded(f) => f.decided_on,
        E::PhaseTransferCompleted(f) => f.amended_on,
        E::MoveOutNotified(f) => f.aware_on,
        E::PlanTransferredOut(f) => f.transferred_on,
        E::PlanTransferredIn(f) => f.transferred_on,
        E::MediationRequested(f) => f.requested_on,
        E::MediationConcluded(f) => f.ended_on,
        E::AppealLodged(f) => f.lodged_on,
        E::TribunalDecided(f) => f.decided_on,
        E::TribunalOrderComplied(f) => f.complied_on,
        E::RequestWithdrawn(f) => f.withdrawn_on,
        E::CaseClosed(f) => f.closed_on,
        E::PlanImported(f) => f.plan_issued_on,
        _ => event.occurred_at.date_naive(),
    }
}

/// What `events` (one case's, oldest first) say on `census`.
pub fn facts(events: &[Event], census: NaiveDate) -> Facts {
    let kept: Vec<&Event> = events.iter().filter(|e| fact_day(e) <= census).collect();
    let state = CaseState::from_events(kept.iter().copied());
    let mut facts = Facts {
        stage: state.stage,
        assessment_began: state.assessment_began,
        ..Facts::default()
    };
    for event in kept {
        use CaseEvent as E;
        match &event.fact {
            E::RequestReceived(f) => facts.steps.push(f.received_on),
            E::DecisionRecorded(f) => {
                facts.steps.push(f.decided_on);
                match (f.kind, f.outcome) {
                    (DecisionKind::Assess, DecisionOutcome::Agreed | DecisionOutcome::Refused) => {
                        facts
                            .assess_decision
                            .get_or_insert((f.outcome, f.decided_on));
                    }
                    (DecisionKind::Issue, DecisionOutcome::Refused) => {
                        facts.not_to_issue_on = Some(f.decided_on);
                    }
                    _ => {}
                }
            }
            E::NextStepsOutcomeRecorded(f) if f.outcome == NextStepsOutcome::MovedToAssessment => {
                facts.steps.push(f.met_on);
            }
            // A dispute decided or pursued in the year is work in the year.
            E::TribunalDecided(f) => facts.steps.push(f.decided_on),
            E::ExceptionRecorded(f) if f.deadline == DeadlineKind::FinalPlan => {
                facts.week20_exception = true;
            }
            E::FinalPlanIssued(f) => {
                facts.steps.push(f.issued_on);
                facts.plan = Some((f.issued_on, PlanOrigin::Issued));
            }
            E::PlanTransferredIn(f) => {
                facts.steps.push(f.transferred_on);
                facts.plan = Some((f.issued_on, PlanOrigin::TransferredIn));
                facts.transferred_in = Some((f.from_authority.clone(), f.transferred_on));
                facts.reviewed_before_on = f.last_reviewed_on;
            }
            E::PlanImported(f) => {
                facts.plan = Some((f.plan_issued_on, PlanOrigin::Imported));
                facts.reviewed_before_on = f.last_reviewed_on;
            }
            E::ReviewMeetingScheduled(f) => {
                facts.review_meeting_on = facts.review_meeting_on.max(Some(f.meeting_on));
            }
            E::ReviewDecisionRecorded(f) => {
                facts.steps.push(f.decided_on);
                if facts
                    .review_decision
                    .is_none_or(|(_, on)| on <= f.decided_on)
                {
                    facts.review_decision = Some((f.choice, f.decided_on));
                }
                if f.choice == ReviewDecision::Cease {
                    facts.ceased_at_review_on = Some(f.decided_on);
                }
            }
            E::PhaseTransferPlanned(f) => facts.phase_transfer_due_on = Some(f.due_on),
            E::PhaseTransferCompleted(f) => facts.phase_transfer_done_on = Some(f.amended_on),
            E::MoveOutNotified(_) => facts.moved_out = true,
            E::PlanTransferredOut(f) => {
                facts.steps.push(f.transferred_on);
                facts.transferred_out_on = Some(f.transferred_on);
            }
            E::RequestWithdrawn(f) => {
                facts.steps.push(f.withdrawn_on);
                facts.withdrawn_on = Some(f.withdrawn_on);
            }
            E::MediationRequested(f) => {
                facts.steps.push(f.requested_on);
                facts.mediated.push(f.decision_kind);
            }
            E::AppealLodged(f) => {
                facts.steps.push(f.lodged_on);
                facts.appealed.push(f.decision_kind);
            }
            _ => {}
        }
    }
    facts
}

/// Whether a case with `facts`, received on `received_on`, is in the return for
/// `census` (see the module's documentation).
pub fn in_scope(facts: &Facts, received_on: NaiveDate, census: NaiveDate) -> bool {
    if received_on > census && facts.plan.is_none() {
        return false;
    }
    let from = NaiveDate::from_ymd_opt(census.year() - 1, 1, 1).unwrap_or(census);
    facts.plan_active()
        || facts.ongoing()
        || facts.ceased_on().is_some_and(|on| on >= from)
        || received_on >= from
        || facts.steps.iter().any(|on| (from..=census).contains(on))
}

/// Reads `scope`'s record for `census`, in one read transaction.
pub fn gather(
    db: &Database,
    scope: &AuthorityScope,
    census: NaiveDate,
) -> Result<Record, super::Sen2Error> {
    db.read(|tx| {
        let la_number = tx
            .list_authorities()?
            .into_iter()
            .find(|a| &a.id == scope.authority())
            .map(|a| a.la_number.get());
        let children: BTreeMap<_, Child> = tx
            .list_children(scope)?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
        let requests: BTreeMap<_, AssessmentRequest> = tx
            .list_requests(scope)?
            .into_iter()
            .map(|r| (r.id, r))
            .collect();
        let mut events: BTreeMap<_, Vec<Event>> = BTreeMap::new();
        for event in tx.list_events(scope, None)? {
            if let Some(case) = event.case_id {
                events.entry(case).or_default().push(event);
            }
        }
        let mut by_child: BTreeMap<_, Vec<CaseRecord>> = BTreeMap::new();
        for case in tx.list_cases(scope)? {
            let Some(request) = requests.get(&case.request_id) else {
                continue;
            };
            let facts = facts(
                events.get(&case.id).map(Vec::as_slice).unwrap_or_default(),
                census,
            );
            if in_scope(&facts, request.received_on, census) {
                by_child.entry(case.child_id).or_default().push(CaseRecord {
                    case,
                    request: request.clone(),
                    facts,
                });
            }
        }
        let mut children: Vec<ChildRecord> = by_child
            .into_iter()
            .filter_map(|(id, mut cases)| {
                cases.sort_by_key(|c| (c.request.received_on, c.case.opened_at));
                children.get(&id).map(|child| ChildRecord {
                    child: child.clone(),
                    cases,
                })
            })
            .collect();
        children.sort_by(|a, b| {
            (
                a.child.family_name.as_str(),
                a.child.given_name.as_str(),
                a.child.id,
            )
                .cmp(&(
                    b.child.family_name.as_str(),
                    b.child.given_name.as_str(),
                    b.child.id,
                ))
        });
        Ok((la_number, children))
    })
    .map_err(super::Sen2Error::from)
    .and_then(|(la_number, children)| {
        let la_number = la_number
            .ok_or_else(|| super::Sen2Error::UnknownAuthority(scope.authority().to_string()))?;
        Ok(Record {
            la_number,
            children,
        })
    })
}

/// Items left out because the record cannot fill them, counted per item and reason.
#[derive(Debug, Clone, Default)]
pub struct Notes(BTreeMap<(String, String), usize>);

impl Notes {
    /// One record left without `item`, because `why`.
    pub fn note(&mut self, item: &str, why: &str) {
        *self.0.entry((item.to_owned(), why.to_owned())).or_default() += 1;
    }

    /// Adds `other`'s counts.
    pub fn merge(&mut self, other: Notes) {
        for (key, n) in other.0 {
            *self.0.entry(key).or_default() += n;
        }
    }

    /// As the report lists them.
    pub fn into_list(self) -> Vec<super::Unfillable> {
        self.0
            .into_iter()
            .map(|((item, why), records)| super::Unfillable { item, why, records })
            .collect()
    }
}

/// A child's module 1 record with everything under it, and what validation needs to
/// know beyond the file.
#[derive(Debug, Clone)]
pub struct Built {
    /// The record.
    pub person: Person,
    /// For each of `person.requests`: whether its plan was issued here after it (so
    /// its start date must follow the request).
    pub plan_made_here: Vec<bool>,
}

const NO_REGISTER: &str = "the record names the setting and its kind, not its URN or UKPRN: there is no establishment register";

/// Builds `child`'s record, noting what the record cannot fill.
pub fn person(codes: &Codes, census: NaiveDate, child: &ChildRecord, notes: &mut Notes) -> Built {
    let c = &child.child;
    notes.note("1.8 Unique learner number (ULN)", "the record holds no ULN");
    if c.ethnicity.is_none() {
        notes.note("1.5 Ethnicity", "not recorded for the child");
    }
    if c.postcode.is_none() {
        notes.note("1.6 Postcode", "not recorded for the child");
    }
    let mut requests = Vec::new();
    let mut plan_made_here = Vec::new();
    for case in &child.cases {
        let (request, made_here) = request(codes, census, case, notes);
        requests.push(request);
        plan_made_here.push(made_here);
    }
    Built {
        person: Person {
            surname: c.family_name.as_str().to_owned(),
            forename: c.given_name.as_str().to_owned(),
            person_birth_date: c.date_of_birth,
            sex: c.sex.map(|s| s.to_string()).unwrap_or_default(),
            ethnicity: c.ethnicity.as_ref().map(|e| e.as_str().to_owned()),
            post_code: c.postcode.as_ref().map(|p| p.as_str().to_owned()),
            upn: c.upn.as_ref().map(ToString::to_string),
            unique_learner_number: None,
            upn_unknown: None,
            requests,
        },
        plan_made_here,
    }
}

/// One request's module 2 record and everything under it.
fn request(
    codes: &Codes,
    census: NaiveDate,
    case: &CaseRecord,
    notes: &mut Notes,
) -> (Requests, bool) {
    let f = &case.facts;
    let map = &codes.from_record;
    let source = map
        .requested_by
        .get(&case.request.requested_by.to_string())
        .cloned();
    if source.is_none() {
        notes.note(
            "2.2 Source of request",
            "the requester's kind has no code in the year's list",
        );
    }
    notes.note(
        "2.3 Initial request whilst in relevant youth accommodation (RYA)",
        "the record does not say where the child lived when the request was made",
    );
    let (outcome, outcome_on) = match (f.assess_decision, f.assessment_began) {
        // Assessed, whether first refused and then moved to assessment, or agreed.
        (_, Some(began)) => (
            Some(map.request_outcome.assess.clone()),
            Some(f.assess_decision.map_or(began, |(o, on)| {
                if o == DecisionOutcome::Agreed {
                    on
                } else {
                    began
                }
            })),
        ),
        (Some((DecisionOutcome::Refused, on)), None) => {
            (Some(map.request_outcome.refuse.clone()), Some(on))
        }
        _ => match f.withdrawn_on {
            Some(on) => (Some(map.request_outcome.withdrawn.clone()), Some(on)),
            None => (None, None),
        },
    };
    let plan_origin = f.plan.map(|(_, origin)| origin);
    if outcome.is_none() && plan_origin.is_some_and(|o| o != PlanOrigin::Issued) {
        notes.note(
            "2.4-2.5 Request outcome and date",
            "the plan was transferred in or imported: the decision to assess predates the record",
        );
    }
    let assessed = f.assessment_began.is_some() || plan_origin.is_some();
    let assessment = assessed.then(|| assessment(codes, case, notes));
    let active_plans = f.plan_active().then(|| active(codes, census, case, notes));
    (
        Requests {
            received_date: case.request.received_on,
            request_source: source,
            rya: None,
            request_outcome_date: outcome_on,
            request_outcome: outcome,
            request_mediation: YesNo(f.mediated.contains(&DecisionKind::Assess)),
            request_tribunal: YesNo(f.appealed.contains(&DecisionKind::Assess)),
            exported: YesNo(f.moved_out && f.plan.is_none() && f.not_to_issue_on.is_none()),
            assessment,
            active_plans,
        },
        plan_origin == Some(PlanOrigin::Issued),
    )
}

fn other_kind(kind: &DecisionKind) -> bool {
    !matches!(kind, DecisionKind::Assess | DecisionKind::Issue)
}

/// Module 3 and the plan under it.
fn assessment(codes: &Codes, case: &CaseRecord, notes: &mut Notes) -> Assessment {
    let f = &case.facts;
    let map = &codes.from_record.assessment_outcome;
    let (outcome, outcome_on) = match (f.plan, f.not_to_issue_on) {
        (Some((on, PlanOrigin::Issued | PlanOrigin::Imported)), _) => {
            (Some(map.issued.clone()), Some(on))
        }
        (Some((_, PlanOrigin::TransferredIn)), _) => {
            notes.note(
                "3.1-3.2 Assessment outcome and date",
                "the plan was transferred in: the assessment was another authority's",
            );
            (None, None)
        }
        (None, Some(on)) => (Some(map.not_to_issue.clone()), Some(on)),
        (None, None) => match f.withdrawn_on {
            Some(on) => (Some(map.withdrawn.clone()), Some(on)),
            None => (None, None),
        },
    };
    let named_plan = f
        .plan
        .map(|(start, _)| named_plan(codes, case, start, notes));
    Assessment {
        assessment_outcome: outcome,
        assessment_outcome_date: outcome_on,
        assessment_mediation: YesNo(f.mediated.contains(&DecisionKind::Issue)),
        assessment_tribunal: YesNo(f.appealed.contains(&DecisionKind::Issue)),
        other_mediation: YesNo(f.mediated.iter().any(other_kind)),
        other_tribunal: YesNo(f.appealed.iter().any(other_kind)),
        week20: YesNo(f.week20_exception),
        named_plan,
    }
}

/// The placement items, where the record can give them: only settings with no URN by
/// their nature.
fn placement(codes: &Codes, case: &CaseRecord, module: &str, notes: &mut Notes) -> Vec<PlanDetail> {
    match codes
        .from_record
        .setting_type
        .get(&case.request.setting_type.to_string())
    {
        Some(setting) => vec![PlanDetail {
            urn: None,
            sen_setting: Some(setting.clone()),
            placement_rank: 1,
        }],
        None => {
            notes.note(&format!("{module} URN, UKPRN or SEN setting"), NO_REGISTER);
            Vec::new()
        }
    }
}

/// Module 4a and its 4b.
fn named_plan(codes: &Codes, case: &CaseRecord, start: NaiveDate, notes: &mut Notes) -> NamedPlan {
    let f = &case.facts;
    for item in [
        "4.2 Residential setting",
        "4.3 Work-based learning activity",
        "4.4 Personal budget taken up, organised arrangements, direct payments",
    ] {
        notes.note(item, "the record holds no such item for a plan");
    }
    let cease_date = f.ceased_on();
    let cease_reason = match (cease_date, f.transferred_out_on) {
        (Some(_), Some(_)) => Some(codes.from_record.cease_reason.transferred_out.clone()),
        (Some(_), None) => {
            notes.note(
                "4.6 Cease reason",
                "the annual review decision to cease does not record the reason as a code",
            );
            None
        }
        (None, _) => None,
    };
    NamedPlan {
        start_date: start,
        cease_date,
        cease_reason,
        plan_detail: placement(codes, case, "4b", notes),
    }
}

/// Module 5a and its 5b and 5c.
fn active(codes: &Codes, census: NaiveDate, case: &CaseRecord, notes: &mut Notes) -> ActivePlans {
    let f = &case.facts;
    let year_start = NaiveDate::from_ymd_opt(census.year() - 1, 1, 1).unwrap_or(census);
    let transfer_la = match &f.transferred_in {
        Some((from, on)) if *on >= year_start => {
            let digits = from.trim();
            if digits.len() == 3 && digits.bytes().all(|b| b.is_ascii_digit()) {
                Some(digits.to_owned())
            } else {
                notes.note(
                    "5.1 Transferred in from another LA",
                    "the record names the old authority but not its LA number",
                );
                None
            }
        }
        _ => None,
    };
    // The decision after the latest meeting (or the latest decision, where the meeting
    // was arranged outside the service).
    let decision = f
        .review_decision
        .filter(|(_, on)| f.review_meeting_on.is_none_or(|meeting| *on >= meeting));
    let review_outcome = decision.and_then(|(choice, _)| {
        codes
            .from_record
            .review_decision
            .get(&choice.to_string())
            .cloned()
    });
    if decision.is_some_and(|(choice, _)| choice == ReviewDecision::Amend) {
        notes.note(
            "5.6 Date draft amended plan issued",
            "the record holds the amended plan's due day, not the day its draft was issued",
        );
    }
    notes.note(
        "5b Entry and leaving dates, SEN unit and resourced provision indicators",
        "the record does not hold placement dates or indicators",
    );
    notes.note(
        "5.8 SEN needs ranked 2 and after",
        "the record holds the primary need only",
    );
    ActivePlans {
        transfer_la,
        review_meeting: f.review_meeting_on,
        review_outcome,
        last_review: decision.map(|(_, on)| on).or(f.reviewed_before_on),
        phase_transfer_due_date: f.phase_transfer_due_on,
        phase_transfer_final_date: f.phase_transfer_done_on,
        placement_detail: placement(codes, case, "5b", notes),
        sen_need: vec![SenNeed {
            sen_type_rank: 1,
            sen_type: case.request.primary_need.to_string(),
        }],
    }
}
