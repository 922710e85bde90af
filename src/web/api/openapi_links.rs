//! The document's OpenAPI links: which operation's answer names the resource another
//! operation takes (an event made → publish it, add a ticket type; a booking made → pay,
//! cancel, resell it; …). A generated client can follow them, and schemathesis's
//! stateful phase walks them to reach the admin and booking operations with real ids.

use serde_json::{Value, json};

/// From an operation's answer (operationId, status) to the operations whose `id` path
/// parameter is the answer's `id` (a list's first item's; see `link`).
const LINKS: &[(&str, &str, &[&str])] = &[
    ("listEvents", "200", &["getEvent"]),
    ("listAdminEvents", "200", &["getAdminEvent"]),
    (
        "createEvent",
        "201",
        &[
            "getAdminEvent",
            "updateEvent",
            "createTicketType",
            "publishEvent",
            "unpublishEvent",
            "cancelEvent",
            "deleteEvent",
            "listEventBookings",
        ],
    ),
    ("createTicketType", "201", &["updateTicketType"]),
    (
        "publishEvent",
        "200",
        &[
            "getEvent",
            "createBooking",
            "listResaleOffers",
            "checkInTicket",
        ],
    ),
    (
        "getEvent",
        "200",
        &[
            "createBooking",
            "createSale",
            "listResaleOffers",
            "checkInTicket",
        ],
    ),
    (
        "createBooking",
        "201",
        &[
            "getBooking",
            "checkoutBooking",
            "cancelBooking",
            "createResaleListing",
            "giveBooking",
            "refundBooking",
        ],
    ),
    (
        "createResaleListing",
        "201",
        &[
            "showResaleListing",
            "repriceResaleListing",
            "withdrawResaleListing",
            "purchaseResaleListing",
        ],
    ),
    ("grantDoorStaff", "201", &["revokeDoorStaff"]),
    ("grantBoxOfficeStaff", "201", &["revokeBoxOfficeStaff"]),
    (
        "createWebhookEndpoint",
        "201",
        &[
            "showWebhookEndpoint",
            "updateWebhookEndpoint",
            "disableWebhookEndpoint",
            "enableWebhookEndpoint",
            "deleteWebhookEndpoint",
        ],
    ),
    ("createPersonalToken", "201", &["revokePersonalToken"]),
];

/// Adds `LINKS` to the answers they start from (an operation not in the document is
/// left out, so the table cannot name what does not exist).
pub fn add_links(doc: &mut Value) {
    let known: Vec<String> = operation_ids(doc);
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for op in item.values_mut() {
            let Some(id) = op
                .get("operationId")
                .and_then(Value::as_str)
                .map(str::to_owned)
            else {
                continue;
            };
            for (from, status, targets) in LINKS {
                if *from != id {
                    continue;
                }
                let Some(answer) = op.pointer_mut(&format!("/responses/{status}")) else {
                    continue;
                };
                for target in targets.iter().filter(|t| known.iter().any(|k| k == *t)) {
                    answer["links"][*target] = link(from, target);
                }
            }
        }
    }
}

/// One link: the answer's `id` (a list's first result's) as the target's `id`, and for
/// a booking made from an event's answer, its first ticket type and one seat.
fn link(from: &str, target: &str) -> Value {
    let id = match from {
        "listEvents" => "$response.body#/results/0/id",
        "listAdminEvents" => "$response.body#/0/id",
        _ => "$response.body#/id",
    };
    let mut link = json!({"operationId": target, "parameters": {"id": id}});
    if target == "createBooking" {
        link["requestBody"] = json!({
            "ticket_type_id": "$response.body#/ticket_types/0/id",
            "quantity": 1,
        });
    }
    link
}

fn operation_ids(doc: &Value) -> Vec<String> {
    doc["paths"]
        .as_object()
        .into_iter()
        .flat_map(|paths| paths.values())
        .filter_map(Value::as_object)
        .flat_map(|item| item.values())
        .filter_map(|op| op["operationId"].as_str().map(str::to_owned))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_link_joins_two_operations_of_the_document() {
        let doc = crate::web::api::openapi::document();
        let ids = operation_ids(doc);
        for (from, status, targets) in LINKS {
            assert!(ids.iter().any(|id| id == from), "{from} exists");
            for target in *targets {
                assert!(ids.iter().any(|id| id == target), "{target} exists");
            }
            let linked = doc["paths"]
                .as_object()
                .into_iter()
                .flat_map(|paths| paths.values())
                .filter_map(Value::as_object)
                .flat_map(|item| item.values())
                .find(|op| op["operationId"] == *from)
                .map(|op| op["responses"][status]["links"].clone());
            assert_eq!(
                linked.and_then(|l| l.as_object().map(|o| o.len())),
                Some(targets.len()),
                "{from} {status}"
            );
        }
    }
}
