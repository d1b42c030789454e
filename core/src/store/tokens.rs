//! API bearer tokens, kept only as the SHA-256 of the token.
//!
//! The token itself never reaches this module: callers hash it first (see
//! [`crate::identity`]), so a copy of the table, a backup or a query log gives no
//! working token. A token belongs to one user of one authority (the database holds
//! `(authority_id, user_id)` to a user of that same authority). Revoking keeps the row,
//! stamped, as a record of what could act when.
//!
//! The revocation instant is record keeping, not a statutory date, so it is taken from
//! [`SystemClock`] when the row is written, as the plugin registry does.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::authorities::UserRow;
use super::rows::{from_db_time, not_found, parse, to_db_time};
use super::schema::{api_tokens, users};
use super::{AuthorityScope, StoreError, Tx};
use crate::domain::{ApiToken, ApiTokenId, User, UserId};
use crate::time::{Clock, SystemClock};

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = api_tokens)]
#[diesel(treat_none_as_default_value = false)]
struct ApiTokenRow {
    id: String,
    authority_id: String,
    user_id: String,
    token_sha256: String,
    label: Option<String>,
    created_at: NaiveDateTime,
    revoked_at: Option<NaiveDateTime>,
}

impl ApiTokenRow {
    /// The listing form: everything but the hash, which no caller needs back.
    fn into_token(self) -> Result<ApiToken, StoreError> {
        Ok(ApiToken {
            id: parse("api_tokens.id", &self.id)?,
            user_id: parse("api_tokens.user_id", &self.user_id)?,
            label: self.label,
            created_at: from_db_time(self.created_at),
            revoked_at: self.revoked_at.map(from_db_time),
        })
    }
}

/// Whether `value` is a SHA-256 as stored: 64 lowercase hex digits. Checked here as
/// well as by the database so a caller passing the raw token gets a clear refusal
/// instead of a CHECK violation (and the raw token is never sent to the database).
fn is_sha256_hex(value: &str) -> bool {
    value.len() == 64
        && value
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Tokens that still act as someone, each with its user: not revoked, the user not
/// switched off. The join also requires the user to be of the token's authority, which
/// the database already guarantees. One definition for the single and the batch check.
#[diesel::dsl::auto_type(no_type_alias)]
fn usable_tokens() -> _ {
    api_tokens::table
        .inner_join(
            users::table.on(users::id
                .eq(api_tokens::user_id)
                .and(users::authority_id.eq(api_tokens::authority_id))),
        )
        .filter(api_tokens::revoked_at.is_null())
        .filter(users::disabled_at.is_null())
}

impl Tx<'_> {
    /// Stores a new token for `user`, known only by `token_sha256` (64 lowercase hex
    /// digits). The user must be one of the scope's authority, so no authority can
    /// mint a token that acts in another.
    pub fn insert_api_token(
        &mut self,
        scope: &AuthorityScope,
        user: UserId,
        token_sha256: &str,
        label: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<ApiTokenId, StoreError> {
        if !is_sha256_hex(token_sha256) {
            return Err(StoreError::Refused(
                "token_sha256 must be 64 lowercase hex digits (the SHA-256 of the token, never the token)".into(),
            ));
        }
        // NotFound for another authority's user, as for any other scoped read.
        self.get_user(scope, user)?;
        let id = ApiTokenId::new();
        diesel::insert_into(api_tokens::table)
            .values(ApiTokenRow {
                id: id.to_string(),
                authority_id: scope.authority().to_string(),
                user_id: user.to_string(),
                token_sha256: token_sha256.to_owned(),
                label: label.map(str::to_owned),
                created_at: to_db_time(at),
                revoked_at: None,
            })
            .execute(self.conn)?;
        Ok(id)
    }

    /// The user a token acts as, or `None` when no token has that hash, it was
    /// revoked, or its user is switched off. Not scoped: like signing in, presenting a token is how the authority
    /// of a request is learned. The join also requires the user to be of the token's
    /// authority, which the database already guarantees.
    pub fn user_for_token(&mut self, token_sha256: &str) -> Result<Option<User>, StoreError> {
        if !is_sha256_hex(token_sha256) {
            return Ok(None);
        }
        usable_tokens()
            .filter(api_tokens::token_sha256.eq(token_sha256))
            .select(UserRow::as_select())
            .first(self.conn)
            .optional()?
            .map(|row| row.into_user().map(|(user, _)| user))
            .transpose()
    }

    /// Which of `token_sha256s` still act as someone: the hashes of tokens neither
    /// revoked nor of a switched-off user, as [`Tx::user_for_token`] decides for one.
    /// One statement per thousand hashes, for a server checking all its open streams
    /// at once. Not scoped, as [`Tx::user_for_token`] is not.
    pub fn valid_token_hashes(
        &mut self,
        token_sha256s: &[String],
    ) -> Result<Vec<String>, StoreError> {
        let mut valid = Vec::new();
        for chunk in token_sha256s.chunks(1000) {
            valid.extend(
                usable_tokens()
                    .filter(api_tokens::token_sha256.eq_any(chunk))
                    .select(api_tokens::token_sha256)
                    .load::<String>(self.conn)?,
            );
        }
        Ok(valid)
    }

    /// Revokes one of the scope's tokens, from now on. Revoking a revoked token changes
    /// nothing (its first revocation time stands), so a retried command is harmless.
    /// Another authority's token is not found, and stays valid.
    pub fn revoke_api_token(
        &mut self,
        scope: &AuthorityScope,
        id: ApiTokenId,
    ) -> Result<(), StoreError> {
        let of_scope = api_tokens::table
            .filter(api_tokens::authority_id.eq(scope.authority().as_str()))
            .filter(api_tokens::id.eq(id.to_string()));
        let found: i64 = of_scope.clone().count().get_result(self.conn)?;
        if found == 0 {
            return Err(not_found("api token", id));
        }
        diesel::update(of_scope.filter(api_tokens::revoked_at.is_null()))
            .set(api_tokens::revoked_at.eq(Some(to_db_time(SystemClock.now()))))
            .execute(self.conn)?;
        Ok(())
    }

    /// A user's tokens in the scope, revoked ones included, oldest first: what an
    /// administrator reviews before revoking.
    pub fn list_api_tokens(
        &mut self,
        scope: &AuthorityScope,
        user: UserId,
    ) -> Result<Vec<ApiToken>, StoreError> {
        api_tokens::table
            .filter(api_tokens::authority_id.eq(scope.authority().as_str()))
            .filter(api_tokens::user_id.eq(user.to_string()))
            .order((api_tokens::created_at, api_tokens::id))
            .select(ApiTokenRow::as_select())
            .load(self.conn)?
            .into_iter()
            .map(ApiTokenRow::into_token)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::is_sha256_hex;

    #[test]
    fn only_a_lowercase_sha256_passes() {
        assert!(is_sha256_hex(&"a1".repeat(32)));
        assert!(!is_sha256_hex(&"A1".repeat(32)));
        assert!(!is_sha256_hex(&"a1".repeat(31)));
        assert!(!is_sha256_hex(&format!("sp_{}", "a1".repeat(32))));
    }
}
