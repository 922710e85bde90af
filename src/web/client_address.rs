//! The client's address, which throttles count against: the TCP peer, or — behind
//! `TRUSTED_PROXIES` = N proxies — the entry the outermost trusted proxy appended to
//! `X-Forwarded-For`, the N-th from the right. Entries left of it were written by the
//! client and are never believed.

use std::net::{IpAddr, SocketAddr};

use actix_web::HttpRequest;
use actix_web::http::header::HeaderName;

const FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

/// The address of the client of `req`, as text.
pub fn of(req: &HttpRequest, trusted_proxies: usize) -> String {
    let peer = req.peer_addr().map(|a| a.ip());
    let headers = req
        .headers()
        .get_all(FORWARDED_FOR)
        .filter_map(|v| v.to_str().ok());
    match from_forwarded(headers, trusted_proxies).or(peer) {
        Some(ip) => ip.to_string(),
        None => "unknown".to_owned(),
    }
}

/// The N-th entry from the right of the forwarded chain (all headers, in order), when
/// the chain is long enough and that entry is an address; `None` means "use the peer".
pub fn from_forwarded<'a>(
    headers: impl Iterator<Item = &'a str>,
    trusted_proxies: usize,
) -> Option<IpAddr> {
    if trusted_proxies == 0 {
        return None;
    }
    let entries: Vec<&str> = headers
        .flat_map(|h| h.split(','))
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .collect();
    let entry = entries
        .len()
        .checked_sub(trusted_proxies)
        .map(|i| entries[i])?;
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|a| a.ip()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pick(headers: &[&str], n: usize) -> Option<String> {
        from_forwarded(headers.iter().copied(), n).map(|ip| ip.to_string())
    }

    #[test]
    fn the_rightmost_entries_written_by_trusted_proxies_decide() {
        // One proxy appended the address it saw; the client wrote the rest.
        assert_eq!(
            pick(&["6.6.6.6, 203.0.113.7"], 1).as_deref(),
            Some("203.0.113.7")
        );
        // Two proxies: the CDN appended the client, the load balancer the CDN.
        assert_eq!(
            pick(&["6.6.6.6, 203.0.113.7, 198.51.100.2"], 2).as_deref(),
            Some("203.0.113.7")
        );
        // Several headers form one chain.
        assert_eq!(
            pick(&["6.6.6.6", "203.0.113.7"], 1).as_deref(),
            Some("203.0.113.7")
        );
        assert_eq!(
            pick(&["[2001:db8::1]:443"], 1).as_deref(),
            Some("2001:db8::1")
        );
    }

    #[test]
    fn without_trust_or_a_long_enough_chain_the_peer_decides() {
        assert_eq!(pick(&["6.6.6.6"], 0), None);
        assert_eq!(pick(&["203.0.113.7"], 2), None);
        assert_eq!(pick(&[], 1), None);
        assert_eq!(pick(&["not an address"], 1), None);
    }
}
