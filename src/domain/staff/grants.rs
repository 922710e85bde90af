//! Who holds a staff role for which event, granting and revoking it: the same rule for
//! door staff and box office staff, each on its own grant table (`db::staff_grants`).

use chrono::NaiveDateTime;

use crate::db::models::Event;
use crate::db::staff_grants::{GrantRow, NewStaffGrant};
use crate::db::{
    Conn, box_office_grants, door_grants, events, is_unique_violation, users, write_transaction,
};
use crate::domain::accounts::email::Email;
use crate::error::AppError;

/// A staff role an admin grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffRole {
    /// The check-in pages.
    Door,
    /// Selling seats to named customers.
    BoxOffice,
}

/// Whether a user may act in a role for one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Allowed,
    /// Staff in this role, but not for this event (reads as missing: 404).
    OtherEvents,
    /// Not staff in this role at all (403).
    NoRole,
}

/// What a grant did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Granted {
    New,
    /// The account already had exactly this grant.
    Already,
}

fn scopes_of(conn: &mut Conn, role: StaffRole, user_id: i32) -> Result<Vec<Option<i32>>, AppError> {
    Ok(match role {
        StaffRole::Door => door_grants::scopes_of(conn, user_id)?,
        StaffRole::BoxOffice => box_office_grants::scopes_of(conn, user_id)?,
    })
}

/// Whether `user_id` may act in `role` at `event_id` (which must exist).
pub fn may_act(
    conn: &mut Conn,
    role: StaffRole,
    user_id: i32,
    is_admin: bool,
    event_id: i32,
) -> Result<Access, AppError> {
    events::find(conn, event_id)?.ok_or(AppError::NotFound)?;
    if is_admin {
        return Ok(Access::Allowed);
    }
    let scopes = scopes_of(conn, role, user_id)?;
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

/// The events `user_id` may act on in `role` (every event for admins and all-events
/// staff), soonest first; `None` when the user does not hold the role at all.
pub fn events_for(
    conn: &mut Conn,
    role: StaffRole,
    user_id: i32,
    is_admin: bool,
) -> Result<Option<Vec<Event>>, AppError> {
    let scopes = scopes_of(conn, role, user_id)?;
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

/// Grants the account with `email` the role for `event_id` (`None`: every event).
pub fn grant(
    conn: &mut Conn,
    role: StaffRole,
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
        let held = match role {
            StaffRole::Door => door_grants::find_scope(conn, user.id, event_id)?,
            StaffRole::BoxOffice => box_office_grants::find_scope(conn, user.id, event_id)?,
        };
        if held.is_some() {
            return Ok(Granted::Already);
        }
        let new = NewStaffGrant {
            user_id: user.id,
            event_id,
            granted_by: admin_id,
            created_at: now,
        };
        match role {
            StaffRole::Door => door_grants::insert(conn, &new)?,
            StaffRole::BoxOffice => box_office_grants::insert(conn, &new)?,
        };
        Ok(Granted::New)
    });
    match granted {
        // The same grant made at the same instant by another admin (PostgreSQL).
        Err(AppError::Database(error)) if is_unique_violation(&error) => Ok(Granted::Already),
        other => other,
    }
}

/// Takes a grant back; `false` when it was already gone.
pub fn revoke(conn: &mut Conn, role: StaffRole, grant_id: i32) -> Result<bool, AppError> {
    let deleted = match role {
        StaffRole::Door => door_grants::delete(conn, grant_id)?,
        StaffRole::BoxOffice => box_office_grants::delete(conn, grant_id)?,
    };
    Ok(deleted == 1)
}

/// Every grant of the role with its account's email and event's title, by email.
pub fn listed(conn: &mut Conn, role: StaffRole) -> Result<Vec<GrantRow>, AppError> {
    Ok(match role {
        StaffRole::Door => door_grants::all_with_names(conn)?,
        StaffRole::BoxOffice => box_office_grants::all_with_names(conn)?,
    })
}

/// The grant of the account with `email` for `event_id` (`None`: every event), as
/// `listed` lists it.
pub fn listed_one(
    conn: &mut Conn,
    role: StaffRole,
    email: &str,
    event_id: Option<i32>,
) -> Result<Option<GrantRow>, AppError> {
    Ok(match role {
        StaffRole::Door => door_grants::one_with_names(conn, email, event_id)?,
        StaffRole::BoxOffice => box_office_grants::one_with_names(conn, email, event_id)?,
    })
}
