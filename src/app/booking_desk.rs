//! The booking as the organiser's unit: an event's bookings searched by email or code
//! and filtered by status, one booking with everything that happened to it (seats and
//! check-ins, payments, refunds and disputes, mails), and what may be done to it: a
//! refund of the whole booking, a new copy of its confirmation, the void of a hold.

use super::AppState;
use crate::db::bookings::BookingFilter;
use crate::db::models::{Admission, Booking, Event, Payment, Refund, TicketType};
use crate::db::outbox::OutboxRow;
use crate::db::status::PaymentStatus;
use crate::db::{
    admissions, bookings, events, outbox as outbox_rows, payment_attempts, refunds, ticket_types,
};
use crate::domain::bookings::booking_status::BookingStatus;
use crate::domain::bookings::reservation;
use crate::domain::outbox::{self, Message};
use crate::error::AppError;

/// Bookings per page of an event's bookings list.
pub const BOOKINGS_PER_PAGE: i64 = 50;

/// One booking in an event's list, as an admin reads it.
#[derive(Debug)]
pub struct BookingLine {
    pub booking: Booking,
    pub email: String,
    pub type_name: String,
    /// A hold past its time reads as expired at once.
    pub status: BookingStatus,
}

/// One page of an event's bookings matching a search, newest first.
#[derive(Debug)]
pub struct BookingsPage {
    pub event: Event,
    pub bookings: Vec<BookingLine>,
    pub page: i64,
    pub pages: i64,
    /// How many bookings match, on all pages.
    pub total: i64,
}

/// Page `page` of the event's bookings matching `filter`.
pub async fn bookings(
    state: &AppState,
    event_id: i32,
    filter: BookingFilter,
    page: i64,
) -> Result<BookingsPage, AppError> {
    let now = state.clock.now();
    state
        .db(move |conn| {
            let event = events::find(conn, event_id)?.ok_or(AppError::NotFound)?;
            let total = bookings::count_matching(conn, event_id, &filter)?;
            let pages = ((total + BOOKINGS_PER_PAGE - 1) / BOOKINGS_PER_PAGE).max(1);
            let page = page.clamp(1, pages);
            let rows = bookings::search_for_event(
                conn,
                event_id,
                &filter,
                BOOKINGS_PER_PAGE,
                (page - 1) * BOOKINGS_PER_PAGE,
            )?;
            let bookings = rows
                .into_iter()
                .map(|(booking, email, type_name)| BookingLine {
                    status: reservation::visible_status(&booking, now),
                    booking,
                    email,
                    type_name,
                })
                .collect();
            Ok(BookingsPage {
                event,
                bookings,
                page,
                pages,
                total,
            })
        })
        .await
}

/// One payment of a booking with its refunds, newest refund first.
#[derive(Debug, Clone)]
pub struct PaymentLine {
    pub payment: Payment,
    pub refunds: Vec<Refund>,
}

/// Everything about one booking.
#[derive(Debug, Clone)]
pub struct BookingFile {
    pub booking: Booking,
    pub email: String,
    pub event: Event,
    pub ticket_type: TicketType,
    pub status: BookingStatus,
    /// Every seat ever issued to it (a refunded hold's seats are void), by hold and
    /// position.
    pub seats: Vec<Admission>,
    pub payments: Vec<PaymentLine>,
    /// The outbox messages about it: what it was mailed, and its refund jobs.
    pub mails: Vec<OutboxRow>,
}

impl BookingFile {
    /// The payment whose money the booking keeps (a paid booking has exactly one).
    pub fn kept_payment(&self) -> Option<&Payment> {
        self.payments
            .iter()
            .map(|line| &line.payment)
            .find(|p| p.status == PaymentStatus::Paid)
    }

    /// Whether the organiser may refund it now: paid, with its money kept.
    pub fn refundable(&self) -> bool {
        self.booking.status == BookingStatus::Paid && self.kept_payment().is_some()
    }

    /// Whether it is a hold that may be voided.
    pub fn voidable(&self) -> bool {
        self.booking.status == BookingStatus::Reserved
    }
}

/// The outbox payloads that concern a booking and its payments.
fn payloads_of(booking_id: i32, payment_ids: &[i32]) -> Result<Vec<String>, AppError> {
    let mut messages = vec![
        Message::BookingPaid { booking_id },
        Message::HoldExpired { booking_id },
        Message::EventCancelled { booking_id },
        Message::CancelRefund { booking_id },
    ];
    messages.extend(
        payment_ids
            .iter()
            .map(|&payment_id| Message::Refunded { payment_id }),
    );
    messages
        .iter()
        .map(|m| {
            serde_json::to_string(m)
                .map_err(|error| AppError::Internal(format!("outbox payload: {error}")))
        })
        .collect()
}

/// One booking, everything about it.
pub async fn booking(state: &AppState, booking_id: i32) -> Result<BookingFile, AppError> {
    let now = state.clock.now();
    state
        .db(move |conn| {
            let (booking, email) =
                bookings::with_email(conn, booking_id)?.ok_or(AppError::NotFound)?;
            let event = events::find(conn, booking.event_id)?.ok_or(AppError::NotFound)?;
            let ticket_type =
                ticket_types::find(conn, booking.ticket_type_id)?.ok_or(AppError::NotFound)?;
            let mut seats = admissions::for_booking_ids_in(conn, booking_id - 1, booking_id)?;
            seats.sort_by_key(|a| (a.hold_number, a.position));
            let mut lines = Vec::new();
            for payment in payment_attempts::for_booking(conn, booking_id)? {
                let refunds = refunds::for_payment(conn, payment.id)?;
                lines.push(PaymentLine { payment, refunds });
            }
            let payment_ids: Vec<i32> = lines.iter().map(|l| l.payment.id).collect();
            let mails = outbox_rows::with_payloads(conn, &payloads_of(booking_id, &payment_ids)?)?;
            Ok(BookingFile {
                status: reservation::visible_status(&booking, now),
                booking,
                email,
                event,
                ticket_type,
                seats,
                payments: lines,
                mails,
            })
        })
        .await
}

/// Writes a new copy of a paid booking's confirmation (its seat codes and calendar file)
/// to the outbox; the dispatcher mails it.
pub async fn resend_confirmation(state: &AppState, booking_id: i32) -> Result<(), AppError> {
    let now = state.clock.now();
    state
        .db(move |conn| {
            crate::db::write_transaction(conn, |c| {
                let booking = bookings::find(c, booking_id)?.ok_or(AppError::NotFound)?;
                if booking.status != BookingStatus::Paid {
                    return Err(AppError::refused(
                        "not_paid",
                        "Only a paid booking has a confirmation to send again.",
                    ));
                }
                outbox::enqueue(c, now, &Message::BookingPaid { booking_id })?;
                Ok(())
            })
        })
        .await
}

/// Voids a hold: the booking is cancelled and its seats go back on sale, under the
/// booking's lock (a payment confirmed at the same instant either wins, and the void is
/// refused, or finds it cancelled and its money goes back).
pub async fn void_hold(state: &AppState, booking_id: i32) -> Result<Booking, AppError> {
    let now = state.clock.now();
    state
        .db(move |conn| reservation::void_hold(conn, booking_id, now))
        .await
}
