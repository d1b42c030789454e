//! Documents kept on a case: letters, papers, advice.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{AuthorityId, CaseId, DocumentId};

/// What a document is, so letters can be found for a tribunal bundle.
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
pub enum DocumentKind {
    /// A letter sent to the family.
    Letter,
    /// Panel papers.
    PanelPapers,
    /// Professional advice received.
    Advice,
    /// Evidence submitted with the request.
    Evidence,
    /// A draft or final plan.
    Plan,
}

/// A document as stored, with the SHA-256 of its content so a copy can be proved to be
/// the one sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Document {
    /// The document's id.
    pub id: DocumentId,
    /// The authority.
    pub authority_id: AuthorityId,
    /// The case.
    pub case_id: CaseId,
    /// What it is.
    pub kind: DocumentKind,
    /// Its title.
    pub title: String,
    /// Its media type (`text/html`, `application/pdf`).
    pub media_type: String,
    /// Its bytes.
    #[serde(skip)]
    pub content: Vec<u8>,
    /// Hex SHA-256 of `content`.
    pub sha256: String,
    /// The template version that produced it, for generated letters.
    pub template_version: Option<String>,
    /// When it was stored.
    pub created_at: DateTime<Utc>,
}

/// A stored document without its bytes: what a list of a case's letters shows. The
/// bytes (and the check of their hash) are read when the document itself is opened,
/// so listing a case's letters does not read every letter in full.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocumentListing {
    /// The document's id.
    pub id: DocumentId,
    /// Its title.
    pub title: String,
    /// Hex SHA-256 of its content, as recorded when it was stored.
    pub sha256: String,
    /// When it was stored.
    pub created_at: DateTime<Utc>,
}
