//! Authorities and their users.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::rows::{from_db_time, not_found, parse, to_db_time};
use super::schema::{authorities, users};
use super::{AuthorityScope, StoreError, Tx};
use crate::domain::{
    Account, Authority, AuthorityId, Email, LaNumber, PasswordHash, PersonName, TotpSecret, User,
    UserId,
};

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = authorities)]
#[diesel(treat_none_as_default_value = false)]
struct AuthorityRow {
    id: String,
    name: String,
    la_number: i32,
    created_at: NaiveDateTime,
}

impl TryFrom<AuthorityRow> for Authority {
    type Error = StoreError;
    fn try_from(row: AuthorityRow) -> Result<Self, StoreError> {
        let number = u16::try_from(row.la_number).map_err(|e| StoreError::Corrupt {
            column: "authorities.la_number",
            detail: e.to_string(),
        })?;
        Ok(Authority {
            id: parse_authority(&row.id)?,
            name: row.name,
            la_number: LaNumber::new(number).map_err(|e| StoreError::Corrupt {
                column: "authorities.la_number",
                detail: e.to_string(),
            })?,
        })
    }
}

pub(crate) fn parse_authority(value: &str) -> Result<AuthorityId, StoreError> {
    AuthorityId::parse(value).map_err(|e| StoreError::Corrupt {
        column: "authority_id",
        detail: e.to_string(),
    })
}

/// A `users` row; shared with the token queries, which read the user a token names.
#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
#[diesel(treat_none_as_default_value = false)]
pub(super) struct UserRow {
    id: String,
    authority_id: String,
    email: String,
    display_name: String,
    role: String,
    password_hash: String,
    created_at: NaiveDateTime,
}

/// A `users` row with the account's state: what sign-in, sessions and the admin's list
/// read. Kept apart from [`UserRow`], which every other query reads, so those touch
/// only the columns they need.
#[derive(Queryable, Selectable)]
#[diesel(table_name = users)]
pub(super) struct AccountRow {
    #[diesel(embed)]
    user: UserRow,
    disabled_at: Option<NaiveDateTime>,
    last_sign_in_at: Option<NaiveDateTime>,
    totp_secret: Option<String>,
}

impl UserRow {
    pub(super) fn into_user(self) -> Result<(User, PasswordHash), StoreError> {
        let user = User {
            id: parse("users.id", &self.id)?,
            authority_id: parse_authority(&self.authority_id)?,
            email: Email::parse(&self.email).map_err(|e| StoreError::Corrupt {
                column: "users.email",
                detail: e.to_string(),
            })?,
            display_name: self.display_name,
            role: parse("users.role", &self.role)?,
        };
        Ok((user, PasswordHash::from_stored(self.password_hash)))
    }
}

impl AccountRow {
    /// The user with what sign-in and the admin's list need: whether they are switched
    /// off, when they last signed in, and their second factor's secret.
    pub(super) fn into_account(self) -> Result<(Account, PasswordHash), StoreError> {
        let (user, hash) = self.user.into_user()?;
        Ok((
            Account {
                user,
                disabled_at: self.disabled_at.map(from_db_time),
                last_sign_in_at: self.last_sign_in_at.map(from_db_time),
                totp_secret: self.totp_secret.map(TotpSecret::from_stored),
            },
            hash,
        ))
    }
}

impl Tx<'_> {
    /// Registers an authority. Not scoped: authorities are the scopes.
    pub fn insert_authority(
        &mut self,
        authority: &Authority,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        diesel::insert_into(authorities::table)
            .values(AuthorityRow {
                id: authority.id.to_string(),
                name: authority.name.clone(),
                la_number: i32::from(authority.la_number.get()),
                created_at: to_db_time(at),
            })
            .execute(self.conn)?;
        Ok(())
    }

    /// An authority by code, if registered.
    pub fn find_authority(&mut self, id: &AuthorityId) -> Result<Option<Authority>, StoreError> {
        authorities::table
            .find(id.as_str())
            .select(AuthorityRow::as_select())
            .first(self.conn)
            .optional()?
            .map(Authority::try_from)
            .transpose()
    }

    /// Every registered authority, by code.
    pub fn list_authorities(&mut self) -> Result<Vec<Authority>, StoreError> {
        authorities::table
            .order(authorities::id)
            .select(AuthorityRow::as_select())
            .load(self.conn)?
            .into_iter()
            .map(Authority::try_from)
            .collect()
    }

    /// Adds a user to the scope's authority.
    pub fn insert_user(
        &mut self,
        scope: &AuthorityScope,
        user: &User,
        password: &PasswordHash,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        scope.admit("user", &user.authority_id)?;
        PersonName::parse("display_name", &user.display_name)
            .map_err(|e| StoreError::Refused(e.to_string()))?;
        diesel::insert_into(users::table)
            .values(UserRow {
                id: user.id.to_string(),
                authority_id: user.authority_id.to_string(),
                email: user.email.to_string(),
                display_name: user.display_name.clone(),
                role: user.role.to_string(),
                password_hash: password.as_str().to_owned(),
                created_at: to_db_time(at),
            })
            .execute(self.conn)?;
        Ok(())
    }

    /// A user of the scope's authority.
    pub fn get_user(&mut self, scope: &AuthorityScope, id: UserId) -> Result<User, StoreError> {
        users::table
            .filter(users::authority_id.eq(scope.authority().as_str()))
            .filter(users::id.eq(id.to_string()))
            .select(UserRow::as_select())
            .first(self.conn)
            .optional()?
            .ok_or_else(|| not_found("user", id))?
            .into_user()
            .map(|(user, _)| user)
    }

    /// The scope's user with `email`, if any. A user of another authority with that
    /// address is not found: administrators name users by address, within their own
    /// authority only.
    pub fn find_user_by_email(
        &mut self,
        scope: &AuthorityScope,
        email: &Email,
    ) -> Result<Option<User>, StoreError> {
        users::table
            .filter(users::authority_id.eq(scope.authority().as_str()))
            .filter(users::email.eq(email.as_str()))
            .select(UserRow::as_select())
            .first(self.conn)
            .optional()?
            .map(|row| row.into_user().map(|(user, _)| user))
            .transpose()
    }

    /// The user who signs in with `email`, with their password hash, whatever their
    /// authority: signing in is how the authority scope is learned.
    pub fn find_user_for_sign_in(
        &mut self,
        email: &Email,
    ) -> Result<Option<(User, PasswordHash)>, StoreError> {
        users::table
            .filter(users::email.eq(email.as_str()))
            .select(UserRow::as_select())
            .first(self.conn)
            .optional()?
            .map(UserRow::into_user)
            .transpose()
    }

    /// The scope's users, by name.
    pub fn list_users(&mut self, scope: &AuthorityScope) -> Result<Vec<User>, StoreError> {
        users::table
            .filter(users::authority_id.eq(scope.authority().as_str()))
            .order((users::display_name, users::id))
            .select(UserRow::as_select())
            .load(self.conn)?
            .into_iter()
            .map(|row| row.into_user().map(|(user, _)| user))
            .collect()
    }

    /// How many users exist across all authorities: zero means a fresh database.
    pub fn count_all_users(&mut self) -> Result<i64, StoreError> {
        Ok(users::table.count().get_result(self.conn)?)
    }
}
