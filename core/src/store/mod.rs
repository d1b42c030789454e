//! Storage on SQLite or PostgreSQL with diesel, one code path for both.
//!
//! - [`Database`] is the handle: a connection pool, [`Database::migrate`], and the two
//!   ways in: [`Database::read`] and [`Database::write`] (one transaction: all or
//!   nothing). Their `_async` forms run on blocking threads so async workers never wait
//!   on a disk.
//! - Every query on case data takes an [`AuthorityScope`]: a query for one authority
//!   cannot return another's rows, and an insert for another authority is refused.
//! - The event log is append-only: the store offers no update or delete for it, and the
//!   database's own triggers refuse both. Recorded plugin advice is kept the same way.
//! - API tokens are stored only as the SHA-256 of the token; [`Tx::user_for_token`] is,
//!   with sign-in, the one lookup not scoped to an authority, because it is how the
//!   authority of a request is learned.
//! - Policy plugins are stored by the SHA-256 of their bytes, re-checked on every read
//!   of the bytes; [`Tx::active_plugin_on`] picks the plugin that advises on a date.
//! - E-mail goes through the outbox ([`Tx::enqueue_mail`]), written in the transaction
//!   of the event that caused it; workers claim due rows with a lease
//!   ([`Tx::claim_due_mail`]) so none is lost or taken twice.
//! - Idempotency keys (an API call's `Idempotency-Key`, a page form's one-time token)
//!   are kept per authority and user with the first answer and only the SHA-256 of
//!   the request; [`crate::idempotency`] holds their rules.
//!
//! - Every row written with `#[derive(Insertable)]` says
//!   `treat_none_as_default_value = false`: a `None` is written as NULL, not as SQL's
//!   `DEFAULT`. diesel cannot prepare and keep an insert whose SQL may say `DEFAULT`
//!   (`DefaultableColumnInsertValue` marks it unsafe to cache), so by default every
//!   single-row insert was parsed and planned again on PostgreSQL, every time. No
//!   column with a default is optional in a row struct (all are `NOT NULL`), so a
//!   struct that came to rely on one would fail loudly, not write something else.
//!
//! No diesel type crosses this module's boundary: callers see domain types and
//! [`StoreError`]. SQL lives here and nowhere else.

mod access;
mod accounts;
mod authorities;
mod backup;
mod caseload;
mod cases;
mod connection;
mod database;
mod digests;
mod education_settings;
mod error;
mod events;
mod evidence;
mod funding;
mod idempotency;
mod imports;
mod migrate;
mod notes;
mod notices;
mod operations;
mod outbox;
mod panels;
mod plugins;
mod records;
mod rows;
mod schema;
mod throttle;
mod tokens;
mod url;

pub use accounts::SessionRecord;
pub use caseload::{CaseCursor, CaseFilter, CaseSearch, CaseloadRow, OfficerFilter, OfficerLoad};
pub use cases::BulkCase;
pub(crate) use cases::nothing_due;
pub use database::{Database, EventObserver, PoolOptions, PoolState, Tx};
pub use digests::{DigestDeadline, DigestKind};
pub use error::StoreError;
pub use events::NewEvent;
pub use evidence::AdviceLink;
pub use imports::KnownChild;
pub use migrate::{SchemaStatus, migration_versions};
pub use notices::{Notice, TallyChanged};
pub use operations::OperationsCounts;
pub use outbox::{NewMail, OutboxEntry, OutboxId, OutboxStatus};
pub use url::{Backend, DatabaseUrl};

use crate::domain::AuthorityId;

/// The authority a unit of work acts for. Every case query filters on it and every
/// insert checks it, so forgetting the authority is a compile error, not a data leak.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorityScope(AuthorityId);

impl AuthorityScope {
    /// Acts for `authority`. The web layer builds this from the signed-in user only.
    pub fn new(authority: AuthorityId) -> Self {
        Self(authority)
    }

    /// The authority.
    pub fn authority(&self) -> &AuthorityId {
        &self.0
    }

    /// Refuses a row that belongs to another authority.
    fn admit(&self, entity: &'static str, owner: &AuthorityId) -> Result<(), StoreError> {
        if owner == &self.0 {
            Ok(())
        } else {
            Err(StoreError::Refused(format!(
                "{entity} belongs to authority {owner}, not {}",
                self.0
            )))
        }
    }
}
