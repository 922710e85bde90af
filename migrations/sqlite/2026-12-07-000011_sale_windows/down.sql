ALTER TABLE ticket_schemas DROP COLUMN sale_ends_at;
ALTER TABLE ticket_schemas DROP COLUMN sale_starts_at;
