//! The shop behind a real nginx (issue 23): the address nginx saw is the one counted,
//! a forged `X-Forwarded-For` sent through nginx is ignored, and a client reaching the
//! shop directly cannot pass for anyone. Needs `--features proxy` and Debian's nginx;
//! fails without it, never skips.
//!
//! The clients play several machines from loopback addresses of their own (127.0.0.3,
//! 127.0.0.4); nginx reaches the shop from 127.0.0.2, the one trusted proxy.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use std::net::IpAddr;

use support::proxy::Nginx;
use support::{PASSWORD, TestApp, Visitor};

const NGINX_TO_SHOP: &str = "127.0.0.2";

async fn register(visitor: &Visitor) -> u16 {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    visitor
        .register(&format!("proxied{n}@example.com"), PASSWORD)
        .await
        .status()
        .as_u16()
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[tokio::test]
async fn through_nginx_the_address_nginx_saw_counts_and_a_forged_header_is_ignored() {
    let app = TestApp::spawn_with(&[
        ("TRUSTED_PROXIES", NGINX_TO_SHOP),
        ("REGISTRATIONS_PER_ADDRESS", "2"),
    ])
    .await;
    let upstream = app.address.trim_start_matches("http://");
    let nginx = Nginx::start(upstream, NGINX_TO_SHOP);

    // A client at 127.0.0.3 forges a new address on every request, through nginx.
    for forged in ["203.0.113.1", "203.0.113.2, 198.51.100.2"] {
        let client = Visitor::from_address(&nginx.base, ip("127.0.0.3"), Some(forged));
        assert_eq!(register(&client).await, 303, "{}", nginx.log());
    }
    let client = Visitor::from_address(&nginx.base, ip("127.0.0.3"), Some("198.51.100.3"));
    assert_eq!(
        register(&client).await,
        429,
        "counted as 127.0.0.3, what nginx saw, whatever the client wrote"
    );
    let plain = Visitor::from_address(&nginx.base, ip("127.0.0.3"), None);
    assert_eq!(register(&plain).await, 429);

    // Another machine behind the same nginx is another client, even when it writes the
    // first one's address.
    let other = Visitor::from_address(&nginx.base, ip("127.0.0.4"), Some("127.0.0.3"));
    assert_eq!(register(&other).await, 303);
    let other = Visitor::from_address(&nginx.base, ip("127.0.0.4"), None);
    assert_eq!(register(&other).await, 303);
    assert_eq!(register(&other).await, 429);

    // Straight to the shop, bypassing nginx: the header names nobody but the client.
    let direct = Visitor::from_address(&app.address, ip("127.0.0.1"), Some("127.0.0.4"));
    assert_eq!(register(&direct).await, 303, "not charged to 127.0.0.4");
    let direct = Visitor::from_address(&app.address, ip("127.0.0.3"), Some("198.51.100.9"));
    assert_eq!(
        register(&direct).await,
        429,
        "127.0.0.3 directly is still 127.0.0.3"
    );
}
