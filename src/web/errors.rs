//! Turning an `AppError` into a response: one place, the same layout, no internals shown.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

use super::page::{Page, see_other};
use crate::error::AppError;

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    page: Page,
    heading: &'static str,
    message: String,
}

/// Whether a database error means the connection went away (the server restarted or
/// the network dropped): worth retrying, so 503 rather than 500.
fn connection_lost(error: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    match error {
        Error::DatabaseError(DatabaseErrorKind::ClosedConnection, _)
        | Error::DatabaseError(DatabaseErrorKind::UnableToSendCommand, _)
        | Error::BrokenTransactionManager => true,
        Error::DatabaseError(_, info) => {
            let message = info.message();
            message.contains("server closed the connection")
                || message.contains("terminating connection")
                || message.contains("no connection to the server")
        }
        _ => false,
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden | AppError::CsrfRejected => StatusCode::FORBIDDEN,
            AppError::LoginRequired { .. } => StatusCode::SEE_OTHER,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict(_) | AppError::Refused { .. } => StatusCode::CONFLICT,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) | AppError::Pool(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Database(error) if connection_lost(error) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Database(diesel::result::Error::NotFound) => StatusCode::NOT_FOUND,
            AppError::Database(_) | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let AppError::LoginRequired { next } = self {
            let query = serde_urlencoded::to_string([("next", next.as_str())]).unwrap_or_default();
            return see_other(&format!("/login?{query}"));
        }
        // A 5xx is logged once, with its request id and cause chain, by `request_id::tag`.
        // A 4xx is rendered again with the visitor's header by `error_pages::with_user`.
        let (heading, _) = self.words();
        error_page(self, Page::bare(heading, false))
    }
}

impl AppError {
    /// The error page's heading and message: what a person can do about it, no internals.
    pub fn words(&self) -> (&'static str, String) {
        match self {
            AppError::NotFound | AppError::Database(diesel::result::Error::NotFound) => (
                "Page not found",
                "There is nothing here. It may have moved, or never existed.".to_owned(),
            ),
            AppError::Forbidden => (
                "Not allowed",
                "Your account cannot open this page.".to_owned(),
            ),
            AppError::CsrfRejected => (
                "This form has expired",
                "Nothing was changed. Go back, reload the page and try again.".to_owned(),
            ),
            AppError::BadRequest(message) | AppError::Unprocessable { message, .. } => {
                ("That did not work", message.clone())
            }
            AppError::Conflict(message) | AppError::Refused { message, .. } => {
                ("That did not work", message.clone())
            }
            AppError::PayloadTooLarge => (
                "That is too much",
                "The form sent was larger than the shop accepts. Shorten it and try again."
                    .to_owned(),
            ),
            AppError::TooManyRequests(message) => ("Slow down", message.clone()),
            AppError::Unavailable(message) => ("Please try again", message.clone()),
            AppError::Database(error) if connection_lost(error) => (
                "Please try again",
                "The shop lost its connection to the database. Please try again in a moment."
                    .to_owned(),
            ),
            AppError::Pool(_) => (
                "Please try again",
                "The shop is very busy right now. Please try again in a moment.".to_owned(),
            ),
            _ => (
                "Something went wrong",
                "We could not finish that. Nothing was charged; please try again.".to_owned(),
            ),
        }
    }
}

/// The error page of `error` in the layout `page` (bare, or with the visitor's header).
pub fn error_page(error: &AppError, page: Page) -> HttpResponse {
    let status = error.status_code();
    let (heading, message) = error.words();
    let page = ErrorPage {
        page,
        heading,
        message,
    };
    let mut response = HttpResponse::build(status);
    if status == StatusCode::SERVICE_UNAVAILABLE {
        // Busy (the pool, the password hashing queue) or a dropped connection: soon.
        response.insert_header(("Retry-After", "2"));
    }
    match page.render() {
        Ok(body) => response
            .content_type("text/html; charset=utf-8")
            .insert_header(("Cache-Control", "no-store"))
            .body(body),
        Err(error) => {
            log::error!("error page failed to render: {error}");
            HttpResponse::build(status).body(heading)
        }
    }
}

#[cfg(test)]
mod tests {
    use actix_web::ResponseError;
    use diesel::result::{DatabaseErrorKind, Error};

    use crate::error::AppError;

    #[test]
    fn a_lost_database_connection_is_503_and_other_database_errors_500() {
        let lost = AppError::Database(Error::DatabaseError(
            DatabaseErrorKind::ClosedConnection,
            Box::new("server closed the connection unexpectedly".to_owned()),
        ));
        assert_eq!(lost.status_code(), 503);
        let terminated = AppError::Database(Error::DatabaseError(
            DatabaseErrorKind::Unknown,
            Box::new("terminating connection due to administrator command".to_owned()),
        ));
        assert_eq!(terminated.status_code(), 503);
        let broken = AppError::Database(Error::DatabaseError(
            DatabaseErrorKind::CheckViolation,
            Box::new("check failed".to_owned()),
        ));
        assert_eq!(broken.status_code(), 500);
        assert_eq!(AppError::PayloadTooLarge.status_code(), 413);
    }
}
