//! Bad input never breaks the shop (issue 9): open redirects, control characters, dates
//! out of range, oversized and non-UTF-8 bodies, a lost database, made-up currencies,
//! the test checkout page of someone else, and HSTS.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use boxoffice::db::{events, ticket_types};
use support::fixtures::EventSpec;
use support::visitor::location;
use support::{PASSWORD, TestApp};

async fn user_count(app: &TestApp) -> i64 {
    app.with_db(|conn| {
        use boxoffice::db::schema::users::dsl;
        use diesel::prelude::*;
        dsl::users.count().get_result::<i64>(conn).unwrap()
    })
    .await
}

const EVENT_FORM: [(&str, &str); 5] = [
    ("title", "Spring Concert"),
    ("description", "Strings and brass."),
    ("venue", "Old Town Hall"),
    ("starts_at", "2031-04-01T19:30"),
    ("ends_at", "2031-04-01T22:00"),
];

fn event_form<'a>(changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    EVENT_FORM
        .iter()
        .map(|(name, value)| {
            let changed = changes.iter().find(|(n, _)| n == name);
            (*name, changed.map_or(*value, |(_, v)| *v))
        })
        .collect()
}

#[tokio::test]
async fn next_with_an_encoded_tab_or_any_trick_lands_on_the_front_page() {
    let app = TestApp::spawn().await;
    app.registered("dan@example.com").await;
    for next in [
        "/%09/evil.example",
        "/%0d/evil.example",
        "/%0a/evil.example",
        "/%00/evil.example",
        "/%5C/evil.example",
        "/%2F/evil.example",
        "/\t/evil.example",
        "/\\evil.example",
    ] {
        let visitor = app.visitor();
        let response = visitor
            .post(
                "/login",
                &[
                    ("email", "dan@example.com"),
                    ("password", PASSWORD),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(response.status(), 303, "{next:?}");
        assert_eq!(location(&response), "/", "{next:?}");
        // The login form never carries it either.
        let query = serde_urlencoded::to_string([("next", next)]).unwrap();
        let page = visitor.page(&format!("/login?{query}")).await;
        assert!(page.contains("name=\"next\" value=\"/\""), "{next:?}");
    }
}

#[tokio::test]
async fn control_characters_in_next_never_give_a_500() {
    let app = TestApp::spawn().await;
    app.registered("eve@example.com").await;
    for next in ["/\r\nSet-Cookie: a=b", "/\0", "/a\u{7f}", "/\n"] {
        let response = app
            .visitor()
            .post(
                "/login",
                &[
                    ("email", "eve@example.com"),
                    ("password", PASSWORD),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(response.status(), 303, "{next:?}");
        assert_eq!(location(&response), "/");
        let response = app
            .visitor()
            .post(
                "/register",
                &[
                    ("email", "new@example.com"),
                    ("password", PASSWORD),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(response.status(), 303, "{next:?}");
        assert_eq!(location(&response), "/login");
    }
}

#[tokio::test]
async fn nul_and_control_characters_in_text_fields_get_field_errors_and_change_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    for (field, value) in [
        ("title", "Gala\0"),
        ("venue", "Hall\u{1b}[2J"),
        ("description", "Nice\0"),
    ] {
        let response = admin
            .post("/admin/events", &event_form(&[(field, value)]))
            .await;
        assert_eq!(response.status(), 422, "{field}");
        let page = response.text().await.unwrap();
        assert!(page.contains(&format!("id=\"{field}-error\"")), "{field}");
        assert!(page.contains("control characters"), "{field}");
    }
    assert!(app.with_db(|c| events::all(c).unwrap()).await.is_empty());

    let show = app.create_event(EventSpec::new("Show")).await;
    let response = admin
        .post(
            &format!("/admin/events/{}/ticket-types", show.event_id),
            &[
                ("name", "VIP\0"),
                ("price", "10"),
                ("currency", "EUR"),
                ("quantity", "5"),
            ],
        )
        .await;
    assert_eq!(response.status(), 422);
    assert!(response.text().await.unwrap().contains("id=\"name-error\""));

    let visitor = app.visitor();
    for (email, password) in [
        ("nul\0@example.com", PASSWORD),
        ("ok@example.com", "pass\0word long"),
    ] {
        let response = visitor.register(email, password).await;
        assert_eq!(response.status(), 422, "{email:?} {password:?}");
    }
    assert_eq!(
        visitor.login("nul\0@example.com", PASSWORD).await.status(),
        422
    );
    assert_eq!(user_count(&app).await, 1, "only the admin");
}

#[tokio::test]
async fn event_dates_outside_a_sane_range_get_field_errors() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    for (starts, ends) in [
        ("9999-12-31T20:00", "+10000-01-01T01:00"),
        ("0001-01-01T10:00", "0001-01-01T12:00"),
        ("1999-12-31T20:00", "2000-01-01T01:00"),
        ("2201-01-01T10:00", "2201-01-01T12:00"),
    ] {
        let response = admin
            .post(
                "/admin/events",
                &event_form(&[("starts_at", starts), ("ends_at", ends)]),
            )
            .await;
        assert_eq!(response.status(), 422, "{starts} – {ends}");
        assert!(
            response
                .text()
                .await
                .unwrap()
                .contains("between the years 2000 and 2200"),
            "{starts}"
        );
    }
    assert!(app.with_db(|c| events::all(c).unwrap()).await.is_empty());
}

#[tokio::test]
async fn a_body_over_the_limit_gets_413_and_invalid_utf8_gets_400() {
    let app = TestApp::spawn().await;
    let visitor = app.visitor();
    let big = format!("email=a%40example.com&password={}", "x".repeat(20_000));
    let response = visitor.post_body("/register", big.into_bytes()).await;
    assert_eq!(response.status(), 413);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("larger than the shop accepts")
    );

    let response = visitor
        .post_body(
            "/register",
            b"email=ann%FF%40example.com&password=correct+horse+battery".to_vec(),
        )
        .await;
    assert_eq!(response.status(), 400);
    assert!(response.text().await.unwrap().contains("not valid UTF-8"));
    let response = visitor
        .post_body(
            "/register",
            b"email=ann\xff@example.com&password=correct+horse+battery".to_vec(),
        )
        .await;
    assert_eq!(response.status(), 400);
    assert_eq!(user_count(&app).await, 0, "nothing was registered");
}

#[tokio::test]
async fn a_database_out_of_reach_answers_503_with_a_retry_message() {
    let app =
        TestApp::spawn_with(&[("DB_POOL_SIZE", "2"), ("DB_CHECKOUT_TIMEOUT_MS", "300")]).await;
    let ann = app.registered("ann@example.com").await;
    // Every connection is taken (a stalled or lost database looks the same from here).
    let pool = app.state.pool.clone();
    let held = tokio::task::spawn_blocking(move || {
        (0..2).map(|_| pool.get().unwrap()).collect::<Vec<_>>()
    })
    .await
    .unwrap();
    let response = ann.get("/bookings").await;
    assert_eq!(response.status(), 503);
    assert!(response.text().await.unwrap().contains("try again"));
    let response = app.visitor().login("ann@example.com", PASSWORD).await;
    assert_eq!(response.status(), 503);
    drop(held);
    assert_eq!(ann.get("/bookings").await.status(), 200, "back when it is");
}

/// Runs one statement on PostgreSQL through a connection of its own.
fn run_sql(url: &str, sql: &str) {
    use diesel::{Connection, PgConnection, RunQueryDsl};
    let mut conn = PgConnection::establish(url).unwrap();
    diesel::sql_query(sql).execute(&mut conn).unwrap();
}

#[tokio::test]
async fn a_postgresql_connection_lost_in_the_middle_of_a_request_answers_503_not_500() {
    let app = TestApp::spawn_with(&[("DB_CHECKOUT_TIMEOUT_MS", "500")]).await;
    if !app.database.is_postgres() {
        // SQLite is a file in this process: there is no connection to lose (the pool
        // case above covers a database out of reach).
        return;
    }
    let admin = app.admin().await;
    let show = app
        .create_event(EventSpec::new("Locked").unpublished())
        .await;
    let url = app.database.url.clone();
    let name = url.rsplit('/').next().unwrap().to_owned();

    // Another session holds the event's row, so the publish request waits on it...
    let (release, released) = std::sync::mpsc::channel::<()>();
    let (locked, is_locked) = std::sync::mpsc::channel::<()>();
    let lock_url = url.clone();
    let event_id = show.event_id;
    let locker = std::thread::spawn(move || {
        use diesel::{Connection, PgConnection, RunQueryDsl};
        let mut conn = PgConnection::establish(&lock_url).unwrap();
        conn.transaction::<_, diesel::result::Error, _>(|conn| {
            diesel::sql_query(format!(
                "SELECT id FROM events WHERE id = {event_id} FOR UPDATE"
            ))
            .execute(conn)?;
            locked.send(()).unwrap();
            released.recv().unwrap();
            Ok(())
        })
        .unwrap();
    });
    is_locked.recv().unwrap();
    let publish = format!("/admin/events/{}/publish", show.event_id);
    let token = admin.csrf_token().await;
    let request = admin
        .client
        .post(admin.url(&publish))
        .form(&[("csrf_token", token.as_str())])
        .send();
    let request = tokio::spawn(request);

    // ...and its connection is cut while it waits (a server restart looks the same).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let watch = url.clone();
    let cut = format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = '{name}' AND wait_event_type = 'Lock'"
    );
    loop {
        let waiting = {
            let watch = watch.clone();
            let name = name.clone();
            tokio::task::spawn_blocking(move || {
                use diesel::{Connection, PgConnection, RunQueryDsl, sql_types::BigInt};
                #[derive(diesel::QueryableByName)]
                struct Count {
                    #[diesel(sql_type = BigInt)]
                    n: i64,
                }
                let mut conn = PgConnection::establish(&watch).unwrap();
                diesel::sql_query(format!(
                    "SELECT count(*) AS n FROM pg_stat_activity \
                     WHERE datname = '{name}' AND wait_event_type = 'Lock'"
                ))
                .get_result::<Count>(&mut conn)
                .unwrap()
                .n
            })
            .await
            .unwrap()
        };
        if waiting > 0 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the request never waited"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let killer = url.clone();
    tokio::task::spawn_blocking(move || run_sql(&killer, &cut))
        .await
        .unwrap();
    let response = request.await.unwrap().unwrap();
    assert_eq!(response.status(), 503, "a lost connection is worth a retry");
    assert!(response.text().await.unwrap().contains("try again"));
    release.send(()).unwrap();
    locker.join().unwrap();

    assert_eq!(
        admin.post(&publish, &[]).await.status(),
        303,
        "the retry works"
    );

    // A database that refuses every connection: 503 too.
    let off = format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false");
    let admin_url = std::env::var("TEST_DATABASE_URL").unwrap();
    let shut = admin_url.clone();
    let kill_all =
        format!("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'");
    tokio::task::spawn_blocking(move || {
        run_sql(&shut, &off);
        run_sql(&shut, &kill_all);
    })
    .await
    .unwrap();
    for path in ["/admin", "/"] {
        let response = admin.get(path).await;
        assert_eq!(response.status(), 503, "{path}");
        assert!(response.text().await.unwrap().contains("try again"));
    }
    let on = format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true");
    tokio::task::spawn_blocking(move || run_sql(&admin_url, &on))
        .await
        .unwrap();
    assert_eq!(admin.get("/admin").await.status(), 200, "back when it is");
}

#[tokio::test]
async fn currencies_come_from_iso_4217_and_three_decimals_are_kept_exactly() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let show = app.create_event(EventSpec::new("Gulf Tour")).await;
    let path = format!("/admin/events/{}/ticket-types", show.event_id);
    let form = |name: &'static str, price: &'static str, currency: &'static str| {
        [
            ("name", name),
            ("price", price),
            ("currency", currency),
            ("quantity", "10"),
        ]
    };
    let response = admin.post(&path, &form("Made up", "10", "ZZZ")).await;
    assert_eq!(response.status(), 422);
    assert!(response.text().await.unwrap().contains("ISO 4217"));
    let response = admin.post(&path, &form("Gold", "10", "XAU")).await;
    assert_eq!(response.status(), 422);

    assert_eq!(
        admin
            .post(&path, &form("Dinar", "12.5", "bhd"))
            .await
            .status(),
        303
    );
    assert_eq!(
        admin
            .post(&path, &form("Yen", "3000", "JPY"))
            .await
            .status(),
        303
    );
    let ticket_types = app
        .with_db(move |c| ticket_types::for_event(c, show.event_id).unwrap())
        .await;
    let dinar = ticket_types.iter().find(|s| s.name == "Dinar").unwrap();
    assert_eq!(
        (dinar.amount_pennies, dinar.currency.as_str()),
        (12_500, "BHD")
    );
    let yen = ticket_types.iter().find(|s| s.name == "Yen").unwrap();
    assert_eq!((yen.amount_pennies, yen.currency.as_str()), (3000, "JPY"));
    let page = app
        .visitor()
        .page(&format!("/events/{}", show.event_id))
        .await;
    assert!(page.contains("12.500 BHD"), "three decimals shown");
    assert!(page.contains("¥3,000"), "digits grouped");
}

#[tokio::test]
async fn the_test_checkout_page_is_only_for_the_buyer() {
    let app = TestApp::spawn().await;
    let show = app.create_event(EventSpec::new("Private")).await;
    let ann = app.registered("ann@example.com").await;
    let booking: i32 = location(&ann.reserve(show.event_id, show.ticket_type_ids[0]).await)
        .trim_start_matches("/bookings/")
        .parse()
        .unwrap();
    let checkout = ann.path_of(&location(&ann.pay(booking).await));
    assert!(checkout.starts_with("/test-checkout/"), "{checkout}");

    let eve = app.registered("eve@example.com").await;
    let response = eve.get(&checkout).await;
    assert_eq!(response.status(), 404);
    assert!(!response.text().await.unwrap().contains("ann@example.com"));
    assert_eq!(
        eve.post(&format!("{checkout}/pay"), &[]).await.status(),
        404
    );
    assert_eq!(
        eve.post(&format!("{checkout}/decline"), &[]).await.status(),
        404
    );
    assert_eq!(
        app.bookings().await[0].status,
        "reserved",
        "eve paid nothing"
    );

    assert_eq!(ann.get(&checkout).await.status(), 200);
    assert_eq!(
        ann.post(&format!("{checkout}/pay"), &[]).await.status(),
        303
    );
}

#[tokio::test]
async fn hsts_is_sent_on_an_https_site_only() {
    let app = TestApp::spawn_with(&[
        ("PUBLIC_URL", "https://tickets.example"),
        ("ALLOW_TEST_PAYMENTS", "true"),
    ])
    .await;
    let response = app.visitor().get("/healthz").await;
    let hsts = response
        .headers()
        .get("strict-transport-security")
        .expect("HSTS on https")
        .to_str()
        .unwrap()
        .to_owned();
    assert!(hsts.contains("max-age=31536000"));

    let plain = TestApp::spawn().await;
    let response = plain.visitor().get("/healthz").await;
    assert!(
        response
            .headers()
            .get("strict-transport-security")
            .is_none()
    );
}
