//! Rows as they are stored, and the inserts that create them.
//!
//! The shop's words (the README's glossary): an **event** has **ticket types**
//! (`TicketType`, table `ticket_schemas`); a user's **booking** (`Booking`, table
//! `tickets`; one per user per event) holds N seats of one ticket type, as a **hold**
//! until paid; each paid seat is an **admission** with its own door **code**; a
//! **payment attempt** (`Payment`) is one try to pay a booking at the provider; a
//! **refund** sends money back; a **dispute** is a bank contesting a payment; a
//! **check-in** admits a seat's code once, by **door staff** (`staff_grants`); a
//! **listing** (`Listing`) offers a paid booking for resale, and a **transfer**
//! (`Transfer`) passes a booking's seats to another holder (a resale or a gift); **box
//! office** staff (`staff_grants`) sell seats to a named **customer** in a **sale**
//! (`Sale`), paid through a mailed **pay link** or a **counter payment**.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{
    admissions, booking_transfers, bookings, box_office_sales, checkin_log, events, payments,
    refunds, resale_listings, ticket_types, users,
};
use super::status::{
    AdmissionStatus, BookingStatus, ListingStatus, PaymentStatus, RefundStatus, SellingRule,
};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i32,
    pub email: String,
    pub password_hash: String,
    pub is_admin: bool,
    pub session_generation: i32,
    pub created_at: NaiveDateTime,
    /// When the address was confirmed through the mailed link; `None`: not yet.
    pub email_verified_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub email: &'a str,
    pub password_hash: &'a str,
    pub is_admin: bool,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = events)]
pub struct Event {
    pub id: i32,
    pub title: String,
    pub description: String,
    pub venue: String,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub published: bool,
    pub created_at: NaiveDateTime,
    /// Set by the sweeper once `ends_at` has passed.
    pub ended_at: Option<NaiveDateTime>,
    /// Set when an admin cancelled the event (sales stop, everyone is refunded).
    pub cancelled_at: Option<NaiveDateTime>,
    /// Buyers may cancel a paid booking for a refund until this many hours before the
    /// start; `None`: only the organiser refunds.
    pub refund_hours_before: Option<i32>,
    /// Marked by the organiser: holding seats needs a confirmed address.
    pub high_demand: bool,
    /// The event's IANA time zone (`Europe/Berlin`): its times are shown in it.
    pub time_zone: String,
    /// Whether holders may resell their bookings (the organiser's choice; on by default).
    pub resale_enabled: bool,
    /// The shop's fee on a resale, in percent of its price, kept from the seller's refund.
    pub resale_fee_percent: i32,
    /// How many of its listings are offered now (kept with every listing change).
    pub resale_listed: i32,
}

/// The editable fields of an event, for inserts and updates alike (an empty refund
/// window is written as NULL).
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = events, treat_none_as_null = true)]
pub struct EventFields {
    pub title: String,
    pub description: String,
    pub venue: String,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub refund_hours_before: Option<i32>,
    pub high_demand: bool,
    pub time_zone: String,
    /// Whether holders may resell their bookings.
    pub resale_enabled: bool,
    /// The shop's fee on a resale in percent (0–50), fixed on each listing when made.
    pub resale_fee_percent: i32,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Associations)]
#[diesel(table_name = ticket_types, belongs_to(Event))]
pub struct TicketType {
    pub id: i32,
    pub event_id: i32,
    pub name: String,
    pub amount_pennies: i64,
    pub currency: String,
    pub total_tickets: i32,
    pub available_tickets_count: i32,
    pub lock_version: i32,
    /// The most seats one booking may hold (1–50).
    pub max_per_order: i32,
    #[diesel(deserialize_as = String)]
    pub selling_rule: SellingRule,
    /// On sale from this instant (UTC); `None`: as soon as the event is published.
    pub sale_starts_at: Option<NaiveDateTime>,
    /// On sale until this instant (UTC); `None`: until the event starts.
    pub sale_ends_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Copy, Insertable)]
#[diesel(table_name = ticket_types)]
pub struct NewTicketType<'a> {
    pub event_id: i32,
    pub name: &'a str,
    pub amount_pennies: i64,
    pub currency: &'a str,
    pub total_tickets: i32,
    pub available_tickets_count: i32,
    pub max_per_order: i32,
    #[diesel(serialize_as = String)]
    pub selling_rule: SellingRule,
    pub sale_starts_at: Option<NaiveDateTime>,
    pub sale_ends_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = bookings)]
pub struct Booking {
    pub id: i32,
    pub user_id: i32,
    pub event_id: i32,
    pub ticket_type_id: i32,
    #[diesel(deserialize_as = String)]
    pub status: BookingStatus,
    pub reserved_until: Option<NaiveDateTime>,
    pub hold_number: i32,
    pub code: String,
    pub created_at: NaiveDateTime,
    pub paid_at: Option<NaiveDateTime>,
    /// How many seats this booking holds (at least 1).
    pub quantity: i32,
    /// The ticket type of an earlier hold on this row that lapsed unpaid, kept when the
    /// row is held again so the cool-down survives a hold of another type.
    pub lapsed_ticket_type_id: Option<i32>,
    /// When that hold lapsed.
    pub lapsed_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Copy, Insertable)]
#[diesel(table_name = bookings)]
pub struct NewBooking<'a> {
    pub user_id: i32,
    pub event_id: i32,
    pub ticket_type_id: i32,
    #[diesel(serialize_as = String)]
    pub status: BookingStatus,
    pub reserved_until: Option<NaiveDateTime>,
    pub code: &'a str,
    pub created_at: NaiveDateTime,
    pub quantity: i32,
}

/// One seat of a paid booking: its position in the booking and its own code.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = admissions)]
pub struct Admission {
    pub id: i32,
    pub booking_id: i32,
    pub hold_number: i32,
    pub position: i32,
    pub code: String,
    #[diesel(deserialize_as = String)]
    pub status: AdmissionStatus,
    pub checked_in_at: Option<NaiveDateTime>,
    pub gate: Option<String>,
    pub created_at: NaiveDateTime,
    /// The nonce of the scan that checked it in (a retry of that scan admits again).
    pub checkin_nonce: Option<String>,
    /// Its booking's event (a copy, for the door counts' index range).
    pub event_id: i32,
    /// Who the seat was sent to (a friend of the booking's owner), if anyone.
    pub holder_email: Option<String>,
    /// The name of who will use the seat, if given; shown at the door.
    pub attendee_name: Option<String>,
    pub sent_at: Option<NaiveDateTime>,
    /// When its owner gave the seat back (a part of a group booking, refunded pro rata).
    pub given_back_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Copy, Insertable)]
#[diesel(table_name = admissions)]
pub struct NewAdmission<'a> {
    pub booking_id: i32,
    pub event_id: i32,
    pub hold_number: i32,
    pub position: i32,
    pub code: &'a str,
    #[diesel(serialize_as = String)]
    pub status: AdmissionStatus,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = payments)]
pub struct Payment {
    pub id: i32,
    pub booking_id: i32,
    pub user_id: i32,
    pub hold_number: i32,
    pub attempt: i32,
    pub provider: String,
    pub provider_session_id: Option<String>,
    pub checkout_url: Option<String>,
    pub amount_pennies: i64,
    pub currency: String,
    #[diesel(deserialize_as = String)]
    pub status: PaymentStatus,
    pub status_reason: Option<String>,
    pub provider_payment_id: Option<String>,
    pub provider_refund_id: Option<String>,
    pub expires_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub paid_at: Option<NaiveDateTime>,
    pub refunded_at: Option<NaiveDateTime>,
    /// The request sent to the provider (JSON), resent unchanged by a retry.
    pub request: Option<String>,
    /// How many looks in a row reconciliation took without settling it (its backoff).
    pub checks: i32,
    /// When reconciliation may look at it next.
    pub next_check_at: Option<NaiveDateTime>,
    /// A dispute (chargeback) of this payment: `open`, `won` or `lost`.
    pub dispute_status: Option<String>,
    pub provider_dispute_id: Option<String>,
    /// When a buyer's page (or reconciliation) last asked the provider about it
    /// (`domain::payments::provider_check`).
    pub provider_checked_at: Option<NaiveDateTime>,
    /// The resale listing this payment buys (`None`: a first-hand sale).
    pub listing_id: Option<i32>,
}

#[derive(Debug, Clone, Copy, Insertable)]
#[diesel(table_name = payments)]
pub struct NewPayment<'a> {
    pub booking_id: i32,
    pub user_id: i32,
    pub hold_number: i32,
    pub attempt: i32,
    pub provider: &'a str,
    pub amount_pennies: i64,
    pub currency: &'a str,
    #[diesel(serialize_as = String)]
    pub status: PaymentStatus,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub listing_id: Option<i32>,
}

/// One refund of a payment, with its own idempotency key and lifecycle.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = refunds)]
pub struct Refund {
    pub id: i32,
    pub payment_id: i32,
    pub amount_pennies: i64,
    pub currency: String,
    /// `None` for a refund made outside the shop (in Stripe's dashboard).
    pub idempotency_key: Option<String>,
    pub provider_refund_id: Option<String>,
    #[diesel(deserialize_as = String)]
    pub status: RefundStatus,
    pub reason: String,
    pub failure_reason: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// A refund of the seats given back from a booking that stays paid: how many. `None`
    /// for a refund that returns what is left of the whole payment.
    pub seats: Option<i32>,
}

#[derive(Debug, Clone, Copy, Insertable)]
#[diesel(table_name = refunds)]
pub struct NewRefund<'a> {
    pub payment_id: i32,
    pub amount_pennies: i64,
    pub currency: &'a str,
    pub idempotency_key: Option<&'a str>,
    pub provider_refund_id: Option<&'a str>,
    #[diesel(serialize_as = String)]
    pub status: RefundStatus,
    pub reason: &'a str,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub seats: Option<i32>,
}

/// One line of the door's audit trail: an admit or an undo.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = checkin_log)]
pub struct CheckinLog {
    pub id: i32,
    pub admission_id: i32,
    pub event_id: i32,
    pub user_id: i32,
    pub action: String,
    pub gate: Option<String>,
    pub reason: Option<String>,
    pub at: NaiveDateTime,
}

#[derive(Debug, Clone, Copy, Insertable)]
#[diesel(table_name = checkin_log)]
pub struct NewCheckinLog<'a> {
    pub admission_id: i32,
    pub event_id: i32,
    pub user_id: i32,
    pub action: &'a str,
    pub gate: Option<&'a str>,
    pub reason: Option<&'a str>,
    pub at: NaiveDateTime,
}

/// A paid booking offered for resale (`resale_listings`).
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = resale_listings)]
pub struct Listing {
    pub id: i32,
    pub booking_id: i32,
    /// The booking's hold when listed: a listing never outlives its hold.
    pub hold_number: i32,
    pub event_id: i32,
    pub ticket_type_id: i32,
    pub seller_id: i32,
    pub quantity: i32,
    pub price_pennies: i64,
    /// The shop's fee, kept from the seller's refund.
    pub fee_pennies: i64,
    pub currency: String,
    #[diesel(deserialize_as = String)]
    pub status: ListingStatus,
    /// Bumped by every change of price (the API's `ETag`).
    pub version: i32,
    pub locked_by: Option<i32>,
    pub locked_until: Option<NaiveDateTime>,
    pub buyer_id: Option<i32>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub sold_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Copy, Insertable)]
#[diesel(table_name = resale_listings)]
pub struct NewListing<'a> {
    pub booking_id: i32,
    pub hold_number: i32,
    pub event_id: i32,
    pub ticket_type_id: i32,
    pub seller_id: i32,
    pub quantity: i32,
    pub price_pennies: i64,
    pub fee_pennies: i64,
    pub currency: &'a str,
    #[diesel(serialize_as = String)]
    pub status: ListingStatus,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// One passing of a booking's seats to another holder (`booking_transfers`).
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = booking_transfers)]
pub struct Transfer {
    pub id: i32,
    /// `resale` or `gift`.
    pub kind: String,
    pub from_booking_id: i32,
    pub from_hold_number: i32,
    pub to_booking_id: i32,
    pub to_hold_number: i32,
    pub from_user_id: i32,
    pub to_user_id: i32,
    pub listing_id: Option<i32>,
    pub payment_id: Option<i32>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Copy, Insertable)]
#[diesel(table_name = booking_transfers)]
pub struct NewTransfer<'a> {
    pub kind: &'a str,
    pub from_booking_id: i32,
    pub from_hold_number: i32,
    pub to_booking_id: i32,
    pub to_hold_number: i32,
    pub from_user_id: i32,
    pub to_user_id: i32,
    pub listing_id: Option<i32>,
    pub payment_id: Option<i32>,
    pub created_at: NaiveDateTime,
}

/// A box office sale of a booking's hold (`box_office_sales`).
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = box_office_sales)]
pub struct Sale {
    pub id: i32,
    pub booking_id: i32,
    pub hold_number: i32,
    pub event_id: i32,
    /// Who sold it (box office staff or an admin).
    pub seller_id: i32,
    /// The customer's name: the attendee named at the door and in exports.
    pub customer_name: String,
    /// `link`, `cash`, `card_terminal` or `complimentary`.
    pub payment: String,
    pub note: String,
    /// The SHA-256 of the pay link's token (`link` only).
    pub link_token_hash: Option<String>,
    /// The counter payment (every method but `link`).
    pub payment_id: Option<i32>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Copy, Insertable)]
#[diesel(table_name = box_office_sales)]
pub struct NewSale<'a> {
    pub booking_id: i32,
    pub hold_number: i32,
    pub event_id: i32,
    pub seller_id: i32,
    pub customer_name: &'a str,
    pub payment: &'a str,
    pub note: &'a str,
    pub link_token_hash: Option<&'a str>,
    pub payment_id: Option<i32>,
    pub created_at: NaiveDateTime,
}
