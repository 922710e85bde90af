//! The JSON API's errors: `application/problem+json` (RFC 9457) with a stable `code` per
//! failure, a `type` that links to its entry on the reference page, and the status's
//! headers (`WWW-Authenticate` on 401, `Retry-After` on 409/429/503). Bad input is
//! always a 4xx; a 5xx says nothing of the internals (the log has the cause).

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::accounts::token_scope::TokenScope;
use crate::domain::common::form_errors::FieldErrors;
use crate::error::AppError;
use crate::web::request_id::cause_chain;

/// Where the reference page lists every problem code (`type` = this + `#` + code).
pub const TYPES_BASE: &str = "/api/v1/docs#problem-";

/// Every problem code the API answers with, its status and what it means (the reference
/// page lists them; a code's meaning never changes).
pub const CODES: &[(&str, u16, &str)] = &[
    (
        "validation",
        422,
        "A field is missing or wrong: `errors` says which and why.",
    ),
    (
        "bad_request",
        400,
        "The request could not be read (malformed JSON, a bad header or parameter).",
    ),
    (
        "unauthorized",
        401,
        "No bearer token, or one that is expired, revoked or unknown.",
    ),
    ("invalid_credentials", 401, "Wrong email or password."),
    ("forbidden", 403, "The token's user may not do this."),
    (
        "token_scope",
        403,
        "The token's scope does not cover this: a `door` token only checks codes in, a `buyer` token cannot check in or use the admin API. Make a token of the scope needed.",
    ),
    (
        "recent_log_in_required",
        403,
        "Making a personal access token needs a token minted with the password (`POST /api/v1/tokens`) in the last 15 minutes; managing them, a token minted with the password.",
    ),
    (
        "address_unconfirmed",
        403,
        "Holding these seats needs a confirmed address: the event is in high demand, or the account already has the bookings an account with an unconfirmed address may have (`UNCONFIRMED_BOOKINGS`, 1 by default). Follow the link mailed at registration, or ask for a new one at `/account/verify/resend`.",
    ),
    ("not_found", 404, "No such resource, or not one of yours."),
    (
        "complimentary_needs_admin",
        403,
        "Only an admin may record a box office sale as complimentary (free of charge).",
    ),
    (
        "unsupported_media_type",
        415,
        "The request has a body whose `Content-Type` is not JSON (`application/json`, or a `+json` type).",
    ),
    (
        "method_not_allowed",
        405,
        "The resource exists but not with this method.",
    ),
    ("sold_out", 409, "No seats of this ticket type are left."),
    (
        "selling_rule",
        409,
        "The quantity breaks the ticket type's cap or selling rule, or more seats were asked for than are left; `detail` says which.",
    ),
    (
        "not_yet_on_sale",
        409,
        "The ticket type's sale window has not opened yet; `detail` says when (also `sale_starts_at` on the ticket type).",
    ),
    (
        "sales_ended",
        409,
        "The ticket type's sale window has closed.",
    ),
    (
        "already_booked",
        409,
        "You already hold or own a booking for this event (`booking_id`).",
    ),
    (
        "not_on_sale",
        409,
        "The event has started, ended or been cancelled.",
    ),
    (
        "hold_expired",
        409,
        "The booking's hold has ended; book again.",
    ),
    ("already_paid", 409, "The booking is already paid."),
    (
        "not_on_hold",
        409,
        "Only a booking on hold can be cancelled.",
    ),
    (
        "not_refundable",
        409,
        "This paid booking cannot be refunded on request: the event does not offer it, or its window has closed (`detail` says which).",
    ),
    (
        "refund_under_way",
        409,
        "This booking's refund is already under way.",
    ),
    ("not_paid", 409, "Only a paid booking can be refunded."),
    (
        "checked_in",
        409,
        "A seat of this booking has been checked in at the door: its buyer can no longer cancel it or ask for a refund.",
    ),
    (
        "reason_required",
        409,
        "A seat of this booking has been checked in at the door: an admin refunds it only with a `reason`.",
    ),
    (
        "payment_processing",
        409,
        "The bank is still processing a payment for this booking.",
    ),
    (
        "not_a_draft",
        409,
        "Only an unpublished event without bookings can be deleted.",
    ),
    (
        "no_ticket_types",
        409,
        "An event without a ticket type cannot be published: add one first.",
    ),
    (
        "conflict",
        409,
        "The state of things refuses the request; `detail` says why.",
    ),
    (
        "idempotency_in_flight",
        409,
        "A request with this Idempotency-Key is still running: retry after `Retry-After` seconds.",
    ),
    (
        "idempotency_key_reused",
        422,
        "This Idempotency-Key was used with a different request.",
    ),
    (
        "idempotency_key_required",
        400,
        "This request needs an Idempotency-Key header.",
    ),
    (
        "payload_too_large",
        413,
        "The body is larger than the API accepts (16 KiB).",
    ),
    (
        "rate_limited",
        429,
        "Too many requests: retry after `Retry-After` seconds.",
    ),
    (
        "hold_limit",
        429,
        "This account has held seats as often as it may this hour: retry after `Retry-After` seconds.",
    ),
    (
        "address_hold_limit",
        429,
        "Seats have been held from this client address as often as one address may this hour (every account behind it together): retry after `Retry-After` seconds.",
    ),
    (
        "hold_cooldown",
        429,
        "Your last hold of this ticket type lapsed unpaid a moment ago; it stays with other buyers for a short cool-down: retry after `Retry-After` seconds.",
    ),
    (
        "login_throttled",
        429,
        "Too many failed log-ins for this account (or from this address): retry after `Retry-After` seconds, or use a personal access token.",
    ),
    (
        "unavailable",
        503,
        "A dependency (the database, the payment service) is busy or down: retry.",
    ),
    (
        "already_listed",
        409,
        "This booking is already listed for resale.",
    ),
    (
        "not_listed",
        409,
        "The listing is sold or withdrawn and can no longer change.",
    ),
    (
        "listing_locked",
        409,
        "A buyer holds the listing's lock while they pay (`RESALE_LOCK_MINUTES`): it cannot be bought by anyone else, repriced or withdrawn until they pay or the lock lapses.",
    ),
    (
        "version_mismatch",
        412,
        "The listing changed since it was read (`If-Match` names an older version): read it again.",
    ),
    (
        "not_offered",
        409,
        "The resale offer is no longer available (withdrawn, sold, or its booking no longer paid).",
    ),
    (
        "already_buying",
        409,
        "The buyer holds the lock of another resale offer of this event.",
    ),
    (
        "own_listing",
        409,
        "The seller cannot buy their own listing: withdraw it instead.",
    ),
    (
        "already_holding",
        409,
        "The buyer already holds a booking for this event; one booking per person per event holds.",
    ),
    (
        "resale_closed",
        409,
        "The event is cancelled or has started, or its organiser does not allow resale.",
    ),
    (
        "not_resellable",
        409,
        "The booking cost less than a card payment can be, so it cannot be resold; it can be given away.",
    ),
    (
        "disputed",
        409,
        "The booking's payment is disputed with the buyer's bank.",
    ),
    (
        "listed",
        409,
        "The booking is listed for resale: withdraw the listing first.",
    ),
    (
        "receiver_holds",
        409,
        "The person the booking is given to already has a booking for this event.",
    ),
    (
        "confirm_address",
        409,
        "Passing a booking on (resale, gift) needs a confirmed address (`UNCONFIRMED_MAY_PASS_ON`).",
    ),
    (
        "internal",
        500,
        "Something failed on our side; nothing was changed by this request.",
    ),
];

/// One field that failed validation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldError {
    /// The field's name in the request body (or the header or parameter).
    pub field: String,
    pub message: String,
}

/// An RFC 9457 problem, as sent.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProblemBody {
    /// A URI reference naming the problem type (its entry on the reference page).
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// The stable machine-readable code (see `type`).
    pub code: String,
    /// Per-field messages (`validation` only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// The booking that already exists (`already_booked` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub booking_id: Option<i32>,
}

/// A failed API request.
#[derive(Debug)]
pub struct Problem {
    pub status: StatusCode,
    pub code: &'static str,
    pub detail: String,
    pub errors: Vec<FieldError>,
    pub booking_id: Option<i32>,
    pub retry_after: Option<u64>,
    /// `error="invalid_token"` for a 401 with a token that did not work.
    pub bad_token: bool,
    /// What went wrong inside, for the log (5xx only).
    pub cause: Option<String>,
}

impl Problem {
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Problem {
        Problem {
            status,
            code,
            detail: detail.into(),
            errors: Vec::new(),
            booking_id: None,
            retry_after: None,
            bad_token: false,
            cause: None,
        }
    }

    pub fn bad_request(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::BAD_REQUEST, "bad_request", detail)
    }

    pub fn not_found() -> Problem {
        Problem::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "There is nothing here, or it is not yours.",
        )
    }

    pub fn unauthorized(bad_token: bool) -> Problem {
        let detail = if bad_token {
            "The bearer token is expired, revoked or unknown. Ask for a new one at POST /api/v1/tokens."
        } else {
            "This needs a bearer token: Authorization: Bearer <token> (POST /api/v1/tokens)."
        };
        Problem {
            bad_token,
            ..Problem::new(StatusCode::UNAUTHORIZED, "unauthorized", detail)
        }
    }

    /// 403 `token_scope`: the token's scope does not allow this operation.
    pub fn out_of_scope(scope: TokenScope, needed: &str) -> Problem {
        Problem::new(
            StatusCode::FORBIDDEN,
            "token_scope",
            format!("This token's scope is {scope}: it cannot {needed}."),
        )
    }

    pub fn forbidden() -> Problem {
        Problem::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "This token's account may not do this.",
        )
    }

    /// One field that failed.
    pub fn invalid(field: &str, message: impl Into<String>) -> Problem {
        Problem::fields(vec![FieldError {
            field: field.to_owned(),
            message: message.into(),
        }])
    }

    pub fn fields(errors: Vec<FieldError>) -> Problem {
        Problem {
            errors,
            ..Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation",
                "Some fields are missing or wrong: see `errors`.",
            )
        }
    }

    pub fn retry_after(mut self, seconds: u64) -> Problem {
        self.retry_after = Some(seconds.max(1));
        self
    }

    fn title(&self) -> &'static str {
        self.status.canonical_reason().unwrap_or("Error")
    }

    pub fn body(&self) -> ProblemBody {
        ProblemBody {
            kind: format!("{TYPES_BASE}{}", self.code),
            title: self.title().to_owned(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            code: self.code.to_owned(),
            errors: self.errors.clone(),
            booking_id: self.booking_id,
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.cause {
            Some(cause) => write!(f, "{} {}: {cause}", self.status.as_u16(), self.code),
            None => write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.detail),
        }
    }
}

impl ResponseError for Problem {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        response
            .content_type("application/problem+json")
            .insert_header((header::CACHE_CONTROL, "no-store"));
        if self.status == StatusCode::UNAUTHORIZED && self.code == "unauthorized" {
            let challenge = if self.bad_token {
                r#"Bearer realm="boxoffice", error="invalid_token""#
            } else {
                r#"Bearer realm="boxoffice""#
            };
            response.insert_header((header::WWW_AUTHENTICATE, challenge));
        }
        if let Some(seconds) = self.retry_after {
            response.insert_header((header::RETRY_AFTER, HeaderValue::from(seconds)));
        }
        response.json(self.body())
    }
}

impl From<FieldErrors> for Problem {
    fn from(errors: FieldErrors) -> Problem {
        Problem::fields(
            errors
                .iter()
                .map(|(field, message)| FieldError {
                    field: field.to_owned(),
                    message: message.to_owned(),
                })
                .collect(),
        )
    }
}

impl From<AppError> for Problem {
    fn from(error: AppError) -> Problem {
        let status = error.status_code();
        match error {
            AppError::NotFound | AppError::Database(diesel::result::Error::NotFound) => {
                Problem::not_found()
            }
            AppError::Forbidden | AppError::CsrfRejected => Problem::forbidden(),
            AppError::LoginRequired { .. } => Problem::unauthorized(false),
            AppError::BadRequest(message) => Problem::bad_request(message),
            AppError::Unprocessable { field, message } => Problem::invalid(field, message),
            AppError::Conflict(message) => Problem::new(StatusCode::CONFLICT, "conflict", message),
            AppError::Refused { code, message } => {
                Problem::new(StatusCode::CONFLICT, code, message)
            }
            AppError::PayloadTooLarge => Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "The body is larger than the API accepts (16 KiB).",
            ),
            AppError::TooManyRequests(message) => {
                Problem::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", message).retry_after(60)
            }
            AppError::Unavailable(message) => {
                Problem::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message).retry_after(2)
            }
            other if status == StatusCode::SERVICE_UNAVAILABLE => Problem {
                cause: Some(cause_chain(&other)),
                ..Problem::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "The shop is very busy or lost its database for a moment. Please retry.",
                )
                .retry_after(2)
            },
            other => Problem {
                cause: Some(cause_chain(&other)),
                ..Problem::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "Something failed on our side. Nothing was charged; please retry.",
                )
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_listed_once_and_app_errors_keep_their_status() {
        let mut codes: Vec<&str> = CODES.iter().map(|(code, ..)| *code).collect();
        codes.sort_unstable();
        let before = codes.len();
        codes.dedup();
        assert_eq!(before, codes.len());
        let refused = Problem::from(AppError::refused("hold_expired", "gone"));
        assert_eq!(
            (refused.status.as_u16(), refused.code),
            (409, "hold_expired")
        );
        assert!(
            CODES
                .iter()
                .any(|(code, status, _)| *code == "hold_expired" && *status == 409)
        );
        let internal = Problem::from(AppError::Internal("disk".into()));
        assert_eq!(internal.status.as_u16(), 500);
        assert!(!internal.body().detail.contains("disk"));
    }
}
