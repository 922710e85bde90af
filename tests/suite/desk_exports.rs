//! The organiser's exports (issue 24, item 4): an event's bookings and attendees and the
//! payments and refunds of a date range, as CSV a spreadsheet opens (quoting right,
//! formulas defused), streamed a page at a time. Both engines.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use boxoffice::db::models::{NewBooking, NewUser};
use boxoffice::db::status::BookingStatus;
use boxoffice::db::{bookings, users};
use support::TestApp;
use support::fixtures::EventSpec;

fn parse(text: &str) -> Vec<Vec<String>> {
    csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

#[tokio::test]
async fn bookings_and_payments_export_as_csv_with_quoting_and_formulas_defused() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let show = app
        .create_event(
            EventSpec::new("Gala, \"the\" night")
                .seats("=SUM(A1)", 1000, 10)
                .in_zone("Europe/Berlin"),
        )
        .await;
    let (e, s) = (show.event_id, show.ticket_type_ids[0]);
    let (_, ada, codes) = app.paid_booking("ada@example.com", e, s, 2).await;
    let (_, bob, _) = app.paid_booking("bob@example.com", e, s, 1).await;
    let cat = app.registered("cat@example.com").await;
    assert_eq!(cat.reserve_n(e, s, "1").await.status(), 303);
    let staff = app.door_staff(&admin, "door@example.com", "all").await;
    assert_eq!(
        staff.scan(e, &codes[1], "North, side").await.headline,
        "ADMIT"
    );
    let refunded = admin
        .post(
            &format!("/admin/bookings/{bob}/refund"),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(refunded.status(), 303);

    let response = admin.get(&format!("/admin/events/{e}/bookings.csv")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;")
    );
    let text = response.text().await.unwrap();
    assert!(text.starts_with(
        "booking,code,ticket_type,seat,seats_in_booking,email,status,paid_at,checked_in_at,gate,attendee\n"
    ));
    assert!(text.contains("'=SUM(A1)"), "a formula is defused: {text}");
    assert!(
        text.contains("\"North, side\""),
        "a comma is quoted: {text}"
    );
    let rows = parse(&text);
    let ada_rows: Vec<&Vec<String>> = rows.iter().filter(|r| r[0] == ada.to_string()).collect();
    assert_eq!(ada_rows.len(), 2, "one row per seat");
    assert_eq!(ada_rows[0][1], codes[0]);
    assert_eq!(ada_rows[0][3], "1 of 2");
    assert_eq!(ada_rows[1][3], "2 of 2");
    assert_eq!(ada_rows[0][5], "ada@example.com");
    assert_eq!(ada_rows[0][6], "paid");
    assert!(
        ada_rows[0][7].ends_with("+01:00"),
        "in the event's zone: {:?}",
        ada_rows[0]
    );
    assert_eq!(ada_rows[0][8], "", "not checked in");
    assert!(!ada_rows[1][8].is_empty(), "checked in");
    assert_eq!(ada_rows[1][9], "North, side");
    let bob_rows: Vec<&Vec<String>> = rows.iter().filter(|r| r[0] == bob.to_string()).collect();
    assert_eq!(bob_rows[0][6], "refunded");
    let held = rows.iter().find(|r| r[5] == "cat@example.com").unwrap();
    assert_eq!((held[3].as_str(), held[6].as_str()), ("", "reserved"));

    let today = app.clock.now().date().format("%Y-%m-%d").to_string();
    let money = admin
        .page(&format!(
            "/admin/exports/payments.csv?from={today}&to={today}"
        ))
        .await;
    let rows = parse(&money);
    let payments: Vec<_> = rows.iter().filter(|r| r[0] == "payment").collect();
    let refunds: Vec<_> = rows.iter().filter(|r| r[0] == "refund").collect();
    assert_eq!(payments.len(), 2);
    assert_eq!(refunds.len(), 1);
    assert_eq!(refunds[0][3], bob.to_string());
    assert_eq!(refunds[0][6], "10.00");
    assert_eq!(refunds[0][7], "EUR");
    assert_eq!(payments[0][4], "Gala, \"the\" night", "quotes survive");
    let yesterday = (app.clock.now().date() - chrono::TimeDelta::days(1))
        .format("%Y-%m-%d")
        .to_string();
    let none = admin
        .page(&format!(
            "/admin/exports/payments.csv?from={yesterday}&to={yesterday}"
        ))
        .await;
    assert_eq!(parse(&none).len(), 0, "only the days asked for");
    for bad in [
        "?from=yesterday",
        "?from=2031-02-30",
        &format!("?from={today}&to={yesterday}"),
    ] {
        let response = admin
            .get(&format!("/admin/exports/payments.csv{bad}"))
            .await;
        assert_eq!(response.status(), 400, "{bad}");
    }
    assert_eq!(
        admin
            .get("/admin/events/999999/bookings.csv")
            .await
            .status(),
        404
    );
    let user = app.registered("eve@example.com").await;
    assert_eq!(
        user.get(&format!("/admin/events/{e}/bookings.csv"))
            .await
            .status(),
        403
    );
    app.assert_books_clean().await;
}

#[tokio::test]
async fn a_large_export_is_streamed_a_page_at_a_time() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let show = app.create_event(EventSpec::new("Big")).await;
    let (e, s) = (show.event_id, show.ticket_type_ids[0]);
    const BOOKINGS: usize = 2_500;
    let now = app.clock.now();
    app.with_db(move |conn| {
        use diesel::Connection;
        conn.transaction::<_, diesel::result::Error, _>(|c| {
            for i in 0..BOOKINGS {
                let email = format!("buyer{i}@example.com");
                let user = users::insert(
                    c,
                    &NewUser {
                        email: &email,
                        password_hash: "x",
                        is_admin: false,
                        created_at: now,
                    },
                )?;
                let code = format!("EXPT-{i:04}-0000-0000-0000");
                bookings::insert(
                    c,
                    &NewBooking {
                        user_id: user.id,
                        event_id: e,
                        ticket_type_id: s,
                        status: BookingStatus::Expired,
                        reserved_until: Some(now),
                        code: &code,
                        created_at: now,
                        quantity: 1,
                    },
                )?;
            }
            Ok(())
        })
        .unwrap();
    })
    .await;
    let mut response = admin.get(&format!("/admin/events/{e}/bookings.csv")).await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers().get("content-length").is_none(),
        "streamed, not sized in advance"
    );
    let mut chunks = 0;
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.unwrap() {
        chunks += 1;
        body.extend_from_slice(&chunk);
    }
    let rows = parse(std::str::from_utf8(&body).unwrap());
    assert_eq!(rows.len(), BOOKINGS, "every booking once");
    assert!(
        chunks >= 3,
        "written a page of 1,000 at a time ({chunks} chunks)"
    );
    app.assert_books_clean().await;
}
