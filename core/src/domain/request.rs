//! Requests for an EHC needs assessment (CFA s.36).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{AuthorityId, ChildId, RequestId};

/// Who made the request: only these may (CFA s.36(1)). The source is also reported in
/// the SEN2 return's requests module.
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
pub enum RequestedBy {
    /// The child's parent.
    Parent,
    /// The young person (over compulsory school age, up to 25).
    YoungPerson,
    /// Someone acting for the school or post-16 institution.
    Setting,
}

/// The kind of setting the child attends when the request is made.
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
pub enum SettingType {
    /// Nursery, childminder, pre-school.
    EarlyYears,
    /// Mainstream school.
    Mainstream,
    /// A mainstream school's resourced provision or SEN unit.
    ResourcedProvision,
    /// Maintained or academy special school.
    Special,
    /// Independent or non-maintained special school.
    Independent,
    /// College or other post-16 provider.
    Post16,
    /// Electively home educated.
    ElectiveHomeEducation,
}

/// The SEN2 primary need codes (DfE SEN2 guide; the code list is reviewed yearly, so
/// later issues load it as data and this enum holds the current set).
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
#[serde(rename_all = "UPPERCASE")]
#[strum(serialize_all = "UPPERCASE")]
pub enum NeedType {
    /// Specific learning difficulty.
    Spld,
    /// Moderate learning difficulty.
    Mld,
    /// Severe learning difficulty.
    Sld,
    /// Profound and multiple learning difficulty.
    Pmld,
    /// Social, emotional and mental health.
    Semh,
    /// Speech, language and communication needs.
    Slcn,
    /// Hearing impairment.
    Hi,
    /// Vision impairment.
    Vi,
    /// Multi-sensory impairment.
    Msi,
    /// Physical disability.
    Pd,
    /// Autistic spectrum disorder.
    Asd,
    /// Down syndrome.
    Ds,
    /// Other difficulty or disability.
    Oth,
}

/// A request for an EHC needs assessment. Receiving it starts the statutory clock: the
/// authority must decide whether to assess within 6 weeks of `received_on` (Reg 5(1)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AssessmentRequest {
    /// The request's id.
    pub id: RequestId,
    /// The authority the request was made to.
    pub authority_id: AuthorityId,
    /// The child the request is about.
    pub child_id: ChildId,
    /// The calendar day (Europe/London) the authority received the request.
    pub received_on: NaiveDate,
    /// Who made it.
    pub requested_by: RequestedBy,
    /// The requester's name and capacity, as written on letters.
    pub requester: String,
    /// The setting the child attends.
    pub setting_type: SettingType,
    /// The need the requester describes as primary.
    pub primary_need: NeedType,
    /// The caseworker's summary of the request.
    pub summary: String,
    /// When it was logged in sendpanel (may be after `received_on`).
    pub logged_at: DateTime<Utc>,
    /// Where decision letters are e-mailed (the parent's or young person's address);
    /// without one, letters are stored for posting and no e-mail is sent.
    pub contact_email: Option<super::Email>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn need_codes_use_the_sen2_spelling() {
        assert_eq!(NeedType::Semh.to_string(), "SEMH");
        assert_eq!("ASD".parse::<NeedType>().unwrap(), NeedType::Asd);
        assert_eq!(serde_json::to_string(&NeedType::Slcn).unwrap(), "\"SLCN\"");
    }

    #[test]
    fn setting_types_use_snake_case() {
        assert_eq!(
            SettingType::ElectiveHomeEducation.to_string(),
            "elective_home_education"
        );
        assert!("home".parse::<SettingType>().is_err());
    }
}
