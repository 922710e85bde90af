//! The admin's ticket type form: name, price, currency, quantity, the cap per booking
//! and the selling rule.

use serde::Deserialize;

use super::form_errors::FieldErrors;
use super::minimum_charge;
use super::money::{Currency, Money};
use super::selling_rules::{DEFAULT_MAX_PER_ORDER, MAX_PER_ORDER_LIMIT, SellingRule};
use super::text::{CONTROL_CHARACTER, is_clean_line};
use crate::db::models::TicketSchema;

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
}

/// A valid ticket type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketType {
    pub name: String,
    pub price: Money,
    pub quantity: i32,
    pub max_per_order: i32,
    pub selling_rule: SellingRule,
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

    pub fn from_schema(schema: &TicketSchema) -> TicketTypeForm {
        TicketTypeForm {
            name: schema.name.clone(),
            price: Money::from_stored(schema.amount_pennies, &schema.currency).major_units(),
            currency: schema.currency.clone(),
            quantity: schema.total_tickets.to_string(),
            max_per_order: schema.max_per_order.to_string(),
            selling_rule: schema.selling_rule.as_str().into(),
        }
    }

    pub fn parse(&self) -> Result<TicketType, FieldErrors> {
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
        match (price, quantity, max_per_order, selling_rule) {
            (Some(price), Some(quantity), Some(max_per_order), Some(selling_rule))
                if errors.is_empty() =>
            {
                Ok(TicketType {
                    name: name.to_owned(),
                    price,
                    quantity,
                    max_per_order,
                    selling_rule,
                })
            }
            _ => Err(errors),
        }
    }
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
        let parsed = form.parse().unwrap();
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
            max_per_order: String::new(),
            selling_rule: String::new(),
        };
        let errors = form.parse().unwrap_err();
        assert!(errors.get("name").is_some());
        assert!(errors.get("currency").is_some());
        let kwd = TicketTypeForm {
            name: "Floor".into(),
            price: "7.25".into(),
            currency: "kwd".into(),
            quantity: "5".into(),
            max_per_order: String::new(),
            selling_rule: String::new(),
        };
        assert_eq!(kwd.parse().unwrap().price.pennies, 7250);
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
        };
        let errors = form.parse().unwrap_err();
        assert!(errors.get("max_per_order").is_some());
        assert!(errors.get("selling_rule").is_some());
        assert!(errors.get("name").is_some());
        assert!(errors.get("price").is_some());
        assert!(errors.get("quantity").is_some());
    }
}
