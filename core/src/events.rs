//! What the log records, typed: one [`CaseEvent`] variant per fact, each a struct of
//! typed fields. Commands build these, the store writes them as JSON beside their kind
//! and schema version, and every reader (letters, reports, minutes, views, the
//! workflow's own checks) `match`es on them, so renaming a field is a compile error in
//! every reader instead of a letter that silently loses a date at run time.
//!
//! The JSON of each struct is the payload as the log has always stored it (field names
//! included), so rows written before events were typed read back unchanged; a later
//! change of shape bumps [`crate::domain::EVENT_SCHEMA_VERSION`] and adds an upcaster
//! in [`upcast`], never a rewrite of stored rows.

use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};

use crate::clock::TransferKind;
use crate::domain::{
    AdviceSource, AgendaItemId, AuthorityId, CaseStage, ChildId, DeadlineId, DeadlineKind,
    DecisionId, DecisionKind, DecisionOutcome, DocumentId, DocumentKind, EventKind, ExceptionId,
    ExceptionLimb, LaNumber, PanelRole, Proposal, RequestId, RequestedBy, ReviewDecision,
    SittingId, Slug, UserId, UserRole, VoteChoice, VoteId,
};
use crate::notify::LetterKind;
use crate::panel::quorum::QuorumCheck;
use crate::panel::tally::{Counts, View};

/// One fact in the log. The variant is the event's kind (see [`EventKind`], which
/// documents each); the struct inside holds its details. Most are about one case; a
/// few (an authority registered, a user added, a sitting scheduled) are about the
/// authority, and carry no case id in the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", content = "payload", rename_all = "snake_case")]
#[allow(missing_docs)] // each variant is documented on its `EventKind`
pub enum CaseEvent {
    AuthorityRegistered(AuthorityRegistered),
    UserAdded(UserAdded),
    AccountChanged(AccountChanged),
    RequestReceived(RequestReceived),
    DeadlineSet(DeadlineSet),
    AgendaItemAdded(AgendaItemAdded),
    VoteCast(VoteCast),
    DecisionRecorded(DecisionRecorded),
    DocumentStored(DocumentStored),
    AdviceRecorded(AdviceRecorded),
    NextStepsOutcomeRecorded(NextStepsOutcomeRecorded),
    ExceptionRecorded(ExceptionRecorded),
    AdviceRequested(AdviceRequested),
    AdviceReceived(AdviceReceived),
    DraftPlanServed(DraftPlanServed),
    FinalPlanIssued(FinalPlanIssued),
    ReviewMeetingScheduled(ReviewMeetingScheduled),
    ReviewDecisionRecorded(ReviewDecisionRecorded),
    PhaseTransferPlanned(PhaseTransferPlanned),
    PhaseTransferCompleted(PhaseTransferCompleted),
    MoveOutNotified(MoveOutNotified),
    PlanTransferredOut(PlanTransferredOut),
    PlanTransferredIn(PlanTransferredIn),
    TransferNoticeSent(TransferNoticeSent),
    MediationRequested(MediationRequested),
    MediationConcluded(MediationConcluded),
    AppealLodged(AppealLodged),
    TribunalDecided(TribunalDecided),
    TribunalOrderComplied(TribunalOrderComplied),
    SittingScheduled(SittingScheduled),
    PapersOpened(PapersOpened),
    ConflictDeclared(ConflictDeclared),
    AgendaItemClosed(AgendaItemClosed),
    NextStepsMeetingArranged(NextStepsMeetingArranged),
    EvidenceAdded(EvidenceAdded),
    AdviceLinkSent(AdviceLinkSent),
    AdviceChased(AdviceChased),
    AdviceLinkRevoked(AdviceLinkRevoked),
    CaseAllocated(CaseAllocated),
    RequestWithdrawn(RequestWithdrawn),
    CaseClosed(CaseClosed),
    CaseReopened(CaseReopened),
    ChildDetailsCorrected(ChildDetailsCorrected),
    CaseNoteRecorded(CaseNoteRecorded),
    PlanImported(PlanImported),
    RequestImported(RequestImported),
    PlacementDecided(PlacementDecided),
    FundingCommitted(FundingCommitted),
}

impl CaseEvent {
    /// The kind, as the log's `kind` column and every filter name it.
    pub fn kind(&self) -> EventKind {
        match self {
            Self::AuthorityRegistered(_) => EventKind::AuthorityRegistered,
            Self::UserAdded(_) => EventKind::UserAdded,
            Self::AccountChanged(_) => EventKind::AccountChanged,
            Self::RequestReceived(_) => EventKind::RequestReceived,
            Self::DeadlineSet(_) => EventKind::DeadlineSet,
            Self::AgendaItemAdded(_) => EventKind::AgendaItemAdded,
            Self::VoteCast(_) => EventKind::VoteCast,
            Self::DecisionRecorded(_) => EventKind::DecisionRecorded,
            Self::DocumentStored(_) => EventKind::DocumentStored,
            Self::AdviceRecorded(_) => EventKind::AdviceRecorded,
            Self::NextStepsOutcomeRecorded(_) => EventKind::NextStepsOutcomeRecorded,
            Self::ExceptionRecorded(_) => EventKind::ExceptionRecorded,
            Self::AdviceRequested(_) => EventKind::AdviceRequested,
            Self::AdviceReceived(_) => EventKind::AdviceReceived,
            Self::DraftPlanServed(_) => EventKind::DraftPlanServed,
            Self::FinalPlanIssued(_) => EventKind::FinalPlanIssued,
            Self::ReviewMeetingScheduled(_) => EventKind::ReviewMeetingScheduled,
            Self::ReviewDecisionRecorded(_) => EventKind::ReviewDecisionRecorded,
            Self::PhaseTransferPlanned(_) => EventKind::PhaseTransferPlanned,
            Self::PhaseTransferCompleted(_) => EventKind::PhaseTransferCompleted,
            Self::MoveOutNotified(_) => EventKind::MoveOutNotified,
            Self::PlanTransferredOut(_) => EventKind::PlanTransferredOut,
            Self::PlanTransferredIn(_) => EventKind::PlanTransferredIn,
            Self::TransferNoticeSent(_) => EventKind::TransferNoticeSent,
            Self::MediationRequested(_) => EventKind::MediationRequested,
            Self::MediationConcluded(_) => EventKind::MediationConcluded,
            Self::AppealLodged(_) => EventKind::AppealLodged,
            Self::TribunalDecided(_) => EventKind::TribunalDecided,
            Self::TribunalOrderComplied(_) => EventKind::TribunalOrderComplied,
            Self::SittingScheduled(_) => EventKind::SittingScheduled,
            Self::PapersOpened(_) => EventKind::PapersOpened,
            Self::ConflictDeclared(_) => EventKind::ConflictDeclared,
            Self::AgendaItemClosed(_) => EventKind::AgendaItemClosed,
            Self::NextStepsMeetingArranged(_) => EventKind::NextStepsMeetingArranged,
            Self::EvidenceAdded(_) => EventKind::EvidenceAdded,
            Self::AdviceLinkSent(_) => EventKind::AdviceLinkSent,
            Self::AdviceChased(_) => EventKind::AdviceChased,
            Self::AdviceLinkRevoked(_) => EventKind::AdviceLinkRevoked,
            Self::CaseAllocated(_) => EventKind::CaseAllocated,
            Self::RequestWithdrawn(_) => EventKind::RequestWithdrawn,
            Self::CaseClosed(_) => EventKind::CaseClosed,
            Self::CaseReopened(_) => EventKind::CaseReopened,
            Self::ChildDetailsCorrected(_) => EventKind::ChildDetailsCorrected,
            Self::CaseNoteRecorded(_) => EventKind::CaseNoteRecorded,
            Self::PlanImported(_) => EventKind::PlanImported,
            Self::RequestImported(_) => EventKind::RequestImported,
            Self::PlacementDecided(_) => EventKind::PlacementDecided,
            Self::FundingCommitted(_) => EventKind::FundingCommitted,
        }
    }

    /// The payload as stored: the struct's JSON, without its kind (which has a column
    /// of its own).
    pub fn to_payload(&self) -> Result<serde_json::Value, serde_json::Error> {
        let mut tagged = serde_json::to_value(self)?;
        Ok(tagged
            .get_mut("payload")
            .map(serde_json::Value::take)
            .unwrap_or(serde_json::Value::Null))
    }

    /// Reads a stored payload of `kind`, written under `schema_version`, upcasting an
    /// older shape first.
    pub fn from_payload(
        kind: EventKind,
        schema_version: i32,
        payload: serde_json::Value,
    ) -> Result<Self, serde_json::Error> {
        let payload = upcast(kind, schema_version, payload);
        serde_json::from_value(serde_json::json!({ "kind": kind, "payload": payload }))
    }
}

/// Brings a payload written under an older schema version to this build's shape. Every
/// shape so far is version 1, which is today's; the next change of shape adds its
/// step here, keyed by kind and the version it upgrades from.
fn upcast(_kind: EventKind, _schema_version: i32, payload: serde_json::Value) -> serde_json::Value {
    payload
}

/// An authority was registered from its configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuthorityRegistered {
    /// The authority.
    pub authority: AuthorityId,
    /// Its DfE local authority number.
    pub la_number: LaNumber,
}

/// A user was added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UserAdded {
    /// The user.
    pub user: UserId,
    /// Their role.
    pub role: UserRole,
}

/// Something about a user's account changed: who, and what (never a password, a
/// secret or an address). The event's actor is whoever changed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AccountChanged {
    /// The user whose account changed.
    pub user: UserId,
    /// What changed.
    pub change: AccountChange,
}

/// What changed about an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum AccountChange {
    /// Switched off: sessions ended and API tokens revoked in the same transaction.
    Disabled {
        /// How many sessions ended.
        sessions_ended: u32,
        /// How many API tokens were revoked.
        tokens_revoked: u32,
    },
    /// Switched on again (tokens stay revoked; new ones must be issued).
    Enabled,
    /// Given another role.
    RoleChanged {
        /// The role before.
        from: UserRole,
        /// The role now.
        to: UserRole,
    },
    /// The person changed their password.
    PasswordChanged,
    /// A reset link was sent to the account's address.
    PasswordResetSent,
    /// The password was set through a reset link.
    PasswordReset,
    /// A second factor was enrolled, with new recovery codes.
    TwoFactorEnrolled,
    /// The second factor was removed by an operator (a lost phone, the recovery codes
    /// gone); the person sets one up again at their next sign-in.
    TwoFactorReset,
    /// The person signed out of every browser.
    SignedOutEverywhere,
    /// The person turned the daily deadline digest e-mail on or off.
    DeadlineDigestChanged {
        /// Whether they get it from now on.
        on: bool,
    },
}

/// A request for assessment was received and its case opened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RequestReceived {
    /// The request.
    pub request: RequestId,
    /// The child.
    pub child: ChildId,
    /// The day it was received: the 6 weeks of reg. 5(1) count from it.
    pub received_on: NaiveDate,
    /// Who asked.
    pub requested_by: RequestedBy,
}

/// A limit was set on a case, with the rule behind it as it read when set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DeadlineSet {
    /// Which limit.
    pub kind: DeadlineKind,
    /// What it is about, where a case has several of one kind (an advice source, a
    /// Tribunal order's step).
    #[serde(default)]
    pub subject: Option<String>,
    /// Its last day.
    pub due_on: NaiveDate,
    /// The rule, in words, as it stood when the limit was set.
    pub rule: String,
    /// The limit's id, so a later fact can settle this one among several of its kind.
    /// Logs written before commands were pure folds lack it; [`crate::workflow::CaseState`]
    /// finds those ids in the deadlines table when it loads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<DeadlineId>,
}

/// A case was put on a sitting's agenda.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AgendaItemAdded {
    /// The sitting.
    pub sitting: SittingId,
    /// The item.
    pub item: AgendaItemId,
    /// The sitting's day.
    pub sits_on: NaiveDate,
    /// The kind of decision asked for.
    pub decision_kind: DecisionKind,
    /// What is proposed.
    pub proposal: Proposal,
}

/// A member voted, or changed their vote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct VoteCast {
    /// The item.
    pub item: AgendaItemId,
    /// The vote.
    pub vote: VoteId,
    /// The seat the member voted from.
    pub role: PanelRole,
    /// For or against the proposal, or abstaining.
    pub choice: VoteChoice,
    /// Whether it replaced an earlier vote of theirs.
    pub changed: bool,
}

/// A decision was recorded: whether to assess, whether to issue a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DecisionRecorded {
    /// The decision.
    pub decision: DecisionId,
    /// Which decision.
    pub kind: DecisionKind,
    /// Agreed or refused.
    pub outcome: DecisionOutcome,
    /// The day decided (may be before the day recorded).
    pub decided_on: NaiveDate,
    /// For the decision whether to assess: within the 6 weeks of reg. 5(1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within_six_weeks: Option<bool>,
    /// For the decision whether to issue: within the 16 weeks of reg. 10(1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within_sixteen_weeks: Option<bool>,
    /// Why the decision departs from the plugin's advice, when it does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub departure_reason: Option<String>,
    /// On a refusal: the family's last day to contact a mediation adviser (reg. 33).
    #[serde(default)]
    pub mediation_contact_by: Option<NaiveDate>,
    /// On a refusal: the family's last day to appeal (Tribunal rule 20).
    #[serde(default)]
    pub appeal_by: Option<NaiveDate>,
    /// The reasons, as the family reads them: the decision's row is made from this
    /// fact. Absent from logs written before commands were pure folds (the row holds
    /// them there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasons: Option<String>,
    /// The agenda item the decision closed, when made at a panel sitting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agenda_item: Option<AgendaItemId>,
}

/// A document was stored on a case: today, a letter the notifier wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DocumentStored {
    /// The document.
    pub document: DocumentId,
    /// What kind of document.
    pub kind: DocumentKind,
    /// Which letter, for a letter.
    #[serde(default)]
    pub letter: Option<LetterKind>,
    /// The template's version, for a letter.
    #[serde(default)]
    pub template_version: Option<String>,
    /// Whether it was queued to the family by e-mail too.
    #[serde(default)]
    pub emailed: bool,
}

/// A policy plugin advised on the case (or could not).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AdviceRecorded {
    /// The advice record, which holds the plugin's input, answer and fuel.
    pub advice_id: String,
    /// Which question the plugin was asked.
    pub call: String,
    /// The plugin that answered, by the SHA-256 of its bytes.
    pub plugin_sha256: String,
    /// `advice`, or why there was none.
    pub outcome: String,
}

/// The next-steps meeting after a refusal to assess, and its outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NextStepsOutcomeRecorded {
    /// The day of the meeting.
    pub met_on: NaiveDate,
    /// What was agreed.
    pub outcome: crate::workflow::NextStepsOutcome,
    /// The notes, as recorded.
    pub notes: String,
}

/// An exception to a time limit was claimed: the limit is disapplied, its date kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ExceptionRecorded {
    /// The exception.
    pub exception: ExceptionId,
    /// The limit disapplied.
    pub deadline: DeadlineKind,
    /// The limit's subject, where the case has several of its kind.
    #[serde(default)]
    pub subject: Option<String>,
    /// The limit's day, unchanged.
    pub due_on: NaiveDate,
    /// Which limb of the regulation.
    pub limb: ExceptionLimb,
    /// The regulation cited.
    pub citation: String,
    /// From when it applied.
    pub applies_from: NaiveDate,
    /// Until when, if it has ended.
    #[serde(default)]
    pub applies_to: Option<NaiveDate>,
    /// When the family was told.
    pub family_told_on: NaiveDate,
    /// The one limit disapplied, by id (never its siblings of the same kind).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline_id: Option<DeadlineId>,
    /// What shows the exception applies, so the claim can be checked later.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
}

/// Advice was asked of one source during the assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AdviceRequested {
    /// The request's own 6-week limit (reg. 8(1)).
    pub deadline: DeadlineId,
    /// Whom it was asked of.
    pub from: AdviceSource,
    /// The day asked.
    pub requested_on: NaiveDate,
}

/// Advice asked of one source arrived.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AdviceReceived {
    /// The limit it met.
    pub deadline: DeadlineId,
    /// Who gave it.
    pub from: AdviceSource,
    /// The day it arrived.
    pub received_on: NaiveDate,
    /// The limit's day.
    pub due_on: NaiveDate,
    /// Whether it came within the 6 weeks.
    pub within_six_weeks: bool,
}

/// The draft plan was served.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DraftPlanServed {
    /// The day served.
    pub served_on: NaiveDate,
    /// The last day of the 15 for representations (reg. 13(1)).
    pub representations_by: NaiveDate,
}

/// The final plan was issued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FinalPlanIssued {
    /// The day issued: the first annual review's 12 months start with it.
    pub issued_on: NaiveDate,
    /// The 20-week limit's day, if one was running.
    #[serde(default)]
    pub due_on: Option<NaiveDate>,
    /// Whether it was issued within the 20 weeks of reg. 13(2).
    pub within_twenty_weeks: bool,
}

/// An annual review meeting was arranged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReviewMeetingScheduled {
    /// The day of the meeting.
    pub meeting_on: NaiveDate,
    /// Papers are due by this day (reg. 20(3)-(4), 21).
    pub papers_by: NaiveDate,
    /// The report is due by this day (reg. 20(7)).
    pub report_by: NaiveDate,
    /// The authority's decision is due by this day (reg. 20(10)).
    pub decision_by: NaiveDate,
}

/// The decision after an annual review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReviewDecisionRecorded {
    /// The decision.
    pub decision: DecisionId,
    /// Always the annual review kind.
    pub kind: DecisionKind,
    /// Always agreed: the authority reached a decision.
    pub outcome: DecisionOutcome,
    /// Maintain, amend or cease.
    pub choice: ReviewDecision,
    /// The day decided: the next 12 months start with it.
    pub decided_on: NaiveDate,
    /// Whether within the 4 weeks of reg. 20(10).
    pub within_four_weeks: bool,
    /// The next annual review's day, on maintain or amend.
    #[serde(default)]
    pub next_review_by: Option<NaiveDate>,
    /// The amended plan's day, on amend (reg. 22(3)).
    #[serde(default)]
    pub amended_plan_by: Option<NaiveDate>,
    /// On maintain or cease: the family's last day to contact a mediation adviser.
    #[serde(default)]
    pub mediation_contact_by: Option<NaiveDate>,
    /// On maintain or cease: the family's last day to appeal.
    #[serde(default)]
    pub appeal_by: Option<NaiveDate>,
    /// The reasons, as the family reads them (see [`DecisionRecorded::reasons`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasons: Option<String>,
    /// The agenda item the decision closed, when made at a panel sitting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agenda_item: Option<AgendaItemId>,
}

/// A phase transfer is coming.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PhaseTransferPlanned {
    /// The calendar year of the transfer.
    pub transfer_year: i32,
    /// Which transfer.
    pub transfer_kind: TransferKind,
    /// The reg. 18 day.
    pub due_on: NaiveDate,
}

/// The plan was amended for the phase transfer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PhaseTransferCompleted {
    /// The day amended.
    pub amended_on: NaiveDate,
    /// The next school or college.
    pub next_setting: String,
    /// The reg. 18 day.
    pub due_on: NaiveDate,
    /// Whether on or before it.
    pub on_time: bool,
}

/// The child is moving to another authority's area.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MoveOutNotified {
    /// The new authority.
    pub to_authority: String,
    /// The day this authority learned of the move.
    pub aware_on: NaiveDate,
    /// The day of the move.
    pub moves_on: NaiveDate,
    /// The reg. 15(2) day for the plan to follow.
    pub due_on: NaiveDate,
}

/// The plan was transferred to the new authority.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PlanTransferredOut {
    /// The day transferred.
    pub transferred_on: NaiveDate,
    /// The reg. 15(2) day.
    pub due_on: NaiveDate,
    /// Whether on or before it.
    pub on_time: bool,
}

/// A plan maintained by another authority was transferred to this one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PlanTransferredIn {
    /// The old authority.
    pub from_authority: String,
    /// The day transferred.
    pub transferred_on: NaiveDate,
    /// The plan counts as made on its original day (reg. 15(3)(a)); read under the
    /// same name as a plan issued here.
    pub issued_on: NaiveDate,
    /// Its last review, if any.
    #[serde(default)]
    pub last_reviewed_on: Option<NaiveDate>,
    /// The family's notice is due by this day (reg. 15(4)).
    pub notice_by: NaiveDate,
    /// The next review is due by this day.
    pub review_by: NaiveDate,
}

/// The family was told the plan was transferred.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TransferNoticeSent {
    /// The day sent.
    pub sent_on: NaiveDate,
    /// Whether the authority will assess.
    pub will_assess: bool,
    /// When it will review, if it said.
    #[serde(default)]
    pub review_by: Option<NaiveDate>,
    /// The reg. 15(4) day.
    pub due_on: NaiveDate,
    /// Whether on or before it.
    pub on_time: bool,
}

/// The family asked for mediation on a decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MediationRequested {
    /// The decision disputed.
    pub decision: DecisionId,
    /// Its kind.
    pub decision_kind: DecisionKind,
    /// When its notice was sent.
    pub notice_sent_on: NaiveDate,
    /// When mediation was asked for.
    pub requested_on: NaiveDate,
    /// The authority's 30 days to hold it end on this day (reg. 37).
    pub mediation_by: NaiveDate,
    /// The family's last day to contact a mediation adviser.
    #[serde(default)]
    pub mediation_contact_by: Option<NaiveDate>,
}

/// Mediation ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MediationConcluded {
    /// The day it ended.
    pub ended_on: NaiveDate,
    /// How.
    pub outcome: crate::workflow::MediationOutcome,
    /// The certificate's day, if one was issued.
    #[serde(default)]
    pub certificate_issued_on: Option<NaiveDate>,
    /// Whether held within the 30 days.
    pub within_thirty_days: bool,
    /// The family's appeal day after it.
    pub appeal_by: NaiveDate,
}

/// The family appealed a decision to the Tribunal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AppealLodged {
    /// The decision appealed.
    pub decision: DecisionId,
    /// Its kind.
    pub decision_kind: DecisionKind,
    /// When its notice was sent.
    pub notice_sent_on: NaiveDate,
    /// When the appeal was lodged.
    pub lodged_on: NaiveDate,
    /// The mediation certificate's day, if there was one.
    #[serde(default)]
    pub mediation_certificate_issued_on: Option<NaiveDate>,
    /// The family's last day to appeal.
    pub appeal_by: NaiveDate,
    /// Whether lodged by then.
    pub in_time: bool,
}

/// The Tribunal decided an appeal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TribunalDecided {
    /// The day decided.
    pub decided_on: NaiveDate,
    /// Upheld, dismissed, withdrawn, conceded.
    pub outcome: crate::workflow::TribunalOutcome,
    /// What it ordered, if anything.
    #[serde(default)]
    pub order: Option<crate::workflow::TribunalOrder>,
    /// The steps the order requires, each with its last day (reg. 44(2)).
    #[serde(default)]
    pub steps: Vec<OrderStep>,
}

/// One step a Tribunal order requires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OrderStep {
    /// The step.
    pub step: Option<String>,
    /// Its last day.
    pub due_on: NaiveDate,
}

/// The authority did what the Tribunal ordered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TribunalOrderComplied {
    /// The step done.
    pub step: String,
    /// The day done.
    pub complied_on: NaiveDate,
    /// Its last day.
    pub due_on: NaiveDate,
    /// Whether on or before it.
    pub on_time: bool,
}

/// A panel sitting was arranged with its members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SittingScheduled {
    /// The sitting.
    pub sitting: SittingId,
    /// The panel's code.
    pub panel: Slug,
    /// The panel's name.
    pub panel_name: String,
    /// The day.
    pub sits_on: NaiveDate,
    /// The time it starts.
    #[serde(with = "hours_minutes")]
    #[schema(value_type = String, pattern = "^[0-2][0-9]:[0-5][0-9]$", examples("09:30"))]
    pub starts_at: NaiveTime,
    /// Where.
    pub location: String,
    /// Who sits, in which seat.
    pub members: Vec<SeatedMember>,
}

/// A member as a sitting was arranged with them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SeatedMember {
    /// The member.
    pub user: UserId,
    /// Their seat.
    pub role: PanelRole,
}

/// A member opened a case's papers for a sitting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PapersOpened {
    /// The item.
    pub item: AgendaItemId,
    /// The sitting.
    pub sitting: SittingId,
    /// The reader's seat.
    pub role: PanelRole,
}

/// A member declared a conflict of interest on a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ConflictDeclared {
    /// The item.
    pub item: AgendaItemId,
    /// The member's seat.
    pub role: PanelRole,
    /// Why, for the minutes.
    pub reason: String,
}

/// The chair closed an agenda item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AgendaItemClosed {
    /// The item.
    pub item: AgendaItemId,
    /// Decided or deferred.
    pub status: ItemClosing,
    /// The decision it closed with, when decided.
    #[serde(default)]
    pub decision: Option<DecisionId>,
    /// Why it was deferred, when deferred.
    #[serde(default)]
    pub why: Option<String>,
    /// What the panel's record said at closing.
    pub record: ClosingRecord,
}

/// How an agenda item closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemClosing {
    /// With a decision, recorded in the same transaction.
    Decided,
    /// Left for a later sitting.
    Deferred,
}

/// The panel's record at closing, kept with the closing and the minutes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ClosingRecord {
    /// What was proposed.
    pub proposal: Option<Proposal>,
    /// The latest votes of members free of conflicts.
    pub counts: Counts,
    /// What they said under the panel's rule.
    pub view: View,
    /// Whether the panel was quorate, and if not why.
    pub quorum: QuorumCheck,
    /// Whether the chair departed from the majority (with a reason).
    pub departed_from_majority: bool,
}

/// A next-steps meeting with the family was arranged after a refusal to assess.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NextStepsMeetingArranged {
    /// The day.
    pub meets_on: NaiveDate,
    /// The time it starts.
    #[serde(with = "hours_minutes")]
    #[schema(value_type = String, pattern = "^[0-2][0-9]:[0-5][0-9]$", examples("09:30"))]
    pub starts_at: NaiveTime,
    /// Where.
    pub location: String,
    /// Whom the family will meet.
    pub with: Vec<String>,
}

/// Times of day as the log has always written them: `09:30`.
mod hours_minutes {
    use chrono::NaiveTime;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(time: &NaiveTime, out: S) -> Result<S::Ok, S::Error> {
        out.collect_str(&time.format("%H:%M"))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(input: D) -> Result<NaiveTime, D::Error> {
        let text = String::deserialize(input)?;
        NaiveTime::parse_from_str(&text, "%H:%M")
            .or_else(|_| NaiveTime::parse_from_str(&text, "%H:%M:%S"))
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::IntoEnumIterator;

    /// Every kind the log knows has a typed fact, under the same name: a kind added
    /// without its struct (or the other way round) fails here, not in a letter.
    #[test]
    fn every_kind_reads_back_through_its_own_variant() {
        for kind in EventKind::iter() {
            let error = CaseEvent::from_payload(kind, 1, serde_json::json!({}))
                .expect_err("an empty payload lacks required fields");
            assert!(
                !error.to_string().contains("unknown variant"),
                "{kind} has no CaseEvent variant: {error}"
            );
        }
    }

    /// A payload as today's code wrote it reads back typed, and writes back the same.
    #[test]
    fn a_stored_decision_reads_back_typed_and_writes_the_same_json() {
        let stored = serde_json::json!({
            "decision": "01936f6e-8f4a-7cc3-9a37-2b1a52f0e8a1",
            "kind": "assess",
            "outcome": "refused",
            "decided_on": "2023-10-02",
            "within_six_weeks": true,
            "departure_reason": null,
            "mediation_contact_by": "2023-12-04",
            "appeal_by": "2023-12-04",
        });
        let fact = CaseEvent::from_payload(EventKind::DecisionRecorded, 1, stored.clone())
            .expect("today's payload reads");
        let CaseEvent::DecisionRecorded(decided) = &fact else {
            panic!("read as another kind: {fact:?}");
        };
        assert_eq!(decided.outcome, DecisionOutcome::Refused);
        assert_eq!(decided.within_six_weeks, Some(true));
        assert_eq!(decided.within_sixteen_weeks, None);
        let mut again = fact.to_payload().expect("writes");
        // A null departure reason is written as absent; nothing else changes.
        let mut expected = stored;
        if let Some(map) = expected.as_object_mut() {
            map.remove("departure_reason");
        }
        if let Some(map) = again.as_object_mut() {
            map.remove("departure_reason");
        }
        assert_eq!(again, expected);
    }

    #[test]
    fn times_of_day_keep_their_stored_form() {
        let fact = CaseEvent::from_payload(
            EventKind::NextStepsMeetingArranged,
            1,
            serde_json::json!({
                "meets_on": "2023-10-20", "starts_at": "09:30",
                "location": "Room 3", "with": ["SENCO"],
            }),
        )
        .expect("reads");
        assert_eq!(
            fact.to_payload().expect("writes")["starts_at"],
            serde_json::json!("09:30")
        );
    }
}

/// A document was added to the case as evidence: what it is, and which bytes (the
/// store keeps them under their SHA-256).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EvidenceAdded {
    /// The document's id.
    #[schema(value_type = String)]
    pub evidence: crate::domain::DocumentId,
    /// What it is.
    pub kind: crate::domain::EvidenceKind,
    /// Hex SHA-256 of its bytes.
    pub sha256: String,
    /// How it arrived.
    pub received_through: crate::domain::ReceivedThrough,
}

/// A professional was sent a link to upload the advice asked of them (SEND Regulations
/// 2014 reg. 6, 8): the letter and e-mail went out in the same transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AdviceLinkSent {
    /// The link.
    #[schema(value_type = String)]
    pub link: crate::domain::AdviceLinkId,
    /// The request for advice it answers.
    #[schema(value_type = String)]
    pub deadline: DeadlineId,
    /// Whom the advice was asked of.
    pub from: crate::domain::AdviceSource,
    /// The last moment the link works.
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

/// A chaser e-mail went to a professional whose advice is still awaited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AdviceChased {
    /// The link the chaser repeats.
    #[schema(value_type = String)]
    pub link: crate::domain::AdviceLinkId,
    /// How many days before the 6-week limit it went.
    pub days_before: u32,
}

/// A caseworker revoked an advice link: it accepts nothing from now on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AdviceLinkRevoked {
    /// The link.
    #[schema(value_type = String)]
    pub link: crate::domain::AdviceLinkId,
}

/// A placement was decided: the setting the plan names, from when, and who pays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PlacementDecided {
    /// The placement recorded.
    #[schema(value_type = String)]
    pub placement: crate::domain::PlacementId,
    /// The setting, from the authority's register.
    #[schema(value_type = String)]
    pub setting: crate::domain::EducationSettingId,
    /// Its kind when decided.
    pub kind: crate::domain::ProviderKind,
    /// Whether it is outside the authority's area.
    pub out_of_area: bool,
    /// The first day of the placement.
    pub starts_on: NaiveDate,
    /// Whether health or social care pay a share.
    pub joint_funded: bool,
    /// Why an independent setting, when it is one.
    pub independent_justification: Option<crate::domain::IndependentJustification>,
    /// The reasons recorded.
    pub reasons: String,
}

/// A band and its funding were committed on the plan, from a day: a change of band is
/// a new commitment, never an edit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FundingCommitted {
    /// The commitment recorded.
    #[schema(value_type = String)]
    pub commitment: crate::domain::CommitmentId,
    /// The placement it funds.
    #[schema(value_type = String)]
    pub placement: crate::domain::PlacementId,
    /// The band's code.
    pub band_code: String,
    /// Place funding, pence a year.
    pub place_funding_pence: i64,
    /// Top-up, pence a year.
    pub top_up_pence: i64,
    /// Whether the band or an amount departs from the plugin's advice (or there was
    /// none to confirm).
    pub departs_from_advice: bool,
    /// The first day funded.
    pub starts_on: NaiveDate,
    /// The funding model: bands for every commitment recorded before there were two.
    #[serde(default)]
    pub model: crate::domain::FundingModel,
}

/// The case was allocated to an officer (or its officer was taken off it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CaseAllocated {
    /// The officer now responsible; `None` when the case is left unallocated. Always
    /// written (as `null` when none), so a payload without it is refused, not read as
    /// "unallocated".
    #[schema(value_type = Option<String>)]
    #[serde(deserialize_with = "Option::deserialize")]
    pub officer: Option<UserId>,
    /// The officer before; `None` when it was unallocated.
    #[schema(value_type = Option<String>)]
    #[serde(deserialize_with = "Option::deserialize")]
    pub previous: Option<UserId>,
    /// Why, when the person allocating said.
    pub reason: Option<String>,
}

/// The family or young person withdrew the request; the case closed with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RequestWithdrawn {
    /// The day the family withdrew it.
    pub withdrawn_on: NaiveDate,
    /// Their reason, as they gave it.
    pub reason: String,
    /// The stage the case was at.
    pub from: CaseStage,
}

/// The case closed on its own: the decision stood.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CaseClosed {
    /// Why.
    pub reason: crate::domain::ClosedReason,
    /// The day it closed.
    pub closed_on: NaiveDate,
    /// The stage it was at, and reopens to.
    pub from: CaseStage,
}

/// A closed case reopened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CaseReopened {
    /// The stage it reopened at.
    pub to: CaseStage,
    /// What arrived: an appeal or a request for mediation.
    #[schema(value_type = String)]
    pub because: EventKind,
}

/// One of the child's details was corrected. The old and new values are kept in the
/// child's corrections, not in the log, so the log holds no more personal data than it
/// did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ChildDetailsCorrected {
    /// The child.
    pub child: ChildId,
    /// The correction.
    #[schema(value_type = String)]
    pub correction: crate::domain::ChildCorrectionId,
    /// Which detail.
    pub field: String,
}

/// A note of contact with the family or a professional was added to the case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CaseNoteRecorded {
    /// The note.
    #[schema(value_type = String)]
    pub note: crate::domain::CaseNoteId,
    /// The day the contact happened.
    pub occurred_on: NaiveDate,
}

/// A plan maintained before the authority used this service was imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PlanImported {
    /// The earlier system's reference, which a re-run of the import matches.
    pub reference: String,
    /// The day the final plan was issued.
    pub plan_issued_on: NaiveDate,
    /// The day of its last annual review, if it has had one.
    pub last_reviewed_on: Option<NaiveDate>,
}

/// A request open in the authority's earlier system was imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RequestImported {
    /// The earlier system's reference, which a re-run of the import matches.
    pub reference: String,
}
