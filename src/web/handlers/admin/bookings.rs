//! `GET /admin/events/{id}/bookings`: an event's bookings (email, type, seats, status,
//! paid at), newest first, fifty a page; searchable by the buyer's email or a code (the
//! booking's or a seat's, in any case, with or without hyphens) with `?q=`, filterable by
//! status with `?status=`. Each opens its booking page.

use actix_web::{HttpResponse, get, web};
use askama::Template;
use serde::Deserialize;

use crate::app::AppState;
use crate::app::booking_desk::{self, BookingsPage};
use crate::db::bookings::BookingFilter;
use crate::domain::bookings::booking_status::BookingStatus;
use crate::domain::common::text::is_clean_line;
use crate::domain::door::input::ScannedCode;
use crate::error::AppError;
use crate::web::identity::AdminUser;
use crate::web::page::{Page, PageCtx, html};
use crate::web::views;

#[derive(Template)]
#[template(path = "admin/bookings.html")]
struct BookingsListPage {
    page: Page,
    list: BookingsPage,
    q: String,
    status: String,
}

impl BookingsListPage {
    fn statuses(&self) -> Vec<(&'static str, &'static str)> {
        BookingStatus::ALL
            .iter()
            .map(|&s| (s.as_str(), views::status_label(s)))
            .collect()
    }

    /// A link to page `page` of the same search.
    fn link(&self, page: i64) -> String {
        let mut params: Vec<(&str, String)> = Vec::new();
        if !self.q.is_empty() {
            params.push(("q", self.q.clone()));
        }
        if !self.status.is_empty() {
            params.push(("status", self.status.clone()));
        }
        params.push(("page", page.to_string()));
        let query = serde_urlencoded::to_string(&params).unwrap_or_default();
        format!("/admin/events/{}/bookings?{query}", self.list.event.id)
    }
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    page: Option<i64>,
    #[serde(default)]
    q: String,
    #[serde(default)]
    status: String,
}

impl ListQuery {
    /// The search asked for; a 400 for what no form of ours sends.
    fn filter(&self) -> Result<BookingFilter, AppError> {
        let text = self.q.trim();
        if !is_clean_line(text) || text.chars().count() > 200 {
            return Err(AppError::BadRequest(
                "Search with up to 200 characters of plain text.".into(),
            ));
        }
        let status = match self.status.trim() {
            "" => None,
            given => Some(BookingStatus::parse(given).ok_or_else(|| {
                AppError::BadRequest("That is not a booking status this page knows.".into())
            })?),
        };
        let (email_contains, code) = if text.is_empty() {
            (None, None)
        } else {
            let looks_like_code = !text.contains('@')
                && text
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ' ');
            let code = if looks_like_code {
                ScannedCode::parse(text).ok().flatten().map(|c| c.0)
            } else {
                None
            };
            (Some(text.to_lowercase()), code)
        };
        Ok(BookingFilter {
            email_contains,
            code,
            status,
        })
    }
}

#[get("/admin/events/{id}/bookings")]
pub async fn list(
    _admin: AdminUser,
    state: web::Data<AppState>,
    ctx: PageCtx,
    path: web::Path<i32>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let filter = query.filter()?;
    let status = filter
        .status
        .map(|s| s.as_str().to_owned())
        .unwrap_or_default();
    let list =
        booking_desk::bookings(&state, path.into_inner(), filter, query.page.unwrap_or(1)).await?;
    html(&BookingsListPage {
        page: ctx.page(format!("Bookings for {}", list.event.title)),
        list,
        q: query.q.trim().to_owned(),
        status,
    })
}
