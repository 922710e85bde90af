//! The public pages: the list of upcoming events and one event with its ticket types.

use actix_web::{HttpResponse, get, web};
use askama::Template;
use serde::Deserialize;

use crate::db::models::Ticket;
use crate::db::tickets;
use crate::domain::catalogue::{self, CataloguePage, Listing};
use crate::domain::reservation;
use crate::error::AppError;
use crate::web::page::{Page, PageCtx, html};
use crate::web::state::AppState;
use crate::web::views;

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    page: Page,
    catalogue: CataloguePage,
}

#[derive(Debug, Deserialize)]
pub struct PageQuery {
    page: Option<i64>,
}

#[get("/")]
pub async fn home(
    state: web::Data<AppState>,
    ctx: PageCtx,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let page_number = query.page.unwrap_or(1);
    let catalogue = state
        .db(move |conn| catalogue::upcoming(conn, now, page_number))
        .await?;
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
    my_ticket: Option<Ticket>,
}

#[get("/events/{id}")]
pub async fn event(
    state: web::Data<AppState>,
    ctx: PageCtx,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let now = state.clock.now();
    let viewer = ctx.user.clone();
    let (listing, my_ticket) = state
        .db(move |conn| {
            let is_admin = viewer.as_ref().is_some_and(|u| u.is_admin);
            let listing = catalogue::event_for_viewer(conn, id, is_admin)?;
            let my_ticket = match &viewer {
                Some(user) => tickets::find_by_user_and_event(conn, user.id, id)?
                    .filter(|t| reservation::is_live(t, now)),
                None => None,
            };
            Ok((listing, my_ticket))
        })
        .await?;
    let on_sale = listing.event.published && listing.event.starts_at > now;
    html(&EventPage {
        page: ctx.page(listing.event.title.clone()),
        listing,
        on_sale,
        my_ticket,
    })
}
