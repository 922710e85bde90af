//! The one stylesheet, compiled into the binary and served with long-lived cache headers
//! under a URL that changes when its content does.

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

#[get("/static/app.css")]
pub async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=31536000, immutable"))
        .insert_header(("ETag", format!("\"{}\"", fingerprint())))
        .body(CSS)
}
