//! Real documents for the evidence ids a test's facts cite. Advice is refused on facts
//! citing anything but documents on the case, and the facts tests send are often a
//! plugin's own test vectors, whose ids ("ssp-1") name no document: these helpers upload
//! one small text document per id, through the service's own upload, and put the
//! documents' ids in their place (the plugins cite whatever ids the request carries).

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sendpanel_core::clock::BankHolidays;
use sendpanel_core::documents::{Documents, NewEvidence, Staging};
use sendpanel_core::domain::{CaseId, EvidenceKind, UserId, UserRole};
use sendpanel_core::policy::contract::RequestFacts;
use sendpanel_core::services::{Actor, Services};
use sendpanel_core::store::{AuthorityScope, Database};
use sendpanel_core::time::FixedClock;

/// Every evidence id `facts` cite, once each, in the order first cited.
pub fn evidence_ids(facts: &RequestFacts) -> Vec<String> {
    let needs = facts.needs.iter().flat_map(|n| &n.evidence);
    let cycles = facts.support_cycles.iter().flat_map(|c| &c.evidence);
    let professionals = facts.professionals.iter().flat_map(|p| &p.evidence);
    let mut ids: Vec<String> = Vec::new();
    for id in needs.chain(cycles).chain(professionals) {
        if !ids.contains(id) {
            ids.push(id.clone());
        }
    }
    ids
}

/// Replaces each evidence id in `facts` by the one `real` maps it to (ids it does not
/// map are left as they are).
pub fn replace_ids(facts: &mut RequestFacts, real: &HashMap<String, String>) {
    let swap = |ids: &mut Vec<String>| {
        for id in ids.iter_mut() {
            if let Some(new) = real.get(id.as_str()) {
                id.clone_from(new);
            }
        }
    };
    facts.needs.iter_mut().for_each(|n| swap(&mut n.evidence));
    facts
        .support_cycles
        .iter_mut()
        .for_each(|c| swap(&mut c.evidence));
    facts
        .professionals
        .iter_mut()
        .for_each(|p| swap(&mut p.evidence));
}

/// Uploads to `case`, as `uploader` (a caseworker of `scope`'s authority) at `now`, one
/// plain-text document per evidence id `facts` cite, and cites the documents' ids in
/// their place. Returns the map from each old id to its document's id.
pub fn cite_real_documents(
    db: &Database,
    scope: &AuthorityScope,
    case: CaseId,
    uploader: UserId,
    now: DateTime<Utc>,
    facts: &mut RequestFacts,
) -> anyhow::Result<HashMap<String, String>> {
    let real = upload_documents(db, scope, case, uploader, now, &evidence_ids(facts))?;
    replace_ids(facts, &real);
    Ok(real)
}

/// Uploads to `case` one plain-text document per name in `names`, as `uploader` at
/// `now`: the map from each name to its document's id.
pub fn upload_documents(
    db: &Database,
    scope: &AuthorityScope,
    case: CaseId,
    uploader: UserId,
    now: DateTime<Utc>,
    names: &[String],
) -> anyhow::Result<HashMap<String, String>> {
    let documents = Documents::scratch()?;
    let services = Services {
        db: db.clone(),
        holidays: Arc::new(BankHolidays::england_and_wales()),
        clock: Arc::new(FixedClock(now)),
    };
    let actor = Actor {
        user: uploader,
        role: UserRole::Caseworker,
        scope: scope.clone(),
    };
    let details = NewEvidence {
        kind: EvidenceKind::SupportPlan,
        author_organisation: "Riverside Primary School".into(),
        written_on: now.date_naive(),
        areas: Vec::new(),
    };
    // On a thread and runtime of their own, so an async test can call this too (a
    // runtime cannot block on another inside it).
    std::thread::scope(|threads| {
        threads
            .spawn(|| {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()?;
                let mut real = HashMap::new();
                for name in names {
                    let text = format!("Test evidence standing for \"{name}\" on case {case}.\n");
                    let staged = Staging::bytes(None, documents.max_bytes, text.as_bytes())?;
                    let evidence = runtime.block_on(documents.add_evidence(
                        &services,
                        &actor,
                        case,
                        &details,
                        &format!("{name}.txt"),
                        staged,
                    ))?;
                    real.insert(name.clone(), evidence.id.to_string());
                }
                Ok(real)
            })
            .join()
            .map_err(|_| anyhow::anyhow!("the uploads stopped part-way"))?
    })
}
