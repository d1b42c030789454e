//! The retention job: documents on cases closed more than so many years ago are
//! removed from the store, from the command line only (`sendpanel documents retention`),
//! and only after a report of what would go. The service itself never deletes a
//! document: a request can never lose evidence. The evidence's record (what it was, who
//! sent it, when) stays, stamped with the day its bytes were removed.
//!
//! The number of years is the authority's retention schedule (councils commonly keep
//! SEN files until the young person is 31, or for a set period after closure); the
//! service holds no default of its own for a council: the operator names it.

use chrono::{DateTime, Months, NaiveDate, Utc};

use super::{DocumentError, DocumentStorage};
use crate::domain::{CaseId, CaseStage, DocumentId, EventKind};
use crate::store::{AuthorityScope, Database};

/// One document the job would remove.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expired {
    /// The case.
    pub case: CaseId,
    /// The document.
    pub document: DocumentId,
    /// Its file name.
    pub file_name: String,
    /// Its bytes' hash.
    pub sha256: String,
    /// The day the case closed: its last change other than paperwork arriving or being
    /// read.
    pub closed_on: NaiveDate,
}

/// Events that record paperwork arriving or being read, not a change to the case.
fn incidental(kind: EventKind) -> bool {
    matches!(
        kind,
        EventKind::EvidenceAdded
            | EventKind::AdviceLinkSent
            | EventKind::AdviceChased
            | EventKind::AdviceLinkRevoked
            | EventKind::PapersOpened
            | EventKind::DocumentStored
    )
}

/// Every document of the scope's authority on a case that closed (ceased or closed)
/// more than `years` before `today`, not yet removed: the report shown before
/// anything is removed.
pub fn due(
    db: &Database,
    scope: &AuthorityScope,
    years: u32,
    today: NaiveDate,
) -> Result<Vec<Expired>, DocumentError> {
    let cut_off = today
        .checked_sub_months(Months::new(years.saturating_mul(12)))
        .ok_or_else(|| DocumentError::Refused {
            field: "years",
            rule: "is too many years".to_owned(),
        })?;
    Ok(db.read(|tx| {
        let mut due = Vec::new();
        for case in tx.list_cases(scope)? {
            if !matches!(case.stage, CaseStage::Ceased | CaseStage::Closed) {
                continue;
            }
            // The case's last change that was not a document arriving or being read:
            // a report filed after closure does not restart the clock.
            let Some(closed_on) = tx
                .list_events(scope, Some(case.id))?
                .iter()
                .rev()
                .find(|e| !incidental(e.kind()))
                .map(|e| e.occurred_at.date_naive())
            else {
                continue;
            };
            if closed_on >= cut_off {
                continue;
            }
            for evidence in tx.list_evidence(scope, case.id)? {
                if evidence.removed_at.is_none() {
                    due.push(Expired {
                        case: case.id,
                        document: evidence.id,
                        file_name: evidence.file_name,
                        sha256: evidence.sha256,
                        closed_on,
                    });
                }
            }
        }
        Ok(due)
    })?)
}

/// Removes what [`due`] reported: each record is stamped first, then the bytes go from
/// the store once no other record holds them. Returns how many documents' bytes were
/// removed from the store.
pub async fn remove(
    db: &Database,
    storage: &DocumentStorage,
    scope: &AuthorityScope,
    expired: &[Expired],
    now: DateTime<Utc>,
) -> Result<usize, DocumentError> {
    let mut removed = 0;
    for item in expired {
        let (db, scope, id, sha) = (
            db.clone(),
            scope.clone(),
            item.document,
            item.sha256.clone(),
        );
        let still_held = super::evidence::blocking(move || {
            Ok(db.write(|tx| {
                tx.mark_evidence_removed(&scope, id, now)?;
                tx.evidence_bytes_still_held(&sha)
            })?)
        })
        .await?;
        if !still_held {
            storage.remove(&item.sha256).await?;
            removed += 1;
        }
    }
    Ok(removed)
}
