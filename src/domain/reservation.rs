//! Holding a seat for a user, letting it go, and expiring holds whose time ran out.
//!
//! The seat and the ticket row change in one transaction: the optimistic-lock decrement
//! of the inventory, then the ticket; UNIQUE(user_id, event_id) is the last guard, and
//! its violation rolls the decrement back.

use chrono::{NaiveDateTime, TimeDelta};

use super::inventory::{self, Refusal};
use super::ticket_code;
use super::ticket_status::TicketStatus;
use crate::db::models::{NewTicket, Ticket};
use crate::db::{Conn, events, is_unique_violation, ticket_schemas, tickets, write_transaction};
use crate::error::AppError;

/// How a reserve request ended, when it did not fail.
#[derive(Debug)]
pub enum ReserveOutcome {
    Reserved(Ticket),
    SoldOut,
    /// The user already holds or owns a ticket for this event.
    AlreadyHolding(Ticket),
}

/// Whether a ticket still keeps its seat for the user at `now`.
pub fn is_live(ticket: &Ticket, now: NaiveDateTime) -> bool {
    match TicketStatus::parse(&ticket.status) {
        Some(TicketStatus::Paid) => true,
        Some(TicketStatus::Reserved) => ticket.reserved_until.is_some_and(|until| until > now),
        _ => false,
    }
}

/// The status a person should see: a hold past its time reads as expired even before
/// the sweeper has released it.
pub fn visible_status(ticket: &Ticket, now: NaiveDateTime) -> TicketStatus {
    match TicketStatus::parse(&ticket.status) {
        Some(TicketStatus::Reserved) if !is_live(ticket, now) => TicketStatus::Expired,
        Some(status) => status,
        None => TicketStatus::Expired,
    }
}

/// The transaction's own failure: a duplicate rolls the decrement back.
enum TxError {
    Duplicate,
    App(AppError),
}

impl From<diesel::result::Error> for TxError {
    fn from(error: diesel::result::Error) -> Self {
        TxError::App(error.into())
    }
}

impl From<AppError> for TxError {
    fn from(error: AppError) -> Self {
        TxError::App(error)
    }
}

/// What the checks before the line decided.
#[derive(Debug, PartialEq, Eq)]
pub enum Admission {
    /// Sold out, and the user has no seat of their own here: nothing to wait in line for.
    SoldOut,
    /// Go on to `hold_seat`.
    Proceed,
}

/// The checks that need no lock, run before queueing for the seat: the event is
/// published and not started, the ticket type belongs to it, and the plain sold-out
/// answer during a rush. Reads only.
pub fn admit(
    conn: &mut Conn,
    now: NaiveDateTime,
    user_id: i32,
    event_id: i32,
    schema_id: i32,
) -> Result<Admission, AppError> {
    let event = events::find(conn, event_id)?
        .filter(|event| event.published)
        .ok_or(AppError::NotFound)?;
    if event.starts_at <= now {
        return Err(AppError::Conflict(
            "This event has already started, so tickets are no longer on sale.".into(),
        ));
    }
    let schema = ticket_schemas::find(conn, schema_id)?
        .filter(|schema| schema.event_id == event_id)
        .ok_or_else(|| {
            AppError::BadRequest("That ticket type is not sold for this event.".into())
        })?;
    if schema.available_tickets_count > 0 {
        return Ok(Admission::Proceed);
    }
    // A live ticket, or the user's own lapsed hold (which `hold_seat` releases and can
    // take again), needs the full path.
    let has_own_seat = tickets::find_by_user_and_event(conn, user_id, event_id)?
        .is_some_and(|t| is_live(&t, now) || t.status == TicketStatus::Reserved.as_str());
    Ok(if has_own_seat {
        Admission::Proceed
    } else {
        Admission::SoldOut
    })
}

/// Reserves one seat of `schema_id` at `event_id` for `user_id` until `now + hold`:
/// `admit`, then `hold_seat`.
pub fn reserve(
    conn: &mut Conn,
    now: NaiveDateTime,
    hold: TimeDelta,
    user_id: i32,
    event_id: i32,
    schema_id: i32,
) -> Result<ReserveOutcome, AppError> {
    match admit(conn, now, user_id, event_id, schema_id)? {
        Admission::SoldOut => Ok(ReserveOutcome::SoldOut),
        Admission::Proceed => hold_seat(conn, now, hold, user_id, event_id, schema_id),
    }
}

/// The transaction that takes the seat and writes the ticket, for an admitted request.
pub fn hold_seat(
    conn: &mut Conn,
    now: NaiveDateTime,
    hold: TimeDelta,
    user_id: i32,
    event_id: i32,
    schema_id: i32,
) -> Result<ReserveOutcome, AppError> {
    let result = write_transaction(conn, |c| -> Result<ReserveOutcome, TxError> {
        let existing = tickets::find_by_user_and_event(c, user_id, event_id)?;
        if let Some(ticket) = &existing {
            if is_live(ticket, now) {
                return Ok(ReserveOutcome::AlreadyHolding(ticket.clone()));
            }
            if ticket.status == TicketStatus::Reserved.as_str() {
                // A lapsed hold the sweeper has not reached yet: release it first.
                release(c, ticket, TicketStatus::Expired)?;
            }
        }
        if let Err(Refusal::SoldOut | Refusal::BelowCommitted { .. }) =
            inventory::take_seat(c, schema_id)?
        {
            return Ok(ReserveOutcome::SoldOut);
        }
        let code = ticket_code::generate();
        let until = now + hold;
        let ticket = match existing {
            None => tickets::insert(
                c,
                &NewTicket {
                    user_id,
                    event_id,
                    ticket_schema_id: schema_id,
                    status: TicketStatus::Reserved.as_str(),
                    reserved_until: Some(until),
                    code: &code,
                    created_at: now,
                },
            )
            .map_err(|error| {
                if is_unique_violation(&error) {
                    TxError::Duplicate
                } else {
                    TxError::from(error)
                }
            })?,
            Some(mut released) => {
                if released.status == TicketStatus::Reserved.as_str() {
                    released.status = TicketStatus::Expired.as_str().to_owned();
                }
                if !tickets::start_new_hold(c, &released, schema_id, until, &code)? {
                    return Err(TxError::Duplicate);
                }
                tickets::find(c, released.id)?.ok_or(AppError::NotFound)?
            }
        };
        Ok(ReserveOutcome::Reserved(ticket))
    });

    match result {
        Ok(outcome) => Ok(outcome),
        Err(TxError::App(error)) => Err(error),
        Err(TxError::Duplicate) => {
            // Another request of this user (a double click, another tab or instance)
            // won; end on its ticket.
            let ticket =
                tickets::find_by_user_and_event(conn, user_id, event_id)?.ok_or_else(|| {
                    AppError::Unavailable(
                        "Your reservation could not be completed. Please try again.".into(),
                    )
                })?;
            Ok(ReserveOutcome::AlreadyHolding(ticket))
        }
    }
}

/// Moves a reserved ticket to `to` and returns its seat, once: `false` when someone
/// else already released it. Runs inside the caller's transaction.
fn release(conn: &mut Conn, ticket: &Ticket, to: TicketStatus) -> Result<bool, AppError> {
    if !tickets::transition(
        conn,
        ticket.id,
        ticket.hold_number,
        TicketStatus::Reserved.as_str(),
        to.as_str(),
    )? {
        return Ok(false);
    }
    inventory::return_seat(conn, ticket.ticket_schema_id)?;
    Ok(true)
}

/// Cancels the user's own hold and puts its seat back on sale.
pub fn cancel(conn: &mut Conn, user_id: i32, ticket_id: i32) -> Result<Ticket, AppError> {
    let ticket = tickets::find_owned(conn, ticket_id, user_id)?.ok_or(AppError::NotFound)?;
    if ticket.status != TicketStatus::Reserved.as_str() {
        return Err(AppError::Conflict(
            "Only a ticket that is on hold can be cancelled.".into(),
        ));
    }
    let released = write_transaction(conn, |c| release(c, &ticket, TicketStatus::Cancelled))?;
    if !released {
        return Err(AppError::Conflict("This hold has already ended.".into()));
    }
    tickets::find(conn, ticket_id)?.ok_or(AppError::NotFound)
}

/// Expires up to `batch` holds whose time ran out and returns their seats; returns how
/// many this call released. Safe to run from several instances at once: each hold's
/// status change and its seat's return share one transaction, so each happens once.
pub fn expire_lapsed(conn: &mut Conn, now: NaiveDateTime, batch: i64) -> Result<usize, AppError> {
    let lapsed = tickets::lapsed_holds(conn, now, batch)?;
    let mut released = 0;
    for ticket in &lapsed {
        if write_transaction(conn, |c| release(c, ticket, TicketStatus::Expired))? {
            released += 1;
        }
    }
    Ok(released)
}
