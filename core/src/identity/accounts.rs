//! An authority's admin (or an operator at the command line) switches accounts off and
//! on, and changes roles. Each change is one transaction that reads the account and
//! the authority's admins, decides, writes, and records an [`AccountChanged`] event:
//! two admins acting at once cannot both demote "the other last admin".
//!
//! Switching off ends the person's sessions and revokes their API tokens in that same
//! transaction, so a leaver is out on their next request, whatever they still hold.
//! Accounts are never deleted: decisions, votes and the access log name them.

use super::IdentityError;
use crate::domain::{Account, SessionEnd, UserId, UserRole};
use crate::events::{AccountChange, AccountChanged, CaseEvent};
use crate::store::{AuthorityScope, Database, NewEvent, StoreError, Tx};
use crate::time::Clock;

/// What switching an account off ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Disabled {
    /// Sessions ended.
    pub sessions_ended: u32,
    /// API tokens revoked.
    pub tokens_revoked: u32,
}

/// The scope's accounts by name, with whether each is switched on, when it last
/// signed in and whether it has a second factor.
pub fn list(db: &Database, scope: &AuthorityScope) -> Result<Vec<Account>, IdentityError> {
    Ok(db.read(|tx| tx.list_accounts(scope))?)
}

/// Switches `target` off, by `by` (an admin's id, or `None` for an operator at the
/// command line). Refused for one's own account and for the authority's last enabled
/// admin. Switching off a switched-off account changes nothing and says what it did
/// the first time (nothing more).
pub fn disable(
    db: &Database,
    scope: &AuthorityScope,
    by: Option<UserId>,
    target: UserId,
    clock: &dyn Clock,
) -> Result<Disabled, IdentityError> {
    if by == Some(target) {
        return Err(IdentityError::OwnAccount { doing: "disable" });
    }
    let now = clock.now();
    db.write(|tx| {
        tx.lock_accounts(scope)?;
        let account = tx.get_account(scope, target)?;
        if !account.is_enabled() {
            return Ok(Ok(Disabled {
                sessions_ended: 0,
                tokens_revoked: 0,
            }));
        }
        if account.user.role == UserRole::Admin
            && tx.count_enabled_with_role(scope, UserRole::Admin)? <= 1
        {
            return Ok(Err(IdentityError::LastAdmin));
        }
        tx.set_user_disabled(scope, target, Some(now))?;
        let sessions_ended = tx.end_sessions_of(scope, target, SessionEnd::Disabled, now)?;
        let tokens_revoked = tx.revoke_all_api_tokens(scope, target, now)?;
        let done = Disabled {
            sessions_ended: u32::try_from(sessions_ended).unwrap_or(u32::MAX),
            tokens_revoked: u32::try_from(tokens_revoked).unwrap_or(u32::MAX),
        };
        record(
            tx,
            scope,
            by,
            target,
            AccountChange::Disabled {
                sessions_ended: done.sessions_ended,
                tokens_revoked: done.tokens_revoked,
            },
            now,
        )?;
        Ok(Ok(done))
    })?
}

/// Switches `target` on again. Their old API tokens stay revoked: a returning person
/// is issued new ones.
pub fn enable(
    db: &Database,
    scope: &AuthorityScope,
    by: Option<UserId>,
    target: UserId,
    clock: &dyn Clock,
) -> Result<(), IdentityError> {
    let now = clock.now();
    Ok(db.write(|tx| {
        tx.lock_accounts(scope)?;
        let account = tx.get_account(scope, target)?;
        if account.is_enabled() {
            return Ok(());
        }
        tx.set_user_disabled(scope, target, None)?;
        record(tx, scope, by, target, AccountChange::Enabled, now)
    })?)
}

/// Gives `target` the role `to`. Refused for one's own role (an admin cannot lock
/// themselves out by mistake) and when it would leave no enabled admin. Takes effect
/// on the person's next request: sessions and tokens read the role each time.
pub fn change_role(
    db: &Database,
    scope: &AuthorityScope,
    by: Option<UserId>,
    target: UserId,
    to: UserRole,
    clock: &dyn Clock,
) -> Result<(), IdentityError> {
    if by == Some(target) {
        return Err(IdentityError::OwnAccount {
            doing: "change the role of",
        });
    }
    let now = clock.now();
    db.write(|tx| {
        tx.lock_accounts(scope)?;
        let account = tx.get_account(scope, target)?;
        let from = account.user.role;
        if from == to {
            return Ok(Ok(()));
        }
        if from == UserRole::Admin
            && account.is_enabled()
            && tx.count_enabled_with_role(scope, UserRole::Admin)? <= 1
        {
            return Ok(Err(IdentityError::LastAdmin));
        }
        tx.set_user_role(scope, target, to)?;
        record(
            tx,
            scope,
            by,
            target,
            AccountChange::RoleChanged { from, to },
            now,
        )?;
        Ok(Ok(()))
    })?
}

/// Appends the account change to the log, in the caller's transaction.
pub(super) fn record(
    tx: &mut Tx<'_>,
    scope: &AuthorityScope,
    by: Option<UserId>,
    user: UserId,
    change: AccountChange,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<(), StoreError> {
    tx.append_event(
        scope,
        NewEvent {
            case_id: None,
            fact: CaseEvent::AccountChanged(AccountChanged { user, change }),
            actor: by,
            occurred_at: at,
        },
    )?;
    Ok(())
}
