//! What every page's layout needs (title, user, CSRF token, flash, test-mode banner),
//! and rendering a template into a response.

use std::future::Future;
use std::pin::Pin;

use actix_session::{Session, SessionExt};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{FromRequest, HttpRequest, HttpResponse, dev::Payload, web};
use askama::Template;

use super::flash::{self, Flash};
use super::identity::{CurrentUser, MaybeUser};
use super::{assets, csrf};
use crate::app::AppState;
use crate::error::AppError;

/// The layout's data, built per request.
#[derive(Debug, Clone)]
pub struct Page {
    pub title: String,
    pub user: Option<CurrentUser>,
    pub csrf_token: String,
    pub flash: Option<Flash>,
    pub test_mode: bool,
    pub css_url: &'static str,
}

impl Page {
    /// A page with no session behind it (error pages).
    pub fn bare(title: impl Into<String>, test_mode: bool) -> Page {
        Page {
            title: title.into(),
            user: None,
            csrf_token: String::new(),
            flash: None,
            test_mode,
            css_url: assets::css_url(),
        }
    }
}

/// The request's side of a page: its session and user.
pub struct PageCtx {
    pub session: Session,
    pub user: Option<CurrentUser>,
    test_mode: bool,
}

impl PageCtx {
    /// The layout data; a CSRF token is made only when a form needs one (a logged-in
    /// user's log-out button, or `with_form`), so anonymous browsing sets no cookie.
    pub fn page(&self, title: impl Into<String>) -> Page {
        let csrf_token = if self.user.is_some() {
            csrf::token(&self.session)
        } else {
            String::new()
        };
        self.build(title.into(), csrf_token)
    }

    /// The layout data of a page with a form for anyone (log in, register).
    pub fn with_form(&self, title: impl Into<String>) -> Page {
        let csrf_token = csrf::token(&self.session);
        self.build(title.into(), csrf_token)
    }

    fn build(&self, title: String, csrf_token: String) -> Page {
        Page {
            title,
            user: self.user.clone(),
            csrf_token,
            flash: flash::take(&self.session),
            test_mode: self.test_mode,
            css_url: assets::css_url(),
        }
    }
}

impl FromRequest for PageCtx {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let session = req.get_session();
        let test_mode = req
            .app_data::<web::Data<AppState>>()
            .is_some_and(|state| state.test_mode());
        let user = MaybeUser::from_request(req, payload);
        Box::pin(async move {
            Ok(PageCtx {
                session,
                user: user.await?.0,
                test_mode,
            })
        })
    }
}

/// Renders a template as a 200 HTML response.
pub fn html<T: Template>(template: &T) -> Result<HttpResponse, AppError> {
    html_with_status(StatusCode::OK, template)
}

/// Renders a template with a status (422 for a form with errors, say).
pub fn html_with_status<T: Template>(
    status: StatusCode,
    template: &T,
) -> Result<HttpResponse, AppError> {
    let body = template
        .render()
        .map_err(|error| AppError::Internal(format!("template: {error}")))?;
    // Static header values (no parsing of names and values from text on every page).
    Ok(HttpResponse::build(status)
        .insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        ))
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .body(body))
}

/// A 303 redirect (POST → redirect → GET). A location that cannot be a header value
/// (a control character, say) goes to the front page instead of failing the request.
pub fn see_other(location: &str) -> HttpResponse {
    let location = actix_web::http::header::HeaderValue::from_str(location)
        .unwrap_or_else(|_| actix_web::http::header::HeaderValue::from_static("/"));
    HttpResponse::SeeOther()
        .insert_header((actix_web::http::header::LOCATION, location))
        .finish()
}
