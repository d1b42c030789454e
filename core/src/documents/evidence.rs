//! Adding a document to a case as evidence, listing a case's evidence, and opening one:
//! the commands the case page, the API and the papers call.

use bytes::Bytes;
use chrono::NaiveDate;
use serde::Deserialize;

use super::staging::Staged;
use super::{DocumentError, Documents};
use crate::access::{self, AccessKind};
use crate::domain::{
    CaseId, DocumentId, Evidence, EvidenceKind, NeedArea, ReceivedThrough, UserId, UserRole, text,
};
use crate::events::{self, CaseEvent};
use crate::services::{Actor, Services};
use crate::store::{AuthorityScope, NewEvent, Tx};
use crate::workflow::WorkflowError;

/// The roles that add evidence to a case: the caseworkers who gather it, and admins.
pub const UPLOADERS: [UserRole; 2] = [UserRole::Caseworker, UserRole::Admin];

/// What the uploader says about a document: the bytes say what type it is.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEvidence {
    /// What it is.
    pub kind: EvidenceKind,
    /// The organisation that wrote it (a school, the EP service, an NHS trust).
    pub author_organisation: String,
    /// The day it was written.
    pub written_on: NaiveDate,
    /// The areas of need it evidences (none for, say, a covering letter).
    #[serde(default)]
    pub areas: Vec<NeedArea>,
}

/// A document opened: what it is, and its bytes.
#[derive(Debug, Clone)]
pub struct OpenedDocument {
    /// What it is.
    pub evidence: Evidence,
    /// Its bytes, checked against the recorded hash.
    pub bytes: Bytes,
}

impl NewEvidence {
    /// Checks the fields a person typed, trimmed: the organisation is one line of 1 to
    /// 200 characters, the date is not in the future, no area is named twice.
    pub(crate) fn checked(
        &self,
        today: NaiveDate,
    ) -> Result<(String, Vec<NeedArea>), DocumentError> {
        let organisation = text::one_line("author_organisation", self.author_organisation.trim())?;
        let refuse = |field: &'static str, rule: &str| DocumentError::Refused {
            field,
            rule: rule.to_owned(),
        };
        if organisation.is_empty() {
            return Err(refuse(
                "author_organisation",
                "say which organisation wrote the document",
            ));
        }
        if organisation.chars().count() > 200 {
            return Err(refuse(
                "author_organisation",
                "must be 200 characters or fewer",
            ));
        }
        if self.written_on > today {
            return Err(DocumentError::Refused {
                field: "written_on",
                rule: format!("cannot be in the future (today is {today})"),
            });
        }
        let mut areas = self.areas.clone();
        areas.sort_unstable();
        areas.dedup();
        Ok((organisation.to_owned(), areas))
    }
}

impl Documents {
    /// Adds an uploaded document to `case` for `actor`: the fields are checked, then the
    /// file (name, type from its bytes, encryption, size, viruses), then it is kept in
    /// the store, then the evidence and an `EvidenceAdded` event are written in one
    /// transaction. Refused, with nothing recorded, for a role that may not upload
    /// ([`UPLOADERS`]), another authority's case (`NotFound`), a broken rule, or the same
    /// bytes already on the case.
    pub async fn add_evidence(
        &self,
        services: &Services,
        actor: &Actor,
        case: CaseId,
        details: &NewEvidence,
        file_name: &str,
        staged: Staged,
    ) -> Result<Evidence, DocumentError> {
        if !UPLOADERS.contains(&actor.role) {
            return Err(WorkflowError::NotAllowed {
                role: actor.role,
                doing: "add evidence to a case",
            }
            .into());
        }
        let (organisation, areas) = details.checked(services.clock.today())?;
        // Before anything is kept: the case is the actor's authority's, and these bytes
        // are not on it already.
        let scope = actor.scope.clone();
        let sha256 = staged.sha256().to_owned();
        let db = services.db.clone();
        blocking(move || {
            db.read(|tx| {
                tx.get_case(&scope, case)?;
                tx.find_evidence_by_hash(&scope, case, &sha256)
            })
            .map_err(DocumentError::from)
            .and_then(|existing| second_copy(existing.as_ref()))
        })
        .await?;
        let file_type = self.check_and_keep(file_name, &staged).await?;
        let evidence = Evidence {
            id: DocumentId::new(),
            authority_id: actor.scope.authority().clone(),
            case_id: case,
            kind: details.kind,
            file_name: file_name.to_owned(),
            media_type: file_type.media_type().to_owned(),
            size_bytes: staged.size(),
            sha256: staged.sha256().to_owned(),
            author_organisation: organisation,
            written_on: details.written_on,
            areas,
            received_through: ReceivedThrough::Upload,
            uploaded_by: Some(actor.user),
            uploaded_at: services.clock.now(),
            removed_at: None,
        };
        let (db, scope, user, stored) = (
            services.db.clone(),
            actor.scope.clone(),
            actor.user,
            evidence.clone(),
        );
        tracing::info!(case_id = %case, evidence = %evidence.id, "evidence added");
        blocking(move || {
            db.write_with(|tx| {
                tx.lock_case(&scope, case)?;
                record_evidence(tx, &scope, &stored, Some(user))
            })
        })
        .await?;
        Ok(evidence)
    }

    /// One piece of evidence on `case`, bytes and all, for `actor`, recorded in the
    /// access log as read through `route`: refused for a role that may not open cases,
    /// `NotFound` for another case's or authority's document.
    pub async fn open_evidence(
        &self,
        services: &Services,
        actor: &Actor,
        case: CaseId,
        document: DocumentId,
        route: &'static str,
    ) -> Result<OpenedDocument, DocumentError> {
        if !access::may_open_case(actor.role) {
            return Err(WorkflowError::NotAllowed {
                role: actor.role,
                doing: "open a case's documents outside the papers of a sitting they sit on",
            }
            .into());
        }
        let (db, who, now) = (services.db.clone(), actor.clone(), services.clock.now());
        let evidence = blocking(move || {
            db.write(|tx| {
                let evidence = tx.get_evidence(&who.scope, case, document)?;
                let child = tx.get_case(&who.scope, case)?.child_id;
                access::record(
                    tx,
                    &who.scope,
                    (who.user, who.role),
                    (case, child),
                    AccessKind::Document,
                    route,
                    now,
                )?;
                Ok(evidence)
            })
            .map_err(DocumentError::from)
        })
        .await?;
        if let Some(removed) = evidence.removed_at {
            return Err(DocumentError::Refused {
                field: "document",
                rule: format!(
                    "{} was removed on {} under the authority's retention schedule; its record stays",
                    evidence.file_name,
                    removed.date_naive()
                ),
            });
        }
        let bytes = self.storage.read(&evidence.sha256).await?;
        Ok(OpenedDocument { evidence, bytes })
    }
}

/// A case's evidence, for a role that may open the case (the case page records the
/// read of the page itself).
pub fn list_evidence(
    services: &Services,
    actor: &Actor,
    case: CaseId,
) -> Result<Vec<Evidence>, WorkflowError> {
    if !access::may_open_case(actor.role) {
        return Err(WorkflowError::NotAllowed {
            role: actor.role,
            doing: "open a case outside the papers of a sitting they sit on",
        });
    }
    Ok(services.db.read(|tx| {
        tx.get_case(&actor.scope, case)?;
        tx.list_evidence(&actor.scope, case)
    })?)
}

/// Refuses bytes already on the case, naming the copy there.
fn second_copy(existing: Option<&Evidence>) -> Result<(), DocumentError> {
    match existing {
        Some(existing) => Err(DocumentError::Refused {
            field: "file",
            rule: format!(
                "this file is already on the case as \"{}\" (added {})",
                existing.file_name,
                existing.uploaded_at.date_naive()
            ),
        }),
        None => Ok(()),
    }
}

/// Writes `evidence` and its event inside the caller's transaction (the case taken):
/// the same bytes on the same case are refused here too, so two uploads at once of one
/// file leave one.
pub(crate) fn record_evidence(
    tx: &mut Tx<'_>,
    scope: &AuthorityScope,
    evidence: &Evidence,
    actor: Option<UserId>,
) -> Result<(), DocumentError> {
    second_copy(
        tx.find_evidence_by_hash(scope, evidence.case_id, &evidence.sha256)?
            .as_ref(),
    )?;
    tx.insert_evidence(scope, evidence)?;
    tx.append_event(
        scope,
        NewEvent {
            case_id: Some(evidence.case_id),
            actor,
            fact: CaseEvent::EvidenceAdded(events::EvidenceAdded {
                evidence: evidence.id,
                kind: evidence.kind,
                sha256: evidence.sha256.clone(),
                received_through: evidence.received_through,
            }),
            occurred_at: evidence.uploaded_at,
        },
    )?;
    Ok(())
}

/// Runs a database step off the async workers.
pub(crate) async fn blocking<T: Send + 'static>(
    step: impl FnOnce() -> Result<T, DocumentError> + Send + 'static,
) -> Result<T, DocumentError> {
    tokio::task::spawn_blocking(step)
        .await
        .map_err(|e| DocumentError::Staging(format!("a database step stopped: {e}")))?
}
