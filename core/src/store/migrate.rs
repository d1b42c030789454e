//! Embedded migrations, one set per backend with the same names, and the check that the
//! database is neither behind nor ahead of this binary.

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
        AnyConnection::Sqlite(c) => {
            // Foreign keys off while tables are rebuilt, as SQLite's ALTER TABLE
            // procedure requires; the pool turns them back on for every connection.
            use diesel::connection::SimpleConnection;
            c.batch_execute("PRAGMA foreign_keys = OFF;")
                .map_err(|e| StoreError::Migration(e.to_string()))?;
            let result = c
                .run_pending_migrations(SQLITE)
                .map(|v| v.iter().map(ToString::to_string).collect());
            c.batch_execute("PRAGMA foreign_keys = ON;")
                .map_err(|e| StoreError::Migration(e.to_string()))?;
            result
        }
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
        AnyConnection::Sqlite(c) => c.revert_all_migrations(SQLITE).map(|v| v.len()),
        AnyConnection::Postgres(c) => c.revert_all_migrations(POSTGRES).map(|v| v.len()),
    };
    reverted.map_err(|e| StoreError::Migration(e.to_string()))
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
