#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use chrono::NaiveDate;
use lopdf::content::{Content, Operation};
use lopdf::{Document, Object, Stream, dictionary};

use super::*;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn heading() -> BundleHeading {
    BundleHeading {
        case_reference: "EH123/25/00042".into(),
        child_initials: "J.D.".into(),
        authority_name: "Example Borough Council".into(),
        prepared_on: date(2025, 9, 1),
    }
}

/// An uploaded PDF as another program would make it: `pages` pages, each saying
/// "<marker> page k".
fn fixture_pdf(marker: &str, pages: usize) -> Vec<u8> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Times-Roman",
    });
    // Resources and the media box live on the page tree, as many producers write them,
    // so the merger has to carry the inherited values over.
    let resources_id = doc.add_object(dictionary! { "Font" => dictionary! { "F1" => font_id } });
    let mut kids = Vec::new();
    for k in 1..=pages {
        let content = Content {
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
        let content_id = doc.add_object(Stream::new(dictionary! {}, content.encode().unwrap()));
        let page_id = doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages_id, "Contents" => content_id,
        });
        kids.push(page_id.into());
    }
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages", "Kids" => kids, "Count" => pages as i64,
            "Resources" => resources_id,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        }),
    );
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

fn part(
    section: Section,
    title: &str,
    dated: Option<NaiveDate>,
    content: PartContent,
) -> BundlePart {
    BundlePart {
        section,
        title: title.into(),
        dated,
        content,
    }
}

/// A case as an officer would assemble it, handed over out of order.
fn case_parts() -> Vec<BundlePart> {
    vec![
        part(
            Section::LocalAuthorityEvidence,
            "Educational psychologist's advice",
            Some(date(2025, 3, 10)),
            PartContent::Pdf(fixture_pdf("EPADVICE", 3)),
        ),
        part(
            Section::Other,
            "Annual review notes (Word)",
            Some(date(2025, 1, 5)),
            PartContent::AttachedSeparately {
                media_type:
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document".into(),
            },
        ),
        part(
            Section::ParentEvidence,
            "Parents' views",
            Some(date(2025, 4, 2)),
            PartContent::Pdf(fixture_pdf("PARENTVIEWS", 1)),
        ),
        part(
            Section::LocalAuthorityResponse,
            "Decision letter",
            Some(date(2025, 5, 20)),
            PartContent::Html(
                "<html><body><p>Dear Ms Doe,</p><p>LETTERMARKER We have decided not to issue \
                 an EHC plan for J.</p><p>Yours sincerely</p></body></html>"
                    .into(),
            ),
        ),
        part(
            Section::AppealDocuments,
            "Decision with reasons",
            Some(date(2025, 5, 19)),
            PartContent::Text(
                "DECISIONMARKER The panel decided not to issue a plan.\n\nReasons: ...".into(),
            ),
        ),
    ]
}

fn read(bundle: &Bundle) -> Document {
    Document::load_mem(&bundle.pdf).unwrap()
}

fn page_text(doc: &Document, page: u32) -> String {
    doc.extract_text(&[page]).unwrap()
}

/// The first and last page the printed index gives for `title` (the last column of
/// the title's row).
fn printed_pages(index_text: &str, title: &str) -> String {
    let line = index_text
        .lines()
        .find(|l| l.contains(title))
        .unwrap_or_else(|| panic!("{title} is not in the index:\n{index_text}"));
    line.split_whitespace().last().unwrap().to_owned()
}

#[test]
fn page_count_is_index_plus_dividers_plus_parts_and_every_page_is_numbered() {
    let bundle = build(&heading(), case_parts()).unwrap();
    let doc = read(&bundle);
    // 1 index page + 5 dividers (A to E all have parts) + 3 + 1 + 1 letter + 1 decision.
    assert_eq!(bundle.page_count, 1 + 5 + 3 + 1 + 1 + 1);
    assert_eq!(doc.get_pages().len() as u32, bundle.page_count);
    for n in 1..=bundle.page_count {
        let text = page_text(&doc, n);
        assert!(
            text.contains(&format!("Page {n} of {}", bundle.page_count)),
            "page {n} is not stamped: {text:?}"
        );
    }
}

#[test]
fn the_index_gives_the_page_each_part_starts_on_and_that_page_is_the_part() {
    let bundle = build(&heading(), case_parts()).unwrap();
    let doc = read(&bundle);
    let index_text = page_text(&doc, 1);
    assert!(index_text.contains("EH123/25/00042"));
    let markers = [
        ("Decision with reasons", "DECISIONMARKER"),
        ("Decision letter", "LETTERMARKER"),
        ("Parents' views", "PARENTVIEWS page 1"),
        ("Educational psychologist's advice", "EPADVICE page 1"),
    ];
    for (title, marker) in markers {
        let entry = bundle.index.iter().find(|e| e.title == title).unwrap();
        let (first, last) = entry.pages.unwrap();
        let printed = printed_pages(&index_text, title);
        let expected = if first == last {
            first.to_string()
        } else {
            format!("{first}-{last}")
        };
        assert_eq!(printed, expected, "{title}");
        assert!(
            page_text(&doc, first).contains(marker),
            "page {first} is not {title}"
        );
    }
    let ep = bundle
        .index
        .iter()
        .find(|e| e.title.starts_with("Educational"))
        .unwrap();
    let (first, last) = ep.pages.unwrap();
    assert_eq!(last - first, 2);
    assert!(page_text(&doc, last).contains("EPADVICE page 3"));
}

#[test]
fn sections_come_in_tribunal_order_each_after_its_divider_and_dated_within() {
    let mut parts = case_parts();
    parts.push(part(
        Section::AppealDocuments,
        "Appeal form",
        Some(date(2025, 6, 1)),
        PartContent::Text("APPEALFORM".into()),
    ));
    parts.push(part(
        Section::AppealDocuments,
        "Final EHC plan",
        Some(date(2024, 11, 30)),
        PartContent::Text("PLAN".into()),
    ));
    parts.push(part(
        Section::AppealDocuments,
        "Undated note",
        None,
        PartContent::Text("NOTE".into()),
    ));
    let bundle = build(&heading(), parts).unwrap();
    let titles: Vec<&str> = bundle.index.iter().map(|e| e.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Final EHC plan",
            "Decision with reasons",
            "Appeal form",
            "Undated note",
            "Decision letter",
            "Parents' views",
            "Educational psychologist's advice",
            "Annual review notes (Word)",
        ]
    );
    let doc = read(&bundle);
    // Each section's first part follows its divider directly.
    for section in Section::ALL {
        let first = bundle.index.iter().find(|e| e.section == section).unwrap();
        if let Some((page, _)) = first.pages {
            let divider = page_text(&doc, page - 1);
            assert!(
                divider.contains(&format!("Section {}", section.letter())),
                "{divider}"
            );
            // The title may wrap onto two lines on the divider.
            let flowing = divider.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(flowing.contains(section.title()), "{flowing}");
        }
    }
}

#[test]
fn a_section_without_parts_gets_no_divider() {
    let parts = vec![part(
        Section::ParentEvidence,
        "Parents' views",
        None,
        PartContent::Pdf(fixture_pdf("PARENTVIEWS", 2)),
    )];
    let bundle = build(&heading(), parts).unwrap();
    assert_eq!(bundle.page_count, 1 + 1 + 2);
    let doc = read(&bundle);
    let all: String = (1..=bundle.page_count)
        .map(|n| page_text(&doc, n))
        .collect();
    assert!(all.contains("Section C"));
    for letter in ['A', 'B', 'D', 'E'] {
        assert!(
            !all.contains(&format!("Section {letter}")),
            "section {letter} appears"
        );
    }
}

#[test]
fn a_word_document_is_listed_as_attached_separately_and_takes_no_pages() {
    let with = build(&heading(), case_parts()).unwrap();
    let without: Vec<_> = case_parts()
        .into_iter()
        .filter(|p| !matches!(p.content, PartContent::AttachedSeparately { .. }))
        .collect();
    let without = build(&heading(), without).unwrap();
    // Only section E's divider differs: the Word file itself has no pages.
    assert_eq!(with.page_count, without.page_count + 1);
    let entry = with
        .index
        .iter()
        .find(|e| e.title.contains("Word"))
        .unwrap();
    assert_eq!(entry.pages, None);
    let index_text = page_text(&read(&with), 1);
    let line = index_text
        .lines()
        .find(|l| l.contains("Annual review notes"))
        .unwrap();
    assert!(line.contains("attached separately"), "{line}");
}

#[test]
fn a_long_decision_runs_over_pages_and_the_index_covers_them_all() {
    let long: String = (1..=150)
        .map(|i| format!("Reason {i}: the evidence shows progress.\n"))
        .collect();
    let parts = vec![
        part(
            Section::AppealDocuments,
            "Long decision",
            None,
            PartContent::Text(long),
        ),
        part(
            Section::AppealDocuments,
            "After",
            None,
            PartContent::Text("AFTERMARKER".into()),
        ),
    ];
    let bundle = build(&heading(), parts).unwrap();
    let doc = read(&bundle);
    let (first, last) = bundle.index[0].pages.unwrap();
    assert!(last > first, "150 lines fit one page?");
    assert!(page_text(&doc, first).contains("Reason 1:"));
    assert!(page_text(&doc, last).contains("Reason 150:"));
    assert!(page_text(&doc, first + 1).contains("Long decision (continued)"));
    let (after, _) = bundle.index[1].pages.unwrap();
    assert_eq!(after, last + 1);
    assert!(page_text(&doc, after).contains("AFTERMARKER"));
}

#[test]
fn an_index_too_long_for_one_page_continues_and_the_numbers_still_match() {
    let parts: Vec<_> = (1..=90)
        .map(|i| {
            part(
                Section::LocalAuthorityEvidence,
                &format!("Report number {i:03}"),
                Some(date(2025, 1, 1) + chrono::Days::new(i)),
                PartContent::Text(format!("REPORT{i:03}")),
            )
        })
        .collect();
    let bundle = build(&heading(), parts).unwrap();
    let doc = read(&bundle);
    let index_pages = bundle.index[0].pages.unwrap().0 - 2; // minus the divider
    assert!(index_pages >= 2);
    let index_text: String = (1..=index_pages).map(|n| page_text(&doc, n)).collect();
    for entry in &bundle.index {
        let (first, _) = entry.pages.unwrap();
        assert_eq!(printed_pages(&index_text, &entry.title), first.to_string());
        let marker = entry.title.replace("Report number ", "REPORT");
        assert!(page_text(&doc, first).contains(&marker));
    }
    assert_eq!(bundle.page_count, index_pages + 1 + 90);
}

#[test]
fn an_image_becomes_one_page() {
    let raw = printpdf::RawImage {
        pixels: printpdf::RawImageData::U8(vec![200; 40 * 30 * 3]),
        width: 40,
        height: 30,
        data_format: printpdf::RawImageFormat::RGB8,
        tag: Vec::new(),
    };
    let (png, _) = raw
        .encode_to_bytes(&[printpdf::OutputImageFormat::Png])
        .unwrap();
    let parts = vec![part(
        Section::ParentEvidence,
        "Photo of home-school diary",
        None,
        PartContent::Image {
            bytes: png,
            media_type: "image/png".into(),
        },
    )];
    let bundle = build(&heading(), parts).unwrap();
    assert_eq!(bundle.index[0].pages, Some((3, 3)));
    let doc = read(&bundle);
    assert!(page_text(&doc, 3).contains("Photo of home-school diary"));
    let images = doc.get_page_images(doc.get_pages()[&3]).unwrap();
    assert_eq!(images.len(), 1);
}

#[test]
fn a_damaged_pdf_is_refused_with_its_title() {
    let mut parts = case_parts();
    parts.push(part(
        Section::ParentEvidence,
        "Speech and language report",
        None,
        PartContent::Pdf(b"%PDF-1.4\nthis is not really a pdf".to_vec()),
    ));
    let err = build(&heading(), parts).unwrap_err();
    assert!(matches!(err, BundleError::UnreadablePdf { .. }), "{err:?}");
    assert!(
        err.to_string().contains("Speech and language report"),
        "{err}"
    );
}

#[test]
fn an_encrypted_pdf_is_refused_with_its_title() {
    let mut doc = Document::load_mem(&fixture_pdf("SECRET", 1)).unwrap();
    // Encryption keys derive from the file identifier, which a real producer writes.
    let id = Object::string_literal(b"0123456789abcdef".to_vec());
    doc.trailer.set("ID", vec![id.clone(), id]);
    let version = lopdf::EncryptionVersion::V2 {
        document: &doc,
        owner_password: "owner",
        user_password: "user",
        key_length: 128,
        permissions: lopdf::Permissions::all(),
    };
    let state = lopdf::EncryptionState::try_from(version).unwrap();
    doc.encrypt(&state).unwrap();
    let mut encrypted = Vec::new();
    doc.save_to(&mut encrypted).unwrap();

    let mut parts = case_parts();
    parts.push(part(
        Section::LocalAuthorityEvidence,
        "Paediatrician's report",
        None,
        PartContent::Pdf(encrypted),
    ));
    let err = build(&heading(), parts).unwrap_err();
    assert!(err.to_string().contains("Paediatrician's report"), "{err}");
    assert!(matches!(err, BundleError::EncryptedPdf { .. }), "{err:?}");
}
