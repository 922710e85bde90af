//! The shop's rules, with no HTTP in them: each module owns one idea. Rules that need a
//! database take `&mut Conn` and run their transactions here (the locking rule is in
//! `locking`); the unit tests sit beside the pure ones and, for the checkout, run on a
//! temp SQLite file; the rest are driven through the real app in `tests/`.
//!
//! May import: `db`, `error`. Never `app`, `payments` or `web`.

pub mod accounts;
pub mod address_check;
pub mod admissions;
pub mod api_idempotency;
pub mod api_token;
pub mod booking_status;
pub mod books;
pub mod catalogue;
pub mod checkout;
pub mod clock;
pub mod demo;
pub mod desk_pages;
pub mod door;
pub mod email;
pub mod event_admin;
pub mod event_form;
pub mod event_lifecycle;
pub mod event_pages;
pub mod event_status;
pub mod form_errors;
pub mod hold_rules;
pub mod idempotency_key;
pub mod inventory;
pub mod limits;
pub mod locking;
pub mod login_throttle;
pub mod markdown;
pub mod minimum_charge;
pub mod money;
pub mod outbox;
pub mod password_reset;
pub mod qr;
pub mod refund_policy;
pub mod reservation;
pub mod sale_window;
pub mod sales;
pub mod scale_seed;
pub mod selling_rules;
pub mod text;
pub mod ticket_code;
pub mod ticket_type_form;
pub mod time_zone;
pub mod trusted_device;
pub mod wording;
