//! The calendar file sent with a booking confirmation (RFC 5545, one event). Its times
//! are UTC instants (a calendar shows them in its owner's zone); the event's own local
//! time is written out in its description, as the shop shows it everywhere.

use chrono::NaiveDateTime;

/// A VCALENDAR with one VEVENT; `uid` keeps it the same event however often it is sent.
pub fn event(
    uid: &str,
    title: &str,
    venue: &str,
    starts_at: NaiveDateTime,
    ends_at: NaiveDateTime,
    local_start: &str,
    stamp: NaiveDateTime,
) -> String {
    let at = |t: NaiveDateTime| t.format("%Y%m%dT%H%M%SZ").to_string();
    let lines = [
        "BEGIN:VCALENDAR".to_owned(),
        "VERSION:2.0".to_owned(),
        "PRODID:-//boxoffice//tickets//EN".to_owned(),
        "METHOD:PUBLISH".to_owned(),
        "BEGIN:VEVENT".to_owned(),
        format!("UID:{uid}"),
        format!("DTSTAMP:{}", at(stamp)),
        format!("DTSTART:{}", at(starts_at)),
        format!("DTEND:{}", at(ends_at)),
        format!("SUMMARY:{}", escape(title)),
        format!("LOCATION:{}", escape(venue)),
        format!("DESCRIPTION:{}", escape(&format!("Starts {local_start}."))),
        "END:VEVENT".to_owned(),
        "END:VCALENDAR".to_owned(),
    ];
    let mut text = lines.join("\r\n");
    text.push_str("\r\n");
    text
}

/// Text values escape backslashes, commas, semicolons and newlines.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace('\n', "\\n")
        .replace('\r', "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_has_its_times_in_utc_and_escaped_text() {
        let start =
            NaiveDateTime::parse_from_str("2026-12-19 20:00", "%Y-%m-%d %H:%M").unwrap_or_default();
        let ics = event(
            "t1@boxoffice",
            "Jazz, live",
            "Hall; 2",
            start,
            start,
            "Sat 19 Dec 2026, 21:00 CET",
            start,
        );
        assert!(ics.contains("DTSTART:20261219T200000Z\r\n"));
        assert!(ics.contains("DESCRIPTION:Starts Sat 19 Dec 2026\\, 21:00 CET.\r\n"));
        assert!(ics.contains("SUMMARY:Jazz\\, live"));
        assert!(ics.contains("LOCATION:Hall\\; 2"));
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\n"));
    }
}
