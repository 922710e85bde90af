//! `GET /admin/events/{id}/bookings`: an event's bookings (email, type, seats, status,
//! paid at), newest first, page by page.

use actix_web::{HttpResponse, get, web};
use askama::Template;
use serde::Deserialize;

use crate::app::AppState;
use crate::app::admin::{self, BookingsPage};
use crate::error::AppError;
use crate::web::identity::AdminUser;
use crate::web::page::{Page, PageCtx, html};
use crate::web::views;

#[derive(Template)]
#[template(path = "admin/bookings.html")]
struct BookingsListPage {
    page: Page,
    list: BookingsPage,
}

#[derive(Debug, Deserialize)]
pub struct PageQuery {
    page: Option<i64>,
}

#[get("/admin/events/{id}/bookings")]
pub async fn list(
    _admin: AdminUser,
    state: web::Data<AppState>,
    ctx: PageCtx,
    path: web::Path<i32>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let list = admin::bookings(&state, path.into_inner(), query.page.unwrap_or(1)).await?;
    html(&BookingsListPage {
        page: ctx.page(format!("Bookings for {}", list.event.title)),
        list,
    })
}
