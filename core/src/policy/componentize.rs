//! The SDK's build step: a plugin built without WASI (`wasm32-unknown-unknown`) is a
//! core WebAssembly module carrying the contract it implements in a custom section
//! (the SDK's bindings put it there); this makes it the component the host loads.
//!
//! Built that way a plugin imports no WASI (only the contract's types), so its fresh
//! instance per evaluation is one core instance with nothing to wire, where a
//! `wasm32-wasip2` build has three and WASI's functions (see `cargo bench --bench
//! policy`).

/// Why a module could not be made a component.
#[derive(Debug, thiserror::Error)]
pub enum ComponentizeError {
    /// Not a core WebAssembly module (a component already, or not WebAssembly).
    #[error("{0}")]
    NotACoreModule(&'static str),
    /// The module does not say which contract it implements, or does not match it.
    #[error(
        "the module cannot be made a sendpanel plugin (was it built with the sendpanel-plugin SDK?): {0}"
    )]
    Encode(String),
}

/// The component of a plugin module built without WASI. Deterministic: the same module
/// gives the same bytes, so a plugin's SHA-256 follows from its sources.
pub fn component_from_module(module: &[u8]) -> Result<Vec<u8>, ComponentizeError> {
    match module.get(..8) {
        Some([0, b'a', b's', b'm', 1, 0, 0, 0]) => {}
        Some([0, b'a', b's', b'm', _, _, _, _]) => {
            return Err(ComponentizeError::NotACoreModule(
                "this is already a component: load it as it is",
            ));
        }
        _ => {
            return Err(ComponentizeError::NotACoreModule(
                "the file does not start with the WebAssembly magic number",
            ));
        }
    }
    wit_component::ComponentEncoder::default()
        .module(module)
        .and_then(|encoder| encoder.validate(true).encode())
        .map_err(|e| ComponentizeError::Encode(format!("{e:#}")))
}
