//! What a paid resale session does to the books, inside the completion's transaction
//! that holds the seller's booking's lock: the listing is sold, the seats pass to the
//! buyer with new codes, and the seller's payment is marked for a refund of the price
//! minus the shop's fee; or, when the listing is no longer the buyer's to take (withdrawn,
//! sold, locked by another buyer after theirs lapsed, repriced, its booking refunded or
//! checked in, or the buyer meanwhile holds seats of their own), the buyer's money goes
//! back (the late-payment rule, applied to resale).

use chrono::NaiveDateTime;

use super::refund_record;
use crate::db::models::{Booking, Payment};
use crate::db::status::{ListingStatus, PaymentStatus};
use crate::db::{Conn, Guarded, events, payment_attempts, resale_listings};
use crate::domain::bookings::booking_status::BookingStatus;
use crate::domain::bookings::locking::require;
use crate::domain::bookings::transfer::{Kind, event_refusal, pass_seats, receiver_row};
use crate::domain::door::refunds as door_refunds;
use crate::domain::outbox::{self, Message};
use crate::error::AppError;

/// How a paid resale payment was settled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResaleSettled {
    /// The seats are the buyer's: their booking.
    Sold { booking_id: i32 },
    /// The buyer's money goes back, for `reason`.
    Refund { reason: &'static str },
}

/// Settles the buyer's `payment` (its session paid the right amount) for `listing_id`;
/// `seller_booking` is the listing's booking, locked by the caller. The buyer's payment
/// is marked `paid` here when the seats pass; when they do not, the caller marks it for
/// refund.
pub(super) fn settle_resale(
    c: &mut Conn,
    now: NaiveDateTime,
    payment: &Payment,
    payment_reference: Option<&str>,
    seller_booking: &Booking,
    listing_id: i32,
) -> Result<ResaleSettled, AppError> {
    let refund = |reason| Ok(ResaleSettled::Refund { reason });
    let Some(listing) = resale_listings::find(c, listing_id)? else {
        return refund("the resale listing does not exist");
    };
    if listing.status != ListingStatus::Listed {
        return refund("the resale offer was withdrawn or sold before this payment arrived");
    }
    if listing.price_pennies != payment.amount_pennies || listing.currency != payment.currency {
        return refund("the resale offer's price changed before this payment arrived");
    }
    if seller_booking.status != BookingStatus::Paid
        || seller_booking.hold_number != listing.hold_number
        || listing.booking_id != seller_booking.id
    {
        return refund("the resold booking was cancelled or refunded before this payment arrived");
    }
    let event = events::find(c, listing.event_id)?.ok_or(AppError::NotFound)?;
    if event_refusal(&event, now, false).is_some() {
        return refund("the event was cancelled or started before this payment arrived");
    }
    if door_refunds::any_seat_checked_in(c, seller_booking)? {
        return refund("a seat of the resold booking was checked in before this payment arrived");
    }
    let seller_paid: Vec<Payment> = payment_attempts::for_booking(c, seller_booking.id)?
        .into_iter()
        .filter(|p| p.status == PaymentStatus::Paid && p.id != payment.id)
        .collect();
    let [seller_payment] = seller_paid.as_slice() else {
        return refund("the resold booking's own payment is being refunded");
    };
    if seller_payment.dispute_status.is_some() {
        return refund("the resold booking's own payment is disputed");
    }
    let buyer_id = payment.user_id;
    let Ok(released) = receiver_row(c, buyer_id, listing.event_id)? else {
        return refund("the buyer holds seats of their own for this event");
    };
    match resale_listings::mark_sold(c, listing.id, listing.version, buyer_id, now)? {
        Guarded::Applied => {}
        Guarded::Lost => {
            return refund("another buyer took the resale offer after this buyer's lock ran out");
        }
    }
    require(
        payment_attempts::mark_paid(
            c,
            payment.id,
            &PaymentStatus::UNSETTLED,
            PaymentStatus::Paid,
            payment_reference,
            Some("resale bought"),
            now,
        )?,
        "settling a resale payment",
    )?;
    // The seller gets the price back, less the shop's fee, from their own payment.
    let reason = "resold: the seller's refund of the resale price less the fee";
    require(
        payment_attempts::transition(
            c,
            seller_payment.id,
            &[PaymentStatus::Paid],
            PaymentStatus::RefundPending,
            Some(reason),
            now,
        )?,
        "marking the seller's payment for its resale refund",
    )?;
    refund_record::open_part(
        c,
        now,
        seller_payment,
        listing.price_pennies - listing.fee_pennies,
        reason,
    )?;
    let (received, _transfer) = pass_seats(
        c,
        now,
        seller_booking,
        buyer_id,
        released,
        payment.id,
        Kind::Resale {
            listing_id: listing.id,
        },
    )?;
    outbox::enqueue(
        c,
        now,
        &Message::ResaleSold {
            listing_id: listing.id,
        },
    )?;
    outbox::enqueue(
        c,
        now,
        &Message::ResaleRefund {
            payment_id: seller_payment.id,
        },
    )?;
    outbox::enqueue(
        c,
        now,
        &Message::BookingPaid {
            booking_id: received.id,
        },
    )?;
    Ok(ResaleSettled::Sold {
        booking_id: received.id,
    })
}
