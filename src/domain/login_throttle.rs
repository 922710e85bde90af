//! Throttling repeated failed logins per account and per client address.
//!
//! Only failures count, so a crowd behind one address that logs in correctly is never
//! slowed. Counters live in this instance's memory: with several instances each keeps its
//! own, which bounds guessing per instance (documented in the README).

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

impl LoginThrottle {
    pub fn new(per_account: u32, per_address: u32, window: Duration) -> LoginThrottle {
        LoginThrottle {
            per_account,
            per_address,
            window,
            failures: Mutex::new(HashMap::new()),
        }
    }

    fn keys(account: &str, address: &str) -> [(String, u32); 2] {
        [
            (format!("a:{}", account.trim().to_lowercase()), 0),
            (format!("ip:{address}"), 1),
        ]
    }

    /// Whether another attempt is allowed now for this account from this address.
    pub fn allows(&self, account: &str, address: &str) -> bool {
        let now = Instant::now();
        let failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        Self::keys(account, address).iter().all(|(key, kind)| {
            let limit = if *kind == 0 {
                self.per_account
            } else {
                self.per_address
            };
            match failures.get(key) {
                Some((count, since)) if now.duration_since(*since) < self.window => *count < limit,
                _ => true,
            }
        })
    }

    pub fn record_failure(&self, account: &str, address: &str) {
        let now = Instant::now();
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if failures.len() > SWEEP_ABOVE {
            let window = self.window;
            failures.retain(|_, (_, since)| now.duration_since(*since) < window);
        }
        for (key, _) in Self::keys(account, address) {
            let entry = failures.entry(key).or_insert((0, now));
            if now.duration_since(entry.1) >= self.window {
                *entry = (0, now);
            }
            entry.0 += 1;
        }
    }

    /// A successful login clears the account's failures (not the address's).
    pub fn record_success(&self, account: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        failures.remove(&format!("a:{}", account.trim().to_lowercase()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_is_throttled_after_its_limit_of_failures() {
        let throttle = LoginThrottle::new(3, 100, Duration::from_secs(60));
        for _ in 0..3 {
            assert!(throttle.allows("ann@example.com", "10.0.0.1"));
            throttle.record_failure("ann@example.com", "10.0.0.1");
        }
        assert!(!throttle.allows("ANN@example.com", "10.0.0.2"));
        assert!(throttle.allows("bob@example.com", "10.0.0.1"));
    }

    #[test]
    fn an_address_is_throttled_across_accounts() {
        let throttle = LoginThrottle::new(100, 2, Duration::from_secs(60));
        throttle.record_failure("a@example.com", "10.0.0.9");
        throttle.record_failure("b@example.com", "10.0.0.9");
        assert!(!throttle.allows("c@example.com", "10.0.0.9"));
        assert!(throttle.allows("c@example.com", "10.0.0.10"));
    }

    #[test]
    fn the_window_ends() {
        let throttle = LoginThrottle::new(1, 1, Duration::ZERO);
        throttle.record_failure("a@example.com", "10.0.0.1");
        assert!(throttle.allows("a@example.com", "10.0.0.1"));
    }
}
