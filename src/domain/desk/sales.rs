//! Sales at a glance: seats sold, held, available and checked in per ticket type;
//! money in, back and kept per currency; bookings and seats; how many bookings became
//! payments; and when the seats sold now were paid, per day (per hour when every sale
//! fell on one day), for the chart. Seats are counted as the books count them
//! (`books::seat_counts_for`), so the page and `boxoffice check` agree.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeDelta, Timelike};

use crate::db::models::{Event, TicketType};
use crate::db::{Conn, events, sales, ticket_types};
use crate::domain::audit::books::{self, SeatCounts};
use crate::domain::common::time_zone::{self, Tz};
use crate::domain::door::counts::{self as door_counts, DoorCount};
use crate::error::AppError;

/// One ticket type's seats.
#[derive(Debug, Clone)]
pub struct TypeFigures {
    pub ticket_type: TicketType,
    pub counts: SeatCounts,
    pub door: DoorCount,
}

/// Money of one currency, in its minor unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revenue {
    pub currency: String,
    /// Every payment that came in.
    pub gross: i64,
    /// Refunds that succeeded.
    pub refunded: i64,
}

impl Revenue {
    pub fn net(&self) -> i64 {
        self.gross - self.refunded
    }
}

/// One bar of the chart: a day or an hour, and the seats paid in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    /// "Fri 25 Dec" or "20:00".
    pub label: String,
    /// The same, unambiguous for the table and the SVG's text ("2031-12-25",
    /// "2031-12-25 20:00").
    pub key: String,
    pub seats: i64,
}

/// The chart's bars, in order, and what each stands for.
#[derive(Debug, Clone, Default)]
pub struct Chart {
    pub bars: Vec<Bar>,
    /// "day" or "hour".
    pub unit: &'static str,
    /// The most seats of one bar (at least 1, the chart's scale).
    pub max: i64,
}

impl Chart {
    pub fn total(&self) -> i64 {
        self.bars.iter().map(|bar| bar.seats).sum()
    }
}

/// The most days the chart shows (the latest ones).
pub const CHART_DAYS: i64 = 92;

/// Seats paid per local day, or per hour when every sale fell on one day; empty when
/// nothing is sold. Days with no sale between the first and the last show as zero.
pub fn chart(paid: &[(NaiveDateTime, i32)], zone: Tz) -> Chart {
    let local: Vec<(NaiveDateTime, i64)> = paid
        .iter()
        .map(|(at, seats)| (time_zone::local(*at, zone).naive_local(), i64::from(*seats)))
        .collect();
    let (Some(first), Some(last)) = (
        local.iter().map(|(t, _)| t.date()).min(),
        local.iter().map(|(t, _)| t.date()).max(),
    ) else {
        return Chart {
            bars: Vec::new(),
            unit: "day",
            max: 1,
        };
    };
    let (bars, unit) = if first == last {
        let mut hours: BTreeMap<u32, i64> = BTreeMap::new();
        for (at, seats) in &local {
            *hours.entry(at.hour()).or_default() += seats;
        }
        let (from, to) = (
            hours.keys().next().copied().unwrap_or(0),
            hours.keys().last().copied().unwrap_or(0),
        );
        let bars: Vec<Bar> = (from..=to)
            .map(|hour| Bar {
                label: format!("{hour:02}:00"),
                key: format!("{} {hour:02}:00", first.format("%Y-%m-%d")),
                seats: hours.get(&hour).copied().unwrap_or(0),
            })
            .collect();
        (bars, "hour")
    } else {
        let from = last
            .checked_sub_signed(TimeDelta::days(CHART_DAYS - 1))
            .map_or(first, |earliest| earliest.max(first));
        let mut days: BTreeMap<NaiveDate, i64> = BTreeMap::new();
        for (at, seats) in &local {
            if at.date() >= from {
                *days.entry(at.date()).or_default() += seats;
            }
        }
        let bars: Vec<Bar> = from
            .iter_days()
            .take_while(|day| *day <= last)
            .map(|day| Bar {
                label: day.format("%a %-d %b").to_string(),
                key: format!("{:04}-{:02}-{:02}", day.year(), day.month(), day.day()),
                seats: days.get(&day).copied().unwrap_or(0),
            })
            .collect();
        (bars, "day")
    };
    let max = bars
        .iter()
        .map(|bar: &Bar| bar.seats)
        .max()
        .unwrap_or(1)
        .max(1);
    Chart { bars, unit, max }
}

/// Everything the sales page of an event or of the shop shows.
#[derive(Debug, Clone)]
pub struct Figures {
    /// Per ticket type (one event's page; empty for the shop's).
    pub types: Vec<TypeFigures>,
    /// All types together.
    pub total: TypeTotals,
    pub revenue: Vec<Revenue>,
    /// Paid bookings now, and the seats they hold.
    pub paid_bookings: i64,
    pub paid_seats: i64,
    /// Bookings made, and how many of them were paid (now, or refunded since).
    pub bookings_made: i64,
    pub bookings_ever_paid: i64,
    pub chart: Chart,
    /// The zone the chart's days are in.
    pub zone: Tz,
}

impl Figures {
    /// Holds that turned into payments, in whole percent (`None` before any booking).
    pub fn conversion_percent(&self) -> Option<i64> {
        (self.bookings_made > 0)
            .then(|| (self.bookings_ever_paid * 100 + self.bookings_made / 2) / self.bookings_made)
    }
}

/// Seats of every type together.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TypeTotals {
    pub sold: i64,
    pub held: i64,
    pub available: i64,
    pub total: i64,
    pub checked_in: i64,
}

fn revenue(conn: &mut Conn, event: Option<i32>) -> Result<Vec<Revenue>, AppError> {
    let mut by_currency: BTreeMap<String, Revenue> = BTreeMap::new();
    for (currency, gross) in sales::paid_in(conn, event)? {
        by_currency
            .entry(currency.clone())
            .or_insert(Revenue {
                currency,
                gross: 0,
                refunded: 0,
            })
            .gross += gross;
    }
    for (currency, refunded) in sales::paid_back(conn, event)? {
        by_currency
            .entry(currency.clone())
            .or_insert(Revenue {
                currency,
                gross: 0,
                refunded: 0,
            })
            .refunded += refunded;
    }
    Ok(by_currency.into_values().collect())
}

fn totals(types: &[TypeFigures]) -> TypeTotals {
    types
        .iter()
        .fold(TypeTotals::default(), |sum, t| TypeTotals {
            sold: sum.sold + t.counts.sold,
            held: sum.held + t.counts.held,
            available: sum.available + i64::from(t.ticket_type.available_tickets_count),
            total: sum.total + i64::from(t.ticket_type.total_tickets),
            checked_in: sum.checked_in + t.door.admitted,
        })
}

/// One event's figures; its chart in its own zone.
pub fn for_event(conn: &mut Conn, event_id: i32) -> Result<(Event, Figures), AppError> {
    let event = events::find(conn, event_id)?.ok_or(AppError::NotFound)?;
    let ticket_types = ticket_types::for_event(conn, event_id)?;
    let ids: Vec<i32> = ticket_types.iter().map(|s| s.id).collect();
    let counts = books::seat_counts_for(conn, &ids)?;
    let door = door_counts::by_type(conn, &[event_id])?;
    let types: Vec<TypeFigures> = ticket_types
        .into_iter()
        .map(|ticket_type| TypeFigures {
            counts: counts.get(&ticket_type.id).copied().unwrap_or_default(),
            door: door.get(&ticket_type.id).copied().unwrap_or_default(),
            ticket_type,
        })
        .collect();
    let zone = time_zone::stored(&event.time_zone);
    let (paid_bookings, paid_seats) = sales::paid_bookings_and_seats(conn, Some(event_id))?;
    let (bookings_made, bookings_ever_paid) = sales::bookings_made_and_paid(conn, Some(event_id))?;
    let figures = Figures {
        total: totals(&types),
        types,
        revenue: revenue(conn, Some(event_id))?,
        paid_bookings,
        paid_seats,
        bookings_made,
        bookings_ever_paid,
        chart: chart(&sales::paid_times(conn, Some(event_id), None)?, zone),
        zone,
    };
    Ok((event, figures))
}

/// The whole shop's figures; its chart covers the last `CHART_DAYS` days in `zone`.
pub fn for_shop(conn: &mut Conn, now: NaiveDateTime, zone: Tz) -> Result<Figures, AppError> {
    let counts = books::seat_counts(conn)?;
    let (available, total) = ticket_types::seat_totals(conn)?;
    let checked_in = crate::db::checkins::admitted_total(conn)?;
    let (held, sold) = counts
        .values()
        .fold((0, 0), |(h, s), c| (h + c.held, s + c.sold));
    let (paid_bookings, paid_seats) = sales::paid_bookings_and_seats(conn, None)?;
    let (bookings_made, bookings_ever_paid) = sales::bookings_made_and_paid(conn, None)?;
    let since = now - TimeDelta::days(CHART_DAYS);
    Ok(Figures {
        types: Vec::new(),
        total: TypeTotals {
            sold,
            held,
            available,
            total,
            checked_in,
        },
        revenue: revenue(conn, None)?,
        paid_bookings,
        paid_seats,
        bookings_made,
        bookings_ever_paid,
        chart: chart(&sales::paid_times(conn, None, Some(since))?, zone),
        zone,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn one_day_of_sales_is_shown_per_hour_in_the_events_zone() {
        let paid = [
            (at("2031-12-01 08:10"), 2),
            (at("2031-12-01 08:50"), 1),
            (at("2031-12-01 10:05"), 4),
        ];
        let chart = chart(&paid, Tz::Europe__Berlin);
        assert_eq!(chart.unit, "hour");
        let bars: Vec<(&str, i64)> = chart
            .bars
            .iter()
            .map(|b| (b.label.as_str(), b.seats))
            .collect();
        assert_eq!(bars, [("09:00", 3), ("10:00", 0), ("11:00", 4)]);
        assert_eq!(chart.total(), 7);
        assert_eq!(chart.max, 4);
    }

    #[test]
    fn several_days_are_shown_per_day_with_empty_days_as_zero() {
        let paid = [
            (at("2031-12-01 23:30"), 1), // 00:30 on the 2nd in Berlin
            (at("2031-12-04 12:00"), 2),
        ];
        let chart = chart(&paid, Tz::Europe__Berlin);
        assert_eq!(chart.unit, "day");
        let bars: Vec<(&str, i64)> = chart
            .bars
            .iter()
            .map(|b| (b.key.as_str(), b.seats))
            .collect();
        assert_eq!(
            bars,
            [("2031-12-02", 1), ("2031-12-03", 0), ("2031-12-04", 2)]
        );
        assert!(super::chart(&[], Tz::UTC).bars.is_empty());
    }
}
