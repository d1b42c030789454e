//! The only place that reads the system clock.
//!
//! Statutory limits are counted in calendar days in England, so "today" means today in
//! Europe/London, not in UTC: a request received at 00:30 BST on 1 June was received on
//! 1 June even though it is still 31 May in UTC. Everything else receives a [`Clock`]
//! so tests can fix the date.

use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use chrono_tz::Europe::London;

/// A source of the current instant, injected so tests and replays can fix time.
pub trait Clock: Send + Sync {
    /// The current instant in UTC.
    fn now(&self) -> DateTime<Utc>;

    /// Today's calendar date in England (Europe/London), the date statutory limits count from.
    fn today(&self) -> NaiveDate {
        self.now().with_timezone(&London).date_naive()
    }
}

/// The real clock of the machine.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    /// Now, truncated to microseconds: the precision PostgreSQL keeps, so an instant
    /// read back from either database equals the one written.
    fn now(&self) -> DateTime<Utc> {
        Utc::now().trunc_subsecs(6)
    }
}

/// A clock stopped at one instant, for tests and for reproducing past advice.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn today_is_the_london_date_not_the_utc_date() {
        // 23:30 UTC on 31 May 2026 is 00:30 BST on 1 June 2026.
        let clock = FixedClock(Utc.with_ymd_and_hms(2026, 5, 31, 23, 30, 0).unwrap());
        assert_eq!(clock.today(), NaiveDate::from_ymd_opt(2026, 6, 1).unwrap());
        // In winter London is on GMT, so the dates agree.
        let clock = FixedClock(Utc.with_ymd_and_hms(2026, 12, 31, 23, 30, 0).unwrap());
        assert_eq!(
            clock.today(),
            NaiveDate::from_ymd_opt(2026, 12, 31).unwrap()
        );
    }
}
