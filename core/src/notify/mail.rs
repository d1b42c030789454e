//! Building the RFC 5322 message that the outbox stores and later sends byte for byte.
//!
//! Every message is `multipart/alternative` with a plain-text part (for mail clients
//! and screen readers that prefer it) and the letter's HTML; an invitation wraps that
//! in `multipart/mixed` with the `.ics` attached. The `Message-ID` is made from the
//! outbox row's id, so a message the worker had to send twice is the same message.

use std::time::SystemTime;

use chrono::{DateTime, Utc};
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart};
use lettre::{Address, Message};

use super::NotifyError;
use crate::domain::Email;
use crate::store::OutboxId;

/// The `Message-ID` of the outbox row `id` sent from `from_address`:
/// `<{id}@{sender's domain}>`. The same row always gives the same id, which is how a
/// resend after a crash is recognised as a duplicate.
pub fn message_id(id: OutboxId, from_address: &str) -> String {
    let domain = from_address
        .rsplit_once('@')
        .map_or("sendpanel.invalid", |(_, d)| d);
    format!("<{id}@{domain}>")
}

/// One message to build.
pub(crate) struct Outgoing<'a> {
    pub id: OutboxId,
    pub from_name: &'a str,
    pub from_address: &'a Address,
    pub to: &'a Email,
    pub to_name: Option<&'a str>,
    pub subject: &'a str,
    pub html: &'a str,
    pub date: DateTime<Utc>,
    /// An `.ics` file to attach, for invitations.
    pub calendar: Option<String>,
}

/// The message's bytes, ready for the outbox.
pub(crate) fn build(out: Outgoing<'_>) -> Result<Vec<u8>, NotifyError> {
    let fail = |e: &dyn std::fmt::Display| NotifyError::Message(e.to_string());
    let to_address: Address = out.to.as_str().parse().map_err(|e| fail(&e))?;
    // Typed text is refused with control characters on the way in; flattened here as
    // well, so nothing stored before that rule can end a header and start another.
    let flat = crate::domain::text::flatten;
    let builder = Message::builder()
        .message_id(Some(message_id(out.id, out.from_address.as_ref())))
        .from(Mailbox::new(
            Some(flat(out.from_name)),
            out.from_address.clone(),
        ))
        .to(Mailbox::new(out.to_name.map(flat), to_address))
        .subject(flat(out.subject))
        .date(SystemTime::from(out.date));
    let text = html_to_text(out.html);
    let body = MultiPart::alternative_plain_html(text, out.html.to_owned());
    let message = match out.calendar {
        None => builder.multipart(body),
        Some(ics) => {
            let calendar = ContentType::parse("text/calendar; charset=utf-8; method=PUBLISH")
                .map_err(|e| fail(&e))?;
            builder.multipart(
                MultiPart::mixed()
                    .multipart(body)
                    .singlepart(Attachment::new("invitation.ics".into()).body(ics, calendar)),
            )
        }
    }
    .map_err(|e| fail(&e))?;
    Ok(message.formatted())
}

/// The plain-text part, from the letter's HTML: our own templates' markup only
/// (paragraphs, headings, lists, line breaks, links), so a small converter is enough.
/// Skips `<head>` and `<style>`, ends blocks with blank lines, turns list items into
/// "- " lines and undoes the escapes handlebars writes.
pub(crate) fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len() / 2);
    let mut rest = html;
    let mut skipping: Option<&'static str> = None;
    while let Some(open) = rest.find('<') {
        let (text, tail) = rest.split_at(open);
        if skipping.is_none() {
            push_text(&mut out, text);
        }
        let Some(close) = tail.find('>') else {
            rest = "";
            break;
        };
        let tag = tail.get(1..close).unwrap_or_default().trim();
        rest = tail.get(close + 1..).unwrap_or_default();
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        let closing = tag.starts_with('/');
        if let Some(until) = skipping {
            if closing && name == until {
                skipping = None;
            }
            continue;
        }
        match (name.as_str(), closing) {
            ("head" | "style" | "script" | "title", false) => {
                skipping = Some(match name.as_str() {
                    "head" => "head",
                    "style" => "style",
                    "script" => "script",
                    _ => "title",
                });
            }
            ("br", _) => out.push('\n'),
            ("li", false) => {
                end_line(&mut out);
                out.push_str("- ");
            }
            ("p" | "h1" | "h2" | "h3" | "h4" | "ul" | "ol" | "div" | "table" | "address", _)
            | ("li" | "tr", true) => end_block(&mut out, name != "li" && name != "tr"),
            ("td" | "th", true) => out.push(' '),
            _ => {}
        }
    }
    if skipping.is_none() {
        push_text(&mut out, rest);
    }
    let mut text = out.trim().to_owned();
    text.push('\n');
    text
}

/// Appends text with runs of whitespace collapsed, as a browser would show it.
fn push_text(out: &mut String, text: &str) {
    let text = unescape(text);
    for (i, word) in text.split_whitespace().enumerate() {
        let at_line_start = out.is_empty() || out.ends_with('\n') || out.ends_with("- ");
        let starts_with_space = text.starts_with(char::is_whitespace);
        if !at_line_start && (i > 0 || starts_with_space) && !out.ends_with(' ') {
            out.push(' ');
        }
        out.push_str(word);
    }
    if text.ends_with(char::is_whitespace) && !text.trim().is_empty() {
        out.push(' ');
    }
}

fn end_line(out: &mut String) {
    while out.ends_with(' ') {
        out.pop();
    }
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
}

fn end_block(out: &mut String, blank_line: bool) {
    end_line(out);
    if blank_line && !out.is_empty() && !out.ends_with("\n\n") {
        out.push('\n');
    }
}

/// Undoes handlebars' HTML escapes and the few entities our templates use.
fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&#x60;", "`")
        .replace("&#x3D;", "=")
        .replace("&nbsp;", " ")
        .replace("&ndash;", "\u{2013}")
        .replace("&rsquo;", "\u{2019}")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_becomes_readable_text() {
        let html = "<!doctype html><html><head><title>T</title><style>p{}</style></head>\
            <body><h1>Our  decision</h1><p>We will <strong>not</strong> assess\n  Alex &amp; \
            &lt;friends&gt; &#x3D; &#x27;x&#x27;.</p><ul><li>one</li><li>two</li></ul>\
            <p>Line<br>break</p></body></html>";
        assert_eq!(
            html_to_text(html),
            "Our decision\n\nWe will not assess Alex & <friends> = 'x'.\n\n- one\n- two\n\nLine\nbreak\n"
        );
    }

    #[test]
    fn the_message_id_comes_from_the_row() {
        let id: OutboxId = "0190b5d0-0000-7000-8000-000000000001".parse().unwrap();
        assert_eq!(
            message_id(id, "send@torbay.gov.uk"),
            "<0190b5d0-0000-7000-8000-000000000001@torbay.gov.uk>"
        );
    }

    #[test]
    fn no_stored_line_break_adds_a_header() {
        let from: Address = "send@council.example".parse().unwrap();
        let to = Email::parse("parent@example.org").unwrap();
        let bytes = build(Outgoing {
            id: OutboxId::new(),
            from_name: "Torbay Council\r\nBcc: a@evil.example",
            from_address: &from,
            to: &to,
            to_name: Some("Alex\r\nBcc: b@evil.example"),
            subject: "Decision\r\nBcc: c@evil.example",
            html: "<p>Letter</p>",
            date: DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
            calendar: None,
        })
        .unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert!(
            !text
                .lines()
                .any(|l| l.to_ascii_lowercase().starts_with("bcc:")),
            "{text}"
        );
    }

    #[test]
    fn a_message_has_both_parts_and_the_attachment() {
        let id = OutboxId::new();
        let from: Address = "send@council.example".parse().unwrap();
        let to = Email::parse("parent@example.org").unwrap();
        let bytes = build(Outgoing {
            id,
            from_name: "Torbay Council",
            from_address: &from,
            to: &to,
            to_name: None,
            subject: "Invitation",
            html: "<p>Come &amp; see</p>",
            date: DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
            calendar: Some("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n".into()),
        })
        .unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert!(
            text.contains(&format!("Message-ID: <{id}@council.example>")),
            "{text}"
        );
        assert!(
            text.contains("From: \"Torbay Council\" <send@council.example>"),
            "{text}"
        );
        assert!(text.contains("multipart/mixed"), "{text}");
        assert!(text.contains("text/plain"), "{text}");
        assert!(text.contains("text/html"), "{text}");
        assert!(text.contains("invitation.ics"), "{text}");
        assert!(
            text.contains("Date: Tue, 14 Nov 2023 22:13:20 +0000"),
            "{text}"
        );
    }
}
