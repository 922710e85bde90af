//! `GET /admin/outbox`: messages not delivered yet (pending, failing, dead) with their
//! last error; `POST /admin/outbox/{id}/retry`: "retry now" for a dead one.

use actix_web::{HttpResponse, get, post, web};
use askama::Template;

use crate::app::{AppState, messages};
use crate::db::outbox::OutboxRow;
use crate::error::AppError;
use crate::web::csrf::{CsrfForm, NoFields};
use crate::web::flash;
use crate::web::identity::AdminUser;
use crate::web::page::{Page, PageCtx, html, see_other};
use crate::web::views;

#[derive(Template)]
#[template(path = "admin/outbox.html")]
struct OutboxPage {
    page: Page,
    messages: Vec<OutboxRow>,
}

impl OutboxPage {
    /// "pending", "failing" (pending after a failed attempt) or "dead".
    fn state(&self, row: &OutboxRow) -> &'static str {
        match (row.status.as_str(), row.attempts) {
            ("dead", _) => "dead",
            (_, 0) => "pending",
            _ => "failing",
        }
    }

    fn when(&self, time: &chrono::NaiveDateTime) -> String {
        views::when(time)
    }
}

#[get("/admin/outbox")]
pub async fn list(
    _admin: AdminUser,
    state: web::Data<AppState>,
    ctx: PageCtx,
) -> Result<HttpResponse, AppError> {
    let messages = messages::undelivered(&state).await?;
    html(&OutboxPage {
        page: ctx.page("Admin: outbox"),
        messages,
    })
}

#[post("/admin/outbox/{id}/retry")]
pub async fn retry(
    _admin: AdminUser,
    state: web::Data<AppState>,
    ctx: PageCtx,
    path: web::Path<i32>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    match messages::retry_dead(&state, path.into_inner()).await {
        Ok(()) => flash::success(&ctx.session, "The message will be sent again shortly."),
        Err(AppError::Conflict(message)) => flash::error(&ctx.session, message),
        Err(other) => return Err(other),
    }
    Ok(see_other("/admin/outbox"))
}
