//! Checkout attempts: what the pay button leads to, a free ticket's confirmation, and
//! the bookkeeping of the session a provider opened (or failed to open) for an attempt.

use chrono::{NaiveDateTime, TimeDelta};

use super::session::{CreatedSession, ProviderError};
use crate::db::models::{Booking, Event, NewPayment, Payment, TicketType};
use crate::db::status::PaymentStatus;
use crate::db::{Conn, Guarded, bookings, events, payment_attempts, ticket_types, users};
use crate::db::{is_unique_violation, write_transaction};
use crate::domain::bookings::admissions;
use crate::domain::bookings::booking_status::BookingStatus;
use crate::domain::bookings::locking::require;
use crate::domain::bookings::reservation::is_live;
use crate::error::AppError;

/// An attempt still `creating` after this long is taken as failed.
const CREATING_GIVES_UP_AFTER: TimeDelta = TimeDelta::hours(1);
/// An open session this close to its expiry is not handed out again.
const REUSE_MARGIN: TimeDelta = TimeDelta::minutes(1);

/// What the pay button leads to.
#[derive(Debug)]
pub enum PayPlan {
    /// This hold already has an open session: the same one again.
    Reuse { url: String },
    /// Ask the provider for a session for this attempt (idempotently, by its key).
    Create(Box<NewCheckout>),
    /// A free ticket, confirmed without any provider.
    ConfirmedFree { booking_id: i32 },
}

/// Everything a provider needs to open a session for one attempt.
#[derive(Debug)]
pub struct NewCheckout {
    pub payment: Payment,
    pub booking: Booking,
    pub ticket_type: TicketType,
    pub event: Event,
    pub email: String,
    /// A resale: the listing bought (its price, and its lock's end as the hold's).
    pub resale: Option<crate::db::models::Listing>,
}

/// What a buyer's earlier attempts for the same thing leave to do.
#[derive(Debug)]
pub enum Earlier<'a> {
    /// One is processing (a bank debit): a second payment could charge twice.
    Processing,
    /// One has an open session, not about to expire: send the buyer there again.
    Reuse(String),
    /// One is being created (its request may have reached the provider): resend it.
    InFlight(&'a Payment),
    /// None of them: a new attempt.
    Nothing,
}

/// Reads the buyer's earlier attempts (for one hold, or one resale listing).
pub fn earlier_attempt<'a>(attempts: &[&'a Payment], now: NaiveDateTime) -> Earlier<'a> {
    if attempts
        .iter()
        .any(|p| p.status == PaymentStatus::Processing)
    {
        return Earlier::Processing;
    }
    if let Some(url) = attempts
        .iter()
        .find(|p| {
            p.status == PaymentStatus::Open
                && p.expires_at.is_some_and(|at| at > now + REUSE_MARGIN)
        })
        .and_then(|open| open.checkout_url.clone())
    {
        return Earlier::Reuse(url);
    }
    match attempts.iter().find(|p| {
        p.status == PaymentStatus::Creating && p.created_at > now - CREATING_GIVES_UP_AFTER
    }) {
        Some(payment) => Earlier::InFlight(payment),
        None => Earlier::Nothing,
    }
}

/// Decides what paying for the user's ticket means now; 404 for anyone else's ticket,
/// a clear refusal for a paid ticket or an ended hold. Runs under the ticket's lock, so a
/// cancel or an expiry either happens before (and this refuses) or after (and the
/// session it opens is closed by the sweeper, or its late payment refunded).
pub fn plan_payment(
    conn: &mut Conn,
    now: NaiveDateTime,
    user_id: i32,
    booking_id: i32,
    provider: &str,
) -> Result<PayPlan, AppError> {
    write_transaction(conn, |c| {
        let booking = bookings::lock_owned(c, booking_id, user_id)?.ok_or(AppError::NotFound)?;
        if booking.status == BookingStatus::Paid {
            return Err(AppError::refused(
                "already_paid",
                "This ticket is already paid.",
            ));
        }
        if !is_live(&booking, now) {
            return Err(AppError::refused(
                "hold_expired",
                "Your hold has ended, so there is nothing to pay. Reserve again to buy a ticket.",
            ));
        }
        let ticket_type =
            ticket_types::find(c, booking.ticket_type_id)?.ok_or(AppError::NotFound)?;
        if ticket_type.amount_pennies == 0 {
            confirm_free(c, now, &booking, &ticket_type)?;
            return Ok(PayPlan::ConfirmedFree { booking_id });
        }
        let attempts = payment_attempts::for_hold(c, booking.id, booking.hold_number)?;
        let mine: Vec<&Payment> = attempts.iter().collect();
        let in_flight = match earlier_attempt(&mine, now) {
            Earlier::Processing => {
                // A second payment now could charge twice once the bank's arrives.
                return Err(AppError::refused(
                    "payment_processing",
                    "Your bank is still processing your payment for this booking. We confirm it as soon as the money arrives.",
                ));
            }
            Earlier::Reuse(url) => return Ok(PayPlan::Reuse { url }),
            Earlier::InFlight(payment) => Some(payment),
            Earlier::Nothing => None,
        };
        let payment = match in_flight {
            Some(payment) => payment.clone(),
            None => {
                let attempt = attempts.iter().map(|p| p.attempt).max().unwrap_or(0) + 1;
                new_attempt(c, now, &booking, &ticket_type, attempt, provider)?
            }
        };
        let event = events::find(c, booking.event_id)?.ok_or(AppError::NotFound)?;
        let email = users::find(c, user_id)?.ok_or(AppError::NotFound)?.email;
        Ok(PayPlan::Create(Box::new(NewCheckout {
            payment,
            booking,
            ticket_type,
            event,
            email,
            resale: None,
        })))
    })
}

fn new_attempt(
    conn: &mut Conn,
    now: NaiveDateTime,
    booking: &Booking,
    ticket_type: &TicketType,
    attempt: i32,
    provider: &str,
) -> Result<Payment, AppError> {
    let amount_pennies = ticket_type
        .amount_pennies
        .checked_mul(i64::from(booking.quantity))
        .ok_or_else(|| AppError::Internal(format!("ticket {}: price overflows", booking.id)))?;
    payment_attempts::insert(
        conn,
        &NewPayment {
            booking_id: booking.id,
            user_id: booking.user_id,
            hold_number: booking.hold_number,
            attempt,
            provider,
            amount_pennies,
            currency: &ticket_type.currency,
            status: PaymentStatus::Creating,
            created_at: now,
            updated_at: now,
            listing_id: None,
        },
    )
    .map_err(|error| {
        if is_unique_violation(&error) {
            // Attempts are numbered under the ticket's lock; a clash means the lock was
            // bypassed. The transaction rolls back and the user may simply try again.
            AppError::Unavailable(
                "Your payment is already being prepared. Please try again.".into(),
            )
        } else {
            error.into()
        }
    })
}

/// Confirms a free ticket: a zero payment row and the ticket paid, inside the caller's
/// transaction that holds the ticket's lock.
fn confirm_free(
    conn: &mut Conn,
    now: NaiveDateTime,
    booking: &Booking,
    ticket_type: &TicketType,
) -> Result<(), AppError> {
    let attempt =
        payment_attempts::for_hold(conn, booking.id, booking.hold_number)?.len() as i32 + 1;
    let payment = new_attempt(conn, now, booking, ticket_type, attempt, "free")?;
    require(
        payment_attempts::mark_paid(
            conn,
            payment.id,
            &[PaymentStatus::Creating],
            PaymentStatus::Paid,
            None,
            Some("free ticket"),
            now,
        )?,
        "confirming a free ticket's payment",
    )?;
    require(
        bookings::mark_paid(
            conn,
            booking.id,
            booking.hold_number,
            BookingStatus::Reserved,
            now,
        )?,
        "confirming a free ticket",
    )?;
    admissions::issue(conn, booking, now)
}

/// Records the session the provider opened for an attempt, whatever state the attempt
/// is in (a concurrent request may have given it up meanwhile): a session the provider
/// made is always findable by its id, from the success page, a webhook or
/// reconciliation. `Lost` only when the attempt already has another session.
pub fn session_created(
    conn: &mut Conn,
    now: NaiveDateTime,
    payment_id: i32,
    session: &CreatedSession,
) -> Result<Guarded, AppError> {
    Ok(payment_attempts::record_session(
        conn,
        payment_id,
        &session.id,
        &session.url,
        session.expires_at,
        now,
    )?)
}

/// Records a failed attempt to open a session. A time-out, or the same request still in
/// flight, leaves the attempt in `creating`, so the next try resends it under its key
/// (and gets any session the provider did create); a refusal, a provider failure (which
/// Stripe replays under the key for a day) or a key spoilt by other parameters ends it,
/// so the next try starts afresh with a new key.
/// `Lost` when the attempt had already moved on (a concurrent request recorded its
/// session): nothing to end then.
pub fn session_failed(
    conn: &mut Conn,
    now: NaiveDateTime,
    payment_id: i32,
    error: &ProviderError,
) -> Result<Guarded, AppError> {
    match error {
        ProviderError::Unreachable(_) | ProviderError::InFlight(_) => {
            let touched = payment_attempts::touch(conn, payment_id, now)?;
            Ok(Guarded::from_rows(touched))
        }
        ProviderError::Refused(reason)
        | ProviderError::ServerError(reason)
        | ProviderError::Missing(reason) => give_up(conn, now, payment_id, reason),
        // Turned away before the request ran (nothing kept under the key): a new
        // attempt with a new key is as safe as the same one, and simpler.
        ProviderError::KeyReused(_)
        | ProviderError::RateLimited(_)
        | ProviderError::Misconfigured(_) => give_up(conn, now, payment_id, &error.to_string()),
    }
}

fn give_up(
    conn: &mut Conn,
    now: NaiveDateTime,
    payment_id: i32,
    reason: &str,
) -> Result<Guarded, AppError> {
    Ok(payment_attempts::transition(
        conn,
        payment_id,
        &[PaymentStatus::Creating],
        PaymentStatus::Failed,
        Some(reason),
        now,
    )?)
}
