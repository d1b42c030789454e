//! Who may do what beyond the case steps. The steps' roles are the core's catalogue
//! ([`sendpanel_core::workflow::steps`]), which the JSON API and the pages both read;
//! logging a new request is the casework writers' too.

pub use sendpanel_core::workflow::steps::WRITERS;
