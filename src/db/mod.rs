//! The database layer: one connection type for both engines, the pool, the schema, the
//! stored statuses, and the queries.
//!
//! The application's SQL lives below this module (tests may reach past it to set up or
//! break state on purpose); everything else calls the plain functions here, each taking
//! `&mut Conn` and returning `QueryResult<T>`.
//!
//! May import: nothing else of the crate. The bottom layer.

/// Runs a query on the connection type of the engine behind `conn` (`on_engine!(conn, c
/// => query.load(c))`): the query is written once and compiled for each engine's own
/// backend. For the hot paths: through the two-engine `Conn`, diesel writes a query's
/// whole SQL text out again on every run, twice (to decide it may be cached, then to
/// bind), which was 17% of the front and event pages' CPU; on the engine's own
/// connection a cached statement is found by its type and only bound. (Defined before
/// the modules below, which see it by textual scope.)
macro_rules! on_engine {
    ($conn:expr, $c:ident => $run:expr) => {
        match $conn {
            $crate::db::Conn::Postgresql($c) => $run,
            $crate::db::Conn::Sqlite($c) => $run,
        }
    };
}

pub mod admissions;
pub mod api_tokens;
pub mod booking_transfers;
pub mod bookings;
pub mod box_office_sales;
pub mod bulk_seed;
pub mod checkin_log;
pub mod checkins;
pub mod connection;
pub mod events;
pub mod exports;
pub mod feed_events;
pub mod gauges;
pub mod idempotency_keys;
pub mod limit_counters;
pub mod mailbox;
pub mod migrations;
pub mod models;
pub mod outbox;
pub mod password_resets;
pub mod payment_attempts;
pub mod refunds;
pub mod resale_listings;
pub mod retired_codes;
pub mod sales;
pub mod schema;
pub mod sqlite_plans;
pub mod staff_grants;
pub mod status;
pub mod ticket_types;
pub mod trusted_devices;
pub mod users;
pub mod webhook_deliveries;
pub mod webhook_endpoints;
pub mod webhook_events;

pub use connection::{Conn, DbPool, connect, connect_with, write_transaction};
pub use staff_grants::{box_office_grants, door_grants};

/// What a guarded update (`UPDATE … WHERE <the state the caller expects>`) did. The
/// compiler makes every caller look at it: `Lost` means another transition changed the
/// row first, and carrying on as if it had applied is how money goes missing.
#[must_use = "a guarded update that lost must be acted on"]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guarded {
    /// The row was in the expected state and has changed.
    Applied,
    /// The row was not (or no longer) in the expected state; nothing changed.
    Lost,
}

impl Guarded {
    /// From the number of rows an update of one row by its id changed.
    pub fn from_rows(rows: usize) -> Guarded {
        if rows == 1 {
            Guarded::Applied
        } else {
            Guarded::Lost
        }
    }

    pub fn applied(self) -> bool {
        self == Guarded::Applied
    }
}

/// A trivial query: whether the database answers (the health check).
pub fn ping(conn: &mut Conn) -> diesel::QueryResult<()> {
    use diesel::RunQueryDsl;
    diesel::sql_query("SELECT 1").execute(conn).map(|_| ())
}

/// Whether a diesel error is the violation of a UNIQUE constraint.
pub fn is_unique_violation(error: &diesel::result::Error) -> bool {
    matches!(
        error,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}
