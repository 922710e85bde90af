//! Seats for friends as use cases: sending one seat of a paid booking to a friend, and
//! naming who will use a seat.

use super::AppState;
use crate::db::models::Admission;
use crate::domain::bookings::seat_share;
use crate::error::AppError;

/// Sends the seat at `position` of the owner's booking to `email`, optionally naming who
/// will use it (`name` as typed; empty keeps the seat's name).
pub async fn send(
    state: &AppState,
    owner_id: i32,
    booking_id: i32,
    position: i32,
    email: String,
    name: &str,
) -> Result<Admission, AppError> {
    let name = seat_share::attendee_name(name)?;
    let now = state.clock.now();
    let limit = state.settings.limits.seat_sends_per_user;
    state
        .db(move |conn| {
            seat_share::send_seat(
                conn, now, owner_id, booking_id, position, &email, name, &limit,
            )
        })
        .await
}

/// Names (or, with an empty `name`, un-names) who will use a seat.
pub async fn name(
    state: &AppState,
    owner_id: i32,
    booking_id: i32,
    position: i32,
    name: &str,
) -> Result<(), AppError> {
    let name = seat_share::attendee_name(name)?;
    let now = state.clock.now();
    state
        .db(move |conn| seat_share::name_seat(conn, now, owner_id, booking_id, position, name))
        .await
}
