//! The test harness: the real application on a free port with its own fresh database
//! (a temp SQLite file, or a new PostgreSQL database when `TEST_DATABASE_URL` is set),
//! and cookie-keeping clients with one helper per user action.
#![allow(dead_code)]
// Test code fails loudly: the crate's `unwrap_used`/`expect_used` lints are for the shop.
// (Each test file says so itself; the harness became a module of the one test binary
// without it, and `cargo clippy --all-targets -D warnings` refused it.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod api;
pub mod damage;
pub mod database;
pub mod door;
pub mod fixtures;
pub mod mail;
pub mod proxy;
pub mod race;
pub mod smtp;
pub mod stripe_shop;
pub mod stripe_standin;
pub mod visitor;
pub mod webhook_receiver;

use std::collections::HashMap;

use actix_web::web;
use boxoffice::app::AppState;
use boxoffice::config::Settings;
use boxoffice::db::Conn;
use boxoffice::domain::common::clock::Clock;
use boxoffice::startup::Application;

pub use database::TestDatabase;
pub use visitor::Visitor;

pub const PASSWORD: &str = "correct horse battery";
pub const SESSION_KEY: &str =
    "test-session-key-0123456789abcdef0123456789abcdef0123456789abcdef0123";

/// A running application and the database behind it.
pub struct TestApp {
    pub address: String,
    pub state: web::Data<AppState>,
    pub database: TestDatabase,
    pub clock: Clock,
}

impl TestApp {
    /// Starts the app on a fresh database.
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(&[]).await
    }

    /// Starts the app with extra settings (`("HOLD_MINUTES", "1")`, say).
    pub async fn spawn_with(overrides: &[(&str, &str)]) -> TestApp {
        let database = TestDatabase::create();
        TestApp::spawn_on(database, overrides).await
    }

    /// Starts another instance on the same database (several instances behind a load
    /// balancer share one database and one session key).
    pub async fn another_instance(&self) -> TestApp {
        TestApp::spawn_on(self.database.share(), &[]).await
    }

    /// As `another_instance`, with extra settings (an SMTP server, say).
    pub async fn another_instance_with(&self, overrides: &[(&str, &str)]) -> TestApp {
        TestApp::spawn_on(self.database.share(), overrides).await
    }

    async fn spawn_on(database: TestDatabase, overrides: &[(&str, &str)]) -> TestApp {
        let mut vars: HashMap<String, String> = HashMap::from([
            ("DATABASE_URL".into(), database.url.clone()),
            ("SESSION_KEY".into(), SESSION_KEY.into()),
            ("BIND".into(), "127.0.0.1:0".into()),
            ("BCRYPT_COST".into(), "4".into()),
            ("DB_POOL_SIZE".into(), "8".into()),
            // Most tests register many users from 127.0.0.1; the registration limits are
            // tested with their own values in tests/suite/abuse.rs.
            ("REGISTRATIONS_PER_ADDRESS".into(), "100000".into()),
            ("REGISTRATIONS_GLOBAL".into(), "100000".into()),
            // Every test buyer comes from 127.0.0.1 too; tests/suite/holds.rs sets its own.
            ("HOLDS_PER_ADDRESS_PER_HOUR".into(), "100000".into()),
            // Most test buyers log in with a password and never follow the mailed link,
            // and many book several events; tests/suite/signup.rs tests the allowance of
            // an unconfirmed account (1 by default) with its own values, and the browser
            // journeys run the binary with the default.
            ("UNCONFIRMED_BOOKINGS".into(), "1000".into()),
            ("UNCONFIRMED_MAY_PASS_ON".into(), "true".into()),
            // Race tests register and log in hundreds of buyers at once: let their hashes
            // queue. The hashing pool's own bound is tested in tests/suite/password_hashing.rs.
            ("PASSWORD_HASHING_QUEUE".into(), "10000".into()),
            // Test receivers of webhooks listen on http://127.0.0.1; the refusal of
            // private addresses is tested with the flag off in tests/suite/webhooks.rs.
            ("WEBHOOK_ALLOW_PRIVATE_URLS".into(), "true".into()),
        ]);
        for (key, value) in overrides {
            vars.insert((*key).into(), (*value).into());
        }
        let settings =
            Settings::from_lookup(|name| vars.get(name).cloned()).expect("test settings");
        let clock = Clock::default();
        let app = Application::build_with_clock(settings, clock.clone()).expect("the app starts");
        let address = format!("http://127.0.0.1:{}", app.port());
        let state = app.state();
        tokio::spawn(app.into_server());
        TestApp {
            address,
            state,
            database,
            clock,
        }
    }

    /// Moves this instance's clock (and those of `others`, by the same amount) to one
    /// second into the next window of `seconds`, so that a test of a limit counted in
    /// fixed windows never straddles a window's edge.
    pub fn start_next_window(&self, seconds: i64, others: &[&TestApp]) {
        let now = self.clock.now().and_utc().timestamp();
        let ahead = seconds - now.rem_euclid(seconds) + 1;
        for clock in std::iter::once(&self.clock).chain(others.iter().map(|o| &o.clock)) {
            clock.advance(chrono::TimeDelta::seconds(ahead));
        }
    }

    /// A new visitor with an empty cookie jar.
    pub fn visitor(&self) -> Visitor {
        Visitor::new(&self.address)
    }

    /// A new visitor whose cookie jar starts with `cookie` (`name=value`).
    pub fn visitor_with_cookie(&self, cookie: &str) -> Visitor {
        Visitor::with_cookie(&self.address, cookie)
    }

    /// A new visitor whose requests say they were forwarded for `chain`.
    pub fn visitor_via(&self, chain: &str) -> Visitor {
        Visitor::forwarded_for(&self.address, chain)
    }

    /// A visitor who registered `email` and then logged in with the password, without
    /// following the mailed link (registering alone never logs in, so that it cannot tell
    /// whether the email had an account): the account's address is not confirmed.
    pub async fn registered(&self, email: &str) -> Visitor {
        let visitor = self.visitor();
        let response = visitor.register(email, PASSWORD).await;
        assert_eq!(response.status(), 303, "registering {email}");
        let response = visitor.login(email, PASSWORD).await;
        assert_eq!(
            response.status(),
            303,
            "logging in as {email} after registering"
        );
        visitor
    }

    /// A logged-in admin (created through the same domain function as `create-admin`).
    pub async fn admin(&self) -> Visitor {
        let email = "admin@example.com";
        let now = self.clock.now();
        self.with_db(move |conn| {
            boxoffice::domain::accounts::account::create_admin(conn, email, PASSWORD, 4, now)
                .expect("admin created");
        })
        .await;
        let visitor = self.visitor();
        let response = visitor.login(email, PASSWORD).await;
        assert_eq!(response.status(), 303, "admin logs in");
        visitor
    }

    /// Runs blocking database work against this app's database.
    pub async fn with_db<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Conn) -> T + Send + 'static,
    ) -> T {
        let pool = self.state.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get().expect("a test connection");
            work(&mut conn)
        })
        .await
        .expect("database work")
    }

    /// The buyer pays on the test provider's checkout page (`/test-checkout/{id}`) but
    /// the shop does not hear of it yet: the payment stands at the provider as if its
    /// webhook were delayed and the buyer had not come back. (Pay on the page itself
    /// confirms at once.) Returns the success page's path, not yet visited.
    pub fn paid_at_provider_unheard(&self, checkout_path: &str) -> String {
        let session_id = checkout_path.trim_start_matches("/test-checkout/");
        let boxoffice::providers::Provider::Test(gateway) = &self.state.provider else {
            panic!("the test provider is not active");
        };
        let paid = gateway
            .pay(session_id, self.clock.now())
            .expect("an open session of the test provider");
        let success = paid
            .request
            .success_url
            .replace("{CHECKOUT_SESSION_ID}", session_id);
        success
            .find("/checkout/")
            .map(|at| success[at..].to_owned())
            .unwrap_or(success)
    }

    /// The books audit (`boxoffice check`), asserting it is clean.
    pub async fn assert_books_clean(&self) {
        let report = self
            .with_db(|conn| boxoffice::domain::audit::books::audit(conn).expect("audit runs"))
            .await;
        assert!(
            report.is_clean(),
            "books have violations: {:?}",
            report.violations
        );
    }
}

/// Polls `condition` until it holds; panics after `limit` (never a sleep standing in for
/// an ordering: the condition is the ordering).
pub async fn deadline<F, Fut>(limit: std::time::Duration, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = std::time::Instant::now();
    while !condition().await {
        assert!(
            start.elapsed() < limit,
            "condition not met within {limit:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
}
