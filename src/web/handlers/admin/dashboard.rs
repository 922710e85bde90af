//! `GET /admin`: the events, those not ended yet first (soonest first), then the past
//! (latest first), each with its status and sold / held / available per ticket type; a
//! search by title or venue (`?q=`), a status filter (`?status=`), and keyset links
//! (`?after=` / `?before=`) a page of twenty at a time.

use actix_web::{HttpResponse, get, web};
use askama::Template;
use serde::Deserialize;

use crate::app::{AppState, admin};
use crate::db::events::DeskFilter;
use crate::domain::catalogue::event_admin::Overview;
use crate::domain::catalogue::event_status::{self, EventStatus};
use crate::domain::common::text::is_clean_line;
use crate::domain::desk::desk_pages::DeskAt;
use crate::error::AppError;
use crate::web::identity::AdminUser;
use crate::web::page::{Page, PageCtx, html};
use crate::web::views;

/// The longest search text.
const MAX_SEARCH: usize = 200;

#[derive(Debug, Default, Deserialize)]
pub struct DeskQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    status: String,
    after: Option<String>,
    before: Option<String>,
}

impl DeskQuery {
    /// The filter asked for; a 400 for a status or a search no form of ours sends.
    fn filter(&self) -> Result<DeskFilter, AppError> {
        let text = self.q.trim();
        if !is_clean_line(text) || text.chars().count() > MAX_SEARCH {
            return Err(AppError::BadRequest(format!(
                "Search with up to {MAX_SEARCH} characters of plain text."
            )));
        }
        let status = match self.status.trim() {
            "" => None,
            given => Some(EventStatus::parse(given).ok_or_else(|| {
                AppError::BadRequest("That is not an event status this page knows.".into())
            })?),
        };
        let text = (!text.is_empty()).then(|| text.to_owned());
        Ok(if text.is_none() && status.is_none() {
            DeskFilter::Everything
        } else {
            DeskFilter::Matching { text, status }
        })
    }

    fn at(&self) -> Result<DeskAt, AppError> {
        DeskAt::from_params(self.after.as_deref(), self.before.as_deref()).ok_or_else(|| {
            AppError::BadRequest("That page link is not valid: start from the first page.".into())
        })
    }
}

#[derive(Template)]
#[template(path = "admin/dashboard.html")]
struct DashboardPage {
    page: Page,
    overview: Overview,
    /// The search as typed (trimmed) and the status chosen ("" for any).
    q: String,
    status: String,
    filtered: bool,
}

impl DashboardPage {
    /// The statuses the filter offers: (value, label).
    fn statuses(&self) -> Vec<(&'static str, &'static str)> {
        EventStatus::ALL
            .iter()
            .map(|&s| (s.as_str(), event_status::label(s)))
            .collect()
    }

    fn label(&self, status: &EventStatus) -> &'static str {
        event_status::label(*status)
    }

    /// A link to another page of the same search.
    fn link(&self, at: &DeskAt) -> String {
        let mut params: Vec<(&str, String)> = Vec::new();
        if !self.q.is_empty() {
            params.push(("q", self.q.clone()));
        }
        if !self.status.is_empty() {
            params.push(("status", self.status.clone()));
        }
        if let Some(param) = at.param() {
            params.push(param);
        }
        match serde_urlencoded::to_string(&params) {
            Ok(query) if !query.is_empty() => format!("/admin?{query}"),
            _ => "/admin".to_owned(),
        }
    }

    fn first(&self) -> String {
        self.link(&DeskAt::First)
    }

    fn last(&self) -> String {
        self.link(&DeskAt::Last)
    }
}

#[get("/admin")]
pub async fn dashboard(
    _admin: AdminUser,
    state: web::Data<AppState>,
    ctx: PageCtx,
    query: web::Query<DeskQuery>,
) -> Result<HttpResponse, AppError> {
    let filter = query.filter()?;
    let overview = admin::overview(&state, filter.clone(), query.at()?).await?;
    let (q, status) = match &filter {
        DeskFilter::Everything => (String::new(), String::new()),
        DeskFilter::Matching { text, status } => (
            text.clone().unwrap_or_default(),
            status.map(|s| s.as_str().to_owned()).unwrap_or_default(),
        ),
    };
    html(&DashboardPage {
        page: ctx.page("Admin: events and sales"),
        overview,
        filtered: filter != DeskFilter::Everything,
        q,
        status,
    })
}
