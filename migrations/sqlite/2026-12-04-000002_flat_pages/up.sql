-- Flat pages at 10,000 events and 1,000,000 bookings, second step (issue 16; plans in
-- bench/README.md).
-- The front page's keyset pages: only the events on sale, in start order, so a page
-- seeks to its first event and reads ten entries; the API's count reads only this
-- index. Replaces events_upcoming. The query's bare `published` matches the predicate.
CREATE INDEX events_on_sale ON events (starts_at, id, ends_at)
    WHERE published AND ended_at IS NULL AND cancelled_at IS NULL;
DROP INDEX events_upcoming;
-- The dashboard's seats per type and status: summed from the index alone, one run of
-- entries per ticket type (replaces tickets_schema_status, its prefix).
CREATE INDEX tickets_type_seats ON tickets (ticket_schema_id, status, quantity);
DROP INDEX tickets_schema_status;
-- The door counts: an event's bookings with their types (replaces tickets_event, its
-- prefix), and each booking's admissions with their state, from the indexes alone.
CREATE INDEX tickets_event_type ON tickets (event_id, id, ticket_schema_id);
DROP INDEX tickets_event;
CREATE INDEX admissions_door_state ON admissions (ticket_id, status, checked_in_at);
