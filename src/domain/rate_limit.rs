//! Counting events per key in a fixed window, in this instance's memory: registrations
//! per address and in all, holds per user. With several instances each keeps its own
//! counts, so a limit holds per instance (the README says which limits are which).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How many keys the table may hold before stale ones are swept out.
const SWEEP_ABOVE: usize = 10_000;

/// Where one key stands after `take`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    /// Whether this event was allowed (and counted).
    pub allowed: bool,
    /// Events allowed per window; 0 when the limit is off.
    pub limit: u32,
    pub remaining: u32,
    /// Until the window starts again.
    pub reset_after: Duration,
}

#[derive(Debug)]
pub struct RateLimit {
    /// Events allowed per key per window; 0 turns the limit off.
    limit: u32,
    window: Duration,
    counts: Mutex<HashMap<String, (u32, Instant)>>,
}

impl RateLimit {
    pub fn new(limit: u32, window: Duration) -> RateLimit {
        RateLimit {
            limit,
            window,
            counts: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one event for `key` if the limit allows it; `false` when it is used up.
    pub fn try_take(&self, key: &str) -> bool {
        if self.limit == 0 {
            return true;
        }
        let now = Instant::now();
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        if counts.len() > SWEEP_ABOVE {
            let window = self.window;
            counts.retain(|_, (_, since)| now.duration_since(*since) < window);
        }
        let entry = counts.entry(key.to_owned()).or_insert((0, now));
        if now.duration_since(entry.1) >= self.window {
            *entry = (0, now);
        }
        if entry.0 >= self.limit {
            return false;
        }
        entry.0 += 1;
        true
    }

    /// Whether `key` has used up its limit (nothing is counted).
    pub fn is_used_up(&self, key: &str) -> bool {
        if self.limit == 0 {
            return false;
        }
        let counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        matches!(counts.get(key), Some((count, since))
            if since.elapsed() < self.window && *count >= self.limit)
    }

    /// Counts one event for `key` if the limit allows it, and says where `key` stands
    /// (for the `RateLimit-*` headers of the JSON API).
    pub fn take(&self, key: &str) -> Quota {
        let now = Instant::now();
        if self.limit == 0 {
            return Quota {
                allowed: true,
                limit: 0,
                remaining: 0,
                reset_after: Duration::ZERO,
            };
        }
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        if counts.len() > SWEEP_ABOVE {
            let window = self.window;
            counts.retain(|_, (_, since)| now.duration_since(*since) < window);
        }
        let entry = counts.entry(key.to_owned()).or_insert((0, now));
        if now.duration_since(entry.1) >= self.window {
            *entry = (0, now);
        }
        let allowed = entry.0 < self.limit;
        if allowed {
            entry.0 += 1;
        }
        Quota {
            allowed,
            limit: self.limit,
            remaining: self.limit - entry.0.min(self.limit),
            reset_after: self.window.saturating_sub(now.duration_since(entry.1)),
        }
    }

    /// Counts one event for `key` whatever the limit (the event already happened).
    pub fn record(&self, key: &str) {
        if self.limit == 0 {
            return;
        }
        let now = Instant::now();
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        let entry = counts.entry(key.to_owned()).or_insert((0, now));
        if now.duration_since(entry.1) >= self.window {
            *entry = (0, now);
        }
        entry.0 = entry.0.saturating_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_key_has_its_own_allowance() {
        let limit = RateLimit::new(2, Duration::from_secs(60));
        assert!(limit.try_take("10.0.0.1"));
        assert!(limit.try_take("10.0.0.1"));
        assert!(!limit.try_take("10.0.0.1"));
        assert!(limit.is_used_up("10.0.0.1"));
        assert!(limit.try_take("10.0.0.2"));
    }

    #[test]
    fn recorded_events_count_and_zero_means_no_limit() {
        let limit = RateLimit::new(1, Duration::from_secs(60));
        limit.record("u1");
        assert!(limit.is_used_up("u1"));
        let off = RateLimit::new(0, Duration::from_secs(60));
        for _ in 0..100 {
            assert!(off.try_take("x"));
        }
        assert!(!off.is_used_up("x"));
    }

    #[test]
    fn take_tells_what_is_left_and_refuses_past_the_limit() {
        let limit = RateLimit::new(2, Duration::from_secs(60));
        let first = limit.take("t");
        assert!(first.allowed);
        assert_eq!((first.limit, first.remaining), (2, 1));
        assert!(first.reset_after <= Duration::from_secs(60));
        assert_eq!(limit.take("t").remaining, 0);
        let refused = limit.take("t");
        assert!(!refused.allowed);
        assert_eq!(refused.remaining, 0);
        assert!(limit.take("other").allowed);
    }

    #[test]
    fn the_window_ends() {
        let limit = RateLimit::new(1, Duration::ZERO);
        assert!(limit.try_take("a"));
        assert!(limit.try_take("a"));
    }
}
