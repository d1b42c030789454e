//! The documents a demo request's facts cite, uploaded to its case as a caseworker
//! uploads them, so the facts sent to the plugin carry real document ids and the
//! panel's papers list real evidence.
//!
//! `seed.toml` names each piece of evidence by a short key (`"ep-consultation-report"`)
//! where it is cited: a need, a support cycle, a professional's involvement. Each key
//! becomes one small plain-text document headed "Illustrative demo document", whose
//! kind, author, date and areas are read from where it is cited: a professional's
//! report is theirs, dated their latest contact; a support cycle's evidence is the
//! setting's SEN support plan, dated the end of its latest cycle; evidence cited only
//! by a need is the setting's report, dated the day the request arrived. No council's
//! papers give these details; they are filler, said so in every document.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use chrono::NaiveDate;

use super::seed::SeedRequest;
use super::{DemoError, Shift};
use crate::clock::BankHolidays;
use crate::documents::{DocumentError, Documents, NewEvidence, Staging};
use crate::domain::{CaseId, EvidenceKind, NeedArea, RequestedBy, UserId, UserRole};
use crate::policy::contract::{AreaOfNeed, Professional};
use crate::services::{Actor, Services};
use crate::store::{AuthorityScope, Database};
use crate::time::FixedClock;

/// Each seed evidence key a request cites, and the id of the document uploaded for it.
pub(super) type Uploaded = HashMap<String, String>;

/// One document to upload: what `seed.toml` says of a piece of evidence.
#[derive(Debug)]
struct DemoDocument {
    key: String,
    kind: EvidenceKind,
    author: String,
    /// The seed's date (not yet shifted).
    written_on: NaiveDate,
    areas: BTreeSet<NeedArea>,
}

/// Where a case's documents are uploaded, by whom and on which day.
pub(super) struct Upload<'a> {
    pub documents: &'a Documents,
    pub db: &'a Database,
    pub holidays: &'a BankHolidays,
    pub scope: &'a AuthorityScope,
    pub case: CaseId,
    pub caseworker: UserId,
    /// The day the request arrived with its documents: a clock on that day (noon, or
    /// now if earlier).
    pub clock: FixedClock,
    pub shift: Shift,
}

/// Uploads one document per evidence key `request` cites, through the same
/// [`Documents::add_evidence`] a caseworker's upload goes through. The calls are
/// async; the demo is seeded before any server runs, so they run on a runtime of their
/// own, on a thread of their own (a caller already inside a runtime cannot block on
/// another).
pub(super) fn upload(request: &SeedRequest, to: &Upload<'_>) -> Result<Uploaded, DemoError> {
    let documents = cited(request);
    if documents.is_empty() {
        return Ok(Uploaded::new());
    }
    let services = Services {
        db: to.db.clone(),
        holidays: Arc::new(to.holidays.clone()),
        clock: Arc::new(to.clock),
    };
    let actor = Actor {
        user: to.caseworker,
        role: UserRole::Caseworker,
        scope: to.scope.clone(),
    };
    let today = to.clock.0.date_naive();
    let work = async {
        let mut uploaded = Uploaded::new();
        for document in &documents {
            let details = NewEvidence {
                kind: document.kind,
                author_organisation: document.author.clone(),
                written_on: to.shift.apply(document.written_on).min(today),
                areas: document.areas.iter().copied().collect(),
            };
            let text = body(request, document, &details);
            let staged = Staging::bytes(
                to.documents.staging_dir.as_deref(),
                to.documents.max_bytes,
                text.as_bytes(),
            )?;
            let file_name = format!("{}.txt", document.key);
            let evidence = to
                .documents
                .add_evidence(&services, &actor, to.case, &details, &file_name, staged)
                .await?;
            uploaded.insert(document.key.clone(), evidence.id.to_string());
        }
        Ok::<_, DocumentError>(uploaded)
    };
    let ran = std::thread::scope(|threads| {
        threads
            .spawn(|| {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| {
                        DocumentError::Staging(format!("no runtime for the demo's uploads: {e}"))
                    })?
                    .block_on(work)
            })
            .join()
    });
    match ran {
        Ok(uploaded) => Ok(uploaded?),
        Err(_) => Err(DemoError::Document(DocumentError::Staging(
            "the demo's uploads stopped part-way".to_owned(),
        ))),
    }
}

/// The evidence keys `request`'s facts cite, in the order first cited (professionals
/// first, whose reports say most about who wrote them), each with what its
/// citations say of it.
fn cited(request: &SeedRequest) -> Vec<DemoDocument> {
    let facts = &request.facts;
    let setting = setting_name(request);
    let mut documents: Vec<DemoDocument> = Vec::new();
    let mut cite =
        |key: &str, kind: EvidenceKind, author: &str, on: NaiveDate, area: Option<AreaOfNeed>| {
            let found = documents.iter().position(|d| d.key == key);
            let document = match found.and_then(|i| documents.get_mut(i)) {
                Some(document) => {
                    // A plan reviewed after several cycles is dated by the latest.
                    if kind == EvidenceKind::SupportPlan && document.kind == kind {
                        document.written_on = document.written_on.max(on);
                    }
                    document
                }
                None => {
                    documents.push(DemoDocument {
                        key: key.to_owned(),
                        kind,
                        author: author.to_owned(),
                        written_on: on,
                        areas: BTreeSet::new(),
                    });
                    let Some(document) = documents.last_mut() else {
                        return;
                    };
                    document
                }
            };
            document.areas.extend(area.map(need_area));
        };
    for p in &facts.professionals {
        let (kind, author) = professional(p.who);
        for key in &p.evidence {
            cite(key, kind, author, p.last_contact.unwrap_or(p.started), None);
        }
    }
    for c in &facts.cycles {
        for key in &c.evidence {
            let on = c.ended.unwrap_or(c.started).min(request.received_on);
            cite(key, EvidenceKind::SupportPlan, &setting, on, Some(c.area));
        }
    }
    let needs_kind = match request.requested_by {
        RequestedBy::Setting => EvidenceKind::SchoolReport,
        RequestedBy::Parent | RequestedBy::YoungPerson => EvidenceKind::Other,
    };
    for n in &facts.needs {
        for key in &n.evidence {
            cite(key, needs_kind, &setting, request.received_on, Some(n.area));
        }
    }
    documents
}

/// The setting that wrote the school's evidence: named in the requester when a
/// setting asked ("SENCO, Harbourside Primary School"), otherwise unnamed.
fn setting_name(request: &SeedRequest) -> String {
    match request.requester.split_once(", ") {
        Some((_, setting)) if request.requested_by == RequestedBy::Setting => setting.to_owned(),
        _ => "The child's school or setting".to_owned(),
    }
}

/// The kind of report a professional writes, and the service they write for.
fn professional(who: Professional) -> (EvidenceKind, &'static str) {
    use EvidenceKind::{EpReport, HealthAdvice, Other, SocialCareAdvice};
    match who {
        Professional::EducationalPsychologist => (EpReport, "Educational Psychology Service"),
        Professional::SpeechAndLanguageTherapist => {
            (HealthAdvice, "NHS Speech and Language Therapy")
        }
        Professional::OccupationalTherapist => (HealthAdvice, "NHS Occupational Therapy"),
        Professional::Physiotherapist => (HealthAdvice, "NHS Children's Physiotherapy"),
        Professional::Camhs => (HealthAdvice, "CAMHS"),
        Professional::Paediatrician => (HealthAdvice, "NHS Community Paediatrics"),
        Professional::SocialCare => (SocialCareAdvice, "Children's Social Care"),
        Professional::SpecialistTeacher => (Other, "Specialist Teaching Service"),
        Professional::TeacherOfTheDeaf | Professional::QualifiedTeacherOfVisionImpairment => {
            (Other, "Sensory Support Service")
        }
        Professional::EarlyHelp => (SocialCareAdvice, "Early Help"),
        Professional::VirtualSchool => (Other, "Virtual School"),
        Professional::Other => (Other, "Other professional"),
    }
}

fn need_area(area: AreaOfNeed) -> NeedArea {
    match area {
        AreaOfNeed::CognitionAndLearning => NeedArea::CognitionAndLearning,
        AreaOfNeed::CommunicationAndInteraction => NeedArea::CommunicationAndInteraction,
        AreaOfNeed::SocialEmotionalAndMentalHealth => NeedArea::SocialEmotionalAndMentalHealth,
        AreaOfNeed::SensoryAndPhysical => NeedArea::SensoryAndPhysical,
    }
}

/// The document's text: marked illustrative at the top, then what it stands for.
fn body(request: &SeedRequest, document: &DemoDocument, details: &NewEvidence) -> String {
    let areas: Vec<&str> = details.areas.iter().map(|a| a.words()).collect();
    format!(
        "Illustrative demo document\n\
         \n\
         This is not a real report. The sendpanel demo made it to stand for the evidence\n\
         \"{key}\" cited in the request for an assessment of {given} {family}'s needs.\n\
         \n\
         Kind: {kind}\n\
         Written by: {author}\n\
         Date: {date}\n\
         Areas of need: {areas}\n\
         \n\
         The request's summary: {summary}\n",
        key = document.key,
        given = request.given_name,
        family = request.family_name,
        kind = details.kind.words(),
        author = details.author_organisation,
        date = details.written_on,
        areas = if areas.is_empty() {
            "none named".to_owned()
        } else {
            areas.join("; ")
        },
        summary = request.summary,
    )
}

/// `ids`, each seed key replaced by the id of the document uploaded for it.
pub(super) fn real_ids(ids: &[String], uploaded: &Uploaded) -> Result<Vec<String>, DemoError> {
    ids.iter()
        .map(|key| {
            uploaded.get(key).cloned().ok_or_else(|| DemoError::Seed {
                key: format!("evidence {key}"),
                rule: "was cited but no document was uploaded for it".to_owned(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cited_key_gets_one_illustrative_document_read_from_where_it_is_cited() {
        let seed = crate::demo::seed::load().unwrap();
        let mut documents = 0;
        for request in seed.authorities.iter().flat_map(|a| &a.requests) {
            let cited = cited(request);
            let facts = &request.facts;
            let keys: BTreeSet<&String> = facts
                .needs
                .iter()
                .flat_map(|n| &n.evidence)
                .chain(facts.cycles.iter().flat_map(|c| &c.evidence))
                .chain(facts.professionals.iter().flat_map(|p| &p.evidence))
                .collect();
            assert_eq!(cited.len(), keys.len(), "{}", request.upn.as_str());
            for document in &cited {
                assert!(
                    document.written_on <= request.received_on,
                    "{}",
                    document.key
                );
                let details = NewEvidence {
                    kind: document.kind,
                    author_organisation: document.author.clone(),
                    written_on: document.written_on,
                    areas: document.areas.iter().copied().collect(),
                };
                assert!(
                    body(request, document, &details).starts_with("Illustrative demo document\n")
                );
            }
            documents += cited.len();
        }
        assert!(documents > 20, "{documents}");
        // A professional's report is theirs: Mason's diagnosis is the paediatrician's.
        let mason = seed
            .authorities
            .iter()
            .flat_map(|a| &a.requests)
            .find(|r| {
                r.facts
                    .professionals
                    .iter()
                    .any(|p| p.evidence.iter().any(|e| e == "autism-diagnosis-2024"))
            })
            .unwrap();
        let diagnosis = cited(mason)
            .into_iter()
            .find(|d| d.key == "autism-diagnosis-2024")
            .unwrap();
        assert_eq!(diagnosis.kind, EvidenceKind::HealthAdvice);
        assert_eq!(diagnosis.author, "NHS Community Paediatrics");
        assert!(
            diagnosis
                .areas
                .contains(&NeedArea::CommunicationAndInteraction)
        );
    }
}
