ALTER TABLE events DROP COLUMN refund_hours_before;
