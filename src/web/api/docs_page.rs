//! The OpenAPI document as a readable reference page (`GET /api/v1/docs`, no
//! JavaScript): operations by tag, their parameters and answers, the schemas and the
//! problem types.

use actix_web::{HttpResponse, get};
use askama::Template;
use serde_json::Value;

use super::openapi::{METHODS, document, needs_token};
use super::problem::{CODES, TYPES_BASE};
use crate::domain::catalogue::markdown;
use crate::web::page::{Page, PageCtx, html};

/// One operation as the reference page lists it.
struct OperationView {
    method: String,
    path: String,
    anchor: String,
    summary: String,
    auth: bool,
    parameters: Vec<(String, String, bool, String)>,
    body: Option<String>,
    responses: Vec<(String, String, Option<String>)>,
}

#[derive(Template)]
#[template(path = "api_docs.html")]
struct DocsPage {
    page: Page,
    description: String,
    tags: Vec<(String, String, Vec<OperationView>)>,
    schemas: Vec<(String, String)>,
    problems: Vec<(&'static str, u16, &'static str)>,
    problem_prefix: &'static str,
}

/// `#/components/schemas/Name` → `Name`.
fn schema_name(schema: &Value) -> Option<String> {
    let reference = schema
        .get("$ref")
        .or_else(|| schema.get("items").and_then(|i| i.get("$ref")))?;
    let name = reference.as_str()?.rsplit('/').next()?.to_owned();
    Some(if schema.get("items").is_some() {
        format!("{name}[]")
    } else {
        name
    })
}

fn text(value: &Value, key: &str) -> String {
    value
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn operations(doc: &Value) -> Vec<(String, OperationView)> {
    let mut found = Vec::new();
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return found;
    };
    for (path, item) in paths {
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let tag = op
                .get("tags")
                .and_then(|t| t.get(0))
                .and_then(Value::as_str)
                .unwrap_or("other")
                .to_owned();
            let parameters = op
                .get("parameters")
                .and_then(Value::as_array)
                .map(|params| {
                    params
                        .iter()
                        .map(|p| {
                            (
                                text(p, "name"),
                                text(p, "in"),
                                p.get("required").and_then(Value::as_bool).unwrap_or(false),
                                text(p, "description"),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            let body = op
                .pointer("/requestBody/content/application~1json/schema")
                .and_then(schema_name);
            let responses = op
                .get("responses")
                .and_then(Value::as_object)
                .map(|responses| {
                    responses
                        .iter()
                        .map(|(status, r)| {
                            let schema = r
                                .get("content")
                                .and_then(Value::as_object)
                                .and_then(|c| c.values().next())
                                .and_then(|c| c.get("schema"))
                                .and_then(schema_name);
                            (status.clone(), text(r, "description"), schema)
                        })
                        .collect()
                })
                .unwrap_or_default();
            let summary = [text(op, "summary"), text(op, "description")]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            found.push((
                tag,
                OperationView {
                    anchor: format!("{method}-{}", path.replace(['/', '{', '}'], "-")),
                    method: method.to_uppercase(),
                    path: path.clone(),
                    summary,
                    auth: needs_token(op),
                    parameters,
                    body,
                    responses,
                },
            ));
        }
    }
    found
}

#[get("/docs")]
pub async fn docs(ctx: PageCtx) -> Result<HttpResponse, crate::error::AppError> {
    let doc = document();
    let mut tags: Vec<(String, String, Vec<OperationView>)> = doc
        .get("tags")
        .and_then(Value::as_array)
        .map(|tags| {
            tags.iter()
                .map(|t| (text(t, "name"), text(t, "description"), Vec::new()))
                .collect()
        })
        .unwrap_or_default();
    for (tag, op) in operations(doc) {
        match tags.iter_mut().find(|(name, ..)| *name == tag) {
            Some((_, _, ops)) => ops.push(op),
            None => tags.push((tag, String::new(), vec![op])),
        }
    }
    let schemas = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|schemas| {
            schemas
                .iter()
                .map(|(name, s)| {
                    (
                        name.clone(),
                        serde_json::to_string_pretty(s).unwrap_or_default(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    html(&DocsPage {
        page: ctx.page("API reference"),
        description: doc
            .pointer("/info/description")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        tags,
        schemas,
        problems: CODES.to_vec(),
        problem_prefix: TYPES_BASE.trim_start_matches("/api/v1/docs#"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_lists_every_operation() {
        assert_eq!(
            operations(document()).len(),
            51 + 16,
            "and a HEAD for each of 16 GETs"
        );
    }
}
