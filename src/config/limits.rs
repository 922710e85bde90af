//! Every limit the shop enforces, in one place: each a `Limit` (a stable name, an
//! allowance, a window) read from its variables. All of them are counted in the shared
//! database (`domain::limits`), so each holds across every instance (README, Security).

use std::time::Duration;

use super::{ConfigError, bad, parse_or};
use crate::domain::limits::Limit;

#[derive(Debug, Clone)]
pub struct LimitSettings {
    /// Accounts created per client address per window (`REGISTRATIONS_PER_ADDRESS`, 5 per
    /// `REGISTRATION_WINDOW_SECONDS`, 3600).
    pub registrations_per_address: Limit,
    /// Accounts created from everywhere together (`REGISTRATIONS_GLOBAL`, 1000).
    pub registrations_everyone: Limit,
    /// Failed log-ins per account before unknown devices are shut out
    /// (`LOGIN_FAILURES_PER_ACCOUNT`, 5 per `LOGIN_THROTTLE_WINDOW_SECONDS`, 900).
    pub login_failures_per_account: Limit,
    /// Failed log-ins per client address (`LOGIN_FAILURES_PER_ADDRESS`, 50 per the same
    /// window).
    pub login_failures_per_address: Limit,
    /// Failed log-ins per known device (`LOGIN_FAILURES_PER_DEVICE`, 10 per the same
    /// window): past it, the device no longer passes a closed account or address.
    pub login_failures_per_device: Limit,
    /// Password-change attempts per account (`PASSWORD_CHANGES_PER_ACCOUNT`, 10 per the
    /// log-in window): each costs two hashes.
    pub password_changes_per_account: Limit,
    /// Reset mails per account, asked for by anyone (`RESET_MAILS_PER_ACCOUNT`, 1 per
    /// `RESET_MAIL_WINDOW_SECONDS`, 300).
    pub reset_mails_per_account: Limit,
    /// Reset requests per client address (`RESET_REQUESTS_PER_ADDRESS`, 10 per hour).
    pub reset_requests_per_address: Limit,
    /// Seat holds per user per hour, cancelled ones included (`HOLDS_PER_USER_PER_HOUR`, 10).
    pub holds_per_user: Limit,
    /// Seat holds per client address per hour, every account behind it together
    /// (`HOLDS_PER_ADDRESS_PER_HOUR`, 60: generous, for a venue's Wi-Fi or a carrier's NAT).
    pub holds_per_address: Limit,
    /// How long a user whose hold of a ticket type lapsed unpaid waits before holding
    /// that type again (`HOLD_COOLDOWN_MINUTES`, 5; 0: no wait). Not a counter: judged
    /// on the user's booking row inside the reserving transaction.
    pub hold_cooldown: chrono::TimeDelta,
    /// The live bookings (held or paid) an account whose address is not confirmed may
    /// have (`UNCONFIRMED_BOOKINGS`, 1; 0: none until it confirms). Not a counter: judged
    /// on the account's bookings inside the reserving transaction
    /// (`domain::accounts::unconfirmed`).
    pub unconfirmed_bookings: u32,
    /// Whether an account whose address is not confirmed may list a booking for resale
    /// or give one away (`UNCONFIRMED_MAY_PASS_ON`, false: it confirms first).
    pub unconfirmed_may_pass_on: bool,
    /// Address check mails a user may ask for again (`ADDRESS_CHECK_MAILS_PER_HOUR`, 3).
    pub address_check_mails_per_user: Limit,
    /// Seats a user may send to friends, each a mail to an address they type
    /// (`SEAT_SENDS_PER_HOUR`, 10).
    pub seat_sends_per_user: Limit,
    /// API requests per token, or per client address without one
    /// (`API_REQUESTS_PER_MINUTE`, 100).
    pub api_requests_per_token: Limit,
    /// API requests per user, all their tokens together (`API_REQUESTS_PER_USER_PER_MINUTE`,
    /// 300): minting more tokens buys no more requests.
    pub api_requests_per_user: Limit,
    /// API booking and checkout requests per user (`API_BOOKINGS_PER_MINUTE`, 10).
    pub api_bookings_per_user: Limit,
    /// API requests per door-scoped personal token, in place of the two above
    /// (`API_DOOR_REQUESTS_PER_MINUTE`, 1200): a gate's scanner sends a scan a second or
    /// more through a whole evening, and such a token can do nothing else.
    pub api_door_requests_per_token: Limit,
    /// API tokens minted with a password per account (`API_TOKENS_PER_HOUR`, 10).
    pub tokens_per_account: Limit,
}

impl LimitSettings {
    /// Every limit (for `/metrics` and the tests).
    pub fn all(&self) -> [Limit; 17] {
        [
            self.registrations_per_address,
            self.registrations_everyone,
            self.login_failures_per_account,
            self.login_failures_per_address,
            self.login_failures_per_device,
            self.password_changes_per_account,
            self.reset_mails_per_account,
            self.reset_requests_per_address,
            self.holds_per_user,
            self.holds_per_address,
            self.address_check_mails_per_user,
            self.seat_sends_per_user,
            self.api_requests_per_token,
            self.api_requests_per_user,
            self.api_bookings_per_user,
            self.api_door_requests_per_token,
            self.tokens_per_account,
        ]
    }
}

const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);

/// A window in seconds, at least 1.
fn window(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: u64,
) -> Result<Duration, ConfigError> {
    let seconds: u64 = parse_or(get, name, Some(default))?;
    if !(1..=31 * 24 * 3600).contains(&seconds) {
        return Err(bad(name, "must be between 1 second and 31 days"));
    }
    Ok(Duration::from_secs(seconds))
}

pub(super) fn limit_settings(
    get: &impl Fn(&str) -> Option<String>,
) -> Result<LimitSettings, ConfigError> {
    let allowance = |name: &'static str, default: u32| -> Result<u32, ConfigError> {
        parse_or(get, name, Some(default))
    };
    let registration_window = window(get, "REGISTRATION_WINDOW_SECONDS", 3600)?;
    let login_window = window(get, "LOGIN_THROTTLE_WINDOW_SECONDS", 900)?;
    let reset_window = window(get, "RESET_MAIL_WINDOW_SECONDS", 300)?;
    let cooldown_minutes: i64 = parse_or(get, "HOLD_COOLDOWN_MINUTES", Some(5))?;
    if !(0..=24 * 60).contains(&cooldown_minutes) {
        return Err(bad(
            "HOLD_COOLDOWN_MINUTES",
            "must be between 0 and 1440 minutes",
        ));
    }
    let unconfirmed_bookings: u32 = parse_or(get, "UNCONFIRMED_BOOKINGS", Some(1))?;
    if unconfirmed_bookings > 1000 {
        return Err(bad("UNCONFIRMED_BOOKINGS", "must be between 0 and 1000"));
    }
    let unconfirmed_may_pass_on: bool = parse_or(get, "UNCONFIRMED_MAY_PASS_ON", Some(false))?;
    Ok(LimitSettings {
        registrations_per_address: Limit::new(
            "registrations_address",
            allowance("REGISTRATIONS_PER_ADDRESS", 5)?,
            registration_window,
        ),
        registrations_everyone: Limit::new(
            "registrations_everyone",
            allowance("REGISTRATIONS_GLOBAL", 1000)?,
            registration_window,
        ),
        login_failures_per_account: Limit::new(
            "login_failures_account",
            allowance("LOGIN_FAILURES_PER_ACCOUNT", 5)?,
            login_window,
        ),
        login_failures_per_address: Limit::new(
            "login_failures_address",
            allowance("LOGIN_FAILURES_PER_ADDRESS", 50)?,
            login_window,
        ),
        login_failures_per_device: Limit::new(
            "login_failures_device",
            allowance("LOGIN_FAILURES_PER_DEVICE", 10)?,
            login_window,
        ),
        password_changes_per_account: Limit::new(
            "password_changes_account",
            allowance("PASSWORD_CHANGES_PER_ACCOUNT", 10)?,
            login_window,
        ),
        reset_mails_per_account: Limit::new(
            "reset_mails_account",
            allowance("RESET_MAILS_PER_ACCOUNT", 1)?,
            reset_window,
        ),
        reset_requests_per_address: Limit::new(
            "reset_requests_address",
            allowance("RESET_REQUESTS_PER_ADDRESS", 10)?,
            HOUR,
        ),
        holds_per_user: Limit::new(
            "holds_user",
            allowance("HOLDS_PER_USER_PER_HOUR", 10)?,
            HOUR,
        ),
        holds_per_address: Limit::new(
            "holds_address",
            allowance("HOLDS_PER_ADDRESS_PER_HOUR", 60)?,
            HOUR,
        ),
        hold_cooldown: chrono::TimeDelta::minutes(cooldown_minutes),
        unconfirmed_bookings,
        unconfirmed_may_pass_on,
        address_check_mails_per_user: Limit::new(
            "address_check_mails_user",
            allowance("ADDRESS_CHECK_MAILS_PER_HOUR", 3)?,
            HOUR,
        ),
        seat_sends_per_user: Limit::new(
            "seat_sends_user",
            allowance("SEAT_SENDS_PER_HOUR", 10)?,
            HOUR,
        ),
        api_requests_per_token: Limit::new(
            "api_requests",
            allowance("API_REQUESTS_PER_MINUTE", 100)?,
            MINUTE,
        ),
        api_requests_per_user: Limit::new(
            "api_requests_user",
            allowance("API_REQUESTS_PER_USER_PER_MINUTE", 300)?,
            MINUTE,
        ),
        api_bookings_per_user: Limit::new(
            "api_bookings_user",
            allowance("API_BOOKINGS_PER_MINUTE", 10)?,
            MINUTE,
        ),
        api_door_requests_per_token: Limit::new(
            "api_door_requests",
            allowance("API_DOOR_REQUESTS_PER_MINUTE", 1200)?,
            MINUTE,
        ),
        tokens_per_account: Limit::new(
            "tokens_account",
            allowance("API_TOKENS_PER_HOUR", 10)?,
            HOUR,
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_overrides() {
        let none = |_: &str| None;
        let limits = limit_settings(&none).unwrap();
        assert_eq!(limits.registrations_per_address.allowance, 5);
        assert_eq!(limits.registrations_per_address.window, HOUR);
        assert_eq!(
            limits.login_failures_per_account.window,
            Duration::from_secs(900)
        );
        assert_eq!(limits.reset_mails_per_account.allowance, 1);
        assert_eq!(limits.holds_per_user.allowance, 10);
        assert_eq!(limits.holds_per_address.allowance, 60);
        assert_eq!(limits.holds_per_address.window, HOUR);
        assert_eq!(limits.hold_cooldown, chrono::TimeDelta::minutes(5));
        assert_eq!(limits.unconfirmed_bookings, 1);
        let none_unconfirmed =
            |name: &str| (name == "UNCONFIRMED_BOOKINGS").then(|| "0".to_owned());
        assert_eq!(
            limit_settings(&none_unconfirmed)
                .unwrap()
                .unconfirmed_bookings,
            0
        );
        for bad_count in ["-1", "1001", "one"] {
            let set = |name: &str| (name == "UNCONFIRMED_BOOKINGS").then(|| bad_count.to_owned());
            assert_eq!(
                limit_settings(&set).unwrap_err().variable,
                "UNCONFIRMED_BOOKINGS"
            );
        }
        let no_wait = |name: &str| (name == "HOLD_COOLDOWN_MINUTES").then(|| "0".to_owned());
        assert_eq!(
            limit_settings(&no_wait).unwrap().hold_cooldown,
            chrono::TimeDelta::zero()
        );
        for bad_wait in ["-1", "1441", "soon"] {
            let set = |name: &str| (name == "HOLD_COOLDOWN_MINUTES").then(|| bad_wait.to_owned());
            assert_eq!(
                limit_settings(&set).unwrap_err().variable,
                "HOLD_COOLDOWN_MINUTES"
            );
        }
        let set = |name: &str| (name == "API_REQUESTS_PER_MINUTE").then(|| "0".to_owned());
        assert!(
            limit_settings(&set)
                .unwrap()
                .api_requests_per_token
                .is_off()
        );
        let bad_window =
            |name: &str| (name == "REGISTRATION_WINDOW_SECONDS").then(|| "0".to_owned());
        assert_eq!(
            limit_settings(&bad_window).unwrap_err().variable,
            "REGISTRATION_WINDOW_SECONDS"
        );
    }

    #[test]
    fn every_limit_has_its_own_stored_name() {
        let none = |_: &str| None;
        let mut names: Vec<&str> = limit_settings(&none)
            .unwrap()
            .all()
            .iter()
            .map(|l| l.name)
            .collect();
        let all = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), all);
        assert!(names.iter().all(|n| n.len() <= 40));
    }
}
