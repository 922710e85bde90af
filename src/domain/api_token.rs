//! Bearer tokens of the JSON API: 32 random bytes, shown once to the client and kept
//! only as their SHA-256, so a leaked database holds no usable token.

use rand::RngCore;

pub use super::password_reset::hash_token;

/// Every token starts with this, so one found in a log or a repository is recognisable.
pub const PREFIX: &str = "bo_";

/// A new token and its stored hash.
pub fn fresh() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = format!("{PREFIX}{}", hex::encode(bytes));
    let hash = hash_token(&token);
    (token, hash)
}

/// Whether a presented token has a plausible shape (anything else is refused before
/// any database look-up).
pub fn looks_valid(token: &str) -> bool {
    token
        .strip_prefix(PREFIX)
        .is_some_and(|hex| hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_prefixed_and_stored_hashed() {
        let (a, hash_a) = fresh();
        let (b, _) = fresh();
        assert_ne!(a, b);
        assert!(looks_valid(&a));
        assert_eq!(hash_a, hash_token(&a));
        assert!(!hash_a.contains(&a[3..]));
        assert!(!looks_valid("bo_xyz"));
        assert!(!looks_valid(&a.replace("bo_", "xx_")));
    }
}
