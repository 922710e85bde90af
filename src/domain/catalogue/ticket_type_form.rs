//! The admin's ticket type form: name, price, currency, quantity, the cap per booking,
//! the selling rule and the sale window (local times in the event's zone).

use chrono::NaiveDateTime;
use serde::Deserialize;

use crate::db::models::TicketType;
use crate::domain::bookings::selling_rules::{
    DEFAULT_MAX_PER_ORDER, MAX_PER_ORDER_LIMIT, SellingRule,
};
use crate::domain::catalogue::event_form::parse_time;
use crate::domain::common::form_errors::FieldErrors;
use crate::domain::common::text::{CONTROL_CHARACTER, is_clean_line};
use crate::domain::common::time_zone::{self, Tz};
use crate::domain::payments::minimum_charge;
use crate::domain::payments::money::{Currency, Money};

/// The most seats one ticket type may have.
pub const MAX_QUANTITY: i32 = 1_000_000;

#[derive(Debug, Clone, Default, Deserialize)]
pub struct TicketTypeForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub price: String,
    #[serde(default)]
    pub currency: String,
    #[serde(default)]
    pub quantity: String,
    /// Seats per booking at most (1–50; empty means 10).
    #[serde(default)]
    pub max_per_order: String,
    /// `any`, `even`, `all_together` or `avoid_one` (empty means `any`).
    #[serde(default)]
    pub selling_rule: String,
    /// On sale from (a local time in the event's zone, or RFC 3339); empty: from
    /// publication.
    #[serde(default)]
    pub sale_starts_at: String,
    /// On sale until (exclusive); empty: until the event starts.
    #[serde(default)]
    pub sale_ends_at: String,
}

/// A valid ticket type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketTypeFields {
    pub name: String,
    pub price: Money,
    pub quantity: i32,
    pub max_per_order: i32,
    pub selling_rule: SellingRule,
    /// UTC.
    pub sale_starts_at: Option<NaiveDateTime>,
    /// UTC, after `sale_starts_at`.
    pub sale_ends_at: Option<NaiveDateTime>,
}

impl TicketTypeForm {
    pub fn blank() -> TicketTypeForm {
        TicketTypeForm {
            currency: "EUR".into(),
            max_per_order: DEFAULT_MAX_PER_ORDER.to_string(),
            selling_rule: SellingRule::Any.as_str().into(),
            ..TicketTypeForm::default()
        }
    }

    /// The saved type as its form shows it, times in the event's `zone`.
    pub fn from_schema(ticket_type: &TicketType, zone: Tz) -> TicketTypeForm {
        let local = |time: Option<NaiveDateTime>| {
            time.map(|t| time_zone::form_value(t, zone))
                .unwrap_or_default()
        };
        TicketTypeForm {
            name: ticket_type.name.clone(),
            price: Money::from_stored(ticket_type.amount_pennies, &ticket_type.currency)
                .major_units(),
            currency: ticket_type.currency.clone(),
            quantity: ticket_type.total_tickets.to_string(),
            max_per_order: ticket_type.max_per_order.to_string(),
            selling_rule: ticket_type.selling_rule.as_str().into(),
            sale_starts_at: local(ticket_type.sale_starts_at),
            sale_ends_at: local(ticket_type.sale_ends_at),
        }
    }

    /// A valid ticket type, its sale window's local times read in the event's `zone`
    /// (a time a daylight-saving change skips or repeats is refused, naming the two
    /// choices), or the fields to fix.
    pub fn parse(&self, zone: Tz) -> Result<TicketTypeFields, FieldErrors> {
        let mut errors = FieldErrors::default();
        let name = self.name.trim();
        if !is_clean_line(&self.name) {
            errors.add("name", CONTROL_CHARACTER);
        } else if name.is_empty() {
            errors.add("name", "Name the ticket type, for example Standing.");
        } else if name.chars().count() > 100 {
            errors.add("name", "Keep the name under 100 characters.");
        }
        let price = match Currency::parse(&self.currency) {
            Ok(currency) => match Money::parse(&self.price, currency) {
                Ok(price) => match minimum_charge::check(&price) {
                    Ok(()) => Some(price),
                    Err(message) => {
                        errors.add("price", message);
                        None
                    }
                },
                Err(message) => {
                    errors.add("price", message);
                    None
                }
            },
            Err(message) => {
                errors.add("currency", message);
                None
            }
        };
        let quantity = match self.quantity.trim().parse::<i32>() {
            Ok(n) if (0..=MAX_QUANTITY).contains(&n) => Some(n),
            _ => {
                errors.add(
                    "quantity",
                    format!("Enter a whole number of tickets from 0 to {MAX_QUANTITY}."),
                );
                None
            }
        };
        let max_per_order = match self.max_per_order.trim() {
            "" => Some(DEFAULT_MAX_PER_ORDER),
            text => match text.parse::<i32>() {
                Ok(n) if (1..=MAX_PER_ORDER_LIMIT).contains(&n) => Some(n),
                _ => {
                    errors.add(
                        "max_per_order",
                        format!("Enter a whole number of seats per booking from 1 to {MAX_PER_ORDER_LIMIT}."),
                    );
                    None
                }
            },
        };
        let selling_rule = match self.selling_rule.trim() {
            "" => Some(SellingRule::Any),
            text => SellingRule::parse(text).or_else(|| {
                errors.add("selling_rule", "Choose one of the selling rules listed.");
                None
            }),
        };
        let sale_starts_at = optional_time(
            &self.sale_starts_at,
            zone,
            "sale_starts_at",
            "sale start",
            &mut errors,
        );
        let sale_ends_at = optional_time(
            &self.sale_ends_at,
            zone,
            "sale_ends_at",
            "sale end",
            &mut errors,
        );
        if let (Some(Some(from)), Some(Some(until))) = (sale_starts_at, sale_ends_at)
            && until <= from
        {
            errors.add(
                "sale_ends_at",
                "Sales must end after they start: choose a later time, or leave it empty.",
            );
        }
        match (
            price,
            quantity,
            max_per_order,
            selling_rule,
            sale_starts_at,
            sale_ends_at,
        ) {
            (
                Some(price),
                Some(quantity),
                Some(max_per_order),
                Some(selling_rule),
                Some(sale_starts_at),
                Some(sale_ends_at),
            ) if errors.is_empty() => Ok(TicketTypeFields {
                name: name.to_owned(),
                price,
                quantity,
                max_per_order,
                selling_rule,
                sale_starts_at,
                sale_ends_at,
            }),
            _ => Err(errors),
        }
    }
}

/// An optional time of the form: `Some(None)` when empty, `None` when refused (the
/// message is in `errors`).
fn optional_time(
    value: &str,
    zone: Tz,
    field: &'static str,
    what: &str,
    errors: &mut FieldErrors,
) -> Option<Option<NaiveDateTime>> {
    if value.trim().is_empty() {
        return Some(None);
    }
    parse_time(value, zone, field, what, errors).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_complete_form_becomes_a_ticket_type() {
        let form = TicketTypeForm {
            name: "Standing".into(),
            price: "25.50".into(),
            currency: "eur".into(),
            quantity: "100".into(),
            ..TicketTypeForm::default()
        };
        let parsed = form.parse(Tz::UTC).unwrap();
        assert_eq!(parsed.max_per_order, 10, "empty means the default cap");
        assert_eq!(parsed.selling_rule, SellingRule::Any);
        assert_eq!(parsed.price.pennies, 2550);
        assert_eq!(parsed.price.currency.as_str(), "EUR");
        assert_eq!(parsed.quantity, 100);
    }

    #[test]
    fn currencies_come_from_iso_4217_and_names_have_no_control_characters() {
        let form = TicketTypeForm {
            name: "Floor\0".into(),
            price: "10".into(),
            currency: "ZZZ".into(),
            quantity: "5".into(),
            ..TicketTypeForm::default()
        };
        let errors = form.parse(Tz::UTC).unwrap_err();
        assert!(errors.get("name").is_some());
        assert!(errors.get("currency").is_some());
        let kwd = TicketTypeForm {
            name: "Floor".into(),
            price: "7.25".into(),
            currency: "kwd".into(),
            quantity: "5".into(),
            ..TicketTypeForm::default()
        };
        assert_eq!(kwd.parse(Tz::UTC).unwrap().price.pennies, 7250);
    }

    #[test]
    fn bad_fields_are_named() {
        let form = TicketTypeForm {
            name: "".into(),
            price: "free".into(),
            currency: "EUR".into(),
            quantity: "-3".into(),
            max_per_order: "51".into(),
            selling_rule: "odd".into(),
            ..TicketTypeForm::default()
        };
        let errors = form.parse(Tz::UTC).unwrap_err();
        assert!(errors.get("max_per_order").is_some());
        assert!(errors.get("selling_rule").is_some());
        assert!(errors.get("name").is_some());
        assert!(errors.get("price").is_some());
        assert!(errors.get("quantity").is_some());
    }

    fn standing() -> TicketTypeForm {
        TicketTypeForm {
            name: "Standing".into(),
            price: "25".into(),
            currency: "EUR".into(),
            quantity: "100".into(),
            ..TicketTypeForm::default()
        }
    }

    const BERLIN: Tz = Tz::Europe__Berlin;

    #[test]
    fn the_sale_window_is_optional_and_typed_in_the_events_zone() {
        let open = standing().parse(BERLIN).unwrap();
        assert_eq!((open.sale_starts_at, open.sale_ends_at), (None, None));
        let form = TicketTypeForm {
            sale_starts_at: "2026-12-01T10:00".into(),
            sale_ends_at: "2026-12-20T10:00:00+01:00".into(),
            ..standing()
        };
        let parsed = form.parse(BERLIN).unwrap();
        let utc = |text: &str| NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap();
        assert_eq!(parsed.sale_starts_at, Some(utc("2026-12-01 09:00")));
        assert_eq!(parsed.sale_ends_at, Some(utc("2026-12-20 09:00")));
        let again = TicketTypeForm::from_schema(
            &crate::db::models::TicketType {
                id: 1,
                event_id: 1,
                name: "Standing".into(),
                amount_pennies: 2500,
                currency: "EUR".into(),
                total_tickets: 100,
                available_tickets_count: 100,
                lock_version: 0,
                max_per_order: 10,
                selling_rule: SellingRule::Any,
                sale_starts_at: parsed.sale_starts_at,
                sale_ends_at: parsed.sale_ends_at,
            },
            BERLIN,
        );
        assert_eq!(again.sale_starts_at, "2026-12-01T10:00");
        assert_eq!(again.sale_ends_at, "2026-12-20T10:00");
    }

    #[test]
    fn sales_must_end_after_they_start_and_dst_gaps_are_refused() {
        let backwards = TicketTypeForm {
            sale_starts_at: "2026-12-02T10:00".into(),
            sale_ends_at: "2026-12-02T10:00".into(),
            ..standing()
        };
        let errors = backwards.parse(BERLIN).unwrap_err();
        assert!(
            errors
                .get("sale_ends_at")
                .unwrap()
                .contains("end after they start")
        );
        let skipped = TicketTypeForm {
            sale_starts_at: "2026-03-29T02:30".into(),
            sale_ends_at: "2026-10-25T02:30".into(),
            ..standing()
        };
        let errors = skipped.parse(BERLIN).unwrap_err();
        let start = errors.get("sale_starts_at").unwrap();
        assert!(start.contains("01:30 CET or 03:30 CEST"), "{start}");
        let end = errors.get("sale_ends_at").unwrap();
        assert!(end.contains("happens twice"), "{end}");
        let garbled = TicketTypeForm {
            sale_starts_at: "soon".into(),
            ..standing()
        };
        assert!(
            garbled
                .parse(BERLIN)
                .unwrap_err()
                .get("sale_starts_at")
                .is_some()
        );
    }
}
