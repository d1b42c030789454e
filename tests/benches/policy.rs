//! How fast is advice? Torbay's graduated-response criteria evaluated in a fresh sandbox
//! (new store, new pooled instance, fuel, the contract's checks and the JSON record)
//! against the very same criteria compiled as native Rust, side by side in one run.
//!
//! Two builds of the plugin: as the SDK builds it by default, without WASI
//! (`wasm32-unknown-unknown` made a component by `sendpanel plugin componentize`), and
//! with WASI (`wasm32-wasip2`), which the host still loads.
//!
//! And the floor, for each build: the same facts sent to a plugin that answers at once,
//! which is what a fresh sandbox costs before any policy runs.
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

use sendpanel_core::policy::{Limits, Outcome, PolicyHost};
use sendpanel_plugin::Guest;
use sendpanel_plugin_torbay::Torbay;
use sendpanel_tests::plugins::{wasm, wasm_with_wasi, wasm_without_wasi};

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
    let facts = sendpanel_tests::plugins::graduated_response_facts(&plugin);
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
    print("fresh sandbox, as the SDK builds it", &sandboxed);

    // The same plugin built with WASI gives the same answer, to the byte.
    let with_wasi = host
        .load(&wasm_with_wasi("sendpanel-plugin-torbay"))
        .unwrap();
    assert_eq!(
        with_wasi.graduated_response(&facts).output_json,
        first.output_json,
        "the WASI build answers as the SDK's does"
    );
    let sandboxed_with_wasi = measure(iterations, || {
        black_box(with_wasi.graduated_response(black_box(&facts)));
    });
    print(
        "  the same, built with WASI (wasm32-wasip2)",
        &sandboxed_with_wasi,
    );

    // The floor: the same facts, to a plugin that answers at once (the hostile test
    // plugin `trap`, whose next steps are a fixed plan with no criteria weighed). It is
    // what the sandbox costs before any policy runs: a fresh instance, fuel, the facts
    // lowered into it, the answer lifted, checked and recorded as JSON.
    let floor_of = |bytes: Vec<u8>| {
        let at_once = host.load(&bytes).unwrap();
        assert!(matches!(
            at_once.next_steps(&facts).outcome,
            Outcome::Advice(_)
        ));
        measure(iterations, || {
            black_box(at_once.next_steps(black_box(&facts)));
        })
    };
    let floor = floor_of(wasm_without_wasi("sendpanel-hostile-trap"));
    print("fresh sandbox, a plugin that answers at once", &floor);
    let floor_with_wasi = floor_of(wasm_with_wasi("sendpanel-hostile-trap"));
    print("  the same, built with WASI", &floor_with_wasi);

    let native = measure(iterations, || {
        black_box(Torbay::graduated_response(black_box(native_facts.clone())).ok());
    });
    print("same criteria as native Rust", &native);

    let times = |f: &Figures| f.median.as_secs_f64() / native.median.as_secs_f64();
    println!(
        "as the SDK builds it: {:.1}x the native median (with WASI: {:.1}x); issue 16's target (at most 4x): {}",
        times(&sandboxed),
        times(&sandboxed_with_wasi),
        if times(&sandboxed) <= 4.0 {
            "met"
        } else {
            "NOT met"
        }
    );
    println!(
        "the sandbox's own floor (a plugin that answers at once): {:.1}x the native median (with WASI: {:.1}x)",
        times(&floor),
        times(&floor_with_wasi)
    );
}
