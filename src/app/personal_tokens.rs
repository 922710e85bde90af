//! Personal access tokens: API bearer tokens made from a logged-in session on the
//! account page, or over the API right after a password log-in, with a name, a scope
//! and a lifetime the owner picks (or none), shown once, listed and revocable. They need
//! no password, so they keep working while the log-in throttle has closed
//! `POST /api/v1/tokens` for the account; like every API token they end with a log-out
//! everywhere or a password change (the user's session generation moves on).

use chrono::{NaiveDateTime, TimeDelta};

use super::AppState;
use super::api_tokens::TokenHolder;
use crate::db::api_tokens::{self, PersonalToken};
use crate::db::{box_office_grants, door_grants, users, write_transaction};
use crate::domain::accounts::api_token;
use crate::domain::accounts::token_scope::{Roles, TokenScope};
use crate::domain::common::form_errors::FieldErrors;
use crate::error::AppError;

/// A token just made: the only time its value is seen.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct NewToken {
    pub id: i32,
    pub name: String,
    pub scope: TokenScope,
    pub token: String,
    pub expires_at: Option<NaiveDateTime>,
}

/// What a personal access token is to be: the form's or the request's fields.
#[derive(Debug, Clone, Copy)]
pub struct Wanted<'a> {
    pub name: &'a str,
    /// `TokenScope::as_str` of a personal scope.
    pub scope: &'a str,
    /// A lifetime's value of `api_token::LIFETIMES` ("30", "never", …).
    pub expires: &'a str,
}

/// How long after a password log-in its token may make personal access tokens over the
/// API: a stolen short-lived token (or a personal one) cannot turn itself into a
/// long-lived one.
pub const RECENT_LOG_IN: TimeDelta = TimeDelta::minutes(15);

/// Whether `holder` may make (list, revoke) personal access tokens over the API: only a
/// token minted with the password, and making only within `RECENT_LOG_IN` of that.
pub fn may_manage(holder: &TokenHolder) -> bool {
    holder.scope == TokenScope::Full && !holder.personal
}

/// Whether `holder`'s password log-in is recent enough to make a personal token.
pub fn logged_in_recently(holder: &TokenHolder, now: NaiveDateTime) -> bool {
    may_manage(holder) && now - holder.created_at <= RECENT_LOG_IN
}

/// The scopes `user_id`'s account may give a personal access token.
pub async fn grantable_scopes(state: &AppState, user_id: i32) -> Result<Vec<TokenScope>, AppError> {
    let roles = state.db(move |conn| roles(conn, user_id)).await?;
    Ok(crate::domain::accounts::token_scope::PERSONAL
        .into_iter()
        .filter(|scope| scope.grantable(roles))
        .collect())
}

/// Whether the account is an admin, and whether it keeps any door or box office.
fn roles(conn: &mut crate::db::Conn, user_id: i32) -> Result<Roles, AppError> {
    let user = users::find(conn, user_id)?.ok_or(AppError::NotFound)?;
    Ok(Roles {
        admin: user.is_admin,
        door: !door_grants::scopes_of(conn, user_id)?.is_empty(),
        box_office: !box_office_grants::scopes_of(conn, user_id)?.is_empty(),
    })
}

/// Makes a personal access token as `wanted` says; or the fields to fix (a bad name,
/// lifetime or scope, a scope beyond the account's roles, too many tokens).
pub async fn create(
    state: &AppState,
    user_id: i32,
    wanted: Wanted<'_>,
) -> Result<Result<NewToken, FieldErrors>, AppError> {
    let mut errors = FieldErrors::default();
    let name = api_token::check_name(wanted.name)
        .map_err(|m| errors.add("name", m))
        .ok();
    let lifetime = api_token::lifetime(wanted.expires);
    if lifetime.is_none() {
        errors.add("expires", "Choose one of the lifetimes offered.");
    }
    let scope = TokenScope::parse_personal(wanted.scope);
    if scope.is_none() {
        errors.add("scope", "Choose buyer, door, box_office or admin.");
    }
    let (Some(name), Some(lifetime), Some(scope)) = (name, lifetime, scope) else {
        return Ok(Err(errors));
    };
    let now = state.clock.now();
    let expires_at = lifetime.map(|lifetime| now + lifetime);
    let (token, hash) = api_token::fresh();
    let stored_name = name.clone();
    let made = state
        .db(move |conn| {
            write_transaction(conn, |c| {
                // Locked: two requests at once count the tokens one after the other,
                // so the cap holds on PostgreSQL too.
                let user = users::lock(c, user_id)?.ok_or(AppError::NotFound)?;
                if !scope.grantable(roles(c, user_id)?) {
                    return Ok(Made::ScopeRefused);
                }
                let live = api_tokens::live_personal(c, user_id, user.session_generation, now)?;
                if live.len() >= api_token::PERSONAL_PER_ACCOUNT {
                    return Ok(Made::TooMany);
                }
                let new = api_tokens::NewToken {
                    user_id,
                    token_hash: &hash,
                    session_generation: user.session_generation,
                    created_at: now,
                    expires_at,
                    name: Some(&stored_name),
                    scope: scope.as_str(),
                };
                Ok(Made::Stored(api_tokens::insert(c, &new)?))
            })
        })
        .await?;
    match made {
        Made::Stored(id) => Ok(Ok(NewToken {
            id,
            name,
            scope,
            token,
            expires_at,
        })),
        Made::ScopeRefused => {
            errors.add(
                "scope",
                match scope {
                    TokenScope::Admin => "Only an admin's account may make an admin token.",
                    TokenScope::BoxOffice => "Only box office staff may make a box office token.",
                    _ => "Only door staff may make a door token.",
                },
            );
            Ok(Err(errors))
        }
        Made::TooMany => {
            errors.add(
                "name",
                "You have 20 tokens already: revoke one you no longer use first.",
            );
            Ok(Err(errors))
        }
    }
}

/// What the transaction that stores a token found.
enum Made {
    Stored(i32),
    ScopeRefused,
    TooMany,
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
