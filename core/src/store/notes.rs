//! Case notes, and corrections to a child's details with the value each replaced.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::authorities::parse_authority;
use super::rows::{from_db_time, not_found, parse, to_db_time};
use super::schema::{case_notes, child_corrections, children};
use super::{AuthorityScope, StoreError, Tx};
use crate::domain::{CaseId, CaseNote, Child, ChildCorrection, ChildId};

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = case_notes)]
#[diesel(treat_none_as_default_value = false)]
struct NoteRow {
    id: String,
    authority_id: String,
    case_id: String,
    kind: String,
    with_whom: String,
    occurred_on: NaiveDate,
    summary: String,
    recorded_by: String,
    recorded_at: NaiveDateTime,
}

impl TryFrom<NoteRow> for CaseNote {
    type Error = StoreError;
    fn try_from(row: NoteRow) -> Result<Self, StoreError> {
        Ok(Self {
            id: parse("case_notes.id", &row.id)?,
            authority_id: parse_authority(&row.authority_id)?,
            case_id: parse("case_notes.case_id", &row.case_id)?,
            kind: parse("case_notes.kind", &row.kind)?,
            with_whom: row.with_whom,
            occurred_on: row.occurred_on,
            summary: row.summary,
            recorded_by: parse("case_notes.recorded_by", &row.recorded_by)?,
            recorded_at: from_db_time(row.recorded_at),
        })
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = child_corrections)]
#[diesel(treat_none_as_default_value = false)]
struct CorrectionRow {
    id: String,
    authority_id: String,
    child_id: String,
    field: String,
    old_value: Option<String>,
    new_value: Option<String>,
    reason: String,
    corrected_by: String,
    corrected_at: NaiveDateTime,
}

impl TryFrom<CorrectionRow> for ChildCorrection {
    type Error = StoreError;
    fn try_from(row: CorrectionRow) -> Result<Self, StoreError> {
        Ok(Self {
            id: parse("child_corrections.id", &row.id)?,
            authority_id: parse_authority(&row.authority_id)?,
            child_id: parse("child_corrections.child_id", &row.child_id)?,
            field: parse("child_corrections.field", &row.field)?,
            old_value: row.old_value,
            new_value: row.new_value,
            reason: row.reason,
            corrected_by: parse("child_corrections.corrected_by", &row.corrected_by)?,
            corrected_at: from_db_time(row.corrected_at),
        })
    }
}

impl Tx<'_> {
    /// Adds a note to a case.
    pub fn insert_case_note(
        &mut self,
        scope: &AuthorityScope,
        note: &CaseNote,
    ) -> Result<(), StoreError> {
        scope.admit("case note", &note.authority_id)?;
        diesel::insert_into(case_notes::table)
            .values(NoteRow {
                id: note.id.to_string(),
                authority_id: note.authority_id.to_string(),
                case_id: note.case_id.to_string(),
                kind: note.kind.to_string(),
                with_whom: note.with_whom.clone(),
                occurred_on: note.occurred_on,
                summary: note.summary.clone(),
                recorded_by: note.recorded_by.to_string(),
                recorded_at: to_db_time(note.recorded_at),
            })
            .execute(self.conn)?;
        Ok(())
    }

    /// A case's notes, the latest contact first.
    pub fn list_case_notes(
        &mut self,
        scope: &AuthorityScope,
        case: CaseId,
    ) -> Result<Vec<CaseNote>, StoreError> {
        case_notes::table
            .filter(case_notes::authority_id.eq(scope.authority().as_str()))
            .filter(case_notes::case_id.eq(case.to_string()))
            .order((case_notes::occurred_on.desc(), case_notes::id.desc()))
            .select(NoteRow::as_select())
            .load(self.conn)?
            .into_iter()
            .map(CaseNote::try_from)
            .collect()
    }

    /// Takes the child for this transaction and returns them as they stand, as
    /// [`Tx::lock_case`] does for a case: a correction decides on the value it replaces.
    pub fn lock_child(&mut self, scope: &AuthorityScope, id: ChildId) -> Result<Child, StoreError> {
        let locked = diesel::update(
            children::table
                .filter(children::authority_id.eq(scope.authority().as_str()))
                .filter(children::id.eq(id.to_string())),
        )
        .set(children::given_name.eq(children::given_name))
        .execute(self.conn)?;
        if locked == 0 {
            return Err(not_found("child", id));
        }
        self.get_child(scope, id)
    }

    /// Writes a child's details as corrected (the caller keeps the correction).
    pub fn update_child(
        &mut self,
        scope: &AuthorityScope,
        child: &Child,
    ) -> Result<(), StoreError> {
        scope.admit("child", &child.authority_id)?;
        let updated = diesel::update(
            children::table
                .filter(children::authority_id.eq(scope.authority().as_str()))
                .filter(children::id.eq(child.id.to_string())),
        )
        .set((
            children::given_name.eq(child.given_name.to_string()),
            children::family_name.eq(child.family_name.to_string()),
            children::date_of_birth.eq(child.date_of_birth),
            children::upn.eq(child.upn.as_ref().map(|u| u.to_string())),
            children::nhs_number.eq(child.nhs_number.as_ref().map(|n| n.as_str().to_owned())),
            children::authority_reference
                .eq(child.authority_reference.as_ref().map(|r| r.to_string())),
            children::sex.eq(child.sex.map(|s| s.to_string())),
            children::ethnicity.eq(child.ethnicity.as_ref().map(|e| e.as_str().to_owned())),
            children::postcode.eq(child.postcode.as_ref().map(|p| p.as_str().to_owned())),
            children::search_name.eq(super::cases::search_name(child)),
        ))
        .execute(self.conn)?;
        if updated == 0 {
            return Err(not_found("child", child.id));
        }
        Ok(())
    }

    /// Keeps one correction. Append-only: the database refuses to change or remove it.
    pub fn insert_child_correction(
        &mut self,
        scope: &AuthorityScope,
        correction: &ChildCorrection,
    ) -> Result<(), StoreError> {
        scope.admit("child correction", &correction.authority_id)?;
        diesel::insert_into(child_corrections::table)
            .values(CorrectionRow {
                id: correction.id.to_string(),
                authority_id: correction.authority_id.to_string(),
                child_id: correction.child_id.to_string(),
                field: correction.field.to_string(),
                old_value: correction.old_value.clone(),
                new_value: correction.new_value.clone(),
                reason: correction.reason.clone(),
                corrected_by: correction.corrected_by.to_string(),
                corrected_at: to_db_time(correction.corrected_at),
            })
            .execute(self.conn)?;
        Ok(())
    }

    /// A child's corrections, oldest first.
    pub fn list_child_corrections(
        &mut self,
        scope: &AuthorityScope,
        child: ChildId,
    ) -> Result<Vec<ChildCorrection>, StoreError> {
        child_corrections::table
            .filter(child_corrections::authority_id.eq(scope.authority().as_str()))
            .filter(child_corrections::child_id.eq(child.to_string()))
            .order((child_corrections::corrected_at, child_corrections::id))
            .select(CorrectionRow::as_select())
            .load(self.conn)?
            .into_iter()
            .map(ChildCorrection::try_from)
            .collect()
    }
}
