//! The outgoing webhooks' settings: which addresses endpoints may point at, and how
//! deliveries are retried and given up on.

use std::time::Duration;

use super::parse::{ConfigError, bad, parse_or};

/// How partners' endpoints are delivered to (see `domain::webhooks`).
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// Endpoints may be `http://` and resolve to loopback or private addresses
    /// (`WEBHOOK_ALLOW_PRIVATE_URLS`, false): tests and local development only.
    pub allow_private_urls: bool,
    /// Attempts before a delivery has failed for good (`WEBHOOK_MAX_ATTEMPTS`, 8).
    pub max_attempts: i32,
    /// The wait after a delivery's first failed attempt, doubled after each further one
    /// (`WEBHOOK_BACKOFF_SECONDS`, 30).
    pub backoff_base: chrono::TimeDelta,
    /// An endpoint is disabled after this many deliveries in a row failed for good
    /// (`WEBHOOK_DISABLE_AFTER`, 5).
    pub disable_after: i32,
    /// How long one attempt may take, connection included (`WEBHOOK_TIMEOUT_SECONDS`, 10).
    pub timeout: Duration,
}

pub(super) fn webhook_settings(
    get: &impl Fn(&str) -> Option<String>,
) -> Result<WebhookSettings, ConfigError> {
    let max_attempts: i32 = parse_or(get, "WEBHOOK_MAX_ATTEMPTS", Some(8))?;
    if !(1..=50).contains(&max_attempts) {
        return Err(bad("WEBHOOK_MAX_ATTEMPTS", "must be between 1 and 50"));
    }
    let backoff: i64 = parse_or(get, "WEBHOOK_BACKOFF_SECONDS", Some(30))?;
    if !(1..=86_400).contains(&backoff) {
        return Err(bad(
            "WEBHOOK_BACKOFF_SECONDS",
            "must be between 1 and 86400",
        ));
    }
    let disable_after: i32 = parse_or(get, "WEBHOOK_DISABLE_AFTER", Some(5))?;
    if !(1..=1000).contains(&disable_after) {
        return Err(bad("WEBHOOK_DISABLE_AFTER", "must be between 1 and 1000"));
    }
    let timeout: u64 = parse_or(get, "WEBHOOK_TIMEOUT_SECONDS", Some(10))?;
    if !(1..=60).contains(&timeout) {
        return Err(bad("WEBHOOK_TIMEOUT_SECONDS", "must be between 1 and 60"));
    }
    Ok(WebhookSettings {
        allow_private_urls: parse_or(get, "WEBHOOK_ALLOW_PRIVATE_URLS", Some(false))?,
        max_attempts,
        backoff_base: chrono::TimeDelta::seconds(backoff),
        disable_after,
        timeout: Duration::from_secs(timeout),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn read(vars: &[(&str, &str)]) -> Result<WebhookSettings, ConfigError> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        webhook_settings(&|name: &str| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
    }

    #[test]
    fn private_urls_are_refused_by_default_and_bad_values_name_their_variable() {
        let defaults = read(&[]).unwrap();
        assert!(!defaults.allow_private_urls);
        assert_eq!((defaults.max_attempts, defaults.disable_after), (8, 5));
        assert!(
            read(&[("WEBHOOK_ALLOW_PRIVATE_URLS", "true")])
                .unwrap()
                .allow_private_urls
        );
        for (name, value) in [
            ("WEBHOOK_ALLOW_PRIVATE_URLS", "yes please"),
            ("WEBHOOK_MAX_ATTEMPTS", "0"),
            ("WEBHOOK_BACKOFF_SECONDS", "-1"),
            ("WEBHOOK_DISABLE_AFTER", "0"),
            ("WEBHOOK_TIMEOUT_SECONDS", "600"),
        ] {
            assert_eq!(read(&[(name, value)]).unwrap_err().variable, name);
        }
    }
}
