//! The SEN2 person-level return as XML: serde structs whose field names are the
//! return's element names, written (and read back) by `quick-xml`, never built as text.
//!
//! **Structure not confirmed against the DfE XSD.** The element names are the DfE's
//! item names as COLLECT's "Blade" export spells them (lower-cased there; MastodonC's
//! witan.sen2 reader lists them module by module), in the capitalisation of the DfE's
//! common basic data set (`<CeaseReason>`, `<ReviewOutcome>`, `<SENsetting>` appear so
//! in the DfE guide and Capita One's documentation). The nesting follows the modules'
//! parent keys in that export: a `Person` holds its `Requests` (one element per
//! request); a request holds its `Assessment` and, for a plan active at the census,
//! its `ActivePlans`; an assessment holds its `NamedPlan`, which holds its
//! `PlanDetail`s; active plans hold `PlacementDetail`s and `SENneed`s. The root
//! `Message` with a `Header` (`CollectionDetails`, `Source`) and the `Persons` wrapper
//! are the shape of the DfE's other XML returns (school census); that SEN2 uses the same
//! root and wrapper is our reading. Yes/no items are `1`/`0`.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A yes/no item, written `1` or `0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct YesNo(pub bool);

impl Serialize for YesNo {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(if self.0 { "1" } else { "0" })
    }
}

impl<'de> Deserialize<'de> for YesNo {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        match text.trim() {
            "1" | "true" => Ok(Self(true)),
            "0" | "false" => Ok(Self(false)),
            other => Err(serde::de::Error::custom(format!(
                "a yes/no item must be 1 or 0, not {other:?}"
            ))),
        }
    }
}

/// The whole return.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename = "Message")]
pub struct Message {
    /// Module 0: what the file is and who made it.
    #[serde(rename = "Header")]
    pub header: Header,
    /// Module 1 and everything under it.
    #[serde(rename = "Persons")]
    pub persons: Persons,
}

/// Module 0.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// The collection.
    #[serde(rename = "CollectionDetails")]
    pub collection_details: CollectionDetails,
    /// The authority and software that made the file.
    #[serde(rename = "Source")]
    pub source: Source,
}

/// Which collection, which year, which census day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CollectionDetails {
    /// `SEN2`.
    #[serde(rename = "Collection")]
    pub collection: String,
    /// The census year.
    #[serde(rename = "Year")]
    pub year: i32,
    /// The census (reference) date.
    #[serde(rename = "ReferenceDate")]
    pub reference_date: NaiveDate,
}

/// Who made the file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Source {
    /// `L`: a local authority's return.
    #[serde(rename = "SourceLevel")]
    pub source_level: String,
    /// The DfE three-digit LA number.
    #[serde(rename = "LEA")]
    pub lea: String,
    /// The software's name.
    #[serde(rename = "SoftwareCode")]
    pub software_code: String,
    /// The software's release.
    #[serde(rename = "Release")]
    pub release: String,
    /// The file's serial number: 1 for a first submission, more for each resubmission.
    #[serde(rename = "SerialNo")]
    pub serial_no: u32,
    /// When the file was made (`YYYY-MM-DDTHH:MM:SS`).
    #[serde(rename = "DateTime")]
    pub date_time: String,
}

/// The people in the return.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Persons {
    /// One per child or young person.
    #[serde(rename = "Person", default)]
    pub person: Vec<Person>,
}

/// Module 1: the child or young person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Person {
    /// 1.1
    #[serde(rename = "Surname")]
    pub surname: String,
    /// 1.2
    #[serde(rename = "Forename")]
    pub forename: String,
    /// 1.3
    #[serde(rename = "PersonBirthDate")]
    pub person_birth_date: NaiveDate,
    /// 1.4 (`M`, `F`, `U`).
    #[serde(rename = "Sex")]
    pub sex: String,
    /// 1.5, a common basic data set ethnicity code.
    #[serde(rename = "Ethnicity", default, skip_serializing_if = "Option::is_none")]
    pub ethnicity: Option<String>,
    /// 1.6
    #[serde(rename = "PostCode", default, skip_serializing_if = "Option::is_none")]
    pub post_code: Option<String>,
    /// 1.7
    #[serde(rename = "UPN", default, skip_serializing_if = "Option::is_none")]
    pub upn: Option<String>,
    /// 1.8: the record holds no ULN, so never written.
    #[serde(
        rename = "UniqueLearnerNumber",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub unique_learner_number: Option<String>,
    /// 1.9: the reason neither UPN nor ULN is given. The record holds no reason, so a
    /// child without a UPN is refused rather than given one.
    #[serde(
        rename = "UPNunknown",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub upn_unknown: Option<String>,
    /// Module 2, one element per request.
    #[serde(rename = "Requests", default)]
    pub requests: Vec<Requests>,
}

/// Module 2: one request for an EHC needs assessment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Requests {
    /// 2.1
    #[serde(rename = "ReceivedDate")]
    pub received_date: NaiveDate,
    /// 2.2 (from v1.3).
    #[serde(
        rename = "RequestSource",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub request_source: Option<String>,
    /// 2.3: initial request made while in relevant youth accommodation. Not in the
    /// record, so never written.
    #[serde(rename = "RYA", default, skip_serializing_if = "Option::is_none")]
    pub rya: Option<YesNo>,
    /// 2.4
    #[serde(
        rename = "RequestOutcomeDate",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub request_outcome_date: Option<NaiveDate>,
    /// 2.5
    #[serde(
        rename = "RequestOutcome",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub request_outcome: Option<String>,
    /// 2.6: mediation on the decision whether to assess.
    #[serde(rename = "RequestMediation")]
    pub request_mediation: YesNo,
    /// 2.7: an appeal to the Tribunal on the decision whether to assess.
    #[serde(rename = "RequestTribunal")]
    pub request_tribunal: YesNo,
    /// 2.8: moved out of the authority before the assessment was completed.
    #[serde(rename = "Exported")]
    pub exported: YesNo,
    /// Module 3, once the authority decided to assess.
    #[serde(
        rename = "Assessment",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub assessment: Option<Assessment>,
    /// Module 5a, for a plan active on the census date.
    #[serde(
        rename = "ActivePlans",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub active_plans: Option<ActivePlans>,
}

/// Module 3: the EHC needs assessment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    /// 3.1: the decision whether to issue; absent while it is pending.
    #[serde(
        rename = "AssessmentOutcome",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub assessment_outcome: Option<String>,
    /// 3.2: the day the plan was issued, or the day it was decided not to issue one.
    #[serde(
        rename = "AssessmentOutcomeDate",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub assessment_outcome_date: Option<NaiveDate>,
    /// 3.3: mediation on the decision whether to issue.
    #[serde(rename = "AssessmentMediation")]
    pub assessment_mediation: YesNo,
    /// 3.4: an appeal on the decision whether to issue.
    #[serde(rename = "AssessmentTribunal")]
    pub assessment_tribunal: YesNo,
    /// 3.5: mediation on any other decision (an annual review's, say).
    #[serde(rename = "OtherMediation")]
    pub other_mediation: YesNo,
    /// 3.6: an appeal on any other decision.
    #[serde(rename = "OtherTribunal")]
    pub other_tribunal: YesNo,
    /// 3.7: an exception to the 20-week limit applies, derived from the exceptions
    /// recorded on the limit (reg. 13(3)), never ticked by hand.
    #[serde(rename = "Week20")]
    pub week20: YesNo,
    /// Module 4a, once a plan is made.
    #[serde(rename = "NamedPlan", default, skip_serializing_if = "Option::is_none")]
    pub named_plan: Option<NamedPlan>,
}

/// Module 4a: the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NamedPlan {
    /// 4.1: the day the final plan was issued (for a plan transferred in or imported,
    /// the day it was first made).
    #[serde(rename = "StartDate")]
    pub start_date: NaiveDate,
    /// 4.5: the day the plan ended.
    #[serde(rename = "CeaseDate", default, skip_serializing_if = "Option::is_none")]
    pub cease_date: Option<NaiveDate>,
    /// 4.6: why it ended, where the record says.
    #[serde(
        rename = "CeaseReason",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub cease_reason: Option<String>,
    /// Module 4b, where the record can fill it.
    #[serde(rename = "PlanDetail", default)]
    pub plan_detail: Vec<PlanDetail>,
}

/// Modules 4b and 5b share these items: where the child is placed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanDetail {
    /// The establishment's URN. The record holds no establishment register, so it is
    /// never written; only the no-URN settings below are.
    #[serde(rename = "URN", default, skip_serializing_if = "Option::is_none")]
    pub urn: Option<String>,
    /// A SEN setting code, for a placement with no URN.
    #[serde(
        rename = "SENsetting",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub sen_setting: Option<String>,
    /// 1 for the main placement.
    #[serde(rename = "PlacementRank")]
    pub placement_rank: u8,
}

/// Module 5a: a plan active on the census date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActivePlans {
    /// 5.1: transferred in from another authority during the calendar year (the old
    /// authority's LA number, where the record holds it as one).
    #[serde(
        rename = "TransferLA",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub transfer_la: Option<String>,
    /// 5.4: the latest annual review meeting on or before the census date.
    #[serde(
        rename = "ReviewMeeting",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub review_meeting: Option<NaiveDate>,
    /// 5.5: the decision after that meeting.
    #[serde(
        rename = "ReviewOutcome",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub review_outcome: Option<String>,
    /// 5.6: the day of that decision (`LastReview` in COLLECT's export).
    #[serde(
        rename = "LastReview",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub last_review: Option<NaiveDate>,
    /// 5.7a: a phase transfer's day for the amended plan (reg. 18).
    #[serde(
        rename = "PhaseTransferDueDate",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub phase_transfer_due_date: Option<NaiveDate>,
    /// 5.7b: the day the plan was amended for it.
    #[serde(
        rename = "PhaseTransferFinalDate",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub phase_transfer_final_date: Option<NaiveDate>,
    /// Module 5b.
    #[serde(rename = "PlacementDetail", default)]
    pub placement_detail: Vec<PlanDetail>,
    /// Module 5c, ranked from 1.
    #[serde(rename = "SENneed", default)]
    pub sen_need: Vec<SenNeed>,
}

/// Module 5c: one of the plan's needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SenNeed {
    /// 1 for the primary need.
    #[serde(rename = "SENtypeRank")]
    pub sen_type_rank: u8,
    /// A SEN type code.
    #[serde(rename = "SENtype")]
    pub sen_type: String,
}

impl Message {
    /// The return as XML, with its declaration, indented for a person to read.
    pub fn to_xml(&self) -> Result<Vec<u8>, quick_xml::SeError> {
        let mut body = String::new();
        let mut serializer = quick_xml::se::Serializer::new(&mut body);
        serializer.indent(' ', 2);
        self.serialize(serializer)?;
        let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        xml.push_str(&body);
        xml.push('\n');
        Ok(xml.into_bytes())
    }

    /// Reads a return back (what the tests and a re-import check with).
    pub fn from_xml(xml: &[u8]) -> Result<Self, quick_xml::DeError> {
        let text = std::str::from_utf8(xml)
            .map_err(|e| quick_xml::DeError::Custom(format!("not UTF-8: {e}")))?;
        quick_xml::de::from_str(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn the_return_is_written_as_nested_elements_and_reads_back_the_same() {
        let message = Message {
            header: Header {
                collection_details: CollectionDetails {
                    collection: "SEN2".into(),
                    year: 2027,
                    reference_date: day(2027, 1, 21),
                },
                source: Source {
                    source_level: "L".into(),
                    lea: "880".into(),
                    software_code: "sendpanel".into(),
                    release: "0.1.0".into(),
                    serial_no: 1,
                    date_time: "2027-02-01T09:00:00".into(),
                },
            },
            persons: Persons {
                person: vec![Person {
                    surname: "O'Brien & Sons".into(),
                    forename: "Alex".into(),
                    person_birth_date: day(2016, 3, 14),
                    sex: "F".into(),
                    ethnicity: None,
                    post_code: Some("TQ1 3DR".into()),
                    upn: Some("A880123426001".into()),
                    unique_learner_number: None,
                    upn_unknown: None,
                    requests: vec![Requests {
                        received_date: day(2026, 3, 2),
                        request_source: Some("1".into()),
                        rya: None,
                        request_outcome_date: Some(day(2026, 4, 1)),
                        request_outcome: Some("A".into()),
                        request_mediation: YesNo(false),
                        request_tribunal: YesNo(false),
                        exported: YesNo(false),
                        assessment: Some(Assessment {
                            assessment_outcome: Some("Y".into()),
                            assessment_outcome_date: Some(day(2026, 7, 1)),
                            assessment_mediation: YesNo(false),
                            assessment_tribunal: YesNo(false),
                            other_mediation: YesNo(false),
                            other_tribunal: YesNo(false),
                            week20: YesNo(true),
                            named_plan: Some(NamedPlan {
                                start_date: day(2026, 7, 1),
                                cease_date: None,
                                cease_reason: None,
                                plan_detail: vec![PlanDetail {
                                    urn: None,
                                    sen_setting: Some("EHE".into()),
                                    placement_rank: 1,
                                }],
                            }),
                        }),
                        active_plans: Some(ActivePlans {
                            transfer_la: None,
                            review_meeting: None,
                            review_outcome: None,
                            last_review: None,
                            phase_transfer_due_date: None,
                            phase_transfer_final_date: None,
                            placement_detail: Vec::new(),
                            sen_need: vec![SenNeed {
                                sen_type_rank: 1,
                                sen_type: "ASD".into(),
                            }],
                        }),
                    }],
                }],
            },
        };
        let xml = message.to_xml().unwrap_or_default();
        let text = String::from_utf8_lossy(&xml);
        assert!(
            text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Message>"),
            "{text}"
        );
        for element in [
            "<ReferenceDate>2027-01-21</ReferenceDate>",
            "<Surname>O'Brien &amp; Sons</Surname>",
            "<Week20>1</Week20>",
            "<RequestMediation>0</RequestMediation>",
            "<SENsetting>EHE</SENsetting>",
            "<SENtype>ASD</SENtype>",
        ] {
            assert!(text.contains(element), "{element} in {text}");
        }
        assert!(
            !text.contains("CeaseDate"),
            "absent items are left out: {text}"
        );
        assert_eq!(Message::from_xml(&xml).ok(), Some(message));
    }
}
