//! Locks that ran out: a buyer who did not pay in time lets the listing go, and it is
//! offered again. Every read treats a lapsed lock as no lock already ("lazily"); the
//! sweeper clears them so the books and the outbox say so too.

use chrono::NaiveDateTime;

use crate::db::{Conn, Guarded, resale_listings, write_transaction};
use crate::domain::outbox::{self, Message};
use crate::error::AppError;

/// Clears up to `limit` lapsed locks; returns how many.
pub fn unlock_lapsed(conn: &mut Conn, now: NaiveDateTime, limit: i64) -> Result<usize, AppError> {
    write_transaction(conn, |c| {
        let mut cleared = 0;
        for listing in resale_listings::lapsed_locks(c, now, limit)? {
            let Some(until) = listing.locked_until else {
                continue;
            };
            if resale_listings::clear_lock(c, listing.id, until, now)? == Guarded::Applied {
                outbox::enqueue(
                    c,
                    now,
                    &Message::ResaleUnlocked {
                        listing_id: listing.id,
                    },
                )?;
                cleared += 1;
            }
        }
        Ok(cleared)
    })
}
