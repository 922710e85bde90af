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
-- The door counts (the dashboard's, and the door page's after every scan): an event's
-- bookings with their types, from the index alone (replaces tickets_event, its
-- prefix), and the event's valid admissions in one index range instead of one lookup
-- per booking: each admission carries its booking's event (a copy; a booking never
-- changes event).
CREATE INDEX tickets_event_type ON tickets (event_id, id, ticket_schema_id);
DROP INDEX tickets_event;
ALTER TABLE admissions ADD COLUMN event_id INTEGER REFERENCES events (id);
UPDATE admissions SET event_id = tickets.event_id FROM tickets WHERE tickets.id = admissions.ticket_id;
ALTER TABLE admissions ALTER COLUMN event_id SET NOT NULL;
CREATE INDEX admissions_event_door ON admissions (event_id, status, ticket_id, checked_in_at);
