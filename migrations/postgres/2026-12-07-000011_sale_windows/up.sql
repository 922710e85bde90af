-- A ticket type may be on sale only from one instant and/or until another (issue 24),
-- stored in UTC and typed in the event's time zone. NULL: no bound on that side. The
-- window is judged inside the reserving transaction, on the row whose optimistic
-- update takes the seats.
ALTER TABLE ticket_schemas ADD COLUMN sale_starts_at TIMESTAMP;
ALTER TABLE ticket_schemas ADD COLUMN sale_ends_at TIMESTAMP;
