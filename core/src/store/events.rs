//! The append-only event log. There is deliberately no update or delete here.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::authorities::parse_authority;
use super::cases::insert_all;
use super::rows::{from_db_time, parse, to_db_time};
use super::schema::events;
use super::{AuthorityScope, StoreError, Tx};
use crate::domain::{CaseId, EVENT_SCHEMA_VERSION, Event, EventId, EventKind, UserId};
use crate::events::CaseEvent;

/// An event to append; the store gives it its id and its place in the case's stream.
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// The case, for case events.
    pub case_id: Option<CaseId>,
    /// What happened, typed.
    pub fact: CaseEvent,
    /// Who did it; `None` for the system.
    pub actor: Option<UserId>,
    /// When.
    pub occurred_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = events)]
#[diesel(treat_none_as_default_value = false)]
struct EventRow {
    id: String,
    authority_id: String,
    case_id: Option<String>,
    case_sequence: Option<i64>,
    kind: String,
    schema_version: i32,
    payload: String,
    actor: Option<String>,
    occurred_at: NaiveDateTime,
}

impl TryFrom<EventRow> for Event {
    type Error = StoreError;
    fn try_from(row: EventRow) -> Result<Self, StoreError> {
        let kind: EventKind = parse("events.kind", &row.kind)?;
        let payload: serde_json::Value =
            serde_json::from_str(&row.payload).map_err(|e| StoreError::Corrupt {
                column: "events.payload",
                detail: e.to_string(),
            })?;
        Ok(Event {
            id: parse("events.id", &row.id)?,
            authority_id: parse_authority(&row.authority_id)?,
            case_id: row
                .case_id
                .as_deref()
                .map(|v| parse("events.case_id", v))
                .transpose()?,
            case_sequence: row.case_sequence,
            schema_version: row.schema_version,
            fact: CaseEvent::from_payload(kind, row.schema_version, payload).map_err(|e| {
                StoreError::Corrupt {
                    column: "events.payload",
                    detail: format!("{kind}: {e}"),
                }
            })?,
            actor: row
                .actor
                .as_deref()
                .map(|v| parse("events.actor", v))
                .transpose()?,
            occurred_at: from_db_time(row.occurred_at),
        })
    }
}

/// The event as it will be stored at `case_sequence`, and its row.
fn stored_event(
    scope: &AuthorityScope,
    event: NewEvent,
    case_sequence: Option<i64>,
) -> Result<(Event, EventRow), StoreError> {
    let payload = event.fact.to_payload().map_err(|e| StoreError::Corrupt {
        column: "events.payload",
        detail: e.to_string(),
    })?;
    let stored = Event {
        id: EventId::new(),
        authority_id: scope.authority().clone(),
        case_id: event.case_id,
        case_sequence,
        schema_version: EVENT_SCHEMA_VERSION,
        fact: event.fact,
        actor: event.actor,
        occurred_at: event.occurred_at,
    };
    let row = EventRow {
        id: stored.id.to_string(),
        authority_id: stored.authority_id.to_string(),
        case_id: stored.case_id.map(|id| id.to_string()),
        case_sequence: stored.case_sequence,
        kind: stored.kind().to_string(),
        schema_version: stored.schema_version,
        payload: payload.to_string(),
        actor: stored.actor.map(|id| id.to_string()),
        occurred_at: to_db_time(stored.occurred_at),
    };
    Ok((stored, row))
}

impl Tx<'_> {
    /// Appends an event. A case event takes the next position in its case's stream;
    /// if another writer took that position first, the unique index refuses the row
    /// and the whole transaction fails with [`StoreError::Conflict`].
    pub fn append_event(
        &mut self,
        scope: &AuthorityScope,
        event: NewEvent,
    ) -> Result<Event, StoreError> {
        let case_sequence = match event.case_id {
            Some(case) if self.last_sequence.is_some_and(|(locked, _)| locked == case) => {
                self.last_sequence.map(|(_, last)| last + 1)
            }
            Some(case) => {
                let last: Option<i64> = events::table
                    .filter(events::authority_id.eq(scope.authority().as_str()))
                    .filter(events::case_id.eq(case.to_string()))
                    .select(diesel::dsl::max(events::case_sequence))
                    .first(self.conn)?;
                Some(last.unwrap_or(0) + 1)
            }
            None => None,
        };
        let (stored, row) = stored_event(scope, event, case_sequence)?;
        diesel::insert_into(events::table)
            .values(row)
            .execute(self.conn)?;
        if let (Some((locked, _)), Some(case), Some(sequence)) =
            (self.last_sequence, stored.case_id, stored.case_sequence)
            && locked == case
        {
            self.last_sequence = Some((case, sequence));
        }
        if let Some(observer) = self.observer.clone() {
            observer.observed(self, scope, &stored)?;
        }
        Ok(stored)
    }

    /// Appends the first events of cases this transaction has just opened (a bulk
    /// import's), in a few multi-row statements rather than a round trip each. Each
    /// case's events take positions 1, 2, 3... in the order given, so the caller must
    /// have inserted those cases in this transaction: a case that already had events
    /// meets the stream's unique index, and the whole transaction fails as a
    /// [`StoreError::Conflict`]. Every event is still shown to the observer, as
    /// [`Tx::append_event`] would.
    pub fn append_opening_events_in_bulk(
        &mut self,
        scope: &AuthorityScope,
        new_events: Vec<NewEvent>,
    ) -> Result<(), StoreError> {
        let mut next_sequence: std::collections::HashMap<CaseId, i64> =
            std::collections::HashMap::new();
        let mut stored = Vec::with_capacity(new_events.len());
        let mut rows = Vec::with_capacity(new_events.len());
        for event in new_events {
            let case_sequence = event.case_id.map(|case| {
                let next = next_sequence.entry(case).or_insert(0);
                *next += 1;
                *next
            });
            let (event, row) = stored_event(scope, event, case_sequence)?;
            rows.push(row);
            stored.push(event);
        }
        // Nine columns a row: well under PostgreSQL's 65,535 parameters a statement.
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let chunk: Vec<EventRow> = rows.by_ref().take(1000).collect();
            insert_all!(self.conn, events::table, chunk);
        }
        if let Some(observer) = self.observer.clone() {
            for event in &stored {
                observer.observed(self, scope, event)?;
            }
        }
        Ok(())
    }

    /// Notes that `case`, locked by this transaction, has read its stream up to
    /// `last` (0 for none): the events this transaction appends to it then take the
    /// next numbers without a query each. Only for a case this transaction has locked
    /// ([`Tx::lock_case`]), so no other writer can append between.
    pub(crate) fn note_last_sequence(&mut self, case: CaseId, last: i64) {
        self.last_sequence = Some((case, last));
    }

    /// The scope's events in the order they were appended; only one case's when
    /// `case` is given.
    pub fn list_events(
        &mut self,
        scope: &AuthorityScope,
        case: Option<CaseId>,
    ) -> Result<Vec<Event>, StoreError> {
        let mut query = events::table
            .filter(events::authority_id.eq(scope.authority().as_str()))
            .into_boxed();
        // One case's events in its stream's order (the sequence each took under the
        // case's lock); the whole log in the order events were made.
        query = match case {
            Some(case) => query
                .filter(events::case_id.eq(case.to_string()))
                .order(events::case_sequence),
            None => query.order(events::id),
        };
        query
            .select(EventRow::as_select())
            .load(self.conn)?
            .into_iter()
            .map(Event::try_from)
            .collect()
    }

    /// The case's latest event that was not merely the consequence of another (see
    /// [`EventKind::is_consequence`]), if any: what last changed it.
    pub fn latest_case_event(
        &mut self,
        scope: &AuthorityScope,
        case: CaseId,
    ) -> Result<Option<Event>, StoreError> {
        use strum::IntoEnumIterator;
        let consequences: Vec<String> = EventKind::iter()
            .filter(|kind| kind.is_consequence())
            .map(|kind| kind.to_string())
            .collect();
        events::table
            .filter(events::authority_id.eq(scope.authority().as_str()))
            .filter(events::case_id.eq(case.to_string()))
            .filter(events::kind.ne_all(consequences))
            .order(events::case_sequence.desc())
            .select(EventRow::as_select())
            .first(self.conn)
            .optional()?
            .map(Event::try_from)
            .transpose()
    }

    /// Runs raw SQL that changes rows. Exists only so tests can prove the database
    /// itself refuses to alter the event log; no service calls it.
    #[doc(hidden)]
    pub fn execute_raw_for_tests(&mut self, sql: &str) -> Result<usize, StoreError> {
        Ok(diesel::sql_query(sql).execute(self.conn)?)
    }
}
