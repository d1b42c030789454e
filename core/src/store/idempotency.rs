//! Idempotency keys and the answers they were given ([`crate::idempotency`] holds the
//! rules; this is their table).
//!
//! A row is claimed with its status NULL (the request is running) and answered by
//! setting the status, content type, location and body, or deleted when the request
//! changed nothing. Answering and releasing touch only a row still running, so a late
//! call can never overwrite an answer already given. Every statement filters on the
//! scope's authority and the caller; the database also requires the user to be one of
//! that authority.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::rows::{from_db_time, to_db_time};
use super::schema::idempotency_keys;
use super::{AuthorityScope, StoreError, Tx};
use crate::idempotency::{Answer, Claim, NewKey, StoredKey};

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = idempotency_keys)]
#[diesel(treat_none_as_default_value = false)]
struct KeyRow {
    authority_id: String,
    user_id: String,
    origin: String,
    idempotency_key: String,
    method: String,
    path: String,
    request_sha256: String,
    status: Option<i32>,
    content_type: Option<String>,
    location: Option<String>,
    response_body: Option<Vec<u8>>,
    created_at: NaiveDateTime,
    expires_at: NaiveDateTime,
}

impl KeyRow {
    fn into_stored(self) -> Result<StoredKey, StoreError> {
        let answer = match self.status {
            None => None,
            Some(status) => Some(Answer {
                status: u16::try_from(status).map_err(|e| StoreError::Corrupt {
                    column: "idempotency_keys.status",
                    detail: format!("{status}: {e}"),
                })?,
                content_type: self.content_type,
                location: self.location,
                body: self.response_body.unwrap_or_default(),
            }),
        };
        Ok(StoredKey {
            method: self.method,
            path: self.path,
            request_sha256: self.request_sha256,
            answer,
            created_at: from_db_time(self.created_at),
        })
    }
}

/// The claim's row in the scope, and only while it is still running.
macro_rules! running {
    ($scope:expr, $claim:expr) => {
        idempotency_keys::table
            .filter(idempotency_keys::authority_id.eq($scope.authority().as_str()))
            .filter(idempotency_keys::user_id.eq($claim.user.to_string()))
            .filter(idempotency_keys::origin.eq($claim.origin.as_str()))
            .filter(idempotency_keys::idempotency_key.eq(&$claim.key))
            .filter(idempotency_keys::status.is_null())
    };
}

impl Tx<'_> {
    /// Forgets the authority's expired keys, then returns the claim's key as stored,
    /// or stores it as running and returns `None`. Two first claims at once: one
    /// breaks the primary key ([`StoreError::Conflict`]) and can read the other's.
    pub(crate) fn claim_idempotency_key(
        &mut self,
        scope: &AuthorityScope,
        new: &NewKey<'_>,
    ) -> Result<Option<StoredKey>, StoreError> {
        let claim = new.claim;
        let authority = scope.authority().as_str();
        let at = to_db_time(new.at);
        diesel::delete(
            idempotency_keys::table
                .filter(idempotency_keys::authority_id.eq(authority))
                .filter(idempotency_keys::expires_at.le(at)),
        )
        .execute(self.conn)?;
        let found = idempotency_keys::table
            .filter(idempotency_keys::authority_id.eq(authority))
            .filter(idempotency_keys::user_id.eq(claim.user.to_string()))
            .filter(idempotency_keys::origin.eq(claim.origin.as_str()))
            .filter(idempotency_keys::idempotency_key.eq(&claim.key))
            .select(KeyRow::as_select())
            .first(self.conn)
            .optional()?;
        if let Some(row) = found {
            return row.into_stored().map(Some);
        }
        diesel::insert_into(idempotency_keys::table)
            .values(KeyRow {
                authority_id: authority.to_owned(),
                user_id: claim.user.to_string(),
                origin: claim.origin.as_str().to_owned(),
                idempotency_key: claim.key.clone(),
                method: new.method.to_owned(),
                path: new.path.to_owned(),
                request_sha256: new.request_sha256.clone(),
                status: None,
                content_type: None,
                location: None,
                response_body: None,
                created_at: at,
                expires_at: to_db_time(new.at + crate::idempotency::KEY_LIFETIME),
            })
            .execute(self.conn)?;
        Ok(None)
    }

    /// Keeps the answer on a running claim. A claim no longer running (it expired
    /// and was claimed again) is left alone.
    pub(crate) fn answer_idempotency_key(
        &mut self,
        scope: &AuthorityScope,
        claim: &Claim,
        answer: &Answer,
    ) -> Result<(), StoreError> {
        diesel::update(running!(scope, claim))
            .set((
                idempotency_keys::status.eq(Some(i32::from(answer.status))),
                idempotency_keys::content_type.eq(answer.content_type.as_deref()),
                idempotency_keys::location.eq(answer.location.as_deref()),
                idempotency_keys::response_body.eq(Some(answer.body.as_slice())),
            ))
            .execute(self.conn)?;
        Ok(())
    }

    /// Deletes a running claim, so the key can be used again.
    pub(crate) fn release_idempotency_key(
        &mut self,
        scope: &AuthorityScope,
        claim: &Claim,
    ) -> Result<(), StoreError> {
        diesel::delete(running!(scope, claim)).execute(self.conn)?;
        Ok(())
    }
}
