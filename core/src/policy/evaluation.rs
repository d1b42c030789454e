//! One evaluation: what was asked, what came back, and what it cost. Kept whole so the
//! advice on a case can be re-run for an appeal years later and give the same bytes.

use serde::{Deserialize, Serialize};

use super::contract::PolicyError;
use super::error::Unavailable;
use super::inspect::ApiVersion;
use crate::domain::PluginHash;

/// Which of the contract's calls was made.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, strum::Display, strum::EnumString,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum Call {
    /// `graduated-response`: criteria and a recommendation on whether to assess.
    GraduatedResponse,
    /// `banding`: band and funding for a placement.
    Banding,
    /// `next-steps`: the meeting after a refusal to assess.
    NextSteps,
    /// `costed-banding` (contract 1.1): band and funding given a plan's costed
    /// provision.
    CostedBanding,
}

/// What the plugin gave: advice, a reasoned refusal to answer, or nothing usable.
#[derive(Debug, Clone)]
pub enum Outcome<T> {
    /// A usable answer, checked against the contract's rules.
    Advice(T),
    /// The plugin declined (a fact missing, a case its policy does not cover).
    Declined(PolicyError),
    /// No answer; the reason is stored and shown to the panel.
    Unavailable(Unavailable),
}

impl<T> Outcome<T> {
    /// `advice`, `declined` or `unavailable`, as stored.
    pub fn kind(&self) -> &'static str {
        match self {
            Outcome::Advice(_) => "advice",
            Outcome::Declined(_) => "declined",
            Outcome::Unavailable(_) => "unavailable",
        }
    }
}

/// The record of one call, ready to store beside the case.
#[derive(Debug, Clone)]
pub struct Evaluation<T> {
    /// SHA-256 of the component that answered.
    pub plugin_sha256: PluginHash,
    /// The contract version it implements.
    pub api_version: ApiVersion,
    /// The call made.
    pub call: Call,
    /// The input exactly as sent, as JSON.
    pub input_json: String,
    /// The plugin's answer (`{"Ok": ...}` or `{"Err": ...}`) as JSON; `None` when there
    /// was no answer.
    pub output_json: Option<String>,
    /// The checked result.
    pub outcome: Outcome<T>,
    /// Fuel the call burnt: deterministic, so it is part of the reproducible record.
    pub fuel_used: u64,
}
