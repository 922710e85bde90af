//! The shop's rules, with no HTTP in them: each module owns one idea and is tested beside it.

pub mod accounts;
pub mod books;
pub mod catalogue;
pub mod checkout;
pub mod clock;
pub mod demo;
pub mod email;
pub mod event_admin;
pub mod event_form;
pub mod form_errors;
pub mod inventory;
pub mod login_throttle;
pub mod money;
pub mod qr;
pub mod rate_limit;
pub mod registration_limits;
pub mod reservation;
pub mod seat_line;
pub mod text;
pub mod ticket_code;
pub mod ticket_status;
pub mod ticket_type_form;
