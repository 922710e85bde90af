//! The log-in throttle's rule, decided *before* any password is hashed, so a refused
//! attempt costs a look-up and no bcrypt work. It never turns against the owner:
//!
//! - **Per account** (the normalised email, whether or not it has an account): past
//!   `LOGIN_FAILURES_PER_ACCOUNT` failures in the window, only the owner's *known
//!   devices* (a device that logged in to the account before, `trusted_devices`) may try.
//!   An attacker guessing from anywhere stops; the owner on a known device gets in.
//! - **Per client address**: past `LOGIN_FAILURES_PER_ADDRESS` failures in the window,
//!   attempts from that address are refused at once (429, `Retry-After`), except from a
//!   known device of the account tried.
//! - **Per known device**: the exemption holds while the device's own failures stay
//!   within `LOGIN_FAILURES_PER_DEVICE`, so a device cookie is never a licence to guess.
//!
//! The failures are counted in the shared limits (`domain::limits`), so every limit
//! holds across all instances. `app::login` reads the counts, asks `decide`, and only
//! then hashes.

use crate::domain::limits::Quota;

/// Where an attempt stands before its password is checked. Each quota is a *peek*:
/// `allowed` means one more failure would still be within the limit.
#[derive(Debug, Clone, Copy)]
pub struct Standing {
    pub account: Quota,
    pub address: Quota,
    pub device: Device,
}

/// Whether the client proved to be a device that logged in to the account before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Device {
    Unknown,
    /// A known device; `open` while its own failures are within their limit.
    Known {
        open: bool,
    },
}

/// What to do with the attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Check the password.
    Try,
    /// The client's address has failed too often: refused without a hash.
    AddressThrottled { retry_after: u64 },
    /// The account has failed too often: only its known devices may try now.
    ClosedToNewDevices { retry_after: u64 },
}

pub fn decide(standing: &Standing) -> Decision {
    if standing.device == (Device::Known { open: true }) {
        return Decision::Try;
    }
    if !standing.address.allowed {
        return Decision::AddressThrottled {
            retry_after: standing.address.retry_after_seconds(),
        };
    }
    if !standing.account.allowed {
        return Decision::ClosedToNewDevices {
            retry_after: standing.account.retry_after_seconds(),
        };
    }
    Decision::Try
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn quota(allowed: bool, seconds: u64) -> Quota {
        Quota {
            allowed,
            limit: 5,
            remaining: u32::from(allowed),
            reset_after: Duration::from_secs(seconds),
        }
    }

    fn standing(account: bool, address: bool, device: Device) -> Standing {
        Standing {
            account: quota(account, 600),
            address: quota(address, 300),
            device,
        }
    }

    #[test]
    fn an_open_account_and_address_may_try() {
        assert_eq!(
            decide(&standing(true, true, Device::Unknown)),
            Decision::Try
        );
    }

    #[test]
    fn a_closed_account_refuses_new_devices_with_its_own_wait() {
        assert_eq!(
            decide(&standing(false, true, Device::Unknown)),
            Decision::ClosedToNewDevices { retry_after: 600 }
        );
        assert_eq!(
            decide(&standing(false, true, Device::Known { open: true })),
            Decision::Try,
            "the owner's device may try"
        );
    }

    #[test]
    fn a_busy_address_refuses_all_but_a_known_device() {
        assert_eq!(
            decide(&standing(true, false, Device::Unknown)),
            Decision::AddressThrottled { retry_after: 300 }
        );
        assert_eq!(
            decide(&standing(false, false, Device::Known { open: true })),
            Decision::Try
        );
    }

    #[test]
    fn a_device_past_its_own_failures_is_treated_as_unknown() {
        assert_eq!(
            decide(&standing(false, true, Device::Known { open: false })),
            Decision::ClosedToNewDevices { retry_after: 600 }
        );
        assert_eq!(
            decide(&standing(true, true, Device::Known { open: false })),
            Decision::Try,
            "the device limit only bounds the exemption"
        );
    }
}
