//! The guest side of `sendpanel:policy@1`: everything an authority's developer needs to
//! write a policy plugin, and nothing of sendpanel itself.
//!
//! A plugin is a `cdylib` crate that implements [`Guest`] and calls
//! [`export_policy!`](crate::export_policy); `cargo build --target wasm32-wasip2` turns it
//! into a component the host loads. The same crate also builds for the host, so its
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
pub mod money;
pub mod testing;

/// The trait a plugin implements.
pub use exports::sendpanel::policy::advisor::Guest;
/// The contract's records and enums, under short names.
pub use sendpanel::policy::types;

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
