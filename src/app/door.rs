//! What door staff do: see which events' doors they keep, open an event's check-in page
//! and scan codes. `check_in` is the whole check-in as the JSON API will call it (one
//! call: code, gate, nonce in; the answer out); `scan` adds the page's counts. Scans at
//! one event's door wait in this instance's door line and are decided in batches, one
//! transaction (one commit) each.

use std::sync::atomic::Ordering;

use super::AppState;
use super::state::on_pool;
use crate::config::Engine;
use crate::db::models::{Event, TicketType};
use crate::db::{DbPool, checkins, events};
use crate::domain::door::access::{self, Access};
use crate::domain::door::answer::ScanAnswer;
use crate::domain::door::check_in::{self, GateScan, Scan};
use crate::domain::door::counts::{self, DoorCount};
use crate::error::AppError;

/// An event's door as the check-in page shows it: admitted / expected per ticket type.
#[derive(Debug)]
pub struct DoorView {
    pub event: Event,
    pub types: Vec<(TicketType, DoorCount)>,
    pub total: DoorCount,
}

/// Whether `user_id` may keep `event_id`'s door (the front door's authorization).
pub async fn access(
    state: &AppState,
    user_id: i32,
    is_admin: bool,
    event_id: i32,
) -> Result<Access, AppError> {
    state
        .read(move |conn| access::may_check_in(conn, user_id, is_admin, event_id))
        .await
}

/// The events whose door the user keeps; `None` when the user is not door staff.
pub async fn my_events(
    state: &AppState,
    user_id: i32,
    is_admin: bool,
) -> Result<Option<Vec<Event>>, AppError> {
    state
        .db(move |conn| access::events_for(conn, user_id, is_admin))
        .await
}

/// The check-in page of an event the caller may keep.
pub async fn door(state: &AppState, event_id: i32) -> Result<DoorView, AppError> {
    state.read(move |conn| view(conn, event_id)).await
}

/// The most scans of one event's door decided by one transaction.
pub const SCAN_BATCH: usize = 64;

/// Batches of one door decided at once on PostgreSQL. On SQLite one (there is one
/// writer at a time: a second batch would only wait for the lock). On PostgreSQL each
/// statement of a scan is a round trip, so one batch at a time left the server idle
/// between them (458 scans/s at 40 gates, against 630 without batches): the scans take
/// turns over this many lanes, each batching its own, bounded by the pool's size.
const POSTGRES_LANES: u32 = 4;

/// How many lanes the door line of one event has here.
fn lanes(state: &AppState) -> u32 {
    match state.engine {
        Engine::Sqlite => 1,
        Engine::Postgres => POSTGRES_LANES.min(state.settings.db_pool_size).max(1),
    }
}

const RETRY: &str = "The scan could not be completed. Please scan again.";

/// Answers one scan at `event_id`'s door by `staff_id` (already authorized), admitting
/// the seat exactly once: the scan waits in this instance's line for the door and is
/// decided with the scans that arrived with it, in one transaction.
pub async fn check_in(
    state: &AppState,
    event_id: i32,
    staff_id: i32,
    scan: Scan,
) -> Result<ScanAnswer, AppError> {
    let scan = GateScan {
        staff_id,
        scan,
        now: state.clock.now(),
    };
    let lane = state.next_lane.fetch_add(1, Ordering::Relaxed) % lanes(state);
    let pool = state.pool.clone();
    let serve = move |scans: Vec<GateScan>| {
        let pool = pool.clone();
        async move { decide_batch(&pool, event_id, scans).await }
    };
    state
        .door_line
        .submit((event_id, lane), scan, serve)
        .await
        .unwrap_or_else(|| Err(AppError::Unavailable(RETRY.into())))
}

/// Decides one batch of scans; a batch that could not commit tells each gate to scan again.
async fn decide_batch(
    pool: &DbPool,
    event_id: i32,
    scans: Vec<GateScan>,
) -> Vec<Result<ScanAnswer, AppError>> {
    let count = scans.len();
    match on_pool(pool, move |conn| {
        check_in::check_in_batch(conn, event_id, &scans)
    })
    .await
    {
        Ok(answers) => answers,
        Err(error) => {
            log::error!("a batch of {count} scans at event {event_id}'s door failed: {error}");
            (0..count)
                .map(|_| Err(AppError::Unavailable(RETRY.into())))
                .collect()
        }
    }
}

/// A scan from a scanner app (the JSON API): the caller's access to the door is read
/// first (door staff of other events read it as missing; anyone else is forbidden),
/// then `check_in`.
pub async fn check_in_as(
    state: &AppState,
    event_id: i32,
    user_id: i32,
    is_admin: bool,
    scan: Scan,
) -> Result<ScanAnswer, AppError> {
    let access = state
        .read(move |conn| access::may_check_in(conn, user_id, is_admin, event_id))
        .await?;
    match access {
        Access::Allowed => check_in(state, event_id, user_id, scan).await,
        Access::OtherEvents => Err(AppError::NotFound),
        Access::NoRole => Err(AppError::Forbidden),
    }
}

/// A scan from the check-in page: the answer and the counts after it.
pub async fn scan(
    state: &AppState,
    event_id: i32,
    staff_id: i32,
    scan: Scan,
) -> Result<(ScanAnswer, DoorView), AppError> {
    let answer = check_in(state, event_id, staff_id, scan).await?;
    let view = state.read(move |conn| view(conn, event_id)).await?;
    Ok((answer, view))
}

fn view(conn: &mut crate::db::Conn, event_id: i32) -> Result<DoorView, AppError> {
    let event = events::find(conn, event_id)?.ok_or(AppError::NotFound)?;
    let (types, total) = counts::for_event(conn, event_id)?;
    Ok(DoorView {
        event,
        types,
        total,
    })
}

/// The valid seats of an event, for the offline list.
pub async fn door_list(
    state: &AppState,
    event_id: i32,
) -> Result<(Event, Vec<checkins::DoorListRow>), AppError> {
    state
        .db(move |conn| {
            let event = events::find(conn, event_id)?.ok_or(AppError::NotFound)?;
            Ok((event, checkins::door_list(conn, event_id)?))
        })
        .await
}
