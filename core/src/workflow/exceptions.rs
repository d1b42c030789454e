//! Claiming an exception to a time limit (SEND Regulations 2014 reg. 5(4), 8(2), 10(4),
//! 13(3)). The Regulations give no extension: the limit stops applying and the duty
//! falls back to "as soon as practicable". So a claim never moves a due date; it marks
//! the limit disapplied and keeps an evidence-backed record of why, which the family
//! was told of and reports are derived from.

use chrono::NaiveDate;
use serde::Deserialize;

use super::execute::{CaseCommand, Context, the};
use super::{CaseState, WorkflowError};
use crate::domain::{
    AdviceSource, CaseId, DeadlineException, DeadlineKind, DeadlineStatus, ExceptionId,
    ExceptionLimb, UserId,
};
use crate::events::{self, CaseEvent};
use crate::store::{AuthorityScope, Database};
use crate::time::Clock;

/// Reg. 5(4)(c), 8(2)(b) and 10(4)(d) need an absence of "a continuous period of not
/// less than 4 weeks", counted in whole days including the first and last.
const ABSENCE_DAYS: i64 = 28;

/// An exception as a caseworker claims it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimException {
    /// The limit to disapply.
    pub deadline: DeadlineKind,
    /// The reason, as the regulation for that limit lists it.
    pub limb: ExceptionLimb,
    /// What shows the limb applies, so the claim can be checked later.
    pub evidence: String,
    /// The first day the circumstance applied.
    pub applies_from: NaiveDate,
    /// The last day it applied (inclusive), when known.
    #[serde(default)]
    pub applies_to: Option<NaiveDate>,
    /// The day the family was told the limit no longer applies.
    pub family_told_on: NaiveDate,
    /// For `advice_due`, whose advice: several requests may run at once, and an
    /// exception (a missed appointment with the EP, say) applies to one of them only.
    #[serde(default)]
    pub subject: Option<AdviceSource>,
}

/// A claim as made by one user: the claimant is named apart from the claim, since it is
/// whoever is signed in, but must still be a user of the authority.
struct Claim<'a> {
    claim: &'a ClaimException,
    claimed_by: UserId,
}

/// The claim as a step a signed-in user gives ([`crate::services::Services::run`]): the
/// claimant is whoever acts.
impl CaseCommand for ClaimException {
    type Outcome = DeadlineException;
    const STEP: super::Step = super::Step::ClaimException;

    fn decide(
        &self,
        state: &CaseState,
        ctx: &Context<'_>,
    ) -> Result<Vec<CaseEvent>, WorkflowError> {
        let claimed_by = ctx.actor.ok_or_else(|| {
            WorkflowError::invalid("claimed_by", "an exception needs who claimed it")
        })?;
        Claim {
            claim: self,
            claimed_by,
        }
        .decide(state, ctx)
    }

    fn outcome(
        &self,
        facts: &[CaseEvent],
        after: &CaseState,
        ctx: &Context<'_>,
    ) -> Result<DeadlineException, WorkflowError> {
        let claimed_by = ctx.actor.unwrap_or_default();
        Claim {
            claim: self,
            claimed_by,
        }
        .outcome(facts, after, ctx)
    }
}

impl CaseCommand for Claim<'_> {
    type Outcome = DeadlineException;
    const STEP: super::Step = super::Step::ClaimException;

    fn named_users(&self) -> Vec<(&'static str, UserId)> {
        vec![("claimed_by", self.claimed_by)]
    }

    /// An exception the regulation for the limit lists (reg. 5(4), 8(2), 10(4), 13(3)),
    /// to one open limit, with evidence, dates that hang together and the family told:
    /// the limit is disapplied, its due date unchanged. The stage is not checked: a
    /// limit may be disapplied for as long as it is open.
    fn decide(
        &self,
        state: &CaseState,
        ctx: &Context<'_>,
    ) -> Result<Vec<CaseEvent>, WorkflowError> {
        let Some(citation) = self.claim.limb.citation(self.claim.deadline) else {
            let allowed: Vec<String> = ExceptionLimb::ALL
                .into_iter()
                .filter(|limb| limb.applies_to(self.claim.deadline))
                .map(|limb| limb.to_string())
                .collect();
            let provision = match self.claim.deadline {
                DeadlineKind::DecideWhetherToAssess => "SEND Regulations 2014 reg. 5(4)",
                DeadlineKind::AdviceDue => "SEND Regulations 2014 reg. 8(2)",
                DeadlineKind::DecideNotToIssue => "SEND Regulations 2014 reg. 10(4)",
                DeadlineKind::FinalPlan => "SEND Regulations 2014 reg. 13(3) and 10(4)",
                DeadlineKind::RepresentationsDue
                | DeadlineKind::AnnualReview
                | DeadlineKind::ReviewPapers
                | DeadlineKind::ReviewReport
                | DeadlineKind::ReviewDecision
                | DeadlineKind::AmendedPlan
                | DeadlineKind::PhaseTransfer
                | DeadlineKind::PlanTransfer
                | DeadlineKind::TransferNotice
                | DeadlineKind::Mediation
                | DeadlineKind::TribunalOrder => {
                    return Err(WorkflowError::invalid(
                        "limb",
                        format!(
                            "the Regulations provide no exceptions to {}; it cannot be disapplied",
                            self.claim.deadline
                        ),
                    ));
                }
            };
            return Err(WorkflowError::invalid(
                "limb",
                format!(
                    "{} is not an exception to {} under {provision}, which lists only {}",
                    self.claim.limb,
                    self.claim.deadline,
                    allowed.join(", ")
                ),
            ));
        };
        let subject = match (self.claim.deadline, self.claim.subject) {
            (DeadlineKind::AdviceDue, None) => {
                return Err(WorkflowError::invalid(
                    "subject",
                    "must name whose advice the exception is for; each request for advice has its own limit",
                ));
            }
            (DeadlineKind::AdviceDue, Some(source)) => Some(source.to_string()),
            (_, Some(_)) => {
                return Err(WorkflowError::invalid(
                    "subject",
                    "applies only to advice_due: the other limits are one per case",
                ));
            }
            (_, None) => None,
        };
        // Soonest due first, as the caseload lists them: the open one is the one claimed,
        // and where none is open the soonest of any status says why.
        let mut of_kind: Vec<_> = state
            .deadlines
            .iter()
            .filter(|d| {
                d.kind == self.claim.deadline && (subject.is_none() || d.subject == subject)
            })
            .collect();
        of_kind.sort_by_key(|d| d.due_on);
        let Some(deadline) = of_kind.iter().find(|d| d.status == DeadlineStatus::Open) else {
            return Err(WorkflowError::invalid(
                "deadline",
                match of_kind.first() {
                    None => format!("the case has no {} limit to disapply", self.claim.deadline),
                    Some(settled) => format!(
                        "the {} limit is already {}; only an open limit can be disapplied",
                        self.claim.deadline, settled.status
                    ),
                },
            ));
        };
        let evidence = crate::domain::text::free_text("evidence", self.claim.evidence.trim())?;
        if evidence.is_empty() {
            return Err(WorkflowError::invalid(
                "evidence",
                "must say what shows the exception applies, so the claim can be checked",
            ));
        }
        if let Some(to) = self.claim.applies_to {
            if to < self.claim.applies_from {
                return Err(WorkflowError::invalid(
                    "applies_to",
                    format!(
                        "cannot be before applies_from ({})",
                        self.claim.applies_from
                    ),
                ));
            }
            let days = (to - self.claim.applies_from).num_days() + 1;
            if self.claim.limb == ExceptionLimb::AbsenceFromArea && days < ABSENCE_DAYS {
                return Err(WorkflowError::invalid(
                    "applies_to",
                    format!(
                        "an absence from the area must last at least 4 continuous weeks ({citation}); {} to {to} is {days} days",
                        self.claim.applies_from
                    ),
                ));
            }
        }
        if self.claim.family_told_on > ctx.today {
            return Err(WorkflowError::invalid(
                "family_told_on",
                format!("cannot be in the future (today is {})", ctx.today),
            ));
        }
        if self.claim.family_told_on < self.claim.applies_from {
            return Err(WorkflowError::invalid(
                "family_told_on",
                format!(
                    "cannot be before the exception applied ({})",
                    self.claim.applies_from
                ),
            ));
        }
        Ok(vec![CaseEvent::ExceptionRecorded(
            events::ExceptionRecorded {
                exception: ExceptionId::new(),
                deadline: self.claim.deadline,
                subject,
                due_on: deadline.due_on,
                limb: self.claim.limb,
                citation: citation.to_owned(),
                applies_from: self.claim.applies_from,
                applies_to: self.claim.applies_to,
                family_told_on: self.claim.family_told_on,
                // By id: only the one limit claimed, never its siblings of the same kind.
                deadline_id: deadline.id,
                evidence: Some(evidence.to_owned()),
            },
        )])
    }

    /// The exception's record, as the executor wrote it.
    fn outcome(
        &self,
        facts: &[CaseEvent],
        _after: &CaseState,
        ctx: &Context<'_>,
    ) -> Result<DeadlineException, WorkflowError> {
        let claimed = the(facts, |f| match f {
            CaseEvent::ExceptionRecorded(e) => Some(e),
            _ => None,
        })?;
        Ok(DeadlineException {
            id: claimed.exception,
            authority_id: ctx.authority.clone(),
            case_id: ctx.case,
            deadline_kind: claimed.deadline,
            limb: claimed.limb,
            evidence: claimed.evidence.clone().unwrap_or_default(),
            applies_from: claimed.applies_from,
            applies_to: claimed.applies_to,
            claimed_by: self.claimed_by,
            claimed_at: ctx.now,
            family_told_on: claimed.family_told_on,
        })
    }
}

/// Checks the claim, then in one transaction records it, marks the limit disapplied
/// (its due date unchanged) and appends `ExceptionRecorded`. Refused, changing nothing,
/// when the regulation for that limit does not list the limb, when the limit is not
/// open on the case (a met or already-disapplied limit has nothing to disapply), when
/// the evidence is empty, when the dates do not hang together, or when the claimant is
/// not a user of the authority; if another writer settled the limit first, the whole
/// claim is refused as a conflict.
pub fn claim_exception(
    db: &Database,
    scope: &AuthorityScope,
    case_id: CaseId,
    command: &ClaimException,
    claimed_by: UserId,
    clock: &dyn Clock,
) -> Result<DeadlineException, WorkflowError> {
    super::on_case(db, scope, case_id, |tx, case| {
        let ctx = Context::new(
            scope,
            case.id,
            Some(claimed_by),
            super::calendar_only(),
            clock,
        );
        let claim = Claim {
            claim: command,
            claimed_by,
        };
        super::execute(tx, scope, &case, &claim, ctx)
    })
}

#[cfg(test)]
mod tests {
    //! Given the case's limits, when an exception is claimed, then the fact recorded or
    //! the refusal: no database.
    use super::super::execute::limit_set;
    use super::super::given::*;
    use super::*;
    use crate::domain::{DeadlineId, EventKind};

    /// A request received on 2 October, its 6 weeks running to 13 November.
    fn requested() -> Vec<CaseEvent> {
        vec![
            received(day(10, 2)),
            limit_set(DeadlineKind::DecideWhetherToAssess, day(11, 13), None),
        ]
    }

    fn claim(deadline: DeadlineKind, limb: ExceptionLimb) -> ClaimException {
        ClaimException {
            deadline,
            limb,
            evidence: "  Letter from the family's GP, 9 October.  ".into(),
            applies_from: day(10, 9),
            applies_to: None,
            family_told_on: day(10, 12),
            subject: None,
        }
    }

    fn by_someone(claim: &ClaimException) -> Claim<'_> {
        Claim {
            claim,
            claimed_by: UserId::new(),
        }
    }

    fn recorded_in(facts: &[CaseEvent]) -> Option<events::ExceptionRecorded> {
        facts.iter().find_map(|f| match f {
            CaseEvent::ExceptionRecorded(e) => Some(e.clone()),
            _ => None,
        })
    }

    fn ids_of(facts: &[CaseEvent]) -> Vec<Option<DeadlineId>> {
        facts
            .iter()
            .filter_map(|f| match f {
                CaseEvent::DeadlineSet(set) => Some(set.deadline),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn an_exception_disapplies_the_limit_and_leaves_its_date_alone() {
        let given_facts = requested();
        let command = claim(
            DeadlineKind::DecideWhetherToAssess,
            ExceptionLimb::PersonalCircumstances,
        );
        let facts = when(&given_facts, &by_someone(&command)).unwrap_or_default();

        assert_eq!(kinds(&facts), [EventKind::ExceptionRecorded]);
        let recorded = recorded_in(&facts);
        assert_eq!(recorded.as_ref().map(|e| e.due_on), Some(day(11, 13)));
        assert_eq!(
            recorded.as_ref().map(|e| e.citation.as_str()),
            Some("SEND Regulations 2014 reg. 5(4)(b)")
        );
        assert_eq!(
            recorded.as_ref().and_then(|e| e.evidence.as_deref()),
            Some("Letter from the family's GP, 9 October.")
        );
        assert_eq!(
            recorded.map(|e| e.deadline_id),
            ids_of(&given_facts).last().copied()
        );

        let after = given(
            &given_facts
                .iter()
                .chain(&facts)
                .cloned()
                .collect::<Vec<_>>(),
        );
        let limit = after.limit(DeadlineKind::DecideWhetherToAssess);
        assert_eq!(limit.map(|l| l.status), Some(DeadlineStatus::Disapplied));
        assert_eq!(limit.map(|l| l.due_on), Some(day(11, 13)));
    }

    #[test]
    fn an_exception_for_one_request_for_advice_leaves_the_others_running() {
        let mut given_facts = requested();
        given_facts.push(limit_set(
            DeadlineKind::AdviceDue,
            day(12, 4),
            Some(AdviceSource::Health.to_string()),
        ));
        given_facts.push(limit_set(
            DeadlineKind::AdviceDue,
            day(12, 5),
            Some(AdviceSource::EducationalPsychologist.to_string()),
        ));
        let command = ClaimException {
            subject: Some(AdviceSource::EducationalPsychologist),
            ..claim(DeadlineKind::AdviceDue, ExceptionLimb::MissedAppointment)
        };
        let facts = when(&given_facts, &by_someone(&command)).unwrap_or_default();

        let after = given(
            &given_facts
                .iter()
                .chain(&facts)
                .cloned()
                .collect::<Vec<_>>(),
        );
        let status = |source: AdviceSource| {
            after
                .deadlines
                .iter()
                .find(|d| d.subject == Some(source.to_string()))
                .map(|d| d.status)
        };
        assert_eq!(
            status(AdviceSource::EducationalPsychologist),
            Some(DeadlineStatus::Disapplied)
        );
        assert_eq!(status(AdviceSource::Health), Some(DeadlineStatus::Open));
    }

    #[test]
    fn the_caller_is_told_the_exception_as_recorded() {
        let command = claim(
            DeadlineKind::DecideWhetherToAssess,
            ExceptionLimb::SchoolClosure,
        );
        let claim = by_someone(&command);
        let facts = when(&requested(), &claim).unwrap_or_default();
        let ctx = context();
        let told = claim.outcome(&facts, &given(&requested()), &ctx).ok();
        assert_eq!(told.as_ref().map(|e| e.claimed_by), Some(claim.claimed_by));
        assert_eq!(
            told.as_ref().map(|e| Some(e.id)),
            Some(recorded_in(&facts).map(|e| e.exception))
        );
        assert_eq!(
            told.map(|e| e.evidence),
            Some("Letter from the family's GP, 9 October.".to_owned())
        );
    }

    #[test]
    fn a_limb_the_regulation_does_not_list_is_refused() {
        let command = claim(
            DeadlineKind::DecideWhetherToAssess,
            ExceptionLimb::MissedAppointment,
        );
        assert_eq!(
            refused_field(when(&requested(), &by_someone(&command))),
            "limb"
        );
    }

    #[test]
    fn an_annual_review_cannot_be_disapplied() {
        let command = claim(
            DeadlineKind::AnnualReview,
            ExceptionLimb::PersonalCircumstances,
        );
        assert_eq!(
            refused_field(when(&requested(), &by_someone(&command))),
            "limb"
        );
    }

    #[test]
    fn a_limit_already_disapplied_cannot_be_disapplied_again() {
        let command = claim(
            DeadlineKind::DecideWhetherToAssess,
            ExceptionLimb::PersonalCircumstances,
        );
        let mut facts = requested();
        facts.extend(when(&facts, &by_someone(&command)).unwrap_or_default());
        assert_eq!(
            refused_field(when(&facts, &by_someone(&command))),
            "deadline"
        );
    }

    #[test]
    fn a_limit_the_case_does_not_have_cannot_be_disapplied() {
        let command = claim(
            DeadlineKind::FinalPlan,
            ExceptionLimb::PersonalCircumstances,
        );
        assert_eq!(
            refused_field(when(&requested(), &by_someone(&command))),
            "deadline"
        );
    }

    #[test]
    fn an_exception_to_advice_must_say_whose_advice() {
        let command = claim(DeadlineKind::AdviceDue, ExceptionLimb::MissedAppointment);
        assert_eq!(
            refused_field(when(&requested(), &by_someone(&command))),
            "subject"
        );
    }

    #[test]
    fn an_exception_without_evidence_is_refused() {
        let command = ClaimException {
            evidence: " ".into(),
            ..claim(
                DeadlineKind::DecideWhetherToAssess,
                ExceptionLimb::PersonalCircumstances,
            )
        };
        assert_eq!(
            refused_field(when(&requested(), &by_someone(&command))),
            "evidence"
        );
    }

    #[test]
    fn an_absence_from_the_area_shorter_than_four_weeks_is_refused() {
        let command = ClaimException {
            applies_to: Some(day(11, 3)),
            ..claim(
                DeadlineKind::DecideWhetherToAssess,
                ExceptionLimb::AbsenceFromArea,
            )
        };
        assert_eq!(
            refused_field(when(&requested(), &by_someone(&command))),
            "applies_to"
        );
    }

    #[test]
    fn a_family_told_before_the_exception_applied_is_refused() {
        let command = ClaimException {
            family_told_on: day(10, 8),
            ..claim(
                DeadlineKind::DecideWhetherToAssess,
                ExceptionLimb::PersonalCircumstances,
            )
        };
        assert_eq!(
            refused_field(when(&requested(), &by_someone(&command))),
            "family_told_on"
        );
    }
}
