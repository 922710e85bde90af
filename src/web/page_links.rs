//! The query of a keyset page link (`?after=` / `?before=` an edge event, `?before=end`
//! for the last page), as the front page and the admin dashboard write them.

use serde::Deserialize;

use crate::domain::catalogue::event_pages::PageAt;
use crate::error::AppError;

#[derive(Debug, Deserialize)]
pub struct PageQuery {
    after: Option<String>,
    before: Option<String>,
}

impl PageQuery {
    /// The page asked for; a 400 for a link this shop did not write.
    pub fn page_at(&self) -> Result<PageAt, AppError> {
        PageAt::from_params(self.after.as_deref(), self.before.as_deref()).ok_or_else(|| {
            AppError::BadRequest("That page link is not valid: start from the first page.".into())
        })
    }
}
