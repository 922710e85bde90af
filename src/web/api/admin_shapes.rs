//! The JSON shapes of the admin API: events and ticket types as admins write and read
//! them, an event's bookings, payments and refunds.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::shapes::{EventOut, Price, utc};
use crate::app::admin::BookingLine;
use crate::db::models::{Event, Payment, TicketType};
use crate::domain::catalogue::event_form::{EventForm, checkbox};
use crate::domain::catalogue::ticket_type_form::TicketTypeForm;

/// An event as an admin sees it: drafts too.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminEvent {
    #[serde(flatten)]
    pub event: EventOut,
    pub published: bool,
    #[schema(format = DateTime)]
    pub cancelled_at: Option<String>,
    #[schema(format = DateTime)]
    pub ended_at: Option<String>,
    /// Whether holders may resell their bookings to other fans.
    pub resale_enabled: bool,
    /// The shop's fee on a resale, in percent of its price (0–50), fixed on each
    /// listing when it is made.
    pub resale_fee_percent: i32,
}

impl AdminEvent {
    pub fn new(event: &Event, types: &[TicketType], now: NaiveDateTime) -> AdminEvent {
        AdminEvent {
            event: EventOut::new(event, types, now),
            published: event.published,
            cancelled_at: event.cancelled_at.map(utc),
            ended_at: event.ended_at.map(utc),
            resale_enabled: event.resale_enabled,
            resale_fee_percent: event.resale_fee_percent,
        }
    }
}

/// A new event (created unpublished). Times are exact instants in RFC 3339
/// (`2027-05-01T19:30:00Z`, `2027-05-01T21:30:00+02:00`), or wall-clock times in the
/// event's `time_zone` (`2027-05-01T21:30`; one that a daylight-saving change skips or
/// repeats is refused, naming the two instants it could be).
#[derive(Debug, Deserialize, ToSchema)]
pub struct EventInput {
    pub title: String,
    /// Markdown (CommonMark); raw HTML is not kept.
    #[serde(default)]
    pub description: String,
    pub venue: String,
    #[schema(example = "2027-05-01T19:30:00Z")]
    pub starts_at: String,
    #[schema(example = "2027-05-01T23:00:00Z")]
    pub ends_at: String,
    /// Buyers may cancel a paid booking for a refund until this many hours before the
    /// start (0–8760); absent or null: only the organiser refunds.
    pub refund_hours_before: Option<i32>,
    /// High demand: holding seats needs a confirmed address (`address_unconfirmed`
    /// otherwise). False by default.
    #[serde(default)]
    pub high_demand: bool,
    /// The event's IANA time zone (`Europe/Berlin`); absent: the shop's
    /// `DEFAULT_TIME_ZONE`.
    #[schema(example = "Europe/Berlin")]
    pub time_zone: Option<String>,
    /// Whether holders may resell their bookings to other fans; absent: true.
    pub resale_enabled: Option<bool>,
    /// The shop's fee on a resale, in whole percent of its price (0–50); absent: 0.
    /// A change applies to listings made afterwards.
    #[schema(minimum = 0, maximum = 50)]
    pub resale_fee_percent: Option<i32>,
}

/// Changes to an event: only the fields sent change.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct EventPatch {
    pub title: Option<String>,
    pub description: Option<String>,
    pub venue: Option<String>,
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
    /// Hours before the start (0–8760); `null` clears it (no refunds by buyers).
    #[serde(default, deserialize_with = "present")]
    pub refund_hours_before: Option<Option<i32>>,
    /// High demand: holding seats needs a confirmed address.
    pub high_demand: Option<bool>,
    /// Another IANA time zone: the event keeps its wall-clock times (20:00 stays
    /// 20:00, in the new zone) unless new times are sent.
    pub time_zone: Option<String>,
    /// Whether holders may resell their bookings to other fans.
    pub resale_enabled: Option<bool>,
    /// The shop's fee on a resale, in whole percent (0–50), for listings made afterwards.
    #[schema(minimum = 0, maximum = 50)]
    pub resale_fee_percent: Option<i32>,
}

/// A field that may be absent (no change) or `null` (cleared).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<i32>>, D::Error> {
    Option::<i32>::deserialize(d).map(Some)
}

impl EventInput {
    pub fn form(&self) -> EventForm {
        EventForm {
            title: self.title.clone(),
            description: self.description.clone(),
            venue: self.venue.clone(),
            starts_at: self.starts_at.clone(),
            ends_at: self.ends_at.clone(),
            refund_hours_before: self
                .refund_hours_before
                .map(|hours| hours.to_string())
                .unwrap_or_default(),
            high_demand: checkbox(self.high_demand),
            // Empty: the shop's default zone.
            time_zone: self.time_zone.clone().unwrap_or_default(),
            resale_enabled: checkbox(self.resale_enabled.unwrap_or(true)),
            resale_fee_percent: self.resale_fee_percent.unwrap_or(0).to_string(),
        }
    }
}

impl EventPatch {
    /// The event's form with this patch applied.
    pub fn onto(&self, mut form: EventForm) -> EventForm {
        if let Some(title) = &self.title {
            form.title.clone_from(title);
        }
        if let Some(description) = &self.description {
            form.description.clone_from(description);
        }
        if let Some(venue) = &self.venue {
            form.venue.clone_from(venue);
        }
        if let Some(starts_at) = &self.starts_at {
            form.starts_at.clone_from(starts_at);
        }
        if let Some(ends_at) = &self.ends_at {
            form.ends_at.clone_from(ends_at);
        }
        if let Some(zone) = &self.time_zone {
            form.time_zone.clone_from(zone);
        }
        if let Some(hours) = self.refund_hours_before {
            form.refund_hours_before = hours.map(|h| h.to_string()).unwrap_or_default();
        }
        if let Some(high_demand) = self.high_demand {
            form.high_demand = checkbox(high_demand);
        }
        if let Some(allowed) = self.resale_enabled {
            form.resale_enabled = checkbox(allowed);
        }
        if let Some(percent) = self.resale_fee_percent {
            form.resale_fee_percent = percent.to_string();
        }
        form
    }
}

/// A new ticket type.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TicketTypeInput {
    pub name: String,
    /// In major units, as a decimal string: `"25.00"`, `"0"` for free.
    #[schema(example = "25.00")]
    pub price: String,
    /// ISO 4217 (`EUR` by default).
    #[serde(default = "euro")]
    pub currency: String,
    /// Seats on sale.
    pub quantity: i32,
    /// Seats per booking at most, 1–50 (10 by default).
    pub max_per_order: Option<i32>,
    /// `any` (default), `even`, `all_together` or `avoid_one`.
    pub selling_rule: Option<String>,
    /// On sale from (inclusive): an exact instant in RFC 3339, or a wall-clock time in
    /// the event's zone (`2026-12-01T10:00`); absent or null: from publication.
    #[schema(example = "2026-12-01T10:00")]
    pub sale_starts_at: Option<String>,
    /// On sale until (exclusive), after `sale_starts_at`, written the same way; absent
    /// or null: until the event starts.
    #[schema(example = "2026-12-20T10:00:00+01:00")]
    pub sale_ends_at: Option<String>,
}

fn euro() -> String {
    "EUR".into()
}

impl TicketTypeInput {
    pub fn form(&self) -> TicketTypeForm {
        let blank = TicketTypeForm::blank();
        TicketTypeForm {
            name: self.name.clone(),
            price: self.price.clone(),
            currency: self.currency.clone(),
            quantity: self.quantity.to_string(),
            max_per_order: self
                .max_per_order
                .map_or(blank.max_per_order, |n| n.to_string()),
            selling_rule: self.selling_rule.clone().unwrap_or(blank.selling_rule),
            sale_starts_at: self.sale_starts_at.clone().unwrap_or_default(),
            sale_ends_at: self.sale_ends_at.clone().unwrap_or_default(),
        }
    }
}

/// Changes to a ticket type: only the fields sent change.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct TicketTypePatch {
    pub name: Option<String>,
    pub price: Option<String>,
    pub currency: Option<String>,
    pub quantity: Option<i32>,
    pub max_per_order: Option<i32>,
    pub selling_rule: Option<String>,
    /// A new start of the sale window (RFC 3339, or local in the event's zone); `null`
    /// clears it. Changing the window makes holds in flight judge it again.
    #[serde(default, deserialize_with = "present_text")]
    #[schema(value_type = Option<String>)]
    pub sale_starts_at: Option<Option<String>>,
    /// A new end of the sale window (exclusive); `null` clears it.
    #[serde(default, deserialize_with = "present_text")]
    #[schema(value_type = Option<String>)]
    pub sale_ends_at: Option<Option<String>>,
}

/// A text field that may be absent (no change) or `null` (cleared).
fn present_text<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

impl TicketTypePatch {
    pub fn onto(&self, mut form: TicketTypeForm) -> TicketTypeForm {
        if let Some(name) = &self.name {
            form.name.clone_from(name);
        }
        if let Some(price) = &self.price {
            form.price.clone_from(price);
        }
        if let Some(currency) = &self.currency {
            form.currency.clone_from(currency);
        }
        if let Some(quantity) = self.quantity {
            form.quantity = quantity.to_string();
        }
        if let Some(max) = self.max_per_order {
            form.max_per_order = max.to_string();
        }
        if let Some(rule) = &self.selling_rule {
            form.selling_rule.clone_from(rule);
        }
        if let Some(from) = &self.sale_starts_at {
            form.sale_starts_at = from.clone().unwrap_or_default();
        }
        if let Some(until) = &self.sale_ends_at {
            form.sale_ends_at = until.clone().unwrap_or_default();
        }
        form
    }
}

/// One booking of an event, as an admin reads it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminBooking {
    pub id: i32,
    pub email: String,
    pub ticket_type_name: String,
    pub quantity: i32,
    pub status: &'static str,
    #[schema(format = DateTime)]
    pub paid_at: Option<String>,
}

impl From<&BookingLine> for AdminBooking {
    fn from(line: &BookingLine) -> AdminBooking {
        AdminBooking {
            id: line.booking.id,
            email: line.email.clone(),
            ticket_type_name: line.type_name.clone(),
            quantity: line.booking.quantity,
            status: line.status.as_str(),
            paid_at: line.booking.paid_at.map(utc),
        }
    }
}

/// One checkout attempt.
#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentOut {
    pub id: i32,
    pub booking_id: i32,
    pub amount: Price,
    /// `creating`, `open`, `processing`, `paid`, `expired`, `failed`, `refund_pending`,
    /// `refunded` or `mismatch`.
    pub status: &'static str,
    /// The booking's status.
    pub booking_status: &'static str,
    pub provider: String,
    pub provider_payment_id: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub paid_at: Option<String>,
    #[schema(format = DateTime)]
    pub refunded_at: Option<String>,
    /// `open`, `won` or `lost` when disputed.
    pub dispute_status: Option<String>,
    /// What an admin must know of its refund (failed, pending).
    pub note: Option<String>,
}

impl PaymentOut {
    pub fn new(
        payment: &Payment,
        booking_status: crate::domain::bookings::booking_status::BookingStatus,
        note: Option<String>,
    ) -> PaymentOut {
        PaymentOut {
            id: payment.id,
            booking_id: payment.booking_id,
            amount: Price::of(payment.amount_pennies, &payment.currency),
            status: payment.status.as_str(),
            booking_status: booking_status.as_str(),
            provider: payment.provider.clone(),
            provider_payment_id: payment.provider_payment_id.clone(),
            created_at: utc(payment.created_at),
            paid_at: payment.paid_at.map(utc),
            refunded_at: payment.refunded_at.map(utc),
            dispute_status: payment.dispute_status.clone(),
            note,
        }
    }
}

/// Where a refund stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct RefundAnswer {
    /// `succeeded`: the money is on its way back; `pending`: the payment service is still
    /// working on it (the booking stays paid until it succeeds, but its codes no longer
    /// admit at the door).
    pub status: &'static str,
}

/// An admin's refund of a booking (the body may be left out).
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct RefundRequest {
    /// Why (at most 200 characters, one line), kept with the refund. Required when a
    /// seat of the booking has been checked in at the door (409 `reason_required`
    /// without it).
    #[schema(example = "double-booked seat, guest sent home")]
    pub reason: Option<String>,
}

/// What cancelling an event did.
#[derive(Debug, Serialize, ToSchema)]
pub struct CancelAnswer {
    pub holds_released: usize,
    /// Paid bookings whose refunds were queued (they run in the background).
    pub refunds_queued: usize,
}
