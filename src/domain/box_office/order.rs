//! What a seller asks for: seats of a ticket type for a customer (address and name),
//! and how they pay. Parsed once; always valid afterwards. The customer's account is
//! found by address, or made (unconfirmed, without a password: they claim it by
//! resetting the password).

use chrono::NaiveDateTime;

use crate::db::{Conn, is_unique_violation, users};
use crate::domain::accounts::email::Email;
use crate::domain::bookings::selling_rules::MAX_PER_ORDER_LIMIT;
use crate::domain::common::text;
use crate::error::AppError;

/// The longest customer name.
pub const NAME_MAX: usize = 100;
/// The longest note on a counter payment.
pub const NOTE_MAX: usize = 500;
/// The password hash of an account made for a customer: no password matches it, so the
/// account is claimed only through a password reset.
pub const NO_PASSWORD: &str = "!";

/// How a sale is paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SalePayment {
    /// A Stripe Checkout link mailed to the customer; the seats are held until it is paid
    /// or the hold lapses.
    Link,
    /// Recorded at the counter: cash.
    Cash,
    /// Recorded at the counter: the venue's card terminal.
    CardTerminal,
    /// Recorded at the counter: free of charge (admins only).
    Complimentary,
}

impl SalePayment {
    pub const ALL: [SalePayment; 4] = [
        SalePayment::Link,
        SalePayment::Cash,
        SalePayment::CardTerminal,
        SalePayment::Complimentary,
    ];

    pub fn parse(text: &str) -> Option<SalePayment> {
        SalePayment::ALL.into_iter().find(|p| p.as_str() == text)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SalePayment::Link => "link",
            SalePayment::Cash => "cash",
            SalePayment::CardTerminal => "card_terminal",
            SalePayment::Complimentary => "complimentary",
        }
    }

    /// How a person reads it.
    pub fn label(self) -> &'static str {
        match self {
            SalePayment::Link => "Payment link mailed to the customer",
            SalePayment::Cash => "Cash",
            SalePayment::CardTerminal => "Card terminal",
            SalePayment::Complimentary => "Complimentary (admins only)",
        }
    }

    /// Paid at the counter at once (every method but the link).
    pub fn at_counter(self) -> bool {
        self != SalePayment::Link
    }

    /// Only an admin may give seats away.
    pub fn needs_admin(self) -> bool {
        self == SalePayment::Complimentary
    }
}

/// The words of the refusal of a complimentary sale by a seller who is not an admin.
pub const COMPLIMENTARY_NEEDS_ADMIN: &str = "Only an admin may give seats away (complimentary). Record cash or the card terminal, or mail a payment link.";

/// One sale as asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaleOrder {
    pub ticket_type_id: i32,
    pub quantity: i32,
    pub customer_email: Email,
    pub customer_name: String,
    pub payment: SalePayment,
    pub note: String,
}

fn invalid(field: &'static str, message: impl Into<String>) -> AppError {
    AppError::Unprocessable {
        field,
        message: message.into(),
    }
}

impl SaleOrder {
    /// Reads a sale; the first wrong field is named.
    pub fn parse(
        ticket_type_id: i32,
        quantity: i32,
        customer_email: &str,
        customer_name: &str,
        payment: &str,
        note: &str,
    ) -> Result<SaleOrder, AppError> {
        if ticket_type_id < 1 {
            return Err(invalid("ticket_type_id", "Choose a ticket type."));
        }
        if !(1..=MAX_PER_ORDER_LIMIT).contains(&quantity) {
            return Err(invalid(
                "quantity",
                format!("Sell 1 to {MAX_PER_ORDER_LIMIT} seats."),
            ));
        }
        let customer_email =
            Email::parse(customer_email).map_err(|message| invalid("customer_email", message))?;
        let name = customer_name.trim();
        if name.is_empty() || !text::is_clean_line(name) || name.chars().count() > NAME_MAX {
            return Err(invalid(
                "customer_name",
                format!("The customer's name is one line of 1 to {NAME_MAX} characters."),
            ));
        }
        let payment = SalePayment::parse(payment).ok_or_else(|| {
            invalid(
                "payment",
                "Choose link, cash, card_terminal or complimentary.",
            )
        })?;
        let note = note.trim();
        if !text::is_clean_block(note) || note.chars().count() > NOTE_MAX {
            return Err(invalid(
                "note",
                format!("A note is at most {NOTE_MAX} characters, without control characters."),
            ));
        }
        Ok(SaleOrder {
            ticket_type_id,
            quantity,
            customer_email,
            customer_name: name.split_whitespace().collect::<Vec<_>>().join(" "),
            payment,
            note: note.to_owned(),
        })
    }
}

/// The customer's account: the one using the address, or a new one (unconfirmed, no
/// password). Two sales to a new address at once make one account: the second insert
/// meets the UNIQUE address and reads the first's. Runs outside any transaction, so the
/// violation aborts nothing (PostgreSQL).
pub fn customer(conn: &mut Conn, email: &Email, now: NaiveDateTime) -> Result<i32, AppError> {
    if let Some(user) = users::find_by_email(conn, email.as_str())? {
        return Ok(user.id);
    }
    match users::insert(
        conn,
        &users::new_user(email.as_str(), NO_PASSWORD, false, now),
    ) {
        Ok(user) => Ok(user.id),
        Err(error) if is_unique_violation(&error) => users::find_by_email(conn, email.as_str())?
            .map(|user| user.id)
            .ok_or(AppError::NotFound),
        Err(error) => Err(error.into()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn field_of(error: AppError) -> &'static str {
        match error {
            AppError::Unprocessable { field, .. } => field,
            other => panic!("not a field error: {other:?}"),
        }
    }

    #[test]
    fn an_order_is_read_once_and_names_its_wrong_field() {
        let order =
            SaleOrder::parse(3, 2, " Ann@Example.com ", "  Ann   Lee ", "cash", " ").unwrap();
        assert_eq!(order.customer_email.as_str(), "ann@example.com");
        assert_eq!(order.customer_name, "Ann Lee");
        assert_eq!(order.payment, SalePayment::Cash);
        assert!(order.payment.at_counter());
        let wrong =
            |t, q, e, n, p, note| field_of(SaleOrder::parse(t, q, e, n, p, note).unwrap_err());
        assert_eq!(wrong(0, 1, "a@b.co", "A", "cash", ""), "ticket_type_id");
        assert_eq!(wrong(1, 0, "a@b.co", "A", "cash", ""), "quantity");
        assert_eq!(wrong(1, 51, "a@b.co", "A", "cash", ""), "quantity");
        assert_eq!(wrong(1, 1, "nobody", "A", "cash", ""), "customer_email");
        assert_eq!(wrong(1, 1, "a@b.co", " ", "cash", ""), "customer_name");
        assert_eq!(wrong(1, 1, "a@b.co", "A\u{0}", "cash", ""), "customer_name");
        assert_eq!(wrong(1, 1, "a@b.co", "A", "cheque", ""), "payment");
        assert_eq!(wrong(1, 1, "a@b.co", "A", "cash", &"x".repeat(501)), "note");
        assert!(SalePayment::Complimentary.needs_admin());
        assert!(!SalePayment::Link.at_counter());
    }
}
