//! The one rule for changing a ticket and its money, on both engines.
//!
//! SQLite serialises writers; PostgreSQL (read committed) does not, so a decision made
//! on a row read earlier in the transaction can be stale by the time it is written. The
//! rule, followed by every ticket transition (hold, confirm, cancel, expire, refund):
//!
//! 1. **Lock the ticket row first**, inside one write transaction (`tickets::lock*`:
//!    `SELECT … FOR UPDATE` on PostgreSQL, the immediate transaction on SQLite). Every
//!    other transition of that ticket now waits until this one commits.
//! 2. **Decide on what was read under the lock** (the ticket, then its payments, read
//!    again after locking), never on a read made before it.
//! 3. **Write with guarded updates** (`WHERE status = <expected>`) and act on their
//!    `Guarded` outcome. Under the lock a `Lost` can only mean a broken invariant:
//!    [`require`] turns it into an error, which rolls the whole transaction back.
//!
//! Two kinds of change do not lock the ticket:
//! - **The inventory** (`ticket_types`) is shared by every ticket of a type, so it is
//!   changed by the optimistic lock on `lock_version`, re-read and retried on a lost race
//!   (`domain::bookings::inventory`).
//! - **An attempt's own bookkeeping** (session recorded, attempt failed, expired or
//!   looked at) touches one payment row and no money; it is one guarded update whose
//!   `Lost` means another actor moved the attempt first, and each caller says what that
//!   means. Confirmation accepts every such state as "not settled yet".
//!
//! **Checking a seat in at the door** (`domain::door::check_in`) follows the rule too: it
//! locks the booking's ticket, decides on the admission and the refunds read under the
//! lock (a refund under way admits nobody; a buyer's refund request refuses a booking
//! with a seat checked in), then admits with one guarded update of the seat's admission
//! (`WHERE status = 'valid' AND checked_in_at IS NULL`). An admin's undo of a check-in
//! is a single guarded update on the check-in time it undoes, without the lock.
//!
//! A booking's admissions (one row per seat, `domain::bookings::admissions`) belong to its ticket:
//! they are issued and voided only under the ticket's lock, in the transition that makes
//! it paid or refunded. Their check-in columns are the door's: set under the lock, undone
//! without it.
//!
//! Lock order, so PostgreSQL never deadlocks: ticket rows (several only in a reserve
//! batch, then by ascending user id) → payment rows → the ticket type's row.

use crate::db::Guarded;
use crate::error::AppError;

/// Insists that a guarded update made under the ticket's lock applied; otherwise the
/// transaction must roll back (something moved the row without taking the lock).
pub fn require(outcome: Guarded, what: &str) -> Result<(), AppError> {
    match outcome {
        Guarded::Applied => Ok(()),
        Guarded::Lost => Err(AppError::Internal(format!(
            "{what}: the row changed although its ticket was locked"
        ))),
    }
}
