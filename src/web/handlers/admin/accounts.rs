//! `GET /admin/accounts`: who has an account, and who has confirmed their address.

use actix_web::{HttpResponse, get, web};
use askama::Template;

use crate::app::{AppState, address_check};
use crate::db::models::User;
use crate::error::AppError;
use crate::web::identity::AdminUser;
use crate::web::page::{Page, PageCtx, html};
use crate::web::views;

#[derive(Template)]
#[template(path = "admin/accounts.html")]
struct AccountsPage {
    page: Page,
    accounts: Vec<User>,
}

impl AccountsPage {
    fn when(&self, time: &chrono::NaiveDateTime) -> String {
        views::when(time)
    }
}

#[get("/admin/accounts")]
pub async fn list(
    _admin: AdminUser,
    state: web::Data<AppState>,
    ctx: PageCtx,
) -> Result<HttpResponse, AppError> {
    let accounts = address_check::accounts(&state).await?;
    html(&AccountsPage {
        page: ctx.page("Admin: accounts"),
        accounts,
    })
}
