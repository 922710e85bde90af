//! Error pages with the visitor's own header: `AppError`'s `ResponseError` renders a page
//! without the request, so a 4xx page (403, 404, 409, …) is rendered again here with the
//! session's user, and a logged-in user keeps their navigation and log-out button.

use actix_session::SessionExt;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{Error, web};

use super::errors::error_page;
use super::page::Page;
use super::{assets, csrf, identity};
use crate::app::AppState;
use crate::error::AppError;

/// The middleware (inside the session middleware, so the page's CSRF token is kept).
pub async fn with_user(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let response = next.call(req).await?.map_into_boxed_body();
    let status = response.status();
    // A flood of 429s costs no session look-up; the API answers in JSON of its own.
    if !status.is_client_error()
        || status == StatusCode::TOO_MANY_REQUESTS
        || response.request().path().starts_with("/api/")
    {
        return Ok(response);
    }
    let Some(app_error) = response
        .response()
        .error()
        .and_then(|error| error.as_error::<AppError>())
    else {
        return Ok(response);
    };
    if matches!(app_error, AppError::LoginRequired { .. }) {
        return Ok(response);
    }
    let request = response.request().clone();
    // Anonymous, or the look-up failed: the bare page already rendered stands.
    let Ok(Some(user)) = identity::maybe_user(&request).await else {
        return Ok(response);
    };
    let test_mode = request
        .app_data::<web::Data<AppState>>()
        .is_some_and(|state| state.test_mode());
    let (heading, _) = app_error.words();
    let page = Page {
        title: heading.to_owned(),
        user: Some(user),
        csrf_token: csrf::token(&request.get_session()),
        flash: None,
        test_mode,
        css_url: assets::css_url(),
    };
    let rendered = error_page(app_error, page);
    Ok(ServiceResponse::new(request, rendered))
}
