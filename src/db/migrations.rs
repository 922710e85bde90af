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
