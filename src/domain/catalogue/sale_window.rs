//! A ticket type's sale window: on sale from `sale_starts_at` (inclusive) until
//! `sale_ends_at` (exclusive), both UTC instants and both optional. Pure: the reserving
//! transaction judges it (`inventory::allocate`) on the row its optimistic update
//! guards, with the request's `now`, and the event page and the API say what it means
//! ("On sale from Fri 25 Dec 2026, 10:00 CET", "Sales ended").

use chrono::NaiveDateTime;

use crate::db::models::TicketType;
use crate::domain::bookings::selling_rules::RuleRefusal;
use crate::domain::common::time_zone::{self, Tz};

/// When a ticket type may be held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SaleWindow {
    /// From this instant on (inclusive); `None`: from publication.
    pub starts_at: Option<NaiveDateTime>,
    /// Until this instant (exclusive); `None`: until the event starts.
    pub ends_at: Option<NaiveDateTime>,
}

/// Where a moment stands against a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaleState {
    Open,
    /// Before the window: opens at this instant.
    NotYet {
        opens: NaiveDateTime,
    },
    /// At or after the window's end.
    Ended,
}

/// The moment a hold is judged at, and the zone its refusal is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SaleMoment {
    pub now: NaiveDateTime,
    pub zone: Tz,
}

impl SaleWindow {
    pub fn of(ticket_type: &TicketType) -> SaleWindow {
        SaleWindow {
            starts_at: ticket_type.sale_starts_at,
            ends_at: ticket_type.sale_ends_at,
        }
    }

    /// Where `now` stands: the start is inside the window, the end is not.
    pub fn state_at(&self, now: NaiveDateTime) -> SaleState {
        if let Some(opens) = self.starts_at
            && now < opens
        {
            return SaleState::NotYet { opens };
        }
        match self.ends_at {
            Some(ends) if now >= ends => SaleState::Ended,
            _ => SaleState::Open,
        }
    }

    /// Whether a hold may be made at `moment`; the refusal says when the type opens.
    pub fn judge(&self, moment: SaleMoment) -> Result<(), RuleRefusal> {
        match self.state_at(moment.now) {
            SaleState::Open => Ok(()),
            SaleState::NotYet { opens } => Err(RuleRefusal::NotYetOnSale {
                opens,
                zone: moment.zone,
            }),
            SaleState::Ended => Err(RuleRefusal::SalesEnded),
        }
    }
}

impl SaleState {
    /// What the event page says in place of the Book control; `None` while open.
    pub fn text(&self, zone: Tz) -> Option<String> {
        match self {
            SaleState::Open => None,
            SaleState::NotYet { opens } => {
                Some(format!("On sale from {}", time_zone::display(*opens, zone)))
            }
            SaleState::Ended => Some("Sales ended".to_owned()),
        }
    }

    /// The API's word: `on_sale`, `not_yet_on_sale` or `sales_ended`.
    pub fn as_str(&self) -> &'static str {
        match self {
            SaleState::Open => "on_sale",
            SaleState::NotYet { .. } => "not_yet_on_sale",
            SaleState::Ended => "sales_ended",
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use chrono::TimeDelta;

    use super::*;

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    const BERLIN: Tz = Tz::Europe__Berlin;

    fn window() -> SaleWindow {
        SaleWindow {
            starts_at: Some(at("2026-12-25 09:00:00")),
            ends_at: Some(at("2026-12-26 09:00:00")),
        }
    }

    fn moment(now: NaiveDateTime) -> SaleMoment {
        SaleMoment { now, zone: BERLIN }
    }

    #[test]
    fn the_start_is_inside_the_window_and_the_end_is_not() {
        let window = window();
        let tick = TimeDelta::nanoseconds(1);
        let opens = at("2026-12-25 09:00:00");
        let ends = at("2026-12-26 09:00:00");
        assert_eq!(
            window.judge(moment(opens - tick)),
            Err(RuleRefusal::NotYetOnSale {
                opens,
                zone: BERLIN
            }),
            "a nanosecond before the start"
        );
        assert_eq!(window.judge(moment(opens)), Ok(()), "exactly at the start");
        assert_eq!(
            window.judge(moment(ends - tick)),
            Ok(()),
            "just before the end"
        );
        assert_eq!(
            window.judge(moment(ends)),
            Err(RuleRefusal::SalesEnded),
            "exactly at the end"
        );
        assert_eq!(window.state_at(ends + tick), SaleState::Ended);
    }

    #[test]
    fn an_open_side_has_no_edge() {
        let no_window = SaleWindow::default();
        assert_eq!(
            no_window.state_at(at("2000-01-01 00:00:00")),
            SaleState::Open
        );
        let from_only = SaleWindow {
            ends_at: None,
            ..window()
        };
        assert_eq!(
            from_only.state_at(at("2099-01-01 00:00:00")),
            SaleState::Open
        );
        let until_only = SaleWindow {
            starts_at: None,
            ..window()
        };
        assert_eq!(
            until_only.state_at(at("2000-01-01 00:00:00")),
            SaleState::Open
        );
        assert_eq!(
            until_only.state_at(at("2026-12-26 09:00:00")),
            SaleState::Ended
        );
    }

    #[test]
    fn the_page_names_the_opening_in_the_events_zone() {
        let state = window().state_at(at("2026-12-24 12:00:00"));
        assert_eq!(
            state.text(BERLIN).unwrap(),
            "On sale from Fri 25 Dec 2026, 10:00 CET"
        );
        assert_eq!(state.as_str(), "not_yet_on_sale");
        assert_eq!(SaleState::Ended.text(BERLIN).unwrap(), "Sales ended");
        assert_eq!(SaleState::Open.text(BERLIN), None);
        let refusal = window()
            .judge(moment(at("2026-12-24 12:00:00")))
            .unwrap_err();
        assert_eq!(
            refusal.to_string(),
            "Sorry, this ticket type is not on sale yet: on sale from Fri 25 Dec 2026, 10:00 CET."
        );
        assert_eq!(
            RuleRefusal::SalesEnded.to_string(),
            "Sorry, sales of this ticket type have ended."
        );
    }
}
