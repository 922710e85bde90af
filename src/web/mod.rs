//! HTTP: the routes, the extractors every handler leans on, and the error pages.

pub mod assets;
pub mod client_address;
pub mod csrf;
pub mod errors;
pub mod flash;
pub mod handlers;
pub mod headers;
pub mod identity;
pub mod next_path;
pub mod page;
pub mod routes;
pub mod state;
pub mod trusted_device;
pub mod views;
