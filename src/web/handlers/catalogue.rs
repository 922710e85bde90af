//! The public pages: the list of upcoming events and one event with its ticket types.

use actix_web::{HttpResponse, get, web};
use askama::Template;

use crate::app::AppState;
use crate::app::catalogue::{self, Viewer};
use crate::db::models::Booking;
use crate::domain::catalogue::browse::{CataloguePage, Listing};
use crate::error::AppError;
use crate::web::page::{Page, PageCtx, html};
use crate::web::page_links::PageQuery;
use crate::web::views;

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    page: Page,
    catalogue: CataloguePage,
}

#[get("/")]
pub async fn home(
    state: web::Data<AppState>,
    ctx: PageCtx,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let catalogue = catalogue::upcoming(&state, query.page_at()?).await?;
    html(&HomePage {
        page: ctx.page("Upcoming events"),
        catalogue,
    })
}

#[derive(Template)]
#[template(path = "event.html")]
struct EventPage {
    page: Page,
    listing: Listing,
    on_sale: bool,
    my_booking: Option<Booking>,
    now: chrono::NaiveDateTime,
}

#[get("/events/{id}")]
pub async fn event(
    state: web::Data<AppState>,
    ctx: PageCtx,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let viewer = ctx.user.as_ref().map(|user| Viewer {
        user_id: user.id,
        is_admin: user.is_admin,
    });
    let view = catalogue::event(&state, path.into_inner(), viewer).await?;
    html(&EventPage {
        page: ctx.page(view.listing.event.title.clone()),
        listing: view.listing,
        on_sale: view.on_sale,
        my_booking: view.my_booking,
        now: view.now,
    })
}
