//! The client's address of an HTTP request, as per-address limits count it: the TCP
//! peer and its `X-Forwarded-For` headers, read by the rule in
//! `domain::limits::client_address`.

use actix_web::HttpRequest;
use actix_web::http::header::HeaderName;

use crate::domain::limits::client_address::ClientAddresses;

const FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

/// The client of `req` as per-address limits count it (see the module's note);
/// `unknown` when the connection has no peer address (a test request).
pub fn of(req: &HttpRequest, rule: &ClientAddresses) -> String {
    let Some(peer) = req.peer_addr().map(|a| a.ip()) else {
        return "unknown".to_owned();
    };
    let headers = req
        .headers()
        .get_all(FORWARDED_FOR)
        .filter_map(|v| v.to_str().ok());
    rule.key(rule.client(peer, headers))
}
