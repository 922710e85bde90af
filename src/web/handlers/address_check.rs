//! `GET /account/verify?token=…`: the page the address check link opens (a GET changes
//! nothing); `POST /account/verify`: confirms the address.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use crate::app::{AppState, address_check};
use crate::domain::address_check::Confirmation;
use crate::error::AppError;
use crate::web::csrf::CsrfForm;
use crate::web::flash;
use crate::web::page::{Page, PageCtx, html, html_with_status, see_other};

#[derive(Template)]
#[template(path = "address_check.html")]
struct CheckPage {
    page: Page,
    token: String,
    problem: Option<&'static str>,
}

#[derive(Debug, Default, Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    token: String,
}

#[get("/account/verify")]
pub async fn page(ctx: PageCtx, query: web::Query<TokenForm>) -> Result<HttpResponse, AppError> {
    html(&CheckPage {
        page: ctx.with_form("Confirm your address"),
        token: query.into_inner().token,
        problem: None,
    })
}

#[post("/account/verify")]
pub async fn confirm(
    state: web::Data<AppState>,
    ctx: PageCtx,
    CsrfForm(form): CsrfForm<TokenForm>,
) -> Result<HttpResponse, AppError> {
    let problem = match address_check::confirm(&state, &form.token).await? {
        Confirmation::Confirmed | Confirmation::AlreadyConfirmed => {
            flash::success(&ctx.session, "Thank you: your address is confirmed.");
            return Ok(see_other("/"));
        }
        Confirmation::Expired => {
            "This link has expired. Log in and book as usual; we will check your address another time."
        }
        Confirmation::Invalid => {
            "This link is not one we sent, or it was cut short. Copy the whole link from the mail."
        }
    };
    html_with_status(
        StatusCode::BAD_REQUEST,
        &CheckPage {
            page: ctx.with_form("Confirm your address"),
            token: form.token,
            problem: Some(problem),
        },
    )
}
