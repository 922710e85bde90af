//! The background tasks of the clock. Every few seconds the sweeper expires lapsed
//! holds (in bounded batches) and marks ended events; it never waits on the payment
//! provider. The provider's part (closing the sessions of ended holds, reconciling
//! payments the provider has not told us about) runs in a task of its own, woken after
//! each round of releases, a few calls at a time, each with a time limit: a provider that
//! hangs delays only itself. A daily housekeeping task purges what is kept only for a
//! while (`app::retention`). Several instances may run all of them at once; each hold is
//! still released exactly once. This file only schedules; each round's work is a use case
//! in `app::sweeps`.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use crate::app::sweeps::{lifecycle_once, provider_once, sweep_once, unlock_lapsed_listings};
use crate::app::{AppState, api_idempotency, api_tokens, limits, retention};

/// How often the housekeeping task runs (each instance; the purge is safe at once).
const HOUSEKEEPING_EVERY: Duration = Duration::from_secs(24 * 60 * 60);

/// Runs the sweeper until dropped: the release rounds here, the provider rounds and the
/// housekeeping in tasks of their own (ended with this one).
pub async fn run(state: Arc<AppState>, every: Duration) {
    let wake = Arc::new(Notify::new());
    let _provider = Background(tokio::spawn(provider_rounds(state.clone(), wake.clone())));
    let _housekeeping = Background(tokio::spawn(housekeeping(state.clone())));
    let mut ticker = tokio::time::interval(every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        sweep_once(&state).await;
        unlock_lapsed_listings(&state).await;
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
async fn provider_rounds(state: Arc<AppState>, wake: Arc<Notify>) {
    loop {
        wake.notified().await;
        provider_once(&state).await;
    }
}

/// Purges old rows once a day (the first time at start).
async fn housekeeping(state: Arc<AppState>) {
    let mut ticker = tokio::time::interval(HOUSEKEEPING_EVERY);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        retention::purge(&state).await;
    }
}
