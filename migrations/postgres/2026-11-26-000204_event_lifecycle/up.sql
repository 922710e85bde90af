-- The event lifecycle beyond draft/published: ended (set by the sweeper once ends_at
-- has passed) and cancelled (by an admin; every paid booking is refunded).
ALTER TABLE events ADD COLUMN ended_at TIMESTAMP;
ALTER TABLE events ADD COLUMN cancelled_at TIMESTAMP;
