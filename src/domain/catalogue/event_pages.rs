//! Pages of events in start order, read by keyset (`?after=` / `?before=` an edge
//! event's start and id) instead of OFFSET and a count, so that every page of a
//! catalogue of any size costs the same.

use chrono::{Datelike, NaiveDateTime};

use crate::db::Conn;
use crate::db::events::{self, Scope};
use crate::db::models::Event;
use crate::error::AppError;

/// Where an edge event stands in start order: `20270105T190000-42`, or with a fraction
/// of a second when the start has one (`20270105T190000.5-42`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StartKey {
    pub starts_at: NaiveDateTime,
    pub id: i32,
}

const KEY_TIME: &str = "%Y%m%dT%H%M%S%.f";

impl StartKey {
    fn of(event: &Event) -> Self {
        Self {
            starts_at: event.starts_at,
            id: event.id,
        }
    }

    /// `None` for anything that is not a key this module wrote.
    pub fn parse(text: &str) -> Option<Self> {
        let (time, id) = text.rsplit_once('-')?;
        let id: i32 = id.parse().ok().filter(|id| *id > 0)?;
        // Four-digit years only: every engine can compare them.
        let starts_at = NaiveDateTime::parse_from_str(time, KEY_TIME)
            .ok()
            .filter(|t| (1000..=9999).contains(&t.year()))?;
        Some(Self { starts_at, id })
    }
}

impl std::fmt::Display for StartKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.starts_at.format(KEY_TIME), self.id)
    }
}

/// Which page to show, in the order the page is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageAt {
    First,
    /// The page after the one that ended with this event.
    After(StartKey),
    /// The page before the one that began with this event.
    Before(StartKey),
    Last,
}

/// `before=end` asks for the last page.
pub const LAST: &str = "end";

impl PageAt {
    /// From a link's `after` and `before` parameters; `None` (a bad link) when either
    /// is not a key, or both are given.
    pub fn from_params(after: Option<&str>, before: Option<&str>) -> Option<Self> {
        match (after, before) {
            (None, None) => Some(Self::First),
            (Some(after), None) => StartKey::parse(after).map(Self::After),
            (None, Some(LAST)) => Some(Self::Last),
            (None, Some(before)) => StartKey::parse(before).map(Self::Before),
            (Some(_), Some(_)) => None,
        }
    }

    /// The query string of a link to this page (`""` for the first).
    pub fn query(&self) -> String {
        match self {
            Self::First => String::new(),
            Self::After(key) => format!("?after={key}"),
            Self::Before(key) => format!("?before={key}"),
            Self::Last => format!("?before={LAST}"),
        }
    }
}

/// The order a list is shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    SoonestFirst,
    NewestFirst,
}

/// One page of events and the links beside it (`None`: there is no such page).
#[derive(Debug, Clone)]
pub struct EventsPage {
    pub events: Vec<Event>,
    pub previous: Option<PageAt>,
    pub next: Option<PageAt>,
}

/// The page `at` of up to `size` events of `scope`, shown `shown`. Each read asks for one
/// row more than the page to learn whether another page follows in that direction.
pub fn read(
    conn: &mut Conn,
    scope: Scope,
    shown: Shown,
    at: PageAt,
    size: i64,
) -> Result<EventsPage, AppError> {
    let size = size.max(1);
    let forward_ascending = shown == Shown::SoonestFirst;
    let (from, forward) = match at {
        PageAt::First => (None, true),
        PageAt::After(key) => (Some(key), true),
        PageAt::Before(key) => (Some(key), false),
        PageAt::Last => (None, false),
    };
    let from_row = from.map(|k| (k.starts_at, k.id));
    let mut events = events::by_start(
        conn,
        scope,
        from_row,
        forward == forward_ascending,
        size + 1,
    )?;
    let more = events.len() as i64 > size;
    events.truncate(size as usize);
    if !forward {
        events.reverse();
        if !more && at != PageAt::Last && (events.len() as i64) < size {
            // Back at the beginning with less than a page (events came or went since
            // the link was made): show the whole first page instead.
            return read(conn, scope, shown, PageAt::First, size);
        }
    }
    let (Some(first), Some(last)) = (
        events.first().map(StartKey::of),
        events.last().map(StartKey::of),
    ) else {
        // Nothing here: an empty list, or past its end (the link's events went).
        let previous = matches!(at, PageAt::After(_)).then_some(PageAt::First);
        return Ok(EventsPage {
            events,
            previous,
            next: None,
        });
    };
    let (previous, next) = if forward {
        (
            (at != PageAt::First).then_some(PageAt::Before(first)),
            more.then_some(PageAt::After(last)),
        )
    } else {
        (
            more.then_some(PageAt::Before(first)),
            (at != PageAt::Last).then_some(PageAt::After(last)),
        )
    };
    Ok(EventsPage {
        events,
        previous,
        next,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f").unwrap()
    }

    #[test]
    fn keys_read_back_what_they_write_fractions_included() {
        for time in [
            "2027-01-05 19:00:00",
            "2027-01-05 19:00:00.5",
            "2027-01-05 19:00:00.123456789",
        ] {
            let key = StartKey {
                starts_at: at(time),
                id: 42,
            };
            assert_eq!(StartKey::parse(&key.to_string()), Some(key), "{key}");
        }
        assert_eq!(
            StartKey {
                starts_at: at("2027-01-05 19:00:00"),
                id: 42
            }
            .to_string(),
            "20270105T190000-42"
        );
    }

    #[test]
    fn links_say_which_page_and_refuse_what_no_page_wrote() {
        let key = "20270105T190000-42";
        let parsed = StartKey::parse(key).unwrap();
        assert_eq!(PageAt::from_params(None, None), Some(PageAt::First));
        assert_eq!(
            PageAt::from_params(Some(key), None),
            Some(PageAt::After(parsed))
        );
        assert_eq!(
            PageAt::from_params(None, Some(key)),
            Some(PageAt::Before(parsed))
        );
        assert_eq!(PageAt::from_params(None, Some("end")), Some(PageAt::Last));
        assert_eq!(PageAt::from_params(Some("end"), None), None);
        assert_eq!(PageAt::from_params(Some(key), Some(key)), None);
        for bad in [
            "",
            "-",
            "x-1",
            "20270105T190000",
            "20270105T190000-0",
            "20270105T190000--1",
            "+1000000105T190000-1",
            "00010105T190000-1",
        ] {
            assert_eq!(StartKey::parse(bad), None, "{bad:?}");
        }
        assert_eq!(PageAt::After(parsed).query(), "?after=20270105T190000-42");
        assert_eq!(PageAt::Last.query(), "?before=end");
        assert_eq!(PageAt::First.query(), "");
    }
}
