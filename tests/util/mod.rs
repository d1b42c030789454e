//! Shared fixtures for the end-to-end tests: a fresh database on either backend, and
//! the [`both_backends!`] macro that runs one test body on SQLite and on PostgreSQL.
//!
//! PostgreSQL is not optional: without a reachable server the PostgreSQL half of every
//! storage test fails with a message saying how to provide one. `TEST_POSTGRES_URL`
//! names a database the tests may connect to and create databases from (default
//! `postgres://postgres@127.0.0.1:5432/postgres`); `.ci/run` sets it.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // test support: a panic is a failed test

use std::sync::atomic::{AtomicUsize, Ordering};

use diesel::{Connection, RunQueryDsl, pg::PgConnection};
use sendpanel_core::store::{Database, DatabaseUrl, PoolOptions};

pub mod cited;
pub mod clamd;
pub mod fixtures;
pub mod journey;
pub mod mail;
pub mod oidc;
pub mod panels;
pub mod plugins;
pub mod s3;
pub mod synthetic;

/// An event's payload as the log stores it: for tests that check the stored shape
/// (field names and formats), which rows already written depend on.
pub fn stored_payload(event: &sendpanel_core::domain::Event) -> serde_json::Value {
    event
        .fact
        .to_payload()
        .expect("every typed event serialises")
}

/// The default PostgreSQL server for tests, as installed on the development machines.
pub const DEFAULT_TEST_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A migrated, empty database that is removed when dropped.
pub struct TestDb {
    /// The database.
    pub db: Database,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl TestDb {
    /// A fresh SQLite file in a temporary folder.
    pub fn sqlite() -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let url = DatabaseUrl::parse(&format!(
            "sqlite://{}",
            dir.path().join("test.db").display()
        ))?;
        let db = Database::open(url, PoolOptions::default())?;
        db.migrate()?;
        Ok(Self {
            db,
            cleanup: Cleanup::Sqlite(dir),
        })
    }

    /// A fresh PostgreSQL database on the test server.
    pub fn postgres() -> anyhow::Result<Self> {
        let admin_url = std::env::var("TEST_POSTGRES_URL")
            .unwrap_or_else(|_| DEFAULT_TEST_POSTGRES_URL.to_owned());
        let name = unique_name();
        let mut admin = PgConnection::establish(&admin_url).map_err(|e| {
            anyhow::anyhow!(
                "PostgreSQL tests need a server: cannot connect to {admin_url} ({e}). \
                 Start PostgreSQL or set TEST_POSTGRES_URL; `bash .ci/run` does both."
            )
        })?;
        diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut admin)?;
        let url = replace_database(&admin_url, &name);
        let db = Database::open(
            DatabaseUrl::parse(&url)?,
            PoolOptions {
                max_connections: 4,
                ..PoolOptions::default()
            },
        )?;
        db.migrate()?;
        Ok(Self {
            db,
            cleanup: Cleanup::Postgres { admin_url, name },
        })
    }

    /// Ends every server connection to this PostgreSQL test database, as a server
    /// restart would: what the pool holds is dead from here on. Returns how many were
    /// ended. An error for SQLite, which has no server.
    pub fn end_server_connections(&self) -> anyhow::Result<usize> {
        let Cleanup::Postgres { admin_url, name } = &self.cleanup else {
            anyhow::bail!("SQLite has no server connections to end");
        };
        #[derive(diesel::QueryableByName)]
        struct Ended {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            ended: i64,
        }
        let mut admin = PgConnection::establish(admin_url)?;
        let row: Ended = diesel::sql_query(format!(
            "SELECT count(pg_terminate_backend(pid)) AS ended FROM pg_stat_activity WHERE datname = '{name}'"
        ))
        .get_result(&mut admin)?;
        Ok(usize::try_from(row.ended)?)
    }

    /// The database URL as text, for starting the binary on it.
    pub fn url(&self) -> String {
        match &self.cleanup {
            Cleanup::Sqlite(_) => self.db.url().to_string(),
            Cleanup::Postgres { admin_url, name } => replace_database(admin_url, name),
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Cleanup::Postgres { admin_url, name } = &self.cleanup {
            // Best effort: a leftover test database is harmless and .ci/run starts from
            // a fresh one each run.
            if let Ok(mut admin) = PgConnection::establish(admin_url) {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin);
            }
        }
    }
}

fn unique_name() -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    format!(
        "sendpanel_t_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        uuid::Uuid::now_v7()
            .simple()
            .to_string()
            .get(20..)
            .unwrap_or("x")
    )
}

/// The same server URL with another database name (keeping any `?query`).
pub fn replace_database(url: &str, database: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_part = match base.get(scheme_end..).and_then(|rest| rest.find('/')) {
        Some(slash) => base.get(..scheme_end + slash).unwrap_or(base),
        None => base,
    };
    match query {
        Some(q) => format!("{host_part}/{database}?{q}"),
        None => format!("{host_part}/{database}"),
    }
}

/// Writes each test body once and runs it on both backends:
/// `both_backends! { fn name(db: &Database) -> anyhow::Result<()> { ... } }` makes
/// `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! both_backends {
    ($(fn $name:ident($db:ident) $body:block)*) => {$(
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            fn body($db: &sendpanel_core::store::Database) -> anyhow::Result<()> $body

            #[test]
            fn sqlite() -> anyhow::Result<()> {
                let test_db = $crate::TestDb::sqlite()?;
                body(&test_db.db)
            }

            #[test]
            fn postgres() -> anyhow::Result<()> {
                let test_db = $crate::TestDb::postgres()?;
                body(&test_db.db)
            }
        }
    )*};
}

#[cfg(test)]
mod tests {
    use super::replace_database;

    #[test]
    fn database_names_are_replaced_keeping_options() {
        assert_eq!(
            replace_database("postgres://u@h:5432/postgres", "t1"),
            "postgres://u@h:5432/t1"
        );
        assert_eq!(
            replace_database("postgres://u@h/db?sslmode=disable", "t1"),
            "postgres://u@h/t1?sslmode=disable"
        );
        assert_eq!(
            replace_database("postgres://u@h", "t1"),
            "postgres://u@h/t1"
        );
    }
}
