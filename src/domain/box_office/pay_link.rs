//! A sale paid by a link mailed to the customer: the booking is an ordinary hold until it
//! is paid or lapses; the link carries a random single-purpose token (kept only as its
//! SHA-256, tied to the booking's hold) that lets whoever holds it start the ordinary
//! checkout of that hold, and nothing else: no log-in, no other booking.

use chrono::NaiveDateTime;
use rand::RngCore;

use super::order::SaleOrder;
use crate::db::models::{Booking, Event, NewSale, Sale, TicketType};
use crate::db::{Conn, bookings, box_office_sales, events, ticket_types, write_transaction};
use crate::domain::accounts::password_reset::hash_token;
use crate::domain::bookings::booking_status::BookingStatus;
use crate::domain::bookings::reservation::is_live;
use crate::domain::outbox::{self, Message};
use crate::error::AppError;

/// The words for a link whose hold is over.
pub const HOLD_ENDED: &str = "The seats held for this payment link were released because the hold ended before it was paid. Nothing was charged. Ask the box office for a new sale.";

/// A fresh token: 32 random bytes, hex.
fn fresh_token() -> String {
    let mut bytes = [0_u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Records the link sale of the fresh hold `held` and writes the mail carrying its link
/// to the outbox, in one transaction under the booking's lock. Returns the sale.
pub fn record(
    conn: &mut Conn,
    now: NaiveDateTime,
    held: &Booking,
    order: &SaleOrder,
    seller_id: i32,
) -> Result<Sale, AppError> {
    let token = fresh_token();
    write_transaction(conn, |c| {
        let booking = bookings::lock(c, held.id)?.ok_or(AppError::NotFound)?;
        if booking.status != BookingStatus::Reserved || booking.hold_number != held.hold_number {
            return Err(AppError::Conflict(
                "The seats held for this sale were released before its link was sent; sell again."
                    .into(),
            ));
        }
        let hash = hash_token(&token);
        let sale = box_office_sales::insert(
            c,
            &NewSale {
                booking_id: booking.id,
                hold_number: booking.hold_number,
                event_id: booking.event_id,
                seller_id,
                customer_name: &order.customer_name,
                payment: order.payment.as_str(),
                note: &order.note,
                link_token_hash: Some(&hash),
                payment_id: None,
                created_at: now,
            },
        )?;
        outbox::enqueue(
            c,
            now,
            &Message::PayLinkSent {
                booking_id: booking.id,
                token: token.clone(),
            },
        )?;
        Ok(sale)
    })
}

/// Where a link's hold stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkStatus {
    /// Held and not paid: the link starts the checkout.
    Payable,
    /// Paid: the codes are in the confirmation mail.
    Paid,
    /// The hold lapsed, was released or moved on: nothing to pay.
    Ended,
}

/// A link as its page shows it.
#[derive(Debug, Clone)]
pub struct Link {
    pub sale: Sale,
    pub booking: Booking,
    pub event: Event,
    pub ticket_type: TicketType,
    pub status: LinkStatus,
}

/// Whether a text can be a token at all (looked up only then).
pub fn is_token_shaped(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The link of `token` and where its hold stands at `now`; an unknown token is 404.
pub fn open(conn: &mut Conn, now: NaiveDateTime, token: &str) -> Result<Link, AppError> {
    if !is_token_shaped(token) {
        return Err(AppError::NotFound);
    }
    let sale = box_office_sales::by_link(conn, &hash_token(token))?.ok_or(AppError::NotFound)?;
    let booking = bookings::find(conn, sale.booking_id)?.ok_or(AppError::NotFound)?;
    let event = events::find(conn, booking.event_id)?.ok_or(AppError::NotFound)?;
    let ticket_type =
        ticket_types::find(conn, booking.ticket_type_id)?.ok_or(AppError::NotFound)?;
    let status = if booking.hold_number != sale.hold_number {
        LinkStatus::Ended
    } else if booking.status == BookingStatus::Paid {
        LinkStatus::Paid
    } else if booking.status == BookingStatus::Reserved && is_live(&booking, now) {
        LinkStatus::Payable
    } else {
        LinkStatus::Ended
    };
    Ok(Link {
        sale,
        booking,
        event,
        ticket_type,
        status,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_64_hex_digits_and_only_its_hash_is_kept() {
        let token = fresh_token();
        assert!(is_token_shaped(&token), "{token}");
        assert!(!is_token_shaped("abc"));
        assert!(!is_token_shaped(&"g".repeat(64)));
        assert_ne!(hash_token(&token), token);
        assert_ne!(fresh_token(), token);
    }
}
