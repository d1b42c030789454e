//! The catalogue of case steps: for each thing a person can record on a case, its name,
//! its address, the roles that may record it and the states where it applies. The
//! JSON API's role checks, the case page's links and forms, and the API document all
//! read this one list, so a step cannot be offered where the workflow would refuse it,
//! nor to a role the API would turn away.
//!
//! Whether a step applies is worked out from the case's [`CaseState`], the same fold
//! the commands decide on; the command itself still checks inside its transaction (the
//! case may move on between the page and the submit).

use crate::domain::{DeadlineKind, DeadlineStatus, ExceptionLimb, UserRole};

use super::CaseState;

/// Those who log requests and record the casework: advice sought and received,
/// plans drafted and issued, review meetings.
pub const WRITERS: [UserRole; 2] = [UserRole::Caseworker, UserRole::Admin];

/// Those who record what happened on a case around a decision: meetings with the
/// family, their outcomes, exceptions to a time limit, disputes.
pub const CASE_OFFICERS: [UserRole; 3] =
    [UserRole::Caseworker, UserRole::PanelChair, UserRole::Admin];

/// Those who record the authority's decisions (to assess, to issue, after a review)
/// outside a sitting: the panel decides, so its chair, or an admin recording a decision
/// made elsewhere. Caseworkers prepare the papers; they do not decide.
pub const DECIDERS: [UserRole; 2] = [UserRole::PanelChair, UserRole::Admin];

/// One step a person can record on a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    /// The policy plugin's graduated-response advice on the request.
    GraduatedResponseAdvice,
    /// The decision whether to assess (reg. 5).
    DecisionToAssess,
    /// An exception to a time limit (reg. 5(4), 8(2), 10(4), 13(3)).
    ClaimException,
    /// Advice asked of one source (reg. 6(1)).
    RequestAdvice,
    /// Advice from one source arrived.
    AdviceReceived,
    /// The decision whether to issue a plan (reg. 10).
    DecisionToIssue,
    /// The draft plan served (reg. 13(1)).
    DraftPlan,
    /// The final plan issued (reg. 13(2)).
    FinalPlan,
    /// An annual review meeting arranged (reg. 20).
    ReviewMeeting,
    /// The decision after an annual review (reg. 20(10), 22).
    ReviewDecision,
    /// The policy plugin's plan for the next-steps meeting after a refusal.
    NextStepsAdvice,
    /// The next-steps meeting arranged.
    NextStepsMeeting,
    /// What the next-steps meeting led to.
    NextStepsOutcome,
    /// The policy plugin's band and top-up for a placement.
    BandingAdvice,
    /// The family asked for mediation (reg. 36-37).
    RequestMediation,
    /// How mediation ended.
    RecordMediationOutcome,
    /// The family appealed to the Tribunal.
    LodgeAppeal,
    /// The Tribunal's decision, with any order.
    RecordTribunalDecision,
    /// A step of a Tribunal order carried out (reg. 44).
    ComplyWithOrder,
    /// A coming phase transfer (reg. 18).
    PlanPhaseTransfer,
    /// The plan amended for the phase transfer.
    CompletePhaseTransfer,
    /// The child is moving to another authority's area (reg. 15).
    NotifyMoveOut,
    /// The plan sent to the new authority.
    TransferPlanOut,
    /// The family told of a plan transferred in (reg. 15(4)).
    SendTransferNotice,
    /// The family or young person withdrew the request; the case closes.
    WithdrawRequest,
}

impl Step {
    /// Every step, in the order a caseworker meets them.
    pub const ALL: [Self; 25] = [
        Self::GraduatedResponseAdvice,
        Self::DecisionToAssess,
        Self::ClaimException,
        Self::RequestAdvice,
        Self::AdviceReceived,
        Self::DecisionToIssue,
        Self::DraftPlan,
        Self::FinalPlan,
        Self::ReviewMeeting,
        Self::ReviewDecision,
        Self::NextStepsAdvice,
        Self::NextStepsMeeting,
        Self::NextStepsOutcome,
        Self::BandingAdvice,
        Self::RequestMediation,
        Self::RecordMediationOutcome,
        Self::LodgeAppeal,
        Self::RecordTribunalDecision,
        Self::ComplyWithOrder,
        Self::PlanPhaseTransfer,
        Self::CompletePhaseTransfer,
        Self::NotifyMoveOut,
        Self::TransferPlanOut,
        Self::SendTransferNotice,
        Self::WithdrawRequest,
    ];

    /// The step's name in an address: the case page's form is `/cases/{id}/{slug}`.
    pub fn slug(self) -> &'static str {
        match self {
            Self::GraduatedResponseAdvice => "graduated-response-advice",
            Self::DecisionToAssess => "decision-to-assess",
            Self::ClaimException => "exceptions",
            Self::RequestAdvice => "advice-requests",
            Self::AdviceReceived => "advice-received",
            Self::DecisionToIssue => "decision-to-issue",
            Self::DraftPlan => "draft-plan",
            Self::FinalPlan => "final-plan",
            Self::ReviewMeeting => "review-meeting",
            Self::ReviewDecision => "review-decision",
            Self::NextStepsAdvice => "next-steps-advice",
            Self::NextStepsMeeting => "next-steps-meeting",
            Self::NextStepsOutcome => "next-steps-outcome",
            Self::BandingAdvice => "banding-advice",
            Self::RequestMediation => "mediation",
            Self::RecordMediationOutcome => "mediation-outcome",
            Self::LodgeAppeal => "appeal",
            Self::RecordTribunalDecision => "tribunal-decision",
            Self::ComplyWithOrder => "tribunal-order-complied",
            Self::PlanPhaseTransfer => "phase-transfer",
            Self::CompletePhaseTransfer => "phase-transfer-completed",
            Self::NotifyMoveOut => "move-out",
            Self::TransferPlanOut => "transfer-out",
            Self::SendTransferNotice => "transfer-notice",
            Self::WithdrawRequest => "withdrawal",
        }
    }

    /// The step's route in the JSON API, under `/api/v1`.
    pub fn api_path(self) -> &'static str {
        match self {
            Self::GraduatedResponseAdvice => "/requests/{id}/advice/graduated-response",
            Self::DecisionToAssess => "/requests/{id}/decision-to-assess",
            Self::ClaimException => "/requests/{id}/exceptions",
            Self::RequestAdvice => "/requests/{id}/advice-requests",
            Self::AdviceReceived => "/requests/{id}/advice-received",
            Self::DecisionToIssue => "/requests/{id}/decision-to-issue",
            Self::DraftPlan => "/requests/{id}/draft-plan",
            Self::FinalPlan => "/requests/{id}/final-plan",
            Self::ReviewMeeting => "/requests/{id}/review-meeting",
            Self::ReviewDecision => "/requests/{id}/review-decision",
            Self::NextStepsAdvice => "/requests/{id}/advice/next-steps",
            Self::NextStepsMeeting => "/requests/{id}/next-steps-meeting",
            Self::NextStepsOutcome => "/requests/{id}/next-steps-outcome",
            Self::BandingAdvice => "/requests/{id}/advice/banding",
            Self::RequestMediation => "/requests/{id}/mediation",
            Self::RecordMediationOutcome => "/requests/{id}/mediation/outcome",
            Self::LodgeAppeal => "/requests/{id}/appeal",
            Self::RecordTribunalDecision => "/requests/{id}/tribunal-decision",
            Self::ComplyWithOrder => "/requests/{id}/tribunal-order-complied",
            Self::PlanPhaseTransfer => "/requests/{id}/phase-transfer",
            Self::CompletePhaseTransfer => "/requests/{id}/phase-transfer/completed",
            Self::NotifyMoveOut => "/requests/{id}/move-out",
            Self::TransferPlanOut => "/requests/{id}/transfer-out",
            Self::SendTransferNotice => "/requests/{id}/transfer-notice",
            Self::WithdrawRequest => "/requests/{id}/withdrawal",
        }
    }

    /// What the step does, as a refusal for the caller's role says it ("a caseworker
    /// cannot {doing}").
    pub fn doing(self) -> &'static str {
        match self {
            Self::GraduatedResponseAdvice | Self::NextStepsAdvice | Self::BandingAdvice => {
                "seek policy advice"
            }
            Self::DecisionToAssess => "record the decision whether to assess",
            Self::ClaimException => "claim an exception to a time limit",
            Self::RequestAdvice => "request advice",
            Self::AdviceReceived => "record advice received",
            Self::DecisionToIssue => "record the decision whether to issue a plan",
            Self::DraftPlan => "serve a draft plan",
            Self::FinalPlan => "issue a final plan",
            Self::ReviewMeeting => "schedule an annual review meeting",
            Self::ReviewDecision => "record the decision after an annual review",
            Self::NextStepsMeeting => "arrange a next-steps meeting",
            Self::NextStepsOutcome => "record a next-steps outcome",
            Self::RequestMediation => "record a request for mediation",
            Self::RecordMediationOutcome => "record a mediation outcome",
            Self::LodgeAppeal => "record an appeal",
            Self::RecordTribunalDecision => "record the Tribunal's decision",
            Self::ComplyWithOrder => "record a Tribunal order carried out",
            Self::PlanPhaseTransfer => "plan a phase transfer",
            Self::CompletePhaseTransfer => "complete a phase transfer",
            Self::NotifyMoveOut => "record a move out of the area",
            Self::TransferPlanOut => "transfer the plan out",
            Self::SendTransferNotice => "record the notice of a transferred plan",
            Self::WithdrawRequest => "record a request withdrawn",
        }
    }

    /// Who may record it: decisions are the panel's (its chair, or an admin); the
    /// casework is the caseworkers' (and admins'); what happens around a decision may be
    /// recorded by either.
    pub fn roles(self) -> &'static [UserRole] {
        match self {
            Self::DecisionToAssess | Self::DecisionToIssue | Self::ReviewDecision => &DECIDERS,
            Self::ClaimException
            | Self::NextStepsMeeting
            | Self::NextStepsOutcome
            | Self::RequestMediation
            | Self::RecordMediationOutcome
            | Self::LodgeAppeal
            | Self::RecordTribunalDecision
            | Self::ComplyWithOrder => &CASE_OFFICERS,
            Self::GraduatedResponseAdvice
            | Self::RequestAdvice
            | Self::AdviceReceived
            | Self::DraftPlan
            | Self::FinalPlan
            | Self::ReviewMeeting
            | Self::NextStepsAdvice
            | Self::BandingAdvice
            | Self::PlanPhaseTransfer
            | Self::CompletePhaseTransfer
            | Self::NotifyMoveOut
            | Self::TransferPlanOut
            | Self::SendTransferNotice
            | Self::WithdrawRequest => &WRITERS,
        }
    }

    /// Whether `role` may record this step.
    pub fn allows(self, role: UserRole) -> bool {
        self.roles().contains(&role)
    }

    /// The step an address names.
    pub fn from_slug(slug: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|step| step.slug() == slug)
    }

    /// Whether the step applies to a case in `state` (its command would not refuse it
    /// for the case's stage or open limits).
    pub fn applies(self, state: &CaseState) -> bool {
        applicable(state).contains(&self)
    }
}

/// The steps that apply to a case in `state`, in the order a caseworker meets them:
/// the stage's own steps, then moves and transfers (while a plan is maintained), then
/// disputes (once something has been decided), then an exception (while a limit with
/// one is open).
pub fn applicable(state: &CaseState) -> Vec<Step> {
    use crate::domain::CaseStage as S;
    let mut steps = match state.stage() {
        S::RequestReceived | S::AwaitingAssessmentDecision => {
            vec![Step::GraduatedResponseAdvice, Step::DecisionToAssess]
        }
        S::AssessmentRefused => vec![
            Step::NextStepsAdvice,
            Step::NextStepsMeeting,
            Step::NextStepsOutcome,
        ],
        S::Assessing => vec![
            Step::RequestAdvice,
            Step::AdviceReceived,
            Step::DecisionToIssue,
        ],
        S::DraftPlan => vec![Step::BandingAdvice, Step::DraftPlan, Step::FinalPlan],
        S::PlanIssued => vec![
            Step::ReviewMeeting,
            Step::ReviewDecision,
            Step::BandingAdvice,
        ],
        S::AwaitingIssueDecision | S::NotToIssue | S::Ceased | S::Closed => Vec::new(),
    };
    let open = |kind| state.open_limit(kind, None).is_some();
    if state.stage() == S::PlanIssued {
        if open(DeadlineKind::TransferNotice) {
            steps.push(Step::SendTransferNotice);
        }
        steps.push(if open(DeadlineKind::PhaseTransfer) {
            Step::CompletePhaseTransfer
        } else {
            Step::PlanPhaseTransfer
        });
        steps.push(if open(DeadlineKind::PlanTransfer) {
            Step::TransferPlanOut
        } else {
            Step::NotifyMoveOut
        });
    }
    let decided = !state.decisions.is_empty();
    if state.mediation_open() {
        steps.push(Step::RecordMediationOutcome);
    } else if decided {
        steps.push(Step::RequestMediation);
    }
    if state.appeal_pending() {
        steps.push(Step::RecordTribunalDecision);
    } else if decided {
        steps.push(Step::LodgeAppeal);
    }
    if open(DeadlineKind::TribunalOrder) {
        steps.push(Step::ComplyWithOrder);
    }
    if !exceptionable(state).is_empty() {
        steps.push(Step::ClaimException);
    }
    if super::lifecycle::WITHDRAWABLE.contains(&state.stage()) {
        steps.push(Step::WithdrawRequest);
    }
    steps
}

/// The steps `role` may record on a case in `state`: what the case page links to.
pub fn offered(state: &CaseState, role: UserRole) -> Vec<Step> {
    applicable(state)
        .into_iter()
        .filter(|step| step.allows(role))
        .collect()
}

/// Whether `role` may record any step on any case.
pub fn may_act(role: UserRole) -> bool {
    Step::ALL.iter().any(|step| step.allows(role))
}

/// The open limits an exception could disapply (the Regulations list a reason for
/// them): what the exception form offers.
pub fn exceptionable(state: &CaseState) -> Vec<&super::LimitState> {
    state
        .deadlines
        .iter()
        .filter(|d| d.status == DeadlineStatus::Open)
        .filter(|d| {
            ExceptionLimb::ALL
                .iter()
                .any(|limb| limb.applies_to(d.kind))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    //! Given a case's facts, which steps the page offers each role.
    use super::*;
    use crate::workflow::given::{day, given, received};

    #[test]
    fn a_new_request_offers_advice_and_an_exception_to_caseworkers_and_the_decision_to_the_chair() {
        let state = given(&[
            received(day(9, 4)),
            super::super::execute::limit_set(
                DeadlineKind::DecideWhetherToAssess,
                day(10, 16),
                None,
            ),
        ]);
        assert_eq!(
            offered(&state, UserRole::Caseworker),
            [
                Step::GraduatedResponseAdvice,
                Step::ClaimException,
                Step::WithdrawRequest
            ]
        );
        assert_eq!(
            offered(&state, UserRole::PanelChair),
            [Step::DecisionToAssess, Step::ClaimException]
        );
        assert!(offered(&state, UserRole::PanelMember).is_empty());
        assert!(offered(&state, UserRole::Auditor).is_empty());
    }

    #[test]
    fn every_slug_names_one_step_and_every_step_has_an_api_route() {
        for step in Step::ALL {
            assert_eq!(Step::from_slug(step.slug()), Some(step));
            assert!(step.api_path().starts_with("/requests/{id}/"), "{step:?}");
        }
        let mut paths: Vec<_> = Step::ALL.iter().map(|s| s.api_path()).collect();
        paths.sort_unstable();
        paths.dedup();
        assert_eq!(paths.len(), Step::ALL.len(), "two steps share a route");
    }

    #[test]
    fn only_panel_members_and_auditors_record_nothing() {
        assert!(may_act(UserRole::Caseworker) && may_act(UserRole::PanelChair));
        assert!(!may_act(UserRole::PanelMember) && !may_act(UserRole::Auditor));
    }
}
