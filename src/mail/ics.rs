//! The calendar file sent with a booking's mails (RFC 5545, one event, iTIP method
//! PUBLISH or CANCEL). Times are written in the event's own zone (`TZID`) with a
//! `VTIMEZONE` that holds that zone's offsets over the event, so a calendar shows the
//! organiser's wall-clock time and converts it exactly; a UTC event is written in UTC.
//! The UID names the booking and the shop's host, so the confirmation and a later
//! cancellation are the same calendar entry; lines are folded at 75 octets.

use chrono::{NaiveDateTime, Offset, TimeDelta, TimeZone};
use chrono_tz::{OffsetComponents, OffsetName};

use crate::domain::common::time_zone::{self, Tz};

/// What the calendar says: the booking's event, confirmed or called off.
pub struct CalendarEntry<'a> {
    /// Stable for a booking (see [`booking_uid`]).
    pub uid: &'a str,
    /// 0 for the confirmation; higher for each later revision (the cancellation).
    pub sequence: u32,
    /// `METHOD:CANCEL` and `STATUS:CANCELLED` instead of a confirmed entry.
    pub cancelled: bool,
    pub title: &'a str,
    pub venue: &'a str,
    /// UTC instants, as stored.
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub zone: Tz,
    /// The booking's page.
    pub link: &'a str,
    /// The shop's sender address (`MAIL_FROM`), the entry's organiser.
    pub organizer: &'a str,
    /// When this revision was written.
    pub stamp: NaiveDateTime,
}

/// The UID of a booking's calendar entry: `booking-7-1@shop.example` (the booking, its
/// hold number — a booking held again after a lapse is a new entry — and the host of
/// `PUBLIC_URL`).
pub fn booking_uid(booking_id: i32, hold_number: i32, public_url: &str) -> String {
    format!("booking-{booking_id}-{hold_number}@{}", host_of(public_url))
}

/// The calendar file for `entry`, lines folded and ending in CRLF.
pub fn calendar(entry: &CalendarEntry<'_>) -> String {
    let method = if entry.cancelled { "CANCEL" } else { "PUBLISH" };
    let status = if entry.cancelled {
        "CANCELLED"
    } else {
        "CONFIRMED"
    };
    let local_start = time_zone::display(entry.starts_at, entry.zone);
    let description = if entry.cancelled {
        format!("Cancelled. It was to start {local_start}. {}", entry.link)
    } else {
        format!("Starts {local_start}. Your booking: {}", entry.link)
    };
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_owned(),
        "VERSION:2.0".to_owned(),
        "PRODID:-//boxoffice//bookings//EN".to_owned(),
        format!("METHOD:{method}"),
    ];
    let utc = entry.zone == time_zone::UTC;
    if !utc {
        lines.extend(vtimezone(entry.zone, entry.starts_at, entry.ends_at));
    }
    let at = |name: &str, instant: NaiveDateTime| {
        if utc {
            format!("{name}:{}", instant.format("%Y%m%dT%H%M%SZ"))
        } else {
            let local = entry.zone.from_utc_datetime(&instant).naive_local();
            format!(
                "{name};TZID={}:{}",
                entry.zone.name(),
                local.format("%Y%m%dT%H%M%S")
            )
        }
    };
    lines.extend([
        "BEGIN:VEVENT".to_owned(),
        format!("UID:{}", entry.uid),
        format!("SEQUENCE:{}", entry.sequence),
        format!("DTSTAMP:{}", entry.stamp.format("%Y%m%dT%H%M%SZ")),
        at("DTSTART", entry.starts_at),
        at("DTEND", entry.ends_at),
        format!("STATUS:{status}"),
        format!("SUMMARY:{}", escape(entry.title)),
        format!("LOCATION:{}", escape(entry.venue)),
        format!("DESCRIPTION:{}", escape(&description)),
        format!("URL:{}", entry.link),
        format!("ORGANIZER:mailto:{}", address_of(entry.organizer)),
        "END:VEVENT".to_owned(),
        "END:VCALENDAR".to_owned(),
    ]);
    let mut text = String::new();
    for line in &lines {
        fold_into(&mut text, line);
    }
    text
}

/// The zone's definition over the event: the offset in force at its start and, when a
/// daylight-saving change falls before its end, that change (found to the second).
fn vtimezone(zone: Tz, starts_at: NaiveDateTime, ends_at: NaiveDateTime) -> Vec<String> {
    let offset_at = |instant: NaiveDateTime| zone.offset_from_utc_datetime(&instant);
    let first = offset_at(starts_at);
    let mut lines = vec![
        "BEGIN:VTIMEZONE".to_owned(),
        format!("TZID:{}", zone.name()),
    ];
    let first_seconds = first.fix().local_minus_utc();
    lines.extend(observance(
        &first,
        "19700101T000000".to_owned(),
        first_seconds,
    ));
    let last = offset_at(ends_at);
    let last_seconds = last.fix().local_minus_utc();
    if ends_at > starts_at && last_seconds != first_seconds {
        // The first instant with the end's offset: a binary search over seconds.
        let (mut before, mut after) = (starts_at, ends_at);
        while after - before > TimeDelta::seconds(1) {
            let middle = before + (after - before) / 2;
            if offset_at(middle).fix().local_minus_utc() == first_seconds {
                before = middle;
            } else {
                after = middle;
            }
        }
        // An observance starts at the wall-clock time of the offset it replaces.
        let local_change = after + TimeDelta::seconds(i64::from(first_seconds));
        lines.extend(observance(
            &last,
            local_change.format("%Y%m%dT%H%M%S").to_string(),
            first_seconds,
        ));
    }
    lines.push("END:VTIMEZONE".to_owned());
    lines
}

/// One STANDARD or DAYLIGHT block: `offset` in force from `local_start`.
fn observance(offset: &chrono_tz::TzOffset, local_start: String, from_seconds: i32) -> Vec<String> {
    let kind = if offset.dst_offset().is_zero() {
        "STANDARD"
    } else {
        "DAYLIGHT"
    };
    let mut lines = vec![
        format!("BEGIN:{kind}"),
        format!("DTSTART:{local_start}"),
        format!("TZOFFSETFROM:{}", utc_offset(from_seconds)),
        format!("TZOFFSETTO:{}", utc_offset(offset.fix().local_minus_utc())),
    ];
    if let Some(name) = offset.abbreviation() {
        lines.push(format!("TZNAME:{}", escape(name)));
    }
    lines.push(format!("END:{kind}"));
    lines
}

/// `+0100`, `-0330`, `+053000` (seconds only when there are any).
fn utc_offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let seconds = seconds.unsigned_abs();
    let (hours, minutes, rest) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    if rest == 0 {
        format!("{sign}{hours:02}{minutes:02}")
    } else {
        format!("{sign}{hours:02}{minutes:02}{rest:02}")
    }
}

/// Appends `line` folded as RFC 5545 3.1 asks: at most 75 octets per physical line, a
/// continuation starting with one space, never splitting a UTF-8 character.
fn fold_into(text: &mut String, line: &str) {
    const LIMIT: usize = 75;
    let mut room = LIMIT;
    let mut used = 0;
    for character in line.chars() {
        let width = character.len_utf8();
        if used + width > room {
            text.push_str("\r\n ");
            room = LIMIT - 1;
            used = 0;
        }
        text.push(character);
        used += width;
    }
    text.push_str("\r\n");
}

/// The host of a URL: `https://shop.example:8443/x` → `shop.example`.
fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let authority = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    if authority.starts_with('[') {
        return authority.split_inclusive(']').next().unwrap_or(authority);
    }
    authority.split(':').next().unwrap_or(authority)
}

/// The bare address of `Box office <tickets@shop.example>`.
fn address_of(sender: &str) -> &str {
    match (sender.rfind('<'), sender.rfind('>')) {
        (Some(open), Some(close)) if open < close => &sender[open + 1..close],
        _ => sender.trim(),
    }
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

    fn utc(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap_or_default()
    }

    fn entry<'a>(zone: Tz, start: &str, end: &str, title: &'a str) -> CalendarEntry<'a> {
        CalendarEntry {
            uid: "booking-1-1@shop.example",
            sequence: 0,
            cancelled: false,
            title,
            venue: "Hall; 2",
            starts_at: utc(start),
            ends_at: utc(end),
            zone,
            link: "https://shop.example/tickets/1",
            organizer: "Box office <tickets@shop.example>",
            stamp: utc(start),
        }
    }

    #[test]
    fn a_berlin_event_is_written_in_its_zone_with_the_zone_defined() {
        let ics = calendar(&entry(
            chrono_tz::Europe::Berlin,
            "2026-12-19 19:00",
            "2026-12-19 22:00",
            "Jazz, live",
        ));
        assert!(ics.contains("DTSTART;TZID=Europe/Berlin:20261219T200000\r\n"));
        assert!(ics.contains("DTEND;TZID=Europe/Berlin:20261219T230000\r\n"));
        assert!(ics.contains("BEGIN:STANDARD\r\nDTSTART:19700101T000000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\n"));
        assert!(!ics.contains("BEGIN:DAYLIGHT"));
        assert!(ics.contains("SUMMARY:Jazz\\, live"));
        assert!(ics.contains("LOCATION:Hall\\; 2"));
        assert!(ics.contains("ORGANIZER:mailto:tickets@shop.example\r\n"));
        assert!(ics.contains("METHOD:PUBLISH\r\n"));
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\n"));
    }

    #[test]
    fn an_event_across_the_autumn_change_defines_both_offsets() {
        // 25 Oct 2026: 03:00 CEST becomes 02:00 CET at 01:00 UTC.
        let ics = calendar(&entry(
            chrono_tz::Europe::Berlin,
            "2026-10-24 22:00",
            "2026-10-25 04:00",
            "All night",
        ));
        assert!(ics.contains("BEGIN:DAYLIGHT\r\nDTSTART:19700101T000000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST\r\nEND:DAYLIGHT"));
        assert!(ics.contains("BEGIN:STANDARD\r\nDTSTART:20261025T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\nEND:STANDARD"));
        assert!(ics.contains("DTSTART;TZID=Europe/Berlin:20261025T000000\r\n"));
        assert!(ics.contains("DTEND;TZID=Europe/Berlin:20261025T050000\r\n"));
    }

    #[test]
    fn a_utc_event_is_written_in_utc() {
        let ics = calendar(&entry(
            time_zone::UTC,
            "2026-12-19 20:00",
            "2026-12-19 22:00",
            "x",
        ));
        assert!(ics.contains("DTSTART:20261219T200000Z\r\n"));
        assert!(!ics.contains("VTIMEZONE"));
    }

    #[test]
    fn long_lines_fold_at_75_octets_without_splitting_a_character() {
        let title = "Ünïcödé ".repeat(30);
        let ics = calendar(&entry(
            time_zone::UTC,
            "2026-12-19 20:00",
            "2026-12-19 22:00",
            &title,
        ));
        for line in ics.split("\r\n") {
            assert!(line.len() <= 75, "{} octets: {line}", line.len());
        }
        let unfolded = ics.replace("\r\n ", "");
        assert!(unfolded.contains(&format!("SUMMARY:{title}\r\n")));
    }

    #[test]
    fn a_cancellation_is_the_same_entry_called_off() {
        let mut cancelled = entry(time_zone::UTC, "2026-12-19 20:00", "2026-12-19 22:00", "x");
        cancelled.cancelled = true;
        cancelled.sequence = 1;
        let ics = calendar(&cancelled);
        assert!(ics.contains("METHOD:CANCEL\r\n"));
        assert!(ics.contains("STATUS:CANCELLED\r\n"));
        assert!(ics.contains("SEQUENCE:1\r\n"));
        assert!(ics.contains("UID:booking-1-1@shop.example\r\n"));
    }

    #[test]
    fn hosts_and_offsets_read_as_calendars_expect() {
        assert_eq!(host_of("https://shop.example:8443/x"), "shop.example");
        assert_eq!(host_of("http://127.0.0.1:8080"), "127.0.0.1");
        assert_eq!(host_of("http://[::1]:8080/"), "[::1]");
        assert_eq!(utc_offset(-12_600), "-0330");
        assert_eq!(utc_offset(3_600), "+0100");
        assert_eq!(address_of("tickets@x.example"), "tickets@x.example");
    }
}
