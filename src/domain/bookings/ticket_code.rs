//! Ticket codes: random, unguessable, easy to read aloud at the door.

use rand::Rng;

/// Crockford's base32 alphabet: no I, L, O or U to misread.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A new code of 20 symbols (100 random bits) in groups of four: `7K3M-…`.
pub fn generate() -> String {
    let mut rng = rand::rng();
    let mut code = String::with_capacity(24);
    for i in 0..20 {
        if i > 0 && i % 4 == 0 {
            code.push('-');
        }
        code.push(ALPHABET[rng.random_range(0..32)] as char);
    }
    code
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_have_the_documented_shape_and_differ() {
        let a = generate();
        let b = generate();
        assert_eq!(a.len(), 24);
        assert_eq!(a.split('-').count(), 5);
        assert!(a.chars().all(|c| c == '-' || ALPHABET.contains(&(c as u8))));
        assert_ne!(a, b);
    }
}
