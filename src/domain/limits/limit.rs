//! A limit: a stable name (the key its counts are stored under), an allowance and a
//! fixed window; and `Quota`, where one subject stands after a request.
//!
//! Windows are fixed and aligned to the Unix epoch (a 60 s window starts on each minute),
//! so every instance computes the same window for the same instant. A fixed window lets
//! a client spend up to twice the allowance across a window's edge; every limit here is
//! set with that in mind.

use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, TimeDelta};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// The name counts are stored under (`login_failures_account`, …): stable across
    /// releases, at most 40 characters.
    pub name: &'static str,
    /// Events allowed per subject per window; 0 turns the limit off.
    pub allowance: u32,
    pub window: Duration,
}

/// Where a subject stands after a request was counted (or refused).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    /// Whether the request is allowed.
    pub allowed: bool,
    /// Events allowed per window; 0 when the limit is off.
    pub limit: u32,
    pub remaining: u32,
    /// Until the window starts again.
    pub reset_after: Duration,
}

impl Quota {
    /// The answer of a limit that is off.
    pub fn unlimited() -> Quota {
        Quota {
            allowed: true,
            limit: 0,
            remaining: 0,
            reset_after: Duration::ZERO,
        }
    }

    /// Seconds to tell a client to wait (`Retry-After`): at least 1.
    pub fn retry_after_seconds(&self) -> u64 {
        self.reset_after.as_secs().max(1)
    }
}

impl Limit {
    pub const fn new(name: &'static str, allowance: u32, window: Duration) -> Limit {
        Limit {
            name,
            allowance,
            window,
        }
    }

    pub fn is_off(&self) -> bool {
        self.allowance == 0
    }

    fn window_seconds(&self) -> i64 {
        (self.window.as_secs() as i64).max(1)
    }

    /// The start of the window `now` falls in.
    pub fn window_start(&self, now: NaiveDateTime) -> NaiveDateTime {
        let seconds = now.and_utc().timestamp();
        let start = seconds - seconds.rem_euclid(self.window_seconds());
        DateTime::from_timestamp(start, 0).map_or(now, |t| t.naive_utc())
    }

    /// When the window `now` falls in ends (its counter may be purged from then on).
    pub fn window_end(&self, now: NaiveDateTime) -> NaiveDateTime {
        self.window_start(now) + TimeDelta::seconds(self.window_seconds())
    }

    /// Where a subject stands with `count` events counted in the window of `now`,
    /// the request being judged included.
    pub fn quota(&self, count: i64, now: NaiveDateTime) -> Quota {
        if self.is_off() {
            return Quota::unlimited();
        }
        let allowance = i64::from(self.allowance);
        let reset_after = (self.window_end(now) - now)
            .to_std()
            .unwrap_or(Duration::ZERO);
        Quota {
            allowed: count <= allowance,
            limit: self.allowance,
            remaining: (allowance - count).clamp(0, allowance) as u32,
            reset_after,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    #[test]
    fn windows_are_aligned_so_every_instance_agrees() {
        let minute = Limit::new("x", 3, Duration::from_secs(60));
        assert_eq!(
            minute.window_start(at("2026-12-07 10:15:42")),
            at("2026-12-07 10:15:00")
        );
        assert_eq!(
            minute.window_end(at("2026-12-07 10:15:42")),
            at("2026-12-07 10:16:00")
        );
        let quarter = Limit::new("x", 3, Duration::from_secs(900));
        assert_eq!(
            quarter.window_start(at("2026-12-07 10:29:59")),
            at("2026-12-07 10:15:00")
        );
    }

    #[test]
    fn the_quota_counts_the_request_itself() {
        let limit = Limit::new("x", 2, Duration::from_secs(60));
        let now = at("2026-12-07 10:15:42");
        let first = limit.quota(1, now);
        assert!(first.allowed);
        assert_eq!((first.limit, first.remaining), (2, 1));
        assert_eq!(first.reset_after, Duration::from_secs(18));
        assert!(limit.quota(2, now).allowed);
        let third = limit.quota(3, now);
        assert!(!third.allowed);
        assert_eq!(third.remaining, 0);
        assert_eq!(third.retry_after_seconds(), 18);
    }

    #[test]
    fn zero_turns_a_limit_off() {
        let off = Limit::new("x", 0, Duration::from_secs(60));
        assert!(off.is_off());
        assert_eq!(
            off.quota(1_000_000, at("2026-12-07 10:15:42")),
            Quota::unlimited()
        );
    }
}
