//! Idempotent submissions: a request sent twice is recorded once.
//!
//! A client that did not hear back (a timeout, a dropped connection) cannot tell
//! whether its decision was recorded; sending it again must not record a second
//! decision, letter and e-mail to the family. So a submission can carry a key:
//!
//! - an API call, the `Idempotency-Key` header (IETF draft
//!   `draft-ietf-httpapi-idempotency-key-header`), chosen by the client;
//! - a page form, a one-time token the page put in the form, so a double click on
//!   "Record decision" records once.
//!
//! [`begin`] claims the key for one caller of one authority before the request runs.
//! The first claim wins; a repeat of the same request gets the first [`Answer`] back
//! ([`Begun::Answered`]) and nothing runs again; a repeat that arrives while the first
//! is still running is told so ([`Begun::InProgress`]); the same key with another
//! request (method, path or body) is refused ([`Begun::Reused`]). After the request,
//! [`answer`] keeps its answer, or [`release`] gives the key back when the request
//! changed nothing (it was refused), so it can be corrected and sent again.
//!
//! Invariants:
//! - Keys belong to one user of one authority ([`AuthorityScope`] on every call): two
//!   callers never see each other's keys or answers.
//! - Only the SHA-256 of the request (method, path, body) is stored, never the body.
//! - A key lasts [`KEY_LIFETIME`] from its first use; after that it is new again.
//! - An API key names one request whatever its address; a page's token is per form
//!   (it is stored with the form's address), so one page's token serves each of its
//!   forms once.
//! - A key whose request never finished (the process stopped part way) stays "in
//!   progress" until it expires: what the request did is unknown, so it is never run
//!   again under the same key.

use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};

use crate::domain::UserId;
use crate::store::{AuthorityScope, Database, StoreError};

/// How long a key is remembered after its first use: a day covers any client's
/// retries, and the table stays small.
pub const KEY_LIFETIME: Duration = Duration::hours(24);

/// The longest key accepted, in characters. A UUID is 36; the limit leaves room for
/// a client's own scheme without letting a key become a payload.
pub const MAX_KEY_CHARS: usize = 255;

/// A key as a client or a page sent it: 1 to [`MAX_KEY_CHARS`] visible ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// Checks `value` is a usable key.
    pub fn new(value: &str) -> Result<Self, KeyError> {
        if value.is_empty() {
            return Err(KeyError::Empty);
        }
        if let Some(position) = value.chars().position(|c| !c.is_ascii_graphic()) {
            return Err(KeyError::NotVisibleAscii {
                position: position + 1,
            });
        }
        if value.len() > MAX_KEY_CHARS {
            return Err(KeyError::TooLong(value.len()));
        }
        Ok(Self(value.to_owned()))
    }

    /// The key.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Why a key was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// No characters.
    #[error("must not be empty")]
    Empty,
    /// Over [`MAX_KEY_CHARS`].
    #[error("must be at most {MAX_KEY_CHARS} characters; this one has {0}")]
    TooLong(usize),
    /// A space, a control character or a character outside ASCII.
    #[error(
        "must be visible ASCII characters only (no spaces, control characters or accents); character {position} is not"
    )]
    NotVisibleAscii {
        /// Where, counting from 1.
        position: usize,
    },
}

/// Where a key came from. An API key and a page token never meet, even if equal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The JSON API's `Idempotency-Key` header.
    Api,
    /// A page form's one-time token.
    Page,
}

impl Origin {
    /// As stored.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Api => "api",
            Self::Page => "page",
        }
    }
}

/// One request under a key, as [`begin`] sees it.
#[derive(Debug, Clone, Copy)]
pub struct Submission<'a> {
    /// API or page.
    pub origin: Origin,
    /// Who sends it. With the scope, the key's owner.
    pub user: UserId,
    /// The key.
    pub key: &'a IdempotencyKey,
    /// The HTTP method.
    pub method: &'a str,
    /// The path, with any query.
    pub path: &'a str,
    /// The body as the caller wants it compared: hashed here, never stored.
    pub body: &'a [u8],
}

/// The answer a request got, kept to give a repeat the same one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// The `Content-Type`, if any.
    pub content_type: Option<String>,
    /// The `Location`, if any (where a page form redirected).
    pub location: Option<String>,
    /// The body.
    pub body: Vec<u8>,
}

/// What [`begin`] found.
#[derive(Debug)]
#[non_exhaustive]
pub enum Begun {
    /// The key is new: run the request, then [`answer`] or [`release`].
    Claimed(Claim),
    /// The same request was answered before: here is that answer. Run nothing.
    Answered(Answer),
    /// The same request is being answered now (or its run was cut off): run nothing.
    InProgress {
        /// When the first request claimed the key.
        since: DateTime<Utc>,
    },
    /// The key was first used for another request. Run nothing.
    Reused(Reuse),
}

/// The request a key was first used for, when another comes under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reuse {
    /// Its method.
    pub method: String,
    /// Its path.
    pub path: String,
    /// When.
    pub first_used_at: DateTime<Utc>,
    /// Whether it went to the same method and path (so only the body differs).
    pub same_target: bool,
}

/// A claimed key, for [`answer`] or [`release`] once the request has run.
#[derive(Debug, Clone)]
pub struct Claim {
    pub(crate) scope: AuthorityScope,
    pub(crate) user: UserId,
    pub(crate) origin: Origin,
    pub(crate) key: String,
}

/// A key as stored, and what it was used for.
#[derive(Debug)]
pub(crate) struct StoredKey {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) request_sha256: String,
    pub(crate) answer: Option<Answer>,
    pub(crate) created_at: DateTime<Utc>,
}

/// A claim about to be stored.
pub(crate) struct NewKey<'a> {
    pub(crate) claim: &'a Claim,
    pub(crate) method: &'a str,
    pub(crate) path: &'a str,
    pub(crate) request_sha256: String,
    pub(crate) at: DateTime<Utc>,
}

/// The key as stored. A page's token is per form, so it is stored with its form's
/// address, hashed: an address can be long, and the stored key stays 64 characters.
fn stored_key(submission: &Submission<'_>) -> String {
    match submission.origin {
        Origin::Api => submission.key.as_str().to_owned(),
        Origin::Page => sha256_hex(&[
            submission.key.as_str().as_bytes(),
            submission.path.as_bytes(),
        ]),
    }
}

/// The SHA-256 of `parts`, each after its length, so no part's end can pass for the
/// next one's start; as 64 lowercase hex digits.
fn sha256_hex(parts: &[&[u8]]) -> String {
    let mut hash = Sha256::new();
    for part in parts {
        hash.update((part.len() as u64).to_be_bytes());
        hash.update(part);
    }
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The SHA-256 that tells one request from another under a key.
fn fingerprint(submission: &Submission<'_>) -> String {
    sha256_hex(&[
        submission.method.as_bytes(),
        submission.path.as_bytes(),
        submission.body,
    ])
}

/// Claims `submission`'s key at `now`, or says what became of its first use (see
/// [`Begun`]). Keys past [`KEY_LIFETIME`] are forgotten first, so an expired key is
/// claimed afresh. Blocking.
pub fn begin(
    db: &Database,
    scope: &AuthorityScope,
    submission: &Submission<'_>,
    now: DateTime<Utc>,
) -> Result<Begun, StoreError> {
    let claim = Claim {
        scope: scope.clone(),
        user: submission.user,
        origin: submission.origin,
        key: stored_key(submission),
    };
    let request_sha256 = fingerprint(submission);
    let mut raced = false;
    let stored = loop {
        let new = NewKey {
            claim: &claim,
            method: submission.method,
            path: submission.path,
            request_sha256: request_sha256.clone(),
            at: now,
        };
        match db.write(|tx| tx.claim_idempotency_key(scope, &new)) {
            // Two first uses at once: on PostgreSQL the second insert waits for the
            // first to commit, then breaks the primary key. Read what the winner wrote.
            Err(StoreError::Conflict(_)) if !raced => raced = true,
            other => break other?,
        }
    };
    let Some(stored) = stored else {
        return Ok(Begun::Claimed(claim));
    };
    if stored.request_sha256 != request_sha256 {
        return Ok(Begun::Reused(Reuse {
            same_target: stored.method == submission.method && stored.path == submission.path,
            method: stored.method,
            path: stored.path,
            first_used_at: stored.created_at,
        }));
    }
    Ok(match stored.answer {
        Some(answer) => Begun::Answered(answer),
        None => Begun::InProgress {
            since: stored.created_at,
        },
    })
}

/// Keeps the answer to a claimed key's request, for its repeats. Blocking.
pub fn answer(db: &Database, claim: &Claim, answer: &Answer) -> Result<(), StoreError> {
    db.write(|tx| tx.answer_idempotency_key(&claim.scope, claim, answer))
}

/// Gives a claimed key back: its request changed nothing, so a repeat may run it
/// again. Blocking.
pub fn release(db: &Database, claim: &Claim) -> Result<(), StoreError> {
    db.write(|tx| tx.release_idempotency_key(&claim.scope, claim))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_one_to_255_visible_ascii_characters() {
        assert!(IdempotencyKey::new("8e03978e-40d5-43e8-bc93-6894a57f9324").is_ok());
        assert!(IdempotencyKey::new(&"k".repeat(MAX_KEY_CHARS)).is_ok());
        assert_eq!(IdempotencyKey::new(""), Err(KeyError::Empty));
        assert_eq!(
            IdempotencyKey::new(&"k".repeat(MAX_KEY_CHARS + 1)),
            Err(KeyError::TooLong(MAX_KEY_CHARS + 1))
        );
        assert_eq!(
            IdempotencyKey::new("two words"),
            Err(KeyError::NotVisibleAscii { position: 4 })
        );
        assert_eq!(
            IdempotencyKey::new("caf\u{e9}"),
            Err(KeyError::NotVisibleAscii { position: 4 })
        );
        assert_eq!(
            IdempotencyKey::new("tab\there"),
            Err(KeyError::NotVisibleAscii { position: 4 })
        );
    }

    #[test]
    fn the_fingerprint_tells_method_path_and_body_apart() -> Result<(), KeyError> {
        let key = IdempotencyKey::new("k")?;
        let base = Submission {
            origin: Origin::Api,
            user: UserId::new(),
            key: &key,
            method: "POST",
            path: "/a",
            body: b"{}",
        };
        let print = fingerprint(&base);
        assert_eq!(print.len(), 64);
        assert_eq!(print, fingerprint(&Submission { ..base }));
        assert_ne!(print, fingerprint(&Submission { path: "/b", ..base }));
        assert_ne!(
            print,
            fingerprint(&Submission {
                body: b"{ }",
                ..base
            })
        );
        // A path's end never passes for the body's start.
        assert_ne!(
            fingerprint(&Submission {
                path: "/a\n{",
                body: b"}",
                ..base
            }),
            fingerprint(&Submission {
                path: "/a",
                body: b"{\n}",
                ..base
            })
        );
        Ok(())
    }
}
