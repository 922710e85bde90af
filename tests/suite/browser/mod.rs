//! The browser test kit: the real server binary, chromedriver with headless Chromium, and
//! a `Shop` session that audits every page it lands on (axe-core, 360 px, visible focus).
//!
//! Shared by `tests/suite/e2e_browser.rs` and `examples/screenshots.rs` (through `#[path]`), so
//! not every item is used by both.
#![allow(dead_code)]

pub mod audit;
pub mod chrome;
pub mod desk;
pub mod poll;
pub mod reading;
pub mod screenshot;
pub mod server;
pub mod shop;

pub use server::Server;
pub use shop::Shop;
