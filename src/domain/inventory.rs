//! The seat inventory of a ticket type, changed only under optimistic locking.
//!
//! Every change reads the row, decides, and writes with
//! `WHERE id = ? AND lock_version = ? AND available_tickets_count >= needed`; a lost race
//! re-reads and tries again a bounded number of times with a little jitter.

use std::time::Duration;

use rand::Rng;

use crate::db::models::TicketSchema;
use crate::db::{Conn, ticket_schemas};
use crate::error::AppError;

/// How often a change is retried after losing a race before the caller is told to retry.
const MAX_ATTEMPTS: u32 = 64;

/// Why the inventory could not change as asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    SoldOut,
    /// A quantity below what is already sold or held.
    BelowCommitted {
        committed: i32,
    },
}

/// Takes one seat; `Err(Refusal::SoldOut)` when none is left.
pub fn take_seat(conn: &mut Conn, schema_id: i32) -> Result<Result<(), Refusal>, AppError> {
    change(conn, schema_id, |schema| {
        if schema.available_tickets_count > 0 {
            Ok((-1, 0))
        } else {
            Err(Refusal::SoldOut)
        }
    })
}

/// Puts one seat back on sale (a hold released or a ticket refunded).
pub fn return_seat(conn: &mut Conn, schema_id: i32) -> Result<(), AppError> {
    let outcome = change(conn, schema_id, |schema| {
        if schema.available_tickets_count < schema.total_tickets {
            Ok((1, 0))
        } else {
            Err(Refusal::BelowCommitted { committed: 0 })
        }
    })?;
    outcome.map_err(|_| {
        AppError::Internal(format!(
            "returning a seat to ticket type {schema_id} would exceed its total"
        ))
    })
}

/// Sets the quantity of a ticket type, moving the available count by the difference;
/// refused when fewer seats than are sold or held would remain.
pub fn resize(
    conn: &mut Conn,
    schema_id: i32,
    new_total: i32,
) -> Result<Result<(), Refusal>, AppError> {
    change(conn, schema_id, |schema| {
        let committed = schema.total_tickets - schema.available_tickets_count;
        if new_total < committed {
            return Err(Refusal::BelowCommitted { committed });
        }
        let delta = new_total - schema.total_tickets;
        Ok((delta, delta))
    })
}

/// The read–decide–write loop shared by every inventory change.
fn change(
    conn: &mut Conn,
    schema_id: i32,
    decide: impl Fn(&TicketSchema) -> Result<(i32, i32), Refusal>,
) -> Result<Result<(), Refusal>, AppError> {
    for attempt in 0..MAX_ATTEMPTS {
        let schema = ticket_schemas::find(conn, schema_id)?.ok_or(AppError::NotFound)?;
        let (delta_available, delta_total) = match decide(&schema) {
            Ok(deltas) => deltas,
            Err(refusal) => return Ok(Err(refusal)),
        };
        if ticket_schemas::move_inventory(
            conn,
            schema_id,
            schema.lock_version,
            delta_available,
            delta_total,
        )? {
            return Ok(Ok(()));
        }
        log::debug!("ticket type {schema_id}: lost an optimistic-lock race (attempt {attempt})");
        let jitter_ms = rand::rng().random_range(0..=attempt.min(4));
        if jitter_ms > 0 {
            std::thread::sleep(Duration::from_millis(u64::from(jitter_ms)));
        }
    }
    Err(AppError::Unavailable(
        "So many people are buying this ticket right now that we could not finish. Please try again.".into(),
    ))
}
