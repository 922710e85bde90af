//! The background task: every few seconds it expires lapsed holds (in bounded batches)
//! and reconciles payments the provider has not told us about. Several instances may
//! run it at once; each hold is still released exactly once.

use std::time::Duration;

use actix_web::web;

use crate::app::{AppState, reconcile};
use crate::domain::reservation;

/// Holds released per batch; a full batch is followed at once by the next.
const BATCH: i64 = 200;

pub async fn run(state: web::Data<AppState>, every: Duration) {
    let mut ticker = tokio::time::interval(every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        sweep_once(&state).await;
        reconcile::close_sessions_of_ended_holds(&state).await;
        reconcile::reconcile(&state).await;
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
