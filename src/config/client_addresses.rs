//! `TRUSTED_PROXIES` and `IPV6_CLIENT_PREFIX`: how the client's address is read.

use super::parse::{ConfigError, bad, parse_or};
use crate::domain::limits::client_address::{self, ClientAddresses};

/// `TRUSTED_PROXIES` (the proxies' addresses or CIDR ranges) and `IPV6_CLIENT_PREFIX`.
/// The older forms, a hop count and `TRUST_FORWARDED_FOR`, believed whatever a client
/// reaching an instance directly wrote: they stop start-up, naming the new form.
pub(super) fn client_address_settings(
    get: &impl Fn(&str) -> Option<String>,
) -> Result<ClientAddresses, ConfigError> {
    if get("TRUST_FORWARDED_FOR").is_some() {
        return Err(bad(
            "TRUST_FORWARDED_FOR",
            "is no longer read: name the proxies whose X-Forwarded-For is believed in \
             TRUSTED_PROXIES, as addresses or CIDR ranges, comma-separated (for example \
             TRUSTED_PROXIES=10.0.0.0/8), and remove TRUST_FORWARDED_FOR",
        ));
    }
    let trusted_proxies = match get("TRUSTED_PROXIES") {
        None => Vec::new(),
        Some(list) => ClientAddresses::parse_trusted_proxies(&list)
            .map_err(|message| bad("TRUSTED_PROXIES", message))?,
    };
    let ipv6_prefix: u8 = parse_or(
        get,
        "IPV6_CLIENT_PREFIX",
        Some(client_address::DEFAULT_IPV6_PREFIX),
    )?;
    if !client_address::IPV6_PREFIXES.contains(&ipv6_prefix) {
        return Err(bad("IPV6_CLIENT_PREFIX", "must be between 32 and 128"));
    }
    Ok(ClientAddresses {
        trusted_proxies,
        ipv6_prefix,
    })
}
