//! The API's contract as a partner's tools read it, through real HTTP on both engines:
//! the OpenAPI document (unique operationIds named for the action, public operations
//! marked `security: []`, a server, no unused component) and the HTTP rules the
//! document promises (415 for a body that is not JSON, …).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use support::TestApp;

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
    ] {
        assert_eq!(
            ids.get(id),
            Some(&(method.to_owned(), path.to_owned())),
            "{id}"
        );
    }

    // Public operations say so with `security: []`; every other one needs the bearer.
    let public: BTreeSet<&str> = ["createToken", "listEvents", "getEvent"].into();
    for (method, path, op) in &ops {
        let id = op["operationId"].as_str().unwrap();
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
