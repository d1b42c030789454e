//! Notices between servers sharing one PostgreSQL database: when a sitting's tally
//! changes on one server, every server's watchers of that sitting must hear of it.
//!
//! The notice is PostgreSQL's `NOTIFY`, sent inside the transaction that records the
//! vote, conflict, attendance or decision ([`Tx::announce_tally_change`]): PostgreSQL
//! delivers it only when that transaction commits, so no server can read a tally
//! older than the notice, and a rolled-back change announces nothing. Each server
//! holds one connection that `LISTEN`s ([`Database::listen_for_tally_changes`]) and
//! hands each notice to the live tally.
//!
//! SQLite has no such thing and needs none: it serves one process, whose own channel
//! carries every change.

use std::str::FromStr;
use std::time::Duration;

use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::sql_types::Text;

use super::connection::AnyConnection;
use super::{AuthorityScope, Database, DatabaseUrl, StoreError, Tx};
use crate::domain::{AuthorityId, SittingId};

/// The channel tally notices travel on.
const TALLY_CHANNEL: &str = "sendpanel_tally";

/// How often the listening connection looks for notices that have arrived. libpq reads
/// them without blocking, so this is the most a notice waits once it is on the socket.
const POLL: Duration = Duration::from_millis(5);

/// How long the listener waits before reconnecting after losing its connection.
const RECONNECT: Duration = Duration::from_secs(1);

/// A sitting whose tally changed, as a notice names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TallyChanged {
    /// The sitting's authority: the listener reads the tally in its scope.
    pub authority: AuthorityId,
    /// The sitting.
    pub sitting: SittingId,
}

impl TallyChanged {
    fn payload(&self) -> String {
        format!("{} {}", self.authority, self.sitting)
    }

    fn parse(payload: &str) -> Option<Self> {
        let (authority, sitting) = payload.split_once(' ')?;
        Some(Self {
            authority: AuthorityId::parse(authority).ok()?,
            sitting: SittingId::from_str(sitting).ok()?,
        })
    }
}

/// What the listener tells its owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// A sitting's tally changed on some server (this one included).
    TallyChanged(TallyChanged),
    /// The listener was cut off and is listening again: notices sent meanwhile are
    /// lost, so every watched tally should be read afresh.
    Reconnected,
}

impl Tx<'_> {
    /// Tells every server that `sitting`'s tally changed, when this transaction commits
    /// (PostgreSQL `NOTIFY`). Nothing on SQLite, whose one server publishes itself.
    pub fn announce_tally_change(
        &mut self,
        scope: &AuthorityScope,
        sitting: SittingId,
    ) -> Result<(), StoreError> {
        if let AnyConnection::Postgres(conn) = &mut *self.conn {
            let notice = TallyChanged {
                authority: scope.authority().clone(),
                sitting,
            };
            diesel::sql_query("SELECT pg_notify($1, $2)")
                .bind::<Text, _>(TALLY_CHANNEL)
                .bind::<Text, _>(notice.payload())
                .execute(conn)?;
        }
        Ok(())
    }
}

impl Database {
    /// On PostgreSQL, starts a thread that listens for tally notices from every server
    /// and passes each to `on_notice`; it reconnects by itself if the connection drops,
    /// and stops when `on_notice` returns false. `None` on SQLite: nothing to hear.
    pub fn listen_for_tally_changes(
        &self,
        mut on_notice: impl FnMut(Notice) -> bool + Send + 'static,
    ) -> Option<std::thread::JoinHandle<()>> {
        let DatabaseUrl::Postgres(url) = self.url().clone() else {
            return None;
        };
        let spawned = std::thread::Builder::new()
            .name("tally-listener".to_owned())
            .spawn(move || {
                // Only the very first attempt can have missed nothing: after a failed
                // or lost connection, watchers may have missed notices meanwhile.
                let mut first = true;
                loop {
                    let may_have_missed = !first;
                    first = false;
                    match listen(&url) {
                        Ok(mut conn) => {
                            if may_have_missed && !on_notice(Notice::Reconnected) {
                                return;
                            }
                            match relay(&mut conn, &mut on_notice) {
                                Relay::Stopped => return,
                                Relay::Lost(error) => {
                                    tracing::warn!(%error, "tally listener lost its connection");
                                }
                            }
                        }
                        Err(error) => {
                            tracing::warn!(%error, "tally listener cannot connect");
                        }
                    }
                    std::thread::sleep(RECONNECT);
                }
            });
        match spawned {
            Ok(handle) => Some(handle),
            Err(error) => {
                tracing::error!(%error, "cannot start the tally listener");
                None
            }
        }
    }
}

fn listen(url: &str) -> Result<PgConnection, String> {
    let mut conn = PgConnection::establish(url).map_err(|e| e.to_string())?;
    diesel::sql_query(format!("LISTEN {TALLY_CHANNEL}"))
        .execute(&mut conn)
        .map_err(|e| e.to_string())?;
    Ok(conn)
}

enum Relay {
    Stopped,
    Lost(String),
}

fn relay(conn: &mut PgConnection, on_notice: &mut impl FnMut(Notice) -> bool) -> Relay {
    loop {
        for received in conn.notifications_iter() {
            let notification = match received {
                Ok(notification) => notification,
                Err(error) => return Relay::Lost(error.to_string()),
            };
            match TallyChanged::parse(&notification.payload) {
                Some(changed) => {
                    if !on_notice(Notice::TallyChanged(changed)) {
                        return Relay::Stopped;
                    }
                }
                None => tracing::warn!("tally notice with an unreadable payload ignored"),
            }
        }
        std::thread::sleep(POLL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notice_reads_back_as_it_was_written() {
        let changed = TallyChanged {
            authority: AuthorityId::parse("torbay").unwrap(),
            sitting: SittingId::new(),
        };
        assert_eq!(TallyChanged::parse(&changed.payload()), Some(changed));
        assert_eq!(TallyChanged::parse("torbay not-a-uuid"), None);
        assert_eq!(TallyChanged::parse(""), None);
    }
}
