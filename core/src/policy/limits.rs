//! The sandbox's budgets. Each is part of the contract an authority's developer codes
//! against, so each has a default here, a setting in `config/default.toml`, and a named
//! error when a plugin exceeds it.

use serde::{Deserialize, Serialize};

/// Per-evaluation and per-plugin limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Fuel (about one unit per WebAssembly instruction) one call may burn. Fuel, not
    /// wall time, so a plugin passes or fails the same way on every machine.
    pub fuel: u64,
    /// Linear memory one instance may grow to, in bytes.
    pub memory_bytes: usize,
    /// WebAssembly stack one call may use, in bytes (deep recursion traps here).
    pub stack_bytes: usize,
    /// The largest request the host sends, as JSON bytes.
    pub input_bytes: usize,
    /// The largest answer the host accepts, as JSON bytes.
    pub output_bytes: usize,
    /// The largest component file accepted on upload.
    pub plugin_bytes: usize,
    /// Instances that may run at once across all plugins (the pooling allocator's size).
    pub concurrent_instances: u32,
    /// The most test vectors a plugin may carry: vetting runs each on upload, so an
    /// upload cannot hold a thread for as long as its author likes.
    pub max_vectors: usize,
    /// The fuel all of a plugin's vectors may burn together when it is vetted; past it
    /// the upload is refused, naming the limit.
    pub vet_fuel: u64,
    /// The most pieces of recorded advice one what-if comparison replays: it runs a
    /// plugin call for each, so a large caseload cannot hold a thread without end.
    pub what_if_replays: usize,
    /// The fuel one what-if comparison's replays may burn together; past it the
    /// comparison stops and says so.
    pub what_if_fuel: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            fuel: 50_000_000,
            memory_bytes: 16 << 20,
            stack_bytes: 512 << 10,
            input_bytes: 128 << 10,
            output_bytes: 64 << 10,
            plugin_bytes: 8 << 20,
            concurrent_instances: 64,
            max_vectors: 500,
            vet_fuel: 5_000_000_000,
            what_if_replays: 10_000,
            what_if_fuel: 50_000_000_000,
        }
    }
}
