//! CSRF protection: a random token bound to the session, required in every POST form.

use std::future::Future;
use std::pin::Pin;

use actix_session::{Session, SessionExt};
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use rand::RngCore;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;

use crate::error::AppError;

const KEY: &str = "csrf";

/// The session's token, created on first use.
pub fn token(session: &Session) -> String {
    if let Ok(Some(token)) = session.get::<String>(KEY) {
        return token;
    }
    let mut bytes = [0_u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    if let Err(error) = session.insert(KEY, &token) {
        log::warn!("could not store the CSRF token: {error}");
    }
    token
}

/// Whether `submitted` is this session's token.
pub fn is_valid(session: &Session, submitted: &str) -> bool {
    match session.get::<String>(KEY) {
        Ok(Some(expected)) => {
            !submitted.is_empty() && bool::from(expected.as_bytes().ct_eq(submitted.as_bytes()))
        }
        _ => false,
    }
}

/// A form with its `csrf_token` field, decoded only when the token is the session's.
#[derive(Deserialize)]
struct WithToken<T> {
    #[serde(default)]
    csrf_token: String,
    #[serde(flatten)]
    fields: T,
}

/// The extractor for every state-changing form: 403 before the handler runs when the
/// token is missing or wrong, so nothing can change. Field types must be strings
/// (parse them in the domain), since the form is decoded with `serde(flatten)`.
pub struct CsrfForm<T>(pub T);

/// A form with no fields other than the token (log out, cancel, publish…).
#[derive(Debug, Deserialize)]
pub struct NoFields {}

impl<T: DeserializeOwned + 'static> FromRequest for CsrfForm<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let session = req.get_session();
        let form = web::Form::<WithToken<T>>::from_request(req, payload);
        Box::pin(async move {
            let form = form
                .await
                .map_err(|error| {
                    AppError::BadRequest(format!("The form could not be read: {error}"))
                })?
                .into_inner();
            if !is_valid(&session, &form.csrf_token) {
                return Err(AppError::CsrfRejected);
            }
            Ok(CsrfForm(form.fields))
        })
    }
}
