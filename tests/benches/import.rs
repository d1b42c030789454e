//! Importing a large authority's plans from an earlier system on PostgreSQL: 20,000
//! plans (Torbay holds about 1,570; the largest English authorities hold over 15,000),
//! each a child, a request, a case at "plan issued", its events and its open annual
//! review. It times reading and checking the file, the dry run, the import (goal:
//! under 30 seconds in a release build) and the second run, which skips every row.
//!
//! `cargo bench -p sendpanel-tests --bench import` (`-- --quick` for 2,000 plans).
//! It needs `TEST_POSTGRES_URL` (a server it may create a database on) and stops with
//! a message saying so when it is not set: it never skips silently.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use chrono::Days;
use sendpanel_core::domain::UserRole;
use sendpanel_core::import::{ImportFile, ImportKind, ImportMode, import};
use sendpanel_tests::TestDb;
use sendpanel_tests::fixtures::{authority, date, user};
use sendpanel_tests::journey::on;

/// The import's goal for 20,000 plans, in a release build.
const GOAL: Duration = Duration::from_secs(30);

/// A UPN with a valid check letter for Torbay (880).
fn upn(serial: u32) -> String {
    let digits = format!("880{serial:09}");
    let sum: u32 = digits
        .bytes()
        .zip(2u32..)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    let check = b"ABCDEFGHJKLMNPQRTUVWXYZ"[(sum % 23) as usize] as char;
    format!("{check}{digits}")
}

/// `rows` good plans: nine in ten with a UPN, every fourth reviewed, every seventh
/// allocated to the caseworker.
fn plans(rows: u32) -> String {
    let mut text = String::from(
        "reference,given_name,family_name,date_of_birth,upn,plan_issued_on,last_reviewed_on,setting_name,setting_type,primary_need,requested_by,officer_email\n",
    );
    for i in 0..rows {
        let born = date(2008, 1, 1) + Days::new(u64::from(i % 4000));
        let issued = date(2020, 1, 1) + Days::new(u64::from(i % 1400));
        let reviewed = if i.is_multiple_of(4) {
            (issued + Days::new(200)).to_string()
        } else {
            String::new()
        };
        writeln!(
            text,
            "EHCP-{i:06},Sam,Pupil{i},{born},{},{issued},{reviewed},School {},{},{},parent,{}",
            if i % 10 == 9 { String::new() } else { upn(i) },
            i % 60,
            ["mainstream", "special", "resourced_provision"][(i % 3) as usize],
            ["ASD", "SEMH", "SLCN", "MLD"][(i % 4) as usize],
            if i.is_multiple_of(7) {
                "cw@torbay.example"
            } else {
                ""
            },
        )
        .unwrap();
    }
    text
}

fn main() {
    if std::env::var_os("TEST_POSTGRES_URL").is_none() {
        eprintln!(
            "the import benchmark runs on PostgreSQL: set TEST_POSTGRES_URL to a server it may \
             create a database on, e.g. postgres://postgres@127.0.0.1:5432/postgres"
        );
        std::process::exit(2);
    }
    let quick = std::env::args().any(|a| a == "--quick");
    let rows: u32 = if quick { 2_000 } else { 20_000 };
    let test_db = TestDb::postgres().expect("a PostgreSQL test database");
    let db = &test_db.db;
    let scope = authority(db, "torbay", 880).unwrap();
    user(db, &scope, "cw@torbay.example", UserRole::Caseworker).unwrap();
    let clock = on(2025, 6, 1);
    let text = plans(rows);

    let started = Instant::now();
    let file = ImportFile::read(ImportKind::Plans, text.as_bytes(), &clock).unwrap();
    let read = started.elapsed();

    let timed = |mode: ImportMode| {
        let started = Instant::now();
        let mut batches = Vec::new();
        let report = import(db, &scope, &file, mode, None, &clock, &mut |done| {
            batches.push((done, started.elapsed()));
        })
        .unwrap();
        if mode == ImportMode::Import && batches.len() > 2 {
            // Whether a batch slows as the tables grow: the first, the slowest, the last.
            let mut times: Vec<f64> = batches
                .iter()
                .scan(Duration::ZERO, |before, (_, at)| {
                    let took = *at - *before;
                    *before = *at;
                    Some(took.as_secs_f64())
                })
                .collect();
            let (first, last) = (times[0], times[times.len() - 1]);
            times.sort_by(f64::total_cmp);
            println!(
                "  import batches: first {first:.2} s, median {:.2} s, slowest {:.2} s, last {last:.2} s",
                times[times.len() / 2],
                times[times.len() - 1],
            );
        }
        (started.elapsed(), report)
    };
    let (dry, dry_report) = timed(ImportMode::DryRun);
    assert_eq!(
        (dry_report.imported, dry_report.refused),
        (u64::from(rows), 0)
    );
    let (real, report) = timed(ImportMode::Import);
    assert_eq!((report.imported, report.refused), (u64::from(rows), 0));
    let (again, again_report) = timed(ImportMode::Import);
    assert_eq!(
        (again_report.imported, again_report.skipped),
        (0, u64::from(rows))
    );
    let cases = db.read(|tx| tx.list_cases(&scope)).unwrap().len();
    assert_eq!(cases, rows as usize);

    let per_second = |d: Duration| f64::from(rows) / d.as_secs_f64();
    println!("import of {rows} plans on PostgreSQL");
    println!("  read and check the file  {:>8.2} s", read.as_secs_f64());
    println!(
        "  dry run                  {:>8.2} s  {:>8.0} rows/s",
        dry.as_secs_f64(),
        per_second(dry)
    );
    println!(
        "  import                   {:>8.2} s  {:>8.0} rows/s",
        real.as_secs_f64(),
        per_second(real)
    );
    println!(
        "  second run (all skipped) {:>8.2} s  {:>8.0} rows/s",
        again.as_secs_f64(),
        per_second(again)
    );
    let total = read + real;
    if quick {
        return;
    }
    let profile = if cfg!(debug_assertions) {
        "a debug build: the goal applies to `cargo bench` (release)"
    } else {
        "release"
    };
    println!(
        "  goal: 20,000 plans read and imported in under {} s: {} ({:.1} s; {profile})",
        GOAL.as_secs(),
        if total < GOAL { "met" } else { "missed" },
        total.as_secs_f64()
    );
    if total >= GOAL && !cfg!(debug_assertions) {
        std::process::exit(1);
    }
}
