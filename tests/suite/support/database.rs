//! A fresh database per test: a temp SQLite file, or — when `TEST_DATABASE_URL` names a
//! PostgreSQL server — a new database on it, dropped afterwards. An unreachable server
//! fails the test; it never falls back to SQLite.

use std::sync::Arc;

use diesel::{Connection, PgConnection, RunQueryDsl};
use rand::Rng;

pub struct TestDatabase {
    pub url: String,
    /// Keeps the SQLite directory or the PostgreSQL database alive while shared.
    _guard: Arc<Guard>,
}

enum Guard {
    Sqlite(tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Guard::Postgres { admin_url, name } = self
            && let Ok(mut conn) = PgConnection::establish(admin_url)
        {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut conn);
        }
    }
}

impl TestDatabase {
    pub fn create() -> TestDatabase {
        match std::env::var("TEST_DATABASE_URL") {
            Ok(url) if url.starts_with("postgres") => TestDatabase::postgres(&url),
            _ => TestDatabase::sqlite(),
        }
    }

    /// Whether the tests run on PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        self.url.starts_with("postgres")
    }

    fn sqlite() -> TestDatabase {
        let dir = tempfile::tempdir().expect("a temp dir");
        let url = dir.path().join("shop.db").to_string_lossy().into_owned();
        TestDatabase {
            url,
            _guard: Arc::new(Guard::Sqlite(dir)),
        }
    }

    fn postgres(admin_url: &str) -> TestDatabase {
        let mut conn = PgConnection::establish(admin_url).unwrap_or_else(|e| {
            panic!("TEST_DATABASE_URL is set but PostgreSQL cannot be reached ({admin_url}): {e}")
        });
        let name = format!("boxoffice_test_{:016x}", rand::rng().random::<u64>());
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .expect("create the test database");
        let base = admin_url
            .rsplit_once('/')
            .map(|(base, _)| base)
            .expect("a database URL with a path");
        TestDatabase {
            url: format!("{base}/{name}"),
            _guard: Arc::new(Guard::Postgres {
                admin_url: admin_url.to_owned(),
                name,
            }),
        }
    }

    /// The same database for a second instance.
    pub fn share(&self) -> TestDatabase {
        TestDatabase {
            url: self.url.clone(),
            _guard: self._guard.clone(),
        }
    }
}
