//! Who may do what beyond the case steps. The steps' roles are the core's catalogue
//! ([`sendpanel_core::workflow::steps`]), which the JSON API and the pages both read;
//! logging a new request is the casework writers' too.

use sendpanel_core::domain::UserRole;

pub use sendpanel_core::workflow::steps::WRITERS;

/// Those who arrange sittings and put cases before them, through the API and the
/// pages alike (the API's document names them from here too, so the three cannot
/// differ).
pub const CLERKS: [UserRole; 3] = [UserRole::Caseworker, UserRole::PanelChair, UserRole::Admin];
