//! Policy plugins as the registry keeps them, and the advice they gave.
//!
//! An authority's local rules ship as WebAssembly plugins. A plugin is known by the
//! SHA-256 of its bytes ([`PluginHash`]), never by a name an uploader could reuse: the
//! advice recorded on a case names the exact bytes that produced it, so it can be
//! replayed or explained to a tribunal years later. Plugins advise and never decide;
//! each call is kept, append-only, as [`StoredAdvice`].

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{AdviceId, AuthorityId, CaseId, DomainError};

/// The SHA-256 of a plugin's bytes, as 64 lowercase hexadecimal characters. It is the
/// plugin's identity: two uploads with the same hash are the same plugin, and advice
/// cites the hash so nobody can swap the code behind it.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(try_from = "String", into = "String")]
#[schema(pattern = "^[0-9a-f]{64}$")]
pub struct PluginHash(String);

impl PluginHash {
    /// The hash of `bytes`. The store computes it itself rather than trusting one
    /// supplied with an upload.
    pub fn of(bytes: &[u8]) -> Self {
        Self(
            Sha256::digest(bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect(),
        )
    }

    /// The hash as text, for storage, URLs and logs.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for PluginHash {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        // Lowercase only, so one plugin has exactly one spelling and text comparison in
        // SQL is hash comparison.
        if s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            Ok(Self(s.to_owned()))
        } else {
            Err(DomainError::invalid(
                "plugin_hash",
                "must be 64 lowercase hexadecimal characters (a SHA-256 digest)",
            ))
        }
    }
}

impl TryFrom<String> for PluginHash {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<PluginHash> for String {
    fn from(value: PluginHash) -> Self {
        value.0
    }
}

impl fmt::Display for PluginHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a plugin stands in its authority's registry. Only an `Active` plugin is ever
/// asked for advice; `Retired` keeps the bytes so past advice can still be replayed, and
/// re-activating it is how an authority rolls back.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::Display,
    strum::EnumIter,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum PluginStatus {
    /// Stored and checked, not yet used for advice.
    Uploaded,
    /// Used for advice on cases from its `active_from` date.
    Active,
    /// No longer used for new advice.
    Retired,
}

/// A plugin in the registry, without its bytes (read those with
/// `Tx::plugin_bytes`, which re-checks the hash), so listing the registry stays cheap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredPlugin {
    /// Its identity: the SHA-256 of its bytes.
    pub sha256: PluginHash,
    /// The authority whose rules it encodes; no other authority can see or run it.
    pub authority_id: AuthorityId,
    /// The policy's name, as the plugin declares it (shown to caseworkers).
    pub policy_name: String,
    /// The policy's own version, as the plugin declares it.
    pub policy_version: String,
    /// The `sendpanel:policy` contract version the plugin was built against, so the
    /// host can pick the matching bindings.
    pub api_version: String,
    /// The date the policy document says the rules take effect (declared by the plugin).
    pub effective_from: NaiveDate,
    /// The date from which the authority chose to use it; `None` until activated.
    /// Dated activation lets a new policy be uploaded ahead of its start.
    pub active_from: Option<NaiveDate>,
    /// Where it stands.
    pub status: PluginStatus,
    /// Size of the bytes, for listings and limits without loading them.
    pub size_bytes: i64,
    /// When it was uploaded.
    pub uploaded_at: DateTime<Utc>,
    /// When it was last activated; breaks ties between plugins active from one date.
    pub activated_at: Option<DateTime<Utc>>,
    /// When it was retired; cleared when it is activated again.
    pub retired_at: Option<DateTime<Utc>>,
}

/// A plugin to upload. The store computes the hash from `bytes`, so a caller cannot
/// register bytes under a hash that is not theirs.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPlugin {
    /// The authority uploading it; must be the scope's.
    pub authority_id: AuthorityId,
    /// The policy's name, as the plugin declares it.
    pub policy_name: String,
    /// The policy's own version.
    pub policy_version: String,
    /// The contract version it was built against.
    pub api_version: String,
    /// The date the rules take effect, as the plugin declares it.
    pub effective_from: NaiveDate,
    /// The WebAssembly component.
    pub bytes: Vec<u8>,
}

impl fmt::Debug for NewPlugin {
    /// Shows the size, not the bytes: a plugin is large and says nothing in a log.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewPlugin")
            .field("authority_id", &self.authority_id)
            .field("policy_name", &self.policy_name)
            .field("policy_version", &self.policy_version)
            .field("api_version", &self.api_version)
            .field("effective_from", &self.effective_from)
            .field("bytes", &format_args!("{} bytes", self.bytes.len()))
            .finish()
    }
}

/// One call to a plugin about a case, to record. Everything needed to replay the call
/// is kept: the plugin's hash, the contract version, the exact input and the answer.
///
/// The database holds these rules: `call` is one of `"graduated-response"`,
/// `"banding"`, `"next-steps"` (the contract's function names); `outcome` is one of
/// `"advice"` (the plugin answered; `output_json` required), `"declined"` (the plugin
/// returned its own error) or `"unavailable"` (trap, fuel, memory or output limit;
/// `unavailable_reason` required, and present only then).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAdvice {
    /// The case advised on; must belong to the scope's authority.
    pub case_id: CaseId,
    /// The plugin that was run; must be stored for the scope's authority.
    pub plugin_sha256: PluginHash,
    /// The contract version the call was made under.
    pub api_version: String,
    /// Which function was called: `graduated-response`, `banding` or `next-steps`.
    pub call: String,
    /// The input passed to the plugin, as JSON.
    pub input_json: String,
    /// `advice`, `declined` or `unavailable`.
    pub outcome: String,
    /// The plugin's answer (or its error), as JSON.
    pub output_json: Option<String>,
    /// Why no advice could be had, when `outcome` is `unavailable`.
    pub unavailable_reason: Option<String>,
    /// Fuel the call consumed, for spotting plugins that creep towards their limit.
    pub fuel_used: i64,
}

/// Advice as recorded: never updated or deleted (the database refuses both), so what a
/// plugin told a caseworker can always be shown later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StoredAdvice {
    /// The record's id (UUIDv7: sorts in the order advice was recorded).
    pub id: AdviceId,
    /// The authority, taken from the scope that recorded it.
    pub authority_id: AuthorityId,
    /// The case advised on.
    pub case_id: CaseId,
    /// The plugin that was run.
    pub plugin_sha256: PluginHash,
    /// The contract version the call was made under.
    pub api_version: String,
    /// Which function was called.
    pub call: String,
    /// The input passed, as JSON.
    pub input_json: String,
    /// `advice`, `declined` or `unavailable`.
    pub outcome: String,
    /// The plugin's answer (or its error), as JSON.
    pub output_json: Option<String>,
    /// Why no advice could be had.
    pub unavailable_reason: Option<String>,
    /// Fuel the call consumed.
    pub fuel_used: i64,
    /// When the advice was recorded.
    pub evaluated_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_is_sha256_in_lowercase_hex() {
        // SHA-256("abc"), the FIPS 180-2 test vector.
        let hash = PluginHash::of(b"abc");
        assert_eq!(
            hash.as_str(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(hash.to_string().parse::<PluginHash>().unwrap(), hash);
    }

    #[test]
    fn only_one_spelling_of_a_hash_is_accepted() {
        let upper = PluginHash::of(b"abc").as_str().to_uppercase();
        for bad in ["", "abc", upper.as_str(), &"g".repeat(64), &"a".repeat(65)] {
            let err = bad.parse::<PluginHash>().unwrap_err();
            assert_eq!(err.field(), "plugin_hash");
            assert!(
                err.to_string().contains("64 lowercase hexadecimal"),
                "{err}"
            );
        }
    }

    #[test]
    fn the_hash_serialises_as_its_text_and_is_checked_on_the_way_in() {
        let hash = PluginHash::of(b"plugin");
        let json = serde_json::to_string(&hash).unwrap();
        assert_eq!(json, format!("\"{hash}\""));
        assert_eq!(serde_json::from_str::<PluginHash>(&json).unwrap(), hash);
        assert!(serde_json::from_str::<PluginHash>("\"not-a-hash\"").is_err());
    }

    #[test]
    fn statuses_are_stored_as_lowercase_words() {
        assert_eq!(PluginStatus::Uploaded.to_string(), "uploaded");
        assert_eq!(
            "retired".parse::<PluginStatus>().unwrap(),
            PluginStatus::Retired
        );
    }

    #[test]
    fn a_new_plugin_debugs_its_size_not_its_bytes() {
        let new = NewPlugin {
            authority_id: AuthorityId::parse("torbay").unwrap(),
            policy_name: "p".into(),
            policy_version: "1".into(),
            api_version: "1.0.0".into(),
            effective_from: NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(),
            bytes: vec![0; 4096],
        };
        assert!(format!("{new:?}").contains("4096 bytes"));
    }
}
