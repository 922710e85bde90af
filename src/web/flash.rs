//! One-time messages carried in the session across a redirect (POST → redirect → GET).

use actix_session::Session;
use serde::{Deserialize, Serialize};

const KEY: &str = "flash";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Flash {
    /// `info`, `success` or `error`: the CSS class of the message.
    pub kind: String,
    pub message: String,
}

fn set(session: &Session, kind: &str, message: impl Into<String>) {
    let flash = Flash {
        kind: kind.to_owned(),
        message: message.into(),
    };
    if let Err(error) = session.insert(KEY, flash) {
        log::warn!("could not store a flash message: {error}");
    }
}

pub fn success(session: &Session, message: impl Into<String>) {
    set(session, "success", message);
}

pub fn info(session: &Session, message: impl Into<String>) {
    set(session, "info", message);
}

pub fn error(session: &Session, message: impl Into<String>) {
    set(session, "error", message);
}

/// Takes the pending message, if any, so it shows once.
pub fn take(session: &Session) -> Option<Flash> {
    let flash = session.get::<Flash>(KEY).ok().flatten();
    if flash.is_some() {
        session.remove(KEY);
    }
    flash
}
