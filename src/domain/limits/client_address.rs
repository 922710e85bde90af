//! The client's address, which per-address limits count against. It is the TCP peer,
//! unless the peer is one of the proxies named in `TRUSTED_PROXIES`: then
//! `X-Forwarded-For` is walked from the right past the trusted hops, and the first
//! entry that is not a trusted proxy is the client. Entries further left were written by
//! the client and are never believed; an entry that is not an address stops the walk at
//! the last trusted hop. A client reaching an instance directly is its peer address,
//! whatever header it writes.
//!
//! IPv6 clients are counted per network (`/64` by default, `IPV6_CLIENT_PREFIX`): one
//! subscriber holds a whole /64 and could otherwise rotate through it to escape every
//! per-address limit. An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, as a dual-stack
//! listener reports IPv4 peers) is the IPv4 address it maps.

use std::net::{IpAddr, SocketAddr};

use ipnet::{IpNet, Ipv6Net};

/// The IPv6 prefix lengths `IPV6_CLIENT_PREFIX` may take.
pub const IPV6_PREFIXES: std::ops::RangeInclusive<u8> = 32..=128;
/// One IPv6 client: a /64, what a subscriber or a cloud server usually gets.
pub const DEFAULT_IPV6_PREFIX: u8 = 64;

/// How the client's address is read (`TRUSTED_PROXIES`, `IPV6_CLIENT_PREFIX`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAddresses {
    /// The proxies whose `X-Forwarded-For` entries are believed; empty: none (the TCP
    /// peer is the client).
    pub trusted_proxies: Vec<IpNet>,
    /// IPv6 clients are counted per network of this prefix length (128: per address).
    pub ipv6_prefix: u8,
}

impl Default for ClientAddresses {
    fn default() -> ClientAddresses {
        ClientAddresses {
            trusted_proxies: Vec::new(),
            ipv6_prefix: DEFAULT_IPV6_PREFIX,
        }
    }
}

impl ClientAddresses {
    /// Reads `TRUSTED_PROXIES`: addresses or CIDR ranges, comma-separated. A bare hop
    /// count (the older form) is refused, saying what to write instead.
    pub fn parse_trusted_proxies(list: &str) -> Result<Vec<IpNet>, String> {
        let mut proxies = Vec::new();
        for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            if entry.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!(
                    "{entry:?} is a hop count, which is no longer accepted: name the proxies' \
                     addresses or CIDR ranges, comma-separated (for example \
                     TRUSTED_PROXIES=10.0.0.0/8,192.0.2.7); unset, the TCP peer is the client"
                ));
            }
            let net = match entry.parse::<IpNet>() {
                Ok(net) => net,
                Err(_) => match entry.parse::<IpAddr>() {
                    Ok(ip) => IpNet::from(ip),
                    Err(_) => {
                        return Err(format!(
                            "{entry:?} is not an IP address or a CIDR range (write \
                             addresses or ranges, comma-separated: 10.0.0.0/8,192.0.2.7)"
                        ));
                    }
                },
            };
            proxies.push(canonical_net(net.trunc()));
        }
        Ok(proxies)
    }

    /// Whether `ip` is one of the trusted proxies.
    pub fn is_trusted(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.trusted_proxies.iter().any(|net| net.contains(&ip))
    }

    /// The client of a request from `peer` carrying these `X-Forwarded-For` headers (in
    /// order), before grouping: the peer unless it is a trusted proxy; then the first
    /// entry from the right that is not a trusted proxy, or the last trusted hop when an
    /// entry cannot be read or the chain runs out.
    pub fn client<'a>(&self, peer: IpAddr, headers: impl Iterator<Item = &'a str>) -> IpAddr {
        let mut client = peer.to_canonical();
        if !self.is_trusted(client) {
            return client;
        }
        let entries: Vec<&str> = headers.flat_map(|h| h.split(',')).collect();
        for entry in entries.into_iter().rev() {
            let Some(hop) = parse_entry(entry) else {
                // Garbage (or an empty entry) was written by someone untrusted: what the
                // last trusted hop saw stands, never anything further left.
                return client;
            };
            client = hop;
            if !self.is_trusted(hop) {
                return hop;
            }
        }
        client
    }

    /// The key per-address limits count `ip` under: an IPv4 address, or the IPv6
    /// network of `ipv6_prefix` (`2001:db8:1:2::/64`; the address itself at 128).
    pub fn key(&self, ip: IpAddr) -> String {
        match ip.to_canonical() {
            IpAddr::V4(v4) => v4.to_string(),
            IpAddr::V6(v6) if self.ipv6_prefix >= 128 => v6.to_string(),
            IpAddr::V6(v6) => Ipv6Net::new(v6, self.ipv6_prefix)
                .map(|net| net.trunc().to_string())
                .unwrap_or_else(|_| v6.to_string()),
        }
    }
}

/// One `X-Forwarded-For` entry: an address, or an address with a port (`[v6]:443`).
fn parse_entry(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|a| a.ip()))
        .map(|ip| ip.to_canonical())
}

/// `::ffff:10.0.0.0/104` is `10.0.0.0/8`: ranges are compared with canonical addresses.
fn canonical_net(net: IpNet) -> IpNet {
    match net {
        IpNet::V6(v6) if v6.prefix_len() >= 96 => match v6.addr().to_ipv4_mapped() {
            Some(v4) => ipnet::Ipv4Net::new(v4, v6.prefix_len() - 96)
                .map(IpNet::V4)
                .unwrap_or(net),
            None => net,
        },
        _ => net,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(proxies: &str) -> ClientAddresses {
        ClientAddresses {
            trusted_proxies: ClientAddresses::parse_trusted_proxies(proxies).unwrap(),
            ipv6_prefix: DEFAULT_IPV6_PREFIX,
        }
    }

    fn client(proxies: &str, peer: &str, headers: &[&str]) -> String {
        let rule = rule(proxies);
        rule.key(rule.client(peer.parse().unwrap(), headers.iter().copied()))
    }

    #[test]
    fn a_peer_that_is_not_a_trusted_proxy_is_the_client_whatever_it_writes() {
        assert_eq!(client("", "203.0.113.7", &["6.6.6.6"]), "203.0.113.7");
        assert_eq!(
            client("10.0.0.0/8", "127.0.0.1", &["6.6.6.6, 10.0.0.1"]),
            "127.0.0.1",
            "a direct client forging a proxy's entry is still itself"
        );
    }

    #[test]
    fn the_walk_goes_right_to_left_past_the_trusted_hops() {
        // One proxy appended the address it saw; the client wrote the rest.
        assert_eq!(
            client("10.0.0.2", "10.0.0.2", &["6.6.6.6, 203.0.113.7"]),
            "203.0.113.7"
        );
        // A CDN appended the client, the load balancer (the peer) the CDN.
        assert_eq!(
            client(
                "10.0.0.0/8, 198.51.100.0/24",
                "10.0.0.2",
                &["6.6.6.6, 203.0.113.7, 198.51.100.2"]
            ),
            "203.0.113.7"
        );
        // Several headers form one chain; ports are dropped.
        assert_eq!(
            client("10.0.0.2", "10.0.0.2", &["6.6.6.6", "203.0.113.7:5000"]),
            "203.0.113.7"
        );
        assert_eq!(
            client("::1", "::1", &["[2001:db8::1]:443"]),
            "2001:db8::/64"
        );
    }

    #[test]
    fn garbage_stops_the_walk_at_the_last_trusted_hop() {
        // The entry left of the trusted hops cannot be read: the hop that was reached
        // last stands, never the address further left.
        assert_eq!(
            client("10.0.0.0/8", "10.0.0.2", &["203.0.113.7, bogus, 10.0.0.9"]),
            "10.0.0.9"
        );
        assert_eq!(
            client("10.0.0.0/8", "10.0.0.2", &["203.0.113.7, , 10.0.0.9"]),
            "10.0.0.9"
        );
        assert_eq!(
            client("10.0.0.0/8", "10.0.0.2", &["not an address"]),
            "10.0.0.2"
        );
        // No header, or a chain of trusted hops only: the last one reached.
        assert_eq!(client("10.0.0.0/8", "10.0.0.2", &[]), "10.0.0.2");
        assert_eq!(
            client("10.0.0.0/8", "10.0.0.2", &["10.1.1.1, 10.0.0.3"]),
            "10.1.1.1"
        );
    }

    #[test]
    fn ipv6_clients_are_counted_per_network_and_mapped_ipv4_as_ipv4() {
        let mut rule = rule("");
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(rule.key(ip("2001:db8:1:2::1")), "2001:db8:1:2::/64");
        assert_eq!(rule.key(ip("2001:db8:1:2:ffff::9")), "2001:db8:1:2::/64");
        assert_eq!(rule.key(ip("2001:db8:1:3::1")), "2001:db8:1:3::/64");
        assert_eq!(rule.key(ip("::ffff:203.0.113.5")), "203.0.113.5");
        assert_eq!(
            client("::ffff:127.0.0.1", "127.0.0.1", &["198.51.100.4"]),
            "198.51.100.4",
            "a proxy named in its mapped form is trusted"
        );
        assert_eq!(
            client("127.0.0.1", "::ffff:127.0.0.1", &["198.51.100.4"]),
            "198.51.100.4",
            "a dual-stack listener's mapped peer is its IPv4 address"
        );
        rule.ipv6_prefix = 48;
        assert_eq!(rule.key(ip("2001:db8:1:2::1")), "2001:db8:1::/48");
        rule.ipv6_prefix = 128;
        assert_eq!(rule.key(ip("2001:db8:1:2::1")), "2001:db8:1:2::1");
    }

    #[test]
    fn the_proxy_list_takes_addresses_and_ranges_and_refuses_a_hop_count() {
        let parsed =
            ClientAddresses::parse_trusted_proxies(" 10.0.0.0/8, 192.0.2.7 ,::1,").unwrap();
        let shown: Vec<String> = parsed.iter().map(ToString::to_string).collect();
        assert_eq!(shown, ["10.0.0.0/8", "192.0.2.7/32", "::1/128"]);
        assert_eq!(
            ClientAddresses::parse_trusted_proxies("10.1.2.3/8").unwrap()[0].to_string(),
            "10.0.0.0/8",
            "host bits are dropped"
        );
        assert!(
            ClientAddresses::parse_trusted_proxies("")
                .unwrap()
                .is_empty()
        );
        for bad in [
            "1",
            "0",
            "2",
            "proxy.internal",
            "10.0.0.0/33",
            "10.0.0.1-10.0.0.9",
        ] {
            let error = ClientAddresses::parse_trusted_proxies(bad).unwrap_err();
            assert!(error.contains(bad), "{bad}: {error}");
        }
        assert!(
            ClientAddresses::parse_trusted_proxies("1")
                .unwrap_err()
                .contains("hop count")
        );
    }
}
