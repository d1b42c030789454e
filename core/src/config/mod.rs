//! Each local authority's own choices, read from `config/authorities/<code>/authority.toml`.
//!
//! Parsed, then validated, then used (ripgrep's low/high args): [`raw`] mirrors the TOML
//! and refuses unknown keys; [`AuthorityConfig`] holds only checked values built from
//! domain types. Any error names the file, the key and the rule, so a council's
//! administrator can fix it without reading Rust.

mod authority;
mod error;
mod raw;
mod sign_in;
mod source;

pub use authority::{
    AuthorityConfig, PanelConfig, Quorum, TieBreak, VotingRule, load_authorities, load_authority,
};
pub use error::ConfigError;
pub use sign_in::{OidcConfig, OidcIssuer, SignInConfig};
pub use source::{ConfigDir, ConfigFile};
