//! Embedded migrations, one set per backend with the same names, and the check that the
//! database is neither behind nor ahead of this binary.

use diesel::RunQueryDsl;
use diesel::migration::MigrationSource;
use diesel::pg::Pg;
use diesel::sqlite::Sqlite;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::StoreError;
use super::connection::AnyConnection;

const SQLITE: EmbeddedMigrations = embed_migrations!("../migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("../migrations/postgres");

/// Where the database's schema stands relative to this binary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemaStatus {
    /// Every migration this binary knows is applied, and no other.
    Current {
        /// The newest migration applied.
        version: String,
    },
    /// Some migrations are pending.
    Behind {
        /// How many.
        pending: usize,
    },
    /// The database has migrations this binary does not know: a newer sendpanel ran.
    Newer {
        /// The newest migration in the database.
        database: String,
        /// The newest this binary knows.
        binary: String,
    },
}

impl SchemaStatus {
    /// `Ok` when current, otherwise the error to stop on.
    pub fn require_current(self) -> Result<(), StoreError> {
        match self {
            Self::Current { .. } => Ok(()),
            Self::Behind { pending } => Err(StoreError::SchemaBehind { pending }),
            Self::Newer { database, binary } => Err(StoreError::SchemaNewer { database, binary }),
        }
    }
}

/// The names of the migrations this binary carries, per backend, for the test that the
/// two folders stay in step.
pub fn migration_versions() -> Result<(Vec<String>, Vec<String>), StoreError> {
    let sqlite = versions::<Sqlite>(&SQLITE)?;
    let postgres = versions::<Pg>(&POSTGRES)?;
    Ok((sqlite, postgres))
}

fn versions<DB: diesel::backend::Backend>(
    source: &EmbeddedMigrations,
) -> Result<Vec<String>, StoreError>
where
    EmbeddedMigrations: MigrationSource<DB>,
{
    let mut names: Vec<String> = MigrationSource::<DB>::migrations(source)
        .map_err(|e| StoreError::Migration(e.to_string()))?
        .iter()
        .map(|m| m.name().version().to_string())
        .collect();
    names.sort();
    Ok(names)
}

/// Applies pending migrations; refuses a database that is ahead of this binary.
pub(crate) fn run_pending(conn: &mut AnyConnection) -> Result<Vec<String>, StoreError> {
    if let SchemaStatus::Newer { database, binary } = status(conn)? {
        return Err(StoreError::SchemaNewer { database, binary });
    }
    let applied = match conn {
        AnyConnection::Sqlite(c) => with_foreign_keys_off(c, |c| {
            c.run_pending_migrations(SQLITE)
                .map(|v| v.iter().map(ToString::to_string).collect())
        })?,
        AnyConnection::Postgres(c) => c
            .run_pending_migrations(POSTGRES)
            .map(|v| v.iter().map(ToString::to_string).collect()),
    };
    applied.map_err(|e| StoreError::Migration(e.to_string()))
}

/// Reverts every applied migration with its `down.sql`, newest first. Used by the
/// test that proves each migration's down undoes its up on both backends.
pub(crate) fn revert_all(conn: &mut AnyConnection) -> Result<usize, StoreError> {
    let reverted = match conn {
        AnyConnection::Sqlite(c) => {
            with_foreign_keys_off(c, |c| c.revert_all_migrations(SQLITE).map(|v| v.len()))?
        }
        AnyConnection::Postgres(c) => c.revert_all_migrations(POSTGRES).map(|v| v.len()),
    };
    reverted.map_err(|e| StoreError::Migration(e.to_string()))
}

/// Reverts the newest applied migration only, returning its version. Used by the test
/// that a table rebuilt by a migration keeps its rows both ways.
pub(crate) fn revert_last(conn: &mut AnyConnection) -> Result<String, StoreError> {
    let reverted = match conn {
        AnyConnection::Sqlite(c) => with_foreign_keys_off(c, |c| {
            c.revert_last_migration(SQLITE).map(|v| v.to_string())
        })?,
        AnyConnection::Postgres(c) => c.revert_last_migration(POSTGRES).map(|v| v.to_string()),
    };
    reverted.map_err(|e| StoreError::Migration(e.to_string()))
}

/// Runs `work` with SQLite's foreign keys off, as SQLite's procedure for rebuilding a
/// table requires (a dropped parent table would otherwise take its children's rows
/// or fail); the pool turns them back on for every connection, and so does this.
/// The pragma is a no-op inside a transaction, so it is set here, between migrations.
fn with_foreign_keys_off<T>(
    conn: &mut diesel::SqliteConnection,
    work: impl FnOnce(&mut diesel::SqliteConnection) -> T,
) -> Result<T, StoreError> {
    use diesel::connection::SimpleConnection;
    conn.batch_execute("PRAGMA foreign_keys = OFF;")
        .map_err(|e| StoreError::Migration(e.to_string()))?;
    let result = work(conn);
    conn.batch_execute("PRAGMA foreign_keys = ON;")
        .map_err(|e| StoreError::Migration(e.to_string()))?;
    // The last step of SQLite's procedure: nothing may point at a row that is gone.
    let dangling: Vec<DanglingReference> = diesel::sql_query("PRAGMA foreign_key_check")
        .load(conn)
        .map_err(|e| StoreError::Migration(e.to_string()))?;
    if let Some(first) = dangling.first() {
        return Err(StoreError::Migration(format!(
            "{} row(s) refer to rows that do not exist, first in {} (to {})",
            dangling.len(),
            first.table,
            first.parent
        )));
    }
    Ok(result)
}

/// One row of SQLite's `PRAGMA foreign_key_check`.
#[derive(diesel::QueryableByName)]
struct DanglingReference {
    #[diesel(sql_type = diesel::sql_types::Text)]
    table: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    parent: String,
}

/// Compares the migrations recorded in the database with those embedded here.
pub(crate) fn status(conn: &mut AnyConnection) -> Result<SchemaStatus, StoreError> {
    let (known, applied) = match conn {
        AnyConnection::Sqlite(c) => (versions::<Sqlite>(&SQLITE)?, applied(c)?),
        AnyConnection::Postgres(c) => (versions::<Pg>(&POSTGRES)?, applied(c)?),
    };
    let newest_known = known.last().cloned().unwrap_or_default();
    if let Some(unknown) = applied.iter().filter(|v| !known.contains(v)).max() {
        return Ok(SchemaStatus::Newer {
            database: unknown.clone(),
            binary: newest_known,
        });
    }
    let pending = known.iter().filter(|v| !applied.contains(v)).count();
    if pending > 0 {
        return Ok(SchemaStatus::Behind { pending });
    }
    Ok(SchemaStatus::Current {
        version: newest_known,
    })
}

fn applied<C, DB>(conn: &mut C) -> Result<Vec<String>, StoreError>
where
    DB: diesel::backend::Backend,
    C: MigrationHarness<DB>,
{
    conn.applied_migrations()
        .map(|v| v.iter().map(ToString::to_string).collect())
        .map_err(|e| StoreError::Migration(e.to_string()))
}
