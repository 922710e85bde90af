//! The key a limit counts under: one kind of subject and a bounded value. Emails are
//! normalised (trimmed, lower-cased), so `Ann@Example.com ` and `ann@example.com` share a
//! count; a value longer than a stored key may be is replaced by its SHA-256, so no
//! client can make a counter key grow with what it sends.

use sha2::{Digest, Sha256};

/// Values longer than this are stored as their hash.
const LONGEST_VALUE: usize = 128;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Subject(String);

impl Subject {
    fn of(kind: &str, value: &str) -> Subject {
        if value.len() <= LONGEST_VALUE && !value.chars().any(char::is_control) {
            return Subject(format!("{kind}:{value}"));
        }
        let digest = Sha256::digest(value.as_bytes());
        Subject(format!("{kind}#{}", hex::encode(digest)))
    }

    /// A client address, as `web::client_address` gives it (an IPv6 client's prefix).
    pub fn address(address: &str) -> Subject {
        Subject::of("ip", address)
    }

    /// An account named by the email someone typed (it need not exist).
    pub fn email(email: &str) -> Subject {
        Subject::of("email", &email.trim().to_lowercase())
    }

    pub fn user(user_id: i32) -> Subject {
        Subject(format!("user:{user_id}"))
    }

    /// A known device of an account (`trusted_devices`).
    pub fn device(device_id: i32) -> Subject {
        Subject(format!("device:{device_id}"))
    }

    pub fn token(token_id: i32) -> Subject {
        Subject(format!("token:{token_id}"))
    }

    /// Everyone together (a global ceiling).
    pub fn everyone() -> Subject {
        Subject("everyone".to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_share_a_count_however_they_are_typed() {
        assert_eq!(
            Subject::email(" Ann@Example.COM "),
            Subject::email("ann@example.com")
        );
        assert_eq!(
            Subject::email("ann@example.com").as_str(),
            "email:ann@example.com"
        );
    }

    #[test]
    fn long_or_strange_values_are_stored_as_a_bounded_hash() {
        let long = "a".repeat(16 * 1024);
        let subject = Subject::email(&long);
        assert!(subject.as_str().len() <= 200);
        assert_eq!(subject, Subject::email(&long.to_uppercase()));
        assert_ne!(subject, Subject::email(&"b".repeat(16 * 1024)));
        let nul = Subject::email("ann\0@example.com");
        assert!(nul.as_str().starts_with("email#"));
        assert!(nul.as_str().len() <= 200);
    }
}
