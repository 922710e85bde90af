//! At the door, through the real handlers: every answer a scan can get (in words), the
//! gate remembered per device, a retried scan, undo and re-admit, refunded bookings,
//! who may see which door, the counts, and the offline lists.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use support::TestApp;
use support::door::nonce_in;
use support::fixtures::EventSpec;
use support::visitor::location;

/// A shop with two events: (app, admin, event A with types GA and VIP, event B).
async fn two_shows() -> (
    TestApp,
    support::Visitor,
    support::fixtures::Created,
    support::fixtures::Created,
) {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let a = app
        .create_event(
            EventSpec::new("Door Show")
                .seats("GA", 2500, 50)
                .seats("VIP", 9000, 10),
        )
        .await;
    let b = app
        .create_event(EventSpec::new("Other Show").seats("GA", 1500, 50))
        .await;
    (app, admin, a, b)
}

#[tokio::test]
async fn every_answer_in_words() {
    let (app, admin, a, b) = two_shows().await;
    let (_, _, codes) = app
        .paid_booking("pair@example.com", a.event_id, a.ticket_type_ids[1], 2)
        .await;
    let (_, _, other) = app
        .paid_booking("elsewhere@example.com", b.event_id, b.ticket_type_ids[0], 1)
        .await;
    let holder = app.registered("holder@example.com").await;
    let held = holder.reserve(a.event_id, a.ticket_type_ids[0]).await;
    let held_id: i32 = location(&held)
        .trim_start_matches("/bookings/")
        .parse()
        .unwrap();
    let held_code = app
        .bookings()
        .await
        .into_iter()
        .find(|t| t.id == held_id)
        .unwrap()
        .code;
    let staff = app
        .door_staff(&admin, "door@example.com", &a.event_id.to_string())
        .await;

    let admit = staff.scan(a.event_id, &codes[0], "North").await;
    assert_eq!((admit.status, admit.headline.as_str()), (200, "ADMIT"));
    assert!(admit.body.contains("VIP · seat 1 of 2"), "{}", admit.body);
    assert!(admit.body.contains("pair@example.com"));
    assert!(
        admit.body.contains("answer-admit"),
        "a colour as well as words"
    );

    // Typed by hand: lower case, no hyphens.
    let typed: String = codes[1].replace('-', "").to_lowercase();
    let second = staff.scan(a.event_id, &typed, "North").await;
    assert_eq!(second.headline, "ADMIT");
    assert!(second.body.contains("VIP · seat 2 of 2"));

    let again = staff.scan(a.event_id, &codes[0], "South").await;
    assert_eq!(again.headline, "ALREADY CHECKED IN");
    assert!(
        again.body.contains("at North."),
        "which gate: {}",
        again.body
    );
    assert!(again.body.contains("Checked in "), "when");

    let unknown = staff
        .scan(a.event_id, "ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ", "North")
        .await;
    assert_eq!(unknown.headline, "UNKNOWN CODE");
    assert!(
        unknown
            .body
            .contains("No ticket has the code ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ")
    );
    let junk = staff.scan(a.event_id, &"Q".repeat(300), "North").await;
    assert_eq!(junk.headline, "UNKNOWN CODE");

    let wrong = staff.scan(a.event_id, &other[0], "North").await;
    assert_eq!(wrong.headline, "WRONG EVENT");
    assert!(wrong.body.contains("This ticket is for Other Show"));

    let unpaid = staff.scan(a.event_id, &held_code, "North").await;
    assert_eq!(unpaid.headline, "NOT VALID");
    assert!(unpaid.body.contains("This ticket is not paid."));

    // The form's own problems: a clear 422 with the form again, nothing checked in.
    let empty = staff.scan(a.event_id, "  ", "North").await;
    assert_eq!(empty.status, 422);
    assert!(empty.body.contains("Scan a ticket code"));
    let no_gate = staff.scan(a.event_id, &other[0], " ").await;
    assert_eq!(no_gate.status, 422);
    assert!(no_gate.body.contains("Name this gate"));
    let bad_nonce = staff.scan_with(a.event_id, &codes[0], "North", "<x>").await;
    assert_eq!(bad_nonce.status, 422);

    // The counts after it all: two VIP seats of two admitted, none of GA's.
    let page = staff.page(&format!("/door/events/{}", a.event_id)).await;
    assert!(
        page.contains(
            "<th scope=\"row\">VIP</th><td data-label=\"Admitted\">2</td><td data-label=\"Expected\">2</td>"
        ),
        "{page}"
    );
    assert!(page.contains(
        "<th scope=\"row\">GA</th><td data-label=\"Admitted\">0</td><td data-label=\"Expected\">0</td>"
    ));
    let dashboard = admin.page("/admin").await;
    assert!(
        dashboard.contains("<td data-label=\"Admitted / expected\">2 / 2</td>"),
        "the dashboard counts them"
    );
    app.assert_books_clean().await;
}

#[tokio::test]
async fn the_gate_is_remembered_on_the_device() {
    let (app, admin, a, _) = two_shows().await;
    let staff = app.door_staff(&admin, "door@example.com", "all").await;
    let page = staff.page(&format!("/door/events/{}", a.event_id)).await;
    // A new device starts at the default gate, so its first scan needs no typing.
    assert!(page.contains("id=\"gate\" name=\"gate\" value=\"Main entrance\""));
    staff.scan(a.event_id, "NOPE", "Side door 3").await;
    let page = staff.page(&format!("/door/events/{}", a.event_id)).await;
    assert!(page.contains("id=\"gate\" name=\"gate\" value=\"Side door 3\""));
    assert!(page.contains("autofocus"));

    // Camera scanning is one self-hosted script (the CSP allows 'self' only).
    let src = page
        .split("<script src=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap();
    assert!(src.starts_with("/static/door.js?v="));
    let script = staff.get(src).await;
    assert!(
        script.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    assert!(script.text().await.unwrap().contains("BarcodeDetector"));
}

#[tokio::test]
async fn a_retried_scan_with_the_same_nonce_admits_again() {
    let (app, admin, a, _) = two_shows().await;
    let (_, _, codes) = app
        .paid_booking("ann@example.com", a.event_id, a.ticket_type_ids[0], 1)
        .await;
    let staff = app.door_staff(&admin, "door@example.com", "all").await;
    let page = staff.page(&format!("/door/events/{}", a.event_id)).await;
    let nonce = nonce_in(&page);

    let first = staff
        .scan_with(a.event_id, &codes[0], "North", &nonce)
        .await;
    let retry = staff
        .scan_with(a.event_id, &codes[0], "North", &nonce)
        .await;
    assert_eq!(first.headline, "ADMIT");
    assert_eq!(retry.headline, "ADMIT", "the same request again");
    assert!(retry.body.contains("The same scan again"));
    assert_ne!(
        nonce_in(&first.body),
        nonce,
        "each answer renders a fresh nonce"
    );

    let other_gate = staff
        .scan_with(a.event_id, &codes[0], "South", &nonce)
        .await;
    assert_eq!(other_gate.headline, "ALREADY CHECKED IN");
    let new_scan = staff.scan(a.event_id, &codes[0], "North").await;
    assert_eq!(new_scan.headline, "ALREADY CHECKED IN");

    let trail = admin
        .page(&format!("/admin/events/{}/checkins", a.event_id))
        .await;
    assert_eq!(trail.matches("<td>Admitted</td>").count(), 1, "{trail}");
}

#[tokio::test]
async fn undo_with_a_reason_then_the_code_admits_again() {
    let (app, admin, a, _) = two_shows().await;
    let (_, _, codes) = app
        .paid_booking("ann@example.com", a.event_id, a.ticket_type_ids[0], 1)
        .await;
    let staff = app.door_staff(&admin, "door@example.com", "all").await;
    assert_eq!(
        staff.scan(a.event_id, &codes[0], "North").await.headline,
        "ADMIT"
    );
    let seat = app
        .admissions()
        .await
        .into_iter()
        .find(|s| s.code == codes[0])
        .unwrap();
    let undo = format!("/admin/admissions/{}/undo", seat.id);
    let event = a.event_id.to_string();

    // Door staff cannot undo; a reason is required.
    assert_eq!(staff.post(&undo, &[("reason", "x")]).await.status(), 403);
    let no_reason = admin
        .post(&undo, &[("reason", " "), ("event", &event)])
        .await;
    assert_eq!(
        location(&no_reason),
        format!("/admin/events/{event}/checkins")
    );
    assert!(admin.page(&location(&no_reason)).await.contains("Say why"));
    assert!(app.admissions().await[0].checked_in_at.is_some());

    let done = admin
        .post(
            &undo,
            &[("reason", "Scanned the wrong phone"), ("event", &event)],
        )
        .await;
    assert_eq!(location(&done), format!("/admin/events/{event}/checkins"));
    let trail = admin.page(&location(&done)).await;
    assert!(trail.contains("Check-in undone"));
    assert!(trail.contains("<td>Undone</td>") && trail.contains("Scanned the wrong phone"));
    assert!(trail.contains("admin@example.com") && trail.contains("door@example.com"));
    assert!(
        trail.contains("<td>North</td>"),
        "the gate it was checked in at"
    );

    // Undoing twice is a clear refusal, not a 5xx.
    let twice = admin
        .post(&undo, &[("reason", "again"), ("event", &event)])
        .await;
    assert!(
        admin
            .page(&location(&twice))
            .await
            .contains("nothing to undo")
    );

    let readmit = staff.scan(a.event_id, &codes[0], "South").await;
    assert_eq!(readmit.headline, "ADMIT");
    let again = staff.scan(a.event_id, &codes[0], "South").await;
    assert!(again.body.contains("at South."));
}

#[tokio::test]
async fn a_refunded_bookings_codes_are_not_valid() {
    let (app, admin, a, _) = two_shows().await;
    let (_, booking_id, codes) = app
        .paid_booking("ann@example.com", a.event_id, a.ticket_type_ids[0], 3)
        .await;
    let refunded = admin
        .post(
            &format!("/admin/tickets/{booking_id}/refund"),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(location(&refunded), "/admin/payments");
    let staff = app.door_staff(&admin, "door@example.com", "all").await;
    for code in &codes {
        let answer = staff.scan(a.event_id, code, "North").await;
        assert_eq!(answer.headline, "NOT VALID");
        assert!(answer.body.contains("This ticket is refunded."));
    }
    assert!(
        app.admissions()
            .await
            .iter()
            .all(|s| s.checked_in_at.is_none())
    );
    app.assert_books_clean().await;
}

#[tokio::test]
async fn door_staff_see_only_the_doors_of_their_events() {
    let (app, admin, a, b) = two_shows().await;
    let staff = app
        .door_staff(&admin, "door@example.com", &a.event_id.to_string())
        .await;
    let listing = staff.page("/door").await;
    assert!(listing.contains("Door Show") && !listing.contains("Other Show"));
    assert!(
        listing.contains("<a href=\"/door\">Door</a>"),
        "door staff see the Door link"
    );
    assert!(!listing.contains("href=\"/admin\""), "and no Admin link");
    assert_eq!(
        staff
            .get(&format!("/door/events/{}", a.event_id))
            .await
            .status(),
        200
    );
    assert_eq!(
        staff
            .get(&format!("/door/events/{}", b.event_id))
            .await
            .status(),
        404
    );
    let other = staff.scan_later(b.event_id, "X", "North", "n1").await.await;
    assert_eq!(other.0, 404, "nor scan there");
    for path in [
        "/admin".to_owned(),
        "/admin/door-staff".to_owned(),
        "/admin/payments".to_owned(),
        format!("/admin/events/{}/checkins", a.event_id),
        format!("/admin/events/{}/door-list", a.event_id),
        format!("/admin/events/{}/door-list.csv", a.event_id),
    ] {
        assert_eq!(staff.get(&path).await.status(), 403, "{path}");
    }

    let buyer = app.registered("buyer@example.com").await;
    assert_eq!(buyer.get("/door").await.status(), 403);
    assert!(!buyer.page("/").await.contains("href=\"/door\""));
    assert_eq!(
        buyer
            .get(&format!("/door/events/{}", a.event_id))
            .await
            .status(),
        403
    );
    let anonymous = app.visitor();
    let response = anonymous.get(&format!("/door/events/{}", a.event_id)).await;
    assert!(location(&response).starts_with("/login"));
    assert_eq!(admin.get("/door/events/999").await.status(), 404);

    // Granting all events, then taking both grants back.
    let response = admin
        .post(
            "/admin/door-staff",
            &[("email", "door@example.com"), ("event", "all")],
        )
        .await;
    assert_eq!(location(&response), "/admin/door-staff");
    assert_eq!(
        staff
            .get(&format!("/door/events/{}", b.event_id))
            .await
            .status(),
        200
    );
    let twice = admin
        .post(
            "/admin/door-staff",
            &[("email", "door@example.com"), ("event", "all")],
        )
        .await;
    let staff_page = admin.page(&location(&twice)).await;
    assert!(staff_page.contains("already had that access"));
    assert!(staff_page.contains("All events"));
    let ids: Vec<String> = staff_page
        .split("/admin/door-staff/")
        .skip(1)
        .map(|rest| rest.split('/').next().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 2);
    for id in ids {
        let response = admin
            .post(&format!("/admin/door-staff/{id}/revoke"), &[])
            .await;
        assert_eq!(location(&response), "/admin/door-staff");
    }
    assert_eq!(
        staff
            .get(&format!("/door/events/{}", a.event_id))
            .await
            .status(),
        403
    );

    // An email without an account, or a bad event: a message, nothing granted.
    let response = admin
        .post(
            "/admin/door-staff",
            &[("email", "nobody@example.com"), ("event", "all")],
        )
        .await;
    assert!(
        admin
            .page(&location(&response))
            .await
            .contains("No account uses nobody@example.com")
    );
    let response = admin
        .post(
            "/admin/door-staff",
            &[("email", "door@example.com"), ("event", "abc")],
        )
        .await;
    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn the_offline_lists_hold_every_valid_code() {
    let (app, admin, a, _) = two_shows().await;
    let (_, _, codes) = app
        .paid_booking("ann@example.com", a.event_id, a.ticket_type_ids[1], 2)
        .await;
    let (_, refunded, gone) = app
        .paid_booking("bob@example.com", a.event_id, a.ticket_type_ids[0], 1)
        .await;
    admin
        .post(
            &format!("/admin/tickets/{refunded}/refund"),
            &[("confirm", "yes")],
        )
        .await;

    let response = admin
        .get(&format!("/admin/events/{}/door-list.csv", a.event_id))
        .await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = response.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "code,ticket_type,seat,of,email,checked_in_at");
    assert_eq!(lines[1], format!("{},VIP,1,2,ann@example.com,", codes[0]));
    assert_eq!(lines[2], format!("{},VIP,2,2,ann@example.com,", codes[1]));
    assert_eq!(lines.len(), 3, "refunded codes are left out: {csv}");
    assert!(!csv.contains(&gone[0]));

    let printable = admin
        .page(&format!("/admin/events/{}/door-list", a.event_id))
        .await;
    assert!(printable.contains(&codes[0]) && printable.contains(&codes[1]));
    assert!(printable.contains("2 valid seats"));
}

/// One batch of scans (as the door line gathers them from several gates) is decided in
/// one transaction, each scan on its own: the answers come back in the order the scans
/// arrived although the scans are decided in their bookings' order, a code scanned
/// twice in one batch is admitted once, and every other answer is the one a scan alone
/// would get. The audit trail holds one admit per seat.
#[tokio::test]
async fn a_batch_of_scans_answers_each_scan_in_its_order() {
    use boxoffice::domain::door::answer::ScanAnswer;
    use boxoffice::domain::door::check_in::{GateScan, Scan, check_in_batch};
    use boxoffice::domain::door::input::{Gate, ScannedCode};

    let (app, _admin, a, b) = two_shows().await;
    let (_, first, first_codes) = app
        .paid_booking("first@example.com", a.event_id, a.ticket_type_ids[0], 1)
        .await;
    let (_, second, second_codes) = app
        .paid_booking("second@example.com", a.event_id, a.ticket_type_ids[0], 1)
        .await;
    let (_, _, elsewhere) = app
        .paid_booking("other@example.com", b.event_id, b.ticket_type_ids[0], 1)
        .await;
    assert!(first < second);
    let staff_id = app.bookings().await[0].user_id;
    let now = app.clock.now();
    let scan = |code: Option<&String>, gate: &str| GateScan {
        staff_id,
        scan: Scan {
            code: code.map(|c| ScannedCode(c.clone())),
            gate: Gate(gate.into()),
            nonce: None,
        },
        now,
    };
    // The later booking's seat first, then the earlier one's, then the first again.
    let batch = vec![
        scan(Some(&second_codes[0]), "North"),
        scan(Some(&first_codes[0]), "South"),
        scan(Some(&second_codes[0]), "East"),
        scan(None, "North"),
        scan(Some(&"X".repeat(12)), "North"),
        scan(Some(&elsewhere[0]), "North"),
    ];
    let event_id = a.event_id;
    let answers = app
        .with_db(move |conn| check_in_batch(conn, event_id, &batch).unwrap())
        .await;
    let answers: Vec<ScanAnswer> = answers.into_iter().map(Result::unwrap).collect();
    assert!(answers[0].is_admit(), "{:?}", answers[0]);
    assert!(answers[1].is_admit(), "{:?}", answers[1]);
    match &answers[2] {
        ScanAnswer::AlreadyCheckedIn { gate, .. } => assert_eq!(gate, "North"),
        other => panic!("the repeat in the batch answered {other:?}"),
    }
    assert_eq!(answers[3], ScanAnswer::UnknownCode);
    assert_eq!(answers[4], ScanAnswer::UnknownCode);
    assert!(
        matches!(&answers[5], ScanAnswer::WrongEvent { event_id, .. } if *event_id == b.event_id),
        "{:?}",
        answers[5]
    );
    let admitted: Vec<(String, Option<String>)> = app
        .admissions()
        .await
        .into_iter()
        .filter(|s| s.event_id == a.event_id)
        .map(|s| (s.code, s.gate))
        .collect();
    assert!(admitted.contains(&(second_codes[0].clone(), Some("North".into()))));
    assert!(admitted.contains(&(first_codes[0].clone(), Some("South".into()))));
    app.assert_books_clean().await;
}
