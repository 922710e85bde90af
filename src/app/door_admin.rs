//! What admins do about the door: grant and revoke door staff, see an event's check-ins
//! and audit trail, and undo a check-in with a reason.

use super::AppState;
use super::door::{self, DoorView};
use crate::db::checkin_log::{self, LogRow};
use crate::db::checkins::{self, SeatRow};
use crate::db::door_grants::{self, GrantRow};
use crate::db::events;
use crate::db::models::Event;
use crate::domain::door::undo;
use crate::error::AppError;

/// Lines of the audit trail and checked-in seats an event's check-ins page shows.
const LISTED: i64 = 200;

/// The door staff page: every grant, and the events to grant.
#[derive(Debug)]
pub struct StaffView {
    pub grants: Vec<GrantRow>,
    pub events: Vec<Event>,
}

pub async fn staff(state: &AppState) -> Result<StaffView, AppError> {
    state
        .db(|conn| {
            Ok(StaffView {
                grants: door_grants::all_with_names(conn)?,
                events: events::all(conn)?,
            })
        })
        .await
}

/// An event's door for the admin: counts, checked-in seats, the audit trail.
#[derive(Debug)]
pub struct CheckinsView {
    pub door: DoorView,
    pub checked_in: Vec<SeatRow>,
    pub log: Vec<LogRow>,
}

pub async fn checkins(state: &AppState, event_id: i32) -> Result<CheckinsView, AppError> {
    let door = door::door(state, event_id).await?;
    state
        .db(move |conn| {
            Ok(CheckinsView {
                checked_in: checkins::checked_in(conn, event_id, LISTED)?,
                log: checkin_log::for_event(conn, event_id, LISTED)?,
                door,
            })
        })
        .await
}

/// Reverts a check-in with a reason; returns the event's id.
pub async fn undo(
    state: &AppState,
    admission_id: i32,
    admin_id: i32,
    reason: String,
) -> Result<i32, AppError> {
    let reason = undo::parse_reason(&reason)?;
    let now = state.clock.now();
    state
        .db(move |conn| undo::undo(conn, admission_id, admin_id, &reason, now))
        .await
}
