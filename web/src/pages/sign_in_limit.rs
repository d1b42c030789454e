//! The guards in front of password checks. The limits themselves (per address, per
//! client, per second factor) are the core's rules, counted in the database so every
//! server shares them ([`sendpanel_core::identity::throttle`]). What stays in the
//! process:
//!
//! - **Hashes at once**: at most a few Argon2 hashes (19 MiB, tens of milliseconds
//!   each) run together in this process, so a flood of sign-ins cannot take every
//!   blocking thread (and the database work queued behind them) from everyone else; a
//!   sign-in that waits too long for its turn is told the service is busy.
//! - **Who the client is**: behind a trusted proxy the client is read from
//!   `X-Forwarded-For`; otherwise it is the connection's peer, as a header anyone can
//!   write must not decide.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use actix_web::HttpRequest;
use sendpanel_core::domain::UserId;
use sendpanel_core::identity::throttle::{self, Attempt};
use sendpanel_core::store::Database;
use sendpanel_core::time::Clock;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Password hashes that may run at once, by default.
pub const DEFAULT_CONCURRENT_HASHES: usize = 4;
/// How long a sign-in waits for its turn to hash before being told to try again.
const HASH_WAIT: Duration = Duration::from_secs(5);

/// The sign-in guards, shared by every worker.
pub struct SignInLimiter {
    hashes: Arc<Semaphore>,
    trusted_proxies: Vec<IpAddr>,
}

impl Default for SignInLimiter {
    fn default() -> Self {
        Self::new(DEFAULT_CONCURRENT_HASHES, Vec::new())
    }
}

/// What is counted, owned, to carry to a blocking thread.
enum Counted {
    Address(String),
    Client(IpAddr),
    SecondFactor(UserId),
}

impl SignInLimiter {
    /// Guards allowing `concurrent_hashes` password checks at once, reading the client
    /// from `X-Forwarded-For` only when the peer is one of `trusted_proxies`.
    pub fn new(concurrent_hashes: usize, trusted_proxies: Vec<IpAddr>) -> Self {
        Self {
            hashes: Arc::new(Semaphore::new(concurrent_hashes.max(1))),
            trusted_proxies,
        }
    }

    /// Counts an attempt to sign in as `email`; `false` when it is one too many.
    pub async fn allow(&self, db: &Database, clock: &dyn Clock, email: &str) -> bool {
        count(db, clock, Counted::Address(email.to_owned())).await
    }

    /// Counts an attempt from `client`; `false` when it is one too many.
    pub async fn allow_client(&self, db: &Database, clock: &dyn Clock, client: IpAddr) -> bool {
        count(db, clock, Counted::Client(client)).await
    }

    /// Counts a second-factor code typed for `user`; `false` when it is one too many.
    pub async fn allow_second_factor(
        &self,
        db: &Database,
        clock: &dyn Clock,
        user: UserId,
    ) -> bool {
        count(db, clock, Counted::SecondFactor(user)).await
    }

    /// A turn to hash a password, or `None` after waiting too long.
    pub async fn hash_permit(&self) -> Option<OwnedSemaphorePermit> {
        tokio::time::timeout(HASH_WAIT, self.hashes.clone().acquire_owned())
            .await
            .ok()?
            .ok()
    }

    /// The client a request came from: the connection's peer, or, when the peer is a
    /// trusted proxy, the nearest address in `X-Forwarded-For` that is not one.
    pub fn client_address(&self, request: &HttpRequest) -> IpAddr {
        let peer = request
            .peer_addr()
            .map_or(IpAddr::from([0, 0, 0, 0]), |a| a.ip());
        let forwarded = request
            .headers()
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok())
            .collect::<Vec<_>>()
            .join(",");
        client_from(peer, &forwarded, &self.trusted_proxies)
    }
}

/// [`SignInLimiter::client_address`] on plain values: walks `X-Forwarded-For` from the
/// right (the nearest hop) past trusted proxies; the first untrusted address is the
/// client. Anything unparsable stops the walk at the last trusted hop.
fn client_from(peer: IpAddr, forwarded: &str, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let mut client = peer;
    for hop in forwarded
        .rsplit(',')
        .map(str::trim)
        .filter(|h| !h.is_empty())
    {
        match hop.parse::<IpAddr>() {
            Ok(address) => {
                client = address;
                if !trusted.contains(&address) {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    client
}

impl std::fmt::Debug for SignInLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInLimiter")
            .field("hashes_free", &self.hashes.available_permits())
            .finish_non_exhaustive()
    }
}

/// Counts one attempt in the database on a blocking thread. A count that cannot be
/// made refuses the attempt: the guard fails closed (sign-in needs the database
/// anyway).
async fn count(db: &Database, clock: &dyn Clock, counted: Counted) -> bool {
    let (db, now) = (db.clone(), clock.now());
    let counted = actix_web::web::block(move || {
        let attempt = match &counted {
            Counted::Address(email) => Attempt::Address(email),
            Counted::Client(client) => Attempt::Client(*client),
            Counted::SecondFactor(user) => Attempt::SecondFactor(*user),
        };
        throttle::allow(&db, attempt, now)
    })
    .await;
    match counted {
        Ok(Ok(allowed)) => allowed,
        Ok(Err(error)) => {
            tracing::error!(?error, "sign-in attempt not counted; refused");
            false
        }
        Err(error) => {
            tracing::error!(%error, "sign-in attempt not counted; refused");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_for_counts_only_behind_a_trusted_proxy() {
        let proxy = IpAddr::from([10, 0, 0, 1]);
        let client = IpAddr::from([203, 0, 113, 9]);
        let spoofed = IpAddr::from([198, 51, 100, 1]);
        // Direct connection: the header is anyone's to write, so it is ignored.
        assert_eq!(client_from(client, "198.51.100.1", &[proxy]), client);
        // Through the proxy: the nearest untrusted hop, not a spoofed leftmost one.
        assert_eq!(
            client_from(proxy, "198.51.100.1, 203.0.113.9", &[proxy]),
            client
        );
        assert_ne!(
            client_from(proxy, "198.51.100.1, 203.0.113.9", &[proxy]),
            spoofed
        );
        // A proxy that forgot the header: the proxy is the client.
        assert_eq!(client_from(proxy, "", &[proxy]), proxy);
        assert_eq!(client_from(proxy, "junk", &[proxy]), proxy);
    }

    #[tokio::test]
    async fn hashes_at_once_are_bounded() {
        let limiter = SignInLimiter::new(2, Vec::new());
        let first = limiter.hash_permit().await;
        let second = limiter.hash_permit().await;
        assert!(first.is_some() && second.is_some());
        assert_eq!(limiter.hashes.available_permits(), 0);
        drop(first);
        assert!(limiter.hash_permit().await.is_some());
    }
}
