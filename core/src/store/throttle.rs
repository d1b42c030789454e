//! The sign-in guards' counts, kept in the database so every server counts each
//! address and client together: a guesser spreading attempts over a fleet of servers
//! meets one limit, not one per server.
//!
//! Each key holds one moment (the generic cell rate algorithm, as governor keeps it in
//! memory): the time from which the key is as good as new. An attempt is allowed while
//! that moment is no further ahead than the burst allows, and moves it on by one
//! interval. Rows whose moment has passed say nothing a missing row would not, and
//! are cleared from time to time.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::connection::AnyConnection;
use super::rows::{from_db_time, to_db_time};
use super::schema::sign_in_throttle;
use super::{StoreError, Tx};

impl Tx<'_> {
    /// Counts an attempt for `key` at `now` against a rate of one per `interval` with
    /// bursts of up to `burst`: true when it is allowed (and counted), false when it is
    /// one too many (and nothing changes). Not scoped to an authority: sign-in comes
    /// before anyone's authority is known, and keys are hashed.
    pub fn take_attempt(
        &mut self,
        key: &str,
        now: DateTime<Utc>,
        interval: Duration,
        burst: u32,
    ) -> Result<bool, StoreError> {
        let fresh = (
            sign_in_throttle::key.eq(key),
            sign_in_throttle::allowed_from.eq(to_db_time(now)),
        );
        let insert = diesel::insert_into(sign_in_throttle::table).values(fresh);
        match &mut *self.conn {
            AnyConnection::Postgres(conn) => insert.on_conflict_do_nothing().execute(conn)?,
            AnyConnection::Sqlite(conn) => insert.on_conflict_do_nothing().execute(conn)?,
        };
        // The row is locked until this transaction ends, so two servers counting the
        // same key at once are counted one after the other (SQLite has one writer).
        let row = sign_in_throttle::table
            .filter(sign_in_throttle::key.eq(key))
            .select(sign_in_throttle::allowed_from);
        let stored: NaiveDateTime = match &mut *self.conn {
            AnyConnection::Postgres(conn) => row.for_update().first(conn)?,
            AnyConnection::Sqlite(conn) => row.first(conn)?,
        };
        let fresh_from = from_db_time(stored).max(now);
        let tolerance = interval * i32::try_from(burst.saturating_sub(1)).unwrap_or(i32::MAX);
        if fresh_from - now > tolerance {
            return Ok(false);
        }
        diesel::update(sign_in_throttle::table.filter(sign_in_throttle::key.eq(key)))
            .set(sign_in_throttle::allowed_from.eq(to_db_time(fresh_from + interval)))
            .execute(self.conn)?;
        Ok(true)
    }

    /// Forgets keys that are as good as new at `now`; returns how many.
    pub fn forget_spent_attempts(&mut self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        Ok(diesel::delete(
            sign_in_throttle::table.filter(sign_in_throttle::allowed_from.lt(to_db_time(now))),
        )
        .execute(self.conn)?)
    }
}
