//! Running a changing request under its `Idempotency-Key`: the first request with a key
//! runs and its answer (below 500, a 429 excepted) is kept 24 hours in the database; the
//! same key, body and user get that answer again from any instance; another body gets
//! 422; a request while the first still runs gets 409 with `Retry-After`.

use std::future::Future;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError};

use super::answer::Answer;
use super::problem::Problem;
use crate::app::{AppState, api_idempotency};
use crate::domain::api::idempotency::{Begin, fingerprint, valid_key};

pub const HEADER: &str = "Idempotency-Key";

/// Whether a request must carry a key (bookings and checkout) or may.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Required,
    Optional,
}

/// Runs `work` for `user_id` under the request's idempotency key, if any.
pub async fn run<F, Fut>(
    state: &AppState,
    req: &HttpRequest,
    user_id: i32,
    body: &[u8],
    key_rule: Key,
    work: F,
) -> HttpResponse
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<Answer, Problem>>,
{
    let key = match req.headers().get(HEADER) {
        None if key_rule == Key::Required => {
            return Problem::new(
                StatusCode::BAD_REQUEST,
                "idempotency_key_required",
                "Send an Idempotency-Key header (a UUID, say) with this request, so a retry is safe.",
            )
            .error_response();
        }
        None => return respond(work().await),
        Some(value) => match value.to_str().ok().filter(|key| valid_key(key)) {
            Some(key) => key.to_owned(),
            None => {
                return Problem::invalid(
                    HEADER,
                    "An Idempotency-Key is 1 to 255 visible ASCII characters.",
                )
                .error_response();
            }
        },
    };
    let path = req
        .uri()
        .path_and_query()
        .map_or(req.path(), |p| p.as_str());
    let hash = fingerprint(req.method().as_str(), path, body);
    let claim = match api_idempotency::begin(state, user_id, &key, hash).await {
        Ok(Begin::Run(claim)) => claim,
        Ok(Begin::Replay(kept)) => return Answer::replay(kept),
        Ok(Begin::InFlight { retry_after }) => {
            return Problem::new(
                StatusCode::CONFLICT,
                "idempotency_in_flight",
                "A request with this Idempotency-Key is still running. Retry in a moment to get its answer.",
            )
            .retry_after(u64::try_from(retry_after).unwrap_or(1))
            .error_response();
        }
        Ok(Begin::Mismatch) => {
            return Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "This Idempotency-Key was used with a different request. Use a new key for a new request.",
            )
            .error_response();
        }
        Err(error) => return HttpResponse::from_error(Problem::from(error)),
    };
    let outcome = work().await;
    if let Err(error) = api_idempotency::finish(state, claim, Answer::kept(&outcome)).await {
        // The request's effect stands; only its replay is lost (a retry finds the
        // key running until its lease ends, then runs again, idempotent by the rules).
        log::error!(
            "keeping the answer of idempotency key {}: {error}",
            claim.id
        );
    }
    respond(outcome)
}

fn respond(outcome: Result<Answer, Problem>) -> HttpResponse {
    match outcome {
        Ok(answer) => answer.respond(),
        // Kept as the response's error, so a 5xx is logged with its cause.
        Err(problem) => HttpResponse::from_error(problem),
    }
}
