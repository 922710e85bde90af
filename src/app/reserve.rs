//! Reserving seats: the checks that need no lock, then this instance's line for the
//! ticket type, whose queued buyers are served in batches (one transaction, one commit
//! each); other instances still race, and the lock_version check decides.

use chrono::{NaiveDateTime, TimeDelta};

use super::AppState;
use super::state::on_pool;
use crate::db::DbPool;
use crate::domain::reservation::{self, Admission, ReserveOutcome};
use crate::error::AppError;

/// The most reserve requests of one ticket type served by one transaction.
pub const RESERVE_BATCH: usize = 128;

const RETRY: &str = "Your reservation could not be completed. Please try again.";

/// Holds `quantity` seats of `schema_id` at `event_id` for the user in one booking, or
/// says why not (the cap and the selling rule are judged inside the batch's transaction).
pub async fn reserve(
    state: &AppState,
    user_id: i32,
    event_id: i32,
    schema_id: i32,
    quantity: i32,
) -> Result<ReserveOutcome, AppError> {
    // Each hold counts, cancelled or not: one account cannot keep a type sold out by
    // cancelling and holding again.
    let quota_key = user_id.to_string();
    if state.holds_by_user.is_used_up(&quota_key) {
        return Err(AppError::TooManyRequests(format!(
            "You have held seats {} times in the last hour. Please wait a while before \
             holding another.",
            state.settings.holds_per_user_per_hour
        )));
    }
    let now = state.clock.now();
    let hold = state.settings.hold();
    let admission = state
        .db(move |conn| reservation::admit(conn, now, user_id, event_id, schema_id))
        .await?;
    if admission == Admission::SoldOut {
        return Ok(ReserveOutcome::SoldOut);
    }
    let pool = state.pool.clone();
    let serve = move |users: Vec<(i32, i32)>| {
        let pool = pool.clone();
        async move { hold_batch(&pool, now, hold, event_id, schema_id, users).await }
    };
    let outcome = state
        .seat_line
        .submit(schema_id, (user_id, quantity), serve)
        .await
        .unwrap_or_else(|| Err(AppError::Unavailable(RETRY.into())))?;
    if matches!(outcome, ReserveOutcome::Reserved(_)) {
        state.holds_by_user.record(&quota_key);
    }
    Ok(outcome)
}

/// Holds seats for one batch of buyers; a failed batch tells each of them to retry.
async fn hold_batch(
    pool: &DbPool,
    now: NaiveDateTime,
    hold: TimeDelta,
    event_id: i32,
    schema_id: i32,
    users: Vec<(i32, i32)>,
) -> Vec<Result<ReserveOutcome, AppError>> {
    let count = users.len();
    match on_pool(pool, move |conn| {
        reservation::hold_seats(conn, now, hold, event_id, schema_id, &users)
    })
    .await
    {
        Ok(outcomes) => outcomes.into_iter().map(Ok).collect(),
        Err(error) => {
            log::error!("reserving a batch of {count} for ticket type {schema_id} failed: {error}");
            (0..count)
                .map(|_| Err(AppError::Unavailable(RETRY.into())))
                .collect()
        }
    }
}
