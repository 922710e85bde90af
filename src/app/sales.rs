//! The sales pages' figures: one event's, or the whole shop's (its chart in the shop's
//! `DEFAULT_TIME_ZONE`).

use super::AppState;
use crate::db::models::Event;
use crate::domain::desk::sales::{self, Figures};
use crate::error::AppError;

pub async fn for_event(state: &AppState, event_id: i32) -> Result<(Event, Figures), AppError> {
    state.db(move |conn| sales::for_event(conn, event_id)).await
}

pub async fn for_shop(state: &AppState) -> Result<Figures, AppError> {
    let now = state.clock.now();
    let zone = state.settings.default_time_zone;
    state.db(move |conn| sales::for_shop(conn, now, zone)).await
}
