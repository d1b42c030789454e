//! The TOML as written, before any rule is checked. Unknown keys are refused so a typo
//! (`quorom`) is caught instead of silently ignored.

use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAuthority {
    pub code: String,
    pub name: String,
    pub la_number: u16,
    #[serde(default)]
    pub panels: Vec<RawPanel>,
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
