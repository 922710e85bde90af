//! Throttling failed logins so that it cannot be turned against the people it protects.
//!
//! - **Per account**: after `per_account` failures in the window, attempts for that
//!   account are refused *unless the device proves it is the owner's* (a signed cookie
//!   left by an earlier successful login to the account, `web::trusted_device`). An
//!   attacker guessing from anywhere stops; the owner on a known device always gets in.
//! - **Per address**: failures from one address are counted; past `per_address`, each
//!   further *failure* is answered 429 after a growing delay. The password is still
//!   checked, so a correct one from a busy address (a venue's Wi-Fi) logs in at once.
//!
//! Counters live in this instance's memory: with several instances each keeps its own,
//! which bounds guessing per instance (documented in the README).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct LoginThrottle {
    per_account: u32,
    per_address: u32,
    window: Duration,
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

/// How many keys the table may hold before stale ones are swept out.
const SWEEP_ABOVE: usize = 10_000;

/// The delay added to each failure past the address limit, and its ceiling.
const DELAY_STEP: Duration = Duration::from_millis(250);
const DELAY_MAX: Duration = Duration::from_secs(3);

fn account_key(account: &str) -> String {
    format!("a:{}", account.trim().to_lowercase())
}

fn address_key(address: &str) -> String {
    format!("ip:{address}")
}

impl LoginThrottle {
    pub fn new(per_account: u32, per_address: u32, window: Duration) -> LoginThrottle {
        LoginThrottle {
            per_account,
            per_address,
            window,
            failures: Mutex::new(HashMap::new()),
        }
    }

    fn count(&self, key: &str) -> u32 {
        let failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        match failures.get(key) {
            Some((count, since)) if since.elapsed() < self.window => *count,
            _ => 0,
        }
    }

    /// Whether the account has had too many failures for a device that has not proved
    /// to be the owner's to try again now.
    pub fn account_closed_to_new_devices(&self, account: &str) -> bool {
        self.count(&account_key(account)) >= self.per_account
    }

    /// How long to hold back the answer to a failure from this address: none until
    /// its failures pass the limit, then growing with each one.
    pub fn failure_delay(&self, address: &str) -> Option<Duration> {
        let excess = self
            .count(&address_key(address))
            .checked_sub(self.per_address)
            .filter(|excess| *excess > 0)?;
        Some(DELAY_STEP.saturating_mul(excess).min(DELAY_MAX))
    }

    pub fn record_failure(&self, account: &str, address: &str) {
        let now = Instant::now();
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if failures.len() > SWEEP_ABOVE {
            let window = self.window;
            failures.retain(|_, (_, since)| now.duration_since(*since) < window);
        }
        for key in [account_key(account), address_key(address)] {
            let entry = failures.entry(key).or_insert((0, now));
            if now.duration_since(entry.1) >= self.window {
                *entry = (0, now);
            }
            entry.0 = entry.0.saturating_add(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_closes_to_new_devices_after_its_limit_of_failures() {
        let throttle = LoginThrottle::new(3, 100, Duration::from_secs(60));
        for _ in 0..3 {
            assert!(!throttle.account_closed_to_new_devices("ann@example.com"));
            throttle.record_failure("ann@example.com", "10.0.0.1");
        }
        assert!(throttle.account_closed_to_new_devices("ANN@example.com"));
        assert!(!throttle.account_closed_to_new_devices("bob@example.com"));
    }

    #[test]
    fn failures_past_the_address_limit_are_delayed_more_and_more() {
        let throttle = LoginThrottle::new(100, 2, Duration::from_secs(60));
        throttle.record_failure("a@example.com", "10.0.0.9");
        assert_eq!(throttle.failure_delay("10.0.0.9"), None);
        throttle.record_failure("b@example.com", "10.0.0.9");
        assert_eq!(throttle.failure_delay("10.0.0.9"), None);
        throttle.record_failure("b@example.com", "10.0.0.9");
        let first = throttle.failure_delay("10.0.0.9").unwrap();
        throttle.record_failure("c@example.com", "10.0.0.9");
        let second = throttle.failure_delay("10.0.0.9").unwrap();
        assert!(second > first);
        assert_eq!(throttle.failure_delay("10.0.0.10"), None);
        for _ in 0..100 {
            throttle.record_failure("d@example.com", "10.0.0.9");
        }
        assert_eq!(throttle.failure_delay("10.0.0.9"), Some(DELAY_MAX));
    }

    #[test]
    fn the_window_ends() {
        let throttle = LoginThrottle::new(1, 1, Duration::ZERO);
        throttle.record_failure("a@example.com", "10.0.0.1");
        assert!(!throttle.account_closed_to_new_devices("a@example.com"));
        assert_eq!(throttle.failure_delay("10.0.0.1"), None);
    }
}
