//! A buyer's "Buy" on a resale offer: lock the listing for them (one guarded update; of
//! two buyers at the same instant exactly one gets it) and prepare the payment attempt
//! the provider's checkout opens, as for a first-hand sale. Runs under the seller's
//! booking's lock, then the buyer's row's.

use chrono::{NaiveDateTime, TimeDelta};

use crate::db::models::{Listing, NewPayment, Payment};
use crate::db::status::{ListingStatus, PaymentStatus};
use crate::db::{
    Conn, Guarded, bookings, events, is_unique_violation, payment_attempts, resale_listings,
    ticket_types, users, write_transaction,
};
use crate::domain::bookings::booking_status::BookingStatus;
use crate::domain::bookings::transfer::event_refusal;
use crate::domain::bookings::transfer::receiver_row;
use crate::domain::outbox::{self, Message};
use crate::domain::payments::{Earlier, NewCheckout, PayPlan, earlier_attempt};
use crate::error::AppError;

/// What the buyer's "Buy" prepared: the plan for the provider, and the listing as locked.
#[derive(Debug)]
pub struct ResaleCheckout {
    pub plan: PayPlan,
    pub listing: Listing,
}

/// Locks the listing for `buyer_id` (or finds their lock still running) and plans the
/// payment: the same open session again, or a new attempt to open one for.
pub fn plan_resale_payment(
    conn: &mut Conn,
    now: NaiveDateTime,
    buyer_id: i32,
    listing_id: i32,
    provider: &str,
    lock_for: TimeDelta,
) -> Result<ResaleCheckout, AppError> {
    write_transaction(conn, |c| {
        let gone = || AppError::refused("not_offered", "This resale offer is no longer available.");
        let found = resale_listings::find(c, listing_id)?.ok_or(AppError::NotFound)?;
        let seller_booking = bookings::lock(c, found.booking_id)?.ok_or(AppError::NotFound)?;
        let listing = resale_listings::find(c, listing_id)?.ok_or(AppError::NotFound)?;
        if listing.status != ListingStatus::Listed
            || seller_booking.status != BookingStatus::Paid
            || seller_booking.hold_number != listing.hold_number
        {
            return Err(gone());
        }
        if listing.seller_id == buyer_id {
            return Err(AppError::refused(
                "own_listing",
                "This is your own listing: withdraw it instead of buying it.",
            ));
        }
        let event = events::find(c, listing.event_id)?.ok_or(AppError::NotFound)?;
        if let Some(reason) = event_refusal(&event, now, false) {
            return Err(AppError::refused("resale_closed", reason));
        }
        if receiver_row(c, buyer_id, listing.event_id)?.is_err() {
            return Err(AppError::refused(
                "already_holding",
                "You already have a booking for this event, and one booking per person per event holds: you cannot buy a resale offer as well.",
            ));
        }
        // One booking per person per event: one offer of an event locked at a time.
        if resale_listings::other_locked_by(c, listing.event_id, buyer_id, listing.id, now)?
            .is_some()
        {
            return Err(AppError::refused(
                "already_buying",
                "You are already buying another resale offer for this event: pay for it, or wait until its time runs out.",
            ));
        }
        let mine = listing.locked_by == Some(buyer_id)
            && listing.locked_until.is_some_and(|until| until > now);
        if !mine {
            match resale_listings::take_lock(c, listing.id, buyer_id, now, now + lock_for)? {
                Guarded::Applied => {
                    outbox::enqueue(
                        c,
                        now,
                        &Message::ResaleLocked {
                            listing_id: listing.id,
                            buyer_id,
                        },
                    )?;
                }
                Guarded::Lost => {
                    return Err(AppError::refused(
                        "listing_locked",
                        format!(
                            "Someone else is buying this offer right now. If they do not pay within {} minutes it comes back on sale.",
                            lock_for.num_minutes()
                        ),
                    ));
                }
            }
        }
        let listing = resale_listings::find(c, listing.id)?.ok_or(AppError::NotFound)?;
        let attempts =
            payment_attempts::for_hold(c, seller_booking.id, seller_booking.hold_number)?;
        let buyer_attempts: Vec<&Payment> = attempts
            .iter()
            .filter(|p| p.listing_id == Some(listing.id) && p.user_id == buyer_id)
            .collect();
        // Earlier attempts at another price (the listing was repriced since) are not
        // reused; one still processing blocks a second payment whatever its price.
        let same_price: Vec<&Payment> = buyer_attempts
            .iter()
            .copied()
            .filter(|p| {
                p.amount_pennies == listing.price_pennies || p.status == PaymentStatus::Processing
            })
            .collect();
        let in_flight = match earlier_attempt(&same_price, now) {
            Earlier::Processing => {
                return Err(AppError::refused(
                    "payment_processing",
                    "Your bank is still processing your payment for this offer.",
                ));
            }
            Earlier::Reuse(url) => {
                return Ok(ResaleCheckout {
                    plan: PayPlan::Reuse { url },
                    listing,
                });
            }
            Earlier::InFlight(payment) => Some(payment),
            Earlier::Nothing => None,
        };
        let payment = match in_flight {
            Some(payment) => payment.clone(),
            None => {
                let attempt = attempts.iter().map(|p| p.attempt).max().unwrap_or(0) + 1;
                payment_attempts::insert(
                    c,
                    &NewPayment {
                        booking_id: seller_booking.id,
                        user_id: buyer_id,
                        hold_number: seller_booking.hold_number,
                        attempt,
                        provider,
                        amount_pennies: listing.price_pennies,
                        currency: &listing.currency,
                        status: PaymentStatus::Creating,
                        created_at: now,
                        updated_at: now,
                        listing_id: Some(listing.id),
                    },
                )
                .map_err(|error| {
                    if is_unique_violation(&error) {
                        AppError::Unavailable(
                            "Your payment is already being prepared. Please try again.".into(),
                        )
                    } else {
                        error.into()
                    }
                })?
            }
        };
        let ticket_type =
            ticket_types::find(c, listing.ticket_type_id)?.ok_or(AppError::NotFound)?;
        let email = users::find(c, buyer_id)?.ok_or(AppError::NotFound)?.email;
        Ok(ResaleCheckout {
            plan: PayPlan::Create(Box::new(NewCheckout {
                payment,
                booking: seller_booking,
                ticket_type,
                event,
                email,
                resale: Some(listing.clone()),
            })),
            listing,
        })
    })
}
