//! `GET /account/verify?token=…&next=…`: the page the address check link opens (a GET
//! changes nothing, so a mail scanner that opens links spends nothing); `POST
//! /account/verify`: confirms the address, logs the user in (the link's one use) and
//! leads to `next`, checked as the log-in's is. `GET /account/verify/resend`:
//! the logged-in user's address and whether it is confirmed; `POST` there mails a new
//! link (holding seats of a high-demand event needs a confirmed address).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use crate::app::{AppState, address_check};
use crate::domain::accounts::address_check::{Confirmation, Resent};
use crate::error::AppError;
use crate::web::csrf::CsrfForm;
use crate::web::flash;
use crate::web::handlers::auth::login_url;
use crate::web::identity::{self, CurrentUser, safe_next};
use crate::web::page::{Page, PageCtx, html, html_with_status, see_other};

#[derive(Template)]
#[template(path = "address_check.html")]
struct CheckPage {
    page: Page,
    token: String,
    next: String,
    /// The log-in page, keeping `next` (offered with a problem).
    login_link: String,
    problem: Option<&'static str>,
}

#[derive(Debug, Default, Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    next: Option<String>,
}

#[get("/account/verify")]
pub async fn page(ctx: PageCtx, query: web::Query<TokenForm>) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let next = safe_next(query.next.as_deref());
    html(&CheckPage {
        page: ctx.with_form("Confirm your address"),
        token: query.token,
        login_link: login_url(&next),
        next,
        problem: None,
    })
}

#[post("/account/verify")]
pub async fn confirm(
    state: web::Data<AppState>,
    ctx: PageCtx,
    CsrfForm(form): CsrfForm<TokenForm>,
) -> Result<HttpResponse, AppError> {
    let next = safe_next(form.next.as_deref());
    let (status, problem) = match address_check::confirm(&state, &form.token).await? {
        Confirmation::Confirmed {
            user_id,
            generation,
        } => {
            identity::log_in(&ctx.session, user_id, generation)?;
            flash::success(
                &ctx.session,
                "Thank you: your address is confirmed, and you are logged in.",
            );
            return Ok(see_other(&next));
        }
        Confirmation::AlreadyConfirmed => (
            StatusCode::GONE,
            "This link has been used already: your address is confirmed. Log in with your \
             email and password to go on.",
        ),
        Confirmation::Expired => (
            StatusCode::GONE,
            "This link has expired: links work for 24 hours. Log in with your email and \
             password, then ask for a new link from the page that asks you to confirm.",
        ),
        Confirmation::Invalid => (
            StatusCode::BAD_REQUEST,
            "This link is not one we sent, or it was cut short. Copy the whole link from the mail.",
        ),
    };
    html_with_status(
        status,
        &CheckPage {
            page: ctx.with_form("Confirm your address"),
            token: form.token,
            login_link: login_url(&next),
            next,
            problem: Some(problem),
        },
    )
}

#[derive(Template)]
#[template(path = "address_resend.html")]
struct ResendPage {
    page: Page,
    email: String,
    confirmed: bool,
}

#[get("/account/verify/resend")]
pub async fn resend_page(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
) -> Result<HttpResponse, AppError> {
    let account = address_check::account(&state, user.id).await?;
    html(&ResendPage {
        page: ctx.page("Confirm your address"),
        email: account.email,
        confirmed: account.email_verified_at.is_some(),
    })
}

/// The resend form: where the new link should lead (the event of a refused hold, say).
#[derive(Debug, Default, Deserialize)]
pub struct ResendForm {
    #[serde(default)]
    next: Option<String>,
}

#[post("/account/verify/resend")]
pub async fn resend(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    CsrfForm(form): CsrfForm<ResendForm>,
) -> Result<HttpResponse, AppError> {
    let next = Some(safe_next(form.next.as_deref())).filter(|next| next != "/");
    match address_check::resend(&state, user.id, next).await? {
        Resent::Sent => flash::success(
            &ctx.session,
            format!(
                "We mailed a new link to {}. Follow it to confirm your address.",
                user.email
            ),
        ),
        Resent::AlreadyConfirmed => {
            flash::info(&ctx.session, "Your address is already confirmed.");
        }
        Resent::TooOften { retry_after } => {
            return Err(AppError::TooManyRequests(format!(
                "We have mailed you several links in the last hour. Please check your inbox \
                 (and spam folder), or ask again in {} minutes.",
                retry_after.div_ceil(60).max(1)
            )));
        }
    }
    Ok(see_other("/account/verify/resend"))
}
