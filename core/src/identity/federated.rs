//! Signing in through a council's own identity provider: which sendpanel account a
//! vouched-for address is, and with which role.
//!
//! The protocol (checking the provider's ID token) is the web crate's; this module
//! starts where it ends, with an address the provider vouched for. The rules:
//!
//! - Nobody is registered by signing in: the address must be an account an admin
//!   created. A provider can vouch only for its own council's people, so an account of
//!   another authority is refused exactly like an unknown address (a council's provider
//!   must not learn, or reach, other councils' accounts).
//! - An address the provider marks unverified (`email_verified: false`) is refused
//!   before anything is looked up: anyone able to set that address on an account at the
//!   provider could otherwise sign in as its owner. A provider that says nothing
//!   (`None`) vouches for the address by issuing the token, as Entra ID does.
//! - A switched-off account stays off, whoever vouches for it.
//! - Where the authority maps provider groups to roles, the provider's groups decide:
//!   no mapped group refuses; the account's role among the mapped ones is kept; any
//!   other role is changed to a mapped one through [`super::accounts::change_role`],
//!   so the change is in the log like an admin's (with no acting user). Where it maps
//!   none, roles are managed in sendpanel alone.

use strum::IntoEnumIterator;

use super::IdentityError;
use super::accounts;
use crate::domain::{AuthorityId, Email, User, UserRole};
use crate::store::{AuthorityScope, Database, StoreError};
use crate::time::Clock;

/// Why a council sign-in was refused. Nothing was changed. The messages never name the
/// address, so the error can be logged as it is; a page may show the address back to
/// the person who signed in.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FederatedError {
    /// No account of this authority has the address (an account of another authority
    /// is refused the same way).
    #[error("no sendpanel account of this authority has this address; an admin must add it")]
    UnknownAccount,
    /// The provider says it has not verified the address.
    #[error("the council's sign-in service has not verified this e-mail address")]
    EmailNotVerified,
    /// The account is switched off.
    #[error("this account has been disabled; ask your authority's sendpanel administrator")]
    Disabled,
    /// The authority maps groups to roles, and none of the person's groups is mapped.
    #[error("your council account is not in a group that gives access to sendpanel")]
    NoMappedGroup,
    /// The groups give another role, but the account is the authority's last enabled
    /// admin: changing it would leave nobody to manage the authority.
    #[error(
        "your council groups give the role {to}, but this is the authority's last enabled admin; make someone else an admin first"
    )]
    LastAdmin {
        /// The role the groups give.
        to: UserRole,
    },
    /// The store refused or failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Changing the role failed for another reason.
    #[error(transparent)]
    Identity(IdentityError),
}

impl From<IdentityError> for FederatedError {
    fn from(error: IdentityError) -> Self {
        match error {
            IdentityError::Store(store) => Self::Store(store),
            IdentityError::Disabled => Self::Disabled,
            other => Self::Identity(other),
        }
    }
}

/// The user that `email`, vouched for by `authority`'s provider, signs in as, with the
/// role the provider's groups give (see the module's rules).
///
/// `mapped_roles` is `None` when the authority maps no group to a role (roles are then
/// sendpanel's alone), and `Some(roles)` when it does: the roles the person's groups
/// give, possibly none. When the account's role is not among them it becomes the first
/// of them in [`UserRole`] order (the mapping's order carries no meaning, so the order
/// is fixed to be the same at every sign-in).
///
/// Reads in one transaction; a role change is one more, [`accounts::change_role`]'s,
/// which reads again under the authority's account lock before it writes. The session
/// begun afterwards refuses an account switched off in between.
pub fn account_for_federated(
    db: &Database,
    authority: &AuthorityId,
    email: &Email,
    email_verified: Option<bool>,
    mapped_roles: Option<&[UserRole]>,
    clock: &dyn Clock,
) -> Result<User, FederatedError> {
    if email_verified == Some(false) {
        return Err(FederatedError::EmailNotVerified);
    }
    let Some((account, _)) = db.read(|tx| tx.account_for_sign_in(email))? else {
        return Err(FederatedError::UnknownAccount);
    };
    if &account.user.authority_id != authority {
        return Err(FederatedError::UnknownAccount);
    }
    if !account.is_enabled() {
        return Err(FederatedError::Disabled);
    }
    let mut user = account.user;
    let Some(mapped) = mapped_roles else {
        return Ok(user);
    };
    let Some(first) = UserRole::iter().find(|role| mapped.contains(role)) else {
        return Err(FederatedError::NoMappedGroup);
    };
    if mapped.contains(&user.role) {
        return Ok(user);
    }
    let scope = AuthorityScope::new(authority.clone());
    match accounts::change_role(db, &scope, None, user.id, first, clock) {
        Ok(()) => {}
        Err(IdentityError::LastAdmin) => return Err(FederatedError::LastAdmin { to: first }),
        Err(other) => return Err(other.into()),
    }
    user.role = first;
    Ok(user)
}
