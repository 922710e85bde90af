//! A device's proof that it logged in to an account before: a random secret per device
//! and account, held in the device's cookie and kept in the database only as its SHA-256
//! (`trusted_devices`), so a leaked database proves nothing. A device presenting a live
//! secret of the account may try to log in while the account is closed to new devices.
//!
//! The secret is replaced on every successful log-in from the device (the old value stops
//! counting), expires `VALID_FOR` after that log-in, and an account remembers at most
//! `PER_ACCOUNT` devices (the least recently used go first). A password change or reset
//! ends every device of the account; logging out does not (a device secret opens no
//! session, it only lets its device try a password).

use chrono::TimeDelta;
use rand::RngCore;

pub use crate::domain::accounts::password_reset::hash_token as hash_secret;

/// How long a device stays known after its last log-in.
pub const VALID_FOR: TimeDelta = TimeDelta::days(365);

/// Devices one account remembers.
pub const PER_ACCOUNT: usize = 10;

/// The length of a secret: 32 random bytes as hex.
const SECRET_HEX: usize = 64;

/// A new secret and its stored hash.
pub fn fresh() -> (String, String) {
    let mut bytes = [0_u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let secret = hex::encode(bytes);
    let hash = hash_secret(&secret);
    (secret, hash)
}

/// Whether a presented secret has the shape of one (anything else is ignored unread).
pub fn looks_valid(secret: &str) -> bool {
    secret.len() == SECRET_HEX && secret.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_random_well_formed_and_stored_hashed() {
        let (a, hash_a) = fresh();
        let (b, _) = fresh();
        assert_ne!(a, b);
        assert!(looks_valid(&a));
        assert_eq!(hash_a, hash_secret(&a));
        assert_ne!(hash_a, a);
        assert!(
            !looks_valid(&a[..32]),
            "the older HMAC proofs are not secrets"
        );
        assert!(!looks_valid(&"z".repeat(64)));
    }
}
