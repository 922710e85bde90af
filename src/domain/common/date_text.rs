//! The shop's fixed date formats written by hand ("Fri 25 Dec 2026, 20:00",
//! "2026-12-25T20:00Z"): a page writes several dates per request, and chrono's `format`
//! parses its pattern again on every call. Each function writes exactly what the
//! strftime pattern in its comment makes (the tests compare them).

use std::fmt::Write;

use chrono::{Datelike, Timelike};

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `%Y`: four digits, or a sign and all digits outside 0–9999.
fn year(out: &mut String, year: i32) {
    let _ = if (0..=9999).contains(&year) {
        write!(out, "{year:04}")
    } else {
        write!(out, "{year:+}")
    };
}

/// `%H:%M`.
pub fn clock(out: &mut String, time: &impl Timelike) {
    let _ = write!(out, "{:02}:{:02}", time.hour(), time.minute());
}

/// `%a %-d %b %Y, %H:%M`: "Fri 25 Dec 2026, 20:00".
pub fn day_and_clock(out: &mut String, time: &(impl Datelike + Timelike)) {
    let weekday = WEEKDAYS[time.weekday().num_days_from_monday() as usize];
    let month = MONTHS[time.month0() as usize];
    let _ = write!(out, "{weekday} {} {month} ", time.day());
    year(out, time.year());
    out.push_str(", ");
    clock(out, time);
}

/// `%Y-%m-%dT%H:%MZ`: "2026-12-25T20:00Z" (a UTC time for `<time datetime=…>`).
pub fn iso_minutes(time: &(impl Datelike + Timelike)) -> String {
    let mut out = String::with_capacity(17);
    year(&mut out, time.year());
    let _ = write!(out, "-{:02}-{:02}T", time.month(), time.day());
    clock(&mut out, time);
    out.push('Z');
    out
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, NaiveDateTime, TimeDelta};

    use super::*;

    fn samples() -> Vec<NaiveDateTime> {
        let mut times = Vec::new();
        for (y, m, d) in [(2026, 12, 25), (2027, 3, 28), (999, 1, 1), (9999, 12, 31)] {
            let start = NaiveDate::from_ymd_opt(y, m, d)
                .unwrap()
                .and_hms_opt(0, 7, 0)
                .unwrap();
            for step in 0..60 {
                times.push(start + TimeDelta::minutes(step * 1_531));
            }
        }
        times.push(
            NaiveDate::from_ymd_opt(10_000, 1, 1)
                .unwrap()
                .and_hms_opt(9, 5, 0)
                .unwrap(),
        );
        times
    }

    #[test]
    fn each_writes_what_its_strftime_pattern_makes() {
        for time in samples() {
            let mut day = String::new();
            day_and_clock(&mut day, &time);
            assert_eq!(day, time.format("%a %-d %b %Y, %H:%M").to_string());
            assert_eq!(
                iso_minutes(&time),
                time.format("%Y-%m-%dT%H:%MZ").to_string()
            );
            let mut hm = String::new();
            clock(&mut hm, &time);
            assert_eq!(hm, time.format("%H:%M").to_string());
        }
    }
}
