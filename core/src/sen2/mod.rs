//! The DfE's SEN2 return, person level: the statutory January collection, made from the
//! record as it stood on a census date and written as the return's XML.
//!
//! [`sen2_return`] reads the authority's children, requests, cases and each case's
//! events ([`gather`]), folds each case to the census date (facts dated after it are
//! left out), keeps the cases the collection covers, builds the return's modules
//! ([`model`]), checks each child against the published rules ([`validate`]) and writes
//! the XML. A child missing a mandatory item, or breaking a rule, is **reported, not
//! exported**: listed in [`Sen2Report::refused`] with the rule, and absent from the
//! file. Items the record cannot fill (a ULN, a placement's URN without an
//! establishment register, a personal budget) are left out of the file and listed in
//! [`Sen2Report::unfillable`] with why; nothing is invented.
//!
//! The code lists are data ([`codes.toml`](codes), embedded at build time), because the
//! DfE changes them each year.
//!
//! **Structure not confirmed against the DfE XSD**: see [`model`] for the element
//! names and nesting used, and `codes.toml` for which code lists are confirmed.

pub mod gather;
pub mod model;
pub mod validate;

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use crate::domain::{CaseId, ChildId, UserRole};
use crate::store::{AuthorityScope, Database, StoreError};

/// Who may make the return: it reads every child's record in scope, so the roles that
/// read cases whole, less panel chairs (who decide cases, not report them).
pub const READERS: [UserRole; 3] = [UserRole::Caseworker, UserRole::Admin, UserRole::Auditor];

/// The code lists, as `codes.toml` holds them.
pub const CODES_TOML: &str = include_str!("codes.toml");

/// The year's code lists: each maps a code to its meaning.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Codes {
    /// Which year's lists these are.
    pub version: String,
    /// Item 1.4.
    pub sex: BTreeMap<String, String>,
    /// Item 1.5.
    pub ethnicity: BTreeMap<String, String>,
    /// Item 1.9.
    pub upn_unknown: BTreeMap<String, String>,
    /// Item 2.2.
    pub request_source: BTreeMap<String, String>,
    /// Item 2.5.
    pub request_outcome: BTreeMap<String, String>,
    /// Item 3.1.
    pub assessment_outcome: BTreeMap<String, String>,
    /// Item 5.5.
    pub review_outcome: BTreeMap<String, String>,
    /// Item 4.6.
    pub cease_reason: BTreeMap<String, String>,
    /// Items 4.7c and 5.7c.
    pub sen_setting: BTreeMap<String, String>,
    /// Item 5.8a.
    pub sen_type: BTreeMap<String, String>,
    /// How the record's values become codes.
    pub from_record: FromRecord,
}

/// How the record's own values become the return's codes.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct FromRecord {
    /// Who asked (the API's spelling) to request source.
    pub requested_by: BTreeMap<String, String>,
    /// An annual review's decision to review outcome.
    pub review_decision: BTreeMap<String, String>,
    /// The kind of setting to a no-URN SEN setting, where it is one.
    pub setting_type: BTreeMap<String, String>,
    /// The request's outcomes.
    pub request_outcome: RequestOutcomeCodes,
    /// The assessment's outcomes.
    pub assessment_outcome: AssessmentOutcomeCodes,
    /// The cease reasons the record itself shows.
    pub cease_reason: CeaseReasonCodes,
}

/// The request outcome codes the record's facts give.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RequestOutcomeCodes {
    /// Decided to assess.
    pub assess: String,
    /// Decided not to assess.
    pub refuse: String,
    /// Withdrawn before the decision.
    pub withdrawn: String,
}

/// The assessment outcome codes the record's facts give.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AssessmentOutcomeCodes {
    /// A plan was issued.
    pub issued: String,
    /// Decided not to issue one.
    pub not_to_issue: String,
    /// Withdrawn before the decision.
    pub withdrawn: String,
}

/// The cease reasons the record's facts give.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CeaseReasonCodes {
    /// The plan was transferred to another authority.
    pub transferred_out: String,
}

impl Codes {
    /// The shipped lists.
    pub fn shipped() -> Result<Self, Sen2Error> {
        Self::parse(CODES_TOML)
    }

    /// Lists from TOML text, naming what is wrong if they do not read.
    pub fn parse(text: &str) -> Result<Self, Sen2Error> {
        toml::from_str(text).map_err(|e| Sen2Error::Codes(e.to_string()))
    }
}

/// The software that made the file, as the header names it, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Software {
    /// The software's name (`SoftwareCode`).
    pub code: String,
    /// Its release.
    pub release: String,
    /// 1 for the first file for a census, more for each resubmission.
    pub serial_no: u32,
    /// When the file was made, in England.
    pub made_at: NaiveDateTime,
}

impl Software {
    /// This build of sendpanel, making its first file for the census at `now`.
    pub fn sendpanel(now: chrono::DateTime<chrono::Utc>) -> Self {
        Self {
            code: "sendpanel".into(),
            release: env!("CARGO_PKG_VERSION").into(),
            serial_no: 1,
            made_at: now.with_timezone(&chrono_tz::Europe::London).naive_local(),
        }
    }
}

/// How many records of each module the file holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ModuleCounts {
    /// Module 1.
    pub persons: usize,
    /// Module 2.
    pub requests: usize,
    /// Module 3.
    pub assessments: usize,
    /// Module 4a.
    pub named_plans: usize,
    /// Module 4b.
    pub plan_details: usize,
    /// Module 5a.
    pub active_plans: usize,
    /// Module 5b.
    pub placement_details: usize,
    /// Module 5c.
    pub sen_needs: usize,
}

impl ModuleCounts {
    /// Counts `person`'s records into these.
    fn add(&mut self, person: &model::Person) {
        self.persons += 1;
        for request in &person.requests {
            self.requests += 1;
            if let Some(assessment) = &request.assessment {
                self.assessments += 1;
                if let Some(plan) = &assessment.named_plan {
                    self.named_plans += 1;
                    self.plan_details += plan.plan_detail.len();
                }
            }
            if let Some(active) = &request.active_plans {
                self.active_plans += 1;
                self.placement_details += active.placement_detail.len();
                self.sen_needs += active.sen_need.len();
            }
        }
    }

    /// The modules as (name, count) pairs, in the return's order, for a page or a report.
    pub fn rows(&self) -> [(&'static str, usize); 8] {
        [
            ("1 Person", self.persons),
            ("2 Requests", self.requests),
            ("3 Assessment", self.assessments),
            ("4a Named plan", self.named_plans),
            ("4b Plan detail", self.plan_details),
            ("5a Active plans", self.active_plans),
            ("5b Placement detail", self.placement_details),
            ("5c SEN need", self.sen_needs),
        ]
    }
}

/// One rule a child's record broke.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RuleFailure {
    /// The rule's number: the item it is about, as the DfE guide numbers items (our
    /// numbering of the rules; the DfE's own validation numbers are not confirmed).
    pub rule: String,
    /// The rule, and what in the record broke it.
    pub text: String,
}

/// A child in scope who is not in the file, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ChildProblem {
    /// The child.
    #[schema(value_type = String)]
    pub child_id: ChildId,
    /// Their name, as caseworkers know them.
    pub name: String,
    /// Their UPN, when recorded.
    pub upn: Option<String>,
    /// The cases of theirs the return covers.
    #[schema(value_type = Vec<String>)]
    pub case_ids: Vec<CaseId>,
    /// Every rule broken.
    pub failures: Vec<RuleFailure>,
}

/// An item the record cannot fill, left out of the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Unfillable {
    /// The item, with its number in the DfE guide.
    pub item: String,
    /// Why the record cannot fill it.
    pub why: String,
    /// How many records in the file it was left out of.
    pub records: usize,
}

/// The return and what went into it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Sen2Report {
    /// The census date.
    pub census: NaiveDate,
    /// The file.
    #[serde(skip)]
    pub xml: Vec<u8>,
    /// Records per module in the file.
    pub exported: ModuleCounts,
    /// Children in scope left out, each with the rules their record broke.
    pub refused: Vec<ChildProblem>,
    /// Items left out because the record cannot fill them.
    pub unfillable: Vec<Unfillable>,
    /// Which year's code lists were used.
    pub code_lists: String,
    /// Every case of every child the return read, exported or refused: each is
    /// recorded in the access log as read ([`sen2_for`]).
    #[serde(skip)]
    pub read: Vec<(crate::domain::CaseId, crate::domain::ChildId)>,
}

/// Why no return could be made.
#[derive(Debug, thiserror::Error)]
pub enum Sen2Error {
    /// Reading the record failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The scope's authority is not registered.
    #[error("the authority {0} is not registered")]
    UnknownAuthority(String),
    /// The code lists do not read.
    #[error("the SEN2 code lists do not read: {0}")]
    Codes(String),
    /// The file could not be written.
    #[error("the SEN2 file could not be written: {0}")]
    Xml(String),
    /// The role may not make the return.
    #[error("a {0} may not make the SEN2 return: it is for caseworkers, admins and auditors")]
    NotAllowed(crate::domain::UserRole),
}

/// The SEN2 return of `scope`'s authority for the census on `census`: the file, what it
/// holds, who was refused and why, and what the record cannot fill.
pub fn sen2_return(
    db: &Database,
    scope: &AuthorityScope,
    census: NaiveDate,
    software: &Software,
) -> Result<Sen2Report, Sen2Error> {
    let codes = Codes::shipped()?;
    let record = gather::gather(db, scope, census)?;
    let read = record
        .children
        .iter()
        .flat_map(|child| child.cases.iter().map(|c| (c.case.id, child.child.id)))
        .collect();
    let mut notes = gather::Notes::default();
    let mut persons = Vec::new();
    let mut refused = Vec::new();
    let mut exported = ModuleCounts::default();
    for child in &record.children {
        let mut child_notes = gather::Notes::default();
        let built = gather::person(&codes, census, child, &mut child_notes);
        let failures = validate::check(&codes, census, &built);
        if failures.is_empty() {
            exported.add(&built.person);
            notes.merge(child_notes);
            persons.push(built.person);
        } else {
            refused.push(ChildProblem {
                child_id: child.child.id,
                name: child.child.full_name(),
                upn: child.child.upn.as_ref().map(ToString::to_string),
                case_ids: child.cases.iter().map(|c| c.case.id).collect(),
                failures,
            });
        }
    }
    let message = model::Message {
        header: model::Header {
            collection_details: model::CollectionDetails {
                collection: "SEN2".into(),
                year: chrono::Datelike::year(&census),
                reference_date: census,
            },
            source: model::Source {
                source_level: "L".into(),
                lea: format!("{:03}", record.la_number),
                software_code: software.code.clone(),
                release: software.release.clone(),
                serial_no: software.serial_no,
                date_time: software.made_at.format("%Y-%m-%dT%H:%M:%S").to_string(),
            },
        },
        persons: model::Persons { person: persons },
    };
    let xml = message
        .to_xml()
        .map_err(|e| Sen2Error::Xml(e.to_string()))?;
    Ok(Sen2Report {
        census,
        xml,
        exported,
        refused,
        unfillable: notes.into_list(),
        code_lists: codes.version,
        read,
    })
}

/// [`sen2_return`] made by `actor` through `route`: every case of every child it read
/// is recorded in the access log before the return is handed over, so a return whose
/// reads cannot be recorded is not given. Refused for a role not among [`READERS`].
pub fn sen2_for(
    services: &crate::services::Services,
    actor: &crate::services::Actor,
    census: NaiveDate,
    software: &Software,
    route: &str,
) -> Result<Sen2Report, Sen2Error> {
    if !READERS.contains(&actor.role) {
        return Err(Sen2Error::NotAllowed(actor.role));
    }
    let report = sen2_return(&services.db, &actor.scope, census, software)?;
    crate::access::record_export(
        services,
        actor,
        &report.read,
        crate::access::AccessKind::Sen2Return,
        route,
    )?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_code_lists_read_and_map_the_records_values_to_listed_codes() {
        let codes = Codes::shipped().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(codes.sen_type.len(), 13);
        assert_eq!(codes.cease_reason.len(), 9);
        for code in codes.from_record.requested_by.values() {
            assert!(codes.request_source.contains_key(code), "{code}");
        }
        for code in codes.from_record.review_decision.values() {
            assert!(codes.review_outcome.contains_key(code), "{code}");
        }
        for code in codes.from_record.setting_type.values() {
            assert!(codes.sen_setting.contains_key(code), "{code}");
        }
        let r = &codes.from_record;
        for code in [
            &r.request_outcome.assess,
            &r.request_outcome.refuse,
            &r.request_outcome.withdrawn,
        ] {
            assert!(codes.request_outcome.contains_key(code), "{code}");
        }
        for code in [
            &r.assessment_outcome.issued,
            &r.assessment_outcome.not_to_issue,
            &r.assessment_outcome.withdrawn,
        ] {
            assert!(codes.assessment_outcome.contains_key(code), "{code}");
        }
        assert!(
            codes
                .cease_reason
                .contains_key(&r.cease_reason.transferred_out)
        );
        // Every need the record can hold is a SEN type.
        for need in <crate::domain::NeedType as strum::IntoEnumIterator>::iter() {
            assert!(codes.sen_type.contains_key(&need.to_string()), "{need}");
        }
    }
}
