//! What a caseworker records around the statutory steps: notes of contact with the
//! family and professionals, and corrections to a child's details with the value each
//! replaced.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{AuthorityId, CaseId, CaseNoteId, ChildCorrectionId, ChildId, UserId};

/// How the contact happened.
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
pub enum NoteKind {
    /// A telephone call.
    PhoneCall,
    /// An e-mail.
    Email,
    /// A meeting, in person or online.
    Meeting,
    /// A home or school visit.
    Visit,
    /// A letter (other than those the service writes itself).
    Letter,
    /// Anything else.
    Other,
}

/// A dated note of contact on a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CaseNote {
    /// The note.
    #[schema(value_type = String)]
    pub id: CaseNoteId,
    /// The authority.
    #[schema(value_type = String)]
    pub authority_id: AuthorityId,
    /// The case.
    #[schema(value_type = String)]
    pub case_id: CaseId,
    /// How the contact happened.
    pub kind: NoteKind,
    /// With whom: "Parent (mother)", "SENCO, Harbourside Primary".
    pub with_whom: String,
    /// The day it happened.
    pub occurred_on: NaiveDate,
    /// What was said or agreed.
    pub summary: String,
    /// Who wrote the note.
    #[schema(value_type = String)]
    pub recorded_by: UserId,
    /// When it was written.
    pub recorded_at: DateTime<Utc>,
}

/// A detail of a child's record that can be corrected.
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
pub enum ChildField {
    /// Given name.
    GivenName,
    /// Family name.
    FamilyName,
    /// Date of birth.
    DateOfBirth,
    /// Unique Pupil Number.
    Upn,
    /// NHS number.
    NhsNumber,
    /// The authority's own reference.
    AuthorityReference,
    /// Sex (SEN2 module 1).
    Sex,
    /// Ethnicity (SEN2 module 1).
    Ethnicity,
    /// Home postcode.
    Postcode,
}

/// One correction of one of a child's details, with the value it replaced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ChildCorrection {
    /// The correction.
    #[schema(value_type = String)]
    pub id: ChildCorrectionId,
    /// The authority.
    #[schema(value_type = String)]
    pub authority_id: AuthorityId,
    /// The child.
    #[schema(value_type = String)]
    pub child_id: ChildId,
    /// Which detail.
    pub field: ChildField,
    /// The value before; `None` when it was blank.
    pub old_value: Option<String>,
    /// The value after; `None` when it was cleared.
    pub new_value: Option<String>,
    /// Why it was corrected.
    pub reason: String,
    /// Who corrected it.
    #[schema(value_type = String)]
    pub corrected_by: UserId,
    /// When.
    pub corrected_at: DateTime<Utc>,
}
