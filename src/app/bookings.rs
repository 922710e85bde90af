//! A user's own tickets: the list, one ticket (its QR image once paid), and cancelling a
//! hold. Every look-up is scoped by owner: anyone else's id reads as missing.

use chrono::{NaiveDateTime, TimeDelta};

use super::AppState;
use crate::db::models::{Event, Ticket, TicketSchema};
use crate::db::{events, ticket_schemas, tickets};
use crate::domain::qr;
use crate::domain::reservation;
use crate::domain::ticket_status::TicketStatus;
use crate::error::AppError;

/// A ticket as its owner sees it.
#[derive(Debug)]
pub struct Booking {
    pub ticket: Ticket,
    pub event: Event,
    pub schema: TicketSchema,
    /// What the owner should see: a hold past its time reads as expired at once.
    pub status: TicketStatus,
    /// How long a live hold has left.
    pub time_left: Option<TimeDelta>,
}

impl Booking {
    fn new(ticket: Ticket, event: Event, schema: TicketSchema, now: NaiveDateTime) -> Booking {
        let status = reservation::visible_status(&ticket, now);
        let time_left = match (status, ticket.reserved_until) {
            (TicketStatus::Reserved, Some(until)) => Some(until - now),
            _ => None,
        };
        Booking {
            ticket,
            event,
            schema,
            status,
            time_left,
        }
    }
}

/// The user's tickets, soonest event first.
pub async fn list(state: &AppState, user_id: i32) -> Result<Vec<Booking>, AppError> {
    let now = state.clock.now();
    let rows = state
        .db(move |conn| Ok(tickets::list_for_user(conn, user_id)?))
        .await?;
    Ok(rows
        .into_iter()
        .map(|(ticket, event, schema)| Booking::new(ticket, event, schema, now))
        .collect())
}

/// One of the user's tickets, with its code's QR image (an SVG) once paid.
pub async fn show(
    state: &AppState,
    user_id: i32,
    ticket_id: i32,
) -> Result<(Booking, Option<String>), AppError> {
    let now = state.clock.now();
    let (ticket, event, schema) = state
        .db(move |conn| {
            let ticket =
                tickets::find_owned(conn, ticket_id, user_id)?.ok_or(AppError::NotFound)?;
            let event = events::find(conn, ticket.event_id)?.ok_or(AppError::NotFound)?;
            let schema =
                ticket_schemas::find(conn, ticket.ticket_schema_id)?.ok_or(AppError::NotFound)?;
            Ok((ticket, event, schema))
        })
        .await?;
    let booking = Booking::new(ticket, event, schema, now);
    let qr_svg = if booking.status == TicketStatus::Paid {
        Some(qr::svg(&booking.ticket.code)?)
    } else {
        None
    };
    Ok((booking, qr_svg))
}

/// Cancels the user's own hold; its seat goes back on sale. Returns the ticket.
pub async fn cancel(state: &AppState, user_id: i32, ticket_id: i32) -> Result<Ticket, AppError> {
    state
        .db(move |conn| reservation::cancel(conn, user_id, ticket_id))
        .await
}
