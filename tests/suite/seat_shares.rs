//! Seats for friends (issue 27), through the real handlers on whichever engine the suite
//! runs on: the owner of a group booking sends one seat to a friend, who gets its code by
//! mail under a new code; the owner's old copy answers NOT VALID at the door while the
//! friend's admits, with the seat's name; a seat re-sent moves on again; refusals change
//! nothing.

use crate::support::fixtures::EventSpec;
use crate::support::visitor::location;
use crate::support::{TestApp, Visitor};

/// A paid booking of three seats: (owner, booking, codes by position, event id).
async fn group(app: &TestApp) -> (Visitor, i32, Vec<String>, i32) {
    let show = app
        .create_event(EventSpec::new("Friends night").seats("Standing", 2500, 10))
        .await;
    let (owner, booking_id, codes) = app
        .paid_booking(
            "owner@example.com",
            show.event_id,
            show.ticket_type_ids[0],
            3,
        )
        .await;
    (owner, booking_id, codes, show.event_id)
}

async fn send(owner: &Visitor, booking_id: i32, position: i32, email: &str, name: &str) {
    let confirm = owner
        .page(&format!(
            "/bookings/{booking_id}/seats/{position}/send?email={}&name={}",
            email.replace('@', "%40"),
            name
        ))
        .await;
    assert!(
        confirm.contains("your copy of this seat's code stops working"),
        "{confirm}"
    );
    let sent = owner
        .post(
            &format!("/bookings/{booking_id}/seats/{position}/send"),
            &[("email", email), ("name", name)],
        )
        .await;
    assert_eq!(location(&sent), format!("/bookings/{booking_id}"));
}

async fn code_of(app: &TestApp, booking_id: i32, position: i32) -> String {
    app.admissions()
        .await
        .into_iter()
        .find(|a| a.booking_id == booking_id && a.position == position)
        .expect("the seat")
        .code
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_seat_sent_to_a_friend_admits_only_with_the_friends_new_code() {
    let app = TestApp::spawn().await;
    let (owner, booking_id, codes, event_id) = group(&app).await;
    send(&owner, booking_id, 2, "friend@example.com", "Ann").await;
    let new_code = code_of(&app, booking_id, 2).await;
    assert_ne!(new_code, codes[1], "a new code for the seat");
    assert_eq!(
        code_of(&app, booking_id, 1).await,
        codes[0],
        "other seats unchanged"
    );

    app.deliver_all().await;
    let mails = app.mails_to("friend@example.com").await;
    let mail = mails
        .iter()
        .find(|m| m.subject == "A ticket for Friends night from owner@example.com")
        .expect("the friend's mail");
    assert!(mail.body_text.contains(&new_code), "{}", mail.body_text);
    assert!(mail.body_html.contains("<svg"), "the QR image");
    assert!(
        mail.body_text.contains("/register"),
        "an invitation to an account"
    );

    let owner_page = owner.page(&format!("/bookings/{booking_id}")).await;
    assert!(
        owner_page.contains("Sent to friend@example.com"),
        "{owner_page}"
    );
    assert!(
        !owner_page.contains(&new_code),
        "the friend's code is theirs alone"
    );

    let admin = app.admin().await;
    let door = app.door_staff(&admin, "door@example.com", "all").await;
    let old = door.scan(event_id, &codes[1], "North").await;
    assert_eq!(old.headline, "NOT VALID");
    assert!(old.body.contains("sent to someone else"), "{}", old.body);
    let admitted = door.scan(event_id, &new_code, "North").await;
    assert_eq!(admitted.headline, "ADMIT");
    assert!(
        admitted.body.contains("Name on the ticket: Ann"),
        "{}",
        admitted.body
    );
    assert!(
        admitted.body.contains("friend@example.com"),
        "{}",
        admitted.body
    );
    assert_eq!(
        door.scan(event_id, &codes[0], "North").await.headline,
        "ADMIT"
    );
    app.assert_books_clean().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_seat_sent_on_again_leaves_the_first_friends_code_behind() {
    let app = TestApp::spawn().await;
    let (owner, booking_id, _, event_id) = group(&app).await;
    app.registered("second@example.com").await;
    send(&owner, booking_id, 3, "first@example.com", "").await;
    let first = code_of(&app, booking_id, 3).await;
    send(&owner, booking_id, 3, "second@example.com", "").await;
    let second = code_of(&app, booking_id, 3).await;
    assert_ne!(first, second);
    app.deliver_all().await;
    let to_second = app.mails_to("second@example.com").await;
    let mail = to_second
        .iter()
        .find(|m| m.subject.starts_with("A ticket for"))
        .expect("mailed");
    assert!(
        !mail.body_text.contains("/register"),
        "they have an account"
    );
    let admin = app.admin().await;
    let door = app.door_staff(&admin, "door@example.com", "all").await;
    assert_eq!(door.scan(event_id, &first, "G").await.headline, "NOT VALID");
    assert_eq!(door.scan(event_id, &second, "G").await.headline, "ADMIT");
    app.assert_books_clean().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sending_is_refused_for_a_checked_in_seat_another_booking_and_bad_input() {
    let app = TestApp::spawn().await;
    let (owner, booking_id, codes, event_id) = group(&app).await;
    let admin = app.admin().await;
    let door = app.door_staff(&admin, "door@example.com", "all").await;
    assert_eq!(door.scan(event_id, &codes[0], "G").await.headline, "ADMIT");
    let path = |position: i32| format!("/bookings/{booking_id}/seats/{position}/send");
    // A seat in already: refused, its code unchanged.
    owner
        .post(&path(1), &[("email", "friend@example.com"), ("name", "")])
        .await;
    assert_eq!(code_of(&app, booking_id, 1).await, codes[0]);
    // Another user's booking, and a seat that does not exist: not found.
    let stranger = app.registered("stranger@example.com").await;
    let theirs = stranger
        .post(&path(2), &[("email", "friend@example.com"), ("name", "")])
        .await;
    assert_eq!(theirs.status(), 404);
    let missing = owner
        .post(&path(9), &[("email", "friend@example.com"), ("name", "")])
        .await;
    assert_eq!(missing.status(), 404);
    // Not an address, one's own address, a name with a control character.
    for (email, name) in [
        ("not an address", ""),
        ("owner@example.com", ""),
        ("friend@example.com", "Ann\u{7}"),
    ] {
        let refused = owner
            .post(&path(2), &[("email", email), ("name", name)])
            .await;
        assert_eq!(
            location(&refused),
            format!("/bookings/{booking_id}"),
            "{email}"
        );
    }
    assert_eq!(
        code_of(&app, booking_id, 2).await,
        codes[1],
        "nothing changed"
    );
    // Naming a seat shows at the door.
    owner
        .post(
            &format!("/bookings/{booking_id}/seats/3/name"),
            &[("name", "  Bo   Li ")],
        )
        .await;
    let named = door.scan(event_id, &codes[2], "G").await;
    assert!(
        named.body.contains("Name on the ticket: Bo Li"),
        "{}",
        named.body
    );
    app.assert_books_clean().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_owner_sends_a_bounded_number_of_seats_an_hour() {
    let app = TestApp::spawn_with(&[("SEAT_SENDS_PER_HOUR", "2")]).await;
    let (owner, booking_id, codes, _) = group(&app).await;
    send(&owner, booking_id, 2, "a@example.com", "").await;
    send(&owner, booking_id, 3, "b@example.com", "").await;
    let third = owner
        .post(
            &format!("/bookings/{booking_id}/seats/1/send"),
            &[("email", "c@example.com"), ("name", "")],
        )
        .await;
    assert_eq!(location(&third), format!("/bookings/{booking_id}"));
    let page = owner.page(&format!("/bookings/{booking_id}")).await;
    assert!(page.contains("sent many seats in a short time"), "{page}");
    assert_eq!(code_of(&app, booking_id, 1).await, codes[0], "nothing sent");
    app.deliver_all().await;
    assert!(app.mails_to("c@example.com").await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_listed_bookings_seats_stay_as_they_are_until_the_listing_is_withdrawn() {
    let app = TestApp::spawn().await;
    let (owner, booking_id, codes, _) = group(&app).await;
    owner
        .post(&format!("/bookings/{booking_id}/resale"), &[("price", "")])
        .await;
    let page = owner.page(&format!("/bookings/{booking_id}")).await;
    assert!(!page.contains("seats/2/send"), "no send form while listed");
    owner
        .post(
            &format!("/bookings/{booking_id}/seats/2/send"),
            &[("email", "friend@example.com"), ("name", "")],
        )
        .await;
    assert_eq!(
        code_of(&app, booking_id, 2).await,
        codes[1],
        "refused while listed"
    );
    app.assert_books_clean().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_seat_sent_to_two_friends_at_once_ends_with_one_of_them_holding_it() {
    // Twelve sends: above the default hourly allowance of 10.
    let app = TestApp::spawn_with(&[("SEAT_SENDS_PER_HOUR", "100")]).await;
    let (owner, booking_id, codes, event_id) = group(&app).await;
    let path = format!("/bookings/{booking_id}/seats/2/send");
    for round in 0..6 {
        let before = code_of(&app, booking_id, 2).await;
        let (a, b) = (owner.at(&app.address), owner.at(&app.address));
        let (pa, pb) = (path.clone(), path.clone());
        let (first, second) = (
            format!("a{round}@example.com"),
            format!("b{round}@example.com"),
        );
        let (fa, fb) = (first.clone(), second.clone());
        crate::support::race::together(
            async move { a.post(&pa, &[("email", &fa), ("name", "")]).await.status() },
            async move { b.post(&pb, &[("email", &fb), ("name", "")]).await.status() },
        )
        .await;
        let seat = app
            .admissions()
            .await
            .into_iter()
            .find(|s| s.booking_id == booking_id && s.position == 2)
            .expect("the seat");
        assert_ne!(seat.code, before, "round {round}: re-issued");
        let holder = seat.holder_email.clone().expect("sent");
        assert!(
            holder == first || holder == second,
            "round {round}: {holder}"
        );
        // Both sends went through one after the other: the code before and the first
        // send's code are retired; only the last friend's code admits.
        let code = seat.code.clone();
        let retired = app
            .with_db(move |conn| boxoffice::db::retired_codes::find(conn, &code).expect("read"))
            .await;
        assert!(
            retired.is_none(),
            "round {round}: the seat's code is not retired"
        );
        let old = before.clone();
        let was = app
            .with_db(move |conn| boxoffice::db::retired_codes::find(conn, &old).expect("read"))
            .await;
        assert!(was.is_some(), "round {round}: the code before is retired");
    }
    let admin = app.admin().await;
    let door = app.door_staff(&admin, "door@example.com", "all").await;
    assert_eq!(
        door.scan(event_id, &codes[1], "G").await.headline,
        "NOT VALID"
    );
    let now = code_of(&app, booking_id, 2).await;
    assert_eq!(door.scan(event_id, &now, "G").await.headline, "ADMIT");
    app.assert_books_clean().await;
}
