//! The education settings an authority places children in: the register a placement
//! decision names a setting from.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{AuthorityId, DomainError, EducationSettingId};

/// A setting's DfE unique reference number: six digits (Get Information about Schools).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[schema(value_type = String)]
pub struct Urn(String);

impl Urn {
    /// Checks a URN as typed (spaces around it ignored).
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let text = text.trim();
        if text.len() == 6 && text.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(text.to_owned()))
        } else {
            Err(DomainError::invalid(
                "urn",
                "must be the setting's six-digit URN",
            ))
        }
    }

    /// The six digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What kind of setting it is, as placement panels and the funding ledger tell them
/// apart.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    serde::Deserialize,
    strum::Display,
    strum::EnumString,
    strum::EnumIter,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ProviderKind {
    /// A mainstream school or academy.
    Mainstream,
    /// A resourced provision or unit in a mainstream school.
    ResourcedProvision,
    /// A maintained special school or special academy.
    Special,
    /// An independent special school.
    Independent,
    /// A non-maintained special school.
    NonMaintained,
    /// A college or other post-16 provider.
    Post16,
    /// Alternative provision.
    AlternativeProvision,
}

impl ProviderKind {
    /// The kind in words a family reads in a letter.
    pub fn words(self) -> &'static str {
        match self {
            Self::Mainstream => "a mainstream school",
            Self::ResourcedProvision => "a resourced provision in a mainstream school",
            Self::Special => "a special school",
            Self::Independent => "an independent special school",
            Self::NonMaintained => "a non-maintained special school",
            Self::Post16 => "a college or other post-16 provider",
            Self::AlternativeProvision => "alternative provision",
        }
    }
}

/// One setting in an authority's register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct EducationSetting {
    /// Its id.
    pub id: EducationSettingId,
    /// The authority whose register it is in.
    #[schema(value_type = String)]
    pub authority_id: AuthorityId,
    /// Its URN, where it has one (some independent and alternative providers do not).
    pub urn: Option<Urn>,
    /// Its name.
    pub name: String,
    /// Its kind.
    pub kind: ProviderKind,
    /// Whether it is in the authority's own area (out-of-area placements are reported
    /// apart).
    pub in_area: bool,
    /// When it was added.
    pub created_at: DateTime<Utc>,
}

/// Why a child is placed in an independent setting: Leicestershire's policy requires
/// one of these to be recorded (`../shared/domain/leicestershire.md`).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    serde::Deserialize,
    strum::Display,
    strum::EnumString,
    strum::EnumIter,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum IndependentJustification {
    /// The child's needs cannot be met in a maintained or non-maintained setting.
    NeedsCannotBeMetElsewhere,
    /// The parent's preference, backed by the Tribunal.
    TribunalBackedPreference,
}

/// What a placement says, whether proposed to a panel or decided: the setting, from
/// when, the family's preference, the reasons, and each service's share of the cost
/// (pence a year). Shared by [`Placement`] and [`ProposedPlacement`], so a named
/// proposal becomes the placement it proposed, field for field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PlacementTerms {
    /// The setting, from the register.
    pub setting_id: EducationSettingId,
    /// The first day.
    pub starts_on: chrono::NaiveDate,
    /// What the family asked for, as they put it.
    pub parental_preference: Option<String>,
    /// Whether the family asked for a mainstream place (the law weighs it differently:
    /// CFA 2014 s.33).
    pub mainstream_requested: bool,
    /// The reasons recorded: when proposed, the officer's case for this setting.
    pub reasons: String,
    /// Why an independent setting, when it is one.
    pub independent_justification: Option<IndependentJustification>,
    /// Education's share, pence a year.
    pub education_pence: i64,
    /// Health's share, pence a year.
    pub health_pence: i64,
    /// Social care's share, pence a year.
    pub social_care_pence: i64,
}

/// A placement decided for a case: the setting its plan names from `starts_on`, and
/// the shares of its cost (in pence a year) each service pays. Recorded once, never
/// edited; a change is a new placement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Placement {
    /// Its id.
    pub id: super::PlacementId,
    /// The case.
    pub case_id: super::CaseId,
    /// What was decided, serialised beside these fields in one object.
    #[serde(flatten)]
    pub terms: PlacementTerms,
    /// Who decided it.
    pub decided_by: super::UserId,
    /// When.
    pub decided_at: DateTime<Utc>,
}

/// A placement an officer puts to the placement panel with an agenda item: what the
/// members read in the papers, and what the plan names if the chair names it. Kept
/// with the item, never edited: a different proposal is a new item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ProposedPlacement {
    /// The agenda item it was put with.
    pub agenda_item_id: super::AgendaItemId,
    /// The case.
    pub case_id: super::CaseId,
    /// What is proposed, serialised beside these fields in one object.
    #[serde(flatten)]
    pub terms: PlacementTerms,
    /// The case's latest placement when it was proposed: if another is recorded before
    /// the panel decides, the panel decided on a stale view and its naming is refused.
    #[schema(value_type = Option<String>)]
    pub expected_latest: Option<super::PlacementId>,
}
