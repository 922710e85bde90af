//! The seat inventory of a ticket type, changed only under optimistic locking.
//!
//! Every change reads the row, decides, and writes with
//! `WHERE id = ? AND lock_version = ? AND available_tickets_count >= needed`; a lost race
//! re-reads and tries again a bounded number of times with a little jitter. A batch of
//! reserve requests is allocated by one such update, each request judged by the ticket
//! type's selling rule against the seats left (`allocate`).

use std::time::Duration;

use rand::Rng;

use crate::db::models::TicketType;
use crate::db::{Conn, ticket_types};
use crate::domain::bookings::selling_rules::{self, RuleRefusal};
use crate::domain::catalogue::sale_window::{SaleMoment, SaleWindow};
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
pub fn take_seat(conn: &mut Conn, ticket_type_id: i32) -> Result<Result<(), Refusal>, AppError> {
    take_exact(conn, ticket_type_id, 1)
}

/// Takes exactly `count` seats or none (a late payment retaking its booking's seats);
/// `Err(Refusal::SoldOut)` when fewer are left. Selling rules do not apply: the booking
/// was accepted under them when it was made.
pub fn take_exact(
    conn: &mut Conn,
    ticket_type_id: i32,
    count: i32,
) -> Result<Result<(), Refusal>, AppError> {
    change(conn, ticket_type_id, |ticket_type| {
        if count > 0 && ticket_type.available_tickets_count >= count {
            Ok((-count, 0, ()))
        } else {
            Err(Refusal::SoldOut)
        }
    })
}

/// What a batch allocation decided for each request, in the order asked.
pub type Allocation = Vec<Result<i32, RuleRefusal>>;

/// Allocates seats to a batch of requests (quantities, in arrival order) with one
/// optimistic update: reads the row, judges the type's sale window at `at` (a closed
/// window refuses every request), walks the requests applying the ticket type's cap
/// and selling rule to each against the seats left after the ones before it, and writes
/// the total taken `WHERE lock_version = ?`. A lost race re-reads and decides again, so
/// every decision is made on the state the update guards (an admin's new window bumps
/// the lock_version too). Refusals write nothing.
pub fn allocate(
    conn: &mut Conn,
    ticket_type_id: i32,
    requests: &[i32],
    at: SaleMoment,
) -> Result<Allocation, AppError> {
    if requests.is_empty() {
        return Ok(Vec::new());
    }
    let decided = change(conn, ticket_type_id, |ticket_type| {
        if let Err(refusal) = SaleWindow::of(ticket_type).judge(at) {
            return Ok((0, 0, vec![Err(refusal); requests.len()]));
        }
        let mut left = ticket_type.available_tickets_count;
        let decisions: Allocation = requests
            .iter()
            .map(|&quantity| {
                selling_rules::judge(
                    ticket_type.selling_rule,
                    ticket_type.max_per_order,
                    left,
                    quantity,
                )
                .map(|()| {
                    left -= quantity;
                    quantity
                })
            })
            .collect();
        Ok((left - ticket_type.available_tickets_count, 0, decisions))
    })?;
    decided.map_err(|refusal| {
        AppError::Internal(format!(
            "allocating seats was refused as a whole: {refusal:?}"
        ))
    })
}

/// Puts `count` seats back on sale (a booking released or refunded).
pub fn return_seats(conn: &mut Conn, ticket_type_id: i32, count: i32) -> Result<(), AppError> {
    let outcome = change(conn, ticket_type_id, |ticket_type| {
        if ticket_type.available_tickets_count + count <= ticket_type.total_tickets {
            Ok((count, 0, ()))
        } else {
            Err(Refusal::BelowCommitted { committed: 0 })
        }
    })?;
    outcome.map_err(|_| {
        AppError::Internal(format!(
            "returning {count} seats to ticket type {ticket_type_id} would exceed its total"
        ))
    })
}

/// Sets the quantity of a ticket type, moving the available count by the difference;
/// refused when fewer seats than are sold or held would remain.
pub fn resize(
    conn: &mut Conn,
    ticket_type_id: i32,
    new_total: i32,
) -> Result<Result<(), Refusal>, AppError> {
    change(conn, ticket_type_id, |ticket_type| {
        let committed = ticket_type.total_tickets - ticket_type.available_tickets_count;
        if new_total < committed {
            return Err(Refusal::BelowCommitted { committed });
        }
        let delta = new_total - ticket_type.total_tickets;
        Ok((delta, delta, ()))
    })
}

/// The read–decide–write loop shared by every inventory change: `decide` returns the
/// deltas (available, total) to apply and what it decided; nothing is written when both
/// deltas are zero.
fn change<T>(
    conn: &mut Conn,
    ticket_type_id: i32,
    decide: impl Fn(&TicketType) -> Result<(i32, i32, T), Refusal>,
) -> Result<Result<T, Refusal>, AppError> {
    for attempt in 0..MAX_ATTEMPTS {
        let ticket_type = ticket_types::find(conn, ticket_type_id)?.ok_or(AppError::NotFound)?;
        let (delta_available, delta_total, decided) = match decide(&ticket_type) {
            Ok(decision) => decision,
            Err(refusal) => return Ok(Err(refusal)),
        };
        if delta_available == 0 && delta_total == 0 {
            return Ok(Ok(decided));
        }
        if ticket_types::move_inventory(
            conn,
            ticket_type_id,
            ticket_type.lock_version,
            delta_available,
            delta_total,
        )?
        .applied()
        {
            return Ok(Ok(decided));
        }
        log::debug!(
            "ticket type {ticket_type_id}: lost an optimistic-lock race (attempt {attempt})"
        );
        let jitter_ms = rand::rng().random_range(0..=attempt.min(4));
        if jitter_ms > 0 {
            std::thread::sleep(Duration::from_millis(u64::from(jitter_ms)));
        }
    }
    Err(AppError::Unavailable(
        "So many people are buying this ticket right now that we could not finish. Please try again.".into(),
    ))
}
