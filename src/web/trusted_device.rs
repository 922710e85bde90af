//! The device cookie (`boxoffice_device`): the secrets this browser holds for the
//! accounts it logged in to (`domain::accounts::trusted_device`), one per account, most recent
//! last. The shop reads them on a log-in attempt (a live one of the account lets the
//! device try while the account is closed to new devices) and writes the new secret a
//! log-in gives, in place of the one it replaces. Long-lived, HttpOnly, SameSite=Lax.

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::{HttpRequest, HttpResponse};

use crate::app::login::DeviceSecret;
use crate::domain::accounts::trusted_device;

const COOKIE: &str = "boxoffice_device";
/// Accounts one device remembers (a shared family computer, say).
const MAX_ACCOUNTS: usize = 5;

/// The well-formed secrets the request's device cookie holds (at most `MAX_ACCOUNTS`;
/// anything else in it is ignored).
pub fn presented(req: &HttpRequest) -> Vec<String> {
    req.cookie(COOKIE)
        .map(|c| {
            c.value()
                .split('.')
                .filter(|s| trusted_device::looks_valid(s))
                .take(MAX_ACCOUNTS)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// Keeps `device.secret` in the device's cookie in place of the secret it replaces (the
/// most recent accounts kept).
pub fn remember(
    response: &mut HttpResponse,
    req: &HttpRequest,
    device: &DeviceSecret,
    secure: bool,
) {
    let mut kept: Vec<String> = presented(req)
        .into_iter()
        .filter(|s| Some(s) != device.replaces.as_ref() && *s != device.secret)
        .collect();
    kept.push(device.secret.clone());
    let start = kept.len().saturating_sub(MAX_ACCOUNTS);
    let max_age = CookieDuration::days(trusted_device::VALID_FOR.num_days());
    let cookie = Cookie::build(COOKIE, kept[start..].join("."))
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .max_age(max_age)
        .finish();
    if let Err(error) = response.add_cookie(&cookie) {
        log::warn!("could not set the device cookie: {error}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn secret(c: char) -> String {
        c.to_string().repeat(64)
    }

    #[test]
    fn only_well_formed_secrets_are_read_and_a_new_one_replaces_the_old() {
        let (a, b) = (secret('a'), secret('b'));
        let req = TestRequest::default()
            .cookie(Cookie::new(
                COOKIE,
                format!("{a}.zz.{}.{b}", "0".repeat(32)),
            ))
            .to_http_request();
        assert_eq!(presented(&req), [a.clone(), b.clone()]);

        let mut response = HttpResponse::Ok().finish();
        let rotated = DeviceSecret {
            secret: secret('c'),
            replaces: Some(a),
        };
        remember(&mut response, &req, &rotated, false);
        let set = response.cookies().next().unwrap();
        assert_eq!(set.value(), format!("{b}.{}", secret('c')));
        assert_eq!(set.http_only(), Some(true));
    }

    #[test]
    fn a_device_remembers_its_most_recent_accounts() {
        let many: Vec<String> = "12345".chars().map(secret).collect();
        let req = TestRequest::default()
            .cookie(Cookie::new(COOKIE, many.join(".")))
            .to_http_request();
        let mut response = HttpResponse::Ok().finish();
        let new = DeviceSecret {
            secret: secret('6'),
            replaces: None,
        };
        remember(&mut response, &req, &new, true);
        let set = response.cookies().next().unwrap();
        assert_eq!(set.value().split('.').count(), MAX_ACCOUNTS);
        assert!(!set.value().contains(&secret('1')), "the oldest goes");
        assert!(set.value().ends_with(&secret('6')));
    }
}
