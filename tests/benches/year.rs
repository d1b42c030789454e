//! A synthetic year for one large authority: 3,000 requests received from 1 September
//! 2023 to 30 August 2024, each taken through its whole journey with the core workflow
//! commands, on SQLite and on PostgreSQL. Every request is logged, advised on by
//! Torbay's plugin in its sandbox (recorded on the case) and decided; one in three is
//! refused and its next-steps meeting recorded (some of those move to assessment); the
//! assessed ask for and receive EP, health, social care and setting advice, are decided
//! on issue, and most go on to a draft and a final plan; plans issued early enough for
//! their first annual review to be decided by 31 August 2025 (the end of the following
//! school year) have the review meeting and decision. The journeys and their set-up are
//! in `sendpanel_tests::synthetic`, shared with the national benchmark
//! (`benches/nation.rs`), so the two replay the same work.
//!
//! Each backend replays the year twice, each time on a fresh database set up the same
//! way (authority, users, the plugin vetted, installed and loaded into the catalogue, so
//! no run times a plugin compile): once with one client, and once with 8 clients, that
//! is 8 threads sharing one `Database` (and so its pool) and one plugin catalogue,
//! journey `serial` going to thread `serial % 8`, all released together by a barrier.
//! The journeys are the same in both modes and on both backends (checked). For each
//! (backend, clients) it reports:
//! - requests and commands run; a command is one workflow call (the plugin advice is
//!   one too);
//! - wall seconds, from the barrier to the end of the last client, and commands/s;
//! - the median and p99 (nearest rank) of one command's time, an `Instant` around each
//!   call, so with 8 clients it includes waiting for a pooled connection and, on SQLite,
//!   for the process's single writer (the PostgreSQL test pool has 4 connections);
//! - the process's peak RSS (`VmHWM` in `/proc/self/status`) when the run ended: a
//!   high-water mark, so each row's figure includes every run before it.
//!
//! The shares are illustrative, not any authority's figures: they exist so that every
//! kind of command runs in a realistic proportion.
//!
//! `cargo bench -p sendpanel-tests --bench year` (`-- --quick` for 300 requests).
//! PostgreSQL comes from `TEST_POSTGRES_URL` as for the tests.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Barrier;
use std::time::{Duration, Instant};

use sendpanel_core::policy::PluginCatalogue;
use sendpanel_core::store::Database;
use sendpanel_tests::TestDb;
use sendpanel_tests::synthetic::{
    Authority, CHILDREN, Journeys, Plugins, Replay, Tally, journey, load_in_force, peak_rss_kb,
    percentile,
};

/// The clients of the concurrent mode. Journeys for the same child (`serial %
/// CHILDREN`, see [`journey`]) land on the same client, in order, because 1000 is a
/// multiple of 8.
const CLIENTS: u16 = 8;
const _: () = assert!(CHILDREN.is_multiple_of(CLIENTS));

/// One replay of the year: what it did and how long it took.
struct Run {
    clients: u16,
    requests: u32,
    commands: u32,
    wall: Duration,
    median: Duration,
    p99: Duration,
    journeys: Journeys,
}

/// Replays `requests` journeys on `db` (fresh, set up here) with `clients` threads,
/// journey `serial` on thread `serial % clients`.
fn year(db: Database, plugins: &Plugins, requests: u16, clients: u16) -> Run {
    let torbay = Authority::set_up(&db, plugins, "torbay", 880);
    let catalogue = PluginCatalogue::new(plugins.host.clone());
    load_in_force(&db, &catalogue, &torbay);
    let replay = Replay::new(db, catalogue, plugins.facts.clone());
    let barrier = Barrier::new(usize::from(clients));
    let clients_ran: Vec<(Instant, Instant, Tally)> = std::thread::scope(|s| {
        let threads: Vec<_> = (0..clients)
            .map(|client| {
                let (replay, torbay, barrier) = (&replay, &torbay, &barrier);
                s.spawn(move || {
                    let mut tally = Tally::default();
                    barrier.wait();
                    let started = Instant::now();
                    for serial in (client..requests).step_by(usize::from(clients)) {
                        tally += journey(replay, torbay, serial);
                    }
                    (started, Instant::now(), tally)
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    });
    let started = clients_ran.iter().map(|r| r.0).min().unwrap();
    let finished = clients_ran.iter().map(|r| r.1).max().unwrap();
    let mut tally = Tally::default();
    for (_, _, counted) in clients_ran {
        tally += counted;
    }
    tally.times.sort_unstable();
    Run {
        clients,
        requests: u32::from(requests),
        commands: u32::try_from(tally.times.len()).unwrap(),
        wall: finished - started,
        median: percentile(&tally.times, 50),
        p99: percentile(&tally.times, 99),
        journeys: tally.journeys,
    }
}

fn report(backend: &str, run: &Run) {
    let secs = run.wall.as_secs_f64();
    let rss = peak_rss_kb().map_or_else(
        || "n/a".to_owned(),
        |kb| format!("{:.1}", kb as f64 / 1024.0),
    );
    println!(
        "{backend:<11} {:>7} {:>8} {:>9} {:>8.1} {:>11.1} {:>10.2} {:>9.2} {:>13}",
        run.clients,
        run.requests,
        run.commands,
        secs,
        f64::from(run.commands) / secs,
        run.median.as_secs_f64() * 1e3,
        run.p99.as_secs_f64() * 1e3,
        rss,
    );
}

/// Opens a fresh, migrated test database on one backend.
type FreshDb = fn() -> anyhow::Result<TestDb>;

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let requests = if quick { 300 } else { 3_000 };
    println!(
        "A synthetic year: {requests} requests with their full journeys, plugin advice included"
    );
    println!(
        "{:<11} {:>7} {:>8} {:>9} {:>8} {:>11} {:>10} {:>9} {:>13}",
        "backend",
        "clients",
        "requests",
        "commands",
        "wall s",
        "commands/s",
        "median ms",
        "p99 ms",
        "peak RSS MiB"
    );
    let plugins = Plugins::torbay();
    let mut runs: Vec<Run> = Vec::new();
    let backends: [(&str, FreshDb); 2] =
        [("SQLite", TestDb::sqlite), ("PostgreSQL", TestDb::postgres)];
    for (backend, fresh) in backends {
        for clients in [1, CLIENTS] {
            // A fresh database for each mode: the second replay would find the first's
            // children and cases otherwise.
            let test_db = fresh().unwrap();
            let run = year(test_db.db.clone(), &plugins, requests, clients);
            drop(test_db);
            report(backend, &run);
            runs.push(run);
        }
    }
    // The same journeys everywhere, or the figures would not compare like with like.
    let first = &runs[0];
    for run in &runs[1..] {
        assert_eq!(first.journeys, run.journeys);
        assert_eq!(first.commands, run.commands);
    }
    println!(
        "Commands timed one by one (median and p99 by nearest rank); with {CLIENTS} clients \
         a command's time includes queueing for the shared pool and, on SQLite, the writer lock"
    );
    println!(
        "Peak RSS is the process's high-water mark (VmHWM) when the row's run ended: it never \
         falls, so each row includes the rows above it"
    );
    let j = first.journeys;
    println!(
        "Journeys: {} refused ({} moved to assessment by the next-steps meeting), {} assessed, \
         {} not to issue, {} final plans, {} first annual reviews decided ({} amended, {} ceased)",
        j.refused,
        j.moved_to_assessment,
        j.assessed,
        j.not_to_issue,
        j.plans,
        j.reviews,
        j.amended,
        j.ceased
    );
}
