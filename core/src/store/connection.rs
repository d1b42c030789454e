//! One connection type over both backends, and the pool that hands them out.

use std::time::Duration;

use diesel::Connection;
use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::{self, ManageConnection, R2D2Connection};
use diesel::sqlite::SqliteConnection;

use super::{DatabaseUrl, StoreError};

/// Either backend behind one type, so queries are written once (diesel's
/// `MultiConnection`). PostgreSQL is declared first: `establish` tries variants in
/// order and SQLite would accept any string as a file name. We never call
/// `AnyConnection::establish` with an unparsed URL anyway; [`Manager`] picks the variant.
#[derive(diesel::MultiConnection)]
pub(crate) enum AnyConnection {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

/// How long SQLite waits for another writer before giving up. Per connection, so it is
/// set on every connection the pool opens.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Opens connections of the backend the URL names, with the per-connection settings
/// each backend needs.
#[derive(Debug, Clone)]
pub(crate) struct Manager {
    url: DatabaseUrl,
}

impl Manager {
    pub(crate) fn new(url: DatabaseUrl) -> Self {
        Self { url }
    }

    /// Opens one connection, outside any pool (used for migrations and start-up checks).
    pub(crate) fn open(&self) -> Result<AnyConnection, StoreError> {
        let unreachable = |detail: String| StoreError::Unreachable {
            backend: self.url.backend(),
            url: self.url.to_string(),
            detail,
        };
        match &self.url {
            DatabaseUrl::Postgres(url) => PgConnection::establish(url)
                .map(AnyConnection::Postgres)
                .map_err(|e| unreachable(one_line(&e.to_string()))),
            DatabaseUrl::Sqlite(path) => {
                let path_text = path
                    .to_str()
                    .ok_or_else(|| unreachable("the file path is not valid UTF-8".to_owned()))?;
                let mut conn = SqliteConnection::establish(path_text)
                    .map_err(|e| unreachable(e.to_string()))?;
                // busy_timeout before anything that may lock; foreign keys are off by
                // default in SQLite and are a per-connection switch; NORMAL is durable
                // in WAL mode against process crashes, which is what a council server
                // sees, at ten times FULL's commit rate (tech-notes §7).
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = {}; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;",
                    SQLITE_BUSY_TIMEOUT.as_millis()
                ))
                .map_err(|e| unreachable(e.to_string()))?;
                Ok(AnyConnection::Sqlite(conn))
            }
        }
    }
}

/// A connection as the pool keeps it, with whether a query on it found the server gone.
///
/// The pool does not ping a connection before handing it out (on PostgreSQL that was a
/// round trip in every four or five of a page). Instead, a query that fails because
/// the connection is lost marks it ([`Pooled::keep_unless_lost`]), and the pool drops
/// it on return rather than handing it to the next request. diesel's own
/// `is_broken` only looks at transaction state, so it would keep a dead connection.
pub(crate) struct Pooled {
    pub(crate) conn: AnyConnection,
    lost: bool,
}

impl Pooled {
    /// Checks the connection answers; one that does not is marked lost, so the pool
    /// drops it, whatever the driver called the failure.
    pub(crate) fn answers(&mut self) -> Result<(), StoreError> {
        self.conn.ping().map_err(|error| {
            self.lost = true;
            StoreError::ConnectionLost(one_line(&error.to_string()))
        })
    }

    /// Notes whether `result` says the connection is gone, and passes it on.
    pub(crate) fn keep_unless_lost<T>(
        &mut self,
        result: Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        if let Err(error) = &result {
            self.note_if_lost(error);
        }
        result
    }

    /// Marks the connection lost if `error` says the server is gone.
    pub(crate) fn note_if_lost(&mut self, error: &StoreError) {
        if matches!(error, StoreError::ConnectionLost(_)) {
            self.lost = true;
        }
    }
}

impl ManageConnection for Manager {
    type Connection = Pooled;
    type Error = StoreError;

    fn connect(&self) -> Result<Self::Connection, Self::Error> {
        Ok(Pooled {
            conn: self.open()?,
            lost: false,
        })
    }

    fn is_valid(&self, pooled: &mut Self::Connection) -> Result<(), Self::Error> {
        pooled.conn.ping().map_err(StoreError::from)
    }

    fn has_broken(&self, pooled: &mut Self::Connection) -> bool {
        pooled.lost || pooled.conn.is_broken()
    }
}

/// Drivers' messages span lines (libpq adds a hint line); errors are printed on one.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The pool type used throughout the store.
pub(crate) type Pool = r2d2::Pool<Manager>;
