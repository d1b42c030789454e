//! What travels over the wire: the bodies the API takes and the answers it gives, each
//! a typed struct the document is generated from.
//!
//! Where the core's own command or record is what a route takes or answers (a
//! `ReceiveRequest`, a `Sitting`), the handler uses it directly and it is not repeated
//! here. What is here is what the API shapes itself: a decision body without
//! `decided_by` (the decider is the caller), and each answer that picks fields out of
//! a core outcome. A handler parses the body struct and answers with the reply struct,
//! and `super::openapi` describes the same structs, so the document and the answers
//! cannot drift apart (`tests/openapi.rs` checks real answers against the document).

use chrono::NaiveDate;
use sendpanel_core::domain::{
    CaseId, CaseStage, Deadline, Decision, PanelRole, ReviewDecision, Sitting, SittingStatus,
    UserId,
};
use sendpanel_core::workflow::{
    AdviceReceived, AppealLodged, AssessDecision, CaseView, DeadlineView, DecideWhetherToAssess,
    DecideWhetherToIssue, Decided, FinalPlanIssued, IssueDecided, IssueDecision,
    MediationConcluded, PhaseTransferCompleted, PlanTransferredOut, RecordReviewDecision,
    ReviewDecided, ReviewMeetingScheduled, TribunalDecided,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

// ---------------------------------------------------------------------------------
// Bodies: the decision bodies are the core commands without `decided_by`, since the
// one who decides is the caller and a body must not be able to name someone else.
// ---------------------------------------------------------------------------------

/// The decision whether to assess, as the API takes it: the caller is the one who
/// decides.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    /// Assess or refuse.
    pub decision: AssessDecision,
    /// Why, in words the family can read (CFA s.36(5)).
    pub reasons: String,
    /// Why the decision differs from the policy plugin's recommendation, when it does.
    #[serde(default)]
    pub departure_reason: Option<String>,
    /// The day of the decision.
    pub decided_on: NaiveDate,
}

impl DecisionBody {
    /// The core's command, with the caller as the one who decides.
    pub fn decided_by(self, caller: UserId) -> DecideWhetherToAssess {
        DecideWhetherToAssess {
            decision: self.decision,
            reasons: self.reasons,
            departure_reason: self.departure_reason,
            decided_by: caller,
            decided_on: self.decided_on,
        }
    }
}

/// The decision whether to issue a plan, as the API takes it: the caller is the one
/// who decides.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueDecisionBody {
    /// Issue or not.
    pub decision: IssueDecision,
    /// Why, in words the family can read.
    pub reasons: String,
    /// The day of the decision.
    pub decided_on: NaiveDate,
}

impl IssueDecisionBody {
    /// The core's command, with the caller as the one who decides.
    pub fn decided_by(self, caller: UserId) -> DecideWhetherToIssue {
        DecideWhetherToIssue {
            decision: self.decision,
            reasons: self.reasons,
            decided_by: caller,
            decided_on: self.decided_on,
        }
    }
}

/// The decision after an annual review, as the API takes it: the caller is the one
/// who decides.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewDecisionBody {
    /// Maintain, amend or cease.
    pub decision: ReviewDecision,
    /// Why, in words the family can read.
    pub reasons: String,
    /// The day of the decision: the next 12 months start with it (CFA s.44(1)).
    pub decided_on: NaiveDate,
}

impl ReviewDecisionBody {
    /// The core's command, with the caller as the one who decides.
    pub fn decided_by(self, caller: UserId) -> RecordReviewDecision {
        RecordReviewDecision {
            decision: self.decision,
            reasons: self.reasons,
            decided_by: caller,
            decided_on: self.decided_on,
        }
    }
}

/// Who joins a sitting: the caller unless the chair names another member.
// `Default` is what an empty body means: the body is optional.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Attendance {
    /// The member to mark present; only the sitting's chair may name another. Absent:
    /// the caller.
    #[serde(default)]
    pub member: Option<UserId>,
}

/// A seat on a panel, as an admin gives it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Seat {
    /// A user of the caller's authority.
    pub user: UserId,
    /// A role the panel names in `authority.toml` (`chair`, `educational_psychologist`,
    /// ...).
    pub role: PanelRole,
}

// ---------------------------------------------------------------------------------
// Answers: each built from the core's typed outcome, so a field the core renames or
// retypes fails to compile here rather than changing the wire unseen.
// ---------------------------------------------------------------------------------

/// Every error: `{"error": {"code", "field", "message"}}` (`ApiError`).
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiErrorReply {
    /// The error.
    pub error: ApiErrorDetail,
}

/// What went wrong, and where.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiErrorDetail {
    /// A stable code: `invalid`, `not_found`, `forbidden`, `unauthorised`, `conflict`,
    /// `closed`, `not_seated`, `not_configured`, `no_plugin`, `payload_too_large`,
    /// `invalid_header`, `idempotency_key_in_use`, `idempotency_key_reused`,
    /// `database_unavailable`, `internal`, ...
    pub code: String,
    /// The body field (or header) at fault, when one is.
    #[schema(required = true)]
    pub field: Option<String>,
    /// What the rule is, in plain English.
    pub message: String,
}

/// `POST /requests`: the case opened.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequestLoggedReply {
    /// The case's id, which the API also uses for the request.
    pub id: CaseId,
    /// Where it stands.
    pub stage: CaseStage,
    /// Its statutory limits, soonest first.
    pub deadlines: Vec<DeadlineView>,
}

impl From<CaseView> for RequestLoggedReply {
    fn from(view: CaseView) -> Self {
        Self {
            id: view.id,
            stage: view.stage,
            deadlines: view.deadlines,
        }
    }
}

/// `GET /team`.
#[derive(Debug, Serialize, ToSchema)]
pub struct TeamReply {
    /// Each officer's open cases, the busiest first, then the unallocated.
    pub officers: Vec<sendpanel_core::caseload::TeamRow>,
}

/// `GET /education-settings`.
#[derive(Debug, Serialize, ToSchema)]
pub struct EducationSettingsReply {
    /// The authority's register, by name.
    pub settings: Vec<sendpanel_core::domain::EducationSetting>,
}

/// `GET /requests/{id}/placements`.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlacementsReply {
    /// The case's placements, the latest first.
    pub placements: Vec<sendpanel_core::domain::Placement>,
}

/// `GET /requests/{id}/funding`.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommitmentsReply {
    /// The case's band and funding commitments, the latest first.
    pub commitments: Vec<sendpanel_core::domain::FundingCommitment>,
}

/// `GET /transitions`.
#[derive(Debug, Serialize, ToSchema)]
pub struct TransitionsReply {
    /// The school year the cohorts are counted in, e.g. `2026/27`.
    pub school_year: String,
    /// Each transfer's cohort this school year and next.
    pub cohorts: Vec<sendpanel_core::transitions::Cohort>,
}

/// `POST /requests/{id}/allocation`.
#[derive(Debug, Serialize, ToSchema)]
pub struct AllocatedReply {
    /// The officer the case is now allocated to; `None` when unallocated.
    #[schema(value_type = Option<String>)]
    pub officer: Option<sendpanel_core::domain::UserId>,
}

/// `POST /requests/{id}/decision-to-assess`.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssessDecidedReply {
    /// The recorded decision.
    pub decision: Decision,
    /// The case's new stage.
    pub stage: CaseStage,
    /// Whether it was made within the 6 weeks of Reg 5(1).
    pub within_six_weeks: bool,
    /// On refusal: the family's last day to contact a mediation adviser (Reg 33).
    #[schema(required = true)]
    pub mediation_contact_by: Option<NaiveDate>,
    /// On refusal: the family's last day to appeal (Tribunal rule 20).
    #[schema(required = true)]
    pub appeal_by: Option<NaiveDate>,
}

impl From<Decided> for AssessDecidedReply {
    fn from(decided: Decided) -> Self {
        Self {
            decision: decided.decision,
            stage: decided.stage,
            within_six_weeks: decided.within_six_weeks,
            mediation_contact_by: decided.family_deadlines.map(|d| d.0),
            appeal_by: decided.family_deadlines.map(|d| d.1),
        }
    }
}

/// `POST /requests/{id}/decision-to-issue`.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssueDecidedReply {
    /// The recorded decision.
    pub decision: Decision,
    /// The case's new stage: `draft_plan` or `not_to_issue`.
    pub stage: CaseStage,
    /// Whether it was made within the 16 weeks of reg. 10(1).
    pub within_sixteen_weeks: bool,
    /// On "do not issue": the family's last day to contact a mediation adviser (reg. 33).
    #[schema(required = true)]
    pub mediation_contact_by: Option<NaiveDate>,
    /// On "do not issue": the family's last day to appeal (Tribunal rule 20).
    #[schema(required = true)]
    pub appeal_by: Option<NaiveDate>,
}

impl From<IssueDecided> for IssueDecidedReply {
    fn from(decided: IssueDecided) -> Self {
        Self {
            decision: decided.decision,
            stage: decided.stage,
            within_sixteen_weeks: decided.within_sixteen_weeks,
            mediation_contact_by: decided.family_deadlines.map(|d| d.0),
            appeal_by: decided.family_deadlines.map(|d| d.1),
        }
    }
}

/// `POST /requests/{id}/review-decision`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewDecidedReply {
    /// The recorded decision, of kind `annual_review` and outcome `agreed`.
    pub decision: Decision,
    /// Maintain, amend or cease.
    pub choice: ReviewDecision,
    /// The case's stage afterwards: `ceased` on cease, else `plan_issued`.
    pub stage: CaseStage,
    /// Whether it was made within the 4 weeks of reg. 20(10).
    pub within_four_weeks: bool,
    /// On maintain or amend: the next annual review (CFA s.44(1)).
    #[schema(required = true)]
    pub next_review: Option<Deadline>,
    /// On amend: the amended plan, 8 weeks from the proposals (reg. 22(3)).
    #[schema(required = true)]
    pub amended_plan: Option<Deadline>,
    /// On maintain or cease: the family's last day to contact a mediation adviser.
    #[schema(required = true)]
    pub mediation_contact_by: Option<NaiveDate>,
    /// On maintain or cease: the family's last day to appeal.
    #[schema(required = true)]
    pub appeal_by: Option<NaiveDate>,
}

impl From<ReviewDecided> for ReviewDecidedReply {
    fn from(decided: ReviewDecided) -> Self {
        Self {
            decision: decided.decision,
            choice: decided.choice,
            stage: decided.stage,
            within_four_weeks: decided.within_four_weeks,
            next_review: decided.next_review,
            amended_plan: decided.amended_plan,
            mediation_contact_by: decided.family_deadlines.map(|d| d.0),
            appeal_by: decided.family_deadlines.map(|d| d.1),
        }
    }
}

/// `POST /requests/{id}/next-steps-outcome`.
#[derive(Debug, Serialize, ToSchema)]
pub struct StageReply {
    /// The case's stage afterwards.
    pub stage: CaseStage,
}

/// A step that sets one limit: advice requested, draft plan served, phase transfer
/// planned, move out notified.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeadlineReply {
    /// The limit set.
    pub deadline: Deadline,
}

/// `POST /requests/{id}/advice-received`.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdviceReceivedReply {
    /// The request's limit, now met.
    pub deadline: Deadline,
    /// Whether the advice came within the 6 weeks of reg. 8(1).
    pub within_six_weeks: bool,
}

impl From<AdviceReceived> for AdviceReceivedReply {
    fn from(received: AdviceReceived) -> Self {
        Self {
            deadline: received.deadline,
            within_six_weeks: received.within_six_weeks,
        }
    }
}

/// `POST /requests/{id}/final-plan`.
#[derive(Debug, Serialize, ToSchema)]
pub struct FinalPlanIssuedReply {
    /// The case's new stage, `plan_issued`.
    pub stage: CaseStage,
    /// Whether it was issued within the 20 weeks of reg. 13(2).
    pub within_twenty_weeks: bool,
    /// The first annual review's limit (CFA s.44(1)).
    pub annual_review: Deadline,
}

impl From<FinalPlanIssued> for FinalPlanIssuedReply {
    fn from(issued: FinalPlanIssued) -> Self {
        Self {
            stage: issued.stage,
            within_twenty_weeks: issued.within_twenty_weeks,
            annual_review: issued.annual_review,
        }
    }
}

/// `POST /requests/{id}/review-meeting`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewMeetingScheduledReply {
    /// Advice and invitations, at least 2 weeks before the meeting (reg. 20(3)-(4), 21).
    pub papers: Deadline,
    /// The review report, within 2 weeks of the meeting (reg. 20(7)).
    pub report: Deadline,
    /// The authority's decision, within 4 weeks of the meeting (reg. 20(10)).
    pub decision: Deadline,
}

impl From<ReviewMeetingScheduled> for ReviewMeetingScheduledReply {
    fn from(scheduled: ReviewMeetingScheduled) -> Self {
        Self {
            papers: scheduled.papers,
            report: scheduled.report,
            decision: scheduled.decision,
        }
    }
}

/// `POST /requests/{id}/next-steps-meeting`.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeetingArrangedReply {
    /// Always `true`: the meeting is recorded and the invitation sent.
    pub arranged: bool,
}

/// A step that meets one limit and says whether on time: the transfer notice sent, a
/// Tribunal order's step carried out.
#[derive(Debug, Serialize, ToSchema)]
pub struct OnTimeReply {
    /// Whether by the limit's day.
    pub on_time: bool,
}

/// `POST /requests/{id}/phase-transfer/completed`.
#[derive(Debug, Serialize, ToSchema)]
pub struct PhaseTransferCompletedReply {
    /// The Reg 18 date.
    pub due_on: NaiveDate,
    /// Whether the amended plan was issued by it.
    pub on_time: bool,
}

impl From<PhaseTransferCompleted> for PhaseTransferCompletedReply {
    fn from(done: PhaseTransferCompleted) -> Self {
        Self {
            due_on: done.due_on,
            on_time: done.on_time,
        }
    }
}

/// `POST /requests/{id}/transfer-out`.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanTransferredOutReply {
    /// Always `closed`: the case closes here.
    pub stage: CaseStage,
    /// The Reg 15(2) limit.
    pub due_on: NaiveDate,
    /// Whether the plan went by it.
    pub on_time: bool,
}

impl From<PlanTransferredOut> for PlanTransferredOutReply {
    fn from(done: PlanTransferredOut) -> Self {
        Self {
            // Transferring the plan out always closes the case; the core's outcome does
            // not repeat it.
            stage: CaseStage::Closed,
            due_on: done.due_on,
            on_time: done.on_time,
        }
    }
}

/// `POST /requests/{id}/mediation`.
#[derive(Debug, Serialize, ToSchema)]
pub struct MediationRequestedReply {
    /// The authority's last day to hold mediation (regs. 36-37).
    pub mediation_by: NaiveDate,
}

/// `POST /requests/{id}/mediation/outcome`.
#[derive(Debug, Serialize, ToSchema)]
pub struct MediationConcludedReply {
    /// Whether it ended within the 30 days of regs. 36-37.
    pub within_thirty_days: bool,
    /// The family's last day to appeal (Tribunal rule 20).
    pub appeal_by: NaiveDate,
}

impl From<MediationConcluded> for MediationConcludedReply {
    fn from(done: MediationConcluded) -> Self {
        Self {
            within_thirty_days: done.within_thirty_days,
            appeal_by: done.appeal_by,
        }
    }
}

/// `POST /requests/{id}/appeal`.
#[derive(Debug, Serialize, ToSchema)]
pub struct AppealLodgedReply {
    /// The family's last day to appeal (Tribunal rule 20).
    pub appeal_by: NaiveDate,
    /// Whether the appeal came by it (the Tribunal may still admit a late one).
    pub in_time: bool,
}

impl From<AppealLodged> for AppealLodgedReply {
    fn from(lodged: AppealLodged) -> Self {
        Self {
            appeal_by: lodged.appeal_by,
            in_time: lodged.in_time,
        }
    }
}

/// `POST /requests/{id}/tribunal-decision`.
#[derive(Debug, Serialize, ToSchema)]
pub struct TribunalDecidedReply {
    /// The case's stage afterwards.
    pub stage: CaseStage,
    /// The steps the order set (none without an order), with their last days.
    pub steps: Vec<OrderStepDue>,
}

impl From<TribunalDecided> for TribunalDecidedReply {
    fn from(decided: TribunalDecided) -> Self {
        Self {
            stage: decided.stage,
            steps: decided
                .steps
                .into_iter()
                .map(|(step, due_on)| OrderStepDue { step, due_on })
                .collect(),
        }
    }
}

/// One step a Tribunal order set.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderStepDue {
    /// The step (e.g. `notify_assessment`), as `tribunal-order-complied` names it.
    pub step: String,
    /// Its last day (reg. 44(2)).
    pub due_on: NaiveDate,
}

/// `GET /sittings`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SittingsReply {
    /// The sittings the caller may see.
    pub sittings: Vec<Sitting>,
}

/// `POST /sittings/{id}/open`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SittingOpenedReply {
    /// Always `open`.
    pub status: SittingStatus,
}

/// `POST /sittings/{id}/attendance`.
#[derive(Debug, Serialize, ToSchema)]
pub struct PresentReply {
    /// Always `true`.
    pub present: bool,
    /// False when the member was already present.
    pub changed: bool,
}
