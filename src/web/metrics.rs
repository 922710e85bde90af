//! Request metrics: a middleware that counts every answer by route pattern, method and
//! status class and records how long it took, and `GET /metrics` for Prometheus, off
//! unless `METRICS_TOKEN` is set, and then only for that bearer token.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::{Error, HttpRequest, HttpResponse, get, web};
use subtle::ConstantTimeEq;

use crate::app::AppState;
use crate::app::metrics::{CONTENT_TYPE, RequestLabels, scrape};
use crate::error::AppError;

/// Counts the request once it is answered. The route label is the matched pattern
/// (`/events/{id}`), never the path, so each route is one series whatever the ids.
pub async fn track(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let method = method_label(req.method());
    let result = next.call(req).await;
    if let Some(state) = state {
        let (route, status) = match &result {
            Ok(response) => (
                response.request().match_pattern(),
                response.status().as_u16(),
            ),
            Err(error) => (None, error.as_response_error().status_code().as_u16()),
        };
        let labels = RequestLabels {
            method: method.to_owned(),
            route: route.unwrap_or_else(|| "unmatched".to_owned()),
            status: format!("{}xx", status / 100),
        };
        state.metrics.observe_request(&labels, started.elapsed());
    }
    result
}

/// Standard methods by name; anything else is one label, so a client cannot add series.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Whether the request carries the configured bearer token (compared in constant time).
fn bearer_matches(req: &HttpRequest, token: &str) -> bool {
    req.headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .is_some_and(|given| bool::from(given.trim().as_bytes().ct_eq(token.as_bytes())))
}

/// Off (no `METRICS_TOKEN`), it is the shop's ordinary 404 page, as for any unknown path.
#[get("/metrics")]
pub async fn exposition(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let Some(token) = &state.settings.metrics_token else {
        return Err(AppError::NotFound);
    };
    if !bearer_matches(&req, token.expose()) {
        return Ok(HttpResponse::Unauthorized()
            .insert_header((header::WWW_AUTHENTICATE, "Bearer"))
            .content_type("text/plain")
            .body("a bearer token is required"));
    }
    match scrape(&state).await {
        Ok(body) => Ok(HttpResponse::Ok()
            .content_type(CONTENT_TYPE)
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body(body)),
        Err(error) => {
            log::warn!("metrics scrape failed: {error}");
            Ok(HttpResponse::ServiceUnavailable()
                .content_type("text/plain")
                .body("metrics unavailable"))
        }
    }
}
