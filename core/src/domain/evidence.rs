//! Evidence on a case: the documents a panel decides on (a setting's SEN support plan,
//! an educational psychologist's report, health and social care advice, the family's
//! views), uploaded by a caseworker or by a professional through an advice link.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{AuthorityId, CaseId, DocumentId, UserId};

/// What a piece of evidence is, as a caseworker files it and the papers list it.
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
pub enum EvidenceKind {
    /// The setting's SEN support plan, or a review of one (the graduated response).
    SupportPlan,
    /// An educational psychologist's report (reg. 6(1)(d) advice).
    EpReport,
    /// Health advice (reg. 6(1)(c)).
    HealthAdvice,
    /// Social care advice (reg. 6(1)(e)).
    SocialCareAdvice,
    /// The parent's or young person's views (reg. 6(1)(a)).
    FamilyViews,
    /// A school report.
    SchoolReport,
    /// Anything else.
    Other,
}

impl EvidenceKind {
    /// In words, for pages, papers and the bundle's index.
    pub fn words(self) -> &'static str {
        match self {
            Self::SupportPlan => "SEN support plan or review",
            Self::EpReport => "Educational psychologist's report",
            Self::HealthAdvice => "Health advice",
            Self::SocialCareAdvice => "Social care advice",
            Self::FamilyViews => "Parent's or young person's views",
            Self::SchoolReport => "School report",
            Self::Other => "Other",
        }
    }

    /// The kind a professional's advice is filed as, from whom it was asked.
    pub fn of_advice(from: super::AdviceSource) -> Self {
        use super::AdviceSource;
        match from {
            AdviceSource::EducationalPsychologist => Self::EpReport,
            AdviceSource::Health => Self::HealthAdvice,
            AdviceSource::SocialCare => Self::SocialCareAdvice,
            AdviceSource::Setting => Self::SchoolReport,
            AdviceSource::Parent => Self::FamilyViews,
            AdviceSource::Other => Self::Other,
        }
    }
}

/// The four broad areas of need of the SEND Code of Practice (6.28-6.35): what a piece
/// of evidence speaks to.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
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
pub enum NeedArea {
    /// Communication and interaction.
    CommunicationAndInteraction,
    /// Cognition and learning.
    CognitionAndLearning,
    /// Social, emotional and mental health.
    SocialEmotionalAndMentalHealth,
    /// Sensory and/or physical needs.
    SensoryAndPhysical,
}

impl NeedArea {
    /// In words.
    pub fn words(self) -> &'static str {
        match self {
            Self::CommunicationAndInteraction => "Communication and interaction",
            Self::CognitionAndLearning => "Cognition and learning",
            Self::SocialEmotionalAndMentalHealth => "Social, emotional and mental health",
            Self::SensoryAndPhysical => "Sensory and physical",
        }
    }
}

/// How a document reached the case.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::Display,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ReceivedThrough {
    /// A caseworker or admin uploaded it.
    Upload,
    /// The professional asked for advice uploaded it through their link.
    AdviceLink,
}

/// A document kept as evidence on a case. Its bytes are in the document store under
/// `sha256`; this is what the document is and where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Evidence {
    /// Its id: the id request facts cite as evidence.
    #[schema(value_type = String)]
    pub id: DocumentId,
    /// The authority.
    #[serde(skip)]
    pub authority_id: AuthorityId,
    /// The case.
    #[schema(value_type = String)]
    pub case_id: CaseId,
    /// What it is.
    pub kind: EvidenceKind,
    /// The file's name as uploaded (checked: no folders, no control characters).
    pub file_name: String,
    /// Its media type, read from its bytes.
    pub media_type: String,
    /// Its size in bytes.
    pub size_bytes: u64,
    /// Hex SHA-256 of its bytes: where the store keeps it, and proof of which copy.
    pub sha256: String,
    /// The organisation that wrote it (a school, the EP service, an NHS trust).
    pub author_organisation: String,
    /// The day it was written.
    pub written_on: NaiveDate,
    /// The areas of need it evidences.
    pub areas: Vec<NeedArea>,
    /// How it arrived.
    pub received_through: ReceivedThrough,
    /// Who uploaded it; `None` when a professional did through an advice link.
    #[schema(value_type = Option<String>)]
    pub uploaded_by: Option<UserId>,
    /// When it was stored.
    pub uploaded_at: DateTime<Utc>,
    /// When the retention job removed its bytes (the record of it stays).
    pub removed_at: Option<DateTime<Utc>>,
}
