//! `HEAD` for every `GET` route, API and pages alike: actix routes `web::get()` (and
//! `#[get]`) to GET only, so a HEAD request is answered as the GET it stands for, with
//! the same status and headers (`Content-Length` included), and actix-http sends no body
//! for a request that arrived as HEAD.

use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;

/// The middleware: routes a HEAD as a GET. The connection's codec remembers the method
/// the request arrived with and writes the headers only.
pub async fn as_get(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    if req.method() == Method::HEAD {
        req.head_mut().method = Method::GET;
    }
    next.call(req).await
}
