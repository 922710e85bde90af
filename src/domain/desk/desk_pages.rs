//! The admin dashboard's pages of events: those not ended yet first, soonest first, then
//! the past, latest first, narrowed by a search and a status. Two keyset walks joined
//! end to end: a link names the edge event and which of the two lists it is in
//! (`?after=u20270105T190000-42`, `p…` for the past), so every page is read straight
//! from the index whatever the shop holds, as in `event_pages`.

use chrono::NaiveDateTime;

use crate::db::Conn;
use crate::db::events::{self, DeskFilter, Scope};
use crate::db::models::Event;
use crate::domain::catalogue::event_pages::StartKey;
use crate::error::AppError;

/// Which of the two lists an event is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// Not ended yet: soonest first.
    Upcoming,
    /// Ended: latest first.
    Past,
}

impl Part {
    fn letter(self) -> char {
        match self {
            Part::Upcoming => 'u',
            Part::Past => 'p',
        }
    }

    /// The order this part is shown in is ascending start.
    fn ascending(self) -> bool {
        self == Part::Upcoming
    }
}

/// An edge event of a page: its part and its place in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeskKey {
    pub part: Part,
    pub key: StartKey,
}

impl DeskKey {
    /// `None` for anything this module did not write.
    pub fn parse(text: &str) -> Option<DeskKey> {
        let part = match text.chars().next()? {
            'u' => Part::Upcoming,
            'p' => Part::Past,
            _ => return None,
        };
        Some(DeskKey {
            part,
            key: StartKey::parse(&text[1..])?,
        })
    }
}

impl std::fmt::Display for DeskKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}{}", self.part.letter(), self.key)
    }
}

/// Which page to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeskAt {
    First,
    After(DeskKey),
    Before(DeskKey),
    Last,
}

impl DeskAt {
    /// From a link's `after` and `before`; `None` for a link this shop did not write.
    pub fn from_params(after: Option<&str>, before: Option<&str>) -> Option<DeskAt> {
        match (after, before) {
            (None, None) => Some(DeskAt::First),
            (Some(after), None) => DeskKey::parse(after).map(DeskAt::After),
            (None, Some(crate::domain::catalogue::event_pages::LAST)) => Some(DeskAt::Last),
            (None, Some(before)) => DeskKey::parse(before).map(DeskAt::Before),
            (Some(_), Some(_)) => None,
        }
    }

    /// The `after=` / `before=` pair of a link to this page (`None` for the first).
    pub fn param(&self) -> Option<(&'static str, String)> {
        match self {
            DeskAt::First => None,
            DeskAt::After(key) => Some(("after", key.to_string())),
            DeskAt::Before(key) => Some(("before", key.to_string())),
            DeskAt::Last => Some((
                "before",
                crate::domain::catalogue::event_pages::LAST.to_owned(),
            )),
        }
    }
}

/// One page: its events (each with its part) and the links beside it.
#[derive(Debug, Clone)]
pub struct DeskPage {
    pub events: Vec<(Part, Event)>,
    pub previous: Option<DeskAt>,
    pub next: Option<DeskAt>,
}

/// Reads up to `limit` events of one part, from `from` (exclusive) onwards in the
/// direction read: `forward` is the order the part is shown in.
fn walk(
    conn: &mut Conn,
    now: NaiveDateTime,
    filter: &DeskFilter,
    part: Part,
    from: Option<StartKey>,
    forward: bool,
    limit: i64,
) -> Result<Vec<(Part, Event)>, AppError> {
    if limit <= 0 {
        return Ok(Vec::new());
    }
    let scope = Scope::Desk {
        now,
        upcoming: part == Part::Upcoming,
        filter,
    };
    let found = events::by_start(
        conn,
        scope,
        from.map(|k| (k.starts_at, k.id)),
        part.ascending() == forward,
        limit,
    )?;
    Ok(found.into_iter().map(|event| (part, event)).collect())
}

/// The page `at` of up to `size` events matching `filter`: upcoming first, then past.
pub fn read(
    conn: &mut Conn,
    now: NaiveDateTime,
    filter: &DeskFilter,
    at: DeskAt,
    size: i64,
) -> Result<DeskPage, AppError> {
    let size = size.max(1);
    let want = size + 1;
    let forward = matches!(at, DeskAt::First | DeskAt::After(_));
    // The parts in the order this read walks them, each from where it starts.
    let legs: Vec<(Part, Option<StartKey>)> = match at {
        DeskAt::First => vec![(Part::Upcoming, None), (Part::Past, None)],
        DeskAt::After(DeskKey {
            part: Part::Upcoming,
            key,
        }) => vec![(Part::Upcoming, Some(key)), (Part::Past, None)],
        DeskAt::After(DeskKey {
            part: Part::Past,
            key,
        }) => vec![(Part::Past, Some(key))],
        DeskAt::Last => vec![(Part::Past, None), (Part::Upcoming, None)],
        DeskAt::Before(DeskKey {
            part: Part::Past,
            key,
        }) => vec![(Part::Past, Some(key)), (Part::Upcoming, None)],
        DeskAt::Before(DeskKey {
            part: Part::Upcoming,
            key,
        }) => vec![(Part::Upcoming, Some(key))],
    };
    let mut events = Vec::new();
    for (part, from) in legs {
        let left = want - events.len() as i64;
        events.extend(walk(conn, now, filter, part, from, forward, left)?);
    }
    let more = events.len() as i64 > size;
    events.truncate(size as usize);
    if !forward {
        events.reverse();
        if !more && at != DeskAt::Last && (events.len() as i64) < size {
            // Back at the beginning with less than a page: show the first page.
            return read(conn, now, filter, DeskAt::First, size);
        }
    }
    let key_of = |(part, event): &(Part, Event)| DeskKey {
        part: *part,
        key: StartKey {
            starts_at: event.starts_at,
            id: event.id,
        },
    };
    let (Some(first), Some(last)) = (events.first().map(key_of), events.last().map(key_of)) else {
        let previous = matches!(at, DeskAt::After(_)).then_some(DeskAt::First);
        return Ok(DeskPage {
            events,
            previous,
            next: None,
        });
    };
    let (previous, next) = if forward {
        (
            (at != DeskAt::First).then_some(DeskAt::Before(first)),
            more.then_some(DeskAt::After(last)),
        )
    } else {
        (
            more.then_some(DeskAt::Before(first)),
            (at != DeskAt::Last).then_some(DeskAt::After(last)),
        )
    };
    Ok(DeskPage {
        events,
        previous,
        next,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_name_their_part_and_refuse_anything_else() {
        let key = "u20270105T190000-42";
        let parsed = DeskKey::parse(key);
        assert!(matches!(
            parsed,
            Some(DeskKey {
                part: Part::Upcoming,
                ..
            })
        ));
        assert_eq!(parsed.map(|k| k.to_string()).as_deref(), Some(key));
        assert!(matches!(
            DeskKey::parse("p20270105T190000-42"),
            Some(DeskKey {
                part: Part::Past,
                ..
            })
        ));
        for bad in ["", "x20270105T190000-42", "20270105T190000-42", "u", "uend"] {
            assert_eq!(DeskKey::parse(bad), None, "{bad:?}");
        }
        assert_eq!(DeskAt::from_params(None, Some("end")), Some(DeskAt::Last));
        assert_eq!(DeskAt::from_params(Some("end"), None), None);
        assert_eq!(DeskAt::from_params(None, None), Some(DeskAt::First));
    }
}
