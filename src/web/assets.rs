//! The stylesheet and the check-in page's one script, compiled into the binary and
//! served with long-lived cache headers under URLs that change when their content does.

use std::sync::OnceLock;

use actix_web::{HttpResponse, get};
use sha2::{Digest, Sha256};

const CSS: &str = include_str!("../../static/app.css");

fn fingerprint() -> &'static str {
    static FINGERPRINT: OnceLock<String> = OnceLock::new();
    FINGERPRINT.get_or_init(|| hex::encode(&Sha256::digest(CSS.as_bytes())[..6]))
}

/// The stylesheet's URL, with its fingerprint so a new release is fetched at once.
pub fn css_url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| format!("/static/app.css?v={}", fingerprint()))
}

const DOOR_JS: &str = include_str!("../../static/door.js");

fn door_js_fingerprint() -> &'static str {
    static FINGERPRINT: OnceLock<String> = OnceLock::new();
    FINGERPRINT.get_or_init(|| hex::encode(&Sha256::digest(DOOR_JS.as_bytes())[..6]))
}

/// The check-in page's camera scanning (an enhancement; the form works without it).
pub fn door_js_url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| format!("/static/door.js?v={}", door_js_fingerprint()))
}

#[get("/static/door.js")]
pub async fn door_script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=31536000, immutable"))
        .insert_header(("ETag", format!("\"{}\"", door_js_fingerprint())))
        .body(DOOR_JS)
}

#[get("/static/app.css")]
pub async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=31536000, immutable"))
        .insert_header(("ETag", format!("\"{}\"", fingerprint())))
        .body(CSS)
}
