//! The request handlers: extract, authorize, call the domain, render or redirect.

pub mod account;
pub mod address_check;
pub mod admin;
pub mod auth;
pub mod catalogue;
pub mod checkout;
pub mod door;
pub mod health;
pub mod hold_refused;
pub mod password_reset;
pub mod test_checkout;
pub mod ticket_cancel;
pub mod tickets;
