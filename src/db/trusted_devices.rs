//! Queries on `trusted_devices`: the hashed secrets of the devices that logged in to an
//! account (`domain::accounts::trusted_device`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::trusted_devices::dsl;
use super::{Conn, Guarded};

pub fn insert(
    conn: &mut Conn,
    user_id: i32,
    secret_hash: &str,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(dsl::trusted_devices)
        .values((
            dsl::user_id.eq(user_id),
            dsl::secret_hash.eq(secret_hash),
            dsl::created_at.eq(now),
            dsl::last_used_at.eq(now),
            dsl::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The live device of `user_id` whose secret hashes to one of `hashes`: its id and that
/// hash.
pub fn find_live(
    conn: &mut Conn,
    user_id: i32,
    hashes: &[String],
    now: NaiveDateTime,
) -> QueryResult<Option<(i32, String)>> {
    if hashes.is_empty() {
        return Ok(None);
    }
    dsl::trusted_devices
        .filter(dsl::user_id.eq(user_id))
        .filter(dsl::secret_hash.eq_any(hashes))
        .filter(dsl::expires_at.gt(now))
        .select((dsl::id, dsl::secret_hash))
        .first(conn)
        .optional()
}

/// Replaces a device's secret (a log-in from it): `Lost` when another log-in replaced it
/// first.
pub fn rotate(
    conn: &mut Conn,
    id: i32,
    old_hash: &str,
    new_hash: &str,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> QueryResult<Guarded> {
    diesel::update(
        dsl::trusted_devices
            .filter(dsl::id.eq(id))
            .filter(dsl::secret_hash.eq(old_hash)),
    )
    .set((
        dsl::secret_hash.eq(new_hash),
        dsl::last_used_at.eq(now),
        dsl::expires_at.eq(expires_at),
    ))
    .execute(conn)
    .map(Guarded::from_rows)
}

/// Forgets the expired devices of `user_id` and all but its `keep` most recently used.
pub fn keep_newest(
    conn: &mut Conn,
    user_id: i32,
    keep: usize,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let mut forgotten = diesel::delete(
        dsl::trusted_devices
            .filter(dsl::user_id.eq(user_id))
            .filter(dsl::expires_at.le(now)),
    )
    .execute(conn)?;
    let ids: Vec<i32> = dsl::trusted_devices
        .filter(dsl::user_id.eq(user_id))
        .order((dsl::last_used_at.desc(), dsl::id.desc()))
        .select(dsl::id)
        .load(conn)?;
    if ids.len() > keep {
        forgotten += diesel::delete(dsl::trusted_devices.filter(dsl::id.eq_any(&ids[keep..])))
            .execute(conn)?;
    }
    Ok(forgotten)
}

/// Ends every device of `user_id` (its password changed).
pub fn delete_for_user(conn: &mut Conn, user_id: i32) -> QueryResult<usize> {
    diesel::delete(dsl::trusted_devices.filter(dsl::user_id.eq(user_id))).execute(conn)
}

/// How many devices `user_id` has (tests and the account page).
pub fn count_for_user(conn: &mut Conn, user_id: i32) -> QueryResult<i64> {
    dsl::trusted_devices
        .filter(dsl::user_id.eq(user_id))
        .count()
        .get_result(conn)
}
