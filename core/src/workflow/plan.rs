//! The draft and final EHC plan (SEND Regulations 2014 reg. 13; CFA s.44(1)). Serving
//! the draft gives the family at least 15 days, beginning with the day it was served,
//! to make representations and ask for a school (reg. 13(1)); the final plan is due
//! within 20 weeks of the request (reg. 13(2)), and each plan must then be reviewed
//! within every 12 months starting with its issue (CFA s.44(1)).

use chrono::NaiveDate;
use serde::Deserialize;

use super::execute::{CaseCommand, Context, limit_set, the, the_set_limit};
use super::{CaseState, LimitState, WorkflowError};
use crate::clock::limits;
use crate::domain::{CaseId, CaseStage, Deadline, DeadlineKind, UserId};
use crate::events::{self, CaseEvent};
use crate::store::{AuthorityScope, Database};
use crate::time::Clock;

/// The draft plan served on the family, as a caseworker records it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServeDraftPlan {
    /// The day the draft was served: day 1 of the 15 for representations.
    pub served_on: NaiveDate,
}

/// The final plan issued, as a caseworker records it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueFinalPlan {
    /// The day the final plan was issued: the first of the 12 months before review.
    pub issued_on: NaiveDate,
}

/// What issuing the final plan did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FinalPlanIssued {
    /// The case's new stage, `PlanIssued`.
    pub stage: CaseStage,
    /// Whether it was issued within the 20 weeks of reg. 13(2). A late plan still
    /// settles the limit (the step was taken); this says whether it was on time.
    pub within_twenty_weeks: bool,
    /// The first annual review's limit (CFA s.44(1)).
    pub annual_review: Deadline,
}

/// The day a draft was served, counted back from its representations limit: the
/// limit is the draft's only record of it.
fn served_on(representations: &LimitState) -> Result<NaiveDate, WorkflowError> {
    limits::REPRESENTATIONS_DUE
        .anchor_of(representations.due_on)
        .map_err(|e| WorkflowError::invalid("served_on", e.to_string()))
}

impl CaseCommand for ServeDraftPlan {
    type Outcome = Deadline;
    const STEP: super::Step = super::Step::DraftPlan;

    /// The draft served once, after the decision to issue: the family then have at least
    /// 15 days, beginning with the day it was served, for representations (reg. 13(1)).
    fn decide(
        &self,
        state: &CaseState,
        ctx: &Context<'_>,
    ) -> Result<Vec<CaseEvent>, WorkflowError> {
        if state.stage() != CaseStage::DraftPlan {
            return Err(WorkflowError::WrongStage {
                case: ctx.case,
                stage: state.stage(),
                command: "serving the draft plan",
                allowed: "after the decision to issue a plan and before the final plan",
                last_change: None,
            });
        }
        if let Some(existing) = state.limit(DeadlineKind::RepresentationsDue) {
            return Err(WorkflowError::invalid(
                "served_on",
                format!(
                    "the draft was already served on {}; representations are due by {}",
                    served_on(existing)?,
                    existing.due_on
                ),
            ));
        }
        if self.served_on > ctx.today {
            return Err(WorkflowError::invalid(
                "served_on",
                format!("cannot be in the future (today is {})", ctx.today),
            ));
        }
        if let Some(decided) = state.decided_to_issue_on
            && self.served_on < decided
        {
            return Err(WorkflowError::invalid(
                "served_on",
                format!("cannot be before the decision to issue ({decided})"),
            ));
        }
        let representations_by = limits::REPRESENTATIONS_DUE
            .calendar_due(self.served_on, None)
            .map_err(|e| WorkflowError::invalid("served_on", e.to_string()))?;
        Ok(vec![
            CaseEvent::DraftPlanServed(events::DraftPlanServed {
                served_on: self.served_on,
                representations_by,
            }),
            limit_set(DeadlineKind::RepresentationsDue, representations_by, None),
        ])
    }

    fn outcome(
        &self,
        facts: &[CaseEvent],
        _after: &CaseState,
        ctx: &Context<'_>,
    ) -> Result<Deadline, WorkflowError> {
        the_set_limit(facts, DeadlineKind::RepresentationsDue, ctx)
    }
}

/// Records the draft served: sets the representations limit, the last of 15 days
/// beginning with `served_on` (reg. 13(1)), with `DraftPlanServed` and `DeadlineSet`, in
/// one transaction. Refused, changing nothing, unless the case is at `DraftPlan`, when
/// the draft was already served, or when `served_on` is in the future or before the
/// decision to issue.
pub fn serve_draft_plan(
    db: &Database,
    scope: &AuthorityScope,
    case_id: CaseId,
    command: &ServeDraftPlan,
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

impl CaseCommand for IssueFinalPlan {
    type Outcome = FinalPlanIssued;
    const STEP: super::Step = super::Step::FinalPlan;

    /// The final plan, once the draft was served: it meets the 20-week limit (reg.
    /// 13(2)) on time or late, and ends the representations period; the first annual
    /// review is due within the 12 months starting with its issue (CFA s.44(1)).
    fn decide(
        &self,
        state: &CaseState,
        ctx: &Context<'_>,
    ) -> Result<Vec<CaseEvent>, WorkflowError> {
        if state.stage() != CaseStage::DraftPlan {
            return Err(WorkflowError::WrongStage {
                case: ctx.case,
                stage: state.stage(),
                command: "issuing the final plan",
                allowed: "once the draft plan has been served",
                last_change: None,
            });
        }
        let Some(draft) = state.limit(DeadlineKind::RepresentationsDue) else {
            return Err(WorkflowError::invalid(
                "issued_on",
                "the draft plan has not been served; the family must first have it and at least 15 days to respond (SEND Regulations 2014 reg. 13(1))",
            ));
        };
        if self.issued_on > ctx.today {
            return Err(WorkflowError::invalid(
                "issued_on",
                format!("cannot be in the future (today is {})", ctx.today),
            ));
        }
        let served = served_on(draft)?;
        if self.issued_on < served {
            return Err(WorkflowError::invalid(
                "issued_on",
                format!("cannot be before the draft was served ({served})"),
            ));
        }
        let due = state.limit(DeadlineKind::FinalPlan).map(|d| d.due_on);
        let within_twenty_weeks = due.is_none_or(|due| self.issued_on <= due);
        let annual_review_by = limits::ANNUAL_REVIEW
            .calendar_due(self.issued_on, None)
            .map_err(|e| WorkflowError::invalid("issued_on", e.to_string()))?;
        Ok(vec![
            CaseEvent::FinalPlanIssued(events::FinalPlanIssued {
                issued_on: self.issued_on,
                due_on: due,
                within_twenty_weeks,
            }),
            limit_set(DeadlineKind::AnnualReview, annual_review_by, None),
        ])
    }

    fn outcome(
        &self,
        facts: &[CaseEvent],
        after: &CaseState,
        ctx: &Context<'_>,
    ) -> Result<FinalPlanIssued, WorkflowError> {
        let issued = the(facts, |f| match f {
            CaseEvent::FinalPlanIssued(i) => Some(i),
            _ => None,
        })?;
        Ok(FinalPlanIssued {
            stage: after.stage(),
            within_twenty_weeks: issued.within_twenty_weeks,
            annual_review: the_set_limit(facts, DeadlineKind::AnnualReview, ctx)?,
        })
    }
}

/// Records the final plan issued, in one transaction: marks the 20-week limit met (on
/// time or late, reported as `within_twenty_weeks`; a disapplied limit stays
/// disapplied) and the representations period settled, moves the case to `PlanIssued`
/// and sets the first annual review, the last day of the 12 months starting with
/// `issued_on` (CFA s.44(1)). The family may respond before their 15 days are up, so
/// the plan may be issued sooner; refused, changing nothing, unless the case is at
/// `DraftPlan` with the draft served, or when `issued_on` is in the future or before
/// the draft was served.
pub fn issue_final_plan(
    db: &Database,
    scope: &AuthorityScope,
    case_id: CaseId,
    command: &IssueFinalPlan,
    actor: UserId,
    clock: &dyn Clock,
) -> Result<FinalPlanIssued, WorkflowError> {
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
    //! Given the case's facts, when the draft is served or the final plan issued, then
    //! the facts recorded or the refusal: no database.
    use super::super::given::*;
    use super::*;
    use crate::domain::{DeadlineStatus, DecisionId, DecisionKind, DecisionOutcome, EventKind};

    fn decided(kind: DecisionKind, on: NaiveDate) -> CaseEvent {
        CaseEvent::DecisionRecorded(events::DecisionRecorded {
            decision: DecisionId::new(),
            kind,
            outcome: DecisionOutcome::Agreed,
            decided_on: on,
            within_six_weeks: None,
            within_sixteen_weeks: None,
            departure_reason: None,
            mediation_contact_by: None,
            appeal_by: None,
            reasons: Some("A plan is necessary.".into()),
            agenda_item: None,
        })
    }

    /// A request received on `received_on`, assessed two weeks later, and a plan decided
    /// on 1 November, with the 20 weeks of reg. 13(2) running from the request.
    fn drafting(received_on: NaiveDate) -> Vec<CaseEvent> {
        let final_plan_by = limits::FINAL_PLAN
            .calendar_due(received_on, None)
            .unwrap_or_default();
        vec![
            received(received_on),
            decided(DecisionKind::Assess, received_on + chrono::Days::new(14)),
            limit_set(DeadlineKind::FinalPlan, final_plan_by, None),
            decided(DecisionKind::Issue, day(11, 1)),
        ]
    }

    /// `facts`, then the draft served on `on`.
    fn served(mut facts: Vec<CaseEvent>, on: NaiveDate) -> Vec<CaseEvent> {
        facts.extend(when(&facts, &ServeDraftPlan { served_on: on }).unwrap_or_default());
        facts
    }

    fn set_of(facts: &[CaseEvent], kind: DeadlineKind) -> Option<NaiveDate> {
        facts.iter().find_map(|f| match f {
            CaseEvent::DeadlineSet(set) if set.kind == kind => Some(set.due_on),
            _ => None,
        })
    }

    fn issued_in(facts: &[CaseEvent]) -> Option<events::FinalPlanIssued> {
        facts.iter().find_map(|f| match f {
            CaseEvent::FinalPlanIssued(i) => Some(i.clone()),
            _ => None,
        })
    }

    #[test]
    fn serving_the_draft_gives_the_family_fifteen_days_beginning_with_that_day() {
        let facts = when(
            &drafting(day(10, 2)),
            &ServeDraftPlan {
                served_on: day(11, 6),
            },
        )
        .unwrap_or_default();
        assert_eq!(
            kinds(&facts),
            [EventKind::DraftPlanServed, EventKind::DeadlineSet]
        );
        let representations_by = facts.iter().find_map(|f| match f {
            CaseEvent::DraftPlanServed(s) => Some(s.representations_by),
            _ => None,
        });
        assert_eq!(representations_by, Some(day(11, 20)));
        assert_eq!(
            set_of(&facts, DeadlineKind::RepresentationsDue),
            Some(day(11, 20))
        );
    }

    #[test]
    fn a_draft_cannot_be_served_before_a_plan_is_decided() {
        let facts = [
            received(day(10, 2)),
            decided(DecisionKind::Assess, day(10, 20)),
        ];
        let result = when(
            &facts,
            &ServeDraftPlan {
                served_on: day(11, 6),
            },
        );
        assert!(matches!(result, Err(WorkflowError::WrongStage { .. })));
    }

    #[test]
    fn a_draft_served_twice_is_refused() {
        let facts = served(drafting(day(10, 2)), day(11, 6));
        let result = when(
            &facts,
            &ServeDraftPlan {
                served_on: day(11, 8),
            },
        );
        assert_eq!(refused_field(result), "served_on");
    }

    #[test]
    fn a_draft_served_before_the_decision_to_issue_is_refused() {
        let result = when(
            &drafting(day(10, 2)),
            &ServeDraftPlan {
                served_on: day(10, 31),
            },
        );
        assert_eq!(refused_field(result), "served_on");
    }

    #[test]
    fn the_final_plan_on_time_meets_the_twenty_weeks_and_starts_twelve_months_to_review() {
        let facts = served(drafting(day(10, 2)), day(11, 6));
        let issued = when(
            &facts,
            &IssueFinalPlan {
                issued_on: day(11, 27),
            },
        )
        .unwrap_or_default();

        assert_eq!(
            kinds(&issued),
            [EventKind::FinalPlanIssued, EventKind::DeadlineSet]
        );
        let fact = issued_in(&issued);
        assert_eq!(
            fact.as_ref().map(|i| i.due_on),
            Some(Some(day(10, 2) + chrono::Days::new(140)))
        );
        assert_eq!(fact.map(|i| i.within_twenty_weeks), Some(true));
        let review_by = NaiveDate::from_ymd_opt(2024, 11, 26);
        assert_eq!(set_of(&issued, DeadlineKind::AnnualReview), review_by);

        let after = given(&facts.iter().chain(&issued).cloned().collect::<Vec<_>>());
        assert_eq!(after.stage(), CaseStage::PlanIssued);
        assert_eq!(after.plan_issued_on, Some(day(11, 27)));
        let status = |kind| after.limit(kind).map(|l| l.status);
        assert_eq!(status(DeadlineKind::FinalPlan), Some(DeadlineStatus::Met));
        assert_eq!(
            status(DeadlineKind::RepresentationsDue),
            Some(DeadlineStatus::Met)
        );
        assert_eq!(
            status(DeadlineKind::AnnualReview),
            Some(DeadlineStatus::Open)
        );
    }

    #[test]
    fn final_plan_after_the_twenty_weeks_is_recorded_as_late() {
        let facts = served(drafting(day(6, 1)), day(11, 6));
        let issued = when(
            &facts,
            &IssueFinalPlan {
                issued_on: day(11, 27),
            },
        )
        .unwrap_or_default();
        assert_eq!(
            issued_in(&issued).map(|i| i.within_twenty_weeks),
            Some(false)
        );
        let after = given(&facts.iter().chain(&issued).cloned().collect::<Vec<_>>());
        assert_eq!(
            after.limit(DeadlineKind::FinalPlan).map(|l| l.status),
            Some(DeadlineStatus::Met),
            "a late plan still settles its limit"
        );
    }

    #[test]
    fn the_final_plan_cannot_be_issued_before_the_draft_is_served() {
        let result = when(
            &drafting(day(10, 2)),
            &IssueFinalPlan {
                issued_on: day(11, 27),
            },
        );
        assert_eq!(refused_field(result), "issued_on");
    }

    #[test]
    fn the_final_plan_cannot_be_issued_before_the_day_the_draft_was_served() {
        let facts = served(drafting(day(10, 2)), day(11, 6));
        let result = when(
            &facts,
            &IssueFinalPlan {
                issued_on: day(11, 5),
            },
        );
        assert_eq!(refused_field(result), "issued_on");
    }

    #[test]
    fn a_final_plan_cannot_be_issued_twice() {
        let facts = served(drafting(day(10, 2)), day(11, 6));
        let command = IssueFinalPlan {
            issued_on: day(11, 27),
        };
        let issued: Vec<_> = facts
            .iter()
            .cloned()
            .chain(when(&facts, &command).unwrap_or_default())
            .collect();
        assert!(matches!(
            when(&issued, &command),
            Err(WorkflowError::WrongStage { .. })
        ));
    }
}
