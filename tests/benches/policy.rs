//! How fast is advice? Torbay's graduated-response criteria evaluated in a fresh sandbox
//! (new store, new pooled instance, fuel, the contract's checks and the JSON record)
//! against the very same criteria compiled as native Rust, side by side in one run.
//!
//! `cargo bench -p sendpanel-tests --bench policy` (add `-- --quick` for a short run).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use sendpanel_core::policy::contract::TestCall;
use sendpanel_core::policy::{Limits, Outcome, PolicyHost};
use sendpanel_plugin::Guest;
use sendpanel_plugin_torbay::Torbay;
use sendpanel_tests::plugins::wasm;

struct Figures {
    per_second: f64,
    median: Duration,
    p99: Duration,
}

fn measure(iterations: usize, mut once: impl FnMut()) -> Figures {
    for _ in 0..iterations / 10 {
        once();
    }
    let mut samples = Vec::with_capacity(iterations);
    let started = Instant::now();
    for _ in 0..iterations {
        let t = Instant::now();
        once();
        samples.push(t.elapsed());
    }
    let total = started.elapsed();
    samples.sort_unstable();
    Figures {
        per_second: iterations as f64 / total.as_secs_f64(),
        median: samples[samples.len() / 2],
        p99: samples[samples.len() * 99 / 100],
    }
}

fn print(label: &str, f: &Figures) {
    println!(
        "{label:<44} {:>12.0} /s   median {:>9.2} µs   p99 {:>9.2} µs",
        f.per_second,
        f.median.as_secs_f64() * 1e6,
        f.p99.as_secs_f64() * 1e6
    );
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let iterations = if quick { 2_000 } else { 50_000 };

    let host = PolicyHost::new(Limits::default(), None).unwrap();
    let plugin = host.load(&wasm("sendpanel-plugin-torbay")).unwrap();
    let facts = plugin
        .test_vectors()
        .unwrap()
        .into_iter()
        .find_map(|v| match v.call {
            TestCall::GraduatedResponse(f) => Some(f),
            _ => None,
        })
        .unwrap();
    let native_facts = Torbay::test_vectors()
        .into_iter()
        .find_map(|v| match v.call {
            sendpanel_plugin::types::TestCall::GraduatedResponse(f) => Some(f),
            _ => None,
        })
        .unwrap();

    let first = plugin.graduated_response(&facts);
    assert!(matches!(first.outcome, Outcome::Advice(_)));
    println!(
        "Torbay graduated-response criteria, {iterations} evaluations each (fuel per call: {})",
        first.fuel_used
    );

    let sandboxed = measure(iterations, || {
        black_box(plugin.graduated_response(black_box(&facts)));
    });
    print("fresh sandbox per evaluation (wasmtime)", &sandboxed);

    let native = measure(iterations, || {
        black_box(Torbay::graduated_response(black_box(native_facts.clone())).ok());
    });
    print("same criteria as native Rust", &native);

    println!(
        "sandbox overhead: {:.1}x the native median; target median <= 10 µs: {}",
        sandboxed.median.as_secs_f64() / native.median.as_secs_f64(),
        if sandboxed.median <= Duration::from_micros(10) {
            "met"
        } else {
            "NOT met"
        }
    );
}
