//! Accounts: registering and passwords, the address check, the log-in throttle's rule,
//! password resets, trusted devices, the API's bearer tokens and their scopes, and what
//! an account whose address is not confirmed may do.

pub mod account;
pub mod address_check;
pub mod api_token;
pub mod email;
pub mod login_throttle;
pub mod password_reset;
pub mod token_scope;
pub mod trusted_device;
pub mod unconfirmed;
