//! Host bindings generated from `plugins/wit/policy.wit`, the only thing the host and
//! the plugins share.

/// The contract's types and the generated `Policy` world, as wasmtime sees them. The
/// records derive serde so inputs and answers can be stored as JSON and replayed.
#[allow(missing_docs)] // Generated: the WIT file carries the documentation.
pub mod contract {
    wasmtime::component::bindgen!({
        path: "../plugins/wit",
        world: "sendpanel:policy/policy",
        additional_derives: [serde::Serialize, serde::Deserialize],
    });

    pub use exports::sendpanel::policy::advisor::Guest as Advisor;
    pub use sendpanel::policy::types::*;
}
