//! Page parameters of the API's lists (`?page=1&page_size=20`, at most 50 a page) and
//! the `next` / `previous` addresses of a page.

use serde::Deserialize;
use utoipa::IntoParams;

use super::problem::Problem;

pub const DEFAULT_SIZE: i64 = 20;
pub const MAX_SIZE: i64 = 50;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// From 1.
    #[param(minimum = 1)]
    pub page: Option<i64>,
    /// 1 to 50 (20 by default).
    #[param(minimum = 1, maximum = 50)]
    pub page_size: Option<i64>,
}

/// A checked page request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageAsk {
    pub page: i64,
    pub size: i64,
}

impl PageQuery {
    pub fn check(&self) -> Result<PageAsk, Problem> {
        let page = self.page.unwrap_or(1);
        let size = self.page_size.unwrap_or(DEFAULT_SIZE);
        if !(1..=1_000_000).contains(&page) {
            return Err(Problem::invalid("page", "Pages are numbered from 1."));
        }
        if !(1..=MAX_SIZE).contains(&size) {
            return Err(Problem::invalid(
                "page_size",
                format!("A page holds 1 to {MAX_SIZE} items."),
            ));
        }
        Ok(PageAsk { page, size })
    }
}

impl PageAsk {
    /// The addresses of the pages before and after this one, out of `total` items.
    pub fn links(&self, path: &str, total: i64) -> (Option<String>, Option<String>) {
        let pages = ((total + self.size - 1) / self.size).max(1);
        let at = |page: i64| format!("{path}?page={page}&page_size={}", self.size);
        let previous = (self.page > 1).then(|| at((self.page - 1).min(pages)));
        let next = (self.page < pages).then(|| at(self.page + 1));
        (next, previous)
    }

    /// Whether this page is past the last one (an empty list has one, empty, page).
    pub fn beyond(&self, total: i64) -> bool {
        self.page > ((total + self.size - 1) / self.size).max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_stop_at_both_ends() {
        let first = PageAsk { page: 1, size: 20 };
        assert_eq!(
            first.links("/api/v1/events", 45),
            (Some("/api/v1/events?page=2&page_size=20".into()), None)
        );
        let last = PageAsk { page: 3, size: 20 };
        assert_eq!(
            last.links("/api/v1/events", 45),
            (None, Some("/api/v1/events?page=2&page_size=20".into()))
        );
        assert!(!last.beyond(45));
        assert!(PageAsk { page: 4, size: 20 }.beyond(45));
        assert!(!first.beyond(0));
        let bad = PageQuery {
            page: Some(0),
            page_size: None,
        };
        assert_eq!(bad.check().map_err(|p| p.status.as_u16()), Err(422));
        let big = PageQuery {
            page: None,
            page_size: Some(51),
        };
        assert_eq!(big.check().map_err(|p| p.status.as_u16()), Err(422));
    }
}
