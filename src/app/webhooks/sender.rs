//! Sending one signed delivery: HTTPS through rustls, no proxy, no redirects followed,
//! a timeout, and a resolver that drops every private address a host resolves to (so a
//! name that points into the shop's network is refused on the address actually
//! connected, not only when the endpoint was saved).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::db::webhook_deliveries::Attempt;
use crate::domain::webhooks::{address_policy, retries};

/// The header that carries the signature: `t=<unix seconds>,v1=<hex HMAC-SHA256 of
/// "{t}.{body}" with the endpoint's secret>` (the scheme of Stripe's webhooks).
pub const SIGNATURE_HEADER: &str = "Boxoffice-Signature";

/// The most of an answer's body read (the log keeps `retries::RESPONSE_EXCERPT`
/// characters of it).
const READ_AT_MOST: usize = 4 * retries::RESPONSE_EXCERPT;

/// One HTTP client for a round of deliveries.
pub fn client(timeout: Duration, allow_private: bool) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .user_agent(concat!("boxoffice-webhooks/", env!("CARGO_PKG_VERSION")))
        .dns_resolver(Arc::new(PublicOnly { allow_private }))
        .build()
        .map_err(|e| format!("HTTP client: {e}"))
}

/// POSTs `body` to `url`, signed with `secret` at `timestamp`; what came back.
pub async fn send(
    client: &reqwest::Client,
    url: &str,
    secret: &str,
    body: &str,
    event_id: &str,
    timestamp: i64,
    allow_private: bool,
) -> Attempt {
    // The resolver never sees an address written in the URL itself: check it here.
    if let Err(message) = address_policy::check_url(url, allow_private) {
        return Attempt {
            error: Some(format!("refused: the URL {message}")),
            ..Attempt::default()
        };
    }
    let signature = crate::providers::signature::sign(body.as_bytes(), secret, timestamp);
    let sent = client
        .post(url)
        .header("content-type", "application/json")
        .header(SIGNATURE_HEADER, signature)
        .header("Boxoffice-Event-Id", event_id)
        .body(body.to_owned())
        .send()
        .await;
    match sent {
        Ok(mut response) => {
            let status = response.status().as_u16();
            // Only the start of the answer is kept: read no more than that, whatever a
            // partner sends back.
            let mut kept = Vec::new();
            while kept.len() < READ_AT_MOST {
                match response.chunk().await {
                    Ok(Some(chunk)) => kept.extend_from_slice(&chunk),
                    Ok(None) | Err(_) => break,
                }
            }
            kept.truncate(READ_AT_MOST);
            let text = String::from_utf8_lossy(&kept);
            Attempt {
                status_code: Some(i32::from(status)),
                response: Some(retries::excerpt(&text)),
                error: (!(200..300).contains(&status)).then(|| format!("HTTP {status}")),
            }
        }
        Err(error) => Attempt {
            error: Some(describe(&error)),
            ..Attempt::default()
        },
    }
}

/// A transport error with its causes (reqwest's own message stops at "error sending
/// request").
fn describe(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    retries::excerpt(&text)
}

/// Resolves with the system resolver and keeps only public addresses.
struct PublicOnly {
    allow_private: bool,
}

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let kept: Vec<SocketAddr> = found
                .into_iter()
                .filter(|a| allow_private || address_policy::is_public(a.ip()))
                .collect();
            if kept.is_empty() {
                return Err(format!("{host} resolves to no public address: refused").into());
            }
            Ok(Box::new(kept.into_iter()) as Addrs)
        })
    }
}
