//! What visitors can browse: the published events that have not ended, and one event
//! with its ticket types.

use chrono::NaiveDateTime;

use crate::db::events::Scope;
use crate::db::models::{Event, TicketType};
use crate::db::{Conn, events, ticket_types};
use crate::domain::catalogue::event_pages::{self, PageAt, Shown};
use crate::domain::payments::money::Money;
use crate::error::AppError;

pub const PAGE_SIZE: i64 = 10;

/// An event with its ticket types, cheapest first.
#[derive(Debug, Clone)]
pub struct Listing {
    pub event: Event,
    pub ticket_types: Vec<TicketType>,
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

/// One page of the front page: its events with their ticket types, and the links to
/// the pages beside it.
#[derive(Debug)]
pub struct CataloguePage {
    pub listings: Vec<Listing>,
    pub previous: Option<PageAt>,
    pub next: Option<PageAt>,
}

/// The front page's page `at` of upcoming events, soonest first: a keyset read, so the
/// last page of 10,000 events costs what the first does.
pub fn upcoming(
    conn: &mut Conn,
    now: NaiveDateTime,
    at: PageAt,
) -> Result<CataloguePage, AppError> {
    let page = event_pages::read(conn, Scope::OnSale(now), Shown::SoonestFirst, at, PAGE_SIZE)?;
    Ok(CataloguePage {
        listings: with_ticket_types(conn, page.events)?,
        previous: page.previous,
        next: page.next,
    })
}

/// A numbered page of upcoming events and how many there are in all (the JSON API's
/// list, which promises a count).
#[derive(Debug)]
pub struct NumberedPage {
    pub listings: Vec<Listing>,
    /// How many events all pages hold.
    pub total: i64,
}

/// Page `page` (from 1) of `size` upcoming events, with the total.
pub fn upcoming_numbered(
    conn: &mut Conn,
    now: NaiveDateTime,
    page: i64,
    size: i64,
) -> Result<NumberedPage, AppError> {
    let size = size.max(1);
    let total = events::count_on_sale(conn, now)?;
    let offset = (page.max(1) - 1).saturating_mul(size);
    let found = events::on_sale_page(conn, now, size, offset)?;
    Ok(NumberedPage {
        listings: with_ticket_types(conn, found)?,
        total,
    })
}

/// The events, in their order, each with its ticket types (one query for all: those of
/// the events starting within the page's first and last start, kept for its events).
fn with_ticket_types(conn: &mut Conn, found: Vec<Event>) -> Result<Vec<Listing>, AppError> {
    let starts = found.iter().map(|e| e.starts_at);
    let (Some(first), Some(last)) = (starts.clone().min(), starts.max()) else {
        return Ok(Vec::new());
    };
    let mut ticket_types = ticket_types::for_events_starting_between(conn, first, last)?;
    ticket_types.retain(|t| found.iter().any(|e| e.id == t.event_id));
    Ok(found
        .into_iter()
        .map(|event| {
            let (mine, rest): (Vec<_>, Vec<_>) =
                ticket_types.drain(..).partition(|s| s.event_id == event.id);
            ticket_types = rest;
            Listing {
                event,
                ticket_types: mine,
            }
        })
        .collect())
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
    let ticket_types = ticket_types::for_event(conn, id)?;
    Ok(Listing {
        event,
        ticket_types,
    })
}
