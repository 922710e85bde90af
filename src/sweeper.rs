//! The background tasks of the clock. Every few seconds the sweeper expires lapsed
//! holds (in bounded batches) and marks ended events; it never waits on the payment
//! provider. The provider's part (closing the sessions of ended holds, reconciling
//! payments the provider has not told us about) runs in a task of its own, woken after
//! each round of releases, a few calls at a time, each with a time limit: a provider that
//! hangs delays only itself. A daily housekeeping task purges what is kept only for a
//! while (`app::retention`). Several instances may run all of them at once; each hold is
//! still released exactly once.

use std::sync::Arc;
use std::time::Duration;

use actix_web::web;
use tokio::sync::Notify;

use crate::app::{AppState, api_idempotency, api_tokens, limits, reconcile, retention};
use crate::domain::{bookings::reservation, catalogue::event_lifecycle};

/// Holds released per batch; a full batch is followed at once by the next.
const BATCH: i64 = 200;

/// How often the housekeeping task runs (each instance; the purge is safe at once).
const HOUSEKEEPING_EVERY: Duration = Duration::from_secs(24 * 60 * 60);

/// Runs the sweeper until dropped: the release rounds here, the provider rounds and the
/// housekeeping in tasks of their own (ended with this one).
pub async fn run(state: web::Data<AppState>, every: Duration) {
    let wake = Arc::new(Notify::new());
    let _provider = Background(tokio::spawn(provider_rounds(state.clone(), wake.clone())));
    let _housekeeping = Background(tokio::spawn(housekeeping(state.clone())));
    let mut ticker = tokio::time::interval(every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        sweep_once(&state).await;
        lifecycle_once(&state).await;
        api_idempotency::forget_old(&state).await;
        api_tokens::forget_expired(&state).await;
        if let Err(error) = limits::purge_expired(&state).await {
            log::warn!("purging ended limit windows failed (will retry next round): {error}");
        }
        // The releases are committed: now the provider may be asked about what they
        // ended. A round still running keeps one wake-up for when it is done.
        wake.notify_one();
    }
}

/// A background task that ends when its owner is dropped.
struct Background(tokio::task::JoinHandle<()>);

impl Drop for Background {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The provider's part of each sweep, after each round of releases: closes the sessions
/// of ended holds, then reconciles (each bounded in concurrency and time).
async fn provider_rounds(state: web::Data<AppState>, wake: Arc<Notify>) {
    loop {
        wake.notified().await;
        provider_once(&state).await;
    }
}

/// One provider round; returns (sessions closed, payments settled).
pub async fn provider_once(state: &AppState) -> (usize, usize) {
    let closed = reconcile::close_sessions_of_ended_holds(state).await;
    let settled = reconcile::reconcile(state).await;
    (closed, settled)
}

/// Purges old rows once a day (the first time at start).
async fn housekeeping(state: web::Data<AppState>) {
    let mut ticker = tokio::time::interval(HOUSEKEEPING_EVERY);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        retention::purge(&state).await;
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
