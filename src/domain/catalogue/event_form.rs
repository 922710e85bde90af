//! The admin's event form: what was typed, and the valid event it becomes. Times are
//! typed as wall-clock times in the event's time zone and stored in UTC.

use chrono::{DateTime, NaiveDateTime};
use serde::Deserialize;

use crate::db::models::{Event, EventFields};
use crate::domain::common::form_errors::FieldErrors;
use crate::domain::common::text::{CONTROL_CHARACTER, is_clean_block, is_clean_line};
use crate::domain::common::time_zone::{self, Tz};

/// The years an event may start or end in: far enough for any real event, and inside
/// what both databases store and compare correctly.
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2200;

/// The longest refund window: a year before the start.
pub const MAX_REFUND_HOURS: i32 = 8760;

/// The highest resale fee an organiser may set, in percent of a listing's price.
pub const MAX_RESALE_FEE_PERCENT: i32 = 50;

/// The format of an HTML `datetime-local` input.
pub const DATETIME_LOCAL: &str = "%Y-%m-%dT%H:%M";

/// The form as typed, kept to re-render it with the user's input.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct EventForm {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub venue: String,
    #[serde(default)]
    pub starts_at: String,
    #[serde(default)]
    pub ends_at: String,
    /// Hours before the start until which buyers may cancel a paid booking for a
    /// refund; empty: only the organiser refunds.
    #[serde(default)]
    pub refund_hours_before: String,
    /// The high-demand checkbox: `on` when ticked, absent (empty) when not. Holding
    /// seats of a high-demand event needs a confirmed address.
    #[serde(default)]
    pub high_demand: String,
    /// The IANA zone the times are typed in and shown in (`Europe/Berlin`).
    #[serde(default)]
    pub time_zone: String,
    /// The "Allow resale between fans" checkbox: `on` when ticked, absent (empty) when
    /// not. A new event's form starts ticked.
    #[serde(default)]
    pub resale_enabled: String,
    /// The shop's fee on a resale, in whole percent from 0 to 50; empty means 0.
    #[serde(default)]
    pub resale_fee_percent: String,
}

impl EventForm {
    /// An empty form whose zone is preselected (`DEFAULT_TIME_ZONE`), resale allowed
    /// without a fee.
    pub fn new_in(zone: Tz) -> EventForm {
        EventForm {
            time_zone: zone.name().to_owned(),
            resale_enabled: checkbox(true),
            resale_fee_percent: "0".to_owned(),
            ..EventForm::default()
        }
    }

    /// Whether the form's zone is `name` (the selected option).
    pub fn zone_is(&self, name: &str) -> bool {
        self.time_zone.trim() == name
    }

    /// The event as saved, its times in its own zone.
    pub fn from_event(event: &Event) -> EventForm {
        let zone = time_zone::stored(&event.time_zone);
        EventForm {
            title: event.title.clone(),
            description: event.description.clone(),
            venue: event.venue.clone(),
            starts_at: time_zone::form_value(event.starts_at, zone),
            ends_at: time_zone::form_value(event.ends_at, zone),
            refund_hours_before: event
                .refund_hours_before
                .map(|hours| hours.to_string())
                .unwrap_or_default(),
            high_demand: checkbox(event.high_demand),
            time_zone: zone.name().to_owned(),
            resale_enabled: checkbox(event.resale_enabled),
            resale_fee_percent: event.resale_fee_percent.to_string(),
        }
    }

    pub fn parse(&self) -> Result<EventFields, FieldErrors> {
        let mut errors = FieldErrors::default();
        let title = self.title.trim();
        let venue = self.venue.trim();
        let description = self.description.trim();
        if !is_clean_line(&self.title) {
            errors.add("title", CONTROL_CHARACTER);
        } else if title.is_empty() {
            errors.add("title", "Give the event a title.");
        } else if title.chars().count() > 200 {
            errors.add("title", "Keep the title under 200 characters.");
        }
        if !is_clean_line(&self.venue) {
            errors.add("venue", CONTROL_CHARACTER);
        } else if venue.is_empty() {
            errors.add("venue", "Say where the event takes place.");
        } else if venue.chars().count() > 200 {
            errors.add("venue", "Keep the venue under 200 characters.");
        }
        if !is_clean_block(&self.description) {
            errors.add("description", CONTROL_CHARACTER);
        } else if description.chars().count() > 5000 {
            errors.add("description", "Keep the description under 5000 characters.");
        }
        let zone = time_zone::parse(&self.time_zone);
        if zone.is_none() {
            errors.add("time_zone", "Choose the event's time zone from the list.");
        }
        let zone = zone.unwrap_or(time_zone::UTC);
        let starts_at = parse_time(&self.starts_at, zone, "starts_at", "start", &mut errors);
        let ends_at = parse_time(&self.ends_at, zone, "ends_at", "end", &mut errors);
        if let (Some(start), Some(end)) = (starts_at, ends_at)
            && end <= start
        {
            errors.add("ends_at", "The event must end after it starts.");
        }
        let refund_hours_before = match self.refund_hours_before.trim() {
            "" => None,
            text => match text.parse::<i32>() {
                Ok(hours) if (0..=MAX_REFUND_HOURS).contains(&hours) => Some(hours),
                _ => {
                    errors.add(
                        "refund_hours_before",
                        format!(
                            "Give a whole number of hours from 0 to {MAX_REFUND_HOURS}, or leave it empty for no refunds by buyers."
                        ),
                    );
                    None
                }
            },
        };
        let high_demand = match self.high_demand.trim() {
            "" => false,
            "on" => true,
            _ => {
                errors.add(
                    "high_demand",
                    "Tick the box for a high-demand event, or leave it clear.",
                );
                false
            }
        };
        let resale_enabled = match self.resale_enabled.trim() {
            "" => false,
            "on" => true,
            _ => {
                errors.add(
                    "resale_enabled",
                    "Tick the box to allow resale between fans, or leave it clear.",
                );
                false
            }
        };
        let resale_fee_percent = parse_fee(&self.resale_fee_percent, &mut errors);
        match (starts_at, ends_at) {
            (Some(starts_at), Some(ends_at)) if errors.is_empty() => Ok(EventFields {
                title: title.to_owned(),
                description: description.to_owned(),
                venue: venue.to_owned(),
                starts_at,
                ends_at,
                refund_hours_before,
                high_demand,
                time_zone: zone.name().to_owned(),
                resale_enabled,
                resale_fee_percent,
            }),
            _ => Err(errors),
        }
    }
}

/// The resale fee as typed: a whole number of percent from 0 to 50 (`10`, `10 %`);
/// empty is 0.
fn parse_fee(typed: &str, errors: &mut FieldErrors) -> i32 {
    let text = typed.trim();
    let number = text.strip_suffix('%').unwrap_or(text).trim_end();
    if number.is_empty() && !text.ends_with('%') {
        return 0;
    }
    match number.parse::<i32>() {
        Ok(percent) if (0..=MAX_RESALE_FEE_PERCENT).contains(&percent) => percent,
        _ => {
            errors.add(
                "resale_fee_percent",
                format!(
                    "Give the resale fee as a whole number of percent from 0 to {MAX_RESALE_FEE_PERCENT} (0 for no fee)."
                ),
            );
            0
        }
    }
}

/// What a ticked (`on`) or clear (empty) checkbox sends.
pub fn checkbox(ticked: bool) -> String {
    if ticked {
        "on".to_owned()
    } else {
        String::new()
    }
}

/// A time as typed: a wall-clock time in `zone` (`2026-12-25T20:00`, as a
/// `datetime-local` input sends it), or an exact instant with its offset
/// (`2026-12-25T19:00:00Z`, RFC 3339, as the API may send it); in UTC. Also the
/// ticket type form's sale window.
pub(crate) fn parse_time(
    value: &str,
    zone: Tz,
    field: &'static str,
    what: &str,
    errors: &mut FieldErrors,
) -> Option<NaiveDateTime> {
    let value = value.trim();
    if !is_clean_line(value) {
        errors.add(field, CONTROL_CHARACTER);
        return None;
    }
    if value.is_empty() {
        errors.add(field, format!("Enter the {what} date and time."));
        return None;
    }
    let in_range = |time: &NaiveDateTime| YEARS.contains(&chrono::Datelike::year(time));
    if let Ok(instant) = DateTime::parse_from_rfc3339(value) {
        let utc = instant.naive_utc();
        if in_range(&utc) {
            return Some(utc);
        }
    }
    // Browsers may send seconds too ("…T19:30:00").
    let parsed = NaiveDateTime::parse_from_str(value, DATETIME_LOCAL)
        .or_else(|_| NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S"));
    match parsed {
        Ok(time) if in_range(&time) => match time_zone::to_utc(time, zone) {
            Ok(utc) => Some(utc),
            Err(problem) => {
                errors.add(field, problem.message(time, zone));
                None
            }
        },
        Ok(_) => {
            errors.add(
                field,
                format!(
                    "Enter a {what} date between the years {} and {}.",
                    YEARS.start(),
                    YEARS.end()
                ),
            );
            None
        }
        Err(_) => {
            errors.add(
                field,
                format!("Enter the {what} as a date and time, like 2026-12-31T20:00."),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> EventForm {
        EventForm {
            title: " Winter Gala ".into(),
            description: "Dancing.".into(),
            venue: "Town Hall".into(),
            starts_at: "2026-12-20T19:00".into(),
            ends_at: "2026-12-20T23:00".into(),
            refund_hours_before: String::new(),
            high_demand: String::new(),
            time_zone: "UTC".into(),
            resale_enabled: "on".into(),
            resale_fee_percent: "0".into(),
        }
    }

    #[test]
    fn resale_is_a_checkbox_and_its_fee_whole_percent_up_to_fifty() {
        let fields = form().parse().unwrap();
        assert!(fields.resale_enabled);
        assert_eq!(fields.resale_fee_percent, 0);
        let new = EventForm::new_in(crate::domain::common::time_zone::UTC);
        assert_eq!(
            (new.resale_enabled.as_str(), new.resale_fee_percent.as_str()),
            ("on", "0"),
            "a new event allows resale, without a fee"
        );
        let off = EventForm {
            resale_enabled: String::new(),
            ..form()
        };
        assert!(!off.parse().unwrap().resale_enabled);
        let odd = EventForm {
            resale_enabled: "yes".into(),
            ..form()
        };
        assert!(odd.parse().unwrap_err().get("resale_enabled").is_some());
        for (typed, percent) in [("", 0), (" 10 ", 10), ("10 %", 10), ("50", 50), ("0", 0)] {
            let fee = EventForm {
                resale_fee_percent: typed.into(),
                ..form()
            };
            assert_eq!(
                fee.parse().unwrap().resale_fee_percent,
                percent,
                "{typed:?}"
            );
        }
        for bad in ["51", "-1", "abc", "2.5", "%", "10%%", "99999999999"] {
            let fee = EventForm {
                resale_fee_percent: bad.into(),
                ..form()
            };
            let errors = fee.parse().unwrap_err();
            let message = errors.get("resale_fee_percent").unwrap_or_default();
            assert!(message.contains("from 0 to 50"), "{bad:?}: {message}");
        }
    }

    #[test]
    fn a_complete_form_becomes_an_event() {
        let fields = form().parse().unwrap();
        assert_eq!(fields.title, "Winter Gala");
        assert_eq!(
            fields.starts_at.format(DATETIME_LOCAL).to_string(),
            "2026-12-20T19:00"
        );
    }

    #[test]
    fn the_refund_window_is_empty_or_whole_hours_up_to_a_year() {
        assert_eq!(form().parse().unwrap().refund_hours_before, None);
        let day = EventForm {
            refund_hours_before: " 24 ".into(),
            ..form()
        };
        assert_eq!(day.parse().unwrap().refund_hours_before, Some(24));
        for bad in ["-1", "8761", "two", "1.5"] {
            let form = EventForm {
                refund_hours_before: bad.into(),
                ..form()
            };
            assert!(
                form.parse()
                    .unwrap_err()
                    .get("refund_hours_before")
                    .is_some(),
                "{bad}"
            );
        }
    }

    #[test]
    fn high_demand_is_a_checkbox_clear_by_default() {
        assert!(!form().parse().unwrap().high_demand);
        let ticked = EventForm {
            high_demand: "on".into(),
            ..form()
        };
        assert!(ticked.parse().unwrap().high_demand);
        let odd = EventForm {
            high_demand: "maybe".into(),
            ..form()
        };
        assert!(odd.parse().unwrap_err().get("high_demand").is_some());
    }

    #[test]
    fn each_bad_field_gets_its_own_message() {
        let bad = EventForm {
            title: "".into(),
            venue: " ".into(),
            starts_at: "tomorrow".into(),
            ..form()
        };
        let errors = bad.parse().unwrap_err();
        assert!(errors.get("title").is_some());
        assert!(errors.get("venue").is_some());
        assert!(errors.get("starts_at").is_some());
        assert!(errors.get("ends_at").is_none());
    }

    #[test]
    fn dates_stay_in_a_sane_range_and_text_has_no_control_characters() {
        let far = EventForm {
            starts_at: "+10000-01-01T00:00".into(),
            ends_at: "99999-01-01T00:00".into(),
            ..form()
        };
        let errors = far.parse().unwrap_err();
        assert!(errors.get("starts_at").is_some());
        assert!(errors.get("ends_at").is_some());
        let old = EventForm {
            starts_at: "0001-01-01T00:00".into(),
            ends_at: "1999-12-31T23:59".into(),
            ..form()
        };
        let errors = old.parse().unwrap_err();
        assert!(errors.get("starts_at").unwrap().contains("2000"));
        assert!(errors.get("ends_at").is_some());
        let nul = EventForm {
            title: "Gala\0".into(),
            venue: "Hall\u{7f}".into(),
            description: "Fine\r\nbut \0 not".into(),
            ..form()
        };
        let errors = nul.parse().unwrap_err();
        assert!(errors.get("title").is_some());
        assert!(errors.get("venue").is_some());
        assert!(errors.get("description").is_some());
    }

    #[test]
    fn times_are_typed_in_the_events_zone_and_stored_in_utc() {
        let berlin = EventForm {
            time_zone: "Europe/Berlin".into(),
            ..form()
        };
        let fields = berlin.parse().unwrap();
        assert_eq!(fields.time_zone, "Europe/Berlin");
        assert_eq!(
            fields.starts_at.format(DATETIME_LOCAL).to_string(),
            "2026-12-20T18:00",
            "19:00 CET is 18:00 UTC"
        );
        // An exact instant (the API's RFC 3339) is taken as it is.
        let exact = EventForm {
            starts_at: "2026-12-20T19:00:00+01:00".into(),
            ..berlin.clone()
        };
        assert_eq!(
            exact
                .parse()
                .unwrap()
                .starts_at
                .format(DATETIME_LOCAL)
                .to_string(),
            "2026-12-20T18:00"
        );
        let unknown = EventForm {
            time_zone: "Mars/Olympus".into(),
            ..form()
        };
        assert!(unknown.parse().unwrap_err().get("time_zone").is_some());
        let skipped = EventForm {
            starts_at: "2026-03-29T02:30".into(),
            ends_at: "2026-03-29T05:00".into(),
            ..berlin.clone()
        };
        let errors = skipped.parse().unwrap_err();
        let message = errors.get("starts_at").unwrap();
        assert!(message.contains("01:30 CET or 03:30 CEST"), "{message}");
        let repeated = EventForm {
            starts_at: "2026-10-25T01:00".into(),
            ends_at: "2026-10-25T02:30".into(),
            ..berlin
        };
        let errors = repeated.parse().unwrap_err();
        assert!(errors.get("starts_at").is_none());
        let message = errors.get("ends_at").unwrap();
        assert!(message.contains("02:30 CEST"), "{message}");
        assert!(message.contains("02:30 CET"), "{message}");
    }

    #[test]
    fn the_end_must_follow_the_start() {
        let bad = EventForm {
            ends_at: "2026-12-20T19:00".into(),
            ..form()
        };
        assert_eq!(
            bad.parse().unwrap_err().get("ends_at"),
            Some("The event must end after it starts.")
        );
    }
}
