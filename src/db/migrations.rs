//! The embedded migrations of each engine, applied at start and by `boxoffice migrate`.

use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::Conn;

const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

type MigrationError = Box<dyn std::error::Error + Send + Sync>;

/// Applies every pending migration; returns how many ran.
pub fn run_pending(conn: &mut Conn) -> Result<usize, MigrationError> {
    let applied = match conn {
        Conn::Sqlite(c) => c.run_pending_migrations(SQLITE)?.len(),
        Conn::Postgresql(c) => c.run_pending_migrations(POSTGRES)?.len(),
    };
    Ok(applied)
}

/// Reverts every applied migration (used by the up → down → up test).
pub fn revert_all(conn: &mut Conn) -> Result<usize, MigrationError> {
    let reverted = match conn {
        Conn::Sqlite(c) => c.revert_all_migrations(SQLITE)?.len(),
        Conn::Postgresql(c) => c.revert_all_migrations(POSTGRES)?.len(),
    };
    Ok(reverted)
}

/// Reverts the newest applied migration (tests migrate a database populated under the
/// previous schema).
pub fn revert_last(conn: &mut Conn) -> Result<(), MigrationError> {
    match conn {
        Conn::Sqlite(c) => c.revert_last_migration(SQLITE).map(|_| ()),
        Conn::Postgresql(c) => c.revert_last_migration(POSTGRES).map(|_| ()),
    }
}

/// Reverts the newest migrations until `version` (a folder's date part, such as
/// `2026-11-22-000001`) is the newest applied: tests of a data migration start from the
/// schema before it. Returns how many were reverted.
pub fn revert_to(conn: &mut Conn, version: &str) -> Result<usize, MigrationError> {
    let digits = |v: &str| v.chars().filter(char::is_ascii_digit).collect::<String>();
    let target = digits(version);
    let mut reverted = 0;
    loop {
        let applied = match conn {
            Conn::Sqlite(c) => c.applied_migrations()?,
            Conn::Postgresql(c) => c.applied_migrations()?,
        };
        let newest = applied.iter().map(|v| digits(&v.to_string())).max();
        match newest {
            Some(newest) if newest > target => {
                revert_last(conn)?;
                reverted += 1;
            }
            _ => return Ok(reverted),
        }
    }
}
