//! The money side of a ticket: checkout attempts, what a completed payment means for
//! the hold it pays, refunds. Every transition is a guarded update inside one
//! transaction, so duplicates, replays and races apply once.
//!
//! Rules: a paid hold becomes a ticket; a payment that lands after its hold ended takes
//! a free seat under the optimistic lock or is refunded; a second payment for a paid
//! ticket is refunded; a payment whose amount or currency differs is held for an admin.

use chrono::{NaiveDateTime, TimeDelta};

use super::inventory;
use super::reservation::is_live;
use super::ticket_status::TicketStatus;
use crate::db::models::{Event, NewPayment, Payment, Ticket, TicketSchema};
use crate::db::{
    Conn, events, is_unique_violation, payments, ticket_schemas, tickets, users, write_transaction,
};
use crate::error::AppError;
use crate::payments::{CreatedSession, ProviderError, SessionState, SessionStatus};

/// The states of a checkout attempt (`payments.status`).
pub mod status {
    pub const CREATING: &str = "creating";
    pub const OPEN: &str = "open";
    pub const FAILED: &str = "failed";
    pub const EXPIRED: &str = "expired";
    pub const PAID: &str = "paid";
    pub const REFUND_PENDING: &str = "refund_pending";
    pub const REFUNDED: &str = "refunded";
    pub const MISMATCH: &str = "mismatch";
    /// States in which no money has moved yet.
    pub const UNSETTLED: [&str; 4] = [CREATING, OPEN, EXPIRED, FAILED];
}

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
    ConfirmedFree { ticket_id: i32 },
}

/// Everything a provider needs to open a session for one attempt.
#[derive(Debug)]
pub struct NewCheckout {
    pub payment: Payment,
    pub ticket: Ticket,
    pub schema: TicketSchema,
    pub event: Event,
    pub email: String,
}

impl NewCheckout {
    /// Derived from the ticket, its hold and the attempt: a retried or doubled request
    /// reuses the key (and gets the same session); a new attempt gets a new one.
    pub fn idempotency_key(&self) -> String {
        format!(
            "boxoffice-checkout-t{}-h{}-a{}",
            self.ticket.id, self.payment.hold_number, self.payment.attempt
        )
    }
}

/// Decides what paying for the user's ticket means now; 404 for anyone else's ticket,
/// a clear refusal for a paid ticket or an ended hold.
pub fn plan_payment(
    conn: &mut Conn,
    now: NaiveDateTime,
    user_id: i32,
    ticket_id: i32,
    provider: &str,
) -> Result<PayPlan, AppError> {
    let ticket = tickets::find_owned(conn, ticket_id, user_id)?.ok_or(AppError::NotFound)?;
    if ticket.status == TicketStatus::Paid.as_str() {
        return Err(AppError::Conflict("This ticket is already paid.".into()));
    }
    if !is_live(&ticket, now) {
        return Err(AppError::Conflict(
            "Your hold has ended, so there is nothing to pay. Reserve again to buy a ticket."
                .into(),
        ));
    }
    let schema = ticket_schemas::find(conn, ticket.ticket_schema_id)?.ok_or(AppError::NotFound)?;
    if schema.amount_pennies == 0 {
        confirm_free(conn, now, &ticket, &schema)?;
        return Ok(PayPlan::ConfirmedFree { ticket_id });
    }
    let event = events::find(conn, ticket.event_id)?.ok_or(AppError::NotFound)?;
    let email = users::find(conn, user_id)?.ok_or(AppError::NotFound)?.email;
    // Two tries: a concurrent submit may take the next attempt number first.
    for _ in 0..2 {
        let attempts = payments::for_hold(conn, ticket.id, ticket.hold_number)?;
        if let Some(open) = attempts.iter().find(|p| {
            p.status == status::OPEN && p.expires_at.is_some_and(|at| at > now + REUSE_MARGIN)
        }) && let Some(url) = &open.checkout_url
        {
            return Ok(PayPlan::Reuse { url: url.clone() });
        }
        let in_flight = attempts
            .iter()
            .find(|p| p.status == status::CREATING && p.created_at > now - CREATING_GIVES_UP_AFTER);
        let payment = match in_flight {
            Some(payment) => payment.clone(),
            None => {
                let attempt = attempts.iter().map(|p| p.attempt).max().unwrap_or(0) + 1;
                match payments::insert(
                    conn,
                    &NewPayment {
                        ticket_id: ticket.id,
                        user_id,
                        hold_number: ticket.hold_number,
                        attempt,
                        provider,
                        amount_pennies: schema.amount_pennies,
                        currency: &schema.currency,
                        status: status::CREATING,
                        created_at: now,
                        updated_at: now,
                    },
                ) {
                    Ok(payment) => payment,
                    Err(error) if is_unique_violation(&error) => continue,
                    Err(error) => return Err(error.into()),
                }
            }
        };
        return Ok(PayPlan::Create(Box::new(NewCheckout {
            payment,
            ticket,
            schema,
            event,
            email,
        })));
    }
    Err(AppError::Unavailable(
        "Your payment is already being prepared. Please try again.".into(),
    ))
}

/// Confirms a free ticket: a zero payment row and the ticket paid, in one transaction.
fn confirm_free(
    conn: &mut Conn,
    now: NaiveDateTime,
    ticket: &Ticket,
    schema: &TicketSchema,
) -> Result<(), AppError> {
    write_transaction(conn, |c| {
        let attempt = payments::for_hold(c, ticket.id, ticket.hold_number)?.len() as i32 + 1;
        let payment = payments::insert(
            c,
            &NewPayment {
                ticket_id: ticket.id,
                user_id: ticket.user_id,
                hold_number: ticket.hold_number,
                attempt,
                provider: "free",
                amount_pennies: 0,
                currency: &schema.currency,
                status: status::CREATING,
                created_at: now,
                updated_at: now,
            },
        )?;
        payments::mark_paid(
            c,
            payment.id,
            &[status::CREATING],
            status::PAID,
            None,
            Some("free ticket"),
            now,
        )?;
        if !tickets::mark_paid(
            c,
            ticket.id,
            ticket.hold_number,
            TicketStatus::Reserved.as_str(),
            now,
        )? {
            return Err(AppError::Conflict("This hold has just ended.".into()));
        }
        Ok(())
    })
}

/// Records the session the provider opened for an attempt.
pub fn session_created(
    conn: &mut Conn,
    now: NaiveDateTime,
    payment_id: i32,
    session: &CreatedSession,
) -> Result<(), AppError> {
    payments::record_session(
        conn,
        payment_id,
        &session.id,
        &session.url,
        session.expires_at,
        now,
    )?;
    Ok(())
}

/// Records a failed attempt to open a session. A time-out leaves the attempt in
/// `creating`, so the next try reuses its idempotency key (and any session the provider
/// did create); a refusal or a provider failure ends it, so the next try starts afresh.
pub fn session_failed(
    conn: &mut Conn,
    now: NaiveDateTime,
    payment_id: i32,
    error: &ProviderError,
) -> Result<(), AppError> {
    match error {
        ProviderError::Unreachable(_) => {
            payments::touch(conn, payment_id, now)?;
        }
        ProviderError::Refused(reason) | ProviderError::ServerError(reason) => {
            payments::transition(
                conn,
                payment_id,
                &[status::CREATING],
                status::FAILED,
                Some(reason),
                now,
            )?;
        }
    }
    Ok(())
}

/// What a provider's word about a session did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Completion {
    /// The ticket is paid by this payment (now, or already before).
    Confirmed { ticket_id: i32 },
    /// Not paid (yet); `expired` when the session is over.
    NotPaid { ticket_id: i32, expired: bool },
    /// The money must go back (late with no seat, or a second payment).
    NeedsRefund { payment_id: i32, ticket_id: i32 },
    /// Already refunded.
    Refunded { ticket_id: i32 },
    /// Amount or currency differ from the ticket's: held for an admin.
    Mismatch { ticket_id: i32 },
    /// Not a session of ours.
    Unknown,
}

/// Applies a session's state to the books, in one transaction. Idempotent: any number of
/// deliveries, in any order, from the webhook, the success page or reconciliation.
pub fn apply_session(
    conn: &mut Conn,
    now: NaiveDateTime,
    session: &SessionState,
) -> Result<Completion, AppError> {
    write_transaction(conn, |c| {
        let payment = match payments::find_by_session(c, &session.id)? {
            Some(payment) => payment,
            None => match session
                .payment_id
                .map(|id| payments::find(c, id))
                .transpose()?
                .flatten()
            {
                // A session whose creation timed out on our side: adopt it.
                Some(payment) if payment.provider_session_id.is_none() => {
                    payments::record_session(c, payment.id, &session.id, "", now, now)?;
                    payments::find(c, payment.id)?.ok_or(AppError::NotFound)?
                }
                _ => return Ok(Completion::Unknown),
            },
        };
        let ticket_id = payment.ticket_id;
        match payment.status.as_str() {
            status::PAID => return Ok(Completion::Confirmed { ticket_id }),
            status::REFUND_PENDING => {
                return Ok(Completion::NeedsRefund {
                    payment_id: payment.id,
                    ticket_id,
                });
            }
            status::REFUNDED => return Ok(Completion::Refunded { ticket_id }),
            status::MISMATCH => return Ok(Completion::Mismatch { ticket_id }),
            _ => {}
        }
        if !session.paid {
            let expired = session.status == SessionStatus::Expired;
            if expired {
                payments::transition(
                    c,
                    payment.id,
                    &[status::CREATING, status::OPEN],
                    status::EXPIRED,
                    None,
                    now,
                )?;
            }
            return Ok(Completion::NotPaid { ticket_id, expired });
        }
        let reference = session.payment_reference.as_deref();
        let settle = |c: &mut Conn, to: &str, reason: Option<&str>| {
            payments::mark_paid(
                c,
                payment.id,
                &status::UNSETTLED,
                to,
                reference,
                reason,
                now,
            )
        };
        let amount_ok = session.amount_total == Some(payment.amount_pennies)
            && session.currency.as_deref() == Some(payment.currency.as_str());
        if !amount_ok {
            log::error!(
                "payment {} (session {}): paid {:?} {:?}, expected {} {}; held for an admin",
                payment.id,
                session.id,
                session.amount_total,
                session.currency,
                payment.amount_pennies,
                payment.currency
            );
            settle(
                c,
                status::MISMATCH,
                Some("amount or currency differs from the ticket's price"),
            )?;
            return Ok(Completion::Mismatch { ticket_id });
        }
        let ticket = tickets::find(c, ticket_id)?.ok_or(AppError::NotFound)?;
        let schema = ticket_schemas::find(c, ticket.ticket_schema_id)?.ok_or(AppError::NotFound)?;
        let refund = |c: &mut Conn, reason: &str| -> Result<Completion, AppError> {
            settle(c, status::REFUND_PENDING, Some(reason))?;
            Ok(Completion::NeedsRefund {
                payment_id: payment.id,
                ticket_id,
            })
        };
        let price_ok =
            schema.amount_pennies == payment.amount_pennies && schema.currency == payment.currency;
        match TicketStatus::parse(&ticket.status) {
            Some(TicketStatus::Paid) => refund(c, "the ticket was already paid by another payment"),
            _ if !price_ok => refund(c, "the hold now is for a ticket type of another price"),
            Some(TicketStatus::Reserved) => {
                // The seat is still held (even a hold past its time keeps it until released).
                tickets::mark_paid(
                    c,
                    ticket.id,
                    ticket.hold_number,
                    TicketStatus::Reserved.as_str(),
                    now,
                )?;
                settle(c, status::PAID, None)?;
                Ok(Completion::Confirmed { ticket_id })
            }
            Some(released) => {
                // Paid after the hold ended: take a seat again if one is free.
                if inventory::take_seat(c, ticket.ticket_schema_id)?.is_err() {
                    return refund(c, "paid after the hold ended and the ticket type sold out");
                }
                tickets::mark_paid(c, ticket.id, ticket.hold_number, released.as_str(), now)?;
                settle(
                    c,
                    status::PAID,
                    Some("paid after the hold ended; a seat was still free"),
                )?;
                Ok(Completion::Confirmed { ticket_id })
            }
            None => Err(AppError::Internal(format!(
                "ticket {} has an unknown status",
                ticket.id
            ))),
        }
    })
}

/// Marks a paid ticket's payment for refund (an admin's decision); returns the payment.
pub fn request_refund(
    conn: &mut Conn,
    now: NaiveDateTime,
    ticket_id: i32,
) -> Result<Payment, AppError> {
    let ticket = tickets::find(conn, ticket_id)?.ok_or(AppError::NotFound)?;
    if ticket.status != TicketStatus::Paid.as_str() {
        return Err(AppError::Conflict(
            "Only a paid ticket can be refunded.".into(),
        ));
    }
    let payment = payments::for_ticket(conn, ticket_id)?
        .into_iter()
        .find(|p| p.status == status::PAID)
        .ok_or_else(|| AppError::Conflict("This ticket has no payment to refund.".into()))?;
    payments::transition(
        conn,
        payment.id,
        &[status::PAID],
        status::REFUND_PENDING,
        Some("refunded by an admin"),
        now,
    )?;
    payments::find(conn, payment.id)?.ok_or(AppError::NotFound)
}

/// Records a completed refund. When it was the payment that made the ticket paid, the
/// ticket becomes refunded and its seat goes back on sale, in the same transaction.
pub fn refund_done(
    conn: &mut Conn,
    now: NaiveDateTime,
    payment_id: i32,
    refund_id: &str,
) -> Result<(), AppError> {
    write_transaction(conn, |c| {
        if !payments::mark_refunded(
            c,
            payment_id,
            &[status::REFUND_PENDING, status::PAID],
            refund_id,
            now,
        )? {
            return Ok(());
        }
        let payment = payments::find(c, payment_id)?.ok_or(AppError::NotFound)?;
        let ticket = tickets::find(c, payment.ticket_id)?.ok_or(AppError::NotFound)?;
        let still_paid = payments::for_ticket(c, ticket.id)?
            .iter()
            .any(|p| p.status == status::PAID);
        if ticket.status == TicketStatus::Paid.as_str()
            && !still_paid
            && tickets::transition(
                c,
                ticket.id,
                ticket.hold_number,
                TicketStatus::Paid.as_str(),
                TicketStatus::Refunded.as_str(),
            )?
        {
            inventory::return_seat(c, ticket.ticket_schema_id)?;
        }
        Ok(())
    })
}
