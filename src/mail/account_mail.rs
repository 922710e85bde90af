//! The account mails: the address check after registering (a signed, expiring link that
//! also logs in once and leads back to where the visitor was), the note to an account's
//! owner that someone tried to register with its address, and the password reset link.

use askama::Template;

use super::Mail;
use super::compose::{Context, render};
use crate::db::{Conn, users};
use crate::domain::accounts::address_check;
use crate::domain::outbox::Message;
use crate::error::AppError;

#[derive(Template)]
#[template(path = "mail/account.txt")]
struct AccountText<'a> {
    v: &'a AccountMail,
}

#[derive(Template)]
#[template(path = "mail/account.html")]
struct AccountHtml<'a> {
    v: &'a AccountMail,
    /// The mail's subject, as the HTML part's `<title>`.
    subject: &'a str,
}

/// One link to follow, with what it does (and perhaps a second one).
struct AccountMail {
    intro: &'static str,
    action: &'static str,
    link: String,
    /// Another way on: its words and link.
    other: Option<(&'static str, String)>,
    validity: &'static str,
    ignore: &'static str,
}

/// `?next=…` for a link, or nothing when the way back is the front page.
fn next_query(prefix: char, next: Option<&str>) -> String {
    match next {
        Some(next) if next != "/" => {
            let query = serde_urlencoded::to_string([("next", next)]).unwrap_or_default();
            format!("{prefix}{query}")
        }
        _ => String::new(),
    }
}

/// The mail for an account message, or `None` for other messages.
pub fn compose(
    conn: &mut Conn,
    context: &Context<'_>,
    message: &Message,
) -> Result<Option<Mail>, AppError> {
    let (user_id, subject, view) = match message {
        Message::Registered { user_id, next } => {
            let user = users::find(conn, *user_id)?.ok_or(AppError::NotFound)?;
            let expires = context.created_at + address_check::VALID_FOR;
            let token = address_check::sign(context.signing_key, user.id, &user.email, expires);
            let view = AccountMail {
                intro: "Welcome to the box office! One click confirms that this address is \
                        yours, logs you in and takes you back to where you were.",
                action: "Confirm my address and log in",
                link: format!(
                    "{}/account/verify?token={token}{}",
                    context.public_url,
                    next_query('&', next.as_deref())
                ),
                other: None,
                validity: "The link works once, for 24 hours.",
                ignore: "If you did not create an account, ignore this mail.",
            };
            (*user_id, "Confirm your email address", view)
        }
        Message::RegistrationAttempted { user_id, next } => {
            let view = AccountMail {
                intro: "Someone (we hope you) tried to create a box office account with this \
                        address. It already has an account, so nothing was changed. If it \
                        was you, log in with your password, or reset it if you forgot it.",
                action: "Log in",
                link: format!(
                    "{}/login{}",
                    context.public_url,
                    next_query('?', next.as_deref())
                ),
                other: Some((
                    "Reset my password",
                    format!("{}/password/forgot", context.public_url),
                )),
                validity: "Your password and your bookings are as they were.",
                ignore: "If it was not you, ignore this mail: nobody can use your account \
                         without your password.",
            };
            (
                *user_id,
                "Someone tried to register with your address",
                view,
            )
        }
        Message::PasswordResetAsked { user_id, token } => {
            let view = AccountMail {
                intro: "Someone (we hope you) asked to reset the password of your box office account.",
                action: "Choose a new password",
                link: format!("{}/password/reset?token={token}", context.public_url),
                other: None,
                validity: "The link works once, for one hour. Using it logs you out everywhere.",
                ignore: "If you did not ask, ignore this mail: your password stays as it is.",
            };
            (*user_id, "Reset your password", view)
        }
        _ => return Ok(None),
    };
    let user = users::find(conn, user_id)?.ok_or(AppError::NotFound)?;
    Ok(Some(Mail {
        message_id: context.message_id.to_owned(),
        to: user.email,
        subject: subject.to_owned(),
        text: render(&AccountText { v: &view })?,
        html: render(&AccountHtml { v: &view, subject })?,
        attachment: None,
    }))
}
