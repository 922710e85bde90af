//! Personal access tokens: API bearer tokens made from a logged-in session on the
//! account page, with a name and a lifetime the owner picks (or none), shown once,
//! listed and revocable there. They need no password, so they keep working while the
//! log-in throttle has closed `POST /api/v1/tokens` for the account; like every API
//! token they end with a log-out everywhere or a password change (the user's session
//! generation moves on).

use chrono::NaiveDateTime;

use super::AppState;
use crate::db::api_tokens::{self, PersonalToken};
use crate::db::{users, write_transaction};
use crate::domain::accounts::api_token;
use crate::domain::common::form_errors::FieldErrors;
use crate::error::AppError;

/// A token just made: the only time its value is seen.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct NewToken {
    pub name: String,
    pub token: String,
    pub expires_at: Option<NaiveDateTime>,
}

/// Makes a personal access token named `name` with the lifetime the form's `expires`
/// value names; or the fields to fix (a bad name or lifetime, too many tokens).
pub async fn create(
    state: &AppState,
    user_id: i32,
    name: &str,
    expires: &str,
) -> Result<Result<NewToken, FieldErrors>, AppError> {
    let mut errors = FieldErrors::default();
    let name = api_token::check_name(name)
        .map_err(|m| errors.add("name", m))
        .ok();
    let lifetime = api_token::lifetime(expires);
    if lifetime.is_none() {
        errors.add("expires", "Choose one of the lifetimes offered.");
    }
    let (Some(name), Some(lifetime)) = (name, lifetime) else {
        return Ok(Err(errors));
    };
    let now = state.clock.now();
    let expires_at = lifetime.map(|lifetime| now + lifetime);
    let (token, hash) = api_token::fresh();
    let stored_name = name.clone();
    let made = state
        .db(move |conn| {
            write_transaction(conn, |c| {
                let user = users::find(c, user_id)?.ok_or(AppError::NotFound)?;
                let live = api_tokens::live_personal(c, user_id, user.session_generation, now)?;
                if live.len() >= api_token::PERSONAL_PER_ACCOUNT {
                    return Ok(false);
                }
                let new = api_tokens::NewToken {
                    user_id,
                    token_hash: &hash,
                    session_generation: user.session_generation,
                    created_at: now,
                    expires_at,
                    name: Some(&stored_name),
                };
                api_tokens::insert(c, &new)?;
                Ok(true)
            })
        })
        .await?;
    if !made {
        errors.add(
            "name",
            "You have 20 tokens already: revoke one you no longer use first.",
        );
        return Ok(Err(errors));
    }
    Ok(Ok(NewToken {
        name,
        token,
        expires_at,
    }))
}

/// The user's live personal access tokens, newest first.
pub async fn list(state: &AppState, user_id: i32) -> Result<Vec<PersonalToken>, AppError> {
    let now = state.clock.now();
    state
        .db(move |conn| {
            let user = users::find(conn, user_id)?.ok_or(AppError::NotFound)?;
            Ok(api_tokens::live_personal(
                conn,
                user_id,
                user.session_generation,
                now,
            )?)
        })
        .await
}

/// Revokes one of the user's personal access tokens; another's, or none, is 404.
pub async fn revoke(state: &AppState, user_id: i32, token_id: i32) -> Result<(), AppError> {
    let now = state.clock.now();
    let revoked = state
        .db(move |conn| Ok(api_tokens::revoke_personal(conn, user_id, token_id, now)?))
        .await?;
    if revoked {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}
