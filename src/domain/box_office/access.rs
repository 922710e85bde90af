//! Box office staff: an admin grants an account the selling of one event's seats or of
//! every event's, and takes the grant back. Admins may sell every event's seats. The
//! rule is the staff rule (`domain::staff::grants`) for the box office's role.

use chrono::NaiveDateTime;

use crate::db::Conn;
use crate::db::models::Event;
use crate::domain::staff::grants::{self, StaffRole};
pub use crate::domain::staff::grants::{Access, Granted};
use crate::error::AppError;

/// Whether `user_id` may sell the seats of `event_id` (which must exist).
pub fn may_sell(
    conn: &mut Conn,
    user_id: i32,
    is_admin: bool,
    event_id: i32,
) -> Result<Access, AppError> {
    grants::may_act(conn, StaffRole::BoxOffice, user_id, is_admin, event_id)
}

/// The events whose seats `user_id` may sell (every event for admins and all-events
/// staff), soonest first; `None` when the user is not box office staff at all.
pub fn events_for(
    conn: &mut Conn,
    user_id: i32,
    is_admin: bool,
) -> Result<Option<Vec<Event>>, AppError> {
    grants::events_for(conn, StaffRole::BoxOffice, user_id, is_admin)
}

/// Grants the account with `email` the box office of `event_id` (`None`: every event).
pub fn grant(
    conn: &mut Conn,
    admin_id: i32,
    email: &str,
    event_id: Option<i32>,
    now: NaiveDateTime,
) -> Result<Granted, AppError> {
    grants::grant(conn, StaffRole::BoxOffice, admin_id, email, event_id, now)
}

/// Takes a grant back; `false` when it was already gone.
pub fn revoke(conn: &mut Conn, grant_id: i32) -> Result<bool, AppError> {
    grants::revoke(conn, StaffRole::BoxOffice, grant_id)
}
