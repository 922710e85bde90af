//! The JSON shapes of resale and gifts: an event's offers, a seller's listing, a
//! buyer's purchase and a gift, made from the resale use cases' types. Money is the
//! API's `Price` (minor units, ISO 4217 code, display string).

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::shapes::{Price, utc};
use crate::db::models::Listing;
use crate::db::status::ListingStatus;
use crate::domain::resale::ResaleOffer;

/// One resale offer of an event: a whole booking offered by another fan.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResaleOfferOut {
    /// The listing to buy (`POST /api/v1/resale/{id}/purchase`).
    pub listing_id: i32,
    pub ticket_type_id: i32,
    pub ticket_type_name: String,
    /// Seats offered; they are sold together.
    #[schema(minimum = 1)]
    pub quantity: i32,
    /// The asking price for all the seats (at most what the seller paid).
    pub price: Price,
}

impl From<&ResaleOffer> for ResaleOfferOut {
    fn from(offer: &ResaleOffer) -> ResaleOfferOut {
        ResaleOfferOut {
            listing_id: offer.listing_id,
            ticket_type_id: offer.ticket_type_id,
            ticket_type_name: offer.ticket_type.clone(),
            quantity: offer.quantity,
            price: Price::of(offer.price.pennies, offer.price.currency.as_str()),
        }
    }
}

/// Where a listing stands: `listed` (on offer, or locked by a buyer who is paying: see
/// `locked_until`), `sold` (bought: the seats passed to the buyer) or `withdrawn` (taken
/// off sale by its seller, a refund or a cancelled event).
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ListingState {
    Listed,
    Sold,
    Withdrawn,
}

impl From<ListingStatus> for ListingState {
    fn from(status: ListingStatus) -> ListingState {
        match status {
            ListingStatus::Listed => ListingState::Listed,
            ListingStatus::Sold => ListingState::Sold,
            ListingStatus::Withdrawn => ListingState::Withdrawn,
        }
    }
}

/// A listing of a booking for resale, as its seller reads it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListingOut {
    pub id: i32,
    /// The seller's booking on offer (whole).
    pub booking_id: i32,
    pub event_id: i32,
    pub ticket_type_id: i32,
    #[schema(minimum = 1)]
    pub quantity: i32,
    pub status: ListingState,
    /// The asking price for all the seats.
    pub price: Price,
    /// The shop's fee, kept from the seller's refund when the listing sells.
    pub fee: Price,
    /// Bumped by every change of price and by withdrawing: the `ETag` (`"<version>"`)
    /// that `If-Match` names. A buyer's lock and a sale do not change it.
    #[schema(minimum = 1)]
    pub version: i32,
    /// While a buyer is paying: when their lock lapses (until then the listing cannot
    /// change); `null` otherwise.
    #[schema(format = DateTime)]
    pub locked_until: Option<String>,
    #[schema(format = DateTime)]
    pub sold_at: Option<String>,
}

impl ListingOut {
    /// The listing as it stands at `now` (a lapsed lock reads as none).
    pub fn new(listing: &Listing, now: NaiveDateTime) -> ListingOut {
        ListingOut {
            id: listing.id,
            booking_id: listing.booking_id,
            event_id: listing.event_id,
            ticket_type_id: listing.ticket_type_id,
            quantity: listing.quantity,
            status: listing.status.into(),
            price: Price::of(listing.price_pennies, &listing.currency),
            fee: Price::of(listing.fee_pennies, &listing.currency),
            version: listing.version,
            locked_until: live_lock(listing, now),
            sold_at: listing.sold_at.map(utc),
        }
    }
}

/// The lock's end, while it runs and the listing is on offer.
fn live_lock(listing: &Listing, now: NaiveDateTime) -> Option<String> {
    listing
        .locked_until
        .filter(|until| *until > now && listing.status == ListingStatus::Listed)
        .map(utc)
}

/// The least `price_pennies` the schemas below state (`minimum = 1`); the currency's
/// minimum charge decides above it.
pub const LEAST_PRICE: i64 = 1;

/// Offer a paid booking for resale.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ListingRequest {
    /// The asking price for the whole booking, in the currency's minor unit: at least
    /// the currency's minimum card charge (50 for EUR) and at most what you paid (422
    /// `validation` otherwise). Absent or `null`: what you paid.
    #[serde(default)]
    #[schema(minimum = 1, example = 4000)]
    pub price_pennies: Option<i64>,
}

/// A listing's new price.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RepriceRequest {
    /// The new asking price for the whole booking, in the currency's minor unit: at
    /// least the currency's minimum card charge and at most what you paid (422
    /// `validation` otherwise).
    #[schema(minimum = 1, example = 3500)]
    pub price_pennies: i64,
}

/// A listing as its buyer sees it while paying.
#[derive(Debug, Serialize, ToSchema)]
pub struct LockedListing {
    pub id: i32,
    pub event_id: i32,
    pub ticket_type_id: i32,
    #[schema(minimum = 1)]
    pub quantity: i32,
    pub price: Price,
    /// The listing is yours to pay for until then; after it, it is offered again.
    #[schema(format = DateTime)]
    pub locked_until: Option<String>,
}

impl LockedListing {
    pub fn new(listing: &Listing, now: NaiveDateTime) -> LockedListing {
        LockedListing {
            id: listing.id,
            event_id: listing.event_id,
            ticket_type_id: listing.ticket_type_id,
            quantity: listing.quantity,
            price: Price::of(listing.price_pennies, &listing.currency),
            locked_until: live_lock(listing, now),
        }
    }
}

/// Where to pay for a resale offer locked for you.
#[derive(Debug, Serialize, ToSchema)]
pub struct PurchaseAnswer {
    /// Send the buyer here to pay (the provider's hosted page). Paying passes the seats
    /// to a new booking of yours, with new codes.
    pub checkout_url: String,
    pub listing: LockedListing,
}

/// Give a paid booking to another account.
#[derive(Debug, Deserialize, ToSchema)]
pub struct GiftRequest {
    /// The address of the receiver's account (it must exist, and not be yours).
    #[schema(min_length = 3, max_length = 254, example = "friend@example.com")]
    pub email: String,
}

/// What a gift did.
#[derive(Debug, Serialize, ToSchema)]
pub struct GiftAnswer {
    /// Your booking, now `transferred`: its codes no longer admit.
    pub booking_id: i32,
    /// Always `transferred`.
    #[schema(example = "transferred")]
    pub status: &'static str,
    /// The receiver's booking, with new codes that only the receiver reads
    /// (`GET /api/v1/bookings/{id}` with their token).
    pub receiver_booking_id: i32,
}
