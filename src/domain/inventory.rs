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
    Ok(take_seats(conn, schema_id, 1)?.map(|_| ()))
}

/// Takes up to `wanted` seats in one optimistic update (a batch of queued buyers);
/// returns how many it took, or `Err(Refusal::SoldOut)` when none is left.
pub fn take_seats(
    conn: &mut Conn,
    schema_id: i32,
    wanted: i32,
) -> Result<Result<i32, Refusal>, AppError> {
    if wanted <= 0 {
        return Ok(Ok(0));
    }
    let taken = change(conn, schema_id, |schema| {
        match schema.available_tickets_count.min(wanted) {
            0 => Err(Refusal::SoldOut),
            n => Ok((-n, 0)),
        }
    })?;
    Ok(taken.map(|(delta, _)| -delta))
}

/// Puts one seat back on sale (a hold released or a ticket refunded).
pub fn return_seat(conn: &mut Conn, schema_id: i32) -> Result<(), AppError> {
    return_seats(conn, schema_id, 1)
}

/// Puts `count` seats back on sale.
pub fn return_seats(conn: &mut Conn, schema_id: i32, count: i32) -> Result<(), AppError> {
    let outcome = change(conn, schema_id, |schema| {
        if schema.available_tickets_count + count <= schema.total_tickets {
            Ok((count, 0))
        } else {
            Err(Refusal::BelowCommitted { committed: 0 })
        }
    })?;
    outcome.map(|_| ()).map_err(|_| {
        AppError::Internal(format!(
            "returning {count} seats to ticket type {schema_id} would exceed its total"
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
    let resized = change(conn, schema_id, |schema| {
        let committed = schema.total_tickets - schema.available_tickets_count;
        if new_total < committed {
            return Err(Refusal::BelowCommitted { committed });
        }
        let delta = new_total - schema.total_tickets;
        Ok((delta, delta))
    })?;
    Ok(resized.map(|_| ()))
}

/// The read–decide–write loop shared by every inventory change; returns the deltas
/// (available, total) it applied.
fn change(
    conn: &mut Conn,
    schema_id: i32,
    decide: impl Fn(&TicketSchema) -> Result<(i32, i32), Refusal>,
) -> Result<Result<(i32, i32), Refusal>, AppError> {
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
        )?
        .applied()
        {
            return Ok(Ok((delta_available, delta_total)));
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
