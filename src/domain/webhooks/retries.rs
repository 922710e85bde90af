//! A delivery's retry rules: what an attempt's answer means, the backoff before the
//! next one, and when it has failed for good.

use chrono::TimeDelta;

/// How deliveries are retried (from `config::WebhookSettings`).
#[derive(Debug, Clone, Copy)]
pub struct DeliveryPolicy {
    pub max_attempts: i32,
    pub backoff_base: TimeDelta,
    pub lease: TimeDelta,
    /// Deliveries in a row that fail for good before the endpoint is disabled.
    pub disable_after: i32,
}

/// What became of a delivery after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    Delivered,
    /// Tried again after this wait.
    RetryAfter(TimeDelta),
    /// The last attempt failed: the delivery has failed for good.
    GaveUp,
}

/// After an attempt (the `attempts_before` earlier ones failed) that got `status` (an
/// HTTP status, `None` when no answer came): 2xx is delivered, anything else is retried
/// with a doubling wait until the last attempt.
pub fn after_attempt(policy: &DeliveryPolicy, attempts_before: i32, status: Option<u16>) -> Next {
    if status.is_some_and(|s| (200..300).contains(&s)) {
        return Next::Delivered;
    }
    let failed = attempts_before + 1;
    if failed >= policy.max_attempts {
        return Next::GaveUp;
    }
    let doublings = (failed - 1).clamp(0, 16) as u32;
    Next::RetryAfter((policy.backoff_base * 2_i32.pow(doublings)).min(TimeDelta::days(1)))
}

/// At most this many characters of a response body are kept in the delivery log.
pub const RESPONSE_EXCERPT: usize = 500;

/// The start of a response body, for the log.
pub fn excerpt(body: &str) -> String {
    body.chars().take(RESPONSE_EXCERPT).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: DeliveryPolicy = DeliveryPolicy {
        max_attempts: 4,
        backoff_base: TimeDelta::seconds(30),
        lease: TimeDelta::seconds(60),
        disable_after: 3,
    };

    #[test]
    fn a_2xx_delivers_and_anything_else_backs_off_until_the_last_attempt() {
        assert_eq!(after_attempt(&POLICY, 0, Some(204)), Next::Delivered);
        assert_eq!(
            after_attempt(&POLICY, 0, Some(500)),
            Next::RetryAfter(TimeDelta::seconds(30))
        );
        assert_eq!(
            after_attempt(&POLICY, 2, None),
            Next::RetryAfter(TimeDelta::seconds(120))
        );
        assert_eq!(after_attempt(&POLICY, 3, Some(301)), Next::GaveUp);
    }

    #[test]
    fn an_excerpt_is_cut_on_characters() {
        assert_eq!(excerpt(&"é".repeat(600)).chars().count(), RESPONSE_EXCERPT);
    }
}
