//! `GET /admin`: every event with sold / held / available per ticket type, a page of
//! them at a time (keyset links: `?after=` / `?before=`), newest start first.

use actix_web::{HttpResponse, get, web};
use askama::Template;

use crate::app::{AppState, admin};
use crate::domain::event_admin::Overview;
use crate::error::AppError;
use crate::web::identity::AdminUser;
use crate::web::page::{Page, PageCtx, html};
use crate::web::page_links::PageQuery;
use crate::web::views;

#[derive(Template)]
#[template(path = "admin/dashboard.html")]
struct DashboardPage {
    page: Page,
    overview: Overview,
}

#[get("/admin")]
pub async fn dashboard(
    _admin: AdminUser,
    state: web::Data<AppState>,
    ctx: PageCtx,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let overview = admin::overview(&state, query.page_at()?).await?;
    html(&DashboardPage {
        page: ctx.page("Admin: events and sales"),
        overview,
    })
}
