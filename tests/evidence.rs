//! Issue 14: documents as evidence. Uploads of each accepted type; the refusals (an
//! executable renamed .pdf, a file over the limit, an encrypted PDF, an empty file, a
//! name that climbs out of a folder), each naming its rule and storing nothing; the same
//! bytes kept once; opening recorded; another authority's case not found. Run on both
//! databases with documents on the local disk, and again with the documents in a real
//! S3-compatible server (moto) on loopback.
#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)] // test bodies run inside both_backends!, outside #[test] fns

use std::io::Write;
use std::sync::Arc;

use sendpanel_core::access::{AccessFilter, AccessKind};
use sendpanel_core::clock::BankHolidays;
use sendpanel_core::documents::{DocumentError, DocumentStorage, Documents, NewEvidence, Staging};
use sendpanel_core::domain::{CaseId, EvidenceKind, NeedArea, UserRole};
use sendpanel_core::services::{Actor, Services};
use sendpanel_core::store::{AuthorityScope, Database};
use sendpanel_core::time::FixedClock;
use sendpanel_tests::both_backends;
use sendpanel_tests::fixtures::{at, authority, date, stored_case, user};
use sendpanel_tests::s3::S3Server;

/// A minimal PDF with a marker of its own.
fn pdf(marker: &str) -> Vec<u8> {
    format!("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% {marker}\ntrailer << /Root 1 0 R >>\n%%EOF\n")
        .into_bytes()
}

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, body) in entries {
        zip.start_file(*name, stored).unwrap();
        zip.write_all(body).unwrap();
    }
    zip.finish().unwrap();
    out.into_inner()
}

fn docx() -> Vec<u8> {
    zip_of(&[
        ("word/document.xml", b"<w:document/>"),
        ("[Content_Types].xml", b"<Types/>"),
        ("_rels/.rels", b"<Relationships/>"),
    ])
}

fn odt() -> Vec<u8> {
    zip_of(&[
        ("mimetype", b"application/vnd.oasis.opendocument.text"),
        ("content.xml", b"<office:document-content/>"),
    ])
}

fn png() -> Vec<u8> {
    let mut bytes = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    bytes.extend_from_slice(&[
        0, 0, 0, 13, b'I', b'H', b'D', b'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0,
    ]);
    bytes
}

fn jpeg() -> Vec<u8> {
    vec![
        0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0xFF,
        0xD9,
    ]
}

/// An ELF executable's first bytes.
fn executable() -> Vec<u8> {
    let mut bytes = vec![0x7F, b'E', b'L', b'F', 2, 1, 1, 0];
    bytes.resize(128, 0);
    bytes
}

struct Setup {
    services: Services,
    caseworker: Actor,
    case: CaseId,
    other_case: CaseId,
    scope: AuthorityScope,
}

fn setup(db: &Database) -> anyhow::Result<Setup> {
    let scope = authority(db, "torbay", 880)?;
    let worker = user(
        db,
        &scope,
        "caseworker@torbay.example",
        UserRole::Caseworker,
    )?;
    let (_, _, case) = stored_case(db, &scope, 1)?;
    let (_, _, other) = stored_case(db, &scope, 2)?;
    Ok(Setup {
        services: Services {
            db: db.clone(),
            holidays: Arc::new(BankHolidays::england_and_wales()),
            clock: Arc::new(FixedClock(at(20, 10))),
        },
        caseworker: Actor {
            user: worker.id,
            role: UserRole::Caseworker,
            scope: scope.clone(),
        },
        case: case.id,
        other_case: other.id,
        scope,
    })
}

fn details(kind: EvidenceKind) -> NewEvidence {
    NewEvidence {
        kind,
        author_organisation: "Riverside Primary School".into(),
        written_on: date(2023, 9, 1),
        areas: vec![
            NeedArea::CognitionAndLearning,
            NeedArea::CommunicationAndInteraction,
        ],
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Uploads `bytes` named `name` to the case.
fn upload(
    documents: &Documents,
    s: &Setup,
    case: CaseId,
    name: &str,
    bytes: &[u8],
) -> Result<sendpanel_core::domain::Evidence, DocumentError> {
    let staged = Staging::bytes(None, documents.max_bytes, bytes)?;
    runtime().block_on(documents.add_evidence(
        &s.services,
        &s.caseworker,
        case,
        &details(EvidenceKind::EpReport),
        name,
        staged,
    ))
}

fn evidence_count(db: &Database, s: &Setup, case: CaseId) -> usize {
    db.read(|tx| tx.list_evidence(&s.scope, case))
        .unwrap()
        .len()
}

/// The refusal's field and rule, or a panic naming what came instead.
fn refused(result: Result<sendpanel_core::domain::Evidence, DocumentError>) -> String {
    match result {
        Err(DocumentError::Refused { field, rule }) => format!("{field}: {rule}"),
        Err(DocumentError::TooLarge { limit }) => format!("file: too large ({limit})"),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// Every accepted type is kept with the type its bytes say, opens again byte for byte,
/// and the opening is in the access log.
fn each_accepted_type_is_kept_and_opens(
    db: &Database,
    documents: &Documents,
) -> anyhow::Result<()> {
    let s = setup(db)?;
    let files: [(&str, Vec<u8>, &str); 6] = [
        ("EP report.pdf", pdf("ep"), "application/pdf"),
        (
            "Support plan.docx",
            docx(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            "Views.odt",
            odt(),
            "application/vnd.oasis.opendocument.text",
        ),
        (
            "Notes.txt",
            "Sam's views, in Sam's words: £ and all."
                .as_bytes()
                .to_vec(),
            "text/plain; charset=utf-8",
        ),
        ("Drawing.png", png(), "image/png"),
        ("Photo.JPG", jpeg(), "image/jpeg"),
    ];
    for (name, bytes, media_type) in &files {
        let evidence = upload(documents, &s, s.case, name, bytes)
            .unwrap_or_else(|e| panic!("{name} was refused: {e}"));
        assert_eq!(&evidence.media_type, media_type, "{name}");
        assert_eq!(evidence.size_bytes, bytes.len() as u64);
        let opened = runtime().block_on(documents.open_evidence(
            &s.services,
            &s.caseworker,
            s.case,
            evidence.id,
            "test",
        ))?;
        assert_eq!(
            opened.bytes.as_ref(),
            bytes.as_slice(),
            "{name} came back changed"
        );
    }
    assert_eq!(evidence_count(db, &s, s.case), 6);
    let log = db.read(|tx| tx.list_access(&s.scope, &AccessFilter::default(), 100, 0))?;
    assert_eq!(
        log.iter()
            .filter(|r| r.what == AccessKind::Document)
            .count(),
        6,
        "every opening is in the access log"
    );
    Ok(())
}

/// Each refusal names its rule, and nothing is recorded on the case.
fn refusals_name_the_rule_and_store_nothing(
    db: &Database,
    documents: &Documents,
) -> anyhow::Result<()> {
    let s = setup(db)?;
    let rule = refused(upload(documents, &s, s.case, "report.pdf", &executable()));
    assert!(rule.contains("executable"), "{rule}");
    let encrypted =
        b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << /Root 1 0 R /Encrypt 2 0 R >>\n%%EOF".to_vec();
    let rule = refused(upload(documents, &s, s.case, "locked.pdf", &encrypted));
    assert!(rule.contains("encrypted"), "{rule}");
    let rule = refused(upload(documents, &s, s.case, "empty.pdf", b""));
    assert!(rule.contains("empty"), "{rule}");
    let rule = refused(upload(
        documents,
        &s,
        s.case,
        "../../etc/cron.d/x.pdf",
        &pdf("climb"),
    ));
    assert!(
        rule.starts_with("file:") && rule.contains("folders"),
        "{rule}"
    );
    let rule = refused(upload(
        documents,
        &s,
        s.case,
        "report.docx",
        &pdf("mislabelled"),
    ));
    assert!(
        rule.contains("Word document") && rule.contains("PDF"),
        "{rule}"
    );
    // 30 MB against the 25 MB default: refused while it arrives.
    let big = vec![b'a'; 30 * 1024 * 1024];
    let mut staging = documents.staging()?;
    let cut_off = big.chunks(1024 * 1024).try_for_each(|c| staging.push(c));
    assert!(matches!(cut_off, Err(DocumentError::TooLarge { .. })));
    let mut future = details(EvidenceKind::EpReport);
    future.written_on = date(2031, 1, 1);
    let staged = Staging::bytes(None, documents.max_bytes, &pdf("future"))?;
    let result = runtime().block_on(documents.add_evidence(
        &s.services,
        &s.caseworker,
        s.case,
        &future,
        "future.pdf",
        staged,
    ));
    assert!(refused(result).starts_with("written_on:"));
    assert_eq!(evidence_count(db, &s, s.case), 0, "nothing was recorded");
    let held = runtime().block_on(documents.storage.holds(&sha256_hex(&pdf("mislabelled"))))?;
    assert!(!held, "a refused file is not kept in the store");
    Ok(())
}

/// The same bytes on two cases are kept once; twice on one case is refused, naming
/// the copy already there. Another authority's caseworker cannot reach the case.
fn same_bytes_are_kept_once(db: &Database, documents: &Documents) -> anyhow::Result<()> {
    let s = setup(db)?;
    let bytes = pdf("shared report");
    let first = upload(documents, &s, s.case, "report.pdf", &bytes)?;
    let second = upload(documents, &s, s.other_case, "copy.pdf", &bytes)?;
    assert_eq!(first.sha256, second.sha256);
    let rule = refused(upload(documents, &s, s.case, "again.pdf", &bytes));
    assert!(
        rule.contains("already on the case") && rule.contains("report.pdf"),
        "{rule}"
    );
    assert_eq!(evidence_count(db, &s, s.case), 1);
    let wiltshire = authority(db, "wiltshire", 865)?;
    let outsider = user(
        db,
        &wiltshire,
        "caseworker@wiltshire.example",
        UserRole::Caseworker,
    )?;
    let theirs = Actor {
        user: outsider.id,
        role: UserRole::Caseworker,
        scope: wiltshire,
    };
    let result =
        runtime().block_on(documents.open_evidence(&s.services, &theirs, s.case, first.id, "test"));
    assert!(
        matches!(&result, Err(DocumentError::Workflow(e)) if e.to_string().contains("not found")),
        "{result:?}"
    );
    Ok(())
}

fn sha256_hex(bytes: &[u8]) -> String {
    Staging::bytes(None, u64::MAX, bytes)
        .unwrap()
        .sha256()
        .to_owned()
}

/// The suite with documents in a fresh local folder.
fn local() -> Documents {
    Documents::scratch().unwrap()
}

both_backends! {
    fn uploads_of_each_type_on_local_disk(db) {
        each_accepted_type_is_kept_and_opens(db, &local())
    }
    fn refusals_on_local_disk(db) {
        refusals_name_the_rule_and_store_nothing(db, &local())
    }
    fn dedup_on_local_disk(db) {
        same_bytes_are_kept_once(db, &local())
    }
}

/// The suite with documents in a real S3-compatible server (moto) on loopback.
fn in_s3(server: &S3Server) -> Documents {
    let store = server.builder().build().unwrap();
    Documents {
        storage: DocumentStorage::with_store(Arc::new(store), "moto"),
        ..local()
    }
}

both_backends! {
    fn uploads_of_each_type_in_s3(db) {
        let server = S3Server::start()?;
        each_accepted_type_is_kept_and_opens(db, &in_s3(&server))
    }
    fn refusals_in_s3(db) {
        let server = S3Server::start()?;
        refusals_name_the_rule_and_store_nothing(db, &in_s3(&server))
    }
    fn dedup_in_s3(db) {
        let server = S3Server::start()?;
        same_bytes_are_kept_once(db, &in_s3(&server))
    }
}

/// With clamd configured, an infected upload is refused naming what was found and
/// nothing is kept; a clean one goes through; and a clamd that cannot be reached
/// refuses the upload rather than keeping it unscanned.
fn scanned_uploads(db: &Database) -> anyhow::Result<()> {
    use sendpanel_core::documents::{ClamdAddress, Scanner};
    use sendpanel_tests::clamd::{Clamd, EICAR_SIGNATURE, eicar};
    let clamd = Clamd::start()?;
    let s = setup(db)?;
    let documents = Documents {
        scanner: Some(Scanner::new(
            ClamdAddress::Unix(clamd.socket.clone()),
            std::time::Duration::from_secs(30),
        )),
        ..local()
    };
    let mut infected = b"Sam's views, typed by a parent.\n".to_vec();
    infected.extend(eicar());
    let result = upload(&documents, &s, s.case, "views.txt", &infected);
    match &result {
        Err(e @ DocumentError::Infected { signature }) => {
            assert!(signature.starts_with(EICAR_SIGNATURE), "{signature}");
            assert!(e.to_string().starts_with("file:"), "{e}");
        }
        other => panic!("an infected file was not refused: {other:?}"),
    }
    let held = runtime().block_on(documents.storage.holds(&sha256_hex(&infected)))?;
    assert!(!held, "an infected file is not kept");
    upload(&documents, &s, s.case, "report.pdf", &pdf("clean"))?;
    assert_eq!(evidence_count(db, &s, s.case), 1);
    drop(clamd);
    let unreachable = upload(&documents, &s, s.case, "later.pdf", &pdf("later"));
    assert!(
        matches!(unreachable, Err(DocumentError::ScanUnavailable(_))),
        "{unreachable:?}"
    );
    assert_eq!(evidence_count(db, &s, s.case), 1, "nothing kept unscanned");
    Ok(())
}

both_backends! {
    fn uploads_are_scanned_by_clamd(db) {
        scanned_uploads(db)
    }
}

/// A PDF as another program would make it: `pages` pages, each saying "<marker> page k".
fn pdf_of_pages(marker: &str, pages: usize) -> Vec<u8> {
    use lopdf::content::{Content, Operation};
    use lopdf::{Document, Object, Stream, dictionary};
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
    });
    let mut kids = Vec::new();
    for k in 1..=pages {
        let text = Content {
            operations: vec![
                Operation::new("BT", vec![]),
                Operation::new("Tf", vec!["F1".into(), 14.into()]),
                Operation::new("Td", vec![72.into(), 700.into()]),
                Operation::new(
                    "Tj",
                    vec![Object::string_literal(format!("{marker} page {k}"))],
                ),
                Operation::new("ET", vec![]),
            ],
        };
        let content = doc.add_object(Stream::new(dictionary! {}, text.encode().unwrap()));
        kids.push(
            doc.add_object(dictionary! {
                "Type" => "Page", "Parent" => pages_id, "Contents" => content,
                "Resources" => dictionary! { "Font" => dictionary! { "F1" => font } },
                "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
            })
            .into(),
        );
    }
    doc.objects.insert(
        pages_id,
        Object::Dictionary(
            dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => pages as i64 },
        ),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

/// A refused request under appeal, with a 3-page EP report, the family's views as a
/// Word file and a school report as text: the bundle is one PDF whose pages are the
/// index, a divider per section and every part's pages, each stamped "Page k of n", the
/// index giving the page each part starts on; the Word file is listed as attached
/// separately. Without an appeal there is no bundle; building one is a logged read.
fn tribunal_bundle_for_an_appeal(db: &Database) -> anyhow::Result<()> {
    use sendpanel_core::documents::tribunal::BundleChoice;
    use sendpanel_core::workflow::{LodgeAppeal, lodge_appeal};
    use sendpanel_tests::journey::{on, refused_case};
    let s = setup(db)?;
    let documents = local();
    let (case, decision) = refused_case(db, &s.scope, 40);
    let bundle_of = |case| {
        runtime().block_on(documents.tribunal_bundle(
            &s.services,
            &s.caseworker,
            case,
            &BundleChoice::default(),
            "test",
        ))
    };
    let no_appeal = bundle_of(case);
    assert!(
        matches!(
            &no_appeal,
            Err(DocumentError::Refused { field: "case", .. })
        ),
        "{no_appeal:?}"
    );
    lodge_appeal(
        db,
        &s.scope,
        case,
        &LodgeAppeal {
            decision,
            notice_sent_on: date(2023, 10, 2),
            lodged_on: date(2023, 11, 20),
            mediation_certificate_issued_on: Some(date(2023, 11, 10)),
        },
        s.caseworker.user,
        &BankHolidays::england_and_wales(),
        &on(2023, 11, 20),
    )?;
    let ep = pdf_of_pages("EP REPORT", 3);
    upload(&documents, &s, case, "EP report.pdf", &ep)?;
    upload(&documents, &s, case, "Our views.docx", &docx())?;
    upload(
        &documents,
        &s,
        case,
        "School report.txt",
        b"SCHOOL REPORT: reading age 6.",
    )?;
    let bundle = bundle_of(case)?;
    let read = lopdf::Document::load_mem(&bundle.pdf)?;
    let pages = read.get_pages().len() as u32;
    assert_eq!(bundle.page_count, pages);
    let part_pages: u32 = bundle
        .index
        .iter()
        .filter_map(|e| e.pages.map(|(first, last)| last - first + 1))
        .sum();
    // One index page and a divider for each section with parts: A (the decision under
    // appeal), D (the reports; the Word file alone is not a section of its own here).
    let sections: std::collections::BTreeSet<_> = bundle.index.iter().map(|e| e.section).collect();
    assert_eq!(
        pages,
        1 + sections.len() as u32 + part_pages,
        "{:?}",
        bundle.index
    );
    for page in 1..=pages {
        let text = read.extract_text(&[page])?;
        assert!(
            text.contains(&format!("Page {page} of {pages}")),
            "page {page}: {text}"
        );
    }
    let ep_entry = bundle
        .index
        .iter()
        .find(|e| e.title.contains("EP report.pdf"))
        .unwrap();
    let (first, last) = ep_entry.pages.unwrap();
    assert_eq!(last - first + 1, 3);
    assert!(read.extract_text(&[first])?.contains("EP REPORT page 1"));
    let index_text = read.extract_text(&[1])?;
    // The index names the report and the pages it runs to (titles wrap onto a second
    // line in the index's column).
    assert!(
        index_text.contains("report.pdf") && index_text.contains(&format!("{first}-{last}")),
        "{index_text}"
    );
    let word = bundle
        .index
        .iter()
        .find(|e| e.title.contains("Our views.docx"))
        .unwrap();
    assert_eq!(word.pages, None, "a Word file is attached separately");
    let appeal = bundle
        .index
        .iter()
        .find(|e| e.title.starts_with("Decision"))
        .unwrap();
    assert_eq!(
        appeal.section,
        sendpanel_core::bundle::Section::AppealDocuments
    );
    let logged = db.read(|tx| tx.list_access(&s.scope, &AccessFilter::default(), 100, 0))?;
    assert!(
        logged
            .iter()
            .any(|r| r.what == AccessKind::Document && r.case_id == case)
    );
    Ok(())
}

both_backends! {
    fn a_tribunal_bundle_is_one_numbered_pdf_with_an_index(db) {
        tribunal_bundle_for_an_appeal(db)
    }
}

/// The retention job reports documents on cases closed longer ago than the period, and
/// removes nothing until told; then each record is stamped and the bytes go, unless
/// another case still holds the same file. A removed document says so when opened.
fn retention_reports_then_removes(db: &Database) -> anyhow::Result<()> {
    use sendpanel_core::documents::retention;
    use sendpanel_core::domain::CaseStage;
    use sendpanel_tests::journey::refused_case;
    let s = setup(db)?;
    let documents = local();
    let (closed, _) = refused_case(db, &s.scope, 50);
    let report = upload(&documents, &s, closed, "old report.pdf", &pdf("old"))?;
    let shared = upload(&documents, &s, closed, "shared.pdf", &pdf("shared"))?;
    upload(&documents, &s, s.case, "shared copy.pdf", &pdf("shared"))?;
    db.write(|tx| tx.set_case_stage(&s.scope, closed, CaseStage::Closed))?;
    let today = date(2026, 11, 20);
    assert!(
        retention::due(db, &s.scope, 5, today)?.is_empty(),
        "closed in 2023: kept 5 years"
    );
    let due = retention::due(db, &s.scope, 2, today)?;
    let mut names: Vec<_> = due.iter().map(|d| d.file_name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["old report.pdf", "shared.pdf"]);
    assert!(
        runtime().block_on(documents.storage.holds(&report.sha256))?,
        "a report removes nothing"
    );
    let removed = runtime().block_on(retention::remove(
        db,
        &documents.storage,
        &s.scope,
        &due,
        at(20, 12),
    ))?;
    assert_eq!(removed, 1, "the shared file is still held by the open case");
    assert!(!runtime().block_on(documents.storage.holds(&report.sha256))?);
    assert!(runtime().block_on(documents.storage.holds(&shared.sha256))?);
    let opened = runtime().block_on(documents.open_evidence(
        &s.services,
        &s.caseworker,
        closed,
        report.id,
        "test",
    ));
    assert!(
        matches!(&opened, Err(DocumentError::Refused { rule, .. }) if rule.contains("retention")),
        "{opened:?}"
    );
    assert!(
        retention::due(db, &s.scope, 2, today)?.is_empty(),
        "nothing left to remove"
    );
    Ok(())
}

both_backends! {
    fn retention_removes_only_when_told(db) {
        retention_reports_then_removes(db)
    }
}

/// Two caseworkers upload the same file to one case at the same moment: one is kept,
/// the other is told it is already there; the store holds one copy.
fn the_same_file_at_once_is_kept_once(db: &Database) -> anyhow::Result<()> {
    let s = setup(db)?;
    let documents = local();
    let bytes = pdf("sent twice at once");
    let barrier = std::sync::Barrier::new(2);
    let results: Vec<_> = std::thread::scope(|scope| {
        let racers: Vec<_> = (0..2)
            .map(|n| {
                let (documents, s, bytes, barrier) = (&documents, &s, &bytes, &barrier);
                scope.spawn(move || {
                    let staged = Staging::bytes(None, documents.max_bytes, bytes).unwrap();
                    barrier.wait();
                    runtime().block_on(documents.add_evidence(
                        &s.services,
                        &s.caseworker,
                        s.case,
                        &details(EvidenceKind::SupportPlan),
                        &format!("plan {n}.pdf"),
                        staged,
                    ))
                })
            })
            .collect();
        racers.into_iter().map(|r| r.join().unwrap()).collect()
    });
    let kept = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(kept, 1, "{results:?}");
    let refused = results.iter().find_map(|r| r.as_ref().err()).unwrap();
    assert!(
        matches!(refused, DocumentError::Refused { rule, .. } if rule.contains("already on the case"))
            || matches!(refused, DocumentError::Workflow(e) if e.to_string().contains("conflict")),
        "{refused:?}"
    );
    assert_eq!(evidence_count(db, &s, s.case), 1);
    Ok(())
}

/// A HEIC photo (an iPhone's default) is refused with how to send a JPEG instead.
fn heic_is_refused_with_what_to_do(db: &Database) -> anyhow::Result<()> {
    let s = setup(db)?;
    let mut heic = vec![0, 0, 0, 0x18];
    heic.extend_from_slice(b"ftypheic\0\0\0\0mif1heic");
    heic.resize(64, 0);
    let rule = refused(upload(&local(), &s, s.case, "photo.jpg", &heic));
    assert!(rule.contains("HEIC") && rule.contains("JPEG"), "{rule}");
    Ok(())
}

both_backends! {
    fn two_uploads_of_one_file_at_once_keep_one(db) {
        the_same_file_at_once_is_kept_once(db)
    }
    fn a_heic_photo_is_refused(db) {
        heic_is_refused_with_what_to_do(db)
    }
}
