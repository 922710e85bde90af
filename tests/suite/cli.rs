//! The command line, run as the real binary: migrate, create-admin, seed-demo, check.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use boxoffice::db::users;
use support::fixtures::EventSpec;
use support::{SESSION_KEY, TestApp, TestDatabase};

fn boxoffice(database: &TestDatabase, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_boxoffice"))
        .args(args)
        .env("DATABASE_URL", &database.url)
        .env("SESSION_KEY", SESSION_KEY)
        .env("BCRYPT_COST", "4")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[tokio::test]
async fn create_admin_creates_or_promotes_and_the_admin_can_log_in() {
    let app = TestApp::spawn().await;
    let created = boxoffice(
        &app.database,
        &["create-admin", "Boss@Example.com"],
        "a long admin password\n",
    );
    assert!(created.status.success(), "{}", text(&created));
    let admin = app.visitor();
    assert_eq!(
        admin
            .login("boss@example.com", "a long admin password")
            .await
            .status(),
        303
    );
    assert_eq!(admin.get("/admin").await.status(), 200);

    app.registered("user@example.com").await;
    let promoted = boxoffice(&app.database, &["create-admin", "user@example.com"], "\n");
    assert!(promoted.status.success());
    assert!(text(&promoted).contains("is now an admin"));
    let user = app
        .with_db(|c| {
            users::find_by_email(c, "user@example.com")
                .unwrap()
                .unwrap()
        })
        .await;
    assert!(user.is_admin);

    let weak = boxoffice(
        &app.database,
        &["create-admin", "new@example.com"],
        "short\n",
    );
    assert!(!weak.status.success(), "a weak password is refused");
}

#[tokio::test]
async fn check_is_clean_on_good_books_and_fails_on_broken_ones() {
    let app = TestApp::spawn().await;
    let show = app
        .create_event(EventSpec::new("Audited").seats("GA", 1000, 5))
        .await;
    let buyer = app.registered("ann@example.com").await;
    buyer.reserve(show.event_id, show.ticket_type_ids[0]).await;

    let clean = boxoffice(&app.database, &["check"], "");
    assert!(clean.status.success(), "{}", text(&clean));
    assert!(text(&clean).contains("\"Audited\": total 5, available 4, held 1, sold 0"));
    assert!(text(&clean).contains("books: clean"));

    let ticket_type = show.ticket_type_ids[0];
    app.with_db(move |c| {
        use boxoffice::db::schema::ticket_types::dsl;
        use diesel::prelude::*;
        diesel::update(dsl::ticket_types.find(ticket_type))
            .set(dsl::available_tickets_count.eq(5))
            .execute(c)
            .unwrap();
    })
    .await;
    let broken = boxoffice(&app.database, &["check"], "");
    assert!(!broken.status.success());
    assert!(text(&broken).contains("VIOLATION"));
}

#[tokio::test]
async fn check_reports_dead_messages_and_messages_pending_too_long() {
    use boxoffice::db::schema::outbox::dsl;
    use diesel::prelude::*;
    let app = TestApp::spawn().await;
    app.registered("ann@example.com").await; // writes the address check mail
    let set = |status: &'static str, age: chrono::TimeDelta| {
        let at = app.clock.now() - age;
        app.with_db(move |c| {
            diesel::update(dsl::outbox)
                .set((dsl::status.eq(status), dsl::created_at.eq(at)))
                .execute(c)
                .unwrap();
        })
    };
    let fresh = boxoffice(&app.database, &["check"], "");
    assert!(fresh.status.success(), "{}", text(&fresh));

    set("dead", chrono::TimeDelta::zero()).await;
    let dead = boxoffice(&app.database, &["check"], "");
    assert!(!dead.status.success());
    assert!(
        text(&dead).contains("outbox: 1 dead message(s)"),
        "{}",
        text(&dead)
    );

    set("pending", chrono::TimeDelta::hours(2)).await;
    let stale = boxoffice(&app.database, &["check"], "");
    assert!(!stale.status.success());
    assert!(text(&stale).contains("pending for more than 60 minute(s)"));

    set("delivered", chrono::TimeDelta::hours(2)).await;
    let clean = boxoffice(&app.database, &["check"], "");
    assert!(clean.status.success(), "{}", text(&clean));
}

#[test]
fn migrate_and_seed_demo_prepare_a_fresh_database() {
    let database = TestDatabase::create();
    let migrated = boxoffice(&database, &["migrate"], "");
    assert!(migrated.status.success(), "{}", text(&migrated));
    let seeded = boxoffice(&database, &["seed-demo"], "");
    assert!(text(&seeded).contains("added 2 demo events"));
    let again = boxoffice(&database, &["seed-demo"], "");
    assert!(
        text(&again).contains("added 0 demo events"),
        "seeding twice adds nothing"
    );
    let check = boxoffice(&database, &["check"], "");
    assert!(check.status.success());
}

#[test]
fn a_bad_setting_stops_start_up_and_names_the_variable() {
    let database = TestDatabase::create();
    let output = Command::new(env!("CARGO_BIN_EXE_boxoffice"))
        .args(["check"])
        .env("DATABASE_URL", &database.url)
        .env("SESSION_KEY", SESSION_KEY)
        .env("HOLD_MINUTES", "soon")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("HOLD_MINUTES"));
}
