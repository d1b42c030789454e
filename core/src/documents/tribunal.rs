//! The First-tier Tribunal (SEND) bundle for an appeal: the case's chosen documents,
//! its decisions with their reasons, and the letters sent, as one paginated PDF with an
//! index and section dividers ([`crate::bundle`] lays it out). The authority, as the
//! respondent, prepares it; building one reads the child's whole record, so it is
//! recorded in the access log like any other read.

use serde::Deserialize;

use super::evidence::blocking;
use super::{DocumentError, Documents, FileType};
use crate::access::{self, AccessKind};
use crate::bundle::{self, Bundle, BundleHeading, BundlePart, PartContent, Section};
use crate::domain::{
    Decision, Document, DocumentId, DocumentKind, Evidence, EvidenceKind, UserRole,
};
use crate::services::{Actor, Services};
use crate::workflow::{CaseState, WorkflowError};

/// Who prepares a bundle: the caseworkers who answer the appeal, and admins.
pub const BUNDLE_MAKERS: [UserRole; 2] = [UserRole::Caseworker, UserRole::Admin];

/// What goes in the bundle, as the caseworker chooses it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BundleChoice {
    /// The Tribunal's reference for the appeal, printed on every index page; the case's
    /// id when not given.
    #[serde(default)]
    pub tribunal_reference: Option<String>,
    /// The documents to include; every document on the case when not given.
    #[serde(default)]
    #[schema(value_type = Option<Vec<String>>)]
    pub documents: Option<Vec<DocumentId>>,
}

/// Which section of the bundle a piece of evidence belongs in: the family's views are
/// theirs; the advice and reports gathered in the assessment are the authority's.
fn section_of(kind: EvidenceKind) -> Section {
    match kind {
        EvidenceKind::FamilyViews => Section::ParentEvidence,
        EvidenceKind::SupportPlan
        | EvidenceKind::EpReport
        | EvidenceKind::HealthAdvice
        | EvidenceKind::SocialCareAdvice
        | EvidenceKind::SchoolReport => Section::LocalAuthorityEvidence,
        EvidenceKind::Other => Section::Other,
    }
}

/// A decision as the bundle prints it: what was decided, when, and why.
fn decision_text(decision: &Decision) -> String {
    format!(
        "Decision: {} ({})\nDecided on {}\n\nReasons:\n{}",
        decision.kind,
        decision.outcome,
        decision.decided_at.format("%-d %B %Y"),
        decision.reasons.as_str()
    )
}

/// What the record holds for the bundle, read in one transaction.
struct Gathered {
    heading: BundleHeading,
    appealed: Option<crate::domain::DecisionId>,
    decisions: Vec<Decision>,
    letters: Vec<Document>,
    evidence: Vec<Evidence>,
}

impl Documents {
    /// Builds the Tribunal bundle for `case`, which must have an appeal lodged and not
    /// yet decided. The decision under appeal goes in section A; the other decisions and
    /// the letters in B; the documents by kind in C, D or E, each section in date order.
    /// Word and OpenDocument files are listed in the index as attached separately.
    /// Refused for a role that may not prepare one ([`BUNDLE_MAKERS`]), a case with no
    /// appeal pending, or a chosen document not on the case.
    pub async fn tribunal_bundle(
        &self,
        services: &Services,
        actor: &Actor,
        case: crate::domain::CaseId,
        choice: &BundleChoice,
        route: &'static str,
    ) -> Result<Bundle, DocumentError> {
        if !BUNDLE_MAKERS.contains(&actor.role) {
            return Err(WorkflowError::NotAllowed {
                role: actor.role,
                doing: "prepare a Tribunal bundle",
            }
            .into());
        }
        let (db, who, choice_owned) = (services.db.clone(), actor.clone(), choice.clone());
        let (now, today) = (services.clock.now(), services.clock.today());
        let gathered = blocking(move || {
            db.write_with(|tx| {
                let scope = &who.scope;
                let state = CaseState::load(tx, scope, case)?;
                let Some(appeal) = state.pending_appeal.clone() else {
                    return Err(DocumentError::Refused {
                        field: "case",
                        rule: "no appeal is pending on this case: a Tribunal bundle is for an \
                               appeal lodged and not yet decided"
                            .to_owned(),
                    });
                };
                let record = tx.get_case(scope, case)?;
                let child = tx.get_child(scope, record.child_id)?;
                let authority = tx
                    .find_authority(scope.authority())?
                    .map_or_else(|| scope.authority().to_string(), |a| a.name);
                let mut evidence: Vec<Evidence> = tx
                    .list_evidence(scope, case)?
                    .into_iter()
                    .filter(|e| e.removed_at.is_none())
                    .collect();
                if let Some(chosen) = &choice_owned.documents {
                    if let Some(missing) = chosen
                        .iter()
                        .find(|id| !evidence.iter().any(|e| e.id == **id))
                    {
                        return Err(DocumentError::Refused {
                            field: "documents",
                            rule: format!("{missing} is not a document on this case"),
                        });
                    }
                    evidence.retain(|e| chosen.contains(&e.id));
                }
                let letters = tx
                    .list_documents(scope, case)?
                    .into_iter()
                    .filter(|d| d.kind == DocumentKind::Letter)
                    .collect();
                access::record(
                    tx,
                    scope,
                    (who.user, who.role),
                    (case, record.child_id),
                    AccessKind::Document,
                    route,
                    now,
                )?;
                let initial = |name: &str| {
                    name.chars()
                        .next()
                        .map(|c| format!("{c}."))
                        .unwrap_or_default()
                };
                Ok(Gathered {
                    heading: BundleHeading {
                        case_reference: choice_owned
                            .tribunal_reference
                            .clone()
                            .filter(|r| !r.trim().is_empty())
                            .unwrap_or_else(|| case.to_string()),
                        child_initials: format!(
                            "{} {}",
                            initial(child.given_name.as_str()),
                            initial(child.family_name.as_str())
                        ),
                        authority_name: authority,
                        prepared_on: today,
                    },
                    appealed: Some(appeal.decision),
                    decisions: tx.list_decisions(scope, case)?,
                    letters,
                    evidence,
                })
            })
        })
        .await?;
        let mut parts = Vec::new();
        for decision in &gathered.decisions {
            parts.push(BundlePart {
                section: if Some(decision.id) == gathered.appealed {
                    Section::AppealDocuments
                } else {
                    Section::LocalAuthorityResponse
                },
                title: format!("Decision: {} ({})", decision.kind, decision.outcome),
                dated: Some(decision.decided_at.date_naive()),
                content: PartContent::Text(decision_text(decision)),
            });
        }
        for letter in &gathered.letters {
            parts.push(BundlePart {
                section: Section::LocalAuthorityResponse,
                title: letter.title.clone(),
                dated: Some(letter.created_at.date_naive()),
                content: PartContent::Html(String::from_utf8_lossy(&letter.content).into_owned()),
            });
        }
        for evidence in &gathered.evidence {
            let file_type = FileType::from_media_type(&evidence.media_type);
            let content = match file_type {
                Some(FileType::Docx | FileType::Odt) | None => PartContent::AttachedSeparately {
                    media_type: evidence.media_type.clone(),
                },
                Some(kind) => {
                    let bytes = self.storage.read(&evidence.sha256).await?.to_vec();
                    match kind {
                        FileType::Pdf => PartContent::Pdf(bytes),
                        FileType::Text => {
                            PartContent::Text(String::from_utf8_lossy(&bytes).into_owned())
                        }
                        _ => PartContent::Image {
                            bytes,
                            media_type: evidence.media_type.clone(),
                        },
                    }
                }
            };
            parts.push(BundlePart {
                section: section_of(evidence.kind),
                title: format!(
                    "{}: {} ({})",
                    evidence.kind.words(),
                    evidence.file_name,
                    evidence.author_organisation
                ),
                dated: Some(evidence.written_on),
                content,
            });
        }
        let heading = gathered.heading;
        tokio::task::spawn_blocking(move || bundle::build(&heading, parts))
            .await
            .map_err(|e| DocumentError::Staging(format!("building the bundle stopped: {e}")))?
            .map_err(|e| DocumentError::Refused {
                field: "documents",
                rule: e.to_string(),
            })
    }
}
