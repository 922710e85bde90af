ALTER TABLE events DROP COLUMN cancelled_at;
ALTER TABLE events DROP COLUMN ended_at;
