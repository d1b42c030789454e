//! The domain model: what a SEND case is made of, in types that cannot hold nonsense.
//!
//! Meet these first:
//! - [`AuthorityId`]: every case belongs to exactly one local authority; storage never
//!   returns one authority's rows to another (see [`crate::store::AuthorityScope`]).
//! - [`Child`] with its [`Upn`] and optional [`NhsNumber`], both checked on construction.
//! - [`AssessmentRequest`]: a request for an EHC needs assessment; receiving it starts
//!   the statutory clock, so its `received_on` is a [`StatutoryDate`].
//! - [`Case`] and its [`CaseStage`]; [`Panel`], [`Sitting`], [`AgendaItem`], [`Vote`],
//!   [`Decision`]; [`Deadline`]; [`Document`]; and the append-only [`Event`] log.
//! - [`DeadlineException`]: a time limit disapplied by one [`ExceptionLimb`] of the
//!   Regulations (reg. 5(4), 8(2), 10(4), 13(3)), kept with its evidence; it never
//!   moves a date.
//! - [`User`], who belongs to one authority and holds one [`UserRole`]; an
//!   [`ApiToken`] lets a program act as that user without their password.
//! - [`StoredPlugin`], an authority's policy plugin known by its [`PluginHash`], and the
//!   append-only [`StoredAdvice`] it gave on a case.
//!
//! Ids are UUIDv7 newtypes: unguessable in URLs, ordered by creation, made by the
//! application so a multi-row write needs no round trip for generated keys.

mod authority;
mod case;
mod child;
mod contact;
mod deadline;
mod decision;
mod document;
mod error;
mod event;
mod evidence;
mod exception;
mod funding;
mod ids;
mod money;
mod panel;
mod plugin;
mod request;
mod session;
mod setting;
mod slug;
pub mod text;
mod user;

pub use authority::{Authority, AuthorityId, LaNumber};
pub use case::{Case, CaseStage, ClosedReason, Closure};
pub use child::{
    AuthorityReference, Child, EthnicityCode, NhsNumber, PersonName, Postcode, Sex, Upn,
};
pub use contact::{CaseNote, ChildCorrection, ChildField, NoteKind};
pub use deadline::{AdviceSource, Deadline, DeadlineKind, DeadlineStatus, StatutoryDate};
pub use decision::{Decision, DecisionKind, DecisionOutcome, Reasons, ReviewDecision};
pub use document::{Document, DocumentKind, DocumentListing};
pub use error::DomainError;
pub use event::{EVENT_SCHEMA_VERSION, Event, EventKind};
pub use evidence::{Evidence, EvidenceKind, NeedArea, ReceivedThrough};
pub use exception::{DeadlineException, ExceptionLimb};
pub use funding::{
    BandTerms, CommitmentSource, FundingCommitment, FundingElement, FundingModel, HoursTerms,
    ProposedCommitment,
};
pub use ids::{
    AccessId, AdviceId, AdviceLinkId, AgendaItemId, ApiTokenId, CaseId, CaseNoteId,
    ChildCorrectionId, ChildId, CommitmentId, ConflictId, DeadlineId, DecisionId, DocumentId,
    EducationSettingId, EventId, EvidenceOpeningId, ExceptionId, PanelId, PanelMemberId,
    PaperOpeningId, PlacementId, RequestId, SittingId, SittingMemberId, UserId, VoteId,
};
pub use money::Pence;
pub use panel::{
    AgendaItem, AgendaItemStatus, Conflict, Panel, PanelCode, PanelMember, PanelRole, PaperOpening,
    Proposal, Sitting, SittingMember, SittingStatus, Vote, VoteChoice,
};
pub use plugin::{NewAdvice, NewPlugin, PluginHash, PluginStatus, StoredAdvice, StoredPlugin};
pub use request::{AssessmentRequest, NeedType, RequestedBy, SettingType};
pub use session::{SecretPurpose, SessionEnd, SignInMethod};
pub use setting::{
    EducationSetting, IndependentJustification, Placement, PlacementTerms, ProposedPlacement,
    ProviderKind, Urn,
};
pub use slug::Slug;
pub use user::{Account, ApiToken, Email, PasswordHash, TotpSecret, User, UserRole};
