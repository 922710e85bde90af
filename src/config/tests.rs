//! The settings' parsing: defaults, refusals that name the variable, old forms refused.

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
    let error = settings(&[("SESSION_KEY", KEY), ("PASSWORD_HASHING_THREADS", "0")]).unwrap_err();
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
