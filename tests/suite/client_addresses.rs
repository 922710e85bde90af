//! Which address a request is counted against (issue 23): `X-Forwarded-For` is believed
//! only from a peer named in `TRUSTED_PROXIES`, and IPv6 clients are counted per /64.
//! Registrations per address are the limit that shows which address was counted.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use support::{PASSWORD, TestApp};

async fn user_count(app: &TestApp) -> i64 {
    app.with_db(|conn| {
        use boxoffice::db::schema::users::dsl;
        use diesel::prelude::*;
        dsl::users.count().get_result::<i64>(conn).unwrap()
    })
    .await
}

/// Registers a fresh account through a client sending `chain` as `X-Forwarded-For`
/// (none when empty): the status.
async fn register_via(app: &TestApp, chain: &str) -> u16 {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let visitor = if chain.is_empty() {
        app.visitor()
    } else {
        app.visitor_via(chain)
    };
    visitor
        .register(&format!("client{n}@example.com"), PASSWORD)
        .await
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_direct_client_forging_x_forwarded_for_is_counted_as_its_own_address() {
    // The proxies are elsewhere (10.0.0.0/8); this client reaches the shop directly from
    // 127.0.0.1 and writes whatever it likes, a proxy's entry included.
    let app = TestApp::spawn_with(&[
        ("TRUSTED_PROXIES", "10.0.0.0/8"),
        ("REGISTRATIONS_PER_ADDRESS", "2"),
    ])
    .await;
    assert_eq!(register_via(&app, "203.0.113.1, 10.0.0.1").await, 303);
    assert_eq!(register_via(&app, "203.0.113.2").await, 303);
    assert_eq!(
        register_via(&app, "198.51.100.9, 10.0.0.1").await,
        429,
        "a third forged address is the same client"
    );
    assert_eq!(
        register_via(&app, "").await,
        429,
        "the forged registrations were counted against 127.0.0.1"
    );
    assert_eq!(user_count(&app).await, 2);

    // The control: from a trusted peer the same headers are believed, one address each.
    let trusting = TestApp::spawn_with(&[
        ("TRUSTED_PROXIES", "127.0.0.1"),
        ("REGISTRATIONS_PER_ADDRESS", "2"),
    ])
    .await;
    for chain in ["203.0.113.1", "203.0.113.2", "198.51.100.9"] {
        assert_eq!(register_via(&trusting, chain).await, 303, "{chain}");
    }
    assert_eq!(user_count(&trusting).await, 3);
}

#[tokio::test]
async fn an_ipv6_client_is_counted_per_64_and_cannot_burn_the_global_cap() {
    let app = TestApp::spawn_with(&[
        ("TRUSTED_PROXIES", "127.0.0.1"),
        ("REGISTRATIONS_PER_ADDRESS", "2"),
        ("REGISTRATIONS_GLOBAL", "6"),
    ])
    .await;
    // One subscriber's /64, rotated through.
    let mut statuses = Vec::new();
    for address in [
        "2001:db8:1:2::1",
        "2001:db8:1:2:ffff:ffff:ffff:fffe",
        "2001:db8:1:2::abcd",
        "2001:db8:1:2:1:2:3:4",
        "2001:db8:1:2::9",
    ] {
        statuses.push(register_via(&app, address).await);
    }
    assert_eq!(statuses, [303, 303, 429, 429, 429], "one /64 is one client");
    // The next /64 is another client, and the global cap still has room for others.
    assert_eq!(register_via(&app, "2001:db8:1:3::1").await, 303);
    assert_eq!(register_via(&app, "198.51.100.1").await, 303);
    assert_eq!(user_count(&app).await, 4);

    // An IPv4-mapped IPv6 address is the IPv4 address it maps.
    assert_eq!(register_via(&app, "::ffff:198.51.100.1").await, 303);
    assert_eq!(
        register_via(&app, "198.51.100.1").await,
        429,
        "::ffff:198.51.100.1 was counted as 198.51.100.1"
    );
}

#[tokio::test]
async fn ipv6_client_prefix_128_counts_each_address() {
    let app = TestApp::spawn_with(&[
        ("TRUSTED_PROXIES", "127.0.0.1"),
        ("REGISTRATIONS_PER_ADDRESS", "1"),
        ("IPV6_CLIENT_PREFIX", "128"),
    ])
    .await;
    for chain in ["2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2::3"] {
        assert_eq!(register_via(&app, chain).await, 303, "{chain}");
    }
    assert_eq!(register_via(&app, "2001:db8:1:2::1").await, 429);
}
