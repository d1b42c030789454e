//! A backup of a live SQLite database: `sendpanel backup --to FILE`.
//!
//! SQLite's `VACUUM INTO` writes a new database file from one read transaction, so the
//! copy is consistent as of one moment while writers carry on (in WAL mode they are
//! not held up), and compact. It is the SQL face of what the online backup API gives,
//! without unsafe FFI in this crate. PostgreSQL is backed up with its own tools
//! (`pg_dump`), which the error says.

use std::path::Path;

use diesel::RunQueryDsl;
use diesel::sql_types::Text;

use super::connection::AnyConnection;
use super::{Database, DatabaseUrl, PoolOptions, StoreError};

impl Database {
    /// Writes a consistent copy of this SQLite database to `to`, a file that must not
    /// exist yet. Refused on PostgreSQL, naming `pg_dump`.
    pub fn backup_to(&self, to: &Path) -> Result<(), StoreError> {
        if to.exists() {
            return Err(StoreError::Refused(format!(
                "{} already exists; a backup is written to a new file",
                to.display()
            )));
        }
        let target = to
            .to_str()
            .ok_or_else(|| StoreError::Refused(format!("{} is not a UTF-8 path", to.display())))?;
        let mut pooled = self.checkout()?;
        match &mut pooled.conn {
            AnyConnection::Sqlite(conn) => {
                diesel::sql_query("VACUUM INTO ?")
                    .bind::<Text, _>(target)
                    .execute(conn)?;
            }
            AnyConnection::Postgres(_) => {
                return Err(StoreError::Refused(PG_DUMP.to_owned()));
            }
        }
        drop(pooled);
        // The copy is checked before anyone relies on it.
        let copy = Database::open(
            DatabaseUrl::parse(&format!("sqlite://{target}"))?,
            PoolOptions::default(),
        )?;
        copy.check_integrity()
    }

    /// SQLite's `PRAGMA integrity_check`: refused, with SQLite's findings, unless the
    /// file is whole. Refused on PostgreSQL, which checks its own pages.
    pub fn check_integrity(&self) -> Result<(), StoreError> {
        let mut pooled = self.checkout()?;
        match &mut pooled.conn {
            AnyConnection::Sqlite(conn) => {
                let findings: Vec<Integrity> =
                    diesel::sql_query("PRAGMA integrity_check").load(conn)?;
                match findings.as_slice() {
                    [only] if only.integrity_check == "ok" => Ok(()),
                    _ => Err(StoreError::Corrupt {
                        column: "integrity_check",
                        detail: findings
                            .into_iter()
                            .map(|f| f.integrity_check)
                            .collect::<Vec<_>>()
                            .join("; "),
                    }),
                }
            }
            AnyConnection::Postgres(_) => Err(StoreError::Refused(PG_DUMP.to_owned())),
        }
    }
}

/// What PostgreSQL's backups are made with, for the refusal.
const PG_DUMP: &str = "PostgreSQL is backed up with pg_dump: pg_dump --format=custom --file=FILE DATABASE_URL, and restored with pg_restore --dbname=DATABASE_URL FILE";

/// One line of `PRAGMA integrity_check`.
#[derive(diesel::QueryableByName)]
struct Integrity {
    #[diesel(sql_type = Text)]
    integrity_check: String,
}
