//! Logging in with an email and password, for the HTML form and the JSON API's token
//! requests alike, under the log-in throttle (`domain::login_throttle`): one database
//! trip reads where the attempt stands (failures per account and per address, the
//! user), the throttle decides, and only an attempt it lets through costs a password
//! hash (on the hashing pool). A failure is then counted in the shared limits, so the
//! budget of an account or an address is the same on every instance.

use super::AppState;
use super::limits;
use crate::db::models::User;
use crate::db::{users, write_transaction};
use crate::domain::email::Email;
use crate::domain::limits::{Limit, Subject, shared};
use crate::domain::login_throttle::{self, Decision, Device, Standing};
use crate::error::AppError;

/// One log-in attempt.
#[derive(Debug, Clone, Copy)]
pub struct Attempt<'a> {
    /// The client's address (`web::client_address`).
    pub address: &'a str,
    pub email: &'a str,
    pub password: &'a str,
    /// Whether the client proved an earlier successful log-in to this account.
    pub known_device: bool,
}

/// How a log-in attempt ended.
#[derive(Debug)]
pub enum LogIn {
    /// The password matched.
    Welcome(User),
    /// Wrong email or password (the same answer for either).
    Refused,
    /// Refused before any hash: the client's address has failed too often.
    AddressThrottled { retry_after: u64 },
    /// Refused before any hash: the account has failed too often, and only a device
    /// that logged in to it before may try now.
    ClosedToNewDevices { retry_after: u64 },
}

/// The limits and subjects an attempt's failure counts under.
#[derive(Clone)]
struct Counted {
    account: (Limit, Subject),
    address: (Limit, Subject),
}

impl Counted {
    fn of(state: &AppState, attempt: &Attempt<'_>) -> Counted {
        let limits = &state.settings.limits;
        Counted {
            account: (
                limits.login_failures_per_account,
                Subject::email(attempt.email),
            ),
            address: (
                limits.login_failures_per_address,
                Subject::address(attempt.address),
            ),
        }
    }
}

/// Checks an attempt's password, unless the throttle refuses it first.
pub async fn log_in(state: &AppState, attempt: Attempt<'_>) -> Result<LogIn, AppError> {
    let counted = Counted::of(state, &attempt);
    if !attempt.known_device
        && let Some(refused) = refused_earlier(state, &counted)
    {
        return Ok(refused);
    }
    let email = Email::parse(attempt.email).ok();
    let now = state.clock.now();
    let read = counted.clone();
    let (account, address, user) = state
        .db(move |conn| {
            let account = shared::peek(conn, &read.account.0, &read.account.1, now)?;
            let address = shared::peek(conn, &read.address.0, &read.address.1, now)?;
            let user = match email {
                Some(email) => users::find_by_email(conn, email.as_str())?,
                None => None,
            };
            Ok((account, address, user))
        })
        .await?;
    let standing = Standing {
        account,
        address,
        device: if attempt.known_device {
            Device::Known { open: true }
        } else {
            Device::Unknown
        },
    };
    match login_throttle::decide(&standing) {
        Decision::Try => {}
        Decision::AddressThrottled { retry_after } => {
            limits::refused_until_window_ends(state, &counted.address.0, &counted.address.1);
            return Ok(LogIn::AddressThrottled { retry_after });
        }
        Decision::ClosedToNewDevices { retry_after } => {
            limits::refused_until_window_ends(state, &counted.account.0, &counted.account.1);
            return Ok(LogIn::ClosedToNewDevices { retry_after });
        }
    }
    let matches = state
        .hashing
        .verify(
            attempt.password,
            user.as_ref().map(|u| u.password_hash.clone()),
            state.settings.bcrypt_cost,
        )
        .await?;
    match user.filter(|_| matches) {
        Some(user) => Ok(LogIn::Welcome(user)),
        None => {
            count_failure(state, counted).await?;
            Ok(LogIn::Refused)
        }
    }
}

/// A refusal this instance remembers from the shared counts (no database trip): for a
/// client that did not prove to be a known device.
fn refused_earlier(state: &AppState, counted: &Counted) -> Option<LogIn> {
    if let Some(quota) = limits::refused_earlier(state, &counted.address.0, &counted.address.1) {
        return Some(LogIn::AddressThrottled {
            retry_after: quota.retry_after_seconds(),
        });
    }
    limits::refused_earlier(state, &counted.account.0, &counted.account.1).map(|quota| {
        LogIn::ClosedToNewDevices {
            retry_after: quota.retry_after_seconds(),
        }
    })
}

/// Counts a failure against the account and the address, in one transaction.
async fn count_failure(state: &AppState, counted: Counted) -> Result<(), AppError> {
    let now = state.clock.now();
    state
        .db(move |conn| {
            write_transaction(conn, |c| {
                shared::record(c, &counted.account.0, &counted.account.1, now)?;
                shared::record(c, &counted.address.0, &counted.address.1, now)?;
                Ok::<_, diesel::result::Error>(())
            })
            .map_err(AppError::from)
        })
        .await
}
