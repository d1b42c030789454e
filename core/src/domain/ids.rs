//! Typed identifiers, so a `CaseId` can never be passed where a `ChildId` is meant.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::DomainError;

macro_rules! uuid_id {
    ($(#[$doc:meta] $name:ident),* $(,)?) => {$(
        #[$doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(transparent)]
        #[schema(value_type = String, format = Uuid)]
        pub struct $name(Uuid);

        impl $name {
            /// A new id, ordered after every id made before it (UUIDv7).
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// The id as a UUID, for storage and URLs.
            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl From<Uuid> for $name {
            fn from(value: Uuid) -> Self {
                Self(value)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = DomainError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s)
                    .map(Self)
                    .map_err(|_| DomainError::invalid(stringify!($name), "must be a UUID"))
            }
        }
    )*};
}

uuid_id! {
    /// A person who signs in: caseworker, panel member or chair, admin or auditor.
    UserId,
    /// One education setting in an authority's register.
    EducationSettingId,
    /// One placement decided for a case.
    PlacementId,
    /// One band and funding commitment on a plan.
    CommitmentId,
    /// A note of a call, e-mail, meeting or visit on a case.
    CaseNoteId,
    /// One correction of one of a child's details.
    ChildCorrectionId,
    /// An API bearer token as listed and revoked (the token itself is never stored).
    ApiTokenId,
    /// A child or young person known to the authority.
    ChildId,
    /// A request for an EHC needs assessment.
    RequestId,
    /// A case: one child's journey from request to plan (or refusal).
    CaseId,
    /// A panel of the authority (SEN panel, placement panel, ...).
    PanelId,
    /// A user's seat on a panel in one role.
    PanelMemberId,
    /// One meeting of a panel.
    SittingId,
    /// One case on a sitting's agenda.
    AgendaItemId,
    /// One vote cast (a changed vote is a new vote; the history is kept).
    VoteId,
    /// A member's place at one sitting.
    SittingMemberId,
    /// A member's declared conflict of interest on one agenda item.
    ConflictId,
    /// One opening of a case's papers by a member (append-only evidence).
    PaperOpeningId,
    /// A decision recorded on a case.
    DecisionId,
    /// A statutory or local deadline on a case.
    DeadlineId,
    /// A document kept on a case (letter, papers, advice).
    DocumentId,
    /// One entry of the append-only event log.
    EventId,
    /// One recorded call to a policy plugin (append-only, like the event log).
    AdviceId,
    /// One exception claimed on a time limit (Reg 5(4), 8(2), 10(4), 13(3)); append-only.
    ExceptionId,
    /// One read of a child's record in the access log (append-only).
    AccessId,
    /// A link a professional asked for advice uploads it through.
    AdviceLinkId,
    /// One opening of a piece of evidence from a sitting's papers (append-only).
    EvidenceOpeningId,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_text_and_refuse_garbage() {
        let id = CaseId::new();
        let parsed: CaseId = id.to_string().parse().unwrap();
        assert_eq!(parsed, id);
        let err = "not-a-uuid".parse::<CaseId>().unwrap_err();
        assert_eq!(err.field(), "CaseId");
    }

    #[test]
    fn later_ids_sort_after_earlier_ones() {
        let first = EventId::new();
        let second = EventId::new();
        assert!(second > first);
    }
}
