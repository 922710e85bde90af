-- Holds by throwaway accounts (issue 23). An organiser marks an event high-demand:
-- holding its seats then needs a confirmed address. A booking row remembers when its
-- previous hold lapsed unpaid, and of which ticket type, so the cool-down before that
-- type may be held again survives a hold of another type on the same row. No foreign
-- key and no index: it is a remembered fact, read only with the row it belongs to.
ALTER TABLE events ADD COLUMN high_demand BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN lapsed_ticket_schema_id INTEGER;
ALTER TABLE tickets ADD COLUMN lapsed_at TIMESTAMP;
