//! The settings grouped by what they tune — the HTTP server, password hashing, the API's
//! tokens, the outbox, retention, mail and metrics — each with its parser.

use std::time::Duration;

use super::parse::{ConfigError, bad, parse_or};
use super::secret::Secret;

/// Stripe's keys, when the real provider is used.
#[derive(Debug, Clone)]
pub struct StripeSettings {
    pub secret_key: Secret,
    pub webhook_secret: Secret,
    pub api_base: Option<String>,
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
    /// Finished webhook deliveries (delivered, or failed for good), after their last
    /// attempt (`RETENTION_WEBHOOK_DELIVERIES_DAYS`, 30). The feed itself is kept.
    pub webhook_deliveries_days: Option<u32>,
}

/// `SMTP_URL`, with `SMTP_USERNAME` and `SMTP_PASSWORD` put into it when given apart.
pub(super) fn smtp_url(
    get: &impl Fn(&str) -> Option<String>,
) -> Result<Option<Secret>, ConfigError> {
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

/// `METRICS_TOKEN`: long enough that guessing it is not an option.
pub(super) fn metrics_token(
    get: &impl Fn(&str) -> Option<String>,
) -> Result<Option<Secret>, ConfigError> {
    match get("METRICS_TOKEN") {
        None => Ok(None),
        Some(token) if token.trim().len() >= 16 => Ok(Some(Secret::new(token.trim()))),
        Some(_) => Err(bad("METRICS_TOKEN", "must be at least 16 characters long")),
    }
}

pub(super) fn http_settings(
    get: &impl Fn(&str) -> Option<String>,
) -> Result<HttpSettings, ConfigError> {
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

pub(super) fn hashing_settings(
    get: &impl Fn(&str) -> Option<String>,
) -> Result<HashingSettings, ConfigError> {
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

pub(super) fn api_settings(
    get: &impl Fn(&str) -> Option<String>,
) -> Result<ApiSettings, ConfigError> {
    let hours: i64 = parse_or(get, "API_TOKEN_HOURS", Some(24))?;
    if !(1..=24 * 365).contains(&hours) {
        return Err(bad("API_TOKEN_HOURS", "must be between 1 and 8760"));
    }
    Ok(ApiSettings {
        token_ttl: chrono::TimeDelta::hours(hours),
    })
}

pub(super) fn outbox_settings(
    get: &impl Fn(&str) -> Option<String>,
) -> Result<OutboxSettings, ConfigError> {
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

pub(super) fn retention_settings(
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
        webhook_deliveries_days: days("RETENTION_WEBHOOK_DELIVERIES_DAYS", 30, 1)?,
    })
}
