//! Idempotency keys: random (a version-4 UUID), made once per request and stored with
//! it, so a retry resends the same key while two databases sharing one Stripe account
//! (staging and production, a restore, two developers) can never collide.

use rand::RngCore;

/// A fresh key for one kind of request (`checkout`, `refund`).
pub fn fresh_key(kind: &str) -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    // RFC 9562's version 4 and variant bits.
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex = hex::encode(bytes);
    format!(
        "boxoffice-{kind}-{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn keys_are_uuids_and_never_repeat() {
        let a = fresh_key("checkout");
        let b = fresh_key("checkout");
        assert_ne!(a, b);
        let uuid = a.strip_prefix("boxoffice-checkout-").unwrap();
        assert_eq!(uuid.len(), 36);
        assert_eq!(&uuid[14..15], "4", "version 4");
        assert!("89ab".contains(&uuid[19..20]), "RFC variant");
    }
}
