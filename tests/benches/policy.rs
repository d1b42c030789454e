//! How fast is advice? Torbay's graduated-response criteria evaluated in a fresh sandbox
//! (new store, new pooled instance, fuel, the contract's checks and the JSON record)
//! against the very same criteria compiled as native Rust, side by side in one run.
//!
//! Beside them, the same plugin built without WASI (`wasm32-unknown-unknown`, made a
//! component with `wit-component`) when that target is installed: issue 16 asks for
//! such builds to be the SDK's default if they are faster.
//!
//! And the floor: the same facts sent to a plugin that answers at once, which is what a
//! fresh sandbox costs before any policy runs.
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

/// Torbay's plugin built without WASI: for `wasm32-unknown-unknown` (no imports at
/// all), made into a component with `wit-component`, as issue 16's faster sandbox would
/// have the SDK build every plugin. `None`, saying why, when it cannot be built here
/// (the target not installed, say): the benchmark then measures today's build alone.
fn wasi_free_torbay() -> Option<Vec<u8>> {
    let root = sendpanel_tests::plugins::workspace_root();
    let target_dir = root.join("target").join("plugins-wasi-free");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let built = std::process::Command::new(cargo)
        .current_dir(&root)
        .env("CARGO_TARGET_DIR", &target_dir)
        .args([
            "build",
            "--profile",
            "plugin",
            "--target",
            "wasm32-unknown-unknown",
            "-p",
            "sendpanel-plugin-torbay",
        ])
        .output()
        .ok()?;
    if !built.status.success() {
        println!(
            "(no WASI-free build: {})",
            String::from_utf8_lossy(&built.stderr)
                .lines()
                .last()
                .unwrap_or("cargo failed")
        );
        return None;
    }
    let module = std::fs::read(
        target_dir
            .join("wasm32-unknown-unknown")
            .join("plugin")
            .join("sendpanel_plugin_torbay.wasm"),
    )
    .ok()?;
    wit_component::ComponentEncoder::default()
        .module(&module)
        .and_then(|encoder| encoder.validate(true).encode())
        .map_err(|e| println!("(no WASI-free component: {e:#})"))
        .ok()
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
    print("fresh sandbox per evaluation (wasmtime)", &sandboxed);

    // The same plugin built without WASI gives the same answer, to the byte.
    let wasi_free = wasi_free_torbay().map(|bytes| host.load(&bytes).unwrap());
    let without_wasi = wasi_free.as_ref().map(|free| {
        assert_eq!(
            free.graduated_response(&facts).output_json,
            first.output_json,
            "the WASI-free build answers as the WASI one does"
        );
        let figures = measure(iterations, || {
            black_box(free.graduated_response(black_box(&facts)));
        });
        print("fresh sandbox, plugin built without WASI", &figures);
        figures
    });

    // The floor: the same facts, to a plugin that answers at once (the hostile test
    // plugin `trap`, whose next steps are a fixed plan with no criteria weighed). It is
    // what the sandbox costs before any policy runs: a fresh instance, fuel, the facts
    // lowered into it, the answer lifted, checked and recorded as JSON.
    let at_once = host.load(&wasm("sendpanel-hostile-trap")).unwrap();
    assert!(matches!(
        at_once.next_steps(&facts).outcome,
        Outcome::Advice(_)
    ));
    let floor = measure(iterations, || {
        black_box(at_once.next_steps(black_box(&facts)));
    });
    print("fresh sandbox, a plugin that answers at once", &floor);

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
    println!(
        "the sandbox's own floor (a plugin that answers at once): {:.1}x the native median",
        floor.median.as_secs_f64() / native.median.as_secs_f64()
    );
    if let Some(free) = without_wasi {
        let times = free.median.as_secs_f64() / native.median.as_secs_f64();
        println!(
            "without WASI: {times:.1}x the native median; issue 16's target (at most 4x): {}",
            if times <= 4.0 { "met" } else { "NOT met" }
        );
    }
}
