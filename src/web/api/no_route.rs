//! The answer for anything under `/api/v1` that is not routed: 405 with `Allow` for a
//! path the document has with other methods, 404 otherwise.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError, http::StatusCode};

use super::problem::Problem;

/// Anything under /api/v1 that is not routed: 405 with `Allow` for a path that exists
/// with other methods, 404 otherwise.
pub async fn no_route(req: actix_web::HttpRequest) -> Result<HttpResponse, Problem> {
    match super::openapi::methods_of(req.path()) {
        Some(methods) => {
            let allow = methods
                .iter()
                .map(|m| m.to_uppercase())
                .collect::<Vec<_>>()
                .join(", ");
            let mut response = Problem::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                format!("This resource answers {allow} only."),
            )
            .error_response();
            if let Ok(value) = HeaderValue::from_str(&allow) {
                response.headers_mut().insert(header::ALLOW, value);
            }
            Ok(response)
        }
        None => Err(Problem::not_found()),
    }
}
