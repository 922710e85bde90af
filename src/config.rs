//! Typed settings read once from the environment; a bad value stops start-up and names
//! the variable.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rand::RngCore;

use crate::db::Engine;
use crate::web::client_address::{self, ClientAddresses};

mod limits;
pub use limits::LimitSettings;

/// A secret that never shows in `Debug` output or logs.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Stripe's keys, when the real provider is used.
#[derive(Debug, Clone)]
pub struct StripeSettings {
    pub secret_key: Secret,
    pub webhook_secret: Secret,
    pub api_base: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: String,
    pub bind: SocketAddr,
    pub public_url: String,
    pub session_key: Secret,
    pub hold_minutes: i64,
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
    /// The zone a new event's form starts with (`DEFAULT_TIME_ZONE`, an IANA name; UTC).
    pub default_time_zone: chrono_tz::Tz,
}

/// The HTTP server's limits, which bound memory under a rush (README, Memory).
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// Worker threads (`HTTP_WORKERS`; default: the number of cores).
    pub workers: usize,
    /// Connections served at once *per worker* (`HTTP_MAX_CONNECTIONS`, 256); more wait
    /// in the kernel's accept queue.
    pub max_connections: usize,
    /// The kernel's accept queue, the listen backlog (`HTTP_BACKLOG`, 4096; the kernel
    /// caps it at `net.core.somaxconn`).
    pub backlog: u32,
}

/// Password hashing's own bounded pool (`app::password_hashing`).
#[derive(Debug, Clone)]
pub struct HashingSettings {
    /// Threads that hash (`PASSWORD_HASHING_THREADS`; default: the number of cores).
    pub threads: usize,
    /// Hashes that may wait for a thread (`PASSWORD_HASHING_QUEUE`; default: four per
    /// thread); past them a request is refused at once with 503 and `Retry-After`.
    pub queue: usize,
}

/// The JSON API's tokens (its rate limits are in `limits`).
#[derive(Debug, Clone)]
pub struct ApiSettings {
    /// How long a bearer token works (`API_TOKEN_HOURS`, 24).
    pub token_ttl: chrono::TimeDelta,
}

/// How the outbox's dispatcher works (see `domain::outbox`).
#[derive(Debug, Clone)]
pub struct OutboxSettings {
    /// How often each instance's dispatcher looks for due messages.
    pub interval: Duration,
    /// Attempts before a message is dead (`OUTBOX_MAX_ATTEMPTS`, 5).
    pub max_attempts: i32,
    /// The wait after the first failure, doubled after each further one.
    pub backoff_base: chrono::TimeDelta,
    /// How long a claim keeps other dispatchers off a message (renewed every third of
    /// it while the dispatcher works).
    pub lease: chrono::TimeDelta,
    /// A message pending longer than this is reported by `boxoffice check`.
    pub pending_alert: chrono::TimeDelta,
}

/// How many days the daily purge keeps each kind of finished row (`None`: for ever).
/// Nothing still needed is ever purged: not a pending or dead message, not an unused
/// live reset token, nothing `boxoffice check` or reconciliation reads.
#[derive(Debug, Clone, Copy)]
pub struct RetentionSettings {
    /// Delivered outbox messages, after their delivery (`RETENTION_OUTBOX_DAYS`, 30).
    pub outbox_days: Option<u32>,
    /// Processed webhook event ids, after processing (`RETENTION_WEBHOOK_EVENTS_DAYS`,
    /// 30; at least 3, Stripe's redelivery window).
    pub webhook_events_days: Option<u32>,
    /// Used or expired password reset tokens (`RETENTION_RESETS_DAYS`, 7).
    pub resets_days: Option<u32>,
    /// Dev-mailbox mails (`RETENTION_MAILBOX_DAYS`, 14).
    pub mailbox_days: Option<u32>,
}

/// A configuration problem, naming the variable.
#[derive(Debug, thiserror::Error)]
#[error("{variable}: {message}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub message: String,
}

fn bad(variable: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        variable,
        message: message.into(),
    }
}

/// The minimum session key length accepted by the cookie store.
pub const SESSION_KEY_MIN_BYTES: usize = 64;

const DEFAULT_DATABASE_URL: &str = "boxoffice.db";

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
}

/// `SMTP_URL`, with `SMTP_USERNAME` and `SMTP_PASSWORD` put into it when given apart.
fn smtp_url(get: &impl Fn(&str) -> Option<String>) -> Result<Option<Secret>, ConfigError> {
    let Some(url) = get("SMTP_URL") else {
        return Ok(None);
    };
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err(bad(
            "SMTP_URL",
            "must look like smtp://host:port or smtps://host",
        ));
    };
    if scheme != "smtp" && scheme != "smtps" {
        return Err(bad("SMTP_URL", "must start with smtp:// or smtps://"));
    }
    match (get("SMTP_USERNAME"), get("SMTP_PASSWORD")) {
        (Some(user), Some(password)) if !rest.contains('@') => {
            let encode = |s: &str| {
                percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC)
                    .to_string()
            };
            Ok(Some(Secret::new(format!(
                "{scheme}://{}:{}@{rest}",
                encode(&user),
                encode(&password)
            ))))
        }
        _ => Ok(Some(Secret::new(url))),
    }
}

/// `TRUSTED_PROXIES` (the proxies' addresses or CIDR ranges) and `IPV6_CLIENT_PREFIX`.
/// The older forms, a hop count and `TRUST_FORWARDED_FOR`, believed whatever a client
/// reaching an instance directly wrote: they stop start-up, naming the new form.
fn client_address_settings(
    get: &impl Fn(&str) -> Option<String>,
) -> Result<ClientAddresses, ConfigError> {
    if get("TRUST_FORWARDED_FOR").is_some() {
        return Err(bad(
            "TRUST_FORWARDED_FOR",
            "is no longer read: name the proxies whose X-Forwarded-For is believed in \
             TRUSTED_PROXIES, as addresses or CIDR ranges, comma-separated (for example \
             TRUSTED_PROXIES=10.0.0.0/8), and remove TRUST_FORWARDED_FOR",
        ));
    }
    let trusted_proxies = match get("TRUSTED_PROXIES") {
        None => Vec::new(),
        Some(list) => ClientAddresses::parse_trusted_proxies(&list)
            .map_err(|message| bad("TRUSTED_PROXIES", message))?,
    };
    let ipv6_prefix: u8 = parse_or(
        get,
        "IPV6_CLIENT_PREFIX",
        Some(client_address::DEFAULT_IPV6_PREFIX),
    )?;
    if !client_address::IPV6_PREFIXES.contains(&ipv6_prefix) {
        return Err(bad("IPV6_CLIENT_PREFIX", "must be between 32 and 128"));
    }
    Ok(ClientAddresses {
        trusted_proxies,
        ipv6_prefix,
    })
}

/// `METRICS_TOKEN`: long enough that guessing it is not an option.
fn metrics_token(get: &impl Fn(&str) -> Option<String>) -> Result<Option<Secret>, ConfigError> {
    match get("METRICS_TOKEN") {
        None => Ok(None),
        Some(token) if token.trim().len() >= 16 => Ok(Some(Secret::new(token.trim()))),
        Some(_) => Err(bad("METRICS_TOKEN", "must be at least 16 characters long")),
    }
}

fn http_settings(get: &impl Fn(&str) -> Option<String>) -> Result<HttpSettings, ConfigError> {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let workers: usize = parse_or(get, "HTTP_WORKERS", Some(cores))?;
    if !(1..=256).contains(&workers) {
        return Err(bad("HTTP_WORKERS", "must be between 1 and 256"));
    }
    let max_connections: usize = parse_or(get, "HTTP_MAX_CONNECTIONS", Some(256))?;
    if !(1..=100_000).contains(&max_connections) {
        return Err(bad("HTTP_MAX_CONNECTIONS", "must be between 1 and 100000"));
    }
    let backlog: u32 = parse_or(get, "HTTP_BACKLOG", Some(4096))?;
    if !(1..=65_535).contains(&backlog) {
        return Err(bad("HTTP_BACKLOG", "must be between 1 and 65535"));
    }
    Ok(HttpSettings {
        workers,
        max_connections,
        backlog,
    })
}

fn hashing_settings(get: &impl Fn(&str) -> Option<String>) -> Result<HashingSettings, ConfigError> {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let threads: usize = parse_or(get, "PASSWORD_HASHING_THREADS", Some(cores))?;
    if !(1..=256).contains(&threads) {
        return Err(bad("PASSWORD_HASHING_THREADS", "must be between 1 and 256"));
    }
    let queue: usize = parse_or(get, "PASSWORD_HASHING_QUEUE", Some(threads * 4))?;
    if !(1..=10_000).contains(&queue) {
        return Err(bad("PASSWORD_HASHING_QUEUE", "must be between 1 and 10000"));
    }
    Ok(HashingSettings { threads, queue })
}

fn api_settings(get: &impl Fn(&str) -> Option<String>) -> Result<ApiSettings, ConfigError> {
    let hours: i64 = parse_or(get, "API_TOKEN_HOURS", Some(24))?;
    if !(1..=24 * 365).contains(&hours) {
        return Err(bad("API_TOKEN_HOURS", "must be between 1 and 8760"));
    }
    Ok(ApiSettings {
        token_ttl: chrono::TimeDelta::hours(hours),
    })
}

fn outbox_settings(get: &impl Fn(&str) -> Option<String>) -> Result<OutboxSettings, ConfigError> {
    let max_attempts: i32 = parse_or(get, "OUTBOX_MAX_ATTEMPTS", Some(5))?;
    if !(1..=50).contains(&max_attempts) {
        return Err(bad("OUTBOX_MAX_ATTEMPTS", "must be between 1 and 50"));
    }
    let seconds = |name: &'static str, default: i64| -> Result<chrono::TimeDelta, ConfigError> {
        let value: i64 = parse_or(get, name, Some(default))?;
        if value < 1 {
            return Err(bad(name, "must be at least 1 second"));
        }
        Ok(chrono::TimeDelta::seconds(value))
    };
    Ok(OutboxSettings {
        interval: Duration::from_secs(parse_or(get, "OUTBOX_INTERVAL_SECONDS", Some(5))?.max(1)),
        max_attempts,
        backoff_base: seconds("OUTBOX_BACKOFF_SECONDS", 30)?,
        // A working dispatcher renews its batch's leases every third of a lease, so a
        // long batch (20 refund jobs of three 10 s provider calls) keeps its claims; a
        // dead instance's claims are taken over once the lease runs out.
        lease: seconds("OUTBOX_LEASE_SECONDS", 120)?,
        pending_alert: seconds("OUTBOX_PENDING_ALERT_SECONDS", 3600)?,
    })
}

fn retention_settings(
    get: &impl Fn(&str) -> Option<String>,
) -> Result<RetentionSettings, ConfigError> {
    let days = |name: &'static str, default: u32, least: u32| -> Result<Option<u32>, ConfigError> {
        let value: u32 = parse_or(get, name, Some(default))?;
        match value {
            0 => Ok(None),
            v if v < least || v > 36_500 => Err(bad(
                name,
                format!("must be 0 (keep for ever) or between {least} and 36500 days"),
            )),
            v => Ok(Some(v)),
        }
    };
    Ok(RetentionSettings {
        outbox_days: days("RETENTION_OUTBOX_DAYS", 30, 1)?,
        // Stripe redelivers an event for up to three days: its id must be remembered
        // at least that long, or a redelivery would be applied again.
        webhook_events_days: days("RETENTION_WEBHOOK_EVENTS_DAYS", 30, 3)?,
        resets_days: days("RETENTION_RESETS_DAYS", 7, 1)?,
        mailbox_days: days("RETENTION_MAILBOX_DAYS", 14, 1)?,
    })
}

fn parse_or<T: std::str::FromStr>(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: Option<T>,
) -> Result<T, ConfigError> {
    match get(name) {
        Some(raw) => raw.trim().parse().map_err(|_| {
            bad(
                name,
                format!("cannot read {raw:?} as a value of this setting"),
            )
        }),
        None => default.ok_or_else(|| bad(name, "is required")),
    }
}

/// `boxoffice.db` → `boxoffice.db.session-key`, beside the database.
fn key_file_beside(database_url: &str) -> PathBuf {
    let path = database_url
        .strip_prefix("sqlite://")
        .unwrap_or(database_url);
    PathBuf::from(format!("{path}.session-key"))
}

/// Reads the persisted session key, or creates one (readable by the owner only).
fn load_or_create_key_file(path: &Path) -> std::io::Result<Secret> {
    if let Ok(existing) = std::fs::read_to_string(path) {
        let existing = existing.trim();
        if existing.len() >= SESSION_KEY_MIN_BYTES {
            return Ok(Secret::new(existing));
        }
    }
    let mut bytes = [0_u8; 64];
    rand::rng().fill_bytes(&mut bytes);
    let key = hex::encode(bytes);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    std::io::Write::write_all(&mut options.open(path)?, key.as_bytes())?;
    Ok(Secret::new(key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(|name| map.get(name).cloned())
    }

    const KEY: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn defaults_are_documented_values() {
        let s = settings(&[("SESSION_KEY", KEY)]).unwrap();
        assert_eq!(s.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(s.hold_minutes, 15);
        assert_eq!(s.database_url, "boxoffice.db");
        assert!(s.stripe.is_none());
        assert!(s.metrics_token.is_none(), "metrics are off by default");
        assert_eq!(s.http.max_connections, 256);
        assert_eq!(s.http.backlog, 4096);
        assert!(s.http.workers >= 1);
        assert!(s.password_hashing.threads >= 1);
        assert_eq!(s.password_hashing.queue, 4 * s.password_hashing.threads);
    }

    #[test]
    fn the_default_time_zone_is_utc_or_an_iana_name() {
        let s = settings(&[("SESSION_KEY", KEY)]).unwrap();
        assert_eq!(s.default_time_zone, chrono_tz::Tz::UTC);
        let s = settings(&[("SESSION_KEY", KEY), ("DEFAULT_TIME_ZONE", "Europe/Berlin")]).unwrap();
        assert_eq!(s.default_time_zone.name(), "Europe/Berlin");
        let error = settings(&[("SESSION_KEY", KEY), ("DEFAULT_TIME_ZONE", "CET+1")]).unwrap_err();
        assert_eq!(error.variable, "DEFAULT_TIME_ZONE");
    }

    #[test]
    fn a_short_metrics_token_or_a_zero_limit_stops_start_up() {
        let error = settings(&[("SESSION_KEY", KEY), ("METRICS_TOKEN", "short")]).unwrap_err();
        assert_eq!(error.variable, "METRICS_TOKEN");
        let error = settings(&[("SESSION_KEY", KEY), ("HTTP_BACKLOG", "0")]).unwrap_err();
        assert_eq!(error.variable, "HTTP_BACKLOG");
        let error = settings(&[("SESSION_KEY", KEY), ("HTTP_MAX_CONNECTIONS", "0")]).unwrap_err();
        assert_eq!(error.variable, "HTTP_MAX_CONNECTIONS");
        let error =
            settings(&[("SESSION_KEY", KEY), ("PASSWORD_HASHING_THREADS", "0")]).unwrap_err();
        assert_eq!(error.variable, "PASSWORD_HASHING_THREADS");
    }

    #[test]
    fn a_bad_value_names_its_variable() {
        assert_eq!(
            settings(&[("SESSION_KEY", KEY), ("HOLD_MINUTES", "soon")])
                .unwrap_err()
                .variable,
            "HOLD_MINUTES"
        );
        assert_eq!(
            settings(&[("SESSION_KEY", "short")]).unwrap_err().variable,
            "SESSION_KEY"
        );
        assert_eq!(
            settings(&[("SESSION_KEY", KEY), ("BIND", "nowhere")])
                .unwrap_err()
                .variable,
            "BIND"
        );
        assert_eq!(
            settings(&[("SESSION_KEY", KEY), ("STRIPE_SECRET_KEY", "sk_test_x")])
                .unwrap_err()
                .variable,
            "STRIPE_WEBHOOK_SECRET"
        );
    }

    #[test]
    fn retention_has_defaults_zero_keeps_for_ever_and_webhook_ids_stay_three_days() {
        let s = settings(&[("SESSION_KEY", KEY)]).unwrap().retention;
        assert_eq!(
            (
                s.outbox_days,
                s.webhook_events_days,
                s.resets_days,
                s.mailbox_days
            ),
            (Some(30), Some(30), Some(7), Some(14))
        );
        let kept = settings(&[("SESSION_KEY", KEY), ("RETENTION_OUTBOX_DAYS", "0")]).unwrap();
        assert_eq!(kept.retention.outbox_days, None);
        let short = settings(&[("SESSION_KEY", KEY), ("RETENTION_WEBHOOK_EVENTS_DAYS", "2")]);
        assert_eq!(short.unwrap_err().variable, "RETENTION_WEBHOOK_EVENTS_DAYS");
        let bad = settings(&[("SESSION_KEY", KEY), ("RETENTION_MAILBOX_DAYS", "-1")]);
        assert_eq!(bad.unwrap_err().variable, "RETENTION_MAILBOX_DAYS");
    }

    #[test]
    fn trusted_proxies_are_named_and_the_older_forms_stop_start_up() {
        let none = settings(&[("SESSION_KEY", KEY)]).unwrap().client_addresses;
        assert!(none.trusted_proxies.is_empty());
        assert_eq!(none.ipv6_prefix, 64);
        let named = settings(&[
            ("SESSION_KEY", KEY),
            ("TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.7"),
            ("IPV6_CLIENT_PREFIX", "56"),
        ])
        .unwrap()
        .client_addresses;
        assert_eq!(named.trusted_proxies.len(), 2);
        assert_eq!(named.ipv6_prefix, 56);
        for (name, value) in [
            ("TRUSTED_PROXIES", "2"),
            ("TRUSTED_PROXIES", "many"),
            ("TRUST_FORWARDED_FOR", "true"),
            ("TRUST_FORWARDED_FOR", "false"),
            ("IPV6_CLIENT_PREFIX", "31"),
            ("IPV6_CLIENT_PREFIX", "129"),
        ] {
            let error = settings(&[("SESSION_KEY", KEY), (name, value)]).unwrap_err();
            assert_eq!(error.variable, name, "{value}");
        }
        let count = settings(&[("SESSION_KEY", KEY), ("TRUSTED_PROXIES", "1")]).unwrap_err();
        assert!(count.to_string().contains("CIDR"), "{count}");
        let old = settings(&[("SESSION_KEY", KEY), ("TRUST_FORWARDED_FOR", "true")]).unwrap_err();
        assert!(old.to_string().contains("TRUSTED_PROXIES="), "{old}");
    }

    #[test]
    fn abuse_limits_are_on_by_default() {
        let s = settings(&[("SESSION_KEY", KEY)]).unwrap();
        assert!(s.limits.registrations_per_address.allowance > 0);
        assert!(s.limits.registrations_everyone.allowance > 0);
        assert!(s.limits.holds_per_user.allowance > 0);
        assert!(s.limits.holds_per_address.allowance > 0);
        assert!(s.limits.hold_cooldown > chrono::TimeDelta::zero());
    }

    #[test]
    fn postgres_requires_a_shared_session_key() {
        let err = settings(&[("DATABASE_URL", "postgres://localhost/x")]).unwrap_err();
        assert_eq!(err.variable, "SESSION_KEY");
    }

    #[test]
    fn test_payments_refuse_a_public_https_site() {
        let err = settings(&[
            ("SESSION_KEY", KEY),
            ("PUBLIC_URL", "https://tickets.example"),
        ])
        .unwrap_err();
        assert_eq!(err.variable, "STRIPE_SECRET_KEY");
        assert!(
            settings(&[
                ("SESSION_KEY", KEY),
                ("PUBLIC_URL", "https://t.example"),
                ("ALLOW_TEST_PAYMENTS", "true")
            ])
            .is_ok()
        );
    }

    #[test]
    fn secrets_do_not_print() {
        assert_eq!(format!("{:?}", Secret::new("sk_live_123")), "Secret(***)");
    }

    #[test]
    fn a_missing_key_is_created_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("shop.db");
        let url = db.to_str().unwrap();
        let first = settings(&[("DATABASE_URL", url)]).unwrap().session_key;
        let second = settings(&[("DATABASE_URL", url)]).unwrap().session_key;
        assert_eq!(first.expose(), second.expose());
        assert!(first.expose().len() >= SESSION_KEY_MIN_BYTES);
    }
}
