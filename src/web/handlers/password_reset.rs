//! "Forgot your password?": `GET/POST /password/forgot` asks for a link (the same
//! answer whether or not the address has an account, and whether or not its mails are
//! past their limit); `GET/POST /password/reset` sets a new password with the link's
//! token, which ends every session, API token, other link and known device of the user.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use crate::app::AppState;
use crate::app::password_reset::{self, Asked, Reset};
use crate::domain::common::form_errors::FieldErrors;
use crate::error::AppError;
use crate::web::csrf::CsrfForm;
use crate::web::page::{Page, PageCtx, html, html_with_status, see_other};
use crate::web::{client_address, flash};

#[derive(Template)]
#[template(path = "password_forgot.html")]
struct ForgotPage {
    page: Page,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "password_reset.html")]
struct ResetPage {
    page: Page,
    token: String,
    link_works: bool,
    errors: FieldErrors,
}

#[derive(Debug, Default, Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    email: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
}

/// What everyone who asks for a link is told.
const ASKED: &str = "If that address has an account, we have sent it a link to choose a \
     new password. The link works for one hour.";

#[get("/password/forgot")]
pub async fn forgot_form(ctx: PageCtx) -> Result<HttpResponse, AppError> {
    html(&ForgotPage {
        page: ctx.with_form("Forgot your password?"),
        error: None,
    })
}

/// Asks for a link. A sent mail, an unknown address and an account whose mails are
/// past their limit all get this same answer; only an address that asked too often is
/// told so (429).
#[post("/password/forgot")]
pub async fn forgot(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    CsrfForm(form): CsrfForm<ForgotForm>,
) -> Result<HttpResponse, AppError> {
    let address = client_address::of(&req, &state.settings.client_addresses);
    match password_reset::ask(&state, &address, &form.email).await? {
        Asked::Answered => {
            flash::info(&ctx.session, ASKED);
            Ok(see_other("/login"))
        }
        Asked::TooManyFromAddress { retry_after } => {
            let mut response = html_with_status(
                StatusCode::TOO_MANY_REQUESTS,
                &ForgotPage {
                    page: ctx.with_form("Forgot your password?"),
                    error: Some(
                        "Too many reset links were asked for from your network. Please try \
                         again later."
                            .to_owned(),
                    ),
                },
            )?;
            response.headers_mut().insert(
                actix_web::http::header::RETRY_AFTER,
                actix_web::http::header::HeaderValue::from(retry_after),
            );
            Ok(response)
        }
    }
}

#[get("/password/reset")]
pub async fn reset_form(
    state: web::Data<AppState>,
    ctx: PageCtx,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, AppError> {
    let token = query.into_inner().token;
    let link_works = password_reset::link_works(&state, &token).await?;
    let page = ResetPage {
        page: ctx.with_form("Choose a new password"),
        token,
        link_works,
        errors: FieldErrors::default(),
    };
    if link_works {
        html(&page)
    } else {
        html_with_status(StatusCode::GONE, &page)
    }
}

#[post("/password/reset")]
pub async fn reset(
    state: web::Data<AppState>,
    ctx: PageCtx,
    CsrfForm(form): CsrfForm<ResetForm>,
) -> Result<HttpResponse, AppError> {
    let page = |link_works, errors| ResetPage {
        page: ctx.with_form("Choose a new password"),
        token: form.token.clone(),
        link_works,
        errors,
    };
    match password_reset::reset(&state, &form.token, &form.password).await? {
        Reset::Done => {
            flash::success(
                &ctx.session,
                "Your password is changed and every session was logged out. Log in with the new password.",
            );
            Ok(see_other("/login"))
        }
        Reset::LinkDead => html_with_status(StatusCode::GONE, &page(false, FieldErrors::default())),
        Reset::Invalid(errors) => {
            html_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page(true, errors))
        }
    }
}
