//! What a case accumulates: decisions, deadlines and documents.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use super::authorities::parse_authority;
use super::rows::{from_db_time, not_found, parse, to_db_time};
use super::schema::{deadlines, decisions, documents};
use super::{AuthorityScope, StoreError, Tx};
use crate::domain::{
    CaseId, Deadline, DeadlineKind, DeadlineStatus, Decision, Document, DocumentId, Reasons,
};

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = decisions)]
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
        })
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = deadlines)]
struct DeadlineRow {
    id: String,
    authority_id: String,
    case_id: String,
    kind: String,
    due_on: NaiveDate,
    status: String,
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
        })
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = documents)]
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
            .values(DeadlineRow {
                id: deadline.id.to_string(),
                authority_id: deadline.authority_id.to_string(),
                case_id: deadline.case_id.to_string(),
                kind: deadline.kind.to_string(),
                due_on: deadline.due_on,
                status: deadline.status.to_string(),
            })
            .execute(self.conn)?;
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
        Ok(diesel::update(
            deadlines::table
                .filter(deadlines::authority_id.eq(scope.authority().as_str()))
                .filter(deadlines::case_id.eq(case.to_string()))
                .filter(deadlines::kind.eq(kind.to_string()))
                .filter(deadlines::status.eq(DeadlineStatus::Open.to_string())),
        )
        .set(deadlines::status.eq(status.to_string()))
        .execute(self.conn)?)
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
}
