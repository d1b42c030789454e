//! Calendar files (`.ics`, RFC 5545) for invitations, written with the `icalendar`
//! crate rather than by hand, so folding and escaping are right.
//!
//! Times are given in UTC (`DTSTART:20231016T090000Z`): a meeting "at 10:00" means
//! 10:00 in England, converted here once, so no calendar needs a `VTIMEZONE` for
//! Europe/London to show it at the right hour. `METHOD:PUBLISH`: the file adds the
//! meeting to the calendar; replies are not collected by e-mail.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Europe::London;
use icalendar::{Calendar, Component, EventLike, Property};

/// One meeting to put in a calendar.
pub(crate) struct Invitation<'a> {
    /// Stable across resends and updates of the same meeting (RFC 5545 3.8.4.7).
    pub uid: String,
    pub summary: &'a str,
    pub description: &'a str,
    pub location: &'a str,
    pub starts: DateTime<Utc>,
    pub ends: DateTime<Utc>,
    /// When the invitation was made (`DTSTAMP`); from the event, so the file is the
    /// same whenever it is rebuilt.
    pub stamp: DateTime<Utc>,
    pub organizer_name: &'a str,
    pub organizer_address: &'a str,
    pub attendee_address: &'a str,
}

/// The calendar file's text.
pub(crate) fn ics(invitation: &Invitation<'_>) -> String {
    use crate::domain::text::flatten;
    // One-line fields are flattened, and the description keeps only its line feeds
    // (escaped by the crate as `\n`): no stored CR or LF can end a calendar line.
    let description: String = invitation
        .description
        .chars()
        .filter(|c| *c != '\r')
        .map(|c| if c.is_control() && c != '\n' { ' ' } else { c })
        .collect();
    let event = icalendar::Event::new()
        .uid(&invitation.uid)
        .summary(&flatten(invitation.summary))
        .description(&description)
        .location(&flatten(invitation.location))
        .starts(invitation.starts)
        .ends(invitation.ends)
        .timestamp(invitation.stamp)
        .append_property(
            Property::new(
                "ORGANIZER",
                format!("mailto:{}", invitation.organizer_address),
            )
            .add_parameter("CN", &flatten(invitation.organizer_name))
            .done(),
        )
        .append_property(Property::new(
            "ATTENDEE",
            format!("mailto:{}", invitation.attendee_address),
        ))
        .done();
    Calendar::new()
        .append_property(Property::new("METHOD", "PUBLISH"))
        .push(event)
        .done()
        .to_string()
}

/// A wall-clock time in England on `date` as an instant. `None` for a time that does
/// not exist (the hour skipped when the clocks go forward); the earlier of the two when
/// the clocks go back.
pub(crate) fn london(date: NaiveDate, time: NaiveTime) -> Option<DateTime<Utc>> {
    London
        .from_local_datetime(&date.and_time(time))
        .earliest()
        .map(|at| at.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_meeting_in_summer_time_is_written_in_utc() {
        let day = NaiveDate::from_ymd_opt(2023, 10, 16).unwrap();
        let starts = london(day, NaiveTime::from_hms_opt(10, 0, 0).unwrap()).unwrap();
        let text = ics(&Invitation {
            uid: "meeting-1@council.example".into(),
            summary: "Next-steps meeting",
            description: "About Alex; bring any reports, notes; questions",
            location: "Harbourside Primary, Room 2",
            starts,
            ends: starts + chrono::Duration::hours(1),
            stamp: starts,
            organizer_name: "Torbay Council",
            organizer_address: "send@council.example",
            attendee_address: "parent@example.org",
        });
        assert!(text.contains("BEGIN:VCALENDAR"), "{text}");
        assert!(text.contains("METHOD:PUBLISH"), "{text}");
        assert!(text.contains("DTSTART:20231016T090000Z"), "{text}");
        assert!(text.contains("DTEND:20231016T100000Z"), "{text}");
        assert!(text.contains("UID:meeting-1@council.example"), "{text}");
        // Commas and semicolons in text are escaped, as RFC 5545 3.3.11 requires.
        assert!(text.contains("Harbourside Primary\\, Room 2"), "{text}");
        assert!(text.contains("mailto:parent@example.org"), "{text}");
    }

    #[test]
    fn no_stored_line_break_starts_a_calendar_line() {
        let starts = london(
            NaiveDate::from_ymd_opt(2023, 10, 16).unwrap(),
            NaiveTime::from_hms_opt(10, 0, 0).unwrap(),
        )
        .unwrap();
        let text = ics(&Invitation {
            uid: "meeting-2@council.example".into(),
            summary: "Next-steps meeting\r\nATTENDEE:mailto:x@evil.example",
            description: "Line one\r\nLine two",
            location: "Room 2\nORGANIZER:mailto:x@evil.example",
            starts,
            ends: starts + chrono::Duration::hours(1),
            stamp: starts,
            organizer_name: "Torbay Council",
            organizer_address: "send@council.example",
            attendee_address: "parent@example.org",
        });
        let unfolded = text.replace("\r\n ", "");
        assert!(
            !unfolded.lines().any(
                |l| l.starts_with("ATTENDEE:mailto:x@") || l.starts_with("ORGANIZER:mailto:x@")
            ),
            "{text}"
        );
        assert!(unfolded.contains("Line one\\nLine two"), "{text}");
    }

    #[test]
    fn the_skipped_hour_does_not_exist() {
        let day = NaiveDate::from_ymd_opt(2024, 3, 31).unwrap();
        assert!(london(day, NaiveTime::from_hms_opt(1, 30, 0).unwrap()).is_none());
        let winter = NaiveDate::from_ymd_opt(2024, 1, 10).unwrap();
        let at = london(winter, NaiveTime::from_hms_opt(10, 0, 0).unwrap()).unwrap();
        assert_eq!(at.format("%H:%M").to_string(), "10:00");
    }
}
