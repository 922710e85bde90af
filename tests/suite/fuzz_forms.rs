//! A property-based fuzz of every form and route parameter (issue 9): whatever is sent,
//! the shop answers below 500, and input it refuses changes nothing in the database.
//! Runs on the engine `TEST_DATABASE_URL` picks, like every test. The case counts are
//! kept modest: the suite runs twice in CI on a small machine.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use std::sync::atomic::{AtomicUsize, Ordering};

use diesel::prelude::*;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use support::fixtures::EventSpec;
use support::visitor::location;
use support::{PASSWORD, TestApp, Visitor};
use tokio::runtime::Runtime;

const CASES: u32 = 48;

/// Text an attacker or a broken client might send: anything printable, control
/// characters, NUL, percent tricks, numbers and dates out of range, very long runs.
fn nasty() -> impl Strategy<Value = String> {
    let controls = || {
        prop::collection::vec(prop::char::range('\0', '\u{a0}'), 0..24)
            .prop_map(|c| c.into_iter().collect::<String>())
    };
    prop_oneof![
        2 => any::<String>(),
        2 => controls(),
        // Path-like, so it gets past a first "starts with /" check.
        3 => controls().prop_map(|s| format!("/{}", s.replace(['\\', '/'], ""))),
        // Dates a form would parse, in years no event has.
        2 => (10_000_i32..300_000).prop_map(|y| format!("+{y}-01-01T00:00")),
        1 => (0_i32..2000).prop_map(|y| format!("{y:04}-01-01T00:00")),
        3 => prop::sample::select(vec![
            "",
            "\0",
            "a\0b",
            "\r\n",
            "\u{7f}",
            "%00",
            "%09",
            "/%09/evil.example",
            "//evil.example",
            "/\\evil",
            "javascript:alert(1)",
            "-1",
            "0",
            "2147483648",
            "99999999999999999999",
            "1e309",
            "NaN",
            "12.345",
            "0.001",
            "EUR",
            "ZZZ",
            "XAU",
            "bhd",
            "+10000-01-01T00:00",
            "0000-01-01T00:00",
            "9999-12-31T23:59",
            "2031-02-30T10:00",
            "2031-04-01T19:30",
            "2031-04-01T19:30:00",
            "ann@example.com",
            "'; DROP TABLE users; --",
            "<script>alert(1)</script>",
            "\u{202e}gnp.exe",
            "💥",
        ])
        .prop_map(str::to_owned),
        1 => (any::<char>(), 0_usize..6000).prop_map(|(c, n)| c.to_string().repeat(n)),
    ]
}

/// What the database holds, for "nothing changed" comparisons.
async fn snapshot(app: &TestApp) -> String {
    app.with_db(|conn| {
        use boxoffice::db::models::User;
        use boxoffice::db::schema::users::dsl;
        use boxoffice::db::{bookings, events, payment_attempts, ticket_types};
        let users: Vec<User> = dsl::users
            .order(dsl::id)
            .select(User::as_select())
            .load(conn)
            .unwrap();
        format!(
            "{users:?}\n{:?}\n{:?}\n{:?}\n{:?}",
            events::all(conn).unwrap(),
            ticket_types::all(conn).unwrap(),
            bookings::all(conn).unwrap(),
            payment_attempts::all(conn).unwrap()
        )
    })
    .await
}

/// The shop, a logged-in admin and user, an event with a held ticket and a test
/// checkout session.
struct Shop {
    app: TestApp,
    admin: Visitor,
    user: Visitor,
    event_id: i32,
    ticket_type_id: i32,
    booking_id: i32,
    checkout: String,
}

async fn shop() -> Shop {
    let app = TestApp::spawn_with(&[
        ("LOGIN_FAILURES_PER_ACCOUNT", "1000000"),
        ("LOGIN_FAILURES_PER_ADDRESS", "1000000"),
        ("HOLDS_PER_USER_PER_HOUR", "0"),
        ("API_REQUESTS_PER_MINUTE", "0"),
        // Each case logs in for a fresh token.
        ("API_TOKENS_PER_HOUR", "0"),
        // The fuzz changes the password (and back) hundreds of times.
        ("PASSWORD_CHANGES_PER_ACCOUNT", "0"),
    ])
    .await;
    let admin = app.admin().await;
    let show = app.create_event(EventSpec::new("Fuzz Fest")).await;
    let user = app.registered("user@example.com").await;
    let response = user.reserve(show.event_id, show.ticket_type_ids[0]).await;
    let booking_id = location(&response)
        .trim_start_matches("/bookings/")
        .parse()
        .unwrap();
    let checkout = user.path_of(&location(&user.pay(booking_id).await));
    Shop {
        app,
        admin,
        user,
        event_id: show.event_id,
        ticket_type_id: show.ticket_type_ids[0],
        booking_id,
        checkout,
    }
}

/// POSTs `fields` as `who`; fails the case on a 5xx, or on a change after a refusal.
async fn post_checked(
    shop: &Shop,
    who: &Visitor,
    path: &str,
    fields: &[(&str, &str)],
) -> Result<u16, TestCaseError> {
    let before = snapshot(&shop.app).await;
    let status = who.post(path, fields).await.status().as_u16();
    if status >= 500 {
        return Err(TestCaseError::fail(format!(
            "POST {path} {fields:?} answered {status}"
        )));
    }
    if status >= 400 && snapshot(&shop.app).await != before {
        return Err(TestCaseError::fail(format!(
            "POST {path} {fields:?} was refused ({status}) but changed the database"
        )));
    }
    Ok(status)
}

async fn get_checked(who: &Visitor, path: &str) -> Result<(), TestCaseError> {
    let status = who.get(path).await.status().as_u16();
    if status >= 500 {
        return Err(TestCaseError::fail(format!("GET {path} answered {status}")));
    }
    Ok(())
}

/// Runs `cases` of `strategy` through `check` on one shop.
fn fuzz<S: Strategy>(
    strategy: S,
    check: impl Fn(&Runtime, &Shop, S::Value) -> Result<(), TestCaseError>,
) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let shop = runtime.block_on(shop());
    let mut runner = TestRunner::new(Config {
        cases: CASES,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&strategy, |value| check(&runtime, &shop, value));
    if let Err(error) = result {
        panic!("{error}");
    }
}

/// A number per case, for emails and titles that must not collide.
fn unique() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// A valid form with field `which` (modulo its length) replaced by `value`: the rest
/// stays valid, so the bad value reaches the code behind the validation too.
fn one_bad(
    base: &[(&'static str, String)],
    which: usize,
    value: &str,
) -> Vec<(&'static str, String)> {
    let mut form = base.to_vec();
    let at = which % form.len();
    form[at].1 = value.to_owned();
    form
}

fn as_pairs<'a>(form: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    form.iter()
        .map(|(name, value)| (*name, value.as_str()))
        .collect()
}

#[test]
fn account_forms_never_fail_or_change_anything_when_refused() {
    fuzz(
        // `next` (field 2) as often as the others together: it ends up in a header.
        (
            prop_oneof![0_usize..2, Just(2_usize)],
            nasty(),
            nasty(),
            nasty(),
        ),
        |runtime, shop, (which, value, other, next)| {
            runtime.block_on(async {
                let stranger = shop.app.visitor();
                let fresh = [
                    ("email", format!("fuzz{}@example.com", unique())),
                    ("password", PASSWORD.to_owned()),
                    ("next", "/bookings".to_owned()),
                ];
                let form = one_bad(&fresh, which, &value);
                post_checked(shop, &stranger, "/register", &as_pairs(&form)).await?;
                let known = [
                    ("email", "user@example.com".to_owned()),
                    ("password", PASSWORD.to_owned()),
                    ("next", "/bookings".to_owned()),
                ];
                let form = one_bad(&known, which, &value);
                post_checked(shop, &stranger, "/login", &as_pairs(&form)).await?;
                // Everything at once, too.
                let wild = [
                    ("email", value.as_str()),
                    ("password", &other),
                    ("next", &next),
                ];
                post_checked(shop, &stranger, "/register", &wild).await?;
                post_checked(shop, &stranger, "/login", &wild).await?;

                // A personal access token's name and lifetime.
                post_checked(
                    shop,
                    &shop.user,
                    "/account/tokens",
                    &[("name", value.as_str()), ("expires", &other)],
                )
                .await?;

                let change = [
                    ("current_password", PASSWORD.to_owned()),
                    ("new_password", value.clone()),
                ];
                let status =
                    post_checked(shop, &shop.user, "/account/password", &as_pairs(&change)).await?;
                if status == 303 {
                    // Changed: put it back for the next cases.
                    let back = [
                        ("current_password", value.as_str()),
                        ("new_password", PASSWORD),
                    ];
                    let status = post_checked(shop, &shop.user, "/account/password", &back).await?;
                    prop_assert_eq!(status, 303);
                }
                Ok(())
            })
        },
    );
}

#[test]
fn admin_forms_never_fail_or_change_anything_when_refused() {
    fuzz(
        // The dates (fields 3 and 4) more often: their range is a rule of its own.
        (
            prop_oneof![1 => 0_usize..3, 2 => 3_usize..5],
            nasty(),
            nasty(),
        ),
        |runtime, shop, (which, value, other)| {
            runtime.block_on(async {
                let n = unique();
                let event = [
                    ("title", format!("Fuzz {n}")),
                    ("description", "Fine.".to_owned()),
                    ("venue", "Hall".to_owned()),
                    ("starts_at", "2031-04-01T19:30".to_owned()),
                    ("ends_at", "2031-04-01T22:00".to_owned()),
                ];
                let form = one_bad(&event, which, &value);
                post_checked(shop, &shop.admin, "/admin/events", &as_pairs(&form)).await?;
                let update = format!("/admin/events/{}", shop.event_id);
                post_checked(shop, &shop.admin, &update, &as_pairs(&form)).await?;
                let ticket_type = [
                    ("name", format!("Type {n}")),
                    ("price", "10.00".to_owned()),
                    ("currency", "EUR".to_owned()),
                    ("quantity", "5".to_owned()),
                ];
                let form = one_bad(&ticket_type, which, &value);
                let create = format!("/admin/events/{}/ticket-types", shop.event_id);
                post_checked(shop, &shop.admin, &create, &as_pairs(&form)).await?;
                let edit = format!("/admin/ticket-types/{}", shop.ticket_type_id);
                post_checked(shop, &shop.admin, &edit, &as_pairs(&form)).await?;
                // Two fields bad at once.
                let form = one_bad(&one_bad(&event, which, &value), which + 1, &other);
                post_checked(shop, &shop.admin, "/admin/events", &as_pairs(&form)).await?;
                Ok(())
            })
        },
    );
}

#[test]
fn buyer_forms_and_raw_bodies_never_fail_or_change_anything_when_refused() {
    fuzz(
        (nasty(), prop::collection::vec(any::<u8>(), 0..300)),
        |runtime, shop, (value, body)| {
            runtime.block_on(async {
                let reserve = format!("/events/{}/reserve", shop.event_id);
                post_checked(shop, &shop.user, &reserve, &[("ticket_type_id", &value)]).await?;
                // Raw bytes as a form body, with a valid token added.
                for path in ["/register", "/login", "/admin/events", &reserve] {
                    let who = if path.starts_with("/admin") {
                        &shop.admin
                    } else {
                        &shop.user
                    };
                    let before = snapshot(&shop.app).await;
                    let status = who.post_body(path, body.clone()).await.status().as_u16();
                    prop_assert!(status < 500, "POST {path} raw {body:?} answered {status}");
                    if status >= 400 {
                        prop_assert_eq!(snapshot(&shop.app).await, before);
                    }
                }
                Ok(())
            })
        },
    );
}

#[test]
fn route_and_query_parameters_never_fail() {
    fuzz(nasty(), |runtime, shop, value| {
        // URLs have a practical length (the HTTP client refuses ~64 KiB ones).
        let value: String = value.chars().take(400).collect();
        runtime.block_on(async {
            let segment = utf8_percent_encode(&value, NON_ALPHANUMERIC).to_string();
            let query = serde_urlencoded::to_string([("v", value.as_str())]).unwrap();
            let query = query.trim_start_matches("v=");
            for path in [
                format!("/events/{segment}"),
                format!("/bookings/{segment}"),
                format!("/test-checkout/{segment}"),
                format!("/admin/events/{segment}/edit"),
                format!("/admin/events/{segment}/ticket-types/new"),
                format!("/admin/ticket-types/{segment}/edit"),
                format!("/?after={query}"),
                format!("/?before={query}"),
                format!("/admin?after={query}"),
                format!("/login?next={query}"),
                format!("/register?next={query}"),
                format!("/checkout/success?session_id={query}"),
            ] {
                get_checked(&shop.user, &path).await?;
                get_checked(&shop.admin, &path).await?;
            }
            for path in [
                format!("/events/{segment}/reserve"),
                format!("/bookings/{segment}/cancel"),
                format!("/bookings/{segment}/pay"),
                format!("/test-checkout/{segment}/pay"),
                format!("/test-checkout/{segment}/decline"),
                format!("/account/tokens/{segment}/revoke"),
            ] {
                post_checked(shop, &shop.user, &path, &[]).await?;
            }
            for path in [
                format!("/admin/events/{segment}"),
                format!("/admin/events/{segment}/publish"),
                format!("/admin/events/{segment}/unpublish"),
                format!("/admin/events/{segment}/ticket-types"),
                format!("/admin/ticket-types/{segment}"),
                format!("/admin/tickets/{segment}/refund"),
            ] {
                post_checked(shop, &shop.admin, &path, &[]).await?;
            }
            // The webhook reads raw bytes and checks a signature first.
            let status = shop
                .user
                .client
                .post(shop.user.url("/webhooks/stripe"))
                .header(
                    "stripe-signature",
                    value.as_bytes().escape_ascii().to_string(),
                )
                .body(value.clone())
                .send()
                .await
                .unwrap()
                .status()
                .as_u16();
            prop_assert!(status < 500, "webhook answered {status}");
            // The real ticket and checkout still answer (the fuzz changed nothing).
            get_checked(&shop.user, &format!("/bookings/{}", shop.booking_id)).await?;
            get_checked(&shop.user, &shop.checkout).await?;
            Ok(())
        })
    });
}

/// A valid scan (a code shaped like one, a gate, a nonce) for one field to spoil.
fn scan_fields() -> [(&'static str, String); 3] {
    [
        ("code", "7K3M-AB12-CD34-EF56-GH78".to_owned()),
        ("gate", "North".to_owned()),
        ("nonce", format!("n{}", unique())),
    ]
}

#[test]
fn the_door_scan_form_and_the_checkin_api_never_fail_or_change_anything_when_refused() {
    fuzz(
        (
            0_usize..3,
            nasty(),
            nasty(),
            prop::collection::vec(any::<u8>(), 0..300),
            any::<bool>(),
        ),
        |runtime, shop, (which, value, other, body, real_code)| {
            runtime.block_on(async {
                // Admins keep every door; the held booking's code is a real one (not
                // paid: NOT VALID), so a spoiled gate or nonce reaches the database too.
                let scan = format!("/door/events/{}/scan", shop.event_id);
                let mut base = scan_fields();
                if real_code {
                    base[0].1 = held_code(shop).await;
                }
                let form = one_bad(&base, which, &value);
                post_checked(shop, &shop.admin, &scan, &as_pairs(&form)).await?;
                let form = one_bad(&one_bad(&base, which, &value), which + 1, &other);
                post_checked(shop, &shop.admin, &scan, &as_pairs(&form)).await?;

                let api = door_api(shop).await;
                let path = format!("/events/{}/checkins", shop.event_id);
                let mut json = serde_json::Map::new();
                for (name, field) in &form {
                    json.insert((*name).to_owned(), serde_json::Value::from(field.as_str()));
                }
                let before = snapshot(&shop.app).await;
                let reply = api.post(&path, &serde_json::Value::Object(json)).await;
                prop_assert!(
                    reply.status < 500,
                    "check-in {form:?} answered {:?}",
                    reply.json
                );
                if reply.status >= 400 {
                    prop_assert_eq!(snapshot(&shop.app).await, before);
                }
                let reply = api.post_bytes(&path, None, body.clone()).await;
                prop_assert!(
                    reply.status < 500,
                    "check-in raw {body:?} answered {:?}",
                    reply.json
                );
                Ok(())
            })
        },
    );
}

/// The held booking's code (its first seat's code, once paid).
async fn held_code(shop: &Shop) -> String {
    let booking_id = shop.booking_id;
    shop.app
        .with_db(move |conn| {
            boxoffice::db::bookings::all(conn)
                .unwrap()
                .into_iter()
                .find(|t| t.id == booking_id)
                .unwrap()
                .code
        })
        .await
}

/// The admin's API client.
async fn door_api(shop: &Shop) -> support::api::Api {
    shop.app
        .api()
        .logged_in("admin@example.com", PASSWORD)
        .await
}

#[test]
fn a_control_byte_in_a_door_code_or_gate_is_a_clear_4xx_on_the_page_and_in_the_api() {
    let runtime = Runtime::new().unwrap();
    runtime.block_on(async {
        let shop = shop().await;
        let scan = format!("/door/events/{}/scan", shop.event_id);
        let code = held_code(&shop).await;
        let api = shop
            .app
            .api()
            .logged_in("admin@example.com", PASSWORD)
            .await;
        let path = format!("/events/{}/checkins", shop.event_id);
        for (field, code, gate, says) in [
            (
                "code",
                format!("{code}\0"),
                "North".to_owned(),
                "control characters",
            ),
            (
                "code",
                "\0".to_owned(),
                "North".to_owned(),
                "control characters",
            ),
            (
                "code",
                "AB\u{1b}CD".to_owned(),
                "North".to_owned(),
                "control characters",
            ),
            (
                "gate",
                code.clone(),
                "North\0".to_owned(),
                "control characters",
            ),
        ] {
            let page = shop
                .admin
                .post(&scan, &[("code", &code), ("gate", &gate), ("nonce", "n1")])
                .await;
            assert_eq!(page.status(), 422, "{code:?} {gate:?}");
            let page = page.text().await.unwrap();
            assert!(page.contains(says), "{page}");
            assert!(!page.contains('\0'), "the NUL is not shown back");
            let reply = api
                .post(
                    &path,
                    &serde_json::json!({"code": code, "gate": gate, "nonce": "n1"}),
                )
                .await;
            assert_eq!(
                (reply.status, reply.code()),
                (422, "validation"),
                "{:?}",
                reply.json
            );
            assert_eq!(reply.json["errors"][0]["field"], field);
            assert!(
                reply.json["errors"][0]["message"]
                    .as_str()
                    .unwrap()
                    .contains(says)
            );
        }
    });
}

#[test]
fn the_shop_still_works_for_a_password_of_printable_text() {
    // A control for the fuzz above: valid input goes through the same helpers.
    let runtime = Runtime::new().unwrap();
    runtime.block_on(async {
        let shop = shop().await;
        let status = post_checked(
            &shop,
            &shop.app.visitor(),
            "/login",
            &[("email", "user@example.com"), ("password", PASSWORD)],
        )
        .await
        .unwrap();
        assert_eq!(status, 303);
    });
}
