//! Connecting to SQLite or PostgreSQL through one connection type, pooled with r2d2.

use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, HandleEvent, NopEventHandler, Pool};

use crate::config::Engine;

/// One connection type for both engines: the URL picks the variant.
#[derive(diesel::MultiConnection)]
pub enum Conn {
    Postgresql(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

pub type DbPool = Pool<ConnectionManager<Conn>>;

/// Per-connection SQLite settings, applied on every checkout-ready connection.
#[derive(Debug)]
struct SqlitePragmas;

impl CustomizeConnection<Conn, diesel::r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut Conn) -> Result<(), diesel::r2d2::Error> {
        if let Conn::Sqlite(c) = conn {
            // busy_timeout first; WAL is set once in `connect` (it is kept in the file,
            // and switching it on a busy database can fail without waiting).
            for pragma in [
                "PRAGMA busy_timeout = 10000;",
                "PRAGMA synchronous = NORMAL;",
                "PRAGMA foreign_keys = ON;",
            ] {
                c.batch_execute(pragma)
                    .map_err(diesel::r2d2::Error::QueryError)?;
            }
        }
        Ok(())
    }
}

/// Errors met while opening the database.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("cannot reach the PostgreSQL server at {url}: {source}")]
    Postgres {
        url: String,
        source: diesel::ConnectionError,
    },
    #[error("cannot open the SQLite database {url}: {source}")]
    Sqlite {
        url: String,
        source: diesel::ConnectionError,
    },
    #[error("cannot build the connection pool: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
}

/// Opens a pool of `size` connections, checking first that the server answers so a
/// failure names the server instead of the pool's generic time-out.
pub fn connect(url: &str, size: u32, checkout_timeout: Duration) -> Result<DbPool, ConnectError> {
    connect_with(url, size, checkout_timeout, Box::new(NopEventHandler))
}

/// As `connect`, with `events` told of every checkout (how long it waited) and every
/// checkout that timed out: the metrics' pool waits.
pub fn connect_with(
    url: &str,
    size: u32,
    checkout_timeout: Duration,
    events: Box<dyn HandleEvent>,
) -> Result<DbPool, ConnectError> {
    match Engine::of_url(url) {
        Engine::Postgres => {
            diesel::PgConnection::establish(url).map_err(|source| ConnectError::Postgres {
                url: redact(url),
                source,
            })?;
        }
        Engine::Sqlite => {
            super::sqlite_plans::stable_plans_everywhere();
            let mut conn = diesel::SqliteConnection::establish(url).map_err(|source| {
                ConnectError::Sqlite {
                    url: url.to_owned(),
                    source,
                }
            })?;
            conn.batch_execute("PRAGMA busy_timeout = 10000;")
                .and_then(|()| conn.batch_execute("PRAGMA journal_mode = WAL;"))
                .map_err(|error| ConnectError::Sqlite {
                    url: url.to_owned(),
                    source: diesel::ConnectionError::BadConnection(error.to_string()),
                })?;
        }
    }
    let pool = Pool::builder()
        .max_size(size)
        .min_idle(Some(size.min(4)))
        // A checkout pings the server (`SELECT 1`) to find a connection it dropped; a
        // SQLite file has no server to drop it, so the query would only cost each request.
        .test_on_check_out(Engine::of_url(url) == Engine::Postgres)
        .connection_timeout(checkout_timeout)
        .connection_customizer(Box::new(SqlitePragmas))
        .event_handler(events)
        .build(ConnectionManager::<Conn>::new(url))?;
    Ok(pool)
}

/// Hides a password in a database URL before it is printed.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme + 3],
                    &userinfo[..colon],
                    &url[at..]
                ),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Runs `f` in a transaction that takes the write lock up front.
///
/// On SQLite a deferred transaction that reads and then writes can fail with
/// SQLITE_BUSY even in WAL mode, so this begins with `BEGIN IMMEDIATE` and waits on the
/// busy timeout instead; on PostgreSQL it is an ordinary transaction. An `Err` from `f`
/// rolls everything back, which is how a caught constraint violation must end on both
/// engines (PostgreSQL aborts the transaction after a failed statement anyway).
pub fn write_transaction<T, E, F>(conn: &mut Conn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut Conn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    if !matches!(conn, Conn::Sqlite(_)) {
        return conn.transaction(f);
    }
    if let Conn::Sqlite(c) = conn {
        AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?;
    }
    let result = f(conn);
    let Conn::Sqlite(c) = conn else {
        unreachable!("the variant cannot change inside the transaction")
    };
    match result {
        Ok(value) => match AnsiTransactionManager::commit_transaction(c) {
            Ok(()) => Ok(value),
            Err(error) => {
                let _ = AnsiTransactionManager::rollback_transaction(c);
                Err(error.into())
            }
        },
        Err(error) => {
            AnsiTransactionManager::rollback_transaction(c)?;
            Err(error)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_hides_only_the_password() {
        assert_eq!(
            redact("postgres://app:secret@db:5432/shop"),
            "postgres://app:***@db:5432/shop"
        );
        assert_eq!(redact("postgres://app@db/shop"), "postgres://app@db/shop");
        assert_eq!(redact("boxoffice.db"), "boxoffice.db");
    }

    #[test]
    fn engine_follows_the_url_scheme() {
        assert_eq!(Engine::of_url("postgres://x/y"), Engine::Postgres);
        assert_eq!(Engine::of_url("postgresql://x/y"), Engine::Postgres);
        assert_eq!(Engine::of_url("./boxoffice.db"), Engine::Sqlite);
    }
}
