//! Where an event stands for its organiser: draft, on sale, sold out, under way, ended
//! or cancelled, read from its dates, publishing, cancellation and ticket types (the
//! dashboard's badge and its filter; `db::events` says the same in SQL).

use chrono::NaiveDateTime;

use crate::db::models::{Event, TicketType};
pub use crate::db::status::EventStatus;

/// The event's status at `now`. Cancelled wins over everything; then started or ended
/// (sales stop at the start); then draft; then sold out (no seat left, or no ticket type
/// at all) or on sale.
pub fn of(event: &Event, types: &[TicketType], now: NaiveDateTime) -> EventStatus {
    if event.cancelled_at.is_some() {
        EventStatus::Cancelled
    } else if event.ended_at.is_some() || event.ends_at <= now {
        EventStatus::Ended
    } else if event.starts_at <= now {
        EventStatus::Running
    } else if !event.published {
        EventStatus::Draft
    } else if types.iter().any(|t| t.available_tickets_count > 0) {
        EventStatus::OnSale
    } else {
        EventStatus::SoldOut
    }
}

/// The status in words, as the dashboard shows it.
pub fn label(status: EventStatus) -> &'static str {
    match status {
        EventStatus::Draft => "Draft",
        EventStatus::OnSale => "On sale",
        EventStatus::SoldOut => "Sold out",
        EventStatus::Running => "Under way",
        EventStatus::Ended => "Ended",
        EventStatus::Cancelled => "Cancelled",
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::db::status::SellingRule;

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap()
    }

    fn event() -> Event {
        Event {
            id: 1,
            title: "Gala".into(),
            description: String::new(),
            venue: "Hall".into(),
            starts_at: at("2030-01-01 20:00"),
            ends_at: at("2030-01-01 23:00"),
            published: true,
            created_at: at("2029-01-01 00:00"),
            ended_at: None,
            cancelled_at: None,
            refund_hours_before: None,
            high_demand: false,
            time_zone: "UTC".into(),
            resale_enabled: true,
            resale_fee_percent: 0,
            resale_listed: 0,
        }
    }

    fn seats(available: i32) -> TicketType {
        TicketType {
            id: 1,
            event_id: 1,
            name: "GA".into(),
            amount_pennies: 1000,
            currency: "EUR".into(),
            total_tickets: 10,
            available_tickets_count: available,
            lock_version: 0,
            max_per_order: 10,
            selling_rule: SellingRule::Any,
            sale_starts_at: None,
            sale_ends_at: None,
        }
    }

    #[test]
    fn each_status_in_its_order() {
        let now = at("2029-06-01 12:00");
        let on_sale = event();
        assert_eq!(of(&on_sale, &[seats(3)], now), EventStatus::OnSale);
        assert_eq!(of(&on_sale, &[seats(0)], now), EventStatus::SoldOut);
        assert_eq!(of(&on_sale, &[], now), EventStatus::SoldOut);
        let draft = Event {
            published: false,
            ..event()
        };
        assert_eq!(of(&draft, &[seats(3)], now), EventStatus::Draft);
        assert_eq!(
            of(&on_sale, &[seats(3)], at("2030-01-01 21:00")),
            EventStatus::Running
        );
        assert_eq!(
            of(&draft, &[seats(3)], at("2030-01-02 00:00")),
            EventStatus::Ended
        );
        let cancelled = Event {
            cancelled_at: Some(now),
            ..event()
        };
        assert_eq!(of(&cancelled, &[seats(3)], now), EventStatus::Cancelled);
        assert_eq!(label(EventStatus::Cancelled), "Cancelled");
    }
}
