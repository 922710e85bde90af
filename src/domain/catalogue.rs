//! What visitors can browse: the published events that have not ended, and one event
//! with its ticket types.

use chrono::NaiveDateTime;

use super::money::Money;
use crate::db::models::{Event, TicketSchema};
use crate::db::{Conn, events, ticket_schemas};
use crate::error::AppError;

pub const PAGE_SIZE: i64 = 10;

/// An event with its ticket types, cheapest first.
#[derive(Debug, Clone)]
pub struct Listing {
    pub event: Event,
    pub ticket_types: Vec<TicketSchema>,
}

impl Listing {
    /// "€25.00" or "€25.00 – €65.00"; `None` without ticket types.
    pub fn price_range(&self) -> Option<String> {
        let prices: Vec<Money> = self
            .ticket_types
            .iter()
            .map(|t| Money::from_stored(t.amount_pennies, &t.currency))
            .collect();
        let cheapest = prices.iter().min_by_key(|m| m.pennies)?;
        let dearest = prices.iter().max_by_key(|m| m.pennies)?;
        let mixed_currencies = prices.iter().any(|m| m.currency != cheapest.currency);
        if cheapest.pennies == dearest.pennies || mixed_currencies {
            Some(format!("from {cheapest}"))
        } else {
            Some(format!("{cheapest} – {dearest}"))
        }
    }

    pub fn seats_left(&self) -> i64 {
        self.ticket_types
            .iter()
            .map(|t| i64::from(t.available_tickets_count))
            .sum()
    }
}

/// One page of upcoming events and how many pages there are.
#[derive(Debug)]
pub struct CataloguePage {
    pub listings: Vec<Listing>,
    pub page: i64,
    pub pages: i64,
    /// How many events all pages hold.
    pub total: i64,
}

pub fn upcoming(conn: &mut Conn, now: NaiveDateTime, page: i64) -> Result<CataloguePage, AppError> {
    upcoming_sized(conn, now, page, PAGE_SIZE)
}

/// Page `page` (clamped to the pages there are) of `size` upcoming events.
pub fn upcoming_sized(
    conn: &mut Conn,
    now: NaiveDateTime,
    page: i64,
    size: i64,
) -> Result<CataloguePage, AppError> {
    let size = size.max(1);
    let total = events::count_upcoming_published(conn, now)?;
    let pages = ((total + size - 1) / size).max(1);
    let page = page.clamp(1, pages);
    let found = events::upcoming_published(conn, now, size, (page - 1) * size)?;
    let ids: Vec<i32> = found.iter().map(|e| e.id).collect();
    let mut schemas = ticket_schemas::for_events(conn, &ids)?;
    let listings = found
        .into_iter()
        .map(|event| {
            let (mine, rest): (Vec<_>, Vec<_>) =
                schemas.drain(..).partition(|s| s.event_id == event.id);
            schemas = rest;
            Listing {
                event,
                ticket_types: mine,
            }
        })
        .collect();
    Ok(CataloguePage {
        listings,
        page,
        pages,
        total,
    })
}

/// One event for a visitor: unpublished events exist only for admins.
pub fn event_for_viewer(
    conn: &mut Conn,
    id: i32,
    viewer_is_admin: bool,
) -> Result<Listing, AppError> {
    let event = events::find(conn, id)?
        .filter(|e| e.published || viewer_is_admin)
        .ok_or(AppError::NotFound)?;
    let ticket_types = ticket_schemas::for_event(conn, id)?;
    Ok(Listing {
        event,
        ticket_types,
    })
}
