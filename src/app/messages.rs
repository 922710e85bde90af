//! What admins (and, on a local test shop, anyone) read of the shop's messages: the dev
//! mailbox, the outbox's undelivered messages, and "retry now" for a dead one.

use super::AppState;
use crate::db::Guarded;
use crate::db::mailbox::{self, StoredMail};
use crate::db::outbox::{self, OutboxRow};
use crate::error::AppError;

/// How many mails and messages the lists show.
const LISTED: i64 = 200;

/// Whether `user_is_admin` may read the dev mailbox: admins always; anyone else only
/// while the test payment provider runs on a shop that both listens on a loopback
/// address (`BIND`) and is addressed by one (`PUBLIC_URL`), as `cargo run` does, so the
/// demo shows the mails a buyer would get. Anywhere else, plain http or not, the
/// mailbox is for admins: it holds every user's password reset links.
pub fn may_read_mailbox(state: &AppState, user_is_admin: bool) -> bool {
    user_is_admin || (state.test_mode() && on_this_machine_only(&state.settings))
}

/// Whether the shop can be reached from this machine only: it listens on a loopback
/// address and its public address is one (`localhost`, `127.x.x.x`, `[::1]`).
fn on_this_machine_only(settings: &crate::config::Settings) -> bool {
    settings.bind.ip().to_canonical().is_loopback() && is_loopback_url(&settings.public_url)
}

/// Whether the host of `url` (`http://127.0.0.1:8080/…`) is a loopback address.
fn is_loopback_url(url: &str) -> bool {
    let Some((_, rest)) = url.split_once("://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return false;
    }
    let host = match authority.strip_prefix('[') {
        Some(bracketed) => match bracketed.split_once(']') {
            Some((host, _)) => host,
            None => return false,
        },
        None => authority
            .rsplit_once(':')
            .map_or(authority, |(host, _)| host),
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.to_canonical().is_loopback())
}

/// The newest mails in the dev mailbox.
pub async fn mailbox(state: &AppState) -> Result<Vec<StoredMail>, AppError> {
    state.db(|conn| Ok(mailbox::recent(conn, LISTED)?)).await
}

/// One mail of the dev mailbox.
pub async fn mail(state: &AppState, id: i32) -> Result<StoredMail, AppError> {
    state
        .db(move |conn| mailbox::find(conn, id)?.ok_or(AppError::NotFound))
        .await
}

/// Pending, failing and dead messages, oldest first.
pub async fn undelivered(state: &AppState) -> Result<Vec<OutboxRow>, AppError> {
    state
        .db(|conn| Ok(outbox::undelivered(conn, LISTED)?))
        .await
}

/// Makes a dead message due again now, with a fresh count of attempts.
pub async fn retry_dead(state: &AppState, id: i32) -> Result<(), AppError> {
    let now = state.clock.now();
    match state
        .db(move |conn| Ok(outbox::revive(conn, id, now)?))
        .await?
    {
        Guarded::Applied => Ok(()),
        Guarded::Lost => Err(AppError::Conflict(
            "That message is not dead (any more): nothing to retry.".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::is_loopback_url;

    #[test]
    fn only_a_loopback_public_address_is_local() {
        for local in [
            "http://127.0.0.1:8080",
            "http://127.0.0.2",
            "https://localhost:8443/shop",
            "http://LOCALHOST",
            "http://[::1]:8080",
            "http://[::ffff:127.0.0.1]:80",
        ] {
            assert!(is_loopback_url(local), "{local}");
        }
        for public in [
            "http://tickets.example",
            "http://0.0.0.0:8080",
            "http://192.168.1.20:8080",
            "http://[2001:db8::1]:8080",
            "http://localhost.evil.example",
            "http://127.0.0.1@evil.example",
            "http://[::1",
            "localhost",
        ] {
            assert!(!is_loopback_url(public), "{public}");
        }
    }
}
