//! The background task: every few seconds it expires lapsed holds (in bounded batches),
//! marks ended events, and reconciles payments the provider has not told us about. Several instances may
//! run it at once; each hold is still released exactly once.

use std::time::Duration;

use actix_web::web;

use crate::app::{AppState, api_idempotency, api_tokens, limits, reconcile};
use crate::domain::{event_lifecycle, reservation};

/// Holds released per batch; a full batch is followed at once by the next.
const BATCH: i64 = 200;

pub async fn run(state: web::Data<AppState>, every: Duration) {
    let mut ticker = tokio::time::interval(every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        sweep_once(&state).await;
        lifecycle_once(&state).await;
        reconcile::close_sessions_of_ended_holds(&state).await;
        reconcile::reconcile(&state).await;
        api_idempotency::forget_old(&state).await;
        api_tokens::forget_expired(&state).await;
        if let Err(error) = limits::purge_expired(&state).await {
            log::warn!("purging ended limit windows failed (will retry next round): {error}");
        }
    }
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
