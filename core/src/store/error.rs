//! What can go wrong when storing or reading.

use super::Backend;

/// A storage failure. Variants that a person can act on (`NotFound`, `Conflict`,
/// `SchemaNewer`, `Unreachable`) are kept apart from plain query failures.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database URL is malformed.
    #[error("database url {0}")]
    InvalidUrl(String),
    /// The database could not be reached or opened.
    #[error("cannot connect to the {backend} database at {url}: {detail}")]
    Unreachable {
        /// Which backend.
        backend: Backend,
        /// The URL, without its password.
        url: String,
        /// What the driver said.
        detail: String,
    },
    /// The database was migrated by a newer sendpanel; this binary must not touch it.
    #[error(
        "the database schema is newer than this sendpanel (database has migration {database}, this binary knows up to {binary}); upgrade sendpanel"
    )]
    SchemaNewer {
        /// The newest migration recorded in the database.
        database: String,
        /// The newest migration this binary carries.
        binary: String,
    },
    /// Migrations are pending: run `sendpanel migrate`.
    #[error(
        "the database schema is behind this sendpanel by {pending} migration(s); run `sendpanel migrate`"
    )]
    SchemaBehind {
        /// How many migrations are pending.
        pending: usize,
    },
    /// Running migrations failed.
    #[error("migration failed: {0}")]
    Migration(String),
    /// No row with that id in this authority.
    #[error("{entity} {id} not found")]
    NotFound {
        /// What was looked for.
        entity: &'static str,
        /// The id asked for.
        id: String,
    },
    /// A uniqueness rule was broken (e.g. a UPN already known, two writers racing for the
    /// same event sequence).
    #[error("conflict: {0}")]
    Conflict(String),
    /// A row was refused by a database rule (foreign key, check, append-only trigger).
    #[error("refused by the database: {0}")]
    Refused(String),
    /// A stored value no longer parses as its domain type: data corruption or a missed
    /// migration, never user input.
    #[error("stored {column} is invalid: {detail}")]
    Corrupt {
        /// The column.
        column: &'static str,
        /// What was wrong.
        detail: String,
    },
    /// The connection pool gave no connection in time.
    #[error("no database connection available: {0}")]
    Pool(String),
    /// The connection to the database was lost mid-request (the server restarted, or
    /// dropped it). A transaction cut off before its commit left nothing; one cut off
    /// during its commit may have been saved, so a caller checks before trying again.
    /// The next request gets a new connection.
    #[error("the database connection was lost: {0}")]
    ConnectionLost(String),
    /// Any other database error.
    #[error("database error: {0}")]
    Query(String),
    /// An [`super::EventObserver`] could not write what an event requires (a decision's
    /// letter, its e-mail), so the event and everything in its transaction were rolled
    /// back: a decision never stands without its letter.
    #[error("{0}")]
    Observer(String),
}

impl From<diesel::result::Error> for StoreError {
    fn from(error: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind as Kind, Error};
        match error {
            Error::DatabaseError(Kind::UniqueViolation, info) => {
                Self::Conflict(info.message().to_owned())
            }
            Error::DatabaseError(
                Kind::ForeignKeyViolation | Kind::CheckViolation | Kind::NotNullViolation,
                info,
            ) => Self::Refused(info.message().to_owned()),
            Error::DatabaseError(_, info) if info.message().contains("append-only") => {
                Self::Refused(info.message().to_owned())
            }
            Error::DatabaseError(Kind::ClosedConnection | Kind::UnableToSendCommand, info) => {
                Self::ConnectionLost(info.message().to_owned())
            }
            Error::NotFound => Self::NotFound {
                entity: "row",
                id: String::new(),
            },
            other => Self::Query(other.to_string()),
        }
    }
}

impl From<diesel::r2d2::PoolError> for StoreError {
    fn from(error: diesel::r2d2::PoolError) -> Self {
        Self::Pool(error.to_string())
    }
}
