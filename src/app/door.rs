//! What door staff do: see which events' doors they keep, open an event's check-in page
//! and scan codes. `check_in` is the whole check-in as the JSON API will call it (one
//! call: code, gate, nonce in; the answer out); `scan` adds the page's counts.

use super::AppState;
use crate::db::models::{Event, TicketType};
use crate::db::{checkins, events};
use crate::domain::door::access::{self, Access};
use crate::domain::door::answer::ScanAnswer;
use crate::domain::door::check_in::{self, Scan};
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
        .db(move |conn| access::may_check_in(conn, user_id, is_admin, event_id))
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
    state.db(move |conn| view(conn, event_id)).await
}

/// Answers one scan at `event_id`'s door by `staff_id` (already authorized), admitting
/// the seat exactly once.
pub async fn check_in(
    state: &AppState,
    event_id: i32,
    staff_id: i32,
    scan: Scan,
) -> Result<ScanAnswer, AppError> {
    let now = state.clock.now();
    state
        .db(move |conn| check_in::check_in(conn, event_id, staff_id, &scan, now))
        .await
}

/// A scan from a scanner app (the JSON API): the caller's access to the door is checked
/// in the same call (door staff of other events read it as missing; anyone else is
/// forbidden), then `check_in`, in one trip to the database's threads.
pub async fn check_in_as(
    state: &AppState,
    event_id: i32,
    user_id: i32,
    is_admin: bool,
    scan: Scan,
) -> Result<ScanAnswer, AppError> {
    let now = state.clock.now();
    state
        .db(
            move |conn| match access::may_check_in(conn, user_id, is_admin, event_id)? {
                Access::Allowed => check_in::check_in(conn, event_id, user_id, &scan, now),
                Access::OtherEvents => Err(AppError::NotFound),
                Access::NoRole => Err(AppError::Forbidden),
            },
        )
        .await
}

/// A scan from the check-in page: the answer and the counts after it (one trip).
pub async fn scan(
    state: &AppState,
    event_id: i32,
    staff_id: i32,
    scan: Scan,
) -> Result<(ScanAnswer, DoorView), AppError> {
    let now = state.clock.now();
    state
        .db(move |conn| {
            let answer = check_in::check_in(conn, event_id, staff_id, &scan, now)?;
            Ok((answer, view(conn, event_id)?))
        })
        .await
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
