//! The append-only event log: who did what to which case, and when.
//!
//! Events are never updated or deleted (the database refuses it with triggers), so the
//! log is the audit trail a tribunal or the ombudsman can rely on. Each event carries a
//! schema version; later shapes are upcast on read, never rewritten in the table.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{AuthorityId, CaseId, EventId, UserId};

/// The payload schema version written by this build.
pub const EVENT_SCHEMA_VERSION: i32 = 1;

/// What happened. Past tense, one variant per fact; the workflow issue adds more.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::Display,
    strum::EnumIter,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum EventKind {
    /// An authority was registered from its configuration.
    AuthorityRegistered,
    /// A user was added.
    UserAdded,
    /// A user's account changed: disabled, enabled, role, password, second factor.
    AccountChanged,
    /// A request for assessment was received and a case opened.
    RequestReceived,
    /// A deadline was set on a case.
    DeadlineSet,
    /// A case was put on a sitting's agenda.
    AgendaItemAdded,
    /// A panel member voted (or changed their vote).
    VoteCast,
    /// A decision was recorded.
    DecisionRecorded,
    /// A document was stored on a case.
    DocumentStored,
    /// A policy plugin advised on the case (or could not); the advice record holds the
    /// plugin's hash, input, answer and fuel.
    AdviceRecorded,
    /// The outcome of the next-steps meeting after a refusal to assess.
    NextStepsOutcomeRecorded,
    /// An exception to a time limit was claimed (SEND Regulations 2014 reg. 5(4), 8(2),
    /// 10(4), 13(3)): the limit is disapplied, its date unchanged.
    ExceptionRecorded,
    /// Advice was requested from one source during the assessment (SEND Regulations
    /// 2014 reg. 6(1)); its own 6-week limit starts (reg. 8(1)).
    AdviceRequested,
    /// Advice asked of one source arrived; the oldest open limit for that source is met.
    AdviceReceived,
    /// The draft EHC plan was served on the family; at least 15 days for representations
    /// begin (reg. 13(1)).
    DraftPlanServed,
    /// The final EHC plan was issued (reg. 13(2)); annual reviews follow (CFA s.44(1)).
    FinalPlanIssued,
    /// An annual review meeting was arranged (SEND Regulations 2014 reg. 20-21): papers
    /// are due 2 weeks before it, the report 2 weeks after (reg. 20(7)) and the
    /// authority's decision within 4 weeks (reg. 20(10)).
    ReviewMeetingScheduled,
    /// The authority decided, after an annual review, to maintain, amend or cease the
    /// plan (reg. 20(10)); the next review's 12 months start with it (CFA s.44(1)).
    ReviewDecisionRecorded,
    /// A phase transfer is coming: the plan must be reviewed and amended by the Reg 18
    /// date.
    PhaseTransferPlanned,
    /// The plan was amended for the phase transfer, naming the next setting.
    PhaseTransferCompleted,
    /// The authority learned the child is moving to another authority's area; the plan
    /// must follow within the Reg 15(2) limit.
    MoveOutNotified,
    /// The plan was transferred to the new authority; this authority's case closes.
    PlanTransferredOut,
    /// A plan maintained by another authority was transferred to this one (Reg 15(3)):
    /// it is treated as this authority's own from the transfer.
    PlanTransferredIn,
    /// The family was told the plan was transferred, whether the authority will assess,
    /// and when it will review (Reg 15(4)).
    TransferNoticeSent,
    /// The family asked for mediation on a decision (CFA s.53; Reg 36-37).
    MediationRequested,
    /// Mediation ended: held or not, with its outcome and certificate.
    MediationConcluded,
    /// The family appealed a decision to the First-tier Tribunal (SEND) (CFA s.51).
    AppealLodged,
    /// The Tribunal decided an appeal, or it was withdrawn or conceded.
    TribunalDecided,
    /// The authority did what the Tribunal ordered.
    TribunalOrderComplied,
    /// A panel sitting was arranged with its members (not a case event): each member
    /// is sent an invitation with a calendar attachment.
    SittingScheduled,
    /// A member opened a case's papers for a sitting (UK GDPR art. 22: evidence that
    /// the human review was real).
    PapersOpened,
    /// A member declared a conflict of interest on a case; they cannot vote on it.
    ConflictDeclared,
    /// The chair closed an agenda item: decided (a `DecisionRecorded` follows in the
    /// same transaction) or deferred, with the quorum and tally at closing.
    AgendaItemClosed,
    /// A next-steps meeting with the family was arranged after a refusal to assess; the
    /// family is sent an invitation with a calendar attachment.
    NextStepsMeetingArranged,
    /// A document was added to the case as evidence.
    EvidenceAdded,
    /// A professional was sent a link to upload the advice asked of them.
    AdviceLinkSent,
    /// A chaser went to a professional whose advice is still awaited.
    AdviceChased,
    /// An advice link was revoked.
    AdviceLinkRevoked,
    /// The case was allocated to an officer, reallocated, or left unallocated.
    CaseAllocated,
    /// The family or young person withdrew the request; the case closed.
    RequestWithdrawn,
    /// The case closed: a refusal or a decision not to issue stood once the appeal
    /// window passed with no appeal, mediation or new request.
    CaseClosed,
    /// A closed case reopened: an appeal or mediation arrived for it after it closed.
    CaseReopened,
    /// One of the child's details was corrected; the old value is kept.
    ChildDetailsCorrected,
    /// A note of a call, e-mail, meeting or visit was added to the case.
    CaseNoteRecorded,
    /// A plan maintained before the authority used this service was imported, with its
    /// dates; its annual review clock starts from them.
    PlanImported,
    /// A request open in the authority's earlier system was imported; its clock runs
    /// from the day it was received there.
    RequestImported,
    /// A placement was decided: the setting named, from when, and who pays.
    PlacementDecided,
    /// A band and its funding were committed on the plan, from a day.
    FundingCommitted,
}

impl EventKind {
    /// Whether events of this kind are written only as the consequence of another
    /// event in the same command (a deadline the decision sets, the letter the notifier
    /// stores): when a person is told what last changed a case, they are told of the
    /// event that caused these, not of these.
    pub fn is_consequence(self) -> bool {
        matches!(self, Self::DeadlineSet | Self::DocumentStored)
    }
}

/// One entry of the log: the envelope (who, when, which case, where in its stream)
/// around one typed fact. Serialised for the API as `kind` and `payload` beside the
/// envelope's fields, as the log stores it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Event {
    /// The event's id (UUIDv7, so ids sort in the order events were made).
    pub id: EventId,
    /// The authority.
    pub authority_id: AuthorityId,
    /// The case, for case events.
    pub case_id: Option<CaseId>,
    /// Position in the case's stream, from 1; two writers racing for the same position
    /// fail with a conflict instead of interleaving.
    pub case_sequence: Option<i64>,
    /// The payload schema version it was written under (read back in this build's
    /// shape whatever it was).
    pub schema_version: i32,
    /// What happened, typed.
    #[serde(flatten)]
    pub fact: crate::events::CaseEvent,
    /// Who did it; `None` for the system (demo seeding, start-up registration).
    pub actor: Option<UserId>,
    /// When.
    pub occurred_at: DateTime<Utc>,
}

impl Event {
    /// What happened, as its kind.
    pub fn kind(&self) -> EventKind {
        self.fact.kind()
    }
}
