//! Resale and gifts as use cases: a seller lists, reprices or withdraws; a buyer buys
//! (lock, then the provider's checkout); an owner gives a booking away; the seller's
//! refund is sent when a listing sells; the event page and the organiser read the offers.

use super::AppState;
use super::checkout::{self, PayOutcome, Purchase};
use super::refunds;
use crate::db::models::{Booking, Listing};
use crate::db::resale_listings;
use crate::domain::outbox::Outcome;
use crate::domain::resale::{self, ResaleOffer};
use crate::error::AppError;

/// Lists the seller's paid booking at `price_pennies` (`None`: what they paid).
pub async fn list(
    state: &AppState,
    seller_id: i32,
    booking_id: i32,
    price_pennies: Option<i64>,
) -> Result<Listing, AppError> {
    let now = state.clock.now();
    state
        .db(move |conn| resale::list(conn, now, seller_id, booking_id, price_pennies))
        .await
}

/// Changes the price of the seller's listing (only while no buyer holds its lock);
/// `expected_version`, when given, must be the listing's version.
pub async fn reprice(
    state: &AppState,
    seller_id: i32,
    listing_id: i32,
    price_pennies: i64,
    expected_version: Option<i32>,
) -> Result<Listing, AppError> {
    let now = state.clock.now();
    state
        .db(move |conn| {
            resale::reprice(
                conn,
                now,
                seller_id,
                listing_id,
                price_pennies,
                expected_version,
            )
        })
        .await
}

/// Takes the seller's listing off sale (only while no buyer holds its lock).
pub async fn withdraw(
    state: &AppState,
    seller_id: i32,
    listing_id: i32,
) -> Result<Listing, AppError> {
    let now = state.clock.now();
    state
        .db(move |conn| resale::withdraw(conn, now, seller_id, listing_id))
        .await
}

/// The buyer's "Buy": locks the listing for them and opens the provider's checkout.
pub async fn buy(state: &AppState, buyer_id: i32, listing_id: i32) -> Result<PayOutcome, AppError> {
    checkout::start(
        state,
        Purchase::Resale {
            buyer_id,
            listing_id,
        },
    )
    .await
}

/// The buyer's "Buy" as the API answers it: where to pay, and the listing as it stands
/// afterwards (locked for them).
pub async fn buy_with_listing(
    state: &AppState,
    buyer_id: i32,
    listing_id: i32,
) -> Result<(PayOutcome, Listing), AppError> {
    let outcome = buy(state, buyer_id, listing_id).await?;
    let listing = state
        .db(move |conn| resale_listings::find(conn, listing_id)?.ok_or(AppError::NotFound))
        .await?;
    Ok((outcome, listing))
}

/// Gives the owner's paid booking to the account with `email`.
pub async fn give(
    state: &AppState,
    owner_id: i32,
    booking_id: i32,
    email: String,
) -> Result<Booking, AppError> {
    let now = state.clock.now();
    state
        .db(move |conn| resale::give(conn, now, owner_id, booking_id, &email))
        .await
}

/// The outbox's job after a sale: send the seller's refund. A provider that cannot
/// answer now defers the job (reconciliation also retries refunds owed).
pub async fn refund_seller(state: &AppState, payment_id: i32) -> Outcome {
    match refunds::refund(state, payment_id).await {
        Ok(_progress) => Outcome::Delivered,
        Err(error @ AppError::Unavailable(_)) => Outcome::Deferred(error.to_string()),
        Err(error) => Outcome::Failed(error.to_string()),
    }
}

/// An event's resale offers now, cheapest first; `viewer`'s own are marked.
pub async fn offers(
    state: &AppState,
    event_id: i32,
    viewer: Option<i32>,
) -> Result<Vec<ResaleOffer>, AppError> {
    let now = state.clock.now();
    state
        .db(move |conn| resale::offers_for_event(conn, event_id, viewer, now))
        .await
}

/// The seller's latest listing of their booking, if any (its page shows it).
pub async fn listing_of(
    state: &AppState,
    user_id: i32,
    booking_id: i32,
) -> Result<Option<Listing>, AppError> {
    state
        .db(move |conn| {
            Ok(resale_listings::for_booking(conn, booking_id)?
                .into_iter()
                .find(|l| l.seller_id == user_id))
        })
        .await
}

/// One listing, for its seller only (anyone else's reads as missing).
pub async fn own_listing(
    state: &AppState,
    seller_id: i32,
    listing_id: i32,
) -> Result<Listing, AppError> {
    state
        .db(move |conn| {
            resale_listings::find(conn, listing_id)?
                .filter(|l| l.seller_id == seller_id)
                .ok_or(AppError::NotFound)
        })
        .await
}

/// Every listing of an event, newest first (the organiser's view).
pub async fn listings_for_event(state: &AppState, event_id: i32) -> Result<Vec<Listing>, AppError> {
    state
        .db(move |conn| Ok(resale_listings::for_event(conn, event_id)?))
        .await
}
