//! How long does a hearing bundle take? A 300-page bundle of a heavy case: ten uploaded
//! reports of 25 pages each, generated letters and decisions, and two photographs, built
//! end to end (read, lay out, draw, merge, stamp, save). Goal: under 5 s.
//!
//! `cargo bench -p sendpanel-core --bench bundle` (add `-- --quick` for three runs).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use lopdf::content::{Content, Operation};
use lopdf::{Document, Object, Stream, dictionary};
use sendpanel_core::bundle::{BundleHeading, BundlePart, PartContent, Section, build};

/// An uploaded report: `pages` pages of 40 lines of text each, as a word processor's
/// export would have.
fn report(name: &str, pages: usize) -> Vec<u8> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Times-Roman",
    });
    let resources_id = doc.add_object(dictionary! { "Font" => dictionary! { "F1" => font_id } });
    let mut kids = Vec::new();
    for k in 1..=pages {
        let mut operations = vec![
            Operation::new("BT", vec![]),
            Operation::new("Tf", vec!["F1".into(), 11.into()]),
            Operation::new("TL", vec![14.into()]),
            Operation::new("Td", vec![72.into(), 770.into()]),
        ];
        for line in 1..=40 {
            operations.push(Operation::new(
                "Tj",
                vec![Object::string_literal(format!(
                    "{name}, page {k}, line {line}: observations of attention, communication and progress."
                ))],
            ));
            operations.push(Operation::new("T*", vec![]));
        }
        operations.push(Operation::new("ET", vec![]));
        let content = Content { operations };
        let mut stream = Stream::new(dictionary! {}, content.encode().unwrap());
        stream.compress().unwrap();
        let content_id = doc.add_object(stream);
        let page_id = doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages_id, "Contents" => content_id,
            "Resources" => resources_id,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        });
        kids.push(page_id.into());
    }
    doc.objects.insert(
        pages_id,
        Object::Dictionary(
            dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => pages as i64 },
        ),
    );
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

fn letter(i: usize) -> String {
    let paragraphs: String = (1..=12)
        .map(|p| {
            format!(
                "<p>Paragraph {p} of letter {i}. We have considered the advice from the school, \
                 the educational psychologist and the family, and set out our reasons below \
                 so that you can decide whether to appeal.</p>"
            )
        })
        .collect();
    format!("<html><body><p>Dear Ms Doe,</p>{paragraphs}<p>Yours sincerely</p></body></html>")
}

fn decision(i: usize) -> String {
    (1..=120)
        .map(|l| format!("Decision {i}, reason {l}: the panel weighed the evidence before it.\n"))
        .collect()
}

/// A photographed page: 1200 × 900 pixels of noise-free gradient, PNG-encoded.
fn photo() -> Vec<u8> {
    let (w, h) = (1200usize, 900usize);
    let pixels = (0..w * h)
        .flat_map(|i| [(i % w * 255 / w) as u8, (i / w * 255 / h) as u8, 160])
        .collect();
    let raw = printpdf::RawImage {
        pixels: printpdf::RawImageData::U8(pixels),
        width: w,
        height: h,
        data_format: printpdf::RawImageFormat::RGB8,
        tag: Vec::new(),
    };
    raw.encode_to_bytes(&[printpdf::OutputImageFormat::Png])
        .unwrap()
        .0
}

fn parts(reports: &[Vec<u8>], photo: &[u8]) -> Vec<BundlePart> {
    let day = |n: u64| NaiveDate::from_ymd_opt(2025, 1, 1).unwrap() + chrono::Days::new(n);
    let mut parts = Vec::new();
    for (i, bytes) in reports.iter().enumerate() {
        parts.push(BundlePart {
            section: if i % 2 == 0 {
                Section::LocalAuthorityEvidence
            } else {
                Section::ParentEvidence
            },
            title: format!("Professional report {i}"),
            dated: Some(day(i as u64 * 7)),
            content: PartContent::Pdf(bytes.clone()),
        });
    }
    for i in 0..18 {
        parts.push(BundlePart {
            section: Section::LocalAuthorityResponse,
            title: format!("Decision letter {i}"),
            dated: Some(day(100 + i as u64)),
            content: PartContent::Html(letter(i)),
        });
    }
    for i in 0..8 {
        parts.push(BundlePart {
            section: Section::AppealDocuments,
            title: format!("Decision with reasons {i}"),
            dated: Some(day(50 + i as u64)),
            content: PartContent::Text(decision(i)),
        });
    }
    for i in 0..2 {
        parts.push(BundlePart {
            section: Section::ParentEvidence,
            title: format!("Photograph of home-school diary {i}"),
            dated: Some(day(60 + i as u64)),
            content: PartContent::Image {
                bytes: photo.to_vec(),
                media_type: "image/png".into(),
            },
        });
    }
    parts.push(BundlePart {
        section: Section::Other,
        title: "Working document (Word)".into(),
        dated: None,
        content: PartContent::AttachedSeparately {
            media_type: "application/msword".into(),
        },
    });
    parts
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let runs = if quick { 3 } else { 9 };
    let heading = BundleHeading {
        case_reference: "EH123/25/00042".into(),
        child_initials: "J.D.".into(),
        authority_name: "Example Borough Council".into(),
        prepared_on: NaiveDate::from_ymd_opt(2025, 9, 1).unwrap(),
    };
    let reports: Vec<Vec<u8>> = (0..10)
        .map(|i| report(&format!("Report {i}"), 25))
        .collect();

    let photo = photo();
    let first = build(&heading, parts(&reports, &photo)).unwrap();
    println!(
        "hearing bundle: {} pages, {} index entries, {:.1} MB",
        first.page_count,
        first.index.len(),
        first.pdf.len() as f64 / 1e6
    );

    let mut samples: Vec<Duration> = (0..runs)
        .map(|_| {
            let input = parts(&reports, &photo);
            let t = Instant::now();
            black_box(build(&heading, black_box(input)).unwrap());
            t.elapsed()
        })
        .collect();
    samples.sort_unstable();
    let median = samples[samples.len() / 2];
    let worst = samples[samples.len() - 1];
    println!(
        "build, {runs} runs: median {:.3} s   worst {:.3} s   target < 5 s: {}",
        median.as_secs_f64(),
        worst.as_secs_f64(),
        if worst < Duration::from_secs(5) {
            "met"
        } else {
            "NOT met"
        }
    );
}
