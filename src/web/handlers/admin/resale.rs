//! `GET /admin/events/{id}/resale`: an event's resale as the organiser sees it — every
//! listing newest first (seller, seats, price, fee, status), how many are listed, sold
//! and withdrawn, and per currency the resale turnover and the fees kept.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, get, web};
use askama::Template;

use crate::app::AppState;
use crate::app::resale::{self, EventResale, ListingLine};
use crate::db::models::Event;
use crate::db::status::ListingStatus;
use crate::domain::common::time_zone;
use crate::error::AppError;
use crate::web::identity::AdminUser;
use crate::web::page::{Page, PageCtx, html};
use crate::web::views;

#[derive(Template)]
#[template(path = "admin/resale.html")]
struct ResalePage {
    page: Page,
    event: Event,
    rows: Vec<Row>,
    counts: Counts,
    totals: Vec<Total>,
}

/// One listing as a table row, its values written out.
#[derive(Debug, PartialEq, Eq)]
struct Row {
    seller: String,
    seats: String,
    price: String,
    fee: String,
    listed_at: String,
    status: String,
    /// The status's CSS modifier (`status-{class}`).
    class: &'static str,
}

#[derive(Debug, Default, PartialEq, Eq)]
struct Counts {
    listed: usize,
    sold: usize,
    withdrawn: usize,
}

/// The money of the sold listings in one currency: what buyers paid, and the fees the
/// shop kept from the sellers' refunds.
#[derive(Debug, PartialEq, Eq)]
struct Total {
    currency: String,
    sold: usize,
    turnover: String,
    fees: String,
}

#[get("/admin/events/{id}/resale")]
pub async fn list(
    _admin: AdminUser,
    state: web::Data<AppState>,
    ctx: PageCtx,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let resale = resale::event_resale(&state, path.into_inner()).await?;
    let page = ctx.page(format!("Resale of {}", resale.event.title));
    html(&page_of(page, resale))
}

fn page_of(page: Page, resale: EventResale) -> ResalePage {
    let EventResale { event, lines, now } = resale;
    let zone = time_zone::stored(&event.time_zone);
    let rows = lines.iter().map(|line| row(line, zone, now)).collect();
    ResalePage {
        page,
        counts: counts(&lines),
        totals: totals(&lines),
        rows,
        event,
    }
}

fn row(line: &ListingLine, zone: time_zone::Tz, now: chrono::NaiveDateTime) -> Row {
    let l = &line.listing;
    let (status, class) = match l.status {
        ListingStatus::Listed => match l.locked_until.filter(|until| *until > now) {
            Some(until) => (
                format!(
                    "Locked until {} (a buyer is paying)",
                    time_zone::clock_time(until, zone)
                ),
                "reserved",
            ),
            None => ("Listed".to_owned(), "paid"),
        },
        ListingStatus::Sold => {
            let buyer = line.buyer_email.as_deref().unwrap_or("an unknown account");
            let when = l
                .sold_at
                .map(|at| format!(" on {}", time_zone::display(at, zone)))
                .unwrap_or_default();
            (format!("Sold to {buyer}{when}"), "paid")
        }
        ListingStatus::Withdrawn => ("Withdrawn".to_owned(), "expired"),
    };
    Row {
        seller: line.seller_email.clone(),
        seats: format!("{} · {}", views::seats(l.quantity), line.ticket_type),
        price: views::money(l.price_pennies, &l.currency),
        fee: views::money(l.fee_pennies, &l.currency),
        listed_at: time_zone::display(l.created_at, zone),
        status,
        class,
    }
}

fn counts(lines: &[ListingLine]) -> Counts {
    let mut counts = Counts::default();
    for line in lines {
        match line.listing.status {
            ListingStatus::Listed => counts.listed += 1,
            ListingStatus::Sold => counts.sold += 1,
            ListingStatus::Withdrawn => counts.withdrawn += 1,
        }
    }
    counts
}

/// The sold listings' turnover and fees per currency, in the currencies' order.
fn totals(lines: &[ListingLine]) -> Vec<Total> {
    let mut sums: BTreeMap<&str, (usize, i64, i64)> = BTreeMap::new();
    for line in lines
        .iter()
        .filter(|l| l.listing.status == ListingStatus::Sold)
    {
        let sum = sums.entry(line.listing.currency.as_str()).or_default();
        sum.0 += 1;
        sum.1 = sum.1.saturating_add(line.listing.price_pennies);
        sum.2 = sum.2.saturating_add(line.listing.fee_pennies);
    }
    sums.into_iter()
        .map(|(currency, (sold, turnover, fees))| Total {
            currency: currency.to_owned(),
            sold,
            turnover: views::money(turnover, currency),
            fees: views::money(fees, currency),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDateTime;

    use super::*;
    use crate::db::models::Listing;

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap()
    }

    fn line(status: ListingStatus, price: i64, fee: i64, currency: &str) -> ListingLine {
        ListingLine {
            listing: Listing {
                id: 1,
                booking_id: 1,
                hold_number: 1,
                event_id: 1,
                ticket_type_id: 1,
                seller_id: 1,
                quantity: 2,
                price_pennies: price,
                fee_pennies: fee,
                currency: currency.into(),
                status,
                version: 1,
                locked_by: None,
                locked_until: None,
                buyer_id: (status == ListingStatus::Sold).then_some(2),
                created_at: at("2026-12-01 10:00"),
                updated_at: at("2026-12-01 10:00"),
                sold_at: (status == ListingStatus::Sold).then(|| at("2026-12-02 18:30")),
            },
            ticket_type: "Standing".into(),
            seller_email: "seller@example.com".into(),
            buyer_email: (status == ListingStatus::Sold).then(|| "buyer@example.com".into()),
        }
    }

    #[test]
    fn only_sold_listings_count_as_turnover_per_currency() {
        let lines = [
            line(ListingStatus::Sold, 4000, 400, "EUR"),
            line(ListingStatus::Sold, 2500, 0, "EUR"),
            line(ListingStatus::Sold, 1000, 50, "GBP"),
            line(ListingStatus::Listed, 9900, 990, "EUR"),
            line(ListingStatus::Withdrawn, 9900, 990, "EUR"),
        ];
        assert_eq!(
            counts(&lines),
            Counts {
                listed: 1,
                sold: 3,
                withdrawn: 1
            }
        );
        let totals = totals(&lines);
        assert_eq!(totals.len(), 2);
        assert_eq!((totals[0].currency.as_str(), totals[0].sold), ("EUR", 2));
        assert_eq!(totals[0].turnover, views::money(6500, "EUR"));
        assert_eq!(totals[0].fees, views::money(400, "EUR"));
        assert_eq!(totals[1].currency, "GBP");
        assert_eq!(totals[1].fees, views::money(50, "GBP"));
    }

    #[test]
    fn a_lock_shows_its_end_in_the_events_zone_until_it_lapses() {
        let zone = time_zone::stored("Europe/Berlin");
        let mut locked = line(ListingStatus::Listed, 4000, 0, "EUR");
        locked.listing.locked_until = Some(at("2026-12-05 17:10"));
        let before = row(&locked, zone, at("2026-12-05 17:05"));
        assert_eq!(before.status, "Locked until 18:10 CET (a buyer is paying)");
        let after = row(&locked, zone, at("2026-12-05 17:10"));
        assert_eq!(after.status, "Listed", "a lapsed lock is no lock");
        let sold = row(
            &line(ListingStatus::Sold, 4000, 400, "EUR"),
            zone,
            at("2026-12-05 17:05"),
        );
        assert!(
            sold.status.starts_with("Sold to buyer@example.com on "),
            "{}",
            sold.status
        );
        assert!(sold.status.ends_with("19:30 CET"), "{}", sold.status);
        assert_eq!(sold.seats, "2 seats · Standing");
    }
}
