//! Conditional GETs of the public catalogue (`GET /api/v1/events`, `/events/{id}`): a
//! strong `ETag` computed from the exact JSON sent, and `If-None-Match` answered 304 Not
//! Modified without a body when it names that tag (or `*`), so a partner that polls pays
//! for a changed event only. `Cache-Control: no-cache`: keep the answer, ask again
//! before using it (seats left change at any moment).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use sha2::{Digest, Sha256};

use super::answer::Answer;

/// The answer's tag: a quoted hash of its body.
pub fn tag_of(body: &str) -> String {
    let digest = hex::encode(Sha256::digest(body.as_bytes()));
    format!("\"{}\"", &digest[..32])
}

/// Whether `If-None-Match` (every one of its headers, each a list) names `tag`; the weak
/// comparison RFC 9110 prescribes for it, so `W/"…"` matches too.
pub fn none_match(req: &HttpRequest, tag: &str) -> bool {
    req.headers()
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .any(|candidate| candidate == "*" || candidate.trim_start_matches("W/") == tag)
}

/// A 200 answer with its `ETag`, or 304 when the client holds it already.
pub fn respond(req: &HttpRequest, answer: Answer) -> HttpResponse {
    let tag = tag_of(&answer.body);
    if none_match(req, &tag) {
        return HttpResponse::NotModified()
            .insert_header((header::ETAG, tag))
            .insert_header((header::CACHE_CONTROL, "no-cache"))
            .finish();
    }
    let mut response = answer.respond();
    let headers = response.headers_mut();
    if let Ok(value) = header::HeaderValue::from_str(&tag) {
        headers.insert(header::ETAG, value);
    }
    headers.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-cache"),
    );
    response
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn if_none_match_names_the_tag_weakly_in_any_list_or_as_a_star() {
        let tag = tag_of("{\"id\":1}");
        assert!(tag.starts_with('"') && tag.ends_with('"') && tag.len() == 34);
        assert_ne!(tag, tag_of("{\"id\":2}"));
        let asks = |values: &[&str]| {
            let mut req = TestRequest::get();
            for value in values {
                req = req.append_header((header::IF_NONE_MATCH, *value));
            }
            none_match(&req.to_http_request(), &tag)
        };
        assert!(asks(&[&tag]));
        assert!(asks(&[&format!("W/{tag}")]));
        assert!(asks(&[&format!("\"other\", {tag}")]));
        assert!(asks(&["\"other\"", &tag]));
        assert!(asks(&["*"]));
        assert!(!asks(&[]));
        assert!(!asks(&["\"other\""]));
        assert!(!asks(&[tag.trim_matches('"')]), "unquoted is another tag");
    }
}
