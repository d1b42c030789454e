//! The decision whether to assess (CFA s.36(8); Reg 5). A named person decides, with
//! reasons; refusing needs reasons the family can read (s.36(5)), and departing from
//! the plugin's advice needs a reason of its own.

use chrono::NaiveDate;
use serde::Deserialize;

use super::execute::{CaseCommand, Context, limit_set, the, the_decision};
use super::{CaseState, WorkflowError};
use crate::clock::{BankHolidays, limits};
use crate::domain::{
    CaseId, CaseStage, DeadlineKind, Decision, DecisionId, DecisionKind, DecisionOutcome, Reasons,
    UserId,
};
use crate::events::{self, CaseEvent};
use crate::store::{AuthorityScope, Database};
use crate::time::Clock;

/// Assess, or refuse to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, strum::Display, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum AssessDecision {
    /// Carry out an EHC needs assessment.
    Assess,
    /// Refuse; the family is told why, with mediation and appeal rights.
    Refuse,
}

/// The decision as the chair (or the officer with delegated power) records it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecideWhetherToAssess {
    /// Assess or refuse.
    pub decision: AssessDecision,
    /// Why, in words the family can read.
    pub reasons: String,
    /// Why the decision differs from the policy plugin's recommendation, when it does.
    #[serde(default)]
    pub departure_reason: Option<String>,
    /// Who decided: a user of the authority.
    pub decided_by: UserId,
    /// The day of the decision.
    pub decided_on: NaiveDate,
}

/// What the decision did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decided {
    /// The recorded decision.
    pub decision: Decision,
    /// The case's new stage.
    pub stage: CaseStage,
    /// Whether it was made within the 6 weeks of Reg 5(1).
    pub within_six_weeks: bool,
    /// On refusal: the last day to contact a mediation adviser (Reg 33) and to appeal
    /// (Tribunal rule 20), for the decision letter.
    pub family_deadlines: Option<(NaiveDate, NaiveDate)>,
}

/// A limit counted from the day the request was received, as a fact.
fn from_request(kind: DeadlineKind, received_on: NaiveDate) -> Result<CaseEvent, WorkflowError> {
    let due_on = limits::of(kind)
        .calendar_due(received_on, None)
        .map_err(|e| WorkflowError::invalid("received_on", e.to_string()))?;
    Ok(limit_set(kind, due_on, None))
}

impl CaseCommand for DecideWhetherToAssess {
    type Outcome = Decided;
    const STEP: super::Step = super::Step::DecisionToAssess;

    fn acting(&self, _caller: UserId) -> UserId {
        self.decided_by
    }

    fn named_users(&self) -> Vec<(&'static str, UserId)> {
        vec![("decided_by", self.decided_by)]
    }

    fn weighs_advice(&self) -> bool {
        true
    }

    /// Assess or refuse, on a request received and not yet decided: the decision meets
    /// the 6-week limit (reg. 5(1)); "assess" starts the 16- and 20-week ones (reg.
    /// 10(1), 13(2)); a refusal carries the family's mediation and appeal days.
    fn decide(
        &self,
        state: &CaseState,
        ctx: &Context<'_>,
    ) -> Result<Vec<CaseEvent>, WorkflowError> {
        if !matches!(
            state.stage(),
            CaseStage::RequestReceived | CaseStage::AwaitingAssessmentDecision
        ) {
            return Err(WorkflowError::WrongStage {
                case: ctx.case,
                stage: state.stage(),
                command: "the decision whether to assess",
                allowed: "after a request is received and before it is decided",
                last_change: None,
            });
        }
        if self.decided_on > ctx.today {
            return Err(WorkflowError::invalid(
                "decided_on",
                "cannot be in the future",
            ));
        }
        let received_on = state.received_on.unwrap_or(self.decided_on);
        if self.decided_on < received_on {
            return Err(WorkflowError::invalid(
                "decided_on",
                format!("cannot be before the request was received ({received_on})"),
            ));
        }
        let reasons = Reasons::parse(&self.reasons)?;
        let departs = match (ctx.recommendation.as_deref(), self.decision) {
            (Some("DoNotAssess"), AssessDecision::Assess) => Some("do not assess"),
            (Some("Assess"), AssessDecision::Refuse) => Some("assess"),
            _ => None,
        };
        let departure_reason = self
            .departure_reason
            .as_deref()
            .map(|r| crate::domain::text::free_text("departure_reason", r.trim()))
            .transpose()?;
        let departure = match (departs, departure_reason) {
            (Some(advised), None | Some("")) => {
                return Err(WorkflowError::invalid(
                    "departure_reason",
                    format!(
                        "the policy advice was to {advised}; say why the decision departs from it"
                    ),
                ));
            }
            (_, Some(text)) if !text.is_empty() => Some(text.to_owned()),
            _ => None,
        };
        let due = state
            .limit(DeadlineKind::DecideWhetherToAssess)
            .map(|d| d.due_on);
        let within_six_weeks = due.is_none_or(|due| self.decided_on <= due);
        let outcome = match self.decision {
            AssessDecision::Assess => DecisionOutcome::Agreed,
            AssessDecision::Refuse => DecisionOutcome::Refused,
        };
        let family_deadlines = match self.decision {
            AssessDecision::Assess => None,
            AssessDecision::Refuse => Some(super::family_deadlines(self.decided_on, ctx.holidays)?),
        };
        let decision = DecisionId::new();
        let mut facts = super::closing_at_panel(ctx, decision);
        facts.push(CaseEvent::DecisionRecorded(events::DecisionRecorded {
            decision,
            kind: DecisionKind::Assess,
            outcome,
            decided_on: self.decided_on,
            within_six_weeks: Some(within_six_weeks),
            within_sixteen_weeks: None,
            departure_reason: departure,
            mediation_contact_by: family_deadlines.map(|d| d.0),
            appeal_by: family_deadlines.map(|d| d.1),
            reasons: Some(reasons.as_str().to_owned()),
            agenda_item: ctx.at.map(|a| a.item),
        }));
        if self.decision == AssessDecision::Assess {
            facts.push(from_request(DeadlineKind::DecideNotToIssue, received_on)?);
            facts.push(from_request(DeadlineKind::FinalPlan, received_on)?);
        }
        Ok(facts)
    }

    fn outcome(
        &self,
        facts: &[CaseEvent],
        after: &CaseState,
        ctx: &Context<'_>,
    ) -> Result<Decided, WorkflowError> {
        let recorded = the(facts, |f| match f {
            CaseEvent::DecisionRecorded(d) => Some(d),
            _ => None,
        })?;
        Ok(Decided {
            decision: the_decision(facts, ctx)?,
            stage: after.stage(),
            within_six_weeks: recorded.within_six_weeks.unwrap_or(true),
            family_deadlines: recorded.mediation_contact_by.zip(recorded.appeal_by),
        })
    }
}

/// Records the decision, moves the case, settles the 6-week deadline and, on "assess",
/// sets the 16- and 20-week ones, in one transaction that reads the case first: of
/// two decisions sent at once, one stands and the other is refused with the change
/// that beat it.
pub fn decide_whether_to_assess(
    db: &Database,
    scope: &AuthorityScope,
    case_id: CaseId,
    command: &DecideWhetherToAssess,
    holidays: &BankHolidays,
    clock: &dyn Clock,
) -> Result<Decided, WorkflowError> {
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
    //! Given the case's facts, when the decision whether to assess, then the facts it
    //! records or why it is refused: no database.
    use super::*;
    use crate::domain::{EventKind, UserId};
    use crate::workflow::given::{context, day, given, kinds, received, refused_field, when};
    use chrono::Datelike;

    fn decide(decision: AssessDecision, on: NaiveDate) -> DecideWhetherToAssess {
        DecideWhetherToAssess {
            decision,
            reasons: "The evidence shows needs the setting cannot meet.".into(),
            departure_reason: None,
            decided_by: UserId::new(),
            decided_on: on,
        }
    }

    fn six_weeks(received_on: NaiveDate) -> Vec<CaseEvent> {
        vec![
            received(received_on),
            from_request(DeadlineKind::DecideWhetherToAssess, received_on)
                .unwrap_or_else(|e| unreachable!("{e}")),
        ]
    }

    #[test]
    fn assessing_meets_the_six_weeks_and_starts_the_sixteen_and_twenty() {
        let facts = when(
            &six_weeks(day(9, 4)),
            &decide(AssessDecision::Assess, day(10, 2)),
        );
        let facts = facts.unwrap_or_default();
        assert_eq!(
            kinds(&facts),
            [
                EventKind::DecisionRecorded,
                EventKind::DeadlineSet,
                EventKind::DeadlineSet
            ]
        );
        let mut state = given(&six_weeks(day(9, 4)));
        let settled: Vec<_> = facts.iter().flat_map(|f| state.apply(f)).collect();
        assert_eq!(settled.len(), 1, "the 6-week limit is met: {settled:?}");
        assert_eq!(state.stage(), CaseStage::Assessing);
        // 16 and 20 weeks from 4 September 2023.
        assert_eq!(
            state
                .limit(DeadlineKind::DecideNotToIssue)
                .map(|d| d.due_on),
            Some(day(12, 25))
        );
        assert_eq!(
            state.limit(DeadlineKind::FinalPlan).map(|d| d.due_on),
            Some(day(1, 22).with_year(2024).unwrap_or_default())
        );
    }

    #[test]
    fn a_refusal_after_the_six_weeks_is_recorded_as_late_with_the_familys_days() {
        let facts = when(
            &six_weeks(day(9, 4)),
            &decide(AssessDecision::Refuse, day(11, 1)),
        )
        .unwrap_or_default();
        let [CaseEvent::DecisionRecorded(recorded)] = facts.as_slice() else {
            return assert_eq!(kinds(&facts), [EventKind::DecisionRecorded]);
        };
        assert_eq!(recorded.outcome, DecisionOutcome::Refused);
        assert_eq!(recorded.within_six_weeks, Some(false));
        assert!(recorded.appeal_by.is_some() && recorded.mediation_contact_by.is_some());
        assert_eq!(
            recorded.reasons.as_deref(),
            Some("The evidence shows needs the setting cannot meet.")
        );
    }

    #[test]
    fn a_second_decision_is_refused_as_the_case_has_moved_on() {
        let mut facts = six_weeks(day(9, 4));
        facts.extend(when(&facts, &decide(AssessDecision::Assess, day(10, 2))).unwrap_or_default());
        let again = when(&facts, &decide(AssessDecision::Refuse, day(10, 3)));
        assert!(
            matches!(
                again,
                Err(WorkflowError::WrongStage {
                    stage: CaseStage::Assessing,
                    ..
                })
            ),
            "{again:?}"
        );
    }

    #[test]
    fn a_decision_before_the_request_or_in_the_future_names_the_day() {
        let facts = six_weeks(day(9, 4));
        assert_eq!(
            refused_field(when(&facts, &decide(AssessDecision::Assess, day(9, 1)))),
            "decided_on"
        );
        assert_eq!(
            refused_field(when(&facts, &decide(AssessDecision::Assess, day(12, 2)))),
            "decided_on"
        );
        let mut empty = decide(AssessDecision::Refuse, day(10, 2));
        empty.reasons = "  ".into();
        assert_eq!(refused_field(when(&facts, &empty)), "reasons");
    }

    #[test]
    fn departing_from_the_plugins_advice_needs_a_reason_of_its_own() {
        let facts = six_weeks(day(9, 4));
        let mut ctx = context();
        ctx.recommendation = Some("DoNotAssess".into());
        let mut command = decide(AssessDecision::Assess, day(10, 2));
        assert_eq!(
            refused_field(command.decide(&given(&facts), &ctx)),
            "departure_reason"
        );
        command.departure_reason = Some("The EP's report postdates the advice.".into());
        let decided = command.decide(&given(&facts), &ctx).unwrap_or_default();
        assert!(matches!(
            decided.first(),
            Some(CaseEvent::DecisionRecorded(d))
                if d.departure_reason.as_deref() == Some("The EP's report postdates the advice.")
        ));
    }
}
