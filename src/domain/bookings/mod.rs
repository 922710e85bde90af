//! Bookings (one per person per event, N seats): holding seats under the inventory's
//! optimistic lock, the selling rules and hold rules, the booking's states, its seats'
//! admissions and codes, whether its buyer may cancel it for a refund, and passing its
//! seats to another holder (a resale or a gift).

pub mod admissions;
pub mod booking_status;
pub mod hold_rules;
pub mod inventory;
pub mod locking;
pub mod qr;
pub mod refund_policy;
pub mod reservation;
pub mod seat_share;
pub mod selling_rules;
pub mod ticket_code;
pub mod transfer;
