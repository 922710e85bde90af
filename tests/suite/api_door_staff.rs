//! Door staff over the admin API: an admin grants an account one event's door (or every
//! door), the grant works at once for the scanner app, granting twice changes nothing,
//! a grant taken back closes the door; bad input and other callers change nothing.

use serde_json::json;

use crate::support::fixtures::EventSpec;
use crate::support::{PASSWORD, TestApp};

#[tokio::test]
async fn an_admin_grants_and_takes_back_a_door_over_the_api() {
    let app = TestApp::spawn().await;
    let sale = app
        .create_event(EventSpec::new("Door").seats("A", 1000, 5))
        .await;
    let (_, _, codes) = app
        .paid_booking(
            "buyer@example.com",
            sale.event_id,
            sale.ticket_type_ids[0],
            2,
        )
        .await;
    let admin = app.api_admin().await;
    let door = app.api_user("door@example.com").await;
    let checkins = format!("/events/{}/checkins", sale.event_id);
    let scan = |code: &str, nonce: &str| json!({"code": code, "gate": "North", "nonce": nonce});
    assert_eq!(
        door.post(&checkins, &scan(&codes[0], "n0")).await.status,
        403,
        "no grant yet"
    );

    let granted = admin
        .post(
            "/admin/door-staff",
            &json!({"email": "Door@Example.com", "event_id": sale.event_id}),
        )
        .await;
    assert_eq!(granted.status, 201, "{:?}", granted.json);
    let id = granted.json["id"].as_i64().unwrap();
    assert_eq!(
        granted.header("location"),
        Some(format!("/api/v1/admin/door-staff/{id}").as_str())
    );
    assert_eq!(granted.json["email"], "door@example.com");
    assert_eq!(granted.json["event_id"], sale.event_id);
    assert_eq!(granted.json["event_title"], "Door");
    // Granting the same again: the same grant, nothing new.
    let again = admin
        .post(
            "/admin/door-staff",
            &json!({"email": "door@example.com", "event_id": sale.event_id}),
        )
        .await;
    assert_eq!((again.status, again.json["id"].as_i64()), (200, Some(id)));
    let listed = admin.get("/admin/door-staff").await;
    assert_eq!(listed.status, 200);
    assert_eq!(listed.json.as_array().unwrap().len(), 1);
    assert_eq!(listed.json[0]["id"].as_i64(), Some(id));

    // The grant opens the door at once; taken back, it closes it.
    let admit = door.post(&checkins, &scan(&codes[0], "n1")).await;
    assert_eq!(admit.json["result"], "admit", "{:?}", admit.json);
    let revoked = admin.delete(&format!("/admin/door-staff/{id}")).await;
    assert_eq!(revoked.status, 204);
    assert_eq!(
        door.post(&checkins, &scan(&codes[1], "n2")).await.status,
        403
    );
    let gone = admin.delete(&format!("/admin/door-staff/{id}")).await;
    assert_eq!((gone.status, gone.code()), (404, "not_found"));

    // Every event's door (event_id absent).
    let everywhere = admin
        .post("/admin/door-staff", &json!({"email": "door@example.com"}))
        .await;
    assert_eq!(everywhere.status, 201);
    assert_eq!(everywhere.json["event_id"], json!(null));
    let admit = door.post(&checkins, &scan(&codes[1], "n3")).await;
    assert_eq!(admit.json["result"], "admit", "{:?}", admit.json);
}

#[tokio::test]
async fn refused_grants_name_their_reason_and_change_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.api_admin().await;
    app.api_user("door@example.com").await;

    let nobody = admin
        .post("/admin/door-staff", &json!({"email": "nobody@example.com"}))
        .await;
    assert_eq!((nobody.status, nobody.code()), (409, "conflict"));
    let not_an_address = admin
        .post("/admin/door-staff", &json!({"email": "not an address"}))
        .await;
    assert_eq!(not_an_address.status, 422, "{:?}", not_an_address.json);
    assert_eq!(not_an_address.json["errors"][0]["field"], "email");
    let no_event = admin
        .post(
            "/admin/door-staff",
            &json!({"email": "door@example.com", "event_id": 999_999}),
        )
        .await;
    assert_eq!(no_event.status, 422, "{:?}", no_event.json);
    assert_eq!(no_event.json["errors"][0]["field"], "event_id");
    let not_json = admin
        .post_bytes("/admin/door-staff", None, b"email=door".to_vec())
        .await;
    assert!(
        not_json.status == 400 || not_json.status == 415,
        "{:?}",
        not_json.json
    );

    // Only admins: a buyer's token is refused, no token is asked for one.
    let buyer = app.api().logged_in("door@example.com", PASSWORD).await;
    let grant = json!({"email": "door@example.com"});
    assert_eq!(buyer.post("/admin/door-staff", &grant).await.status, 403);
    assert_eq!(buyer.get("/admin/door-staff").await.status, 403);
    assert_eq!(
        app.api().post("/admin/door-staff", &grant).await.status,
        401
    );

    let listed = admin.get("/admin/door-staff").await;
    assert_eq!(listed.json, json!([]), "nothing was granted");
}
