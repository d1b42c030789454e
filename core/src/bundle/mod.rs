//! The hearing bundle for a First-tier Tribunal (SEND) appeal: one paginated PDF made
//! from a case's documents.
//!
//! The Tribunal's bundle direction puts the local authority in charge of the bundle:
//! one PDF, an index at the front, the documents in sections with a divider for each,
//! and every page numbered so the judge, the panel and the family can all say "page 37"
//! and mean the same page. Doing it by hand takes an officer hours and is easy to get
//! wrong (an index that no longer matches after one late report); here it is one call.
//!
//! ```no_run
//! use sendpanel_core::bundle::{build, BundleHeading, BundlePart, PartContent, Section};
//! # fn demo(decision_pdf: Vec<u8>) -> Result<(), sendpanel_core::bundle::BundleError> {
//! let heading = BundleHeading {
//!     case_reference: "EH123/25/00001".into(),
//!     child_initials: "A.B.".into(),
//!     authority_name: "Torbay Council".into(),
//!     prepared_on: chrono::NaiveDate::from_ymd_opt(2025, 9, 1).unwrap_or_default(),
//! };
//! let parts = vec![BundlePart {
//!     section: Section::AppealDocuments,
//!     title: "Decision not to issue an EHC plan".into(),
//!     dated: chrono::NaiveDate::from_ymd_opt(2025, 6, 2),
//!     content: PartContent::Pdf(decision_pdf),
//! }];
//! let bundle = build(&heading, parts)?;
//! println!("{} pages; the decision starts on page {:?}", bundle.page_count, bundle.index.first().and_then(|e| e.pages));
//! # Ok(()) }
//! ```
//!
//! The module is pure: bytes in, bytes out, no storage and no clock, so it can run in a
//! background job, and its output depends only on its input.
//!
//! Three libraries do the PDF work: `lopdf` reads and merges the uploads and stamps
//! the page numbers, `printpdf` draws the pages we make (index, dividers, letters, text,
//! images) with the PDF built-in fonts, and `html2text` turns a generated letter into
//! text first.

mod error;
mod layout;
mod merge;
mod render;
mod section;

use chrono::NaiveDate;
use lopdf::Document;
use printpdf::RawImage;

pub use error::BundleError;
pub use section::Section;

use layout::{IndexGroup, IndexRow};
use render::DrawnPage;

/// What the index page says the bundle is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleHeading {
    /// The Tribunal's appeal reference (e.g. "EH123/25/00001"): every party files by it.
    pub case_reference: String,
    /// Initials only: the bundle goes to the panel and the family's representative, and
    /// the child's full name is not needed to match the papers to the appeal.
    pub child_initials: String,
    /// The respondent authority, which prepares the bundle.
    pub authority_name: String,
    /// The day the bundle was made, so two versions can be told apart.
    pub prepared_on: NaiveDate,
}

/// One document of the case, as it should appear in the bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundlePart {
    /// The section it belongs in.
    pub section: Section,
    /// The title the index shows.
    pub title: String,
    /// The document's own date: the Tribunal wants each section in date order.
    pub dated: Option<NaiveDate>,
    /// The document itself.
    pub content: PartContent,
}

/// The forms a document arrives in. Each becomes whole pages of the bundle, except a
/// file no PDF library can convert, which is listed but sent alongside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartContent {
    /// An uploaded PDF: its pages are merged as they are.
    Pdf(Vec<u8>),
    /// A letter the service generated (stored as HTML): converted to text and paged.
    Html(String),
    /// Plain text (a decision with its reasons, an uploaded .txt): paged as it is.
    Text(String),
    /// A PNG or JPEG (a scanned letter, a photo of a note): one page, scaled to fit.
    Image {
        /// The image's bytes.
        bytes: Vec<u8>,
        /// Its media type, e.g. "image/png"; the bytes decide, this is for messages.
        media_type: String,
    },
    /// A Word or ODT file that cannot be converted here: the index lists it as
    /// "attached separately" and it takes no pages.
    AttachedSeparately {
        /// Its media type, so the caller knows what to attach.
        media_type: String,
    },
}

/// One line of the bundle's index, as printed on its first page(s).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexEntry {
    /// The section the part is in.
    pub section: Section,
    /// The part's title.
    pub title: String,
    /// The part's date.
    pub dated: Option<NaiveDate>,
    /// First and last page, as stamped; `None` when the part is attached separately.
    pub pages: Option<(u32, u32)>,
}

/// The finished bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bundle {
    /// The PDF, ready to send to the Tribunal.
    pub pdf: Vec<u8>,
    /// The index, in bundle order, so the service can show it without reading the PDF.
    pub index: Vec<IndexEntry>,
    /// Pages in the PDF (index, dividers and parts together).
    pub page_count: u32,
}

/// A part read and laid out, before its page numbers are known.
enum Body {
    /// An uploaded PDF, parsed, with its page count.
    Uploaded(Box<Document>, u32),
    /// Pages we draw.
    Drawn(Vec<DrawnPage>),
    /// Attached separately: no pages.
    Separate,
}

impl Body {
    fn pages(&self) -> u32 {
        match self {
            Body::Uploaded(_, n) => *n,
            Body::Drawn(pages) => u32::try_from(pages.len()).unwrap_or(u32::MAX),
            Body::Separate => 0,
        }
    }
}

struct Prepared {
    section: Section,
    title: String,
    dated: Option<NaiveDate>,
    body: Body,
}

/// Where each bundle page comes from: the drawn document, or an upload.
enum Slot {
    Drawn,
    Uploaded { upload: usize, page: usize },
}

/// Builds the bundle: index, then for each section that has parts a divider and its
/// parts, every page stamped "Page N of M".
///
/// Parts may come in any order. They are put in section order, and within a section
/// in date order (undated parts last, as they cannot be placed in time); parts with
/// the same date keep the order they came in. A section whose only parts are attached
/// separately still gets its divider, so the index's section list matches the dividers.
///
/// # Errors
///
/// Any part that cannot be read (a damaged or password-protected PDF, an image that
/// will not decode) fails the whole bundle with an error naming that part: see
/// [`BundleError`].
pub fn build(heading: &BundleHeading, mut parts: Vec<BundlePart>) -> Result<Bundle, BundleError> {
    parts.sort_by_key(|p| (p.section, p.dated.is_none(), p.dated));
    let prepared = parts
        .into_iter()
        .map(prepare)
        .collect::<Result<Vec<_>, _>>()?;

    // Count the index's pages with placeholder numbers (the number column has a fixed
    // width, so the count cannot change), then number everything after it.
    let placeholder = index_groups(&prepared, &[], &[]);
    let index_len =
        u32::try_from(layout::index_pages(heading, &placeholder).len()).unwrap_or(u32::MAX);

    let mut next = index_len + 1;
    let mut dividers = Vec::new();
    let mut ranges = Vec::with_capacity(prepared.len());
    let mut last_section = None;
    for part in &prepared {
        if last_section != Some(part.section) {
            dividers.push(next);
            next += 1;
            last_section = Some(part.section);
        }
        let n = part.body.pages();
        if n == 0 {
            ranges.push(None);
        } else {
            ranges.push(Some((next, next + n - 1)));
            next += n;
        }
    }
    let page_count = next - 1;

    let groups = index_groups(&prepared, &dividers, &ranges);
    let index_pages = layout::index_pages(heading, &groups);
    if index_pages.len() != index_len as usize {
        return Err(BundleError::Assembly(
            "the index changed length once numbered".into(),
        ));
    }
    let index: Vec<IndexEntry> = prepared
        .iter()
        .zip(&ranges)
        .map(|(p, pages)| IndexEntry {
            section: p.section,
            title: p.title.clone(),
            dated: p.dated,
            pages: *pages,
        })
        .collect();

    // Lay the pages out in bundle order: drawn pages go into one document in the same
    // order, uploads are referred to by position.
    let mut drawn: Vec<DrawnPage> = index_pages.into_iter().map(DrawnPage::Text).collect();
    let mut slots: Vec<Slot> = drawn.iter().map(|_| Slot::Drawn).collect();
    let mut uploads = Vec::new();
    let mut last_section = None;
    for part in prepared {
        if last_section != Some(part.section) {
            drawn.push(DrawnPage::Text(layout::divider_page(heading, part.section)));
            slots.push(Slot::Drawn);
            last_section = Some(part.section);
        }
        match part.body {
            Body::Uploaded(doc, n) => {
                let upload = uploads.len();
                uploads.push(*doc);
                slots.extend((0..n as usize).map(|page| Slot::Uploaded { upload, page }));
            }
            Body::Drawn(pages) => {
                slots.extend(pages.iter().map(|_| Slot::Drawn));
                drawn.extend(pages);
            }
            Body::Separate => {}
        }
    }

    let title = format!("Hearing bundle {}", heading.case_reference);
    let drawn_pdf = render::render(&title, drawn);
    let drawn_doc =
        Document::load_mem(&drawn_pdf).map_err(|e| BundleError::Assembly(e.to_string()))?;

    // Source 0 is the drawn document; upload i is source i + 1.
    let mut drawn_next = 0;
    let order: Vec<(usize, usize)> = slots
        .iter()
        .map(|slot| match slot {
            Slot::Drawn => {
                drawn_next += 1;
                (0, drawn_next - 1)
            }
            Slot::Uploaded { upload, page } => (upload + 1, *page),
        })
        .collect();
    let mut sources = Vec::with_capacity(uploads.len() + 1);
    sources.push(drawn_doc);
    sources.extend(uploads);
    let mut merged = merge::merge(sources, &order, &title).map_err(BundleError::Assembly)?;

    if merged.get_pages().len() != page_count as usize {
        return Err(BundleError::Assembly(format!(
            "expected {page_count} pages, assembled {}",
            merged.get_pages().len()
        )));
    }
    let mut pdf = Vec::new();
    merged
        .save_to(&mut pdf)
        .map_err(|e| BundleError::Assembly(e.to_string()))?;
    Ok(Bundle {
        pdf,
        index,
        page_count,
    })
}

/// The index's view of the parts; with empty `dividers`/`ranges` every number is a
/// placeholder of the widest kind, for counting the index's pages.
fn index_groups<'a>(
    parts: &'a [Prepared],
    dividers: &[u32],
    ranges: &[Option<(u32, u32)>],
) -> Vec<IndexGroup<'a>> {
    let mut groups: Vec<IndexGroup<'a>> = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        let pages = match ranges.get(i) {
            Some(range) => *range,
            None if part.body.pages() == 0 => None,
            None => Some((u32::MAX, u32::MAX)),
        };
        let row = IndexRow {
            title: &part.title,
            dated: part.dated,
            pages,
        };
        match groups.last_mut() {
            Some(group) if group.section == part.section => group.rows.push(row),
            _ => groups.push(IndexGroup {
                section: part.section,
                divider_page: dividers.get(groups.len()).copied().unwrap_or(u32::MAX),
                rows: vec![row],
            }),
        }
    }
    groups
}

/// Reads one part into pages (or a parsed PDF), failing with the part's title.
fn prepare(part: BundlePart) -> Result<Prepared, BundleError> {
    let BundlePart {
        section,
        title,
        dated,
        content,
    } = part;
    let body = match content {
        PartContent::Pdf(bytes) => {
            let doc = read_pdf(&title, &bytes)?;
            let n = u32::try_from(doc.get_pages().len()).unwrap_or(u32::MAX);
            if n == 0 {
                return Err(BundleError::EmptyPdf { title });
            }
            Body::Uploaded(Box::new(doc), n)
        }
        PartContent::Html(html) => {
            // Without decoration: `**bold**` and `# heading` marks would be printed
            // literally, since the page has no bold to show them with.
            let text = html2text::config::plain_no_decorate()
                .string_from_read(html.as_bytes(), layout::COLUMNS)
                .map_err(|e| BundleError::UnreadableLetter {
                    title: title.clone(),
                    reason: e.to_string(),
                })?;
            Body::Drawn(text_body(&title, dated, &text))
        }
        PartContent::Text(text) => Body::Drawn(text_body(&title, dated, &text)),
        PartContent::Image { bytes, .. } => {
            let image = RawImage::decode_from_bytes(&bytes, &mut Vec::new()).map_err(|reason| {
                BundleError::UnreadableImage {
                    title: title.clone(),
                    reason,
                }
            })?;
            let (lines, frame) = layout::image_page(&title, dated);
            Body::Drawn(vec![DrawnPage::Image {
                lines,
                image: Box::new(image),
                frame,
            }])
        }
        PartContent::AttachedSeparately { .. } => Body::Separate,
    };
    Ok(Prepared {
        section,
        title,
        dated,
        body,
    })
}

fn text_body(title: &str, dated: Option<NaiveDate>, text: &str) -> Vec<DrawnPage> {
    layout::text_pages(title, dated, text)
        .into_iter()
        .map(DrawnPage::Text)
        .collect()
}

/// Parses an upload, refusing one that is encrypted: even when it opens without a
/// password, its owner has restricted it, and merging it into the bundle would strip
/// that protection without anyone deciding to.
fn read_pdf(title: &str, bytes: &[u8]) -> Result<Document, BundleError> {
    let doc = Document::load_mem(bytes).map_err(|e| BundleError::UnreadablePdf {
        title: title.to_owned(),
        reason: e.to_string(),
    })?;
    if doc.is_encrypted() || doc.was_encrypted() {
        return Err(BundleError::EncryptedPdf {
            title: title.to_owned(),
        });
    }
    Ok(doc)
}

#[cfg(test)]
mod tests;
