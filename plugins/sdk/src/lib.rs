//! The guest side of `sendpanel:policy@1` (built against 1.1): everything an authority's developer needs to
//! write a policy plugin, and nothing of sendpanel itself.
//!
//! A plugin is a `cdylib` crate that implements [`Guest`] and calls
//! [`export!`](crate::export). Built without WASI (`cargo build --profile plugin --target
//! wasm32-unknown-unknown`), `sendpanel plugin componentize` makes the module the
//! component the host loads; a `wasm32-wasip2` build is a component already, and loads
//! too, but each evaluation of it costs more (see `plugins/README.md`). The same crate also builds for the host, so its
//! carried test vectors run under plain `cargo test` with [`testing::assert_vectors_pass`].
//!
//! Plugins advise; the panel decides. Keep criteria about evidence, never a gate on the
//! legal test of CFA 2014 s.36(8).

// The bindings are generated here once, so every plugin shares one copy of the contract
// and a plugin crate needs no `wit/` path of its own.
wit_bindgen::generate!({
    path: "../wit",
    world: "sendpanel:policy/policy",
    pub_export_macro: true,
    export_macro_name: "export_policy",
    default_bindings_module: "sendpanel_plugin",
    generate_all,
});

/// Re-exported so plugins use the same date type as the helpers.
pub use chrono;

pub mod build;
pub mod dates;
#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
mod heap;
pub mod money;
pub mod testing;

/// The contract's records and enums, under short names.
pub use sendpanel::policy::types;

use types::{
    BandAdvice, BandRequest, CostedBandRequest, CostedTestVector, GraduatedResponseAdvice,
    NextStepsPlan, PluginInfo, PolicyError, RequestFacts, TestVector,
};

/// The trait a plugin implements: the contract's functions, with the ones added in
/// later minor versions given defaults, so a plugin written for 1.0 builds unchanged
/// against 1.1 and answers as it did. (The generated trait has no defaults; every
/// type implementing this one implements it.)
pub trait Guest {
    /// Who wrote this policy and from when it applies.
    fn info() -> PluginInfo;
    /// Was SEN support tried through assess-plan-do-review cycles? Advice only.
    fn graduated_response(facts: RequestFacts) -> Result<GraduatedResponseAdvice, PolicyError>;
    /// The band and its funding for a placement.
    fn banding(request: BandRequest) -> Result<BandAdvice, PolicyError>;
    /// After a refusal to assess: who meets the family, and within how long.
    fn next_steps(facts: RequestFacts) -> Result<NextStepsPlan, PolicyError>;
    /// Inputs with expected answers, run on upload.
    fn test_vectors() -> Vec<TestVector>;
    /// The band and funding given the plan's costed additional provision (since 1.1).
    /// By default the costs are not used: the answer is `banding`'s for the request.
    fn costed_banding(request: CostedBandRequest) -> Result<BandAdvice, PolicyError> {
        Self::banding(request.request)
    }
    /// Inputs with expected answers for `costed_banding` (since 1.1); none by default.
    fn costed_test_vectors() -> Vec<CostedTestVector> {
        Vec::new()
    }
}

impl<T: Guest> exports::sendpanel::policy::advisor::Guest for T {
    fn info() -> PluginInfo {
        <T as Guest>::info()
    }
    fn graduated_response(facts: RequestFacts) -> Result<GraduatedResponseAdvice, PolicyError> {
        <T as Guest>::graduated_response(facts)
    }
    fn banding(request: BandRequest) -> Result<BandAdvice, PolicyError> {
        <T as Guest>::banding(request)
    }
    fn next_steps(facts: RequestFacts) -> Result<NextStepsPlan, PolicyError> {
        <T as Guest>::next_steps(facts)
    }
    fn test_vectors() -> Vec<TestVector> {
        <T as Guest>::test_vectors()
    }
    fn costed_banding(request: CostedBandRequest) -> Result<BandAdvice, PolicyError> {
        <T as Guest>::costed_banding(request)
    }
    fn costed_test_vectors() -> Vec<CostedTestVector> {
        <T as Guest>::costed_test_vectors()
    }
}

/// Exports a [`Guest`] implementation as the component's `sendpanel:policy/advisor`.
///
/// Only on WebAssembly: on the host the crate stays a plain library, so `cargo test`
/// runs the policy natively (host linkers refuse the contract's `:`-named symbols).
#[macro_export]
macro_rules! export {
    ($plugin:ident) => {
        #[cfg(target_arch = "wasm32")]
        $crate::export_policy!($plugin with_types_in $crate);
    };
}

/// What most plugins import.
pub mod prelude {
    pub use crate::Guest;
    pub use crate::build::{FactsBuilder, criterion_met, criterion_not_met};
    pub use crate::dates::{WorkingDays, date, to_naive};
    pub use crate::money::{Pence, pounds, pro_rata};
    pub use crate::types::*;
}
