//! The JSON API's rate limits, in front of every API route: requests per minute per token
//! (or per client address without one) and per user (all their tokens together), and
//! booking and checkout requests per minute per user. Every answer says where the caller
//! stands (`RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset`); a refusal is 429
//! with `Retry-After`. The counts are shared by every instance (`app::limits`).

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{Error, HttpResponse, web};

use super::caller::{self, Bearer};
use super::problem::Problem;
use crate::app::{AppState, limits};
use crate::domain::accounts::token_scope::TokenScope;
use crate::domain::limits::{Quota, Subject};
use crate::web::client_address;

/// Whether a request books or pays (the stricter, per-user limit).
fn books_or_pays(method: &Method, path: &str) -> bool {
    if method != Method::POST {
        return false;
    }
    let path = path.trim_end_matches('/');
    (path.starts_with("/api/v1/events/") && path.ends_with("/bookings"))
        || (path.starts_with("/api/v1/bookings/") && path.ends_with("/checkout"))
        || (path.starts_with("/api/v1/resale/") && path.ends_with("/purchase"))
}

pub async fn enforce(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let bearer = match caller::resolve(req.request()).await {
        Ok(bearer) => bearer,
        Err(problem) => return Ok(req.into_response(HttpResponse::from_error(problem))),
    };
    let settings = &state.settings.limits;
    let mut asks = Vec::with_capacity(3);
    match &bearer {
        // A door token checks codes in and nothing else: its own allowance, sized for a
        // gate, stands in for the general ones.
        Bearer::Valid(holder) if holder.scope == TokenScope::Door => asks.push((
            settings.api_door_requests_per_token,
            Subject::token(holder.token_id),
        )),
        Bearer::Valid(holder) => {
            asks.push((
                settings.api_requests_per_token,
                Subject::token(holder.token_id),
            ));
            asks.push((
                settings.api_requests_per_user,
                Subject::user(holder.user_id),
            ));
            if books_or_pays(req.method(), req.path()) {
                asks.push((
                    settings.api_bookings_per_user,
                    Subject::user(holder.user_id),
                ));
            }
        }
        _ => asks.push((
            settings.api_requests_per_token,
            Subject::address(&client_address::of(
                req.request(),
                &state.settings.client_addresses,
            )),
        )),
    }
    let quota = match limits::take_all(&state, asks).await {
        Ok(quota) => quota,
        Err(error) => {
            return Ok(req.into_response(HttpResponse::from_error(Problem::from(error))));
        }
    };
    if !quota.allowed {
        let problem = Problem::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!(
                "Too many requests: {} a minute are allowed here. Retry after the time in Retry-After.",
                quota.limit
            ),
        )
        .retry_after(quota.reset_after.as_secs().max(1));
        let mut response = req.into_response(HttpResponse::from_error(problem));
        tell(response.headers_mut(), quota);
        return Ok(response);
    }
    let mut response = next.call(req).await?.map_into_boxed_body();
    tell(response.headers_mut(), quota);
    Ok(response)
}

/// The `RateLimit-*` headers (the IETF httpapi draft's names).
fn tell(headers: &mut actix_web::http::header::HeaderMap, quota: Quota) {
    if quota.limit == 0 {
        return;
    }
    let reset = quota.reset_after.as_secs().max(1);
    for (name, value) in [
        ("ratelimit-limit", u64::from(quota.limit)),
        ("ratelimit-remaining", u64::from(quota.remaining)),
        ("ratelimit-reset", reset),
    ] {
        headers.insert(HeaderName::from_static(name), HeaderValue::from(value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booking_and_checkout_posts_are_the_stricter_kind() {
        assert!(books_or_pays(&Method::POST, "/api/v1/events/3/bookings"));
        assert!(books_or_pays(&Method::POST, "/api/v1/bookings/9/checkout"));
        assert!(!books_or_pays(&Method::GET, "/api/v1/bookings"));
        assert!(!books_or_pays(&Method::POST, "/api/v1/bookings/9/cancel"));
        assert!(!books_or_pays(&Method::POST, "/api/v1/tokens"));
    }
}
