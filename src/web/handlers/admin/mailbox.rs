//! `GET /admin/mailbox` and `GET /admin/mailbox/{id}`: the dev mailbox, where mail goes
//! when no SMTP server is configured. Admins read it; so does anyone while the test
//! payment provider runs on a shop reachable from its own machine only (loopback `BIND`
//! and `PUBLIC_URL`), so that `cargo run` shows the mails a buyer would get.

use actix_web::{HttpResponse, get, web};
use askama::Template;

use crate::app::{AppState, messages};
use crate::db::mailbox::StoredMail;
use crate::error::AppError;
use crate::web::identity::MaybeUser;
use crate::web::page::{Page, PageCtx, html};
use crate::web::views;

#[derive(Template)]
#[template(path = "admin/mailbox.html")]
struct MailboxPage {
    page: Page,
    mails: Vec<StoredMail>,
}

#[derive(Template)]
#[template(path = "admin/mail.html")]
struct MailPage {
    page: Page,
    mail: StoredMail,
}

impl MailboxPage {
    fn when(&self, time: &chrono::NaiveDateTime) -> String {
        views::when(time)
    }
}

impl MailPage {
    fn when(&self, time: &chrono::NaiveDateTime) -> String {
        views::when(time)
    }
}

/// Admins, or anyone on a local test shop (`messages::may_read_mailbox`); others get
/// 403, anonymous visitors a login.
fn authorize(state: &AppState, user: &MaybeUser) -> Result<(), AppError> {
    let is_admin = user.0.as_ref().is_some_and(|u| u.is_admin);
    if messages::may_read_mailbox(state, is_admin) {
        return Ok(());
    }
    match user.0 {
        Some(_) => Err(AppError::Forbidden),
        None => Err(AppError::LoginRequired {
            next: "/admin/mailbox".into(),
        }),
    }
}

#[get("/admin/mailbox")]
pub async fn list(
    user: MaybeUser,
    state: web::Data<AppState>,
    ctx: PageCtx,
) -> Result<HttpResponse, AppError> {
    authorize(&state, &user)?;
    let mails = messages::mailbox(&state).await?;
    html(&MailboxPage {
        page: ctx.page("Mailbox"),
        mails,
    })
}

#[get("/admin/mailbox/{id}")]
pub async fn show(
    user: MaybeUser,
    state: web::Data<AppState>,
    ctx: PageCtx,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    authorize(&state, &user)?;
    let mail = messages::mail(&state, path.into_inner()).await?;
    html(&MailPage {
        page: ctx.page(format!("Mail: {}", mail.subject)),
        mail,
    })
}
