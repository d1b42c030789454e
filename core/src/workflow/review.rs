//! Annual reviews of an EHC plan (CFA s.44(1); SEND Regulations 2014 regs. 20-22). A
//! plan must be reviewed within each period of 12 months starting with its issue or
//! its last review. The review meeting's advice and information go out at least 2
//! weeks before it (reg. 20(3)-(4), 21), the report within 2 weeks after it (reg.
//! 20(7)), and the authority decides to maintain, amend or cease the plan within 4
//! weeks of it (reg. 20(10)). An amendment's proposals go with the decision and the
//! amended plan follows within 8 weeks (reg. 22(3)); maintaining or ceasing carries
//! mediation and appeal rights.
//!
//! Every date is computed by the statutory clock ([`ClockFacts`]), so the workflow and
//! the clock cannot disagree about a limit.

use chrono::NaiveDate;
use serde::Deserialize;

use super::{WorkflowError, set_deadline};
use crate::clock::{BankHolidays, ClockFacts, Deadlines};
use crate::domain::{
    Case, CaseId, CaseStage, Deadline, DeadlineId, DeadlineKind, DeadlineStatus, Decision,
    DecisionId, DecisionKind, DecisionOutcome, Reasons, ReviewDecision, UserId,
};
use crate::events::{self, CaseEvent};
use crate::store::{AuthorityScope, Database, NewEvent, Tx};
use crate::time::Clock;

/// An annual review meeting arranged, as a caseworker records it (reg. 20).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleReviewMeeting {
    /// The day of the meeting: papers are due 14 days before it (reg. 20(3)-(4), 21),
    /// the report 2 weeks after (reg. 20(7)) and the decision 4 weeks after (reg.
    /// 20(10)).
    pub meeting_on: NaiveDate,
}

/// What scheduling the meeting set: the three limits that run from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewMeetingScheduled {
    /// Advice and invitations, at least 2 weeks before the meeting (reg. 20(3)-(4), 21).
    pub papers: Deadline,
    /// The review report, within 2 weeks of the meeting (reg. 20(7)).
    pub report: Deadline,
    /// The authority's decision, within 4 weeks of the meeting (reg. 20(10)).
    pub decision: Deadline,
}

/// The review decision as the chair (or the officer with delegated power) records it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordReviewDecision {
    /// Maintain, amend or cease.
    pub decision: ReviewDecision,
    /// Why, in words the family can read.
    pub reasons: String,
    /// Who decided: a user of the authority.
    pub decided_by: UserId,
    /// The day of the decision: the next 12 months start with it (CFA s.44(1)).
    pub decided_on: NaiveDate,
}

/// What the review decision did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewDecided {
    /// The recorded decision, of kind `AnnualReview`. Its outcome is `Agreed` for every
    /// choice: the authority reached a decision on the review (a `Refused` would mean
    /// it declined to act, and `Deferred` that it has not decided). Which of maintain,
    /// amend or cease it was is the decision's `choice`.
    pub decision: Decision,
    /// Maintain, amend or cease.
    pub choice: ReviewDecision,
    /// The case's stage afterwards: `Ceased` on cease, else `PlanIssued`.
    pub stage: CaseStage,
    /// Whether it was made within the 4 weeks of reg. 20(10).
    pub within_four_weeks: bool,
    /// On maintain or amend: the next annual review, the last day of the 12 months
    /// starting with the decision (CFA s.44(1)).
    pub next_review: Option<Deadline>,
    /// On amend: the amended plan, 8 weeks from the proposals (reg. 22(3)).
    pub amended_plan: Option<Deadline>,
    /// On maintain or cease: the last day to contact a mediation adviser (reg. 33) and
    /// to appeal (Tribunal rule 20), for the decision letter.
    pub family_deadlines: Option<(NaiveDate, NaiveDate)>,
}

/// The day the final plan was issued, from the event log.
fn plan_issued_on(
    tx: &mut Tx<'_>,
    scope: &AuthorityScope,
    case: CaseId,
) -> Result<Option<NaiveDate>, WorkflowError> {
    // A plan transferred in counts as made on its original day (reg. 15(3)(a)).
    Ok(super::CaseState::load(tx, scope, case)?.plan_issued_on)
}

/// The open review-decision limit, if a meeting is scheduled and not yet decided.
fn open_review(
    tx: &mut Tx<'_>,
    scope: &AuthorityScope,
    case: CaseId,
) -> Result<Option<Deadline>, WorkflowError> {
    Ok(tx
        .list_deadlines(scope, case)?
        .into_iter()
        .find(|d| d.kind == DeadlineKind::ReviewDecision && d.status == DeadlineStatus::Open))
}

/// A limit from the statutory clock's answer, as an open deadline on the case.
fn deadline(
    scope: &AuthorityScope,
    case_id: CaseId,
    kind: DeadlineKind,
    dates: &Deadlines,
    key: &'static str,
    field: &'static str,
) -> Result<Deadline, WorkflowError> {
    let due_on = *dates
        .get(key)
        .ok_or_else(|| WorkflowError::invalid(field, format!("the clock gave no {key}")))?;
    Ok(Deadline {
        id: DeadlineId::new(),
        authority_id: scope.authority().clone(),
        case_id,
        kind,
        due_on,
        status: DeadlineStatus::Open,
        subject: None,
    })
}

/// Records an annual review meeting arranged, setting its papers (14 days before, reg.
/// 20(3)-(4), 21), report (2 weeks after, reg. 20(7)) and decision (4 weeks after, reg.
/// 20(10)) limits with `ReviewMeetingScheduled` and `DeadlineSet`, in one transaction.
/// The meeting may be in the future: arranging it is what starts the papers' clock.
/// Refused, changing nothing, unless the case is at `PlanIssued`, when a meeting is
/// already scheduled and undecided, or when `meeting_on` is before the plan was issued.
pub fn schedule_review_meeting(
    db: &Database,
    scope: &AuthorityScope,
    case_id: CaseId,
    command: &ScheduleReviewMeeting,
    actor: UserId,
    holidays: &BankHolidays,
    clock: &dyn Clock,
) -> Result<ReviewMeetingScheduled, WorkflowError> {
    super::on_case(db, scope, case_id, |tx, case| {
        if case.stage != CaseStage::PlanIssued {
            return Err(WorkflowError::WrongStage {
                case: case_id,
                stage: case.stage,
                command: "scheduling an annual review meeting",
                allowed: "while a final plan is maintained",
                last_change: None,
            });
        }
        if let Some(pending) = open_review(tx, scope, case_id)? {
            return Err(WorkflowError::invalid(
                "meeting_on",
                format!(
                    "a review meeting is already scheduled; its decision is due by {}",
                    pending.due_on
                ),
            ));
        }
        let issued = plan_issued_on(tx, scope, case_id)?;
        if let Some(issued) = issued
            && command.meeting_on < issued
        {
            return Err(WorkflowError::invalid(
                "meeting_on",
                format!("cannot be before the plan was issued ({issued})"),
            ));
        }
        let facts = ClockFacts {
            plan_issued: issued,
            review_meeting: Some(command.meeting_on),
            ..ClockFacts::default()
        };
        let dates = facts
            .deadlines(holidays)
            .map_err(|e| WorkflowError::invalid("meeting_on", e.to_string()))?;
        let limit = |kind, key| deadline(scope, case_id, kind, &dates, key, "meeting_on");
        let scheduled = ReviewMeetingScheduled {
            papers: limit(DeadlineKind::ReviewPapers, "review_papers_by")?,
            report: limit(DeadlineKind::ReviewReport, "review_report_by")?,
            decision: limit(DeadlineKind::ReviewDecision, "review_decision_by")?,
        };
        let now = clock.now();
        let event = |fact| NewEvent {
            case_id: Some(case_id),
            fact,
            actor: Some(actor),
            occurred_at: now,
        };
        tx.append_event(
            scope,
            event(CaseEvent::ReviewMeetingScheduled(
                events::ReviewMeetingScheduled {
                    meeting_on: command.meeting_on,
                    papers_by: scheduled.papers.due_on,
                    report_by: scheduled.report.due_on,
                    decision_by: scheduled.decision.due_on,
                },
            )),
        )?;
        for d in [&scheduled.papers, &scheduled.report, &scheduled.decision] {
            set_deadline(tx, scope, d, Some(actor), now)?;
        }
        Ok(scheduled)
    })
}

/// Records the authority's decision after a review (reg. 20(10)), in one transaction:
/// marks the review's decision limit, any open papers and report limits, and the current
/// annual review met; on maintain or amend sets the next annual review, the last day of
/// the 12 months starting with `decided_on` (CFA s.44(1)); on amend sets the amended
/// plan's 8 weeks, the proposals going with the decision (reg. 22(3)); on cease moves
/// the case to `Ceased`. Maintain and cease carry the family's mediation and appeal
/// dates. Refused, changing nothing, unless the case is at `PlanIssued` with a review
/// meeting scheduled, when the reasons are empty, when `decided_on` is in the future or
/// before the meeting, or when the decider is not a user of the authority.
pub fn record_review_decision(
    db: &Database,
    scope: &AuthorityScope,
    case_id: CaseId,
    command: &RecordReviewDecision,
    holidays: &BankHolidays,
    clock: &dyn Clock,
) -> Result<ReviewDecided, WorkflowError> {
    super::on_case(db, scope, case_id, |tx, case| {
        record_review_decision_in(tx, scope, &case, command, holidays, clock, None)
    })
}

/// [`record_review_decision`] inside a transaction that has locked the case; at a
/// panel sitting, the decision closes the agenda item `at` names, in the same
/// transaction, and records the item on the decision.
pub(crate) fn record_review_decision_in(
    tx: &mut Tx<'_>,
    scope: &AuthorityScope,
    case: &Case,
    command: &RecordReviewDecision,
    holidays: &BankHolidays,
    clock: &dyn Clock,
    at: Option<&super::AtPanel>,
) -> Result<ReviewDecided, WorkflowError> {
    let case_id = case.id;
    if case.stage != CaseStage::PlanIssued {
        return Err(WorkflowError::WrongStage {
            case: case_id,
            stage: case.stage,
            command: "the decision after an annual review",
            allowed: "while a final plan is maintained",
            last_change: None,
        });
    }
    // The decider must be one of this authority's users.
    tx.get_user(scope, command.decided_by)
        .map_err(|_| WorkflowError::invalid("decided_by", "must be a user of this authority"))?;
    let Some(pending) = open_review(tx, scope, case_id)? else {
        return Err(WorkflowError::invalid(
            "decided_on",
            "no review meeting is scheduled; the decision follows the meeting (SEND Regulations 2014 reg. 20(10))",
        ));
    };
    let today = clock.today();
    if command.decided_on > today {
        return Err(WorkflowError::invalid(
            "decided_on",
            format!("cannot be in the future (today is {today})"),
        ));
    }
    let meeting = crate::clock::limits::REVIEW_DECISION
        .anchor_of(pending.due_on)
        .map_err(|e| WorkflowError::invalid("decided_on", e.to_string()))?;
    if command.decided_on < meeting {
        return Err(WorkflowError::invalid(
            "decided_on",
            format!("cannot be before the review meeting ({meeting})"),
        ));
    }
    let reasons = Reasons::parse(&command.reasons)?;

    let within_four_weeks = command.decided_on <= pending.due_on;
    let continues = command.decision != ReviewDecision::Cease;
    let facts = ClockFacts {
        plan_issued: plan_issued_on(tx, scope, case_id)?,
        last_review_decision: continues.then_some(command.decided_on),
        amendment_proposals_sent: (command.decision == ReviewDecision::Amend)
            .then_some(command.decided_on),
        decision_notice_sent: (command.decision != ReviewDecision::Amend)
            .then_some(command.decided_on),
        ..ClockFacts::default()
    };
    let dates = facts
        .deadlines(holidays)
        .map_err(|e| WorkflowError::invalid("decided_on", e.to_string()))?;
    let limit = |kind, key| deadline(scope, case_id, kind, &dates, key, "decided_on");
    let next_review = continues
        .then(|| limit(DeadlineKind::AnnualReview, "annual_review_by"))
        .transpose()?;
    let amended_plan = (command.decision == ReviewDecision::Amend)
        .then(|| limit(DeadlineKind::AmendedPlan, "amended_plan_by"))
        .transpose()?;
    let family_deadlines = match (dates.get("mediation_contact_by"), dates.get("appeal_by")) {
        (Some(m), Some(a)) if command.decision != ReviewDecision::Amend => Some((*m, *a)),
        _ => None,
    };
    let stage = if continues {
        CaseStage::PlanIssued
    } else {
        CaseStage::Ceased
    };
    let now = clock.now();
    let decision = Decision {
        id: DecisionId::new(),
        authority_id: scope.authority().clone(),
        case_id,
        agenda_item_id: at.map(|a| a.item),
        kind: DecisionKind::AnnualReview,
        outcome: DecisionOutcome::Agreed,
        reasons,
        decided_by: command.decided_by,
        decided_at: now,
        choice: Some(command.decision),
    };
    tx.insert_decision(scope, &decision)?;
    super::close_at_panel(tx, scope, case_id, at, decision.id, command.decided_by, now)?;
    tx.set_deadline_status_by_id(scope, pending.id, DeadlineStatus::Met)?;
    for kind in [
        DeadlineKind::ReviewPapers,
        DeadlineKind::ReviewReport,
        DeadlineKind::AnnualReview,
    ] {
        tx.set_deadline_status(scope, case_id, kind, DeadlineStatus::Met)?;
    }
    if stage != case.stage {
        tx.set_case_stage(scope, case_id, stage)?;
    }
    let event = |fact| NewEvent {
        case_id: Some(case_id),
        fact,
        actor: Some(command.decided_by),
        occurred_at: now,
    };
    tx.append_event(
        scope,
        event(CaseEvent::ReviewDecisionRecorded(
            events::ReviewDecisionRecorded {
                decision: decision.id,
                kind: decision.kind,
                outcome: decision.outcome,
                choice: command.decision,
                decided_on: command.decided_on,
                within_four_weeks,
                next_review_by: next_review.as_ref().map(|d| d.due_on),
                amended_plan_by: amended_plan.as_ref().map(|d| d.due_on),
                mediation_contact_by: family_deadlines.map(|d| d.0),
                appeal_by: family_deadlines.map(|d| d.1),
            },
        )),
    )?;
    for d in next_review.iter().chain(amended_plan.iter()) {
        set_deadline(tx, scope, d, Some(command.decided_by), now)?;
    }
    Ok(ReviewDecided {
        decision,
        choice: command.decision,
        stage,
        within_four_weeks,
        next_review,
        amended_plan,
        family_deadlines,
    })
}
