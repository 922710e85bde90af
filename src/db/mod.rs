//! The database layer: one connection type for both engines, the pool, and the queries.
//!
//! SQL lives only below this module; everything else calls the plain functions here,
//! each taking `&mut Conn` and returning `QueryResult<T>`.

pub mod connection;
pub mod events;
pub mod migrations;
pub mod models;
pub mod payments;
pub mod schema;
pub mod ticket_schemas;
pub mod tickets;
pub mod users;
pub mod webhook_events;

pub use connection::{Conn, DbPool, Engine, connect, write_transaction};

/// Whether a diesel error is the violation of a UNIQUE constraint.
pub fn is_unique_violation(error: &diesel::result::Error) -> bool {
    matches!(
        error,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}
