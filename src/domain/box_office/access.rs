//! Box office staff: an admin grants an account the selling of one event's seats or of
//! every event's, and takes the grant back. Admins may sell every event's seats.

use chrono::NaiveDateTime;

use crate::db::models::{Event, NewBoxOfficeGrant};
use crate::db::{Conn, box_office_grants, events, is_unique_violation, users, write_transaction};
use crate::domain::accounts::email::Email;
use crate::error::AppError;

/// Whether a user may sell an event's seats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Allowed,
    /// Box office staff, but not for this event (reads as missing: 404).
    OtherEvents,
    /// Not box office staff at all (403).
    NoRole,
}

/// Whether `user_id` may sell the seats of `event_id` (which must exist).
pub fn may_sell(
    conn: &mut Conn,
    user_id: i32,
    is_admin: bool,
    event_id: i32,
) -> Result<Access, AppError> {
    events::find(conn, event_id)?.ok_or(AppError::NotFound)?;
    if is_admin {
        return Ok(Access::Allowed);
    }
    let scopes = box_office_grants::scopes_of(conn, user_id)?;
    Ok(
        if scopes.iter().any(|s| s.is_none() || *s == Some(event_id)) {
            Access::Allowed
        } else if scopes.is_empty() {
            Access::NoRole
        } else {
            Access::OtherEvents
        },
    )
}

/// The events whose seats `user_id` may sell (every event for admins and all-events
/// staff), soonest first; `None` when the user is not box office staff at all.
pub fn events_for(
    conn: &mut Conn,
    user_id: i32,
    is_admin: bool,
) -> Result<Option<Vec<Event>>, AppError> {
    let scopes = box_office_grants::scopes_of(conn, user_id)?;
    if !is_admin && scopes.is_empty() {
        return Ok(None);
    }
    let mut all = events::all(conn)?;
    if !is_admin && !scopes.contains(&None) {
        all.retain(|event| scopes.contains(&Some(event.id)));
    }
    all.sort_by_key(|event| (event.starts_at, event.id));
    Ok(Some(all))
}

/// What a grant did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Granted {
    New,
    /// The account already had exactly this grant.
    Already,
}

/// Grants the account with `email` the box office of `event_id` (`None`: every event).
pub fn grant(
    conn: &mut Conn,
    admin_id: i32,
    email: &str,
    event_id: Option<i32>,
    now: NaiveDateTime,
) -> Result<Granted, AppError> {
    let email = Email::parse(email).map_err(|message| AppError::BadRequest(message.into()))?;
    let granted = write_transaction(conn, |conn| {
        let user = users::find_by_email(conn, email.as_str())?.ok_or_else(|| {
            AppError::Conflict(format!(
                "No account uses {email}: ask them to register first, then grant again."
            ))
        })?;
        if let Some(id) = event_id {
            events::find(conn, id)?
                .ok_or_else(|| AppError::BadRequest("That event does not exist.".into()))?;
        }
        if box_office_grants::find_scope(conn, user.id, event_id)?.is_some() {
            return Ok(Granted::Already);
        }
        box_office_grants::insert(
            conn,
            &NewBoxOfficeGrant {
                user_id: user.id,
                event_id,
                granted_by: admin_id,
                created_at: now,
            },
        )?;
        Ok(Granted::New)
    });
    match granted {
        // The same grant made at the same instant by another admin (PostgreSQL).
        Err(AppError::Database(error)) if is_unique_violation(&error) => Ok(Granted::Already),
        other => other,
    }
}

/// Takes a grant back; `false` when it was already gone.
pub fn revoke(conn: &mut Conn, grant_id: i32) -> Result<bool, AppError> {
    Ok(box_office_grants::delete(conn, grant_id)? == 1)
}
