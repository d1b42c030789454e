//! The policy-plugin host: each authority's rules run as a sandboxed WebAssembly
//! component and *advise*; people decide (UK GDPR art. 22).
//!
//! - [`PolicyHost`] owns one wasmtime `Engine` and the compiled-artefact cache. It loads a
//!   component ([`PolicyHost::load`]) only after checking its size, its imports against
//!   an allow-list, its API version, its `info()` and its carried test vectors' shape.
//! - [`Plugin`] is a loaded component. Every evaluation gets a fresh instance in its own
//!   `Store` with a fuel budget, a memory cap and a deterministic WASI (fixed clock,
//!   seeded random, no files, sockets or environment), so one case never sees another's
//!   data and the same input always gives the same bytes out.
//! - Whatever goes wrong inside a plugin (a trap, running out of fuel or memory, an
//!   oversized or malformed answer) becomes [`Unavailable`] with a named reason: the
//!   case records it and the human process carries on.
//!
//! The contract is `plugins/wit/policy.wit`; [`contract`] holds the generated types.

mod advice;
mod bindings;
mod cache;
mod componentize;
mod error;
mod evaluation;
mod host;
mod inspect;
mod limits;
mod registry;
mod sandbox;
mod validate;
mod vectors;
mod what_if;

pub use advice::{PluginCatalogue, Question};
pub use bindings::{age_on, contract};
pub use componentize::{ComponentizeError, component_from_module};
pub use error::{LoadError, Unavailable};
pub use evaluation::{Call, Evaluation, Outcome};
pub use host::{Plugin, PolicyHost};
pub use inspect::{ApiVersion, SUPPORTED_MAJOR};
pub use limits::Limits;
pub use registry::{
    RegistryError, Replayed, activate, advice_record, install, replay, replay_on, vet,
};
pub use vectors::{VectorFailure, VectorReport};
pub use what_if::{
    Compared, Progress, Stopped, TopUpChange, WhatIf, WhatIfPlan, headline, what_if, what_if_plan,
};
