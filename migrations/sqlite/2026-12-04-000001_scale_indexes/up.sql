-- Indexes for flat page costs at 10,000 events and 1,000,000 bookings (issue 16; the
-- plans before and after are in bench/README.md).
-- An event's bookings (admin bookings and check-in lists, the door's counts): was a
-- scan of every ticket.
CREATE INDEX tickets_event ON tickets (event_id, id);
-- The admin dashboard's page of events, newest start first: was a scan and a sort.
CREATE INDEX events_by_start ON events (starts_at, id);
-- The front page: its count reads only this index, and its page walks it in start
-- order and stops after the page (was: every upcoming event read and sorted).
CREATE INDEX events_upcoming ON events (published, ended_at, cancelled_at, starts_at, id, ends_at);
