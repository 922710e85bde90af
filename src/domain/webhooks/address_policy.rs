//! Which addresses an endpoint may point at: `https` to public addresses only, so that
//! nobody can make the shop send requests into its own network (server-side request
//! forgery). The URL is checked when an admin saves it; every address its host resolves
//! to is checked again at each delivery (`is_public`), on the address actually connected.
//! With `WEBHOOK_ALLOW_PRIVATE_URLS` (tests, local development) both checks are off.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use url::{Host, Url};

/// The longest endpoint URL accepted.
pub const MAX_URL_LENGTH: usize = 2000;

/// Parses and checks an endpoint URL; the message says what is wrong.
pub fn check_url(raw: &str, allow_private: bool) -> Result<Url, String> {
    let raw = raw.trim();
    if raw.len() > MAX_URL_LENGTH {
        return Err(format!("must be at most {MAX_URL_LENGTH} characters"));
    }
    let url = Url::parse(raw).map_err(|e| format!("is not a URL ({e})"))?;
    match url.scheme() {
        "https" => {}
        "http" if allow_private => {}
        _ => return Err("must start with https://".into()),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not carry a user name or password".into());
    }
    if url.fragment().is_some() {
        return Err("must not have a #fragment".into());
    }
    if allow_private {
        return url
            .host()
            .map(|_| url.clone())
            .ok_or_else(|| "needs a host".into());
    }
    match url.host() {
        None => Err("needs a host".into()),
        Some(Host::Ipv4(ip)) if !is_public(IpAddr::V4(ip)) => Err(PRIVATE.into()),
        Some(Host::Ipv6(ip)) if !is_public(IpAddr::V6(ip)) => Err(PRIVATE.into()),
        Some(Host::Domain(name)) if is_local_name(name) => Err(PRIVATE.into()),
        Some(_) => Ok(url),
    }
}

const PRIVATE: &str =
    "must point at a public address (not loopback, private, link-local or reserved)";

/// Names that never leave the machine or its network, whatever DNS says.
fn is_local_name(name: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost"
        || name.ends_with(".localhost")
        || name.ends_with(".local")
        || name.ends_with(".internal")
        || !name.contains('.')
}

/// Whether `ip` is a public unicast address: not loopback, private, link-local,
/// unique-local, unspecified, multicast, broadcast, documentation, shared (CGNAT),
/// benchmarking or reserved. An IPv6 address that embeds an IPv4 one (mapped, NAT64,
/// 6to4) is judged by the IPv4 address.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    let refused = a == 0                                    // this network, unspecified
        || a == 10                                          // private
        || a == 127                                         // loopback
        || (a == 100 && (64..128).contains(&b))             // shared address space (CGNAT)
        || (a == 169 && b == 254)                           // link-local
        || (a == 172 && (16..32).contains(&b))              // private
        || (a == 192 && b == 0 && c == 0)                   // IETF protocol assignments
        || (a == 192 && b == 0 && c == 2)                   // documentation
        || (a == 192 && b == 88 && c == 99)                 // 6to4 relay anycast
        || (a == 192 && b == 168)                           // private
        || (a == 198 && (18..20).contains(&b))              // benchmarking
        || (a == 198 && b == 51 && c == 100)                // documentation
        || (a == 203 && b == 0 && c == 113)                 // documentation
        || a >= 224; // multicast, reserved, broadcast
    !refused
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    // NAT64 (64:ff9b::/96) carries an IPv4 address in its last 32 bits.
    if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
        return is_public_v4(Ipv4Addr::new(
            (s[6] >> 8) as u8,
            s[6] as u8,
            (s[7] >> 8) as u8,
            s[7] as u8,
        ));
    }
    // 6to4 (2002::/16) carries one in bits 16..48.
    if s[0] == 0x2002 {
        return is_public_v4(Ipv4Addr::new(
            (s[1] >> 8) as u8,
            s[1] as u8,
            (s[2] >> 8) as u8,
            s[2] as u8,
        ));
    }
    let refused = ip.is_unspecified()
        || ip.is_loopback()
        || s[0] & 0xff00 == 0xff00          // multicast
        || s[0] & 0xfe00 == 0xfc00          // unique-local
        || s[0] & 0xffc0 == 0xfe80          // link-local
        || s[0] & 0xffc0 == 0xfec0          // site-local (deprecated)
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || (s[0] == 0x0100 && s[1..4] == [0, 0, 0]) // discard-only
        || s[0] == 0                        // IPv4-compatible and other reserved
        || (s[0] == 0x2001 && s[1] < 0x0200); // IETF protocol assignments (Teredo, …)
    !refused
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn private_and_reserved_addresses_are_refused_and_public_ones_pass() {
        for refused in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "192.0.2.10",
            "198.51.100.1",
            "203.0.113.9",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "ff02::1",
            "2001:db8::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
            "2002:c0a8:101::1",
        ] {
            assert!(!is_public(refused.parse().unwrap()), "{refused}");
        }
        for public in ["93.184.216.34", "8.8.8.8", "172.32.0.1", "2606:4700::1111"] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }

    #[test]
    fn only_https_to_a_public_host_passes_without_the_flag() {
        assert!(check_url("https://hooks.example.com/boxoffice", false).is_ok());
        for refused in [
            "http://hooks.example.com/x",
            "https://127.0.0.1/x",
            "https://[::1]/x",
            "https://10.0.0.5/x",
            "https://169.254.169.254/latest/meta-data",
            "https://localhost/x",
            "https://printer.local/x",
            "https://intranet/x",
            "https://user:pw@hooks.example.com/x",
            "ftp://hooks.example.com/x",
            "not a url",
        ] {
            assert!(check_url(refused, false).is_err(), "{refused}");
        }
        assert!(check_url("http://127.0.0.1:9000/hook", true).is_ok());
        assert!(check_url("ftp://127.0.0.1/hook", true).is_err());
    }
}
