//! A subject access request (UK GDPR art. 15): everything sendpanel holds about one
//! child, as one ZIP an admin hands on (after the council's own redaction of third
//! parties, which is a person's judgement, not this module's).
//!
//! The archive holds, per case of the child: the case, its facts (the event log), its
//! decisions with their reasons, the plugin advice recorded on it, and every letter as
//! sent; and for the child, the record itself and every read of it (the access log).
//! The export is itself a read of the child's whole record: it is authorised (admins
//! only) and appended to the access log in the transaction that gathers it, so the
//! archive's own log ends with the reads made before it.

use std::io::{Cursor, Write};

use serde::Serialize;
use zip::write::SimpleFileOptions;

use crate::access::{self, AccessFilter, AccessKind};
use crate::domain::{ChildId, Document, UserRole};
use crate::services::{Actor, Services};
use crate::store::StoreError;
use crate::workflow::WorkflowError;

/// The roles that may export a child's record: admins, who answer subject access
/// requests for the authority.
pub const EXPORTERS: [UserRole; 1] = [UserRole::Admin];

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// Not allowed, or not this authority's child.
    #[error(transparent)]
    Workflow(#[from] WorkflowError),
    /// The archive could not be written.
    #[error("the archive could not be written: {0}")]
    Archive(String),
}

impl From<StoreError> for ExportError {
    fn from(error: StoreError) -> Self {
        Self::Workflow(error.into())
    }
}

/// The archive: its file name and bytes.
#[derive(Debug, Clone)]
pub struct Export {
    /// A file name naming the child by id, never by name.
    pub file_name: String,
    /// The ZIP.
    pub bytes: Vec<u8>,
}

/// Exports everything held about `child` for `actor`, recording the read (as through
/// `route`) on each of the child's cases. `NotFound` for another authority's child.
pub fn export_child(
    services: &Services,
    actor: &Actor,
    child: ChildId,
    route: &str,
) -> Result<Export, ExportError> {
    if !EXPORTERS.contains(&actor.role) {
        return Err(WorkflowError::NotAllowed {
            role: actor.role,
            doing: "export a child's record for a subject access request",
        }
        .into());
    }
    let now = services.clock.now();
    let scope = &actor.scope;
    let gathered = services.db.write(|tx| {
        let record = tx.get_child(scope, child)?;
        let cases: Vec<_> = tx
            .list_cases(scope)?
            .into_iter()
            .filter(|c| c.child_id == child)
            .collect();
        let mut per_case = Vec::with_capacity(cases.len());
        for case in cases {
            let events = tx.list_events(scope, Some(case.id))?;
            let decisions = tx.list_decisions(scope, case.id)?;
            let advice = tx.advice_for_case(scope, &case.id)?;
            let documents = tx
                .list_documents(scope, case.id)?
                .into_iter()
                .map(|listing| tx.get_document(scope, listing.id))
                .collect::<Result<Vec<_>, _>>()?;
            access::record(
                tx,
                scope,
                (actor.user, actor.role),
                (case.id, child),
                AccessKind::SubjectAccess,
                route,
                now,
            )?;
            per_case.push((case, events, decisions, advice, documents));
        }
        let reads = tx.list_access(
            scope,
            &AccessFilter {
                child: Some(child),
                user: None,
            },
            i64::MAX,
            0,
        )?;
        Ok((record, per_case, reads))
    })?;
    let (record, per_case, reads) = gathered;
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default();
    let mut put = |name: String, bytes: &[u8]| -> Result<(), ExportError> {
        zip.start_file(name, options)
            .map_err(|e| ExportError::Archive(e.to_string()))?;
        zip.write_all(bytes)
            .map_err(|e| ExportError::Archive(e.to_string()))
    };
    put(
        "README.txt".into(),
        readme(now, per_case.len(), reads.len()).as_bytes(),
    )?;
    put("child.json".into(), &json(&record)?)?;
    put("access-log.json".into(), &json(&reads)?)?;
    for (case, events, decisions, advice, documents) in &per_case {
        let dir = format!("cases/{}", case.id);
        put(format!("{dir}/case.json"), &json(case)?)?;
        put(format!("{dir}/facts.json"), &json(events)?)?;
        put(format!("{dir}/decisions.json"), &json(decisions)?)?;
        put(format!("{dir}/advice.json"), &json(advice)?)?;
        for document in documents {
            put(
                format!("{dir}/letters/{}.{}", document.id, extension(document)),
                &document.content,
            )?;
        }
    }
    let bytes = zip
        .finish()
        .map_err(|e| ExportError::Archive(e.to_string()))?
        .into_inner();
    Ok(Export {
        file_name: format!("subject-access-{child}.zip"),
        bytes,
    })
}

fn json(value: &impl Serialize) -> Result<Vec<u8>, ExportError> {
    serde_json::to_vec_pretty(value).map_err(|e| ExportError::Archive(e.to_string()))
}

/// The letter's file extension from its media type.
fn extension(document: &Document) -> &'static str {
    match document.media_type.split(';').next().map(str::trim) {
        Some("text/html") => "html",
        Some("application/pdf") => "pdf",
        Some("text/plain") => "txt",
        _ => "bin",
    }
}

fn readme(at: chrono::DateTime<chrono::Utc>, cases: usize, reads: usize) -> String {
    format!(
        "Everything sendpanel holds about one child, exported {} UTC for a subject access\r\n\
         request (UK GDPR art. 15).\r\n\r\n\
         child.json        the child's record\r\n\
         access-log.json   every read of the child's record ({reads}), this export included\r\n\
         cases/<id>/       one folder per case ({cases}): case.json, facts.json (the event\r\n\
         \x20                 log), decisions.json (with reasons), advice.json (policy plugin\r\n\
         \x20                 advice), letters/ (as sent)\r\n\r\n\
         Before disclosure, review for information about other people (UK GDPR art. 15(4)).\r\n",
        at.format("%-d %B %Y %H:%M")
    )
}
