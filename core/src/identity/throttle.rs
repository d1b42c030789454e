//! How fast sign-in may be tried, counted in the database so every server shares the
//! counts (a guesser spread over a fleet meets one limit).
//!
//! A password can only be guessed by trying many (NCSC password guidance: throttle
//! sign-in attempts), so:
//! - **per address**: ten attempts, then two a minute: at most about a hundred and
//!   twenty tries an hour at one account;
//! - **per client**: sixty, then thirty a minute: a flood of made-up addresses from one
//!   client is cut off, while a council office behind one address signing in at nine
//!   o'clock stays well inside it;
//! - **a second factor**: the same as an address, per person.
//!
//! Keys are stored as SHA-256, never as the address typed.

use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};

use crate::domain::UserId;
use crate::store::{Database, StoreError};

/// A sustained rate with an allowance for bursts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    /// Attempts a minute, once the burst is spent.
    pub per_minute: u32,
    /// Attempts allowed at once from fresh.
    pub burst: u32,
}

/// Attempts at one e-mail address (and at one person's second factor).
pub const PER_ADDRESS: Quota = Quota {
    per_minute: 2,
    burst: 10,
};

/// Attempts from one client address.
pub const PER_CLIENT: Quota = Quota {
    per_minute: 30,
    burst: 60,
};

/// Once in this many attempts, keys as good as new are forgotten.
const FORGET_EVERY: u64 = 1_000;

/// What an attempt is counted against.
#[derive(Debug, Clone, Copy)]
pub enum Attempt<'a> {
    /// Signing in, or asking for a reset link, as this address (however it is typed).
    Address(&'a str),
    /// Anything of the above, from this client.
    Client(IpAddr),
    /// A code typed at the second step of this person's sign-in.
    SecondFactor(UserId),
}

impl Attempt<'_> {
    fn quota(&self) -> Quota {
        match self {
            Self::Address(_) | Self::SecondFactor(_) => PER_ADDRESS,
            Self::Client(_) => PER_CLIENT,
        }
    }

    /// The stored key: the hash of what is counted, with its kind.
    fn key(&self) -> String {
        let plain = match self {
            Self::Address(email) => format!("address:{}", email.trim().to_lowercase()),
            Self::Client(client) => format!("client:{client}"),
            Self::SecondFactor(user) => format!("second-factor:{user}"),
        };
        format!("{:x}", Sha256::digest(plain.as_bytes()))
    }
}

/// Counts `attempt` at `now`: true when it is allowed, false when it is one too many
/// (and nothing is counted).
pub fn allow(db: &Database, attempt: Attempt<'_>, now: DateTime<Utc>) -> Result<bool, StoreError> {
    let quota = attempt.quota();
    let interval = Duration::milliseconds(60_000 / i64::from(quota.per_minute.max(1)));
    let key = attempt.key();
    let forget = rand::random::<u64>().is_multiple_of(FORGET_EVERY);
    db.write(|tx| {
        if forget {
            tx.forget_spent_attempts(now)?;
        }
        tx.take_attempt(&key, now, interval, quota.burst)
    })
}
