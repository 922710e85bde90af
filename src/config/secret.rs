//! Secrets that never print (`Secret`), and the session key kept in a file beside a
//! SQLite database when `SESSION_KEY` is unset.

use std::fmt;
use std::path::{Path, PathBuf};

use rand::RngCore;

/// The minimum session key length accepted by the cookie store.
pub const SESSION_KEY_MIN_BYTES: usize = 64;

/// A secret that never shows in `Debug` output or logs.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// `boxoffice.db` → `boxoffice.db.session-key`, beside the database.
pub(super) fn key_file_beside(database_url: &str) -> PathBuf {
    let path = database_url
        .strip_prefix("sqlite://")
        .unwrap_or(database_url);
    PathBuf::from(format!("{path}.session-key"))
}

/// Reads the persisted session key, or creates one (readable by the owner only).
pub(super) fn load_or_create_key_file(path: &Path) -> std::io::Result<Secret> {
    if let Ok(existing) = std::fs::read_to_string(path) {
        let existing = existing.trim();
        if existing.len() >= SESSION_KEY_MIN_BYTES {
            return Ok(Secret::new(existing));
        }
    }
    let mut bytes = [0_u8; 64];
    rand::rng().fill_bytes(&mut bytes);
    let key = hex::encode(bytes);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    std::io::Write::write_all(&mut options.open(path)?, key.as_bytes())?;
    Ok(Secret::new(key))
}
