//! Server-side sessions: the browser's cookie carries only a random id, and the
//! database says whether it is still good. That is what lets sign-out, "sign out
//! everywhere", an admin's switch-off and a password change end a session at once,
//! including any copy of the cookie.
//!
//! A session also ends by time: [`IDLE_TIMEOUT`] after its last request and
//! [`ABSOLUTE_TIMEOUT`] after sign-in, both read from the service's clock.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};

use super::{IdentityError, random_hex, sha256_hex};
use crate::domain::{SessionEnd, SignInMethod, User, UserId};
use crate::events::{self, AccountChange, CaseEvent};
use crate::store::{AuthorityScope, Database, NewEvent, SessionRecord, StoreError, Tx};
use crate::time::Clock;

/// A session ends this long after sign-in, however busy: a council laptop left signed
/// in overnight, or a copied cookie, stops working by the next working day.
pub const ABSOLUTE_TIMEOUT: Duration = Duration::hours(10);
/// A session ends after this long without a request, as the GOV.UK Design System's
/// timeout pattern suggests for services holding personal data.
pub const IDLE_TIMEOUT: Duration = Duration::minutes(60);
/// How stale `last_seen_at` may be before a request moves it on: writing on every
/// request would make every page (and every live-tally reconnect) a write.
pub const SEEN_GRANULARITY: Duration = Duration::minutes(1);

/// The random id a browser holds for its session (32 bytes as hex). Only its SHA-256
/// is stored. Never printed by `Debug`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SessionId(String);

impl SessionId {
    /// Wraps an id presented by a browser (checked when it is looked up).
    pub fn presented(id: String) -> Self {
        Self(id)
    }

    /// The id, for the cookie.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn sha256(&self) -> String {
        sha256_hex(&self.0)
    }
}

impl std::fmt::Debug for SessionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionId(..)")
    }
}

/// A session the database still honours, with its user as they are now (role
/// included: a role change applies on the next request).
#[derive(Debug, Clone)]
pub struct LiveSession {
    /// The signed-in person.
    pub user: User,
    /// How they signed in.
    pub method: SignInMethod,
    /// Whether they have a second factor enrolled (an admin without one is sent to
    /// enrol before anything else).
    pub two_factor_enrolled: bool,
}

/// Whether a session that began at `created_at` and was last used at `last_seen` has
/// ended by `now`.
pub fn expired(created_at: DateTime<Utc>, last_seen: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now - created_at >= ABSOLUTE_TIMEOUT || now - last_seen > IDLE_TIMEOUT
}

/// What a live session's times say at `now`.
enum Standing {
    /// Past a limit: it ends now.
    TimedOut,
    /// Still good, and its `last_seen_at` is a [`SEEN_GRANULARITY`] old: move it on.
    DueTouch,
    /// Still good, seen recently.
    Fresh,
}

fn standing(created_at: DateTime<Utc>, last_seen: DateTime<Utc>, now: DateTime<Utc>) -> Standing {
    if expired(created_at, last_seen, now) {
        Standing::TimedOut
    } else if now - last_seen >= SEEN_GRANULARITY {
        Standing::DueTouch
    } else {
        Standing::Fresh
    }
}

/// Starts a session for `user`, who has just proved who they are by `method`, and
/// stamps their sign-in. Refused when the account was switched off meanwhile (read in
/// the transaction that writes the session).
pub fn begin(
    db: &Database,
    user: &User,
    method: SignInMethod,
    clock: &dyn Clock,
) -> Result<SessionId, IdentityError> {
    let scope = AuthorityScope::new(user.authority_id.clone());
    let id = SessionId(random_hex::<32>());
    let now = clock.now();
    db.write(|tx| begin_in(tx, &scope, user.id, &id, method, now))??;
    Ok(id)
}

/// [`begin`] inside a caller's transaction (a password change ends the old sessions
/// and starts the new one in one go).
pub(super) fn begin_in(
    tx: &mut Tx<'_>,
    scope: &AuthorityScope,
    user: UserId,
    id: &SessionId,
    method: SignInMethod,
    now: DateTime<Utc>,
) -> Result<Result<(), IdentityError>, StoreError> {
    let account = tx.get_account(scope, user)?;
    if !account.is_enabled() {
        return Ok(Err(IdentityError::Disabled));
    }
    tx.insert_session(scope, user, &id.sha256(), method, now)?;
    tx.note_sign_in(scope, user, now)?;
    Ok(Ok(()))
}

/// The session's user, or `None` when the id names no live session: never issued,
/// ended, timed out (ended now, and recorded so), or its user switched off. Moves the
/// session's `last_seen_at` on at most once a [`SEEN_GRANULARITY`].
pub fn resume(
    db: &Database,
    id: &SessionId,
    clock: &dyn Clock,
) -> Result<Option<LiveSession>, IdentityError> {
    let sha = id.sha256();
    let Some((record, account)) = db.read(|tx| tx.live_session(&sha))? else {
        return Ok(None);
    };
    let now = clock.now();
    let SessionRecord {
        method,
        created_at,
        last_seen_at,
        ..
    } = record;
    // Most requests find their session fresh and write nothing. One that would end it
    // or move it on decides again on the session as it stands in the writing
    // transaction, since another request or a sign-out may have changed it since.
    if !matches!(standing(created_at, last_seen_at, now), Standing::Fresh) {
        let shas = [sha];
        if db.write(|tx| settle(tx, &shas, now))?.is_empty() {
            return Ok(None);
        }
    }
    Ok(Some(LiveSession {
        two_factor_enrolled: account.totp_secret.is_some(),
        user: account.user,
        method,
    }))
}

/// Which of `ids` still name live sessions, each decided as [`resume`] decides for one
/// (a session timed out is ended and recorded so; a live one's `last_seen_at` moves on
/// at most once a [`SEEN_GRANULARITY`]), in one read for all of them and at most one
/// write: how a server checks the sessions behind all its open live-tally streams
/// together, rather than a query per stream. The answer is in the order of `ids`.
pub fn still_live(
    db: &Database,
    ids: &[SessionId],
    clock: &dyn Clock,
) -> Result<Vec<bool>, IdentityError> {
    let shas: Vec<String> = ids.iter().map(SessionId::sha256).collect();
    let now = clock.now();
    let live = db.read(|tx| tx.live_sessions(&shas))?;
    // As in `resume`: only when something is to be written, decided again inside the
    // writing transaction on the sessions as they stand there.
    let alive: HashSet<String> = if live
        .iter()
        .all(|(_, r)| matches!(standing(r.created_at, r.last_seen_at, now), Standing::Fresh))
    {
        live.into_iter().map(|(sha, _)| sha).collect()
    } else {
        db.write(|tx| settle(tx, &shas, now))?
    };
    Ok(shas.iter().map(|sha| alive.contains(sha)).collect())
}

/// Inside a writing transaction, with the sessions' rows locked: reads the sessions of
/// `shas` as they stand, ends (and records so) those timed out at `now`, moves on the
/// `last_seen_at` of those due it, and gives the hashes of those still live.
fn settle(
    tx: &mut Tx<'_>,
    shas: &[String],
    now: DateTime<Utc>,
) -> Result<HashSet<String>, StoreError> {
    let mut alive = HashSet::new();
    let mut due = Vec::new();
    for (sha, record) in tx.lock_live_sessions(shas)? {
        match standing(record.created_at, record.last_seen_at, now) {
            Standing::TimedOut => {
                tx.end_session(&sha, SessionEnd::TimedOut, now)?;
                tracing::info!(user_id = %record.user, "session timed out");
            }
            Standing::DueTouch => {
                due.push(sha.clone());
                alive.insert(sha);
            }
            Standing::Fresh => {
                alive.insert(sha);
            }
        }
    }
    tx.touch_sessions(&due, now)?;
    Ok(alive)
}

/// Ends one session (signing out of this browser). Ending an ended session changes
/// nothing.
pub fn end(db: &Database, id: &SessionId, clock: &dyn Clock) -> Result<(), IdentityError> {
    let sha = id.sha256();
    let now = clock.now();
    db.write(|tx| tx.end_session(&sha, SessionEnd::SignedOut, now))?;
    Ok(())
}

/// Ends every session of `user` (signing out everywhere: a lost laptop, a shared
/// computer). Returns how many ended.
pub fn end_everywhere(
    db: &Database,
    scope: &AuthorityScope,
    user: UserId,
    clock: &dyn Clock,
) -> Result<usize, IdentityError> {
    let now = clock.now();
    Ok(db.write(|tx| {
        let ended = tx.end_sessions_of(scope, user, SessionEnd::SignedOutEverywhere, now)?;
        tx.append_event(
            scope,
            NewEvent {
                case_id: None,
                fact: CaseEvent::AccountChanged(events::AccountChanged {
                    user,
                    change: AccountChange::SignedOutEverywhere,
                }),
                actor: Some(user),
                occurred_at: now,
            },
        )?;
        Ok(ended)
    })?)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn sessions_end_when_idle_or_too_old() {
        let at = |hour, minute| {
            Utc.with_ymd_and_hms(2026, 11, 24, hour, minute, 0)
                .single()
                .unwrap_or_default()
        };
        let signed_in = at(8, 0);
        // Busy all day: fine until ten hours after signing in.
        assert!(!expired(signed_in, at(17, 50), at(17, 59)));
        assert!(expired(signed_in, at(17, 59), at(18, 0)));
        // Away from the desk for over an hour.
        assert!(!expired(signed_in, at(9, 0), at(10, 0)));
        assert!(expired(signed_in, at(9, 0), at(10, 1)));
    }

    #[test]
    fn a_session_id_is_never_printed() {
        let id = SessionId(random_hex::<32>());
        assert_eq!(format!("{id:?}"), "SessionId(..)");
        assert_eq!(id.as_str().len(), 64);
    }
}
