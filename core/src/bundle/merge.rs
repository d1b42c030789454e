//! Merging PDFs page by page with `lopdf`, and stamping "Page N of M" on every page.

use std::collections::HashSet;

use lopdf::content::{Content, Operation};
use lopdf::{Dictionary, Document, Object, ObjectId, Stream, dictionary};

/// The resource name of the stamp's font on every page; unusual enough not to collide
/// with a name an uploaded PDF already uses.
const STAMP_FONT: &str = "SendpanelStamp";
/// The stamp's size in points and its baseline above the page's visual bottom edge.
const STAMP_SIZE: f32 = 9.0;
const STAMP_RISE: f32 = 22.0;

/// Reads a page attribute the way a viewer does: from the page, else from the nearest
/// ancestor in the page tree that sets it.
fn inherited(doc: &Document, page_id: ObjectId, key: &[u8]) -> Option<Object> {
    let mut current = page_id;
    let mut seen = HashSet::new();
    while seen.insert(current) {
        let node = doc.get_dictionary(current).ok()?;
        if let Ok(value) = node.get(key) {
            match doc.dereference(value) {
                Ok((_, Object::Null)) | Err(_) => {}
                Ok(_) => return Some(value.clone()),
            }
        }
        current = node.get(b"Parent").ok()?.as_reference().ok()?;
    }
    None
}

/// Copies the inherited attributes onto each page, because the page tree they were
/// inherited from is dropped when the page moves into the bundle.
pub(super) fn settle_pages(doc: &mut Document) {
    for page_id in doc.get_pages().into_values() {
        let media = inherited(doc, page_id, b"MediaBox")
            .unwrap_or_else(|| Object::Array(vec![0.into(), 0.into(), 595.into(), 842.into()]));
        let crop = inherited(doc, page_id, b"CropBox").unwrap_or_else(|| media.clone());
        let resources = inherited(doc, page_id, b"Resources")
            .unwrap_or_else(|| Object::Dictionary(Dictionary::new()));
        let rotate = inherited(doc, page_id, b"Rotate").unwrap_or(Object::Integer(0));
        if let Ok(page) = doc.get_dictionary_mut(page_id) {
            page.set("MediaBox", media);
            page.set("CropBox", crop);
            page.set("Resources", resources);
            page.set("Rotate", rotate);
        }
    }
}

/// Builds one document whose pages are `order` (indices into each source's own page
/// list), then stamps each page with its number.
///
/// Every source is renumbered into a disjoint range of object ids, so their objects
/// can all live in one document; each source's catalog and page tree are left behind
/// and a new page tree is made with the pages in bundle order.
pub(super) fn merge(
    sources: Vec<Document>,
    order: &[(usize, usize)],
    title: &str,
) -> Result<Document, String> {
    let mut merged = Document::with_version("1.7");
    let mut next_id = 1;
    let mut source_pages: Vec<Vec<ObjectId>> = Vec::with_capacity(sources.len());
    let mut page_objects = std::collections::HashMap::new();
    for mut doc in sources {
        settle_pages(&mut doc);
        doc.renumber_objects_with(next_id);
        next_id = doc.max_id + 1;
        source_pages.push(doc.get_pages().into_values().collect());
        for (id, object) in doc.objects {
            match object.type_name().unwrap_or_default() {
                b"Catalog" | b"Pages" | b"Outlines" | b"Outline" => {}
                b"Page" => {
                    page_objects.insert(id, object);
                }
                _ => {
                    merged.objects.insert(id, object);
                }
            }
        }
    }
    merged.max_id = next_id.saturating_sub(1);
    let pages_id = merged.new_object_id();

    let mut kids = Vec::with_capacity(order.len());
    for &(source, page) in order {
        let id = source_pages
            .get(source)
            .and_then(|pages| pages.get(page))
            .copied()
            .ok_or_else(|| format!("page {page} of source {source} is missing"))?;
        let mut object = page_objects
            .remove(&id)
            .ok_or_else(|| format!("page {page} of source {source} is used twice or missing"))?;
        if let Ok(dict) = object.as_dict_mut() {
            dict.set("Parent", pages_id);
        }
        merged.objects.insert(id, object);
        kids.push(Object::Reference(id));
    }
    let count = i64::try_from(kids.len()).map_err(|e| e.to_string())?;
    merged.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }),
    );
    let catalog_id = merged.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    merged.trailer.set("Root", catalog_id);
    let info_id = merged.add_object(dictionary! {
        "Title" => Object::string_literal(title),
        "Producer" => Object::string_literal("sendpanel"),
    });
    merged.trailer.set("Info", info_id);
    stamp(&mut merged).map_err(|e| e.to_string())?;
    // The uploads' catalogs pointed at forms, outlines and structure trees we did not
    // keep; whatever only they reached is now unreachable and is dropped.
    merged.prune_objects();
    Ok(merged)
}

/// Where a page's resource dictionary, and the font dictionary inside it, live.
#[derive(Clone, Copy)]
enum Place {
    Inline,
    At(ObjectId),
    Missing,
}

fn number(doc: &Document, object: &Object) -> f32 {
    doc.dereference(object)
        .ok()
        .and_then(|(_, o)| o.as_float().ok())
        .unwrap_or(0.0)
}

/// The page's visible box (crop box, else media box) as (x0, y0, x1, y1).
fn visible_box(doc: &Document, page: &Dictionary) -> (f32, f32, f32, f32) {
    let boxed = page
        .get(b"CropBox")
        .or_else(|_| page.get(b"MediaBox"))
        .ok()
        .and_then(|o| doc.dereference(o).ok())
        .and_then(|(_, o)| o.as_array().ok())
        .map(|a| a.iter().map(|v| number(doc, v)).collect::<Vec<_>>());
    match boxed.as_deref() {
        Some(&[a, b, c, d]) => (a.min(c), b.min(d), a.max(c), b.max(d)),
        _ => (0.0, 0.0, 595.0, 842.0),
    }
}

/// Helvetica's advance widths (thousandths of an em) for the characters of a stamp.
fn stamp_width(text: &str, size: f32) -> f32 {
    let units: u32 = text
        .chars()
        .map(|c| match c {
            'P' => 667,
            ' ' | 'f' => 278,
            _ => 556, // a, g, e, o and the digits
        })
        .sum();
    units as f32 * size / 1000.0
}

/// Where a dictionary-valued entry lives: inline, behind a reference, or nowhere usable.
fn place_of(doc: &Document, dict: &Dictionary, key: &[u8]) -> Place {
    match dict.get(key) {
        Ok(Object::Reference(id)) if doc.get_dictionary(*id).is_ok() => Place::At(*id),
        Ok(Object::Dictionary(_)) => Place::Inline,
        _ => Place::Missing,
    }
}

/// Adds the stamp's font to the page's resources, wherever those live. A resource
/// dictionary shared by several pages simply gains the same entry more than once.
fn add_font(doc: &mut Document, page_id: ObjectId, font_id: ObjectId) -> lopdf::Result<()> {
    let resources = place_of(doc, doc.get_dictionary(page_id)?, b"Resources");
    if let Place::Missing = resources {
        doc.get_dictionary_mut(page_id)?
            .set("Resources", Dictionary::new());
    }
    let fonts = match resources {
        Place::At(id) => place_of(doc, doc.get_dictionary(id)?, b"Font"),
        Place::Inline => place_of(
            doc,
            doc.get_dictionary(page_id)?.get(b"Resources")?.as_dict()?,
            b"Font",
        ),
        Place::Missing => Place::Missing,
    };
    if let Place::At(id) = fonts {
        doc.get_dictionary_mut(id)?.set(STAMP_FONT, font_id);
        return Ok(());
    }
    let dict = match resources {
        Place::At(id) => doc.get_dictionary_mut(id)?,
        Place::Inline | Place::Missing => doc
            .get_dictionary_mut(page_id)?
            .get_mut(b"Resources")?
            .as_dict_mut()?,
    };
    if let Place::Missing = fonts {
        dict.set("Font", Dictionary::new());
    }
    dict.get_mut(b"Font")?
        .as_dict_mut()?
        .set(STAMP_FONT, font_id);
    Ok(())
}

/// The page's existing content streams, in order.
fn contents(doc: &Document, page: &Dictionary) -> Vec<Object> {
    match page.get(b"Contents") {
        Ok(Object::Reference(id)) => match doc.get_object(*id) {
            Ok(Object::Array(items)) => items.clone(),
            Ok(_) => vec![Object::Reference(*id)],
            Err(_) => Vec::new(),
        },
        Ok(Object::Array(items)) => items.clone(),
        _ => Vec::new(),
    }
}

/// Stamps "Page N of M" at the bottom centre of every page, upright as the page is
/// shown (the page's /Rotate is honoured).
///
/// The page's own content is wrapped in `q … Q` first, so whatever graphics state it
/// leaves behind (a scaled matrix, white fill) cannot move or hide the stamp.
fn stamp(doc: &mut Document) -> lopdf::Result<()> {
    let font_id = doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "Type1",
        "BaseFont" => "Helvetica",
        "Encoding" => "WinAnsiEncoding",
    });
    let save = Content {
        operations: vec![Operation::new("q", vec![])],
    };
    let save_id = doc.add_object(Stream::new(Dictionary::new(), save.encode()?));
    let pages: Vec<ObjectId> = doc.get_pages().into_values().collect();
    let total = pages.len();
    for (index, page_id) in pages.into_iter().enumerate() {
        add_font(doc, page_id, font_id)?;
        let page = doc.get_dictionary(page_id)?;
        let (x0, y0, x1, y1) = visible_box(doc, page);
        let rotate = page
            .get(b"Rotate")
            .ok()
            .and_then(|o| doc.dereference(o).ok())
            .and_then(|(_, o)| o.as_i64().ok())
            .unwrap_or(0)
            .rem_euclid(360);
        // A matrix from "as shown" coordinates (origin at the visual bottom-left, x to
        // the right) to the page's own coordinates, and the width as shown.
        let (matrix, shown_width) = match rotate {
            90 => ([0.0, 1.0, -1.0, 0.0, x1, y0], y1 - y0),
            180 => ([-1.0, 0.0, 0.0, -1.0, x1, y1], x1 - x0),
            270 => ([0.0, -1.0, 1.0, 0.0, x0, y1], y1 - y0),
            _ => ([1.0, 0.0, 0.0, 1.0, x0, y0], x1 - x0),
        };
        let text = format!("Page {} of {}", index + 1, total);
        let x = (shown_width - stamp_width(&text, STAMP_SIZE)) / 2.0;
        let content = Content {
            operations: vec![
                Operation::new("Q", vec![]),
                Operation::new("q", vec![]),
                Operation::new("cm", matrix.iter().map(|v| Object::Real(*v)).collect()),
                Operation::new("g", vec![Object::Real(0.0)]),
                Operation::new("BT", vec![]),
                Operation::new(
                    "Tf",
                    vec![Object::Name(STAMP_FONT.into()), Object::Real(STAMP_SIZE)],
                ),
                Operation::new("Td", vec![Object::Real(x), Object::Real(STAMP_RISE)]),
                Operation::new("Tj", vec![Object::string_literal(text)]),
                Operation::new("ET", vec![]),
                Operation::new("Q", vec![]),
            ],
        };
        let mut streams = vec![Object::Reference(save_id)];
        streams.extend(contents(doc, page));
        let stamp_id = doc.add_object(Stream::new(Dictionary::new(), content.encode()?));
        streams.push(Object::Reference(stamp_id));
        doc.get_dictionary_mut(page_id)?.set("Contents", streams);
    }
    Ok(())
}
