-- Buyers may cancel a paid booking for a refund until this many hours before the
-- event starts; NULL: only the organiser refunds (an admin, or the event's cancellation).
ALTER TABLE events ADD COLUMN refund_hours_before INTEGER
    CHECK (refund_hours_before BETWEEN 0 AND 8760);
