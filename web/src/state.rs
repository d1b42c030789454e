//! What every handler can reach: the database, the authorities' configuration, the
//! plugin catalogue, the calendar and clock, the live tallies and the sign-in limiter.
//! Kept apart from the server so that handlers, pages and the API depend on this small
//! module rather than on the server that depends on them.

use std::sync::Arc;

use sendpanel_core::clock::BankHolidays;
use sendpanel_core::config::AuthorityConfig;
use sendpanel_core::policy::PluginCatalogue;
use sendpanel_core::store::Database;
use sendpanel_core::time::Clock;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub db: Database,
    /// The authorities' validated configuration.
    pub authorities: Arc<Vec<AuthorityConfig>>,
    /// The authorities' policy plugins, compiled once per process.
    pub catalogue: PluginCatalogue,
    /// Bank holidays for working-day limits.
    pub holidays: Arc<BankHolidays>,
    /// The clock (fixed in tests).
    pub clock: Arc<dyn Clock>,
    /// Watchers of each sitting's live tally.
    pub live: crate::live::LiveTallies,
    /// The guards in front of password checks, shared by every worker.
    pub sign_in_limiter: Arc<crate::pages::SignInLimiter>,
    /// Where password reset links point and who sends them; `None` (no `public_url`
    /// set) turns "forgotten your password" off: a link built from the request's own
    /// `Host` header could point anywhere an attacker chose.
    pub account_mail: Option<Arc<AccountMail>>,
    /// Council sign-in: the OpenID Connect client of each authority that configures
    /// one (none offers it when empty). Shared, so each provider is discovered once.
    pub oidc: crate::oidc::OidcClients,
    /// Uploaded documents: where their bytes are kept, the virus scanner, the limits.
    pub documents: sendpanel_core::documents::Documents,
}

/// What the e-mails carrying a link need from the settings: a password reset, and a
/// request for advice to a professional (with the letters it is written from).
#[derive(Debug, Clone)]
pub struct AccountMail {
    /// The address people open the service at, without a trailing slash.
    pub public_url: String,
    /// The sender's address.
    pub from_address: String,
    /// The sender's display name.
    pub from_name: String,
    /// The authorities' letters, for requests for advice sent with an upload link;
    /// `None` turns those off (the plain request for advice still works).
    pub letters: Option<Arc<sendpanel_core::notify::LetterBook>>,
}

impl AccountMail {
    /// What the advice-link e-mails need, when the letters are loaded.
    pub fn advice(&self) -> Option<sendpanel_core::documents::AdviceMail> {
        self.letters
            .as_ref()
            .map(|letters| sendpanel_core::documents::AdviceMail {
                letters: letters.clone(),
                public_url: self.public_url.clone(),
                from_address: self.from_address.clone(),
                from_name: self.from_name.clone(),
            })
    }
}

impl AppState {
    /// The store, calendar and clock as the core's commands take them.
    pub fn services(&self) -> sendpanel_core::services::Services {
        sendpanel_core::services::Services {
            db: self.db.clone(),
            holidays: self.holidays.clone(),
            clock: self.clock.clone(),
        }
    }

    /// An authority's configuration (panels, quorum, voting rule), if it is loaded.
    pub fn config_of(
        &self,
        authority: &sendpanel_core::domain::AuthorityId,
    ) -> Option<&AuthorityConfig> {
        self.authorities.iter().find(|c| &c.id == authority)
    }
}
