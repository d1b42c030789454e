//! The statutory clock: every time limit the core enforces, as pure functions from
//! dates to dates, each tracing to the Children and Families Act 2014, the SEND
//! Regulations 2014 or the Tribunal Procedure Rules (guidance and local deadlines live
//! in authority configuration, not here).
//!
//! - [`calendar`]: the counting conventions ("6 weeks of", "15 days beginning with",
//!   "2 months after", "12 months starting with").
//! - [`holidays`]: working days, with the bank holidays shipped as a file.
//! - [`limits`]: the table of limits, one entry per [`DeadlineKind`](crate::domain::DeadlineKind)
//!   (and per limit of the family's the clock counts): the date it counts from, its
//!   period and counting convention, and its citation. Due dates, rule text and
//!   `sendpanel clock` all read it.
//! - [`statutory`]: a case's dates in, every limit whose anchor is known out.
//!
//! Exceptions (Reg 5(4), 8(2), 10(4), 13(3)) never move a date: they are recorded on the
//! case and mark a limit as disapplied. Only Tribunal time (the family's appeal) moves
//! off a day that is not a working day (HESC Rules 2008 r.12(2), r.12(3)(a)); the
//! authority's limits end on the day counted.

pub mod calendar;
pub mod holidays;
pub mod limits;
pub mod statutory;

pub use holidays::BankHolidays;
pub use limits::Limit;
pub use statutory::{ClockFacts, Deadlines, TransferKind};

/// A date that cannot be worked out, or facts that cannot be right. Each names the key
/// and the rule, so `sendpanel clock` can print one line an operator can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClockError {
    /// A key the clock does not know.
    #[error("{key}: unknown key; known keys are {known}")]
    UnknownKey {
        /// The key given.
        key: String,
        /// Every key the clock reads.
        known: String,
    },
    /// A value of the wrong shape (not a date, not a year, not a known kind).
    #[error("{key}: {problem}")]
    BadValue {
        /// The key.
        key: String,
        /// What is wrong with it.
        problem: String,
    },
    /// Two dates in an impossible order, or a value missing its partner.
    #[error("{key}: {problem}")]
    Inconsistent {
        /// The later key, which is wrong.
        key: String,
        /// Why.
        problem: String,
    },
    /// A limit asked for a date in a way it is not counted (e.g. working days without
    /// the bank holidays, or a fixed day of the year from a date): a bug in the caller.
    #[error("{key}: {problem}")]
    Uncountable {
        /// The limit's key.
        key: &'static str,
        /// Why it cannot be counted so.
        problem: &'static str,
    },
    /// A date past the ends of the calendar.
    #[error("{0}: out of the calendar's range")]
    OutOfRange(&'static str),
    /// The bank-holiday list cannot be read.
    #[error("{source_name}: line {line}: {problem}")]
    Holidays {
        /// The file.
        source_name: String,
        /// The line (0 when the file itself cannot be read).
        line: usize,
        /// What is wrong.
        problem: String,
    },
}
