//! Resale and gifts as use cases: a seller lists, reprices or withdraws; a buyer buys
//! (lock, then the provider's checkout); an owner gives a booking away; the seller's
//! refund is sent when a listing sells; the event page and the organiser read the offers.

use super::AppState;
use super::checkout::{self, PayOutcome, Purchase};
use super::refunds;
use crate::db::models::{Booking, Listing};
use crate::db::{resale_listings, users};
use crate::domain::accounts::unconfirmed;
use crate::domain::outbox::Outcome;
use crate::domain::resale::{self, AskedPrice};
use crate::error::AppError;

/// Refuses an account whose address is not confirmed, unless the shop allows it
/// (`UNCONFIRMED_MAY_PASS_ON`): a booking is passed on only by a confirmed address.
async fn refuse_unconfirmed(state: &AppState, user_id: i32) -> Result<(), AppError> {
    let allowed = state.settings.limits.unconfirmed_may_pass_on;
    let confirmed = state
        .db(move |conn| {
            Ok(users::find(conn, user_id)?
                .ok_or(AppError::NotFound)?
                .email_verified_at
                .is_some())
        })
        .await?;
    match unconfirmed::pass_on_refusal(confirmed, allowed) {
        Some(reason) => Err(AppError::refused("confirm_address", reason)),
        None => Ok(()),
    }
}

/// Lists the seller's paid booking at the price asked.
pub async fn list(
    state: &AppState,
    seller_id: i32,
    booking_id: i32,
    asked: AskedPrice,
) -> Result<Listing, AppError> {
    refuse_unconfirmed(state, seller_id).await?;
    let now = state.clock.now();
    state
        .db(move |conn| resale::list(conn, now, seller_id, booking_id, &asked))
        .await
}

/// Changes the price of the seller's listing (only while no buyer holds its lock);
/// `expected_version`, when given, must be the listing's version.
pub async fn reprice(
    state: &AppState,
    seller_id: i32,
    listing_id: i32,
    asked: AskedPrice,
    expected_version: Option<i32>,
) -> Result<Listing, AppError> {
    let now = state.clock.now();
    state
        .db(move |conn| resale::reprice(conn, now, seller_id, listing_id, &asked, expected_version))
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
    refuse_unconfirmed(state, owner_id).await?;
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

/// One listing as the organiser reads it: with its ticket type's name and the emails of
/// its seller and (once sold) its buyer.
#[derive(Debug, Clone)]
pub struct ListingLine {
    pub listing: Listing,
    pub ticket_type: String,
    pub seller_email: String,
    pub buyer_email: Option<String>,
}

/// An event's resale for the organiser: the event, every listing newest first, and the
/// instant it was read (a lock that lapsed by then counts as no lock).
#[derive(Debug, Clone)]
pub struct EventResale {
    pub event: crate::db::models::Event,
    pub lines: Vec<ListingLine>,
    pub now: chrono::NaiveDateTime,
}

/// Every listing of an event, newest first, with the names the organiser needs.
pub async fn event_resale(state: &AppState, event_id: i32) -> Result<EventResale, AppError> {
    use crate::db::{events, ticket_types, users};
    use std::collections::HashMap;
    use std::collections::hash_map::Entry;
    let now = state.clock.now();
    state
        .db(move |conn| {
            let event = events::find(conn, event_id)?.ok_or(AppError::NotFound)?;
            let listings = resale_listings::for_event(conn, event_id)?;
            let types: HashMap<i32, String> = ticket_types::for_event(conn, event_id)?
                .into_iter()
                .map(|t| (t.id, t.name))
                .collect();
            let mut emails: HashMap<i32, String> = HashMap::new();
            let mut lines = Vec::with_capacity(listings.len());
            for listing in listings {
                for id in std::iter::once(listing.seller_id).chain(listing.buyer_id) {
                    if let Entry::Vacant(slot) = emails.entry(id) {
                        slot.insert(users::find(conn, id)?.map(|u| u.email).unwrap_or_default());
                    }
                }
                lines.push(ListingLine {
                    ticket_type: types
                        .get(&listing.ticket_type_id)
                        .cloned()
                        .unwrap_or_default(),
                    seller_email: emails.get(&listing.seller_id).cloned().unwrap_or_default(),
                    buyer_email: listing.buyer_id.and_then(|id| emails.get(&id).cloned()),
                    listing,
                });
            }
            Ok(EventResale { event, lines, now })
        })
        .await
}
