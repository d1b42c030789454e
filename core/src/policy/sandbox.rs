//! What a plugin instance may touch: a deterministic WASI with nothing behind it, and a
//! memory cap that remembers it was hit, so the host can name the failure.

use std::time::Duration;

use wasmtime::ResourceLimiter;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{
    Deterministic, HostMonotonicClock, HostWallClock, WasiCtx, WasiCtxView, WasiView,
};

/// The fixed instant every plugin sees as "now": 1 January 2000, 00:00 UTC. Plugins are
/// told the date they advise for in the request; any clock they read instead is a bug,
/// and a fixed one keeps their answers reproducible.
const FIXED_NOW: Duration = Duration::from_secs(946_684_800);

/// The seed of every plugin's "random" numbers; fixed for reproducibility.
const RANDOM_SEED: [u8; 8] = *b"sendpanl";

struct FixedWallClock;

impl HostWallClock for FixedWallClock {
    fn resolution(&self) -> Duration {
        Duration::from_secs(1)
    }
    fn now(&self) -> Duration {
        FIXED_NOW
    }
}

struct FixedMonotonicClock;

impl HostMonotonicClock for FixedMonotonicClock {
    fn resolution(&self) -> u64 {
        1_000_000_000
    }
    fn now(&self) -> u64 {
        0
    }
}

/// Per-evaluation host state: one per `Store`, dropped with it.
pub(super) struct Sandbox {
    /// Built the first time the plugin calls a WASI function: most policies never do,
    /// and building it (clocks, seeded random sources) cost every evaluation time.
    wasi: Option<WasiCtx>,
    table: ResourceTable,
    memory_limit: usize,
    /// Set when the plugin asked for more memory than its cap.
    pub(super) memory_refused: bool,
}

impl Sandbox {
    /// A sandbox capped at `memory_limit` bytes, whose WASI ([`closed_wasi`]) is built
    /// only if the plugin calls it.
    pub(super) fn new(memory_limit: usize) -> Self {
        Self {
            wasi: None,
            table: ResourceTable::new(),
            memory_limit,
            memory_refused: false,
        }
    }
}

/// The WASI a plugin sees when it asks for one: no preopened directories, no
/// environment or arguments, stdin closed, stdout and stderr discarded, no network, a
/// fixed clock and seeded random.
fn closed_wasi() -> WasiCtx {
    WasiCtx::builder()
        .wall_clock(FixedWallClock)
        .monotonic_clock(FixedMonotonicClock)
        .secure_random(Deterministic::new(RANDOM_SEED.to_vec()))
        .insecure_random(Deterministic::new(RANDOM_SEED.to_vec()))
        .insecure_random_seed(u128::from_le_bytes(*b"sendpanel-policy"))
        .allow_tcp(false)
        .allow_udp(false)
        .allow_ip_name_lookup(false)
        .build()
}

impl WasiView for Sandbox {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: self.wasi.get_or_insert_with(closed_wasi),
            table: &mut self.table,
        }
    }
}

/// Table entries one instance may have; generous for Rust's indirect-call tables.
const TABLE_ELEMENTS: usize = 100_000;

impl ResourceLimiter for Sandbox {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.memory_limit {
            self.memory_refused = true;
            // Trapping (rather than returning -1 to memory.grow) stops a plugin that
            // ignores allocation failure from carrying on in a broken state.
            wasmtime::bail!("memory limit of {} bytes reached", self.memory_limit);
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= TABLE_ELEMENTS)
    }
}
