//! The one rule for text people type: no control characters. A NUL or an escape in a
//! child's name corrupts letters and exports; a CR or LF in a one-line field (a name, a
//! place) would end an e-mail header or a calendar line early and start another. Long
//! free text (reasons, summaries, notes) keeps its line breaks and tabs, nothing else.
//! Every parser of typed text calls one of these two, so the rule lives here once.

use super::DomainError;

/// A one-line field (a name, a place, who asked): refuses every control character,
/// line breaks and tabs included.
pub fn one_line<'a>(field: &'static str, value: &'a str) -> Result<&'a str, DomainError> {
    if value.chars().any(char::is_control) {
        return Err(DomainError::invalid(
            field,
            "must be one line with no control characters (no line breaks, tabs or \
             invisible codes such as NUL)",
        ));
    }
    Ok(value)
}

/// Free text (reasons, a summary, notes, evidence): line breaks (`\n` or `\r\n`) and
/// tabs are kept; any other control character, or a lone `\r`, is refused.
pub fn free_text<'a>(field: &'static str, value: &'a str) -> Result<&'a str, DomainError> {
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        let allowed = match c {
            '\n' | '\t' => true,
            '\r' => chars.peek() == Some(&'\n'),
            other => !other.is_control(),
        };
        if !allowed {
            return Err(DomainError::invalid(
                field,
                "must not contain control characters other than line breaks and tabs \
                 (such as NUL or escape codes)",
            ));
        }
    }
    Ok(value)
}

/// `value` with every control character replaced by a space: for text on its way into
/// an e-mail header or a calendar line that was written before [`one_line`] was
/// enforced, so no stored value can add a header or a line.
pub fn flatten(value: &str) -> String {
    value
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_with_a_nul_or_a_line_break_is_refused_naming_the_field() {
        for bad in [
            "Al\0ex",
            "Alex\r\nBcc: x@example.org",
            "Alex\n",
            "Al\tex",
            "A\u{1b}[2J",
        ] {
            let err = one_line("given_name", bad).unwrap_err();
            assert_eq!(err.field(), "given_name", "{bad:?}");
            assert!(err.to_string().contains("no control characters"), "{err}");
        }
        assert_eq!(
            one_line("given_name", "Zoë O'Neill-Smith"),
            Ok("Zoë O'Neill-Smith")
        );
    }

    #[test]
    fn free_text_keeps_line_breaks_and_tabs_only() {
        let kept = "Two cycles of support.\r\nLittle progress.\n\tSee the EP's report.";
        assert_eq!(free_text("summary", kept), Ok(kept));
        for bad in ["a\0b", "a\rb", "a\u{7}b", "a\u{85}b", "end\r"] {
            let err = free_text("summary", bad).unwrap_err();
            assert_eq!(err.field(), "summary", "{bad:?}");
        }
    }

    #[test]
    fn flattened_text_has_no_line_to_break() {
        assert_eq!(
            flatten("Room 2\r\nBcc: x@example.org"),
            "Room 2  Bcc: x@example.org"
        );
    }
}
