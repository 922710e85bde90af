//! Request bodies of the JSON API: read whole (up to 16 KiB, so the idempotency
//! fingerprint covers the exact bytes), refused with 415 when a body comes with a
//! `Content-Type` other than JSON (`application/json` or `application/*+json`), then
//! parsed into the operation's type, with a 400 for bytes that are not JSON and a 422
//! naming what is wrong for JSON that does not fit.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::StatusCode;
use actix_web::web::{Bytes, BytesMut};
use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use super::problem::Problem;
use crate::error::AppError;

/// The most bytes a request body may have.
pub const LIMIT: usize = 16 * 1024;

/// A request body as sent.
#[derive(Debug, Clone, Default)]
pub struct RawBody(pub Bytes);

impl FromRequest for RawBody {
    type Error = Problem;
    type Future = Pin<Box<dyn Future<Output = Result<RawBody, Problem>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let mut payload = payload.take();
        let json = is_json(req);
        Box::pin(async move {
            let mut bytes = BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk =
                    chunk.map_err(|_| Problem::bad_request("The body could not be read."))?;
                if bytes.len() + chunk.len() > LIMIT {
                    return Err(AppError::PayloadTooLarge.into());
                }
                bytes.extend_from_slice(&chunk);
            }
            // A bodiless request (a cancel, a publish) may say anything or nothing.
            if !bytes.is_empty() && !json {
                return Err(unsupported_media_type());
            }
            Ok(RawBody(bytes.freeze()))
        })
    }
}

impl RawBody {
    /// The body as `T`.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, Problem> {
        if self.0.iter().all(u8::is_ascii_whitespace) {
            return Err(Problem::bad_request(
                "This request needs a JSON body (Content-Type: application/json).",
            ));
        }
        // serde would read a struct from an array too; every body here is an object.
        let first = self.0.iter().find(|b| !b.is_ascii_whitespace());
        if first != Some(&b'{') && serde_json::from_slice::<serde::de::IgnoredAny>(&self.0).is_ok()
        {
            return Err(Problem::invalid("body", "The body must be a JSON object."));
        }
        serde_json::from_slice(&self.0).map_err(|error| {
            use serde_json::error::Category;
            match error.classify() {
                Category::Data => Problem::invalid("body", plain(&error)),
                Category::Syntax | Category::Eof | Category::Io => {
                    Problem::bad_request(format!("The body is not valid JSON: {}", plain(&error)))
                }
            }
        })
    }
}

/// Whether the request says its body is JSON: `application/json` or a `+json` type
/// (`application/merge-patch+json`, …), parameters such as `charset` allowed.
fn is_json(req: &HttpRequest) -> bool {
    match req.mime_type() {
        Ok(Some(mime)) => {
            mime.type_() == actix_web::mime::APPLICATION
                && (mime.subtype() == actix_web::mime::JSON
                    || mime.suffix() == Some(actix_web::mime::JSON))
        }
        _ => false,
    }
}

/// 415: a body that does not say it is JSON.
pub fn unsupported_media_type() -> Problem {
    Problem::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        "The body must be JSON, sent with Content-Type: application/json.",
    )
}

/// serde's message without the position suffix ("… at line 1 column 12").
fn plain(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    struct Order {
        #[allow(dead_code)]
        quantity: i32,
    }

    #[test]
    fn not_json_is_400_and_json_of_the_wrong_shape_422() {
        let status = |bytes: &'static [u8]| {
            RawBody(Bytes::from_static(bytes))
                .parse::<Order>()
                .map(|_| 200)
                .unwrap_or_else(|p| p.status.as_u16())
        };
        assert_eq!(status(b"{\"quantity\": 2}"), 200);
        assert_eq!(status(b""), 400);
        assert_eq!(status(b"{\"quantity\""), 400);
        assert_eq!(status(b"\xff\xfe"), 400);
        assert_eq!(status(b"{}"), 422);
        assert_eq!(status(b"{\"quantity\": \"two\"}"), 422);
        assert_eq!(status(b"{\"quantity\": 99999999999}"), 422);
        assert_eq!(status(b"[]"), 422);
        assert_eq!(status(b"[2]"), 422, "a struct read from an array");
        assert_eq!(status(b"null"), 422);
    }
}
