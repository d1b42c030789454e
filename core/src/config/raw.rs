//! The TOML as written, before any rule is checked. Unknown keys are refused so a typo
//! (`quorom`) is caught instead of silently ignored.

use std::collections::BTreeMap;

use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAuthority {
    pub code: String,
    pub name: String,
    pub la_number: u16,
    #[serde(default)]
    pub panels: Vec<RawPanel>,
    /// `[sign_in]`: optional; without it people sign in with a password only.
    pub sign_in: Option<RawSignIn>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPanel {
    pub code: String,
    pub name: String,
    pub decides: Vec<String>,
    pub roles: Vec<String>,
    pub voting_rule: String,
    #[serde(default = "default_tie_break")]
    pub tie_break: String,
    #[serde(default)]
    pub papers_due_days_before: u8,
    pub quorum: RawQuorum,
}

fn default_tie_break() -> String {
    "chair_casting_vote".to_owned()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawQuorum {
    pub min_members: u32,
    #[serde(default)]
    pub required_roles: Vec<String>,
}

/// `[sign_in]`: the ways an authority's people may sign in besides a password.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSignIn {
    pub oidc: Option<RawOidc>,
}

/// `[sign_in.oidc]`: the council's own OpenID Provider (Entra ID, Google Workspace, ...).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawOidc {
    pub issuer: String,
    pub client_id: String,
    pub client_secret_env: String,
    #[serde(default = "default_email_claim")]
    pub email_claim: String,
    pub groups_claim: Option<String>,
    #[serde(default)]
    pub group_roles: BTreeMap<String, String>,
}

fn default_email_claim() -> String {
    "email".to_owned()
}
