//! Time zones: every event has an IANA zone (`Europe/Berlin`); times are stored in UTC
//! and shown in the event's zone with its abbreviation ("Fri 25 Dec 2026, 20:00 CET").
//! A local time typed by an organiser becomes UTC here, and a local time that a
//! daylight-saving change skips or repeats is refused, naming the two times it could be.

use std::fmt::Write;

use chrono::{DateTime, LocalResult, NaiveDateTime, Offset, TimeDelta, TimeZone};
pub use chrono_tz::Tz;

use super::date_text;

/// The zone of an event created before zones existed, and of `DEFAULT_TIME_ZONE` unset.
pub const UTC: Tz = Tz::UTC;

/// A zone by its IANA name (`Europe/Berlin`, `UTC`); `None` for anything else.
pub fn parse(name: &str) -> Option<Tz> {
    name.trim().parse::<Tz>().ok()
}

/// The zone a stored name stands for. Names are checked before they are written, so an
/// unknown one (a database edited by hand) reads as UTC rather than failing a page.
pub fn stored(name: &str) -> Tz {
    parse(name).unwrap_or(UTC)
}

/// The zones the event form offers: UTC, then the IANA database's canonical
/// `Region/City` names, alphabetically (no `Etc/…`, `US/…` or other legacy aliases).
pub fn choices() -> Vec<&'static str> {
    const REGIONS: [&str; 10] = [
        "Africa/",
        "America/",
        "Antarctica/",
        "Arctic/",
        "Asia/",
        "Atlantic/",
        "Australia/",
        "Europe/",
        "Indian/",
        "Pacific/",
    ];
    let mut names: Vec<&'static str> = chrono_tz::TZ_VARIANTS
        .iter()
        .map(|zone| zone.name())
        .filter(|name| REGIONS.iter().any(|region| name.starts_with(region)))
        .collect();
    names.sort_unstable();
    names.insert(0, UTC.name());
    names
}

/// A UTC instant as a wall-clock time in `zone`.
pub fn local(utc: NaiveDateTime, zone: Tz) -> DateTime<Tz> {
    zone.from_utc_datetime(&utc)
}

/// "Fri 25 Dec 2026, 20:00 CET": how pages, mails and the door write an event's times.
/// (`%a %-d %b %Y, %H:%M %Z`, written by hand: `date_text`).
pub fn display(utc: NaiveDateTime, zone: Tz) -> String {
    let local = local(utc, zone);
    let mut out = String::with_capacity(32);
    date_text::day_and_clock(&mut out, &local);
    let _ = write!(out, " {}", local.offset());
    out
}

/// "20:00 CET" (a time on a day already named; `%H:%M %Z`).
pub fn clock_time(utc: NaiveDateTime, zone: Tz) -> String {
    let local = local(utc, zone);
    let mut out = String::with_capacity(10);
    date_text::clock(&mut out, &local);
    let _ = write!(out, " {}", local.offset());
    out
}

/// The local time as the form's `datetime-local` input holds it.
pub fn form_value(utc: NaiveDateTime, zone: Tz) -> String {
    local(utc, zone).format("%Y-%m-%dT%H:%M").to_string()
}

/// The local time with its offset, RFC 3339 (`2026-12-25T20:00:00+01:00`): the API's.
pub fn rfc3339(utc: NaiveDateTime, zone: Tz) -> String {
    local(utc, zone).to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// Why a typed local time names no single instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalTimeProblem {
    /// The clocks jump over it (spring forward). The two times it might have meant: the
    /// same wall-clock time read with the offset before the jump (`later`, shown after
    /// the jump) or with the offset after it (`earlier`, shown before the jump).
    Skipped {
        earlier: NaiveDateTime,
        later: NaiveDateTime,
    },
    /// The clocks pass it twice (fall back): once before the change and once after.
    Repeated {
        first: NaiveDateTime,
        second: NaiveDateTime,
    },
}

impl LocalTimeProblem {
    /// The refusal in words, naming the two choices in the event's zone.
    pub fn message(&self, typed: NaiveDateTime, zone: Tz) -> String {
        let day = typed.format("%a %-d %b %Y");
        let time = typed.format("%H:%M");
        match *self {
            LocalTimeProblem::Skipped { earlier, later } => format!(
                "{time} on {day} does not exist in {zone}: the clocks skip that hour for daylight saving. Choose {} or {}.",
                clock_time(earlier, zone),
                clock_time(later, zone),
            ),
            LocalTimeProblem::Repeated { first, second } => format!(
                "{time} on {day} happens twice in {zone}, as the clocks go back: {} (UTC{}) or an hour later {} (UTC{}). Choose a time outside that hour, or give the time with its offset through the API.",
                clock_time(first, zone),
                offset_text(first, zone),
                clock_time(second, zone),
                offset_text(second, zone),
            ),
        }
    }
}

/// "+02:00" for the zone's offset at an instant.
fn offset_text(utc: NaiveDateTime, zone: Tz) -> String {
    local(utc, zone).format("%:z").to_string()
}

/// The UTC instant of a wall-clock time in `zone`, or why there is no single one.
pub fn to_utc(local_time: NaiveDateTime, zone: Tz) -> Result<NaiveDateTime, LocalTimeProblem> {
    match zone.from_local_datetime(&local_time) {
        LocalResult::Single(time) => Ok(time.naive_utc()),
        LocalResult::Ambiguous(first, second) => {
            let (first, second) = if first <= second {
                (first, second)
            } else {
                (second, first)
            };
            Err(LocalTimeProblem::Repeated {
                first: first.naive_utc(),
                second: second.naive_utc(),
            })
        }
        LocalResult::None => {
            // The offsets on either side of the jump (transitions are months apart, so a
            // day away is safely on each side).
            let offset_at = |utc: NaiveDateTime| {
                i64::from(zone.offset_from_utc_datetime(&utc).fix().local_minus_utc())
            };
            let before = offset_at(local_time - TimeDelta::days(1));
            let after = offset_at(local_time + TimeDelta::days(1));
            let read_with = |offset: i64| local_time - TimeDelta::seconds(offset);
            let (a, b) = (read_with(before), read_with(after));
            Err(LocalTimeProblem::Skipped {
                earlier: a.min(b),
                later: a.max(b),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap()
    }

    const BERLIN: Tz = Tz::Europe__Berlin;

    #[test]
    fn display_and_clock_time_write_what_strftime_makes_in_every_zone() {
        for zone in [
            "UTC",
            "Europe/Berlin",
            "America/New_York",
            "Asia/Kolkata",
            "Australia/Lord_Howe",
        ] {
            let zone = parse(zone).unwrap();
            for day in 0..400 {
                let utc = at("2026-01-01 00:30") + TimeDelta::hours(day * 23);
                let local = local(utc, zone);
                assert_eq!(
                    display(utc, zone),
                    local.format("%a %-d %b %Y, %H:%M %Z").to_string()
                );
                assert_eq!(clock_time(utc, zone), local.format("%H:%M %Z").to_string());
            }
        }
    }

    #[test]
    fn a_winter_and_a_summer_evening_in_berlin() {
        let winter = to_utc(at("2026-12-25 20:00"), BERLIN).unwrap();
        assert_eq!(winter, at("2026-12-25 19:00"));
        assert_eq!(display(winter, BERLIN), "Fri 25 Dec 2026, 20:00 CET");
        let summer = to_utc(at("2026-07-01 20:00"), BERLIN).unwrap();
        assert_eq!(summer, at("2026-07-01 18:00"));
        assert_eq!(display(summer, BERLIN), "Wed 1 Jul 2026, 20:00 CEST");
        assert_eq!(form_value(summer, BERLIN), "2026-07-01T20:00");
        assert_eq!(rfc3339(winter, BERLIN), "2026-12-25T20:00:00+01:00");
    }

    #[test]
    fn a_time_the_clocks_skip_is_refused_naming_both_readings() {
        // 29 March 2026: 02:00 CET becomes 03:00 CEST.
        let problem = to_utc(at("2026-03-29 02:30"), BERLIN).unwrap_err();
        assert_eq!(
            problem,
            LocalTimeProblem::Skipped {
                earlier: at("2026-03-29 00:30"),
                later: at("2026-03-29 01:30"),
            }
        );
        let message = problem.message(at("2026-03-29 02:30"), BERLIN);
        assert!(
            message.contains("does not exist in Europe/Berlin"),
            "{message}"
        );
        assert!(message.contains("01:30 CET or 03:30 CEST"), "{message}");
        // Either side of the gap is fine.
        assert_eq!(
            to_utc(at("2026-03-29 01:59"), BERLIN).unwrap(),
            at("2026-03-29 00:59")
        );
        assert_eq!(
            to_utc(at("2026-03-29 03:00"), BERLIN).unwrap(),
            at("2026-03-29 01:00")
        );
    }

    #[test]
    fn a_time_the_clocks_pass_twice_is_refused_naming_both() {
        // 25 October 2026: 03:00 CEST becomes 02:00 CET.
        let problem = to_utc(at("2026-10-25 02:30"), BERLIN).unwrap_err();
        assert_eq!(
            problem,
            LocalTimeProblem::Repeated {
                first: at("2026-10-25 00:30"),
                second: at("2026-10-25 01:30"),
            }
        );
        let message = problem.message(at("2026-10-25 02:30"), BERLIN);
        assert!(message.contains("happens twice"), "{message}");
        assert!(
            message.contains("02:30 CEST (UTC+02:00) or an hour later 02:30 CET (UTC+01:00)"),
            "{message}"
        );
        assert_eq!(
            to_utc(at("2026-10-25 03:00"), BERLIN).unwrap(),
            at("2026-10-25 02:00")
        );
    }

    #[test]
    fn zones_are_iana_names_and_the_list_starts_with_utc() {
        assert_eq!(parse("Europe/Berlin"), Some(BERLIN));
        assert_eq!(parse(" UTC "), Some(UTC));
        assert_eq!(parse("Mars/Olympus"), None);
        assert_eq!(parse(""), None);
        assert_eq!(stored("nonsense"), UTC);
        let list = choices();
        assert_eq!(list[0], "UTC");
        assert!(list.contains(&"Europe/Berlin"));
        assert!(list.contains(&"America/New_York"));
        assert!(!list.iter().any(|name| name.starts_with("US/")));
        assert!(list.iter().all(|name| parse(name).is_some()));
    }
}
