//! What a caseworker reads: one case whole, and the caseload ordered by what is due
//! next. Read-only; each query is scoped to the caller's authority.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Serialize;

use super::WorkflowError;
use crate::domain::{
    AssessmentRequest, CaseId, CaseStage, ChildId, Deadline, DeadlineException, DeadlineStatus,
    Decision, Document, DocumentId, DocumentKind, Event, RequestId, StoredAdvice,
};
use crate::store::{AuthorityScope, Database, StoreError, Tx};

/// Days before a deadline at which an open case is flagged "at risk".
pub const AT_RISK_DAYS: i64 = 10;

/// A deadline as shown: its rule, and whether it is overdue or at risk today.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DeadlineView {
    /// Which limit.
    pub kind: String,
    /// The last day on time.
    pub due_on: NaiveDate,
    /// The rule, citing the Act or Regulations.
    pub rule: &'static str,
    /// open, met or disapplied.
    pub status: String,
    /// Which of several limits of one kind, e.g. the advice source for `advice_due`
    /// (each request for advice runs its own 6 weeks, Reg 8(1)).
    pub subject: Option<String>,
    /// Open and past its day. A disapplied limit is never overdue: an exception in the
    /// Regulations (reg. 5(4), 8(2), 10(4), 13(3)) means it no longer binds.
    pub overdue: bool,
    /// Open and due within [`AT_RISK_DAYS`]; never a met or disapplied limit.
    pub at_risk: bool,
}

impl DeadlineView {
    pub(crate) fn new(deadline: &Deadline, today: NaiveDate) -> Self {
        let open = deadline.status == DeadlineStatus::Open;
        let days_left = (deadline.due_on - today).num_days();
        Self {
            kind: deadline.kind.to_string(),
            due_on: deadline.due_on,
            rule: deadline.kind.rule(),
            status: deadline.status.to_string(),
            subject: deadline.subject.clone(),
            overdue: open && days_left < 0,
            at_risk: open && (0..=AT_RISK_DAYS).contains(&days_left),
        }
    }
}

/// A letter kept on a case, without its bytes: what a caseworker lists to see what the
/// family was sent and when. The letter itself is read one at a time, each read recorded
/// in the access log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct LetterView {
    /// The stored document's id.
    pub id: DocumentId,
    /// The letter's title, as the family read it.
    pub title: String,
    /// When it was written (with the decision or step that caused it).
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// Hex SHA-256 of the letter as sent, so a copy can be proved to be the one sent.
    pub sha256: String,
}

/// One case, whole: the request, where it stands, its deadlines, advice, decisions, the
/// event history, the exceptions claimed on its limits and the letters sent.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaseView {
    /// The case's id, which the API also uses for the request.
    pub id: CaseId,
    /// The child's name, as caseworkers know the case.
    pub child_name: String,
    /// The child's date of birth: ages in policy facts are worked out from it.
    pub date_of_birth: NaiveDate,
    /// Where it stands.
    pub stage: CaseStage,
    /// The request as received.
    pub request: AssessmentRequest,
    /// Deadlines, soonest first.
    pub deadlines: Vec<DeadlineView>,
    /// Policy advice, oldest first, with the plugin's hash, input and answer.
    pub advice: Vec<StoredAdvice>,
    /// Decisions with who made them and why.
    pub decisions: Vec<Decision>,
    /// The append-only history.
    pub events: Vec<Event>,
    /// Exceptions claimed on the case's limits, oldest first, with the provision, the
    /// evidence, the dates and who claimed them: why a deadline shows "disapplied".
    pub exceptions: Vec<DeadlineException>,
    /// Letters written to the family, oldest first.
    pub letters: Vec<LetterView>,
    /// Documents kept as evidence, by the day each was written.
    pub evidence: Vec<crate::domain::Evidence>,
}

/// A case on the caseload, with its next open deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CaseloadEntry {
    /// The case.
    pub id: CaseId,
    /// The child's name, as caseworkers know the case.
    pub child_name: String,
    /// Where it stands.
    pub stage: CaseStage,
    /// The day the request was received.
    pub received_on: NaiveDate,
    /// The soonest open deadline, if any.
    pub next_deadline: Option<DeadlineView>,
}

/// One case of the scope's authority; `NotFound` for another authority's. Records no
/// read: what a person opens goes through [`crate::access::read_case`], which checks
/// their role and records the read; this is for the core's own uses (a command's reply
/// to the caller who just recorded it, the step forms) and for tests.
pub fn case_view(
    db: &Database,
    scope: &AuthorityScope,
    id: CaseId,
    today: NaiveDate,
) -> Result<CaseView, WorkflowError> {
    Ok(db.read(|tx| gather_case(tx, scope, id, today))?.0)
}

/// Reads one case whole inside the caller's transaction, with the child it is about
/// (which the access log records beside the case).
pub(crate) fn gather_case(
    tx: &mut Tx<'_>,
    scope: &AuthorityScope,
    id: CaseId,
    today: NaiveDate,
) -> Result<(CaseView, ChildId), StoreError> {
    let (case, request, child) = tx.get_case_with_request_and_child(scope, id)?;
    let deadlines = tx
        .list_deadlines(scope, id)?
        .iter()
        .map(|d| DeadlineView::new(d, today))
        .collect();
    let view = CaseView {
        id,
        child_name: format!(
            "{} {}",
            child.given_name.as_str(),
            child.family_name.as_str()
        ),
        date_of_birth: child.date_of_birth,
        stage: case.stage,
        request,
        deadlines,
        advice: tx.advice_for_case(scope, &id)?,
        decisions: tx.list_decisions(scope, id)?,
        events: tx.list_events(scope, Some(id))?,
        exceptions: tx.list_exceptions(scope, id)?,
        letters: tx
            .list_document_listings(scope, id, DocumentKind::Letter)?
            .into_iter()
            .map(|d| LetterView {
                id: d.id,
                title: d.title,
                created_at: d.created_at,
                sha256: d.sha256,
            })
            .collect(),
        evidence: tx.list_evidence(scope, id)?,
    };
    Ok((view, child.id))
}

/// One letter of `case` inside the caller's transaction, with the case's child; `NotFound`
/// for another case's document, or one that is not a letter.
pub(crate) fn gather_letter(
    tx: &mut Tx<'_>,
    scope: &AuthorityScope,
    case: CaseId,
    letter: DocumentId,
) -> Result<(Document, ChildId), StoreError> {
    let document = tx.get_document(scope, letter)?;
    if document.case_id != case || document.kind != DocumentKind::Letter {
        return Err(StoreError::NotFound {
            entity: "letter",
            id: letter.to_string(),
        });
    }
    let child = tx.get_case(scope, case)?.child_id;
    Ok((document, child))
}

/// Stages where nothing more is due from the authority on the request.
fn closed(stage: CaseStage) -> bool {
    matches!(stage, CaseStage::Ceased | CaseStage::Closed)
}

/// The scope's open cases, the soonest next deadline first; cases with nothing due
/// come last, oldest request first.
pub fn caseload(
    db: &Database,
    scope: &AuthorityScope,
    today: NaiveDate,
) -> Result<Vec<CaseloadEntry>, WorkflowError> {
    // Four queries whatever the caseload's size (not three per case): the page every
    // caseworker opens first must stay fast as the authority's cases grow.
    let mut entries = db.read(|tx| {
        let requests: HashMap<RequestId, NaiveDate> = tx
            .list_requests(scope)?
            .into_iter()
            .map(|r| (r.id, r.received_on))
            .collect();
        let children: HashMap<ChildId, String> = tx
            .list_children(scope)?
            .into_iter()
            .map(|c| {
                let name = format!("{} {}", c.given_name.as_str(), c.family_name.as_str());
                (c.id, name)
            })
            .collect();
        let mut next: HashMap<CaseId, Deadline> = HashMap::new();
        for deadline in tx.list_open_deadlines(scope)? {
            // Soonest first, so the first seen for a case is its next.
            next.entry(deadline.case_id).or_insert(deadline);
        }
        let mut entries = Vec::new();
        for case in tx.list_cases(scope)? {
            if closed(case.stage) {
                continue;
            }
            let received_on = requests.get(&case.request_id).copied().ok_or_else(|| {
                crate::store::StoreError::NotFound {
                    entity: "request",
                    id: case.request_id.to_string(),
                }
            })?;
            let child_name = children.get(&case.child_id).cloned().ok_or_else(|| {
                crate::store::StoreError::NotFound {
                    entity: "child",
                    id: case.child_id.to_string(),
                }
            })?;
            entries.push(CaseloadEntry {
                id: case.id,
                child_name,
                stage: case.stage,
                received_on,
                next_deadline: next.get(&case.id).map(|d| DeadlineView::new(d, today)),
            });
        }
        Ok(entries)
    })?;
    entries.sort_by_key(|e| {
        (
            e.next_deadline
                .as_ref()
                .map_or(NaiveDate::MAX, |d| d.due_on),
            e.received_on,
        )
    });
    Ok(entries)
}
