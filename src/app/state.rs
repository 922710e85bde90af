//! What every use case shares: the pool, the settings, the clock, the payment provider
//! and the per-instance gates (the seat and door lines, the password hashing pool).

use super::batch_line::BatchLine;
use crate::config::Engine;
use crate::config::Settings;
use crate::db::{Conn, DbPool};
use crate::domain::bookings::hold_rules::HoldRequest;
use crate::domain::bookings::reservation::ReserveOutcome;
use crate::domain::common::clock::Clock;
use crate::domain::door::answer::ScanAnswer;
use crate::domain::door::check_in::GateScan;
use crate::error::AppError;
use crate::mail::Mailer;
use crate::providers::Provider;

pub struct AppState {
    pub pool: DbPool,
    /// The engine behind the pool (from the database URL).
    pub engine: Engine,
    pub settings: Settings,
    pub clock: Clock,
    /// Reserve requests per ticket type, served in batches (the request in, the outcome out).
    pub seat_line: BatchLine<i32, HoldRequest, Result<ReserveOutcome, AppError>>,
    /// Scans per event's door (and lane, `app::door::lanes`), served in batches (the
    /// scan in, the answer out).
    pub door_line: BatchLine<(i32, u32), GateScan, Result<ScanAnswer, AppError>>,
    /// The lane the next scan joins (round robin).
    pub next_lane: std::sync::atomic::AtomicU32,
    /// Password hashing's own bounded pool (never the blocking threads of the database).
    pub hashing: super::password_hashing::PasswordHashing,
    /// Subjects the shared limits refused, remembered until their window ends.
    pub refusals: super::limits::RefusalMemory,
    pub provider: Provider,
    /// Where mail goes (an SMTP server, or the dev mailbox).
    pub mailer: Mailer,
    /// This instance's name on the outbox claims it takes.
    pub instance: String,
    /// What `GET /metrics` exposes.
    pub metrics: super::metrics::Metrics,
}

impl AppState {
    /// Whether the built-in test payment provider is active (every page says so).
    pub fn test_mode(&self) -> bool {
        matches!(self.provider, Provider::Test(_))
    }

    /// The outbox's retry policy, from the settings.
    pub fn retry_policy(&self) -> crate::domain::outbox::RetryPolicy {
        let outbox = &self.settings.outbox;
        crate::domain::outbox::RetryPolicy {
            max_attempts: outbox.max_attempts,
            backoff_base: outbox.backoff_base,
            lease: outbox.lease,
        }
    }

    /// Runs blocking database work off the async workers, pool checkout included.
    /// An exhausted pool answers 503 after the checkout timeout instead of hanging.
    pub async fn db<T, F>(&self, work: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Conn) -> Result<T, AppError> + Send + 'static,
    {
        on_pool(&self.pool, work).await
    }

    /// A short read for a hot page: on SQLite with a connection idle in the pool it runs
    /// right here, on the request's own thread, otherwise as `db` does.
    ///
    /// A read of SQLite in WAL mode never waits for a writer and takes tens of
    /// microseconds, less than the two thread hand-offs of the blocking pool (a third of
    /// the event page's CPU under load). Only for work that never writes (a write may
    /// wait for SQLite's lock, which must never stall an async worker) and never waits
    /// for anything else; on PostgreSQL every query is a round trip, so it always goes
    /// to the blocking threads.
    pub async fn read<T, F>(&self, work: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Conn) -> Result<T, AppError> + Send + 'static,
    {
        if self.engine == Engine::Sqlite
            && let Some(mut conn) = self.pool.try_get()
        {
            // A panic answers 500 as it does on the blocking threads, never takes the
            // worker down with the other requests it serves.
            let read = std::panic::AssertUnwindSafe(move || work(&mut conn));
            return std::panic::catch_unwind(read)
                .unwrap_or_else(|_| Err(AppError::Internal("a read panicked".into())));
        }
        self.db(work).await
    }
}

/// `AppState::db` for work that holds only the pool (a batch served by the seat line).
pub async fn on_pool<T, F>(pool: &DbPool, work: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce(&mut Conn) -> Result<T, AppError> + Send + 'static,
{
    let pool = pool.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().map_err(|error| {
            log::warn!("database pool exhausted or unreachable: {error}");
            AppError::Unavailable(
                "The shop is very busy right now. Please try again in a moment.".into(),
            )
        })?;
        work(&mut conn)
    })
    .await
    .map_err(|error| AppError::Internal(format!("blocking task failed: {error}")))?
}
