//! Page layout of the pages we draw ourselves: where each line of text goes on A4.
//!
//! Layout is kept apart from drawing so the number of pages a part or the index takes
//! is known *before* anything is drawn: the index must print page numbers that depend
//! on how long every part is, and on how long the index itself is.

use chrono::NaiveDate;

use super::Section;

/// A4 portrait, in PDF points (the unit of the page's coordinate system).
pub(super) const PAGE_WIDTH: f32 = 595.28;
/// A4 portrait height in points.
pub(super) const PAGE_HEIGHT: f32 = 841.89;
/// 20 mm left, right and top.
const MARGIN: f32 = 56.69;
/// 25 mm: text stops here, leaving the strip below free for the page-number stamp.
pub(super) const BOTTOM: f32 = 70.87;
/// The top baseline.
pub(super) const TOP: f32 = PAGE_HEIGHT - MARGIN;
/// Width available to text.
pub(super) const TEXT_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN;

/// Body text is Courier 10 pt. Courier is monospaced (every glyph 0.6 em wide), so a
/// line of [`COLUMNS`] characters is exactly 480 pt and always fits [`TEXT_WIDTH`]:
/// word-wrapping needs no font metrics and can never overflow the margin.
const BODY_SIZE: f32 = 10.0;
const BODY_LEADING: f32 = 13.0;
/// Characters on one body line (80 × 6 pt = 480 pt ≤ 481.9 pt).
pub(super) const COLUMNS: usize = 80;

/// Helvetica has no metrics in `printpdf`; 0.72 em per character is wider than any
/// mixed-case run of Helvetica-Bold, so headings wrapped by it stay inside the margin
/// (only a run of capital Ms or Ws could reach it).
const HEADING_EM: f32 = 0.72;

/// The four built-in faces we use; no font file is embedded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Face {
    /// Courier: body text and the index table.
    Body,
    /// Courier-Bold: the index's column header.
    BodyBold,
    /// Helvetica-Bold: titles and section headings.
    Heading,
    /// Helvetica: small print ("continued", dates under a title).
    Plain,
}

/// One line of text at a fixed place on the page; `y` is the baseline.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Placed {
    pub face: Face,
    pub size: f32,
    pub x: f32,
    pub y: f32,
    pub text: String,
}

/// Fills pages top to bottom, starting a new page when the next line would cross
/// [`BOTTOM`], and repeating a "continued" note at the top of each new page.
pub(super) struct Writer {
    pages: Vec<Vec<Placed>>,
    current: Vec<Placed>,
    y: f32,
    continued: Option<String>,
}

impl Writer {
    pub fn new() -> Self {
        Writer {
            pages: Vec::new(),
            current: Vec::new(),
            y: TOP,
            continued: None,
        }
    }

    /// Text to repeat (small) at the top of every page after the first.
    pub fn continued_as(&mut self, note: String) {
        self.continued = Some(note);
    }

    fn line(&mut self, face: Face, size: f32, leading: f32, x: f32, text: String) {
        if self.y - leading < BOTTOM && !self.current.is_empty() {
            self.new_page();
        }
        self.y -= leading;
        self.current.push(Placed {
            face,
            size,
            x,
            y: self.y,
            text,
        });
    }

    fn new_page(&mut self) {
        self.pages.push(std::mem::take(&mut self.current));
        self.y = TOP;
        if let Some(note) = self.continued.clone() {
            self.line(Face::Plain, 8.0, 8.0, MARGIN, note);
            self.y -= 8.0;
        }
    }

    /// Vertical space; a gap at the foot of a page simply disappears into the break.
    pub fn gap(&mut self, points: f32) {
        self.y -= points;
    }

    /// Body text, wrapped to [`COLUMNS`], one output line per wrapped line.
    pub fn body(&mut self, text: &str) {
        for line in wrap(text, COLUMNS) {
            self.line(Face::Body, BODY_SIZE, BODY_LEADING, MARGIN, line);
        }
    }

    /// One body-font line already laid out to [`COLUMNS`] (the index's table rows).
    pub fn row(&mut self, face: Face, text: String) {
        self.line(face, BODY_SIZE, BODY_LEADING, MARGIN, text);
    }

    /// A Helvetica-Bold heading, wrapped by the conservative [`HEADING_EM`] estimate.
    pub fn heading(&mut self, text: &str, size: f32) {
        let columns = heading_columns(size);
        for line in wrap(text, columns) {
            self.line(Face::Heading, size, size * 1.25, MARGIN, line);
        }
    }

    /// Small Helvetica print (dates, notes); kept short by callers, wrapped anyway.
    pub fn small(&mut self, text: &str) {
        for line in wrap(text, heading_columns(9.0)) {
            self.line(Face::Plain, 9.0, 12.0, MARGIN, line);
        }
    }

    /// Room left on the current page below the last line, in points.
    pub fn room_left(&self) -> f32 {
        self.y - BOTTOM
    }

    pub fn finish(mut self) -> Vec<Vec<Placed>> {
        if !self.current.is_empty() || self.pages.is_empty() {
            self.pages.push(self.current);
        }
        self.pages
    }
}

fn heading_columns(size: f32) -> usize {
    // Truncation is the intent: a partial column does not fit a character.
    ((TEXT_WIDTH / (size * HEADING_EM)) as usize).max(1)
}

/// Greedy word-wrap to `columns` characters. Paragraph breaks and leading indentation
/// are kept (letters and decisions rely on both); a word longer than a line is cut.
pub(super) fn wrap(text: &str, columns: usize) -> Vec<String> {
    let mut out = Vec::new();
    for raw in text.lines() {
        let line = clean(raw);
        if line.chars().count() <= columns {
            out.push(line.trim_end().to_owned());
            continue;
        }
        let indent: String = line.chars().take_while(|c| *c == ' ').collect();
        let indent = if indent.chars().count() * 2 > columns {
            String::new()
        } else {
            indent
        };
        let mut current = indent.clone();
        let mut current_len = current.chars().count();
        let mut at_start = true;
        for word in line.split_whitespace() {
            let mut word: Vec<char> = word.chars().collect();
            loop {
                let needed = if at_start { word.len() } else { word.len() + 1 };
                if current_len + needed <= columns {
                    if !at_start {
                        current.push(' ');
                    }
                    current.extend(word.iter());
                    current_len += needed;
                    at_start = false;
                    break;
                }
                if at_start {
                    // The word alone is wider than the line: cut it.
                    let room = columns.saturating_sub(current_len).max(1);
                    let rest = word.split_off(room.min(word.len()));
                    current.extend(word.iter());
                    out.push(std::mem::take(&mut current));
                    current.clone_from(&indent);
                    current_len = current.chars().count();
                    word = rest;
                    if word.is_empty() {
                        break;
                    }
                } else {
                    out.push(std::mem::take(&mut current));
                    current.clone_from(&indent);
                    current_len = current.chars().count();
                    at_start = true;
                }
            }
        }
        if !at_start || !current.trim().is_empty() {
            out.push(current);
        }
    }
    if out.is_empty() {
        out.push(String::new());
    }
    out
}

/// Tabs become spaces and control characters go: the built-in fonts draw neither, and
/// the column arithmetic above assumes one character per column.
fn clean(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    for c in line.chars() {
        match c {
            '\t' => out.push_str("    "),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A part as the index shows it.
pub(super) struct IndexRow<'a> {
    pub title: &'a str,
    pub dated: Option<NaiveDate>,
    /// None: attached separately.
    pub pages: Option<(u32, u32)>,
}

/// A non-empty section as the index shows it.
pub(super) struct IndexGroup<'a> {
    pub section: Section,
    pub divider_page: u32,
    pub rows: Vec<IndexRow<'a>>,
}

/// The index's table columns (Courier, so they line up): 46 + 2 + 10 + 1 + 21 = 80.
const TITLE_COLUMNS: usize = 46;
const DATE_COLUMNS: usize = 10;
const PAGE_COLUMNS: usize = 21;

/// Lays out the index. The number of pages never depends on the page numbers printed
/// (they sit in a fixed-width column), which lets the builder count the index's pages
/// with placeholder numbers first and then print the real ones.
pub(super) fn index_pages(
    heading: &super::BundleHeading,
    groups: &[IndexGroup<'_>],
) -> Vec<Vec<Placed>> {
    let mut w = Writer::new();
    w.continued_as(format!("Index (continued): {}", heading.case_reference));
    w.heading("Hearing bundle: index", 18.0);
    w.gap(4.0);
    w.small(&format!("Appeal reference: {}", heading.case_reference));
    w.small(&format!(
        "Child or young person: {}",
        heading.child_initials
    ));
    w.small(&format!("Local authority: {}", heading.authority_name));
    w.small(&format!(
        "Prepared on {}",
        heading.prepared_on.format("%-d %B %Y")
    ));
    w.gap(10.0);
    w.row(
        Face::BodyBold,
        format!(
            "{:<TITLE_COLUMNS$}  {:<DATE_COLUMNS$} {:>PAGE_COLUMNS$}",
            "Document", "Dated", "Pages"
        ),
    );
    if groups.is_empty() {
        w.gap(6.0);
        w.body("This bundle has no documents.");
    }
    for group in groups {
        w.gap(8.0);
        let title = format!("{}", group.section);
        let mut lines = wrap(&title, TITLE_COLUMNS + 2 + DATE_COLUMNS).into_iter();
        let first = lines.next().unwrap_or_default();
        w.row(
            Face::BodyBold,
            format!(
                "{first:<width$} {:>PAGE_COLUMNS$}",
                group.divider_page,
                width = TITLE_COLUMNS + 2 + DATE_COLUMNS
            ),
        );
        for more in lines {
            w.row(Face::BodyBold, more);
        }
        for row in &group.rows {
            let mut lines = wrap(row.title, TITLE_COLUMNS).into_iter();
            let first = lines.next().unwrap_or_default();
            let dated = row
                .dated
                .map(|d| d.format("%d/%m/%Y").to_string())
                .unwrap_or_default();
            let pages = match row.pages {
                Some((a, b)) if a == b => a.to_string(),
                Some((a, b)) => format!("{a}-{b}"),
                None => "attached separately".to_owned(),
            };
            w.row(
                Face::Body,
                format!("{first:<TITLE_COLUMNS$}  {dated:<DATE_COLUMNS$} {pages:>PAGE_COLUMNS$}"),
            );
            for more in lines {
                w.row(Face::Body, format!("  {more}"));
            }
        }
    }
    w.finish()
}

/// A divider: the section heading large, with the case it belongs to.
pub(super) fn divider_page(heading: &super::BundleHeading, section: Section) -> Vec<Placed> {
    let mut w = Writer::new();
    w.gap(180.0);
    w.heading(&format!("Section {}", section.letter()), 36.0);
    w.gap(6.0);
    w.heading(section.title(), 18.0);
    w.gap(12.0);
    w.small(&format!(
        "Appeal {} - {} - {}",
        heading.case_reference, heading.child_initials, heading.authority_name
    ));
    w.finish().into_iter().next().unwrap_or_default()
}

/// The heading block at the top of a part we draw ourselves (text or image).
pub(super) fn part_header(w: &mut Writer, title: &str, dated: Option<NaiveDate>) {
    w.continued_as(format!("{title} (continued)"));
    w.heading(title, 13.0);
    if let Some(d) = dated {
        w.small(&format!("Dated {}", d.format("%-d %B %Y")));
    }
    w.gap(10.0);
}

/// Pages for a text part: its header, then the text wrapped to the body column.
pub(super) fn text_pages(title: &str, dated: Option<NaiveDate>, text: &str) -> Vec<Vec<Placed>> {
    let mut w = Writer::new();
    part_header(&mut w, title, dated);
    w.body(text);
    w.finish()
}

/// Where an image goes on its page: the box below its header, in points.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Frame {
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
}

/// The single page of an image part: header lines, and the frame the picture fills.
pub(super) fn image_page(title: &str, dated: Option<NaiveDate>) -> (Vec<Placed>, Frame) {
    let mut w = Writer::new();
    part_header(&mut w, title, dated);
    let frame = Frame {
        x: MARGIN,
        y: BOTTOM,
        width: TEXT_WIDTH,
        height: w.room_left().max(1.0),
    };
    (w.finish().into_iter().next().unwrap_or_default(), frame)
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )]
    use super::*;

    #[test]
    fn wrapped_text_never_runs_past_the_margin_and_keeps_every_word() {
        let long = "word ".repeat(60) + &"x".repeat(200);
        let lines = wrap(&long, COLUMNS);
        assert!(lines.iter().all(|l| l.chars().count() <= COLUMNS));
        let rejoined: String = lines.concat().split_whitespace().collect();
        let original: String = long.split_whitespace().collect();
        assert_eq!(rejoined, original);
    }

    #[test]
    fn paragraphs_and_indentation_survive_wrapping() {
        let lines = wrap(
            "Dear Ms Smith,\n\n    1. The plan names Oak School.",
            COLUMNS,
        );
        assert_eq!(
            lines,
            ["Dear Ms Smith,", "", "    1. The plan names Oak School."]
        );
    }
}
