//! The handle the rest of the program holds: a pool, the backend, and the two ways in,
//! [`Database::read`] and [`Database::write`].

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use diesel::Connection;
use diesel::connection::SimpleConnection;

use super::connection::{AnyConnection, Manager, Pool};
use super::migrate::{self, SchemaStatus};
use super::{AuthorityScope, Backend, DatabaseUrl, StoreError};

/// How the pool is sized; the defaults suit one council on a two-core machine.
#[derive(Debug, Clone, Copy)]
pub struct PoolOptions {
    /// Most connections open at once. Keep it at or below the blocking-thread budget
    /// that runs database work.
    pub max_connections: u32,
    /// How long a caller waits for a free connection before failing.
    pub acquire_timeout: Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self {
            max_connections: 8,
            acquire_timeout: Duration::from_secs(10),
        }
    }
}

/// An open database. Cheap to clone; clones share the pool.
#[derive(Clone)]
pub struct Database {
    inner: Arc<Inner>,
}

struct Inner {
    pool: Pool,
    url: DatabaseUrl,
    /// SQLite allows one writer at a time. Taking this lock before a write transaction
    /// keeps writers in this process in a queue instead of failing each other with
    /// SQLITE_BUSY when a deferred transaction tries to upgrade its lock.
    sqlite_writer: Mutex<()>,
    /// Told of every event appended in a write transaction; see [`EventObserver`].
    observer: std::sync::OnceLock<Arc<dyn EventObserver>>,
    /// How many write transactions this process has finished: a remembered count
    /// ([`Database::remembered_count`]) is good only while this has not moved.
    writes_finished: std::sync::atomic::AtomicU64,
    /// Counts remembered by key, with the writes finished and the moment when each
    /// was counted.
    counts: Mutex<std::collections::HashMap<String, RememberedCount>>,
}

/// A count as it was when taken.
#[derive(Debug, Clone, Copy)]
struct RememberedCount {
    writes_finished: u64,
    at: std::time::Instant,
    count: i64,
}

/// At most this many counts are remembered; past it the memory starts again.
const REMEMBERED_COUNTS: usize = 1_000;

/// Held for the length of a write transaction: SQLite's one-writer lock, and when it
/// goes (after the commit or rollback), one more write finished.
struct WriteGuard<'a> {
    _sqlite: Option<std::sync::MutexGuard<'a, ()>>,
    writes_finished: &'a std::sync::atomic::AtomicU64,
}

impl Drop for WriteGuard<'_> {
    fn drop(&mut self) {
        self.writes_finished
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    }
}

/// A unit of work on one connection: everything done through one `Tx` inside
/// [`Database::write`] commits together or not at all. Query methods live beside their
/// tables in the store's submodules, each taking an [`super::AuthorityScope`].
pub struct Tx<'c> {
    pub(crate) conn: &'c mut AnyConnection,
    /// Told of each event appended in a write transaction, inside it.
    pub(crate) observer: Option<Arc<dyn EventObserver>>,
    /// The last sequence number of the case this transaction has locked and read, so
    /// each event it appends takes the next without asking the database for the
    /// stream's maximum again ([`Tx::note_last_sequence`]).
    pub(crate) last_sequence: Option<(crate::domain::CaseId, i64)>,
    /// Cases whose deadlines this transaction set or settled, so whose
    /// `cases.next_due_on` must be worked out again before it commits
    /// ([`Tx::refresh_next_due`]): once per case at the end, not once per deadline.
    pub(crate) next_due_stale: Vec<(crate::domain::AuthorityId, crate::domain::CaseId)>,
}

impl<'c> Tx<'c> {
    fn new(conn: &'c mut AnyConnection, observer: Option<Arc<dyn EventObserver>>) -> Self {
        Self {
            conn,
            observer,
            last_sequence: None,
            next_due_stale: Vec::new(),
        }
    }

    /// What the transaction owes the read tables before it ends: the soonest open
    /// deadline of each case whose deadlines it changed. Run by [`Database::write`] and
    /// [`Database::write_with`] once the work succeeded, inside the transaction, so the
    /// caseload never sees a deadline without its case's order.
    fn finish(&mut self) -> Result<(), StoreError> {
        self.write_stale_next_due()
    }
}

/// The connection pool at a moment, for the metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolState {
    /// Connections open.
    pub connections: u32,
    /// Of them, waiting to be used.
    pub idle_connections: u32,
}

/// Something that must happen in the same transaction as an event: a decision's letter
/// and its e-mail are written by an observer, so a decision can never commit without
/// them (or they without it). Installed once with [`Database::observe`].
pub trait EventObserver: Send + Sync {
    /// Called after `event` is appended, inside the same transaction. An error rolls the
    /// whole transaction back. Events the observer appends itself are observed too, so
    /// it must ignore its own.
    fn observed(
        &self,
        tx: &mut Tx<'_>,
        scope: &AuthorityScope,
        event: &crate::domain::Event,
    ) -> Result<(), StoreError>;
}

impl Database {
    /// Opens the database: checks it can be reached (one clear error if not), turns on
    /// SQLite's write-ahead log once, and builds the pool. Does not migrate.
    pub fn open(url: DatabaseUrl, options: PoolOptions) -> Result<Self, StoreError> {
        let manager = Manager::new(url.clone());
        if let Some(dir) = url
            .sqlite_path()
            .and_then(Path::parent)
            .filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Unreachable {
                backend: Backend::Sqlite,
                url: url.to_string(),
                detail: format!("cannot create {}: {e}", dir.display()),
            })?;
        }
        // One connection first, so an unreachable database gives the driver's own
        // message rather than the pool's timeout; and WAL is set here once, because it
        // persists in the file and pool connections racing to set it would lock.
        let mut first = manager.open()?;
        if let AnyConnection::Sqlite(conn) = &mut first {
            conn.batch_execute("PRAGMA journal_mode = WAL;")
                .map_err(|e| StoreError::Unreachable {
                    backend: Backend::Sqlite,
                    url: url.to_string(),
                    detail: e.to_string(),
                })?;
        }
        drop(first);
        // No `SELECT 1` on every checkout (r2d2's default): on PostgreSQL it was one
        // round trip in every four or five of a page, 12-15% of the pages' throughput.
        // A connection the server dropped fails its next query instead; that request
        // gets an error and changes nothing, and the pool drops the connection
        // (`Pooled::keep_unless_lost`).
        let pool = Pool::builder()
            .test_on_check_out(false)
            .max_size(options.max_connections)
            .connection_timeout(options.acquire_timeout)
            .build(manager)?;
        Ok(Self {
            inner: Arc::new(Inner {
                pool,
                url,
                sqlite_writer: Mutex::new(()),
                observer: std::sync::OnceLock::new(),
                writes_finished: std::sync::atomic::AtomicU64::new(0),
                counts: Mutex::new(std::collections::HashMap::new()),
            }),
        })
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        self.inner.url.backend()
    }

    /// The URL, for messages (its password redacted by its `Display`).
    pub fn url(&self) -> &DatabaseUrl {
        &self.inner.url
    }

    /// Applies pending migrations, returning the versions applied. Refuses a database
    /// that a newer sendpanel has migrated.
    pub fn migrate(&self) -> Result<Vec<String>, StoreError> {
        let _writer = self.writer_lock();
        let mut conn = self.checkout()?;
        conn.answers()?;
        migrate::run_pending(&mut conn.conn)
    }

    /// Reverts every migration (each `down.sql`, newest first), leaving an empty schema.
    /// Exists for the up/down/up test of the paired migrations; no command calls it.
    #[doc(hidden)]
    pub fn revert_all_for_tests(&self) -> Result<usize, StoreError> {
        let _writer = self.writer_lock();
        let mut conn = self.checkout()?;
        migrate::revert_all(&mut conn.conn)
    }

    /// Reverts the newest migration only (its `down.sql`), returning its version.
    /// Exists for the test that a table rebuilt by a migration keeps its rows and
    /// references both ways; no command calls it.
    #[doc(hidden)]
    pub fn revert_last_for_tests(&self) -> Result<String, StoreError> {
        let _writer = self.writer_lock();
        let mut conn = self.checkout()?;
        migrate::revert_last(&mut conn.conn)
    }

    /// Measures the caseload's tables again for the query planner, after a bulk
    /// import: until then it plans from the sizes it last measured and, with
    /// thousands of new rows, picks plans that read every row. PostgreSQL vacuums and analyses
    /// the four tables; SQLite samples every index (`analysis_limit` keeps that to
    /// milliseconds), since without `sqlite_stat1` its planner guesses, and guessed
    /// wrong for a page of cases' deadlines and for a name search (a walk of the whole
    /// caseload: 10-40 ms instead of under 1 ms at 20,000 cases).
    pub fn refresh_statistics(&self) -> Result<(), StoreError> {
        use diesel::connection::SimpleConnection;
        // On SQLite the statistics are written like any row: one writer at a time.
        let _writer = self.writer_lock();
        let mut pooled = self.checkout()?;
        let sql = match &pooled.conn {
            // VACUUM as well, so the new rows are marked all-visible and the count of
            // open cases reads the (authority, stage) index alone, as it will once
            // autovacuum has been by (5.7 ms to 2.4 ms at 20,000 cases).
            super::connection::AnyConnection::Postgres(_) => {
                "VACUUM (ANALYZE) children, requests, cases, deadlines"
            }
            super::connection::AnyConnection::Sqlite(_) => "PRAGMA analysis_limit = 1000; ANALYZE;",
        };
        let result = pooled.conn.batch_execute(sql).map_err(StoreError::from);
        pooled.keep_unless_lost(result)
    }

    /// Keeps the planner's statistics in step with a database that grows by the day:
    /// on SQLite, `PRAGMA optimize` analyses again only the tables that changed much
    /// since they were last measured (SQLite's advice for long-running programs, at
    /// start and now and then after); PostgreSQL's autovacuum does this itself.
    pub fn optimize(&self) -> Result<(), StoreError> {
        use diesel::connection::SimpleConnection;
        if self.backend() != Backend::Sqlite {
            return Ok(());
        }
        let _writer = self.writer_lock();
        let mut pooled = self.checkout()?;
        let result = pooled
            .conn
            .batch_execute("PRAGMA analysis_limit = 1000; PRAGMA optimize = 0x10002;")
            .map_err(StoreError::from);
        pooled.keep_unless_lost(result)
    }

    /// Runs [`Database::optimize`] now and then every `every`, off the async
    /// threads, for as long as the server runs. A failed round is logged; the next
    /// round tries again.
    pub fn spawn_optimize(&self, every: std::time::Duration) -> tokio::task::JoinHandle<()> {
        let db = self.clone();
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(every);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticker.tick().await;
                let db = db.clone();
                match tokio::task::spawn_blocking(move || db.optimize()).await {
                    Ok(Ok(())) => {}
                    Ok(Err(error)) => {
                        tracing::warn!(%error, "measuring the tables for the query planner failed this round")
                    }
                    Err(error) => {
                        tracing::error!(%error, "measuring the tables for the query planner stopped")
                    }
                }
            }
        })
    }

    /// Where the schema stands relative to this binary.
    pub fn schema_status(&self) -> Result<SchemaStatus, StoreError> {
        let mut pooled = self.checkout()?;
        // `/readyz` asks this, and the pool hands back the connection it last took
        // back: a dead one must be found and dropped here, or every check would get it.
        pooled.answers()?;
        migrate::status(&mut pooled.conn)
    }

    /// Runs `work` on one pooled connection, outside a transaction: for reads.
    /// Blocking; from async code use [`Database::read_async`].
    pub fn read<T>(
        &self,
        work: impl FnOnce(&mut Tx<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let _span = self.span("read").entered();
        let mut pooled = self.checkout()?;
        let mut tx = Tx::new(&mut pooled.conn, None);
        // A read that wrote (autocommit) owes the read tables the same as a write.
        let result = work(&mut tx).and_then(|value| tx.finish().map(|()| value));
        pooled.keep_unless_lost(result)
    }

    /// Runs `work` in one transaction: it all commits, or on any error it all rolls
    /// back and the error is returned. Blocking; from async code use
    /// [`Database::write_async`].
    pub fn write<T>(
        &self,
        work: impl FnOnce(&mut Tx<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let _span = self.span("transaction").entered();
        let _writer = self.writer_lock();
        let mut pooled = self.checkout()?;
        let observer = self.observer();
        let result = pooled.conn.transaction(|conn| {
            let mut tx = Tx::new(conn, observer);
            let value = work(&mut tx)?;
            tx.finish()?;
            Ok(value)
        });
        pooled.keep_unless_lost(result)
    }

    /// Runs `work` in one write transaction, like [`Database::write`], for work whose
    /// own error type carries more than a [`StoreError`] (a workflow command's refusal,
    /// say): any error rolls everything back and is returned as it was raised.
    ///
    /// A command reads the state it decides on through the same `Tx`, so the check and
    /// the write it justifies commit together; with [`Tx::lock_case`] first, no other
    /// writer can change the case between them.
    pub fn write_with<T, E>(&self, work: impl FnOnce(&mut Tx<'_>) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        /// Keeps the work's own error apart from the driver's, through diesel's
        /// transaction (which needs an error it can build from its own).
        enum Abort<E> {
            Store(StoreError),
            Work(E),
        }
        impl<E> From<diesel::result::Error> for Abort<E> {
            fn from(error: diesel::result::Error) -> Self {
                Self::Store(error.into())
            }
        }
        let _span = self.span("transaction").entered();
        let _writer = self.writer_lock();
        let mut pooled = self.checkout().map_err(StoreError::from)?;
        let observer = self.observer();
        let result = pooled.conn.transaction(|conn| {
            let mut tx = Tx::new(conn, observer);
            let value = work(&mut tx).map_err(Abort::Work)?;
            tx.finish().map_err(Abort::Store)?;
            Ok(value)
        });
        // A work error that wraps a lost connection is not seen here, but diesel's
        // failed rollback marks that connection broken, and the pool drops it.
        match result {
            Ok(value) => Ok(value),
            Err(Abort::Work(error)) => Err(error),
            Err(Abort::Store(error)) => {
                pooled.note_if_lost(&error);
                Err(E::from(error))
            }
        }
    }

    /// The span database work runs in, so a trace shows each read and transaction of a
    /// request beneath it (`db.system` as OpenTelemetry names the backend).
    fn span(&self, operation: &'static str) -> tracing::Span {
        let system = match self.backend() {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgresql",
        };
        tracing::info_span!("db", db.system = system, db.operation = operation)
    }

    /// A connection from the pool, timing the wait for the metrics.
    pub(crate) fn checkout(
        &self,
    ) -> Result<diesel::r2d2::PooledConnection<Manager>, diesel::r2d2::PoolError> {
        let started = std::time::Instant::now();
        let conn = self.inner.pool.get();
        metrics::histogram!("sendpanel_db_pool_wait_seconds")
            .record(started.elapsed().as_secs_f64());
        conn
    }

    /// How many connections the pool holds, and how many of them are idle.
    pub fn pool_state(&self) -> PoolState {
        let state = self.inner.pool.state();
        PoolState {
            connections: state.connections,
            idle_connections: state.idle_connections,
        }
    }

    /// Installs the observer every write transaction tells of its events (the letters
    /// and outbox writer). Once per database; a second call is refused so two parts of
    /// the program cannot silently replace each other's.
    pub fn observe(&self, observer: Arc<dyn EventObserver>) -> Result<(), StoreError> {
        self.inner
            .observer
            .set(observer)
            .map_err(|_| StoreError::Conflict("an event observer is already installed".into()))
    }

    fn observer(&self) -> Option<Arc<dyn EventObserver>> {
        self.inner.observer.get().cloned()
    }

    /// [`Database::read`] on tokio's blocking threads, so database work never stalls an
    /// async worker (actix's workers included).
    pub async fn read_async<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Tx<'_>) -> Result<T, StoreError> + Send + 'static,
    {
        let db = self.clone();
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || span.in_scope(|| db.read(work)))
            .await
            .map_err(|e| StoreError::Query(format!("database task failed: {e}")))?
    }

    /// [`Database::write`] on tokio's blocking threads.
    pub async fn write_async<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Tx<'_>) -> Result<T, StoreError> + Send + 'static,
    {
        let db = self.clone();
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || span.in_scope(|| db.write(work)))
            .await
            .map_err(|e| StoreError::Query(format!("database task failed: {e}")))?
    }

    /// Checks the database answers and its schema is current: what `/readyz` reports.
    pub fn check_ready(&self) -> Result<SchemaStatus, StoreError> {
        let status = self.schema_status()?;
        status.clone().require_current()?;
        Ok(status)
    }

    fn writer_lock(&self) -> WriteGuard<'_> {
        let sqlite = match self.backend() {
            // A poisoned lock only means another writer panicked; the database rolled
            // that transaction back, so the lock itself protects nothing broken.
            Backend::Sqlite => Some(
                self.inner
                    .sqlite_writer
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner),
            ),
            Backend::Postgres => None,
        };
        WriteGuard {
            _sqlite: sqlite,
            writes_finished: &self.inner.writes_finished,
        }
    }

    /// The count `key` names, as `count` gives it, remembered until this process
    /// finishes another write transaction or `for_at_most` passes, whichever is
    /// first. For totals a page shows beside a list (a caseload of 20,000 cases costs
    /// PostgreSQL 4-6 ms to count on every page): exact while every write goes through
    /// this process, as on SQLite, and at most `for_at_most` behind writes made by
    /// another server on the same PostgreSQL.
    ///
    /// The writes are read before counting, so a write that finishes during the count
    /// makes the next caller count again.
    pub fn remembered_count(
        &self,
        key: &str,
        for_at_most: std::time::Duration,
        count: impl FnOnce() -> Result<i64, StoreError>,
    ) -> Result<i64, StoreError> {
        use std::sync::atomic::Ordering;
        let writes_finished = self.inner.writes_finished.load(Ordering::Acquire);
        let now = std::time::Instant::now();
        let lock = || {
            self.inner
                .counts
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        };
        if let Some(known) = lock().get(key)
            && known.writes_finished == writes_finished
            && now.duration_since(known.at) < for_at_most
        {
            return Ok(known.count);
        }
        let counted = count()?;
        let mut counts = lock();
        if counts.len() >= REMEMBERED_COUNTS {
            counts.clear();
        }
        counts.insert(
            key.to_owned(),
            RememberedCount {
                writes_finished,
                at: now,
                count: counted,
            },
        );
        Ok(counted)
    }
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("url", &self.inner.url)
            .finish()
    }
}
