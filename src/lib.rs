//! boxoffice: a server-rendered ticket shop.
//!
//! `startup` builds the whole application (tests start exactly what production starts).
//! The layers, each importing only from those below it:
//! - `web` — HTTP: routes, extractors, pages (and `cli`, `sweeper`: the other front doors);
//! - `app` — the use cases every front door calls;
//! - `payments` (the providers) and `domain` (the rules, no I/O but the database);
//! - `db` — the connection, the schema and the SQL.

pub mod app;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod mail;
pub mod providers;
pub mod startup;
pub mod sweeper;
pub mod web;
