//! `GET /admin/events/{id}/sales` and `GET /admin/sales`: an event's (or the whole
//! shop's) sales at a glance: seats sold / held / available / checked in, money in,
//! back and kept per currency, bookings and seats, holds that became payments, and the
//! seats sold per day (per hour when every sale fell on one day) as an SVG chart with
//! the same figures in a table beside it.

use actix_web::{HttpResponse, get, web};
use askama::Template;

use crate::app::{AppState, sales};
use crate::db::models::Event;
use crate::domain::desk::sales::Figures;
use crate::error::AppError;
use crate::web::chart::{self, ChartView};
use crate::web::identity::AdminUser;
use crate::web::page::{Page, PageCtx, html};
use crate::web::views;

#[derive(Template)]
#[template(path = "admin/sales.html")]
struct SalesPage {
    page: Page,
    /// `None`: the whole shop.
    event: Option<Event>,
    figures: Figures,
    chart: ChartView,
    width: i64,
    height: i64,
}

impl SalesPage {
    fn money(&self, pennies: impl std::borrow::Borrow<i64>, currency: &str) -> String {
        views::money(*pennies.borrow(), currency)
    }
}

fn page_of(page: Page, event: Option<Event>, figures: Figures) -> SalesPage {
    SalesPage {
        page,
        event,
        chart: chart::view(&figures.chart),
        figures,
        width: chart::WIDTH,
        height: chart::HEIGHT,
    }
}

#[get("/admin/events/{id}/sales")]
pub async fn event_sales(
    _admin: AdminUser,
    state: web::Data<AppState>,
    ctx: PageCtx,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let (event, figures) = sales::for_event(&state, path.into_inner()).await?;
    let page = ctx.page(format!("Sales of {}", event.title));
    html(&page_of(page, Some(event), figures))
}

#[get("/admin/sales")]
pub async fn shop_sales(
    _admin: AdminUser,
    state: web::Data<AppState>,
    ctx: PageCtx,
) -> Result<HttpResponse, AppError> {
    let figures = sales::for_shop(&state).await?;
    html(&page_of(ctx.page("Sales of the shop"), None, figures))
}
