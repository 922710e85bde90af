//! Bearer tokens of the JSON API: 32 random bytes, shown once to the client and kept
//! only as their SHA-256, so a leaked database holds no usable token. Minted with a
//! password (`POST /api/v1/tokens`, for `API_TOKEN_HOURS`) or made on the account page
//! as a *personal access token*: named, with a lifetime the owner picks (or none).

use chrono::TimeDelta;
use rand::RngCore;

pub use crate::domain::accounts::password_reset::hash_token;

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

/// Live personal access tokens one account may hold.
pub const PERSONAL_PER_ACCOUNT: usize = 20;

/// The longest name of a personal access token, in characters.
const NAME_CHARS: usize = 60;

/// The lifetimes a personal access token may be given: the form's value, its label, and
/// the lifetime (`None`: it never expires).
pub const LIFETIMES: &[(&str, &str, Option<TimeDelta>)] = &[
    ("7", "7 days", Some(TimeDelta::days(7))),
    ("30", "30 days", Some(TimeDelta::days(30))),
    ("90", "90 days", Some(TimeDelta::days(90))),
    ("365", "1 year", Some(TimeDelta::days(365))),
    ("never", "No expiry", None),
];

/// A personal access token's name, trimmed: 1 to 60 characters, no control characters.
pub fn check_name(name: &str) -> Result<String, &'static str> {
    let name = name.trim();
    if name.is_empty() {
        return Err("Give the token a name, to tell it apart later.");
    }
    if name.chars().count() > NAME_CHARS {
        return Err("Use at most 60 characters.");
    }
    if name.chars().any(char::is_control) {
        return Err("Use letters, digits, spaces and symbols only: no control characters.");
    }
    Ok(name.to_owned())
}

/// The lifetime the form's `expires` value names (`Some(None)`: never expires).
pub fn lifetime(value: &str) -> Option<Option<TimeDelta>> {
    LIFETIMES
        .iter()
        .find(|(v, ..)| *v == value)
        .map(|(_, _, lifetime)| *lifetime)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_lifetimes_of_personal_tokens() {
        assert_eq!(
            check_name("  deploy script "),
            Ok("deploy script".to_owned())
        );
        assert!(check_name("   ").is_err());
        assert!(check_name(&"x".repeat(61)).is_err());
        assert!(check_name("tab\there").is_err());
        assert_eq!(lifetime("30"), Some(Some(TimeDelta::days(30))));
        assert_eq!(lifetime("never"), Some(None));
        assert_eq!(lifetime("forever"), None);
    }

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
