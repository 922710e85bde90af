//! Whether this instance can serve: the database answers.

use super::AppState;
use crate::db;
use crate::error::AppError;

/// `Ok` when the database answered a trivial query.
pub async fn check(state: &AppState) -> Result<(), AppError> {
    state.db(|conn| Ok(db::ping(conn)?)).await
}
