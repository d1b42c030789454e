//! Letters to families and the e-mail that carries them.
//!
//! A decision is only lawful once the family is told, with reasons and, where the law
//! gives them, their rights to mediation and appeal and the dates for both (SEND
//! Regulations 2014 reg. 5(3), 10, 32-33; Tribunal Procedure (HESC) Rules 2008 r.20).
//! So the letter is written in the same transaction as the decision: a decision cannot
//! commit without its letter, nor a letter without its decision.
//!
//! Meet these first:
//! - [`LetterBook`]: each authority's handlebars templates, the shared set
//!   (`config/letters/*.hbs`) with the few the authority words differently put in their
//!   place (`config/authorities/<code>/letters/*.hbs`, each named as the shared template
//!   it replaces), compiled and test-rendered at start-up so a broken template or a
//!   misnamed override stops the service before any decision is made. Each letter is
//!   stored with its [`LetterBook::template_version`], the SHA-256 of the templates
//!   that produced it.
//! - [`Notifier`]: the [`crate::store::EventObserver`] that turns decisions, plans,
//!   reviews and meetings into letters on the case and e-mails in the outbox, and panel
//!   sittings into invitations with a calendar (`.ics`) attachment. Install it with
//!   [`crate::store::Database::observe`].
//! - [`Mailer`], [`deliver_due`] and [`spawn_worker`]: the outbox worker. It claims due
//!   messages with a lease, sends the stored bytes over SMTP (or writes `.eml` files
//!   when no SMTP server is configured), marks each sent or backs off and retries.
//!   Nothing is lost if the server is down or the process is killed; a message may be
//!   sent twice only if the process dies between the server accepting it and the row
//!   being marked, and then it carries the same `Message-ID` both times.
//! - [`MailSettings`]: the `[mail]` settings.
//! - [`digest`]: the daily deadline digest to officers and managers, once a day.
//!
//! Logs name ids and counts, never addresses, names or letter text.

mod calendar;
pub mod digest;
pub(crate) mod letters;
pub(crate) mod mail;
mod notifier;
mod outbox;
mod settings;
mod templates;

pub use letters::{Letter, LetterBook, LetterKind};
pub use mail::message_id;
pub use notifier::Notifier;
pub use outbox::{DeliveryReport, Mailer, deliver_due, spawn_worker};
pub use settings::{MailSettings, MailTls};

use std::path::PathBuf;

use crate::store::StoreError;

/// What can go wrong writing letters and e-mail. A failure inside a transaction rolls
/// the decision back; at start-up it stops the service with the file or key named.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NotifyError {
    /// A template file could not be read, compiled or test-rendered.
    #[error("letter template {}: {detail}", file.display())]
    Template {
        /// The file.
        file: PathBuf,
        /// What was wrong.
        detail: String,
    },
    /// No letters were loaded for an authority that made a decision.
    #[error("no letter templates are loaded for authority {0}")]
    NoLetters(String),
    /// A letter failed to render with real data (strict mode: a field it uses is
    /// missing).
    #[error("letter {letter} for authority {authority} did not render: {detail}")]
    Render {
        /// The authority.
        authority: String,
        /// Which letter.
        letter: LetterKind,
        /// What the template engine said.
        detail: String,
    },
    /// An event lacked a fact its letter needs.
    #[error("{event} event: {field} {rule}")]
    Payload {
        /// The event kind.
        event: String,
        /// The payload field.
        field: &'static str,
        /// What was wrong with it.
        rule: String,
    },
    /// The e-mail could not be built.
    #[error("e-mail could not be built: {0}")]
    Message(String),
    /// A `[mail]` setting cannot be used.
    #[error("mail.{key}: {rule}")]
    Settings {
        /// The key under `[mail]`.
        key: &'static str,
        /// The rule broken.
        rule: String,
    },
    /// The mail transport could not be set up.
    #[error("mail transport: {0}")]
    Transport(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl NotifyError {
    fn payload(event: crate::domain::EventKind, field: &'static str, rule: &str) -> Self {
        Self::Payload {
            event: event.to_string(),
            field,
            rule: rule.to_owned(),
        }
    }
}

/// A date as a letter writes it: "2 December 2023".
fn long_date(date: chrono::NaiveDate) -> String {
    date.format("%-d %B %Y").to_string()
}

/// A date with its weekday, for meetings: "Monday 16 October 2023".
fn day_and_date(date: chrono::NaiveDate) -> String {
    date.format("%A %-d %B %Y").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_written_as_people_write_them() {
        let d = chrono::NaiveDate::from_ymd_opt(2023, 12, 2).unwrap();
        assert_eq!(long_date(d), "2 December 2023");
        assert_eq!(day_and_date(d), "Saturday 2 December 2023");
    }
}
