//! The guards in front of password checks. A password can only be guessed by trying
//! many, and each check costs an Argon2 hash (19 MiB, tens of milliseconds), so:
//!
//! - **Per address**: after a burst of attempts (ten) further ones are refused until
//!   time lets more through (two a minute), so guessing runs at most about a hundred
//!   and twenty tries an hour per account (NCSC password guidance: throttle sign-in
//!   attempts).
//! - **Per client**: a flood of made-up addresses from one client is cut off too
//!   (thirty a minute, bursts of sixty: a council office behind one address signing
//!   in at nine o'clock stays well inside it). Behind a trusted proxy the client is
//!   read from `X-Forwarded-For`; otherwise it is the connection's peer, as a header
//!   anyone can write must not decide.
//! - **Hashes at once**: at most a few hashes run together, so a flood of sign-ins
//!   cannot take every blocking thread (and the database work queued behind them)
//!   from everyone else; a sign-in that waits too long for its turn is told the
//!   service is busy.
//!
//! The counts live in the process (governor's keyed limiters, as Vaultwarden limits
//! its log-ins), so each instance of the service counts on its own.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use actix_web::HttpRequest;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Keys a limiter remembers before it forgets those with nothing to remember (full
/// allowance again), so made-up addresses cannot grow it without end.
const FORGET_ABOVE: usize = 10_000;
/// Password hashes that may run at once, by default.
pub const DEFAULT_CONCURRENT_HASHES: usize = 4;
/// How long a sign-in waits for its turn to hash before being told to try again.
const HASH_WAIT: Duration = Duration::from_secs(5);

/// The sign-in guards, shared by every worker.
pub struct SignInLimiter {
    attempts: DefaultKeyedRateLimiter<String>,
    clients: DefaultKeyedRateLimiter<IpAddr>,
    hashes: Arc<Semaphore>,
    trusted_proxies: Vec<IpAddr>,
}

impl Default for SignInLimiter {
    fn default() -> Self {
        Self::new(DEFAULT_CONCURRENT_HASHES, Vec::new())
    }
}

fn quota(per_minute: u32, burst: u32) -> Quota {
    match (NonZeroU32::new(per_minute), NonZeroU32::new(burst)) {
        (Some(per_minute), Some(burst)) => Quota::per_minute(per_minute).allow_burst(burst),
        _ => Quota::per_minute(NonZeroU32::MIN),
    }
}

impl SignInLimiter {
    /// Guards allowing `concurrent_hashes` password checks at once, reading the client
    /// from `X-Forwarded-For` only when the peer is one of `trusted_proxies`.
    pub fn new(concurrent_hashes: usize, trusted_proxies: Vec<IpAddr>) -> Self {
        Self {
            attempts: RateLimiter::keyed(quota(2, 10)),
            clients: RateLimiter::keyed(quota(30, 60)),
            hashes: Arc::new(Semaphore::new(concurrent_hashes.max(1))),
            trusted_proxies,
        }
    }

    /// Counts an attempt to sign in as `email`; `false` when it is one too many.
    pub fn allow(&self, email: &str) -> bool {
        if self.attempts.len() > FORGET_ABOVE {
            self.attempts.retain_recent();
        }
        self.attempts
            .check_key(&email.trim().to_lowercase())
            .is_ok()
    }

    /// Counts an attempt from `client`; `false` when it is one too many.
    pub fn allow_client(&self, client: IpAddr) -> bool {
        if self.clients.len() > FORGET_ABOVE {
            self.clients.retain_recent();
        }
        self.clients.check_key(&client).is_ok()
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
            .field("addresses", &self.attempts.len())
            .field("clients", &self.clients.len())
            .field("hashes_free", &self.hashes.available_permits())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_attempts_then_refused_for_that_address_only() {
        let limiter = SignInLimiter::default();
        for attempt in 1..=10 {
            assert!(limiter.allow("casey@torbay.example"), "attempt {attempt}");
        }
        assert!(!limiter.allow("casey@torbay.example"));
        // The same address however it is typed.
        assert!(!limiter.allow("  Casey@Torbay.example "));
        assert!(limiter.allow("morgan@torbay.example"));
    }

    #[test]
    fn one_client_cycling_addresses_is_cut_off() {
        let limiter = SignInLimiter::default();
        let client = IpAddr::from([192, 0, 2, 7]);
        for attempt in 1..=60 {
            assert!(limiter.allow_client(client), "attempt {attempt}");
        }
        assert!(!limiter.allow_client(client));
        assert!(limiter.allow_client(IpAddr::from([192, 0, 2, 8])));
    }

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
