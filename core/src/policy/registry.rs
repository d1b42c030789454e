//! The rules around the registry: what a plugin must pass before an authority may use
//! it, how advice is recorded on a case, and how recorded advice is replayed.

use chrono::NaiveDate;

use super::contract::{BandRequest, CostedBandRequest, RequestFacts};
use super::error::{LoadError, Unavailable};
use super::evaluation::{Call, Evaluation, Outcome};
use super::host::{Plugin, PolicyHost};
use super::vectors::VectorReport;
use crate::domain::{CaseId, NewAdvice, NewPlugin, PluginHash, StoredAdvice, StoredPlugin};
use crate::store::{AuthorityScope, Database, StoreError};

/// Why a plugin was not installed, or advice could not be recorded or replayed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// The component itself was refused.
    #[error("plugin refused: {0}")]
    Load(#[from] LoadError),
    /// It carries no test vectors, so its author's intent cannot be checked.
    #[error("plugin refused: it carries no test vectors")]
    NoVectors,
    /// Its test vectors could not be read.
    #[error("plugin refused: its test vectors could not be read: {0}")]
    VectorsUnavailable(Unavailable),
    /// It carries more test vectors than vetting runs.
    #[error("plugin refused: it carries {count} test vectors; at most {max} are run on upload")]
    TooManyVectors {
        /// How many it carries.
        count: usize,
        /// The limit (`max_vectors`).
        max: usize,
    },
    /// Its vectors together burnt more fuel than vetting allows.
    #[error("plugin refused: its test vectors burnt more than {budget} fuel together (vet_fuel)")]
    VetFuelExhausted {
        /// The limit (`vet_fuel`).
        budget: u64,
    },
    /// Some of its own test vectors fail.
    #[error("plugin refused: {} of its test vectors fail; first: {}", .0.failures.len(), first_failure(.0))]
    VectorsFail(VectorReport),
    /// It was built for another authority.
    #[error("plugin refused: it is {plugin}'s policy, not {authority}'s")]
    WrongAuthority {
        /// The authority its `info()` names.
        plugin: String,
        /// The authority installing it.
        authority: String,
    },
    /// The bytes to store are not the component that was vetted.
    #[error("plugin refused: the bytes to store are not the plugin that was checked")]
    NotTheVettedPlugin,
    /// Activation before the date the policy itself says it takes effect.
    #[error("cannot activate from {from}: the policy takes effect on {effective_from}")]
    BeforeEffective {
        /// The date asked for.
        from: NaiveDate,
        /// The plugin's own effective-from date.
        effective_from: NaiveDate,
    },
    /// Advice was sought on facts citing an evidence id that is not a document on the
    /// case: the plugin may cite only evidence in the request, so every id there must
    /// be a document a panel can open. Nothing was recorded.
    #[error("{field}: {rule}")]
    EvidenceNotOnCase {
        /// Where the id sits in the facts sent (`needs[0].evidence[1]`).
        field: String,
        /// The rule, in plain English, naming the id.
        rule: String,
    },
    /// Recorded advice names a call or input the host cannot replay.
    #[error("recorded advice cannot be replayed: {0}")]
    Unreplayable(String),
    /// The database refused.
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn first_failure(report: &VectorReport) -> String {
    report
        .failures
        .first()
        .map(|f| format!("{}: {}", f.name, f.problem))
        .unwrap_or_default()
}

/// Loads `bytes` and runs the vectors the plugin carries: every plugin must carry some
/// and pass them all before it can be installed.
pub fn vet(host: &PolicyHost, bytes: &[u8]) -> Result<(Plugin, VectorReport), RegistryError> {
    let plugin = host.load(bytes)?;
    let vectors = plugin
        .test_vectors()
        .map_err(RegistryError::VectorsUnavailable)?;
    let costed = plugin
        .costed_test_vectors()
        .map_err(RegistryError::VectorsUnavailable)?;
    if vectors.is_empty() {
        return Err(RegistryError::NoVectors);
    }
    let limits = host.limits();
    if vectors.len() + costed.len() > limits.max_vectors {
        return Err(RegistryError::TooManyVectors {
            count: vectors.len() + costed.len(),
            max: limits.max_vectors,
        });
    }
    let mut report = plugin.run_vectors_within(&vectors, limits.vet_fuel);
    if !report.fuel_exhausted {
        plugin.run_costed_vectors_into(&costed, limits.vet_fuel, &mut report);
    }
    if report.fuel_exhausted {
        return Err(RegistryError::VetFuelExhausted {
            budget: limits.vet_fuel,
        });
    }
    if !report.failures.is_empty() {
        return Err(RegistryError::VectorsFail(report));
    }
    Ok((plugin, report))
}

/// Stores a vetted plugin for the scope's authority, activating it from `active_from`
/// when given, in one transaction: refused if the plugin is another authority's.
pub fn install(
    db: &Database,
    scope: &AuthorityScope,
    plugin: &Plugin,
    bytes: Vec<u8>,
    active_from: Option<NaiveDate>,
) -> Result<StoredPlugin, RegistryError> {
    if &PluginHash::of(&bytes) != plugin.sha256() {
        return Err(RegistryError::NotTheVettedPlugin);
    }
    let info = plugin.info();
    if info.authority != scope.authority().to_string() {
        return Err(RegistryError::WrongAuthority {
            plugin: info.authority.clone(),
            authority: scope.authority().to_string(),
        });
    }
    let effective_from = plugin.effective_from();
    if let Some(from) = active_from {
        check_activation(from, effective_from)?;
    }
    let new = NewPlugin {
        authority_id: scope.authority().clone(),
        policy_name: info.policy_name.clone(),
        policy_version: info.policy_version.clone(),
        api_version: plugin.api_version().to_string(),
        effective_from,
        bytes,
    };
    Ok(db.write(|tx| {
        let stored = tx.insert_plugin(scope, &new)?;
        match active_from {
            Some(from) => tx.activate_plugin(scope, &stored.sha256, from),
            None => Ok(stored),
        }
    })?)
}

/// Uses a stored plugin for new advice from `from` (re-activating an older one is how
/// an authority rolls back); refused before the policy's own effective-from date.
pub fn activate(
    db: &Database,
    scope: &AuthorityScope,
    sha256: &PluginHash,
    from: NaiveDate,
) -> Result<StoredPlugin, RegistryError> {
    let stored = db.read(|tx| tx.plugin(scope, sha256))?;
    check_activation(from, stored.effective_from)?;
    Ok(db.write(|tx| tx.activate_plugin(scope, sha256, from))?)
}

fn check_activation(from: NaiveDate, effective_from: NaiveDate) -> Result<(), RegistryError> {
    if from < effective_from {
        return Err(RegistryError::BeforeEffective {
            from,
            effective_from,
        });
    }
    Ok(())
}

/// The record of an evaluation, to store on `case` in the same transaction as whatever
/// the advice was sought for.
pub fn advice_record<T>(case: &CaseId, evaluation: &Evaluation<T>) -> NewAdvice {
    // Stored as the named reason's JSON (`{"kind":"out-of-fuel","budget":...}`), so
    // reports can count reasons by kind; `Unavailable`'s Display is for people.
    let unavailable_reason = match &evaluation.outcome {
        Outcome::Unavailable(reason) => {
            Some(serde_json::to_string(reason).unwrap_or_else(|_| reason.to_string()))
        }
        _ => None,
    };
    NewAdvice {
        case_id: *case,
        plugin_sha256: evaluation.plugin_sha256.clone(),
        api_version: evaluation.api_version.to_string(),
        call: evaluation.call.to_string(),
        input_json: evaluation.input_json.clone(),
        outcome: evaluation.outcome.kind().to_owned(),
        output_json: evaluation.output_json.clone(),
        unavailable_reason,
        fuel_used: i64::try_from(evaluation.fuel_used).unwrap_or(i64::MAX),
    }
}

/// A replayed evaluation: the answer's bytes and the fuel, to compare with the record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replayed {
    /// The answer as JSON, as it would be stored.
    pub output_json: Option<String>,
    /// Fuel burnt.
    pub fuel_used: u64,
}

impl Replayed {
    /// True when the replay gave exactly what was recorded.
    pub fn matches(&self, advice: &StoredAdvice) -> bool {
        self.output_json == advice.output_json
            && i64::try_from(self.fuel_used).ok() == Some(advice.fuel_used)
    }
}

/// Runs recorded advice again with the plugin from the registry: for an appeal, the
/// same plugin and input must give the same bytes and burn the same fuel (under the
/// same `fuel` limit; a lower limit can turn a replay into `OutOfFuel`).
pub fn replay(
    host: &PolicyHost,
    db: &Database,
    scope: &AuthorityScope,
    advice: &StoredAdvice,
) -> Result<Replayed, RegistryError> {
    let bytes = db.read(|tx| tx.plugin_bytes(scope, &advice.plugin_sha256))?;
    let plugin = host.load(&bytes)?;
    replay_on(&plugin, advice)
}

/// Runs recorded advice's input again on `plugin`, whichever plugin gave the advice:
/// for replaying many pieces of advice on one plugin loaded once, as the what-if does
/// with a candidate (loading compiles the component, which costs far more than a call).
pub fn replay_on(plugin: &Plugin, advice: &StoredAdvice) -> Result<Replayed, RegistryError> {
    let call: Call = advice
        .call
        .parse()
        .map_err(|_| RegistryError::Unreplayable(format!("unknown call {}", advice.call)))?;
    let bad_input = |e: serde_json::Error| RegistryError::Unreplayable(format!("input: {e}"));
    let (output_json, fuel_used) = match call {
        Call::GraduatedResponse => {
            let facts: RequestFacts =
                serde_json::from_str(&advice.input_json).map_err(bad_input)?;
            let e = plugin.graduated_response(&facts);
            (e.output_json, e.fuel_used)
        }
        Call::Banding => {
            let request: BandRequest =
                serde_json::from_str(&advice.input_json).map_err(bad_input)?;
            let e = plugin.banding(&request);
            (e.output_json, e.fuel_used)
        }
        Call::NextSteps => {
            let facts: RequestFacts =
                serde_json::from_str(&advice.input_json).map_err(bad_input)?;
            let e = plugin.next_steps(&facts);
            (e.output_json, e.fuel_used)
        }
        Call::CostedBanding => {
            let request: CostedBandRequest =
                serde_json::from_str(&advice.input_json).map_err(bad_input)?;
            let e = plugin.costed_banding(&request);
            (e.output_json, e.fuel_used)
        }
    };
    Ok(Replayed {
        output_json,
        fuel_used,
    })
}
