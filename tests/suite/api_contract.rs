//! The API's contract as a partner's tools read it, through real HTTP on both engines:
//! the OpenAPI document (unique operationIds named for the action, public operations
//! marked `security: []`, a server, no unused component) and the HTTP rules the
//! document promises (415 for a body that is not JSON, …).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use std::collections::{BTreeMap, BTreeSet};

use reqwest::Method;
use serde_json::{Value, json};
use support::fixtures::EventSpec;
use support::{PASSWORD, TestApp};

const METHODS: [&str; 7] = ["get", "head", "post", "put", "patch", "delete", "options"];

/// (method, path, operation) for every operation of the document.
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut found = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in METHODS {
            if let Some(op) = item.get(method) {
                found.push((method.to_owned(), path.clone(), op.clone()));
            }
        }
    }
    found
}

/// Every `$ref` string anywhere under `value`.
fn references(value: &Value, into: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                match (key.as_str(), inner) {
                    ("$ref", Value::String(target)) => {
                        into.insert(target.clone());
                    }
                    _ => references(inner, into),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| references(item, into)),
        _ => {}
    }
}

#[tokio::test]
async fn the_document_names_every_operation_once_marks_public_ones_and_uses_every_component() {
    let app = TestApp::spawn().await;
    let reply = app.api().get("/openapi.json").await;
    assert_eq!(reply.status, 200);
    let doc = reply.json;

    // operationIds: present, unique, named for the action.
    let ops = operations(&doc);
    let mut ids: BTreeMap<String, (String, String)> = BTreeMap::new();
    for (method, path, op) in &ops {
        let id = op["operationId"]
            .as_str()
            .unwrap_or_else(|| panic!("{method} {path} has no operationId"));
        assert!(
            id.chars().next().is_some_and(|c| c.is_ascii_lowercase())
                && id.chars().all(|c| c.is_ascii_alphanumeric()),
            "{method} {path}: operationId {id:?} is not lowerCamelCase"
        );
        if let Some(other) = ids.insert(id.to_owned(), (method.clone(), path.clone())) {
            panic!("operationId {id} on both {other:?} and {method} {path}");
        }
    }
    for (id, method, path) in [
        ("listEvents", "get", "/api/v1/events"),
        ("getEvent", "get", "/api/v1/events/{id}"),
        ("createBooking", "post", "/api/v1/events/{id}/bookings"),
        ("listBookings", "get", "/api/v1/bookings"),
        ("getBooking", "get", "/api/v1/bookings/{id}"),
        ("checkoutBooking", "post", "/api/v1/bookings/{id}/checkout"),
        ("cancelBooking", "post", "/api/v1/bookings/{id}/cancel"),
        ("createToken", "post", "/api/v1/tokens"),
        ("revokeCurrentToken", "delete", "/api/v1/tokens/current"),
        ("checkInTicket", "post", "/api/v1/events/{id}/checkins"),
        ("createEvent", "post", "/api/v1/admin/events"),
        ("deleteEvent", "delete", "/api/v1/admin/events/{id}"),
        (
            "refundBooking",
            "post",
            "/api/v1/admin/bookings/{id}/refund",
        ),
        ("listResaleOffers", "get", "/api/v1/events/{id}/resale"),
        (
            "createResaleListing",
            "post",
            "/api/v1/bookings/{id}/resale",
        ),
        ("showResaleListing", "get", "/api/v1/resale/{id}"),
        ("repriceResaleListing", "patch", "/api/v1/resale/{id}"),
        ("withdrawResaleListing", "delete", "/api/v1/resale/{id}"),
        (
            "purchaseResaleListing",
            "post",
            "/api/v1/resale/{id}/purchase",
        ),
        ("giveBooking", "post", "/api/v1/bookings/{id}/gift"),
        ("createAccount", "post", "/api/v1/accounts"),
        ("createPersonalToken", "post", "/api/v1/tokens/personal"),
        ("listPersonalTokens", "get", "/api/v1/tokens/personal"),
        (
            "revokePersonalToken",
            "delete",
            "/api/v1/tokens/personal/{id}",
        ),
    ] {
        assert_eq!(
            ids.get(id),
            Some(&(method.to_owned(), path.to_owned())),
            "{id}"
        );
    }

    // Public operations say so with `security: []`; every other one needs the bearer.
    let public: BTreeSet<&str> = [
        "createAccount",
        "createToken",
        "listEvents",
        "getEvent",
        "listResaleOffers",
    ]
    .into();
    for (method, path, op) in &ops {
        let id = op["operationId"].as_str().unwrap();
        // A GET's HEAD is as public as the GET.
        let id = id.strip_suffix("Head").unwrap_or(id);
        let security = op["security"]
            .as_array()
            .unwrap_or_else(|| panic!("{method} {path} states no security"));
        if public.contains(id) {
            assert!(security.is_empty(), "{id} is public: {security:?}");
            if id != "createToken" {
                assert!(op["responses"].get("401").is_none(), "{id} never 401s");
            }
        } else {
            assert_eq!(
                security,
                &vec![serde_json::json!({"bearer": []})],
                "{id} needs a token"
            );
            assert!(op["responses"]["401"].is_object(), "{id} lists its 401");
        }
    }
    // The public ones really answer without a token.
    assert_eq!(app.api().get("/events").await.status, 200);

    // A server to send the requests to.
    let servers = doc["servers"].as_array().expect("servers");
    assert!(!servers.is_empty());
    assert!(servers.iter().all(|s| s["url"].is_string()));

    // Every component is used, and every reference resolves.
    let mut used = BTreeSet::new();
    references(&doc["paths"], &mut used);
    // Components referring to components count once something in a path reaches them.
    loop {
        let before = used.len();
        for target in used.clone() {
            let pointer = target.trim_start_matches('#');
            let found = doc
                .pointer(pointer)
                .unwrap_or_else(|| panic!("{target} does not resolve"));
            references(found, &mut used);
        }
        if used.len() == before {
            break;
        }
    }
    for kind in [
        "schemas",
        "responses",
        "parameters",
        "requestBodies",
        "headers",
    ] {
        for name in doc["components"][kind]
            .as_object()
            .map(|m| m.keys().cloned().collect::<Vec<_>>())
            .unwrap_or_default()
        {
            let target = format!("#/components/{kind}/{name}");
            assert!(used.contains(&target), "{target} is never used");
        }
    }
    for scheme in doc["components"]["securitySchemes"]
        .as_object()
        .unwrap()
        .keys()
    {
        assert!(
            ops.iter().any(|(_, _, op)| op["security"]
                .as_array()
                .is_some_and(|s| s.iter().any(|r| r.get(scheme).is_some()))),
            "security scheme {scheme} is never used"
        );
    }
}

// ---- 415 ----------------------------------------------------------------------------

#[tokio::test]
async fn a_body_that_is_not_json_is_415_and_changes_nothing_while_bodiless_requests_pass() {
    let app = TestApp::spawn().await;
    let sale = app
        .create_event(EventSpec::new("Concert").seats("Standing", 2500, 10))
        .await;
    let buyer = app.api_user("buyer@example.com").await;
    let path = format!("/events/{}/bookings", sale.event_id);
    let body =
        serde_json::to_vec(&json!({"ticket_type_id": sale.ticket_type_ids[0], "quantity": 2}))
            .unwrap();

    // Valid JSON, but not said to be: refused before anything is held or kept.
    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("text/json"),
        None,
    ] {
        let refused = buyer
            .send_typed(Method::POST, &path, content_type, Some("k1"), body.clone())
            .await;
        assert_eq!(refused.status, 415, "{content_type:?}: {:?}", refused.json);
        assert!(refused.is_problem(), "{content_type:?}");
        assert_eq!(refused.code(), "unsupported_media_type");
        assert_eq!(refused.json["status"], 415);
        assert!(
            refused.json["detail"]
                .as_str()
                .unwrap()
                .contains("application/json")
        );
    }
    assert_eq!(app.bookings().await.len(), 0);
    assert_eq!(app.available(sale.ticket_type_ids[0]).await, 10);

    // The same key with the right type runs: the refusals were not kept under it.
    let held = buyer
        .send_typed(
            Method::POST,
            &path,
            Some("application/json; charset=utf-8"),
            Some("k1"),
            body.clone(),
        )
        .await;
    assert_eq!(held.status, 201, "{:?}", held.json);
    assert_eq!(app.available(sale.ticket_type_ids[0]).await, 8);
    let booking_id = held.json["id"].as_i64().unwrap();

    // A `+json` type is JSON too.
    let token = app
        .api()
        .send_typed(
            Method::POST,
            "/tokens",
            Some("application/vnd.boxoffice+json"),
            None,
            serde_json::to_vec(&json!({"email": "buyer@example.com", "password": PASSWORD}))
                .unwrap(),
        )
        .await;
    assert_eq!(token.status, 201, "{:?}", token.json);

    // A bodiless request is unaffected by whatever Content-Type it carries.
    let cancelled = buyer
        .send_typed(
            Method::POST,
            &format!("/bookings/{booking_id}/cancel"),
            Some("text/plain"),
            None,
            Vec::new(),
        )
        .await;
    assert_eq!(cancelled.status, 200, "{:?}", cancelled.json);
    assert_eq!(cancelled.json["status"], "cancelled");
    assert_eq!(app.available(sale.ticket_type_ids[0]).await, 10);

    // The document promises the 415 on every operation with a body, and only there.
    let doc = app.api().get("/openapi.json").await.json;
    for (method, path, op) in operations(&doc) {
        assert_eq!(
            op["responses"].get("415").is_some(),
            op.get("requestBody").is_some(),
            "{method} {path}"
        );
    }
}

// ---- Retry-After of a key in flight ---------------------------------------------------

#[tokio::test]
async fn retry_after_of_a_key_in_flight_is_the_real_wait_not_the_lease() {
    use boxoffice::domain::api::idempotency::{LEASE, begin, fingerprint};
    use chrono::TimeDelta;

    let app = TestApp::spawn().await;
    let sale = app
        .create_event(EventSpec::new("In flight").seats("A", 1000, 10))
        .await;
    let buyer = app.api_user("buyer@example.com").await;
    let user_id = app
        .with_db(|conn| {
            boxoffice::db::users::find_by_email(conn, "buyer@example.com")
                .unwrap()
                .unwrap()
                .id
        })
        .await;
    let path = format!("/events/{}/bookings", sale.event_id);
    let body = json!({"ticket_type_id": sale.ticket_type_ids[0]});
    let hash = fingerprint(
        "POST",
        &format!("/api/v1{path}"),
        serde_json::to_vec(&body).unwrap().as_slice(),
    );
    // Another instance's first request with this key has just started.
    let now = app.clock.now();
    app.with_db(move |conn| begin(conn, now, user_id, "busy", &hash).unwrap())
        .await;
    let wait_now = || async {
        let reply = buyer.post_keyed(&path, "busy", &body).await;
        assert_eq!((reply.status, reply.code()), (409, "idempotency_in_flight"));
        assert!(reply.is_problem());
        reply.header("retry-after").unwrap().parse::<i64>().unwrap()
    };
    // Requests take milliseconds: retry in a second, not when the 60 s lease ends.
    assert_eq!(wait_now().await, 1);
    // A first request that has run 20 s is a slow one: wait about as long again.
    app.clock.advance(TimeDelta::seconds(20));
    assert_eq!(wait_now().await, 20);
    // Never past the lease, after which the key is taken over.
    app.clock.advance(TimeDelta::seconds(30));
    assert_eq!(wait_now().await, LEASE.num_seconds() - 50);
    assert!(app.bookings().await.is_empty(), "nothing ran meanwhile");

    // The document says what the number means.
    let doc = app.api().get("/openapi.json").await.json;
    let conflict = &doc["paths"]["/api/v1/events/{id}/bookings"]["post"]["responses"]["409"];
    assert!(conflict["headers"]["Retry-After"].is_object(), "{conflict}");
}

// ---- 422 for a wrong reference, 400 for unreadable JSON, 409 for state ---------------

#[tokio::test]
async fn a_ticket_type_of_another_event_is_422_unlike_unreadable_json_or_a_sold_out_type() {
    let app = TestApp::spawn().await;
    let sale = app
        .create_event(EventSpec::new("Club").seats("Last", 1000, 1))
        .await;
    let other = app
        .create_event(EventSpec::new("Elsewhere").seats("X", 100, 5))
        .await;
    let buyer = app.api_user("buyer@example.com").await;
    let path = format!("/events/{}/bookings", sale.event_id);

    // Readable JSON naming a ticket type that is not this event's: semantically wrong.
    let foreign = buyer
        .post_keyed(
            &path,
            "k1",
            &json!({"ticket_type_id": other.ticket_type_ids[0]}),
        )
        .await;
    assert_eq!(
        (foreign.status, foreign.code()),
        (422, "validation"),
        "{:?}",
        foreign.json
    );
    assert!(foreign.is_problem());
    assert_eq!(foreign.json["errors"][0]["field"], "ticket_type_id");
    assert!(
        foreign.json["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("not sold for this event")
    );
    // Bytes that are not JSON stay a 400.
    let garbage = buyer
        .post_bytes(&path, Some("k2"), b"{\"ticket_type_id\": ".to_vec())
        .await;
    assert_eq!((garbage.status, garbage.code()), (400, "bad_request"));
    assert!(app.bookings().await.is_empty());
    assert_eq!(app.available(other.ticket_type_ids[0]).await, 5);

    // A state conflict stays a 409: the last seat goes, then it is sold out.
    let first = buyer
        .post_keyed(
            &path,
            "k3",
            &json!({"ticket_type_id": sale.ticket_type_ids[0]}),
        )
        .await;
    assert_eq!(first.status, 201, "{:?}", first.json);
    let late = app.api_user("late@example.com").await;
    let sold_out = late
        .post_keyed(
            &path,
            "k4",
            &json!({"ticket_type_id": sale.ticket_type_ids[0]}),
        )
        .await;
    assert_eq!((sold_out.status, sold_out.code()), (409, "sold_out"));
    assert_eq!(app.bookings().await.len(), 1);
    assert_eq!(app.available(sale.ticket_type_ids[0]).await, 0);

    // The web form says the same thing with a 422 page, and holds nothing either.
    let visitor = app.registered("web@example.com").await;
    let page = visitor
        .reserve(sale.event_id, other.ticket_type_ids[0])
        .await;
    assert_eq!(page.status(), 422);
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("That ticket type is not sold for this event.")
    );
    assert_eq!(app.bookings().await.len(), 1);
    assert_eq!(app.available(other.ticket_type_ids[0]).await, 5);
    app.assert_books_clean().await;
}

// ---- HEAD -----------------------------------------------------------------------------

/// Headers that differ between any two requests.
const PER_REQUEST: [&str; 5] = [
    "date",
    "x-request-id",
    "ratelimit-remaining",
    "ratelimit-reset",
    "set-cookie",
];

fn comparable(headers: &reqwest::header::HeaderMap) -> BTreeMap<String, String> {
    headers
        .iter()
        .filter(|(name, _)| !PER_REQUEST.contains(&name.as_str()))
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                value.to_str().unwrap_or("?").to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn head_answers_every_get_route_with_its_status_and_headers_and_no_body() {
    let app = TestApp::spawn().await;
    let sale = app
        .create_event(EventSpec::new("Concert").seats("Standing", 2500, 10))
        .await;
    let admin = app.api_admin().await;
    let buyer = app.api_user("buyer@example.com").await;
    let held = buyer
        .post_keyed(
            &format!("/events/{}/bookings", sale.event_id),
            "k1",
            &json!({"ticket_type_id": sale.ticket_type_ids[0]}),
        )
        .await;
    assert_eq!(held.status, 201);
    let booking_id = held.json["id"].as_i64().unwrap();
    // A seller's listing, for the seller's GET of it.
    let (_, paid_booking, _) = app
        .paid_booking(
            "seller@example.com",
            sale.event_id,
            sale.ticket_type_ids[0],
            1,
        )
        .await;
    let seller = app.api().logged_in("seller@example.com", PASSWORD).await;
    let listed = seller
        .post_keyed(
            &format!("/bookings/{paid_booking}/resale"),
            "l1",
            &json!({}),
        )
        .await;
    assert_eq!(listed.status, 201, "{:?}", listed.json);
    let listing_id = listed.json["id"].as_i64().unwrap();
    // A webhook endpoint, for the admin's GET of it.
    let endpoint = admin
        .post(
            "/admin/webhook-endpoints",
            &json!({"url": "https://partner.example.com/hook"}),
        )
        .await;
    assert_eq!(endpoint.status, 201, "{:?}", endpoint.json);
    let endpoint_id = endpoint.json["id"].as_i64().unwrap();

    let doc = app.api().get("/openapi.json").await.json;
    let ops = operations(&doc);
    let gets: Vec<&(String, String, Value)> = ops.iter().filter(|(m, ..)| m == "get").collect();
    assert_eq!(gets.len(), 16);
    for (_, path, op) in gets {
        // The document has a HEAD beside it, without content.
        let head = &doc["paths"][path.as_str()]["head"];
        assert_eq!(
            head["operationId"].as_str().unwrap(),
            format!("{}Head", op["operationId"].as_str().unwrap())
        );
        assert_eq!(head["security"], op["security"], "{path}");
        for (status, answer) in head["responses"].as_object().unwrap() {
            assert!(answer.get("content").is_none(), "HEAD {path} {status}");
        }

        let client = if path.starts_with("/api/v1/admin") || path == "/api/v1/events-feed" {
            &admin
        } else if path.starts_with("/api/v1/bookings") || path.starts_with("/api/v1/tokens") {
            &buyer
        } else if path.starts_with("/api/v1/resale") {
            &seller
        } else {
            &app.api()
        };
        let id = if path.starts_with("/api/v1/admin/webhook-endpoints/") {
            endpoint_id.to_string()
        } else if path.starts_with("/api/v1/bookings/") {
            booking_id.to_string()
        } else if path.starts_with("/api/v1/resale/") {
            listing_id.to_string()
        } else {
            sale.event_id.to_string()
        };
        let relative = path.trim_start_matches("/api/v1").replace("{id}", &id);
        let got = client
            .send_typed(Method::GET, &relative, None, None, Vec::new())
            .await;
        let headed = client
            .send_typed(Method::HEAD, &relative, None, None, Vec::new())
            .await;
        assert_eq!(got.status, 200, "GET {relative}: {:?}", got.json);
        assert_eq!(headed.status, got.status, "HEAD {relative}");
        assert_eq!(headed.json, Value::Null, "HEAD {relative} has no body");
        assert_eq!(
            comparable(&headed.headers),
            comparable(&got.headers),
            "HEAD {relative}"
        );
        assert!(headed.header("content-length").is_some_and(|l| l != "0"));
    }
    // A miss is the GET's miss, as a HEAD.
    let missing = app
        .api()
        .send_typed(Method::HEAD, "/events/999999", None, None, Vec::new())
        .await;
    assert_eq!(missing.status, 404);
    assert!(missing.is_problem());
    // A path without a GET still refuses HEAD, and says what it answers.
    let post_only = app
        .api()
        .send_typed(Method::HEAD, "/tokens", None, None, Vec::new())
        .await;
    assert_eq!(post_only.status, 405);
    assert_eq!(post_only.header("allow"), Some("POST"));
    let both = app
        .api()
        .send_typed(
            Method::PUT,
            &format!("/events/{}", sale.event_id),
            None,
            None,
            Vec::new(),
        )
        .await;
    assert_eq!(both.header("allow"), Some("GET, HEAD"));
    // HEAD changed nothing.
    assert_eq!(app.bookings().await.len(), 2);

    // The shop's pages too.
    let http = reqwest::Client::new();
    for page in [
        "/".to_owned(),
        format!("/events/{}", sale.event_id),
        "/login".to_owned(),
        "/healthz".to_owned(),
        "/api/v1/docs".to_owned(),
    ] {
        let url = format!("{}{page}", app.address);
        let got = http.get(&url).send().await.unwrap();
        let headed = http.head(&url).send().await.unwrap();
        assert_eq!(got.status(), 200, "GET {page}");
        assert_eq!(headed.status(), got.status(), "HEAD {page}");
        assert_eq!(
            comparable(headed.headers()),
            comparable(got.headers()),
            "HEAD {page}"
        );
        assert!(headed.bytes().await.unwrap().is_empty());
    }

    // On the wire: the headers, then nothing (the connection is closed after them).
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = app.address.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&host).await.unwrap();
    stream
        .write_all(
            format!("HEAD /api/v1/events HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
        .await
        .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let raw = String::from_utf8(raw).unwrap();
    assert!(raw.starts_with("HTTP/1.1 200"), "{raw}");
    assert!(
        raw.ends_with("\r\n\r\n"),
        "nothing after the headers: {raw}"
    );
}

// ---- ETag / If-None-Match ----------------------------------------------------------

#[tokio::test]
async fn the_public_event_and_the_events_list_answer_304_while_unchanged() {
    let app = TestApp::spawn().await;
    let sale = app
        .create_event(EventSpec::new("Concert").seats("Standing", 2500, 10))
        .await;
    let api = app.api();
    let base = format!("{}/api/v1", app.address);
    let ask = |path: String, tags: Vec<String>| {
        let api = api.clone();
        let url = format!("{base}{path}");
        async move {
            let mut builder = reqwest::Client::new().get(url);
            for tag in &tags {
                builder = builder.header("If-None-Match", tag);
            }
            api.send(builder).await
        }
    };
    let event_path = format!("/events/{}", sale.event_id);
    for path in [event_path.clone(), "/events".to_owned()] {
        let first = ask(path.clone(), vec![]).await;
        assert_eq!(first.status, 200);
        let tag = first.header("etag").unwrap().to_owned();
        assert!(tag.starts_with('"') && tag.ends_with('"'), "{tag}");
        assert_eq!(first.header("cache-control"), Some("no-cache"));
        // The same answer gives the same tag.
        assert_eq!(
            ask(path.clone(), vec![]).await.header("etag"),
            Some(tag.as_str())
        );

        for held in [
            vec![tag.clone()],
            vec![format!("W/{tag}")],
            vec![format!("\"stale\", {tag}")],
            vec!["\"stale\"".to_owned(), tag.clone()],
            vec!["*".to_owned()],
        ] {
            let unchanged = ask(path.clone(), held.clone()).await;
            assert_eq!(unchanged.status, 304, "{path} {held:?}");
            assert_eq!(unchanged.json, Value::Null, "no body");
            assert_eq!(unchanged.header("etag"), Some(tag.as_str()));
        }
        let other = ask(path.clone(), vec!["\"stale\"".to_owned()]).await;
        assert_eq!(other.status, 200);
        assert!(other.json.is_object());
        // HEAD revalidates the same way.
        let head = api
            .send(
                reqwest::Client::new()
                    .head(format!("{}/api/v1{path}", app.address))
                    .header("If-None-Match", &tag),
            )
            .await;
        assert_eq!(head.status, 304);
    }

    // A seat is held: the event changed, so the old tags are stale.
    let before_event = ask(event_path.clone(), vec![]).await;
    let before_list = ask("/events".to_owned(), vec![]).await;
    let buyer = app.api_user("buyer@example.com").await;
    let held = buyer
        .post_keyed(
            &format!("/events/{}/bookings", sale.event_id),
            "k1",
            &json!({"ticket_type_id": sale.ticket_type_ids[0], "quantity": 3}),
        )
        .await;
    assert_eq!(held.status, 201);
    for (path, before) in [
        (event_path.clone(), before_event),
        ("/events".to_owned(), before_list),
    ] {
        let old = before.header("etag").unwrap().to_owned();
        let changed = ask(path.clone(), vec![old.clone()]).await;
        assert_eq!(changed.status, 200, "{path}");
        assert_ne!(changed.header("etag"), Some(old.as_str()));
        let seats = if path == "/events" {
            &changed.json["results"][0]["ticket_types"][0]["seats_left"]
        } else {
            &changed.json["ticket_types"][0]["seats_left"]
        };
        assert_eq!(seats, 7, "{path}: {}", changed.json);
    }
}
