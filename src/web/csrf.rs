//! CSRF protection: a random token bound to the session, required in every POST form.

use std::future::Future;
use std::pin::Pin;

use actix_session::{Session, SessionExt};
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use futures_util::StreamExt;
use percent_encoding::percent_decode;
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

/// The largest form body accepted (actix's default for forms); more answers 413.
pub const FORM_LIMIT: usize = 16 * 1024;

impl<T: DeserializeOwned + 'static> FromRequest for CsrfForm<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let session = req.get_session();
        let is_form = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.split(';').next().map(str::trim).is_some_and(|mime| {
                    mime.eq_ignore_ascii_case("application/x-www-form-urlencoded")
                })
            });
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<usize>().ok());
        let mut payload = payload.take();
        Box::pin(async move {
            if declared.is_some_and(|length| length > FORM_LIMIT) {
                return Err(AppError::PayloadTooLarge);
            }
            let mut body = web::BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|error| {
                    AppError::BadRequest(format!("The form could not be read: {error}"))
                })?;
                if body.len() + chunk.len() > FORM_LIMIT {
                    return Err(AppError::PayloadTooLarge);
                }
                body.extend_from_slice(&chunk);
            }
            if !is_form {
                return Err(AppError::BadRequest(
                    "The form could not be read: it was not sent as a web form.".into(),
                ));
            }
            check_utf8(&body)?;
            let form: WithToken<T> = serde_urlencoded::from_bytes(&body).map_err(|error| {
                AppError::BadRequest(format!("The form could not be read: {error}"))
            })?;
            if !is_valid(&session, &form.csrf_token) {
                return Err(AppError::CsrfRejected);
            }
            Ok(CsrfForm(form.fields))
        })
    }
}

/// Refuses a form whose names or values are not UTF-8 once decoded (the standard decoder
/// would silently put U+FFFD in their place).
fn check_utf8(body: &[u8]) -> Result<(), AppError> {
    let valid = body.split(|b| *b == b'&').all(|pair| {
        let plus_as_space: Vec<u8> = pair
            .iter()
            .map(|b| if *b == b'+' { b' ' } else { *b })
            .collect();
        std::str::from_utf8(&percent_decode(&plus_as_space).collect::<Vec<u8>>()).is_ok()
    });
    if valid {
        Ok(())
    } else {
        Err(AppError::BadRequest(
            "The form holds text that is not valid UTF-8. Please type it again.".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::check_utf8;

    #[test]
    fn only_utf8_forms_are_read() {
        assert!(check_utf8(b"name=caf%C3%A9&x=a+b").is_ok());
        assert!(check_utf8("name=café".as_bytes()).is_ok());
        assert!(check_utf8(b"name=%FF").is_err());
        assert!(check_utf8(b"%C3=1").is_err());
        assert!(check_utf8(b"name=\xff").is_err());
    }
}
