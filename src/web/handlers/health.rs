//! `GET /healthz` for load balancers: 200 when the database answers, 503 when not.

use actix_web::{HttpResponse, get, web};

use crate::app::{AppState, health};

#[get("/healthz")]
pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    match health::check(&state).await {
        Ok(()) => HttpResponse::Ok().content_type("text/plain").body("ok"),
        Err(error) => {
            log::warn!("health check failed: {error}");
            HttpResponse::ServiceUnavailable()
                .content_type("text/plain")
                .body("database unavailable")
        }
    }
}
