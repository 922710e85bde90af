//! An admin's staff grants, for either role (`domain::staff::grants`): the list, a
//! grant (and the grant as listed, for the API's answer) and a revoke.

use super::AppState;
use crate::db::staff_grants::GrantRow;
use crate::domain::accounts::email::Email;
use crate::domain::staff::grants::{self, Granted, StaffRole};
use crate::error::AppError;

/// Every grant of the role with its account's address and its event's title.
pub async fn grants(state: &AppState, role: StaffRole) -> Result<Vec<GrantRow>, AppError> {
    state.db(move |conn| grants::listed(conn, role)).await
}

/// Grants the account with `email` the role for `event_id` (`None`: all events).
pub async fn grant(
    state: &AppState,
    role: StaffRole,
    admin_id: i32,
    email: String,
    event_id: Option<i32>,
) -> Result<Granted, AppError> {
    let now = state.clock.now();
    state
        .db(move |conn| grants::grant(conn, role, admin_id, &email, event_id, now))
        .await
}

/// `grant`, then the grant as listed (the API answers with it).
pub async fn grant_listed(
    state: &AppState,
    role: StaffRole,
    admin_id: i32,
    email: String,
    event_id: Option<i32>,
) -> Result<(Granted, GrantRow), AppError> {
    let address = Email::parse(&email)
        .map_err(|message| AppError::Unprocessable {
            field: "email",
            message: message.into(),
        })?
        .as_str()
        .to_owned();
    let granted = grant(state, role, admin_id, email, event_id)
        .await
        .map_err(|error| match error {
            // The address parsed above: what is left to refuse is the event.
            AppError::BadRequest(message) => AppError::Unprocessable {
                field: "event_id",
                message,
            },
            other => other,
        })?;
    let row = state
        .db(move |conn| {
            grants::listed_one(conn, role, &address, event_id)?.ok_or(AppError::NotFound)
        })
        .await?;
    Ok((granted, row))
}

/// Takes a grant back; `false` when it was already gone.
pub async fn revoke(state: &AppState, role: StaffRole, grant_id: i32) -> Result<bool, AppError> {
    state
        .db(move |conn| grants::revoke(conn, role, grant_id))
        .await
}
