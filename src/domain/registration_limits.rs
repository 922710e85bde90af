//! How many accounts may be created: per client address and from everywhere together,
//! per window, counted in this instance's memory (so each limit holds per instance).

use std::time::Duration;

use super::rate_limit::RateLimit;

#[derive(Debug)]
pub struct RegistrationLimits {
    by_address: RateLimit,
    everyone: RateLimit,
}

/// Which limit refused a registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// This address made its allowance of accounts.
    Address,
    /// The shop as a whole took its allowance.
    Everyone,
}

impl RegistrationLimits {
    pub fn new(per_address: u32, everyone: u32, window: Duration) -> RegistrationLimits {
        RegistrationLimits {
            by_address: RateLimit::new(per_address, window),
            everyone: RateLimit::new(everyone, window),
        }
    }

    /// Counts a registration from `address`, or says which limit refuses it (a refused
    /// attempt counts against nothing).
    pub fn admit(&self, address: &str) -> Result<(), Refusal> {
        if self.by_address.is_used_up(address) {
            return Err(Refusal::Address);
        }
        if !self.everyone.try_take("everyone") {
            return Err(Refusal::Everyone);
        }
        self.by_address.record(address);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_address_is_stopped_while_others_go_on_until_the_ceiling() {
        let limits = RegistrationLimits::new(2, 4, Duration::from_secs(60));
        assert_eq!(limits.admit("10.0.0.1"), Ok(()));
        assert_eq!(limits.admit("10.0.0.1"), Ok(()));
        assert_eq!(limits.admit("10.0.0.1"), Err(Refusal::Address));
        assert_eq!(limits.admit("10.0.0.2"), Ok(()));
        assert_eq!(limits.admit("10.0.0.3"), Ok(()));
        assert_eq!(limits.admit("10.0.0.4"), Err(Refusal::Everyone));
    }
}
