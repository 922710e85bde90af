//! Resale between fans at face value, and gifts. A paid booking is listed whole at a
//! price up to what its holder paid; a buyer locks the listing for a few minutes with
//! one guarded update and pays through the same checkout machinery as a first-hand sale;
//! on payment the booking's seats pass to the buyer with new codes and the seller's
//! payment is refunded by the price minus the shop's fee, in one transaction under the
//! booking's lock. A gift passes a booking's seats for free. Resale changes no
//! inventory: the seats move from one booking to another.
//!
//! Lock order: the seller's booking, then the buyer's row, then the listing.

mod gift;
mod lapse;
mod listing;
mod purchase;
mod rules;

pub use gift::give;
pub use lapse::unlock_lapsed;
pub use listing::{list, reprice, withdraw};
pub use purchase::{ResaleCheckout, plan_resale_payment};
pub use rules::{AskedPrice, ResaleOffer, offers_for_event};
