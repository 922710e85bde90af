//! The gate a device scans at, remembered in a long-lived cookie on that device (a
//! phone at the north door stays the north door across log-ins).

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::{HttpRequest, HttpResponse};
use percent_encoding::{NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

use crate::domain::door::input::Gate;

const COOKIE: &str = "boxoffice_gate";

/// The gate this device named last, if its cookie holds a valid name.
pub fn read(req: &HttpRequest) -> Option<Gate> {
    let cookie = req.cookie(COOKIE)?;
    let name = percent_decode_str(cookie.value()).decode_utf8().ok()?;
    Gate::parse(&name).ok()
}

/// Remembers `gate` on this device for a year.
pub fn remember(response: &mut HttpResponse, gate: &Gate, secure: bool) {
    let value = utf8_percent_encode(&gate.0, NON_ALPHANUMERIC).to_string();
    let cookie = Cookie::build(COOKIE, value)
        .path("/door")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .max_age(CookieDuration::days(365))
        .finish();
    if let Err(error) = response.add_cookie(&cookie) {
        log::warn!("could not set the gate cookie: {error}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn a_gate_name_survives_the_cookie() {
        let mut response = HttpResponse::Ok().finish();
        remember(&mut response, &Gate("Nord – Tür 2".into()), false);
        let set = response.cookies().next().unwrap().into_owned();
        let req = TestRequest::default().cookie(set).to_http_request();
        assert_eq!(read(&req), Some(Gate("Nord – Tür 2".into())));
        let bad = TestRequest::default()
            .cookie(Cookie::new(COOKIE, "%07"))
            .to_http_request();
        assert_eq!(read(&bad), None);
    }
}
