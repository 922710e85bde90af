//! boxoffice: a server-rendered ticket shop.
//!
//! `startup` builds the whole application (tests start exactly what production starts);
//! `domain` holds the rules, `db` the SQL, `web` the HTTP.

pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod payments;
pub mod startup;
pub mod sweeper;
pub mod web;
