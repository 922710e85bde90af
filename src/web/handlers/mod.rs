//! The request handlers: extract, authorize, call the domain, render or redirect.

pub mod account;
pub mod address_check;
pub mod admin;
pub mod auth;
pub mod booking_cancel;
pub mod booking_give_back;
pub mod bookings;
pub mod box_office;
pub mod catalogue;
pub mod checkout;
pub mod door;
pub mod health;
pub mod hold_refused;
pub mod legacy_paths;
pub mod password_reset;
pub mod pay_link;
pub mod resale;
pub mod seat_share;
pub mod test_checkout;
