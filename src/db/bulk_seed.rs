//! Bulk inserts for the scale data set: multi-row INSERTs with explicit ids, in batches
//! under each engine's bind-parameter limit, committed every few batches.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{admissions, bookings, events, payments, refunds, ticket_types, users};
use super::{Conn, write_transaction};

/// Bind parameters per statement: under SQLite's 32,766 (and PostgreSQL's 65,535).
const MAX_BINDS: usize = 30_000;
/// Batches per transaction: bounds SQLite's WAL and PostgreSQL's open transaction.
const BATCHES_PER_COMMIT: usize = 20;

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = users, treat_none_as_default_value = false)]
pub struct SeedUser {
    pub id: i32,
    pub email: String,
    pub password_hash: String,
    pub is_admin: bool,
    pub session_generation: i32,
    pub created_at: NaiveDateTime,
    pub email_verified_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = events, treat_none_as_default_value = false)]
pub struct SeedEvent {
    pub id: i32,
    pub title: String,
    pub description: String,
    pub venue: String,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub published: bool,
    pub created_at: NaiveDateTime,
    pub ended_at: Option<NaiveDateTime>,
    pub cancelled_at: Option<NaiveDateTime>,
    pub refund_hours_before: Option<i32>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = ticket_types, treat_none_as_default_value = false)]
pub struct SeedTicketType {
    pub id: i32,
    pub event_id: i32,
    pub name: &'static str,
    pub amount_pennies: i64,
    pub currency: &'static str,
    pub total_tickets: i32,
    pub available_tickets_count: i32,
    pub lock_version: i32,
    pub max_per_order: i32,
    pub selling_rule: &'static str,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = bookings, treat_none_as_default_value = false)]
pub struct SeedBooking {
    pub id: i32,
    pub user_id: i32,
    pub event_id: i32,
    pub ticket_type_id: i32,
    pub status: &'static str,
    pub reserved_until: Option<NaiveDateTime>,
    pub hold_number: i32,
    pub code: String,
    pub created_at: NaiveDateTime,
    pub paid_at: Option<NaiveDateTime>,
    pub quantity: i32,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = payments, treat_none_as_default_value = false)]
pub struct SeedPayment {
    pub id: i32,
    pub booking_id: i32,
    pub user_id: i32,
    pub hold_number: i32,
    pub attempt: i32,
    pub provider: &'static str,
    pub provider_session_id: Option<String>,
    pub amount_pennies: i64,
    pub currency: &'static str,
    pub status: &'static str,
    pub expires_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub paid_at: Option<NaiveDateTime>,
    pub refunded_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = refunds, treat_none_as_default_value = false)]
pub struct SeedRefund {
    pub id: i32,
    pub payment_id: i32,
    pub amount_pennies: i64,
    pub currency: &'static str,
    pub idempotency_key: Option<String>,
    pub provider_refund_id: Option<String>,
    pub status: &'static str,
    pub reason: &'static str,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = admissions, treat_none_as_default_value = false)]
pub struct SeedAdmission {
    pub id: i32,
    pub booking_id: i32,
    pub event_id: i32,
    pub hold_number: i32,
    pub position: i32,
    pub code: String,
    pub status: &'static str,
    pub checked_in_at: Option<NaiveDateTime>,
    pub gate: Option<&'static str>,
    pub created_at: NaiveDateTime,
}

/// The highest id in use in each table the seed writes (0 when empty): new rows follow.
#[derive(Debug, Clone, Copy, Default)]
pub struct IdBases {
    pub users: i32,
    pub events: i32,
    pub ticket_types: i32,
    pub bookings: i32,
    pub payments: i32,
    pub refunds: i32,
    pub admissions: i32,
}

pub fn id_bases(conn: &mut Conn) -> QueryResult<IdBases> {
    use diesel::dsl::max;
    Ok(IdBases {
        users: users::table
            .select(max(users::id))
            .first::<Option<i32>>(conn)?
            .unwrap_or(0),
        events: events::table
            .select(max(events::id))
            .first::<Option<i32>>(conn)?
            .unwrap_or(0),
        ticket_types: ticket_types::table
            .select(max(ticket_types::id))
            .first::<Option<i32>>(conn)?
            .unwrap_or(0),
        bookings: bookings::table
            .select(max(bookings::id))
            .first::<Option<i32>>(conn)?
            .unwrap_or(0),
        payments: payments::table
            .select(max(payments::id))
            .first::<Option<i32>>(conn)?
            .unwrap_or(0),
        refunds: refunds::table
            .select(max(refunds::id))
            .first::<Option<i32>>(conn)?
            .unwrap_or(0),
        admissions: admissions::table
            .select(max(admissions::id))
            .first::<Option<i32>>(conn)?
            .unwrap_or(0),
    })
}

/// Rows per INSERT for a table of `columns` columns.
pub const fn batch_rows(columns: usize) -> usize {
    MAX_BINDS / columns
}

/// How many values one row binds: the placeholders of its INSERT as SQLite would run it
/// (read from the statement, so a column added to a row type is counted without
/// anyone remembering to).
fn binds_per_row<Q>(insert: &Q) -> usize
where
    Q: diesel::query_builder::QueryFragment<diesel::sqlite::Sqlite>
        + diesel::query_builder::QueryId,
{
    let sql = diesel::debug_query::<diesel::sqlite::Sqlite, _>(insert).to_string();
    let statement = sql.split(" -- binds:").next().unwrap_or_default();
    statement.matches('?').count().max(1)
}

/// Runs one multi-row INSERT on the engine's own connection (a batch insert, never the
/// row-by-row fallback: every row binds every column).
macro_rules! insert_batch {
    ($conn:expr, $table:path, $rows:expr) => {
        match $conn {
            Conn::Postgresql(pg) => diesel::insert_into($table).values($rows).execute(pg),
            Conn::Sqlite(sqlite) => diesel::insert_into($table).values($rows).execute(sqlite),
        }
    };
}

/// Inserts `rows` in batches as large as the bind limit allows, `BATCHES_PER_COMMIT`
/// batches per transaction.
macro_rules! insert_all {
    ($name:ident, $row:ty, $table:path) => {
        pub fn $name(conn: &mut Conn, rows: &[$row]) -> QueryResult<usize> {
            let Some(first) = rows.first() else {
                return Ok(0);
            };
            let per_batch = batch_rows(binds_per_row(&diesel::insert_into($table).values(first)));
            let mut inserted = 0;
            for group in rows.chunks(per_batch * BATCHES_PER_COMMIT) {
                inserted += write_transaction(conn, |c| {
                    let mut n = 0;
                    for batch in group.chunks(per_batch) {
                        n += insert_batch!(c, $table, batch)?;
                    }
                    Ok::<usize, diesel::result::Error>(n)
                })?;
            }
            Ok(inserted)
        }
    };
}

insert_all!(insert_users, SeedUser, users::table);
insert_all!(insert_events, SeedEvent, events::table);
insert_all!(insert_ticket_types, SeedTicketType, ticket_types::table);
insert_all!(insert_bookings, SeedBooking, bookings::table);
insert_all!(insert_payments, SeedPayment, payments::table);
insert_all!(insert_refunds, SeedRefund, refunds::table);
insert_all!(insert_admissions, SeedAdmission, admissions::table);

/// After explicit ids, moves PostgreSQL's identity sequences past them (SQLite's
/// AUTOINCREMENT follows explicit ids by itself).
pub fn reset_sequences(conn: &mut Conn) -> QueryResult<()> {
    if let Conn::Postgresql(pg) = conn {
        for table in [
            "users",
            "events",
            "ticket_schemas",
            "tickets",
            "payments",
            "refunds",
            "admissions",
        ] {
            diesel::sql_query(format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                 (SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
            ))
            .execute(pg)?;
        }
    }
    Ok(())
}

/// Refreshes the planner's statistics after a bulk load; on PostgreSQL also vacuums, so
/// that the visibility map is set and index-only scans skip the heap, as they do once
/// autovacuum has been by (outside a transaction: VACUUM refuses to run in one).
pub fn analyze(conn: &mut Conn) -> QueryResult<()> {
    match conn {
        Conn::Postgresql(pg) => diesel::sql_query("VACUUM ANALYZE").execute(pg).map(|_| ()),
        Conn::Sqlite(sqlite) => diesel::sql_query("ANALYZE").execute(sqlite).map(|_| ()),
    }
}
