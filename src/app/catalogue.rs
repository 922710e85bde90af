//! What visitors browse: the upcoming events, page by page, and one event with its
//! ticket types (and the viewer's own live ticket for it).

use chrono::NaiveDateTime;

use super::AppState;
use crate::db::bookings;
use crate::db::models::Booking;
use crate::domain::bookings::reservation;
use crate::domain::catalogue::browse::{self, CataloguePage, Listing, NumberedPage};
use crate::domain::catalogue::event_pages::PageAt;
use crate::domain::resale::{self, ResaleOffer};
use crate::error::AppError;

/// Who is looking at an event page.
#[derive(Debug, Clone, Copy)]
pub struct Viewer {
    pub user_id: i32,
    pub is_admin: bool,
}

/// An event page's facts.
#[derive(Debug)]
pub struct EventView {
    pub listing: Listing,
    /// Published and not started yet.
    pub on_sale: bool,
    /// The viewer's own live ticket for this event.
    pub my_booking: Option<Booking>,
    /// When the page was read (each ticket type's sale window is judged at it).
    pub now: NaiveDateTime,
    /// Resale offers (listed, not locked by a buyer), cheapest first.
    pub offers: Vec<ResaleOffer>,
}

/// The front page's page `at`.
pub async fn upcoming(state: &AppState, at: PageAt) -> Result<CataloguePage, AppError> {
    let now = state.clock.now();
    state
        .read(move |conn| browse::upcoming(conn, now, at))
        .await
}

/// Page `page` of `size` upcoming events, with the total (the JSON API's list).
pub async fn upcoming_numbered(
    state: &AppState,
    page: i64,
    size: i64,
) -> Result<NumberedPage, AppError> {
    let now = state.clock.now();
    state
        .db(move |conn| browse::upcoming_numbered(conn, now, page, size))
        .await
}

/// One event; an unpublished one only for admins (404 for everyone else).
pub async fn event(
    state: &AppState,
    event_id: i32,
    viewer: Option<Viewer>,
) -> Result<EventView, AppError> {
    let now = state.clock.now();
    let (listing, my_booking, offers) = state
        .read(move |conn| {
            let is_admin = viewer.is_some_and(|v| v.is_admin);
            let listing = browse::event_for_viewer(conn, event_id, is_admin)?;
            let my_booking = match viewer {
                Some(viewer) => bookings::find_by_user_and_event(conn, viewer.user_id, event_id)?
                    .filter(|t| reservation::is_live(t, now)),
                None => None,
            };
            // Read only when the event has offers: most events have none, and the
            // event page is a hot path (`events.resale_listed` is kept with every change).
            let offers = if listing.event.resale_enabled && listing.event.resale_listed > 0 {
                resale::offers_for_event(conn, event_id, viewer.map(|v| v.user_id), now)?
            } else {
                Vec::new()
            };
            Ok((listing, my_booking, offers))
        })
        .await?;
    let on_sale = listing.event.published
        && listing.event.starts_at > now
        && listing.event.ended_at.is_none()
        && listing.event.cancelled_at.is_none();
    Ok(EventView {
        listing,
        on_sale,
        my_booking,
        now,
        offers,
    })
}
