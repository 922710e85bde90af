//! The owner's devices: a successful login leaves a long-lived cookie on the device
//! holding, per account, an HMAC of the account's email under the session key. A device
//! that presents it has logged in to that account before, so the per-account throttle
//! lets it try even while someone else is guessing the password elsewhere.

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::{HttpRequest, HttpResponse};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

const COOKIE: &str = "boxoffice_device";
/// Accounts one device remembers (a shared family computer, say).
const MAX_ACCOUNTS: usize = 5;

/// The device's proof for `email` (lower-cased, trimmed), as hex.
fn proof(key: &[u8], email: &str) -> Option<String> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).ok()?;
    mac.update(b"trusted-device:");
    mac.update(email.trim().to_lowercase().as_bytes());
    Some(hex::encode(&mac.finalize().into_bytes()[..16]))
}

fn proofs(req: &HttpRequest) -> Vec<String> {
    req.cookie(COOKIE)
        .map(|c| {
            c.value()
                .split('.')
                .filter(|p| p.len() == 32 && p.bytes().all(|b| b.is_ascii_hexdigit()))
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// Whether this device logged in to `email` before.
pub fn is_known(req: &HttpRequest, key: &[u8], email: &str) -> bool {
    let Some(expected) = proof(key, email) else {
        return false;
    };
    proofs(req)
        .iter()
        .any(|p| bool::from(p.as_bytes().ct_eq(expected.as_bytes())))
}

/// Adds `email`'s proof to the device's cookie (the most recent accounts kept).
pub fn remember(
    response: &mut HttpResponse,
    req: &HttpRequest,
    key: &[u8],
    email: &str,
    secure: bool,
) {
    let Some(new) = proof(key, email) else {
        return;
    };
    let mut kept: Vec<String> = proofs(req).into_iter().filter(|p| *p != new).collect();
    kept.push(new);
    let start = kept.len().saturating_sub(MAX_ACCOUNTS);
    let cookie = Cookie::build(COOKIE, kept[start..].join("."))
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .max_age(CookieDuration::days(365))
        .finish();
    if let Err(error) = response.add_cookie(&cookie) {
        log::warn!("could not set the device cookie: {error}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    const KEY: &[u8] = b"a key long enough for the tests, a key long enough for the tests";

    #[test]
    fn a_device_is_known_only_for_the_accounts_it_logged_in_to() {
        let ann = proof(KEY, "Ann@example.com ").unwrap();
        let req = TestRequest::default()
            .cookie(Cookie::new(COOKIE, format!("{ann}.zz")))
            .to_http_request();
        assert!(is_known(&req, KEY, "ann@example.com"));
        assert!(!is_known(&req, KEY, "bob@example.com"));
        assert!(!is_known(&req, b"another key", "ann@example.com"));
        let forged = TestRequest::default()
            .cookie(Cookie::new(COOKIE, "0".repeat(32)))
            .to_http_request();
        assert!(!is_known(&forged, KEY, "ann@example.com"));
    }
}
