//! What a case accumulates: decisions, deadlines, the exceptions claimed on them, and
//! documents.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use super::authorities::parse_authority;
use super::rows::{from_db_time, not_found, parse, to_db_time};
use super::schema::{deadline_exceptions, deadlines, decisions, documents};
use super::{AuthorityScope, StoreError, Tx};
use crate::domain::{
    CaseId, Deadline, DeadlineException, DeadlineId, DeadlineKind, DeadlineStatus, Decision,
    Document, DocumentId, DocumentKind, DocumentListing, Reasons,
};

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = decisions)]
#[diesel(treat_none_as_default_value = false)]
struct DecisionRow {
    id: String,
    authority_id: String,
    case_id: String,
    agenda_item_id: Option<String>,
    kind: String,
    outcome: String,
    reasons: String,
    decided_by: String,
    decided_at: NaiveDateTime,
    choice: Option<String>,
}

impl TryFrom<DecisionRow> for Decision {
    type Error = StoreError;
    fn try_from(row: DecisionRow) -> Result<Self, StoreError> {
        Ok(Decision {
            id: parse("decisions.id", &row.id)?,
            authority_id: parse_authority(&row.authority_id)?,
            case_id: parse("decisions.case_id", &row.case_id)?,
            agenda_item_id: row
                .agenda_item_id
                .as_deref()
                .map(|v| parse("decisions.agenda_item_id", v))
                .transpose()?,
            kind: parse("decisions.kind", &row.kind)?,
            outcome: parse("decisions.outcome", &row.outcome)?,
            reasons: Reasons::parse(&row.reasons).map_err(|e| StoreError::Corrupt {
                column: "decisions.reasons",
                detail: e.to_string(),
            })?,
            decided_by: parse("decisions.decided_by", &row.decided_by)?,
            decided_at: from_db_time(row.decided_at),
            choice: row
                .choice
                .as_deref()
                .map(|v| parse("decisions.choice", v))
                .transpose()?,
        })
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = deadlines)]
#[diesel(treat_none_as_default_value = false)]
pub(super) struct DeadlineRow {
    id: String,
    authority_id: String,
    case_id: String,
    kind: String,
    due_on: NaiveDate,
    status: String,
    subject: Option<String>,
}

impl DeadlineRow {
    pub(super) fn new(deadline: &Deadline) -> Self {
        Self {
            id: deadline.id.to_string(),
            authority_id: deadline.authority_id.to_string(),
            case_id: deadline.case_id.to_string(),
            kind: deadline.kind.to_string(),
            due_on: deadline.due_on,
            status: deadline.status.to_string(),
            subject: deadline.subject.clone(),
        }
    }
}

impl TryFrom<DeadlineRow> for Deadline {
    type Error = StoreError;
    fn try_from(row: DeadlineRow) -> Result<Self, StoreError> {
        Ok(Deadline {
            id: parse("deadlines.id", &row.id)?,
            authority_id: parse_authority(&row.authority_id)?,
            case_id: parse("deadlines.case_id", &row.case_id)?,
            kind: parse("deadlines.kind", &row.kind)?,
            due_on: row.due_on,
            status: parse("deadlines.status", &row.status)?,
            subject: row.subject,
        })
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = deadline_exceptions)]
#[diesel(treat_none_as_default_value = false)]
struct ExceptionRow {
    id: String,
    authority_id: String,
    case_id: String,
    deadline_kind: String,
    limb: String,
    evidence: String,
    applies_from: NaiveDate,
    applies_to: Option<NaiveDate>,
    claimed_by: String,
    claimed_at: NaiveDateTime,
    family_told_on: NaiveDate,
}

impl TryFrom<ExceptionRow> for DeadlineException {
    type Error = StoreError;
    fn try_from(row: ExceptionRow) -> Result<Self, StoreError> {
        let exception = DeadlineException {
            id: parse("deadline_exceptions.id", &row.id)?,
            authority_id: parse_authority(&row.authority_id)?,
            case_id: parse("deadline_exceptions.case_id", &row.case_id)?,
            deadline_kind: parse("deadline_exceptions.deadline_kind", &row.deadline_kind)?,
            limb: parse("deadline_exceptions.limb", &row.limb)?,
            evidence: row.evidence,
            applies_from: row.applies_from,
            applies_to: row.applies_to,
            claimed_by: parse("deadline_exceptions.claimed_by", &row.claimed_by)?,
            claimed_at: from_db_time(row.claimed_at),
            family_told_on: row.family_told_on,
        };
        // The table's CHECK allows only the pairings the Regulations list; a row that
        // slipped past it cannot be cited and so cannot be relied on.
        if !exception.limb.applies_to(exception.deadline_kind) {
            return Err(StoreError::Corrupt {
                column: "deadline_exceptions.limb",
                detail: format!(
                    "{} is not an exception to {}",
                    exception.limb, exception.deadline_kind
                ),
            });
        }
        Ok(exception)
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = documents)]
#[diesel(treat_none_as_default_value = false)]
struct DocumentRow {
    id: String,
    authority_id: String,
    case_id: String,
    kind: String,
    title: String,
    media_type: String,
    content: Vec<u8>,
    sha256: String,
    template_version: Option<String>,
    created_at: NaiveDateTime,
}

impl TryFrom<DocumentRow> for Document {
    type Error = StoreError;
    fn try_from(row: DocumentRow) -> Result<Self, StoreError> {
        let actual = hex_sha256(&row.content);
        if actual != row.sha256 {
            // A document whose bytes no longer match the hash recorded when it was sent
            // cannot be relied on as the letter the family received.
            return Err(StoreError::Corrupt {
                column: "documents.content",
                detail: format!("sha256 is {actual}, recorded {}", row.sha256),
            });
        }
        Ok(Document {
            id: parse("documents.id", &row.id)?,
            authority_id: parse_authority(&row.authority_id)?,
            case_id: parse("documents.case_id", &row.case_id)?,
            kind: parse("documents.kind", &row.kind)?,
            title: row.title,
            media_type: row.media_type,
            content: row.content,
            sha256: row.sha256,
            template_version: row.template_version,
            created_at: from_db_time(row.created_at),
        })
    }
}

/// Hex SHA-256, the fingerprint stored beside each document.
pub(crate) fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Tx<'_> {
    /// Records a decision.
    pub fn insert_decision(
        &mut self,
        scope: &AuthorityScope,
        decision: &Decision,
    ) -> Result<(), StoreError> {
        scope.admit("decision", &decision.authority_id)?;
        diesel::insert_into(decisions::table)
            .values(DecisionRow {
                id: decision.id.to_string(),
                authority_id: decision.authority_id.to_string(),
                case_id: decision.case_id.to_string(),
                agenda_item_id: decision.agenda_item_id.map(|id| id.to_string()),
                kind: decision.kind.to_string(),
                outcome: decision.outcome.to_string(),
                reasons: decision.reasons.as_str().to_owned(),
                decided_by: decision.decided_by.to_string(),
                decided_at: to_db_time(decision.decided_at),
                choice: decision.choice.map(|c| c.to_string()),
            })
            .execute(self.conn)?;
        Ok(())
    }

    /// A case's decisions, oldest first.
    pub fn list_decisions(
        &mut self,
        scope: &AuthorityScope,
        case: CaseId,
    ) -> Result<Vec<Decision>, StoreError> {
        decisions::table
            .filter(decisions::authority_id.eq(scope.authority().as_str()))
            .filter(decisions::case_id.eq(case.to_string()))
            .order((decisions::decided_at, decisions::id))
            .select(DecisionRow::as_select())
            .load(self.conn)?
            .into_iter()
            .map(Decision::try_from)
            .collect()
    }

    /// Sets a deadline on a case.
    pub fn insert_deadline(
        &mut self,
        scope: &AuthorityScope,
        deadline: &Deadline,
    ) -> Result<(), StoreError> {
        scope.admit("deadline", &deadline.authority_id)?;
        diesel::insert_into(deadlines::table)
            .values(DeadlineRow::new(deadline))
            .execute(self.conn)?;
        self.refresh_next_due(scope, deadline.case_id);
        Ok(())
    }

    /// Marks a case's open deadlines of `kind` met or disapplied (the workflow decides;
    /// this records it). Returns how many changed.
    pub fn set_deadline_status(
        &mut self,
        scope: &AuthorityScope,
        case: CaseId,
        kind: DeadlineKind,
        status: DeadlineStatus,
    ) -> Result<usize, StoreError> {
        let changed = diesel::update(
            deadlines::table
                .filter(deadlines::authority_id.eq(scope.authority().as_str()))
                .filter(deadlines::case_id.eq(case.to_string()))
                .filter(deadlines::kind.eq(kind.to_string()))
                .filter(deadlines::status.eq(DeadlineStatus::Open.to_string())),
        )
        .set(deadlines::status.eq(status.to_string()))
        .execute(self.conn)?;
        if changed > 0 {
            self.refresh_next_due(scope, case);
        }
        Ok(changed)
    }

    /// Marks one open deadline of `case` met or disapplied, by id: where several limits
    /// of a kind run at once (each request for advice under Reg 8(1) has its own),
    /// settling one must leave the others open. Returns how many changed (0 if it was
    /// not open, or is not the case's).
    pub fn set_deadline_status_by_id(
        &mut self,
        scope: &AuthorityScope,
        case: CaseId,
        id: DeadlineId,
        status: DeadlineStatus,
    ) -> Result<usize, StoreError> {
        let changed = diesel::update(
            deadlines::table
                .filter(deadlines::authority_id.eq(scope.authority().as_str()))
                .filter(deadlines::case_id.eq(case.to_string()))
                .filter(deadlines::id.eq(id.to_string()))
                .filter(deadlines::status.eq(DeadlineStatus::Open.to_string())),
        )
        .set(deadlines::status.eq(status.to_string()))
        .execute(self.conn)?;
        if changed > 0 {
            self.refresh_next_due(scope, case);
        }
        Ok(changed)
    }

    /// A case's deadlines, soonest first.
    pub fn list_deadlines(
        &mut self,
        scope: &AuthorityScope,
        case: CaseId,
    ) -> Result<Vec<Deadline>, StoreError> {
        deadlines::table
            .filter(deadlines::authority_id.eq(scope.authority().as_str()))
            .filter(deadlines::case_id.eq(case.to_string()))
            .order((deadlines::due_on, deadlines::id))
            .select(DeadlineRow::as_select())
            .load(self.conn)?
            .into_iter()
            .map(Deadline::try_from)
            .collect()
    }

    /// Every open deadline of the scope, soonest first: the caseload reads them in one
    /// query rather than one per case.
    pub fn list_open_deadlines(
        &mut self,
        scope: &AuthorityScope,
    ) -> Result<Vec<Deadline>, StoreError> {
        deadlines::table
            .filter(deadlines::authority_id.eq(scope.authority().as_str()))
            .filter(deadlines::status.eq(DeadlineStatus::Open.to_string()))
            .order((deadlines::due_on, deadlines::id))
            .select(DeadlineRow::as_select())
            .load(self.conn)?
            .into_iter()
            .map(Deadline::try_from)
            .collect()
    }

    /// Records an exception claimed on a case's time limit (SEND Regulations 2014 reg.
    /// 5(4), 8(2), 10(4), 13(3)). Append-only: there is no update or delete, and the
    /// database's triggers refuse both. The workflow marks the deadline disapplied in
    /// the same transaction; this only keeps the record.
    pub fn insert_exception(
        &mut self,
        scope: &AuthorityScope,
        exception: &DeadlineException,
    ) -> Result<(), StoreError> {
        scope.admit("deadline exception", &exception.authority_id)?;
        diesel::insert_into(deadline_exceptions::table)
            .values(ExceptionRow {
                id: exception.id.to_string(),
                authority_id: exception.authority_id.to_string(),
                case_id: exception.case_id.to_string(),
                deadline_kind: exception.deadline_kind.to_string(),
                limb: exception.limb.to_string(),
                evidence: exception.evidence.clone(),
                applies_from: exception.applies_from,
                applies_to: exception.applies_to,
                claimed_by: exception.claimed_by.to_string(),
                claimed_at: to_db_time(exception.claimed_at),
                family_told_on: exception.family_told_on,
            })
            .execute(self.conn)?;
        Ok(())
    }

    /// The exceptions claimed on a case, in the order they were claimed: the record
    /// from which reports (SEN2's "20-week exceptions apply") are derived.
    pub fn list_exceptions(
        &mut self,
        scope: &AuthorityScope,
        case: CaseId,
    ) -> Result<Vec<DeadlineException>, StoreError> {
        deadline_exceptions::table
            .filter(deadline_exceptions::authority_id.eq(scope.authority().as_str()))
            .filter(deadline_exceptions::case_id.eq(case.to_string()))
            .order((deadline_exceptions::claimed_at, deadline_exceptions::id))
            .select(ExceptionRow::as_select())
            .load(self.conn)?
            .into_iter()
            .map(DeadlineException::try_from)
            .collect()
    }

    /// Stores a document; its SHA-256 is computed here from the bytes, never trusted
    /// from the caller.
    pub fn insert_document(
        &mut self,
        scope: &AuthorityScope,
        document: &Document,
    ) -> Result<(), StoreError> {
        scope.admit("document", &document.authority_id)?;
        diesel::insert_into(documents::table)
            .values(DocumentRow {
                id: document.id.to_string(),
                authority_id: document.authority_id.to_string(),
                case_id: document.case_id.to_string(),
                kind: document.kind.to_string(),
                title: document.title.clone(),
                media_type: document.media_type.clone(),
                content: document.content.clone(),
                sha256: hex_sha256(&document.content),
                template_version: document.template_version.clone(),
                created_at: to_db_time(document.created_at),
            })
            .execute(self.conn)?;
        Ok(())
    }

    /// A document of the scope's authority.
    pub fn get_document(
        &mut self,
        scope: &AuthorityScope,
        id: DocumentId,
    ) -> Result<Document, StoreError> {
        documents::table
            .filter(documents::authority_id.eq(scope.authority().as_str()))
            .filter(documents::id.eq(id.to_string()))
            .select(DocumentRow::as_select())
            .first(self.conn)
            .optional()?
            .ok_or_else(|| not_found("document", id))?
            .try_into()
    }

    /// A case's documents, oldest first.
    pub fn list_documents(
        &mut self,
        scope: &AuthorityScope,
        case: CaseId,
    ) -> Result<Vec<Document>, StoreError> {
        documents::table
            .filter(documents::authority_id.eq(scope.authority().as_str()))
            .filter(documents::case_id.eq(case.to_string()))
            .order((documents::created_at, documents::id))
            .select(DocumentRow::as_select())
            .load(self.conn)?
            .into_iter()
            .map(Document::try_from)
            .collect()
    }

    /// A case's documents of one kind, oldest first, without their bytes.
    pub fn list_document_listings(
        &mut self,
        scope: &AuthorityScope,
        case: CaseId,
        kind: DocumentKind,
    ) -> Result<Vec<DocumentListing>, StoreError> {
        documents::table
            .filter(documents::authority_id.eq(scope.authority().as_str()))
            .filter(documents::case_id.eq(case.to_string()))
            .filter(documents::kind.eq(kind.to_string()))
            .order((documents::created_at, documents::id))
            .select((
                documents::id,
                documents::title,
                documents::sha256,
                documents::created_at,
            ))
            .load::<(String, String, String, NaiveDateTime)>(self.conn)?
            .into_iter()
            .map(|(id, title, sha256, created_at)| {
                Ok(DocumentListing {
                    id: parse("documents.id", &id)?,
                    title,
                    sha256,
                    created_at: from_db_time(created_at),
                })
            })
            .collect()
    }
}
