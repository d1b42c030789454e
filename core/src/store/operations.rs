//! The few counts an operations team watches per authority (open cases, overdue
//! limits, the outbox's backlog), read on a schedule for the metrics, never per scrape.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::dsl::min;
use diesel::prelude::*;

use super::OutboxStatus;
use super::rows::from_db_time;
use super::schema::{cases, deadlines, outbox};
use super::{AuthorityScope, StoreError, Tx};
use crate::domain::DeadlineStatus;

/// An authority's counts at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperationsCounts {
    /// Cases not closed.
    pub open_cases: i64,
    /// Limits still open on open cases whose day has passed.
    pub overdue_deadlines: i64,
    /// Messages waiting in the outbox.
    pub outbox_pending: i64,
    /// When the oldest of them was written, if any wait.
    pub oldest_pending_at: Option<DateTime<Utc>>,
}

impl Tx<'_> {
    /// The authority's [`OperationsCounts`] as of `today`.
    pub fn operations_counts(
        &mut self,
        scope: &AuthorityScope,
        today: NaiveDate,
    ) -> Result<OperationsCounts, StoreError> {
        let authority = scope.authority().as_str();
        let open = cases::table
            .filter(cases::authority_id.eq(authority))
            .filter(cases::closed_on.is_null());
        let open_cases = open.count().get_result(self.conn)?;
        let overdue_deadlines = deadlines::table
            .filter(deadlines::authority_id.eq(authority))
            .filter(deadlines::status.eq(DeadlineStatus::Open.to_string()))
            .filter(deadlines::due_on.lt(today))
            .filter(deadlines::case_id.eq_any(open.select(cases::id)))
            .count()
            .get_result(self.conn)?;
        let pending = outbox::table
            .filter(outbox::authority_id.eq(authority))
            .filter(outbox::status.eq(OutboxStatus::Pending.to_string()));
        let outbox_pending = pending.clone().count().get_result(self.conn)?;
        let oldest: Option<NaiveDateTime> = pending
            .select(min(outbox::created_at))
            .get_result(self.conn)?;
        Ok(OperationsCounts {
            open_cases,
            overdue_deadlines,
            outbox_pending,
            oldest_pending_at: oldest.map(from_db_time),
        })
    }
}
