//! The outbox: every e-mail sendpanel sends, written in the same transaction as the
//! event that caused it, then sent by a worker ([`crate::notify::deliver_due`]).
//!
//! A row is `pending` until a send succeeds, then `sent` with `sent_at`; it is never
//! deleted, so what was sent to whom, and when, can be shown later. A worker *claims* a
//! due row by setting `claimed_until` (a lease) with a compare-and-set `UPDATE` that
//! only succeeds while no live lease is held: two workers never take the same row, and
//! a worker that dies mid-send loses its lease when it expires, so the row is tried
//! again rather than lost. The same statements run on SQLite and PostgreSQL.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::authorities::parse_authority;
use super::connection::AnyConnection;
use super::rows::{from_db_time, parse, to_db_time};
use super::schema::outbox;
use super::{AuthorityScope, StoreError, Tx};
use crate::domain::{AuthorityId, CaseId, DomainError, Email};

/// Longest delivery error kept on a row: enough for an SMTP server's reply, never a
/// whole transcript.
const MAX_ERROR_CHARS: usize = 1000;

/// An outbox row's id (UUIDv7). The message's `Message-ID` is derived from it, so a
/// message sent twice (a worker killed between sending and recording) is recognisably
/// the same message to the receiving server and to the family's mail client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OutboxId(Uuid);

impl OutboxId {
    /// A new id, ordered after every id made before it. Made before the message is
    /// built, because the message carries it.
    pub fn new() -> Self {
        Self(Uuid::now_v7())
    }

    /// The id as a UUID.
    pub fn as_uuid(&self) -> Uuid {
        self.0
    }
}

impl Default for OutboxId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for OutboxId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for OutboxId {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(s)
            .map(Self)
            .map_err(|_| DomainError::invalid("OutboxId", "must be a UUID"))
    }
}

/// Whether a message has gone. The stored words are fixed by a CHECK in the database.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::Display,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum OutboxStatus {
    /// Not yet sent: waiting for its `next_attempt_at`, or claimed by a worker now.
    Pending,
    /// Accepted by the mail server (or written to the file sink).
    Sent,
}

/// A message to put in the outbox, inside the transaction of the event that caused it.
#[derive(Clone, PartialEq, Eq)]
pub struct NewMail {
    /// Its id, made first because the message's `Message-ID` carries it.
    pub id: OutboxId,
    /// The case it concerns, if any (a panel invitation concerns none).
    pub case_id: Option<CaseId>,
    /// Why it is sent (`letter:refusal-to-assess`, `invitation:sitting`), for reports.
    pub purpose: String,
    /// The one envelope recipient.
    pub recipient: Email,
    /// The subject, kept beside the message so listings need not parse it.
    pub subject: String,
    /// The whole RFC 5322 message, exactly the bytes that will be sent.
    pub message: Vec<u8>,
    /// When it was queued; it is due at once.
    pub created_at: DateTime<Utc>,
}

impl fmt::Debug for NewMail {
    /// Shows the size of the message, not the letter inside it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewMail")
            .field("id", &self.id)
            .field("case_id", &self.case_id)
            .field("purpose", &self.purpose)
            .field("message", &format_args!("{} bytes", self.message.len()))
            .finish_non_exhaustive()
    }
}

/// An outbox row as stored.
#[derive(Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    /// Its id.
    pub id: OutboxId,
    /// The authority that sent it.
    pub authority_id: AuthorityId,
    /// The case it concerns, if any.
    pub case_id: Option<CaseId>,
    /// Why it was sent.
    pub purpose: String,
    /// The envelope recipient.
    pub recipient: Email,
    /// The subject.
    pub subject: String,
    /// The message bytes.
    pub message: Vec<u8>,
    /// Sent or not.
    pub status: OutboxStatus,
    /// Sends tried so far (successful or not).
    pub attempts: i32,
    /// Not tried again before this instant (back-off after a failure).
    pub next_attempt_at: DateTime<Utc>,
    /// A worker holds the row until this instant; `None` when nobody does.
    pub claimed_until: Option<DateTime<Utc>>,
    /// What the last failed attempt reported.
    pub last_error: Option<String>,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
    /// When the server accepted it.
    pub sent_at: Option<DateTime<Utc>>,
}

impl fmt::Debug for OutboxEntry {
    /// Ids, status and counts; not the recipient or the letter.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutboxEntry")
            .field("id", &self.id)
            .field("authority_id", &self.authority_id)
            .field("case_id", &self.case_id)
            .field("purpose", &self.purpose)
            .field("status", &self.status)
            .field("attempts", &self.attempts)
            .field("next_attempt_at", &self.next_attempt_at)
            .field("claimed_until", &self.claimed_until)
            .field("sent_at", &self.sent_at)
            .finish_non_exhaustive()
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = outbox)]
#[diesel(treat_none_as_default_value = false)]
struct OutboxRow {
    id: String,
    authority_id: String,
    case_id: Option<String>,
    purpose: String,
    recipient: String,
    subject: String,
    message: Vec<u8>,
    status: String,
    attempts: i32,
    next_attempt_at: NaiveDateTime,
    claimed_until: Option<NaiveDateTime>,
    last_error: Option<String>,
    created_at: NaiveDateTime,
    sent_at: Option<NaiveDateTime>,
}

impl TryFrom<OutboxRow> for OutboxEntry {
    type Error = StoreError;
    fn try_from(row: OutboxRow) -> Result<Self, StoreError> {
        Ok(OutboxEntry {
            id: parse("outbox.id", &row.id)?,
            authority_id: parse_authority(&row.authority_id)?,
            case_id: row
                .case_id
                .as_deref()
                .map(|v| parse("outbox.case_id", v))
                .transpose()?,
            purpose: row.purpose,
            recipient: Email::parse(&row.recipient).map_err(|e| StoreError::Corrupt {
                column: "outbox.recipient",
                detail: e.to_string(),
            })?,
            subject: row.subject,
            message: row.message,
            status: parse("outbox.status", &row.status)?,
            attempts: row.attempts,
            next_attempt_at: from_db_time(row.next_attempt_at),
            claimed_until: row.claimed_until.map(from_db_time),
            last_error: row.last_error,
            created_at: from_db_time(row.created_at),
            sent_at: row.sent_at.map(from_db_time),
        })
    }
}

impl Tx<'_> {
    /// Queues a message, due at once. Called inside the transaction of the event that
    /// caused it, so the message exists exactly when the event does.
    pub fn enqueue_mail(
        &mut self,
        scope: &AuthorityScope,
        mail: &NewMail,
    ) -> Result<(), StoreError> {
        diesel::insert_into(outbox::table)
            .values(OutboxRow {
                id: mail.id.to_string(),
                authority_id: scope.authority().to_string(),
                case_id: mail.case_id.map(|id| id.to_string()),
                purpose: mail.purpose.clone(),
                recipient: mail.recipient.to_string(),
                subject: mail.subject.clone(),
                message: mail.message.clone(),
                status: OutboxStatus::Pending.to_string(),
                attempts: 0,
                next_attempt_at: to_db_time(mail.created_at),
                claimed_until: None,
                last_error: None,
                created_at: to_db_time(mail.created_at),
                sent_at: None,
            })
            .execute(self.conn)?;
        Ok(())
    }

    /// Claims up to `limit` of the scope's pending messages that are due at `now` and
    /// held by nobody (no lease, or a lease that ran out), holding each until `until`.
    ///
    /// On PostgreSQL the due rows are picked `FOR UPDATE SKIP LOCKED`, so workers on
    /// several servers pass over each other's rows instead of queueing on them. Each
    /// row is then taken with its own compare-and-set `UPDATE ... WHERE claimed_until
    /// IS NULL OR claimed_until < now`: if another worker took it in between, no row
    /// changes and it is left out (on SQLite writers are serialised). Oldest due first.
    pub fn claim_due_mail(
        &mut self,
        scope: &AuthorityScope,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<OutboxEntry>, StoreError> {
        let now_db = to_db_time(now);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let due = outbox::table
            .filter(outbox::authority_id.eq(scope.authority().as_str()))
            .filter(outbox::status.eq(OutboxStatus::Pending.to_string()))
            .filter(outbox::next_attempt_at.le(now_db))
            .filter(
                outbox::claimed_until
                    .is_null()
                    .or(outbox::claimed_until.lt(now_db)),
            )
            .order((outbox::next_attempt_at, outbox::id))
            .limit(limit)
            .select(outbox::id);
        // On PostgreSQL the rows are locked as they are picked, and rows another
        // server's worker has locked are passed over rather than waited for, so workers
        // on several servers take different messages at once. SQLite has one writer.
        let candidates: Vec<String> = match &mut *self.conn {
            AnyConnection::Postgres(conn) => due.for_update().skip_locked().load(conn)?,
            AnyConnection::Sqlite(conn) => due.load(conn)?,
        };
        let mut claimed = Vec::with_capacity(candidates.len());
        for id in candidates {
            let taken = diesel::update(
                outbox::table
                    .filter(outbox::id.eq(&id))
                    .filter(outbox::authority_id.eq(scope.authority().as_str()))
                    .filter(outbox::status.eq(OutboxStatus::Pending.to_string()))
                    .filter(
                        outbox::claimed_until
                            .is_null()
                            .or(outbox::claimed_until.lt(now_db)),
                    ),
            )
            .set(outbox::claimed_until.eq(Some(to_db_time(until))))
            .execute(self.conn)?;
            if taken == 1 {
                let row: OutboxRow = outbox::table
                    .filter(outbox::id.eq(&id))
                    .select(OutboxRow::as_select())
                    .first(self.conn)?;
                claimed.push(row.try_into()?);
            }
        }
        Ok(claimed)
    }

    /// Records that the server accepted a message: `sent`, with `sent_at`, the lease
    /// released. Only the lease's holder may: `lease` is the `claimed_until` its claim
    /// returned, and a worker whose lease ran out and was taken by another changes
    /// nothing (each claim's `until` is later than the one it replaced, so it names one
    /// claim). Returns false if the row was already sent or the lease is not held.
    pub fn mark_mail_sent(
        &mut self,
        scope: &AuthorityScope,
        id: OutboxId,
        lease: DateTime<Utc>,
        sent_at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let changed = diesel::update(
            outbox::table
                .filter(outbox::id.eq(id.to_string()))
                .filter(outbox::authority_id.eq(scope.authority().as_str()))
                .filter(outbox::status.eq(OutboxStatus::Pending.to_string()))
                .filter(outbox::claimed_until.eq(Some(to_db_time(lease)))),
        )
        .set((
            outbox::status.eq(OutboxStatus::Sent.to_string()),
            outbox::sent_at.eq(Some(to_db_time(sent_at))),
            outbox::attempts.eq(outbox::attempts + 1),
            outbox::claimed_until.eq(None::<NaiveDateTime>),
            outbox::last_error.eq(None::<String>),
        ))
        .execute(self.conn)?;
        Ok(changed == 1)
    }

    /// Records a failed attempt: one more attempt, the error (shortened), not tried
    /// again before `retry_at`, the lease released so any worker may retry it then.
    /// Only the lease's holder may, as for [`Tx::mark_mail_sent`]. Returns false if the
    /// row was already sent or the lease is not held.
    pub fn mark_mail_failed(
        &mut self,
        scope: &AuthorityScope,
        id: OutboxId,
        lease: DateTime<Utc>,
        error: &str,
        retry_at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let error: String = error.chars().take(MAX_ERROR_CHARS).collect();
        let changed = diesel::update(
            outbox::table
                .filter(outbox::id.eq(id.to_string()))
                .filter(outbox::authority_id.eq(scope.authority().as_str()))
                .filter(outbox::status.eq(OutboxStatus::Pending.to_string()))
                .filter(outbox::claimed_until.eq(Some(to_db_time(lease)))),
        )
        .set((
            outbox::attempts.eq(outbox::attempts + 1),
            outbox::last_error.eq(Some(error)),
            outbox::next_attempt_at.eq(to_db_time(retry_at)),
            outbox::claimed_until.eq(None::<NaiveDateTime>),
        ))
        .execute(self.conn)?;
        Ok(changed == 1)
    }

    /// The scope's outbox, oldest first; one case's messages when `case` is given.
    pub fn list_outbox(
        &mut self,
        scope: &AuthorityScope,
        case: Option<CaseId>,
    ) -> Result<Vec<OutboxEntry>, StoreError> {
        let mut query = outbox::table
            .filter(outbox::authority_id.eq(scope.authority().as_str()))
            .into_boxed();
        if let Some(case) = case {
            query = query.filter(outbox::case_id.eq(case.to_string()));
        }
        query
            .order((outbox::created_at, outbox::id))
            .select(OutboxRow::as_select())
            .load(self.conn)?
            .into_iter()
            .map(OutboxEntry::try_from)
            .collect()
    }
}
