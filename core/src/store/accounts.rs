//! Accounts' state, server-side sessions and single-use secrets.
//!
//! - A user is switched off by stamping `disabled_at`; the lookups sign-in, sessions
//!   and tokens use all require it to be empty, so a switch-off works on the next
//!   request, whatever a browser or program still holds.
//! - A session row is found by the SHA-256 of the random id in the cookie. It ends
//!   (stamped, with why) and never starts again.
//! - A secret (reset link, recovery code) is consumed by one conditional UPDATE, so two
//!   concurrent uses of the same secret cannot both succeed.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::authorities::{AccountRow, parse_authority};
use super::connection::AnyConnection;
use super::rows::{from_db_time, not_found, parse, to_db_time};
use super::schema::{account_secrets, api_tokens, authorities, sessions, users};
use super::{AuthorityScope, StoreError, Tx};
use crate::domain::{
    Account, AuthorityId, Email, PasswordHash, SecretPurpose, SessionEnd, SignInMethod, TotpSecret,
    UserId, UserRole,
};

/// A live session as its row records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// Whose session.
    pub user: UserId,
    /// Their authority.
    pub authority: AuthorityId,
    /// How they proved who they are.
    pub method: SignInMethod,
    /// When it began (the absolute limit counts from here).
    pub created_at: DateTime<Utc>,
    /// The last request that renewed it (the idle limit counts from here).
    pub last_seen_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = sessions)]
#[diesel(treat_none_as_default_value = false)]
struct SessionRow {
    id_sha256: String,
    authority_id: String,
    user_id: String,
    method: String,
    created_at: NaiveDateTime,
    last_seen_at: NaiveDateTime,
    ended_at: Option<NaiveDateTime>,
    ended_because: Option<String>,
}

impl SessionRow {
    fn into_record(self) -> Result<SessionRecord, StoreError> {
        Ok(SessionRecord {
            user: parse("sessions.user_id", &self.user_id)?,
            authority: parse_authority(&self.authority_id)?,
            method: parse("sessions.method", &self.method)?,
            created_at: from_db_time(self.created_at),
            last_seen_at: from_db_time(self.last_seen_at),
        })
    }
}

/// Whether `value` is 64 lowercase hex digits, as every stored hash here is.
fn is_sha256_hex(value: &str) -> bool {
    value.len() == 64
        && value
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// A user UPDATE that matched no row: no such user in the scope.
fn updated_one(changed: usize, id: UserId) -> Result<(), StoreError> {
    if changed == 0 {
        Err(not_found("user", id))
    } else {
        Ok(())
    }
}

fn refuse_raw_secret(value: &str) -> Result<(), StoreError> {
    if is_sha256_hex(value) {
        Ok(())
    } else {
        Err(StoreError::Refused(
            "a session or secret is stored as its SHA-256 (64 lowercase hex digits), never as itself"
                .into(),
        ))
    }
}

/// Sessions not ended, each with its user, who is not switched off (and of the
/// session's authority, which the database already guarantees). One definition for
/// the single and the batch check.
#[diesel::dsl::auto_type(no_type_alias)]
fn live_sessions_with_users() -> _ {
    sessions::table
        .inner_join(
            users::table.on(users::id
                .eq(sessions::user_id)
                .and(users::authority_id.eq(sessions::authority_id))),
        )
        .filter(sessions::ended_at.is_null())
        .filter(users::disabled_at.is_null())
}

impl Tx<'_> {
    /// Takes the authority's accounts for this transaction: a change that depends on
    /// other accounts (never the last admin) decides on what it commits against. Two
    /// admins disabling each other at once are then one after the other, and the
    /// second is refused. On PostgreSQL the authority's row is read `FOR UPDATE`; on
    /// SQLite (one writer at a time) the row is written to itself, which takes the
    /// write lock before anything is read.
    pub fn lock_accounts(&mut self, scope: &AuthorityScope) -> Result<(), StoreError> {
        if let AnyConnection::Postgres(pg) = &mut *self.conn {
            use diesel::sql_types::Text;
            diesel::sql_query("SELECT id FROM authorities WHERE id = $1 FOR UPDATE")
                .bind::<Text, _>(scope.authority().as_str())
                .execute(pg)?;
            return Ok(());
        }
        diesel::update(authorities::table.filter(authorities::id.eq(scope.authority().as_str())))
            .set(authorities::name.eq(authorities::name))
            .execute(self.conn)?;
        Ok(())
    }

    /// The account that signs in with `email`, with its password hash, whatever its
    /// authority (signing in is how the scope is learned), disabled or not: the caller
    /// says so only after the password has been checked.
    pub fn account_for_sign_in(
        &mut self,
        email: &Email,
    ) -> Result<Option<(Account, PasswordHash)>, StoreError> {
        users::table
            .filter(users::email.eq(email.as_str()))
            .select(AccountRow::as_select())
            .first(self.conn)
            .optional()?
            .map(AccountRow::into_account)
            .transpose()
    }

    /// One of the scope's accounts.
    pub fn get_account(
        &mut self,
        scope: &AuthorityScope,
        id: UserId,
    ) -> Result<Account, StoreError> {
        users::table
            .filter(users::authority_id.eq(scope.authority().as_str()))
            .filter(users::id.eq(id.to_string()))
            .select(AccountRow::as_select())
            .first(self.conn)
            .optional()?
            .ok_or_else(|| not_found("user", id))?
            .into_account()
            .map(|(account, _)| account)
    }

    /// One of the scope's accounts with its password hash (to check the current password
    /// before a change).
    pub fn get_account_with_password(
        &mut self,
        scope: &AuthorityScope,
        id: UserId,
    ) -> Result<(Account, PasswordHash), StoreError> {
        users::table
            .filter(users::authority_id.eq(scope.authority().as_str()))
            .filter(users::id.eq(id.to_string()))
            .select(AccountRow::as_select())
            .first(self.conn)
            .optional()?
            .ok_or_else(|| not_found("user", id))?
            .into_account()
    }

    /// The scope's accounts, by name: the admin's list of users.
    pub fn list_accounts(&mut self, scope: &AuthorityScope) -> Result<Vec<Account>, StoreError> {
        users::table
            .filter(users::authority_id.eq(scope.authority().as_str()))
            .order((users::display_name, users::id))
            .select(AccountRow::as_select())
            .load(self.conn)?
            .into_iter()
            .map(|row| row.into_account().map(|(account, _)| account))
            .collect()
    }

    /// How many of the scope's enabled users hold `role` (an authority must keep one
    /// enabled admin, or nobody could manage it).
    pub fn count_enabled_with_role(
        &mut self,
        scope: &AuthorityScope,
        role: UserRole,
    ) -> Result<i64, StoreError> {
        Ok(users::table
            .filter(users::authority_id.eq(scope.authority().as_str()))
            .filter(users::role.eq(role.to_string()))
            .filter(users::disabled_at.is_null())
            .count()
            .get_result(self.conn)?)
    }

    fn user_row(
        scope: &AuthorityScope,
        id: UserId,
    ) -> diesel::dsl::Filter<
        diesel::dsl::Filter<users::table, diesel::dsl::Eq<users::authority_id, String>>,
        diesel::dsl::Eq<users::id, String>,
    > {
        users::table
            .filter(users::authority_id.eq(scope.authority().to_string()))
            .filter(users::id.eq(id.to_string()))
    }

    /// Switches the account off (`Some(at)`) or on again (`None`).
    pub fn set_user_disabled(
        &mut self,
        scope: &AuthorityScope,
        id: UserId,
        disabled_at: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        let changed = diesel::update(Self::user_row(scope, id))
            .set(users::disabled_at.eq(disabled_at.map(to_db_time)))
            .execute(self.conn)?;
        updated_one(changed, id)
    }

    /// Gives the user another role.
    pub fn set_user_role(
        &mut self,
        scope: &AuthorityScope,
        id: UserId,
        role: UserRole,
    ) -> Result<(), StoreError> {
        let changed = diesel::update(Self::user_row(scope, id))
            .set(users::role.eq(role.to_string()))
            .execute(self.conn)?;
        updated_one(changed, id)
    }

    /// Replaces the user's password hash.
    pub fn set_password_hash(
        &mut self,
        scope: &AuthorityScope,
        id: UserId,
        hash: &PasswordHash,
    ) -> Result<(), StoreError> {
        let changed = diesel::update(Self::user_row(scope, id))
            .set(users::password_hash.eq(hash.as_str()))
            .execute(self.conn)?;
        updated_one(changed, id)
    }

    /// Enrols (`Some`) or removes (`None`) the user's second factor.
    pub fn set_totp_secret(
        &mut self,
        scope: &AuthorityScope,
        id: UserId,
        secret: Option<&TotpSecret>,
    ) -> Result<(), StoreError> {
        let changed = diesel::update(Self::user_row(scope, id))
            .set((
                users::totp_secret.eq(secret.map(|s| s.as_str().to_owned())),
                users::totp_last_step.eq(None::<i64>),
            ))
            .execute(self.conn)?;
        updated_one(changed, id)
    }

    /// Accepts a one-time code's step for the user if it is later than any accepted
    /// before: one conditional UPDATE, so a code (or an older one) is good once, even
    /// when two requests present it at the same moment. `false` when it was used.
    pub fn accept_totp_step(
        &mut self,
        scope: &AuthorityScope,
        id: UserId,
        step: i64,
    ) -> Result<bool, StoreError> {
        let changed = diesel::update(
            Self::user_row(scope, id).filter(
                users::totp_last_step
                    .is_null()
                    .or(users::totp_last_step.lt(step)),
            ),
        )
        .set(users::totp_last_step.eq(Some(step)))
        .execute(self.conn)?;
        Ok(changed == 1)
    }

    /// Stamps a sign-in, for the admin's "last signed in".
    pub fn note_sign_in(
        &mut self,
        scope: &AuthorityScope,
        id: UserId,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let changed = diesel::update(Self::user_row(scope, id))
            .set(users::last_sign_in_at.eq(Some(to_db_time(at))))
            .execute(self.conn)?;
        updated_one(changed, id)
    }

    /// Revokes every live API token of the user from `at`; returns how many.
    pub fn revoke_all_api_tokens(
        &mut self,
        scope: &AuthorityScope,
        user: UserId,
        at: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        Ok(diesel::update(
            api_tokens::table
                .filter(api_tokens::authority_id.eq(scope.authority().as_str()))
                .filter(api_tokens::user_id.eq(user.to_string()))
                .filter(api_tokens::revoked_at.is_null()),
        )
        .set(api_tokens::revoked_at.eq(Some(to_db_time(at))))
        .execute(self.conn)?)
    }

    /// Starts a session for one of the scope's users, known only by `id_sha256`.
    pub fn insert_session(
        &mut self,
        scope: &AuthorityScope,
        user: UserId,
        id_sha256: &str,
        method: SignInMethod,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        refuse_raw_secret(id_sha256)?;
        diesel::insert_into(sessions::table)
            .values(SessionRow {
                id_sha256: id_sha256.to_owned(),
                authority_id: scope.authority().to_string(),
                user_id: user.to_string(),
                method: method.to_string(),
                created_at: to_db_time(at),
                last_seen_at: to_db_time(at),
                ended_at: None,
                ended_because: None,
            })
            .execute(self.conn)?;
        Ok(())
    }

    /// The live session with this hash and its account, or `None` when there is no such
    /// session, it has ended, or its user is switched off. Not scoped: presenting a
    /// session is how a request's authority is learned.
    pub fn live_session(
        &mut self,
        id_sha256: &str,
    ) -> Result<Option<(SessionRecord, Account)>, StoreError> {
        if !is_sha256_hex(id_sha256) {
            return Ok(None);
        }
        let found = live_sessions_with_users()
            .filter(sessions::id_sha256.eq(id_sha256))
            .select((SessionRow::as_select(), AccountRow::as_select()))
            .first::<(SessionRow, AccountRow)>(self.conn)
            .optional()?;
        match found {
            None => Ok(None),
            Some((session, user)) => {
                let (account, _) = user.into_account()?;
                Ok(Some((session.into_record()?, account)))
            }
        }
    }

    /// Of the sessions with these hashes, those still live (not ended, their user not
    /// switched off), each with its record: [`Tx::live_session`] for many, in one
    /// statement per thousand, for a server checking all its open streams at once.
    pub fn live_sessions(
        &mut self,
        id_sha256s: &[String],
    ) -> Result<Vec<(String, SessionRecord)>, StoreError> {
        self.load_live_sessions(id_sha256s, false)
    }

    /// [`Tx::live_sessions`] for a writer that decides on what it reads (ending those
    /// timed out, moving the others' `last_seen_at` on): on PostgreSQL their rows are
    /// locked until the transaction ends, so a request renewing one meanwhile is
    /// decided before or after, never beside; SQLite has one writer.
    pub fn lock_live_sessions(
        &mut self,
        id_sha256s: &[String],
    ) -> Result<Vec<(String, SessionRecord)>, StoreError> {
        self.load_live_sessions(id_sha256s, true)
    }

    fn load_live_sessions(
        &mut self,
        id_sha256s: &[String],
        lock: bool,
    ) -> Result<Vec<(String, SessionRecord)>, StoreError> {
        let mut live = Vec::new();
        for chunk in id_sha256s.chunks(1000) {
            let query = live_sessions_with_users().filter(sessions::id_sha256.eq_any(chunk));
            let rows: Vec<SessionRow> = match &mut *self.conn {
                AnyConnection::Postgres(conn) if lock => query
                    .select(SessionRow::as_select())
                    .for_update()
                    .load(conn)?,
                AnyConnection::Postgres(conn) => {
                    query.select(SessionRow::as_select()).load(conn)?
                }
                AnyConnection::Sqlite(conn) => query.select(SessionRow::as_select()).load(conn)?,
            };
            for row in rows {
                let sha = row.id_sha256.clone();
                live.push((sha, row.into_record()?));
            }
        }
        Ok(live)
    }

    /// Moves several live sessions' `last_seen_at` on to `at`, in one statement per
    /// thousand.
    pub fn touch_sessions(
        &mut self,
        id_sha256s: &[String],
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        for chunk in id_sha256s.chunks(1000) {
            diesel::update(
                sessions::table
                    .filter(sessions::id_sha256.eq_any(chunk))
                    .filter(sessions::ended_at.is_null()),
            )
            .set(sessions::last_seen_at.eq(to_db_time(at)))
            .execute(self.conn)?;
        }
        Ok(())
    }

    /// Ends one session (a no-op if it already ended: its first end stands).
    pub fn end_session(
        &mut self,
        id_sha256: &str,
        because: SessionEnd,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        diesel::update(
            sessions::table
                .filter(sessions::id_sha256.eq(id_sha256))
                .filter(sessions::ended_at.is_null()),
        )
        .set((
            sessions::ended_at.eq(Some(to_db_time(at))),
            sessions::ended_because.eq(Some(because.to_string())),
        ))
        .execute(self.conn)?;
        Ok(())
    }

    /// Ends every live session of one of the scope's users; returns how many.
    pub fn end_sessions_of(
        &mut self,
        scope: &AuthorityScope,
        user: UserId,
        because: SessionEnd,
        at: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        Ok(diesel::update(
            sessions::table
                .filter(sessions::authority_id.eq(scope.authority().as_str()))
                .filter(sessions::user_id.eq(user.to_string()))
                .filter(sessions::ended_at.is_null()),
        )
        .set((
            sessions::ended_at.eq(Some(to_db_time(at))),
            sessions::ended_because.eq(Some(because.to_string())),
        ))
        .execute(self.conn)?)
    }

    /// How many live sessions one of the scope's users has.
    pub fn count_live_sessions(
        &mut self,
        scope: &AuthorityScope,
        user: UserId,
    ) -> Result<i64, StoreError> {
        Ok(sessions::table
            .filter(sessions::authority_id.eq(scope.authority().as_str()))
            .filter(sessions::user_id.eq(user.to_string()))
            .filter(sessions::ended_at.is_null())
            .count()
            .get_result(self.conn)?)
    }

    /// Stores a single-use secret for one of the scope's users, known only by its hash.
    pub fn insert_account_secret(
        &mut self,
        scope: &AuthorityScope,
        user: UserId,
        secret_sha256: &str,
        purpose: SecretPurpose,
        at: DateTime<Utc>,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        refuse_raw_secret(secret_sha256)?;
        diesel::insert_into(account_secrets::table)
            .values((
                account_secrets::secret_sha256.eq(secret_sha256),
                account_secrets::authority_id.eq(scope.authority().as_str()),
                account_secrets::user_id.eq(user.to_string()),
                account_secrets::purpose.eq(purpose.to_string()),
                account_secrets::created_at.eq(to_db_time(at)),
                account_secrets::expires_at.eq(expires_at.map(to_db_time)),
                account_secrets::used_at.eq(None::<NaiveDateTime>),
            ))
            .execute(self.conn)?;
        Ok(())
    }

    /// Whose secret this is, if it exists for `purpose`, is unused and has not expired
    /// at `at`. Changes nothing.
    pub fn usable_secret_owner(
        &mut self,
        secret_sha256: &str,
        purpose: SecretPurpose,
        at: DateTime<Utc>,
    ) -> Result<Option<(AuthorityId, UserId)>, StoreError> {
        if !is_sha256_hex(secret_sha256) {
            return Ok(None);
        }
        let now = to_db_time(at);
        account_secrets::table
            .filter(account_secrets::secret_sha256.eq(secret_sha256))
            .filter(account_secrets::purpose.eq(purpose.to_string()))
            .filter(account_secrets::used_at.is_null())
            .filter(
                account_secrets::expires_at
                    .is_null()
                    .or(account_secrets::expires_at.gt(now)),
            )
            .select((account_secrets::authority_id, account_secrets::user_id))
            .first::<(String, String)>(self.conn)
            .optional()?
            .map(|(authority, user)| {
                Ok((
                    parse_authority(&authority)?,
                    parse("account_secrets.user_id", &user)?,
                ))
            })
            .transpose()
    }

    /// Uses a secret: stamps it used if it exists for `purpose`, is unused and has not
    /// expired at `at`, and returns whose it is; otherwise `None` and nothing changes.
    /// One conditional UPDATE, so of two concurrent uses only one succeeds. With
    /// `user`, only that user's secret counts (a recovery code is typed by a person
    /// already part way through signing in).
    pub fn use_account_secret(
        &mut self,
        secret_sha256: &str,
        purpose: SecretPurpose,
        user: Option<UserId>,
        at: DateTime<Utc>,
    ) -> Result<Option<(AuthorityId, UserId)>, StoreError> {
        let Some((authority, owner)) = self.usable_secret_owner(secret_sha256, purpose, at)? else {
            return Ok(None);
        };
        if user.is_some_and(|user| user != owner) {
            return Ok(None);
        }
        let changed = diesel::update(
            account_secrets::table
                .filter(account_secrets::secret_sha256.eq(secret_sha256))
                .filter(account_secrets::used_at.is_null()),
        )
        .set(account_secrets::used_at.eq(Some(to_db_time(at))))
        .execute(self.conn)?;
        Ok((changed == 1).then_some((authority, owner)))
    }

    /// Stamps every unused secret of `purpose` for the user as used (new recovery codes
    /// replace old ones; a new reset link replaces an older one). Returns how many.
    pub fn retire_account_secrets(
        &mut self,
        scope: &AuthorityScope,
        user: UserId,
        purpose: SecretPurpose,
        at: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        Ok(diesel::update(
            account_secrets::table
                .filter(account_secrets::authority_id.eq(scope.authority().as_str()))
                .filter(account_secrets::user_id.eq(user.to_string()))
                .filter(account_secrets::purpose.eq(purpose.to_string()))
                .filter(account_secrets::used_at.is_null()),
        )
        .set(account_secrets::used_at.eq(Some(to_db_time(at))))
        .execute(self.conn)?)
    }

    /// How many unused secrets of `purpose` the user holds (recovery codes left).
    pub fn count_unused_secrets(
        &mut self,
        scope: &AuthorityScope,
        user: UserId,
        purpose: SecretPurpose,
    ) -> Result<i64, StoreError> {
        Ok(account_secrets::table
            .filter(account_secrets::authority_id.eq(scope.authority().as_str()))
            .filter(account_secrets::user_id.eq(user.to_string()))
            .filter(account_secrets::purpose.eq(purpose.to_string()))
            .filter(account_secrets::used_at.is_null())
            .count()
            .get_result(self.conn)?)
    }
}
