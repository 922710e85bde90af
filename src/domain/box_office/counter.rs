//! A sale paid at the counter: the customer's fresh hold becomes paid at once, in one
//! transaction under the booking's lock, as a provider's payment would make it
//! (`domain::payments::completion`): a `payments` row (provider `counter`: the amount,
//! paid now), the sale (seller, customer's name, method, note), the seats' codes (named
//! for the customer) and the `BookingPaid` message that mails the confirmation.
//!
//! Why a `payments` row: every reader of the money (the audit's one payment per paid
//! booking, the sales figures, the payments export, the booking's page) counts a counter
//! payment as it counts any other, with no second path; what only the counter knows
//! (method, seller, note) sits in the sale, which names the payment.

use chrono::NaiveDateTime;

use super::order::{SaleOrder, SalePayment};
use crate::db::models::{Booking, NewPayment, NewSale, Sale};
use crate::db::status::PaymentStatus;
use crate::db::{
    Conn, bookings, box_office_sales, payment_attempts, ticket_types, write_transaction,
};
use crate::domain::bookings::admissions;
use crate::domain::bookings::booking_status::BookingStatus;
use crate::domain::bookings::locking::require;
use crate::domain::outbox::{self, Message};
use crate::error::AppError;

/// The `payments.provider` of a payment taken at the counter.
pub const COUNTER: &str = "counter";

/// What the counter charges for `quantity` seats at `unit` each: nothing when
/// complimentary; `None` on overflow.
pub fn amount(payment: SalePayment, unit: i64, quantity: i32) -> Option<i64> {
    match payment {
        SalePayment::Complimentary => Some(0),
        _ => unit.checked_mul(i64::from(quantity)),
    }
}

/// Makes the fresh hold `held` paid at the counter by `seller_id`; returns the paid
/// booking and its sale. The hold must still be the one the sale made (same hold
/// number, still reserved): anything else is refused and changes nothing.
pub fn settle(
    conn: &mut Conn,
    now: NaiveDateTime,
    held: &Booking,
    order: &SaleOrder,
    seller_id: i32,
) -> Result<(Booking, Sale), AppError> {
    write_transaction(conn, |c| {
        let booking = bookings::lock(c, held.id)?.ok_or(AppError::NotFound)?;
        if booking.status != BookingStatus::Reserved || booking.hold_number != held.hold_number {
            return Err(AppError::Conflict(
                "The seats held for this sale were released before it was paid; sell again.".into(),
            ));
        }
        let ticket_type =
            ticket_types::find(c, booking.ticket_type_id)?.ok_or(AppError::NotFound)?;
        let amount = amount(order.payment, ticket_type.amount_pennies, booking.quantity)
            .ok_or_else(|| AppError::Internal("a counter payment's amount overflows".into()))?;
        let attempt = payment_attempts::for_hold(c, booking.id, booking.hold_number)?.len() + 1;
        let payment = payment_attempts::insert(
            c,
            &NewPayment {
                booking_id: booking.id,
                user_id: booking.user_id,
                hold_number: booking.hold_number,
                attempt: i32::try_from(attempt).unwrap_or(i32::MAX),
                provider: COUNTER,
                amount_pennies: amount,
                currency: &ticket_type.currency,
                status: PaymentStatus::Creating,
                created_at: now,
                updated_at: now,
                listing_id: None,
            },
        )?;
        let reason = format!("recorded at the box office: {}", order.payment.as_str());
        require(
            payment_attempts::mark_paid(
                c,
                payment.id,
                &[PaymentStatus::Creating],
                PaymentStatus::Paid,
                None,
                Some(&reason),
                now,
            )?,
            "recording a counter payment",
        )?;
        require(
            bookings::mark_paid(
                c,
                booking.id,
                booking.hold_number,
                BookingStatus::Reserved,
                now,
            )?,
            "confirming a counter sale",
        )?;
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
                link_token_hash: None,
                payment_id: Some(payment.id),
                created_at: now,
            },
        )?;
        // The sale is written first: issuing names the seats after its customer.
        admissions::issue(c, &booking, now)?;
        outbox::enqueue(
            c,
            now,
            &Message::BookingPaid {
                booking_id: booking.id,
            },
        )?;
        let paid = bookings::find(c, booking.id)?.ok_or(AppError::NotFound)?;
        Ok((paid, sale))
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::db::{admissions as seats, outbox as outbox_rows};
    use crate::domain::payments::scenes;
    use crate::domain::payments::{Completion, apply_session};

    fn order(payment: SalePayment) -> SaleOrder {
        SaleOrder::parse(
            1,
            1,
            "ann@example.com",
            "Ann Lee",
            payment.as_str(),
            "till 3",
        )
        .unwrap()
    }

    #[test]
    fn a_hold_paid_at_the_counter_is_paid_once_named_and_mailed() {
        let mut scene = scenes::hold(10);
        let (now, booking_id) = (scene.now, scene.booking_id);
        let held = bookings::find(&mut scene.conn, booking_id)
            .unwrap()
            .unwrap();
        let (paid, sale) =
            settle(&mut scene.conn, now, &held, &order(SalePayment::Cash), 1).unwrap();
        assert_eq!(paid.status, BookingStatus::Paid);
        assert_eq!(
            (sale.payment.as_str(), sale.note.as_str()),
            ("cash", "till 3")
        );
        let payment = payment_attempts::find(&mut scene.conn, sale.payment_id.unwrap())
            .unwrap()
            .unwrap();
        assert_eq!(
            (
                payment.provider.as_str(),
                payment.amount_pennies,
                payment.status
            ),
            (COUNTER, 2500, PaymentStatus::Paid)
        );
        let named = seats::for_hold(&mut scene.conn, booking_id, paid.hold_number).unwrap();
        assert_eq!(named.len(), 1);
        assert_eq!(named[0].attendee_name.as_deref(), Some("Ann Lee"));
        let mailed = outbox_rows::all(&mut scene.conn).unwrap();
        assert_eq!(
            mailed.iter().filter(|m| m.kind == "booking_paid").count(),
            1
        );

        // The same hold again: refused, nothing written twice.
        assert!(settle(&mut scene.conn, now, &held, &order(SalePayment::Cash), 1).is_err());
        assert_eq!(
            payment_attempts::for_booking(&mut scene.conn, booking_id)
                .unwrap()
                .len(),
            2,
            "the scene's open checkout attempt and the one counter payment"
        );
        // The checkout the hold had open, paid later, is money to send back, not a second ticket.
        assert_eq!(
            apply_session(&mut scene.conn, now, &scenes::paid("cs_1")).unwrap(),
            Completion::NeedsRefund {
                payment_id: scene.payment_id,
                booking_id
            }
        );
    }

    #[test]
    fn the_counter_charges_seats_times_price_and_nothing_for_a_complimentary_sale() {
        assert_eq!(amount(SalePayment::Cash, 1250, 3), Some(3750));
        assert_eq!(amount(SalePayment::CardTerminal, 1250, 1), Some(1250));
        assert_eq!(amount(SalePayment::Complimentary, 1250, 3), Some(0));
        assert_eq!(amount(SalePayment::Cash, i64::MAX, 2), None);
    }
}
