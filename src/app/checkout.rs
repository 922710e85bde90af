//! Paying for a hold: opening (or reopening) a checkout session at the provider, and
//! completing one when the provider sends the user back. Provider calls happen outside
//! database transactions; the books change in `domain::payments`.

use chrono::NaiveDateTime;

use super::AppState;
use super::refunds::refund;
use crate::db::{Guarded, payment_attempts};
use crate::domain::payments::session::SessionState;
use crate::domain::payments::{self, Completion, NewCheckout, PayPlan, Turn};
use crate::domain::resale;
use crate::error::AppError;
use crate::providers::{CheckoutRequest, CreatedSession, ProviderError};

/// Where the pay button sends the user.
#[derive(Debug)]
pub enum PayOutcome {
    /// To the provider's checkout page.
    Checkout(String),
    /// A free ticket, already confirmed.
    Confirmed { booking_id: i32 },
}

pub const UNAVAILABLE: &str = "The payment service is unavailable right now. Nothing was charged and your seat is still held; please try again.";

/// How often a request whose key is still in flight at the provider is resent, and how
/// long to wait before each (the first request usually answers within a second).
const IN_FLIGHT_WAITS_MS: [u64; 3] = [150, 400, 900];

/// What a checkout pays for.
#[derive(Debug, Clone, Copy)]
pub enum Purchase {
    /// The user's own hold.
    Hold { user_id: i32, booking_id: i32 },
    /// A resale listing, locked for the buyer while they pay.
    Resale { buyer_id: i32, listing_id: i32 },
}

/// Opens (or reopens) a checkout session for the user's hold.
pub async fn start_checkout(
    state: &AppState,
    user_id: i32,
    booking_id: i32,
) -> Result<PayOutcome, AppError> {
    start(
        state,
        Purchase::Hold {
            user_id,
            booking_id,
        },
    )
    .await
}

/// Opens (or reopens) a checkout session for a purchase.
pub async fn start(state: &AppState, purchase: Purchase) -> Result<PayOutcome, AppError> {
    // A key spoilt by other parameters gives up its attempt; the second round opens a
    // new attempt with a new key.
    for _round in 0..2 {
        match try_checkout(state, purchase).await? {
            Tried::Done(outcome) => return Ok(outcome),
            Tried::KeySpoilt => continue,
        }
    }
    Err(AppError::Unavailable(UNAVAILABLE.into()))
}

enum Tried {
    Done(PayOutcome),
    KeySpoilt,
}

async fn try_checkout(state: &AppState, purchase: Purchase) -> Result<Tried, AppError> {
    let now = state.clock.now();
    let provider_name = state.provider.name();
    let lock_for = state.settings.resale_lock();
    let plan = state
        .db(move |conn| match purchase {
            Purchase::Hold {
                user_id,
                booking_id,
            } => payments::plan_payment(conn, now, user_id, booking_id, provider_name),
            Purchase::Resale {
                buyer_id,
                listing_id,
            } => resale::plan_resale_payment(
                conn,
                now,
                buyer_id,
                listing_id,
                provider_name,
                lock_for,
            )
            .map(|checkout| checkout.plan),
        })
        .await?;
    let new = match plan {
        PayPlan::Reuse { url } => return Ok(Tried::Done(PayOutcome::Checkout(url))),
        PayPlan::ConfirmedFree { booking_id } => {
            return Ok(Tried::Done(PayOutcome::Confirmed { booking_id }));
        }
        PayPlan::Create(new) => new,
    };
    let payment_id = new.payment.id;
    let request = match new.payment.request.as_deref() {
        // A retry of an attempt whose first request got no answer: resend it unchanged.
        Some(stored) => parse_request(stored)?,
        None => keep_request(state, first_request(state, &new, now)).await?,
    };
    match send(state, &request).await {
        Ok(session) => {
            let url = session.url.clone();
            let recorded = state
                .db(move |conn| payments::session_created(conn, now, payment_id, &session))
                .await?;
            if recorded == Guarded::Lost {
                log::warn!("payment {payment_id}: already has another session; sending its own");
            }
            Ok(Tried::Done(PayOutcome::Checkout(url)))
        }
        Err(error) => {
            log::warn!("creating a checkout session for payment {payment_id} failed: {error}");
            let spoilt = matches!(error, ProviderError::KeyReused(_));
            // Lost: a concurrent request got the session meanwhile; the attempt stays.
            let _ended: Guarded = state
                .db(move |conn| payments::session_failed(conn, now, payment_id, &error))
                .await?;
            if spoilt {
                return Ok(Tried::KeySpoilt);
            }
            Err(AppError::Unavailable(UNAVAILABLE.into()))
        }
    }
}

/// Sends the request; while the provider is still handling an earlier send of the same
/// key (a double click, a second tab), waits and resends it, which then gets that
/// request's answer.
async fn send(
    state: &AppState,
    request: &CheckoutRequest,
) -> Result<CreatedSession, ProviderError> {
    let mut waits = IN_FLIGHT_WAITS_MS.iter();
    loop {
        match state.provider.create_session(request).await {
            Err(ProviderError::InFlight(reason)) => match waits.next() {
                Some(&ms) => tokio::time::sleep(std::time::Duration::from_millis(ms)).await,
                None => return Err(ProviderError::InFlight(reason)),
            },
            answer => return answer,
        }
    }
}

/// The request a new attempt sends first.
fn first_request(state: &AppState, new: &NewCheckout, now: NaiveDateTime) -> CheckoutRequest {
    let public = &state.settings.public_url;
    if let Some(listing) = &new.resale {
        // One line for the whole listing at its price (it may be less than face value).
        let hold_ends = listing.locked_until.unwrap_or(now);
        return CheckoutRequest {
            payment_id: new.payment.id,
            booking_id: new.booking.id,
            user_id: new.payment.user_id,
            event_id: new.event.id,
            hold_number: new.payment.hold_number,
            product_name: format!(
                "{} – {} × {} (resale)",
                new.event.title, listing.quantity, new.ticket_type.name
            ),
            quantity: 1,
            unit_amount_pennies: listing.price_pennies,
            amount_pennies: new.payment.amount_pennies,
            currency: new.payment.currency.clone(),
            customer_email: new.email.clone(),
            success_url: format!("{public}/checkout/success?session_id={{CHECKOUT_SESSION_ID}}"),
            cancel_url: format!("{public}/events/{}", new.event.id),
            expires_at: state.provider.session_expiry(now, hold_ends),
            idempotency_key: crate::domain::payments::idempotency_key::fresh_key("checkout"),
        };
    }
    let hold_ends = new.booking.reserved_until.unwrap_or(now);
    CheckoutRequest {
        payment_id: new.payment.id,
        booking_id: new.booking.id,
        user_id: new.payment.user_id,
        event_id: new.event.id,
        hold_number: new.payment.hold_number,
        product_name: format!("{} – {}", new.event.title, new.ticket_type.name),
        quantity: i64::from(new.booking.quantity),
        unit_amount_pennies: new.ticket_type.amount_pennies,
        amount_pennies: new.payment.amount_pennies,
        currency: new.payment.currency.clone(),
        customer_email: new.email.clone(),
        success_url: format!("{public}/checkout/success?session_id={{CHECKOUT_SESSION_ID}}"),
        cancel_url: format!("{public}/bookings/{}", new.booking.id),
        expires_at: state.provider.session_expiry(now, hold_ends),
        idempotency_key: crate::domain::payments::idempotency_key::fresh_key("checkout"),
    }
}

/// Stores the request with its attempt before it is sent; if a concurrent request of the
/// same attempt stored one first, that one is sent instead (same key, same parameters).
async fn keep_request(
    state: &AppState,
    request: CheckoutRequest,
) -> Result<CheckoutRequest, AppError> {
    let json = serde_json::to_string(&request)
        .map_err(|error| AppError::Internal(format!("storing a checkout request: {error}")))?;
    let payment_id = request.payment_id;
    let stored = state
        .db(move |conn| {
            if payment_attempts::record_request(conn, payment_id, &json)?.applied() {
                return Ok(None);
            }
            Ok(payment_attempts::find(conn, payment_id)?.and_then(|p| p.request))
        })
        .await?;
    match stored {
        None => Ok(request),
        Some(earlier) => parse_request(&earlier),
    }
}

fn parse_request(stored: &str) -> Result<CheckoutRequest, AppError> {
    serde_json::from_str(stored)
        .map_err(|error| AppError::Internal(format!("a stored checkout request: {error}")))
}

/// Applies a session's state and sends back money that must go back.
pub async fn apply(state: &AppState, session: SessionState) -> Result<Completion, AppError> {
    let now = state.clock.now();
    let completion = state
        .db(move |conn| payments::apply_session(conn, now, &session))
        .await?;
    if let Completion::NeedsRefund { payment_id, .. } = completion {
        // If the provider is down now, reconciliation retries it.
        if let Err(error) = refund(state, payment_id).await {
            log::warn!("refund of payment {payment_id} will be retried: {error}");
        }
    }
    Ok(completion)
}

/// What the page the provider sends the user back to can say.
#[derive(Debug)]
pub enum Confirmation {
    /// The provider was asked now, and what it said applied (or why it could not be).
    Asked(Result<Completion, AppError>),
    /// The books already knew how the attempt ended; nobody asked.
    Known(Completion),
    /// Another request asked moments ago (on any instance): the answer, or the
    /// webhook's, is on its way.
    BeingConfirmed,
}

/// The page the provider sends the user back to: the session must be one of the user's
/// own attempts (anyone else's reads as missing). Asks the provider and applies what it
/// says, unless the books already know the outcome, or another request asked about the
/// attempt less than `PROVIDER_CHECK_INTERVAL` ago (a reload, twenty tabs, another
/// instance): one provider call per attempt per interval, however many hits. Returns
/// the ticket it is for and what happened.
pub async fn complete_for_owner(
    state: &AppState,
    user_id: i32,
    session_id: &str,
) -> Result<(i32, Confirmation), AppError> {
    let now = state.clock.now();
    let lookup = session_id.to_owned();
    let (booking_id, turn) = state
        .db(move |conn| payments::buyer_turn(conn, now, user_id, &lookup))
        .await?;
    let confirmation = match turn {
        Turn::Known(completion) => Confirmation::Known(completion),
        Turn::Wait => Confirmation::BeingConfirmed,
        Turn::Ask => Confirmation::Asked(complete(state, session_id).await),
    };
    Ok((booking_id, confirmation))
}

/// Asks the provider about a session and applies what it says.
pub async fn complete(state: &AppState, session_id: &str) -> Result<Completion, AppError> {
    let session = state
        .provider
        .retrieve_session(session_id)
        .await
        .map_err(|error| {
            log::warn!("retrieving checkout session {session_id} failed: {error}");
            AppError::Unavailable(UNAVAILABLE.into())
        })?;
    apply(state, session).await
}
