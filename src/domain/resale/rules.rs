//! What may be listed, at what price, and what a buyer sees: the rules shared by
//! listing, repricing, buying and giving.

use chrono::NaiveDateTime;

use crate::db::models::{Booking, Listing, Payment};
use crate::db::status::PaymentStatus;
use crate::db::{Conn, events, payment_attempts, resale_listings, ticket_types};
use crate::domain::bookings::booking_status::BookingStatus;
use crate::domain::bookings::transfer::event_refusal;
use crate::domain::door::refunds as door_refunds;
use crate::domain::payments::minimum_charge::minimum_charge;
use crate::domain::payments::money::{Currency, Money};
use crate::error::AppError;

/// The price a seller asks, as they gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AskedPrice {
    /// What they paid.
    FaceValue,
    /// In minor units (the API).
    Pennies(i64),
    /// As typed in a form, in major units of the booking's currency ("25.00").
    Typed(String),
}

impl AskedPrice {
    /// A form's field: empty asks face value.
    pub fn typed(text: &str) -> AskedPrice {
        match text.trim() {
            "" => AskedPrice::FaceValue,
            text => AskedPrice::Typed(text.to_owned()),
        }
    }

    /// The price in minor units of `paid`'s currency, checked against its bounds.
    pub(super) fn resolve(&self, paid: &Payment) -> Result<i64, AppError> {
        let pennies = match self {
            AskedPrice::FaceValue => paid.amount_pennies,
            AskedPrice::Pennies(pennies) => *pennies,
            AskedPrice::Typed(text) => {
                let currency = Currency::parse(&paid.currency).map_err(|message| {
                    AppError::Internal(format!("a payment's currency: {message}"))
                })?;
                Money::parse(text, currency)
                    .map_err(|message| AppError::Unprocessable {
                        field: "price",
                        message: message.into(),
                    })?
                    .pennies
            }
        };
        check_price(pennies, paid)?;
        Ok(pennies)
    }
}

/// The shop's fee on a resale price: `percent` of it, rounded down.
pub(super) fn fee_for(price_pennies: i64, percent: i32) -> i64 {
    price_pennies.saturating_mul(i64::from(percent.clamp(0, 50))) / 100
}

/// The lowest and highest price a listing of this payment may ask: at least the
/// currency's minimum charge (one minor unit where none is known), at most what was paid.
fn price_bounds(paid: &Payment) -> (i64, i64) {
    let minimum = Currency::parse(&paid.currency)
        .ok()
        .and_then(|currency| minimum_charge(&currency))
        .map_or(1, |money| money.pennies.max(1));
    (minimum, paid.amount_pennies)
}

/// Checks a price against the bounds, with a message naming them.
fn check_price(price_pennies: i64, paid: &Payment) -> Result<(), AppError> {
    let (minimum, maximum) = price_bounds(paid);
    let money = |pennies| Money::from_stored(pennies, &paid.currency).to_string();
    if paid.amount_pennies < minimum {
        return Err(AppError::refused(
            "not_resellable",
            "This booking cost nothing (or less than a card payment can be), so it cannot be resold; you can give it away instead.",
        ));
    }
    if price_pennies > maximum {
        return Err(AppError::Unprocessable {
            field: "price",
            message: format!(
                "Resale is at face value: ask at most what you paid, {}.",
                money(maximum)
            ),
        });
    }
    if price_pennies < minimum {
        return Err(AppError::Unprocessable {
            field: "price",
            message: format!("Ask at least {}.", money(minimum)),
        });
    }
    Ok(())
}

/// The one payment that keeps a paid booking, checked for passing it on: not checked
/// in, no refund under way, not disputed. The caller holds the booking's lock.
pub(super) fn passable(
    c: &mut Conn,
    now: NaiveDateTime,
    booking: &Booking,
    gift: bool,
) -> Result<Payment, AppError> {
    if booking.status != BookingStatus::Paid {
        return Err(AppError::refused(
            "not_paid",
            "Only a paid booking can be resold or given away.",
        ));
    }
    let event = events::find(c, booking.event_id)?.ok_or(AppError::NotFound)?;
    if let Some(reason) = event_refusal(&event, now, gift) {
        return Err(AppError::refused("resale_closed", reason));
    }
    if door_refunds::any_seat_checked_in(c, booking)? {
        return Err(AppError::refused(
            "checked_in",
            "A seat of this booking has been checked in at the door, so it can no longer be resold or given away.",
        ));
    }
    let paid: Vec<Payment> = payment_attempts::for_booking(c, booking.id)?
        .into_iter()
        .filter(|p| p.status == PaymentStatus::Paid)
        .collect();
    let [payment] = paid.as_slice() else {
        return Err(AppError::refused(
            "refund_under_way",
            "This booking's refund is under way, so it cannot be resold or given away.",
        ));
    };
    if payment.dispute_status.is_some() {
        return Err(AppError::refused(
            "disputed",
            "This booking's payment is disputed with your bank, so it cannot be resold or given away.",
        ));
    }
    Ok(payment.clone())
}

/// One resale offer as the event page and the API show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResaleOffer {
    pub listing_id: i32,
    pub ticket_type_id: i32,
    pub ticket_type: String,
    pub quantity: i32,
    pub price: Money,
    /// The listing's seller is the one asking (they may not buy their own).
    pub own: bool,
}

/// An event's offers at `now` (listed, not locked), cheapest first.
pub fn offers_for_event(
    conn: &mut Conn,
    event_id: i32,
    viewer: Option<i32>,
    now: NaiveDateTime,
) -> Result<Vec<ResaleOffer>, AppError> {
    let listings: Vec<Listing> = resale_listings::offered(conn, event_id, now)?;
    if listings.is_empty() {
        return Ok(Vec::new());
    }
    let names: std::collections::HashMap<i32, String> = ticket_types::for_event(conn, event_id)?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    Ok(listings
        .into_iter()
        .map(|l| ResaleOffer {
            listing_id: l.id,
            ticket_type_id: l.ticket_type_id,
            ticket_type: names.get(&l.ticket_type_id).cloned().unwrap_or_default(),
            quantity: l.quantity,
            price: Money::from_stored(l.price_pennies, &l.currency),
            own: viewer == Some(l.seller_id),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::fee_for;

    #[test]
    fn the_fee_is_a_share_of_the_price_rounded_down_and_capped() {
        assert_eq!(fee_for(2500, 0), 0);
        assert_eq!(fee_for(2500, 10), 250);
        assert_eq!(fee_for(999, 5), 49);
        assert_eq!(fee_for(1000, 90), 500, "capped at 50 %");
    }
}
