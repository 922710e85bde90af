//! The JSON shapes the API reads and answers with, and how they are made from the use
//! cases' types. Times are UTC in RFC 3339 (an event's also in its own zone); money is an integer in the currency's minor
//! unit beside the ISO 4217 code and a display string.

use chrono::{NaiveDateTime, SecondsFormat};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::bookings::{BookingDetails, SeatCode};
use crate::db::models::{self, Event};
use crate::domain::bookings::booking_status::BookingStatus;
use crate::domain::catalogue::sale_window::SaleWindow;
use crate::domain::payments::money::Money;
use crate::domain::{catalogue::markdown, common::time_zone};

/// A time as the API writes it: `2026-12-01T19:30:00Z`.
pub fn utc(time: NaiveDateTime) -> String {
    time.and_utc().to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TokenRequest {
    #[schema(example = "buyer@example.com")]
    pub email: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenAnswer {
    /// Send it as `Authorization: Bearer <token>`. Shown once; only its hash is kept.
    pub token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    #[schema(format = DateTime)]
    pub expires_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Price {
    /// In the currency's minor unit (cents for EUR, yen for JPY).
    pub amount_minor: i64,
    /// ISO 4217.
    #[schema(example = "EUR")]
    pub currency: String,
    #[schema(example = "€25.00")]
    pub display: String,
}

impl Price {
    pub fn of(pennies: i64, currency: &str) -> Price {
        let money = Money::from_stored(pennies, currency);
        Price {
            amount_minor: pennies,
            currency: money.currency.as_str().to_owned(),
            display: money.to_string(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TicketType {
    pub id: i32,
    pub name: String,
    pub price: Price,
    pub seats_total: i32,
    pub seats_left: i32,
    /// The most seats one booking may hold.
    pub max_per_order: i32,
    /// `any`, `even` (pairs), `all_together` (the whole remainder or nothing) or
    /// `avoid_one` (never leave a single seat).
    pub selling_rule: &'static str,
    /// On sale from this instant (UTC, inclusive); `null`: from publication.
    #[schema(format = DateTime, example = "2026-12-01T09:00:00Z")]
    pub sale_starts_at: Option<String>,
    /// `sale_starts_at` as the local time in the event's `time_zone`, with its offset.
    #[schema(format = DateTime, example = "2026-12-01T10:00:00+01:00")]
    pub sale_starts_at_local: Option<String>,
    /// On sale until this instant (UTC, exclusive); `null`: until the event starts.
    #[schema(format = DateTime, example = "2026-12-20T09:00:00Z")]
    pub sale_ends_at: Option<String>,
    /// `sale_ends_at` as the local time in the event's `time_zone`, with its offset.
    #[schema(format = DateTime, example = "2026-12-20T10:00:00+01:00")]
    pub sale_ends_at_local: Option<String>,
    /// Where the sale window stands now: `on_sale`, `not_yet_on_sale` or `sales_ended`
    /// (holds outside the window are refused with that code).
    #[schema(example = "not_yet_on_sale")]
    pub sale_status: &'static str,
    /// What the event page says outside the window; `null` inside it.
    #[schema(example = "On sale from Tue 1 Dec 2026, 10:00 CET")]
    pub sale_text: Option<String>,
}

impl TicketType {
    /// A ticket type as the API shows it at `now`, its window local to `zone`.
    pub fn new(
        ticket_type: &models::TicketType,
        zone: time_zone::Tz,
        now: NaiveDateTime,
    ) -> TicketType {
        let state = SaleWindow::of(ticket_type).state_at(now);
        TicketType {
            id: ticket_type.id,
            name: ticket_type.name.clone(),
            price: Price::of(ticket_type.amount_pennies, &ticket_type.currency),
            seats_total: ticket_type.total_tickets,
            seats_left: ticket_type.available_tickets_count,
            max_per_order: ticket_type.max_per_order,
            selling_rule: ticket_type.selling_rule.as_str(),
            sale_starts_at: ticket_type.sale_starts_at.map(utc),
            sale_starts_at_local: ticket_type
                .sale_starts_at
                .map(|t| time_zone::rfc3339(t, zone)),
            sale_ends_at: ticket_type.sale_ends_at.map(utc),
            sale_ends_at_local: ticket_type
                .sale_ends_at
                .map(|t| time_zone::rfc3339(t, zone)),
            sale_status: state.as_str(),
            sale_text: state.text(zone),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventOut {
    pub id: i32,
    pub title: String,
    /// The description's source, Markdown (CommonMark).
    pub description: String,
    /// The description rendered to HTML and sanitised (no raw HTML, no script, links
    /// only to http, https and mailto): safe to put in a page as it is.
    pub description_html: String,
    pub venue: String,
    /// The start, as a UTC instant.
    #[schema(format = DateTime, example = "2026-12-25T19:00:00Z")]
    pub starts_at: String,
    /// The end, as a UTC instant.
    #[schema(format = DateTime, example = "2026-12-25T23:00:00Z")]
    pub ends_at: String,
    /// The event's IANA time zone: its times are local to it.
    #[schema(example = "Europe/Berlin")]
    pub time_zone: String,
    /// The start as the local time in `time_zone`, with its offset (RFC 3339).
    #[schema(format = DateTime, example = "2026-12-25T20:00:00+01:00")]
    pub starts_at_local: String,
    /// The end as the local time in `time_zone`, with its offset (RFC 3339).
    #[schema(format = DateTime, example = "2026-12-26T00:00:00+01:00")]
    pub ends_at_local: String,
    /// The start as the shop writes it, local time with the zone's abbreviation.
    #[schema(example = "Fri 25 Dec 2026, 20:00 CET")]
    pub starts_at_text: String,
    /// Published, not started, not cancelled: bookings are taken.
    pub on_sale: bool,
    /// A paid booking may be cancelled for a refund until this many hours before the
    /// start (`POST /bookings/{id}/cancel`); `null`: refunds only by the organiser.
    pub refund_hours_before: Option<i32>,
    /// High demand: holding seats needs a confirmed address (`address_unconfirmed`
    /// otherwise).
    pub high_demand: bool,
    pub ticket_types: Vec<TicketType>,
}

impl EventOut {
    pub fn new(event: &Event, types: &[models::TicketType], now: NaiveDateTime) -> EventOut {
        let zone = time_zone::stored(&event.time_zone);
        EventOut {
            id: event.id,
            title: event.title.clone(),
            description: event.description.clone(),
            description_html: markdown::shown(&event.description).to_string(),
            venue: event.venue.clone(),
            starts_at: utc(event.starts_at),
            ends_at: utc(event.ends_at),
            time_zone: zone.name().to_owned(),
            starts_at_local: time_zone::rfc3339(event.starts_at, zone),
            ends_at_local: time_zone::rfc3339(event.ends_at, zone),
            starts_at_text: time_zone::display(event.starts_at, zone),
            on_sale: event.published
                && event.starts_at > now
                && event.ended_at.is_none()
                && event.cancelled_at.is_none(),
            refund_hours_before: event.refund_hours_before,
            high_demand: event.high_demand,
            ticket_types: types
                .iter()
                .map(|ticket_type| TicketType::new(ticket_type, zone, now))
                .collect(),
        }
    }
}

/// One page of a list: `next` and `previous` are the addresses of the neighbouring
/// pages, `null` at either end.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    /// How many items all pages hold.
    pub count: i64,
    pub next: Option<String>,
    pub previous: Option<String>,
    pub results: Vec<T>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct BookingRequest {
    pub ticket_type_id: i32,
    /// Seats in this booking (1 by default), within the type's cap and selling rule.
    #[serde(default = "one")]
    #[schema(minimum = 1, maximum = 50, default = 1)]
    pub quantity: i32,
}

fn one() -> i32 {
    1
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Seat {
    /// Seat n of the booking's quantity.
    pub position: i32,
    /// Shown at the door (also as a QR code on the booking's web page).
    pub code: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BookingOut {
    pub id: i32,
    pub event_id: i32,
    pub event_title: String,
    pub ticket_type_id: i32,
    pub ticket_type_name: String,
    pub quantity: i32,
    /// `reserved` (held until `hold_expires_at`), `paid`, `expired`, `cancelled`,
    /// `refunded` or `transferred` (its seats passed to another holder: resold or given
    /// away).
    pub status: &'static str,
    #[schema(format = DateTime)]
    pub hold_expires_at: Option<String>,
    #[schema(format = DateTime)]
    pub paid_at: Option<String>,
    pub price_each: Price,
    pub total: Price,
    /// One code per seat, once paid (empty before).
    pub seats: Vec<Seat>,
    /// What the buyer should know of a payment in progress or failed.
    pub payment_note: Option<String>,
    /// A paid booking may be cancelled for a refund until then.
    #[schema(format = DateTime)]
    pub refundable_until: Option<String>,
}

impl BookingOut {
    pub fn new(details: &BookingDetails, codes: &[SeatCode]) -> BookingOut {
        let ticket_type = &details.ticket_type;
        let booking = &details.booking;
        BookingOut {
            id: booking.id,
            event_id: details.event.id,
            event_title: details.event.title.clone(),
            ticket_type_id: ticket_type.id,
            ticket_type_name: ticket_type.name.clone(),
            quantity: booking.quantity,
            status: details.status.as_str(),
            hold_expires_at: match details.status {
                BookingStatus::Reserved => booking.reserved_until.map(utc),
                _ => None,
            },
            paid_at: booking.paid_at.map(utc),
            price_each: Price::of(ticket_type.amount_pennies, &ticket_type.currency),
            total: Price::of(
                ticket_type
                    .amount_pennies
                    .saturating_mul(i64::from(booking.quantity)),
                &ticket_type.currency,
            ),
            seats: codes
                .iter()
                .map(|seat| Seat {
                    position: seat.position,
                    code: seat.code.clone(),
                })
                .collect(),
            payment_note: details.payment_note.map(str::to_owned),
            refundable_until: details.refundable_until.map(utc),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CheckoutAnswer {
    /// Send the buyer here to pay (Stripe's hosted page); `null` when nothing is to be
    /// paid (a free booking, confirmed at once).
    pub checkout_url: Option<String>,
    /// `reserved` while payment is due, `paid` when confirmed.
    pub status: &'static str,
}
