//! Verifying Stripe's `Stripe-Signature` header: HMAC-SHA256 over `timestamp.body` with
//! the endpoint secret, any of several `v1` signatures, within a 5-minute tolerance.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How far a signature's timestamp may be from now.
pub const TOLERANCE_SECONDS: i64 = 300;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("no Stripe-Signature header, or no timestamp / v1 signature in it")]
    Malformed,
    #[error("the signature's timestamp is outside the tolerance")]
    Stale,
    #[error("no signature matches")]
    Mismatch,
}

/// Checks `header` for `payload` at `now` (Unix seconds).
pub fn verify(payload: &[u8], header: &str, secret: &str, now: i64) -> Result<(), SignatureError> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => timestamp = value.parse::<i64>().ok(),
            Some(("v1", value)) => {
                if let Ok(bytes) = hex::decode(value) {
                    signatures.push(bytes);
                }
            }
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    if (now - timestamp).abs() > TOLERANCE_SECONDS {
        return Err(SignatureError::Stale);
    }
    let matches = signatures.iter().any(|signature| {
        mac_for(secret, timestamp, payload)
            .verify_slice(signature)
            .is_ok()
    });
    if matches {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

fn mac_for(secret: &str, timestamp: i64, payload: &[u8]) -> Hmac<Sha256> {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).unwrap_or_else(|_| unreachable!());
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(payload);
    mac
}

/// A header as Stripe would send it (for tests and local tools).
pub fn sign(payload: &[u8], secret: &str, timestamp: i64) -> String {
    let signature = mac_for(secret, timestamp, payload).finalize().into_bytes();
    format!("t={timestamp},v1={}", hex::encode(signature))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test";
    const BODY: &[u8] = br#"{"id":"evt_1"}"#;

    #[test]
    fn a_fresh_signature_of_the_body_passes() {
        let header = sign(BODY, SECRET, 1_000);
        assert_eq!(verify(BODY, &header, SECRET, 1_100), Ok(()));
    }

    #[test]
    fn any_of_several_v1_signatures_may_match() {
        let good = sign(BODY, SECRET, 1_000);
        let good_v1 = good.split(',').nth(1).unwrap();
        let header = format!("t=1000,v1={},{good_v1},v0=abc", "00".repeat(32));
        assert_eq!(verify(BODY, &header, SECRET, 1_000), Ok(()));
    }

    #[test]
    fn tampering_old_timestamps_and_wrong_secrets_fail() {
        let header = sign(BODY, SECRET, 1_000);
        assert_eq!(
            verify(br#"{"id":"evt_2"}"#, &header, SECRET, 1_000),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(BODY, &header, SECRET, 1_000 + 301),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify(BODY, &header, "whsec_other", 1_000),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(BODY, "garbage", SECRET, 1_000),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify(BODY, "t=1000", SECRET, 1_000),
            Err(SignatureError::Malformed)
        );
    }
}
