//! The clock's use cases, one round each: release lapsed holds, end past events, ask the
//! provider about what ended. `sweeper` schedules them; tests call them directly.

use super::{AppState, reconcile};
use crate::domain::{bookings::reservation, catalogue::event_lifecycle, resale};

/// Holds released per batch; a full batch is followed at once by the next.
const BATCH: i64 = 200;

/// One provider round; returns (sessions closed, payments settled).
pub async fn provider_once(state: &AppState) -> (usize, usize) {
    let closed = reconcile::close_sessions_of_ended_holds(state).await;
    let settled = reconcile::reconcile(state).await;
    (closed, settled)
}

/// Marks events whose end has passed as ended, and releases holds taken on cancelled
/// events while they were being cancelled; returns how many events ended.
pub async fn lifecycle_once(state: &AppState) -> usize {
    let now = state.clock.now();
    let result = state
        .db(move |conn| {
            let ended = event_lifecycle::mark_ended(conn, now)?;
            let released = event_lifecycle::release_stray_holds(conn, now)?;
            Ok((ended, released))
        })
        .await;
    match result {
        Ok((ended, released)) => {
            if ended + released > 0 {
                log::info!(
                    "{ended} event(s) ended; {released} stray hold(s) of cancelled events released"
                );
            }
            ended
        }
        Err(error) => {
            log::warn!("the event lifecycle round failed (will retry next round): {error}");
            0
        }
    }
}

/// Releases every lapsed hold now; returns how many this instance released.
pub async fn sweep_once(state: &AppState) -> usize {
    let mut released = 0;
    loop {
        let now = state.clock.now();
        match state
            .db(move |conn| reservation::expire_lapsed(conn, now, BATCH))
            .await
        {
            Ok(0) => break,
            Ok(n) => {
                released += n;
                if (n as i64) < BATCH {
                    break;
                }
            }
            Err(error) => {
                log::warn!("expiring holds failed (will retry next round): {error}");
                break;
            }
        }
    }
    if released > 0 {
        log::info!("released {released} lapsed holds");
    }
    released
}

/// Clears the lapsed locks of resale listings (they are offered again); returns how
/// many.
pub async fn unlock_lapsed_listings(state: &AppState) -> usize {
    let now = state.clock.now();
    match state
        .db(move |conn| resale::unlock_lapsed(conn, now, BATCH))
        .await
    {
        Ok(n) => n,
        Err(error) => {
            log::warn!("unlocking lapsed resale listings failed (will retry next round): {error}");
            0
        }
    }
}
