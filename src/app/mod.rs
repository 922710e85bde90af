//! The use cases: one async function per thing a person (or the clock) can do, shared by
//! every front door — the HTML shop now, the JSON API next. Each takes plain typed inputs
//! and returns typed outcomes; it owns the blocking-pool calls, the seat line, the
//! payment provider's calls and the transactions, and knows nothing of HTTP, forms,
//! flashes or templates.
//!
//! Layers point down only: `web` → `app` → (`payments`, `domain`) → `db`. This module may
//! import `domain`, `payments`, `db`, `config` and `error`; never `web`.

pub mod accounts;
pub mod address_check;
pub mod admin;
pub mod api_idempotency;
pub mod api_tokens;
pub mod batch_line;
pub mod booking_desk;
pub mod bookings;
pub mod box_office;
pub mod cancel_terms;
pub mod catalogue;
pub mod checkout;
pub mod dispatcher;
pub mod door;
pub mod door_admin;
pub mod event_lifecycle;
pub mod exports;
pub mod give_back;
pub mod health;
pub mod limits;
pub mod login;
pub mod messages;
pub mod metrics;
pub mod password_hashing;
pub mod password_reset;
pub mod pay_link;
pub mod personal_tokens;
pub mod provider_webhook;
pub mod reconcile;
pub mod refunds;
pub mod resale;
pub mod reserve;
pub mod retention;
pub mod sales;
pub mod seat_shares;
pub mod staff;
pub mod state;
pub mod sweeps;
pub mod test_checkout;
pub mod webhooks;

pub use state::AppState;
