//! How values read on a page: dates, prices, seat counts, statuses.

use chrono::NaiveDateTime;

use crate::db::models::TicketType;
use crate::domain::bookings::booking_status::BookingStatus;
use crate::domain::bookings::selling_rules::{self, SellingRule};
use crate::domain::catalogue::sale_window::SaleWindow;
use crate::domain::common::{date_text, time_zone};
use crate::domain::door::answer::{ScanAnswer, SeatFacts};
use crate::domain::payments::money::Money;

/// "Sat 19 Dec 2026, 20:00 UTC": a time of the shop's own (a mail kept, an account
/// made), not of an event.
pub fn when(time: &NaiveDateTime) -> String {
    let mut out = String::with_capacity(28);
    date_text::day_and_clock(&mut out, time);
    out.push_str(" UTC");
    out
}

/// "Fri 25 Dec 2026, 20:00 CET": a time of an event (its start, a seat's check-in, a
/// booking's payment) in the event's own zone, with the zone's abbreviation.
pub fn local(time: &NaiveDateTime, zone: &str) -> String {
    time_zone::display(*time, time_zone::stored(zone))
}

/// The time zones the event form offers (UTC first, then `Region/City`).
pub fn time_zones() -> &'static [&'static str] {
    static ZONES: std::sync::LazyLock<Vec<&'static str>> =
        std::sync::LazyLock::new(time_zone::choices);
    &ZONES
}

/// An event's description, Markdown rendered and sanitised (`domain::catalogue::markdown`): safe to
/// put in the page unescaped. Rendered once per text (every visitor sees the same).
pub fn description(source: &str) -> std::sync::Arc<str> {
    crate::domain::catalogue::markdown::shown(source)
}

/// The machine-readable form for `<time datetime=…>`.
/// What a `datetime-local` input may be given back when its form is re-shown: the typed
/// value if it is a valid local date and time (`2031-12-25T20:00`), else nothing (an
/// invalid value is not valid HTML there, and browsers drop it; the field's error says
/// what was wrong).
pub fn datetime_local(typed: &str) -> &str {
    let valid = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
        .iter()
        .any(|format| NaiveDateTime::parse_from_str(typed, format).is_ok());
    if valid { typed } else { "" }
}

pub fn iso(time: &NaiveDateTime) -> String {
    date_text::iso_minutes(time)
}

pub fn price(ticket_type: &TicketType) -> String {
    money(ticket_type.amount_pennies, &ticket_type.currency)
}

/// "1 seat" / "3 seats".
pub fn seats(n: impl std::borrow::Borrow<i32>) -> String {
    crate::domain::common::wording::seats(i64::from(*n.borrow()))
}

/// "€25.00" for a stored amount and currency.
pub fn money(pennies: i64, currency: &str) -> String {
    Money::from_stored(pennies, currency).to_string()
}

/// The quantities a booking of this ticket type may take right now (its cap and selling
/// rule against the seats left): the options of the event page's `<select>`.
pub fn quantities(ticket_type: &TicketType) -> Vec<i32> {
    selling_rules::allowed_quantities(
        ticket_type.selling_rule,
        ticket_type.max_per_order,
        ticket_type.available_tickets_count,
    )
}

/// What a ticket type's row says instead of a Book control outside its sale window
/// ("On sale from Fri 25 Dec 2026, 10:00 CET", "Sales ended"); `None` inside it.
pub fn sale_text(ticket_type: &TicketType, zone: &str, now: &NaiveDateTime) -> Option<String> {
    SaleWindow::of(ticket_type)
        .state_at(*now)
        .text(time_zone::stored(zone))
}

/// A short note on how a ticket type is sold, when it is not "any number".
pub fn rule_note(ticket_type: &TicketType) -> Option<&'static str> {
    match ticket_type.selling_rule {
        SellingRule::Any => None,
        rule => Some(selling_rules::describe(rule)),
    }
}

/// The selling rule's name for the admin ("any number", "sold in pairs", …).
pub fn rule_name(rule: &SellingRule) -> &'static str {
    selling_rules::describe(*rule)
}

/// A booking's total: quantity × the unit price.
pub fn total(ticket_type: &TicketType, quantity: impl std::borrow::Borrow<i32>) -> String {
    money(
        ticket_type
            .amount_pennies
            .saturating_mul(i64::from(*quantity.borrow())),
        &ticket_type.currency,
    )
}

/// "12 left" or "Sold out".
pub fn seats_left(available: impl std::borrow::Borrow<i64>) -> String {
    match *available.borrow() {
        0 => "Sold out".to_owned(),
        n => format!("{n} left"),
    }
}

pub fn status_label(status: impl std::borrow::Borrow<BookingStatus>) -> &'static str {
    match *status.borrow() {
        BookingStatus::Reserved => "On hold",
        BookingStatus::Paid => "Paid",
        BookingStatus::Expired => "Hold expired",
        BookingStatus::Cancelled => "Cancelled",
        BookingStatus::Refunded => "Refunded",
        BookingStatus::Transferred => "Passed on",
    }
}

/// "14 min left" for a hold.
pub fn duration_left(left: chrono::TimeDelta) -> String {
    let minutes = left.num_minutes();
    if minutes < 1 {
        "less than a minute left".to_owned()
    } else {
        format!("{minutes} min left")
    }
}

/// A scan's answer as the door shows it: a headline in capitals, a colour class, and
/// the facts in words (colour is never the only signal).
#[derive(Debug, Clone)]
pub struct AnswerView {
    pub kind: &'static str,
    pub headline: &'static str,
    pub lines: Vec<String>,
}

/// `zone`: the door's event's time zone (when a seat was checked in).
pub fn answer(answer: &ScanAnswer, code: Option<&str>, zone: &str) -> AnswerView {
    let seat_line = |seat: &SeatFacts| {
        format!(
            "{} · seat {} of {}",
            seat.type_name, seat.position, seat.quantity
        )
    };
    let lines = match answer {
        ScanAnswer::Admit { seat, retried } => {
            let mut lines = vec![seat_line(seat)];
            if let Some(name) = &seat.attendee {
                lines.push(format!("Name on the ticket: {name}"));
            }
            lines.push(seat.email.clone());
            if *retried {
                lines.push("The same scan again: this seat was admitted by it.".into());
            }
            lines
        }
        ScanAnswer::AlreadyCheckedIn { seat, at, gate } => vec![
            format!("Checked in {} at {gate}.", local(at, zone)),
            seat_line(seat),
            seat.email.clone(),
        ],
        ScanAnswer::UnknownCode => vec![match code {
            Some(code) => format!("No ticket has the code {code}."),
            None => "That is not a ticket code.".into(),
        }],
        ScanAnswer::WrongEvent {
            title,
            starts_at,
            time_zone,
            ..
        } => vec![format!(
            "This ticket is for {title}, {}.",
            local(starts_at, time_zone)
        )],
        ScanAnswer::NotValid { reason } => vec![reason.sentence().to_owned()],
    };
    AnswerView {
        kind: answer.kind(),
        headline: answer.headline(),
        lines,
    }
}

#[cfg(test)]
mod tests {
    use super::datetime_local;

    #[test]
    fn a_re_shown_date_field_keeps_only_a_valid_local_time() {
        assert_eq!(datetime_local("2031-12-25T20:00"), "2031-12-25T20:00");
        assert_eq!(datetime_local("2031-12-25T20:00:30"), "2031-12-25T20:00:30");
        assert_eq!(datetime_local(""), "");
        assert_eq!(datetime_local("not a date"), "");
        assert_eq!(datetime_local("2031-02-30T20:00"), "");
        assert_eq!(datetime_local("2031-12-25 20:00"), "");
    }
}
