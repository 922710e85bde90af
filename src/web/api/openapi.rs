//! The API's OpenAPI 3.1 document, generated from the handlers' and shapes' own
//! annotations (`GET /api/v1/openapi.json`); `docs_page` shows it as a readable page.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use actix_web::{HttpResponse, get};
use serde_json::Value;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::problem::{FieldError, Problem, ProblemBody};
use super::{
    accounts, admin_events, admin_sales, bookings, box_office, box_office_staff, checkins,
    door_staff, events, events_feed, give_back, personal_tokens, resale, resale_offers, tokens,
    webhooks,
};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "boxoffice API",
        version = "1",
        description = "The ticket shop's JSON API: log in for a bearer token, browse events, \
            hold seats, pay on the returned checkout page, read your codes; resell a paid \
            booking to another fan or give it away, buy one another fan offers; admins manage \
            events, ticket types, bookings and refunds; door staff check codes in. Errors are \
            RFC 9457 problems with a stable `code`. Changing requests take an \
            `Idempotency-Key` (required for bookings, checkout, resale and gifts). Rate \
            limits: see the `RateLimit-*` headers."
    ),
    servers((url = "/", description = "This shop: the origin that serves this document")),
    paths(
        accounts::create,
        tokens::create,
        tokens::revoke,
        personal_tokens::create,
        personal_tokens::list,
        personal_tokens::revoke,
        events::list,
        events::show,
        bookings::create,
        bookings::list,
        bookings::show,
        bookings::checkout,
        bookings::cancel,
        give_back::give_back_seats,
        resale_offers::offers,
        resale_offers::purchase,
        resale::create,
        resale::show,
        resale::reprice,
        resale::withdraw,
        resale::give,
        checkins::create,
        admin_events::list,
        admin_events::create,
        admin_events::show,
        admin_events::update,
        admin_events::remove,
        admin_events::publish,
        admin_events::unpublish,
        admin_events::cancel,
        admin_events::add_ticket_type,
        admin_events::update_ticket_type,
        admin_sales::bookings,
        admin_sales::payments,
        admin_sales::refund,
        door_staff::list,
        door_staff::grant,
        door_staff::revoke,
        webhooks::list,
        webhooks::create,
        webhooks::show,
        webhooks::update,
        webhooks::enable,
        webhooks::disable,
        webhooks::remove,
        webhooks::replay,
        events_feed::feed,
        box_office::create,
        box_office_staff::list,
        box_office_staff::grant,
        box_office_staff::revoke,
    ),
    components(schemas(ProblemBody, FieldError)),
    modifiers(&BearerAuth),
    tags(
        (name = "tokens", description = "Signing up, logging in and out, personal access tokens"),
        (name = "events", description = "The public catalogue"),
        (name = "bookings", description = "Your bookings: hold, pay, read codes, cancel"),
        (name = "resale", description = "Resale between fans at face value, and gifts: offer your paid booking, buy another fan's, give one away"),
        (name = "door", description = "Checking codes in"),
        (name = "admin", description = "Events, ticket types, sales, refunds, door staff, webhook endpoints and the events feed (admins)"),
        (name = "box-office", description = "Selling seats to named customers (box office staff and admins)"),
    ),
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The document, built once.
pub fn document() -> &'static Value {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or(Value::Null);
        add_shared_answers(&mut doc);
        super::openapi_links::add_links(&mut doc);
        add_head_operations(&mut doc);
        drop_unused_schemas(&mut doc);
        doc
    })
}

/// The methods a path has.
pub const METHODS: [&str; 6] = ["get", "head", "post", "patch", "put", "delete"];

/// A `HEAD` beside every `GET` (`web::head` answers it as the GET, headers only): the
/// same parameters, security and answers without their content, named
/// `<getOperation>Head`.
fn add_head_operations(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut() {
        let Some(mut op) = item.get("get").cloned() else {
            continue;
        };
        if let Some(id) = op.get("operationId").and_then(Value::as_str) {
            op["operationId"] = Value::String(format!("{id}Head"));
        }
        let summary = "The same as the GET, headers only (no body).";
        op["summary"] = Value::String(summary.to_owned());
        if let Some(object) = op.as_object_mut() {
            object.remove("description");
        }
        if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
            for response in responses.values_mut() {
                if let Some(response) = response.as_object_mut() {
                    response.remove("content");
                    // Links read the answer's body, which a HEAD has not.
                    response.remove("links");
                }
            }
        }
        item["head"] = op;
    }
}

/// Answers every operation can give, added where an operation does not list them: 400
/// (a header or parameter that cannot be read) and 429 (the rate limits are in front of
/// every route); 415 and 413 where it takes a body; 401 and 403 (not an admin, or beyond the
/// token's scope) where a token is needed, 404 where a path names a resource; with an `Idempotency-Key`, 409 (in flight) and 422 (malformed
/// or reused).
fn add_shared_answers(doc: &mut Value) {
    let problem = |description: &str| {
        serde_json::json!({
            "description": description,
            "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/ProblemBody"}}}
        })
    };
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut() {
        for method in METHODS {
            let Some(op) = item.get_mut(method) else {
                continue;
            };
            let secured = needs_token(op);
            let admin = op["tags"][0] == "admin";
            let by_id = op
                .get("parameters")
                .and_then(Value::as_array)
                .is_some_and(|params| params.iter().any(|p| p["in"] == "path"));
            let keyed = op
                .get("parameters")
                .and_then(Value::as_array)
                .is_some_and(|params| params.iter().any(|p| p["name"] == "Idempotency-Key"));
            let has_body = op.get("requestBody").is_some();
            let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
                continue;
            };
            if has_body {
                responses.entry("415").or_insert_with(|| {
                    problem("A body whose Content-Type is not JSON (`unsupported_media_type`)")
                });
                responses.entry("413").or_insert_with(|| {
                    problem("A body larger than the API accepts, 16 KiB (`payload_too_large`)")
                });
            }
            if secured {
                responses.entry("401").or_insert_with(|| {
                    problem("No bearer token, or one expired or revoked (`unauthorized`)")
                });
            }
            if admin {
                responses.entry("403").or_insert_with(|| {
                    problem("Not an admin's token (`forbidden`), or a token whose scope is not admin (`token_scope`)")
                });
            } else if secured {
                responses.entry("403").or_insert_with(|| {
                    problem("The token's scope does not cover this operation (`token_scope`)")
                });
            }
            if by_id {
                responses.entry("404").or_insert_with(|| {
                    problem("No such resource, or not one of yours (`not_found`)")
                });
            }
            if keyed {
                let conflict = responses.entry("409").or_insert_with(|| {
                    problem("A request with this Idempotency-Key is still running (`idempotency_in_flight`)")
                });
                conflict["headers"]["Retry-After"] = serde_json::json!({
                    "description": "With `idempotency_in_flight`: seconds to wait for the first request with this key, as long as it has run so far (at least 1; requests take milliseconds, so usually 1) and never past the end of its 60-second lease",
                    "schema": {"type": "integer", "minimum": 1, "maximum": 60}
                });
                responses.entry("422").or_insert_with(|| {
                    problem("A malformed Idempotency-Key (`validation`), or one used with another request (`idempotency_key_reused`)")
                });
            }
            responses.entry("400").or_insert_with(|| {
                problem("A header, parameter or body that cannot be read (`bad_request`)")
            });
            responses.entry("429").or_insert_with(|| {
                let mut answer = problem(
                    "Too many requests (`rate_limited`): retry after `Retry-After` seconds",
                );
                answer["headers"] = serde_json::json!({
                    "Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}
                });
                answer
            });
        }
    }
}

/// Removes the schemas nothing refers to: utoipa registers a generic's argument (the
/// `AdminBooking` of `Page<AdminBooking>`) as a component of its own although it inlines
/// it into the page, and validators flag a component no operation uses.
fn drop_unused_schemas(doc: &mut Value) {
    fn refs(value: &Value, into: &mut BTreeSet<String>) {
        match value {
            Value::Object(map) => map.iter().for_each(|(key, inner)| match inner {
                Value::String(target) if key == "$ref" => {
                    into.insert(target.clone());
                }
                _ => refs(inner, into),
            }),
            Value::Array(items) => items.iter().for_each(|item| refs(item, into)),
            _ => {}
        }
    }
    let mut used = BTreeSet::new();
    refs(&doc["paths"], &mut used);
    loop {
        let before = used.len();
        for target in used.clone() {
            if let Some(found) = doc.pointer(target.trim_start_matches('#')) {
                refs(found, &mut used);
            }
        }
        if used.len() == before {
            break;
        }
    }
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        schemas.retain(|name, _| used.contains(&format!("#/components/schemas/{name}")));
    }
}

/// Whether an operation needs a bearer token: public ones say `security: []`.
pub fn needs_token(op: &Value) -> bool {
    op.get("security")
        .and_then(Value::as_array)
        .is_some_and(|requirements| !requirements.is_empty())
}

/// The methods the document gives the path `path` (an actual request path, matched
/// against the templates), or `None` when no operation has that path.
pub fn methods_of(path: &str) -> Option<Vec<&'static str>> {
    let paths = document().get("paths")?.as_object()?;
    let wanted: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    paths.iter().find_map(|(template, item)| {
        let parts: Vec<&str> = template.split('/').collect();
        let matches = parts.len() == wanted.len()
            && parts.iter().zip(&wanted).all(|(part, seg)| {
                (part.starts_with('{') && part.ends_with('}') && !seg.is_empty()) || part == seg
            });
        matches.then(|| {
            METHODS
                .into_iter()
                .filter(|m| item.get(*m).is_some())
                .collect()
        })
    })
}

#[get("/openapi.json")]
pub async fn json() -> Result<HttpResponse, Problem> {
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header(("Cache-Control", "public, max-age=300"))
        .json(document()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_is_openapi_3_1_with_every_operation_and_bearer_auth() {
        let doc = document();
        assert_eq!(doc["openapi"], "3.1.0");
        assert_eq!(
            doc["components"]["securitySchemes"]["bearer"]["scheme"],
            "bearer"
        );
        assert!(doc["components"]["schemas"]["ProblemBody"].is_object());
        assert!(doc["paths"]["/api/v1/events"]["get"]["responses"]["429"].is_object());
        assert_eq!(methods_of("/api/v1/events/7"), Some(vec!["get", "head"]));
        assert_eq!(
            methods_of("/api/v1/admin/events/7"),
            Some(vec!["get", "head", "patch", "delete"])
        );
        assert_eq!(
            methods_of("/api/v1/resale/7"),
            Some(vec!["get", "head", "patch", "delete"])
        );
        assert_eq!(methods_of("/api/v1/nothing"), None);
    }
}
