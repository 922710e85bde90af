//! Typed settings read once from the environment; a bad value stops start-up and names
//! the variable. `Settings` is assembled here; each part is read in its own file.

use std::net::SocketAddr;
use std::time::Duration;

mod client_addresses;
mod database;
mod limits;
mod parse;
mod secret;
mod sections;
mod webhooks;

pub use database::{DEFAULT_DATABASE_URL, Engine};
pub use limits::LimitSettings;
pub use parse::ConfigError;
pub use secret::{SESSION_KEY_MIN_BYTES, Secret};
pub use sections::{
    ApiSettings, HashingSettings, HttpSettings, OutboxSettings, RetentionSettings, StripeSettings,
};
pub use webhooks::WebhookSettings;

use crate::domain::limits::client_address::ClientAddresses;
use client_addresses::client_address_settings;
use parse::{bad, parse_or};
use secret::{key_file_beside, load_or_create_key_file};
use sections::{
    api_settings, hashing_settings, http_settings, metrics_token, outbox_settings,
    retention_settings, smtp_url,
};

#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: String,
    pub bind: SocketAddr,
    pub public_url: String,
    pub session_key: Secret,
    pub hold_minutes: i64,
    /// How long a resale buyer's lock on a listing lasts while they pay
    /// (`RESALE_LOCK_MINUTES`, 10).
    pub resale_lock_minutes: i64,
    pub bcrypt_cost: u32,
    /// Password hashing's own pool of threads and its queue.
    pub password_hashing: HashingSettings,
    pub db_pool_size: u32,
    pub db_checkout_timeout: Duration,
    pub sweep_interval: Duration,
    /// How the client's address is read: the proxies whose `X-Forwarded-For` is
    /// believed (`TRUSTED_PROXIES`) and the IPv6 network one client is counted as
    /// (`IPV6_CLIENT_PREFIX`).
    pub client_addresses: ClientAddresses,
    /// The JSON API's token lifetime and rate limits.
    pub api: ApiSettings,
    /// Every limit, each shared by all instances (`config::limits`).
    pub limits: LimitSettings,
    pub stripe: Option<StripeSettings>,
    pub allow_test_payments_on_https: bool,
    pub provider_timeout: Duration,
    /// Seed the demo events into an empty database at start (the `serve` command).
    pub seed_demo_on_empty: bool,
    /// Where mail goes (`smtp://user:pass@host:port`, `smtps://…`); unset: the dev mailbox.
    pub smtp_url: Option<Secret>,
    pub smtp_timeout: Duration,
    /// The sender of every mail (`MAIL_FROM`).
    pub mail_from: String,
    pub outbox: OutboxSettings,
    /// How long what is kept only for a while is kept (the daily purge).
    pub retention: RetentionSettings,
    /// `GET /metrics` answers only with `Authorization: Bearer <this>`; unset, it is off
    /// (404).
    pub metrics_token: Option<Secret>,
    /// How connections are taken in and how many are served at once.
    pub http: HttpSettings,
    /// Outgoing webhooks: allowed addresses, retries, disabling (`config::webhooks`).
    pub webhooks: WebhookSettings,
    /// The zone a new event's form starts with (`DEFAULT_TIME_ZONE`, an IANA name; UTC).
    pub default_time_zone: chrono_tz::Tz,
}

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> Result<Settings, ConfigError> {
        Settings::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Settings, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let database_url = get("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
        let engine = Engine::of_url(&database_url);
        let bind: SocketAddr = parse_or(&get, "BIND", "127.0.0.1:8080".parse().ok())?;
        let public_url = get("PUBLIC_URL")
            .unwrap_or_else(|| format!("http://{bind}"))
            .trim_end_matches('/')
            .to_owned();
        if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
            return Err(bad("PUBLIC_URL", "must start with http:// or https://"));
        }
        let session_key = match get("SESSION_KEY") {
            Some(key) if key.len() >= SESSION_KEY_MIN_BYTES => Secret::new(key),
            Some(_) => {
                return Err(bad(
                    "SESSION_KEY",
                    format!("must be at least {SESSION_KEY_MIN_BYTES} bytes long"),
                ));
            }
            None if engine == Engine::Postgres => {
                return Err(bad(
                    "SESSION_KEY",
                    "is required with PostgreSQL, so every instance signs sessions alike",
                ));
            }
            None => load_or_create_key_file(&key_file_beside(&database_url)).map_err(|e| {
                bad(
                    "SESSION_KEY",
                    format!("unset, and the key file could not be used: {e}"),
                )
            })?,
        };
        let hold_minutes: i64 = parse_or(&get, "HOLD_MINUTES", Some(15))?;
        if !(1..=24 * 60).contains(&hold_minutes) {
            return Err(bad("HOLD_MINUTES", "must be between 1 and 1440"));
        }
        let resale_lock_minutes: i64 = parse_or(&get, "RESALE_LOCK_MINUTES", Some(10))?;
        if !(1..=120).contains(&resale_lock_minutes) {
            return Err(bad("RESALE_LOCK_MINUTES", "must be between 1 and 120"));
        }
        let bcrypt_cost: u32 = parse_or(&get, "BCRYPT_COST", Some(12))?;
        if !(4..=31).contains(&bcrypt_cost) {
            return Err(bad("BCRYPT_COST", "must be between 4 and 31"));
        }
        // A few connections per core: more only add runnable threads on a small
        // machine (measured: 16 on 2 cores gave PostgreSQL page views 1-10 s tails).
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get() as u32);
        let default_pool = (cores * 2).clamp(4, 32);
        let db_pool_size: u32 = parse_or(&get, "DB_POOL_SIZE", Some(default_pool))?;
        if db_pool_size == 0 {
            return Err(bad("DB_POOL_SIZE", "must be at least 1"));
        }
        let stripe = match get("STRIPE_SECRET_KEY") {
            None => None,
            Some(secret_key) => Some(StripeSettings {
                secret_key: Secret::new(secret_key),
                webhook_secret: Secret::new(get("STRIPE_WEBHOOK_SECRET").ok_or_else(|| {
                    bad(
                        "STRIPE_WEBHOOK_SECRET",
                        "is required when STRIPE_SECRET_KEY is set",
                    )
                })?),
                api_base: get("STRIPE_API_BASE").map(|b| b.trim_end_matches('/').to_owned()),
            }),
        };
        let allow_test_payments_on_https = parse_or(&get, "ALLOW_TEST_PAYMENTS", Some(false))?;
        if stripe.is_none() && public_url.starts_with("https://") && !allow_test_payments_on_https {
            return Err(bad(
                "STRIPE_SECRET_KEY",
                "is unset, so the built-in test payment provider would run on a public https site; \
                 set STRIPE_SECRET_KEY, or ALLOW_TEST_PAYMENTS=true to allow it",
            ));
        }
        let client_addresses = client_address_settings(&get)?;
        Ok(Settings {
            database_url,
            bind,
            public_url,
            session_key,
            hold_minutes,
            resale_lock_minutes,
            bcrypt_cost,
            password_hashing: hashing_settings(&get)?,
            db_pool_size,
            db_checkout_timeout: Duration::from_millis(parse_or(
                &get,
                "DB_CHECKOUT_TIMEOUT_MS",
                Some(5000),
            )?),
            sweep_interval: Duration::from_secs(
                parse_or(&get, "SWEEP_INTERVAL_SECONDS", Some(15))?.max(1),
            ),
            client_addresses,
            api: api_settings(&get)?,
            limits: limits::limit_settings(&get)?,
            stripe,
            allow_test_payments_on_https,
            provider_timeout: Duration::from_millis(parse_or(
                &get,
                "PAYMENT_TIMEOUT_MS",
                Some(10_000),
            )?),
            seed_demo_on_empty: false,
            smtp_url: smtp_url(&get)?,
            smtp_timeout: Duration::from_secs(parse_or(&get, "SMTP_TIMEOUT_SECONDS", Some(10))?),
            mail_from: get("MAIL_FROM")
                .unwrap_or_else(|| "Box office <tickets@boxoffice.localhost>".into()),
            outbox: outbox_settings(&get)?,
            retention: retention_settings(&get)?,
            metrics_token: metrics_token(&get)?,
            http: http_settings(&get)?,
            webhooks: webhooks::webhook_settings(&get)?,
            default_time_zone: match get("DEFAULT_TIME_ZONE") {
                None => chrono_tz::Tz::UTC,
                Some(name) => name.trim().parse().map_err(|_| {
                    bad(
                        "DEFAULT_TIME_ZONE",
                        "must be an IANA time zone name, like Europe/Berlin or UTC",
                    )
                })?,
            },
        })
    }

    pub fn cookies_secure(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    pub fn hold(&self) -> chrono::TimeDelta {
        chrono::TimeDelta::minutes(self.hold_minutes)
    }

    /// How long a resale buyer's lock lasts.
    pub fn resale_lock(&self) -> chrono::TimeDelta {
        chrono::TimeDelta::minutes(self.resale_lock_minutes)
    }
}

#[cfg(test)]
mod tests;
