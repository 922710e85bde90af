//! The public pages: the list of upcoming events and one event with its ticket types
//! (with a choice kept through logging in shown selected).

use actix_web::{HttpResponse, get, web};
use askama::Template;
use serde::Deserialize;

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
    /// The choice to show selected (ticket type, seats), kept from before logging in.
    chosen: Option<(i32, i32)>,
    offers: Vec<crate::domain::resale::ResaleOffer>,
}

impl EventPage {
    /// Whether `quantity` seats of `ticket_type_id` is the choice kept.
    fn is_chosen(&self, ticket_type_id: &i32, quantity: &i32) -> bool {
        self.chosen == Some((*ticket_type_id, *quantity))
    }

    /// The cheapest resale offer of a ticket type, when there is one ("€20.00").
    fn resale_from(&self, ticket_type_id: &i32) -> Option<String> {
        self.offers
            .iter()
            .filter(|offer| offer.ticket_type_id == *ticket_type_id)
            .min_by_key(|offer| offer.price.pennies)
            .map(|offer| offer.price.to_string())
    }
}

/// `?ticket_type_id=…&quantity=…` on an event page (`ticket_schema_id` accepted too): a
/// choice kept through logging in (`bookings::choose`). Only a hint for the form, read
/// from the query's pairs as they come: a repeated, unknown or unreadable value is
/// ignored, never refused.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct ChoiceQuery(Vec<(String, String)>);

impl ChoiceQuery {
    fn value(&self, names: &[&str]) -> Option<&str> {
        self.0
            .iter()
            .find(|(name, _)| names.contains(&name.as_str()))
            .map(|(_, value)| value.trim())
    }

    fn chosen(&self) -> Option<(i32, i32)> {
        let ticket_type_id = self
            .value(&["ticket_type_id", "ticket_schema_id"])?
            .parse()
            .ok()?;
        let quantity = match self.value(&["quantity"]) {
            None | Some("") => 1,
            Some(text) => text.parse().ok()?,
        };
        Some((ticket_type_id, quantity))
    }
}

#[get("/events/{id}")]
pub async fn event(
    state: web::Data<AppState>,
    ctx: PageCtx,
    path: web::Path<i32>,
    choice: web::Query<ChoiceQuery>,
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
        chosen: choice.chosen(),
        offers: view.offers,
    })
}
