//! Drawing the pages we make ourselves (index, dividers, letters, text, images) with
//! `printpdf`, into one PDF whose pages the merger then places among the uploads.
//!
//! Everything is drawn in one document so the built-in fonts and the PDF overhead are
//! written once, not once per part.

use printpdf::{
    BuiltinFont, Mm, Op, PdfDocument, PdfFontHandle, PdfPage, PdfSaveOptions, Point, Pt, RawImage,
    TextItem, XObjectTransform,
};

use super::layout::{Face, Frame, PAGE_HEIGHT, PAGE_WIDTH, Placed};

/// A page we draw: lines of text, and for an image part the picture and its frame.
pub(super) enum DrawnPage {
    Text(Vec<Placed>),
    Image {
        lines: Vec<Placed>,
        image: Box<RawImage>,
        frame: Frame,
    },
}

fn font(face: Face) -> BuiltinFont {
    match face {
        Face::Body => BuiltinFont::Courier,
        Face::BodyBold => BuiltinFont::CourierBold,
        Face::Heading => BuiltinFont::HelveticaBold,
        Face::Plain => BuiltinFont::Helvetica,
    }
}

fn text_ops(lines: &[Placed], ops: &mut Vec<Op>) {
    for line in lines {
        if line.text.is_empty() {
            continue;
        }
        // One text object per line: `SetTextCursor` is a relative move (`Td`) inside a
        // text object, so a fresh object per line keeps every position absolute.
        ops.push(Op::StartTextSection);
        ops.push(Op::SetFont {
            font: PdfFontHandle::Builtin(font(line.face)),
            size: Pt(line.size),
        });
        ops.push(Op::SetTextCursor {
            pos: Point {
                x: Pt(line.x),
                y: Pt(line.y),
            },
        });
        ops.push(Op::ShowText {
            items: vec![TextItem::Text(line.text.clone())],
        });
        ops.push(Op::EndTextSection);
    }
}

/// The image scaled to fill its frame's width or height, whichever binds first, aspect
/// ratio kept, centred across and hung from the top: a photo of a handwritten note is
/// read more easily large, and small images are rarely more than a screenshot.
fn image_transform(image: &RawImage, frame: Frame) -> XObjectTransform {
    let w = image.width.max(1) as f32;
    let h = image.height.max(1) as f32;
    let scale = (frame.width / w).min(frame.height / h);
    let drawn_w = w * scale;
    let drawn_h = h * scale;
    XObjectTransform {
        translate_x: Some(Pt(frame.x + (frame.width - drawn_w) / 2.0)),
        translate_y: Some(Pt(frame.y + (frame.height - drawn_h))),
        scale_x: Some(scale),
        scale_y: Some(scale),
        // At 72 dpi one pixel is one point, so `scale` above is in points per pixel.
        dpi: Some(72.0),
        ..XObjectTransform::default()
    }
}

/// Draws the pages, in order, into one PDF.
pub(super) fn render(title: &str, pages: Vec<DrawnPage>) -> Vec<u8> {
    let mut doc = PdfDocument::new(title);
    let mut out = Vec::with_capacity(pages.len());
    for page in pages {
        let mut ops = Vec::new();
        match page {
            DrawnPage::Text(lines) => text_ops(&lines, &mut ops),
            DrawnPage::Image {
                lines,
                image,
                frame,
            } => {
                text_ops(&lines, &mut ops);
                let transform = image_transform(&image, frame);
                let id = doc.add_image(&image);
                ops.push(Op::UseXobject { id, transform });
            }
        }
        out.push(PdfPage::new(
            Mm::from(Pt(PAGE_WIDTH)),
            Mm::from(Pt(PAGE_HEIGHT)),
            ops,
        ));
    }
    let mut warnings = Vec::new();
    doc.with_pages(out)
        .save(&PdfSaveOptions::default(), &mut warnings)
}
