//! The live tally: one broadcast channel per sitting, carrying the whole tally as JSON
//! after every change (a vote, a conflict, someone joining, an item closed). Each
//! message is complete, so a watcher that falls behind simply skips to the latest.
//!
//! This is per process. With several web nodes on PostgreSQL, changes made on one node
//! reach watchers on another only when they reconnect; carrying them across nodes is
//! the job of PostgreSQL's LISTEN/NOTIFY (ARCHITECTURE.md), not done yet.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use sendpanel_core::domain::SittingId;
use tokio::sync::broadcast;

/// Messages kept for a slow watcher before it skips ahead.
const BACKLOG: usize = 16;

/// The sittings being watched, each with its channel.
#[derive(Clone, Default)]
pub struct LiveTallies {
    channels: Arc<Mutex<HashMap<SittingId, broadcast::Sender<Arc<str>>>>>,
}

impl LiveTallies {
    fn sender(&self, sitting: SittingId) -> broadcast::Sender<Arc<str>> {
        // A poisoned lock means a thread panicked mid-insert into a map of channels;
        // the map is still usable, so carry on with it.
        let mut channels = self
            .channels
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        channels.retain(|_, sender| sender.receiver_count() > 0);
        channels
            .entry(sitting)
            .or_insert_with(|| broadcast::channel(BACKLOG).0)
            .clone()
    }

    /// Starts watching a sitting: every tally published from now on arrives here.
    pub fn subscribe(&self, sitting: SittingId) -> broadcast::Receiver<Arc<str>> {
        self.sender(sitting).subscribe()
    }

    /// Sends a sitting's new tally to everyone watching it (nobody watching is fine).
    pub fn publish(&self, sitting: SittingId, tally_json: String) {
        let sender = {
            let channels = self
                .channels
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            channels.get(&sitting).cloned()
        };
        if let Some(sender) = sender {
            // An error only means every watcher has gone.
            let _ = sender.send(Arc::from(tally_json));
        }
    }
}
