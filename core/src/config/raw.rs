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
    /// `[[targets]]`: the scrutiny table's targets; none by default.
    #[serde(default)]
    pub targets: Vec<RawTarget>,
}

/// `[[targets]]`: one target for a scrutiny indicator, for example Torbay's
///
/// ```toml
/// [[targets]]
/// indicator = "requests_per_month"   # one of reports::scrutiny::Indicator, snake_case
/// value = 15                         # in the indicator's unit: whole per cent for a share
/// direction = "at_most"              # or "at_least"
/// amber_within = 2                   # amber when missed by no more than this; red beyond
/// from = 2023-07-01                  # optional: the first day it applies
/// source = "torbay-pack-part1.md L151; seed 001 L475"
/// illustrative = false               # true when not from the council's papers
/// ```
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTarget {
    pub indicator: String,
    pub value: u32,
    pub direction: String,
    pub amber_within: u32,
    /// A TOML date (`from = 2023-07-01`, unquoted).
    pub from: Option<toml::value::Datetime>,
    pub source: String,
    #[serde(default)]
    pub illustrative: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPanel {
    pub code: String,
    pub name: String,
    pub decides: Vec<String>,
    /// Kinds from `decides` this panel takes only for young people (over compulsory
    /// school age); none by default.
    #[serde(default)]
    pub young_people_only: Vec<String>,
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
