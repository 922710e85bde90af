//! Sending through an SMTP server with lettre: `smtp://` (plain, or STARTTLS with
//! `?tls=required`) or `smtps://` (TLS from the start), credentials in the URL.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Attachment as LettreAttachment, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::Mail;

pub struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: lettre::message::Mailbox,
    domain: String,
}

impl Smtp {
    pub fn new(url: &str, from: &str, timeout: Duration) -> Result<Smtp, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|error| error.to_string())?
            .timeout(Some(timeout))
            .build();
        let from: lettre::message::Mailbox = from
            .parse()
            .map_err(|error| format!("MAIL_FROM {from:?}: {error}"))?;
        let domain = from.email.domain().to_owned();
        Ok(Smtp {
            transport,
            from,
            domain,
        })
    }

    /// Sends one mail; the error says why it could not be (for the outbox's last error).
    pub async fn send(&self, mail: &Mail) -> Result<(), String> {
        let message = self.build(mail)?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|error| format!("SMTP: {error}"))
    }

    fn build(&self, mail: &Mail) -> Result<Message, String> {
        let to = mail
            .to
            .parse()
            .map_err(|error| format!("recipient {:?}: {error}", mail.to))?;
        let body = MultiPart::alternative()
            .singlepart(SinglePart::plain(mail.text.clone()))
            .singlepart(SinglePart::html(mail.html.clone()));
        let body = match &mail.attachment {
            None => body,
            Some(file) => {
                let content_type = ContentType::parse(&file.content_type)
                    .map_err(|error| format!("attachment type: {error}"))?;
                MultiPart::mixed().multipart(body).singlepart(
                    LettreAttachment::new(file.filename.clone())
                        .body(file.body.clone(), content_type),
                )
            }
        };
        Message::builder()
            .message_id(Some(mail.message_id_header(&self.domain)))
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .multipart(body)
            .map_err(|error| format!("building the mail: {error}"))
    }
}
