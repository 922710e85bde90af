//! HTTP: the routes, the extractors every handler leans on, and the error pages. A
//! handler extracts, authorizes, makes one use-case call (`app`) and renders.
//!
//! May import: `app` and the types its use cases take and return (`domain`, `db::models`,
//! `error`); never a query or a transaction of its own.

pub mod api;
pub mod assets;
pub mod chart;
pub mod client_address;
pub mod csrf;
pub mod door_staff;
pub mod error_pages;
pub mod errors;
pub mod flash;
pub mod gate_cookie;
pub mod handlers;
pub mod head;
pub mod headers;
pub mod identity;
pub mod metrics;
pub mod next_path;
pub mod page;
pub mod page_links;
pub mod payer;
pub mod request_id;
pub mod routes;
pub mod trusted_device;
pub mod views;
