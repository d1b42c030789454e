//! The live tally: one broadcast channel per sitting, carrying the whole tally as JSON
//! after every change (a vote, a conflict, someone joining, an item closed). Each
//! message is complete, so a watcher that falls behind simply skips to the latest.
//!
//! On SQLite one process serves everyone, so the handler that made a change publishes
//! the new tally itself. On PostgreSQL several servers may share the database: the
//! change's own transaction sends a notice (`NOTIFY`, delivered at commit), every
//! server's listener hears it, and each reads the tally and publishes it to its own
//! watchers of that sitting; the handler then publishes nothing itself.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bytestring::ByteString;
use sendpanel_core::domain::{AuthorityId, SittingId};
use sendpanel_core::panel;
use sendpanel_core::store::{AuthorityScope, Notice};
use tokio::sync::{broadcast, watch};

use crate::state::AppState;

/// Messages kept for a slow watcher before it skips ahead.
const BACKLOG: usize = 16;

/// A watched sitting: its authority (to read its tally in scope) and its channel.
struct Watched {
    authority: AuthorityId,
    sender: broadcast::Sender<ByteString>,
}

/// The sittings being watched, each with its channel.
#[derive(Clone, Default)]
pub struct LiveTallies {
    channels: Arc<Mutex<HashMap<SittingId, Watched>>>,
    /// What opened this server's streams, checked together every [`RECHECK`].
    holders: Arc<Mutex<Holders>>,
    /// Whether changes arrive as notices from the database (PostgreSQL) rather than
    /// from the handler that made them.
    by_notice: bool,
}

impl LiveTallies {
    /// Tallies that learn of changes from the database's notices, for a server that
    /// listens for them ([`start_listening`]).
    pub fn by_notice() -> Self {
        Self {
            by_notice: true,
            ..Self::default()
        }
    }

    fn channels(&self) -> std::sync::MutexGuard<'_, HashMap<SittingId, Watched>> {
        // A poisoned lock means a thread panicked mid-insert into a map of channels;
        // the map is still usable, so carry on with it.
        self.channels
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Starts watching a sitting: every tally published from now on arrives here.
    pub fn subscribe(
        &self,
        scope: &AuthorityScope,
        sitting: SittingId,
    ) -> broadcast::Receiver<ByteString> {
        let mut channels = self.channels();
        channels.retain(|_, watched| watched.sender.receiver_count() > 0);
        channels
            .entry(sitting)
            .or_insert_with(|| Watched {
                authority: scope.authority().clone(),
                sender: broadcast::channel(BACKLOG).0,
            })
            .sender
            .subscribe()
    }

    /// Sends a sitting's new tally to everyone watching it (nobody watching is fine).
    pub fn publish(&self, sitting: SittingId, tally_json: String) {
        let sender = self.channels().get(&sitting).map(|w| w.sender.clone());
        if let Some(sender) = sender {
            // An error only means every watcher has gone.
            let _ = sender.send(ByteString::from(tally_json));
        }
    }

    /// The sittings someone here watches, with their authorities.
    fn watched(&self) -> Vec<(AuthorityId, SittingId)> {
        self.channels()
            .iter()
            .filter(|(_, watched)| watched.sender.receiver_count() > 0)
            .map(|(sitting, watched)| (watched.authority.clone(), *sitting))
            .collect()
    }

    /// Whether someone here watches `sitting`.
    fn is_watched(&self, sitting: SittingId) -> bool {
        self.channels()
            .get(&sitting)
            .is_some_and(|w| w.sender.receiver_count() > 0)
    }

    fn holders(&self) -> std::sync::MutexGuard<'_, Holders> {
        // As for the channels: a poisoned map of holders is still a usable map.
        self.holders
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Registers a stream's holder: the answer turns `false` when a check finds the
    /// session or token has ended. The first holder starts this server's checks.
    fn hold(
        &self,
        state: &actix_web::web::Data<AppState>,
        holder: Holder,
    ) -> watch::Receiver<bool> {
        let mut holders = self.holders();
        let still_valid = holders
            .open
            .entry(holder)
            .or_insert_with(|| watch::channel(true).0)
            .subscribe();
        if !holders.checking {
            holders.checking = true;
            actix_web::rt::spawn(check_holders(state.clone()));
        }
        still_valid
    }

    /// Live streams open on this server now (for the metrics).
    pub fn watchers(&self) -> usize {
        self.channels()
            .values()
            .map(|w| w.sender.receiver_count())
            .sum()
    }
}

/// After a change made through the API or a page: on SQLite, computes the sitting's
/// tally and sends it to everyone watching; on PostgreSQL nothing, as the change's
/// notice reaches every server's listener (this one's too). A failure here must not
/// undo the change just made (it is committed): it is logged, and watchers catch up
/// with the next change or on reconnecting.
pub fn publish_tally(state: &AppState, scope: &AuthorityScope, sitting: SittingId) {
    if state.live.by_notice {
        return;
    }
    refresh(state, scope, sitting);
}

/// Reads a sitting's tally and sends it to this server's watchers of it.
fn refresh(state: &AppState, scope: &AuthorityScope, sitting: SittingId) {
    let Some(config) = state.config_of(scope.authority()) else {
        tracing::warn!(%sitting, "tally not published: no configuration for the authority");
        return;
    };
    match panel::sitting_tally(&state.db, scope, sitting, config).map(|t| serde_json::to_string(&t))
    {
        Ok(Ok(json)) => state.live.publish(sitting, json),
        Ok(Err(error)) => tracing::warn!(%error, %sitting, "tally not serialised"),
        Err(error) => tracing::warn!(?error, %sitting, "tally not published"),
    }
}

/// Starts this server's listener for tally notices (PostgreSQL): each notice for a
/// sitting watched here refreshes its watchers; after a reconnection, when notices may
/// have been missed, every watched sitting is refreshed. `None` on SQLite.
pub fn start_listening(state: &AppState) -> Option<std::thread::JoinHandle<()>> {
    let listening = state.clone();
    state.db.listen_for_tally_changes(move |notice| {
        match notice {
            Notice::TallyChanged(changed) => {
                if listening.live.is_watched(changed.sitting) {
                    let scope = AuthorityScope::new(changed.authority);
                    refresh(&listening, &scope, changed.sitting);
                }
            }
            Notice::Reconnected => {
                for (authority, sitting) in listening.live.watched() {
                    refresh(&listening, &AuthorityScope::new(authority), sitting);
                }
            }
        }
        true
    })
}

/// Why a watcher could not follow a sitting.
#[derive(Debug, thiserror::Error)]
pub enum FollowError {
    /// The sitting is not the watcher's authority's (or does not exist), or its panel
    /// is not configured.
    #[error(transparent)]
    Panel(#[from] panel::PanelError),
    /// The authority's configuration is not loaded, or the work could not run.
    #[error("{0}")]
    Internal(String),
}

/// Starts following a sitting for a watcher of `scope`: the first read proves the
/// sitting is theirs (not found otherwise) before any channel exists for it; the
/// second, after subscribing, is what they see first, so no change can fall between
/// it and the stream. The API's stream and the sitting page's are this one.
pub async fn follow(
    state: actix_web::web::Data<AppState>,
    scope: AuthorityScope,
    sitting: SittingId,
    holder: Holder,
) -> Result<impl actix_web::Responder, FollowError> {
    let tally = {
        let (state, scope) = (state.clone(), scope.clone());
        move || {
            let config = state.config_of(scope.authority()).ok_or_else(|| {
                FollowError::Internal(format!(
                    "no configuration is loaded for authority {}",
                    scope.authority()
                ))
            })?;
            Ok::<_, FollowError>(panel::sitting_tally(&state.db, &scope, sitting, config)?)
        }
    };
    let run = |work| async move {
        actix_web::web::block(work)
            .await
            .map_err(|e| FollowError::Internal(e.to_string()))?
    };
    run(tally.clone()).await?;
    let updates = state.live.subscribe(&scope, sitting);
    let current = run(tally).await?;
    let first = actix_web_lab::sse::Data::new_json(&current)
        .map_err(|e| FollowError::Internal(e.to_string()))?;
    let still_valid = state.live.hold(&state, holder);
    Ok(tally_events(first, updates, still_valid))
}

/// What opened a watcher's stream, checked again every [`RECHECK`]: when the session
/// is signed out (or ended by a switch-off or password change) or the token revoked,
/// the stream ends, rather than carrying a child's panel business to whoever still
/// holds the open connection.
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum Holder {
    /// A page's server-side session.
    Session(sendpanel_core::identity::sessions::SessionId),
    /// An API bearer token.
    Token(String),
}

/// The holders of this server's open streams, each with the channel its streams
/// watch for the answer.
#[derive(Default)]
struct Holders {
    open: HashMap<Holder, watch::Sender<bool>>,
    /// Whether the task that checks them is running.
    checking: bool,
}

/// Checks every open stream's holder every [`RECHECK`], all together: one read for the
/// sessions and one for the tokens, however many streams are open, where a check per
/// stream made thousands of watchers thousands of queries every few seconds. Ends the
/// streams of those that no longer work; stops when no stream is open (the next one
/// starts it again).
async fn check_holders(state: actix_web::web::Data<AppState>) {
    let mut every = tokio::time::interval_at(tokio::time::Instant::now() + RECHECK, RECHECK);
    loop {
        every.tick().await;
        let open: Vec<Holder> = {
            let mut holders = state.live.holders();
            holders.open.retain(|_, sender| sender.receiver_count() > 0);
            if holders.open.is_empty() {
                holders.checking = false;
                return;
            }
            holders.open.keys().cloned().collect()
        };
        let checked = {
            let (state, open) = (state.clone(), open.clone());
            actix_web::web::block(move || ended_holders(&state, open)).await
        };
        // A check that could not run counts as "ended": the watchers reconnect, and are
        // asked to sign in if need be.
        let checked = checked
            .map_err(|e| e.to_string())
            .and_then(|checked| checked.map_err(|e| e.to_string()));
        let ended = checked.unwrap_or_else(|error| {
            tracing::warn!(%error, "live tally streams ended: their holders could not be checked");
            open
        });
        let mut holders = state.live.holders();
        for holder in ended {
            if let Some(sender) = holders.open.remove(&holder) {
                sender.send_replace(false);
            }
        }
    }
}

/// Those of `open` whose session or token no longer works.
fn ended_holders(
    state: &AppState,
    open: Vec<Holder>,
) -> Result<Vec<Holder>, sendpanel_core::identity::IdentityError> {
    use sendpanel_core::identity::{sessions, still_valid_tokens};
    let (mut session_holders, mut token_holders) = (Vec::new(), Vec::new());
    for holder in open {
        match holder {
            Holder::Session(id) => session_holders.push(id),
            Holder::Token(token) => token_holders.push(token),
        }
    }
    let live = sessions::still_live(&state.db, &session_holders, state.clock.as_ref())?;
    let valid = still_valid_tokens(&state.db, &token_holders)?;
    let ended_sessions = session_holders
        .into_iter()
        .zip(live)
        .filter(|(_, live)| !live)
        .map(|(id, _)| Holder::Session(id));
    let ended_tokens = token_holders
        .into_iter()
        .zip(valid)
        .filter(|(_, valid)| !valid)
        .map(|(token, _)| Holder::Token(token));
    Ok(ended_sessions.chain(ended_tokens).collect())
}

/// How often an open stream checks that what opened it still works.
pub const RECHECK: std::time::Duration = std::time::Duration::from_secs(5);

/// How often an idle event stream sends a keep-alive, so proxies keep it open.
const KEEP_ALIVE: std::time::Duration = std::time::Duration::from_secs(15);

/// The server-sent events a watcher receives (`event: tally`): `first` (the tally read
/// after subscribing, so no change can fall between it and the stream), then one after
/// every change.
///
/// The stream reads the sitting's channel itself, with no task or queue of its own
/// between the channel and the connection: a vote seen by thousands of watchers wakes
/// each of their connections once, not a task and then a connection. When the watcher
/// goes, actix drops the stream and with it the watcher's place on the channel.
///
/// It ends when `still_valid` turns `false`: the server's check of every stream's
/// holder ([`check_holders`]) found the session or token ended.
fn tally_events(
    first: actix_web_lab::sse::Data,
    updates: broadcast::Receiver<ByteString>,
    still_valid: watch::Receiver<bool>,
) -> impl actix_web::Responder {
    use actix_web_lab::sse::{self, Sse};
    use tokio::sync::broadcast::error::RecvError;

    /// What a watcher's stream holds between events.
    struct Watching {
        first: Option<sse::Event>,
        updates: broadcast::Receiver<ByteString>,
        still_valid: watch::Receiver<bool>,
    }

    let watching = Watching {
        first: Some(first.event("tally").into()),
        updates,
        still_valid,
    };
    let events = futures_util::stream::unfold(watching, |mut watching| async move {
        if let Some(first) = watching.first.take() {
            return Some((first, watching));
        }
        loop {
            tokio::select! {
                changed = watching.still_valid.changed() => {
                    if changed.is_err() || !*watching.still_valid.borrow_and_update() {
                        tracing::info!("live tally stream ended: its session or token ended");
                        return None;
                    }
                }
                update = watching.updates.recv() => match update {
                    // A shared buffer: every watcher's event points at the same bytes.
                    Ok(json) => return Some((sse::Data::new(json).event("tally").into(), watching)),
                    // Each tally is whole: a watcher that fell behind takes the next one.
                    Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => return None,
                },
            }
        }
    });
    Sse::from_infallible_stream(events).with_keep_alive(KEEP_ALIVE)
}
