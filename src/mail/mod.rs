//! Sending mail: through an SMTP server (`SMTP_URL`, lettre over rustls), or, with none
//! configured, into the dev mailbox table that `/admin/mailbox` shows.
//!
//! May import: `config`, `db`, `domain`, `error`. Never `app` or `web`.

pub mod account_mail;
pub mod cancel_mail;
pub mod compose;
pub mod give_back_mail;
pub mod ics;
pub mod pay_link_mail;
pub mod resale_mail;
pub mod seat_mail;
pub mod smtp;

use chrono::NaiveDateTime;

use crate::config::Settings;
use crate::db::{Conn, mailbox};
use crate::error::AppError;

/// A file sent with a mail.
#[derive(Debug, Clone)]
pub struct Attachment {
    pub filename: String,
    pub content_type: String,
    pub body: String,
}

/// One mail, ready to send: plain text and HTML of the same words.
#[derive(Debug, Clone)]
pub struct Mail {
    /// The outbox message's stable id; the `Message-ID` is built from it, so a mail sent
    /// twice is recognisably the same mail.
    pub message_id: String,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub attachment: Option<Attachment>,
}

impl Mail {
    /// The `Message-ID` header's value.
    pub fn message_id_header(&self, domain: &str) -> String {
        format!("<{}@{}>", self.message_id, domain)
    }
}

/// Where mail goes.
pub enum Mailer {
    Smtp(smtp::Smtp),
    /// No SMTP server: mail is stored in the database (the dev mailbox).
    DevMailbox,
}

impl Mailer {
    /// The mailer the settings ask for; a bad `SMTP_URL` stops start-up.
    pub fn from_settings(settings: &Settings) -> Result<Mailer, String> {
        match &settings.smtp_url {
            None => Ok(Mailer::DevMailbox),
            Some(url) => smtp::Smtp::new(url.expose(), &settings.mail_from, settings.smtp_timeout)
                .map(Mailer::Smtp)
                .map_err(|error| format!("SMTP_URL: {error}")),
        }
    }

    pub fn is_dev_mailbox(&self) -> bool {
        matches!(self, Mailer::DevMailbox)
    }
}

/// Stores a mail in the dev mailbox (once per Message-ID).
pub fn store_in_mailbox(conn: &mut Conn, mail: &Mail, now: NaiveDateTime) -> Result<(), AppError> {
    let attachment = mail.attachment.as_ref();
    mailbox::store(
        conn,
        &mailbox::NewMail {
            message_id: &mail.message_id,
            recipient: &mail.to,
            subject: &mail.subject,
            body_text: &mail.text,
            body_html: &mail.html,
            attachment_name: attachment.map(|a| a.filename.as_str()),
            attachment: attachment.map(|a| a.body.as_str()),
            created_at: now,
        },
    )?;
    Ok(())
}
