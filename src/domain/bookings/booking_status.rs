//! The states a ticket row moves through, and which of them hold a seat (defined with the
//! rows in `db::status`).

pub use crate::db::status::BookingStatus;
