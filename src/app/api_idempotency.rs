//! The JSON API's idempotency keys as a use case: begin a request with a key (run it,
//! replay its kept answer, or refuse), then keep its answer. See
//! `domain::api::idempotency` for the rules.

use super::AppState;
use crate::domain::api::idempotency::{self, Begin, Claim, KeptAnswer};
use crate::error::AppError;

pub async fn begin(
    state: &AppState,
    user_id: i32,
    key: &str,
    request_hash: String,
) -> Result<Begin, AppError> {
    let now = state.clock.now();
    let key = key.to_owned();
    state
        .db(move |conn| idempotency::begin(conn, now, user_id, &key, &request_hash))
        .await
}

/// Keeps the answer of a claimed request (or gives the key up after a 5xx).
pub async fn finish(state: &AppState, claim: Claim, answer: KeptAnswer) -> Result<(), AppError> {
    state
        .db(move |conn| idempotency::finish(conn, claim, &answer))
        .await
}

/// Deletes keys past the replay window (housekeeping; the sweeper calls it).
pub async fn forget_old(state: &AppState) {
    let before = state.clock.now() - idempotency::REPLAY_WINDOW;
    if let Err(error) = state
        .db(move |conn| {
            Ok(crate::db::idempotency_keys::delete_older_than(
                conn, before,
            )?)
        })
        .await
    {
        log::warn!("deleting old idempotency keys failed (will retry next round): {error}");
    }
}
