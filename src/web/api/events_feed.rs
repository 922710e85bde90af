//! `GET /api/v1/events-feed`: the events delivered to webhooks, for partners that poll,
//! by position after a cursor: in order, without gaps, each event once.

use actix_web::{HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::answer::Answer;
use super::caller::ApiAdmin;
use super::problem::{Problem, ProblemBody};
use crate::app::AppState;
use crate::app::webhooks::endpoints;

pub const DEFAULT_LIMIT: i64 = 100;
pub const MAX_LIMIT: i64 = 500;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// The last position already read (0, or absent: from the start).
    #[param(minimum = 0)]
    pub after: Option<i64>,
    /// 1 to 500 (100 by default).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// A page of the feed.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeedPage {
    /// Events in position order, each exactly the body a webhook delivery carries:
    /// `{id, type, created_at, position, data}`.
    #[schema(value_type = Vec<Object>)]
    pub events: Vec<serde_json::Value>,
    /// The cursor for the next call (`after`): the last position in `events`, or the
    /// `after` asked when there were none.
    pub next_after: i64,
    /// The newest position so far: when `next_after` reached it, the feed is read.
    pub last_position: i64,
}

/// The feed after a position.
#[utoipa::path(
    get, path = "/api/v1/events-feed", tag = "admin",
    operation_id = "readEventsFeed",
    security(("bearer" = [])),
    params(FeedQuery),
    responses(
        (status = 200, description = "Events after `after`, in order", body = FeedPage),
        (status = 422, description = "`validation`: a negative cursor or a bad limit", body = ProblemBody, content_type = "application/problem+json"),
    ),
)]
#[get("/events-feed")]
pub async fn feed(
    state: web::Data<AppState>,
    _: ApiAdmin,
    query: web::Query<FeedQuery>,
) -> Result<HttpResponse, Problem> {
    let after = query.after.unwrap_or(0);
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    let Ok(cursor) = i32::try_from(after) else {
        return Err(Problem::invalid(
            "after",
            "The cursor is a position from 0.",
        ));
    };
    if cursor < 0 {
        return Err(Problem::invalid(
            "after",
            "The cursor is a position from 0.",
        ));
    }
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(Problem::invalid(
            "limit",
            format!("A page holds 1 to {MAX_LIMIT} events."),
        ));
    }
    let (rows, last) = endpoints::feed(&state, cursor, limit).await?;
    let next_after = rows.last().map_or(after, |r| i64::from(r.position));
    let events = rows
        .iter()
        .map(|row| serde_json::from_str(&row.body))
        .collect::<Result<Vec<serde_json::Value>, _>>()
        .map_err(|e| Problem::from(crate::error::AppError::Internal(format!("feed body: {e}"))))?;
    let page = FeedPage {
        events,
        next_after,
        last_position: i64::from(last),
    };
    Ok(Answer::ok(&page)?.respond())
}
