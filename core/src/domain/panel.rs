//! Panels, their sittings, agendas and votes.
//!
//! The rules a panel follows (member roles, quorum, voting rule) are the authority's
//! choice and live in [`crate::config::PanelConfig`]; these types are the record of what
//! actually happened at a sitting.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{
    AgendaItemId, AuthorityId, CaseId, DecisionKind, DomainError, PanelId, PanelMemberId,
    SittingId, Slug, UserId, VoteId,
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
        if reason.trim().is_empty() {
            Err(DomainError::invalid("reason", "a vote needs a reason"))
        } else {
            Ok(())
        }
    }
}
