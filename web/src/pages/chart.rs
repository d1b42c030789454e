//! Horizontal bar charts drawn as SVG on the server, so the dashboard needs no
//! JavaScript and no chart library.
//!
//! A chart is a picture of numbers the page also gives in a table: the SVG is
//! `role="img"` with a `<title>` and a `<desc>` naming every bar and its value, and the
//! table beside it is the accessible equivalent. Bars use the GOV.UK palette, each
//! colour at least 3:1 against the white page (WCAG 2.2 1.4.11), and every bar carries
//! its number as text, so colour is never the only way to tell bars apart.
//!
//! The geometry ([`bar_lengths`]) is pure and tested on its own; [`BarChart::svg`]
//! only places what it computes. Every piece of text is XML-escaped here.

use std::fmt::Write as _;

/// Total width of the drawing, in SVG units (it scales to its container).
const WIDTH: u32 = 680;
/// Room for the bar labels, left of the axis.
const LABEL_WIDTH: u32 = 300;
/// Room for the value printed after the longest bar.
const VALUE_ROOM: u32 = 60;
/// The longest a bar can be.
pub const BAR_AREA: u32 = WIDTH - LABEL_WIDTH - VALUE_ROOM;
/// One bar's row, and the bar's thickness within it.
const ROW: u32 = 40;
const BAR_HEIGHT: u32 = 28;
/// Space above the first and below the last row.
const PAD: u32 = 8;

/// A bar's colour, from the GOV.UK palette. Each contrasts at least 3:1 with white.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Colour {
    /// A count with no judgement in it (requests, outcomes).
    Blue,
    /// Within the statutory limit.
    Green,
    /// Later than the limit, or refused.
    Red,
    /// Not yet decided: shown apart from the rest.
    Grey,
}

impl Colour {
    fn hex(self) -> &'static str {
        match self {
            Self::Blue => "#1d70b8",
            Self::Green => "#00703c",
            Self::Red => "#d4351c",
            Self::Grey => "#505a5f",
        }
    }
}

/// One bar: what it counts, how many, and its colour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    /// The label beside the bar (escaped when drawn).
    pub label: String,
    /// The count.
    pub value: usize,
    /// Its colour.
    pub colour: Colour,
}

impl Bar {
    /// A bar of `value` labelled `label`.
    pub fn new(label: impl Into<String>, value: usize, colour: Colour) -> Self {
        Self {
            label: label.into(),
            value,
            colour,
        }
    }
}

/// A chart: an id unique on the page (for `aria-labelledby`), a title, a sentence
/// saying what it shows, and its bars.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BarChart {
    /// Unique on the page; the title's and description's ids derive from it.
    pub id: String,
    /// What the chart shows, read first by a screen reader.
    pub title: String,
    /// What the bars are, before the figures (which [`BarChart::svg`] appends).
    pub summary: String,
    /// The bars, top to bottom.
    pub bars: Vec<Bar>,
    /// Said inside the chart, and in its description, when there are no bars.
    pub empty: String,
}

/// Each bar's length for `values`, proportional to the largest and at most `area`
/// long. A bar for a non-zero value is at least 2 units long, so it is never invisible
/// beside a much larger one; when every value is zero every bar is zero.
pub fn bar_lengths(values: &[usize], area: u32) -> Vec<u32> {
    let max = values.iter().copied().max().unwrap_or(0);
    values
        .iter()
        .map(|&value| {
            if max == 0 || value == 0 {
                return 0;
            }
            // u128 so a huge count cannot overflow the multiplication.
            let scaled = (value as u128 * u128::from(area) + max as u128 / 2) / max as u128;
            u32::try_from(scaled).unwrap_or(area).clamp(2, area)
        })
        .collect()
}

/// `text` safe inside SVG (XML) text and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

impl BarChart {
    /// The description a screen reader reads after the title: the summary, then each
    /// bar and its value (or the empty message).
    pub fn description(&self) -> String {
        if self.bars.is_empty() {
            return format!("{} {}", self.summary, self.empty);
        }
        let figures: Vec<String> = self
            .bars
            .iter()
            .map(|bar| format!("{}: {}", bar.label, bar.value))
            .collect();
        format!("{} {}.", self.summary, figures.join("; "))
    }

    /// The drawing's height for its number of rows (one, for the empty message).
    pub fn height(&self) -> u32 {
        let rows = u32::try_from(self.bars.len().max(1)).unwrap_or(u32::MAX / ROW);
        PAD * 2 + rows.saturating_mul(ROW)
    }

    /// The chart as an `<svg>` element, ready to place in a page unescaped.
    pub fn svg(&self) -> String {
        let id = escape(&self.id);
        let height = self.height();
        let mut svg = String::new();
        // `write!` to a String cannot fail; the results are ignored for that reason.
        let _ = write!(
            svg,
            r#"<svg xmlns="http://www.w3.org/2000/svg" class="sp-chart" role="img" aria-labelledby="{id}-title {id}-desc" viewBox="0 0 {WIDTH} {height}" width="100%" focusable="false">"#
        );
        let _ = write!(
            svg,
            r#"<title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#,
            escape(&self.title),
            escape(&self.description())
        );
        svg.push_str(r##"<g font-family="arial, sans-serif" font-size="16" fill="#0b0c0c">"##);
        if self.bars.is_empty() {
            let _ = write!(
                svg,
                r#"<text x="{}" y="{}">{}</text>"#,
                LABEL_WIDTH + 8,
                PAD + ROW / 2 + 6,
                escape(&self.empty)
            );
        }
        let values: Vec<usize> = self.bars.iter().map(|b| b.value).collect();
        let lengths = bar_lengths(&values, BAR_AREA);
        for (row, (bar, length)) in self.bars.iter().zip(lengths).enumerate() {
            let top = PAD + u32::try_from(row).unwrap_or(0).saturating_mul(ROW);
            let bar_top = top + (ROW - BAR_HEIGHT) / 2;
            let baseline = bar_top + BAR_HEIGHT / 2 + 6;
            let _ = write!(
                svg,
                r#"<text x="{}" y="{baseline}" text-anchor="end">{}</text><rect x="{LABEL_WIDTH}" y="{bar_top}" width="{length}" height="{BAR_HEIGHT}" fill="{}"/><text x="{}" y="{baseline}">{}</text>"#,
                LABEL_WIDTH - 8,
                escape(&bar.label),
                bar.colour.hex(),
                LABEL_WIDTH + length + 6,
                bar.value
            );
        }
        let _ = write!(
            svg,
            r##"<line x1="{LABEL_WIDTH}" y1="{PAD}" x2="{LABEL_WIDTH}" y2="{}" stroke="#0b0c0c" stroke-width="1"/></g></svg>"##,
            height - PAD
        );
        svg
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(bars: Vec<Bar>) -> BarChart {
        BarChart {
            id: "c".into(),
            title: "Decisions".into(),
            summary: "Decisions by outcome.".into(),
            bars,
            empty: "None recorded yet.".into(),
        }
    }

    #[test]
    fn bars_are_proportional_to_the_largest_value() {
        assert_eq!(bar_lengths(&[1, 2, 4], 400), vec![100, 200, 400]);
        assert_eq!(bar_lengths(&[3, 0, 6], 300), vec![150, 0, 300]);
        // Rounded to the nearest unit.
        assert_eq!(bar_lengths(&[1, 3], 100), vec![33, 100]);
    }

    #[test]
    fn a_small_value_still_shows_and_nothing_overflows() {
        assert_eq!(bar_lengths(&[1, 10_000], 350), vec![2, 350]);
        assert_eq!(
            bar_lengths(&[usize::MAX, usize::MAX / 2], 350),
            vec![350, 175]
        );
    }

    #[test]
    fn zero_max_draws_no_bars_and_no_division() {
        assert_eq!(bar_lengths(&[0, 0, 0], 350), vec![0, 0, 0]);
        assert_eq!(bar_lengths(&[], 350), Vec::<u32>::new());
        let empty = chart(Vec::new());
        let svg = empty.svg();
        assert!(svg.contains("None recorded yet."), "{svg}");
        assert!(!svg.contains("<rect"), "{svg}");
        assert_eq!(empty.height(), PAD * 2 + ROW);
    }

    #[test]
    fn the_svg_is_an_image_named_by_its_title_and_description() {
        let svg = chart(vec![
            Bar::new("Within 6 weeks", 3, Colour::Green),
            Bar::new("Later", 1, Colour::Red),
        ])
        .svg();
        assert_eq!(BAR_AREA, 320);
        assert!(svg.starts_with("<svg "), "{svg}");
        assert!(svg.ends_with("</svg>"), "{svg}");
        assert!(
            svg.contains(r#"role="img" aria-labelledby="c-title c-desc""#),
            "{svg}"
        );
        assert!(
            svg.contains(r#"<title id="c-title">Decisions</title>"#),
            "{svg}"
        );
        assert!(
            svg.contains(
                r#"<desc id="c-desc">Decisions by outcome. Within 6 weeks: 3; Later: 1.</desc>"#
            ),
            "{svg}"
        );
        assert!(
            svg.contains(r##"width="320" height="28" fill="#00703c""##),
            "{svg}"
        );
        // 1 of 3 over 320 units is 106.67, drawn as 107.
        assert!(
            svg.contains(r##"width="107" height="28" fill="#d4351c""##),
            "{svg}"
        );
        assert_eq!(svg.matches("<rect").count(), 2);
    }

    #[test]
    fn labels_and_titles_are_escaped() {
        let mut hostile = chart(vec![Bar::new(
            "<script>alert(\"x\")</script> & 'co'",
            2,
            Colour::Blue,
        )]);
        hostile.title = "A & B <i>".into();
        hostile.id = "x\" onload=\"y".into();
        let svg = hostile.svg();
        assert!(!svg.contains("<script>"), "{svg}");
        assert!(!svg.contains("<i>"), "{svg}");
        assert!(!svg.contains("onload=\"y"), "{svg}");
        assert!(
            svg.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;co&#39;"),
            "{svg}"
        );
        assert!(svg.contains("A &amp; B &lt;i&gt;"), "{svg}");
    }
}
