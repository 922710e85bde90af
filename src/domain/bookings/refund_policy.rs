//! Whether a buyer may cancel a paid booking for a refund: the event offers it (its
//! `refund_hours_before`), the window has not closed, and the event is neither over nor
//! cancelled (a cancelled event refunds everyone by itself).

use chrono::{NaiveDateTime, TimeDelta};

use crate::db::models::Event;

/// Why a buyer's refund is refused, in words for the buyer.
pub fn refusal(event: &Event, now: NaiveDateTime) -> Option<String> {
    let Some(hours) = event.refund_hours_before else {
        return Some(
            "This event does not offer refunds on request. The organiser refunds everyone if the event is cancelled.".into(),
        );
    };
    if event.cancelled_at.is_some() {
        return Some("This event is cancelled: your refund is on its way without asking.".into());
    }
    if event.ended_at.is_some() || event.starts_at <= now {
        return Some("This event has started, so it can no longer be refunded.".into());
    }
    if now >= event.starts_at - TimeDelta::hours(i64::from(hours)) {
        return Some(format!(
            "Refunds closed {hours} hours before the event started."
        ));
    }
    None
}

/// The last moment a buyer may ask for a refund, when the event offers refunds.
pub fn closes_at(event: &Event) -> Option<NaiveDateTime> {
    event
        .refund_hours_before
        .map(|hours| event.starts_at - TimeDelta::hours(i64::from(hours)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(refund_hours_before: Option<i32>, starts_in_hours: i64, now: NaiveDateTime) -> Event {
        Event {
            id: 1,
            title: "Gig".into(),
            description: String::new(),
            venue: "Hall".into(),
            starts_at: now + TimeDelta::hours(starts_in_hours),
            ends_at: now + TimeDelta::hours(starts_in_hours + 3),
            published: true,
            created_at: now,
            ended_at: None,
            cancelled_at: None,
            refund_hours_before,
            high_demand: false,
            time_zone: "UTC".into(),
            resale_enabled: true,
            resale_fee_percent: 0,
            resale_listed: 0,
        }
    }

    #[test]
    fn refunds_only_where_offered_and_before_the_window_closes() {
        let now = chrono::DateTime::from_timestamp(1_800_000_000, 0)
            .unwrap()
            .naive_utc();
        assert!(refusal(&event(None, 100, now), now).is_some());
        assert_eq!(refusal(&event(Some(48), 100, now), now), None);
        assert!(
            refusal(&event(Some(48), 48, now), now).is_some(),
            "closes at the hour"
        );
        assert!(refusal(&event(Some(0), -1, now), now).is_some(), "started");
        let mut cancelled = event(Some(48), 100, now);
        cancelled.cancelled_at = Some(now);
        assert!(refusal(&cancelled, now).is_some());
        assert_eq!(
            closes_at(&event(Some(48), 100, now)),
            Some(now + TimeDelta::hours(52))
        );
    }
}
