//! A seller's side of a listing: offering a paid booking, changing its price and taking
//! it back, each only while no buyer holds the listing's lock; and an admin's refund
//! (or a cancelled event) taking a listing off sale whatever its lock.

use chrono::NaiveDateTime;

use super::rules::{AskedPrice, fee_for, passable};
use crate::db::models::{Listing, NewListing};
use crate::db::status::ListingStatus;
use crate::db::write_transaction;
use crate::db::{Conn, Guarded, bookings, events, is_unique_violation, resale_listings};
use crate::domain::outbox::{self, Message};
use crate::error::AppError;

/// Lists the seller's paid booking for resale at the price asked, under the booking's
/// lock.
pub fn list(
    conn: &mut Conn,
    now: NaiveDateTime,
    seller_id: i32,
    booking_id: i32,
    asked: &AskedPrice,
) -> Result<Listing, AppError> {
    write_transaction(conn, |c| {
        let booking = bookings::lock_owned(c, booking_id, seller_id)?.ok_or(AppError::NotFound)?;
        if resale_listings::open_for_booking(c, booking.id)?.is_some() {
            return Err(AppError::refused(
                "already_listed",
                "This booking is already listed for resale.",
            ));
        }
        let paid = passable(c, now, &booking, false)?;
        let price = asked.resolve(&paid)?;
        let event = events::find(c, booking.event_id)?.ok_or(AppError::NotFound)?;
        let listing = resale_listings::insert(
            c,
            &NewListing {
                booking_id: booking.id,
                hold_number: booking.hold_number,
                event_id: booking.event_id,
                ticket_type_id: booking.ticket_type_id,
                seller_id,
                quantity: booking.quantity,
                price_pennies: price,
                fee_pennies: fee_for(price, event.resale_fee_percent),
                currency: &paid.currency,
                status: ListingStatus::Listed,
                created_at: now,
                updated_at: now,
            },
        )
        .map_err(|error| {
            if is_unique_violation(&error) {
                AppError::refused(
                    "already_listed",
                    "This booking is already listed for resale.",
                )
            } else {
                error.into()
            }
        })?;
        outbox::enqueue(
            c,
            now,
            &Message::ResaleListed {
                listing_id: listing.id,
            },
        )?;
        Ok(listing)
    })
}

/// The seller's listing, read under its booking's lock.
fn own_listing(c: &mut Conn, seller_id: i32, listing_id: i32) -> Result<Listing, AppError> {
    let found = resale_listings::find(c, listing_id)?
        .filter(|l| l.seller_id == seller_id)
        .ok_or(AppError::NotFound)?;
    bookings::lock(c, found.booking_id)?.ok_or(AppError::NotFound)?;
    resale_listings::find(c, listing_id)?.ok_or(AppError::NotFound)
}

/// Why a listing cannot change now, when it cannot.
fn refuse_change(listing: &Listing, now: NaiveDateTime) -> Result<(), AppError> {
    if listing.status != ListingStatus::Listed {
        return Err(AppError::refused(
            "not_listed",
            format!(
                "This listing is {} and can no longer change.",
                listing.status
            ),
        ));
    }
    if let Some(until) = listing.locked_until.filter(|until| *until > now) {
        let minutes = (until - now).num_minutes() + 1;
        return Err(AppError::refused(
            "listing_locked",
            format!(
                "A buyer is paying for this listing right now, so it cannot change; try again in {minutes} minute{}.",
                if minutes == 1 { "" } else { "s" }
            ),
        ));
    }
    Ok(())
}

/// Changes the price of the seller's unlocked listing; `expected_version` (the API's
/// `If-Match`) must be the listing's version when given.
pub fn reprice(
    conn: &mut Conn,
    now: NaiveDateTime,
    seller_id: i32,
    listing_id: i32,
    asked: &AskedPrice,
    expected_version: Option<i32>,
) -> Result<Listing, AppError> {
    write_transaction(conn, |c| {
        let listing = own_listing(c, seller_id, listing_id)?;
        refuse_change(&listing, now)?;
        if expected_version.is_some_and(|v| v != listing.version) {
            return Err(AppError::refused(
                "version_mismatch",
                "This listing changed since you read it; read it again.",
            ));
        }
        let booking = bookings::lock(c, listing.booking_id)?.ok_or(AppError::NotFound)?;
        let paid = passable(c, now, &booking, false)?;
        let price_pennies = asked.resolve(&paid)?;
        let event = events::find(c, listing.event_id)?.ok_or(AppError::NotFound)?;
        let fee = fee_for(price_pennies, event.resale_fee_percent);
        match resale_listings::reprice(c, listing.id, listing.version, price_pennies, fee, now)? {
            Guarded::Applied => {}
            Guarded::Lost => {
                return Err(AppError::refused(
                    "version_mismatch",
                    "This listing changed meanwhile; read it again.",
                ));
            }
        }
        resale_listings::find(c, listing.id)?.ok_or(AppError::NotFound)
    })
}

/// Takes the seller's unlocked listing off sale.
pub fn withdraw(
    conn: &mut Conn,
    now: NaiveDateTime,
    seller_id: i32,
    listing_id: i32,
) -> Result<Listing, AppError> {
    write_transaction(conn, |c| {
        let listing = own_listing(c, seller_id, listing_id)?;
        refuse_change(&listing, now)?;
        match resale_listings::withdraw(c, listing.id, now, false)? {
            Guarded::Applied => {}
            Guarded::Lost => {
                return Err(AppError::refused(
                    "listing_locked",
                    "A buyer started paying for this listing just now, so it cannot change.",
                ));
            }
        }
        outbox::enqueue(c, now, &Message::ResaleWithdrawn { listing_id })?;
        resale_listings::find(c, listing.id)?.ok_or(AppError::NotFound)
    })
}
