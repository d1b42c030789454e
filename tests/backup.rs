//! `sendpanel backup`: a copy of a live SQLite database taken while requests are being
//! received is a whole database as of one moment: it opens, passes SQLite's integrity
//! check, migrates as current, and every case in it has what its request's
//! transaction wrote (the child, the event, the six-week limit) and nothing half
//! written. PostgreSQL is refused, naming pg_dump; a pg_dump restored with pg_restore
//! is whole too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use sendpanel_core::domain::DeadlineKind;
use sendpanel_core::store::{Database, DatabaseUrl, PoolOptions, StoreError};
use sendpanel_core::workflow::receive_request;
use sendpanel_tests::TestDb;
use sendpanel_tests::journey::{on, request};
use sendpanel_tests::panels::torbay;

#[test]
fn a_backup_taken_during_writes_restores_whole() {
    let test_db = TestDb::sqlite().unwrap();
    let db = test_db.db.clone();
    let (scope, _) = torbay(&db).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let written = Arc::new(AtomicUsize::new(0));
    let writer = std::thread::spawn({
        let (db, scope, stop, written) = (db.clone(), scope.clone(), stop.clone(), written.clone());
        move || {
            let mut serial = 1u16;
            while !stop.load(Ordering::SeqCst) && serial < 5_000 {
                receive_request(&db, &scope, &request(serial), None, &on(2023, 9, 4)).unwrap();
                written.fetch_add(1, Ordering::SeqCst);
                serial += 1;
            }
        }
    });
    while written.load(Ordering::SeqCst) < 20 {
        std::thread::yield_now();
    }
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("backup.db");
    db.backup_to(&copy).unwrap();
    let at_backup = written.load(Ordering::SeqCst);
    // Writes go on after the copy.
    while written.load(Ordering::SeqCst) < at_backup + 10 {
        std::thread::yield_now();
    }
    stop.store(true, Ordering::SeqCst);
    writer.join().unwrap();
    let total = written.load(Ordering::SeqCst);

    // A second backup to the same file is refused rather than overwriting it.
    assert!(matches!(db.backup_to(&copy), Err(StoreError::Refused(_))));

    let restored = Database::open(
        DatabaseUrl::parse(&format!("sqlite://{}", copy.display())).unwrap(),
        PoolOptions::default(),
    )
    .unwrap();
    assert!(
        restored.migrate().unwrap().is_empty(),
        "the copy's schema is current"
    );
    let cases = restored.read(|tx| tx.list_cases(&scope)).unwrap();
    assert!(
        cases.len() >= 20 && cases.len() < total,
        "the copy holds {} of {total} cases: it should be a moment during the writes",
        cases.len()
    );
    for case in &cases {
        let (events, deadlines) = restored
            .read(|tx| {
                Ok((
                    tx.list_events(&scope, Some(case.id))?,
                    tx.list_deadlines(&scope, case.id)?,
                ))
            })
            .unwrap();
        assert!(!events.is_empty(), "case {} without its event", case.id);
        assert!(
            deadlines
                .iter()
                .any(|d| d.kind == DeadlineKind::DecideWhetherToAssess),
            "case {} without its six weeks",
            case.id
        );
    }
    restored.check_integrity().unwrap();
}

/// PostgreSQL's backup is its own tools, as `sendpanel backup` says: `pg_dump` of a
/// database holding cases, restored with `pg_restore` into another, is current (no
/// migration pending) and holds the same cases with their limits.
#[test]
fn postgresql_is_backed_up_with_pg_dump_and_restored_with_pg_restore() {
    let source = TestDb::postgres().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let refused = source
        .db
        .backup_to(&dir.path().join("backup.db"))
        .unwrap_err();
    assert!(refused.to_string().contains("pg_dump"), "{refused}");

    let (scope, _) = torbay(&source.db).unwrap();
    for serial in 1..=5 {
        receive_request(&source.db, &scope, &request(serial), None, &on(2023, 9, 4)).unwrap();
    }
    let dump = dir.path().join("sendpanel.dump");
    let dumped = std::process::Command::new("pg_dump")
        .arg("--format=custom")
        .arg(format!("--file={}", dump.display()))
        .arg(source.url())
        .output()
        .expect("pg_dump runs (PostgreSQL's client tools)");
    assert!(
        dumped.status.success(),
        "pg_dump: {}",
        String::from_utf8_lossy(&dumped.stderr)
    );

    // Restored over a second database (its own tables replaced by the dump's).
    let target = TestDb::postgres().unwrap();
    let restored = std::process::Command::new("pg_restore")
        .args(["--clean", "--if-exists", "--no-owner"])
        .arg(format!("--dbname={}", target.url()))
        .arg(&dump)
        .output()
        .expect("pg_restore runs");
    assert!(
        restored.status.success(),
        "pg_restore: {}",
        String::from_utf8_lossy(&restored.stderr)
    );
    let restored = Database::open(
        DatabaseUrl::parse(&target.url()).unwrap(),
        PoolOptions::default(),
    )
    .unwrap();
    assert!(
        restored.migrate().unwrap().is_empty(),
        "the restored schema is current"
    );
    let before = source.db.read(|tx| tx.list_cases(&scope)).unwrap();
    let after = restored.read(|tx| tx.list_cases(&scope)).unwrap();
    assert_eq!(after.len(), 5);
    assert_eq!(
        after.iter().map(|c| c.id).collect::<Vec<_>>(),
        before.iter().map(|c| c.id).collect::<Vec<_>>()
    );
    for case in &after {
        let deadlines = restored
            .read(|tx| tx.list_deadlines(&scope, case.id))
            .unwrap();
        assert!(
            deadlines
                .iter()
                .any(|d| d.kind == DeadlineKind::DecideWhetherToAssess)
        );
    }
}
