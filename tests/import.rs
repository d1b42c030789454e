//! Bulk import from an earlier system (plans and open requests), on both databases: a
//! dry run names every bad row and column and writes nothing; the real run imports the
//! good rows with their limits, skips nothing it should not, and a second run imports
//! none.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;

use chrono::{Duration, NaiveDate};
use sendpanel_core::clock::limits;
use sendpanel_core::domain::{CaseStage, DeadlineKind, DeadlineStatus, EventKind, UserRole};
use sendpanel_core::events::CaseEvent;
use sendpanel_core::import::{
    IMPORTED_REQUESTER, ImportFile, ImportKind, ImportMode, ImportReport, import,
};
use sendpanel_core::store::{AuthorityScope, Database};
use sendpanel_core::time::FixedClock;
use sendpanel_tests::both_backends;
use sendpanel_tests::fixtures::{authority, date, user};
use sendpanel_tests::journey::on;

const PLAN_HEADER: &str = "reference,given_name,family_name,date_of_birth,upn,authority_reference,nhs_number,sex,plan_issued_on,last_reviewed_on,setting_name,setting_type,primary_need,requested_by,officer_email";

/// Today, for every test here: 1 June 2025.
fn today() -> FixedClock {
    on(2025, 6, 1)
}

/// A UPN with a valid check letter, for Torbay (880) and any serial below 10^9.
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

/// The same UPN with a wrong check letter.
fn bad_check_letter(serial: u32) -> String {
    let good = upn(serial);
    let wrong = if good.starts_with('A') { 'B' } else { 'A' };
    format!("{wrong}{}", &good[1..])
}

/// One plan row's cells, in `PLAN_HEADER`'s order.
#[derive(Clone)]
struct PlanRow {
    cells: [String; 15],
}

impl PlanRow {
    fn set(&mut self, column: &str, value: &str) {
        let i = PLAN_HEADER.split(',').position(|c| c == column).unwrap();
        self.cells[i] = value.to_owned();
    }
    fn get(&self, column: &str) -> &str {
        let i = PLAN_HEADER.split(',').position(|c| c == column).unwrap();
        &self.cells[i]
    }
}

/// A good plan row for child `i`: most with a UPN, some with only the authority's
/// reference, some with neither; every fourth reviewed since its issue; every seventh
/// allocated to the caseworker.
fn good_plan(i: u32) -> PlanRow {
    let born = date(2010, 1, 1) + Duration::days(i64::from(i % 1500));
    let issued = date(2020, 1, 1) + Duration::days(i64::from(i % 1400));
    let (upn_cell, reference) = match i % 10 {
        1 => (String::new(), format!("TB-{i:05}")),
        2 => (String::new(), String::new()),
        _ => (upn(i), String::new()),
    };
    let reviewed = if i.is_multiple_of(4) {
        (issued + Duration::days(200)).to_string()
    } else {
        String::new()
    };
    PlanRow {
        cells: [
            format!("EHCP-{i:05}"),
            "Sam".into(),
            format!("Pupil{i}"),
            // Both ways of writing a date a spreadsheet produces.
            if i.is_multiple_of(3) {
                born.format("%d/%m/%Y").to_string()
            } else {
                born.to_string()
            },
            upn_cell,
            reference,
            String::new(),
            ["M", "F", "U", ""][(i % 4) as usize].into(),
            issued.to_string(),
            reviewed,
            format!("School {}", i % 40),
            ["mainstream", "special", "resourced_provision"][(i % 3) as usize].into(),
            ["ASD", "SEMH", "slcn", "MLD"][(i % 4) as usize].into(),
            ["parent", "setting"][(i % 2) as usize].into(),
            if i.is_multiple_of(7) {
                "cw@torbay.example".into()
            } else {
                String::new()
            },
        ],
    }
}

fn csv(header: &str, rows: &[PlanRow]) -> String {
    let mut text = format!("{header}\n");
    for row in rows {
        writeln!(text, "{}", row.cells.join(",")).unwrap();
    }
    text
}

/// 2,000 plan rows with exactly 20 bad ones, each bad in one column: the file, and the
/// (row, column) pairs a dry run must name.
fn plans_file() -> (String, BTreeSet<(u64, String)>) {
    let mut rows: Vec<PlanRow> = (0..2000).map(good_plan).collect();
    let mut bad = BTreeSet::new();
    let mut spoil = |index: usize, column: &str, value: &str, rows: &mut Vec<PlanRow>| {
        rows[index].set(column, value);
        bad.insert((index as u64 + 2, column.to_owned()));
    };
    spoil(13, "upn", &bad_check_letter(13), &mut rows);
    spoil(100, "family_name", "", &mut rows);
    spoil(211, "date_of_birth", "2026-01-01", &mut rows);
    spoil(305, "officer_email", "nobody@torbay.example", &mut rows);
    spoil(407, "primary_need", "DYSLEXIA", &mut rows);
    let earlier = rows[10].get("reference").to_owned();
    spoil(503, "reference", &earlier, &mut rows);
    rows[611].set("date_of_birth", "2015-05-01");
    spoil(611, "plan_issued_on", "2015-01-01", &mut rows);
    spoil(702, "plan_issued_on", "2025-06-02", &mut rows);
    let issued = rows[803].get("plan_issued_on").to_owned();
    let before: NaiveDate = issued.parse::<NaiveDate>().unwrap() - Duration::days(1);
    spoil(803, "last_reviewed_on", &before.to_string(), &mut rows);
    spoil(904, "setting_type", "academy", &mut rows);
    spoil(1005, "requested_by", "grandparent", &mut rows);
    spoil(1106, "date_of_birth", "31/13/2015", &mut rows);
    spoil(1207, "sex", "X", &mut rows);
    spoil(1303, "nhs_number", "1234567890", &mut rows);
    spoil(1409, "setting_name", "", &mut rows);
    spoil(1501, "authority_reference", "TB 12!", &mut rows);
    spoil(1602, "reference", "", &mut rows);
    spoil(1705, "last_reviewed_on", "2025-07-01", &mut rows);
    spoil(1803, "upn", "A12345", &mut rows);
    spoil(1906, "officer_email", "member@torbay.example", &mut rows);
    assert_eq!(bad.len(), 20);
    (csv(PLAN_HEADER, &rows), bad)
}

struct World {
    scope: AuthorityScope,
    caseworker: sendpanel_core::domain::User,
}

/// Torbay with a caseworker, an admin and a panel member (who holds no caseload).
fn world(db: &Database) -> World {
    let scope = authority(db, "torbay", 880).unwrap();
    let caseworker = user(db, &scope, "cw@torbay.example", UserRole::Caseworker).unwrap();
    user(db, &scope, "admin@torbay.example", UserRole::Admin).unwrap();
    user(db, &scope, "member@torbay.example", UserRole::PanelMember).unwrap();
    World { scope, caseworker }
}

fn run(
    db: &Database,
    w: &World,
    kind: ImportKind,
    text: &str,
    mode: ImportMode,
) -> anyhow::Result<ImportReport> {
    let clock = today();
    let file = ImportFile::read(kind, text.as_bytes(), &clock)?;
    let mut seen = Vec::new();
    let report = import(db, &w.scope, &file, mode, None, &clock, &mut |done| {
        seen.push(done);
    })?;
    // Progress is told after every batch, and reaches the whole file.
    assert_eq!(seen.last().copied(), Some(file.len()));
    assert!(seen.windows(2).all(|p| p[0] < p[1]), "{seen:?}");
    Ok(report)
}

fn named(report: &ImportReport) -> BTreeSet<(u64, String)> {
    report
        .problems
        .iter()
        .map(|p| (p.row, p.column.clone()))
        .collect()
}

/// How many rows the import could have written, table by table.
fn counts(db: &Database, scope: &AuthorityScope) -> (usize, usize, usize, usize) {
    db.read(|tx| {
        Ok((
            tx.list_cases(scope)?.len(),
            tx.list_children(scope)?.len(),
            tx.list_requests(scope)?.len(),
            tx.list_events(scope, None)?.len(),
        ))
    })
    .unwrap()
}

both_backends! {
    fn a_dry_run_names_exactly_the_bad_rows_and_writes_nothing(db) {
        let w = world(db);
        let (text, bad) = plans_file();
        let before = counts(db, &w.scope);
        let report = run(db, &w, ImportKind::Plans, &text, ImportMode::DryRun)?;
        assert_eq!(named(&report), bad, "{:#?}", report.problems);
        assert_eq!(report.problems.len(), 20, "one problem per bad row");
        assert!(report.dry_run);
        assert_eq!((report.rows, report.imported, report.skipped, report.refused), (2000, 1980, 0, 20));
        assert_eq!(counts(db, &w.scope), before, "a dry run writes nothing");
        assert_eq!(before.0, 0);

        // Each problem says what is wrong, as the domain words it.
        let rule = |row: u64| {
            report.problems.iter().find(|p| p.row == row).unwrap().to_string()
        };
        assert!(rule(15).starts_with("row 15, upn: the check letter does not match"), "{}", rule(15));
        assert!(rule(213).contains("2026-01-01 is in the future"), "{}", rule(213));
        assert!(rule(307).contains("nobody@torbay.example is not an enabled caseworker or admin"), "{}", rule(307));
        assert!(rule(505).contains("is already on row 12 of this file"), "{}", rule(505));
        assert!(rule(613).contains("before the child's date of birth"), "{}", rule(613));
        assert!(rule(1908).contains("member@torbay.example is not an enabled caseworker or admin"), "{}", rule(1908));
        Ok(())
    }

    fn the_real_run_imports_the_good_rows_once_with_their_annual_reviews(db) {
        let w = world(db);
        let (text, bad) = plans_file();
        let report = run(db, &w, ImportKind::Plans, &text, ImportMode::Import)?;
        assert!(!report.dry_run);
        assert_eq!((report.imported, report.skipped, report.refused), (1980, 0, 20));
        assert_eq!(named(&report), bad);

        let (cases, children, requests, _) = counts(db, &w.scope);
        assert_eq!((cases, children, requests), (1980, 1980, 1980));

        // A second run imports none and skips every row it imported.
        let again = run(db, &w, ImportKind::Plans, &text, ImportMode::Import)?;
        assert_eq!((again.imported, again.skipped, again.refused), (0, 1980, 20));
        assert_eq!(counts(db, &w.scope).0, 1980);

        // Every imported plan is maintained, with its annual review open on the last
        // day of the 12 months starting with its issue or, if reviewed, its last review.
        let rows: HashMap<String, PlanRow> = (0..2000)
            .map(good_plan)
            .map(|r| (r.get("reference").to_owned(), r))
            .collect();
        let (all, open) = db.read(|tx| Ok((tx.list_cases(&w.scope)?, tx.list_open_deadlines(&w.scope)?)))?;
        let by_case: HashMap<_, _> = open.iter().map(|d| (d.case_id, d)).collect();
        assert_eq!(open.len(), 1980, "one open limit per plan");
        for case in &all {
            assert_eq!(case.stage, CaseStage::PlanIssued);
            let reference = case.external_reference.as_deref().unwrap();
            let row = &rows[reference];
            assert_eq!(case.setting_name.as_deref(), Some(row.get("setting_name")));
            let start: NaiveDate = match row.get("last_reviewed_on") {
                "" => row.get("plan_issued_on").parse()?,
                reviewed => reviewed.parse()?,
            };
            let deadline = by_case[&case.id];
            assert_eq!(deadline.kind, DeadlineKind::AnnualReview);
            assert_eq!(deadline.status, DeadlineStatus::Open);
            assert_eq!(deadline.due_on, limits::ANNUAL_REVIEW.calendar_due(start, None)?);
            let allocated = !row.get("officer_email").is_empty();
            assert_eq!(case.officer_id, allocated.then_some(w.caseworker.id), "{reference}");
        }
        // Two on known days: issued 10 March 2020 (row index 69), due 9 March 2021; and
        // reviewed 200 days after an issue on 1 January 2020 (index 0): 19 July 2020,
        // so due 18 July 2021.
        let case_of = |reference: &str| all.iter().find(|c| c.external_reference.as_deref() == Some(reference)).unwrap();
        assert_eq!(rows["EHCP-00069"].get("plan_issued_on"), "2020-03-10");
        assert_eq!(by_case[&case_of("EHCP-00069").id].due_on, date(2021, 3, 9));
        assert_eq!(rows["EHCP-00000"].get("last_reviewed_on"), "2020-07-19");
        assert_eq!(by_case[&case_of("EHCP-00000").id].due_on, date(2021, 7, 18));

        // The history says it was imported, and who it was allocated to.
        let events = db.read(|tx| tx.list_events(&w.scope, Some(case_of("EHCP-00000").id)))?;
        let kinds: Vec<EventKind> = events.iter().map(|e| e.kind()).collect();
        assert_eq!(kinds, [EventKind::PlanImported, EventKind::DeadlineSet, EventKind::CaseAllocated]);
        let CaseEvent::PlanImported(imported) = &events[0].fact else { panic!() };
        assert_eq!(imported.reference, "EHCP-00000");
        assert_eq!(imported.last_reviewed_on, Some(date(2020, 7, 19)));

        // The request says where it came from; it invents no requester.
        let (_, request, child) = db.read(|tx| tx.get_case_with_request_and_child(&w.scope, case_of("EHCP-00002").id))?;
        assert_eq!(request.requester, IMPORTED_REQUESTER);
        assert_eq!(request.received_on, date(2020, 1, 3));
        // A child with neither a UPN nor a reference is given one, as at intake.
        assert!(child.upn.is_none());
        assert!(child.authority_reference.unwrap().as_str().starts_with("SP-"));
        let (_, _, child) = db.read(|tx| tx.get_case_with_request_and_child(&w.scope, case_of("EHCP-00001").id))?;
        assert_eq!(child.authority_reference.unwrap().as_str(), "TB-00001");
        Ok(())
    }

    fn open_requests_are_imported_with_their_six_weeks_and_matched_children(db) {
        let w = world(db);
        // A plan first: its child is the one a request names by UPN.
        let plan = csv(PLAN_HEADER, &[good_plan(3)]);
        let report = run(db, &w, ImportKind::Plans, &plan, ImportMode::Import)?;
        assert_eq!(report.imported, 1);

        let header = "reference,given_name,family_name,date_of_birth,upn,received_on,requested_by,requester,setting_type,primary_need,summary,officer_email,contact_email";
        let known_birth = good_plan(3).get("date_of_birth").to_owned();
        let text = format!(
            "{header}\n\
             REQ-1,Sam,Pupil3,{known_birth},{known},2025-05-20,parent,Ms Pupil (mother),mainstream,ASD,Struggling with transitions,cw@torbay.example,parent@example.org\n\
             REQ-2,Ada,New,2018-02-02,,2025-01-06,setting,Head of Riverside Primary,mainstream,SLCN,Speech and language,,\n\
             REQ-3,Tom,Young,2015-02-02,,2025-05-01,young_person,Tom Young,mainstream,SEMH,Asked himself,,\n\
             REQ-4,Sam,Pupil3,2011-11-11,{known},2025-05-02,parent,Mother,mainstream,ASD,Same UPN another birthday,,\n\
             REQ-5,Eve,Later,2016-03-03,,2025-06-03,parent,Father,special,PD,Not yet received,,\n",
            known = upn(3),
        );
        let dry = run(db, &w, ImportKind::Requests, &text, ImportMode::DryRun)?;
        let expected: BTreeSet<(u64, String)> = [
            (4, "requested_by".to_owned()),
            (5, "upn".to_owned()),
            (6, "received_on".to_owned()),
        ]
        .into();
        assert_eq!(named(&dry), expected, "{:#?}", dry.problems);
        assert_eq!((dry.imported, dry.refused), (2, 3));
        assert_eq!(counts(db, &w.scope).0, 1);

        let report = run(db, &w, ImportKind::Requests, &text, ImportMode::Import)?;
        assert_eq!((report.imported, report.skipped, report.refused), (2, 0, 3));
        assert_eq!(named(&report), expected);
        let again = run(db, &w, ImportKind::Requests, &text, ImportMode::Import)?;
        assert_eq!((again.imported, again.skipped, again.refused), (0, 2, 3));

        let cases = db.read(|tx| tx.list_cases(&w.scope))?;
        assert_eq!(cases.len(), 3);
        let case_of = |reference: &str| cases.iter().find(|c| c.external_reference.as_deref() == Some(reference)).unwrap();
        let plan_case = case_of("EHCP-00003");
        let first = case_of("REQ-1");
        assert_eq!(first.stage, CaseStage::RequestReceived);
        assert_eq!(first.child_id, plan_case.child_id, "matched by UPN");
        assert_eq!(first.officer_id, Some(w.caseworker.id));
        let (_, request, _) = db.read(|tx| tx.get_case_with_request_and_child(&w.scope, first.id))?;
        assert_eq!(request.requester, "Ms Pupil (mother)");
        assert_eq!(request.contact_email.unwrap().as_str(), "parent@example.org");

        // Six weeks from the day the earlier system received it, even when past.
        let second = case_of("REQ-2");
        assert_ne!(second.child_id, plan_case.child_id);
        let deadlines = db.read(|tx| tx.list_deadlines(&w.scope, second.id))?;
        assert_eq!(deadlines.len(), 1);
        assert_eq!(deadlines[0].kind, DeadlineKind::DecideWhetherToAssess);
        assert_eq!(deadlines[0].status, DeadlineStatus::Open);
        assert_eq!(deadlines[0].due_on, date(2025, 2, 17));
        let kinds: Vec<EventKind> = db
            .read(|tx| tx.list_events(&w.scope, Some(second.id)))?
            .iter()
            .map(|e| e.kind())
            .collect();
        assert_eq!(kinds, [EventKind::RequestReceived, EventKind::RequestImported, EventKind::DeadlineSet]);
        Ok(())
    }

    fn rows_for_one_child_share_their_record_and_a_clash_is_named_before_writing(db) {
        let w = world(db);
        let first = good_plan(5);
        let mut second = good_plan(5);
        second.set("reference", "EHCP-SECOND");
        let mut clash = good_plan(5);
        clash.set("reference", "EHCP-CLASH");
        clash.set("date_of_birth", "2012-12-12");
        let text = csv(PLAN_HEADER, &[first, second, clash]);
        let expected: BTreeSet<(u64, String)> = [(4, "upn".to_owned())].into();
        // The dry run sees the clash with the row above it, as the import will.
        let dry = run(db, &w, ImportKind::Plans, &text, ImportMode::DryRun)?;
        assert_eq!(named(&dry), expected, "{:#?}", dry.problems);
        let report = run(db, &w, ImportKind::Plans, &text, ImportMode::Import)?;
        assert_eq!(named(&report), expected);
        assert_eq!(report.imported, 2);
        let (cases, children, _, _) = counts(db, &w.scope);
        assert_eq!((cases, children), (2, 1), "two plans, one child");
        Ok(())
    }

    fn two_imports_of_one_file_at_once_write_each_plan_once(db) {
        // Two admins (or a re-run while the first still goes) import the same file at
        // the same moment, three batches each: every plan is written once, by one of
        // them, and the other skips it.
        let w = world(db);
        let rows: Vec<PlanRow> = (0..1200).map(good_plan).collect();
        let text = csv(PLAN_HEADER, &rows);
        let barrier = std::sync::Barrier::new(2);
        let reports: Vec<ImportReport> = std::thread::scope(|s| {
            let runs: Vec<_> = (0..2)
                .map(|_| s.spawn(|| { barrier.wait(); run(db, &w, ImportKind::Plans, &text, ImportMode::Import) }))
                .collect();
            runs.into_iter().map(|r| r.join().unwrap()).collect::<anyhow::Result<_>>()
        })?;
        let total = |f: fn(&ImportReport) -> u64| reports.iter().map(f).sum::<u64>();
        assert_eq!(total(|r| r.imported), 1200, "{reports:?}");
        assert_eq!(total(|r| r.skipped), 1200, "{reports:?}");
        assert_eq!(total(|r| r.refused), 0);
        let (cases, children, requests, _) = counts(db, &w.scope);
        assert_eq!((cases, children, requests), (1200, 1200, 1200));
        // Each case's history is whole and in order, whichever import wrote it.
        for case in db.read(|tx| tx.list_cases(&w.scope))? {
            let events = db.read(|tx| tx.list_events(&w.scope, Some(case.id)))?;
            let sequences: Vec<Option<i64>> = events.iter().map(|e| e.case_sequence).collect();
            let expected: Vec<Option<i64>> = (1..=i64::try_from(events.len())?).map(Some).collect();
            assert_eq!(sequences, expected);
            assert_eq!(events[0].kind(), EventKind::PlanImported);
        }
        Ok(())
    }

    fn a_file_without_a_required_column_is_refused_whole(db) {
        let w = world(db);
        let clock = today();
        let err = ImportFile::read(
            ImportKind::Plans,
            "reference,given_name,family_name,date_of_birth\nX,A,B,2015-01-01\n".as_bytes(),
            &clock,
        )
        .unwrap_err();
        assert!(err.to_string().contains("plan_issued_on, setting_name, setting_type, primary_need, requested_by"), "{err}");
        let err = ImportFile::read(
            ImportKind::Requests,
            format!("{PLAN_HEADER},colour\n").as_bytes(),
            &clock,
        )
        .unwrap_err();
        assert!(err.to_string().contains("\"plan_issued_on\" is not one this import reads"), "{err}");
        assert_eq!(counts(db, &w.scope).0, 0);
        Ok(())
    }
}
