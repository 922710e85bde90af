//! HTTP: the routes, the extractors every handler leans on, and the error pages.

pub mod assets;
pub mod csrf;
pub mod errors;
pub mod flash;
pub mod handlers;
pub mod headers;
pub mod identity;
pub mod page;
pub mod request_id;
pub mod routes;
pub mod state;
pub mod views;
