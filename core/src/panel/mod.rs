//! Panels online: sittings with their members and agenda, papers each member opens,
//! conflicts declared per case, votes with a reason that may change until the chair
//! closes the item, quorum counted by role, and the chair's decision, which becomes the
//! case's decision in the workflow in the same transaction that closes the item.
//!
//! The panel decides; plugins only advise (UK GDPR art. 22). The tally is advice to the
//! chair too: whatever the voting rule, the chair records the decision and its reasons,
//! and must give a reason to depart from the majority (or, in the workflow, from the
//! plugin's advice).

mod close;
mod minutes;
mod papers;
pub mod quorum;
mod sitting;
pub mod tally;
mod voting;

pub use close::{CloseItem, Closed, close_item};
pub use minutes::{Minutes, MinutesItem, minutes, read_minutes};
pub use papers::{
    EvidenceOnPapers, FundingOnPapers, Papers, PlacementOnPapers, open_evidence_from_papers,
    open_papers, reread_papers,
};
pub use sitting::{
    AddToAgenda, AgendaChoices, ScheduleSitting, add_to_agenda, agenda_choices, list_sittings,
    list_sittings_named, mark_present, open_sitting, schedule_sitting, seat_member,
    sitting_members, sitting_of,
};
pub use tally::{ItemTally, SittingTally, sitting_tally};
pub use voting::{CastVote, DeclareConflict, cast_vote, declare_conflict, my_part};

use crate::domain::{
    AgendaItem, AgendaItemId, AgendaItemStatus, DomainError, Sitting, SittingMember, SittingStatus,
    UserId, UserRole,
};
use crate::store::{AuthorityScope, StoreError, Tx};
use crate::workflow::WorkflowError;

/// The user roles that sit on panels (the services check each sitting's seats).
pub const SITTING_ROLES: [UserRole; 2] = [UserRole::PanelMember, UserRole::PanelChair];

/// The user roles that may follow a sitting and read its minutes: everyone of the
/// authority.
pub const WATCHING_ROLES: [UserRole; 5] = [
    UserRole::Caseworker,
    UserRole::PanelMember,
    UserRole::PanelChair,
    UserRole::Admin,
    UserRole::Auditor,
];

/// Why a panel command was refused. Nothing was changed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PanelError {
    /// A field broke a rule.
    #[error("{field}: {rule}")]
    Invalid {
        /// The field, as the caller named it.
        field: &'static str,
        /// The rule, in plain English.
        rule: String,
    },
    /// The caller has no seat (or not the needed seat) at the sitting.
    #[error("{0}")]
    NotSeated(String),
    /// The item or sitting is not in a state where this applies (closed, not open).
    #[error("{0}")]
    Closed(String),
    /// The authority has no such panel configured.
    #[error("no panel {0} is configured for this authority")]
    NotConfigured(String),
    /// The workflow refused the decision.
    #[error(transparent)]
    Workflow(#[from] WorkflowError),
    /// The store refused or failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<DomainError> for PanelError {
    fn from(error: DomainError) -> Self {
        match error {
            DomainError::Invalid { field, rule } => Self::Invalid { field, rule },
        }
    }
}

impl PanelError {
    fn invalid(field: &'static str, rule: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            rule: rule.into(),
        }
    }
}

/// An item with its sitting and the caller's seat there, read in one go: almost every
/// member command starts from these three.
pub(crate) struct Seated {
    item: AgendaItem,
    sitting: Sitting,
    seat: SittingMember,
}

/// Reads the item, its sitting and `user`'s seat; refused when they have none.
fn seated(
    tx: &mut Tx<'_>,
    scope: &AuthorityScope,
    item: AgendaItemId,
    user: UserId,
) -> Result<Seated, PanelError> {
    let item = tx.get_agenda_item(scope, item)?;
    let sitting = tx.get_sitting(scope, item.sitting_id)?;
    let seat = tx
        .list_sitting_members(scope, sitting.id)?
        .into_iter()
        .find(|m| m.user_id == user)
        .ok_or_else(|| {
            PanelError::NotSeated("only the sitting's members may do this".to_owned())
        })?;
    Ok(Seated {
        item,
        sitting,
        seat,
    })
}

/// Takes the case an agenda item is about for this transaction (see
/// [`Tx::lock_case`]): votes, conflicts and the chair's close on one item run one after
/// another, so a vote never lands after the count that closed its item.
fn lock_item_case(
    tx: &mut Tx<'_>,
    scope: &AuthorityScope,
    item: AgendaItemId,
) -> Result<(), StoreError> {
    let case = tx.get_agenda_item(scope, item)?.case_id;
    tx.lock_case(scope, case)?;
    Ok(())
}

/// Refused unless votes may still change: the sitting is open and the item pending.
fn require_voting(seated: &Seated) -> Result<(), PanelError> {
    if seated.sitting.status != SittingStatus::Open {
        return Err(PanelError::Closed(format!(
            "the sitting is {}; members vote only while it is open",
            seated.sitting.status
        )));
    }
    if seated.item.status != AgendaItemStatus::Pending {
        return Err(PanelError::Closed(format!(
            "the item is {}; the chair has closed it",
            seated.item.status
        )));
    }
    Ok(())
}

/// The role every panel has, whose holder closes items.
pub const CHAIR_ROLE: &str = "chair";
