//! The account mails: the address check after registering (a signed, expiring link) and
//! the password reset link.

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

/// One link to follow, with what it does.
struct AccountMail {
    intro: &'static str,
    action: &'static str,
    link: String,
    validity: &'static str,
    ignore: &'static str,
}

/// The mail for an account message, or `None` for other messages.
pub fn compose(
    conn: &mut Conn,
    context: &Context<'_>,
    message: &Message,
) -> Result<Option<Mail>, AppError> {
    let (user_id, subject, view) = match message {
        Message::Registered { user_id } => {
            let user = users::find(conn, *user_id)?.ok_or(AppError::NotFound)?;
            let expires = context.created_at + address_check::VALID_FOR;
            let token = address_check::sign(context.signing_key, user.id, &user.email, expires);
            let view = AccountMail {
                intro: "Welcome to the box office! Please confirm that this address is yours.",
                action: "Confirm my address",
                link: format!("{}/account/verify?token={token}", context.public_url),
                validity: "The link works for 7 days.",
                ignore: "If you did not create an account, ignore this mail.",
            };
            (*user_id, "Confirm your email address", view)
        }
        Message::PasswordResetAsked { user_id, token } => {
            let view = AccountMail {
                intro: "Someone (we hope you) asked to reset the password of your box office account.",
                action: "Choose a new password",
                link: format!("{}/password/reset?token={token}", context.public_url),
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
