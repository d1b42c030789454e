//! How often anyone may try to sign in as one email address. A password can only be
//! guessed by trying many; after a burst of attempts (ten) further ones are refused
//! until time lets more through (two a minute), so guessing runs at most about a
//! hundred and twenty tries an hour per account (NCSC password guidance: throttle
//! sign-in attempts). Keyed by the address rather than the client's IP, because
//! councils run the service behind a proxy that gives every client the same IP.
//!
//! The counts live in the process (governor's keyed limiter, as Vaultwarden limits its
//! log-ins), so each instance of the service counts on its own, and a restart forgets.

use std::num::NonZeroU32;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// Addresses the limiter remembers before it forgets those with nothing to remember
/// (full allowance again), so made-up addresses cannot grow it without end.
const FORGET_ABOVE: usize = 10_000;

/// Sign-in attempts per email address.
pub struct SignInLimiter {
    attempts: DefaultKeyedRateLimiter<String>,
}

impl Default for SignInLimiter {
    fn default() -> Self {
        Self {
            attempts: RateLimiter::keyed(quota()),
        }
    }
}

fn quota() -> Quota {
    match (NonZeroU32::new(2), NonZeroU32::new(10)) {
        (Some(per_minute), Some(burst)) => Quota::per_minute(per_minute).allow_burst(burst),
        _ => Quota::per_minute(NonZeroU32::MIN),
    }
}

impl SignInLimiter {
    /// Counts an attempt to sign in as `email`; `false` when it is one too many.
    pub fn allow(&self, email: &str) -> bool {
        if self.attempts.len() > FORGET_ABOVE {
            self.attempts.retain_recent();
        }
        self.attempts
            .check_key(&email.trim().to_lowercase())
            .is_ok()
    }
}

impl std::fmt::Debug for SignInLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInLimiter")
            .field("addresses", &self.attempts.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::SignInLimiter;

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
}
