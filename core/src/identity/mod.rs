//! Who is acting: adding an authority's users, and the API bearer tokens that let a
//! program act as one of them.
//!
//! - [`add_user`] puts a person in one authority with one [`UserRole`]. A password is
//!   hashed with Argon2id ([`PasswordHash`]); without one, the account gets the hash of
//!   a random password nobody knows, so it cannot sign in until a password is set.
//! - [`issue_token`] makes a token of 32 random bytes (`sp_` and 64 hex digits), stores
//!   only its SHA-256 and hands the token back once. Tokens are revoked, not deleted
//!   ([`crate::store::Tx::revoke_api_token`]).
//! - [`authenticate`] turns a presented token into its user, or `None`; the user's
//!   authority is then the scope of everything the request does.
//!
//! - [`sessions`]: server-side sessions a browser holds by a random id.
//! - [`accounts`]: an admin switches accounts off and on and changes roles.
//! - [`passwords`]: the rules for a new password, changing it, and resetting it by an
//!   e-mailed single-use link.
//! - [`two_factor`]: one-time codes (RFC 6238) and recovery codes, required for admins.
//!
//! A token is hashed with plain SHA-256, not Argon2: it is 256 random bits, so there is
//! nothing to guess and nothing to slow down, and every API request must check one.

pub mod accounts;
pub mod federated;
pub mod passwords;
pub mod sessions;
pub mod throttle;
pub mod two_factor;

use sha2::{Digest, Sha256};

use crate::domain::{
    ApiTokenId, AuthorityId, DomainError, Email, PasswordHash, PersonName, User, UserId, UserRole,
};
use crate::events::{self, CaseEvent};
use crate::store::{AuthorityScope, Database, NewEvent, StoreError};
use crate::time::Clock;

/// What every token starts with: tells a reader (and a secret scanner) what the string
/// is, and lets [`authenticate`] refuse a stray value without a database lookup.
pub const TOKEN_PREFIX: &str = "sp_";

/// Longest token label: a label names a use ("case management sync"), not a document.
const MAX_LABEL_CHARS: usize = 100;

/// Why an identity command was refused. Nothing was changed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IdentityError {
    /// A field broke a rule (display name, password, label).
    #[error("{field}: {rule}")]
    Invalid {
        /// The field, as the caller named it.
        field: &'static str,
        /// The rule, in plain English.
        rule: String,
    },
    /// Someone already signs in with that address (in this or another authority):
    /// addresses are unique because signing in is how the authority is found.
    #[error("email: {email} is already used by another user; each person needs their own address")]
    EmailTaken {
        /// The address asked for.
        email: Email,
    },
    /// No user of this authority has that address.
    #[error("email: no user {email} in authority {authority}")]
    UnknownUser {
        /// The address asked for.
        email: Email,
        /// The authority searched.
        authority: AuthorityId,
    },
    /// The authority is not registered in the database.
    #[error("authority: {authority} is not registered; register it from its configuration first")]
    UnknownAuthority {
        /// The authority asked for.
        authority: AuthorityId,
    },
    /// The account is switched off: nothing of it works until an admin switches it on.
    #[error(
        "account: this account has been disabled; ask your authority's sendpanel administrator"
    )]
    Disabled,
    /// The change would leave the authority with no enabled admin to manage it.
    #[error("user: this is the authority's last enabled admin; make someone else an admin first")]
    LastAdmin,
    /// An admin tried to switch off or demote their own account.
    #[error("user: you cannot {doing} your own account; ask another admin")]
    OwnAccount {
        /// What was tried.
        doing: &'static str,
    },
    /// The current password given to authorise a change is wrong.
    #[error("current_password: the current password is not right")]
    WrongPassword,
    /// A reset link that is unknown, used, replaced or out of date.
    #[error("link: this link has been used, has expired or was replaced by a newer one")]
    LinkNotUsable,
    /// A one-time or recovery code that does not match, or was used before.
    #[error("code: the code is not right, or it has been used; codes change every 30 seconds")]
    CodeRefused,
    /// The store refused or failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a password check found. The caller shows [`PasswordCheck::Refused`] the same
/// whatever the reason, so a guesser cannot tell which addresses exist.
#[derive(Debug, Clone)]
pub enum PasswordCheck {
    /// Unknown address or wrong password.
    Refused,
    /// The password is right but the account is switched off (said only now, to
    /// someone who knows the password).
    Disabled,
    /// The password is right: the account, whose second factor (if enrolled) must be
    /// checked before a session begins.
    Passed(crate::domain::Account),
}

impl From<DomainError> for IdentityError {
    fn from(error: DomainError) -> Self {
        match error {
            DomainError::Invalid { field, rule } => Self::Invalid { field, rule },
        }
    }
}

/// Adds a user to the scope's authority and records a `user_added` event (ids and role
/// only, no name or address). With `password`, it must be at least 12 characters and
/// is hashed with Argon2id; with `None` the account cannot sign in until a password is
/// set, which suits people who reach sendpanel only through API tokens or whose
/// password is set on first sign-in.
///
/// Hashing takes tens of milliseconds on purpose: call this off async workers.
pub fn add_user(
    db: &Database,
    scope: &AuthorityScope,
    email: &Email,
    display_name: &str,
    role: UserRole,
    password: Option<&str>,
    clock: &dyn Clock,
) -> Result<User, IdentityError> {
    let display_name = PersonName::parse("display_name", display_name)?;
    // Hashed before the transaction, so SQLite's single writer is not held for it.
    let hash = match password {
        Some(password) => {
            passwords::check_new(password, &[email.as_str(), display_name.as_str()])?;
            PasswordHash::from_password(password)?
        }
        None => PasswordHash::from_password(&random_hex::<32>())?,
    };
    let user = User {
        id: UserId::new(),
        authority_id: scope.authority().clone(),
        email: email.clone(),
        display_name: display_name.as_str().to_owned(),
        role,
    };
    let now = clock.now();
    let result = db.write(|tx| {
        if tx.find_authority(scope.authority())?.is_none() {
            return Ok(Err(IdentityError::UnknownAuthority {
                authority: scope.authority().clone(),
            }));
        }
        if tx.find_user_for_sign_in(email)?.is_some() {
            return Ok(Err(IdentityError::EmailTaken {
                email: email.clone(),
            }));
        }
        tx.insert_user(scope, &user, &hash, now)?;
        tx.append_event(
            scope,
            NewEvent {
                case_id: None,
                fact: CaseEvent::UserAdded(events::UserAdded {
                    user: user.id,
                    role: user.role,
                }),
                actor: None,
                occurred_at: now,
            },
        )?;
        Ok(Ok(()))
    });
    match result {
        Ok(Ok(())) => Ok(user),
        Ok(Err(refused)) => Err(refused),
        // Two writers adding the same address at once: the database's UNIQUE decides.
        Err(StoreError::Conflict(_)) => Err(IdentityError::EmailTaken {
            email: email.clone(),
        }),
        Err(other) => Err(other.into()),
    }
}

/// Issues an API token for the scope's user with `email`, labelled to say what it is
/// for. Returns its id (to list and revoke it) and the token, which exists nowhere
/// else: only its SHA-256 is stored, so it must be shown to the person now, once.
pub fn issue_token(
    db: &Database,
    scope: &AuthorityScope,
    email: &Email,
    label: Option<&str>,
    clock: &dyn Clock,
) -> Result<(ApiTokenId, String), IdentityError> {
    let label = match label.map(str::trim) {
        None | Some("") => None,
        Some(text) if text.chars().count() > MAX_LABEL_CHARS => {
            return Err(IdentityError::Invalid {
                field: "label",
                rule: format!("must be at most {MAX_LABEL_CHARS} characters"),
            });
        }
        Some(text) if text.chars().any(char::is_control) => {
            return Err(IdentityError::Invalid {
                field: "label",
                rule: "must be one line of text".into(),
            });
        }
        Some(text) => Some(text),
    };
    let token = format!("{TOKEN_PREFIX}{}", random_hex::<32>());
    let sha256 = token_sha256(&token);
    let now = clock.now();
    let id = db.write(|tx| {
        let Some(user) = tx.find_user_by_email(scope, email)? else {
            return Ok(Err(IdentityError::UnknownUser {
                email: email.clone(),
                authority: scope.authority().clone(),
            }));
        };
        tx.insert_api_token(scope, user.id, &sha256, label, now)
            .map(Ok)
    })??;
    Ok((id, token))
}

/// Checks `email` and `password`. An Argon2 verification runs whether or not the
/// address is known, so the time taken does not tell a guesser which addresses exist.
/// Takes tens of milliseconds on purpose: call it off async workers (and through the
/// caller's bound on concurrent hashes).
pub fn sign_in(db: &Database, email: &str, password: &str) -> Result<PasswordCheck, IdentityError> {
    let found = match Email::parse(email.trim()) {
        Ok(email) => db.read(|tx| tx.account_for_sign_in(&email))?,
        Err(_) => None,
    };
    let Some((account, hash)) = found else {
        // Same work as a real check, against a hash no password matches.
        let _ = decoy_hash().verify(password);
        return Ok(PasswordCheck::Refused);
    };
    Ok(if !hash.verify(password) {
        PasswordCheck::Refused
    } else if !account.is_enabled() {
        PasswordCheck::Disabled
    } else {
        PasswordCheck::Passed(account)
    })
}

/// A hash of a random password, made once per process, for [`sign_in`] to verify
/// against when the address is unknown.
fn decoy_hash() -> &'static PasswordHash {
    static DECOY: std::sync::OnceLock<PasswordHash> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| {
        PasswordHash::from_password(&random_hex::<32>())
            .unwrap_or_else(|_| PasswordHash::from_stored(String::new()))
    })
}

/// The user of the scope's authority with `id`, or `None` if there is none (a session
/// naming a user since removed).
pub fn user(
    db: &Database,
    scope: &AuthorityScope,
    id: UserId,
) -> Result<Option<User>, IdentityError> {
    match db.read(|tx| tx.get_user(scope, id)) {
        Ok(user) => Ok(Some(user)),
        Err(StoreError::NotFound { .. }) => Ok(None),
        Err(other) => Err(other.into()),
    }
}

/// The user a presented bearer token acts as, or `None` when it is not a token this
/// service issued, or it was revoked. The caller then scopes the request to the user's
/// authority. Surrounding whitespace (a token pasted into a header) is ignored. Says
/// nothing about *why* a token failed, so a guesser learns nothing.
pub fn authenticate(db: &Database, token: &str) -> Result<Option<User>, IdentityError> {
    let token = token.trim();
    if !looks_like_token(token) {
        return Ok(None);
    }
    let sha256 = token_sha256(token);
    Ok(db.read(|tx| tx.user_for_token(&sha256))?)
}

/// Which of `tokens` still act as someone, each decided as [`authenticate`] decides for
/// one, in one read for all of them: how a server checks the tokens behind all its open
/// live-tally streams together, rather than a query per stream. The answer is in the
/// order of `tokens`.
pub fn still_valid_tokens(db: &Database, tokens: &[String]) -> Result<Vec<bool>, IdentityError> {
    let shas: Vec<Option<String>> = tokens
        .iter()
        .map(|token| {
            let token = token.trim();
            looks_like_token(token).then(|| token_sha256(token))
        })
        .collect();
    let asked: Vec<String> = shas.iter().flatten().cloned().collect();
    let valid: std::collections::HashSet<String> = db
        .read(|tx| tx.valid_token_hashes(&asked))?
        .into_iter()
        .collect();
    Ok(shas
        .iter()
        .map(|sha| sha.as_ref().is_some_and(|sha| valid.contains(sha)))
        .collect())
}

/// Whether `token` has the shape [`issue_token`] makes: the prefix and 64 lowercase
/// hex digits.
fn looks_like_token(token: &str) -> bool {
    token.strip_prefix(TOKEN_PREFIX).is_some_and(|hex| {
        hex.len() == 64 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    })
}

/// The SHA-256 of the whole token (prefix included), as stored: lowercase hex.
fn token_sha256(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// The SHA-256 of `text` as lowercase hex: how sessions and single-use secrets are
/// stored.
fn sha256_hex(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

/// `N` bytes from the thread's cryptographically secure generator, as lowercase hex.
fn random_hex<const N: usize>() -> String {
    let bytes: [u8; N] = rand::random();
    hex(&bytes)
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
            // Writing to a String cannot fail.
            let _ = write!(out, "{b:02x}");
            out
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_prefixed_random_hex_and_differ() {
        let a = format!("{TOKEN_PREFIX}{}", random_hex::<32>());
        let b = format!("{TOKEN_PREFIX}{}", random_hex::<32>());
        assert_ne!(a, b);
        assert!(looks_like_token(&a), "{a}");
        assert_eq!(a.len(), 3 + 64);
    }

    #[test]
    fn only_the_issued_shape_is_looked_up() {
        assert!(!looks_like_token(""));
        assert!(!looks_like_token(&"a".repeat(64)));
        assert!(!looks_like_token(&format!("sp_{}", "A".repeat(64))));
        assert!(!looks_like_token(&format!("sp_{}", "a".repeat(63))));
        assert!(looks_like_token(&format!("sp_{}", "0f".repeat(32))));
    }

    #[test]
    fn the_stored_hash_is_sha256_of_the_whole_token() {
        // SHA-256("abc"), the FIPS 180-2 test vector.
        assert_eq!(
            token_sha256("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
