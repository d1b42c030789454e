//! The decision whether to issue an EHC plan after assessment (CFA s.37(1); SEND
//! Regulations 2014 reg. 10). A plan must be made where, after assessment, it is
//! necessary; a named person decides, with reasons. Deciding not to issue must be done
//! within 16 weeks of the request (reg. 10(1)) and ends the duty to issue a final plan
//! within 20 (reg. 13(2)): no plan follows, so that limit is settled with it.

use chrono::NaiveDate;
use serde::Deserialize;

use super::execute::{CaseCommand, Context, the, the_decision};
use super::{CaseState, WorkflowError};
use crate::clock::BankHolidays;
use crate::domain::{
    CaseId, CaseStage, DeadlineKind, Decision, DecisionId, DecisionKind, DecisionOutcome, Reasons,
    UserId,
};
use crate::events::{self, CaseEvent};
use crate::store::{AuthorityScope, Database};
use crate::time::Clock;

/// Issue a plan, or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, strum::Display, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum IssueDecision {
    /// A plan is necessary (CFA s.37(1)): the draft is prepared and served.
    Issue,
    /// A plan is not necessary; the family is told why, with mediation and appeal
    /// rights (reg. 10(2)).
    DoNotIssue,
}

/// The decision as the chair (or the officer with delegated power) records it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecideWhetherToIssue {
    /// Issue or not.
    pub decision: IssueDecision,
    /// Why, in words the family can read.
    pub reasons: String,
    /// Who decided: a user of the authority.
    pub decided_by: UserId,
    /// The day of the decision.
    pub decided_on: NaiveDate,
}

/// What the decision did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueDecided {
    /// The recorded decision.
    pub decision: Decision,
    /// The case's new stage: `DraftPlan` or `NotToIssue`.
    pub stage: CaseStage,
    /// Whether it was made within the 16 weeks of reg. 10(1).
    pub within_sixteen_weeks: bool,
    /// On "do not issue": the last day to contact a mediation adviser (reg. 33) and to
    /// appeal (Tribunal rule 20), for the decision letter.
    pub family_deadlines: Option<(NaiveDate, NaiveDate)>,
}

impl CaseCommand for DecideWhetherToIssue {
    type Outcome = IssueDecided;
    const STEP: super::Step = super::Step::DecisionToIssue;

    fn acting(&self, _caller: UserId) -> UserId {
        self.decided_by
    }

    fn named_users(&self) -> Vec<(&'static str, UserId)> {
        vec![("decided_by", self.decided_by)]
    }

    /// Issue or not, while the case is assessed: the decision meets the 16-week limit
    /// (reg. 10(1)); not issuing also ends the 20-week one (reg. 13(2)) and carries the
    /// family's mediation and appeal days.
    fn decide(
        &self,
        state: &CaseState,
        ctx: &Context<'_>,
    ) -> Result<Vec<CaseEvent>, WorkflowError> {
        if state.stage() != CaseStage::Assessing {
            return Err(WorkflowError::WrongStage {
                case: ctx.case,
                stage: state.stage(),
                command: "the decision whether to issue a plan",
                allowed: "while the case is being assessed",
                last_change: None,
            });
        }
        if self.decided_on > ctx.today {
            return Err(WorkflowError::invalid(
                "decided_on",
                format!("cannot be in the future (today is {})", ctx.today),
            ));
        }
        if let Some(began) = state.assessment_began
            && self.decided_on < began
        {
            return Err(WorkflowError::invalid(
                "decided_on",
                format!("cannot be before the decision to assess ({began})"),
            ));
        }
        let reasons = Reasons::parse(&self.reasons)?;
        let due = state
            .limit(DeadlineKind::DecideNotToIssue)
            .map(|d| d.due_on);
        let within_sixteen_weeks = due.is_none_or(|due| self.decided_on <= due);
        let outcome = match self.decision {
            IssueDecision::Issue => DecisionOutcome::Agreed,
            IssueDecision::DoNotIssue => DecisionOutcome::Refused,
        };
        let family_deadlines = match self.decision {
            IssueDecision::Issue => None,
            IssueDecision::DoNotIssue => {
                Some(super::family_deadlines(self.decided_on, ctx.holidays)?)
            }
        };
        let decision = DecisionId::new();
        let mut facts = super::closing_at_panel(ctx, decision);
        facts.push(CaseEvent::DecisionRecorded(events::DecisionRecorded {
            decision,
            kind: DecisionKind::Issue,
            outcome,
            decided_on: self.decided_on,
            within_six_weeks: None,
            within_sixteen_weeks: Some(within_sixteen_weeks),
            departure_reason: None,
            mediation_contact_by: family_deadlines.map(|d| d.0),
            appeal_by: family_deadlines.map(|d| d.1),
            reasons: Some(reasons.as_str().to_owned()),
            agenda_item: ctx.at.map(|a| a.item),
        }));
        Ok(facts)
    }

    fn outcome(
        &self,
        facts: &[CaseEvent],
        after: &CaseState,
        ctx: &Context<'_>,
    ) -> Result<IssueDecided, WorkflowError> {
        let recorded = the(facts, |f| match f {
            CaseEvent::DecisionRecorded(d) => Some(d),
            _ => None,
        })?;
        Ok(IssueDecided {
            decision: the_decision(facts, ctx)?,
            stage: after.stage(),
            within_sixteen_weeks: recorded.within_sixteen_weeks.unwrap_or(true),
            family_deadlines: recorded.mediation_contact_by.zip(recorded.appeal_by),
        })
    }
}

/// Records the decision, settles the 16-week limit and moves the case, in one
/// transaction: "issue" moves it to `DraftPlan`, where the draft is prepared and served
/// (reg. 13(1)); "do not issue" moves it to `NotToIssue` and marks the 20-week final
/// plan limit met, because a refusal to issue ends the duty to issue a plan within 20
/// weeks (reg. 13(2)). Refused, changing nothing, unless the case is being assessed,
/// when the reasons are empty, when `decided_on` is in the future or before the
/// assessment began, or when the decider is not a user of the authority (which role
/// may decide is the caller's check).
pub fn decide_whether_to_issue(
    db: &Database,
    scope: &AuthorityScope,
    case_id: CaseId,
    command: &DecideWhetherToIssue,
    holidays: &BankHolidays,
    clock: &dyn Clock,
) -> Result<IssueDecided, WorkflowError> {
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
    //! Given an assessment, when the decision whether to issue, then its facts.
    use super::*;
    use crate::domain::{DeadlineStatus, EventKind, UserId};
    use crate::workflow::given::{day, given, received, refused_field, when};
    use chrono::Datelike;

    fn assessing() -> Vec<CaseEvent> {
        vec![
            received(day(9, 4)),
            CaseEvent::DecisionRecorded(events::DecisionRecorded {
                decision: DecisionId::new(),
                kind: DecisionKind::Assess,
                outcome: DecisionOutcome::Agreed,
                decided_on: day(10, 2),
                within_six_weeks: Some(true),
                within_sixteen_weeks: None,
                departure_reason: None,
                mediation_contact_by: None,
                appeal_by: None,
                reasons: None,
                agenda_item: None,
            }),
            super::super::execute::limit_set(DeadlineKind::DecideNotToIssue, day(12, 25), None),
            super::super::execute::limit_set(
                DeadlineKind::FinalPlan,
                day(1, 22).with_year(2024).unwrap_or_default(),
                None,
            ),
        ]
    }

    fn decide(decision: IssueDecision, on: NaiveDate) -> DecideWhetherToIssue {
        DecideWhetherToIssue {
            decision,
            reasons: "Needs cannot be met from ordinarily available provision.".into(),
            decided_by: UserId::new(),
            decided_on: on,
        }
    }

    #[test]
    fn not_issuing_ends_both_the_sixteen_and_the_twenty_week_limits() {
        let facts = when(
            &assessing(),
            &decide(IssueDecision::DoNotIssue, day(11, 20)),
        )
        .unwrap_or_default();
        let mut state = given(&assessing());
        let settled: Vec<_> = facts.iter().flat_map(|f| state.apply(f)).collect();
        assert_eq!(
            settled.iter().map(|s| s.limit.kind).collect::<Vec<_>>(),
            [DeadlineKind::DecideNotToIssue, DeadlineKind::FinalPlan]
        );
        assert!(
            state
                .deadlines
                .iter()
                .all(|d| d.status == DeadlineStatus::Met)
        );
        assert_eq!(state.stage(), CaseStage::NotToIssue);
    }

    #[test]
    fn issuing_leaves_the_twenty_weeks_running_and_moves_to_the_draft() {
        let facts =
            when(&assessing(), &decide(IssueDecision::Issue, day(11, 20))).unwrap_or_default();
        assert!(matches!(
            facts.as_slice(),
            [CaseEvent::DecisionRecorded(d)] if d.within_sixteen_weeks == Some(true) && d.appeal_by.is_none()
        ));
        let mut state = given(&assessing());
        for fact in &facts {
            let _ = state.apply(fact);
        }
        assert_eq!(state.stage(), CaseStage::DraftPlan);
        assert_eq!(
            state
                .open_limit(DeadlineKind::FinalPlan, None)
                .map(|d| d.kind),
            Some(DeadlineKind::FinalPlan)
        );
        assert_eq!(
            crate::workflow::given::kinds(&facts),
            [EventKind::DecisionRecorded]
        );
    }

    #[test]
    fn the_decision_is_refused_before_assessment_or_before_it_began() {
        let refused = when(
            &[received(day(9, 4))],
            &decide(IssueDecision::Issue, day(10, 2)),
        );
        assert!(matches!(
            refused,
            Err(WorkflowError::WrongStage {
                stage: CaseStage::RequestReceived,
                ..
            })
        ));
        assert_eq!(
            refused_field(when(
                &assessing(),
                &decide(IssueDecision::Issue, day(10, 1))
            )),
            "decided_on"
        );
    }
}
