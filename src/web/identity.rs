//! Who is asking: logging a user in and out of the cookie session, and the extractors
//! `CurrentUser`, `MaybeUser` and `AdminUser`.
//!
//! The session cookie carries the user id and a session generation; every authenticated
//! request checks the generation against the database, so logging out or changing the
//! password ends every older cookie on every instance.

use std::future::Future;
use std::pin::Pin;

use actix_session::{Session, SessionExt};
use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, web};

use crate::app::AppState;
use crate::app::accounts;
use crate::error::AppError;

pub use super::next_path::safe_next;

const USER_ID: &str = "uid";
const GENERATION: &str = "gen";

/// A logged-in user whose session is still current.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub id: i32,
    pub email: String,
    pub is_admin: bool,
    /// Door staff of some event (the Door link; each door checks its own event).
    pub is_door: bool,
    /// Box office staff of some event (the Box office link; each counter checks its own
    /// event).
    pub is_box_office: bool,
}

/// Starts a fresh session for the user (a new cookie, so a planted one is useless).
pub fn log_in(session: &Session, user_id: i32, generation: i32) -> Result<(), AppError> {
    session.renew();
    session.clear();
    session
        .insert(USER_ID, user_id)
        .and_then(|()| session.insert(GENERATION, generation))
        .map_err(|error| AppError::Internal(format!("session insert: {error}")))
}

pub fn log_out(session: &Session) {
    session.purge();
}

/// The outcome of checking the session, kept for the rest of the request so several
/// extractors (`CurrentUser`, `PageCtx`) cost one look-up.
#[derive(Clone)]
struct Resolved(Option<CurrentUser>);

/// The user the session names, if its generation is still current (looked up once per
/// request).
async fn resolve(req: &HttpRequest) -> Result<Option<CurrentUser>, AppError> {
    if let Some(Resolved(user)) = req.extensions().get::<Resolved>() {
        return Ok(user.clone());
    }
    let user = look_up(req).await?;
    req.extensions_mut().insert(Resolved(user.clone()));
    Ok(user)
}

async fn look_up(req: &HttpRequest) -> Result<Option<CurrentUser>, AppError> {
    let session = req.get_session();
    let (Ok(Some(user_id)), Ok(Some(generation))) =
        (session.get::<i32>(USER_ID), session.get::<i32>(GENERATION))
    else {
        return Ok(None);
    };
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| AppError::Internal("application state missing".into()))?
        .clone();
    let found = accounts::session_facts(&state, user_id).await?;
    match found {
        Some(facts) if facts.session_generation == generation => Ok(Some(CurrentUser {
            id: user_id,
            email: facts.email,
            is_admin: facts.is_admin,
            is_door: facts.is_door,
            is_box_office: facts.is_box_office,
        })),
        _ => {
            session.purge();
            Ok(None)
        }
    }
}

fn next_of(req: &HttpRequest) -> String {
    if req.method() == actix_web::http::Method::GET {
        req.uri()
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|| "/".into())
    } else {
        // After a POST, come back to the page the form was on.
        req.headers()
            .get(actix_web::http::header::REFERER)
            .and_then(|r| r.to_str().ok())
            .and_then(|r| local_path(r, req))
            .unwrap_or_else(|| "/".into())
    }
}

/// The path of a same-site URL, or `None` for another site.
fn local_path(url: &str, req: &HttpRequest) -> Option<String> {
    let host = req.connection_info().host().to_owned();
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))?;
    let path = rest.strip_prefix(host.as_str())?;
    path.starts_with('/').then(|| path.to_owned())
}

type Fut<T> = Pin<Box<dyn Future<Output = Result<T, AppError>>>>;

impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = Fut<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            resolve(&req).await?.ok_or_else(|| AppError::LoginRequired {
                next: next_of(&req),
            })
        })
    }
}

/// The user the session names, if any (for code outside the extractors: error pages).
pub async fn maybe_user(req: &HttpRequest) -> Result<Option<CurrentUser>, AppError> {
    resolve(req).await
}

/// The current user when there is one (public pages).
#[derive(Debug, Clone)]
pub struct MaybeUser(pub Option<CurrentUser>);

impl FromRequest for MaybeUser {
    type Error = AppError;
    type Future = Fut<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { Ok(MaybeUser(resolve(&req).await?)) })
    }
}

/// An admin: anonymous users are sent to log in, other users get 403.
#[derive(Debug, Clone)]
pub struct AdminUser(pub CurrentUser);

impl FromRequest for AdminUser {
    type Error = AppError;
    type Future = Fut<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let user = CurrentUser::from_request(req, payload);
        Box::pin(async move {
            let user = user.await?;
            if user.is_admin {
                Ok(AdminUser(user))
            } else {
                Err(AppError::Forbidden)
            }
        })
    }
}
