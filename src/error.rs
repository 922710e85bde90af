//! The one application error type; `web::errors` maps it to HTTP responses.

/// Everything that can stop a request or a command.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    /// A form without this session's CSRF token (often an expired page).
    #[error("csrf token missing or wrong")]
    CsrfRejected,
    /// The request needs a logged-in user; `next` is where to come back to.
    #[error("login required")]
    LoginRequired { next: String },
    #[error("bad request: {0}")]
    BadRequest(String),
    /// A well-formed request naming something that does not fit it (a ticket type of
    /// another event): `field` is the request's field that is wrong.
    #[error("unprocessable ({field}): {message}")]
    Unprocessable {
        field: &'static str,
        message: String,
    },
    /// The request was fine but the state of things refuses it (message for the user).
    #[error("conflict: {0}")]
    Conflict(String),
    /// Like `Conflict`, with a stable code the JSON API reports (`hold_expired`, …).
    #[error("refused ({code}): {message}")]
    Refused { code: &'static str, message: String },
    /// A request body over the limit.
    #[error("payload too large")]
    PayloadTooLarge,
    #[error("too many requests: {0}")]
    TooManyRequests(String),
    /// A dependency is down or saturated (database pool, payment provider).
    #[error("unavailable: {0}")]
    Unavailable(String),
    #[error("database error: {0}")]
    Database(#[from] diesel::result::Error),
    #[error("database pool: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    /// A refusal with a stable code for API clients and a message for people.
    pub fn refused(code: &'static str, message: impl Into<String>) -> AppError {
        AppError::Refused {
            code,
            message: message.into(),
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;
