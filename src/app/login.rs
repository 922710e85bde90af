//! Logging in with an email and password, for the HTML form and the JSON API's token
//! requests alike, under the log-in throttle (`domain::accounts::login_throttle`): one database
//! trip reads where the attempt stands (failures per account and per address, the
//! user, the device if it presented a secret of the account), the throttle decides, and
//! only an attempt it lets through costs a password hash (on the hashing pool). A
//! failure is then counted in the shared limits, so the budget of an account or an
//! address is the same on every instance. A successful log-in from a browser gives the
//! device a new secret for the account (`domain::accounts::trusted_device`): the old one stops
//! counting.

use super::AppState;
use super::limits;
use crate::db::models::User;
use crate::db::{Conn, trusted_devices, users, write_transaction};
use crate::domain::accounts::email::Email;
use crate::domain::accounts::login_throttle::{self, Decision, Device, Standing};
use crate::domain::accounts::trusted_device;
use crate::domain::limits::{Limit, Quota, Subject, shared};
use crate::error::AppError;

/// One log-in attempt.
#[derive(Debug, Clone, Copy)]
pub struct Attempt<'a> {
    /// The client's address (`web::client_address`).
    pub address: &'a str,
    pub email: &'a str,
    pub password: &'a str,
    /// The device secrets the client presented (its device cookie), or `None` for a
    /// client that keeps none (the JSON API): it is never a known device, and logging in
    /// leaves it no secret.
    pub device_secrets: Option<&'a [String]>,
}

/// The secret a device gets for an account on logging in, to keep in its cookie in
/// place of `replaces` (the one it presented, now void).
#[derive(Debug, Clone)]
pub struct DeviceSecret {
    pub secret: String,
    pub replaces: Option<String>,
}

/// How a log-in attempt ended.
#[derive(Debug)]
pub enum LogIn {
    /// The password matched; a browser's device gets a new secret for the account.
    Welcome {
        user: User,
        device: Option<DeviceSecret>,
    },
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
    device: Limit,
}

/// A live device of the account that the client proved to be: its id, the secret it
/// presented and that secret's stored hash.
#[derive(Debug, Clone)]
struct KnownDevice {
    id: i32,
    secret: String,
    hash: String,
}

/// What the database says of an attempt before its password is checked.
struct Before {
    account: Quota,
    address: Quota,
    user: Option<User>,
    device: Option<(KnownDevice, Quota)>,
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
            device: limits.login_failures_per_device,
        }
    }
}

/// Checks an attempt's password, unless the throttle refuses it first.
pub async fn log_in(state: &AppState, attempt: Attempt<'_>) -> Result<LogIn, AppError> {
    let counted = Counted::of(state, &attempt);
    // (secret, hash) of each well-formed secret presented.
    let presented: Vec<(String, String)> = attempt
        .device_secrets
        .unwrap_or_default()
        .iter()
        .filter(|s| trusted_device::looks_valid(s))
        .map(|s| (s.clone(), trusted_device::hash_secret(s)))
        .collect();
    // A client with no device secret cannot be let through by one: a refusal this
    // instance remembers answers it with no database trip.
    if presented.is_empty()
        && let Some(refused) = refused_earlier(state, &counted)
    {
        return Ok(refused);
    }
    let email = Email::parse(attempt.email).ok();
    let email_given = email.is_some();
    let now = state.clock.now();
    let read = counted.clone();
    let before = state
        .db(move |conn| standing_of(conn, &read, email.as_ref(), presented, now))
        .await?;
    let standing = Standing {
        account: before.account,
        address: before.address,
        device: match &before.device {
            Some((_, quota)) => Device::Known {
                open: quota.allowed,
            },
            None => Device::Unknown,
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
    // An email that cannot be an account's needs no hash to be refused: no account's
    // answer could be told apart by its timing.
    let matches = if email_given {
        state
            .hashing
            .verify(
                attempt.password,
                before.user.as_ref().map(|u| u.password_hash.clone()),
                state.settings.bcrypt_cost,
            )
            .await?
    } else {
        false
    };
    let device = before.device.map(|(device, _)| device);
    match before.user.filter(|_| matches) {
        Some(user) => {
            let device = match attempt.device_secrets {
                Some(_) => Some(trust_device(state, user.id, device).await?),
                None => None,
            };
            Ok(LogIn::Welcome { user, device })
        }
        None => {
            count_failure(state, counted, device.map(|d| d.id)).await?;
            Ok(LogIn::Refused)
        }
    }
}

/// Where an attempt stands: the shared counts (peeked, nothing counted), the user, and
/// the live device of that user among the presented secrets, with its own count.
fn standing_of(
    conn: &mut Conn,
    counted: &Counted,
    email: Option<&Email>,
    presented: Vec<(String, String)>,
    now: chrono::NaiveDateTime,
) -> Result<Before, AppError> {
    let account = shared::peek(conn, &counted.account.0, &counted.account.1, now)?;
    let address = shared::peek(conn, &counted.address.0, &counted.address.1, now)?;
    let user = match email {
        Some(email) => users::find_by_email(conn, email.as_str())?,
        None => None,
    };
    let mut device = None;
    if let Some(user) = &user {
        let hashes: Vec<String> = presented.iter().map(|(_, hash)| hash.clone()).collect();
        if let Some((id, hash)) = trusted_devices::find_live(conn, user.id, &hashes, now)? {
            let secret = presented
                .into_iter()
                .find(|(_, h)| *h == hash)
                .map(|(secret, _)| secret)
                .unwrap_or_default();
            let quota = shared::peek(conn, &counted.device, &Subject::device(id), now)?;
            device = Some((KnownDevice { id, secret, hash }, quota));
        }
    }
    Ok(Before {
        account,
        address,
        user,
        device,
    })
}

/// Gives the device a new secret for the account: the known device's secret is replaced
/// (the old one no longer counts), or a new device is remembered (the account keeps its
/// most recent few).
async fn trust_device(
    state: &AppState,
    user_id: i32,
    known: Option<KnownDevice>,
) -> Result<DeviceSecret, AppError> {
    let now = state.clock.now();
    let expires_at = now + trusted_device::VALID_FOR;
    let (secret, hash) = trusted_device::fresh();
    let replaces = known.as_ref().map(|k| k.secret.clone());
    state
        .db(move |conn| {
            write_transaction(conn, |c| {
                let rotated = match &known {
                    Some(k) => {
                        trusted_devices::rotate(c, k.id, &k.hash, &hash, now, expires_at)?.applied()
                    }
                    None => false,
                };
                // Another log-in from this device replaced the secret first: this one
                // is remembered as a device of its own.
                if !rotated {
                    trusted_devices::insert(c, user_id, &hash, now, expires_at)?;
                }
                trusted_devices::keep_newest(c, user_id, trusted_device::PER_ACCOUNT, now)?;
                Ok::<_, diesel::result::Error>(())
            })
            .map_err(AppError::from)
        })
        .await?;
    Ok(DeviceSecret { secret, replaces })
}

/// A refusal this instance remembers from the shared counts (no database trip).
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

/// Counts a failure against the account, the address and the known device (if any),
/// in one transaction.
async fn count_failure(
    state: &AppState,
    counted: Counted,
    device: Option<i32>,
) -> Result<(), AppError> {
    let now = state.clock.now();
    state
        .db(move |conn| {
            write_transaction(conn, |c| {
                shared::record(c, &counted.account.0, &counted.account.1, now)?;
                shared::record(c, &counted.address.0, &counted.address.1, now)?;
                if let Some(device) = device {
                    shared::record(c, &counted.device, &Subject::device(device), now)?;
                }
                Ok::<_, diesel::result::Error>(())
            })
            .map_err(AppError::from)
        })
        .await
}
