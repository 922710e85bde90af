DROP INDEX admissions_event_door;
ALTER TABLE admissions DROP COLUMN event_id;
CREATE INDEX tickets_event ON tickets (event_id, id);
DROP INDEX tickets_event_type;
CREATE INDEX tickets_schema_status ON tickets (ticket_schema_id, status);
DROP INDEX tickets_type_seats;
CREATE INDEX events_upcoming ON events (published, ended_at, cancelled_at, starts_at, id, ends_at);
DROP INDEX events_on_sale;
