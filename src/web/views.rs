//! How values read on a page: dates, prices, seat counts, statuses.

use chrono::NaiveDateTime;

use crate::db::models::TicketSchema;
use crate::domain::money::Money;
use crate::domain::ticket_status::TicketStatus;

/// "Sat 19 Dec 2026, 20:00 UTC".
pub fn when(time: &NaiveDateTime) -> String {
    time.format("%a %-d %b %Y, %H:%M UTC").to_string()
}

/// The machine-readable form for `<time datetime=…>`.
pub fn iso(time: &NaiveDateTime) -> String {
    time.format("%Y-%m-%dT%H:%MZ").to_string()
}

pub fn price(schema: &TicketSchema) -> String {
    money(schema.amount_pennies, &schema.currency)
}

/// "€25.00" for a stored amount and currency.
pub fn money(pennies: i64, currency: &str) -> String {
    Money::from_stored(pennies, currency).to_string()
}

/// "12 left" or "Sold out".
pub fn seats_left(available: impl std::borrow::Borrow<i64>) -> String {
    match *available.borrow() {
        0 => "Sold out".to_owned(),
        n => format!("{n} left"),
    }
}

pub fn status_label(status: TicketStatus) -> &'static str {
    match status {
        TicketStatus::Reserved => "On hold",
        TicketStatus::Paid => "Paid",
        TicketStatus::Expired => "Hold expired",
        TicketStatus::Cancelled => "Cancelled",
        TicketStatus::Refunded => "Refunded",
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
