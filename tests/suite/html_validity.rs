//! Every page is valid HTML (issue 27, item 5): the Nu HTML Checker (vnu.jar, the W3C's
//! validator, from the npm package `vnu-jar`, run by Java) reads every page a visitor, a
//! buyer, door staff and an admin can open — with real data on them: a paid group booking
//! and its QR codes, a hold, a form re-shown with its errors — and every mail's HTML
//! part, and must report no error. Runs with `--features html` (needs `java` and
//! `npm ci`); it fails, never skips, without them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use std::path::{Path, PathBuf};
use std::process::Command;

use support::fixtures::EventSpec;
use support::visitor::location;
use support::{TestApp, Visitor};

const VNU: &str = "node_modules/vnu-jar/build/dist/vnu.jar";

/// Pages collected for the checker: a file name and the HTML.
#[derive(Default)]
struct Pages {
    pages: Vec<(String, String)>,
}

impl Pages {
    /// GETs `path` as `visitor`, expecting `status`, and keeps the page.
    async fn add(&mut self, who: &str, visitor: &Visitor, path: &str, status: u16) {
        let response = visitor.get(path).await;
        assert_eq!(response.status().as_u16(), status, "GET {path} as {who}");
        let html = response.text().await.unwrap();
        self.keep(&format!("{who} {path}"), html);
    }

    fn keep(&mut self, name: &str, html: String) {
        assert!(
            html.starts_with("<!DOCTYPE html>") || html.starts_with("<!doctype html>"),
            "{name} is an HTML page: {}",
            &html[..html.len().min(200)]
        );
        let file: String = name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        self.pages
            .push((format!("{:03}-{file}.html", self.pages.len()), html));
    }
}

/// Runs the checker over `dir`; returns its error messages (empty when valid).
fn nu_errors(dir: &Path) -> String {
    let jar = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(VNU);
    assert!(
        jar.exists(),
        "{} is missing: run `npm ci` (package.json lists vnu-jar)",
        jar.display()
    );
    let output = Command::new("java")
        .args(["-Xss1m", "-jar"])
        .arg(&jar)
        .args(["--errors-only", "--skip-non-html"])
        .arg(dir)
        .output()
        .expect("`java` runs (Debian: openjdk-17-jre-headless)");
    let report = String::from_utf8_lossy(&output.stderr).into_owned();
    if output.status.success() {
        assert!(report.trim().is_empty(), "no errors, no report: {report}");
    } else {
        assert!(
            report.contains("error"),
            "the checker failed without reporting an error: {report}"
        );
    }
    report
}

#[tokio::test]
async fn every_page_and_mail_passes_the_nu_html_checker() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let sale = app
        .create_event(
            EventSpec::new("Validity & Co: a night of <markup>")
                .seats("Standing", 123_450, 50)
                .seats("Free", 0, 10)
                .in_zone("Europe/Berlin")
                .refundable_until(48),
        )
        .await;
    let (event_id, standing) = (sale.event_id, sale.ticket_type_ids[0]);
    let (buyer, booking_id, codes) = app
        .paid_booking("buyer@example.com", event_id, standing, 3)
        .await;
    let holder = app.registered("holder@example.com").await;
    let held = location(&holder.reserve(event_id, standing).await);
    let hold_id: i32 = held.rsplit('/').next().unwrap().parse().unwrap();
    let checkout = holder.path_of(&location(&holder.pay(hold_id).await));
    let staff = app.door_staff(&admin, "door@example.com", "all").await;
    // A booking listed for resale: the offer on the event page, the listing on its
    // booking page and on the organiser's resale page.
    let (seller, seller_booking, _) = app
        .paid_booking("seller@example.com", event_id, standing, 1)
        .await;
    let listed = seller
        .post(
            &format!("/bookings/{seller_booking}/resale"),
            &[("price", "")],
        )
        .await;
    assert_eq!(location(&listed), format!("/bookings/{seller_booking}"));
    let mut pages = Pages::default();
    app.deliver_all().await;
    let booking_page = admin
        .page(&format!("/admin/events/{event_id}/bookings"))
        .await;
    assert!(booking_page.contains("buyer@example.com"));
    let ticket_type_edit = format!("/admin/ticket-types/{standing}/edit");

    let anonymous = app.visitor();
    for path in [
        "/",
        &format!("/events/{event_id}"),
        "/login",
        "/register",
        "/password/forgot",
        "/api/v1/docs",
    ] {
        pages.add("anonymous", &anonymous, path, 200).await;
    }
    pages
        .add("anonymous", &anonymous, "/no-such-page", 404)
        .await;
    for path in [
        "/",
        &format!("/events/{event_id}"),
        "/bookings",
        &format!("/bookings/{booking_id}"),
        &format!("/bookings/{booking_id}/cancel"),
        &format!("/bookings/{booking_id}/give-back"),
        &format!("/bookings/{booking_id}/give-back?seat=2&seat=3"),
        "/account",
        "/account/password",
        "/account/verify/resend",
    ] {
        pages.add("buyer", &buyer, path, 200).await;
    }
    pages
        .add(
            "buyer",
            &buyer,
            &format!("/admin/bookings/{booking_id}"),
            403,
        )
        .await;
    pages.add("holder", &holder, &held, 200).await;
    pages
        .add(
            "seller",
            &seller,
            &format!("/bookings/{seller_booking}"),
            200,
        )
        .await;
    pages.add("holder", &holder, &checkout, 200).await;
    // The seat is admitted once the buyer's pages are kept (an admitted booking has no
    // cancel step).
    let scanned = staff.scan(event_id, &codes[0], "North").await;
    let door_answer = scanned.body.clone();
    assert_eq!(scanned.status, 200, "admitted: {}", scanned.headline);
    pages.keep("staff door answer", door_answer);
    for path in ["/door", &format!("/door/events/{event_id}")] {
        pages.add("staff", &staff, path, 200).await;
    }
    for path in [
        "/admin",
        "/admin?status=on_sale&q=Validity",
        "/admin/events/new",
        &format!("/admin/events/{event_id}/edit"),
        &format!("/admin/events/{event_id}/ticket-types/new"),
        &ticket_type_edit,
        &format!("/admin/events/{event_id}/sales"),
        "/admin/sales",
        &format!("/admin/events/{event_id}/bookings"),
        &format!("/admin/events/{event_id}/bookings?q=buyer"),
        &format!("/admin/bookings/{booking_id}"),
        &format!("/admin/bookings/{booking_id}/refund"),
        &format!("/admin/events/{event_id}/checkins"),
        &format!("/admin/events/{event_id}/door-list"),
        &format!("/admin/events/{event_id}/cancel"),
        &format!("/admin/events/{event_id}/resale"),
        "/admin/payments",
        "/admin/accounts",
        "/admin/door-staff",
        "/admin/exports",
        "/admin/mailbox",
        "/admin/outbox",
    ] {
        pages.add("admin", &admin, path, 200).await;
    }
    // A webhook endpoint's page, with its (empty) delivery log.
    let endpoint = admin
        .post(
            "/admin/webhooks",
            &[
                ("url", "https://partner.example.com/hook"),
                ("description", "CRM"),
            ],
        )
        .await;
    let endpoint_page = location(&endpoint);
    for path in ["/admin/webhooks", endpoint_page.as_str()] {
        pages.add("admin", &admin, path, 200).await;
    }

    // Forms re-shown with their errors, the values typed kept.
    let refused = admin
        .post(
            "/admin/events",
            &[
                ("title", ""),
                ("venue", "Hall"),
                ("description", "x"),
                ("starts_at", "not a date"),
                ("ends_at", "2031-02-30T25:00"),
                ("time_zone", "Europe/Berlin"),
                ("resale_fee_percent", "abc"),
            ],
        )
        .await;
    assert_eq!(refused.status(), 422, "the event form refuses");
    pages.keep("admin event form re-shown", refused.text().await.unwrap());
    let refused = admin
        .post(
            &format!("/admin/events/{event_id}/ticket-types"),
            &[
                ("name", "Late"),
                ("price", "-1"),
                ("quantity", "x"),
                ("sale_starts_at", "yesterday"),
                ("sale_ends_at", "2031-13-01T10:00"),
            ],
        )
        .await;
    assert_eq!(refused.status(), 422, "the ticket type form refuses");
    pages.keep(
        "admin ticket type form re-shown",
        refused.text().await.unwrap(),
    );
    let refused = anonymous
        .post(
            "/register",
            &[("email", "not an address"), ("password", "short")],
        )
        .await;
    assert_eq!(refused.status(), 422, "registration refuses");
    pages.keep("register re-shown", refused.text().await.unwrap());

    let mails = app
        .with_db(|conn| boxoffice::db::mailbox::recent(conn, 100).unwrap())
        .await;
    assert!(
        mails.len() >= 3,
        "the registrations' and the booking's mails: {}",
        mails.len()
    );
    for mail in &mails {
        pages
            .add("admin", &admin, &format!("/admin/mailbox/{}", mail.id), 200)
            .await;
        pages.keep(
            &format!("mail {} {}", mail.id, mail.subject),
            mail.body_html.clone(),
        );
    }

    let dir = tempfile::tempdir().unwrap();
    for (name, html) in &pages.pages {
        std::fs::write(dir.path().join(name), html).unwrap();
    }
    let count = pages.pages.len();
    let errors = nu_errors(dir.path());
    assert!(
        errors.trim().is_empty(),
        "the Nu HTML Checker found errors in {count} pages:\n{errors}"
    );
}
