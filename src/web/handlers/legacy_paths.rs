//! The buyer's booking pages moved from `/tickets…` to `/bookings…`: every old path
//! (in mails already sent, bookmarks, pages open in a tab) answers a permanent redirect
//! to its new place. 308 keeps the method and body, so a form posted from a page opened
//! before the move (pay, cancel) still arrives, with its CSRF token.

use actix_web::http::header::{HeaderValue, LOCATION};
use actix_web::{HttpRequest, HttpResponse, web};

const OLD: &str = "/tickets";
const NEW: &str = "/bookings";

/// `/tickets` and everything under it, whatever the method.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource(OLD).to(moved))
        .service(web::resource(format!("{OLD}/{{rest:.*}}")).to(moved));
}

/// The same path and query under `/bookings`.
async fn moved(req: HttpRequest) -> HttpResponse {
    let rest = req.uri().path().strip_prefix(OLD).unwrap_or_default();
    let location = match req.uri().query() {
        Some(query) => format!("{NEW}{rest}?{query}"),
        None => format!("{NEW}{rest}"),
    };
    let location = HeaderValue::from_str(&location).unwrap_or(HeaderValue::from_static(NEW));
    HttpResponse::PermanentRedirect()
        .insert_header((LOCATION, location))
        .finish()
}
