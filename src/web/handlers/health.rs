//! `GET /healthz` for load balancers: 200 when the database answers, 503 when not.

use actix_web::{HttpResponse, get, web};
use diesel::RunQueryDsl;

use crate::web::state::AppState;

#[get("/healthz")]
pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let answered = state
        .db(|conn| Ok(diesel::sql_query("SELECT 1").execute(conn)?))
        .await;
    match answered {
        Ok(_) => HttpResponse::Ok().content_type("text/plain").body("ok"),
        Err(error) => {
            log::warn!("health check failed: {error}");
            HttpResponse::ServiceUnavailable()
                .content_type("text/plain")
                .body("database unavailable")
        }
    }
}
