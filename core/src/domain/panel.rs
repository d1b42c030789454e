//! Panels, their sittings, agendas and votes.
//!
//! The rules a panel follows (member roles, quorum, voting rule) are the authority's
//! choice and live in [`crate::config::PanelConfig`]; these types are the record of what
//! actually happened at a sitting.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

use super::{
    AgendaItemId, AuthorityId, CaseId, ConflictId, DecisionKind, DomainError, PanelId,
    PanelMemberId, PaperOpeningId, SittingId, SittingMemberId, Slug, UserId, VoteId,
};

/// A panel's code within its authority (`sen-panel`, `ipop`).
pub type PanelCode = Slug;

/// The professional role a member sits in (`chair`, `educational_psychologist`, ...).
/// Authorities name their own roles, so this is a checked code, not a closed enum.
pub type PanelRole = Slug;

/// A panel of the authority.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Panel {
    /// The panel's id.
    pub id: PanelId,
    /// The authority.
    pub authority_id: AuthorityId,
    /// Its code in `authority.toml`.
    pub code: PanelCode,
    /// Its name on papers and letters.
    pub name: String,
}

/// A user's seat on a panel in one role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PanelMember {
    /// The seat's id.
    pub id: PanelMemberId,
    /// The authority.
    pub authority_id: AuthorityId,
    /// The panel.
    pub panel_id: PanelId,
    /// The user who sits.
    pub user_id: UserId,
    /// The role they sit in; quorum is counted by role.
    pub role: PanelRole,
}

/// Whether a sitting is yet to meet, meeting, or over.
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
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum SittingStatus {
    /// Papers circulating; not yet open for votes.
    Scheduled,
    /// Members may vote.
    Open,
    /// Over; minutes can be produced.
    Closed,
}

/// One meeting of a panel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Sitting {
    /// The sitting's id.
    pub id: SittingId,
    /// The authority.
    pub authority_id: AuthorityId,
    /// The panel that sits.
    pub panel_id: PanelId,
    /// The date it sits.
    pub sits_on: NaiveDate,
    /// Where it stands.
    pub status: SittingStatus,
    /// When it starts, local time in England, for the invitation's calendar entry.
    #[schema(value_type = String, pattern = "^[0-2][0-9]:[0-5][0-9]:[0-5][0-9](\\.[0-9]+)?$", examples("10:00:00"))]
    pub starts_at: NaiveTime,
    /// Where it meets ("Online", a room), as invitations say.
    pub location: String,
}

/// A member's place at one sitting, in the role they sit in; present once they join.
/// Quorum counts those present and not conflicted on the item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SittingMember {
    /// The place's id.
    pub id: SittingMemberId,
    /// The authority.
    pub authority_id: AuthorityId,
    /// The sitting.
    pub sitting_id: SittingId,
    /// Who sits.
    pub user_id: UserId,
    /// The role they sit in.
    pub role: PanelRole,
    /// When they joined; `None` while absent.
    pub present_at: Option<DateTime<Utc>>,
}

/// A conflict of interest a member declared on one item (e.g. "my own school"): they
/// may not vote on it and do not count towards its quorum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Conflict {
    /// The declaration's id.
    pub id: ConflictId,
    /// The authority.
    pub authority_id: AuthorityId,
    /// The item.
    pub agenda_item_id: AgendaItemId,
    /// The member.
    pub user_id: UserId,
    /// Why, in the member's words.
    pub reason: String,
    /// When declared.
    pub declared_at: DateTime<Utc>,
}

/// One opening of an item's papers by a member: evidence that the human review the
/// panel gives is real (UK GDPR art. 22). Never edited or removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PaperOpening {
    /// The opening's id.
    pub id: PaperOpeningId,
    /// The authority.
    pub authority_id: AuthorityId,
    /// The item whose papers were opened.
    pub agenda_item_id: AgendaItemId,
    /// Who opened them.
    pub user_id: UserId,
    /// When.
    pub opened_at: DateTime<Utc>,
}

/// What an agenda item proposes; members vote to agree or disagree with it, and the
/// chair decides one of the outcomes of its decision kind.
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
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Proposal {
    /// Carry out an EHC needs assessment (CFA s.36(8)).
    Assess,
    /// Do not assess; reasons are required (CFA s.36(5)).
    RefuseAssessment,
    /// Issue an EHC plan (CFA s.37(1)).
    Issue,
    /// Do not issue a plan (Reg 10).
    NotIssue,
    /// After an annual review: keep the plan as it is.
    Maintain,
    /// After an annual review: amend the plan (Reg 22).
    Amend,
    /// After an annual review: cease to maintain the plan (CFA s.45).
    Cease,
    /// Name the setting proposed in the item's papers in the plan (CFA s.39-40), with
    /// the funding shares proposed.
    NamePlacement,
    /// Do not name the setting proposed: the officer brings another proposal.
    DeclinePlacement,
    /// At the transitions panel: name the post-16 setting proposed in the papers, which
    /// the plan must name by 31 March of the year of transfer (SEND Regulations 2014
    /// reg. 18(1)(b)).
    NamePost16Placement,
    /// At the transitions panel: do not name the post-16 setting proposed.
    DeclinePost16Placement,
    /// Commit the band and funding proposed in the item's papers, from the day proposed:
    /// the plugin's band as advised, or the officer's set against it with reasons.
    ConfirmFunding,
    /// Do not commit the funding proposed: the officer brings another proposal.
    DeclineFunding,
}

impl Proposal {
    /// The kind of decision this proposal is one outcome of.
    pub fn decision_kind(self) -> DecisionKind {
        match self {
            Self::Assess | Self::RefuseAssessment => DecisionKind::Assess,
            Self::Issue | Self::NotIssue => DecisionKind::Issue,
            Self::Maintain | Self::Amend | Self::Cease => DecisionKind::AnnualReview,
            Self::NamePlacement | Self::DeclinePlacement => DecisionKind::Placement,
            Self::NamePost16Placement | Self::DeclinePost16Placement => DecisionKind::Post16,
            Self::ConfirmFunding | Self::DeclineFunding => DecisionKind::Banding,
        }
    }
}

/// Whether an agenda item is still open.
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
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum AgendaItemStatus {
    /// Awaiting discussion or votes.
    Pending,
    /// Closed by the chair with a decision.
    Decided,
    /// Closed without a decision (e.g. quorum not met).
    Deferred,
}

/// One case on a sitting's agenda, for one kind of decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AgendaItem {
    /// The item's id.
    pub id: AgendaItemId,
    /// The authority.
    pub authority_id: AuthorityId,
    /// The sitting.
    pub sitting_id: SittingId,
    /// The case discussed.
    pub case_id: CaseId,
    /// Order on the agenda, from 1.
    pub position: i32,
    /// The decision the panel is asked to make.
    pub decision_kind: DecisionKind,
    /// Where it stands.
    pub status: AgendaItemStatus,
    /// What members are asked to agree with; `None` only on items made before proposals
    /// were recorded.
    pub proposal: Option<Proposal>,
}

/// A member's vote on an agenda item.
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
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum VoteChoice {
    /// Agrees with the proposal.
    Agree,
    /// Disagrees.
    Disagree,
    /// Abstains.
    Abstain,
}

/// One vote as cast. Changing a vote casts a new one; the latest per member counts and
/// every earlier one stays in the record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Vote {
    /// The vote's id.
    pub id: VoteId,
    /// The authority.
    pub authority_id: AuthorityId,
    /// The agenda item voted on.
    pub agenda_item_id: AgendaItemId,
    /// Who voted.
    pub user_id: UserId,
    /// How.
    pub choice: VoteChoice,
    /// Why, in the member's words.
    pub reason: String,
    /// When.
    pub cast_at: DateTime<Utc>,
}

impl Vote {
    /// Checks a vote's reason: members must say why (the record is evidence of a real,
    /// human decision under UK GDPR art. 22).
    pub fn check_reason(reason: &str) -> Result<(), DomainError> {
        super::text::free_text("reason", reason)?;
        if reason.trim().is_empty() {
            Err(DomainError::invalid("reason", "a vote needs a reason"))
        } else {
            Ok(())
        }
    }
}
