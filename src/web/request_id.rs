//! A request id for every request: kept in the request's extensions, sent back as
//! `X-Request-Id`, printed in the access log line, and repeated in the log line of any
//! error the request ended in, with that error's whole cause chain.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};
use rand::RngCore;

use crate::error::AppError;

/// This request's id (16 hex digits).
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

pub const HEADER: HeaderName = HeaderName::from_static("x-request-id");

fn new_id() -> String {
    let mut bytes = [0_u8; 8];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The middleware: tags the request, and logs a 5xx's error once, with the id.
pub async fn tag(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let id = new_id();
    req.extensions_mut().insert(RequestId(id.clone()));
    let (method, path) = (req.method().clone(), req.path().to_owned());
    let mut response = next.call(req).await?;
    if response.status().is_server_error()
        && let Some(error) = response.response().error()
    {
        let report = match error.as_error::<AppError>() {
            Some(app_error) => cause_chain(app_error),
            None => error.to_string(),
        };
        log::error!(
            "request {id}: {method} {path} -> {}: {report}",
            response.status()
        );
    }
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(HEADER, value);
    }
    Ok(response)
}

/// An error and every error beneath it ("a: caused by: b: caused by: c"), leaving out a
/// cause whose text its parent already shows.
pub fn cause_chain(error: &dyn std::error::Error) -> String {
    let mut report = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !report.contains(&text) {
            report.push_str(": caused by: ");
            report.push_str(&text);
        }
        source = cause.source();
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("saving the hold")]
    struct Outer(#[source] Inner);

    #[derive(Debug, thiserror::Error)]
    #[error("the disk is full")]
    struct Inner;

    #[test]
    fn the_chain_keeps_every_cause_once() {
        assert_eq!(
            cause_chain(&Outer(Inner)),
            "saving the hold: caused by: the disk is full"
        );
        let shown = AppError::Database(diesel::result::Error::NotFound);
        assert_eq!(cause_chain(&shown), "database error: Record not found");
    }
}
