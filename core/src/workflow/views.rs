//! What a caseworker reads: one case whole, and the caseload ordered by what is due
//! next. Read-only; each query is scoped to the caller's authority.

use chrono::NaiveDate;
use serde::Serialize;

use super::WorkflowError;
use crate::domain::{
    AssessmentRequest, CaseId, CaseStage, ChildId, Deadline, DeadlineException, DeadlineStatus,
    Decision, Document, DocumentId, DocumentKind, Event, StoredAdvice,
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
    /// The child's record.
    #[schema(value_type = String)]
    pub child_id: ChildId,
    /// The child's UPN, if they have one.
    pub upn: Option<String>,
    /// The authority's reference for the child, if it has one.
    pub authority_reference: Option<String>,
    /// Each of the child's details, as recorded: what a correction starts from.
    pub child_details: Vec<ChildDetail>,
    /// The officer the case is allocated to.
    pub officer: Option<OfficerRef>,
    /// How and when the case closed, while it is closed.
    pub closed: Option<ClosedView>,
    /// Notes of contact, the latest first.
    pub notes: Vec<crate::domain::CaseNote>,
    /// Corrections to the child's details, oldest first, with the values replaced.
    pub corrections: Vec<crate::domain::ChildCorrection>,
    /// Placements decided, the latest first, each with its setting as registered.
    pub placements: Vec<PlacementView>,
    /// Band and funding commitments, the latest first.
    pub commitments: Vec<crate::domain::FundingCommitment>,
}

/// A placement with the setting it names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PlacementView {
    /// The placement as recorded.
    pub placement: crate::domain::Placement,
    /// The setting, as the register holds it.
    pub setting: crate::domain::EducationSetting,
    /// For a post-16 setting named after 31 March of the year it starts: that day,
    /// which the plan had to name it by (reg. 18(1)(b)).
    pub named_late_for_transfer: Option<NaiveDate>,
}

/// One of a child's details as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ChildDetail {
    /// Which detail.
    pub field: crate::domain::ChildField,
    /// Its value; `None` when not recorded.
    pub value: Option<String>,
}

/// How a closed case closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ClosedView {
    /// The day.
    pub on: NaiveDate,
    /// Why.
    pub reason: crate::domain::ClosedReason,
}

/// A case on the caseload, with its next open deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CaseloadEntry {
    /// The case.
    pub id: CaseId,
    /// The child the case is about (the same child may have several cases).
    #[schema(value_type = String)]
    pub child_id: crate::domain::ChildId,
    /// The child's name, as caseworkers know the case.
    pub child_name: String,
    /// The child's date of birth: with the name, how a child without a UPN is told
    /// apart.
    pub date_of_birth: NaiveDate,
    /// Where it stands.
    pub stage: CaseStage,
    /// The day the request was received.
    pub received_on: NaiveDate,
    /// The officer the case is allocated to, if any.
    pub officer: Option<OfficerRef>,
    /// The soonest open deadline, if any.
    pub next_deadline: Option<DeadlineView>,
}

/// An officer, as lists name them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct OfficerRef {
    /// Their user id.
    #[schema(value_type = String)]
    pub id: crate::domain::UserId,
    /// Their name.
    pub name: String,
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
        child_name: child.full_name(),
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
        child_id: child.id,
        upn: child.upn.as_ref().map(ToString::to_string),
        authority_reference: child.authority_reference.as_ref().map(ToString::to_string),
        child_details: <crate::domain::ChildField as strum::IntoEnumIterator>::iter()
            .map(|field| ChildDetail {
                field,
                value: super::lifecycle::field_value(&child, field),
            })
            .collect(),
        officer: match case.officer_id {
            Some(officer) => Some(OfficerRef {
                id: officer,
                name: tx.get_user(scope, officer)?.display_name,
            }),
            None => None,
        },
        closed: case.closure.as_ref().map(|c| ClosedView {
            on: c.on,
            reason: c.reason,
        }),
        notes: tx.list_case_notes(scope, id)?,
        corrections: tx.list_child_corrections(scope, child.id)?,
        placements: tx
            .placements_of(scope, id)?
            .into_iter()
            .map(|placement| {
                let setting = tx.get_education_setting(scope, placement.terms.setting_id)?;
                Ok(PlacementView {
                    named_late_for_transfer: crate::transitions::Transfer::post16_named_late(
                        setting.kind,
                        placement.terms.starts_on,
                        placement.decided_at.date_naive(),
                    ),
                    setting,
                    placement,
                })
            })
            .collect::<Result<_, StoreError>>()?,
        commitments: tx.commitments_of(scope, id)?,
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

/// The scope's open cases, the soonest next deadline first (cases with nothing due
/// last): every page of [`crate::caseload::search`] with no filter, for the core's own
/// uses and the tests. People read the caseload a page at a time.
pub fn caseload(
    db: &Database,
    scope: &AuthorityScope,
    today: NaiveDate,
) -> Result<Vec<CaseloadEntry>, WorkflowError> {
    let mut query = crate::caseload::CaseloadQuery {
        filter: crate::store::CaseFilter::default(),
        after: None,
        per_page: crate::caseload::MAX_PER_PAGE,
    };
    let mut entries = Vec::new();
    loop {
        let page = crate::caseload::search(db, scope, &query, today)?;
        entries.extend(page.cases);
        let Some(next) = page.next else {
            return Ok(entries);
        };
        query.after = Some(crate::caseload::parse_cursor(&next)?);
    }
}
