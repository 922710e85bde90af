//! The shop's rules, with no HTTP in them: each module owns one idea. Rules that need a
//! database take `&mut Conn` and run their transactions here (the locking rule is in
//! `bookings::locking`); the unit tests sit beside the pure ones and, for the checkout, run on a
//! temp SQLite file; the rest are driven through the real app in `tests/`.
//!
//! One folder per feature of the shop (the README's glossary names them).
//!
//! May import: `db`, `error`. Never `app`, `providers` or `web`.

pub mod accounts;
pub mod api;
pub mod audit;
pub mod bookings;
pub mod box_office;
pub mod catalogue;
pub mod common;
pub mod desk;
pub mod door;
pub mod limits;
pub mod outbox;
pub mod payments;
pub mod resale;
pub mod seed;
pub mod staff;
pub mod webhooks;
