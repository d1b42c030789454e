//! What the bulk import of plans and requests reads from an earlier system's export,
//! a batch of rows at a time: which references are already on one of the authority's
//! cases (a second run of the same file skips them), and which of the batch's children
//! are already recorded, by UPN or by the authority's reference.
//!
//! One query per batch, not one per row: besides the round trips, a per-row lookup
//! runs as a prepared statement whose plan PostgreSQL fixes while the table is still
//! small, and an import of 20,000 plans into an empty database then scanned the whole
//! children table for every row.

use std::collections::HashSet;

use chrono::NaiveDate;
use diesel::prelude::*;

use super::rows::parse;
use super::schema::{cases, children};
use super::{AuthorityScope, StoreError, Tx};
use crate::domain::ChildId;

/// Bounded so each statement stays well under either database's bind limit.
const CHUNK: usize = 500;

/// A recorded child as the import matches it: by UPN or reference, checking the date
/// of birth.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownChild {
    /// The child.
    pub id: ChildId,
    /// Their date of birth, as recorded.
    pub date_of_birth: NaiveDate,
    /// Their UPN, if recorded.
    pub upn: Option<String>,
    /// The authority's reference for them, if recorded.
    pub authority_reference: Option<String>,
}

type KnownRow = (String, NaiveDate, Option<String>, Option<String>);

fn known(rows: Vec<KnownRow>) -> Result<Vec<KnownChild>, StoreError> {
    rows.into_iter()
        .map(|(id, date_of_birth, upn, authority_reference)| {
            Ok(KnownChild {
                id: parse("children.id", &id)?,
                date_of_birth,
                upn,
                authority_reference,
            })
        })
        .collect()
}

impl Tx<'_> {
    /// Those of `references` already on a case of the scope's authority
    /// (`cases.external_reference`).
    pub fn imported_references(
        &mut self,
        scope: &AuthorityScope,
        references: &[&str],
    ) -> Result<HashSet<String>, StoreError> {
        let mut found = HashSet::new();
        for chunk in references.chunks(CHUNK) {
            let rows: Vec<Option<String>> = cases::table
                .filter(cases::authority_id.eq(scope.authority().as_str()))
                .filter(cases::external_reference.eq_any(chunk))
                .select(cases::external_reference)
                .load(self.conn)?;
            found.extend(rows.into_iter().flatten());
        }
        Ok(found)
    }

    /// The scope's children recorded with one of `upns` or one of `references`.
    pub fn children_known_by(
        &mut self,
        scope: &AuthorityScope,
        upns: &[&str],
        references: &[&str],
    ) -> Result<Vec<KnownChild>, StoreError> {
        let columns = (
            children::id,
            children::date_of_birth,
            children::upn,
            children::authority_reference,
        );
        let mut found = Vec::new();
        for chunk in upns.chunks(CHUNK) {
            let rows: Vec<KnownRow> = children::table
                .filter(children::authority_id.eq(scope.authority().as_str()))
                .filter(children::upn.eq_any(chunk))
                .select(columns)
                .load(self.conn)?;
            found.extend(known(rows)?);
        }
        for chunk in references.chunks(CHUNK) {
            let rows: Vec<KnownRow> = children::table
                .filter(children::authority_id.eq(scope.authority().as_str()))
                .filter(children::authority_reference.eq_any(chunk))
                .select(columns)
                .load(self.conn)?;
            found.extend(known(rows)?);
        }
        Ok(found)
    }
}
