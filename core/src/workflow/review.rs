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

use super::execute::{
    CaseCommand, Context, limit_set, the, the_decision, the_limit, the_set_limit,
};
use super::{CaseState, WorkflowError};
use crate::clock::{BankHolidays, ClockFacts, Deadlines};
use crate::domain::{
    CaseId, CaseStage, Deadline, DeadlineKind, Decision, DecisionId, DecisionKind, DecisionOutcome,
    Reasons, ReviewDecision, UserId,
};
use crate::events::{self, CaseEvent};
use crate::store::{AuthorityScope, Database};
use crate::time::Clock;

/// An annual review meeting arranged, as a caseworker records it (reg. 20).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
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

/// A day from the statutory clock's answer, refused under `field` if it gave none.
fn clock_day(
    dates: &Deadlines,
    key: &'static str,
    field: &'static str,
) -> Result<NaiveDate, WorkflowError> {
    dates
        .get(key)
        .copied()
        .ok_or_else(|| WorkflowError::invalid(field, format!("the clock gave no {key}")))
}

impl CaseCommand for ScheduleReviewMeeting {
    type Outcome = ReviewMeetingScheduled;
    const STEP: super::Step = super::Step::ReviewMeeting;

    /// One meeting at a time, on or after the plan's issue (a plan transferred in
    /// counts as made on its original day, reg. 15(3)(a)): it sets the papers (14 days
    /// before, reg. 20(3)-(4), 21), report (2 weeks after, reg. 20(7)) and decision (4
    /// weeks after, reg. 20(10)) limits. The meeting may be in the future: arranging it
    /// is what starts the papers' clock.
    fn decide(
        &self,
        state: &CaseState,
        ctx: &Context<'_>,
    ) -> Result<Vec<CaseEvent>, WorkflowError> {
        if state.stage() != CaseStage::PlanIssued {
            return Err(WorkflowError::WrongStage {
                case: ctx.case,
                stage: state.stage(),
                command: "scheduling an annual review meeting",
                allowed: "while a final plan is maintained",
                last_change: None,
            });
        }
        if let Some(pending) = state.open_limit(DeadlineKind::ReviewDecision, None) {
            return Err(WorkflowError::invalid(
                "meeting_on",
                format!(
                    "a review meeting is already scheduled; its decision is due by {}",
                    pending.due_on
                ),
            ));
        }
        let issued = state.plan_issued_on;
        if let Some(issued) = issued
            && self.meeting_on < issued
        {
            return Err(WorkflowError::invalid(
                "meeting_on",
                format!("cannot be before the plan was issued ({issued})"),
            ));
        }
        let dates = ClockFacts {
            plan_issued: issued,
            review_meeting: Some(self.meeting_on),
            ..ClockFacts::default()
        }
        .deadlines(ctx.holidays)
        .map_err(|e| WorkflowError::invalid("meeting_on", e.to_string()))?;
        let day = |key| clock_day(&dates, key, "meeting_on");
        let papers_by = day("review_papers_by")?;
        let report_by = day("review_report_by")?;
        let decision_by = day("review_decision_by")?;
        Ok(vec![
            CaseEvent::ReviewMeetingScheduled(events::ReviewMeetingScheduled {
                meeting_on: self.meeting_on,
                papers_by,
                report_by,
                decision_by,
            }),
            limit_set(DeadlineKind::ReviewPapers, papers_by, None),
            limit_set(DeadlineKind::ReviewReport, report_by, None),
            limit_set(DeadlineKind::ReviewDecision, decision_by, None),
        ])
    }

    fn outcome(
        &self,
        facts: &[CaseEvent],
        _after: &CaseState,
        ctx: &Context<'_>,
    ) -> Result<ReviewMeetingScheduled, WorkflowError> {
        Ok(ReviewMeetingScheduled {
            papers: the_set_limit(facts, DeadlineKind::ReviewPapers, ctx)?,
            report: the_set_limit(facts, DeadlineKind::ReviewReport, ctx)?,
            decision: the_set_limit(facts, DeadlineKind::ReviewDecision, ctx)?,
        })
    }
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
    super::run_as(db, scope, case_id, command, actor, holidays, clock)
}

impl CaseCommand for RecordReviewDecision {
    type Outcome = ReviewDecided;
    const STEP: super::Step = super::Step::ReviewDecision;

    fn acting(&self, _caller: UserId) -> UserId {
        self.decided_by
    }

    fn named_users(&self) -> Vec<(&'static str, UserId)> {
        vec![("decided_by", self.decided_by)]
    }

    /// The decision after a review meeting (reg. 20(10)), on or after the meeting: it
    /// meets the review's limits and the current annual review; maintain or amend start
    /// the next 12 months with the decision (CFA s.44(1)); amend sends proposals with
    /// it, so the amended plan is due 8 weeks later (reg. 22(3)); maintain and cease
    /// carry the family's mediation and appeal days; cease ends the plan.
    fn decide(
        &self,
        state: &CaseState,
        ctx: &Context<'_>,
    ) -> Result<Vec<CaseEvent>, WorkflowError> {
        if state.stage() != CaseStage::PlanIssued {
            return Err(WorkflowError::WrongStage {
                case: ctx.case,
                stage: state.stage(),
                command: "the decision after an annual review",
                allowed: "while a final plan is maintained",
                last_change: None,
            });
        }
        let Some(pending) = state.open_limit(DeadlineKind::ReviewDecision, None) else {
            return Err(WorkflowError::invalid(
                "decided_on",
                "no review meeting is scheduled; the decision follows the meeting (SEND Regulations 2014 reg. 20(10))",
            ));
        };
        if self.decided_on > ctx.today {
            return Err(WorkflowError::invalid(
                "decided_on",
                format!("cannot be in the future (today is {})", ctx.today),
            ));
        }
        let meeting = crate::clock::limits::REVIEW_DECISION
            .anchor_of(pending.due_on)
            .map_err(|e| WorkflowError::invalid("decided_on", e.to_string()))?;
        if self.decided_on < meeting {
            return Err(WorkflowError::invalid(
                "decided_on",
                format!("cannot be before the review meeting ({meeting})"),
            ));
        }
        let reasons = Reasons::parse(&self.reasons)?;

        let within_four_weeks = self.decided_on <= pending.due_on;
        let continues = self.decision != ReviewDecision::Cease;
        let amends = self.decision == ReviewDecision::Amend;
        let dates = ClockFacts {
            plan_issued: state.plan_issued_on,
            last_review_decision: continues.then_some(self.decided_on),
            amendment_proposals_sent: amends.then_some(self.decided_on),
            decision_notice_sent: (!amends).then_some(self.decided_on),
            ..ClockFacts::default()
        }
        .deadlines(ctx.holidays)
        .map_err(|e| WorkflowError::invalid("decided_on", e.to_string()))?;
        let day = |key| clock_day(&dates, key, "decided_on");
        let next_review_by = continues.then(|| day("annual_review_by")).transpose()?;
        let amended_plan_by = amends.then(|| day("amended_plan_by")).transpose()?;
        let family_deadlines = match (dates.get("mediation_contact_by"), dates.get("appeal_by")) {
            (Some(m), Some(a)) if !amends => Some((*m, *a)),
            _ => None,
        };
        let decision = DecisionId::new();
        let mut facts = super::closing_at_panel(ctx, decision);
        facts.push(CaseEvent::ReviewDecisionRecorded(
            events::ReviewDecisionRecorded {
                decision,
                kind: DecisionKind::AnnualReview,
                // The authority reached a decision on the review, whichever it was.
                outcome: DecisionOutcome::Agreed,
                choice: self.decision,
                decided_on: self.decided_on,
                within_four_weeks,
                next_review_by,
                amended_plan_by,
                mediation_contact_by: family_deadlines.map(|d| d.0),
                appeal_by: family_deadlines.map(|d| d.1),
                reasons: Some(reasons.as_str().to_owned()),
                agenda_item: ctx.at.map(|a| a.item),
            },
        ));
        // Set after the decision, which meets the current annual review: the next one
        // stays open.
        facts.extend(next_review_by.map(|due| limit_set(DeadlineKind::AnnualReview, due, None)));
        facts.extend(amended_plan_by.map(|due| limit_set(DeadlineKind::AmendedPlan, due, None)));
        Ok(facts)
    }

    fn outcome(
        &self,
        facts: &[CaseEvent],
        after: &CaseState,
        ctx: &Context<'_>,
    ) -> Result<ReviewDecided, WorkflowError> {
        let recorded = the(facts, |f| match f {
            CaseEvent::ReviewDecisionRecorded(d) => Some(d),
            _ => None,
        })?;
        Ok(ReviewDecided {
            decision: the_decision(facts, ctx)?,
            choice: recorded.choice,
            stage: after.stage(),
            within_four_weeks: recorded.within_four_weeks,
            next_review: the_limit(facts, DeadlineKind::AnnualReview, ctx),
            amended_plan: the_limit(facts, DeadlineKind::AmendedPlan, ctx),
            family_deadlines: recorded.mediation_contact_by.zip(recorded.appeal_by),
        })
    }
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
    super::run_as(
        db,
        scope,
        case_id,
        command,
        command.decided_by,
        holidays,
        clock,
    )
}

#[cfg(test)]
mod tests {
    //! Given the case's facts, when a review meeting is arranged or decided, then the
    //! facts recorded or the refusal: no database.
    use super::super::AtPanel;
    use super::super::given::*;
    use super::*;
    use crate::domain::{AgendaItemId, DeadlineStatus, EventKind};
    use crate::panel::quorum::QuorumCheck;
    use crate::panel::tally::{Counts, View};

    /// A plan issued on 22 May 2023, its first review due within 12 months.
    fn plan_issued() -> Vec<CaseEvent> {
        vec![
            received(day(1, 2)),
            CaseEvent::FinalPlanIssued(events::FinalPlanIssued {
                issued_on: day(5, 22),
                due_on: Some(day(5, 22)),
                within_twenty_weeks: true,
            }),
            limit_set(
                DeadlineKind::AnnualReview,
                NaiveDate::from_ymd_opt(2024, 5, 21).unwrap_or_default(),
                None,
            ),
        ]
    }

    /// The plan, and a review meeting on 6 November.
    fn met() -> Vec<CaseEvent> {
        let mut facts = plan_issued();
        let meeting = ScheduleReviewMeeting {
            meeting_on: day(11, 6),
        };
        facts.extend(when(&facts, &meeting).unwrap_or_default());
        facts
    }

    fn decide(decision: ReviewDecision, on: NaiveDate) -> RecordReviewDecision {
        RecordReviewDecision {
            decision,
            reasons: "The plan still meets the child's needs.".into(),
            decided_by: UserId::new(),
            decided_on: on,
        }
    }

    fn recorded_in(facts: &[CaseEvent]) -> Option<events::ReviewDecisionRecorded> {
        facts.iter().find_map(|f| match f {
            CaseEvent::ReviewDecisionRecorded(d) => Some(d.clone()),
            _ => None,
        })
    }

    fn set_of(facts: &[CaseEvent], kind: DeadlineKind) -> Option<NaiveDate> {
        facts.iter().find_map(|f| match f {
            CaseEvent::DeadlineSet(set) if set.kind == kind => Some(set.due_on),
            _ => None,
        })
    }

    fn then(given_facts: &[CaseEvent], facts: &[CaseEvent]) -> CaseState {
        given(&given_facts.iter().chain(facts).cloned().collect::<Vec<_>>())
    }

    #[test]
    fn arranging_a_review_meeting_sets_its_papers_report_and_decision_limits() {
        let facts = when(
            &plan_issued(),
            &ScheduleReviewMeeting {
                meeting_on: day(11, 6),
            },
        )
        .unwrap_or_default();
        assert_eq!(
            kinds(&facts),
            [
                EventKind::ReviewMeetingScheduled,
                EventKind::DeadlineSet,
                EventKind::DeadlineSet,
                EventKind::DeadlineSet
            ]
        );
        let scheduled = facts.iter().find_map(|f| match f {
            CaseEvent::ReviewMeetingScheduled(s) => Some(s.clone()),
            _ => None,
        });
        assert_eq!(
            scheduled,
            Some(events::ReviewMeetingScheduled {
                meeting_on: day(11, 6),
                papers_by: day(10, 23),
                report_by: day(11, 20),
                decision_by: day(12, 4),
            })
        );
        assert_eq!(
            set_of(&facts, DeadlineKind::ReviewPapers),
            Some(day(10, 23))
        );
        assert_eq!(
            set_of(&facts, DeadlineKind::ReviewReport),
            Some(day(11, 20))
        );
        assert_eq!(
            set_of(&facts, DeadlineKind::ReviewDecision),
            Some(day(12, 4))
        );
    }

    #[test]
    fn a_review_meeting_can_be_arranged_for_a_day_still_to_come() {
        let facts = when(
            &plan_issued(),
            &ScheduleReviewMeeting {
                meeting_on: day(12, 18),
            },
        );
        assert_eq!(
            set_of(&facts.unwrap_or_default(), DeadlineKind::ReviewPapers),
            Some(day(12, 4))
        );
    }

    #[test]
    fn a_review_meeting_needs_a_final_plan() {
        let result = when(
            &[received(day(10, 2))],
            &ScheduleReviewMeeting {
                meeting_on: day(11, 6),
            },
        );
        assert!(matches!(result, Err(WorkflowError::WrongStage { .. })));
    }

    #[test]
    fn a_second_review_meeting_before_the_first_is_decided_is_refused() {
        let result = when(
            &met(),
            &ScheduleReviewMeeting {
                meeting_on: day(11, 27),
            },
        );
        assert_eq!(refused_field(result), "meeting_on");
    }

    #[test]
    fn a_review_meeting_before_the_plan_was_issued_is_refused() {
        let result = when(
            &plan_issued(),
            &ScheduleReviewMeeting {
                meeting_on: day(5, 21),
            },
        );
        assert_eq!(refused_field(result), "meeting_on");
    }

    #[test]
    fn amending_sends_proposals_and_starts_the_next_twelve_months_and_eight_weeks_for_the_plan() {
        let given_facts = met();
        let facts =
            when(&given_facts, &decide(ReviewDecision::Amend, day(11, 20))).unwrap_or_default();

        assert_eq!(
            kinds(&facts),
            [
                EventKind::ReviewDecisionRecorded,
                EventKind::DeadlineSet,
                EventKind::DeadlineSet
            ]
        );
        let next_review_by = NaiveDate::from_ymd_opt(2024, 11, 19);
        let amended_plan_by = NaiveDate::from_ymd_opt(2024, 1, 15);
        let recorded = recorded_in(&facts);
        assert_eq!(recorded.as_ref().map(|d| d.within_four_weeks), Some(true));
        assert_eq!(
            recorded.as_ref().map(|d| d.outcome),
            Some(DecisionOutcome::Agreed)
        );
        assert_eq!(
            recorded.as_ref().and_then(|d| d.next_review_by),
            next_review_by
        );
        assert_eq!(
            recorded.as_ref().and_then(|d| d.amended_plan_by),
            amended_plan_by
        );
        assert_eq!(
            recorded.as_ref().and_then(|d| d.appeal_by),
            None,
            "an amendment is not yet appealable"
        );
        assert_eq!(
            recorded.and_then(|d| d.reasons),
            Some("The plan still meets the child's needs.".to_owned())
        );
        assert_eq!(set_of(&facts, DeadlineKind::AnnualReview), next_review_by);
        assert_eq!(set_of(&facts, DeadlineKind::AmendedPlan), amended_plan_by);

        let after = then(&given_facts, &facts);
        assert_eq!(after.stage(), CaseStage::PlanIssued);
        let statuses = |kind| {
            after
                .deadlines
                .iter()
                .filter(|d| d.kind == kind)
                .map(|d| d.status)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            statuses(DeadlineKind::ReviewDecision),
            [DeadlineStatus::Met]
        );
        assert_eq!(statuses(DeadlineKind::ReviewPapers), [DeadlineStatus::Met]);
        assert_eq!(statuses(DeadlineKind::ReviewReport), [DeadlineStatus::Met]);
        assert_eq!(
            statuses(DeadlineKind::AnnualReview),
            [DeadlineStatus::Met, DeadlineStatus::Open],
            "this year's review is done and the next one runs"
        );
    }

    #[test]
    fn ceasing_ends_the_plan_and_gives_the_family_mediation_and_appeal_days() {
        let given_facts = met();
        let command = decide(ReviewDecision::Cease, day(11, 20));
        let facts = when(&given_facts, &command).unwrap_or_default();

        assert_eq!(kinds(&facts), [EventKind::ReviewDecisionRecorded]);
        let family = super::super::family_deadlines(day(11, 20), holidays()).ok();
        let recorded = recorded_in(&facts);
        assert!(family.is_some());
        assert_eq!(
            recorded
                .as_ref()
                .and_then(|d| d.mediation_contact_by.zip(d.appeal_by)),
            family
        );
        assert_eq!(recorded.and_then(|d| d.next_review_by), None);

        let ctx = context();
        let after = then(&given_facts, &facts);
        let told = command.outcome(&facts, &after, &ctx).ok();
        assert_eq!(told.as_ref().map(|t| t.stage), Some(CaseStage::Ceased));
        assert_eq!(told.as_ref().map(|t| t.choice), Some(ReviewDecision::Cease));
        assert_eq!(
            told.as_ref().map(|t| t.decision.choice),
            Some(Some(ReviewDecision::Cease))
        );
        assert_eq!(
            told.as_ref().map(|t| t.decision.kind),
            Some(DecisionKind::AnnualReview)
        );
        assert_eq!(told.as_ref().and_then(|t| t.family_deadlines), family);
        assert_eq!(told.map(|t| t.next_review.is_none()), Some(true));
    }

    #[test]
    fn a_review_decided_after_its_four_weeks_is_recorded_as_late() {
        let mut facts = plan_issued();
        let meeting = ScheduleReviewMeeting {
            meeting_on: day(10, 2),
        };
        facts.extend(when(&facts, &meeting).unwrap_or_default());
        let decided =
            when(&facts, &decide(ReviewDecision::Maintain, day(11, 20))).unwrap_or_default();
        assert_eq!(
            recorded_in(&decided).map(|d| d.within_four_weeks),
            Some(false)
        );
    }

    #[test]
    fn a_review_decided_at_a_panel_closes_its_agenda_item_first() {
        let at = AtPanel {
            item: AgendaItemId::new(),
            record: events::ClosingRecord {
                proposal: None,
                counts: Counts::default(),
                view: View::ChairDecides,
                quorum: QuorumCheck {
                    met: true,
                    counted: 3,
                    min_members: 3,
                    missing_roles: Vec::new(),
                },
                departed_from_majority: false,
            },
        };
        let ctx = context().at_panel(Some(&at));
        let facts = decide(ReviewDecision::Maintain, day(11, 20))
            .decide(&given(&met()), &ctx)
            .unwrap_or_default();
        assert_eq!(
            kinds(&facts),
            [
                EventKind::AgendaItemClosed,
                EventKind::ReviewDecisionRecorded,
                EventKind::DeadlineSet
            ]
        );
        assert_eq!(
            recorded_in(&facts).and_then(|d| d.agenda_item),
            Some(at.item)
        );
    }

    #[test]
    fn a_review_decision_needs_a_final_plan() {
        let result = when(
            &[received(day(10, 2))],
            &decide(ReviewDecision::Maintain, day(11, 20)),
        );
        assert!(matches!(result, Err(WorkflowError::WrongStage { .. })));
    }

    #[test]
    fn a_review_decision_with_no_meeting_is_refused() {
        let result = when(
            &plan_issued(),
            &decide(ReviewDecision::Maintain, day(11, 20)),
        );
        assert_eq!(refused_field(result), "decided_on");
    }

    #[test]
    fn a_review_decision_before_the_meeting_is_refused() {
        let result = when(&met(), &decide(ReviewDecision::Maintain, day(11, 3)));
        assert_eq!(refused_field(result), "decided_on");
    }

    #[test]
    fn a_review_decision_without_reasons_is_refused() {
        let command = RecordReviewDecision {
            reasons: "  ".into(),
            ..decide(ReviewDecision::Maintain, day(11, 20))
        };
        assert_eq!(refused_field(when(&met(), &command)), "reasons");
    }
}
