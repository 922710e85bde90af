//! `GET /admin`: every event with sold / held / available per ticket type.

use actix_web::{HttpResponse, get, web};
use askama::Template;

use crate::app::{AppState, admin};
use crate::domain::event_admin::EventSales;
use crate::error::AppError;
use crate::web::identity::AdminUser;
use crate::web::page::{Page, PageCtx, html};
use crate::web::views;

#[derive(Template)]
#[template(path = "admin/dashboard.html")]
struct DashboardPage {
    page: Page,
    events: Vec<EventSales>,
}

#[get("/admin")]
pub async fn dashboard(
    _admin: AdminUser,
    state: web::Data<AppState>,
    ctx: PageCtx,
) -> Result<HttpResponse, AppError> {
    let events = admin::overview(&state).await?;
    html(&DashboardPage {
        page: ctx.page("Admin: events and sales"),
        events,
    })
}
