//! A database written before events were typed opens with nothing lost.
//!
//! `fixtures/events-v1.sqlite3` holds 214 events of all 33 kinds exactly as the build
//! before typed events wrote them (commit 14babae): the SQLite databases of twelve of
//! that build's own end-to-end tests, whose events together cover every kind, merged
//! into one file with every row kept. Each source database's authorities were renamed
//! `torbay-2`, `wiltshire-5`... (and its users' e-mails prefixed) so their rows could
//! sit side by side; the payloads are byte for byte as that build wrote them. One
//! event a storage test had appended with a stand-in payload (`{"note":"test"}`),
//! which no command ever wrote, was left out.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::HashSet;
use std::path::Path;

use diesel::{Connection, QueryableByName, RunQueryDsl, SqliteConnection, sql_types::Text};
use sendpanel_core::domain::EventKind;
use sendpanel_core::store::{AuthorityScope, Database, DatabaseUrl, PoolOptions};
use strum::IntoEnumIterator;

/// Kinds added after the build that wrote the fixture, which it cannot hold.
const NEWER_THAN_THE_FIXTURE: [EventKind; 15] = [
    EventKind::AccountChanged,
    EventKind::EvidenceAdded,
    EventKind::AdviceLinkSent,
    EventKind::AdviceChased,
    EventKind::AdviceLinkRevoked,
    EventKind::CaseAllocated,
    EventKind::RequestWithdrawn,
    EventKind::CaseClosed,
    EventKind::CaseReopened,
    EventKind::ChildDetailsCorrected,
    EventKind::CaseNoteRecorded,
    EventKind::PlacementDecided,
    EventKind::FundingCommitted,
    EventKind::PlanImported,
    EventKind::RequestImported,
];

#[derive(QueryableByName)]
struct StoredRow {
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = Text)]
    payload: String,
}

/// A copy of the fixture in a temporary folder, so the test never changes the original.
fn copy_of_fixture() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/events-v1.sqlite3"),
        &path,
    )
    .unwrap();
    (dir, path)
}

/// Drops the keys whose value is null: the typed form leaves out an absent optional
/// field that the old code wrote as `null`, which says the same.
fn without_nulls(value: serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Object(map) => map
            .into_iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| (k, without_nulls(v)))
            .collect(),
        serde_json::Value::Array(items) => items.into_iter().map(without_nulls).collect(),
        other => other,
    }
}

#[test]
fn every_event_an_older_build_wrote_reads_back_typed_with_nothing_lost() {
    let (_dir, path) = copy_of_fixture();
    // What the older build stored, read straight from the file.
    let mut raw = SqliteConnection::establish(path.to_str().unwrap()).unwrap();
    let stored: Vec<StoredRow> = diesel::sql_query("SELECT id, payload FROM events ORDER BY id")
        .load(&mut raw)
        .unwrap();
    drop(raw);
    assert_eq!(stored.len(), 214);

    // This build opens it, brings its schema up to date, and reads every event typed.
    let db = Database::open(
        DatabaseUrl::parse(&format!("sqlite://{}", path.display())).unwrap(),
        PoolOptions::default(),
    )
    .unwrap();
    db.migrate().unwrap();
    let mut read = Vec::new();
    for authority in db.read(|tx| tx.list_authorities()).unwrap() {
        let scope = AuthorityScope::new(authority.id);
        read.extend(db.read(|tx| tx.list_events(&scope, None)).unwrap());
    }
    assert_eq!(read.len(), stored.len(), "every event reads back");
    let kinds: HashSet<EventKind> = read.iter().map(|e| e.kind()).collect();
    assert_eq!(
        kinds,
        EventKind::iter()
            .filter(|kind| !NEWER_THAN_THE_FIXTURE.contains(kind))
            .collect::<HashSet<_>>(),
        "the fixture covers every kind that build could write"
    );
    // Nothing lost: each typed event writes back what was stored, field for field.
    for row in &stored {
        let event = read
            .iter()
            .find(|e| e.id.to_string() == row.id)
            .unwrap_or_else(|| panic!("event {} was not read back", row.id));
        let before: serde_json::Value = serde_json::from_str(&row.payload).unwrap();
        let after = event.fact.to_payload().unwrap();
        assert_eq!(
            without_nulls(after),
            without_nulls(before),
            "{} {}",
            event.kind(),
            row.id
        );
        assert_eq!(event.schema_version, 1);
    }
}
